"""Lever write actions: Kombo's actions as Lever's opportunity endpoints, and the records they change
read back with the same mapping functions the streams use (mapping.py), so a write-back equals what
the next sync stores.

Lever's vocabulary (mapping.py): an application is an *opportunity*, a candidate its *contact*, a job
a *posting*, a stage remote id is `"<posting id>:<stage id>"`. A contact has no endpoint of its own
to write to: a candidate's attachment or result link goes on its newest opportunity, its tags on all
of its opportunities (Kombo's candidate tags are the union of its opportunities' tags).

`perform_as` (the Lever user a write is made on behalf of) comes from the request's
`remote_fields.lever.perform_as`, else from the integration's `perform_as` setting. Lever requires it
to create an opportunity and attributes the creation *and the ownership* of the opportunity to that
user: with neither given, a create is refused (INTEGRATION.ACTION_NOT_AVAILABLE, naming the setting)
rather than made on behalf of some admin picked for the customer. The other writes send it when
known (Lever takes it as optional there).

Only idempotent writes are repeated: PUTs, and the add/remove list updates (`addTags`, `addLinks`:
the same tag added twice is one tag). A create, a note or a file is sent once: with no answer it is
OutcomeUnknown, and a 5xx answer to it is too (it may have been applied).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from hirebridge.connectors.framework.actions import ActionFailed, ActionResult, refusal, tool_fields
from hirebridge.connectors.framework.errors import (
    CredentialsInvalid,
    OutcomeUnknown,
    RequestRejected,
    SourceError,
    SourceUnavailable,
)
from hirebridge.connectors.framework.http import SourceClient
from hirebridge.connectors.framework.paging import OffsetToken, Request, pages
from hirebridge.connectors.framework.payloads import check, mapping_errors
from hirebridge.connectors.framework.runtime import ConnectorRuntime
from hirebridge.connectors.framework.webhooks import Ref, Refetched
from hirebridge.connectors.lever import mapping, shapes
from hirebridge.model import actions as a
from hirebridge.model.records import Application, Attachment, Candidate, Location, Note, Record, Tag

Json = dict[str, Any]
TOOL = "lever"
CONFIDENTIAL = {"confidentiality": "all"}
MAX_FILE_BYTES = 30 * 1024 * 1024  # Lever: files up to 30 MB
# Postings that take no new candidates: closed, and those whose approval was refused (mapping: ARCHIVED).
CLOSED_STATES = frozenset({"closed", "rejected"})
_PHONE_TYPES = {"PERSONAL": "home", "WORK": "work", "OTHER": "other"}
_FILES: frozenset[a.AttachmentType] = frozenset({"CV", "COVER_LETTER", "OTHER"})

_CANDIDATE_FIELDS = frozenset(
    {
        "candidate.additional_email_addresses",
        "candidate.company",
        "candidate.phone_number",
        "candidate.additional_phone_numbers",
        "candidate.location",
        "candidate.social_links",
        "attachments",
    }
)
_CREATE_NOTE = (
    "Creates a Lever opportunity (`POST /opportunities`) on the job's posting, on behalf of the integration's "
    "`perform_as` user (or `remote_fields.lever.perform_as`), who becomes its owner; Lever puts it on the "
    "existing contact with the same email, whose own fields it keeps. `candidate.company` is Lever's headline, "
    "the location is written as one line of text, social links as the opportunity's links; `remote_fields.lever."
    "candidate` is merged into Lever's request body. Attachments are uploaded as the opportunity's files (Lever "
    "takes a resume only inside a multipart create request, which HireBridge does not send), so a CV is served "
    "back with type OTHER; one that fails is a "
    "warning, the opportunity stays. A candidate with an unarchived opportunity on the posting already is "
    "refused as ATS.APPLICATION_ALREADY_EXISTS, a closed posting as ATS.JOB_CLOSED. Lever's API takes no "
    "screening question answers, job title, gender, availability, salary expectations, GDPR consent or "
    "sourcing user on this endpoint."
)
_ATTACHMENT = a.ActionSupport(
    attachment_types=_FILES,
    max_file_size_bytes=MAX_FILE_BYTES,
    note="Uploaded as a file of the opportunity (`POST /opportunities/:id/files`; a candidate's goes on its newest "
    "opportunity); Lever keeps no type on a file, so it is served back with type OTHER.",
)

ACTIONS: Mapping[str, a.ActionSupport] = {
    a.CREATE_APPLICATION: a.ActionSupport(
        fields=_CANDIDATE_FIELDS | {"stage_id"},
        attachment_types=_FILES,
        max_file_size_bytes=MAX_FILE_BYTES,
        note=_CREATE_NOTE,
    ),
    a.CREATE_CANDIDATE: a.ActionSupport(
        fields=_CANDIDATE_FIELDS | {"application.stage_id"},
        attachment_types=_FILES,
        max_file_size_bytes=MAX_FILE_BYTES,
        note=_CREATE_NOTE,
    ),
    a.MOVE_APPLICATION_STAGE: a.ActionSupport(note="`PUT /opportunities/:id/stage`."),
    a.REJECT_APPLICATION: a.ActionSupport(
        fields=frozenset({"note"}),
        note="Archives the opportunity with the reason (`PUT /opportunities/:id/archived`); a `note` is added "
        "as a note of the opportunity.",
    ),
    a.ADD_APPLICATION_NOTE: a.ActionSupport(note="`POST /opportunities/:id/notes`; `remote_fields.lever.perform_as`."),
    a.ADD_APPLICATION_ATTACHMENT: _ATTACHMENT,
    a.ADD_CANDIDATE_ATTACHMENT: _ATTACHMENT,
    a.ADD_APPLICATION_RESULT_LINK: a.ActionSupport(
        fields=frozenset({"details"}),
        note="Lever links have no label: the URL is added to the opportunity's links (`addLinks`, served as the "
        "candidate's social media) and a note holds the label, the URL and each attribute as a "
        "`<prefix> <key>: <value>` line. A candidate's goes on its newest opportunity.",
    ),
    a.ADD_CANDIDATE_RESULT_LINK: a.ActionSupport(
        fields=frozenset({"details"}),
        note="As for an application, on the candidate's newest opportunity.",
    ),
    a.ADD_CANDIDATE_TAG: a.ActionSupport(
        note="Lever tags opportunities: the tag is added to every opportunity of the candidate (`addTags`)."
    ),
    a.REMOVE_CANDIDATE_TAG: a.ActionSupport(
        note="Removed from every opportunity of the candidate that has it (`removeTags`); succeeds when none has."
    ),
    a.IMPORT_TRACKED_APPLICATION: a.ActionSupport(note="Reads the opportunity and its contact."),
}
# Not declared: interviews. Lever's API creates and edits interviews only inside panels an
# integration manages itself (`externallyManaged` panels, `POST /opportunities/:id/panels`); Lever's own
# scheduled interviews cannot be written, and HireBridge manages no panels.


def _location_line(location: Location) -> str | None:
    """Lever keeps a location as one line of text."""
    city = " ".join(p for p in (location.zip_code, location.city) if p)
    return ", ".join(p for p in (location.street_1, city, location.state, location.country) if p) or None


def _stage_id(stage: a.Target) -> str:
    """Lever's stage id of a per-posting stage record (`<posting id>:<stage id>`)."""
    return stage.remote_id.split(":", 1)[-1]


