"""From a validated request to the `Action` a connector performs: every Kombo id resolved to the
record it names in the integration (`Lookup`), checked the way Kombo checks it (a stage of the
application's job, a job that takes applications, answers that fit their questions), and the
response rendered from the stored rows after the write-back.

One `Spec` per endpoint: its action id, body model, the optional fields a connector must declare to
accept (`optional`), the model its path id names, how to build the action, and what it answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection

from hirebridge import ids
from hirebridge.actions import bodies as b
from hirebridge.connectors.registry import ActionFailed, ActionResult
from hirebridge.model import actions as a
from hirebridge.model.records import EmailAddress, Location, PhoneNumber
from hirebridge.serving.ats import applications, candidates
from hirebridge.store import listing as store_listing
from hirebridge.timefmt import to_wire

REMOTE = "remote:"

_NAMES = {
    "applications": "application",
    "candidates": "candidate",
    "jobs": "job",
    "application_stages": "stage",
    "rejection_reasons": "rejection reason",
    "users": "user",
    "interviews": "interview",
    "screening_questions": "screening question",
}


def not_found(model: str, record_id: str, field: str) -> ActionFailed:
    return ActionFailed(
        404, "PLATFORM.INPUT_INVALID", f"No {_NAMES.get(model, model)} with the ID '{record_id}' ({field}) was found."
    )


def invalid(message: str) -> ActionFailed:
    return ActionFailed(400, "PLATFORM.INPUT_INVALID", message)


@dataclass(frozen=True, slots=True)
class Lookup:
    """Resolves Kombo ids (or `remote:<source id>`) to Targets of one integration, in `conn`'s snapshot."""

    conn: Connection
    integration_id: str

    def find(self, model: str, record_id: str) -> a.Target | None:
        remote = record_id[len(REMOTE) :] if record_id.startswith(REMOTE) else None
        kombo_id = ids.record_id(self.integration_id, model, remote) if remote is not None else record_id
        found = store_listing.live_records(self.conn, model, self.integration_id, [kombo_id]).get(kombo_id)
        if found is None:
            # `remote:` names a record the source has even if no sync stored it (Kombo's rule for jobs).
            return None if remote is None or not remote else a.Target(model, remote)
        remote_id, remote_data, data = found
        return a.Target(model, remote_id, remote_data, data)

    def get(self, model: str, record_id: str, field: str) -> a.Target:
        target = self.find(model, record_id)
        if target is None:
            raise not_found(model, record_id, field)
        return target

    def kombo_id(self, target: a.Target) -> str:
        return ids.record_id(self.integration_id, target.model, target.remote_id)


@dataclass(frozen=True, slots=True)
class Context:
    """What building an action needs besides the body: the lookup, the path's record, the decoded
    files (by the field that gave them: `attachments.0`, `screening_question_answers.2.answer`), and
    the environment's name (the source written on created candidates, as Kombo's automatic source)."""

    lookup: Lookup
    path_id: str | None
    files: Mapping[str, a.FileUpload]
    environment_name: str
    tool: str
    # What the response's `warnings` say of the request (an unknown screening question: skipped).
    warnings: list[str] = field(default_factory=list)


Builder = Callable[[Context, Any], a.Action]
Responder = Callable[[Connection, str, a.Action, ActionResult], Any]


@dataclass(frozen=True, slots=True)
class Spec:
    action: str
    body: type[BaseModel]
    optional: tuple[str, ...]
    path_model: str | None
    build: Builder
    respond: Responder


def files_of(body: BaseModel) -> list[tuple[str, b.FileIn]]:
    """The files a body carries, with the field each came from."""
    found: list[tuple[str, b.FileIn]] = []
    for index, attachment in enumerate(getattr(body, "attachments", None) or ()):
        found.append((f"attachments.{index}", attachment))
    if isinstance(body, b.AttachmentBody):
        found.append(("attachment", body.attachment))
    for index, answer in enumerate(getattr(body, "screening_question_answers", None) or ()):
        if isinstance(answer.answer, b.FileIn):
            found.append((f"screening_question_answers.{index}.answer", answer.answer))
    return found


def present(body: Mapping[str, Any], names: Sequence[str]) -> list[str]:
    """Which of the dotted optional field `names` the raw body gives a value (not null)."""
    given = []
    for name in names:
        value: Any = body
        for part in name.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        if value is not None and value != []:
            given.append(name)
    return given


# --- create application / candidate ----------------------------------------------------------------

