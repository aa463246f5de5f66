"""Reads of synced records for the API's listings: the page query, the filter expressions the
listing declarations (`serving/`) name, and the loaders their serializers embed with.

A page is `WHERE integration_id = ? AND pk > :cursor ... ORDER BY pk LIMIT n+1` (or in
(updated_at, pk) order in an `updated_after` walk): page N costs what page 1 costs, and a walk during
a sync sees every record that existed when it started exactly once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, time
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Row,
    Select,
    Table,
    bindparam,
    false,
    literal_column,
    select,
    tuple_,
)

from hirebridge.model.integration_fields import INTEGRATION_FIELD_MODELS
from hirebridge.store.db import is_sqlite
from hirebridge.store.integration_fields import passes_through
from hirebridge.store.records import chunks, extra_columns
from hirebridge.store.tables import SYNCED_TABLES, applications, attachment_contents, jobs

# A filter's condition on the listing's table, given the parsed parameter value.
Where = Callable[[Table, Any], ColumnElement[bool]]


# --- pages ---------------------------------------------------------------------------------------


def read_page(
    conn: Connection,
    model: str,
    integration_id: str,
    limit: int,
    *,
    cursor: int | None = None,
    cursor_updated_at: datetime | None = None,
    updated_after: datetime | None = None,
    include_deleted: bool = False,
    remote_ids: Sequence[str] | None = None,
    ids: Sequence[str] | None = None,
    conditions: Sequence[tuple[Where, Any]] = (),
) -> Sequence[Row[Any]]:
    """Up to `limit` rows of the integration's `model` records after the keyset `cursor` (`pk`, and
    `cursor_updated_at` in an `updated_after` walk), filtered by `remote_ids`, `ids` and each
    `(where, value)` of `conditions`. Rows have `pk, id, doc` for models with served documents
    (`has_documents`), else `row_columns`; plus `keyset_updated_at` in an `updated_after` walk."""
    # The common conditions are bound parameters of a statement built once per shape (page_query).
    binds: dict[str, Any] = {"integration_id": integration_id, "limit": limit}
    if updated_after is not None:
        binds["updated_after"] = updated_after
    if cursor is not None:
        binds["cursor"] = cursor
        if cursor_updated_at is not None:
            binds["cursor_updated_at"] = cursor_updated_at
    # Keyset order. SQLite's planner, given a selective `ids` filter, still walks the
    # (integration_id, pk) index for the ORDER BY and scans the whole integration; a unary plus
    # on pk hides that index from it, so it uses the id index and sorts the few matches.
    # PostgreSQL chooses well on its own.
    query = page_query(
        model,
        hide_pk_index=ids is not None and is_sqlite(conn),
        after_cursor=cursor is not None,
        include_deleted=include_deleted,
        updated_after=updated_after is not None,
    )
    table = SYNCED_TABLES[model]
    where: list[ColumnElement[bool]] = []
    if remote_ids is not None:
        where.append(table.c.remote_id.in_(remote_ids))
    if ids is not None:
        where.append(table.c.id.in_(ids))
    where.extend(condition(table, value) for condition, value in conditions)
    if where:
        query = query.where(*where)
    return conn.execute(query, binds).all()


@functools.lru_cache(maxsize=512)
def page_query(
    model: str, *, hide_pk_index: bool, after_cursor: bool, include_deleted: bool, updated_after: bool
) -> Select[Any]:
    """The statement of a page without its endpoint filters, built once per shape, its values bound
    at execution (`integration_id`, `limit`, `cursor`, `cursor_updated_at`, `updated_after`):
    building and cache-keying a statement per request cost about what the page query's round trip
    does.

    Pages are in `pk` order -- except in an `updated_after` walk, which pages in (updated_at, pk)
    order along the (integration_id, updated_at, pk) index: each page then reads its own rows only.
    In pk order every page of such a walk re-read all the changed records after the cursor and
    sorted them (at 1M applications with 1% changed, 18 ms a page against 8.5 for a page of the full
    walk). A record that changes during the walk moves behind the cursor and is served again, newer."""
    table = SYNCED_TABLES[model]
    keyset: list[Any] = [literal_column(f"+{table.name}.pk", Integer) if hide_pk_index else table.c.pk]
    if updated_after:
        keyset.insert(0, table.c.updated_at)
    conditions: list[ColumnElement[bool]] = [table.c.integration_id == bindparam("integration_id")]
    if after_cursor:
        # The column's own type: a bare Integer would make PostgreSQL cast the value to int4.
        after = bindparam("cursor", type_=table.c.pk.type)
        if updated_after:
            conditions.append(
                tuple_(*keyset) > tuple_(bindparam("cursor_updated_at", type_=table.c.updated_at.type), after)
            )
        else:
            conditions.append(keyset[0] > after)
    if not include_deleted:
        conditions.append(table.c.remote_deleted_at.is_(None))
    if updated_after:
        conditions.append(table.c.updated_at > bindparam("updated_after", type_=table.c.updated_at.type))
    # With served documents the page needs only the stored bytes (and the keys): the columns a
    # live render reads are fetched for the few rows whose document is cleared, if any.
    columns = [table.c.pk, table.c.id, table.c.doc] if has_documents(model) else row_columns(table)
    if model in INTEGRATION_FIELD_MODELS and not has_documents(model):
        # Saves the page a query of the passed-through fields when there are none (the common case).
        columns.append(passes_through(model))
    if updated_after:
        columns.append(table.c.updated_at.label("keyset_updated_at"))
    return select(*columns).where(*conditions).order_by(*keyset).limit(bindparam("limit", type_=Integer))


def has_documents(model: str) -> bool:
    """Whether `model` keeps served documents (model/documents.py) in its `doc` column."""
    return "doc" in SYNCED_TABLES[model].c


def missing_ids(conn: Connection, model: str, integration_id: str, wanted: Sequence[str]) -> list[str]:
    """The ids of `wanted` that name no record of the integration's `model` (deleted ones exist)."""
    table = SYNCED_TABLES[model]
    found: set[str] = set()
    for part in chunks(sorted(set(wanted))):
        found.update(
            conn.execute(
                select(table.c.id).where(table.c.integration_id == integration_id, table.c.id.in_(part))
            ).scalars()
        )
    return [i for i in dict.fromkeys(wanted) if i not in found]


