"""The query planner gets statistics of what a sync wrote: while a stream fills a table (the run's
later statements look records up by id in it, and a planner that believes a table empty plans them
as scans of the whole integration) and, on SQLite, of the whole database after a successful run."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

from sqlalchemy import Engine, text

from hirebridge.config import Settings
from hirebridge.connectors.base import FetchContext, Stream, StreamItem
from hirebridge.connectors.sandbox import SandboxConnector
from hirebridge.store import migrate
from hirebridge.store.db import make_engine, read_tx
from hirebridge.store.sync_runs import SyncState
from hirebridge.sync.engine import SyncEngine
from tests.conftest import create_sandbox, make_tenant


def analyzed_rows(engine: Engine, table: str) -> int | None:
    """How many rows the planner's statistics say `table` has; None before it was ever analyzed."""
    with read_tx(engine) as conn:
        if engine.dialect.name == "postgresql":
            rows = conn.execute(
                text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:table)"), {"table": table}
            ).scalar_one()
            return None if rows < 0 else int(rows)  # -1: never analyzed
        if not conn.execute(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")).scalar_one():
            return None  # the first ANALYZE creates it
        stats = conn.execute(text("SELECT stat FROM sqlite_stat1 WHERE tbl = :table"), {"table": table}).scalars()
        counts = [int(stat.split()[0]) for stat in stats]
        return max(counts) if counts else None


class WatchedSandbox:
    """The sandbox, with a look at the planner's statistics of `applications` before each record the
    engine reads, and of `rejection_reasons` at each stream's end."""

    tool: ClassVar[str] = "sandbox"

    def __init__(self, engine: Engine, integration_id: str, applications: int) -> None:
        self.inner = SandboxConnector(integration_id, {"applications": applications, "step": 0})
        self.engine = engine
        self.seen: dict[str, list[int | None]] = {}  # stream -> analyzed rows of applications, per record
        self.reasons_at_end: dict[str, int | None] = {}  # stream -> analyzed rows of rejection_reasons

    def streams(self) -> list[Stream]:
        return [replace(stream, fetch=self._watched(stream)) for stream in self.inner.streams()]

    def _watched(self, stream: Stream) -> Callable[[FetchContext], Iterable[StreamItem]]:
        def fetch(context: FetchContext) -> Iterator[StreamItem]:
            seen = self.seen.setdefault(stream.model, [])
            for item in stream.fetch(context):
                seen.append(analyzed_rows(self.engine, "applications"))
                yield item
            seen.append(analyzed_rows(self.engine, "applications"))
            self.reasons_at_end[stream.model] = analyzed_rows(self.engine, "rejection_reasons")

        return fetch


def test_a_stream_analyzes_the_table_it_fills(engine: Engine) -> None:
    integration_id = create_sandbox(engine, make_tenant(engine), applications=30)
    source = WatchedSandbox(engine, integration_id, applications=30)
    # The engine reports a page's progress after the page is committed and, where due, analyzed
    # (on PostgreSQL pages are written in a thread of their own while the source is read on: the
    # source itself cannot tell when a page was written).
    after_page: list[tuple[int, int | None]] = []

    def progress(model: str, written: int) -> None:
        if model == "applications":
            after_page.append((written, analyzed_rows(engine, "applications")))

    run = SyncEngine(engine, Settings(sync_page_size=10)).run(integration_id, connector=source, progress=progress)
    assert run.state == SyncState.SUCCEEDED, run.error
    # 30 applications in pages of 10: analyzed after the first page (then after 4, 16... pages) and
    # at the stream's end, so the streams after it see all 30.
    assert source.seen["applications"][0] is None
    assert after_page == [(10, 10), (20, 10), (30, 10)]
    assert set(source.seen["interviews"]) == {30}
    # A stream of fewer records than a page (8 rejection reasons) is not analyzed on its own.
    assert source.reasons_at_end["attachments"] is None


def test_a_sqlite_sync_leaves_planner_statistics(tmp_path: Path) -> None:
    """Without statistics SQLite guesses `integration_id = ?` selective and, for a page of `ids=`,
    scans the whole integration through that index instead of looking the ids up by key; a
    successful sync runs a sampled ANALYZE, whose statistics say the column is not selective."""
    engine = make_engine(f"sqlite:///{tmp_path / 'stats.db'}")
    migrate.upgrade(engine)
    integration_id = create_sandbox(engine, make_tenant(engine), applications=40)
    wanted = [f"{n:024d}" for n in range(250)]  # a full page of ids, as a client sends them
    query = (
        "EXPLAIN QUERY PLAN SELECT id FROM applications WHERE integration_id = ? AND id IN "
        f"({', '.join('?' * len(wanted))})"
    )
    with read_tx(engine) as conn:
        plan = " ".join(row[3] for row in conn.exec_driver_sql(query, (integration_id, *wanted)))
    assert "integration_id" in plan  # the guess the statistics replace
    assert SyncEngine(engine).run(integration_id).state == SyncState.SUCCEEDED
    with read_tx(engine) as conn:
        found = conn.exec_driver_sql("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'applications'")
        stats: dict[str, str] = {idx: stat for idx, stat in found}
        live = conn.execute(text("SELECT count(*) FROM applications")).scalar_one()
    # "<rows> <rows per integration_id> ...": every application shares the one integration.
    rows, per_integration = map(int, stats["ix_applications_integration_id_updated_at_pk"].split()[:2])
    assert rows == per_integration == live
    engine.dispose()
