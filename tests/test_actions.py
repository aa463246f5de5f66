"""Kombo's ATS write actions against the sandbox, through the official SDK over HTTP, on both databases.

What every action must show: the source changed (the sandbox's journal), the result served at once
with the ids later reads return, and a sync afterwards finding nothing new -- the rows it reads are
the rows the write-back stored (`_snapshot` before and after are equal, its stats count nothing
inserted, updated or deleted). Then idempotent repeats, every error path, the tenancy matrix, and
`sandbox advance` over written data.
"""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
from kombo import Kombo
from kombo.errors import KomboAtsError
from sqlalchemy import Engine, select

from hirebridge.store import tenancy
from hirebridge.store.db import read_tx, write_tx
from hirebridge.store.sync_runs import SyncState
from hirebridge.store.tables import SYNCED_TABLES, actions
from hirebridge.sync.engine import SyncEngine
from tests.conftest import Server, make_tenant
from tests.contract import validate
from tests.support import World, advance, sdk_client, synced_world

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def world(engine: Engine, server: Server) -> World:
    # Small: these tests are about what each action does, not about volume.
    return synced_world(engine, server, 30)


@pytest.fixture
def sdk(world: World) -> Kombo:
    return sdk_client(world)


def _snapshot(engine: Engine, integration_id: str) -> dict[str, dict[str, tuple[Any, ...]]]:
    """Every stored record of the integration: what a sync compares and what clients read."""
    out: dict[str, dict[str, tuple[Any, ...]]] = {}
    with read_tx(engine) as conn:
        for model, table in SYNCED_TABLES.items():
            rows = conn.execute(
                select(
                    table.c.id,
                    table.c.data,
                    table.c.links,
                    table.c.remote_data,
                    table.c.changed_at,
                    table.c.updated_at,
                    table.c.remote_deleted_at,
                ).where(table.c.integration_id == integration_id)
            )
            out[model] = {row.id: tuple(row[1:]) for row in rows}
    return out


def _assert_sync_finds_nothing_new(engine: Engine, world: World) -> None:
    before = _snapshot(engine, world.integration_id)
    result = SyncEngine(engine).run(world.integration_id)
    assert result.state == SyncState.SUCCEEDED, result.error
    for model, counts in result.stats.items():
        assert (counts["inserted"], counts["updated"], counts["deleted"]) == (0, 0, 0), (model, counts)
    assert _snapshot(engine, world.integration_id) == before


def _post(world: World, method: str, path: str, body: Any, **headers: str) -> httpx.Response:
    return httpx.request(
        method, f"{world.server.base_url}{path}", json=body, headers={**world.headers(), **headers}, timeout=30
    )


def _open_job(world: World) -> dict[str, Any]:
    jobs = world.walk("/ats/jobs")
    return next(job for job in jobs if job["status"] == "OPEN" and len(job["stages"]) > 2)


def _pending_application(world: World) -> dict[str, Any]:
    applications = world.walk("/ats/applications")
    return next(app for app in applications if app["outcome"] == "PENDING" and app["job"] is not None)


def _application(world: World, application_id: str) -> dict[str, Any]:
    found: dict[str, Any] = world.get("/ats/applications", {"ids": application_id}).json()["data"]["results"][0]
    return found


def _candidate(world: World, candidate_id: str) -> dict[str, Any]:
    found: dict[str, Any] = world.get("/ats/candidates", {"ids": candidate_id}).json()["data"]["results"][0]
    return found


def _new_candidate(email: str = "ada.lovelace@example.com") -> Any:  # a body, or the SDK's typed dict
    return {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email_address": email,
        "phone_number": "+44 20 7946 0000",
        "company": "Analytical Engines",
        "title": "Mathematician",
        "location": {"country": "GB", "city": "London"},
        "social_links": [{"url": "https://www.linkedin.com/in/ada"}],
    }


# --- create ----------------------------------------------------------------------------------------


