"""Live render of cleared application documents (issue 16): `python -m bench.liverender`.

A sync clears the served documents of the records it touches and renders them again at its end;
until then pages render them live (serving/listing.py `page_documents`). Measured on a 20k-application
SQLite dataset, side by side in one run:

- in process, the same 40 pages, alternating: stored documents vs. all cleared (read_page +
  page_documents each), medians; every live page is checked byte for byte against the stored one;
- over HTTP: a walk of `hirebridge serve` with every document cleared vs. the reference server's walk
  of the stored documents (bench/baselines/reference_server.py), interleaved 3 rounds, ratio of time
  per page (median of the rounds, with its spread).

The last stdout line is one JSON object, also written to bench/results/<UTC stamp>-liverender.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from bench import dataset as datasets
from bench import read
from bench.procs import BIN, ROOT, Server, ensure_secret_key, free_port, hirebridge
from hirebridge.serving.ats.applications import LISTING
from hirebridge.serving.listing import page_documents
from hirebridge.store.db import make_engine
from hirebridge.store.listing import read_page

RESULTS = ROOT / "bench" / "results"


def log(message: str) -> None:
    print(f"[liverender] {message}", file=sys.stderr, flush=True)


def page_starts(url: str, integration_id: str, pages: int) -> list[int]:
    """The pk `pages` pages of 250 start after, spread evenly over the integration."""
    engine = make_engine(url)
    with engine.connect() as conn:
        pks = list(
            conn.execute(
                text("SELECT pk FROM applications WHERE integration_id = :i AND remote_deleted_at IS NULL ORDER BY pk"),
                {"i": integration_id},
            ).scalars()
        )
    engine.dispose()
    starts = [0] + [pks[n - 1] for n in range(read.PAGE, len(pks), read.PAGE)]
    return [starts[i * len(starts) // pages] for i in range(pages)]


def in_process(stored_url: str, cleared_url: str, integration_id: str, starts: list[int]) -> dict[str, Any]:
    """Per page: the stored page, then the same page all cleared; medians over the pages."""
    stored_engine, cleared_engine = make_engine(stored_url), make_engine(cleared_url)
    stored_ms: list[float] = []
    cleared_ms: list[float] = []

    def page(engine: Any, start: int) -> tuple[float, bytes]:
        with engine.connect() as conn:
            t0 = time.perf_counter()
            rows = read_page(conn, "applications", integration_id, read.PAGE, cursor=start or None)
            body = page_documents(conn, LISTING, rows)
            return time.perf_counter() - t0, body

    for start in starts:  # warm both (statement caches, OS page cache)
        page(stored_engine, start)
        page(cleared_engine, start)
    for start in starts:
        seconds, stored_body = page(stored_engine, start)
        stored_ms.append(seconds * 1000)
        seconds, live_body = page(cleared_engine, start)
        cleared_ms.append(seconds * 1000)
        if live_body != stored_body:
            raise AssertionError(f"page after pk {start}: the live render differs from the stored documents")
    stored_engine.dispose()
    cleared_engine.dispose()
    stored, cleared = statistics.median(stored_ms), statistics.median(cleared_ms)
    return {
        "pages": len(starts),
        "stored_page_ms": round(stored, 3),
        "cleared_page_ms": round(cleared, 3),
        "cleared_vs_stored": round(cleared / stored, 2),
        "live_pages_byte_identical": True,
    }


def over_http(stored_url: str, cleared_url: str, integration_id: str, rounds: int) -> dict[str, Any]:
    """Interleaved walks: the API on the cleared copy, the reference server on the stored one."""
    key = json.loads(hirebridge("api-keys", "create", "--json", url=cleared_url).strip().splitlines()[-1])["key"]
    headers = {"Authorization": f"Bearer {key}", "X-Integration-Id": integration_id}
    api_port, ref_port = free_port(), free_port()
    ref_argv = [sys.executable, "-m", "bench.baselines.reference_server", stored_url, str(ref_port)]
    api_argv = [str(BIN / "hirebridge"), "serve", "--port", str(api_port)]
    ratios: list[float] = []
    api_page_ms: list[float] = []
    ref_page_ms: list[float] = []
    with (
        Server(api_argv, cleared_url, api_port) as api,
        Server(ref_argv, stored_url, ref_port, probe="/") as ref,
        httpx.Client(headers=headers, timeout=120) as client,
    ):
        api_url, ref_url = api.base + "/v1/ats/applications", ref.base + "/v1/ats/applications"
        read.http_walk(client, api_url, max_pages=5)  # warm-up
        read.http_walk(client, ref_url, max_pages=5)
        for _ in range(rounds):
            api_walk = read.http_walk(client, api_url)
            ref_walk = read.http_walk(client, ref_url)
            if api_walk.records != ref_walk.records:
                raise AssertionError(f"walked {api_walk.records} records, the reference {ref_walk.records}")
            api_per_page = api_walk.seconds / api_walk.pages
            ref_per_page = ref_walk.seconds / ref_walk.pages
            api_page_ms.append(round(api_per_page * 1000, 2))
            ref_page_ms.append(round(ref_per_page * 1000, 2))
            ratios.append(round(api_per_page / ref_per_page, 3))
            log(f"round: cleared API {api_per_page * 1000:.2f} ms/page, reference {ref_per_page * 1000:.2f} ms/page")
    return {
        "rounds": rounds,
        "pages_per_walk": api_walk.pages,
        "cleared_api_page_ms": api_page_ms,
        "reference_page_ms": ref_page_ms,
        "ratios": ratios,
        "cleared_vs_reference": statistics.median(ratios),
        "cleared_vs_reference_spread": round(max(ratios) - min(ratios), 3),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.liverender", description=__doc__.split("\n")[0])
    p.add_argument("--applications", type=int, default=20_000)
    p.add_argument("--path", default="/tmp/hirebridge-liverender.db", help="work copy (the cleared one beside it)")
    p.add_argument("--pages", type=int, default=40)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--label", default="", help="a note stored with the result (e.g. the commit measured)")
    args = p.parse_args(argv)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    ensure_secret_key()
    stored_path = Path(args.path)
    cleared_path = stored_path.with_name(stored_path.stem + "-cleared.db")
    ds = datasets.cached_sqlite(args.applications, stored_path, log=log)
    datasets.cached_sqlite(args.applications, cleared_path, log=log)
    stored_url, cleared_url = f"sqlite:///{stored_path}", f"sqlite:///{cleared_path}"
    engine = make_engine(cleared_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE applications SET doc = NULL WHERE integration_id = :i"), {"i": ds.integration_id})
    engine.dispose()

    starts = page_starts(stored_url, ds.integration_id, args.pages)
    result: dict[str, Any] = {
        "benchmark": "liverender",
        "stamp": stamp,
        "label": args.label,
        "database": "sqlite",
        "applications": args.applications,
        "page_size": read.PAGE,
        "note": "shared 2-CPU machine: other work may run beside the benchmark",
    }
    result["in_process"] = in_process(stored_url, cleared_url, ds.integration_id, starts)
    log(f"in process: {result['in_process']}")
    result["http"] = over_http(stored_url, cleared_url, ds.integration_id, args.rounds)
    log(f"over HTTP: {result['http']}")
    line = json.dumps(result)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{stamp}-liverender.json").write_text(line + "\n")
    print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
