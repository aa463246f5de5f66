"""The delivery lane's database work is batched (hirebridge.webhooks.delivery): deliveries are claimed
a lane's worth at a time, not one per freed slot; attempts that finish while a batch of results is
being written go together in the next transaction; and a lane told to stop gives back what it claimed
but did not send, so another sender need not wait out the lease. Both databases."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine

from hirebridge.config import Settings
from hirebridge.jobs.webhooks import WebhookLane
from hirebridge.store import changes, events, webhooks
from hirebridge.store.db import read_tx, write_tx
from hirebridge.timefmt import utc_now
from hirebridge.webhooks import deliver_due, deliver_due_async, new_client
from hirebridge.webhooks import delivery as delivery_module
from tests.conftest import create_sandbox, make_tenant
from tests.webhook_receiver import receiving, wait_for

SETTINGS = Settings(
    webhook_allow_private_urls=True,
    webhook_poll_seconds=0.05,
    webhook_timeout_seconds=5.0,
    webhook_lease_seconds=60.0,
    webhook_concurrency=8,
)
DATA = {"sync_id": "s" * 24, "sync_state": "SUCCEEDED", "integration_id": "sandbox:" + "i" * 24, "log_url": ""}


def subscribed_events(engine: Engine, url: str, count: int) -> None:
    tenant = make_tenant(engine)
    with write_tx(engine) as conn:
        webhooks.create_subscription(conn, tenant.environment.id, url, [events.SYNC_FINISHED], utc_now())
        for _ in range(count):
            events.emit(conn, tenant.environment.id, events.SYNC_FINISHED, DATA)


def states(engine: Engine) -> list[str]:
    with read_tx(engine) as conn:
        return sorted(d.state for d in webhooks.list_deliveries(conn, limit=1000))


def test_a_pass_claims_a_lanes_worth_at_a_time(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    claims: list[int] = []
    claim_due = webhooks.claim_due

    def counted(conn: Connection, now: datetime, limit: int, lease: timedelta) -> list[webhooks.Claimed]:
        found = claim_due(conn, now, limit, lease)
        claims.append(len(found))
        return found

    monkeypatch.setattr(webhooks, "claim_due", counted)
    with receiving() as receiver:
        subscribed_events(engine, receiver.url, 64)
        assert deliver_due(engine, SETTINGS) == 64
        assert len(receiver.received) == 64
    assert states(engine) == [webhooks.SUCCEEDED] * 64
    # Up to twice the concurrency is held claimed, and a new claim is made once half of the
    # concurrency is left waiting: 16 first, then at least 4 at a time until the last ones (before
    # batching: one claim per delivery). Claims that find nothing are the look, every poll interval
    # while the last POSTs are in flight, for deliveries that became due meanwhile.
    found = [n for n in claims if n]
    assert sum(found) == 64 and found[0] == 2 * SETTINGS.webhook_concurrency, claims
    assert all(n >= SETTINGS.webhook_concurrency // 2 for n in found[1:-1]), str(claims)
    assert len(found) <= 2 + (64 - 16) // 4, claims


def test_attempts_finishing_during_a_write_are_recorded_together(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    batches: list[int] = []
    first_write = threading.Event()
    go_on = threading.Event()
    record = delivery_module._record

    def held(engine: Engine, outcomes: list[Any], settings: Settings) -> None:
        batches.append(len(outcomes))
        if len(batches) == 1:  # the first write waits until every other attempt has finished
            first_write.set()
            assert go_on.wait(30)
        record(engine, outcomes, settings)

    monkeypatch.setattr(delivery_module, "_record", held)
    with receiving() as receiver:
        receiver.hang = True
        subscribed_events(engine, receiver.url, 6)
        passed = threading.Thread(target=deliver_due, args=(engine, SETTINGS))
        passed.start()
        wait_for("six POSTs held", lambda: receiver.hanging == 6)
        receiver.hang = False
        receiver.release()
        assert first_write.wait(30)
        wait_for("all answered", lambda: receiver.hanging == 0)
        go_on.set()
        passed.join(60)
        assert not passed.is_alive()
    assert sum(batches) == 6 and len(batches) < 6, batches
    assert states(engine) == [webhooks.SUCCEEDED] * 6


def test_a_stopping_lane_gives_back_what_it_claimed_but_did_not_send(engine: Engine) -> None:
    settings = SETTINGS.model_copy(update={"webhook_concurrency": 1})
    stop = threading.Event()

    async def one_pass() -> int:
        async with new_client(settings) as client:
            return await deliver_due_async(engine, settings, client, stop)

    with receiving() as receiver:
        receiver.hang = True
        subscribed_events(engine, receiver.url, 3)
        result: list[int] = []
        passed = threading.Thread(target=lambda: result.append(asyncio.run(one_pass())))
        passed.start()
        wait_for("the first POST", lambda: receiver.hanging == 1)
        stop.set()
        receiver.release()
        passed.join(30)
        assert not passed.is_alive() and result == [1]
        assert len(receiver.received) == 1
    # The other two were claimed ahead (lease 60 s) but are due again now, for any sender.
    with write_tx(engine) as conn:
        again = webhooks.claim_due(conn, utc_now(), 10, timedelta(seconds=60))
    assert len(again) == 2
    assert states(engine) == [webhooks.PENDING, webhooks.PENDING, webhooks.SUCCEEDED]


def test_a_lane_beside_a_stream_of_commits_sends_data_changed_once_a_poll_interval(engine: Engine) -> None:
    """The lane waits a poll interval after every pass, also after one that sent something: beside a
    sync committing page after page it coalesces the pages into one data-changed per interval instead
    of running pass after pass (an event, and three write transactions, each)."""
    settings = SETTINGS.model_copy(update={"webhook_poll_seconds": 0.25})
    tenant = make_tenant(engine)
    integration_id = create_sandbox(engine, tenant, applications=5)
    with receiving() as receiver:
        with write_tx(engine) as conn:
            webhooks.create_subscription(conn, tenant.environment.id, receiver.url, [events.DATA_CHANGED], utc_now())
        lane = WebhookLane(engine, settings)
        lane.start()
        began = time.monotonic()
        try:
            commits = 0
            while time.monotonic() - began < 1.5:  # a commit every 10 ms, like a sync's pages
                with write_tx(engine) as conn:
                    changes.note(conn, integration_id, "tags", changed=[f"tag-{commits}"])
                commits += 1
                time.sleep(0.01)
            wait_for("the last changes", lambda: len(receiver.of_type(events.DATA_CHANGED)) > 0)
        finally:
            lane.stop()
        elapsed = time.monotonic() - began
    sent = len(receiver.of_type(events.DATA_CHANGED))
    assert commits > 50
    assert 1 <= sent <= elapsed / settings.webhook_poll_seconds + 2, (sent, elapsed)
