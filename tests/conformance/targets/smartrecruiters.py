"""SmartRecruiters, as the conformance kit sees it: its emulator (tests/emulators/smartrecruiters.py),
what its company holds in the API's terms, and the changes a company goes through.

The expected view is written from SmartRecruiters' documented semantics, not from the connector's
mapping: a candidate is a person with one application per job it is assigned to (known by candidate
and job); an application's `status` HIRED is HIRED, REJECTED and WITHDRAWN are DECLINED (with the
rejection or withdrawal reason's label), the rest PENDING; a job's pipeline is the hiring process:
LEAD, NEW, the sub-statuses of IN_REVIEW, INTERVIEW and OFFERED in order, HIRED, and an application's
current stage its status and sub-status (none once it left the pipeline). Rejection and withdrawal
reasons are both rejection reasons. A candidate's custom fields are its candidate properties that have a
value, by label, a single-select's value by its label. SmartRecruiters has no deletion feed: a deleted candidate just
disappears from the listing.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.conformance.kit import (
    NO_CHANGES,
    Changes,
    Deletion,
    Embedded,
    Pluck,
    RateLimit,
    Ref,
    Running,
    Scenario,
    Target,
    View,
    wire_iso,
)
from tests.emulators.harness import serve
from tests.emulators.smartrecruiters import PROPERTIES, SENIORITY, SmartRecruitersEmulator

TOKEN = "smartrecruiters-kit-token"
Json = dict[str, Any]
JOB_STATUS = {
    "CREATED": "DRAFT",
    "SOURCING": "OPEN",
    "INTERVIEW": "OPEN",
    "OFFER": "OPEN",
    "FILLED": "CLOSED",
    "CANCELLED": "CLOSED",
    "ON_HOLD": "CLOSED",
}
LABELS = {"LEAD": "Lead", "NEW": "New", "IN_REVIEW": "In review", "INTERVIEW": "Interview", "HIRED": "Hired"}
# The docs' bound for an application changed behind its candidate (docs/connectors/smartrecruiters.md).
REFRESH_RUNS = 6
# The emulator's ids follow its generation order: the kit's company always has this first job, whose
# applications (`/candidates/{id}/jobs/{job}`) are where the kit injects faults into a child read.
FIRST_JOB = sorted(SmartRecruitersEmulator(TOKEN, seed=7, candidates=30, jobs=3, window=None).data["jobs"])[0]


@contextmanager
def start(limit: RateLimit) -> Iterator[Running[SmartRecruitersEmulator]]:
    # 30 candidates (38 applications), 3 jobs. SmartRecruiters' own 10-per-second window is left out:
    # the kit holds the client to `limit` on the exact meter instead.
    emu = SmartRecruitersEmulator(TOKEN, seed=7, candidates=30, jobs=3, rate=limit.rate, burst=limit.burst, window=None)
    with serve(emu.app()) as url:
        yield Running(emu, url, emu.harness)


def config(running: Running[SmartRecruitersEmulator]) -> dict[str, Any]:
    # Pages of 5: every listing of the kit's company pages.
    return {"api_key": TOKEN, "base_url": running.url, "page_size": 5}


# --- the company in the API's terms ---------------------------------------------------------------


def _pipeline(emu: SmartRecruitersEmulator) -> list[tuple[str, str | None]]:
    subs = next(iter(emu.data["hiring_processes"].values()))["subStatuses"]
    stages: list[tuple[str, str | None]] = []
    for status in ("LEAD", "NEW", "IN_REVIEW", "INTERVIEW", "OFFERED", "HIRED"):
        stages += [(status, sub) for sub in subs.get(status, [])] or [(status, None)]
    return stages


def _stage(job_id: str, status: str, sub: str | None) -> str:
    return f"{job_id}:{status}:{sub}" if sub else f"{job_id}:{status}"


def _custom_fields(emu: SmartRecruitersEmulator, cid: str) -> Json:
    values = emu.properties[cid]
    return {
        label: dict(SENIORITY)[values[pid]] if kind == "SINGLE_SELECT" else values[pid]
        for pid, label, kind in PROPERTIES
        if pid in values
    }


def snapshot(emu: SmartRecruitersEmulator) -> View:
    data = emu.data
    pipeline = _pipeline(emu)
    view: View = {kind: {} for kind in ("users", "rejection_reasons", "jobs", "application_stages")}
    for user in data["users"].values():
        view["users"][user["id"]] = {
            "first_name": user["firstName"],
            "last_name": user["lastName"],
            "email": user["email"],
            "status": "ACTIVE" if user["active"] else "INACTIVE",
        }
    for prefix, kind in (("rejection", "rejection_reasons"), ("withdrawal", "withdrawal_reasons")):
        for reason in data[kind].values():
            view["rejection_reasons"][f"{prefix}:{reason['id']}"] = {"name": reason["label"]}
    for job_id, job in data["jobs"].items():
        view["jobs"][job_id] = {
            "name": job["title"],
            "job_code": job["refNumber"],
            "status": JOB_STATUS[job["status"]],
            "department": (job["department"] or {}).get("label"),
            "remote_updated_at": wire_iso(job["updatedOn"]),
            "stages": Embedded(frozenset(_stage(job_id, status, sub) for status, sub in pipeline)),
        }
        for index, (status, sub) in enumerate(pipeline):
            view["application_stages"][_stage(job_id, status, sub)] = {
                "name": sub or LABELS.get(status, status),
                "job_id": Ref("jobs", job_id),
                "index": index,
            }
    candidates: dict[str, Json] = {}
    for cid, candidate in data["candidates"].items():
        candidates[cid] = {
            "first_name": candidate["firstName"],
            "last_name": candidate["lastName"],
            "email_addresses": Pluck("email_address", (candidate["email"],)),
            "remote_updated_at": wire_iso(candidate["updatedOn"]),
            "custom_fields": _custom_fields(emu, cid),
        }
    applications: dict[str, Json] = {}
    for (cid, job_id), application in emu.applications.items():
        status, sub = application["status"], application["subStatus"]
        outcome = "HIRED" if status == "HIRED" else "DECLINED" if status in ("REJECTED", "WITHDRAWN") else "PENDING"
        reason = application["reasonOfRejection"] if status == "REJECTED" else application["reasonOfWithdrawal"]
        in_pipeline = (status, sub) in pipeline
        applications[f"{cid}:{job_id}"] = {
            "candidate_id": Ref("candidates", cid),
            "job_id": Ref("jobs", job_id),
            "current_stage_id": Ref("application_stages", _stage(job_id, status, sub)) if in_pipeline else None,
            "outcome": outcome,
            "rejection_reason_name": reason["label"] if outcome == "DECLINED" and reason else None,
        }
    view.update(candidates=candidates, applications=applications)
    return view


# --- the changes ----------------------------------------------------------------------------------


def _pending(emu: SmartRecruitersEmulator) -> list[tuple[str, str]]:
    return [k for k, a in sorted(emu.applications.items()) if a["status"] in ("NEW", "IN_REVIEW", "LEAD")]


def new_candidate(emu: SmartRecruitersEmulator) -> Changes:
    emu.add_candidate(random.Random(99), 1000, sorted(emu.data["jobs"])[0])
    return NO_CHANGES


def moved(emu: SmartRecruitersEmulator) -> Changes:
    """A status change: the application only, its candidate's `updatedOn` unmoved."""
    emu.set_status(*_pending(emu)[0], "INTERVIEW", "Final interview")
    return NO_CHANGES


