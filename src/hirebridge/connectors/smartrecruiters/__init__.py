"""SmartRecruiters (Customer API) connector."""

from hirebridge.connectors.smartrecruiters.connector import SmartRecruitersConnector

__all__ = ["SmartRecruitersConnector"]
