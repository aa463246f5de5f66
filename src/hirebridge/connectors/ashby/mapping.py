"""Ashby payloads -> unified records. Pure functions: one vendor JSON object in, records out.

Every record keeps the raw payload it came from as `remote_data`, so a mapping fix can re-map stored
rows without re-fetching. Whatever Ashby does not provide stays None / empty.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from enum import StrEnum
from typing import Any, TypeVar

from hirebridge.connectors.names import parse_time, split_name
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
    JobPosting,
    JobRole,
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
    SocialMedia,
    SystemRole,
    Tag,
    User,
)

Json = dict[str, Any]


def _id(obj: Any) -> str | None:
    return obj.get("id") if isinstance(obj, dict) else None


def custom_fields(items: Any) -> dict[str, Any]:
    """`customFields[] {id, title, value}` -> {title: value} (titles are what people filter on)."""
    return {f["title"]: f.get("value") for f in items or [] if isinstance(f, dict) and f.get("title")}


# --- reference data -------------------------------------------------------------------------

GLOBAL_ROLES: dict[str, RoleType | None] = {
    "Organization Admin": "ADMIN",
    "Elevated Access": None,
    "Limited Access": None,
    "External Recruiter": "RECRUITER",
}


def map_user(raw: Json) -> User:
    role = raw.get("globalRole")
    return User(
        remote_id=raw["id"],
        remote_data=raw,
        first_name=raw.get("firstName"),
        last_name=raw.get("lastName"),
        email=raw.get("email"),
        status="ACTIVE" if raw.get("isEnabled", True) else "INACTIVE",
        system_roles=(SystemRole(role, role, GLOBAL_ROLES.get(role)),) if role else (),
    )


def map_tag(raw: Json) -> Tag:
    return Tag(remote_id=raw["id"], remote_data=raw, name=raw.get("title"))


def map_archive_reason(raw: Json) -> RejectionReason:
    return RejectionReason(remote_id=raw["id"], remote_data=raw, name=raw.get("text"))


# --- jobs -----------------------------------------------------------------------------------

JOB_STATUSES = {
    "Open": JobStatus.OPEN,
    "Closed": JobStatus.CLOSED,
    "Draft": JobStatus.DRAFT,
    "Archived": JobStatus.ARCHIVED,
}
EMPLOYMENT_TYPES = {
    "FullTime": EmploymentType.FULL_TIME,
    "PartTime": EmploymentType.PART_TIME,
    "Contract": EmploymentType.CONTRACT,
    "Intern": EmploymentType.INTERNSHIP,
    "Temporary": EmploymentType.SEASONAL,
}
WORKPLACE_TYPES = {
    "Remote": RemoteWorkStatus.REMOTE,
    "Hybrid": RemoteWorkStatus.HYBRID,
    "OnSite": RemoteWorkStatus.ON_SITE,
}
HIRING_TEAM_ROLES: dict[str, HiringTeamRole] = {
    "Hiring Manager": "HIRING_MANAGER",
    "Recruiter": "RECRUITER",
    "Coordinator": "COORDINATOR",
    "Sourcer": "SOURCER",
    "Interviewer": "INTERVIEWER",
}
SALARY_INTERVALS = {
    "1 YEAR": SalaryPeriod.YEAR,
    "1 MONTH": SalaryPeriod.MONTH,
    "1 WEEK": SalaryPeriod.WEEK,
    "1 DAY": SalaryPeriod.DAY,
    "1 HOUR": SalaryPeriod.HOUR,
}
_E = TypeVar("_E", bound=StrEnum)


def _open_enum(table: Mapping[str, _E], raw: Any) -> _E | Raw | None:
    """Kombo's open enums: the unified value when one fits, else Ashby's own string."""
    if not isinstance(raw, str) or not raw:
        return None
    return table.get(raw, Raw(raw))


def _job_location(raw: Any) -> Location | None:
    if not isinstance(raw, dict):
        return None
    postal = (raw.get("address") or {}).get("postalAddress") or {}
    return Location(
        city=postal.get("addressLocality"),
        country=postal.get("addressCountry"),
        raw=raw.get("externalName") or raw.get("name"),
        state=postal.get("addressRegion"),
        street_1=postal.get("streetAddress"),
        zip_code=postal.get("postalCode"),
    )


def _salary(compensation: Any) -> Json | None:
    """The first `Salary` component of the first tier that has one (Ashby may publish several
    zones; Kombo has one range)."""
    for tier in (compensation or {}).get("compensationTiers") or []:
        for component in tier.get("components") or []:
            if component.get("compensationType") == "Salary":
                return dict(component)
    return None


def hiring_team(members: Any) -> tuple[HiringTeamMember, ...]:
    """`hiringTeam[] {userId, role}` -> one member per user with all of their roles."""
    roles: dict[str, list[str]] = {}
    for member in members or []:
        if member.get("userId"):
            roles.setdefault(member["userId"], []).append(member.get("role") or "")
    return tuple(
        HiringTeamMember(
            user_remote_id=user_id,
            hiring_team_roles=tuple(HIRING_TEAM_ROLES[r] for r in names if r in HIRING_TEAM_ROLES),
            job_roles=tuple(JobRole(r, r, HIRING_TEAM_ROLES.get(r)) for r in names if r),
        )
        for user_id, names in roles.items()
    )


def map_job(raw: Json) -> Job:
    salary = _salary(raw.get("compensation")) or {}
    location = raw.get("location")
    confidential = raw.get("confidential")
    return Job(
        remote_id=raw["id"],
        remote_data=raw,
        name=raw.get("title"),
        job_code=raw.get("customRequisitionId"),
        confidential=confidential,
        employment_type=_open_enum(EMPLOYMENT_TYPES, raw.get("employmentType")),
        status=_open_enum(JOB_STATUSES, raw.get("status")),
        # Ashby only says whether a job is confidential; public/internal is a property of its postings.
        visibility=JobVisibility.CONFIDENTIAL if confidential else None,
        remote_work_status=WORKPLACE_TYPES.get((location or {}).get("workplaceType") or "")
        if isinstance(location, dict)
        else None,
        salary_amount_from=salary.get("minValue"),
        salary_amount_to=salary.get("maxValue"),
        salary_currency=salary.get("currencyCode"),
        salary_period=_open_enum(SALARY_INTERVALS, salary.get("interval")),
        location=_job_location(location),
        custom_fields=custom_fields(raw.get("customFields")),
        opened_at=parse_time(raw.get("openedAt")),
        closed_at=parse_time(raw.get("closedAt")),
        remote_created_at=parse_time(raw.get("createdAt")),
        remote_updated_at=parse_time(raw.get("updatedAt")),
        hiring_team=hiring_team(raw.get("hiringTeam")),
    )


def map_stages(job_id: str, stages: list[Json]) -> list[ApplicationStage]:
    """A job's stages: its interview plan's stages, indexed by `orderInInterviewPlan`.

    Ashby's stage ids belong to an interview plan; each job has its own plan, so the stage id is the
    remote id and the job is the one whose plan it is."""
    ordered = sorted(stages, key=lambda s: (s.get("orderInInterviewPlan") or 0, s["id"]))
    return [
        ApplicationStage(remote_id=s["id"], remote_data=s, job_remote_id=job_id, name=s.get("title"), index=i)
        for i, s in enumerate(ordered)
    ]


def map_job_posting(raw: Json) -> JobPosting:
    return JobPosting(
        remote_id=raw["id"],
        remote_data=raw,
        job_remote_id=raw.get("jobId"),
        title=raw.get("title"),
        # jobPosting.list carries no description (only jobPosting.info does).
        description_html=raw.get("descriptionHtml"),
        # jobPosting.list returns published postings; `isListed` says whether the job board shows it.
        status="ACTIVE",
        visibility="PUBLIC" if raw.get("isListed") else "UNLISTED",
        url=raw.get("externalLink") or raw.get("applyLink"),
    )


# --- candidates and applications -------------------------------------------------------------

CONTACT_TYPES = {"Personal": "PRIVATE", "Work": "WORK", "Other": "OTHER", "Mobile": "MOBILE"}


def _contacts(primary: Any, others: Any) -> list[Json]:
    """The primary entry first, then the others, without repeating a value."""
    items: list[Json] = []
    seen: set[str] = set()
    for item in [primary, *(others or [])]:
        if isinstance(item, dict) and item.get("value") and item["value"] not in seen:
            seen.add(item["value"])
            items.append(item)
    return items


def _candidate_location(raw: Any) -> Location | None:
    if not isinstance(raw, dict):
        return None
    parts = {c.get("type"): c.get("name") for c in raw.get("locationComponents") or []}
    return Location(
        city=parts.get("City"), country=parts.get("Country"), state=parts.get("Region"), raw=raw.get("locationSummary")
    )


def map_candidate(raw: Json) -> Candidate:
    first, last = split_name(raw.get("name"))
    return Candidate(
        remote_id=raw["id"],
        remote_data=raw,
        first_name=first,
        last_name=last,
        company=raw.get("company"),
        title=raw.get("position"),
        source=(raw.get("source") or {}).get("title"),
        email_addresses=tuple(
            EmailAddress(e["value"], CONTACT_TYPES.get(e.get("type") or "", e.get("type")))
            for e in _contacts(raw.get("primaryEmailAddress"), raw.get("emailAddresses"))
        ),
        phone_numbers=tuple(
            PhoneNumber(p["value"], CONTACT_TYPES.get(p.get("type") or "", p.get("type")))
            for p in _contacts(raw.get("primaryPhoneNumber"), raw.get("phoneNumbers"))
        ),
        social_media=tuple(
            SocialMedia(link=s.get("url"), type=s.get("type")) for s in raw.get("socialLinks") or [] if s.get("url")
        ),
        location=_candidate_location(raw.get("location")),
        custom_fields=custom_fields(raw.get("customFields")),
        remote_url=raw.get("profileUrl"),
        remote_created_at=parse_time(raw.get("createdAt")),
        remote_updated_at=parse_time(raw.get("updatedAt")),
        tag_remote_ids=tuple(t["id"] for t in raw.get("tags") or [] if t.get("id")),
    )


OUTCOMES: dict[str, Outcome] = {"Hired": "HIRED", "Archived": "DECLINED"}


def map_application(raw: Json) -> Application:
    outcome = OUTCOMES.get(raw.get("status") or "", "PENDING")
    declined = outcome == "DECLINED"
    return Application(
        remote_id=raw["id"],
        remote_data=raw,
        candidate_remote_id=_id(raw.get("candidate")),
        job_remote_id=_id(raw.get("job")),
        current_stage_remote_id=_id(raw.get("currentInterviewStage")),
        outcome=outcome,
        # An archive reason can linger on a re-activated or hired application: only a DECLINED one
        # has been rejected.
        rejection_reason_name=(raw.get("archiveReason") or {}).get("text") if declined else None,
        rejected_at=parse_time(raw.get("archivedAt")) if declined else None,
        custom_fields=custom_fields(raw.get("customFields")),
        remote_created_at=parse_time(raw.get("createdAt")),
        remote_updated_at=parse_time(raw.get("updatedAt")),
    )


def file_handles(candidate: Json) -> list[tuple[Json, bool]]:
    """The candidate's files, each once: (handle, is it the résumé)."""
    resume = candidate.get("resumeFileHandle")
    resume_handle = resume.get("handle") if isinstance(resume, dict) else None
    seen: set[str] = set()
    files: list[tuple[Json, bool]] = []
    for handle in [resume, *(candidate.get("fileHandles") or [])]:
        if isinstance(handle, dict) and handle.get("handle") and handle["handle"] not in seen:
            seen.add(handle["handle"])
            files.append((handle, handle["handle"] == resume_handle))
    return files