def rejected(emu: SmartRecruitersEmulator) -> Changes:
    emu.set_status(*_pending(emu)[1], "REJECTED", None, sorted(emu.data["rejection_reasons"])[0])
    return NO_CHANGES


def withdrawn(emu: SmartRecruitersEmulator) -> Changes:
    emu.set_status(*_pending(emu)[2], "WITHDRAWN", None, sorted(emu.data["withdrawal_reasons"])[-1])
    return NO_CHANGES


def hired(emu: SmartRecruitersEmulator) -> Changes:
    key = next(k for k, a in sorted(emu.applications.items()) if a["status"] == "OFFERED")
    emu.set_status(*key, "HIRED")
    return NO_CHANGES


def candidate_renamed(emu: SmartRecruitersEmulator) -> Changes:
    emu.edit("candidates", sorted(emu.data["candidates"])[2], firstName="Renamed")
    return NO_CHANGES


def custom_field_changed(emu: SmartRecruitersEmulator) -> Changes:
    """A property set and one reset: the candidate's `updatedOn` unmoved."""
    cid = sorted(emu.data["candidates"])[3]
    emu.set_property(cid, PROPERTIES[0][0], "Immediately")
    emu.set_property(cid, PROPERTIES[2][0], None)
    return NO_CHANGES


