"""Queue a sync run, de-duplicated: one queued-or-running run per integration and kind."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from hirebridge import ids
from hirebridge.model import SyncKind
from hirebridge.store import sync_runs
from hirebridge.store.db import write_tx
from hirebridge.store.sync_runs import SyncState
from hirebridge.timefmt import utc_now


@dataclass(frozen=True, slots=True)
class Enqueued:
    run_id: str
    kind: SyncKind
    already_queued: bool


def enqueue_sync(engine: Engine, integration_id: str, kind: SyncKind) -> Enqueued:
    """Queue a `kind` sync of the integration, or return the one already queued or running."""
    for _attempt in range(3):
        try:
            with write_tx(engine) as conn:
                existing = sync_runs.active_run(conn, integration_id, kind)
                if existing is not None:
                    return Enqueued(existing.id, kind, already_queued=True)
                run_id = ids.random_id()
                sync_runs.create_run(conn, run_id, integration_id, kind, SyncState.QUEUED, utc_now())
                return Enqueued(run_id, kind, already_queued=False)
        except IntegrityError:
            continue  # a concurrent request queued one between our read and insert: read it
    raise RuntimeError(f"could not queue a {kind} sync of {integration_id}")
