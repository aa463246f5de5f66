"""Greenhouse Harvest v3 (harvest.greenhouse.io/v3): OAuth2 client credentials, Link-header paging,
records joined from v3's normalized resources. See docs/connectors/greenhouse.md."""

from hirebridge.connectors.greenhouse.connector import GreenhouseConnector

__all__ = ["GreenhouseConnector"]
