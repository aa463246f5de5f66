"""The ASGI application: routes, error handlers, and (embedded mode) the in-process worker."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from hirebridge.api import (
    actions,
    changes,
    connect,
    connect_page,
    dashboard,
    general,
    integration_fields,
    ops,
    passthrough,
    upstream,
)
from hirebridge.api.ats.attachment_files import application_attachments, candidate_attachments
from hirebridge.api.errors import ApiError, handle_api_error, handle_http_error, handle_unexpected
from hirebridge.api.limits import Limits, RequestLimits
from hirebridge.api.listing import LISTINGS, list_page
from hirebridge.config import Settings, get_settings
from hirebridge.jobs import Jobs
from hirebridge.model import actions as a
from hirebridge.serving.listing import Listing

__all__ = ["LISTINGS", "create_app"]


def _endpoint(listing: Listing) -> Callable[[Request], Response]:
    def endpoint(request: Request) -> Response:
        return list_page(request, listing)

    return endpoint


def _action_routes() -> list[Route]:
    """Kombo's write endpoints (api/actions.py) and the action metadata."""
    act = actions.endpoint
    return [
        Route("/jobs/{job_id}/applications", act(a.CREATE_APPLICATION, "job_id"), methods=["POST"]),
        Route("/candidates", act(a.CREATE_CANDIDATE), methods=["POST"]),
        Route("/applications/{id}/stage", act(a.MOVE_APPLICATION_STAGE, "id"), methods=["PUT"]),
        Route("/applications/{id}/reject", act(a.REJECT_APPLICATION, "id"), methods=["POST"]),
        Route("/applications/{id}/notes", act(a.ADD_APPLICATION_NOTE, "id"), methods=["POST"]),
        Route("/applications/{id}/attachments", act(a.ADD_APPLICATION_ATTACHMENT, "id"), methods=["POST"]),
        Route("/candidates/{id}/attachments", act(a.ADD_CANDIDATE_ATTACHMENT, "id"), methods=["POST"]),
        Route("/applications/{id}/result-links", act(a.ADD_APPLICATION_RESULT_LINK, "id"), methods=["POST"]),
        Route("/candidates/{id}/result-links", act(a.ADD_CANDIDATE_RESULT_LINK, "id"), methods=["POST"]),
        Route("/candidates/{id}/tags", act(a.ADD_CANDIDATE_TAG, "id"), methods=["POST"]),
        Route("/candidates/{id}/tags", act(a.REMOVE_CANDIDATE_TAG, "id"), methods=["DELETE"]),
        Route("/applications/{id}/interviews", act(a.CREATE_INTERVIEW, "id"), methods=["POST"]),
        Route("/applications/{id}/interviews", act(a.UPDATE_INTERVIEW, "id"), methods=["PATCH"]),
        Route("/import-tracked-application", act(a.IMPORT_TRACKED_APPLICATION), methods=["POST"]),
        Route("/actions/{action}", actions.action_metadata, methods=["GET"]),
    ]


