"""The change outbox and GET /v1/changes: every committed change once, in commit order, nothing
uncommitted -- on both databases, under concurrent writers.

Expected sets come from the stored rows before and after (which records' `updated_at` moved, which
got `remote_deleted_at`), never from the outbox's own bookkeeping.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, event

from hirebridge.model import SyncKind
from hirebridge.store import changes
from hirebridge.store.db import read_tx, write_tx
from hirebridge.store.sync_runs import SyncState
from hirebridge.sync.engine import SyncEngine
from hirebridge.timefmt import utc_now
from tests.conftest import Server, create_sandbox
from tests.support import World, advance, stored, synced_world

MODELS = ("applications", "candidates", "jobs", "interviews", "offers", "tags", "users", "attachments")


def feed(world: World, after: int | str, page_size: int = 1000) -> dict[str, Any]:
    response = world.get("/changes", {"after": after, "page_size": page_size})
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def follow(world: World, after: int, page_size: int = 7) -> tuple[list[dict[str, Any]], int]:
    """Every change after `after`, page by page as a client would read them; and the final `next`."""
    results: list[dict[str, Any]] = []
    while True:
        page = feed(world, after, page_size)
        results.extend(page["results"])
        assert page["next"] >= after
        after = page["next"]
        if not page["has_more"]:
            return results, after


def by_model(results: list[dict[str, Any]], key: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for entry in results:
        out.setdefault(entry["model"], set()).update(entry[key])
    return out


@pytest.fixture
def world(engine: Engine, server: Server) -> World:
    return synced_world(engine, server, applications=40)


def test_the_first_sync_announces_every_record_once(engine: Engine, world: World) -> None:
    results, _ = follow(world, 0)
    seqs = [entry["seq"] for entry in results]
    assert seqs == sorted(set(seqs))  # commit order, no entry twice
    announced = by_model(results, "changed_ids")
    for model in MODELS:
        live = {i for i, row in stored(engine, model, world.integration_id).items() if row.remote_deleted_at is None}
        assert live and announced[model] == live, model
    assert all(entry["deleted_ids"] == [] for entry in results)


def test_a_later_sync_announces_exactly_what_moved(engine: Engine, world: World) -> None:
    _, position = follow(world, 0)
    before = {model: stored(engine, model, world.integration_id) for model in MODELS}
    advance(engine, world.integration_id, 3)
    assert SyncEngine(engine).run(world.integration_id, SyncKind.FULL).state == SyncState.SUCCEEDED
    results, _ = follow(world, position)
    changed, deleted = by_model(results, "changed_ids"), by_model(results, "deleted_ids")
    moved_any = False
    for model in MODELS:
        after = stored(engine, model, world.integration_id)
        expected_deleted = {
            i
            for i, row in after.items()
            if row.remote_deleted_at is not None and before[model][i].remote_deleted_at is None
        }
        moved = {
            i for i, row in after.items() if i not in before[model] or row.updated_at != before[model][i].updated_at
        }
        # A record can change in one transaction and be deleted in a later one (the FULL run's sweep
        # at its end): the feed then lists it in both, in that order.
        assert deleted.get(model, set()) == expected_deleted, model
        assert changed.get(model, set()) | expected_deleted == moved, model
        moved_any = moved_any or bool(moved)
    assert moved_any  # the sandbox's steps did change something


def test_an_unchanged_sync_announces_nothing(engine: Engine, world: World) -> None:
    _, position = follow(world, 0)
    assert SyncEngine(engine).run(world.integration_id, SyncKind.FULL).state == SyncState.SUCCEEDED
    page = feed(world, position)
    assert page["results"] == [] and page["has_more"] is False and page["next"] == position


def test_latest_starts_from_now(engine: Engine, world: World) -> None:
    page = feed(world, "latest")
    assert page["results"] == [] and page["has_more"] is False
    with read_tx(engine) as conn:
        assert page["next"] == changes.last_seq(conn) > 0
    advance(engine, world.integration_id)
    assert SyncEngine(engine).run(world.integration_id).state == SyncState.SUCCEEDED
    results, _ = follow(world, page["next"])
    assert results and all(entry["seq"] > page["next"] for entry in results)


def test_other_integrations_changes_are_not_shown_but_skipped(engine: Engine, world: World) -> None:
    _, position = follow(world, 0)
    other = create_sandbox(engine, world.tenant, applications=5)
    assert SyncEngine(engine).run(other).state == SyncState.SUCCEEDED
    page = feed(world, position)
    assert page["results"] == []
    with read_tx(engine) as conn:
        head = changes.last_seq(conn)
        assert changes.after(conn, position, 10, other)  # the other integration did change
    assert page["next"] == head > position  # nothing of ours up to the head: the client moves past it


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"after": "-1"}, "'after' must be a non-negative integer or 'latest'"),
        ({"after": "soon"}, "'after' must be a non-negative integer or 'latest'"),
        ({"page_size": "0"}, "'page_size' must be between 1 and 1000"),
        ({"page_size": "1001"}, "'page_size' must be between 1 and 1000"),
    ],
)
def test_bad_parameters_are_refused(world: World, params: dict[str, str], message: str) -> None:
    response = world.get("/changes", params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "PLATFORM.INPUT_INVALID" and message in error["message"]


def test_callers_are_checked(world: World) -> None:
    assert world.get("/changes", None, Authorization="Bearer hb_nope").status_code == 401
    missing = world.get("/changes", None, Authorization=f"Bearer {world.tenant.api_key}")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "PLATFORM.INTEGRATION_NOT_FOUND"


def test_a_transaction_that_fails_announces_nothing(engine: Engine, world: World) -> None:
    """Notes of a rolled-back transaction are dropped, and do not leak into the next transaction
    that gets the same pooled connection."""
    _, position = follow(world, 0)
    with pytest.raises(RuntimeError), write_tx(engine) as conn:
        changes.note(conn, world.integration_id, "applications", changed=["not-committed"])
        raise RuntimeError("the page failed")
    for _ in range(3):  # whichever pooled connection the next transactions get
        with write_tx(engine):
            pass
    with read_tx(engine) as conn:
        assert changes.after(conn, position, 10) == []


def test_a_failed_sync_page_announces_nothing(engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sync engine's page transaction fails after its rows were written: neither rows nor
    announcements are committed."""
    from hirebridge.store import sync_runs

    _, position = follow(world, 0)
    advance(engine, world.integration_id, 2)

    def failing_save_stats(*_args: Any) -> None:
        raise RuntimeError("the database went away mid-page")

    monkeypatch.setattr(sync_runs, "save_stats", failing_save_stats)
    before = stored(engine, "applications", world.integration_id)
    result = SyncEngine(engine).run(world.integration_id, SyncKind.FULL)
    assert result.state == SyncState.FAILED
    assert stored(engine, "applications", world.integration_id).keys() == before.keys()
    with read_tx(engine) as conn:
        assert changes.after(conn, position, 10) == []