_CANDIDATE_OPTIONAL = tuple(
    f"candidate.{name}"
    for name in (
        "additional_email_addresses",
        "company",
        "title",
        "phone_number",
        "additional_phone_numbers",
        "location",
        "gender",
        "availability_date",
        "salary_expectations",
        "social_links",
    )
)
_CREATE_OPTIONAL = (
    *_CANDIDATE_OPTIONAL,
    "attachments",
    "sourced_by",
    "gdpr_consent",
    "screening_question_answers",
)


def _candidate(body: b.CandidateIn) -> a.NewCandidate:
    location = body.location
    salary = body.salary_expectations
    return a.NewCandidate(
        first_name=body.first_name,
        last_name=body.last_name,
        email_address=body.email_address,
        additional_email_addresses=tuple(
            EmailAddress(e.email_address, e.type) for e in body.additional_email_addresses or ()
        ),
        company=body.company,
        title=body.title,
        phone_number=body.phone_number,
        additional_phone_numbers=tuple(
            PhoneNumber(p.phone_number, p.type) for p in body.additional_phone_numbers or ()
        ),
        location=None
        if location is None
        else Location(
            city=location.city,
            country=location.country,
            state=location.state,
            street_1=location.street_1,
            zip_code=location.zip_code,
        ),
        gender=body.gender,
        availability_date=body.availability_date,
        salary_period=None if salary is None else salary.period,
        salary_amount=None if salary is None else salary.amount,
        social_links=tuple(link.url for link in body.social_links or ()),
    )


def _stage_of(context: Context, job_id: str | None, stage_id: str, field: str, whose: str = "the job") -> a.Target:
    """The stage `stage_id` names, refused unless it is a stage of the job `job_id` (when both are known)."""
    stage = context.lookup.get("application_stages", stage_id, field)
    if job_id is not None and stage.data is not None and stage.data.get("job_id") not in (None, job_id):
        raise invalid(f"The stage '{stage_id}' ({field}) is not a stage of {whose} '{job_id}'.")
    return stage


_ANSWER_TYPES: dict[str, Callable[[Any], bool]] = {
    "TEXT": lambda v: isinstance(v, str),
    "SINGLE_SELECT": lambda v: isinstance(v, str),
    "MULTI_SELECT": lambda v: isinstance(v, list),
    "BOOLEAN": lambda v: isinstance(v, bool),
    "NUMBER": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "DATE": lambda v: isinstance(v, str),
    "FILE": lambda v: isinstance(v, b.FileIn),
}


def _option(question: a.Target, option_id: str, field: str) -> str:
    """The source's id of one of the question's options, named by its Kombo id (or `remote:`)."""
    options = ((question.data or {}).get("format") or {}).get("options") or []
    for option in options:
        if option_id in (option.get("id"), f"{REMOTE}{option.get('remote_id')}"):
            return str(option.get("remote_id"))
    raise invalid(f"The field '{field}' names no option of its question: '{option_id}'.")


def _answers(
    context: Context, job: a.Target, answers: Sequence[b.AnswerIn], warnings: list[str]
) -> tuple[a.ScreeningAnswerInput, ...]:
    job_id = context.lookup.kombo_id(job)
    resolved = []
    for index, answer in enumerate(answers):
        where = f"screening_question_answers.{index}"
        question = context.lookup.find("screening_questions", answer.question_id)
        data = question.data if question is not None else None
        if question is None or data is None or data.get("job_id") not in (None, job_id):
            # Kombo: an unknown question id is a warning, not an error.
            warnings.append(f"The screening question '{answer.question_id}' is not a question of this job; skipped.")
            continue
        kind = (data.get("format") or {}).get("type") or "UNKNOWN"
        check = _ANSWER_TYPES.get(kind)
        if check is None:  # Kombo skips unsupported question types
            warnings.append(f"The screening question '{answer.question_id}' has an unsupported type ({kind}); skipped.")
            continue
        value = answer.answer
        if not check(value):
            raise invalid(f"The field '{where}.answer' does not fit its {kind} question.")
        if kind == "DATE":
            try:
                date.fromisoformat(str(value)[:10])
            except ValueError:
                raise invalid(f"The field '{where}.answer' must be an ISO-8601 date.") from None
        if kind == "SINGLE_SELECT":
            value = _option(question, str(value), f"{where}.answer")
        elif kind == "MULTI_SELECT" and isinstance(value, list):
            value = [_option(question, str(item), f"{where}.answer") for item in value]
        file = context.files.get(f"{where}.answer") if kind == "FILE" else None
        resolved.append(a.ScreeningAnswerInput(question, None if file is not None else value, file))
    return tuple(resolved)


