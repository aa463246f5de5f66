"""The `hirebridge` command as other tools call it: real subprocesses, real database."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from kombo import Kombo
from sqlalchemy import create_engine, select

from hirebridge.connectors.registry import TOOLS
from hirebridge.store.db import normalize_url
from hirebridge.store.tables import SYNCED_TABLES, integrations
from hirebridge.timefmt import utc_now
from tests.commands import NO_KEY, Running, environment, free_port, hb, start_demo
from tests.contract import validate
from tests.emulators.greenhouse import GreenhouseEmulator


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
    assert odd.returncode == 2 and "no field 'apikey'; did you mean 'api_key'?" in odd.stderr


def _stored(database_url: str) -> dict[str, tuple[dict[str, object], str | None]]:
    """Each integration's plain settings and sealed credentials, as the database holds them."""
    engine = create_engine(normalize_url(database_url))
    with engine.connect() as conn:
        rows = conn.execute(select(integrations.c.id, integrations.c.config, integrations.c.credentials)).all()
    engine.dispose()
    return {row.id: (json.loads(row.config), row.credentials) for row in rows}


def test_integrations_create_checks_the_tools_config_schema_before_storing(database_url: str) -> None:
    """Every --setting and --credential is held to the tool's declared schema: a mistyped name (with
    the closest suggested), a malformed value, a missing required field, a credential passed as a
    setting or the other way round exit 2, say what is wrong, never echo a secret, and store nothing."""
    hb(database_url, "db", "upgrade")
    key = ("--credential", "api_key=lv-secret-1")
    refusals = {
        (*key, "--setting", "burts=4"): "no field 'burts'; did you mean 'burst'?",
        (*key, "--setting", "burst=four"): "Burst (burst) must be an integer, got 'four'",
        (*key, "--setting", "timeout=0"): "Timeout (s) (timeout) must be at least 0.01",
        (*key, "--base-url", "api.lever.co"): "(base_url) must be an http(s) URL",
        ("--setting", "burst=4"): "a lever integration needs API key (api_key)",
        ("--setting", "api_key=lv-secret-1"): "API key (api_key) is a credential of lever: pass it as --credential",
        (*key, "--credential", "burst=4"): "Burst (burst) is a setting of lever",
    }
    for args, problem in refusals.items():
        refused = hb(database_url, "integrations", "create", "--tool", "lever", *args, check=False)
        assert refused.returncode == 2 and problem in refused.stderr, (args, refused.stderr)
        assert "lv-secret-1" not in refused.stderr and "Traceback" not in refused.stderr
    sandbox = hb(database_url, "integrations", "create", "--tool", "sandbox", "--base-url", "http://x", check=False)
    assert sandbox.returncode == 2 and "no field 'base_url' (its fields: applications, step)" in sandbox.stderr
    assert "`hirebridge tools show sandbox`" in sandbox.stderr
    assert _stored(database_url) == {}

    created = hb(
        database_url,
        *("integrations", "create", "--tool", "lever", "--credential", "api_key=lv-secret-1", "--no-sync", "--json"),
        *("--setting", "burst=4", "--setting", "timeout=2.5", "--setting", "retry_attempts="),
        *("--base-url", "http://127.0.0.1:9/v1/"),
    )
    integration_id = json.loads(created.stdout)["id"]
    # Stored as the declared types; fields not given (or given blank) keep the tool's defaults.
    config, sealed = _stored(database_url)[integration_id]
    assert config == {"burst": 4, "timeout": 2.5, "base_url": "http://127.0.0.1:9/v1"}
    assert sealed is not None and "lv-secret-1" not in sealed


def test_integrations_update_changes_settings_and_credentials_checked_like_create(database_url: str) -> None:
    created = hb(
        database_url,
        *("integrations", "create", "--tool", "lever", "--credential", "api_key=lv-secret-1", "--no-sync", "--json"),
        *("--setting", "burst=4", "--setting", "timeout=2.5"),
    )
    integration_id = json.loads(created.stdout)["id"]
    before = _stored(database_url)[integration_id]
    for args, problem in {
        ("--setting", "burts=5"): "did you mean 'burst'?",
        ("--setting", "burst=x"): "Burst (burst) must be an integer",
        ("--credential", "api_key= "): "a lever integration needs API key (api_key)",
        ("--setting", "api_key=lv-secret-2"): "is a credential of lever",
        (): "nothing to change",
    }.items():
        refused = hb(database_url, "integrations", "update", integration_id, *args, check=False)
        assert refused.returncode == 2 and problem in refused.stderr, (args, refused.stderr)
        assert "lv-secret" not in refused.stderr
    assert _stored(database_url)[integration_id] == before
    assert hb(database_url, "integrations", "update", "lever:nope", "--setting", "burst=3", check=False).returncode == 2

    # NAME= puts a setting back to its default; the other settings and the credential stay.
    update = ("integrations", "update", integration_id)
    hb(database_url, *update, "--setting", "burst=", "--setting", "requests_per_second=3")
    config, sealed = _stored(database_url)[integration_id]
    assert config == {"timeout": 2.5, "requests_per_second": 3.0} and sealed == before[1]

    # New credentials are sealed, and an integration whose old ones the source rejected is ACTIVE again.
    engine = create_engine(normalize_url(database_url))
    with engine.begin() as conn:
        conn.execute(
            integrations.update().where(integrations.c.id == integration_id).values(credentials_invalid_at=utc_now())
        )
    engine.dispose()
    assert json.loads(hb(database_url, "integrations", "list", "--json").stdout)[0]["status"] == "INVALID"
    hb(database_url, "integrations", "update", integration_id, "--credential", "api_key=lv-secret-2")
    config, sealed = _stored(database_url)[integration_id]
    assert config == {"timeout": 2.5, "requests_per_second": 3.0}
    assert sealed is not None and sealed != before[1] and "lv-secret-2" not in sealed
    assert json.loads(hb(database_url, "integrations", "list", "--json").stdout)[0]["status"] == "ACTIVE"


