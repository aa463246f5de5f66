"""A source that echoes the request's headers in its error bodies: no form of the integration's
credential reaches the stored run error, a log record (DEBUG included), the command line's output or
an exception's message; what an error quotes of an upstream body is a short excerpt."""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from sqlalchemy import Engine

from hirebridge.connectors.framework.auth import BasicKeyAuth
from hirebridge.connectors.framework.auth import BearerToken as BearerAuth
from hirebridge.connectors.framework.errors import (
    CredentialsInvalid,
    RequestRejected,
    RpcError,
    SourceError,
    SourceUnavailable,
)
from hirebridge.connectors.framework.http import (
    EXCERPT_CHARS,
    REDACTED,
    Redactor,
    RetryPolicy,
    SourceClient,
    redact,
)
from hirebridge.connectors.framework.paging import Request, RpcCursor, pages, rpc_failure
from hirebridge.store import sync_runs, tenancy
from hirebridge.store.db import read_tx, write_tx
from hirebridge.store.sync_runs import SyncState
from hirebridge.sync.engine import SyncEngine
from tests.emulators.echo import Echo
from tests.emulators.scripted import Reply, Script, serve

KEY = "lvK3y-9f8e7d6c5b4a-Secret"
TOKEN = "tok_3b9a61c0d2e5f4a7b8c9d0e1"
ERRORS = {401: "AUTHENTICATION_FAILED", 400: "SOURCE_ERROR", 500: "SOURCE_UNAVAILABLE"}


def credential_forms(secret: str) -> list[str]:
    """The secret as is, `secret:` and base64 of `secret:` (Lever's Basic auth: key as username),
    base64 of the secret alone, URL-quoted; each also by its first 12 characters (what a cut-off
    excerpt would leave)."""
    basic = base64.b64encode(f"{secret}:".encode()).decode()
    forms = [secret, f"{secret}:", basic, base64.b64encode(secret.encode()).decode(), quote(secret, safe="")]
    return forms + [form[:12] for form in forms]


def leaked(text: str, secret: str = KEY) -> list[str]:
    return [form for form in credential_forms(secret) if form in text]


@pytest.fixture
def echo_integration(engine: Engine, request: pytest.FixtureRequest) -> Iterator[tuple[Echo, str]]:
    """A Lever integration whose source answers every request with `request.param` and an echo."""
    echo = Echo(request.param)
    with echo.running() as url:
        with write_tx(engine) as conn:
            env = tenancy.get_or_create_environment(conn)
            config = {"api_key": KEY, "base_url": f"{url}/v1", "retry_attempts": 2, "retry_base_delay": 0}
            integration_id = tenancy.create_integration(conn, env, "lever", config).id
        yield echo, integration_id


@pytest.mark.parametrize("echo_integration", sorted(ERRORS), indirect=True)
def test_an_echoed_credential_is_never_stored_logged_or_printed(
    engine: Engine, database_url: str, echo_integration: tuple[Echo, str], caplog: pytest.LogCaptureFixture
) -> None:
    echo, integration_id = echo_integration
    caplog.set_level(logging.DEBUG)
    result = SyncEngine(engine).run(integration_id)

    # The source did receive (and echo) the credential: there was something to leak.
    assert echo.seen and echo.seen[0]["authorization"] == "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()
    assert result.state == SyncState.FAILED
    with read_tx(engine) as conn:
        run = sync_runs.get_run(conn, result.run_id)
    assert run is not None and run.error is not None and run.error_code == ERRORS[echo.status]
    assert leaked(run.error) == []
    # The error quotes the source's answer -- redacted, and only a short excerpt of it.
    assert "echo of your request" in run.error and REDACTED in run.error
    assert "user-agent" in run.error  # the rest of the echoed headers is still there to read
    excerpt = run.error[run.error.index('{"message"') :]
    assert len(excerpt) <= EXCERPT_CHARS
    assert run.error.count("lorem ipsum") < 30
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "echo of your request" in logged and leaked(logged) == []

    cli = subprocess.run(
        [sys.executable, "-m", "hirebridge.cli", "sync", integration_id],
        env={**os.environ, "HIREBRIDGE_DATABASE_URL": database_url, "COLUMNS": "500"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    printed = cli.stdout + cli.stderr
    assert cli.returncode == 1 and "FAILED" in printed and "echo of your request" in printed, printed
    assert leaked(printed) == []


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, CredentialsInvalid), (403, CredentialsInvalid), (404, RequestRejected), (503, SourceUnavailable)],
)
def test_a_bearer_token_echoed_in_an_error_is_redacted_from_the_exception(
    status: int, error: type[SourceError]
) -> None:
    async def get(url: str) -> None:
        client = SourceClient(url, BearerAuth(TOKEN), tool="test", retry=RetryPolicy(attempts=1))
        try:
            await client.json("GET", "/items")
        finally:
            await client.aclose()

    echo = Echo(status)
    with echo.running() as url, pytest.raises(error) as failed:
        asyncio.run(get(url))
    assert echo.seen[0]["authorization"] == f"Bearer {TOKEN}"
    message = str(failed.value)
    assert f"GET {url}/items" in message and str(status) in message and "echo of your request" in message
    assert TOKEN not in message and TOKEN[:12] not in message and f'"authorization":"{REDACTED}"' in message


