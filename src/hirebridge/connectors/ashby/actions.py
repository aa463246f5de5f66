"""Ashby's write actions: Kombo's actions as Ashby RPC calls, and the records they changed.

Every call is `POST /<entity>.<verb>` with a JSON body. Ashby refuses most bad input with HTTP 200
and `success: false` (`errorInfo {code, message}`): that is REMOTE.INPUT_INVALID with Ashby's message,
401/403/429/5xx are classified by `refusal()`. Reads (`*.info`, `candidate.search`,
`interviewStage.list`) may be repeated; a write is sent once (Ashby honours no idempotency key), so
a write that got no answer is OutcomeUnknown and nobody sends it again blindly.

What comes back is built with the streams' own mapping (mapping.py) from Ashby's answers -- the
changed application or candidate as `*.info` and the write endpoints return it, which is the shape
the listings return -- so the next sync finds nothing new.

Ashby documents neither a refusal for a candidate applying twice to a job nor one for a closed
job, so both are checked before anything is written: the job is read (`job.info`, status `Open`),
and a candidate found by email (`candidate.search`; Kombo attaches the application to a matching
candidate instead of creating another) has its applications read (`application.info`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from hirebridge.connectors.ashby import mapping
from hirebridge.connectors.framework import NoAuth, RpcError, rpc_failure
from hirebridge.connectors.framework.actions import ActionFailed, ActionResult, refusal
from hirebridge.connectors.framework.http import SourceClient
from hirebridge.connectors.framework.runtime import ConnectorRuntime
from hirebridge.connectors.framework.webhooks import Ref, Refetched
from hirebridge.model import actions as kombo
from hirebridge.model.actions import (
    Action,
    ActionSupport,
    AddAttachment,
    AddNote,
    AddResultLink,
    AttachmentType,
    CandidateTag,
    CreateApplication,
    FileUpload,
    ImportTrackedApplication,
    InterviewInput,
    MoveApplicationStage,
    NewCandidate,
    RejectApplication,
    Target,
)
from hirebridge.model.records import Record

Json = dict[str, Any]

_NEW_CANDIDATE_FIELDS = frozenset(
    {
        "candidate.phone_number",
        "candidate.additional_email_addresses",
        "candidate.location",
        "candidate.social_links",
        "attachments",
    }
)
_FILES: frozenset[AttachmentType] = frozenset({"CV", "COVER_LETTER", "OTHER"})
_FILES_NOTE = (
    "Files belong to Ashby's candidate (an application's attachment lands on its candidate); the first CV "
    "is uploaded as the résumé, every other file as a plain file, which Ashby lists as OTHER."
)
_LINK_NOTE = "Ashby has no result links: the link is written as a note on the candidate ('<label>: <url>', then one "
_LINK_NOTE += "'<prefix> <key>: <value>' line per attribute)."
_CREATE_NOTE = (
    "An existing candidate with the same email gets the application (its details are not changed). "
    "Ashby's candidate.create takes no company, title, further phone numbers, gender, availability, salary "
    "or GDPR consent, and one LinkedIn, one GitHub and one other link. No source is written: Ashby's "
    "sources are a list the customer manages. " + _FILES_NOTE
)

SUPPORT: Mapping[str, ActionSupport] = {
    kombo.CREATE_APPLICATION: ActionSupport(
        fields=_NEW_CANDIDATE_FIELDS | {"stage_id"}, attachment_types=_FILES, note=_CREATE_NOTE
    ),
    kombo.CREATE_CANDIDATE: ActionSupport(
        fields=_NEW_CANDIDATE_FIELDS | {"application.stage_id"}, attachment_types=_FILES, note=_CREATE_NOTE
    ),
    kombo.MOVE_APPLICATION_STAGE: ActionSupport(),
    kombo.REJECT_APPLICATION: ActionSupport(
        fields=frozenset({"note"}),
        note="Moves the application to its interview plan's Archived stage with the archive reason; the note "
        "is written as a note on the candidate. No rejection email is sent.",
    ),
    kombo.ADD_APPLICATION_NOTE: ActionSupport(note="Ashby's notes belong to the candidate."),
    kombo.ADD_APPLICATION_ATTACHMENT: ActionSupport(attachment_types=_FILES, note=_FILES_NOTE),
    kombo.ADD_CANDIDATE_ATTACHMENT: ActionSupport(attachment_types=_FILES, note=_FILES_NOTE),
    kombo.ADD_APPLICATION_RESULT_LINK: ActionSupport(note=_LINK_NOTE),
    kombo.ADD_CANDIDATE_RESULT_LINK: ActionSupport(note=_LINK_NOTE),
    kombo.ADD_CANDIDATE_TAG: ActionSupport(note="A tag Ashby does not have yet is created (candidateTag.create)."),
    kombo.REMOVE_CANDIDATE_TAG: ActionSupport(),
    kombo.CREATE_INTERVIEW: ActionSupport(
        note="One interview schedule with one event at the application's current stage (interviewSchedule.create), "
        "interviewers by their Ashby email. The title chooses Ashby's shared interview of that title (interview.list), "
        "else the event is the organization's default interview. Ashby takes no organizer or location: the "
        "schedule is the API key's user's.",
    ),
    kombo.UPDATE_INTERVIEW: ActionSupport(
        note="interviewSchedule.update of the event: times, interviewers and the interview chosen by title, as "
        "when created. Ashby updates only schedules created with the same API key.",
    ),
    kombo.IMPORT_TRACKED_APPLICATION: ActionSupport(),
}


class _Calls:
    """One action's requests to Ashby, on one client of the integration (its auth, limiter,
    retries); the storage client for pre-signed uploads is made when a file goes up."""

    def __init__(self, runtime: ConnectorRuntime) -> None:
        self.runtime = runtime
        self.api = runtime.client(max_concurrency=1)
        self._storage: SourceClient | None = None

    async def aclose(self) -> None:
        await self.api.aclose()
        if self._storage is not None:
            await self._storage.aclose()

    async def __call__(self, endpoint: str, body: Json, *, read: bool = False) -> Any:
        """The `results` of `endpoint`; ActionFailed when Ashby refused. `read`: the call changes
        nothing and may be repeated."""
        return (await self._answer(endpoint, body, read)).get("results")

    async def every(self, endpoint: str, body: Json) -> list[Json]:
        """Every record of a listing, page by page (`cursor` -> `nextCursor`)."""
        found: list[Json] = []
        page: Json = {**body, "limit": 100}
        while True:
            answer = await self._answer(endpoint, page, True)
            found += answer.get("results") or []
            if not answer.get("moreDataAvailable") or not answer.get("nextCursor"):
                return found
            page = {**page, "cursor": answer["nextCursor"]}

    async def _answer(self, endpoint: str, body: Json, read: bool) -> Json:
        response = await self.api.send_raw("POST", f"/{endpoint}", json=body, idempotent=read)
        if (failed := refusal(response, self.api.redact, _message)) is not None:
            raise failed
        try:
            answer = response.json()
        except ValueError:
            raise self.api.not_json("POST", response) from None
        if (failure := rpc_failure(self.api, f"/{endpoint}", answer)) is not None:
            if failure.code == "missing_endpoint_permission":
                raise ActionFailed(
                    403, "INTEGRATION.PERMISSION_MISSING", f"The integration's credentials lack a permission: {failure}"
                )
            raise ActionFailed(400, "REMOTE.INPUT_INVALID", f"The source refused the input: {failure}") from failure
        return dict(answer)

    async def found(self, endpoint: str, body: Json) -> Json | None:
        """A read of one record (`*.info`): its `results`, or None when Ashby has no such record
        (its `*_not_found` codes)."""
        try:
            return dict(await self(endpoint, body, read=True))
        except ActionFailed as exc:
            cause = exc.__cause__
            if isinstance(cause, RpcError) and (cause.code or "").endswith("_not_found"):
                return None
            raise

    async def upload(self, candidate_id: str, file: FileUpload, *, resume: bool) -> Json:
        """A file onto the candidate: a pre-signed upload handle, the bytes to storage, then
        candidate.uploadResume / candidate.uploadFile with the handle. The candidate as it is now."""
        target = await self(
            "file.createFileUploadHandle",
            {
                "fileUploadContext": "CandidateResume" if resume else "CandidateFiles",
                "filename": file.name,
                "contentType": file.content_type,
                "contentLength": len(file.data),
            },
        )
        if self._storage is None:
            # Storage takes the URL's signature and refuses a second credential.
            self._storage = self.runtime.client(auth=NoAuth(), headers=False, max_concurrency=1)
        # Repeatable: a second POST of the same bytes to the same key stores the same object.
        stored = await self._storage.send_raw(
            "POST",
            target["url"],
            data=target.get("fields") or {},
            files={"file": (file.name, file.data, file.content_type)},
            idempotent=True,
        )
        if stored.status_code >= 300:
            said = self._storage.redact.excerpt(stored.text)
            raise ActionFailed(
                502,
                "REMOTE.UNKNOWN_HTTP_ERROR",
                f"Ashby's file storage refused {file.name!r} ({stored.status_code}): {said}",
            )
        if resume:
            body = {"candidateId": candidate_id, "resumeHandle": target["handle"]}
            candidate: Json = await self("candidate.uploadResume", body)
        else:
            candidate = await self(
                "candidate.uploadFile", {"candidateId": candidate_id, "fileHandle": target["handle"]}
            )
        return candidate


def _message(body: Any) -> str | None:
    """Ashby's explanation in an error body: `errorInfo.message`, else its code or `errors`."""
    if not isinstance(body, dict):
        return None
    info = body.get("errorInfo")
    if isinstance(info, dict) and (info.get("message") or info.get("code")):
        return str(info.get("message") or info.get("code"))
    errors = body.get("errors")
    return "; ".join(map(str, errors)) if isinstance(errors, list) and errors else None


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _candidate_records(candidate: Json) -> tuple[Record, ...]:
    """A candidate and its files, as the candidates and attachments streams map them."""
    return (mapping.map_candidate(candidate), *mapping.map_attachments(candidate))