def _failed_read(exc: SourceError) -> ActionFailed | SourceError:
    """A read before anything was written that failed: the action was not performed, said in Kombo's
    codes (as `refusal` says a write's answer). What the reads cannot tell apart is passed on."""
    if isinstance(exc, CredentialsInvalid):
        if exc.status == 403:
            return ActionFailed(
                403, "INTEGRATION.PERMISSION_MISSING", f"The integration's key lacks a permission: {exc}"
            )
        return ActionFailed(403, "INTEGRATION.AUTHENTICATION_INVALID", f"Lever rejected the integration's key: {exc}")
    if isinstance(exc, RequestRejected):
        return ActionFailed(400, "REMOTE.INPUT_INVALID", f"Lever refused the input: {exc}")
    if isinstance(exc, SourceUnavailable):
        if exc.status == 429:
            return ActionFailed(429, "REMOTE.RATE_LIMIT_EXCEEDED", f"Lever is throttling requests: {exc}")
        return ActionFailed(503, "REMOTE.SERVICE_UNAVAILABLE", f"Lever is unavailable: {exc}")
    return exc


class _Session:
    """One action's requests: one client, the acting user, and Lever's archive reasons once read."""

    def __init__(self, client: SourceClient, performer: str | None) -> None:
        self.client = client
        self.performer = performer
        self._reasons: dict[str, Json] | None = None

    # --- writes ----------------------------------------------------------------------------------

    async def write(self, method: str, path: str, *, repeatable: bool, **body: Any) -> Any:
        """Send one write; its answer's `data`, or ActionFailed with Lever's message."""
        params = {"perform_as": self.performer} if self.performer else None
        response = await self.client.send_raw(method, path, params=params, idempotent=repeatable, **body)
        failure = refusal(response, self.client.redact)
        if failure is not None:
            if response.status_code >= 500 and not repeatable:
                raise OutcomeUnknown(
                    f"lever: {method} {path}: HTTP {response.status_code}; it may or may not have taken effect "
                    f"(not retried): {failure.message}",
                    response.status_code,
                )
            raise failure
        try:
            answer = orjson.loads(response.content) if response.content.strip() else None
        except orjson.JSONDecodeError:
            answer = None
        return answer.get("data") if isinstance(answer, dict) else None

    async def upload(self, opportunity: str, file: a.FileUpload) -> str:
        """A file of the opportunity (multipart `file`); its id."""
        data = await self.write(
            "POST",
            f"/opportunities/{opportunity}/files",
            repeatable=False,
            files={"file": (file.name, file.data, file.content_type)},
        )
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            raise OutcomeUnknown(f"lever: the upload of {file.name!r} was answered without the file's id")
        return str(data["id"])

    async def note(self, opportunity: str, text: str) -> str:
        """A note on the opportunity; its id (Lever answers `{"data": {"noteId": ...}}`)."""
        data = await self.write("POST", f"/opportunities/{opportunity}/notes", repeatable=False, json={"value": text})
        note_id = (data.get("noteId") or data.get("id")) if isinstance(data, dict) else None
        if not isinstance(note_id, str):
            raise OutcomeUnknown(f"lever: the note on opportunity {opportunity} was answered without its id")
        return note_id

    # --- reads -----------------------------------------------------------------------------------

    async def one(self, path: str, shape_of: str, params: Mapping[str, Any] | None = None) -> Json:
        """One record (`{"data": {...}}`), checked against the shape of the listing it belongs to."""
        body = await self.client.json("GET", path, params=dict(params or {}) or None, idempotent=True)
        data = body.get("data") if isinstance(body, dict) else body
        return check(TOOL, path, shapes.for_path(shape_of), data)

    async def all(self, path: str, params: Mapping[str, Any] | None = None) -> list[Json]:
        """Every record of a listing, page by page, each checked as the sync checks it."""
        request = Request("GET", path, dict(params or {}))
        found: list[Json] = []
        async for page in pages(self.client, request, OffsetToken(), endpoint=path, shape=shapes.for_path(path)):
            found.extend(page.records)
        return found

    async def reasons(self) -> dict[str, Json]:
        if self._reasons is None:
            self._reasons = {r["id"]: r for r in await self.all("/archive_reasons")}
        return self._reasons

    async def opportunities_of(self, contact: str) -> list[Json]:
        """A contact's opportunities, as the applications stream lists them."""
        return await self.all("/opportunities", {**CONFIDENTIAL, "contact_id": contact, "expand": "applications"})

    async def newest_opportunity(self, contact: str) -> Json:
        """Where a candidate's attachment or link goes: the opportunity it was created last with."""
        opportunities = await self.opportunities_of(contact)
        if not opportunities:
            raise ActionFailed(400, "REMOTE.INPUT_INVALID", f"Lever has no opportunity of the contact {contact}.")
        return max(opportunities, key=lambda o: (o.get("createdAt") or 0, o["id"]))

    # --- what changed, as the streams map it ------------------------------------------------------

    async def application(self, opportunity: str) -> Application:
        path = f"/opportunities/{opportunity}"
        raw = await self.one(path, "/opportunities", {"expand": "applications"})
        reasons = await self.reasons()
        with mapping_errors(TOOL, path, raw):
            return mapping.map_application(raw, reasons)

    async def contact_records(
        self, contact: str, opportunities: list[Json] | None = None
    ) -> tuple[Candidate, list[Application]]:
        """A contact's candidate and all its applications (a change to its opportunities' tags or
        links changes the candidate, which is built from all of them); `opportunities` when the
        caller has listed them already."""
        if opportunities is None:
            opportunities = await self.opportunities_of(contact)
        reasons = await self.reasons()
        with mapping_errors(TOOL, "/opportunities", opportunities):
            candidate = mapping.candidate_from_opportunities(opportunities)
            return candidate, [mapping.map_application(o, reasons) for o in opportunities]

    async def note_record(self, opportunity: str, contact: str | None, note_id: str) -> Note | None:
        path = f"/opportunities/{opportunity}/notes"
        for raw in await self.all(path):
            if raw["id"] == note_id:
                with mapping_errors(TOOL, path, raw):
                    return mapping.map_note(raw, opportunity, contact)
        return None

    async def file_records(self, opportunity: str, contact: str | None, ids: Sequence[str]) -> list[Attachment]:
        path = f"/opportunities/{opportunity}/files"
        wanted = set(ids)
        out: list[Attachment] = []
        for raw in await self.all(path):
            if raw["id"] in wanted:
                with mapping_errors(TOOL, path, raw):
                    if (record := mapping.map_file(raw, opportunity, contact)) is not None:
                        out.append(record)
        return out

    async def tag(self, name: str) -> Tag | None:
        """The tag record (`/tags` counts the opportunities carrying it); None once none does."""
        for raw in await self.all("/tags"):
            if raw["text"] == name:
                return mapping.map_tag(raw)
        return None


