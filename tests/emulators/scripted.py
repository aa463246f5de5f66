"""A tiny HTTP server on 127.0.0.1 whose answers a test scripts: status codes, headers, delays,
broken bodies. For testing the shared source client's retry/backoff/classification over real HTTP."""

from __future__ import annotations

import asyncio
from collections import deque
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.emulators import harness


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    raw: bytes | None = None  # sent as is (e.g. truncated JSON)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Script:
    replies: deque[Reply] = field(default_factory=deque)
    default: Reply = field(default_factory=Reply)
    seen: list[dict[str, Any]] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0

    def then(self, *replies: Reply) -> Script:
        self.replies.extend(replies)
        return self


def _app(script: Script) -> Starlette:
    async def handle(request: Request) -> Response:
        script.in_flight += 1
        script.max_in_flight = max(script.max_in_flight, script.in_flight)
        try:
            body = await request.body()
            script.seen.append(
                {
                    "method": request.method,
                    "path": request.url.path,
                    "query": dict(request.query_params),
                    "raw_query": request.url.query,  # exactly as sent
                    "json": orjson.loads(body) if body else None,
                    "authorization": request.headers.get("authorization"),
                }
            )
            reply = script.replies.popleft() if script.replies else script.default
            if reply.delay:
                await asyncio.sleep(reply.delay)
            content = reply.raw if reply.raw is not None else orjson.dumps(reply.body)
            return Response(content, status_code=reply.status, headers=reply.headers, media_type="application/json")
        finally:
            script.in_flight -= 1

    return Starlette(routes=[Route("/{path:path}", handle, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])])


def serve(script: Script) -> AbstractContextManager[str]:
    return harness.serve(_app(script))
