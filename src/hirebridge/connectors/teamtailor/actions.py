"""Teamtailor write actions: Kombo's actions as JSON:API writes (`Content-Type: application/vnd.api+json`),
and the records they change read back one resource at a time (`GET /<type>/<id>` with the `include`
the streams use) and mapped with the streams' mapping (mapping.py), so a write-back equals what the next
sync stores.

A Kombo application is a Teamtailor job application; its candidate is a resource of its own, unique per
email in the company. Creating an application looks the candidate up by email (`filter[email]`, with
their job applications and those applications' jobs included): an existing candidate is applied with as
they are (not changed), a candidate already applied to the job is refused as ATS.APPLICATION_ALREADY_EXISTS;
a new one is created first (`POST /candidates`), then the job application (`POST /job-applications`).

Moving and rejecting are one `PATCH /job-applications/:id` each: the `stage` relationship, or
`rejected-at` with the `reject-reason` relationship. A note is the candidate's (Teamtailor's notes
belong to candidates) and is written as a Teamtailor user (`user_id`): the request's
`remote_fields.teamtailor.user_id`, else the integration's `user_id` setting; with neither the action
is refused before anything is sent (INTEGRATION.ACTION_NOT_AVAILABLE naming the setting).

Not declared: attachments (`POST /uploads` takes a public `url` Teamtailor downloads the file from, and
HireBridge holds the decoded bytes, with no URL of its own to hand out), tags, interviews and result links.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from hirebridge.connectors.framework.actions import ActionFailed, ActionResult, tool_fields, write
from hirebridge.connectors.framework.errors import OutcomeUnknown, RequestRejected
from hirebridge.connectors.framework.http import SourceClient
from hirebridge.connectors.framework.paging import NextUrl, Request, pages
from hirebridge.connectors.framework.payloads import check, mapping_errors
from hirebridge.connectors.framework.runtime import ConnectorRuntime
from hirebridge.connectors.framework.webhooks import Ref, Refetched
from hirebridge.connectors.teamtailor import mapping, shapes
from hirebridge.model import actions as a
from hirebridge.model.records import Record

Json = dict[str, Any]
TOOL = "teamtailor"
JSONAPI = "application/vnd.api+json"
# The includes the streams read each resource with (connector.py): a read-back maps the same document.
CANDIDATE_INCLUDE = "custom-field-values.custom-field"
APPLICATION_INCLUDE = "candidate,job,stage,reject-reason"
NOTE_INCLUDE = "candidate,user"
# A job that takes no new applications (the other `human-status`es: published, unlisted, draft, scheduled).
CLOSED = frozenset({"archived"})

_CREATE_NOTE = (
    "A Teamtailor candidate (`POST /candidates`: first and last name, email, phone) and its job application "
    "(`POST /job-applications`). A candidate with the email already is applied with as Teamtailor has them "
    "(not changed); one already applied to the job is refused as ATS.APPLICATION_ALREADY_EXISTS, an archived "
    "job as ATS.JOB_CLOSED. The application starts in the job's first stage."
)
SUPPORT: Mapping[str, a.ActionSupport] = {
    a.CREATE_APPLICATION: a.ActionSupport(fields=frozenset({"candidate.phone_number"}), note=_CREATE_NOTE),
    a.CREATE_CANDIDATE: a.ActionSupport(fields=frozenset({"candidate.phone_number"}), note=_CREATE_NOTE),
    a.MOVE_APPLICATION_STAGE: a.ActionSupport(
        note="`PATCH /job-applications/:id` with the `stage` relationship (a stage of the application's job)."
    ),
    a.REJECT_APPLICATION: a.ActionSupport(
        note="`PATCH /job-applications/:id` with `rejected-at` (now) and the `reject-reason` relationship; "
        "Teamtailor's job applications have no rejection note."
    ),
    a.ADD_APPLICATION_NOTE: a.ActionSupport(
        note="A note on the application's candidate (`POST /notes`; Teamtailor's notes belong to the candidate), "
        "written as the integration's `user_id`."
    ),
}


def _errors_message(body: Any) -> str | None:
    """The `detail`s (else `title`s) of a JSON:API `errors` list."""
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list):
        return None
    said = [str(e.get("detail") or e.get("title")) for e in errors if isinstance(e, dict)]
    return "; ".join(s for s in said if s and s != "None") or None


def _linkage(kind: str, remote_id: str) -> Json:
    return {"data": {"type": kind, "id": remote_id}}


class TeamtailorWriter:
    """Performs Kombo's actions on one integration's Teamtailor account (TeamtailorConnector.perform)."""

    def __init__(self, runtime: ConnectorRuntime, user_id: str | None) -> None:
        self.runtime = runtime
        self.user_id = user_id

    def user(self, remote_fields: Mapping[str, Any]) -> str:
        given = tool_fields(remote_fields, TOOL).get("user_id")
        user = str(given) if isinstance(given, str | int) and str(given).strip() else self.user_id
        if not user:
            raise ActionFailed(
                400,
                "INTEGRATION.ACTION_NOT_AVAILABLE",
                "Teamtailor writes a note as one of its users: set the integration's `user_id` setting to a "
                "Teamtailor user id (or send remote_fields.teamtailor.user_id).",
            )
        return user

    async def perform(self, action: a.Action) -> ActionResult:
        client = self.runtime.client(max_concurrency=1)
        try:
            match action:
                case a.CreateApplication():
                    return await self._create(client, action)
                case a.MoveApplicationStage():
                    relationships = {"stage": _linkage("stages", action.stage.remote_id)}
                    return await self._update(client, action.application, {}, relationships)
                case a.RejectApplication():
                    now = datetime.now(UTC).isoformat(timespec="milliseconds")
                    reason = {"reject-reason": _linkage("reject-reasons", action.rejection_reason.remote_id)}
                    return await self._update(client, action.application, {"rejected-at": now}, reason)
                case a.AddNote():
                    return await self._note(client, action)
                case _:
                    raise ActionFailed(
                        400,
                        "INTEGRATION.ACTION_NOT_AVAILABLE",
                        f"Teamtailor does not support the action {action.action}.",
                    )
        finally:
            await client.aclose()

    async def _create(self, client: SourceClient, action: a.CreateApplication) -> ActionResult:
        job, person = action.job, action.candidate
        attributes = (job.remote_data or {}).get("attributes") or {}
        if attributes.get("human-status") in CLOSED:
            title = attributes.get("title") or job.remote_id
            raise ActionFailed(
                400, "ATS.JOB_CLOSED", f"The job '{title}' ({job.remote_id}) is {attributes['human-status']}."
            )
        candidate_id = await _existing(client, person.email_address, job.remote_id)
        if candidate_id is None:
            fields: Json = {
                "first-name": person.first_name,
                "last-name": person.last_name,
                "email": person.email_address,
            }
            if person.phone_number:
                fields["phone"] = person.phone_number
            made = await _write(client, "POST", "/candidates", {"type": "candidates", "attributes": fields})
            candidate_id = made["id"]
        body = {
            "type": "job-applications",
            "attributes": {"sourced": False},
            "relationships": {
                "candidate": _linkage("candidates", candidate_id),
                "job": _linkage("jobs", job.remote_id),
            },
        }
        application_id = (await _write(client, "POST", "/job-applications", body))["id"]
        records = (await _candidate(client, candidate_id), await _application(client, application_id))
        created = (
            ("candidates", candidate_id) if action.action == a.CREATE_CANDIDATE else ("applications", application_id)
        )
        return ActionResult(records=records, created=created)

    async def _update(
        self, client: SourceClient, application: a.Target, attributes: Json, relationships: Json
    ) -> ActionResult:
        body = {"id": application.remote_id, "type": "job-applications", "attributes": attributes}
        if relationships:
            body["relationships"] = relationships
        await _write(client, "PATCH", f"/job-applications/{application.remote_id}", body)
        return ActionResult(records=(await _application(client, application.remote_id),))

    async def _note(self, client: SourceClient, action: a.AddNote) -> ActionResult:
        user = self.user(action.remote_fields)
        application = action.application
        candidate = mapping.linked(dict(application.remote_data or {}), "candidate")
        if candidate is None:
            raise ActionFailed(
                400, "REMOTE.INPUT_INVALID", f"Teamtailor job application {application.remote_id} has no candidate."
            )
        body = {
            "type": "notes",
            "attributes": {"note": action.content},
            "relationships": {"candidate": _linkage("candidates", candidate), "user": _linkage("users", user)},
        }
        note_id = (await _write(client, "POST", "/notes", body))["id"]
        _document, raw = await _one(client, "/notes", note_id, NOTE_INCLUDE)
        with mapping_errors(TOOL, "/notes", raw):
            return ActionResult(records=(mapping.map_note(raw),))


async def refetch(runtime: ConnectorRuntime, refs: Sequence[Ref]) -> Refetched:
    """The records an upstream webhook named (webhooks.py), read as the write actions read them back:
    each alone, with its stream's include; a 404 means Teamtailor no longer has it."""
    readers = {"candidates": _candidate, "applications": _application}
    client = runtime.client(max_concurrency=1)
    try:
        records: list[Record] = []
        deleted: list[tuple[str, str]] = []
        for ref in sorted(refs, key=lambda r: r.model != "candidates"):  # candidates first: applications refer to them
            try:
                records.append(await readers[ref.model](client, ref.remote_id))
            except RequestRejected as exc:
                if exc.status != 404:
                    raise
                deleted.append((ref.model, ref.remote_id))
        return Refetched(records=tuple(records), deleted=tuple(deleted))
    finally:
        await client.aclose()


