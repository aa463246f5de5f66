"""Write actions when the source misbehaves, through the API, against the Greenhouse emulator on both
databases: a create that the source applies but answers too late is never sent again (not by
HireBridge, not under the caller's Idempotency-Key) and the next sync shows it once; rejected
credentials mark the integration INVALID as a refused sync does; a full concurrency slot is 429."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from hirebridge.api.app import create_app
from hirebridge.config import Settings
from hirebridge.store import tenancy
from hirebridge.store.db import write_tx
from tests.conformance.targets.greenhouse import GREENHOUSE
from tests.conformance.world import Backend, Connected, connected
from tests.conftest import Server, serving
from tests.emulators.greenhouse import GreenhouseEmulator
from tests.emulators.harness import Fault

World = Connected[GreenhouseEmulator]


@pytest.fixture
def world(engine: Engine, server: Server) -> Iterator[World]:
    with connected(GREENHOUSE, Backend("test", engine, server)) as w:  # after one FULL sync
        yield w


def _act(
    world: World, method: str, path: str, body: Any, base_url: str | None = None, **headers: str
) -> httpx.Response:
    url = f"{base_url or world.backend.server.base_url}{path}"
    return httpx.request(method, url, json=body, headers={**world.api.headers(), **headers}, timeout=30)


def _open_job(world: World) -> dict[str, Any]:
    return next(j for j in world.api.walk("/ats/jobs") if j["status"] == "OPEN" and j["stages"])


def _candidate(email: str) -> dict[str, Any]:
    return {"candidate": {"first_name": "Tim", "last_name": "Out", "email_address": email}}


def test_a_create_answered_too_late_is_sent_once_and_shows_after_the_next_sync(world: World) -> None:
    emu = world.emulator
    job = _open_job(world)
    before = len(emu.records("applications"))
    emu.harness.inject(Fault("slow", delay=world.config["timeout"] + 1.0, path="/v3/applications"))
    path = f"/ats/jobs/{job['id']}/applications"
    first = _act(world, "POST", path, _candidate("late@example.com"), **{"Idempotency-Key": "late"})
    assert first.status_code == 504, first.text
    assert first.json()["error"]["code"] == "PLATFORM.TASK_TIMED_OUT"
    again = _act(world, "POST", path, _candidate("late@example.com"), **{"Idempotency-Key": "late"})
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    posts = [r for r in emu.harness.requests if (r.method, r.path) == ("POST", "/v3/applications")]
    assert len(posts) == 1 and len(emu.records("applications")) == before + 1
    world.synced()
    served = [
        a
        for a in world.api.walk("/ats/applications")
        if a["candidate"] and a["candidate"]["email_addresses"][0]["email_address"] == "late@example.com"
    ]
    assert len(served) == 1


def test_rejected_credentials_mark_the_integration_invalid(world: World) -> None:
    with write_tx(world.backend.engine) as conn:
        tenancy.update_credentials(conn, world.integration_id, {"client_secret": "not-the-secret"})
    job = _open_job(world)
    answer = _act(world, "POST", f"/ats/jobs/{job['id']}/applications", _candidate("nobody@example.com"))
    assert answer.status_code == 403, answer.text
    assert answer.json()["error"]["code"] == "INTEGRATION.AUTHENTICATION_INVALID"
    assert "not-the-secret" not in answer.text
    details = world.api.get(f"/integrations/{world.integration_id}").json()["data"]
    assert details["status"] == "INVALID"


@pytest.mark.serial  # the second action must arrive within the first one's second at the source
def test_a_full_concurrency_slot_is_429(world: World) -> None:
    """With one slot per integration, an action arriving while another runs is refused at once."""
    emu = world.emulator
    job = _open_job(world)
    settings = Settings(action_concurrency_limit=1)
    with serving(create_app(world.backend.engine, settings=settings)) as server:
        emu.harness.inject(Fault("slow", delay=1.0, path="/v3/jobs"))
        answers: list[httpx.Response] = []
        slow = threading.Thread(
            target=lambda: answers.append(
                _act(
                    world, "POST", f"/ats/jobs/{job['id']}/applications", _candidate("a1@example.com"), server.base_url
                )
            )
        )
        slow.start()
        deadline = time.monotonic() + 10
        while not any(r.path.startswith("/v3/jobs") for r in emu.harness.requests[-3:]):
            assert time.monotonic() < deadline, "the first action never reached the source"
            time.sleep(0.01)
        path = f"/ats/jobs/{job['id']}/applications"
        busy = _act(world, "POST", path, _candidate("a2@example.com"), server.base_url, **{"Idempotency-Key": "k"})
        slow.join()
        # The refusal sent nothing, so its key is free for the retry it asks for.
        retried = _act(world, "POST", path, _candidate("a2@example.com"), server.base_url, **{"Idempotency-Key": "k"})
    assert busy.status_code == 429, busy.text
    assert busy.json()["error"]["code"] == "PLATFORM.CONCURRENCY_LIMIT_EXCEEDED"
    assert answers[0].status_code == 200, answers[0].text
    assert retried.status_code == 200 and "idempotent-replayed" not in retried.headers, retried.text
