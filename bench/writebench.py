"""Write-action latency overhead (issue 13): HireBridge's action wall time ÷ the same source requests
made directly. `python -m bench.writebench URL [--latency-ms 100] [--rounds 15]`; prints one JSON line.

A child run (bench/run.py starts it with `run_child`), so the client timing both sides and the
emulator do not share a GIL with the HireBridge server, which runs as `hirebridge serve` in its own
process on a fresh database holding one Greenhouse integration after a FULL sync.

The emulator answers every request after a fixed `latency`, standing for a real vendor's round trip
(Harvest and its peers answer in 100-300 ms): against a local emulator answering in about a
millisecond, any fixed cost of HireBridge's (its own HTTP hop, auth, the audit row, the write-back)
is an unbounded multiple of the source's time, a ratio that says nothing about what a client sees.

Each round times each side, the order reversed every other round:
- HireBridge: the Kombo endpoint over HTTP with a keep-alive client, the whole call (validation, the
  source's requests, the write-back and the response);
- direct: exactly the source requests HireBridge made for that action (from the emulator's request
  log: method, path, query and body, the token request included), replayed in order with a
  keep-alive client and a valid OAuth token, as a client of Harvest's own would send them.
The third side replays the same requests but the token's (a direct client keeps its token; HireBridge
fetches one per action): `ratio_vs_kept_token`, reported, not the target.
Before each timed call the source is put back where the action expects it (a move goes from the same
stage each time), outside the timing.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import itertools
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from starlette.types import ASGIApp, Receive, Scope, Send

from bench.procs import BIN, Server, ensure_secret_key, free_port, hirebridge
from bench.syncbench import _fresh_engine

ROOT = Path(__file__).resolve().parent.parent
# The integration's declared rate: far above what a benchmark round sends, so the shared limiter
# (still consulted for every request, as for any action) never makes a write wait.
RATE, BURST = 1000.0, 100


class Latency:
    """ASGI wrapper: every HTTP request waits `seconds` before the emulator sees it (settable: the
    setup's FULL sync runs without it)."""

    def __init__(self, app: ASGIApp, seconds: float = 0.0) -> None:
        self.app, self.seconds = app, seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.seconds > 0:
            await asyncio.sleep(self.seconds)
        await self.app(scope, receive, send)


@dataclass(frozen=True)
class Case:
    """One action: the Kombo request, and how to put the source back before the next timed call."""

    name: str
    method: str
    path: str
    body: dict[str, Any]
    reset: Callable[[], object]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def _replay(client: httpx.Client, seen: list[Any], bearer: str, basic: str) -> None:
    """The logged source requests again, in order: the token request with the client credentials,
    the rest with a valid bearer token."""
    for request in seen:
        headers = {"Authorization": basic if request.path == "/token" else bearer}
        if request.body:
            kind = "application/x-www-form-urlencoded" if request.path == "/token" else "application/json"
            headers["Content-Type"] = kind
        answer = client.request(
            request.method, request.path, params=request.query, content=request.body or None, headers=headers
        )
        if answer.status_code >= 400:
            raise RuntimeError(f"direct {request.method} {request.path}: {answer.status_code} {answer.text[:200]}")


def _phases(began: int, ended: int, seen: list[Any], latency: float) -> dict[str, float]:
    """Where one call's time went, from the arrival times the emulator logged (after its latency):
    `before` the first source request (HireBridge: the request's checks and the audit row), `between`
    requests beyond the latency (the emulator's handling and the caller's work between its answers:
    the token, pacing, parsing), `after` the last one arrived (its handling, then HireBridge's write-back
    and response). Nanosecond clocks: `time.monotonic_ns`, the emulator's too."""
    wait = int(latency * 1e9)
    arrivals = [r.at for r in seen]
    between = sum(later - earlier - wait for earlier, later in itertools.pairwise(arrivals))
    return {
        "before": (arrivals[0] - wait - began) / 1e6,
        "between": between / 1e6,
        "after": (ended - arrivals[-1]) / 1e6,
    }


def _kinds(seen: list[Any]) -> list[str]:
    """The source requests of one action, ids left out: `POST /v3/notes`, `GET /v3/applications`."""
    return [f"{r.method} {'/'.join('{id}' if p.isdigit() else p for p in r.path.split('/'))}" for r in seen]


def measure(url: str, latency: float, rounds: int, applications: int, profile: Path | None = None) -> dict[str, Any]:
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
    out: dict[str, Any] = {"latency_ms": _ms(latency), "rounds": rounds, "applications": applications}
    with serve(gate) as source:
        config = {
            "client_id": emulator.client_id,
            "client_secret": emulator.client_secret,
            "token_url": f"{source}/token",
            "base_url": f"{source}/v3",
            "requests_per_second": RATE,
            "burst": BURST,
        }
        with write_tx(engine) as conn:
            env = tenancy.get_or_create_environment(conn)
            integration = tenancy.create_integration(conn, env, "greenhouse", config)
        sync = SyncEngine(engine).run(integration.id, SyncKind.FULL)
        if sync.error:
            raise RuntimeError(f"the FULL sync failed: {sync.error}")
        engine.dispose()
        key = json.loads(hirebridge("api-keys", "create", "--json", url=url).strip().splitlines()[-1])["key"]
        headers = {"Authorization": f"Bearer {key}", "X-Integration-Id": integration.id}
        gate.seconds = latency
        port = free_port()
        serve_argv = [str(BIN / "hirebridge"), "serve", "--port", str(port)]
        if profile is not None:  # py-spy's raw samples of the server's busy threads (where its overhead goes)
            serve_argv = [str(BIN / "py-spy"), "record", "--format", "raw", "--rate", "500", "-o", str(profile),
                          "--subprocesses", "--", *serve_argv]  # fmt: skip
        with (
            Server(serve_argv, url, port) as api,
            httpx.Client(base_url=api.base, headers=headers, timeout=60) as hb,
            httpx.Client(base_url=source, timeout=60) as direct,
        ):
            credentials = base64.b64encode(f"{emulator.client_id}:{emulator.client_secret}".encode()).decode()
            basic = f"Basic {credentials}"
            token = direct.post(
                "/token",
                headers={"Authorization": basic},
                data={"grant_type": "client_credentials"},
            ).json()["access_token"]
            bearer = f"Bearer {token}"
            cases = _cases(hb, emulator)
            out["actions"] = {
                case.name: _rounds(case, hb, direct, emulator, rounds, latency, bearer, basic) for case in cases
            }
    ratios = [a["ratio"] for a in out["actions"].values()]
    out["write_vs_direct"] = max(ratios)
    return out


def _cases(hb: httpx.Client, emulator: Any) -> list[Case]:
    """An active application with another stage of its job to move to; its Kombo ids from the API."""
    active = [a for a in emulator.records("applications", status="active") if a["job_interview_stage_id"]]
    app = active[len(active) // 2]
    stages = sorted(
        (s for s in emulator.records("job_interview_stages", job_ids=str(app["job_id"])) if s["active"]),
        key=lambda s: (s["sort_order"], s["id"]),
    )
    here = app["job_interview_stage_id"]
    there = next(s["id"] for s in stages if s["id"] != here)
    found = hb.get("/v1/ats/applications", params={"remote_ids": str(app["id"])}).json()["data"]["results"]
    application = found[0]
    job = hb.get("/v1/ats/jobs", params={"ids": application["job"]["id"]}).json()["data"]["results"][0]
    stage_id = next(s["id"] for s in job["stages"] if s["remote_id"] == str(there))
    application_id = application["id"]
    return [
        Case(
            "add_application_note",
            "POST",
            f"/v1/ats/applications/{application_id}/notes",
            {"content": "Benchmark: the assessment is done.", "content_type": "PLAIN_TEXT"},
            lambda: None,
        ),
        Case(
            "move_application_stage",
            "PUT",
            f"/v1/ats/applications/{application_id}/stage",
            {"stage_id": stage_id},
            lambda: emulator.move_application(app["id"], here),  # back to the stage the move starts from
        ),
    ]


def _rounds(
    case: Case,
    hb: httpx.Client,
    direct: httpx.Client,
    emulator: Any,
    rounds: int,
    latency: float,
    bearer: str,
    basic: str,
) -> dict[str, Any]:
    template: list[Any] = []
    phases: dict[str, list[dict[str, float]]] = {"hirebridge": [], "direct": [], "direct_kept_token": []}

    def through_hirebridge() -> float:
        nonlocal template
        before = len(emulator.requests)
        began = time.monotonic_ns()
        answer = hb.request(case.method, case.path, json=case.body)
        ended = time.monotonic_ns()
        if answer.status_code != 200:
            raise RuntimeError(f"{case.name}: {answer.status_code} {answer.text[:300]}")
        template = list(emulator.requests[before:])
        phases["hirebridge"].append(_phases(began, ended, template, latency))
        case.reset()
        return (ended - began) / 1e9

    def replayed(side: str, keep_token: bool) -> Callable[[], float]:
        def directly() -> float:
            before = len(emulator.requests)
            began = time.monotonic_ns()
            _replay(direct, [r for r in template if not (keep_token and r.path == "/token")], bearer, basic)
            ended = time.monotonic_ns()
            phases[side].append(_phases(began, ended, emulator.requests[before:], latency))
            case.reset()
            return (ended - began) / 1e9

        return directly

    # `direct` replays every request, the token's too (the target's comparison); `direct_kept_token`
    # leaves the token request out: a client of Harvest's own keeps its token, while HireBridge
    # fetches one per action (a connector per action), so that ratio is what a caller really pays.
    order = (
        ("hirebridge", through_hirebridge),
        ("direct", replayed("direct", keep_token=False)),
        ("direct_kept_token", replayed("direct_kept_token", keep_token=True)),
    )
    # Warm-up, untimed: the first action's imports and caches, the keep-alive connections, and the
    # request list the first direct round replays.
    for _, call in order:
        call()
    for runs in phases.values():
        runs.clear()
    sides: dict[str, list[float]] = {side: [] for side, _ in order}
    for n in range(rounds):
        for side, call in order if n % 2 == 0 else order[::-1]:
            sides[side].append(call())
    hb_s, direct_s, kept_s = sides["hirebridge"], sides["direct"], sides["direct_kept_token"]
    per_round = [h / d for h, d in zip(hb_s, direct_s, strict=True)]
    hb_median, direct_median = statistics.median(hb_s), statistics.median(direct_s)
    return {
        "ratio": round(hb_median / direct_median, 3),
        "round_ratio_min": round(min(per_round), 3),
        "round_ratio_max": round(max(per_round), 3),
        "hirebridge_ms": {"median": _ms(hb_median), "min": _ms(min(hb_s)), "max": _ms(max(hb_s))},
        "direct_ms": {"median": _ms(direct_median), "min": _ms(min(direct_s)), "max": _ms(max(direct_s))},
        "overhead_ms": _ms(hb_median - direct_median),
        "ratio_vs_kept_token": round(hb_median / statistics.median(kept_s), 3),
        "direct_kept_token_ms": {"median": _ms(statistics.median(kept_s)), "min": _ms(min(kept_s))},
        # Medians of each phase (`_phases`): the difference between the sides is where the overhead is.
        "phases_ms": {
            side: {name: round(statistics.median(p[name] for p in runs), 2) for name in runs[0]}
            for side, runs in phases.items()
        },
        "source_requests": len(template),
        "source_request_kinds": _kinds(template),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.writebench", description=__doc__.split("\n")[0])
    p.add_argument("url", help="database URL (reset: its tables are dropped and rebuilt)")
    p.add_argument("--latency-ms", type=float, default=100.0, help="the emulator's delay before each answer")
    p.add_argument("--rounds", type=int, default=15, help="timed rounds per action and side (at least 15)")
    p.add_argument("--applications", type=int, default=50, help="Greenhouse emulator size")
    p.add_argument("--profile", type=Path, help="run the server under py-spy, raw samples to this file")
    args = p.parse_args(argv)
    result = measure(args.url, args.latency_ms / 1000, args.rounds, args.applications, args.profile)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
