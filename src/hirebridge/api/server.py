"""How HireBridge runs uvicorn: every place that starts the API -- `hirebridge serve` (one process or
`--workers N`), `hirebridge demo`, the tests' `server` fixture -- takes its uvicorn options from
`options()` here, so the tests exercise what production runs.

The HTTP/1.1 protocol is HireBridge's own: uvicorn's httptools protocol (the one uvicorn picks itself;
httptools comes with uvicorn[standard]) with the request limits of api/limits.py applied while a
request head arrives, before the app runs:
- a request target over the URL limit is 414, header fields over the header limit are 431 -- as soon
  as the bytes received show it, so no oversized head is buffered whole (httptools collects a header
  field in memory until its end: unchecked, a client could send one of a gigabyte);
- every request uvicorn would refuse with its plain-text `400 Invalid HTTP request received.` gets
  Kombo's JSON envelope instead (`PLATFORM.INPUT_INVALID`), as every other error does.
The connection then closes: the rest of its bytes cannot be framed. Requests within the limits reach
the app, whose `RequestLimits` middleware applies the same limits under any server.
"""

from __future__ import annotations

import asyncio
import http
import logging
from typing import Any

import uvicorn
from uvicorn.config import Config
from uvicorn.protocols.http import httptools_impl
from uvicorn.server import ServerState

from hirebridge.api.limits import Limits, Rejection, field_size, headers_too_large, url_too_long
from hirebridge.config import get_settings
from hirebridge.serving.errors import error_body

log = logging.getLogger(__name__)

MALFORMED = Rejection(400, "The request is not valid HTTP/1.1.")

# A request head is its request line (the URL and some 20 bytes more) and its header fields: while
# one is incomplete, this much beyond the two limits is room for the rest of the request line.
_REQUEST_LINE_ROOM = 1024


class _Refused(Exception):
    """Raised from a parser callback to stop parsing; httptools re-raises it as an HttpParserError,
    which uvicorn answers through `send_400_response`."""


def error_bytes(rejection: Rejection, default_headers: list[tuple[bytes, bytes]]) -> bytes:
    """A complete HTTP/1.1 error response in Kombo's envelope, closing the connection."""
    body = error_body(rejection.status, "PLATFORM.INPUT_INVALID", rejection.message)
    phrase = http.HTTPStatus(rejection.status).phrase.encode()
    head = [b"HTTP/1.1 %d %s\r\n" % (rejection.status, phrase)]
    head += [name + b": " + value + b"\r\n" for name, value in default_headers]
    head += [
        b"content-type: application/json\r\n",
        b"content-length: %d\r\n" % len(body),
        b"connection: close\r\n",
        b"\r\n",
    ]
    return b"".join(head) + body


class HttpToolsProtocol(httptools_impl.HttpToolsProtocol):
    """uvicorn's httptools protocol with HireBridge's request-head limits and error envelope."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits = Limits.of(get_settings())
        self.rejection: Rejection | None = None  # why parsing stopped, if a limit stopped it
        # The request head being received: its header bytes so far (exact, per complete field), and
        # the bytes received in later reads while it is incomplete (bounds a field still arriving).
        self.in_head = False
        self.heads = 0
        self.header_bytes = 0
        self.head_bytes_received = 0

    def data_received(self, data: bytes) -> None:
        counting, heads = self.in_head, self.heads
        super().data_received(data)
        # Only a read that neither began nor ended the head counts in full: the bound errs on the
        # side of admitting (by at most one read), never refuses a head within the limits.
        if counting and self.in_head and self.heads == heads and not self.transport.is_closing():
            self.head_bytes_received += len(data)
            if self.head_bytes_received > self.limits.url + self.limits.header + _REQUEST_LINE_ROOM:
                self.refuse(headers_too_large(self.limits))

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.in_head = True
        self.heads += 1
        self.header_bytes = 0
        self.head_bytes_received = 0

    def on_url(self, url: bytes) -> None:
        super().on_url(url)  # httptools hands the URL over read by read: this sees it grow
        if len(self.url) > self.limits.url:
            self.rejection = url_too_long(self.limits)
            raise _Refused

    def on_header(self, name: bytes, value: bytes) -> None:
        super().on_header(name, value)
        self.header_bytes += field_size(name, value)
        if self.header_bytes > self.limits.header:
            self.rejection = headers_too_large(self.limits)
            raise _Refused

    def on_headers_complete(self) -> None:
        self.in_head = False
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        # uvicorn's answer to every parser error, including the ones the callbacks above raise.
        self.refuse(self.rejection or MALFORMED)

    def refuse(self, rejection: Rejection) -> None:
        client = f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
        log.info("refused a request from %s: %d %s", client, rejection.status, rejection.message)
        self.transport.write(error_bytes(rejection, self.server_state.default_headers))
        self.transport.close()


def options() -> dict[str, Any]:
    """uvicorn's options for the API, wherever it is started."""
    return {"http": HttpToolsProtocol, "log_config": None, "access_log": False}


def config(app: Any, **overrides: Any) -> uvicorn.Config:
    """A uvicorn.Config for `app` (an ASGI app, or an import string with `factory=True`)."""
    return uvicorn.Config(app, **{**options(), **overrides})


def run(app: Any, **overrides: Any) -> None:
    """uvicorn.run with HireBridge's options: one process, or `workers=N` processes."""
    uvicorn.run(app, **{**options(), **overrides})