def custom_field_changed_with_the_candidate(emu: SmartRecruitersEmulator) -> Changes:
    cid = sorted(emu.data["candidates"])[4]
    emu.set_property(cid, PROPERTIES[2][0], SENIORITY[2][0])
    emu.edit("candidates", cid, lastName="Edited")
    return NO_CHANGES


def job_renamed(emu: SmartRecruitersEmulator) -> Changes:
    emu.edit("jobs", sorted(emu.data["jobs"])[0], title="Renamed Job")
    return NO_CHANGES


def user_renamed(emu: SmartRecruitersEmulator) -> Changes:
    emu.edit("users", sorted(emu.data["users"])[0], lastName="Renamed")
    return NO_CHANGES


def reason_renamed(emu: SmartRecruitersEmulator) -> Changes:
    """Its rejected applications name it by its new label; they and their candidates are untouched."""
    used = {a["reasonOfRejection"]["id"] for a in emu.applications.values() if a["reasonOfRejection"]}
    emu.edit("rejection_reasons", sorted(used)[0], label="Renamed reason")
    return NO_CHANGES


def candidate_deleted(emu: SmartRecruitersEmulator) -> Changes:
    """A candidate with two applications: both go with it."""
    twice = sorted({c for c, _ in emu.applications if sum(1 for k in emu.applications if k[0] == c) > 1})
    emu.delete("candidates", twice[0])
    return NO_CHANGES


SMARTRECRUITERS: Target[SmartRecruitersEmulator] = Target(
    tool="smartrecruiters",
    start=start,
    config=config,
    secrets=("api_key",),
    child_refresh_runs=REFRESH_RUNS,
    snapshot=snapshot,
    scenarios=(
        Scenario("new candidate applying to a job", new_candidate),
        Scenario("application moved to another sub-status, candidate untouched", moved, refresh=True),
        Scenario("application rejected with a reason, candidate untouched", rejected, refresh=True),
        Scenario("application withdrawn with a reason, candidate untouched", withdrawn, refresh=True),
        Scenario("application hired, candidate untouched", hired, refresh=True),
        Scenario("candidate renamed", candidate_renamed),
        Scenario(
            "candidate's custom field changed, candidate untouched",
            custom_field_changed,
            delta_gap="SmartRecruiters does not say that a property change moves the candidate's updatedOn; a "
            "DELTA reads the properties of the candidates it lists (the changed ones), the next FULL sees it",
        ),
        Scenario("candidate's custom field changed with the candidate", custom_field_changed_with_the_candidate),
        Scenario("job renamed", job_renamed),
        Scenario("user renamed", user_renamed),
        Scenario("rejection reason renamed, applications untouched", reason_renamed, refresh=True),
    ),
    deletions=(Deletion("candidate deleted with its applications", candidate_deleted),),
    revoke=lambda emu: setattr(emu, "token", "revoked-token"),
    restore=lambda emu: setattr(emu, "token", TOKEN),
    fault_paths=("/candidates", "/properties", f"/jobs/{FIRST_JOB}"),
)
