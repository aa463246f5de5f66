"""SmartRecruiters (Customer API) payloads -> unified records. Pure functions: one vendor JSON object
in, records out.

A SmartRecruiters candidate is a person; it has one application per job it is assigned to (the
listing's `primaryAssignment` and `secondaryAssignments` name the jobs), read at
`/candidates/{id}/jobs/{jobId}`. That object has no id of its own, so an application's remote id is
`<candidate id>:<job id>`.

An application's progress is its `status` (fixed: LEAD, NEW, IN_REVIEW, INTERVIEW, OFFERED, HIRED,
REJECTED, WITHDRAWN, TRANSFERRED) and, within IN_REVIEW, INTERVIEW and OFFERED, its `subStatus` (the
account's hiring process names them). Kombo's stages are a job's pipeline, so each job gets the
pipeline LEAD, NEW, the sub-statuses of IN_REVIEW, INTERVIEW and OFFERED in the hiring process's order
(or the status itself when it has none), HIRED; a stage's remote id is `<job id>:<status>[:<subStatus>]`.
REJECTED, WITHDRAWN and TRANSFERRED are outcomes, not places in the pipeline: such an application has
no current stage (SmartRecruiters replaces the status; the status history would tell where it was).

A candidate's custom fields are its candidate properties, only at `/candidates/{id}/properties` (one
read per candidate, `properties()`): the candidate is mapped from its listing entry and that answer,
whose properties are kept in its `remote_data` under `properties`.

Every record keeps the raw payload it came from as `remote_data`; what SmartRecruiters does not send
stays None / empty.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hirebridge.connectors.names import parse_time
from hirebridge.model.records import (
    Application,
    ApplicationStage,
    Candidate,
    EmailAddress,
    Job,
    JobStatus,
    JobVisibility,
    Location,
    Outcome,
    PhoneNumber,
    Raw,
    RejectionReason,
    RemoteWorkStatus,
    SystemRole,
    User,
)

Json = dict[str, Any]
# The statuses of an application's pipeline, in order; the ones a hiring process divides into
# sub-statuses are those of `SUB_STATUS_KEYS`.
PIPELINE = ("LEAD", "NEW", "IN_REVIEW", "INTERVIEW", "OFFERED", "HIRED")
SUB_STATUS_KEYS = ("IN_REVIEW", "INTERVIEW", "OFFERED")
STATUS_LABELS = {
    "LEAD": "Lead",
    "NEW": "New",
    "IN_REVIEW": "In review",
    "INTERVIEW": "Interview",
    "OFFERED": "Offered",
    "HIRED": "Hired",
}
REJECTION_PREFIX = "rejection"
WITHDRAWAL_PREFIX = "withdrawal"


def application_id(candidate_id: str, job_id: str) -> str:
    return f"{candidate_id}:{job_id}"


def stage_id(job_id: str, status: str, sub_status: str | None = None) -> str:
    return f"{job_id}:{status}:{sub_status}" if sub_status else f"{job_id}:{status}"


def assignments(candidate: Json) -> list[Json]:
    """The jobs a candidate is assigned to: its primary assignment first, then the others."""
    primary = candidate.get("primaryAssignment")
    found = [primary] if isinstance(primary, dict) else []
    found += [a for a in candidate.get("secondaryAssignments") or [] if isinstance(a, dict)]
    return [a for a in found if (a.get("job") or {}).get("id")]


# --- reference data -------------------------------------------------------------------------


def map_user(raw: Json) -> User:
    role = (raw.get("systemRole") or {}).get("id")
    return User(
        remote_id=raw["id"],
        remote_data=raw,
        first_name=raw.get("firstName"),
        last_name=raw.get("lastName"),
        email=raw.get("email"),
        status="ACTIVE" if raw.get("active", True) else "INACTIVE",
        # SmartRecruiters' system roles: ADMINISTRATOR, EXTENDED_ACCESS, EMPLOYEE, RESTRICTED, ...
        system_roles=(SystemRole(role, role, "ADMIN" if role == "ADMINISTRATOR" else None),) if role else (),
    )


def reason_id(prefix: str, raw_id: str) -> str:
    """Rejection and withdrawal reasons are two lists; Kombo has one, so their ids are kept apart."""
    return f"{prefix}:{raw_id}"


def map_reason(prefix: str, raw: Json) -> RejectionReason:
    return RejectionReason(remote_id=reason_id(prefix, raw["id"]), remote_data=raw, name=raw.get("label"))


# --- jobs and their pipelines ---------------------------------------------------------------

# A job's status (CREATED, SOURCING, INTERVIEW, OFFER, FILLED, CANCELLED, ON_HOLD): recruiting goes on
# while it is SOURCING, INTERVIEW or OFFER.
JOB_STATUSES = {
    "CREATED": JobStatus.DRAFT,
    "SOURCING": JobStatus.OPEN,
    "INTERVIEW": JobStatus.OPEN,
    "OFFER": JobStatus.OPEN,
    "FILLED": JobStatus.CLOSED,
    "CANCELLED": JobStatus.CLOSED,
    "ON_HOLD": JobStatus.CLOSED,
}
VISIBILITIES = {
    "PUBLIC": JobVisibility.PUBLIC,
    "INTERNAL": JobVisibility.INTERNAL,
    "PRIVATE": JobVisibility.UNLISTED,
    "NOT_PUBLISHED": JobVisibility.UNLISTED,
}


def _location(raw: Any) -> Location | None:
    if not isinstance(raw, dict):
        return None
    city, region, country = raw.get("city"), raw.get("region"), raw.get("country")
    return Location(
        city=city,
        country=(raw.get("countryCode") or "").upper() or country,
        raw=", ".join(p for p in (city, region, country) if p) or None,
        state=region,
        zip_code=raw.get("postalCode"),
    )


def map_job(raw: Json) -> Job:
    status, posting = raw.get("status"), raw.get("postingStatus")
    location: Json = raw["location"] if isinstance(raw.get("location"), dict) else {}
    remote = location.get("remote")
    return Job(
        remote_id=raw["id"],
        remote_data=raw,
        name=raw.get("title"),
        job_code=raw.get("refNumber"),
        department=(raw.get("department") or {}).get("label"),
        status=JOB_STATUSES.get(status, Raw(status)) if status else None,
        visibility=VISIBILITIES.get(posting, Raw(posting)) if posting else None,
        remote_work_status=None if remote is None else RemoteWorkStatus.REMOTE if remote else RemoteWorkStatus.ON_SITE,
        location=_location(location) if location else None,
        remote_created_at=parse_time(raw.get("createdOn")),
        remote_updated_at=parse_time(raw.get("updatedOn")),
    )


def hiring_process(processes: Sequence[Json]) -> Json | None:
    """The company's hiring process: the active one (the first, if several are)."""
    chosen = [p for p in processes if p.get("active", True)] or list(processes)
    return chosen[0] if chosen else None