def map_attachments(candidate: Json) -> list[Attachment]:
    """File handles -> attachments. The remote id is the handle: it is what `file.info` needs to
    hand out a download URL, and the engine asks for a file by remote id alone."""
    return [
        Attachment(
            remote_id=handle["handle"],
            remote_data=handle,
            candidate_remote_id=candidate["id"],
            type="CV" if is_resume else "OTHER",
            file_name=handle.get("name"),
        )
        for handle, is_resume in file_handles(candidate)
    ]


def map_note(candidate_id: str, raw: Json) -> Note:
    return Note(
        remote_id=raw["id"],
        remote_data=raw,
        candidate_remote_id=candidate_id,
        author_remote_id=_id(raw.get("author")),
        content_html=raw.get("content"),
        is_private=raw.get("isPrivate"),
        remote_created_at=parse_time(raw.get("createdAt")),
    )


# --- interviews and offers --------------------------------------------------------------------


def map_interviews(schedule: Json) -> Iterator[Interview]:
    """One interview per event of a schedule; a cancelled schedule cancels all of its events."""
    canceled = schedule.get("status") == "Cancelled"
    for event in schedule.get("interviewEvents") or []:
        definition = event.get("interview") or {}
        yield Interview(
            remote_id=event["id"],
            remote_data={**event, "schedule": {k: v for k, v in schedule.items() if k != "interviewEvents"}},
            application_remote_id=schedule.get("applicationId"),
            stage_remote_id=schedule.get("interviewStageId"),
            title=definition.get("title"),
            starting_at=parse_time(event.get("startTime")),
            ending_at=parse_time(event.get("endTime")),
            canceled=canceled,
            video_conferencing_url=event.get("meetingLink"),
            location=Location(raw=event["location"]) if event.get("location") else None,
            remote_created_at=parse_time(event.get("createdAt")),
            remote_updated_at=parse_time(event.get("updatedAt")),
            user_remote_ids=tuple(event.get("interviewerUserIds") or ()),
        )


