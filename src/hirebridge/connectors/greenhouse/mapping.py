"""Greenhouse Harvest v3 payloads -> unified records. Pure functions: no I/O, no clock.

v3 is normalized (ids instead of nested objects; hiring team, tags, panels, answers and offer versions
are resources of their own): each function takes one record plus the related rows it needs, already
fetched (`index_by_id` for lookups), and never looks anything up itself. Ids become strings,
timestamps aware UTC, dates midnight UTC (unreadable ones None), `custom_fields {name_key: {name,
type, value}}` `{name_key: value}`; a missing required field raises KeyError naming it. Every record
keeps its payload, plus the related rows that decided a field, as `remote_data`. The rules, and why,
are in docs/connectors/greenhouse.md.
"""

from __future__ import annotations

import html
import mimetypes
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

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
    Role,
    Scorecard,
    ScorecardResponse,
    ScreeningAnswer,
    SocialMedia,
    SystemRole,
    Tag,
    User,
)

Json = dict[str, Any]

# Deep links into the Greenhouse UI (Kombo's remote_url), by default; an account on another host
# (Greenhouse's EU data centre) sets the connector's `app_url`.
APP_URL = "https://app.greenhouse.io"


# --- small helpers ---------------------------------------------------------------------------------


def parse_day(value: Any) -> date | None:
    """A `YYYY-MM-DD` date (offer start, all-day interview) or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _midnight(day: date | None) -> datetime | None:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None


def remote_id(value: Any) -> str | None:
    """A Greenhouse id (an integer, sometimes sent as a string) as a remote id; None stays None."""
    if value is None or isinstance(value, bool) or value == "":
        return None
    if isinstance(value, int | str):
        return str(value)
    raise TypeError(f"a Greenhouse id must be an integer or a string, not {type(value).__name__}: {value!r}")


def _required(raw: Mapping[str, Any], key: str, model: str) -> str:
    """The id in `raw[key]`, or a KeyError that names the model and the field."""
    value = remote_id(raw.get(key))
    if value is None:
        raise KeyError(f"Greenhouse {model}: required field {key!r} is missing in {raw.get('id', '?')!r}")
    return value


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value
    return None


def _id_order(value: str) -> tuple[int, str]:
    """Numeric order for numeric string ids ("9" before "10")."""
    return len(value), value


def _position(row: Mapping[str, Any]) -> tuple[int, int, str]:
    """Greenhouse's display order: `sort_order` (missing ones last), then id."""
    order = row.get("sort_order")
    return (order if isinstance(order, int) else 2**31, *_id_order(remote_id(row.get("id")) or ""))


def index_by_id(rows: Iterable[Json]) -> dict[str, Json]:
    """Rows of a reference resource keyed by remote id (the shape every lookup parameter here takes)."""
    return {_required(row, "id", "row"): row for row in rows}


def custom_fields(value: Any) -> dict[str, Any]:
    """`{name_key: {name, type, value}}` -> `{name_key: value}`."""
    if not isinstance(value, Mapping):
        return {}
    return {
        str(key): (entry.get("value") if isinstance(entry, Mapping) else entry)
        for key, entry in value.items()
        if isinstance(key, str) and key
    }


def _plain(text: Any) -> str:
    """Scorecard questions are short HTML; Kombo's labels are plain text."""
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip() if isinstance(text, str) else ""


def _of(rows: Iterable[Json], key: str, owner: str) -> list[Json]:
    """The rows whose `key` is `owner` (related rows may be passed for many parents at once)."""
    return [row for row in rows if remote_id(row.get(key)) == owner]


def _group(rows: Iterable[Json], key: str, model: str | None = None) -> dict[str, list[Json]]:
    """Rows by `key`; rows without one are skipped, or (with `model`) a KeyError naming the field."""
    groups: dict[str, list[Json]] = {}
    for row in rows:
        owner = _required(row, key, model) if model else remote_id(row.get(key))
        if owner is not None:
            groups.setdefault(owner, []).append(row)
    return groups


# --- users, roles, tags, rejection reasons --------------------------------------------------------

SITE_ADMIN = SystemRole("site_admin", "Site Admin", "ADMIN")
# Hiring-team places: hiring managers come from /v3/job_hiring_managers, the others are the `type` of
# a /v3/job_owners row. The key is the JobRole's and the Role's remote id.
HIRING_TEAM_ROLES: dict[str, tuple[str, HiringTeamRole]] = {
    "hiring_manager": ("Hiring Manager", "HIRING_MANAGER"),
    "recruiter": ("Recruiter", "RECRUITER"),
    "coordinator": ("Coordinator", "COORDINATOR"),
    "sourcer": ("Sourcer", "SOURCER"),
}