async def refetch(runtime: ConnectorRuntime, refs: Sequence[Ref]) -> Refetched:
    """The records an upstream webhook named, as Lever has them now (connectors/lever/webhooks.py):
    each opportunity read by id (a 404: deleted), then each contact involved -- named, or the
    contact of an opportunity read -- rebuilt from all its opportunities, as a write reads it back
    (a contact with none left is deleted: Lever has no contact without one)."""
    client = runtime.client(max_concurrency=1)
    try:
        session = _Session(client, None)
        deleted: list[tuple[str, str]] = []
        applications: dict[str, Record] = {}
        contacts = dict.fromkeys(ref.remote_id for ref in refs if ref.model == "candidates")
        for ref in refs:
            if ref.model != "applications":
                continue
            try:
                application = await session.application(ref.remote_id)
            except RequestRejected as exc:
                if exc.status != 404:
                    raise
                deleted.append(("applications", ref.remote_id))
                continue
            applications[ref.remote_id] = application
            if application.candidate_remote_id is not None:
                contacts.setdefault(application.candidate_remote_id)
        candidates: list[Record] = []
        for contact in contacts:
            opportunities = await session.opportunities_of(contact)
            if not opportunities:
                deleted.append(("candidates", contact))
                continue
            person, listed = await session.contact_records(contact, opportunities)
            candidates.append(person)
            applications.update((app.remote_id, app) for app in listed)
        return Refetched(records=(*candidates, *applications.values()), deleted=tuple(deleted))
    finally:
        await client.aclose()


