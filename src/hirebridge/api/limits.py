"""How large a request may be, and what happens to a body the app did not read.

The limits are settings (config.py: `HIREBRIDGE_MAX_BODY_BYTES`, `_MAX_URL_BYTES`,
`_MAX_HEADER_BYTES`). They are enforced twice, by the same rules and with the same answers (Kombo's
error envelope):
- below the app, by HireBridge's uvicorn protocol (api/server.py), while a request head is still
  arriving: no oversized head is ever buffered whole, and an over-long URL or header section gets a
  JSON 414/431 instead of uvicorn's plain-text 400;
- in the app, by `RequestLimits` (below), so the rules hold under any ASGI server.

Request bodies are read only by the endpoints that take one, after authentication, through
api/body.py, which stops at the limit (413).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hirebridge.api.errors import error_response
from hirebridge.config import Settings


@dataclass(frozen=True, slots=True)
class Limits:
    body: int  # bytes of a request body, unless the endpoint names its own limit
    url: int  # bytes of the request target (path and query)
    header: int  # bytes of the header fields, as `header_size` counts them

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(body=settings.max_body_bytes, url=settings.max_url_bytes, header=settings.max_header_bytes)


class Rejection(NamedTuple):
    status: int
    message: str


def url_too_long(limits: Limits) -> Rejection:
    return Rejection(
        414,
        f"The request URL is longer than {limits.url} bytes: pass fewer or shorter values "
        "(e.g. fewer ids per request).",
    )


def headers_too_large(limits: Limits) -> Rejection:
    return Rejection(431, f"The request's header fields are larger than {limits.header} bytes.")


def body_too_large(limit: int) -> Rejection:
    return Rejection(413, f"The request body is larger than the limit of {limit} bytes.")


def field_size(name: bytes, value: bytes) -> int:
    """A header field's share of the header limit: its name, value, and `: ` and CRLF."""
    return len(name) + len(value) + 4


def header_size(headers: Iterable[tuple[bytes, bytes]]) -> int:
    return sum(field_size(name, value) for name, value in headers)


def url_size(scope: Scope) -> int:
    raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
    query: bytes = scope.get("query_string", b"")
    return len(raw_path) + (len(query) + 1 if query else 0)


def head_rejection(scope: Scope, limits: Limits) -> Rejection | None:
    if url_size(scope) > limits.url:
        return url_too_long(limits)
    if header_size(scope["headers"]) > limits.header:
        return headers_too_large(limits)
    return None


def closes_unless_read(headers: Iterable[tuple[bytes, bytes]], limits: Limits) -> bool:
    """Whether the connection must close if the app answers without reading the body.

    After a response the server goes on reading the rest of the request's body to find the next
    request on the connection; it must not read more than the body limit of a body no endpoint
    asked for. A declared length within the limit is drained; a larger one, a chunked body (no
    length), or a client waiting for `100 Continue` (its next bytes may be the next request or
    the body) closes the connection instead."""
    length: int | None = None
    for name, value in headers:
        if name == b"transfer-encoding" or (name == b"expect" and value.lower() == b"100-continue"):
            return True
        if name == b"content-length":
            try:
                length = int(value)
            except ValueError:
                return True
    return length is not None and length > limits.body


class RequestLimits:
    """Pure ASGI middleware: 414/431 for an oversized request head (in Kombo's envelope), and
    `Connection: close` on a response given before the request's body was read, when draining it
    would read more than the body limit (`closes_unless_read`)."""

    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body_read = not closes_unless_read(scope["headers"], self.limits)

        async def receive_body() -> Message:
            nonlocal body_read
            message = await receive()
            if message["type"] == "http.request" and not message.get("more_body", False):
                body_read = True
            return message

        async def send_closing(message: Message) -> None:
            if message["type"] == "http.response.start" and not body_read:
                message = {**message, "headers": [*message.get("headers", []), (b"connection", b"close")]}
            await send(message)

        rejection = head_rejection(scope, self.limits)
        if rejection is not None:
            response = error_response(rejection.status, "PLATFORM.INPUT_INVALID", rejection.message)
            await response(scope, receive_body, send_closing)
            return
        await self.app(scope, receive_body, send_closing)
