"""Unified records as connectors produce them.

A record carries its own fields in Kombo's vocabulary plus *references* to other records by their
remote id (`job_remote_id`, ...). The sync engine turns references into Kombo ids (`job_id`, ...):
ids are derived from (integration, model, remote id), so a connector never needs to know them.

Field metadata says how the engine treats each field:
- `ref(model)`: a reference to one record of `model`; stored as `<name without _remote_id>_id`.
- `links(model, served_as=...)`: a list of references (a candidate's tags, an interview's interviewers),
  served embedded under `served_as` (a candidate's `tags`). Links are *not* part of the record's own
  fields: changing them does not move `changed_at`, as in Kombo.
Every other field is an own field and part of the content hash.
"""

from __future__ import annotations

import re
from dataclasses import Field, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Literal, NewType

# Every field whose values Kombo's schema enumerates has a type that names them (a Literal or a
# StrEnum, with exactly the schema's values): a misspelt value ("ONSITE" for ON_SITE) is a type
# error, and tests/test_record_enums.py compares every such field with the OpenAPI schema.
Outcome = Literal["PENDING", "HIRED", "DECLINED"]
StageStatus = Literal["ACTIVE", "INACTIVE"]
OfferStatus = Literal["ACCEPTED", "DECLINED", "SENT", "APPROVED", "DRAFT", "ABANDONED"]
UserStatus = Literal["ACTIVE", "INACTIVE"]
RoleType = Literal["HIRING_MANAGER", "RECRUITER", "COORDINATOR", "SOURCER", "INTERVIEWER", "ADMIN"]
# A job's hiring team has no ADMIN role (ADMIN is a system role only).
HiringTeamRole = Literal["RECRUITER", "HIRING_MANAGER", "COORDINATOR", "SOURCER", "INTERVIEWER"]
ScreeningType = Literal["TEXT", "SINGLE_SELECT", "MULTI_SELECT", "BOOLEAN", "NUMBER", "DATE", "UNKNOWN"]

# Kombo's *open* enums (a job's status, employment type, visibility, remote work status and salary
# period): the unified value when one fits, else the source's own string passed through -- marked
# `Raw(...)` by the mapping that decided no unified value fits, so a plain string can never stand
# in for a unified value by accident.
Raw = NewType("Raw", str)


class JobStatus(StrEnum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"
    DRAFT = "DRAFT"
    ARCHIVED = "ARCHIVED"


class EmploymentType(StrEnum):
    FULL_TIME = "FULL_TIME"
    PART_TIME = "PART_TIME"
    CONTRACT = "CONTRACT"
    SEASONAL = "SEASONAL"
    INTERNSHIP = "INTERNSHIP"


class JobVisibility(StrEnum):
    PUBLIC = "PUBLIC"
    INTERNAL = "INTERNAL"
    UNLISTED = "UNLISTED"
    CONFIDENTIAL = "CONFIDENTIAL"


class RemoteWorkStatus(StrEnum):
    REMOTE = "REMOTE"
    HYBRID = "HYBRID"
    TEMPORARY = "TEMPORARY"
    ON_SITE = "ON_SITE"


class SalaryPeriod(StrEnum):
    YEAR = "YEAR"
    MONTH = "MONTH"
    TWO_WEEKS = "TWO_WEEKS"
    WEEK = "WEEK"
    DAY = "DAY"
    HOUR = "HOUR"


class DisplayType(StrEnum):
    """How a screening question asks: TEXT questions SINGLE_LINE, MULTI_LINE, EMAIL or URL; NUMBER
    questions SLIDER or FIELD; SINGLE_SELECT questions DROPDOWN or RADIO."""

    SINGLE_LINE = "SINGLE_LINE"
    MULTI_LINE = "MULTI_LINE"
    EMAIL = "EMAIL"
    URL = "URL"
    SLIDER = "SLIDER"
    FIELD = "FIELD"
    DROPDOWN = "DROPDOWN"
    RADIO = "RADIO"


REF = "ref"
LINKS = "links"
SERVED_AS = "served_as"


def wire_name(name: str) -> str:
    """The API's name of a record field: `job_remote_id` -> `job_id`, `tag_remote_ids` -> `tag_ids`."""
    for suffix, replacement in (("_remote_id", "_id"), ("_remote_ids", "_ids")):
        if name.endswith(suffix):
            return name[: -len(suffix)] + replacement
    return name


def ref(model: str) -> Any:
    """A reference field: the remote id of a record of `model` (or a tuple of them), or None."""
    return field(default=None, metadata={REF: model})


def links(model: str, *, served_as: str) -> Any:
    return field(default=(), metadata={LINKS: model, SERVED_AS: served_as})


def served_name(f: Field[Any]) -> str:
    """A record field's key in what the API serves (and in a tool's coverage): a reference under its
    id's name (`job_remote_id` -> `job_id`), a list of links as the embedded list (`tags`)."""
    served: str | None = f.metadata.get(SERVED_AS)
    return served if served is not None else wire_name(f.name)


@dataclass(frozen=True, slots=True)
class Location:
    city: str | None = None
    country: str | None = None
    raw: str | None = None
    state: str | None = None
    street_1: str | None = None
    street_2: str | None = None
    zip_code: str | None = None


# Kombo's e-mail pattern (its OpenAPI, on every email field): a lower-case domain.
KOMBO_EMAIL = re.compile(r"^(?!\.)(?!.*\.\.)([\w'+-.]*)[\w+-]@([\da-z][\da-z-]*\.)+[a-z]{2,}$")


def kombo_email(value: str | None) -> str | None:
    """An address as Kombo serves it: trimmed, its domain lower-cased (domains are case-insensitive;
    vendors return what people typed, `Kai@Example.COM`); None when it still does not fit Kombo's
    pattern -- served as null rather than making the page invalid (the vendor's value stays in
    remote_data)."""
    if value is None:
        return None
    local, at, domain = value.strip().rpartition("@")
    address = f"{local}{at}{domain.lower()}"
    return address if KOMBO_EMAIL.match(address) else None


@dataclass(frozen=True, slots=True)
class EmailAddress:
    email_address: str | None
    type: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "email_address", kombo_email(self.email_address))


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    phone_number: str
    type: str | None = None


