"""Recruitee (https://api.recruitee.com/c/<company_id>): REST, offset paging. See docs/connectors/recruitee.md."""

from hirebridge.connectors.recruitee.connector import RecruiteeConnector

__all__ = ["RecruiteeConnector"]
