"""Unit tests of the sandbox source: determinism, realism, consistency, history and memory."""

from __future__ import annotations

import dataclasses
import functools
import re
import sys
from datetime import UTC, timedelta
from typing import Any, get_args

import pytest

from hirebridge.connectors.base import FetchContext
from hirebridge.connectors.sandbox import SandboxConnector, SandboxSource
from hirebridge.connectors.sandbox.source import BASE_TIME, REJECTION_REASONS, STEP_SECONDS
from hirebridge.model import SyncKind
from hirebridge.model.records import (
    Application,
    ApplicationStage,
    Attachment,
    Candidate,
    Interview,
    Job,
    JobPosting,
    Note,
    Offer,
    OfferStatus,
    Outcome,
    Record,
    Role,
    RoleType,
    Scorecard,
    ScreeningQuestion,
    ScreeningType,
    User,
)

pytestmark = pytest.mark.fast  # pure: no database, subprocess or socket

SEED = "sandbox:7C9M5sXAQx2cNMpVHLojrFpL"
SIZE = 500
EMAIL = re.compile(r"^(?!\.)(?!.*\.\.)([\w'+-.]*)[\w+-]@([\da-z][\da-z-]*\.)+[a-z]{2,}$")
ANSWER_KEYS = {
    "TEXT": "content",
    "SINGLE_SELECT": "choice",
    "MULTI_SELECT": "choices",
    "BOOLEAN": "checked",
    "NUMBER": "number",
    "DATE": "date",
    "UNKNOWN": "raw",
}

Snapshot = dict[str, dict[str, Any]]  # model -> remote id -> record


@functools.cache
def snapshot(step: int, size: int = SIZE, seed: str = SEED) -> Snapshot:
    """Every record of the sandbox at `step`, by model and remote id (cached: sources are pure)."""
    source = SandboxSource(seed, size, step)
    return {model: {r.remote_id: r for r in method()} for model, method in source.record_methods().items()}


def records(step: int, model: str) -> list[Any]:
    return list(snapshot(step)[model].values())


# ---- determinism and shape ------------------------------------------------------------------------


def test_same_arguments_give_equal_records() -> None:
    first, second = SandboxSource(SEED, 120, 4), SandboxSource(SEED, 120, 4)
    for model, method in first.record_methods().items():
        assert list(method()) == list(second.record_methods()[model]()), model


def test_different_seeds_give_different_records() -> None:
    ours, theirs = SandboxSource("sandbox:a", 100), SandboxSource("sandbox:b", 100)
    for model in ("users", "jobs", "candidates", "applications"):
        assert list(ours.record_methods()[model]()) != list(theirs.record_methods()[model]()), model


def test_sizes_follow_the_applications_argument() -> None:
    counts = SandboxSource(SEED, SIZE).counts()
    assert counts["tags"] == 12
    assert counts["rejection_reasons"] == 8
    assert counts["users"] == 5
    assert counts["jobs"] == SIZE // 40
    assert counts["candidates"] == 450
    assert counts["applications"] == SIZE
    assert 5 * counts["jobs"] <= counts["application_stages"] <= 10 * counts["jobs"]
    big = SandboxSource(SEED, 40_000)
    assert (sum(1 for _ in big.users()), sum(1 for _ in big.jobs())) == (200, 1000)


def test_stream_order_and_connector() -> None:
    connector = SandboxConnector(SEED, {"applications": 60, "step": 2})
    streams = connector.streams()
    assert connector.tool == "sandbox"
    assert [s.model for s in streams] == [
        "roles",
        "tags",
        "users",
        "rejection_reasons",
        "jobs",
        "application_stages",
        "job_postings",
        "screening_questions",
        "candidates",
        "applications",
        "interviews",
        "offers",
        "notes",
        "scorecards",
        "attachments",
    ]
    source = SandboxSource(SEED, 60, 2)
    # The sandbox has no change feed: a DELTA run, even one handed a stored state, reads everything.
    full = FetchContext(SyncKind.FULL, state=None)
    deltas = [FetchContext(SyncKind.DELTA, state=None), FetchContext(SyncKind.DELTA, state={"read": 60})]
    for stream in streams:
        expected = list(source.record_methods()[stream.model]())
        assert expected, stream.model
        assert list(stream.fetch(full)) == expected, stream.model
        for delta in deltas:
            assert list(stream.fetch(delta)) == expected, (stream.model, delta)
        assert all(stream.model == type(r).MODEL for r in expected)
    with pytest.raises(ValueError):
        SandboxConnector(SEED, {"applications": -1})


@pytest.mark.parametrize("step", [0, 6])
def test_remote_ids_are_unique_and_ascending(step: int) -> None:
    source = SandboxSource(SEED, SIZE, step)
    for model, method in source.record_methods().items():
        ids = [r.remote_id for r in method()]
        assert ids == sorted(ids), model
        assert len(ids) == len(set(ids)), model


