"""Workable mapping on the vendor's own answers (fixtures/workable, recorded from a Workable demo
account): concrete unified values per rule."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hirebridge.connectors.framework.payloads import check
from hirebridge.connectors.workable import mapping, shapes
from hirebridge.model.records import (
    EmailAddress,
    JobStatus,
    Location,
    PhoneNumber,
    RemoteWorkStatus,
    SocialMedia,
    SystemRole,
)

pytestmark = pytest.mark.fast  # pure: no database, subprocess or socket

# The recorded answers, copied from ../shared/fixtures/workable so the suite runs from any checkout.
FIXTURES = Path(__file__).parent / "fixtures/workable"
AE = "9CD658E13E"  # the shortcode of the account's "Account Executive" job
# Fixtures that map to no record through the listings the connector reads, and why.
NOT_MAPPED = {
    "stages": "the account's pipeline: the lookup from a stage's name to its slug",
    "rate_limit_headers.observed": "response headers, not a record",
}


def load(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def rows() -> list[dict[str, Any]]:
    return [*load("candidates")["candidates"], *load("candidates.last_page")["candidates"]]


def row(candidate_id: str) -> dict[str, Any]:
    return next(c for c in rows() if c["id"] == candidate_id)


SLUGS = {s["name"]: s["slug"] for s in load("stages")["stages"]}


def test_every_fixture_is_mapped_or_explained() -> None:
    mapped = {
        "members", "disqualification_reasons", "jobs", "job", "job_stages", "candidates", "candidates.last_page",
        "candidate", "candidate_activities", "candidate_offer", "events",
    }  # fmt: skip
    assert {p.name.removesuffix(".json") for p in FIXTURES.glob("*.json")} == mapped | set(NOT_MAPPED)


@pytest.mark.parametrize(
    ("name", "path", "records"),
    [
        ("members", "/members", "members"),
        ("disqualification_reasons", "/disqualification_reasons", None),
        ("jobs", "/jobs", "jobs"),
        ("stages", "/stages", "stages"),
        ("job_stages", f"/jobs/{AE}/stages", "stages"),
        ("candidates", "/candidates", "candidates"),
        ("candidates.last_page", "https://kit.workable.com/spi/v3/candidates?since_id=2727030b", "candidates"),
        ("candidate_activities", "/candidates/27273038/activities", "activities"),
        ("events", "/events", "events"),
    ],
)
def test_every_recorded_answer_has_its_declared_shape(name: str, path: str, records: str | None) -> None:
    body = load(name)
    for record in body if records is None else body[records]:
        check("workable", path, shapes.for_path(path), record)


def test_the_detail_and_offer_answers_have_the_list_shapes() -> None:
    check("workable", "/candidates", shapes.for_path("/candidates"), load("candidate")["candidate"])
    check("workable", "/candidates/27273038", shapes.for_path("/candidates/27273038"), load("candidate"))
    check("workable", "/candidates/27273038", shapes.for_path("/candidates/27273038"), {"candidate": MODELLED_DETAIL})
    check("workable", "/jobs", shapes.for_path("/jobs"), load("job"))
    check(
        "workable", "/candidates/27270275/offer", shapes.for_path("/candidates/27270275/offer"), load("candidate_offer")
    )


def test_members_are_users_with_their_ats_role() -> None:
    admin, simple, *_ = [mapping.map_member(m) for m in load("members")["members"]]
    assert (admin.remote_id, admin.first_name, admin.last_name, admin.email, admin.status) == (
        "1f395d",
        "Nango",
        "Developer",
        "api@nango.dev",
        "ACTIVE",
    )
    assert admin.system_roles == (SystemRole("admin", "admin", "ADMIN"),)
    assert simple.system_roles == (SystemRole("simple", "simple", None),)
    assert mapping.map_member({**load("members")["members"][1], "active": False}).status == "INACTIVE"


def test_disqualification_reasons_are_rejection_reasons() -> None:
    reasons = [mapping.map_disqualification_reason(r) for r in load("disqualification_reasons")]
    assert (reasons[0].remote_id, reasons[0].name) == ("b29c63", "Doesn't have required qualifications")
    assert len(reasons) == 15


def test_a_job_is_known_by_its_shortcode() -> None:
    job = mapping.map_job(load("jobs")["jobs"][0])
    assert (job.remote_id, job.name, job.job_code, job.confidential, job.department) == (
        AE,
        "Account Executive",
        "GB/09/AE",
        False,
        None,
    )
    assert job.status == JobStatus.CLOSED and job.remote_work_status == RemoteWorkStatus.ON_SITE
    assert (job.salary_amount_from, job.salary_amount_to, job.salary_currency) == (60000, 80000, "GBP")
    assert job.location == Location(
        city="London", country="United Kingdom", raw="London, United Kingdom", zip_code="2142"
    )
    assert job.post_url == "https://nangodev.workable.com/jobs/5986327"
    assert job.remote_created_at == datetime(2026, 3, 25, tzinfo=UTC)
    assert job.remote_updated_at == datetime(2026, 7, 23, 18, 58, 17, tzinfo=UTC)
    # The detail's location has no `location_str`; states Kombo has no value for pass through as they are.
    assert mapping.map_job(load("job")).location == Location(city="London", country="United Kingdom", zip_code="2142")
    assert mapping.map_job({**load("job"), "state": "published"}).status == JobStatus.OPEN
    assert mapping.map_job({**load("job"), "state": "on_hold"}).status == "on_hold"


def test_a_jobs_stages_are_its_pipeline_by_slug_in_position_order() -> None:
    stages = [mapping.map_stage(AE, s) for s in load("job_stages")["stages"]]
    assert [(s.remote_id, s.name, s.index, s.job_remote_id) for s in stages[:2]] == [
        (f"{AE}:sourced", "Sourced", 0, AE),
        (f"{AE}:applied", "Applied", 1, AE),
    ]
    assert stages[-1].remote_id == f"{AE}:hired" and stages[-1].index == 6


def test_a_workable_candidate_is_a_candidate() -> None:
    candidate = mapping.map_candidate(row("27270275"))
    assert (candidate.remote_id, candidate.first_name, candidate.last_name, candidate.title, candidate.source) == (
        "27270275",
        "Elvie",
        "Schmidt",
        "Sales Executive",
        "twitter.com",
    )
    assert candidate.email_addresses == (EmailAddress("elvie_schmidt@samplecandidate.com"),)
    assert candidate.phone_numbers == (PhoneNumber("+18579909675"),)
    assert candidate.location == Location(raw="1007 Dakota Glen, 18470 Jackelineburgh, UK")
    assert candidate.remote_url == "https://nangodev.workable.com/backend/jobs/5986327/candidates/656866723"
    assert candidate.remote_created_at == datetime(2026, 4, 11, 3, 36, 38, tzinfo=UTC)
    # The detail (a sourced candidate without phone or address) maps the same way.
    detail = mapping.map_candidate(load("candidate")["candidate"])
    assert (detail.first_name, detail.phone_numbers, detail.location) == ("Nango", (), None)


# A detail with the keys the recording leaves empty, modelled (not recorded): `social_profiles` as
# Workable's reference lists them, `custom_attributes` on the attributes' definitions and their update
# endpoint (the reference does not print the detail's; docs/connectors/workable.md).
MODELLED_DETAIL = {
    **load("candidate")["candidate"],
    "phone": "+30 210 000 0000",
    "social_profiles": [
        {"type": "linkedin", "name": "LinkedIn", "username": "nangotestone", "url": "https://linkedin.com/in/nt"},
        {"type": "twitter", "name": "Twitter", "username": "nango_t", "url": None},
        {"type": "github", "name": "GitHub", "username": None, "url": None},  # nothing to link: left out
    ],
    "custom_attributes": [
        {"key": "4d7", "label": "Short description of yourself", "type": "short_text", "value": "Tester"},
        {"key": "4fe", "label": "Are you interested in this role?", "type": "boolean", "value": True},
        {"key": "4db", "label": None, "type": "numeric", "value": 3.5},  # no label: known by its key
        {"key": "52e", "label": "Please select an option", "type": "dropdown", "value": None},
    ],
}


def test_a_candidates_detail_adds_its_social_profiles_and_custom_attributes() -> None:
    detail = load("candidate")["candidate"]
    # Its row of the list, as the list shows it (its keys only), read before a headline change.
    listed = {k: v for k, v in detail.items() if k in row("27270275")} | {"headline": "QA Engineer"}
    assert "tags" not in listed and "outbound_mailbox" not in listed
    recorded = mapping.map_candidate(listed, detail)
    # The recorded detail has tags (names, not Kombo's tag records) and nothing else of its own.
    assert (recorded.social_media, recorded.custom_fields) == ((), {})
    # The detail, read after the row, wins; remote_data holds both.
    assert (recorded.remote_id, recorded.first_name, recorded.title) == ("27273038", "Nango", "Senior QA Engineer")
    assert recorded.email_addresses == (EmailAddress("nango.testone@example.com"),)
    merged = recorded.remote_data or {}
    assert merged["tags"] == ["nango", "priority"]
    assert merged["outbound_mailbox"] == "4eec8ayfccye@outbound.workablemail.com"
    assert mapping.map_candidate(listed).title == "QA Engineer"  # the row alone

    candidate = mapping.map_candidate(listed, MODELLED_DETAIL)
    assert candidate.social_media == (
        SocialMedia(link="https://linkedin.com/in/nt", type="linkedin", username="nangotestone"),
        SocialMedia(link=None, type="twitter", username="nango_t"),
    )
    assert candidate.custom_fields == {
        "Short description of yourself": "Tester",
        "Are you interested in this role?": True,
        "4db": 3.5,
        "Please select an option": None,
    }
    assert candidate.phone_numbers == (PhoneNumber("+30 210 000 0000"),)


def test_and_its_candidacy_for_the_job_is_its_application() -> None:
    application = mapping.map_application(row("27270275"), SLUGS)
    assert (application.remote_id, application.candidate_remote_id, application.job_remote_id) == (
        "27270275",
        "27270275",
        AE,
    )
    # The list names the stage by its display name ("Assessment"); its id is the job's and the slug's.
    assert application.current_stage_remote_id == f"{AE}:assessment"
    assert (application.outcome, application.rejection_reason_name) == ("PENDING", None)


def test_outcomes_hired_and_disqualified() -> None:
    hired = mapping.map_application(row("27270279"), SLUGS)
    assert (hired.outcome, hired.current_stage_remote_id) == ("HIRED", f"{AE}:hired")
    declined = mapping.map_application(row("27273190"), SLUGS)
    assert (declined.outcome, declined.rejection_reason_name) == ("DECLINED", "Doesn't have required experience")
    # A reason left on a candidate who is no longer disqualified is not a rejection.
    requalified = {**row("27273190"), "disqualified": False}
    assert mapping.map_application(requalified, SLUGS).rejection_reason_name is None
    # A stage the account's pipeline does not name: no stage rather than a wrong one.
    assert mapping.map_application({**row("27270275"), "stage": "Unknown"}, SLUGS).current_stage_remote_id is None


def test_comments_are_notes_and_other_activities_are_not() -> None:
    moves = load("candidate_activities")["activities"]
    assert [mapping.map_comment("27273038", a) for a in moves] == [None] * len(moves)
    # A comment as Workable's reference shows one (the recording holds moves only).
    comment = {
        "id": "90775157",
        "action": "comment",
        "stage_name": None,
        "created_at": "2026-07-23T20:41:40.000Z",
        "updated_at": "2026-07-23T20:41:40.000Z",
        "member": {"id": "1f395d", "name": "Nango Developer", "type": "Member"},
        "body": "Test comment from Nango dryrun",
    }
    note = mapping.map_comment("27273038", comment)
    assert note is not None
    assert (note.remote_id, note.candidate_remote_id, note.application_remote_id, note.author_remote_id) == (
        "90775157",
        "27273038",
        "27273038",
        "1f395d",
    )
    assert note.content_html == "Test comment from Nango dryrun"
    assert note.remote_created_at == datetime(2026, 7, 23, 20, 41, 40, tzinfo=UTC)


def test_events_with_a_candidate_are_interviews() -> None:
    events = load("events")["events"]
    interview = mapping.map_event(events[0])
    assert interview is not None
    assert (interview.remote_id, interview.application_remote_id, interview.title, interview.canceled) == (
        "10e0d9a",
        "27270276",
        "Skype call with Lennert Rossler",
        False,
    )
    assert interview.starting_at == datetime(2026, 4, 17, 3, 36, 46, tzinfo=UTC)
    assert interview.ending_at == datetime(2026, 4, 17, 4, 6, 46, tzinfo=UTC)
    assert interview.user_remote_ids == ("1f3961",)
    assert mapping.map_event({**events[0], "candidate": None}) is None


def test_an_offer_is_its_candidates_latest_with_document_variables_as_custom_fields() -> None:
    recorded = mapping.map_offer("27270275", load("candidate_offer"))
    assert (recorded.remote_id, recorded.application_remote_id, recorded.status, recorded.custom_fields) == (
        "27270275",
        "27270275",
        None,  # the recording has no state
        {},
    )
    # The reference's example of a full answer.
    documented = {
        "candidate": {"id": "3a2b35a4", "name": "James Jameson"},
        "created_at": "2021-06-10T13:43:40.442Z",
        "state": "accepted",
        "document_variables": [
            {"document_variable": {"name": "Start Date", "slug": "start_date"}, "value": {"body": "2021-07-01"}},
            {
                "document_variable": {"name": "Salary", "slug": "salary"},
                "value": {"data": {"amount": 2000, "frequency": "month", "currency_iso": "USD"}},
            },
        ],
    }
    offer = mapping.map_offer("3a2b35a4", documented)
    assert (offer.status, offer.employment_start_date) == ("ACCEPTED", datetime(2021, 7, 1, tzinfo=UTC))
    assert offer.custom_fields == {
        "Start Date": "2021-07-01",
        "Salary": {"amount": 2000, "frequency": "month", "currency_iso": "USD"},
    }
    assert offer.remote_created_at == datetime(2021, 6, 10, 13, 43, 40, 442000, tzinfo=UTC)
