"""Workable write actions: Kombo's actions as Workable's candidate endpoints, and the records they change
read back from the candidates list and the candidate's detail with the mapping the streams use
(mapping.py), so a write-back equals what the next sync stores.

In Workable an application is a *candidate* (one per person and job; mapping.py), a job is known by its
shortcode, a stage remote id is `"<shortcode>:<slug>"`. Every write but the creation of a candidate is
made as a Workable member (`member_id`): the request's `remote_fields.workable.member_id`, else the
integration's `member_id` setting; with neither, the action is refused (INTEGRATION.ACTION_NOT_AVAILABLE
naming the setting) rather than made as a member picked for the customer.

Writes are POSTs Workable does not deduplicate: each is sent once (with no answer, or a 5xx, it is
OutcomeUnknown). Not declared: attachments (Workable takes files only inside a candidate's creation),
tags (`PUT /candidates/:id/tags` replaces the list, and the connector does not read tags), interviews
(events cannot be created through the API) and result links.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hirebridge.connectors.framework.actions import ActionFailed, ActionResult, tool_fields, write
from hirebridge.connectors.framework.errors import OutcomeUnknown, RequestRejected
from hirebridge.connectors.framework.http import SourceClient
from hirebridge.connectors.framework.paging import ONE, NextUrl, Request, pages
from hirebridge.connectors.framework.payloads import mapping_errors
from hirebridge.connectors.framework.runtime import ConnectorRuntime
from hirebridge.connectors.framework.webhooks import Ref, Refetched
from hirebridge.connectors.workable import mapping, shapes
from hirebridge.model import actions as a
from hirebridge.model.records import Record

Json = dict[str, Any]
TOOL = "workable"
# Jobs that take no new candidates.
CLOSED_STATES = frozenset({"closed", "archived"})

SUPPORT: Mapping[str, a.ActionSupport] = {
    a.CREATE_APPLICATION: a.ActionSupport(
        fields=frozenset({"candidate.phone_number", "candidate.title"}),
        note="Creates a Workable candidate on the job (`POST /jobs/:shortcode/candidates`, as applied: `sourced: "
        "false`); `candidate.title` is Workable's headline. A candidate with the same email on the job already is "
        "refused as ATS.APPLICATION_ALREADY_EXISTS, a closed or archived job as ATS.JOB_CLOSED. The candidate "
        "starts in the job's first stage; files, answers and the other fields are not written.",
    ),
    a.MOVE_APPLICATION_STAGE: a.ActionSupport(
        note="`POST /candidates/:id/move` to the stage's slug, as the integration's `member_id`."
    ),
    a.REJECT_APPLICATION: a.ActionSupport(
        fields=frozenset({"note"}),
        note="`POST /candidates/:id/disqualify` with the disqualification reason (`withdrew` as the reason says); "
        "`note` is Workable's disqualify note. Workable's candidates list has no disqualification time, so "
        "`rejected_at` stays null.",
    ),
    a.ADD_APPLICATION_NOTE: a.ActionSupport(note="A comment of the candidate (`POST /candidates/:id/comments`)."),
}


class WorkableWriter:
    """Performs Kombo's actions on one integration's Workable account (WorkableConnector.perform)."""

    def __init__(self, runtime: ConnectorRuntime, member_id: str | None) -> None:
        self.runtime = runtime
        self.member_id = member_id

    def member(self, remote_fields: Mapping[str, Any]) -> str:
        given = tool_fields(remote_fields, TOOL).get("member_id")
        member = given if isinstance(given, str) and given.strip() else self.member_id
        if not member:
            raise ActionFailed(
                400,
                "INTEGRATION.ACTION_NOT_AVAILABLE",
                "Workable makes this change only as one of its members: set the integration's `member_id` setting "
                "to a Workable member id (or send remote_fields.workable.member_id).",
            )
        return member

    async def perform(self, action: a.Action) -> ActionResult:
        client = self.runtime.client(max_concurrency=1)
        try:
            match action:
                case a.CreateApplication():
                    return await self._create(client, action)
                case a.MoveApplicationStage():
                    slug = action.stage.remote_id.split(":", 1)[-1]
                    move = {"member_id": self.member(action.remote_fields), "target_stage": slug}
                    return await self._change(client, action.application, "move", move)
                case a.RejectApplication():
                    reason = action.rejection_reason
                    body: Json = {
                        "member_id": self.member(action.remote_fields),
                        "disqualify_reason_id": reason.remote_id,
                        "withdrew": bool((reason.remote_data or {}).get("candidate_withdrew")),
                    }
                    if action.note:
                        body["disqualify_note"] = action.note
                    return await self._change(client, action.application, "disqualify", body)
                case a.AddNote():
                    return await self._comment(client, action)
                case _:
                    raise ActionFailed(
                        400,
                        "INTEGRATION.ACTION_NOT_AVAILABLE",
                        f"Workable does not support the action {action.action}.",
                    )
        finally:
            await client.aclose()

    async def _create(self, client: SourceClient, action: a.CreateApplication) -> ActionResult:
        job, person = action.job, action.candidate
        shortcode = job.remote_id
        state = (job.remote_data or {}).get("state")
        if state in CLOSED_STATES:
            title = (job.remote_data or {}).get("title") or shortcode
            raise ActionFailed(400, "ATS.JOB_CLOSED", f"The job '{title}' ({shortcode}) is {state} in Workable.")
        if existing := await _rows(client, shortcode, person.email_address):
            raise ActionFailed(
                409,
                "ATS.APPLICATION_ALREADY_EXISTS",
                f"The candidate {person.email_address} has already applied to the job {shortcode}: Workable candidate "
                f"{existing[0]['id']}.",
            )
        candidate: Json = {
            "name": f"{person.first_name} {person.last_name}".strip(),
            "firstname": person.first_name,
            "lastname": person.last_name,
            "email": person.email_address,
        }
        if person.phone_number:
            candidate["phone"] = person.phone_number
        if person.title:
            candidate["headline"] = person.title
        answer = await write(
            client, "POST", f"/jobs/{shortcode}/candidates", json={"sourced": False, "candidate": candidate}
        )
        created = (answer or {}).get("candidate") if isinstance(answer, dict) else None
        if not isinstance(created, dict) or not isinstance(created.get("id"), str):
            raise OutcomeUnknown(f"workable: the candidate {person.email_address} was created without its id")
        records = await _read_back(client, shortcode, created["id"], person.email_address)
        return ActionResult(records=records, created=("applications", created["id"]))

    async def _change(self, client: SourceClient, application: a.Target, verb: str, body: Json) -> ActionResult:
        await write(client, "POST", f"/candidates/{application.remote_id}/{verb}", json=body)
        return ActionResult(records=await _read_back_target(client, application))

    async def _comment(self, client: SourceClient, action: a.AddNote) -> ActionResult:
        application = action.application
        body = {"member_id": self.member(action.remote_fields), "comment": {"body": action.content}}
        answer = await write(client, "POST", f"/candidates/{application.remote_id}/comments", json=body)
        comment_id = answer.get("id") if isinstance(answer, dict) else None
        if not isinstance(comment_id, str):
            raise OutcomeUnknown(f"workable: the comment on {application.remote_id} was answered without its id")
        # A comment moves its candidate's `updated_at`: the candidate's records are read back too.
        records = list(await _read_back_target(client, application))
        path = f"/candidates/{application.remote_id}/activities"
        for raw in await _all(client, path, {"actions": "comment"}, "activities"):
            if raw["id"] == comment_id:
                with mapping_errors(TOOL, path, raw):
                    note = mapping.map_comment(application.remote_id, raw)
                if note is not None:
                    records.append(note)
        return ActionResult(records=tuple(records))


async def _all(client: SourceClient, path: str, params: Mapping[str, Any], records: str) -> list[Json]:
    """Every record of a listing, each checked as the sync checks it."""
    found: list[Json] = []
    request = Request("GET", path, dict(params))
    shape = shapes.for_path(path)
    async for page in pages(client, request, NextUrl("paging.next"), endpoint=path, records=records, shape=shape):
        found.extend(page.records)
    return found


async def _rows(client: SourceClient, shortcode: str, email: str | None) -> list[Json]:
    """The job's candidates (with `email`, when known), as the candidates list gives them."""
    params = {"shortcode": shortcode, **({"email": email} if email else {})}
    return await _all(client, "/candidates", params, "candidates")


