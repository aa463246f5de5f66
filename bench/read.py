"""The read path: walks over real HTTP, and the raw-database baseline."""

from __future__ import annotations

import re
import statistics
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
from sqlalchemy import Engine

PAGE = 250
# The cursor is read from the first bytes of the body: the client takes the cursor and the bytes,
# and pays for no JSON parsing (both servers put `next` before `results`).
NEXT = re.compile(rb'"next":(null|"([^"]*)")')


@dataclass
class Walk:
    seconds: float = 0.0
    pages: int = 0
    records: int = 0
    bytes: int = 0
    latencies: list[float] = field(default_factory=list)
    cursors: list[str | None] = field(default_factory=list)  # the cursor each page was fetched with

    def summary(self) -> dict[str, Any]:
        lat = sorted(self.latencies)
        return {
            "seconds": round(self.seconds, 3),
            "pages": self.pages,
            "records": self.records,
            "megabytes": round(self.bytes / 1e6, 2),
            "records_per_s": round(self.records / self.seconds, 1) if self.seconds else None,
            "mb_per_s": round(self.bytes / 1e6 / self.seconds, 2) if self.seconds else None,
            "page_ms": {
                "p50": ms(percentile(lat, 50)),
                "p95": ms(percentile(lat, 95)),
                "p99": ms(percentile(lat, 99)),
                "max": ms(lat[-1]) if lat else None,
            },
        }


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


