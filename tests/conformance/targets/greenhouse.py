"""Greenhouse Harvest v3, as the conformance kit sees it: its emulator (tests/emulators/greenhouse.py),
what the account holds in the API's terms, and the changes an account goes through.

The expected view is written from Harvest v3's documented semantics, not from the connector's
mapping: a job's stages are its job interview stages in `sort_order`; an application's current stage
is its `job_interview_stage_id`, or for a rejected or hired one (v3 nulls it) its current
`application_stages` row's; status hired -> HIRED, rejected -> DECLINED; an interview's title and
stage are its plan slot's (`job_interviews`); only submitted scorecards are feedback; the current
offer version is the application's offer; only notes of type NOTE are notes. Greenhouse has no
deletion feed, and every child resource has its own `updated_at`: no change below is announced by
its parent's.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

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
    View,
    split_name,
    wire_iso,
)
from tests.emulators.greenhouse import GreenhouseEmulator
from tests.emulators.harness import RateMeter

SECRET = "greenhouse-kit-secret"
Json = dict[str, Any]
JOB_STATUS = {"open": "OPEN", "closed": "CLOSED", "draft": "DRAFT"}
# v3 reports one system-wide role (site admin) and the hiring-team places of a job.
ROLES = {
    "site_admin": ("Site Admin", "SYSTEM"),
    "hiring_manager": ("Hiring Manager", "JOB"),
    "recruiter": ("Recruiter", "JOB"),
    "coordinator": ("Coordinator", "JOB"),
    "sourcer": ("Sourcer", "JOB"),
}


@contextmanager
def start(limit: RateLimit) -> Iterator[Running[GreenhouseEmulator]]:
    # 16 applications on 2 jobs: ~200 records. Harvest's own rolling window is off: the kit's exact
    # meter holds the client to `limit`.
    emu = GreenhouseEmulator(
        seed=7, applications=16, client_secret=SECRET, rate_limit=None, meter=RateMeter(limit.rate, limit.burst)
    )
    with emu.running() as url:
        yield Running(emu, url, emu.harness)


def config(running: Running[GreenhouseEmulator]) -> dict[str, Any]:
    # Pages of 5: every listing of the kit's account pages.
    return {
        "client_id": running.emulator.client_id,
        "client_secret": SECRET,
        "token_url": f"{running.url}/token",
        "base_url": f"{running.url}/v3",
        "page_size": 5,
    }


# --- the account in the API's terms ---------------------------------------------------------------


def _rows(emu: GreenhouseEmulator, resource: str) -> list[Json]:
    return [row for _, row in sorted(emu.data[resource].items())]


def _ref(model: str, value: Any) -> Ref | None:
    return None if value is None else Ref(model, str(value))


def _current_stage(emu: GreenhouseEmulator, app: Json) -> Ref | None:
    if app["job_id"] is None:
        return None
    stage = app["job_interview_stage_id"]
    if stage is None:
        rows = [r for r in _rows(emu, "application_stages") if r["application_id"] == app["id"]]
        current = [r for r in rows if r["current"]] or sorted(rows, key=lambda r: r["entered_at"])[-1:]
        stage = current[0]["job_interview_stage_id"] if current else None
    return _ref("application_stages", stage)


def snapshot(emu: GreenhouseEmulator) -> View:
    view: View = {"roles": {key: {"remote_label": label, "scope": scope} for key, (label, scope) in ROLES.items()}}
    view["users"] = {}
    for user in _rows(emu, "users"):
        first, last = user["first_name"], user["last_name"]
        if first is None and last is None:
            first, last = split_name(user["name"])
        view["users"][str(user["id"])] = {
            "first_name": first,
            "last_name": last,
            "email": user["primary_email"] or next(iter(user["emails"]), None),
            "status": "INACTIVE" if user["deactivated"] else "ACTIVE",
        }
    view["tags"] = {str(t["id"]): {"name": t["name"]} for t in _rows(emu, "candidate_tags")}
    view["rejection_reasons"] = {str(r["id"]): {"name": r["name"]} for r in _rows(emu, "rejection_reasons")}
    posts = _rows(emu, "job_posts")
    view["job_postings"] = {str(p["id"]): {"title": p["title"], "job_id": Ref("jobs", str(p["job_id"]))} for p in posts}
    view["jobs"], view["application_stages"] = {}, {}
    for job in _rows(emu, "jobs"):
        stages = sorted(
            (s for s in _rows(emu, "job_interview_stages") if s["job_id"] == job["id"]),
            key=lambda s: (s["sort_order"], s["id"]),
        )
        view["jobs"][str(job["id"])] = {
            "name": job["name"],
            "status": JOB_STATUS[job["status"]],
            "confidential": job["confidential"],
            "remote_updated_at": wire_iso(job["updated_at"]),
            "stages": Embedded(frozenset(str(s["id"]) for s in stages)),
            "job_postings": Embedded(frozenset(str(p["id"]) for p in posts if p["job_id"] == job["id"])),
        }
        for index, stage in enumerate(stages):
            view["application_stages"][str(stage["id"])] = {
                "name": stage["name"],
                "job_id": Ref("jobs", str(job["id"])),
                "index": index,
            }
    view["candidates"] = {
        str(c["id"]): {
            "first_name": c["first_name"],
            "last_name": c["last_name"],
            "email_addresses": Pluck("email_address", tuple(e["value"] for e in c["email_addresses"])),
            "remote_updated_at": wire_iso(c["updated_at"]),
        }
        for c in _rows(emu, "candidates")
    }
    reasons = emu.data["rejection_reasons"]
    view["applications"] = {}
    for app in _rows(emu, "applications"):
        outcome = {"hired": "HIRED", "rejected": "DECLINED", "in_process": "PENDING"}.get(app["status"])
        reason = reasons.get(app["rejection_reason_id"]) if outcome == "DECLINED" else None
        view["applications"][str(app["id"])] = {
            "candidate_id": Ref("candidates", str(app["candidate_id"])),
            "job_id": _ref("jobs", app["job_id"]),
            "current_stage_id": _current_stage(emu, app),
            "outcome": outcome,
            "rejection_reason_name": reason["name"] if reason else None,
            "remote_updated_at": wire_iso(app["updated_at"]),
        }
    slots = emu.data["job_interviews"]
    view["interviews"] = {
        str(i["id"]): {
            "application_id": Ref("applications", str(i["application_id"])),
            "stage_id": _ref("application_stages", slots[i["job_interview_id"]]["job_interview_stage_id"]),
            "title": slots[i["job_interview_id"]]["name"],
            "canceled": i["status"] == "skipped",
            "remote_updated_at": wire_iso(i["updated_at"]),
        }
        for i in _rows(emu, "interviews")
    }
    seats = {r["scorecard_id"]: r["interview_id"] for r in _rows(emu, "interviewers")}
    applications = emu.data["applications"]
    view["scorecards"] = {
        str(s["id"]): {
            "application_id": Ref("applications", str(s["application_id"])),
            "candidate_id": Ref("candidates", str(applications[s["application_id"]]["candidate_id"])),
            "interview_id": _ref("interviews", seats.get(s["id"])),
            "author_id": _ref("users", s["interviewer_id"]),
            "remote_updated_at": wire_iso(s["updated_at"]),
        }
        for s in _rows(emu, "scorecards")
        if s["status"] == "complete"
    }
    current: dict[int, Json] = {}
    for offer in _rows(emu, "offers"):
        held = current.get(offer["application_id"])
        if held is None or offer["version"] > held["version"]:
            current[offer["application_id"]] = offer
    view["offers"] = {
        str(app): {
            "application_id": Ref("applications", str(app)),
            "employment_start_date": wire_iso(offer["starts_on"]),
            "remote_updated_at": wire_iso(offer["updated_at"]),
        }
        for app, offer in current.items()
    }
    view["notes"] = {
        str(n["id"]): {
            "candidate_id": Ref("candidates", str(n["candidate_id"])),
            # Plain text with newlines, served as HTML.
            "content_html": "<br>".join(html.escape(line) for line in n["body"].split("\n")),
        }
        for n in _rows(emu, "notes")
        if n["type"] == "NOTE"
    }
    view["attachments"] = {
        str(a["id"]): {
            "candidate_id": Ref("candidates", str(a["candidate_id"])),
            "type": {"resume": "CV", "cover_letter": "COVER_LETTER"}.get(a["type"], "OTHER"),
            "file_name": a["filename"],
            "content": FileBytes(emu.files[a["id"]]),
        }
        for a in _rows(emu, "attachments")
    }
    return view


# --- the changes ----------------------------------------------------------------------------------


def _active(emu: GreenhouseEmulator) -> list[Json]:
    return [a for a in _rows(emu, "applications") if a["status"] == "in_process" and a["job_id"] is not None]


def new_candidate(emu: GreenhouseEmulator) -> Changes:
    """A new candidate applying to a job, with a résumé."""
    app = emu.add_application()
    emu.add_attachment(app["id"], "cv.pdf", "resume")
    return NO_CHANGES


def stage_moved(emu: GreenhouseEmulator) -> Changes:
    app = _active(emu)[0]
    stages = [s["id"] for s in _rows(emu, "job_interview_stages") if s["job_id"] == app["job_id"] and s["active"]]
    emu.move_application(app["id"], next(s for s in stages if s != app["job_interview_stage_id"]))
    return NO_CHANGES


def rejected(emu: GreenhouseEmulator) -> Changes:
    emu.reject_application(_active(emu)[1]["id"], _rows(emu, "rejection_reasons")[0]["id"])
    return NO_CHANGES


def candidate_renamed(emu: GreenhouseEmulator) -> Changes:
    owners = [a["candidate_id"] for a in _rows(emu, "applications")]
    candidate = next(c["id"] for c in _rows(emu, "candidates") if owners.count(c["id"]) > 1)
    emu.edit("candidates", candidate, first_name="Renamed")
    return NO_CHANGES


def job_renamed(emu: GreenhouseEmulator) -> Changes:
    emu.rename_job(_rows(emu, "jobs")[0]["id"], "Renamed Job")
    return NO_CHANGES


def post_renamed(emu: GreenhouseEmulator) -> Changes:
    emu.edit("job_posts", _rows(emu, "job_posts")[0]["id"], title="Renamed post")
    return NO_CHANGES


def stage_renamed(emu: GreenhouseEmulator) -> Changes:
    emu.edit("job_interview_stages", _rows(emu, "job_interview_stages")[1]["id"], name="Renamed Stage")
    return NO_CHANGES


def user_renamed(emu: GreenhouseEmulator) -> Changes:
    emu.edit("users", _rows(emu, "users")[0]["id"], first_name="Renamed")
    return NO_CHANGES


def tag_renamed(emu: GreenhouseEmulator) -> Changes:
    emu.edit("candidate_tags", _rows(emu, "candidate_tags")[0]["id"], name="Renamed tag")
    return NO_CHANGES


def reason_renamed(emu: GreenhouseEmulator) -> Changes:
    """The rejection reason of a rejected application: the application's reason name follows."""
    used = sorted(a["rejection_reason_id"] for a in _rows(emu, "applications") if a["status"] == "rejected")
    emu.edit("rejection_reasons", used[0], name="Renamed reason")
    return NO_CHANGES