def map_user(raw: Json) -> User:
    """`site_admin` is the only system-wide role v3 reports (job permissions are per job)."""
    first, last = _text(raw.get("first_name")), _text(raw.get("last_name"))
    if first is None and last is None:
        first, last = split_name(raw.get("name"))
    # Service accounts (listed with show_service_accounts=true) have `primary_email: ""`.
    email = _text(raw.get("primary_email")) or next((e for e in raw.get("emails") or [] if _text(e)), None)
    return User(
        remote_id=_required(raw, "id", "user"),
        first_name=first,
        last_name=last,
        email=email,
        status="INACTIVE" if raw.get("deactivated") else "ACTIVE",
        system_roles=(SITE_ADMIN,) if raw.get("site_admin") else (),
        remote_data=raw,
    )


def roles() -> list[Role]:
    """The roles users hold in this connector's records: Site Admin (system) and the hiring-team places."""
    site_admin = Role(remote_id="site_admin", remote_label="Site Admin", scope="SYSTEM", unified_type="ADMIN")
    team = [
        Role(remote_id=key, remote_label=label, scope="JOB", unified_type=unified)
        for key, (label, unified) in HIRING_TEAM_ROLES.items()
    ]
    return [site_admin, *team]


def map_tag(raw: Json) -> Tag:
    """A row of the candidate-tag dictionary (`/v3/candidate_tags`)."""
    return Tag(remote_id=_required(raw, "id", "candidate_tag"), name=_text(raw.get("name")), remote_data=raw)


def map_rejection_reason(raw: Json) -> RejectionReason:
    """Every reason (list with `include_defaults=true`); its `type.key` stays in remote_data."""
    return RejectionReason(
        remote_id=_required(raw, "id", "rejection_reason"), name=_text(raw.get("name")), remote_data=raw
    )


# --- jobs, stages, job posts ------------------------------------------------------------------------

_JOB_STATUS = {"open": JobStatus.OPEN, "closed": JobStatus.CLOSED, "draft": JobStatus.DRAFT}
# Values of the system job field "Employment Type" (internal_type employment_type).
_EMPLOYMENT = {
    "full-time": EmploymentType.FULL_TIME,
    "full time": EmploymentType.FULL_TIME,
    "part-time": EmploymentType.PART_TIME,
    "part time": EmploymentType.PART_TIME,
    "contract": EmploymentType.CONTRACT,
    "contractor": EmploymentType.CONTRACT,
    "intern": EmploymentType.INTERNSHIP,
    "internship": EmploymentType.INTERNSHIP,
    "temporary": EmploymentType.SEASONAL,
    "seasonal": EmploymentType.SEASONAL,
}


def _employment_type(fields: Any) -> EmploymentType | Raw | None:
    """From the job's "Employment Type" custom field (keyed `employment_type`); unknown values raw."""
    if not isinstance(fields, Mapping):
        return None
    entry = fields.get("employment_type")
    if entry is None:
        entry = next(
            (e for e in fields.values() if isinstance(e, Mapping) and e.get("name") == "Employment Type"), None
        )
    value = entry.get("value") if isinstance(entry, Mapping) else entry
    if isinstance(value, Mapping):  # a select option sent as {id, name}
        value = value.get("name")
    text = _text(value)
    if text is None:
        return None
    return _EMPLOYMENT.get(text.lower(), Raw(text))


def _live_posts(posts: Iterable[Json]) -> list[Json]:
    return sorted(
        (p for p in posts if p.get("live") and p.get("active", True) is not False),
        key=lambda p: _id_order(remote_id(p.get("id")) or ""),
    )


