"""Webhook delivery in the processes that run it: a process killed (SIGKILL) while a POST hangs loses
nothing -- the delivery's lease runs out and a restarted process sends it; `hirebridge worker` runs
the lane beside its syncs; a receiver that hangs delays neither a sync nor the API."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from hirebridge.api.app import create_app
from hirebridge.store import webhooks
from hirebridge.store.db import make_engine, read_tx
from hirebridge.store.sync_runs import SyncState
from hirebridge.webhooks import verify
from tests.commands import NO_KEY, Running, environment, free_port, hb, start_demo
from tests.conftest import create_sandbox, make_tenant, serving
from tests.test_webhooks import FAST, delivery_states, subscribe
from tests.webhook_receiver import Receiver, receiving, wait_for

# A POST may hang far longer than the test waits; a killed process's claim runs out in 2 s.
LANE_ENV = {
    "HIREBRIDGE_WEBHOOK_ALLOW_PRIVATE_URLS": "true",
    "HIREBRIDGE_WEBHOOK_POLL_SECONDS": "0.1",
    "HIREBRIDGE_WEBHOOK_TIMEOUT_SECONDS": "120",
    "HIREBRIDGE_WEBHOOK_LEASE_SECONDS": "2",
}


def _killed_mid_delivery_then_restarted(
    engine: Engine, receiver: Receiver, start: list[str], env: dict[str, str]
) -> None:
    tenant = make_tenant(engine)
    # One event only: the process may also run the sandbox's first sync, whose events do not matter here.
    subscribe(engine, tenant, receiver.url, ["integration-created"])
    receiver.hang = True
    create_sandbox(engine, tenant, 5)
    first = Running(start, env)
    try:
        wait_for("the POST to hang", lambda: receiver.hanging == 1)
        first.proc.send_signal(signal.SIGKILL)
        first.stop(expect=-signal.SIGKILL)
    finally:
        if first.proc.poll() is None:
            first.stop(signal.SIGKILL, expect=None)
    with read_tx(engine) as conn:
        (delivery,) = webhooks.list_deliveries(conn)
    assert (delivery.state, delivery.attempts) == (webhooks.PENDING, 0)  # claimed, never recorded
    receiver.release()
    second = Running(start, env)
    try:
        wait_for("the delivery", lambda: delivery_states(engine) == {webhooks.SUCCEEDED: 1}, timeout=120)
    finally:
        second.stop(signal.SIGTERM, expect=None)
    # At least once: the killed process's POST reached the receiver, and the restarted one sent it again.
    event_ids = receiver.event_ids()
    assert len(event_ids) == 2 and len(set(event_ids)) == 1
    with read_tx(engine) as conn:
        (delivery,) = webhooks.list_deliveries(conn)
        (attempt,) = webhooks.attempts_of(conn, [delivery.id])[delivery.id]
    assert attempt.status_code == 200 and delivery.attempts == 1


def test_a_serve_process_killed_mid_delivery_loses_nothing(engine: Engine, database_url: str) -> None:
    with receiving() as receiver:
        start = ["serve", "--port", str(free_port())]
        _killed_mid_delivery_then_restarted(engine, receiver, start, environment(database_url, **LANE_ENV))


def test_a_worker_killed_mid_delivery_loses_nothing(postgres_url: str) -> None:
    """Distributed mode: `hirebridge worker` sends webhooks too (its lane, beside procrastinate)."""
    env = environment(postgres_url, HIREBRIDGE_WORKER_MODE="distributed", **LANE_ENV)
    subprocess.run(
        [sys.executable, "-m", "hirebridge.cli", "db", "upgrade"], env=env, check=True, capture_output=True, timeout=120
    )
    engine = make_engine(postgres_url)
    try:
        with receiving() as receiver:
            _killed_mid_delivery_then_restarted(engine, receiver, ["worker", "--concurrency", "1"], env)
    finally:
        engine.dispose()


@pytest.mark.serial
def test_a_hanging_receiver_delays_neither_a_sync_nor_the_api(engine: Engine) -> None:
    tenant = make_tenant(engine)
    settings = FAST.model_copy(update={"webhook_timeout_seconds": 120.0})
    with receiving() as receiver, serving(create_app(engine, run_worker=True, settings=settings), lifespan="on") as api:
        receiver.hang = True
        subscribe(engine, tenant, receiver.url)
        integration_id = create_sandbox(engine, tenant, 200)
        wait_for("the POST to hang", lambda: receiver.hanging == 1)
        headers = {"Authorization": f"Bearer {tenant.api_key}", "X-Integration-Id": integration_id}
        with httpx.Client(base_url=api.base_url, headers=headers, trust_env=False, timeout=30) as client:
            assert client.get("/check-api-key").status_code == 200
            queued = client.post("/force-sync", json={"type": "FULL"}).json()["data"]

            def synced() -> bool:
                details = client.get(f"/integrations/{integration_id}").json()["data"]
                return bool(details["last_sync"]) and details["last_sync"]["sync_state"] == SyncState.SUCCEEDED

            wait_for("the sync", synced, timeout=120)
            assert client.get("/ats/applications", params={"page_size": 1}).status_code == 200
        # Everything above happened while the first POST was still held by the receiver.
        assert receiver.hanging >= 1
        with read_tx(engine) as conn:
            states = {d.event_type: d.state for d in webhooks.list_deliveries(conn, limit=100)}
        assert states["integration-created"] == webhooks.PENDING
        assert queued["sync_id"]
        receiver.release()
        wait_for("every delivery", lambda: set(delivery_states(engine)) == {webhooks.SUCCEEDED}, timeout=60)


def test_the_demo_delivers_to_a_receiver_on_this_machine(database_url: str, tmp_path: Path) -> None:
    """A trial's receiver runs on localhost: the demo allows loopback deliveries (production does not)."""
    demo, _base = start_demo(database_url, tmp_path, "--applications", "20")
    try:
        with receiving() as receiver:
            created = hb(
                database_url,
                "webhooks",
                "create",
                "--url",
                receiver.url,
                "--events",
                "integration-created",
                "--json",
                cwd=tmp_path,
                key=NO_KEY,
                env={"HIREBRIDGE_WEBHOOK_ALLOW_PRIVATE_URLS": "true"},
            )
            secret = json.loads(created.stdout)["secret"]
            integration = hb(
                database_url,
                "integrations",
                "create",
                "--tool",
                "sandbox",
                "--applications",
                "5",
                "--no-sync",
                "--json",
                cwd=tmp_path,
                key=NO_KEY,
            )
            wait_for("the event", lambda: len(receiver.received) == 1)
            (event,) = receiver.of_type("integration-created")
            assert event["data"]["id"] == json.loads(integration.stdout)["id"]
            assert verify(secret, receiver.received[0].body, receiver.received[0].headers["X-Kombo-Signature"])
    finally:
        demo.stop()
