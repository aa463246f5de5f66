"""What should run now: due scheduled syncs, and runs whose worker died.

Both execution modes call `tick` periodically — the embedded worker thread from its poll loop,
distributed workers from a procrastinate periodic task (so exactly one worker ticks at a time) —
and neither keeps any state of its own: the database says what ran when.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine

from hirebridge.config import Settings, get_settings
from hirebridge.connectors.registry import TOOLS
from hirebridge.jobs.queue import Enqueued, enqueue_sync
from hirebridge.model import SyncKind
from hirebridge.store import changes, events, request_log, schedules, webhooks
from hirebridge.store import sync_runs as store_runs
from hirebridge.store.db import read_tx, write_tx
from hirebridge.timefmt import utc_now

log = logging.getLogger(__name__)

# Webhook deliveries (and events) pruned per transaction: a backlog (a first tick after an upgrade, a
# lowered retention) is worked off in short transactions, not one that holds the write lock for long.
PRUNE_BATCH = 5_000


@dataclass(frozen=True, slots=True)
class Due:
    integration_id: str
    kind: SyncKind


def due_syncs(engine: Engine, now: datetime, settings: Settings) -> list[Due]:
    """Syncs whose interval has passed since the last run of that kind was queued.

    Skipped: disabled integrations, integrations whose credentials the source rejected (they wait
    for new credentials), and integrations with a run of that kind already queued or running.
    A DELTA is due only after the first successful sync, and counts a newer FULL as fresh data.
    """
    with read_tx(engine) as conn:
        candidates = schedules.schedulable_integrations(conn)
        latest = schedules.last_queued(conn)
    due: list[Due] = []
    for row in candidates:
        last_full = latest.get((row.id, SyncKind.FULL))
        full_every = timedelta(minutes=row.full_sync_interval_minutes or settings.full_sync_interval_minutes)
        if last_full is None or now - last_full >= full_every:
            due.append(Due(row.id, SyncKind.FULL))
            continue  # a FULL covers what a DELTA would fetch
        tool = TOOLS.get(row.tool)
        if tool is None or not tool.supports_delta or row.first_sync_succeeded_at is None:
            continue
        last_delta = max(filter(None, (latest.get((row.id, SyncKind.DELTA)), last_full)))
        delta_every = timedelta(minutes=row.delta_sync_interval_minutes or settings.delta_sync_interval_minutes)
        if now - last_delta >= delta_every:
            due.append(Due(row.id, SyncKind.DELTA))
    return due


def fail_abandoned_runs(engine: Engine, now: datetime) -> list[tuple[str, str, str]]:
    """Mark RUNNING runs whose worker died as FAILED (WORKER_LOST, see `store.sync_runs.fail_abandoned_runs`);
    returns (run id, integration id, kind) of each."""
    with write_tx(engine) as conn:
        dead = store_runs.fail_abandoned_runs(conn, now)
    return [(r.id, r.integration_id, r.kind) for r in dead]


def tick(engine: Engine, settings: Settings | None = None) -> list[Enqueued]:
    """One scheduler pass: fail dead runs (and queue their retry), queue due syncs. Returns what it queued."""
    settings = settings or get_settings()
    now = utc_now()
    queued: list[Enqueued] = []
    for run_id, integration_id, kind in fail_abandoned_runs(engine, now):
        log.warning("sync run %s lost its worker; queued a retry", run_id, extra={"integration_id": integration_id})
        queued.append(enqueue_sync(engine, integration_id, SyncKind(kind)))
    for due in due_syncs(engine, now, settings):
        queued.append(enqueue_sync(engine, due.integration_id, due.kind))
    prune_changes(engine, now, settings)
    prune_webhooks(engine, now, settings)
    with write_tx(engine) as conn:
        request_log.prune(conn, now - timedelta(days=settings.request_log_days))
    return queued


def prune_webhooks(engine: Engine, now: datetime, settings: Settings) -> tuple[int, int]:
    """Drop webhook deliveries that ended more than the retention period ago, their attempts, and the
    events left without deliveries; returns (deliveries, events) dropped."""
    before = now - timedelta(days=settings.webhook_retention_days)
    deliveries = events_pruned = 0
    while True:
        with write_tx(engine) as conn:
            batch = webhooks.prune(conn, before, PRUNE_BATCH)
        deliveries, events_pruned = deliveries + batch[0], events_pruned + batch[1]
        if max(batch) < PRUNE_BATCH:
            break
    if deliveries or events_pruned:
        log.info("pruned %d webhook deliveries and %d events from before %s", deliveries, events_pruned, before)
    return deliveries, events_pruned


def prune_changes(engine: Engine, now: datetime, settings: Settings) -> int:
    """Drop change-outbox rows older than the retention period that data-changed has announced."""
    with write_tx(engine) as conn:
        before = now - timedelta(days=settings.change_retention_days)
        pruned = changes.prune(conn, before, events.announced_through(conn))
    if pruned:
        log.info("pruned %d change-outbox rows committed before %s", pruned, before)
    return pruned
