"""One rate limiter per integration, whoever uses it: a file download running while a sync of the
same integration runs (in the same process, from a connector built on its own, as the API or the CLI
would) spends the same quota, so the vendor's exact meter counts no violation; the sync engine builds
its connectors with the provider it is given; and with the database's provider (store.rate_limits)
two providers -- as two processes would have -- share the one limit."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine

from hirebridge.connectors.framework.ratelimit import LOCAL, LocalRateLimits, RateLimits
from hirebridge.connectors.lever import LeverConnector, mapping
from hirebridge.store import tenancy
from hirebridge.store.db import write_tx
from hirebridge.store.rate_limits import DatabaseRateLimits
from hirebridge.store.sync_runs import SyncState
from hirebridge.sync.engine import SyncEngine
from tests.emulators.lever import LeverEmulator

KEY = "shared-limit-key"
# The vendor's limit, on both sides: the emulator meters it exactly, the connectors pace under it.
RATE, BURST = 25.0, 5
DOWNLOADS = 20


@dataclass
class Source:
    emulator: LeverEmulator
    integration_id: str
    config: dict[str, Any]
    file: str  # the remote id of a file to download

    def download_path(self) -> str:
        opportunity, kind, file_id = mapping.parse_attachment_remote_id(self.file)
        return f"/opportunities/{opportunity}/{kind}/{file_id}/download"


@contextmanager
def lever(engine: Engine) -> Iterator[Source]:
    emulator = LeverEmulator(seed=5, opportunities=6, api_key=KEY, rate=RATE, burst=BURST)
    with emulator.running() as url:
        config = {"api_key": KEY, "base_url": url, "requests_per_second": RATE, "burst": BURST, "timeout": 5}
        with write_tx(engine) as conn:
            env = tenancy.get_or_create_environment(conn)
            integration_id = tenancy.create_integration(conn, env, "lever", config).id
        owner = next(o for o in sorted(emulator.children) if emulator.children[o]["files"])
        file = mapping.attachment_remote_id(owner, "files", emulator.children[owner]["files"][0]["id"])
        yield Source(emulator, integration_id, config, file)


def sync_while_downloading(engine: Engine, source: Source, downloads: RateLimits, sync: RateLimits | None) -> None:
    """A FULL sync (with `sync` as the engine's provider) while another thread downloads a file
    DOWNLOADS times through a connector of the same integration built with `downloads`."""
    downloader = LeverConnector(source.integration_id, source.config, downloads)
    done: list[bytes] = []
    thread = threading.Thread(
        target=lambda: done.extend(downloader.fetch_attachment(source.file)[0] for _ in range(DOWNLOADS))
    )
    thread.start()
    try:
        result = SyncEngine(engine, rate_limits=sync).run(source.integration_id)
    finally:
        thread.join()
    assert result.state == SyncState.SUCCEEDED, result.error
    assert len(done) == DOWNLOADS
    # The downloads really ran during the sync: the sync's own requests came before and after some.
    paths = [r.path for r in source.emulator.requests]
    ours = [i for i, path in enumerate(paths) if path.endswith(source.download_path())]
    assert any(not paths[i].endswith("/download") for i in range(ours[0], ours[-1]))


def test_a_download_during_a_sync_shares_the_integrations_limiter(engine: Engine) -> None:
    with lever(engine) as source:
        sync_while_downloading(engine, source, LOCAL, None)  # both with the process's provider
        assert source.emulator.violations == 0


def test_the_sync_engine_builds_connectors_with_the_provider_it_is_given(engine: Engine) -> None:
    provider = LocalRateLimits()
    with lever(engine) as source:
        sync_while_downloading(engine, source, provider, provider)
        assert source.emulator.violations == 0
    # The same, with the downloader on another provider: two buckets, twice the rate, and the
    # vendor's meter sees it (so the run above shared the engine's provider, not a default).
    with lever(engine) as source:
        sync_while_downloading(engine, source, LocalRateLimits(), provider)
        assert source.emulator.violations > 0


def test_the_database_provider_shares_the_limit_between_providers(engine: Engine) -> None:
    """A sync with one `DatabaseRateLimits`, downloads with another on the same database (what a
    worker and an API process each build): one bucket, no violation."""
    with lever(engine) as source:
        sync_while_downloading(engine, source, DatabaseRateLimits(engine), DatabaseRateLimits(engine))
        assert source.emulator.violations == 0


@pytest.mark.fast
def test_one_limiter_per_key_renewed_when_the_limit_changes() -> None:
    limits = LocalRateLimits()
    first = limits.limiter("integration-1", 10, 20)
    assert limits.limiter("integration-1", 10, 20) is first
    assert limits.limiter("integration-2", 10, 20) is not first
    changed = limits.limiter("integration-1", 5, 20)
    assert changed is not first and (changed.rate, changed.burst) == (5 * 0.95, 19)  # paced under the limit
