"""A sync run whose process died leaves its integration's lease behind. With no server or worker
ticking (a deployment that only runs `hirebridge sync`), the next `hirebridge sync` takes an expired
lease over -- failing the dead run as WORKER_LOST, as the scheduler's reaper would -- while a lease
still being renewed keeps refusing."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

from sqlalchemy import Engine

from hirebridge import ids
from hirebridge.model import SyncKind
from hirebridge.store import sync_runs, tenancy
from hirebridge.store.db import read_tx, write_tx
from hirebridge.store.sync_runs import SyncState
from hirebridge.timefmt import utc_now
from tests.conftest import create_sandbox, make_tenant


def _running_run(engine: Engine, integration_id: str, lease_left: timedelta) -> str:
    """A RUNNING FULL run holding the integration's lease for `lease_left` more (negative: expired)."""
    run_id = ids.random_id()
    now = utc_now()
    started = now - timedelta(minutes=30)
    with write_tx(engine) as conn:
        sync_runs.create_run(conn, run_id, integration_id, SyncKind.FULL, SyncState.RUNNING, started)
        seconds = int((lease_left + (now - started)).total_seconds())
        assert sync_runs.acquire_lease(conn, integration_id, run_id, started, seconds)
    return run_id


def _sync(database_url: str, integration_id: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hirebridge.cli", "sync", integration_id],
        env={**os.environ, "HIREBRIDGE_DATABASE_URL": database_url, "COLUMNS": "300"},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_hirebridge_sync_takes_over_an_expired_lease(engine: Engine, database_url: str) -> None:
    integration_id = create_sandbox(engine, make_tenant(engine), applications=20)
    dead = _running_run(engine, integration_id, lease_left=timedelta(minutes=-1))

    synced = _sync(database_url, integration_id)
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert "SUCCEEDED" in synced.stdout + synced.stderr

    with read_tx(engine) as conn:
        runs = {run.id: run for run in sync_runs.list_runs(conn, integration_id)}
        holder = sync_runs.lease_holder(conn, integration_id)
        integration = tenancy.get_integration(conn, integration_id)
    old = runs.pop(dead)
    assert old.state == SyncState.FAILED and old.error_code == "WORKER_LOST" and old.ended_at is not None
    assert old.error == sync_runs.ABANDONED
    [new] = runs.values()
    assert new.state == SyncState.SUCCEEDED and new.kind == SyncKind.FULL
    assert holder == (None, None)  # released at the end of the new run
    assert integration is not None and integration.first_sync_succeeded_at is not None


def test_hirebridge_sync_still_refuses_a_lease_being_renewed(engine: Engine, database_url: str) -> None:
    integration_id = create_sandbox(engine, make_tenant(engine), applications=20)
    live = _running_run(engine, integration_id, lease_left=timedelta(minutes=5))

    refused = _sync(database_url, integration_id)
    output = refused.stdout + refused.stderr
    assert refused.returncode == 1, output
    assert "already running" in output and live in output

    with read_tx(engine) as conn:
        [run] = sync_runs.list_runs(conn, integration_id)
        holder, _expires = sync_runs.lease_holder(conn, integration_id)
    assert run.id == live and run.state == SyncState.RUNNING and run.error_code is None
    assert holder == live
