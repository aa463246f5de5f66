"""Real syncs of the Ashby connector against the Ashby emulator over HTTP, on SQLite and PostgreSQL.

What the API serves is compared with the emulator's data mapped to unified records (the mapping
itself is tested on the vendor fixtures in test_ashby_mapping.py): the pipeline must neither lose,
duplicate nor corrupt anything, across full and incremental runs, recoveries and faults.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine, select

from hirebridge import ids
from hirebridge.connectors.ashby import mapping
from hirebridge.model import SyncKind
from hirebridge.model.records import Record
from hirebridge.store import sync_runs, tenancy
from hirebridge.store.db import read_tx, write_tx
from hirebridge.store.sync_runs import SyncState
from hirebridge.store.tables import attachment_contents
from hirebridge.sync.engine import SyncEngine
from hirebridge.sync.normalize import normalize
from hirebridge.timefmt import to_wire, utc_now
from tests.conftest import Server, make_tenant
from tests.emulators.ashby import AshbyEmulator
from tests.emulators.harness import Fault, serve
from tests.support import API_PATHS as API_PATHS_ALL
from tests.support import World, stored

KEY = "ashby-test-key"
# The emulator tolerates 300 requests/s (bursts of 40); the client is configured below that, so a
# violation would mean the shared token bucket is not metering all streams and child requests.
EMULATOR_RATE, EMULATOR_BURST = 800.0, 100
# No re-read of the children of unchanged candidates and jobs: the DELTA test counts exactly what the
# changes cost (the re-read has tests of its own, tests/test_child_refresh.py).
CLIENT = {
    "requests_per_second": 500,
    "burst": 50,
    "timeout": 1.0,
    "retry_attempts": 4,
    "retry_base_delay": 0.01,
    "retry_max_delay": 0.05,
    "child_refresh_parts": 0,
}
MODELS = (
    "users",
    "tags",
    "rejection_reasons",
    "jobs",
    "application_stages",
    "job_postings",
    "candidates",
    "applications",
    "interviews",
    "offers",
    "notes",
    "attachments",
)
API_PATHS = {m: API_PATHS_ALL[m] for m in MODELS if m in API_PATHS_ALL}


@dataclass
class Setup:
    engine: Engine
    emulator: AshbyEmulator
    world: World

    @property
    def iid(self) -> str:
        return self.world.integration_id

    def sync(self, kind: SyncKind = SyncKind.FULL) -> Any:
        return SyncEngine(self.engine).run(self.iid, kind)


def connect(engine: Engine, server: Server, url: str, **config: Any) -> World:
    tenant = make_tenant(engine)
    with write_tx(engine) as conn:
        integration = tenancy.create_integration(
            conn, tenant.environment, "ashby", {"api_key": KEY, "base_url": url, **CLIENT, **config}
        )
    return World(server, tenant, integration.id)


@pytest.fixture
def setup(request: pytest.FixtureRequest, engine: Engine, server: Server) -> Iterator[Setup]:
    size: dict[str, Any] = getattr(request, "param", {})
    emulator = AshbyEmulator(
        KEY,
        seed=7,
        candidates=size.get("candidates", 40),
        jobs=size.get("jobs", 4),
        rate=EMULATOR_RATE,
        burst=EMULATOR_BURST,
    )
    with serve(emulator.app()) as url:
        yield Setup(engine, emulator, connect(engine, server, url, page_size=size.get("page_size", 10)))
    assert emulator.harness.rate is not None
    assert emulator.harness.rate.violations == 0


# --- what the source holds, in unified form ------------------------------------------------------


def expected(emulator: AshbyEmulator) -> dict[str, dict[str, Record]]:
    """The emulator's current data through the connector's mapping, per model and remote id."""
    out: dict[str, list[Record]] = {m: [] for m in MODELS}
    out["users"] = [mapping.map_user(u) for u in emulator.payloads("users")]
    out["tags"] = [mapping.map_tag(t) for t in emulator.payloads("tags")]
    out["rejection_reasons"] = [mapping.map_archive_reason(r) for r in emulator.payloads("archive_reasons")]
    out["jobs"] = [mapping.map_job(j) for j in emulator.payloads("jobs")]
    stages = emulator.payloads("stages")
    for job in emulator.payloads("jobs"):
        plan = [s for s in stages if s["interviewPlanId"] == job["defaultInterviewPlanId"]]
        out["application_stages"] += mapping.map_stages(job["id"], plan)
    out["job_postings"] = [mapping.map_job_posting(p) for p in emulator.payloads("postings")]
    candidates = emulator.payloads("candidates")
    out["candidates"] = [mapping.map_candidate(c) for c in candidates]
    out["applications"] = [mapping.map_application(a) for a in emulator.payloads("applications")]
    out["interviews"] = [i for s in emulator.payloads("schedules") for i in mapping.map_interviews(s)]
    out["offers"] = [mapping.map_offer(o) for o in emulator.payloads("offers")]
    out["notes"] = [
        mapping.map_note(n["candidateId"], emulator.render("notes", n)) for n in emulator.data["notes"].values()
    ]
    out["attachments"] = [a for c in candidates for a in mapping.map_attachments(c)]
    return {model: {r.remote_id: r for r in records} for model, records in out.items()}


def assert_converged(s: Setup, *, api: bool = False) -> None:
    """Stored live rows == the source, field by field (own data and links); deleted rows are exactly
    the ones the source no longer has; with `api`, the API serves the same records, contract-valid
    (slow: every page is schema-validated, so only the main scenario walks it)."""
    want = expected(s.emulator)
    for model in MODELS:
        rows = stored(s.engine, model, s.iid)
        live = {r.remote_id: r for r in rows.values() if r.remote_deleted_at is None}
        assert set(live) == set(want[model]), model
        for remote_id, record in want[model].items():
            norm = normalize(s.iid, record)
            row = live[remote_id]
            assert json.loads(row.data) == json.loads(norm.data_json), (model, remote_id)
            assert json.loads(row.links) == json.loads(norm.links_json), (model, remote_id)
        path = API_PATHS.get(model)
        if path is None or not api:
            continue
        served = {r["id"]: r for r in s.world.walk(path, page_size=250)}
        assert set(served) == {ids.record_id(s.iid, model, rid) for rid in want[model]}, model
        for row in live.values():
            result, data = served[row.id], json.loads(row.data)
            assert result["remote_id"] == row.remote_id
            for key, value in data.items():
                if key in result and not isinstance(result[key], dict | list):
                    assert result[key] == value, (model, key)


def changed_at(s: Setup) -> dict[str, dict[str, Any]]:
    return {m: {i: r.changed_at for i, r in stored(s.engine, m, s.iid).items()} for m in MODELS}


def updated_after(s: Setup, model: str, since: str) -> set[str]:
    return {r["remote_id"] for r in s.world.walk(API_PATHS[model], updated_after=since, page_size=250)}


def moment() -> str:
    time.sleep(0.005)
    since = to_wire(utc_now())
    time.sleep(0.005)
    assert since is not None
    return since


# --- full sync, no-op resync, edits, delta, deletions --------------------------------------------


@pytest.mark.parametrize("setup", [{"candidates": 350, "jobs": 12, "page_size": 100}], indirect=True)
def test_full_then_delta_then_full_with_deletions(setup: Setup) -> None:
    s, emu = setup, setup.emulator
    assert s.sync().state == SyncState.SUCCEEDED
    assert sum(len(v) for v in expected(emu).values()) > 2000  # a few thousand records
    assert_converged(s)
    # Attachments' bytes were downloaded through file.info's pre-signed URL.
    with read_tx(s.engine) as conn:
        contents = {r.attachment_id: r.content for r in conn.execute(select(attachment_contents))}
    files = {ids.record_id(s.iid, "attachments", h): f[1] for h, f in emu.files.items()}
    assert contents == {i: files[i] for i in contents} and set(contents) == set(files)

    # A second FULL with no source change changes nothing.
    before = changed_at(s)
    assert s.sync().state == SyncState.SUCCEEDED
    assert changed_at(s) == before

    # Source edits, then a DELTA: exactly the changed records (and parents per Kombo's rules) move.
    quiet = next(
        c
        for c in sorted(emu.data["candidates"])
        if all(
            a["candidateId"] != c
            or not any(x["applicationId"] == a["id"] for k in ("schedules", "offers") for x in emu.data[k].values())
            for a in emu.data["applications"].values()
        )
        and any(a["candidateId"] == c for a in emu.data["applications"].values())
    )
    emu.edit("candidates", quiet, name="Renamed Person", company="NewCo")
    quiet_apps = {a["id"] for a in emu.data["applications"].values() if a["candidateId"] == quiet}
    archived = next(a for a in sorted(emu.data["applications"]) if emu.data["applications"][a]["status"] == "Active")
    archived_candidate = emu.data["applications"][archived]["candidateId"]
    emu.archive_application(archived)
    offer = sorted(emu.data["offers"])[0]
    emu.edit("offers", offer, offerStatus="OfferCancelled", acceptanceStatus="Cancelled")
    offer_app = emu.data["offers"][offer]["applicationId"]
    job = sorted(emu.data["jobs"])[0]
    emu.edit("jobs", job, title="Renamed Job")
    stage = emu.stage_ids(sorted(emu.data["jobs"])[1])[1]
    emu.edit("stages", stage, title="Renamed Stage")
    noted = sorted(emu.data["candidates"])[-1]
    note = emu.add_note(noted, "A fresh note")
    since = moment()
    emu.results_served.clear()
    requests_before = len(emu.harness.requests)
    assert s.sync(SyncKind.DELTA).state == SyncState.SUCCEEDED
    assert_converged(s, api=True)

    # Only changed records were asked for: each synced listing returned exactly its changes.
    served = emu.results_served
    assert served.get("application.list") == 1
    assert served.get("offer.list") == 1
    assert served.get("interviewSchedule.list", 0) == 0
    assert served.get("user.list", 0) == 0 and served.get("candidateTag.list", 0) == 0
    # The candidates and attachments streams; notes reuse the candidates stream's list (streams.Parent).
    assert served.get("candidate.list") == 2 * 2
    assert served.get("interviewPlan.list") == 1 and served.get("interviewStage.list") == 6  # one plan
    delta_requests = emu.harness.requests[requests_before:]
    assert sum(r.path == "/candidate.listNotes" for r in delta_requests) == 2
    assert len(delta_requests) < 40  # the FULL run needed > 400

    app_owners = {a: emu.data["applications"][a]["candidateId"] for a in emu.data["applications"]}
    # A new note moves its candidate's updatedAt (remote_updated_at is an own field of the candidate).
    noted_apps = {a for a, owner in app_owners.items() if owner == noted}
    assert updated_after(s, "applications", since) == quiet_apps | noted_apps | {archived, offer_app}
    # Propagation is one step: the offer's application moved, but not (through it) its candidate.
    assert updated_after(s, "candidates", since) == {quiet, noted, archived_candidate}
    assert updated_after(s, "jobs", since) == {job}  # a renamed stage does not touch its job
    assert updated_after(s, "application_stages", since) == {stage}
    assert updated_after(s, "notes", since) == {note["id"]}
    assert updated_after(s, "offers", since) == {offer} | {
        o for o, x in emu.data["offers"].items() if x["applicationId"] == archived
    }
    interviews_of_archived = {
        e["id"] for x in emu.data["schedules"].values() if x["applicationId"] == archived for e in x["interviewEvents"]
    }
    assert updated_after(s, "interviews", since) == interviews_of_archived

    # Deletions: Ashby has no deletion feed, so a DELTA keeps them; the next FULL marks them.
    gone_candidate = sorted(emu.data["candidates"])[3]
    gone_apps = {a for a, owner in app_owners.items() if owner == gone_candidate}
    emu.delete("candidates", gone_candidate)
    gone_posting = sorted(emu.data["postings"])[0]
    emu.delete("postings", gone_posting)
    assert s.sync(SyncKind.DELTA).state == SyncState.SUCCEEDED
    rows = stored(s.engine, "candidates", s.iid)
    assert all(r.remote_deleted_at is None for r in rows.values())
    assert s.sync().state == SyncState.SUCCEEDED
    assert_converged(s)
    deleted = {r.remote_id for r in stored(s.engine, "applications", s.iid).values() if r.remote_deleted_at}
    assert deleted == gone_apps
    postings = stored(s.engine, "job_postings", s.iid)
    assert {r.remote_id for r in postings.values() if r.remote_deleted_at} == {gone_posting}


# --- sync token and cursor recovery --------------------------------------------------------------


def stream_token(s: Setup, stream: str) -> str | None:
    with read_tx(s.engine) as conn:
        state = sync_runs.stream_state(conn, s.iid, stream)
    return None if state is None else state.get("sync_token")


def test_refused_tokens_and_cursors_fall_back_to_full_reads(setup: Setup) -> None:
    """sync_token_expired, incremental_sync_too_large, invalid_next_cursor: each drops the token (or
    cursor) of the stream it hits, which then reads everything and converges with a fresh token."""
    s, emu = setup, setup.emulator
    assert s.sync().state == SyncState.SUCCEEDED
    for problem in ("sync_token_expired", "incremental_sync_too_large", "invalid_next_cursor"):
        old_token = stream_token(s, "applications")
        assert old_token is not None
        for app_id in sorted(emu.data["applications"])[:35]:  # four pages of changes at page_size 10
            emu.edit("applications", app_id, customFields=[{"id": "cf", "title": "Batch", "value": problem}])
        if problem == "sync_token_expired":
            emu.expire_tokens()
        elif problem == "incremental_sync_too_large":
            emu.delta_page_limit = 2
        else:
            emu.invalidate_cursors(1)
        start = len(emu.harness.requests)
        assert s.sync(SyncKind.DELTA).state == SyncState.SUCCEEDED, problem
        assert_converged(s)
        bodies = [json.loads(r.body) for r in emu.harness.requests[start:] if r.path == "/application.list"]
        # The first request sent the stored token; after the refusal the listing ran from scratch.
        assert bodies[0].get("syncToken") == old_token, problem
        assert any("syncToken" not in b and "cursor" not in b for b in bodies[1:]), problem
        assert stream_token(s, "applications") not in (None, old_token), problem
        # The next DELTA is incremental again and finds nothing new.
        emu.delta_page_limit = None
        emu.results_served.clear()
        assert s.sync(SyncKind.DELTA).state == SyncState.SUCCEEDED
        assert emu.results_served.get("application.list", 0) == 0, problem


# --- faults --------------------------------------------------------------------------------------


def mutate(emu: AshbyEmulator, n: int) -> None:
    """Source changes a faulty run has to carry: an edit, an archive and a deletion."""
    emu.edit("candidates", sorted(emu.data["candidates"])[0], name=f"Faulty Run {n}")
    active = [a for a, x in sorted(emu.data["applications"].items()) if x["status"] != "Archived"]
    emu.archive_application(active[0])
    emu.delete("candidates", sorted(emu.data["candidates"])[-1])


def test_transient_faults_are_retried_and_the_run_is_exact(setup: Setup) -> None:
    s, emu = setup, setup.emulator
    assert s.sync().state == SyncState.SUCCEEDED
    mutate(emu, 1)
    faults = [
        Fault("status", status=429, retry_after="0", path="/application.list"),
        Fault("status", status=429, path="/application.list"),  # no Retry-After: backoff
        Fault("status", status=503, path="/candidate.list"),
        Fault("status", status=500, path="/candidate.listNotes"),
        Fault("status", status=502, path="/interviewStage.list"),
        Fault("slow", delay=1.5, path="/offer.list"),  # beyond the 1 s client timeout
        Fault("reset", path="/interviewSchedule.list"),
        Fault("reset", path="/file.info"),
    ]
    # A new file, so the run downloads one (through the file.info fault).
    candidate = emu.data["candidates"][sorted(emu.data["candidates"])[5]]
    emu.files["new-handle"] = ("cover.pdf", b"cover letter", "application/pdf")
    emu.edit(
        "candidates",
        candidate["id"],
        fileHandles=[*candidate["fileHandles"], {"id": "f-new", "name": "cover.pdf", "handle": "new-handle"}],
    )
    emu.harness.inject(*faults)
    assert s.sync().state == SyncState.SUCCEEDED
    assert emu.harness.faults_injected == len(faults) and not emu.harness.faults
    assert_converged(s)


def test_fatal_faults_fail_cleanly_and_a_rerun_converges(setup: Setup) -> None:
    """Broken bodies, `success: false` and a revoked key fail the run: nothing is deleted, what was
    committed is intact, and the next run converges to the source."""
    s, emu = setup, setup.emulator
    assert s.sync().state == SyncState.SUCCEEDED
    cases: dict[str, Any] = {
        "truncated JSON": Fault("truncate", path="/application.list"),
        "invalid JSON": Fault("invalid_json", path="/offer.list"),
        "success false": "internal_error",
        "401": "revoked",
    }
    for n, (name, fault) in enumerate(cases.items()):
        mutate(emu, n)
        before = {m: stored(s.engine, m, s.iid) for m in MODELS}
        if isinstance(fault, Fault):
            emu.harness.inject(fault)
        elif fault == "revoked":
            emu.api_key = "rotated-key"  # the customer revoked the key we hold
        else:
            emu.rpc_failures["application.list"] = fault
        result = s.sync()
        assert result.state == SyncState.FAILED, name
        if name == "401":
            assert result.error is not None and "credentials" in result.error
        for model in MODELS:
            after = stored(s.engine, model, s.iid)
            assert set(before[model]) <= set(after), (name, model)
            assert all(r.remote_deleted_at is None for r in after.values()), (name, model)
        emu.api_key = KEY
    assert s.sync().state == SyncState.SUCCEEDED
    assert_converged(s)


def test_a_client_faster_than_ashby_allows_gets_429s_and_still_converges(engine: Engine, server: Server) -> None:
    """The emulator's rate limit answers Ashby's 429 `rate_limit_exceeded`; the client backs off and the
    run ends with the exact source state. (Every other test asserts zero violations at its rate.)"""
    emulator = AshbyEmulator(KEY, seed=3, candidates=15, jobs=2, rate=30.0, burst=5)
    with serve(emulator.app()) as url:
        world = connect(
            engine,
            server,
            url,
            page_size=10,
            requests_per_second=1000,
            burst=1000,
            retry_attempts=10,
            retry_max_delay=0.2,
        )
        s = Setup(engine, emulator, world)
        assert s.sync().state == SyncState.SUCCEEDED
        assert_converged(s)
    assert emulator.harness.rate is not None and emulator.harness.rate.violations > 0
