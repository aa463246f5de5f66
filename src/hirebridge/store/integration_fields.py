"""Integration fields (model/integration_fields.py) in the store: what the sync engine discovered in
source payloads, the customer's passthrough switch, and what the listings read to serve them.

Ids are derived from (integration, model, type, key), so the engine writes a page's keys without
looking any id up, and a field keeps its id across syncs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Label, bindparam, exists, insert, or_, select, true, update

from hirebridge import ids
from hirebridge.model.documents import DOCUMENT_MODELS
from hirebridge.store.records import chunks
from hirebridge.store.tables import SYNCED_TABLES, custom_field_mappings, custom_fields, integration_fields

# (model, type, key): a field as the sync engine finds it.
FieldKey = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class IntegrationField:
    pk: int
    id: str
    model: str
    type: str
    key: str
    label: str | None
    passthrough_enabled: bool


@dataclass(frozen=True, slots=True)
class Passthrough:
    """A field passed through into its model's records: what a serializer needs of it."""

    id: str
    type: str
    key: str
    label: str | None


def field_id(integration_id: str, model: str, field_type: str, key: str) -> str:
    # The unit separator cannot occur in a model or type name, so (model, type, key) -> id is one-to-one.
    return ids.record_id(integration_id, "integration_fields", f"{model}\x1f{field_type}\x1f{key}")


def _field(row: Any) -> IntegrationField:
    return IntegrationField(row.pk, row.id, row.model, row.type, row.key, row.label, row.passthrough_enabled)


def record_seen(conn: Connection, integration_id: str, seen: Mapping[FieldKey, str | None], now: datetime) -> None:
    """Record that a sync saw these fields (key -> label) at `now`: new ones are inserted (passthrough
    off), known ones get their label and `last_seen_at` moved. Two statements per chunk of fields
    plus the read of which exist -- the engine calls this once per page, with the page's new keys.

    An enabled field whose label changed is in stored documents: those are cleared (in this
    transaction, like every write that makes a document stale)."""
    by_id = {field_id(integration_id, *key): (key, label) for key, label in seen.items()}
    table = integration_fields
    relabeled: set[str] = set()
    for part in chunks(sorted(by_id)):
        stored = {
            row.id: row
            for row in conn.execute(
                select(table.c.id, table.c.model, table.c.label, table.c.passthrough_enabled).where(
                    table.c.id.in_(part)
                )
            )
        }
        new = [i for i in part if i not in stored]
        if new:
            conn.execute(
                insert(table),
                [
                    {
                        "id": i,
                        "integration_id": integration_id,
                        "model": by_id[i][0][0],
                        "type": by_id[i][0][1],
                        "key": by_id[i][0][2],
                        "label": by_id[i][1],
                        "passthrough_enabled": False,
                        "first_seen_at": now,
                        "last_seen_at": now,
                    }
                    for i in new
                ],
            )
        known = [i for i in part if i in stored]
        if known:
            conn.execute(
                update(table)
                .where(table.c.id == bindparam("b_id"))
                .values(label=bindparam("b_label"), last_seen_at=bindparam("b_seen", type_=table.c.last_seen_at.type)),
                [{"b_id": i, "b_label": by_id[i][1], "b_seen": now} for i in known],
            )
        relabeled.update(row.model for i, row in stored.items() if row.passthrough_enabled and row.label != by_id[i][1])
    for model in sorted(relabeled & set(DOCUMENT_MODELS)):
        clear_documents(conn, integration_id, model)


def page(conn: Connection, integration_id: str, after_pk: int, limit: int) -> list[IntegrationField]:
    """Up to `limit` of the integration's fields after `after_pk`, in discovery (pk) order."""
    table = integration_fields
    rows = conn.execute(
        select(table)
        .where(table.c.integration_id == integration_id, table.c.pk > after_pk)
        .order_by(table.c.pk)
        .limit(limit)
    )
    return [_field(row) for row in rows]


