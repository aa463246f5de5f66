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


def test_failures_exit_non_zero(database_url: str) -> None:
    assert hb(database_url, "sync", "sandbox:26vafvWSRmbhNcxJYqjCzuJg", check=False).returncode != 0
    assert hb(database_url, "integrations", "create", "--tool", "nosuchtool", check=False).returncode != 0
    assert hb(database_url, "sandbox", "advance", "nope", check=False).returncode != 0
    assert hb(database_url, "api-keys", "create", "--key", "short", check=False).returncode != 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_demo_sets_up_syncs_serves_and_stops_on_ctrl_c(database_url: str, tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "HIREBRIDGE_DATABASE_URL": database_url}
    key = "hb_demo_key_0123456789"
    args = ["demo", "--port", str(port), "--api-key", key, "--applications", "50"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "hirebridge.cli", *args],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}/v1"
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            try:
                httpx.get(f"{base}/check-api-key", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "demo did not start serving"
                time.sleep(0.2)
        integration_id = json.loads(hb(database_url, "integrations", "list", "--json").stdout)[0]["id"]
        response = httpx.get(
            f"{base}/ats/applications",
            headers={"Authorization": f"Bearer {key}", "X-Integration-Id": integration_id},
        )
        assert response.status_code == 200
        validate("/ats/applications", response.json())
        assert len(response.json()["data"]["results"]) == 50
    finally:
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, output
    assert key in output and integration_id in output and "curl" in output
    # Running the demo again reuses the synced integration instead of creating another.
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hirebridge.cli",
            "demo",
            "--port",
            str(port),
            "--api-key",
            key,
            "--applications",
            "50",
        ],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/v1/check-api-key", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    assert len(json.loads(hb(database_url, "integrations", "list", "--json").stdout)) == 1
