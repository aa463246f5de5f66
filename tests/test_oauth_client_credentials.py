"""OAuth2 client credentials (what Greenhouse Harvest v3 needs), over real HTTP against a tiny token
server: the token is fetched once and cached, refreshed before it expires, refreshed once after a 401
and the request retried, fetched once for concurrent requests, and never logged, printed or put in
an error."""

from __future__ import annotations

import asyncio
import base64
import logging
import threading
from collections.abc import Iterator

import pytest

from hirebridge.connectors.framework.auth import OAuth2ClientCredentials
from hirebridge.connectors.framework.errors import CredentialsInvalid, SourceUnavailable
from hirebridge.connectors.framework.http import RetryPolicy, SourceClient
from hirebridge.connectors.framework.ratelimit import LocalBucket
from tests.emulators.oauth import TokenServer


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def server() -> Iterator[tuple[TokenServer, str]]:
    tokens = TokenServer()
    with tokens.running() as url:
        yield tokens, url


def credentials(tokens: TokenServer, url: str, clock: Clock | None = None, **extra: str) -> OAuth2ClientCredentials:
    return OAuth2ClientCredentials(
        f"{url}/token", tokens.client_id, tokens.client_secret, extra_form=extra or None, clock=clock or Clock()
    )


async def _get(auth: OAuth2ClientCredentials, url: str, times: int = 1, path: str = "/api/items") -> list[object]:
    client = SourceClient(url, auth, tool="test", retry=RetryPolicy(attempts=1))
    try:
        return [await client.json("GET", path) for _ in range(times)]
    finally:
        await client.aclose()


def test_the_token_is_fetched_once_and_sent_as_a_bearer_token(server: tuple[TokenServer, str]) -> None:
    tokens, url = server
    auth = credentials(tokens, url, sub="4080")
    assert asyncio.run(_get(auth, url, times=3)) == [{"data": [{"id": "1"}]}] * 3
    assert tokens.tokens_issued == 1
    assert tokens.forms == [{"grant_type": "client_credentials", "sub": "4080"}]
    assert tokens.api_calls == [f"Bearer {tokens.issued[0]}"] * 3
    # A later event loop (the next stream of a sync) reuses it too.
    asyncio.run(_get(auth, url))
    assert tokens.tokens_issued == 1


def test_the_token_is_refreshed_before_it_expires(server: tuple[TokenServer, str]) -> None:
    tokens, url = server
    tokens.expires_in = 600
    clock = Clock()
    auth = credentials(tokens, url, clock)  # leeway 60 s: good for 540 s
    asyncio.run(_get(auth, url))
    clock.now += 539
    asyncio.run(_get(auth, url))
    assert tokens.tokens_issued == 1
    clock.now += 2  # 541 s after it was issued: within a minute of expiring
    asyncio.run(_get(auth, url))
    assert tokens.tokens_issued == 2
    assert tokens.api_calls[-1] == f"Bearer {tokens.issued[1]}"


def test_a_401_refreshes_the_token_once_and_retries(server: tuple[TokenServer, str]) -> None:
    tokens, url = server
    auth = credentials(tokens, url)
    asyncio.run(_get(auth, url))
    tokens.revoke()  # revoked before it expires
    assert asyncio.run(_get(auth, url)) == [{"data": [{"id": "1"}]}]
    assert tokens.tokens_issued == 2
    assert tokens.api_calls[-2:] == [f"Bearer {tokens.issued[0]}", f"Bearer {tokens.issued[1]}"]


def test_a_401_with_a_fresh_token_is_not_retried_again(server: tuple[TokenServer, str]) -> None:
    """An API that refuses every token (a credential without the resource's scope): one refresh, then
    the refusal stands -- no loop of token fetches."""
    tokens, url = server
    auth = credentials(tokens, url)

    async def refused() -> None:
        client = SourceClient(url, auth, tool="test", retry=RetryPolicy(attempts=3))
        try:
            await client.json("GET", "/api/items")
        finally:
            await client.aclose()

    tokens.accept_tokens = False
    with pytest.raises(CredentialsInvalid, match=r"rejected the credentials \(401\) on GET .*/api/items"):
        asyncio.run(refused())
    assert tokens.tokens_issued == 2 and len(tokens.api_calls) == 2


