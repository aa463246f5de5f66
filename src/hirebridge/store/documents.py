"""Served documents (model/documents.py) in the store: the records whose document is cleared, and
their rendered documents written back. Rendering is `serving.documents`; clearing happens with every
write (`store.records`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Row, bindparam, select, update

from hirebridge.store.listing import render_columns
from hirebridge.store.tables import SYNCED_TABLES


def cleared(
    conn: Connection, model: str, integration_id: str, limit: int, after_pk: int = 0, until_pk: int | None = None
) -> Sequence[Row[Any]]:
    """Up to `limit` of the integration's `model` records with `after_pk < pk <= until_pk` whose
    document is cleared, in pk order, with `render_columns` (what the renderer reads)."""
    table = SYNCED_TABLES[model]
    conditions = [table.c.integration_id == integration_id, table.c.pk > after_pk, table.c.doc.is_(None)]
    if until_pk is not None:
        conditions.append(table.c.pk <= until_pk)
    return conn.execute(select(*render_columns(table)).where(*conditions).order_by(table.c.pk).limit(limit)).all()


def cleared_of(conn: Connection, model: str, record_ids: Sequence[str]) -> Sequence[Row[Any]]:
    """Those of the `model` records with these ids whose document is cleared, in pk order, with
    `render_columns`."""
    table = SYNCED_TABLES[model]
    return conn.execute(
        select(*render_columns(table)).where(table.c.id.in_(record_ids), table.c.doc.is_(None)).order_by(table.c.pk)
    ).all()


def save(conn: Connection, model: str, documents: Iterable[tuple[str, str]]) -> None:
    """Store rendered documents, each `(record id, JSON text)`, in one executemany UPDATE."""
    table = SYNCED_TABLES[model]
    conn.execute(
        update(table).where(table.c.id == bindparam("b_id")).values(doc=bindparam("b_doc")),
        [{"b_id": record_id, "b_doc": document} for record_id, document in documents],
    )
