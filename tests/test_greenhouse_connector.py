"""Greenhouse Harvest v3 over the wire, beyond what the conformance kit checks for every connector:
the shape of a DELTA's requests (`updated_at=gte|<last start - 5 min>` on every listing, cursors
alone on their URL), one OAuth token per run (with the configured `sub`), Harvest's rate-limit
headers obeyed before a 429, and `check()`. The emulator (tests/emulators/greenhouse.py) answers
422 to a cursor with other parameters and 401 to a bad token, so a run that succeeds already shows
those rules were kept; these tests read what went over the wire."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest
from sqlalchemy import Engine

from hirebridge.connectors.framework import CredentialsInvalid
from hirebridge.connectors.greenhouse import GreenhouseConnector
from hirebridge.model import SyncKind
from tests.conformance.targets.greenhouse import GREENHOUSE
from tests.conformance.world import Backend, Connected, connected
from tests.conftest import Server
from tests.emulators.greenhouse import GreenhouseEmulator

OVERLAP = timedelta(minutes=5)


@pytest.fixture
def world(engine: Engine, server: Server) -> Iterator[Connected[GreenhouseEmulator]]:
    with connected(GREENHOUSE, Backend("test", engine, server), sync=False) as w:
        yield w


def _since(value: str) -> datetime:
    op, _, at = value.partition("|")
    assert op == "gte", value
    return datetime.fromisoformat(at.replace("Z", "+00:00"))


def test_a_delta_asks_every_listing_for_changes_since_the_last_start_minus_the_overlap(
    world: Connected[GreenhouseEmulator],
) -> None:
    before = datetime.now(UTC)
    world.synced(SyncKind.FULL)
    after = datetime.now(UTC)
    window = world.requests()
    world.synced(SyncKind.DELTA)

    listings = [r for r in window if r.path.startswith("/v3/")]
    first_pages = [r for r in listings if "cursor" not in r.query]
    assert first_pages, "the DELTA listed nothing"
    # Nothing changed: every listing is a filtered one, none is read whole (not even a dictionary).
    unfiltered = sorted({r.path for r in first_pages if "updated_at" not in r.query})
    assert not unfiltered, f"read whole in a DELTA without changes: {unfiltered}"
    for request in first_pages:
        since = _since(request.query["updated_at"])
        assert before - OVERLAP - timedelta(milliseconds=1) <= since <= after - OVERLAP, (request.path, since)


def test_cursor_urls_are_followed_verbatim_and_carry_only_the_cursor(world: Connected[GreenhouseEmulator]) -> None:
    window = world.requests()
    world.synced(SyncKind.FULL)
    pages = [r for r in window if "cursor" in r.query]
    assert pages, "no listing paged (the kit's pages hold 5 rows)"
    assert all(list(r.query) == ["cursor"] for r in pages), [r.query for r in pages if list(r.query) != ["cursor"]]
    firsts = [r for r in window if r.path.startswith("/v3/") and "cursor" not in r.query]
    # The page size goes on every first request (a download's re-listing of one attachment aside).
    unsized = [r for r in firsts if r.query.get("per_page") != "5" and list(r.query) != ["ids"]]
    assert not unsized, [(r.path, r.query) for r in unsized]


def test_one_token_per_run_for_the_configured_user(engine: Engine, server: Server) -> None:
    target = GREENHOUSE
    with target.start(GREENHOUSE.paced) as running:
        admin = next(u for u in running.emulator.records("users") if u["site_admin"])
        config = {**target.config(running), "sub": str(admin["id"])}
        connector = GreenhouseConnector("gh-token", config)
        connector.check()
        connector.check()
        tokens = [r for r in running.harness.requests if r.path == "/token"]
        assert len(tokens) == 1, "the token is cached between requests"
        form = parse_qs(tokens[0].body.decode())
        assert form == {"grant_type": ["client_credentials"], "sub": [str(admin["id"])]}
        assert running.emulator.tokens[next(iter(running.emulator.tokens))].sub == str(admin["id"])

        running.emulator.expire_tokens()  # revoked early: a 401, one new token, the request retried
        connector.check()
        assert len([r for r in running.harness.requests if r.path == "/token"]) == 2


def test_check_refuses_a_wrong_secret() -> None:
    with GREENHOUSE.start(GREENHOUSE.paced) as running:
        connector = GreenhouseConnector("gh-check", {**GREENHOUSE.config(running), "client_secret": "wrong"})
        with pytest.raises(CredentialsInvalid):
            connector.check()


@pytest.mark.serial  # the window is judged on arrival times (`make pytest`)
def test_a_spent_window_is_waited_out_before_harvest_answers_429() -> None:
    """Harvest's window (here 8 requests per 2 s) is announced in `X-RateLimit-Remaining/Reset`; a
    client far faster than it (1,000/s) reads them and waits instead of spending requests on 429s."""
    emu = GreenhouseEmulator(seed=3, applications=4, rate_limit=8, window=2.0)
    with emu.running() as url:
        config = {
            "client_id": emu.client_id,
            "client_secret": emu.client_secret,
            "token_url": f"{url}/token",
            "base_url": f"{url}/v3",
            "requests_per_second": 1000,
            "burst": 1000,
            "retry_max_delay": 5,
        }
        runtime = GreenhouseConnector("gh-window", config).runtime

        async def walk() -> None:
            client = runtime.client(max_concurrency=1)
            try:
                for _ in range(20):
                    await client.json("GET", "/users", params={"per_page": 1})
            finally:
                await client.aclose()

        asyncio.run(walk())
    assert emu.limit is not None
    assert emu.limit.violations == 0, f"{emu.limit.violations} request(s) answered 429"


def test_a_full_downloads_each_file_from_the_link_it_just_listed(world: Connected[GreenhouseEmulator]) -> None:
    window = world.requests()
    world.synced(SyncKind.FULL)
    files = [r for r in window if r.path.startswith("/attachment_files/")]
    assert len(files) == len(world.emulator.records("attachments"))
    relisted = [r for r in window if r.path == "/v3/attachments" and "ids" in r.query]
    assert not relisted, "a file was listed again although its link was fresh"


def test_a_refused_link_is_replaced_by_a_freshly_listed_one() -> None:
    with GREENHOUSE.start(GREENHOUSE.paced) as running:
        emu = running.emulator
        attachment = emu.records("attachments")[0]["id"]
        connector = GreenhouseConnector("gh-links", GREENHOUSE.config(running))
        stale = f"{running.url}/attachment_files/{attachment}?expires=1&signature=expired"
        connector._links[str(attachment)] = stale  # what an earlier listing handed out, expired since
        content, _type = connector.fetch_attachment(str(attachment))
        assert content == emu.files[attachment]
        assert [r.query for r in running.harness.requests if r.path == "/v3/attachments"] == [{"ids": str(attachment)}]
        with pytest.raises(KeyError):
            connector.fetch_attachment("999999999")


def test_remote_urls_point_into_the_configured_greenhouse_host(engine: Engine, server: Server) -> None:
    """An account on another host (Greenhouse's EU data centre) sets `app_url`; the default is
    app.greenhouse.io."""
    eu = {"app_url": "https://app.eu.greenhouse.example/"}
    with connected(GREENHOUSE, Backend("test", engine, server), client=eu) as world:
        served = world.served()
    links = [item["remote_url"] for model in ("jobs", "candidates", "applications") for item in served[model].values()]
    assert links and all(link.startswith("https://app.eu.greenhouse.example/") for link in links)
    assert not [link for link in links if "//" in link.removeprefix("https://")], "a doubled slash"
    job = next(iter(served["jobs"].values()))
    assert job["remote_url"] == f"https://app.eu.greenhouse.example/jobs/{job['remote_id']}"


def test_connectors_built_with_the_same_credentials_share_one_token() -> None:
    """A write action or a check builds a connector of its own: the token of the last one is reused
    (one vendor round trip less per action), and other credentials never get it."""
    target = GREENHOUSE
    with target.start(GREENHOUSE.paced) as running:
        config = target.config(running)
        GreenhouseConnector("gh-shared-1", config).check()
        GreenhouseConnector("gh-shared-2", config).check()
        assert len([r for r in running.harness.requests if r.path == "/token"]) == 1
        user = next(u for u in running.emulator.records("users") if u["site_admin"])
        GreenhouseConnector("gh-shared-3", {**config, "sub": str(user["id"])}).check()
        assert len([r for r in running.harness.requests if r.path == "/token"]) == 2
