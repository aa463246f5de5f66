"""Helpers every connector's mapping needs for the same vendor habit."""

from __future__ import annotations


def split_name(name: str | None) -> tuple[str | None, str | None]:
    """Vendors that keep one `name` (Lever, Ashby): Kombo wants first/last. The first word is the
    first name, the rest the last name; blank -> (None, None)."""
    if not name or not name.strip():
        return None, None
    first, _, last = name.strip().partition(" ")
    return first, last.strip() or None