def interview_added(emu: GreenhouseEmulator) -> Changes:
    """A new interview with its panel; the application's `updated_at` stays."""
    emu.add_interview(_active(emu)[0]["id"])
    return NO_CHANGES


def scorecard_submitted(emu: GreenhouseEmulator) -> Changes:
    """A placeholder scorecard becomes feedback; its application and interview stay untouched."""
    draft = next(s for s in _rows(emu, "scorecards") if s["status"] == "draft")
    emu.submit_scorecard(draft["id"], "strong_yes")
    return NO_CHANGES


def offer_version_added(emu: GreenhouseEmulator) -> Changes:
    offered = next(o["application_id"] for o in _rows(emu, "offers") if o["status"] == "Created")
    emu.add_offer_version(offered, starts_on="2025-05-01")
    return NO_CHANGES


def note_added(emu: GreenhouseEmulator) -> Changes:
    emu.add_note(_rows(emu, "candidates")[-1]["id"], "A note\nbehind the candidate's back <b>")
    return NO_CHANGES


def candidate_tagged(emu: GreenhouseEmulator) -> Changes:
    """A tag applied: the candidate's tags (links the view does not show) change, its `updated_at` not."""
    candidate = _rows(emu, "candidates")[0]["id"]
    held = {r["candidate_tag_id"] for r in _rows(emu, "applied_candidate_tags") if r["candidate_id"] == candidate}
    tag = next(t["id"] for t in _rows(emu, "candidate_tags") if t["id"] not in held)
    emu.tag_candidate(candidate, tag)
    return Changes(links=frozenset({("candidates", str(candidate))}))


