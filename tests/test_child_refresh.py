"""Children of unchanged parents: no vendor documents that a parent's `updatedAt` moves when one of
its children (a note, an interview, a file) changes, so each DELTA run also re-reads the children of
one part of the stored parents (`FetchContext.stored(model, part=(i, k))`, i advancing run by run):
a child changed behind its parent shows within k DELTA runs -- against the Lever and Ashby emulators,
on SQLite and PostgreSQL. A child stream whose last run failed catches up from its own state."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine

from hirebridge.connectors.ashby import connector as ashby_connector
from hirebridge.connectors.lever import connector as lever_connector
from hirebridge.model import SyncKind
from hirebridge.store import records as record_store
from hirebridge.store import sync_runs, tenancy
from hirebridge.store.db import read_tx, write_tx
from hirebridge.store.sync_runs import SyncState
from hirebridge.sync.engine import SyncEngine
from tests.emulators.ashby import AshbyEmulator
from tests.emulators.harness import Fault, serve
from tests.emulators.lever import LeverEmulator
from tests.support import stored

KEY = "child-refresh-key"
FAST = {"requests_per_second": 5000, "burst": 5000, "timeout": 2.0, "retry_attempts": 2, "retry_base_delay": 0}
LEVER_PARTS = lever_connector.REFRESH_PARTS  # the connectors' default child_refresh_parts
ASHBY_PARTS = ashby_connector.REFRESH_PARTS


def integration(engine: Engine, tool: str, config: dict[str, Any]) -> str:
    with write_tx(engine) as conn:
        env = tenancy.get_or_create_environment(conn)
        return tenancy.create_integration(conn, env, tool, {"api_key": KEY, **FAST, **config}).id


def sync(engine: Engine, integration_id: str, kind: SyncKind = SyncKind.FULL) -> None:
    result = SyncEngine(engine).run(integration_id, kind)
    assert result.state == SyncState.SUCCEEDED, result.error


@contextmanager
def lever(engine: Engine, **config: Any) -> Iterator[tuple[LeverEmulator, str]]:
    emulator = LeverEmulator(seed=9, opportunities=24, api_key=KEY, rate=None)
    with emulator.running() as url:
        yield emulator, integration(engine, "lever", {"base_url": url, **config})


def pks(engine: Engine, model: str, integration_id: str) -> dict[str, int]:
    """remote id -> pk of the integration's live records of `model`."""
    return {r.remote_id: r.pk for r in stored(engine, model, integration_id).values() if r.remote_deleted_at is None}


def child_owners(emulator: LeverEmulator, since: int) -> set[str]:
    """Opportunities whose child lists were requested after request number `since`."""
    return {
        r.path.split("/")[3]
        for r in emulator.requests[since:]
        if r.path.count("/") == 4 and "/opportunities/" in r.path
    }


def test_stored_parts_split_the_live_records(engine: Engine) -> None:
    with lever(engine) as (emulator, integration_id):
        sync(engine, integration_id)
        gone = sorted(emulator.opportunities)[0]
        emulator.delete_opportunity(gone)
        sync(engine, integration_id)
        live = pks(engine, "applications", integration_id)
        parts = []
        with read_tx(engine) as conn:
            for index in range(3):
                rows = record_store.stored_payloads(conn, "applications", integration_id, (index, 3), 0, 1000)
                assert all(pk % 3 == index for pk, _ in rows)
                parts.append({payload["id"] for _, payload in rows if payload is not None})
            # Paged by pk: a second page starts after the first.
            first = record_store.stored_payloads(conn, "applications", integration_id, (0, 1), 0, 5)
            rest = record_store.stored_payloads(conn, "applications", integration_id, (0, 1), first[-1][0], 1000)
        assert set().union(*parts) == set(live) and sum(map(len, parts)) == len(live)
        assert gone not in set(live) and [pk for pk, _ in first + rest] == sorted(live.values())


