"""Recruitee's write actions against the Recruitee emulator over real HTTP: each action changes the company
as Recruitee would, returns the records it changed mapped as the streams map them, and -- written back
through the sync engine's write path -- leaves nothing new for the next FULL and DELTA syncs. Recruitee's
refusals become Kombo's codes. (tests/test_actions_tools.py runs the same actions through the SDK.)"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine, select

from hirebridge.connectors.framework.actions import ActionFailed, ActionResult
from hirebridge.connectors.recruitee import RecruiteeConnector
from hirebridge.model import SyncKind
from hirebridge.model import actions as a
from hirebridge.model.records import Application, Candidate, Note
from hirebridge.store import tenancy
from hirebridge.store.db import read_tx, write_tx
from hirebridge.store.sync_runs import SyncState
from hirebridge.store.tables import SYNCED_TABLES
from hirebridge.sync.engine import SyncEngine
from hirebridge.sync.writeback import write_back
from tests.conftest import make_tenant
from tests.emulators.harness import serve
from tests.emulators.recruitee import RecruiteeEmulator

TOKEN = "recruitee-actions-token"
COMPANY = "61234"
# A generous timeout: a write timed out is OutcomeUnknown, and a loaded machine is no fault under test.
FAST = {"requests_per_second": 5000, "burst": 5000, "timeout": 5.0, "retry_attempts": 3, "retry_base_delay": 0.01}


@dataclass
class Setup:
    engine: Engine
    emu: RecruiteeEmulator
    config: dict[str, Any]
    integration_id: str

    def perform(self, action: a.Action) -> ActionResult:
        return asyncio.run(RecruiteeConnector(self.integration_id, self.config).perform(action))

    def rows(self, model: str) -> dict[str, tuple[Any, ...]]:
        table = SYNCED_TABLES[model]
        with read_tx(self.engine) as conn:
            rows = conn.execute(select(table).where(table.c.integration_id == self.integration_id))
            return {r.remote_id: (r.data, r.links, r.remote_data, r.remote_deleted_at) for r in rows}

    def target(self, model: str, remote_id: int | str) -> a.Target:
        data, _links, remote_data, _deleted = self.rows(model)[str(remote_id)]
        return a.Target(model, str(remote_id), orjson.loads(remote_data), orjson.loads(data))


@contextmanager
def _synced(engine: Engine) -> Iterator[Setup]:
    emu = RecruiteeEmulator(TOKEN, COMPANY, seed=9, candidates=12, offers=5, window=None)
    with serve(emu.app()) as url:
        config = {"api_key": TOKEN, "company_id": COMPANY, "base_url": f"{url}/c/{COMPANY}", "page_size": 5, **FAST}
        tenant = make_tenant(engine)
        with write_tx(engine) as conn:
            integration = tenancy.create_integration(conn, tenant.environment, "recruitee", config)
        setup = Setup(engine, emu, config, integration.id)
        assert SyncEngine(engine).run(integration.id).state == SyncState.SUCCEEDED
        yield setup


def _written_back_then_synced(s: Setup, result: ActionResult) -> None:
    """The action's records, written back, are what the next syncs find: FULL and DELTA insert and
    update nothing, and the stored rows stay as written."""
    with write_tx(s.engine) as conn:
        write_back(conn, s.integration_id, result.records, datetime.now(UTC), result.deleted)
    models = {record.MODEL for record in result.records}
    written = {model: s.rows(model) for model in models}
    for kind in (SyncKind.FULL, SyncKind.DELTA):
        run = SyncEngine(s.engine).run(s.integration_id, kind)
        assert run.state == SyncState.SUCCEEDED, run.error
        for model, stats in run.stats.items():
            assert (stats["inserted"], stats["updated"], stats["deleted"]) == (0, 0, 0), (kind, model, stats)
        for model in models:
            assert s.rows(model) == written[model], (kind, model)


def _open_job(emu: RecruiteeEmulator) -> int:
    return next(o for o, x in sorted(emu.data["offers"].items()) if x["kind"] == "job" and x["status"] == "published")


def _pending(emu: RecruiteeEmulator) -> int:
    jobs = {o for o, x in emu.data["offers"].items() if x["kind"] == "job"}
    return next(
        p
        for p, x in sorted(emu.data["placements"].items())
        if x["offer_id"] in jobs and x["hired_at"] is None and x["disqualified_at"] is None
    )


def test_create_move_note_and_disqualify_leave_nothing_for_the_next_syncs(engine: Engine) -> None:
    with _synced(engine) as s:
        offer = _open_job(s.emu)
        person = a.NewCandidate("Ada", "Newcomer", "ada.new@example.org", phone_number="+31201234567")
        created = s.perform(a.CreateApplication(job=s.target("jobs", offer), candidate=person, source_name="Kombo"))
        assert created.created is not None and created.created[0] == "applications"
        placement = s.emu.data["placements"][int(created.created[1])]
        row = s.emu.data["candidates"][placement["candidate_id"]]
        assert (row["name"], row["emails"], row["phones"], row["sources"]) == (
            "Ada Newcomer",
            ["ada.new@example.org"],
            ["+31201234567"],
            ["Kombo"],
        )
        first_stage = min(
            (st for st in s.emu.data["stages"].values() if st["offer_id"] == offer), key=lambda x: x["position"]
        )
        candidate, application = created.records
        assert isinstance(candidate, Candidate) and isinstance(application, Application)
        assert (application.job_remote_id, application.current_stage_remote_id) == (str(offer), str(first_stage["id"]))
        assert candidate.source == "Kombo"
        _written_back_then_synced(s, created)

        pending = _pending(s.emu)
        offer_of = s.emu.data["placements"][pending]["offer_id"]
        interview = next(
            st["id"] for st in s.emu.data["stages"].values() if st["offer_id"] == offer_of and st["name"] == "Interview"
        )
        if s.emu.data["placements"][pending]["stage_id"] == interview:
            interview = next(
                st["id"] for st in s.emu.data["stages"].values() if st["offer_id"] == offer_of and st["name"] == "Offer"
            )
        moved = s.perform(
            a.MoveApplicationStage(s.target("applications", pending), a.Target("application_stages", str(interview)))
        )
        assert s.emu.data["placements"][pending]["stage_id"] == interview
        _written_back_then_synced(s, moved)

        noted = s.perform(a.AddNote(s.target("applications", pending), "Strong yes"))
        (note,) = noted.records
        assert isinstance(note, Note) and note.content_html == "Strong yes"
        assert note.candidate_remote_id == str(s.emu.data["placements"][pending]["candidate_id"])
        _written_back_then_synced(s, noted)

        reason = max(s.emu.data["disqualify_reasons"])
        rejected = s.perform(
            a.RejectApplication(s.target("applications", pending), s.target("rejection_reasons", reason))
        )
        assert s.emu.data["placements"][pending]["disqualify_reason_id"] == reason
        declined = next(r for r in rejected.records if isinstance(r, Application) and r.remote_id == str(pending))
        assert (declined.outcome, declined.rejection_reason_name) == (
            "DECLINED",
            s.emu.data["disqualify_reasons"][reason]["name"],
        )
        assert declined.rejected_at is not None
        _written_back_then_synced(s, rejected)


def test_a_second_application_to_the_job_and_a_closed_job_are_refused(engine: Engine) -> None:
    with _synced(engine) as s:
        placement = s.emu.data["placements"][_pending(s.emu)]
        email = s.emu.data["candidates"][placement["candidate_id"]]["emails"][0]
        before = len(s.emu.data["candidates"])
        with pytest.raises(ActionFailed) as twice:
            s.perform(
                a.CreateApplication(
                    job=s.target("jobs", placement["offer_id"]),
                    candidate=a.NewCandidate("Again", "Person", email.upper()),
                )
            )
        assert (twice.value.status, twice.value.code) == (409, "ATS.APPLICATION_ALREADY_EXISTS")
        closed = next(
            o for o, x in sorted(s.emu.data["offers"].items()) if x["kind"] == "job" and x["status"] == "closed"
        )
        with pytest.raises(ActionFailed) as refused:
            s.perform(a.CreateApplication(job=s.target("jobs", closed), candidate=a.NewCandidate("N", "P", "n@p.io")))
        assert refused.value.code == "ATS.JOB_CLOSED"
        assert len(s.emu.data["candidates"]) == before


def test_recruitees_refusals_become_kombos_codes_and_a_note_on_a_rejection_is_refused(engine: Engine) -> None:
    with _synced(engine) as s:
        pending = s.target("applications", _pending(s.emu))
        # A stage of another job: Recruitee's 422, as REMOTE.INPUT_INVALID with its message.
        own_offer = (pending.remote_data or {})["offer_id"]
        elsewhere = next(st for st in s.emu.data["stages"].values() if st["offer_id"] != own_offer)
        with pytest.raises(ActionFailed) as wrong:
            s.perform(a.MoveApplicationStage(pending, a.Target("application_stages", str(elsewhere["id"]))))
        assert wrong.value.code == "REMOTE.INPUT_INVALID" and "stage_id" in wrong.value.message
        sent = len(s.emu.harness.requests)
        reason = s.target("rejection_reasons", min(s.emu.data["disqualify_reasons"]))
        with pytest.raises(ActionFailed) as noted:
            s.perform(a.RejectApplication(pending, reason, note="why"))
        assert noted.value.code == "INTEGRATION.ACTION_NOT_AVAILABLE"
        assert len(s.emu.harness.requests) == sent  # refused before anything was sent
