"""Recruitee mapping: concrete unified values per rule.

No recorded Recruitee answers exist (shared/fixtures has none): the payloads below are written for
these tests, modelled on the field lists of docs.recruitee.com and a published `/candidates` answer
(candidate `id`, `name`, `emails`, `phones`, `created_at`, `placements[]` with `offer_id`, `hired_at`,
...) and, for a candidate's detail, on the docs' payloads for adding profile fields and a
third-party client's types (`fields[]`: `id`, `name`, `kind`, `values`); they are not the vendor's.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from hirebridge.connectors.framework.errors import MappingError
from hirebridge.connectors.framework.payloads import check
from hirebridge.connectors.recruitee import mapping, shapes
from hirebridge.model.records import EmploymentType, JobStatus, Raw, RemoteWorkStatus, SystemRole

pytestmark = pytest.mark.fast  # pure: no database, subprocess or socket

PLACEMENT: dict[str, Any] = {
    "id": 50538859,
    "candidate_id": 47628534,
    "offer_id": 1209656,
    "stage_id": 7790001,
    "position": 3,
    "created_at": "2023-02-07T07:09:47.246854Z",
    "updated_at": "2023-02-09T10:00:00.000000Z",
    "hired_at": None,
    "hired_by_id": None,
    "disqualified_at": None,
    "disqualify_reason": None,
}
CANDIDATE: dict[str, Any] = {
    "id": 47628534,
    "name": "Jasprit Kumar Bumrah",
    "emails": ["jasprit@example.com", "jb@example.org"],
    "phones": ["+31 6 1234 5678"],
    "sources": ["LinkedIn", "Referral"],
    "tags": ["backend", "unknown-tag"],
    "admin_id": 322453,
    "created_at": "2023-02-07T07:09:08.809894Z",
    "updated_at": "2023-02-09T10:00:00.000000Z",
    "placements": [PLACEMENT],
}
# `GET /candidates/:id`'s `candidate`: the row's fields again, and the profile fields.
DETAIL: dict[str, Any] = {
    **CANDIDATE,
    "fields": [
        {"id": 801, "name": "Notice period", "kind": "single_line", "values": [{"text": "2 months"}]},
        {"id": 802, "name": "Willing to relocate", "kind": "boolean", "values": [{"flag": False}]},
        {"id": 803, "name": "Expected salary", "kind": "number", "values": [{"number": "55000"}]},
        {"id": 804, "name": "Seniority", "kind": "dropdown", "values": [{"value": "Senior"}]},
        {"id": 805, "kind": "nationality", "values": [{"country_code": "NL"}]},
        {"id": 806, "kind": "address", "values": [{"text": "Keizersgracht 313, 1016 EE Amsterdam, Netherlands"}]},
        {
            "id": 807,
            "name": "Languages",
            "kind": "language_skill",
            "values": [{"language_code": "en", "level": "advanced"}, {"language_code": "nl", "level": "native"}],
        },
        {"id": 808, "name": "Skills", "kind": "skills", "values": [{"text": "SQL"}, {"text": "Elixir"}]},
        {"id": None, "name": "Portfolio", "kind": "single_line", "values": []},
    ],
}
OFFER: dict[str, Any] = {
    "id": 1209656,
    "kind": "job",
    "title": "Backend engineer",
    "status": "published",
    "department": "Engineering",
    "city": "Amsterdam",
    "country_code": "NL",
    "remote": False,
    "employment_type_code": "fulltime",
    "careers_url": "https://acme.recruitee.com/o/backend-engineer",
    "created_at": "2023-01-10T09:00:00Z",
    "updated_at": "2023-01-12T09:30:00Z",
}
JOBS = frozenset({"1209656"})


def _placement(**changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(CANDIDATE), "placements": [{**PLACEMENT, **changes}]}


def test_a_candidate_maps_its_name_contacts_first_source_and_known_tags() -> None:
    candidate = mapping.map_candidate(CANDIDATE, {"id": CANDIDATE["id"]}, {"backend": "91", "senior": "92"})
    assert (candidate.remote_id, candidate.first_name, candidate.last_name) == ("47628534", "Jasprit", "Kumar Bumrah")
    assert [e.email_address for e in candidate.email_addresses] == ["jasprit@example.com", "jb@example.org"]
    assert [p.phone_number for p in candidate.phone_numbers] == ["+31 6 1234 5678"]
    assert candidate.source == "LinkedIn"
    # Tags come as names; a name the tag list does not hold has no record to link.
    assert candidate.tag_remote_ids == ("91",)
    assert candidate.remote_created_at == datetime(2023, 2, 7, 7, 9, 8, 809894, tzinfo=UTC)


def test_a_candidate_without_profile_fields_has_no_custom_fields_and_no_location() -> None:
    candidate = mapping.map_candidate(CANDIDATE, {"id": CANDIDATE["id"], "fields": None}, {})
    assert candidate.custom_fields == {} and candidate.location is None
    # The payload kept is the row without its placements (the applications'), with the detail's fields.
    assert candidate.remote_data == {**{k: v for k, v in CANDIDATE.items() if k != "placements"}, "fields": []}


def test_profile_fields_are_custom_fields_by_name_and_the_address_the_location() -> None:
    candidate = mapping.map_candidate(CANDIDATE, DETAIL, {})
    assert candidate.custom_fields == {
        "Notice period": "2 months",
        "Willing to relocate": False,
        "Expected salary": "55000",  # Recruitee sends a number field's value as a decimal string
        "Seniority": "Senior",
        "nationality": "NL",  # a field without a name, by its kind
        "address": "Keizersgracht 313, 1016 EE Amsterdam, Netherlands",
        # A value of several keys is kept whole; several values are a list.
        "Languages": [{"language_code": "en", "level": "advanced"}, {"language_code": "nl", "level": "native"}],
        "Skills": ["SQL", "Elixir"],
    }  # "Portfolio" has no value: left out
    assert candidate.location is not None
    assert (candidate.location.raw, candidate.location.city) == (
        "Keizersgracht 313, 1016 EE Amsterdam, Netherlands",
        None,
    )
    assert candidate.remote_data is not None and candidate.remote_data["fields"] == DETAIL["fields"]
    assert "placements" not in candidate.remote_data
    # The rest still comes from the row of the list.
    assert (candidate.first_name, candidate.source) == ("Jasprit", "LinkedIn")


def test_a_placement_in_a_job_is_a_pending_application_in_its_stage() -> None:
    (application,) = mapping.map_placements(CANDIDATE, JOBS, {})
    assert (application.remote_id, application.candidate_remote_id, application.job_remote_id) == (
        "50538859",
        "47628534",
        "1209656",
    )
    assert (application.current_stage_remote_id, application.outcome) == ("7790001", "PENDING")
    assert application.rejection_reason_name is None and application.rejected_at is None
    assert application.remote_updated_at == datetime(2023, 2, 9, 10, 0, tzinfo=UTC)


def test_a_hired_placement_is_hired() -> None:
    (application,) = mapping.map_placements(_placement(hired_at="2023-03-01T12:00:00Z"), JOBS, {})
    assert application.outcome == "HIRED" and application.rejection_reason_name is None


def test_a_disqualified_placement_is_declined_with_its_reason_and_time() -> None:
    raw = _placement(disqualified_at="2023-02-20T08:15:00Z", disqualify_reason={"id": 77, "name": "Not a fit"})
    (application,) = mapping.map_placements(raw, JOBS, {"77": "Other name"})
    assert application.outcome == "DECLINED"
    assert application.rejection_reason_name == "Not a fit"  # the placement's own name first
    assert application.rejected_at == datetime(2023, 2, 20, 8, 15, tzinfo=UTC)
    # A reason named by id only is looked up in the company's reasons.
    by_id = _placement(disqualified_at="2023-02-20T08:15:00Z", disqualify_reason={"id": 77})
    assert next(mapping.map_placements(by_id, JOBS, {"77": "Position filled"})).rejection_reason_name == (
        "Position filled"
    )


def test_a_placement_in_a_talent_pool_is_no_application() -> None:
    assert list(mapping.map_placements(CANDIDATE, frozenset({"999"}), {})) == []


def test_an_offer_of_kind_job_is_a_job_and_a_talent_pool_is_none() -> None:
    job = mapping.map_offer(OFFER)
    assert job is not None
    assert (job.remote_id, job.name, job.department) == ("1209656", "Backend engineer", "Engineering")
    assert (job.status, job.employment_type, job.remote_work_status) == (
        JobStatus.OPEN,
        EmploymentType.FULL_TIME,
        RemoteWorkStatus.ON_SITE,
    )
    assert job.location is not None and (job.location.city, job.location.country) == ("Amsterdam", "NL")
    assert job.post_url == "https://acme.recruitee.com/o/backend-engineer"
    assert mapping.map_offer({**OFFER, "kind": "talent_pool"}) is None
    remote = mapping.map_offer({**OFFER, "status": "on_hold", "remote": True, "employment_type_code": "freelance"})
    assert remote is not None and remote.status == Raw("on_hold") and remote.employment_type == Raw("freelance")
    assert remote.remote_work_status == RemoteWorkStatus.REMOTE


def test_a_stage_index_is_its_place_by_position_whatever_the_positions_are() -> None:
    pipeline = [{"id": 3, "name": "Offer", "position": 7}, {"id": 1, "name": "Applied", "position": 2}]
    stage = mapping.map_stage("1209656", pipeline[0], pipeline)
    assert (stage.remote_id, stage.job_remote_id, stage.name, stage.index) == ("3", "1209656", "Offer", 1)
    assert mapping.map_stage("1209656", pipeline[1], pipeline).index == 0


def test_a_membership_is_its_admin_as_a_user_with_a_role() -> None:
    references = [
        {"type": "Admin", "id": 322453, "first_name": "Femke", "last_name": "de Boer", "email": "Femke@Example.com"},
        {"type": "Admin", "id": 1, "first_name": "Other", "last_name": "Person", "email": "o@example.com"},
    ]
    user = mapping.map_membership({"id": 9, "admin_id": 322453, "role": "recruiter", "status": "active"}, references)
    assert (user.remote_id, user.first_name, user.last_name, user.email) == (
        "322453",
        "Femke",
        "de Boer",
        "Femke@example.com",  # the domain lowered (kombo_email)
    )
    assert user.status == "ACTIVE" and user.system_roles == (SystemRole("recruiter", "recruiter", "RECRUITER"),)
    gone = mapping.map_membership({"id": 10, "admin_id": 5, "role": "owner", "status": "inactive"}, references)
    assert gone.status == "INACTIVE" and gone.first_name is None
    assert gone.system_roles == (SystemRole("owner", "owner", None),)


def test_a_note_is_its_candidates_with_its_author() -> None:
    raw = {"id": 4, "body": "Strong call", "admin_id": 322453, "created_at": "2023-02-08T10:00:00Z"}
    note = mapping.map_note("47628534", raw)
    assert (note.remote_id, note.candidate_remote_id, note.application_remote_id) == ("4", "47628534", None)
    assert (note.author_remote_id, note.content_html) == ("322453", "Strong call")


def test_shapes_hold_the_payloads_and_refuse_a_candidate_without_an_integer_id() -> None:
    check("recruitee", "/candidates", shapes.for_path("https://api.recruitee.com/c/61234/candidates"), CANDIDATE)
    check("recruitee", "/offers", shapes.for_path("/offers"), OFFER)
    detail = shapes.for_path("https://api.recruitee.com/c/61234/candidates/47628534")
    assert detail is shapes.CANDIDATE_DETAIL
    check("recruitee", "/candidates/47628534", detail, {"candidate": DETAIL, "references": []})
    with pytest.raises(MappingError, match="fields"):  # values that are not objects
        bad = {**DETAIL, "fields": [{"name": "x", "kind": "single_line", "values": ["text"]}]}
        check("recruitee", "/candidates/47628534", detail, {"candidate": bad})
    with pytest.raises(MappingError):  # an answer without its candidate
        check("recruitee", "/candidates/47628534", detail, {"error": "Not found"})
    assert shapes.for_path("https://api.recruitee.com/c/acme/offers/12") is shapes.STAGE
    with pytest.raises(MappingError):
        check("recruitee", "/candidates", shapes.CANDIDATE, {**CANDIDATE, "id": "47628534"})
