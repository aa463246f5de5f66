"""Personio behaviour no other connector shares (the kit, tests/conformance, holds the rest): the OAuth2
token fetched with form-posted client credentials, reused, and fetched again after a refusal; the
cursor of `_meta.links.next`; `updated_at.gt` on a DELTA; a token without the read scope."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from hirebridge.connectors.base import Checkpoint, FetchContext
from hirebridge.connectors.framework.errors import CredentialsInvalid
from hirebridge.connectors.personio import PersonioConnector
from hirebridge.model import SyncKind
from hirebridge.model.records import Application, Candidate
from tests.emulators.harness import serve
from tests.emulators.personio import PersonioEmulator

SECRET = "personio-test-secret"
FIXTURES = Path(__file__).parent / "fixtures/personio"


def _config(url: str, client_id: str, **more: Any) -> dict[str, Any]:
    # A client id per test: tokens are shared by every connector of the process with the same credentials.
    return {
        "client_id": client_id,
        "client_secret": SECRET,
        "base_url": url,
        "page_size": 5,
        "requests_per_second": 1000,
        "burst": 1000,
        **more,
    }


def _read(connector: PersonioConnector, model: str, kind: SyncKind, state: Any = None) -> list[Any]:
    stream = next(s for s in connector.streams() if s.model == model)
    return list(stream.fetch(FetchContext(kind, state)))


def test_the_token_is_fetched_with_form_credentials_reused_and_fetched_again_when_refused() -> None:
    emu = PersonioEmulator("pc-token", SECRET, seed=2, candidates=12)
    with serve(emu.app()) as url:
        connector = PersonioConnector("personio-token", _config(url, "pc-token"))
        assert len([c for c in _read(connector, "candidates", SyncKind.FULL) if isinstance(c, Candidate)]) == 12
        token_requests = emu.harness.requests_to("/v2/auth/token")
        assert len(token_requests) == 1  # one token for the three pages
        form = dict(parse_qsl(token_requests[0].body.decode()))
        assert form == {"grant_type": "client_credentials", "client_id": "pc-token", "client_secret": SECRET}
        emu.revoke()  # the token stops working before it expires
        assert len([a for a in _read(connector, "applications", SyncKind.FULL) if isinstance(a, Application)]) > 12
    assert len(emu.harness.requests_to("/v2/auth/token")) == 2
    refused = [
        r for r in emu.harness.requests if r.path == "/v2/recruiting/applications" and "updated_at.gt" not in r.query
    ]
    assert len(refused) == len({r.query.get("cursor") for r in refused}) + 1  # the first page: refused once, resent


def test_listings_follow_the_cursor_of_meta_links_next() -> None:
    emu = PersonioEmulator("pc-cursor", SECRET, seed=3, candidates=12)
    with serve(emu.app()) as url:
        read = _read(PersonioConnector("personio-cursor", _config(url, "pc-cursor")), "candidates", SyncKind.FULL)
    candidates = [c.remote_id for c in read if isinstance(c, Candidate)]
    assert sorted(candidates) == sorted(emu.data["candidates"]) and len(set(candidates)) == 12
    asked = [r.query for r in emu.harness.requests if r.path == "/v2/recruiting/candidates"]
    assert [q.get("limit") for q in asked] == ["5", "5", "5"]
    assert "cursor" not in asked[0] and asked[1]["cursor"] != asked[2]["cursor"]


def test_a_delta_asks_for_applications_updated_since_the_last_run_and_reads_only_those() -> None:
    emu = PersonioEmulator("pc-delta", SECRET, seed=4, candidates=10)
    with serve(emu.app()) as url:
        full = _read(PersonioConnector("personio-delta", _config(url, "pc-delta")), "applications", SyncKind.FULL)
        state = next(i.state for i in full if isinstance(i, Checkpoint))
        changed = sorted(emu.data["applications"], key=int)[3]
        emu.move(changed, "rejected")
        delta = _read(
            PersonioConnector("personio-delta", _config(url, "pc-delta")), "applications", SyncKind.DELTA, state
        )
    assert [(a.remote_id, a.outcome) for a in delta if isinstance(a, Application)] == [(changed, "DECLINED")]
    first, *_, last = [r.query for r in emu.harness.requests if r.path == "/v2/recruiting/applications"]
    assert "updated_at.gt" not in first and last["updated_at.gt"].endswith("Z")


def test_a_full_finds_an_application_updated_while_it_pages_through_the_newest_first_list() -> None:
    """Personio lists applications newest first: one updated after the first page moves ahead of the
    cursor and is on no later page. The FULL reads what was updated since its start once more."""
    emu = PersonioEmulator("pc-moved", SECRET, seed=6, candidates=12)
    oldest = min(emu.data["applications"], key=lambda a: (emu.data["applications"][a]["updated_at"], int(a)))

    def update_the_oldest(page: int) -> None:
        if page == 1:
            emu.move(oldest, "rejected")

    emu.after_application_page = update_the_oldest
    with serve(emu.app()) as url:
        read = _read(PersonioConnector("personio-moved", _config(url, "pc-moved")), "applications", SyncKind.FULL)
    in_order = [a for a in read if isinstance(a, Application)]
    # Each once: the engine takes a record once per run.
    assert sorted(a.remote_id for a in in_order) == sorted(emu.data["applications"])
    # The listing missed it; the read after it (the only record updated since the FULL started) found it.
    assert [a.remote_id for a in in_order].count(oldest) == 1
    assert (in_order[-1].remote_id, in_order[-1].outcome) == (oldest, "DECLINED")
    asked = [r.query for r in emu.harness.requests if r.path == "/v2/recruiting/applications"]
    listing, catch_up = asked[:-1], asked[-1]
    assert all("updated_at.gt" not in q for q in listing) and catch_up["updated_at.gt"].endswith("Z")


def test_a_token_without_the_recruiting_read_scope_is_refused_credentials() -> None:
    emu = PersonioEmulator("pc-scope", SECRET, seed=5, candidates=3, scopes="personio:recruiting:write")
    with serve(emu.app()) as url, pytest.raises(CredentialsInvalid, match="personio:recruiting:read"):
        _read(PersonioConnector("personio-scope", _config(url, "pc-scope")), "jobs", SyncKind.FULL)


def test_the_emulators_document_answer_has_the_keys_and_types_of_personios_example() -> None:
    example = json.loads(
        (
            Path(__file__).parent / "fixtures/personio/write/v1_recruiting_applications_documents.response.json"
        ).read_text()
    )
    emu = PersonioEmulator("pc-docs", SECRET, candidates=1)
    headers = {"Authorization": f"Bearer {emu.recruiting_token}", "X-Company-ID": emu.company_id}
    with serve(emu.app()) as url:
        answer = httpx.post(
            f"{url}/v1/recruiting/applications/documents",
            headers=headers,
            files={"file": ("My_CV.pdf", b"%PDF-1.4 " + b"x" * 100, "application/pdf")},
        )
        unknown = httpx.post(
            f"{url}/v1/recruiting/applications/documents",
            headers=headers,
            files={"file": ("notes.exe", b"MZ", "application/octet-stream")},
        )
    assert answer.status_code == 200
    assert {k: type(v) for k, v in answer.json().items()} == {k: type(v) for k, v in example.items()}
    assert (answer.json()["size"], answer.json()["extension"]) == (109, "pdf")
    assert unknown.status_code == 422
    assert unknown.json() == {
        "errors": [
            {"field": "file", "errors": [{"reason": "errors.invalid-file-type", "context": {"extension": "exe"}}]}
        ]
    }


@pytest.mark.serial  # the window is judged on arrival times (`make pytest`)
def test_a_spent_window_is_answered_429_with_retry_after_and_waited_out() -> None:
    """Personio publishes no v2 limit; the emulator's window (here 1 request per 2 seconds) answers 429
    with `Retry-After` and Personio's error body. A client far faster than it (1,000/s) waits as told
    and still reads every candidate once: four requests (a token, three pages) cannot fit one window."""
    emu = PersonioEmulator("pc-window", SECRET, seed=8, candidates=12, window=1, window_seconds=2.0)
    with serve(emu.app()) as url:
        config = _config(url, "pc-window", retry_attempts=10, retry_max_delay=3)
        read = _read(PersonioConnector("personio-window", config), "candidates", SyncKind.FULL)
    assert sorted(c.remote_id for c in read if isinstance(c, Candidate)) == sorted(emu.data["candidates"])
    assert emu.window_refused > 0
    # The refusal itself: a one-request window of an hour, spent by the token request.
    slow = PersonioEmulator("pc-window", SECRET, candidates=1, window=1, window_seconds=3600.0)
    with serve(slow.app()) as url:
        form = {"grant_type": "client_credentials", "client_id": "pc-window", "client_secret": SECRET}
        token = httpx.post(f"{url}/v2/auth/token", data=form).json()["access_token"]
        refused = httpx.get(f"{url}/v2/recruiting/candidates", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 3600
    assert refused.json()["errors"] == [{"title": "Too Many Requests", "detail": "Rate limit exceeded"}]


def test_check_sends_one_jobs_request_and_refuses_a_wrong_secret_without_quoting_it() -> None:
    emu = PersonioEmulator("pc-check", SECRET, candidates=1)
    with serve(emu.app()) as url:
        PersonioConnector("personio-check", _config(url, "pc-check")).check()
        assert [r.path for r in emu.harness.requests] == ["/v2/auth/token", "/v2/recruiting/jobs"]
        wrong = PersonioConnector("personio-check", {**_config(url, "pc-check"), "client_secret": "wrong-secret-42"})
        with pytest.raises(CredentialsInvalid) as refused:
            wrong.check()
    assert "/v2/auth/token" in str(refused.value) and "invalid_client" in str(refused.value)
    assert "wrong-secret-42" not in str(refused.value)
