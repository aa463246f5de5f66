"""Ashby's incremental reads: a DELTA sends every listing the sync token Ashby handed out on its
last page and is answered only what changed; when Ashby refuses a token or a cursor
(sync_token_expired, incremental_sync_too_large, invalid_next_cursor) the listing is read again
in full, once, and the run converges with a fresh token.

The emulator logs the tokens it hands out (`tokens_issued`), so these tests read only what went
over the wire. (That a DELTA sees every change is the conformance kit's.)"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from hirebridge.model import SyncKind
from tests.conformance.targets.ashby import ASHBY
from tests.conformance.world import Backend, Connected, connected
from tests.conftest import Server
from tests.emulators.ashby import AshbyEmulator

# Listings every DELTA reads with a token (each stream of them: its own).
TOKENED = (
    "user.list",
    "candidateTag.list",
    "candidate.list",
    "application.list",
    "interviewSchedule.list",
    "offer.list",
)


@pytest.fixture
def world(engine: Engine, server: Server) -> Iterator[Connected[AshbyEmulator]]:
    with connected(ASHBY, Backend("test", engine, server)) as w:
        yield w


def issued(emu: AshbyEmulator, endpoint: str) -> list[str]:
    return [token for name, token in emu.tokens_issued if name == endpoint]


def test_a_delta_sends_back_each_listings_token_and_reads_only_changes(world: Connected[AshbyEmulator]) -> None:
    emu = world.emulator
    renamed = sorted(emu.data["candidates"])[0]
    emu.edit("candidates", renamed, name="Renamed Person")
    handed_out = {endpoint: set(issued(emu, endpoint)) for endpoint in TOKENED}
    window = world.requests()
    emu.results_served.clear()
    world.synced(SyncKind.DELTA)

    bodies: dict[str, list[dict[str, object]]] = {}
    for request in window:
        bodies.setdefault(request.path.lstrip("/"), []).append(json.loads(request.body or b"{}"))
    for endpoint in TOKENED:
        first_pages = [b for b in bodies.get(endpoint, []) if "cursor" not in b]
        assert first_pages, f"{endpoint} was not read"
        assert all(b.get("syncToken") in handed_out[endpoint] for b in first_pages), (endpoint, first_pages)
    # Answered only what changed: the renamed candidate, once per read of candidate.list.
    assert emu.results_served.get("candidate.list") == len(bodies["candidate.list"])
    for endpoint in ("user.list", "candidateTag.list", "application.list", "interviewSchedule.list", "offer.list"):
        assert emu.results_served.get(endpoint, 0) == 0, endpoint
    world.assert_serves(world.snapshot())


@pytest.mark.parametrize("problem", ["sync_token_expired", "incremental_sync_too_large", "invalid_next_cursor"])
def test_a_refused_token_or_cursor_reads_the_listing_in_full(world: Connected[AshbyEmulator], problem: str) -> None:
    emu = world.emulator
    old_token = issued(emu, "application.list")[-1]
    for app_id in sorted(emu.data["applications"]):  # several pages of changes (pages of 5)
        emu.edit("applications", app_id, customFields=[{"id": "cf", "title": "Batch", "value": problem}])
    if problem == "sync_token_expired":
        emu.expire_tokens()
    elif problem == "incremental_sync_too_large":
        emu.delta_page_limit = 2
    else:
        emu.invalidate_cursors(1)
    window = world.requests()
    world.synced(SyncKind.DELTA)
    world.assert_serves(world.snapshot())

    bodies = [json.loads(r.body) for r in window if r.path == "/application.list"]
    # The first request sent the stored token; after the refusal the listing ran from scratch...
    assert bodies[0].get("syncToken") == old_token
    assert any("syncToken" not in b and "cursor" not in b for b in bodies[1:])
    # ...and ended with a fresh token, which the next DELTA sends and which reports nothing new.
    new_token = issued(emu, "application.list")[-1]
    assert new_token != old_token
    emu.delta_page_limit = None
    emu.results_served.clear()
    window = world.requests()
    world.synced(SyncKind.DELTA)
    assert json.loads(next(r.body for r in window if r.path == "/application.list"))["syncToken"] == new_token
    assert emu.results_served.get("application.list", 0) == 0
