"""Teamtailor, as the conformance kit sees it: its emulator (tests/emulators/teamtailor.py), what its
account holds in the API's terms, and the changes an account goes through.

The expected view is written from Teamtailor's documented semantics, not from the connector's mapping:
job applications are applications (a rejected one, `rejected-at` set, is DECLINED; one in a stage of
type Hired is HIRED); a stage belongs to one job, its index its place by `row-order`; a candidate's
custom field values are its custom fields, by the field's `api-name`; notes are a candidate's.
Teamtailor has no deletion feed: a deleted resource just disappears from the listings.
"""

from __future__ import annotations

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
    split_name,
    wire_iso,
)
from tests.emulators.harness import serve
from tests.emulators.teamtailor import TeamtailorEmulator

API_KEY = "teamtailor-kit-key"
Json = dict[str, Any]
JOB_STATUS = {"published": "OPEN", "unlisted": "OPEN", "draft": "DRAFT", "scheduled": "DRAFT", "archived": "ARCHIVED"}
# What a DELTA cannot see: neither change moves the `updated-at` the DELTA filters on.
REASON_GAP = "a reject reason renamed changes its job applications' reason without moving their updated-at"
CUSTOM_GAP = "a custom field value changed does not move its candidate's updated-at"


@contextmanager
def start(limit: RateLimit) -> Iterator[Running[TeamtailorEmulator]]:
    # 60 candidates (69 applications), 3 jobs: the candidates and applications, read incrementally,
    # are most of a FULL's requests. Teamtailor's own 50-per-10-s window is left out: the kit holds
    # the client to `limit` on the exact meter instead.
    emu = TeamtailorEmulator(API_KEY, seed=7, candidates=60, jobs=3, rate=limit.rate, burst=limit.burst, window=None)
    with serve(emu.app()) as url:
        yield Running(emu, url, emu.harness)


def config(running: Running[TeamtailorEmulator]) -> dict[str, Any]:
    # Pages of 5: every listing of the kit's account pages.
    return {"api_key": API_KEY, "base_url": f"{running.url}/v1", "page_size": 5}


# --- the account in the API's terms ---------------------------------------------------------------


def snapshot(emu: TeamtailorEmulator) -> View:
    data = emu.data
    view: View = {kind: {} for kind in ("users", "rejection_reasons", "jobs", "application_stages")}
    for user in data["users"].values():
        first, last = split_name(user.attributes["name"])
        view["users"][user.id] = {"first_name": first, "last_name": last, "email": user.attributes["email"]}
    for reason in data["reject-reasons"].values():
        view["rejection_reasons"][reason.id] = {"name": reason.attributes["reason"]}
    for job in data["jobs"].values():
        pipeline = sorted(
            (s for s in data["stages"].values() if s.relationships["job"] == ("jobs", job.id)),
            key=lambda s: s.attributes["row-order"],
        )
        view["jobs"][job.id] = {
            "name": job.attributes["title"],
            "status": JOB_STATUS[job.attributes["human-status"]],
            "remote_updated_at": wire_iso(job.attributes["updated-at"]),
            "stages": Embedded(frozenset(s.id for s in pipeline)),
        }
        for index, stage in enumerate(pipeline):
            view["application_stages"][stage.id] = {
                "name": stage.attributes["name"],
                "job_id": Ref("jobs", job.id),
                "index": index,
            }
    fields = {f.id: f.attributes["api-name"] for f in data["custom-fields"].values()}
    custom: dict[str, Json] = {}
    for value in data["custom-field-values"].values():
        owner = value.relationships["owner"][1]
        custom.setdefault(owner, {})[fields[value.relationships["custom-field"][1]]] = value.attributes["value"]
    view["candidates"] = {
        cid: {
            "first_name": c.attributes["first-name"],
            "last_name": c.attributes["last-name"],
            "email_addresses": Pluck("email_address", (c.attributes["email"],)),
            "custom_fields": custom.get(cid, {}),
            "remote_updated_at": wire_iso(c.attributes["updated-at"]),
        }
        for cid, c in data["candidates"].items()
    }
    applications: dict[str, Json] = {}
    for aid, application in data["job-applications"].items():
        links = application.relationships
        stage = data["stages"][links["stage"][1]]
        rejected = application.attributes["rejected-at"] is not None
        hired = stage.attributes["stage-type"] == "Hired"
        reject = data["reject-reasons"][links["reject-reason"][1]] if links["reject-reason"] else None
        applications[aid] = {
            "candidate_id": Ref("candidates", links["candidate"][1]),
            "job_id": Ref("jobs", links["job"][1]),
            "current_stage_id": Ref("application_stages", stage.id),
            "outcome": "DECLINED" if rejected else "HIRED" if hired else "PENDING",
            "rejection_reason_name": reject.attributes["reason"] if rejected and reject else None,
            "remote_updated_at": wire_iso(application.attributes["updated-at"]),
        }
    view["applications"] = applications
    view["notes"] = {
        nid: {"candidate_id": Ref("candidates", n.relationships["candidate"][1]), "content_html": n.attributes["note"]}
        for nid, n in data["notes"].items()
    }
    return view