def candidate_deleted(emu: GreenhouseEmulator) -> Changes:
    """A candidate with applications, notes and files: Greenhouse deletes those with it."""
    noted = {n["candidate_id"] for n in _rows(emu, "notes") if n["type"] == "NOTE"}
    owners = {a["candidate_id"] for a in _rows(emu, "applications")}
    emu.delete("candidates", next(c for c in sorted(owners & noted)))
    return NO_CHANGES


def post_deleted(emu: GreenhouseEmulator) -> Changes:
    emu.delete("job_posts", _rows(emu, "job_posts")[0]["id"])
    return NO_CHANGES


def _revoke(emu: GreenhouseEmulator) -> None:
    emu.client_secret = "revoked-secret"
    emu.expire_tokens()


GREENHOUSE: Target[GreenhouseEmulator] = Target(
    tool="greenhouse",
    start=start,
    config=config,
    secrets=("client_secret",),
    snapshot=snapshot,
    scenarios=(
        Scenario("new candidate with an application and a file", new_candidate),
        Scenario("application moved to another stage", stage_moved),
        Scenario("application rejected", rejected),
        Scenario("candidate with two applications renamed", candidate_renamed),
        Scenario("job renamed", job_renamed),
        Scenario("job post renamed", post_renamed),
        Scenario("stage renamed", stage_renamed),
        Scenario("user renamed", user_renamed),
        Scenario("tag renamed", tag_renamed),
        Scenario("rejection reason renamed", reason_renamed),
        Scenario("interview added, application untouched", interview_added),
        Scenario("scorecard submitted, application untouched", scorecard_submitted),
        Scenario("offer version added, application untouched", offer_version_added),
        Scenario("note added, candidate untouched", note_added),
        Scenario("candidate tagged, candidate untouched", candidate_tagged),
    ),
    deletions=(
        Deletion("candidate deleted with its applications, notes and files", candidate_deleted),
        Deletion("job post deleted", post_deleted),
    ),
    revoke=_revoke,
    restore=lambda emu: setattr(emu, "client_secret", SECRET),
    # A record listing, a related listing read per batch of records, and the listing behind a download.
    fault_paths=("/v3/applications", "/v3/interviewers", "/v3/attachments"),
    file_path="/cv.pdf",
)
