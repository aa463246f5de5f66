"""A source that answers every request with an error whose body echoes the request's headers (as
some proxies and debugging endpoints do): the credential a client authenticates with comes back in
the body, for tests that it never reaches a stored error, a log line or the command line."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.emulators import harness

# Sent after the echoed headers: a body far longer than any excerpt an error may quote.
PADDING = "lorem ipsum " * 2000


@dataclass
class Echo:
    status: int
    seen: list[dict[str, str]] = field(default_factory=list)

    def app(self) -> Starlette:
        async def handle(request: Request) -> Response:
            headers = dict(request.headers)
            self.seen.append(headers)
            body = {"message": "echo of your request", "headers": headers, "padding": PADDING}
            return JSONResponse(body, status_code=self.status)

        return Starlette(routes=[Route("/{path:path}", handle, methods=["GET", "POST"])])

    def running(self) -> AbstractContextManager[str]:
        """Serve on 127.0.0.1; yields the base URL."""
        return harness.serve(self.app())
