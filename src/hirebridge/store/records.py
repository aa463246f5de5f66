"""Writing synced records: insert and update normalized rows, touch related records, sweep deletions.

Only the sync engine calls these; what a page changes (new, changed, unchanged: the hash comparison)
is decided in `hirebridge.sync.diff`, which reads the stored state with `stored_states` and writes
with `insert_rows` / `update_rows` / `mark_seen`. Reads for the API live in `store.listing`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Table, and_, bindparam, func, or_, select, update
from sqlalchemy.exc import DBAPIError

from hirebridge.model.changes import CONNECTIONS, Propagation, propagations_from
from hirebridge.model.documents import EMBEDDED_FIELDS, embeds_of
from hirebridge.store import changes
from hirebridge.store.db import replace_row
from hirebridge.store.tables import EMBED, SYNCED_TABLES, attachment_contents
from hirebridge.store.types import UtcDateTime


@dataclass(frozen=True, slots=True)
class Row:
    """One record as the store keeps it (`sync.normalize` makes these): references resolved to ids,
    `data` and `links` rendered as wire JSON, and the hashes change detection compares."""

    id: str
    remote_id: str
    data: dict[str, Any]
    data_json: str
    links_json: str
    remote_data_json: str | None
    content_hash: str
    row_hash: str
    remote_created_at: datetime | None


@dataclass(frozen=True, slots=True)
class Update:
    """A stored record written again. `own_changed`: its data changed or it reappears (`changed_at`
    and `updated_at` move); `links_changed`: its links changed (`updated_at` moves). Neither: only
    what no client filters on changed (remote_data), and both times stay."""

    row: Row
    own_changed: bool
    links_changed: bool


# The columns a new record's row is written with, in the order of `_insert_tuples` (its extra columns
# after them): with `pk`, the columns every synced table has; the others are per-model copies of fields
# from `data`.
_INSERT_COLUMNS = (
    "id",
    "integration_id",
    "remote_id",
    "data",
    "links",
    "remote_data",
    "content_hash",
    "row_hash",
    "remote_created_at",
    "changed_at",
    "updated_at",
    "remote_deleted_at",
    "seen_run_id",
)
COMMON_COLUMNS = frozenset({"pk", *_INSERT_COLUMNS})


# Columns whose value is computed from the record's data rather than copied from one field:
# case-folded search keys for the case-insensitive filters.
def _folded(name: str) -> Callable[[dict[str, Any]], Any]:
    """A case-insensitive search key: Unicode case folding done here, because SQLite's lower() only
    folds ASCII ("Łukasz" would never match "łukasz")."""

    def get(data: dict[str, Any]) -> Any:
        value = data.get(name)
        return value.casefold() if isinstance(value, str) else value

    return get


DERIVED_COLUMNS: dict[str, dict[str, Callable[[dict[str, Any]], Any]]] = {
    "candidates": {
        "first_name": _folded("first_name"),
        "last_name": _folded("last_name"),
        "emails": lambda data: (
            " " + " ".join(e["email_address"].casefold() for e in data["email_addresses"] if e["email_address"]) + " "
        ),
    },
    "jobs": {"name": _folded("name")},
    "users": {"email": _folded("email")},
}
# Keep IN lists well under every driver's bind-parameter limit.
CHUNK = 500


def extra_columns(table: Table) -> list[str]:
    return [c.name for c in table.columns if c.name not in COMMON_COLUMNS]


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def stored_states(
    conn: Connection, model: str, record_ids: Sequence[str], key_columns: Sequence[str]
) -> dict[str, Any]:
    """What is stored of the given records of `model`, by id (absent: never stored): `id`,
    `content_hash`, `row_hash`, `links`, `remote_deleted_at` and the `key_columns`."""
    table = SYNCED_TABLES[model]
    wanted = [table.c.id, table.c.content_hash, table.c.row_hash, table.c.links, table.c.remote_deleted_at]
    wanted += [table.c[k] for k in key_columns]
    existing: dict[str, Any] = {}
    for part in chunks(record_ids):
        for found in conn.execute(select(*wanted).where(table.c.id.in_(part))):
            existing[found.id] = found
    return existing


def insert_rows(
    conn: Connection, model: str, integration_id: str, run_id: str, rows: Sequence[Row], now: datetime
) -> None:
    """Insert records never stored before, changed and updated at `now`, seen by `run_id`."""
    if not rows:
        return
    table = SYNCED_TABLES[model]
    extras = _column_getters(model, table)
    if conn.dialect.name == "postgresql":
        _copy_rows(conn, table, extras, integration_id, run_id, rows, now)
    else:
        _insert_driver_rows(conn, table, extras, integration_id, run_id, rows, now)


def _insert_tuples(
    rows: Sequence[Row],
    integration_id: str,
    run_id: str,
    getters: list[Getter],
    stamp: Any,
    bind_time: Callable[[datetime | None], Any],
) -> Iterable[tuple[Any, ...]]:
    """The values of new records' rows, in `_INSERT_COLUMNS` order then the extra columns' (`getters`);
    `stamp` is `now` and `bind_time` binds a time as the driver takes it."""
    for row in rows:
        yield (
            row.id,
            integration_id,
            row.remote_id,
            row.data_json,
            row.links_json,
            row.remote_data_json,
            row.content_hash,
            row.row_hash,
            bind_time(row.remote_created_at),
            stamp,
            stamp,
            None,
            run_id,
            *[get(row) for get in getters],
        )


def _insert_driver_rows(
    conn: Connection,
    table: Table,
    extras: dict[str, Getter],
    integration_id: str,
    run_id: str,
    rows: Sequence[Row],
    now: datetime,
) -> None:
    """`insert_rows` on SQLite: one executemany of a plain INSERT, the values in tuples bound as
    SQLAlchemy's INSERT binds them (each time through its column's own bind processor; the other
    columns are text and need none) -- without SQLAlchemy's parameter processing, a dict per row
    compiled per page, ~10% of a first sync's time."""
    names = [*_INSERT_COLUMNS, *extras]
    dialect = conn.dialect
    # The dialect's own implementation of each type, as SQLAlchemy's compiled INSERT binds with (a
    # TypeDecorator's plain `bind_processor` skips the dialect's: SQLite's would store other text).
    assert not any(table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in extras), (
        "an extra column needs binding"
    )
    bind = table.c.changed_at.type.dialect_impl(dialect).bind_processor(dialect)
    assert bind is not None
    preparer = dialect.identifier_preparer
    statement = (
        f"INSERT INTO {preparer.format_table(table)} ({', '.join(preparer.quote(n) for n in names)}) "
        f"VALUES ({', '.join('?' for _ in names)})"
    )
    values = list(_insert_tuples(rows, integration_id, run_id, list(extras.values()), bind(now), bind))
    conn.exec_driver_sql(statement, values)


