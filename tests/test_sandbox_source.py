"""Unit tests of the sandbox source: determinism, realism, consistency, history and memory."""

from __future__ import annotations

import dataclasses
import functools
import re
import sys
from datetime import UTC, timedelta
from typing import Any, get_args

import pytest

from hirebridge.connectors.base import SyncKind
from hirebridge.connectors.sandbox import SandboxConnector, SandboxSource
from hirebridge.connectors.sandbox.source import BASE_TIME, REJECTION_REASONS, STEP_SECONDS
from hirebridge.model.records import (
    Application,
    ApplicationStage,
    Candidate,
    Interview,
    Job,
    Offer,
    OfferStatus,
    Outcome,
    Record,
    RoleType,
    ScreeningType,
    User,
)

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
        "tags",
        "users",
        "rejection_reasons",
        "jobs",
        "application_stages",
        "candidates",
        "applications",
        "interviews",
        "offers",
    ]
    source = SandboxSource(SEED, 60, 2)
    for stream in streams:
        expected = list(source.record_methods()[stream.model]())
        assert list(stream.fetch(SyncKind.FULL)) == expected == list(stream.fetch(SyncKind.DELTA))
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


def test_jobs_are_consistent_with_their_status() -> None:
    for job in records(0, "jobs"):
        assert (job.opened_at is None) == (job.status == "DRAFT")
        assert (job.closed_at is not None) == (job.status in ("CLOSED", "ARCHIVED"))
        assert (job.post_url is not None) == (job.visibility == "PUBLIC" and job.status != "DRAFT")
        assert 2 <= len(job.hiring_team_remote_ids) <= 3


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
    for job in jobs.values():
        assert set(job.hiring_team_remote_ids) <= users.keys()
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


def diff(model: str, step: int) -> tuple[set[str], set[str], list[tuple[Any, Any]], int]:
    """(added ids, removed ids, changed (before, after) pairs, number unchanged) from step to step + 1."""
    before, after = snapshot(step)[model], snapshot(step + 1)[model]
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
        moved_forward = (
            stages[after.current_stage_remote_id].index > stages[before.current_stage_remote_id].index
        )
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
    assert interview_changes and all(
        not before.canceled and after.canceled for before, after in interview_changes
    )
    offer_changes = diff("offers", step)[2]
    assert offer_changes and all(before.status != after.status for before, after in offer_changes)


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
    for model in ("tags", "users", "rejection_reasons", "jobs", "application_stages"):
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
