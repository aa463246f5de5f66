"""The distributed mode on real PostgreSQL with real `hirebridge worker` processes (procrastinate).

Time is never asserted; the tests wait for states with generous deadlines. Scheduling is shown by
backdating runs (as if the interval had passed), not by waiting hours.
"""

from __future__ import annotations

import functools
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, func, select, update

from hirebridge.config import Settings
from hirebridge.connectors.sandbox.source import SandboxSource
from hirebridge.jobs import Jobs
from hirebridge.model import SyncKind
from hirebridge.store import migrate, sync_runs, tenancy
from hirebridge.store.db import make_engine, read_tx, write_tx
from hirebridge.store.rate_limits import DatabaseRateLimits
from hirebridge.store.sync_runs import SyncRun, SyncState
from hirebridge.store.tables import SYNCED_TABLES, integrations
from hirebridge.store.tables import sync_runs as runs_table
from hirebridge.sync.engine import SyncEngine
from tests.conftest import make_tenant
from tests.test_shared_rate_limit import assert_downloads_ran_during_the_sync, download_until, lever

# Short lease and scheduler period so a dead worker is noticed in seconds, not minutes.
WORKER_ENV = {
    "HIREBRIDGE_WORKER_MODE": "distributed",
    "HIREBRIDGE_SCHEDULER_TICK_SECONDS": "1",
    "HIREBRIDGE_SYNC_LOCK_SECONDS": "4",
    "HIREBRIDGE_SYNC_PAGE_SIZE": "200",
}


@pytest.fixture
def pg(postgres_url: str) -> Iterator[tuple[str, Engine]]:
    subprocess.run(
        [sys.executable, "-m", "hirebridge.cli", "db", "upgrade"],
        env={**os.environ, "HIREBRIDGE_DATABASE_URL": postgres_url},
        check=True,
        capture_output=True,
        timeout=120,
    )
    engine = make_engine(postgres_url)
    assert migrate.is_current(engine)
    yield postgres_url, engine
    engine.dispose()


@contextmanager
def workers(
    url: str, count: int, concurrency: int = 2, metrics_ports: list[int] | None = None
) -> Iterator[list[subprocess.Popen[str]]]:
    metrics = [["--metrics-port", str(port)] for port in metrics_ports] if metrics_ports else [[]] * count
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "hirebridge.cli", "worker", "--concurrency", str(concurrency), *metrics[i]],
            env={**os.environ, **WORKER_ENV, "HIREBRIDGE_DATABASE_URL": url},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for i in range(count)
    ]
    try:
        yield procs
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()


def wait_for(what: str, check: Callable[[], bool], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.25)


def all_runs(engine: Engine) -> list[SyncRun]:
    with read_tx(engine) as conn:
        ids = [i.id for i in tenancy.list_integrations(conn)]
        return [run for integration_id in ids for run in sync_runs.list_runs(conn, integration_id)]


def distributed_jobs(url: str, engine: Engine) -> Jobs:
    return Jobs.for_process(engine, run_worker=False, settings=Settings(database_url=url, worker_mode="distributed"))


def create_sandboxes(engine: Engine, count: int, applications: int) -> list[str]:
    tenant = make_tenant(engine)
    with write_tx(engine) as conn:
        return [
            tenancy.create_integration(
                conn, tenant.environment, "sandbox", {"applications": applications, "step": 0}
            ).id
            for _ in range(count)
        ]


def assert_never_overlapping(runs: list[SyncRun]) -> None:
    by_integration: dict[str, list[SyncRun]] = {}
    for run in runs:
        if run.started_at is not None:
            by_integration.setdefault(run.integration_id, []).append(run)
    for integration_runs in by_integration.values():
        ordered = sorted(integration_runs, key=lambda r: r.started_at or 0)
        for before, after in itertools.pairwise(ordered):
            assert before.ended_at is not None and after.started_at is not None
            assert before.ended_at <= after.started_at, (before, after)


