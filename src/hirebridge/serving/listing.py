"""A listing: what one `GET /ats/<model>` serves, declared.

A `Listing` is its model, the filters it accepts beyond the common ones, and how to turn a page of
rows into results (usually `base_fields` plus its embeds). The API executes it the same way for all
(api/listing.py: auth and gates, parameter parsing with Kombo's errors, keyset pages, the
envelope); the sync engine renders served documents with the same serializers
(serving/documents.py). A filter names its parameter's kind (`Param`) and its condition, a
`store.listing` function: no SQL and no HTTP here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import orjson
from sqlalchemy import Connection, Row

from hirebridge.store import listing as store_listing
from hirebridge.store.listing import Where
from hirebridge.timefmt import to_wire

# A page of rows (`store.listing.row_columns`) -> their results, in order.
Serializer = Callable[[Connection, Sequence[Row[Any]]], list[dict[str, Any]]]
# Rows (`store.listing.render_columns`) -> their served documents (model/documents.py), JSON, in order.
Renderer = Callable[[Connection, Sequence[Row[Any]]], list[bytes]]


# --- parameters ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Param:
    """What a filter's query parameter holds. The API parses it (api/listing.py, `parse_param`) into
    the value the filter's condition receives, or answers 400 naming the parameter:

    - `text`: one non-empty text (stripped) -> str
    - `list`: a non-empty comma-separated list (or the parameter repeated) -> list[str]
    - `ids`: such a list of well-formed record ids -> list[str]
    - `enum_list`: such a list of values from `allowed` -> list[str]
    - `one_of`: exactly one value from `allowed` -> [value]
    - `datetime`: an ISO 8601 time -> datetime
    """

    kind: Literal["text", "list", "ids", "enum_list", "one_of", "datetime"]
    allowed: tuple[str, ...] = ()


TEXT = Param("text")
LIST = Param("list")
IDS = Param("ids")
DATETIME = Param("datetime")


def enum_list(allowed: Sequence[str]) -> Param:
    return Param("enum_list", tuple(allowed))


def single_value(allowed: Sequence[str]) -> Param:
    """A deprecated single-value enum filter (`outcome`, `status`): exactly one allowed value."""
    return Param("one_of", tuple(allowed))


# --- declarations --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Filter:
    """An endpoint-specific query filter: parameter `name`, holding a `param`, selects the records
    `where` (a `store.listing` condition) gives for the parsed value.

    `field` names the field of the listing's model it targets, as the tool's coverage names it
    (`model.coverage.model_fields`). If the integration's tool does not provide that field (its
    declared coverage says anything but SUPPORTED), the filter matches nothing -- or is ignored with
    `ignore_unsupported_filters=true` (Kombo's semantics). A filter without a field always applies.
    """

    name: str
    param: Param
    where: Where
    field: str | None = None


@dataclass(frozen=True, slots=True)
class Listing:
    model: str
    serialize: Serializer
    filters: Sequence[Filter] = ()
    # Listings with served documents: what renders them (the render pass and a live page alike).
    render: Renderer | None = None


def column_in(name: str, param: Param, column: str, field: str | None = None) -> Filter:
    """The common filter: the record's `column` is one of the listed values."""
    return Filter(name, param, store_listing.column_in(column), field=field or column)


def column_equals_ci(name: str, column: str, field: str | None = None) -> Filter:
    """Case-insensitive exact match of one text value; `column` holds a case-folded search key
    (store.records.DERIVED_COLUMNS)."""
    return Filter(name, TEXT, store_listing.folded_equals(column), field=field or column)


def column_contains_ci(name: str, column: str, field: str | None = None) -> Filter:
    """Case-insensitive substring match on a case-folded search column (LIKE wildcards in the value
    are matched literally)."""
    return Filter(name, TEXT, store_listing.folded_contains(column), field=field or column)


def remote_created_after() -> Filter:
    return Filter("remote_created_after", DATETIME, store_listing.created_on_or_after_day, field="remote_created_at")


# --- serialization helpers shared by the listings ------------------------------------------------


def page_documents(conn: Connection, listing: Listing, rows: Sequence[Sequence[Any]]) -> bytes:
    """The JSON of the records of a page (rows of `pk, id, doc`) of a listing with served documents
    (model/documents.py, serving/documents.py), comma-separated: each stored document as it is -- no
    parsing, no re-serializing -- or, where it is cleared, a live render with the same serializer
    that rendered the stored ones."""
    assert listing.render is not None, f"{listing.model} has no document renderer"
    documents = [row[2] for row in rows]
    if None not in documents:
        # Encoded one by one: joining first would widen every document to the page's widest
        # characters (one "Ł" makes it UCS-2) and encode that -- measured 0.72 vs 0.39 ms a page.
        return b",".join([document.encode() for document in documents])
    stale = [row[1] for row in rows if row[2] is None]
    full = store_listing.rows_by_id(conn, listing.model, stale)
    rendered = {row.id: document for row, document in zip(full, listing.render(conn, full), strict=True)}
    return b",".join(rendered[row[1]] if row[2] is None else row[2].encode() for row in rows)


def base_fields(row: Row[Any], *names: str) -> dict[str, Any]:
    """The fields every synced record has, plus its own fields as stored (only `names`, if given:
    some stored fields are internal references, like a stage's job_id)."""
    result: dict[str, Any] = {"id": row.id, "remote_id": row.remote_id}
    data = orjson.loads(row.data)
    result.update(pick(data, *names) if names else data)
    result["changed_at"] = to_wire(row.changed_at)
    result["remote_deleted_at"] = to_wire(row.remote_deleted_at)
    result["remote_data"] = None  # raw source payloads stay private unless a customer opts in (as in Kombo)
    return result


def links(row: Row[Any], name: str) -> list[Any]:
    value: list[Any] = orjson.loads(row.links).get(name, [])
    return value


def pick(data: Mapping[str, Any], *names: str) -> dict[str, Any]:
    return {name: data.get(name) for name in names}
