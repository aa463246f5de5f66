"""Teamtailor (https://api.teamtailor.com/v1): JSON:API with `links.next`. See docs/connectors/teamtailor.md."""

from hirebridge.connectors.teamtailor.connector import TeamtailorConnector

__all__ = ["TeamtailorConnector"]