@pytest.fixture
def slow_commits(engine: Engine) -> Iterator[threading.Event]:
    """While set, every COMMIT of `engine` waits 0-30 ms first: a transaction that has taken its
    outbox seq stays uncommitted while others run (and, without the outbox's lock, would commit after
    a later seq)."""
    slow = threading.Event()
    jitter = random.Random(14)

    def before_commit(_conn: Any) -> None:
        if slow.is_set():
            threading.Event().wait(jitter.uniform(0, 0.03))

    event.listen(engine, "commit", before_commit)
    yield slow
    event.remove(engine, "commit", before_commit)


def test_seq_follows_commit_order(engine: Engine, world: World) -> None:
    """A transaction that notes changes after another one took its seq waits for that one's
    commit: seqs are never committed out of order."""
    took_seq = threading.Event()
    release = threading.Event()
    order: list[str] = []

    def first() -> None:
        with write_tx(engine) as conn:
            changes.note(conn, world.integration_id, "tags", changed=["first"])
            changes.flush(conn)  # what write_tx does before COMMIT: the seq is taken
            took_seq.set()
            release.wait(10)
            order.append("first")

    def second() -> None:
        took_seq.wait(10)
        with write_tx(engine) as conn:
            changes.note(conn, world.integration_id, "tags", changed=["second"])
        order.append("second")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    took_seq.wait(10)
    threads[1].join(0.5)
    assert threads[1].is_alive()  # blocked behind the first transaction, not committed before it
    release.set()
    for thread in threads:
        thread.join(10)
    assert order == ["first", "second"]
    with read_tx(engine) as conn:
        last = [c for c in changes.after(conn, 0, 100_000) if c.model == "tags"][-2:]
    assert [c.changed_ids for c in last] == [("first",), ("second",)] and last[0].seq < last[1].seq


