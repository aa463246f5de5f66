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
reserves its own slot in one sequence. A request whose caller is slow to send only sends later,
which the pacing margin (`hirebridge.pacing`) absorbs like any other transit jitter.
`penalize(seconds)` (the source answered 429, with `Retry-After`): `tat = max(tat, now + seconds +
(burst-1)*T)`: every user of the key sends its next request no earlier than `seconds` from now,
and then one per T, with no burst (the source's bucket is empty).

**Where the state lives.**
- PostgreSQL: the `rate_limits` table, `INSERT ... ON CONFLICT DO UPDATE ... RETURNING` in
  autocommit, `now` from the database clock (`clock_timestamp()`), so processes on different
  machines agree whatever their own clocks say.
- SQLite: the same table in a small sidecar database next to the main file (`<database>-ratelimit`,
  WAL, its own engine). The sync engine holds the main file's write lock for every page it writes
  (tens to hundreds of ms); a limiter waiting for it would stall source reading behind database
  writes (see docs/benchmarks.md, "Shared rate limiter"). In the sidecar a reservation holds the
  lock for microseconds. `now` is the machine's wall clock (every process on it shares it).
- In-memory SQLite (`sqlite://`): nothing to share with, a process-local bucket (same rule).

The statements are synchronous: `acquire()` runs them in a worker thread (`asyncio.to_thread`) so
the event loop keeps the requests already in flight moving. Keys are never deleted (one small row
per integration ever limited).

Guard: if a key's `tat` is further ahead of `now` than any penalty, burst and queue of waiters can
put it (only a clock set back can do that), the key starts afresh instead of making everyone wait.
"""

from __future__ import annotations

import asyncio
import math
import os
import threading
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Engine, create_engine, event, exc, text
from sqlalchemy.exc import DBAPIError

from hirebridge import pacing
from hirebridge.store.db import is_sqlite, make_engine, write_tx
from hirebridge.store.tables import rate_limits

MICROS = 1_000_000
# The longest penalty (Retry-After) honoured.
MAX_PENALTY_US = 900 * MICROS
# How far the reservations of waiting requests may reach ahead of now, beyond a penalty and a burst,
# before the key is taken for the victim of a clock set back and starts afresh.
HORIZON_US = 3_600 * MICROS

# Per process: the limiters' engines and buckets (see `_buckets_for`, `limiter_engine`).
_SHARED_LOCK = threading.Lock()
_POSTGRES_ENGINES: dict[str, Engine] = {}

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
    """The keys in the `rate_limits` table of `engine`: PostgreSQL (an engine of the limiters' own,
    `limiter_engine`), or a SQLite file (the sidecar)."""

    blocking = True

    def __init__(self, engine: Engine, clock: Clock | None = None) -> None:
        self.engine = engine
        self._sqlite = is_sqlite(engine)
        # PostgreSQL reads the database's clock when none is given; SQLite the machine's wall clock,
        # shared by every process on it (monotonic clocks restart with the machine, the file does not).
        self._clock = clock if clock is not None or not self._sqlite else (lambda: time.time_ns() // 1000)
        self._ready = not self._sqlite  # PostgreSQL: the migration made the table
        self._ready_lock = threading.Lock()

    def advance(self, key: str, step_us: int, floor_us: int, horizon_us: int) -> Reservation:
        params = {"key": key, "step": step_us, "floor": floor_us, "horizon": horizon_us}
        if not self._sqlite:
            return self._advance_postgres({**params, "now": self._clock() if self._clock is not None else None})
        self._create_table()
        assert self._clock is not None
        # BEGIN IMMEDIATE (write_tx): the clock is read holding the write lock, so reservations are
        # made in the order of their `now`.
        with write_tx(self.engine) as conn:
            tat, used = conn.execute(_ADVANCE_SQLITE, {**params, "now": self._clock()}).one()
        return Reservation(tat, used)

    def _advance_postgres(self, params: dict[str, object]) -> Reservation:
        # One statement in autocommit: one round trip. The pool does not ping a connection before
        # lending it (a round trip per reservation); a connection found dead is replaced and the
        # statement sent once more (had the first one taken effect, a slot is lost: harmless).
        for attempt in (1, 2):
            try:
                with self.engine.connect() as conn:
                    tat, used = conn.execute(_ADVANCE_POSTGRES, params).one()
                return Reservation(tat, used)
            except DBAPIError as error:
                if attempt == 2 or not error.connection_invalidated:
                    raise
        raise AssertionError("unreachable")

    def _create_table(self) -> None:
        if self._ready:
            return
        with self._ready_lock:
            if not self._ready:
                with write_tx(self.engine) as conn:
                    rate_limits.create(conn, checkfirst=True)
                self._ready = True


# Connections each process keeps open for its limiters on PostgreSQL (more are opened while more
# threads reserve at once, and closed when returned).
POSTGRES_POOL_SIZE = 2


def limiter_engine(engine: Engine) -> Engine:
    """An engine of the limiters' own on `engine`'s PostgreSQL database: autocommit, no pre-ping
    (see SqlBuckets), a small pool apart from the application's (a busy application pool never
    delays a reservation). One per database and process."""
    key = engine.url.render_as_string(hide_password=False)
    with _SHARED_LOCK:
        found = _POSTGRES_ENGINES.get(key)
        if found is None:
            found = _POSTGRES_ENGINES[key] = create_engine(
                engine.url, isolation_level="AUTOCOMMIT", pool_size=POSTGRES_POOL_SIZE, max_overflow=-1
            )

            @event.listens_for(found, "connect")
            def _remember_pid(_dbapi_conn: Any, record: Any) -> None:
                record.info["pid"] = os.getpid()

            @event.listens_for(found, "checkout")
            def _same_process(_dbapi_conn: Any, record: Any, proxy: Any) -> None:
                # A connection must not cross a fork: a child process opens its own.
                if record.info.get("pid") != os.getpid():
                    record.dbapi_connection = proxy.dbapi_connection = None
                    raise exc.DisconnectionError("connection opened by another process")

        return found


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

    def __init__(self, buckets: Buckets, key: str, rate: float, burst: int, sleep: Sleep) -> None:
        self.key = key
        self.rate = rate  # what it paces at (under the source's limit)
        self.burst = burst
        # T, rounded up to the microsecond: never faster than `rate`.
        self.interval_us = max(1, math.ceil(MICROS / rate))
        # Beyond this, a key's tat can only be the doing of a clock set back (see next_tat).
        self.horizon_us = HORIZON_US + MAX_PENALTY_US + burst * self.interval_us
        self._buckets = buckets
        self._sleep = sleep

    async def acquire(self) -> None:
        """Wait until this request may go (its slot reserved in the shared sequence)."""
        reservation = await self._advance(self.interval_us, self.interval_us)
        wait_us = self.wait_us(reservation)
        if wait_us > 0:
            await self._sleep(wait_us / MICROS)

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


# Shared within the process, so that every provider built on a database shares its state: the
# in-memory buckets of an in-memory database (keyed by its engine), and the sidecar engine (one pool)
# of a SQLite file (keyed by path). PostgreSQL keeps no state in the process.
_LOCAL: weakref.WeakKeyDictionary[Engine, LocalBuckets] = weakref.WeakKeyDictionary()
_SIDECARS: dict[str, SqlBuckets] = {}


def _buckets_for(engine: Engine, clock: Clock | None) -> Buckets:
    if not is_sqlite(engine):
        return SqlBuckets(limiter_engine(engine), clock)
    path = sidecar_path(engine)
    if clock is not None:  # a test's own clock: its own state
        return LocalBuckets(clock) if path is None else SqlBuckets(make_engine(f"sqlite:///{path}"), clock)
    with _SHARED_LOCK:
        if path is None:
            local = _LOCAL.get(engine)
            if local is None:
                local = _LOCAL[engine] = LocalBuckets()
            return local
        sidecar = _SIDECARS.get(path)
        if sidecar is None:
            sidecar = _SIDECARS[path] = SqlBuckets(make_engine(f"sqlite:///{path}"))
        return sidecar


class DatabaseRateLimits:
    """The rate limits of every integration, shared by all processes using `engine`'s database.

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

    def limiter(self, key: str, rate: float, burst: int) -> DatabaseRateLimiter:
        if not rate > 0 or burst < 1:
            raise ValueError(f"a rate limit needs rate > 0 and burst >= 1, got {rate}/s and {burst}")
        paced_rate, paced_burst = pacing.under_limit(rate, burst)
        return DatabaseRateLimiter(self.buckets, key, paced_rate, paced_burst, self._sleep)
