"""The unified ATS model: typed records and enums, the model catalogue and coverage, the kinds of
sync -- shared by connectors, sync engine, jobs and API.

No I/O and no framework imports here; the bottom layer, it imports nothing else of HireBridge's
packages. Connectors produce these records; the sync engine turns them into rows; the API serializes
rows into Kombo's wire format.
"""

from hirebridge.model.coverage import ATS_MODELS
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
from hirebridge.model.sync import SyncKind

__all__ = [
    "ATS_MODELS",
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
    "SyncKind",
    "SystemRole",
    "Tag",
    "User",
]
