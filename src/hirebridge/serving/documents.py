"""Served documents (model/documents.py): a listing's records stored as the JSON the API serves.

`render_stale` renders, with the listing's own serializer, the documents the sync engine cleared;
`listing.page_documents` serves a page from the stored documents, rendering live any still cleared (a
run that failed before its render pass, or data synced before documents existed). Both go through the
same serializer, so a stored document is byte for byte what a live render gives.
"""

from __future__ import annotations

from sqlalchemy import Connection

from hirebridge.model.documents import DOCUMENT_MODELS
from hirebridge.serving.ats import applications
from hirebridge.serving.listing import Listing
from hirebridge.store import documents as store_documents

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
    listing = DOCUMENTED[model]
    rows = store_documents.cleared(conn, model, integration_id, limit, after_pk, until_pk)
    if not rows:
        return None
    assert listing.render is not None
    documents = listing.render(conn, rows)
    store_documents.save(conn, model, [(row.id, doc.decode()) for row, doc in zip(rows, documents, strict=True)])
    last: int = rows[-1].pk
    return last
