"""Overhead of the rate limiter shared across processes: `python -m bench.ratelimit [--postgres URL]`.

`store/rate_limits.py` keeps one GCRA bucket per integration in the database, so every acquire() is
a database statement. Measured at a rate so high that nobody ever waits, for each place the buckets
can live -- the process (the baseline: what each process had before, and what an in-memory database
gets), PostgreSQL, the SQLite sidecar file:
- acquire() latency from one task (p50/p99; the variants interleaved in rounds, so the machine's
  load hits them alike), and the statement alone (`Buckets.advance`, no worker thread);
- the most acquires/s: 8 tasks in one process, and 2 such processes at once on one key.
Then what the design choices rest on:
- SQLite: acquire() in the main database file vs in the sidecar while another connection writes
  sync-sized pages to the main file (holds its write lock 100 ms of every 120 ms);
- PostgreSQL: the UNLOGGED table vs a logged one, and the application's engine (the provider's: it
  pings every connection it lends) vs an engine of the limiters' own without that ping.

Progress goes to stderr; the result goes to bench/results/<timestamp>-ratelimit.json and its summary
is the last stdout line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, create_engine, text

from bench.dataset import CACHE_DIR, ensure_database
from bench.procs import ROOT
from bench.run import machine
from hirebridge.store import migrate
from hirebridge.store.db import make_engine, normalize_url, write_tx
from hirebridge.store.rate_limits import (
    Buckets,
    DatabaseRateLimiter,
    DatabaseRateLimits,
    Gates,
    LocalBuckets,
    SqlBuckets,
)

RESULTS = ROOT / "bench" / "results"
WORK = CACHE_DIR / "ratelimit"
# Nobody waits: a burst of a billion, a microsecond apart.
RATE, BURST = 1e9, 1_000_000_000
KEY = "integration-1"
TASKS = 8
PAGE_HOLD, PAGE_GAP = 0.100, 0.020  # the page writer: write lock held, then released


def log(message: str) -> None:
    sys.stderr.write(f"[bench {time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()


def percentiles(samples_ns: list[int]) -> dict[str, float]:
    ordered = sorted(samples_ns)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1000, 1)

    return {
        "p50_us": at(0.5),
        "p99_us": at(0.99),
        "max_us": round(ordered[-1] / 1000, 1),
        "mean_us": round(statistics.fmean(ordered) / 1000, 1),
        "n": len(ordered),
    }


def limiter_on(buckets: Buckets) -> DatabaseRateLimiter:
    gates = Gates(lambda: time.monotonic_ns() // 1000)  # this limiter's own (the bench's processes share none)
    return DatabaseRateLimiter(buckets, KEY, RATE, BURST, asyncio.sleep, gates)


def postgres_url(base: str, schema: str) -> str:
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}"


@contextmanager
def databases(pg_base: str | None) -> Iterator[dict[str, str]]:
    """Fresh databases: SQLite files under bench/.cache/ratelimit/, and on PostgreSQL a schema with
    the migrated (UNLOGGED) table and one with a logged copy of it."""
    WORK.mkdir(parents=True, exist_ok=True)
    for stale in WORK.glob("hirebridge.db*"):
        stale.unlink()
    main = f"sqlite:///{WORK / 'hirebridge.db'}"
    engine = make_engine(main)
    migrate.upgrade(engine)
    with write_tx(engine) as conn:
        conn.exec_driver_sql("CREATE TABLE pages (n INTEGER, body TEXT)")
    engine.dispose()
    urls = {"sqlite": main}
    if pg_base is None:
        yield urls
        return
    ensure_database(pg_base)
    admin = make_engine(pg_base)
    with admin.begin() as conn:
        for schema in ("ratelimit_bench", "ratelimit_bench_logged"):
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        conn.execute(
            text("CREATE TABLE ratelimit_bench_logged.rate_limits (key TEXT PRIMARY KEY, tat_us BIGINT NOT NULL)")
        )
    urls["postgresql"] = postgres_url(pg_base, "ratelimit_bench")
    urls["postgresql_logged"] = postgres_url(pg_base, "ratelimit_bench_logged")
    pg = make_engine(urls["postgresql"])
    migrate.upgrade(pg)
    with pg.connect() as conn:
        persistence = conn.execute(text("SELECT relpersistence FROM pg_class WHERE oid = 'rate_limits'::regclass"))
        assert persistence.scalar_one() == "u", "the migration should make rate_limits UNLOGGED"
    pg.dispose()
    try:
        yield urls
    finally:
        with admin.begin() as conn:
            for schema in ("ratelimit_bench", "ratelimit_bench_logged"):
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


# The store engines the providers are built on, kept for the whole run as an application keeps its
# own (a SQLite sidecar's connections are closed with its store engine).
_ENGINES: list[Engine] = []


def provider_buckets(url: str) -> Buckets:
    """The buckets `DatabaseRateLimits` picks for a database URL (as production builds them)."""
    _ENGINES.append(make_engine(url))
    return DatabaseRateLimits(_ENGINES[-1]).buckets


async def latencies(variants: dict[str, Buckets], acquires: int, rounds: int) -> dict[str, list[int]]:
    """acquire() from one task, `acquires` per variant, in `rounds` interleaved rounds."""
    limiters = {name: limiter_on(b) for name, b in variants.items()}
    samples: dict[str, list[int]] = {name: [] for name in variants}
    for limiter in limiters.values():  # warm: connections, statements prepared, worker threads
        for _ in range(50):
            await limiter.acquire()
    for _ in range(rounds):
        for name, limiter in limiters.items():
            for _ in range(acquires // rounds):
                started = time.perf_counter_ns()
                await limiter.acquire()
                samples[name].append(time.perf_counter_ns() - started)
    return samples


def statement_latencies(variants: dict[str, Buckets], calls: int, rounds: int) -> dict[str, list[int]]:
    """The reservation alone (`advance`, in this thread): acquire() minus the worker-thread hop."""
    limiter = limiter_on(LocalBuckets())
    samples: dict[str, list[int]] = {name: [] for name in variants}
    for buckets in variants.values():
        for _ in range(50):
            buckets.advance(KEY, limiter.interval_us, limiter.interval_us, limiter.horizon_us)
    for _ in range(rounds):
        for name, buckets in variants.items():
            for _ in range(calls // rounds):
                started = time.perf_counter_ns()
                buckets.advance(KEY, limiter.interval_us, limiter.interval_us, limiter.horizon_us)
                samples[name].append(time.perf_counter_ns() - started)
    return samples


async def throughput(buckets: Buckets, tasks: int, seconds: float) -> tuple[int, float]:
    """Acquires made by `tasks` tasks in `seconds`; (count, elapsed)."""
    limiter = limiter_on(buckets)
    for _ in range(20):
        await limiter.acquire()
    count = 0
    started = time.perf_counter()
    deadline = started + seconds

    async def worker() -> None:
        nonlocal count
        while time.perf_counter() < deadline:
            await limiter.acquire()
            count += 1

    await asyncio.gather(*(worker() for _ in range(tasks)))
    return count, time.perf_counter() - started


def throughput_in_processes(url: str, processes: int, tasks: int, seconds: float) -> int:
    """Acquires/s of `processes` child processes at once, each with `tasks` tasks, on one key."""
    start_at = time.time() + 3.0  # after every child has imported and connected
    argv = [sys.executable, "-m", "bench.ratelimit", "--child", url, str(tasks), str(seconds), str(start_at)]
    # The bench's package first, then the parent's own path (so a parent run against another checkout's
    # src/ through PYTHONPATH measures that code in its children too).
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p))
    children = [subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True) for _ in range(processes)]
    counts: list[dict[str, float]] = []
    for child in children:
        out, _ = child.communicate(timeout=seconds + 60)
        if child.returncode != 0:
            raise RuntimeError(f"child failed with {child.returncode}")
        counts.append(json.loads(out.strip().splitlines()[-1]))
    return round(sum(c["count"] for c in counts) / max(c["seconds"] for c in counts))


def child(url: str, tasks: int, seconds: float, start_at: float) -> None:
    buckets = provider_buckets(url)
    limiter = limiter_on(buckets)

    async def run() -> tuple[int, float]:
        for _ in range(20):
            await limiter.acquire()
        await asyncio.sleep(max(0.0, start_at - time.time()))
        return await throughput(buckets, tasks, seconds)

    count, elapsed = asyncio.run(run())
    print(json.dumps({"count": count, "seconds": elapsed}))


@contextmanager
def page_writer(engine: Engine) -> Iterator[Callable[[], int]]:
    """Another connection writing pages to the main database as a sync does: holds the write lock
    PAGE_HOLD s, releases it PAGE_GAP s. Yields a function giving the pages written so far."""
    stop = threading.Event()
    pages = [0]

    def write() -> None:
        while not stop.is_set():
            with write_tx(engine) as conn:
                conn.execute(text("INSERT INTO pages (n, body) VALUES (:n, :b)"), {"n": pages[0], "b": "x" * 1000})
                time.sleep(PAGE_HOLD)
            pages[0] += 1
            time.sleep(PAGE_GAP)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    try:
        yield lambda: pages[0]
    finally:
        stop.set()
        thread.join()


async def under_page_writes(variants: dict[str, Buckets], acquires: int) -> dict[str, list[int]]:
    """acquire() latency while pages are written to the main file: one acquire every 5 ms (a stream
    of requests), alternating the variants."""
    limiters = {name: limiter_on(b) for name, b in variants.items()}
    samples: dict[str, list[int]] = {name: [] for name in variants}
    for _ in range(acquires):
        for name, limiter in limiters.items():
            started = time.perf_counter_ns()
            await limiter.acquire()
            samples[name].append(time.perf_counter_ns() - started)
            await asyncio.sleep(0.005)
    return samples


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.ratelimit", description=__doc__.split("\n")[0])
    p.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/bench_ratelimit",
        help="PostgreSQL database (created if missing; 'none' to skip). Its schemas ratelimit_bench* are used.",
    )
    p.add_argument("--acquires", type=int, default=4000, help="acquire() latency samples per variant")
    p.add_argument("--seconds", type=float, default=3.0, help="duration of each throughput run")
    p.add_argument("--page-acquires", type=int, default=300, help="acquires per variant under page writes")
    p.add_argument("--child", nargs=4, metavar=("URL", "TASKS", "SECONDS", "START_AT"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        url, tasks, seconds, start_at = args.child
        child(url, int(tasks), float(seconds), float(start_at))
        return 0

    began = time.perf_counter()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    pg_base = None if args.postgres == "none" else args.postgres
    rounds = 10
    with databases(pg_base) as urls:
        info = machine(urls.get("postgresql", urls["sqlite"]))
        info["sqlite"] = machine(urls["sqlite"])["database"]
        log(f"machine: {info}")
        shared: dict[str, str] = {"sqlite sidecar": urls["sqlite"]}
        if "postgresql" in urls:
            shared["postgresql"] = urls["postgresql"]
        # The provider's own choice for each database, and the process-local baseline.
        variants: dict[str, Buckets] = {"process (baseline)": provider_buckets("sqlite://")}
        variants.update({name: provider_buckets(url) for name, url in shared.items()})
        assert isinstance(variants["sqlite sidecar"], SqlBuckets)
        # The alternatives the design rejected.
        main_file = make_engine(urls["sqlite"])
        alternatives: dict[str, Buckets] = {"sqlite main file": SqlBuckets(main_file)}
        if "postgresql" in urls:
            alternatives["postgresql, logged table"] = SqlBuckets(make_engine(urls["postgresql_logged"]))
            own_engine = create_engine(normalize_url(urls["postgresql"]), pool_size=2)
            alternatives["postgresql, limiters' own engine (no pre-ping)"] = SqlBuckets(own_engine)

        log("acquire() latency, one task")
        acquire = asyncio.run(latencies({**variants, **alternatives}, args.acquires, rounds))
        log("the reservation alone (no worker thread)")
        statement = statement_latencies({**variants, **alternatives}, args.acquires, rounds)
        log(f"throughput: {TASKS} tasks in one process")
        one_process: dict[str, int] = {}
        for name, buckets in variants.items():
            count, elapsed = asyncio.run(throughput(buckets, TASKS, args.seconds))
            one_process[name] = round(count / elapsed)
        log(f"throughput: 2 processes x {TASKS} tasks on one key")
        two_processes = {
            name: throughput_in_processes(url, 2, TASKS, args.seconds)
            for name, url in {"process (baseline)": "sqlite://", **shared}.items()
        }
        log(f"SQLite: acquire() while pages are written to the main file ({PAGE_HOLD * 1000:g} ms lock held)")
        contended = {"sqlite sidecar": variants["sqlite sidecar"], "sqlite main file": alternatives["sqlite main file"]}
        writer_engine = make_engine(urls["sqlite"])
        with page_writer(writer_engine) as pages_written:
            paged = asyncio.run(under_page_writes(contended, args.page_acquires))
            pages = pages_written()
        writer_engine.dispose()
        main_file.dispose()

    result: dict[str, Any] = {
        "timestamp": stamp,
        "mode": "ratelimit",
        "total_seconds": round(time.perf_counter() - began, 1),
        "machine": info,
        "parameters": {
            "rate_per_s": RATE,
            "burst": BURST,
            "latency_samples": args.acquires,
            "rounds": rounds,
            "throughput_seconds": args.seconds,
            "tasks_per_process": TASKS,
            "page_writer": {"lock_held_ms": PAGE_HOLD * 1000, "released_ms": PAGE_GAP * 1000, "pages_written": pages},
        },
        "acquire_latency": {name: percentiles(s) for name, s in acquire.items()},
        "reservation_statement_latency": {name: percentiles(s) for name, s in statement.items()},
        "acquires_per_s": {
            name: {f"1 process x {TASKS} tasks": one_process[name], f"2 processes x {TASKS} tasks": two_processes[name]}
            for name in variants
        },
        "acquire_latency_under_page_writes": {name: percentiles(s) for name, s in paged.items()},
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{stamp}-ratelimit.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    log(f"wrote {out.relative_to(ROOT)} in {result['total_seconds']}s")
    summary = {
        name: {
            "acquire_p50_us": result["acquire_latency"][name]["p50_us"],
            "acquire_p99_us": result["acquire_latency"][name]["p99_us"],
            **result["acquires_per_s"][name],
        }
        for name in variants
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
