"""`updated_after` on every endpoint follows Kombo's nested-change table, step after step.

For each endpoint the expected set is computed from API snapshots before and after a sync (own fields,
embedded id lists) and from the stored content of linked records -- never from the engine's
`updated_at` bookkeeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine

from hirebridge.store.sync_runs import SyncState
from hirebridge.sync.engine import SyncEngine
from hirebridge.timefmt import to_wire, utc_now
from tests.conftest import Server
from tests.support import World, advance, stored, synced_world

Snapshot = dict[str, dict[str, Any]]
# (before, after, changed linked records by model) -> ids expected beyond own changes
Rule = Callable[[Snapshot, Snapshot, dict[str, set[str]]], set[str]]


def ids_of(item: dict[str, Any], key: str) -> set[str]:
    return {x["id"] for x in item.get(key) or []}


def list_changed(key: str) -> Rule:
    """Added/removed: the embedded list `key` gained or lost an entry."""
    return lambda before, after, _changed: {
        i for i, a in after.items() if i in before and ids_of(a, key) != ids_of(before[i], key)
    }


def entries_changed(key: str, model: str) -> Rule:
    """Linked: an entry of the embedded list `key` changed its own fields (or was deleted)."""
    return lambda before, after, changed: {
        i for i, a in after.items() if (ids_of(a, key) | ids_of(before.get(i, {}), key)) & changed[model]
    }


def linked(key: str, model: str) -> Rule:
    """Linked single record: the record `item[key]` points to changed."""
    return lambda _before, after, changed: {i for i, a in after.items() if a.get(key) in changed[model]}


# path -> (embedded keys that are not own fields, rules)
ENDPOINTS: dict[str, tuple[tuple[str, ...], tuple[Rule, ...]]] = {
    "/ats/applications": (
        ("candidate", "current_stage", "job", "interviews", "offers"),
        (
            linked("candidate_id", "candidates"),
            list_changed("interviews"),
            entries_changed("interviews", "interviews"),
            list_changed("offers"),
            entries_changed("offers", "offers"),
        ),
    ),
    "/ats/candidates": (
        ("applications", "tags"),
        (list_changed("applications"), entries_changed("applications", "applications"), list_changed("tags")),
    ),
    "/ats/jobs": (
        ("stages", "screening_questions", "job_postings", "hiring_team"),
        (
            list_changed("stages"),
            list_changed("screening_questions"),
            entries_changed("screening_questions", "screening_questions"),
            list_changed("job_postings"),
            entries_changed("job_postings", "job_postings"),
            list_changed("hiring_team"),
        ),
    ),
    "/ats/offers": (("application",), (linked("application_id", "applications"),)),
    "/ats/interviews": (("application", "users"), (linked("application_id", "applications"), list_changed("users"))),
    "/ats/users": ((), ()),
    "/ats/tags": ((), ()),
    "/ats/application-stages": ((), ()),
    "/ats/notes": (("author",), ()),
    "/ats/scorecards": (("author",), ()),
    "/ats/attachments": ((), ()),
}
LINKED_MODELS = ("candidates", "interviews", "offers", "applications", "screening_questions", "job_postings")


def changed_records(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    """Stored records whose own content or existence changed."""
    return {
        i
        for i, row in after.items()
        if i not in before
        or before[i].data != row.data
        or (before[i].remote_deleted_at is None) != (row.remote_deleted_at is None)
    }


@pytest.fixture
def world(engine: Engine, server: Server) -> World:
    return synced_world(engine, server, applications=150)


def test_updated_after_follows_the_nested_change_table_on_every_endpoint(engine: Engine, world: World) -> None:
    iid = world.integration_id
    nonempty: dict[str, int] = dict.fromkeys(ENDPOINTS, 0)
    for _step in range(3):
        before = {p: {x["id"]: x for x in world.walk(p, include_deleted="true")} for p in ENDPOINTS}
        rows_before = {m: stored(engine, m, iid) for m in LINKED_MODELS}
        advance(engine, iid)
        time.sleep(0.002)
        since = utc_now()
        time.sleep(0.002)
        assert SyncEngine(engine).run(iid).state == SyncState.SUCCEEDED
        rows_after = {m: stored(engine, m, iid) for m in LINKED_MODELS}
        changed = {m: changed_records(rows_before[m], rows_after[m]) for m in LINKED_MODELS}
        for path, (embeds, rules) in ENDPOINTS.items():
            after = {x["id"]: x for x in world.walk(path, include_deleted="true")}
            prior = before[path]

            def own(item: dict[str, Any], embeds: tuple[str, ...] = embeds) -> dict[str, Any]:
                return {k: v for k, v in item.items() if k not in embeds and k != "changed_at"}

            own_changed = {i for i, a in after.items() if i not in prior or own(prior[i]) != own(a)}
            expected = set(own_changed)
            for rule in rules:
                expected |= rule(prior, after, changed)
            got = {x["id"] for x in world.walk(path, updated_after=to_wire(since), include_deleted="true")}
            assert got == expected, (path, sorted(got - expected)[:3], sorted(expected - got)[:3])
            assert {i for i, a in after.items() if a["changed_at"] > to_wire(since)} == own_changed, path
            nonempty[path] += len(got)
    # Every endpoint saw changes, so the assertions above were not vacuous (the sandbox's tag
    # vocabulary is fixed: tags change only on candidates, which the candidates rules cover).
    assert all(count for path, count in nonempty.items() if path != "/ats/tags"), nonempty