def hiring_team(job_id: str, hiring_managers: Iterable[Json], owners: Iterable[Json]) -> tuple[HiringTeamMember, ...]:
    """One member per user with every place they hold on this job, in user-id order; places in
    HIRING_TEAM_ROLES order. Rows of other jobs are ignored."""
    places: dict[str, set[str]] = {}
    for row in _of(hiring_managers, "job_id", job_id):
        if (user := remote_id(row.get("user_id"))) is not None:
            places.setdefault(user, set()).add("hiring_manager")
    for row in _of(owners, "job_id", job_id):
        if (user := remote_id(row.get("user_id"))) is not None and row.get("type") in HIRING_TEAM_ROLES:
            places.setdefault(user, set()).add(row["type"])
    members = []
    for user in sorted(places, key=_id_order):
        keys = [k for k in HIRING_TEAM_ROLES if k in places[user]]
        members.append(
            HiringTeamMember(
                user_remote_id=user,
                hiring_team_roles=tuple(HIRING_TEAM_ROLES[k][1] for k in keys),
                job_roles=tuple(JobRole(k, HIRING_TEAM_ROLES[k][0], HIRING_TEAM_ROLES[k][1]) for k in keys),
            )
        )
    return tuple(members)


def map_job(
    raw: Json,
    *,
    departments: Mapping[str, Json] | None = None,
    offices: Mapping[str, Json] | None = None,
    hiring_managers: Iterable[Json] = (),
    owners: Iterable[Json] = (),
    posts: Iterable[Json] = (),
    openings: Iterable[Json] = (),
    app_url: str = APP_URL,
) -> Job:
    """A job with what v3 keeps elsewhere: department and office names (`/v3/departments`,
    `/v3/offices`), the hiring team (`/v3/job_hiring_managers` + `/v3/job_owners`), and from its job
    posts the description, public URL and visibility. Openings have no unified field; they are kept
    in remote_data. Related rows of other jobs are ignored."""
    job_id = _required(raw, "id", "job")
    mine = {
        "job_posts": _of(posts, "job_id", job_id),
        "openings": _of(openings, "job_id", job_id),
        "job_hiring_managers": _of(hiring_managers, "job_id", job_id),
        "job_owners": _of(owners, "job_id", job_id),
    }
    live = _live_posts(mine["job_posts"])
    external = [p for p in live if not p.get("internal")]
    confidential = raw.get("confidential") if isinstance(raw.get("confidential"), bool) else None
    visibility: JobVisibility | None = None
    if confidential:
        visibility = JobVisibility.CONFIDENTIAL
    elif external:
        visibility = JobVisibility.PUBLIC
    elif live:
        visibility = JobVisibility.INTERNAL
    # The candidate-facing text: a live post's (external first), else an unpublished one's (a closed job's).
    kept = [p for p in mine["job_posts"] if p.get("active", True) is not False and _text(p.get("content"))]
    description_post = min(
        kept,
        key=lambda p: (not p.get("live"), bool(p.get("internal")), _id_order(remote_id(p.get("id")) or "")),
        default=None,
    )
    department = (departments or {}).get(remote_id(raw.get("department_id")) or "")
    office = next(
        (o for i in raw.get("office_ids") or [] if (o := (offices or {}).get(remote_id(i) or "")) is not None), None
    )
    location = None
    if office is not None and (_text(office.get("location")) or _text(office.get("name"))):
        location = Location(raw=_text(office.get("location")) or _text(office.get("name")))
    team = hiring_team(job_id, mine["job_hiring_managers"], mine["job_owners"])
    manager = next((m.user_remote_id for m in team if "HIRING_MANAGER" in m.hiring_team_roles), None)
    status = _text(raw.get("status"))
    return Job(
        remote_id=job_id,
        name=_text(raw.get("name")),
        job_code=_text(raw.get("requisition_id")),
        description=_text(description_post.get("content")) if description_post else None,
        confidential=confidential,
        department=_text(department.get("name")) if department else None,
        post_url=_text(external[0].get("public_url")) if external else None,
        employment_type=_employment_type(raw.get("custom_fields")),
        status=_JOB_STATUS.get(status.lower(), Raw(status)) if status else None,
        visibility=visibility,
        location=location,
        custom_fields=custom_fields(raw.get("custom_fields")),
        remote_url=f"{app_url}/jobs/{job_id}",
        opened_at=parse_time(raw.get("opened_at")),
        closed_at=parse_time(raw.get("closed_at")),
        remote_created_at=parse_time(raw.get("created_at")),
        remote_updated_at=parse_time(raw.get("updated_at")),
        contact_remote_id=manager,
        hiring_team=team,
        remote_data={**raw, **mine},
    )


def map_stage(raw: Json, index: int | None) -> ApplicationStage:
    return ApplicationStage(
        remote_id=_required(raw, "id", "job_interview_stage"),
        job_remote_id=_required(raw, "job_id", "job_interview_stage"),
        name=_text(raw.get("name")),
        index=index,
        # Inactive: removed from the job's interview plan, kept for the applications that were in it.
        status="INACTIVE" if raw.get("active") is False else "ACTIVE",
        remote_data=raw,
    )