async def perform(runtime: ConnectorRuntime, action: Action) -> ActionResult:
    calls = _Calls(runtime)
    try:
        match action:
            case CreateApplication():
                return await _create_application(calls, action)
            case MoveApplicationStage():
                body = {"applicationId": action.application.remote_id, "interviewStageId": action.stage.remote_id}
                return ActionResult(records=(mapping.map_application(await calls("application.changeStage", body)),))
            case RejectApplication():
                return await _reject(calls, action)
            case AddNote():
                return await _note(calls, await _candidate_id(calls, action.application), action.content)
            case AddAttachment():
                candidate_id = await _candidate_id(calls, action.owner)
                is_cv = action.attachment.type == "CV"
                return ActionResult(
                    records=_candidate_records(await calls.upload(candidate_id, action.attachment, resume=is_cv))
                )
            case AddResultLink():
                lines = [f"{action.label}: {action.url}"]
                prefix = f"{action.custom_field_name_prefix} " if action.custom_field_name_prefix else ""
                lines += [f"{prefix}{key}: {value}" for key, value in action.attributes]
                return await _note(calls, await _candidate_id(calls, action.owner), "\n".join(lines))
            case CandidateTag():
                return await _tag(calls, action)
            case InterviewInput():
                return await _interview(calls, action)
            case ImportTrackedApplication():
                application = await calls(
                    "application.info", {"applicationId": action.application_remote_id}, read=True
                )
                candidate = await calls("candidate.info", {"id": application["candidate"]["id"]}, read=True)
                return ActionResult(
                    records=(*_candidate_records(candidate), mapping.map_application(application)),
                    created=("applications", application["id"]),
                )
        raise ActionFailed(400, "INTEGRATION.ACTION_NOT_AVAILABLE", f"Ashby cannot perform {action.action}.")
    finally:
        await calls.aclose()


