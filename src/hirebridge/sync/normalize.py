"""Unified record -> storable row: resolve references to ids, render wire JSON, hash.

Runs once per record per sync, so the per-type field plan is computed once and cached.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from hirebridge import ids
from hirebridge.model.records import LINKS, REF, Record, ScreeningAnswer
from hirebridge.timefmt import to_wire


@dataclass(frozen=True, slots=True)
class _FieldPlan:
    name: str
    out: str
    kind: str  # "own" | "ref" | "links"
    model: str | None


@dataclass(frozen=True, slots=True)
class Row:
    id: str
    remote_id: str
    data: dict[str, Any]
    data_json: str
    links_json: str
    remote_data_json: str | None
    content_hash: str
    row_hash: str
    remote_created_at: datetime | None


def _ref_name(name: str, suffix: str, replacement: str) -> str:
    assert name.endswith(suffix), f"reference field {name} must end with {suffix}"
    return name[: -len(suffix)] + replacement


_PLANS: dict[type[Record], tuple[_FieldPlan, ...]] = {}


def _plan(record_type: type[Record]) -> tuple[_FieldPlan, ...]:
    if (cached := _PLANS.get(record_type)) is not None:
        return cached
    plan = []
    for f in dataclasses.fields(record_type):
        if f.name in ("remote_id", "remote_data"):
            continue
        if REF in f.metadata:
            plan.append(_FieldPlan(f.name, _ref_name(f.name, "_remote_id", "_id"), "ref", f.metadata[REF]))
        elif LINKS in f.metadata:
            plan.append(
                _FieldPlan(f.name, _ref_name(f.name, "_remote_ids", "_ids"), "links", f.metadata[LINKS])
            )
        else:
            plan.append(_FieldPlan(f.name, f.name, "own", None))
    _PLANS[record_type] = tuple(plan)
    return _PLANS[record_type]


def to_wire_value(value: Any) -> Any:
    """Render a field value as Kombo's JSON does (datetimes ...sssZ, nested objects as dicts)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, datetime):
        return to_wire(value)
    if isinstance(value, tuple | list):
        return [to_wire_value(v) for v in value]
    if isinstance(value, dict):
        return {k: to_wire_value(v) for k, v in value.items()}
    if isinstance(value, ScreeningAnswer):
        return {
            "question": {
                "remote_id": value.question_remote_id,
                "title": value.question_title,
                "type": value.type,
            },
            "answer": to_wire_value(value.answer),
        }
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_wire_value(getattr(value, f.name)) for f in dataclasses.fields(value)}
    raise TypeError(f"cannot render {type(value).__name__} on the wire")


def _digest(payload: bytes) -> str:
    return hashlib.blake2b(payload, digest_size=16).hexdigest()


def normalize(integration_id: str, record: Record) -> Row:
    data: dict[str, Any] = {}
    link_values: dict[str, list[str]] = {}
    for p in _plan(type(record)):
        value = getattr(record, p.name)
        if p.kind == "own":
            data[p.out] = to_wire_value(value)
        elif p.kind == "ref":
            assert p.model is not None
            data[p.out] = None if value is None else ids.record_id(integration_id, p.model, value)
        else:
            assert p.model is not None
            link_values[p.out] = [ids.record_id(integration_id, p.model, v) for v in value]
    data_json = orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
    links_json = orjson.dumps(link_values, option=orjson.OPT_SORT_KEYS)
    remote_data_json = (
        None if record.remote_data is None else orjson.dumps(record.remote_data, option=orjson.OPT_SORT_KEYS)
    )
    created = getattr(record, "remote_created_at", None)
    return Row(
        id=ids.record_id(integration_id, record.MODEL, record.remote_id),
        remote_id=record.remote_id,
        data=data,
        data_json=data_json.decode(),
        links_json=links_json.decode(),
        remote_data_json=None if remote_data_json is None else remote_data_json.decode(),
        content_hash=_digest(data_json),
        row_hash=_digest(data_json + b"\x1f" + links_json + b"\x1f" + (remote_data_json or b"null")),
        remote_created_at=created,
    )
