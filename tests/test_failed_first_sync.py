"""An integration whose first sync failed looks failed: in its details (`last_sync`), in the 409 of its
data endpoints."""

from __future__ import annotations

import socket

from sqlalchemy import Engine

from hirebridge.connectors.base import SyncKind
from hirebridge.jobs.queue import enqueue_sync
from hirebridge.store import tenancy
from hirebridge.store.db import write_tx
from hirebridge.store.sync_runs import SyncState
from hirebridge.sync.engine import SyncEngine
from tests.conftest import Server, Tenant, make_tenant
from tests.contract import validate
from tests.emulators.lever import LeverEmulator
from tests.support import World, sdk_client


def _closed_port() -> int:
    """A port nothing listens on: connections to it are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _unreachable_lever(engine: Engine, tenant: Tenant) -> str:
    config = {"api_key": "k-0123456789", "base_url": f"http://127.0.0.1:{_closed_port()}/v1", "retry_attempts": 1}
    with write_tx(engine) as conn:
        return tenancy.create_integration(conn, tenant.environment, "lever", config).id


def test_a_failed_first_sync_shows_in_the_details_and_in_the_data_endpoints_409(engine: Engine, server: Server) -> None:
    tenant = make_tenant(engine)
    integration_id = _unreachable_lever(engine, tenant)
    world = World(server, tenant, integration_id)

    # Nothing ran yet: pending, no last sync.
    details = world.get(f"/integrations/{integration_id}").json()
    assert details["data"]["setup_status"] == "FINAL_SYNC_PENDING" and details["data"]["last_sync"] is None
    pending = world.get("/ats/applications").json()["error"]
    assert "not finished yet" in pending["message"]

    result = SyncEngine(engine).run(integration_id)
    assert result.state == SyncState.FAILED

    response = world.get(f"/integrations/{integration_id}")
    validate("/integrations/{integration_id}", response.json())
    data = response.json()["data"]
    last = data["last_sync"]
    assert data["setup_status"] == "FINAL_SYNC_PENDING"  # Kombo's enum has no "failed"; last_sync says it
    assert last["sync_id"] == result.run_id and last["sync_type"] == "FULL"
    assert last["sync_state"] == "FAILED" and last["error_code"] == "SOURCE_UNAVAILABLE"
    assert last["sync_started_at"] and last["sync_ended_at"] and isinstance(last["sync_duration_seconds"], int)
    with sdk_client(world) as sdk:  # the official SDK reads details with the extra field
        assert sdk.general.get_integration_details(integration_id=integration_id).data.id == integration_id

    failed = world.get("/ats/applications")
    assert failed.status_code == 409
    error = failed.json()["error"]
    assert error["code"] == "INTEGRATION.SETUP_SYNC_PENDING"
    assert "first sync of this integration failed" in error["message"]
    assert "SOURCE_UNAVAILABLE" in error["message"] and "could not be reached" in error["message"]
    assert "not finished yet" not in error["message"] and "force-sync" in error["message"]

    # A new attempt queued: the message says so, and still names the failure.
    enqueue_sync(engine, integration_id, SyncKind.FULL)
    retrying = world.get("/ats/applications").json()["error"]["message"]
    assert "SOURCE_UNAVAILABLE" in retrying and "queued or running" in retrying


def test_a_first_sync_rejected_for_credentials_reads_as_kombos_authentication_failed(
    engine: Engine, server: Server
) -> None:
    tenant = make_tenant(engine)
    with LeverEmulator(opportunities=2).running() as base_url:
        config = {"api_key": "not-the-emulators-key-01", "base_url": base_url, "retry_attempts": 1}
        with write_tx(engine) as conn:
            integration_id = tenancy.create_integration(conn, tenant.environment, "lever", config).id
        assert SyncEngine(engine).run(integration_id).state == SyncState.FAILED
    world = World(server, tenant, integration_id)
    data = world.get(f"/integrations/{integration_id}").json()["data"]
    assert data["status"] == "INVALID"
    assert data["last_sync"]["sync_state"] == "AUTHENTICATION_FAILED"
    assert data["last_sync"]["error_code"] == "AUTHENTICATION_FAILED"
    message = world.get("/ats/applications").json()["error"]["message"]
    assert "AUTHENTICATION_FAILED" in message and "rejected the integration's credentials" in message
