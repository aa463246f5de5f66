"""The tools HireBridge has connectors for."""

from __future__ import annotations

from hirebridge.connectors.base import ConnectorFactory
from hirebridge.connectors.sandbox import SandboxConnector

CONNECTORS: dict[str, ConnectorFactory] = {
    SandboxConnector.tool: SandboxConnector,
}


def connector_factory(tool: str) -> ConnectorFactory:
    try:
        return CONNECTORS[tool]
    except KeyError:
        raise ValueError(f"unknown tool '{tool}'; known tools: {', '.join(sorted(CONNECTORS))}") from None
