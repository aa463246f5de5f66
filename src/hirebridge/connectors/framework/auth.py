"""How a source client authenticates: headers computed for every request.

An `Auth` is asked for its headers before each attempt of each request (`SourceClient.request`),
so credentials that expire -- OAuth2 access tokens -- are fetched when first needed, reused while
they are valid, and replaced before they run out. After a 401 the client calls `invalidate` with
the headers that were refused; an auth that can get fresh credentials drops the refused ones and
returns True, and the client tries once more (a static key returns False: the 401 stands).

One `Auth` serves every client of an integration -- the streams of a sync, each on an event loop of
its own (`run_async_iter`), file downloads, `check()` -- so what it caches is guarded by a
`threading.Lock`, never by an asyncio lock (which belongs to one loop).
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, Protocol

from hirebridge.connectors.framework.errors import SourceError

if TYPE_CHECKING:
    from hirebridge.connectors.framework.http import SourceClient

log = logging.getLogger(__name__)


class Auth(Protocol):
    async def headers(self, client: SourceClient) -> Mapping[str, str]:
        """The headers that authenticate the next request sent by `client`."""
        ...

    async def invalidate(self, used: Mapping[str, str]) -> bool:
        """`used` was refused (401): forget it; True when the next `headers` may differ (retry once)."""
        ...


class StaticAuth:
    """Headers that never change: refused once, refused for good."""

    def __init__(self, headers: Mapping[str, str]) -> None:
        self._headers = dict(headers)

    async def headers(self, client: SourceClient) -> Mapping[str, str]:
        del client
        return self._headers

    async def invalidate(self, used: Mapping[str, str]) -> bool:
        del used
        return False

    def __repr__(self) -> str:  # never print a credential
        return f"{type(self).__name__}(***)"


class NoAuth(StaticAuth):
    """No credentials: pre-signed download URLs (a storage service refuses a request that carries a
    second credential) and public endpoints."""

    def __init__(self) -> None:
        super().__init__({})


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class BasicKeyAuth(StaticAuth):
    """HTTP Basic with the API key as username and an empty password (Lever, Ashby, Greenhouse v1)."""

    def __init__(self, key: str) -> None:
        super().__init__({"Authorization": _basic(key, "")})


class BasicAuth(StaticAuth):
    """HTTP Basic with a user and a password (an OAuth2 client id and secret at a token endpoint)."""

    def __init__(self, user: str, password: str) -> None:
        super().__init__({"Authorization": _basic(user, password)})


class BearerToken(StaticAuth):
    """`Authorization: Bearer <token>` with a token that does not expire (or that someone else renews)."""

    def __init__(self, token: str) -> None:
        super().__init__({"Authorization": f"Bearer {token}"})


class HeaderKey(StaticAuth):
    """The key in a header of the vendor's own (`X-Api-Key: <key>`, `Authorization: Token <key>`)."""

    def __init__(self, name: str, value: str) -> None:
        super().__init__({name: value})


class _Abandoned(Exception):
    """The request fetching a token was cancelled: whoever waited for it fetches one itself."""


