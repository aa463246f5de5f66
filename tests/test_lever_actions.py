"""Lever's write actions against the Lever emulator over real HTTP: each action changes the account
as Lever would, returns the records it changed mapped as the streams map them, and -- written back
through the sync engine's write path -- leaves nothing new for the next FULL and DELTA syncs. Every
way Lever refuses or fails a write becomes Kombo's code, and a create whose answer never came is
OutcomeUnknown with exactly one opportunity made."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine, select

from hirebridge.connectors.framework.actions import ActionFailed, ActionResult, Writer
from hirebridge.connectors.framework.errors import OutcomeUnknown
from hirebridge.connectors.lever import LeverConnector
from hirebridge.model import SyncKind
from hirebridge.model import actions as a
from hirebridge.model.records import Application, Attachment, Candidate, Location, Note, Tag
from hirebridge.store.db import read_tx, write_tx
from hirebridge.store.rate_limits import DatabaseRateLimits
from hirebridge.store.sync_runs import SyncState
from hirebridge.store.tables import SYNCED_TABLES
from hirebridge.sync.writeback import write_back
from tests.emulators.harness import Fault
from tests.emulators.lever import REASONS, STAGES, LeverEmulator
from tests.lever_world import FAST, KEY, Setup, lever

NON_HIRED = REASONS[0][0]
CV = a.FileUpload("cv.pdf", "application/pdf", b"%PDF-1.4 a cv", "CV")


def _admin(emu: LeverEmulator) -> str:
    return next(u for u, v in emu.users.items() if v["accessRole"] == "super admin" and not v["deactivatedAt"])


def _connector(s: Setup, **config: Any) -> LeverConnector:
    settings = {"api_key": KEY, "base_url": s.url, **FAST, "perform_as": _admin(s.emu), **config}
    return LeverConnector(s.integration_id, settings, DatabaseRateLimits(s.engine))


def _perform(s: Setup, action: a.Action, **config: Any) -> ActionResult:
    return asyncio.run(_connector(s, **config).perform(action))


def _rows(s: Setup, model: str) -> dict[str, tuple[Any, ...]]:
    table = SYNCED_TABLES[model]
    with read_tx(s.engine) as conn:
        rows = conn.execute(select(table).where(table.c.integration_id == s.integration_id))
        return {r.remote_id: (r.data, r.links, r.remote_data, r.remote_deleted_at) for r in rows}


def _target(s: Setup, model: str, remote_id: str) -> a.Target:
    """What the action service hands a connector: the stored record's payload and fields."""
    _data, _links, remote_data, _deleted = _rows(s, model)[remote_id]
    return a.Target(model, remote_id, orjson.loads(remote_data), orjson.loads(_data))


def _stage(posting: str, index: int) -> a.Target:
    return a.Target("application_stages", f"{posting}:{STAGES[index][0]}")


def _written_back_then_synced(s: Setup, result: ActionResult) -> None:
    """THE property: the action's records, written back, are what the next syncs find -- FULL and
    DELTA insert and update nothing (of any model: a record the action changed but did not return
    would be updated), and the stored rows stay as written."""
    with write_tx(s.engine) as conn:
        write_back(conn, s.integration_id, result.records, datetime.now(UTC), result.deleted)
    models = {record.MODEL for record in result.records} | {model for model, _ in result.deleted}
    written = {model: _rows(s, model) for model in models}
    for kind in (SyncKind.FULL, SyncKind.DELTA):
        run = s.sync(kind)
        assert run.state == SyncState.SUCCEEDED, run.error
        for model, stats in run.stats.items():
            assert (stats["inserted"], stats["updated"], stats["deleted"]) == (0, 0, 0), (kind, model, stats)
        for model in models:
            assert _rows(s, model) == written[model], (kind, model)


@contextmanager
def _synced(engine: Engine, opportunities: int = 10) -> Iterator[Setup]:
    with lever(engine, opportunities=opportunities) as s:
        assert s.sync().state == SyncState.SUCCEEDED
        yield s


def _open_posting(emu: LeverEmulator) -> str:
    return next(p for p, v in emu.postings.items() if v["state"] == "published")


