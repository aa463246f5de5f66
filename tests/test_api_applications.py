"""GET /v1/ats/applications through the official Kombo SDK and raw HTTP, on a synced sandbox."""

from __future__ import annotations

from collections.abc import Awaitable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from kombo import Kombo
from sqlalchemy import Engine, text

from hirebridge.sync.engine import SyncEngine
from tests.conftest import Server, create_sandbox, make_tenant
from tests.contract import validate
from tests.support import World, sdk_client, synced_world

PATH = "/ats/applications"


@pytest.fixture
def world(engine: Engine, server: Server) -> World:
    return synced_world(engine, server, applications=120)


@pytest.fixture
def sdk(world: World) -> Iterator[Kombo]:
    with sdk_client(world) as k:
        yield k


def test_sdk_pages_through_every_application_once(world: World, sdk: Kombo) -> None:
    everything = world.walk(PATH)
    assert len(everything) >= 120
    seen: list[str] = []
    page = sdk.ats.get_applications(page_size=17)
    pages = 0
    while page is not None:
        pages += 1
        results = page.result.data.results
        assert 1 <= len(results) <= 17
        seen.extend(app.id for app in results)
        following = page.next()
        # The SDK types `next` for its sync and async clients alike; the sync client's returns a page.
        assert not isinstance(following, Awaitable)
        page = following
    assert pages == -(-len(everything) // 17)
    assert len(seen) == len(set(seen)) == len(everything)
    assert set(seen) == {a["id"] for a in everything}


def test_every_field_is_present_and_realistic(world: World, sdk: Kombo) -> None:
    everything = world.walk(PATH)
    first = everything[0]
    assert first["remote_data"] is None and first["integration_fields"] == []
    assert {a["outcome"] for a in everything} == {"PENDING", "HIRED", "DECLINED"}
    declined = [a for a in everything if a["outcome"] == "DECLINED"]
    assert all(a["rejection_reason_name"] and a["rejected_at"] for a in declined)
    assert all(a["candidate"] and a["job"] and a["current_stage"] for a in everything)
    assert all(a["current_stage_id"] == a["current_stage"]["id"] for a in everything)
    assert any(a["interviews"] for a in everything) and any(a["offers"] for a in everything)
    assert any(i["location"] for a in everything for i in a["interviews"])
    assert any(i["location"] is None for a in everything for i in a["interviews"])
    assert any(a["candidate"]["tags"] for a in everything)
    answer_types = {q["question"]["type"] for a in everything for q in a["screening_question_answers"]}
    assert {"TEXT", "SINGLE_SELECT", "MULTI_SELECT", "BOOLEAN", "NUMBER", "DATE"} <= answer_types
    for stamp in (first["changed_at"], first["remote_created_at"]):
        assert len(stamp) == 24 and stamp.endswith("Z") and stamp[19] == "."
    # The SDK parses the same data into its models.
    parsed = sdk.ats.get_applications(ids=[first["id"]])
    assert parsed is not None
    [app] = parsed.result.data.results
    assert app.id == first["id"] and app.candidate is not None
    assert app.candidate.id == first["candidate_id"]


def _select(items: list[dict[str, Any]], predicate: Any) -> set[str]:
    return {a["id"] for a in items if predicate(a)}


def test_filters_alone_and_combined_return_exactly_the_matching_set(world: World) -> None:
    everything = world.walk(PATH)
    some_job = everything[0]["job"]
    other_job = next(a["job"] for a in everything if a["job"]["id"] != some_job["id"])
    stage_ids = [everything[0]["current_stage_id"], everything[-1]["current_stage_id"]]
    by_id = _select

    cases: list[tuple[dict[str, Any], set[str]]] = [
        ({"outcomes": "HIRED,DECLINED"}, by_id(everything, lambda a: a["outcome"] in ("HIRED", "DECLINED"))),
        ({"outcome": "PENDING"}, by_id(everything, lambda a: a["outcome"] == "PENDING")),
        (
            {"job_ids": f"{some_job['id']},{other_job['id']}"},
            by_id(everything, lambda a: a["job_id"] in (some_job["id"], other_job["id"])),
        ),
        (
            {"job_remote_ids": some_job["remote_id"]},
            by_id(everything, lambda a: a["job"]["remote_id"] == some_job["remote_id"]),
        ),
        (
            {"current_stage_ids": ",".join(stage_ids)},
            by_id(everything, lambda a: a["current_stage_id"] in stage_ids),
        ),
        (
            {"remote_ids": f"{everything[3]['remote_id']},{everything[5]['remote_id']}"},
            {everything[3]["id"], everything[5]["id"]},
        ),
        ({"ids": f"{everything[1]['id']},{everything[2]['id']}"}, {everything[1]["id"], everything[2]["id"]}),
        (
            {"outcomes": "PENDING", "job_ids": some_job["id"]},
            by_id(everything, lambda a: a["outcome"] == "PENDING" and a["job_id"] == some_job["id"]),
        ),
        (
            {"ids": f"{everything[1]['id']},{everything[2]['id']}", "outcomes": everything[1]["outcome"]},
            by_id(everything[1:3], lambda a: a["outcome"] == everything[1]["outcome"]),
        ),
    ]
    middle = sorted(a["remote_created_at"] for a in everything)[len(everything) // 2]
    day = middle[:10]
    cases.append(
        (
            {"remote_created_after": f"{day}T23:59:59.000Z"},
            by_id(everything, lambda a: a["remote_created_at"][:10] >= day),
        )
    )
    for params, expected in cases:
        assert expected, f"test data gives no match for {params}"
        assert {a["id"] for a in world.walk(PATH, **params)} == expected, params


def test_url_encoded_commas_and_repeated_parameters_are_accepted(world: World) -> None:
    expected = {a["id"] for a in world.walk(PATH, outcomes="HIRED,DECLINED")}
    encoded = httpx.get(
        f"{world.server.base_url}{PATH}?outcomes=HIRED%2CDECLINED&page_size=250", headers=world.headers()
    )
    assert {a["id"] for a in encoded.json()["data"]["results"]} == expected
    repeated = world.get(PATH, {"outcomes": ["HIRED", "DECLINED"], "page_size": 250})
    assert {a["id"] for a in repeated.json()["data"]["results"]} == expected


def test_updated_after_in_the_future_is_empty_and_in_the_past_is_everything(world: World) -> None:
    assert world.walk(PATH, updated_after="2999-01-01T00:00:00.000Z") == []
    assert len(world.walk(PATH, updated_after="2000-01-01")) == len(world.walk(PATH))


def test_an_updated_after_walk_serves_each_record_once_across_many_pages(world: World) -> None:
    # It pages in (updated_at, pk) order with its own cursors: small pages cross many ties of
    # updated_at (a sync page writes hundreds of records with one timestamp).
    everything = [a["id"] for a in world.walk(PATH, page_size=250)]
    walked = [a["id"] for a in world.walk(PATH, updated_after="2000-01-01", page_size=7)]
    assert len(walked) == len(set(walked)) == len(everything)
    assert set(walked) == set(everything)


def test_a_cursor_belongs_to_its_kind_of_walk(world: World) -> None:
    plain = world.get(PATH, {"page_size": 5}).json()["data"]["next"]
    since = world.get(PATH, {"page_size": 5, "updated_after": "2000-01-01"}).json()["data"]["next"]
    error_of(world.get(PATH, {"cursor": plain, "updated_after": "2000-01-01"}), 400, "PLATFORM.INPUT_INVALID")
    error_of(world.get(PATH, {"cursor": since}), 400, "PLATFORM.INPUT_INVALID")


def test_default_page_size_is_100(world: World) -> None:
    body = world.get(PATH).json()
    assert len(body["data"]["results"]) == 100 and body["data"]["next"]


def error_of(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    validate(PATH, body, status=status)
    assert body["error"]["code"] == code
    assert set(body["error"]) == {"code", "title", "message", "log_url"}
    return dict(body["error"])


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"page_size": 0}, "page_size"),
        ({"page_size": 251}, "page_size"),
        ({"page_size": "ten"}, "page_size"),
        ({"include_deleted": "yes"}, "include_deleted"),
        ({"ignore_unsupported_filters": "1"}, "ignore_unsupported_filters"),
        ({"updated_after": "yesterday"}, "updated_after"),
        ({"updated_after": "2026-01-01T00:00:00+02:00"}, "updated_after"),
        ({"remote_created_after": "2026-13"}, "remote_created_after"),
        ({"outcomes": "HIRED,MAYBE"}, "MAYBE"),
        ({"outcome": "HIRED,DECLINED"}, "outcome"),
        ({"ids": "tooShort"}, "tooShort"),
        ({"job_ids": "0OIl0OIl0OIl0OIl0OIl0OIl"}, "job_ids"),
        ({"cursor": "not-a-cursor"}, "cursor"),
    ],
)
def test_bad_parameters_are_400_input_invalid(world: World, params: dict[str, Any], needle: str) -> None:
    error = error_of(world.get(PATH, params), 400, "PLATFORM.INPUT_INVALID")
    assert needle in error["message"]