def test_create_application_is_served_at_once_and_the_next_sync_finds_nothing_new(
    engine: Engine, world: World, sdk: Kombo
) -> None:
    job = _open_job(world)
    stage = job["stages"][1]
    attachment = {
        "name": "Ada_CV.pdf",
        "type": "CV",
        "content_type": "application/pdf",
        "data": base64.b64encode(PDF).decode(),
    }
    raw = _post(
        world,
        "POST",
        f"/ats/jobs/{job['id']}/applications",
        {"candidate": _new_candidate(), "stage_id": stage["id"], "attachments": [attachment]},
    )
    assert raw.status_code == 200, raw.text
    body = raw.json()
    validate("/ats/jobs/{job_id}/applications", body, 200, "post")
    created = body["data"]
    assert created["job_id"] == job["id"] and created["current_stage_id"] == stage["id"]
    assert created["candidate"]["email_addresses"] == [
        {"email_address": "ada.lovelace@example.com", "type": "PERSONAL"}
    ]
    assert created["candidate"]["source"] == "default"  # the environment's name, as Kombo's automatic source
    # The ids are those later reads return, and the read API has it now.
    served = _application(world, created["id"])
    assert served["candidate"]["id"] == created["candidate_id"]
    assert served["current_stage"]["id"] == stage["id"]
    files = world.walk("/ats/attachments", application_ids=created["id"])
    assert [(f["file_name"], f["type"]) for f in files] == [("Ada_CV.pdf", "CV")]
    content = world.get(f"/ats/applications/{created['id']}/attachments").json()
    assert content["status"] == "success"
    _assert_sync_finds_nothing_new(engine, world)
    # The SDK's own method does the same.
    other = sdk.ats.create_application(job_id=job["id"], candidate=_new_candidate("grace@example.com"))
    assert other.data.id != created["id"] and other.data.current_stage_id == job["stages"][0]["id"]
    _assert_sync_finds_nothing_new(engine, world)


def test_create_candidate_legacy_answers_with_the_candidate(engine: Engine, world: World, sdk: Kombo) -> None:
    job = _open_job(world)
    result = sdk.ats.create_candidate(
        candidate=_new_candidate("legacy@example.com"), application={"job_id": f"remote:{job['remote_id']}"}
    )
    candidate = result.data
    assert candidate.first_name == "Ada"
    assert [a.job.id if a.job else None for a in candidate.applications] == [job["id"]]
    assert _candidate(world, candidate.id)["applications"][0]["job"]["id"] == job["id"]
    _assert_sync_finds_nothing_new(engine, world)


def test_an_existing_candidate_is_matched_by_email_and_a_second_application_refused(world: World) -> None:
    job = _open_job(world)
    first = _post(
        world, "POST", f"/ats/jobs/{job['id']}/applications", {"candidate": _new_candidate("twice@example.com")}
    )
    assert first.status_code == 200, first.text
    again = _post(
        world, "POST", f"/ats/jobs/{job['id']}/applications", {"candidate": _new_candidate("TWICE@example.com")}
    )
    assert again.status_code == 409, again.text
    assert again.json()["error"]["code"] == "ATS.APPLICATION_ALREADY_EXISTS"
    assert "twice@example.com" in again.json()["error"]["message"]
    other_job = next(j for j in world.walk("/ats/jobs") if j["status"] == "OPEN" and j["id"] != job["id"])
    second = _post(
        world, "POST", f"/ats/jobs/{other_job['id']}/applications", {"candidate": _new_candidate("twice@example.com")}
    )
    assert second.status_code == 200, second.text
    assert second.json()["data"]["candidate_id"] == first.json()["data"]["candidate_id"]


