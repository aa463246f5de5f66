"""Personio's one write action against the Personio emulator over real HTTP: creating an application
through the v1 recruiting API (files uploaded first, the phase, tags and system attributes) changes
the account as Personio would, returns the candidate and application read back from the v2 reads and
mapped as the streams map them, and -- written back through the sync engine's write path -- leaves
nothing new for the next FULL and DELTA syncs. Without the v1 credentials the action is refused
before anything is sent; Personio's refusals become Kombo's codes. (tests/test_actions_tools.py runs
the same action through the SDK.)"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import orjson
import pytest
from sqlalchemy import Engine

from hirebridge.connectors.framework.actions import ActionFailed
from hirebridge.connectors.personio import PersonioConnector
from hirebridge.model import actions as a
from hirebridge.model.records import Application, Candidate, Location
from tests.action_setup import ActionSetup, synced, written_back_then_synced
from tests.emulators.harness import serve
from tests.emulators.personio import PersonioEmulator

CLIENT_ID = "personio-actions-client"
SECRET = "personio-actions-secret"
FAST = {"requests_per_second": 5000, "burst": 5000, "timeout": 0.5, "retry_attempts": 3, "retry_base_delay": 0.01}

Setup = ActionSetup[PersonioEmulator]
PDF = b"%PDF-1.4\n% a CV\n"


@contextmanager
def _synced(engine: Engine) -> Iterator[Setup]:
    emu = PersonioEmulator(CLIENT_ID, SECRET, seed=9, candidates=12, jobs=4)
    with serve(emu.app()) as url:
        config = {
            "client_id": CLIENT_ID,
            "client_secret": SECRET,
            "base_url": url,
            "company_id": emu.company_id,
            "recruiting_token": emu.recruiting_token,
            **FAST,
        }
        with synced(engine, "personio", PersonioConnector, emu, config) as setup:
            yield setup


def _open_job(emu: PersonioEmulator) -> str:
    return next(j for j, x in sorted(emu.data["jobs"].items()) if x["status"] == "ACTIVE")


def test_an_application_with_a_file_phase_tags_and_attributes_leaves_nothing_for_the_next_syncs(
    engine: Engine,
) -> None:
    with _synced(engine) as s:
        job = _open_job(s.emu)
        custom = next(st for st in s.emu.pipeline(job) if st["type"] == "custom")
        person = a.NewCandidate(
            "Ada",
            "Newcomer",
            "ada.new@example.org",
            phone_number="+49 30 123",
            location=Location(city="Berlin"),
            gender="FEMALE",
            availability_date=datetime(2026, 9, 1, tzinfo=UTC),
        )
        created = s.perform(
            a.CreateApplication(
                job=s.target("jobs", job),
                candidate=person,
                stage=a.Target("application_stages", f"{job}:{custom['id']}"),
                attachments=(a.FileUpload("cv.pdf", "application/pdf", PDF, "CV"),),
                remote_fields={"personio": {"tags": ["referral", "berlin"]}},
            )
        )
        assert created.created is not None and created.created[0] == "applications"
        new_id = created.created[1]
        stored = s.emu.data["applications"][new_id]
        assert (stored["job"]["id"], stored["current_stage"]["name"]) == (job, custom["name"])
        row = s.emu.data["candidates"][stored["candidate"]["id"]]
        assert (row["email"], row["phone"], row["location"], row["gender"], row["available_from"]) == (
            "ada.new@example.org",
            "+49 30 123",
            "Berlin",
            "female",
            "2026-09-01",
        )
        # Kept by Personio, though its v2 reads do not return them.
        assert s.emu.tags[new_id] == ["referral", "berlin"]
        assert [(f["original_filename"], f["category"], f["content"]) for f in s.emu.attached[new_id]] == [
            ("cv.pdf", "cv", PDF)
        ]
        candidate, application = created.records
        assert isinstance(candidate, Candidate) and isinstance(application, Application)
        assert (application.current_stage_remote_id, application.outcome) == (f"{job}:{custom['id']}", "PENDING")
        assert candidate.custom_fields == {"gender": "female", "available_from": "2026-09-01"}
        written_back_then_synced(s, created)


def test_a_system_phase_is_sent_by_its_id() -> None:
    emu = PersonioEmulator(CLIENT_ID + "-phase", SECRET, seed=3, candidates=2)
    with serve(emu.app()) as url:
        config = {
            "client_id": CLIENT_ID + "-phase",
            "client_secret": SECRET,
            "base_url": url,
            "company_id": emu.company_id,
            "recruiting_token": emu.recruiting_token,
            **FAST,
        }
        job = _open_job(emu)
        action = a.CreateApplication(
            job=a.Target("jobs", job, emu.data["jobs"][job]),
            candidate=a.NewCandidate("Grace", "Offer", "grace@example.org"),
            stage=a.Target("application_stages", f"{job}:offer"),
        )
        result = asyncio.run(PersonioConnector("personio:phase", config).perform(action))
    (application,) = [r for r in result.records if isinstance(r, Application)]
    assert application.current_stage_remote_id == f"{job}:offer"
    (sent,) = [r for r in emu.harness.requests if r.path == "/v1/recruiting/applications"]
    assert orjson.loads(sent.body)["phase"] == {"type": "system", "id": "offer"}


def test_a_second_application_and_an_unpublished_job_are_refused_in_kombos_terms(engine: Engine) -> None:
    with _synced(engine) as s:
        existing = next(iter(s.emu.data["applications"].values()))
        job = existing["job"]["id"]
        email = s.emu.data["candidates"][existing["candidate"]["id"]]["email"]
        s.emu.data["jobs"][job]["status"] = "ACTIVE"  # published, whatever the generator made it
        before = len(s.emu.data["applications"])
        target = a.Target("jobs", job, s.emu.data["jobs"][job])
        with pytest.raises(ActionFailed) as twice:
            s.perform(a.CreateApplication(job=target, candidate=a.NewCandidate("Again", "Person", email)))
        assert (twice.value.status, twice.value.code) == (409, "ATS.APPLICATION_ALREADY_EXISTS")
        assert "errors.applicant-already-exists" in twice.value.message
        # A job unpublished since the last sync: Personio's own refusal.
        draft = _open_job(s.emu)
        stale = s.target("jobs", draft)
        s.emu.data["jobs"][draft]["status"] = "DRAFT"
        with pytest.raises(ActionFailed) as refused:
            s.perform(a.CreateApplication(job=stale, candidate=a.NewCandidate("N", "P", "n@p.io")))
        assert refused.value.code == "ATS.JOB_CLOSED" and "errors.job-position.not-published" in refused.value.message
        assert len(s.emu.data["applications"]) == before


def test_without_the_v1_credentials_the_action_is_refused_before_anything_is_sent(engine: Engine) -> None:
    with _synced(engine) as s:
        sent = len(s.emu.harness.requests)
        action = a.CreateApplication(
            job=s.target("jobs", _open_job(s.emu)), candidate=a.NewCandidate("A", "B", "a@b.io")
        )
        with pytest.raises(ActionFailed) as refused:
            s.perform(action, recruiting_token=None)
        assert refused.value.code == "INTEGRATION.ACTION_NOT_AVAILABLE" and "recruiting_token" in refused.value.message
        assert len(s.emu.harness.requests) == sent
        # A wrong company id: Personio's 401 on the v1 API, with its words.
        with pytest.raises(ActionFailed) as wrong:
            s.perform(action, company_id="1")
        assert (wrong.value.status, wrong.value.code) == (403, "INTEGRATION.AUTHENTICATION_INVALID")
        assert "company id was not recognized" in wrong.value.message
