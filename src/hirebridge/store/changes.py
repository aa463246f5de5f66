"""The change outbox: what each committed write transaction changed, recorded in that transaction.

The write path notes what it changes as it goes (`note`: `sync.diff.write_page`, the touches of
Kombo's nested-change rules, deletions) in the connection's `info`; `store.db.write_tx` writes the
notes as rows of `changes` (one per integration and model) as the last statement before COMMIT, and
drops them when the transaction rolls back. So a change is in the outbox if and only if it was
committed: a failed page announces nothing, and no committed page is missed.

**Sequence = commit order.** `seq` is what readers page by (`data-changed` webhooks, the change feed
GET /v1/changes): a reader that has seen seq N must already see every change committed before it,
or it would step past a smaller seq that commits later. A database sequence alone does not give
that on PostgreSQL (transaction A takes 10, B takes 11 and commits first: a reader sees 11, stores
it, and never reads 10). So the rows are inserted under a transaction-level advisory lock taken
right before them and held to the commit: seqs are allocated in the order transactions commit. The
lock covers only the insert and the COMMIT (the last statements of a transaction), and only
transactions that changed something take it. On SQLite every write transaction holds the database's
one write lock from BEGIN IMMEDIATE to COMMIT, which gives the same order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, delete, func, insert, select, text

from hirebridge.store.db import is_sqlite, replace_row
from hirebridge.store.tables import change_cursors, changes
from hirebridge.timefmt import utc_now

# Where the notes of the open transaction live in `Connection.info` (the pooled connection's dict:
# `write_tx` clears it before and after every transaction).
INFO_KEY = "hirebridge.changes"
# The cursor holding the newest seq pruned: a reader asking for changes after an older one has missed some.
PRUNED = "pruned"
# pg_advisory_xact_lock's key for "allocating outbox seqs": any constant no other lock uses.
_SEQ_LOCK = 7_310_420_551


@dataclass(slots=True)
class _Notes:
    changed: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)
    joins: bool = False


@dataclass(frozen=True, slots=True)
class Change:
    """One row of the outbox: what one committed transaction changed in one model of one integration."""

    seq: int
    integration_id: str
    model: str
    changed_ids: tuple[str, ...]
    deleted_ids: tuple[str, ...]
    joins_changed: bool
    committed_at: datetime


def note(
    conn: Connection,
    integration_id: str,
    model: str,
    *,
    changed: Iterable[str] = (),
    deleted: Iterable[str] = (),
    joins: bool = False,
) -> None:
    """Record that this transaction changed (or deleted) records of `model`; `joins`: the model's
    connections to other records changed too."""
    notes: dict[tuple[str, str], _Notes] = conn.info.setdefault(INFO_KEY, {})
    entry = notes.get((integration_id, model))
    if entry is None:
        entry = notes[(integration_id, model)] = _Notes()
    entry.changed.update(changed)
    entry.deleted.update(deleted)
    entry.joins = entry.joins or joins


def discard(conn: Connection) -> None:
    """Forget the notes of a transaction that is not committed."""
    conn.info.pop(INFO_KEY, None)


def flush(conn: Connection) -> None:
    """Write the transaction's notes to the outbox; the caller commits next (store.db.write_tx)."""
    notes: dict[tuple[str, str], _Notes] | None = conn.info.pop(INFO_KEY, None)
    rows = []
    for (integration_id, model), entry in sorted((notes or {}).items()):
        changed = entry.changed - entry.deleted
        if not changed and not entry.deleted and not entry.joins:
            continue
        rows.append(
            {
                "integration_id": integration_id,
                "model": model,
                "changed_ids": orjson.dumps(sorted(changed)).decode(),
                "deleted_ids": orjson.dumps(sorted(entry.deleted)).decode(),
                "joins_changed": entry.joins,
            }
        )
    if not rows:
        return
    if not is_sqlite(conn):
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SEQ_LOCK})
    now = utc_now()
    conn.execute(insert(changes), [{**row, "committed_at": now} for row in rows])


def _change(row: Any) -> Change:
    return Change(
        seq=row.seq,
        integration_id=row.integration_id,
        model=row.model,
        changed_ids=tuple(orjson.loads(row.changed_ids)),
        deleted_ids=tuple(orjson.loads(row.deleted_ids)),
        joins_changed=bool(row.joins_changed),
        committed_at=row.committed_at,
    )


def after(conn: Connection, seq: int, limit: int, integration_id: str | None = None) -> list[Change]:
    """Up to `limit` outbox rows after `seq`, in commit order; of one integration, or of all."""
    query = select(changes).where(changes.c.seq > seq).order_by(changes.c.seq).limit(limit)
    if integration_id is not None:
        query = query.where(changes.c.integration_id == integration_id)
    return [_change(row) for row in conn.execute(query)]


def last_seq(conn: Connection) -> int:
    """The newest committed seq (0 when the outbox is empty)."""
    return int(conn.execute(select(func.coalesce(func.max(changes.c.seq), 0))).scalar_one())


def cursor(conn: Connection, name: str, *, lock: bool = False) -> int | None:
    """A named reader's position in the outbox (None: never set); `lock` holds its row until commit
    so two readers never announce the same changes."""
    query = select(change_cursors.c.seq).where(change_cursors.c.name == name)
    if lock:
        query = query.with_for_update()
    value = conn.execute(query).scalar_one_or_none()
    return None if value is None else int(value)


def set_cursor(conn: Connection, name: str, seq: int) -> None:
    replace_row(conn, change_cursors, {"name": name}, {"seq": seq})


def changed_models(entries: Sequence[Change]) -> list[str]:
    """The models `entries` changed, each once, in their first order."""
    return list(dict.fromkeys(entry.model for entry in entries))


def prune(conn: Connection, before: datetime, keep_after: int) -> int:
    """Delete the outbox rows committed before `before`, but none after seq `keep_after` (what
    `data-changed` has not announced yet); remember the newest seq deleted (`pruned_through`).
    Returns how many rows went."""
    newest = conn.execute(
        select(func.max(changes.c.seq)).where(changes.c.committed_at < before, changes.c.seq <= keep_after)
    ).scalar_one_or_none()
    if newest is None:
        return 0
    gone = conn.execute(delete(changes).where(changes.c.seq <= newest)).rowcount
    set_cursor(conn, PRUNED, max(int(newest), pruned_through(conn)))
    return int(gone)


def pruned_through(conn: Connection) -> int:
    """The newest seq pruned from the outbox (0: none)."""
    return cursor(conn, PRUNED) or 0
