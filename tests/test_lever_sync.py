"""Real syncs of the Lever connector against the Lever emulator, on SQLite and PostgreSQL.

The source's state in unified form ("expected") is the emulator's data put through the mapping
functions (tested on the vendor's fixtures in test_lever_mapping.py) and the engine's normalizer;
the synced state is read back from the store and through the API (every page validated against
Kombo's contract).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from hirebridge import ids
from hirebridge.connectors.lever import mapping
from hirebridge.model import SyncKind
from hirebridge.model.records import Record
from hirebridge.store import sync_runs, tenancy
from hirebridge.store.db import read_tx, write_tx
from hirebridge.store.records import Row
from hirebridge.store.sync_runs import SyncState
from hirebridge.store.tables import attachment_contents
from hirebridge.sync.engine import SyncEngine, SyncResult
from hirebridge.sync.normalize import normalize
from hirebridge.timefmt import to_wire, utc_now
from tests.conftest import Server, make_tenant
from tests.emulators.harness import Fault
from tests.emulators.lever import HIRED_REASON, LeverEmulator
from tests.support import API_PATHS as API_PATHS_ALL
from tests.support import World, sdk_client, stored

KEY = "lever-test-key"
MODELS = (
    "users",
    "tags",
    "rejection_reasons",
    "jobs",
    "application_stages",
    "candidates",
    "applications",
    "interviews",
    "offers",
    "notes",
    "scorecards",
    "attachments",
)
API_PATHS = {m: API_PATHS_ALL[m] for m in MODELS if m in API_PATHS_ALL}
# Unified fields a Kombo listing does not show (a stage's job and position; an attachment's type is
# served with its bytes).
NOT_LISTED = {"application_stages": ("index", "job_id"), "attachments": ("content_type",)}
# Fast settings for tests of data and faults: a generous rate (the emulator meters the same) and
# short timeouts and retry delays, so a fault costs milliseconds. No re-read of the children of
# unchanged opportunities: the DELTA tests here count the child requests of changed ones exactly
# (the re-read has tests of its own, tests/test_child_refresh.py).
FAST = {
    "requests_per_second": 5000,
    "burst": 5000,
    "timeout": 0.5,
    "retry_attempts": 4,
    "retry_base_delay": 0.01,
    "retry_max_delay": 0.05,
    "child_refresh_parts": 0,
}


@dataclass
class Setup:
    engine: Engine
    emu: LeverEmulator
    url: str
    integration_id: str
    tenant: Any

    def sync(self, kind: SyncKind = SyncKind.FULL) -> SyncResult:
        return SyncEngine(self.engine).run(self.integration_id, kind)


@contextmanager
def lever(engine: Engine, *, opportunities: int, fast: bool = True, **config: Any) -> Iterator[Setup]:
    emu = LeverEmulator(
        seed=7, opportunities=opportunities, api_key=KEY, rate=5000 if fast else 10, burst=5000 if fast else 20
    )
    with emu.running() as url:
        tenant = make_tenant(engine)
        settings = {"api_key": KEY, "base_url": url, **(FAST if fast else {}), **config}
        with write_tx(engine) as conn:
            integration = tenancy.create_integration(conn, tenant.environment, "lever", settings)
        yield Setup(engine, emu, url, integration.id, tenant)


# --- the source in unified form ---------------------------------------------------------------------


def expected_records(emu: LeverEmulator) -> dict[str, list[Record]]:
    reasons = {r["id"]: r for r in emu.archive_reasons()}
    opportunities = [emu.render_opportunity(oid) for oid in sorted(emu.opportunities)]
    by_contact: dict[str, list[dict[str, Any]]] = {}
    for o in opportunities:
        by_contact.setdefault(o["contact"], []).append(o)
    out: dict[str, list[Record]] = {m: [] for m in MODELS}
    out["users"] = [mapping.map_user(u) for u in emu.users.values()]
    out["tags"] = [mapping.map_tag(t) for t in emu.tags()]
    out["rejection_reasons"] = [mapping.map_rejection_reason(r) for r in emu.archive_reasons()]
    out["jobs"] = [mapping.map_job(p) for p in emu.postings.values()]
    out["application_stages"] = [s for p in emu.postings for s in mapping.map_stages(p, emu.stages())]
    out["candidates"] = [mapping.candidate_from_opportunities(os) for os in by_contact.values()]
    out["applications"] = [mapping.map_application(o, reasons) for o in opportunities]
    for o in opportunities:
        oid, contact, posting = o["id"], o["contact"], mapping.posting_of(o)
        kids = emu.children[oid]
        out["interviews"] += [mapping.map_interview(i, oid, posting) for i in kids["interviews"]]
        out["offers"] += [mapping.map_offer(i, oid) for i in kids["offers"]]
        children: list[Record | None] = [mapping.map_note(i, oid, contact) for i in kids["notes"]]
        children += [mapping.map_feedback(i, oid, contact) for i in kids["feedback"]]
        children += [mapping.map_file(i, oid, contact) for i in kids["files"]]
        children += [mapping.map_resume(i, oid, contact) for i in kids["resumes"]]
        for record in children:
            if record is not None:
                out[record.MODEL].append(record)
    return out


def expected(emu: LeverEmulator, integration_id: str) -> dict[str, dict[str, Row]]:
    return {
        model: {r.remote_id: normalize(integration_id, r) for r in records}
        for model, records in expected_records(emu).items()
    }


Stored = dict[str, dict[str, tuple[Any, Any, Any, bool]]]


def snapshot(engine: Engine, integration_id: str) -> Stored:
    """model -> remote id -> (own data, links, remote_data, deleted?) as stored."""
    out: Stored = {}
    for model in MODELS:
        out[model] = {
            r.remote_id: (json.loads(r.data), json.loads(r.links), json.loads(r.remote_data or "null"),
                          r.remote_deleted_at is not None)
            for r in stored(engine, model, integration_id).values()
        }  # fmt: skip
    return out


def assert_mirrors(s: Setup) -> None:
    """The store holds exactly the source: every live record equal to its unified form (own fields,
    links and raw payload), nothing else live."""
    want = expected(s.emu, s.integration_id)
    have = snapshot(s.engine, s.integration_id)
    for model in MODELS:
        live = {rid: v for rid, v in have[model].items() if not v[3]}
        assert set(live) == set(want[model]), model
        for rid, row in want[model].items():
            data, links, remote, _ = live[rid]
            assert (data, links) == (row.data, json.loads(row.links_json)), (model, rid)
            assert remote == json.loads(row.remote_data_json or "null"), (model, rid)


def world(s: Setup, server: Server) -> World:
    return World(server, s.tenant, s.integration_id)


# --- full sync ----------------------------------------------------------------------------------------


def test_full_sync_mirrors_the_source_and_a_second_full_changes_nothing(engine: Engine, server: Server) -> None:
    with lever(engine, opportunities=200) as s:
        result = s.sync()
        assert result.state == SyncState.SUCCEEDED, result.error
        assert_mirrors(s)
        want = expected(s.emu, s.integration_id)
        assert sum(len(v) for v in want.values()) > 2000  # a few thousand records
        # The source has confidential postings and opportunities, and we have them.
        confidential = [o for o in s.emu.opportunities.values() if o["confidentiality"] == "confidential"]
        assert confidential and all(o["id"] in want["applications"] for o in confidential)
        assert any(p["confidentiality"] == "confidential" for p in s.emu.postings.values())
        for r in s.emu.requests_to("/opportunities") + s.emu.requests_to("/postings"):
            assert r.query.get("confidentiality") == "all", r
        # Every outcome and both archive shapes occur in the source.
        outcomes = {json.loads(r.data_json)["outcome"] for r in want["applications"].values()}
        assert outcomes == {"PENDING", "HIRED", "DECLINED"}
        assert any("archiveReason" in o for o in s.emu.opportunities.values())
        assert any(json.loads(r.data_json)["screening_question_answers"] for r in want["applications"].values())

        # Through the API: exactly the source's records, each page valid per Kombo's contract.
        w = world(s, server)
        for model, path in API_PATHS.items():
            items = w.walk(path, page_size=250)
            assert {i["remote_id"] for i in items} == set(want[model]), model
            for item in items:
                row = want[model][item["remote_id"]]
                assert item["id"] == row.id
                # Every unified field of the record, as the API renders it.
                fields = {k: v for k, v in row.data.items() if k not in NOT_LISTED.get(model, ())}
                assert {k: item.get(k, "<missing>") for k in fields} == fields, (model, item["remote_id"])
        # The official SDK reads the same applications.
        page = sdk_client(w).ats.get_applications(page_size=250)
        assert page is not None
        sdk_ids = {a.remote_id for a in page.result.data.results}
        assert sdk_ids <= set(want["applications"]) and len(sdk_ids) == min(250, len(want["applications"]))

        # Every downloadable file's bytes were fetched.
        with read_tx(engine) as conn:
            contents = conn.execute(select(attachment_contents.c.attachment_id, attachment_contents.c.content)).all()
        by_id = {row.id: rid for rid, row in want["attachments"].items()}
        assert {by_id[c.attachment_id] for c in contents} == set(want["attachments"])
        for c in contents:
            _, kind, file_id = mapping.parse_attachment_remote_id(by_id[c.attachment_id])
            assert c.content == s.emu.file_content(kind, file_id)

        # A second FULL with no source change changes nothing.
        before = {m: stored(engine, m, s.integration_id) for m in MODELS}
        again = s.sync()
        assert again.state == SyncState.SUCCEEDED, again.error
        for model in MODELS:
            after = stored(engine, model, s.integration_id)
            assert {k: r.changed_at for k, r in after.items()} == {k: r.changed_at for k, r in before[model].items()}
            assert {k: r.updated_at for k, r in after.items()} == {k: r.updated_at for k, r in before[model].items()}
            assert again.stats[model]["inserted"] == again.stats[model]["deleted"] == 0, model
        assert s.emu.violations == 0


# --- changes, incremental, deletions ----------------------------------------------------------------


@dataclass
class Edits:
    stage_moved: str
    archived: str
    contact_apps: set[str]
    interview_added: str
    offer_removed: str
    added: str
    deleted: str
    posting: str

    @property
    def opportunities(self) -> set[str]:
        """Opportunities whose `updatedAt` moved (the deleted one is gone)."""
        return {
            self.stage_moved,
            self.archived,
            self.interview_added,
            self.offer_removed,
            self.added,
        } | self.contact_apps


def edit_source(emu: LeverEmulator) -> Edits:
    """One of each kind of change Lever can report."""
    opps = sorted(emu.opportunities)
    pending = [o for o in opps if not emu.opportunities[o].get("archived") and "archivedAt" not in emu.opportunities[o]]
    with_offer = [o for o in opps if emu.children[o]["offers"]]
    stage_moved, archived = pending[0], pending[1]
    current = emu.opportunities[stage_moved]["stage"]
    emu.edit_opportunity(stage_moved, stage=next(s["id"] for s in emu.stages() if s["id"] != current))
    emu.archive(archived, HIRED_REASON)
    contact = emu.opportunities[pending[2]]["contact"]
    emu.edit_contact(contact, name="Renamed Person", emails=["renamed@example.org"])
    contact_apps = {o for o in emu.opportunities if emu.opportunities[o]["contact"] == contact}
    interview_added = pending[3]
    emu.add_child(interview_added, "interviews")
    offer_removed = next(o for o in with_offer if o not in {stage_moved, archived, interview_added} | contact_apps)
    emu.remove_child(offer_removed, "offers")
    added = emu.add_opportunity()
    emu.add_child(added, "notes")
    emu.add_child(added, "files")["status"] = "processed"  # a new file to download
    taken = {stage_moved, archived, interview_added, offer_removed, added} | contact_apps
    # A contact's only opportunity: deleting it deletes the contact too (no candidate left over).
    contacts = [o["contact"] for o in emu.opportunities.values()]
    deleted = next(o for o in reversed(opps) if o not in taken and contacts.count(emu.opportunities[o]["contact"]) == 1)
    emu.delete_opportunity(deleted)
    posting = sorted(emu.postings)[0]
    emu.edit_posting(posting, text="Renamed posting")
    return Edits(stage_moved, archived, contact_apps, interview_added, offer_removed, added, deleted, posting)


def record_id(s: Setup, model: str, remote_id: str) -> str:
    return ids.record_id(s.integration_id, model, remote_id)


Expected = dict[str, dict[str, Row]]


def changed_applications(old: Expected, new: Expected) -> tuple[set[str], set[str]]:
    """(applications whose own fields changed, or that appeared or went; applications touched by a
    change of their candidate, interviews or offers), as Kombo ids, from two states of the source."""

    def differ(model: str) -> list[Row]:
        a, b = old[model], new[model]
        return [
            r
            for k in a.keys() | b.keys()
            for r in (a.get(k), b.get(k))
            if r is not None and (k not in a or k not in b or a[k].data != b[k].data)
        ]

    own = {r.id for r in differ("applications")}
    candidates = {r.id for r in differ("candidates")}
    touched = {r.id for v in (old, new) for r in v["applications"].values() if r.data["candidate_id"] in candidates}
    touched |= {r.data["application_id"] for m in ("interviews", "offers") for r in differ(m)}
    return own, touched


def test_source_edits_come_back_from_updated_after_and_deletions_by_absence(engine: Engine, server: Server) -> None:
    with lever(engine, opportunities=30) as s:
        assert s.sync().state == SyncState.SUCCEEDED
        w = world(s, server)
        before = snapshot(engine, s.integration_id)
        old = expected(s.emu, s.integration_id)
        edits = edit_source(s.emu)
        new = expected(s.emu, s.integration_id)
        time.sleep(0.002)
        since = utc_now()
        time.sleep(0.002)
        result = s.sync()
        assert result.state == SyncState.SUCCEEDED, result.error
        assert_mirrors(s)
        # Deletions by absence: the opportunity, its children, its contact (its only opportunity).
        after = snapshot(engine, s.integration_id)
        assert after["applications"][edits.deleted][3] is True
        newly_deleted = {(m, rid) for m in MODELS for rid, v in after[m].items() if v[3] and not before[m][rid][3]}
        assert ("applications", edits.deleted) in newly_deleted

        # updated_after returns exactly the applications whose own fields changed and those whose
        # linked records (candidate, interviews, offers) changed, per the nested-change rules.
        own, touched = changed_applications(old, new)
        got = {a["id"] for a in w.walk("/ats/applications", updated_after=to_wire(since), include_deleted="true")}
        assert got == own | touched
        assert record_id(s, "applications", edits.interview_added) in got
        assert record_id(s, "applications", edits.offer_removed) in got
        # changed_at moved only where own fields changed.
        apps = {a["id"]: a for a in w.walk("/ats/applications", include_deleted="true")}
        assert {i for i, a in apps.items() if a["changed_at"] > to_wire(since)} == own
        assert record_id(s, "applications", edits.stage_moved) in own
        assert apps[record_id(s, "applications", edits.archived)]["outcome"] == "HIRED"
        # Candidates: the renamed one; jobs: the renamed posting.
        cands = {c["id"] for c in w.walk("/ats/candidates", updated_after=to_wire(since))}
        renamed = record_id(s, "candidates", s.emu.opportunities[next(iter(edits.contact_apps))]["contact"])
        assert renamed in cands
        jobs = {j["id"]: j for j in w.walk("/ats/jobs", updated_after=to_wire(since))}
        assert record_id(s, "jobs", edits.posting) in jobs
        assert jobs[record_id(s, "jobs", edits.posting)]["name"] == "Renamed posting"


def test_delta_fetches_only_changed_opportunities_and_converges(engine: Engine) -> None:
    with lever(engine, opportunities=30) as s:
        assert s.sync().state == SyncState.SUCCEEDED
        edits = edit_source(s.emu)
        s.emu.requests.clear()
        started = int(time.time() * 1000)
        result = s.sync(SyncKind.DELTA)
        assert result.state == SyncState.SUCCEEDED, result.error
        # Each incremental stream checkpointed this run's start, not its newest record's updatedAt.
        with read_tx(engine) as conn:
            for stream in ("jobs", "candidates", "applications", "interviews", "attachments"):
                state = sync_runs.stream_state(conn, s.integration_id, stream)
                assert state is not None and started <= state["since"] <= int(time.time() * 1000), stream
        # Every opportunity listing was incremental (or per changed contact); children were asked for
        # exactly the changed opportunities.
        listings = s.emu.requests_to("/opportunities")
        assert listings and all("updated_at_start" in r.query or "contact_id" in r.query for r in listings)
        child_owners = {
            r.path.split("/")[3] for r in s.emu.requests if r.path.count("/") == 4 and "/opportunities/" in r.path
        }
        assert child_owners == edits.opportunities
        assert len(s.emu.requests_to("/interviews")) == len(edits.opportunities)
        deleted_feed = s.emu.requests_to("/opportunities/deleted")
        assert len(deleted_feed) == 1 and "deleted_at_start" in deleted_feed[0].query
        # The high-water mark is the sync's start minus the overlap, never the newest record.
        start = int(listings[0].query["updated_at_start"])
        assert start <= min(s.emu.opportunities[o]["updatedAt"] for o in edits.opportunities)

        # The store now equals the source, the deletion included (reported by the deleted feed).
        snap = snapshot(engine, s.integration_id)
        assert snap["applications"][edits.deleted][3] is True
        want = expected(s.emu, s.integration_id)
        for model in ("applications", "interviews", "offers", "notes", "jobs"):
            live = {rid for rid, v in snap[model].items() if not v[3]}
            # DELTA never deletes children by absence: the removed offer stays until a FULL run.
            assert set(want[model]) <= live, model
            for rid, row in want[model].items():
                assert snap[model][rid][0] == row.data, (model, rid)
        renamed = s.emu.opportunities[next(iter(edits.contact_apps))]["contact"]
        assert snap["candidates"][renamed][0]["first_name"] == "Renamed"

        # A DELTA with no new change re-reads only what the overlap window covers: the recent edits.
        s.emu.requests.clear()
        assert s.sync(SyncKind.DELTA).state == SyncState.SUCCEEDED
        assert {r.path.split("/")[3] for r in s.emu.requests_to("/interviews")} <= edits.opportunities
        # A FULL converges completely (the removed offer is gone).
        assert s.sync().state == SyncState.SUCCEEDED
        assert_mirrors(s)


def test_delta_without_state_reads_everything(engine: Engine) -> None:
    with lever(engine, opportunities=12) as s:
        result = s.sync(SyncKind.DELTA)
        assert result.state == SyncState.SUCCEEDED, result.error
        assert all("updated_at_start" not in r.query for r in s.emu.requests_to("/opportunities"))
        assert not s.emu.requests_to("/opportunities/deleted")
        assert_mirrors(s)


# --- faults -------------------------------------------------------------------------------------------

# Each retryable fault on its own path, all in one run: the run must absorb every one of them.
RETRYABLE = [
    Fault("status", 429, path="/opportunities"),
    Fault("status", 429, retry_after="1", path="/interviews"),  # capped by retry_max_delay
    Fault("status", 500, path="/offers"),
    Fault("status", 503, path="/postings"),
    Fault("slow", delay=1.0, path="/notes"),  # beyond the 0.5 s client timeout
    Fault("reset", path="/feedback"),
    Fault("reset", path="/download"),
]


def test_retryable_faults_are_absorbed_and_the_sync_is_exact(engine: Engine) -> None:
    with lever(engine, opportunities=12) as s:
        assert s.sync().state == SyncState.SUCCEEDED
        edits = edit_source(s.emu)
        s.emu.emulator.inject(*RETRYABLE)
        result = s.sync()
        assert result.state == SyncState.SUCCEEDED, result.error
        assert s.emu.emulator.faults_injected == len(RETRYABLE)
        assert_mirrors(s)
        assert snapshot(engine, s.integration_id)["applications"][edits.deleted][3] is True
        assert s.emu.violations == 0


def test_fatal_faults_fail_cleanly_and_a_rerun_converges(engine: Engine) -> None:
    """Faults retrying cannot fix (a body cut short or not JSON at all, a 5xx on every attempt), each
    in its own run: each run fails, deletes nothing and leaves every record whole (its old or its new
    version); a clean rerun converges to the source."""
    with lever(engine, opportunities=12) as s:
        assert s.sync().state == SyncState.SUCCEEDED
        before = snapshot(engine, s.integration_id)
        old = expected(s.emu, s.integration_id)
        edits = edit_source(s.emu)
        new = expected(s.emu, s.integration_id)
        # One opportunity's offers answer 503 to every attempt (retry_attempts=4).
        always_503 = [Fault("status", 503, path=f"/{sorted(s.emu.opportunities)[0]}/offers")] * 4
        for faults in (
            [Fault("truncate", path="/opportunities")],  # a list page, early in the run
            [Fault("truncate", path="/feedback")],  # a child list, after applications were written
            [Fault("invalid_json", path="/files")],
            always_503,
        ):
            s.emu.emulator.faults_injected = 0
            s.emu.emulator.inject(*faults)
            result = s.sync()
            assert result.state == SyncState.FAILED, (faults, result.error)
            assert s.emu.emulator.faults_injected == len(faults)
            after = snapshot(engine, s.integration_id)
            for model in MODELS:
                for rid, (data, _links, _raw, deleted) in after[model].items():
                    assert deleted == before[model].get(rid, (None, None, None, False))[3], (model, rid)
                    assert data in [v[rid].data for v in (old[model], new[model]) if rid in v], (model, rid)
            assert after["applications"][edits.deleted][3] is False
        rerun = s.sync()
        assert rerun.state == SyncState.SUCCEEDED, rerun.error
        assert_mirrors(s)
        assert s.emu.violations == 0


def test_rejected_credentials_fail_the_run_and_delete_nothing(engine: Engine) -> None:
    with lever(engine, opportunities=10) as s:
        assert s.sync().state == SyncState.SUCCEEDED
        before = snapshot(engine, s.integration_id)
        s.emu.api_key = "rotated-key"  # the stored key no longer works
        result = s.sync()
        assert result.state == SyncState.FAILED
        assert snapshot(engine, s.integration_id) == before
        # A 401 is not retried.
        assert len(s.emu.requests_to("/users")) == 2


def test_lever_rate_limit_is_respected(engine: Engine) -> None:
    """Lever's real limit (10/s, bursts of 20) on both sides: the connector never trips the emulator."""
    with lever(engine, opportunities=4, fast=False, timeout=5) as s:
        result = s.sync()
        assert result.state == SyncState.SUCCEEDED, result.error
        assert len(s.emu.requests) > 20  # more than one burst
        assert s.emu.violations == 0
        assert_mirrors(s)


def test_emulator_hides_confidential_data_unless_asked() -> None:
    """What makes the confidential checks above meaningful: without `confidentiality=all`, Lever (and
    the emulator) leave confidential records out."""
    import httpx

    emu = LeverEmulator(seed=7, opportunities=30, api_key=KEY, rate=None)
    auth = (KEY, "")
    with emu.running() as url:
        default = httpx.get(f"{url}/opportunities", auth=auth).json()["data"]
        everything = httpx.get(f"{url}/opportunities", params={"confidentiality": "all"}, auth=auth).json()["data"]
        assert len(everything) == 30 > len(default)
        assert httpx.get(f"{url}/opportunities", auth=("wrong", "")).status_code == 401
