"""Recruitee behaviour no other connector shares (the kit, tests/conformance, holds the rest): the
API under the company id, candidates paged by limit/offset and read in full on every run (no updated
filter exists), each candidate's detail read for its profile fields, placements in talent pools left
out, and a 429 without rate headers waited out."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from hirebridge.connectors.base import Checkpoint, FetchContext
from hirebridge.connectors.framework.errors import ConfigError
from hirebridge.connectors.framework.webhooks import Ref
from hirebridge.connectors.recruitee import RecruiteeConnector
from hirebridge.connectors.registry import TOOLS
from hirebridge.model import SyncKind
from hirebridge.model.records import Application, Candidate, Job, Note
from tests.emulators.harness import Fault, serve
from tests.emulators.recruitee import RecruiteeEmulator

TOKEN = "recruitee-test-token"
COMPANY = "61234"


def _config(url: str, **more: Any) -> dict[str, Any]:
    return {
        "api_key": TOKEN,
        "company_id": COMPANY,
        "base_url": f"{url}/c/{COMPANY}",
        "page_size": 4,
        "requests_per_second": 1000,
        "burst": 1000,
        **more,
    }


def _read(connector: RecruiteeConnector, model: str, kind: SyncKind = SyncKind.FULL) -> list[Any]:
    stream = next(s for s in connector.streams() if s.model == model)
    return list(stream.fetch(FetchContext(kind, None)))


def test_the_api_lives_under_the_company_id() -> None:
    connector = RecruiteeConnector("rt-url", {"api_key": TOKEN, "company_id": "acme"})
    assert connector.settings["base_url"] == "https://api.recruitee.com/c/acme"
    for bad in ("acme/../x", "a b", "evil.example.com@x"):
        with pytest.raises(ConfigError) as refused:
            RecruiteeConnector("rt-url", {"api_key": TOKEN, "company_id": bad})
        assert refused.value.field == "company_id" and TOKEN not in str(refused.value)
    with pytest.raises(ConfigError, match="Company ID"):
        RecruiteeConnector("rt-url", {"api_key": TOKEN})
    # No updated filter to read changes by: the scheduler runs FULL syncs only.
    assert TOOLS["recruitee"].supports_delta is False


def test_candidates_are_paged_by_offset_and_a_delta_reads_them_all_again() -> None:
    emu = RecruiteeEmulator(TOKEN, COMPANY, seed=3, candidates=10, window=None)
    with serve(emu.app()) as url:
        full = _read(RecruiteeConnector("rt-pages", _config(url)), "candidates")
        emu.edit("candidates", min(emu.data["candidates"]), name="Changed Name")
        delta = _read(RecruiteeConnector("rt-pages", _config(url)), "candidates", SyncKind.DELTA)
        # A wrong company id is Recruitee's 404, in its error shape.
        wrong = httpx.get(f"{url}/c/999/candidates", headers={"Authorization": f"Bearer {TOKEN}"})
    assert len([c for c in full if isinstance(c, Candidate)]) == 10
    assert not any(isinstance(i, Checkpoint) for i in full + delta)  # nothing incremental to remember
    assert {c.remote_id: c.last_name for c in delta if isinstance(c, Candidate)}[str(min(emu.data["candidates"]))] == (
        "Name"
    )
    asked = [r.query for r in emu.harness.requests if r.path == f"/c/{COMPANY}/candidates"]
    # 10 candidates in pages of 4: offsets 0, 4, 8 and 10 (only an empty page ends it), per run.
    assert asked[:4] == [{"limit": "4", "offset": str(n)} for n in (0, 4, 8, 10)] and len(asked) == 8
    assert wrong.status_code == 404 and wrong.json() == {"error": "Company not found"}


def test_talent_pools_are_no_jobs_and_their_placements_no_applications() -> None:
    emu = RecruiteeEmulator(TOKEN, COMPANY, seed=3, candidates=12, offers=5, window=None)
    pool = next(oid for oid, o in emu.data["offers"].items() if o["kind"] == "talent_pool")
    pooled = emu.place(min(emu.data["candidates"]), pool)
    with serve(emu.app()) as url:
        connector = RecruiteeConnector("rt-pools", _config(url))
        jobs = {j.remote_id for j in _read(connector, "jobs") if isinstance(j, Job)}
        stages = _read(connector, "application_stages")
        applications = {a.remote_id for a in _read(connector, "applications") if isinstance(a, Application)}
    assert str(pool) not in jobs and len(jobs) == 4
    assert {s.job_remote_id for s in stages} == jobs  # no talent pool's pipeline is asked for
    assert not any(r.path.endswith(f"/offers/{pool}") for r in emu.harness.requests)
    in_jobs = {str(p) for p, x in emu.data["placements"].items() if x["offer_id"] != pool}
    assert str(pooled) not in applications and applications == in_jobs


def test_a_note_of_a_candidate_deleted_since_it_was_listed_is_none_and_not_a_failed_run() -> None:
    emu = RecruiteeEmulator(TOKEN, COMPANY, seed=3, candidates=9, window=None)
    with serve(emu.app()) as url:
        connector = RecruiteeConnector("rt-notes", _config(url))
        _read(connector, "applications")  # the parent stream (the candidates list), as the engine runs it first
        noted = sorted({n["candidate_id"] for n in emu.data["notes"].values()})
        emu.delete("candidates", noted[0])
        notes = [n for n in _read(connector, "notes") if isinstance(n, Note)]
    assert {n.candidate_remote_id for n in notes} == {str(c) for c in noted[1:]}
    assert f"/c/{COMPANY}/candidates/{noted[0]}/notes" in {r.path for r in emu.harness.requests}  # asked: 404


def test_each_listed_candidate_is_built_with_its_detail_and_one_deleted_since_is_none() -> None:
    emu = RecruiteeEmulator(TOKEN, COMPANY, seed=3, candidates=9, window=None)
    with serve(emu.app()) as url:
        connector = RecruiteeConnector("rt-detail", _config(url))
        _read(connector, "applications")  # the candidates list, as the engine reads it first
        listed = sorted(emu.data["candidates"])
        emu.delete("candidates", listed[0])
        emu.set_field(listed[1], "Notice period", "single_line", [{"text": "Immediately"}])
        candidates = {c.remote_id: c for c in _read(connector, "candidates") if isinstance(c, Candidate)}
    # One detail request per listed candidate (the list is not read again: the run's parents are reused).
    details = [r.path for r in emu.harness.requests if r.path.startswith(f"/c/{COMPANY}/candidates/")]
    assert sorted(details) == sorted(f"/c/{COMPANY}/candidates/{c}" for c in listed)
    # The list itself was read once: offsets 0, 4, 8 and 9 (only an empty page ends it).
    assert [r.path for r in emu.harness.requests].count(f"/c/{COMPANY}/candidates") == 4
    # The deleted one answered 404: no candidate, and no failed run.
    assert set(candidates) == {str(c) for c in listed[1:]}
    # A profile field set after the list was read is in: it comes from the detail.
    assert candidates[str(listed[1])].custom_fields["Notice period"] == "Immediately"
    addressed = [c for c in candidates.values() if c.location is not None]
    assert addressed and all(c.custom_fields["address"] == c.location.raw for c in addressed if c.location)


def test_a_refetched_candidate_whose_detail_is_gone_is_deleted_with_its_placements() -> None:
    emu = RecruiteeEmulator(TOKEN, COMPANY, seed=3, candidates=6, window=None)
    kept, gone = sorted(emu.data["candidates"])[:2]
    placement = next(p for p, x in sorted(emu.data["placements"].items()) if x["candidate_id"] == gone)
    # Still in the list, but its detail answers 404: deleted between the two requests.
    emu.harness.inject(Fault("status", status=404, path=f"/candidates/{gone}"))
    refs = [Ref("candidates", str(kept)), Ref("candidates", str(gone)), Ref("applications", str(placement))]
    with serve(emu.app()) as url:
        refetched = asyncio.run(RecruiteeConnector("rt-refetch", _config(url)).refetch(refs))
    candidates = {r.remote_id: r for r in refetched.records if isinstance(r, Candidate)}
    assert set(candidates) == {str(kept)}
    # The first generated candidate's profile fields, read from its detail.
    assert candidates[str(kept)].custom_fields == {
        "Notice period": "1 months",
        "Willing to relocate": True,
        "Expected salary": "50000",
    }
    assert set(refetched.deleted) == {("candidates", str(gone)), ("applications", str(placement))}
    assert not any(isinstance(r, Application) and r.candidate_remote_id == str(gone) for r in refetched.records)


def test_a_429_with_retry_after_is_waited_out() -> None:
    emu = RecruiteeEmulator(TOKEN, COMPANY, seed=3, candidates=3, window=None)
    emu.harness.inject(Fault("status", status=429, retry_after="0", path="/offers"))
    with serve(emu.app()) as url:
        jobs = [j for j in _read(RecruiteeConnector("rt-429", _config(url)), "jobs") if isinstance(j, Job)]
    assert len(jobs) == 3
    assert [r.path for r in emu.harness.requests].count(f"/c/{COMPANY}/offers") == 2


def test_the_emulators_own_window_answers_429_with_retry_after_only() -> None:
    emu = RecruiteeEmulator(TOKEN, COMPANY, seed=3, candidates=2, window=2, window_seconds=60)
    with serve(emu.app()) as url:
        answers = [httpx.get(f"{url}/c/{COMPANY}/tags", headers={"Authorization": f"Bearer {TOKEN}"}) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].headers["retry-after"] == "60" and not any(h.startswith("x-rate") for h in answers[2].headers)