# --- loaders: what serializers read ---------------------------------------------------------------


def row_columns(table: Table) -> list[Any]:
    """The columns a serializer reads of a record."""
    return [
        table.c.pk,
        table.c.id,
        # Which integration's passed-through fields apply (serving/integration_fields.py).
        table.c.integration_id,
        table.c.remote_id,
        table.c.data,
        table.c.links,
        table.c.changed_at,
        table.c.remote_deleted_at,
    ]


# The loaders below are what a live render of a page runs (serving/listing.py `page_documents`, the
# serializers): a page of 250 cleared application documents reads ~1,000 rows in 7 queries. Built
# with SQLAlchemy they cost more than the rows: compiling each statement (an expanding IN is
# re-rendered per execution) and a result processor per datetime of every row. They run driver SQL
# instead, one text per shape whatever the number of keys: the keys go as one JSON array on SQLite
# (`IN (SELECT value FROM json_each(?))`: given 250 literal values its planner scanned `offers`
# instead of using the application_id index, 2.6 ms against 0.3) and as one array on PostgreSQL
# (`= ANY(%s)`). Rows keep `row_columns`' names; datetimes come as the driver gives them (SQLite:
# the stored text), which `timefmt.to_wire` takes too.


def rows_by_id(conn: Connection, model: str, record_ids: Sequence[str]) -> Sequence[Row[Any]]:
    """The records of `model` with these ids (deleted or not), in pk order, with `render_columns`."""
    return _driver_select(conn, model, "id", record_ids, live_only=False)


def load_by_id(conn: Connection, model: str, wanted: Iterable[str | None]) -> dict[str, Row[Any]]:
    """Live (not deleted) records of `model` by id, for embedding."""
    keys = sorted({w for w in wanted if w is not None})
    return {row.id: row for row in _driver_select(conn, model, "id", keys, live_only=True)} if keys else {}


def load_children(conn: Connection, model: str, parent_key: str, parents: Iterable[str]) -> dict[str, list[Row[Any]]]:
    """Live records of `model` whose `parent_key` is one of `parents`, grouped by parent, in row order."""
    keys = sorted(set(parents))
    grouped: dict[str, list[Row[Any]]] = {}
    if keys:
        for row in _driver_select(conn, model, parent_key, keys, live_only=True, parent=True):
            grouped.setdefault(row.parent, []).append(row)
    return grouped


