"""`hirebridge webhooks …`: subscriptions, the secret shown once, deliveries, replay and enable, run as
an operator would (subprocesses on a real database), with deliveries to a receiver on 127.0.0.1."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hirebridge.store import tenancy, webhooks
from hirebridge.store.db import make_engine, read_tx
from hirebridge.webhooks import deliver_due
from tests.commands import hb
from tests.test_webhooks import FAST, documented_verifier
from tests.webhook_receiver import receiving

ALLOW = {"HIREBRIDGE_WEBHOOK_ALLOW_PRIVATE_URLS": "true"}


# A command line's own tests: the storage it drives is tested on both databases in-process; each command
# here is a subprocess (~1.5 s of imports), so these run on SQLite alone (CI time).
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def hbj(database_url: str, *args: str) -> Any:
    return json.loads(hb(database_url, *args, "--json", env=ALLOW).stdout)


def test_create_list_rotate_delete(database_url: str) -> None:
    refused = hb(database_url, "webhooks", "create", "--url", "http://127.0.0.1:9/x", check=False)
    assert refused.returncode == 2
    assert "refused: 127.0.0.1 resolves to a private, loopback or reserved address" in refused.stderr
    unknown = hb(
        database_url, "webhooks", "create", "--url", "http://127.0.0.1:9/x", "--events", "data-chnaged",
        check=False, env=ALLOW,
    )  # fmt: skip
    assert unknown.returncode == 2 and "unknown event type(s) data-chnaged" in unknown.stderr

    first = hbj(database_url, "webhooks", "create", "--environment", "prod", "--url", "http://127.0.0.1:9/a",
                "--events", "sync-finished,data-changed")  # fmt: skip
    assert first["event_types"] == ["data-changed", "sync-finished"] and first["enabled"] is True
    assert isinstance(first["secret"], str) and len(first["secret"]) >= 40
    second = hb(database_url, "webhooks", "create", "--environment", "prod", "--url", "http://127.0.0.1:9/b", env=ALLOW)
    assert second.stdout.startswith("subscription ") and "secret" not in second.stdout  # shown once only
    other = hbj(database_url, "webhooks", "create", "--url", "https://hooks.example.com/k")
    assert other["environment"] == "default" and other["secret"] != first["secret"]  # one per environment

    listed = hbj(database_url, "webhooks", "list")
    assert [(s["id"], s["environment"], s["url"]) for s in listed] == [
        (first["id"], "prod", "http://127.0.0.1:9/a"),
        (second.stdout.split()[1].rstrip(":"), "prod", "http://127.0.0.1:9/b"),
        (other["id"], "default", "https://hooks.example.com/k"),
    ]
    table = hb(database_url, "webhooks", "list").stdout.splitlines()
    assert table[0].split() == ["SUBSCRIPTION", "ENVIRONMENT", "STATE", "URL", "EVENTS"]
    assert table[1].split() == [first["id"], "prod", "enabled", "http://127.0.0.1:9/a", "data-changed,sync-finished"]
    assert table[2].split()[-1] == "all"

    rotated = hb(database_url, "webhooks", "rotate-secret", "--environment", "prod").stdout.strip()
    new_secret = rotated.rsplit(" ", 1)[1]
    assert new_secret != first["secret"]
    engine = make_engine(database_url)
    with read_tx(engine) as conn:
        prod = tenancy.find_environment(conn, "prod")
        assert prod is not None and webhooks.webhook_secret(conn, prod.id) == new_secret
    engine.dispose()
    missing = hb(database_url, "webhooks", "rotate-secret", "--environment", "nope", check=False)
    assert missing.returncode == 2 and "environment nope not found" in missing.stderr

    assert hb(database_url, "webhooks", "delete", first["id"]).stdout.strip() == f"deleted subscription {first['id']}"
    assert [s["id"] for s in hbj(database_url, "webhooks", "list")] == [listed[1]["id"], other["id"]]
    again = hb(database_url, "webhooks", "delete", first["id"], check=False)
    assert again.returncode == 2 and "not found" in again.stderr


def test_deliveries_failed_replay_and_enable(database_url: str) -> None:
    engine = make_engine(database_url)
    giving_up = FAST.model_copy(
        update={
            "webhook_retry_period_seconds": 0.0,
            "webhook_disable_after_failures": 1,
            "webhook_disable_after_seconds": 0,
        }
    )
    with receiving() as receiver:
        created = hbj(database_url, "webhooks", "create", "--url", receiver.url, "--events", "integration-created")
        hb(database_url, "integrations", "create", "--tool", "sandbox", "--applications", "5", "--no-sync")
        assert deliver_due(engine, FAST) == 1
        receiver.status = 500
        hb(database_url, "integrations", "create", "--tool", "sandbox", "--applications", "6", "--no-sync")
        assert deliver_due(engine, giving_up) == 1  # failed for good, and the subscription disabled

        everything = hbj(database_url, "webhooks", "deliveries")
        assert [(d["event_type"], d["state"]) for d in everything] == [
            ("integration-created", "FAILED"),
            ("integration-created", "SUCCEEDED"),
        ]
        failed, succeeded = everything
        assert [a["status_code"] for a in succeeded["attempts"]] == [200]
        assert succeeded["attempts"][0]["response_excerpt"] == '{"ok": true}'
        assert [a["status_code"] for a in failed["attempts"]] == [500]
        assert [d["id"] for d in hbj(database_url, "webhooks", "deliveries", "--failed")] == [failed["id"]]
        assert [d["id"] for d in hbj(database_url, "webhooks", "deliveries", "--limit", "1")] == [failed["id"]]
        table = hb(database_url, "webhooks", "deliveries", "--failed").stdout.splitlines()
        assert table[0].split()[:5] == ["DELIVERY", "EVENT", "SUBSCRIPTION", "STATE", "ATTEMPTS"]
        assert table[1].split()[:5] == [failed["id"], "integration-created", created["id"], "FAILED", "1"]
        assert table[1].endswith("HTTP 500")

        listed = hbj(database_url, "webhooks", "list")
        assert listed[0]["enabled"] is False and "1 delivery attempts in a row failed" in listed[0]["disabled_reason"]
        with read_tx(engine) as conn:
            assert [(i.subject, i.status) for i in webhooks.list_issues(conn)] == [(created["id"], "OPEN")]

        receiver.status = 200
        enabled = hb(database_url, "webhooks", "enable", created["id"]).stdout.strip()
        assert enabled == f"enabled subscription {created['id']}"
        with read_tx(engine) as conn:
            assert [(i.subject, i.status) for i in webhooks.list_issues(conn)] == [(created["id"], "RESOLVED")]
        replayed = hb(database_url, "webhooks", "replay", failed["id"]).stdout.strip()
        assert replayed.startswith("delivery ") and replayed.endswith(f"queued (replay of {failed['id']})")
        assert deliver_due(engine, FAST) == 1
        assert receiver.event_ids()[-1] == failed["event_id"]
        verify = documented_verifier()
        assert all(verify(created["secret"], r.body, r.headers["X-Kombo-Signature"]) for r in receiver.received)
        unknown = hb(database_url, "webhooks", "replay", "nope", check=False)
        assert unknown.returncode == 2 and "delivery nope not found" in unknown.stderr
    engine.dispose()