@dataclass(frozen=True, slots=True)
class SocialMedia:
    link: str | None = None
    type: str | None = None
    username: str | None = None


@dataclass(frozen=True, slots=True)
class SystemRole:
    remote_id: str | None
    remote_label: str | None
    unified_type: RoleType | None
    scope: Literal["SYSTEM"] = "SYSTEM"


@dataclass(frozen=True, slots=True)
class QuestionOption:
    """An option of a select screening question. Kombo gives options ids of their own."""

    ID_MODEL: ClassVar[str] = "screening_question_options"
    remote_id: str
    name: str


@dataclass(frozen=True, slots=True)
class QuestionFormat:
    """A screening question's format, Kombo's tagged union on `type`.

    Only the keys of the type are rendered (see `wire_keys`): TEXT has display_type and max_length,
    NUMBER display_type/min/max, SINGLE_SELECT display_type and options, MULTI_SELECT options,
    FILE accepted_mime_types and max_file_size_bytes, UNKNOWN (a question not unified) the source's
    raw_question; BOOLEAN, DATE and INFORMATION nothing more.
    """

    type: Literal[
        "TEXT", "NUMBER", "FILE", "SINGLE_SELECT", "MULTI_SELECT", "BOOLEAN", "DATE", "INFORMATION", "UNKNOWN"
    ]
    display_type: DisplayType | None = None
    max_length: int | None = None
    min: float | None = None
    max: float | None = None
    options: tuple[QuestionOption, ...] = ()
    accepted_mime_types: tuple[str, ...] = ()
    max_file_size_bytes: int | None = None
    raw_question: Any = None

    def wire_keys(self) -> tuple[str, ...]:
        return _FORMAT_KEYS[self.type]


_FORMAT_KEYS: dict[str, tuple[str, ...]] = {
    "TEXT": ("type", "display_type", "max_length"),
    "NUMBER": ("type", "display_type", "min", "max"),
    "FILE": ("type", "accepted_mime_types", "max_file_size_bytes"),
    "SINGLE_SELECT": ("type", "display_type", "options"),
    "MULTI_SELECT": ("type", "options"),
    "BOOLEAN": ("type",),
    "DATE": ("type",),
    "INFORMATION": ("type",),
    "UNKNOWN": ("type", "raw_question"),
}


