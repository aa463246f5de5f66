"""Lever leaves confidential postings and opportunities out of its listings unless a request says
`confidentiality=all`: the connector asks for them, and they are synced and served."""

from __future__ import annotations

import httpx
from sqlalchemy import Engine

from hirebridge.store.sync_runs import SyncState
from tests.conftest import Server
from tests.emulators.lever import LeverEmulator
from tests.lever_world import KEY, lever, world


def test_confidential_postings_and_opportunities_are_synced(engine: Engine, server: Server) -> None:
    with lever(engine, opportunities=32) as s:  # 4 postings: the fourth is confidential
        result = s.sync()
        assert result.state == SyncState.SUCCEEDED, result.error
        for r in s.emu.requests_to("/opportunities") + s.emu.requests_to("/postings"):
            assert r.query.get("confidentiality") == "all", r
        w = world(s, server)
        confidential_jobs = {p for p, x in s.emu.postings.items() if x["confidentiality"] == "confidential"}
        confidential_apps = {o for o, x in s.emu.opportunities.items() if x["confidentiality"] == "confidential"}
        assert confidential_jobs and confidential_apps
        jobs = {j["remote_id"]: j for j in w.walk("/ats/jobs")}
        assert confidential_jobs <= set(jobs)
        assert all(jobs[p]["confidential"] is True for p in confidential_jobs)
        assert confidential_apps <= {a["remote_id"] for a in w.walk("/ats/applications", page_size=250)}


def test_the_emulator_hides_confidential_data_unless_asked() -> None:
    """What makes the check above meaningful: without `confidentiality=all`, Lever (and the
    emulator) leave confidential records out."""
    emu = LeverEmulator(seed=7, opportunities=30, api_key=KEY, rate=None)
    auth = (KEY, "")
    with emu.running() as url:
        default = httpx.get(f"{url}/opportunities", auth=auth).json()["data"]
        everything = httpx.get(f"{url}/opportunities", params={"confidentiality": "all"}, auth=auth).json()["data"]
        assert len(everything) == 30 > len(default)
        assert httpx.get(f"{url}/opportunities", auth=("wrong", "")).status_code == 401
