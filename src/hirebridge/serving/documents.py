"""Served documents (model/documents.py): a listing's records stored as the JSON the API serves.

`render_cleared` renders again, in the writer's own transaction, the documents its writes cleared of
records stored before it: a reader never finds a document it was served cleared, during a sync or
after one that failed. `render_stale` renders the rest -- the documents of records a run stored for
the first time -- after the run's streams. `listing.page_documents` serves a page from the stored
documents, rendering live any still cleared (records new in a run still going or one that failed,
data synced before documents existed). All go through the same serializer, so a stored document is
byte for byte what a live render gives.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row

from hirebridge.model.documents import DOCUMENT_MODELS
from hirebridge.serving.ats import applications
from hirebridge.serving.listing import Listing
from hirebridge.store import documents as store_documents
from hirebridge.store import records as record_store

DOCUMENTED: dict[str, Listing] = {"applications": applications.LISTING}
assert set(DOCUMENTED) == set(DOCUMENT_MODELS), "every document model needs its listing here"
assert all(listing.render is not None for listing in DOCUMENTED.values()), "a documented listing renders them"


def render_stale(
    conn: Connection, model: str, integration_id: str, limit: int, after_pk: int = 0, until_pk: int | None = None
) -> int | None:
    """Render up to `limit` cleared documents of the integration's `model` records with
    `after_pk < pk <= until_pk`, in pk order; returns the pk of the last one rendered (None: none
    left). Callers pass it back as `after_pk`, so a pass reads each record once -- starting from the
    first every time would re-read every document already rendered (no index finds cleared ones) --
    and processes can share a bulk load's render by pk range."""
    rows = store_documents.cleared(conn, model, integration_id, limit, after_pk, until_pk)
    if not rows:
        return None
    _render_and_save(conn, model, rows)
    last: int = rows[-1].pk
    return last


def render_cleared(conn: Connection) -> int:
    """Render again the documents this transaction's writes cleared of records stored before it
    (`store.records.note_cleared`), in the transaction: before it commits, so no reader sees them
    cleared. A record stored first in this transaction is left to `render_stale`: a run's later pages
    (its interviews, its offers) would clear and render it again. Returns how many it rendered."""
    rendered = 0
    for model, record_ids in sorted(record_store.take_cleared(conn).items()):
        for part in record_store.chunks(sorted(record_ids)):
            rows = store_documents.cleared_of(conn, model, part)
            if rows:
                _render_and_save(conn, model, rows)
                rendered += len(rows)
    return rendered


def _render_and_save(conn: Connection, model: str, rows: Sequence[Row[Any]]) -> None:
    render = DOCUMENTED[model].render
    assert render is not None
    documents = render(conn, rows)
    store_documents.save(conn, model, [(row.id, doc.decode()) for row, doc in zip(rows, documents, strict=True)])
