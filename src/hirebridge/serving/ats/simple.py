"""Resources that are their own fields and nothing more: stages, rejection reasons, tags, roles, users."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Row

from hirebridge.serving.listing import LIST, Filter, Listing, base_fields, column_in, enum_list
from hirebridge.store import listing as store_listing


def own_fields(*names: str) -> Callable[[Connection, Sequence[Row[Any]]], list[dict[str, Any]]]:
    def serialize(_conn: Connection, rows: Sequence[Row[Any]]) -> list[dict[str, Any]]:
        return [base_fields(row, *names) for row in rows]

    return serialize


APPLICATION_STAGES = Listing("application_stages", own_fields("name", "status", "custom_fields"))
REJECTION_REASONS = Listing("rejection_reasons", own_fields("name"))
TAGS = Listing("tags", own_fields("name"))
ROLES = Listing(
    "roles",
    own_fields("remote_label", "scope", "unified_type"),
    filters=(column_in("scopes", enum_list(("SYSTEM", "JOB")), "scope"),),
)
USERS = Listing(
    "users",
    own_fields("first_name", "last_name", "email", "status", "system_roles"),
    filters=(Filter("emails", LIST, store_listing.folded_in("email"), field="email"),),
)
