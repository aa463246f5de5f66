"""What a page of normalized rows changes, and its writing.

The comparison is the sync engine's: a record is new (no stored row), unchanged (same `row_hash`,
not deleted), or changed -- in its own fields (`content_hash`; a reappearing record counts too), in
its links only, or only in what no client filters on (remote data). From that follow which related
records are touched (Kombo's nested-change rules, `model/changes.py`) and which served documents are
cleared (`model/documents.py`). The store executes it (`store/records.py`), in the caller's
transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from hirebridge.model.changes import CONNECTIONS, Propagation, propagations_from
from hirebridge.model.documents import embeds_of
from hirebridge.store import changes
from hirebridge.store import records as record_store
from hirebridge.store.records import Row, Update

log = logging.getLogger(__name__)


@dataclass(slots=True)
class PageOutcome:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    # Propagation -> key values of the target records to touch.
    touches: dict[Propagation, set[str]] = field(default_factory=dict)

    def touch(self, rule: Propagation, *values: Any) -> None:
        bucket = self.touches.setdefault(rule, set())
        bucket.update(v for v in values if v is not None)


def write_page(
    conn: Connection, model: str, integration_id: str, run_id: str, rows: Sequence[Row], now: datetime
) -> PageOutcome:
    """Upsert one page of normalized rows of `model` and touch the records related to what changed.
    A record listed twice in the page is written once, as last listed (`once_each`)."""
    rows = once_each(model, rows)
    rules = propagations_from(model)
    embeds = embeds_of(model)
    key_columns = sorted(({r.source_key for r in rules} | {e.source_key for e in embeds}) - {"id"})
    outcome = PageOutcome()
    # source_key -> values of the records whose embedding documents this page makes stale.
    embedded: dict[str, set[Any]] = {}

    def restale(old_record: Any, new_row: Row) -> None:
        for embed in embeds:
            bucket = embedded.setdefault(embed.source_key, set())
            if old_record is not None:
                bucket.add(old_record.id if embed.source_key == "id" else getattr(old_record, embed.source_key))
            bucket.add(_key(new_row, embed.source_key))

    existing = record_store.stored_states(conn, model, [r.id for r in rows], key_columns)
    inserts: list[Row] = []
    updates: list[Update] = []
    seen_only: list[str] = []
    for row in rows:
        old = existing.get(row.id)
        if old is None:
            inserts.append(row)
            restale(None, row)
            for rule in rules:
                outcome.touch(rule, _key(row, rule.source_key))
            continue
        revived = old.remote_deleted_at is not None
        if old.row_hash == row.row_hash and not revived:
            seen_only.append(row.id)
            continue
        own_changed = revived or old.content_hash != row.content_hash
        links_changed = old.links != row.links_json
        updates.append(Update(row, own_changed, links_changed))
        if own_changed or links_changed:
            outcome.updated += 1
            restale(old, row)
        else:
            outcome.unchanged += 1
        for rule in rules:
            old_key = old.id if rule.source_key == "id" else getattr(old, rule.source_key)
            new_key = _key(row, rule.source_key)
            if revived or old_key != new_key or (rule.linked and own_changed):
                outcome.touch(rule, old_key, new_key)

    record_store.insert_rows(conn, model, integration_id, run_id, inserts, now)
    record_store.update_rows(conn, model, integration_id, run_id, updates, now)
    record_store.mark_seen(conn, model, seen_only, run_id)
    outcome.inserted = len(inserts)
    outcome.unchanged += len(seen_only)
    changed = [u.row.id for u in updates if u.own_changed or u.links_changed]
    if inserts or changed:
        connections = CONNECTIONS.get(model)
        joins = connections is not None and (
            bool(inserts) or any(u.links_changed if connections.via_links else u.own_changed for u in updates)
        )
        changes.note(conn, integration_id, model, changed=[r.id for r in inserts] + changed, joins=joins)
    record_store.touch_related(conn, integration_id, outcome.touches, now)
    record_store.invalidate_documents(conn, integration_id, model, embedded)
    return outcome


def once_each(model: str, rows: Sequence[Row]) -> Sequence[Row]:
    """The rows with each record once, as last listed. Sources do list a record twice: offset paging
    over data that changes while it is read lists a record at the end of one source page and again
    at the start of the next (both often in one page of the engine's), and vendors' paging has bugs.
    The later listing is the later read; writing both would make the insert refuse the page (one
    row per id) and fail the whole run."""
    latest = {row.id: row for row in rows}
    if len(latest) == len(rows):
        return rows
    log.warning(
        "a page of %s listed %d record(s) again; each is written as last listed", model, len(rows) - len(latest)
    )
    return list(latest.values())


def _key(row: Row, name: str) -> Any:
    return row.id if name == "id" else row.data.get(name)
