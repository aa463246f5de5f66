"""Lever mapping on the vendor's own examples (tests/fixtures/lever, from shared/fixtures/lever):
every fixture that maps to a unified model, with concrete expected values."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hirebridge.connectors.lever import mapping
from hirebridge.model.records import (
    EmailAddress,
    HiringTeamMember,
    Location,
    PhoneNumber,
    ScreeningAnswer,
    SocialMedia,
    SystemRole,
)

pytestmark = pytest.mark.fast  # pure: no database, subprocess or socket

# The vendor examples, copied from ../shared/fixtures/lever (top level) so the suite runs from any checkout.
FIXTURES = Path(__file__).parent / "fixtures/lever"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def data(name: str) -> list[dict[str, Any]]:
    return list(load(name)["data"])


def reasons() -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in data("archive_reasons.json")}


HIRED = "16308515-dc77-4aa7-b3af-96161b2b4e9b"
CULTURE_FIT = "41f98875-06c7-4cb1-b3d0-07f7ae192c0c"


def test_epoch_milliseconds_become_aware_utc_datetimes() -> None:
    assert mapping.from_ms(1407460071043) == datetime(2014, 8, 8, 1, 7, 51, 43000, tzinfo=UTC)
    assert mapping.from_ms("1468953420000") == datetime(2016, 7, 19, 18, 37, tzinfo=UTC)  # files send strings
    assert mapping.from_ms(None) is None
    assert mapping.from_ms("") is None


def test_users_fixture() -> None:
    chandler, rachel = (mapping.map_user(u) for u in data("users.json"))
    assert (chandler.remote_id, chandler.first_name, chandler.last_name) == (
        "8d49b010-cc6a-4f40-ace5-e86061c677ed",
        "Chandler",
        "Bing",
    )
    assert chandler.email == "chandler@example.com"
    assert chandler.status == "INACTIVE"  # deactivatedAt is set
    assert chandler.system_roles == (SystemRole("super admin", "super admin", "ADMIN"),)
    assert rachel.status == "ACTIVE"
    assert rachel.system_roles == (SystemRole("admin", "admin", "ADMIN"),)
    assert rachel.remote_data == data("users.json")[1]


def test_tags_fixture_uses_the_text_as_stable_id() -> None:
    tags = [mapping.map_tag(t) for t in data("tags.json")]
    assert [(t.remote_id, t.name) for t in tags][:2] == [
        ("Infrastructure Engineer", "Infrastructure Engineer"),
        ("Customer Success Manager", "Customer Success Manager"),
    ]
    assert tags[0].remote_data == {"text": "Infrastructure Engineer", "count": 23}


def test_archive_reasons_fixture_become_rejection_reasons() -> None:
    mapped = [mapping.map_rejection_reason(r) for r in data("archive_reasons.json")]
    assert len(mapped) == 7
    assert (mapped[0].remote_id, mapped[0].name) == ("63dd55b2-a99f-4e7b-985f-22c7bf80ab42", "Underqualified")
    assert mapped[6].name == "Position filled"  # inactive reasons still name past rejections


def test_postings_fixture_become_jobs() -> None:
    infra, csm = (mapping.map_job(p) for p in data("postings.json"))
    assert infra.remote_id == "f2f01e16-27f8-4711-a728-7d49499795a0"
    assert infra.name == "Infrastructure Engineer"
    assert infra.job_code == "7381912"
    assert infra.status == "OPEN"
    assert infra.visibility == "PUBLIC"
    assert infra.confidential is False
    assert infra.employment_type == "FULL_TIME"
    assert infra.remote_work_status == "REMOTE"
    assert (infra.category, infra.department, infra.experience_level) == ("Platform", "Engineering", "Senior")
    assert (infra.salary_amount_from, infra.salary_amount_to, infra.salary_currency, infra.salary_period) == (
        40000.0,
        60000.0,
        "USD",
        "YEAR",
    )
    assert infra.salary_amount is None
    assert infra.location == Location(raw="San Francisco", country="US")
    assert infra.post_url == "https://jobs.lever.co/example/f2f01e16-27f8-4711-a728-7d49499795a0/"
    assert infra.description is not None
    assert infra.description.startswith("<div>The <u><b>Infrastructure Engineer</b></u>")
    assert "<h3>Job requirements</h3><ul><li>Quick learner</li>" in infra.description
    assert infra.description.endswith("equal opportunity workplace.</div>")
    assert infra.remote_created_at == datetime(2014, 8, 11, 17, 49, 25, 624000, tzinfo=UTC)
    assert infra.contact_remote_id == "ec1cb1bb-8b58-4834-bc6e-b2af06296e4a"
    # One user as hiring manager and owner: one member with both roles.
    assert infra.hiring_team == (
        HiringTeamMember("ec1cb1bb-8b58-4834-bc6e-b2af06296e4a", ("HIRING_MANAGER", "RECRUITER")),
    )
    assert infra.opened_at is None and infra.closed_at is None  # Lever does not report them
    # Only internal distribution: not public, no public URL.
    assert csm.visibility == "INTERNAL"
    assert csm.post_url is None
    assert csm.remote_work_status == "HYBRID"
    assert csm.department is None and csm.experience_level is None
    assert csm.description is None  # all parts empty


@pytest.mark.parametrize(
    ("state", "status"),
    [("published", "OPEN"), ("internal", "OPEN"), ("closed", "CLOSED"), ("draft", "DRAFT"), ("pending", "DRAFT"),
     ("rejected", "ARCHIVED"), ("someday", "someday")],
)  # fmt: skip
def test_posting_state_maps_to_job_status(state: str, status: str) -> None:
    posting = {**data("postings.json")[0], "state": state}
    assert mapping.map_job(posting).status == status


def test_confidential_posting() -> None:
    posting = {**data("postings.json")[0], "confidentiality": "confidential"}
    job = mapping.map_job(posting)
    assert job.confidential is True
    assert job.visibility == "CONFIDENTIAL"
    assert job.post_url is None


def test_stages_fixture_becomes_each_jobs_pipeline() -> None:
    stages = mapping.map_stages("post-1", data("stages.json"))
    assert [s.remote_id for s in stages[:2]] == [
        "post-1:fff60592-31dd-4ebe-ba8e-e7a397c30f8e",
        "post-1:51adb2bb-1e24-4135-9950-cb96e3886226",
    ]
    assert [(s.name, s.index, s.job_remote_id) for s in stages][-1] == ("Offer", 6, "post-1")
    other = mapping.map_stages("post-2", data("stages.json"))
    assert {s.remote_id for s in stages}.isdisjoint(s.remote_id for s in other)


def test_opportunity_fixture_becomes_a_pending_application() -> None:
    opportunity = load("opportunity.json")["data"]
    app = mapping.map_application(opportunity, reasons())
    assert app.remote_id == "250d8f03-738a-4bba-a671-8a3d73477145"
    assert app.candidate_remote_id == "7f23e772-f2cb-4ebb-b33f-54b872999992"
    assert app.outcome == "PENDING"
    assert app.rejection_reason_name is None and app.rejected_at is None
    # Unexpanded applications: no posting known, so no job and no per-job stage.
    assert app.job_remote_id is None and app.current_stage_remote_id is None
    assert app.remote_url == "https://hire.lever.co/candidates/250d8f03-738a-4bba-a671-8a3d73477145"
    assert app.remote_created_at == datetime(2014, 8, 8, 1, 7, 51, 43000, tzinfo=UTC)
    assert app.remote_updated_at == datetime(2014, 8, 8, 1, 8, 0, 914000, tzinfo=UTC)
    assert app.remote_data is opportunity


def test_expanded_applications_give_the_job_and_the_per_job_stage() -> None:
    opportunity = copy.deepcopy(load("opportunity.json")["data"])
    opportunity["applications"] = [data("applications.json")[1]]  # what `expand=applications` embeds
    app = mapping.map_application(opportunity, reasons())
    assert app.job_remote_id == "6a1e4b79-75a3-454f-9417-ea79612b9585"
    # The posting form's answers (the file upload is not an answer Kombo returns).
    assert app.screening_question_answers == (
        ScreeningAnswer(
            None, "Which languages or frameworks are you comfortable with?", "MULTI_SELECT",
            {"choices": ["javascript", "node"]},
        ),
        ScreeningAnswer(
            None, "What role most interests you?", "TEXT", {"content": " I'm interested in primarily a frontend role"}
        ),
    )  # fmt: skip
    assert app.current_stage_remote_id == "6a1e4b79-75a3-454f-9417-ea79612b9585:00922a60-7c15-422b-b086-f62000824fd7"
    # `expand=stage` sends the stage as an object: same result.
    opportunity["stage"] = {"id": "00922a60-7c15-422b-b086-f62000824fd7", "text": "New lead"}
    assert mapping.map_application(opportunity, reasons()).current_stage_remote_id == app.current_stage_remote_id


def test_referral_forms_are_not_screening_answers() -> None:
    opportunity = copy.deepcopy(load("opportunity.json")["data"])
    opportunity["applications"] = [data("applications.json")[2]]  # a referral: the referrer's form
    app = mapping.map_application(opportunity, reasons())
    assert app.job_remote_id == "a061e321-9ed7-492b-9950-5a23a2b5acae"
    assert app.screening_question_answers == ()
    form = {"type": "posting", "fields": [
        {"type": "dropdown", "text": "Relocate?", "value": "Yes"},
        {"type": "date", "text": "Start", "value": 1420000000000},
        {"type": "score-system", "text": "Odd", "value": {"x": 1}},
    ]}  # fmt: skip
    opportunity["applications"] = [{**data("applications.json")[2], "customQuestions": [form]}]
    assert mapping.map_application(opportunity, reasons()).screening_question_answers == (
        ScreeningAnswer(None, "Relocate?", "SINGLE_SELECT", {"choice": "Yes"}),
        ScreeningAnswer(None, "Start", "DATE", {"date": datetime(2014, 12, 31, 4, 26, 40, tzinfo=UTC)}),
        ScreeningAnswer(None, "Odd", "UNKNOWN", {"raw": {"x": 1}}),
    )


def test_opportunities_fixture_all_map() -> None:
    apps = [mapping.map_application(o, reasons()) for o in data("opportunities.json")]
    assert [a.candidate_remote_id for a in apps] == [
        "7f23e772-f2cb-4ebb-b33f-54b872999992",
        "bd4d81c8-7858-4624-be98-552dfb9ca850",
        "853af6b1-71a2-46d7-a430-c067e28b08f9",
    ]
    assert {a.outcome for a in apps} == {"PENDING"}
    assert apps[1].remote_updated_at is None  # the example leaves updatedAt out


@pytest.mark.parametrize("shape", ["object", "legacy"])
@pytest.mark.parametrize(
    ("reason", "outcome", "name"),
    [(HIRED, "HIRED", None), (CULTURE_FIT, "DECLINED", "Culture Fit"), ("9b6f482e-0399-4ba4-9a2f-1e1d9e3da15b",
     "DECLINED", "Position filled")],
)  # fmt: skip
def test_archive_decides_the_outcome_in_both_shapes(shape: str, reason: str, outcome: str, name: str | None) -> None:
    opportunity = copy.deepcopy(load("opportunity.json")["data"])
    if shape == "object":
        del opportunity["archivedAt"], opportunity["archiveReason"]
        opportunity["archived"] = {"archivedAt": 1420000000000, "reason": reason}
    else:
        opportunity["archivedAt"], opportunity["archiveReason"] = 1420000000000, reason
    app = mapping.map_application(opportunity, reasons())
    assert app.outcome == outcome
    assert app.rejection_reason_name == name
    # A hire is not a rejection: rejected_at only for DECLINED.
    assert app.rejected_at == (datetime(2014, 12, 31, 4, 26, 40, tzinfo=UTC) if outcome == "DECLINED" else None)


def test_unarchived_object_and_unknown_reason_stay_pending() -> None:
    opportunity = copy.deepcopy(load("opportunity.json")["data"])
    opportunity["archived"] = None
    assert mapping.map_application(opportunity, reasons()).outcome == "PENDING"
    opportunity["archived"] = {"archivedAt": 1420000000000, "reason": "not-a-known-reason"}
    assert mapping.map_application(opportunity, reasons()).outcome == "PENDING"


def test_contact_fixture_becomes_a_candidate() -> None:
    candidate = mapping.map_contact(load("contact.json")["data"], tags=["b", "a", "b"])
    assert candidate.remote_id == "c38e60e9-5992-45e5-8f81-d4b2d65c95b1"
    assert (candidate.first_name, candidate.last_name, candidate.company) == ("Cosima", "Niehaus", "Dyad Industries")
    assert candidate.email_addresses == (EmailAddress("cniehaus@dyad.org"),)
    assert candidate.phone_numbers == (PhoneNumber("123-456-7890", "mobile"), PhoneNumber("111-222-3333", "work"))
    assert candidate.location == Location(raw="Toronto, ON, Canada")
    assert candidate.tag_remote_ids == ("a", "b")
    assert candidate.remote_created_at is None  # a contact carries no dates


def test_candidate_from_a_contacts_opportunities_unions_tags_and_takes_the_newest() -> None:
    first, second, _ = copy.deepcopy(data("opportunities.json"))
    second["contact"] = first["contact"]
    second["updatedAt"] = 1500000000000
    candidate = mapping.candidate_from_opportunities([first, second])
    assert candidate.remote_id == "7f23e772-f2cb-4ebb-b33f-54b872999992"
    # The contact's fields from the newest opportunity; the source and URL from the first one.
    assert (candidate.first_name, candidate.last_name) == ("Chaofan", "West")
    assert candidate.tag_remote_ids == (
        "Customer Success",
        "Customer Success Manager",
        "Full-time",
        "Marketing",
        "San Francisco",
        "Support",
    )
    assert candidate.email_addresses == (EmailAddress("chaofan@example.com"),)
    assert candidate.phone_numbers == (PhoneNumber("(123) 456-7891"),)
    assert candidate.social_media == (
        SocialMedia(link="indeed.com/r/Shane-Smith/0b7c87f6b246d2bc"),
        SocialMedia(link="indeed.com/r/Chaofan-West/4f2c7523b0edefbb"),
    )
    assert candidate.location == Location(raw="San Francisco")
    assert candidate.source == "linkedin"
    assert candidate.remote_url == "https://hire.lever.co/candidates/250d8f03-738a-4bba-a671-8a3d73477145"
    assert candidate.confidential is False
    assert candidate.remote_created_at == mapping.from_ms(1407460071043)
    assert candidate.remote_updated_at is None  # a contact has no update time
    # Listing order does not matter.
    assert mapping.candidate_from_opportunities([second, first]) == candidate
    # Nor which opportunity was updated last (a contact's fields are the same on all of them).
    for key in ("name", "headline", "emails", "phones", "location", "isAnonymized"):
        first[key] = second.get(key)
    before = mapping.candidate_from_opportunities([first, second])
    first["updatedAt"] = 1600000000000
    assert mapping.candidate_from_opportunities([first, second]) == before


def test_interviews_fixture() -> None:
    (interview,) = (mapping.map_interview(i, "opp-1", "post-1") for i in data("interviews.json"))
    assert interview.remote_id == "6ff55c8e-fe04-4eb4-835a-630b1c0da421"
    assert interview.application_remote_id == "opp-1"
    assert interview.stage_remote_id == "post-1:f709f65a-481f-4067-9a0d-934a79da9f8e"
    assert interview.title == "On-site interview - Kristoff Bjorgman - Office Manager"
    assert interview.starting_at == datetime(2015, 2, 6, 2, 0, tzinfo=UTC)
    assert interview.ending_at == datetime(2015, 2, 6, 2, 30, tzinfo=UTC)  # 30 minutes
    assert interview.canceled is False
    assert interview.location == Location(raw="Call - (123) 456-7891")
    assert interview.video_conferencing_url is None
    assert interview.user_remote_ids == ("412f5bf5-1509-4916-ba5b-8b16a5c3ce6d",)
    assert interview.remote_created_at == mapping.from_ms(1423187000000)
    canceled = {**data("interviews.json")[0], "canceledAt": 1423187500000, "location": "https://meet.example/x"}
    mapped = mapping.map_interview(canceled, "opp-1", None)
    assert mapped.canceled is True
    assert mapped.video_conferencing_url == "https://meet.example/x"
    assert mapped.stage_remote_id is None  # no posting: no per-job stage


def test_panels_fixture_interviews_map_too() -> None:
    (panel,) = data("panels.json")
    (interview,) = (mapping.map_interview(i, "opp-1", "post-1") for i in panel["interviews"])
    assert interview.remote_id == "4f5beb46-1404-48f7-b841-2c100278d4de"
    assert interview.user_remote_ids == ("d912d26f-c340-4b6d-a927-38f00ff4e8b2",)
    assert interview.ending_at == datetime(2015, 2, 6, 2, 30, tzinfo=UTC)


def test_offers_fixture() -> None:
    signed, draft = (mapping.map_offer(o, "opp-1") for o in data("offers.json"))
    assert signed.remote_id == "a72d66c0-0fd7-4bf8-99ce-dc5979358862"
    assert signed.status == "ACCEPTED"
    assert draft.status == "DRAFT"
    assert signed.application_remote_id == "opp-1"
    assert signed.employment_start_date == mapping.from_ms(1475540150185)
    assert signed.custom_fields["salary_amount"] == 1319000
    assert signed.custom_fields["compensation_currency"] == "USD"
    assert signed.custom_fields["custom_equity"] == 12345
    # The form's copies of the posting and the contact are theirs, not the offer's.
    assert not {"job_posting", "job_title", "candidate_name"} & set(signed.custom_fields)
    assert signed.remote_created_at == mapping.from_ms(1475540115263)


@pytest.mark.parametrize(
    ("status", "unified"),
    [("draft", "DRAFT"), ("approval-sent", "DRAFT"), ("approved", "APPROVED"), ("sent", "SENT"),
     ("sent-manually", "SENT"), ("opened", "SENT"), ("denied", "DECLINED"), ("signed", "ACCEPTED"), ("new", None)],
)  # fmt: skip
def test_offer_status_mapping(status: str, unified: str | None) -> None:
    assert mapping.map_offer({**data("offers.json")[0], "status": status}, "o").status == unified


def test_notes_fixture() -> None:
    (note,) = data("notes.json")
    assert mapping.map_note(note, "opp-1", "contact-1") is None  # deletedAt: gone in Lever
    mapped = mapping.map_note({**note, "deletedAt": None}, "opp-1", "contact-1")
    assert mapped is not None
    assert mapped.remote_id == "b1dbbcfe-281c-46a0-8f51-57049158d3f3"
    assert (mapped.candidate_remote_id, mapped.application_remote_id) == ("contact-1", "opp-1")
    assert mapped.author_remote_id == "c9a0ef49-bfec-496c-bcb9-174ce1984cd2"
    assert mapped.title == "Note"
    assert mapped.content_html == (
        "<p>@rachel We should move forward with Teresa. Can you reach out to her with an email?</p>"
        "<p>Sounds great, @josh! I will send her an email this week.</p>"
    )
    assert mapped.is_private is False
    assert mapped.remote_created_at == mapping.from_ms(1420312438111)
    assert mapped.remote_updated_at == mapping.from_ms(1421715919765)  # the last comment


def test_feedback_fixture_becomes_a_scorecard() -> None:
    (feedback,) = data("feedback.json")
    assert mapping.map_feedback(feedback, "opp-1", "contact-1") is None  # deletedAt
    card = mapping.map_feedback({**feedback, "deletedAt": None}, "opp-1", "contact-1")
    assert card is not None
    assert card.remote_id == "c64fb192-d6d8-42dc-ac82-47cb87e9839c"
    assert card.interview_remote_id == "85110ec8-e33a-4997-a798-5affc854b7ce"
    assert card.author_remote_id == "a0afa6f7-7bb5-4ff6-93c3-e215fbcf3b2e"
    assert (card.candidate_remote_id, card.application_remote_id) == ("contact-1", "opp-1")
    by_label = {r.label: r for r in card.responses}
    rating = by_label["Rating"]
    assert (rating.type, rating.answer, rating.required) == (
        "SINGLE_SELECT",
        {"remote_id": None, "label": "4 - Strong Hire"},
        True,
    )
    assert len(rating.options) == 4
    assert by_label["Notes / Comments"].type == "TEXT"
    assert by_label["Additional Information"].answer == "Has 10 years of experience as an office manager for startups"
    assert by_label["What is the candidate's greatest strength?"].answer == {"remote_id": None, "label": "Execution"}
    multi = by_label["What questions did you ask the candidate?"]
    assert multi.type == "MULTI_SELECT"
    assert multi.answer == [
        {"remote_id": None, "label": "Can you email us two or three references that we can speak to?"},
        {"remote_id": None, "label": "What project are you most proud of?"},
    ]
    assert card.remote_created_at == mapping.from_ms(1423231493557)
    assert card.remote_updated_at == mapping.from_ms(1423231493667)
    assert len(card.responses) == len(feedback["fields"])


def test_files_fixture_becomes_attachments() -> None:
    files = load("files.json")  # the docs print a bare array here
    mapped = [mapping.map_file(f, "opp-1", "contact-1") for f in files]
    assert mapped[-1] is None  # status "error": Lever has nothing to download
    first = mapped[0]
    assert first is not None
    assert first.remote_id == "opp-1/files/b02a3b97-dc41-48e3-b003-44d211ed2a4c"
    assert mapping.parse_attachment_remote_id(first.remote_id) == ("opp-1", "files", files[0]["id"])
    assert (first.file_name, first.content_type, first.type) == ("JaneSmithArticle.pdf", "application/pdf", "OTHER")
    assert first.remote_created_at == datetime(2016, 7, 19, 18, 37, tzinfo=UTC)
    assert mapped[1] is not None and mapped[1].content_type == "image/png"


def test_resume_becomes_a_cv() -> None:
    resume = {
        "id": "r1",
        "createdAt": 1468953420000,
        "file": {"name": "cv.pdf", "ext": ".pdf", "uploadedAt": 1468953420000},
    }
    cv = mapping.map_resume(resume, "opp-1", "contact-1")
    assert cv is not None
    assert (cv.remote_id, cv.type, cv.content_type) == ("opp-1/resumes/r1", "CV", "application/pdf")


def test_fixtures_that_are_not_models_are_named() -> None:
    # Kept honest: every fixture is either mapped above or deliberately not a unified model.
    not_models = {"sources.json", "error_response.json", "applications.json"}  # applications: via expand, above
    mapped = {
        "archive_reasons.json", "contact.json", "feedback.json", "files.json", "interviews.json", "notes.json",
        "offers.json", "opportunities.json", "opportunity.json", "panels.json", "postings.json", "stages.json",
        "tags.json", "users.json",
    }  # fmt: skip
    assert {p.name for p in FIXTURES.glob("*.json")} == mapped | not_models
