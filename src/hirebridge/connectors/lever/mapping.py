"""Lever payloads -> unified records. Pure functions: no I/O, no clock; tested on the vendor fixtures.

Lever's vocabulary differs from Kombo's in a few places that every function here follows:
- an *opportunity* (one person in one pipeline) is our application; its *contact* is our candidate;
- a *posting* is our job; Lever's pipeline stages are global, so every job gets the whole stage list
  and a stage's remote id is `"<posting id>:<stage id>"` (unique per integration, as Kombo's per-job
  stages need);
- timestamps are epoch milliseconds (sometimes sent as strings), mapped to aware UTC datetimes;
- tags are bare strings: the tag's text is its remote id, so the same text is the same tag everywhere.
"""

from __future__ import annotations

import html
import mimetypes
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Literal, TypeVar

from hirebridge.connectors.names import split_name
from hirebridge.model.records import (
    Application,
    ApplicationStage,
    Attachment,
    Candidate,
    EmailAddress,
    EmploymentType,
    HiringTeamMember,
    HiringTeamRole,
    Interview,
    Job,
    JobStatus,
    JobVisibility,
    Location,
    Note,
    Offer,
    OfferStatus,
    Outcome,
    PhoneNumber,
    Raw,
    RejectionReason,
    RemoteWorkStatus,
    RoleType,
    SalaryPeriod,
    Scorecard,
    ScorecardResponse,
    ScreeningAnswer,
    SocialMedia,
    SystemRole,
    Tag,
    User,
)

Json = dict[str, Any]


# --- small helpers ---------------------------------------------------------------------------------


def from_ms(value: Any) -> datetime | None:
    """Epoch milliseconds (int, float or digit string, as Lever's file list sends) -> aware UTC."""
    if value is None or isinstance(value, bool) or value == "":
        return None
    try:
        millis = int(value)
    except (TypeError, ValueError):
        return None
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=millis)


def _text(value: Any) -> str | None:
    """A non-empty string or None: Lever sends "" for absent free-text fields."""
    if isinstance(value, str) and value.strip():
        return value
    return None


def _id_of(value: Any) -> str | None:
    """A reference Lever sends either as an id or, when expanded (`expand=stage`), as an object."""
    if isinstance(value, Mapping):
        return _text(value.get("id"))
    return _text(value)


def stage_remote_id(posting_id: str, stage_id: str) -> str:
    """Lever's stages are global; Kombo's belong to one job: one stage record per (posting, stage)."""
    return f"{posting_id}:{stage_id}"


# --- users, tags, rejection reasons ------------------------------------------------------------------

_ACCESS_ROLES: dict[str, RoleType | None] = {
    "super admin": "ADMIN",
    "admin": "ADMIN",
    "team member": None,
    "limited team member": None,
    "interviewer": "INTERVIEWER",
}


def map_user(user: Json) -> User:
    first, last = split_name(user.get("name"))
    role = _text(user.get("accessRole"))
    roles = (SystemRole(role, role, _ACCESS_ROLES.get(role)),) if role else ()
    return User(
        remote_id=user["id"],
        first_name=first,
        last_name=last,
        email=_text(user.get("email")),
        status="INACTIVE" if user.get("deactivatedAt") else "ACTIVE",
        system_roles=roles,
        remote_data=user,
    )


def map_tag(tag: Json) -> Tag:
    """`/tags` lists `{text, count}`: the text is the tag's identity (opportunities carry the text)."""
    return Tag(remote_id=tag["text"], name=tag["text"], remote_data=tag)


def map_rejection_reason(reason: Json) -> RejectionReason:
    """Every archive reason, hired ones included: Kombo lists what the ATS offers."""
    return RejectionReason(remote_id=reason["id"], name=_text(reason.get("text")), remote_data=reason)


# --- jobs and stages ----------------------------------------------------------------------------------

