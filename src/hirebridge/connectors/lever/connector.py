"""Lever as streams: global lists first (users, tags, archive reasons, postings, stages), then
contacts and opportunities, then each opportunity's children.

Incremental sync: opportunities and postings are listed with `updated_at_start` (epoch ms). The
high-water mark a stream checkpoints is the *start* of the sync (taken when the connector is built),
never the newest record seen: a record updated while we were listing may have been missed, and the
next run's window (that mark minus an overlap) still covers it. A DELTA run also reads
`/opportunities/deleted` and reports those ids as `Deleted`. A FULL run reads everything; the engine
judges deletions by absence.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from hirebridge.connectors.base import Checkpoint, Deleted, FetchContext, Stream, StreamItem
from hirebridge.connectors.http import BasicKeyAuth, RequestRejected, SourceClient, run_async_iter
from hirebridge.connectors.lever import mapping, shapes
from hirebridge.connectors.paging import offset_token_pages
from hirebridge.connectors.payloads import mapped
from hirebridge.connectors.settings import ApiKeySettings
from hirebridge.model import SyncKind
from hirebridge.model.records import Record

DEFAULT_BASE_URL = "https://api.lever.co/v1"
# Re-read this much before the last sync's start: clock skew between Lever's servers and ours, and
# writes Lever commits with an `updatedAt` slightly in the past.
OVERLAP_MS = 5 * 60 * 1000
# Opportunities whose children are requested together (each child list is one request per opportunity,
# at most `max_concurrency` in flight): big enough to keep the pipe full, small enough to stream.
CHILD_BATCH = 50
# Without `confidentiality=all` Lever silently leaves out confidential postings and opportunities.
CONFIDENTIAL = {"confidentiality": "all"}

Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class OpportunityRef:
    """What a child stream needs to know about an opportunity."""

    id: str
    contact: str | None
    posting: str | None

    @classmethod
    def of(cls, opportunity: Json) -> OpportunityRef:
        contact = opportunity.get("contact")
        return cls(opportunity["id"], contact if isinstance(contact, str) else None, mapping.posting_of(opportunity))


ChildMapper = Callable[[Json, OpportunityRef], Record | None]


class LeverConnector:
    """Config: `api_key` (read scopes, plus confidential access to see confidential data), optional
    `base_url` (default Lever's production API), and the rate/timeout/retry overrides of
    `ApiKeySettings`."""

    tool: ClassVar[str] = "lever"

    def __init__(self, integration_id: str, config: Mapping[str, Any]) -> None:
        self.integration_id = integration_id
        self.settings = ApiKeySettings.parse(
            "lever", config, default_base_url=DEFAULT_BASE_URL, requests_per_second=10, burst=20
        )
        self._auth = BasicKeyAuth(self.settings.api_key)
        # A connector is built for one sync run: this is that run's start, the high-water mark.
        self.started_ms = int(time.time() * 1000)
        # The opportunities the applications stream read in this run, for the child streams.
        self._opportunities: list[OpportunityRef] | None = None
        self._downloads: tuple[asyncio.AbstractEventLoop, SourceClient] | None = None

    def streams(self) -> list[Stream]:
        return [
            Stream("users", self._simple("/users", {"includeDeactivated": "true"}, mapping.map_user)),
            Stream("tags", self._simple("/tags", {}, mapping.map_tag)),
            Stream("rejection_reasons", self._simple("/archive_reasons", {}, mapping.map_rejection_reason)),
            Stream("jobs", self._jobs),
            Stream("application_stages", self._stages),
            Stream("candidates", self._candidates),
            Stream("applications", self._applications),
            Stream("interviews", self._children(("interviews",), _interview)),
            Stream("offers", self._children(("offers",), _offer)),
            Stream("notes", self._children(("notes",), _note)),
            Stream("scorecards", self._children(("feedback",), _feedback)),
            Stream("attachments", self._children(("files", "resumes"), _attachment)),
        ]

    # --- plumbing --------------------------------------------------------------------------------

    def _run(self, make: Callable[[SourceClient], AsyncIterator[StreamItem]]) -> Iterator[StreamItem]:
        """One client per stream run (httpx clients belong to the run's private event loop)."""

        async def items() -> AsyncIterator[StreamItem]:
            client = self.settings.client(self._auth)
            try:
                async for item in make(client):
                    yield item
            finally:
                await client.aclose()

        return run_async_iter(items)

    @staticmethod
    async def _records(client: SourceClient, path: str, params: Mapping[str, Any]) -> AsyncIterator[Json]:
        """The records of a listing, each checked against the path's declared shape (lever/shapes.py)."""
        async for page in offset_token_pages(client, path, dict(params), shape=shapes.for_path(path)):
            for record in page.records:
                yield record

    async def _all(self, client: SourceClient, path: str, params: Mapping[str, Any]) -> list[Json]:
        return [record async for record in self._records(client, path, params)]

    def _since(self, context: FetchContext) -> int | None:
        """`updated_at_start` for this run: None (read everything) on FULL runs and without a state."""
        if context.kind != SyncKind.DELTA or not context.state:
            return None
        since = context.state.get("since")
        if isinstance(since, bool) or not isinstance(since, int):
            return None  # a state we do not understand: read everything rather than guess
        return max(0, min(since - OVERLAP_MS, self.started_ms))

    def _mark(self) -> Checkpoint:
        return Checkpoint({"since": self.started_ms})

    def _opportunity_params(self, since: int | None) -> dict[str, Any]:
        params: dict[str, Any] = {**CONFIDENTIAL, "expand": "applications"}
        if since is not None:
            params["updated_at_start"] = since
        return params

    # --- streams ---------------------------------------------------------------------------------

    def _simple(
        self, path: str, params: Mapping[str, Any], mapper: Callable[[Json], Record]
    ) -> Callable[[FetchContext], Iterable[StreamItem]]:
        """A small global list, read whole on every run (Lever offers no change filter for it)."""

        def fetch(context: FetchContext) -> Iterable[StreamItem]:
            del context

            async def items(client: SourceClient) -> AsyncIterator[StreamItem]:
                async for record in self._records(client, path, params):
                    yield mapped(self.tool, path, mapper, record)

            return self._run(items)

        return fetch

    def _jobs(self, context: FetchContext) -> Iterable[StreamItem]:
        since = self._since(context)

        async def items(client: SourceClient) -> AsyncIterator[StreamItem]:
            params: dict[str, Any] = dict(CONFIDENTIAL)
            if since is not None:
                params["updated_at_start"] = since
            async for posting in self._records(client, "/postings", params):
                yield mapped(self.tool, "/postings", mapping.map_job, posting)
            yield self._mark()

        return self._run(items)

    def _stages(self, context: FetchContext) -> Iterable[StreamItem]:
        """Every posting gets Lever's global stage list. Read whole each run: a new global stage
        belongs to every posting, changed or not, and both lists are a few pages at most."""
        del context

        async def items(client: SourceClient) -> AsyncIterator[StreamItem]:
            stages = await self._all(client, "/stages", {})
            async for posting in self._records(client, "/postings", CONFIDENTIAL):
                for stage in mapped(self.tool, "/stages", mapping.map_stages, posting["id"], stages):
                    yield stage

        return self._run(items)

    def _candidates(self, context: FetchContext) -> Iterable[StreamItem]:
        """Contacts, built from their opportunities (Lever has no contact list). A contact's tags are
        the union over all its opportunities, so a DELTA run re-reads every opportunity of each
        contact it saw change (`contact_id=`), never just the changed ones."""
        since = self._since(context)

        async def items(client: SourceClient) -> AsyncIterator[StreamItem]:
            params = {**CONFIDENTIAL, **({"updated_at_start": since} if since is not None else {})}
            if since is None:
                by_contact: dict[str, list[Json]] = {}
                async for opportunity in self._records(client, "/opportunities", params):
                    if isinstance(contact := opportunity.get("contact"), str):
                        by_contact.setdefault(contact, []).append(_contact_part(opportunity))
                for contact in sorted(by_contact):
                    yield mapped(self.tool, "/opportunities", mapping.candidate_from_opportunities, by_contact[contact])
            else:
                contacts = sorted(
                    {
                        o["contact"]
                        async for o in self._records(client, "/opportunities", params)
                        if isinstance(o.get("contact"), str)
                    }
                )
                for start in range(0, len(contacts), CHILD_BATCH):
                    batch = contacts[start : start + CHILD_BATCH]
                    found = await client.bounded(
                        [_bind(self._all, client, "/opportunities", {**CONFIDENTIAL, "contact_id": c}) for c in batch]
                    )
                    for opportunities in found:
                        if opportunities:
                            yield mapped(
                                self.tool, "/opportunities", mapping.candidate_from_opportunities, opportunities
                            )
            yield self._mark()

        return self._run(items)

    def _applications(self, context: FetchContext) -> Iterable[StreamItem]:
        since = self._since(context)
        refs: list[OpportunityRef] = []
        self._opportunities = None

        async def items(client: SourceClient) -> AsyncIterator[StreamItem]:
            # Outcome and rejection reason need each archive reason's type and text.
            reasons = {r["id"]: r for r in await self._all(client, "/archive_reasons", {})}
            async for opportunity in self._records(client, "/opportunities", self._opportunity_params(since)):
                refs.append(OpportunityRef.of(opportunity))
                yield mapped(self.tool, "/opportunities", mapping.map_application, opportunity, reasons)
            if since is not None:
                async for gone in self._records(client, "/opportunities/deleted", {"deleted_at_start": since}):
                    yield Deleted(gone["id"])
            self._opportunities = refs
            yield self._mark()

        return self._run(items)

    def _children(
        self, endpoints: tuple[str, ...], mapper: ChildMapper
    ) -> Callable[[FetchContext], Iterable[StreamItem]]:
        """Per-opportunity lists (`/opportunities/:id/<endpoint>`) of the opportunities this run read:
        all of them on a FULL run, the changed ones on a DELTA run (a child change bumps its
        opportunity's `updatedAt`)."""

        def fetch(context: FetchContext) -> Iterable[StreamItem]:
            since = self._since(context)

            async def items(client: SourceClient) -> AsyncIterator[StreamItem]:
                refs = self._opportunities
                if refs is None:  # run on its own (not after the applications stream)
                    refs = [
                        OpportunityRef.of(o)
                        async for o in self._records(client, "/opportunities", self._opportunity_params(since))
                    ]
                for start in range(0, len(refs), CHILD_BATCH):
                    batch = refs[start : start + CHILD_BATCH]
                    calls = [
                        _bind(self._all, client, f"/opportunities/{ref.id}/{endpoint}", {})
                        for ref in batch
                        for endpoint in endpoints
                    ]
                    results = iter(await client.bounded(calls))
                    for ref in batch:
                        for _endpoint in endpoints:
                            path = f"/opportunities/{ref.id}/{_endpoint}"
                            for payload in next(results):
                                payload = {**payload, "_endpoint": _endpoint}
                                if (record := mapped(self.tool, path, mapper, payload, ref)) is not None:
                                    yield record
                yield self._mark()

            return self._run(items)

        return fetch

    # --- files -----------------------------------------------------------------------------------

    def fetch_attachment(self, remote_id: str) -> tuple[bytes, str]:
        """Download one file or resume; KeyError when Lever no longer has it.

        The engine calls this once per file, synchronously. One event loop and one client serve all
        downloads of the run (a client per call would build a TLS context per file, which costs more
        than a small download); both are closed when the connector is collected."""
        opportunity_id, kind, file_id = mapping.parse_attachment_remote_id(remote_id)
        if self._downloads is None:
            loop = asyncio.new_event_loop()
            client = self.settings.client(self._auth)
            self._downloads = (loop, client)
            weakref.finalize(self, _close_downloads, loop, client)
        loop, client = self._downloads
        try:
            response = loop.run_until_complete(
                client.request("GET", f"/opportunities/{opportunity_id}/{kind}/{file_id}/download")
            )
        except RequestRejected as exc:
            if exc.status in (404, 410):
                raise KeyError(remote_id) from None
            raise
        content_type = response.headers.get("content-type", "application/octet-stream").split(";")[0].strip()
        return response.content, content_type


def _close_downloads(loop: asyncio.AbstractEventLoop, client: SourceClient) -> None:
    if not loop.is_closed():
        loop.run_until_complete(client.aclose())
        loop.close()


def _bind(
    call: Callable[[SourceClient, str, Mapping[str, Any]], Any], client: SourceClient, path: str, params: Json
) -> Callable[[], Any]:
    """A zero-argument call for `SourceClient.bounded` (binds the loop variables now, not later)."""
    return lambda: call(client, path, params)


_CONTACT_KEYS = (
    "id",
    "contact",
    "name",
    "headline",
    "emails",
    "phones",
    "location",
    "isAnonymized",
    "tags",
    "sources",
    "links",
    "urls",
    "createdAt",
    "updatedAt",
    "confidentiality",
)


def _contact_part(opportunity: Json) -> Json:
    """What a candidate needs of an opportunity: a FULL run holds this for every opportunity until
    the listing ends (a contact's opportunities are not listed together)."""
    return {k: opportunity.get(k) for k in _CONTACT_KEYS}


def _strip(payload: Json) -> Json:
    return {k: v for k, v in payload.items() if k != "_endpoint"}


def _interview(payload: Json, ref: OpportunityRef) -> Record | None:
    return mapping.map_interview(_strip(payload), ref.id, ref.posting)


def _offer(payload: Json, ref: OpportunityRef) -> Record | None:
    return mapping.map_offer(_strip(payload), ref.id)


def _note(payload: Json, ref: OpportunityRef) -> Record | None:
    return mapping.map_note(_strip(payload), ref.id, ref.contact)


def _feedback(payload: Json, ref: OpportunityRef) -> Record | None:
    return mapping.map_feedback(_strip(payload), ref.id, ref.contact)


def _attachment(payload: Json, ref: OpportunityRef) -> Record | None:
    if payload["_endpoint"] == "resumes":
        return mapping.map_resume(_strip(payload), ref.id, ref.contact)
    return mapping.map_file(_strip(payload), ref.id, ref.contact)