def test_screening_answers_are_checked_and_written(engine: Engine, world: World) -> None:
    jobs = world.walk("/ats/jobs")
    job, question = next(
        (j, q)
        for j in jobs
        if j["status"] == "OPEN"
        for q in j["screening_questions"]
        if q["format"] and q["format"]["type"] == "SINGLE_SELECT"
    )
    option = question["format"]["options"][0]
    wrong = _post(
        world,
        "POST",
        f"/ats/jobs/{job['id']}/applications",
        {
            "candidate": _new_candidate("sq@example.com"),
            "screening_question_answers": [{"question_id": question["id"], "answer": True}],
        },
    )
    assert wrong.status_code == 400 and "screening_question_answers.0.answer" in wrong.json()["error"]["message"]
    right = _post(
        world,
        "POST",
        f"/ats/jobs/{job['id']}/applications",
        {
            "candidate": _new_candidate("sq@example.com"),
            "screening_question_answers": [
                {"question_id": question["id"], "answer": option["id"]},
                {"question_id": "26vafvWSRmbhNcxJYqjCzuJg", "answer": "ignored"},
            ],
        },
    )
    assert right.status_code == 200, right.text
    assert [w["message"] for w in right.json()["warnings"]] == [
        "The screening question '26vafvWSRmbhNcxJYqjCzuJg' is not a question of this job; skipped."
    ]
    answers = _application(world, right.json()["data"]["id"])["screening_question_answers"]
    assert [(a["question"]["remote_id"], a["answer"]) for a in answers] == [
        (question["remote_id"], {"choice": option["name"]})
    ]
    _assert_sync_finds_nothing_new(engine, world)


# --- the other actions -----------------------------------------------------------------------------


def test_move_reject_and_note(engine: Engine, world: World, sdk: Kombo) -> None:
    application = _pending_application(world)
    job = next(j for j in world.walk("/ats/jobs") if j["id"] == application["job"]["id"])
    target = next(s for s in job["stages"] if s["id"] != application["current_stage"]["id"])
    sdk.ats.move_application_to_stage(application_id=application["id"], stage_id=target["id"])
    moved = _application(world, application["id"])
    assert moved["current_stage"]["id"] == target["id"]
    assert moved["changed_at"] > application["changed_at"]
    _assert_sync_finds_nothing_new(engine, world)

    reason = world.walk("/ats/rejection-reasons")[0]
    sdk.ats.reject_application(application_id=application["id"], rejection_reason_id=reason["id"], note="Not now.")
    rejected = _application(world, application["id"])
    assert (rejected["outcome"], rejected["rejection_reason_name"]) == ("DECLINED", reason["name"])
    assert rejected["rejected_at"] is not None

    sdk.ats.add_application_note(application_id=application["id"], content="Great call.", content_type="PLAIN_TEXT")
    notes = world.walk("/ats/notes", application_ids=application["id"])
    assert {n["content_html"] for n in notes} >= {"Great call.", "Not now."}
    _assert_sync_finds_nothing_new(engine, world)


def test_attachments_result_links_and_tags(engine: Engine, world: World, sdk: Kombo) -> None:
    application = _pending_application(world)
    candidate_id = application["candidate"]["id"]
    file = {
        "name": "report.txt",
        "type": "OTHER",
        "content_type": "text/plain",
        "data": base64.b64encode(b"hello").decode(),
    }
    sdk.ats.add_application_attachment(application_id=application["id"], attachment=file)  # type: ignore[arg-type]
    sdk.ats.add_candidate_attachment(candidate_id=candidate_id, attachment={**file, "name": "cand.txt"})  # type: ignore[arg-type]
    names = {f["file_name"] for f in world.walk("/ats/attachments", candidate_ids=candidate_id)}
    assert {"report.txt", "cand.txt"} <= names

    sdk.ats.add_application_result_link(
        application_id=application["id"],
        label="Assessment",
        url="https://assess.example/r/1",
        details={"custom_field_name_prefix": "Acme:", "attributes": [{"key": "Score", "value": "93"}]},
    )
    served = _application(world, application["id"])
    assert served["custom_fields"]["Acme: Score"] == "93"
    notes = world.walk("/ats/notes", application_ids=application["id"])
    assert any("https://assess.example/r/1" in (n["content_html"] or "") for n in notes)
    sdk.ats.add_candidate_result_link(candidate_id=candidate_id, label="Profile", url="https://assess.example/c/1")

    sdk.ats.add_candidate_tag(candidate_id=candidate_id, tag={"name": "Brand New Tag"})
    tags = [t["name"] for t in _candidate(world, candidate_id)["tags"]]
    assert "Brand New Tag" in tags
    assert "Brand New Tag" in {t["name"] for t in world.walk("/ats/tags")}
    sdk.ats.remove_candidate_tag(candidate_id=candidate_id, tag={"name": "Brand New Tag"})
    sdk.ats.remove_candidate_tag(candidate_id=candidate_id, tag={"name": "Never Had It"})  # succeeds (Kombo)
    assert "Brand New Tag" not in [t["name"] for t in _candidate(world, candidate_id)["tags"]]
    _assert_sync_finds_nothing_new(engine, world)


