"""The one HTTP client every connector uses to talk to a source ATS.

It owns what every vendor API needs and no connector should re-implement: authentication computed
per request (`auth.py`: static keys, OAuth2 tokens fetched, cached and refreshed), the integration's
rate limiter (`ratelimit.py`, acquired before every attempt), retries that depend on the method
(below), classification of everything else (401/403 -> credentials invalid; other 4xx -> fatal),
bounded concurrency for per-record child requests, and request logging with secrets redacted.

Retries: a request that is safe to repeat -- GET, HEAD, OPTIONS, PUT, DELETE, or any request sent
with `idempotent=True` (a read over POST, as RPC APIs do; a write carrying an idempotency key the
vendor honours) -- is retried with exponential backoff and full jitter on 429/5xx/timeouts/connection
errors, honouring `Retry-After`. Any other request (a POST or PATCH that changes something) is sent
once: a 429 (the vendor refused it unread) and a connection that never opened (nothing reached the
vendor) are still retried, but a timeout or dropped connection after it was sent, or a 5xx, is
`OutcomeUnknown` -- it may have taken effect, and a second attempt could do it twice.

It is asynchronous (httpx) so child requests can overlap; `run_async_iter` lets the synchronous sync
engine consume an async stream, read ahead in a thread of its own.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import functools
import json
import logging
import queue
import random
import re
import socket
import ssl
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import httpx

from hirebridge import netguard
from hirebridge.connectors.framework.auth import Auth
from hirebridge.connectors.framework.errors import (
    CredentialsInvalid,
    OutcomeUnknown,
    RequestRejected,
    SourceUnavailable,
)
from hirebridge.connectors.framework.ratelimit import Penalizable, RateLimiter
from hirebridge.observability import observe_source_request, observe_source_retry

log = logging.getLogger(__name__)
T = TypeVar("T")

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
# Methods a request may be repeated with (RFC 9110 §9.2.2): sending one twice has the effect of once.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# Transport errors raised before any of the request reached the server (no connection: refused, DNS,
# TLS handshake, connect timeout; no free connection): even a request that is not idempotent may be
# sent again.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Query parameters whose values never reach a log line or an error: credentials, and the signatures of
# pre-signed download URLs (S3, GCS, Azure SAS), which grant access on their own.
SECRET_PARAMS = frozenset(
    {
        "api_key",
        "apikey",
        "key",
        "token",
        "access_token",
        "client_secret",
        "password",
        "sig",
        "signature",
        "x-amz-signature",
        "x-amz-credential",
        "x-amz-security-token",
        "x-goog-signature",
        "x-goog-credential",
    }
)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Full jitter (AWS style) unless the server said how long to wait."""
        if retry_after is not None:
            return min(retry_after, self.max_delay)
        return random.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))