def test_workers_sync_every_integration_never_twice_at_once_and_schedules_fire(pg: tuple[str, Engine]) -> None:
    url, engine = pg
    integration_ids = create_sandboxes(engine, 20, applications=25)
    jobs = distributed_jobs(url, engine)
    try:
        # The first sync of each new integration, queued at once (as `integrations create` does).
        for integration_id in integration_ids:
            jobs.enqueue_sync(integration_id, SyncKind.FULL)
        # force-sync / `sync --enqueue` de-duplicate: a second request returns the queued run.
        first = jobs.enqueue_sync(integration_ids[0], SyncKind.DELTA)
        again = jobs.enqueue_sync(integration_ids[0], SyncKind.DELTA)
        assert again.run_id == first.run_id and again.already_queued and not first.already_queued

        ports = [_free_port(), _free_port()]
        with workers(url, 2, metrics_ports=ports):
            wait_for(
                "every integration's first sync",
                lambda: (
                    all(
                        r.state == SyncState.SUCCEEDED
                        for r in all_runs(engine)
                        if r.kind == SyncKind.FULL or r.id == first.run_id
                    )
                    and len(all_runs(engine)) >= 21
                ),
            )
            with read_tx(engine) as conn:
                assert all(i.first_sync_succeeded_at for i in tenancy.list_integrations(conn))
            # Both workers took part (each run records the process that executed it)...
            assert len({r.executor for r in all_runs(engine)}) >= 2
            # ...and their /metrics count exactly the runs they executed.
            succeeded = sum(
                _metric(port, "hirebridge_syncs_total", tool="sandbox", state="SUCCEEDED") for port in ports
            )
            assert succeeded == sum(1 for r in all_runs(engine) if r.state == SyncState.SUCCEEDED)

            # Schedules: backdate the runs of five integrations past the FULL interval (24 h).
            scheduled = integration_ids[:5]
            with write_tx(engine) as conn:
                backdate = conn.execute(
                    select(runs_table.c.id, runs_table.c.created_at).where(runs_table.c.integration_id.in_(scheduled))
                ).all()
                for r in backdate:
                    conn.execute(
                        update(runs_table)
                        .where(runs_table.c.id == r.id)
                        .values(created_at=r.created_at - timedelta(days=2))
                    )
            wait_for(
                "scheduled FULL syncs",
                lambda: all(
                    sum(1 for r in all_runs(engine) if r.integration_id == i and r.kind == SyncKind.FULL) == 2
                    and all(r.state == SyncState.SUCCEEDED for r in all_runs(engine) if r.integration_id == i)
                    for i in scheduled
                ),
            )
            # ...and only those: nothing else was due.
            others = [r for r in all_runs(engine) if r.integration_id not in scheduled and r.kind == SyncKind.FULL]
            assert len(others) == 15
    finally:
        jobs.stop()
    assert_never_overlapping(all_runs(engine))
    # Deleted integrations are purged along with their runs, and never scheduled again.
    with write_tx(engine) as conn:
        tenancy.delete_integration(conn, integration_ids[-1])
        assert (
            conn.execute(select(func.count()).where(runs_table.c.integration_id == integration_ids[-1])).scalar() == 0
        )


def source_state(integration_id: str, applications: int, step: int) -> dict[str, set[str]]:
    """Remote ids per model that the sandbox holds at `step` — what a converged store must hold."""
    source = SandboxSource(seed=integration_id, applications=applications, step=step)
    return {model: {r.remote_id for r in fetch()} for model, fetch in source.record_methods().items()}


def stored_state(engine: Engine, integration_id: str) -> dict[str, set[str]]:
    state: dict[str, set[str]] = {}
    with read_tx(engine) as conn:
        for model, table in SYNCED_TABLES.items():
            rows = conn.execute(
                select(table.c.remote_id, table.c.remote_deleted_at).where(table.c.integration_id == integration_id)
            ).all()
            assert len(rows) == len({r.remote_id for r in rows}), f"duplicates in {model}"
            state[model] = {r.remote_id for r in rows if r.remote_deleted_at is None}
    return state


def deleted_count(engine: Engine, integration_id: str) -> int:
    with read_tx(engine) as conn:
        return sum(
            conn.execute(
                select(func.count()).where(
                    table.c.integration_id == integration_id, table.c.remote_deleted_at.is_not(None)
                )
            ).scalar_one()
            for table in SYNCED_TABLES.values()
        )


