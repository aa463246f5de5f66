"""One rate limiter per integration, shared by everything that talks to its source.

A vendor's limit is per API key, not per sync: the streams of a sync, the file downloads after them,
a `check()` of the credentials and (later) write actions all spend the same quota. Whoever builds a
connector passes a `RateLimits` provider (the sync engine, the CLI, the API); the connector asks it
once for the limiter of its integration (`limiter(integration_id, rate, burst)`, with the vendor's
limit) and every client it makes acquires from that limiter before every attempt of every request.

- `LocalRateLimits` (the default, `LOCAL`): one `LocalBucket` per integration id for the whole
  process, so a sync and a download of one integration in one process share a bucket.
- A limiter that is also `Penalizable` is told about a 429's `Retry-After`, and holds every user of
  the integration until then, not only the request that got it.
- Across processes (API workers, `hirebridge worker`s) the bucket has to live in a shared store:
  `store/rate_limits.py` implements `RateLimits` on the database and is passed in the same way.

A provider is given the source's own limit and paces a little under it (`hirebridge.pacing`: a bucket
at exactly the limit leaves the vendor no slack, and jitter turns into 429s).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Protocol, runtime_checkable

from hirebridge import pacing


def paced(rate: float, burst: int) -> tuple[float, int]:
    """The rate and burst to pace at for a source that allows `rate` requests/s in bursts of `burst`:
    `hirebridge.pacing`'s margin (95% of the rate, one request less of burst), the one the limiter
    shared across processes (`store.rate_limits`) applies too."""
    return pacing.under_limit(rate, burst)


class RateLimiter(Protocol):
    async def acquire(self) -> None:
        """Wait until one more request may be sent now."""
        ...


@runtime_checkable
class Penalizable(Protocol):
    async def penalize(self, seconds: float) -> None:
        """The source answered 429 with `Retry-After: seconds`: no user of this limiter sends before
        then (and then without a burst: the source's bucket is empty)."""
        ...


class RateLimits(Protocol):
    def limiter(self, key: str, rate: float, burst: int) -> RateLimiter:
        """The limiter of `key` (an integration id) for a source that allows `rate` requests/s in
        bursts of `burst`: the same one for every caller asking for the same key."""
        ...


class LocalBucket:
    """`rate` requests per second on average, bursts of up to `burst`, in this process."""

    def __init__(
        self,
        rate: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(burst)
        self._updated = clock()
        # A thread lock, never an asyncio one: the bucket outlives the private event loop of each
        # stream (`run_async_iter`) and may be used by several loops at once (a sync's reader thread
        # and a download in another thread). Nothing awaits while it is held.
        self._lock = threading.Lock()

    @classmethod
    def under_limit(cls, rate: float, burst: int) -> LocalBucket:
        """A bucket for a source that allows `rate` requests/s in bursts of `burst`, paced with the
        safety margin of `hirebridge.pacing` (`paced`)."""
        return cls(*paced(rate, burst))

    async def penalize(self, seconds: float) -> None:
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            # One token `seconds` from now, and the burst refilling from there.
            self._tokens = min(self._tokens, 1 - seconds * self.rate)

    async def acquire(self) -> None:
        while True:
            with self._lock:
                now = self._clock()
                self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
                self._updated = now
                # The epsilon absorbs float rounding (0.1 s x 10/s may come out as 0.999...).
                if self._tokens >= 1 - 1e-9:
                    self._tokens = max(0.0, self._tokens - 1)
                    return
                wait = (1 - self._tokens) / self.rate
            await self._sleep(wait)


class LocalRateLimits:
    """One `LocalBucket` per key for this process. A key asked for with another limit (the
    integration's settings changed) gets a new bucket."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, int, LocalBucket]] = {}

    def limiter(self, key: str, rate: float, burst: int) -> LocalBucket:
        with self._lock:
            known = self._buckets.get(key)
            if known is None or known[:2] != (rate, burst):
                known = (rate, burst, LocalBucket.under_limit(rate, burst))
                self._buckets[key] = known
            return known[2]


# The process's buckets: what a connector uses when nobody passes it a provider.
LOCAL = LocalRateLimits()
