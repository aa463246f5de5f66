"""`hirebridge demo` / `make demo`: a busy port fails before anything is set up or announced, a re-run
keeps the demo's API key, and the port is a make variable."""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path

import httpx
from kombo import Kombo
from sqlalchemy import create_engine, func, inspect, select

from hirebridge.store.db import normalize_url
from hirebridge.store.tables import api_keys
from tests.commands import NO_KEY, Running, demo_api_key, environment, hb, start_demo

REPO = Path(__file__).resolve().parents[1]


def _api_key_count(database_url: str) -> int:
    engine = create_engine(normalize_url(database_url))
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("api_keys"):
                return 0
            return int(conn.execute(select(func.count()).select_from(api_keys)).scalar_one())
    finally:
        engine.dispose()


def test_a_busy_port_fails_the_demo_before_it_sets_up_or_announces_anything(database_url: str, tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        demo = Running(
            ["demo", "--port", str(port), "--applications", "20"], environment(database_url, NO_KEY), tmp_path
        )
        code = demo.finish(timeout=60)
    assert code == 2
    assert f"127.0.0.1:{port}" in demo.output and "--port" in demo.output, demo.output
    assert "demo is ready" not in demo.output and "hb_" not in demo.output
    assert _api_key_count(database_url) == 0  # no key minted (nothing was even migrated)
    assert not list(tmp_path.glob("*.api-key")) and not list(tmp_path.glob("*.secret-key"))


def test_a_rerun_reuses_the_demos_api_key_unless_a_new_one_is_asked_for(database_url: str, tmp_path: Path) -> None:
    demo, _base = start_demo(database_url, tmp_path, "--applications", "20")
    demo.stop()
    first = demo_api_key(demo.output)
    assert first.startswith("hb_")

    demo, base = start_demo(database_url, tmp_path, "--applications", "20")
    try:
        integration_id = json.loads(hb(database_url, "integrations", "list", "--json", cwd=tmp_path).stdout)[0]["id"]
        answer = httpx.get(
            f"{base}/ats/jobs", headers={"Authorization": f"Bearer {first}", "X-Integration-Id": integration_id}
        )
        assert answer.status_code == 200
    finally:
        demo.stop()
    assert demo_api_key(demo.output) == first
    assert _api_key_count(database_url) == 1

    demo, base = start_demo(database_url, tmp_path, "--applications", "20", "--new-api-key")
    demo.stop()
    second = demo_api_key(demo.output)
    assert second != first and _api_key_count(database_url) == 2
    [kept] = tmp_path.glob("*.api-key")
    assert kept.read_text().strip() == second and kept.stat().st_mode & 0o077 == 0

    demo, base = start_demo(database_url, tmp_path, "--applications", "20")
    demo.stop()
    assert demo_api_key(demo.output) == second


def test_make_demo_takes_the_port() -> None:
    def dry_run(*args: str) -> str:
        return subprocess.run(
            ["make", "-n", "demo", *args], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout

    assert "hirebridge demo --port 8001" in dry_run("PORT=8001")
    assert "--port" not in dry_run()


def test_the_demo_takes_write_actions_through_the_sdk(tmp_path: Path) -> None:
    """`hirebridge demo` as a user runs it: the official SDK creates an application and moves it, and
    the demo's own API serves the result at once."""
    database_url = f"sqlite:///{tmp_path / 'demo.db'}"
    demo, base = start_demo(database_url, tmp_path, "--applications", "20")
    try:
        key = demo_api_key(demo.output)
        integration_id = json.loads(hb(database_url, "integrations", "list", "--json", cwd=tmp_path).stdout)[0]["id"]
        with Kombo(api_key=key, integration_id=integration_id, server_url=base) as sdk:
            job = next(j for j in sdk.ats.get_jobs(page_size=50).result.data.results if j.status == "OPEN")
            created = sdk.ats.create_application(
                job_id=job.id,
                candidate={"first_name": "Demo", "last_name": "User", "email_address": "demo.user@example.com"},
            ).data
            stage = next(s for s in job.stages if s.id != created.current_stage_id)
            sdk.ats.move_application_to_stage(application_id=created.id, stage_id=stage.id)
            served = sdk.ats.get_applications(ids=[created.id]).result.data.results
        assert [(a.id, a.current_stage.id if a.current_stage else None) for a in served] == [(created.id, stage.id)]
    finally:
        demo.stop()
