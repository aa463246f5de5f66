"""Run one sync of one integration: stream records page by page into the store.

Transactions: each page is written (and its related records touched) in its own transaction, so a
reader sees a page entirely or not at all. Deletions are only judged at the end of a FULL run that
read every stream to the end, in the same transaction that marks the run SUCCEEDED: a run that
fails or is interrupted never deletes anything.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from hirebridge import crypto, ids
from hirebridge.config import Settings, get_settings
from hirebridge.connectors.base import (
    AttachmentFetcher,
    Checkpoint,
    Connector,
    Deleted,
    FetchContext,
    StoredReader,
    Stream,
    StreamItem,
)
from hirebridge.connectors.framework.errors import ConfigError, CredentialsInvalid, SourceError, SourceUnavailable
from hirebridge.connectors.framework.http import Redactor
from hirebridge.connectors.framework.ratelimit import RateLimits
from hirebridge.connectors.registry import connector_factory
from hirebridge.crypto import CredentialsUnreadable
from hirebridge.model import SyncKind
from hirebridge.model.records import Record
from hirebridge.observability import observe_sync
from hirebridge.serving.documents import DOCUMENTED, render_cleared, render_stale
from hirebridge.store import records as record_store
from hirebridge.store import sync_runs, tenancy
from hirebridge.store.db import is_sqlite, read_tx, refresh_planner_statistics, write_transaction, write_tx
from hirebridge.store.rate_limits import DatabaseRateLimits
from hirebridge.store.records import Row
from hirebridge.store.sync_runs import SyncState
from hirebridge.sync import diff
from hirebridge.sync.integration_fields import FieldDiscovery
from hirebridge.sync.normalize import normalize
from hirebridge.timefmt import to_wire, utc_now

log = logging.getLogger(__name__)

# (model, records written so far in this stream) after each page.
ProgressCallback = Callable[[str, int], None]


class SyncError(Exception):
    """A sync could not start (unknown integration, another run holds the lease)."""


class SyncAlreadyRunning(SyncError):
    pass


class SyncInterrupted(Exception):
    """The run was asked to stop (worker shutdown) and did, between pages."""


class LeaseLost(Exception):
    """Another run took over our integration's lease: stop writing at once."""


@dataclass(frozen=True, slots=True)
class SyncResult:
    run_id: str
    state: SyncState
    stats: dict[str, dict[str, int]]
    error: str | None


AUTHENTICATION_FAILED = "AUTHENTICATION_FAILED"


def error_code(exc: BaseException) -> str:
    """A failed run's cause as a code operators and clients can act on."""
    if isinstance(exc, KeyboardInterrupt | SystemExit | SyncInterrupted):
        return "INTERRUPTED"
    if isinstance(exc, CredentialsInvalid):
        return AUTHENTICATION_FAILED
    if isinstance(exc, SourceUnavailable):
        return "SOURCE_UNAVAILABLE"
    if isinstance(exc, SourceError):
        return "SOURCE_ERROR"
    if isinstance(exc, LeaseLost):
        return "LEASE_LOST"
    if isinstance(exc, ConfigError | CredentialsUnreadable):
        return "CONFIGURATION_ERROR"
    return "INTERNAL_ERROR"


@dataclass(slots=True)
class _Page:
    records: list[Record]
    deleted: list[str]
    checkpoint: Checkpoint | None = None


def _pages(items: Iterable[StreamItem], size: int) -> Iterator[_Page]:
    """Records (and reported deletions) in pages of at most `size`; a Checkpoint ends its page early
    and travels with it."""
    page = _Page([], [])
    for item in items:
        if isinstance(item, Checkpoint):
            page.checkpoint = item
            yield page
            page = _Page([], [])
            continue
        if isinstance(item, Deleted):
            page.deleted.append(item.remote_id)
        else:
            page.records.append(item)
        if len(page.records) + len(page.deleted) == size:
            yield page
            page = _Page([], [])
    if page.records or page.deleted:
        yield page