# ---- realism: every value shows up ----------------------------------------------------------------


def test_every_enum_value_appears_at_step_0() -> None:
    jobs: list[Job] = records(0, "jobs")
    apps: list[Application] = records(0, "applications")
    users: list[User] = records(0, "users")
    stages: list[ApplicationStage] = records(0, "application_stages")
    candidates: list[Candidate] = records(0, "candidates")
    interviews: list[Interview] = records(0, "interviews")

    assert {a.outcome for a in apps} == set(get_args(Outcome))
    assert {j.status for j in jobs} == {"OPEN", "CLOSED", "DRAFT", "ARCHIVED"}
    assert {j.visibility for j in jobs} == {"PUBLIC", "INTERNAL", "UNLISTED"}
    assert {j.employment_type for j in jobs} == {
        "FULL_TIME",
        "PART_TIME",
        "CONTRACT",
        "INTERNSHIP",
        "SEASONAL",
    }
    assert {s.status for s in stages} == {"ACTIVE", "INACTIVE"}
    assert {u.status for u in users} == {"ACTIVE", "INACTIVE"}
    assert {r.unified_type for u in users for r in u.system_roles} == set(get_args(RoleType))
    answer_types = {a.type for app in apps for a in app.screening_question_answers}
    assert answer_types == set(get_args(ScreeningType))
    assert {e.type for c in candidates for e in c.email_addresses} == {"PRIVATE", "WORK", "OTHER"}
    assert {len(c.email_addresses) for c in candidates} == {1, 2, 3}
    assert {len(c.phone_numbers) for c in candidates} == {0, 1, 2}
    assert {len(c.social_media) for c in candidates} == {0, 1, 2}
    assert {len(c.tag_remote_ids) for c in candidates} == {0, 1, 2, 3}
    assert {"LINKEDIN", "GITHUB"} <= {s.type for c in candidates for s in c.social_media}
    assert {c.confidential for c in candidates} == {True, False}
    assert {bool(a.custom_fields) for a in apps} == {True, False}
    assert any(not f"{c.first_name}{c.last_name}".isascii() for c in candidates)  # Zoë, Müller, ...
    assert {i.canceled for i in interviews} == {True, False}
    assert any(i.location is not None and i.video_conferencing_url is None for i in interviews)
    assert any(i.location is None and i.video_conferencing_url is not None for i in interviews)
    per_application: dict[str | None, int] = {a.remote_id: 0 for a in apps}
    for interview in interviews:
        per_application[interview.application_remote_id] += 1
    assert {0, 1, 2, 3} <= set(per_application.values()) <= {0, 1, 2, 3, 4}


def test_every_offer_status_appears() -> None:
    statuses = {o.status for step in range(6) for o in records(step, "offers")}
    assert statuses == set(get_args(OfferStatus))
    assert {o.status for o in records(0, "offers")} == set(get_args(OfferStatus))


@pytest.mark.parametrize("size", [20, 21, 33, 50, 77])
@pytest.mark.parametrize("seed", ["sandbox:x", "sandbox:y", "sandbox:z"])
def test_every_outcome_appears_from_20_applications(size: int, seed: str) -> None:
    outcomes = {a.outcome for a in SandboxSource(seed, size).applications()}
    assert outcomes == set(get_args(Outcome))


def test_screening_answers_hold_exactly_the_key_of_their_type() -> None:
    questions: dict[str, tuple[str, str]] = {}
    for app in records(0, "applications"):
        for answer in app.screening_question_answers:
            assert set(answer.answer) == {ANSWER_KEYS[answer.type]}
            value = answer.answer[ANSWER_KEYS[answer.type]]
            if answer.type == "DATE":
                assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z", value)
            elif answer.type == "MULTI_SELECT":
                assert value and all(isinstance(choice, str) for choice in value)
            elif answer.type == "NUMBER":
                assert isinstance(value, float)
            elif answer.type == "BOOLEAN":
                assert isinstance(value, bool)
            # A question keeps its id, title and type across all applications of a job.
            key = answer.question_remote_id
            assert key is not None and key.startswith(f"{app.job_remote_id}-q-")
            assert questions.setdefault(key, (answer.question_title, answer.type)) == (
                answer.question_title,
                answer.type,
            )


@pytest.mark.parametrize("step", [0, 8])
def test_emails_are_valid_lowercase_ascii(step: int) -> None:
    addresses = [e.email_address for c in records(step, "candidates") for e in c.email_addresses]
    addresses += [u.email for u in records(step, "users")]
    for address in addresses:
        assert address is not None and EMAIL.match(address), address
        assert address.isascii() and address == address.lower(), address
    # More users than distinct names (5000 > 51 * 45): e-mails stay unique anyway.
    user_emails = [u.email for u in SandboxSource(SEED, 1_000_000).users()]
    assert len(set(user_emails)) == len(user_emails) == 5000


