"""Recruitee, as the conformance kit sees it: its emulator (tests/emulators/recruitee.py), what its
company holds in the API's terms, and the changes a company goes through.

The expected view is written from Recruitee's semantics, not from the connector's mapping: offers of
kind `job` are jobs (talent pools are not), each with its own pipeline (a stage's index its place by
`position`); a candidate's placements in jobs are applications (hired: `hired_at` set; disqualified:
DECLINED, with the reason's name); notes are a candidate's; the team's admins are the users; a
candidate's profile fields (on its detail only) are its custom fields, by name (by kind for a field
without one), one value as itself and several as a list.
Recruitee has no deletion feed and no updated filter: every run reads everything, so a DELTA sees
every change (and no deletion: only a FULL judges absence).
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
from tests.emulators.recruitee import RecruiteeEmulator

API_KEY = "recruitee-kit-key"
COMPANY = "61234"
Json = dict[str, Any]
JOB_STATUS = {"published": "OPEN", "internal": "OPEN", "closed": "CLOSED", "draft": "DRAFT", "archived": "ARCHIVED"}


@contextmanager
def start(limit: RateLimit) -> Iterator[Running[RecruiteeEmulator]]:
    # 40 candidates over 5 offers (one a talent pool). The emulator's own fixed window is left out:
    # the kit holds the client to `limit` on the exact meter instead.
    emu = RecruiteeEmulator(
        API_KEY, COMPANY, seed=7, candidates=40, offers=5, rate=limit.rate, burst=limit.burst, window=None
    )
    with serve(emu.app()) as url:
        yield Running(emu, url, emu.harness)


def config(running: Running[RecruiteeEmulator]) -> dict[str, Any]:
    # Pages of 5: the candidate listing (and the team) pages.
    return {"api_key": API_KEY, "company_id": COMPANY, "base_url": f"{running.url}/c/{COMPANY}", "page_size": 5}


# --- the company in the API's terms ----------------------------------------------------------------


def _jobs(emu: RecruiteeEmulator) -> dict[int, Json]:
    return {oid: o for oid, o in emu.data["offers"].items() if o["kind"] == "job"}


def snapshot(emu: RecruiteeEmulator) -> View:
    data = emu.data
    view: View = {kind: {} for kind in ("users", "rejection_reasons", "tags", "jobs", "application_stages")}
    for membership in data["memberships"].values():
        admin = data["admins"][membership["admin_id"]]
        view["users"][str(admin["id"])] = {
            "first_name": admin["first_name"],
            "last_name": admin["last_name"],
            "email": admin["email"],
        }
    for reason in data["disqualify_reasons"].values():
        view["rejection_reasons"][str(reason["id"])] = {"name": reason["name"]}
    for tag in data["tags"].values():
        view["tags"][str(tag["id"])] = {"name": tag["name"]}
    jobs = _jobs(emu)
    for oid, offer in jobs.items():
        pipeline = sorted((s for s in data["stages"].values() if s["offer_id"] == oid), key=lambda s: s["position"])
        view["jobs"][str(oid)] = {
            "name": offer["title"],
            "status": JOB_STATUS[offer["status"]],
            "remote_updated_at": wire_iso(offer["updated_at"]),
            "stages": Embedded(frozenset(str(s["id"]) for s in pipeline)),
        }
        for index, stage in enumerate(pipeline):
            view["application_stages"][str(stage["id"])] = {
                "name": stage["name"],
                "job_id": Ref("jobs", str(oid)),
                "index": index,
            }
    view["candidates"] = {}
    for cid, candidate in data["candidates"].items():
        first, last = split_name(candidate["name"])
        view["candidates"][str(cid)] = {
            "first_name": first,
            "last_name": last,
            "email_addresses": Pluck("email_address", tuple(candidate["emails"])),
            "custom_fields": _profile(emu, cid),
            "remote_updated_at": wire_iso(candidate["updated_at"]),
        }
    view["applications"] = {}
    for pid, placement in data["placements"].items():
        if placement["offer_id"] not in jobs:
            continue  # a talent pool's
        hired = placement["hired_at"] is not None
        declined = not hired and placement["disqualified_at"] is not None
        named = data["disqualify_reasons"].get(placement["disqualify_reason_id"])
        view["applications"][str(pid)] = {
            "candidate_id": Ref("candidates", str(placement["candidate_id"])),
            "job_id": Ref("jobs", str(placement["offer_id"])),
            "current_stage_id": Ref("application_stages", str(placement["stage_id"])),
            "outcome": "HIRED" if hired else "DECLINED" if declined else "PENDING",
            "rejection_reason_name": named["name"] if declined and named else None,
            "remote_updated_at": wire_iso(placement["updated_at"]),
        }
    view["notes"] = {
        str(nid): {"candidate_id": Ref("candidates", str(n["candidate_id"])), "content_html": n["body"]}
        for nid, n in data["notes"].items()
    }
    return view


def _profile(emu: RecruiteeEmulator, candidate_id: int) -> Json:
    """The candidate's profile fields: a value object's one value (text, flag, number, ...), a
    language skill's whole object."""
    profile: Json = {}
    for field in emu.data["fields"].values():
        if field["candidate_id"] != candidate_id or not field["values"]:
            continue
        values = [v if field["kind"] == "language_skill" else next(iter(v.values())) for v in field["values"]]
        profile[field["name"] or field["kind"]] = values[0] if len(values) == 1 else values
    return profile


