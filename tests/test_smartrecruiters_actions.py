"""SmartRecruiters' write actions against the SmartRecruiters emulator over real HTTP: each action changes
the company as SmartRecruiters would, returns the records it changed mapped as the streams map them, and --
written back through the sync engine's write path -- leaves nothing new for the next FULL and DELTA syncs.
SmartRecruiters' refusals become Kombo's codes. (tests/test_actions_tools.py runs the same actions
through the SDK.)"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine

from hirebridge.connectors.framework.actions import ActionFailed
from hirebridge.connectors.smartrecruiters import SmartRecruitersConnector
from hirebridge.model import actions as a
from hirebridge.model.records import Application, Candidate
from tests.action_setup import ActionSetup, synced, written_back_then_synced
from tests.emulators.harness import serve
from tests.emulators.smartrecruiters import PROPERTIES, SmartRecruitersEmulator

TOKEN = "smartrecruiters-actions-token"
FAST = {"requests_per_second": 5000, "burst": 5000, "timeout": 2.0, "retry_attempts": 3, "retry_base_delay": 0.01}

Setup = ActionSetup[SmartRecruitersEmulator]


@contextmanager
def _synced(engine: Engine) -> Iterator[Setup]:
    emu = SmartRecruitersEmulator(TOKEN, seed=9, candidates=12, jobs=3, window=None)
    with serve(emu.app()) as url:
        config = {"api_key": TOKEN, "base_url": url, **FAST}
        with synced(engine, "smartrecruiters", SmartRecruitersConnector, emu, config) as setup:
            yield setup


def _new(emu: SmartRecruitersEmulator) -> tuple[str, str]:
    return next(k for k, x in sorted(emu.applications.items()) if x["status"] == "NEW")


def _open_job(emu: SmartRecruitersEmulator) -> str:
    return next(j for j, x in sorted(emu.data["jobs"].items()) if x["status"] == "SOURCING")


def test_create_move_and_reject_leave_nothing_for_the_next_syncs(engine: Engine) -> None:
    with _synced(engine) as s:
        job = _open_job(s.emu)
        person = a.NewCandidate("Ada", "Newcomer", "ada.new@example.org", phone_number="+4930123")
        created = s.perform(a.CreateApplication(job=s.target("jobs", job), candidate=person))
        new_id = next(c for c, x in s.emu.data["candidates"].items() if x["email"] == "ada.new@example.org")
        assert created.created == ("applications", f"{new_id}:{job}")
        row = s.emu.data["candidates"][new_id]
        assert (row["firstName"], row["lastName"], row["phoneNumber"]) == ("Ada", "Newcomer", "+4930123")
        assert s.emu.applications[(new_id, job)]["status"] == "NEW"
        candidate, application = created.records
        assert isinstance(candidate, Candidate) and isinstance(application, Application)
        assert (candidate.remote_id, application.current_stage_remote_id) == (new_id, f"{job}:NEW")
        written_back_then_synced(s, created)

        cid, jid = _new(s.emu)
        moved = s.perform(
            a.MoveApplicationStage(
                s.target("applications", f"{cid}:{jid}"),
                a.Target("application_stages", f"{jid}:INTERVIEW:Final interview"),
            )
        )
        assert (s.emu.applications[(cid, jid)]["status"], s.emu.applications[(cid, jid)]["subStatus"]) == (
            "INTERVIEW",
            "Final interview",
        )
        # The candidate comes back too: its listing entry names the application's new status.
        listed, interview = moved.records
        assert isinstance(listed, Candidate) and isinstance(interview, Application)
        assert listed.remote_data and listed.remote_data["primaryAssignment"]["status"] == "INTERVIEW"
        # With its custom fields read as the candidates stream reads them (the write-back below checks
        # that the next syncs find nothing new).
        assert listed.custom_fields["Notice period"] == s.emu.properties[cid][PROPERTIES[0][0]]
        assert interview.current_stage_remote_id == f"{jid}:INTERVIEW:Final interview"
        written_back_then_synced(s, moved)

        reason = sorted(s.emu.data["withdrawal_reasons"])[0]
        withdrawn = s.perform(
            a.RejectApplication(
                s.target("applications", f"{cid}:{jid}"), s.target("rejection_reasons", f"withdrawal:{reason}")
            )
        )
        assert s.emu.applications[(cid, jid)]["status"] == "WITHDRAWN"
        _, declined = withdrawn.records
        assert isinstance(declined, Application)
        assert (declined.outcome, declined.rejection_reason_name, declined.current_stage_remote_id) == (
            "DECLINED",
            s.emu.data["withdrawal_reasons"][reason]["label"],
            None,
        )
        written_back_then_synced(s, withdrawn)

        other = sorted(k for k, x in s.emu.applications.items() if x["status"] == "NEW")[0]
        rejection = sorted(s.emu.data["rejection_reasons"])[1]
        rejected = s.perform(
            a.RejectApplication(
                s.target("applications", ":".join(other)), s.target("rejection_reasons", f"rejection:{rejection}")
            )
        )
        assert s.emu.applications[other]["status"] == "REJECTED"
        assert s.emu.applications[other]["reasonOfRejection"]["id"] == rejection
        written_back_then_synced(s, rejected)


def test_a_closed_job_and_smartrecruiters_refusals_become_kombo_codes(engine: Engine) -> None:
    with _synced(engine) as s:
        closed = next(j for j, x in sorted(s.emu.data["jobs"].items()) if x["status"] == "FILLED")
        before = len(s.emu.data["candidates"])
        sent = len(s.emu.harness.requests)
        with pytest.raises(ActionFailed) as refused:
            s.perform(a.CreateApplication(job=s.target("jobs", closed), candidate=a.NewCandidate("N", "P", "n@p.io")))
        assert refused.value.code == "ATS.JOB_CLOSED"
        assert len(s.emu.data["candidates"]) == before and len(s.emu.harness.requests) == sent
        # A candidate with the same email on the job already: found by `q` and `jobId`, not created twice.
        cid, jid = _new(s.emu)
        email = s.emu.data["candidates"][cid]["email"].upper()
        with pytest.raises(ActionFailed) as twice:
            s.perform(a.CreateApplication(job=s.target("jobs", jid), candidate=a.NewCandidate("A", "B", email)))
        assert (twice.value.status, twice.value.code) == (409, "ATS.APPLICATION_ALREADY_EXISTS")
        assert len(s.emu.data["candidates"]) == before
        sent = len(s.emu.harness.requests)
        # A stage of another job is refused before anything is sent.
        other_job = next(j for j in sorted(s.emu.data["jobs"]) if j != jid)
        with pytest.raises(ActionFailed) as foreign:
            s.perform(
                a.MoveApplicationStage(
                    s.target("applications", f"{cid}:{jid}"), a.Target("application_stages", f"{other_job}:NEW")
                )
            )
        assert foreign.value.code == "REMOTE.INPUT_INVALID" and len(s.emu.harness.requests) == sent
        # SmartRecruiters' own refusal of a sub-status its hiring process lacks, with its message.
        with pytest.raises(ActionFailed) as unknown:
            s.perform(
                a.MoveApplicationStage(
                    s.target("applications", f"{cid}:{jid}"), a.Target("application_stages", f"{jid}:INTERVIEW:Nope")
                )
            )
        assert unknown.value.code == "REMOTE.INPUT_INVALID" and "Nope" in unknown.value.message
        assert s.emu.applications[(cid, jid)]["status"] == "NEW"
