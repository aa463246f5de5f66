"""Integration and general endpoints through the official SDK: details, enable/disable, delete,
tools, force-sync (queued and executed by the embedded worker)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine, func, select

from hirebridge.api.app import create_app
from hirebridge.connectors.registry import TOOLS
from hirebridge.model import ATS_MODELS
from hirebridge.store import sync_runs
from hirebridge.store.db import read_tx
from hirebridge.store.sync_runs import SyncState
from hirebridge.store.tables import SYNCED_TABLES
from tests.conftest import Server, make_tenant, serving
from tests.contract import validate
from tests.support import World, sdk_client, synced_world


@pytest.fixture
def world(engine: Engine, server: Server) -> World:
    return synced_world(engine, server, applications=30)


def test_integration_details(world: World) -> None:
    response = world.get(f"/integrations/{world.integration_id}")
    assert response.status_code == 200
    validate("/integrations/{integration_id}", response.json())
    data = response.json()["data"]
    assert data["id"] == world.integration_id and data["tool"]["id"] == "sandbox"
    assert data["status"] == "ACTIVE" and data["setup_status"] == "COMPLETED" and data["category"] == "ATS"
    assert {m["id"] for m in data["read_models"]} >= {"ats_applications", "ats_notes"}
    with sdk_client(world) as sdk:
        details = sdk.general.get_integration_details(integration_id=world.integration_id)
    assert details.data.id == world.integration_id


def test_disable_enable_and_delete(world: World, engine: Engine) -> None:
    with sdk_client(world) as sdk:
        sdk.general.set_integration_enabled(integration_id=world.integration_id, value=False)
        disabled = world.get("/ats/applications")
        assert disabled.status_code == 403 and disabled.json()["error"]["code"] == "INTEGRATION.INACTIVE"
        assert world.get(f"/integrations/{world.integration_id}").json()["data"]["status"] == "INACTIVE"
        sdk.general.set_integration_enabled(integration_id=world.integration_id, value=True)
        assert world.get("/ats/applications").status_code == 200
        sdk.general.delete_integration(integration_id=world.integration_id, body={})
    gone = world.get("/ats/applications")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "PLATFORM.INTEGRATION_NOT_FOUND"
    assert world.get(f"/integrations/{world.integration_id}").status_code == 404
    with read_tx(engine) as conn:  # purged, not hidden
        for table in SYNCED_TABLES.values():
            assert conn.execute(select(func.count()).select_from(table)).scalar() == 0, table.name


def test_bad_bodies_are_400_with_the_envelope(world: World) -> None:
    url = f"{world.server.base_url}/integrations/{world.integration_id}/enabled"
    for body in (b"{not json", b"[]", b'{"value": "yes"}', b""):
        response = httpx.put(url, content=body, headers=world.headers())
        assert response.status_code == 400, body
        assert response.json()["error"]["code"] == "PLATFORM.INPUT_INVALID"
    sync = httpx.post(f"{world.server.base_url}/force-sync", content=b'{"type": "SOMETIMES"}', headers=world.headers())
    assert sync.status_code == 400


def test_integrations_of_other_environments_are_invisible(world: World, engine: Engine) -> None:
    other = make_tenant(engine, "elsewhere")
    headers = {"Authorization": f"Bearer {other.api_key}"}
    base = world.server.base_url
    for method, path, body in (
        ("GET", f"/integrations/{world.integration_id}", None),
        ("DELETE", f"/integrations/{world.integration_id}", None),
        ("PUT", f"/integrations/{world.integration_id}/enabled", b'{"value": false}'),
    ):
        response = httpx.request(method, f"{base}{path}", headers=headers, content=body)
        assert response.status_code == 404 and response.json()["error"]["code"] == "PLATFORM.INTEGRATION_NOT_FOUND"
    forced = httpx.post(f"{base}/force-sync", headers={**headers, "X-Integration-Id": world.integration_id})
    assert forced.status_code == 404
    assert world.get("/ats/applications").status_code == 200  # untouched


def test_tools(world: World) -> None:
    response = world.get("/tools/ats")
    assert response.status_code == 200
    validate("/tools/{category}", response.json())
    tools = {t["id"]: t for t in response.json()["data"]["tools"]}
    assert set(tools) == {
        "sandbox",
        "lever",
        "ashby",
        "greenhouse",
        "workable",
        "teamtailor",
        "smartrecruiters",
        "recruitee",
        "personio",
    }
    assert tools["lever"]["label"] == "Lever" and tools["ashby"]["label"] == "Ashby"
    # Coverage follows each connector's declared models.
    for tool_id, tool in TOOLS.items():
        supported = {m["id"] for m in tools[tool_id]["coverage"]["read_models"] if m["coverage_status"] == "SUPPORTED"}
        assert supported == {ATS_MODELS[m][0] for m in tool.models}, tool_id
    with sdk_client(world) as sdk:
        assert {t.id for t in sdk.general.get_tools(category="ats").data.tools} == set(tools)
    assert world.get("/tools/hris").json()["data"]["tools"] == []
    assert world.get("/tools/nonsense").status_code == 400


def test_tools_carry_their_config_schema(world: World) -> None:
    """A HireBridge addition to Kombo's tool entry (still valid against Kombo's schema and its SDK): each
    tool's declared configuration, secrets flagged, for a connect page."""
    body = world.get("/tools/ats").json()
    validate("/tools/{category}", body)
    tools = {t["id"]: t for t in body["data"]["tools"]}
    for tool_id, tool in TOOLS.items():
        assert tools[tool_id]["config_schema"] == tool.config.describe(), tool_id
        assert [f["name"] for f in tools[tool_id]["config_schema"]] == list(tool.config.names)
        assert {f["name"] for f in tools[tool_id]["config_schema"] if f["secret"]} == tool.config.secrets
    key = tools["lever"]["config_schema"][0]
    assert key == {
        "name": "api_key",
        "type": "str",
        "secret": True,
        "required": True,
        "label": "API key",
        "help": TOOLS["lever"].config["api_key"].help,
        "vendor_url": "https://hire.lever.co/developer/documentation#authentication",
    }
    burst = next(f for f in tools["lever"]["config_schema"] if f["name"] == "burst")
    assert (burst["type"], burst["required"], burst["default"], burst["minimum"]) == ("int", False, 20, 1)
    assert burst["advanced"] is True  # a client tunable: a form tucks it away (the connect page does)


