"""Datetimes on the wire: UTC, millisecond precision, `Z` suffix (JavaScript's toISOString())."""

from __future__ import annotations

import re
from datetime import UTC, datetime

# Query datetimes as Kombo's OpenAPI accepts them: a date, optionally a time with optional fraction,
# optionally a trailing Z; no numeric offsets.
_QUERY_DATETIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?)?Z?$")


def utc_now() -> datetime:
    """Now, truncated to milliseconds so that a stored time equals what the API shows for it."""
    return truncate_ms(datetime.now(UTC))


def truncate_ms(value: datetime) -> datetime:
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def to_wire(value: datetime | str | None) -> str | None:
    """A stored time on the wire; `value` may be SQLite's stored text of it, as driver SQL reads it
    (store/listing.py's loaders)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is not UTC:
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    # isoformat of a UTC value is `YYYY-MM-DDTHH:MM:SS.mmm+00:00`, milliseconds truncated and the
    # year always four digits (strftime's %Y writes year 1 as "1" on glibc: not RFC 3339).
    return value.isoformat(timespec="milliseconds")[:-6] + "Z"


def parse_query_datetime(text: str) -> datetime:
    """Parse a query-string datetime; raises ValueError with a readable message."""
    match = _QUERY_DATETIME.match(text)
    if match is None:
        raise ValueError(f"'{text}' is not a datetime of the form YYYY-MM-DDTHH:mm:ss.sssZ")
    year, month, day, hour, minute, second, fraction = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    return datetime(
        int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0), micro, tzinfo=UTC
    )


def parse_wire(text: str) -> datetime:
    """Parse a datetime that we wrote ourselves (`to_wire`)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