def _naive_utc(value: datetime | None) -> datetime | None:
    """What `UtcDateTime` binds: naive UTC (a timestamp column would drop an offset, not apply it)."""
    return None if value is None else value.astimezone(UTC).replace(tzinfo=None)


def _copy_rows(
    conn: Connection,
    table: Table,
    extras: dict[str, Getter],
    integration_id: str,
    run_id: str,
    rows: Sequence[Row],
    now: datetime,
) -> None:
    """`insert_rows` on PostgreSQL: one COPY on the transaction's own connection, the values handed to
    the driver as they are -- no statement per row for the server to parse, plan and execute (an
    executemany INSERT), and none of SQLAlchemy's per-row parameter processing. The same values as
    the INSERT: datetimes as `UtcDateTime` binds them, `pk` from its sequence."""
    columns = ", ".join(conn.dialect.identifier_preparer.quote(c) for c in [*_INSERT_COLUMNS, *extras])
    driver = conn.connection.driver_connection
    assert driver is not None
    statement = f"COPY {table.name} ({columns}) FROM STDIN"
    values = _insert_tuples(rows, integration_id, run_id, list(extras.values()), _naive_utc(now), _naive_utc)
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for value in values:
                copy.write_row(value)
    except conn.dialect.loaded_dbapi.Error as exc:
        # As SQLAlchemy raises the INSERT's errors (IntegrityError for a duplicate id, ...).
        raise DBAPIError.instance(statement, None, exc, conn.dialect.loaded_dbapi.Error) from exc


def update_rows(
    conn: Connection, model: str, integration_id: str, run_id: str, updates: Sequence[Update], now: datetime
) -> None:
    """Write stored records again (un-deleting them), seen by `run_id`; `changed_at` / `updated_at`
    move to `now` as each `Update` says."""
    if not updates:
        return
    table = SYNCED_TABLES[model]
    extras = _column_getters(model, table)
    batch = []
    for change in updates:
        values = _row_values(change.row, extras, integration_id, run_id)
        values["b_id"] = values.pop("id")
        # None keeps the stored time: a change of remote_data alone moves neither.
        values["b_changed_at"] = now if change.own_changed else None
        values["b_updated_at"] = now if change.own_changed or change.links_changed else None
        batch.append(values)
    _apply_updates(conn, table, batch)
    if "doc" in table.c:  # each write cleared its record's own document (`_stale`)
        note_cleared(conn, model, (change.row.id for change in updates))


