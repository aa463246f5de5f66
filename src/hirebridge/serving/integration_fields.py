"""`integration_fields[]` of the records of the models that carry it (model/integration_fields.py):
the integration's fields whose passthrough is on, each with the record's value -- `remote_data[key]`
for a DEFAULT field, the record's custom field `key` for a CUSTOM one.

Per page, not per record: one read of the passed-through fields -- none when the page's rows say the
integration passes none through (the common case, an uncorrelated EXISTS in the page query) -- plus
one read of the page's raw payloads only when a DEFAULT field is passed through.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, Row

from hirebridge.model.integration_fields import DEFAULT
from hirebridge.store import integration_fields as store


def fill(conn: Connection, model: str, rows: Sequence[Row[Any]], items: Sequence[dict[str, Any]]) -> None:
    """Fill `integration_fields` of each serialized record of a page (`items`, in the order of `rows`;
    they hold the record's own fields, `custom_fields` among them, and `integration_fields: []` where
    the serializer wants the key in its output)."""
    if not rows:
        return
    # Rows of a listing's page say whether any field is passed through (store.listing.page_query):
    # most pages end here, without a query. Rows read otherwise (a document rendered) do not say.
    known = rows[0]._mapping.get(store.PASSES_THROUGH)
    if known is not None and not known:
        return
    fields = store.passed_through(conn, rows[0].integration_id, model)
    if not fields:
        return
    payloads: dict[str, str | None] = {}
    if any(f.type == DEFAULT for f in fields):
        payloads = store.remote_payloads(conn, model, (row.id for row in rows))
    for row, item in zip(rows, items, strict=True):
        raw = payloads.get(row.id)
        remote_data = orjson.loads(raw) if raw is not None else None
        if not isinstance(remote_data, dict):
            remote_data = {}
        custom = item.get("custom_fields") or {}
        # Every passed-through field, valued null where this record has no such key: one shape per page.
        item["integration_fields"] = [
            {
                "id": f.id,
                "key": f.key,
                "type": f.type,
                "value": remote_data.get(f.key) if f.type == DEFAULT else custom.get(f.key),
                "label": f.label,
            }
            for f in fields
        ]
