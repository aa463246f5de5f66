"""SmartRecruiters write actions: Kombo's actions as SmartRecruiters' candidate and application
endpoints, and the records they change read back with the mapping the streams use (mapping.py), so a
write-back equals what the next sync stores.

An application's remote id is `<candidate id>:<job id>`, a stage's `<job id>:<status>[:<subStatus>]`, a
rejection reason's `rejection:<id>` or `withdrawal:<id>` (mapping.py): a move sends the stage's status and
sub-status, a rejection REJECTED or WITHDRAWN with the reason's id.

Writes are sent once (with no answer, or a 5xx, they are OutcomeUnknown). Not declared: notes (the
Message API's shares, which the connector does not read back), attachments, tags, interviews.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hirebridge.connectors.framework.actions import ActionFailed, ActionResult, write
from hirebridge.connectors.framework.errors import OutcomeUnknown, RequestRejected
from hirebridge.connectors.framework.http import SourceClient
from hirebridge.connectors.framework.paging import ONE, CursorInBody, Request, pages
from hirebridge.connectors.framework.payloads import mapping_errors
from hirebridge.connectors.framework.runtime import ConnectorRuntime
from hirebridge.connectors.framework.webhooks import Ref, Refetched
from hirebridge.connectors.smartrecruiters import mapping, shapes
from hirebridge.model import actions as a
from hirebridge.model.records import Record

Json = dict[str, Any]
TOOL = "smartrecruiters"
HIRING_PROCESSES = "/configuration/hiring-processes"
# Jobs that take no new candidates.
CLOSED_STATUSES = frozenset({"FILLED", "CANCELLED"})
PAGES = CursorInBody("nextPageId", param="pageId", limit=100)

SUPPORT: Mapping[str, a.ActionSupport] = {
    a.CREATE_APPLICATION: a.ActionSupport(
        fields=frozenset({"candidate.phone_number"}),
        note="Creates a SmartRecruiters candidate on the job (`POST /jobs/{jobId}/candidates`), status NEW. A "
        "candidate with the same email on the job already (`GET /candidates?q=<email>&jobId=<job>`) is refused as "
        "ATS.APPLICATION_ALREADY_EXISTS, a filled or cancelled job as ATS.JOB_CLOSED. Files, answers and the other "
        "fields are not written.",
    ),
    a.MOVE_APPLICATION_STAGE: a.ActionSupport(
        note="`PUT /candidates/{id}/jobs/{jobId}/status` with the stage's status and sub-status."
    ),
    a.REJECT_APPLICATION: a.ActionSupport(
        note="`PUT /candidates/{id}/jobs/{jobId}/status`: REJECTED with a rejection reason, WITHDRAWN with a "
        "withdrawal reason. The application's rejection time is in its status history, which the connector does "
        "not read: `rejected_at` stays null.",
    ),
}


class SmartRecruitersWriter:
    """Performs Kombo's actions on one integration's SmartRecruiters company."""

    def __init__(self, runtime: ConnectorRuntime) -> None:
        self.runtime = runtime

    async def perform(self, action: a.Action) -> ActionResult:
        client = self.runtime.client(max_concurrency=1)
        try:
            match action:
                case a.CreateApplication():
                    return await self._create(client, action)
                case a.MoveApplicationStage():
                    candidate, job = _application(action.application)
                    parts = action.stage.remote_id.split(":", 2)
                    if len(parts) < 2 or parts[0] != job:
                        raise ActionFailed(
                            400, "REMOTE.INPUT_INVALID", f"The stage {action.stage.remote_id} is not of the job {job}."
                        )
                    body: Json = {"status": parts[1]}
                    if len(parts) == 3:
                        body["subStatus"] = parts[2]
                    return await self._status(client, candidate, job, body)
                case a.RejectApplication():
                    candidate, job = _application(action.application)
                    kind, _, reason = action.rejection_reason.remote_id.partition(":")
                    status = {mapping.REJECTION_PREFIX: "REJECTED", mapping.WITHDRAWAL_PREFIX: "WITHDRAWN"}.get(kind)
                    if status is None or not reason:
                        raise ActionFailed(
                            400,
                            "REMOTE.INPUT_INVALID",
                            f"{action.rejection_reason.remote_id} is not a SmartRecruiters rejection or withdrawal "
                            "reason.",
                        )
                    return await self._status(client, candidate, job, {"status": status, "reason": reason})
                case _:
                    raise ActionFailed(
                        400,
                        "INTEGRATION.ACTION_NOT_AVAILABLE",
                        f"SmartRecruiters does not support the action {action.action}.",
                    )
        finally:
            await client.aclose()

    async def _create(self, client: SourceClient, action: a.CreateApplication) -> ActionResult:
        job, person = action.job, action.candidate
        stored = job.remote_data or {}
        if stored.get("status") in CLOSED_STATUSES:
            title = stored.get("title") or job.remote_id
            raise ActionFailed(
                400, "ATS.JOB_CLOSED", f"The job '{title}' ({job.remote_id}) is {stored['status']} in SmartRecruiters."
            )
        if await _applied(client, job.remote_id, person.email_address):
            raise ActionFailed(
                409,
                "ATS.APPLICATION_ALREADY_EXISTS",
                f"The candidate {person.email_address} has already applied to the job {job.remote_id}.",
            )
        body: Json = {"firstName": person.first_name, "lastName": person.last_name, "email": person.email_address}
        if person.phone_number:
            body["phoneNumber"] = person.phone_number
        answer = await write(client, "POST", f"/jobs/{job.remote_id}/candidates", json=body)
        created = answer.get("id") if isinstance(answer, dict) else None
        if not isinstance(created, str):
            raise OutcomeUnknown(f"smartrecruiters: the candidate {person.email_address} was created without its id")
        records = await _read_back(client, created, job.remote_id)
        return ActionResult(records=records, created=("applications", mapping.application_id(created, job.remote_id)))

    async def _status(self, client: SourceClient, candidate: str, job: str, body: Json) -> ActionResult:
        await write(client, "PUT", f"/candidates/{candidate}/jobs/{job}/status", json=body)
        return ActionResult(records=await _read_back(client, candidate, job))


def _application(target: a.Target) -> tuple[str, str]:
    candidate, _, job = target.remote_id.partition(":")
    if not candidate or not job:
        raise ActionFailed(400, "REMOTE.INPUT_INVALID", f"{target.remote_id} is not a SmartRecruiters application.")
    return candidate, job


async def _all(client: SourceClient, request: Request, endpoint: str, records: Any = "content") -> list[Json]:
    """Every record of a listing, each checked as the sync checks it."""
    found: list[Json] = []
    paginator = PAGES if records == "content" else CursorInBody("nextPageId", param="pageId")
    shape = shapes.for_path(endpoint)
    async for page in pages(client, request, paginator, endpoint=endpoint, records=records, shape=shape):
        found.extend(page.records)
    return found


async def _applied(client: SourceClient, job: str, email: str) -> bool:
    """Whether a candidate with this email is assigned to the job (`q` searches names and emails)."""
    found = await _all(client, Request("GET", "/candidates", {"q": email, "jobId": job}), "/candidates")
    return any((raw.get("email") or "").lower() == email.lower() for raw in found)


async def _read_back(client: SourceClient, candidate: str, job: str) -> tuple[Record, ...]:
    """The candidate and its application to the job, as the streams map them. The candidate too: its
    listing entry names its applications' statuses (`primaryAssignment`, `secondaryAssignments`), so
    a status change changes the payload a sync stores for it. It is found among the job's candidates
    (`jobId`): the listing has no filter by id, and a status change does not move `updatedOn`. Its
    properties are read as the candidates stream reads them (`/candidates/{id}/properties`)."""
    application = await _read_application(client, candidate, job)
    listed = await _all(client, Request("GET", "/candidates", {"jobId": job}), "/candidates")
    raw = next((r for r in listed if r["id"] == candidate), None)
    if raw is None:
        raise OutcomeUnknown(f"smartrecruiters: candidate {candidate} is not among the job {job}'s candidates")
    path = f"/candidates/{candidate}/properties"
    (detail,) = await _all(client, Request("GET", path), path, ONE)
    with mapping_errors(TOOL, "/candidates", raw):
        person = mapping.map_candidate(raw, detail)
    return person, application


async def _read_application(client: SourceClient, candidate: str, job: str) -> Record:
    """An application as the applications stream maps it."""
    processes = await _all(client, Request("GET", HIRING_PROCESSES), HIRING_PROCESSES)
    path = f"/candidates/{candidate}/jobs/{job}"
    (raw,) = await _all(client, Request("GET", path), path, ONE)
    with mapping_errors(TOOL, path, raw):
        return mapping.map_application(candidate, job, raw, mapping.pipeline(mapping.hiring_process(processes)))


async def refetch(runtime: ConnectorRuntime, refs: Sequence[Ref]) -> Refetched:
    """The applications an upstream webhook named (webhooks.py), each with its candidate, as write
    actions read them back; an application SmartRecruiters answers 404 for (the candidate removed from
    the job, or deleted) is deleted."""
    client = runtime.client(max_concurrency=1)
    try:
        records: list[Record] = []
        deleted: list[tuple[str, str]] = []
        for ref in refs:
            if ref.model != "applications":
                continue
            candidate, _, job = ref.remote_id.partition(":")
            try:
                records += await _read_back(client, candidate, job)
            except RequestRejected as exc:
                if exc.status != 404:
                    raise
                deleted.append(("applications", ref.remote_id))
        return Refetched(records=tuple(records), deleted=tuple(deleted))
    finally:
        await client.aclose()
