"""Records an upstream webhook said changed, pending the targeted refresh (jobs/upstream.py).

`record` adds (or bumps) one row per (integration, model, remote id): a second event for a record
still pending adds nothing to fetch, it raises the row's `version`. `pending` reads an integration's
oldest rows with their versions; `done` deletes those rows only at the version read, so an event that
arrived while its record was being fetched keeps its row (the fetch may have read the record before
the change the event announces) and is fetched again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, delete, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from hirebridge.store.tables import upstream_refreshes as table


@dataclass(frozen=True, slots=True)
class Pending:
    model: str
    remote_id: str
    version: int


def record(conn: Connection, integration_id: str, refs: Iterable[tuple[str, str]], now: datetime) -> int:
    """Mark (model, remote id) pairs of the integration for a refresh; returns how many distinct refs
    were given. One statement: an upsert on the primary key (both databases speak ON CONFLICT)."""
    rows = [
        {"integration_id": integration_id, "model": model, "remote_id": remote_id, "version": 1, "received_at": now}
        for model, remote_id in dict.fromkeys(refs)
    ]
    if not rows:
        return 0
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.integration_id, table.c.model, table.c.remote_id],
        set_={"version": table.c.version + 1},
    )
    conn.execute(statement, rows)
    return len(rows)


def pending_integrations(conn: Connection) -> list[str]:
    """The integrations with records waiting, oldest wait first."""
    first = func.min(table.c.received_at)
    query = select(table.c.integration_id).group_by(table.c.integration_id).order_by(first, table.c.integration_id)
    return list(conn.execute(query).scalars())


def pending(conn: Connection, integration_id: str, limit: int) -> list[Pending]:
    """Up to `limit` of the integration's waiting records, oldest first."""
    query = (
        select(table.c.model, table.c.remote_id, table.c.version)
        .where(table.c.integration_id == integration_id)
        .order_by(table.c.received_at, table.c.model, table.c.remote_id)
        .limit(limit)
    )
    return [Pending(row.model, row.remote_id, row.version) for row in conn.execute(query)]


def done(conn: Connection, integration_id: str, fetched: Sequence[Pending]) -> int:
    """Forget the fetched records, each only if no event came for it since it was read."""
    if not fetched:
        return 0
    matches = [
        and_(table.c.model == p.model, table.c.remote_id == p.remote_id, table.c.version == p.version) for p in fetched
    ]
    result = conn.execute(delete(table).where(table.c.integration_id == integration_id, or_(*matches)))
    return result.rowcount or 0


def count(conn: Connection, integration_id: str) -> int:
    """How many records of the integration are waiting."""
    query = select(func.count()).select_from(table).where(table.c.integration_id == integration_id)
    return int(conn.execute(query).scalar_one())