def pipeline(process: Json | None) -> list[tuple[str, str | None]]:
    """(status, subStatus) of each stage of a hiring process, in order."""
    subs: Mapping[str, Any] = (process or {}).get("subStatuses") or {}
    stages: list[tuple[str, str | None]] = []
    for status in PIPELINE:
        names = [n for n in subs.get(status) or [] if isinstance(n, str)] if status in SUB_STATUS_KEYS else []
        stages += [(status, name) for name in names] or [(status, None)]
    return stages


def map_stages(job_id: str, process: Json | None) -> list[ApplicationStage]:
    """A job's pipeline: its hiring process's stages (see the module's docstring)."""
    return [
        ApplicationStage(
            remote_id=stage_id(job_id, status, sub),
            remote_data={"status": status, "subStatus": sub, "hiringProcessId": (process or {}).get("id")},
            job_remote_id=job_id,
            name=sub or STATUS_LABELS[status],
            index=index,
        )
        for index, (status, sub) in enumerate(pipeline(process))
    ]


# --- candidates and applications -------------------------------------------------------------


def property_value(value: Any) -> Any:
    """A candidate property's value as a custom field: a SINGLE_SELECT's chosen value by its label
    (`{"id", "label"}`), every other type as sent (text, number, boolean, date string, country or
    region code, a CURRENCY's `{"code", "value"}`)."""
    if isinstance(value, dict) and set(value) <= {"id", "label"} and value.get("label") is not None:
        return value["label"]
    return value


def properties(answer: Json | None) -> list[Json]:
    """The properties of a `/candidates/{id}/properties` answer."""
    return [p for p in (answer or {}).get("content") or [] if isinstance(p, dict)]


def custom_fields(props: Sequence[Json]) -> dict[str, Any]:
    """The candidate properties that have a value, by their label (their id when unlabelled)."""
    return {(p.get("label") or p["id"]): property_value(p["value"]) for p in props if p.get("value") is not None}


def map_candidate(raw: Json, detail: Json | None) -> Candidate:
    """A candidate: its `/candidates` listing entry and its `/candidates/{id}/properties` answer."""
    props = properties(detail)
    return Candidate(
        remote_id=raw["id"],
        remote_data={**raw, "properties": props},
        first_name=raw.get("firstName"),
        last_name=raw.get("lastName"),
        email_addresses=(EmailAddress(raw["email"]),) if raw.get("email") else (),
        phone_numbers=(PhoneNumber(raw["phoneNumber"]),) if raw.get("phoneNumber") else (),
        location=_location(raw.get("location")),
        remote_url=f"https://www.smartrecruiters.com/app/people/candidates/{raw['id']}",
        custom_fields=custom_fields(props),
        remote_created_at=parse_time(raw.get("createdOn")),
        remote_updated_at=parse_time(raw.get("updatedOn")),
    )


def outcome(status: str | None) -> Outcome:
    if status == "HIRED":
        return "HIRED"
    return "DECLINED" if status in ("REJECTED", "WITHDRAWN") else "PENDING"


def current_stage(
    job_id: str, status: str | None, sub_status: str | None, stages: Sequence[tuple[str, str | None]]
) -> str | None:
    """The application's place in its job's pipeline; None when it left it (rejected, withdrawn,
    transferred) or names a stage the hiring process does not have."""
    if status is None or status not in PIPELINE:
        return None
    if (status, sub_status) in stages:
        return stage_id(job_id, status, sub_status)
    return stage_id(job_id, status) if (status, None) in stages else None


def map_application(candidate_id: str, job_id: str, raw: Json, stages: Sequence[tuple[str, str | None]]) -> Application:
    """`/candidates/{id}/jobs/{jobId}`; `stages` the job's pipeline (`pipeline()`)."""
    status, sub = raw.get("status"), raw.get("subStatus")
    result = outcome(status)
    reason = raw.get("reasonOfRejection") if status == "REJECTED" else raw.get("reasonOfWithdrawal")
    return Application(
        remote_id=application_id(candidate_id, job_id),
        remote_data=raw,
        candidate_remote_id=candidate_id,
        job_remote_id=job_id,
        current_stage_remote_id=current_stage(job_id, status, sub, stages),
        outcome=result,
        rejection_reason_name=(reason or {}).get("label") if result == "DECLINED" else None,
        remote_url=raw.get("url"),
    )
