"""Rate limiters shared by every process that talks to a source: one per integration.

A source's rate limit counts the requests made with one credential, whoever makes them: the streams
of a sync, the attachment downloads, a credentials check from the API, a write from another worker.
An in-process bucket per integration paces one process; two processes (API replicas, workers, the
CLI beside a server) would each take the whole quota. The bucket therefore lives in the database.

**The rule: GCRA as a reservation.** A key's state is one number, its *theoretical arrival time*
`tat` (microseconds since the Unix epoch). `acquire()` is ONE atomic statement that moves it,

    tat = max(tat, now) + T        (T = 1/rate)

and returns the new `tat` with the `now` it used; the caller then sleeps `tat - burst*T - now` (if
positive) and sends. A fresh (or long idle) key lets `burst` requests go at once, then one per T:
the token bucket of `rate` and `burst`, whatever the number of processes, because every request
reserves its own slot in one sequence.

**Then a departure gate.** A reservation fixes *when* a request may go, but the request leaves when
its task next runs. A busy event loop, a garbage collection or a page write holding the GIL can
wake several sleeping requests of a process at once, tens of milliseconds after their slots, and
they leave together: a burst the schedule never allowed, which the source counts. So each process
also passes every request through a `DepartureGate`, the same bucket (rate, burst and rule) in its
own memory, judged at the moment the request is about to leave: late requests that woke together
go only as fast as the bucket allows; while requests leave on time it never waits. Each process's
departures then hold to the paced limit exactly; the pacing margin (`hirebridge.pacing`) is left
for the network and for the processes together.

`penalize(seconds)` (the source answered 429, with `Retry-After`): `tat = max(tat, now + seconds +
(burst-1)*T)`: every user of the key sends its next request no earlier than `seconds` from now,
and then one per T, with no burst (the source's bucket is empty).

**Where the state lives.**
- PostgreSQL: the `rate_limits` table, `INSERT ... ON CONFLICT DO UPDATE ... RETURNING` in
  autocommit, `now` from the database clock (`clock_timestamp()`), so processes on different
  machines agree whatever their own clocks say. Through the application's own engine (its pool).
- SQLite: the same table in a small sidecar database next to the main file (`<database>-ratelimit`,
  WAL, its own engine). The sync engine holds the main file's write lock for every page it writes
  (tens to hundreds of ms); a limiter waiting for it would stall source reading behind database
  writes (see docs/benchmarks.md, "Shared rate limiter"). In the sidecar a reservation holds the
  lock for microseconds. `now` is the machine's wall clock (every process on it shares it).
- In-memory SQLite (`sqlite://`): nothing to share with, a process-local bucket (same rule).

**Lifecycle: nothing outlives the application's Engine.** On PostgreSQL a provider opens no
connection of its own: it borrows one from the Engine it is built on for each statement (one more
round trip, the pool's pre-ping, ~0.1 ms: docs/benchmarks.md), so disposing that Engine closes
everything, and a process keeps no connections beyond its pool. (An engine of the limiters' own
saved the ping but had to be cached per URL for the process's life: with a database per test or
tenant its connections piled up towards `max_connections`.) On SQLite the sidecar's engine belongs
to the main Engine's, kept while that one lives and disposed when it is garbage collected.

The statements are synchronous: `acquire()` runs them in a worker thread (`asyncio.to_thread`) so
the event loop keeps the requests already in flight moving. Keys are never deleted (one small row
per integration ever limited).

Guard: if a key's `tat` is further ahead of `now` than any penalty, burst and queue of waiters can
put it (only a clock set back can do that), the key starts afresh instead of making everyone wait.
"""

from __future__ import annotations

import asyncio
import fcntl
import math
import os
import threading
import time
import weakref
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Engine, text

from hirebridge import pacing
from hirebridge.store.db import is_sqlite, make_engine, write_tx
from hirebridge.store.tables import rate_limits

MICROS = 1_000_000
# The longest penalty (Retry-After) honoured.
MAX_PENALTY_US = 900 * MICROS
# How far the reservations of waiting requests may reach ahead of now, beyond a penalty and a burst,
# before the key is taken for the victim of a clock set back and starts afresh.
HORIZON_US = 3_600 * MICROS

# Per process: the buckets and sidecar engines of each store Engine (see `_buckets_for`).
_SHARED_LOCK = threading.Lock()

