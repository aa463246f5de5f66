"""One integration's access to its source, apart from any sync run.

A `ConnectorRuntime` holds what does not change between runs: the parsed settings, the auth (and the
OAuth token it caches), the integration's rate limiter (from the `RateLimits` provider its builder
passed) and the vendor's answer conventions. Anything can use it -- a sync's streams, file downloads,
`check()` from a connect page or the CLI, later write actions -- and all of them share the limiter
and the token. Run state (`FetchContext`) is never stored here: it is passed to each stream run.

httpx clients belong to an event loop: `client()` makes one for the current loop, to be closed
(`aclose`) when that loop's work is done.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from hirebridge.connectors.framework.auth import Auth
from hirebridge.connectors.framework.http import RetryPolicy, SourceClient
from hirebridge.connectors.framework.paging import FailureCheck, Request
from hirebridge.connectors.framework.ratelimit import RateLimiter, RateLimits

# `check()` answers a person waiting on a form: a couple of quick attempts, never the long backoff of a sync.
CHECK_ATTEMPTS = 2
CHECK_MAX_DELAY = 2.0


class ConnectorRuntime:
    def __init__(
        self,
        *,
        tool: str,
        integration_id: str,
        settings: Mapping[str, Any],
        auth: Auth,
        limits: RateLimits,
        headers: Mapping[str, str] | None = None,
        failure: FailureCheck | None = None,
        check_request: Request | None = None,
    ) -> None:
        self.tool = tool
        self.integration_id = integration_id
        self.settings = settings
        self.base_url: str = settings["base_url"]
        self.timeout: float = settings["timeout"]
        self.retry = RetryPolicy(settings["retry_attempts"], settings["retry_base_delay"], settings["retry_max_delay"])
        self.auth = auth
        # One limiter per integration, whoever uses it (see ratelimit.py).
        self.limiter: RateLimiter = limits.limiter(integration_id, settings["requests_per_second"], settings["burst"])
        self.headers = dict(headers or {})
        self.failure = failure
        self.check_request = check_request

    def __repr__(self) -> str:
        return (
            f"ConnectorRuntime(tool={self.tool!r}, integration_id={self.integration_id!r}, base_url={self.base_url!r})"
        )

    def client(
        self,
        *,
        auth: Auth | None = None,
        max_concurrency: int = 4,
        retry: RetryPolicy | None = None,
        headers: bool = True,
        follow_redirects: bool = False,
    ) -> SourceClient:
        """A client for the current event loop, with the integration's auth (or `auth`), limiter,
        retries and timeout; `headers=False` leaves out the vendor's API headers (a storage URL)."""
        return SourceClient(
            self.base_url,
            auth or self.auth,
            tool=self.tool,
            limiter=self.limiter,
            retry=retry or self.retry,
            timeout=self.timeout,
            max_concurrency=max_concurrency,
            headers=self.headers if headers else None,
            follow_redirects=follow_redirects,
        )

    async def acheck(self) -> None:
        """`check()` on the caller's event loop."""
        request = self.check_request
        if request is None:
            return
        retry = RetryPolicy(min(self.retry.attempts, CHECK_ATTEMPTS), self.retry.base_delay, CHECK_MAX_DELAY)
        client = self.client(retry=retry)
        try:
            body = await client.json(
                request.method, request.url, params=dict(request.params) or None, json=request.json, idempotent=True
            )
            if self.failure is not None and (problem := self.failure(client, request.url, body)) is not None:
                raise problem
        finally:
            await client.aclose()

    def check(self) -> None:
        """Validate the credentials with one cheap authenticated request: returns when the source
        accepts them; raises CredentialsInvalid when it refuses them (401/403), SourceUnavailable
        naming the URL and the reason when it cannot be reached, another SourceError otherwise.
        Synchronous (its own event loop): from async code, await `acheck()`."""
        asyncio.run(self.acheck())