def test_the_redactor_covers_every_form_of_a_secret_and_cuts_after_redacting() -> None:
    redact = Redactor([KEY])
    basic = base64.b64encode(f"{KEY}:".encode()).decode()
    alone = base64.b64encode(KEY.encode()).decode()
    text = (
        f"key={KEY} pair={KEY}: basic={basic} unpadded={basic.rstrip('=')} alone={alone}"
        f" url={quote(KEY, safe='')} json={basic.replace('/', chr(92) + '/')}"
    )
    assert leaked(redact(text)) == [] and redact(text).count(REDACTED) == 7
    # Credentials it was not told about, by their form.
    assert redact("Authorization: Bearer abcdefgh12345678") == f"Authorization: Bearer {REDACTED}"
    other = base64.b64encode(b"someone:else").decode()
    assert redact(f"Authorization: Basic {other}") == f"Authorization: Basic {REDACTED}"
    assert redact("use Basic authentication") == "use Basic authentication"  # not a credential
    # A secret across the excerpt's end: redacted first, so no part of it survives the cut.
    straddling = "x" * (EXCERPT_CHARS - 5) + KEY + "y" * 1000
    excerpt = redact.excerpt(straddling)
    assert len(excerpt) <= EXCERPT_CHARS and KEY[:5] not in excerpt
    assert redact.excerpt("  many\n\n  lines  ") == "many lines"


def test_a_redactor_from_headers_knows_both_halves_of_a_basic_pair() -> None:
    pair = base64.b64encode(b"client-id-1234:client-secret-5678").decode()
    redact = Redactor.from_headers({"Authorization": f"Basic {pair}", "Accept": "application/json"})
    assert redact("id client-id-1234 secret client-secret-5678 raw " + pair).count(REDACTED) == 3
    assert redact("application/json") == "application/json"


def test_an_rpc_error_message_that_quotes_the_credential_is_redacted() -> None:
    """Ashby-style `success: false` answers (HTTP 200) carry the vendor's message into the error."""
    basic = base64.b64encode(f"{KEY}:".encode()).decode()
    answer = {
        "success": False,
        "errorInfo": {"code": "invalid_input", "message": f"bad request (Authorization: Basic {basic}) " * 40},
    }

    async def list_users(url: str) -> None:
        client = SourceClient(url, BasicKeyAuth(KEY), tool="ashby", retry=RetryPolicy(attempts=1))
        try:
            listing = pages(client, Request("POST", "/user.list"), RpcCursor(), records="results", failure=rpc_failure)
            async for _page in listing:
                pass
        finally:
            await client.aclose()

    with serve(Script(default=Reply(200, answer))) as url, pytest.raises(RpcError) as failed:
        asyncio.run(list_users(url))
    message = str(failed.value)
    assert failed.value.code == "invalid_input" and "ashby /user.list: bad request" in message
    assert leaked(message) == [] and REDACTED in message and len(message) <= EXCERPT_CHARS + 40


def test_the_signature_of_a_pre_signed_download_url_is_masked() -> None:
    url = "https://files.example/f.pdf?X-Amz-Credential=AKIA1234&X-Amz-Signature=f00d&sig=abc&v=2"
    assert redact(url) == "https://files.example/f.pdf?X-Amz-Credential=***&X-Amz-Signature=***&sig=***&v=2"
