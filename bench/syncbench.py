"""Sync benchmarks, each in a fresh subprocess so its peak RSS is its own (`os.wait4` gives the child's
rusage): `python -m bench.syncbench sandbox URL N` / `lever URL N RATE`; prints one JSON line."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent


def run_child(*args: str, module: str = "bench.syncbench", source: Path | None = None) -> dict[str, Any]:
    """Run `python -m MODULE ARGS` (a benchmark in a process of its own); the JSON line it prints last.
    `source`: a checkout whose `src/` to import hirebridge from instead of this one (a baseline)."""
    path = str(ROOT) if source is None else f"{source / 'src'}{os.pathsep}{ROOT}"
    env = dict(os.environ, PYTHONPATH=path, HIREBRIDGE_LOG_LEVEL="WARNING")
    done = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{module} {args} failed with {done.returncode}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _status_mb(key: str) -> float | None:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM). Not the parent's `ru_maxrss` of the child: that counts the
    parent's pages the child had between fork and exec, i.e. the size of the benchmark runner."""
    peak = _status_mb("VmHWM")
    return peak if peak is not None else round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _idle_rss_mb() -> float:
    """RSS now, and the peak reset to it (Linux's clear_refs "5"), so that the peak read later is what
    the work since grew to -- not a peak of the set-up (migrations) before it."""
    rss = _status_mb("VmRSS")
    assert rss is not None
    # Where that is refused the peak counts the set-up too: growth can then only be overstated.
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    return rss


def _fresh_engine(url: str) -> Any:
    from bench.dataset import _reset_database
    from hirebridge.store import migrate
    from hirebridge.store.db import make_engine

    _reset_database(url)
    engine = make_engine(url)
    migrate.upgrade(engine)
    return engine


def _totals(stats: dict[str, dict[str, int]]) -> int:
    return sum(v["inserted"] + v["updated"] + v["unchanged"] for v in stats.values())


def _new_sandbox(url: str, applications: int) -> tuple[Any, str]:
    from hirebridge.store import tenancy
    from hirebridge.store.db import write_tx

    engine = _fresh_engine(url)
    with write_tx(engine) as conn:
        env = tenancy.get_or_create_environment(conn)
        integration = tenancy.create_integration(conn, env, "sandbox", {"applications": applications, "step": 0})
    return engine, integration.id


def _rate(records: int, seconds: float, succeeded: bool) -> float | None:
    """Records per second, for a run that succeeded only: a failed sync never yields a rate."""
    return round(records / seconds, 1) if succeeded and seconds > 0 else None


class _Timed:
    """The sandbox connector with its time measured: each stream's records generated whole when the
    engine asks for the stream, and every file's bytes. The engine asks for a stream
    only after the previous one is written, and fetches files outside its transactions, so in a sync
    through this connector that time is spent alone and can be taken out of the sync's."""

    tool: ClassVar[str] = "sandbox"

    def __init__(self, integration_id: str, applications: int) -> None:
        from hirebridge.connectors.sandbox import SandboxConnector

        self.inner = SandboxConnector(integration_id, {"applications": applications, "step": 0})
        self.seconds = 0.0
        self.records = 0

    def streams(self) -> list[Any]:
        from hirebridge.connectors.base import Stream

        def timed(stream: Any) -> Any:
            def fetch(context: Any) -> Any:
                began = time.perf_counter()
                items = list(stream.fetch(context))
                self.seconds += time.perf_counter() - began
                self.records += len(items)
                return iter(items)

            return Stream(stream.model, fetch, stream.name)

        return [timed(s) for s in self.inner.streams()]

    def fetch_attachment(self, remote_id: str) -> tuple[bytes, str]:
        began = time.perf_counter()
        try:
            content: tuple[bytes, str] = self.inner.fetch_attachment(remote_id)
            return content
        finally:
            self.seconds += time.perf_counter() - began