_JOB_STATUS = {
    "published": JobStatus.OPEN,
    "internal": JobStatus.OPEN,
    "closed": JobStatus.CLOSED,
    "draft": JobStatus.DRAFT,
    "pending": JobStatus.DRAFT,  # awaiting approval: not open yet
    "rejected": JobStatus.ARCHIVED,  # approval refused: will never open
}
_EMPLOYMENT = {
    "full-time": EmploymentType.FULL_TIME,
    "full time": EmploymentType.FULL_TIME,
    "part-time": EmploymentType.PART_TIME,
    "part time": EmploymentType.PART_TIME,
    "contract": EmploymentType.CONTRACT,
    "contractor": EmploymentType.CONTRACT,
    "internship": EmploymentType.INTERNSHIP,
    "intern": EmploymentType.INTERNSHIP,
    "seasonal": EmploymentType.SEASONAL,
    "temporary": EmploymentType.SEASONAL,
}
_WORKPLACE = {
    "remote": RemoteWorkStatus.REMOTE,
    "hybrid": RemoteWorkStatus.HYBRID,
    "onsite": RemoteWorkStatus.ON_SITE,
    "on-site": RemoteWorkStatus.ON_SITE,
}
_SALARY_PERIOD = {
    "per-year-salary": SalaryPeriod.YEAR,
    "per-month-salary": SalaryPeriod.MONTH,
    "per-week-salary": SalaryPeriod.WEEK,
    "per-day-wage": SalaryPeriod.DAY,
    "per-hour-wage": SalaryPeriod.HOUR,
}
_E = TypeVar("_E", bound=StrEnum)


def _open_enum(table: Mapping[str, _E], raw: Any) -> _E | Raw | None:
    """Kombo's open enums: the unified value when one fits, else the source's raw string."""
    text = _text(raw)
    if text is None:
        return None
    return table.get(text.lower(), Raw(text))


def _visibility(posting: Json) -> JobVisibility | None:
    if posting.get("confidentiality") == "confidential":
        return JobVisibility.CONFIDENTIAL
    channels = posting.get("distributionChannels") or []
    if "public" in channels:
        return JobVisibility.PUBLIC
    if "internal" in channels or posting.get("state") == "internal":
        return JobVisibility.INTERNAL
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _hiring_team(posting: Json) -> tuple[HiringTeamMember, ...]:
    """The posting's hiring manager and its owner (Lever's owner is the recruiter responsible)."""
    roles: dict[str, list[HiringTeamRole]] = {}
    places: tuple[tuple[str, HiringTeamRole], ...] = (("hiringManager", "HIRING_MANAGER"), ("owner", "RECRUITER"))
    for key, role in places:
        if (user := _id_of(posting.get(key))) is not None:
            roles.setdefault(user, []).append(role)
    return tuple(HiringTeamMember(user_remote_id=u, hiring_team_roles=tuple(r)) for u, r in roles.items())


def _description(content: Mapping[str, Any]) -> str | None:
    """Lever splits a posting's text into description, titled lists and closing; Kombo has one HTML."""
    parts = [content.get("descriptionHtml") or ""]
    for item in content.get("lists") or []:
        parts.append(f"<h3>{html.escape(item.get('text') or '')}</h3><ul>{item.get('content') or ''}</ul>")
    parts.append(content.get("closingHtml") or "")
    return _text("".join(parts))


def map_job(posting: Json) -> Job:
    categories = posting.get("categories") or {}
    salary = posting.get("salaryRange") or {}
    urls = posting.get("urls") or {}
    visibility = _visibility(posting)
    location = _text(categories.get("location"))
    country = _text(posting.get("country"))
    return Job(
        remote_id=posting["id"],
        name=_text(posting.get("text")),
        job_code=_text(posting.get("reqCode")),
        description=_description(posting.get("content") or {}),
        confidential=posting.get("confidentiality") == "confidential",
        category=_text(categories.get("team")),
        department=_text(categories.get("department")),
        # Only a public posting has a URL a candidate can open.
        post_url=_text(urls.get("show")) if visibility == "PUBLIC" else None,
        experience_level=_text(categories.get("level")),
        employment_type=_open_enum(_EMPLOYMENT, categories.get("commitment")),
        status=_open_enum(_JOB_STATUS, posting.get("state")),
        visibility=visibility,
        remote_work_status=_open_enum(_WORKPLACE, posting.get("workplaceType"))
        if posting.get("workplaceType") != "unspecified"
        else None,
        salary_amount_from=_number(salary.get("min")),
        salary_amount_to=_number(salary.get("max")),
        salary_currency=_text(salary.get("currency")),
        salary_period=_open_enum(_SALARY_PERIOD, salary.get("interval")),
        location=Location(raw=location, country=country) if location or country else None,
        remote_created_at=from_ms(posting.get("createdAt")),
        remote_updated_at=from_ms(posting.get("updatedAt")),
        contact_remote_id=_id_of(posting.get("hiringManager")),
        hiring_team=_hiring_team(posting),
        remote_data=posting,
    )