def mark_seen(conn: Connection, model: str, record_ids: Sequence[str], run_id: str) -> None:
    """Records read again unchanged: only the run that saw them last moves."""
    table = SYNCED_TABLES[model]
    for part in chunks(record_ids):
        conn.execute(update(table).where(table.c.id.in_(part)).values(seen_run_id=run_id))


def invalidate_documents(conn: Connection, integration_id: str, model: str, embedded: dict[str, set[Any]]) -> None:
    """Clear the served documents that embed the changed `model` records (`embedded`: source_key ->
    the records' values, old and new) -- in the writer's transaction, so no reader sees them stale."""
    for embed in embeds_of(model):
        values = sorted(v for v in embedded.get(embed.source_key, ()) if v is not None)
        if not values:
            continue
        if embed.via_links is not None:
            values = _ids_linking(conn, integration_id, *embed.via_links, values)
        target = SYNCED_TABLES[embed.document]
        for part in chunks(values):
            cleared = conn.execute(
                update(target)
                .where(
                    target.c.integration_id == integration_id,
                    target.c[embed.document_key].in_(part),
                    target.c.doc.is_not(None),
                )
                .values(doc=None)
                .returning(target.c.id)
            ).scalars()
            note_cleared(conn, embed.document, cleared)


# conn.info key: the served documents (model -> record ids) this transaction cleared of records stored
# before it, for the writer to render again before it commits (serving.documents.render_cleared).
CLEARED_INFO_KEY = "hirebridge.cleared_documents"


def note_cleared(conn: Connection, model: str, record_ids: Iterable[str]) -> None:
    """Note that this transaction cleared the documents of these records of `model`."""
    noted: dict[str, set[str]] = conn.info.setdefault(CLEARED_INFO_KEY, {})
    noted.setdefault(model, set()).update(record_ids)


def take_cleared(conn: Connection) -> dict[str, set[str]]:
    """The documents noted cleared (model -> record ids) since the last call, forgotten here."""
    noted: dict[str, set[str]] = conn.info.pop(CLEARED_INFO_KEY, {})
    return noted


def _ids_linking(conn: Connection, integration_id: str, model: str, link: str, targets: Sequence[str]) -> list[str]:
    """Ids of `model` records whose `link` list holds one of `targets` (a renamed tag's candidates).
    A scan of the integration's `links`: such changes are rare, and a tag is on many candidates."""
    table = SYNCED_TABLES[model]
    wanted = set(targets)
    found = []
    for row in conn.execute(
        select(table.c.id, table.c.links).where(
            table.c.integration_id == integration_id, or_(*(table.c.links.contains(t) for t in targets[:CHUNK]))
        )
    ):
        if wanted.intersection(orjson.loads(row.links).get(link, ())):
            found.append(row.id)
    if len(targets) > CHUNK:
        found += _ids_linking(conn, integration_id, model, link, targets[CHUNK:])
    return found


# What computes an extra column's value from the record written.
Getter = Callable[[Row], Any]


def _column_getters(model: str, table: Table) -> dict[str, Getter]:
    derived = DERIVED_COLUMNS.get(model, {})
    getters: dict[str, Getter] = {}
    for name in extra_columns(table):
        if name == "doc":
            getters[name] = _stale
        elif name == EMBED:
            getters[name] = _embedded(model)
        elif name in derived:
            getters[name] = _of_data(derived[name])
        else:
            getters[name] = _copy_of(name)
    return getters


def _stale(row: Row) -> None:
    """A served document (model/documents.py) is cleared by every write of its record; the writer
    renders it again before it commits (serving.documents.render_cleared), or for a record new in a
    sync run, after the run's streams."""
    del row


def _copy_of(name: str) -> Getter:
    def get(row: Row) -> Any:
        return row.data.get(name)

    return get


def _of_data(derive: Callable[[dict[str, Any]], Any]) -> Getter:
    def get(row: Row) -> Any:
        return derive(row.data)

    return get


