"""What the per-tool write-action tests share (tests/test_<tool>_actions.py): an integration of the tool
synced from its emulator, its connector's actions performed on it, and the check every action's result
must pass -- its records, written back through the sync engine's write path, are what the next FULL and
DELTA syncs find."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import orjson
from sqlalchemy import Engine, select

from hirebridge.connectors.framework.actions import ActionResult, Writer
from hirebridge.model import SyncKind
from hirebridge.model import actions as a
from hirebridge.store import tenancy
from hirebridge.store.db import read_tx, write_tx
from hirebridge.store.sync_runs import SyncState
from hirebridge.store.tables import SYNCED_TABLES
from hirebridge.sync.engine import SyncEngine
from hirebridge.sync.writeback import write_back
from tests.conftest import make_tenant

Emulator = TypeVar("Emulator")


@dataclass
class ActionSetup(Generic[Emulator]):
    engine: Engine
    emu: Emulator
    config: dict[str, Any]
    integration_id: str
    connector: Callable[[str, dict[str, Any]], Writer]  # the tool's connector class

    def perform(self, action: a.Action, **config: Any) -> ActionResult:
        """The action, by a connector of the integration (`config` overrides some of its settings)."""
        return asyncio.run(self.connector(self.integration_id, {**self.config, **config}).perform(action))

    def rows(self, model: str) -> dict[str, tuple[Any, ...]]:
        """The stored records of `model` by remote id: (data, links, remote data, deleted at)."""
        table = SYNCED_TABLES[model]
        with read_tx(self.engine) as conn:
            rows = conn.execute(select(table).where(table.c.integration_id == self.integration_id))
            return {r.remote_id: (r.data, r.links, r.remote_data, r.remote_deleted_at) for r in rows}

    def target(self, model: str, remote_id: int | str) -> a.Target:
        """A stored record as the action service resolves a Kombo id for a connector."""
        data, _links, remote_data, _deleted = self.rows(model)[str(remote_id)]
        return a.Target(model, str(remote_id), orjson.loads(remote_data), orjson.loads(data))


@contextmanager
def synced(
    engine: Engine,
    tool: str,
    connector: Callable[[str, dict[str, Any]], Writer],
    emu: Emulator,
    config: dict[str, Any],
) -> Iterator[ActionSetup[Emulator]]:
    """An integration of `tool` with `config` (pointing at `emu`, served), after its first FULL sync."""
    tenant = make_tenant(engine)
    with write_tx(engine) as conn:
        integration = tenancy.create_integration(conn, tenant.environment, tool, config)
    assert SyncEngine(engine).run(integration.id).state == SyncState.SUCCEEDED
    yield ActionSetup(engine, emu, config, integration.id, connector)


def written_back_then_synced(s: ActionSetup[Any], result: ActionResult) -> None:
    """The action's records, written back, are what the next syncs find: FULL and DELTA insert and
    update nothing, and the stored rows stay as written."""
    with write_tx(s.engine) as conn:
        write_back(conn, s.integration_id, result.records, datetime.now(UTC), result.deleted)
    models = {record.MODEL for record in result.records}
    written = {model: s.rows(model) for model in models}
    for kind in (SyncKind.FULL, SyncKind.DELTA):
        run = SyncEngine(s.engine).run(s.integration_id, kind)
        assert run.state == SyncState.SUCCEEDED, run.error
        for model, stats in run.stats.items():
            assert (stats["inserted"], stats["updated"], stats["deleted"]) == (0, 0, 0), (kind, model, stats)
        for model in models:
            assert s.rows(model) == written[model], (kind, model)