def map_stages(stages: Iterable[Json]) -> list[ApplicationStage]:
    """`/v3/job_interview_stages` rows (of one job or many): per job in `sort_order` (Application
    Review first, Offer last; ties by id), `index` the position in that order."""
    by_job = _group(stages, "job_id", "job_interview_stage")
    return [
        map_stage(stage, index)
        for job in sorted(by_job, key=_id_order)
        for index, stage in enumerate(sorted(by_job[job], key=_position))
    ]


def map_job_post(raw: Json) -> JobPosting:
    """A job post: ACTIVE when live, DRAFT when never published, INACTIVE when unpublished or deleted
    (`active: false`, listed only with `active=false`); internal posts are INTERNAL, others PUBLIC."""
    status: Literal["ACTIVE", "INACTIVE", "DRAFT"]
    if raw.get("active") is False:
        status = "INACTIVE"
    elif raw.get("live"):
        status = "ACTIVE"
    elif raw.get("first_published_at") is None:
        status = "DRAFT"
    else:
        status = "INACTIVE"
    return JobPosting(
        remote_id=_required(raw, "id", "job_post"),
        job_remote_id=remote_id(raw.get("job_id")),
        title=_text(raw.get("title")),
        description_html=_text(raw.get("content")),
        status=status,
        visibility="INTERNAL" if raw.get("internal") else "PUBLIC",
        url=_text(raw.get("public_url")),
        remote_data=raw,
    )


# --- candidates and applications ---------------------------------------------------------------------

EMAIL_TYPES = {"personal": "PRIVATE", "work": "WORK", "other": "OTHER"}
PHONE_TYPES = {"mobile": "MOBILE", "home": "HOME", "work": "WORK", "skype": "SKYPE", "other": "OTHER"}
WEBSITE_TYPES = {"portfolio": "PORTFOLIO", "blog": "BLOG"}  # personal/company/other: a plain website
_SOCIAL_HOSTS = {
    "linkedin.com": "LINKEDIN",
    "twitter.com": "TWITTER",
    "x.com": "TWITTER",
    "github.com": "GITHUB",
    "facebook.com": "FACEBOOK",
    "instagram.com": "INSTAGRAM",
    "youtube.com": "YOUTUBE",
    "xing.com": "XING",
}


def _typed(value: Any, table: Mapping[str, str]) -> str | None:
    """Greenhouse's lower-case contact types in Kombo's upper-case words; unknown types as sent."""
    text = _text(value)
    return table.get(text.lower(), text) if text else None


def _social(entry: Any) -> SocialMedia | None:
    """`social_media_addresses[] {value}` is untyped: a URL is a link (typed by its host), else a handle."""
    value = _text(entry.get("value")) if isinstance(entry, Mapping) else None
    if value is None:
        return None
    if not value.startswith(("http://", "https://", "www.")):
        return SocialMedia(username=value)
    host = re.sub(r"^(https?://)?(www\.)?", "", value).split("/", 1)[0].lower()
    kind = next((t for h, t in _SOCIAL_HOSTS.items() if host == h or host.endswith("." + h)), None)
    return SocialMedia(link=value, type=kind)


def _candidate_location(addresses: Any) -> Location | None:
    """The home address (else the first one) as a raw location; Greenhouse keeps addresses unparsed."""
    entries = [a for a in addresses or [] if isinstance(a, Mapping) and _text(a.get("value"))]
    chosen = next((a for a in entries if a.get("type") == "home"), entries[0] if entries else None)
    return Location(raw=chosen["value"]) if chosen else None


def candidate_tag_ids(
    candidate: Json, applied_tags: Iterable[Json] = (), tags: Mapping[str, Json] | None = None
) -> tuple[str, ...]:
    """The candidate's tag ids: its `/v3/applied_candidate_tags` rows, plus the ids (looked up in the
    `/v3/candidate_tags` dictionary) of the names in its own `tags` list. A name the dictionary does
    not know has no id and is left out."""
    cid = _required(candidate, "id", "candidate")
    ids = {t for row in _of(applied_tags, "candidate_id", cid) if (t := remote_id(row.get("candidate_tag_id")))}
    names = {n for n in candidate.get("tags") or [] if isinstance(n, str)}
    ids |= {tid for tid, tag in (tags or {}).items() if tag.get("name") in names}
    return tuple(sorted(ids, key=_id_order))