def embed_json(model: str, record_id: str, remote_id: str, data: dict[str, Any]) -> str:
    """The JSON of a record as documents embed it: `{id, remote_id, <EMBEDDED_FIELDS from data>}`,
    stored in its `embed` column by every write of it (model/documents.py)."""
    view: dict[str, Any] = {"id": record_id, "remote_id": remote_id}
    for name in EMBEDDED_FIELDS[model]:
        value = data.get(name)
        # Nested objects as the stored data has them (sorted keys, as `data` is rendered); the view's
        # own keys keep the declared order.
        view[name] = orjson.Fragment(orjson.dumps(value, option=orjson.OPT_SORT_KEYS)) if _nested(value) else value
    return orjson.dumps(view).decode()


def _nested(value: Any) -> bool:
    return type(value) is dict or type(value) is list


def _embedded(model: str) -> Getter:
    def get(row: Row) -> str:
        return embed_json(model, row.id, row.remote_id, row.data)

    return get


def _row_values(row: Row, extras: dict[str, Getter], integration_id: str, run_id: str) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": row.id,
        "integration_id": integration_id,
        "remote_id": row.remote_id,
        "data": row.data_json,
        "links": row.links_json,
        "remote_data": row.remote_data_json,
        "content_hash": row.content_hash,
        "row_hash": row.row_hash,
        "remote_created_at": row.remote_created_at,
        "seen_run_id": run_id,
    }
    for name, getter in extras.items():
        values[name] = getter(row)
    return values


def _apply_updates(conn: Connection, table: Table, updates: list[dict[str, Any]]) -> None:
    columns = [k for k in updates[0] if not k.startswith("b_")]
    stmt = (
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values({c: bindparam(c) for c in columns})
        .values(
            remote_deleted_at=None,
            changed_at=func.coalesce(bindparam("b_changed_at", type_=UtcDateTime()), table.c.changed_at),
            updated_at=func.coalesce(bindparam("b_updated_at", type_=UtcDateTime()), table.c.updated_at),
        )
    )
    conn.execute(stmt, updates)


def touch_related(conn: Connection, integration_id: str, touches: dict[Propagation, set[str]], now: datetime) -> None:
    """Move `updated_at` of related records (Kombo's nested-change rules, see model.changes); the
    records it moves are changes (store.changes): `updated_after` returns them again."""
    for rule, values in touches.items():
        if not values:
            continue
        target = SYNCED_TABLES[rule.target]
        key = target.c[rule.target_key]
        for part in chunks(sorted(values)):
            # No `integration_id = ...` here: the keys are record ids, which are derived from the
            # integration's id (ids.record_id) and so name this integration's records only. With it,
            # `integration_id = ? AND updated_at < now` matched the (integration_id, updated_at, pk)
            # index, which PostgreSQL chose while a growing table had no statistics yet -- reading
            # every record of the integration per page (a 100k-application sync: 10.9M index reads on
            # candidates alone). Without it only the key's own index applies.
            touched = conn.execute(
                update(target)
                .where(key.in_(part), target.c.updated_at < now)
                .values(updated_at=now)
                .returning(target.c.id)
            ).scalars()
            changes.note(conn, integration_id, rule.target, changed=touched)


def sweep_deleted(conn: Connection, model: str, integration_id: str, run_id: str, now: datetime) -> int:
    """Mark records of `model` that the completed FULL run `run_id` did not see as deleted."""
    table = SYNCED_TABLES[model]
    return _mark_deleted(
        conn,
        model,
        integration_id,
        or_(table.c.seen_run_id.is_(None), table.c.seen_run_id != run_id),
        now,
    )


def mark_deleted(conn: Connection, model: str, integration_id: str, record_ids: Sequence[str], now: datetime) -> int:
    """Mark the given records deleted because the source said so (a deletion feed). Unknown or
    already-deleted ids are ignored. Returns how many records this newly deleted."""
    table = SYNCED_TABLES[model]
    return sum(_mark_deleted(conn, model, integration_id, table.c.id.in_(part), now) for part in chunks(record_ids))


