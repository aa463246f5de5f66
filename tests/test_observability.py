"""Health, readiness and Prometheus metrics; `hirebridge serve --workers N` as real processes."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from alembic import command
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from hirebridge.api.app import create_app
from hirebridge.api.ops import RequestMetrics
from hirebridge.connectors.framework.auth import BasicKeyAuth
from hirebridge.connectors.framework.errors import SourceUnavailable
from hirebridge.connectors.framework.http import RetryPolicy, SourceClient
from hirebridge.logs import JsonFormatter
from hirebridge.observability import WRITE_OPERATIONS, observe_sync
from hirebridge.store import migrate
from hirebridge.store.db import make_engine
from tests.conftest import Server
from tests.emulators import harness
from tests.emulators.scripted import Reply, Script, serve
from tests.support import synced_world
from tests.test_source_http import KEY, Sleeps

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(text: str) -> Samples:
    """Every sample of a Prometheus text exposition, keyed by (name, labels)."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(found: Samples, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


def scrape(root: str) -> Samples:
    response = httpx.get(f"{root}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


def test_health_and_ready(engine: Engine, server: Server) -> None:
    root = server.base_url.removesuffix("/v1")
    health = httpx.get(f"{root}/health")
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    ready = httpx.get(f"{root}/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"status": "ok", "checks": {"database": "ok", "migrations": "ok"}}
    # Outside /v1 and unauthenticated; /v1 keeps Kombo's envelope for what it does not know.
    unknown = httpx.get(f"{server.base_url}/health")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "PLATFORM.INPUT_INVALID"


def _downgrade_one(engine: Engine) -> None:
    config = migrate.alembic_config(engine)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "-1")


def test_ready_is_503_while_the_schema_is_behind(engine: Engine) -> None:
    head = migrate.head_revision(engine)
    _downgrade_one(engine)
    behind = migrate.current_revision(engine)
    assert behind != head
    with harness.serve(create_app(engine)) as root:
        response = httpx.get(f"{root}/ready")
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "unavailable" and body["checks"]["database"] == "ok"
        assert body["checks"]["migrations"].startswith("failed:") and str(behind) in body["checks"]["migrations"]
        assert httpx.get(f"{root}/health").status_code == 200  # alive, just not ready
        migrate.upgrade(engine)
        assert httpx.get(f"{root}/ready").status_code == 200


def test_ready_is_503_on_an_empty_database(database_url: str) -> None:
    empty = make_engine(database_url)  # never migrated
    try:
        with harness.serve(create_app(empty)) as root:
            response = httpx.get(f"{root}/ready")
            assert response.status_code == 503
            assert response.json()["checks"]["migrations"].startswith("failed: the database is at revision None")
    finally:
        empty.dispose()


def test_ready_is_503_without_a_database_and_health_never_asks(tmp_path: Path) -> None:
    gone = make_engine(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}")
    with harness.serve(create_app(gone)) as root:
        assert httpx.get(f"{root}/health").status_code == 200
        response = httpx.get(f"{root}/ready")
        assert response.status_code == 503
        assert response.json()["checks"] == {"database": "failed: OperationalError", "migrations": "not checked"}


def test_request_metrics_use_route_templates(engine: Engine, server: Server) -> None:
    world = synced_world(engine, server, applications=10)
    root = server.base_url.removesuffix("/v1")
    before = scrape(root)
    for _ in range(3):
        assert world.get("/ats/applications", {"page_size": 2}).status_code == 200
    assert world.get(f"/integrations/{world.integration_id}").status_code == 200
    assert world.get("/ats/nothing-here").status_code == 404
    assert httpx.post(f"{server.base_url}/ats/applications", headers=world.headers()).status_code == 405
    after = scrape(root)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    requests = "hirebridge_http_requests_total"
    assert delta(requests, route="/v1/ats/applications", method="GET", status="200") == 3
    assert delta(requests, route="/v1/integrations/{integration_id}", method="GET", status="200") == 1
    assert delta(requests, route="unmatched", method="GET", status="404") == 1
    assert delta(requests, route="/v1/ats/applications", method="POST", status="405") == 1
    # Never a raw path: ids would make the label set unbounded.
    assert not any(world.integration_id in dict(labels).get("route", "") for _, labels in after)
    histogram = "hirebridge_http_request_duration_seconds"
    assert delta(f"{histogram}_count", route="/v1/ats/applications") == 4
    assert delta(f"{histogram}_bucket", route="/v1/ats/applications", le="+Inf") == 4
    assert delta(f"{histogram}_bucket", route="/v1/ats/applications", le="10.0") == 4
    assert value(after, f"{histogram}_sum", route="/v1/ats/applications") > 0


def test_a_request_is_counted_by_the_time_its_client_has_the_response() -> None:
    """A scrape right after a response must find its request, however long the app runs after the
    last byte (here a background task that waits for the test; before, a descheduled process was
    enough to make a /metrics read race the count)."""
    release = threading.Event()

    async def after_the_response() -> None:
        await asyncio.to_thread(release.wait, 30)

    async def endpoint(_request: Request) -> Response:
        return PlainTextResponse("ok", background=BackgroundTask(after_the_response))

    routes = [Route("/counted-probe", endpoint)]
    app = Starlette(routes=routes, middleware=[Middleware(RequestMetrics, routes=routes)])
    labels = {"route": "/counted-probe", "method": "GET", "status": "200"}

    def counted() -> float:
        return REGISTRY.get_sample_value("hirebridge_http_requests_total", labels) or 0.0

    before = counted()
    with harness.serve(app) as root:
        try:
            assert httpx.get(f"{root}/counted-probe").text == "ok"
            assert counted() == before + 1  # while the background task still runs
        finally:
            release.set()


def test_source_requests_and_retries_are_counted() -> None:
    tool = "observability-test"

    def now(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, {"tool": tool, **labels}) or 0.0

    def make(url: str) -> SourceClient:
        return SourceClient(url, BasicKeyAuth(KEY), tool=tool, sleep=Sleeps(), retry=RetryPolicy(attempts=3))

    async def get(url: str) -> object:
        client = make(url)
        try:
            return await client.json("GET", "/x")
        finally:
            await client.aclose()

    requests, retries = "hirebridge_source_requests_total", "hirebridge_source_retries_total"
    before = {s: now(requests, status=s) for s in ("200", "429", "503", "error")}
    before_retries = {r: now(retries, reason=r) for r in ("429", "503", "ConnectError")}
    script = Script().then(Reply(429, headers={"Retry-After": "0"}), Reply(503), Reply(200, {"ok": True}))
    with serve(script) as url:
        assert asyncio.run(get(url)) == {"ok": True}
    with socket.socket() as sock:  # a port nobody listens on: transport errors, retried, then given up
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
        with pytest.raises(SourceUnavailable):
            asyncio.run(get(dead))
    assert {s: now(requests, status=s) - before[s] for s in before} == {"200": 1, "429": 1, "503": 1, "error": 3}
    # A retry is counted when it is decided, so the last failed attempt (given up) is not one.
    got = {r: now(retries, reason=r) - before_retries[r] for r in before_retries}
    assert got == {"429": 1, "503": 1, "ConnectError": 2}


@pytest.mark.fast
def test_json_log_lines_carry_extra_fields() -> None:
    record = logging.LogRecord("hirebridge.x", logging.INFO, __file__, 1, "sync %s", ("started",), None)
    record.run_id = "r1"
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "sync started" and line["level"] == "INFO" and line["run_id"] == "r1"


# --- hirebridge serve --workers N --------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_serve(database_url: str, workers: int, **env: str) -> tuple[subprocess.Popen[str], str]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "hirebridge.cli", "serve", "--workers", str(workers), "--port", str(port)],
        env={**os.environ, "HIREBRIDGE_DATABASE_URL": database_url, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    root = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        try:
            if httpx.get(f"{root}/ready", timeout=1).status_code == 200:
                return proc, root
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "serve --workers did not start"
        time.sleep(0.2)


def stop(proc: subprocess.Popen[str], sig: signal.Signals) -> str:
    proc.send_signal(sig)
    output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, output
    return output


def per_process(metrics_dir: Path, tmp_path: Path) -> dict[int, Samples]:
    """Each worker process's own values, read from its file alone (the files are named by pid)."""
    found: dict[int, Samples] = {}
    for path in metrics_dir.glob("counter_*.db"):
        pid = int(path.stem.removeprefix("counter_"))
        alone = tmp_path / f"alone-{pid}"
        shutil.rmtree(alone, ignore_errors=True)
        alone.mkdir()
        shutil.copy(path, alone / path.name)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(alone))  # type: ignore[no-untyped-call]
        found[pid] = {
            (s.name, frozenset(s.labels.items())): s.value for family in registry.collect() for s in family.samples
        }
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.serial  # both server processes must get CPU to accept connections (`make pytest`)
def test_serve_with_workers_shares_cursors_and_aggregates_metrics(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    world = synced_world(engine, Server(""), applications=40)
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    proc, root = start_serve(database_url, 2, PROMETHEUS_MULTIPROC_DIR=str(metrics_dir), HIREBRIDGE_LOG_FORMAT="json")
    pids: set[int] = set()
    try:
        headers = world.headers()
        route = frozenset({("route", "/v1/ats/applications"), ("method", "GET"), ("status", "200")})
        key = ("hirebridge_http_requests_total", route)
        pages = 0
        # Each request on a new connection, so the kernel may hand any of them to either process. Once
        # both processes served pages of one walk, some page's cursor was issued by the other one.
        for _walk in range(20):
            ids: list[str] = []
            cursor = None
            start = {pid: found.get(key, 0.0) for pid, found in per_process(metrics_dir, tmp_path).items()}
            while True:
                params = {"page_size": "3", **({"cursor": cursor} if cursor else {})}
                response = httpx.get(f"{root}/v1/ats/applications", params=params, headers=headers)
                assert response.status_code == 200, response.text
                pages += 1
                ids.extend(r["id"] for r in response.json()["data"]["results"])
                cursor = response.json()["data"]["next"]
                if cursor is None:
                    break
            assert len(ids) == 40 and len(set(ids)) == 40
            served = {
                pid: found.get(key, 0.0) - start.get(pid, 0.0)
                for pid, found in per_process(metrics_dir, tmp_path).items()
            }
            if len([pid for pid, count in served.items() if count > 0]) >= 2:
                break
        else:
            pytest.fail(f"one process served every page of 20 walks: {served}")
        pids = set(per_process(metrics_dir, tmp_path))
        assert len(pids) == 2 and proc.pid not in pids
        # Any process's /metrics counts the requests of all of them.
        assert value(scrape(root), "hirebridge_http_requests_total", **dict(route)) == pages
    finally:
        output = stop(proc, signal.SIGTERM)
    assert not any(_alive(pid) for pid in pids), "worker processes outlived the server"
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines and all(json.loads(line)["level"] for line in lines), output  # HIREBRIDGE_LOG_FORMAT=json
    assert "/v1/ats/applications" not in output  # no access log


def test_serve_with_workers_owns_its_metrics_dir_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    proc, root = start_serve(f"sqlite:///{tmp_path / 'hirebridge.db'}", 2, TMPDIR=str(temp))
    try:
        assert [p.name.startswith("hirebridge-metrics-") for p in temp.iterdir()] == [True]
        for _ in range(10):
            assert httpx.get(f"{root}/health").status_code == 200
        assert value(scrape(root), "hirebridge_http_requests_total", route="/health", method="GET", status="200") == 10
    finally:
        stop(proc, signal.SIGINT)
    assert list(temp.iterdir()) == []  # removed on the way out


@pytest.mark.fast
def test_observe_sync_counts_runs_durations_and_written_records() -> None:
    def now(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    run = {"tool": "observability-test", "kind": "FULL"}
    names = ("hirebridge_syncs_total", "hirebridge_sync_duration_seconds_count", "hirebridge_sync_duration_seconds_sum")
    before = [now(names[0], **run, state="SUCCEEDED"), now(names[1], **run), now(names[2], **run)]
    written = {op: now("hirebridge_sync_records_total", model="obs_model", operation=op) for op in WRITE_OPERATIONS}
    stats = {"obs_model": {"inserted": 5, "updated": 2, "deleted": 0, "unchanged": 9}}
    observe_sync("observability-test", "FULL", "SUCCEEDED", 12.5, stats)
    after = [now(names[0], **run, state="SUCCEEDED"), now(names[1], **run), now(names[2], **run)]
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 1, 12.5]
    got = {
        op: now("hirebridge_sync_records_total", model="obs_model", operation=op) - written[op]
        for op in WRITE_OPERATIONS
    }
    assert got == {"inserted": 5, "updated": 2, "deleted": 0}
