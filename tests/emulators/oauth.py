"""A tiny OAuth2 client-credentials server on 127.0.0.1: a token endpoint and an API behind it.

- `POST /token`: HTTP Basic `client_id:client_secret`, form `grant_type=client_credentials` (and an
  optional `sub`) -> `{access_token, token_type: "Bearer", expires_in}`; a wrong client -> 401
  `invalid_client`. With `client_auth="form"` the client's id and secret must be form fields instead
  (Basic is refused), and a refusal quotes the secret it was given (as a careless server might).
  Each token is new (`tokens_issued` counts them); `token_delay` slows the answer
  (so that concurrent requests overlap a fetch).
- `GET /api/items`: 200 with a valid Bearer token, 401 otherwise; `revoke()` makes every token
  issued so far invalid (a token revoked before it expires); `accept_tokens = False` refuses all.
- `GET /api/echo`: 500 whose body echoes the request's headers (a proxy or a debug endpoint would):
  for tests that the token never reaches an error message.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import threading
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.emulators import harness


@dataclass
class TokenServer:
    client_id: str = "client-id-123"
    client_secret: str = "client-secret-s3cr3t-456"
    expires_in: int = 3600
    client_auth: str = "basic"  # or "form": client_id and client_secret as form fields
    token_delay: float = 0.0
    accept_tokens: bool = True  # False: the API refuses every token (one without the resource's scope)
    valid: set[str] = field(default_factory=set)
    issued: list[str] = field(default_factory=list)
    forms: list[dict[str, str]] = field(default_factory=list)
    api_calls: list[str | None] = field(default_factory=list)  # the Authorization header of each API call
    _serial: itertools.count[int] = field(default_factory=itertools.count)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def tokens_issued(self) -> int:
        return len(self.issued)

    def revoke(self) -> None:
        with self._lock:
            self.valid.clear()

    def app(self) -> Starlette:
        async def token(request: Request) -> Response:
            expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
            form = dict(parse_qsl((await request.body()).decode()))
            self.forms.append(form)
            if self.client_auth == "form":
                given = (form.get("client_id"), form.get("client_secret"))
                if request.headers.get("authorization") or given != (self.client_id, self.client_secret):
                    return JSONResponse({"error": "invalid_client", "error_description": f"refused {given}"}, 401)
            elif request.headers.get("authorization") != f"Basic {expected}":
                return JSONResponse({"error": "invalid_client"}, 401)
            if form.get("grant_type") != "client_credentials":
                return JSONResponse({"error": "unsupported_grant_type"}, 400)
            if self.token_delay:
                await asyncio.sleep(self.token_delay)
            issued = f"tok-{next(self._serial)}-{base64.b32encode(self.client_secret.encode()).decode()[:16]}"
            with self._lock:
                self.valid.add(issued)
                self.issued.append(issued)
            return JSONResponse({"access_token": issued, "token_type": "Bearer", "expires_in": self.expires_in})

        async def items(request: Request) -> Response:
            header = request.headers.get("authorization")
            self.api_calls.append(header)
            if not self.accept_tokens or header is None or header.removeprefix("Bearer ") not in self.valid:
                return JSONResponse({"message": "Invalid or expired access token"}, 401)
            return JSONResponse({"data": [{"id": "1"}]})

        async def echo(request: Request) -> Response:
            return JSONResponse({"message": "echo of your request", "headers": dict(request.headers)}, 500)

        return Starlette(
            routes=[
                Route("/token", token, methods=["POST"]),
                Route("/api/items", items),
                Route("/api/echo", echo),
            ]
        )

    def running(self) -> AbstractContextManager[str]:
        """Serve on 127.0.0.1; yields the base URL (the token endpoint is `{url}/token`)."""
        return harness.serve(self.app())
