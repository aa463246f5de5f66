"""Joined streams: unified records built from several resources of a normalized API.

Greenhouse Harvest v3 (and any API shaped like it) keeps what one unified record needs in resources
of their own: a job's hiring team, posts and openings; an application's stage history; a scorecard's
panel seat, answers and chosen options. A `Joined` stream declares the record's own listing, the
`Related` resources listed for a batch of records by a filter (`job_ids=1,2,3`, at most `batch`
values per request), and the `Lookup` dictionaries read whole (departments, sources, rejection
reasons); `build(row, related, lookups)` maps one row with its related rows.

What a run reads:
- FULL (or a DELTA without a usable state): every own row, page by page; for each batch of `batch`
  rows the related rows by filter. Memory is bounded by a page, not by the account: no related
  listing is held whole. (The price: related rows cost one request per batch of records rather than
  one per page of their own listing.)
- DELTA: own rows changed since the last run's start minus the overlap (`incremental`), plus the
  rows a changed *watched* related row belongs to -- a new interviewer on a panel rebuilds its
  interview, whatever the interview's own `updated_at` says (no vendor documents that a record
  moves with its parts). Those are re-read by `ids=`, then built like a FULL batch.
- A lookup row changed since the last run can change any record built with it (a renamed rejection
  reason, department, source): that run rebuilds every record of the stream, as a FULL does. A DELTA
  asks each lookup for its changed rows (one request), and reads it whole only when there is
  something to build.
- Rows that disappear from a related resource (an un-applied tag, a removed interviewer) leave no
  trace a DELTA can list: the record keeps the old value until the next FULL.
- `read_ids`: given records by id, built as a FULL run builds them (a write action's read-back).

The state is `UpdatedSince`'s: `{"since": <this run's start>}`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from hirebridge.connectors.base import Checkpoint, StreamItem
from hirebridge.connectors.framework.paging import Request
from hirebridge.connectors.framework.streams import CustomStream, Json, Mapped, StreamRun, UpdatedSince
from hirebridge.model.records import Record

__all__ = ["Joined", "Lookup", "Related", "read_ids"]

Rows = Mapping[str, list[Json]]
Build = Callable[[Json, Rows, Mapping[str, Any]], Mapped]


@dataclass(frozen=True, slots=True)
class Related:
    """Rows of another resource a record is built from, listed for a batch of records with the filter
    `by` (a comma list). Its values are the records' `key` field (`id`; `application_id` for the
    application a scorecard points at) or, `through` an earlier related resource, that resource's
    row ids (a scorecard's answers' chosen options). A row belongs to the record whose value is in its
    `link` field. `watch`: a row changed since the last run rebuilds its record in a DELTA (only for
    rows linked to the record's own id)."""

    path: str
    by: str
    link: str
    key: str = "id"
    through: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    watch: bool = True


@dataclass(frozen=True, slots=True)
class Lookup:
    """A small dictionary read whole every run: rows by id, or (`group`) lists of rows by a field."""

    path: str
    params: Mapping[str, Any] = field(default_factory=dict)
    group: str | None = None


@dataclass(frozen=True, slots=True)
class Joined:
    """A unified model built from its own listing, related rows and lookups (module docstring)."""

    model: str
    path: str
    build: Build
    incremental: UpdatedSince
    related: Mapping[str, Related] = field(default_factory=dict)
    lookups: Mapping[str, Lookup] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)
    ids: str = "ids"  # the own listing's id filter
    batch: int = 50  # values per filter
    stamp: str = "updated_at"  # the filter on the rows' change time
    name: str | None = None

    def stream(self) -> CustomStream:
        return CustomStream(self.model, partial(read_joined, self), name=self.name)


def key_of(value: Any) -> str | None:
    """A reference as a string (ids may be numbers), None when absent."""
    return None if value is None or value == "" else str(value)


