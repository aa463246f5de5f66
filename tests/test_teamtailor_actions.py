"""Teamtailor's write actions against the Teamtailor emulator over real HTTP: each action changes the account
as Teamtailor would, returns the records it changed mapped as the streams map them, and -- written back
through the sync engine's write path -- leaves nothing new for the next FULL and DELTA syncs. The bodies
are JSON:API documents as docs.teamtailor.com's examples (tests/fixtures/teamtailor/write) show them; a
note Teamtailor writes only as a user is refused without one, before anything is sent; Teamtailor's
refusals become Kombo's codes. (tests/test_actions_tools.py runs the same actions through the SDK.)"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from hirebridge.connectors.framework.actions import ActionFailed
from hirebridge.connectors.framework.errors import OutcomeUnknown
from hirebridge.connectors.framework.payloads import check
from hirebridge.connectors.teamtailor import TeamtailorConnector, mapping, shapes
from hirebridge.model import actions as a
from hirebridge.model.records import Application, Candidate, Note
from tests.action_setup import ActionSetup, synced, written_back_then_synced
from tests.emulators.harness import Fault, serve
from tests.emulators.teamtailor import TeamtailorEmulator

TOKEN = "teamtailor-actions-key"
FAST = {"requests_per_second": 5000, "burst": 5000, "timeout": 0.5, "retry_attempts": 3, "retry_base_delay": 0.01}
WRITES = Path(__file__).parent / "fixtures" / "teamtailor" / "write"

Setup = ActionSetup[TeamtailorEmulator]


def _writes(s: Setup) -> list[tuple[str, str, Any]]:
    """The writes the emulator received: method, path and parsed body."""
    return [
        (r.method, r.path, json.loads(r.body))
        for r in s.emu.harness.requests
        if r.method in ("POST", "PATCH") and r.body
    ]


@contextmanager
def _synced(engine: Engine) -> Iterator[Setup]:
    emu = TeamtailorEmulator(TOKEN, seed=9, candidates=12, jobs=4, window=None)
    with serve(emu.app()) as url:
        user = sorted(emu.data["users"], key=int)[1]
        config = {"api_key": TOKEN, "base_url": f"{url}/v1", "user_id": user, **FAST}
        with synced(engine, "teamtailor", TeamtailorConnector, emu, config) as setup:
            yield setup


def _open_job(emu: TeamtailorEmulator) -> str:
    return next(j for j, x in sorted(emu.data["jobs"].items()) if x.attributes["human-status"] == "published")


def _pending(emu: TeamtailorEmulator) -> str:
    """A job application not rejected, in its job's first stage."""
    return next(
        i
        for i, x in sorted(emu.data["job-applications"].items(), key=lambda kv: int(kv[0]))
        if x.attributes["rejected-at"] is None
        and emu.data["stages"][x.relationships["stage"][1]].attributes["name"] == "Inbox"
    )


def _stage(emu: TeamtailorEmulator, job: str, name: str) -> str:
    return next(
        s
        for s, x in emu.data["stages"].items()
        if x.relationships["job"] == ("jobs", job) and x.attributes["name"] == name
    )


def test_the_bodies_are_the_documented_json_api_documents(engine: Engine) -> None:
    """Each write has the type and relationships of docs.teamtailor.com's example of it (and was sent
    as application/vnd.api+json: the emulator answers anything else 415)."""
    with _synced(engine) as s:
        job = _open_job(s.emu)
        s.perform(
            a.CreateApplication(
                job=s.target("jobs", job), candidate=a.NewCandidate("Jonas", "Brusman", "jonas@example.com")
            )
        )
        pending = _pending(s.emu)
        s.perform(a.AddNote(s.target("applications", pending), "new note for candidate"))
        job_of = s.emu.data["job-applications"][pending].relationships["job"][1]
        s.perform(
            a.MoveApplicationStage(
                s.target("applications", pending), a.Target("application_stages", _stage(s.emu, job_of, "Interview"))
            )
        )
        sent = _writes(s)
        assert [(m, p) for m, p, _ in sent] == [
            ("POST", "/v1/candidates"),
            ("POST", "/v1/job-applications"),
            ("POST", "/v1/notes"),
            ("PATCH", f"/v1/job-applications/{pending}"),
        ]
        documented = {
            name: json.loads((WRITES / f"{name}.request.json").read_text())["data"]
            for name in ("create-candidate", "create-job-application", "create-note", "update-job-application")
        }
        for (_m, _p, body), name in zip(sent, documented, strict=True):
            data, example = body["data"], documented[name]
            assert data.get("type", "notes") == example.get("type", "notes"), name
            assert (
                set(data.get("relationships", {})) == set(example.get("relationships", {}))
                or name == "update-job-application"
            ), name
        assert sent[0][2]["data"]["attributes"] == {
            "first-name": "Jonas",
            "last-name": "Brusman",
            "email": "jonas@example.com",
        }
        assert sent[3][2]["data"]["id"] == pending and sent[3][2]["data"]["relationships"] == {
            "stage": {"data": {"type": "stages", "id": _stage(s.emu, job_of, "Interview")}}
        }


