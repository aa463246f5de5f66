"""The Ashby connector: POST-RPC listings with sync tokens, per-record child calls, file downloads.

Each stream runs on its own event loop (`run_async_iter`) with its own `SourceClient`; all of them
share the integration's token bucket. A stream whose list endpoint hands out a `syncToken` stores it
as its Checkpoint after the last page; a DELTA run sends it back and gets only what changed since.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

from hirebridge.connectors.ashby import mapping, shapes
from hirebridge.connectors.base import Checkpoint, FetchContext, Stream, StreamItem
from hirebridge.connectors.http import BasicKeyAuth, RequestRejected, SourceClient, SourceError, run_async_iter
from hirebridge.connectors.paging import RpcError, rpc_cursor_pages, rpc_failure
from hirebridge.connectors.payloads import mapped, mapping_errors
from hirebridge.connectors.settings import ApiKeySettings, ConfigError
from hirebridge.model import SyncKind
from hirebridge.model.records import Record

log = logging.getLogger(__name__)

Json = dict[str, Any]
DEFAULT_BASE_URL = "https://api.ashbyhq.com"
# Ashby publishes no general rate limit (only report.* at 15/min). 10 requests/s with bursts of 20
# (Lever's documented limit) keeps a full sync reasonably fast; a 429 is retried with backoff anyway.
DEFAULT_REQUESTS_PER_SECOND = 10.0
DEFAULT_BURST = 20
MAX_PAGE_SIZE = 100
# Answers after which Ashby's guide says: drop the sync token (or cursor) and read everything again.
RESYNC_CODES = frozenset(
    {
        "sync_token_expired",
        "sync_token_invalid",
        "next_cursor_expired",
        "invalid_next_cursor",
        "incremental_sync_too_large",
    }
)
# file.info's answers for a handle that no longer points to a file.
MISSING_FILE_CODES = frozenset({"file_not_found", "invalid_file_handle", "not_found"})

Emit = Callable[[SourceClient, list[Json]], Awaitable[Iterable[Record]]]


@dataclass(frozen=True, slots=True)
class AshbyAuth:
    """Basic auth with the key as username, plus the API version header Ashby asks for."""

    basic: BasicKeyAuth

    def headers(self) -> Mapping[str, str]:
        return {**self.basic.headers(), "Accept": "application/json; version=1"}


@dataclass(frozen=True, slots=True)
class _NoAuth:
    """For file downloads: the URL `file.info` hands out is pre-signed, and a storage service rejects
    a request that carries a second credential."""

    def headers(self) -> Mapping[str, str]:
        return {}


def _page_size(config: Mapping[str, Any]) -> int:
    value = config.get("page_size", MAX_PAGE_SIZE)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PAGE_SIZE:
        raise ConfigError(f"'page_size' must be an integer from 1 to {MAX_PAGE_SIZE}, got {value!r}")
    return value


class AshbyConnector:
    """Config: `api_key` (required), `base_url`, `page_size` (1-100) and the client tunables of
    `ApiKeySettings` (`requests_per_second`, `burst`, `timeout`, `retry_*`)."""

    tool: ClassVar[str] = "ashby"

    def __init__(self, integration_id: str, config: Mapping[str, Any]) -> None:
        self.integration_id = integration_id
        self.settings = ApiKeySettings.parse(
            self.tool,
            config,
            default_base_url=DEFAULT_BASE_URL,
            requests_per_second=DEFAULT_REQUESTS_PER_SECOND,
            burst=DEFAULT_BURST,
        )
        self.auth = AshbyAuth(BasicKeyAuth(self.settings.api_key))
        self.page_size = _page_size(config)
        self._files: tuple[asyncio.AbstractEventLoop, SourceClient, SourceClient] | None = None

    def streams(self) -> list[Stream]:
        return [
            Stream("users", self._listing("user.list", {"includeDeactivated": True}, _each(mapping.map_user))),
            Stream("tags", self._listing("candidateTag.list", {"includeArchived": True}, _each(mapping.map_tag))),
            Stream(
                "rejection_reasons",
                self._listing(
                    "archiveReason.list",
                    {"includeArchived": True},
                    _each(mapping.map_archive_reason),
                    incremental=False,
                ),
            ),
            Stream("jobs", self._listing("job.list", {}, _each(mapping.map_job))),
            Stream("application_stages", self._stages),
            Stream(
                "job_postings",
                self._listing("jobPosting.list", {}, _each(mapping.map_job_posting), incremental=False),
            ),
            Stream("candidates", self._listing("candidate.list", {}, _each(mapping.map_candidate))),
            Stream("applications", self._listing("application.list", {}, _each(mapping.map_application))),
            Stream("interviews", self._listing("interviewSchedule.list", {}, _interviews)),
            Stream("offers", self._listing("offer.list", {}, _each(mapping.map_offer))),
            # Notes and files hang off candidates: these streams page candidate.list with sync tokens
            # of their own, so each catches up on exactly the candidates it has not yet read.
            Stream("notes", self._listing("candidate.list", {}, self._notes)),
            Stream("attachments", self._listing("candidate.list", {}, _attachments)),
        ]

    # --- streams ----------------------------------------------------------------------------

    def _listing(
        self, endpoint: str, body: Json, emit: Emit, *, incremental: bool = True
    ) -> Callable[[FetchContext], Iterable[StreamItem]]:
        def fetch(context: FetchContext) -> Iterable[StreamItem]:
            return run_async_iter(lambda: self._read(context, endpoint, body, emit, incremental))

        return fetch

    async def _read(
        self, context: FetchContext, endpoint: str, body: Json, emit: Emit, incremental: bool
    ) -> AsyncIterator[StreamItem]:
        client = self.settings.client(self.auth)
        try:
            async for item in self._synced(client, context, endpoint, body, emit, incremental):
                yield item
        finally:
            await client.aclose()

    async def _synced(
        self, client: SourceClient, context: FetchContext, endpoint: str, body: Json, emit: Emit, incremental: bool
    ) -> AsyncIterator[StreamItem]:
        async for records, token in self._pages(client, context, endpoint, body, incremental):
            with mapping_errors(self.tool, endpoint):
                emitted = await emit(client, records)
            for record in emitted:
                yield record
            if token:
                yield Checkpoint({"sync_token": token})

    async def _pages(
        self, client: SourceClient, context: FetchContext, endpoint: str, body: Json, incremental: bool
    ) -> AsyncIterator[tuple[list[Json], str | None]]:
        """Pages of `endpoint` (only changes since the stored token on a DELTA run), the last one with
        the token for the next run.

        When Ashby refuses the token or a cursor, the listing starts over without a token (once): the
        records already yielded are re-read, which the engine's content hash turns into no-ops."""
        token = _stored_token(context) if incremental else None
        restarted = False
        while True:
            request = {**body, "syncToken": token} if token else dict(body)
            try:
                pages = rpc_cursor_pages(
                    client, f"/{endpoint}", request, limit=self.page_size, shape=shapes.for_endpoint(endpoint)
                )
                async for page in pages:
                    yield page.records, page.sync_token if incremental else None
                return
            except RpcError as exc:
                if restarted or exc.code not in RESYNC_CODES:
                    raise
                log.info("ashby %s: %s, reading it in full", endpoint, exc.code, extra={"tool": self.tool})
                token, restarted = None, True

    def _stages(self, context: FetchContext) -> Iterable[StreamItem]:
        return run_async_iter(lambda: self._read_stages(context))

    async def _read_stages(self, context: FetchContext) -> AsyncIterator[StreamItem]:
        """Stages of every job's interview plans. interviewStage.list has no sync token and needs a
        plan id; a DELTA run asks interviewPlan.list (which has one) which plans changed and reads the
        stages of those only. The job list is read in full: it maps each plan to its job."""
        client = self.settings.client(self.auth)
        try:
            plan_jobs: dict[str, str] = {}
            jobs = rpc_cursor_pages(client, "/job.list", {}, limit=self.page_size, shape=shapes.JOB)
            async for page in jobs:
                for job in page.records:
                    for plan_id in [job.get("defaultInterviewPlanId"), *(job.get("interviewPlanIds") or [])]:
                        if plan_id:
                            plan_jobs.setdefault(plan_id, job["id"])
            changed: list[str] = []
            token: str | None = None
            async for plans, page_token in self._pages(client, context, "interviewPlan.list", {}, True):
                changed.extend(p["id"] for p in plans if p["id"] in plan_jobs)
                token = page_token or token
            # A FULL run reads every plan a job uses (an archived plan may be missing from the list).
            wanted = changed if _stored_token(context) else list(plan_jobs)
            stage_lists = await client.bounded(
                [partial(_all, client, "/interviewStage.list", {"interviewPlanId": plan_id}) for plan_id in wanted]
            )
            for plan_id, stages in zip(wanted, stage_lists, strict=True):
                for stage in mapped(self.tool, "interviewStage.list", mapping.map_stages, plan_jobs[plan_id], stages):
                    yield stage
            if token:
                yield Checkpoint({"sync_token": token})
        finally:
            await client.aclose()

    async def _notes(self, client: SourceClient, candidates: list[Json]) -> list[Record]:
        pages = await client.bounded(
            [partial(_all, client, "/candidate.listNotes", {"candidateId": c["id"]}) for c in candidates]
        )
        return [
            mapped(self.tool, "candidate.listNotes", mapping.map_note, c["id"], note)
            for c, notes in zip(candidates, pages, strict=True)
            for note in notes
        ]

    # --- files ------------------------------------------------------------------------------

    def fetch_attachment(self, remote_id: str) -> tuple[bytes, str]:
        """`file.info {fileHandle}` gives a short-lived URL; download it (without our credentials).

        The engine asks for files one by one, synchronously: the clients (and the event loop they
        belong to) live for all downloads of this connector instance instead of one pair per file
        (building an httpx client costs ~50 ms of TLS setup), and are closed when it is collected."""
        if self._files is None:
            loop = asyncio.new_event_loop()
            api, storage = self.settings.client(self.auth), self.settings.client(_NoAuth())
            self._files = (loop, api, storage)
            weakref.finalize(self, _close_files, loop, api, storage)
        loop, api, storage = self._files
        return loop.run_until_complete(_download(api, storage, remote_id))


