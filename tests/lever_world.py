"""A Lever integration connected to the Lever emulator (any account size), for tests of Lever's own
behaviour; what every connector must do is in the conformance kit (tests/conformance/)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from hirebridge.model import SyncKind
from hirebridge.store import tenancy
from hirebridge.store.db import write_tx
from hirebridge.sync.engine import SyncEngine, SyncResult
from tests.conftest import Server, Tenant, make_tenant
from tests.emulators.lever import LeverEmulator
from tests.support import World

KEY = "lever-test-key"
# Fast settings for tests of data: a generous rate (the emulator meters the same) and short
# timeouts and retry delays.
FAST = {
    "requests_per_second": 5000,
    "burst": 5000,
    "timeout": 0.5,
    "retry_attempts": 4,
    "retry_base_delay": 0.01,
    "retry_max_delay": 0.05,
}


@dataclass
class Setup:
    engine: Engine
    emu: LeverEmulator
    url: str
    integration_id: str
    tenant: Tenant

    def sync(self, kind: SyncKind = SyncKind.FULL) -> SyncResult:
        return SyncEngine(self.engine).run(self.integration_id, kind)


@contextmanager
def lever(engine: Engine, *, opportunities: int, **config: Any) -> Iterator[Setup]:
    emu = LeverEmulator(seed=7, opportunities=opportunities, api_key=KEY, rate=5000, burst=5000)
    with emu.running() as url:
        tenant = make_tenant(engine)
        settings = {"api_key": KEY, "base_url": url, **FAST, **config}
        with write_tx(engine) as conn:
            integration = tenancy.create_integration(conn, tenant.environment, "lever", settings)
        yield Setup(engine, emu, url, integration.id, tenant)


def world(s: Setup, server: Server) -> World:
    return World(server, s.tenant, s.integration_id)
