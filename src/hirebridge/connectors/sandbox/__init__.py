"""The sandbox connector: a deterministic generated ATS (no credentials, no network)."""

from hirebridge.connectors.sandbox.connector import SandboxConnector
from hirebridge.connectors.sandbox.source import SandboxSource

__all__ = ["SandboxConnector", "SandboxSource"]