def _mark_deleted(conn: Connection, model: str, integration_id: str, which: Any, now: datetime) -> int:
    """Set `remote_deleted_at` on the live records of `model` matching `which`, and move the
    `updated_at` of their relatives per the nested-change rules."""
    table = SYNCED_TABLES[model]
    rules = propagations_from(model)
    embeds = embeds_of(model)
    key_columns = sorted({r.source_key for r in rules} | {e.source_key for e in embeds} | {"id"})
    missing = conn.execute(
        select(*[table.c[k] for k in key_columns]).where(
            table.c.integration_id == integration_id, table.c.remote_deleted_at.is_(None), which
        )
    ).all()
    if not missing:
        return 0
    touches: dict[Propagation, set[str]] = {}
    # A deleted record's own document shows remote_deleted_at: stale too.
    stale_doc = {"doc": None} if "doc" in table.c else {}
    for part in chunks([m.id for m in missing]):
        conn.execute(
            update(table)
            .where(and_(table.c.id.in_(part)))
            .values(remote_deleted_at=now, changed_at=now, updated_at=now, **stale_doc)
        )
    if stale_doc:
        note_cleared(conn, model, (m.id for m in missing))
    changes.note(conn, integration_id, model, deleted=[m.id for m in missing], joins=model in CONNECTIONS)
    for rule in rules:
        touches[rule] = {value for m in missing if (value := getattr(m, rule.source_key)) is not None}
    touch_related(conn, integration_id, touches, now)
    invalidate_documents(
        conn, integration_id, model, {e.source_key: {getattr(m, e.source_key) for m in missing} for e in embeds}
    )
    return len(missing)


def attachments_missing_content(
    conn: Connection, integration_id: str, limit: int, after_pk: int = 0
) -> list[tuple[int, str, str, str]]:
    """(pk, id, remote_id, content_hash) of live attachments whose bytes are absent or stale, in pk
    order from after `after_pk`: a caller passes the last pk it got, so a pass over all attachments
    reads each once (starting from the first every time re-read all those already fetched: at 100k
    applications each call took 60+ ms and the pass grew with the square of their number)."""
    table = SYNCED_TABLES["attachments"]
    contents = attachment_contents
    rows = conn.execute(
        select(table.c.pk, table.c.id, table.c.remote_id, table.c.content_hash)
        .outerjoin(contents, contents.c.attachment_id == table.c.id)
        .where(
            table.c.integration_id == integration_id,
            table.c.pk > after_pk,
            table.c.remote_deleted_at.is_(None),
            or_(contents.c.attachment_id.is_(None), contents.c.content_hash != table.c.content_hash),
        )
        .order_by(table.c.pk)
        .limit(limit)
    )
    return [(r.pk, r.id, r.remote_id, r.content_hash) for r in rows]


def store_attachment_content(
    conn: Connection,
    integration_id: str,
    attachment_id: str,
    content_hash: str,
    content: bytes,
    content_type: str,
) -> None:
    replace_row(
        conn,
        attachment_contents,
        {"attachment_id": attachment_id},
        {
            "integration_id": integration_id,
            "content_hash": content_hash,
            "content_type": content_type,
            "content": content,
        },
    )


def store_attachment_contents(
    conn: Connection, integration_id: str, contents: Sequence[tuple[str, str, bytes, str]]
) -> None:
    """Store fetched files, each `(attachment_id, content_hash, content, content_type)`, replacing the
    bytes stored before: one DELETE per chunk of ids and one executemany INSERT for the whole batch
    (a portable upsert, like `replace_row`, but two statements per page instead of two per file)."""
    latest = {attachment_id: (h, c, t) for attachment_id, h, c, t in contents}  # the last one wins
    if not latest:
        return
    table = attachment_contents
    for part in chunks(list(latest)):
        conn.execute(table.delete().where(table.c.attachment_id.in_(part)))
    conn.execute(
        table.insert(),
        [
            {
                "attachment_id": attachment_id,
                "integration_id": integration_id,
                "content_hash": content_hash,
                "content_type": content_type,
                "content": content,
            }
            for attachment_id, (content_hash, content, content_type) in latest.items()
        ],
    )


def stored_payloads(
    conn: Connection, model: str, integration_id: str, part: tuple[int, int], after_pk: int, limit: int
) -> list[tuple[int, dict[str, Any] | None]]:
    """(pk, stored `remote_data`) of the integration's live records of `model` in part `part = (i, k)`
    -- those whose pk is i modulo k -- in pk order from after `after_pk`, at most `limit`. A connector
    re-reads the children of one part of its stored parents per DELTA run (FetchContext.stored)."""
    index, parts = part
    table = SYNCED_TABLES[model]
    rows = conn.execute(
        select(table.c.pk, table.c.remote_data)
        .where(
            table.c.integration_id == integration_id,
            table.c.remote_deleted_at.is_(None),
            table.c.pk > after_pk,
            table.c.pk % parts == index,
        )
        .order_by(table.c.pk)
        .limit(limit)
    )
    return [(r.pk, None if r.remote_data is None else orjson.loads(r.remote_data)) for r in rows]