def retry_after_seconds(value: str | None) -> float | None:
    """`Retry-After` as seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


MAX_REDIRECTS = 10
# The prefixes of the headers that say a vendor's rate window is spent and when it resets.
SPENT_WINDOW = ("x-ratelimit", "x-rate-limit")


def reset_seconds(value: str | None, now: float) -> float | None:
    """`X-RateLimit-Reset` as seconds from `now`: Unix seconds (Greenhouse) or, for a small number,
    seconds from now (GitHub-style delta); None when absent or unreadable."""
    try:
        reset = float(value) if value else None
    except ValueError:
        return None
    if reset is None:
        return None
    return max(0.0, reset - now) if reset > 1_000_000_000 else max(0.0, reset)


def redact(url: str) -> str:
    parts = urlsplit(url)
    query = [(k, "***" if k.lower() in SECRET_PARAMS else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(parts._replace(query=urlencode(query, safe="*")))


REDACTED = "[redacted]"
# How much of an upstream body an error message quotes: enough to read the source's own error
# ("Invalid API key", a validation message), too little to carry a page of customer data.
EXCERPT_CHARS = 300
# Redaction reads at most this much of a body (the excerpt is cut from the redacted text).
_REDACT_SCAN_CHARS = 64 * 1024
# Shorter "secrets" are not credentials (and redacting them would mangle every message).
_MIN_SECRET_CHARS = 4
# Request headers whose values are credentials.
CREDENTIAL_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "x-api-key", "api-key", "apikey", "x-auth-token", "cookie"}
)
# Credentials of any kind, known or not: `Bearer <token>`, and `Basic <base64>` that decodes to `user:password`.
_BEARER = re.compile(r"(?i)(\bbearer\s+)[A-Za-z0-9\-._~+/]{8,}=*")
_BASIC = re.compile(r"(?i)(\bbasic\s+)([A-Za-z0-9+/]{4,}={0,2})")


def _b64_forms(raw: bytes) -> set[str]:
    standard = base64.b64encode(raw).decode()
    urlsafe = base64.urlsafe_b64encode(raw).decode()
    forms = {standard, urlsafe, standard.rstrip("="), urlsafe.rstrip("=")}
    return forms | {f.replace("/", "\\/") for f in forms}  # as a JSON encoder may escape it


def _secret_forms(secret: str) -> set[str]:
    """Every way a credential is likely to show up in text: as is, URL- and JSON-escaped, and base64
    encoded alone and as Basic auth's `secret:` (key as username: Lever, Ashby, Greenhouse) or
    `:secret` (key as password)."""
    forms = {secret, quote(secret, safe=""), json.dumps(secret)[1:-1]}
    for raw in (secret, f"{secret}:", f":{secret}"):
        forms |= _b64_forms(raw.encode())
    return forms


def _basic_secret(match: re.Match[str]) -> str:
    try:
        decoded = base64.b64decode(match.group(2), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return match.group(0)  # "Basic authentication", not a credential
    return match.group(1) + REDACTED if ":" in decoded else match.group(0)


def credential_values(headers: Mapping[str, str]) -> list[str]:
    """The credentials request headers carry: each credential header's whole value, a Bearer token,
    a Basic pair and each of its halves."""
    secrets: list[str] = []
    for name, value in headers.items():
        if name.lower() not in CREDENTIAL_HEADERS:
            continue
        secrets.append(value)
        scheme, _, credential = value.partition(" ")
        if not credential:
            continue
        secrets.append(credential)
        if scheme.lower() == "basic":
            with contextlib.suppress(binascii.Error, UnicodeDecodeError):
                user, _, password = base64.b64decode(credential, validate=True).decode().partition(":")
                secrets += [user, password]
    return secrets


@functools.lru_cache(maxsize=256)
def _redactor(secrets: frozenset[str]) -> Redactor:
    """One redactor per set of credentials, shared by the clients that learn them: building one
    compiles a pattern of every form of every secret (milliseconds), and a write action's client
    learns the same credentials a moment ago's did."""
    return Redactor(secrets)


class Redactor:
    """Takes credentials out of text before it is stored, logged or raised: every form of the
    secrets it was built from (see `_secret_forms`), plus any `Bearer ...` token or `Basic ...` pair.

    One redactor per source client (built from the headers it authenticates with) cleans every error
    the client raises; the sync engine builds one from the integration's credentials as a last line
    of defense before it stores or logs a run's error."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if len(secret := secret.strip()) >= _MIN_SECRET_CHARS:
                forms |= _secret_forms(secret)
        ordered = sorted((f for f in forms if len(f) >= _MIN_SECRET_CHARS), key=len, reverse=True)
        self._known = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> Redactor:
        """The credentials in request headers (`credential_values`)."""
        return cls(credential_values(headers))

    @classmethod
    def from_config(cls, config: Mapping[str, Any], fields: Iterable[str]) -> Redactor:
        """The string values (nested ones too) of a configuration's credential `fields`."""
        secrets: list[str] = []

        def collect(value: Any) -> None:
            if isinstance(value, str):
                secrets.append(value)
            elif isinstance(value, Mapping):
                for item in value.values():
                    collect(item)
            elif isinstance(value, list | tuple):
                for item in value:
                    collect(item)

        for name in fields:
            collect(config.get(name))
        return cls(secrets)

    def __call__(self, text: str) -> str:
        if self._known is not None:
            text = self._known.sub(REDACTED, text)
        return _BASIC.sub(_basic_secret, _BEARER.sub(lambda m: m.group(1) + REDACTED, text))

    def excerpt(self, text: str, limit: int = EXCERPT_CHARS) -> str:
        """A short one-line quote of an upstream body, redacted before it is cut (a cut first could
        leave part of a secret that no longer matches)."""
        clean = " ".join(self(text[:_REDACT_SCAN_CHARS]).split())
        return clean if len(clean) <= limit else clean[: limit - 1] + "…"

    def __repr__(self) -> str:
        return "Redactor(***)"