def get(conn: Connection, integration_id: str, integration_field_id: str) -> IntegrationField | None:
    table = integration_fields
    row = conn.execute(
        select(table).where(table.c.integration_id == integration_id, table.c.id == integration_field_id)
    ).one_or_none()
    return None if row is None else _field(row)


def set_passthrough(
    conn: Connection, integration_id: str, integration_field_id: str, enabled: bool
) -> IntegrationField | None:
    """Switch the field's passthrough; returns the field as it is now (None: no such field of the
    integration). Switching a field of a model with stored documents clears the integration's
    documents of that model: they show the passed-through fields (the next sync renders them again;
    until then pages of them are rendered live)."""
    current = get(conn, integration_id, integration_field_id)
    if current is None or current.passthrough_enabled == enabled:
        return current
    table = integration_fields
    conn.execute(update(table).where(table.c.id == current.id).values(passthrough_enabled=enabled))
    if current.model in DOCUMENT_MODELS:
        clear_documents(conn, integration_id, current.model)
    return get(conn, integration_id, integration_field_id)


def clear_documents(conn: Connection, integration_id: str, model: str) -> None:
    """Clear the integration's stored documents of `model` (a model without documents has none)."""
    table = SYNCED_TABLES[model]
    if "doc" not in table.c:
        return
    conn.execute(
        update(table).where(table.c.integration_id == integration_id, table.c.doc.is_not(None)).values(doc=None)
    )


# Built once: every page of the four models' listings runs it (a statement built per call costs about
# what the query's round trip does; tenancy._CALLER).
_PASSED_THROUGH = (
    select(integration_fields.c.id, integration_fields.c.type, integration_fields.c.key, integration_fields.c.label)
    .where(
        integration_fields.c.integration_id == bindparam("integration_id"),
        integration_fields.c.model == bindparam("model"),
        integration_fields.c.passthrough_enabled == true(),
    )
    .order_by(integration_fields.c.pk)
)


PASSES_THROUGH = "passes_through"


def passes_through(model: str) -> Label[bool]:
    """A column for a page query (`store.listing.page_query`, bound `integration_id`): whether the
    integration passes any field of `model` through. Not correlated with the page's rows, so the
    database evaluates it once per query; a page whose rows say no (the common case) needs no query
    of its own (serving/integration_fields.py)."""
    table = integration_fields
    passed = exists(
        select(table.c.pk).where(
            table.c.integration_id == bindparam("integration_id"),
            table.c.model == model,
            table.c.passthrough_enabled == true(),
        )
    )
    # A custom field mapped to one of the model's fields needs the same page data (store.custom_fields).
    mapped = exists(
        select(custom_field_mappings.c.custom_field_id)
        .join(custom_fields, custom_fields.c.id == custom_field_mappings.c.custom_field_id)
        .where(custom_field_mappings.c.integration_id == bindparam("integration_id"), custom_fields.c.model == model)
    )
    return or_(passed, mapped).label(PASSES_THROUGH)


def passed_through(conn: Connection, integration_id: str, model: str) -> list[Passthrough]:
    """The integration's fields of `model` whose passthrough is on, in discovery order: one indexed
    read, what a page of the model's listing costs when none is (the common case)."""
    rows = conn.execute(_PASSED_THROUGH, {"integration_id": integration_id, "model": model})
    return [Passthrough(row.id, row.type, row.key, row.label) for row in rows]


def remote_payloads(conn: Connection, model: str, record_ids: Iterable[str]) -> dict[str, str | None]:
    """id -> stored `remote_data` (JSON text) of these records of `model`: read only for a page that
    passes a DEFAULT field through (the page query leaves the payloads out)."""
    table = SYNCED_TABLES[model]
    found: dict[str, str | None] = {}
    wanted: Sequence[str] = sorted(set(record_ids))
    for part in chunks(wanted):
        found.update(
            (row.id, row.remote_data)
            for row in conn.execute(select(table.c.id, table.c.remote_data).where(table.c.id.in_(part)))
        )
    return found
