"""The tools HireBridge has connectors for, read from the connector classes.

Each connector class declares what the registry (and through it the API, the CLI and the scheduler)
needs: `tool`, `label`, its `config` schema (fields, types, secrets, help, vendor links), its
`coverage` (`connectors/<tool>/coverage.py`: the models it syncs, `GET /tools/ats`, an integration's
`read_models` and `ignore_unsupported_filters` all derive from it), whether it supports DELTA syncs,
its connection guide, and the `{api}` names of its passthrough (`passthrough`).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from hirebridge.connectors.ashby import AshbyConnector
from hirebridge.connectors.base import Checkable, ConnectorFactory
from hirebridge.connectors.framework.actions import ActionFailed, ActionResult, Writer
from hirebridge.connectors.framework.config import ConfigSchema
from hirebridge.connectors.framework.connector import HttpConnector
from hirebridge.connectors.framework.errors import (
    ConfigError,
    CredentialsInvalid,
    OutcomeUnknown,
    SourceError,
    SourceUnavailable,
)
from hirebridge.connectors.framework.passthrough import (
    METHODS,
    PassthroughAnswer,
    PassthroughRefused,
    PassthroughRequest,
    send,
)
from hirebridge.connectors.framework.ratelimit import RateLimits
from hirebridge.connectors.framework.webhooks import Event, Receiver, Ref, Refetched, UpstreamWebhooks
from hirebridge.connectors.greenhouse import GreenhouseConnector
from hirebridge.connectors.lever import LeverConnector
from hirebridge.connectors.personio import PersonioConnector
from hirebridge.connectors.recruitee import RecruiteeConnector
from hirebridge.connectors.sandbox import SandboxConnector
from hirebridge.connectors.smartrecruiters import SmartRecruitersConnector
from hirebridge.connectors.teamtailor import TeamtailorConnector
from hirebridge.connectors.workable import WorkableConnector
from hirebridge.model.actions import Action, ActionSupport
from hirebridge.model.coverage import Coverage

__all__ = [
    "CONNECTORS",
    "METHODS",
    "TOOLS",
    "ActionFailed",
    "ActionResult",
    "ConfigError",
    "CredentialsInvalid",
    "Event",
    "OutcomeUnknown",
    "PassthroughAnswer",
    "PassthroughRefused",
    "PassthroughRequest",
    "Ref",
    "Refetched",
    "SourceError",
    "SourceUnavailable",
    "Tool",
    "check_connection",
    "connector_factory",
    "passthrough",
    "perform",
    "refetch",
    "upstream_event",
    "upstream_handshake",
]


class ConnectorClass(ConnectorFactory, Protocol):
    """A connector class: it builds connectors, and says what the registry lists."""

    @property
    def tool(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def config(self) -> ConfigSchema: ...
    @property
    def coverage(self) -> Coverage: ...
    @property
    def supports_delta(self) -> bool: ...
    @property
    def connection_guide_url(self) -> str | None: ...
    @property
    def passthrough_apis(self) -> tuple[str, ...]: ...


@dataclass(frozen=True, slots=True)
class Tool:
    id: str
    label: str
    factory: ConnectorFactory
    coverage: Coverage  # what its connector provides, per model and field
    supports_delta: bool
    config: ConfigSchema  # what an integration's configuration holds
    connection_guide_url: str | None = None
    passthrough_apis: tuple[str, ...] = ()  # Kombo's `{api}` names of POST /passthrough/{tool}/{api}
    # The write actions its connector performs (model/actions.py), with the optional fields it writes.
    actions: Mapping[str, ActionSupport] = field(default_factory=dict)
    # Its vendor's webhooks, when its connector receives them (framework/webhooks.py).
    webhooks: UpstreamWebhooks | None = None

    @classmethod
    def of(cls, connector: ConnectorClass) -> Tool:
        return cls(
            id=connector.tool,
            label=connector.label,
            factory=connector,
            coverage=connector.coverage,
            supports_delta=connector.supports_delta,
            config=connector.config,
            connection_guide_url=connector.connection_guide_url,
            passthrough_apis=connector.passthrough_apis,
            actions=dict(getattr(connector, "actions", {})),
            webhooks=getattr(connector, "webhooks", None),
        )

    @property
    def models(self) -> tuple[str, ...]:
        """The unified models its connector syncs."""
        return self.coverage.provided

    def icon_url(self) -> str:
        """A self-contained icon (HireBridge hosts no assets): the tool's initial on a square."""
        svg = (
            '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" '
            'rx="12" fill="#2d3a8c"/><text x="32" y="44" font-size="36" text-anchor="middle" fill="#fff" '
            f'font-family="sans-serif">{self.label[0]}</text></svg>'
        )
        return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