def _pending(emu: LeverEmulator) -> str:
    """An unarchived opportunity on a posting."""
    return next(o for o, v in emu.opportunities.items() if not v.get("archived") and not v.get("archiveReason")
                and emu.applications[o]["posting"])  # fmt: skip


def _new_candidate(email: str = "ada.new@example.org") -> a.NewCandidate:
    return a.NewCandidate(
        first_name="Ada",
        last_name="Newcomer",
        email_address=email,
        company="Analytical Engines Ltd",
        phone_number="+44 20 7946 0000",
        location=Location(city="London", country="GB", zip_code="N1"),
        social_links=("https://linkedin.example/in/ada-new",),
    )


def test_the_connector_is_a_writer_declaring_what_lever_does() -> None:
    assert isinstance(LeverConnector("lever:x", {"api_key": "k"}), Writer)
    declared = LeverConnector.actions
    assert a.CREATE_INTERVIEW not in declared and a.UPDATE_INTERVIEW not in declared
    assert set(declared) == set(a.ACTIONS) - {a.CREATE_INTERVIEW, a.UPDATE_INTERVIEW}
    create = declared[a.CREATE_APPLICATION]
    assert {"stage_id", "attachments", "candidate.location"} <= create.fields
    assert not {"screening_question_answers", "candidate.title", "gdpr_consent", "sourced_by"} & create.fields
    assert LeverConnector.config["perform_as"].required is False


# --- each action: the account changed, the records right, nothing new for the next syncs ---------------


def test_create_application_makes_an_opportunity_and_its_records_equal_the_next_syncs(engine: Engine) -> None:
    with _synced(engine) as s:
        emu, posting = s.emu, _open_posting(s.emu)
        action = a.CreateApplication(
            job=_target(s, "jobs", posting),
            candidate=_new_candidate(),
            stage=_stage(posting, 2),
            attachments=(CV,),
            source_name="Acme Jobs",
        )
        before = set(emu.opportunities)
        result = _perform(s, action)

        (oid,) = set(emu.opportunities) - before
        opp = emu.opportunities[oid]
        assert emu.applications[oid]["posting"] == posting and opp["stage"] == STAGES[2][0]
        assert opp["owner"] == _admin(emu) and opp["sources"] == ["Acme Jobs"] and opp["origin"] == "applied"
        assert opp["links"] == ["https://linkedin.example/in/ada-new"]
        contact = emu.contacts[opp["contact"]]
        assert contact["name"] == "Ada Newcomer" and contact["emails"] == ["ada.new@example.org"]
        assert contact["headline"] == "Analytical Engines Ltd" and contact["location"] == "N1 London, GB"
        (file,) = emu.children[oid]["files"]
        assert emu.uploads[file["id"]] == (CV.data, "application/pdf")
        post = [r for r in emu.requests_to("/opportunities") if r.method == "POST"]
        assert len(post) == 1 and post[0].query["perform_as"] == _admin(emu)

        assert result.created == ("applications", oid) and result.warnings == ()
        candidate, application, attachment = result.records
        assert isinstance(candidate, Candidate) and candidate.remote_id == opp["contact"]
        assert (candidate.first_name, candidate.last_name, candidate.company) == (
            "Ada",
            "Newcomer",
            "Analytical Engines Ltd",
        )
        assert candidate.source == "Acme Jobs" and [e.email_address for e in candidate.email_addresses] == [
            "ada.new@example.org"
        ]
        assert isinstance(application, Application) and application.remote_id == oid
        assert (
            application.job_remote_id == posting and application.current_stage_remote_id == f"{posting}:{STAGES[2][0]}"
        )
        assert application.candidate_remote_id == opp["contact"] and application.outcome == "PENDING"
        assert isinstance(attachment, Attachment) and attachment.file_name == "cv.pdf"
        assert attachment.application_remote_id == oid and attachment.content_type == "application/pdf"
        _written_back_then_synced(s, result)