def _close_files(loop: asyncio.AbstractEventLoop, api: SourceClient, storage: SourceClient) -> None:
    loop.run_until_complete(api.aclose())
    loop.run_until_complete(storage.aclose())
    loop.close()


async def _download(api: SourceClient, storage: SourceClient, handle: str) -> tuple[bytes, str]:
    answer = await api.json("POST", "/file.info", json={"fileHandle": handle})
    if (failure := rpc_failure(api, "/file.info", answer)) is not None:
        if failure.code in MISSING_FILE_CODES:
            raise KeyError(handle)
        raise failure
    results = answer.get("results")
    url = results.get("url") if isinstance(results, dict) else None
    if not isinstance(url, str) or not url:
        raise SourceError("ashby file.info answered without a url")
    try:
        response = await storage.request("GET", url)
    except RequestRejected as exc:
        if exc.status in (404, 410):
            raise KeyError(handle) from None
        raise
    content_type = response.headers.get("content-type", "application/octet-stream").split(";")[0].strip()
    return response.content, content_type


def _stored_token(context: FetchContext) -> str | None:
    """A DELTA run resumes from the stored token; a FULL run (or a first run) reads everything."""
    if context.kind != SyncKind.DELTA or not context.state:
        return None
    token = context.state.get("sync_token")
    return token if isinstance(token, str) and token else None


async def _all(client: SourceClient, endpoint: str, body: Json) -> list[Json]:
    """Every record of a child listing (a plan's stages, a candidate's notes)."""
    pages = rpc_cursor_pages(client, endpoint, body, shape=shapes.for_endpoint(endpoint))
    return [record async for page in pages for record in page.records]


def _each(mapper: Callable[[Json], Record]) -> Emit:
    async def emit(client: SourceClient, records: list[Json]) -> list[Record]:
        del client
        return [mapper(r) for r in records]

    return emit


async def _interviews(client: SourceClient, schedules: list[Json]) -> list[Record]:
    del client
    return [interview for schedule in schedules for interview in mapping.map_interviews(schedule)]


async def _attachments(client: SourceClient, candidates: list[Json]) -> list[Record]:
    del client
    return [attachment for candidate in candidates for attachment in mapping.map_attachments(candidate)]
