"""An integration of each tool (sandbox, Lever, Ashby, Greenhouse, Workable, Teamtailor, SmartRecruiters,
Recruitee, Personio) after a first sync, behind the real server."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

from hirebridge.store import tenancy
from hirebridge.store.db import write_tx
from hirebridge.store.sync_runs import SyncState
from hirebridge.sync.engine import SyncEngine
from tests.conftest import Server, create_sandbox, make_tenant
from tests.emulators.ashby import AshbyEmulator
from tests.emulators.greenhouse import GreenhouseEmulator
from tests.emulators.harness import serve
from tests.emulators.lever import LeverEmulator
from tests.emulators.personio import PersonioEmulator
from tests.emulators.recruitee import RecruiteeEmulator
from tests.emulators.smartrecruiters import SmartRecruitersEmulator
from tests.emulators.teamtailor import TeamtailorEmulator
from tests.emulators.workable import WorkableEmulator
from tests.support import World

KEY = "tool-worlds-key"
PERSONIO_CLIENT = "personio-client-id"
# Generous limits on both sides: these tests are about data, not pacing.
CLIENT = {"api_key": KEY, "requests_per_second": 5000, "burst": 5000, "timeout": 2.0, "retry_attempts": 3}


@contextmanager
def synced(tool: str, engine: Engine, server: Server) -> Iterator[World]:
    """An integration of `tool` after one successful FULL sync of a source that shows what it can:
    a 60-application sandbox, or the tool's emulator (kept running while the world is used)."""
    tenant = make_tenant(engine)
    if tool == "sandbox":
        integration_id = create_sandbox(engine, tenant, applications=60)
        assert SyncEngine(engine).run(integration_id).state == SyncState.SUCCEEDED
        yield World(server, tenant, integration_id)
        return
    extra: dict[str, object] = {}
    if tool == "lever":
        lever = LeverEmulator(seed=11, opportunities=40, api_key=KEY, rate=None)
        source = lever.running()
        extra["perform_as"] = next(iter(lever.users))  # the Lever user write actions are made as
    elif tool == "greenhouse":
        source = GreenhouseEmulator(seed=11, applications=40, client_secret=KEY, rate_limit=None).running()
    elif tool == "workable":
        workable = WorkableEmulator(KEY, seed=11, candidates=40, jobs=4, window=None)
        source = serve(workable.app())
        extra["member_id"] = sorted(workable.data["members"])[0]  # the member Workable writes are made as
    elif tool == "teamtailor":
        teamtailor = TeamtailorEmulator(KEY, seed=11, candidates=40, jobs=4, window=None)
        source = serve(teamtailor.app())
        extra["user_id"] = sorted(teamtailor.data["users"], key=int)[0]  # the user Teamtailor notes are written as
    elif tool == "smartrecruiters":
        source = serve(SmartRecruitersEmulator(KEY, seed=11, candidates=40, jobs=4, window=None).app())
    elif tool == "personio":
        personio = PersonioEmulator(PERSONIO_CLIENT, KEY, seed=11, candidates=40, jobs=4)
        source = serve(personio.app())
        # The v1 recruiting API's credentials, for its write action.
        extra.update(company_id=personio.company_id, recruiting_token=personio.recruiting_token)
    elif tool == "recruitee":
        source = serve(RecruiteeEmulator(KEY, seed=11, candidates=40, offers=5, window=None).app())
    else:
        source = serve(AshbyEmulator(KEY, seed=11, candidates=40, jobs=6).app())
    with source as url:
        with write_tx(engine) as conn:
            config = {**config_for(tool, url), **extra}
            integration_id = tenancy.create_integration(conn, tenant.environment, tool, config).id
        assert SyncEngine(engine).run(integration_id).state == SyncState.SUCCEEDED
        yield World(server, tenant, integration_id)


def config_for(tool: str, url: str) -> dict[str, object]:
    """The configuration of an integration of `tool` whose source (emulator) serves at `url`."""
    if tool == "greenhouse":  # OAuth2 client credentials; the token endpoint is the emulator's too
        credentials = {"client_id": "gh-client-id", "client_secret": KEY, "token_url": f"{url}/token"}
        tunables = {k: v for k, v in CLIENT.items() if k != "api_key"}
        return {**tunables, **credentials, "base_url": f"{url}/v3"}
    if tool == "workable":  # the API lives under /spi/v3 of the account's subdomain
        return {**CLIENT, "subdomain": "kit", "base_url": f"{url}/spi/v3"}
    if tool == "teamtailor":  # the API lives under /v1
        return {**CLIENT, "base_url": f"{url}/v1"}
    if tool == "personio":  # OAuth2 client credentials at {base_url}/v2/auth/token
        tunables = {k: v for k, v in CLIENT.items() if k != "api_key"}
        return {**tunables, "client_id": PERSONIO_CLIENT, "client_secret": KEY, "base_url": url}
    if tool == "recruitee":  # the API lives under /c/<company_id>
        return {**CLIENT, "company_id": "61234", "base_url": f"{url}/c/61234"}
    return {**CLIENT, "base_url": url}
