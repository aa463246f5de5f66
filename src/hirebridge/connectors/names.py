"""Helpers every connector's mapping needs for the same vendor habit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def split_name(name: str | None) -> tuple[str | None, str | None]:
    """Vendors that keep one `name` (Lever, Ashby): Kombo wants first/last. The first word is the
    first name, the rest the last name; blank -> (None, None)."""
    if not name or not name.strip():
        return None, None
    first, _, last = name.strip().partition(" ")
    return first, last.strip() or None


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 timestamp (`Z` or an offset, with or without fractions) or a date -> aware UTC;
    None for anything unreadable (vendor examples hold placeholders such as "string")."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
