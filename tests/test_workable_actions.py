"""Workable's write actions against the Workable emulator over real HTTP: each action changes the account
as Workable would, returns the records it changed mapped as the streams map them, and -- written back
through the sync engine's write path -- leaves nothing new for the next FULL and DELTA syncs. A write
Workable makes only as a member is refused without one, before anything is sent; Workable's refusals
become Kombo's codes. (tests/test_actions_tools.py runs the same actions through the SDK.)"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine

from hirebridge.connectors.framework.actions import ActionFailed
from hirebridge.connectors.workable import WorkableConnector
from hirebridge.model import actions as a
from hirebridge.model.records import Application, Candidate, Note
from tests.action_setup import ActionSetup, synced, written_back_then_synced
from tests.emulators.harness import serve
from tests.emulators.workable import WorkableEmulator

TOKEN = "workable-actions-token"
FAST = {"requests_per_second": 5000, "burst": 5000, "timeout": 0.5, "retry_attempts": 3, "retry_base_delay": 0.01}

Setup = ActionSetup[WorkableEmulator]


@contextmanager
def _synced(engine: Engine) -> Iterator[Setup]:
    emu = WorkableEmulator(TOKEN, seed=9, candidates=12, jobs=3, window=None)
    with serve(emu.app()) as url:
        member = sorted(emu.data["members"])[0]
        config = {"api_key": TOKEN, "subdomain": "kit", "base_url": f"{url}/spi/v3", "member_id": member, **FAST}
        with synced(engine, "workable", WorkableConnector, emu, config) as setup:
            yield setup


def _pending(emu: WorkableEmulator) -> str:
    return next(
        c for c, x in sorted(emu.data["candidates"].items()) if not x["disqualified"] and x["stage_kind"] == "applied"
    )


def _open_job(emu: WorkableEmulator) -> str:
    return next(s for s, j in sorted(emu.data["jobs"].items()) if j["state"] == "published")


def test_create_move_comment_and_disqualify_leave_nothing_for_the_next_syncs(engine: Engine) -> None:
    with _synced(engine) as s:
        shortcode = _open_job(s.emu)
        person = a.NewCandidate("Ada", "Newcomer", "ada.new@example.org", title="Engineer", phone_number="+4930123")
        created = s.perform(a.CreateApplication(job=s.target("jobs", shortcode), candidate=person))
        assert created.created is not None and created.created[0] == "applications"
        new_id = created.created[1]
        row = s.emu.data["candidates"][new_id]
        assert (row["email"], row["headline"], row["phone"], row["stage"], row["sourced"]) == (
            "ada.new@example.org",
            "Engineer",
            "+4930123",
            "Applied",
            False,
        )
        candidate, application = created.records
        assert isinstance(candidate, Candidate) and isinstance(application, Application)
        assert application.current_stage_remote_id == f"{shortcode}:applied"
        # Read back with its detail, as the candidates stream reads it: its custom attributes too.
        attributes = s.emu.profiles[new_id]["custom_attributes"]
        assert candidate.custom_fields == {x["label"]: x["value"] for x in attributes} != {}
        written_back_then_synced(s, created)

        pending = _pending(s.emu)
        job = s.emu.data["candidates"][pending]["job"]["shortcode"]
        moved = s.perform(
            a.MoveApplicationStage(
                s.target("applications", pending), a.Target("application_stages", f"{job}:interview")
            )
        )
        assert s.emu.data["candidates"][pending]["stage"] == "Interview"
        written_back_then_synced(s, moved)

        commented = s.perform(a.AddNote(s.target("applications", pending), "Strong yes"))
        notes = [r for r in commented.records if isinstance(r, Note)]
        assert [(n.content_html, n.author_remote_id) for n in notes] == [("Strong yes", s.config["member_id"])]
        written_back_then_synced(s, commented)

        reason = next(r for r, x in sorted(s.emu.data["reasons"].items()) if x["candidate_withdrew"])
        rejected = s.perform(
            a.RejectApplication(s.target("applications", pending), s.target("rejection_reasons", reason), note="Gone")
        )
        row = s.emu.data["candidates"][pending]
        assert (row["disqualified"], row["withdrew"]) == (True, True)
        (declined,) = [r for r in rejected.records if isinstance(r, Application)]
        assert (declined.outcome, declined.rejection_reason_name) == (
            "DECLINED",
            s.emu.data["reasons"][reason]["description"],
        )
        written_back_then_synced(s, rejected)


def test_a_second_application_to_the_job_and_a_closed_job_are_refused(engine: Engine) -> None:
    with _synced(engine) as s:
        existing = s.emu.data["candidates"][sorted(s.emu.data["candidates"])[0]]
        shortcode = existing["job"]["shortcode"]
        person = a.NewCandidate("Again", "Person", existing["email"])
        before = len(s.emu.data["candidates"])
        with pytest.raises(ActionFailed) as twice:
            s.perform(a.CreateApplication(job=s.target("jobs", shortcode), candidate=person))
        assert (twice.value.status, twice.value.code) == (409, "ATS.APPLICATION_ALREADY_EXISTS")
        closed = next(j for j, x in sorted(s.emu.data["jobs"].items()) if x["state"] == "closed")
        with pytest.raises(ActionFailed) as refused:
            s.perform(a.CreateApplication(job=s.target("jobs", closed), candidate=a.NewCandidate("N", "P", "n@p.io")))
        assert refused.value.code == "ATS.JOB_CLOSED"
        assert len(s.emu.data["candidates"]) == before


def test_without_a_member_a_write_is_refused_before_anything_is_sent(engine: Engine) -> None:
    with _synced(engine) as s:
        pending = _pending(s.emu)
        sent = len(s.emu.harness.requests)
        with pytest.raises(ActionFailed) as refused:
            s.perform(a.AddNote(s.target("applications", pending), "x"), member_id=None)
        assert refused.value.code == "INTEGRATION.ACTION_NOT_AVAILABLE" and "member_id" in refused.value.message
        assert len(s.emu.harness.requests) == sent
        # Workable's own refusal of an unknown member is REMOTE.INPUT_INVALID with its message.
        with pytest.raises(ActionFailed) as unknown:
            s.perform(a.AddNote(s.target("applications", pending), "x", {"workable": {"member_id": "nobody"}}))
        assert unknown.value.code == "REMOTE.INPUT_INVALID" and "member" in unknown.value.message
