"""Ashby mapping on the vendor's own examples (fixtures/ashby): concrete unified values per rule."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hirebridge.connectors.ashby import mapping
from hirebridge.connectors.names import parse_time
from hirebridge.model.records import (
    EmailAddress,
    HiringTeamMember,
    JobRole,
    Location,
    PhoneNumber,
    SocialMedia,
    SystemRole,
)

pytestmark = pytest.mark.fast  # pure: no database, subprocess or socket

# The vendor examples, copied from ../shared/fixtures/ashby (top level) so the suite runs from any checkout.
FIXTURES = Path(__file__).parent / "fixtures/ashby"
ID = "e9ed20fd-d45f-4aad-8a00-a19bfba0083e"
T0 = datetime(2022, 8, 12, 20, 29, 56, 964000, tzinfo=UTC)
# Fixtures that map to no unified model, and why (asserted so a new fixture gets a decision).
NOT_MAPPED = {
    "applicationFeedback.list": "scorecards: not synced yet (see docs/connectors/ashby.md)",
    "application.listHistory": "stage history: Kombo has no field for it",
    "customField.list": "definitions only; values arrive embedded in each record",
    "department.list": "reference data, Kombo has no department model",
    "location.list": "reference data, embedded on jobs",
    "opening.list": "headcount, no Kombo model",
    "source.list": "reference data, embedded as candidate.source",
    "hiringTeamRole.list": "role names arrive on each hiring team member",
    "interviewStageGroup.list": "grouping of stages, no Kombo field",
    "interview.list": "interview definitions; titles arrive embedded in events",
    "webhook.create": "webhooks are not used by the sync",
    "file.info": "the download URL of an attachment (connector test), not a record",
}


def load(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())["results"]


def test_every_fixture_is_mapped_or_explained() -> None:
    mapped = {
        "application.list", "application.info", "candidate.list", "candidate.info", "candidate.search",
        "job.list", "job.info", "interviewPlan.list", "interviewStage.list", "jobPosting.list",
        "interviewSchedule.list", "interviewEvent.list", "offer.list", "offer.info", "candidateTag.list",
        "user.list", "user.info", "archiveReason.list", "candidate.listNotes",
    }  # fmt: skip
    present = {p.name.removesuffix(".json") for p in FIXTURES.glob("*.json")}
    assert present == mapped | set(NOT_MAPPED)
    assert load("file.info")["url"].startswith("https://")


@pytest.mark.parametrize("name", ["application.list", "application.info"])
def test_application(name: str) -> None:
    raw = load(name)
    raw = raw[0] if isinstance(raw, list) else raw
    app = mapping.map_application(raw)
    assert app.remote_id == ID
    assert app.remote_data is raw
    assert app.candidate_remote_id == ID
    assert app.job_remote_id == "4071538b-3cac-4fbf-ac76-f78ed250ffdd"
    assert app.current_stage_remote_id == ID
    # status Hired -> HIRED; the archive reason left on a hired application is no rejection.
    assert app.outcome == "HIRED"
    assert app.rejection_reason_name is None and app.rejected_at is None
    assert app.custom_fields == {"Is actively looking": True}
    assert app.remote_created_at == T0 and app.remote_updated_at == T0


@pytest.mark.parametrize(
    ("status", "outcome"), [("Hired", "HIRED"), ("Archived", "DECLINED"), ("Active", "PENDING"), ("Lead", "PENDING")]
)
def test_application_outcome_and_rejection_reason(status: str, outcome: str) -> None:
    raw = copy.deepcopy(load("application.list")[0]) | {"status": status}
    app = mapping.map_application(raw)
    assert app.outcome == outcome
    if outcome == "DECLINED":
        assert app.rejection_reason_name == "Too inexperienced"
        assert app.rejected_at == T0
    else:
        assert app.rejection_reason_name is None and app.rejected_at is None


@pytest.mark.parametrize("name", ["candidate.list", "candidate.info", "candidate.search"])
def test_candidate(name: str) -> None:
    raw = load(name)
    raw = raw[0] if isinstance(raw, list) else raw
    c = mapping.map_candidate(raw)
    assert c.remote_id == ID and c.remote_data is raw
    assert (c.first_name, c.last_name) == ("Adam", "Hart")
    assert (c.company, c.title, c.source) == ("Auction.com", "Software Engineer", "Applied")
    # The primary address first, each address once; Ashby's "Work" type -> Kombo's WORK.
    assert c.email_addresses == (EmailAddress("test@ashbyhq.com", "WORK"),)
    assert c.phone_numbers == (PhoneNumber("test@ashbyhq.com", "WORK"),)
    assert c.social_media == (SocialMedia(link="https://linkedin.com/in/user", type="LinkedIn"),)
    assert c.location == Location(
        city="San Francisco",
        country="United States",
        state="California",
        raw="United States, California, San Francisco",
    )
    assert c.tag_remote_ids == (ID,)
    assert c.custom_fields == {"Is actively looking": True}
    assert c.remote_url == "string"  # profileUrl, as the spec's example has it
    assert c.remote_created_at == T0 and c.remote_updated_at == T0
    assert c.confidential is None


def test_candidate_files_become_attachments_once() -> None:
    raw = load("candidate.list")[0]
    (attachment,) = mapping.map_attachments(raw)  # résumé and fileHandles hold the same file
    assert attachment.remote_id == "eyJoYW5kbGUiOnsidHlwZSI6IkNhbmRpZGF0ZUZpbGUiLCJm"
    assert (attachment.candidate_remote_id, attachment.type, attachment.file_name) == (ID, "CV", "resume.pdf")
    assert attachment.remote_data == raw["resumeFileHandle"]
    extra = copy.deepcopy(raw)
    extra["fileHandles"].append({"id": "f2", "name": "portfolio.png", "handle": "h2"})
    assert [(a.remote_id, a.type) for a in mapping.map_attachments(extra)] == [
        ("eyJoYW5kbGUiOnsidHlwZSI6IkNhbmRpZGF0ZUZpbGUiLCJm", "CV"),
        ("h2", "OTHER"),
    ]


def test_candidate_without_name_or_contacts() -> None:
    c = mapping.map_candidate({"id": "c1", "name": "Cher", "primaryEmailAddress": None})
    assert (c.first_name, c.last_name, c.email_addresses, c.phone_numbers, c.location) == ("Cher", None, (), (), None)


@pytest.mark.parametrize("name", ["job.list", "job.info"])
def test_job(name: str) -> None:
    raw = load(name)
    raw = raw[0] if isinstance(raw, list) else raw
    job = mapping.map_job(raw)
    assert job.remote_id == ID and job.remote_data is raw
    assert (job.name, job.job_code, job.confidential, job.visibility) == ("string", ID, True, "CONFIDENTIAL")
    assert (job.status, job.employment_type, job.remote_work_status) == ("DRAFT", "FULL_TIME", "HYBRID")
    assert job.location == Location(
        city="San Francisco",
        country="United States",
        raw="San Francisco Office",
        state="California",
        street_1="49 Geary St Suite 411",
        zip_code="94108",
    )
    if name == "job.list":  # the first tier's salary component
        assert (job.salary_amount_from, job.salary_amount_to, job.salary_currency, job.salary_period) == (
            72023.45,
            100000,
            "EUR",
            "YEAR",
        )
    assert job.salary_amount is None and job.department is None and job.description is None
    assert job.hiring_team == (
        HiringTeamMember(
            user_remote_id=ID,
            hiring_team_roles=("HIRING_MANAGER",),
            job_roles=(JobRole("Hiring Manager", "Hiring Manager", "HIRING_MANAGER"),),
        ),
    )
    assert job.custom_fields == {"Is actively looking": True}
    assert job.opened_at == T0 and job.closed_at == T0 and job.remote_created_at == T0


def test_job_status_values() -> None:
    raw = load("job.list")[0]
    assert [mapping.map_job(raw | {"status": s}).status for s in ("Open", "Closed", "Archived", "Paused")] == [
        "OPEN",
        "CLOSED",
        "ARCHIVED",
        "Paused",  # unknown values pass through raw (Kombo's open enum)
    ]


def test_stages_per_job_from_interview_plan() -> None:
    (plan,) = load("interviewPlan.list")
    job = load("job.list")[0]
    assert plan["id"] in job["interviewPlanIds"]
    stages = load("interviewStage.list")
    stages = [*stages, {**stages[0], "id": "s-screen", "title": "Screen", "orderInInterviewPlan": 1}]
    mapped = mapping.map_stages(job["id"], stages)
    assert [(s.remote_id, s.name, s.index, s.job_remote_id) for s in mapped] == [
        ("s-screen", "Screen", 0, ID),
        (ID, "Offer", 1, ID),
    ]
    assert mapped[1].remote_data == stages[0]


def test_job_posting() -> None:
    (raw,) = load("jobPosting.list")
    posting = mapping.map_job_posting(raw)
    assert (posting.remote_id, posting.job_remote_id, posting.title) == (ID, ID, "Posting Title")
    assert (posting.status, posting.visibility) == ("ACTIVE", "PUBLIC")
    assert posting.url == raw["externalLink"]
    assert posting.description_html is None
    assert mapping.map_job_posting(raw | {"isListed": False}).visibility == "UNLISTED"


def test_interviews_from_schedule_events() -> None:
    (schedule,) = load("interviewSchedule.list")
    (interview,) = mapping.map_interviews(schedule)
    assert interview.remote_id == ID
    assert (interview.application_remote_id, interview.stage_remote_id) == ("string", "string")
    assert interview.title == "Technical Phone Interview"
    at = datetime(2022, 7, 21, 17, 32, 28, tzinfo=UTC)
    assert (interview.starting_at, interview.ending_at, interview.remote_created_at) == (at, at, at)
    assert interview.canceled is False  # NeedsScheduling
    assert interview.location == Location(raw="Google Meet")
    assert interview.video_conferencing_url == "string"
    assert interview.user_remote_ids == (ID,)
    assert interview.remote_data is not None and interview.remote_data["schedule"]["status"] == "NeedsScheduling"
    (cancelled,) = mapping.map_interviews(schedule | {"status": "Cancelled"})
    assert cancelled.canceled is True


def test_interview_events_list_shape() -> None:
    (event,) = load("interviewEvent.list")
    schedule = {
        "id": event["interviewScheduleId"],
        "status": "Scheduled",
        "applicationId": "a1",
        "interviewEvents": [event],
    }
    (interview,) = mapping.map_interviews(schedule)
    assert (interview.remote_id, interview.application_remote_id, interview.title) == (
        ID,
        "a1",
        "Technical Phone Interview",
    )


@pytest.mark.parametrize("name", ["offer.list", "offer.info"])
def test_offer(name: str) -> None:
    raw = load(name)
    raw = raw[0] if isinstance(raw, list) else raw
    offer = mapping.map_offer(raw)
    assert (offer.remote_id, offer.application_remote_id) == (ID, ID)
    # acceptanceStatus Accepted decides over the offer's progress (WaitingOnApprovalStart).
    assert offer.status == "ACCEPTED"
    assert offer.employment_start_date == T0
    assert offer.remote_data is raw


@pytest.mark.parametrize(
    ("offer_status", "acceptance", "approval", "expected"),
    [
        ("WaitingOnOfferCreation", "Created", None, "DRAFT"),
        ("WaitingOnApprovalStart", "Pending", None, "DRAFT"),
        ("WaitingOnOfferApproval", "Pending", "Approved", "APPROVED"),
        ("WaitingOnCandidateResponse", "WaitingOnResponse", "Approved", "SENT"),
        ("CandidateAccepted", "Accepted", "Approved", "ACCEPTED"),
        ("CandidateRejected", "Declined", "Approved", "DECLINED"),
        ("OfferCancelled", "Cancelled", None, "ABANDONED"),
        ("CandidateRejected", None, None, "DECLINED"),
        ("SomethingNew", None, None, None),
    ],
)
def test_offer_status(offer_status: str, acceptance: str | None, approval: str | None, expected: str | None) -> None:
    raw = {
        "id": "o",
        "offerStatus": offer_status,
        "acceptanceStatus": acceptance,
        "latestVersion": {"approvalStatus": approval},
    }
    assert mapping.offer_status(raw) == expected


def test_tag_user_rejection_reason() -> None:
    (tag,) = load("candidateTag.list")
    assert mapping.map_tag(tag).name == "Senior Candidate"
    for raw in (load("user.list")[0], load("user.info")):
        user = mapping.map_user(raw)
        assert (user.remote_id, user.first_name, user.last_name, user.email, user.status) == (
            ID,
            "Test",
            "User",
            "test@ashbyhq.com",
            "ACTIVE",
        )
        assert user.system_roles == (SystemRole("Organization Admin", "Organization Admin", "ADMIN"),)
        assert mapping.map_user(raw | {"isEnabled": False}).status == "INACTIVE"
    (reason,) = load("archiveReason.list")
    assert (mapping.map_archive_reason(reason).remote_id, mapping.map_archive_reason(reason).name) == (
        ID,
        "Too inexperienced",
    )


def test_note() -> None:
    (raw,) = load("candidate.listNotes")
    note = mapping.map_note("cand-1", raw)
    assert (note.remote_id, note.candidate_remote_id, note.author_remote_id) == (ID, "cand-1", ID)
    assert note.content_html is not None and note.content_html.startswith("Lorem ipsum")
    assert (note.is_private, note.remote_created_at, note.application_remote_id, note.title) == (False, T0, None, None)
    assert note.remote_data is raw


def test_unreadable_timestamps_are_null() -> None:
    # The spec's examples hold "string" for some timestamps (offer decidedAt, schedule createdAt).
    assert parse_time("string") is None
    assert parse_time("2021-11-19") == datetime(2021, 11, 19, tzinfo=UTC)
