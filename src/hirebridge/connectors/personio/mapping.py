"""Personio recruiting (v2) payloads -> unified records. Pure functions: one vendor JSON object in,
records out.

Personio's pipeline belongs to a job's *category* (`/v2/recruiting/categories`: a category's stages,
system phases such as `unassigned`, `offer`, `accepted`, `rejected` and `withdrawn` around the
account's custom ones). Kombo's stages belong to one job, so each job gets its category's stages, a
stage's remote id being `<job id>:<stage key>`, the key its id, or for a system phase (which has
none) its type. An application's `current_stage` names the same stage; its type gives the outcome:
`rejected` and `withdrawn` are DECLINED, `accepted` (and `hired`) HIRED.

Personio's v2 candidates and applications carry no custom attributes, tags or documents (its
reference says so); a candidate's system attributes that Kombo has no field for (gender, birthday,
availability, salary expectations) are its custom fields. Timestamps are ISO 8601 strings; an object
`{"date-time"|"date": ..., "timezone": ...}` (Personio's `DateTimeWithTimezone`) is read too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hirebridge.connectors.names import parse_time
from hirebridge.model.records import (
    Application,
    ApplicationStage,
    Candidate,
    EmailAddress,
    EmploymentType,
    Job,
    JobStatus,
    Location,
    Outcome,
    PhoneNumber,
    Raw,
    SocialMedia,
)

Json = dict[str, Any]

JOB_STATUSES = {"ACTIVE": JobStatus.OPEN, "DRAFT": JobStatus.DRAFT, "ARCHIVED": JobStatus.ARCHIVED}
EMPLOYMENT = {
    "intern": EmploymentType.INTERNSHIP,
    "trainee": EmploymentType.INTERNSHIP,
    "freelance": EmploymentType.CONTRACT,
}
DECLINED_TYPES = frozenset({"rejected", "withdrawn"})
HIRED_TYPES = frozenset({"accepted", "hired"})
# A candidate's system attributes with no unified field: served as its custom fields.
CANDIDATE_ATTRIBUTES = ("gender", "birthday", "available_from", "salary_expectations")


def timestamp(value: Any) -> Any:
    """An ISO 8601 string, or Personio's `{"date-time": ...}` / `{"date": ...}` object, as a datetime."""
    if isinstance(value, Mapping):
        value = value.get("date-time") or value.get("date")
    return parse_time(value)


def stage_key(stage: Mapping[str, Any]) -> str:
    """A stage of a category: its id, or for a system phase (no id) its type."""
    stage_id = stage.get("id")
    return str(stage_id) if stage_id not in (None, "") else str(stage.get("type"))


def stage_id(job_id: str, stage: Mapping[str, Any]) -> str:
    return f"{job_id}:{stage_key(stage)}"


def _name(value: Any) -> str | None:
    """The `name` of a referenced object (`{"id", "name"}`)."""
    return value.get("name") if isinstance(value, Mapping) else None


def map_job(raw: Json) -> Job:
    status, employment = raw.get("status"), raw.get("employment_type")
    office = _name(raw.get("office"))
    return Job(
        remote_id=str(raw["id"]),
        remote_data=raw,
        name=raw.get("name"),
        status=JOB_STATUSES.get(status, Raw(status)) if status else None,
        employment_type=EMPLOYMENT.get(employment, Raw(employment)) if employment else None,
        department=_name(raw.get("department")),
        category=_name(raw.get("category")),
        location=Location(raw=office) if office else None,
        remote_created_at=timestamp(raw.get("created_at")),
        remote_updated_at=timestamp(raw.get("updated_at")),
    )


def map_stage(job_id: str, raw: Json, index: int) -> ApplicationStage:
    """One stage of a job's category, at `index` in the category's list."""
    return ApplicationStage(
        remote_id=stage_id(job_id, raw),
        remote_data=raw,
        job_remote_id=job_id,
        name=raw.get("name"),
        index=index,
    )


def map_candidate(raw: Json) -> Candidate:
    linkedin = raw.get("linkedin_profile")
    return Candidate(
        remote_id=str(raw["id"]),
        remote_data=raw,
        first_name=raw.get("first_name"),
        last_name=raw.get("last_name"),
        email_addresses=(EmailAddress(raw["email"]),) if raw.get("email") else (),
        phone_numbers=(PhoneNumber(raw["phone"]),) if raw.get("phone") else (),
        social_media=(SocialMedia(link=linkedin, type="linkedin"),) if linkedin else (),
        location=Location(raw=raw["location"]) if raw.get("location") else None,
        custom_fields={name: raw[name] for name in CANDIDATE_ATTRIBUTES if raw.get(name) not in (None, "")},
        remote_created_at=timestamp(raw.get("created_at")),
        remote_updated_at=timestamp(raw.get("updated_at")),
    )


def outcome(stage: Mapping[str, Any]) -> Outcome:
    kind = stage.get("type")
    return "DECLINED" if kind in DECLINED_TYPES else "HIRED" if kind in HIRED_TYPES else "PENDING"


def map_application(raw: Json) -> Application:
    job_id = str((raw.get("job") or {}).get("id") or "") or None
    candidate_id = (raw.get("candidate") or {}).get("id")
    stage = raw.get("current_stage") or {}
    return Application(
        remote_id=str(raw["id"]),
        remote_data=raw,
        candidate_remote_id=str(candidate_id) if candidate_id is not None else None,
        job_remote_id=job_id,
        current_stage_remote_id=stage_id(job_id, stage) if job_id and stage else None,
        outcome=outcome(stage),
        remote_created_at=timestamp(raw.get("created_at")),
        remote_updated_at=timestamp(raw.get("updated_at")),
    )