class _PageWriter:
    """Writes a stream's pages in order, on one connection (each page a transaction of its own).

    `threaded`: in a thread of its own, while the sync's thread generates and normalizes the next
    page, so a page's database waits (round trips, the server's work, the commit) overlap with the
    work on the next one, like the read-ahead of HTTP streams. The queue holds one page: at most
    three are in memory (one being written, one queued, one being built). For SQLite, whose work
    runs in this process, the engine writes in the sync's thread instead: the thread measured no
    faster there, slower on small syncs, and with more memory (docs/benchmarks.md, issue 16).

    The first exception a write raises stops the writing: later pages are dropped unwritten
    (nothing after a failed page is committed), and `put` or `close` raises it in the sync's
    thread, which fails (or cancels) the run as if it had raised there."""

    def __init__(
        self, engine: Engine, write: Callable[[Connection, _Page, list[Row]], None], *, threaded: bool
    ) -> None:
        self._engine = engine
        self._write = write
        self._conn: Connection | None = None
        self._error: BaseException | None = None
        self._queue: queue.Queue[tuple[_Page, list[Row]] | None] = queue.Queue(maxsize=1)
        self._thread: threading.Thread | None = None
        if threaded:
            self._thread = threading.Thread(target=self._run, name="sync-page-writer", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while (job := self._queue.get()) is not None:
            self._write_one(*job)  # after a failure only drained: the sync's thread must not block on put

    def _write_one(self, page: _Page, rows: list[Row]) -> None:
        if self._error is not None:
            return
        try:
            if self._conn is None:
                self._conn = self._engine.connect()
            self._write(self._conn, page, rows)
        except BaseException as exc:
            self._error = exc

    def put(self, page: _Page, rows: list[Row]) -> None:
        """Write a page, or queue it (waiting while the previous one is still queued); raises what a
        write raised."""
        if self._error is None:
            if self._thread is None:
                self._write_one(page, rows)
            else:
                self._queue.put((page, rows))
        if self._error is not None:
            raise self._error

    def close(self, *, raise_error: bool = True) -> None:
        """Wait until every queued page is written (or dropped after a failure)."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if raise_error and self._error is not None:
            raise self._error


def _redactor(integration: tenancy.Integration) -> Redactor:
    """Every form of the integration's credentials (and any Basic/Bearer credential) taken out."""
    try:
        config = integration.connector_config()
    except Exception:  # credentials that cannot be opened cannot leak either
        return Redactor()
    return Redactor.from_config(config, crypto.SECRET_FIELDS)


def _lease(conn: Connection, integration_id: str) -> str:
    """Who holds the integration's lease and until when, for a refusal's message."""
    holder, expires = sync_runs.lease_holder(conn, integration_id)
    if holder is None or expires is None:
        return ""
    return f" (run {holder}; a run that stops renewing its lease is taken over after {to_wire(expires)})"


class SyncEngine:
    """Runs syncs. `rate_limits` is the provider of the per-integration rate limiters the connectors
    it builds go through. The default is the database's (`store.rate_limits.DatabaseRateLimits`):
    an integration's limit holds across every process using it -- API replicas, workers, a
    foreground `hirebridge sync` -- not per process. Unit tests may pass `ratelimit.LOCAL`."""

    def __init__(self, engine: Engine, settings: Settings | None = None, rate_limits: RateLimits | None = None) -> None:
        self.engine = engine
        self.settings = settings or get_settings()
        self.rate_limits = rate_limits if rate_limits is not None else DatabaseRateLimits(engine)

    def run(
        self,
        integration_id: str,
        kind: SyncKind = SyncKind.FULL,
        *,
        connector: Connector | None = None,
        progress: ProgressCallback | None = None,
        run_id: str | None = None,
        stop: threading.Event | None = None,
    ) -> SyncResult:
        """Sync `integration_id` now, in this thread; `run_id` names a queued run to execute (else a
        queued run of this kind is adopted, or a new one recorded). Returns the recorded outcome;
        raises SyncError only when the run could not start.

        `stop` is how a worker shutting down (SIGTERM) ends a run early: the run finishes the page
        it is writing, is recorded CANCELLED (code INTERRUPTED) and deletes nothing."""
        with read_tx(self.engine) as conn:
            integration = tenancy.get_integration(conn, integration_id)
        if integration is None:
            raise SyncError(f"integration {integration_id} not found")
        run_id = self._start(integration_id, kind, run_id)
        started = time.monotonic()
        log.info("sync started", extra={"integration_id": integration_id, "run_id": run_id, "kind": kind})

        stats: dict[str, dict[str, int]] = {}
        fields = FieldDiscovery(integration_id)
        try:
            if connector is None:  # inside the run: a bad configuration is a failed run, recorded as such
                connector = connector_factory(integration.tool)(
                    integration.id, integration.connector_config(), self.rate_limits
                )
            for stream in connector.streams():
                self._sync_stream(integration_id, run_id, kind, stream, stats, fields, progress, stop)
            if stop is not None and stop.is_set():
                raise SyncInterrupted("stopped before downloading files: the worker is shutting down")
            self._render_documents(integration_id, run_id)
            if isinstance(connector, AttachmentFetcher):
                self._fetch_attachment_contents(integration_id, run_id, connector)
            with write_tx(self.engine) as conn:
                now = utc_now()
                if kind == SyncKind.FULL:
                    for stream in reversed(connector.streams()):
                        stats[stream.model]["deleted"] += record_store.sweep_deleted(
                            conn, stream.model, integration_id, run_id, now
                        )
                    # The sweep cleared the documents of what it deleted and of what embedded it.
                    for model in DOCUMENTED:
                        after: int | None = 0
                        while after is not None:
                            after = render_stale(conn, model, integration_id, self.settings.sync_page_size, after)
                sync_runs.finish_run(conn, run_id, SyncState.SUCCEEDED, stats, now)
                sync_runs.mark_first_sync(conn, integration_id, now)
                if integration.credentials_invalid_at is not None:  # the source accepts them again
                    tenancy.set_credentials_invalid(conn, integration_id, None)
                sync_runs.release_lease(conn, integration_id, run_id)
        except BaseException as exc:
            cancelled = isinstance(exc, KeyboardInterrupt | SystemExit | SyncInterrupted)
            state = SyncState.CANCELLED if cancelled else SyncState.FAILED
            # Source clients redact what they raise; this is the last line of defense before the
            # error is stored (sync_runs.error), logged and shown (CLI, API).
            error = _redactor(integration)(f"{type(exc).__name__}: {exc}")
            code = error_code(exc)
            log.warning("sync %s: %s", state.lower(), error, extra={"run_id": run_id, "error_code": code})
            self._finish_failed(integration_id, run_id, state, stats, error, code)
            observe_sync(integration.tool, kind, state, time.monotonic() - started, stats)
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            return SyncResult(run_id, state, stats, error)
        self._refresh_statistics(None)
        log.info("sync succeeded", extra={"integration_id": integration_id, "run_id": run_id})
        observe_sync(integration.tool, kind, SyncState.SUCCEEDED, time.monotonic() - started, stats)
        return SyncResult(run_id, SyncState.SUCCEEDED, stats, None)

    def _sync_stream(
        self,
        integration_id: str,
        run_id: str,
        kind: SyncKind,
        stream: Stream,
        stats: dict[str, dict[str, int]],
        fields: FieldDiscovery,
        progress: ProgressCallback | None,
        stop: threading.Event | None,
    ) -> None:
        """Read one stream to its end and write it, a page per transaction, through a `_PageWriter`
        (on PostgreSQL a thread writing one page behind this one's reading and normalizing); the
        stream ends only when all its pages are committed (a later stream may read what it stored)."""
        counts = stats.setdefault(stream.model, {"inserted": 0, "updated": 0, "deleted": 0, "unchanged": 0})
        with read_tx(self.engine) as conn:
            previous = sync_runs.stream_state(conn, integration_id, stream.state_key)
        seen = 0
        # The table's statistics are refreshed as the stream fills it (after 1, 4, 16... pages and at
        # its end): the writes of this and later streams look records up by id, and a planner that
        # believes a table still small or empty plans them as scans.
        analyze_at, analyzed = self.settings.sync_page_size, 0

        def write(conn: Connection, page: _Page, rows: list[Row]) -> None:
            # In the writer, in page order: the page's transaction and what follows its commit.
            nonlocal seen, analyze_at, analyzed
            self._write_page(conn, integration_id, run_id, stream, page, rows, counts, stats, fields)
            seen += len(page.records)
            if seen >= analyze_at:
                self._refresh_statistics(stream.model)
                analyze_at, analyzed = analyze_at * 4, seen
            if progress is not None:
                progress(stream.model, seen)
            if stop is not None and stop.is_set():
                raise SyncInterrupted("stopped after a committed page: the worker is shutting down")

        items = stream.fetch(FetchContext(kind, previous, self._stored_reader(integration_id)))
        writer = _PageWriter(self.engine, write, threaded=not is_sqlite(self.engine))
        try:
            for page in _pages(items, self.settings.sync_page_size):
                writer.put(page, [normalize(integration_id, record) for record in page.records])
        except BaseException:
            # The pages read before the failure are committed, as when one thread did both; what
            # the writer raised meanwhile (if anything) matters less than why reading stopped.
            writer.close(raise_error=False)
            raise
        finally:
            # Now, not whenever the garbage collector gets to it: a stream reading ahead in a
            # thread of its own (connectors.framework.http.run_async_iter) stops reading the source.
            if isinstance(items, Generator):
                items.close()
        writer.close()
        if 0 < analyzed < seen:  # grown since the last refresh (a stream under a page never has one)
            self._refresh_statistics(stream.model)

    def _stored_reader(self, integration_id: str) -> StoredReader:
        """`FetchContext.stored` for a run of `integration_id`: the stored payloads of one part of a
        model's live records, read a page per transaction as the connector consumes them."""

        def read(model: str, part: tuple[int, int]) -> Iterator[dict[str, Any]]:
            after_pk = 0
            while True:
                with read_tx(self.engine) as conn:
                    rows = record_store.stored_payloads(
                        conn, model, integration_id, part, after_pk, self.settings.sync_page_size
                    )
                if not rows:
                    return
                after_pk = rows[-1][0]
                for _pk, payload in rows:
                    if payload is not None:
                        yield payload

        return read

    def _refresh_statistics(self, model: str | None) -> None:
        try:
            refresh_planner_statistics(self.engine, model)
        except Exception:  # stale statistics only make some queries slower: never fail a run for them
            log.warning("could not refresh the planner statistics of %s", model or "the database", exc_info=True)

    def _start(self, integration_id: str, kind: SyncKind, run_id: str | None) -> str:
        """Take the integration's lease and move the run to RUNNING, atomically."""
        now = utc_now()
        try:
            with write_tx(self.engine) as conn:
                # A run whose lease expired is dead: fail it (as the scheduler's tick would) and take
                # over, so a deployment without a server or worker ticking is never blocked by it.
                for dead in sync_runs.fail_abandoned_runs(conn, now, integration_id):
                    log.warning(
                        "sync run %s of %s stopped renewing its lease: failed it (%s), taking over",
                        dead.id,
                        integration_id,
                        sync_runs.WORKER_LOST,
                        extra={"integration_id": integration_id, "run_id": dead.id},
                    )
                if run_id is None and (queued := sync_runs.active_run(conn, integration_id, kind)) is not None:
                    if queued.state == SyncState.RUNNING:
                        raise SyncAlreadyRunning(
                            f"a {kind} sync of {integration_id} is already running{_lease(conn, integration_id)}"
                        )
                    run_id = queued.id
                lease_id = run_id or ids.random_id()
                if not sync_runs.acquire_lease(conn, integration_id, lease_id, now, self.settings.sync_lock_seconds):
                    raise SyncAlreadyRunning(
                        f"a sync of {integration_id} is already running{_lease(conn, integration_id)}"
                    )
                if run_id is None:
                    sync_runs.create_run(conn, lease_id, integration_id, kind, SyncState.RUNNING, now)
                elif not sync_runs.start_run(conn, run_id, now):
                    raise SyncError(f"sync run {run_id} is not queued")
                return lease_id
        except IntegrityError:  # a concurrent request recorded a run of this kind first
            raise SyncAlreadyRunning(f"a {kind} sync of {integration_id} is already queued or running") from None

    def _renew_lease(self, conn: Connection, integration_id: str, run_id: str) -> datetime:
        """Extend the lease as part of a page's transaction (a page commits only if we still hold it)."""
        now = utc_now()
        if not sync_runs.renew_lease(conn, integration_id, run_id, now, self.settings.sync_lock_seconds):
            raise LeaseLost(f"run {run_id} lost the lease of {integration_id}")
        return now

    def _write_page(
        self,
        conn: Connection,
        integration_id: str,
        run_id: str,
        stream: Stream,
        page: _Page,
        rows: list[Row],
        counts: dict[str, int],
        stats: dict[str, dict[str, int]],
        fields: FieldDiscovery,
    ) -> None:
        with write_transaction(conn):
            now = self._renew_lease(conn, integration_id, run_id)
            if rows:
                outcome = diff.write_page(conn, stream.model, integration_id, run_id, rows, now)
                counts["inserted"] += outcome.inserted
                counts["updated"] += outcome.updated
                counts["unchanged"] += outcome.unchanged
                fields.record(conn, stream.model, page.records, now)
            if page.deleted:
                counts["deleted"] += record_store.mark_deleted(
                    conn,
                    stream.model,
                    integration_id,
                    [ids.record_id(integration_id, stream.model, r) for r in page.deleted],
                    now,
                )
            # What the page's writes made stale of the documents readers were served: rendered again
            # before it commits (the documents of records new in this run wait for the render pass).
            render_cleared(conn)
            if page.checkpoint is not None:
                sync_runs.save_stream_state(conn, integration_id, stream.state_key, page.checkpoint.state, now)
            sync_runs.save_stats(conn, run_id, stats)

    def _render_documents(self, integration_id: str, run_id: str) -> None:
        """Render the served documents this run's writes cleared (model/documents.py), a page per
        transaction. Until then (or if the run fails first) the API renders them live."""
        for model in DOCUMENTED:
            after: int | None = 0
            while after is not None:
                with write_tx(self.engine) as conn:
                    self._renew_lease(conn, integration_id, run_id)
                    after = render_stale(conn, model, integration_id, self.settings.sync_page_size, after)

    def _fetch_attachment_contents(self, integration_id: str, run_id: str, connector: AttachmentFetcher) -> None:
        """Download the bytes of attachments that are new or changed (or whose download failed
        before): files are fetched outside any transaction, then stored a page at a time."""
        after_pk = 0
        while True:
            with read_tx(self.engine) as conn:
                wanted = record_store.attachments_missing_content(
                    conn, integration_id, self.settings.sync_page_size, after_pk
                )
            if not wanted:
                return
            after_pk = wanted[-1][0]
            fetched = []
            for _pk, attachment_id, remote_id, content_hash in wanted:
                try:
                    content, content_type = connector.fetch_attachment(remote_id)
                except KeyError:  # gone from the source since it was listed: the next FULL run deletes it
                    continue
                fetched.append((attachment_id, content_hash, content, content_type))
            with write_tx(self.engine) as conn:
                if not sync_runs.renew_lease(conn, integration_id, run_id, utc_now(), self.settings.sync_lock_seconds):
                    raise LeaseLost(f"run {run_id} lost the lease of {integration_id}")
                record_store.store_attachment_contents(conn, integration_id, fetched)

    def _finish_failed(
        self,
        integration_id: str,
        run_id: str,
        state: SyncState,
        stats: dict[str, dict[str, int]],
        error: str,
        code: str,
    ) -> None:
        try:
            with write_tx(self.engine) as conn:
                now = utc_now()
                sync_runs.finish_run(conn, run_id, state, stats, now, error, code)
                sync_runs.release_lease(conn, integration_id, run_id)
                if code == AUTHENTICATION_FAILED:
                    # The last good data stays served; the API reports the integration INVALID.
                    tenancy.set_credentials_invalid(conn, integration_id, now)
        except Exception:  # the database itself may be what failed; the lease then simply expires
            log.exception("could not record the end of sync run %s", run_id)
