"""Sync benchmarks, each in a fresh subprocess so its peak RSS is its own (`os.wait4` gives the child's
rusage): `python -m bench.syncbench sandbox URL N` / `lever URL N RATE`; prints one JSON line."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def run_child(*args: str, module: str = "bench.syncbench") -> dict[str, Any]:
    """Run `python -m MODULE ARGS` (a benchmark in a process of its own); the JSON line it prints last."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), HIREBRIDGE_LOG_LEVEL="WARNING")
    done = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{module} {args} failed with {done.returncode}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM). Not the parent's `ru_maxrss` of the child: that counts the
    parent's pages the child had between fork and exec, i.e. the size of the benchmark runner."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


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


def sandbox(url: str, applications: int) -> dict[str, Any]:
    """FULL sync of a new sandbox integration of `applications`: the engine alone (the source is a
    generator in this process, no HTTP)."""
    from hirebridge.store import tenancy
    from hirebridge.store.db import write_tx
    from hirebridge.sync.engine import SyncEngine

    engine = _fresh_engine(url)
    with write_tx(engine) as conn:
        env = tenancy.get_or_create_environment(conn)
        integration = tenancy.create_integration(conn, env, "sandbox", {"applications": applications, "step": 0})
    base_rss = peak_rss_mb()
    began = time.perf_counter()
    result = SyncEngine(engine).run(integration.id)
    seconds = time.perf_counter() - began
    records = _totals(result.stats)
    # How much of that the source itself costs (generating the records, no normalize, no SQL): the
    # sandbox is a simulation, not free, and a real connector's cost is HTTP instead.
    from hirebridge.connectors.sandbox.source import SandboxSource

    began = time.perf_counter()
    source = SandboxSource(seed=integration.id, applications=applications, step=0)
    for method in source.record_methods().values():
        for _ in method():
            pass
    generate = time.perf_counter() - began
    return {
        "applications": applications,
        "state": str(result.state),
        "records": records,
        "seconds": round(seconds, 2),
        "records_per_s": round(records / seconds, 1),
        "source_generate_seconds": round(generate, 2),
        "records_per_s_without_source": round(records / max(seconds - generate, 1e-9), 1),
        "rss_before_sync_mb": base_rss,
        "peak_rss_mb": peak_rss_mb(),
        "error": result.error,
    }


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


def main(argv: list[str]) -> int:
    kind, url, size = argv[0], argv[1], int(argv[2])
    if kind == "sandbox":
        result = sandbox(url, size)
    elif kind == "greenhouse":
        result = greenhouse(url, size, float(argv[3]))
    else:
        result = lever(url, size, float(argv[3]))
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