def load_embeds(conn: Connection, model: str, wanted: Iterable[str | None]) -> dict[str, Row[Any]]:
    """`id`, `embed` (the record as documents embed it, model/documents.py) and `links` of the live
    records of `model` with these ids."""
    keys = sorted({w for w in wanted if w is not None})
    if not keys:
        return {}
    sql = _embed_sql(model, "id", ("id", "embed", "links"), is_sqlite(conn))
    return {row.id: row for row in conn.exec_driver_sql(sql, (_keys_param(conn, keys),)).all()}


def load_child_embeds(conn: Connection, model: str, parent_key: str, parents: Iterable[str]) -> dict[str, list[str]]:
    """The `embed`s of the live records of `model` whose `parent_key` is one of `parents`, grouped by
    parent, in row order."""
    keys = sorted(set(parents))
    grouped: dict[str, list[str]] = {}
    if keys:
        sql = _embed_sql(model, parent_key, (parent_key, "embed"), is_sqlite(conn))
        for parent, embed in conn.exec_driver_sql(sql, (_keys_param(conn, keys),)).all():
            grouped.setdefault(parent, []).append(embed)
    return grouped


@functools.lru_cache(maxsize=64)
def _embed_sql(model: str, key: str, columns: tuple[str, ...], sqlite: bool) -> str:
    table = SYNCED_TABLES[model]
    column = table.c[key].name  # known columns: never text from a request
    selected = ", ".join(table.c[name].name for name in columns)
    match = f"{column} IN (SELECT value FROM json_each(?))" if sqlite else f"{column} = ANY(%s)"
    return f"SELECT {selected} FROM {table.name} WHERE {match} AND remote_deleted_at IS NULL ORDER BY pk"


def _keys_param(conn: Connection, keys: Sequence[str]) -> Any:
    """The keys as the driver SQL's one parameter: a JSON array on SQLite, an array on PostgreSQL."""
    return orjson.dumps(keys).decode() if is_sqlite(conn) else list(keys)


def render_columns(table: Table) -> list[Any]:
    """`row_columns`, plus, for a model with served documents, its own columns (an application's
    candidate_id, job_id, current_stage_id, outcome: copies of its fields): the document's renderer
    reads them instead of parsing `data` for them."""
    columns = row_columns(table)
    if "doc" in table.c:
        columns.extend(table.c[name] for name in extra_columns(table) if name != "doc")
    return columns


def _driver_select(
    conn: Connection, model: str, key: str, values: Sequence[str], *, live_only: bool, parent: bool = False
) -> Sequence[Row[Any]]:
    """`render_columns` of the `model` records whose `key` is one of `values` (and the key as
    `parent`, if asked), in pk order."""
    sqlite = is_sqlite(conn)
    sql = _driver_sql(model, key, live_only, parent, sqlite)
    return conn.exec_driver_sql(sql, (_keys_param(conn, values),)).all()


@functools.lru_cache(maxsize=256)
def _driver_sql(model: str, key: str, live_only: bool, parent: bool, sqlite: bool) -> str:
    table = SYNCED_TABLES[model]
    column = table.c[key].name  # a known column: never text from a request
    columns = ", ".join(([f"{column} AS parent"] if parent else []) + [c.name for c in render_columns(table)])
    match = f"{column} IN (SELECT value FROM json_each(?))" if sqlite else f"{column} = ANY(%s)"
    live = " AND remote_deleted_at IS NULL" if live_only else ""
    return f"SELECT {columns} FROM {table.name} WHERE {match}{live} ORDER BY pk"


# --- filter conditions (`Where`) -----------------------------------------------------------------


def column_in(column: str) -> Where:
    """The record's `column` is one of the listed values."""
    return lambda t, v: t.c[column].in_(v)


def column_equals(column: str) -> Where:
    """The record's `column` is the value."""
    return lambda t, v: t.c[column] == v


def folded_equals(column: str) -> Where:
    """Case-insensitive exact match of one text value; `column` holds a case-folded search key
    (store.records.DERIVED_COLUMNS)."""
    return lambda t, v: t.c[column] == v.casefold()


def folded_in(column: str) -> Where:
    """Case-insensitive match of one of the listed values; `column` holds the case-folded key."""
    return lambda t, v: t.c[column].in_([value.casefold() for value in v])


