"""Workable, as the conformance kit sees it: its emulator (tests/emulators/workable.py), what its
account holds in the API's terms, and the changes an account goes through.

The expected view is written from Workable's documented semantics, not from the connector's mapping:
Workable has no application object, so a Workable candidate (one person's candidacy for one job) is
both a candidate and its one application; jobs are known by shortcode; a job's stages are the
account's pipeline, one per slug; `hired_at` (or the hired stage) is HIRED and `disqualified` DECLINED;
a candidate's comments are notes, its latest offer an offer, events with a candidate interviews.
Workable has no deletion feed: a deleted record just disappears from the listings.
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
    split_name,
    wire_iso,
)
from tests.emulators.harness import serve
from tests.emulators.workable import WorkableEmulator

TOKEN = "workable-kit-token"
Json = dict[str, Any]
JOB_STATE = {"published": "OPEN", "closed": "CLOSED", "draft": "DRAFT", "archived": "ARCHIVED"}
OFFER_STATE = {"sent": "SENT", "accepted": "ACCEPTED", "rejected": "DECLINED", "draft": "DRAFT"}
# The docs' bound for a child changed behind its parent (docs/connectors/workable.md).
REFRESH_RUNS = 6


@contextmanager
def start(limit: RateLimit) -> Iterator[Running[WorkableEmulator]]:
    # 30 candidates, 3 jobs: ~150 records. Workable's own 10-per-10-s window is left out: the kit
    # holds the client to `limit` on the exact meter instead.
    emu = WorkableEmulator(TOKEN, seed=7, candidates=30, jobs=3, rate=limit.rate, burst=limit.burst, window=None)
    with serve(emu.app()) as url:
        yield Running(emu, url, emu.harness)


def config(running: Running[WorkableEmulator]) -> dict[str, Any]:
    # Pages of 5: every listing of the kit's account pages.
    return {"api_key": TOKEN, "subdomain": "kit", "base_url": f"{running.url}/spi/v3", "page_size": 5}


# --- the account in the API's terms ---------------------------------------------------------------


def _stage(shortcode: str, slug: str) -> str:
    return f"{shortcode}:{slug}"


def snapshot(emu: WorkableEmulator) -> View:
    data = emu.data
    pipeline = sorted(data["stages"].values(), key=lambda s: s["position"])
    slug_of = {s["name"]: s["slug"] for s in pipeline}
    view: View = {"users": {}, "rejection_reasons": {}, "jobs": {}, "application_stages": {}}
    for member in data["members"].values():
        first, last = split_name(member["name"])
        view["users"][member["id"]] = {
            "first_name": first,
            "last_name": last,
            "email": member["email"],
            "status": "ACTIVE" if member["active"] else "INACTIVE",
        }
    for reason in data["reasons"].values():
        view["rejection_reasons"][reason["id"]] = {"name": reason["description"]}
    for shortcode, job in data["jobs"].items():
        view["jobs"][shortcode] = {
            "name": job["title"],
            "status": JOB_STATE[job["state"]],
            "confidential": job["confidential"],
            "department": job["department"],
            "remote_updated_at": wire_iso(job["updated_at"]),
            "stages": Embedded(frozenset(_stage(shortcode, s["slug"]) for s in pipeline)),
        }
        for index, stage in enumerate(pipeline):
            view["application_stages"][_stage(shortcode, stage["slug"])] = {
                "name": stage["name"],
                "job_id": Ref("jobs", shortcode),
                "index": index,
            }
    candidates: dict[str, Json] = {}
    applications: dict[str, Json] = {}
    notes: dict[str, Json] = {}
    offers: dict[str, Json] = {}
    for cid, candidate in data["candidates"].items():
        shortcode = candidate["job"]["shortcode"]
        profile = emu.profiles[cid]  # what only the candidate's detail shows
        candidates[cid] = {
            "first_name": candidate["firstname"],
            "last_name": candidate["lastname"],
            "email_addresses": Pluck("email_address", (candidate["email"],)),
            "social_media": Pluck("link", tuple(p["url"] for p in profile["social_profiles"])),
            "custom_fields": {a["label"]: a["value"] for a in profile["custom_attributes"]},
            "remote_updated_at": wire_iso(candidate["updated_at"]),
        }
        hired = bool(candidate["hired_at"]) or candidate["stage_kind"] == "hired"
        outcome = "HIRED" if hired else "DECLINED" if candidate["disqualified"] else "PENDING"
        applications[cid] = {
            "candidate_id": Ref("candidates", cid),
            "job_id": Ref("jobs", shortcode),
            "current_stage_id": Ref("application_stages", _stage(shortcode, slug_of[candidate["stage"]])),
            "outcome": outcome,
            "rejection_reason_name": candidate["disqualification_reason"] if outcome == "DECLINED" else None,
            "remote_updated_at": wire_iso(candidate["updated_at"]),
        }
        for activity_id, activity in emu.activities[cid].items():
            if activity["action"] == "comment":
                notes[activity_id] = {
                    "candidate_id": Ref("candidates", cid),
                    "application_id": Ref("applications", cid),
                    "content_html": activity["body"],
                }
        if cid in emu.offers:
            offers[cid] = {
                "application_id": Ref("applications", cid),
                "status": OFFER_STATE[emu.offers[cid]["state"]],
            }
    interviews = {
        event_id: {
            "application_id": Ref("applications", event["candidate"]["id"]),
            "title": event["title"],
            "canceled": event["cancelled"],
        }
        for event_id, event in data["events"].items()
        if event.get("candidate")
    }
    view.update(candidates=candidates, applications=applications, notes=notes, offers=offers, interviews=interviews)
    return view


# --- the changes ----------------------------------------------------------------------------------


def _pending(emu: WorkableEmulator) -> list[str]:
    return [
        c
        for c, x in sorted(emu.data["candidates"].items())
        if not x["disqualified"] and x["stage_kind"] not in ("offer", "hired")
    ]


def new_candidate(emu: WorkableEmulator) -> Changes:
    """A candidate applying to a job (Workable files come with the candidate's detail only, and the
    connector does not read them: no attachment)."""
    emu.add_candidate(random.Random(99), 1000, sorted(emu.data["jobs"])[0])
    return NO_CHANGES


def moved(emu: WorkableEmulator) -> Changes:
    emu.move(_pending(emu)[0], "interview")
    return NO_CHANGES


def disqualified(emu: WorkableEmulator) -> Changes:
    emu.disqualify(_pending(emu)[1], sorted(emu.data["reasons"])[0])
    return NO_CHANGES


def candidate_renamed(emu: WorkableEmulator) -> Changes:
    emu.edit("candidates", sorted(emu.data["candidates"])[2], firstname="Renamed", name="Renamed Person")
    return NO_CHANGES


def custom_attribute_changed(emu: WorkableEmulator) -> Changes:
    """A value only the candidate's detail shows; the candidate's `updated_at` moves."""
    cid = sorted(emu.data["candidates"])[3]
    attributes = [{**a, "value": 12} if a["key"] == "3b1e2c0a" else a for a in emu.profiles[cid]["custom_attributes"]]
    emu.edit_detail(cid, custom_attributes=attributes)
    return NO_CHANGES


def job_renamed(emu: WorkableEmulator) -> Changes:
    emu.edit("jobs", sorted(emu.data["jobs"])[0], title="Renamed Job")
    return NO_CHANGES


def stage_renamed(emu: WorkableEmulator) -> Changes:
    """The account's pipeline changes; jobs and candidates keep their `updated_at`."""
    emu.edit("stages", "assessment", name="Take-home")
    return NO_CHANGES


