"""Sending due deliveries: announce the change outbox, claim what is due, POST it concurrently.

One pass (`deliver_due_async`) keeps at most `webhook_concurrency` POSTs in flight, starting the next
claimed delivery as a slot frees up (and claiming again every `webhook_poll_seconds` once nothing was
left), so one hanging receiver holds one slot for at most `webhook_timeout_seconds`, not the pass.
Database work runs in threads, batched: a claim takes up to a lane's worth of deliveries in one
transaction, and the attempts that finish while one batch of results is being written are written
together in the next. The event loop only waits on sockets.

Each attempt: the subscription's URL must still resolve to an allowed address (netguard, checked
now, not only when it was created: DNS may have changed), redirects are not followed (they would
leave the checked address), 2xx is delivered, anything else or no answer is retried after
`retry_delay` until the retry period since the delivery was created ends, then FAILED.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import time
from collections import deque
from datetime import datetime, timedelta

import httpx
from sqlalchemy import Engine

from hirebridge import netguard, observability
from hirebridge.config import Settings
from hirebridge.store import events, webhooks
from hirebridge.store.db import write_tx
from hirebridge.timefmt import utc_now
from hirebridge.version import __version__
from hirebridge.webhooks.signing import SIGNATURE_HEADER, signature

log = logging.getLogger(__name__)

USER_AGENT = f"HireBridge-Webhooks/{__version__}"
_rng = random.SystemRandom()


def retry_delay(attempt: int, settings: Settings, rng: random.Random = _rng) -> float:
    """Seconds before the retry after failed attempt number `attempt` (1 = the first): exponential
    backoff with full jitter, uniform in [0, min(max_delay, base * 2^(attempt-1))]. The jitter spreads
    the retries of many deliveries that failed together (a receiver that was down) over the window
    instead of sending them all back at once."""
    ceiling = min(settings.webhook_retry_max_delay_seconds, settings.webhook_retry_base_seconds * 2 ** (attempt - 1))
    return rng.uniform(0, ceiling)


def retry_at(delivery: webhooks.Claimed, now: datetime, settings: Settings) -> datetime | None:
    """When to try a failed delivery again; None when that would be past its retry period (give up)."""
    at = now + timedelta(seconds=retry_delay(delivery.attempts + 1, settings))
    if at > delivery.created_at + timedelta(seconds=settings.webhook_retry_period_seconds):
        return None
    return at


def policy(settings: Settings) -> webhooks.FailurePolicy:
    return webhooks.FailurePolicy(
        settings.webhook_disable_after_failures, timedelta(seconds=settings.webhook_disable_after_seconds)
    )


def new_client(settings: Settings) -> httpx.AsyncClient:
    """The HTTP client of a delivery lane: the SSRF guard on every connection it makes (no redirects,
    no proxy: `netguard.guarded_client`), a pool as wide as the lane's concurrency."""
    return netguard.guarded_client(
        settings.webhook_allow_private_urls,
        limits=httpx.Limits(max_connections=settings.webhook_concurrency),
        headers={"User-Agent": USER_AGENT},
    )


async def _post(
    client: httpx.AsyncClient, delivery: webhooks.Claimed, secret: str, settings: Settings
) -> webhooks.Attempt:
    attempted_at = utc_now()
    started = time.perf_counter()

    def elapsed_ms() -> int:
        return round((time.perf_counter() - started) * 1000)

    body = delivery.body.encode()
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: signature(secret, body)}
    try:
        netguard.http_host(delivery.url)  # registration checked it; a row changed since is refused here too
        async with client.stream(
            "POST", delivery.url, content=body, headers=headers, timeout=settings.webhook_timeout_seconds
        ) as response:
            excerpt = bytearray()
            async for chunk in response.aiter_bytes():
                excerpt += chunk
                if len(excerpt) >= webhooks.EXCERPT_CHARS:
                    break  # the rest of a large answer is never read
            text = excerpt[: webhooks.EXCERPT_CHARS].decode("utf-8", errors="replace")
            return webhooks.Attempt(attempted_at, elapsed_ms(), status_code=response.status_code, response_excerpt=text)
    except netguard.AddressRefused as exc:  # the client's guard, on the address it was about to connect to
        return webhooks.Attempt(attempted_at, elapsed_ms(), error=f"refused: {exc}")
    except httpx.TimeoutException:
        return webhooks.Attempt(
            attempted_at, elapsed_ms(), error=f"timed out after {settings.webhook_timeout_seconds:g} s"
        )
    except httpx.HTTPError as exc:
        return webhooks.Attempt(attempted_at, elapsed_ms(), error=f"{type(exc).__name__}: {exc}"[:500])


def _announce(engine: Engine) -> None:
    with write_tx(engine) as conn:
        events.announce_changes(conn)


def _claim(engine: Engine, limit: int, settings: Settings) -> tuple[list[webhooks.Claimed], dict[str, str]]:
    with write_tx(engine) as conn:
        claimed = webhooks.claim_due(conn, utc_now(), limit, timedelta(seconds=settings.webhook_lease_seconds))
        return claimed, (webhooks.secrets_of(conn, [d.environment_id for d in claimed]) if claimed else {})


def _release(engine: Engine, claimed: list[webhooks.Claimed]) -> None:
    with write_tx(engine) as conn:
        webhooks.release(conn, claimed, utc_now())