def test_create_candidate_on_a_known_email_joins_the_existing_contact(engine: Engine) -> None:
    with _synced(engine) as s:
        emu = s.emu
        known = next(iter(emu.contacts.values()))
        on = {emu.applications[o]["posting"] for o, v in emu.opportunities.items() if v["contact"] == known["id"]}
        posting = next(p for p, v in emu.postings.items() if v["state"] == "published" and p not in on)
        action = a.CreateApplication(
            job=_target(s, "jobs", posting),
            candidate=_new_candidate(known["emails"][0]),
            action=a.CREATE_CANDIDATE,
        )
        result = _perform(s, action)
        assert result.created == ("candidates", known["id"])
        assert emu.contacts[known["id"]]["name"] == known["name"]  # Lever keeps the contact's own fields
        applications = [r for r in result.records if isinstance(r, Application)]
        assert {r.candidate_remote_id for r in applications} == {known["id"]}
        assert posting in {r.job_remote_id for r in applications}
        _written_back_then_synced(s, result)


def test_move_stage(engine: Engine) -> None:
    with _synced(engine) as s:
        oid = _pending(s.emu)
        posting = s.emu.applications[oid]["posting"]
        was = s.emu.opportunities[oid]["updatedAt"]
        result = _perform(s, a.MoveApplicationStage(_target(s, "applications", oid), _stage(posting, 5)))
        opp = s.emu.opportunities[oid]
        assert opp["stage"] == STAGES[5][0] and opp["updatedAt"] > was
        assert opp["stageChanges"][-1]["userId"] == _admin(s.emu)
        (application,) = result.records
        assert isinstance(application, Application)
        assert application.current_stage_remote_id == f"{posting}:{STAGES[5][0]}"
        _written_back_then_synced(s, result)


def test_reject_with_a_note(engine: Engine) -> None:
    with _synced(engine) as s:
        oid = _pending(s.emu)
        action = a.RejectApplication(
            _target(s, "applications", oid), a.Target("rejection_reasons", NON_HIRED), note="Not a fit this time"
        )
        result = _perform(s, action)
        assert s.emu.opportunities[oid]["archived"]["reason"] == NON_HIRED
        application, note = result.records
        assert isinstance(application, Application) and application.outcome == "DECLINED"
        assert application.rejection_reason_name == REASONS[0][1] and application.rejected_at is not None
        assert isinstance(note, Note) and note.content_html == "<p>Not a fit this time</p>"
        assert s.emu.children[oid]["notes"][-1]["fields"][0]["value"] == "Not a fit this time"
        _written_back_then_synced(s, result)


def test_add_note(engine: Engine) -> None:
    with _synced(engine) as s:
        oid = _pending(s.emu)
        result = _perform(s, a.AddNote(_target(s, "applications", oid), "Strong <b>portfolio</b>"))
        note = s.emu.children[oid]["notes"][-1]
        assert note["fields"][0]["value"] == "Strong <b>portfolio</b>" and note["user"] == _admin(s.emu)
        application, record = result.records
        assert isinstance(record, Note) and record.remote_id == note["id"]
        assert record.content_html == "<p>Strong &lt;b&gt;portfolio&lt;/b&gt;</p>"
        assert record.candidate_remote_id == s.emu.opportunities[oid]["contact"]
        assert isinstance(application, Application) and application.remote_id == oid
        _written_back_then_synced(s, result)


@pytest.mark.parametrize("owner", ["applications", "candidates"])
def test_add_attachment(engine: Engine, owner: str) -> None:
    with _synced(engine) as s:
        oid = _pending(s.emu)
        contact = s.emu.opportunities[oid]["contact"]
        # A candidate's file goes on its newest opportunity.
        newest = max((o for o, v in s.emu.opportunities.items() if v["contact"] == contact),
                     key=lambda o: (s.emu.opportunities[o]["createdAt"], o))  # fmt: skip
        where = oid if owner == "applications" else newest
        target = _target(s, owner, oid if owner == "applications" else contact)
        upload = a.FileUpload("letter.txt", "text/plain", b"Dear Lever", "COVER_LETTER")
        result = _perform(s, a.AddAttachment(target, upload))
        file = s.emu.children[where]["files"][-1]
        assert file["name"] == "letter.txt" and s.emu.uploads[file["id"]] == (b"Dear Lever", "text/plain")
        application, attachment = result.records
        assert isinstance(application, Application) and application.remote_id == where
        assert isinstance(attachment, Attachment) and attachment.remote_id == f"{where}/files/{file['id']}"
        assert attachment.candidate_remote_id == contact and attachment.type == "OTHER"
        _written_back_then_synced(s, result)


