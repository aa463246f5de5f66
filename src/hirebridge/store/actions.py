"""The `actions` table: the audit record of every write action, and the idempotency of those sent
with an `Idempotency-Key` (actions/service.py says what each state means to a repeat)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from hirebridge import ids
from hirebridge.store.tables import actions

PENDING = "PENDING"
SUCCEEDED = "SUCCEEDED"
FAILED = "FAILED"
# The source may have performed it (no answer came): a repeat must not try again.
UNKNOWN = "UNKNOWN"


@dataclass(frozen=True, slots=True)
class ActionRow:
    id: str
    integration_id: str
    action: str
    request_hash: str
    state: str
    status_code: int | None
    response: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NewAction:
    environment_id: str
    integration_id: str
    api_key_prefix: str
    action: str
    target_id: str | None
    idempotency_key: str | None
    request_hash: str


def _row(conn: Connection, environment_id: str, key: str) -> ActionRow | None:
    row = conn.execute(
        select(
            actions.c.id,
            actions.c.integration_id,
            actions.c.action,
            actions.c.request_hash,
            actions.c.state,
            actions.c.status_code,
            actions.c.response,
            actions.c.created_at,
        ).where(actions.c.environment_id == environment_id, actions.c.idempotency_key == key)
    ).one_or_none()
    return None if row is None else ActionRow(*row)


def begin(conn: Connection, new: NewAction, now: datetime, key_ttl: timedelta) -> tuple[str, ActionRow | None]:
    """Record a PENDING action. With an idempotency key another request already recorded (within
    `key_ttl`; an older one is forgotten) it records nothing and returns that request's row:
    (its id, the row). Otherwise (the new id, None). Runs in its own transaction, committed before
    the source is called, so a concurrent repeat finds it."""
    if new.idempotency_key is not None:
        known = _row(conn, new.environment_id, new.idempotency_key)
        if known is not None:
            if known.created_at > now - key_ttl:
                return known.id, known
            conn.execute(delete(actions).where(actions.c.id == known.id))
    action_id = ids.random_id()
    values = {
        "id": action_id,
        "environment_id": new.environment_id,
        "integration_id": new.integration_id,
        "api_key_prefix": new.api_key_prefix,
        "action": new.action,
        "target_id": new.target_id,
        "idempotency_key": new.idempotency_key,
        "request_hash": new.request_hash,
        "state": PENDING,
        "created_at": now,
    }
    if new.idempotency_key is None:
        conn.execute(insert(actions).values(**values))
        return action_id, None
    try:
        with conn.begin_nested():
            conn.execute(insert(actions).values(**values))
    except IntegrityError:  # a concurrent request with the same key recorded it first
        known = _row(conn, new.environment_id, new.idempotency_key)
        assert known is not None
        return known.id, known
    return action_id, None


def finish(
    conn: Connection,
    action_id: str,
    state: str,
    status_code: int,
    response: str | None,
    error_code: str | None,
    now: datetime,
    duration_ms: int,
) -> None:
    conn.execute(
        update(actions)
        .where(actions.c.id == action_id)
        .values(
            state=state,
            status_code=status_code,
            response=response,
            error_code=error_code,
            finished_at=now,
            duration_ms=duration_ms,
        )
    )


def forget(conn: Connection, action_id: str) -> None:
    """Drop a PENDING row whose request never reached the source (refused before it was sent), so its
    idempotency key can be used again once the input is fixed."""
    conn.execute(delete(actions).where(actions.c.id == action_id, actions.c.state == PENDING))