async def _write(client: SourceClient, method: str, path: str, data: Json) -> Json:
    """One JSON:API write; the resource it answers with, or ActionFailed with Teamtailor's `errors`. A
    POST is sent once (Teamtailor does not deduplicate creations): with no answer, or a 5xx, it is
    OutcomeUnknown. A PATCH sets values and may be repeated."""
    answer = await write(
        client,
        method,
        path,
        idempotent=method != "POST",
        message_of=_errors_message,
        content=orjson.dumps({"data": data}),
        headers={"Content-Type": JSONAPI},
    )
    resource = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(resource, dict) or resource.get("id") is None:
        raise OutcomeUnknown(f"teamtailor: {method} {path} was answered without the resource's id")
    resource["id"] = str(resource["id"])
    return resource


async def _one(client: SourceClient, listing: str, remote_id: str, include: str) -> tuple[Json, Json]:
    """One resource (`GET <listing>/<id>?include=`): its document (whose `included` the mapping reads)
    and the resource, checked against the shape of its listing."""
    path = f"{listing}/{remote_id}"
    document = await client.json("GET", path, params={"include": include}, idempotent=True)
    raw = document.get("data") if isinstance(document, dict) else document
    return document, check(TOOL, path, shapes.for_path(listing), raw)


async def _candidate(client: SourceClient, candidate_id: str) -> Record:
    document, raw = await _one(client, "/candidates", candidate_id, CANDIDATE_INCLUDE)
    with mapping_errors(TOOL, "/candidates", raw):
        return mapping.map_candidate(raw, document)


async def _application(client: SourceClient, application_id: str) -> Record:
    document, raw = await _one(client, "/job-applications", application_id, APPLICATION_INCLUDE)
    with mapping_errors(TOOL, "/job-applications", raw):
        return mapping.map_application(raw, document)


async def _existing(client: SourceClient, email: str, job_id: str) -> str | None:
    """The id of the candidate with `email` (Teamtailor's emails are unique per company), or None; a
    candidate already applied to the job is refused."""
    params = {"filter[email]": email, "include": "job-applications.job"}
    request = Request("GET", "/candidates", params)
    shape = shapes.for_path("/candidates")
    async for page in pages(client, request, NextUrl("links.next"), endpoint="/candidates", shape=shape):
        for raw in page.records:
            if str((raw.get("attributes") or {}).get("email") or "").lower() != email.lower():
                continue
            for kind, application_id in mapping.linked_all(raw, "job-applications"):
                if mapping.linked(mapping.included(page.body, kind, application_id), "job") == job_id:
                    raise ActionFailed(
                        409,
                        "ATS.APPLICATION_ALREADY_EXISTS",
                        f"The candidate {email} has already applied to the job {job_id}: Teamtailor job application "
                        f"{application_id}.",
                    )
            return str(raw["id"])
    return None
