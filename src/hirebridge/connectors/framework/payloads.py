"""The boundary between a source's JSON and the mapping functions.

Mapping functions are written for the payloads a vendor documents and read every optional field
with `.get()`. Handed a payload of another shape -- an API change, an error object sent with status
200, a list where an object belongs -- they do not fail: they map it to a record whose fields are all
empty, and the engine writes that record (then the next mapper indexes a key that is not there and
the run ends with a bare `KeyError`, reported as an internal error). So no payload reaches a mapper
unchecked:

- every record a listing returns is checked against its endpoint's declared `Shape` (the keys the
  vendor always sends, and the type of every key the connector reads) when its page arrives, before
  connector code or a mapper touches it (`paging.pages`);
- every mapper call runs under `mapping_errors`, which turns whatever a mapper still raises on odd
  data into a `MappingError`.

A `MappingError` names the tool, the endpoint, the field and the record, and is a `SourceError`:
the run fails as SOURCE_ERROR, keeps everything it committed before, writes nothing of the page it
was reading and deletes nothing (docs/connectors/README.md says why a run fails rather than skipping
the record).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ParamSpec, TypeVar, cast

from hirebridge.connectors.framework.errors import MappingError, SourceError

P = ParamSpec("P")
T = TypeVar("T")

__all__ = ["Kind", "MappingError", "Shape", "check", "mapped", "mapping_errors"]


@dataclass(frozen=True, slots=True)
class Kind:
    """What one value must be: one of `types`; an object of shape `shape`; a list of `items`."""

    name: str
    types: tuple[type, ...]
    shape: Shape | None = None
    items: Kind | None = None
    nullable: bool = False


@dataclass(frozen=True, slots=True)
class Shape:
    """An object: `required` keys must be present (null only where their kind is `nullable`);
    `optional` keys may be absent or null, and must be of their kind otherwise. Keys not named are
    not checked (vendors add fields)."""

    required: Mapping[str, Kind] = field(default_factory=dict)
    optional: Mapping[str, Kind] = field(default_factory=dict)


class ShapesByPath:
    """A connector's listing paths and the shape of the records each returns: `(pattern, shape)`
    pairs, a pattern matching the whole path (`/jobs/[^/]+/stages`). Called with a path -- a followed
    next-page URL too, when `prefix` (a regex, e.g. `^.*?/spi/v3`) says what to cut before the path --
    it gives the shape, or KeyError for a path no shape is declared for: every listing the connector
    reads must have one."""

    def __init__(self, vendor: str, pairs: Iterable[tuple[str, Shape]], prefix: str | None = None) -> None:
        self.vendor = vendor
        self.pairs = tuple((re.compile(pattern), shape) for pattern, shape in pairs)
        self.prefix = None if prefix is None else re.compile(prefix)

    def __call__(self, path: str) -> Shape:
        if self.prefix is not None:
            path = self.prefix.sub("", _ORIGIN.sub("", path).split("?")[0])
        for pattern, shape in self.pairs:
            if pattern.fullmatch(path):
                return shape
        raise KeyError(f"no record shape declared for {self.vendor}'s {path}")


_ORIGIN = re.compile(r"^https?://[^/]+")

STRING = Kind("a string", (str,))
INTEGER = Kind("an integer", (int,))
NUMBER = Kind("a number", (int, float))
BOOLEAN = Kind("a boolean", (bool,))
OBJECT = Kind("an object", (dict,))
LIST = Kind("a list", (list,))
ANY = Kind("anything", (object,))
# Lever's timestamps: epoch ms, sometimes as a digit string (its file list).
EPOCH_MS = Kind("epoch milliseconds", (int, float, str))
# A reference sent as an id or, expanded, as an object with an id.
ID_OR_OBJECT = Kind("an id or an object", (str, dict))


def nullable(kind: Kind) -> Kind:
    return replace(kind, nullable=True)


def obj(shape: Shape) -> Kind:
    """An object whose keys are checked against `shape`."""
    return Kind("an object", (dict,), shape=shape)


def id_or(shape: Shape) -> Kind:
    """A reference: an id, or (expanded) an object of `shape`."""
    return Kind("an id or an object", (str, dict), shape=shape)


def list_of(items: Kind) -> Kind:
    return Kind(f"a list of {_plural(items.name)}", (list,), items=items)


def _plural(name: str) -> str:
    return name.removeprefix("an ").removeprefix("a ") + "s"


def describe(value: Any) -> str:
    """A JSON value's kind, as an error message says it."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int | float):
        return "a number"
    return type(value).__name__


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _value_problem(kind: Kind, value: Any, path: str) -> tuple[str, str] | None:
    """(field path, what is wrong) of the first problem of `value`, or None."""
    if value is None:
        return None if kind.nullable else (path, f"is null, expected {kind.name}")
    if (isinstance(value, bool) and bool not in kind.types and object not in kind.types) or not isinstance(
        value, kind.types
    ):
        return path, f"is {describe(value)}, expected {kind.name}"
    if kind.shape is not None and isinstance(value, dict):
        return _shape_problem(kind.shape, cast(dict[str, Any], value), path)
    if kind.items is not None and isinstance(value, list):
        for index, item in enumerate(value):
            if (problem := _value_problem(kind.items, item, _join(path, index))) is not None:
                return problem
    return None


