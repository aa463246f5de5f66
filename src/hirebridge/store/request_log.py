"""API requests answered with an error, kept for the operator: the page an error envelope's `log_url`
points at (the dashboard's /dashboard/requests/{id}), as Kombo's log links do.

What is kept: when, the method, path and query string, the status, Kombo's code and message, the
`X-Integration-Id` sent and the API key's first characters -- never a body, a header value or a key.
Rows older than HIREBRIDGE_REQUEST_LOG_DAYS are pruned by the scheduler's tick.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select

from hirebridge import ids
from hirebridge.store.tables import request_errors

# Bounds on what one row keeps of a request (a URL may be 32 KiB).
_MAX_PATH, _MAX_QUERY, _MAX_MESSAGE = 1000, 2000, 4000


@dataclass(frozen=True, slots=True)
class RequestError:
    id: str
    at: datetime
    method: str
    path: str
    query: str
    status: int
    code: str | None
    message: str
    integration_id: str | None
    api_key_prefix: str | None


def record(
    conn: Connection,
    *,
    at: datetime,
    method: str,
    path: str,
    query: str,
    status: int,
    code: str | None,
    message: str,
    integration_id: str | None,
    api_key_prefix: str | None,
) -> str:
    error_id = ids.random_id()
    conn.execute(
        insert(request_errors).values(
            id=error_id,
            at=at,
            method=method[:10],
            path=path[:_MAX_PATH],
            query=query[:_MAX_QUERY],
            status=status,
            code=code,
            message=message[:_MAX_MESSAGE],
            integration_id=None if integration_id is None else integration_id[:200],
            api_key_prefix=api_key_prefix,
        )
    )
    return error_id


def get(conn: Connection, error_id: str) -> RequestError | None:
    row = conn.execute(select(request_errors).where(request_errors.c.id == error_id)).one_or_none()
    if row is None:
        return None
    return RequestError(
        row.id,
        row.at,
        row.method,
        row.path,
        row.query,
        row.status,
        row.code,
        row.message,
        row.integration_id,
        row.api_key_prefix,
    )


def prune(conn: Connection, before: datetime) -> int:
    return int(conn.execute(delete(request_errors).where(request_errors.c.at < before)).rowcount)