def test_interviews_are_created_and_updated(engine: Engine, world: World) -> None:
    application = _pending_application(world)
    users = world.walk("/ats/users")
    body = {
        "title": "Technical interview",
        "start_time": "2027-01-05T10:00:00.000Z",
        "end_time": "2027-01-05T11:00:00.000Z",
        "interviewer_user_ids": [users[0]["id"]],
        "organizer_user_id": users[1]["id"],
        "location": {"type": "VIRTUAL", "address": "https://meet.example/abc"},
    }
    created = _post(world, "POST", f"/ats/applications/{application['id']}/interviews", body)
    assert created.status_code == 200, created.text
    validate("/ats/applications/{application_id}/interviews", created.json(), 200, "post")
    interviews = [
        i for i in world.walk("/ats/interviews") if i["application"] and i["application"]["id"] == application["id"]
    ]
    new = next(i for i in interviews if i["title"] == "Technical interview")
    assert {u["id"] for u in new["users"]} == {users[0]["id"], users[1]["id"]}
    updated = _post(
        world,
        "PATCH",
        f"/ats/applications/{application['id']}/interviews",
        {
            **body,
            "interview_id": new["id"],
            "title": "Technical interview (moved)",
            "start_time": "2027-01-06T10:00:00.000Z",
            "end_time": "2027-01-06T11:00:00.000Z",
        },
    )
    assert updated.status_code == 200, updated.text
    moved = next(i for i in world.walk("/ats/interviews") if i["id"] == new["id"])
    assert (moved["title"], moved["starting_at"]) == ("Technical interview (moved)", "2027-01-06T10:00:00.000Z")
    _assert_sync_finds_nothing_new(engine, world)


def test_import_tracked_application(world: World) -> None:
    application = _pending_application(world)
    answer = _post(
        world,
        "POST",
        "/ats/import-tracked-application",
        {
            "tracked_at": "2026-12-01T00:00:00.000Z",
            "sandbox": {"id_type": "application_remote_id", "application_remote_id": application["remote_id"]},
        },
    )
    assert answer.status_code == 200, answer.text
    validate("/ats/import-tracked-application", answer.json(), 200, "post")
    assert answer.json()["data"]["id"] == application["id"]
    wrong_tool = _post(
        world, "POST", "/ats/import-tracked-application", {"tracked_at": None, "lever": {"application_id": "x"}}
    )
    assert wrong_tool.status_code == 400 and "sandbox" in wrong_tool.json()["error"]["message"]


def test_sandbox_advance_keeps_what_was_written(engine: Engine, world: World, sdk: Kombo) -> None:
    job = _open_job(world)
    created = sdk.ats.create_application(job_id=job["id"], candidate=_new_candidate("kept@example.com")).data
    advance(engine, world.integration_id, 2)
    result = SyncEngine(engine).run(world.integration_id)
    assert result.state == SyncState.SUCCEEDED, result.error
    still = _application(world, created.id)
    assert still["remote_deleted_at"] is None and still["candidate"]["first_name"] == "Ada"