# --- the changes ----------------------------------------------------------------------------------


def _first(emu: TeamtailorEmulator, kind: str) -> str:
    return min(emu.data[kind], key=int)


def _pending(emu: TeamtailorEmulator) -> list[str]:
    """Job applications neither rejected nor hired, oldest first."""
    return [
        aid
        for aid, a in sorted(emu.data["job-applications"].items(), key=lambda item: int(item[0]))
        if a.attributes["rejected-at"] is None
        and emu.data["stages"][a.relationships["stage"][1]].attributes["stage-type"] != "Hired"
    ]


def new_candidate(emu: TeamtailorEmulator) -> Changes:
    """A candidate applying to a job (uploads are not read: no attachment)."""
    candidate = emu.add_candidate(1000)
    emu.apply(candidate.id, _first(emu, "jobs"))
    return NO_CHANGES


def moved(emu: TeamtailorEmulator) -> Changes:
    application = emu.data["job-applications"][_pending(emu)[0]]
    job = application.relationships["job"][1]
    interview = next(
        s.id
        for s in emu.data["stages"].values()
        if s.relationships["job"] == ("jobs", job) and s.attributes["name"] == "Interview"
    )
    if application.relationships["stage"][1] == interview:
        interview = next(
            s.id
            for s in emu.data["stages"].values()
            if s.relationships["job"] == ("jobs", job) and s.attributes["name"] == "Offer"
        )
    emu.move(application.id, interview)
    return NO_CHANGES


def rejected(emu: TeamtailorEmulator) -> Changes:
    emu.reject(_pending(emu)[1], _first(emu, "reject-reasons"))
    return NO_CHANGES


def candidate_renamed(emu: TeamtailorEmulator) -> Changes:
    emu.edit("candidates", sorted(emu.data["candidates"], key=int)[2], **{"first-name": "Renamed"})
    return NO_CHANGES


def job_renamed(emu: TeamtailorEmulator) -> Changes:
    emu.edit("jobs", _first(emu, "jobs"), title="Renamed Job")
    return NO_CHANGES


def stage_renamed(emu: TeamtailorEmulator) -> Changes:
    emu.edit("stages", _first(emu, "stages"), name="New applicants")
    return NO_CHANGES


def user_renamed(emu: TeamtailorEmulator) -> Changes:
    emu.edit("users", _first(emu, "users"), name="Renamed User")
    return NO_CHANGES


def reason_renamed(emu: TeamtailorEmulator) -> Changes:
    emu.edit("reject-reasons", _first(emu, "reject-reasons"), reason="Renamed reason")
    return NO_CHANGES


def note_added(emu: TeamtailorEmulator) -> Changes:
    emu.add_note(sorted(emu.data["candidates"], key=int)[-1], "A note behind the candidate's back")
    return NO_CHANGES


def custom_value_changed(emu: TeamtailorEmulator) -> Changes:
    emu.set_custom(_first(emu, "candidates"), "available-from", "2026-09-01")
    return NO_CHANGES


def candidate_deleted(emu: TeamtailorEmulator) -> Changes:
    """A candidate with a note and custom field values: they and its applications go with it."""
    noted = {n.relationships["candidate"][1] for n in emu.data["notes"].values()}
    emu.delete("candidates", min(noted, key=int))
    return NO_CHANGES


def note_deleted(emu: TeamtailorEmulator) -> Changes:
    emu.delete("notes", _first(emu, "notes"))
    return NO_CHANGES


TEAMTAILOR: Target[TeamtailorEmulator] = Target(
    tool="teamtailor",
    start=start,
    config=config,
    secrets=("api_key",),
    snapshot=snapshot,
    scenarios=(
        Scenario("new candidate applying to a job", new_candidate),
        Scenario("application moved to another stage", moved),
        Scenario("application rejected", rejected),
        Scenario("candidate renamed", candidate_renamed),
        Scenario("job renamed", job_renamed),
        Scenario("stage renamed", stage_renamed),
        Scenario("user renamed", user_renamed),
        Scenario("reject reason renamed", reason_renamed, delta_gap=REASON_GAP),
        Scenario("note added", note_added),
        Scenario("custom field value changed, candidate untouched", custom_value_changed, delta_gap=CUSTOM_GAP),
    ),
    deletions=(
        Deletion("candidate deleted with its applications, notes and custom field values", candidate_deleted),
        Deletion("note deleted", note_deleted),
    ),
    revoke=lambda emu: setattr(emu, "api_key", "revoked-key"),
    restore=lambda emu: setattr(emu, "api_key", API_KEY),
    fault_paths=("/job-applications", "/candidates"),
)