def test_add_result_link(engine: Engine) -> None:
    with _synced(engine) as s:
        oid = _pending(s.emu)
        action = a.AddResultLink(
            _target(s, "applications", oid),
            label="Coding test",
            url="https://assess.example/r/42",
            custom_field_name_prefix="Acme:",
            attributes=(("Score", "93"),),
        )
        result = _perform(s, action)
        assert "https://assess.example/r/42" in s.emu.opportunities[oid]["links"]
        assert s.emu.children[oid]["notes"][-1]["fields"][0]["value"] == (
            "Coding test\nhttps://assess.example/r/42\nAcme: Score: 93"
        )
        candidate = next(r for r in result.records if isinstance(r, Candidate))
        assert "https://assess.example/r/42" in [m.link for m in candidate.social_media]
        assert any(isinstance(r, Note) for r in result.records)
        _written_back_then_synced(s, result)


def test_tag_added_to_every_opportunity_then_removed_and_gone(engine: Engine) -> None:
    with _synced(engine) as s:
        emu = s.emu
        contact = next(c for c in emu.contacts if sum(o["contact"] == c for o in emu.opportunities.values()) > 1)
        opportunities = [o for o, v in emu.opportunities.items() if v["contact"] == contact]
        added = _perform(s, a.CandidateTag(_target(s, "candidates", contact), "Shortlist"))
        assert all("Shortlist" in emu.opportunities[o]["tags"] for o in opportunities)
        tag, candidate, *applications = added.records
        assert (
            isinstance(tag, Tag)
            and tag.remote_id == "Shortlist"
            and tag.remote_data
            == {
                "text": "Shortlist",
                "count": len(opportunities),
            }
        )
        assert isinstance(candidate, Candidate) and "Shortlist" in candidate.tag_remote_ids
        assert {r.remote_id for r in applications} == set(opportunities)
        _written_back_then_synced(s, added)

        removed = _perform(
            s, a.CandidateTag(_target(s, "candidates", contact), "Shortlist", action=a.REMOVE_CANDIDATE_TAG)
        )
        assert not any("Shortlist" in emu.opportunities[o]["tags"] for o in opportunities)
        assert removed.deleted == (("tags", "Shortlist"),)
        candidate = next(r for r in removed.records if isinstance(r, Candidate))
        assert "Shortlist" not in candidate.tag_remote_ids
        _written_back_then_synced(s, removed)
        assert _rows(s, "tags")["Shortlist"][3] is not None  # deleted, and the FULL sync agreed

        emu.requests.clear()  # removing a tag the candidate does not have: nothing to do, success
        assert (
            _perform(s, a.CandidateTag(_target(s, "candidates", contact), "Shortlist", action=a.REMOVE_CANDIDATE_TAG))
            == ActionResult()
        )
        assert not [r for r in emu.requests if r.method == "POST"]


def test_import_tracked_application(engine: Engine) -> None:
    with lever(engine, opportunities=6) as s:
        oid = next(iter(s.emu.opportunities))
        result = _perform(s, a.ImportTrackedApplication(oid, None))
        candidate, application = result.records
        assert isinstance(candidate, Candidate) and isinstance(application, Application)
        assert application.remote_id == oid and application.candidate_remote_id == candidate.remote_id
        assert result.created == ("applications", oid)
        assert s.sync().state == SyncState.SUCCEEDED
        _written_back_then_synced(s, result)


# --- refusals: Lever's own, and the semantic ones ---------------------------------------------------------


def _failure(s: Setup, action: a.Action, **config: Any) -> ActionFailed:
    with pytest.raises(ActionFailed) as failed:
        _perform(s, action, **config)
    assert KEY not in failed.value.message
    return failed.value