def candidate_source(applications: Iterable[Json], sources: Mapping[str, Json]) -> str | None:
    """Kombo's candidate.source: v3 keeps a source per application; the candidate's is that of its
    earliest application that has a known one (first touch), ties by id."""
    known = [a for a in applications if (remote_id(a.get("source_id")) or "") in sources]
    if not known:
        return None
    first = min(
        known,
        key=lambda a: (parse_time(a.get("created_at")) or datetime.max.replace(tzinfo=UTC), _id_order(str(a["id"]))),
    )
    return _text(sources[remote_id(first["source_id"]) or ""].get("name"))


def map_candidate(
    raw: Json,
    *,
    applied_tags: Iterable[Json] = (),
    tags: Mapping[str, Json] | None = None,
    source: str | None = None,
    app_url: str = APP_URL,
) -> Candidate:
    """A `/v3/candidates` row. `applied_tags` / `tags`: see `candidate_tag_ids`; `source`: see
    `candidate_source` (the candidate row has none)."""
    cid = _required(raw, "id", "candidate")
    emails = tuple(
        EmailAddress(e["value"], _typed(e.get("type"), EMAIL_TYPES))
        for e in raw.get("email_addresses") or []
        if isinstance(e, Mapping) and _text(e.get("value"))
    )
    phones = tuple(
        PhoneNumber(p["value"], _typed(p.get("type"), PHONE_TYPES))
        for p in raw.get("phone_numbers") or []
        if isinstance(p, Mapping) and _text(p.get("value"))
    )
    websites = tuple(
        SocialMedia(link=w["value"], type=WEBSITE_TYPES.get(str(w.get("type")).lower(), "WEBSITE"))
        for w in raw.get("website_addresses") or []
        if isinstance(w, Mapping) and _text(w.get("value"))
    )
    social = tuple(s for e in raw.get("social_media_addresses") or [] if (s := _social(e)) is not None)
    return Candidate(
        remote_id=cid,
        first_name=_text(raw.get("first_name")),
        last_name=_text(raw.get("last_name")),
        company=_text(raw.get("company")),
        title=_text(raw.get("title")),
        confidential=raw.get("private") if isinstance(raw.get("private"), bool) else None,
        source=source,
        email_addresses=emails,
        phone_numbers=phones,
        social_media=social + websites,
        location=_candidate_location(raw.get("addresses")),
        custom_fields=custom_fields(raw.get("custom_fields")),
        remote_url=f"{app_url}/people/{cid}",
        remote_created_at=parse_time(raw.get("created_at")),
        remote_updated_at=parse_time(raw.get("updated_at")),
        tag_remote_ids=candidate_tag_ids(raw, applied_tags, tags),
        remote_data=raw,
    )


_OUTCOMES: dict[str, Outcome | None] = {
    "hired": "HIRED",
    "rejected": "DECLINED",
    "in_process": "PENDING",
    "active": "PENDING",  # the query parameter's word for in_process
    # A prospect application promoted to a candidate application (a new one): closed, no outcome.
    "converted": None,
}


def application_outcome(raw: Json) -> Outcome | None:
    """hired -> HIRED; rejected -> DECLINED whoever rejected (the reason's `type.key` WE_REJECTED_THEM
    or THEY_REJECTED_US: Kombo's DECLINED covers both); in_process -> PENDING; converted -> None. A
    status Greenhouse adds later: DECLINED when `rejected_at` is set, else PENDING."""
    status = raw.get("status")
    if isinstance(status, str) and status in _OUTCOMES:
        return _OUTCOMES[status]
    return "DECLINED" if raw.get("rejected_at") else "PENDING"


def current_stage_id(raw: Json, stage_history: Iterable[Json] = ()) -> str | None:
    """`job_interview_stage_id`; v3 leaves it null on rejected and hired applications, whose last stage
    is then the one of their `/v3/application_stages` history: the `current` row, else the latest
    entered (ties by id)."""
    if (stage := remote_id(raw.get("job_interview_stage_id"))) is not None:
        return stage
    rows = _of(stage_history, "application_id", _required(raw, "id", "application"))
    current = [r for r in rows if r.get("current")] or rows
    if not current:
        return None
    latest = max(
        current,
        key=lambda r: (
            parse_time(r.get("entered_at")) or datetime.min.replace(tzinfo=UTC),
            _id_order(remote_id(r.get("id")) or ""),
        ),
    )
    return remote_id(latest.get("job_interview_stage_id"))


