"""The Greenhouse Harvest v3 emulator itself, over real HTTP: OAuth client-credentials tokens, Link-header
cursor paging and its 422 rule, filters, rate-limit headers and 429, file links, changes -- and that its
payloads are what the mapping reads."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from hirebridge.connectors.greenhouse import mapping
from tests.emulators.greenhouse import GreenhouseEmulator, iso
from tests.emulators.harness import Fault

Json = dict[str, Any]


@dataclass
class Harvest:
    """A running emulator and an HTTP client holding a valid token."""

    emulator: GreenhouseEmulator
    url: str
    http: httpx.Client

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(f"{self.url}{path}", params=params)

    def walk(self, resource: str, **params: Any) -> tuple[list[Json], list[httpx.Response]]:
        """Every page, following each `Link: rel="next"` URL verbatim."""
        responses = [self.get(f"/v3/{resource}", **params)]
        while "next" in responses[-1].links:
            responses.append(self.http.get(responses[-1].links["next"]["url"]))
        assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
        return [row for r in responses for row in r.json()], responses


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def fetch_token(url: str, emulator: GreenhouseEmulator, **form: str) -> httpx.Response:
    return httpx.post(
        f"{url}/token",
        data={"grant_type": "client_credentials", **form},
        headers={"Authorization": basic(emulator.client_id, emulator.client_secret)},
    )


@pytest.fixture
def harvest() -> Iterator[Harvest]:
    emulator = GreenhouseEmulator(seed=7, applications=40, rate_limit=None)
    with emulator.running() as url:
        token = fetch_token(url, emulator).json()["access_token"]
        with httpx.Client(headers={"Authorization": f"Bearer {token}"}) as http:
            yield Harvest(emulator, url, http)


# --- auth ------------------------------------------------------------------------------------------------


def test_client_credentials_token() -> None:
    emulator = GreenhouseEmulator(applications=5, token_ttl=900)
    user = emulator.records("users")[0]["id"]
    with emulator.running() as url:
        answer = fetch_token(url, emulator, sub=str(user))
        assert answer.status_code == 200
        body = answer.json()
        assert (body["token_type"], body["expires_in"]) == ("Bearer", 900)
        assert body["access_token"].count(".") == 2  # JWT-shaped
        assert datetime.fromisoformat(body["expires_at"]) > datetime.now(UTC)
        bearer = {"Authorization": f"Bearer {body['access_token']}"}
        assert httpx.get(f"{url}/v3/jobs", headers=bearer).status_code == 200
        # Wrong secret, wrong grant, a sub that is no user, no token, an unknown token.
        wrong = httpx.post(f"{url}/token", data={"grant_type": "client_credentials"},
                           headers={"Authorization": basic(emulator.client_id, "nope")})  # fmt: skip
        assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_client")
        assert fetch_token(url, emulator, grant_type="authorization_code").status_code == 400
        assert fetch_token(url, emulator, sub="999").json()["error"] == "invalid_request"
        assert httpx.get(f"{url}/v3/jobs").status_code == 401
        assert httpx.get(f"{url}/v3/jobs", headers={"Authorization": "Bearer forged.token.x"}).status_code == 401


def test_expired_tokens_are_refused() -> None:
    emulator = GreenhouseEmulator(applications=5, token_ttl=1)
    with emulator.running() as url:
        bearer = {"Authorization": f"Bearer {fetch_token(url, emulator).json()['access_token']}"}
        assert httpx.get(f"{url}/v3/users", headers=bearer).status_code == 200
        time.sleep(1.2)  # the configured lifetime runs out (a wait, not a timing assertion)
        refused = httpx.get(f"{url}/v3/users", headers=bearer)
        assert refused.status_code == 401
        assert "invalid_token" in refused.headers["www-authenticate"]
        fresh = {"Authorization": f"Bearer {fetch_token(url, emulator).json()['access_token']}"}
        assert httpx.get(f"{url}/v3/users", headers=fresh).status_code == 200
        emulator.expire_tokens()
        assert httpx.get(f"{url}/v3/users", headers=fresh).status_code == 401


def test_missing_scope_is_403() -> None:
    emulator = GreenhouseEmulator(applications=5, scopes={"harvest:jobs:list"})
    with emulator.running() as url:
        bearer = {"Authorization": f"Bearer {fetch_token(url, emulator).json()['access_token']}"}
        assert httpx.get(f"{url}/v3/jobs", headers=bearer).status_code == 200
        denied = httpx.get(f"{url}/v3/applications", headers=bearer)
        assert (denied.status_code, denied.json()["message"]) == (403, "Missing scope harvest:applications:list")


# --- paging ------------------------------------------------------------------------------------------------


def test_link_header_paging_walks_everything_once(harvest: Harvest) -> None:
    expected = [a["id"] for a in harvest.emulator.records("applications")]
    rows, responses = harvest.walk("applications", per_page=7)
    assert [r["id"] for r in rows] == expected == sorted(expected)
    assert len(responses) == -(-len(expected) // 7)
    assert [len(r.json()) for r in responses[:-1]] == [7] * (len(responses) - 1)
    assert "link" not in responses[-1].headers
    next_url = httpx.URL(responses[0].links["next"]["url"])
    assert list(next_url.params) == ["cursor"] and next_url.path == "/v3/applications"
    # The default page is 100; the filters ride in the cursor.
    assert len(harvest.get("/v3/candidates").json()) == min(100, len(harvest.emulator.records("candidates")))


def test_cursor_must_be_the_only_parameter(harvest: Harvest) -> None:
    first = harvest.get("/v3/applications", per_page=5)
    cursor = httpx.URL(first.links["next"]["url"]).params["cursor"]
    for extra in ({"per_page": "5"}, {"updated_at": "gte|2020-01-01T00:00:00Z"}, {"job_ids": "1"}):
        answer = harvest.get("/v3/applications", cursor=cursor, **extra)
        assert answer.status_code == 422, extra
        assert answer.json()["errors"][0]["message"] == "cursor must be the only query parameter"
    assert harvest.get("/v3/applications", cursor=cursor).status_code == 200
    assert harvest.get("/v3/candidates", cursor=cursor).status_code == 422  # another resource's cursor
    assert harvest.get("/v3/applications", cursor="bm90IGEgY3Vyc29y.abc").status_code == 422  # unknown
    harvest.emulator.invalidate_cursors()
    expired = harvest.get("/v3/applications", cursor=cursor)
    assert (expired.status_code, expired.json()["errors"][0]["message"]) == (422, "expired cursor")


INVALID_FIRST_REQUESTS: list[dict[str, str]] = [
    {"per_page": "0"},
    {"per_page": "501"},
    {"per_page": "ten"},
    {"updated_after": "2024-01-01T00:00:00Z"},  # v1's filter: unknown in v3
    {"updated_at": "2024-01-01T00:00:00Z"},  # no operator
    {"updated_at": "since|2024-01-01T00:00:00Z"},
    {"updated_at": "gte|yesterday"},
    {"ids": ",".join(str(i) for i in range(1, 52))},  # more than 50
    {"job_ids": "1,x"},
    {"status": "in_process"},  # the query's word is `active`
    {"prospect": "yes"},
]


def test_invalid_first_requests_are_422(harvest: Harvest) -> None:
    answers = {str(params): harvest.get("/v3/applications", **params).status_code for params in INVALID_FIRST_REQUESTS}
    assert answers == {str(params): 422 for params in INVALID_FIRST_REQUESTS}


# --- filters -----------------------------------------------------------------------------------------------


def test_updated_at_operators_and_chains(harvest: Harvest) -> None:
    rows = harvest.emulator.records("applications")
    times = sorted({r["updated_at"] for r in rows})
    pivot, later = times[len(times) // 2], times[-3]

    def ids(value: str) -> list[int]:
        return [r["id"] for r in harvest.walk("applications", updated_at=value, per_page=500)[0]]

    assert ids(f"gte|{pivot}") == [r["id"] for r in rows if r["updated_at"] >= pivot]
    assert ids(f"gt|{pivot}") == [r["id"] for r in rows if r["updated_at"] > pivot]
    assert ids(f"lt|{pivot}") == [r["id"] for r in rows if r["updated_at"] < pivot]
    assert ids(f"gte|{pivot}|lt|{later}") == [r["id"] for r in rows if pivot <= r["updated_at"] < later]
    # A numeric offset means the same instant.
    shifted = (datetime.fromisoformat(pivot) + timedelta(hours=2)).isoformat().replace("+00:00", "+02:00")
    assert ids(f"gte|{shifted.replace('+02:00', '')}+02:00") == ids(f"gte|{pivot}")
    assert ids(f"gte|{pivot}") != ids(f"gt|{pivot}")  # the pivot itself is on the gte side only


def test_parent_and_flag_filters(harvest: Harvest) -> None:
    emulator = harvest.emulator
    apps = emulator.records("applications")
    some = [a["id"] for a in apps[:3]]
    assert [r["id"] for r in harvest.get("/v3/applications", ids=",".join(map(str, some))).json()] == some
    job = apps[0]["job_id"]
    assert {r["job_id"] for r in harvest.walk("applications", job_ids=str(job))[0]} == {job}
    active = harvest.walk("applications", status="active")[0]
    assert {r["status"] for r in active} == {"in_process"} and active
    history = harvest.walk("application_stages", application_ids=str(some[0]))[0]
    assert {r["application_id"] for r in history} == {some[0]}
    assert sum(r["current"] for r in history) == 1
    # All offer versions, or the latest per application.
    offers = harvest.walk("offers")[0]
    current = harvest.walk("offers", current_only="true")[0]
    assert len({o["application_id"] for o in offers}) == len(current) < len(offers)
    assert all(o["status"] != "Deprecated" for o in current)
    # Service accounts, default rejection reasons and deleted job posts only on request.
    users, all_users = harvest.walk("users")[0], harvest.walk("users", show_service_accounts="true")[0]
    assert len(all_users) == len(users) + 1 and all(u["primary_email"] for u in users)
    reasons = harvest.walk("rejection_reasons", include_defaults="true")[0]
    assert len(reasons) == len(harvest.walk("rejection_reasons")[0]) + 1
    post = emulator.records("job_posts")[0]
    emulator.edit("job_posts", post["id"], active=False)
    assert post["id"] not in [p["id"] for p in harvest.walk("job_posts")[0]]
    assert [p["id"] for p in harvest.walk("job_posts", active="false")[0]] == [post["id"]]


# --- changes ------------------------------------------------------------------------------------------------


def test_changes_move_updated_at_of_what_changed_only(harvest: Harvest) -> None:
    emulator = harvest.emulator
    app = next(a for a in emulator.records("applications") if a["status"] == "in_process" and a["job_id"])
    before = harvest.emulator.now()
    # A child change leaves the parent alone...
    note = emulator.add_note(app["candidate_id"], "Checked references.", application_id=app["id"])
    changed = [r["id"] for r in harvest.walk("notes", updated_at=f"gte|{before}")[0]]
    assert changed == [note["id"]]
    assert harvest.walk("applications", updated_at=f"gte|{before}")[0] == []
    # ...unless asked to touch it; a stage move changes the application and its history.
    emulator.add_attachment(app["id"], "portfolio.pdf", touch_parent=True)
    stages = [s for s in emulator.records("job_interview_stages") if s["job_id"] == app["job_id"] and s["active"]]
    emulator.move_application(app["id"], stages[-1]["id"])
    moved = harvest.walk("applications", updated_at=f"gte|{before}")[0]
    assert [(a["id"], a["job_interview_stage_id"], a["stage_name"]) for a in moved] == [
        (app["id"], stages[-1]["id"], stages[-1]["name"])
    ]
    history = harvest.walk("application_stages", application_ids=str(app["id"]), current="true")[0]
    assert [(h["id"], h["job_interview_stage_id"]) for h in history] == [(moved[0]["stage_id"], stages[-1]["id"])]
    # A rejection nulls the current stage (v3 does so for terminal applications) and records details.
    reason = emulator.records("rejection_reasons")[0]["id"]
    rejected = emulator.reject_application(app["id"], reason)
    assert (rejected["status"], rejected["job_interview_stage_id"], rejected["rejection_reason_id"]) == (
        "rejected",
        None,
        reason,
    )
    assert harvest.walk("rejection_details", application_ids=str(app["id"]))[0][0]["rejection_reason_id"] == reason
    # A new offer version deprecates the previous one; the current one is the new row.
    first = emulator.add_offer_version(app["id"])
    second = emulator.add_offer_version(app["id"], status="Created", starts_on="2030-01-01")
    current = harvest.walk("offers", application_ids=str(app["id"]), current_only="true")[0]
    assert [(o["id"], o["version"], o["starts_on"]) for o in current] == [
        (second["id"], second["version"], "2030-01-01")
    ]
    assert emulator.record("offers", first["id"])["status"] == "Deprecated"


def test_tags_change_without_the_candidate(harvest: Harvest) -> None:
    emulator = harvest.emulator
    candidate = emulator.records("candidates")[0]
    tag = next(t for t in emulator.records("candidate_tags") if t["name"] not in candidate["tags"])
    before = emulator.now()
    emulator.tag_candidate(candidate["id"], tag["id"])
    assert tag["name"] in emulator.record("candidates", candidate["id"])["tags"]
    assert harvest.walk("candidates", updated_at=f"gte|{before}")[0] == []  # the candidate's updated_at stayed
    applied = harvest.walk("applied_candidate_tags", updated_at=f"gte|{before}")[0]
    assert [(a["candidate_id"], a["candidate_tag_id"]) for a in applied] == [(candidate["id"], tag["id"])]


def test_deleted_records_and_their_children_are_not_listed(harvest: Harvest) -> None:
    emulator = harvest.emulator
    interviewed = {i["application_id"] for i in emulator.records("interviews")}
    app = next(a for a in emulator.records("applications") if a["id"] in interviewed)
    interviews = [i["id"] for i in emulator.records("interviews") if i["application_id"] == app["id"]]
    emulator.delete("applications", app["id"])
    assert app["id"] not in [a["id"] for a in harvest.walk("applications", per_page=500)[0]]
    assert harvest.walk("interviews", application_ids=str(app["id"]))[0] == []
    assert harvest.walk("interviewers", interview_ids=",".join(map(str, interviews)))[0] == []
    assert harvest.walk("application_stages", application_ids=str(app["id"]))[0] == []
    assert harvest.walk("scorecards", application_ids=str(app["id"]))[0] == []


# --- rate limit, files, faults ------------------------------------------------------------------------------


def test_rate_limit_headers_and_429() -> None:
    emulator = GreenhouseEmulator(applications=5, rate_limit=3, window=60)
    with emulator.running() as url:
        bearer = {"Authorization": f"Bearer {fetch_token(url, emulator).json()['access_token']}"}
        answers = [httpx.get(f"{url}/v3/departments", headers=bearer) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["x-ratelimit-limit"] for a in answers[:3]] == ["3", "3", "3"]
    assert [a.headers["x-ratelimit-remaining"] for a in answers[:3]] == ["2", "1", "0"]
    # Reset: when the first request leaves the 60 s window, the same for every answer of this burst.
    resets = {int(a.headers["x-ratelimit-reset"]) for a in answers}
    assert len(resets) <= 2 and min(resets) > time.time() + 30
    assert 1 <= int(answers[3].headers["retry-after"]) <= 60
    assert "x-ratelimit-remaining" not in answers[3].headers and "x-ratelimit-reset" in answers[3].headers
    assert emulator.violations == 1


def test_attachment_links_redirect_to_storage(harvest: Harvest) -> None:
    (row,) = harvest.get("/v3/attachments", per_page=1).json()
    assert row["url"].startswith(f"{harvest.url}/attachment_files/{row['id']}?expires=")
    link = httpx.get(row["url"])  # no token needed
    assert link.status_code == 302
    stored = httpx.get(link.headers["location"])
    assert stored.status_code == 200 and stored.content == harvest.emulator.files[row["id"]]
    assert httpx.get(link.headers["location"], headers={"Authorization": "Bearer x"}).status_code == 400
    assert httpx.get(row["url"].replace("signature=", "signature=x")).status_code == 403
    short = GreenhouseEmulator(applications=3, url_ttl=-1, rate_limit=None)
    with short.running() as url:
        token = fetch_token(url, short).json()["access_token"]
        (old,) = httpx.get(f"{url}/v3/attachments", params={"per_page": 1},
                           headers={"Authorization": f"Bearer {token}"}).json()  # fmt: skip
        assert httpx.get(old["url"]).status_code == 403  # the link has expired


def test_faults_come_from_the_harness(harvest: Harvest) -> None:
    harvest.emulator.harness.inject(Fault("status", status=503, path="/v3/jobs"))
    assert harvest.get("/v3/jobs").status_code == 503
    assert harvest.get("/v3/jobs").status_code == 200
    assert [r.path for r in harvest.emulator.requests_to("/v3/jobs")] == ["/v3/jobs", "/v3/jobs"]


# --- what the mapping reads ---------------------------------------------------------------------------------


def test_generated_data_maps_with_every_reference_resolved() -> None:
    emulator = GreenhouseEmulator(seed=3, applications=80)
    # Listed the way the connector must list them: default rejection reasons and service accounts included.
    wide = {"rejection_reasons": {"include_defaults": "true"}, "users": {"show_service_accounts": "true"}}
    rows = {name: emulator.records(name, **wide.get(name, {})) for name in emulator.data}
    by_id = {name: mapping.index_by_id(records) for name, records in rows.items()}
    jobs = [
        mapping.map_job(j, departments=by_id["departments"], offices=by_id["offices"],
                        hiring_managers=rows["job_hiring_managers"], owners=rows["job_owners"],
                        posts=rows["job_posts"], openings=rows["openings"])
        for j in rows["jobs"]
    ]  # fmt: skip
    stages = {s.remote_id for s in mapping.map_stages(rows["job_interview_stages"])}
    users = {u.remote_id for u in map(mapping.map_user, rows["users"])}
    apps = [
        mapping.map_application(
            a, rejection_reasons=by_id["rejection_reasons"], stage_history=rows["application_stages"]
        )
        for a in rows["applications"]
    ]
    candidates = {
        c["id"]: mapping.map_candidate(c, applied_tags=rows["applied_candidate_tags"], tags=by_id["candidate_tags"])
        for c in rows["candidates"]
    }
    job_ids = {j.remote_id for j in jobs}
    assert all(a.job_remote_id in job_ids or a.job_remote_id is None for a in apps)
    assert all(a.current_stage_remote_id in stages for a in apps if a.job_remote_id)  # terminal ones too
    assert {a.outcome for a in apps} == {"PENDING", "DECLINED", "HIRED"}
    assert all(a.rejection_reason_name for a in apps if a.outcome == "DECLINED")
    assert all(m.user_remote_id in users for j in jobs for m in j.hiring_team)
    assert any(c.tag_remote_ids for c in candidates.values())
    assert all(set(c.tag_remote_ids) <= set(by_id["candidate_tags"]) for c in candidates.values())
    interviews = [
        mapping.map_interview(i, interviewers=rows["interviewers"], job_interviews=by_id["job_interviews"])
        for i in rows["interviews"]
    ]
    assert all(i.title and i.stage_remote_id in stages and i.user_remote_ids for i in interviews)
    seats = mapping.scorecard_interviews(rows["interviewers"])
    cards = [
        mapping.map_scorecard(s, interview_remote_id=seats.get(str(s["id"])), questions=by_id["scorecard_questions"],
                              answers=rows["scorecard_question_answers"],
                              question_options=rows["scorecard_question_options"],
                              answer_options=rows["scorecard_question_answer_options"])
        for s in rows["scorecards"]
    ]  # fmt: skip
    submitted = [c for c in cards if c is not None]
    assert submitted and len(submitted) < len(cards)  # drafts are placeholders
    assert all(c.interview_remote_id and len(c.responses) == 5 for c in submitted)  # rating, 3 questions, notes
    assert all(c.responses[3].answer is not None for c in submitted)  # the single-select answer resolved
    offers = [mapping.map_offer(o) for o in mapping.current_offers(rows["offers"])]
    assert len(offers) == len({o["application_id"] for o in rows["offers"]})
    notes = [n for n in map(mapping.map_note, rows["notes"]) if n is not None]
    assert notes and all(n.candidate_remote_id for n in notes)
    assert {a.type for a in map(mapping.map_attachment, rows["attachments"])} == {"CV", "COVER_LETTER"}
    assert iso(datetime(2024, 1, 2, 3, 4, 5, 678900, tzinfo=UTC)) == "2024-01-02T03:04:05.678Z"


# --- writes ------------------------------------------------------------------------------------------------


def test_write_validation_errors_are_422s_in_harvests_shape_naming_the_field(harvest: Harvest) -> None:
    app = harvest.emulator.records("applications", status="active")[0]
    answer = harvest.http.post(
        f"{harvest.url}/v3/notes", json={"candidate_id": app["candidate_id"], "body": "x", "visibility": "everyone"}
    )
    assert answer.status_code == 422
    assert answer.json() == {
        "message": "Validation error",
        "errors": [{"message": "Must be one of: public, private, admin_only", "field": "visibility"}],
    }
    missing = harvest.http.post(f"{harvest.url}/v3/applications/999999999/move", json={"from_stage_id": 1})
    assert (missing.status_code, missing.json()) == (404, {"message": "Resource not found"})


def test_a_new_application_is_listed_and_a_second_one_on_the_job_refused(harvest: Harvest) -> None:
    emu = harvest.emulator
    job = next(j for j in emu.records("jobs") if j["status"] == "open")
    person = harvest.http.post(
        f"{harvest.url}/v3/candidates",
        json={
            "first_name": "Grace",
            "last_name": "Hopper",
            "email_addresses": [{"value": "grace@navy.example", "type": "work"}],
        },
    )
    assert person.status_code == 201
    body = {"candidate_id": person.json()["id"], "job_id": job["id"]}
    created = harvest.http.post(f"{harvest.url}/v3/applications", json=body)
    assert created.status_code == 201
    listed, _ = harvest.walk("applications", ids=str(created.json()["id"]))
    assert listed == [created.json()]
    assert listed[0]["job_interview_stage_id"] is not None and listed[0]["status"] == "in_process"
    again = harvest.http.post(f"{harvest.url}/v3/applications", json=body)
    assert again.status_code == 422
    assert again.json()["errors"] == [{"message": "The candidate has already applied to this job", "field": "job_id"}]


def test_writes_count_against_harvests_rate_limit() -> None:
    emulator = GreenhouseEmulator(seed=3, applications=10, rate_limit=3, window=60)
    app = emulator.records("applications")[0]
    with emulator.running() as url:
        token = fetch_token(url, emulator).json()["access_token"]
        with httpx.Client(headers={"Authorization": f"Bearer {token}"}) as http:
            note = {"candidate_id": app["candidate_id"], "body": "hi", "visibility": "public"}
            statuses = [http.post(f"{url}/v3/notes", json=note).status_code for _ in range(4)]
    assert statuses == [201, 201, 201, 429]
    assert emulator.violations == 1
