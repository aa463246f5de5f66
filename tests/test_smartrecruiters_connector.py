"""SmartRecruiters behaviour no other connector shares (the kit, tests/conformance, holds the rest):
`GET /candidates` one request in flight at a time, `pageId`/`nextPageId` paging, one properties read
per listed candidate (its custom fields), one application read per candidate and job, 429s for the
concurrency limit retried, `updatedAfter` on DELTA runs."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import httpx
import pytest

from hirebridge.connectors.base import Checkpoint, FetchContext
from hirebridge.connectors.framework.errors import CredentialsInvalid
from hirebridge.connectors.smartrecruiters import SmartRecruitersConnector
from hirebridge.model import SyncKind
from hirebridge.model.records import Application, Candidate
from tests.emulators.harness import Fault, serve
from tests.emulators.smartrecruiters import PROPERTIES, SENIORITY, SmartRecruitersEmulator

TOKEN = "smartrecruiters-test-token"
FAST = {"requests_per_second": 1000, "burst": 1000}


def _connector(url: str, name: str, **more: Any) -> SmartRecruitersConnector:
    return SmartRecruitersConnector(name, {"api_key": TOKEN, "base_url": url, "page_size": 5, **FAST, **more})


def _read(
    connector: SmartRecruitersConnector, kind: SyncKind, states: dict[str, Any] | None = None
) -> dict[str, list[Any]]:
    """Every stream in the engine's order; `states` (by state key) is what the last run left."""
    items: dict[str, list[Any]] = {}
    for stream in connector.streams():
        state = (states or {}).get(stream.state_key)
        items.setdefault(stream.model, []).extend(stream.fetch(FetchContext(kind, state)))
    return items


def test_a_full_read_lists_candidates_one_request_at_a_time_following_next_page_ids() -> None:
    # Each GET /candidates stays 50 ms in flight: a second one sent meanwhile would be refused.
    emu = SmartRecruitersEmulator(TOKEN, seed=4, candidates=17, jobs=3, window=None, candidates_latency=0.05)
    with serve(emu.app()) as url:
        items = _read(_connector(url, "sr-pages"), SyncKind.FULL)
    assert emu.candidates_in_flight_max == 1 and emu.concurrent_refused == 0
    listed = [r for r in emu.harness.requests if r.path == "/candidates"]
    ids = sorted(emu.data["candidates"])
    # Pages of 5, each asked for by the page id the previous answer handed out; no pageId on the first.
    assert [r.query.get("pageId") for r in listed] == [None, ids[5], ids[10], ids[15]]
    assert {r.query["limit"] for r in listed} == {"5"}
    assert sorted(c.remote_id for c in items["candidates"] if isinstance(c, Candidate)) == ids
    # One application read per candidate and job it is assigned to, a second job included.
    reads = Counter(tuple(r.path.split("/")[2::2]) for r in emu.harness.requests if "/jobs/" in r.path)
    assert set(reads) == set(emu.applications) and set(reads.values()) == {1}
    assert any(sum(1 for c, _ in emu.applications if c == cid) == 2 for cid in emu.data["candidates"])
    read = {a.remote_id for a in items["applications"] if isinstance(a, Application)}
    assert read == {f"{c}:{j}" for c, j in emu.applications}
    # The applications stream took its candidates from the candidates stream: one listing, not two.
    assert len(listed) == 4
    # One properties read per candidate, and each candidate's custom fields are what it has set.
    props = Counter(r.path.split("/")[2] for r in emu.harness.requests if r.path.endswith("/properties"))
    assert set(props) == set(ids) and set(props.values()) == {1}
    fields = {c.remote_id: c.custom_fields for c in items["candidates"] if isinstance(c, Candidate)}
    labels = {pid: label for pid, label, _kind in PROPERTIES}
    for cid, values in emu.properties.items():
        expected = {labels[p]: dict(SENIORITY).get(v, v) if isinstance(v, str) else v for p, v in values.items()}
        assert fields[cid] == expected
    assert any(fields.values()) and any(not f for f in fields.values())


def test_a_429_for_a_get_candidates_in_flight_elsewhere_is_retried() -> None:
    """Another client of the same key holds a GET /candidates in flight: SmartRecruiters answers the
    connector's 429 (concurrency), which backs off and lists everything once the other is done."""
    emu = SmartRecruitersEmulator(TOKEN, seed=5, candidates=6, jobs=2, window=None, candidates_latency=1.0)
    with serve(emu.app()) as url:
        other = threading.Thread(target=lambda: httpx.get(f"{url}/candidates", headers={"X-SmartToken": TOKEN}))
        other.start()
        deadline = time.monotonic() + 10
        while emu.candidates_in_flight_max == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        connector = _connector(url, "sr-429", retry_attempts=10, retry_max_delay=0.5)
        candidates = next(s for s in connector.streams() if s.model == "candidates")
        items = list(candidates.fetch(FetchContext(SyncKind.FULL, None)))
        other.join()
    assert emu.concurrent_refused >= 1
    refused = [r for r in emu.harness.requests if r.path == "/candidates"]
    assert len(refused) >= 3  # the other's, the connector's refused one(s), its pages after
    assert sorted(i.remote_id for i in items if isinstance(i, Candidate)) == sorted(emu.data["candidates"])