def _shape_problem(shape: Shape, payload: dict[str, Any], path: str) -> tuple[str, str] | None:
    for key, kind in shape.required.items():
        if key not in payload:
            return _join(path, key), "is missing"
        if (problem := _value_problem(kind, payload[key], _join(path, key))) is not None:
            return problem
    for key, kind in shape.optional.items():
        value = payload.get(key)
        if value is not None and (problem := _value_problem(kind, value, _join(path, key))) is not None:
            return problem
    return None


def _fits(kind: Kind, value: Any) -> bool:
    """`_value_problem(...) is None`, without building field paths: the check of every record of a
    sync takes this path, the one that reports a problem runs only once it has found one."""
    if value is None:
        return kind.nullable
    if not isinstance(value, kind.types) or (
        value.__class__ is bool and bool not in kind.types and object not in kind.types
    ):
        return False
    if kind.shape is not None and value.__class__ is dict:
        return _fits_shape(kind.shape, value)
    if kind.items is not None and value.__class__ is list:
        items = kind.items
        return all(_fits(items, item) for item in value)
    return True


def _fits_shape(shape: Shape, payload: dict[str, Any]) -> bool:
    for key, kind in shape.required.items():
        if key not in payload or not _fits(kind, payload[key]):
            return False
    for key, kind in shape.optional.items():
        value = payload.get(key)
        if value is not None and not _fits(kind, value):
            return False
    return True


def _remote_id(payload: Any) -> str | None:
    value = payload.get("id") if isinstance(payload, dict) else None
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else None


def check(tool: str, endpoint: str, shape: Shape, payload: Any) -> dict[str, Any]:
    """`payload` when it is an object of `shape`; else a MappingError naming the first bad field."""
    if not isinstance(payload, dict):
        raise MappingError(tool, endpoint, f"a record is {describe(payload)}, expected an object")
    if _fits_shape(shape, payload):
        return payload
    if (problem := _shape_problem(shape, payload, "")) is not None:
        path, what = problem
        raise MappingError(tool, endpoint, what, field=path, remote_id=_remote_id(payload))
    return payload


# What a mapper raises when its input is not what it was written for.
_MAPPER_FAILURES = (KeyError, IndexError, TypeError, AttributeError, ValueError)


@contextlib.contextmanager
def mapping_errors(tool: str, endpoint: str, payload: Any = None) -> Iterator[None]:
    """Turn what a mapper raises on an unexpected payload into a MappingError naming `endpoint` (and
    the key, for a KeyError). A MappingError or another SourceError raised inside passes unchanged."""
    try:
        yield
    except SourceError:
        raise
    except _MAPPER_FAILURES as exc:
        if isinstance(exc, KeyError) and exc.args:
            raise MappingError(
                tool, endpoint, "is missing", field=str(exc.args[0]), remote_id=_remote_id(payload)
            ) from exc
        raise MappingError(
            tool, endpoint, f"could not be mapped ({type(exc).__name__}: {exc})", remote_id=_remote_id(payload)
        ) from exc


def mapped(tool: str, endpoint: str, mapper: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`mapper(*args)`, with a failure reported as a MappingError of `endpoint` (the first argument
    that is an object is taken for the record the error names)."""
    payload = next((a for a in args if isinstance(a, dict)), None)
    with mapping_errors(tool, endpoint, payload):
        return mapper(*args, **kwargs)
