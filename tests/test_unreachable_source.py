"""A source that cannot be reached: the error says which URL and why (connection refused, a name that
does not resolve, a TLS failure, a timeout), through the shared client and in a real sync's run."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import Engine

from hirebridge.connectors.framework.auth import BasicKeyAuth
from hirebridge.connectors.framework.errors import SourceUnavailable
from hirebridge.connectors.framework.http import RetryPolicy, SourceClient
from hirebridge.store import sync_runs, tenancy
from hirebridge.store.db import read_tx, write_tx
from hirebridge.store.sync_runs import SyncState
from hirebridge.sync.engine import SyncEngine
from tests.emulators.scripted import Script, _app, serve
from tests.emulators.unreachable import UNRESOLVABLE_HOST, closed_port, silent_server, tls_server


async def _no_wait(seconds: float) -> None:
    del seconds


def _failure(base_url: str, path: str = "/v1/users?limit=100", timeout: float = 0.3) -> str:
    """The message of the SourceUnavailable a GET of `path` ends with (two attempts, no waiting)."""

    async def get() -> None:
        client = SourceClient(
            base_url,
            BasicKeyAuth("unreachable-test-key"),
            tool="lever",
            retry=RetryPolicy(attempts=2),
            timeout=timeout,
            sleep=_no_wait,
        )
        try:
            await client.json("GET", path)
        finally:
            await client.aclose()

    with pytest.raises(SourceUnavailable) as failed:
        asyncio.run(get())
    return str(failed.value)


def test_a_closed_port_is_connection_refused_with_its_url() -> None:
    port = closed_port()
    message = _failure(f"http://127.0.0.1:{port}")
    assert f"GET http://127.0.0.1:{port}/v1/users?limit=100" in message
    assert "connection refused" in message and "after 2 attempts" in message


def test_a_name_that_does_not_resolve_is_a_dns_failure() -> None:
    message = _failure(f"https://{UNRESOLVABLE_HOST}")
    assert f"https://{UNRESOLVABLE_HOST}/v1/users" in message
    assert f"DNS: {UNRESOLVABLE_HOST} does not resolve" in message


def test_a_server_that_never_answers_is_a_timeout() -> None:
    with silent_server() as port:
        message = _failure(f"http://127.0.0.1:{port}", timeout=0.2)
        assert f"http://127.0.0.1:{port}/v1/users" in message
        assert "timed out waiting for the answer (timeout 0.2 s)" in message
        # Over https the silence comes during the TLS handshake.
        assert "timed out in the TLS handshake (timeout 0.2 s)" in _failure(f"https://127.0.0.1:{port}", timeout=0.2)


def test_https_to_a_plain_http_server_is_a_tls_failure() -> None:
    with serve(Script()) as url:
        message = _failure(url.replace("http://", "https://"))
    assert "TLS handshake failed: WRONG_VERSION_NUMBER" in message
    assert "a plain-HTTP server spoken to with https://?" in message


def test_an_untrusted_certificate_is_a_tls_failure(tmp_path: Path) -> None:
    with tls_server(_app(Script()), tmp_path) as port:
        message = _failure(f"https://127.0.0.1:{port}")
    assert f"https://127.0.0.1:{port}/v1/users" in message
    assert "TLS: the server's certificate was not accepted" in message and "self-signed" in message


def test_plain_http_to_a_tls_server_says_the_server_dropped_the_connection(tmp_path: Path) -> None:
    with tls_server(_app(Script()), tmp_path) as port:
        message = _failure(f"http://127.0.0.1:{port}")
    assert f"http://127.0.0.1:{port}/v1/users" in message
    assert "the server closed the connection without a valid answer" in message
    assert "an https:// server spoken to with http://?" in message


def test_a_sync_of_an_unreachable_source_records_the_url_and_the_reason(engine: Engine) -> None:
    port = closed_port()
    with write_tx(engine) as conn:
        env = tenancy.get_or_create_environment(conn)
        config = {"api_key": "k-unreachable", "base_url": f"http://127.0.0.1:{port}/v1", "retry_base_delay": 0}
        integration_id = tenancy.create_integration(conn, env, "lever", config).id
    result = SyncEngine(engine).run(integration_id)
    assert result.state == SyncState.FAILED
    with read_tx(engine) as conn:
        run = sync_runs.get_run(conn, result.run_id)
    assert run is not None and run.error_code == "SOURCE_UNAVAILABLE" and run.error is not None
    assert f"GET http://127.0.0.1:{port}/v1/users" in run.error and "connection refused" in run.error