def sandbox(url: str, applications: int, engine_only: bool | None = None) -> dict[str, Any]:
    """FULL sync of a new sandbox integration of `applications`: the engine and the sandbox generator
    in one process (no HTTP), `records_per_s`. Beside it:

    - `generator_records_per_s`: the sandbox generating the same integration's records alone (its
      streams read to the end, no engine; the sync also has it render its files' bytes);
    - `engine_only_records_per_s` (`engine_only`, default for up to 10,000 applications): a second
      FULL sync, into a fresh database, of a new integration whose every stream is generated whole
      before the engine reads it and whose files are timed: the sync's time less that of the
      generator. Not a subtraction of the first run's: there the engine writes a page while the next
      is generated, so the two overlap;
    - `idle_rss_mb` (RSS after imports, with the engine and the integration created, before the
      sync) and `rss_growth_mb` (the sync's peak above it): how much memory the sync itself takes.
    A run that fails reports its state and error and no rate (null)."""
    from hirebridge.connectors.base import FetchContext
    from hirebridge.connectors.sandbox import SandboxConnector
    from hirebridge.model import SyncKind
    from hirebridge.store.sync_runs import SyncState
    from hirebridge.sync.engine import SyncEngine

    engine, integration_id = _new_sandbox(url, applications)
    idle = _idle_rss_mb()
    began = time.perf_counter()
    result = SyncEngine(engine).run(integration_id)
    seconds = time.perf_counter() - began
    peak = peak_rss_mb()
    succeeded = result.state == SyncState.SUCCEEDED
    records = _totals(result.stats)
    engine.dispose()
    out: dict[str, Any] = {
        "applications": applications,
        "state": str(result.state),
        "error": result.error,
        "records": records,
        "seconds": round(seconds, 2),
        "records_per_s": _rate(records, seconds, succeeded),
        "idle_rss_mb": idle,
        "peak_rss_mb": peak,
        "rss_growth_mb": round(peak - idle, 1),
    }

    # The generator alone, for the same integration (the same records).
    connector = SandboxConnector(integration_id, {"applications": applications, "step": 0})
    began = time.perf_counter()
    generated = 0
    for stream in connector.streams():
        for _ in stream.fetch(FetchContext(SyncKind.FULL, None)):
            generated += 1
    generate = time.perf_counter() - began
    out["generator_records"] = generated
    out["generator_seconds"] = round(generate, 2)
    out["generator_records_per_s"] = round(generated / generate, 1)
    del connector

    if engine_only is None:
        engine_only = applications <= 10_000
    out["engine_only_records_per_s"] = None
    if engine_only:
        engine, integration_id = _new_sandbox(url, applications)
        timed = _Timed(integration_id, applications)
        began = time.perf_counter()
        result = SyncEngine(engine).run(integration_id, connector=timed)
        seconds = time.perf_counter() - began
        engine.dispose()
        engine_seconds = seconds - timed.seconds
        out["engine_only"] = {
            "state": str(result.state),
            "records": _totals(result.stats),
            "seconds": round(seconds, 2),
            "generator_seconds": round(timed.seconds, 2),
        }
        out["engine_only_records_per_s"] = _rate(
            _totals(result.stats), engine_seconds, result.state == SyncState.SUCCEEDED
        )
    return out


def _request_kinds(requests: list[Any]) -> dict[str, int]:
    """The emulator's log of one run, by what was asked: `child_lists` (an opportunity's interviews,
    offers, notes, feedback, files or resumes: one request per kind per opportunity, the part a DELTA's
    re-read of unchanged opportunities multiplies), `opportunities_with_children` (how many distinct
    opportunities those were for), `downloads`, and `other` (users, tags, stages, postings, the
    opportunity listing, contacts, the deletion feed)."""
    child_lists = downloads = 0
    owners: set[str] = set()
    for seen in requests:
        parts = seen.path.strip("/").split("/")
        after = parts[parts.index("opportunities") + 1 :] if "opportunities" in parts else []
        if len(after) == 2:  # /opportunities/{id}/{kind}
            child_lists += 1
            owners.add(after[0])
        elif len(after) == 4 and after[-1] == "download":
            downloads += 1
    return {
        "child_lists": child_lists,
        "opportunities_with_children": len(owners),
        "downloads": downloads,
        "other": len(requests) - child_lists - downloads,
    }


