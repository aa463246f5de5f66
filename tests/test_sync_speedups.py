"""The sync engine's fast paths give exactly what the plain code gave (issue 6): record ids, wire
rendering, batched attachment contents, pooled SQLite connections, and the paced rate limit."""

from __future__ import annotations

import hashlib
import secrets
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, event, select, text

from hirebridge import ids
from hirebridge.config import Settings
from hirebridge.connectors.http import BURST_MARGIN, PACING_MARGIN, TokenBucket
from hirebridge.connectors.settings import ApiKeySettings
from hirebridge.model.records import DisplayType, QuestionFormat, QuestionOption
from hirebridge.store import migrate
from hirebridge.store import records as record_store
from hirebridge.store.db import make_engine, read_tx, write_tx
from hirebridge.store.sync_runs import SyncState
from hirebridge.store.tables import attachment_contents
from hirebridge.sync import engine as engine_module
from hirebridge.sync.engine import SyncEngine
from hirebridge.sync.normalize import to_wire_value
from hirebridge.timefmt import to_wire
from tests.conftest import create_sandbox, make_tenant


def _plain_base58(data: bytes, length: int) -> str:
    number = int.from_bytes(data, "big")
    out = []
    for _ in range(length):
        number, rem = divmod(number, 58)
        out.append(ids.BASE58_ALPHABET[rem])
    return "".join(out)


def test_record_ids_are_unchanged() -> None:
    # Pinned: ids are stored and handed to clients, so the encoding must never move.
    assert ids.record_id("sandbox:3mJr7AoUXx2Wqd1pMgTh8Jbk", "applications", "app-1") == "Vx9CmozQABDF7gv68GB36kPv"
    for length in (1, 23, 24):
        for _ in range(500):
            data = secrets.token_bytes(32)
            assert ids._base58(data, length) == _plain_base58(data, length)
    digest = hashlib.sha256(b"i\x1fjobs\x1fr-1").digest()
    assert ids.record_id("i", "jobs", "r-1") == _plain_base58(digest, 24)


def test_datetimes_render_like_timefmt() -> None:
    zones = [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=8)), ZoneInfo("Europe/Berlin")]
    for year in (1, 999, 1000, 1970, 2024, 9999):
        for zone in zones:
            for micro in (0, 999, 1000, 999_999):
                value = datetime(year, 6, 15, 12, 30, 45, micro, tzinfo=zone)
                assert to_wire_value(value, "i") == to_wire(value)
    naive = datetime(2024, 1, 2, 3, 4, 5, 678_901)
    assert to_wire_value(naive, "i") == to_wire(naive) == "2024-01-02T03:04:05.678Z"


def test_value_objects_render_their_keys_ids_and_nested_values() -> None:
    option = QuestionOption(remote_id="o-1", name="Yes")
    fmt = QuestionFormat(type="SINGLE_SELECT", display_type=DisplayType.DROPDOWN, options=(option,), max_length=5)
    assert to_wire_value(fmt, "i") == {
        "type": "SINGLE_SELECT",
        "display_type": "DROPDOWN",
        "options": [{"id": ids.record_id("i", "screening_question_options", "o-1"), "remote_id": "o-1", "name": "Yes"}],
    }
    assert to_wire_value(QuestionFormat(type="TEXT", max_length=5), "i") == {
        "type": "TEXT",
        "display_type": None,
        "max_length": 5,
    }
    nested = {"a": (1, "x", None, {"when": datetime(2024, 1, 1, tzinfo=UTC)})}
    assert to_wire_value(nested, "i") == {"a": [1, "x", None, {"when": "2024-01-01T00:00:00.000Z"}]}