@pytest.mark.parametrize("step", [0, 5])
def test_datetimes_are_utc_and_whole_seconds(step: int) -> None:
    for model in snapshot(step).values():
        for record in model.values():
            for f in dataclasses.fields(record):
                value = getattr(record, f.name)
                if hasattr(value, "tzinfo"):
                    assert value.tzinfo == UTC and value.microsecond == 0, (record.remote_id, f.name)


@pytest.mark.parametrize("step", [0, 6])
def test_jobs_are_consistent_with_their_status(step: int) -> None:
    users: dict[str, User] = snapshot(step)["users"]
    for job in records(step, "jobs"):
        assert (job.opened_at is None) == (job.status == "DRAFT")
        assert (job.closed_at is not None) == (job.status in ("CLOSED", "ARCHIVED"))
        assert (job.post_url is not None) == (job.visibility == "PUBLIC" and job.status != "DRAFT")
        # The hiring team: 2-4 distinct users, the contact (a recruiter) and a hiring manager among them.
        members = [m.user_remote_id for m in job.hiring_team]
        assert 2 <= len(members) <= 4 and members == sorted(set(members))
        assert job.contact_remote_id in members
        assert "RECRUITER" in {r.unified_type for r in users[job.contact_remote_id].system_roles}
        assert any("HIRING_MANAGER" in m.hiring_team_roles for m in job.hiring_team)
        for member in job.hiring_team:
            assert member.job_roles and all(r.scope == "JOB" for r in member.job_roles)
            unified = tuple(r.unified_type for r in member.job_roles if r.unified_type is not None)
            assert member.hiring_team_roles == unified


def test_roles_cover_every_type_and_are_all_in_use() -> None:
    roles: list[Role] = records(0, "roles")
    assert {r.unified_type for r in roles} == {*get_args(RoleType), None}  # None: a custom role
    for scope in ("SYSTEM", "JOB"):
        assert {r.unified_type for r in roles if r.scope == scope} >= set(get_args(RoleType)) - {"ADMIN"}
    used = {r.remote_id for u in records(0, "users") for r in u.system_roles}
    used |= {r.remote_id for j in records(0, "jobs") for m in j.hiring_team for r in m.job_roles}
    assert used == {r.remote_id for r in roles}


# A posting's possible statuses by its job's status (any other job status: INACTIVE only).
POSTING_STATUSES: dict[str | None, set[str]] = {"OPEN": {"ACTIVE", "INACTIVE"}, "DRAFT": {"DRAFT"}}


def test_job_postings_show_every_status_and_visibility() -> None:
    postings: list[JobPosting] = records(0, "job_postings")
    assert {p.status for p in postings} == {"ACTIVE", "INACTIVE", "DRAFT"}
    assert {p.visibility for p in postings} == {"PUBLIC", "INTERNAL", "UNLISTED"}
    per_job = {job.remote_id: 0 for job in records(0, "jobs")}
    for posting in postings:
        per_job[posting.job_remote_id] += 1
    assert set(per_job.values()) == {0, 1, 2}
    for step in (0, 6):
        jobs: dict[str, Job] = snapshot(step)["jobs"]
        for posting in records(step, "job_postings"):
            assert posting.remote_id.startswith(f"{posting.job_remote_id}-p")
            status = jobs[posting.job_remote_id].status
            allowed = POSTING_STATUSES.get(status, {"INACTIVE"})
            assert posting.status in allowed, (posting.remote_id, status)
            assert (posting.url is None) == (posting.visibility == "INTERNAL")
            assert posting.title and "<p>" in posting.description_html


def test_screening_questions_show_every_format() -> None:
    questions: list[ScreeningQuestion] = records(0, "screening_questions")
    formats = [q.format for q in questions if q.format is not None]
    assert {f.type for f in formats} == {
        "TEXT",
        "NUMBER",
        "FILE",
        "SINGLE_SELECT",
        "MULTI_SELECT",
        "BOOLEAN",
        "DATE",
        "INFORMATION",
    }
    displays = {(f.type, f.display_type) for f in formats}
    assert {("TEXT", d) for d in ("SINGLE_LINE", "MULTI_LINE", "EMAIL", "URL")} <= displays
    assert {("NUMBER", "FIELD"), ("NUMBER", "SLIDER"), ("SINGLE_SELECT", "DROPDOWN"), ("SINGLE_SELECT", "RADIO")} <= (
        displays
    )
    assert {q.category for q in questions} == {"EEO", "DEMOGRAPHIC", None}
    assert {q.required for q in questions} == {True, False, None}
    assert any(q.format is None for q in questions)  # the "star rating" (UNKNOWN) question
    for f in formats:
        if f.type == "TEXT":
            assert f.max_length
        elif f.type == "NUMBER":
            assert f.min is not None and f.max is not None and f.min < f.max
        elif f.type == "FILE":
            assert f.accepted_mime_types and f.max_file_size_bytes
        assert bool(f.options) == (f.type in ("SINGLE_SELECT", "MULTI_SELECT"))
    by_id = {q.remote_id: q for q in questions}
    parents = set()
    for question in questions:
        if question.format is not None:
            for n, option in enumerate(question.format.options):
                assert option.remote_id == f"{question.remote_id}-o{n}"
        if question.precondition_question_remote_id is None:
            assert question.precondition_options is None
            continue
        parent = by_id[question.precondition_question_remote_id]
        assert parent.format is not None and question.precondition_options
        parents.add(parent.format.type)
        if parent.format.type == "BOOLEAN":
            assert question.precondition_options == (True,)
        else:
            assert set(question.precondition_options) <= {o.remote_id for o in parent.format.options}
    assert {"BOOLEAN", "SINGLE_SELECT", "MULTI_SELECT"} <= parents


