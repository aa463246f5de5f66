"""Write actions as connectors receive them: what to do at the source, with every Kombo id already
resolved to the source's own ids (`Target`), every file already decoded (`FileUpload`), and every
input already validated against Kombo's request schema (api/actions.py).

The action names are Kombo's write-action ids (`ats_create_application`, ...: the ids of
`GET /ats/actions/{action}` and of an integration's `write_actions`); a connector declares which it
performs and with which optional fields (`ActionSupport`), and `GET /tools/ats` and the action
metadata endpoints report that declaration.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from hirebridge.model.records import EmailAddress, Location, PhoneNumber

CREATE_APPLICATION = "ats_create_application"
CREATE_CANDIDATE = "ats_create_candidate"
MOVE_APPLICATION_STAGE = "ats_move_application_stage"
REJECT_APPLICATION = "ats_reject_application"
ADD_APPLICATION_NOTE = "ats_add_application_note"
ADD_APPLICATION_ATTACHMENT = "ats_add_application_attachment"
ADD_CANDIDATE_ATTACHMENT = "ats_add_candidate_attachment"
ADD_APPLICATION_RESULT_LINK = "ats_add_application_result_link"
ADD_CANDIDATE_RESULT_LINK = "ats_add_candidate_result_link"
ADD_CANDIDATE_TAG = "ats_add_candidate_tag"
REMOVE_CANDIDATE_TAG = "ats_remove_candidate_tag"
CREATE_INTERVIEW = "ats_create_interview"
UPDATE_INTERVIEW = "ats_update_interview"
IMPORT_TRACKED_APPLICATION = "ats_import_tracked_application"

ACTIONS: tuple[str, ...] = (
    CREATE_APPLICATION,
    CREATE_CANDIDATE,
    MOVE_APPLICATION_STAGE,
    REJECT_APPLICATION,
    ADD_APPLICATION_NOTE,
    ADD_APPLICATION_ATTACHMENT,
    ADD_CANDIDATE_ATTACHMENT,
    ADD_APPLICATION_RESULT_LINK,
    ADD_CANDIDATE_RESULT_LINK,
    ADD_CANDIDATE_TAG,
    REMOVE_CANDIDATE_TAG,
    CREATE_INTERVIEW,
    UPDATE_INTERVIEW,
    IMPORT_TRACKED_APPLICATION,
)

AttachmentType = Literal["CV", "COVER_LETTER", "OTHER"]


@dataclass(frozen=True, slots=True)
class ActionSupport:
    """What a connector does of one action: `fields` are the optional request fields it writes to the
    source (dotted, as in Kombo's request schema: `candidate.phone_number`, `attachments`); an
    optional field it does not list is refused with INTEGRATION.ACTION_NOT_AVAILABLE naming it, never
    silently dropped. `attachment_types` and `max_file_size_bytes` describe what it accepts of files
    (`GET /ats/actions/{action}`'s `attachment_restrictions`); `note` is said in docs/api.md."""

    fields: frozenset[str] = frozenset()
    attachment_types: frozenset[AttachmentType] = frozenset()
    max_file_size_bytes: int | None = None
    accepted_mime_types: tuple[str, ...] | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Target:
    """A record the action is about, as the store knows it: its model, the source's id, the payload
    the last sync (or write-back) stored (`remote_data`: a connector may need more of the source's ids
    than the remote id alone, like Lever's opportunity of an application) and its unified fields."""

    model: str
    remote_id: str
    remote_data: Mapping[str, Any] | None = None
    # The stored unified record as the API serves its own fields (wire names: `name`, `format`, ...).
    data: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class FileUpload:
    """A file to attach, decoded (a `data_url` has been downloaded already)."""

    name: str
    content_type: str
    data: bytes
    type: AttachmentType | None = None


@dataclass(frozen=True, slots=True)
class NewCandidate:
    first_name: str
    last_name: str
    email_address: str
    additional_email_addresses: tuple[EmailAddress, ...] = ()
    company: str | None = None
    title: str | None = None
    phone_number: str | None = None
    additional_phone_numbers: tuple[PhoneNumber, ...] = ()
    location: Location | None = None
    gender: Literal["MALE", "FEMALE", "OTHER"] | None = None
    availability_date: datetime | None = None
    salary_period: Literal["MONTH", "YEAR"] | None = None
    salary_amount: float | None = None
    social_links: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ScreeningAnswerInput:
    """An answer to one of the job's screening questions: `question` is the stored question (its
    `remote_data` says its format at the source); `answer` as Kombo's request gives it, with option
    ids resolved to the source's option ids and a FILE answer decoded into `file`."""

    question: Target
    answer: Any
    file: FileUpload | None = None


@dataclass(frozen=True, slots=True)
class CreateApplication:
    """`POST /ats/jobs/{job_id}/applications` and (legacy) `POST /ats/candidates`."""

    job: Target
    candidate: NewCandidate
    stage: Target | None = None
    attachments: tuple[FileUpload, ...] = ()
    screening_answers: tuple[ScreeningAnswerInput, ...] = ()
    # The source written on the candidate (the environment's name unless the request names one).
    source_name: str | None = None
    sourced_by: Target | None = None
    gdpr_consent_given: bool | None = None
    gdpr_consent_expires_at: datetime | None = None
    remote_fields: Mapping[str, Any] = field(default_factory=dict)
    action: str = CREATE_APPLICATION


@dataclass(frozen=True, slots=True)
class MoveApplicationStage:
    application: Target
    stage: Target
    remote_fields: Mapping[str, Any] = field(default_factory=dict)
    action: str = MOVE_APPLICATION_STAGE


@dataclass(frozen=True, slots=True)
class RejectApplication:
    application: Target
    rejection_reason: Target
    note: str | None = None
    remote_fields: Mapping[str, Any] = field(default_factory=dict)
    action: str = REJECT_APPLICATION


@dataclass(frozen=True, slots=True)
class AddNote:
    application: Target
    content: str
    remote_fields: Mapping[str, Any] = field(default_factory=dict)
    action: str = ADD_APPLICATION_NOTE


@dataclass(frozen=True, slots=True)
class AddAttachment:
    """To an application (`owner.model == "applications"`) or a candidate."""

    owner: Target
    attachment: FileUpload
    remote_fields: Mapping[str, Any] = field(default_factory=dict)
    action: str = ADD_APPLICATION_ATTACHMENT


@dataclass(frozen=True, slots=True)
class AddResultLink:
    """A link to a result in the caller's product, with optional attributes (`<prefix> <key>`)."""

    owner: Target
    label: str
    url: str
    custom_field_name_prefix: str | None = None
    attributes: tuple[tuple[str, str], ...] = ()
    remote_fields: Mapping[str, Any] = field(default_factory=dict)
    action: str = ADD_APPLICATION_RESULT_LINK


@dataclass(frozen=True, slots=True)
class CandidateTag:
    """Add (`action == ADD_CANDIDATE_TAG`) or remove a tag, by name."""

    candidate: Target
    name: str
    remote_fields: Mapping[str, Any] = field(default_factory=dict)
    action: str = ADD_CANDIDATE_TAG


@dataclass(frozen=True, slots=True)
class InterviewInput:
    """Create (`interview` None) or update an interview of an application."""

    application: Target
    title: str
    starting_at: datetime
    ending_at: datetime
    interviewers: tuple[Target, ...]
    organizer: Target
    location_type: Literal["PHYSICAL", "VIRTUAL"]
    location_address: str | None = None
    interview: Target | None = None
    action: str = CREATE_INTERVIEW


@dataclass(frozen=True, slots=True)
class ImportTrackedApplication:
    """Start tracking an application the source has, by the source's id: its records are read now."""

    application_remote_id: str
    tracked_at: datetime | None
    # The request's tool-keyed identifier, echoed in the response (`imported_id`).
    imported: Mapping[str, Any] = field(default_factory=dict)
    action: str = IMPORT_TRACKED_APPLICATION


Action = (
    CreateApplication
    | MoveApplicationStage
    | RejectApplication
    | AddNote
    | AddAttachment
    | AddResultLink
    | CandidateTag
    | InterviewInput
    | ImportTrackedApplication
)
