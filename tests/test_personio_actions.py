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
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine, select

from hirebridge.connectors.framework.actions import ActionFailed, ActionResult
from hirebridge.connectors.personio import PersonioConnector
from hirebridge.model import SyncKind
from hirebridge.model import actions as a
from hirebridge.model.records import Application, Candidate, Location
from hirebridge.store import tenancy
from hirebridge.store.db import read_tx, write_tx
from hirebridge.store.sync_runs import SyncState
from hirebridge.store.tables import SYNCED_TABLES
from hirebridge.sync.engine import SyncEngine
from hirebridge.sync.writeback import write_back
from tests.conftest import make_tenant
from tests.emulators.harness import serve
from tests.emulators.personio import PersonioEmulator

CLIENT_ID = "personio-actions-client"
SECRET = "personio-actions-secret"
FAST = {"requests_per_second": 5000, "burst": 5000, "timeout": 0.5, "retry_attempts": 3, "retry_base_delay": 0.01}
PDF = b"%PDF-1.4\n% a CV\n"


@dataclass
class Setup:
    engine: Engine
    emu: PersonioEmulator
    config: dict[str, Any]
    integration_id: str

    def perform(self, action: a.Action, **config: Any) -> ActionResult:
        return asyncio.run(PersonioConnector(self.integration_id, {**self.config, **config}).perform(action))

    def rows(self, model: str) -> dict[str, tuple[Any, ...]]:
        table = SYNCED_TABLES[model]
        with read_tx(self.engine) as conn:
            rows = conn.execute(select(table).where(table.c.integration_id == self.integration_id))
            return {r.remote_id: (r.data, r.links, r.remote_data, r.remote_deleted_at) for r in rows}

    def target(self, model: str, remote_id: str) -> a.Target:
        data, _links, remote_data, _deleted = self.rows(model)[remote_id]
        return a.Target(model, remote_id, orjson.loads(remote_data), orjson.loads(data))


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
        tenant = make_tenant(engine)
        with write_tx(engine) as conn:
            integration = tenancy.create_integration(conn, tenant.environment, "personio", config)
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
        _written_back_then_synced(s, created)


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
