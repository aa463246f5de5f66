"""Lever (api.lever.co/v1): opportunities, contacts, postings and their children as unified records."""

from hirebridge.connectors.lever.connector import LeverConnector

__all__ = ["LeverConnector"]