@pytest.mark.parametrize("step", [0, 6])
def test_questions_match_the_answers_and_are_indexed(step: int) -> None:
    questions: dict[str, ScreeningQuestion] = snapshot(step)["screening_questions"]
    for app in records(step, "applications"):
        for answer in app.screening_question_answers:
            question = questions[answer.question_remote_id]
            assert (question.job_remote_id, question.title) == (app.job_remote_id, answer.question_title)
    indices: dict[str, list[int]] = {}
    for question in questions.values():
        assert question.job_remote_id is not None and question.index is not None, question
        indices.setdefault(question.job_remote_id, []).append(question.index)
    assert all(sorted(found) == list(range(len(found))) for found in indices.values())


def test_notes_show_every_case() -> None:
    notes: list[Note] = records(0, "notes")
    assert {n.is_private for n in notes} == {True, False, None}
    assert None in {n.author_remote_id for n in notes} and None in {n.title for n in notes}
    assert {n.application_remote_id is None for n in notes} == {True, False}  # candidate-only notes too
    assert all(n.content_html is not None and n.content_html.startswith("<p>") for n in notes)
    per_application = {a.remote_id: 0 for a in records(0, "applications")}
    for note in notes:
        if note.application_remote_id is not None:
            per_application[note.application_remote_id] += 1
    assert set(per_application.values()) == {0, 1, 2, 3}


ANSWER_SHAPES: dict[str, type] = {
    "TEXT": str,
    "SINGLE_SELECT": dict,
    "MULTI_SELECT": list,
    "BOOLEAN": bool,
    "NUMBER": int,
    "DATE": str,
}


def has_shape(answer: Any, kind: str) -> bool:
    """Whether a scorecard answer has its type's shape (a function, so `answer` stays `Any` after)."""
    return isinstance(answer, ANSWER_SHAPES[kind])


def test_scorecards_follow_interviews_and_show_every_response_type() -> None:
    scorecards: list[Scorecard] = records(0, "scorecards")
    interviews: dict[str, Interview] = snapshot(0)["interviews"]
    assert len({s.interview_remote_id for s in scorecards}) == len(scorecards)
    # Every interview that ended two days before the step's end has its scorecard; none ahead has.
    now = BASE_TIME + timedelta(hours=8)
    scored = {s.interview_remote_id for s in scorecards}
    for interview in interviews.values():
        assert interview.ending_at is not None, interview
        if not interview.canceled and interview.ending_at <= now - timedelta(days=2):
            assert interview.remote_id in scored
        if interview.ending_at > now:
            assert interview.remote_id not in scored
    responses = [r for s in scorecards for r in s.responses]
    assert {r.type for r in responses} == set(ANSWER_SHAPES)
    assert {r.answer is None for r in responses} == {True, False}
    assert None in {r.remote_id for r in responses}  # the overall rating sits outside the rubric
    assert {r.required for r in responses} == {True, False}
    assert any(r.description for r in responses)
    for response in responses:
        if response.type in ("SINGLE_SELECT", "MULTI_SELECT"):
            assert response.options and all(set(o) == {"remote_id", "label"} for o in response.options)
        if response.answer is None:
            assert not response.required
            continue
        assert has_shape(response.answer, response.type), response
        if response.type == "SINGLE_SELECT":
            assert response.answer in response.options
        elif response.type == "MULTI_SELECT":
            assert response.answer and all(option in response.options for option in response.answer)
        elif response.type == "DATE":
            assert re.fullmatch(r"\d{4}-\d\d-\d\d", response.answer)


def test_attachments_show_every_case() -> None:
    attachments: list[Attachment] = records(0, "attachments")
    candidates: dict[str, Candidate] = snapshot(0)["candidates"]
    assert {a.type for a in attachments} == {"CV", "COVER_LETTER", "OTHER"}
    assert {a.content_type for a in attachments} == {"application/pdf", "text/plain"}
    cvs = [a for a in attachments if a.type == "CV"]
    assert {cv.application_remote_id is None for cv in cvs} == {True, False}
    assert len({cv.candidate_remote_id for cv in cvs}) > 0.9 * len(candidates)
    assert all(a.application_remote_id is not None for a in attachments if a.type == "COVER_LETTER")
    for attachment in attachments:
        extension = ".pdf" if attachment.content_type == "application/pdf" else ".txt"
        assert attachment.file_name is not None and attachment.file_name.endswith(extension)
        assert attachment.candidate_remote_id is not None
    for cv in cvs:  # named after the candidate (as created: at step 0, nobody has been renamed yet)
        assert cv.candidate_remote_id is not None and cv.file_name is not None
        candidate = candidates[cv.candidate_remote_id]
        assert cv.file_name.startswith(f"{candidate.first_name}_{candidate.last_name}_CV.")


