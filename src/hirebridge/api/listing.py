"""The one listing mechanism every `GET /ats/<model>` endpoint uses.

An endpoint is a `Listing` (serving/listing.py): its model, the filters it accepts beyond the common
ones, and its serializer. This module does the HTTP side the same way for all: auth and gates,
parameter parsing with Kombo's errors, keyset pagination with an opaque cursor, and the response
envelope; the page itself is read by `store.listing.read_page`.

Pages are ordered by the internal row key `pk`, which never changes for a record and only grows:
page N costs what page 1 costs (an index range scan from the cursor), and a client walking all pages
while a sync writes sees every record that existed when it started exactly once.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import Response

from hirebridge import ids
from hirebridge.api.deps import readable_integration
from hirebridge.api.errors import input_invalid
from hirebridge.connectors.registry import TOOLS
from hirebridge.serving.ats import applications, candidates, jobs, related, simple
from hirebridge.serving.listing import Listing, Param, page_documents
from hirebridge.store import listing as store_listing
from hirebridge.store.db import read_tx
from hirebridge.store.listing import Where
from hirebridge.store.tenancy import Integration
from hirebridge.timefmt import parse_query_datetime

# path under /v1/ats -> listing
LISTINGS: dict[str, Listing] = {
    "applications": applications.LISTING,
    "candidates": candidates.LISTING,
    "jobs": jobs.LISTING,
    "application-stages": simple.APPLICATION_STAGES,
    "users": simple.USERS,
    "roles": simple.ROLES,
    "offers": related.OFFERS,
    "rejection-reasons": simple.REJECTION_REASONS,
    "interviews": related.INTERVIEWS,
    "tags": simple.TAGS,
    "notes": related.NOTES,
    "scorecards": related.SCORECARDS,
    "attachments": related.ATTACHMENTS,
}

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 250


# --- parameter parsers: text -> value, or ApiError(400) naming the parameter ----------------------


def comma_list(name: str, text: str) -> list[str]:
    values = [v.strip() for v in text.split(",") if v.strip()]
    if not values:
        raise input_invalid(f"The parameter '{name}' must be a non-empty comma-separated list.")
    return values


def text_param(name: str, text: str) -> str:
    if not text.strip():
        raise input_invalid(f"The parameter '{name}' must not be empty.")
    return text.strip()


def id_list(name: str, text: str) -> list[str]:
    values = comma_list(name, text)
    malformed = [v for v in values if not ids.is_well_formed(v)]
    if malformed:
        raise input_invalid(
            f"The parameter '{name}' contains invalid IDs (expected 24 base58 characters): {', '.join(malformed)}."
        )
    return values


def _enum_values(name: str, text: str, allowed: Sequence[str]) -> list[str]:
    values = comma_list(name, text)
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise input_invalid(
            f"The parameter '{name}' has invalid values {', '.join(unknown)}; allowed: {', '.join(allowed)}."
        )
    return values


def _one_value(name: str, text: str, allowed: Sequence[str]) -> list[str]:
    """A deprecated single-value enum filter (`outcome`, `status`): exactly one allowed value."""
    if text not in allowed:
        raise input_invalid(f"The parameter '{name}' must be one of {', '.join(allowed)}, not '{text}'.")
    return [text]


def datetime_param(name: str, text: str) -> datetime:
    try:
        return parse_query_datetime(text)
    except ValueError as exc:
        raise input_invalid(f"The parameter '{name}' is invalid: {exc}.") from None


def boolean_param(name: str, text: str) -> bool:
    if text not in ("true", "false"):
        raise input_invalid(f"The parameter '{name}' must be 'true' or 'false', not '{text}'.")
    return text == "true"


def parse_param(param: Param, name: str, text: str) -> Any:
    """A filter's parameter, parsed as its declaration says (serving.listing.Param)."""
    match param.kind:
        case "text":
            return text_param(name, text)
        case "list":
            return comma_list(name, text)
        case "ids":
            return id_list(name, text)
        case "enum_list":
            return _enum_values(name, text, param.allowed)
        case "one_of":
            return _one_value(name, text, param.allowed)
        case "datetime":
            return datetime_param(name, text)


def page_size_param(text: str, maximum: int = MAX_PAGE_SIZE) -> int:
    try:
        size = int(text)
    except ValueError:
        raise input_invalid(f"The parameter 'page_size' must be an integer, not '{text}'.") from None
    if not 1 <= size <= maximum:
        raise input_invalid(f"The parameter 'page_size' must be between 1 and {maximum}, not {size}.")
    return size


def encode_cursor(pk: int, updated_at: datetime | None = None) -> str:
    """The opaque `next` of a page: the last row's `pk` -- and its `updated_at` in an `updated_after`
    walk, which pages in (updated_at, pk) order."""
    payload: dict[str, Any] = {"pk": pk}
    if updated_at is not None:
        payload["u"] = updated_at.isoformat()
    return base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")


# What `decode_cursor` accepts. Cursors it issues are well under 100 characters; row keys are
# positive 64-bit integers (BIGINT).
_CURSOR_MAX_LENGTH = 256
_CURSOR_TEXT = re.compile(r"[A-Za-z0-9_-]+")
_PK_LIMIT = 2**63


