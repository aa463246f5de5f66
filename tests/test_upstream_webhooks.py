"""Upstream webhooks from Lever, Ashby, Greenhouse, Workable and Teamtailor, end to end over real HTTP:
the vendor's emulator changes a record and POSTs its signed webhook to HireBridge; HireBridge refuses what is not signed
with the integration's secret (401, nothing fetched, nothing stored), and for what is, fetches only
the records the event names -- once however many events named them -- and serves the change through
the official SDK. Both databases, all seven vendors (SmartRecruiters' events name no deletions: its
deleted records are covered by a refetch answered 404, and its URL handshake here)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
import pytest
from kombo import Kombo
from sqlalchemy import Engine

from hirebridge import ids
from hirebridge.api.app import create_app
from hirebridge.connectors.registry import CredentialsInvalid
from hirebridge.jobs import upstream as refresher
from hirebridge.store import tenancy
from hirebridge.store import upstream as pending
from hirebridge.store.db import make_engine, read_tx, write_tx
from hirebridge.store.sync_runs import SyncState
from hirebridge.sync.engine import SyncEngine
from tests.commands import environment, hb
from tests.conftest import make_tenant, serving
from tests.emulators.ashby import AshbyEmulator
from tests.emulators.greenhouse import GreenhouseEmulator, HarvestRateLimit
from tests.emulators.harness import Delivery, RateMeter, SeenRequest, WebhookSender, serve
from tests.emulators.lever import STAGES, LeverEmulator
from tests.emulators.recruitee import RecruiteeEmulator
from tests.emulators.smartrecruiters import SmartRecruitersEmulator
from tests.emulators.teamtailor import TeamtailorEmulator
from tests.emulators.workable import WorkableEmulator
from tests.support import World, sdk_client
from tests.tool_worlds import KEY, config_for

SECRET = "whsec-upstream-test-0123456789abcdef"
TOOLS = ["lever", "ashby", "greenhouse", "workable", "teamtailor", "smartrecruiters", "recruitee"]
# The tools whose webhooks report deletions.
DELETING = ["lever", "ashby", "greenhouse", "workable", "teamtailor", "recruitee"]
# What the fast client settings of the first sync override: the refresh runs at the tool's own pacing.
FAST = ("requests_per_second", "burst")


@dataclass
class Source:
    """A vendor's emulator, with what a test does to it and counts at it."""

    tool: str
    emu: Any
    webhooks: WebhookSender
    requests: Callable[[], list[SeenRequest]]
    violations: Callable[[], int]
    meter: Callable[[], None]  # from now on, judge requests by the vendor's exact limit
    application: str  # an application a test changes (remote id)
    move: Callable[[], str]  # a stage change of `application`; the new stage's name
    delete: Callable[[], tuple[str, str]]  # a deletion; the (model, remote id) deleted
    fetches: Callable[[], int]  # requests that read `application` by id


def _lever(emu: LeverEmulator) -> Source:
    oid = next(
        o for o, opp in sorted(emu.opportunities.items()) if not opp.get("archived") and not opp.get("archivedAt")
    )

    def move() -> str:
        stage_id, name = next((i, n) for i, n in STAGES[2:] if i != emu.opportunities[oid]["stage"])
        emu.edit_opportunity(oid, stage=stage_id)
        return name

    def delete() -> tuple[str, str]:
        emu.delete_opportunity(oid)
        return "applications", oid

    def meter() -> None:
        emu.emulator.rate = RateMeter(10, 20)  # Lever's documented limit

    def fetches() -> int:
        return len([r for r in emu.requests if r.method == "GET" and r.path.endswith(f"/opportunities/{oid}")])

    return Source("lever", emu, emu.webhooks, lambda: emu.requests, lambda: emu.violations, meter, oid, move,
                  delete, fetches)  # fmt: skip