def check_pdf(content: bytes) -> None:
    """A well-formed minimal PDF: header, trailer, and a cross-reference table whose offsets point at
    the objects (what a reader checks before it renders anything)."""
    assert content.startswith(b"%PDF-1.") and content.endswith(b"%%EOF")
    startxref = int(content.rsplit(b"startxref", 1)[1].split()[0])
    lines = content[startxref:].split(b"\n")
    assert lines[0] == b"xref"
    first, count = map(int, lines[1].split())
    entries = lines[2 : 2 + count]
    assert first == 0 and all(len(entry) == 19 for entry in entries)  # 20 bytes with the newline
    for number, entry in enumerate(entries[1:], 1):
        assert content[int(entry[:10]) :].startswith(b"%d 0 obj" % number)
    length = re.search(rb"/Length (\d+)", content)
    assert length is not None
    assert content.split(b"stream\n", 1)[1][int(length.group(1)) :].startswith(b"\nendstream")


def test_attachment_content() -> None:
    source = SandboxSource(SEED, 60, 3)
    attachments = list(source.attachments())
    candidates = {c.remote_id: c for c in SandboxSource(SEED, 60, 0).candidates()}
    for attachment in attachments:
        content, content_type = source.attachment_content(attachment.remote_id)
        assert content_type == attachment.content_type
        assert (content, content_type) == SandboxSource(SEED, 60, 3).attachment_content(attachment.remote_id)
        if content_type == "application/pdf":
            check_pdf(content)
            assert len(content) < 1000
            text = content.decode("cp1252")
        else:
            text = content.decode()
        assert attachment.candidate_remote_id is not None
        candidate = candidates.get(attachment.candidate_remote_id)
        if candidate is not None and "Ł" not in (candidate.first_name or ""):  # Ł is not in a PDF's WinAnsi
            assert f"{candidate.first_name} {candidate.last_name}" in text
    assert {a.content_type for a in attachments} == {"application/pdf", "text/plain"}
    connector = SandboxConnector(SEED, {"applications": 60, "step": 3})
    remote_id = attachments[0].remote_id
    assert connector.fetch_attachment(remote_id) == source.attachment_content(remote_id)
    later = {a.remote_id for a in SandboxSource(SEED, 60, 9).attachments()}
    unknown = [
        "",
        "cand_00000001",
        "cand_00000001-f99",
        "app_99999999-f00",
        "app_00000000-f00",
        "cand_99999999-f00",
        "job_000001-f00",
    ]
    unknown += sorted(later - {a.remote_id for a in attachments})[:3]  # uploaded later, or deleted by now
    assert len(unknown) == 10
    for remote_id in unknown:
        with pytest.raises(KeyError):
            source.attachment_content(remote_id)


# ---- references -----------------------------------------------------------------------------------


@pytest.mark.parametrize("step", [0, 6])
def test_references_are_consistent(step: int) -> None:
    check_references(snapshot(step))


@pytest.mark.parametrize("size", [0, 1, 3, 7])
def test_tiny_sandboxes_are_consistent(size: int) -> None:
    for step in range(4):
        source = SandboxSource(SEED, size, step)
        check_references({m: {r.remote_id: r for r in f()} for m, f in source.record_methods().items()})


