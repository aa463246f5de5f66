"""Outgoing webhook delivery throughput (issue 14): events/s HireBridge delivers to a local receiver ÷
events/s a bare httpx POST loop sends to the same receiver. `python -m bench.webhookbench URL
[--events 2000] [--rounds 2]`; prints one JSON line.

A child run (bench/run.py starts it with `run_child`). The receiver is a uvicorn process of its own
answering 200 at once, so neither side shares a GIL with it. Both sides send the same signed bodies
with the same concurrency (`HIREBRIDGE_WEBHOOK_CONCURRENCY`'s default, 16):
- HireBridge: N events recorded for one subscription (store.events.emit, outside the timing), then
  `deliver_due` until every delivery is SUCCEEDED -- claims, the SSRF check, signing, the POST, the
  attempt log and the delivery's new state, each a database write;
- bare: the same N bodies POSTed by 16 asyncio workers sharing one httpx.AsyncClient, nothing recorded.
Rounds alternate the sides; each side's best round counts (the machine's noise only slows a side).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from typing import Any

import httpx

from bench.procs import ensure_secret_key, free_port
from bench.syncbench import _fresh_engine


async def _receiver_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


def _serve_receiver(port: int) -> None:
    import uvicorn

    uvicorn.run(_receiver_app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _wait_listening(url: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.post(url, content=b"{}", trust_env=False)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def measure(url: str, events: int, rounds: int) -> dict[str, Any]:
    from hirebridge.config import Settings
    from hirebridge.store import events as store_events
    from hirebridge.store import tenancy, webhooks
    from hirebridge.store.db import read_tx, write_tx
    from hirebridge.timefmt import utc_now
    from hirebridge.webhooks import deliver_due, signature

    port = free_port()
    receiver = subprocess.Popen(
        [sys.executable, "-c", f"from bench.webhookbench import _serve_receiver; _serve_receiver({port})"]
    )
    target = f"http://127.0.0.1:{port}/hook"
    try:
        _wait_listening(target)
        engine = _fresh_engine(url)
        settings = Settings(webhook_allow_private_urls=True)
        with write_tx(engine) as conn:
            env = tenancy.get_or_create_environment(conn, "bench")
            _, secret = webhooks.create_subscription(conn, env.id, target, [store_events.SYNC_FINISHED], utc_now())
        assert secret is not None
        data = {"sync_id": "x" * 24, "sync_state": "SUCCEEDED", "integration_id": "sandbox:" + "y" * 24, "log_url": ""}
        bodies = [
            json.dumps({"id": f"{i:024d}", "type": "sync-finished", "data": data}).encode() for i in range(events)
        ]

        async def bare() -> float:
            queue = list(reversed(bodies))
            async with httpx.AsyncClient(trust_env=False, follow_redirects=False) as client:

                async def work() -> None:
                    while queue:
                        body = queue.pop()
                        headers = {"Content-Type": "application/json", "X-Kombo-Signature": signature(secret, body)}
                        response = await client.post(target, content=body, headers=headers)
                        assert response.status_code == 200

                began = time.perf_counter()
                await asyncio.gather(*(work() for _ in range(settings.webhook_concurrency)))
                return time.perf_counter() - began

        def hirebridge() -> float:
            with write_tx(engine) as conn:
                for _ in range(events):
                    store_events.emit(conn, env.id, store_events.SYNC_FINISHED, data)
            began = time.perf_counter()
            while deliver_due(engine, settings):
                pass
            seconds = time.perf_counter() - began
            with read_tx(engine) as conn:
                pending = [d for d in webhooks.list_deliveries(conn, limit=events) if d.state != webhooks.SUCCEEDED]
            assert not pending, f"{len(pending)} deliveries not delivered"
            return seconds

        bare_s, hb_s = [], []
        for n in range(rounds):
            sides = [("bare", lambda: asyncio.run(bare())), ("hirebridge", hirebridge)]
            for name, side in sides if n % 2 == 0 else reversed(sides):
                (bare_s if name == "bare" else hb_s).append(side())
        engine.dispose()
    finally:
        receiver.terminate()
        receiver.wait(timeout=30)
    bare_rate, hb_rate = events / min(bare_s), events / min(hb_s)
    return {
        "events": events,
        "rounds": rounds,
        "concurrency": settings.webhook_concurrency,
        "hirebridge_events_per_s": round(hb_rate, 1),
        "bare_post_events_per_s": round(bare_rate, 1),
        "hirebridge_seconds": [round(s, 3) for s in hb_s],
        "bare_seconds": [round(s, 3) for s in bare_s],
        "delivery_vs_bare_post": round(hb_rate / bare_rate, 3),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.webhookbench", description=__doc__.split("\n")[0])
    p.add_argument("url", help="database URL (reset: its tables are dropped and rebuilt)")
    p.add_argument("--events", type=int, default=2000, help="events per round and side")
    p.add_argument("--rounds", type=int, default=2, help="rounds per side (alternating)")
    args = p.parse_args(argv)
    ensure_secret_key()  # the subscription's secret is sealed (bench/run.py's children inherit its key)
    sys.stdout.write(json.dumps(measure(args.url, args.events, args.rounds)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