@dataclass(frozen=True, slots=True)
class JobRole:
    remote_id: str | None
    remote_label: str | None
    unified_type: RoleType | None
    scope: Literal["JOB"] = "JOB"


@dataclass(frozen=True, slots=True)
class HiringTeamMember:
    """A user's place on one job's hiring team (a link of the job: changing it does not move the
    job's changed_at)."""

    user_remote_id: str | None = ref("users")
    hiring_team_roles: tuple[HiringTeamRole, ...] = ()
    job_roles: tuple[JobRole, ...] = ()


@dataclass(frozen=True, slots=True)
class ScorecardResponse:
    """One question of a scorecard with its answer; `answer`'s shape depends on `type` (Kombo's union):
    TEXT str, SINGLE_SELECT {remote_id, label}, MULTI_SELECT [{remote_id, label}], BOOLEAN bool,
    NUMBER number, DATE "YYYY-MM-DD"; None when unanswered."""

    remote_id: str | None
    label: str
    type: Literal["TEXT", "SINGLE_SELECT", "MULTI_SELECT", "BOOLEAN", "NUMBER", "DATE"]
    answer: Any
    description: str | None = None
    required: bool | None = None
    options: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class ScreeningAnswer:
    """One answer; `answer` holds exactly the key of its type (content/choice/choices/checked/...)."""

    question_remote_id: str | None
    question_title: str
    type: ScreeningType
    answer: dict[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class Record:
    """Fields every synced record has. `remote_data` is the raw source payload, kept for re-mapping."""

    MODEL: ClassVar[str]

    remote_id: str
    remote_data: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Tag(Record):
    MODEL: ClassVar[str] = "tags"
    name: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class User(Record):
    MODEL: ClassVar[str] = "users"
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    status: UserStatus | None = None
    system_roles: tuple[SystemRole, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "email", kombo_email(self.email))


@dataclass(frozen=True, slots=True, kw_only=True)
class RejectionReason(Record):
    MODEL: ClassVar[str] = "rejection_reasons"
    name: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Job(Record):
    MODEL: ClassVar[str] = "jobs"
    name: str | None = None
    job_code: str | None = None
    description: str | None = None
    confidential: bool | None = None
    weekly_hours: float | None = None
    category: str | None = None
    department: str | None = None
    post_url: str | None = None
    experience_level: str | None = None
    employment_type: EmploymentType | Raw | None = None
    status: JobStatus | Raw | None = None
    visibility: JobVisibility | Raw | None = None
    remote_work_status: RemoteWorkStatus | Raw | None = None
    salary_amount: float | None = None
    salary_amount_from: float | None = None
    salary_amount_to: float | None = None
    salary_currency: str | None = None
    salary_period: SalaryPeriod | Raw | None = None
    location: Location | None = None
    custom_fields: dict[str, Any] = field(default_factory=dict)
    remote_url: str | None = None
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    remote_created_at: datetime | None = None
    remote_updated_at: datetime | None = None
    contact_remote_id: str | None = ref("users")
    hiring_team: tuple[HiringTeamMember, ...] = links("users", served_as="hiring_team")


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplicationStage(Record):
    """A stage of one job's pipeline (Kombo's stages are per job)."""

    MODEL: ClassVar[str] = "application_stages"
    job_remote_id: str | None = ref("jobs")
    name: str | None = None
    index: int | None = None
    status: StageStatus | None = None
    custom_fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Candidate(Record):
    MODEL: ClassVar[str] = "candidates"
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    title: str | None = None
    confidential: bool | None = None
    source: str | None = None
    email_addresses: tuple[EmailAddress, ...] = ()
    phone_numbers: tuple[PhoneNumber, ...] = ()
    social_media: tuple[SocialMedia, ...] = ()
    location: Location | None = None
    custom_fields: dict[str, Any] = field(default_factory=dict)
    remote_url: str | None = None
    remote_created_at: datetime | None = None
    remote_updated_at: datetime | None = None
    tag_remote_ids: tuple[str, ...] = links("tags", served_as="tags")


@dataclass(frozen=True, slots=True, kw_only=True)
class Application(Record):
    MODEL: ClassVar[str] = "applications"
    candidate_remote_id: str | None = ref("candidates")
    job_remote_id: str | None = ref("jobs")
    current_stage_remote_id: str | None = ref("application_stages")
    outcome: Outcome | None = None
    rejection_reason_name: str | None = None
    rejected_at: datetime | None = None
    custom_fields: dict[str, Any] = field(default_factory=dict)
    remote_url: str | None = None
    screening_question_answers: tuple[ScreeningAnswer, ...] = ()
    remote_created_at: datetime | None = None
    remote_updated_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Interview(Record):
    MODEL: ClassVar[str] = "interviews"
    application_remote_id: str | None = ref("applications")
    stage_remote_id: str | None = ref("application_stages")
    title: str | None = None
    starting_at: datetime | None = None
    ending_at: datetime | None = None
    canceled: bool | None = None
    video_conferencing_url: str | None = None
    location: Location | None = None
    remote_created_at: datetime | None = None
    remote_updated_at: datetime | None = None
    user_remote_ids: tuple[str, ...] = links("users", served_as="users")


@dataclass(frozen=True, slots=True, kw_only=True)
class Offer(Record):
    MODEL: ClassVar[str] = "offers"
    application_remote_id: str | None = ref("applications")
    status: OfferStatus | None = None
    employment_start_date: datetime | None = None
    custom_fields: dict[str, Any] = field(default_factory=dict)
    remote_created_at: datetime | None = None
    remote_updated_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Role(Record):
    MODEL: ClassVar[str] = "roles"
    remote_label: str | None = None
    scope: Literal["SYSTEM", "JOB"] | None = None
    unified_type: RoleType | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class JobPosting(Record):
    MODEL: ClassVar[str] = "job_postings"
    job_remote_id: str | None = ref("jobs")
    title: str | None = None
    description_html: str | None = None
    status: Literal["ACTIVE", "INACTIVE", "DRAFT"] | None = None
    visibility: Literal["PUBLIC", "INTERNAL", "UNLISTED"] | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ScreeningQuestion(Record):
    MODEL: ClassVar[str] = "screening_questions"
    job_remote_id: str | None = ref("jobs")
    title: str | None = None
    description: str | None = None
    format: QuestionFormat | None = None
    category: Literal["EEO", "DEMOGRAPHIC"] | None = None
    index: int | None = None
    required: bool | None = None
    precondition_question_remote_id: str | None = ref("screening_questions")
    # Option *remote ids* of the precondition question (they become Kombo option ids), or booleans
    # when that question is a BOOLEAN one.
    precondition_options: tuple[str, ...] | tuple[bool, ...] | None = ref("screening_question_options")


@dataclass(frozen=True, slots=True, kw_only=True)
class Note(Record):
    MODEL: ClassVar[str] = "notes"
    candidate_remote_id: str | None = ref("candidates")
    application_remote_id: str | None = ref("applications")
    author_remote_id: str | None = ref("users")
    title: str | None = None
    content_html: str | None = None
    is_private: bool | None = None
    remote_created_at: datetime | None = None
    remote_updated_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Scorecard(Record):
    MODEL: ClassVar[str] = "scorecards"
    candidate_remote_id: str | None = ref("candidates")
    application_remote_id: str | None = ref("applications")
    interview_remote_id: str | None = ref("interviews")
    author_remote_id: str | None = ref("users")
    responses: tuple[ScorecardResponse, ...] = ()
    remote_created_at: datetime | None = None
    remote_updated_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Attachment(Record):
    """A file's metadata. Its bytes are fetched from the source on demand (see Connector)."""

    MODEL: ClassVar[str] = "attachments"
    candidate_remote_id: str | None = ref("candidates")
    application_remote_id: str | None = ref("applications")
    type: Literal["CV", "COVER_LETTER", "OTHER"] | None = None
    file_name: str | None = None
    content_type: str | None = None
    remote_created_at: datetime | None = None
    remote_updated_at: datetime | None = None


ALL_RECORD_TYPES: tuple[type[Record], ...] = (
    Role,
    Tag,
    User,
    RejectionReason,
    Job,
    ApplicationStage,
    Candidate,
    Application,
    Interview,
    Offer,
    JobPosting,
    ScreeningQuestion,
    Note,
    Scorecard,
    Attachment,
)
RECORD_TYPES_BY_MODEL: dict[str, type[Record]] = {t.MODEL: t for t in ALL_RECORD_TYPES}