def check_references(snap: Snapshot) -> None:
    jobs, stages, users = snap["jobs"], snap["application_stages"], snap["users"]
    candidates, apps, offers = snap["candidates"], snap["applications"], snap["offers"]
    last_stage: dict[str, int] = {}
    for stage in stages.values():
        last_stage[stage.job_remote_id] = max(last_stage.get(stage.job_remote_id, 0), stage.index)
    offers_by_app: dict[str, list[Offer]] = {}
    for offer in offers.values():
        assert offer.application_remote_id in apps
        offers_by_app.setdefault(offer.application_remote_id, []).append(offer)
    roles: dict[str, Role] = snap["roles"]
    for user in users.values():
        assert {(r.remote_id, r.unified_type, "SYSTEM") for r in user.system_roles} <= {
            (r.remote_id, r.unified_type, r.scope) for r in roles.values()
        }
    for job in jobs.values():
        assert {member.user_remote_id for member in job.hiring_team} <= users.keys()
        assert job.contact_remote_id in users
        for member in job.hiring_team:
            for role in member.job_roles:
                assert (role.remote_id, role.remote_label, role.unified_type, "JOB") == (
                    (r := roles[role.remote_id]).remote_id,
                    r.remote_label,
                    r.unified_type,
                    r.scope,
                )
    for posting in snap["job_postings"].values():
        assert posting.job_remote_id in jobs
    for question in snap["screening_questions"].values():
        assert question.job_remote_id in jobs
        if question.precondition_question_remote_id is not None:
            parent = snap["screening_questions"][question.precondition_question_remote_id]
            assert parent.job_remote_id == question.job_remote_id
    for note in snap["notes"].values():
        assert note.candidate_remote_id in candidates
        assert note.author_remote_id is None or note.author_remote_id in users
        if note.application_remote_id is not None:
            assert apps[note.application_remote_id].candidate_remote_id == note.candidate_remote_id
    for scorecard in snap["scorecards"].values():
        interview = snap["interviews"][scorecard.interview_remote_id]
        assert not interview.canceled and interview.ending_at <= scorecard.remote_created_at
        assert scorecard.author_remote_id in interview.user_remote_ids
        assert scorecard.application_remote_id == interview.application_remote_id
        assert apps[scorecard.application_remote_id].candidate_remote_id == scorecard.candidate_remote_id
    for attachment in snap["attachments"].values():
        assert attachment.candidate_remote_id in candidates
        if attachment.application_remote_id is not None:
            app = apps[attachment.application_remote_id]
            assert app.candidate_remote_id == attachment.candidate_remote_id
    for candidate in candidates.values():
        assert set(candidate.tag_remote_ids) <= snap["tags"].keys()
        assert list(candidate.tag_remote_ids) == sorted(set(candidate.tag_remote_ids))
    for app in apps.values():
        assert app.candidate_remote_id in candidates
        assert jobs[app.job_remote_id].status != "DRAFT"
        stage = stages[app.current_stage_remote_id]
        assert stage.job_remote_id == app.job_remote_id
        assert (app.rejection_reason_name is not None) == (app.rejected_at is not None)
        assert (app.outcome == "DECLINED") == (app.rejection_reason_name is not None)
        assert app.rejection_reason_name in (None, *REJECTION_REASONS)
        if app.outcome == "HIRED":
            assert stage.index == last_stage[app.job_remote_id]
            assert "ACCEPTED" in {o.status for o in offers_by_app[app.remote_id]}
        else:
            assert stage.index < last_stage[app.job_remote_id]
        if app.outcome == "PENDING":
            assert jobs[app.job_remote_id].status in ("OPEN", "CLOSED")
    for interview in snap["interviews"].values():
        app = apps[interview.application_remote_id]
        assert stages[interview.stage_remote_id].job_remote_id == app.job_remote_id
        assert interview.user_remote_ids and set(interview.user_remote_ids) <= users.keys()
        assert timedelta(minutes=45) <= interview.ending_at - interview.starting_at <= timedelta(minutes=60)


@pytest.mark.parametrize("step", [0, 6])
def test_timestamps_are_ordered(step: int) -> None:
    snap = snapshot(step)
    for model in snap.values():
        for r in model.values():
            created, updated = getattr(r, "remote_created_at", None), getattr(r, "remote_updated_at", None)
            assert created is None or updated is None or created <= updated, r.remote_id
    for app in snap["applications"].values():
        job = snap["jobs"][app.job_remote_id]
        assert snap["candidates"][app.candidate_remote_id].remote_created_at <= app.remote_created_at
        assert job.opened_at <= app.remote_created_at
        assert job.closed_at is None or app.remote_created_at < job.closed_at
        assert app.rejected_at is None or app.remote_created_at <= app.rejected_at <= app.remote_updated_at
    for interview in snap["interviews"].values():
        assert interview.remote_created_at < interview.starting_at
    for offer in snap["offers"].values():
        assert offer.remote_created_at < offer.employment_start_date


def test_interleaved_iteration_gives_the_same_records() -> None:
    """An entity's state must not depend on what else is being iterated."""
    source = SandboxSource(SEED, 80, 3)
    interleaved = list(zip(source.applications(), source.interviews(), source.candidates(), strict=False))
    assert [t[0] for t in interleaved] == list(source.applications())[: len(interleaved)]
    assert [t[1] for t in interleaved] == list(source.interviews())[: len(interleaved)]
    assert [t[2] for t in interleaved] == list(source.candidates())[: len(interleaved)]


def test_candidates_with_two_applications() -> None:
    apps = records(0, "applications")
    per_candidate: dict[str, int] = {}
    for app in apps:
        per_candidate[app.candidate_remote_id] = per_candidate.get(app.candidate_remote_id, 0) + 1
    assert sorted(set(per_candidate.values())) == [1, 2]
    assert sum(1 for n in per_candidate.values() if n == 2) == SIZE - 450


# ---- history --------------------------------------------------------------------------------------


