"""Ashby, as the conformance kit sees it: its emulator (tests/emulators/ashby.py), what its account
holds in the API's terms, and the changes an account goes through.

The expected view is written from Ashby's documented semantics, not from the connector's mapping:
a job's stages are its interview plan's (in plan order), a schedule's events are interviews, an
application's status `Hired` is HIRED and `Archived` DECLINED, a candidate's file handles (the
résumé first, each once) are its attachments with the handle as remote id. Ashby has no deletion
feed: a deleted record just disappears from the listings.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hirebridge.connectors.ashby import connector as ashby_connector
from tests.conformance.kit import (
    NO_CHANGES,
    Changes,
    Deletion,
    Embedded,
    FileBytes,
    Pluck,
    RateLimit,
    Ref,
    Running,
    Scenario,
    Target,
    VendorFault,
    View,
    split_name,
    wire_iso,
)
from tests.emulators.ashby import AshbyEmulator
from tests.emulators.harness import serve

KEY = "ashby-kit-key"
Json = dict[str, Any]
JOB_STATUS = {"Open": "OPEN", "Closed": "CLOSED", "Draft": "DRAFT", "Archived": "ARCHIVED"}


@contextmanager
def start(limit: RateLimit) -> Iterator[Running[AshbyEmulator]]:
    # 16 candidates, 3 jobs: ~130 records.
    emu = AshbyEmulator(KEY, seed=7, candidates=16, jobs=3, rate=limit.rate, burst=limit.burst)
    with serve(emu.app()) as url:
        yield Running(emu, url, emu.harness)


def config(running: Running[AshbyEmulator]) -> dict[str, Any]:
    # Pages of 5: every listing of the kit's account pages.
    return {"api_key": KEY, "base_url": running.url, "page_size": 5}


# --- the account in the API's terms ---------------------------------------------------------------


def _files(candidate: Json) -> list[tuple[Json, bool]]:
    resume = candidate.get("resumeFileHandle")
    seen: set[str] = set()
    out = []
    for handle in [resume, *candidate["fileHandles"]]:
        if handle and handle["handle"] not in seen:
            seen.add(handle["handle"])
            out.append((handle, handle is resume))
    return out


def snapshot(emu: AshbyEmulator) -> View:
    data = emu.data
    view: View = {m: {} for m in ("users", "tags", "rejection_reasons", "jobs", "application_stages")}
    for user in data["users"].values():
        view["users"][user["id"]] = {
            "first_name": user["firstName"],
            "last_name": user["lastName"],
            "email": user["email"],
            "status": "ACTIVE" if user["isEnabled"] else "INACTIVE",
        }
    for tag in data["tags"].values():
        view["tags"][tag["id"]] = {"name": tag["title"]}
    for r in data["archive_reasons"].values():
        view["rejection_reasons"][r["id"]] = {"name": r["text"]}
    postings: dict[str, Json] = {}
    for posting in data["postings"].values():
        postings[posting["id"]] = {"title": posting["title"], "job_id": Ref("jobs", posting["jobId"])}
    view["job_postings"] = postings
    for job_id, job in data["jobs"].items():
        stage_ids = emu.stage_ids(job_id)
        view["jobs"][job_id] = {
            "name": job["title"],
            "status": JOB_STATUS[job["status"]],
            "confidential": job["confidential"],
            "remote_updated_at": wire_iso(job["updatedAt"]),
            "stages": Embedded(frozenset(stage_ids)),
            "job_postings": Embedded(frozenset(p["id"] for p in data["postings"].values() if p["jobId"] == job_id)),
        }
        for index, stage_id in enumerate(stage_ids):
            stage = data["stages"][stage_id]
            view["application_stages"][stage_id] = {
                "name": stage["title"],
                "job_id": Ref("jobs", job_id),
                "index": index,
            }

    candidates: dict[str, Json] = {}
    attachments: dict[str, Json] = {}
    for cid, candidate in data["candidates"].items():
        first, last = split_name(candidate["name"])
        emails = [candidate["primaryEmailAddress"], *candidate["emailAddresses"]]
        candidates[cid] = {
            "first_name": first,
            "last_name": last,
            "email_addresses": Pluck("email_address", tuple(dict.fromkeys(e["value"] for e in emails if e))),
            "remote_updated_at": wire_iso(candidate["updatedAt"]),
        }
        for handle, is_resume in _files(candidate):
            attachments[handle["handle"]] = {
                "candidate_id": Ref("candidates", cid),
                "type": "CV" if is_resume else "OTHER",
                "file_name": handle["name"],
                "content": FileBytes(emu.files[handle["handle"]][1]),
            }
    applications: dict[str, Json] = {}
    for aid, app in data["applications"].items():
        outcome = {"Hired": "HIRED", "Archived": "DECLINED"}.get(app["status"], "PENDING")
        reason: Json | None = data["archive_reasons"].get(app["archiveReasonId"] or "")
        applications[aid] = {
            "candidate_id": Ref("candidates", app["candidateId"]),
            "job_id": Ref("jobs", app["jobId"]),
            "current_stage_id": Ref("application_stages", app["currentInterviewStageId"]),
            "outcome": outcome,
            "rejection_reason_name": reason["text"] if reason and outcome == "DECLINED" else None,
            "remote_updated_at": wire_iso(app["updatedAt"]),
        }
    interviews: dict[str, Json] = {}
    for schedule in data["schedules"].values():
        for event in schedule["interviewEvents"]:
            interviews[event["id"]] = {
                "application_id": Ref("applications", schedule["applicationId"]),
                "stage_id": Ref("application_stages", schedule["interviewStageId"]),
                "title": event["interview"]["title"],
                "canceled": schedule["status"] == "Cancelled",
                "remote_updated_at": wire_iso(event["updatedAt"]),
            }
    offers = {
        oid: {
            "application_id": Ref("applications", offer["applicationId"]),
            "employment_start_date": wire_iso(offer["latestVersion"]["startDate"]),
        }
        for oid, offer in data["offers"].items()
    }
    notes = {
        nid: {"candidate_id": Ref("candidates", note["candidateId"]), "content_html": note["content"]}
        for nid, note in data["notes"].items()
    }
    view.update(
        candidates=candidates,
        applications=applications,
        interviews=interviews,
        offers=offers,
        notes=notes,
        attachments=attachments,
    )
    return view


# --- the changes ----------------------------------------------------------------------------------


def _active(emu: AshbyEmulator) -> list[str]:
    return [a for a, x in sorted(emu.data["applications"].items()) if x["status"] == "Active"]


def new_candidate(emu: AshbyEmulator) -> Changes:
    """A new candidate with a résumé, applying to a job."""
    rng = random.Random(99)
    candidate = emu.add_candidate(rng, 1000)
    handle = base64.urlsafe_b64encode(f'{{"file":"{candidate["id"]}/cv.pdf"}}'.encode()).decode().rstrip("=")
    emu.files[handle] = ("cv.pdf", b"a new candidate's cv", "application/pdf")
    candidate["fileHandles"] = [*candidate["fileHandles"], {"id": "f-kit", "name": "cv.pdf", "handle": handle}]
    emu.add_application(rng, candidate["id"], sorted(emu.data["jobs"])[0])
    return NO_CHANGES


def stage_moved(emu: AshbyEmulator) -> Changes:
    aid = _active(emu)[0]
    app = emu.data["applications"][aid]
    stage = next(s for s in emu.stage_ids(app["jobId"])[:4] if s != app["currentInterviewStageId"])
    emu.edit("applications", aid, currentInterviewStageId=stage)
    return NO_CHANGES


def archived(emu: AshbyEmulator) -> Changes:
    emu.archive_application(_active(emu)[1])
    return NO_CHANGES


def candidate_renamed(emu: AshbyEmulator) -> Changes:
    owners = [a["candidateId"] for a in emu.data["applications"].values()]
    candidate = next(c for c in sorted(emu.data["candidates"]) if owners.count(c) > 1)
    emu.edit("candidates", candidate, name="Renamed Person")
    return NO_CHANGES


def job_renamed(emu: AshbyEmulator) -> Changes:
    emu.edit("jobs", sorted(emu.data["jobs"])[0], title="Renamed Job")
    return NO_CHANGES


def posting_renamed(emu: AshbyEmulator) -> Changes:
    emu.edit("postings", sorted(emu.data["postings"])[0], title="Renamed posting")
    return NO_CHANGES


def stage_renamed(emu: AshbyEmulator) -> Changes:
    emu.edit("stages", emu.stage_ids(sorted(emu.data["jobs"])[1])[1], title="Renamed Stage")
    return NO_CHANGES


def user_renamed(emu: AshbyEmulator) -> Changes:
    emu.edit("users", sorted(emu.data["users"])[0], firstName="Renamed")
    return NO_CHANGES


def tag_renamed(emu: AshbyEmulator) -> Changes:
    emu.edit("tags", sorted(emu.data["tags"])[0], title="Renamed tag")
    return NO_CHANGES


def reason_renamed(emu: AshbyEmulator) -> Changes:
    """The archive reason of an archived application."""
    used = sorted(a["archiveReasonId"] for a in emu.data["applications"].values() if a["status"] == "Archived")
    emu.edit("archive_reasons", used[0], text="Renamed reason")
    return NO_CHANGES


def offer_and_interview_changed(emu: AshbyEmulator) -> Changes:
    """An offer's new version and a cancelled interview schedule; their application is untouched
    (Ashby lists offers and schedules with sync tokens of their own)."""
    offer_id = sorted(emu.data["offers"])[0]
    version = emu.data["offers"][offer_id]["latestVersion"]
    emu.edit("offers", offer_id, latestVersion={**version, "startDate": "2025-04-01"})
    schedule = next(s for s, x in sorted(emu.data["schedules"].items()) if x["status"] != "Cancelled")
    emu.edit("schedules", schedule, status="Cancelled")
    return NO_CHANGES


def notes_changed(emu: AshbyEmulator) -> Changes:
    """A note edited and one added; their candidates are untouched."""
    note = sorted(emu.data["notes"])[0]
    emu.edit("notes", note, content="Edited note")
    emu.add_note(sorted(emu.data["candidates"])[-1], "A note behind the candidate's back", touch_candidate=False)
    return NO_CHANGES


def candidate_deleted(emu: AshbyEmulator) -> Changes:
    """A candidate with applications and notes: Ashby deletes those with it."""
    owners = {a["candidateId"] for a in emu.data["applications"].values()}
    noted = {n["candidateId"] for n in emu.data["notes"].values()}
    emu.delete("candidates", next(c for c in sorted(emu.data["candidates"]) if c in owners & noted))
    return NO_CHANGES


def posting_deleted(emu: AshbyEmulator) -> Changes:
    emu.delete("postings", sorted(emu.data["postings"])[0])
    return NO_CHANGES


STALE_REASON = (
    "applications copy their archive reason's text, and Ashby's sync token does not report them when "
    "the reason is renamed: a DELTA leaves rejection_reason_name stale until the next FULL"
)

ASHBY: Target[AshbyEmulator] = Target(
    tool="ashby",
    start=start,
    config=config,
    secrets=("api_key",),
    # The connector's documented bound for a child changed behind its parent (docs/connectors/ashby.md).
    child_refresh_runs=ashby_connector.REFRESH_PARTS,
    snapshot=snapshot,
    scenarios=(
        Scenario("new candidate with an application and a file", new_candidate),
        Scenario("application moved to another stage", stage_moved),
        Scenario("application archived", archived),
        Scenario("candidate with two applications renamed", candidate_renamed),
        Scenario("job renamed", job_renamed),
        Scenario("job posting renamed", posting_renamed),
        Scenario("stage renamed", stage_renamed),
        Scenario("user renamed", user_renamed),
        Scenario("tag renamed", tag_renamed),
        Scenario("rejection reason renamed", reason_renamed, delta_gap=STALE_REASON),
        Scenario("offer and interview changed, application untouched", offer_and_interview_changed),
        Scenario("note edited and note added, candidate untouched", notes_changed, refresh=True),
    ),
    deletions=(
        Deletion("candidate deleted with its applications and notes", candidate_deleted),
        Deletion("job posting deleted", posting_deleted),
    ),
    revoke=lambda emu: setattr(emu, "api_key", "revoked-key"),
    restore=lambda emu: setattr(emu, "api_key", KEY),
    fault_paths=("/application.list", "/candidate.listNotes", "/file.info"),
    # Ashby publishes no general limit; the connector defaults to 10/s in bursts of 20.
    paced=RateLimit(50, 10),
    vendor_faults=(
        VendorFault(
            "success false on application.list",
            lambda emu: emu.rpc_failures.__setitem__("application.list", "internal_error"),
            outcome="failed",
        ),
    ),
)
