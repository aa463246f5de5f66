"""The tools HireBridge has connectors for, and what each one covers.

A tool's coverage is its connector's declaration (`connectors/<tool>/coverage.py`): the models it
syncs, `GET /tools/ats`, an integration's `read_models` and `ignore_unsupported_filters` all derive
from it.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from hirebridge.connectors.ashby import AshbyConnector
from hirebridge.connectors.ashby.coverage import COVERAGE as ASHBY_COVERAGE
from hirebridge.connectors.base import ConnectorFactory
from hirebridge.connectors.lever import LeverConnector
from hirebridge.connectors.lever.coverage import COVERAGE as LEVER_COVERAGE
from hirebridge.connectors.sandbox import SandboxConnector
from hirebridge.connectors.sandbox.coverage import COVERAGE as SANDBOX_COVERAGE
from hirebridge.model.coverage import Coverage

__all__ = ["CONNECTORS", "TOOLS", "Tool", "connector_factory"]


@dataclass(frozen=True, slots=True)
class Tool:
    id: str
    label: str
    factory: ConnectorFactory
    coverage: Coverage  # what its connector provides, per model and field
    supports_delta: bool
    connection_guide_url: str | None = None

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


TOOLS: dict[str, Tool] = {
    t.id: t
    for t in (
        Tool(
            id=SandboxConnector.tool,
            label="HireBridge Sandbox",
            factory=SandboxConnector,
            coverage=SANDBOX_COVERAGE,
            supports_delta=False,
            connection_guide_url=None,
        ),
        Tool(
            id="ashby",
            label="Ashby",
            factory=AshbyConnector,
            coverage=ASHBY_COVERAGE,
            supports_delta=True,
            connection_guide_url="https://developers.ashbyhq.com/docs/authentication",
        ),
        Tool(
            id=LeverConnector.tool,
            label="Lever",
            factory=LeverConnector,
            coverage=LEVER_COVERAGE,
            supports_delta=True,
            connection_guide_url="https://hire.lever.co/developer/documentation#authentication",
        ),
    )
}
CONNECTORS: dict[str, ConnectorFactory] = {tool_id: tool.factory for tool_id, tool in TOOLS.items()}


def connector_factory(tool: str) -> ConnectorFactory:
    try:
        return CONNECTORS[tool]
    except KeyError:
        raise ValueError(f"unknown tool '{tool}'; known tools: {', '.join(sorted(CONNECTORS))}") from None
