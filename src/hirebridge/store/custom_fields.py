"""Kombo's custom fields: keys an environment defines for a model (`tshirt_size` on candidates), and,
per integration, the integration field (model/integration_fields.py) whose value fills that key in
the records' `custom_fields` (`PUT /integrations/{id}/custom-fields/{custom field id}`).

A mapping is read where integration fields are (serving/integration_fields.py), on the same page
query flag; changing one clears the integration's stored documents of that model, as switching a
field's passthrough does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, select
from sqlalchemy.exc import IntegrityError

from hirebridge import ids
from hirebridge.model.integration_fields import INTEGRATION_FIELD_MODELS
from hirebridge.store import integration_fields
from hirebridge.store.integration_fields import IntegrationField, Passthrough
from hirebridge.store.tables import custom_field_mappings, custom_fields
from hirebridge.store.tables import integration_fields as integration_fields_table


class CustomFieldExists(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class CustomField:
    id: str
    environment_id: str
    model: str
    key: str
    label: str | None
    description: str | None


@dataclass(frozen=True, slots=True)
class Mapped:
    """A custom field of an integration, with the integration field that fills it (or None)."""

    field: CustomField
    integration_field: IntegrationField | None


def _custom(row: Any) -> CustomField:
    return CustomField(row.id, row.environment_id, row.model, row.key, row.label, row.description)


def create(
    conn: Connection,
    environment_id: str,
    model: str,
    key: str,
    now: datetime,
    label: str | None = None,
    description: str | None = None,
) -> CustomField:
    if model not in INTEGRATION_FIELD_MODELS:
        raise ValueError(f"custom fields are for {', '.join(INTEGRATION_FIELD_MODELS)}, not {model!r}")
    field_id = ids.random_id()
    try:
        with conn.begin_nested():
            conn.execute(
                insert(custom_fields).values(
                    id=field_id,
                    environment_id=environment_id,
                    model=model,
                    key=key,
                    label=label,
                    description=description,
                    created_at=now,
                )
            )
    except IntegrityError:
        raise CustomFieldExists(f"the environment has a custom field {key!r} on {model} already") from None
    return CustomField(field_id, environment_id, model, key, label, description)


def of_environment(conn: Connection, environment_id: str) -> list[CustomField]:
    rows = conn.execute(
        select(custom_fields)
        .where(custom_fields.c.environment_id == environment_id)
        .order_by(custom_fields.c.model, custom_fields.c.key)
    )
    return [_custom(row) for row in rows]


def delete_field(conn: Connection, field_id: str) -> CustomField | None:
    """Delete a custom field (and its mappings); the documents of integrations that mapped it are cleared."""
    row = conn.execute(select(custom_fields).where(custom_fields.c.id == field_id)).one_or_none()
    if row is None:
        return None
    field = _custom(row)
    mapped = conn.execute(
        select(custom_field_mappings.c.integration_id).where(custom_field_mappings.c.custom_field_id == field_id)
    ).scalars()
    for integration_id in list(mapped):
        integration_fields.clear_documents(conn, integration_id, field.model)
    conn.execute(delete(custom_fields).where(custom_fields.c.id == field_id))
    return field


def page(conn: Connection, environment_id: str, integration_id: str, after: str, limit: int) -> list[Mapped]:
    """The environment's custom fields after id `after` (id order), each with this integration's mapping."""
    rows = conn.execute(
        select(custom_fields, custom_field_mappings.c.integration_field_id)
        .outerjoin(
            custom_field_mappings,
            and_(
                custom_field_mappings.c.custom_field_id == custom_fields.c.id,
                custom_field_mappings.c.integration_id == integration_id,
            ),
        )
        .where(custom_fields.c.environment_id == environment_id, custom_fields.c.id > after)
        .order_by(custom_fields.c.id)
        .limit(limit)
    ).all()
    out = []
    for row in rows:
        target = None
        if row.integration_field_id is not None:
            target = integration_fields.get(conn, integration_id, row.integration_field_id)
        out.append(Mapped(_custom(row), target))
    return out


def get_mapped(conn: Connection, environment_id: str, integration_id: str, field_id: str) -> Mapped | None:
    found = [m for m in page(conn, environment_id, integration_id, "", 1_000_000) if m.field.id == field_id]
    return found[0] if found else None


class MappingRefused(ValueError):
    pass


def set_mapping(
    conn: Connection, environment_id: str, integration_id: str, field_id: str, integration_field_id: str | None
) -> Mapped | None:
    """Map the custom field to one of the integration's fields of the same model (None: unmap); None
    if the environment has no such custom field, MappingRefused for a field that cannot fill it."""
    current = get_mapped(conn, environment_id, integration_id, field_id)
    if current is None:
        return None
    if integration_field_id is not None:
        target = integration_fields.get(conn, integration_id, integration_field_id)
        if target is None:
            raise MappingRefused(
                f"The integration '{integration_id}' has no integration field with the ID '{integration_field_id}'."
            )
        if target.model != current.field.model:
            raise MappingRefused(
                f"The integration field '{integration_field_id}' belongs to {target.model}, the custom field to "
                f"{current.field.model}."
            )
    conn.execute(
        delete(custom_field_mappings).where(
            custom_field_mappings.c.integration_id == integration_id,
            custom_field_mappings.c.custom_field_id == field_id,
        )
    )
    if integration_field_id is not None:
        conn.execute(
            insert(custom_field_mappings).values(
                integration_id=integration_id, custom_field_id=field_id, integration_field_id=integration_field_id
            )
        )
    integration_fields.clear_documents(conn, integration_id, current.field.model)
    return get_mapped(conn, environment_id, integration_id, field_id)


def mapped_fields(conn: Connection, integration_id: str, model: str) -> list[tuple[str, Passthrough]]:
    """(custom field key, the integration field filling it) of the integration's mappings of `model`."""
    table = integration_fields_table
    rows = conn.execute(
        select(custom_fields.c.key, table.c.id, table.c.type, table.c.key.label("field_key"), table.c.label)
        .join(custom_field_mappings, custom_field_mappings.c.custom_field_id == custom_fields.c.id)
        .join(
            table,
            and_(
                table.c.id == custom_field_mappings.c.integration_field_id,
                table.c.integration_id == custom_field_mappings.c.integration_id,
            ),
        )
        .where(custom_field_mappings.c.integration_id == integration_id, custom_fields.c.model == model)
        .order_by(custom_fields.c.key)
    )
    return [(row.key, Passthrough(row.id, row.type, row.field_key, row.label)) for row in rows]
