"""Served documents (model/documents.py): a listing's records stored as the JSON the API serves.

`render_stale` renders, with the listing's own serializer, the documents the sync engine cleared;
`listing.page_documents` serves a page from the stored documents, rendering live any still cleared (a
run that failed before its render pass, or data synced before documents existed). Both go through the
same serializer, so a stored document is byte for byte what a live render gives.
"""

from __future__ import annotations

import orjson
from sqlalchemy import Connection, bindparam, select, update

from hirebridge.api.ats import applications
from hirebridge.api.listing import Listing, row_columns
from hirebridge.model.documents import DOCUMENT_MODELS

DOCUMENTED: dict[str, Listing] = {"applications": applications.LISTING}
assert set(DOCUMENTED) == set(DOCUMENT_MODELS), "every document model needs its listing here"


def render_stale(conn: Connection, model: str, integration_id: str, limit: int) -> int:
    """Render up to `limit` cleared documents of the integration's `model` records; returns how many."""
    listing = DOCUMENTED[model]
    table = listing.table
    rows = conn.execute(
        select(*row_columns(table))
        .where(table.c.integration_id == integration_id, table.c.doc.is_(None))
        .order_by(table.c.pk)
        .limit(limit)
    ).all()
    if not rows:
        return 0
    documents = listing.serialize(conn, rows)
    conn.execute(
        update(table).where(table.c.id == bindparam("b_id")).values(doc=bindparam("b_doc")),
        [{"b_id": row.id, "b_doc": orjson.dumps(doc).decode()} for row, doc in zip(rows, documents, strict=True)],
    )
    return len(rows)
