"""GET /v1/ats/applications/{id}/attachments and /v1/ats/candidates/{id}/attachments.

Kombo fetches these live from the ATS; HireBridge's sync engine has already downloaded them, so
they are served from the store. `data_url` is a `data:` URL carrying the file itself (there is no
separate download host to sign links for).
"""

from __future__ import annotations

import base64
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from hirebridge.api.deps import readable_integration
from hirebridge.api.errors import input_invalid
from hirebridge.ids import is_well_formed
from hirebridge.store.db import read_tx
from hirebridge.store.listing import attachment_files, live_record_exists


def _files(request: Request, model: str, key: str, *, with_owner: bool) -> Response:
    record_id = request.path_params["record_id"]
    with read_tx(request.app.state.engine) as conn:
        integration = readable_integration(request, conn)
        if not is_well_formed(record_id) or not live_record_exists(conn, model, integration.id, record_id):
            raise input_invalid(f"No {model[:-1].replace('_', ' ')} with the ID '{record_id}' exists.", status=404)
        rows = attachment_files(conn, key, record_id)
    results: list[dict[str, Any]] = []
    warnings = []
    for row in rows:
        data = orjson.loads(row.data)
        if row.content is None:
            warnings.append({"message": f"The file of attachment {row.id} has not been downloaded yet."})
            continue
        item: dict[str, Any] = {"id": row.id, "remote_id": row.remote_id}
        if with_owner:
            item.update(candidate_id=data["candidate_id"], application_id=data["application_id"])
        item.update(
            type=data["type"] or "OTHER",
            data_url=f"data:{row.mime};base64,{base64.b64encode(row.content).decode()}",
            file_name=data["file_name"] or row.remote_id,
            content_type=row.mime,
            remote_created_at=data["remote_created_at"],
            remote_updated_at=data["remote_updated_at"],
        )
        results.append(item)
    body = {"status": "success", "data": {"results": results}, "warnings": warnings}
    return Response(orjson.dumps(body), media_type="application/json")


def application_attachments(request: Request) -> Response:
    return _files(request, "applications", "application_id", with_owner=False)


def candidate_attachments(request: Request) -> Response:
    return _files(request, "candidates", "candidate_id", with_owner=True)
