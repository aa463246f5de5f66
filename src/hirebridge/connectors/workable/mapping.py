"""Workable (SPI v3) payloads -> unified records. Pure functions: one vendor JSON object in, records out.

Workable has no application object: a "candidate" is one person's candidacy for one job (the same
person applying to two jobs is two Workable candidates, with nothing that links them in the list).
So each Workable candidate is one Kombo candidate *and* its one application, both with the Workable
candidate id as remote id. Jobs are known by their `shortcode` (what candidates, stages and events
name them by). A job's stages are its pipeline (`/jobs/:shortcode/stages`); a stage's remote id is
`<shortcode>:<slug>`, since Kombo's stages belong to one job and Workable's are shared.

Every record keeps the raw payload it came from as `remote_data` (a candidate: its list row and its
detail, merged); what Workable does not send stays None / empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hirebridge.connectors.names import parse_time, split_name
from hirebridge.model.records import (
    Application,
    ApplicationStage,
    Candidate,
    EmailAddress,
    Interview,
    Job,
    JobStatus,
    Location,
    Note,
    Offer,
    OfferStatus,
    Outcome,
    PhoneNumber,
    Raw,
    RejectionReason,
    RemoteWorkStatus,
    SocialMedia,
    SystemRole,
    User,
)

Json = dict[str, Any]


def stage_id(shortcode: str, slug: str) -> str:
    """A job's stage: Workable's stages (and their slugs) are the account's, Kombo's are per job."""
    return f"{shortcode}:{slug}"


# --- reference data -------------------------------------------------------------------------


def map_member(raw: Json) -> User:
    first, last = split_name(raw.get("name"))
    role = raw.get("role")
    return User(
        remote_id=raw["id"],
        remote_data=raw,
        first_name=first,
        last_name=last,
        email=raw.get("email"),
        status="ACTIVE" if raw.get("active", True) else "INACTIVE",
        # Workable's ATS roles: admin, simple, reviewer (and HR roles Kombo has no type for).
        system_roles=(SystemRole(role, role, "ADMIN" if role == "admin" else None),) if role else (),
    )


def map_disqualification_reason(raw: Json) -> RejectionReason:
    return RejectionReason(remote_id=raw["id"], remote_data=raw, name=raw.get("description"))


# --- jobs -----------------------------------------------------------------------------------

JOB_STATES = {
    "published": JobStatus.OPEN,
    "closed": JobStatus.CLOSED,
    "draft": JobStatus.DRAFT,
    "archived": JobStatus.ARCHIVED,
}
WORKPLACES = {"on_site": RemoteWorkStatus.ON_SITE, "remote": RemoteWorkStatus.REMOTE, "hybrid": RemoteWorkStatus.HYBRID}


def _job_location(raw: Any) -> Location | None:
    if not isinstance(raw, dict):
        return None
    return Location(
        city=raw.get("city"),
        country=raw.get("country"),
        raw=raw.get("location_str"),
        state=raw.get("region"),
        zip_code=raw.get("zip_code"),
    )


def map_job(raw: Json) -> Job:
    state, workplace = raw.get("state"), raw.get("workplace_type")
    salary = raw.get("salary") or {}
    currency = salary.get("salary_currency")
    return Job(
        remote_id=raw["shortcode"],
        remote_data=raw,
        name=raw.get("title"),
        job_code=raw.get("code"),
        confidential=raw.get("confidential"),
        department=raw.get("department"),
        post_url=raw.get("url"),
        status=JOB_STATES.get(state, Raw(state)) if state else None,
        remote_work_status=WORKPLACES.get(workplace, Raw(workplace)) if workplace else None,
        salary_amount_from=salary.get("salary_from"),
        salary_amount_to=salary.get("salary_to"),
        salary_currency=currency.upper() if isinstance(currency, str) else None,
        location=_job_location(raw.get("location")),
        remote_created_at=parse_time(raw.get("created_at")),
        remote_updated_at=parse_time(raw.get("updated_at")),
    )


def map_stage(shortcode: str, raw: Json) -> ApplicationStage:
    """A stage of a job's pipeline; Workable's `position` counts from 1, Kombo's index from 0."""
    position = raw.get("position")
    return ApplicationStage(
        remote_id=stage_id(shortcode, raw["slug"]),
        remote_data=raw,
        job_remote_id=shortcode,
        name=raw.get("name"),
        index=position - 1 if isinstance(position, int) and not isinstance(position, bool) else None,
    )


# --- candidates and applications -------------------------------------------------------------


def custom_fields(items: Any) -> dict[str, Any]:
    """A candidate's custom attributes (the detail's `custom_attributes`) by label, else by key. The
    shape of an item, `{key, label, type, value}`, is modelled on the attributes' definitions
    (`/custom_attributes`: id, label, type) and their update endpoint (`custom_attribute_key`, `value`):
    Workable's reference of the detail does not print it (docs/connectors/workable.md, unverified)."""
    fields: dict[str, Any] = {}
    for item in items or []:
        name = item.get("label") or item.get("key")
        if name:
            fields[name] = item.get("value")
    return fields


def social_media(profiles: Any) -> tuple[SocialMedia, ...]:
    """The detail's `social_profiles` (`type` is Workable's slug: linkedin, github, twitter, ...)."""
    return tuple(
        SocialMedia(link=p.get("url"), type=p.get("type"), username=p.get("username"))
        for p in profiles or []
        if p.get("url") or p.get("username")
    )


