"""One key story: after `hirebridge demo`, every command on its database finds the demo's key file by
itself; a HIREBRIDGE_SECRET_KEY that contradicts it, or a key that opens nothing, is a clear error
that names the way out — never a CredentialsUnreadable traceback or a failed run."""

from __future__ import annotations

import json
from pathlib import Path

from cryptography.fernet import Fernet

from tests.commands import NO_KEY, Running, environment, free_port, hb, start_demo


def _closed_port() -> int:
    return free_port()  # nothing listens on it once the probe socket is closed


def _create_lever(database_url: str, cwd: Path, key: str) -> str:
    created = hb(
        database_url,
        "integrations",
        "create",
        "--tool",
        "lever",
        "--credential",
        "api_key=lever-secret-0123",
        "--base-url",
        f"http://127.0.0.1:{_closed_port()}/v1",
        "--setting",
        "retry_attempts=1",
        "--no-sync",
        "--json",
        key=key,
        cwd=cwd,
    )
    return str(json.loads(created.stdout)["id"])


def _sync_error_code(database_url: str, cwd: Path, integration_id: str, key: str) -> str | None:
    """Sync the (unreachable) Lever integration: SOURCE_UNAVAILABLE proves its credentials were opened."""
    result = hb(database_url, "sync", integration_id, "--json", key=key, cwd=cwd, check=False)
    assert "Traceback" not in result.stderr, result.stderr
    return json.loads(result.stdout)["error_code"] if result.stdout else None


def _serve_exit(database_url: str, cwd: Path, key: str) -> tuple[int | None, str]:
    """Start `serve`: (None, output) if it came up (then stopped), else (its exit code, output)."""
    port = free_port()
    server = Running(["serve", "--port", str(port)], environment(database_url, key), cwd=cwd)
    try:
        server.wait_for(url=f"http://127.0.0.1:{port}/health", timeout=60)
    except AssertionError:
        return server.finish(), server.output
    server.stop()
    return None, server.output


def test_after_the_demo_every_command_finds_its_key_and_a_contradicting_key_is_a_clear_error(
    database_url: str, tmp_path: Path
) -> None:
    demo, _base = start_demo(database_url, tmp_path, "--applications", "20")
    demo.stop()
    [key_file] = tmp_path.glob("*.secret-key")
    file_key = key_file.read_text().strip()

    # No export, no extra step: credentials are sealed and opened with the demo's key.
    lever = _create_lever(database_url, tmp_path, NO_KEY)
    assert _sync_error_code(database_url, tmp_path, lever, NO_KEY) == "SOURCE_UNAVAILABLE"
    assert _serve_exit(database_url, tmp_path, NO_KEY)[0] is None

    # What the README used to say: export a new key after the demo. Every command that seals or opens
    # credentials refuses at once, naming the file and what to do; no run is recorded.
    other = Fernet.generate_key().decode()
    runs_before = len(json.loads(hb(database_url, "runs", "--json").stdout))
    refused = hb(database_url, "sync", lever, key=other, cwd=tmp_path, check=False)
    assert refused.returncode == 2
    for text in (str(key_file.resolve()), "unset HIREBRIDGE_SECRET_KEY", "secret-key rotate"):
        assert text in refused.stderr, refused.stderr
    assert "Traceback" not in refused.stderr and "CredentialsUnreadable" not in refused.stderr
    assert len(json.loads(hb(database_url, "runs", "--json").stdout)) == runs_before
    code, output = _serve_exit(database_url, tmp_path, other)
    assert code == 2 and str(key_file.resolve()) in output and "Traceback" not in output
    creating = hb(
        database_url,
        *("integrations", "create", "--tool", "lever", "--credential", "api_key=x"),
        key=other,
        cwd=tmp_path,
        check=False,
    )
    assert creating.returncode == 2 and str(key_file.resolve()) in creating.stderr, creating.stderr
    # Commands that touch no credential keep working.
    assert lever in hb(database_url, "integrations", "list", key=other, cwd=tmp_path).stdout

    # Leaving the demo's key: rotate to the new key (the file's key after it), then drop the file.
    hb(database_url, "secret-key", "rotate", key=f"{other},{file_key}", cwd=tmp_path)
    key_file.unlink()
    assert _sync_error_code(database_url, tmp_path, lever, other) == "SOURCE_UNAVAILABLE"


def test_a_key_that_opens_none_of_the_stored_credentials_is_refused_up_front(database_url: str, tmp_path: Path) -> None:
    first = Fernet.generate_key().decode()
    lever = _create_lever(database_url, tmp_path, first)
    wrong = Fernet.generate_key().decode()

    refused = hb(database_url, "sync", lever, key=wrong, cwd=tmp_path, check=False)
    assert refused.returncode == 2 and "cannot be decrypted" in refused.stderr and lever in refused.stderr
    assert "Traceback" not in refused.stderr
    code, output = _serve_exit(database_url, tmp_path, wrong)
    assert code == 2 and "cannot decrypt the stored credentials" in output and "Traceback" not in output
    assert json.loads(hb(database_url, "runs", "--json").stdout) == []  # nothing was attempted

    missing = hb(database_url, "sync", lever, key=NO_KEY, cwd=tmp_path, check=False)
    assert missing.returncode == 2 and "HIREBRIDGE_SECRET_KEY is not set" in missing.stderr
    code, output = _serve_exit(database_url, tmp_path, NO_KEY)
    assert code == 2 and "HIREBRIDGE_SECRET_KEY is not set" in output and lever in output
    assert _sync_error_code(database_url, tmp_path, lever, first) == "SOURCE_UNAVAILABLE"
