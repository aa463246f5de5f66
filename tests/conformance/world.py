"""A target's emulator connected to HireBridge: the integration, the real sync engine, and the real
API read like a client reads it (every page validated against Kombo's contract)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic

import httpx
from sqlalchemy import Engine

from hirebridge import ids
from hirebridge.model import SyncKind
from hirebridge.store import tenancy
from hirebridge.store.db import write_tx
from hirebridge.store.sync_runs import SyncState
from hirebridge.sync.engine import SyncEngine, SyncResult
from tests.conformance.kit import (
    E,
    FileBytes,
    Key,
    RateLimit,
    RequestWindow,
    Running,
    Target,
    View,
    diff_fields,
)
from tests.conftest import Server, make_tenant
from tests.contract import validate
from tests.support import API_PATHS, World, sdk_client

FULL, DELTA = SyncKind.FULL, SyncKind.DELTA

# The client tunables the kit sets on every integration (the framework's shared CLIENT_TUNABLES):
# short timeouts and retry delays, so an injected fault costs milliseconds.
CLIENT: dict[str, Any] = {"timeout": 0.5, "retry_attempts": 3, "retry_base_delay": 0.01, "retry_max_delay": 0.05}
RETRY_ATTEMPTS = CLIENT["retry_attempts"]
# Client and meter limit for cases that are not about pacing: far above what the kit's data needs.
GENEROUS = RateLimit(2000, 200)

Served = dict[str, dict[str, dict[str, Any]]]  # model -> remote id -> served item

# One client for all the kit's reads: `httpx.get` builds a client -- and a TLS context, the most of
# a small request's cost -- per call. It drops a connection idle for 1 s, well before the server's own
# keep-alive timeout (uvicorn: 5 s, during a case's sync) could close it under a request being sent.
_HTTP = httpx.Client(timeout=30, limits=httpx.Limits(keepalive_expiry=1))


@dataclass(frozen=True)
class Api(World):
    """tests.support.World (pages walked and validated against Kombo's contract) on one client."""

    def get(self, path: str, params: dict[str, Any] | None = None, /, **headers: str) -> httpx.Response:
        return _HTTP.get(f"{self.server.base_url}{path}", params=params, headers=headers or self.headers())


@dataclass(frozen=True)
class Backend:
    """One database (SQLite or PostgreSQL) behind one API server, shared by a module's cases."""

    name: str
    engine: Engine
    server: Server


@dataclass
class Connected(Generic[E]):
    target: Target[E]
    backend: Backend
    running: Running[E]
    api: Api
    config: dict[str, Any]
    full_requests: int = 0  # what the first FULL asked of the source

    @property
    def emulator(self) -> E:
        return self.running.emulator

    @property
    def integration_id(self) -> str:
        return self.api.integration_id

    def snapshot(self) -> View:
        return self.target.snapshot(self.emulator)

    def sync(self, kind: SyncKind = FULL) -> SyncResult:
        return SyncEngine(self.backend.engine).run(self.integration_id, kind)

    def synced(self, kind: SyncKind = FULL) -> SyncResult:
        result = self.sync(kind)
        assert result.state == SyncState.SUCCEEDED, f"{self.target.tool} {kind} run {result.state}: {result.error}"
        return result

    # --- reading the API --------------------------------------------------------------------

    def served(self, **params: str) -> Served:
        """Every record every listing serves (with `params`, e.g. include_deleted), by model."""
        return {
            model: {item["remote_id"]: item for item in self.api.walk(path, page_size=250, **params)}
            for model, path in API_PATHS.items()
        }

    def surfaced(self, since: str) -> dict[str, set[str]]:
        """model -> remote ids `updated_after=since` returns on each listing (deleted records too)."""
        return {
            model: {
                i["remote_id"] for i in self.api.walk(path, updated_after=since, include_deleted="true", page_size=250)
            }
            for model, path in API_PATHS.items()
        }

    def deleted(self, served: Served | None = None) -> set[Key]:
        served = served if served is not None else self.served(include_deleted="true")
        return {(m, r) for m, items in served.items() for r, i in items.items() if i["remote_deleted_at"] is not None}

    def problems(self, view: View, served: Served | None = None) -> list[str]:
        """How the live records the API serves differ from `view` (every model, every field the
        view names, every file); empty when they are the same."""
        served = served if served is not None else self.served()
        out: list[str] = []
        for model in API_PATHS:
            want = view.get(model, {})
            got = {r: i for r, i in served[model].items() if i["remote_deleted_at"] is None}
            missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
            if missing:
                out.append(f"{model}: {len(missing)} record(s) of the source not served, e.g. {missing[:3]}")
            if extra:
                out.append(f"{model}: {len(extra)} record(s) served that the source does not hold, e.g. {extra[:3]}")
            for remote_id in sorted(set(want) & set(got)):
                item = got[remote_id]
                if item["id"] != ids.record_id(self.integration_id, model, remote_id):
                    out.append(f"{model} {remote_id}: id {item['id']} is not its Kombo id")
                out += diff_fields(model, remote_id, item, want[remote_id], self.integration_id)
        out += self._file_problems(view)
        return out

    def _file_problems(self, view: View) -> list[str]:
        by_candidate: dict[str, dict[str, bytes]] = {}
        for remote_id, fields in view.get("attachments", {}).items():
            content = fields.get("content")
            if isinstance(content, FileBytes):
                owner = fields["candidate_id"].remote_id
                by_candidate.setdefault(owner, {})[remote_id] = content.content
        out = []
        for owner, files in sorted(by_candidate.items()):
            candidate_id = ids.record_id(self.integration_id, "candidates", owner)
            response = self.api.get(f"/ats/candidates/{candidate_id}/attachments")
            assert response.status_code == 200, response.text
            validate("/ats/candidates/{candidate_id}/attachments", response.json())
            got = {
                r["remote_id"]: base64.b64decode(r["data_url"].split(",", 1)[1])
                for r in response.json()["data"]["results"]
            }
            for remote_id, content in files.items():
                if got.get(remote_id) != content:
                    served = got.get(remote_id)
                    out.append(f"attachment {remote_id}: served file {served!r:.60}, the source has {content!r:.60}")
        return out

    def assert_serves(self, view: View, served: Served | None = None) -> None:
        problems = self.problems(view, served)
        assert not problems, f"{self.target.tool}: the API differs from the source:\n" + "\n".join(problems[:25])

    def integration_details(self) -> dict[str, Any]:
        response = self.api.get(f"/integrations/{self.integration_id}")
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()["data"]
        with sdk_client(self.api) as sdk:  # the official SDK reads the same status
            details = sdk.general.get_integration_details(integration_id=self.integration_id)
        assert details.data.status == data["status"]
        return data

    def requests(self) -> RequestWindow:
        return RequestWindow.open(self.running.harness)


@contextmanager
def connected(
    target: Target[E],
    backend: Backend,
    *,
    limit: RateLimit = GENEROUS,
    client: dict[str, Any] | None = None,
    sync: bool = True,
    metered: bool = True,
) -> Iterator[Connected[E]]:
    """`target`'s emulator (its meter at `limit`) behind a new integration whose client runs at the
    same limit, after one FULL run unless `sync=False`. With `metered`, leaving it asserts the meter
    counted no request over the limit."""
    with target.start(limit) as running:
        tenant = make_tenant(backend.engine)
        config = {
            **target.config(running),
            "requests_per_second": limit.rate,
            "burst": limit.burst,
            **CLIENT,
            **(client or {}),
        }
        with write_tx(backend.engine) as conn:
            integration = tenancy.create_integration(conn, tenant.environment, target.tool, config)
        world = Connected(target, backend, running, Api(backend.server, tenant, integration.id), config)
        if sync:
            window = world.requests()
            world.synced(FULL)
            world.full_requests = len(window)
        yield world
        meter = running.harness.rate
        if metered and meter is not None:
            assert meter.violations == 0, (
                f"{target.tool}: {meter.violations} request(s) over {limit.rate}/s in bursts of {limit.burst}"
            )