def test_concurrent_requests_share_one_fetch(server: tuple[TokenServer, str]) -> None:
    tokens, url = server
    tokens.token_delay = 0.2
    auth = credentials(tokens, url)

    async def many() -> None:
        client = SourceClient(url, auth, tool="test", max_concurrency=8)
        try:
            await asyncio.gather(*(client.json("GET", "/api/items") for _ in range(8)))
        finally:
            await client.aclose()

    # Eight requests on one event loop and eight on another thread's, all needing the token at once.
    other = threading.Thread(target=lambda: asyncio.run(many()))
    other.start()
    asyncio.run(many())
    other.join()
    assert tokens.tokens_issued == 1
    assert len(tokens.api_calls) == 16 and set(tokens.api_calls) == {f"Bearer {tokens.issued[0]}"}


def test_token_requests_go_through_the_integrations_rate_limiter(server: tuple[TokenServer, str]) -> None:
    tokens, url = server
    now = [0.0]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    bucket = LocalBucket(rate=1, burst=1, clock=lambda: now[0], sleep=sleep)

    async def one() -> None:
        client = SourceClient(url, credentials(tokens, url), tool="test", limiter=bucket)
        try:
            await client.json("GET", "/api/items")
        finally:
            await client.aclose()

    asyncio.run(one())
    # The token request took the one token of the burst; the API request waited a second for its own.
    assert tokens.tokens_issued == 1 and waits and abs(sum(waits) - 1.0) < 1e-6


def test_wrong_client_credentials_are_credentials_invalid_without_the_secret(server: tuple[TokenServer, str]) -> None:
    tokens, url = server
    auth = OAuth2ClientCredentials(f"{url}/token", tokens.client_id, "not-the-secret-789", clock=Clock())
    with pytest.raises(CredentialsInvalid) as refused:
        asyncio.run(_get(auth, url))
    message = str(refused.value)
    assert f"POST {url}/token" in message and "invalid_client" in message
    assert "not-the-secret-789" not in message
    assert base64.b64encode(f"{tokens.client_id}:not-the-secret-789".encode()).decode() not in message


def test_client_credentials_posted_as_form_fields() -> None:
    """Personio's token endpoint takes the client's id and secret in the form, not as Basic auth."""
    tokens = TokenServer(client_auth="form")
    with tokens.running() as url:
        auth = OAuth2ClientCredentials(f"{url}/token", tokens.client_id, tokens.client_secret, client_auth="form")
        assert asyncio.run(_get(auth, url, times=2)) == [{"data": [{"id": "1"}]}] * 2
        assert tokens.forms == [
            {"grant_type": "client_credentials", "client_id": tokens.client_id, "client_secret": tokens.client_secret}
        ]
        wrong = OAuth2ClientCredentials(f"{url}/token", tokens.client_id, "not-the-secret-789", client_auth="form")
        with pytest.raises(CredentialsInvalid) as refused:
            asyncio.run(_get(wrong, url))
    # The server quoted the secret it was sent: the client redacts it though no header carried it.
    assert "invalid_client" in str(refused.value) and "not-the-secret-789" not in str(refused.value)


def test_the_token_is_never_logged_printed_or_in_an_error(
    server: tuple[TokenServer, str], caplog: pytest.LogCaptureFixture
) -> None:
    tokens, url = server
    caplog.set_level(logging.DEBUG)
    auth = credentials(tokens, url)
    with pytest.raises(SourceUnavailable) as failed:
        asyncio.run(_get(auth, url, path="/api/echo"))  # answers 500 with our headers in its body
    token = tokens.issued[0]
    message = str(failed.value)
    assert "echo of your request" in message and "[redacted]" in message
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    for text in (message, logged, repr(auth)):
        assert token not in text and token[:12] not in text
        assert tokens.client_secret not in text