def test_create_move_note_and_reject_leave_nothing_for_the_next_syncs(engine: Engine) -> None:
    with _synced(engine) as s:
        job = _open_job(s.emu)
        person = a.NewCandidate("Ada", "Newcomer", "ada.new@example.org", phone_number="+4930123")
        created = s.perform(a.CreateApplication(job=s.target("jobs", job), candidate=person))
        assert created.created is not None and created.created[0] == "applications"
        row = s.emu.data["job-applications"][created.created[1]]
        candidate_id = row.relationships["candidate"][1]
        made = s.emu.data["candidates"][candidate_id].attributes
        assert (made["email"], made["phone"], made["first-name"]) == ("ada.new@example.org", "+4930123", "Ada")
        assert s.emu.data["stages"][row.relationships["stage"][1]].attributes["name"] == "Inbox"
        candidate, application = created.records
        assert isinstance(candidate, Candidate) and isinstance(application, Application)
        assert (application.candidate_remote_id, application.job_remote_id, application.outcome) == (
            candidate_id,
            job,
            "PENDING",
        )
        written_back_then_synced(s, created)

        pending = _pending(s.emu)
        job_of = s.emu.data["job-applications"][pending].relationships["job"][1]
        interview = _stage(s.emu, job_of, "Interview")
        moved = s.perform(
            a.MoveApplicationStage(s.target("applications", pending), a.Target("application_stages", interview))
        )
        assert s.emu.data["job-applications"][pending].relationships["stage"] == ("stages", interview)
        (after_move,) = moved.records
        assert isinstance(after_move, Application) and after_move.current_stage_remote_id == interview
        written_back_then_synced(s, moved)

        noted = s.perform(a.AddNote(s.target("applications", pending), "Strong yes"))
        (note,) = noted.records
        owner = s.emu.data["job-applications"][pending].relationships["candidate"][1]
        assert isinstance(note, Note)
        assert (note.content_html, note.author_remote_id, note.candidate_remote_id) == (
            "Strong yes",
            s.config["user_id"],
            owner,
        )
        written_back_then_synced(s, noted)

        reason = sorted(s.emu.data["reject-reasons"], key=int)[1]
        rejected = s.perform(
            a.RejectApplication(s.target("applications", pending), s.target("rejection_reasons", reason))
        )
        stored = s.emu.data["job-applications"][pending]
        assert stored.relationships["reject-reason"] == ("reject-reasons", reason) and stored.attributes["rejected-at"]
        (declined,) = rejected.records
        assert isinstance(declined, Application)
        assert (declined.outcome, declined.rejection_reason_name) == ("DECLINED", "Position filled")
        assert declined.rejected_at is not None
        written_back_then_synced(s, rejected)


def test_an_existing_candidate_is_applied_with_and_a_second_application_is_refused(engine: Engine) -> None:
    with _synced(engine) as s:
        jobs = sorted(
            (j for j, x in s.emu.data["jobs"].items() if x.attributes["human-status"] == "published"), key=int
        )
        applied = {
            x.relationships["candidate"][1]: x.relationships["job"][1] for x in s.emu.data["job-applications"].values()
        }
        candidate_id, job = next((c, j) for c, j in sorted(applied.items()) if j in jobs)
        email = s.emu.data["candidates"][candidate_id].attributes["email"]
        before = (len(s.emu.data["candidates"]), len(s.emu.data["job-applications"]))
        with pytest.raises(ActionFailed) as twice:
            s.perform(
                a.CreateApplication(
                    job=s.target("jobs", job), candidate=a.NewCandidate("Again", "Person", email.upper())
                )
            )
        assert (twice.value.status, twice.value.code) == (409, "ATS.APPLICATION_ALREADY_EXISTS")
        assert (len(s.emu.data["candidates"]), len(s.emu.data["job-applications"])) == before

        other = next(j for j in jobs if (candidate_id, j) not in {(c, x) for c, x in applied.items()} and j != job)
        created = s.perform(
            a.CreateApplication(
                job=s.target("jobs", other),
                candidate=a.NewCandidate("Again", "Person", email),
                action=a.CREATE_CANDIDATE,
            )
        )
        assert created.created == ("candidates", candidate_id)  # the same candidate, not a new one
        assert len(s.emu.data["candidates"]) == before[0]
        assert s.emu.data["candidates"][candidate_id].attributes["first-name"] != "Again"  # and not changed
        written_back_then_synced(s, created)


