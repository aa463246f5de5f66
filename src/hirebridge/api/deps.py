"""Who is calling and for which integration: API key -> environment, X-Integration-Id -> integration."""

from __future__ import annotations

from sqlalchemy import Connection
from starlette.requests import Request

from hirebridge.api.errors import ApiError
from hirebridge.store import tenancy
from hirebridge.store.tenancy import Environment, Integration


def authenticate(request: Request, conn: Connection) -> Environment:
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ApiError(
            401,
            "PLATFORM.AUTHENTICATION_INVALID",
            "Missing API key: send it as 'Authorization: Bearer <API key>'.",
        )
    environment = tenancy.environment_for_key(conn, key.strip())
    if environment is None:
        raise ApiError(401, "PLATFORM.AUTHENTICATION_INVALID", "The API key is invalid or has been revoked.")
    return environment


def integration_for(conn: Connection, environment: Environment, integration_id: str | None) -> Integration:
    """The integration, if it exists in the caller's environment (else 404, whoever owns it)."""
    if not integration_id:
        raise ApiError(
            404,
            "PLATFORM.INTEGRATION_NOT_FOUND",
            "Missing X-Integration-Id header: name the integration to read.",
        )
    integration = tenancy.get_integration(conn, integration_id)
    if integration is None or integration.environment_id != environment.id:
        raise ApiError(
            404, "PLATFORM.INTEGRATION_NOT_FOUND", f"No integration with the ID '{integration_id}' was found."
        )
    return integration


def readable_integration(request: Request, conn: Connection) -> Integration:
    """Authenticate and resolve X-Integration-Id, then apply the gates every data endpoint has."""
    environment = authenticate(request, conn)
    integration = integration_for(conn, environment, request.headers.get("x-integration-id"))
    if not integration.enabled:
        raise ApiError(
            403,
            "INTEGRATION.INACTIVE",
            f"The integration '{integration.id}' is disabled; enable it to read its data.",
        )
    if integration.first_sync_succeeded_at is None:
        raise ApiError(
            409,
            "INTEGRATION.SETUP_SYNC_PENDING",
            "The first sync of this integration has not finished yet. Poll again later.",
        )
    return integration
