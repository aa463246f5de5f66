"""Unified record -> storable row (`store.records.Row`): resolve references to ids, render wire JSON, hash.

Runs once per record per sync, so the per-type field plan is computed once and cached.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson

from hirebridge import ids
from hirebridge.model.records import LINKS, REF, QuestionFormat, Record, ScreeningAnswer, wire_name
from hirebridge.store.records import Row
from hirebridge.timefmt import to_wire

_OWN, _REF, _LINKS = 0, 1, 2
# (attribute, wire key, _OWN | _REF | _LINKS, referenced model or None); a plain tuple, unpacked in
# the loop of `normalize`.
_FieldPlan = tuple[str, str, int, str | None]


_PLANS: dict[type[Record], tuple[_FieldPlan, ...]] = {}


def _plan(record_type: type[Record]) -> tuple[_FieldPlan, ...]:
    if (cached := _PLANS.get(record_type)) is not None:
        return cached
    plan: list[_FieldPlan] = []
    for f in dataclasses.fields(record_type):
        if f.name in ("remote_id", "remote_data"):
            continue
        if REF in f.metadata:
            plan.append((f.name, wire_name(f.name), _REF, f.metadata[REF]))
        elif LINKS in f.metadata:
            plan.append((f.name, wire_name(f.name), _LINKS, f.metadata[LINKS]))
        else:
            plan.append((f.name, f.name, _OWN, None))
    _PLANS[record_type] = tuple(plan)
    return _PLANS[record_type]


# Values rendered as they are. `type(v) in _PLAIN` is the fast path of the isinstance test in
# `_renderer` (exact types only; subclasses such as str enums take the cached lookup).
_PLAIN = frozenset({str, int, float, bool, type(None)})

_Render = Callable[[Any, str], Any]
# type -> how to render its values: built once per type (like `_plan` for records), so rendering a
# value object is a dict lookup and a loop over a precomputed field list, not `dataclasses.fields`
# and metadata lookups per value.
_RENDERERS: dict[type, _Render] = {}


def to_wire_value(value: Any, integration_id: str) -> Any:
    """Render a field value as Kombo's JSON does: datetimes ...sssZ, nested objects as dicts, nested
    references (`ref(...)` fields of value objects) as ids, and an `id` for value objects that Kombo
    gives one (`ID_MODEL`, e.g. screening question options)."""
    cls = type(value)
    if cls in _PLAIN:
        return value
    render = _RENDERERS.get(cls) or _renderer(cls)
    return render(value, integration_id)


def _same(value: Any, _integration_id: str) -> Any:
    return value


def _datetime(value: datetime, _integration_id: str) -> str | None:
    return to_wire(value)


def _sequence(value: Any, integration_id: str) -> list[Any]:
    return [v if type(v) in _PLAIN else to_wire_value(v, integration_id) for v in value]


def _mapping(value: dict[Any, Any], integration_id: str) -> dict[Any, Any]:
    return {k: v if type(v) in _PLAIN else to_wire_value(v, integration_id) for k, v in value.items()}


def _screening_answer(value: ScreeningAnswer, integration_id: str) -> dict[str, Any]:
    question = {"remote_id": value.question_remote_id, "title": value.question_title, "type": value.type}
    return {"question": question, "answer": to_wire_value(value.answer, integration_id)}


# (attribute, wire key, referenced model or None): one entry per rendered field of a value object.
_Fields = tuple[tuple[str, str, str | None], ...]


def _fields_of(cls: type, keys: tuple[str, ...] | None = None) -> _Fields:
    return tuple(
        (f.name, wire_name(f.name), f.metadata[REF]) if REF in f.metadata else (f.name, f.name, None)
        for f in dataclasses.fields(cls)
        if keys is None or f.name in keys
    )


def _render_fields(value: Any, integration_id: str, fields: _Fields, out: dict[str, Any]) -> dict[str, Any]:
    for name, key, ref_model in fields:
        item = getattr(value, name)
        if ref_model is not None:
            out[key] = None if item is None else ids.record_id(integration_id, ref_model, item)
        elif type(item) in _PLAIN:
            out[key] = item
        else:
            out[key] = to_wire_value(item, integration_id)
    return out


def _value_object(cls: type) -> _Render:
    fields = _fields_of(cls)
    id_model: str | None = getattr(cls, "ID_MODEL", None)
    if id_model is None:

        def render(value: Any, integration_id: str) -> dict[str, Any]:
            return _render_fields(value, integration_id, fields, {})

        return render

    def render_with_id(value: Any, integration_id: str) -> dict[str, Any]:
        out = {"id": ids.record_id(integration_id, id_model, value.remote_id)}
        return _render_fields(value, integration_id, fields, out)

    return render_with_id


def _question_format(cls: type) -> _Render:
    # A tagged union: which fields are rendered depends on the value's `type`.
    by_keys: dict[tuple[str, ...], _Fields] = {}

    def render(value: QuestionFormat, integration_id: str) -> dict[str, Any]:
        keys = value.wire_keys()
        fields = by_keys.get(keys)
        if fields is None:
            fields = by_keys[keys] = _fields_of(cls, keys)
        return _render_fields(value, integration_id, fields, {})

    return render


def _renderer(cls: type) -> _Render:
    render: _Render
    if issubclass(cls, str | int | float | bool) or cls is type(None):
        render = _same
    elif issubclass(cls, datetime):
        render = _datetime
    elif issubclass(cls, tuple | list):
        render = _sequence
    elif issubclass(cls, dict):
        render = _mapping
    elif issubclass(cls, ScreeningAnswer):
        render = _screening_answer
    elif dataclasses.is_dataclass(cls):
        render = _question_format(cls) if issubclass(cls, QuestionFormat) else _value_object(cls)
    else:
        raise TypeError(f"cannot render {cls.__name__} on the wire")
    _RENDERERS[cls] = render
    return render


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
    record_id = ids.record_id
    for name, out, kind, model in _plan(type(record)):
        value = getattr(record, name)
        if kind == _OWN:
            data[out] = value if type(value) in _PLAIN else to_wire_value(value, integration_id)
        elif kind == _REF:
            assert model is not None
            data[out] = (
                record_id(integration_id, model, value)
                if type(value) is str
                else _resolve(integration_id, model, value)
            )
        else:
            assert model is not None
            link_values[out] = [
                record_id(integration_id, model, v) if isinstance(v, str) else to_wire_value(v, integration_id)
                for v in value
            ]
    data_json = orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
    links_json = orjson.dumps(link_values, option=orjson.OPT_SORT_KEYS)
    remote_data_json = (
        None if record.remote_data is None else orjson.dumps(record.remote_data, option=orjson.OPT_SORT_KEYS)
    )
    # row_hash digests data_json + links + remote data: keep feeding the content hash's hasher after
    # reading its digest instead of hashing data_json twice (same digest as hashing the concatenation).
    hasher = hashlib.blake2b(data_json, digest_size=16)
    content_hash = hasher.hexdigest()
    hasher.update(b"\x1f" + links_json + b"\x1f" + (remote_data_json or b"null"))
    created = getattr(record, "remote_created_at", None)
    return Row(
        id=ids.record_id(integration_id, record.MODEL, record.remote_id),
        remote_id=record.remote_id,
        data=data,
        data_json=data_json.decode(),
        links_json=links_json.decode(),
        remote_data_json=None if remote_data_json is None else remote_data_json.decode(),
        content_hash=content_hash,
        row_hash=hasher.hexdigest(),
        remote_created_at=created,
    )
