"""The `hirebridge` command as other tools call it: real subprocesses, real database."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from kombo import Kombo
from sqlalchemy import create_engine, select

from hirebridge.store.db import normalize_url
from hirebridge.store.tables import integrations
from tests.contract import validate


def hb(database_url: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HIREBRIDGE_DATABASE_URL": database_url}
    result = subprocess.run(
        [sys.executable, "-m", "hirebridge.cli", *args], env=env, capture_output=True, text=True, timeout=300
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


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
    assert "SUCCEEDED" in synced.stderr
    hb(database_url, "sandbox", "advance", integration_id, "--steps", "2")
    assert "SUCCEEDED" in hb(database_url, "sync", integration_id, "--kind", "full").stderr
    listed = json.loads(hb(database_url, "integrations", "list", "--json").stdout)
    assert listed[0]["first_sync_succeeded_at"] is not None

    other = json.loads(hb(database_url, "api-keys", "create", "--environment", "production", "--json").stdout)
    assert other["environment"] == "production" and other["environment_id"] != key["environment_id"]


def test_commands_that_handle_credentials_refuse_to_run_without_a_secret_key(database_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "HIREBRIDGE_SECRET_KEY"}
    for args in (
        ("serve",),
        ("sync", "sandbox:26vafvWSRmbhNcxJYqjCzuJg"),
        ("integrations", "create", "--tool", "sandbox"),
    ):
        result = subprocess.run(
            [sys.executable, "-m", "hirebridge.cli", *args],
            env={**env, "HIREBRIDGE_DATABASE_URL": database_url},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 2, args
        assert "HIREBRIDGE_SECRET_KEY is not set" in result.stderr, args


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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_demo(database_url: str, cwd: Path, key: str) -> tuple[subprocess.Popen[str], str]:
    """`hirebridge demo` in a subprocess; returns it and its base URL once it answers."""
    port = _free_port()
    args = ["demo", "--port", str(port), "--api-key", key, "--applications", "50"]
    # The demo is the one command that needs no HIREBRIDGE_SECRET_KEY (it keeps a generated one).
    env = {k: v for k, v in os.environ.items() if k != "HIREBRIDGE_SECRET_KEY"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "hirebridge.cli", *args],
        env={**env, "HIREBRIDGE_DATABASE_URL": database_url},
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    while True:
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        try:
            httpx.get(f"{base}/check-api-key", timeout=1)
            return proc, base
        except httpx.TransportError:
            assert time.monotonic() < deadline, "demo did not start serving"
            time.sleep(0.2)


def stop(proc: subprocess.Popen[str]) -> str:
    """Ctrl-C, as a user would; returns everything the process printed."""
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, output
    return output


def test_demo_sets_up_syncs_serves_and_stops_on_ctrl_c(database_url: str, tmp_path: Path) -> None:
    key = "hb_demo_key_0123456789"
    proc, base = start_demo(database_url, tmp_path, key)
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
        output = stop(proc)
    assert key in output and integration_id in output and "curl" in output
    key_files = list(tmp_path.glob("*.secret-key"))
    assert len(key_files) == 1 and key_files[0].stat().st_mode & 0o077 == 0  # readable by its owner only
    # Running the demo again reuses the synced integration instead of creating another.
    proc, _base = start_demo(database_url, tmp_path, key)
    stop(proc)
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
