"""Request bodies: read only by the endpoints that take one, after they authenticated the caller, up to
a limit (413 past it), and JSON bodies with Kombo-style errors for malformed ones."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request

from hirebridge.api.errors import ApiError, input_invalid
from hirebridge.api.limits import Limits, body_too_large


def _too_large(limit: int) -> ApiError:
    rejection = body_too_large(limit)
    return ApiError(rejection.status, "PLATFORM.INPUT_INVALID", rejection.message)


async def read_body(request: Request, *, limit: int | None = None) -> bytes:
    """The whole body, if it is at most `limit` bytes (default: the app's body limit,
    HIREBRIDGE_MAX_BODY_BYTES; an endpoint that takes larger bodies passes its own).

    A declared Content-Length over the limit is refused before anything is read; a body without
    one (chunked) is counted as it arrives and refused at the first chunk past the limit. Either
    way the connection then closes (api/limits.py) rather than read the rest."""
    if limit is None:
        limits: Limits = request.app.state.limits
        limit = limits.body
    declared = request.headers.get("content-length")
    if declared is not None:
        # The server has checked its syntax (it frames the body by it); this is only defensive.
        if not declared.isdigit():
            raise input_invalid("The Content-Length header is not a number.")
        if int(declared) > limit:
            raise _too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _too_large(limit)
    return bytes(body)


async def json_object(request: Request, *, required: bool, limit: int | None = None) -> dict[str, Any]:
    raw = await read_body(request, limit=limit)
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