def folded_contains(column: str) -> Where:
    """Case-insensitive substring match on a case-folded search column (LIKE wildcards in the value
    are matched literally)."""
    return lambda t, v: t.c[column].contains(v.casefold(), autoescape=True)


def folded_word(column: str) -> Where:
    """The value, case-insensitive, is one of the space-separated words of a case-folded search
    column (`candidates.emails`: every address of the candidate, space-delimited)."""
    return lambda t, v: t.c[column].contains(f" {v.casefold()} ", autoescape=True)


def created_on_or_after_day(table: Table, value: datetime) -> ColumnElement[bool]:
    """`remote_created_after`: Kombo documents it as "created on or after a certain day"."""
    return table.c.remote_created_at >= datetime.combine(value.date(), time.min, value.tzinfo)


def job_remote_id_in(table: Table, remote_ids: list[str]) -> ColumnElement[bool]:
    """Records (applications) whose job has one of these remote ids: they resolve through the jobs
    table, the record stores the job's id."""
    return table.c.job_id.in_(
        select(jobs.c.id).where(jobs.c.integration_id == table.c.integration_id, jobs.c.remote_id.in_(remote_ids))
    )


def applied_to_jobs(table: Table, job_ids: list[str]) -> ColumnElement[bool]:
    """Candidates with a live application to one of the jobs."""
    return table.c.id.in_(
        select(applications.c.candidate_id).where(
            applications.c.integration_id == table.c.integration_id,
            applications.c.job_id.in_(job_ids),
            applications.c.remote_deleted_at.is_(None),
        )
    )


def application_for_jobs(table: Table, job_ids: list[str]) -> ColumnElement[bool]:
    """Records (interviews) whose application is to one of the jobs."""
    return table.c.application_id.in_(
        select(applications.c.id).where(
            applications.c.integration_id == table.c.integration_id, applications.c.job_id.in_(job_ids)
        )
    )


def nothing(_table: Table, _value: Any) -> ColumnElement[bool]:
    """Matches no record (a filter on a field the integration's tool does not provide)."""
    return false()


# --- attachment files (GET /ats/{applications,candidates}/{id}/attachments) ---------------------


def live_record_exists(conn: Connection, model: str, integration_id: str, record_id: str) -> bool:
    """Whether the integration has a live (not deleted) `model` record with this id."""
    table = SYNCED_TABLES[model]
    found = conn.execute(
        select(table.c.id).where(
            table.c.integration_id == integration_id, table.c.id == record_id, table.c.remote_deleted_at.is_(None)
        )
    ).first()
    return found is not None


def attachment_files(conn: Connection, key: str, record_id: str) -> Sequence[Row[Any]]:
    """The live attachments whose `key` (application_id, candidate_id) is `record_id`, in pk order:
    every attachment column plus the stored file's `content` and its MIME type as `mime` (both None
    while the file is not downloaded)."""
    attachments = SYNCED_TABLES["attachments"]
    return conn.execute(
        select(attachments, attachment_contents.c.content, attachment_contents.c.content_type.label("mime"))
        .outerjoin(attachment_contents, attachment_contents.c.attachment_id == attachments.c.id)
        .where(attachments.c[key] == record_id, attachments.c.remote_deleted_at.is_(None))
        .order_by(attachments.c.pk)
    ).all()


def live_records(
    conn: Connection, model: str, integration_id: str, record_ids: Sequence[str]
) -> dict[str, tuple[str, dict[str, Any] | None, dict[str, Any]]]:
    """The integration's live records of `model` among `record_ids`: id -> (remote id, stored
    `remote_data`, own fields as served). What a write action acts on (actions/service.py)."""
    table = SYNCED_TABLES[model]
    found: dict[str, tuple[str, dict[str, Any] | None, dict[str, Any]]] = {}
    for part in chunks(sorted(set(record_ids))):
        query = select(table.c.id, table.c.remote_id, table.c.remote_data, table.c.data).where(
            table.c.id.in_(part), table.c.integration_id == integration_id, table.c.remote_deleted_at.is_(None)
        )
        for row in conn.execute(query):
            remote_data = None if row.remote_data is None else orjson.loads(row.remote_data)
            found[row.id] = (row.remote_id, remote_data, orjson.loads(row.data))
    return found