def test_a_delta_asks_for_candidates_updated_after_the_last_run_and_reads_their_applications() -> None:
    emu = SmartRecruitersEmulator(TOKEN, seed=6, candidates=12, jobs=2, window=None)
    with serve(emu.app()) as url:
        connector = _connector(url, "sr-delta", child_refresh_parts=0)
        first = _read(connector, SyncKind.FULL)
        states = {
            stream.state_key: [i for i in first[stream.model] if isinstance(i, Checkpoint)][-1].state
            for stream in connector.streams()
            if any(isinstance(i, Checkpoint) for i in first[stream.model])
        }
        changed = sorted(emu.data["candidates"])[3]
        emu.edit("candidates", changed, lastName="Renamed")
        emu.set_property(changed, PROPERTIES[0][0], "Immediately")
        # Set on an unchanged candidate: its updatedOn does not move, the DELTA does not read it.
        untouched = sorted(emu.data["candidates"])[4]
        emu.set_property(untouched, PROPERTIES[0][0], "Never read")
        emu.harness.requests.clear()
        connector = _connector(url, "sr-delta", child_refresh_parts=0)
        second = _read(connector, SyncKind.DELTA, states)
    listed = [r for r in emu.harness.requests if r.path == "/candidates"]
    assert [sorted(r.query) for r in listed] == [["limit", "updatedAfter"]]
    # The overlap (5 minutes) brings back what changed around the last run's start: here, the edit only.
    candidates = [c for c in second["candidates"] if isinstance(c, Candidate)]
    assert [(c.remote_id, c.last_name) for c in candidates] == [(changed, "Renamed")]
    assert candidates[0].custom_fields["Notice period"] == "Immediately"
    # The properties of the changed candidate only.
    assert [r.path for r in emu.harness.requests if r.path.endswith("/properties")] == [
        f"/candidates/{changed}/properties"
    ]
    applications = {a.remote_id for a in second["applications"] if isinstance(a, Application)}
    assert applications == {f"{c}:{j}" for c, j in emu.applications if c == changed}


def test_an_application_gone_since_the_listing_is_none_not_a_failed_run() -> None:
    emu = SmartRecruitersEmulator(TOKEN, seed=8, candidates=8, jobs=2, window=None)
    with serve(emu.app()) as url:
        connector = _connector(url, "sr-gone")
        streams = {s.state_key: s for s in connector.streams()}
        list(streams["candidates"].fetch(FetchContext(SyncKind.FULL, None)))
        gone = sorted(emu.applications)[0]
        del emu.applications[gone]  # removed from the job after the candidate was listed
        items = list(streams["applications"].fetch(FetchContext(SyncKind.FULL, None)))
    read = {a.remote_id for a in items if isinstance(a, Application)}
    assert read == {f"{c}:{j}" for c, j in emu.applications}
    assert f"{gone[0]}:{gone[1]}" not in read and any(isinstance(i, Checkpoint) for i in items)


def test_a_candidate_gone_before_its_properties_are_read_is_none_not_a_failed_run() -> None:
    """Deleted between the listing and its properties read (404): not stored, and no application of it
    is read; the other candidates and the checkpoint are as usual."""
    emu = SmartRecruitersEmulator(TOKEN, seed=8, candidates=8, jobs=2, window=None)
    with serve(emu.app()) as url:
        gone = sorted(emu.data["candidates"])[2]
        emu.harness.inject(Fault("status", 404, path=f"/candidates/{gone}/properties"))
        items = _read(_connector(url, "sr-gone-candidate"), SyncKind.FULL)
    assert emu.harness.faults_injected == 1
    read = {c.remote_id for c in items["candidates"] if isinstance(c, Candidate)}
    assert read == set(emu.data["candidates"]) - {gone}
    assert any(isinstance(i, Checkpoint) for i in items["candidates"])
    assert not [r for r in emu.harness.requests if r.path.startswith(f"/candidates/{gone}/jobs/")]
    applications = {a.remote_id for a in items["applications"] if isinstance(a, Application)}
    assert applications == {f"{c}:{j}" for c, j in emu.applications if c != gone}


def test_a_wrong_key_is_refused_in_smartrecruiters_error_shape() -> None:
    emu = SmartRecruitersEmulator(TOKEN, seed=1, candidates=1, jobs=1, window=None)
    with serve(emu.app()) as url:
        answer = httpx.get(f"{url}/jobs", headers={"X-SmartToken": "wrong"})
        assert answer.status_code == 401
        assert answer.json()["errors"][0]["code"] == "UNAUTHORIZED"
        with pytest.raises(CredentialsInvalid):
            SmartRecruitersConnector("sr-auth", {"api_key": "wrong-key-1234", "base_url": url, **FAST}).check()
        _connector(url, "sr-auth-ok").check()
    assert emu.harness.requests[-1].path == "/user-api/v201804/users"


def test_the_per_second_window_and_concurrency_are_announced_in_rate_limit_headers() -> None:
    emu = SmartRecruitersEmulator(TOKEN, seed=1, candidates=2, jobs=1, window=10)
    with serve(emu.app()) as url:
        jobs = httpx.get(f"{url}/jobs", headers={"X-SmartToken": TOKEN}).headers
        listed = httpx.get(f"{url}/candidates", headers={"X-SmartToken": TOKEN}).headers
    assert jobs["X-RateLimit-Limit"] == "10" and int(jobs["X-RateLimit-Remaining"]) <= 9
    assert (jobs["X-RateLimit-Concurrent-Limit"], listed["X-RateLimit-Concurrent-Limit"]) == ("8", "1")
    assert listed["X-RateLimit-Concurrent-Remaining"] == "0"  # this request is the one allowed