def _create(
    context: Context, body: b.CreateApplicationBody | b.CreateCandidateBody, job_id: str
) -> a.CreateApplication:
    lookup = context.lookup
    field = "job_id" if isinstance(body, b.CreateApplicationBody) else "application.job_id"
    job = lookup.get("jobs", job_id, field)
    status = (job.data or {}).get("status")
    if status is not None and status != "OPEN":
        raise ActionFailed(400, "ATS.JOB_CLOSED", f"The job '{job_id}' is {status.lower()}: it takes no applications.")
    stage_id = body.stage_id if isinstance(body, b.CreateApplicationBody) else body.application.stage_id
    stage_field = "stage_id" if isinstance(body, b.CreateApplicationBody) else "application.stage_id"
    stage = None if stage_id is None else _stage_of(context, lookup.kombo_id(job), stage_id, stage_field)
    answers = _answers(context, job, body.screening_question_answers or (), context.warnings)
    attachments = tuple(context.files[f"attachments.{i}"] for i in range(len(body.attachments or ())))
    source = body.source.name if body.source is not None and body.source.name else context.environment_name
    sourced_by = None if body.sourced_by is None else lookup.get("users", body.sourced_by.user_id, "sourced_by.user_id")
    gdpr = body.gdpr_consent
    return a.CreateApplication(
        job=job,
        candidate=_candidate(body.candidate),
        stage=stage,
        attachments=attachments,
        screening_answers=answers,
        source_name=source,
        sourced_by=sourced_by,
        gdpr_consent_given=None if gdpr is None else gdpr.given,
        gdpr_consent_expires_at=None if gdpr is None else gdpr.expires_at,
        remote_fields=body.remote_fields or {},
        action=a.CREATE_APPLICATION if isinstance(body, b.CreateApplicationBody) else a.CREATE_CANDIDATE,
    )


def _created(conn: Connection, integration_id: str, result: ActionResult, model: str) -> dict[str, Any]:
    if result.created is None or result.created[0] != model:
        raise RuntimeError(f"the connector reported no created {model}")
    record_id = ids.record_id(integration_id, model, result.created[1])
    listing = applications.LISTING if model == "applications" else candidates.LISTING
    rows = store_listing.rows_by_id(conn, model, [record_id])
    if not rows:
        raise RuntimeError(f"the created {model} record {record_id} was not written back")
    item: dict[str, Any] = listing.serialize(conn, rows)[0]
    return item


def _application_answer(
    conn: Connection, integration_id: str, _action: a.Action, result: ActionResult
) -> dict[str, Any]:
    """The created application, with its candidate in full (Kombo's create-application response)."""
    item = _created(conn, integration_id, result, "applications")
    item.pop("interviews", None)
    item.pop("offers", None)
    rows = store_listing.rows_by_id(conn, "candidates", [item["candidate_id"]]) if item.get("candidate_id") else []
    if rows:
        candidate = candidates.LISTING.serialize(conn, rows)[0]
        candidate.pop("applications", None)
        item["candidate"] = candidate
    return item


def _candidate_answer(conn: Connection, integration_id: str, _action: a.Action, result: ActionResult) -> dict[str, Any]:
    if result.created is not None and result.created[0] == "applications":
        application = store_listing.rows_by_id(
            conn, "applications", [ids.record_id(integration_id, "applications", result.created[1])]
        )
        if not application:
            raise RuntimeError("the created application was not written back")
        candidate_id = applications.LISTING.serialize(conn, application)[0]["candidate_id"]
        rows = store_listing.rows_by_id(conn, "candidates", [candidate_id])
        return candidates.LISTING.serialize(conn, rows)[0]
    return _created(conn, integration_id, result, "candidates")


def _empty(_conn: Connection, _integration_id: str, _action: a.Action, _result: ActionResult) -> dict[str, Any]:
    return {}


# --- the other actions -----------------------------------------------------------------------------


def _application(context: Context) -> a.Target:
    assert context.path_id is not None
    return context.lookup.get("applications", context.path_id, "application_id")


def _candidate_target(context: Context) -> a.Target:
    assert context.path_id is not None
    return context.lookup.get("candidates", context.path_id, "candidate_id")


def _move(context: Context, body: b.StageBody) -> a.Action:
    application = _application(context)
    job_id = (application.data or {}).get("job_id")
    stage = _stage_of(context, job_id, body.stage_id, "stage_id", "the application's job")
    return a.MoveApplicationStage(application, stage, body.remote_fields or {})


