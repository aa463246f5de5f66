"""Every ATS read endpoint: the SDK method, the contract, paging, filters, tenancy."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from kombo import Kombo
from sqlalchemy import Engine

from hirebridge.api.app import LISTINGS
from tests.conftest import Server, create_sandbox, make_tenant
from tests.contract import validate
from tests.support import World, sdk_client, stored, synced_world

# path -> (SDK method of Kombo.ats, model)
ENDPOINTS: dict[str, tuple[str, str]] = {
    "/ats/applications": ("get_applications", "applications"),
    "/ats/candidates": ("get_candidates", "candidates"),
    "/ats/jobs": ("get_jobs", "jobs"),
    "/ats/application-stages": ("get_application_stages", "application_stages"),
    "/ats/users": ("get_users", "users"),
    "/ats/roles": ("get_roles", "roles"),
    "/ats/offers": ("get_offers", "offers"),
    "/ats/rejection-reasons": ("get_rejection_reasons", "rejection_reasons"),
    "/ats/interviews": ("get_interviews", "interviews"),
    "/ats/tags": ("get_tags", "tags"),
    "/ats/notes": ("get_notes", "notes"),
    "/ats/scorecards": ("get_ats_scorecards", "scorecards"),
    "/ats/attachments": ("get_ats_attachments", "attachments"),
}


@pytest.mark.fast
def test_every_listing_is_covered() -> None:
    assert {f"/ats/{path}" for path in LISTINGS} == set(ENDPOINTS)


@pytest.fixture
def world(engine: Engine, server: Server) -> World:
    return synced_world(engine, server, applications=80)


@pytest.fixture
def sdk(world: World) -> Iterator[Kombo]:
    with sdk_client(world) as k:
        yield k


def test_every_endpoint_serves_all_live_records_through_the_sdk(world: World, sdk: Kombo, engine: Engine) -> None:
    for path, (method, model) in ENDPOINTS.items():
        live = {i for i, r in stored(engine, model, world.integration_id).items() if r.remote_deleted_at is None}
        assert live, f"the sandbox has no {model}"
        walked = world.walk(path)  # raw bodies, each validated against the contract
        assert {r["id"] for r in walked} == live and len(walked) == len(live), path
        seen: list[str] = []
        page = getattr(sdk.ats, method)(page_size=23)
        while page is not None:
            seen.extend(item.id for item in page.result.data.results)
            page = page.next()
        assert sorted(seen) == sorted(live), path


def test_ids_and_remote_ids_filters_on_every_endpoint(world: World) -> None:
    for path in ENDPOINTS:
        everything = world.walk(path)
        pick = everything[:: max(1, len(everything) // 3)][:3]
        assert {r["id"] for r in world.walk(path, ids=",".join(r["id"] for r in pick))} == {r["id"] for r in pick}
        remote = ",".join(r["remote_id"] for r in pick)
        assert {r["id"] for r in world.walk(path, remote_ids=remote)} == {r["id"] for r in pick}, path
        missing = world.get(path, {"ids": "26vafvWSRmbhNcxJYqjCzuJg"})
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "PLATFORM.INPUT_INVALID", path


def _check(world: World, path: str, params: dict[str, Any], predicate: Callable[[dict[str, Any]], bool]) -> None:
    everything = world.walk(path)
    expected = {r["id"] for r in everything if predicate(r)}
    assert expected, f"no test data matches {path} {params}"
    assert expected != {r["id"] for r in everything} or len(everything) == 1, f"{params} does not discriminate"
    assert {r["id"] for r in world.walk(path, **params)} == expected, (path, params)


def field_is(key: str, value: Any) -> Callable[[dict[str, Any]], bool]:
    """A predicate for `_check`: the item's `key` is `value` (bound now, not at the loop's end)."""
    return lambda item: item[key] == value


def test_candidate_filters(world: World) -> None:
    candidates = world.walk("/ats/candidates")
    multi = next(c for c in candidates if len(c["email_addresses"]) > 1)
    address = multi["email_addresses"][-1]["email_address"]
    _check(world, "/ats/candidates", {"email": address.upper()}, lambda c: address in _emails(c))
    name = candidates[0]
    first = name["first_name"]
    same_first = first.casefold()
    _check(world, "/ats/candidates", {"first_name": same_first}, lambda c: c["first_name"].casefold() == same_first)
    last = name["last_name"]
    same_last = last.casefold()
    _check(world, "/ats/candidates", {"last_name": last.upper()}, lambda c: c["last_name"].casefold() == same_last)
    # Case-insensitive beyond ASCII on both databases (SQLite's lower() alone would miss "Ł"/"Ö").
    accented = next(c for c in candidates if not c["last_name"].isascii())
    other_case = accented["last_name"].swapcase()
    _check(
        world,
        "/ats/candidates",
        {"last_name": other_case},
        lambda c: c["last_name"].casefold() == accented["last_name"].casefold(),
    )
    job_id = candidates[0]["applications"][0]["job"]["id"]
    _check(
        world,
        "/ats/candidates",
        {"job_ids": job_id},
        lambda c: any(a["job"]["id"] == job_id for a in c["applications"]),
    )
    _check(
        world,
        "/ats/candidates",
        {"job_ids": job_id, "first_name": first},
        lambda c: c["first_name"] == first and any(a["job"]["id"] == job_id for a in c["applications"]),
    )


def _emails(candidate: dict[str, Any]) -> set[str]:
    return {e["email_address"] for e in candidate["email_addresses"]}


def test_job_filters(world: World) -> None:
    jobs = world.walk("/ats/jobs")
    job = next(j for j in jobs if j["post_url"])
    _check(world, "/ats/jobs", {"job_codes": job["job_code"]}, lambda j: j["job_code"] == job["job_code"])
    _check(world, "/ats/jobs", {"post_url": job["post_url"]}, lambda j: j["post_url"] == job["post_url"])
    _check(world, "/ats/jobs", {"statuses": "CLOSED,DRAFT"}, lambda j: j["status"] in ("CLOSED", "DRAFT"))
    _check(world, "/ats/jobs", {"status": "OPEN"}, lambda j: j["status"] == "OPEN")
    _check(world, "/ats/jobs", {"employment_types": "FULL_TIME"}, lambda j: j["employment_type"] == "FULL_TIME")
    _check(
        world, "/ats/jobs", {"visibilities": "INTERNAL,UNLISTED"}, lambda j: j["visibility"] in ("INTERNAL", "UNLISTED")
    )
    # A word in some job names but not all (so the filter has something to discriminate).
    words = {w for j in jobs for w in j["name"].split()}
    word = next(w for w in sorted(words) if 0 < sum(w.lower() in j["name"].lower() for j in jobs) < len(jobs))
    _check(world, "/ats/jobs", {"name_contains": word.lower()}, lambda j: word.lower() in j["name"].lower())
    # A day that some jobs were created on or after and others before (a small sandbox may create all
    # its jobs on one day; then there is nothing to discriminate).
    days = sorted({j["remote_created_at"][:10] for j in jobs})
    if len(days) > 1:
        day = days[len(days) // 2]
        _check(world, "/ats/jobs", {"remote_created_after": day}, lambda j: j["remote_created_at"][:10] >= day)
    assert any(j["stages"] and j["screening_questions"] and j["job_postings"] and j["hiring_team"] for j in jobs)


def test_user_role_interview_and_file_filters(world: World) -> None:
    users = world.walk("/ats/users")
    email = users[0]["email"]
    _check(world, "/ats/users", {"emails": email.upper()}, lambda u: u["email"] == email)
    _check(world, "/ats/roles", {"scopes": "JOB"}, lambda r: r["scope"] == "JOB")
    interviews = world.walk("/ats/interviews")
    job_id = interviews[0]["application"]["job"]["id"]
    _check(world, "/ats/interviews", {"job_ids": job_id}, lambda i: i["application"]["job"]["id"] == job_id)
    for path in ("/ats/notes", "/ats/scorecards", "/ats/attachments"):
        items = world.walk(path)
        candidate_id = items[0]["candidate_id"]
        _check(world, path, {"candidate_ids": candidate_id}, field_is("candidate_id", candidate_id))
        application_id = next(i["application_id"] for i in items if i["application_id"])
        _check(world, path, {"application_ids": application_id}, field_is("application_id", application_id))


def test_on_demand_attachments(world: World, sdk: Kombo) -> None:
    attachments = world.walk("/ats/attachments")
    on_application = next(a for a in attachments if a["application_id"])
    candidate_id = on_application["candidate_id"]
    response = world.get(f"/ats/candidates/{candidate_id}/attachments")
    assert response.status_code == 200
    validate("/ats/candidates/{candidate_id}/attachments", response.json())
    files = response.json()["data"]["results"]
    assert {f["id"] for f in files} == {a["id"] for a in attachments if a["candidate_id"] == candidate_id}
    assert all(f["data_url"].startswith(f"data:{f['content_type']};base64,") for f in files)
    by_sdk = sdk.ats.get_application_attachments(application_id=on_application["application_id"])
    assert on_application["id"] in {f.id for f in by_sdk.data.results}
    assert sdk.ats.get_candidate_attachments(candidate_id=candidate_id).data.results
    unknown = world.get("/ats/candidates/26vafvWSRmbhNcxJYqjCzuJg/attachments")
    assert unknown.status_code == 404


SECURED = [
    *ENDPOINTS,
    "/ats/candidates/26vafvWSRmbhNcxJYqjCzuJg/attachments",
    "/ats/applications/26vafvWSRmbhNcxJYqjCzuJg/attachments",
]


@pytest.mark.parametrize("path", SECURED)
def test_tenancy_matrix(world: World, engine: Engine, path: str) -> None:
    url = f"{world.server.base_url}{path}"
    other = make_tenant(engine, "other-environment")
    foreign = create_sandbox(engine, other)
    cases = [
        ({"X-Integration-Id": world.integration_id}, 401, "PLATFORM.AUTHENTICATION_INVALID"),
        (
            {"Authorization": "Bearer not-a-real-key-123", "X-Integration-Id": world.integration_id},
            401,
            "PLATFORM.AUTHENTICATION_INVALID",
        ),
        (
            {"Authorization": f"Bearer {other.api_key}", "X-Integration-Id": world.integration_id},
            404,
            "PLATFORM.INTEGRATION_NOT_FOUND",
        ),
        (
            {"Authorization": f"Bearer {world.tenant.api_key}", "X-Integration-Id": foreign},
            404,
            "PLATFORM.INTEGRATION_NOT_FOUND",
        ),
    ]
    for headers, status, code in cases:
        response = httpx.get(url, headers=headers)
        assert response.status_code == status, (path, headers)
        assert response.json() == {
            "status": "error",
            "error": {
                "code": code,
                "title": response.json()["error"]["title"],
                "message": response.json()["error"]["message"],
                # Errors of authenticated requests are recorded for the operator's dashboard.
                "log_url": None if status == 401 else response.json()["error"]["log_url"],
            },
        }
        if status != 401:
            assert re.fullmatch(
                r"http://127\.0\.0\.1:8000/dashboard/requests/\w{24}", response.json()["error"]["log_url"]
            )
        assert "results" not in response.text


def test_screening_question_preconditions_point_at_options_of_the_same_job(world: World) -> None:
    checked = 0
    for job in world.walk("/ats/jobs"):
        questions = {q["id"]: q for q in job["screening_questions"]}
        for question in questions.values():
            if question["precondition_question_id"] is None:
                continue
            condition = questions[question["precondition_question_id"]]
            options = {o["id"] for o in (condition["format"] or {}).get("options", [])}
            values = question["precondition_options"]
            assert values and (set(values) <= options or all(isinstance(v, bool) for v in values)), question
            checked += 1
    assert checked
