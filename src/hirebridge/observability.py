"""Prometheus metrics: what the API serves, what syncs write, how the source ATSs and webhook
receivers answer.

Producers call the small typed `observe_*` functions below; nothing else touches a metric object, so
names and labels live in one place. Labels are bounded by design: routes are path *templates*
(`/v1/integrations/{integration_id}`, never a raw path with an id), tools and models come from the
connector registry, statuses are HTTP codes or `error`.

Multi-process mode: prometheus_client picks its value store when it is first imported. With
`PROMETHEUS_MULTIPROC_DIR` set *before* that (`hirebridge serve --workers N` sets it for its worker
processes), every process writes its values to files in that directory and `render()` aggregates them
with `MultiProcessCollector`, so any process's `/metrics` answers for all of them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

# API latencies are milliseconds to seconds; syncs are seconds to hours.
_HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_SYNC_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 7200.0, 21600.0)

HTTP_REQUESTS = Counter(
    "hirebridge_http_requests",
    "API requests served, by route template, method and response status.",
    ["route", "method", "status"],
)
HTTP_DURATION = Histogram(
    "hirebridge_http_request_duration_seconds",
    "API request latency (until the last body byte is sent), by route template.",
    ["route"],
    buckets=_HTTP_BUCKETS,
)
SYNCS = Counter("hirebridge_syncs", "Sync runs finished, by tool, kind and final state.", ["tool", "kind", "state"])
SYNC_DURATION = Histogram(
    "hirebridge_sync_duration_seconds", "Sync run duration, by tool and kind.", ["tool", "kind"], buckets=_SYNC_BUCKETS
)
RECORDS_WRITTEN = Counter(
    "hirebridge_sync_records",
    "Records syncs wrote, by model and operation (inserted, updated, deleted).",
    ["model", "operation"],
)
SOURCE_REQUESTS = Counter(
    "hirebridge_source_requests",
    "Requests to source ATS APIs, by tool and HTTP status (`error` for timeouts and transport errors).",
    ["tool", "status"],
)
SOURCE_RETRIES = Counter(
    "hirebridge_source_retries",
    "Retried requests to source ATS APIs, by tool and reason (the HTTP status, or the transport error).",
    ["tool", "reason"],
)
WEBHOOK_ATTEMPTS = Counter(
    "hirebridge_webhook_attempts",
    "Outgoing webhook delivery attempts, by event type and the receiver's HTTP status (`error`: no answer).",
    ["event_type", "status"],
)
WEBHOOK_DURATION = Histogram(
    "hirebridge_webhook_attempt_duration_seconds",
    "Outgoing webhook attempt latency, until the answer's status (or the error).",
    buckets=_HTTP_BUCKETS,
)
WEBHOOK_DELIVERIES = Counter(
    "hirebridge_webhook_deliveries", "Outgoing webhook deliveries finished, by final state.", ["state"]
)

# Operations of a sync's per-model stats that count as writes (`unchanged` rows are read, not written).
WRITE_OPERATIONS = ("inserted", "updated", "deleted")


def observe_http_request(route: str, method: str, status: int, seconds: float) -> None:
    HTTP_REQUESTS.labels(route, method, str(status)).inc()
    HTTP_DURATION.labels(route).observe(seconds)


def observe_sync(tool: str, kind: str, state: str, seconds: float, stats: Mapping[str, Mapping[str, int]]) -> None:
    """A finished sync run: `stats` is its per-model counts ({model: {"inserted": n, ...}})."""
    SYNCS.labels(tool, kind, state).inc()
    SYNC_DURATION.labels(tool, kind).observe(seconds)
    for model, counts in stats.items():
        for operation in WRITE_OPERATIONS:
            if count := counts.get(operation, 0):
                RECORDS_WRITTEN.labels(model, operation).inc(count)


def observe_source_request(tool: str, status: int | None) -> None:
    """One answer from a source API (`status` None: timeout or transport error, no answer)."""
    SOURCE_REQUESTS.labels(tool, "error" if status is None else str(status)).inc()


def observe_source_retry(tool: str, reason: str) -> None:
    SOURCE_RETRIES.labels(tool, reason).inc()


def observe_webhook_attempt(event_type: str, status: int | None, seconds: float, state: str) -> None:
    """One delivery attempt and the state it left the delivery in (PENDING: to be retried)."""
    WEBHOOK_ATTEMPTS.labels(event_type, "error" if status is None else str(status)).inc()
    WEBHOOK_DURATION.observe(seconds)
    if state != "PENDING":
        WEBHOOK_DELIVERIES.labels(state).inc()


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def render() -> bytes:
    """The Prometheus text exposition of this process, or of all processes in multi-process mode."""
    if multiprocess_dir() is None:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return generate_latest(registry)
