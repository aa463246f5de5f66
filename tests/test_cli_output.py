"""Where the command line writes what: `--json` is one JSON document on stdout, listings are whole
lines on stdout, notices and logs go to stderr — and with HIREBRIDGE_LOG_FORMAT=json every line on
stderr of every process is a JSON object."""

from __future__ import annotations

import json
import signal
import time
from typing import Any

from hirebridge.store import sync_runs
from hirebridge.store.db import make_engine, read_tx
from hirebridge.store.sync_runs import SyncState
from tests.commands import Running, environment, free_port, hb

JSON_LOGS = {"HIREBRIDGE_LOG_FORMAT": "json"}


def _one_document(stdout: str) -> Any:
    assert stdout.endswith("\n") and stdout.count("\n") == 1, stdout
    return json.loads(stdout)


def _json_lines(stderr: str) -> list[dict[str, Any]]:
    """Every stderr line, parsed: fails on the first that is not a JSON object."""
    lines = stderr.splitlines()
    parsed = []
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            raise AssertionError(f"not a JSON line: {line!r}\n--- all of stderr:\n{stderr}") from None
        assert isinstance(entry, dict) and {"time", "level", "logger", "message"} <= entry.keys(), line
        parsed.append(entry)
    return parsed


def test_every_json_flag_prints_one_json_document_on_stdout(database_url: str) -> None:
    key = _one_document(hb(database_url, "api-keys", "create", "--json").stdout)
    assert _one_document(hb(database_url, "tools", "show", "sandbox", "--json").stdout)["id"] == "sandbox"
    assert "sandbox" in {tool["id"] for tool in _one_document(hb(database_url, "tools", "list", "--json").stdout)}
    assert key["key"].startswith("hb_")
    created = _one_document(
        hb(database_url, "integrations", "create", "--tool", "sandbox", "--applications", "20", "--json").stdout
    )
    queued = _one_document(hb(database_url, "sync", created["id"], "--enqueue", "--json").stdout)
    assert queued["already_queued"] and queued["type"] == "FULL"

    run = _one_document(hb(database_url, "sync", created["id"], "--json").stdout)
    assert run["id"] == queued["sync_id"]  # the queued run, executed here
    assert run["state"] == "SUCCEEDED" and run["kind"] == "FULL" and run["integration_id"] == created["id"]
    assert run["records_written"] == sum(
        counts["inserted"] + counts["updated"] + counts["deleted"] for counts in run["stats"].values()
    )
    assert run["records_written"] > 0 and run["error_code"] is None and run["finished_at"] is not None

    listed = _one_document(hb(database_url, "integrations", "list", "--json").stdout)
    assert listed[0]["last_run"]["id"] == run["id"]
    assert _one_document(hb(database_url, "runs", "--json").stdout) == [
        {**run, "executor": listed[0]["last_run"]["executor"]}
    ]


def test_listings_are_whole_lines_on_stdout(database_url: str) -> None:
    organization = "Organization " + "with a very long name " * 10  # wider than any terminal default
    hb(database_url, "integrations", "create", "--tool", "sandbox", "--organization", organization.strip())
    lever = hb(
        database_url,
        *("integrations", "create", "--tool", "lever", "--credential", "api_key=k", "--no-sync", "--json"),
    )
    lever_id = json.loads(lever.stdout)["id"]
    listing = hb(database_url, "integrations", "list")
    assert lever_id not in listing.stderr
    # `integrations list | grep lever`
    assert next(line for line in listing.stdout.splitlines() if "lever" in line).startswith(lever_id)
    assert any(line.rstrip().endswith(organization.strip()) for line in listing.stdout.splitlines()), listing.stdout


def test_no_alembic_lines_on_any_command(database_url: str) -> None:
    for args in (("db", "upgrade"), ("integrations", "list"), ("runs",)):
        result = hb(database_url, *args)
        assert "alembic" not in result.stderr and "Context impl" not in result.stderr, result.stderr


def test_json_log_format_makes_every_stderr_line_json_for_sync_and_errors(database_url: str) -> None:
    created = hb(database_url, "integrations", "create", "--tool", "sandbox", "--applications", "20", env=JSON_LOGS)
    assert _json_lines(created.stderr)  # the "first sync is queued" notice, as a log record
    integration_id = created.stdout.split()[-1]

    synced = hb(database_url, "sync", integration_id, env=JSON_LOGS)
    entries = _json_lines(synced.stderr)
    assert [e["message"] for e in entries if e["logger"] == "hirebridge.sync.engine"] == [
        "sync started",
        "sync succeeded",
    ]
    assert "SUCCEEDED" in synced.stdout

    failed = hb(
        database_url,
        *("integrations", "create", "--tool", "lever", "--credential", "api_key=k", "--no-sync"),
        *("--base-url", f"http://127.0.0.1:{free_port()}/v1", "--setting", "retry_attempts=1"),
        env=JSON_LOGS,
    )
    failing = hb(database_url, "sync", failed.stdout.split()[-1], env=JSON_LOGS, check=False)
    assert failing.returncode == 1
    assert any("SOURCE_UNAVAILABLE" in e["message"] for e in _json_lines(failing.stderr))

    for args in (("sync",), ("sync", integration_id, "--kind", "sideways"), ("runs", "nope:nope"), ("no-such",)):
        usage = hb(database_url, *args, env=JSON_LOGS, check=False)
        assert usage.returncode == 2 and [e["level"] for e in _json_lines(usage.stderr)] == ["ERROR"], args


def test_json_log_format_makes_every_stderr_line_of_serve_json(database_url: str) -> None:
    hb(database_url, "db", "upgrade")
    for workers in ("1", "2"):
        port = free_port()
        server = Running(
            ["serve", "--port", str(port), "--workers", workers],
            environment(database_url, **JSON_LOGS),
            merge=False,
        )
        server.wait_for(url=f"http://127.0.0.1:{port}/health")
        time.sleep(1)  # let every worker process start up and log
        server.stop()
        entries = _json_lines("".join(server.stderr))
        assert any("Uvicorn running" in e["message"] for e in entries), entries
        assert not any("color_message" in e for e in entries)


def test_json_log_format_makes_every_stderr_line_of_a_worker_json(postgres_url: str) -> None:
    env = {**JSON_LOGS, "HIREBRIDGE_WORKER_MODE": "distributed", "HIREBRIDGE_SCHEDULER_TICK_SECONDS": "1"}
    hb(postgres_url, "db", "upgrade", env=env)
    created = hb(postgres_url, "integrations", "create", "--tool", "sandbox", "--applications", "20", env=env)
    integration_id = created.stdout.split()[-1]
    worker = Running(["worker", "--concurrency", "1"], environment(postgres_url, **env), merge=False)
    engine = make_engine(postgres_url)
    try:
        deadline = time.monotonic() + 120
        while True:
            with read_tx(engine) as conn:
                runs = sync_runs.list_runs(conn, integration_id)
            if runs and runs[0].state == SyncState.SUCCEEDED:
                break
            assert worker.proc.poll() is None and time.monotonic() < deadline, "".join(worker.stderr)
            time.sleep(0.25)
    finally:
        engine.dispose()
        worker.stop(signal.SIGTERM)
    entries = _json_lines("".join(worker.stderr))
    messages = [e["message"] for e in entries]
    assert any(m.startswith("worker started") for m in messages) and "sync succeeded" in messages
