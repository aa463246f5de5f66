"""The shared rate limiter's arithmetic (GCRA reservations), on every backend, with a test clock.

`store.rate_limits.DatabaseRateLimits` keeps one bucket per key in the database (PostgreSQL: the
`rate_limits` table; SQLite: a sidecar file next to the database; in-memory SQLite: the process).
These tests drive `acquire()` and `penalize()` through the real statements with a clock they move
themselves (integer microseconds) and a sleep that advances it: no wall-clock time is involved, so
the departures are exact and checked against the vendor's rule with the emulators' exact meter.
"""

from __future__ import annotations

import asyncio
import gc
import heapq
import itertools
import math
import os
import secrets
import threading
import time
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text

from hirebridge import pacing
from hirebridge.connectors.framework.ratelimit import LocalBucket as TokenBucket
from hirebridge.store import migrate, tables
from hirebridge.store.db import make_engine, write_tx
from hirebridge.store.rate_limits import (
    HORIZON_US,
    MAX_PENALTY_US,
    DatabaseRateLimiter,
    DatabaseRateLimits,
    LocalBuckets,
    SqlBuckets,
)
from tests.emulators.harness import RateMeter

MICROS = 1_000_000
VENDOR_RATE, VENDOR_BURST = 10.0, 5  # the source's documented limit
PACED_RATE, PACED_BURST = pacing.under_limit(VENDOR_RATE, VENDOR_BURST)  # 9.5/s, 4
T = math.ceil(MICROS / PACED_RATE)  # 105264 us
START = 1_800_000_000 * MICROS  # the test clock's epoch: any value; tat is microseconds since 1970


class ManualClock:
    """A clock (integer microseconds) that only moves when a request sleeps or the test says so."""

    def __init__(self) -> None:
        self.now = START
        self.slept: list[int] = []

    def __call__(self) -> int:
        return self.now

    async def sleep(self, seconds: float) -> None:
        waited = round(seconds * MICROS)
        self.slept.append(waited)
        self.now += waited


@pytest.fixture(params=["sqlite", "postgresql", "process"])
def limits(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[DatabaseRateLimits, ManualClock]]:
    """A provider with a test clock on a migrated SQLite file (the buckets live in its sidecar), on
    PostgreSQL (the `rate_limits` table), and on an in-memory SQLite database (the process-local
    buckets)."""
    clock = ManualClock()
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'hirebridge.db'}"
    elif request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
    else:
        url = "sqlite://"
    engine = make_engine(url)
    migrate.upgrade(engine)
    yield DatabaseRateLimits(engine, clock=clock, sleep=clock.sleep), clock
    engine.dispose()


async def departures(limiter: DatabaseRateLimiter, clock: ManualClock, count: int) -> list[int]:
    """When `count` requests made one after another through `limiter` go (test clock, us)."""
    sent = []
    for _ in range(count):
        await limiter.acquire()
        sent.append(clock.now)
    return sent


def within_the_vendors_limit(sent: list[int]) -> bool:
    meter = RateMeter(VENDOR_RATE, VENDOR_BURST)
    return all(meter.admit(at * 1000) for at in sent)


def test_the_limiter_paces_under_the_vendors_limit_with_the_connectors_margin(engine: Engine) -> None:
    limiter = DatabaseRateLimits(engine).limiter("integration-1", VENDOR_RATE, VENDOR_BURST)
    local = TokenBucket.under_limit(VENDOR_RATE, VENDOR_BURST)
    assert (limiter.rate, limiter.burst) == (local.rate, local.burst) == (9.5, 4)
    assert limiter.interval_us == T == 105264  # 1/9.5 s rounded up: never faster
    assert DatabaseRateLimits(engine).limiter("k", 3.0, 1).burst == 1  # at least one
    with pytest.raises(ValueError):
        DatabaseRateLimits(engine).limiter("k", 0, 5)


def test_a_fresh_key_lets_a_burst_go_then_one_request_per_interval(
    limits: tuple[DatabaseRateLimits, ManualClock],
) -> None:
    provider, clock = limits
    limiter = provider.limiter("integration-1", VENDOR_RATE, VENDOR_BURST)
    sent = asyncio.run(departures(limiter, clock, 12))
    # The burst of 4 at once, then exactly one every T.
    assert [at - START for at in sent] == [0, 0, 0, 0, *(n * T for n in range(1, 9))]
    assert clock.slept == [T] * 8
    assert within_the_vendors_limit(sent)
    # Another key has a bucket of its own.
    other = asyncio.run(departures(provider.limiter("integration-2", VENDOR_RATE, VENDOR_BURST), clock, 4))
    assert other == [clock.now] * 4


