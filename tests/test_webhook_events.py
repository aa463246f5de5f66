"""Kombo's webhook events are recorded by their real triggers, in the transaction of what they
announce, with payloads the official SDK's models accept -- on both databases. (Their delivery,
signing and retries: tests/test_webhooks.py.)"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from kombo import models
from pydantic import BaseModel
from sqlalchemy import Engine, insert, select

from hirebridge import ids
from hirebridge.model import SyncKind
from hirebridge.store import events, tenancy
from hirebridge.store.db import read_tx, write_tx
from hirebridge.store.sync_runs import SyncState
from hirebridge.store.tables import webhook_deliveries, webhook_events, webhook_subscriptions
from hirebridge.sync.engine import SyncEngine
from hirebridge.timefmt import utc_now
from tests.conftest import Tenant, create_sandbox, make_tenant
from tests.support import advance

SDK_MODELS: dict[str, type[BaseModel]] = {
    events.DATA_CHANGED: models.DataChangedWebhookPayload,
    events.SYNC_FINISHED: models.SyncFinishedWebhookPayload,
    events.INTEGRATION_CREATED: models.IntegrationCreatedWebhookPayload,
    events.INTEGRATION_DELETED: models.IntegrationDeletedWebhookPayload,
    events.INTEGRATION_STATE_CHANGED: models.IntegrationStateChangedWebhookPayload,
}


def subscribe(engine: Engine, tenant: Tenant, types: tuple[str, ...] = events.EVENT_TYPES) -> str:
    subscription = ids.random_id()
    with write_tx(engine) as conn:
        conn.execute(
            insert(webhook_subscriptions).values(
                id=subscription,
                environment_id=tenant.environment.id,
                url="http://127.0.0.1:9/hooks",
                event_types=orjson.dumps(list(types)).decode(),
                enabled=True,
                created_at=utc_now(),
            )
        )
    return subscription


def recorded(engine: Engine, event_type: str | None = None) -> list[dict[str, Any]]:
    """The bodies of the recorded events (of one type), oldest first, each validated by the SDK's
    model and with a PENDING delivery."""
    with read_tx(engine) as conn:
        query = select(webhook_events.c.id, webhook_events.c.body).order_by(webhook_events.c.created_at)
        if event_type is not None:
            query = query.where(webhook_events.c.type == event_type)
        rows = conn.execute(query).all()
        pending = set(conn.execute(select(webhook_deliveries.c.event_id)).scalars())
    bodies = []
    for row in rows:
        body: dict[str, Any] = orjson.loads(row.body)
        assert body["id"] == row.id and len(row.id) == 24 and row.id in pending
        SDK_MODELS[body["type"]].model_validate(body)
        bodies.append(body)
    return bodies


@pytest.fixture
def tenant(engine: Engine) -> Tenant:
    tenant = make_tenant(engine)
    subscribe(engine, tenant)
    return tenant


def test_integration_created_and_deleted(engine: Engine, tenant: Tenant) -> None:
    with write_tx(engine) as conn:
        integration = tenancy.create_integration(conn, tenant.environment, "sandbox", {"applications": 5}, "Acme")
    [created] = recorded(engine, events.INTEGRATION_CREATED)
    assert created["type"] == "integration-created"
    assert created["data"] == {
        "id": integration.id,
        "tool": "sandbox",
        "category": "ATS",
        "end_user": {"organization_name": "Acme", "creator_email": None, "origin_id": None},
    }
    with write_tx(engine) as conn:
        tenancy.delete_integration(conn, integration.id)
    [deleted] = recorded(engine, events.INTEGRATION_DELETED)
    assert deleted["data"]["id"] == integration.id and deleted["data"]["deleted_at"].endswith("Z")


def test_state_changes_are_announced_once_each(engine: Engine, tenant: Tenant) -> None:
    integration_id = create_sandbox(engine, tenant, applications=5)
    assert SyncEngine(engine).run(integration_id).state == SyncState.SUCCEEDED  # setup COMPLETED
    with write_tx(engine) as conn:
        tenancy.set_enabled(conn, integration_id, False)  # INACTIVE
        tenancy.set_enabled(conn, integration_id, False)  # no change: nothing
        tenancy.set_enabled(conn, integration_id, True)  # ACTIVE
        tenancy.set_credentials_invalid(conn, integration_id, utc_now())  # INVALID
        tenancy.update_credentials(conn, integration_id, {"api_key": "new"})  # ACTIVE again
    states = [
        (e["data"]["state"], e["data"]["setup_status"]) for e in recorded(engine, events.INTEGRATION_STATE_CHANGED)
    ]
    assert states == [
        ("ACTIVE", "COMPLETED"),
        ("INACTIVE", "COMPLETED"),
        ("ACTIVE", "COMPLETED"),
        ("INVALID", "COMPLETED"),
        ("ACTIVE", "COMPLETED"),
    ]


def test_sync_finished_for_every_outcome(engine: Engine, tenant: Tenant) -> None:
    integration_id = create_sandbox(engine, tenant, applications=5)
    ok = SyncEngine(engine).run(integration_id)
    with write_tx(engine) as conn:  # a configuration the sandbox refuses: the run fails
        tenancy.update_integration_config(conn, integration_id, {"applications": -1, "step": 0})
    failed = SyncEngine(engine).run(integration_id, SyncKind.FULL)
    assert (ok.state, failed.state) == (SyncState.SUCCEEDED, SyncState.FAILED)
    finished = recorded(engine, events.SYNC_FINISHED)
    assert [(e["data"]["sync_id"], e["data"]["sync_state"]) for e in finished] == [
        (ok.run_id, "SUCCEEDED"),
        (failed.run_id, "FAILED"),
    ]
    data = finished[0]["data"]
    assert data["integration_id"] == integration_id and data["integration_tool"] == "sandbox"
    assert data["sync_started_at"] <= data["sync_ended_at"] and data["sync_duration_seconds"] >= 0
    # The run is shown by the integration's details (HIREBRIDGE_PUBLIC_URL's default here).
    assert data["log_url"] == f"http://127.0.0.1:8000/v1/integrations/{integration_id}"


def test_data_changed_is_coalesced_per_integration_from_the_outbox(engine: Engine, tenant: Tenant) -> None:
    first, second = (create_sandbox(engine, tenant, applications=8) for _ in range(2))
    for integration_id in (first, second):
        assert SyncEngine(engine).run(integration_id).state == SyncState.SUCCEEDED
    with write_tx(engine) as conn:
        assert events.announce_changes(conn) == 2
    with write_tx(engine) as conn:
        assert events.announce_changes(conn) == 0  # nothing new since
    announced = {e["data"]["integration_id"]: e["data"] for e in recorded(engine, events.DATA_CHANGED)}
    assert announced.keys() == {first, second}
    names = [m["name"] for m in announced[first]["changed_models"]]
    assert len(names) == len(set(names))
    # A first sync adds every model and, with the records, their connections.
    assert {"ats_applications", "ats_candidates", "ats_jobs", "ats_users", "ats_tags"} <= set(names)
    assert {"ats_join_candidates_tags", "ats_join_jobs_users", "ats_join_jobs_application_stages"} <= set(names)

    advance(engine, first, 2)
    assert SyncEngine(engine).run(first, SyncKind.FULL).state == SyncState.SUCCEEDED
    with write_tx(engine) as conn:
        assert events.announce_changes(conn) == 1
    latest = recorded(engine, events.DATA_CHANGED)[-1]["data"]
    assert latest["integration_id"] == first and latest["changed_models"]


def test_nothing_is_recorded_without_a_subscriber_for_the_type(engine: Engine) -> None:
    tenant = make_tenant(engine)
    subscribe(engine, tenant, (events.SYNC_FINISHED,))
    integration_id = create_sandbox(engine, tenant, applications=5)
    assert SyncEngine(engine).run(integration_id).state == SyncState.SUCCEEDED
    with write_tx(engine) as conn:
        assert events.announce_changes(conn) == 0
    with read_tx(engine) as conn:
        types = list(conn.execute(select(webhook_events.c.type)).scalars())
    assert types == [events.SYNC_FINISHED]


def test_an_event_is_rolled_back_with_its_trigger(engine: Engine, tenant: Tenant) -> None:
    with pytest.raises(RuntimeError), write_tx(engine) as conn:
        tenancy.create_integration(conn, tenant.environment, "sandbox", {"applications": 5})
        raise RuntimeError("the creation failed")
    assert recorded(engine) == []


def test_other_environments_are_not_told(engine: Engine, tenant: Tenant) -> None:
    other = make_tenant(engine, "other")
    create_sandbox(engine, other, applications=5)
    assert recorded(engine) == []