def test_attachment_contents_are_stored_and_replaced_a_page_at_a_time(engine: Engine) -> None:
    integration_id = create_sandbox(engine, make_tenant(engine))
    with write_tx(engine) as conn:
        record_store.store_attachment_content(conn, integration_id, "a1", "h-old", b"old", "text/plain")
        record_store.store_attachment_contents(
            conn,
            integration_id,
            [
                ("a1", "h1", b"one", "application/pdf"),
                ("a2", "h2", b"two", "text/plain"),
                ("a2", "h2b", b"two again", "text/plain"),  # the last one of an id wins
            ],
        )
        record_store.store_attachment_contents(conn, integration_id, [])
    with read_tx(engine) as conn:
        stored = {
            r.attachment_id: (r.integration_id, r.content_hash, bytes(r.content), r.content_type)
            for r in conn.execute(select(attachment_contents))
        }
    assert stored == {
        "a1": (integration_id, "h1", b"one", "application/pdf"),
        "a2": (integration_id, "h2b", b"two again", "text/plain"),
    }


def test_pooled_sqlite_connections_read_without_the_write_lock(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'pool.db'}")
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, statement, *_: statements.append(statement))
    with write_tx(engine) as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    statements.clear()
    # The connection the write used comes back from the pool: it must begin a plain read again.
    with read_tx(engine) as conn:
        conn.execute(text("SELECT count(*) FROM t")).scalar()
    assert statements[0] == "BEGIN"
    # A reader beside an open writer is not blocked (WAL), whichever pooled connection it gets.
    seen: list[int] = []
    with write_tx(engine) as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))

        def read() -> None:
            with read_tx(engine) as reader:
                seen.append(reader.execute(text("SELECT count(*) FROM t")).scalar_one())

        thread = threading.Thread(target=read)
        thread.start()
        thread.join(10)
    assert seen == [0]
    engine.dispose()


def test_the_client_paces_a_little_under_the_source_limit() -> None:
    settings = ApiKeySettings.parse(
        "lever", {"api_key": "k"}, default_base_url="https://api.lever.co/v1", requests_per_second=10, burst=20
    )
    assert (settings.requests_per_second, settings.burst) == (10, 20)  # the source's limit, as configured
    assert 0.9 <= PACING_MARGIN < 1 and BURST_MARGIN >= 1
    assert settings.bucket.rate == 10 * PACING_MARGIN and settings.bucket.burst == 20 - BURST_MARGIN
    assert TokenBucket.under_limit(0.5, 1).burst == 1


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
        stats = dict(conn.exec_driver_sql("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'applications'").all())
        live = conn.execute(text("SELECT count(*) FROM applications")).scalar_one()
    # "<rows> <rows per integration_id> ...": every application shares the one integration.
    rows, per_integration = map(int, stats["ix_applications_integration_id_updated_at_pk"].split()[:2])
    assert rows == per_integration == live
    engine.dispose()


def test_the_engine_refreshes_statistics_of_the_tables_a_stream_fills(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Statements of a run look records up by id in tables the run is filling: a planner that still
    thinks a table empty plans them as scans of the integration (PostgreSQL: 13M index reads in a
    40k-application sync), so the engine analyzes a table as its stream grows it."""
    integration_id = create_sandbox(engine, make_tenant(engine), applications=30)
    analyzed: list[str | None] = []
    real = engine_module.refresh_planner_statistics

    def spy(target: Engine, table: str | None = None) -> None:
        analyzed.append(table)
        real(target, table)

    monkeypatch.setattr(engine_module, "refresh_planner_statistics", spy)
    assert SyncEngine(engine, Settings(sync_page_size=10)).run(integration_id).state == SyncState.SUCCEEDED
    # 30 applications in pages of 10: analyzed after the first page (10) and at the stream's end
    # (30 > 10); a stream of fewer records than a page is never analyzed; the run ends with None.
    assert analyzed.count("applications") == 2
    assert "rejection_reasons" not in analyzed  # 8 records
    assert analyzed[-1] is None
    with read_tx(engine) as conn:
        if engine.dialect.name == "postgresql":
            assert conn.execute(
                text(
                    "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'applications' "
                    "AND schemaname = current_schema()"
                )
            ).scalar_one()
        else:
            assert conn.execute(text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'applications'")).scalar_one()
