"""Results: the JSON written to bench/results/, the one-line summary, and the table in docs/benchmarks.md."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from hirebridge.connectors.lever.connector import REFRESH_PARTS as LEVER_REFRESH_PARTS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "benchmarks.md"

# key -> (what, comparison, target). The summary line has these keys, in this order, then INFO's.
TARGETS: dict[str, tuple[str, str, float]] = {
    "api_vs_reference": ("API full walk ÷ reference-server walk", "<=", 1.25),
    "last_vs_first_page": ("last page ÷ first page latency (median)", "<=", 1.2),
    "incremental_vs_full_walk": ("`updated_after` walk (1% changed) ÷ full walk", "<=", 0.03),
    "sync_vs_rate_limit": ("Lever sync wall time ÷ requests/allowed rate", "<=", 1.15),
    "engine_records_per_s": ("sandbox FULL sync, records/s (engine + generator)", ">=", 5000),
    # At the connector's default refresh parts k: the changes, plus the children of 1/k of the unchanged
    # opportunities (at most 1/k of a FULL run's requests) on top of issue 6's 5%.
    "delta_vs_full_sync": (
        f"Lever DELTA (1% changed, default `child_refresh_parts` {LEVER_REFRESH_PARTS}) ÷ FULL sync time",
        "<=",
        round(0.05 + 1 / LEVER_REFRESH_PARTS, 3),
    ),
    # The changes only (`child_refresh_parts=0`): what issue 6's target (and every run before issue 12) measured.
    "delta_only_vs_full_sync": ("Lever DELTA (1% changed, `child_refresh_parts=0`) ÷ FULL sync time", "<=", 0.05),
    "greenhouse_sync_vs_rate_limit": (
        "Greenhouse sync wall time ÷ requests/declared rate (rolling window)",
        "<=",
        1.15,
    ),
    # Issue 13: against an emulator answering after a vendor-like round trip (bench/writebench.py).
    "write_vs_direct": (
        "write action wall time ÷ the same source requests sent directly (largest per-action median ratio)",
        "<=",
        1.3,
    ),
    # Issue 14: a change at the source to visible through the API, by the source's webhook (bench/upstreambench.py).
    "upstream_webhook_p95_s": (
        "upstream webhook: change at the source → visible through the API, p95 seconds (Kombo: ~20 s)",
        "<=",
        5.0,
    ),
    # Issue 14: the same sandbox sync with a subscription and the delivery lane running, and without
    # (bench/webhooksync.py).
    "sync_with_webhooks_vs_without": (
        "sandbox sync records/s with outgoing webhooks on ÷ off (the delivery lane in the same process)",
        ">=",
        0.95,
    ),
    # Issue 14: outgoing webhooks, with the same concurrency on both sides (bench/webhookbench.py).
    "webhook_delivery_vs_bare_post": (
        "webhook deliveries/s to a local receiver ÷ a bare httpx POST loop to it",
        ">=",
        0.5,
    ),
    "rss_large_vs_small": ("peak RSS of a sync, large ÷ small source", "<=", 1.3),
    # Issue 16: what the sync adds above its process's RSS before it started, 10x larger source ÷ smaller.
    "rss_growth_ratio": ("RSS growth of a sync above its start, 10x larger ÷ smaller source", "<=", 1.3),
    # Issue 16: pages whose served documents were cleared (rendered per request), with a sync writing beside.
    "during_sync_vs_reference": ("time per page during a sync ÷ per reference-server page", "<=", 2.0),
    "errors_under_load": ("errors (any status, envelope or record count wrong) with 16 and 64 clients", "<=", 0),
}

# Keys of the summary line reported without a target of their own.
INFO: dict[str, str] = {
    "api_vs_reference_spread": "spread (max - min) of `api_vs_reference` over its alternating rounds",
    "p99_ms_64_clients": "p99 page latency with 64 concurrent clients, ms",
}
SUMMARY_KEYS = [*TARGETS, *INFO]

# Targets of the issue that are not keys of the summary line: shown in the table only.
TABLE_ONLY: dict[str, tuple[str, str, float]] = {
    "api_process_rss_mb": ("RSS of the largest API process under 16 clients, MB", "<", 300),
}


def met(key: str, value: float | None) -> bool | None:
    if value is None:
        return None
    _, op, target = TARGETS.get(key) or TABLE_ONLY[key]
    if op == "<":
        return value < target
    return value <= target if op == "<=" else value >= target


def summary_line(summary: dict[str, Any]) -> str:
    return json.dumps({key: summary.get(key) for key in SUMMARY_KEYS})


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _provenance(dataset: dict[str, Any]) -> str:
    if not dataset["cached"]:
        return f"built in {dataset['seconds']:.1f} s"
    if dataset["backend"] == "SQLite":
        return f"reused from cache, copied in {dataset['seconds']:.1f} s"
    return "the dataset already at the URL (`--reuse`), built before this run"


def table(result: dict[str, Any]) -> str:
    m = result["machine"]
    d = result["dataset"]
    lines = [
        f"Run `{result['timestamp']}` ({result['mode']}), {result['total_seconds']:.0f} s in all.",
        "",
        f"- Machine: {m['cpu']}, {m['cores']} cores ({m['usable_cores']} usable), {m['ram_gb']} GB RAM, "
        f"load average {m['load_average']} at start; Python {m['python']}; {m['database']}.",
        f"- Dataset: {d['applications']:,} applications on {d['backend']}; "
        + ", ".join(f"{k} {v:,}" for k, v in d["counts"].items() if k in ("candidates", "interviews", "offers"))
        + f"; {_provenance(d)}.",
        "",
        "| figure | value | target | met |",
        "| --- | --- | --- | --- |",
    ]
    values = result["summary"] | result.get("table_only", {})
    for key, (what, op, target) in (TARGETS | TABLE_ONLY).items():
        value = values.get(key)
        ok = met(key, value)
        why = result.get("not_measured", {}).get(key)
        # A key absent with no reason: a result written before the key existed.
        shown = _fmt(value) if value is not None else f"not measured: {why}" if why else "—"
        lines.append(
            f"| {what} (`{key}`) | {shown} | {op} {_fmt(target)} | {'—' if ok is None else 'yes' if ok else 'no'} |"
        )
    for key, what in INFO.items():
        value = values.get(key)
        lines.append(f"| {what} (`{key}`) | {_fmt(value)} | — | — |")
    lines += ["", "| measurement | figure |", "| --- | --- |"]
    for name, value in result["figures"].items():
        lines.append(f"| {name} | {value} |")
    return "\n".join(lines)


def write_docs(result: dict[str, Any], path: Path = DOCS) -> None:
    """Replace the section of this mode (quick / full) between its markers."""
    start = f"<!-- bench:{result['mode']}:start -->"
    end = f"<!-- bench:{result['mode']}:end -->"
    text = path.read_text()
    if start not in text:
        text += f"\n{start}\n{end}\n"
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    path.write_text(f"{head}{start}\n{table(result)}\n{end}{tail}")


if __name__ == "__main__":
    # `python -m bench.report RESULT.json`: write that result's section into docs/benchmarks.md.
    write_docs(json.loads(Path(sys.argv[1]).read_text()))
