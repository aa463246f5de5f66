"""Outgoing webhooks end to end: each Kombo event type fired by its real trigger, delivered over real
HTTP to a receiver on 127.0.0.1, validated with the official SDK's payload model and verified with
the signature snippet docs/webhooks.md gives; retries, giving up, replay, a receiver that is down,
and subscriptions disabled for failing (with an issue). Both databases."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import kombo.models as km
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import Engine

from hirebridge.config import Settings
from hirebridge.model import SyncKind
from hirebridge.store import events, tenancy, webhooks
from hirebridge.store.db import read_tx, write_tx
from hirebridge.store.sync_runs import SyncState
from hirebridge.sync.engine import SyncEngine
from hirebridge.timefmt import utc_now
from hirebridge.webhooks import deliver_due, retry_delay
from tests.conftest import Tenant, create_sandbox, make_tenant
from tests.emulators.lever import LeverEmulator
from tests.webhook_receiver import Receiver, receiving, wait_for

DOCS = Path(__file__).resolve().parents[1] / "docs" / "webhooks.md"

# Short delays: retries within a test's time. Loopback receivers are allowed explicitly.
FAST = Settings(
    webhook_allow_private_urls=True,
    webhook_poll_seconds=0.05,
    webhook_timeout_seconds=2.0,
    webhook_lease_seconds=5.0,
    webhook_retry_base_seconds=0.05,
    webhook_retry_max_delay_seconds=0.2,
    webhook_retry_period_seconds=60.0,
)

# Retries not due within the test: to look at a delivery after exactly one attempt.
SLOW_RETRY = FAST.model_copy(update={"webhook_retry_base_seconds": 30.0, "webhook_retry_max_delay_seconds": 600.0})

PAYLOADS: dict[str, type[Any]] = {
    events.DATA_CHANGED: km.DataChangedWebhookPayload,
    events.SYNC_FINISHED: km.SyncFinishedWebhookPayload,
    events.INTEGRATION_CREATED: km.IntegrationCreatedWebhookPayload,
    events.INTEGRATION_DELETED: km.IntegrationDeletedWebhookPayload,
    events.INTEGRATION_STATE_CHANGED: km.IntegrationStateChangedWebhookPayload,
    events.ISSUE_STATUS_CHANGED: km.IssueStatusChangedWebhookPayload,
}


def documented_verifier() -> Callable[[str, bytes, str], bool]:
    """The verification snippet of docs/webhooks.md, run as a receiver would copy it."""
    text = DOCS.read_text()
    section = text.split("## Verifying the signature", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    namespace: dict[str, Any] = {}
    exec(code.group(1), namespace)
    verifier: Callable[[str, bytes, str], bool] = namespace["verify_kombo_signature"]
    return verifier


def subscribe(engine: Engine, tenant: Tenant, url: str, types: list[str] | None = None) -> tuple[str, str | None]:
    with write_tx(engine) as conn:
        sub, secret = webhooks.create_subscription(conn, tenant.environment.id, url, types, utc_now())
    return sub.id, secret


def pump(engine: Engine, settings: Settings = FAST) -> Callable[[], object]:
    """One delivery pass, as the lane runs it."""
    return lambda: deliver_due(engine, settings)


def assert_valid_and_signed(receiver: Receiver, secret: str) -> None:
    verify = documented_verifier()
    for request in receiver.received:
        assert request.headers["Content-Type"] == "application/json"
        assert request.headers["User-Agent"].startswith("HireBridge-Webhooks/")
        assert verify(secret, request.body, request.headers["X-Kombo-Signature"]), request.body
        assert not verify(secret + "x", request.body, request.headers["X-Kombo-Signature"])
        payload = request.json
        PAYLOADS[payload["type"]].model_validate(payload)


def delivery_states(engine: Engine) -> dict[str, int]:
    with read_tx(engine) as conn:
        found = webhooks.list_deliveries(conn, limit=10_000)
    states: dict[str, int] = {}
    for delivery in found:
        states[delivery.state] = states.get(delivery.state, 0) + 1
    return states


def test_every_event_type_is_sent_by_its_real_trigger_signed_and_valid(engine: Engine) -> None:
    tenant = make_tenant(engine)
    with receiving() as receiver:
        _, secret = subscribe(engine, tenant, receiver.url)
        assert secret is not None
        sandbox = create_sandbox(engine, tenant, applications=30)
        assert SyncEngine(engine, FAST).run(sandbox, SyncKind.FULL).state == SyncState.SUCCEEDED
        with LeverEmulator(opportunities=2).running() as base_url:
            config = {"api_key": "not-the-emulators-key-01", "base_url": base_url, "retry_attempts": 1}
            with write_tx(engine) as conn:
                lever = tenancy.create_integration(conn, tenant.environment, "lever", config).id
            assert SyncEngine(engine, FAST).run(lever).state == SyncState.FAILED
        with write_tx(engine) as conn:
            tenancy.set_enabled(conn, sandbox, False)
        with write_tx(engine) as conn:
            tenancy.delete_integration(conn, lever)

        wait_for("the deletion", lambda: bool(receiver.of_type(events.INTEGRATION_DELETED)), step=pump(engine))
        assert_valid_and_signed(receiver, secret)

        created = receiver.of_type(events.INTEGRATION_CREATED)
        # Sent concurrently: the order of arrival is not the order of the events (as with Kombo).
        assert sorted((e["data"]["id"], e["data"]["tool"], e["data"]["category"]) for e in created) == sorted(
            [(sandbox, "sandbox", "ATS"), (lever, "lever", "ATS")]
        )
        finished = {e["data"]["integration_id"]: e["data"] for e in receiver.of_type(events.SYNC_FINISHED)}
        assert finished[sandbox]["sync_state"] == "SUCCEEDED"
        assert finished[lever]["sync_state"] == "AUTHENTICATION_FAILED"
        assert finished[lever]["integration_tool"] == "lever"
        states = sorted(
            (e["data"]["integration_id"], e["data"]["state"], e["data"]["setup_status"])
            for e in receiver.of_type(events.INTEGRATION_STATE_CHANGED)
        )
        assert states == sorted(
            [
                (sandbox, "ACTIVE", "COMPLETED"),  # its first sync succeeded
                (lever, "INVALID", "FINAL_SYNC_PENDING"),  # the source rejected its credentials
                (sandbox, "INACTIVE", "COMPLETED"),  # disabled
            ]
        )
        deleted = receiver.of_type(events.INTEGRATION_DELETED)
        assert [(e["data"]["id"], e["data"]["tool"]) for e in deleted] == [(lever, "lever")]
        # One data-changed for the sandbox's whole sync (many pages), naming every model it wrote and
        # the connections between them; none for the lever integration, which wrote nothing.
        changed = receiver.of_type(events.DATA_CHANGED)
        assert len(changed) == 1 and changed[0]["data"]["integration_id"] == sandbox
        assert [m["name"] for m in changed[0]["data"]["changed_models"]] == SANDBOX_FULL_SYNC_MODELS
        # Every event once, each its own id.
        assert len(set(receiver.event_ids())) == len(receiver.received) == 9
    assert delivery_states(engine) == {webhooks.SUCCEEDED: 9}


# A first FULL sync of the sandbox writes every model and every connection, in the order it syncs them.
SANDBOX_FULL_SYNC_MODELS = [
    "ats_roles",
    "ats_tags",
    "ats_users",
    "ats_join_users_roles",
    "ats_rejection_reasons",
    "ats_jobs",
    "ats_join_jobs_users",
    "ats_join_user_job_role_assignments",
    "ats_application_stages",
    "ats_join_jobs_application_stages",
    "ats_job_postings",
    "ats_screening_questions",
    "ats_join_jobs_screening_questions",
    "ats_candidates",
    "ats_join_candidates_tags",
    "ats_applications",
    "ats_interviews",
    "ats_join_interviews_users",
    "ats_offers",
    "ats_notes",
    "ats_scorecards",
    "ats_attachments",
]


def test_data_changed_is_coalesced_per_integration_per_pass(engine: Engine) -> None:
    """Changes committed between two passes make one event per integration, whatever the number of
    transactions; a pass with nothing new sends nothing."""
    tenant = make_tenant(engine)
    with receiving() as receiver:
        subscribe(engine, tenant, receiver.url, [events.DATA_CHANGED])
        first, second = create_sandbox(engine, tenant, 20), create_sandbox(engine, tenant, 20)
        for integration_id in (first, second):
            SyncEngine(engine, FAST).run(integration_id, SyncKind.FULL)
        SyncEngine(engine, FAST).run(first, SyncKind.FULL)  # nothing changed at the source: no change noted
        assert deliver_due(engine, FAST) == 2
        changed = sorted(e["data"]["integration_id"] for e in receiver.of_type(events.DATA_CHANGED))
        assert changed == sorted([first, second])
        assert deliver_due(engine, FAST) == 0
        # The sandbox moves on: only the first integration changed since the last event.
        with write_tx(engine) as conn:
            integration = tenancy.get_integration(conn, first)
            assert integration is not None
            tenancy.update_integration_config(conn, first, {**integration.config, "step": 1})
        SyncEngine(engine, FAST).run(first, SyncKind.FULL)
        assert deliver_due(engine, FAST) == 1
        last = receiver.of_type(events.DATA_CHANGED)[-1]["data"]
        assert last["integration_id"] == first
        # Only what the step changed: its applications and what moved with them, not the sandbox's fixed
        # tags, roles and rejection reasons; each name once.
        names = [m["name"] for m in last["changed_models"]]
        assert "ats_applications" in names and len(set(names)) == len(names)
        assert set(names) < set(SANDBOX_FULL_SYNC_MODELS)
        assert not {"ats_tags", "ats_roles", "ats_rejection_reasons"} & set(names)


def test_a_failed_attempt_is_logged_and_retried_after_the_first_step_of_the_backoff(engine: Engine) -> None:
    tenant = make_tenant(engine)
    slow = SLOW_RETRY
    with receiving() as receiver:
        subscribe(engine, tenant, receiver.url)
        receiver.status = 500
        create_sandbox(engine, tenant, 5)
        assert deliver_due(engine, slow) == 1
        assert deliver_due(engine, slow) == 0  # not due yet
        with read_tx(engine) as conn:
            (delivery,) = webhooks.list_deliveries(conn)
            (first,) = webhooks.attempts_of(conn, [delivery.id])[delivery.id]
    # Retried after a random delay in [0, base]: the first step of the backoff.
    assert delivery.state == webhooks.PENDING and delivery.attempts == 1 and delivery.next_attempt_at is not None
    assert first.attempted_at <= delivery.next_attempt_at <= first.attempted_at + timedelta(seconds=30.1)
    assert first.status_code == 500 and first.error is None and first.latency_ms >= 0
    assert first.response_excerpt == ("receiver says no " * 200)[: webhooks.EXCERPT_CHARS]  # cut at 1 KiB


def test_a_500_and_a_timeout_are_retried_until_delivered(engine: Engine) -> None:
    tenant = make_tenant(engine)
    settings = FAST.model_copy(update={"webhook_timeout_seconds": 0.5})
    with receiving() as receiver:
        subscribe(engine, tenant, receiver.url)
        receiver.hang_seconds = 5.0  # longer than the attempt's timeout
        receiver.script = [500, 500, "hang"]  # then 200
        counted_before = {status: metric(status) for status in ("500", "error", "200")}
        delivered_before = REGISTRY.get_sample_value("hirebridge_webhook_deliveries_total", {"state": "SUCCEEDED"})
        create_sandbox(engine, tenant, 5)
        wait_for(
            "the delivery", lambda: delivery_states(engine) == {webhooks.SUCCEEDED: 1}, step=pump(engine, settings)
        )
        with read_tx(engine) as conn:
            (delivery,) = webhooks.list_deliveries(conn)
            tried = webhooks.attempts_of(conn, [delivery.id])[delivery.id]
        assert [(a.status_code, a.error) for a in tried] == [
            (500, None),
            (500, None),
            (None, "timed out after 0.5 s"),
            (200, None),
        ]
        assert delivery.attempts == 4 == len(receiver.received)
        # Counted for /metrics too (this process's counters).
        assert {status: metric(status) - before for status, before in counted_before.items()} == {
            "500": 2,
            "error": 1,
            "200": 1,
        }
        delivered = REGISTRY.get_sample_value("hirebridge_webhook_deliveries_total", {"state": "SUCCEEDED"})
        assert (delivered or 0) - (delivered_before or 0) == 1
        assert len(set(receiver.event_ids())) == 1  # the same event each time


def metric(status: str) -> float:
    labels = {"event_type": events.INTEGRATION_CREATED, "status": status}
    return REGISTRY.get_sample_value("hirebridge_webhook_attempts_total", labels) or 0.0


def test_retry_delays_grow_exponentially_with_full_jitter_up_to_the_cap() -> None:
    import random

    settings = Settings(webhook_retry_base_seconds=10, webhook_retry_max_delay_seconds=300)
    rng = random.Random(7)
    for attempt, ceiling in [(1, 10), (2, 20), (3, 40), (4, 80), (5, 160), (6, 300), (12, 300)]:
        delays = [retry_delay(attempt, settings, rng) for _ in range(200)]
        assert min(delays) >= 0 and max(delays) <= ceiling
        assert max(delays) > ceiling * 0.9 and min(delays) < ceiling * 0.1  # spread over the whole window


def test_a_delivery_gives_up_after_the_retry_period_and_can_be_replayed(engine: Engine) -> None:
    tenant = make_tenant(engine)
    settings = FAST.model_copy(update={"webhook_retry_period_seconds": 0.0})
    with receiving() as receiver:
        subscribe(engine, tenant, receiver.url)
        receiver.status = 503
        create_sandbox(engine, tenant, 5)
        assert deliver_due(engine, settings) == 1
        assert delivery_states(engine) == {webhooks.FAILED: 1}
        assert deliver_due(engine, settings) == 0  # given up: not tried again
        with read_tx(engine) as conn:
            (failed,) = webhooks.list_deliveries(conn, failed=True)
        receiver.status = 200
        with write_tx(engine) as conn:
            replayed = webhooks.replay(conn, failed.id, utc_now())
        assert replayed is not None and replayed != failed.id
        assert deliver_due(engine, settings) == 1
        assert delivery_states(engine) == {webhooks.FAILED: 1, webhooks.SUCCEEDED: 1}
        assert receiver.event_ids() == [failed.event_id, failed.event_id]  # the same event again
        with read_tx(engine) as conn:
            assert webhooks.list_deliveries(conn, failed=True) == [failed]


def test_a_receiver_down_for_a_while_gets_every_event_once_it_is_back(engine: Engine) -> None:
    tenant = make_tenant(engine)
    with receiving() as receiver:
        subscribe(engine, tenant, receiver.url, [events.INTEGRATION_CREATED])
        receiver.stop()
        created = [create_sandbox(engine, tenant, 5) for _ in range(5)]
        for _ in range(3):
            deliver_due(engine, FAST)
        with read_tx(engine) as conn:
            found = webhooks.list_deliveries(conn)
            attempts = webhooks.attempts_of(conn, [d.id for d in found])
        assert {d.state for d in found} == {webhooks.PENDING}
        assert all(a.error and a.error.startswith("ConnectError") for tried in attempts.values() for a in tried)
        receiver.start()
        wait_for("every event", lambda: delivery_states(engine) == {webhooks.SUCCEEDED: 5}, step=pump(engine))
        assert sorted(e["data"]["id"] for e in receiver.of_type(events.INTEGRATION_CREATED)) == sorted(created)


def test_a_subscription_that_keeps_failing_is_disabled_with_an_issue_and_enabling_resolves_it(engine: Engine) -> None:
    tenant = make_tenant(engine)
    settings = FAST.model_copy(update={"webhook_disable_after_failures": 3, "webhook_disable_after_seconds": 0.0})
    with receiving() as broken, receiving() as watcher:
        broken.status = 500
        failing, secret = subscribe(engine, tenant, broken.url)
        assert secret is not None
        subscribe(engine, tenant, watcher.url, [events.ISSUE_STATUS_CHANGED])
        create_sandbox(engine, tenant, 5)
        wait_for("the issue", lambda: bool(watcher.of_type(events.ISSUE_STATUS_CHANGED)), step=pump(engine, settings))
        assert len(broken.received) == 3  # disabled after its third failure in a row
        with read_tx(engine) as conn:
            sub = webhooks.get_subscription(conn, failing)
            (issue,) = webhooks.list_issues(conn)
        assert sub is not None and not sub.enabled and sub.disabled_reason is not None
        assert "3 delivery attempts in a row failed" in sub.disabled_reason
        assert (issue.type, issue.subject, issue.status) == (webhooks.SUBSCRIPTION_DISABLED, failing, webhooks.OPEN)
        # Nothing is sent to it while disabled: its waiting delivery stays, new events are not recorded for it.
        create_sandbox(engine, tenant, 5)
        for _ in range(3):
            deliver_due(engine, settings)
        assert len(broken.received) == 3
        assert delivery_states(engine) == {webhooks.PENDING: 1, webhooks.SUCCEEDED: 1}

        broken.status = 200
        with write_tx(engine) as conn:
            webhooks.enable_subscription(conn, failing, utc_now())
        wait_for("the resolution", lambda: len(watcher.received) == 2, step=pump(engine, settings))
        # Enabled again: the delivery that waited, and the resolution of its own issue.
        wait_for("the waiting delivery", lambda: len(broken.received) == 5, step=pump(engine, settings))
        raised, resolved = watcher.of_type(events.ISSUE_STATUS_CHANGED)
        for payload in (raised, resolved):
            km.IssueStatusChangedWebhookPayload.model_validate(payload)
        assert raised["data"]["change"] == "raised" and resolved["data"]["change"] == "resolved"
        assert raised["data"]["issue"]["id"] == resolved["data"]["issue"]["id"] == issue.id
        assert raised["data"]["issue"]["status"] == "OPEN" and raised["data"]["issue"]["resolved_at"] is None
        assert resolved["data"]["issue"]["status"] == "RESOLVED" and resolved["data"]["issue"]["resolved_at"]
        assert raised["data"]["integration"] is None  # environment-wide
        assert failing in raised["data"]["issue"]["markdown_message"]
        # The failing subscription did not get the issue raised about itself (it was disabled first).
        assert [e["data"]["change"] for e in broken.of_type(events.ISSUE_STATUS_CHANGED)] == ["resolved"]
        with read_tx(engine) as conn:
            assert [i.status for i in webhooks.list_issues(conn)] == [webhooks.RESOLVED]


def test_one_open_issue_per_type_and_subject(engine: Engine) -> None:
    tenant = make_tenant(engine)
    now = utc_now()
    with write_tx(engine) as conn:
        kwargs: dict[str, Any] = {"title": "t", "markdown_message": "m", "now": now}
        first = webhooks.raise_issue(conn, tenant.environment.id, "x.y", "s1", **kwargs)
        assert first is not None
        assert webhooks.raise_issue(conn, tenant.environment.id, "x.y", "s1", **kwargs) is None
        assert webhooks.raise_issue(conn, tenant.environment.id, "x.y", "s2", **kwargs) is not None
        assert webhooks.resolve_issue(conn, tenant.environment.id, "x.y", "s1", now) is not None
        assert webhooks.resolve_issue(conn, tenant.environment.id, "x.y", "s1", now) is None
        again = webhooks.raise_issue(conn, tenant.environment.id, "x.y", "s1", **kwargs)  # a new episode
        assert again is not None and again.id != first.id


def test_the_address_is_checked_again_on_every_delivery(engine: Engine) -> None:
    """A subscription created while private addresses were allowed is not delivered to once they are not."""
    tenant = make_tenant(engine)
    closed = SLOW_RETRY.model_copy(update={"webhook_allow_private_urls": False})
    with receiving() as receiver:
        subscribe(engine, tenant, receiver.url)
        create_sandbox(engine, tenant, 5)
        assert deliver_due(engine, closed) == 1
        assert receiver.received == []
        with read_tx(engine) as conn:
            (delivery,) = webhooks.list_deliveries(conn)
            (attempt,) = webhooks.attempts_of(conn, [delivery.id])[delivery.id]
        assert attempt.error == "refused: 127.0.0.1 resolves to a private, loopback or reserved address"


def test_subscriptions_refuse_other_schemes_and_unknown_event_types(engine: Engine) -> None:
    tenant = make_tenant(engine)
    with pytest.raises(webhooks.SubscriptionRefused, match="not an http"):
        subscribe(engine, tenant, "ftp://example.com/x")
    with pytest.raises(webhooks.SubscriptionRefused, match=r"unknown event type.*data-chnaged"):
        subscribe(engine, tenant, "https://example.com/x", ["data-chnaged"])
    sub_id, secret = subscribe(engine, tenant, "https://example.com/a", ["sync-finished", "data-changed"])
    assert secret is not None
    _, second_secret = subscribe(engine, tenant, "https://example.com/b")
    assert second_secret is None  # one secret per environment, shown once
    with read_tx(engine) as conn:
        sub = webhooks.get_subscription(conn, sub_id)
        assert webhooks.webhook_secret(conn, tenant.environment.id) == secret
    assert sub is not None and sub.event_types == ("data-changed", "sync-finished")


def test_deliveries_that_ended_are_pruned_after_the_retention_period(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scheduler's tick drops deliveries that ended more than `webhook_retention_days` ago, with
    their attempts and the events no delivery is left of; a pending delivery keeps its event."""
    from hirebridge.jobs import schedule

    monkeypatch.setattr(schedule, "PRUNE_BATCH", 2)  # several batches: the loop must go on to the end
    tenant = make_tenant(engine)
    with receiving() as receiver:
        subscribe(engine, tenant, receiver.url)
        for _ in range(3):
            create_sandbox(engine, tenant, 5)
        sent = deliver_due(engine, FAST)
    assert sent >= 3
    with read_tx(engine) as conn:
        delivered = webhooks.list_deliveries(conn)
    assert {d.state for d in delivered} == {webhooks.SUCCEEDED}
    with write_tx(engine) as conn:  # one event is sent again: its new delivery is pending
        replayed = webhooks.replay(conn, delivered[0].id, utc_now())
    assert replayed is not None
    settings = Settings(webhook_retention_days=30)

    assert schedule.prune_webhooks(engine, utc_now() + timedelta(days=29), settings) == (0, 0)
    dropped = schedule.prune_webhooks(engine, utc_now() + timedelta(days=31), settings)

    assert dropped == (len(delivered), len({d.event_id for d in delivered}) - 1)
    with read_tx(engine) as conn:
        (left,) = webhooks.list_deliveries(conn)
        assert left.id == replayed and left.state == webhooks.PENDING
        assert webhooks.event_body(conn, delivered[0].event_id) is not None
        assert all(webhooks.event_body(conn, d.event_id) is None for d in delivered[1:])
        assert not any(webhooks.attempts_of(conn, [d.id for d in delivered]).values())
        attempts = conn.exec_driver_sql("SELECT count(*) FROM webhook_attempts").scalar_one()
    assert attempts == 0