def member_renamed(emu: WorkableEmulator) -> Changes:
    emu.edit("members", sorted(emu.data["members"])[0], name="Renamed Member")
    return NO_CHANGES


def reason_renamed(emu: WorkableEmulator) -> Changes:
    emu.edit("reasons", sorted(emu.data["reasons"])[0], description="Renamed reason")
    return NO_CHANGES


def event_cancelled(emu: WorkableEmulator) -> Changes:
    event = next(e for e, x in sorted(emu.data["events"].items()) if x.get("candidate") and not x["cancelled"])
    emu.edit("events", event, cancelled=True)
    return NO_CHANGES


def offer_accepted(emu: WorkableEmulator) -> Changes:
    """An offer accepted; its candidate is untouched."""
    emu.edit_offer(next(c for c, o in sorted(emu.offers.items()) if o["state"] == "sent"), state="accepted")
    return NO_CHANGES


def comment_added(emu: WorkableEmulator) -> Changes:
    emu.add_comment(sorted(emu.data["candidates"])[-1], "A comment behind the candidate's back", touch=False)
    return NO_CHANGES


def candidate_deleted(emu: WorkableEmulator) -> Changes:
    """A candidate with a comment, an offer and an interview: they go with it."""
    commented = {c for c, acts in emu.activities.items() if any(a["action"] == "comment" for a in acts.values())}
    with_event = {(x.get("candidate") or {}).get("id") for x in emu.data["events"].values()}
    emu.delete("candidates", next(c for c in sorted(emu.offers) if c in commented & with_event))
    return NO_CHANGES


def event_deleted(emu: WorkableEmulator) -> Changes:
    emu.delete("events", next(e for e, x in sorted(emu.data["events"].items()) if x.get("candidate")))
    return NO_CHANGES


WORKABLE: Target[WorkableEmulator] = Target(
    tool="workable",
    start=start,
    config=config,
    secrets=("api_key",),
    child_refresh_runs=REFRESH_RUNS,
    snapshot=snapshot,
    scenarios=(
        Scenario("new candidate applying to a job", new_candidate),
        Scenario("candidate moved to another stage", moved),
        Scenario("candidate disqualified", disqualified),
        Scenario("candidate renamed", candidate_renamed),
        Scenario("candidate's custom attribute changed", custom_attribute_changed),
        Scenario("job renamed", job_renamed),
        Scenario("stage renamed, jobs untouched", stage_renamed, refresh=True),
        Scenario("member renamed", member_renamed),
        Scenario("disqualification reason renamed", reason_renamed),
        Scenario("event cancelled", event_cancelled),
        Scenario("offer accepted, candidate untouched", offer_accepted, refresh=True),
        Scenario("comment added, candidate untouched", comment_added, refresh=True),
    ),
    deletions=(
        Deletion("candidate deleted with its comments, offer and events", candidate_deleted),
        Deletion("event deleted", event_deleted),
    ),
    revoke=lambda emu: setattr(emu, "token", "revoked-token"),
    restore=lambda emu: setattr(emu, "token", TOKEN),
    fault_paths=("/candidates", "/activities"),
)