# A clock in integer microseconds (tests pass their own).
Clock = Callable[[], int]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Reservation:
    """What one atomic update of a key returned: its new theoretical arrival time and the clock it used."""

    tat_us: int
    now_us: int


def next_tat(tat_us: int | None, now_us: int, step_us: int, floor_us: int, horizon_us: int) -> int:
    """The rule every backend applies (the SQL statements spell out the same): the key's `tat`
    advanced by `step_us`, and at least `now + floor_us`. A reservation is (T, T); a penalty (0, hold).
    A missing key, or one more than `horizon_us` ahead of now (a clock set back), starts from
    `now + floor_us`."""
    if tat_us is None or tat_us > now_us + horizon_us:
        return now_us + floor_us
    return max(tat_us + step_us, now_us + floor_us)


class DepartureGate:
    """One key's bucket in this process, judged when a request leaves (see the module docstring):
    `passage(sleep)` returns at once if the request may go now, else sleeps until it may and checks again.
    Nothing is reserved ahead, so a request that is held up takes no slot from the ones after it."""

    def __init__(self, interval_us: int, burst: int, horizon_us: int, clock: Clock) -> None:
        self._interval_us = interval_us
        self._burst = burst
        self._horizon_us = horizon_us
        self._clock = clock
        self._tat: int | None = None
        self._lock = threading.Lock()  # shared by every event loop and thread of the process

    async def passage(self, sleep: Sleep) -> None:
        while True:
            with self._lock:
                now = self._clock()
                tat = next_tat(self._tat, now, self._interval_us, self._interval_us, self._horizon_us)
                early_us = tat - self._burst * self._interval_us - now
                if early_us <= 0:
                    self._tat = tat
                    return
            await sleep(early_us / MICROS)


class Gates:
    """The departure gates of a process (or of a test clock), one per key and limit (one small object
    per integration ever limited, like the keys' rows)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._gates: dict[tuple[str, int, int], DepartureGate] = {}

    def gate(self, key: str, interval_us: int, burst: int, horizon_us: int) -> DepartureGate:
        with self._lock:
            found = self._gates.get((key, interval_us, burst))
            if found is None:
                found = DepartureGate(interval_us, burst, horizon_us, self._clock)
                self._gates[(key, interval_us, burst)] = found
            return found


# The process's gates: every provider without a test clock shares them (monotonic microseconds).
_PROCESS_GATES = Gates(lambda: time.monotonic_ns() // 1000)


class Buckets(Protocol):
    """Where the keys' state lives."""

    # True when `advance` waits on I/O (a database): callers run it in a worker thread.
    blocking: bool

    def advance(self, key: str, step_us: int, floor_us: int, horizon_us: int) -> Reservation:
        """Atomically set the key's tat to `next_tat(...)`; the new tat and the `now` used."""
        ...