def map_application(
    raw: Json,
    *,
    rejection_reasons: Mapping[str, Json] | None = None,
    stage_history: Iterable[Json] = (),
    app_url: str = APP_URL,
) -> Application:
    """A `/v3/applications` row. `rejection_reasons`: the dictionary by id; `stage_history`: its
    `/v3/application_stages` rows (needed only when `job_interview_stage_id` is null). A prospect
    application without a job has no job and no stage."""
    aid = _required(raw, "id", "application")
    outcome = application_outcome(raw)
    declined = outcome == "DECLINED"
    reason = (rejection_reasons or {}).get(remote_id(raw.get("rejection_reason_id")) or "")
    history = _of(stage_history, "application_id", aid)
    candidate = remote_id(raw.get("candidate_id"))
    answers = tuple(
        ScreeningAnswer(None, _text(a.get("question")) or "", "TEXT", {"content": _text(a.get("answer"))})
        for a in raw.get("answers") or []
        if isinstance(a, Mapping)
    )
    return Application(
        remote_id=aid,
        candidate_remote_id=candidate,
        job_remote_id=remote_id(raw.get("job_id")),
        current_stage_remote_id=current_stage_id(raw, history) if raw.get("job_id") is not None else None,
        outcome=outcome,
        # A reason left on an application that was unrejected (or hired) is no rejection.
        rejection_reason_name=_text(reason.get("name")) if reason and declined else None,
        rejected_at=parse_time(raw.get("rejected_at")) if declined else None,
        custom_fields=custom_fields(raw.get("custom_fields")),
        remote_url=f"{app_url}/people/{candidate}?application_id={aid}" if candidate else None,
        screening_question_answers=answers,
        remote_created_at=parse_time(raw.get("created_at")),
        remote_updated_at=parse_time(raw.get("updated_at")),
        remote_data={**raw, "application_stages": history} if history else raw,
    )


# --- interviews and scorecards -------------------------------------------------------------------------


def map_interview(
    raw: Json, *, interviewers: Iterable[Json] = (), job_interviews: Mapping[str, Json] | None = None
) -> Interview:
    """A `/v3/interviews` row with its panel (`/v3/interviewers` rows) and its slot on the job's
    interview plan (`/v3/job_interviews`, by id): the slot's name is the title, the slot's stage the
    stage. All-day interviews run from the start day's midnight to the midnight after the end day.
    v3 has no cancelled state (a cancelled interview is deleted); `skipped` -> canceled."""
    iid = _required(raw, "id", "interview")
    slot = (job_interviews or {}).get(remote_id(raw.get("job_interview_id")) or "")
    panel = _of(interviewers, "interview_id", iid)
    start, end = parse_time(raw.get("starts_at")), parse_time(raw.get("ends_at"))
    if start is None and (first_day := parse_day(raw.get("all_day_start_on"))) is not None:
        start = _midnight(first_day)
        last_day = parse_day(raw.get("all_day_end_on")) or first_day
        end = _midnight(last_day + timedelta(days=1))
    location = _text(raw.get("location"))
    users = {u for row in panel if (u := remote_id(row.get("user_id"))) is not None}
    return Interview(
        remote_id=iid,
        application_remote_id=remote_id(raw.get("application_id")),
        stage_remote_id=remote_id(slot.get("job_interview_stage_id")) if slot else None,
        title=_text(slot.get("name")) if slot else None,
        starting_at=start,
        ending_at=end,
        canceled=raw.get("status") == "skipped",
        video_conferencing_url=_text(raw.get("video_conferencing_url")),
        location=Location(raw=location) if location else None,
        remote_created_at=parse_time(raw.get("created_at")),
        remote_updated_at=parse_time(raw.get("updated_at")),
        user_remote_ids=tuple(sorted(users, key=_id_order)),
        remote_data={**raw, "interviewers": panel},
    )


def scorecard_interviews(interviewers: Iterable[Json]) -> dict[str, str]:
    """Scorecard id -> interview id, from `/v3/interviewers` (a scorecard belongs to one panel seat)."""
    return {
        s: i
        for row in interviewers
        if (s := remote_id(row.get("scorecard_id"))) is not None and (i := remote_id(row.get("interview_id")))
    }