def test_unknown_but_well_formed_ids_are_404_naming_them(world: World) -> None:
    known = world.walk(PATH)[0]["id"]
    missing = "26vafvWSRmbhNcxJYqjCzuJg"
    error = error_of(world.get(PATH, {"ids": f"{known},{missing}"}), 404, "PLATFORM.INPUT_INVALID")
    assert missing in error["message"] and known not in error["message"]


def test_authentication_and_integration_errors(world: World, engine: Engine) -> None:
    url = f"{world.server.base_url}{PATH}"
    error_of(
        httpx.get(url, headers={"X-Integration-Id": world.integration_id}),
        401,
        "PLATFORM.AUTHENTICATION_INVALID",
    )
    error_of(
        httpx.get(url, headers={"Authorization": "Bearer nope-not-a-key", "X-Integration-Id": world.integration_id}),
        401,
        "PLATFORM.AUTHENTICATION_INVALID",
    )
    error_of(
        httpx.get(
            url,
            headers={
                "Authorization": f"Basic {world.tenant.api_key}",
                "X-Integration-Id": world.integration_id,
            },
        ),
        401,
        "PLATFORM.AUTHENTICATION_INVALID",
    )
    error_of(
        world.get(PATH, **world.headers(**{"X-Integration-Id": "sandbox:26vafvWSRmbhNcxJYqjCzuJg"})),
        404,
        "PLATFORM.INTEGRATION_NOT_FOUND",
    )
    no_integration = {"Authorization": f"Bearer {world.tenant.api_key}"}
    error_of(httpx.get(url, headers=no_integration), 404, "PLATFORM.INTEGRATION_NOT_FOUND")
    # An integration of another environment is invisible: 404, not 403, and no data.
    other = make_tenant(engine, "production")
    foreign = create_sandbox(engine, other)
    error_of(world.get(PATH, **world.headers(**{"X-Integration-Id": foreign})), 404, "PLATFORM.INTEGRATION_NOT_FOUND")
    # ...and the other environment's key cannot read ours.
    theirs = {"Authorization": f"Bearer {other.api_key}", "X-Integration-Id": world.integration_id}
    error_of(httpx.get(url, headers=theirs), 404, "PLATFORM.INTEGRATION_NOT_FOUND")


