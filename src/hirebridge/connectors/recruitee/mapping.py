"""Recruitee payloads -> unified records. Pure functions: one vendor JSON object in, records out.

Recruitee keeps one candidate per person; a person's assignments to jobs are its `placements`
(one per offer), which are Kombo's applications. An "offer" is a job or a talent pool (`kind`);
only jobs are Kombo jobs, and a placement in a talent pool is no application (its pool is no job).
An offer's pipeline stages have ids of their own, so a stage's remote id is Recruitee's. Ids are
integers at Recruitee and strings here.

Every record keeps the raw payload it came from as `remote_data`; what Recruitee does not send
stays None / empty.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from hirebridge.connectors.names import parse_time, split_name
from hirebridge.model.records import (
    Application,
    ApplicationStage,
    Candidate,
    EmailAddress,
    EmploymentType,
    Job,
    JobStatus,
    Location,
    Note,
    Outcome,
    PhoneNumber,
    Raw,
    RejectionReason,
    RemoteWorkStatus,
    RoleType,
    SystemRole,
    Tag,
    User,
)

Json = dict[str, Any]
JOB = "job"  # an offer's `kind`; the other is `talent_pool`


def _id(value: Any) -> str | None:
    return None if value is None else str(value)


# --- reference data -------------------------------------------------------------------------

ROLES: dict[str, RoleType] = {"admin": "ADMIN", "recruiter": "RECRUITER", "hiring_manager": "HIRING_MANAGER"}


def map_membership(raw: Json, references: list[Json]) -> User:
    """A team membership; the admin (the person: name, email) is in the page's `references`. The
    user's remote id is the admin's id: notes and placements name admins."""
    admin_id = raw["admin_id"]
    admin = next((r for r in references if r.get("id") == admin_id and r.get("type", "Admin") == "Admin"), {})
    role = raw.get("role")
    status = raw.get("status")
    return User(
        remote_id=str(admin_id),
        remote_data={**raw, "admin": admin} if admin else raw,
        first_name=admin.get("first_name"),
        last_name=admin.get("last_name"),
        email=admin.get("email"),
        status=("INACTIVE" if status == "inactive" else "ACTIVE") if status else None,
        system_roles=(SystemRole(role, role, ROLES.get(role)),) if isinstance(role, str) else (),
    )


def map_disqualify_reason(raw: Json) -> RejectionReason:
    return RejectionReason(remote_id=str(raw["id"]), remote_data=raw, name=raw.get("name"))


def map_tag(raw: Json) -> Tag:
    return Tag(remote_id=str(raw["id"]), remote_data=raw, name=raw.get("name"))


# --- jobs and stages ---------------------------------------------------------------------------

OFFER_STATUSES = {
    "published": JobStatus.OPEN,
    "internal": JobStatus.OPEN,
    "closed": JobStatus.CLOSED,
    "draft": JobStatus.DRAFT,
    "archived": JobStatus.ARCHIVED,
}
EMPLOYMENT = {
    "fulltime": EmploymentType.FULL_TIME,
    "parttime": EmploymentType.PART_TIME,
    "contract": EmploymentType.CONTRACT,
    "internship": EmploymentType.INTERNSHIP,
    "seasonal": EmploymentType.SEASONAL,
}


def map_offer(raw: Json) -> Job | None:
    """An offer that is a job; a talent pool is none."""
    if raw.get("kind") != JOB:
        return None
    status, employment, remote = raw.get("status"), raw.get("employment_type_code"), raw.get("remote")
    city, country = raw.get("city"), raw.get("country_code")
    return Job(
        remote_id=str(raw["id"]),
        remote_data=raw,
        name=raw.get("title"),
        department=raw.get("department"),
        post_url=raw.get("careers_url"),
        status=OFFER_STATUSES.get(status, Raw(status)) if status else None,
        employment_type=EMPLOYMENT.get(employment, Raw(employment)) if employment else None,
        remote_work_status=None if remote is None else RemoteWorkStatus.REMOTE if remote else RemoteWorkStatus.ON_SITE,
        location=Location(city=city, country=country) if city or country else None,
        remote_created_at=parse_time(raw.get("created_at")),
        remote_updated_at=parse_time(raw.get("updated_at")),
    )


def map_stage(offer_id: str, raw: Json, pipeline: list[Json]) -> ApplicationStage:
    """A stage of an offer's pipeline; its index is its place in the pipeline by `position`
    (Recruitee's positions are not documented to start at 0 or to be dense)."""
    ordered = sorted(pipeline, key=lambda s: (s.get("position") is None, s.get("position") or 0, s.get("id")))
    index = next((n for n, s in enumerate(ordered) if s.get("id") == raw["id"]), None)
    return ApplicationStage(
        remote_id=str(raw["id"]), remote_data=raw, job_remote_id=offer_id, name=raw.get("name"), index=index
    )


# --- candidates, applications, notes ----------------------------------------------------------


# Where a profile field's value is, by its kind (the docs' payloads for adding one: `single_line`,
# `multi_line` and `address` -> text, `boolean` -> flag, `number` -> number, `gender` and `dropdown` ->
# value, `nationality` -> country_code; `date` is unverified). A value with none of these, or several
# (a language skill: language_code and level), is kept whole.
VALUE_KEYS = ("text", "flag", "number", "value", "country_code", "date")
ADDRESS = "address"  # the profile field kind holding the candidate's address


def _field_value(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    found = [key for key in VALUE_KEYS if key in value]
    return value[found[0]] if len(found) == 1 else value


def profile_fields(fields: list[Json] | None) -> dict[str, Any]:
    """A candidate's profile fields (Recruitee's custom fields) by name -- by kind for a field without
    one (the docs add address, gender and nationality fields without a name): one value as itself,
    several as a list; a field without values is left out."""
    found: dict[str, Any] = {}
    for field in fields or []:
        key = field.get("name") or field.get("kind")
        values = [_field_value(v) for v in field.get("values") or []]
        if key and values:
            found[key] = values[0] if len(values) == 1 else values
    return found


def _address(fields: list[Json] | None) -> Location | None:
    """The first address profile field's text, as the candidate's location (unstructured: Recruitee
    keeps an address as one line of text)."""
    for field in fields or []:
        if field.get("kind") == ADDRESS:
            text = next((v.get("text") for v in field.get("values") or [] if v.get("text")), None)
            if text:
                return Location(raw=text)
    return None


def map_candidate(raw: Json, detail: Json, tag_ids: Mapping[str, str]) -> Candidate:
    """A candidate from its row of the candidates list (`raw`) and its detail (`GET /candidates/:id`'s
    `candidate`: its profile fields, which the list leaves out); `tag_ids` maps the company's tag names
    to their ids (the candidate lists names). The payload kept is the row without its placements
    (they are the applications') plus the detail's `fields`."""
    first, last = split_name(raw.get("name"))
    sources = [s for s in raw.get("sources") or [] if s]
    fields = detail.get("fields") or []
    return Candidate(
        remote_id=str(raw["id"]),
        remote_data={**{k: v for k, v in raw.items() if k != "placements"}, "fields": fields},
        first_name=first,
        last_name=last,
        source=sources[0] if sources else None,
        email_addresses=tuple(EmailAddress(e) for e in raw.get("emails") or [] if e),
        phone_numbers=tuple(PhoneNumber(p) for p in raw.get("phones") or [] if p),
        location=_address(fields),
        custom_fields=profile_fields(fields),
        remote_created_at=parse_time(raw.get("created_at")),
        remote_updated_at=parse_time(raw.get("updated_at")),
        tag_remote_ids=tuple(tag_ids[name] for name in raw.get("tags") or [] if name in tag_ids),
    )


def outcome(placement: Json) -> Outcome:
    if placement.get("hired_at"):
        return "HIRED"
    if placement.get("disqualified_at") or placement.get("disqualify_reason"):
        return "DECLINED"
    return "PENDING"


def map_placements(raw: Json, jobs: frozenset[str], reasons: Mapping[str, str]) -> Iterator[Application]:
    """A candidate's placements in jobs (`jobs`: the ids of offers that are jobs) as applications;
    `reasons` maps disqualify reason ids to names, for a placement that names its reason by id only."""
    candidate = str(raw["id"])
    for placement in raw.get("placements") or []:
        offer = str(placement["offer_id"])
        if offer not in jobs:
            continue
        result = outcome(placement)
        reason = placement.get("disqualify_reason") or {}
        reason_name = reason.get("name") or reasons.get(str(reason.get("id") or placement.get("disqualify_reason_id")))
        yield Application(
            remote_id=str(placement["id"]),
            remote_data=placement,
            candidate_remote_id=candidate,
            job_remote_id=offer,
            current_stage_remote_id=_id(placement.get("stage_id")),
            outcome=result,
            rejection_reason_name=reason_name if result == "DECLINED" else None,
            rejected_at=parse_time(placement.get("disqualified_at")) if result == "DECLINED" else None,
            remote_created_at=parse_time(placement.get("created_at")),
            remote_updated_at=parse_time(placement.get("updated_at")),
        )


def map_note(candidate_id: str, raw: Json) -> Note:
    """A note on a candidate's profile: the candidate's, not one placement's."""
    return Note(
        remote_id=str(raw["id"]),
        remote_data=raw,
        candidate_remote_id=candidate_id,
        author_remote_id=_id(raw.get("admin_id")),
        content_html=raw.get("body"),
        remote_created_at=parse_time(raw.get("created_at")),
        remote_updated_at=parse_time(raw.get("updated_at")),
    )