RATINGS = {"strong_no": "Definitely Not", "no": "No", "yes": "Yes", "strong_yes": "Strong Yes"}
ResponseType = Literal["TEXT", "SINGLE_SELECT", "MULTI_SELECT", "BOOLEAN", "NUMBER", "DATE"]
_ANSWER_TYPES: dict[str, ResponseType] = {
    "text": "TEXT",
    "yes_no": "BOOLEAN",
    "single_select": "SINGLE_SELECT",
    "multi_select": "MULTI_SELECT",
}


def _recommendation(raw: Json) -> ScorecardResponse:
    """The overall recommendation, outside the kit's questions (remote_id null, as Kombo does)."""
    rating = raw.get("candidate_rating")
    answer = {"remote_id": rating, "label": RATINGS[rating]} if rating in RATINGS else None  # no_decision: none
    return ScorecardResponse(
        remote_id=None,
        label="Overall Recommendation",
        type="SINGLE_SELECT",
        answer=answer,
        options=tuple({"remote_id": k, "label": v} for k, v in RATINGS.items()),
    )


def map_scorecard(
    raw: Json,
    *,
    candidate_remote_id: str | None = None,
    interview_remote_id: str | None = None,
    questions: Mapping[str, Json] | None = None,
    answers: Iterable[Json] = (),
    question_options: Iterable[Json] = (),
    answer_options: Iterable[Json] = (),
) -> Scorecard | None:
    """A submitted `/v3/scorecards` row (None for a draft: Greenhouse's placeholder per interviewer).
    Responses: the overall recommendation; each question of its kit (`questions` by id) in order with
    this scorecard's `answers` (select ones through `answer_options` -> `question_options`); the key
    take-aways. `interview_remote_id`: see `scorecard_interviews`."""
    sid = _required(raw, "id", "scorecard")
    if raw.get("status") != "complete":
        return None
    mine = _of(answers, "scorecard_id", sid)
    by_question = {q: a for a in mine if (q := remote_id(a.get("scorecard_question_id"))) is not None}
    kit = remote_id(raw.get("interview_kit_id"))
    options_of = _group(question_options, "scorecard_question_id")
    names = {remote_id(o.get("id")): _text(o.get("name")) or "" for o in question_options}
    chosen = {
        answer: sorted((remote_id(r.get("scorecard_question_option_id")) or "" for r in rows), key=_id_order)
        for answer, rows in _group(answer_options, "scorecard_question_answer_id").items()
    }
    responses = [_recommendation(raw)]
    for qid, question in sorted((questions or {}).items(), key=lambda item: _position(item[1])):
        mine_or_kit = qid in by_question or (kit is not None and remote_id(question.get("interview_kit_id")) == kit)
        if not mine_or_kit or question.get("answer_type") == "instruction":
            continue
        if question.get("active") is False and qid not in by_question:
            continue
        type_ = _ANSWER_TYPES.get(str(question.get("answer_type")), "TEXT")
        row = by_question.get(qid)
        picked = [
            {"remote_id": o, "label": names.get(o, "")} for o in chosen.get(remote_id((row or {}).get("id")) or "", [])
        ]
        value: Any = None
        if row is not None:
            value = {
                "BOOLEAN": row.get("boolean_value") if isinstance(row.get("boolean_value"), bool) else None,
                "SINGLE_SELECT": picked[0] if picked else None,
                "MULTI_SELECT": picked,
            }.get(type_, _text(row.get("answer")))
        selects = type_ in ("SINGLE_SELECT", "MULTI_SELECT")
        options = sorted(options_of.get(qid, []), key=_position) if selects else []
        responses.append(
            ScorecardResponse(
                remote_id=qid,
                label=_plain(question.get("question")),
                type=type_,
                answer=value,
                required=question.get("required") if isinstance(question.get("required"), bool) else None,
                options=tuple({"remote_id": remote_id(o["id"]), "label": _text(o.get("name")) or ""} for o in options),
            )
        )
    if (notes := _text(raw.get("notes"))) is not None:  # private notes are no response (they need a permission)
        responses.append(ScorecardResponse(remote_id=None, label="Key Take-Aways", type="TEXT", answer=notes))
    return Scorecard(
        remote_id=sid,
        candidate_remote_id=candidate_remote_id,
        application_remote_id=remote_id(raw.get("application_id")),
        interview_remote_id=interview_remote_id,
        # Whose opinion it is: the interviewer (an admin may submit on their behalf: submitter_id).
        author_remote_id=remote_id(raw.get("interviewer_id")),
        responses=tuple(responses),
        remote_created_at=parse_time(raw.get("created_at")),
        remote_updated_at=parse_time(raw.get("updated_at")),
        remote_data={**raw, "scorecard_question_answers": mine} if mine else raw,
    )


