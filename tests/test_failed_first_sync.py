"""An integration whose first sync failed looks failed: in its details (`last_sync`), in the 409 of its
data endpoints, and in `hirebridge runs` / `integrations list`."""

from __future__ import annotations

import json
import socket

from sqlalchemy import Engine

from hirebridge.jobs.queue import enqueue_sync
from hirebridge.model import SyncKind
from hirebridge.store import tenancy
from hirebridge.store.db import write_tx
from hirebridge.store.sync_runs import SyncState
from hirebridge.sync.engine import SyncEngine
from tests.commands import hb
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
    assert "still running" not in error["title"]

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


def test_runs_lists_kind_state_times_records_and_the_error(database_url: str) -> None:
    port = _closed_port()
    created = json.loads(
        hb(
            database_url,
            "integrations",
            "create",
            "--tool",
            "lever",
            "--credential",
            "api_key=k-0123456789",
            "--base-url",
            f"http://127.0.0.1:{port}/v1",
            "--setting",
            "retry_attempts=1",
            "--no-sync",
            "--json",
        ).stdout
    )
    lever = created["id"]
    failed = hb(database_url, "sync", lever, "--json", check=False)
    assert failed.returncode == 1
    sandbox = json.loads(
        hb(database_url, "integrations", "create", "--tool", "sandbox", "--applications", "20", "--json").stdout
    )["id"]
    hb(database_url, "sync", sandbox)  # runs the FULL sync `integrations create` queued

    runs = json.loads(hb(database_url, "runs", "--json").stdout)
    assert [r["integration_id"] for r in runs] == [sandbox, lever]  # newest first
    done, first = runs
    assert done["state"] == "SUCCEEDED" and done["kind"] == "FULL" and done["records_written"] > 0
    assert done["started_at"] and done["finished_at"] and done["duration_seconds"] is not None
    assert first["state"] == "FAILED" and first["error_code"] == "SOURCE_UNAVAILABLE" and first["error"]
    assert first["records_written"] == 0 and first["id"] == json.loads(failed.stdout)["id"]

    assert len(json.loads(hb(database_url, "runs", "--limit", "1", "--json").stdout)) == 1
    only_lever = json.loads(hb(database_url, "runs", lever, "--json").stdout)
    assert [r["id"] for r in only_lever] == [first["id"]]

    table = hb(database_url, "runs", lever).stdout.splitlines()
    assert table[0].split() == [
        "RUN",
        "KIND",
        "STATE",
        "STARTED",
        "(UTC)",
        "FINISHED",
        "(UTC)",
        "DURATION",
        "WRITTEN",
        "ERROR",
    ]
    assert len(table) == 2 and first["id"] in table[1] and "FAILED" in table[1] and "SOURCE_UNAVAILABLE" in table[1]
    assert hb(database_url, "runs", "lever:nope", check=False).returncode == 2

    listed = {i["id"]: i for i in json.loads(hb(database_url, "integrations", "list", "--json").stdout)}
    assert listed[lever]["setup_status"] == "FINAL_SYNC_PENDING"
    assert listed[lever]["last_run"]["state"] == "FAILED"
    assert listed[lever]["last_run"]["error_code"] == "SOURCE_UNAVAILABLE"
    lines = hb(database_url, "integrations", "list").stdout.splitlines()
    lever_line = next(line for line in lines if lever in line)
    assert "FAILED" in lever_line and "SOURCE_UNAVAILABLE" in lever_line