# --- idempotency -----------------------------------------------------------------------------------


def test_a_repeat_with_the_same_idempotency_key_answers_the_first_result(engine: Engine, world: World) -> None:
    job = _open_job(world)
    path = f"/ats/jobs/{job['id']}/applications"
    body = {"candidate": _new_candidate("once@example.com")}
    first = _post(world, "POST", path, body, **{"Idempotency-Key": "key-1"})
    again = _post(world, "POST", path, body, **{"Idempotency-Key": "key-1"})
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    applications = [
        a
        for a in world.walk("/ats/applications")
        if a["candidate"] and a["candidate"]["id"] == first.json()["data"]["candidate_id"]
    ]
    assert len(applications) == 1
    other = _post(
        world, "POST", path, {"candidate": _new_candidate("other@example.com")}, **{"Idempotency-Key": "key-1"}
    )
    assert other.status_code == 409 and "different request" in other.json()["error"]["message"]
    # A refusal is remembered too: the same request under the same key is not tried again.
    refused = _post(world, "POST", path, body, **{"Idempotency-Key": "key-2"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "ATS.APPLICATION_ALREADY_EXISTS"
    assert _post(world, "POST", path, body, **{"Idempotency-Key": "key-2"}).json() == refused.json()


def test_every_action_is_recorded_without_its_body(engine: Engine, world: World, sdk: Kombo) -> None:
    application = _pending_application(world)
    sdk.ats.add_application_note(application_id=application["id"], content="secret words", content_type="PLAIN_TEXT")
    with read_tx(engine) as conn:
        rows = conn.execute(select(actions).where(actions.c.integration_id == world.integration_id)).all()
    assert [(r.action, r.state, r.status_code, r.target_id) for r in rows] == [
        ("ats_add_application_note", "SUCCEEDED", 200, application["id"])
    ]
    assert rows[0].api_key_prefix == world.tenant.api_key[:8]
    assert "secret words" not in (rows[0].response or "")


# --- errors ----------------------------------------------------------------------------------------


INVALID_BODIES: list[tuple[dict[str, Any], str]] = [
    ({}, "candidate"),
    ({"candidate": {"first_name": "A", "last_name": "B"}}, "candidate.email_address"),
    (
        {"candidate": {"first_name": "A", "last_name": "B", "email_address": "not-an-email"}},
        "candidate.email_address",
    ),
    ({"candidate": {**_new_candidate(), "location": {"country": "gb"}}}, "candidate.location.country"),
    ({"candidate": _new_candidate(), "colour": "blue"}, "colour"),
    (
        {"candidate": _new_candidate(), "attachments": [{"name": "x.pdf", "type": "CV", "data": "AAAA"}]},
        "attachments.0.content_type",
    ),
    (
        {
            "candidate": _new_candidate(),
            "attachments": [{"name": "x", "type": "CV", "content_type": "application/octet-stream", "data": "AAAA"}],
        },
        "attachments.0.content_type",
    ),
    (
        {
            "candidate": _new_candidate(),
            "attachments": [{"name": "x", "type": "CV", "content_type": "text/plain", "data": "%%%"}],
        },
        "attachments.0.data",
    ),
]


def test_invalid_input_is_refused_naming_the_field(world: World) -> None:
    job = _open_job(world)
    before = len(world.walk("/ats/applications"))
    for body, field in INVALID_BODIES:
        response = _post(world, "POST", f"/ats/jobs/{job['id']}/applications", body)
        assert response.status_code == 400, response.text
        validate("/ats/jobs/{job_id}/applications", response.json(), 400, "post")
        error = response.json()["error"]
        assert error["code"] == "PLATFORM.INPUT_INVALID" and f"'{field}" in error["message"], (field, error)
    assert len(world.walk("/ats/applications")) == before


def test_what_the_tool_cannot_write_is_refused_not_dropped(world: World) -> None:
    job = _open_job(world)
    response = _post(
        world, "POST", f"/ats/jobs/{job['id']}/applications", {"candidate": {**_new_candidate(), "gender": "FEMALE"}}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INTEGRATION.ACTION_NOT_AVAILABLE"
    assert "candidate.gender" in response.json()["error"]["message"]


def test_records_that_do_not_exist_or_do_not_fit(world: World) -> None:
    application = _pending_application(world)
    unknown = _post(world, "PUT", "/ats/applications/26vafvWSRmbhNcxJYqjCzuJg/stage", {"stage_id": "x"})
    assert unknown.status_code == 404 and "application" in unknown.json()["error"]["message"]
    other_job = next(j for j in world.walk("/ats/jobs") if j["id"] != application["job"]["id"] and j["stages"])
    foreign = _post(
        world, "PUT", f"/ats/applications/{application['id']}/stage", {"stage_id": other_job["stages"][0]["id"]}
    )
    assert foreign.status_code == 400 and "not a stage" in foreign.json()["error"]["message"]
    closed = next((j for j in world.walk("/ats/jobs") if j["status"] != "OPEN"), None)
    if closed is not None:
        refused = _post(
            world, "POST", f"/ats/jobs/{closed['id']}/applications", {"candidate": _new_candidate("c@example.com")}
        )
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "ATS.JOB_CLOSED"


def test_a_disabled_integration_takes_no_action(engine: Engine, world: World) -> None:
    application = _pending_application(world)
    with write_tx(engine) as conn:
        tenancy.set_enabled(conn, world.integration_id, False)
    body = {"content": "x", "content_type": "PLAIN_TEXT"}
    response = _post(world, "POST", f"/ats/applications/{application['id']}/notes", body)
    assert response.status_code == 403 and response.json()["error"]["code"] == "INTEGRATION.INACTIVE"


ACTION_ROUTES = [
    ("POST", "/ats/jobs/{id}/applications"),
    ("POST", "/ats/candidates"),
    ("PUT", "/ats/applications/{id}/stage"),
    ("POST", "/ats/applications/{id}/reject"),
    ("POST", "/ats/applications/{id}/notes"),
    ("POST", "/ats/applications/{id}/attachments"),
    ("POST", "/ats/candidates/{id}/attachments"),
    ("POST", "/ats/applications/{id}/result-links"),
    ("POST", "/ats/candidates/{id}/result-links"),
    ("POST", "/ats/candidates/{id}/tags"),
    ("DELETE", "/ats/candidates/{id}/tags"),
    ("POST", "/ats/applications/{id}/interviews"),
    ("PATCH", "/ats/applications/{id}/interviews"),
    ("POST", "/ats/import-tracked-application"),
    ("GET", "/ats/actions/ats_create_application"),
]


def test_tenancy_of_every_write_endpoint(engine: Engine, world: World) -> None:
    """Another environment's key reaches no integration of ours; no key is 401; nothing changes."""
    stranger = make_tenant(engine, "stranger")
    before = _snapshot(engine, world.integration_id)
    for method, route in ACTION_ROUTES:
        _refused_for_strangers(world, stranger.api_key, method, route.format(id="26vafvWSRmbhNcxJYqjCzuJg"))
    assert _snapshot(engine, world.integration_id) == before


def _refused_for_strangers(world: World, stranger_key: str, method: str, path: str) -> None:
    url = f"{world.server.base_url}{path}"
    foreign = httpx.request(
        method,
        url,
        json={},
        headers={"Authorization": f"Bearer {stranger_key}", "X-Integration-Id": world.integration_id},
    )
    assert foreign.status_code == 404 and foreign.json()["error"]["code"] == "PLATFORM.INTEGRATION_NOT_FOUND"
    anonymous = httpx.request(method, url, json={}, headers={"X-Integration-Id": world.integration_id})
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "PLATFORM.AUTHENTICATION_INVALID"


def test_action_metadata(world: World) -> None:
    for action in (
        "ats_create_application",
        "ats_create_candidate",
        "ats_add_application_attachment",
        "ats_add_candidate_attachment",
    ):
        response = world.get(f"/ats/actions/{action}")
        assert response.status_code == 200, response.text
        validate(f"/ats/actions/{action}", response.json())
        types = response.json()["data"]["attachment_restrictions"]["types"]
        assert types["CV"]["is_supported"] is True and types["CV"]["max_file_size_bytes"] == 256 * 1024
    assert world.get("/ats/actions/ats_fly_to_the_moon").status_code == 404


def test_sdk_raises_kombo_errors_for_refusals(world: World, sdk: Kombo) -> None:
    with pytest.raises(KomboAtsError) as caught:
        sdk.ats.move_application_to_stage(application_id="26vafvWSRmbhNcxJYqjCzuJg", stage_id="x")
    assert caught.value.data.error.code == "PLATFORM.INPUT_INVALID"


def test_write_action_coverage_follows_the_declaration(world: World) -> None:
    """GET /integrations/{id} and /tools/ats say which actions and fields the tool writes."""
    details = world.get(f"/integrations/{world.integration_id}").json()
    validate("/integrations/{integration_id}", details)
    actions_by_id = {entry["id"]: entry for entry in details["data"]["write_actions"]}
    create = actions_by_id["ats_create_application"]
    assert (create["coverage_status"], create["is_available"]) == ("SUPPORTED", True)
    fields = {field["id"]: field["coverage_status"] for field in create["fields"]}
    assert fields["candidate.phone_number"] == "SUPPORTED" and fields["candidate.gender"] == "UNSUPPORTED"
    tools = world.get("/tools/ats").json()["data"]["tools"]
    sandbox = next(tool for tool in tools if tool["id"] == "sandbox")
    assert {entry["id"] for entry in sandbox["coverage"]["write_actions"]} == set(actions_by_id)


def _refuse_inserts(engine: Engine, table: str) -> None:
    """Make the database refuse new rows of `table` (a disk-full stand-in), on either backend."""
    with write_tx(engine) as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql(
                f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} BEGIN SELECT RAISE(FAIL, 'refused'); END"
            )
        else:
            body = "BEGIN RAISE EXCEPTION 'refused'; END"
            conn.exec_driver_sql(f"CREATE FUNCTION refuse() RETURNS trigger AS $$ {body} $$ LANGUAGE plpgsql")
            conn.exec_driver_sql(
                f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION refuse()"
            )


def test_a_failed_write_back_says_the_action_happened_and_the_next_sync_stores_it(engine: Engine, world: World) -> None:
    application = _pending_application(world)
    _refuse_inserts(engine, "notes")
    body = {"content": "Kept at the source", "content_type": "PLAIN_TEXT"}
    answer = _post(world, "POST", f"/ats/applications/{application['id']}/notes", body, **{"Idempotency-Key": "wb"})
    assert answer.status_code == 500, answer.text
    assert "performed at the source" in answer.json()["error"]["message"]
    # A repeat gets the same answer and does not perform it again.
    again = _post(world, "POST", f"/ats/applications/{application['id']}/notes", body, **{"Idempotency-Key": "wb"})
    assert again.json() == answer.json() and again.headers["idempotent-replayed"] == "true"
    with write_tx(engine) as conn:
        conn.exec_driver_sql("DROP TRIGGER refuse_notes" + ("" if engine.dialect.name == "sqlite" else " ON notes"))
    assert SyncEngine(engine).run(world.integration_id).state == SyncState.SUCCEEDED
    notes = world.walk("/ats/notes", application_ids=application["id"])
    assert [n["content_html"] for n in notes].count("Kept at the source") == 1
