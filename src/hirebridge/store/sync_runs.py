"""Sync runs (the history shown to operators) and the per-integration sync lease."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import quote

import orjson
from sqlalchemy import Connection, and_, insert, or_, select, update

from hirebridge.config import get_settings
from hirebridge.store import events, tenancy
from hirebridge.store.db import replace_row
from hirebridge.store.tables import integrations, stream_states, sync_runs


class SyncState(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True, slots=True)
class SyncRun:
    id: str
    integration_id: str
    kind: str
    state: SyncState
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    stats: dict[str, dict[str, int]]
    error: str | None
    error_code: str | None = None
    executor: str | None = None


ACTIVE_STATES = (SyncState.QUEUED, SyncState.RUNNING)


def executor() -> str:
    """This process, as recorded on the runs it executes."""
    return f"{socket.gethostname()}:{os.getpid()}"


def active_run(conn: Connection, integration_id: str, kind: str) -> SyncRun | None:
    """The queued or running run of this integration and kind, if any (there is at most one)."""
    row = conn.execute(
        select(sync_runs).where(
            sync_runs.c.integration_id == integration_id,
            sync_runs.c.kind == kind,
            sync_runs.c.state.in_(ACTIVE_STATES),
        )
    ).one_or_none()
    return None if row is None else _run(row)


def create_run(conn: Connection, run_id: str, integration_id: str, kind: str, state: SyncState, now: datetime) -> None:
    """Insert a run. Raises IntegrityError if one of this kind is already queued or running."""
    conn.execute(
        insert(sync_runs).values(
            id=run_id,
            integration_id=integration_id,
            kind=kind,
            state=state,
            created_at=now,
            started_at=now if state == SyncState.RUNNING else None,
            executor=executor() if state == SyncState.RUNNING else None,
            stats="{}",
        )
    )


def start_run(conn: Connection, run_id: str, now: datetime) -> bool:
    """QUEUED -> RUNNING; False if the run is not queued (any more)."""
    started = conn.execute(
        update(sync_runs)
        .where(sync_runs.c.id == run_id, sync_runs.c.state == SyncState.QUEUED)
        .values(state=SyncState.RUNNING, started_at=now, executor=executor())
    )
    return started.rowcount == 1


def queued_runs(conn: Connection, limit: int = 10) -> list[SyncRun]:
    """The oldest queued runs of enabled integrations (a worker then tries to take each one's lease)."""
    rows = conn.execute(
        select(sync_runs)
        .join(integrations, integrations.c.id == sync_runs.c.integration_id)
        .where(sync_runs.c.state == SyncState.QUEUED, integrations.c.enabled.is_(True))
        .order_by(sync_runs.c.created_at, sync_runs.c.id)
        .limit(limit)
    )
    return [_run(row) for row in rows]


def acquire_lease(conn: Connection, integration_id: str, run_id: str, now: datetime, seconds: int) -> bool:
    """Take the integration's sync lease unless a live run holds it. Atomic: one UPDATE."""
    taken = conn.execute(
        update(integrations)
        .where(
            integrations.c.id == integration_id,
            or_(
                integrations.c.sync_lock_run_id.is_(None),
                integrations.c.sync_lock_expires_at < now,
            ),
        )
        .values(sync_lock_run_id=run_id, sync_lock_expires_at=now + timedelta(seconds=seconds))
    )
    return taken.rowcount == 1


WORKER_LOST = "WORKER_LOST"
ABANDONED = "the worker running this sync stopped renewing its lease (killed or hung)"


def fail_abandoned_runs(conn: Connection, now: datetime, integration_id: str | None = None) -> list[SyncRun]:
    """Mark RUNNING runs whose executor died as FAILED (code WORKER_LOST) and free their leases;
    returns the runs this call failed. Only those of `integration_id` when given.

    A live run renews its integration's lease with every page; a run whose lease has expired or
    been taken over is dead (its process was killed, lost its database, or hung). Nothing it did is
    undone or needs to be: each page was its own transaction and deletions only happen at the end.
    Both the scheduler's tick and a sync about to start call this, so an expired lease is taken
    over by whoever asks next."""
    query = (
        select(sync_runs)
        .join(integrations, integrations.c.id == sync_runs.c.integration_id)
        .where(
            sync_runs.c.state == SyncState.RUNNING,
            or_(
                integrations.c.sync_lock_run_id.is_(None),
                integrations.c.sync_lock_run_id != sync_runs.c.id,
                integrations.c.sync_lock_expires_at < now,
            ),
        )
    )
    if integration_id is not None:
        query = query.where(sync_runs.c.integration_id == integration_id)
    failed: list[SyncRun] = []
    for run in [_run(row) for row in conn.execute(query)]:
        marked = conn.execute(
            update(sync_runs)
            .where(and_(sync_runs.c.id == run.id, sync_runs.c.state == SyncState.RUNNING))
            .values(state=SyncState.FAILED, ended_at=now, error=ABANDONED, error_code=WORKER_LOST)
        )
        if marked.rowcount == 1:  # not failed by a concurrent caller first
            release_lease(conn, run.integration_id, run.id)  # its holder is gone: free it now
            _announce_finished(conn, run.id)
            failed.append(run)
    return failed


def lease_holder(conn: Connection, integration_id: str) -> tuple[str | None, datetime | None]:
    """(run id, expiry) of the integration's lease; (None, None) when free."""
    row = conn.execute(
        select(integrations.c.sync_lock_run_id, integrations.c.sync_lock_expires_at).where(
            integrations.c.id == integration_id
        )
    ).one_or_none()
    return (None, None) if row is None else (row.sync_lock_run_id, row.sync_lock_expires_at)


def renew_lease(conn: Connection, integration_id: str, run_id: str, now: datetime, seconds: int) -> bool:
    """Extend our lease; False when another run took it over (we were presumed dead)."""
    renewed = conn.execute(
        update(integrations)
        .where(integrations.c.id == integration_id, integrations.c.sync_lock_run_id == run_id)
        .values(sync_lock_expires_at=now + timedelta(seconds=seconds))
    )
    return renewed.rowcount == 1


def release_lease(conn: Connection, integration_id: str, run_id: str) -> None:
    conn.execute(
        update(integrations)
        .where(integrations.c.id == integration_id, integrations.c.sync_lock_run_id == run_id)
        .values(sync_lock_run_id=None, sync_lock_expires_at=None)
    )


def save_stats(conn: Connection, run_id: str, stats: dict[str, dict[str, int]]) -> None:
    conn.execute(update(sync_runs).where(sync_runs.c.id == run_id).values(stats=orjson.dumps(stats).decode()))


def finish_run(
    conn: Connection,
    run_id: str,
    state: SyncState,
    stats: dict[str, dict[str, int]],
    now: datetime,
    error: str | None = None,
    error_code: str | None = None,
) -> None:
    conn.execute(
        update(sync_runs)
        .where(sync_runs.c.id == run_id)
        .values(state=state, ended_at=now, stats=orjson.dumps(stats).decode(), error=error, error_code=error_code)
    )
    _announce_finished(conn, run_id)


def _announce_finished(conn: Connection, run_id: str) -> None:
    """`sync-finished` for a run that just ended, whatever the outcome (a run failed with
    AUTHENTICATION_FAILED is announced in that state, Kombo's name for it)."""
    run = get_run(conn, run_id)
    integration = None if run is None else tenancy.get_integration(conn, run.integration_id)
    if run is None or integration is None or run.ended_at is None:
        return
    state = "AUTHENTICATION_FAILED" if run.error_code == "AUTHENTICATION_FAILED" else str(run.state)
    # Where the run can be looked at: the integration's details, whose `last_sync` is this run.
    log_url = f"{get_settings().public_url.rstrip('/')}/v1/integrations/{quote(integration.id, safe=':')}"
    events.sync_finished(conn, integration, run.id, state, run.started_at, run.ended_at, log_url)


def mark_first_sync(conn: Connection, integration_id: str, now: datetime) -> None:
    """Record the integration's first successful sync (its setup status becomes COMPLETED)."""
    before = tenancy.get_integration(conn, integration_id)
    if before is None or before.first_sync_succeeded_at is not None:
        return
    conn.execute(update(integrations).where(integrations.c.id == integration_id).values(first_sync_succeeded_at=now))
    after = tenancy.get_integration(conn, integration_id)
    assert after is not None
    events.integration_state_changed(conn, before, after, now)


def _run(row: Any) -> SyncRun:
    return SyncRun(
        id=row.id,
        integration_id=row.integration_id,
        kind=row.kind,
        state=SyncState(row.state),
        created_at=row.created_at,
        started_at=row.started_at,
        ended_at=row.ended_at,
        stats=orjson.loads(row.stats),
        error=row.error,
        error_code=row.error_code,
        executor=row.executor,
    )


def get_run(conn: Connection, run_id: str) -> SyncRun | None:
    row = conn.execute(select(sync_runs).where(sync_runs.c.id == run_id)).one_or_none()
    return None if row is None else _run(row)


def list_runs(conn: Connection, integration_id: str) -> list[SyncRun]:
    rows = conn.execute(
        select(sync_runs)
        .where(sync_runs.c.integration_id == integration_id)
        .order_by(sync_runs.c.created_at, sync_runs.c.id)
    )
    return [_run(row) for row in rows]


FINISHED_STATES = (SyncState.SUCCEEDED, SyncState.FAILED, SyncState.CANCELLED)


def recent_runs(conn: Connection, integration_id: str | None = None, limit: int = 20) -> list[SyncRun]:
    """The newest runs first (of one integration, or of all), for `hirebridge runs`."""
    query = select(sync_runs).order_by(sync_runs.c.created_at.desc(), sync_runs.c.id.desc()).limit(limit)
    if integration_id is not None:
        query = query.where(sync_runs.c.integration_id == integration_id)
    return [_run(row) for row in conn.execute(query)]


def last_finished_run(conn: Connection, integration_id: str) -> SyncRun | None:
    """The run of this integration that ended last (succeeded, failed or cancelled), if any."""
    row = conn.execute(
        select(sync_runs)
        .where(sync_runs.c.integration_id == integration_id, sync_runs.c.state.in_(FINISHED_STATES))
        .order_by(sync_runs.c.ended_at.desc(), sync_runs.c.id.desc())
        .limit(1)
    ).one_or_none()
    return None if row is None else _run(row)


def has_active_run(conn: Connection, integration_id: str) -> bool:
    """Whether a run of this integration is queued or running."""
    found = conn.execute(
        select(sync_runs.c.id)
        .where(sync_runs.c.integration_id == integration_id, sync_runs.c.state.in_(ACTIVE_STATES))
        .limit(1)
    ).first()
    return found is not None


def stream_state(conn: Connection, integration_id: str, stream: str) -> dict[str, Any] | None:
    text = conn.execute(
        select(stream_states.c.state).where(
            stream_states.c.integration_id == integration_id, stream_states.c.stream == stream
        )
    ).scalar()
    return None if text is None else dict(orjson.loads(text))


def save_stream_state(conn: Connection, integration_id: str, stream: str, state: dict[str, Any], now: datetime) -> None:
    keys = {"integration_id": integration_id, "stream": stream}
    replace_row(conn, stream_states, keys, {"state": orjson.dumps(state).decode(), "updated_at": now})
