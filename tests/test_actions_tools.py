"""Every write action on every tool, through the official SDK against HireBridge in front of the tool's
emulator (the sandbox in-process), on both databases.

One journey per tool: each action its connector declares is performed and its result read back at
once; each action it does not declare is refused with INTEGRATION.ACTION_NOT_AVAILABLE; at the end a
FULL sync finds nothing new -- the rows the write-backs stored are the rows the sync reads.
tests/test_actions.py goes deeper on the shared semantics with the sandbox.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

import httpx
import pytest
from kombo import Kombo
from sqlalchemy import Engine

from hirebridge.connectors.registry import TOOLS
from hirebridge.model import actions as a
from hirebridge.model.coverage import CoverageStatus
from tests.conftest import Server
from tests.contract import validate
from tests.support import World, sdk_client
from tests.test_actions import _assert_sync_finds_nothing_new
from tests.tool_worlds import synced

PDF = b"%PDF-1.4\n% a test file\n"


def _request(world: World, method: str, path: str, body: Any) -> httpx.Response:
    return httpx.request(method, f"{world.server.base_url}{path}", json=body, headers=world.headers(), timeout=30)


def _refused(world: World, method: str, path: str, body: Any) -> None:
    response = _request(world, method, path, body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "INTEGRATION.ACTION_NOT_AVAILABLE"


def _candidate(support: a.ActionSupport, email: str) -> dict[str, Any]:
    """A new candidate with every optional field the tool writes (and no other)."""
    optional: dict[str, Any] = {
        "phone_number": "+49 30 1234567",
        "company": "Analytical Engines",
        "title": "Engineer",
        "location": {"country": "DE", "city": "Berlin"},
        "social_links": [{"url": "https://www.linkedin.com/in/ada"}],
        "additional_email_addresses": [{"type": "WORK", "email_address": f"work.{email}"}],
    }
    body = {"first_name": "Ada", "last_name": "Lovelace", "email_address": email}
    body |= {key: value for key, value in optional.items() if f"candidate.{key}" in support.fields}
    return body


def _one(world: World, path: str, record_id: str) -> dict[str, Any]:
    results: list[dict[str, Any]] = world.get(path, {"ids": record_id}).json()["data"]["results"]
    assert len(results) == 1, results
    return results[0]


@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_every_action_of_every_tool(engine: Engine, server: Server, tool: str) -> None:
    with synced(tool, engine, server) as world:
        rejected_at = TOOLS[tool].coverage.models["applications"].fields["rejected_at"] == CoverageStatus.SUPPORTED
        _journey(engine, world, sdk_client(world), TOOLS[tool].actions, rejected_at=rejected_at)


def _journey(
    engine: Engine, world: World, sdk: Kombo, actions: Mapping[str, a.ActionSupport], *, rejected_at: bool = True
) -> None:
    jobs = world.walk("/ats/jobs")
    job = next(j for j in jobs if j["status"] == "OPEN" and j["stages"])
    file = {"name": "cv.pdf", "content_type": "application/pdf", "data": base64.b64encode(PDF).decode()}

    # Create an application (with a new candidate).
    create = actions.get(a.CREATE_APPLICATION)
    path = f"/ats/jobs/{job['id']}/applications"
    if create is None:
        _refused(world, "POST", path, {"candidate": {"first_name": "A", "last_name": "B", "email_address": "a@b.io"}})
        application = next(x for x in world.walk("/ats/applications") if x["outcome"] == "PENDING" and x["job"])
    else:
        body: dict[str, Any] = {"candidate": _candidate(create, "ada.journey@example.com")}
        if "attachments" in create.fields:
            body["attachments"] = [{**file, "type": sorted(create.attachment_types)[0]}]
        response = _request(world, "POST", path, body)
        assert response.status_code == 200, response.text
        validate("/ats/jobs/{job_id}/applications", response.json(), 200, "post")
        application = response.json()["data"]
        assert application["job_id"] == job["id"]
        assert {e["email_address"] for e in application["candidate"]["email_addresses"]} >= {"ada.journey@example.com"}
        served = _one(world, "/ats/applications", application["id"])
        assert served["candidate"]["id"] == application["candidate_id"]
        twice = _request(world, "POST", path, body)
        assert twice.status_code == 409 and twice.json()["error"]["code"] == "ATS.APPLICATION_ALREADY_EXISTS", (
            twice.text
        )
    app_id, candidate_id = application["id"], application["candidate_id"]
    job = next(j for j in world.walk("/ats/jobs") if j["id"] == application["job_id"])

    # Legacy create: the candidate first.
    legacy = {"candidate": {"first_name": "Grace", "last_name": "Hopper", "email_address": "grace.journey@example.com"}}
    if a.CREATE_CANDIDATE in actions:
        candidate = sdk.ats.create_candidate(candidate=legacy["candidate"], application={"job_id": job["id"]}).data  # type: ignore[arg-type]
        assert [x.job.id if x.job else None for x in candidate.applications] == [job["id"]]
    else:
        _refused(world, "POST", "/ats/candidates", {**legacy, "application": {"job_id": job["id"]}})

    # Move to another stage of the job.
    stage = next((s for s in job["stages"] if s["id"] != application["current_stage_id"]), None)
    if a.MOVE_APPLICATION_STAGE in actions and stage is not None:
        sdk.ats.move_application_to_stage(application_id=app_id, stage_id=stage["id"])
        assert _one(world, "/ats/applications", app_id)["current_stage"]["id"] == stage["id"]
    elif stage is not None:
        _refused(world, "PUT", f"/ats/applications/{app_id}/stage", {"stage_id": stage["id"]})

    # A note.
    if a.ADD_APPLICATION_NOTE in actions:
        sdk.ats.add_application_note(application_id=app_id, content="Strong <b>yes</b>", content_type="PLAIN_TEXT")
        notes = world.walk("/ats/notes", candidate_ids=candidate_id)
        assert any("Strong" in (n["content_html"] or "") for n in notes), notes
    else:
        _refused(world, "POST", f"/ats/applications/{app_id}/notes", {"content": "x", "content_type": "PLAIN_TEXT"})

    # Attachments.
    for action, target, sdk_call in (
        (a.ADD_APPLICATION_ATTACHMENT, f"/ats/applications/{app_id}/attachments", "application"),
        (a.ADD_CANDIDATE_ATTACHMENT, f"/ats/candidates/{candidate_id}/attachments", "candidate"),
    ):
        support = actions.get(action)
        if support is None:
            _refused(world, "POST", target, {"attachment": {**file, "type": "OTHER"}})
            continue
        kind = "OTHER" if "OTHER" in support.attachment_types else sorted(support.attachment_types)[0]
        named = {**file, "name": f"{sdk_call}.pdf", "type": kind}
        if sdk_call == "application":
            sdk.ats.add_application_attachment(application_id=app_id, attachment=named)  # type: ignore[arg-type]
        else:
            sdk.ats.add_candidate_attachment(candidate_id=candidate_id, attachment=named)  # type: ignore[arg-type]
        names = {f["file_name"] for f in world.walk("/ats/attachments", candidate_ids=candidate_id)}
        assert f"{sdk_call}.pdf" in names, names

    # Result links.
    label, url = "Assessment", "https://assess.example/r/42"
    link = {"label": label, "url": url}
    if a.ADD_APPLICATION_RESULT_LINK in actions:
        sdk.ats.add_application_result_link(application_id=app_id, label=label, url=url)
    else:
        _refused(world, "POST", f"/ats/applications/{app_id}/result-links", link)
    if a.ADD_CANDIDATE_RESULT_LINK in actions:
        sdk.ats.add_candidate_result_link(candidate_id=candidate_id, label=label, url=url)
    else:
        _refused(world, "POST", f"/ats/candidates/{candidate_id}/result-links", link)

    # Tags.
    if a.ADD_CANDIDATE_TAG in actions:
        sdk.ats.add_candidate_tag(candidate_id=candidate_id, tag={"name": "Journey"})
        assert "Journey" in [t["name"] for t in _one(world, "/ats/candidates", candidate_id)["tags"]]
    else:
        _refused(world, "POST", f"/ats/candidates/{candidate_id}/tags", {"tag": {"name": "Journey"}})
    if a.REMOVE_CANDIDATE_TAG in actions:
        sdk.ats.remove_candidate_tag(candidate_id=candidate_id, tag={"name": "Journey"})
        assert "Journey" not in [t["name"] for t in _one(world, "/ats/candidates", candidate_id)["tags"]]
    else:
        _refused(world, "DELETE", f"/ats/candidates/{candidate_id}/tags", {"tag": {"name": "Journey"}})

    # An interview.
    users = world.walk("/ats/users")  # none for a tool without users (Personio's recruiting API)
    interview = {
        "title": "Journey interview",
        "start_time": "2027-02-01T09:00:00.000Z",
        "end_time": "2027-02-01T10:00:00.000Z",
        "interviewer_user_ids": [users[0]["id"]] if users else [],
        "location": {"type": "VIRTUAL"},
    }
    if users:
        interview["organizer_user_id"] = users[-1]["id"]
    if a.CREATE_INTERVIEW in actions:
        before = world.walk("/ats/interviews", application_ids=app_id)
        created = _request(world, "POST", f"/ats/applications/{app_id}/interviews", interview)
        assert created.status_code == 200, created.text
        # The title is the tool's where it names its own interviews (Ashby): count, and look at the time.
        after = world.walk("/ats/interviews", application_ids=app_id)
        assert len(after) == len(before) + 1, after
        new = next(i for i in after if i["id"] not in {b["id"] for b in before})
        assert (new["starting_at"], new["ending_at"]) == (interview["start_time"], interview["end_time"])
    else:
        _refused(world, "POST", f"/ats/applications/{app_id}/interviews", interview)

    # Reject, with a reason of the tool's.
    reasons = world.walk("/ats/rejection-reasons")
    if a.REJECT_APPLICATION in actions and reasons:
        note = "Not this time." if "note" in actions[a.REJECT_APPLICATION].fields else None
        sdk.ats.reject_application(application_id=app_id, rejection_reason_id=reasons[0]["id"], note=note)
        rejected = _one(world, "/ats/applications", app_id)
        assert rejected["outcome"] == "DECLINED", rejected
        # A tool whose coverage has no rejection time (Workable's list) serves none.
        assert (rejected["rejected_at"] is not None) == rejected_at, rejected
    elif reasons:
        _refused(world, "POST", f"/ats/applications/{app_id}/reject", {"rejection_reason_id": reasons[0]["id"]})

    _assert_sync_finds_nothing_new(engine, world)