def _ashby(emu: AshbyEmulator) -> Source:
    app_id = next(i for i, a in sorted(emu.data["applications"].items()) if a["status"] == "Active")
    app = emu.data["applications"][app_id]

    def move() -> str:
        stages = [emu.data["stages"][s] for s in emu.stage_ids(app["jobId"])]
        open_stages = [s for s in stages if s["type"] not in ("Hired", "Archived")]
        stage = next(s for s in open_stages if s["id"] != app["currentInterviewStageId"])
        emu.edit("applications", app_id, currentInterviewStageId=stage["id"])
        return str(stage["title"])

    def delete() -> tuple[str, str]:
        candidate = app["candidateId"]
        emu.delete("candidates", candidate)
        return "candidates", candidate

    def meter() -> None:
        emu.harness.rate = RateMeter(10, 20)  # what HireBridge paces Ashby at (Ashby publishes none)

    def fetches() -> int:
        return len([r for r in emu.harness.requests if r.path == "/application.info" and app_id.encode() in r.body])

    def violations() -> int:
        return emu.harness.rate.violations if emu.harness.rate is not None else 0

    return Source("ashby", emu, emu.webhooks, lambda: emu.harness.requests, violations, meter, app_id, move, delete,
                  fetches)  # fmt: skip


def _greenhouse(emu: GreenhouseEmulator) -> Source:
    app_id = next(i for i, a in sorted(emu.data["applications"].items()) if a["status"] == "in_process" and a["job_id"])
    app = emu.data["applications"][app_id]

    def move() -> str:
        stages = [s for s in emu.data["job_interview_stages"].values() if s["job_id"] == app["job_id"] and s["active"]]
        stage = next(s for s in stages if s["id"] != app["job_interview_stage_id"])
        emu.move_application(app_id, stage["id"])
        return str(stage["name"])

    def delete() -> tuple[str, str]:
        emu.delete("applications", app_id)
        return "applications", str(app_id)

    def meter() -> None:
        emu.limit = HarvestRateLimit(50, 10.0)  # Harvest's rolling window

    def fetches() -> int:
        listed = [r for r in emu.requests if r.path.endswith("/v3/applications") and "ids" in r.query]
        return len([r for r in listed if str(app_id) in r.query["ids"].split(",")])

    return Source("greenhouse", emu, emu.webhooks, lambda: emu.requests, lambda: emu.violations, meter, str(app_id),
                  move, delete, fetches)  # fmt: skip


def _smartrecruiters(emu: SmartRecruitersEmulator) -> Source:
    cid, job = next(k for k, x in sorted(emu.applications.items()) if x["status"] == "INTERVIEW")

    def move() -> str:
        current = emu.applications[(cid, job)]["subStatus"]
        sub = next(s for s in ("First interview", "Final interview") if s != current)
        emu.set_status(cid, job, "INTERVIEW", sub)  # sends application.status.updated
        return sub

    def delete() -> tuple[str, str]:
        raise NotImplementedError("SmartRecruiters' events name no deletions")

    def meter() -> None:
        emu.harness.rate = RateMeter(10, 10)  # SmartRecruiters' 10 requests per second

    def fetches() -> int:
        return len([r for r in emu.harness.requests if r.path == f"/candidates/{cid}/jobs/{job}"])

    def violations() -> int:
        return emu.harness.rate.violations if emu.harness.rate is not None else 0

    return Source("smartrecruiters", emu, emu.webhooks, lambda: emu.harness.requests, violations, meter,
                  f"{cid}:{job}", move, delete, fetches)  # fmt: skip