def create_app(engine: Engine, *, run_worker: bool = False, settings: Settings | None = None) -> Starlette:
    """The API. With `run_worker` (embedded mode) queued syncs run in a thread of this process; in the
    distributed mode (HIREBRIDGE_WORKER_MODE) they are deferred to `hirebridge worker` processes.
    `settings` (default: the environment's) gives the request size limits (api/limits.py) and the
    settings of the worker and the webhook delivery lane."""
    jobs = Jobs.for_process(engine, run_worker=run_worker, settings=settings)
    limits = Limits.of(settings or get_settings())

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        jobs.start()
        yield
        jobs.stop()

    ats_routes = [Route(f"/{path}", _endpoint(listing), methods=["GET"]) for path, listing in LISTINGS.items()]
    ats_routes += [
        Route("/applications/{record_id}/attachments", application_attachments, methods=["GET"]),
        Route("/candidates/{record_id}/attachments", candidate_attachments, methods=["GET"]),
    ]
    ats_routes += _action_routes()
    routes = [
        # Operational endpoints: outside /v1, unauthenticated (probes and scrapers hold no API key).
        Route("/health", ops.health, methods=["GET"]),
        Route("/ready", ops.ready, methods=["GET"]),
        Route("/metrics", ops.metrics, methods=["GET"]),
        # The page a Kombo Connect link opens (for the customer, not the API: HTML, no API key).
        Route("/connect", connect_page.connect_page, methods=["GET"]),
        Route("/connect", connect_page.submit, methods=["POST"]),
        # The operator dashboard (HTML, its own sign-in).
        Route("/dashboard", dashboard.home, methods=["GET"]),
        Route("/dashboard/login", dashboard.login_page, methods=["GET"]),
        Route("/dashboard/login", dashboard.login, methods=["POST"]),
        Route("/dashboard/logout", dashboard.logout, methods=["POST"]),
        Route("/dashboard/integrations/{integration_id}", dashboard.integration_page, methods=["GET"]),
        Route("/dashboard/integrations/{integration_id}/delete", dashboard.delete_page, methods=["GET"]),
        Route("/dashboard/integrations/{integration_id}/delete", dashboard.delete_integration, methods=["POST"]),
        Route("/dashboard/integrations/{integration_id}/{action}", dashboard.integration_action, methods=["POST"]),
        Route("/dashboard/runs/{run_id}", dashboard.run_page, methods=["GET"]),
        Route("/dashboard/requests/{error_id}", dashboard.request_page, methods=["GET"]),
        Route("/dashboard/webhooks", dashboard.webhooks_page, methods=["GET"]),
        Route("/dashboard/webhooks/{subscription_id}/enable", dashboard.webhook_action, methods=["POST"]),
        Route("/dashboard/webhooks/deliveries/{delivery_id}/replay", dashboard.webhook_action, methods=["POST"]),
        Route("/dashboard/integrations/{integration_id}/data/{path}", dashboard.explorer, methods=["GET"]),
        Route("/dashboard/environments", dashboard.environments_page, methods=["GET"]),
        Route("/dashboard/environments", dashboard.create_environment, methods=["POST"]),
        Route("/dashboard/environments/{environment_id}/api-keys", dashboard.create_api_key, methods=["POST"]),
        Route("/dashboard/api-keys/{key_id}/revoke", dashboard.revoke_api_key, methods=["POST"]),
        # A vendor's webhooks: outside /v1 and without an API key, the vendor's signature authenticates.
        Route("/webhooks/upstream/{integration_id}", upstream.receive, methods=["POST"]),
        Mount(
            "/v1",
            routes=[
                Route("/check-api-key", general.check_api_key, methods=["GET"]),
                Route("/integrations/{integration_id}", general.get_integration, methods=["GET"]),
                Route("/integrations/{integration_id}", general.delete_integration, methods=["DELETE"]),
                Route("/integrations/{integration_id}/enabled", general.set_integration_enabled, methods=["PUT"]),
                Route("/integrations/{integration_id}/relink", connect.relink, methods=["POST"]),
                Route("/integrations/{integration_id}/setup-link", connect.setup_link, methods=["POST"]),
                Route("/connect/create-link", connect.create_link, methods=["POST"]),
                Route("/connect/integration-by-token/{token}", connect.integration_by_token, methods=["GET"]),
                Route("/connect/activate-integration", connect.activate_integration, methods=["POST"]),
                Route(
                    "/integrations/{integration_id}/integration-fields",
                    integration_fields.list_integration_fields,
                    methods=["GET"],
                ),
                Route(
                    "/integrations/{integration_id}/integration-fields/{integration_field_id}",
                    integration_fields.update_integration_field,
                    methods=["PATCH"],
                ),
                Route(
                    "/integrations/{integration_id}/custom-fields",
                    integration_fields.list_custom_fields,
                    methods=["GET"],
                ),
                Route(
                    "/integrations/{integration_id}/custom-fields/{custom_field_id}",
                    integration_fields.update_custom_field,
                    methods=["PUT"],
                ),
                Route("/tools/{category}", general.get_tools, methods=["GET"]),
                Route("/force-sync", general.force_sync, methods=["POST"]),
                Route("/changes", changes.list_changes, methods=["GET"]),
                Route("/passthrough/{tool}/{api}", passthrough.passthrough, methods=["POST"]),
                Mount("/ats", routes=ats_routes),
            ],
        ),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        # Outermost first: the metrics count the limits' refusals too.
        middleware=[Middleware(ops.RequestMetrics, routes=routes), Middleware(RequestLimits, limits=limits)],
        exception_handlers={
            ApiError: handle_api_error,
            HTTPException: handle_http_error,
            Exception: handle_unexpected,
        },
    )
    app.state.engine = engine
    app.state.settings = settings or get_settings()
    app.state.jobs = jobs
    app.state.limits = limits
    return app
