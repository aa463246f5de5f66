"""Recruitee's write actions against the Recruitee emulator over real HTTP: each action changes the company
as Recruitee would, returns the records it changed mapped as the streams map them, and -- written back
through the sync engine's write path -- leaves nothing new for the next FULL and DELTA syncs. Recruitee's
refusals become Kombo's codes. (tests/test_actions_tools.py runs the same actions through the SDK.)"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine

from hirebridge.connectors.framework.actions import ActionFailed
from hirebridge.connectors.recruitee import RecruiteeConnector
from hirebridge.model import actions as a
from hirebridge.model.records import Application, Candidate, Note
from tests.action_setup import ActionSetup, synced, written_back_then_synced
from tests.emulators.harness import serve
from tests.emulators.recruitee import RecruiteeEmulator

TOKEN = "recruitee-actions-token"
COMPANY = "61234"
# A generous timeout: a write timed out is OutcomeUnknown, and a loaded machine is no fault under test.
FAST = {"requests_per_second": 5000, "burst": 5000, "timeout": 5.0, "retry_attempts": 3, "retry_base_delay": 0.01}

Setup = ActionSetup[RecruiteeEmulator]


@contextmanager
def _synced(engine: Engine) -> Iterator[Setup]:
    emu = RecruiteeEmulator(TOKEN, COMPANY, seed=9, candidates=12, offers=5, window=None)
    with serve(emu.app()) as url:
        config = {"api_key": TOKEN, "company_id": COMPANY, "base_url": f"{url}/c/{COMPANY}", "page_size": 5, **FAST}
        with synced(engine, "recruitee", RecruiteeConnector, emu, config) as setup:
            yield setup


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
        written_back_then_synced(s, created)

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
        # The read-back builds the candidate as the sync does: with its detail's profile fields.
        (mover,) = [r for r in moved.records if isinstance(r, Candidate)]
        owner = s.emu.data["placements"][pending]["candidate_id"]
        profile = {f["name"] or f["kind"] for f in s.emu.data["fields"].values() if f["candidate_id"] == owner}
        assert profile and set(mover.custom_fields) == profile
        written_back_then_synced(s, moved)

        noted = s.perform(a.AddNote(s.target("applications", pending), "Strong yes"))
        (note,) = noted.records
        assert isinstance(note, Note) and note.content_html == "Strong yes"
        assert note.candidate_remote_id == str(s.emu.data["placements"][pending]["candidate_id"])
        written_back_then_synced(s, noted)

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
        written_back_then_synced(s, rejected)


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