def lever(url: str, opportunities: int, rate: float) -> dict[str, Any]:
    """FULL sync from the Lever emulator at `rate` requests/s; then 1% of opportunities changed and a
    DELTA sync with `child_refresh_parts=0` (`delta_without_refresh`: it reads the changes only, what
    issue 6 measured); then the same 1% changed again and a DELTA sync at the connector's default
    refresh parts (`delta`: what an integration gets, the changes plus the children of one part of
    the unchanged opportunities). Wall times against the minimum the rate limit allows, and requests
    by kind (vendor quotas bill requests, not seconds)."""
    sys.path.insert(0, str(ROOT))
    from tests.emulators.lever import LeverEmulator

    from hirebridge.connectors.lever import LeverConnector
    from hirebridge.connectors.lever.connector import OPPORTUNITY, REFRESH_PARTS
    from hirebridge.model import SyncKind
    from hirebridge.store import tenancy
    from hirebridge.store.db import write_tx
    from hirebridge.store.rate_limits import DatabaseRateLimits
    from hirebridge.sync.engine import SyncEngine

    burst = 20
    emulator = LeverEmulator(opportunities=opportunities, rate=rate, burst=burst)
    engine = _fresh_engine(url)
    out: dict[str, Any] = {
        "opportunities": opportunities,
        "rate_per_s": rate,
        "burst": burst,
        "default_child_refresh_parts": REFRESH_PARTS,
    }
    with emulator.running() as base_url, write_tx(engine) as conn:
        env = tenancy.get_or_create_environment(conn)
        integration = tenancy.create_integration(conn, env, "lever", {"base_url": base_url})
    changed = list(emulator.opportunities)[:: max(1, 100)]  # 1%
    out["changed_opportunities"] = len(changed)
    # (name, kind, child_refresh_parts; None = the connector's default). The two DELTA runs see the
    # same change (the same opportunities edited again before the second: its listing would return
    # them anyway, within the connector's 5-minute overlap), so they differ only in the re-read.
    runs = (
        ("full", SyncKind.FULL, None),
        ("delta_without_refresh", SyncKind.DELTA, 0),
        ("delta", SyncKind.DELTA, None),
    )
    with emulator.running() as base_url:
        config: dict[str, Any] = {
            "api_key": emulator.api_key,
            "base_url": base_url,
            "requests_per_second": rate,
            "burst": burst,
        }
        for name, kind, parts in runs:
            if kind == SyncKind.DELTA:
                for oid in changed:
                    emulator.edit_opportunity(oid, headline=f"changed for the benchmark ({name})")
            before = len(emulator.requests)
            # Rate-limit tokens refill while we edit: start each run with a full bucket, like a real
            # sync that starts long after the previous one.
            time.sleep(burst / rate)
            # With the limiter every sync uses (the database's, the engine's default), not the process's.
            connector = LeverConnector(
                integration.id,
                config if parts is None else config | {"child_refresh_parts": parts},
                DatabaseRateLimits(engine),
            )
            began = time.perf_counter()
            result = SyncEngine(engine).run(integration.id, kind, connector=connector)
            seconds = time.perf_counter() - began
            seen = emulator.requests[before:]
            out[name] = {
                "state": str(result.state),
                "error": result.error,
                "child_refresh_parts": connector.refresh_parts(OPPORTUNITY),
                "seconds": round(seconds, 2),
                "requests": len(seen),
                "requests_by_kind": _request_kinds(seen),
                # A token bucket starts full: the first `burst` requests need no wait.
                "min_seconds": round(max(len(seen) - burst, 0) / rate, 2),
                "records": _totals(result.stats),
                "rate_limit_violations": emulator.violations,
            }
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def greenhouse(url: str, applications: int, rate: float) -> dict[str, Any]:
    """FULL sync from the Greenhouse Harvest v3 emulator under Harvest's own kind of limit (a rolling
    window: `rate` requests in any second, answered with X-RateLimit-* headers and 429 beyond), the
    client declared at 90% of it in bursts of a tenth (burst + rate x window stays within the window);
    then 1% of applications changed and a DELTA. Wall time against the minimum the declared rate
    allows for every request the client paced (Harvest's, the token, the file links and storage
    hops), Harvest's requests apart, and the 429s the window answered."""
    sys.path.insert(0, str(ROOT))
    from tests.emulators.greenhouse import GreenhouseEmulator

    from hirebridge.model import SyncKind
    from hirebridge.store import tenancy
    from hirebridge.store.db import write_tx
    from hirebridge.sync.engine import SyncEngine

    window_limit = int(rate)
    declared, burst = window_limit * 0.9, max(1, window_limit // 10)
    emulator = GreenhouseEmulator(applications=applications, rate_limit=window_limit, window=1.0)
    engine = _fresh_engine(url)
    out: dict[str, Any] = {"applications": applications, "window_limit_per_s": window_limit, "rate_per_s": declared}
    with emulator.running() as base_url:
        config = {
            "client_id": emulator.client_id,
            "client_secret": emulator.client_secret,
            "token_url": f"{base_url}/token",
            "base_url": f"{base_url}/v3",
            "requests_per_second": declared,
            "burst": burst,
        }
        with write_tx(engine) as conn:
            env = tenancy.get_or_create_environment(conn)
            integration = tenancy.create_integration(conn, env, "greenhouse", config)
        changed = [a["id"] for a in emulator.records("applications")][:: max(1, 100)]  # 1%
        out["changed_applications"] = len(changed)
        for name, kind in (("full", SyncKind.FULL), ("delta", SyncKind.DELTA)):
            if kind == SyncKind.DELTA:
                for aid in changed:
                    emulator.edit("applications", aid, custom_fields={})
            before = len(emulator.requests)
            time.sleep(1.0)  # a fresh window, like a sync that starts long after the previous one
            began = time.perf_counter()
            result = SyncEngine(engine).run(integration.id, kind)
            seconds = time.perf_counter() - began
            # Every request is paced (the token, file links and storage hops too), not only Harvest's.
            seen = emulator.requests[before:]
            out[name] = {
                "state": str(result.state),
                "error": result.error,
                "seconds": round(seconds, 2),
                "requests": len(seen),
                "harvest_requests": sum(1 for r in seen if r.path.startswith("/v3/")),
                "min_seconds": round(max(len(seen) - burst, 0) / declared, 2),  # the first burst waits for nothing
                "records": _totals(result.stats),
                "rate_limit_violations": emulator.violations,
            }
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def compare(url: str, sizes: list[int], rounds: int, base: Path, out_dir: Path | None) -> dict[str, Any]:
    """`sandbox` runs of this checkout ("after") and of `base` ("before", e.g. a worktree of main),
    alternated (before/after, then after/before...) for each size, each in a fresh child process; the
    medians per size and the RSS growth ratio between consecutive sizes. Written to
    `out_dir/<UTC stamp>-engine.json` when `out_dir` is given."""
    trees = {"before": base, "after": None}
    runs: list[dict[str, Any]] = []
    for number in range(rounds):
        order = ["before", "after"] if number % 2 == 0 else ["after", "before"]
        for size in sizes:
            for tree in order:
                load = round(os.getloadavg()[0], 2)
                began = time.perf_counter()
                result = run_child("sandbox", url, str(size), source=trees[tree])
                runs.append(
                    {
                        "tree": tree,
                        "round": number,
                        "applications": size,
                        "load_average_before": load,
                        "wall_seconds": round(time.perf_counter() - began, 1),
                        **result,
                    }
                )
                sys.stderr.write(
                    f"{tree} {size}: {result['records_per_s']} records/s "
                    f"(generator {result['generator_records_per_s']}, engine only "
                    f"{result['engine_only_records_per_s']}), RSS growth {result['rss_growth_mb']} MB, load {load}\n"
                )
    summary: dict[str, Any] = {}
    for tree in trees:
        for size in sizes:
            mine = [r for r in runs if r["tree"] == tree and r["applications"] == size]
            summary[f"{tree}_{size}"] = {
                key: _median([r[key] for r in mine if r[key] is not None])
                for key in (
                    "records_per_s",
                    "generator_records_per_s",
                    "engine_only_records_per_s",
                    "idle_rss_mb",
                    "rss_growth_mb",
                    "peak_rss_mb",
                )
            } | {"runs": len(mine), "failed": sum(1 for r in mine if r["records_per_s"] is None)}
        for small, large in itertools.pairwise(sizes):
            grown = summary[f"{tree}_{large}"]["rss_growth_mb"], summary[f"{tree}_{small}"]["rss_growth_mb"]
            if None not in grown:
                summary[f"{tree}_rss_growth_ratio_{large}_vs_{small}"] = round(grown[0] / grown[1], 3)
    for size in sizes:
        before, after = summary[f"before_{size}"]["records_per_s"], summary[f"after_{size}"]["records_per_s"]
        if before and after:
            summary[f"after_vs_before_{size}"] = round(after / before, 3)
    from bench.run import machine

    report: dict[str, Any] = {
        "kind": "engine",
        "stamp": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"),
        "url": make_url(url).render_as_string(hide_password=True),
        "sizes": sizes,
        "rounds": rounds,
        "before": str(base),
        "before_commit": _commit(base),
        "after_commit": _commit(ROOT),
        "machine": machine(url),
        "summary": summary,
        "runs": runs,
    }
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / f"{report['stamp']}-engine.json"
        path.write_text(json.dumps(report, indent=1) + "\n")
        sys.stderr.write(f"written: {path}\n")
    return report


def _commit(tree: Path) -> str:
    done = subprocess.run(["git", "-C", str(tree), "rev-parse", "HEAD"], stdout=subprocess.PIPE, text=True)
    dirty = subprocess.run(["git", "-C", str(tree), "status", "--porcelain", "src"], stdout=subprocess.PIPE, text=True)
    return done.stdout.strip() + (" (with uncommitted changes in src/)" if dirty.stdout.strip() else "")


def main(argv: list[str]) -> int:
    """`sandbox URL N [--engine-only|--no-engine-only]`, `lever URL N RATE`, `greenhouse URL N RATE`,
    or `compare URL SIZES ROUNDS BASE_CHECKOUT [--out]` (SIZES: comma-separated; --out writes
    bench/results/<stamp>-engine.json)."""
    kind, url = argv[0], argv[1]
    if kind == "compare":
        sizes = [int(n) for n in argv[2].split(",")]
        out_dir = ROOT / "bench" / "results" if "--out" in argv else None
        result = compare(url, sizes, int(argv[3]), Path(argv[4]), out_dir)
        sys.stdout.write(json.dumps(result["summary"]) + "\n")
        return 0
    size = int(argv[2])
    if kind == "sandbox":
        flag = {"--engine-only": True, "--no-engine-only": False}
        result = sandbox(url, size, next((flag[a] for a in argv[3:] if a in flag), None))
    elif kind == "greenhouse":
        result = greenhouse(url, size, float(argv[3]))
    else:
        result = lever(url, size, float(argv[3]))
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
