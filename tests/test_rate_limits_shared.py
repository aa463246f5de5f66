"""One rate limit per integration across processes: two processes using the same integration stay
within the source's limit together, and a 429 seen by one makes the other wait.

Each process (a real subprocess, `python -m tests.test_rate_limits_shared`) builds its own
`DatabaseRateLimits` on the test database and sends its requests to one emulator over real HTTP;
the emulator's exact rate meter (tests/emulators/harness.py `RateMeter`) judges the arrivals. As the
baseline, the same two processes each with a bucket of its own (an in-memory database: what every
process had before) together send at twice the rate, and the meter refuses requests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hirebridge.store.db import make_engine
from hirebridge.store.rate_limits import DatabaseRateLimits
from tests.emulators.harness import Emulator, RateMeter, serve

# Serial (`make pytest`): subprocesses pace at the limit and the exact meter judges their arrivals.
pytestmark = pytest.mark.serial

ROOT = Path(__file__).resolve().parent.parent
RATE, BURST = 5.0, 5  # the source's limit; the limiter paces at 4.75/s, bursts of 4 (1 token = 200 ms of slack)
KEY = "integration-1"


def _too_many() -> Response:
    return JSONResponse({"message": "Too many requests"}, status_code=429, headers={"Retry-After": "1"})


@contextmanager
def source() -> Iterator[tuple[Emulator, str]]:
    """A source with one endpoint, metered exactly at RATE/BURST (a violation is answered 429)."""

    async def ping(_: Request) -> Response:
        return JSONResponse({"ok": True})

    emulator = Emulator("key", RateMeter(RATE, BURST))
    with serve(emulator.middleware(Starlette(routes=[Route("/ping", ping)]), _too_many)) as base:
        yield emulator, base


@dataclass
class Client:
    """A subprocess sending requests through its own limiter for KEY; driven line by line on stdin."""

    process: subprocess.Popen[str]

    @classmethod
    def start(cls, database_url: str, base: str) -> Client:
        argv = [sys.executable, "-m", "tests.test_rate_limits_shared", database_url, base]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        client = cls(process)
        assert client.read() == {"ready": True}
        return client

    def send(self, command: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()

    def read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line, f"client exited with {self.process.wait(30)}"
        answer: dict[str, Any] = json.loads(line)
        return answer

    def close(self) -> None:
        self.send("exit")
        assert self.process.wait(30) == 0


def run_together(database_url: str, base: str, requests: int) -> list[dict[str, Any]]:
    """Two client processes, started, then told to go at once; what each reports."""
    clients = [Client.start(database_url, base) for _ in range(2)]
    try:
        for client in clients:
            client.send(f"requests {requests}")
        return [client.read() for client in clients]
    finally:
        for client in clients:
            client.close()


def test_two_processes_share_the_integrations_limit(engine: Engine, database_url: str) -> None:
    with source() as (emulator, base):
        reports = run_together(database_url, base, 12)
    assert emulator.rate is not None
    assert [r["statuses"] for r in reports] == [{"200": 12}, {"200": 12}]
    assert len(emulator.requests) == 24
    assert emulator.rate.violations == 0


def test_two_processes_with_a_bucket_each_exceed_it() -> None:
    """The baseline: the same processes pacing each on its own send twice the rate."""
    with source() as (emulator, base):
        reports = run_together("sqlite://", base, 12)
    assert emulator.rate is not None
    assert emulator.rate.violations > 0
    refused = sum(r["statuses"].get("429", 0) for r in reports)
    assert refused == emulator.rate.violations


def test_a_429_seen_by_one_process_holds_the_other(engine: Engine, database_url: str) -> None:
    penalty = 1.5
    with source() as (emulator, base):
        other = Client.start(database_url, base)
        try:
            limiter = DatabaseRateLimits(engine).limiter(KEY, RATE, BURST)
            refused_at = time.monotonic_ns()
            asyncio.run(limiter.penalize(penalty))  # this process got a 429 with Retry-After: 1.5
            other.send("requests 1")
            assert other.read()["statuses"] == {"200": 1}
        finally:
            other.close()
    [request] = emulator.requests
    # The other process's request reached the source no earlier than the penalty allowed (1 ms for
    # the database clock's microsecond rounding); without the shared penalty it went at once.
    assert request.at >= refused_at + int(penalty * 1e9) - 1_000_000


async def _send(limits: DatabaseRateLimits, base: str, count: int) -> dict[str, int]:
    """`count` requests from 3 concurrent tasks, each through the limiter; the statuses seen."""
    limiter = limits.limiter(KEY, RATE, BURST)
    statuses: dict[str, int] = {}
    remaining = [count]
    async with httpx.AsyncClient(base_url=base) as http:

        async def worker() -> None:
            while remaining[0] > 0:
                remaining[0] -= 1
                await limiter.acquire()
                status = str((await http.get("/ping")).status_code)
                statuses[status] = statuses.get(status, 0) + 1

        await asyncio.gather(*(worker() for _ in range(3)))
    return statuses


def main() -> None:
    """The client process: `requests N` sends N requests and reports their statuses; `exit` ends."""
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("base")
    args = parser.parse_args()
    engine = make_engine(args.database_url)
    limits = DatabaseRateLimits(engine)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        command, *rest = line.split()
        if command == "exit":
            break
        statuses = asyncio.run(_send(limits, args.base, int(rest[0])))
        print(json.dumps({"statuses": statuses}), flush=True)
    engine.dispose()


if __name__ == "__main__":
    main()
