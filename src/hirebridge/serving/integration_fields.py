"""`integration_fields[]` of the records of the models that carry it (model/integration_fields.py):
the integration's fields whose passthrough is on, each with the record's value -- `remote_data[key]`
for a DEFAULT field, the record's custom field `key` for a CUSTOM one -- and the environment's custom
fields the integration maps to such a field (store/custom_fields.py), in the records' `custom_fields`.

Per page, not per record: one read of the passed-through fields -- none when the page's rows say the
integration passes none through (the common case, an uncorrelated EXISTS in the page query) -- plus
one read of the page's raw payloads only when a DEFAULT field is passed through.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, Row

from hirebridge.model.integration_fields import DEFAULT
from hirebridge.store import custom_fields
from hirebridge.store import integration_fields as store
from hirebridge.store.integration_fields import Passthrough


@dataclass(frozen=True, slots=True)
class PageFields:
    """What `apply` gives the records of one page: the passed-through fields, the mapped custom
    fields, and the raw payloads (by record id) when a DEFAULT field needs them."""

    fields: Sequence[Passthrough]
    mapped: Sequence[tuple[str, Passthrough]]
    payloads: dict[str, str | None]


def fill(conn: Connection, model: str, rows: Sequence[Row[Any]], items: Sequence[dict[str, Any]]) -> None:
    """Fill `integration_fields` of each serialized record of a page (`items`, in the order of `rows`;
    they hold the record's own fields, `custom_fields` among them, and `integration_fields: []` where
    the serializer wants the key in its output)."""
    page = for_page(conn, model, rows)
    if page is not None:
        for row, item in zip(rows, items, strict=True):
            apply(page, row, item)


def for_page(conn: Connection, model: str, rows: Sequence[Row[Any]]) -> PageFields | None:
    """What the records of a page get (None: nothing, their items stay as they are)."""
    if not rows:
        return None
    # Rows of a listing's page say whether any field is passed through (store.listing.page_query):
    # most pages end here, without a query. Rows read otherwise (a document rendered) do not say.
    known = rows[0]._mapping.get(store.PASSES_THROUGH)
    if known is not None and not known:
        return None
    fields = store.passed_through(conn, rows[0].integration_id, model)
    mapped = custom_fields.mapped_fields(conn, rows[0].integration_id, model)
    if not fields and not mapped:
        return None
    payloads: dict[str, str | None] = {}
    if any(f.type == DEFAULT for f in fields) or any(f.type == DEFAULT for _, f in mapped):
        payloads = store.remote_payloads(conn, model, (row.id for row in rows))
    return PageFields(fields, mapped, payloads)


def apply(page: PageFields, row: Row[Any], item: dict[str, Any]) -> None:
    """Fill `integration_fields` (and mapped `custom_fields`) of one record's serialized `item`."""
    fields, mapped = page.fields, page.mapped
    raw = page.payloads.get(row.id)
    remote_data = orjson.loads(raw) if raw is not None else None
    if not isinstance(remote_data, dict):
        remote_data = {}
    custom = item.get("custom_fields") or {}
    # Every passed-through field, valued null where this record has no such key: one shape per page.
    if fields:
        item["integration_fields"] = [
            {"id": f.id, "key": f.key, "type": f.type, "value": _value(f, remote_data, custom), "label": f.label}
            for f in fields
        ]
    # The environment's custom fields this integration maps, under their own keys (over a source
    # custom field of the same key), null where the record has no value.
    if mapped and "custom_fields" in item:
        item["custom_fields"] = {**custom, **{key: _value(f, remote_data, custom) for key, f in mapped}}


def _value(field: Passthrough, remote_data: dict[str, Any], custom: dict[str, Any]) -> Any:
    """A record's value of an integration field: its raw payload's key, or its source custom field's."""
    return remote_data.get(field.key) if field.type == DEFAULT else custom.get(field.key)
