"""Ashby's write actions against the Ashby emulator over real HTTP, on SQLite and PostgreSQL.

Each action changes the emulator's account the way Ashby documents, answers records built with the
streams' mapping, and -- THE property -- those records written back (sync/writeback.py) are what
the next sync stores: a FULL and then a DELTA run insert and update nothing of those models, and
the stored rows (data, links, remote_data) are the same before and after both runs.

Then every way Ashby refuses (`success: false`, 401, 403, 429 after retries, 5xx), the semantic
refusals (a candidate applying twice, a closed job), a write whose answer comes too late (sent
once: OutcomeUnknown, one record at the source), and the rate meter after a burst of writes.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine, select

from hirebridge.connectors.ashby.connector import AshbyConnector
from hirebridge.connectors.framework.actions import ActionFailed, ActionResult, Writer
from hirebridge.connectors.framework.errors import OutcomeUnknown
from hirebridge.model import SyncKind
from hirebridge.model import actions as kombo
from hirebridge.model.actions import (
    Action,
    AddAttachment,
    AddNote,
    AddResultLink,
    CandidateTag,
    CreateApplication,
    FileUpload,
    ImportTrackedApplication,
    InterviewInput,
    MoveApplicationStage,
    NewCandidate,
    RejectApplication,
    Target,
)
from hirebridge.model.records import Application, Attachment, Candidate, Interview, Note, Tag
from hirebridge.store.db import read_tx, write_tx
from hirebridge.store.tables import SYNCED_TABLES
from hirebridge.sync.writeback import write_back
from tests.conformance.kit import RateLimit
from tests.conformance.targets.ashby import ASHBY, KEY
from tests.conformance.world import Backend, Connected, connected
from tests.conftest import Server
from tests.emulators.ashby import AshbyEmulator
from tests.emulators.harness import Fault

World = Connected[AshbyEmulator]
Rows = dict[tuple[str, str], tuple[Any, Any, Any]]


@pytest.fixture
def world(engine: Engine, server: Server) -> Iterator[World]:
    with connected(ASHBY, Backend("test", engine, server)) as w:
        yield w


# The kit's 0.5 s client timeout suits reads, which are retried; a write is sent once, and a slow
# answer on a busy test machine would be OutcomeUnknown. Tests about timeouts set their own.
WRITE_TIMEOUT = 10.0


def perform(world: World, action: Action, **config: Any) -> ActionResult:
    connector = AshbyConnector(world.integration_id, {**world.config, "timeout": WRITE_TIMEOUT, **config})
    return asyncio.run(connector.perform(action))


def refused(world: World, action: Action, **config: Any) -> ActionFailed:
    with pytest.raises(ActionFailed) as caught:
        perform(world, action, **config)
    assert KEY not in caught.value.message and base64.b64encode(f"{KEY}:".encode()).decode() not in caught.value.message
    return caught.value


def rows(world: World, models: set[str]) -> Rows:
    out: Rows = {}
    with read_tx(world.backend.engine) as conn:
        for model in models:
            table = SYNCED_TABLES[model]
            query = select(table.c.remote_id, table.c.data, table.c.links, table.c.remote_data).where(
                table.c.integration_id == world.integration_id, table.c.remote_deleted_at.is_(None)
            )
            for row in conn.execute(query):
                out[(model, row.remote_id)] = (orjson.loads(row.data), orjson.loads(row.links), row.remote_data)
    return out


def assert_next_syncs_find_nothing_new(world: World, result: ActionResult) -> Rows:
    """Write `result` back, then a FULL and a DELTA run: nothing inserted or updated of the models
    the action changed, and their stored rows unchanged by either run."""
    assert result.records
    models = {record.MODEL for record in result.records}
    with write_tx(world.backend.engine) as conn:
        write_back(conn, world.integration_id, result.records, datetime.now(UTC))
    before = rows(world, models)
    for record in result.records:
        assert (record.MODEL, record.remote_id) in before
    for kind in (SyncKind.FULL, SyncKind.DELTA):
        stats = world.synced(kind).stats
        for model in models:
            counts = stats.get(model, {})
            assert (counts.get("inserted", 0), counts.get("updated", 0)) == (0, 0), (kind, model, counts)
        assert rows(world, models) == before, kind
    return before


# --- the account's records as Targets, the way the action service hands them over -----------------


def application(emu: AshbyEmulator, *, status: str = "Active", job_status: str = "Open") -> Target:
    app = next(
        a
        for _i, a in sorted(emu.data["applications"].items())
        if a["status"] == status and emu.data["jobs"][a["jobId"]]["status"] == job_status
    )
    return Target("applications", app["id"], remote_data=emu.render("applications", app))


def candidate(emu: AshbyEmulator, remote_id: str) -> Target:
    return Target("candidates", remote_id, remote_data=emu.render("candidates", emu.data["candidates"][remote_id]))


def open_job(emu: AshbyEmulator) -> Target:
    job = next(j for _i, j in sorted(emu.data["jobs"].items()) if j["status"] == "Open")
    return Target("jobs", job["id"], remote_data=job)


def new_person(email: str = "grace.new@example.org", **fields: Any) -> NewCandidate:
    return NewCandidate(first_name="Grace", last_name="Newcomer", email_address=email, **fields)


CV = FileUpload("cv.pdf", "application/pdf", b"%PDF-1.4 a cv", "CV")
LETTER = FileUpload("letter.txt", "text/plain", b"Dear hiring team", "COVER_LETTER")


# --- the declaration -----------------------------------------------------------------------------


@pytest.mark.fast
def test_the_connector_is_a_writer_declaring_what_ashby_can_do() -> None:
    assert isinstance(AshbyConnector("ashby:x", {"api_key": "k"}), Writer)
    declared = AshbyConnector.actions
    assert set(declared) == set(kombo.ACTIONS)
    assert declared[kombo.CREATE_APPLICATION].fields == {
        "candidate.phone_number",
        "candidate.additional_email_addresses",
        "candidate.location",
        "candidate.social_links",
        "attachments",
        "stage_id",
    }
    assert declared[kombo.REJECT_APPLICATION].fields == {"note"}
    assert "note" in (declared[kombo.ADD_APPLICATION_RESULT_LINK].note or "")


# --- each action ------------------------------------------------------------------------------------


def test_create_application_creates_the_candidate_uploads_files_and_writes_back(world: World) -> None:
    emu = world.emulator
    job = open_job(emu)
    stage = emu.stage_ids(job.remote_id)[1]
    action = CreateApplication(
        job=job,
        candidate=new_person(
            phone_number="+49 30 1234",
            social_links=("https://www.linkedin.com/in/grace", "https://grace.example.org"),
        ),
        stage=Target("application_stages", stage),
        attachments=(CV, LETTER),
    )
    result = perform(world, action)
    assert not result.warnings

    made = [c for c in emu.data["candidates"].values() if c["primaryEmailAddress"]["value"] == "grace.new@example.org"]
    assert len(made) == 1
    person = made[0]
    assert person["name"] == "Grace Newcomer"
    assert [p["value"] for p in person["phoneNumbers"]] == ["+49 30 1234"]
    assert {s["type"]: s["url"] for s in person["socialLinks"]} == {
        "LinkedIn": "https://www.linkedin.com/in/grace",
        "Website": "https://grace.example.org",
    }
    apps = [a for a in emu.data["applications"].values() if a["candidateId"] == person["id"]]
    assert [(a["jobId"], a["currentInterviewStageId"], a["status"]) for a in apps] == [(job.remote_id, stage, "Active")]
    assert [emu.files[h["handle"]][1] for h in person["fileHandles"]] == [CV.data, LETTER.data]
    assert person["resumeFileHandle"]["name"] == "cv.pdf"

    assert result.created == ("applications", apps[0]["id"])
    kinds = [type(r) for r in result.records]
    assert kinds == [Candidate, Attachment, Attachment, Application]  # the candidate before what refers to it
    cand, cv, letter, app = result.records
    assert isinstance(cand, Candidate) and isinstance(app, Application)
    assert (cand.first_name, cand.last_name) == ("Grace", "Newcomer")
    assert app.candidate_remote_id == person["id"] and app.current_stage_remote_id == stage
    assert app.outcome == "PENDING"
    assert isinstance(cv, Attachment) and (cv.file_name, cv.type) == ("cv.pdf", "CV")
    assert isinstance(letter, Attachment) and (letter.file_name, letter.type) == ("letter.txt", "OTHER")
    assert not result.warnings
    assert_next_syncs_find_nothing_new(world, result)


def test_create_candidate_attaches_an_existing_candidate_by_email_and_answers_the_candidate(world: World) -> None:
    emu = world.emulator
    job = open_job(emu)
    person = next(
        c
        for _i, c in sorted(emu.data["candidates"].items())
        if job.remote_id not in {a["jobId"] for a in emu.data["applications"].values() if a["candidateId"] == c["id"]}
    )
    email = person["primaryEmailAddress"]["value"]
    candidates_before = len(emu.data["candidates"])
    result = perform(world, CreateApplication(job=job, candidate=new_person(email), action=kombo.CREATE_CANDIDATE))

    assert len(emu.data["candidates"]) == candidates_before  # no second candidate
    assert person["name"] != "Grace Newcomer"  # nor were its details overwritten
    assert result.created == ("candidates", person["id"])
    app = result.records[-1]
    assert isinstance(app, Application) and app.job_remote_id == job.remote_id
    assert emu.data["applications"][app.remote_id]["candidateId"] == person["id"]
    assert_next_syncs_find_nothing_new(world, result)


def test_a_file_ashby_refuses_after_the_application_exists_is_a_warning(world: World) -> None:
    """The application is made once; a refused file is said, not a failure that a retry would repeat."""
    emu = world.emulator
    emu.denied.add("candidate.uploadResume")
    result = perform(world, CreateApplication(job=open_job(emu), candidate=new_person(), attachments=(CV, LETTER)))
    (warning,) = result.warnings
    assert "'cv.pdf' was not added" in warning and "lack a permission" in warning
    kinds = [type(r) for r in result.records]
    assert kinds == [Candidate, Attachment, Application]  # the letter went up
    assert_next_syncs_find_nothing_new(world, result)


def test_move_application_stage(world: World) -> None:
    emu = world.emulator
    target = application(emu)
    stages = emu.stage_ids(emu.data["applications"][target.remote_id]["jobId"])
    new_stage = next(
        s for s in stages[:4] if s != emu.data["applications"][target.remote_id]["currentInterviewStageId"]
    )
    result = perform(world, MoveApplicationStage(target, Target("application_stages", new_stage)))

    assert emu.data["applications"][target.remote_id]["currentInterviewStageId"] == new_stage
    (app,) = result.records
    assert isinstance(app, Application) and app.current_stage_remote_id == new_stage and app.outcome == "PENDING"
    assert_next_syncs_find_nothing_new(world, result)


def test_reject_moves_to_the_archived_stage_with_the_reason_and_notes_the_candidate(world: World) -> None:
    emu = world.emulator
    target = application(emu)
    reason_id, reason = next(iter(sorted(emu.data["archive_reasons"].items())))
    action = RejectApplication(target, Target("rejection_reasons", reason_id), note="Not this time")
    result = perform(world, action)

    stored = emu.data["applications"][target.remote_id]
    assert (stored["status"], stored["archiveReasonId"]) == ("Archived", reason_id)
    assert emu.data["stages"][stored["currentInterviewStageId"]]["type"] == "Archived"
    app, note = result.records
    assert isinstance(app, Application)
    assert (app.outcome, app.rejection_reason_name) == ("DECLINED", reason["text"])
    assert app.rejected_at is not None
    assert isinstance(note, Note) and note.content_html == "Not this time"
    assert note.candidate_remote_id == stored["candidateId"]
    assert_next_syncs_find_nothing_new(world, result)


def test_add_note_to_an_application_is_a_note_on_its_candidate(world: World) -> None:
    emu = world.emulator
    target = application(emu)
    result = perform(world, AddNote(target, "Strong in the interview"))

    owner = emu.data["applications"][target.remote_id]["candidateId"]
    (note,) = result.records
    assert isinstance(note, Note)
    assert emu.data["notes"][note.remote_id]["content"] == "Strong in the interview"
    assert note.candidate_remote_id == owner and note.author_remote_id == emu.api_user["id"]
    assert note.is_private is False
    assert_next_syncs_find_nothing_new(world, result)


def test_result_link_is_a_note_with_the_label_url_and_attributes(world: World) -> None:
    emu = world.emulator
    target = application(emu)
    action = AddResultLink(
        target,
        "Assessment",
        "https://acme.example/results/1",
        custom_field_name_prefix="Acme:",
        attributes=(("Score", "92"), ("Level", "Senior")),
    )
    result = perform(world, action)
    (note,) = result.records
    assert isinstance(note, Note)
    assert note.content_html == "Assessment: https://acme.example/results/1\nAcme: Score: 92\nAcme: Level: Senior"
    assert_next_syncs_find_nothing_new(world, result)


@pytest.mark.parametrize("owner_model", ["applications", "candidates"])
def test_add_attachment_uploads_through_a_presigned_handle(world: World, owner_model: str) -> None:
    emu = world.emulator
    app = application(emu)
    owner_id = emu.data["applications"][app.remote_id]["candidateId"]
    owner = app if owner_model == "applications" else candidate(emu, owner_id)
    files_before = list(emu.data["candidates"][owner_id]["fileHandles"])
    result = perform(world, AddAttachment(owner, LETTER))

    after = emu.data["candidates"][owner_id]["fileHandles"]
    assert after[: len(files_before)] == files_before and len(after) == len(files_before) + 1
    assert emu.files[after[-1]["handle"]] == ("letter.txt", LETTER.data, "text/plain")
    # The bytes went to storage without the API's credentials (a pre-signed URL refuses them).
    (upload,) = emu.harness.requests_to("/storage/" + next(iter(emu.uploads)))
    assert upload.method == "POST"
    cand = result.records[0]
    assert isinstance(cand, Candidate) and cand.remote_id == owner_id
    added = [r for r in result.records if isinstance(r, Attachment) and r.remote_id == after[-1]["handle"]]
    assert [(a.file_name, a.type) for a in added] == [("letter.txt", "OTHER")]
    assert_next_syncs_find_nothing_new(world, result)


def test_add_tag_creates_an_unknown_tag_and_remove_takes_it_off(world: World) -> None:
    emu = world.emulator
    owner = emu.data["applications"][application(emu).remote_id]["candidateId"]
    result = perform(world, CandidateTag(candidate(emu, owner), "Top talent"))

    (tag_id,) = [t for t, tag in emu.data["tags"].items() if tag["title"] == "Top talent"]
    assert tag_id in emu.data["candidates"][owner]["tagIds"]
    tag, cand = result.records
    assert isinstance(tag, Tag) and (tag.remote_id, tag.name) == (tag_id, "Top talent")
    assert isinstance(cand, Candidate) and tag_id in cand.tag_remote_ids
    assert_next_syncs_find_nothing_new(world, result)

    # Adding it again reuses the tag (candidateTag.create answers the existing one).
    tags = len(emu.data["tags"])
    perform(world, CandidateTag(candidate(emu, owner), "Top talent"))
    assert len(emu.data["tags"]) == tags

    removed = perform(world, CandidateTag(candidate(emu, owner), "Top talent", action=kombo.REMOVE_CANDIDATE_TAG))
    assert tag_id not in emu.data["candidates"][owner]["tagIds"]
    (cand,) = removed.records
    assert isinstance(cand, Candidate) and tag_id not in cand.tag_remote_ids
    assert_next_syncs_find_nothing_new(world, removed)

    # Removing a tag the candidate does not have succeeds and sends no removeTag.
    window = world.requests()
    again = perform(world, CandidateTag(candidate(emu, owner), "Top talent", action=kombo.REMOVE_CANDIDATE_TAG))
    assert [r.path for r in window] == ["/candidate.info"]
    assert again.records


@pytest.mark.parametrize(("title", "interview_id"), [("technical interview", "int-tech"), ("Pairing", "int-default")])
def test_create_interview_schedules_one_event_with_the_interviewers(
    world: World, title: str, interview_id: str
) -> None:
    """The title picks Ashby's shared interview of that title; an unknown one is the default's."""
    emu = world.emulator
    target = application(emu)
    users = sorted(emu.data["users"].values(), key=lambda u: u["id"])[:2]
    start = datetime(2025, 3, 3, 14, 0, tzinfo=UTC)
    action = InterviewInput(
        application=target,
        title=title,
        starting_at=start,
        ending_at=start + timedelta(hours=1),
        interviewers=tuple(Target("users", u["id"], data={"email": u["email"]}) for u in users),
        organizer=Target("users", users[0]["id"]),
        location_type="VIRTUAL",
    )
    result = perform(world, action)

    (interview,) = result.records
    assert isinstance(interview, Interview) and interview.remote_data is not None
    assert result.created == ("interviews", interview.remote_id)
    schedule = emu.data["schedules"][interview.remote_data["interviewScheduleId"]]
    assert schedule["applicationId"] == target.remote_id
    assert schedule["interviewEvents"][0]["startTime"] == "2025-03-03T14:00:00.000Z"
    assert schedule["interviewEvents"][0]["interview"]["id"] == interview_id
    assert interview.title == emu.data["interview_defs"][interview_id]["title"]
    assert interview.user_remote_ids == tuple(u["id"] for u in users)
    assert interview.starting_at == start and interview.application_remote_id == target.remote_id
    assert_next_syncs_find_nothing_new(world, result)


def test_update_interview_changes_the_event_of_a_schedule_the_api_created(world: World) -> None:
    emu = world.emulator
    target = application(emu)
    users = sorted(emu.data["users"].values(), key=lambda u: u["id"])[:3]
    start = datetime(2025, 3, 3, 14, 0, tzinfo=UTC)

    def interview(users: list[dict[str, Any]], start: datetime, title: str, existing: Target | None) -> InterviewInput:
        return InterviewInput(
            application=target,
            title=title,
            starting_at=start,
            ending_at=start + timedelta(minutes=45),
            interviewers=tuple(Target("users", u["id"], data={"email": u["email"]}) for u in users),
            organizer=Target("users", users[0]["id"]),
            location_type="VIRTUAL",
            interview=existing,
            action=kombo.CREATE_INTERVIEW if existing is None else kombo.UPDATE_INTERVIEW,
        )

    (made,) = perform(world, interview(users[:1], start, "Pairing", None)).records
    moved = start + timedelta(days=1)
    existing = Target("interviews", made.remote_id, remote_data=made.remote_data)
    result = perform(world, interview(users[1:], moved, "Culture Fit", existing))

    (updated,) = result.records
    assert isinstance(updated, Interview) and updated.remote_id == made.remote_id
    assert (updated.starting_at, updated.title) == (moved, "Culture Fit")
    assert updated.user_remote_ids == tuple(u["id"] for u in users[1:])
    (event,) = emu.data["schedules"][(made.remote_data or {})["interviewScheduleId"]]["interviewEvents"]
    assert (event["startTime"], event["interview"]["id"]) == ("2025-03-04T14:00:00.000Z", "int-culture")
    assert_next_syncs_find_nothing_new(world, result)

    # A schedule made in Ashby's app (not by this key) is Ashby's to change.
    other = next(iter(sorted(emu.data["schedules"].values(), key=lambda s: s["id"])))
    other_event = other["interviewEvents"][0]
    stored = Target("interviews", other_event["id"], remote_data={**other_event, "schedule": {"id": other["id"]}})
    failed = refused(world, interview(users[:1], start, "Pairing", stored))
    assert failed.code == "REMOTE.INPUT_INVALID" and "created using the API key" in failed.message


def test_import_tracked_application_reads_the_application_and_its_candidate(world: World) -> None:
    emu = world.emulator
    app_id = application(emu).remote_id
    result = perform(world, ImportTrackedApplication(app_id, tracked_at=None))
    assert result.created == ("applications", app_id)
    assert isinstance(result.records[0], Candidate)
    assert result.records[0].remote_id == emu.data["applications"][app_id]["candidateId"]
    assert isinstance(result.records[-1], Application) and result.records[-1].remote_id == app_id
    assert_next_syncs_find_nothing_new(world, result)


# --- refusals -------------------------------------------------------------------------------------


def test_ashby_success_false_is_remote_input_invalid_with_its_message(world: World) -> None:
    emu = world.emulator
    target = application(emu)
    archived_stage = emu.stage_ids(emu.data["applications"][target.remote_id]["jobId"])[-1]
    # Moving to the Archived stage without an archive reason: Ashby's documented refusal.
    failed = refused(world, MoveApplicationStage(target, Target("application_stages", archived_stage)))
    assert (failed.status, failed.code) == (400, "REMOTE.INPUT_INVALID")
    assert "Archive reason ID is required for archive stages" in failed.message
    assert emu.data["applications"][target.remote_id]["currentInterviewStageId"] != archived_stage

    failed = refused(world, MoveApplicationStage(target, Target("application_stages", "no-such-stage")))
    assert failed.code == "REMOTE.INPUT_INVALID" and "interview stage not found" in failed.message


def test_rejected_credentials_and_missing_permissions(world: World) -> None:
    emu = world.emulator
    target = application(emu)
    failed = refused(world, AddNote(target, "x"), api_key="wrong-key")
    assert (failed.status, failed.code) == (403, "INTEGRATION.AUTHENTICATION_INVALID")

    emu.denied.add("candidate.createNote")
    failed = refused(world, AddNote(target, "x"))
    assert (failed.status, failed.code) == (403, "INTEGRATION.PERMISSION_MISSING")
    assert "candidate.createNote" in failed.message


def test_throttled_after_retries_and_a_failing_source(world: World) -> None:
    emu = world.emulator
    target = application(emu)
    notes = len(emu.data["notes"])
    emu.harness.inject(*[Fault("status", status=429, path="/candidate.createNote")] * 3)
    failed = refused(world, AddNote(target, "x"))
    assert (failed.status, failed.code) == (429, "REMOTE.RATE_LIMIT_EXCEEDED")
    assert len(emu.harness.requests_to("/candidate.createNote")) == 3  # a 429 was refused unread: retried

    emu.harness.inject(Fault("status", status=503, path="/candidate.createNote"))
    failed = refused(world, AddNote(target, "x"))
    assert (failed.status, failed.code) == (503, "REMOTE.SERVICE_UNAVAILABLE")
    assert len(emu.harness.requests_to("/candidate.createNote")) == 4  # a 5xx on a write: not sent again
    assert len(emu.data["notes"]) == notes


def test_a_candidate_applying_twice_is_application_already_exists(world: World) -> None:
    emu = world.emulator
    app = emu.data["applications"][application(emu).remote_id]
    person = emu.data["candidates"][app["candidateId"]]
    email = person["primaryEmailAddress"]["value"]
    job = Target("jobs", app["jobId"])
    before = len(emu.data["applications"])
    failed = refused(world, CreateApplication(job=job, candidate=new_person(email)))
    assert (failed.status, failed.code) == (409, "ATS.APPLICATION_ALREADY_EXISTS")
    assert email in failed.message and emu.data["jobs"][app["jobId"]]["title"] in failed.message
    assert len(emu.data["applications"]) == before
    assert not emu.harness.requests_to("/application.create")


def test_a_closed_job_is_job_closed(world: World) -> None:
    emu = world.emulator
    closed = next(j for _i, j in sorted(emu.data["jobs"].items()) if j["status"] == "Closed")
    candidates = len(emu.data["candidates"])
    failed = refused(world, CreateApplication(job=Target("jobs", closed["id"]), candidate=new_person()))
    assert (failed.status, failed.code) == (400, "ATS.JOB_CLOSED")
    assert closed["title"] in failed.message
    assert len(emu.data["candidates"]) == candidates  # nothing written


def test_a_write_answered_too_late_is_outcome_unknown_and_sent_once(world: World) -> None:
    emu = world.emulator
    target = application(emu)
    notes = len(emu.data["notes"])
    emu.harness.inject(Fault("slow", delay=1.5, path="/candidate.createNote"))
    with pytest.raises(OutcomeUnknown):
        perform(world, AddNote(target, "Sent once"), timeout=0.5)
    assert len(emu.harness.requests_to("/candidate.createNote")) == 1
    assert [n["content"] for n in emu.data["notes"].values()].count("Sent once") == 1
    assert len(emu.data["notes"]) == notes + 1


@pytest.mark.serial  # an exact rate meter judges arrival times: alone, as the other meter tests
def test_a_burst_of_writes_stays_within_the_rate_limit(engine: Engine, server: Server) -> None:
    with connected(ASHBY, Backend("test", engine, server), limit=RateLimit(20, 4)) as world:
        emu = world.emulator
        target = application(emu)
        window = world.requests()
        for n in range(12):
            perform(world, AddNote(target, f"Burst {n}"))
        assert len(window) == 12
        meter = emu.harness.rate
        assert meter is not None and meter.violations == 0