@pytest.fixture
def server_with_worker(engine: Engine) -> Iterator[str]:
    """`hirebridge serve` as in the embedded mode: the API plus its in-process worker."""
    with serving(create_app(engine, run_worker=True), lifespan="on") as running:
        yield running.base_url


def test_force_sync_queues_deduplicates_and_runs(world: World, engine: Engine) -> None:
    # Against the plain server (no worker): runs stay queued, so de-duplication is observable.
    with sdk_client(world) as sdk:
        first = sdk.general.trigger_sync(type_="FULL")
        again = sdk.general.trigger_sync(type_="FULL")
        delta = sdk.general.trigger_sync(type_="DELTA")
    assert first.data.already_queued is False and again.data.already_queued is True
    assert again.data.sync_id == first.data.sync_id and delta.data.sync_id != first.data.sync_id
    with read_tx(engine) as conn:
        queued = sync_runs.get_run(conn, first.data.sync_id)
    assert queued is not None and queued.state == SyncState.QUEUED


def test_the_embedded_worker_executes_queued_syncs(world: World, engine: Engine, server_with_worker: str) -> None:
    with sdk_client(world, server_with_worker) as sdk:
        run_id = sdk.general.trigger_sync().data.sync_id
    deadline = time.monotonic() + 60
    while True:
        with read_tx(engine) as conn:
            run = sync_runs.get_run(conn, run_id)
        assert run is not None
        if run.state not in (SyncState.QUEUED, SyncState.RUNNING):
            break
        assert time.monotonic() < deadline, "the queued sync did not run"
        time.sleep(0.1)
    assert run.state == SyncState.SUCCEEDED and run.kind == "FULL"