def percentile(sorted_values: Sequence[float], p: float) -> float | None:
    if not sorted_values:
        return None
    k = min(len(sorted_values) - 1, max(0, round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


def http_walk(
    client: httpx.Client,
    url: str,
    params: dict[str, str] | None = None,
    *,
    start: str | None = None,
    max_pages: int | None = None,
    count: Callable[[bytes], int] | None = None,
    until: Callable[[], bool] | None = None,
) -> Walk:
    """Follow `next` from `start` to the end (or `max_pages`, or until `until()` is true after a
    page). Records are counted per page by `count` if given, else assumed full pages (PAGE) except
    the last (counted)."""
    walk = Walk()
    cursor = start
    began = time.perf_counter()
    while True:
        query = dict(params or {})
        query["page_size"] = str(PAGE)
        if cursor is not None:
            query["cursor"] = cursor
        t0 = time.perf_counter()
        response = client.get(url, params=query)
        body = response.content
        walk.latencies.append(time.perf_counter() - t0)
        if response.status_code != 200:
            raise RuntimeError(f"{url} {query}: HTTP {response.status_code}: {body[:300]!r}")
        walk.cursors.append(cursor)
        walk.pages += 1
        walk.bytes += len(body)
        match = NEXT.search(body, 0, 400)
        if match is None:
            raise RuntimeError(f"no cursor in page: {body[:200]!r}")
        cursor = None if match.group(2) is None else match.group(2).decode()
        if count is not None:
            walk.records += count(body)
        elif cursor is not None:
            walk.records += PAGE
        else:
            walk.records += len(orjson.loads(body)["data"]["results"])
        if cursor is None or (max_pages is not None and walk.pages >= max_pages) or (until is not None and until()):
            break
    walk.seconds = time.perf_counter() - began
    return walk


def count_results(body: bytes) -> int:
    return len(orjson.loads(body)["data"]["results"])


def kombo_walk(base: str, api_key: str, integration_id: str, max_pages: int | None) -> Walk:
    """The same walk through the official SDK (it validates every page into its pydantic models)."""
    from kombo import Kombo

    sdk = Kombo(api_key=api_key, integration_id=integration_id, server_url=base + "/v1")
    walk = Walk()
    cursor: str | None = None
    began = time.perf_counter()
    while True:
        t0 = time.perf_counter()
        page = sdk.ats.get_applications(page_size=PAGE, cursor=cursor)
        walk.latencies.append(time.perf_counter() - t0)
        assert page is not None
        data = page.result.data
        walk.pages += 1
        walk.records += len(data.results)
        cursor = data.next
        if cursor is None or (max_pages is not None and walk.pages >= max_pages):
            break
    walk.seconds = time.perf_counter() - began
    return walk


def raw_db_walk(engine: Engine, integration_id: str, pks: Sequence[int], embeds: bool = False) -> Walk:
    """The same pages straight from the database with the same driver: the cheapest query that yields
    the served bytes, the stored documents (`embeds`: plus the embed queries a live render runs)."""
    sqlite = engine.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    page_sql = (
        f"SELECT pk, id, doc FROM applications WHERE integration_id = {mark} AND remote_deleted_at IS NULL "
        f"AND pk > {mark} ORDER BY pk LIMIT {mark}"
    )
    walk = Walk()
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        cur = raw.cursor()
        began = time.perf_counter()
        for after in pks:
            t0 = time.perf_counter()
            cur.execute(page_sql, (integration_id, after, PAGE + 1))
            rows = cur.fetchall()[:PAGE]
            if embeds:
                _embed_queries(cur, mark, rows)
            walk.latencies.append(time.perf_counter() - t0)
            walk.pages += 1
            walk.records += len(rows)
            walk.bytes += sum(len(r[2]) for r in rows)
        walk.seconds = time.perf_counter() - began
    return walk


def _embed_queries(cur: Any, mark: str, rows: Sequence[Any]) -> None:
    datas = [orjson.loads(r[2]) for r in rows]
    app_ids = [r[1] for r in rows]

    def by_ids(table: str, column: str, values: Sequence[Any]) -> list[Any]:
        values = sorted({v for v in values if v is not None})
        if not values:
            return []
        marks = ",".join([mark] * len(values))
        cur.execute(
            f"SELECT id, remote_id, data, links FROM {table} WHERE {column} IN ({marks}) "
            "AND remote_deleted_at IS NULL ORDER BY pk",
            values,
        )
        return list(cur.fetchall())

    candidates = by_ids("candidates", "id", [d["candidate_id"] for d in datas])
    by_ids("tags", "id", [t for c in candidates for t in orjson.loads(c[3]).get("tag_ids", [])])
    by_ids("application_stages", "id", [d["current_stage_id"] for d in datas])
    by_ids("jobs", "id", [d["job_id"] for d in datas])
    by_ids("interviews", "application_id", app_ids)
    by_ids("offers", "application_id", app_ids)


def median_latency(client: httpx.Client, url: str, params: dict[str, str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        response = client.get(url, params=params)
        _ = response.content
        times.append(time.perf_counter() - t0)
        if response.status_code != 200:
            raise RuntimeError(f"{url} {params}: HTTP {response.status_code}: {response.content[:300]!r}")
    return statistics.median(times)


def check_page(body: bytes, last_allowed: bool) -> tuple[int, str | None]:
    """(records, cursor) of a served page, checked as a client would: Kombo's envelope, a `next`
    that is a string or null, and a full page unless it is the last. Raises ValueError otherwise."""
    parsed = orjson.loads(body)
    if parsed.get("status") != "success" or not isinstance(parsed.get("data"), dict):
        raise ValueError(f"not a success envelope: {body[:200]!r}")
    data = parsed["data"]
    results, cursor = data.get("results"), data.get("next")
    if not isinstance(results, list) or not (cursor is None or isinstance(cursor, str)):
        raise ValueError(f"no results or next: {body[:200]!r}")
    if len(results) != PAGE and not (cursor is None and last_allowed and results):
        raise ValueError(f"{len(results)} records on a page that is not the last")
    return len(results), cursor


def concurrent_load(
    base_url: str,
    headers: dict[str, str],
    starts: Sequence[str | None],
    seconds: float,
    sample_rss: Callable[[], dict[int, int]],
) -> dict[str, Any]:
    """One thread and one keep-alive connection per client, each walking from its own start cursor
    (back to it at the end of the data) for `seconds`; every answer is checked (`check_page`: status,
    envelope, record count), and the RSS of each server process is sampled meanwhile."""
    errors: list[str] = []
    records = [0] * len(starts)
    latencies: list[float] = []
    lock = threading.Lock()
    done = threading.Event()
    total_peak = [0]
    process_peak: dict[int, int] = {}

    def sample() -> None:
        by_process = sample_rss()
        total_peak[0] = max(total_peak[0], sum(by_process.values()))
        for pid, rss in by_process.items():
            process_peak[pid] = max(process_peak.get(pid, 0), rss)

    def sampler() -> None:
        while not done.wait(0.2):
            sample()

    sample()
    deadline = time.perf_counter() + seconds

    def client_run(i: int) -> None:
        with httpx.Client(headers=headers, timeout=120) as client:
            cursor = starts[i]
            while time.perf_counter() < deadline:
                query = {"page_size": str(PAGE)}
                if cursor is not None:
                    query["cursor"] = cursor
                t0 = time.perf_counter()
                try:
                    response = client.get(base_url, params=query)
                    body = response.content
                except httpx.HTTPError as exc:
                    with lock:
                        errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                elapsed = time.perf_counter() - t0
                try:
                    if response.status_code != 200:
                        raise ValueError(f"HTTP {response.status_code}: {body[:200]!r}")
                    count, cursor = check_page(body, last_allowed=True)
                except ValueError as exc:
                    with lock:
                        errors.append(str(exc))
                    cursor = starts[i]
                    continue
                with lock:
                    latencies.append(elapsed)
                records[i] += count
                if cursor is None:
                    cursor = starts[i]

    threads = [threading.Thread(target=client_run, args=(i,)) for i in range(len(starts))]
    watcher = threading.Thread(target=sampler)
    watcher.start()
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed_all = time.perf_counter() - began
    done.set()
    watcher.join()
    lat = sorted(latencies)
    return {
        "clients": len(starts),
        "seconds": round(elapsed_all, 3),
        "requests": len(latencies) + len(errors),
        "records_per_s": round(sum(records) / elapsed_all, 1),
        "requests_per_s": round(len(latencies) / elapsed_all, 1),
        "errors": len(errors),
        "error_samples": errors[:5],
        "page_ms": {"p50": ms(percentile(lat, 50)), "p95": ms(percentile(lat, 95)), "p99": ms(percentile(lat, 99))},
        "server_rss_mb_peak": round(total_peak[0] / 1e6, 1),
        # Per process: the supervisor and each uvicorn worker (the target is per API process).
        "api_process_rss_mb_peak": round(max(process_peak.values()) / 1e6, 1),
        "processes": len(process_peak),
    }