def _big_integration_after_a_step(engine: Engine, applications: int) -> str:
    """A synced sandbox whose source then moved on (new, changed and deleted records)."""
    [integration_id] = create_sandboxes(engine, 1, applications)
    assert SyncEngine(engine).run(integration_id).state == SyncState.SUCCEEDED
    with write_tx(engine) as conn:
        tenancy.update_integration_config(conn, integration_id, {"applications": applications, "step": 1})
    return integration_id


def _written(engine: Engine, run_id: str) -> int:
    with read_tx(engine) as conn:
        run = sync_runs.get_run(conn, run_id)
    assert run is not None
    return sum(c.get("inserted", 0) + c.get("updated", 0) + c.get("unchanged", 0) for c in run.stats.values())


def test_a_worker_killed_mid_sync_loses_nothing_and_the_retry_converges(pg: tuple[str, Engine]) -> None:
    url, engine = pg
    applications = 1500
    integration_id = _big_integration_after_a_step(engine, applications)
    deleted_before = deleted_count(engine, integration_id)
    earlier = {r.id for r in all_runs(engine)}
    jobs = distributed_jobs(url, engine)
    try:
        run = jobs.enqueue_sync(integration_id, SyncKind.FULL)
        with workers(url, 1) as [victim]:
            wait_for("the sync to be half-way", lambda: _written(engine, run.run_id) > 3000)
            victim.kill()  # SIGKILL: no chance to clean up
            victim.wait(30)
        # At this moment: the dead run is still RUNNING, nothing was deleted, no page half-written.
        assert deleted_count(engine, integration_id) == deleted_before
        stored_state(engine, integration_id)  # asserts no duplicates

        with workers(url, 1):
            wait_for(
                "the dead run to be failed and its retry to succeed",
                lambda: any(
                    r.state == SyncState.SUCCEEDED and r.id not in earlier | {run.run_id} for r in all_runs(engine)
                ),
            )
    finally:
        jobs.stop()
    with read_tx(engine) as conn:
        dead = sync_runs.get_run(conn, run.run_id)
    assert dead is not None and dead.state == SyncState.FAILED and dead.error_code == "WORKER_LOST"
    assert stored_state(engine, integration_id) == source_state(integration_id, applications, step=1)
    assert_never_overlapping(all_runs(engine))


