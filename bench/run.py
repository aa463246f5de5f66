"""Run the benchmark suite: `python -m bench.run --quick` or `python -m bench.run --url postgresql://...`.

Every figure is paired with a baseline measured in the same run on the same data; the ratios are the
targets of issue 6. Progress goes to stderr; the LAST stdout line is one JSON object with the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import text

from bench import dataset as datasets
from bench import read, report
from bench.procs import (
    BIN,
    ROOT,
    Server,
    ensure_secret_key,
    free_port,
    hirebridge,
    serve_supports_workers,
    server_env,
)
from bench.syncbench import run_child
from hirebridge import ids
from hirebridge.store.db import make_engine, write_tx
from hirebridge.store.records import Row
from hirebridge.sync.diff import write_page
from hirebridge.sync.normalize import _digest
from hirebridge.timefmt import to_wire

RESULTS = ROOT / "bench" / "results"
# API and reference walks alternate this many times each (issue 16: one sample a side cannot tell
# 0.99 from 1.2); the ratio reported is the median of the rounds', with their spread.
REFERENCE_ROUNDS = 3
# Each concurrent load runs this long, with 16 and then 64 clients.
LOAD_SECONDS = 30.0
QUICK_DB = datasets.CACHE_DIR / "quick-work.db"


def log(message: str) -> None:
    sys.stderr.write(f"[bench {time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()


def machine(url: str) -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    mem_kb = int(next(x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal")).split()[1])
    if url.startswith("sqlite"):
        database = f"SQLite {sqlite3.sqlite_version}"
    else:
        engine = make_engine(url)
        with engine.connect() as conn:
            database = conn.execute(text("SELECT version()")).scalar_one().split(" on ")[0]
        engine.dispose()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)),
        "ram_gb": round(mem_kb / 1e6, 1),
        "load_average": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "database": database,
    }


def change_one_percent(url: str, integration_id: str) -> tuple[int, str]:
    """Re-write every 100th application through `write_page` with a new `remote_updated_at` (what a sync
    of a source where 1% changed does): `updated_at` moves for them, their candidates, interviews and
    offers. Returns (changed, an `updated_after` just before the change)."""
    engine = make_engine(url)
    now = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    with write_tx(engine) as conn:
        found = conn.execute(
            text(
                "SELECT id, remote_id, data, links, remote_data, remote_created_at FROM applications "
                "WHERE integration_id = :i AND pk % 100 = 7 ORDER BY pk"
            ),
            {"i": integration_id},
        ).all()
        rows = []
        for r in found:
            data = orjson.loads(r.data)
            data["remote_updated_at"] = to_wire(now)
            data_json = orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
            remote = (r.remote_data or "null").encode()
            rows.append(
                Row(
                    id=r.id,
                    remote_id=r.remote_id,
                    data=data,
                    data_json=data_json.decode(),
                    links_json=r.links,
                    remote_data_json=r.remote_data,
                    content_hash=_digest(data_json),
                    row_hash=_digest(data_json + b"\x1f" + r.links.encode() + b"\x1f" + remote),
                    remote_created_at=None,
                )
            )
        for start in range(0, len(rows), 500):
            write_page(conn, "applications", integration_id, ids.random_id(), rows[start : start + 500], now)
    datasets.render_documents(engine, integration_id)  # as the sync's render pass does after its streams
    engine.dispose()
    before = to_wire(now - timedelta(milliseconds=1))
    assert before is not None
    return len(rows), before


def page_starts(url: str, integration_id: str) -> list[int]:
    """The pk each page of 250 starts after (0 for the first): the raw walk fetches the same pages."""
    engine = make_engine(url)
    with engine.connect() as conn:
        pks = conn.execute(
            text("SELECT pk FROM applications WHERE integration_id = :i AND remote_deleted_at IS NULL ORDER BY pk"),
            {"i": integration_id},
        ).scalars()
        starts = [0] + [pk for n, pk in enumerate(pks, 1) if n % read.PAGE == 0]
    engine.dispose()
    return starts


# Sandbox steps the integration walked during a sync moves forward first: at 3 steps a FULL run of
# 5,000 applications changes ~1,700 of them, ~800 candidates, ~20 jobs and ~1,300 interviews (each
# clearing, then rendering again, the documents embedding it).
DURING_SYNC_STEPS = 3


def read_during_sync(
    headers: dict[str, str], endpoint: str, ref_endpoint: str, url: str, applications: int
) -> dict[str, Any]:
    """Walk the applications of a sandbox integration of `applications` over and over while
    `hirebridge sync` (a process of its own) runs a FULL sync of that same integration, its source
    moved `DURING_SYNC_STEPS` steps on: the pages a client reads while its data changes. The sync's
    pages clear the documents of the records they change and render them again before they commit
    (serving.documents.render_cleared), so the walk reads stored documents throughout; its time per
    page is compared with the reference server's on the same integration, read before the sync. The
    walk stops when the sync ends; a sync that fails, or changes no application, yields no figure."""
    made = json.loads(
        hirebridge(
            "integrations",
            "create",
            "--tool",
            "sandbox",
            "--setting",
            f"applications={applications}",
            "--no-sync",
            "--json",
            url=url,
        )
        .strip()
        .splitlines()[-1]
    )
    hirebridge("sync", made["id"], url=url)  # the first FULL: every document rendered
    with httpx.Client(headers={**headers, "X-Integration-Id": made["id"]}, timeout=120) as client:
        refs = [read.http_walk(client, ref_endpoint) for _ in range(REFERENCE_ROUNDS)]
        ref_per_page = statistics.median(w.seconds / w.pages for w in refs)
        hirebridge("sandbox", "advance", made["id"], "--steps", str(DURING_SYNC_STEPS), url=url)
        sync = subprocess.Popen(
            [str(BIN / "hirebridge"), "sync", made["id"], "--json"],
            env=server_env(url),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        walk = read.Walk()
        try:
            while sync.poll() is None:  # whole walks of the integration, one after another
                part = read.http_walk(client, endpoint, until=lambda: sync.poll() is not None)
                walk.seconds += part.seconds
                walk.pages += part.pages
                walk.records += part.records
                walk.bytes += part.bytes
                walk.latencies += part.latencies
            out, _ = sync.communicate(timeout=3600)
        finally:
            if sync.poll() is None:
                sync.kill()
    if sync.returncode != 0:
        raise RuntimeError(f"the sync beside the walk failed ({sync.returncode}): no figure")
    stats = json.loads(out.strip().splitlines()[-1])["stats"]["applications"]
    if not stats["updated"]:
        raise RuntimeError("the sync beside the walk changed no application: no figure")
    if walk.pages < 20:
        raise RuntimeError(f"the sync ended after {walk.pages} pages: too few for a figure")
    return walk.summary() | {
        "seconds_per_page": walk.seconds / walk.pages,
        "reference_seconds_per_page": ref_per_page,
        "vs_reference": walk.seconds / walk.pages / ref_per_page,
        "integration_applications": applications,
        "sandbox_steps": DURING_SYNC_STEPS,
        "sync_applications": stats,
    }


def validate_first_page(client: httpx.Client, url: str, dburl: str, integration_id: str) -> dict[str, Any]:
    """The bulk-built store serves pages: page 1 has the first 250 stored applications, each with its
    embeds, and the official SDK accepts it (its models validate every field)."""
    body = client.get(url, params={"page_size": str(read.PAGE)}).json()
    results = body["data"]["results"]
    engine = make_engine(dburl)
    with engine.connect() as conn:
        want = (
            conn.execute(
                text("SELECT id FROM applications WHERE integration_id = :i ORDER BY pk LIMIT 250"),
                {"i": integration_id},
            )
            .scalars()
            .all()
        )
    engine.dispose()
    assert [r["id"] for r in results] == list(want), "page 1 is not the first 250 stored applications"
    assert all(r["candidate"] and r["job"] and r["current_stage"] for r in results), "embeds missing"
    return {
        "results": len(results),
        "with_interviews": sum(1 for r in results if r["interviews"]),
        "with_offers": sum(1 for r in results if r["offers"]),
        "page_bytes": len(orjson.dumps(body)),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="SQLite, cached dataset, reduced sync sizes")
    p.add_argument("--url", help="database URL (default: a SQLite file under bench/.cache/)")
    p.add_argument("--applications", type=int, default=None, help="dataset size (quick: 100000, full: 1000000)")
    p.add_argument("--reuse", action="store_true", help="use the dataset already at --url (skip the build)")
    p.add_argument("--kombo-pages", type=int, default=None, help="SDK walk pages (quick 20, full 200, 0 = all)")
    p.add_argument(
        "--load-seconds", type=float, default=LOAD_SECONDS, help="seconds of each concurrent load (16, 64 clients)"
    )
    p.add_argument("--sync-small", type=int, default=None, help="sandbox applications, small sync (10k)")
    p.add_argument("--sync-large", type=int, default=None, help="sandbox applications, large sync (10k / 100k)")
    p.add_argument("--lever-opportunities", type=int, default=None, help="Lever emulator size (quick 150, full 1000)")
    p.add_argument("--lever-rate", type=float, default=200.0, help="Lever rate limit, requests/s")
    p.add_argument("--greenhouse-applications", type=int, default=None, help="Greenhouse emulator size (150 / 1000)")
    p.add_argument("--greenhouse-window", type=float, default=100.0, help="Greenhouse rolling window, requests/s")
    p.add_argument(
        "--write-latency-ms", type=float, default=100.0, help="Greenhouse emulator round trip, write benchmark"
    )
    p.add_argument("--write-rounds", type=int, default=None, help="write benchmark rounds per action (15 / 25)")
    p.add_argument("--docs", action="store_true", help="rewrite this mode's table in docs/benchmarks.md")
    args = p.parse_args(argv)
    quick = args.quick
    mode = "quick" if quick else "full"
    n = args.applications or (100_000 if quick else 1_000_000)
    url = args.url or f"sqlite:///{QUICK_DB}"
    kombo_pages = args.kombo_pages if args.kombo_pages is not None else (20 if quick else 200)
    # 10,000 and 100,000 in both modes: below ~10,000 applications a sync has not yet filled its
    # bounded buffers and caches (the record-id LRU of 16,384 ids, the streams' read-ahead queues,
    # SQLite's page caches), so a smaller pair measures their filling, not how memory grows with the
    # source (1,000 -> 10,000 gave 1.56 for that reason; docs/benchmarks.md, issue 16).
    sync_small = args.sync_small or 10_000
    sync_large = args.sync_large or 100_000
    # Quick: 150, not fewer: a DELTA's fixed requests (users, tags, postings, stages, deletions: ~17)
    # must stay small beside the FULL sync it is compared with (at 40 they were 0.06-0.14 of it).
    lever_opps = args.lever_opportunities or (150 if quick else 1000)
    greenhouse_apps = args.greenhouse_applications or (150 if quick else 1000)
    write_rounds = args.write_rounds or (15 if quick else 25)
    upstream_rounds = 20 if quick else 50
    began = time.perf_counter()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    figures: dict[str, Any] = {}
    summary: dict[str, Any] = {}
    not_measured: dict[str, str] = {}
    detail: dict[str, Any] = {}

    ensure_secret_key()
    datasets.ensure_database(url)  # `machine` asks it its version: a new machine has no bench database yet
    info = machine(url)
    log(f"machine: {info}")
    if url.startswith("sqlite") and not args.reuse:
        ds = datasets.cached_sqlite(n, Path(url.split("///", 1)[1]), log=log)
    elif args.reuse:
        ds = datasets.describe(url)
    else:
        ds = datasets.build(url, n, log=log)
    integration = ds.integration_id
    key = json.loads(hirebridge("api-keys", "create", "--json", url=url).strip().splitlines()[-1])["key"]
    headers = {"Authorization": f"Bearer {key}", "X-Integration-Id": integration}
    starts = page_starts(url, integration)
    live = ds.counts["applications"]

    # Raw database first: it also warms the OS page cache for everything after it.
    engine = make_engine(url)
    raw = read.raw_db_walk(engine, integration, starts)
    # The embed-query variant only splits the cost: quick mode samples its first 100 pages.
    raw_embeds = read.raw_db_walk(engine, integration, starts[:100] if quick else starts, embeds=True)
    engine.dispose()
    detail["raw_db_walk"] = raw.summary()
    detail["raw_db_walk_with_embed_queries"] = raw_embeds.summary()
    log(f"raw db walk {raw.seconds:.2f}s; with embed queries {raw_embeds.seconds:.2f}s")

    serve = [str(BIN / "hirebridge"), "serve", "--port"]
    port, ref_port = free_port(), free_port()
    ref_argv = [sys.executable, "-m", "bench.baselines.reference_server", url, str(ref_port)]
    with (
        Server([*serve, str(port)], url, port) as api,
        Server(ref_argv, url, ref_port, probe="/") as ref,
        httpx.Client(headers=headers, timeout=120) as client,
    ):
        endpoint = api.base + "/v1/ats/applications"
        ref_endpoint = ref.base + "/v1/ats/applications"
        detail["validated_page"] = validate_first_page(client, endpoint, url, integration)
        walk = read.http_walk(client, endpoint)  # also the warm-up of the comparison below
        assert walk.records == live, f"walked {walk.records} of {live} applications"
        detail["api_walk"] = walk.summary()
        log(f"API walk {walk.seconds:.2f}s ({walk.pages} pages)")
        sdk = read.kombo_walk(api.base, key, integration, kombo_pages or None)
        detail["kombo_sdk_walk"] = sdk.summary() | {"pages_limit": kombo_pages}
        log(f"kombo SDK walk {sdk.seconds:.2f}s ({sdk.pages} pages)")

        # (1) API against the reference server: the same client, the same data, walks alternating
        # (the order flips each round so neither side always follows the other).
        api_walks: list[read.Walk] = []
        ref_walks: list[read.Walk] = []
        for r in range(REFERENCE_ROUNDS):
            for side in ("api", "ref") if r % 2 == 0 else ("ref", "api"):
                done = read.http_walk(client, endpoint if side == "api" else ref_endpoint)
                assert done.records == live, f"{side} walked {done.records} of {live} applications"
                (api_walks if side == "api" else ref_walks).append(done)
        ratios = [a.seconds / b.seconds for a, b in zip(api_walks, ref_walks, strict=True)]
        summary["api_vs_reference"] = round(statistics.median(ratios), 3)
        summary["api_vs_reference_spread"] = round(max(ratios) - min(ratios), 3)
        ref_walk = min(ref_walks, key=lambda w: w.seconds)
        detail["reference_server_walk"] = ref_walk.summary()
        detail["api_vs_reference_rounds"] = {
            "api_seconds": [round(w.seconds, 3) for w in api_walks],
            "reference_seconds": [round(w.seconds, 3) for w in ref_walks],
            "ratios": [round(x, 3) for x in ratios],
        }
        log(f"API / reference walks, {REFERENCE_ROUNDS} rounds: ratios {detail['api_vs_reference_rounds']['ratios']}")

        # (3) keyset: the last page must cost what the first costs. Interleaved, medians.
        last_cursor = walk.cursors[-1]
        firsts, lasts = [], []
        repeats = 9 if quick else 15
        for _ in range(repeats):
            firsts.append(read.median_latency(client, endpoint, {"page_size": "250"}, 1))
            lasts.append(read.median_latency(client, endpoint, {"page_size": "250", "cursor": last_cursor or ""}, 1))
        first_ms, last_ms = statistics.median(firsts), statistics.median(lasts)
        detail["first_vs_last_page"] = {"first_ms": read.ms(first_ms), "last_ms": read.ms(last_ms), "repeats": repeats}
        summary["last_vs_first_page"] = round(last_ms / first_ms, 3)

        # (5) filters
        page = client.get(endpoint, params={"page_size": "250", "cursor": walk.cursors[len(walk.cursors) // 2] or ""})
        middle = page.json()["data"]["results"]
        job_id = middle[0]["job"]["id"]
        filtered = {
            "job_ids (1 job)": {"job_ids": job_id, "page_size": "250"},
            "outcomes=HIRED": {"outcomes": "HIRED", "page_size": "250"},
            "ids (250)": {"ids": ",".join(r["id"] for r in middle), "page_size": "250"},
            # The poll a client makes when nothing changed: must not cost a scan of the integration.
            "updated_after=now (empty)": {"updated_after": to_wire(datetime.now(UTC)), "page_size": "250"},
        }
        detail["filtered_ms"] = {"unfiltered first page": read.ms(first_ms)} | {
            name: read.ms(read.median_latency(client, endpoint, params, 5 if quick else 7))
            for name, params in filtered.items()
        }

        # (7) pages read during a sync of the integration walked, which changes its records.
        try:
            during = read_during_sync(headers, endpoint, ref_endpoint, url, 5_000 if quick else sync_large // 5)
            summary["during_sync_vs_reference"] = round(during["vs_reference"], 3)
            detail["during_sync_walk"] = during
            log(f"walk during a sync: {during['pages']} pages, {summary['during_sync_vs_reference']} x reference")
        except Exception as exc:  # report the figure as missing, not the suite as failed
            summary["during_sync_vs_reference"] = None
            not_measured["during_sync_vs_reference"] = f"{type(exc).__name__}: {exc}"
            log(not_measured["during_sync_vs_reference"])

        # (4) 1% changed through the store, then the incremental walk
        # Five walks, the median: one walk is a few pages (~30 ms here), and a single one right after
        # the change's writes measured 0.03-0.15 s from run to run.
        changed, updated_after = change_one_percent(url, integration)
        incrs = [
            read.http_walk(client, endpoint, {"updated_after": updated_after}, count=read.count_results)
            for _ in range(5)
        ]
        incr = sorted(incrs, key=lambda w: w.seconds)[len(incrs) // 2]
        detail["incremental_walk"] = incr.summary() | {
            "changed_applications": changed,
            "walks_seconds": [round(w.seconds, 3) for w in incrs],
        }
        summary["incremental_vs_full_walk"] = round(incr.seconds / walk.seconds, 4)
        log(f"incremental walk {incr.seconds:.2f}s for {incr.records} records ({changed} changed)")
        rss_single = api.rss_bytes()

    # (6) concurrency: 16 and 64 clients, each for LOAD_SECONDS, every answer checked
    workers = serve_supports_workers()
    port = free_port()
    argv = [*serve, str(port), *(["--workers", "2"] if workers else [])]
    loads: dict[int, dict[str, Any]] = {}
    with Server(argv, url, port) as api:
        for clients in (16, 64):
            spread = [walk.cursors[i * len(walk.cursors) // clients] for i in range(clients)]
            loads[clients] = read.concurrent_load(
                api.base + "/v1/ats/applications", headers, spread, args.load_seconds, api.rss_by_process
            )
            loads[clients]["server_workers"] = 2 if workers else 1
            log(
                f"{clients} clients: {loads[clients]['records_per_s']} records/s, {loads[clients]['errors']} errors, "
                f"p99 {loads[clients]['page_ms']['p99']} ms, RSS {loads[clients]['server_rss_mb_peak']} MB"
            )
    load = loads[16]
    load["single_worker_rss_mb_after_walks"] = round(rss_single / 1e6, 1)
    detail["concurrent_16_clients"] = load
    detail["concurrent_64_clients"] = loads[64]
    summary["errors_under_load"] = load["errors"] + loads[64]["errors"]
    summary["p99_ms_64_clients"] = loads[64]["page_ms"]["p99"]

    # Sync: engine rate and memory (sandbox), rate-limited source and DELTA (Lever emulator)
    sync_url = _side_url(url, "sync")
    small = run_child("sandbox", sync_url, str(sync_small))
    large = run_child("sandbox", sync_url, str(sync_large))
    for run in (small, large):  # a failed sync yields no rate
        if run["state"] != "SUCCEEDED":
            raise RuntimeError(f"the sandbox sync of {run['applications']} applications failed: {run['error']}")
    detail["sandbox_sync_small"] = small
    detail["sandbox_sync_large"] = large
    summary["engine_records_per_s"] = large["records_per_s"]
    summary["rss_large_vs_small"] = round(large["peak_rss_mb"] / small["peak_rss_mb"], 3)
    # What the sync itself adds to its process, for a 10x larger source: peak RSS above the RSS
    # just before the sync (the interpreter, imports and engine are not the sync's; bench/syncbench.py
    # resets the peak there).
    growth_small, growth_large = small["rss_growth_mb"], large["rss_growth_mb"]
    summary["rss_growth_ratio"] = round(growth_large / growth_small, 3) if growth_small > 0 else None
    log(f"sandbox sync {large['records_per_s']} records/s; RSS {small['peak_rss_mb']} -> {large['peak_rss_mb']} MB")
    try:
        lever = run_child("lever", sync_url, str(lever_opps), str(args.lever_rate))
        detail["lever_sync"] = lever
        _require_succeeded("Lever", lever, ("full", "delta", "delta_without_refresh"))
        summary["sync_vs_rate_limit"] = round(lever["full"]["seconds"] / lever["full"]["min_seconds"], 3)
        full_seconds = lever["full"]["seconds"]
        summary["delta_vs_full_sync"] = round(lever["delta"]["seconds"] / full_seconds, 3)
        summary["delta_only_vs_full_sync"] = round(lever["delta_without_refresh"]["seconds"] / full_seconds, 3)
        log(f"lever sync: {lever['full']} / delta {lever['delta']} / without refresh {lever['delta_without_refresh']}")
    except Exception as exc:  # the connector is new: report the figure as missing, not the suite as failed
        reason = f"Lever connector/emulator failed: {type(exc).__name__}: {exc}"
        for k in ("sync_vs_rate_limit", "delta_vs_full_sync", "delta_only_vs_full_sync"):
            summary[k] = None
            not_measured[k] = reason
        log(reason)
    try:
        gh = run_child("greenhouse", sync_url, str(greenhouse_apps), str(args.greenhouse_window))
        detail["greenhouse_sync"] = gh
        _require_succeeded("Greenhouse", gh, ("full", "delta"))
        summary["greenhouse_sync_vs_rate_limit"] = round(gh["full"]["seconds"] / gh["full"]["min_seconds"], 3)
        log(f"greenhouse sync: {gh['full']} / delta {gh['delta']}")
    except Exception as exc:  # report the figure as missing, not the suite as failed
        summary["greenhouse_sync_vs_rate_limit"] = None
        not_measured["greenhouse_sync_vs_rate_limit"] = f"Greenhouse sync failed: {type(exc).__name__}: {exc}"
        log(not_measured["greenhouse_sync_vs_rate_limit"])

    # Write actions: HireBridge's wall time against the same source requests sent directly.
    try:
        write_argv = ["--latency-ms", str(args.write_latency_ms), "--rounds", str(write_rounds)]
        writes = run_child(_side_url(url, "write"), *write_argv, module="bench.writebench")
        detail["write_actions"] = writes
        summary["write_vs_direct"] = writes["write_vs_direct"]
        log(f"write actions: {writes['actions']}")
    except Exception as exc:  # report the figure as missing, not the suite as failed
        summary["write_vs_direct"] = None
        not_measured["write_vs_direct"] = f"write benchmark failed: {type(exc).__name__}: {exc}"
        log(not_measured["write_vs_direct"])

    # Upstream webhooks: from a change at the source to visible through the API.
    try:
        upstream_argv = ["--latency-ms", str(args.write_latency_ms), "--rounds", str(upstream_rounds)]
        hooks = run_child(_side_url(url, "upstream"), *upstream_argv, module="bench.upstreambench")
        detail["upstream_webhooks"] = hooks
        summary["upstream_webhook_p95_s"] = hooks["p95_s"]
        log(f"upstream webhooks: median {hooks['median_s']} s, p95 {hooks['p95_s']} s")
    except Exception as exc:  # report the figure as missing, not the suite as failed
        summary["upstream_webhook_p95_s"] = None
        not_measured["upstream_webhook_p95_s"] = f"upstream webhook benchmark failed: {type(exc).__name__}: {exc}"
        log(not_measured["upstream_webhook_p95_s"])
    # Outgoing webhooks on vs off: the same sandbox sync, with the delivery lane running beside it.
    try:
        with_hooks = run_child(
            _side_url(url, "webhooksync"),
            "--applications",
            str(2_000 if quick else sync_large // 10),
            "--rounds",
            "5",
            module="bench.webhooksync",
        )
        detail["sync_with_webhooks"] = with_hooks
        summary["sync_with_webhooks_vs_without"] = with_hooks["sync_with_webhooks_vs_without"]
        log(f"sync with webhooks: on {with_hooks['records_per_s_on']} / off {with_hooks['records_per_s_off']}")
    except Exception as exc:  # report the figure as missing, not the suite as failed
        summary["sync_with_webhooks_vs_without"] = None
        not_measured["sync_with_webhooks_vs_without"] = f"webhook sync benchmark failed: {type(exc).__name__}: {exc}"
        log(not_measured["sync_with_webhooks_vs_without"])
    # Outgoing webhooks (issue 14): deliveries/s to a local receiver against a bare POST loop to it.
    try:
        hooks = run_child(
            _side_url(url, "webhook"), "--events", str(1000 if quick else 5000), module="bench.webhookbench"
        )
        detail["webhook_delivery"] = hooks
        summary["webhook_delivery_vs_bare_post"] = hooks["delivery_vs_bare_post"]
        log(f"webhooks: {hooks['hirebridge_events_per_s']} events/s vs bare {hooks['bare_post_events_per_s']}")
    except Exception as exc:  # report the figure as missing, not the suite as failed
        summary["webhook_delivery_vs_bare_post"] = None
        not_measured["webhook_delivery_vs_bare_post"] = f"webhook benchmark failed: {type(exc).__name__}: {exc}"
        log(not_measured["webhook_delivery_vs_bare_post"])

    figures.update(_figures(detail, kombo_pages))
    result: dict[str, Any] = {
        "timestamp": stamp,
        "mode": mode,
        "total_seconds": round(time.perf_counter() - began, 1),
        "machine": info,
        "dataset": {
            "applications": ds.applications,
            "backend": "SQLite" if url.startswith("sqlite") else "PostgreSQL",
            "counts": ds.counts,
            "cached": ds.cached,
            "seconds": round(ds.build_seconds, 1),
        },
        "summary": {k: summary.get(k) for k in report.SUMMARY_KEYS},
        "met": {k: report.met(k, summary.get(k)) for k in report.TARGETS},
        "table_only": {"api_process_rss_mb": load["api_process_rss_mb_peak"]},
        "not_measured": not_measured,
        "figures": figures,
        "detail": detail,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{stamp}-{mode}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    if args.docs:
        report.write_docs(result)
    log(f"wrote {out.relative_to(ROOT)} in {result['total_seconds']}s")
    for k, why in not_measured.items():
        print(f"not measured: {k}: {why}")
    print(report.summary_line(result["summary"]))
    return 0


def _require_succeeded(tool: str, result: dict[str, Any], runs: tuple[str, ...]) -> None:
    """A failed sync yields no rate: its figure is reported as not measured, with the reason."""
    for name in runs:
        if result[name]["state"] != "SUCCEEDED":
            raise RuntimeError(f"{tool} {name} sync {result[name]['state']}: {result[name]['error']}")


def _side_url(url: str, purpose: str) -> str:
    """The sync and write benchmarks each write into a database of their own (they reset it)."""
    if url.startswith("sqlite"):
        return f"sqlite:///{datasets.CACHE_DIR / f'{purpose}-bench.db'}"
    base, _, name = url.rpartition("/")
    return f"{base}/{name}_{purpose}"


def _figures(d: dict[str, Any], kombo_pages: int | None) -> dict[str, Any]:
    api, ref, raw, rawe = (
        d["api_walk"],
        d["reference_server_walk"],
        d["raw_db_walk"],
        d["raw_db_walk_with_embed_queries"],
    )
    sdk = d["kombo_sdk_walk"]
    f: dict[str, Any] = {
        "API walk (httpx)": f"{api['seconds']} s, {api['records_per_s']:,} records/s, {api['mb_per_s']} MB/s, "
        f"page p50/p95/p99 {api['page_ms']['p50']}/{api['page_ms']['p95']}/{api['page_ms']['p99']} ms",
        "API walk (kombo SDK)": f"{sdk['records_per_s']:,} records/s over {sdk['pages']} pages"
        + ("" if kombo_pages is None else f" (first {kombo_pages})")
        + f", page p50 {sdk['page_ms']['p50']} ms",
        "reference server walk": f"{ref['seconds']} s, {ref['records_per_s']:,} records/s, {ref['mb_per_s']} MB/s, "
        f"page p50 {ref['page_ms']['p50']} ms",
        "raw database walk": f"{raw['seconds']} s, page p50 {raw['page_ms']['p50']} ms",
        "raw database + embed queries": f"{rawe['seconds']} s for {rawe['pages']} pages, page p50 "
        f"{rawe['page_ms']['p50']} ms",
        "first / last page": f"{d['first_vs_last_page']['first_ms']} / {d['first_vs_last_page']['last_ms']} ms",
        "filtered (median)": ", ".join(f"{k} {v} ms" for k, v in d["filtered_ms"].items()),
        "incremental walk": f"{d['incremental_walk']['seconds']} s for {d['incremental_walk']['records']:,} records "
        f"({d['incremental_walk']['changed_applications']:,} applications changed)",
    }
    rounds = d.get("api_vs_reference_rounds")
    if rounds:
        f["API / reference walks, alternating"] = (
            f"API {rounds['api_seconds']} s, reference {rounds['reference_seconds']} s, ratios {rounds['ratios']}"
        )
    if "during_sync_walk" in d:
        w = d["during_sync_walk"]
        changed = w["sync_applications"]
        f["walk of an integration during its sync"] = (
            f"{w['pages']} pages in {w['seconds']} s, page p50/p99 {w['page_ms']['p50']}/{w['page_ms']['p99']} ms "
            f"({w['seconds_per_page'] * 1000:.2f} ms a page; "
            f"the reference server {w['reference_seconds_per_page'] * 1000:.2f}), "
            f"{w['integration_applications']:,} applications, while a FULL sync {w['sandbox_steps']} sandbox steps on "
            f"updated {changed['updated']:,}, added {changed['inserted']:,} and deleted {changed['deleted']:,} of them"
        )
    for clients in (16, 64):
        load = d.get(f"concurrent_{clients}_clients")
        if load is None:
            continue
        f[f"{clients} clients"] = (
            f"{load['seconds']} s, {load['records_per_s']:,} records/s, {load['requests']} requests, "
            f"{load['errors']} errors, p50/p99 {load['page_ms']['p50']}/{load['page_ms']['p99']} ms, "
            f"{load['server_workers']} server worker(s), RSS peak {load['api_process_rss_mb_peak']} MB per API "
            f"process ({load['server_rss_mb_peak']} MB for all {load['processes']} server processes)"
        )
    for name in ("sandbox_sync_small", "sandbox_sync_large"):
        s = d[name]
        alone = "not measured" if s["engine_only_records_per_s"] is None else f"{s['engine_only_records_per_s']:,}/s"
        f[f"sandbox FULL sync, {s['applications']:,} applications"] = (
            f"{s['records']:,} records in {s['seconds']} s = {s['records_per_s']:,}/s (the generator alone "
            f"{s['generator_records_per_s']:,}/s; the engine alone {alone}"
            f"), RSS growth {s['rss_growth_mb']} MB above {s['idle_rss_mb']} MB at the start"
        )
    if "lever_sync" in d:
        f.update(_lever_figures(d["lever_sync"]))
    if "greenhouse_sync" in d:
        gh = d["greenhouse_sync"]
        for name, r in (
            ("FULL", gh["full"]),
            (f"DELTA ({gh['changed_applications']} applications changed)", gh["delta"]),
        ):
            f[f"Greenhouse {name} sync, {gh['applications']} applications, window {gh['window_limit_per_s']}/s"] = (
                f"{r['seconds']} s, {r['requests']} requests of which {r['harvest_requests']} to Harvest (minimum "
                f"{r['min_seconds']} s at {gh['rate_per_s']:g}/s), {r['records']} records, "
                f"{r['rate_limit_violations']} answered 429 so far"
            )
    if "write_actions" in d:
        f.update(_write_figures(d["write_actions"]))
    return f


def _write_figures(w: dict[str, Any]) -> dict[str, str]:
    """Each action: both sides' medians, the ratio and its spread over the rounds, the source requests."""
    out: dict[str, str] = {}
    for name, a in w["actions"].items():
        out[f"write `{name}`, Greenhouse at {w['latency_ms']:g} ms a request"] = (
            f"HireBridge {a['hirebridge_ms']['median']} ms / direct {a['direct_ms']['median']} ms (medians of "
            f"{w['rounds']} rounds) = {a['ratio']} (rounds {a['round_ratio_min']}-{a['round_ratio_max']}), "
            f"+{a['overhead_ms']} ms; {a['source_requests']} source requests "
            f"({', '.join(a['source_request_kinds'])})"
            + (
                f"; against a direct client that keeps its token {a['ratio_vs_kept_token']}"
                if "ratio_vs_kept_token" in a
                else ""
            )
        )
    return out


