"""The distributed mode: sync runs executed by `hirebridge worker` processes on procrastinate.

Why procrastinate (see docs/operations.md): it keeps its queue in the PostgreSQL HireBridge already
requires — no broker to run, and a job is deferred in the same database as the run it executes. It
brings what this mode needs and we should not write ourselves: workers on any number of machines
(`SELECT … FOR UPDATE SKIP LOCKED`), LISTEN/NOTIFY wake-ups, per-key `lock`s (jobs of one
integration run one after another, never side by side), periodic tasks de-duplicated across
workers, worker heartbeats to find jobs whose worker died, and graceful shutdown.

`sync_runs` stays the source of truth (what is queued, running, finished — the API reads it); a
procrastinate job is only "execute run R". So the pieces fit like this:
- `enqueue_sync` records a QUEUED run; `dispatch` defers a job for it (queueing lock = the run, so a
  second defer of the same run is a no-op);
- the periodic `tick` task (one worker at a time) queues due scheduled syncs, fails runs whose worker
  died and queues their retry, finishes the procrastinate jobs of dead workers (else their
  integration's lock would be held forever), and defers a job for any QUEUED run that has none (runs
  queued by a process that could not reach procrastinate);
- `run_sync` executes one run under the integration's lock; SIGTERM lets it finish its page and
  record itself CANCELLED, after which a retry is queued for another worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from dataclasses import dataclass

import procrastinate
from procrastinate import exceptions as procrastinate_errors
from procrastinate.jobs import JobDeferrer, Status
from sqlalchemy import Engine, make_url

from hirebridge.config import Settings, get_settings
from hirebridge.jobs import schedule, upstream
from hirebridge.jobs.queue import Enqueued, enqueue_sync
from hirebridge.jobs.webhooks import WebhookLane
from hirebridge.model import SyncKind
from hirebridge.store import sync_runs
from hirebridge.store.db import read_tx
from hirebridge.store.sync_runs import SyncState
from hirebridge.sync.engine import SyncAlreadyRunning, SyncEngine

log = logging.getLogger(__name__)

RUN_SYNC = "hirebridge.run_sync"
TICK = "hirebridge.tick"
# Worker heartbeats: a worker silent for STALLED_AFTER seconds is dead and its jobs are finished as failed.
HEARTBEAT_SECONDS = 5.0
STALLED_AFTER_SECONDS = 20.0


def conninfo(database_url: str) -> str:
    """The libpq form of a (SQLAlchemy-style) PostgreSQL URL."""
    url = make_url(database_url)
    if not url.drivername.startswith("postgres"):
        raise ValueError("the distributed mode needs PostgreSQL (HIREBRIDGE_DATABASE_URL=postgresql://...)")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass
class _WorkerState:
    engine: Engine
    settings: Settings
    stop: threading.Event


_state: _WorkerState | None = None  # set by run_worker in worker processes


def _worker() -> _WorkerState:
    if _state is None:
        raise RuntimeError("HireBridge tasks run only inside `hirebridge worker`")
    return _state


def _cron(seconds: int) -> str:
    """A procrastinate cron line firing every `seconds` (6th column = seconds)."""
    if seconds < 60:
        return f"* * * * * */{max(1, seconds)}"
    return f"*/{max(1, seconds // 60)} * * * *"


def make_app(database_url: str, settings: Settings | None = None) -> procrastinate.App:
    settings = settings or get_settings()
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo(database_url)))

    @app.task(name=RUN_SYNC, pass_context=False)
    def run_sync(run_id: str) -> None:
        state = _worker()
        with read_tx(state.engine) as conn:
            run = sync_runs.get_run(conn, run_id)
        if run is None or run.state != SyncState.QUEUED:
            return  # already executed (a duplicate job), or the integration was deleted
        try:
            result = SyncEngine(state.engine, state.settings).run(
                run.integration_id, SyncKind(run.kind), run_id=run_id, stop=state.stop
            )
        except SyncAlreadyRunning:
            # Only a foreground `hirebridge sync` can hold the lease outside procrastinate's lock: the
            # run stays QUEUED and the next tick defers it again.
            log.info("run %s waits: the integration is syncing elsewhere", run_id)
            return
        if result.state == SyncState.CANCELLED and state.stop.is_set():
            # Interrupted by our shutdown: queue it again so another worker finishes the job.
            enqueue_sync(state.engine, run.integration_id, SyncKind(run.kind))

    upstream.register(app, lambda: (_worker().engine, _worker().settings))

    @app.periodic(cron=_cron(settings.scheduler_tick_seconds), periodic_id="scheduler")
    @app.task(name=TICK, queueing_lock=TICK, pass_context=False)
    async def tick(timestamp: int) -> None:
        del timestamp
        state = _worker()
        await _finish_jobs_of_dead_workers(app)
        await asyncio.to_thread(schedule.tick, state.engine, state.settings)
        with read_tx(state.engine) as conn:
            queued = sync_runs.queued_runs(conn, limit=1000)
        for run in queued:
            await _defer_async(app, run.id, run.integration_id)
        await upstream.defer_pending(app, state.engine)

    return app


async def _finish_jobs_of_dead_workers(app: procrastinate.App) -> None:
    """A killed worker's jobs stay 'doing' forever (and keep their integration's lock): fail them.
    The sync runs they executed are failed and retried by `schedule.tick` once their lease expires."""
    for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER_SECONDS):
        log.warning("finishing job %s of a dead worker", job.id)
        await app.job_manager.finish_job(job, status=Status.FAILED, delete_job=False)


def _deferrer(app: procrastinate.App, run_id: str, integration_id: str) -> JobDeferrer:
    # lock: one integration's jobs run one at a time across all workers.
    # queueing_lock: at most one waiting job per run.
    return app.configure_task(RUN_SYNC, lock=integration_id, queueing_lock=f"run:{run_id}")


async def _defer_async(app: procrastinate.App, run_id: str, integration_id: str) -> None:
    with contextlib.suppress(procrastinate_errors.AlreadyEnqueued):
        await _deferrer(app, run_id, integration_id).defer_async(run_id=run_id)


class Dispatcher:
    """Defers jobs for queued runs from non-worker processes (the API, the CLI)."""

    def __init__(self, database_url: str) -> None:
        self.app = make_app(database_url)
        self._opened = False
        self._lock = threading.Lock()

    def dispatch(self, enqueued: Enqueued, integration_id: str) -> None:
        if enqueued.already_queued:
            return
        with self._lock:
            if not self._opened:
                self.app.open()
                self._opened = True
            with contextlib.suppress(procrastinate_errors.AlreadyEnqueued):
                _deferrer(self.app, enqueued.run_id, integration_id).defer(run_id=enqueued.run_id)

    def dispatch_refresh(self, integration_id: str) -> None:
        """Defer the targeted refresh of an integration's upstream webhooks (jobs/upstream.py)."""
        with self._lock:
            if not self._opened:
                self.app.open()
                self._opened = True
            upstream.defer(self.app, integration_id)

    def close(self) -> None:
        with self._lock:
            if self._opened:
                self.app.close()
                self._opened = False


