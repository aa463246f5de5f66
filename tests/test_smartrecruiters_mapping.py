"""SmartRecruiters mapping with concrete values.

No answer recorded from SmartRecruiters was reachable (spec §4.6): the payloads below are written for
these tests, modelled on the field lists of SmartRecruiters' API reference (Candidate, Assignment,
Application, Job, User, HiringProcess as its published Swagger names them; a candidate property's `value`
by type as its "Add/update candidate properties values" reference lists them), not copied from the vendor.
Each is checked against the connector's declared shape first, so a test cannot feed the mapping
something the connector would have refused.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from hirebridge.connectors.framework.payloads import Shape, check
from hirebridge.connectors.smartrecruiters import mapping, shapes
from hirebridge.model.records import EmailAddress, JobStatus, JobVisibility, Location, PhoneNumber, RemoteWorkStatus

Json = dict[str, Any]

CANDIDATE: Json = {
    "id": "5f8d3c2a1b0e4d0012a3b4c5",
    "internal": False,
    "firstName": "Witek",
    "lastName": "Pulawski",
    "email": "witek.pulawski@example.com",
    "phoneNumber": "+48 600 100 200",
    "createdOn": "2026-03-02T08:15:00.123Z",
    "updatedOn": "2026-04-11T17:02:09.500Z",
    "location": {
        "country": "Poland",
        "countryCode": "pl",
        "regionCode": "12",
        "region": "Malopolskie",
        "city": "Krakow",
    },
    "averageRating": 4,
    "tags": ["java"],
    "primaryAssignment": {
        "job": {"id": "job-aaa", "title": "Java Developer"},
        "status": "INTERVIEW",
        "subStatus": "First interview",
    },
    "secondaryAssignments": [{"job": {"id": "job-bbb", "title": "Tech Lead"}, "status": "NEW", "subStatus": None}],
}
# `/candidates/{id}/properties`: every property of the company, `value` where the candidate has one.
PROPERTIES: Json = {
    "content": [
        {"id": "p-notice", "label": "Notice period", "type": "TEXT", "value": "3 months"},
        {"id": "p-relocate", "label": "Willing to relocate", "type": "BOOLEAN", "value": False},
        {"id": "p-years", "label": "Years of Java", "type": "NUMBER", "value": 7},
        {"id": "p-level", "label": "Seniority", "type": "SINGLE_SELECT", "value": {"id": "lvl-3", "label": "Senior"}},
        {"id": "p-salary", "label": "Expected salary", "type": "CURRENCY", "value": {"code": "PLN", "value": 21000}},
        {"id": "p-start", "label": "Available from", "type": "DATE", "value": "2026-06-01T00:00:00.000Z"},
        {"id": "p-country", "label": "Citizenship", "type": "COUNTRY", "value": "pl"},
        {"id": "p-referrer", "label": "Referred by", "type": "USER"},
        {"id": "p-unlabelled", "type": "TEXT", "value": "kept by its id"},
    ]
}
PROCESS: Json = {
    "id": "hp-1",
    "name": "Default hiring process",
    "active": True,
    "subStatuses": {"IN_REVIEW": ["Screening"], "INTERVIEW": ["First interview", "Final interview"], "OFFERED": []},
}


def _checked(shape: Shape, raw: Json) -> Json:
    check("smartrecruiters", "test", shape, raw)
    return raw


def test_the_listing_paths_have_their_shapes() -> None:
    assert shapes.for_path("/candidates") is shapes.CANDIDATE
    assert shapes.for_path("https://api.smartrecruiters.com/candidates?pageId=x") is shapes.CANDIDATE
    assert shapes.for_path("/candidates/c1/jobs/j1") is shapes.APPLICATION
    assert shapes.for_path("/candidates/c1/properties") is shapes.CANDIDATE_PROPERTIES
    assert shapes.for_path("/configuration/withdrawal-reasons") is shapes.REASON
    with pytest.raises(KeyError):
        shapes.for_path("/candidates/c1/jobs/j1/status/history")  # not read by the connector


def test_a_user_with_the_administrator_role() -> None:
    raw = _checked(
        shapes.USER,
        {
            "id": "60f818625414a64b384c8705",
            "firstName": "Gabriel",
            "lastName": "Lira",
            "email": "gabriel.lira@example.com",
            "active": False,
            "systemRole": {"id": "ADMINISTRATOR"},
        },
    )
    user = mapping.map_user(raw)
    assert (user.remote_id, user.first_name, user.last_name, user.email) == (
        "60f818625414a64b384c8705",
        "Gabriel",
        "Lira",
        "gabriel.lira@example.com",
    )
    assert user.status == "INACTIVE"
    assert [(r.remote_id, r.unified_type) for r in user.system_roles] == [("ADMINISTRATOR", "ADMIN")]
    assert mapping.map_user({"id": "u2", "systemRole": {"id": "EMPLOYEE"}}).system_roles[0].unified_type is None


def test_rejection_and_withdrawal_reasons_are_rejection_reasons_kept_apart() -> None:
    raw = _checked(shapes.REASON, {"id": "r-1", "label": "Position filled"})
    rejection = mapping.map_reason(mapping.REJECTION_PREFIX, raw)
    withdrawal = mapping.map_reason(mapping.WITHDRAWAL_PREFIX, raw)
    assert (rejection.remote_id, rejection.name) == ("rejection:r-1", "Position filled")
    assert withdrawal.remote_id == "withdrawal:r-1"


def test_a_job() -> None:
    raw = _checked(
        shapes.JOB,
        {
            "id": "job-aaa",
            "title": "Java Developer",
            "refNumber": "REF-JD-1",
            "createdOn": "2026-01-02T10:00:00.000Z",
            "updatedOn": "2026-02-03T11:30:00.000Z",
            "department": {"id": "dep-1", "label": "Engineering"},
            "location": {"country": "Germany", "countryCode": "de", "city": "Berlin", "remote": True},
            "status": "SOURCING",
            "postingStatus": "INTERNAL",
        },
    )
    job = mapping.map_job(raw)
    assert (job.remote_id, job.name, job.job_code, job.department) == (
        "job-aaa",
        "Java Developer",
        "REF-JD-1",
        "Engineering",
    )
    assert job.status == JobStatus.OPEN and job.visibility == JobVisibility.INTERNAL
    assert job.remote_work_status == RemoteWorkStatus.REMOTE
    assert job.location == Location(city="Berlin", country="DE", raw="Berlin, Germany")
    assert job.remote_created_at == datetime(2026, 1, 2, 10, 0, tzinfo=UTC)
    assert job.remote_updated_at == datetime(2026, 2, 3, 11, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("CREATED", JobStatus.DRAFT),
        ("INTERVIEW", JobStatus.OPEN),
        ("FILLED", JobStatus.CLOSED),
        ("CANCELLED", JobStatus.CLOSED),
        ("ARCHIVED_SOMEDAY", "ARCHIVED_SOMEDAY"),  # one SmartRecruiters may add: passed through
    ],
)
def test_job_statuses(status: str, expected: str) -> None:
    job = mapping.map_job({"id": "j", "title": "t", "status": status, "location": {"remote": False}})
    assert job.status == expected
    assert job.remote_work_status == RemoteWorkStatus.ON_SITE


def test_a_jobs_pipeline_is_the_hiring_processs_sub_statuses_in_order() -> None:
    raw = _checked(shapes.HIRING_PROCESS, PROCESS)
    stages = mapping.map_stages("job-aaa", raw)
    assert [(s.remote_id, s.name, s.index) for s in stages] == [
        ("job-aaa:LEAD", "Lead", 0),
        ("job-aaa:NEW", "New", 1),
        ("job-aaa:IN_REVIEW:Screening", "Screening", 2),
        ("job-aaa:INTERVIEW:First interview", "First interview", 3),
        ("job-aaa:INTERVIEW:Final interview", "Final interview", 4),
        ("job-aaa:OFFERED", "Offered", 5),  # no sub-statuses: the status is the stage
        ("job-aaa:HIRED", "Hired", 6),
    ]
    assert {s.job_remote_id for s in stages} == {"job-aaa"}
    # Without a hiring process, the statuses alone.
    assert [s.name for s in mapping.map_stages("j", None)] == [
        "Lead",
        "New",
        "In review",
        "Interview",
        "Offered",
        "Hired",
    ]


def test_a_candidate_is_the_person() -> None:
    candidate = mapping.map_candidate(_checked(shapes.CANDIDATE, CANDIDATE), {"content": []})
    assert (candidate.remote_id, candidate.first_name, candidate.last_name) == (
        "5f8d3c2a1b0e4d0012a3b4c5",
        "Witek",
        "Pulawski",
    )
    assert candidate.email_addresses == (EmailAddress("witek.pulawski@example.com"),)
    assert candidate.phone_numbers == (PhoneNumber("+48 600 100 200"),)
    assert candidate.location == Location(
        city="Krakow", country="PL", raw="Krakow, Malopolskie, Poland", state="Malopolskie"
    )
    assert candidate.remote_url == "https://www.smartrecruiters.com/app/people/candidates/5f8d3c2a1b0e4d0012a3b4c5"
    assert candidate.remote_created_at == datetime(2026, 3, 2, 8, 15, 0, 123000, tzinfo=UTC)
    assert candidate.remote_updated_at == datetime(2026, 4, 11, 17, 2, 9, 500000, tzinfo=UTC)
    assert candidate.custom_fields == {}
    bare = mapping.map_candidate({"id": "c2", "email": None, "location": None}, None)
    assert (bare.email_addresses, bare.phone_numbers, bare.location) == ((), (), None)


def test_a_candidates_properties_with_a_value_are_its_custom_fields_by_label() -> None:
    candidate = mapping.map_candidate(
        _checked(shapes.CANDIDATE, CANDIDATE), _checked(shapes.CANDIDATE_PROPERTIES, PROPERTIES)
    )
    assert candidate.custom_fields == {
        "Notice period": "3 months",
        "Willing to relocate": False,  # a false value is a value
        "Years of Java": 7,
        "Seniority": "Senior",  # a single-select's value by its label
        "Expected salary": {"code": "PLN", "value": 21000},
        "Available from": "2026-06-01T00:00:00.000Z",
        "Citizenship": "pl",
        "p-unlabelled": "kept by its id",
    }  # "Referred by" has no value: not a custom field of this candidate
    # The listing entry and the properties are both kept: a stored candidate re-reads its jobs from it.
    assert candidate.remote_data is not None
    assert candidate.remote_data["primaryAssignment"]["job"]["id"] == "job-aaa"
    assert candidate.remote_data["properties"] == PROPERTIES["content"]


def test_a_candidates_assignments_name_its_applications_primary_first() -> None:
    assert [a["job"]["id"] for a in mapping.assignments(CANDIDATE)] == ["job-aaa", "job-bbb"]
    assert mapping.assignments({"id": "c", "primaryAssignment": None}) == []


def test_an_application_in_a_sub_status_is_at_that_stage() -> None:
    raw = _checked(
        shapes.APPLICATION,
        {
            "status": "INTERVIEW",
            "subStatus": "Final interview",
            "startsOn": None,
            "source": "LinkedIn",
            "reasonOfRejection": None,
            "reasonOfWithdrawal": None,
            "url": "https://www.smartrecruiters.com/app/people/candidates/c1/jobs/job-aaa",
        },
    )
    application = mapping.map_application("c1", "job-aaa", raw, mapping.pipeline(PROCESS))
    assert (application.remote_id, application.candidate_remote_id, application.job_remote_id) == (
        "c1:job-aaa",
        "c1",
        "job-aaa",
    )
    assert application.current_stage_remote_id == "job-aaa:INTERVIEW:Final interview"
    assert application.outcome == "PENDING" and application.rejection_reason_name is None
    assert application.remote_url == "https://www.smartrecruiters.com/app/people/candidates/c1/jobs/job-aaa"


@pytest.mark.parametrize(
    ("raw", "stage", "outcome", "reason"),
    [
        ({"status": "NEW"}, "j:NEW", "PENDING", None),
        ({"status": "OFFERED", "subStatus": None}, "j:OFFERED", "PENDING", None),
        ({"status": "HIRED"}, "j:HIRED", "HIRED", None),
        (
            {"status": "REJECTED", "reasonOfRejection": {"id": "r1", "label": "Position filled"}},
            None,
            "DECLINED",
            "Position filled",
        ),
        (
            {"status": "WITHDRAWN", "reasonOfWithdrawal": {"id": "w1", "label": "Accepted another offer"}},
            None,
            "DECLINED",
            "Accepted another offer",
        ),
        ({"status": "REJECTED"}, None, "DECLINED", None),  # rejected without a reason
        ({"status": "TRANSFERRED"}, None, "PENDING", None),
        # A sub-status the hiring process no longer has: no stage rather than a dangling one.
        ({"status": "IN_REVIEW", "subStatus": "Removed step"}, None, "PENDING", None),
    ],
)
def test_outcomes_and_stages_from_status_and_sub_status(
    raw: Json, stage: str | None, outcome: str, reason: str | None
) -> None:
    application = mapping.map_application("c", "j", _checked(shapes.APPLICATION, raw), mapping.pipeline(PROCESS))
    assert application.current_stage_remote_id == stage
    assert application.outcome == outcome
    assert application.rejection_reason_name == reason


def test_a_withdrawal_reason_is_not_read_for_a_rejection() -> None:
    raw = {"status": "REJECTED", "reasonOfWithdrawal": {"id": "w1", "label": "Salary expectations"}}
    assert mapping.map_application("c", "j", raw, mapping.pipeline(PROCESS)).rejection_reason_name is None
