"""The ASGI application."""

from __future__ import annotations

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.routing import Mount, Route

from hirebridge.api.ats.applications import get_applications
from hirebridge.api.errors import ApiError, handle_api_error, handle_http_error, handle_unexpected
from hirebridge.api.general import check_api_key


def create_app(engine: Engine) -> Starlette:
    routes = [
        Mount(
            "/v1",
            routes=[
                Route("/check-api-key", check_api_key, methods=["GET"]),
                Route("/ats/applications", get_applications, methods=["GET"]),
            ],
        ),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={
            ApiError: handle_api_error,
            HTTPException: handle_http_error,
            Exception: handle_unexpected,
        },
    )
    app.state.engine = engine
    return app