def test_semantic_refusals_create_nothing(engine: Engine) -> None:
    with lever(engine, opportunities=10) as s:
        emu = s.emu
        posting = _open_posting(emu)
        job = a.Target("jobs", posting, emu.postings[posting])
        before = set(emu.opportunities)

        no_user = _failure(s, a.CreateApplication(job=job, candidate=_new_candidate()), perform_as=None)
        assert (no_user.status, no_user.code) == (400, "INTEGRATION.ACTION_NOT_AVAILABLE")
        assert "perform_as" in no_user.message
        assert not emu.requests  # refused before anything was sent

        oid = _pending(emu)
        dup_posting = emu.applications[oid]["posting"]
        email = emu.contacts[emu.opportunities[oid]["contact"]]["emails"][0]
        duplicate = a.CreateApplication(job=a.Target("jobs", dup_posting), candidate=_new_candidate(email.upper()))
        refused = _failure(s, duplicate)
        assert (refused.status, refused.code) == (409, "ATS.APPLICATION_ALREADY_EXISTS")
        assert email.upper() in refused.message and emu.postings[dup_posting]["text"] in refused.message

        closed = emu.add_posting(state="closed")
        refused = _failure(s, a.CreateApplication(job=a.Target("jobs", closed), candidate=_new_candidate()))
        assert (refused.status, refused.code) == (400, "ATS.JOB_CLOSED") and closed in refused.message
        assert set(emu.opportunities) == before and not [r for r in emu.requests if r.method == "POST"]

        # remote_fields name the acting user per request: a create works without the setting.
        action = a.CreateApplication(
            job=job, candidate=_new_candidate(), remote_fields={"lever": {"perform_as": _admin(emu)}}
        )
        assert _perform(s, action, perform_as=None).created is not None


def test_lever_validation_errors_are_remote_input_invalid_with_levers_message(engine: Engine) -> None:
    with lever(engine, opportunities=6) as s:
        oid = _pending(s.emu)
        application = a.Target("applications", oid, s.emu.render_opportunity(oid))
        posting = s.emu.applications[oid]["posting"]
        bad_stage = a.MoveApplicationStage(application, a.Target("application_stages", f"{posting}:no-such-stage"))
        refused = _failure(s, bad_stage)
        assert (refused.status, refused.code) == (400, "REMOTE.INPUT_INVALID")
        assert "Stage no-such-stage was not found" in refused.message

        deactivated = next(u for u in s.emu.users if u != _admin(s.emu))
        s.emu.edit_user(deactivated, deactivatedAt=s.emu.now_ms())
        refused = _failure(s, a.AddNote(application, "hi"), perform_as=deactivated)
        assert refused.code == "REMOTE.INPUT_INVALID" and "not an active user" in refused.message

        gone = a.Target("applications", "no-such-opportunity", {"contact": "x"})
        refused = _failure(s, a.AddNote(gone, "hi"))
        assert refused.code == "REMOTE.INPUT_INVALID" and "no-such-opportunity was not found" in refused.message
        assert not any(n["fields"][0]["value"] == "hi" for n in s.emu.children[oid]["notes"])


def test_credentials_and_permissions(engine: Engine) -> None:
    with lever(engine, opportunities=6) as s:
        oid = _pending(s.emu)
        posting = s.emu.applications[oid]["posting"]
        move = a.MoveApplicationStage(a.Target("applications", oid), _stage(posting, 3))
        refused = _failure(s, move, api_key="wrong-key-value")
        assert (refused.status, refused.code) == (403, "INTEGRATION.AUTHENTICATION_INVALID")
        assert "wrong-key-value" not in refused.message
        create = a.CreateApplication(job=a.Target("jobs", _open_posting(s.emu)), candidate=_new_candidate())
        refused = _failure(s, create, api_key="wrong-key-value")  # refused on the first read already
        assert refused.code == "INTEGRATION.AUTHENTICATION_INVALID" and "wrong-key-value" not in refused.message

        s.emu.emulator.inject(Fault("status", status=403, path="/stage"))
        refused = _failure(s, move)
        assert (refused.status, refused.code) == (403, "INTEGRATION.PERMISSION_MISSING")
        assert s.emu.opportunities[oid]["stage"] != STAGES[3][0]


