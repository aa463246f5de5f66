"""The upstream refresh in the distributed mode: a real `hirebridge worker` (procrastinate, PostgreSQL)
fetches what upstream webhooks recorded -- when the API process defers the task, and, for records
recorded without a job (an API process that could not reach procrastinate), when the scheduler's tick
catches up."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from sqlalchemy import Engine, text

from hirebridge import ids
from hirebridge.jobs import Jobs, upstream
from hirebridge.jobs.distributed import Dispatcher
from hirebridge.store import tenancy
from hirebridge.store import upstream as pending
from hirebridge.store.db import read_tx, write_tx
from hirebridge.store.sync_runs import SyncState
from hirebridge.sync.engine import SyncEngine
from tests.conftest import make_tenant
from tests.emulators.lever import STAGES, LeverEmulator
from tests.support import stored
from tests.test_distributed import pg, wait_for, workers
from tests.tool_worlds import KEY, config_for

__all__ = ["pg"]  # the fixture, used by name


def _stage_of(engine: Engine, integration_id: str, oid: str) -> str:
    row = stored(engine, "applications", integration_id)[ids.record_id(integration_id, "applications", oid)]
    return str(orjson.loads(row.data)["current_stage_id"])


def _waiting(engine: Engine, integration_id: str) -> int:
    with read_tx(engine) as conn:
        return pending.count(conn, integration_id)


def test_a_worker_refreshes_what_upstream_webhooks_recorded(pg: tuple[str, Engine]) -> None:
    url, engine = pg
    tenant = make_tenant(engine)
    lever = LeverEmulator(seed=7, opportunities=8, api_key=KEY, rate=None)
    with lever.running() as source:
        with write_tx(engine) as conn:
            config = {**config_for("lever", source), "webhook_secret": "s"}
            integration_id = tenancy.create_integration(conn, tenant.environment, "lever", config).id
        assert SyncEngine(engine).run(integration_id).state == SyncState.SUCCEEDED
        oid = next(
            o for o, opp in sorted(lever.opportunities.items()) if not opp.get("archived") and not opp.get("archivedAt")
        )
        posting = lever.applications[oid]["posting"]

        def moved(index: int) -> str:
            """Move the opportunity at the source and record it as a webhook would; the stage's id."""
            lever.edit_opportunity(oid, stage=STAGES[index][0])
            with write_tx(engine) as conn:
                pending.record(conn, integration_id, [("applications", oid)], datetime.now(UTC))
            return ids.record_id(integration_id, "application_stages", f"{posting}:{STAGES[index][0]}")

        # Deferred by the API process's dispatcher, before any worker runs: one waiting job however many
        # webhooks asked (the queueing lock).
        expected = moved(5)
        jobs = Jobs(engine, dispatcher=Dispatcher(url))
        try:
            jobs.refresh_upstream(integration_id)
            jobs.refresh_upstream(integration_id)
        finally:
            jobs.stop()
        with engine.connect() as conn:
            waiting_jobs = conn.execute(
                text("SELECT args FROM procrastinate_jobs WHERE task_name = :task AND status = 'todo'"),
                {"task": upstream.REFRESH_TASK},
            ).all()
        assert [row.args for row in waiting_jobs] == [{"integration_id": integration_id}]
        with workers(url, 1):
            wait_for("the deferred refresh", lambda: _stage_of(engine, integration_id, oid) == expected)
            wait_for("the records forgotten", lambda: _waiting(engine, integration_id) == 0)
            # Recorded with no job deferred: the tick (every second here) defers one.
            expected = moved(6)
            wait_for("the tick's refresh", lambda: _stage_of(engine, integration_id, oid) == expected)
            wait_for("the records forgotten", lambda: _waiting(engine, integration_id) == 0)
