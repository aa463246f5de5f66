"""Upstream webhook latency (issue 14): from a change at the source to the change being visible through
the API, when the source sends its webhook. `python -m bench.upstreambench URL [--latency-ms 100]
[--rounds 20]`; prints one JSON line (median and p95 seconds; the goal is p95 <= 5 s, Kombo states ~20 s).

A child run (bench/run.py starts it with `run_child`): HireBridge runs as `hirebridge serve` (embedded
mode: the API, the sync worker and the upstream refresh lane in one process) on a fresh database holding
one Greenhouse integration after a FULL sync, with its webhook secret. The Greenhouse emulator answers
every request after a fixed `latency` (a vendor-like round trip, as in bench/writebench.py) and sends its
signed web hook to HireBridge after each change, from a thread of its own, as Greenhouse does.

Each round moves one application to another stage at the emulator (which sends `candidate_stage_change`)
and polls `GET /v1/ats/applications?ids=` every 20 ms until the application shows the new stage: the
time from the change to the first answer that shows it. Rounds run one after another (the next change
waits for the previous to be visible), alternating between two stages.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench.procs import BIN, Server, ensure_secret_key, free_port, hirebridge
from bench.syncbench import _fresh_engine
from bench.writebench import Latency

ROOT = Path(__file__).resolve().parent.parent
SECRET = "upstream-bench-secret"
POLL_SECONDS = 0.02
TIMEOUT_SECONDS = 60.0
# The setup's FULL sync is not what is measured: far above what it sends. The refreshes then run at the
# connector's declared default (Harvest: 4.5 requests/s, bursts of 5), as in production.
SETUP_RATE = {"requests_per_second": 1000.0, "burst": 100}


def _percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by linear interpolation between the closest ranks."""
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def measure(url: str, latency: float, rounds: int, applications: int) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from tests.emulators.greenhouse import GreenhouseEmulator
    from tests.emulators.harness import serve

    from hirebridge.model import SyncKind
    from hirebridge.store import tenancy
    from hirebridge.store.db import write_tx
    from hirebridge.sync.engine import SyncEngine

    ensure_secret_key()  # the credentials sealed here are opened by the server: one key for both
    emulator = GreenhouseEmulator(applications=applications, rate_limit=None)
    gate = Latency(emulator.app)
    engine = _fresh_engine(url)
    out: dict[str, Any] = {"latency_ms": round(latency * 1000, 1), "rounds": rounds, "applications": applications}
    with serve(gate) as source:
        config = {
            "client_id": emulator.client_id,
            "client_secret": emulator.client_secret,
            "token_url": f"{source}/token",
            "base_url": f"{source}/v3",
            "webhook_secret": SECRET,
        }
        with write_tx(engine) as conn:  # the setup's sync unpaced; the refreshes at the tool's own pacing
            env = tenancy.get_or_create_environment(conn)
            integration = tenancy.create_integration(conn, env, "greenhouse", {**config, **SETUP_RATE})
        sync = SyncEngine(engine).run(integration.id, SyncKind.FULL)
        if sync.error:
            raise RuntimeError(f"the FULL sync failed: {sync.error}")
        with write_tx(engine) as conn:
            paced = {k: v for k, v in integration.config.items() if k not in SETUP_RATE}
            tenancy.update_integration_config(conn, integration.id, paced)
        engine.dispose()
        key = json.loads(hirebridge("api-keys", "create", "--json", url=url).strip().splitlines()[-1])["key"]
        headers = {"Authorization": f"Bearer {key}", "X-Integration-Id": integration.id}
        port = free_port()
        with (
            Server([str(BIN / "hirebridge"), "serve", "--port", str(port)], url, port) as api,
            httpx.Client(base_url=api.base, headers=headers, timeout=30) as client,
        ):
            emulator.register_webhook(f"{api.base}/webhooks/upstream/{integration.id}", SECRET)
            gate.seconds = latency
            active = [a for a in emulator.records("applications", status="active") if a["job_interview_stage_id"]]
            app = active[len(active) // 2]
            stages = [s for s in emulator.records("job_interview_stages", job_ids=str(app["job_id"])) if s["active"]]
            here = app["job_interview_stage_id"]
            there = next(s["id"] for s in stages if s["id"] != here)
            found = client.get("/v1/ats/applications", params={"remote_ids": str(app["id"])}).json()
            application_id = found["data"]["results"][0]["id"]

            def shows(stage: int) -> bool:
                answer = client.get("/v1/ats/applications", params={"ids": application_id}).json()
                current = answer["data"]["results"][0]["current_stage"]
                return current is not None and current["remote_id"] == str(stage)

            seconds: list[float] = []
            before = len(emulator.requests)
            for n in range(rounds + 1):  # the first round warms up (imports, connections), untimed
                target = there if n % 2 == 0 else here
                began = time.monotonic()
                emulator.move_application(app["id"], target)
                while not shows(target):
                    if time.monotonic() - began > TIMEOUT_SECONDS:
                        raise RuntimeError(f"round {n}: the change was not visible within {TIMEOUT_SECONDS} s")
                    time.sleep(POLL_SECONDS)
                if n:
                    seconds.append(time.monotonic() - began)
            refused = [d for d in emulator.webhooks.deliveries if d.status != 200]
            if refused:
                raise RuntimeError(f"{len(refused)} web hooks were not accepted: {refused[0]}")
    out.update(
        median_s=round(statistics.median(seconds), 3),
        p95_s=round(_percentile(seconds, 0.95), 3),
        min_s=round(min(seconds), 3),
        max_s=round(max(seconds), 3),
        source_requests_per_change=round((len(emulator.requests) - before) / (rounds + 1), 1),
    )
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.upstreambench", description=__doc__.split("\n")[0])
    p.add_argument("url", help="database URL (reset: its tables are dropped and rebuilt)")
    p.add_argument("--latency-ms", type=float, default=100.0, help="the emulator's delay before each answer")
    p.add_argument("--rounds", type=int, default=20, help="timed changes")
    p.add_argument("--applications", type=int, default=50, help="Greenhouse emulator size")
    args = p.parse_args(argv)
    result = measure(args.url, args.latency_ms / 1000, args.rounds, args.applications)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
