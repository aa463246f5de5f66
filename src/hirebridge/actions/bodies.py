"""The request bodies of the write actions, as Kombo's OpenAPI document declares them
(`Post/Put/Patch/DeleteAts...RequestBody`): validated before anything goes out, and a body that does
not fit is refused with 400 PLATFORM.INPUT_INVALID naming the field (`invalid_field`).

Unknown keys are refused too (a misspelt optional field must not be dropped silently), except in
`remote_fields`, which is any object keyed by tool. tests/test_action_bodies.py holds these models
to the OpenAPI schemas.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

_CONTENT_TYPE = r"^[\w.-]+/[\w.-]+$"
# What Kombo's `format: email` means in practice: one @, a dot in the domain, no spaces.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError("must be an email address")
    return value


def _url(value: str) -> str:
    if not re.match(r"^https?://[^\s/?#]+", value):
        raise ValueError("must be an http(s) URL")
    return value


Email = Annotated[str, AfterValidator(_email)]
Url = Annotated[str, AfterValidator(_url)]
NonEmpty = Annotated[str, Field(min_length=1)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EmailEntry(Body):
    type: Literal["PERSONAL", "WORK", "OTHER"]
    email_address: Email


class PhoneEntry(Body):
    type: Literal["PERSONAL", "WORK", "OTHER"]
    phone_number: NonEmpty


class LocationIn(Body):
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
    city: str | None = None
    state: str | None = None
    street_1: str | None = None
    zip_code: str | None = None


class Salary(Body):
    period: Literal["MONTH", "YEAR"]
    amount: float


class SocialLink(Body):
    url: Url


class CandidateIn(Body):
    first_name: NonEmpty
    last_name: NonEmpty
    email_address: Email
    additional_email_addresses: list[EmailEntry] | None = None
    company: str | None = None
    title: str | None = None
    phone_number: str | None = None
    additional_phone_numbers: list[PhoneEntry] | None = None
    location: LocationIn | None = None
    gender: Literal["MALE", "FEMALE", "OTHER"] | None = None
    availability_date: datetime | None = None
    salary_expectations: Salary | None = None
    social_links: list[SocialLink] | None = None


class FileIn(Body):
    """A file: `data` (base64, with `content_type`) or `data_url` (downloaded at once)."""

    name: NonEmpty
    content_type: Annotated[str, Field(pattern=_CONTENT_TYPE)] | None = None
    data_url: Url | None = None
    data: str | None = None


class AttachmentIn(FileIn):
    type: Literal["CV", "COVER_LETTER", "OTHER"]


class SourceIn(Body):
    name: str | None = None
    unified_key: str | None = None
    id: str | None = None


class SourcedBy(Body):
    user_id: NonEmpty


class Gdpr(Body):
    expires_at: datetime | None = None
    given: bool | None = None


class AnswerIn(Body):
    question_id: NonEmpty
    answer: str | bool | float | list[str] | FileIn


class CreateApplicationBody(Body):
    candidate: CandidateIn
    stage_id: str | None = None
    attachments: list[AttachmentIn] | None = None
    source: SourceIn | None = None
    sourced_by: SourcedBy | None = None
    gdpr_consent: Gdpr | None = None
    remote_fields: dict[str, Any] | None = None
    screening_question_answers: list[AnswerIn] | None = None


class ApplicationIn(Body):
    job_id: NonEmpty
    stage_id: str | None = None


class CreateCandidateBody(Body):
    candidate: CandidateIn
    application: ApplicationIn
    screening_question_answers: list[AnswerIn] | None = None
    attachments: list[AttachmentIn] | None = None
    source: SourceIn | None = None
    sourced_by: SourcedBy | None = None
    gdpr_consent: Gdpr | None = None
    remote_fields: dict[str, Any] | None = None


class StageBody(Body):
    stage_id: NonEmpty
    remote_fields: dict[str, Any] | None = None


class RejectBody(Body):
    rejection_reason_id: NonEmpty
    note: str | None = None
    remote_fields: dict[str, Any] | None = None


class NoteBody(Body):
    content: NonEmpty
    content_type: Literal["PLAIN_TEXT"]
    remote_fields: dict[str, Any] | None = None


class AttachmentBody(Body):
    attachment: AttachmentIn
    remote_fields: dict[str, Any] | None = None


class Attribute(Body):
    key: str
    value: str


class ResultDetails(Body):
    custom_field_name_prefix: str
    attributes: list[Attribute]


class ResultLinkBody(Body):
    label: NonEmpty
    url: Url
    details: ResultDetails | None = None
    remote_fields: dict[str, Any] | None = None


class TagIn(Body):
    name: NonEmpty


class TagBody(Body):
    tag: TagIn
    remote_fields: dict[str, Any] | None = None


class InterviewLocation(Body):
    type: Literal["PHYSICAL", "VIRTUAL"]
    address: str | None = None


class InterviewBody(Body):
    title: NonEmpty
    start_time: datetime
    end_time: datetime
    interviewer_user_ids: list[NonEmpty]
    organizer_user_id: NonEmpty
    location: InterviewLocation


class InterviewUpdateBody(InterviewBody):
    interview_id: NonEmpty


class ImportTrackedBody(BaseModel):
    """`tracked_at` plus exactly one tool key (checked by the endpoint against the integration's tool)."""

    model_config = ConfigDict(extra="allow", frozen=True)
    tracked_at: datetime | None


def invalid_field(exc: ValidationError) -> str:
    """The first problem of a refused body, naming the field as a dotted path (`candidate.email_address`)."""
    error = exc.errors(include_url=False)[0]
    path = ".".join(str(part) for part in error["loc"] if not str(part).startswith(("function-", "union[")))
    kind = error["type"]
    if kind == "missing":
        return f"The field '{path}' is required."
    if kind == "extra_forbidden":
        return f"The field '{path}' is not part of this request's schema."
    return f"The field '{path}' is invalid: {error['msg']}."