async def _detail(client: SourceClient, candidate_id: str) -> Json:
    """The candidate's detail (`GET /candidates/:id`), checked as the sync checks it; RequestRejected
    (404) when Workable no longer has the candidate."""
    [answer] = await _all(client, f"/candidates/{candidate_id}", {}, ONE)
    detail: Json = answer["candidate"]
    return detail


async def _read_back(
    client: SourceClient, shortcode: str, candidate_id: str, email: str | None, detail: Json | None = None
) -> tuple[Record, ...]:
    """A Workable candidate as the streams map it: the candidate (its list row and its detail, read
    unless given) and its application (its row)."""
    row = next((r for r in await _rows(client, shortcode, email) if r["id"] == candidate_id), None)
    if row is None:
        raise OutcomeUnknown(f"workable: candidate {candidate_id} is not in the job {shortcode}'s candidates")
    if detail is None:
        detail = await _detail(client, candidate_id)
    stages = await _all(client, "/stages", {}, "stages")
    slugs = {s["name"]: s["slug"] for s in stages if s.get("name")}
    with mapping_errors(TOOL, "/candidates", row):
        return mapping.map_candidate(row, detail), mapping.map_application(row, slugs)


async def _read_back_target(client: SourceClient, application: a.Target) -> tuple[Record, ...]:
    stored = application.remote_data or {}
    shortcode = (stored.get("job") or {}).get("shortcode")
    if not isinstance(shortcode, str):
        raise ActionFailed(400, "REMOTE.INPUT_INVALID", f"Workable candidate {application.remote_id} has no job.")
    return await _read_back(client, shortcode, application.remote_id, stored.get("email"))


async def refetch(runtime: ConnectorRuntime, refs: Sequence[Ref]) -> Refetched:
    """The records an upstream webhook named (webhooks.py): each candidate's detail (`GET
    /candidates/:id`) gives its job and email, and the candidate is read back from the candidates list
    and that detail as a write reads it back (its candidate and application records); a 404 means
    Workable no longer has it (both records deleted)."""
    client = runtime.client(max_concurrency=1)
    try:
        records: list[Record] = []
        deleted: list[tuple[str, str]] = []
        for candidate_id in dict.fromkeys(ref.remote_id for ref in refs):
            try:
                candidate = await _detail(client, candidate_id)
            except RequestRejected as exc:
                if exc.status != 404:
                    raise
                deleted += [("candidates", candidate_id), ("applications", candidate_id)]
                continue
            shortcode = (candidate.get("job") or {}).get("shortcode")
            if not isinstance(shortcode, str):
                raise OutcomeUnknown(f"workable: candidate {candidate_id}'s detail names no job")
            records.extend(await _read_back(client, shortcode, candidate_id, candidate.get("email"), candidate))
        return Refetched(records=tuple(records), deleted=tuple(deleted))
    finally:
        await client.aclose()