def _record(engine: Engine, outcomes: list[tuple[webhooks.Claimed, webhooks.Attempt]], settings: Settings) -> None:
    """Record a batch of finished attempts in one transaction (one commit, not one per delivery)."""
    now = utc_now()
    batch = [(d, a, None if a.ok else retry_at(d, now, settings)) for d, a in outcomes]
    with write_tx(engine) as conn:
        states = webhooks.record_attempts(conn, batch, policy(settings), now)
    for (delivery, attempt), state in zip(outcomes, states, strict=True):
        observability.observe_webhook_attempt(
            delivery.event_type, attempt.status_code, attempt.latency_ms / 1000, state
        )
        if not attempt.ok:
            answer = attempt.error or f"HTTP {attempt.status_code}"
            log.warning("webhook delivery %s to %s failed (%s): %s", delivery.id, delivery.url, answer, state)


async def _attempt(
    client: httpx.AsyncClient, delivery: webhooks.Claimed, secret: str | None, settings: Settings
) -> tuple[webhooks.Claimed, webhooks.Attempt]:
    if secret is None:  # only if the environment's secret was removed by hand: nothing to sign with
        return delivery, webhooks.Attempt(utc_now(), 0, error="the environment has no webhook secret")
    return delivery, await _post(client, delivery, secret, settings)


# How long a batch of results waits for more to join it (see _Recorder).
RECORD_GATHER_SECONDS = 0.02


class _Recorder:
    """Records finished attempts in the background, batched: a batch waits RECORD_GATHER_SECONDS for
    others to join (unless a lane's worth is already waiting), and while one batch is being written
    the attempts that finish meanwhile wait and go together in the next transaction. On SQLite, where
    every commit is a write of the WAL, that is what lets a lane keep up with its POSTs."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine, self.settings = engine, settings
        self.waiting: list[tuple[webhooks.Claimed, webhooks.Attempt]] = []
        self.writing: asyncio.Task[None] | None = None

    def add(self, outcome: tuple[webhooks.Claimed, webhooks.Attempt]) -> None:
        self.waiting.append(outcome)
        if self.writing is None or self.writing.done():
            self.writing = asyncio.create_task(self._write())

    async def _write(self) -> None:
        while self.waiting:
            if len(self.waiting) < self.settings.webhook_concurrency:
                # A moment for the attempts finishing now to join: a batch costs about what one
                # attempt alone costs, and the POSTs are already done (only the record waits).
                await asyncio.sleep(RECORD_GATHER_SECONDS)
            batch, self.waiting = self.waiting, []
            try:
                await asyncio.to_thread(_record, self.engine, batch, self.settings)
            except Exception:  # e.g. the database went away: the leases run out and bring them back
                log.exception("%d webhook delivery attempts could not be recorded", len(batch))

    async def drain(self) -> None:
        while self.writing is not None and not self.writing.done():
            await self.writing


async def deliver_due_async(
    engine: Engine, settings: Settings, client: httpx.AsyncClient, stop: threading.Event | None = None
) -> int:
    """Announce the outbox, then attempt every due delivery (and those that become due meanwhile)
    until none is left in flight; returns how many attempts were made. With `stop` set, claims no
    more and returns once those in flight are recorded.

    Claims are made ahead, up to `webhook_concurrency` beyond those in flight, so that a claim is a
    transaction per batch rather than per freed slot; a claimed delivery waits for a slot at most one
    attempt timeout, well inside its lease. Results are recorded in batches (`_Recorder`)."""
    await asyncio.to_thread(_announce, engine)
    concurrency = settings.webhook_concurrency
    ready: deque[webhooks.Claimed] = deque()
    secrets: dict[str, str] = {}
    in_flight: set[asyncio.Task[tuple[webhooks.Claimed, webhooks.Attempt]]] = set()
    recorder = _Recorder(engine, settings)
    attempts = 0
    # After a claim that found fewer than it asked for, the next waits a poll interval: new ones
    # become due slowly (new events, retries), and an empty claim is a write transaction too.
    next_claim = 0.0
    while True:
        stopping = stop is not None and stop.is_set()
        if not stopping and len(ready) <= concurrency // 2 and time.monotonic() >= next_claim:
            want = 2 * concurrency - len(in_flight) - len(ready)
            claimed, found = await asyncio.to_thread(_claim, engine, want, settings)
            ready.extend(claimed)
            secrets.update(found)
            next_claim = time.monotonic() + settings.webhook_poll_seconds if len(claimed) < want else 0.0
        if stopping and ready:
            unsent, ready = list(ready), deque()
            await asyncio.to_thread(_release, engine, unsent)
        while ready and len(in_flight) < concurrency:
            delivery = ready.popleft()
            in_flight.add(
                asyncio.create_task(_attempt(client, delivery, secrets.get(delivery.environment_id), settings))
            )
        if not in_flight:
            await recorder.drain()
            return attempts
        done, in_flight = await asyncio.wait(
            in_flight, timeout=settings.webhook_poll_seconds, return_when=asyncio.FIRST_COMPLETED
        )
        for task in done:
            if (
                problem := task.exception()
            ) is not None:  # not an HTTP error (those are attempts): the lease brings it back
                log.error("a webhook delivery attempt failed unexpectedly", exc_info=problem)
            else:
                recorder.add(task.result())
        attempts += len(done)


def deliver_due(engine: Engine, settings: Settings) -> int:
    """`deliver_due_async` for a caller without an event loop (a command, a test)."""

    async def once() -> int:
        async with new_client(settings) as client:
            return await deliver_due_async(engine, settings, client)

    return asyncio.run(once())
