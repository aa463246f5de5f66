"""The targeted refresh behind upstream webhooks: fetch the records a vendor's webhook named, and
nothing else (not a sync).

The webhook endpoint (api/upstream.py) only records which records changed (store/upstream.py, one
row per record however many events named it) and asks for a refresh. `refresh` then drains the
integration's waiting records a batch at a time: fetched through the connector (`registry.refetch`:
the integration's credentials, the rate limiter every process shares, the client's retries), and
written with the sync engine's write path (sync/writeback.py) in one transaction per batch, which
also forgets the batch's rows -- each only if no new event came for it during the fetch. A record
the source no longer has is marked deleted.

Who runs it:
- embedded mode: `UpstreamLane`, a thread of its own beside the sync worker (a long sync never
  delays a refresh), woken by the endpoint and polling every `HIREBRIDGE_UPSTREAM_RETRY_SECONDS`
  for what is left (an integration whose refresh failed waits that long before the next try);
- distributed mode: a procrastinate task per integration (`register`), deferred by the endpoint
  with a lock of its own (one refresh of an integration at a time, never queued behind its syncs)
  and a queueing lock (many webhooks, one waiting job); the scheduler's tick defers one for every
  integration with waiting records that has none (`defer_pending`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from hirebridge.config import Settings, get_settings
from hirebridge.connectors.registry import CredentialsInvalid, Ref, refetch
from hirebridge.store import tenancy
from hirebridge.store import upstream as store
from hirebridge.store.db import read_tx, write_tx
from hirebridge.store.rate_limits import DatabaseRateLimits
from hirebridge.sync.writeback import write_back
from hirebridge.timefmt import utc_now

if TYPE_CHECKING:
    import procrastinate
    from procrastinate.jobs import JobDeferrer

log = logging.getLogger(__name__)

REFRESH_TASK = "hirebridge.refresh_upstream"


@dataclass(frozen=True, slots=True)
class Refreshed:
    """What one batch did: records asked for, records written back, records marked deleted."""

    asked: int
    written: int
    deleted: int


def refresh_batch(engine: Engine, integration_id: str, settings: Settings | None = None) -> Refreshed | None:
    """Fetch and write back one batch of the integration's waiting records; None when none wait.
    Raises what the fetch raised (the records stay waiting)."""
    settings = settings or get_settings()
    with read_tx(engine) as conn:
        integration = tenancy.get_integration(conn, integration_id)
        waiting = store.pending(conn, integration_id, settings.upstream_refresh_batch)
    if integration is None or not waiting:
        return None
    if not integration.enabled:  # a disabled integration is not read from its source
        with write_tx(engine) as conn:
            store.done(conn, integration_id, waiting)
        return Refreshed(len(waiting), 0, 0)
    refs = [Ref(p.model, p.remote_id) for p in waiting]
    config = integration.connector_config()
    try:
        found = asyncio.run(refetch(integration.tool, integration_id, config, DatabaseRateLimits(engine), refs))
    except CredentialsInvalid:
        # As a sync does: the API reports the integration INVALID until new credentials are stored.
        with write_tx(engine) as conn:
            tenancy.set_credentials_invalid(conn, integration_id, utc_now())
        raise
    with write_tx(engine) as conn:
        write_back(conn, integration_id, found.records, utc_now(), found.deleted)
        store.done(conn, integration_id, waiting)
    log.info(
        "upstream refresh of %s: %d records",
        integration_id,
        len(waiting),
        extra={"integration_id": integration_id, "written": len(found.records), "deleted": len(found.deleted)},
    )
    return Refreshed(len(waiting), len(found.records), len(found.deleted))


def refresh(engine: Engine, integration_id: str, settings: Settings | None = None) -> int:
    """Drain the integration's waiting records, batch after batch; how many were asked for."""
    total = 0
    while (batch := refresh_batch(engine, integration_id, settings)) is not None:
        total += batch.asked
    return total


class UpstreamLane:
    """The embedded mode's refresh thread (see the module's description)."""

    def __init__(self, engine: Engine, settings: Settings | None = None) -> None:
        self.engine = engine
        self.settings = settings or get_settings()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._retry_at: dict[str, float] = {}  # integration -> when a failed refresh may be tried again
        self._thread = threading.Thread(target=self._loop, name="hirebridge-upstream", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def wake(self) -> None:
        """Refresh now (called by the webhook endpoint after it recorded records)."""
        self._wake.set()

    def run_pending(self) -> None:
        with read_tx(self.engine) as conn:
            waiting = store.pending_integrations(conn)
        now = time.monotonic()
        for integration_id in waiting:
            if self._stop.is_set():
                return
            if self._retry_at.get(integration_id, 0.0) > now:
                continue
            try:
                refresh(self.engine, integration_id, self.settings)
                self._retry_at.pop(integration_id, None)
            except Exception:
                log.exception("upstream refresh of %s failed; retried later", integration_id)
                self._retry_at[integration_id] = time.monotonic() + self.settings.upstream_retry_seconds

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.run_pending()
            except Exception:
                log.exception("upstream refresh poll failed")
            self._wake.wait(self.settings.upstream_retry_seconds)


# --- distributed mode (procrastinate, imported here only when it is used) ---------------------------


def register(app: procrastinate.App, state: Callable[[], tuple[Engine, Settings]]) -> None:
    """Add the refresh task to the procrastinate app; `state` gives the worker's engine and settings."""

    @app.task(name=REFRESH_TASK, pass_context=False)
    def refresh_upstream(integration_id: str) -> None:
        engine, settings = state()
        refresh(engine, integration_id, settings)


def _deferrer(app: procrastinate.App, integration_id: str) -> JobDeferrer:
    # Its own lock, not the integration's (that one orders its syncs): a refresh never waits for a sync.
    key = f"upstream:{integration_id}"
    return app.configure_task(REFRESH_TASK, lock=key, queueing_lock=key)


def defer(app: procrastinate.App, integration_id: str) -> None:
    """Defer a refresh of the integration (none if one is waiting already)."""
    from procrastinate import exceptions

    with contextlib.suppress(exceptions.AlreadyEnqueued):
        _deferrer(app, integration_id).defer(integration_id=integration_id)


async def defer_pending(app: procrastinate.App, engine: Engine) -> None:
    """Defer a refresh for every integration with waiting records (the tick's catch-up: records
    recorded by a process that could not reach procrastinate)."""
    from procrastinate import exceptions

    with read_tx(engine) as conn:
        waiting = store.pending_integrations(conn)
    for integration_id in waiting:
        with contextlib.suppress(exceptions.AlreadyEnqueued):
            await _deferrer(app, integration_id).defer_async(integration_id=integration_id)
