"""Workable (https://<subdomain>.workable.com/spi/v3): REST with `paging.next` URLs. See docs/connectors/workable.md."""

from hirebridge.connectors.workable.connector import WorkableConnector

__all__ = ["WorkableConnector"]
