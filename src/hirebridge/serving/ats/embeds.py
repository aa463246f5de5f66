"""Slim views of records that several endpoints embed (a candidate in an offer, a job in an
interview, ...). One place, so every endpoint embeds the same shape."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Row

from hirebridge.serving.listing import pick


def ref(row: Row[Any] | None, *names: str) -> dict[str, Any] | None:
    """`{id, remote_id, <names from data>}` of a related record, or None when it is absent/deleted."""
    if row is None:
        return None
    return {"id": row.id, "remote_id": row.remote_id, **pick(orjson.loads(row.data), *names)}


def candidate_brief(row: Row[Any] | None) -> dict[str, Any] | None:
    return ref(row, "first_name", "last_name", "email_addresses")


def job_brief(row: Row[Any] | None) -> dict[str, Any] | None:
    return ref(row, "name")


def stage_brief(row: Row[Any] | None) -> dict[str, Any] | None:
    return ref(row, "name", "index")


def user_brief(row: Row[Any] | None) -> dict[str, Any] | None:
    return ref(row, "first_name", "last_name", "email")