def chunks(values: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    return (values[start : start + size] for start in range(0, len(values), size))


async def read_joined(spec: Joined, run: StreamRun) -> AsyncIterator[StreamItem]:
    since = run.since(spec.incremental, run.state)
    stamp = {} if since is None else {spec.stamp: spec.incremental.format(since)}
    for lookup in spec.lookups.values() if stamp else ():
        if await run.all(Request("GET", lookup.path, {**lookup.params, **stamp})):
            stamp = {}  # a changed entry can touch any record: rebuild them all
            break
    own = Request("GET", spec.path, spec.params)
    batches = _changed(run, spec, own, stamp) if stamp else _paged(run, own, spec.batch)
    async for record in _built(run, spec, batches):
        yield record
    yield Checkpoint({"since": run.started_ms})


async def read_ids(spec: Joined, run: StreamRun, ids: Iterable[str]) -> list[Record]:
    """The records of the own rows `ids` (by the `spec.ids` filter), built exactly as a FULL run
    builds them -- their related rows, the lookups read whole -- so what a write action reads back
    equals what the next sync stores. An id the source does not list is left out."""
    wanted = sorted(set(ids))

    async def batches() -> AsyncIterator[Sequence[Json]]:
        for chunk in chunks(wanted, spec.batch):
            if rows := await run.all(Request("GET", spec.path, {**spec.params, spec.ids: ",".join(chunk)})):
                yield rows

    return [record async for record in _built(run, spec, batches())]


async def _built(run: StreamRun, spec: Joined, batches: AsyncIterator[Sequence[Json]]) -> AsyncIterator[Record]:
    """The records of each batch of own rows, with their related rows and the lookups (read once,
    when there is something to build)."""
    lookups: dict[str, Any] | None = None
    async for batch in batches:
        if lookups is None:
            lookups = {name: await _lookup(run, lookup) for name, lookup in spec.lookups.items()}
        mapper = partial(_build, spec, await _related(run, spec, batch), lookups)
        for row in batch:
            for record in run.map(mapper, row, spec.path):
                yield record


async def _lookup(run: StreamRun, lookup: Lookup) -> dict[str, Any]:
    rows = await run.all(Request("GET", lookup.path, lookup.params))
    return _group(rows, lookup.group) if lookup.group else {str(row["id"]): row for row in rows}


def _build(
    spec: Joined, related: Mapping[str, Mapping[str, list[Json]]], lookups: Mapping[str, Any], row: Json, context: Any
) -> Mapped:
    del context  # a joined record's context is its related rows
    return spec.build(row, {name: groups.get(str(row["id"]), []) for name, groups in related.items()}, lookups)


async def _paged(run: StreamRun, request: Request, size: int) -> AsyncIterator[Sequence[Json]]:
    """Every row of a listing, in batches of `size` (a page may hold several)."""
    async for page in run.pages(request):
        for batch in chunks(page.records, size):
            yield batch


async def _changed(
    run: StreamRun, spec: Joined, own: Request, stamp: Mapping[str, Any]
) -> AsyncIterator[Sequence[Json]]:
    """The own rows changed since the filter `stamp`, and those a changed watched related row belongs to."""
    rows = {str(row["id"]): row async for row in run.records(own.with_params(**stamp))}
    touched: set[str] = set()
    for related in spec.related.values():
        if related.watch and related.key == "id" and related.through is None:
            async for row in run.records(Request("GET", related.path, {**related.params, **stamp})):
                if (owner := key_of(row.get(related.link))) is not None:
                    touched.add(owner)
    missing = sorted(touched - rows.keys())
    requests = [own.with_params(**{spec.ids: ",".join(ids)}) for ids in chunks(missing, spec.batch)]
    for found in await run.client.bounded([partial(run.all, request) for request in requests]):
        rows.update((str(row["id"]), row) for row in found)
    for batch in chunks(list(rows.values()), spec.batch):
        yield batch


async def _related(run: StreamRun, spec: Joined, batch: Sequence[Json]) -> dict[str, dict[str, list[Json]]]:
    """Per related resource, record id -> its rows, for one batch of records. The resources read by
    the records' own keys are requested together (at most the client's concurrency at once); those
    read `through` another after it."""
    out: dict[str, dict[str, list[Json]]] = {}
    direct = [name for name, related in spec.related.items() if related.through is None]
    await _read_related(run, spec, direct, batch, out)
    for name in spec.related:
        if name not in direct:
            await _read_related(run, spec, [name], batch, out)
    return out


async def _read_related(
    run: StreamRun, spec: Joined, names: Sequence[str], batch: Sequence[Json], out: dict[str, dict[str, list[Json]]]
) -> None:
    owners: dict[str, dict[str, list[str]]] = {}  # resource -> filter value -> the records it stands for
    requests: list[tuple[str, Request]] = []
    for name in names:
        related = spec.related[name]
        mine = owners[name] = {}
        if related.through is None:
            for row in batch:
                if (value := key_of(row.get(related.key))) is not None:
                    mine.setdefault(value, []).append(str(row["id"]))
        else:
            for owner, rows in out[related.through].items():
                for row in rows:
                    mine.setdefault(str(row["id"]), []).append(owner)
        for chunk in chunks(sorted(mine), spec.batch):
            requests.append((name, Request("GET", related.path, {**related.params, related.by: ",".join(chunk)})))
    found = await run.client.bounded([partial(run.all, request) for _, request in requests])
    for name in names:
        out[name] = {}
    for (name, _), rows in zip(requests, found, strict=True):
        link, groups = spec.related[name].link, out[name]
        for row in rows:
            for owner in owners[name].get(key_of(row.get(link)) or "", ()):
                groups.setdefault(owner, []).append(row)


def _group(rows: Iterable[Json], field_name: str) -> dict[str, list[Json]]:
    groups: dict[str, list[Json]] = {}
    for row in rows:
        if (value := key_of(row.get(field_name))) is not None:
            groups.setdefault(value, []).append(row)
    return groups