CONNECTOR_CLASSES: tuple[ConnectorClass, ...] = (
    SandboxConnector,
    AshbyConnector,
    GreenhouseConnector,
    LeverConnector,
    WorkableConnector,
    TeamtailorConnector,
    SmartRecruitersConnector,
    PersonioConnector,
    RecruiteeConnector,
)
TOOLS: dict[str, Tool] = {connector.tool: Tool.of(connector) for connector in CONNECTOR_CLASSES}
CONNECTORS: dict[str, ConnectorFactory] = {tool_id: tool.factory for tool_id, tool in TOOLS.items()}


def connector_factory(tool: str) -> ConnectorFactory:
    try:
        return CONNECTORS[tool]
    except KeyError:
        raise ValueError(f"unknown tool '{tool}'; known tools: {', '.join(sorted(CONNECTORS))}") from None


def check_connection(
    tool: str, config: Mapping[str, Any], *, integration_id: str = "check", limits: RateLimits | None = None
) -> None:
    """Build `tool`'s connector from `config` (ConfigError when it cannot work) and validate the
    credentials with one cheap request (CredentialsInvalid, SourceUnavailable naming the URL)."""
    connector = connector_factory(tool)(integration_id, config, limits)
    if isinstance(connector, Checkable):
        connector.check()


async def passthrough(
    tool: str, integration_id: str, config: Mapping[str, Any], limits: RateLimits, request: PassthroughRequest
) -> PassthroughAnswer:
    """Send `request` to the source of an integration of `tool` (one of `passthrough_apis`) through its
    connector's runtime: its credentials (`config`, opened), the shared limiter `limits` gives, its
    timeout and retries (framework/passthrough.py). ConfigError when the configuration cannot work."""
    connector = connector_factory(tool)(integration_id, config, limits)
    if not isinstance(connector, HttpConnector):
        raise ConfigError(f"{tool} has no source API to pass a request through to")
    return await send(connector.runtime, request)


async def perform(
    tool: str, integration_id: str, config: Mapping[str, Any], limits: RateLimits, action: Action
) -> ActionResult:
    """Perform `action` at the source of an integration of `tool` through its connector (its
    credentials, the shared limiter `limits` gives, its retries). ConfigError when the configuration
    cannot work or the tool's connector performs no actions; ActionFailed when the source refused."""
    connector = connector_factory(tool)(integration_id, config, limits)
    if not isinstance(connector, Writer):
        raise ConfigError(f"{tool} performs no write actions")
    return await connector.perform(action)


def upstream_event(tool: str, headers: Mapping[str, str], body: bytes, secret: str | None) -> Event | None:
    """The event of a webhook request from `tool`'s vendor, if it is signed with (one of) the
    integration's `secret`; None when it is not, when no secret is stored, or when the tool has no
    webhooks. `headers` keyed in lower case, `body` raw."""
    webhooks = TOOLS[tool].webhooks if tool in TOOLS else None
    if webhooks is None or not secret or not webhooks.verify(headers, body, secret):
        return None
    return webhooks.parse(body)


# The headers some vendor's webhook handshake carries (lower case): a request with none of them is no
# handshake, and the endpoint need not look up its integration's tool to know it.
HANDSHAKE_HEADERS: frozenset[str] = frozenset(
    tool.webhooks.handshake.lower() for tool in TOOLS.values() if tool.webhooks and tool.webhooks.handshake
)


def upstream_handshake(tool: str, headers: Mapping[str, str]) -> dict[str, str] | None:
    """The headers to answer a webhook handshake of `tool`'s vendor with (a 200 echoing its header;
    SmartRecruiters' `X-Hook-Secret`), when the request is one; None otherwise. `headers` keyed in
    lower case."""
    webhooks = TOOLS[tool].webhooks if tool in TOOLS else None
    name = webhooks.handshake if webhooks is not None else None
    value = headers.get(name) if name else None
    return {name: value} if name and value else None


async def refetch(
    tool: str, integration_id: str, config: Mapping[str, Any], limits: RateLimits, refs: list[Ref]
) -> Refetched:
    """The records `refs` name, fetched from `tool`'s source through its connector (its credentials,
    the shared limiter `limits` gives, its retries). ConfigError when it receives no webhooks."""
    connector = connector_factory(tool)(integration_id, config, limits)
    if not isinstance(connector, Receiver):
        raise ConfigError(f"{tool} receives no webhooks")
    return await connector.refetch(refs)