def diff(model: str, step: int, size: int = SIZE) -> tuple[set[str], set[str], list[tuple[Any, Any]], int]:
    """(added ids, removed ids, changed (before, after) pairs, number unchanged) from step to step + 1."""
    before, after = snapshot(step, size)[model], snapshot(step + 1, size)[model]
    common = before.keys() & after.keys()
    changed = [(before[i], after[i]) for i in sorted(common) if before[i] != after[i]]
    return after.keys() - before.keys(), before.keys() - after.keys(), changed, len(common) - len(changed)


def own_changes(before: Record, after: Record) -> set[str]:
    """Names of the fields that differ, apart from the bookkeeping ones."""
    ignored = {"remote_data", "remote_updated_at"}
    return {
        f.name
        for f in dataclasses.fields(before)
        if f.name not in ignored and getattr(before, f.name) != getattr(after, f.name)
    }


@pytest.mark.parametrize("step", [0, 2])
def test_a_step_adds_removes_changes_and_keeps_records(step: int) -> None:
    window_start = BASE_TIME + timedelta(seconds=(step + 1) * STEP_SECONDS)
    for model in ("candidates", "applications", "interviews", "offers"):
        added, removed, changed, unchanged = diff(model, step)
        assert added and removed and changed and unchanged, model
        for before, after in changed:
            if own_changes(before, after) - {"tag_remote_ids"}:
                # A changed record was changed during the step, after everything before it.
                assert after.remote_updated_at >= window_start, (model, after.remote_id)
    old_candidates = snapshot(step)["candidates"]
    new_apps = [snapshot(step + 1)["applications"][i] for i in diff("applications", step)[0]]
    assert any(app.candidate_remote_id in old_candidates for app in new_apps), "an existing candidate applies"
    assert any(app.candidate_remote_id not in old_candidates for app in new_apps), "a new candidate applies"


@pytest.mark.parametrize("step", [0, 2])
def test_a_step_moves_rejects_and_hires_applications(step: int) -> None:
    offers_after = snapshot(step + 1)["offers"]
    kinds = set()
    for before, after in diff("applications", step)[2]:
        assert after.remote_updated_at > before.remote_updated_at
        stages = snapshot(step + 1)["application_stages"]
        moved_forward = stages[after.current_stage_remote_id].index > stages[before.current_stage_remote_id].index
        if after.outcome == "PENDING":
            assert moved_forward
            kinds.add("moved")
        elif after.outcome == "DECLINED":
            assert before.outcome == "PENDING" and after.rejection_reason_name in REJECTION_REASONS
            kinds.add("rejected")
        else:
            accepted = [o for o in offers_after.values() if o.application_remote_id == after.remote_id]
            assert "ACCEPTED" in {o.status for o in accepted}
            kinds.add("hired")
    assert kinds == {"moved", "rejected", "hired"}


@pytest.mark.parametrize("step", [0, 2])
def test_a_step_edits_candidates_and_their_tags(step: int) -> None:
    edits = [own_changes(before, after) for before, after in diff("candidates", step)[2]]
    assert {"tag_remote_ids"} in edits, "a tag-only change"
    changed_fields = set().union(*edits)
    assert {"last_name", "email_addresses", "phone_numbers"} <= changed_fields
    for before, after in diff("candidates", step)[2]:
        if own_changes(before, after) == {"tag_remote_ids"}:
            assert before.remote_updated_at == after.remote_updated_at
            assert before.remote_data == after.remote_data


@pytest.mark.parametrize("step", [0, 2])
def test_a_step_schedules_and_cancels_interviews_and_moves_offers(step: int) -> None:
    interview_changes = diff("interviews", step)[2]
    assert interview_changes and all(not before.canceled and after.canceled for before, after in interview_changes)
    offer_changes = diff("offers", step)[2]
    assert offer_changes and all(before.status != after.status for before, after in offer_changes)


def kinds_of_change(step: int, size: int) -> set[str]:
    """What changed in the new models (and users, jobs, stages) from `step` to `step + 1`, checking on
    the way that each change is of a kind the sandbox makes."""
    before, after = snapshot(step, size), snapshot(step + 1, size)
    kinds: set[str] = set()
    for model in ("users", "jobs", "application_stages", "job_postings", "screening_questions"):
        assert before[model].keys() <= after[model].keys(), model  # never deleted
    for model in ("job_postings", "screening_questions", "notes", "scorecards", "attachments"):
        if after[model].keys() - before[model].keys():
            kinds.add(f"{model} added")
        if before[model].keys() - after[model].keys():
            kinds.add(f"{model} deleted")
    for model in ("users", "jobs", "application_stages", "job_postings", "screening_questions", "notes"):
        for rid in sorted(before[model].keys() & after[model].keys()):
            old, new = before[model][rid], after[model][rid]
            if old == new:
                continue
            fields = own_changes(old, new)
            kinds |= {f"{model} changed", *(f"{model} {field}" for field in fields)}
            if model == "jobs" and fields == {"hiring_team"}:  # links: the job itself did not change
                assert (old.remote_updated_at, old.remote_data) == (new.remote_updated_at, new.remote_data)
            elif model == "jobs":
                edited = {"name", "description", "status", "opened_at", "closed_at", "post_url", "hiring_team"}
                assert fields <= edited and new.remote_updated_at > old.remote_updated_at
                kinds.add("jobs edited")
    for model in ("scorecards", "attachments"):  # never change
        assert all(after[model].get(rid, record) == record for rid, record in before[model].items()), model
    return kinds


