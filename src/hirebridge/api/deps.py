"""Who is calling and for which integration: API key -> environment, X-Integration-Id -> integration."""

from __future__ import annotations

from sqlalchemy import Connection
from starlette.requests import Request

from hirebridge.api.errors import ApiError
from hirebridge.store import sync_runs, tenancy
from hirebridge.store.sync_runs import SyncState
from hirebridge.store.tenancy import Environment, Integration
from hirebridge.timefmt import to_wire


def _bearer_key(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ApiError(
            401,
            "PLATFORM.AUTHENTICATION_INVALID",
            "Missing API key: send it as 'Authorization: Bearer <API key>'.",
        )
    return key.strip()


def _invalid_key() -> ApiError:
    return ApiError(401, "PLATFORM.AUTHENTICATION_INVALID", "The API key is invalid or has been revoked.")


def _integration_not_found(integration_id: str | None) -> ApiError:
    if not integration_id:
        return ApiError(
            404,
            "PLATFORM.INTEGRATION_NOT_FOUND",
            "Missing X-Integration-Id header: name the integration to read.",
        )
    return ApiError(404, "PLATFORM.INTEGRATION_NOT_FOUND", f"No integration with the ID '{integration_id}' was found.")


def authenticate(request: Request, conn: Connection) -> Environment:
    environment = tenancy.environment_for_key(conn, _bearer_key(request))
    if environment is None:
        raise _invalid_key()
    return environment


def caller_integration(request: Request, conn: Connection, integration_id: str | None) -> Integration:
    """Authenticate, then the integration `integration_id` if it is in the caller's environment (else
    404, whoever owns it) -- one query for both."""
    return caller_and_integration(request, conn, integration_id)[1]


def caller_and_integration(
    request: Request, conn: Connection, integration_id: str | None
) -> tuple[Environment, Integration]:
    """`caller_integration`, with the caller's environment."""
    key = _bearer_key(request)
    environment, integration = tenancy.caller_and_integration(conn, key, integration_id or "")
    if environment is None:
        raise _invalid_key()
    if integration is None:
        raise _integration_not_found(integration_id)
    return environment, integration


def api_key_prefix(request: Request) -> str:
    """The caller's key as operators see it in listings (`hb_AbCd`): who did it, in an audit record."""
    return _bearer_key(request)[:8]


def readable_integration(request: Request, conn: Connection) -> Integration:
    """Authenticate and resolve X-Integration-Id, then apply the gates every data endpoint has."""
    integration = caller_integration(request, conn, request.headers.get("x-integration-id"))
    if not integration.enabled:
        raise ApiError(
            403,
            "INTEGRATION.INACTIVE",
            f"The integration '{integration.id}' is disabled; enable it to read its data.",
        )
    if integration.first_sync_succeeded_at is None:
        raise ApiError(409, "INTEGRATION.SETUP_SYNC_PENDING", _setup_pending_message(conn, integration.id))
    return integration


# What a failed run's code means, for the client reading the 409 (the run's own error text, which
# may quote the source, stays with the operator: `hirebridge runs`).
_RUN_ERRORS = {
    "AUTHENTICATION_FAILED": "the source rejected the integration's credentials",
    "SOURCE_UNAVAILABLE": "the source could not be reached",
    "SOURCE_ERROR": "the source answered with an error or with data that could not be read",
    "CONFIGURATION_ERROR": "the integration's configuration or stored credentials could not be used",
    "WORKER_LOST": "the process running it stopped",
    "INTERRUPTED": "it was interrupted",
    "LEASE_LOST": "another run took it over",
    "INTERNAL_ERROR": "an internal error; the operator's logs have the details",
}


def _setup_pending_message(conn: Connection, integration_id: str) -> str:
    """Why there is no data yet: a first sync still to come or running, or one that failed."""
    last = sync_runs.last_finished_run(conn, integration_id)
    active = sync_runs.has_active_run(conn, integration_id)
    if last is None:
        return "The first sync of this integration has not finished yet. Poll again later."
    code = last.error_code or "UNKNOWN"
    cause = _RUN_ERRORS.get(code, "see the integration's runs")
    ended = to_wire(last.ended_at)
    outcome = "was cancelled" if last.state == SyncState.CANCELLED else "failed"
    retry = (
        "Another attempt is queued or running; poll again later."
        if active
        else "It is retried with the next scheduled sync, or now with POST /v1/force-sync."
    )
    return f"The first sync of this integration {outcome} at {ended} with {code} ({cause}); no data yet. {retry}"