class OAuth2ClientCredentials:
    """OAuth2 client credentials (RFC 6749 §4.4), as Greenhouse Harvest v3 asks for them: POST
    `token_url` with HTTP Basic `client_id:client_secret` and the form `grant_type=client_credentials`
    (plus `extra_form`, e.g. Greenhouse's `sub`), answered `{access_token, expires_in}`; the token is
    sent as `Authorization: Bearer <token>`. `client_auth="form"` sends the client's id and secret as
    form fields instead of Basic (RFC 6749 §2.3.1 allows both; Personio's token endpoint documents
    the form).

    - The token is fetched when the first request needs it, and reused until `leeway` seconds before
      it expires (`expires_in`; an answer without one is taken to last an hour); then the next
      request fetches a new one.
    - A 401 with a cached token drops it (`invalidate`), and the client retries once with a fresh one
      (a token revoked early, a clock that disagrees with the vendor's).
    - Single flight: requests needing a token while one is being fetched wait for that fetch instead
      of starting their own -- on the same event loop or another thread's. The fetch runs on the loop
      of the request that started it; the others wait on a `concurrent.futures.Future`.
    - The token request goes through the asking client (its rate limiter, retries and redaction: the
      client redacts the client secret and, once sent, the token from everything it raises or logs).
      It is never logged, stored (only this object holds it, in memory) or put in an error message.
    """

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        extra_form: Mapping[str, str] | None = None,
        client_auth: Literal["basic", "form"] = "basic",
        leeway: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token_url = token_url
        self._form = {"grant_type": "client_credentials", **(extra_form or {})}
        self._client_auth: Auth = BasicAuth(client_id, client_secret)
        if client_auth == "form":
            self._form.update(client_id=client_id, client_secret=client_secret)
            self._client_auth = NoAuth()
        # What the token request's client must redact even when no header carries the secret.
        self._secret_headers = {"Authorization": f"Bearer {client_secret}"}
        self.leeway = leeway
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0
        self._pending: concurrent.futures.Future[str] | None = None
        self.fetches = 0  # tokens fetched so far (for operators and tests)

    def __repr__(self) -> str:
        return f"OAuth2ClientCredentials(token_url={self.token_url!r}, client_secret=***)"

    async def headers(self, client: SourceClient) -> Mapping[str, str]:
        return {"Authorization": f"Bearer {await self._current(client)}"}

    async def invalidate(self, used: Mapping[str, str]) -> bool:
        refused = used.get("Authorization", "").removeprefix("Bearer ")
        with self._lock:
            if self._token is not None and self._token == refused:
                self._token, self._expires_at = None, 0.0
        return True  # refused or already replaced: the next request carries a fresh token

    async def _current(self, client: SourceClient) -> str:
        while True:
            with self._lock:
                if self._token is not None and self._clock() < self._expires_at:
                    return self._token
                pending, owner = self._pending, self._pending is None
                if owner:
                    pending = self._pending = concurrent.futures.Future()
            assert pending is not None
            if not owner:
                try:
                    return await asyncio.wrap_future(pending)
                except _Abandoned:
                    continue  # its fetcher was cancelled: try again (perhaps fetching ourselves)
            try:
                token, lifetime = await self._fetch(client)
            except asyncio.CancelledError:
                self._settle(pending, error=_Abandoned())
                raise
            except BaseException as exc:
                self._settle(pending, error=exc)
                raise
            with self._lock:
                self._token = token
                self._expires_at = self._clock() + max(lifetime - self.leeway, lifetime / 2)
                self._pending = None
            pending.set_result(token)
            return token

    def _settle(self, pending: concurrent.futures.Future[str], *, error: BaseException) -> None:
        with self._lock:
            self._pending = None
        pending.set_exception(error)
        # A waiter may never come: mark the exception retrieved so no "never retrieved" warning fires.
        pending.exception()

    async def _fetch(self, client: SourceClient) -> tuple[str, float]:
        self.fetches += 1
        client._learn(self._secret_headers)  # a form-posted secret is redacted like a Basic one
        response = await client.request(
            "POST", self.token_url, auth=self._client_auth, idempotent=True, data=self._form
        )
        where = f"{client.tool}: the token endpoint {self.token_url}"
        try:
            answer: Any = response.json()
        except ValueError:
            # Not quoted: a body we cannot read may still hold the token.
            raise SourceError(f"{where} answered with a body that is not JSON") from None
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token:
            raise SourceError(f"{where} answered without an access_token")
        lifetime = answer.get("expires_in")
        if isinstance(lifetime, bool) or not isinstance(lifetime, int | float) or lifetime <= 0:
            lifetime = 3600.0
        log.debug("%s issued a token for %.0f s", where, lifetime, extra={"tool": client.tool})
        return token, float(lifetime)


# Tokens are worth keeping between the connectors a process builds: a write action or a check builds a
# new connector each time, and a token per action is a vendor round trip per action. Keyed by every
# credential (the secret by its hash), so new credentials never meet an old token; bounded, oldest out.
_SHARED: dict[tuple[str, ...], OAuth2ClientCredentials] = {}
_SHARED_MAX = 1024
_SHARED_LOCK = threading.Lock()


def shared_client_credentials(
    token_url: str,
    client_id: str,
    client_secret: str,
    *,
    extra_form: Mapping[str, str] | None = None,
    client_auth: Literal["basic", "form"] = "basic",
) -> OAuth2ClientCredentials:
    """The process's `OAuth2ClientCredentials` for these credentials: its cached token (and its single
    flight, which works across threads and event loops) shared by every connector built with them."""
    secret = hashlib.sha256(client_secret.encode()).hexdigest()
    key = (token_url, client_id, secret, client_auth, *sorted(f"{k}={v}" for k, v in (extra_form or {}).items()))
    with _SHARED_LOCK:
        auth = _SHARED.get(key)
        if auth is None:
            if len(_SHARED) >= _SHARED_MAX:
                del _SHARED[next(iter(_SHARED))]
            auth = _SHARED[key] = OAuth2ClientCredentials(
                token_url, client_id, client_secret, extra_form=extra_form, client_auth=client_auth
            )
        return auth