def decode_cursor(text: str, *, updated_after: bool = False) -> tuple[int, datetime | None]:
    """(pk, updated_at) of a cursor, or ApiError(400) for anything `encode_cursor` could not have
    issued or the database could not compare: the one place a cursor is checked.

    A cursor belongs to its kind of walk (with `updated_after` or without), like every cursor
    belongs to the query that issued it. Clients may decode and re-encode a cursor, so every part is
    checked: base64url of a JSON object with exactly the keys of its kind; `pk` an integer in
    0 <= pk < 2**63; `u` an ISO 8601 time with an offset whose UTC value is a valid datetime (the
    form the database binds: `UtcDateTime` converts to UTC)."""
    invalid = input_invalid("The 'cursor' is invalid: pass the 'next' value of a previous page unchanged.")
    if not 0 < len(text) <= _CURSOR_MAX_LENGTH or not _CURSOR_TEXT.fullmatch(text):
        raise invalid
    try:
        payload = orjson.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (binascii.Error, ValueError):  # orjson.JSONDecodeError is a ValueError
        raise invalid from None
    if not isinstance(payload, dict) or set(payload) != ({"pk", "u"} if updated_after else {"pk"}):
        raise invalid
    pk = payload["pk"]
    # orjson reads integers outside [-2**63, 2**64) as floats: the type check rejects those too.
    if type(pk) is not int or not 0 <= pk < _PK_LIMIT:
        raise invalid
    if not updated_after:
        return pk, None
    text_u = payload["u"]
    if not isinstance(text_u, str):
        raise invalid
    try:
        updated_at = datetime.fromisoformat(text_u)
        if updated_at.utcoffset() is None:
            raise ValueError("naive")
        # Out of range in UTC (9999-12-31T23:59:59-05:00) raises OverflowError.
        updated_at = updated_at.astimezone(UTC)
    except (ValueError, OverflowError):
        raise invalid from None
    return pk, updated_at


def unsupported_fields(tool: str, model: str) -> frozenset[str]:
    """The fields of `model` the tool does not provide, from its connector's declared coverage."""
    registered = TOOLS.get(tool)
    return frozenset() if registered is None else registered.coverage.unsupported_fields(model)


def _param(request: Request, name: str) -> str | None:
    values = request.query_params.getlist(name)
    if not values:
        return None
    # Comma lists may also arrive as repeated parameters (explode=true clients).
    return ",".join(values)


def list_page(request: Request, listing: Listing) -> Response:
    """Handle GET /ats/<model> for `listing`: everything but the per-model parts."""
    with read_tx(request.app.state.engine) as conn:
        integration = readable_integration(request, conn)
        content = page_json(request, conn, listing, integration)
    return Response(content, media_type="application/json")


def page_json(request: Request, conn: Connection, listing: Listing, integration: Integration) -> bytes:
    """The response body of one page of `listing` for the request's query parameters (validated, with
    Kombo's errors as ApiError): what the API sends, and what the dashboard's data explorer shows."""
    page_size = DEFAULT_PAGE_SIZE
    if (text := _param(request, "page_size")) is not None:
        page_size = page_size_param(text)
    updated_after = None
    if (text := _param(request, "updated_after")) is not None:
        updated_after = datetime_param("updated_after", text)
    cursor = cursor_updated_at = None
    if (text := _param(request, "cursor")) is not None:
        cursor, cursor_updated_at = decode_cursor(text, updated_after=updated_after is not None)
    include_deleted = False
    if (text := _param(request, "include_deleted")) is not None:
        include_deleted = boolean_param("include_deleted", text)
    ignore_unsupported = False
    if (text := _param(request, "ignore_unsupported_filters")) is not None:
        ignore_unsupported = boolean_param("ignore_unsupported_filters", text)
    remote_ids = None
    if (text := _param(request, "remote_ids")) is not None:
        remote_ids = comma_list("remote_ids", text)
    wanted = None
    if (text := _param(request, "ids")) is not None:
        wanted = id_list("ids", text)
        missing = store_listing.missing_ids(conn, listing.model, integration.id, wanted)
        if missing:
            raise input_invalid(f"These IDs do not exist for this integration: {', '.join(missing)}.", status=404)

    conditions: list[tuple[Where, Any]] = []
    unsupported = unsupported_fields(integration.tool, listing.model)
    for flt in listing.filters:
        if (text := _param(request, flt.name)) is None:
            continue
        value = parse_param(flt.param, flt.name, text)  # validate even when the filter ends up ignored
        if flt.field is not None and flt.field in unsupported:
            if not ignore_unsupported:
                conditions.append((store_listing.nothing, None))
            continue
        conditions.append((flt.where, value))

    rows = store_listing.read_page(
        conn,
        listing.model,
        integration.id,
        page_size + 1,
        cursor=cursor,
        cursor_updated_at=cursor_updated_at,
        updated_after=updated_after,
        include_deleted=include_deleted,
        remote_ids=remote_ids,
        ids=wanted,
        conditions=conditions,
    )
    more = len(rows) > page_size
    rows = rows[:page_size]
    next_cursor = None
    if more:
        next_cursor = encode_cursor(rows[-1].pk, rows[-1].keyset_updated_at if updated_after is not None else None)
    if store_listing.has_documents(listing.model):
        # The envelope around the stored bytes, as orjson.dumps(body) below would write it.
        return b'{"status":"success","data":{"next":%b,"results":[%b]}}' % (
            orjson.dumps(next_cursor),
            page_documents(conn, listing, rows),
        )
    results = listing.serialize(conn, rows) if rows else []
    return orjson.dumps({"status": "success", "data": {"next": next_cursor, "results": results}})