def map_stages(posting_id: str, stages: list[Json]) -> list[ApplicationStage]:
    """The global stage list as this posting's pipeline, in Lever's order."""
    return [
        ApplicationStage(
            remote_id=stage_remote_id(posting_id, stage["id"]),
            job_remote_id=posting_id,
            name=_text(stage.get("text")),
            index=index,
            remote_data=stage,
        )
        for index, stage in enumerate(stages)
    ]


# --- candidates and applications -------------------------------------------------------------------


def _location(value: Any) -> Location | None:
    # A contact sends `{"name": ...}`, an opportunity a plain string.
    raw = _text(value.get("name")) if isinstance(value, Mapping) else _text(value)
    return Location(raw=raw) if raw else None


def _phones(phones: Iterable[Any]) -> tuple[PhoneNumber, ...]:
    out = []
    for phone in phones:
        if isinstance(phone, Mapping) and (value := _text(phone.get("value"))) is not None:
            out.append(PhoneNumber(phone_number=value, type=_text(phone.get("type"))))
    return tuple(out)


def map_contact(contact: Json, *, tags: Iterable[str] = (), extra: Mapping[str, Any] | None = None) -> Candidate:
    """A Lever contact (from `/contacts/:id`, or the contact fields an opportunity carries).

    `tags` are the union of the contact's opportunities' tags (Lever tags opportunities, Kombo tags
    candidates); `extra` holds what only the opportunities know (dates, source, links, URL).
    """
    extra = extra or {}
    first, last = split_name(contact.get("name"))
    return Candidate(
        remote_id=contact["id"],
        first_name=first,
        last_name=last,
        company=_text(contact.get("headline")),
        confidential=extra.get("confidential"),
        source=extra.get("source"),
        email_addresses=tuple(EmailAddress(e) for e in contact.get("emails") or [] if _text(e)),
        phone_numbers=_phones(contact.get("phones") or []),
        social_media=tuple(SocialMedia(link=link) for link in extra.get("links") or [] if _text(link)),
        location=_location(contact.get("location")),
        remote_url=extra.get("remote_url"),
        remote_created_at=extra.get("created_at"),
        remote_updated_at=extra.get("updated_at"),
        tag_remote_ids=tuple(sorted(set(tags))),
        remote_data=contact,
    )


def candidate_from_opportunities(opportunities: list[Json]) -> Candidate:
    """The candidate (contact) behind one or more opportunities of the same contact.

    A candidate changes only when the person does, never because one of its opportunities changed:
    by Kombo's rules a candidate's change surfaces all its applications, so a candidate that
    followed its opportunities would surface an application whenever another one of the same person
    moved. Hence, whichever opportunity was updated last and in whatever order they are listed:
    - the contact's own fields (the same on all its opportunities) come from the most recently
      updated one -- the freshest copy;
    - what belongs to an opportunity (source, URL) comes from the first one, links and tags are the
      union over all of them;
    - remote_updated_at is null: a Lever contact has no update time, and the newest opportunity's
      `updatedAt` moves with every stage move, note or file of any of them.
    """
    newest = max(opportunities, key=lambda o: (o.get("updatedAt") or 0, o["id"]))
    by_age = sorted(opportunities, key=lambda o: (o.get("createdAt") is None, o.get("createdAt") or 0, o["id"]))
    first = by_age[0]
    contact = {
        "id": newest["contact"],
        **{k: newest.get(k) for k in ("name", "headline", "emails", "phones", "location", "isAnonymized")},
    }
    created = [from_ms(o.get("createdAt")) for o in opportunities]
    tags = {t for o in opportunities for t in o.get("tags") or [] if isinstance(t, str)}
    links = list(dict.fromkeys(link for o in by_age for link in o.get("links") or [] if isinstance(link, str)))
    return map_contact(
        contact,
        tags=tags,
        extra={
            "confidential": any(o.get("confidentiality") == "confidential" for o in opportunities),
            "source": next(iter(first.get("sources") or []), None),
            "links": links,
            "remote_url": (first.get("urls") or {}).get("show"),
            "created_at": min((c for c in created if c), default=None),
        },
    )