class LeverWriter:
    """Performs Kombo's actions on one integration's Lever account (LeverConnector.perform)."""

    def __init__(self, runtime: ConnectorRuntime, perform_as: str | None) -> None:
        self.runtime = runtime
        self.perform_as = perform_as

    def performer(self, remote_fields: Mapping[str, Any]) -> str | None:
        given = tool_fields(remote_fields, TOOL).get("perform_as")
        return given if isinstance(given, str) and given.strip() else self.perform_as

    async def perform(self, action: a.Action) -> ActionResult:
        performer = None
        if not isinstance(action, a.ImportTrackedApplication | a.InterviewInput):
            performer = self.performer(action.remote_fields)
        client = self.runtime.client(max_concurrency=1)
        try:
            session = _Session(client, performer)
            match action:
                case a.CreateApplication():
                    return await self._create(session, action)
                case a.MoveApplicationStage():
                    return await self._move(session, action)
                case a.RejectApplication():
                    return await self._reject(session, action)
                case a.AddNote():
                    return await self._note(session, action)
                case a.AddAttachment():
                    return await self._attach(session, action)
                case a.AddResultLink():
                    return await self._result_link(session, action)
                case a.CandidateTag():
                    return await self._tag(session, action)
                case a.ImportTrackedApplication():
                    return await self._import(session, action)
                case _:
                    raise ActionFailed(
                        400, "INTEGRATION.ACTION_NOT_AVAILABLE", f"Lever does not support the action {action.action}."
                    )
        finally:
            await client.aclose()

    async def _target_opportunity(self, session: _Session, owner: a.Target) -> str:
        """The opportunity an application's or a candidate's write goes to."""
        if owner.model == "applications":
            return owner.remote_id
        try:
            newest = await session.newest_opportunity(owner.remote_id)
        except SourceError as exc:
            raise _failed_read(exc) from None
        return str(newest["id"])

    async def _create(self, session: _Session, action: a.CreateApplication) -> ActionResult:
        if session.performer is None:
            raise ActionFailed(
                400,
                "INTEGRATION.ACTION_NOT_AVAILABLE",
                "Lever creates an opportunity only on behalf of one of its users, who becomes its owner: set the "
                "integration's `perform_as` setting to a Lever user id (or send remote_fields.lever.perform_as).",
            )
        candidate, posting_id = action.candidate, action.job.remote_id
        try:
            posting = await session.one(f"/postings/{posting_id}", "/postings")
            title = posting.get("text") or posting_id
            if posting.get("state") in CLOSED_STATES:
                raise ActionFailed(
                    400,
                    "ATS.JOB_CLOSED",
                    f"The job '{title}' ({posting_id}) is {posting['state']} in Lever and takes no new candidates.",
                )
            listed = await session.all(
                "/opportunities", {**CONFIDENTIAL, "email": candidate.email_address, "posting_id": posting_id}
            )
        except SourceError as exc:
            raise _failed_read(exc) from None
        # Lever lets a person have several opportunities on one posting; an unarchived one is the
        # same candidacy (an archived one is a past candidacy: a new application is a new one).
        if active := [o for o in listed if mapping.archive_of(o) == (None, None)]:
            raise ActionFailed(
                409,
                "ATS.APPLICATION_ALREADY_EXISTS",
                f"The candidate {candidate.email_address} has already applied to the job '{title}' ({posting_id}): "
                f"Lever opportunity {active[0]['id']}.",
            )
        body: Json = {
            "name": f"{candidate.first_name} {candidate.last_name}".strip(),
            "emails": [candidate.email_address]
            + [e.email_address for e in candidate.additional_email_addresses if e.email_address],
            "origin": "applied",
            "postings": [posting_id],
        }
        if candidate.company:
            body["headline"] = candidate.company
        phones = [{"value": candidate.phone_number}] if candidate.phone_number else []
        phones += [
            {"value": p.phone_number, "type": _PHONE_TYPES.get(p.type or "", "other")}
            for p in candidate.additional_phone_numbers
        ]
        if phones:
            body["phones"] = phones
        if candidate.location is not None and (line := _location_line(candidate.location)):
            body["location"] = line
        if candidate.social_links:
            body["links"] = list(candidate.social_links)
        if action.source_name:
            body["sources"] = [action.source_name]
        if action.stage is not None:
            body["stage"] = _stage_id(action.stage)
        extra = tool_fields(action.remote_fields, TOOL).get("candidate")
        if isinstance(extra, Mapping):
            body.update(extra)
        created = await session.write("POST", "/opportunities", repeatable=False, json=body)
        if not isinstance(created, dict) or not isinstance(created.get("id"), str):
            raise OutcomeUnknown("lever: POST /opportunities was answered without the opportunity's id")
        opportunity, contact = created["id"], created.get("contact")
        warnings: list[str] = []
        uploaded: list[str] = []
        for file in action.attachments:
            try:
                uploaded.append(await session.upload(opportunity, file))
            except (ActionFailed, OutcomeUnknown) as exc:
                warnings.append(f"The attachment {file.name!r} was not added to the Lever opportunity: {exc}")
        if not isinstance(contact, str):
            contact = (await session.one(f"/opportunities/{opportunity}", "/opportunities"))["contact"]
        person, applications = await session.contact_records(contact)
        files = await session.file_records(opportunity, contact, uploaded)
        made = ("candidates", contact) if action.action == a.CREATE_CANDIDATE else ("applications", opportunity)
        return ActionResult(records=(person, *applications, *files), created=made, warnings=tuple(warnings))

    async def _move(self, session: _Session, action: a.MoveApplicationStage) -> ActionResult:
        opportunity = action.application.remote_id
        await session.write(
            "PUT", f"/opportunities/{opportunity}/stage", repeatable=True, json={"stage": _stage_id(action.stage)}
        )
        return ActionResult(records=(await session.application(opportunity),))

    async def _reject(self, session: _Session, action: a.RejectApplication) -> ActionResult:
        opportunity = action.application.remote_id
        await session.write(
            "PUT",
            f"/opportunities/{opportunity}/archived",
            repeatable=True,
            json={"reason": action.rejection_reason.remote_id},
        )
        note_id = await session.note(opportunity, action.note) if action.note else None
        application = await session.application(opportunity)
        records: list[Record] = [application]
        if note_id is not None and (
            note := await session.note_record(opportunity, application.candidate_remote_id, note_id)
        ):
            records.append(note)
        return ActionResult(records=tuple(records))

    async def _note(self, session: _Session, action: a.AddNote) -> ActionResult:
        opportunity = action.application.remote_id
        note_id = await session.note(opportunity, action.content)
        application = await session.application(opportunity)
        note = await session.note_record(opportunity, application.candidate_remote_id, note_id)
        return ActionResult(records=(application, *([note] if note else [])))

    async def _attach(self, session: _Session, action: a.AddAttachment) -> ActionResult:
        opportunity = await self._target_opportunity(session, action.owner)
        file_id = await session.upload(opportunity, action.attachment)
        application = await session.application(opportunity)
        files = await session.file_records(opportunity, application.candidate_remote_id, [file_id])
        return ActionResult(records=(application, *files))

    async def _result_link(self, session: _Session, action: a.AddResultLink) -> ActionResult:
        opportunity = await self._target_opportunity(session, action.owner)
        # The link first: repeating it is harmless, so a failure of the note (sent once) leaves a
        # request that can simply be sent again.
        await session.write(
            "POST", f"/opportunities/{opportunity}/addLinks", repeatable=True, json={"links": [action.url]}
        )
        prefix = f"{action.custom_field_name_prefix} " if action.custom_field_name_prefix else ""
        lines = [action.label, action.url, *(f"{prefix}{key}: {value}" for key, value in action.attributes)]
        note_id = await session.note(opportunity, "\n".join(lines))
        application = await session.application(opportunity)
        contact = application.candidate_remote_id
        records: list[Record] = []
        if contact is not None:
            person, applications = await session.contact_records(contact)
            records += [person, *applications]
        else:
            records.append(application)
        if (note := await session.note_record(opportunity, contact, note_id)) is not None:
            records.append(note)
        return ActionResult(records=tuple(records))

    async def _tag(self, session: _Session, action: a.CandidateTag) -> ActionResult:
        contact, adding = action.candidate.remote_id, action.action == a.ADD_CANDIDATE_TAG
        try:
            opportunities = await session.opportunities_of(contact)
        except SourceError as exc:
            raise _failed_read(exc) from None
        if not opportunities:
            raise ActionFailed(400, "REMOTE.INPUT_INVALID", f"Lever has no opportunity of the contact {contact}.")
        verb = "addTags" if adding else "removeTags"
        touched = [o["id"] for o in opportunities if adding or action.name in (o.get("tags") or [])]
        if not touched:  # Kombo: removing a tag the candidate does not have succeeds
            return ActionResult()
        for opportunity in touched:
            await session.write(
                "POST", f"/opportunities/{opportunity}/{verb}", repeatable=True, json={"tags": [action.name]}
            )
        person, applications = await session.contact_records(contact)
        tag = await session.tag(action.name)
        # Lever lists a tag only while an opportunity carries it: one no longer listed is gone.
        deleted = (("tags", action.name),) if tag is None else ()
        return ActionResult(records=(*([tag] if tag else []), person, *applications), deleted=deleted)

    async def _import(self, session: _Session, action: a.ImportTrackedApplication) -> ActionResult:
        opportunity = action.application_remote_id
        try:
            application = await session.application(opportunity)
        except SourceError as exc:
            raise _failed_read(exc) from None
        records: list[Record] = [application]
        if application.candidate_remote_id is not None:
            person, applications = await session.contact_records(application.candidate_remote_id)
            records = [person, *(x for x in applications if x.remote_id == opportunity)]
        return ActionResult(records=tuple(records), created=("applications", opportunity))