def test_an_idle_key_earns_its_burst_back_at_the_paced_rate(limits: tuple[DatabaseRateLimits, ManualClock]) -> None:
    provider, clock = limits
    limiter = provider.limiter("integration-1", VENDOR_RATE, VENDOR_BURST)
    asyncio.run(departures(limiter, clock, 6))  # the burst and two more: the bucket is empty
    clock.now += 2 * T  # idle for two intervals: two requests may go at once, the third waits
    idle_end = clock.now
    sent = asyncio.run(departures(limiter, clock, 3))
    assert [at - idle_end for at in sent] == [0, 0, T]
    clock.now += 100 * T  # a long pause refills the whole burst, no more
    pause_end = clock.now
    sent = asyncio.run(departures(limiter, clock, 5))
    assert [at - pause_end for at in sent] == [0, 0, 0, 0, T]


def test_reservations_made_at_once_queue_in_one_sequence(limits: tuple[DatabaseRateLimits, ManualClock]) -> None:
    """Requests that reserve before any of them went (concurrent tasks, other processes) each get
    their own slot: the burst, then T apart, measured from the moment they reserved."""
    provider, _ = limits
    limiter = provider.limiter("integration-1", VENDOR_RATE, VENDOR_BURST)
    reservations = [provider.buckets.advance("integration-1", T, T, limiter.horizon_us) for _ in range(7)]
    assert [r.tat_us - START for r in reservations] == [n * T for n in range(1, 8)]
    assert [max(0, limiter.wait_us(r)) for r in reservations] == [0, 0, 0, 0, T, 2 * T, 3 * T]


class LoopClock:
    """A test clock for requests running at once: each sleeping request wakes when the clock
    reaches the end of its sleep. `stall_until(at)` makes the next wake-up happen at `at` at the
    earliest, waking together everyone due by then: what a busy event loop (a garbage collection, a
    page write holding the GIL) does to real timers."""

    def __init__(self) -> None:
        self.now = START
        self._sleepers: list[tuple[int, int, asyncio.Future[None]]] = []  # (wake at, order, future)
        self._order = itertools.count()
        self._stall: int | None = None

    def __call__(self) -> int:
        return self.now

    def stall_until(self, at: int) -> None:
        self._stall = at

    async def sleep(self, seconds: float) -> None:
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + round(seconds * MICROS), next(self._order), woken))
        await woken

    async def run(self, requests: list[Coroutine[Any, Any, None]]) -> None:
        tasks = [asyncio.create_task(request) for request in requests]
        while True:
            # Let every request run until it sleeps or ends (a SQL backend reserves in a thread).
            while len(self._sleepers) < sum(not task.done() for task in tasks):
                await asyncio.sleep(0.0001)
            if not self._sleepers:
                break
            self.now = max(self.now, self._sleepers[0][0], self._stall or 0)
            self._stall = None
            while self._sleepers and self._sleepers[0][0] <= self.now:
                heapq.heappop(self._sleepers)[2].set_result(None)
        await asyncio.gather(*tasks)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "process"])