def test_throttled_and_failing_lever(engine: Engine) -> None:
    with lever(engine, opportunities=6) as s:
        oid = _pending(s.emu)
        posting = s.emu.applications[oid]["posting"]
        move = a.MoveApplicationStage(a.Target("applications", oid), _stage(posting, 3))
        attempts = int(FAST["retry_attempts"])
        s.emu.emulator.inject(*[Fault("status", status=429, path="/stage")] * attempts)
        assert _failure(s, move).code == "REMOTE.RATE_LIMIT_EXCEEDED"
        s.emu.emulator.inject(*[Fault("status", status=503, path="/stage")] * attempts)
        refused = _failure(s, move)
        assert (refused.status, refused.code) == (503, "REMOTE.SERVICE_UNAVAILABLE")
        assert len(s.emu.requests_to("/stage")) == 2 * attempts  # a PUT is repeated: retried every time

        # A note (a POST) answered 500 may have been made: not repeated, OutcomeUnknown.
        s.emu.emulator.inject(Fault("status", status=500, path="/notes", method="POST"))
        with pytest.raises(OutcomeUnknown):
            _perform(s, a.AddNote(a.Target("applications", oid, {"contact": "c"}), "once"))
        assert len([r for r in s.emu.requests_to("/notes") if r.method == "POST"]) == 1
        # A 429 was refused unread: the POST is sent again, once the limiter allows.
        s.emu.emulator.inject(Fault("status", status=429, path="/notes", method="POST"))
        result = _perform(s, a.AddNote(a.Target("applications", oid, {"contact": "c"}), "twice asked, once made"))
        assert [n["fields"][0]["value"] for n in s.emu.children[oid]["notes"]].count("twice asked, once made") == 1
        assert isinstance(result.records[-1], Note)


def test_a_create_answered_too_late_is_outcome_unknown_and_made_once(engine: Engine) -> None:
    with lever(engine, opportunities=6) as s:
        emu = s.emu
        before = set(emu.opportunities)
        emu.emulator.inject(Fault("slow", delay=FAST["timeout"] * 3, path="/opportunities", method="POST"))
        create = a.CreateApplication(job=a.Target("jobs", _open_posting(emu)), candidate=_new_candidate())
        with pytest.raises(OutcomeUnknown) as unknown:
            _perform(s, create)
        assert KEY not in str(unknown.value)
        time.sleep(FAST["timeout"] * 3)  # the emulator's late answer is sent into the void
        assert len(set(emu.opportunities) - before) == 1
        assert len([r for r in emu.requests_to("/opportunities") if r.method == "POST"]) == 1
        # Asked again, the candidate has applied already: no second opportunity.
        assert _failure(s, create).code == "ATS.APPLICATION_ALREADY_EXISTS"
        assert len(set(emu.opportunities) - before) == 1


@pytest.mark.serial  # an exact rate meter judges arrival times: alone, as the other meter tests
def test_a_burst_of_writes_keeps_to_levers_rate_limit() -> None:
    """Writes go through the integration's limiter: ten concurrent actions (30+ requests: 30 sent at
    once without a limiter) never exceed Lever's documented 10/s with bursts of 20, metered exactly by
    the emulator. The integration is set a little under it (8/s, 15): the emulator's thread shares the
    test's CPU, and a late arrival it stamps must not make paced requests look bunched."""
    emu = LeverEmulator(seed=5, opportunities=12, api_key=KEY, rate=10, burst=20)
    with emu.running() as url:
        settings = {"api_key": KEY, "base_url": url, **FAST, "timeout": 5, "retry_attempts": 2}
        connector = LeverConnector("lever:burst", {**settings, "requests_per_second": 8, "burst": 15})
        pending = [o for o in emu.opportunities if emu.applications[o]["posting"]][:10]

        async def burst() -> list[ActionResult]:
            moves = [
                connector.perform(
                    a.MoveApplicationStage(a.Target("applications", o), _stage(emu.applications[o]["posting"], 4))
                )
                for o in pending
            ]
            return await asyncio.gather(*moves)

        results = asyncio.run(burst())
    assert len(results) == 10 and all(emu.opportunities[o]["stage"] == STAGES[4][0] for o in pending)
    assert len(emu.requests) >= 30 and emu.violations == 0
