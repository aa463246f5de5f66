"""Greenhouse Harvest v3 mapping on v3-shaped examples (tests/fixtures/greenhouse_v3, made here from
Airbyte's v3 schemas: see its README): concrete unified values per rule."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hirebridge.connectors.greenhouse import mapping
from hirebridge.connectors.names import parse_time
from hirebridge.model.records import (
    EmailAddress,
    HiringTeamMember,
    JobRole,
    Location,
    PhoneNumber,
    Role,
    ScorecardResponse,
    ScreeningAnswer,
    SocialMedia,
    SystemRole,
)

pytestmark = pytest.mark.fast  # pure: no database, subprocess or socket

FIXTURES = Path(__file__).parent / "fixtures/greenhouse_v3"
Json = dict[str, Any]
# Fixtures no mapper reads, and why (asserted so a new fixture gets a decision).
NOT_MAPPED = {
    "custom_fields": "definitions only; values arrive keyed by name_key on each record",
    "rejection_details": "who rejected and the note id: Kombo has no field for them",
}


def load(name: str) -> list[Json]:
    rows: list[Json] = json.loads((FIXTURES / f"{name}.json").read_text())
    return rows


def one(name: str, record_id: int) -> Json:
    return next(r for r in load(name) if r["id"] == record_id)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_every_fixture_is_mapped_or_explained() -> None:
    mapped = {
        "users", "candidate_tags", "rejection_reasons", "jobs", "departments", "offices", "job_posts", "openings",
        "job_hiring_managers", "job_owners", "job_interview_stages", "candidates", "applied_candidate_tags", "sources",
        "applications", "application_stages", "interviews", "interviewers", "job_interviews", "scorecards",
        "scorecard_questions", "scorecard_question_answers", "scorecard_question_options",
        "scorecard_question_answer_options", "offers", "notes", "attachments",
    }  # fmt: skip
    present = {p.name.removesuffix(".json") for p in FIXTURES.glob("*.json")}
    assert present == mapped | set(NOT_MAPPED)
    # Every file is a bare list, as v3 list responses are.
    assert all(isinstance(json.loads(p.read_text()), list) for p in FIXTURES.glob("*.json"))


# --- reference data ------------------------------------------------------------------------------------


def test_users() -> None:
    ada, grace, alan, service = (mapping.map_user(u) for u in load("users"))
    assert (ada.remote_id, ada.first_name, ada.last_name, ada.email, ada.status) == (
        "4001",
        "Ada",
        "Lovelace",
        "ada@acme.example",
        "ACTIVE",
    )
    assert ada.system_roles == (SystemRole("site_admin", "Site Admin", "ADMIN"),)
    assert ada.remote_data == one("users", 4001)
    assert (grace.system_roles, grace.status) == ((), "ACTIVE")
    assert alan.status == "INACTIVE"  # deactivated
    # A service account: no first/last name (split from `name`), `primary_email: ""` -> no email.
    assert (service.first_name, service.last_name, service.email) == ("Harvest", "Integration", None)
    assert mapping.map_user({"id": 9, "primary_email": None, "emails": ["", "x@y.example"]}).email == "x@y.example"


def test_roles_match_the_roles_records_use() -> None:
    assert mapping.roles() == [
        Role(remote_id="site_admin", remote_label="Site Admin", scope="SYSTEM", unified_type="ADMIN"),
        Role(remote_id="hiring_manager", remote_label="Hiring Manager", scope="JOB", unified_type="HIRING_MANAGER"),
        Role(remote_id="recruiter", remote_label="Recruiter", scope="JOB", unified_type="RECRUITER"),
        Role(remote_id="coordinator", remote_label="Coordinator", scope="JOB", unified_type="COORDINATOR"),
        Role(remote_id="sourcer", remote_label="Sourcer", scope="JOB", unified_type="SOURCER"),
    ]


def test_tags_and_rejection_reasons() -> None:
    assert [(t.remote_id, t.name) for t in map(mapping.map_tag, load("candidate_tags"))] == [
        ("301", "Senior"),
        ("302", "Referral"),
        ("303", "Do Not Contact"),
    ]
    reasons = [mapping.map_rejection_reason(r) for r in load("rejection_reasons")]
    assert [(r.remote_id, r.name) for r in reasons] == [
        ("901", "Lacking skill(s)/qualification(s)"),
        ("902", "Took another offer"),
        ("903", "Spam"),
    ]
    assert reasons[1].remote_data == one("rejection_reasons", 902)  # type.key stays in remote_data


# --- jobs ------------------------------------------------------------------------------------------------


def job_kwargs() -> dict[str, Any]:
    return {
        "departments": mapping.index_by_id(load("departments")),
        "offices": mapping.index_by_id(load("offices")),
        "hiring_managers": load("job_hiring_managers"),
        "owners": load("job_owners"),
        "posts": load("job_posts"),
        "openings": load("openings"),
    }


def test_job() -> None:
    raw = one("jobs", 101)
    job = mapping.map_job(raw, **job_kwargs())
    assert (job.remote_id, job.name, job.job_code) == ("101", "Senior Backend Engineer", "ENG-101")
    assert (job.status, job.employment_type, job.confidential, job.visibility) == ("OPEN", "FULL_TIME", False, "PUBLIC")
    # Description and post URL come from the live external post; the internal post only counts for visibility.
    assert job.description == "<p>Build the APIs our customers run on.</p>"
    assert job.post_url == "https://job-boards.greenhouse.io/acme/jobs/2001?gh_jid=2001"
    assert job.department == "Platform"  # department_id 502
    assert job.location == Location(raw="San Francisco, CA, United States")  # the first office's location
    assert job.custom_fields == {"employment_type": "Full-time", "cost_center": "CC-42"}
    assert job.remote_url == "https://app.greenhouse.io/jobs/101"
    assert (job.opened_at, job.closed_at) == (at("2024-01-15T09:00:00.000Z"), None)
    assert (job.remote_created_at, job.remote_updated_at) == (at("2024-01-10T09:00:00Z"), at("2024-03-01T12:00:00Z"))
    # Hiring managers (/v3/job_hiring_managers) and owners (/v3/job_owners), one member per user.
    assert job.hiring_team == (
        HiringTeamMember(
            user_remote_id="4001",
            hiring_team_roles=("HIRING_MANAGER", "COORDINATOR"),
            job_roles=(
                JobRole("hiring_manager", "Hiring Manager", "HIRING_MANAGER"),
                JobRole("coordinator", "Coordinator", "COORDINATOR"),
            ),
        ),
        HiringTeamMember(
            user_remote_id="4002",
            hiring_team_roles=("RECRUITER", "SOURCER"),
            job_roles=(JobRole("recruiter", "Recruiter", "RECRUITER"), JobRole("sourcer", "Sourcer", "SOURCER")),
        ),
    )
    assert job.contact_remote_id == "4001"
    # The related rows of this job (not of job 102) ride along for re-mapping; openings have no field.
    assert job.remote_data is not None
    assert [o["id"] for o in job.remote_data["openings"]] == [2201]
    assert [p["id"] for p in job.remote_data["job_posts"]] == [2001, 2002]
    assert job.remote_data["name"] == raw["name"]
    assert (job.salary_amount, job.weekly_hours, job.remote_work_status, job.category) == (None, None, None, None)


def test_confidential_closed_job_without_posts_or_offices() -> None:
    job = mapping.map_job(one("jobs", 102), **job_kwargs())
    assert (job.status, job.confidential, job.visibility) == ("CLOSED", True, "CONFIDENTIAL")
    assert (job.description, job.post_url, job.department, job.location, job.job_code) == (None, None, None, None, None)
    assert job.closed_at == at("2024-02-28T17:00:00.000Z")
    assert job.hiring_team == (
        HiringTeamMember("4003", ("HIRING_MANAGER",), (JobRole("hiring_manager", "Hiring Manager", "HIRING_MANAGER"),)),
    )
    assert job.employment_type is None and job.custom_fields == {}


def test_job_status_visibility_and_employment_values() -> None:
    raw = one("jobs", 101)
    assert mapping.map_job(raw | {"status": "draft"}).status == "DRAFT"
    assert mapping.map_job(raw | {"status": "paused"}).status == "paused"  # open enum: raw
    # Only an internal live post: INTERNAL; no live post: no visibility.
    internal = [p for p in load("job_posts") if p["id"] == 2002]
    assert mapping.map_job(raw, posts=internal).visibility == "INTERNAL"
    assert mapping.map_job(raw, posts=internal).description == "<p>Internal: build our APIs.</p>"
    assert mapping.map_job(raw).visibility is None
    deleted = [p | {"active": False} for p in load("job_posts")]
    assert mapping.map_job(raw, posts=deleted).post_url is None
    assert mapping.map_job(raw, posts=deleted).description is None
    # A closed job's posts are no longer live: the description is still theirs (external first).
    unpublished = [p | {"live": False} for p in load("job_posts")]
    closed = mapping.map_job(raw | {"status": "closed"}, posts=unpublished)
    assert (closed.description, closed.post_url, closed.visibility) == (
        "<p>Build the APIs our customers run on.</p>",
        None,
        None,
    )
    fields = raw["custom_fields"]
    for value, expected in [("Part-time", "PART_TIME"), ("Intern", "INTERNSHIP"), ("Contract", "CONTRACT"),
                            ("Temporary", "SEASONAL"), ("Freelance", "Freelance")]:  # fmt: skip
        changed = fields | {"employment_type": fields["employment_type"] | {"value": value}}
        assert mapping.map_job(raw | {"custom_fields": changed}).employment_type == expected
    # A select value sent as an option object, and the field found by its display name.
    by_name = {"emp": {"name": "Employment Type", "type": "single_select", "value": {"id": 7, "name": "Full-time"}}}
    assert mapping.map_job(raw | {"custom_fields": by_name}).employment_type == "FULL_TIME"


def test_stages_per_job_in_plan_order() -> None:
    stages = mapping.map_stages(load("job_interview_stages"))
    assert [(s.remote_id, s.job_remote_id, s.name, s.index, s.status) for s in stages] == [
        ("1001", "101", "Application Review", 0, "ACTIVE"),
        ("1002", "101", "Phone Screen", 1, "ACTIVE"),
        ("1003", "101", "Onsite", 2, "ACTIVE"),  # ties on sort_order 2 by id
        ("1005", "101", "Take Home Test", 3, "INACTIVE"),  # removed from the plan
        ("1004", "101", "Offer", 4, "ACTIVE"),
        ("1011", "102", "Application Review", 0, "ACTIVE"),
        ("1012", "102", "Offer", 1, "ACTIVE"),
    ]
    assert stages[0].remote_data == one("job_interview_stages", 1001)


def test_job_posts() -> None:
    public, internal, draft = (mapping.map_job_post(p) for p in load("job_posts"))
    assert (public.remote_id, public.job_remote_id, public.title) == (
        "2001",
        "101",
        "Senior Backend Engineer (Remote, US)",
    )
    assert (public.status, public.visibility, public.url) == (
        "ACTIVE",
        "PUBLIC",
        "https://job-boards.greenhouse.io/acme/jobs/2001?gh_jid=2001",
    )
    assert public.description_html == "<p>Build the APIs our customers run on.</p>"
    assert (internal.status, internal.visibility, internal.url) == ("ACTIVE", "INTERNAL", None)
    assert (draft.status, draft.description_html) == ("DRAFT", None)
    was_live = one("job_posts", 2001) | {"live": False}
    assert mapping.map_job_post(was_live).status == "INACTIVE"
    assert mapping.map_job_post(one("job_posts", 2001) | {"active": False}).status == "INACTIVE"


# --- candidates and applications ---------------------------------------------------------------------


def test_candidate() -> None:
    raw = one("candidates", 201)
    applications = [a for a in load("applications") if a["candidate_id"] == 201]
    source = mapping.candidate_source(applications, mapping.index_by_id(load("sources")))
    c = mapping.map_candidate(
        raw,
        applied_tags=load("applied_candidate_tags"),
        tags=mapping.index_by_id(load("candidate_tags")),
        source=source,
    )
    assert (c.remote_id, c.first_name, c.last_name) == ("201", "Margaret", "Hamilton")  # preferred_name not used
    assert (c.company, c.title, c.confidential) == ("NASA", "Director of Software Engineering", False)
    # The earliest application with a source (1703, 2023-12-01, LinkedIn) decides.
    assert c.source == "LinkedIn (Prospecting)"
    assert c.email_addresses == (
        EmailAddress("margaret@personal.example", "PRIVATE"),
        EmailAddress("mh@nasa.example", "WORK"),
    )
    assert c.phone_numbers == (PhoneNumber("+1 555 0100", "MOBILE"), PhoneNumber("margaret.h", "SKYPE"))
    assert c.social_media == (
        SocialMedia(link="https://www.linkedin.com/in/mhamilton", type="LINKEDIN"),
        SocialMedia(username="@mhamilton"),
        SocialMedia(link="https://margaret.example", type="WEBSITE"),
        SocialMedia(link="https://blog.margaret.example", type="BLOG"),
    )
    assert c.location == Location(raw="2 Elm St, Cambridge, MA 02139")  # the home address
    assert c.tag_remote_ids == ("301", "302")
    assert c.custom_fields == {"preferred_pronouns": "she/her"}
    assert c.remote_url == "https://app.greenhouse.io/people/201"
    assert c.remote_created_at == at("2024-03-01T10:00:00.000Z")
    assert c.remote_updated_at == datetime(2024, 3, 20, 15, 0, 0, 123000, tzinfo=UTC)
    assert c.remote_data is raw


def test_candidate_tags_come_from_both_sources() -> None:
    raw = one("candidates", 201)
    tags = mapping.index_by_id(load("candidate_tags"))
    # Names on the candidate alone resolve through the dictionary...
    assert mapping.candidate_tag_ids(raw, (), tags) == ("301", "302")
    # ...applied rows alone give their ids (rows of other candidates ignored)...
    applied = [*load("applied_candidate_tags"), {"id": 9, "candidate_id": 202, "candidate_tag_id": 303}]
    assert mapping.candidate_tag_ids(raw | {"tags": []}, applied) == ("301", "302")
    # ...and the union counts each once; a name the dictionary lacks has no id.
    more = [*applied, {"id": 10, "candidate_id": 201, "candidate_tag_id": 303}]
    assert mapping.candidate_tag_ids(raw | {"tags": ["Senior", "Unknown"]}, more, tags) == ("301", "302", "303")


def test_candidate_minimal_and_types() -> None:
    c = mapping.map_candidate(one("candidates", 202))
    assert c.email_addresses == (EmailAddress("linus@kernel.example", "OTHER"),)
    assert (c.phone_numbers, c.social_media, c.location, c.tag_remote_ids) == ((), (), None, ())
    assert (c.confidential, c.source, c.company, c.custom_fields) == (True, None, None, {})
    odd = {"id": 1, "email_addresses": [{"value": "a@b.example", "type": "school"}, {"value": "", "type": "work"}],
           "addresses": [{"value": "Somewhere", "type": "other"}]}  # fmt: skip
    c = mapping.map_candidate(odd)
    assert c.email_addresses == (EmailAddress("a@b.example", "school"),)  # an unknown type as sent; empty dropped
    assert c.location == Location(raw="Somewhere")
    assert (c.first_name, c.last_name) == (None, None)


def test_application_in_process() -> None:
    raw = one("applications", 1701)
    app = mapping.map_application(raw, rejection_reasons=mapping.index_by_id(load("rejection_reasons")))
    assert (app.remote_id, app.candidate_remote_id, app.job_remote_id) == ("1701", "201", "101")
    assert (app.outcome, app.current_stage_remote_id) == ("PENDING", "1003")  # job_interview_stage_id, not stage_id
    assert (app.rejection_reason_name, app.rejected_at) == (None, None)
    assert app.custom_fields == {"referral_notes": "Met at PyCon"}
    assert app.remote_url == "https://app.greenhouse.io/people/201?application_id=1701"
    assert app.screening_question_answers == (
        ScreeningAnswer(None, "Why do you want to work here?", "TEXT", {"content": "The mission."}),
        ScreeningAnswer(None, "Are you authorized to work in the US?", "TEXT", {"content": "Yes"}),
    )
    assert app.remote_created_at == at("2024-03-01T10:00:00.000Z")
    assert app.remote_updated_at == datetime(2024, 3, 20, 15, 0, 0, 456000, tzinfo=UTC)
    assert app.remote_data is raw  # no stage history needed


def test_rejected_application_takes_its_stage_from_the_history() -> None:
    raw = one("applications", 1702)
    reasons = mapping.index_by_id(load("rejection_reasons"))
    app = mapping.map_application(raw, rejection_reasons=reasons, stage_history=load("application_stages"))
    assert (app.outcome, app.rejection_reason_name) == ("DECLINED", "Took another offer")  # THEY_REJECTED_US
    assert app.rejected_at == at("2024-02-10T12:00:00.000Z")
    assert app.current_stage_remote_id == "1012"  # the `current` history row (v3 nulls the field when terminal)
    assert app.remote_data is not None and [r["id"] for r in app.remote_data["application_stages"]] == [1861, 1862]
    # Without a history the stage is unknown; without the dictionary the reason's name is.
    bare = mapping.map_application(raw)
    assert (bare.current_stage_remote_id, bare.rejection_reason_name, bare.outcome) == (None, None, "DECLINED")
    # The row marked current wins even when the history has no times for it (backfilled rows)...
    backfilled = [r | {"entered_at": None} if r["current"] else r for r in load("application_stages")]
    assert mapping.current_stage_id(raw, backfilled) == "1012"
    # ...and with no row marked current, the latest entered one.
    history = [r | {"current": False} for r in load("application_stages")]
    assert mapping.current_stage_id(raw, history) == "1012"
    history[2]["entered_at"] = "2024-03-01T00:00:00.000Z"
    assert mapping.current_stage_id(raw, history) == "1011"


def test_hired_prospect_and_converted_applications() -> None:
    reasons = mapping.index_by_id(load("rejection_reasons"))
    hired = mapping.map_application(
        one("applications", 1703) | {"rejection_reason_id": 901}, rejection_reasons=reasons,
        stage_history=load("application_stages"),
    )  # fmt: skip
    assert (hired.outcome, hired.current_stage_remote_id, hired.rejection_reason_name) == ("HIRED", "1012", None)
    prospect = mapping.map_application(one("applications", 1704), stage_history=load("application_stages"))
    assert (prospect.job_remote_id, prospect.current_stage_remote_id, prospect.outcome) == (None, None, "PENDING")
    converted = mapping.map_application(one("applications", 1704) | {"status": "converted"})
    assert converted.outcome is None  # promoted to a new application: closed, no outcome
    unknown = one("applications", 1701) | {"status": "archived_somehow", "rejected_at": "2024-04-01T00:00:00Z"}
    assert mapping.map_application(unknown).outcome == "DECLINED"


# --- interviews and scorecards --------------------------------------------------------------------------


def test_interview() -> None:
    raw = one("interviews", 2601)
    slots = mapping.index_by_id(load("job_interviews"))
    interview = mapping.map_interview(raw, interviewers=load("interviewers"), job_interviews=slots)
    assert (interview.remote_id, interview.application_remote_id) == ("2601", "1701")
    assert (interview.title, interview.stage_remote_id) == ("System Design", "1003")  # the plan slot's
    assert (interview.starting_at, interview.ending_at) == (at("2024-03-15T16:00:00Z"), at("2024-03-15T17:00:00Z"))
    assert interview.canceled is False
    assert interview.location == Location(raw="Room 4 (Ada Lovelace)")
    assert interview.video_conferencing_url == "https://meet.example/abc-defg-hij"
    assert interview.user_remote_ids == ("4001", "4002")  # the external guest has no user
    assert interview.remote_data is not None and [r["id"] for r in interview.remote_data["interviewers"]] == [
        2701,
        2702,
        2703,
    ]
    assert interview.remote_updated_at == at("2024-03-15T18:00:00.000Z")


def test_all_day_skipped_interview() -> None:
    interview = mapping.map_interview(
        one("interviews", 2602), job_interviews=mapping.index_by_id(load("job_interviews"))
    )
    assert (interview.title, interview.stage_remote_id) == ("Recruiter Phone Screen", "1002")
    # From the first day's midnight to the midnight after the last day.
    assert (interview.starting_at, interview.ending_at) == (
        datetime(2024, 3, 4, tzinfo=UTC),
        datetime(2024, 3, 6, tzinfo=UTC),
    )
    assert interview.canceled is True  # skipped
    assert (interview.location, interview.user_remote_ids) == (None, ())
    assert mapping.map_interview(one("interviews", 2601)).title is None  # slot unknown


def scorecard_kwargs() -> dict[str, Any]:
    return {
        "questions": mapping.index_by_id(load("scorecard_questions")),
        "answers": load("scorecard_question_answers"),
        "question_options": load("scorecard_question_options"),
        "answer_options": load("scorecard_question_answer_options"),
    }


def test_scorecard() -> None:
    raw = one("scorecards", 1601)
    interviews = mapping.scorecard_interviews(load("interviewers"))
    assert interviews == {"1602": "2601", "1601": "2601"}
    card = mapping.map_scorecard(
        raw, candidate_remote_id="201", interview_remote_id=interviews["1601"], **scorecard_kwargs()
    )
    assert card is not None
    assert (card.remote_id, card.application_remote_id, card.candidate_remote_id) == ("1601", "1701", "201")
    assert (card.interview_remote_id, card.author_remote_id) == ("2601", "4001")  # the interviewer, not the submitter
    ratings = (
        {"remote_id": "strong_no", "label": "Definitely Not"},
        {"remote_id": "no", "label": "No"},
        {"remote_id": "yes", "label": "Yes"},
        {"remote_id": "strong_yes", "label": "Strong Yes"},
    )
    strongest = ({"remote_id": "1401", "label": "Architecture"}, {"remote_id": "1402", "label": "Coding"})
    languages = (
        {"remote_id": "1403", "label": "Python"},
        {"remote_id": "1404", "label": "Go"},
        {"remote_id": "1405", "label": "Rust"},
    )
    assert card.responses == (
        ScorecardResponse(None, "Overall Recommendation", "SINGLE_SELECT", ratings[3], options=ratings),
        ScorecardResponse(
            "1301", "Describe the design they proposed & its trade-offs", "TEXT", "Event sourcing with snapshots.",
            required=True,
        ),
        ScorecardResponse("1302", "Would you hire them?", "BOOLEAN", True, required=True),
        ScorecardResponse("1303", "Strongest area", "SINGLE_SELECT", strongest[0], required=False, options=strongest),
        ScorecardResponse(
            "1304", "Languages used", "MULTI_SELECT", [languages[0], languages[1]], required=False, options=languages
        ),
        # The instruction row is no question; an unanswered question is listed with no answer.
        ScorecardResponse("1306", "Culture add?", "BOOLEAN", None, required=False),
        ScorecardResponse(None, "Key Take-Aways", "TEXT", "Great systems thinking."),
    )  # fmt: skip
    assert (card.remote_created_at, card.remote_updated_at) == (at("2024-03-08T11:00:00Z"), at("2024-03-15T19:00:00Z"))
    assert card.remote_data is not None and len(card.remote_data["scorecard_question_answers"]) == 4
    assert "private" not in json.dumps([r.label for r in card.responses]).lower()


def test_draft_scorecard_is_no_feedback_and_no_decision_has_no_answer() -> None:
    assert mapping.map_scorecard(one("scorecards", 1602)) is None
    undecided = mapping.map_scorecard(one("scorecards", 1601) | {"candidate_rating": "no_decision", "notes": None})
    assert undecided is not None
    assert [(r.label, r.answer) for r in undecided.responses] == [("Overall Recommendation", None)]  # kit unknown


# --- offers, notes, attachments ---------------------------------------------------------------------------


def test_current_offer_version() -> None:
    rows = load("offers")
    current = mapping.current_offers(rows)
    assert [r["id"] for r in current] == [2803, 2802]  # by application: v1 of 1701, v2 of 1703
    offer = mapping.map_offer(current[1])
    # One offer per application, updated in place by new versions.
    assert (offer.remote_id, offer.application_remote_id, offer.status) == ("1703", "1703", "ACCEPTED")
    assert offer.employment_start_date == datetime(2024, 4, 1, tzinfo=UTC)
    assert offer.custom_fields == {"base_salary": {"amount": "150000", "unit": "USD"}}  # value shape: our guess
    assert (offer.remote_created_at, offer.remote_updated_at) == (
        at("2024-02-18T10:00:00Z"),
        at("2024-02-25T12:00:00Z"),
    )
    assert offer.remote_data is current[1]
    draft = mapping.map_offer(current[0])
    assert (draft.remote_id, draft.status, draft.employment_start_date) == ("1701", "DRAFT", None)


@pytest.mark.parametrize(
    ("status", "sent_on", "expected"),
    [
        ("Created", None, "DRAFT"),
        ("Created", "2024-02-20", "SENT"),
        ("Accepted", "2024-02-20", "ACCEPTED"),
        ("Rejected", "2024-02-20", "DECLINED"),
        ("Deprecated", None, "ABANDONED"),
        ("Approved?", None, None),
    ],
)
def test_offer_status(status: str, sent_on: str | None, expected: str | None) -> None:
    assert mapping.offer_status({"status": status, "sent_on": sent_on}) == expected


def test_notes() -> None:
    private, email, system, activity = (mapping.map_note(n) for n in load("notes"))
    assert private is not None
    assert (private.remote_id, private.candidate_remote_id, private.application_remote_id) == ("2901", "201", "1701")
    assert (private.author_remote_id, private.is_private, private.title) == ("4002", True, None)
    assert private.content_html == "Strong referral from Ada.<br>Follow up &lt;soon&gt; &amp; often."
    assert (private.remote_created_at, private.remote_updated_at) == (
        at("2024-03-02T10:00:00Z"),
        at("2024-03-03T10:00:00Z"),
    )
    assert email is None and activity is None  # logged emails and system activity are no notes
    assert system is not None
    assert (system.author_remote_id, system.application_remote_id, system.is_private) == (None, None, False)
    admin_only = mapping.map_note(one("notes", 2901) | {"visibility": "admin_only_visible"})
    assert admin_only is not None and admin_only.is_private is True


def test_attachments() -> None:
    resume, cover, take_home, offer_letter = (mapping.map_attachment(a) for a in load("attachments"))
    assert (resume.remote_id, resume.candidate_remote_id, resume.application_remote_id) == ("3001", "201", "1701")
    assert (resume.type, resume.file_name, resume.content_type) == (
        "CV",
        "Margaret_Hamilton_Resume.pdf",
        "application/pdf",
    )
    assert (cover.type, cover.content_type) == (
        "COVER_LETTER",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    assert (take_home.type, take_home.content_type) == ("OTHER", None)  # no extension, no guess
    assert (offer_letter.type, offer_letter.application_remote_id) == ("OTHER", "1703")
    assert resume.remote_created_at == at("2024-03-01T10:00:00.000Z")
    assert take_home.remote_updated_at == at("2024-03-12T10:00:00.000Z")


# --- helpers and failures ---------------------------------------------------------------------------------


def test_timestamps_and_ids() -> None:
    assert parse_time("2024-03-20T15:00:00.123Z") == datetime(2024, 3, 20, 15, 0, 0, 123000, tzinfo=UTC)
    assert parse_time("2024-03-20T17:00:00+02:00") == datetime(2024, 3, 20, 15, tzinfo=UTC)
    assert parse_time("2024-03-20") == datetime(2024, 3, 20, tzinfo=UTC)
    assert parse_time("soon") is None and parse_time(None) is None
    assert mapping.remote_id(4001) == "4001" and mapping.remote_id("4001") == "4001" and mapping.remote_id(None) is None
    with pytest.raises(TypeError, match="integer or a string"):
        mapping.remote_id({"id": 1})


@pytest.mark.parametrize(
    ("mapper", "raw", "field"),
    [
        (mapping.map_application, {"status": "hired"}, "application: required field 'id'"),
        (mapping.map_candidate, {"first_name": "A"}, "candidate: required field 'id'"),
        (mapping.map_offer, {"id": 1, "status": "Created"}, "offer: required field 'application_id'"),
        (mapping.map_note, {"id": 1, "type": "NOTE"}, "note: required field 'candidate_id'"),
        (mapping.map_stage, {"id": 1}, "job_interview_stage: required field 'job_id'"),
        (mapping.map_stages, [{"id": 1, "sort_order": 0}], "job_interview_stage: required field 'job_id'"),
        (mapping.current_offers, [{"id": 1, "version": 2}], "offer: required field 'application_id'"),
        (mapping.map_user, {"first_name": "A"}, "user: required field 'id'"),
    ],
)
def test_missing_required_fields_name_the_field(mapper: Any, raw: Any, field: str) -> None:
    args = (raw, 0) if mapper is mapping.map_stage else (raw,)
    with pytest.raises(KeyError, match=field):
        mapper(*args)


def test_mappers_do_not_change_their_input() -> None:
    raw = copy.deepcopy(load("applications"))
    for app in raw:
        mapping.map_application(app, stage_history=load("application_stages"))
    assert raw == load("applications")
