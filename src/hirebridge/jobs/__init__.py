"""Running work outside the request: one interface (`Jobs`), whichever engine executes it.

Queued sync runs are rows of `sync_runs` in state QUEUED (at most one per integration and kind,
enforced by a unique index). Who executes them depends on the mode:
- embedded (default; SQLite or PostgreSQL, one process): a worker thread in the API process
  (`jobs.embedded.EmbeddedWorker`), which also runs the scheduler;
- distributed (`HIREBRIDGE_WORKER_MODE=distributed`, PostgreSQL): `hirebridge worker` processes on
  procrastinate (`jobs.distributed`); API processes only defer jobs.
The sync engine does not know which one runs it. Outgoing webhooks are sent by a lane of their own
(`jobs.webhooks.WebhookLane`) beside the embedded worker and in every `hirebridge worker`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from hirebridge.config import Settings, get_settings
from hirebridge.jobs.queue import Enqueued, enqueue_sync
from hirebridge.model import SyncKind

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from hirebridge.jobs.distributed import Dispatcher
    from hirebridge.jobs.embedded import EmbeddedWorker
    from hirebridge.jobs.upstream import UpstreamLane
    from hirebridge.jobs.webhooks import WebhookLane


class Jobs:
    """Queue syncs and get them executed, in either mode."""

    def __init__(
        self,
        engine: Engine,
        *,
        worker: EmbeddedWorker | None = None,
        dispatcher: Dispatcher | None = None,
        upstream: UpstreamLane | None = None,
        webhook_lane: WebhookLane | None = None,
    ) -> None:
        self.engine = engine
        self.worker = worker
        self.dispatcher = dispatcher
        self.upstream = upstream  # embedded mode: the upstream webhooks' refresh lane (jobs/upstream.py)
        self.webhook_lane = webhook_lane  # outgoing webhooks' delivery lane (jobs/webhooks.py)

    @classmethod
    def for_process(cls, engine: Engine, *, run_worker: bool, settings: Settings | None = None) -> Jobs:
        """The jobs of an API or CLI process: in the distributed mode a dispatcher to procrastinate;
        in the embedded mode an in-process worker when `run_worker` (else queued runs wait for one)."""
        settings = settings or get_settings()
        if settings.worker_mode == "distributed":
            from hirebridge.jobs.distributed import Dispatcher  # procrastinate is only needed here

            return cls(engine, dispatcher=Dispatcher(engine.url.render_as_string(hide_password=False)))
        if run_worker:
            from hirebridge.jobs.embedded import EmbeddedWorker
            from hirebridge.jobs.upstream import UpstreamLane
            from hirebridge.jobs.webhooks import WebhookLane

            # Upstream refreshes and outgoing webhooks in lanes of their own, beside the worker (never
            # behind a sync).
            return cls(
                engine,
                worker=EmbeddedWorker(engine, settings=settings),
                upstream=UpstreamLane(engine, settings),
                webhook_lane=WebhookLane(engine, settings),
            )
        return cls(engine)

    def enqueue_sync(self, integration_id: str, kind: SyncKind) -> Enqueued:
        """Queue a sync (or return the one of this kind already queued or running) and get it executed."""
        queued = enqueue_sync(self.engine, integration_id, kind)
        if self.dispatcher is not None:
            self.dispatcher.dispatch(queued, integration_id)
        elif self.worker is not None:
            self.worker.wake()
        return queued

    def refresh_upstream(self, integration_id: str) -> None:
        """Get the records an upstream webhook recorded for the integration fetched (jobs/upstream.py).
        With neither a lane nor a dispatcher (a process without a worker), the next worker to poll does."""
        if self.dispatcher is not None:
            try:
                self.dispatcher.dispatch_refresh(integration_id)
            except Exception:
                # The records are recorded: the scheduler's tick defers a refresh for them.
                log.exception("could not defer the upstream refresh of %s; the next tick will", integration_id)
        elif self.upstream is not None:
            self.upstream.wake()

    def start(self) -> None:
        if self.worker is not None:
            self.worker.start()
        if self.upstream is not None:
            self.upstream.start()
        if self.webhook_lane is not None:
            self.webhook_lane.start()

    def stop(self) -> None:
        if self.upstream is not None:
            self.upstream.stop()
        # The webhook lane and the worker wind down side by side: a sync finishing its page does not
        # wait for a POST in flight, nor the other way round.
        if self.webhook_lane is not None:
            self.webhook_lane.signal_stop()
        if self.worker is not None:
            self.worker.stop()
        if self.webhook_lane is not None:
            self.webhook_lane.stop()
        if self.dispatcher is not None:
            self.dispatcher.close()


__all__ = ["Enqueued", "Jobs", "enqueue_sync"]
