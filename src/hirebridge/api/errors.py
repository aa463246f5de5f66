"""Kombo's error envelope and codes; every error response goes through here."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.types import Scope

from hirebridge.serving.errors import error_body
from hirebridge.store import request_log
from hirebridge.store.db import write_tx
from hirebridge.timefmt import utc_now

log = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(self, status: int, code: str | None, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def input_invalid(message: str, status: int = 400) -> ApiError:
    return ApiError(status, "PLATFORM.INPUT_INVALID", message)


def error_response(
    status: int,
    code: str | None,
    message: str,
    headers: Mapping[str, str] | None = None,
    log_url: str | None = None,
) -> Response:
    return Response(
        error_body(status, code, message, log_url),
        status_code=status,
        headers=headers,
        media_type="application/json",
    )


def _record(request: Request, status: int, code: str | None, message: str) -> str:
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    with write_tx(request.app.state.engine) as conn:
        return request_log.record(
            conn,
            at=utc_now(),
            method=request.method,
            path=request.url.path,
            query=request.url.query,
            status=status,
            code=code,
            message=message,
            integration_id=request.headers.get("x-integration-id"),
            api_key_prefix=key.strip()[:8] if scheme.lower() == "bearer" and key.strip() else None,
        )


async def log_url(request: Request, status: int, code: str | None, message: str) -> str | None:
    """Record an API request's error for the operator; the URL of its page in the dashboard. Not for
    unauthenticated requests (401: anyone could fill the log) nor outside the API; never fails the
    answer (None when the record could not be written)."""
    if status == 401 or not request.url.path.startswith("/v1/"):
        return None
    try:
        error_id = await run_in_threadpool(_record, request, status, code, message)
    except Exception:
        log.warning("could not record the error of %s %s", request.method, request.url.path, exc_info=True)
        return None
    return f"{request.app.state.settings.public_url.rstrip('/')}/dashboard/requests/{error_id}"


async def handle_api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    url = await log_url(request, exc.status, exc.code, exc.message)
    return error_response(exc.status, exc.code, exc.message, log_url=url)


async def handle_http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (unknown route, wrong method) in Kombo's envelope."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return error_response(404, "PLATFORM.INPUT_INVALID", f"No route matches {request.method} {request.url.path}.")
    if exc.status_code == 405:
        # Starlette's own Allow names the methods of the first route it tried; a path can have more
        # (GET and DELETE /integrations/{id} are two routes).
        scope = {
            "type": "http",
            "path": request.scope["path"],
            "root_path": request.scope.get("app_root_path", ""),
            "method": request.method,
        }
        allowed = ", ".join(sorted(allowed_methods(request.app.router.routes, scope)))
        return error_response(
            405,
            "PLATFORM.INPUT_INVALID",
            f"The method {request.method} is not allowed on {request.url.path}; allowed: {allowed}.",
            headers={**(exc.headers or {}), "Allow": allowed},
        )
    return error_response(exc.status_code, None, str(exc.detail), headers=exc.headers)


def allowed_methods(routes: Sequence[BaseRoute], scope: Scope) -> set[str]:
    """The methods of every route whose path matches `scope`'s, mounts included."""
    allowed: set[str] = set()
    for route in routes:
        match, child_scope = route.matches(scope)
        if match is Match.NONE:
            continue
        if isinstance(route, Mount):
            allowed |= allowed_methods(route.routes, {**scope, **child_scope})
        elif isinstance(route, Route) and route.methods:
            allowed |= route.methods
    return allowed


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    # Logged in full here; the client only learns that something failed (no stack trace leaks).
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    message = "An unexpected error occurred. It has been logged."
    url = await log_url(request, 500, "PLATFORM.UNKNOWN_ERROR", message)
    return error_response(500, "PLATFORM.UNKNOWN_ERROR", message, log_url=url)