def _reject(context: Context, body: b.RejectBody) -> a.Action:
    reason = context.lookup.get("rejection_reasons", body.rejection_reason_id, "rejection_reason_id")
    return a.RejectApplication(_application(context), reason, body.note, body.remote_fields or {})


def _note(context: Context, body: b.NoteBody) -> a.Action:
    return a.AddNote(_application(context), body.content, body.remote_fields or {})


def _attachment(owner: Callable[[Context], a.Target], action: str) -> Builder:
    def build(context: Context, body: b.AttachmentBody) -> a.Action:
        return a.AddAttachment(owner(context), context.files["attachment"], body.remote_fields or {}, action=action)

    return build


def _result_link(owner: Callable[[Context], a.Target], action: str) -> Builder:
    def build(context: Context, body: b.ResultLinkBody) -> a.Action:
        details = body.details
        return a.AddResultLink(
            owner(context),
            body.label,
            body.url,
            None if details is None else details.custom_field_name_prefix,
            () if details is None else tuple((item.key, item.value) for item in details.attributes),
            body.remote_fields or {},
            action=action,
        )

    return build


def _tag(action: str) -> Builder:
    def build(context: Context, body: b.TagBody) -> a.Action:
        return a.CandidateTag(
            _candidate_target(context), body.tag.name.strip(), body.remote_fields or {}, action=action
        )

    return build


def _interview(context: Context, body: b.InterviewBody) -> a.Action:
    if body.end_time <= body.start_time:
        raise invalid("The field 'end_time' must be after 'start_time'.")
    lookup = context.lookup
    interviewers = tuple(
        lookup.get("users", user_id, f"interviewer_user_ids.{i}") for i, user_id in enumerate(body.interviewer_user_ids)
    )
    application = _application(context)
    interview = None
    if isinstance(body, b.InterviewUpdateBody):
        interview = lookup.get("interviews", body.interview_id, "interview_id")
        if (interview.data or {}).get("application_id") not in (None, lookup.kombo_id(application)):
            raise invalid(f"The interview '{body.interview_id}' is not an interview of this application.")
    return a.InterviewInput(
        application=application,
        title=body.title,
        starting_at=body.start_time,
        ending_at=body.end_time,
        interviewers=interviewers,
        organizer=lookup.get("users", body.organizer_user_id, "organizer_user_id"),
        location_type=body.location.type,
        location_address=body.location.address,
        interview=interview,
        action=a.UPDATE_INTERVIEW if interview is not None else a.CREATE_INTERVIEW,
    )


def _import_key(tool: str) -> tuple[str, ...]:
    """The body keys an import names its application under for `tool`: its own, and Greenhouse's v3 name."""
    return ("greenhouse", "greenhousev3") if tool == "greenhouse" else (tool,)


def _import_tracked(context: Context, body: b.ImportTrackedBody) -> a.Action:
    extra = dict(body.model_extra or {})
    keys = [key for key in extra if key in _import_key(context.tool)]
    if len(extra) != 1 or not keys:
        raise invalid(
            "The body must name the application under exactly one tool key, this integration's: "
            f"{' or '.join(_import_key(context.tool))}."
        )
    given = extra[keys[0]]
    if not isinstance(given, dict):
        raise invalid(f"The field '{keys[0]}' must be an object.")
    remote_id = given.get("application_id") or given.get("application_remote_id")
    if not isinstance(remote_id, str | int) or isinstance(remote_id, bool) or not str(remote_id):
        raise invalid(f"The field '{keys[0]}.application_id' (or 'application_remote_id') is required.")
    return a.ImportTrackedApplication(str(remote_id), body.tracked_at, imported=extra)


def _import_answer(_conn: Connection, integration_id: str, action: a.Action, result: ActionResult) -> dict[str, Any]:
    assert isinstance(action, a.ImportTrackedApplication)
    if result.created is None:
        raise RuntimeError("the connector reported no imported application")
    return {
        "id": ids.record_id(integration_id, "applications", result.created[1]),
        "tracked_at": to_wire(action.tracked_at),
        "imported_id": dict(action.imported),
    }