def describe_transport_error(exc: httpx.TransportError, timeout: float | None = None) -> str:
    """Why a request got no answer, in words an operator can act on: connection refused, a DNS name
    that does not resolve, a TLS failure, a timeout, a connection the server dropped."""
    causes: list[BaseException] = []
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:  # the exception, its causes, and the members of exception groups among them
        current = pending.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        causes.append(current)
        if isinstance(current, BaseExceptionGroup):
            pending.extend(current.exceptions)
        pending.extend((current.__cause__, current.__context__))
    url = exc.request.url if _has_request(exc) else None
    limit = f" (timeout {timeout:g} s)" if timeout is not None else ""
    if isinstance(exc, httpx.ConnectTimeout):
        handshake = any(isinstance(c, ssl.SSLError) for c in causes)
        return f"timed out {'in the TLS handshake' if handshake else 'connecting'}{limit}"
    if isinstance(exc, httpx.ReadTimeout):
        return f"timed out waiting for the answer{limit}"
    if isinstance(exc, httpx.WriteTimeout):
        return f"timed out sending the request{limit}"
    if isinstance(exc, httpx.PoolTimeout):
        return f"timed out waiting for a free connection{limit}"
    for cause in causes:
        if isinstance(cause, socket.gaierror):
            host = f"{url.host} " if url is not None else "the name "
            return f"DNS: {host}does not resolve ({cause.strerror or cause})"
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"TLS: the server's certificate was not accepted ({cause.verify_message or cause.reason})"
        if isinstance(cause, ssl.SSLError):
            hint = " (a plain-HTTP server spoken to with https://?)" if cause.reason == "WRONG_VERSION_NUMBER" else ""
            return f"TLS handshake failed: {cause.reason or cause}{hint}"
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused (nothing listens on that port)"
        if isinstance(cause, ConnectionResetError):
            return "the server reset the connection"
    if isinstance(exc, httpx.RemoteProtocolError):
        hint = " (an https:// server spoken to with http://?)" if url is not None and url.scheme == "http" else ""
        return f"the server closed the connection without a valid answer{hint}: {exc}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _has_request(exc: httpx.TransportError) -> bool:
    try:
        exc.request  # noqa: B018 -- raises RuntimeError when the exception carries none
    except RuntimeError:
        return False
    return True


