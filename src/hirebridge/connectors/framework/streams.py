"""Declared streams and the runner that reads them.

A connector declares its streams (`HttpConnector.declare`, in parent-first order); the runner owns
what every connector used to write again: the client per run, the state (read, checkpointed, handed
back), paging and flattening (`records`: where the list is in a body), the check of every record's
shape and of every mapper call (payloads.py), incremental filters, deletion feeds, the fan-out to
child requests with bounded concurrency, the re-read of children of unchanged parents, and read-ahead
(`run_async_iter`).

- `RestStream`: a listing mapped to one unified model. `incremental` says how a DELTA run asks for
  changes only: `UpdatedSince` (a time filter; the state is this run's start, never the newest record
  seen, and the next DELTA asks from it minus `overlap`) or `SyncToken` (an opaque token the last page
  hands out; a refused one -> the listing is read in full once). A FULL run sends no filter. A
  `DeletionFeed` is read on DELTA runs and reported as `Deleted`. `prepare` loads lookup tables first
  (`MapContext.lookups`).
- `Parent`: a child stream makes one request chain per parent record (`{id}` etc. in its path or body
  filled from `Parent.key`). It reuses what its parent stream read earlier in the same run when the
  two started from the same state (else it reads the parent listing itself, from its own state, so a
  child that failed last time catches up). On a DELTA run it also re-reads the children of one part
  of the *stored* parents (`FetchContext.stored(model, part=(i, k))`, i advancing run by run): no
  vendor documents that a parent's `updatedAt` moves when a child changes, so a child of an unchanged
  parent shows within k DELTA runs (`refresh_parts`, overridable per integration with the
  `child_refresh_parts` setting; 0 = only FULL runs read them).
- `Detail`: a read per listed record that completes it (a field the listing lacks), given to the
  mapper as `MapContext.detail`; a record whose detail is gone (`absent`) is skipped.
- `CustomStream`: the escape hatch, an async generator given a `StreamRun` with the same helpers.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from types import EllipsisType
from typing import TYPE_CHECKING, Any

from hirebridge.connectors.base import Checkpoint, Deleted, FetchContext, StreamItem
from hirebridge.connectors.framework.errors import RequestRejected, SourceError
from hirebridge.connectors.framework.http import SourceClient
from hirebridge.connectors.framework.paging import ONE, Paginator, Request, Response, pages
from hirebridge.connectors.framework.payloads import Shape, mapping_errors
from hirebridge.model import SyncKind
from hirebridge.model.records import Record

if TYPE_CHECKING:
    from hirebridge.connectors.framework.connector import HttpConnector

log = logging.getLogger(__name__)

Json = dict[str, Any]
# Parents whose children are requested together (each child list is a request chain per parent, at
# most `Parent.concurrency` in flight): big enough to keep the pipe full, small enough to stream.
CHILD_BATCH = 50
# The key of a child stream's state that says which part of the stored parents the next DELTA re-reads.
REFRESH_PART = "refresh_part"


@dataclass(frozen=True, slots=True)
class MapContext:
    """What a mapper gets besides the record: the parent record (what `Parent.keep` kept of it), the
    lookup tables `prepare` loaded, the endpoint the record came from, the body of the page it
    was on (top-level listings; a JSON:API compound document's `included` resources are there), and
    the record's detail (`RestStream.detail`; None without one)."""

    endpoint: str
    parent: Json = field(default_factory=dict)
    lookups: Mapping[str, Any] = field(default_factory=dict)
    page: Any = None
    detail: Json | None = None


KeepFn = Callable[[Json], Json]
Mapped = Record | Iterable[Record] | None
Mapper = Callable[[Any, MapContext], Mapped]
Hook = Callable[["StreamRun"], Awaitable[Mapping[str, Any]]]


def plain(mapper: Callable[[Any], Mapped]) -> Mapper:
    """A mapper of the record alone."""
    return lambda raw, context: mapper(raw)


def epoch_ms(ms: int) -> int:
    return ms


def iso8601(ms: int) -> str:
    """`2024-01-01T00:00:00.000Z`."""
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def operator(template: str) -> Callable[[int], str]:
    """An ISO 8601 time in an operator syntax: `operator("gte|{}")` -> `gte|2024-01-01T00:00:00.000Z`."""
    return lambda ms: template.format(iso8601(ms))


@dataclass(frozen=True, slots=True)
class UpdatedSince:
    """A time filter: `param` = the last successful run's start minus `overlap` (clock skew between
    the vendor's servers and ours, writes committed with an `updatedAt` slightly in the past), never
    later than this run's start. State: `{"since": <epoch ms of this run's start>}`."""

    param: str
    format: Callable[[int], Any] = epoch_ms
    overlap: timedelta = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class SyncToken:
    """An opaque token on the last page (`field`), sent back as `param` (in the JSON body of a POST
    listing, else as a query parameter). State: `{"sync_token": ...}`. An answer whose error code is
    in `resync` (expired or refused token or cursor, a delta too large) restarts the listing once
    without token: the records read again are no-ops for the engine's content hash."""

    param: str = "syncToken"
    field: str = "syncToken"
    resync: frozenset[str] = frozenset()


Incremental = UpdatedSince | SyncToken


@dataclass(frozen=True, slots=True)
class DeletionFeed:
    """Ids the vendor reports deleted since a time (Lever `/opportunities/deleted?deleted_at_start=`),
    read on DELTA runs with the stream's `UpdatedSince` bound and yielded as `Deleted`."""

    path: str
    param: str
    id: str = "id"
    params: Mapping[str, Any] = field(default_factory=dict)


def _just_id(record: Json) -> Json:
    return {"id": record["id"]}


@dataclass(frozen=True, slots=True)
class Parent:
    """A child stream's parent: the name of a stream declared before it, what a child request needs
    of each parent record (`keep`, applied to listed records and to stored `remote_data` alike; its
    `id` tells parents apart), the template variables of the child request (`key`; default: the kept
    record), how many parents' children are read at once, and into how many parts the stored parents
    are cut for the re-read of children of unchanged parents (one part per DELTA run; 0: none)."""

    stream: str
    keep: Callable[[Json], Json] = _just_id
    key: Callable[[Json], Mapping[str, Any]] | None = None
    concurrency: int = 4
    refresh_parts: int = 0
    # Which kept parents have children at all (Workable: only a candidate moved to an offer has
    # one); None: every parent.
    only: Callable[[Json], bool] | None = None
    # Statuses of a child request that mean "this parent has none" (Workable answers 404 for a
    # candidate without an offer), rather than a failed run.
    absent: frozenset[int] = frozenset()
    # Several child requests per parent: the owners a kept parent stands for, one request (and one
    # `MapContext.parent`) each (SmartRecruiters: a candidate's application to each of its jobs is
    # `/candidates/{id}/jobs/{job}`). None: one request per parent, the kept parent itself.
    each: Callable[[Json], Sequence[Json]] | None = None


@dataclass(frozen=True, slots=True)
class Detail:
    """A read per listed record that completes it, where the listing lacks what the mapping needs
    (SmartRecruiters: a candidate's custom properties are only at `/candidates/{id}/properties`):
    `path` ("{id}" etc. filled from the listed record), answered with one object, asked for with
    `paginator` (default the connector's; give one without a page size where the detail takes none)
    and checked against `shape`. The records of a page are completed together,
    at most the stream client's concurrency at once, before they are mapped (`MapContext.detail`)
    -- so a DELTA run reads the details of the changed records only. A status in `absent` means the
    record went away since it was listed: it is skipped, neither mapped nor kept for children."""

    path: str
    paginator: Paginator | None = None
    shape: Shape | None = None  # None: the connector's shape for the detail's path
    absent: frozenset[int] = frozenset()

    def request(self, record: Json) -> Request:
        return Request("GET", self.path.format(**record))


@dataclass(frozen=True, slots=True)
class RestStream:
    """A listing mapped to one unified model; see the module's docstring."""

    model: str
    path: str  # relative to the base URL; "{id}" etc. filled from the parent
    map: Mapper  # (raw, MapContext) -> a record, several, or None (skip)
    paginator: Paginator | None = None  # None: the connector's
    records: (
        str | EllipsisType | None
    ) = ...  # dotted path of the record list; None: the body is the list; ...: the connector's
    method: str = "GET"
    params: Mapping[str, Any] = field(default_factory=dict)  # first-request query parameters
    body: Mapping[str, Any] | None = None  # JSON body (RPC listings)
    shape: Shape | None = None  # None: the connector's shape for the endpoint
    incremental: Incremental | None = None
    parent: Parent | None = None
    deletions: DeletionFeed | None = None
    name: str | None = None  # the state key when several streams share a model
    prepare: Hook | None = None
    detail: Detail | None = None  # a read per listed record (top-level listings only)

    @property
    def state_key(self) -> str:
        return self.name or self.model

    def request(self, variables: Mapping[str, Any] | None = None) -> Request:
        """The first request (of one parent's chain, with `variables` filled in)."""
        if variables is None:
            return Request(self.method, self.path, self.params, None if self.body is None else dict(self.body))
        return Request(
            self.method,
            self.path.format(**variables),
            {k: _fill(v, variables) for k, v in self.params.items()},
            None if self.body is None else {k: _fill(v, variables) for k, v in self.body.items()},
        )


def _fill(value: Any, variables: Mapping[str, Any]) -> Any:
    if not isinstance(value, str) or "{" not in value:
        return value
    if value.startswith("{") and value.endswith("}") and value[1:-1] in variables:
        return variables[value[1:-1]]  # keeps the variable's type
    return value.format(**variables)


@dataclass(frozen=True, slots=True)
class CustomStream:
    """A stream written by hand: `read(run)` yields records, `Deleted` and `Checkpoint`s."""

    model: str
    read: Callable[[StreamRun], AsyncIterator[StreamItem]]
    name: str | None = None

    @property
    def state_key(self) -> str:
        return self.name or self.model


Declared = RestStream | CustomStream


@dataclass(frozen=True, slots=True)
class ParentRun:
    """What a parent stream read in this run, for its children: the state it started from, the state
    it checkpointed, whether it read everything, and the kept parent records."""

    started_from: dict[str, Any] | None
    state: dict[str, Any] | None
    full: bool
    kept: dict[str, Json]


class Reading:
    """One read of a listing, incremental when it can be: iterate `pages()` (or `records()`), then
    `state` is what to checkpoint (None for a listing without incremental) and `full` whether it read
    everything (no filter sent, or the listing restarted without its token)."""

    def __init__(
        self,
        run: StreamRun,
        request: Request,
        incremental: Incremental | None,
        state: Mapping[str, Any] | None,
        *,
        endpoint: str | None = None,
        paginator: Paginator | None = None,
        records: str | EllipsisType | None = ...,
        shape: Shape | None = None,
    ) -> None:
        self.run, self.incremental = run, incremental
        self.endpoint = endpoint or request.url
        self._listing = partial(run.pages, endpoint=self.endpoint, paginator=paginator, records=records, shape=shape)
        self.state: dict[str, Any] | None = None
        self.since_ms: int | None = None
        self._token: str | None = None
        if isinstance(incremental, UpdatedSince):
            self.since_ms = run.since(incremental, state)
            if self.since_ms is not None:
                request = request.with_params(**{incremental.param: incremental.format(self.since_ms)})
        elif isinstance(incremental, SyncToken) and run.kind == SyncKind.DELTA and state:
            token = state.get("sync_token")
            self._token = token if isinstance(token, str) and token else None
        self.request = request
        self.full = self.since_ms is None and self._token is None

    def _with_token(self, token: str | None) -> Request:
        if token is None or not isinstance(self.incremental, SyncToken):
            return self.request
        if self.request.method == "GET":
            return self.request.with_params(**{self.incremental.param: token})
        return self.request.with_json(**{self.incremental.param: token})

    async def pages(self) -> AsyncIterator[Response]:
        incremental = self.incremental
        if isinstance(incremental, SyncToken):
            token, restarted = self._token, False
            while True:
                try:
                    last: Response | None = None
                    async for page in self._listing(self._with_token(token)):
                        last = page
                        yield page
                    break
                except SourceError as exc:
                    if restarted or exc.code not in incremental.resync:
                        raise
                    log.info("%s %s: %s, reading it in full", self.run.tool, self.endpoint, exc.code)
                    token, restarted, self.full = None, True, True
            issued = last.body.get(incremental.field) if last is not None and isinstance(last.body, dict) else None
            self.state = {"sync_token": issued} if isinstance(issued, str) and issued else None
            return
        async for page in self._listing(self.request):
            yield page
        if isinstance(incremental, UpdatedSince):
            self.state = {"since": self.run.started_ms}

    async def records(self) -> AsyncIterator[Json]:
        async for page in self.pages():
            for record in page.records:
                yield record


class StreamRun:
    """One run of one stream: its context and client, and the helpers every stream reads with."""

    def __init__(self, connector: HttpConnector, stream: Declared, context: FetchContext, client: SourceClient) -> None:
        self.connector = connector
        self.stream = stream
        self.context = context
        self.client = client
        self.tool = connector.tool
        self.kind = context.kind
        self.started_ms = connector.started_ms
        self.lookups: dict[str, Any] = {}

    @property
    def state(self) -> dict[str, Any] | None:
        """The stream's stored state (what its last committed Checkpoint said)."""
        return self.context.state

    def since(self, incremental: UpdatedSince, state: Mapping[str, Any] | None) -> int | None:
        """The updated-since bound of this run: None (read everything) on FULL runs, without a state,
        or with one we do not understand (rather than guess)."""
        if self.kind != SyncKind.DELTA or not state:
            return None
        since = state.get("since")
        if isinstance(since, bool) or not isinstance(since, int):
            return None
        overlap = int(incremental.overlap.total_seconds() * 1000)
        return max(0, min(since - overlap, self.started_ms))

    async def pages(
        self,
        request: Request,
        *,
        endpoint: str | None = None,
        paginator: Paginator | None = None,
        records: str | EllipsisType | None = ...,
        shape: Shape | None = None,
    ) -> AsyncIterator[Response]:
        """The checked pages of a listing; by default with the connector's paginator, record path and
        declared shape of the endpoint (named in errors: default the request's path)."""
        where = endpoint or request.url
        connector = self.connector
        async for page in pages(
            self.client,
            request,
            paginator or connector.paginator,
            endpoint=where,
            records=connector.records if isinstance(records, EllipsisType) else records,
            shape=shape or connector.shape(where),
            failure=connector.runtime.failure,
        ):
            yield page

    async def records(self, request: Request, **listing: Any) -> AsyncIterator[Json]:
        async for page in self.pages(request, **listing):
            for record in page.records:
                yield record

    async def all(self, request: Request, **listing: Any) -> list[Json]:
        return [record async for record in self.records(request, **listing)]

    async def _all_or_none(self, request: Request, absent: frozenset[int], **listing: Any) -> list[Json]:
        try:
            return await self.all(request, **listing)
        except RequestRejected as exc:
            if exc.status in absent:
                return []
            raise

    def read(
        self, request: Request, incremental: Incremental | None, state: Mapping[str, Any] | None, **listing: Any
    ) -> Reading:
        return Reading(self, request, incremental, state, **listing)

    def map(
        self,
        mapper: Mapper,
        raw: Any,
        endpoint: str,
        parent: Json | None = None,
        page: Any = None,
        detail: Json | None = None,
    ) -> list[Record]:
        """The records `mapper` makes of `raw` (on a page whose body is `page`, completed by `detail`);
        whatever it raises on odd data is a MappingError naming the endpoint (and the record)."""
        context = MapContext(endpoint, parent or {}, self.lookups, page, detail)
        with mapping_errors(self.tool, endpoint, raw):
            result = mapper(raw, context)
            if result is None:
                return []
            if isinstance(result, Record):
                return [result]
            return list(result)

    def stored_part(self, model: str, parts: int, keep: Callable[[Json], Json]) -> tuple[list[Json], int]:
        """(`keep` of each stored record of `model` in this run's part, the part index to store) for a
        stream that re-reads one of `parts` parts of its stored parents per DELTA run; the index comes
        from the stream's state. A stored payload `keep` cannot read (written by an older version) is
        left to the next FULL run."""
        state = self.state or {}
        index = state.get(REFRESH_PART)
        index = index if isinstance(index, int) and not isinstance(index, bool) and index >= 0 else 0
        if parts <= 0:
            return [], index
        index %= parts
        kept: list[Json] = []
        for raw in self.context.stored(model, (index, parts)):
            try:
                kept.append(keep(raw))
            except (KeyError, TypeError, AttributeError, ValueError) as exc:
                log.warning("%s: a stored %s record cannot be re-read (%s): skipped", self.tool, model, exc)
        return kept, (index + 1) % parts

    async def fan_out(
        self,
        parents: Sequence[Json],
        request: Callable[[Json], Request],
        *,
        absent: frozenset[int] = frozenset(),
        **listing: Any,
    ) -> AsyncIterator[tuple[Json, str, list[Json]]]:
        """(parent, endpoint, every record of its listing) for each parent, in order: CHILD_BATCH
        parents at a time, their listings at most the client's concurrency at once. A listing
        answered with a status in `absent` is empty."""
        for start in range(0, len(parents), CHILD_BATCH):
            batch = parents[start : start + CHILD_BATCH]
            requests = [request(parent) for parent in batch]
            found = await self.client.bounded([partial(self._all_or_none, r, absent, **listing) for r in requests])
            for parent, sent, records in zip(batch, requests, found, strict=True):
                yield parent, sent.url, records


async def run_stream(connector: HttpConnector, stream: Declared, context: FetchContext) -> AsyncIterator[StreamItem]:
    """Read one declared stream on the current event loop, with a client of its own."""
    concurrency = stream.parent.concurrency if isinstance(stream, RestStream) and stream.parent else 4
    client = connector.runtime.client(max_concurrency=concurrency)
    try:
        run = StreamRun(connector, stream, context, client)
        if isinstance(stream, CustomStream):
            items = stream.read(run)
        elif stream.parent is not None:
            items = _children(run, stream, stream.parent)
        else:
            items = _listing(run, stream)
        async for item in items:
            yield item
    finally:
        await client.aclose()


def _listing_options(stream: RestStream) -> dict[str, Any]:
    return {"endpoint": stream.path, "paginator": stream.paginator, "records": stream.records, "shape": stream.shape}


async def _listing(run: StreamRun, stream: RestStream) -> AsyncIterator[StreamItem]:
    connector = run.connector
    if stream.prepare is not None:
        run.lookups.update(await stream.prepare(run))
    started_from = run.state if stream.incremental is not None else None
    reading = run.read(stream.request(), stream.incremental, started_from, **_listing_options(stream))
    keep = connector.keep_for(stream.state_key)
    kept: dict[str, Json] = {}
    async for page in reading.pages():
        details = await _details(run, stream.detail, page.records) if stream.detail is not None else None
        for n, raw in enumerate(page.records):
            detail = None
            if details is not None:
                if not details[n]:
                    continue  # gone since it was listed
                detail = details[n][0]
            if keep is not None:
                parent = keep(raw)
                kept[str(parent["id"])] = parent
            for record in run.map(stream.map, raw, stream.path, page=page.body, detail=detail):
                yield record
    feed = stream.deletions
    if feed is not None and isinstance(stream.incremental, UpdatedSince) and reading.since_ms is not None:
        request = Request("GET", feed.path, {**feed.params, feed.param: stream.incremental.format(reading.since_ms)})
        async for gone in run.records(request):
            yield Deleted(str(gone[feed.id]))
    if keep is not None:
        connector.remember(stream.state_key, ParentRun(started_from, reading.state, reading.full, kept))
    if reading.state is not None:
        yield Checkpoint(reading.state)


async def _details(run: StreamRun, detail: Detail, records: Sequence[Json]) -> list[list[Json]]:
    """Each record's detail ([] when it answered a status in `detail.absent`), in the records' order."""
    found: list[list[Json]] = []
    async for _record, _endpoint, answer in run.fan_out(
        records, detail.request, absent=detail.absent, paginator=detail.paginator, records=ONE, shape=detail.shape
    ):
        found.append(answer)
    return found


async def _children(run: StreamRun, stream: RestStream, parent: Parent) -> AsyncIterator[StreamItem]:
    """One request chain per parent record: the parents this run's parent stream read (or that we
    read ourselves), plus on a DELTA run one part of the stored parents."""
    connector = run.connector
    source = connector.declared(parent.stream)
    if not isinstance(source, RestStream) or source.parent is not None:
        raise TypeError(f"{connector.tool} {stream.state_key}: parent {parent.stream!r} must be a top-level RestStream")
    if stream.prepare is not None:
        run.lookups.update(await stream.prepare(run))
    own = {k: v for k, v in (run.state or {}).items() if k != REFRESH_PART} or None
    known = connector.parent_run(parent.stream)
    if known is not None and (run.kind == SyncKind.FULL or known.started_from == own):
        parents, state, full = dict(known.kept), known.state, known.full
    else:  # the parent stream did not run from where this stream stands: read its listing ourselves
        reading = run.read(source.request(), source.incremental, own, **_listing_options(source))
        parents = {}
        async for raw in reading.records():
            kept = parent.keep(raw)
            parents[str(kept["id"])] = kept
        state, full = reading.state, reading.full
    refresh = connector.refresh_parts(parent)
    stored, part = run.stored_part(source.model, 0 if full else refresh, parent.keep)
    for kept in stored:
        parents.setdefault(str(kept["id"]), kept)
    key = parent.key or (lambda kept: kept)
    chosen = [kept for kept in parents.values() if parent.only is None or parent.only(kept)]
    if parent.each is not None:
        chosen = [owner for kept in chosen for owner in parent.each(kept)]
    async for owner, endpoint, raws in run.fan_out(
        chosen,
        lambda kept: stream.request(key(kept)),
        absent=parent.absent,
        paginator=stream.paginator,
        records=stream.records,
        shape=stream.shape,
    ):
        for raw in raws:
            for record in run.map(stream.map, raw, endpoint, owner):
                yield record
    if state is not None:
        yield Checkpoint({**state, REFRESH_PART: part})
