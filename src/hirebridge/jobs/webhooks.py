"""The webhook delivery lane: a thread of its own that sends due outgoing webhooks
(`hirebridge.webhooks.deliver_due_async`) every `HIREBRIDGE_WEBHOOK_POLL_SECONDS`.

It runs beside the sync worker, never behind it: a long sync does not delay a delivery, and a slow
receiver does not delay a sync. The embedded worker's process (`serve`, `demo`) and every
`hirebridge worker` process run one. Several lanes (API replicas, workers) share the work safely:
deliveries are claimed with a lease (store.webhooks.claim_due), so each is sent by one lane at a time
and one claimed by a process that died is sent again once its lease ran out.
"""

from __future__ import annotations

import asyncio
import logging
import threading

from sqlalchemy import Engine

from hirebridge.config import Settings, get_settings
from hirebridge.webhooks import deliver_due_async, new_client

log = logging.getLogger(__name__)


class WebhookLane:
    def __init__(self, engine: Engine, settings: Settings | None = None) -> None:
        self.engine = engine
        self.settings = settings or get_settings()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hirebridge-webhooks", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def signal_stop(self) -> None:
        """Claim nothing more (returns at once; `stop` waits for the end)."""
        self._stop.set()

    def stop(self, timeout: float | None = None) -> None:
        """Claim nothing more; wait for the POSTs in flight (at most the attempt timeout) to be recorded."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(self.settings.webhook_timeout_seconds + 5 if timeout is None else timeout)

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        async with new_client(self.settings) as client:
            while not self._stop.is_set():
                try:
                    await deliver_due_async(self.engine, self.settings, client, self._stop)
                except Exception:
                    log.exception("webhook delivery pass failed")
                # A pass ends only once nothing more was due, so the next one waits a poll interval
                # whether this one sent something or not. Starting it at once made a lane beside a
                # running sync loop back to back -- a data-changed event per pass, and three write
                # transactions each, taking SQLite's write lock between the sync's pages.
                await asyncio.to_thread(self._stop.wait, self.settings.webhook_poll_seconds)