async def refetch(runtime: ConnectorRuntime, refs: Sequence[Ref]) -> Refetched:
    """The records an upstream webhook named, as Ashby has them now (connectors/ashby/webhooks.py):
    candidates (`candidate.info`, with their files) before applications (`application.info`), each
    mapped as the streams map it; `*_not_found` means deleted."""
    calls = _Calls(runtime)
    try:
        records: list[Record] = []
        deleted: list[tuple[str, str]] = []
        reads = (("candidates", "candidate.info", "id"), ("applications", "application.info", "applicationId"))
        for model, endpoint, key in reads:
            for ref in refs:
                if ref.model != model:
                    continue
                found = await calls.found(endpoint, {key: ref.remote_id})
                if found is None:
                    deleted.append((model, ref.remote_id))
                elif model == "candidates":
                    records += _candidate_records(found)
                else:
                    records.append(mapping.map_application(found))
        return Refetched(records=tuple(records), deleted=tuple(deleted))
    finally:
        await calls.aclose()


async def _candidate_id(calls: _Calls, owner: Target) -> str:
    """The candidate a candidate's or an application's action is about (Ashby keeps notes and files
    on the candidate): an application's stored payload names it, else Ashby is asked."""
    if owner.model == "candidates":
        return owner.remote_id
    stored = (owner.remote_data or {}).get("candidate")
    if isinstance(stored, dict) and isinstance(stored.get("id"), str):
        return str(stored["id"])
    application = await calls("application.info", {"applicationId": owner.remote_id}, read=True)
    return str(application["candidate"]["id"])


