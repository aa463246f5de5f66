"""The sync engine against a scripted source: identify, diff, change tracking, deletions, failures."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from sqlalchemy import Connection, Engine, select

from hirebridge import ids
from hirebridge.config import Settings
from hirebridge.connectors.base import FetchContext, Stream
from hirebridge.model import Application, Candidate, Interview, Offer, SyncKind, Tag
from hirebridge.store import sync_runs, tenancy
from hirebridge.store.db import read_tx, write_tx
from hirebridge.store.sync_runs import SyncState
from hirebridge.store.tables import SYNCED_TABLES
from hirebridge.sync import diff
from hirebridge.sync.engine import SyncAlreadyRunning, SyncEngine, SyncResult
from hirebridge.timefmt import utc_now
from tests.conftest import create_sandbox, make_tenant
from tests.sources import ScriptedSource, SourceOutage, small_world


@pytest.fixture
def integration_id(engine: Engine) -> str:
    return create_sandbox(engine, make_tenant(engine))


def run(engine: Engine, integration_id: str, src: ScriptedSource, kind: SyncKind = SyncKind.FULL) -> SyncResult:
    time.sleep(0.002)  # timestamps have millisecond precision: keep runs apart
    return SyncEngine(engine).run(integration_id, kind, connector=src)


def rows(engine: Engine, model: str) -> dict[str, Any]:
    table = SYNCED_TABLES[model]
    with read_tx(engine) as conn:
        return {r.remote_id: r for r in conn.execute(select(table))}


def test_first_full_sync_inserts_everything(engine: Engine, integration_id: str) -> None:
    result = run(engine, integration_id, small_world())
    assert result.state == SyncState.SUCCEEDED
    assert result.stats["applications"] == {"inserted": 3, "updated": 0, "deleted": 0, "unchanged": 0}
    apps = rows(engine, "applications")
    assert set(apps) == {"a1", "a2", "a3"}
    a1 = apps["a1"]
    # References resolve to the deterministic ids of the referenced records.
    assert a1.id == ids.record_id(integration_id, "applications", "a1")
    assert a1.candidate_id == ids.record_id(integration_id, "candidates", "c1")
    assert a1.current_stage_id == ids.record_id(integration_id, "application_stages", "s2")
    # a1's interview and offer were added after it (a later stream): that touched a1, not a2.
    assert apps["a2"].changed_at == apps["a2"].updated_at
    assert a1.updated_at > a1.changed_at
    with read_tx(engine) as conn:
        integration = tenancy.get_integration(conn, integration_id)
        assert integration is not None and integration.first_sync_succeeded_at is not None
        [recorded] = sync_runs.list_runs(conn, integration_id)
    assert recorded.state == SyncState.SUCCEEDED and recorded.kind == "FULL"
    assert recorded.stats == result.stats and recorded.ended_at is not None


def test_resync_without_changes_moves_nothing(engine: Engine, integration_id: str) -> None:
    src = small_world()
    run(engine, integration_id, src)
    before = {m: rows(engine, m) for m in ("applications", "candidates", "interviews")}
    result = run(engine, integration_id, src)
    assert result.stats["applications"] == {"inserted": 0, "updated": 0, "deleted": 0, "unchanged": 3}
    for model, old in before.items():
        new = rows(engine, model)
        for remote_id, row in old.items():
            assert (new[remote_id].changed_at, new[remote_id].updated_at) == (row.changed_at, row.updated_at)


def test_candidate_edit_moves_its_changed_at_and_its_applications_updated_at(
    engine: Engine, integration_id: str
) -> None:
    src = small_world()
    run(engine, integration_id, src)
    before_apps, before_cands = rows(engine, "applications"), rows(engine, "candidates")
    src.put(dataclasses.replace(src.get(Candidate, "c1"), last_name="King"))
    run(engine, integration_id, src)
    apps, cands = rows(engine, "applications"), rows(engine, "candidates")
    assert cands["c1"].changed_at > before_cands["c1"].changed_at
    assert cands["c2"].changed_at == before_cands["c2"].changed_at
    # applications: candidate is a "linked" record -> updated_at moves, own changed_at does not.
    assert apps["a1"].updated_at > before_apps["a1"].updated_at
    assert apps["a1"].changed_at == before_apps["a1"].changed_at
    assert apps["a2"].updated_at == before_apps["a2"].updated_at


def test_tag_change_touches_the_candidate_only(engine: Engine, integration_id: str) -> None:
    src = small_world()
    run(engine, integration_id, src)
    before_apps, before_cands = rows(engine, "applications"), rows(engine, "candidates")
    c1 = src.get(Candidate, "c1")
    assert isinstance(c1, Candidate)
    src.put(dataclasses.replace(c1, tag_remote_ids=("t1", "t2")))
    result = run(engine, integration_id, src)
    assert result.stats["candidates"]["updated"] == 1
    apps, cands = rows(engine, "applications"), rows(engine, "candidates")
    # Tags are links, not own fields: candidates' changed_at stays, updated_at moves (added/removed: yes).
    assert cands["c1"].changed_at == before_cands["c1"].changed_at
    assert cands["c1"].updated_at > before_cands["c1"].updated_at
    # applications: candidate -> tags is "no".
    assert apps["a1"].updated_at == before_apps["a1"].updated_at


def test_stage_move_changes_the_application_itself(engine: Engine, integration_id: str) -> None:
    src = small_world()
    run(engine, integration_id, src)
    before = rows(engine, "applications")
    a2 = src.get(Application, "a2")
    src.put(dataclasses.replace(a2, current_stage_remote_id="s2"))
    run(engine, integration_id, src)
    after = rows(engine, "applications")
    assert after["a2"].changed_at > before["a2"].changed_at
    assert after["a2"].current_stage_id == ids.record_id(integration_id, "application_stages", "s2")
    # The candidate's applications list changed (linked): c2's updated_at moves, its changed_at not.
    cands = rows(engine, "candidates")
    assert cands["c2"].updated_at == after["a2"].changed_at


def test_interviews_and_offers_added_changed_removed_touch_the_application(engine: Engine, integration_id: str) -> None:
    src = small_world()
    run(engine, integration_id, src)
    t1 = rows(engine, "applications")
    src.put(Interview(remote_id="i2", application_remote_id="a2", title="Screen"))
    run(engine, integration_id, src)
    t2 = rows(engine, "applications")
    assert t2["a2"].updated_at > t1["a2"].updated_at and t2["a2"].changed_at == t1["a2"].changed_at
    assert t2["a1"].updated_at == t1["a1"].updated_at

    offer = src.get(Offer, "o1")
    assert isinstance(offer, Offer)
    src.put(dataclasses.replace(offer, status="SENT"))
    run(engine, integration_id, src)
    t3 = rows(engine, "applications")
    assert t3["a1"].updated_at > t2["a1"].updated_at and t3["a1"].changed_at == t1["a1"].changed_at

    src.remove("interviews", "i2")
    result = run(engine, integration_id, src)
    assert result.stats["interviews"]["deleted"] == 1
    t4 = rows(engine, "applications")
    assert rows(engine, "interviews")["i2"].remote_deleted_at is not None
    assert t4["a2"].updated_at > t3["a2"].updated_at


def test_full_sync_marks_missing_records_deleted_and_reappearance_clears_it(
    engine: Engine, integration_id: str
) -> None:
    src = small_world()
    run(engine, integration_id, src)
    a3 = src.get(Application, "a3")
    src.remove("applications", "a3")
    result = run(engine, integration_id, src)
    assert result.stats["applications"]["deleted"] == 1
    deleted = rows(engine, "applications")["a3"]
    assert deleted.remote_deleted_at is not None
    assert deleted.changed_at == deleted.remote_deleted_at == deleted.updated_at

    src.put(a3)
    result = run(engine, integration_id, src)
    assert result.stats["applications"]["updated"] == 1
    back = rows(engine, "applications")["a3"]
    assert back.remote_deleted_at is None and back.changed_at > deleted.changed_at


def test_delta_sync_never_deletes(engine: Engine, integration_id: str) -> None:
    src = small_world()
    run(engine, integration_id, src)
    src.remove("applications", "a3")
    result = run(engine, integration_id, src, SyncKind.DELTA)
    assert result.state == SyncState.SUCCEEDED
    assert rows(engine, "applications")["a3"].remote_deleted_at is None


def test_a_deletion_feed_deletes_in_a_delta_run_and_touches_relatives(engine: Engine, integration_id: str) -> None:
    src = small_world()
    run(engine, integration_id, src)
    before = rows(engine, "applications")
    src.remove("applications", "a1")
    src.feed["applications"] = ["a1", "never-synced"]  # an id we never had is ignored
    result = run(engine, integration_id, src, SyncKind.DELTA)
    assert result.state == SyncState.SUCCEEDED
    assert result.stats["applications"]["deleted"] == 1
    after = rows(engine, "applications")
    assert after["a1"].remote_deleted_at is not None and after["a1"].changed_at > before["a1"].changed_at
    assert after["a2"].remote_deleted_at is None and after["a2"].changed_at == before["a2"].changed_at
    assert set(after) == set(before)  # nothing inserted for the unknown id
    # Kombo's rules: an application's change shows on its candidate.
    assert rows(engine, "candidates")["c1"].updated_at == after["a1"].remote_deleted_at
    # Reported again (feeds overlap): nothing moves a second time.
    again = run(engine, integration_id, src, SyncKind.DELTA)
    assert again.stats["applications"]["deleted"] == 0
    assert rows(engine, "applications")["a1"].changed_at == after["a1"].changed_at


def test_sync_failing_half_way_deletes_nothing_and_keeps_pages_it_wrote(engine: Engine, integration_id: str) -> None:
    src = small_world()
    run(engine, integration_id, src)
    src.remove("applications", "a3")
    src.remove("interviews", "i1")
    src.put(dataclasses.replace(src.get(Candidate, "c2"), first_name="Alan M."))
    src.fail_after = 8  # tags(2) + job + stages(2) + candidates(2) + 1 application, then the outage
    result = run(engine, integration_id, src)
    assert result.state == SyncState.FAILED
    assert result.error is not None and SourceOutage.__name__ in result.error
    assert all(r.remote_deleted_at is None for r in rows(engine, "applications").values())
    assert all(r.remote_deleted_at is None for r in rows(engine, "interviews").values())
    # What was read before the outage is committed (each page is its own transaction).
    assert rows(engine, "candidates")["c2"].data.find("Alan M.") >= 0
    with read_tx(engine) as conn:
        runs = sync_runs.list_runs(conn, integration_id)
    assert [r.state for r in runs] == [SyncState.SUCCEEDED, SyncState.FAILED]
    # The lease was released: the next run can start and now converges.
    src.fail_after = None
    assert run(engine, integration_id, src).stats["applications"]["deleted"] == 1


def test_only_one_sync_per_integration_at_a_time(engine: Engine, integration_id: str) -> None:
    with write_tx(engine) as conn:
        assert sync_runs.acquire_lease(conn, integration_id, "someone-else", utc_now(), 60)
    with pytest.raises(SyncAlreadyRunning):
        run(engine, integration_id, small_world())
    # A lease whose holder stopped renewing it (a dead worker) can be taken over.
    with write_tx(engine) as conn:
        assert not sync_runs.acquire_lease(conn, integration_id, "third", utc_now(), 60)
        from sqlalchemy import update

        from hirebridge.store.tables import integrations

        conn.execute(update(integrations).values(sync_lock_expires_at=utc_now().replace(year=2000)))
    assert run(engine, integration_id, small_world()).state == SyncState.SUCCEEDED


def test_ids_are_stable_across_syncs_and_distinct_across_integrations(engine: Engine) -> None:
    tenant = make_tenant(engine)
    first, second = create_sandbox(engine, tenant), create_sandbox(engine, tenant)
    run(engine, first, small_world())
    ids_before = {r.id for r in rows(engine, "applications").values()}
    run(engine, first, small_world())
    assert {r.id for r in rows(engine, "applications").values()} == ids_before
    run(engine, second, small_world())
    with read_tx(engine) as conn:
        all_ids = conn.execute(select(SYNCED_TABLES["applications"].c.id)).scalars().all()
    assert len(all_ids) == len(set(all_ids)) == 6
    assert all(ids.is_well_formed(i) for i in ids_before)


def test_unsynced_integration_has_no_first_sync(engine: Engine, integration_id: str) -> None:
    with read_tx(engine) as conn:
        integration = tenancy.get_integration(conn, integration_id)
    assert integration is not None and integration.first_sync_succeeded_at is None


def test_checkpoints_commit_stream_state_with_their_page_and_feed_the_next_run(
    engine: Engine, integration_id: str
) -> None:
    src = small_world()
    src.checkpointed = {"applications"}
    run(engine, integration_id, src)
    assert src.contexts["applications"][0].state is None
    with read_tx(engine) as conn:
        assert sync_runs.stream_state(conn, integration_id, "applications") == {"read": 3}
        assert sync_runs.stream_state(conn, integration_id, "candidates") is None
    run(engine, integration_id, src, SyncKind.DELTA)
    assert src.contexts["applications"][1] == FetchContext(SyncKind.DELTA, {"read": 3})


def test_a_failed_run_keeps_the_state_of_its_last_committed_page(engine: Engine, integration_id: str) -> None:
    src = small_world()
    src.checkpointed = {"applications"}
    src.fail_after = 9  # tags(2) + job + stages(2) + candidates(2) + 2 applications, then the outage
    assert run(engine, integration_id, src).state == SyncState.FAILED
    with read_tx(engine) as conn:
        # The state after the second application was committed together with it, not beyond.
        assert sync_runs.stream_state(conn, integration_id, "applications") == {"read": 2}
    assert set(rows(engine, "applications")) == {"a1", "a2"}


class _TagsOnly:
    """A source of one stream of tags, yielded as listed."""

    tool: ClassVar[str] = "sandbox"

    def __init__(self, tags: list[Tag]) -> None:
        self.tags = tags

    def streams(self) -> list[Stream]:
        def fetch(context: FetchContext) -> Iterator[Tag]:
            del context
            yield from self.tags

        return [Stream("tags", fetch)]


@pytest.mark.parametrize("stored_before", [False, True], ids=["new", "stored"])
def test_a_record_listed_twice_in_a_page_is_written_once_as_last_listed(
    engine: Engine, integration_id: str, stored_before: bool
) -> None:
    """Offset paging over data that moves lists a record at the end of one source page and again at
    the start of the next; both land in one page of the engine's (here: pages of 4)."""
    engine_settings = Settings(sync_page_size=4)
    if stored_before:
        first = [Tag(remote_id=f"t{n}", name=f"Tag {n}") for n in range(4)]
        assert SyncEngine(engine, engine_settings).run(integration_id, connector=_TagsOnly(first)).state == (
            SyncState.SUCCEEDED
        )
    listed = [Tag(remote_id="t0", name="Tag 0"), Tag(remote_id="t1", name="Tag 1 (old read)")]
    listed += [Tag(remote_id="t1", name="Tag 1"), Tag(remote_id="t2", name="Tag 2"), Tag(remote_id="t3", name="Tag 3")]
    result = SyncEngine(engine, engine_settings).run(integration_id, connector=_TagsOnly(listed))
    assert result.state == SyncState.SUCCEEDED, result.error
    stored = rows(engine, "tags")
    assert sorted(stored) == ["t0", "t1", "t2", "t3"]
    assert json.loads(stored["t1"].data)["name"] == "Tag 1"
    counts = result.stats["tags"]
    assert counts["inserted"] + counts["updated"] + counts["unchanged"] == 4, counts