def test_an_archived_job_a_note_without_a_user_and_teamtailors_refusals(engine: Engine) -> None:
    with _synced(engine) as s:
        archived = next(j for j, x in sorted(s.emu.data["jobs"].items()) if x.attributes["human-status"] == "archived")
        sent = len(s.emu.harness.requests)
        with pytest.raises(ActionFailed) as closed:
            s.perform(a.CreateApplication(job=s.target("jobs", archived), candidate=a.NewCandidate("N", "P", "n@p.io")))
        assert closed.value.code == "ATS.JOB_CLOSED"
        pending = _pending(s.emu)
        with pytest.raises(ActionFailed) as no_user:
            s.perform(a.AddNote(s.target("applications", pending), "x"), user_id=None)
        assert no_user.value.code == "INTEGRATION.ACTION_NOT_AVAILABLE" and "user_id" in no_user.value.message
        assert len(s.emu.harness.requests) == sent  # neither was sent

        # Teamtailor's own 422s: an unknown user, a stage of another job.
        with pytest.raises(ActionFailed) as unknown:
            s.perform(a.AddNote(s.target("applications", pending), "x", {"teamtailor": {"user_id": "999999"}}))
        assert unknown.value.code == "REMOTE.INPUT_INVALID" and "user - must exist" in unknown.value.message
        job_of = s.emu.data["job-applications"][pending].relationships["job"][1]
        elsewhere = next(st for st, x in s.emu.data["stages"].items() if x.relationships["job"] != ("jobs", job_of))
        with pytest.raises(ActionFailed) as foreign:
            s.perform(
                a.MoveApplicationStage(s.target("applications", pending), a.Target("application_stages", elsewhere))
            )
        assert foreign.value.code == "REMOTE.INPUT_INVALID" and "stage - must be a stage" in foreign.value.message
        assert s.emu.data["job-applications"][pending].relationships["stage"][1] != elsewhere


@pytest.mark.parametrize(
    ("name", "listing"),
    [("create-candidate", "/candidates"), ("create-job-application", "/job-applications"), ("create-note", "/notes")],
)
def test_the_documented_answers_fit_the_shapes_the_read_backs_check(name: str, listing: str) -> None:
    """Teamtailor's own answers to the writes are resources of the listings' shapes, with a string id the
    connector takes (the note's example names its candidate and user in attributes: read too)."""
    data = json.loads((WRITES / f"{name}.response.json").read_text())["data"]
    check("teamtailor", listing, shapes.for_path(listing), data)
    if name == "create-note":
        note = mapping.map_note(data)
        assert (note.remote_id, note.candidate_remote_id, note.author_remote_id) == ("2", "4", "2")
    elif name == "create-candidate":
        candidate = mapping.map_candidate(data, {})
        assert (candidate.remote_id, candidate.first_name, candidate.email_addresses[0].email_address) == (
            "1337",
            "Jonas",
            "jonas@example.com",
        )
    else:
        application = mapping.map_application(data, {})
        assert (application.remote_id, application.outcome, application.rejected_at) == ("1337", "PENDING", None)


def test_a_failed_creation_is_outcome_unknown_and_sent_once_a_failed_patch_is_repeated(engine: Engine) -> None:
    """Teamtailor does not deduplicate creations: a POST answered 5xx is sent once and reported as
    OutcomeUnknown. A PATCH sets values, so it is repeated like a read and then succeeds."""
    with _synced(engine) as s:
        pending = _pending(s.emu)
        notes = len(s.emu.data["notes"])
        s.emu.harness.inject(Fault("status", status=500, path="/notes", method="POST"))
        with pytest.raises(OutcomeUnknown):
            s.perform(a.AddNote(s.target("applications", pending), "Sent once"))
        assert len([r for r in s.emu.harness.requests_to("/notes") if r.method == "POST"]) == 1
        assert len(s.emu.data["notes"]) == notes

        job_of = s.emu.data["job-applications"][pending].relationships["job"][1]
        offer = _stage(s.emu, job_of, "Offer")
        s.emu.harness.inject(Fault("status", status=503, path=f"/job-applications/{pending}", method="PATCH"))
        moved = s.perform(
            a.MoveApplicationStage(s.target("applications", pending), a.Target("application_stages", offer))
        )
        patches = [r for r in s.emu.harness.requests_to(f"/job-applications/{pending}") if r.method == "PATCH"]
        assert len(patches) == 2 and s.emu.data["job-applications"][pending].relationships["stage"] == ("stages", offer)
        written_back_then_synced(s, moved)
