"""New records skip SQLAlchemy's INSERT for speed (COPY on PostgreSQL, a driver-level executemany on
SQLite, `store.records.insert_rows`): what they store must be what that INSERT stores, column by
column, read back as the database holds it (the driver's raw values, no type processing)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Connection, Engine, insert

from hirebridge import ids
from hirebridge.connectors.sandbox.source import SandboxSource
from hirebridge.model.records import Record
from hirebridge.store import records as record_store
from hirebridge.store.tables import SYNCED_TABLES
from hirebridge.sync.normalize import normalize
from tests.conftest import create_sandbox, make_tenant

MODELS = ("jobs", "application_stages", "candidates", "applications", "interviews", "offers")
RUN_ID = ids.random_id()
# An offset that is not UTC, with microseconds: both are what a binding can get wrong.
NOW = datetime(2026, 12, 7, 13, 4, 5, 60_007, tzinfo=timezone(timedelta(hours=2)))


def _sandbox_records(model: str) -> list[Record]:
    source = SandboxSource("sandbox:insert-paths", 12, 0)
    records = list(source.record_methods()[model]())
    assert records, model
    return records


def _stored(conn: Connection, model: str, integration_id: str) -> dict[str, dict[str, Any]]:
    """remote id -> every column but pk, as the driver returns it."""
    table = SYNCED_TABLES[model]
    names = [c.name for c in table.c if c.name != "pk"]
    marker = "?" if conn.dialect.name == "sqlite" else "%s"
    rows = conn.exec_driver_sql(
        f"SELECT {', '.join(names)} FROM {table.name} WHERE integration_id = {marker}", (integration_id,)
    ).all()
    return {row.remote_id: dict(zip(names, row, strict=True)) for row in rows}


def _inserted(engine: Engine, model: str, integration_id: str, fast: bool) -> dict[str, dict[str, Any]]:
    """What inserting the sandbox's `model` records stores, through `insert_rows` (`fast`) or
    SQLAlchemy's INSERT; rolled back after it is read."""
    records = _sandbox_records(model)
    rows = [normalize(integration_id, r) for r in records]
    table = SYNCED_TABLES[model]
    with engine.connect() as conn, conn.begin() as transaction:
        if fast:
            record_store.insert_rows(conn, model, integration_id, RUN_ID, rows, NOW)
        else:
            extras = record_store._column_getters(model, table)
            stamped = {"changed_at": NOW, "updated_at": NOW, "remote_deleted_at": None}
            values = [record_store._row_values(row, extras, integration_id, RUN_ID) | stamped for row in rows]
            conn.execute(insert(table), values)
        stored = _stored(conn, model, integration_id)
        transaction.rollback()
    assert set(stored) == {r.remote_id for r in records}
    return stored


def test_new_records_are_stored_as_sqlalchemys_insert_stores_them(engine: Engine) -> None:
    integration_id = create_sandbox(engine, make_tenant(engine))
    for model in MODELS:
        got = _inserted(engine, model, integration_id, fast=True)
        want = _inserted(engine, model, integration_id, fast=False)
        for remote_id, columns in want.items():
            diff = {k: (got[remote_id][k], v) for k, v in columns.items() if got[remote_id][k] != v}
            assert not diff, f"{model} {remote_id}: {diff}"
        stamp = next(iter(got.values()))["changed_at"]
        assert str(stamp).startswith("2026-12-07 11:04:05.060007"), f"{model}: `now` stored as {stamp!r}"
    created = [row["remote_created_at"] for row in want.values()]
    assert any(value is not None for value in created), "the records have creation times to compare"
