"""Greenhouse write actions against the Harvest v3 emulator over real HTTP, on both databases.

Each action changes the emulator's account as Harvest v3 would (read back from the emulator), answers
with the records it changed, built by the streams' own mapping; written back into the store, a FULL
and a DELTA sync then find nothing new (no insert, no update, the stored rows untouched) -- the
property that makes a write visible at once without a later sync changing it. Refusals are Kombo's
error codes with the source's words; a create that times out after the source applied it is
OutcomeUnknown and was sent once; writes share the integration's rate limiter.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine

from hirebridge.connectors.framework.actions import ActionFailed, ActionResult
from hirebridge.connectors.framework.errors import OutcomeUnknown
from hirebridge.connectors.greenhouse import GreenhouseConnector
from hirebridge.model import SyncKind
from hirebridge.model.actions import (
    ADD_CANDIDATE_ATTACHMENT,
    ADD_CANDIDATE_RESULT_LINK,
    CREATE_CANDIDATE,
    REMOVE_CANDIDATE_TAG,
    Action,
    AddAttachment,
    AddNote,
    AddResultLink,
    CandidateTag,
    CreateApplication,
    FileUpload,
    ImportTrackedApplication,
    MoveApplicationStage,
    NewCandidate,
    RejectApplication,
    Target,
)
from hirebridge.model.records import Application, Attachment, Candidate, Location, Note, Record, Tag
from hirebridge.store.db import write_tx
from hirebridge.sync.writeback import write_back
from tests.conformance.kit import RateLimit
from tests.conformance.targets.greenhouse import GREENHOUSE
from tests.conformance.world import RETRY_ATTEMPTS, Backend, Connected, connected
from tests.conftest import Server
from tests.emulators.greenhouse import RESOURCES, GreenhouseEmulator
from tests.emulators.harness import Fault
from tests.support import stored

World = Connected[GreenhouseEmulator]
PDF = b"%PDF-1.4 a resume\n"


@pytest.fixture
def world(engine: Engine, server: Server) -> Iterator[World]:
    with connected(GREENHOUSE, Backend("test", engine, server)) as w:  # after one FULL sync
        yield w


def perform(world: World, action: Action, **config: Any) -> ActionResult:
    connector = GreenhouseConnector(world.integration_id, {**world.config, **config})
    return asyncio.run(connector.perform(action))


def refused(world: World, action: Action, **config: Any) -> ActionFailed:
    with pytest.raises(ActionFailed) as caught:
        perform(world, action, **config)
    assert world.config["client_secret"] not in caught.value.message
    return caught.value


def target(world: World, model: str, remote_id: Any) -> Target:
    """The record as the store holds it (what the action service hands a connector)."""
    row = next(
        r for r in stored(world.backend.engine, model, world.integration_id).values() if r.remote_id == str(remote_id)
    )
    return Target(model, row.remote_id, json.loads(row.remote_data), json.loads(row.data))


def rows(world: World, models: set[str]) -> dict[str, dict[str, tuple[Any, ...]]]:
    engine, integration = world.backend.engine, world.integration_id
    return {
        model: {
            key: (r.data, r.links, r.remote_data, r.row_hash, r.changed_at, r.updated_at, r.remote_deleted_at)
            for key, r in stored(engine, model, integration).items()
        }
        for model in models
    }


def settle(world: World, result: ActionResult) -> None:
    """Write the records back, then a FULL and a DELTA sync: nothing new, the stored rows untouched."""
    assert result.records
    with write_tx(world.backend.engine) as conn:
        write_back(conn, world.integration_id, result.records, datetime.now(UTC))
    models = {record.MODEL for record in result.records}
    before = rows(world, models)
    for kind in (SyncKind.FULL, SyncKind.DELTA):
        stats = world.synced(kind).stats
        changed = {m: s for m, s in stats.items() if s["inserted"] or s["updated"]}
        assert changed == {}, f"the {kind} sync after the write-back changed {changed}"
        assert rows(world, models) == before


def of(records: tuple[Record, ...], kind: type[Record]) -> list[Any]:
    return [r for r in records if isinstance(r, kind)]


def open_job(emu: GreenhouseEmulator) -> dict[str, Any]:
    return next(j for j in emu.records("jobs") if j["status"] == "open")


def stages(emu: GreenhouseEmulator, job: int) -> list[int]:
    rows = [s for s in emu.records("job_interview_stages", job_ids=str(job)) if s["active"]]
    return [s["id"] for s in sorted(rows, key=lambda s: (s["sort_order"], s["id"]))]


def active_application(emu: GreenhouseEmulator) -> dict[str, Any]:
    return next(a for a in emu.records("applications", status="active") if a["job_interview_stage_id"])


# --- create application / candidate ---------------------------------------------------------------


def test_an_application_of_a_new_candidate_with_a_resume(world: World) -> None:
    emu = world.emulator
    job = open_job(emu)
    stage = stages(emu, job["id"])[1]
    candidate = NewCandidate(
        "Hedy",
        "Lamarr",
        "hedy@inventors.example",
        company="Frequency Hopping Inc",
        title="Inventor",
        phone_number="+1 555 0100",
        location=Location(city="Vienna", country="AT", street_1="Ring 1"),
        social_links=("https://www.linkedin.com/in/hedy",),
    )
    action = CreateApplication(
        target(world, "jobs", job["id"]),
        candidate,
        stage=target(world, "application_stages", stage),
        attachments=(FileUpload("hedy.pdf", "application/pdf", PDF, "CV"),),
        source_name="referral",
    )
    result = perform(world, action)

    person = emu.records("candidates", email="hedy@inventors.example")
    assert len(person) == 1
    assert person[0]["company"] == "Frequency Hopping Inc"
    assert person[0]["addresses"] == [{"value": "Ring 1, Vienna, AT", "type": "home"}]
    assert person[0]["phone_numbers"] == [{"value": "+1 555 0100", "type": "mobile"}]
    (application,) = emu.records("applications", candidate_ids=str(person[0]["id"]))
    referral = next(s for s in emu.records("sources") if s["name"] == "Referral")
    assert (application["job_id"], application["job_interview_stage_id"]) == (job["id"], stage)
    assert application["source_id"] == referral["id"]
    (file,) = emu.records("attachments", application_ids=str(application["id"]))
    assert (file["filename"], file["type"], emu.files[file["id"]]) == ("hedy.pdf", "resume", PDF)

    assert result.created == ("applications", str(application["id"]))
    assert [r.MODEL for r in result.records] == ["candidates", "applications", "attachments"]
    (made,) = of(result.records, Candidate)
    assert (made.remote_id, made.first_name, made.source) == (str(person[0]["id"]), "Hedy", "Referral")
    assert made.email_addresses[0].email_address == "hedy@inventors.example"
    (applied,) = of(result.records, Application)
    assert (applied.job_remote_id, applied.current_stage_remote_id, applied.outcome) == (
        str(job["id"]),
        str(stage),
        "PENDING",
    )
    (cv,) = of(result.records, Attachment)
    assert (cv.type, cv.file_name) == ("CV", "hedy.pdf")
    settle(world, result)


def test_a_known_email_applies_as_that_candidate_and_only_once_per_job(world: World) -> None:
    emu = world.emulator
    job = open_job(emu)
    taken = {a["candidate_id"] for a in emu.records("applications", job_ids=str(job["id"]))}
    person = next(c for c in emu.records("candidates") if c["id"] not in taken)
    email = person["email_addresses"][0]["value"]
    people = len(emu.records("candidates"))
    action = CreateApplication(target(world, "jobs", job["id"]), NewCandidate("Some", "One", email))

    result = perform(world, action)
    assert len(emu.records("candidates")) == people  # no new person; the existing one is not changed
    assert emu.record("candidates", person["id"])["first_name"] == person["first_name"]
    (applied,) = of(result.records, Application)
    assert applied.candidate_remote_id == str(person["id"])
    settle(world, result)

    again = refused(world, action)
    assert (again.status, again.code) == (409, "ATS.APPLICATION_ALREADY_EXISTS")
    assert email in again.message and job["name"] in again.message


def test_the_legacy_create_candidate_answers_with_the_candidate(world: World) -> None:
    job = open_job(world.emulator)
    action = CreateApplication(
        target(world, "jobs", job["id"]), NewCandidate("Ada", "Byron", "ada@engines.example"), action=CREATE_CANDIDATE
    )
    result = perform(world, action)
    (person,) = world.emulator.records("candidates", email="ada@engines.example")
    assert result.created == ("candidates", str(person["id"]))


def test_a_closed_job_takes_no_application_and_nothing_is_written(world: World) -> None:
    emu = world.emulator
    job = open_job(emu)
    emu.edit("jobs", job["id"], status="closed")  # since the last sync: the store still has it open
    window = world.requests()
    failed = refused(world, CreateApplication(target(world, "jobs", job["id"]), NewCandidate("A", "B", "a@b.example")))
    assert (failed.status, failed.code) == (400, "ATS.JOB_CLOSED")
    assert [r for r in window if r.method == "POST" and r.path.startswith("/v3/")] == []


def test_a_create_that_times_out_after_the_source_applied_it_is_sent_once(world: World) -> None:
    emu = world.emulator
    job = open_job(emu)
    before = len(emu.records("applications"))
    window = world.requests()
    # The new candidate's application is the first request to /v3/applications: it is applied, then
    # answered after the client's timeout (0.5 s).
    emu.harness.inject(Fault("slow", delay=1.5, path="/v3/applications"))
    with pytest.raises(OutcomeUnknown):
        perform(world, CreateApplication(target(world, "jobs", job["id"]), NewCandidate("T", "O", "t.o@x.example")))
    assert len(emu.records("applications")) == before + 1
    assert len([r for r in window if (r.method, r.path) == ("POST", "/v3/applications")]) == 1


# --- move, reject ------------------------------------------------------------------------------------


def test_move_an_application_to_another_stage_of_its_job(world: World) -> None:
    emu = world.emulator
    app = active_application(emu)
    plan = stages(emu, app["job_id"])
    stage = next(s for s in plan if s != app["job_interview_stage_id"])
    result = perform(
        world,
        MoveApplicationStage(target(world, "applications", app["id"]), target(world, "application_stages", stage)),
    )
    assert emu.record("applications", app["id"])["job_interview_stage_id"] == stage
    (moved,) = result.records
    assert isinstance(moved, Application) and moved.current_stage_remote_id == str(stage)
    settle(world, result)


def test_a_stage_of_another_job_is_refused_with_greenhouses_words(world: World) -> None:
    emu = world.emulator
    app = active_application(emu)
    other = next(j["id"] for j in emu.records("jobs") if j["id"] != app["job_id"])
    stage = target(world, "application_stages", stages(emu, other)[0])
    failed = refused(world, MoveApplicationStage(target(world, "applications", app["id"]), stage))
    assert (failed.status, failed.code) == (400, "REMOTE.INPUT_INVALID")
    assert "Validation error" in failed.message and "to_stage_id" in failed.message
    assert emu.record("applications", app["id"])["job_interview_stage_id"] == app["job_interview_stage_id"]


def test_reject_an_application_with_a_note(world: World) -> None:
    emu = world.emulator
    app = active_application(emu)
    reason = next(r for r in emu.records("rejection_reasons", include_defaults="true") if r["name"] == "Spam")
    action = RejectApplication(
        target(world, "applications", app["id"]),
        target(world, "rejection_reasons", reason["id"]),
        note="Not a fit for the role.",
    )
    result = perform(world, action)
    now = emu.record("applications", app["id"])
    assert (now["status"], now["rejection_reason_id"]) == ("rejected", reason["id"])
    (rejected,) = of(result.records, Application)
    assert (rejected.outcome, rejected.rejection_reason_name) == ("DECLINED", "Spam")
    assert any(n.content_html == "Not a fit for the role." for n in of(result.records, Note))
    settle(world, result)


# --- notes, result links, attachments ------------------------------------------------------------------


def test_a_note_is_written_by_the_tokens_user(world: World) -> None:
    emu = world.emulator
    app = active_application(emu)
    admin = next(u for u in emu.records("users") if u["site_admin"])
    result = perform(
        world, AddNote(target(world, "applications", app["id"]), "Strong <b>hire</b>\nyes"), sub=str(admin["id"])
    )
    (note,) = result.records
    assert isinstance(note, Note)
    row = emu.record("notes", int(note.remote_id))
    assert (row["application_id"], row["user_id"], row["type"]) == (app["id"], admin["id"], "NOTE")
    assert (note.author_remote_id, note.content_html) == (str(admin["id"]), "Strong &lt;b&gt;hire&lt;/b&gt;<br>yes")
    settle(world, result)


def test_a_result_link_is_a_note_of_the_candidate(world: World) -> None:
    emu = world.emulator
    person = emu.records("candidates")[0]
    action = AddResultLink(
        target(world, "candidates", person["id"]),
        "Assessment",
        "https://acme.example/r/1",
        "Acme:",
        (("Score", "87"),),
        action=ADD_CANDIDATE_RESULT_LINK,
    )
    result = perform(world, action)
    (note,) = result.records
    row = emu.record("notes", int(note.remote_id))
    assert (row["candidate_id"], row["application_id"]) == (person["id"], None)
    assert row["body"] == "Assessment: https://acme.example/r/1\nAcme: Score: 87"
    settle(world, result)


def test_a_new_resume_reclassifies_the_old_one(world: World) -> None:
    emu = world.emulator
    app = next(
        a
        for a in emu.records("applications")
        if emu.records("attachments", application_ids=str(a["id"]), type="resume")
    )
    (old,) = emu.records("attachments", application_ids=str(app["id"]), type="resume")
    upload = FileUpload("new.pdf", "application/pdf", PDF, "CV")
    result = perform(world, AddAttachment(target(world, "applications", app["id"]), upload))
    assert emu.record("attachments", old["id"])["type"] == "other"
    files = {a.remote_id: a for a in of(result.records, Attachment)}
    assert files[str(old["id"])].type == "OTHER"
    assert [a.file_name for a in files.values() if a.type == "CV"] == ["new.pdf"]
    settle(world, result)


def test_a_candidate_file_goes_to_the_latest_application(world: World) -> None:
    emu = world.emulator
    person = next(
        c for c in emu.records("candidates") if len(emu.records("applications", candidate_ids=str(c["id"]))) > 1
    )
    latest = max(emu.records("applications", candidate_ids=str(person["id"])), key=lambda a: (a["created_at"], a["id"]))
    upload = FileUpload("take-home.zip", "application/zip", b"PK\x03\x04", "OTHER")
    result = perform(
        world, AddAttachment(target(world, "candidates", person["id"]), upload, action=ADD_CANDIDATE_ATTACHMENT)
    )
    (file,) = [
        f for f in emu.records("attachments", application_ids=str(latest["id"])) if f["filename"] == "take-home.zip"
    ]
    assert base64.b64encode(emu.files[file["id"]]) == base64.b64encode(b"PK\x03\x04")
    settle(world, result)


# --- tags, import ----------------------------------------------------------------------------------------


def test_tags_are_added_created_and_removed_by_name(world: World) -> None:
    emu = world.emulator
    person = next(c for c in emu.records("candidates") if "Remote" not in c["tags"])
    who = target(world, "candidates", person["id"])

    result = perform(world, CandidateTag(who, "remote"))  # an existing tag, any case
    assert "Remote" in emu.record("candidates", person["id"])["tags"]
    settle(world, result)

    result = perform(world, CandidateTag(who, "Rust"))  # a new tag
    (tag,) = of(result.records, Tag)
    assert tag.name == "Rust" and "Rust" in emu.record("candidates", person["id"])["tags"]
    (made,) = of(result.records, Candidate)
    assert tag.remote_id in made.tag_remote_ids
    settle(world, result)

    result = perform(world, CandidateTag(who, "Rust", action=REMOVE_CANDIDATE_TAG))
    assert "Rust" not in emu.record("candidates", person["id"])["tags"]
    (made,) = of(result.records, Candidate)
    assert tag.remote_id not in made.tag_remote_ids
    # Un-applied tags leave no trace a DELTA can list: the FULL in `settle` must agree with the write-back.
    settle(world, result)

    assert perform(world, CandidateTag(who, "Never Heard Of", action=REMOVE_CANDIDATE_TAG)) == ActionResult()


def test_import_tracked_application_reads_it_and_its_candidate(world: World) -> None:
    app = world.emulator.records("applications")[0]
    result = perform(world, ImportTrackedApplication(str(app["id"]), None))
    assert [(r.MODEL, r.remote_id) for r in result.records] == [
        ("candidates", str(app["candidate_id"])),
        ("applications", str(app["id"])),
    ]
    assert result.created == ("applications", str(app["id"]))
    failed = refused(world, ImportTrackedApplication("999999999", None))
    assert failed.code == "REMOTE.INPUT_INVALID"


# --- the source's refusals ---------------------------------------------------------------------------------


def note_on(world: World) -> AddNote:
    return AddNote(target(world, "applications", active_application(world.emulator)["id"]), "Hello")


def test_credentials_the_source_rejects(world: World) -> None:
    failed = refused(world, note_on(world), client_secret="wrong-secret")
    assert (failed.status, failed.code) == (403, "INTEGRATION.AUTHENTICATION_INVALID")
    assert "wrong-secret" not in failed.message
    # The API's own 401 on the write (a token revoked): one new token, then the answer is final.
    world.emulator.harness.inject(*[Fault("status", status=401, path="/v3/notes")] * 2)
    failed = refused(world, note_on(world))
    assert failed.code == "INTEGRATION.AUTHENTICATION_INVALID"


def test_a_missing_write_scope_is_a_missing_permission(world: World) -> None:
    world.emulator.scopes = {f"harvest:{resource}:list" for resource in RESOURCES}
    failed = refused(world, note_on(world))
    assert (failed.status, failed.code) == (403, "INTEGRATION.PERMISSION_MISSING")
    assert "harvest:notes:create" in failed.message


def test_throttled_after_retries_and_a_failing_source(world: World) -> None:
    emu = world.emulator
    notes = len(emu.records("notes"))
    emu.harness.inject(*[Fault("status", status=429, retry_after="0", path="/v3/notes")] * RETRY_ATTEMPTS)
    failed = refused(world, note_on(world))
    assert (failed.status, failed.code) == (429, "REMOTE.RATE_LIMIT_EXCEEDED")
    emu.harness.inject(Fault("status", status=503, path="/v3/notes"))
    failed = refused(world, note_on(world))
    assert (failed.status, failed.code) == (503, "REMOTE.SERVICE_UNAVAILABLE")
    assert len(emu.records("notes")) == notes
    assert len([r for r in emu.requests if (r.method, r.path) == ("POST", "/v3/notes")]) == RETRY_ATTEMPTS + 1


@pytest.mark.serial  # an exact rate meter judges arrival times: alone, as the other meter tests
def test_a_burst_of_writes_keeps_to_the_integrations_rate_limit(engine: Engine, server: Server) -> None:
    limit = RateLimit(20, 3)
    with connected(GREENHOUSE, Backend("test", engine, server), limit=limit) as world:  # asserts 0 violations
        app = target(world, "applications", active_application(world.emulator)["id"])
        for n in range(12):
            perform(world, AddNote(app, f"Note {n}"))
        meter = world.running.harness.rate
        assert meter is not None and meter.violations == 0
        assert len([r for r in world.emulator.requests if (r.method, r.path) == ("POST", "/v3/notes")]) == 12
