"""Sending due deliveries: announce the change outbox, claim what is due, POST it concurrently.

One pass (`deliver_due_async`) keeps at most `webhook_concurrency` POSTs in flight and claims more as
slots free up (and every `webhook_poll_seconds` while some are slow), so one hanging receiver holds
one slot for at most `webhook_timeout_seconds`, not the pass. Database work runs in threads: the
event loop only waits on sockets.

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
from datetime import datetime, timedelta
from importlib.metadata import version

import httpx
from sqlalchemy import Engine

from hirebridge import netguard, observability
from hirebridge.config import Settings
from hirebridge.store import events, webhooks
from hirebridge.store.db import read_tx, write_tx
from hirebridge.timefmt import utc_now
from hirebridge.webhooks.signing import SIGNATURE_HEADER, signature

log = logging.getLogger(__name__)

# The package's version, read from its metadata (`from hirebridge import __version__` would be an
# import of the package root, outside the layer table).
USER_AGENT = f"HireBridge-Webhooks/{version('hirebridge')}"
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
    """The HTTP client of a delivery lane: no redirects, no proxy from the environment (the address
    the guard checked is the one connected to), a pool as wide as the lane's concurrency."""
    return httpx.AsyncClient(
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": USER_AGENT},
        limits=httpx.Limits(max_connections=settings.webhook_concurrency),
    )


async def _post(
    client: httpx.AsyncClient, delivery: webhooks.Claimed, secret: str, settings: Settings
) -> webhooks.Attempt:
    attempted_at = utc_now()
    started = time.perf_counter()

    def elapsed_ms() -> int:
        return round((time.perf_counter() - started) * 1000)

    try:
        await netguard.check(delivery.url, settings.webhook_allow_private_urls)
    except netguard.AddressRefused as exc:
        return webhooks.Attempt(attempted_at, elapsed_ms(), error=f"refused: {exc}")
    body = delivery.body.encode()
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: signature(secret, body)}
    try:
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
    if not claimed:
        return [], {}
    with read_tx(engine) as conn:
        return claimed, webhooks.secrets_of(conn, [d.environment_id for d in claimed])


def _record(engine: Engine, delivery: webhooks.Claimed, attempt: webhooks.Attempt, settings: Settings) -> str:
    now = utc_now()
    retry = None if attempt.ok else retry_at(delivery, now, settings)
    with write_tx(engine) as conn:
        state = webhooks.record_attempt(conn, delivery, attempt, retry, policy(settings), now)
    observability.observe_webhook_attempt(delivery.event_type, attempt.status_code, attempt.latency_ms / 1000, state)
    if not attempt.ok:
        answer = attempt.error or f"HTTP {attempt.status_code}"
        log.warning("webhook delivery %s to %s failed (%s): %s", delivery.id, delivery.url, answer, state)
    return state


async def _deliver(
    engine: Engine, client: httpx.AsyncClient, delivery: webhooks.Claimed, secret: str | None, settings: Settings
) -> None:
    if secret is None:  # only if the environment's secret was removed by hand: nothing to sign with
        attempt = webhooks.Attempt(utc_now(), 0, error="the environment has no webhook secret")
    else:
        attempt = await _post(client, delivery, secret, settings)
    await asyncio.to_thread(_record, engine, delivery, attempt, settings)


async def deliver_due_async(
    engine: Engine, settings: Settings, client: httpx.AsyncClient, stop: threading.Event | None = None
) -> int:
    """Announce the outbox, then attempt every due delivery (and those that become due meanwhile)
    until none is left in flight; returns how many attempts were made. With `stop` set, claims no
    more and returns once those in flight are recorded."""
    await asyncio.to_thread(_announce, engine)
    in_flight: set[asyncio.Task[None]] = set()
    attempts = 0
    while True:
        free = settings.webhook_concurrency - len(in_flight)
        if free > 0 and not (stop is not None and stop.is_set()):
            claimed, secrets = await asyncio.to_thread(_claim, engine, free, settings)
            for delivery in claimed:
                secret = secrets.get(delivery.environment_id)
                in_flight.add(asyncio.create_task(_deliver(engine, client, delivery, secret, settings)))
        if not in_flight:
            return attempts
        done, in_flight = await asyncio.wait(
            in_flight, timeout=settings.webhook_poll_seconds, return_when=asyncio.FIRST_COMPLETED
        )
        for task in done:
            if (problem := task.exception()) is not None:  # e.g. the database went away: the lease brings it back
                log.error("a webhook delivery could not be recorded", exc_info=problem)
        attempts += len(done)


def deliver_due(engine: Engine, settings: Settings) -> int:
    """`deliver_due_async` for a caller without an event loop (a command, a test)."""

    async def once() -> int:
        async with new_client(settings) as client:
            return await deliver_due_async(engine, settings, client)

    return asyncio.run(once())