async def _note(calls: _Calls, candidate_id: str, content: str) -> ActionResult:
    note = await calls(
        "candidate.createNote", {"candidateId": candidate_id, "note": content, "sendNotifications": False}
    )
    return ActionResult(records=(mapping.map_note(candidate_id, note),))


def _new_candidate(candidate: NewCandidate) -> Json:
    body: Json = {"name": f"{candidate.first_name} {candidate.last_name}".strip(), "email": candidate.email_address}
    if candidate.phone_number:
        body["phoneNumber"] = candidate.phone_number
    others = [e.email_address for e in candidate.additional_email_addresses if e.email_address]
    if others:
        body["alternateEmailAddresses"] = others
    if candidate.location is not None:
        where = {
            "city": candidate.location.city,
            "region": candidate.location.state,
            "country": candidate.location.country,
        }
        body["location"] = {k: v for k, v in where.items() if v}
    for url in candidate.social_links:
        host = (urlsplit(url).hostname or "").lower()
        key = (
            "linkedInUrl"
            if host.endswith("linkedin.com")
            else "githubUrl"
            if host.endswith("github.com")
            else "website"
        )
        if key in body:
            kind = {"linkedInUrl": "LinkedIn", "githubUrl": "GitHub"}.get(key, "other")
            raise ActionFailed(
                400,
                "PLATFORM.INPUT_INVALID",
                f"The field 'candidate.social_links' has more than one {kind} link: Ashby takes one of each.",
            )
        body[key] = url
    return body


async def _create_application(calls: _Calls, action: CreateApplication) -> ActionResult:
    job = await calls("job.info", {"id": action.job.remote_id}, read=True)
    title = job.get("title") or action.job.remote_id
    if job.get("status") != "Open":
        raise ActionFailed(
            400, "ATS.JOB_CLOSED", f"The job {title!r} is {str(job.get('status')).lower()}: it takes no applications."
        )
    email = action.candidate.email_address
    found = await calls("candidate.search", {"email": email}, read=True)
    candidate: Json
    if found:
        candidate = found[0]
        for application_id in candidate.get("applicationIds") or []:
            existing = await calls("application.info", {"applicationId": application_id}, read=True)
            if (existing.get("job") or {}).get("id") == action.job.remote_id:
                raise ActionFailed(
                    409,
                    "ATS.APPLICATION_ALREADY_EXISTS",
                    f"The candidate {email} has already applied to the job {title!r}.",
                )
    else:
        candidate = await calls("candidate.create", _new_candidate(action.candidate))
    body: Json = {"candidateId": candidate["id"], "jobId": action.job.remote_id}
    if action.stage is not None:
        body["interviewStageId"] = action.stage.remote_id
    application = await calls("application.create", body)
    # The files go up once the application exists: a refused file then leaves no half-made
    # application behind, and a retried action finds the application (409) instead of making two.
    warnings: list[str] = []
    resume_done = False
    for file in action.attachments:
        resume = file.type == "CV" and not resume_done
        try:
            await calls.upload(candidate["id"], file, resume=resume)
        except ActionFailed as failed:
            warnings.append(f"The attachment {file.name!r} was not added: {failed.message}")
            continue
        resume_done = resume_done or resume
    # Read back: the upload and the new application both changed the candidate.
    candidate = await calls("candidate.info", {"id": candidate["id"]}, read=True)
    created = (
        ("candidates", candidate["id"])
        if action.action == kombo.CREATE_CANDIDATE
        else ("applications", application["id"])
    )
    return ActionResult(
        records=(*_candidate_records(candidate), mapping.map_application(application)),
        created=created,
        warnings=tuple(warnings),
    )


