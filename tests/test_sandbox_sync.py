"""The sandbox through several `advance` steps: every kind of change reaches the API with Kombo's
`changed_at` / `updated_after` / deletion semantics.

Expectations are computed independently of the engine's bookkeeping: from API snapshots before and
after each sync (applications' own fields and embeds) and from the stored raw `data` of related
records, never from `updated_at`.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import Engine, select

from hirebridge.store.db import read_tx
from hirebridge.store.sync_runs import SyncState
from hirebridge.store.tables import SYNCED_TABLES
from hirebridge.sync.engine import SyncEngine
from hirebridge.timefmt import to_wire, utc_now
from tests.conftest import Server, create_sandbox, make_tenant
from tests.support import World, advance, synced_world

PATH = "/ats/applications"
EMBEDS = ("candidate", "current_stage", "job", "interviews", "offers")


def own(app: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in app.items() if k not in EMBEDS and k != "changed_at"}


def stored(engine: Engine, model: str, integration_id: str) -> dict[str, tuple[Any, ...]]:
    """id -> (own data, links, deleted?, parent key) as stored, for change detection by content."""
    table = SYNCED_TABLES[model]
    parent = {"interviews": "application_id", "offers": "application_id"}.get(model, "id")
    with read_tx(engine) as conn:
        rows = conn.execute(select(table).where(table.c.integration_id == integration_id))
        return {r.id: (r.data, r.links, r.remote_deleted_at is not None, getattr(r, parent)) for r in rows}


@pytest.fixture
def world(engine: Engine, server: Server) -> World:
    return synced_world(engine, server, applications=150)


def test_advance_steps_reach_the_api_with_kombo_change_semantics(engine: Engine, world: World) -> None:
    seen_kinds: set[str] = set()
    iid = world.integration_id
    for _step in range(4):
        before = {a["id"]: a for a in world.walk(PATH, include_deleted="true")}
        related_before = {m: stored(engine, m, iid) for m in ("candidates", "interviews", "offers")}
        advance(engine, iid)
        time.sleep(0.002)
        since = utc_now()
        time.sleep(0.002)
        assert SyncEngine(engine).run(iid).state == SyncState.SUCCEEDED
        after = {a["id"]: a for a in world.walk(PATH, include_deleted="true")}
        related_after = {m: stored(engine, m, iid) for m in ("candidates", "interviews", "offers")}

        own_changed = {i for i, a in after.items() if i not in before or own(before[i]) != own(a)}
        # Linked records whose own content (or existence) changed, and the applications they touch.
        touched: set[str] = set()
        for model in ("candidates", "interviews", "offers"):
            old, new = related_before[model], related_after[model]
            for rid, (data, _links, deleted, parent) in new.items():
                if rid not in old or old[rid][0] != data or old[rid][2] != deleted:
                    if model == "candidates":
                        touched |= {i for i, a in after.items() if a["candidate_id"] == rid}
                    else:
                        touched.add(parent)
                if model == "candidates" and rid in old and old[rid][1] != new[rid][1]:
                    seen_kinds.add("tag change")

        got = {a["id"] for a in world.walk(PATH, updated_after=to_wire(since), include_deleted="true")}
        assert got == own_changed | touched
        # changed_at moves exactly for the applications whose own fields changed.
        assert {i for i, a in after.items() if a["changed_at"] > to_wire(since)} == own_changed
        # Deleted ones are hidden unless asked for.
        live = {a["id"] for a in world.walk(PATH)}
        assert live == {i for i, a in after.items() if a["remote_deleted_at"] is None}

        for i, a in after.items():
            b = before.get(i)
            if b is None:
                seen_kinds.add("new application")
                continue
            if a["remote_deleted_at"] and not b["remote_deleted_at"]:
                seen_kinds.add("deleted application")
            if b["remote_deleted_at"] and not a["remote_deleted_at"]:
                seen_kinds.add("reappeared application")
            if a["current_stage_id"] != b["current_stage_id"]:
                seen_kinds.add("stage move")
            if a["outcome"] != b["outcome"]:
                seen_kinds.add(f"outcome {a['outcome']}")
            if len(a["interviews"]) > len(b["interviews"]):
                seen_kinds.add("interview added")
            if any(x["canceled"] for x in a["interviews"]) > any(x["canceled"] for x in b["interviews"]):
                seen_kinds.add("interview canceled")
            if a["candidate"] and b["candidate"] and own_candidate(a) != own_candidate(b):
                seen_kinds.add("candidate edit")
            tags_differ = a["candidate"] and b["candidate"] and a["candidate"]["tags"] != b["candidate"]["tags"]
            if tags_differ and i not in got:
                seen_kinds.add("tag change not in updated_after")
    expected_kinds = {
        "new application",
        "deleted application",
        "stage move",
        "outcome DECLINED",
        "outcome HIRED",
        "interview added",
        "interview canceled",
        "candidate edit",
        "tag change",
        "tag change not in updated_after",
    }
    assert expected_kinds <= seen_kinds, expected_kinds - seen_kinds


def own_candidate(app: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in app["candidate"].items() if k != "tags"}


def test_reappearing_records_are_undeleted(engine: Engine, server: Server) -> None:
    tenant = make_tenant(engine)
    iid = create_sandbox(engine, tenant, applications=150)
    world = World(server, tenant, iid)
    SyncEngine(engine).run(iid)
    ever_deleted: set[str] = set()
    revived: set[str] = set()
    for _ in range(8):
        advance(engine, iid)
        SyncEngine(engine).run(iid)
        current = {a["id"]: a for a in world.walk(PATH, include_deleted="true")}
        revived |= {i for i in ever_deleted if current[i]["remote_deleted_at"] is None}
        ever_deleted |= {i for i, a in current.items() if a["remote_deleted_at"]}
    assert ever_deleted and revived


def test_a_walk_across_a_sync_sees_every_unchanged_record_exactly_once(engine: Engine, world: World) -> None:
    """Keyset pages on an immutable order: records that a sync between two pages did not change
    (or delete) are all returned, none twice, whatever the sync inserted or updated meanwhile."""
    start = {a["id"]: a for a in world.walk(PATH, include_deleted="true")}
    first = world.get(PATH, {"page_size": 40, "include_deleted": "true"}).json()["data"]
    seen = [a["id"] for a in first["results"]]
    advance(engine, world.integration_id)
    advance(engine, world.integration_id)
    assert SyncEngine(engine).run(world.integration_id).state == SyncState.SUCCEEDED
    cursor = first["next"]
    while cursor:
        page = world.get(PATH, {"page_size": 40, "include_deleted": "true", "cursor": cursor}).json()["data"]
        seen.extend(a["id"] for a in page["results"])
        cursor = page["next"]
    after = {a["id"]: a for a in world.walk(PATH, include_deleted="true")}
    unchanged = {i for i, a in start.items() if after[i]["changed_at"] == a["changed_at"]}
    assert len(unchanged) < len(start)  # the sync did change some
    assert len(seen) == len(set(seen))
    assert unchanged <= set(seen)
    assert set(start) <= set(seen)  # changed ones keep their place too: nothing moves behind the cursor