def test_lever_a_child_changed_behind_its_opportunity_shows_within_k_delta_runs(engine: Engine) -> None:
    with lever(engine) as (emulator, integration_id):
        sync(engine, integration_id)
        live = pks(engine, "applications", integration_id)
        owner = next(o for o in sorted(emulator.children) if emulator.children[o]["notes"])
        note = emulator.children[owner]["notes"][0]
        note["text"] = "Edited behind its opportunity"  # its opportunity's updatedAt does not move
        due = live[owner] % LEVER_PARTS + 1  # the DELTA run that reads its part (the first reads part 0)
        read: list[set[str]] = []
        for run in range(1, LEVER_PARTS + 1):
            before = len(emulator.requests)
            sync(engine, integration_id, SyncKind.DELTA)
            read.append(child_owners(emulator, before))
            notes = stored(engine, "notes", integration_id)
            title = next(json.loads(r.data)["title"] for r in notes.values() if r.remote_id == note["id"])
            assert (title == "Edited behind its opportunity") == (run >= due), run
        # Each run read the children of one part; together, of every opportunity exactly once.
        assert [owners == {o for o, pk in live.items() if pk % LEVER_PARTS == i} for i, owners in enumerate(read)] == [
            True
        ] * LEVER_PARTS
        with read_tx(engine) as conn:
            state = sync_runs.stream_state(conn, integration_id, "notes")
        assert state is not None and state["refresh_part"] == 0  # all parts read: back to the first


def test_lever_no_refresh_when_child_refresh_parts_is_zero(engine: Engine) -> None:
    with lever(engine, child_refresh_parts=0) as (emulator, integration_id):
        sync(engine, integration_id)
        before = len(emulator.requests)
        sync(engine, integration_id, SyncKind.DELTA)
        assert child_owners(emulator, before) == set()


def test_a_child_stream_whose_run_failed_catches_up_from_its_own_state(engine: Engine) -> None:
    """The applications stream checkpointed a DELTA, the interviews stream after it failed: the next
    DELTA's interviews stream does not reuse the applications list (it starts from a later state) but
    lists the opportunities changed since its own last checkpoint."""
    with lever(engine, child_refresh_parts=0) as (emulator, integration_id):
        sync(engine, integration_id)
        with read_tx(engine) as conn:
            behind = sync_runs.stream_state(conn, integration_id, "interviews")
        assert behind is not None
        owner = sorted(emulator.opportunities)[2]
        interview = emulator.add_child(owner, "interviews")
        emulator.emulator.inject(Fault("status", 400, path="/interviews"))
        assert SyncEngine(engine).run(integration_id, SyncKind.DELTA).state == SyncState.FAILED
        with read_tx(engine) as conn:
            assert sync_runs.stream_state(conn, integration_id, "applications") != behind
            assert sync_runs.stream_state(conn, integration_id, "interviews") == behind
        before = len(emulator.requests)
        sync(engine, integration_id, SyncKind.DELTA)
        windows = {
            int(r.query["updated_at_start"]) for r in emulator.requests[before:] if "updated_at_start" in r.query
        }
        assert behind["since"] - 5 * 60 * 1000 in windows  # the interviews stream's own window
        assert interview["id"] in {r.remote_id for r in stored(engine, "interviews", integration_id).values()}


def test_ashby_notes_and_stages_changed_behind_their_parents_show_within_k_delta_runs(engine: Engine) -> None:
    emulator = AshbyEmulator(KEY, seed=4, candidates=20, jobs=4)
    with serve(emulator.app()) as url:
        integration_id = integration(engine, "ashby", {"base_url": url, "page_size": 10})
        sync(engine, integration_id)
        note_id = sorted(emulator.data["notes"])[0]
        emulator.data["notes"][note_id]["content"] = "Edited behind its candidate"  # no change sequence moved
        stage_id = sorted(emulator.data["stages"])[1]
        emulator.data["stages"][stage_id]["title"] = "Renamed behind its plan"
        for _ in range(ASHBY_PARTS):
            sync(engine, integration_id, SyncKind.DELTA)
        notes = {r.remote_id: json.loads(r.data) for r in stored(engine, "notes", integration_id).values()}
        stages = {
            r.remote_id: json.loads(r.data) for r in stored(engine, "application_stages", integration_id).values()
        }
        assert notes[note_id]["content_html"] == "Edited behind its candidate"
        assert stages[stage_id]["name"] == "Renamed behind its plan"
