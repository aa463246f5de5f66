"""Ashby (api.ashbyhq.com): POST-RPC API with sync tokens. See docs/connectors/ashby.md."""

from hirebridge.connectors.ashby.connector import AshbyConnector

__all__ = ["AshbyConnector"]