def test_tools_show_prints_a_tools_config_schema(database_url: str) -> None:
    shown = json.loads(hb(database_url, "tools", "show", "lever", "--json").stdout)
    assert shown["id"] == "lever" and shown["label"] == "Lever" and shown["supports_delta"] is True
    assert shown["config_schema"] == TOOLS["lever"].config.describe()
    key = shown["config_schema"][0]
    assert (key["name"], key["type"], key["secret"], key["required"]) == ("api_key", "str", True, True)
    assert key["vendor_url"] == "https://hire.lever.co/developer/documentation#authentication"

    text = hb(database_url, "tools", "show", "lever").stdout.splitlines()
    assert text[0] == "Lever (lever): https://hire.lever.co/developer/documentation#authentication"
    assert "api_key  str, required  (--credential api_key=VALUE, stored encrypted)" in text
    assert "burst  int, optional, default 20, min 1  (--setting burst=VALUE)" in text
    assert "  Burst: Requests the vendor allows at once." in text

    listed = json.loads(hb(database_url, "tools", "list", "--json").stdout)
    assert [t["id"] for t in listed] == list(TOOLS)
    assert next(line for line in hb(database_url, "tools", "list").stdout.splitlines() if "ashby" in line).startswith(
        "ashby"
    )
    unknown = hb(database_url, "tools", "show", "levr", check=False)
    assert unknown.returncode == 2 and "unknown tool 'levr'; known: " in unknown.stderr


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
            assert {t.id for t in sdk.general.get_tools(category="ats").data.tools} == {
                "sandbox",
                "lever",
                "ashby",
                "greenhouse",
                "workable",
                "teamtailor",
                "smartrecruiters",
                "personio",
                "recruitee",
            }
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


def test_a_greenhouse_integration_from_the_command_line(database_url: str) -> None:
    """OAuth2 client credentials instead of a key: the id a setting, the secret a sealed credential;
    `sync` then reads Harvest v3 (its emulator) and the records are served."""
    emulator = GreenhouseEmulator(seed=5, applications=10, client_secret="gh-cli-secret", rate_limit=None)
    with emulator.running() as url:
        created = json.loads(
            hb(
                database_url,
                *("integrations", "create", "--tool", "greenhouse", "--setting", f"client_id={emulator.client_id}"),
                *("--credential", "client_secret=gh-cli-secret", "--base-url", f"{url}/v3"),
                *("--setting", f"token_url={url}/token", "--no-sync", "--json"),
                # The emulator's own limit is off: do not pace at Harvest's 4.5 requests/s.
                *("--setting", "requests_per_second=1000", "--setting", "burst=1000"),
            ).stdout
        )
        config, sealed = _stored(database_url)[created["id"]]
        assert config == {
            "client_id": emulator.client_id,
            "base_url": f"{url}/v3",
            "token_url": f"{url}/token",
            "requests_per_second": 1000.0,
            "burst": 1000,
        }
        assert sealed is not None and "gh-cli-secret" not in sealed
        synced = hb(database_url, "sync", created["id"], "--json")
    run = json.loads(synced.stdout)
    assert run["state"] == "SUCCEEDED", run
    engine = create_engine(normalize_url(database_url))
    with engine.connect() as conn:
        stored = conn.execute(select(SYNCED_TABLES["applications"].c.remote_id)).scalars().all()
    engine.dispose()
    assert sorted(stored) == sorted(str(a["id"]) for a in emulator.records("applications"))
    missing = hb(
        database_url, "integrations", "create", "--tool", "greenhouse", "--setting", "client_id=x", check=False
    )
    assert missing.returncode == 2 and "client_secret" in missing.stderr