def map_candidate(raw: Json, detail: Json | None = None) -> Candidate:
    """A Workable candidate as the person (see the module's docstring): its row of the candidates list
    and its detail (`GET /candidates/:id`, the `candidate` object), where alone its social profiles and
    custom attributes are. The detail repeats the row's fields and was read after it, so it wins; the
    record keeps both, merged, as `remote_data`. A sync and a write's read-back both pass the two."""
    raw = {**raw, **(detail or {})}
    first, last = raw.get("firstname"), raw.get("lastname")
    if not first and not last:
        first, last = split_name(raw.get("name"))
    return Candidate(
        remote_id=raw["id"],
        remote_data=raw,
        first_name=first,
        last_name=last,
        title=raw.get("headline"),
        source=raw.get("domain"),
        email_addresses=(EmailAddress(raw["email"]),) if raw.get("email") else (),
        phone_numbers=(PhoneNumber(raw["phone"]),) if raw.get("phone") else (),
        social_media=social_media(raw.get("social_profiles")),
        location=Location(raw=raw["address"]) if raw.get("address") else None,
        custom_fields=custom_fields(raw.get("custom_attributes")),
        remote_url=raw.get("profile_url"),
        remote_created_at=parse_time(raw.get("created_at")),
        remote_updated_at=parse_time(raw.get("updated_at")),
    )


def outcome(raw: Json) -> Outcome:
    if raw.get("hired_at") or raw.get("stage_kind") == "hired":
        return "HIRED"
    return "DECLINED" if raw.get("disqualified") else "PENDING"


def current_stage(raw: Json, slugs: Mapping[str, str]) -> str | None:
    """The candidate's stage: the list names it (its display name, `stage`, and its `stage_kind`);
    `slugs` maps the account's stage names to their slugs (`/stages`)."""
    shortcode = (raw.get("job") or {}).get("shortcode")
    name = raw.get("stage")
    slug = slugs.get(name) if isinstance(name, str) else None
    if slug is None and isinstance(name, str) and name in slugs.values():  # a slug, as older docs say
        slug = name
    return stage_id(shortcode, slug) if shortcode and slug else None


def map_application(raw: Json, slugs: Mapping[str, str]) -> Application:
    result = outcome(raw)
    return Application(
        remote_id=raw["id"],
        remote_data=raw,
        candidate_remote_id=raw["id"],
        job_remote_id=(raw.get("job") or {}).get("shortcode"),
        current_stage_remote_id=current_stage(raw, slugs),
        outcome=result,
        # Workable keeps the reason as free text on the candidate (the reason list's description).
        rejection_reason_name=raw.get("disqualification_reason") if result == "DECLINED" else None,
        remote_url=raw.get("profile_url"),
        remote_created_at=parse_time(raw.get("created_at")),
        remote_updated_at=parse_time(raw.get("updated_at")),
    )


def map_comment(candidate_id: str, raw: Json) -> Note | None:
    """A `comment` activity of a candidate (the listing asks for comments only)."""
    if raw.get("action") != "comment":
        return None
    member = raw.get("member") or {}
    return Note(
        remote_id=raw["id"],
        remote_data=raw,
        candidate_remote_id=candidate_id,
        application_remote_id=candidate_id,
        author_remote_id=member.get("id") if member.get("type", "Member") == "Member" else None,
        content_html=raw.get("body"),
        remote_created_at=parse_time(raw.get("created_at")),
        remote_updated_at=parse_time(raw.get("updated_at")),
    )


# --- interviews and offers --------------------------------------------------------------------


def map_event(raw: Json) -> Interview | None:
    """An event with a candidate (a call, an interview); events of no candidate are not interviews."""
    candidate = (raw.get("candidate") or {}).get("id")
    if not candidate:
        return None
    return Interview(
        remote_id=raw["id"],
        remote_data=raw,
        application_remote_id=candidate,
        title=raw.get("title"),
        starting_at=parse_time(raw.get("starts_at")),
        ending_at=parse_time(raw.get("ends_at")),
        canceled=raw.get("cancelled"),
        user_remote_ids=tuple(m["id"] for m in raw.get("members") or [] if m.get("id") and m.get("type") == "Member"),
    )


OFFER_STATES: dict[str, OfferStatus] = {
    "draft": "DRAFT",
    "pending": "DRAFT",
    "approved": "APPROVED",
    "sent": "SENT",
    "accepted": "ACCEPTED",
    "rejected": "DECLINED",
    "declined": "DECLINED",
    "withdrawn": "ABANDONED",
    "revoked": "ABANDONED",
}
START_DATE = "start_date"


def _variable(item: Json) -> Any:
    """A document variable's value: its text, or the structured data of a salary variable."""
    value = item.get("value") or {}
    return value.get("body") if "body" in value else value.get("data")


def map_offer(candidate: str, raw: Json) -> Offer:
    """A candidate's latest offer (`/candidates/:id/offer`): it has no id of its own, so it is known
    by its candidate's, as its application is. Its document variables are its custom fields."""
    variables = {(v.get("document_variable") or {}).get("slug"): v for v in raw.get("document_variables") or []}
    start = variables.get(START_DATE)
    return Offer(
        remote_id=candidate,
        remote_data=raw,
        application_remote_id=candidate,
        status=OFFER_STATES.get(raw.get("state") or ""),
        employment_start_date=parse_time(_variable(start)) if start else None,
        custom_fields={
            (v.get("document_variable") or {}).get("name") or slug: _variable(v)
            for slug, v in variables.items()
            if slug
        },
        remote_created_at=parse_time(raw.get("created_at")),
    )
