"""Recruitee write actions: Kombo's actions as Recruitee's candidate and placement endpoints, and the
records they change read back from the candidates list (`?ids=`) and the candidate's detail (its
profile fields) with the mapping the streams use, so a write-back equals what the next sync stores.

An application is a placement (a candidate's assignment to an offer); its candidate id is in the
placement's stored payload. Writes are made as the token's user (Recruitee's tokens are personal).
Each is sent once (no answer, or a 5xx: OutcomeUnknown). The endpoints are unverified beyond a
third-party client's list (docs/connectors/recruitee.md). Not declared: attachments, tags,
interviews, result links. `refetch` reads what an upstream webhook names (webhooks.py) the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hirebridge.connectors.framework.actions import ActionFailed, ActionResult, write
from hirebridge.connectors.framework.errors import OutcomeUnknown, RequestRejected
from hirebridge.connectors.framework.http import SourceClient
from hirebridge.connectors.framework.paging import ONE, NextUrl, Offset, Request, fetch, pages
from hirebridge.connectors.framework.payloads import mapping_errors
from hirebridge.connectors.framework.runtime import ConnectorRuntime
from hirebridge.connectors.framework.webhooks import Ref, Refetched
from hirebridge.connectors.recruitee import mapping, shapes
from hirebridge.model import actions as a
from hirebridge.model.records import Record

Json = dict[str, Any]
TOOL = "recruitee"
# Offers that take no new candidates.
CLOSED = frozenset({"closed", "archived"})
ONE_PAGE = NextUrl("next")

SUPPORT: Mapping[str, a.ActionSupport] = {
    a.CREATE_APPLICATION: a.ActionSupport(
        fields=frozenset(
            {"candidate.phone_number", "candidate.additional_email_addresses", "candidate.additional_phone_numbers"}
        ),
        note="Creates a Recruitee candidate assigned to the job (`POST /candidates` with `offers: [id]`); the source "
        "name is written as its source. A candidate of the job with the same email is refused as "
        "ATS.APPLICATION_ALREADY_EXISTS, a closed or archived job as ATS.JOB_CLOSED. The candidate starts in the "
        "job's first stage; files, answers and the other fields are not written.",
    ),
    a.MOVE_APPLICATION_STAGE: a.ActionSupport(note="`PATCH /placements/:id/change_stage`."),
    a.REJECT_APPLICATION: a.ActionSupport(
        note="`PATCH /placements/:id/disqualify` with the disqualify reason; Recruitee keeps no note with it."
    ),
    a.ADD_APPLICATION_NOTE: a.ActionSupport(
        note="Recruitee's notes belong to the candidate (`POST /candidates/:id/notes`)."
    ),
}


class RecruiteeWriter:
    """Performs Kombo's actions on one integration's Recruitee company (RecruiteeConnector.perform)."""

    def __init__(self, runtime: ConnectorRuntime, page_size: int) -> None:
        self.runtime = runtime
        self.page_size = page_size

    async def perform(self, action: a.Action) -> ActionResult:
        client = self.runtime.client(max_concurrency=1)
        try:
            match action:
                case a.CreateApplication():
                    return await self._create(client, action)
                case a.MoveApplicationStage():
                    stage = _int_id(action.stage.remote_id, "stage")
                    return await self._placement(client, action.application, "change_stage", {"stage_id": stage})
                case a.RejectApplication():
                    reason = _int_id(action.rejection_reason.remote_id, "disqualify reason")
                    if action.note:
                        raise ActionFailed(
                            400,
                            "INTEGRATION.ACTION_NOT_AVAILABLE",
                            "Recruitee keeps no note with a disqualification: add the note separately.",
                        )
                    body = {"disqualify_reason_id": reason}
                    return await self._placement(client, action.application, "disqualify", body)
                case a.AddNote():
                    return await self._note(client, action)
                case _:
                    raise ActionFailed(
                        400,
                        "INTEGRATION.ACTION_NOT_AVAILABLE",
                        f"Recruitee does not support the action {action.action}.",
                    )
        finally:
            await client.aclose()

    async def _create(self, client: SourceClient, action: a.CreateApplication) -> ActionResult:
        job, person = action.job, action.candidate
        offer = _int_id(job.remote_id, "job")
        status = (job.remote_data or {}).get("status")
        if status in CLOSED:
            title = (job.remote_data or {}).get("title") or job.remote_id
            raise ActionFailed(400, "ATS.JOB_CLOSED", f"The job '{title}' ({job.remote_id}) is {status} in Recruitee.")
        emails = [person.email_address, *(e.email_address for e in person.additional_email_addresses)]
        for row in await _all(client, {"offer_id": offer}, self.page_size):
            if person.email_address.lower() in {e.lower() for e in row.get("emails") or [] if isinstance(e, str)}:
                raise ActionFailed(
                    409,
                    "ATS.APPLICATION_ALREADY_EXISTS",
                    f"The candidate {person.email_address} is a candidate of the job {job.remote_id} already: "
                    f"Recruitee candidate {row['id']}.",
                )
        phones = [p for p in (person.phone_number, *(x.phone_number for x in person.additional_phone_numbers)) if p]
        candidate: Json = {"name": f"{person.first_name} {person.last_name}".strip(), "emails": emails}
        if phones:
            candidate["phones"] = phones
        if action.source_name:
            candidate["sources"] = [action.source_name]
        answer = await write(client, "POST", "/candidates", json={"candidate": candidate, "offers": [offer]})
        created = (answer or {}).get("candidate") if isinstance(answer, dict) else None
        if not isinstance(created, dict) or not isinstance(created.get("id"), int):
            raise OutcomeUnknown(f"recruitee: the candidate {person.email_address} was created without its id")
        records = await _read_back(client, created["id"])
        placement = next(
            (
                r.remote_id
                for r in records
                if r.MODEL == "applications" and (r.remote_data or {}).get("offer_id") == offer
            ),
            None,
        )
        if placement is None:
            raise OutcomeUnknown(f"recruitee: candidate {created['id']} was created without a placement in {offer}")
        return ActionResult(records=records, created=("applications", placement))

    async def _placement(self, client: SourceClient, application: a.Target, verb: str, body: Json) -> ActionResult:
        placement = _int_id(application.remote_id, "application")
        await write(client, "PATCH", f"/placements/{placement}/{verb}", json=body)
        return ActionResult(records=await _read_back(client, _candidate_of(application)))

    async def _note(self, client: SourceClient, action: a.AddNote) -> ActionResult:
        candidate = _candidate_of(action.application)
        answer = await write(client, "POST", f"/candidates/{candidate}/notes", json={"note": {"body": action.content}})
        note = (answer or {}).get("note") if isinstance(answer, dict) else None
        if not isinstance(note, dict) or not isinstance(note.get("id"), int):
            raise OutcomeUnknown(f"recruitee: the note on candidate {candidate} was answered without its id")
        path = f"/candidates/{candidate}/notes"
        shape = shapes.for_path(path)
        async for page in pages(client, Request("GET", path), ONE_PAGE, endpoint=path, records="notes", shape=shape):
            for raw in page.records:
                if raw["id"] == note["id"]:
                    with mapping_errors(TOOL, path, raw):
                        return ActionResult(records=(mapping.map_note(str(candidate), raw),))
        raise OutcomeUnknown(f"recruitee: note {note['id']} is not among candidate {candidate}'s notes")


def _int_id(remote_id: str, what: str) -> int:
    try:
        return int(remote_id)
    except ValueError:
        raise ActionFailed(400, "REMOTE.INPUT_INVALID", f"{remote_id!r} is no Recruitee {what} id.") from None


def _candidate_of(application: a.Target) -> int:
    candidate = (application.remote_data or {}).get("candidate_id")
    if not isinstance(candidate, int):
        raise ActionFailed(
            400, "REMOTE.INPUT_INVALID", f"Recruitee placement {application.remote_id} has no candidate."
        )
    return candidate


async def _all(client: SourceClient, params: Mapping[str, Any], page_size: int) -> list[Json]:
    """Candidates of the listing with `params`, each checked as the sync checks it."""
    found: list[Json] = []
    request = Request("GET", "/candidates", dict(params))
    shape = shapes.for_path("/candidates")
    paginator = Offset(limit=page_size, until_empty=True)
    async for page in pages(client, request, paginator, records="candidates", shape=shape):
        found.extend(page.records)
    return found


async def _listing(client: SourceClient, path: str, records: str) -> list[Json]:
    found: list[Json] = []
    shape = shapes.for_path(path)
    async for page in pages(client, Request("GET", path), ONE_PAGE, endpoint=path, records=records, shape=shape):
        found.extend(page.records)
    return found


async def _by_ids(client: SourceClient, candidate_ids: Sequence[int]) -> list[Json]:
    """The candidates of `candidate_ids`, from the candidates list (`?ids=`, one answer: the docs say
    a listing without limit and offset is whole)."""
    wanted = ",".join(str(c) for c in candidate_ids)
    request = Request("GET", "/candidates", {"ids": wanted})
    shape = shapes.for_path("/candidates")
    found: list[Json] = []
    async for page in pages(client, request, ONE_PAGE, records="candidates", shape=shape):
        found.extend(r for r in page.records if r["id"] in candidate_ids)
    return found


async def _detail(client: SourceClient, candidate_id: int) -> Json | None:
    """A candidate's detail (`GET /candidates/:id`'s `candidate`: the profile fields the list leaves
    out), checked as the sync checks it; None when the candidate is gone (404)."""
    path = f"/candidates/{candidate_id}"
    try:
        answer = await fetch(client, Request("GET", path), endpoint=path, records=ONE, shape=shapes.for_path(path))
    except RequestRejected as exc:
        if exc.status == 404:
            return None
        raise
    detail: Json = answer.records[0]["candidate"]
    return detail


async def _read_back(client: SourceClient, candidate_id: int) -> tuple[Record, ...]:
    """A candidate as the streams map it (its row of the candidates list and its detail): the candidate
    and its applications."""
    rows = await _by_ids(client, [candidate_id])
    if not rows:
        raise OutcomeUnknown(f"recruitee: candidate {candidate_id} is not in the candidates list")
    records, gone = await _mapped(client, rows)
    if gone:
        raise OutcomeUnknown(f"recruitee: candidate {candidate_id}'s detail answers 404")
    return records


async def _mapped(client: SourceClient, rows: list[Json]) -> tuple[tuple[Record, ...], set[int]]:
    """Candidates (each with its detail) and their applications, mapped with the company's tags, jobs
    and reasons; and the ids of the candidates whose detail is gone (deleted since they were listed:
    none of their records is made)."""
    tags = await _listing(client, "/tags", "tags")
    offers = await _listing(client, "/offers", "offers")
    reasons = await _listing(client, "/disqualify_reasons", "disqualify_reasons")
    tag_ids = {t["name"]: str(t["id"]) for t in tags if t.get("name")}
    jobs = frozenset(str(o["id"]) for o in offers if o.get("kind") == mapping.JOB)
    names = {str(r["id"]): r["name"] for r in reasons if r.get("name")}
    records: list[Record] = []
    gone: set[int] = set()
    for row in rows:
        detail = await _detail(client, row["id"])
        if detail is None:
            gone.add(row["id"])
            continue
        with mapping_errors(TOOL, "/candidates", row):
            records += (mapping.map_candidate(row, detail, tag_ids), *mapping.map_placements(row, jobs, names))
    return tuple(records), gone


async def refetch(runtime: ConnectorRuntime, refs: Sequence[Ref]) -> Refetched:
    """The records an upstream webhook named, as Recruitee has them now (webhooks.py): each named
    candidate with its placements, from one candidates list request and the candidate's detail. A
    candidate the list no longer has (or whose detail answers 404) is deleted, and so is a named
    placement none of the fetched candidates holds (an event names a placement's candidate too)."""
    candidates = sorted({int(r.remote_id) for r in refs if r.model == "candidates" and r.remote_id.isdigit()})
    records: tuple[Record, ...] = ()
    gone: set[int] = set()
    client = runtime.client(max_concurrency=1)
    try:
        rows = await _by_ids(client, candidates) if candidates else []
        if rows:
            records, gone = await _mapped(client, rows)
    finally:
        await client.aclose()
    rows = [r for r in rows if r["id"] not in gone]
    found = {str(r["id"]) for r in rows}
    placed = {str(p["id"]) for r in rows for p in r.get("placements") or []}
    deleted = [("candidates", str(c)) for c in candidates if str(c) not in found]
    deleted += [("applications", r.remote_id) for r in refs if r.model == "applications" and r.remote_id not in placed]
    return Refetched(records=records, deleted=tuple(deleted))