def test_a_change_committed_between_the_head_and_the_page_is_not_read_twice(engine: Engine, world: World) -> None:
    """The feed reads the outbox's head, then the page. A change committed in between (on PostgreSQL
    the page's statement sees it, READ COMMITTED) is in the page, and `next` must be past it."""
    _, position = follow(world, 0)
    outbox_reads = 0

    def commit_a_change_before_the_page(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        nonlocal outbox_reads
        if "FROM changes" in statement and "max(" not in statement.lower():
            outbox_reads += 1
            if outbox_reads == 1:  # the page's query, after the head's: another writer commits now
                with write_tx(engine) as other:
                    changes.note(other, world.integration_id, "tags", changed=["between"])

    event.listen(engine, "before_cursor_execute", commit_a_change_before_the_page)
    try:
        page = feed(world, position)
    finally:
        event.remove(engine, "before_cursor_execute", commit_a_change_before_the_page)
    assert outbox_reads == 1
    read = [entry["seq"] for entry in page["results"]]
    with read_tx(engine) as conn:
        (between,) = [c.seq for c in changes.after(conn, position, 10, world.integration_id)]
    if read:  # PostgreSQL: the page saw it; SQLite's one snapshot did not, and reads it next time
        assert read == [between] and page["next"] >= between
    else:
        assert page["next"] < between
    again = feed(world, page["next"])
    assert [entry["seq"] for entry in again["results"]] == ([] if read else [between])


@pytest.mark.serial
def test_a_reader_following_concurrent_syncs_misses_nothing(
    engine: Engine, world: World, slow_commits: threading.Event
) -> None:
    """Three integrations sync at once (slow commits widen the window between taking a seq and
    committing) while a client follows each one's feed: every change is read exactly once, in order."""
    others = [create_sandbox(engine, world.tenant, applications=30) for _ in range(2)]
    worlds = [world, *(World(world.server, world.tenant, other) for other in others)]
    start = {w.integration_id: follow(w, 0)[1] for w in worlds}
    positions = dict(start)
    for w in worlds:
        advance(engine, w.integration_id, 2)
    seen: dict[str, list[int]] = {w.integration_id: [] for w in worlds}
    done = threading.Event()

    def read_page(w: World) -> bool:
        page = feed(w, positions[w.integration_id], 5)
        seen[w.integration_id].extend(entry["seq"] for entry in page["results"])
        positions[w.integration_id] = page["next"]
        return bool(page["has_more"])

    def reader() -> None:
        while not done.is_set():
            for w in worlds:
                read_page(w)
        for w in worlds:  # the syncs are over: read to the end
            while read_page(w):
                pass

    slow_commits.set()
    syncs = [
        threading.Thread(target=lambda i=w.integration_id: SyncEngine(engine).run(i, SyncKind.FULL)) for w in worlds
    ]
    follower = threading.Thread(target=reader)
    follower.start()
    for thread in syncs:
        thread.start()
    for thread in syncs:
        thread.join(300)
    slow_commits.clear()
    done.set()
    follower.join(120)
    for w in worlds:
        with read_tx(engine) as conn:
            committed = [c.seq for c in changes.after(conn, start[w.integration_id], 1_000_000, w.integration_id)]
        assert committed, w.integration_id  # the sandbox's steps changed something
        assert seen[w.integration_id] == committed


def test_outbox_rows_carry_their_commit_time(engine: Engine, world: World) -> None:
    started = utc_now()
    advance(engine, world.integration_id)
    assert SyncEngine(engine).run(world.integration_id).state == SyncState.SUCCEEDED
    with read_tx(engine) as conn:
        recent = [c for c in changes.after(conn, 0, 100_000, world.integration_id) if c.committed_at >= started]
    assert recent
    results = feed(world, recent[0].seq - 1)["results"]
    assert results[0]["committed_at"].endswith("Z") and results[0]["seq"] == recent[0].seq


def test_unknown_models_or_ids_never_reach_the_feed_of_another_integration(engine: Engine, world: World) -> None:
    other = create_sandbox(engine, world.tenant, applications=3)
    with write_tx(engine) as conn:
        changes.note(conn, other, "applications", changed=["theirs"])
    everything, _ = follow(world, 0)
    assert all("theirs" not in entry["changed_ids"] for entry in everything)
    response = httpx.get(
        f"{world.server.base_url}/changes",
        headers={"Authorization": f"Bearer {world.tenant.api_key}", "X-Integration-Id": other},
    )
    assert any("theirs" in entry["changed_ids"] for entry in response.json()["data"]["results"])


def test_pruned_changes_are_refused_not_skipped(engine: Engine, world: World) -> None:
    """Rows past the retention period go once data-changed announced them; a client whose position
    is older than what was pruned is told to re-read, never silently skips changes."""
    from datetime import timedelta

    from hirebridge.config import Settings
    from hirebridge.jobs.schedule import prune_changes
    from hirebridge.store import events

    _, head = follow(world, 0)
    later = utc_now() + timedelta(days=15)  # everything is past the default 14 days by then
    assert prune_changes(engine, later, Settings()) == 0  # nothing announced yet: nothing pruned
    with write_tx(engine) as conn:
        events.announce_changes(conn)
    assert prune_changes(engine, later, Settings()) > 0
    refused = world.get("/changes", {"after": 0})
    assert refused.status_code == 400
    assert "no longer kept" in refused.json()["error"]["message"]
    assert feed(world, head)["results"] == []  # a client that had read everything goes on
    advance(engine, world.integration_id)
    assert SyncEngine(engine).run(world.integration_id).state == SyncState.SUCCEEDED
    assert feed(world, head)["results"]