def test_requests_that_wake_late_together_leave_no_faster_than_the_limit(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Ten requests reserve at once: the burst of 4 goes, six sleep until their slots (T ... 6T),
    and the event loop is then busy until 6T, so all six wake together. The departure gate lets
    them leave at the paced limit (4 more at once, then one per T), not as a burst of 6 the
    source's bucket (5) would refuse in part."""
    url = {
        "sqlite": f"sqlite:///{tmp_path / 'hirebridge.db'}",
        "postgresql": request.getfixturevalue("postgres_url") if backend == "postgresql" else "",
        "process": "sqlite://",
    }[backend]
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        clock = LoopClock()
        limiter = DatabaseRateLimits(engine, clock=clock, sleep=clock.sleep).limiter(
            "integration-1", VENDOR_RATE, VENDOR_BURST
        )
        sent: list[int] = []

        async def one() -> None:
            await limiter.acquire()
            sent.append(clock.now)

        async def burst_then_stall() -> None:
            clock.stall_until(START + 6 * T)
            await clock.run([one() for _ in range(10)])

        asyncio.run(burst_then_stall())
        assert [at - START for at in sent] == [0] * 4 + [6 * T] * 4 + [7 * T, 8 * T]
        assert within_the_vendors_limit(sent)
        paced = RateMeter(PACED_RATE, PACED_BURST)
        assert all(paced.admit(at * 1000) for at in sent)
    finally:
        engine.dispose()


def test_a_penalty_holds_every_user_of_the_key_then_allows_no_burst(
    limits: tuple[DatabaseRateLimits, ManualClock],
) -> None:
    provider, clock = limits
    sync = provider.limiter("integration-1", VENDOR_RATE, VENDOR_BURST)
    download = provider.limiter("integration-1", VENDOR_RATE, VENDOR_BURST)  # another user of the key
    asyncio.run(departures(sync, clock, 2))
    refused_at = clock.now
    asyncio.run(sync.penalize(3.0))  # a 429 with Retry-After: 3
    asyncio.run(download.penalize(0.5))  # a shorter penalty meanwhile does not shorten it
    sent = asyncio.run(departures(download, clock, 3))
    assert [at - refused_at for at in sent] == [3 * MICROS, 3 * MICROS + T, 3 * MICROS + 2 * T]
    assert within_the_vendors_limit(sent)
    # A 429 without Retry-After (penalty 0) on an idle key: the source's bucket is empty, so the
    # requests go one per T from now, without the burst the limiter would otherwise allow.
    clock.now += 100 * T
    refused_at = clock.now
    asyncio.run(sync.penalize(0))
    sent = asyncio.run(departures(download, clock, 3))
    assert [at - refused_at for at in sent] == [0, T, 2 * T]


def test_a_penalty_is_capped(limits: tuple[DatabaseRateLimits, ManualClock]) -> None:
    provider, clock = limits
    limiter = provider.limiter("integration-1", VENDOR_RATE, VENDOR_BURST)
    refused_at = clock.now
    asyncio.run(limiter.penalize(86_400))  # a Retry-After of a day
    assert asyncio.run(departures(limiter, clock, 1)) == [refused_at + MAX_PENALTY_US]


def test_a_clock_set_back_does_not_stall_the_key(limits: tuple[DatabaseRateLimits, ManualClock]) -> None:
    provider, clock = limits
    limiter = provider.limiter("integration-1", VENDOR_RATE, VENDOR_BURST)
    asyncio.run(limiter.penalize(600))  # the longest legitimate wait: a penalty ...
    reservations = [provider.buckets.advance("integration-1", T, T, limiter.horizon_us) for _ in range(3)]
    assert max(0, limiter.wait_us(reservations[-1])) == 600 * MICROS + 2 * T  # ... honoured
    clock.now -= 2 * HORIZON_US  # the clock steps back two hours: the key starts afresh
    restart = clock.now
    assert asyncio.run(departures(limiter, clock, 5)) == [restart] * 4 + [restart + T]


def test_providers_on_one_database_share_their_keys(tmp_path: Path) -> None:
    """Without a test clock, every provider in a process shares its database's buckets: the sidecar
    engine of a SQLite file, the process-local buckets of an in-memory database."""
    file_engine = make_engine(f"sqlite:///{tmp_path / 'hirebridge.db'}")
    memory = make_engine("sqlite://")
    other_memory = make_engine("sqlite://")
    try:
        assert DatabaseRateLimits(file_engine).buckets is DatabaseRateLimits(file_engine).buckets
        assert isinstance(DatabaseRateLimits(memory).buckets, LocalBuckets)
        assert DatabaseRateLimits(memory).buckets is DatabaseRateLimits(memory).buckets
        assert DatabaseRateLimits(other_memory).buckets is not DatabaseRateLimits(memory).buckets
    finally:
        for eng in (file_engine, memory, other_memory):
            eng.dispose()


def test_sqlite_keeps_the_buckets_in_a_sidecar_file(tmp_path: Path) -> None:
    main = tmp_path / "hirebridge.db"
    engine = make_engine(f"sqlite:///{main}")
    try:
        with write_tx(engine) as conn:
            tables.rate_limits.create(conn)  # as the migration does; it stays empty
        provider = DatabaseRateLimits(engine)
        assert isinstance(provider.buckets, SqlBuckets)
        asyncio.run(provider.limiter("integration-1", VENDOR_RATE, VENDOR_BURST).acquire())
        sidecar = make_engine(f"sqlite:///{tmp_path / 'hirebridge.db-ratelimit'}")
        with sidecar.connect() as conn:
            assert conn.execute(select(tables.rate_limits.c.key)).scalars().all() == ["integration-1"]
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(tables.rate_limits)).scalar_one() == 0
        sidecar.dispose()
    finally:
        engine.dispose()


