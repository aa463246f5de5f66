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
from hirebridge.model.records import LINKS, REF, QuestionFormat, Record, ScreeningAnswer, wire_name
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


_PLANS: dict[type[Record], tuple[_FieldPlan, ...]] = {}


def _plan(record_type: type[Record]) -> tuple[_FieldPlan, ...]:
    if (cached := _PLANS.get(record_type)) is not None:
        return cached
    plan = []
    for f in dataclasses.fields(record_type):
        if f.name in ("remote_id", "remote_data"):
            continue
        if REF in f.metadata:
            plan.append(_FieldPlan(f.name, wire_name(f.name), "ref", f.metadata[REF]))
        elif LINKS in f.metadata:
            plan.append(_FieldPlan(f.name, wire_name(f.name), "links", f.metadata[LINKS]))
        else:
            plan.append(_FieldPlan(f.name, f.name, "own", None))
    _PLANS[record_type] = tuple(plan)
    return _PLANS[record_type]


def to_wire_value(value: Any, integration_id: str) -> Any:
    """Render a field value as Kombo's JSON does: datetimes ...sssZ, nested objects as dicts, nested
    references (`ref(...)` fields of value objects) as ids, and an `id` for value objects that Kombo
    gives one (`ID_MODEL`, e.g. screening question options)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, datetime):
        return to_wire(value)
    if isinstance(value, tuple | list):
        return [to_wire_value(v, integration_id) for v in value]
    if isinstance(value, dict):
        return {k: to_wire_value(v, integration_id) for k, v in value.items()}
    if isinstance(value, ScreeningAnswer):
        question = {"remote_id": value.question_remote_id, "title": value.question_title, "type": value.type}
        return {"question": question, "answer": to_wire_value(value.answer, integration_id)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        if (id_model := getattr(value, "ID_MODEL", None)) is not None:
            out["id"] = ids.record_id(integration_id, id_model, value.remote_id)  # type: ignore[attr-defined]
        keys = value.wire_keys() if isinstance(value, QuestionFormat) else None
        for f in dataclasses.fields(value):
            if keys is not None and f.name not in keys:
                continue
            item = getattr(value, f.name)
            if REF in f.metadata:
                ref_id = None if item is None else ids.record_id(integration_id, f.metadata[REF], item)
                out[wire_name(f.name)] = ref_id
            else:
                out[f.name] = to_wire_value(item, integration_id)
        return out
    raise TypeError(f"cannot render {type(value).__name__} on the wire")


def _resolve(integration_id: str, model: str, value: Any) -> Any:
    """A reference (or a tuple of them) as Kombo ids; non-string entries (booleans) stay as they are."""
    if isinstance(value, str):
        return ids.record_id(integration_id, model, value)
    if isinstance(value, tuple):
        return [_resolve(integration_id, model, v) for v in value]
    return value


def _digest(payload: bytes) -> str:
    return hashlib.blake2b(payload, digest_size=16).hexdigest()


def normalize(integration_id: str, record: Record) -> Row:
    data: dict[str, Any] = {}
    link_values: dict[str, list[Any]] = {}
    for p in _plan(type(record)):
        value = getattr(record, p.name)
        if p.kind == "own":
            data[p.out] = to_wire_value(value, integration_id)
        elif p.kind == "ref":
            assert p.model is not None
            data[p.out] = _resolve(integration_id, p.model, value)
        else:
            assert p.model is not None
            link_values[p.out] = [
                ids.record_id(integration_id, p.model, v) if isinstance(v, str) else to_wire_value(v, integration_id)
                for v in value
            ]
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