def schema_present(database_url: str) -> bool:
    """Whether procrastinate's tables exist in the database."""
    app = make_app(database_url)
    with app.open():
        row = app.connector.get_sync_connector().execute_query_one(
            "SELECT to_regclass('procrastinate_jobs') IS NOT NULL AS present"
        )
    return bool(row["present"])


def apply_schema(database_url: str) -> bool:
    """Create procrastinate's tables unless they exist; True when it created them. (Run once, by
    `hirebridge db upgrade`; a procrastinate upgrade that changes them ships its migration in ours.)"""
    if schema_present(database_url):
        return False
    app = make_app(database_url)
    with app.open():
        app.schema_manager.apply_schema()
    return True


def run_worker(engine: Engine, database_url: str, concurrency: int, settings: Settings | None = None) -> None:
    """Run a worker until SIGTERM/SIGINT: then let each running sync finish its page, record the
    interrupted runs, and exit."""
    global _state
    settings = settings or get_settings()
    stop = threading.Event()
    _state = _WorkerState(engine, settings, stop)
    app = make_app(database_url, settings)
    # Outgoing webhooks go out from a lane of their own, not as procrastinate jobs: the deliveries
    # table is already a queue with leases, and a job slot taken by a sync must never hold one back.
    lane = WebhookLane(engine, settings)
    lane.start()

    async def main() -> None:
        async with app.open_async():
            worker = asyncio.create_task(
                app.run_worker_async(
                    concurrency=concurrency,
                    install_signal_handlers=False,
                    update_heartbeat_interval=HEARTBEAT_SECONDS,
                    stalled_worker_timeout=STALLED_AFTER_SECONDS,
                    delete_jobs="successful",
                )
            )
            loop = asyncio.get_running_loop()

            def shut_down() -> None:
                log.info("worker stopping: running syncs finish their page")
                stop.set()
                worker.cancel()  # procrastinate then waits for running jobs

            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, shut_down)
            with contextlib.suppress(asyncio.CancelledError):
                await worker

    try:
        asyncio.run(main())
    finally:
        lane.stop()
