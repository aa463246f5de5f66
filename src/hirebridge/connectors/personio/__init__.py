"""Personio recruiting (https://api.personio.de): the v2 reads over OAuth2, the v1 application write.
See docs/connectors/personio.md."""

from hirebridge.connectors.personio.connector import PersonioConnector

__all__ = ["PersonioConnector"]
