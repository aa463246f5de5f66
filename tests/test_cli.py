"""The `hirebridge` command as other tools call it: real subprocesses, real database."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from kombo import Kombo
from sqlalchemy import create_engine, select

from hirebridge.store.db import normalize_url
from hirebridge.store.tables import integrations
from tests.commands import NO_KEY, Running, environment, free_port, hb, start_demo
from tests.contract import validate


def test_keys_integrations_sync_and_advance(database_url: str) -> None:
    key = json.loads(hb(database_url, "api-keys", "create", "--key", "hb_test_key_0123456789", "--json").stdout)
    assert key["key"] == "hb_test_key_0123456789" and key["environment"] == "default"
    created = json.loads(
        hb(database_url, "integrations", "create", "--tool", "sandbox", "--applications", "40", "--json").stdout
    )
    integration_id = created["id"]
    assert integration_id.startswith("sandbox:") and len(integration_id) == len("sandbox:") + 24
    listed = json.loads(hb(database_url, "integrations", "list", "--json").stdout)
    assert [i["id"] for i in listed] == [integration_id] and listed[0]["first_sync_succeeded_at"] is None

    synced = hb(database_url, "sync", integration_id)
    assert "SUCCEEDED" in synced.stdout
    hb(database_url, "sandbox", "advance", integration_id, "--steps", "2")
    assert "SUCCEEDED" in hb(database_url, "sync", integration_id, "--kind", "full").stdout
    listed = json.loads(hb(database_url, "integrations", "list", "--json").stdout)
    assert listed[0]["first_sync_succeeded_at"] is not None

    other = json.loads(hb(database_url, "api-keys", "create", "--environment", "production", "--json").stdout)
    assert other["environment"] == "production" and other["environment_id"] != key["environment_id"]


def test_only_credentials_need_a_secret_key(database_url: str, tmp_path: Path) -> None:
    """A sandbox is created, synced and served without any key; storing a credential needs one."""
    sandbox = json.loads(
        hb(
            database_url, "integrations", "create", "--tool", "sandbox", "--applications", "20", "--json", key=NO_KEY
        ).stdout
    )["id"]
    assert "SUCCEEDED" in hb(database_url, "sync", sandbox, key=NO_KEY, cwd=tmp_path).stdout
    port = free_port()
    server = Running(["serve", "--port", str(port)], environment(database_url, NO_KEY), cwd=tmp_path)
    server.wait_for(url=f"http://127.0.0.1:{port}/health")
    server.stop()
    refused = hb(
        database_url, "integrations", "create", "--tool", "lever", "--credential", "api_key=k", key=NO_KEY, check=False
    )
    assert refused.returncode == 2 and "HIREBRIDGE_SECRET_KEY is not set" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert not list(tmp_path.glob("*.secret-key"))  # only the demo writes a key file


def test_creating_an_api_key_integration_seals_its_credential(database_url: str) -> None:
    created = json.loads(
        hb(
            database_url,
            "integrations",
            "create",
            "--tool",
            "lever",
            "--credential",
            "api_key=lever-secret-0123",
            "--base-url",
            "http://127.0.0.1:9/v1",
            "--json",
        ).stdout
    )
    assert created["id"].startswith("lever:") and created["tool"] == "lever"
    engine = create_engine(normalize_url(database_url))
    with engine.connect() as conn:
        row = conn.execute(select(integrations).where(integrations.c.id == created["id"])).one()
    engine.dispose()
    assert "lever-secret-0123" not in f"{tuple(row)}"
    assert json.loads(row.config) == {"base_url": "http://127.0.0.1:9/v1"}
    listed = json.loads(hb(database_url, "integrations", "list", "--json").stdout)
    assert "lever-secret-0123" not in json.dumps(listed) and listed[0]["status"] == "ACTIVE"
    # A connector that needs a key refuses to be created without one; an unknown credential is refused.
    missing = hb(database_url, "integrations", "create", "--tool", "lever", check=False)
    assert missing.returncode == 2 and "api_key" in missing.stderr
    odd = hb(database_url, "integrations", "create", "--tool", "ashby", "--credential", "apikey=x", check=False)
    assert odd.returncode == 2 and "unknown credential" in odd.stderr


def test_sync_enqueue_queues_once_and_integrations_create_queues_the_first_sync(database_url: str) -> None:
    created = json.loads(hb(database_url, "integrations", "create", "--tool", "sandbox", "--json").stdout)
    first = json.loads(hb(database_url, "sync", created["id"], "--enqueue", "--json").stdout)
    assert first["type"] == "FULL" and first["already_queued"]  # the one `integrations create` queued
    delta = json.loads(hb(database_url, "sync", created["id"], "--kind", "delta", "--enqueue", "--json").stdout)
    again = json.loads(hb(database_url, "sync", created["id"], "--kind", "delta", "--enqueue", "--json").stdout)
    assert not delta["already_queued"] and again == {**delta, "already_queued": True}
    quiet = json.loads(hb(database_url, "integrations", "create", "--tool", "sandbox", "--no-sync", "--json").stdout)
    assert not json.loads(hb(database_url, "sync", quiet["id"], "--enqueue", "--json").stdout)["already_queued"]
    assert hb(database_url, "sync", "sandbox:nope", "--enqueue", check=False).returncode == 2


def test_failures_exit_non_zero(database_url: str) -> None:
    assert hb(database_url, "sync", "sandbox:26vafvWSRmbhNcxJYqjCzuJg", check=False).returncode != 0
    assert hb(database_url, "integrations", "create", "--tool", "nosuchtool", check=False).returncode != 0
    assert hb(database_url, "sandbox", "advance", "nope", check=False).returncode != 0
    assert hb(database_url, "api-keys", "create", "--key", "short", check=False).returncode != 0


def test_demo_sets_up_syncs_serves_and_stops_on_ctrl_c(database_url: str, tmp_path: Path) -> None:
    key = "hb_demo_key_0123456789"
    demo, base = start_demo(database_url, tmp_path, "--api-key", key, "--applications", "50")
    try:
        integration_id = json.loads(hb(database_url, "integrations", "list", "--json").stdout)[0]["id"]
        response = httpx.get(
            f"{base}/ats/applications",
            headers={"Authorization": f"Bearer {key}", "X-Integration-Id": integration_id},
        )
        assert response.status_code == 200
        validate("/ats/applications", response.json())
        assert len(response.json()["data"]["results"]) == 50
        # Every read method of the official SDK works against the demo.
        with Kombo(api_key=key, integration_id=integration_id, server_url=base) as sdk:
            for method in READ_METHODS:
                page = getattr(sdk.ats, method)(page_size=5)
                assert page is not None and page.result.data.results, method
            candidate = sdk.ats.get_candidates(page_size=1).result.data.results[0]
            assert sdk.ats.get_candidate_attachments(candidate_id=candidate.id).data.results
            assert sdk.general.check_api_key().data.environment_id
            assert sdk.general.get_integration_details(integration_id=integration_id).data.id == integration_id
            assert {t.id for t in sdk.general.get_tools(category="ats").data.tools} == {"sandbox", "lever", "ashby"}
            assert sdk.general.trigger_sync(type_="DELTA").data.type == "DELTA"
    finally:
        demo.stop()
    assert key in demo.output and integration_id in demo.output and "curl" in demo.output
    for suffix in ("secret-key", "api-key"):
        key_files = list(tmp_path.glob(f"*.{suffix}"))
        assert len(key_files) == 1 and key_files[0].stat().st_mode & 0o077 == 0  # readable by its owner only
    # Running the demo again reuses the synced integration instead of creating another.
    demo, _base = start_demo(database_url, tmp_path, "--api-key", key, "--applications", "50")
    demo.stop()
    assert len(json.loads(hb(database_url, "integrations", "list", "--json").stdout)) == 1


READ_METHODS = (
    "get_applications",
    "get_candidates",
    "get_jobs",
    "get_application_stages",
    "get_users",
    "get_roles",
    "get_offers",
    "get_rejection_reasons",
    "get_interviews",
    "get_tags",
    "get_notes",
    "get_ats_scorecards",
    "get_ats_attachments",
)
