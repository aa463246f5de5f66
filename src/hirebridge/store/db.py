"""Engines for SQLite (embedded) and PostgreSQL (distributed), from one URL."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, delete, event, exc, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import QueuePool

# Idle SQLite connections kept open per engine (the API's threads and a sync's pages reuse them).
SQLITE_POOL_SIZE = 5


def normalize_url(url: str) -> str:
    """Accept the plain `postgresql://` form users know and pick the psycopg 3 driver for it."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(engine: Engine | Connection) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        # One file, many threads (API thread pool, in-process sync): WAL lets readers run beside
        # the single writer, and busy_timeout makes a second writer wait instead of failing.
        #
        # Connections are pooled: opening one (file open, WAL set-up, four PRAGMAs) cost as much as
        # a small sync page's SQL. A few idle connections are kept; beyond SQLITE_POOL_SIZE
        # concurrent users more are opened and closed on return, as before (no thread ever waits for
        # the pool). A returned connection is rolled back, so an idle one holds no WAL snapshot.
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            poolclass=QueuePool,
            pool_size=SQLITE_POOL_SIZE,
            max_overflow=-1,
            **kwargs,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, record: Any) -> None:
            # Let SQLAlchemy manage transactions (pysqlite's implicit BEGIN is off; we emit our own).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()
            record.info["pid"] = os.getpid()

        @event.listens_for(engine, "checkout")
        def _sqlite_same_process(_dbapi_conn: Any, record: Any, proxy: Any) -> None:
            # A connection must not cross a fork: a child process discards the parent's and opens its own.
            if record.info.get("pid") != os.getpid():
                record.dbapi_connection = proxy.dbapi_connection = None
                raise exc.DisconnectionError("connection opened by another process")

        @event.listens_for(engine, "checkin")
        def _sqlite_forget_mode(_dbapi_conn: Any, record: Any) -> None:
            # `write` (set by write_tx) lives in the pooled connection's info: clear it so the next
            # user of this connection starts a plain (reader) BEGIN unless it asks for a write.
            record.info.pop("write", None)

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Connection) -> None:
            # IMMEDIATE takes the write lock up front, so two writers queue on busy_timeout instead
            # of deadlocking on a read-to-write upgrade.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("write") else "BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, **kwargs)


def replace_row(conn: Connection, table: Table, keys: Mapping[str, Any], values: Mapping[str, Any]) -> None:
    """Insert the row identified by `keys`, replacing any existing one: a portable upsert (delete then
    insert) inside the caller's transaction."""
    conn.execute(delete(table).where(*(table.c[name] == value for name, value in keys.items())))
    conn.execute(insert(table).values({**keys, **values}))


def ping(engine: Engine) -> None:
    """One round trip to the database (readiness): raises whatever the connection or query raises."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


@contextmanager
def write_tx(engine: Engine) -> Iterator[Connection]:
    """A read-write transaction: committed when the block ends, rolled back on error. What it changed
    in synced records goes to the change outbox (store.changes) just before the commit."""
    with engine.connect() as conn, write_transaction(conn):
        yield conn


@contextmanager
def write_transaction(conn: Connection) -> Iterator[Connection]:
    """`write_tx` on a connection the caller holds across several transactions (the sync engine's
    page writer keeps one for a stream's pages: no pool checkout and, on PostgreSQL, no ping
    round trip per page)."""
    from hirebridge.store import changes, records  # both build on this module

    conn.info["write"] = True
    # Notes a connection kept from a transaction that never got here (the outbox's, the cleared documents').
    changes.discard(conn)
    records.take_cleared(conn)
    try:
        with conn.begin():
            yield conn
            changes.flush(conn)
    finally:
        changes.discard(conn)
        records.take_cleared(conn)


@contextmanager
def read_tx(engine: Engine) -> Iterator[Connection]:
    """A read-only unit of work. SQLite (WAL) reads one snapshot for the whole transaction;
    PostgreSQL's default READ COMMITTED gives each statement its own (what was committed when the
    statement started): a reader that compares two statements' results must allow for commits
    between them (api/changes.py does)."""
    with engine.connect() as conn, conn.begin():
        yield conn


# Rows ANALYZE samples per index on SQLite: ~10 ms at 100k applications, and estimates as good for
# the choices our queries leave to the planner as a full ANALYZE.
SQLITE_ANALYSIS_LIMIT = 1000


def refresh_planner_statistics(engine: Engine, table: str | None = None) -> None:
    """Give the query planner current statistics of `table`, or on SQLite of the whole database.

    Without them SQLite guesses that `integration_id = ?` is selective and scans a whole integration
    through that index instead of looking up 250 `ids` by primary key (135 ms instead of 1.8 ms at
    100k applications); PostgreSQL, on a table that grew during a sync faster than autovacuum
    analyzes it, picks an `integration_id` index for `... IN (ids)` statements and reads the whole
    integration per page. The sync engine calls this for a table as a stream fills it, and for the
    whole database after every successful run on SQLite (PostgreSQL's autovacuum covers that)."""
    sqlite = is_sqlite(engine)
    if table is None and not sqlite:
        return
    with write_tx(engine) as conn:  # SQLite's ANALYZE writes sqlite_stat1: take the write lock up front
        if sqlite:
            conn.exec_driver_sql(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}")
        # `table` is one of our own table names (store.tables), never input.
        conn.exec_driver_sql("ANALYZE" if table is None else f"ANALYZE {table}")
