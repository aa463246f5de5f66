"""The vendors' webhook formats as the connectors read them: which signatures verify (the algorithms
of the vendors' documentation, computed here independently), and which records each event names."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from hirebridge.connectors.registry import TOOLS, Ref, upstream_event

pytestmark = pytest.mark.fast  # pure: no database, socket or subprocess

SECRET = "8b943c474f5d1e1712f13e1a870b485c9b6b2b57"


def _hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _lever(event: str, data: dict[str, str], secret: str = SECRET) -> bytes:
    token, triggered = "a1b2c3d4e5", 1_733_529_600_123
    signature = _hex(secret, f"{token}{triggered}".encode())
    return json.dumps(
        {"triggeredAt": triggered, "event": event, "token": token, "signature": signature, "data": data}
    ).encode()


def test_lever_verifies_token_and_triggered_at_signed_with_any_of_the_signature_tokens() -> None:
    data = {"opportunityId": "opp-1", "candidateId": "opp-1", "contactId": "contact-1", "toStageId": "s"}
    body = _lever("candidateStageChange", data)
    event = upstream_event("lever", {}, body, SECRET)
    assert event is not None and event.name == "candidateStageChange"
    assert event.refs == (Ref("applications", "opp-1"), Ref("candidates", "contact-1"))
    # Lever shows one signature token per webhook: any of those stored verifies.
    assert upstream_event("lever", {}, body, f"other-token, {SECRET}") is not None
    assert upstream_event("lever", {}, _lever("candidateHired", data, "wrong"), SECRET) is None
    unsigned = json.loads(body)
    del unsigned["signature"]
    assert upstream_event("lever", {}, json.dumps(unsigned).encode(), SECRET) is None
    assert upstream_event("lever", {}, b"not json", SECRET) is None
    assert upstream_event("lever", {}, body, None) is None  # no secret stored: nothing verifies
    # An event HireBridge does not refetch for: verified, nothing to fetch.
    other = upstream_event("lever", {}, _lever("somethingNew", data), SECRET)
    assert other is not None and other.refs == ()


def test_ashby_verifies_the_raw_body_and_answers_its_ping() -> None:
    body = json.dumps(
        {
            "action": "applicationUpdate",
            "data": {"application": {"id": "app-1", "candidate": {"id": "cand-1"}, "status": "Active"}},
        }
    ).encode()
    header = {"ashby-signature": f"sha256={_hex(SECRET, body)}"}
    event = upstream_event("ashby", header, body, SECRET)
    assert event is not None and event.refs == (Ref("applications", "app-1"), Ref("candidates", "cand-1"))
    assert upstream_event("ashby", header, body.replace(b"app-1", b"app-2"), SECRET) is None  # tampered
    assert upstream_event("ashby", {}, body, SECRET) is None
    assert upstream_event("ashby", {"ashby-signature": _hex(SECRET, body)}, body, SECRET) is None  # no sha256=
    deleted = json.dumps({"action": "candidateDelete", "data": {"candidate": {"id": "cand-9"}}}).encode()
    event = upstream_event("ashby", {"ashby-signature": f"sha256={_hex(SECRET, deleted)}"}, deleted, SECRET)
    assert event is not None and event.refs == (Ref("candidates", "cand-9"),)
    ping = json.dumps({"action": "ping", "data": {"webhookActionType": "ping"}}).encode()
    event = upstream_event("ashby", {"ashby-signature": f"sha256={_hex(SECRET, ping)}"}, ping, SECRET)
    assert event is not None and event.name == "ping" and event.refs == ()


def test_recruitee_verifies_the_raw_body_and_names_the_candidate_and_its_placement() -> None:
    body = json.dumps(
        {
            "id": 901,
            "event_type": "candidate_moved",
            "event_subtype": "stage_changed",
            "payload": {
                "candidate": {"id": 47628534, "name": "Jasprit Bumrah"},
                "placement": {"id": 50538859},
                "details": {"from_stage": {"id": 1, "name": "Applied"}, "to_stage": {"id": 2, "name": "Interview"}},
            },
        }
    ).encode()
    event = upstream_event("recruitee", {"x-recruitee-signature": _hex(SECRET, body)}, body, SECRET)
    assert event is not None and event.name == "candidate_moved"
    assert event.refs == (Ref("applications", "50538859"), Ref("candidates", "47628534"))
    assert upstream_event("recruitee", {"x-recruitee-signature": _hex("wrong", body)}, body, SECRET) is None
    assert upstream_event("recruitee", {}, body, SECRET) is None
    tampered = body.replace(b"47628534", b"47628535")
    assert upstream_event("recruitee", {"x-recruitee-signature": _hex(SECRET, body)}, tampered, SECRET) is None
    deleted = json.dumps({"event_type": "candidate_deleted", "payload": {"candidate": {"id": 7}}}).encode()
    event = upstream_event("recruitee", {"x-recruitee-signature": _hex(SECRET, deleted)}, deleted, SECRET)
    assert event is not None and event.refs == (Ref("candidates", "7"),)
    other = json.dumps({"event_type": "offer_published", "payload": {"offer": {"id": 3}}}).encode()
    event = upstream_event("recruitee", {"x-recruitee-signature": _hex(SECRET, other)}, other, SECRET)
    assert event is not None and event.refs == ()


def test_greenhouse_verifies_the_raw_body_and_reads_numeric_ids() -> None:
    body = json.dumps(
        {
            "action": "candidate_hired",
            "payload": {"application": {"id": 69306314, "candidate_id": 57683957, "status": "hired"}},
        }
    ).encode()
    header = {"signature": f"sha256 {_hex(SECRET, body)}"}
    event = upstream_event("greenhouse", header, body, SECRET)
    assert event is not None and event.refs == (Ref("applications", "69306314"), Ref("candidates", "57683957"))
    assert upstream_event("greenhouse", {"signature": f"sha256={_hex(SECRET, body)}"}, body, SECRET) is None
    hired = json.dumps(
        {"action": "hire_candidate", "payload": {"application": {"id": 69306314, "candidate": {"id": 57683957}}}}
    ).encode()
    event = upstream_event("greenhouse", {"signature": f"sha256 {_hex(SECRET, hired)}"}, hired, SECRET)
    assert event is not None and event.refs == (Ref("applications", "69306314"), Ref("candidates", "57683957"))
    ping = json.dumps({"action": "ping", "payload": {"web_hook_id": 1}}).encode()
    event = upstream_event("greenhouse", {"signature": f"sha256 {_hex(SECRET, ping)}"}, ping, SECRET)
    assert event is not None and event.refs == ()


def test_smartrecruiters_verifies_the_worked_example_of_its_reference() -> None:
    """The example of SmartRecruiters' "Generate a secret key for a webhook subscription" reference: its
    key, headers and body give its signature (v1: HMAC-SHA256 of timestamp.body.event-id.event-name.
    event-version.link)."""
    body = b'{"job_id":"jid","candidate_id":"cid"}'
    headers = {
        "content-type": "application/json",
        "smartrecruiters-signature": "v1=2e9291f10d44ca10204a4cd81b05d73b6a316b2b605d4e2e0e0b37b40198ce1f",
        "smartrecruiters-timestamp": "1574080897",
        "event-id": "123",
        "link": "<http://smartrecruiters.com/endpoint>; rel=self",
        "event-name": "application.created",
        "event-version": "v201910",
    }
    key = "HeBVky2bccvvkcXPimH8c"
    event = upstream_event("smartrecruiters", headers, body, key)
    assert event is not None and event.refs == (Ref("applications", "cid:jid"),)
    # One signature per active key: any of them verifies; a key rotated out and a changed header do not.
    several = {**headers, "smartrecruiters-signature": f"v1={'0' * 64};{headers['smartrecruiters-signature']}"}
    assert upstream_event("smartrecruiters", several, body, key) is not None
    assert upstream_event("smartrecruiters", headers, body, "another-key") is None
    assert upstream_event("smartrecruiters", {**headers, "event-id": "124"}, body, key) is None
    assert upstream_event("smartrecruiters", {**headers, "smartrecruiters-timestamp": ""}, body, key) is None
    assert upstream_event("smartrecruiters", headers, body.replace(b"cid", b"cie"), key) is None
    # A signed body that names no application: verified, nothing to fetch.
    other = b'{"id":"sub-1"}'
    message = b".".join([b"1574080897", other, b"123", b"application.created", b"v201910", headers["link"].encode()])
    plain = {**headers, "smartrecruiters-signature": f"v1={_hex(key, message)}"}
    event = upstream_event("smartrecruiters", plain, other, key)
    assert event is not None and event.refs == ()


def test_workable_verifies_the_raw_body_with_the_account_token_and_reads_the_candidate() -> None:
    """X-Workable-Signature: the hex HMAC-SHA256 of the body; a Workable candidate is a candidate and
    its one application. The envelope is not documented: the candidate is found in the shapes the
    integrations that consume these webhooks read."""
    body = json.dumps(
        {"event_type": "candidate_moved", "data": {"id": "3fc9a80f", "stage": "Interview", "job": {"shortcode": "J1"}}}
    ).encode()
    event = upstream_event("workable", {"x-workable-signature": _hex(SECRET, body)}, body, SECRET)
    assert event is not None and event.name == "candidate_moved"
    assert event.refs == (Ref("applications", "3fc9a80f"), Ref("candidates", "3fc9a80f"))
    assert upstream_event("workable", {"x-workable-signature": _hex(SECRET, body)}, body + b" ", SECRET) is None
    assert upstream_event("workable", {"x-workable-signature": _hex("other", body)}, body, SECRET) is None
    assert upstream_event("workable", {}, body, SECRET) is None
    for shape in ({"data": {"candidate": {"id": "c-2"}}}, {"candidate": {"id": "c-2"}}, {"id": "c-2", "stage": "x"}):
        raw = json.dumps(shape).encode()
        event = upstream_event("workable", {"x-workable-signature": _hex(SECRET, raw)}, raw, SECRET)
        assert event is not None and event.refs == (Ref("applications", "c-2"), Ref("candidates", "c-2")), shape
    employee = json.dumps({"event_type": "employee_created", "data": {"id": "e-1"}}).encode()
    event = upstream_event("workable", {"x-workable-signature": _hex(SECRET, employee)}, employee, SECRET)
    assert event is not None and event.refs == ()


def _teamtailor(event: str, kind: str, remote_id: str, secret: str = SECRET) -> bytes:
    """A company webhook as partner.teamtailor.com shows it: the base64 of the hex HMAC of the payload."""
    payload = json.dumps(
        {"event_name": event, "data": {"id": remote_id, "type": kind, "attributes": {"updated-at": "2026-12-07"}}},
        separators=(",", ":"),
    )
    signature = base64.b64encode(_hex(secret, payload.encode()).encode()).decode()
    return f'{{"payload":{payload},"signature":"{signature}"}}'.encode()


def test_teamtailor_verifies_the_signature_in_the_body_over_the_payload() -> None:
    body = _teamtailor("job_application.update", "job-applications", "1337")
    event = upstream_event("teamtailor", {}, body, SECRET)
    assert event is not None and event.name == "job_application.update"
    assert event.refs == (Ref("applications", "1337"),)
    assert upstream_event("teamtailor", {}, body.replace(b'"1337"', b'"1338"'), SECRET) is None  # tampered
    assert upstream_event("teamtailor", {}, _teamtailor("candidate.update", "candidates", "1", "wrong"), SECRET) is None
    # The same payload laid out otherwise (spaces, keys reordered) verifies over its compact JSON.
    parsed = json.loads(body)
    reordered = json.dumps({"signature": parsed["signature"], "payload": parsed["payload"]}).encode()
    assert upstream_event("teamtailor", {}, reordered, SECRET) is not None
    hex_only = json.dumps({**parsed, "signature": base64.b64decode(parsed["signature"]).decode()}).encode()
    assert upstream_event("teamtailor", {}, hex_only, SECRET) is None  # not base64
    deleted = upstream_event("teamtailor", {}, _teamtailor("candidate.destroy", "candidates", "42"), SECRET)
    assert deleted is not None and deleted.refs == (Ref("candidates", "42"),)
    job = upstream_event("teamtailor", {}, _teamtailor("job.update", "jobs", "2"), SECRET)
    assert job is not None and job.refs == ()


def test_the_documented_teamtailor_signature_is_the_base64_of_a_hex_digest() -> None:
    """The one signature partner.teamtailor.com prints decodes to 64 hex digits: a hex HMAC-SHA256."""
    printed = "YzU1N2FhOTUwMjlkNTFiMGM5NjIxNTEyODc5NGY5ZjgxZWNkMmNkZTZhNmIxYmI2YmM3NmVmYmQ1ZGZiMDg0Zg=="
    decoded = base64.b64decode(printed).decode()
    assert len(decoded) == 64 and int(decoded, 16) >= 0


def test_only_the_tools_with_webhooks_declare_them() -> None:
    assert {tool for tool, declared in TOOLS.items() if declared.webhooks is not None} == {
        "lever",
        "ashby",
        "greenhouse",
        "workable",
        "teamtailor",
        "smartrecruiters",
        "recruitee",
    }
    assert upstream_event("sandbox", {}, b"{}", SECRET) is None
    for tool in ("lever", "ashby", "greenhouse", "workable", "teamtailor", "smartrecruiters", "recruitee"):
        assert "webhook_secret" in TOOLS[tool].config.secrets