def _recruitee(emu: RecruiteeEmulator) -> Source:
    jobs = {o for o, x in emu.data["offers"].items() if x["kind"] == "job"}
    pid = next(
        p
        for p, x in sorted(emu.data["placements"].items())
        if x["offer_id"] in jobs and x["hired_at"] is None and x["disqualified_at"] is None
    )
    placement = emu.data["placements"][pid]

    def move() -> str:
        stages = sorted((s for s in emu.data["stages"].values() if s["offer_id"] == placement["offer_id"]),
                        key=lambda s: s["position"])  # fmt: skip
        stage = next(s for s in stages[:-1] if s["id"] != placement["stage_id"])
        emu.move(pid, stage["id"])
        return str(stage["name"])

    def delete() -> tuple[str, str]:
        candidate = placement["candidate_id"]
        emu.delete("candidates", candidate)
        return "candidates", str(candidate)

    def meter() -> None:
        emu.harness.rate = RateMeter(2, 4)  # what HireBridge paces Recruitee at (Recruitee publishes none)

    def fetches() -> int:
        listed = [r for r in emu.harness.requests if r.path.endswith("/candidates") and "ids" in r.query]
        return len([r for r in listed if str(placement["candidate_id"]) in r.query["ids"].split(",")])

    def violations() -> int:
        return emu.harness.rate.violations if emu.harness.rate is not None else 0

    return Source("recruitee", emu, emu.webhooks, lambda: emu.harness.requests, violations, meter, str(pid), move,
                  delete, fetches)  # fmt: skip


def _workable(emu: WorkableEmulator) -> Source:
    cid = next(c for c, x in sorted(emu.data["candidates"].items()) if not x["disqualified"])

    def move() -> str:
        stage = next(s for s in emu.data["stages"].values() if s["name"] != emu.data["candidates"][cid]["stage"])
        emu.move(cid, stage["slug"])
        return str(stage["name"])

    def delete() -> tuple[str, str]:
        emu.delete("candidates", cid)
        return "applications", cid

    def meter() -> None:
        emu.window = 10  # Workable's fixed window: 10 requests per 10 s

    def fetches() -> int:
        return len([r for r in emu.harness.requests if r.method == "GET" and r.path.endswith(f"/candidates/{cid}")])

    return Source("workable", emu, emu.webhooks, lambda: emu.harness.requests, lambda: emu.window_refused, meter, cid,
                  move, delete, fetches)  # fmt: skip


def _teamtailor(emu: TeamtailorEmulator) -> Source:
    app_id = next(i for i, x in sorted(emu.data["job-applications"].items()) if x.attributes["rejected-at"] is None)
    application = emu.data["job-applications"][app_id]

    def move() -> str:
        job = application.relationships["job"]
        stages = [s for s in emu.data["stages"].values() if s.relationships["job"] == job]
        stage = next(s for s in stages if ("stages", s.id) != application.relationships["stage"])
        emu.move(app_id, stage.id)
        return str(stage.attributes["name"])

    def delete() -> tuple[str, str]:
        emu.delete("job-applications", app_id)
        return "applications", app_id

    def meter() -> None:
        emu.window = 50  # Teamtailor's fixed window: 50 requests per 10 s

    def fetches() -> int:
        return len(
            [r for r in emu.harness.requests if r.method == "GET" and r.path.endswith(f"/job-applications/{app_id}")]
        )

    return Source("teamtailor", emu, emu.webhooks, lambda: emu.harness.requests, lambda: emu.window_refused, meter,
                  app_id, move, delete, fetches)  # fmt: skip


@contextmanager
def _source(tool: str) -> Iterator[tuple[Source, str]]:
    """A small account of `tool`, served; no rate meter until `meter()` (the first sync is not judged)."""
    if tool == "lever":
        lever = LeverEmulator(seed=5, opportunities=12, api_key=KEY, rate=None)
        with lever.running() as url:
            yield _lever(lever), url
    elif tool == "ashby":
        ashby = AshbyEmulator(KEY, seed=5, candidates=12, jobs=3)
        with serve(ashby.app()) as url:
            yield _ashby(ashby), url
    elif tool == "smartrecruiters":
        smartrecruiters = SmartRecruitersEmulator(KEY, seed=5, candidates=12, jobs=3, window=None)
        with serve(smartrecruiters.app()) as url:
            yield _smartrecruiters(smartrecruiters), url
    elif tool == "recruitee":
        recruitee = RecruiteeEmulator(KEY, seed=5, candidates=12, offers=5, window=None)
        with serve(recruitee.app()) as url:
            yield _recruitee(recruitee), url
    elif tool == "workable":
        workable = WorkableEmulator(KEY, seed=5, candidates=12, jobs=3, window=None)
        with serve(workable.app()) as url:
            yield _workable(workable), url
    elif tool == "teamtailor":
        teamtailor = TeamtailorEmulator(KEY, seed=5, candidates=12, jobs=3, window=None)
        with serve(teamtailor.app()) as url:
            yield _teamtailor(teamtailor), url
    else:
        greenhouse = GreenhouseEmulator(seed=5, applications=12, client_secret=KEY, rate_limit=None)
        with greenhouse.running() as url:
            yield _greenhouse(greenhouse), url


