"""Operational endpoints (`/health`, `/ready`, `/metrics`, outside `/v1`, unauthenticated) and the
middleware that records request metrics."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

import orjson
from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hirebridge import observability
from hirebridge.store import migrate
from hirebridge.store.db import ping

log = logging.getLogger(__name__)

# The route label of requests no route matches: raw paths would make the label set unbounded.
UNMATCHED = "unmatched"


def _json(body: object, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def health(_request: Request) -> Response:
    """Liveness: the process serves requests. Touches no database, so a slow database never gets a
    healthy process restarted."""
    return _json({"status": "ok"})


def ready(request: Request) -> Response:
    """Readiness: the database answers and its schema is the one this code expects."""
    engine: Engine = request.app.state.engine
    checks: dict[str, str] = {"database": "ok", "migrations": "ok"}
    try:
        ping(engine)
    except Exception as exc:
        # Unauthenticated endpoint: the class name only; the message (hosts, users) goes to the log.
        log.warning("readiness: the database did not answer", exc_info=exc)
        checks["database"] = f"failed: {type(exc).__name__}"
        checks["migrations"] = "not checked"
    else:
        try:
            if not migrate.is_current(engine):
                current, head = migrate.current_revision(engine), migrate.head_revision(engine)
                checks["migrations"] = f"failed: the database is at revision {current}, this code expects {head}"
        except Exception as exc:
            log.warning("readiness: the schema revision could not be read", exc_info=exc)
            checks["migrations"] = f"failed: {type(exc).__name__}"
    if all(value == "ok" for value in checks.values()):
        return _json({"status": "ok", "checks": checks})
    return _json({"status": "unavailable", "checks": checks}, status=503)


def metrics(_request: Request) -> Response:
    return Response(observability.render(), media_type=observability.CONTENT_TYPE)


def route_template(routes: Sequence[BaseRoute], scope: Scope) -> str | None:
    """The path template (`/v1/integrations/{integration_id}`) of the route `scope` matches, mounts
    included; a route that matches the path but not the method counts (it answers 405)."""
    partial: str | None = None
    for route in routes:
        match, child_scope = route.matches(scope)
        if match is Match.NONE:
            continue
        path: str = getattr(route, "path", "")
        if isinstance(route, Mount):
            inner = route_template(route.routes, {**scope, **child_scope})
            if inner is None:
                continue
            template = path + inner
        else:
            template = path
        if match is Match.FULL:
            return template
        partial = partial or template
    return partial


class RequestMetrics:
    """Pure ASGI (BaseHTTPMiddleware would buffer streamed bodies): counts each request by route
    template, method and status, and times it until its last body chunk is handed to the server.

    It is counted *before* that chunk goes out: a client holding the whole response finds its request
    in any process's /metrics (counted after the send, a scrape right after it could miss it while the
    app still ran -- a background task, or just a process descheduled)."""

    def __init__(self, app: ASGIApp, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Routing rewrites root_path/path_params of `scope` in place: keep what matching needs.
        request_scope = {
            "type": "http",
            "path": scope["path"],
            "root_path": scope.get("root_path", ""),
            "method": scope["method"],
        }
        status = 500  # if the app raises before answering, the server answers 500
        started = time.perf_counter()
        counted = False

        def count() -> None:
            nonlocal counted
            counted = True
            route = route_template(self.routes, request_scope) or UNMATCHED
            observability.observe_http_request(route, scope["method"], status, time.perf_counter() - started)

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body", False) and not counted:
                count()
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            if not counted:  # the app failed before its last body chunk
                count()
