"""Kombo Connect's API: links an API user's backend creates for its customers, and the exchange of a
completed flow's activation token for the integration (`/v1/connect/*`, `/v1/integrations/{id}/relink`
and `/setup-link`). The customer's side, the page a link opens, is api/connect_page.py.

Bodies follow Kombo's OpenAPI (`PostConnectCreateLinkRequestBody`...): unknown keys refused, the field
named in a 400. HireBridge connects ATS tools only, so `integration_category` must be `ATS` (Kombo's
default is HRIS: an ATS client always sends it).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal, TypeVar
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from hirebridge.actions.bodies import Email, invalid_field
from hirebridge.api.body import json_object
from hirebridge.api.deps import authenticate, caller_and_integration
from hirebridge.api.errors import ApiError, input_invalid
from hirebridge.api.general import success
from hirebridge.config import Settings
from hirebridge.connectors.registry import TOOLS
from hirebridge.store import connect, tenancy
from hirebridge.store.db import read_tx, write_tx
from hirebridge.store.tenancy import Environment
from hirebridge.timefmt import utc_now

Language = Literal["en", "de", "fr", "it", "es"]
LinkType = Literal["EMBEDDED", "MAGIC_LINK"]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CreateLink(_Body):
    end_user_email: Email
    end_user_organization_name: str = Field(min_length=1)
    end_user_origin_id: str | None = Field(default=None, min_length=1)
    remote_environment: str | None = None
    integration_category: Literal["HRIS", "ATS", "ASSESSMENT", "LMS"] = "HRIS"
    integration_tool: str | None = None
    language: Language | None = "en"
    scope_config_id: str | None = None
    enable_filtering: bool = False
    enable_field_mapping: bool = False
    enable_static_ips: bool | None = False
    link_type: LinkType = "EMBEDDED"


class Relink(_Body):
    language: Language | None = "en"
    scope_config_id: str | None = None
    link_type: LinkType = "EMBEDDED"


class SetupLink(_Body):
    language: Language | None = "en"
    link_type: LinkType


class ActivateIntegration(_Body):
    token: str


B = TypeVar("B", bound=BaseModel)


def _parse(model: type[B], body: dict[str, Any]) -> B:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise input_invalid(invalid_field(exc)) from None


def link_lifetime(settings: Settings, link_type: str) -> timedelta:
    if link_type == "MAGIC_LINK":
        return timedelta(days=settings.connect_magic_link_days)
    return timedelta(minutes=settings.connect_link_minutes)


def link_url(settings: Settings, token: str) -> str:
    """Where the customer goes: the connect page of this HireBridge (HIREBRIDGE_PUBLIC_URL)."""
    return f"{settings.public_url.rstrip('/')}/connect?{urlencode({'token': token})}"


def _refuse_unsupported(body: CreateLink) -> None:
    """What HireBridge cannot do is refused, never silently ignored."""
    if body.integration_category != "ATS":
        raise input_invalid(
            f'HireBridge connects ATS tools only: send "integration_category": "ATS" '
            f"(got {body.integration_category!r}; Kombo's default is HRIS)."
        )
    if body.integration_tool is not None and body.integration_tool not in TOOLS:
        raise input_invalid(
            f"The field 'integration_tool' is invalid: '{body.integration_tool}' is not a tool HireBridge connects "
            f"(one of {', '.join(sorted(TOOLS))})."
        )
    if body.remote_environment is not None and body.integration_tool is None:
        raise input_invalid("The field 'remote_environment' can only be used together with 'integration_tool'.")
    if body.remote_environment is not None:
        raise input_invalid("The field 'remote_environment' is not supported: HireBridge's tools have one environment.")
    for flag in ("enable_filtering", "enable_field_mapping", "enable_static_ips"):
        if getattr(body, flag):
            raise input_invalid(f"The field '{flag}' is not supported by HireBridge; leave it false.")


async def create_link(request: Request) -> Response:
    engine = request.app.state.engine

    def caller() -> Environment:
        with read_tx(engine) as conn:
            return authenticate(request, conn)

    environment = await run_in_threadpool(caller)
    body = _parse(CreateLink, await json_object(request, required=True))
    _refuse_unsupported(body)

    return await _new_link(
        request,
        environment,
        body.link_type,
        body.language,
        organization_name=body.end_user_organization_name,
        email=body.end_user_email,
        origin_id=body.end_user_origin_id,
        tool=body.integration_tool,
    )


async def _new_link(
    request: Request, environment: Environment, link_type: str, language: str | None, **link: Any
) -> Response:
    """Record a connect link (`link`: store.connect.create_link's end-user and tool fields) and answer
    with its URL, as create-link and relink both do."""
    settings: Settings = request.app.state.settings

    def create() -> str:
        with write_tx(request.app.state.engine) as conn:
            return connect.create_link(
                conn,
                environment,
                now=utc_now(),
                lifetime=link_lifetime(settings, link_type),
                link_type=link_type,
                language=language or "en",
                **link,
            )

    token = await run_in_threadpool(create)
    return success({"link": link_url(settings, token)})


async def relink(request: Request) -> Response:
    """A link for the customer to enter new credentials for an existing integration (same tool)."""
    engine = request.app.state.engine

    def caller() -> tuple[Environment, tenancy.Integration]:
        with read_tx(engine) as conn:
            return caller_and_integration(request, conn, request.path_params["integration_id"])

    environment, integration = await run_in_threadpool(caller)
    body = _parse(Relink, await json_object(request, required=False))

    return await _new_link(
        request,
        environment,
        body.link_type,
        body.language,
        organization_name=integration.end_user_organization_name or integration.id,
        email=integration.end_user_email,
        origin_id=integration.end_user_origin_id,
        tool=integration.tool,
        relink_integration_id=integration.id,
    )


async def setup_link(request: Request) -> Response:
    """Kombo's Setup Flow (filtering, field mapping) does not exist in HireBridge: as Kombo answers for an
    integration with no setup step enabled, 400."""

    def caller() -> None:
        with read_tx(request.app.state.engine) as conn:
            caller_and_integration(request, conn, request.path_params["integration_id"])

    await run_in_threadpool(caller)
    _parse(SetupLink, await json_object(request, required=True))
    raise input_invalid(
        "This integration has no setup step to complete: HireBridge has no filtering or field-mapping setup flow."
    )


def _integration_by_activation(request: Request, token: str) -> Response:
    with read_tx(request.app.state.engine) as conn:
        environment = authenticate(request, conn)
        integration_id = connect.activated_integration(conn, environment.id, token, utc_now())
        integration = None if integration_id is None else tenancy.get_integration(conn, integration_id)
    if integration is None:
        raise ApiError(
            404,
            "PLATFORM.INTEGRATION_NOT_FOUND",
            "No integration was created with this token in your environment, or the token has expired.",
        )
    return success(
        {
            "tool": integration.tool,
            "id": integration.id,
            "end_user_origin_id": integration.end_user_origin_id,
            "end_user_organization_name": integration.end_user_organization_name or integration.id,
            "end_user_email": integration.end_user_email,
            "setup_status": integration.setup_status,
        }
    )


def integration_by_token(request: Request) -> Response:
    return _integration_by_activation(request, request.path_params["token"])


async def activate_integration(request: Request) -> Response:
    """Kombo's deprecated predecessor of integration-by-token: the same answer (the integration is
    active from the moment the flow completed, whether this is called or not)."""

    def caller() -> None:
        with read_tx(request.app.state.engine) as conn:
            authenticate(request, conn)

    await run_in_threadpool(caller)
    body = _parse(ActivateIntegration, await json_object(request, required=True))
    return await run_in_threadpool(_integration_by_activation, request, body.token)
