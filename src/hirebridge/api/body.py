"""JSON request bodies, with Kombo-style errors for malformed ones."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request

from hirebridge.api.errors import input_invalid


async def json_object(request: Request, *, required: bool) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        if required:
            raise input_invalid("A JSON request body is required.")
        return {}
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise input_invalid(f"The request body is not valid JSON: {exc}.") from None
    if not isinstance(body, dict):
        raise input_invalid("The request body must be a JSON object.")
    return body