# --- the changes ----------------------------------------------------------------------------------


def _first_job(emu: RecruiteeEmulator) -> int:
    return min(_jobs(emu))


def _pending(emu: RecruiteeEmulator) -> list[int]:
    """Placements in jobs neither disqualified nor hired, oldest first."""
    jobs = _jobs(emu)
    return [
        pid
        for pid, p in sorted(emu.data["placements"].items())
        if p["offer_id"] in jobs and p["hired_at"] is None and p["disqualified_at"] is None
    ]


def new_candidate(emu: RecruiteeEmulator) -> Changes:
    """A candidate added and placed in a job."""
    emu.place(emu.add_candidate(1000), _first_job(emu))
    return NO_CHANGES


def moved(emu: RecruiteeEmulator) -> Changes:
    placement = emu.data["placements"][_pending(emu)[0]]
    pipeline = [s["id"] for s in sorted(emu.data["stages"].values(), key=lambda s: s["position"])]
    stages = [s for s in pipeline if emu.data["stages"][s]["offer_id"] == placement["offer_id"]]
    emu.move(placement["id"], stages[2] if placement["stage_id"] != stages[2] else stages[3])
    return NO_CHANGES


def disqualified(emu: RecruiteeEmulator) -> Changes:
    emu.disqualify(_pending(emu)[1], min(emu.data["disqualify_reasons"]))
    return NO_CHANGES


def hired(emu: RecruiteeEmulator) -> Changes:
    emu.hire(_pending(emu)[2])
    return NO_CHANGES


def candidate_renamed(emu: RecruiteeEmulator) -> Changes:
    emu.edit("candidates", sorted(emu.data["candidates"])[2], name="Renamed Person")
    return NO_CHANGES


def job_renamed(emu: RecruiteeEmulator) -> Changes:
    emu.edit("offers", _first_job(emu), title="Renamed Job")
    return NO_CHANGES


def stage_renamed(emu: RecruiteeEmulator) -> Changes:
    first = min(s for s, stage in emu.data["stages"].items() if stage["offer_id"] == _first_job(emu))
    emu.edit("stages", first, name="New applicants")
    return NO_CHANGES


def user_renamed(emu: RecruiteeEmulator) -> Changes:
    emu.edit("admins", min(emu.data["admins"]), first_name="Renamed")
    return NO_CHANGES


def reason_renamed(emu: RecruiteeEmulator) -> Changes:
    used = {p["disqualify_reason_id"] for p in emu.data["placements"].values() if p["disqualify_reason_id"]}
    emu.edit("disqualify_reasons", min(used), name="Renamed reason")
    return NO_CHANGES


def note_added(emu: RecruiteeEmulator) -> Changes:
    emu.add_note(max(emu.data["candidates"]), "A note on the newest candidate")
    return NO_CHANGES


def profile_field_changed(emu: RecruiteeEmulator) -> Changes:
    """A profile field set on a candidate, whose `updated_at` stays: every run reads every detail."""
    emu.set_field(sorted(emu.data["candidates"])[4], "Notice period", "single_line", [{"text": "Immediately"}])
    return NO_CHANGES


def candidate_deleted(emu: RecruiteeEmulator) -> Changes:
    """A candidate with a note: its placements, notes and profile fields go with it."""
    noted = {n["candidate_id"] for n in emu.data["notes"].values()}
    emu.delete("candidates", min(noted))
    return NO_CHANGES


def note_deleted(emu: RecruiteeEmulator) -> Changes:
    emu.delete("notes", min(emu.data["notes"]))
    return NO_CHANGES


RECRUITEE: Target[RecruiteeEmulator] = Target(
    tool="recruitee",
    start=start,
    config=config,
    secrets=("api_key",),
    snapshot=snapshot,
    scenarios=(
        Scenario("new candidate placed in a job", new_candidate),
        Scenario("placement moved to another stage", moved),
        Scenario("placement disqualified", disqualified),
        Scenario("placement hired", hired),
        Scenario("candidate renamed", candidate_renamed),
        Scenario("job renamed", job_renamed),
        Scenario("stage renamed", stage_renamed),
        Scenario("user renamed", user_renamed),
        Scenario("disqualify reason renamed", reason_renamed),
        Scenario("note added", note_added),
        Scenario("profile field changed, candidate untouched", profile_field_changed),
    ),
    deletions=(
        Deletion("candidate deleted with its placements, notes and profile fields", candidate_deleted),
        Deletion("note deleted", note_deleted),
    ),
    revoke=lambda emu: setattr(emu, "api_key", "revoked-key"),
    restore=lambda emu: setattr(emu, "api_key", API_KEY),
    fault_paths=("/candidates", "/notes"),
    no_delta="Recruitee documents no updated filter: every run reads everything (supports_delta is False)",
)
