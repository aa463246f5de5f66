"""The embedded mode's worker: a thread in the API process that executes queued sync runs and,
every `HIREBRIDGE_SCHEDULER_TICK_SECONDS`, runs the scheduler (`jobs.schedule.tick`)."""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import Engine

from hirebridge.config import Settings, get_settings
from hirebridge.jobs import schedule
from hirebridge.model import SyncKind
from hirebridge.store import sync_runs
from hirebridge.store.db import read_tx
from hirebridge.sync.engine import SyncAlreadyRunning, SyncEngine, SyncError

log = logging.getLogger(__name__)


class EmbeddedWorker:
    """Polls for queued runs and executes them one at a time (SQLite has one writer anyway)."""

    def __init__(self, engine: Engine, poll_seconds: float = 1.0, settings: Settings | None = None) -> None:
        self.engine = engine
        self.poll_seconds = poll_seconds
        self.settings = settings or get_settings()
        self._next_tick = 0.0
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="hirebridge-worker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Ask a running sync to end after its current page (recorded CANCELLED), then join."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def wake(self) -> None:
        """Look for queued runs now instead of at the next poll (called after a force-sync)."""
        self._wake.set()

    def run_pending(self) -> int:
        """Execute every queued run that can start now; returns how many ran."""
        with read_tx(self.engine) as conn:
            queued = sync_runs.queued_runs(conn)
        done = 0
        for run in queued:
            if self._stop.is_set():
                break
            try:
                SyncEngine(self.engine, self.settings).run(
                    run.integration_id, SyncKind(run.kind), run_id=run.id, stop=self._stop
                )
                done += 1
            except SyncAlreadyRunning:
                continue  # another run holds the integration: this one waits for the next poll
            except SyncError as exc:
                log.warning("queued sync %s could not start: %s", run.id, exc)
        return done

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                if time.monotonic() >= self._next_tick:
                    self._next_tick = time.monotonic() + self.settings.scheduler_tick_seconds
                    schedule.tick(self.engine, self.settings)
                ran = self.run_pending()
            except Exception:
                log.exception("worker poll failed")
                ran = 0
            if not ran:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()