async def _reject(calls: _Calls, action: RejectApplication) -> ActionResult:
    """Rejecting is moving to the interview plan's Archived stage with an archive reason."""
    application = await calls("application.info", {"applicationId": action.application.remote_id}, read=True)
    plan = (application.get("currentInterviewStage") or {}).get("interviewPlanId")
    stages = await calls.every("interviewStage.list", {"interviewPlanId": plan}) if plan else []
    archived = next((s for s in stages if s.get("type") == "Archived"), None)
    if archived is None:
        raise ActionFailed(400, "REMOTE.INPUT_INVALID", "The application's interview plan has no Archived stage.")
    moved = await calls(
        "application.changeStage",
        {
            "applicationId": action.application.remote_id,
            "interviewStageId": archived["id"],
            "archiveReasonId": action.rejection_reason.remote_id,
        },
    )
    records: list[Record] = [mapping.map_application(moved)]
    if action.note:
        records += (await _note(calls, moved["candidate"]["id"], action.note)).records
    return ActionResult(records=tuple(records))


async def _tag(calls: _Calls, action: CandidateTag) -> ActionResult:
    candidate_id = action.candidate.remote_id
    if action.action == kombo.ADD_CANDIDATE_TAG:
        # Answers the existing tag of that title when there is one: repeatable.
        tag = await calls("candidateTag.create", {"title": action.name}, read=True)
        candidate = await calls("candidate.addTag", {"candidateId": candidate_id, "tagId": tag["id"]})
        return ActionResult(records=(mapping.map_tag(tag), mapping.map_candidate(candidate)))
    candidate = await calls("candidate.info", {"id": candidate_id}, read=True)
    tag = next((t for t in candidate.get("tags") or [] if t.get("title") == action.name), None)
    if tag is not None:  # Kombo: removing a tag the candidate lacks succeeds
        # Ashby documents a repeat as a no-op ("returns the candidate unchanged").
        candidate = await calls("candidate.removeTag", {"candidateId": candidate_id, "tagId": tag["id"]}, read=True)
    return ActionResult(records=(mapping.map_candidate(candidate),))


async def _interview(calls: _Calls, action: InterviewInput) -> ActionResult:
    """Create a schedule of one event, or update the event `action.interview` of its schedule."""
    emails = []
    for user in action.interviewers:
        email = (user.data or {}).get("email") or (user.remote_data or {}).get("email")
        if not email:
            raise ActionFailed(
                400, "PLATFORM.INPUT_INVALID", f"The interviewer {user.remote_id} has no email: Ashby needs one."
            )
        emails.append(email)
    event: Json = {
        "startTime": _iso(action.starting_at),
        "endTime": _iso(action.ending_at),
        "interviewers": [{"email": email} for email in emails],
    }
    # The event's title is its interview's: the shared interview of that title, if Ashby has one.
    catalogue = await calls.every("interview.list", {})
    wanted = action.title.strip().casefold()
    chosen = next((i for i in catalogue if str(i.get("title") or "").strip().casefold() == wanted), None)
    if chosen is not None:
        event["interviewId"] = chosen["id"]
    if action.interview is None:
        schedule = await calls(
            "interviewSchedule.create", {"applicationId": action.application.remote_id, "interviewEvents": [event]}
        )
        interviews = tuple(mapping.map_interviews(schedule))
        return ActionResult(records=interviews, created=("interviews", interviews[0].remote_id) if interviews else None)
    stored = action.interview.remote_data or {}
    schedule_id = stored.get("interviewScheduleId") or (stored.get("schedule") or {}).get("id")
    if not schedule_id:
        raise ActionFailed(400, "REMOTE.INPUT_INVALID", "The interview's schedule is not known; sync it first.")
    event["interviewEventId"] = action.interview.remote_id
    schedule = await calls("interviewSchedule.update", {"interviewScheduleId": schedule_id, "interviewEvent": event})
    # Every event of the schedule: the schedule's own fields (its updatedAt) are in each one's remote_data.
    return ActionResult(records=tuple(mapping.map_interviews(schedule)))
