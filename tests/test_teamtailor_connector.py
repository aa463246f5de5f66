"""Teamtailor behaviour no other connector shares (the kit, tests/conformance, holds the rest): the
`X-Api-Version` header every request needs, jobs listed with every status (Teamtailor lists published
ones only otherwise), the updated-at filter a DELTA sends, and the rate window announced in
`X-Rate-Limit-*` (its reset in seconds from now)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from hirebridge.connectors.base import Checkpoint, FetchContext
from hirebridge.connectors.teamtailor import TeamtailorConnector
from hirebridge.model import SyncKind
from hirebridge.model.records import Candidate, Job
from tests.emulators.harness import serve
from tests.emulators.teamtailor import TeamtailorEmulator

KEY = "teamtailor-test-key"


def _config(url: str, **more: Any) -> dict[str, Any]:
    return {"api_key": KEY, "base_url": f"{url}/v1", "page_size": 5, "requests_per_second": 1000, "burst": 1000, **more}


def _read(connector: TeamtailorConnector, model: str, kind: SyncKind, state: Any = None) -> list[Any]:
    stream = next(s for s in connector.streams() if s.model == model)
    return list(stream.fetch(FetchContext(kind, state)))


def test_jobs_of_every_status_are_read_with_the_api_version_teamtailor_requires() -> None:
    emu = TeamtailorEmulator(KEY, seed=2, candidates=4, jobs=4, window=None)
    with serve(emu.app()) as url:
        jobs = [
            i for i in _read(TeamtailorConnector("tt-jobs", _config(url)), "jobs", SyncKind.FULL) if isinstance(i, Job)
        ]
        # Teamtailor refuses a request without the version header (the successful read above sent it).
        refused = httpx.get(f"{url}/v1/jobs", headers={"Authorization": f"Token token={KEY}"})
    assert refused.status_code == 406 and refused.json()["errors"][0]["title"] == "Not Acceptable"
    # A blank version is no version: the default is sent.
    assert TeamtailorConnector("tt-blank", _config(url, api_version="")).settings["api_version"] == "20240404"
    statuses = {(j.remote_data or {})["attributes"]["human-status"] for j in jobs}
    assert {j.remote_id for j in jobs} == set(emu.data["jobs"]) and statuses == {"published", "archived", "draft"}
    asked = [r.query for r in emu.harness.requests if r.path == "/v1/jobs"]
    assert asked[0] == {"filter[status]": "all", "page[size]": "5"}


def test_a_delta_asks_for_candidates_updated_since_the_last_run_and_reads_only_those() -> None:
    emu = TeamtailorEmulator(KEY, seed=2, candidates=12, window=None)
    with serve(emu.app()) as url:
        full = _read(TeamtailorConnector("tt-delta", _config(url)), "candidates", SyncKind.FULL)
        state = next(i.state for i in full if isinstance(i, Checkpoint))
        changed = sorted(emu.data["candidates"], key=int)[3]
        emu.edit("candidates", changed, **{"last-name": "Changed"})
        delta = _read(TeamtailorConnector("tt-delta", _config(url)), "candidates", SyncKind.DELTA, state)
    assert len([i for i in full if isinstance(i, Candidate)]) == 12
    assert [(c.remote_id, c.last_name) for c in delta if isinstance(c, Candidate)] == [(changed, "Changed")]
    first, *_, last = [r.query for r in emu.harness.requests if r.path == "/v1/candidates"]
    assert "filter[updated-at][from]" not in first
    assert last["filter[updated-at][from]"].endswith("Z") and last["include"] == "custom-field-values.custom-field"


@pytest.mark.serial  # the window is judged on arrival times (`make pytest`)
def test_a_spent_window_is_waited_out_before_teamtailor_answers_429() -> None:
    """Teamtailor's fixed window (here 4 requests per second), announced in `X-Rate-Limit-Remaining`
    and `-Reset` (seconds until the window ends); a client far faster than it (1,000/s) reads them and
    waits instead of spending requests on 429s."""
    emu = TeamtailorEmulator(KEY, seed=3, candidates=3, window=4, window_seconds=1.0)
    with serve(emu.app()) as url:
        runtime = TeamtailorConnector("tt-window", _config(url, retry_max_delay=5)).runtime

        async def walk() -> None:
            client = runtime.client(max_concurrency=1)
            try:
                for _ in range(12):
                    await client.json("GET", "/users", params={"page[size]": 1})
            finally:
                await client.aclose()

        asyncio.run(walk())
    assert len(emu.harness.requests) >= 12
    assert emu.window_refused == 0, f"{emu.window_refused} request(s) answered 429"
