"""The scheduler (`jobs.schedule`), shared by both modes, on both databases; and the embedded worker
running it."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import Engine, select, update

from hirebridge.config import Settings
from hirebridge.jobs import schedule
from hirebridge.jobs.embedded import EmbeddedWorker
from hirebridge.model import SyncKind
from hirebridge.store import sync_runs, tenancy
from hirebridge.store.db import read_tx, write_tx
from hirebridge.store.sync_runs import SyncState
from hirebridge.store.tables import integrations
from hirebridge.store.tables import sync_runs as runs_table
from hirebridge.sync.engine import SyncEngine
from hirebridge.timefmt import utc_now
from tests.conftest import create_sandbox, make_tenant

SETTINGS = Settings(full_sync_interval_minutes=24 * 60, delta_sync_interval_minutes=3 * 60)


def _lever(engine: Engine) -> str:
    """An integration of a tool with DELTA support (no sync runs against it here)."""
    with write_tx(engine) as conn:
        env = tenancy.get_or_create_environment(conn)
        return tenancy.create_integration(conn, env, "lever", {"api_key": "k" * 20}).id


def _age_runs(engine: Engine, integration_id: str, by: timedelta) -> None:
    with write_tx(engine) as conn:
        for r in conn.execute(
            select(runs_table.c.id, runs_table.c.created_at).where(runs_table.c.integration_id == integration_id)
        ).all():
            conn.execute(update(runs_table).where(runs_table.c.id == r.id).values(created_at=r.created_at - by))


def _due(engine: Engine) -> set[tuple[str, SyncKind]]:
    return {(d.integration_id, d.kind) for d in schedule.due_syncs(engine, utc_now(), SETTINGS)}


def _record_run(engine: Engine, integration_id: str, kind: SyncKind, succeeded: bool = True) -> None:
    now = utc_now()
    with write_tx(engine) as conn:
        run_id = f"run{now.timestamp()}{kind}"[:24]
        sync_runs.create_run(conn, run_id, integration_id, kind, SyncState.RUNNING, now)
        sync_runs.finish_run(conn, run_id, SyncState.SUCCEEDED if succeeded else SyncState.FAILED, {}, now)
        if succeeded:
            sync_runs.mark_first_sync(conn, integration_id, now)


def test_a_new_integration_is_due_for_a_full_sync_at_once(engine: Engine) -> None:
    sandbox = create_sandbox(engine, make_tenant(engine))
    lever = _lever(engine)
    assert _due(engine) == {(sandbox, SyncKind.FULL), (lever, SyncKind.FULL)}


def test_intervals_global_and_per_integration_and_delta_only_where_supported(engine: Engine) -> None:
    sandbox = create_sandbox(engine, make_tenant(engine))
    lever = _lever(engine)
    for integration_id in (sandbox, lever):
        _record_run(engine, integration_id, SyncKind.FULL)
    assert _due(engine) == set()
    # 4 h later: DELTA is due for the tool that has one; the sandbox has no change feed.
    for integration_id in (sandbox, lever):
        _age_runs(engine, integration_id, timedelta(hours=4))
    assert _due(engine) == {(lever, SyncKind.DELTA)}
    _record_run(engine, lever, SyncKind.DELTA)
    assert _due(engine) == set()
    # A per-integration override: the sandbox every 2 h (FULL), lever's DELTA every 8 h.
    with write_tx(engine) as conn:
        tenancy.set_schedule(conn, sandbox, 120, None)
        tenancy.set_schedule(conn, lever, None, 8 * 60)
    _age_runs(engine, lever, timedelta(hours=4))
    assert _due(engine) == {(sandbox, SyncKind.FULL)}
    # A day later both FULLs are due (a due FULL makes the DELTA pointless).
    for integration_id in (sandbox, lever):
        _age_runs(engine, integration_id, timedelta(days=1))
    assert _due(engine) == {(sandbox, SyncKind.FULL), (lever, SyncKind.FULL)}


def test_disabled_and_invalid_integrations_are_not_scheduled(engine: Engine) -> None:
    disabled = create_sandbox(engine, make_tenant(engine))
    invalid = _lever(engine)
    with write_tx(engine) as conn:
        tenancy.set_enabled(conn, disabled, False)
        tenancy.set_credentials_invalid(conn, invalid, utc_now())
    assert _due(engine) == set()


def test_a_run_whose_worker_died_is_failed_and_retried(engine: Engine) -> None:
    integration_id = create_sandbox(engine, make_tenant(engine), applications=5)
    assert SyncEngine(engine).run(integration_id).state == SyncState.SUCCEEDED
    now = utc_now()
    with write_tx(engine) as conn:
        # A run that took the lease and then went silent (its process was killed).
        sync_runs.create_run(conn, "deadrun0000000000000000", integration_id, SyncKind.FULL, SyncState.RUNNING, now)
        assert sync_runs.acquire_lease(conn, integration_id, "deadrun0000000000000000", now, 1)
    assert schedule.fail_abandoned_runs(engine, now) == []  # still within its lease: alive
    time.sleep(1.1)
    queued = schedule.tick(engine, SETTINGS)
    with read_tx(engine) as conn:
        dead = sync_runs.get_run(conn, "deadrun0000000000000000")
        lease = conn.execute(select(integrations.c.sync_lock_run_id).where(integrations.c.id == integration_id))
        assert lease.scalar() is None
    assert dead is not None and dead.state == SyncState.FAILED and dead.error_code == "WORKER_LOST"
    assert [(q.kind, q.already_queued) for q in queued] == [(SyncKind.FULL, False)]


def test_the_embedded_worker_runs_the_scheduler(engine: Engine) -> None:
    integration_id = create_sandbox(engine, make_tenant(engine), applications=5)
    worker = EmbeddedWorker(engine, poll_seconds=0.05, settings=Settings(scheduler_tick_seconds=0))
    worker.start()
    try:
        deadline = time.monotonic() + 60
        while True:
            with read_tx(engine) as conn:
                integration = tenancy.get_integration(conn, integration_id)
            if integration is not None and integration.first_sync_succeeded_at is not None:
                break
            assert time.monotonic() < deadline, "the new integration was never synced"
            time.sleep(0.05)
    finally:
        worker.stop()
    with read_tx(engine) as conn:
        runs = sync_runs.list_runs(conn, integration_id)
    assert [(r.kind, r.state) for r in runs] == [(SyncKind.FULL, SyncState.SUCCEEDED)]