def test_a_page_that_fails_to_write_fails_the_run_and_no_later_page_commits(
    engine: Engine, integration_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On PostgreSQL pages are written by a thread of their own while the next page is read and
    # normalized, so the source goes on past a page whose write fails: the pages after it must not
    # commit. Pages of 2: (t0, t1), (t2, t3) -- whose write the database refuses --, (t4, t5).
    tags = [Tag(remote_id=f"t{n}", name=f"Tag {n}") for n in range(6)]
    write_page = diff.write_page

    def refusing(conn: Connection, model: str, integration: str, run_id: str, page: Any, now: Any) -> Any:
        if any(row.remote_id == "t2" for row in page):
            conn.exec_driver_sql("INSERT INTO tags (pk) VALUES (NULL)")  # NOT NULL columns: refused
        return write_page(conn, model, integration, run_id, page, now)

    monkeypatch.setattr(diff, "write_page", refusing)
    time.sleep(0.002)
    result = SyncEngine(engine, Settings(sync_page_size=2)).run(integration_id, connector=_TagsOnly(tags))
    assert result.state == SyncState.FAILED
    assert result.error is not None and "IntegrityError" in result.error, result.error
    assert set(rows(engine, "tags")) == {"t0", "t1"}
    with read_tx(engine) as conn:
        [recorded] = sync_runs.list_runs(conn, integration_id)
    assert recorded.state == SyncState.FAILED and recorded.stats["tags"]["inserted"] == 2
