"""Running work outside the request: one interface, whichever engine executes it.

Queued sync runs are rows of `sync_runs` in state QUEUED (at most one per integration and kind, enforced
by a unique index). In the embedded mode an in-process worker thread executes them
(`jobs.embedded.EmbeddedWorker`).
"""

from hirebridge.jobs.queue import Enqueued, enqueue_sync

__all__ = ["Enqueued", "enqueue_sync"]
