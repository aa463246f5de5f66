"""Ashby as declared streams: POST-RPC listings with sync tokens, per-candidate notes, file downloads.

A stream whose list endpoint hands out a `syncToken` stores it as its Checkpoint after the last page;
a DELTA run sends it back and gets only what changed since (streams.SyncToken; a refused token or
cursor reads the listing in full once). Notes are children of candidates; stages hang off the jobs'
interview plans (a stream written by hand).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from functools import partial
from typing import Any, ClassVar

from hirebridge.connectors.ashby import actions as writes
from hirebridge.connectors.ashby import mapping, shapes
from hirebridge.connectors.ashby.coverage import COVERAGE
from hirebridge.connectors.ashby.webhooks import WEBHOOKS
from hirebridge.connectors.base import Checkpoint, StreamItem
from hirebridge.connectors.framework import (
    Auth,
    BasicKeyAuth,
    ConfigField,
    ConfigSchema,
    CustomStream,
    HttpConnector,
    Parent,
    Request,
    RestStream,
    RpcCursor,
    SourceError,
    StreamRun,
    SyncToken,
    api_key,
    child_refresh,
    client_tunables,
    download,
    plain,
    rpc_failure,
)
from hirebridge.connectors.framework.actions import ActionResult
from hirebridge.connectors.framework.config import webhook_secret
from hirebridge.connectors.framework.files import Downloads
from hirebridge.connectors.framework.http import SourceClient
from hirebridge.connectors.framework.payloads import Shape
from hirebridge.connectors.framework.streams import REFRESH_PART, Declared, Json
from hirebridge.connectors.framework.webhooks import Ref, Refetched, UpstreamWebhooks
from hirebridge.model.actions import Action, ActionSupport

MAX_PAGE_SIZE = 100
# Answers after which Ashby's guide says: drop the sync token (or cursor) and read everything again.
SYNC = SyncToken(
    resync=frozenset(
        {
            "sync_token_expired",
            "sync_token_invalid",
            "next_cursor_expired",
            "invalid_next_cursor",
            "incremental_sync_too_large",
        }
    )
)
# file.info's answers for a handle that no longer points to a file.
MISSING_FILE_CODES = frozenset({"file_not_found", "invalid_file_handle", "not_found"})
# DELTA runs in which the notes of every unchanged candidate (and the stages of every unchanged
# job's plans) are read once: within 12 hours at the default 3-hour DELTA interval.
REFRESH_PARTS = 4


def _plans(job: Json) -> list[str]:
    return [p for p in [job.get("defaultInterviewPlanId"), *(job.get("interviewPlanIds") or [])] if p]


class AshbyConnector(HttpConnector):
    tool: ClassVar[str] = "ashby"
    label: ClassVar[str] = "Ashby"
    connection_guide_url: ClassVar[str | None] = "https://developers.ashbyhq.com/docs/authentication"
    passthrough_apis: ClassVar[tuple[str, ...]] = ("v1",)
    coverage = COVERAGE
    config = ConfigSchema(
        [
            api_key(
                help="Admin -> Integrations -> API Keys: read permission on candidates, jobs, interviews, hiring "
                "process metadata, organization and offers (and confidential jobs, to sync those).",
                vendor_url="https://developers.ashbyhq.com/docs/authentication",
            ),
            # Ashby publishes no general rate limit (only report.* at 15/min). 10 requests/s with bursts
            # of 20 (Lever's documented limit) keeps a full sync reasonably fast; a 429 is retried anyway.
            *client_tunables(base_url="https://api.ashbyhq.com", requests_per_second=10, burst=20),
            ConfigField("page_size", "int", default=MAX_PAGE_SIZE, minimum=1, maximum=MAX_PAGE_SIZE, label="Page size"),
            child_refresh(REFRESH_PARTS),
            webhook_secret(
                help="Optional: the secret token of Ashby's webhooks (Admin -> Integrations -> Webhooks), the same on "
                "each; several comma-separated during a rotation. Needed to receive Ashby's webhooks "
                "(docs/upstream-webhooks.md).",
                vendor_url="https://developers.ashbyhq.com/docs/authenticating-webhooks",
            ),
        ]
    )
    records = "results"
    headers: ClassVar[dict[str, str]] = {"Accept": "application/json; version=1"}
    # A read every key we can use may do (apiKey.info would need the apiKeysRead permission).
    check_request = Request("POST", "/user.list", json={"limit": 1})
    # Write actions (actions.py): what Ashby's API can do of Kombo's, and with which fields.
    actions: ClassVar[Mapping[str, ActionSupport]] = writes.SUPPORT
    webhooks: ClassVar[UpstreamWebhooks] = WEBHOOKS

    def auth(self) -> Auth:
        return BasicKeyAuth(self.settings["api_key"])

    def shape(self, endpoint: str) -> Shape:
        return shapes.for_endpoint(endpoint)

    @staticmethod
    def answer_error(client: SourceClient, endpoint: str, body: Any) -> SourceError | None:
        return rpc_failure(client, endpoint, body)

    def declare(self) -> Sequence[Declared]:
        self.paginator = RpcCursor(limit=self.settings["page_size"])
        rpc = partial(RestStream, method="POST")
        synced = partial(rpc, incremental=SYNC)
        return [
            synced("users", "/user.list", plain(mapping.map_user), body={"includeDeactivated": True}),
            synced("tags", "/candidateTag.list", plain(mapping.map_tag), body={"includeArchived": True}),
            rpc(
                "rejection_reasons",
                "/archiveReason.list",
                plain(mapping.map_archive_reason),
                body={"includeArchived": True},
            ),
            synced("jobs", "/job.list", plain(mapping.map_job)),
            CustomStream("application_stages", _stages),
            rpc("job_postings", "/jobPosting.list", plain(mapping.map_job_posting)),
            synced("candidates", "/candidate.list", plain(mapping.map_candidate)),
            synced("applications", "/application.list", plain(mapping.map_application)),
            synced("interviews", "/interviewSchedule.list", plain(mapping.map_interviews)),
            synced("offers", "/offer.list", plain(mapping.map_offer)),
            rpc(
                "notes",
                "/candidate.listNotes",
                lambda note, context: mapping.map_note(context.parent["id"], note),
                body={"candidateId": "{id}"},
                paginator=RpcCursor(),
                parent=Parent("candidates", refresh_parts=REFRESH_PARTS),
            ),
            # The candidates' file handles, with a sync token of its own.
            synced("attachments", "/candidate.list", plain(mapping.map_attachments)),
        ]

    async def perform(self, action: Action) -> ActionResult:
        return await writes.perform(self.runtime, action)

    async def refetch(self, refs: Sequence[Ref]) -> Refetched:
        """The records an upstream webhook named, read as write actions read them (actions.py)."""
        return await writes.refetch(self.runtime, refs)

    def fetch_attachment(self, remote_id: str) -> tuple[bytes, str]:
        """`file.info {fileHandle}` gives a short-lived URL; download it (without our credentials)."""

        async def get(files: Downloads) -> tuple[bytes, str]:
            answer = await files.api.json("POST", "/file.info", json={"fileHandle": remote_id}, idempotent=True)
            if (failure := rpc_failure(files.api, "/file.info", answer)) is not None:
                if failure.code in MISSING_FILE_CODES:
                    raise KeyError(remote_id)
                raise failure
            results = answer.get("results")
            url = results.get("url") if isinstance(results, dict) else None
            if not isinstance(url, str) or not url:
                raise SourceError("ashby file.info answered without a url")
            return await download(files.storage, url, key=remote_id)

        return self.downloads().run(get)


# Stored jobs (their `remote_data`) whose plans' stages a DELTA run re-reads.
REFRESH = Parent("jobs", refresh_parts=REFRESH_PARTS)


def _stored_plans(job: Json) -> Json:
    return {"id": job["id"], "plans": _plans(job)}


async def _stages(run: StreamRun) -> AsyncIterator[StreamItem]:
    """Stages of every job's interview plans. interviewStage.list has no sync token and needs a
    plan id; a DELTA run asks interviewPlan.list (which has one) which plans changed and reads the
    stages of those, and of the plans of one part of the stored jobs. The job list is read in full:
    it maps each plan to its job."""
    plan_jobs: dict[str, str] = {}
    async for job in run.records(Request("POST", "/job.list", json={})):
        for plan_id in _plans(job):
            plan_jobs.setdefault(plan_id, job["id"])
    plans = run.read(Request("POST", "/interviewPlan.list", json={}), SYNC, run.state)
    changed = [p["id"] async for p in plans.records() if p["id"] in plan_jobs]
    # A FULL run reads every plan a job uses (an archived plan may be missing from the list).
    wanted = dict.fromkeys(plan_jobs if plans.full else changed)
    stored, part = run.stored_part("jobs", 0 if plans.full else run.connector.refresh_parts(REFRESH), _stored_plans)
    wanted.update(dict.fromkeys(p for job in stored for p in job["plans"] if p in plan_jobs))
    of_plan = lambda plan: Request("POST", "/interviewStage.list", json={"interviewPlanId": plan["id"]})  # noqa: E731
    async for plan, endpoint, stages in run.fan_out([{"id": p} for p in wanted], of_plan, paginator=RpcCursor()):
        for stage in run.map(plain(partial(mapping.map_stages, plan_jobs[plan["id"]])), stages, endpoint):
            yield stage
    if plans.state is not None:
        yield Checkpoint({**plans.state, REFRESH_PART: part})