# The candidate's answer decides when there is one; otherwise the offer's progress does.
ACCEPTANCE_STATUSES: dict[str, OfferStatus] = {"Accepted": "ACCEPTED", "Declined": "DECLINED", "Cancelled": "ABANDONED"}
OFFER_STATUSES: dict[str, OfferStatus] = {
    "CandidateAccepted": "ACCEPTED",
    "CandidateRejected": "DECLINED",
    "OfferCancelled": "ABANDONED",
    "WaitingOnCandidateResponse": "SENT",
    "WaitingOnOfferCreation": "DRAFT",
    "WaitingOnApprovalStart": "DRAFT",
    "WaitingOnOfferApproval": "DRAFT",
}


def offer_status(raw: Json) -> OfferStatus | None:
    by_answer = ACCEPTANCE_STATUSES.get(raw.get("acceptanceStatus") or "")
    if by_answer is not None:
        return by_answer
    status = OFFER_STATUSES.get(raw.get("offerStatus") or "")
    if status == "DRAFT" and (raw.get("latestVersion") or {}).get("approvalStatus") == "Approved":
        return "APPROVED"
    return status


def map_offer(raw: Json) -> Offer:
    version = raw.get("latestVersion") or {}
    return Offer(
        remote_id=raw["id"],
        remote_data=raw,
        application_remote_id=raw.get("applicationId"),
        status=offer_status(raw),
        employment_start_date=parse_time(version.get("startDate")),
        custom_fields=custom_fields(version.get("customFields")),
        # Offers carry no timestamps of their own; the latest version's creation is the last change.
        remote_created_at=None,
        remote_updated_at=parse_time(version.get("createdAt")),
    )