def test_sigterm_finishes_the_page_records_the_run_interrupted_and_another_worker_finishes(
    pg: tuple[str, Engine],
) -> None:
    url, engine = pg
    applications = 1500
    integration_id = _big_integration_after_a_step(engine, applications)
    deleted_before = deleted_count(engine, integration_id)
    jobs = distributed_jobs(url, engine)
    try:
        run = jobs.enqueue_sync(integration_id, SyncKind.FULL)
        with workers(url, 1) as [worker]:
            wait_for("the sync to be under way", lambda: _written(engine, run.run_id) > 1000)
            worker.send_signal(signal.SIGTERM)
            output, _ = worker.communicate(timeout=120)
            assert worker.returncode == 0, output
        with read_tx(engine) as conn:
            stopped = sync_runs.get_run(conn, run.run_id)
            lease = conn.execute(
                select(integrations.c.sync_lock_run_id).where(integrations.c.id == integration_id)
            ).scalar()
        assert stopped is not None and stopped.state == SyncState.CANCELLED and stopped.error_code == "INTERRUPTED"
        assert lease is None  # released on the way out, not left to expire
        assert deleted_count(engine, integration_id) == deleted_before
        retry = [r for r in all_runs(engine) if r.integration_id == integration_id and r.state == SyncState.QUEUED]
        assert len(retry) == 1

        with workers(url, 1):
            wait_for(
                "the retry to succeed",
                lambda: any(r.id == retry[0].id and r.state == SyncState.SUCCEEDED for r in all_runs(engine)),
            )
    finally:
        jobs.stop()
    assert stored_state(engine, integration_id) == source_state(integration_id, applications, step=1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def api_processes(url: str, count: int) -> Iterator[list[str]]:
    """`hirebridge serve` processes of the distributed mode (no in-process worker); their base URLs."""
    ports = [_free_port() for _ in range(count)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "hirebridge.cli", "serve", "--port", str(port)],
            env={**os.environ, **WORKER_ENV, "HIREBRIDGE_DATABASE_URL": url},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for base in bases:
            wait_for(f"{base} to answer", functools.partial(_answers, f"{base}/health"), timeout=60)
        yield [f"{base}/v1" for base in bases]
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(30)


def _metric(port: int, name: str, **labels: str) -> float:
    """Sum of a metric's samples whose labels include `labels`, from a worker's /metrics."""
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def test_two_api_processes_answer_identically_and_accept_each_others_cursors(pg: tuple[str, Engine]) -> None:
    url, engine = pg
    tenant = make_tenant(engine)
    [integration_id] = create_sandboxes(engine, 1, applications=60)
    with write_tx(engine) as conn:  # the sandboxes above belong to another tenant: move this one over
        conn.execute(
            update(integrations).where(integrations.c.id == integration_id).values(environment_id=tenant.environment.id)
        )
    headers = {"Authorization": f"Bearer {tenant.api_key}", "X-Integration-Id": integration_id}
    with api_processes(url, 2) as (a, b), workers(url, 1):
        # A force-sync through one API process is executed by the worker process.
        queued = httpx.post(f"{a}/force-sync", headers=headers, json={"type": "FULL"}).json()["data"]
        assert httpx.post(f"{b}/force-sync", headers=headers, json={"type": "FULL"}).json()["data"] == {
            **queued,
            "already_queued": True,
        }
        wait_for(
            "the forced sync",
            lambda: any(r.id == queued["sync_id"] and r.state == SyncState.SUCCEEDED for r in all_runs(engine)),
        )
        mixed: list[dict[str, object]] = []
        cursor = None
        for turn in itertools.count():
            params = {"page_size": 7, **({"cursor": cursor} if cursor else {})}
            base = (a, b)[turn % 2]  # every page from the other process than the one that issued its cursor
            response = httpx.get(f"{base}/ats/applications", params=params, headers=headers)
            assert response.status_code == 200, response.text
            same_page = httpx.get(f"{(b, a)[turn % 2]}/ats/applications", params=params, headers=headers)
            assert same_page.content == response.content  # byte-identical answers
            body = response.json()["data"]
            mixed.extend(body["results"])
            cursor = body["next"]
            if cursor is None:
                break
    ids = [r["id"] for r in mixed]
    assert len(ids) == len(set(ids))  # no page served twice, none skipped (count checked below)
    with read_tx(engine) as conn:
        stored = conn.execute(
            select(func.count()).where(
                SYNCED_TABLES["applications"].c.integration_id == integration_id,
                SYNCED_TABLES["applications"].c.remote_deleted_at.is_(None),
            )
        ).scalar_one()
    assert len(ids) == stored


@pytest.mark.serial  # the exact meter judges arrival times (`make pytest`)
def test_a_workers_sync_and_a_download_in_another_process_share_the_limit(pg: tuple[str, Engine]) -> None:
    """A `hirebridge worker` runs the sync and paces with the database's limiter (its sync engine's
    default): downloads in this process through a provider on the same database spend the same
    bucket, and the source's exact meter counts no violation."""
    url, engine = pg
    with lever(engine) as source:
        jobs = distributed_jobs(url, engine)
        try:
            queued = jobs.enqueue_sync(source.integration_id, SyncKind.FULL)
        finally:
            jobs.stop()

        def ended() -> bool:
            with read_tx(engine) as conn:
                run = sync_runs.get_run(conn, queued.run_id)
            return run is not None and run.ended_at is not None

        with workers(url, 1):
            download_until(source, DatabaseRateLimits(engine), ended)
        with read_tx(engine) as conn:
            run = sync_runs.get_run(conn, queued.run_id)
        assert run is not None and run.state == SyncState.SUCCEEDED, run
        assert_downloads_ran_during_the_sync(source)
        assert source.emulator.violations == 0
