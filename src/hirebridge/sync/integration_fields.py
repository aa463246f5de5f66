"""Discovering integration fields (model/integration_fields.py) while a sync writes records.

A run keeps, in memory, the fields it has already recorded: a page writes only the keys (or labels)
the run has not recorded yet, in one batch, in the page's own transaction -- the first pages of a run
write its fields, later pages usually nothing at all. Never a query per record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from hirebridge.model.integration_fields import CUSTOM, DEFAULT, INTEGRATION_FIELD_MODELS
from hirebridge.model.records import Record
from hirebridge.store import integration_fields as store
from hirebridge.store.integration_fields import FieldKey


def _label(raw_custom: Any, key: str) -> str | None:
    """A custom field's label from the vendor's payload, where its shape carries one: Greenhouse's
    `custom_fields {name_key: {name, type, value}}` (others name their custom fields by key only)."""
    if not isinstance(raw_custom, Mapping):
        return None
    entry = raw_custom.get(key)
    name = entry.get("name") if isinstance(entry, Mapping) else None
    return name if isinstance(name, str) and name else None


class FieldDiscovery:
    """The fields one sync run of one integration has seen so far."""

    def __init__(self, integration_id: str) -> None:
        self.integration_id = integration_id
        self._recorded: dict[FieldKey, str | None] = {}

    def record(self, conn: Connection, model: str, records: Iterable[Record], now: datetime) -> None:
        """Note the fields of a page of `model` records, writing those this run has not recorded yet."""
        if model not in INTEGRATION_FIELD_MODELS:
            return
        page: dict[FieldKey, str | None] = {}
        for record in records:
            raw = record.remote_data
            if raw:
                for key in raw:
                    page.setdefault((model, DEFAULT, key), None)
            custom: Mapping[str, Any] = getattr(record, "custom_fields", None) or {}
            if custom:
                raw_custom = raw.get("custom_fields") if raw else None
                for key in custom:
                    label = _label(raw_custom, key)
                    # A label wins over none: a record that lacks the vendor's entry does not erase it.
                    if label is not None or (model, CUSTOM, key) not in page:
                        page[(model, CUSTOM, key)] = label
        recorded = self._recorded
        new = {
            key: label
            for key, label in page.items()
            if key not in recorded or (label is not None and recorded[key] != label)
        }
        if not new:
            return
        store.record_seen(conn, self.integration_id, new, now)
        recorded.update(new)