@dataclass
class Setup:
    engine: Engine
    source: Source
    world: World
    hook_url: str  # where the vendor sends this integration's webhooks

    def sdk(self) -> Kombo:
        return sdk_client(self.world)

    def record_id(self, model: str, remote_id: str) -> str:
        return ids.record_id(self.world.integration_id, model, remote_id)

    def stage_name(self) -> str | None:
        wanted = self.record_id("applications", self.source.application)
        page = self.sdk().ats.get_applications(ids=[wanted])
        assert page is not None
        [app] = page.result.data.results
        return app.current_stage.name if app.current_stage is not None else None

    def waiting(self) -> int:
        with read_tx(self.engine) as conn:
            return pending.count(conn, self.world.integration_id)


@contextmanager
def _setup(tool: str, engine: Engine, *, worker: bool) -> Iterator[Setup]:
    """An integration of `tool` after one FULL sync, with its webhook secret, behind a real server
    (with the embedded worker and the refresh lane when `worker`)."""
    tenant = make_tenant(engine)
    with _source(tool) as (source, url):
        with write_tx(engine) as conn:
            config = {**config_for(tool, url), "webhook_secret": SECRET}
            if tool == "lever":
                config["perform_as"] = next(iter(source.emu.users))
            integration_id = tenancy.create_integration(conn, tenant.environment, tool, config).id
        assert SyncEngine(engine).run(integration_id).state == SyncState.SUCCEEDED
        with write_tx(engine) as conn:  # from now on, the tool's own pacing
            integration = tenancy.get_integration(conn, integration_id)
            assert integration is not None
            settings = {k: v for k, v in integration.config.items() if k not in FAST}
            tenancy.update_integration_config(conn, integration_id, settings)
        app = create_app(engine, run_worker=worker)
        with serving(app, lifespan="on" if worker else "off") as server:
            world = World(server, tenant, integration_id)
            hook = f"{server.base_url.removesuffix('/v1')}/webhooks/upstream/{integration_id}"
            yield Setup(engine, source, world, hook)


