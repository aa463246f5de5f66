"""General (non-ATS) endpoints."""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response

from hirebridge.api.deps import authenticate
from hirebridge.store.db import read_tx


def check_api_key(request: Request) -> Response:
    with read_tx(request.app.state.engine) as conn:
        environment = authenticate(request, conn)
    # Kombo's `customer_id` is the deprecated name of `environment_id`; both are sent.
    body = {"status": "success", "data": {"environment_id": environment.id, "customer_id": environment.id}}
    return Response(orjson.dumps(body), media_type="application/json")
