"""The unified ATS model: typed records and enums, shared by connectors, sync engine and API.

No I/O and no framework imports here. Connectors produce these records; the sync engine turns them
into rows; the API serializes rows into Kombo's wire format.
"""

from hirebridge.model.records import (
    Application,
    ApplicationStage,
    Candidate,
    DisplayType,
    EmailAddress,
    EmploymentType,
    Interview,
    Job,
    JobStatus,
    JobVisibility,
    Location,
    Offer,
    PhoneNumber,
    Raw,
    Record,
    RejectionReason,
    RemoteWorkStatus,
    SalaryPeriod,
    ScreeningAnswer,
    SocialMedia,
    SystemRole,
    Tag,
    User,
)

__all__ = [
    "Application",
    "ApplicationStage",
    "Candidate",
    "DisplayType",
    "EmailAddress",
    "EmploymentType",
    "Interview",
    "Job",
    "JobStatus",
    "JobVisibility",
    "Location",
    "Offer",
    "PhoneNumber",
    "Raw",
    "Record",
    "RejectionReason",
    "RemoteWorkStatus",
    "SalaryPeriod",
    "ScreeningAnswer",
    "SocialMedia",
    "SystemRole",
    "Tag",
    "User",
]
