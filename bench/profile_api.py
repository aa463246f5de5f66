"""Profile the API during a walk: `python -m bench.profile_api [--pages N]`.

Runs `hirebridge serve` under py-spy (sampling, no instrumentation of our code), walks the quick
dataset (bench/.cache, built by `make bench-quick`), and prints where a page's time goes: inclusive
share of the request-handling samples by stage (auth, page query, each embed query, JSON), and the
top frames by self time. The raw stacks are kept in bench/results/ for flame graphs (speedscope).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench import dataset as datasets
from bench import read
from bench.procs import BIN, ROOT, ensure_secret_key, free_port, hirebridge, server_env
from bench.run import QUICK_DB

FRAME = re.compile(r"^(?P<func>.+?) \((?P<file>[^:]+):(?P<line>\d+)\)$")


def stage_of(stack: list[str], code: dict[tuple[str, int], str]) -> str | None:
    """The stage of one sample (None: not inside list_page): the innermost of the named helpers, else
    the source line of list_page / the endpoint's serializer the sample is in."""
    stage = None
    for frame in stack:
        m = FRAME.match(frame)
        if m is None:
            continue
        func, file, line = m["func"], m["file"], int(m["line"])
        if func == "readable_integration":
            return "auth + integration lookup (readable_integration)"
        if func in ("load_by_id", "load_children"):
            return f"embed query: {func}"
        if func == "base_fields":
            return "base_fields (orjson.loads of the row's data again, to_wire)"
        if func in ("list_page", "_serialize") and (file, line) in code:
            stage = f"{func}: `{code[file, line]}`"
    return stage


def source_lines() -> dict[tuple[str, int], str]:
    """(py-spy file name, line) -> the code on that line, for list_page and the applications serializer."""
    code: dict[tuple[str, int], str] = {}
    for rel in ("hirebridge/api/listing.py", "hirebridge/serving/ats/applications.py"):
        for number, text in enumerate((ROOT / "src" / rel).read_text().splitlines(), 1):
            code[rel, number] = text.strip()[:70]
    return code


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m bench.profile_api")
    p.add_argument("--url", default=f"sqlite:///{QUICK_DB}")
    p.add_argument("--pages", type=int, default=200)
    p.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    args = p.parse_args()
    ensure_secret_key()
    if not Path(args.url.split("///", 1)[-1]).exists() and args.url.startswith("sqlite"):
        datasets.cached_sqlite(100_000, QUICK_DB)
    ds = datasets.describe(args.url)
    key = json.loads(hirebridge("api-keys", "create", "--json", url=args.url).strip().splitlines()[-1])["key"]
    headers = {"Authorization": f"Bearer {key}", "X-Integration-Id": ds.integration_id}
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    raw_path = out_dir / f"profile-{time.strftime('%Y%m%dT%H%M%S')}.txt"
    port = free_port()
    spy = subprocess.Popen(
        [
            str(BIN / "py-spy"),
            "record",
            "--format",
            "raw",
            "--rate",
            str(args.rate),
            "-o",
            str(raw_path),
            "--subprocesses",
            "--",
            str(BIN / "hirebridge"),
            "serve",
            "--port",
            str(port),
        ],
        env=server_env(args.url),
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(base + "/v1/check-api-key", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    with httpx.Client(headers=headers, timeout=120) as client:
        walk = read.http_walk(client, base + "/v1/ats/applications", max_pages=args.pages)
    os.killpg(spy.pid, signal.SIGINT)
    spy.wait(60)
    p50 = read.ms(read.percentile(sorted(walk.latencies), 50))
    print(f"walked {walk.pages} pages in {walk.seconds:.2f}s (page p50 {p50} ms)")
    report(raw_path, walk.pages)
    return 0


def report(raw_path: Path, pages: int) -> None:
    names = source_lines()
    outside: collections.Counter[str] = collections.Counter()
    stages: collections.Counter[str] = collections.Counter()
    self_time: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    serving = 0
    total = 0
    for line in raw_path.read_text().splitlines():
        stack_text, _, count_text = line.rpartition(" ")
        count = int(count_text)
        stack = stack_text.split(";")
        total += count
        stage = stage_of(stack, names)
        if stage is None:
            for frame in set(stack):
                outside[re.sub(r":\d+\)$", ")", frame)] += count
            continue
        serving += count
        stages[stage] += count
        self_time[stack[-1]] += count
        for frame in set(stack):
            if "sqlalchemy" in frame or "hirebridge" in frame or "orjson" in frame or "starlette" in frame:
                inclusive[frame] += count
    print(f"\n{total} samples, {serving} inside list_page ({pages} pages); raw stacks: {raw_path}")
    print("\n| stage of list_page | share of request samples |\n| --- | --- |")
    for stage, count in stages.most_common():
        print(f"| {stage} | {100 * count / serving:.1f}% |")
    print("\n| top self time (inside list_page) | share |\n| --- | --- |")
    for frame, count in self_time.most_common(15):
        print(f"| `{frame}` | {100 * count / serving:.1f}% |")
    print("\n| outside list_page: top frames (inclusive) | share of all samples |\n| --- | --- |")
    for frame, count in outside.most_common(20):
        print(f"| `{frame}` | {100 * count / total:.1f}% |")
    print("\n| top inclusive frames (inside list_page) | share |\n| --- | --- |")
    for frame, count in inclusive.most_common(25):
        print(f"| `{frame}` | {100 * count / serving:.1f}% |")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--report":
        report(Path(sys.argv[2]), 0)
    else:
        sys.exit(main())
