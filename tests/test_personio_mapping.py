"""Personio mapping on payloads modelled on the v2 recruiting reference (tests/fixtures/personio, see its
README: written from the documented field lists, not recorded): concrete unified values per rule."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hirebridge.connectors.framework.errors import MappingError
from hirebridge.connectors.framework.payloads import check
from hirebridge.connectors.personio import mapping, shapes
from hirebridge.model.records import EmailAddress, EmploymentType, JobStatus, Location, PhoneNumber, Raw, SocialMedia

pytestmark = pytest.mark.fast  # pure: no database, subprocess or socket

FIXTURES = Path(__file__).parent / "fixtures/personio"
LISTINGS = ("jobs", "categories", "candidates", "applications")


def load(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def record(name: str, record_id: str) -> dict[str, Any]:
    return copy.deepcopy(next(r for r in load(name)["_data"] if r["id"] == record_id))


@pytest.mark.parametrize("name", LISTINGS)
def test_every_listing_has_its_declared_shape(name: str) -> None:
    path = f"/v2/recruiting/{name}"
    for raw in load(name)["_data"]:
        check("personio", path, shapes.for_path(path), raw)
    # A followed next href (absolute, with a cursor) finds the same shape.
    assert shapes.for_path(load("candidates")["_meta"]["links"]["next"]["href"]) is shapes.CANDIDATE


def test_a_job_with_its_category_office_and_department() -> None:
    job = mapping.map_job(record("jobs", "1543275"))
    assert (job.remote_id, job.name) == ("1543275", "Senior Backend Engineer (m/f/d)")
    assert (job.status, job.department, job.category) == (JobStatus.OPEN, "Engineering", "Tech")
    assert job.employment_type == Raw("permanent")  # permanent says nothing of full or part time
    assert job.location == Location(raw="Munich")
    assert job.remote_created_at == datetime(2026, 1, 12, 9, 30, tzinfo=UTC)
    assert job.remote_updated_at == datetime(2026, 3, 5, 16, 2, 11, tzinfo=UTC)


def test_an_archived_internship_with_personios_timestamp_objects() -> None:
    job = mapping.map_job(record("jobs", "1543290"))
    assert (job.status, job.employment_type) == (JobStatus.ARCHIVED, EmploymentType.INTERNSHIP)
    assert (job.department, job.location) == (None, None)
    assert job.remote_created_at == datetime(2025, 10, 1, 8, 0, tzinfo=UTC)
    assert job.remote_updated_at == datetime(2026, 2, 1, 12, 0, tzinfo=UTC)


def test_a_jobs_stages_are_its_categorys_with_system_phases_known_by_type() -> None:
    stages = load("categories")["_data"][0]["stages"]
    mapped = [mapping.map_stage("1543275", raw, index) for index, raw in enumerate(stages)]
    assert [(s.remote_id, s.name, s.index) for s in mapped[:4]] == [
        ("1543275:unassigned", "Unassigned", 0),
        ("1543275:88121", "CV screening", 1),
        ("1543275:88122", "Coding challenge", 2),
        ("1543275:offer", "Offer", 3),
    ]
    assert {s.job_remote_id for s in mapped} == {"1543275"}
    assert mapped[-1].remote_id == "1543275:withdrawn"


def test_a_candidate_with_its_system_attributes_as_custom_fields() -> None:
    candidate = mapping.map_candidate(record("candidates", "30178842"))
    assert (candidate.first_name, candidate.last_name) == ("Lena", "Hoffmann")
    assert candidate.email_addresses == (EmailAddress("Lena.Hoffmann@example.org"),)
    assert candidate.phone_numbers == (PhoneNumber("+49 89 1234567"),)
    assert candidate.social_media == (SocialMedia(link="https://www.linkedin.com/in/lena-hoffmann", type="linkedin"),)
    assert candidate.location == Location(raw="Munich, Germany")
    assert candidate.custom_fields == {
        "gender": "female",
        "birthday": "1994-05-17",
        "available_from": "2026-07-01",
        "salary_expectations": "75k EUR",
    }
    assert candidate.remote_updated_at == datetime(2026, 3, 4, 8, 0, tzinfo=UTC)


def test_a_candidate_without_optional_attributes_has_empty_fields() -> None:
    candidate = mapping.map_candidate(record("candidates", "30178843"))
    assert (candidate.phone_numbers, candidate.social_media, candidate.location, candidate.custom_fields) == (
        (),
        (),
        None,
        {},
    )


def test_an_application_in_a_custom_stage_is_pending() -> None:
    application = mapping.map_application(record("applications", "495039"))
    assert (application.candidate_remote_id, application.job_remote_id) == ("30178842", "1543275")
    assert (application.current_stage_remote_id, application.outcome) == ("1543275:88122", "PENDING")
    assert application.remote_created_at == datetime(2026, 3, 4, 8, 0, tzinfo=UTC)
    assert application.remote_updated_at == datetime(2026, 3, 6, 14, 20, tzinfo=UTC)


def test_outcome_follows_the_current_stages_type() -> None:
    rejected = mapping.map_application(record("applications", "495021"))
    assert (rejected.current_stage_remote_id, rejected.outcome) == ("1543275:rejected", "DECLINED")
    accepted = mapping.map_application(record("applications", "495007"))
    assert (accepted.current_stage_remote_id, accepted.outcome) == ("1543290:accepted", "HIRED")
    assert accepted.remote_updated_at == datetime(2026, 2, 27, 16, 45, tzinfo=UTC)
    withdrawn = record("applications", "495021")
    withdrawn["current_stage"] = {"id": None, "kind": "system", "name": "Withdrawn", "type": "withdrawn"}
    offer = record("applications", "495021")
    offer["current_stage"] = {"id": None, "kind": "system", "name": "Offer", "type": "offer"}
    assert [mapping.map_application(r).outcome for r in (withdrawn, offer)] == ["DECLINED", "PENDING"]


def test_an_application_of_another_shape_is_a_mapping_error_naming_the_field() -> None:
    broken = record("applications", "495039")
    broken["current_stage"] = "Coding challenge"
    with pytest.raises(MappingError, match="current_stage"):
        check("personio", "/v2/recruiting/applications", shapes.APPLICATION, broken)