class LocalBuckets:
    """The keys in this process's memory (an in-memory database has no one to share them with)."""

    blocking = False

    def __init__(self, clock: Clock | None = None) -> None:
        self._clock = clock or (lambda: time.monotonic_ns() // 1000)
        self._tat: dict[str, int] = {}
        self._lock = threading.Lock()  # the bucket is used from several threads and event loops

    def advance(self, key: str, step_us: int, floor_us: int, horizon_us: int) -> Reservation:
        with self._lock:
            now = self._clock()
            tat = self._tat[key] = next_tat(self._tat.get(key), now, step_us, floor_us, horizon_us)
            return Reservation(tat, now)


# PostgreSQL: `now` is the database's clock unless a test passes one, read once (the CTE) per statement.
_ADVANCE_POSTGRES = text(
    """
    WITH clock AS (
        SELECT COALESCE(
            CAST(:now AS BIGINT),
            CAST(FLOOR(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000) AS BIGINT)
        ) AS now_us
    )
    INSERT INTO rate_limits AS r (key, tat_us)
    SELECT :key, now_us + :floor FROM clock
    ON CONFLICT (key) DO UPDATE SET tat_us = CASE
        WHEN r.tat_us > EXCLUDED.tat_us - :floor + :horizon THEN EXCLUDED.tat_us
        ELSE GREATEST(r.tat_us + :step, EXCLUDED.tat_us)
    END
    RETURNING r.tat_us, (SELECT now_us FROM clock)
    """
)
# SQLite: `now` is bound (read inside the write transaction; SQLite's own clock has millisecond
# resolution only). Unqualified `tat_us` in the update is the stored row's.
_ADVANCE_SQLITE = text(
    """
    INSERT INTO rate_limits (key, tat_us) VALUES (:key, :now + :floor)
    ON CONFLICT (key) DO UPDATE SET tat_us = CASE
        WHEN tat_us > :now + :horizon THEN excluded.tat_us
        ELSE max(tat_us + :step, excluded.tat_us)
    END
    RETURNING tat_us, :now
    """
)


class SqlBuckets:
    """The keys in the `rate_limits` table of `engine`: PostgreSQL (the application's engine), or a
    SQLite file (the sidecar's own engine, kept per store Engine: `_sidecar_buckets`)."""

    blocking = True

    def __init__(self, engine: Engine, clock: Clock | None = None, *, lock_path: str | None = None) -> None:
        self._sqlite = is_sqlite(engine)
        self._lock_path = lock_path  # a SQLite sidecar's: held while the file is first set up
        # PostgreSQL: autocommit, one statement, one round trip (besides the pool's ping). The
        # option engine shares `engine`'s pool; the pool restores a connection's isolation level
        # when it is returned.
        self.engine = engine if self._sqlite else engine.execution_options(isolation_level="AUTOCOMMIT")
        # PostgreSQL reads the database's clock when none is given; SQLite the machine's wall clock,
        # shared by every process on it (monotonic clocks restart with the machine, the file does not).
        self._clock = clock if clock is not None or not self._sqlite else (lambda: time.time_ns() // 1000)
        self._ready = not self._sqlite  # PostgreSQL: the migration made the table
        self._ready_lock = threading.Lock()

    def advance(self, key: str, step_us: int, floor_us: int, horizon_us: int) -> Reservation:
        params = {"key": key, "step": step_us, "floor": floor_us, "horizon": horizon_us}
        if not self._sqlite:
            with self.engine.connect() as conn:
                now = self._clock() if self._clock is not None else None
                tat, used = conn.execute(_ADVANCE_POSTGRES, {**params, "now": now}).one()
            return Reservation(tat, used)
        self._create_table()
        assert self._clock is not None
        # BEGIN IMMEDIATE (write_tx): the clock is read holding the write lock, so reservations are
        # made in the order of their `now`.
        with write_tx(self.engine) as conn:
            tat, used = conn.execute(_ADVANCE_SQLITE, {**params, "now": self._clock()}).one()
        return Reservation(tat, used)

    def _create_table(self) -> None:
        if self._ready:
            return
        with self._ready_lock:
            if not self._ready:
                with _file_lock(self._lock_path), write_tx(self.engine) as conn:
                    rate_limits.create(conn, checkfirst=True)
                self._ready = True


@contextmanager
def _file_lock(path: str | None) -> Iterator[None]:
    """An exclusive lock across processes on `path` (nothing when None). Processes starting together
    on a new sidecar (an API and a worker, two CLI commands) race to turn the fresh file into WAL on
    their first connection, and the loser's connection can fail at once with "database is locked"
    (seen in CI) instead of waiting out the busy timeout: the first connection and the table are made
    under this lock, and later connections find the file in WAL already."""
    if path is None:
        yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sidecar_path(engine: Engine) -> str | None:
    """Where a SQLite database's limiters live: `<database>-ratelimit` next to it (None: in memory)."""
    if not is_sqlite(engine):
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    if engine.url.query.get("mode") == "memory":
        return None
    return os.path.abspath(f"{database}-ratelimit")


class DatabaseRateLimiter:
    """One key's limiter: `acquire()` before every request, `penalize(seconds)` on a 429."""

    def __init__(self, buckets: Buckets, key: str, rate: float, burst: int, sleep: Sleep, gates: Gates) -> None:
        self.key = key
        self.rate = rate  # what it paces at (under the source's limit)
        self.burst = burst
        # T, rounded up to the microsecond: never faster than `rate`.
        self.interval_us = max(1, math.ceil(MICROS / rate))
        # Beyond this, a key's tat can only be the doing of a clock set back (see next_tat).
        self.horizon_us = HORIZON_US + MAX_PENALTY_US + burst * self.interval_us
        self._buckets = buckets
        self._sleep = sleep
        self.gate = gates.gate(key, self.interval_us, burst, self.horizon_us)

    async def acquire(self) -> None:
        """Wait until this request may go: its slot reserved in the shared sequence, then this
        process's departure gate passed (the caller sends without awaiting anything else first)."""
        reservation = await self._advance(self.interval_us, self.interval_us)
        wait_us = self.wait_us(reservation)
        if wait_us > 0:
            await self._sleep(wait_us / MICROS)
        await self.gate.passage(self._sleep)

    async def penalize(self, seconds: float) -> None:
        """The source refused a request for being over its limit and asked to wait `seconds` (0 when
        it did not say): every user of the key sends its next request no earlier, then one per T
        (requests already waiting for a slot keep theirs). The caller need not sleep itself: its
        next `acquire()` waits."""
        penalty_us = min(MAX_PENALTY_US, max(0, math.ceil(seconds * MICROS)))
        await self._advance(0, penalty_us + (self.burst - 1) * self.interval_us)

    def wait_us(self, reservation: Reservation) -> int:
        """How long the request that made `reservation` waits (<= 0: none)."""
        return reservation.tat_us - self.burst * self.interval_us - reservation.now_us

    async def _advance(self, step_us: int, floor_us: int) -> Reservation:
        if self._buckets.blocking:
            return await asyncio.to_thread(self._buckets.advance, self.key, step_us, floor_us, self.horizon_us)
        return self._buckets.advance(self.key, step_us, floor_us, self.horizon_us)

    def __repr__(self) -> str:
        return f"DatabaseRateLimiter(key={self.key!r}, rate={self.rate:g}/s, burst={self.burst})"


# Shared within the process by every provider built on one store Engine, for as long as that Engine
# lives (weak keys): the buckets of an in-memory database, and the sidecar of a SQLite file (one
# engine, one pool). PostgreSQL keeps nothing here: its providers use the Engine itself.
_SHARED: weakref.WeakKeyDictionary[Engine, Buckets] = weakref.WeakKeyDictionary()


def _shared(engine: Engine, make: Callable[[], Buckets]) -> Buckets:
    with _SHARED_LOCK:
        found = _SHARED.get(engine)
        if found is None:
            found = _SHARED[engine] = make()
        return found


def _sidecar_buckets(engine: Engine, path: str) -> SqlBuckets:
    sidecar = make_engine(f"sqlite:///{path}")
    # The sidecar's connections go with the store Engine (a CLI command's, a test's database): no
    # open files left behind by engines nobody uses any more.
    weakref.finalize(engine, sidecar.dispose)
    return SqlBuckets(sidecar, lock_path=f"{path}.lock")


def _buckets_for(engine: Engine, clock: Clock | None) -> Buckets:
    if not is_sqlite(engine):
        return SqlBuckets(engine, clock)
    path = sidecar_path(engine)
    if path is None:  # in memory: the process's buckets (with a test's own clock, its own)
        return LocalBuckets(clock) if clock is not None else _shared(engine, LocalBuckets)
    sidecar = _shared(engine, lambda: _sidecar_buckets(engine, path))
    assert isinstance(sidecar, SqlBuckets)
    return sidecar if clock is None else SqlBuckets(sidecar.engine, clock, lock_path=f"{path}.lock")


class DatabaseRateLimits:
    """The rate limits of every integration, shared by all processes using `engine`'s database: the
    provider of every connector built for a stored integration (the sync engine's default, so the
    CLI's syncs and both kinds of workers use it).

    `limiter(key, rate, burst)` takes the source's documented limit (the tool's default or the
    integration's settings) and paces under it by the margin of `hirebridge.pacing`. Cheap: build
    as many providers and limiters as convenient, they share the state of their key.
    `clock` (integer microseconds) and `sleep` are for tests; by default the database's clock
    (PostgreSQL) or the machine's wall clock (SQLite sidecar), and `asyncio.sleep`.
    """

    def __init__(self, engine: Engine, *, clock: Clock | None = None, sleep: Sleep = asyncio.sleep) -> None:
        self.engine = engine
        self.buckets = _buckets_for(engine, clock)
        self._sleep = sleep
        # A test clock gets gates of its own, on that clock (a process's gates run on its own).
        self._gates = _PROCESS_GATES if clock is None else Gates(clock)

    def limiter(self, key: str, rate: float, burst: int) -> DatabaseRateLimiter:
        if not rate > 0 or burst < 1:
            raise ValueError(f"a rate limit needs rate > 0 and burst >= 1, got {rate}/s and {burst}")
        paced_rate, paced_burst = pacing.under_limit(rate, burst)
        return DatabaseRateLimiter(self.buckets, key, paced_rate, paced_burst, self._sleep, self._gates)
