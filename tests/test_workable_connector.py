"""Workable behaviour no other connector shares (the kit, tests/conformance, holds the rest): the API
under the account's subdomain, the fixed rate window announced in `X-Rate-Limit-*`, and offers that
exist only for candidates moved to an offer (404 for the others)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from hirebridge.connectors.base import Checkpoint, FetchContext
from hirebridge.connectors.framework.errors import ConfigError
from hirebridge.connectors.workable import WorkableConnector
from hirebridge.model import SyncKind
from hirebridge.model.records import Offer
from tests.emulators.harness import serve
from tests.emulators.workable import WorkableEmulator

TOKEN = "workable-test-token"


def _config(url: str, **more: Any) -> dict[str, Any]:
    return {"api_key": TOKEN, "subdomain": "kit", "base_url": f"{url}/spi/v3", "page_size": 5, **more}


def test_the_api_lives_under_the_account_subdomain() -> None:
    connector = WorkableConnector("wk-url", {"api_key": TOKEN, "subdomain": "acme-eu"})
    assert connector.settings["base_url"] == "https://acme-eu.workable.com/spi/v3"
    # A subdomain that would point the URL (and the token) elsewhere is refused, naming the field.
    for bad in ("evil.example.com/x", "acme@evil", "a b"):
        with pytest.raises(ConfigError) as refused:
            WorkableConnector("wk-url", {"api_key": TOKEN, "subdomain": bad})
        assert refused.value.field == "subdomain" and TOKEN not in str(refused.value)
    with pytest.raises(ConfigError, match="Account subdomain"):
        WorkableConnector("wk-url", {"api_key": TOKEN})


def test_an_offer_withdrawn_since_the_move_is_no_offer_and_not_a_failed_run() -> None:
    """Offers are asked for only for candidates moved to an offer; one of those without an offer any
    more (Workable answers 404) has none, and the others are read."""
    emu = WorkableEmulator(TOKEN, seed=5, candidates=16, window=None)
    offered = sorted(emu.offers)
    gone = offered[0]
    del emu.offers[gone]
    with serve(emu.app()) as url:
        connector = WorkableConnector("wk-offers", _config(url, requests_per_second=1000, burst=1000))
        stream = next(s for s in connector.streams() if s.model == "candidates")
        list(stream.fetch(FetchContext(SyncKind.FULL, None)))  # the parent stream, as the engine runs it first
        offers = next(s for s in connector.streams() if s.model == "offers")
        items = list(offers.fetch(FetchContext(SyncKind.FULL, None)))
    read = [i.remote_id for i in items if isinstance(i, Offer)]
    assert read == offered[1:] and any(isinstance(i, Checkpoint) for i in items)
    asked = {r.path.split("/")[-2] for r in emu.harness.requests if r.path.endswith("/offer")}
    assert asked == set(offered)  # never a candidate that was not moved to an offer


@pytest.mark.serial  # the window is judged on arrival times (`make pytest`)
def test_a_spent_window_is_waited_out_before_workable_answers_429() -> None:
    """Workable's fixed window (here 4 requests per second) is announced in `X-Rate-Limit-Remaining`
    and `-Reset`; a client far faster than it (1,000/s) reads them and waits instead of spending
    requests on 429s."""
    emu = WorkableEmulator(TOKEN, seed=3, candidates=3, window=4, window_seconds=1.0)
    with serve(emu.app()) as url:
        runtime = WorkableConnector(
            "wk-window", _config(url, requests_per_second=1000, burst=1000, retry_max_delay=5)
        ).runtime

        async def walk() -> None:
            client = runtime.client(max_concurrency=1)
            try:
                for _ in range(12):
                    await client.json("GET", "/members", params={"limit": 1})
            finally:
                await client.aclose()

        asyncio.run(walk())
    assert len(emu.harness.requests) >= 12
    assert emu.window_refused == 0, f"{emu.window_refused} request(s) answered 429"
