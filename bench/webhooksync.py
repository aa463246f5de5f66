"""Sync throughput with outgoing webhooks on vs off (issue 14): `python -m bench.webhooksync URL
[--applications 5000] [--rounds 3]`; prints one JSON line.

A child run (bench/run.py starts it with `run_child`). Each round runs the same sandbox FULL sync twice
on fresh integrations of the same size, in alternating order:
- off: no subscription, so no event is recorded (the change outbox is written either way: it is part
  of every commit, and the change feed reads it);
- on: a subscription to every event type pointing at a local receiver (a uvicorn process of its own,
  answering 200), and the embedded mode's webhook delivery lane running in this process, as
  `hirebridge serve` runs it: `data-changed` is announced and delivered while the sync writes.
The figure is the median of the rounds' ratios, records/s with webhooks on ÷ off (target >= 0.95).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from typing import Any

from bench.procs import ensure_secret_key, free_port
from bench.syncbench import _fresh_engine, _totals
from bench.webhookbench import _wait_listening


def measure(url: str, applications: int, rounds: int) -> dict[str, Any]:
    from hirebridge.config import Settings
    from hirebridge.jobs.webhooks import WebhookLane
    from hirebridge.store import tenancy, webhooks
    from hirebridge.store.db import read_tx, write_tx
    from hirebridge.store.sync_runs import SyncState
    from hirebridge.sync.engine import SyncEngine
    from hirebridge.timefmt import utc_now

    port = free_port()
    receiver = subprocess.Popen(
        [sys.executable, "-c", f"from bench.webhookbench import _serve_receiver; _serve_receiver({port})"]
    )
    target = f"http://127.0.0.1:{port}/hook"
    rates: dict[str, list[float]] = {"off": [], "on": []}
    delivered = 0
    try:
        _wait_listening(target)
        engine = _fresh_engine(url)
        settings = Settings(webhook_allow_private_urls=True)
        with write_tx(engine) as conn:
            off_env = tenancy.get_or_create_environment(conn, "webhooks-off")
            on_env = tenancy.get_or_create_environment(conn, "webhooks-on")
            webhooks.create_subscription(conn, on_env.id, target, None, utc_now())

        def run(environment: tenancy.Environment) -> float:
            with write_tx(engine) as conn:
                integration = tenancy.create_integration(
                    conn, environment, "sandbox", {"applications": applications, "step": 0}
                )
            began = time.perf_counter()
            result = SyncEngine(engine, settings).run(integration.id)
            seconds = time.perf_counter() - began
            if result.state != SyncState.SUCCEEDED:  # a failed sync never yields a rate
                raise RuntimeError(f"sync failed: {result.error}")
            return _totals(result.stats) / seconds

        for n in range(rounds):
            for side in ("off", "on") if n % 2 == 0 else ("on", "off"):
                if side == "off":
                    rates["off"].append(run(off_env))
                    continue
                lane = WebhookLane(engine, settings)
                lane.start()
                try:
                    rates["on"].append(run(on_env))
                finally:
                    lane.stop()
        with read_tx(engine) as conn:
            delivered = sum(1 for d in webhooks.list_deliveries(conn, limit=100_000) if d.state == webhooks.SUCCEEDED)
        engine.dispose()
    finally:
        receiver.terminate()
        receiver.wait(timeout=30)
    # Each round's pair, then their median: every sync adds its integration to the same database, so
    # later rounds run slower on both sides (7,300 -> 5,700 records/s over 5 rounds of 5,000 here), and
    # a ratio of the two sides' medians compared runs of different rounds (0.92-1.05 at 2,000 x 3).
    ratios = [on / off for on, off in zip(rates["on"], rates["off"], strict=True)]
    return {
        "applications": applications,
        "rounds": rounds,
        "records_per_s_on": [round(r, 1) for r in rates["on"]],
        "records_per_s_off": [round(r, 1) for r in rates["off"]],
        "round_ratios": [round(r, 3) for r in ratios],
        "deliveries_succeeded": delivered,
        "sync_with_webhooks_vs_without": round(statistics.median(ratios), 3),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.webhooksync", description=__doc__.split("\n")[0])
    p.add_argument("url", help="database URL (reset: its tables are dropped and rebuilt)")
    p.add_argument("--applications", type=int, default=5000, help="sandbox size of each sync")
    p.add_argument("--rounds", type=int, default=3, help="syncs per side (alternating)")
    args = p.parse_args(argv)
    ensure_secret_key()  # the environment's webhook secret is sealed
    sys.stdout.write(json.dumps(measure(args.url, args.applications, args.rounds)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