def _eventually(check: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not hold in time")
        time.sleep(0.05)


def _statuses(deliveries: list[Delivery]) -> list[int | None]:
    return [d.status for d in deliveries]


@pytest.mark.parametrize("tool", TOOLS)
def test_a_request_not_signed_with_the_secret_is_401_and_nothing_is_fetched(tool: str, engine: Engine) -> None:
    with _setup(tool, engine, worker=True) as s:
        before, stage = len(s.source.requests()), s.stage_name()
        s.source.webhooks.register(s.hook_url, "not-the-secret")
        s.source.move()
        [refused] = s.source.webhooks.wait(1)
        assert refused.status == 401
        # The same event without its signature, and for an integration that does not exist.
        unsigned = httpx.post(s.hook_url, content=refused.body, headers={"Content-Type": "application/json"})
        elsewhere = httpx.post(f"{s.hook_url}x", content=refused.body, headers={"Ashby-Signature": "sha256=00"})
        for answer in (unsigned, elsewhere):
            assert answer.status_code == 401
            assert answer.json()["status"] == "error"
            assert answer.json()["error"]["code"] == "PLATFORM.AUTHENTICATION_INVALID"
        time.sleep(0.5)  # the lane had every chance to fetch something
        assert s.waiting() == 0
        assert len(s.source.requests()) == before  # nothing asked of the source
        assert s.stage_name() == stage  # nothing stored


@pytest.mark.serial  # an exact rate meter judges arrival times: alone, as the other meter tests
@pytest.mark.parametrize("tool", TOOLS)
def test_a_change_at_the_source_is_served_after_its_webhook(tool: str, engine: Engine) -> None:
    with _setup(tool, engine, worker=True) as s:
        s.source.meter()
        before, fetched = len(s.source.requests()), s.source.fetches()
        s.source.webhooks.register(s.hook_url, SECRET)
        stage = s.stage_name()
        moved_to = s.source.move()
        assert moved_to != stage
        assert all(status == 200 for status in _statuses(s.source.webhooks.wait(1)))
        _eventually(lambda: s.stage_name() == moved_to)
        _eventually(lambda: s.waiting() == 0)
        # A targeted fetch, not a sync: a handful of requests, none a full listing of applications.
        asked = s.source.requests()[before:]
        assert 0 < len(asked) <= 8, [r.path for r in asked]
        assert s.source.fetches() == fetched + 1
        assert s.source.violations() == 0


@pytest.mark.parametrize("tool", TOOLS)
def test_many_events_for_one_record_before_the_refresh_are_one_fetch(tool: str, engine: Engine) -> None:
    with _setup(tool, engine, worker=False) as s:  # no lane: the events pile up until the refresh runs
        s.source.webhooks.register(s.hook_url, SECRET)
        fetched = s.source.fetches()
        last = ""
        for _ in range(3):
            last = s.source.move()
        assert set(_statuses(s.source.webhooks.wait(3))) == {200}
        waiting = s.waiting()
        assert 1 <= waiting <= 2  # the application (and its candidate), once each
        assert s.source.fetches() == fetched
        assert refresher.refresh(engine, s.world.integration_id) == waiting
        assert s.source.fetches() == fetched + 1
        assert s.stage_name() == last
        assert s.waiting() == 0


@pytest.mark.parametrize("tool", DELETING)
def test_a_record_deleted_at_the_source_is_served_deleted(tool: str, engine: Engine) -> None:
    with _setup(tool, engine, worker=True) as s:
        s.source.webhooks.register(s.hook_url, SECRET)
        model, remote_id = s.source.delete()
        assert set(_statuses(s.source.webhooks.wait(1))) == {200}
        wanted = s.record_id(model, remote_id)

        def deleted() -> bool:
            sdk = s.sdk().ats
            listing = sdk.get_applications if model == "applications" else sdk.get_candidates
            page = listing(ids=[wanted], include_deleted=True)
            assert page is not None
            results = page.result.data.results
            return bool(results) and results[0].remote_deleted_at is not None

        _eventually(deleted)
        _eventually(lambda: s.waiting() == 0)


def test_an_event_during_the_fetch_keeps_its_record_waiting(engine: Engine) -> None:
    """The refresh forgets a record only at the version it fetched: an event that came while the
    record was being fetched may announce a change the fetch did not see."""
    tenant = make_tenant(engine)
    with write_tx(engine) as conn:
        integration = tenancy.create_integration(conn, tenant.environment, "sandbox", {"applications": 1, "step": 0})
    at = datetime.now(UTC)
    with write_tx(engine) as conn:
        assert pending.record(conn, integration.id, [("applications", "a"), ("applications", "a")], at) == 1
        assert pending.record(conn, integration.id, [("applications", "a"), ("candidates", "c")], at) == 2
    with read_tx(engine) as conn:
        read = pending.pending(conn, integration.id, 10)
    assert {(p.model, p.remote_id, p.version) for p in read} == {("applications", "a", 2), ("candidates", "c", 1)}
    with write_tx(engine) as conn:  # an event for "a" while it is fetched
        pending.record(conn, integration.id, [("applications", "a")], at)
    with write_tx(engine) as conn:
        assert pending.done(conn, integration.id, read) == 1
    with read_tx(engine) as conn:
        assert [(p.model, p.remote_id, p.version) for p in pending.pending(conn, integration.id, 10)] == [
            ("applications", "a", 3)
        ]
        assert pending.pending_integrations(conn) == [integration.id]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # a subprocess per command: SQLite alone
def test_the_cli_stores_the_secret_sealed_and_refuses_a_tool_without_webhooks(database_url: str) -> None:
    """`integrations set-webhook-secret` reads the secret from stdin and keeps it with the other
    credentials, sealed; a sandbox sends no webhooks."""
    lever = ["integrations", "create", "--tool", "lever", "--no-sync", "--json", "--base-url", "http://127.0.0.1:9"]
    created = orjson.loads(hb(database_url, *lever, "--credential", f"api_key={KEY}").stdout)
    command = [sys.executable, "-m", "hirebridge.cli", "integrations", "set-webhook-secret", created["id"]]
    stored = subprocess.run(command, input=f"{SECRET}\n", env=environment(database_url), capture_output=True, text=True)
    assert stored.returncode == 0, stored.stderr
    engine = make_engine(database_url)
    try:
        with read_tx(engine) as conn:
            integration = tenancy.get_integration(conn, created["id"])
    finally:
        engine.dispose()
    assert integration is not None and integration.sealed_credentials is not None
    assert SECRET not in integration.sealed_credentials and SECRET not in orjson.dumps(integration.config).decode()
    assert integration.connector_config()["webhook_secret"] == SECRET
    assert integration.connector_config()["api_key"] == KEY
    sandbox = orjson.loads(
        hb(database_url, "integrations", "create", "--tool", "sandbox", "--no-sync", "--json").stdout
    )
    refused = hb(database_url, "integrations", "set-webhook-secret", sandbox["id"], "--secret", "x", check=False)
    assert refused.returncode == 2 and "sends no webhooks" in refused.stderr


def test_a_refresh_whose_credentials_the_source_rejects_marks_the_integration_invalid(engine: Engine) -> None:
    """As a sync does; the records stay waiting for new credentials."""
    with _setup("lever", engine, worker=False) as s:
        s.source.webhooks.register(s.hook_url, SECRET)
        s.source.move()
        assert _statuses(s.source.webhooks.wait(1)) == [200]
        s.source.emu.api_key = "revoked"
        with pytest.raises(CredentialsInvalid):
            refresher.refresh(engine, s.world.integration_id)
        assert s.waiting() == 2
        answer = s.world.get(f"/integrations/{s.world.integration_id}")
        assert answer.json()["data"]["status"] == "INVALID"


def test_smartrecruiters_url_handshake_is_echoed_and_nothing_else_is_done(engine: Engine) -> None:
    """SmartRecruiters activates a subscription by POSTing `X-Hook-Secret` to the URL and expecting it
    back: answered 200 with the header, nothing recorded; another tool's URL refuses the same (401)."""
    with _setup("smartrecruiters", engine, worker=False) as s:
        answer = httpx.post(s.hook_url, headers={"X-Hook-Secret": "4jn8fs9011jj8"})
        assert answer.status_code == 200 and answer.headers["x-hook-secret"] == "4jn8fs9011jj8"
        assert s.waiting() == 0
        assert httpx.post(f"{s.hook_url}x", headers={"X-Hook-Secret": "4jn8fs9011jj8"}).status_code == 401
    with _setup("ashby", engine, worker=False) as other:
        refused = httpx.post(other.hook_url, headers={"X-Hook-Secret": "4jn8fs9011jj8"})
        assert refused.status_code == 401 and "x-hook-secret" not in refused.headers


def test_a_smartrecruiters_application_gone_at_the_source_is_deleted_by_its_refetch(engine: Engine) -> None:
    """SmartRecruiters answers 404 for an application whose candidate was deleted: the refetch an event
    asked for marks it deleted."""
    with _setup("smartrecruiters", engine, worker=False) as s:
        cid, job = s.source.application.split(":")
        s.source.webhooks.register(s.hook_url, SECRET)
        s.source.move()
        assert set(_statuses(s.source.webhooks.wait(1))) == {200}
        s.source.emu.delete("candidates", cid)
        assert refresher.refresh(engine, s.world.integration_id) == 1
        wanted = s.record_id("applications", f"{cid}:{job}")
        page = s.sdk().ats.get_applications(ids=[wanted], include_deleted=True)
        assert page is not None
        [gone] = page.result.data.results
        assert gone.remote_deleted_at is not None