SPECS: dict[str, Spec] = {
    a.CREATE_APPLICATION: Spec(
        a.CREATE_APPLICATION,
        b.CreateApplicationBody,
        ("stage_id", *_CREATE_OPTIONAL),
        "jobs",
        lambda context, body: _create(context, body, context.path_id or ""),
        _application_answer,
    ),
    a.CREATE_CANDIDATE: Spec(
        a.CREATE_CANDIDATE,
        b.CreateCandidateBody,
        ("application.stage_id", *_CREATE_OPTIONAL),
        None,
        lambda context, body: _create(context, body, body.application.job_id),
        _candidate_answer,
    ),
    a.MOVE_APPLICATION_STAGE: Spec(a.MOVE_APPLICATION_STAGE, b.StageBody, (), "applications", _move, _empty),
    a.REJECT_APPLICATION: Spec(a.REJECT_APPLICATION, b.RejectBody, ("note",), "applications", _reject, _empty),
    a.ADD_APPLICATION_NOTE: Spec(a.ADD_APPLICATION_NOTE, b.NoteBody, (), "applications", _note, _empty),
    a.ADD_APPLICATION_ATTACHMENT: Spec(
        a.ADD_APPLICATION_ATTACHMENT,
        b.AttachmentBody,
        (),
        "applications",
        _attachment(_application, a.ADD_APPLICATION_ATTACHMENT),
        _empty,
    ),
    a.ADD_CANDIDATE_ATTACHMENT: Spec(
        a.ADD_CANDIDATE_ATTACHMENT,
        b.AttachmentBody,
        (),
        "candidates",
        _attachment(_candidate_target, a.ADD_CANDIDATE_ATTACHMENT),
        _empty,
    ),
    a.ADD_APPLICATION_RESULT_LINK: Spec(
        a.ADD_APPLICATION_RESULT_LINK,
        b.ResultLinkBody,
        ("details",),
        "applications",
        _result_link(_application, a.ADD_APPLICATION_RESULT_LINK),
        _empty,
    ),
    a.ADD_CANDIDATE_RESULT_LINK: Spec(
        a.ADD_CANDIDATE_RESULT_LINK,
        b.ResultLinkBody,
        ("details",),
        "candidates",
        _result_link(_candidate_target, a.ADD_CANDIDATE_RESULT_LINK),
        _empty,
    ),
    a.ADD_CANDIDATE_TAG: Spec(a.ADD_CANDIDATE_TAG, b.TagBody, (), "candidates", _tag(a.ADD_CANDIDATE_TAG), _empty),
    a.REMOVE_CANDIDATE_TAG: Spec(
        a.REMOVE_CANDIDATE_TAG, b.TagBody, (), "candidates", _tag(a.REMOVE_CANDIDATE_TAG), _empty
    ),
    a.CREATE_INTERVIEW: Spec(
        a.CREATE_INTERVIEW, b.InterviewBody, ("location.address",), "applications", _interview, _empty
    ),
    a.UPDATE_INTERVIEW: Spec(
        a.UPDATE_INTERVIEW, b.InterviewUpdateBody, ("location.address",), "applications", _interview, _empty
    ),
    a.IMPORT_TRACKED_APPLICATION: Spec(
        a.IMPORT_TRACKED_APPLICATION, b.ImportTrackedBody, (), None, _import_tracked, _import_answer
    ),
}


LABELS: dict[str, str] = {
    a.CREATE_APPLICATION: "Create application",
    a.CREATE_CANDIDATE: "Create candidate",
    a.MOVE_APPLICATION_STAGE: "Move application to stage",
    a.REJECT_APPLICATION: "Reject application",
    a.ADD_APPLICATION_NOTE: "Add note to application",
    a.ADD_APPLICATION_ATTACHMENT: "Add attachment to application",
    a.ADD_CANDIDATE_ATTACHMENT: "Add attachment to candidate",
    a.ADD_APPLICATION_RESULT_LINK: "Add result link to application",
    a.ADD_CANDIDATE_RESULT_LINK: "Add result link to candidate",
    a.ADD_CANDIDATE_TAG: "Add tag to candidate",
    a.REMOVE_CANDIDATE_TAG: "Remove tag from candidate",
    a.CREATE_INTERVIEW: "Create interview",
    a.UPDATE_INTERVIEW: "Update interview",
    a.IMPORT_TRACKED_APPLICATION: "Import tracked application",
}


def coverage(supported: Mapping[str, a.ActionSupport]) -> list[tuple[str, str, bool, list[tuple[str, bool]]]]:
    """Every action with its label, whether the tool performs it, and each of its optional fields
    with whether the tool writes it: Kombo's `write_actions` coverage (GET /tools, integrations)."""
    out = []
    for action in a.ACTIONS:
        support = supported.get(action)
        fields = [(name, support is not None and name in support.fields) for name in SPECS[action].optional]
        out.append((action, LABELS[action], support is not None, fields))
    return out