# --- offers, notes, attachments ------------------------------------------------------------------------


def current_offers(rows: Iterable[Json]) -> list[Json]:
    """The latest version per application, as `current_only=true` lists them (for rows read without it)."""
    groups = _group(rows, "application_id", "offer")
    return [
        max(groups[app], key=lambda r: (r.get("version") or 0, _id_order(remote_id(r.get("id")) or "")))
        for app in sorted(groups, key=_id_order)
    ]


def offer_status(raw: Json) -> OfferStatus | None:
    """Created -> SENT once `sent_on` is set, else DRAFT (drafting or awaiting approval: v3 tells
    approval apart only through /v3/approval_flows); Accepted -> ACCEPTED; Rejected (declined or
    withdrawn) -> DECLINED; Deprecated (a current version is deprecated when its application is
    rejected) -> ABANDONED; anything else None."""
    status = raw.get("status")
    if status == "Created":
        return "SENT" if raw.get("sent_on") else "DRAFT"
    return {"Accepted": "ACCEPTED", "Rejected": "DECLINED", "Deprecated": "ABANDONED"}.get(str(status))  # type: ignore[return-value]


def map_offer(raw: Json) -> Offer:
    """The current version of an application's offer (`/v3/offers?current_only=true`). Remote id: the
    application's id (see the module doc); the version's own id and number stay in remote_data.
    remote_created_at is this version's creation."""
    return Offer(
        remote_id=_required(raw, "application_id", "offer"),
        application_remote_id=_required(raw, "application_id", "offer"),
        status=offer_status(raw),
        employment_start_date=_midnight(parse_day(raw.get("starts_on"))),
        custom_fields=custom_fields(raw.get("custom_fields")),
        remote_created_at=parse_time(raw.get("created_at")),
        remote_updated_at=parse_time(raw.get("updated_at")),
        remote_data=raw,
    )


def _note_html(body: str) -> str:
    """Greenhouse note bodies are plain text with newlines; Kombo's content is HTML."""
    return "<br>".join(html.escape(line) for line in body.split("\n"))


def map_note(raw: Json) -> Note | None:
    """A `/v3/notes` row of type NOTE (None for the other types: logged emails, system activity,
    interview and feedback entries, LinkedIn messages... are not notes). Private unless
    `publicly_visible` (`privately_visible` needs a permission, `admin_only_visible` is admins only)."""
    nid = _required(raw, "id", "note")
    if raw.get("type") != "NOTE":
        return None
    body = _text(raw.get("body"))
    visibility = raw.get("visibility")
    return Note(
        remote_id=nid,
        candidate_remote_id=_required(raw, "candidate_id", "note"),
        application_remote_id=remote_id(raw.get("application_id")),
        author_remote_id=remote_id(raw.get("user_id")),
        title=_text(raw.get("subject")),
        content_html=_note_html(body) if body else None,
        is_private=None if visibility is None else visibility != "publicly_visible",
        remote_created_at=parse_time(raw.get("created_at")),
        remote_updated_at=parse_time(raw.get("updated_at")),
        remote_data=raw,
    )


ATTACHMENT_TYPES: dict[str, Literal["CV", "COVER_LETTER", "OTHER"]] = {
    "resume": "CV",
    "cover_letter": "COVER_LETTER",
}


def map_attachment(raw: Json) -> Attachment:
    """A `/v3/attachments` row: resume -> CV, cover_letter -> COVER_LETTER, every other type (take-home
    tests, offer letters, forms, agreements) -> OTHER; content type from the file name. Its `url`
    expires after 7 days: download through a freshly listed row (`ids=<id>`)."""
    name = _text(raw.get("filename"))
    return Attachment(
        remote_id=_required(raw, "id", "attachment"),
        candidate_remote_id=remote_id(raw.get("candidate_id")),
        application_remote_id=remote_id(raw.get("application_id")),
        type=ATTACHMENT_TYPES.get(str(raw.get("type")), "OTHER"),
        file_name=name,
        content_type=mimetypes.guess_type(name)[0] if name else None,
        remote_created_at=parse_time(raw.get("created_at")),
        remote_updated_at=parse_time(raw.get("updated_at")),
        remote_data=raw,
    )