class SourceClient:
    """HTTP access to one integration's source ATS, from one event loop (make one per loop)."""

    def __init__(
        self,
        base_url: str,
        auth: Auth,
        *,
        tool: str,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        max_concurrency: int = 4,
        headers: Mapping[str, str] | None = None,
        follow_redirects: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.tool = tool
        self.auth = auth
        self._sleep = sleep
        self.limiter = limiter
        self.retry = retry or RetryPolicy()
        self.timeout = timeout
        self.requests_sent = 0
        self._semaphore = asyncio.Semaphore(max_concurrency)
        # What every error this client raises (and what the connector quotes of a body) is cleaned
        # with: it learns each credential the first time a request carries it (`_learn`).
        self.redact = Redactor()
        self._secrets: set[str] = set()
        self._learned: list[Mapping[str, str]] = []
        self._client = httpx.AsyncClient(
            base_url=base_url,
            headers=headers,
            timeout=timeout,
            transport=transport,
            verify=netguard.tls_context(),
            follow_redirects=False,  # followed by `_send`, through the limiter
        )
        self._follow_redirects = follow_redirects

    async def aclose(self) -> None:
        await self._client.aclose()

    def _learn(self, headers: Mapping[str, str]) -> None:
        """Add the credentials `headers` carry to what this client redacts (static auth hands out
        the same mapping every time: recognised by identity, at no cost)."""
        if any(headers is known for known in self._learned):
            return
        if len(self._learned) < 8:
            self._learned.append(headers)
        new = set(credential_values(headers)) - self._secrets
        if new:
            self._secrets |= new
            self.redact = _redactor(frozenset(self._secrets))

    def _where(self, method: str, url: httpx.URL | str) -> str:
        return self.redact(f"{method} {redact(str(url))}")

    def _answer(self, response: httpx.Response) -> str:
        """The source's own words (a short, redacted excerpt of the body), for an error message."""
        text = self.redact.excerpt(response.text)
        return f": {text}" if text else ""

    async def request(
        self, method: str, path: str, *, idempotent: bool | None = None, auth: Auth | None = None, **kwargs: Any
    ) -> httpx.Response:
        """Send with authentication, rate limiting and retries; returns a 2xx response or raises SourceError.

        `idempotent`: whether the request may be repeated (default: by its method, see the module's
        docstring). `auth`: other credentials for this request (a token endpoint's client secret).
        Errors name the request (method and URL, secret query values masked) and why it failed, and
        quote at most EXCERPT_CHARS of the source's answer with every credential redacted."""
        return await self._request(method, path, idempotent, auth, any_status=False, kwargs=kwargs)

    async def send_raw(
        self, method: str, path: str, *, idempotent: bool | None = None, **kwargs: Any
    ) -> httpx.Response:
        """`request`, but the source's answer comes back whatever its status (a passthrough hands it to
        its caller): nothing is classified, so a 401/403 raises no CredentialsInvalid -- it may say
        only that this endpoint is forbidden. Auth, the limiter and the same retries apply: a 429/5xx
        is retried when the request may be repeated, and the last answer returned when retries run
        out; a request that may not be repeated returns its first answer. Raises only when no answer
        came (SourceUnavailable, OutcomeUnknown) or the credentials could not be obtained."""
        return await self._request(method, path, idempotent, None, any_status=True, kwargs=kwargs)

    async def _request(
        self,
        method: str,
        path: str,
        idempotent: bool | None,
        auth: Auth | None,
        *,
        any_status: bool,
        kwargs: dict[str, Any],
    ) -> httpx.Response:
        method = method.upper()
        repeatable = idempotent if idempotent is not None else method in IDEMPOTENT_METHODS
        credentials = auth or self.auth
        extra = kwargs.pop("headers", None) or {}
        refreshed = False  # a 401 got one retry with fresh credentials
        attempt = 0
        while True:
            sent = await credentials.headers(self)
            self._learn(sent)
            if self.limiter is not None:
                await self.limiter.acquire()
            started = time.monotonic()
            retry_after: float | None = None
            answer = ""
            self.requests_sent += 1
            try:
                response = await self._send(method, path, {**extra, **sent}, kwargs)
            except httpx.TransportError as exc:  # timeouts included
                where = self._where(method, exc.request.url if _has_request(exc) else path)
                reason = type(exc).__name__
                problem = self.redact(describe_transport_error(exc, self.timeout))
                status = None
                observe_source_request(self.tool, None)
                if not repeatable and not isinstance(exc, NOT_SENT):
                    raise OutcomeUnknown(
                        f"{self.tool}: {where}: {problem}; it may or may not have taken effect (not retried: "
                        f"{method} is not idempotent)"
                    ) from None
            else:
                status = response.status_code
                observe_source_request(self.tool, status)
                where = self._where(method, response.request.url)
                log.debug(
                    "%s -> %s in %.0f ms",
                    where,
                    status,
                    (time.monotonic() - started) * 1000,
                    extra={"tool": self.tool, "status": status, "attempt": attempt},
                )
                if status < 400:
                    await self._note_spent_window(response)
                    return response
                if status == 401 and not refreshed and await credentials.invalidate(sent):
                    refreshed = True
                    log.info("%s: %s: 401, retrying once with fresh credentials", self.tool, where)
                    continue
                final = status not in RETRYABLE_STATUSES or (not repeatable and status != 429)
                if any_status and final:
                    return response
                if status in (401, 403):
                    raise CredentialsInvalid(
                        f"{self.tool} rejected the credentials ({status}) on {where}{self._answer(response)}", status
                    )
                if status not in RETRYABLE_STATUSES:
                    raise RequestRejected(f"{self.tool} rejected {where} ({status}){self._answer(response)}", status)
                problem, reason, answer = f"HTTP {status}", str(status), self._answer(response)
                if not repeatable and status != 429:
                    raise OutcomeUnknown(
                        f"{self.tool}: {where}: {problem}; it may or may not have taken effect (not retried: "
                        f"{method} is not idempotent){answer}",
                        status,
                    )
                retry_after = retry_after_seconds(response.headers.get("retry-after"))
                if status == 429 and retry_after is not None and isinstance(self.limiter, Penalizable):
                    # Every user of the integration's limit waits, not only this request.
                    await self.limiter.penalize(min(retry_after, self.retry.max_delay))
            attempt += 1
            if attempt == self.retry.attempts:
                if any_status and status is not None:
                    return response
                raise SourceUnavailable(f"{self.tool}: {where}: {problem} after {attempt} attempts{answer}", status)
            delay = self.retry.delay(attempt - 1, retry_after)
            observe_source_retry(self.tool, reason)
            log.info("%s: %s: %s, retrying in %.2f s", self.tool, where, problem, delay, extra={"tool": self.tool})
            await self._sleep(delay)

    async def _send(self, method: str, path: str, headers: Mapping[str, str], kwargs: Any) -> httpx.Response:
        """One request, and the redirects it answers (when this client follows them), each hop paced
        by the limiter like any request: a link that redirects to a file costs the vendor two.
        httpx builds each hop (credentials dropped on a redirect to another host)."""
        response = await self._client.request(method, path, headers=headers, **kwargs)
        hops = 0
        while self._follow_redirects and response.next_request is not None:
            hops += 1
            if hops > MAX_REDIRECTS:
                raise SourceUnavailable(f"{self.tool}: {self._where(method, response.request.url)}: too many redirects")
            await response.aclose()
            if self.limiter is not None:
                await self.limiter.acquire()
            self.requests_sent += 1
            response = await self._client.send(response.next_request)
        return response

    async def _note_spent_window(self, response: httpx.Response) -> None:
        """`X-RateLimit-Remaining: 0` (Greenhouse; Workable spells it `X-Rate-Limit-Remaining`): the
        vendor's window is spent -- by us, or by another client of the same credentials our limiter
        knows nothing of. Every user of the integration's limiter waits until the reset header's time
        instead of spending a request on a 429."""
        spent = [prefix for prefix in SPENT_WINDOW if response.headers.get(f"{prefix}-remaining", "").strip() == "0"]
        if not spent:
            return
        wait = reset_seconds(response.headers.get(f"{spent[0]}-reset"), time.time())
        if wait and isinstance(self.limiter, Penalizable):
            await self.limiter.penalize(min(wait, self.retry.max_delay))

    async def json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.request(method, path, **kwargs)
        try:
            return response.json()
        except ValueError:
            raise self.not_json(method, response) from None

    def not_json(self, method: str, response: httpx.Response) -> SourceUnavailable:
        """The error for a 2xx answer whose body does not parse (cut short, an HTML error page)."""
        return SourceUnavailable(
            f"{self.tool} sent a body that is not JSON on {self._where(method.upper(), response.request.url)}"
            f"{self._answer(response)}"
        )

    async def bounded(self, calls: Iterable[Callable[[], Awaitable[T]]]) -> list[T]:
        """Run calls (child requests, one per parent record) at most `max_concurrency` at a time."""

        async def one(call: Callable[[], Awaitable[T]]) -> T:
            async with self._semaphore:
                return await call()

        tasks = [asyncio.ensure_future(one(c)) for c in calls]
        try:
            return list(await asyncio.gather(*tasks))
        except BaseException:
            # The first failure ends the batch: stop the others now rather than leave them running
            # (and their listings open) until the stream's event loop is torn down.
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise


# Items a stream's reader runs ahead of the sync engine: two engine pages (Settings.sync_page_size),
# so the source is read -- and its rate limit spent -- while the engine writes the previous page.
READ_AHEAD = 1000


@dataclass(frozen=True, slots=True)
class _End:
    error: BaseException | None


def run_async_iter(make: Callable[[], AsyncIterator[T]], read_ahead: int = READ_AHEAD) -> Generator[T, None, None]:
    """Consume an async iterator from synchronous code (the sync engine).

    The iterator runs on a private event loop in a reader thread of its own, up to `read_ahead`
    items ahead of the consumer: requests keep going out while the engine writes (waiting on the
    database, which releases the GIL), instead of the source sitting idle for every page written --
    the difference between a rate-limited sync at the source's limit and one at the limit plus the
    time of all writes. Errors of the iterator are raised here, in the consumer; closing this
    generator (the engine does when a run stops or fails) cancels the reader and waits for it."""
    ready: queue.Queue[Any] = queue.Queue(maxsize=max(1, read_ahead))
    closing = threading.Event()
    loop = asyncio.new_event_loop()
    task: asyncio.Task[None] | None = None

    def put(item: Any) -> None:
        while not closing.is_set():
            try:
                ready.put(item, timeout=0.05)
                return
            except queue.Full:
                continue

    async def produce() -> None:
        async for item in make():
            try:
                ready.put_nowait(item)
            except queue.Full:  # the consumer is busy: wait for room off the loop's thread
                await asyncio.to_thread(put, item)
            if closing.is_set():
                return

    def read() -> None:
        nonlocal task
        asyncio.set_event_loop(loop)
        end = _End(None)
        try:
            try:
                task = loop.create_task(produce())
                loop.run_until_complete(task)
            finally:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.run_until_complete(loop.shutdown_default_executor())
                loop.close()
        except asyncio.CancelledError:  # the consumer closed: nobody waits for an end
            pass
        except BaseException as exc:  # handed to the consumer, raised there
            end = _End(exc)
        put(end)

    reader = threading.Thread(target=read, name="source-reader", daemon=True)
    reader.start()
    try:
        while True:
            item = ready.get()
            if isinstance(item, _End):
                if item.error is not None:
                    raise item.error
                return
            yield item
    finally:
        closing.set()
        if reader.is_alive() and not loop.is_closed():
            # RuntimeError: the loop closed in between, the reader is finishing anyway.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(lambda: task is not None and task.cancel())
        reader.join()