# Each step shows these (a low-discrepancy roll per kind: see `_SURE` in the source).
EVERY_STEP = {
    "jobs edited",
    "jobs hiring_team",
    "application_stages name",
    "job_postings added",
    "users changed",
    "notes added",
}
# And across steps 0..5, all of these.
SOME_STEP = EVERY_STEP | {
    "jobs status",
    "job_postings status",
    "screening_questions added",
    "screening_questions required",
    "users last_name",
    "users status",
    "notes changed",
    "notes deleted",
    "scorecards added",
    "attachments added",
    "attachments deleted",
}


@pytest.mark.parametrize("size", [150, SIZE])
def test_a_step_changes_every_kind_of_record(size: int) -> None:
    seen: set[str] = set()
    for step in range(6):
        kinds = kinds_of_change(step, size)
        assert kinds >= EVERY_STEP, (step, EVERY_STEP - kinds)
        seen |= kinds
    # (A sandbox of 150 applications has only the starter jobs, and they keep their status.)
    expected = SOME_STEP - {"jobs status"} if size < 200 else SOME_STEP
    assert expected <= seen, expected - seen


@pytest.mark.parametrize(
    "model",
    [
        "users",
        "jobs",
        "application_stages",
        "job_postings",
        "screening_questions",
        "notes",
        "scorecards",
        "attachments",
    ],
)
def test_most_records_do_not_change_in_a_step(model: str) -> None:
    _, _, changed, unchanged = diff(model, 2)
    assert unchanged > len(changed), model


def test_jobs_open_and_close_in_time() -> None:
    """A job that closes keeps its applications; new ones come no more (and only after it opened)."""
    transitions = set()
    for step in range(6):
        for rid, job in snapshot(step + 1)["jobs"].items():
            old = snapshot(step)["jobs"][rid]
            if old.status != job.status:
                transitions.add((old.status, job.status))
                window_start = BASE_TIME + timedelta(seconds=(step + 1) * STEP_SECONDS)
                assert window_start <= (job.closed_at or job.opened_at) <= job.remote_updated_at
    assert ("OPEN", "CLOSED") in transitions and transitions <= {("OPEN", "CLOSED"), ("DRAFT", "OPEN")}


def test_deleted_records_reappear_unchanged() -> None:
    last_seen: dict[tuple[str, str], Any] = {}
    gone: set[tuple[str, str]] = set()
    reappeared = []
    for step in range(10):
        current = {(model, rid): r for model, rs in snapshot(step).items() for rid, r in rs.items()}
        for key, record in current.items():
            if key in gone:
                reappeared.append(key)
                assert record == last_seen[key], key
        gone = (gone | (last_seen.keys() - current.keys())) - current.keys()
        last_seen.update(current)
    assert {model for model, _ in reappeared} >= {"candidates", "applications", "interviews"}


def test_children_disappear_with_their_application() -> None:
    for step in (3, 6):
        apps = snapshot(step)["applications"]
        assert all(i.application_remote_id in apps for i in snapshot(step)["interviews"].values())
        assert all(o.application_remote_id in apps for o in snapshot(step)["offers"].values())


def test_static_models_do_not_change() -> None:
    for model in ("roles", "tags", "rejection_reasons"):
        assert snapshot(0)[model] == snapshot(5)[model], model


def test_new_records_are_created_during_their_step() -> None:
    for step in (0, 3):
        start = BASE_TIME + timedelta(seconds=(step + 1) * STEP_SECONDS)
        for model in ("candidates", "applications"):
            added, *_ = diff(model, step)
            fresh = [snapshot(step + 1)[model][i] for i in added]
            # Restored records keep their old creation time; brand-new ones are created in the step.
            assert any(start <= r.remote_created_at < start + timedelta(days=1) for r in fresh), model
    assert all(r.remote_created_at < BASE_TIME for r in records(0, "applications"))


# ---- memory ---------------------------------------------------------------------------------------


def test_streaming_does_not_keep_applications() -> None:
    """Iterating 50k applications must not hold them: sample the allocated blocks along the way."""
    baseline = sys.getallocatedblocks()
    peak = baseline
    for n, _ in enumerate(SandboxSource(SEED, 50_000).applications()):
        if n % 1000 == 0:
            peak = max(peak, sys.getallocatedblocks())
    # A list of 50k applications would hold well over a million blocks.
    assert peak - baseline < 50_000
