"""Kombo's integration-field endpoints: `GET /integrations/{id}/integration-fields` lists the fields
the syncs found in the integration's source payloads (model/integration_fields.py), `PATCH
/integrations/{id}/integration-fields/{field id}` switches one's passthrough into its model's records."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from hirebridge.api.body import json_object
from hirebridge.api.deps import caller_integration
from hirebridge.api.errors import input_invalid
from hirebridge.api.general import success
from hirebridge.api.listing import decode_cursor, encode_cursor, page_size_param
from hirebridge.model import ATS_MODELS
from hirebridge.store import integration_fields as store
from hirebridge.store.db import read_tx, write_tx
from hirebridge.store.integration_fields import IntegrationField
from hirebridge.store.tenancy import Integration

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 2000  # Kombo's limit for this listing (250 elsewhere)


def _wire(field: IntegrationField) -> dict[str, Any]:
    return {
        "id": field.id,
        "key": field.key,
        "model": ATS_MODELS[field.model][0],
        "type": field.type,
        "label": field.label,
        "is_passthrough_enabled": field.passthrough_enabled,
        "is_writable": False,  # always false in Kombo (a deprecated feature)
    }


def list_integration_fields(request: Request) -> Response:
    with read_tx(request.app.state.engine) as conn:
        integration = caller_integration(request, conn, request.path_params["integration_id"])
        page_size = DEFAULT_PAGE_SIZE
        if (text := request.query_params.get("page_size")) is not None:
            page_size = page_size_param(text, maximum=MAX_PAGE_SIZE)
        after = 0
        if (text := request.query_params.get("cursor")) is not None:
            after, _ = decode_cursor(text)
        fields = store.page(conn, integration.id, after, page_size + 1)
    next_cursor = encode_cursor(fields[page_size - 1].pk) if len(fields) > page_size else None
    # `next_cursor` is Kombo's deprecated name of `next`; both are sent.
    return success({"results": [_wire(f) for f in fields[:page_size]], "next": next_cursor, "next_cursor": next_cursor})


async def update_integration_field(request: Request) -> Response:
    # The caller first: no body is read for a client that may not send one (api/body.py).
    def caller() -> Integration:
        with read_tx(request.app.state.engine) as conn:
            return caller_integration(request, conn, request.path_params["integration_id"])

    integration = await run_in_threadpool(caller)
    body = await json_object(request, required=True)
    if "enable_passthrough" not in body or not isinstance(body["enable_passthrough"], bool | None):
        raise input_invalid('The body must be {"enable_passthrough": true}, false or null.')
    # null: Kombo's schema allows it; it switches passthrough off, the state of a field never switched on.
    enabled = body["enable_passthrough"] is True
    field_id = request.path_params["integration_field_id"]

    def update() -> IntegrationField | None:
        with write_tx(request.app.state.engine) as conn:
            return store.set_passthrough(conn, integration.id, field_id, enabled)

    field = await run_in_threadpool(update)
    if field is None:
        raise input_invalid(
            f"The integration '{integration.id}' has no integration field with the ID '{field_id}'.", status=404
        )
    return success(_wire(field))
