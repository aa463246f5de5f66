"""Workable behaviour no other connector shares (the kit, tests/conformance, holds the rest): the API
under the account's subdomain, the fixed rate window announced in `X-Rate-Limit-*`, offers that
exist only for candidates moved to an offer (404 for the others), and candidates read from their row
of the list and their detail (one request each)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from hirebridge.connectors.base import Checkpoint, FetchContext
from hirebridge.connectors.framework.errors import ConfigError
from hirebridge.connectors.workable import WorkableConnector
from hirebridge.model import SyncKind
from hirebridge.model.records import Candidate, Offer
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
        stream = next(s for s in connector.streams() if s.model == "applications")
        list(stream.fetch(FetchContext(SyncKind.FULL, None)))  # the parent stream, as the engine runs it first
        offers = next(s for s in connector.streams() if s.model == "offers")
        items = list(offers.fetch(FetchContext(SyncKind.FULL, None)))
    read = [i.remote_id for i in items if isinstance(i, Offer)]
    assert read == offered[1:] and any(isinstance(i, Checkpoint) for i in items)
    asked = {r.path.split("/")[-2] for r in emu.harness.requests if r.path.endswith("/offer")}
    assert asked == set(offered)  # never a candidate that was not moved to an offer


def _details_asked(emu: WorkableEmulator) -> list[str]:
    return [r.path.rsplit("/", 1)[-1] for r in emu.harness.requests if r.path.count("/") == 4]


def test_a_full_reads_every_candidates_detail_and_a_delta_those_of_the_changed_only() -> None:
    emu = WorkableEmulator(TOKEN, seed=5, candidates=12, window=None)
    with serve(emu.app()) as url:

        def run(kind: SyncKind, state: dict[str, Any] | None) -> list[Any]:
            connector = WorkableConnector("wk-details", _config(url, requests_per_second=1000, burst=1000))
            stream = next(s for s in connector.streams() if s.model == "candidates")
            return list(stream.fetch(FetchContext(kind, state)))

        full = run(SyncKind.FULL, None)
        read = {c.remote_id: c for c in full if isinstance(c, Candidate)}
        assert sorted(read) == sorted(emu.data["candidates"]) == sorted(_details_asked(emu))
        first = sorted(read)[0]  # the 0th generated candidate: no social profile, an office
        assert read[first].custom_fields == {
            "Notice period (weeks)": 1,
            "Work permit": True,
            "Preferred office": "London",
        }
        second = read[sorted(read)[1]]
        assert [(s.type, s.link) for s in second.social_media] == [
            ("linkedin", "https://www.linkedin.com/in/lennert-rossler-1"),
            ("github", "https://github.com/lennert-rossler-1"),
        ]
        assert (second.remote_data or {})["tags"] == [] and (read[first].remote_data or {})["tags"] == ["priority"]
        [checkpoint] = [i for i in full if isinstance(i, Checkpoint)]

        changed = sorted(read)[4]
        emu.edit_detail(changed, custom_attributes=[{"key": "5d7f9a11", "label": "Work permit", "value": False}])
        emu.harness.requests.clear()
        delta = run(SyncKind.DELTA, checkpoint.state)
    assert [c.custom_fields for c in delta if isinstance(c, Candidate)] == [{"Work permit": False}]
    assert _details_asked(emu) == [changed]  # one detail: the changed candidate's


def test_a_candidate_gone_between_its_row_and_its_detail_is_none_not_a_failed_run() -> None:
    """Listed, then deleted before its detail is read (404): no candidate; the next FULL deletes it."""
    emu = WorkableEmulator(TOKEN, seed=5, candidates=6, window=None)
    gone = sorted(emu.data["candidates"])[2]
    emu.vanished.add(gone)
    with serve(emu.app()) as url:
        connector = WorkableConnector("wk-vanished", _config(url, requests_per_second=1000, burst=1000))
        stream = next(s for s in connector.streams() if s.model == "candidates")
        items = list(stream.fetch(FetchContext(SyncKind.FULL, None)))
    read = [i.remote_id for i in items if isinstance(i, Candidate)]
    assert read == sorted(c for c in emu.data["candidates"] if c != gone)
    assert gone in _details_asked(emu) and isinstance(items[-1], Checkpoint)


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
