"""Teamtailor mapping on the vendor's own examples (fixtures/teamtailor, from Teamtailor's API docs):
concrete unified values per rule.

The docs' listings show relationships with `links` only (no `include=` was asked); where a rule
reads a relationship's linkage or an included resource, the test adds them to the recorded resource,
as a listing with `include=` answers, and says so.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hirebridge.connectors.framework.errors import MappingError
from hirebridge.connectors.framework.payloads import check
from hirebridge.connectors.teamtailor import mapping, shapes
from hirebridge.model.records import EmailAddress, JobStatus, PhoneNumber, RemoteWorkStatus, SocialMedia, SystemRole

pytestmark = pytest.mark.fast  # pure: no database, subprocess or socket

# Copied from ../shared/fixtures/teamtailor so the suite runs from any checkout.
FIXTURES = Path(__file__).parent / "fixtures/teamtailor"
LISTINGS = ("users", "reject-reasons", "jobs", "stages", "candidates", "job-applications")


def load(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def resource(name: str, resource_id: str) -> dict[str, Any]:
    data = load(name)["data"]
    found = next(r for r in data if r["id"] == resource_id) if isinstance(data, list) else data
    return copy.deepcopy(found)


def link(raw: dict[str, Any], name: str, data: Any) -> dict[str, Any]:
    """The resource as a listing that includes `name` shows it: the relationship with its linkage."""
    raw["relationships"].setdefault(name, {"links": {}})["data"] = data
    return raw


@pytest.mark.parametrize("name", LISTINGS)
def test_every_recorded_listing_has_its_declared_shape(name: str) -> None:
    path = f"/{name}"
    for record in load(name)["data"]:
        check("teamtailor", path, shapes.for_path(path), record)


def test_the_detail_answers_have_the_list_shapes_and_a_next_url_finds_its_shape() -> None:
    check("teamtailor", "/candidates", shapes.for_path("/candidates"), load("candidate")["data"])
    check("teamtailor", "/job-applications", shapes.for_path("/job-applications"), load("job-application")["data"])
    # `links.next` of the users listing: an absolute URL with page parameters.
    assert shapes.for_path(load("users")["links"]["next"]) is shapes.USER


def test_a_resource_without_attributes_is_a_mapping_error() -> None:
    with pytest.raises(MappingError, match="attributes"):
        check("teamtailor", "/users", shapes.USER, {"id": "1", "type": "users"})


def test_users_split_their_name_and_type_admins() -> None:
    erik = mapping.map_user(resource("users", "819"))
    assert (erik.remote_id, erik.first_name, erik.last_name, erik.email) == (
        "819",
        "Erik",
        "Andersson",
        "erik@example.com",
    )
    assert erik.system_roles == (SystemRole("admin", "admin", "ADMIN"),)
    richard = mapping.map_user(resource("users", "1801"))
    assert (richard.first_name, richard.last_name) == ("Richard", "Erik Johansson")
    assert richard.system_roles == (SystemRole("user", "user", None),)


def test_reject_reasons_are_named_by_their_reason() -> None:
    assert mapping.map_reject_reason(resource("reject-reasons", "1")).name == "Not a fit"


def test_jobs() -> None:
    job = mapping.map_job(resource("jobs", "7262"))
    assert (job.remote_id, job.name, job.description) == ("7262", "Marketing manager", "hello")
    assert (job.status, job.remote_work_status) == (JobStatus.OPEN, RemoteWorkStatus.TEMPORARY)
    assert job.post_url == "http://career.teamtailor.com/jobs/7262-marketing-manager"
    assert job.remote_created_at == datetime(2016, 11, 16, 23, 0, tzinfo=UTC)
    assert job.remote_updated_at is None  # the docs' example has no updated-at
    assert mapping.map_job(resource("jobs", "7263")).remote_work_status == RemoteWorkStatus.HYBRID
    archived = resource("jobs", "7263")
    archived["attributes"]["human-status"] = "archived"
    assert mapping.map_job(archived).status == JobStatus.ARCHIVED


def test_stages_belong_to_their_job() -> None:
    raw = link(resource("stages", "22508"), "job", {"type": "jobs", "id": "1426"})
    stage = mapping.map_stage(raw, 1)
    assert (stage.remote_id, stage.name, stage.job_remote_id, stage.index) == ("22508", "Reviewing", "1426", 1)
    assert mapping.map_stage(resource("stages", "22505"), 0).job_remote_id is None  # no linkage: not included


def test_candidates() -> None:
    john = mapping.map_candidate(resource("candidates", "576"), None)
    assert (john.remote_id, john.first_name, john.last_name, john.source) == ("576", "John", "Doe", "Teamtailor")
    assert john.email_addresses == (EmailAddress("candidate@example.com"),)
    assert john.phone_numbers == (PhoneNumber("07000000000"),)
    assert john.remote_created_at == datetime(2015, 4, 22, 17, 39, 32, 902000, tzinfo=UTC)
    assert john.remote_updated_at == datetime(2015, 4, 25, 19, 50, 2, 378000, tzinfo=UTC)
    assert (john.social_media, john.custom_fields) == ((), {})
    other = mapping.map_candidate(resource("candidates", "1106"), None)
    assert other.phone_numbers == ()  # "phone": ""
    assert other.social_media == (SocialMedia(link="https://www.linkedin.com/pub/johndoe", type="LINKEDIN"),)


def test_custom_field_values_included_with_the_candidate_are_its_custom_fields() -> None:
    values = copy.deepcopy(load("custom-field-values")["data"])
    # The page of `/candidates?include=custom-field-values.custom-field`: linkage added to the
    # recorded values and the candidate, and the custom field they point at (its `api-name`).
    link(values[0], "custom-field", {"type": "custom-fields", "id": "7"})
    values[0]["attributes"]["value"] = "2019-09-02"
    link(values[1], "custom-field", {"type": "custom-fields", "id": "8"})
    field = {"id": "7", "type": "custom-fields", "attributes": {"api-name": "start-date", "name": "Start date"}}
    unnamed = {"id": "8", "type": "custom-fields", "attributes": {"name": "Interview date"}}
    raw = link(
        resource("candidate", "1337"), "custom-field-values", [{"type": v["type"], "id": v["id"]} for v in values]
    )
    page = {"data": [raw], "included": [*values, field, unnamed]}
    candidate = mapping.map_candidate(raw, page)
    assert candidate.custom_fields == {"start-date": "2019-09-02", "Interview date": "2019-08-28"}
    # A value the page did not include is left out rather than guessed.
    assert mapping.map_candidate(raw, {"data": [raw], "included": [field]}).custom_fields == {}


def _application_page(raw: dict[str, Any], stage_type: str) -> dict[str, Any]:
    """The page of `/job-applications?include=candidate,job,stage,reject-reason` holding `raw`."""
    stage = resource("stages", "22508")
    stage["attributes"]["stage-type"] = stage_type
    link(raw, "candidate", {"type": "candidates", "id": "576"})
    link(raw, "job", {"type": "jobs", "id": "7262"})
    link(raw, "stage", {"type": "stages", "id": "22508"})
    link(raw, "reject-reason", {"type": "reject-reasons", "id": "1"} if raw["attributes"]["rejected-at"] else None)
    return {"data": [raw], "included": [stage, resource("reject-reasons", "1")]}


def test_a_rejected_application_is_declined_with_its_reason() -> None:
    raw = resource("job-applications", "1337")
    application = mapping.map_application(raw, _application_page(raw, "In process"))
    assert (application.candidate_remote_id, application.job_remote_id) == ("576", "7262")
    assert (application.current_stage_remote_id, application.outcome) == ("22508", "DECLINED")
    assert application.rejection_reason_name == "Not a fit"
    assert application.rejected_at == datetime(2015, 9, 9, 9, 26, 33, 991000, tzinfo=UTC)
    assert application.remote_created_at == datetime(2015, 4, 22, 17, 39, 32, 902000, tzinfo=UTC)


def test_an_application_in_a_hired_stage_is_hired_and_one_in_process_pending() -> None:
    raw = resource("job-application", "1337")
    hired = mapping.map_application(raw, _application_page(raw, "Hired"))
    assert (hired.outcome, hired.rejected_at, hired.rejection_reason_name) == ("HIRED", None, None)
    assert mapping.map_application(raw, _application_page(raw, "In process")).outcome == "PENDING"
    # Without the included stage its type is unknown: pending, its stage still linked.
    pending = mapping.map_application(raw, {"data": [raw]})
    assert (pending.outcome, pending.current_stage_remote_id) == ("PENDING", "22508")


def test_the_docs_note_names_candidate_and_author_in_attributes() -> None:
    raw = copy.deepcopy(load("notes")["notes"][0]["data"])
    raw["id"] = str(raw["id"])  # the docs' example gives a number; JSON:API ids are strings
    note = mapping.map_note(raw)
    assert (note.remote_id, note.candidate_remote_id, note.author_remote_id) == ("1", "4", "2")
    assert (note.content_html, note.is_private) == ("Example note", False)
    assert note.remote_updated_at == datetime(2020, 7, 16, 9, 32, 25, 200000, tzinfo=UTC)
    check("teamtailor", "/notes", shapes.NOTE, raw)