def archive_of(opportunity: Json) -> tuple[datetime | None, str | None]:
    """(archived at, archive reason id), from `archived {archivedAt, reason}` or the legacy flat
    `archivedAt`/`archiveReason` the docs' examples still show."""
    archived = opportunity.get("archived")
    if isinstance(archived, Mapping):
        return from_ms(archived.get("archivedAt")), _id_of(archived.get("reason"))
    return from_ms(opportunity.get("archivedAt")), _id_of(opportunity.get("archiveReason"))


def posting_of(opportunity: Json) -> str | None:
    """An opportunity's posting: its (at most one) application's posting; leads have none."""
    for application in opportunity.get("applications") or []:
        # `expand=applications` gives objects; unexpanded ones are bare ids.
        if isinstance(application, Mapping) and (posting := _id_of(application.get("posting"))) is not None:
            return posting
    # Not expanded: Lever's legacy `postings` list names the posting directly.
    return next((p for p in (opportunity.get("postings") or []) if isinstance(p, str)), None)


def _screening_answer(field: Json) -> ScreeningAnswer | None:
    """One answered question of a posting's application form, in Kombo's union; file uploads are
    not answers Kombo returns."""
    kind, value = field.get("type"), field.get("value")
    title = field.get("text") or ""
    question = _text(field.get("id"))
    if kind in ("text", "textarea"):
        return ScreeningAnswer(question, title, "TEXT", {"content": _text(value)})
    if kind in ("multiple-choice", "dropdown"):
        return ScreeningAnswer(question, title, "SINGLE_SELECT", {"choice": _text(value)})
    if kind == "multiple-select":
        choices = [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
        return ScreeningAnswer(question, title, "MULTI_SELECT", {"choices": choices})
    if kind == "yes-no":
        return ScreeningAnswer(question, title, "BOOLEAN", {"checked": None if value is None else value == "yes"})
    if kind == "date":
        return ScreeningAnswer(question, title, "DATE", {"date": from_ms(value)})
    if kind == "number":
        return ScreeningAnswer(question, title, "NUMBER", {"number": _number(value)})
    if kind == "file-upload":
        return None
    return ScreeningAnswer(question, title, "UNKNOWN", {"raw": value})


def screening_answers(opportunity: Json) -> tuple[ScreeningAnswer, ...]:
    """The candidate's answers to the posting's application form (`customQuestions` of type
    `posting` on the expanded application); referral forms are the referrer's words, not answers."""
    answers: list[ScreeningAnswer] = []
    for application in opportunity.get("applications") or []:
        if not isinstance(application, Mapping):
            continue
        for form in application.get("customQuestions") or []:
            if form.get("type") != "posting":
                continue
            answers += [a for f in form.get("fields") or [] if (a := _screening_answer(f)) is not None]
    return tuple(answers)


def map_application(opportunity: Json, archive_reasons: Mapping[str, Json]) -> Application:
    archived_at, reason_id = archive_of(opportunity)
    reason = archive_reasons.get(reason_id) if reason_id else None
    reason_type = reason.get("type") if reason else None
    outcome: Outcome = "PENDING"
    if reason_id is not None and reason_type == "hired":
        outcome = "HIRED"
    elif reason_id is not None and reason_type == "non-hired":
        outcome = "DECLINED"
    posting = posting_of(opportunity)
    stage = _id_of(opportunity.get("stage"))
    return Application(
        remote_id=opportunity["id"],
        candidate_remote_id=_id_of(opportunity.get("contact")),
        job_remote_id=posting,
        # A lead without a posting has no per-job pipeline to point into.
        current_stage_remote_id=stage_remote_id(posting, stage) if posting and stage else None,
        outcome=outcome,
        rejection_reason_name=_text(reason.get("text")) if reason and outcome == "DECLINED" else None,
        rejected_at=archived_at if outcome == "DECLINED" else None,
        remote_url=_text((opportunity.get("urls") or {}).get("show")),
        screening_question_answers=screening_answers(opportunity),
        remote_created_at=from_ms(opportunity.get("createdAt")),
        remote_updated_at=from_ms(opportunity.get("updatedAt")),
        remote_data=opportunity,
    )


# --- per-opportunity children ----------------------------------------------------------------------


def map_interview(interview: Json, opportunity_id: str, posting_id: str | None) -> Interview:
    start = from_ms(interview.get("date"))
    duration = interview.get("duration")
    end = start + timedelta(minutes=duration) if start and isinstance(duration, int | float) else None
    stage = _id_of(interview.get("stage"))
    location = _text(interview.get("location"))
    return Interview(
        remote_id=interview["id"],
        application_remote_id=opportunity_id,
        stage_remote_id=stage_remote_id(posting_id, stage) if posting_id and stage else None,
        title=_text(interview.get("subject")),
        starting_at=start,
        ending_at=end,
        canceled=interview.get("canceledAt") is not None,
        # Lever has no meeting-link field; a location that is a URL is one.
        video_conferencing_url=location if location and location.startswith(("http://", "https://")) else None,
        location=Location(raw=location) if location else None,
        remote_created_at=from_ms(interview.get("createdAt")),
        remote_updated_at=from_ms(interview.get("updatedAt")),
        user_remote_ids=tuple(i["id"] for i in interview.get("interviewers") or [] if i.get("id")),
        remote_data=interview,
    )


_OFFER_STATUS: dict[str, OfferStatus] = {
    "draft": "DRAFT",
    "approval-sent": "DRAFT",  # waiting for internal approval: not approved yet
    "approved": "APPROVED",
    "sent": "SENT",
    "sent-manually": "SENT",
    "opened": "SENT",  # the candidate has seen it but not answered
    "denied": "DECLINED",  # the candidate declined
    "signed": "ACCEPTED",
}


# Predefined offer-form fields that repeat other records' data: the posting (the application's job)
# and the contact's name (its candidate). They are served there; as the offer's own fields, a renamed
# posting or person would be a change of every offer on it -- and through Kombo's offers -> application
# rule, of their applications, which a job's change must never surface.
OFFER_FIELDS_OF_OTHER_RECORDS = frozenset({"job_posting", "job_title", "candidate_name"})


def map_offer(offer: Json, opportunity_id: str) -> Offer:
    fields = {
        f["identifier"]: f.get("value")
        for f in offer.get("fields") or []
        if f.get("identifier") and f["identifier"] not in OFFER_FIELDS_OF_OTHER_RECORDS
    }
    return Offer(
        remote_id=offer["id"],
        application_remote_id=opportunity_id,
        status=_OFFER_STATUS.get(str(offer.get("status"))),
        employment_start_date=from_ms(fields.get("anticipated_start_date")),
        custom_fields=fields,
        remote_created_at=from_ms(offer.get("createdAt")),
        remote_updated_at=from_ms(offer.get("updatedAt")),
        remote_data=offer,
    )


def map_note(note: Json, opportunity_id: str, contact_id: str | None) -> Note | None:
    """None for a note Lever reports deleted (`deletedAt`): it no longer exists for the customer."""
    if note.get("deletedAt") is not None:
        return None
    comments = [f for f in note.get("fields") or [] if _text(str(f.get("value") or ""))]
    body = "".join(f"<p>{html.escape(str(f['value']))}</p>" for f in comments)
    created = [from_ms(f.get("createdAt")) for f in comments]
    return Note(
        remote_id=note["id"],
        candidate_remote_id=contact_id,
        application_remote_id=opportunity_id,
        author_remote_id=_id_of(note.get("user")),
        title=_text(note.get("text")),
        content_html=body or None,
        is_private=bool(note.get("secret")),
        remote_created_at=from_ms(note.get("createdAt")),
        # A note is a thread of comments: its last comment is its last change.
        remote_updated_at=max((c for c in created if c), default=None) or from_ms(note.get("createdAt")),
        remote_data=note,
    )


ResponseType = Literal["TEXT", "SINGLE_SELECT", "MULTI_SELECT", "BOOLEAN", "NUMBER", "DATE"]
_SINGLE = {"score", "multiple-choice", "dropdown"}


def _response(field: Json) -> ScorecardResponse | None:
    kind = field.get("type")
    value = field.get("value")
    options = tuple({"remote_id": None, "label": o.get("text")} for o in field.get("options") or [])
    answer: Any
    type_: ResponseType
    if kind in _SINGLE:
        type_, answer = "SINGLE_SELECT", ({"remote_id": None, "label": value} if value is not None else None)
    elif kind == "multiple-select":
        type_ = "MULTI_SELECT"
        answer = [{"remote_id": None, "label": v} for v in value] if isinstance(value, list) else None
    elif kind == "yes-no":
        type_, answer = "BOOLEAN", (value == "yes" if isinstance(value, str) else value)
    elif kind == "number":
        type_, answer = "NUMBER", _number(value)
    elif kind == "date":
        day = from_ms(value)
        type_, answer = "DATE", (day.date().isoformat() if day else None)
    elif kind in ("text", "textarea"):
        type_, answer = "TEXT", _text(value)
    else:  # score-system, scorecard matrices, ...: kept as text rather than dropped
        type_, answer = "TEXT", (None if value is None else str(value))
    return ScorecardResponse(
        remote_id=_text(field.get("id")),
        label=field.get("text") or "",
        type=type_,
        answer=answer,
        description=_text(field.get("description")),
        required=field.get("required") if isinstance(field.get("required"), bool) else None,
        options=options if type_ in ("SINGLE_SELECT", "MULTI_SELECT") else (),
    )


def map_feedback(feedback: Json, opportunity_id: str, contact_id: str | None) -> Scorecard | None:
    """A feedback form is a scorecard; None when Lever reports it deleted (`deletedAt`)."""
    if feedback.get("deletedAt") is not None:
        return None
    responses = tuple(r for f in feedback.get("fields") or [] if (r := _response(f)) is not None)
    return Scorecard(
        remote_id=feedback["id"],
        candidate_remote_id=contact_id,
        application_remote_id=opportunity_id,
        interview_remote_id=_id_of(feedback.get("interview")),
        author_remote_id=_id_of(feedback.get("user")),
        responses=responses,
        remote_created_at=from_ms(feedback.get("createdAt")),
        remote_updated_at=from_ms(feedback.get("updatedAt")),
        remote_data=feedback,
    )


AttachmentKind = Literal["files", "resumes"]


def attachment_remote_id(opportunity_id: str, kind: AttachmentKind, file_id: str) -> str:
    """Lever downloads a file under its opportunity: the remote id says where to find it again."""
    return f"{opportunity_id}/{kind}/{file_id}"


def parse_attachment_remote_id(remote_id: str) -> tuple[str, AttachmentKind, str]:
    opportunity_id, kind, file_id = remote_id.split("/", 2)
    if kind not in ("files", "resumes"):
        raise KeyError(remote_id)
    return opportunity_id, kind, file_id  # type: ignore[return-value]


def _content_type(name: str | None, ext: str | None) -> str | None:
    guess, _ = mimetypes.guess_type(name or f"file{ext or ''}")
    return guess


def _attachment(
    raw: Json,
    file: Json,
    kind: AttachmentKind,
    opportunity_id: str,
    contact_id: str | None,
    created: datetime | None,
    updated: datetime | None,
) -> Attachment | None:
    """An opportunity's file or resume; None for one Lever failed to process (`status: error`: nothing to fetch)."""
    if file.get("status") == "error":
        return None
    return Attachment(
        remote_id=attachment_remote_id(opportunity_id, kind, raw["id"]),
        candidate_remote_id=contact_id,
        application_remote_id=opportunity_id,
        type="CV" if kind == "resumes" else "OTHER",
        file_name=_text(file.get("name")),
        content_type=_content_type(file.get("name"), file.get("ext")),
        remote_created_at=created,
        remote_updated_at=updated,
        remote_data=raw,
    )


def map_file(file: Json, opportunity_id: str, contact_id: str | None) -> Attachment | None:
    """An opportunity's file (`/files`)."""
    uploaded = from_ms(file.get("uploadedAt"))
    return _attachment(file, file, "files", opportunity_id, contact_id, uploaded, uploaded)


def map_resume(resume: Json, opportunity_id: str, contact_id: str | None) -> Attachment | None:
    """A resume (`/resumes`: `{id, createdAt, file: {name, ext, uploadedAt, status}, parsedData}`) is a CV."""
    file = resume.get("file") or {}
    created = from_ms(resume.get("createdAt"))
    return _attachment(
        resume, file, "resumes", opportunity_id, contact_id, created, from_ms(file.get("uploadedAt")) or created
    )
