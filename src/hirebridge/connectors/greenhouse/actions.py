"""Kombo's write actions on Greenhouse Harvest v3 (docs/connectors/greenhouse.md, "Write actions").

Each action is a few v3 writes -- `POST /v3/candidates`, `/v3/applications`, `/v3/applications/{id}/move`
and `/reject`, `/v3/notes`, `/v3/attachments`, `/v3/candidate_tags`, `/v3/applied_candidate_tags` --
sent once each (`idempotent=False`: Harvest takes no idempotency key, and a create sent twice is two
records), as the token's `sub`, through the integration's client and rate limiter. What they changed
is then read back with the listings a sync reads and built by the same code: the joined records
(candidates, applications) by `joined.read_ids`, notes and attachments by their streams' mappers, so
the records handed to the write-back are the ones the next sync builds. v3 answers a move or a
reject with 204 and no body: there is nothing else to build them from.

A refusal is Kombo's error: the source's HTTP answer through `refusal()` (a 422's `errors[]` quoted),
and, found before anything is written, a closed job (ATS.JOB_CLOSED) and an application the
candidate already has on the job (ATS.APPLICATION_ALREADY_EXISTS). When a later write of a
multi-write action fails (the application after its new candidate), what was written stays at the
source; the next sync brings it in.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from hirebridge.connectors.base import FetchContext
from hirebridge.connectors.framework.actions import ActionFailed, ActionResult, refusal
from hirebridge.connectors.framework.errors import CredentialsInvalid, RequestRejected
from hirebridge.connectors.framework.http import SourceClient
from hirebridge.connectors.framework.joined import read_ids
from hirebridge.connectors.framework.paging import Request
from hirebridge.connectors.framework.streams import Json, StreamRun
from hirebridge.connectors.framework.webhooks import Ref, Refetched
from hirebridge.connectors.greenhouse import mapping
from hirebridge.model import SyncKind
from hirebridge.model.actions import (
    ADD_APPLICATION_ATTACHMENT,
    ADD_APPLICATION_NOTE,
    ADD_APPLICATION_RESULT_LINK,
    ADD_CANDIDATE_ATTACHMENT,
    ADD_CANDIDATE_RESULT_LINK,
    ADD_CANDIDATE_TAG,
    CREATE_APPLICATION,
    CREATE_CANDIDATE,
    IMPORT_TRACKED_APPLICATION,
    MOVE_APPLICATION_STAGE,
    REJECT_APPLICATION,
    REMOVE_CANDIDATE_TAG,
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
    MoveApplicationStage,
    NewCandidate,
    RejectApplication,
    Target,
)
from hirebridge.model.records import Record

if TYPE_CHECKING:
    from hirebridge.connectors.greenhouse.connector import GreenhouseConnector

__all__ = ["SUPPORT", "perform", "refetch"]

_FILES: frozenset[AttachmentType] = frozenset({"CV", "COVER_LETTER", "OTHER"})
_CANDIDATE_FIELDS = frozenset(
    {
        "candidate.additional_email_addresses",
        "candidate.company",
        "candidate.title",
        "candidate.phone_number",
        "candidate.additional_phone_numbers",
        "candidate.location",
        "candidate.social_links",
        "attachments",
    }
)
_CREATE_NOTE = (
    "The candidate is matched by email (`GET /v3/candidates?email=`) and created when there is none; an existing "
    "one is not changed. The source name is written when Greenhouse has a source of that name (else a warning). "
    "Screening question answers, gender, availability, salary expectations, GDPR consent and sourced_by are not "
    "written: v3 has no field for them that the read side maps back."
)
_LINK_NOTE = (
    "Greenhouse has no result links: the link is written as a note (label, URL, `<prefix> <key>: value` lines)."
)
SUPPORT: Mapping[str, ActionSupport] = {
    CREATE_APPLICATION: ActionSupport(_CANDIDATE_FIELDS | {"stage_id"}, _FILES, note=_CREATE_NOTE),
    CREATE_CANDIDATE: ActionSupport(_CANDIDATE_FIELDS | {"application.stage_id"}, _FILES, note=_CREATE_NOTE),
    MOVE_APPLICATION_STAGE: ActionSupport(note="Only an active application moves (v3 `move` needs its current stage)."),
    REJECT_APPLICATION: ActionSupport(
        frozenset({"note"}), note="The note becomes the rejection's note (a note on the application)."
    ),
    ADD_APPLICATION_NOTE: ActionSupport(note="Written as a public note of type NOTE, by the token's user (`sub`)."),
    ADD_APPLICATION_ATTACHMENT: ActionSupport(
        attachment_types=_FILES, note="A new CV or cover letter makes Greenhouse reclassify the previous one as other."
    ),
    ADD_CANDIDATE_ATTACHMENT: ActionSupport(
        attachment_types=_FILES,
        note="v3 keeps files on applications: the file goes to the candidate's most recent application.",
    ),
    ADD_APPLICATION_RESULT_LINK: ActionSupport(frozenset({"details"}), note=_LINK_NOTE),
    ADD_CANDIDATE_RESULT_LINK: ActionSupport(frozenset({"details"}), note=_LINK_NOTE),
    ADD_CANDIDATE_TAG: ActionSupport(note="A tag Greenhouse does not know is created first."),
    REMOVE_CANDIDATE_TAG: ActionSupport(),
    IMPORT_TRACKED_APPLICATION: ActionSupport(),
}

_EMAIL_TYPES = {"PERSONAL": "personal", "WORK": "work", "OTHER": "other"}
_PHONE_TYPES = {"PERSONAL": "home", "WORK": "work", "OTHER": "other"}
_FILE_TYPES = {"CV": "resume", "COVER_LETTER": "cover_letter", "OTHER": "other"}


async def perform(connector: GreenhouseConnector, action: Action) -> ActionResult:
    """Do `action` at the source (module docstring)."""
    client = connector.runtime.client(max_concurrency=1)
    try:
        return await _Session(connector, client).perform(action)
    except CredentialsInvalid as exc:  # a listing's or the token endpoint's 401/403
        if exc.status == 403:
            raise ActionFailed(403, "INTEGRATION.PERMISSION_MISSING", str(exc)) from None
        raise ActionFailed(403, "INTEGRATION.AUTHENTICATION_INVALID", str(exc)) from None
    except RequestRejected as exc:
        raise ActionFailed(400, "REMOTE.INPUT_INVALID", str(exc)) from None
    finally:
        await client.aclose()


async def refetch(connector: GreenhouseConnector, refs: Sequence[Ref]) -> Refetched:
    """The records an upstream webhook named, as Greenhouse has them now (webhooks.py): candidates,
    then applications, each read back by id as a write action reads them (`joined.read_ids`, the
    sync's own listings and joins); an id the listing no longer returns is deleted."""
    client = connector.runtime.client(max_concurrency=1)
    try:
        session = _Session(connector, client)
        records: list[Record] = []
        deleted: list[tuple[str, str]] = []
        for model in ("candidates", "applications"):
            wanted = list(dict.fromkeys(ref.remote_id for ref in refs if ref.model == model))
            if not wanted:
                continue
            found = await session.joined(model, wanted)
            records += found
            seen = {record.remote_id for record in found}
            deleted += [(model, remote_id) for remote_id in wanted if remote_id not in seen]
        return Refetched(records=tuple(records), deleted=tuple(deleted))
    finally:
        await client.aclose()


def _message(body: Any) -> str | None:
    """Harvest's error: `message`, with each of a 422's `errors[]` as `field: message`."""
    if not isinstance(body, dict):
        return None
    said = str(body.get("message") or body.get("error_description") or body.get("error") or "")
    errors = body.get("errors")
    details = [
        f"{e['field']}: {e.get('message')}" if e.get("field") else str(e.get("message"))
        for e in errors or []
        if isinstance(e, dict)
    ]
    return ": ".join(p for p in (said, "; ".join(details)) if p) or None


def _number(target: Target | str) -> int:
    """A Greenhouse id (an integer) of a target."""
    value = target.remote_id if isinstance(target, Target) else target
    try:
        return int(value)
    except ValueError:
        raise ActionFailed(400, "REMOTE.INPUT_INVALID", f"{value!r} is not a Greenhouse id") from None


class _Session:
    """One action's requests: writes through `send`, reads through a FULL-run view of the streams."""

    def __init__(self, connector: GreenhouseConnector, client: SourceClient) -> None:
        self.connector, self.client = connector, client
        self.run = StreamRun(connector, connector.declared("candidates"), FetchContext(SyncKind.FULL, None), client)

    async def perform(self, action: Action) -> ActionResult:
        match action:
            case CreateApplication():
                return await self.create(action)
            case MoveApplicationStage():
                return await self.move(action)
            case RejectApplication():
                return await self.reject(action)
            case AddNote():
                return await self.note(action.application, action.content)
            case AddAttachment():
                return await self.attach(action)
            case AddResultLink():
                return await self.note(action.owner, _link_text(action))
            case CandidateTag():
                return await self.tag(action)
            case ImportTrackedApplication():
                return await self.track(action)
        raise ActionFailed(400, "INTEGRATION.ACTION_NOT_AVAILABLE", f"Greenhouse does not perform {action.action}")

    # --- requests ---------------------------------------------------------------------------------

    async def send(self, method: str, path: str, body: Json | None = None) -> Any:
        """A write, sent once (a 429 aside: Harvest refused it unread); its JSON answer (None for a 204)."""
        response = await self.client.send_raw(method, path, json=body, idempotent=method in ("PUT", "DELETE"))
        if (problem := refusal(response, self.client.redact, _message)) is not None:
            raise problem
        if response.status_code == 204 or not response.content.strip():
            return None
        try:
            return response.json()
        except ValueError:
            raise self.client.not_json(method, response) from None

    async def rows(self, path: str, **params: Any) -> list[Json]:
        return await self.run.all(Request("GET", path, params))

    async def joined(self, model: str, ids: Sequence[str]) -> list[Record]:
        return await read_ids(self.connector.joined_spec(model), self.run, ids)

    async def listed(self, path: str, mapper: Any, **params: Any) -> list[Record]:
        """Rows of a simple listing mapped as its stream maps them."""
        return [record for row in await self.rows(path, **params) for record in self.run.map(mapper, row, path)]

    # --- actions ----------------------------------------------------------------------------------

    async def create(self, action: CreateApplication) -> ActionResult:
        job_id = str(_number(action.job))
        job = next(iter(await self.rows("/jobs", ids=job_id)), None)
        if job is None:
            raise ActionFailed(400, "REMOTE.INPUT_INVALID", f"Greenhouse has no job {job_id}.")
        name = f"{job.get('name')!r} ({job_id})"
        if job.get("status") != "open":
            raise ActionFailed(
                400, "ATS.JOB_CLOSED", f"The job {name} is {job.get('status')}: it takes no applications."
            )
        email = action.candidate.email_address
        found = await self.rows("/candidates", email=email)
        if found:  # Kombo attaches the application to the person the email finds, unchanged
            candidate_id = str(min(int(row["id"]) for row in found))
            held = await self.rows("/applications", candidate_ids=candidate_id, job_ids=job_id)
            if any(row.get("status") != "converted" for row in held):
                raise ActionFailed(
                    409,
                    "ATS.APPLICATION_ALREADY_EXISTS",
                    f"The candidate {email} has already applied to the job {name}.",
                )
        else:
            candidate_id = str((await self.send("POST", "/candidates", _candidate_body(action.candidate)))["id"])
        body: Json = {"candidate_id": int(candidate_id), "job_id": int(job_id)}
        if action.stage is not None:
            body["initial_stage_id"] = _number(action.stage)
        warnings: list[str] = []
        if action.source_name:
            source = next(
                (
                    s
                    for s in await self.rows("/sources")
                    if str(s.get("name", "")).lower() == action.source_name.lower()
                ),
                None,
            )
            if source is None:
                warnings.append(f"Greenhouse has no source named {action.source_name!r}: the application has none.")
            else:
                body["source_id"] = source["id"]
        application_id = str((await self.send("POST", "/applications", body))["id"])
        for upload in action.attachments:
            await self.send("POST", "/attachments", _attachment_body(application_id, upload))
        records = [
            *await self.joined("candidates", [candidate_id]),
            *await self.joined("applications", [application_id]),
        ]
        if action.attachments:
            records += await self.files(application_id)
        created = (
            ("candidates", candidate_id) if action.action == CREATE_CANDIDATE else ("applications", application_id)
        )
        return ActionResult(records=tuple(records), created=created, warnings=tuple(warnings))

    async def move(self, action: MoveApplicationStage) -> ActionResult:
        application = await self.application(action.application)
        current = application.get("job_interview_stage_id")
        if current is None:
            raise ActionFailed(
                400,
                "REMOTE.INPUT_INVALID",
                f"The application {application['id']} is {application.get('status')}: only active ones move.",
            )
        body = {"from_stage_id": current, "to_stage_id": _number(action.stage)}
        await self.send("POST", f"/applications/{application['id']}/move", body)
        return ActionResult(records=tuple(await self.joined("applications", [str(application["id"])])))

    async def reject(self, action: RejectApplication) -> ActionResult:
        application_id = _number(action.application)
        body: Json = {"rejection_reason_id": _number(action.rejection_reason)}
        if action.note:
            body["notes"] = action.note
        await self.send("POST", f"/applications/{application_id}/reject", body)
        records = await self.joined("applications", [str(application_id)])
        if action.note:  # the rejection note: the application's notes, read back whole
            records += await self.listed("/notes", _note, application_ids=application_id, type="NOTE")
        return ActionResult(records=tuple(records))

    async def note(self, owner: Target, text: str) -> ActionResult:
        body: Json = {"body": text, "visibility": "public"}
        if owner.model == "applications":
            application = await self.application(owner)
            body.update(candidate_id=application["candidate_id"], application_id=application["id"])
        else:
            body["candidate_id"] = _number(owner)
        created = await self.send("POST", "/notes", body)
        return ActionResult(records=tuple(await self.listed("/notes", _note, ids=created["id"])))

    async def attach(self, action: AddAttachment) -> ActionResult:
        if action.owner.model == "applications":
            application_id = str(_number(action.owner))
        else:
            held = await self.rows("/applications", candidate_ids=_number(action.owner))
            if not held:
                raise ActionFailed(
                    400,
                    "REMOTE.INPUT_INVALID",
                    f"The candidate {action.owner.remote_id} has no application (Greenhouse files belong to one).",
                )
            latest = max(held, key=lambda row: (str(row.get("created_at") or ""), int(row["id"])))
            application_id = str(latest["id"])
        await self.send("POST", "/attachments", _attachment_body(application_id, action.attachment))
        return ActionResult(records=tuple(await self.files(application_id)))

    async def files(self, application_id: str) -> list[Record]:
        """Every attachment of the application: a new CV or cover letter reclassifies the old one."""
        return await self.listed("/attachments", lambda row, context: self.connector.attachment(row),
                                 application_ids=application_id)  # fmt: skip

    async def tag(self, action: CandidateTag) -> ActionResult:
        candidate_id = _number(action.candidate)
        wanted = action.name.strip().lower()
        tag = next((t for t in await self.rows("/candidate_tags") if str(t.get("name", "")).lower() == wanted), None)
        adding = action.action == ADD_CANDIDATE_TAG
        if tag is None and not adding:
            return ActionResult()  # Kombo: removing a tag the candidate does not have succeeds
        records: list[Record] = []
        if tag is None:
            tag = await self.send("POST", "/candidate_tags", {"name": action.name.strip()})
            records += await self.listed("/candidate_tags", _tag, ids=tag["id"])
        applied = await self.rows("/applied_candidate_tags", candidate_ids=candidate_id, candidate_tag_ids=tag["id"])
        if adding and not applied:
            await self.send(
                "POST", "/applied_candidate_tags", {"candidate_id": candidate_id, "candidate_tag_id": tag["id"]}
            )
        for row in () if adding else applied:
            await self.send("DELETE", f"/applied_candidate_tags/{row['id']}")
        return ActionResult(records=(*records, *await self.joined("candidates", [str(candidate_id)])))

    async def track(self, action: ImportTrackedApplication) -> ActionResult:
        application_id = str(_number(action.application_remote_id))
        applications = await self.joined("applications", [application_id])
        if not applications:
            raise ActionFailed(400, "REMOTE.INPUT_INVALID", f"Greenhouse has no application {application_id}.")
        candidate = getattr(applications[0], "candidate_remote_id", None)
        candidates = await self.joined("candidates", [candidate]) if candidate else []
        return ActionResult(records=(*candidates, *applications), created=("applications", application_id))

    async def application(self, target: Target) -> Json:
        """The application's row as Greenhouse has it now."""
        application_id = _number(target)
        row = next(iter(await self.rows("/applications", ids=application_id)), None)
        if row is None:
            raise ActionFailed(400, "REMOTE.INPUT_INVALID", f"Greenhouse has no application {application_id}.")
        return row


def _note(row: Json, context: Any) -> Record | None:
    return mapping.map_note(row)


def _tag(row: Json, context: Any) -> Record:
    return mapping.map_tag(row)


def _candidate_body(candidate: NewCandidate) -> Json:
    emails = [{"value": candidate.email_address, "type": "personal"}]
    emails += [{"value": e.email_address, "type": _EMAIL_TYPES.get(str(e.type), "other")}
               for e in candidate.additional_email_addresses if e.email_address]  # fmt: skip
    phones = [{"value": candidate.phone_number, "type": "mobile"}] if candidate.phone_number else []
    phones += [{"value": p.phone_number, "type": _PHONE_TYPES.get(str(p.type), "other")}
               for p in candidate.additional_phone_numbers]  # fmt: skip
    body: Json = {"first_name": candidate.first_name, "last_name": candidate.last_name, "email_addresses": emails}
    if phones:
        body["phone_numbers"] = phones
    if candidate.company:
        body["company"] = candidate.company
    if candidate.title:
        body["title"] = candidate.title
    if (location := candidate.location) is not None:
        place = " ".join(p for p in (location.state, location.zip_code) if p)
        parts = [location.street_1, location.city, place, location.country]
        body["addresses"] = [{"value": ", ".join(p for p in parts if p), "type": "home"}]
    if candidate.social_links:
        body["social_media_addresses"] = [{"value": url} for url in candidate.social_links]
    return body


def _attachment_body(application_id: str, upload: FileUpload) -> Json:
    return {
        "application_id": int(application_id),
        "filename": upload.name,
        "type": _FILE_TYPES.get(upload.type or "OTHER", "other"),
        "content": base64.b64encode(upload.data).decode(),
        "content_type": upload.content_type,
    }


def _link_text(action: AddResultLink) -> str:
    prefix = f"{action.custom_field_name_prefix} " if action.custom_field_name_prefix else ""
    lines = [f"{action.label}: {action.url}", *(f"{prefix}{key}: {value}" for key, value in action.attributes)]
    return "\n".join(lines)