def test_sqlite_acquire_does_not_wait_for_the_main_databases_write_lock(tmp_path: Path) -> None:
    """The sync engine holds the main file's write lock (BEGIN IMMEDIATE) for every page it writes;
    a request of a stream reading ahead must not wait for it."""
    engine = make_engine(f"sqlite:///{tmp_path / 'hirebridge.db'}")
    limiter = DatabaseRateLimits(engine).limiter("integration-1", VENDOR_RATE, VENDOR_BURST)
    asyncio.run(limiter.acquire())  # the sidecar exists (its table is made on first use)
    locked, release = threading.Event(), threading.Event()
    released: list[bool] = []

    def write_a_page() -> None:
        with write_tx(engine) as conn:
            conn.exec_driver_sql("CREATE TABLE page (n INTEGER)")
            locked.set()
            release.wait(20)  # if acquire waited for the lock, it returns only after this
            released.append(True)

    writer = threading.Thread(target=write_a_page)
    writer.start()
    try:
        assert locked.wait(10)
        for _ in range(3):  # the burst: no waiting on the limiter's side either
            asyncio.run(limiter.acquire())
        assert released == [], "acquire() waited for the main database's write lock"
    finally:
        release.set()
        writer.join()
        engine.dispose()


def test_postgresql_keeps_the_buckets_in_an_unlogged_table(postgres_url: str) -> None:
    """Bucket state is worth nothing after a crash; an update of an UNLOGGED table commits without
    waiting for a WAL flush (docs/benchmarks.md: a reservation costs a fraction of a logged one)."""
    engine = make_engine(postgres_url)
    try:
        migrate.upgrade(engine)
        with engine.connect() as conn:
            persistence = conn.execute(text("SELECT relpersistence FROM pg_class WHERE oid = 'rate_limits'::regclass"))
            assert persistence.scalar_one() == "u"
    finally:
        engine.dispose()


def test_postgresql_providers_open_no_connections_of_their_own(postgres_url: str) -> None:
    """A provider borrows its connections from the Engine it is built on: once the Engines are
    disposed nothing is left open, however many of them (a schema per test, a database per tenant)
    and providers the process made."""
    tag = f"hb_limits_{secrets.token_hex(4)}"
    admin = make_engine(postgres_url)
    migrate.upgrade(admin)
    for n in range(4):
        engine = make_engine(f"{postgres_url}&application_name={tag}_{n}")
        try:
            for _ in range(3):
                limiter = DatabaseRateLimits(engine).limiter("integration-1", VENDOR_RATE, VENDOR_BURST)
                asyncio.run(limiter.acquire())
        finally:
            engine.dispose()
    try:
        # A backend leaves pg_stat_activity when its process exits, a moment after its client closed
        # the connection: under load that moment can outlast one query, so ask until it is over (a
        # connection really left open stays, and fails after the deadline).
        deadline = time.monotonic() + 10
        while True:
            with admin.connect() as conn:
                left = conn.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE :tag"),
                    {"tag": f"{tag}_%"},
                ).scalar_one()
            if left == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert left == 0
    finally:
        admin.dispose()


def _open_files(under: Path) -> list[str]:
    """The files under `under` this process has open (Linux)."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # closed meanwhile (the listing's own descriptor)
            continue
        if target.startswith(str(under)):
            found.append(target)
    return found


def test_a_sqlite_sidecar_is_closed_with_its_database_engine(tmp_path: Path) -> None:
    """The sidecar's connections belong to the store Engine's lifetime: engines a process no longer
    uses (a test's database, a CLI command's) leave no sidecar file open."""
    for n in range(4):
        engine = make_engine(f"sqlite:///{tmp_path / f'db{n}.db'}")
        limiter = DatabaseRateLimits(engine).limiter("integration-1", VENDOR_RATE, VENDOR_BURST)
        asyncio.run(limiter.acquire())
        assert any(f.endswith(f"db{n}.db-ratelimit") for f in _open_files(tmp_path))
        engine.dispose()
        del engine, limiter
    gc.collect()
    assert _open_files(tmp_path) == []
