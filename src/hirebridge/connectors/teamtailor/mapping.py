"""Teamtailor (JSON:API) resources -> unified records. Pure functions: one resource in, a record out.

A JSON:API resource is `{id, type, attributes (kebab-case), relationships}`; a relationship carries
its linkage (`data: {type, id}`, a list for to-many ones) only when the listing asked to `include`
it, and the included resources are in the page's `included` (`MapContext.page`). Job applications are
Kombo's applications; a stage belongs to one job (as Kombo's); custom field values are resources of
their own, included with the candidate, and keyed by their custom field's `api-name`.

Every record keeps the raw resource it came from as `remote_data`; what Teamtailor does not send stays
None / empty.
"""

from __future__ import annotations

from typing import Any

from hirebridge.connectors.names import parse_time, split_name
from hirebridge.model.records import (
    Application,
    ApplicationStage,
    Candidate,
    EmailAddress,
    Job,
    JobStatus,
    Note,
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
HIRED = "Hired"  # the stage-type of a job's hired stage (the others: Inbox, In process)


# --- JSON:API -----------------------------------------------------------------------------------


def _attributes(raw: Json) -> Json:
    return raw.get("attributes") or {}


def linked(raw: Json, name: str) -> str | None:
    """The id a to-one relationship points at (None: no linkage, or a null one)."""
    data = ((raw.get("relationships") or {}).get(name) or {}).get("data")
    return str(data["id"]) if isinstance(data, dict) and data.get("id") is not None else None


def linked_all(raw: Json, name: str) -> list[tuple[str, str]]:
    """The (type, id)s a to-many relationship points at."""
    data = ((raw.get("relationships") or {}).get(name) or {}).get("data")
    return [(str(d["type"]), str(d["id"])) for d in data or [] if isinstance(d, dict)] if isinstance(data, list) else []


def included(page: Any, kind: str, resource_id: str | None) -> Json:
    """An included resource of the page (empty if the page did not include it)."""
    if resource_id is None or not isinstance(page, dict):
        return {}
    for resource in page.get("included") or []:
        if isinstance(resource, dict) and resource.get("type") == kind and str(resource.get("id")) == resource_id:
            return resource
    return {}


# --- reference data -------------------------------------------------------------------------


def map_user(raw: Json) -> User:
    attributes = _attributes(raw)
    first, last = split_name(attributes.get("name"))
    role = attributes.get("role")
    return User(
        remote_id=raw["id"],
        remote_data=raw,
        first_name=first,
        last_name=last,
        email=attributes.get("email") or attributes.get("login-email"),
        # Teamtailor's roles: admin, recruitment_admin, user, ... (Kombo types admin only).
        system_roles=(SystemRole(role, role, "ADMIN" if role == "admin" else None),) if role else (),
    )


def map_reject_reason(raw: Json) -> RejectionReason:
    return RejectionReason(remote_id=raw["id"], remote_data=raw, name=_attributes(raw).get("reason"))


# --- jobs -----------------------------------------------------------------------------------

JOB_STATES = {
    "published": JobStatus.OPEN,
    "unlisted": JobStatus.OPEN,  # open, not on the career site
    "draft": JobStatus.DRAFT,
    "scheduled": JobStatus.DRAFT,  # to be published later
    "archived": JobStatus.ARCHIVED,
}
REMOTE_STATES = {
    "none": RemoteWorkStatus.ON_SITE,
    "hybrid": RemoteWorkStatus.HYBRID,
    "temporary": RemoteWorkStatus.TEMPORARY,
    "fully": RemoteWorkStatus.REMOTE,
}


def map_job(raw: Json) -> Job:
    attributes = _attributes(raw)
    status, remote = attributes.get("human-status"), attributes.get("remote-status")
    return Job(
        remote_id=raw["id"],
        remote_data=raw,
        name=attributes.get("title"),
        description=attributes.get("body"),
        status=JOB_STATES.get(status, Raw(status)) if status else None,
        remote_work_status=REMOTE_STATES.get(remote, Raw(remote)) if remote else None,
        post_url=(raw.get("links") or {}).get("careersite-job-url"),
        remote_created_at=parse_time(attributes.get("created-at")),
        remote_updated_at=parse_time(attributes.get("updated-at")),
    )


def map_stage(raw: Json, index: int) -> ApplicationStage:
    """A stage of its job's pipeline; `index` is its place by `row-order` (a sparse sort key)."""
    return ApplicationStage(
        remote_id=raw["id"],
        remote_data=raw,
        job_remote_id=linked(raw, "job"),
        name=_attributes(raw).get("name"),
        index=index,
    )


# --- candidates and applications -------------------------------------------------------------


def custom_fields(raw: Json, page: Any) -> dict[str, Any]:
    """The candidate's included custom field values, by their custom field's `api-name`."""
    fields: dict[str, Any] = {}
    for kind, value_id in linked_all(raw, "custom-field-values"):
        value = included(page, kind, value_id)
        field = included(page, "custom-fields", linked(value, "custom-field"))
        key = _attributes(field).get("api-name") or _attributes(field).get("name")
        if value and key:
            fields[key] = _attributes(value).get("value")
    return fields


def map_candidate(raw: Json, page: Any) -> Candidate:
    attributes = _attributes(raw)
    linkedin = attributes.get("linkedin-url")
    return Candidate(
        remote_id=raw["id"],
        remote_data=raw,
        first_name=attributes.get("first-name"),
        last_name=attributes.get("last-name"),
        source=attributes.get("referring-site"),
        email_addresses=(EmailAddress(attributes["email"]),) if attributes.get("email") else (),
        phone_numbers=(PhoneNumber(attributes["phone"]),) if attributes.get("phone") else (),
        social_media=(SocialMedia(link=linkedin, type="LINKEDIN"),) if linkedin else (),
        custom_fields=custom_fields(raw, page),
        remote_created_at=parse_time(attributes.get("created-at")),
        remote_updated_at=parse_time(attributes.get("updated-at")),
    )


def map_application(raw: Json, page: Any) -> Application:
    """A job application; its stage and reject reason are included resources of the page."""
    attributes = _attributes(raw)
    stage = included(page, "stages", linked(raw, "stage"))
    reason = included(page, "reject-reasons", linked(raw, "reject-reason"))
    rejected = parse_time(attributes.get("rejected-at"))
    result: Outcome = (
        "DECLINED" if rejected else "HIRED" if _attributes(stage).get("stage-type") == HIRED else "PENDING"
    )
    return Application(
        remote_id=raw["id"],
        remote_data=raw,
        candidate_remote_id=linked(raw, "candidate"),
        job_remote_id=linked(raw, "job"),
        current_stage_remote_id=linked(raw, "stage"),
        outcome=result,
        rejection_reason_name=_attributes(reason).get("reason") if rejected else None,
        rejected_at=rejected,
        remote_created_at=parse_time(attributes.get("created-at")),
        remote_updated_at=parse_time(attributes.get("updated-at")),
    )


def map_note(raw: Json) -> Note:
    """A note on a candidate (Teamtailor's notes belong to the candidate, not to an application).
    The docs' example names the candidate and the author in attributes (`candidate-id`, `user-id`)
    rather than relationships: either is read."""
    attributes = _attributes(raw)
    candidate, user = attributes.get("candidate-id"), attributes.get("user-id")
    return Note(
        remote_id=raw["id"],
        remote_data=raw,
        candidate_remote_id=linked(raw, "candidate") or (str(candidate) if candidate is not None else None),
        author_remote_id=linked(raw, "user") or (str(user) if user is not None else None),
        content_html=attributes.get("note"),
        is_private=attributes.get("private-note"),
        remote_created_at=parse_time(attributes.get("created-at")),
        remote_updated_at=parse_time(attributes.get("updated-at")),
    )