def test_setup_sync_pending_until_the_first_sync_succeeds(world: World, engine: Engine) -> None:
    fresh = create_sandbox(engine, world.tenant)
    pending = world.get(PATH, **world.headers(**{"X-Integration-Id": fresh}))
    error = error_of(pending, 409, "INTEGRATION.SETUP_SYNC_PENDING")
    assert error["title"] == "The integration's first sync has not completed."
    SyncEngine(engine).run(fresh)
    assert world.get(PATH, **world.headers(**{"X-Integration-Id": fresh})).status_code == 200


def test_unknown_routes_methods_and_crashes_use_the_error_envelope(world: World) -> None:
    base = world.server.base_url
    missing = httpx.get(f"{base}/ats/nothing-here", headers=world.headers())
    assert missing.status_code == 404 and missing.json()["status"] == "error"
    wrong_method = httpx.delete(f"{base}{PATH}", headers=world.headers())
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "PLATFORM.INPUT_INVALID"


def test_check_api_key(world: World, sdk: Kombo) -> None:
    response = httpx.get(
        f"{world.server.base_url}/check-api-key", headers={"Authorization": f"Bearer {world.tenant.api_key}"}
    )
    assert response.status_code == 200
    validate("/check-api-key", response.json())
    assert response.json()["data"]["environment_id"] == world.tenant.environment.id
    checked = sdk.general.check_api_key()
    assert checked.data.environment_id == world.tenant.environment.id
    bad = httpx.get(f"{world.server.base_url}/check-api-key", headers={"Authorization": "Bearer wrong-key-wrong-key"})
    assert bad.status_code == 401
    validate("/check-api-key", bad.json(), status=401)


@pytest.mark.fast
def test_remote_created_after_is_day_granular() -> None:
    # Documented in Kombo's reference: "created on or after a certain day".
    from hirebridge.serving.ats.applications import LISTING
    from hirebridge.store.tables import applications

    [flt] = [f for f in LISTING.filters if f.name == "remote_created_after"]
    clause = flt.where(applications, datetime(2026, 5, 17, 18, 30, tzinfo=UTC))
    assert clause.right.value == datetime(2026, 5, 17, tzinfo=UTC)


def test_unexpected_failures_are_500_without_internals(world: World, engine: Engine) -> None:
    # A real fault: the table the endpoint reads disappears under the running server.
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE applications"))
    response = world.get(PATH)
    error = error_of(response, 500, "PLATFORM.UNKNOWN_ERROR")
    assert "table" not in error["message"] and "Traceback" not in response.text
    assert "sql" not in response.text.lower()