def _lever_figures(lv: dict[str, Any]) -> dict[str, str]:
    """The FULL run and both DELTA runs, with requests by kind: a vendor's quota counts requests, and
    the two DELTA runs differ only in the child lists of the unchanged opportunities they re-read."""
    full, only, default = lv["full"], lv["delta_without_refresh"], lv["delta"]
    parts = default["child_refresh_parts"]
    delta = f"Lever DELTA sync, {lv['changed_opportunities']} changed"
    rows = {
        f"Lever FULL sync, {lv['opportunities']} opportunities at {lv['rate_per_s']:g}/s": full,
        f"{delta}, `child_refresh_parts=0`": only,
        f"{delta}, `child_refresh_parts={parts}` (the default)": default,
    }
    out: dict[str, str] = {}
    for name, r in rows.items():
        kinds = r["requests_by_kind"]
        share = "" if r is full else f" = {r['requests'] / full['requests']:.3f} of the FULL run's"
        out[name] = (
            f"{r['seconds']} s, {r['requests']} requests{share} ({kinds['child_lists']} child lists of "
            f"{kinds['opportunities_with_children']} opportunities, {kinds['downloads']} downloads, "
            f"{kinds['other']} other; minimum {r['min_seconds']} s), {r['records']} records, "
            f"{r['rate_limit_violations']} rate-limit violations so far"
        )
    reread = default["requests_by_kind"]["child_lists"] - only["requests_by_kind"]["child_lists"]
    full_lists = full["requests_by_kind"]["child_lists"]
    expected = f"1/{parts} = {1 / parts:.3f} expected" if parts else "none expected"
    out["Lever DELTA re-read of unchanged opportunities' children"] = (
        f"{reread} child-list requests = {reread / max(full_lists, 1):.3f} of the FULL run's {full_lists} ({expected})"
    )
    return out


if __name__ == "__main__":
    sys.exit(main())
