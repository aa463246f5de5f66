"""Lever, as the conformance kit sees it: its emulator (tests/emulators/lever.py), what its account
holds in the API's terms, and the changes an account goes through.

The expected view is written from Lever's documented semantics, not from the connector's mapping:
an opportunity is an application, its contact a candidate, a posting a job whose pipeline is every
global stage (remote id `<posting>:<stage>`), tags are their text, an archive reason of type `hired`
makes the outcome HIRED and `non-hired` DECLINED, notes and feedback Lever reports deleted and files
it failed to process are not served, files and resumes are attachments `<opportunity>/<files|resumes>/<id>`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hirebridge.connectors.lever import connector as lever_connector
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
    wire_ms,
)
from tests.emulators.lever import HIRED_REASON, LeverEmulator

KEY = "lever-kit-key"
Json = dict[str, Any]

JOB_STATUS = {"published": "OPEN", "internal": "OPEN", "closed": "CLOSED", "draft": "DRAFT", "pending": "DRAFT"}
OFFER_STATUS = {
    "draft": "DRAFT",
    "approval-sent": "DRAFT",
    "approved": "APPROVED",
    "sent": "SENT",
    "sent-manually": "SENT",
    "opened": "SENT",
    "denied": "DECLINED",
    "signed": "ACCEPTED",
}


@contextmanager
def start(limit: RateLimit) -> Iterator[Running[LeverEmulator]]:
    # 12 opportunities of 8 contacts on 2 postings, ~150 records; every listing pages (4 per page).
    emu = LeverEmulator(seed=7, opportunities=12, api_key=KEY, rate=limit.rate, burst=limit.burst, page_cap=4)
    with emu.running() as url:
        yield Running(emu, url, emu.emulator)


def config(running: Running[LeverEmulator]) -> dict[str, Any]:
    return {"api_key": KEY, "base_url": running.url}


# --- the account in the API's terms ---------------------------------------------------------------


def _reason_of(opportunity: Json) -> str | None:
    archived = opportunity.get("archived")
    if isinstance(archived, dict):
        return archived.get("reason")
    return opportunity.get("archiveReason")


def snapshot(emu: LeverEmulator) -> View:
    view: View = {}
    users, tags, reasons_view, jobs, stages_view = {}, {}, {}, {}, {}
    for user in emu.users.values():
        first, last = split_name(user["name"])
        users[user["id"]] = {
            "first_name": first,
            "last_name": last,
            "email": user["email"],
            "status": "INACTIVE" if user["deactivatedAt"] else "ACTIVE",
        }
    for tag in emu.tags():
        tags[tag["text"]] = {"name": tag["text"]}
    reasons = {r["id"]: r for r in emu.archive_reasons()}
    for r in reasons.values():
        reasons_view[r["id"]] = {"name": r["text"]}
    stages = emu.stages()
    for pid, posting in emu.postings.items():
        jobs[pid] = {
            "name": posting["text"],
            "status": JOB_STATUS[posting["state"]],
            "confidential": posting["confidentiality"] == "confidential",
            "remote_updated_at": wire_ms(posting["updatedAt"]),
            "stages": Embedded(frozenset(f"{pid}:{s['id']}" for s in stages)),
        }
        for index, stage in enumerate(stages):
            stages_view[f"{pid}:{stage['id']}"] = {"name": stage["text"], "job_id": Ref("jobs", pid), "index": index}
    view.update(users=users, tags=tags, rejection_reasons=reasons_view, jobs=jobs, application_stages=stages_view)

    candidates: dict[str, Json] = {}
    applications: dict[str, Json] = {}
    interviews: dict[str, Json] = {}
    offers: dict[str, Json] = {}
    notes: dict[str, Json] = {}
    scorecards: dict[str, Json] = {}
    attachments: dict[str, Json] = {}
    for oid, opp in emu.opportunities.items():
        contact = emu.contacts[opp["contact"]]
        first, last = split_name(contact["name"])
        candidates[contact["id"]] = {
            "first_name": first,
            "last_name": last,
            "email_addresses": Pluck("email_address", tuple(contact["emails"])),
        }
        posting = emu.applications[oid]["posting"]
        reason: Json | None = reasons.get(_reason_of(opp) or "")
        outcome = {"hired": "HIRED", "non-hired": "DECLINED"}.get(reason["type"] if reason else "", "PENDING")
        app = Ref("applications", oid)
        candidate = Ref("candidates", contact["id"])
        applications[oid] = {
            "candidate_id": candidate,
            "job_id": Ref("jobs", posting) if posting else None,
            "current_stage_id": Ref("application_stages", f"{posting}:{opp['stage']}") if posting else None,
            "outcome": outcome,
            "rejection_reason_name": reason["text"] if reason and outcome == "DECLINED" else None,
            "remote_updated_at": wire_ms(opp["updatedAt"]),
        }
        kids = emu.children[oid]
        for i in kids["interviews"]:
            interviews[i["id"]] = {
                "application_id": app,
                "title": i["subject"],
                "canceled": i["canceledAt"] is not None,
                "stage_id": Ref("application_stages", f"{posting}:{i['stage']}") if posting and i["stage"] else None,
            }
        for o in kids["offers"]:
            offers[o["id"]] = {"application_id": app, "status": OFFER_STATUS[o["status"]]}
        for n in kids["notes"]:
            if n["deletedAt"] is None:
                notes[n["id"]] = {
                    "application_id": app,
                    "candidate_id": candidate,
                    "title": n["text"] or None,
                    "is_private": bool(n["secret"]),
                }
        for f in kids["feedback"]:
            if f["deletedAt"] is None:
                scorecards[f["id"]] = {
                    "application_id": app,
                    "candidate_id": candidate,
                    "interview_id": Ref("interviews", f["interview"]) if f["interview"] else None,
                    "remote_updated_at": wire_ms(f["updatedAt"]),
                }
        for f in kids["files"]:
            if f["status"] != "error":
                attachments[f"{oid}/files/{f['id']}"] = {
                    "application_id": app,
                    "candidate_id": candidate,
                    "type": "OTHER",
                    "file_name": f["name"],
                    "content": FileBytes(emu.file_content("files", f["id"])),
                }
        for r in kids["resumes"]:
            if r["file"]["status"] != "error":
                attachments[f"{oid}/resumes/{r['id']}"] = {
                    "application_id": app,
                    "candidate_id": candidate,
                    "type": "CV",
                    "file_name": r["file"]["name"],
                    "content": FileBytes(emu.file_content("resumes", r["id"])),
                }
    view.update(
        candidates=candidates,
        applications=applications,
        interviews=interviews,
        offers=offers,
        notes=notes,
        scorecards=scorecards,
        attachments=attachments,
    )
    return view


# --- picking records to change ------------------------------------------------------------------


def _open(emu: LeverEmulator) -> list[str]:
    """Opportunities on a posting, not archived, in id order."""
    return [
        oid
        for oid in sorted(emu.opportunities)
        if emu.applications[oid]["posting"] and _reason_of(emu.opportunities[oid]) is None
    ]


def _with(emu: LeverEmulator, kind: str, *, live: bool = False) -> str:
    """The first opportunity (by id) with a child of `kind` (a live one, for notes and feedback)."""
    for oid in sorted(emu.opportunities):
        if any(not live or i.get("deletedAt") is None for i in emu.children[oid][kind]):
            return oid
    raise AssertionError(f"the kit's Lever account has no opportunity with {kind}")


def _first_child(emu: LeverEmulator, oid: str, kind: str) -> Json:
    return next(i for i in emu.children[oid][kind] if i.get("deletedAt") is None)


# --- the changes ----------------------------------------------------------------------------------


def new_application(emu: LeverEmulator) -> Changes:
    oid = emu.add_opportunity(posting=sorted(emu.postings)[0])
    emu.add_child(oid, "notes")["deletedAt"] = None
    emu.add_child(oid, "files")["status"] = "processed"  # a file the next run downloads
    return NO_CHANGES


def stage_moved(emu: LeverEmulator) -> Changes:
    oid = _open(emu)[0]
    stage = emu.opportunities[oid]["stage"]
    emu.edit_opportunity(oid, stage=next(s["id"] for s in emu.stages() if s["id"] != stage))
    return NO_CHANGES


def hired(emu: LeverEmulator) -> Changes:
    emu.archive(_open(emu)[1], HIRED_REASON)
    return NO_CHANGES


def candidate_renamed(emu: LeverEmulator) -> Changes:
    """A contact with two opportunities: both are updated (their `updatedAt` moves)."""
    contacts = [o["contact"] for o in emu.opportunities.values()]
    contact = next(c for c in sorted(set(contacts)) if contacts.count(c) > 1)
    emu.edit_contact(contact, name="Renamed Person", emails=["renamed@example.org"])
    return NO_CHANGES


def job_renamed(emu: LeverEmulator) -> Changes:
    emu.edit_posting(sorted(emu.postings)[0], text="Renamed posting")
    return NO_CHANGES


def user_renamed(emu: LeverEmulator) -> Changes:
    emu.edit_user(sorted(emu.users)[0], name="Renamed User", email="renamed.user@example.com")
    return NO_CHANGES


def stage_renamed(emu: LeverEmulator) -> Changes:
    emu.rename_stage(emu.stages()[2]["id"], "Renamed stage")
    return NO_CHANGES


def reason_renamed(emu: LeverEmulator) -> Changes:
    """The archive reason of a declined opportunity."""
    reasons = {r["id"]: r for r in emu.archive_reasons()}
    used = [
        reason
        for oid in sorted(emu.opportunities)
        if (reason := _reason_of(emu.opportunities[oid])) and reasons[reason]["type"] == "non-hired"
    ]
    emu.rename_archive_reason(used[0], "Renamed reason")
    return NO_CHANGES


def tagged(emu: LeverEmulator) -> Changes:
    oid = _open(emu)[2]
    emu.edit_opportunity(oid, tags=[*emu.opportunities[oid]["tags"], "Kit tag"])
    return NO_CHANGES


def interview_added(emu: LeverEmulator) -> Changes:
    emu.add_child(_open(emu)[3], "interviews")
    return NO_CHANGES


def children_changed(emu: LeverEmulator) -> Changes:
    """A note, an interview, an offer, a feedback form and a file edited; no opportunity's
    `updatedAt` moves (Lever documents nothing either way)."""
    oid = _with(emu, "notes", live=True)
    emu.edit_child(oid, "notes", _first_child(emu, oid, "notes")["id"], touch_parent=False, text="Edited note")
    oid = _with(emu, "interviews")
    emu.edit_child(oid, "interviews", emu.children[oid]["interviews"][0]["id"], touch_parent=False, subject="Edited")
    oid = _with(emu, "offers")
    offer = emu.children[oid]["offers"][0]
    status = "signed" if offer["status"] != "signed" else "denied"
    emu.edit_child(oid, "offers", offer["id"], touch_parent=False, status=status)
    oid = _with(emu, "feedback", live=True)
    emu.edit_child(oid, "feedback", _first_child(emu, oid, "feedback")["id"], touch_parent=False)
    oid = next(o for o in sorted(emu.opportunities) if any(f["status"] != "error" for f in emu.children[o]["files"]))
    file = next(f for f in emu.children[oid]["files"] if f["status"] != "error")
    emu.edit_child(oid, "files", file["id"], touch_parent=False, name="edited.pdf")
    return NO_CHANGES


def opportunity_deleted(emu: LeverEmulator) -> Changes:
    """An opportunity whose contact has no other: the contact goes with it. Lever lists it in
    `/opportunities/deleted`."""
    contacts = [o["contact"] for o in emu.opportunities.values()]
    oid = next(o for o in sorted(emu.opportunities) if contacts.count(emu.opportunities[o]["contact"]) == 1)
    emu.delete_opportunity(oid)
    return NO_CHANGES


def offer_removed(emu: LeverEmulator) -> Changes:
    emu.remove_child(_with(emu, "offers"), "offers")
    return NO_CHANGES


STALE_REASON = (
    "applications copy their archive reason's text, and Lever does not move their updatedAt when the "
    "reason is renamed: a DELTA leaves rejection_reason_name stale until the next FULL"
)

LEVER: Target[LeverEmulator] = Target(
    tool="lever",
    start=start,
    config=config,
    secrets=("api_key",),
    # The connector's documented bound for a child changed behind its parent (docs/connectors/lever.md).
    child_refresh_runs=lever_connector.REFRESH_PARTS,
    snapshot=snapshot,
    scenarios=(
        Scenario("new application with a note and a file", new_application),
        Scenario("application moved to another stage", stage_moved),
        Scenario("application archived as hired", hired),
        Scenario("candidate with two applications renamed", candidate_renamed),
        Scenario("job renamed", job_renamed),
        Scenario("user renamed", user_renamed),
        Scenario("stage renamed in every pipeline", stage_renamed),
        Scenario("rejection reason renamed", reason_renamed, delta_gap=STALE_REASON),
        Scenario("application tagged with a new tag", tagged),
        Scenario("interview added", interview_added),
        Scenario("note, interview, offer, feedback and file edited, parents untouched", children_changed, refresh=True),
    ),
    deletions=(
        Deletion("opportunity and its only contact deleted", opportunity_deleted),
        Deletion("offer removed", offer_removed),
    ),
    revoke=lambda emu: setattr(emu, "api_key", "revoked-key"),
    restore=lambda emu: setattr(emu, "api_key", KEY),
    fault_paths=("/opportunities", "/feedback"),
    file_path="/download",
    deletion_feed=frozenset({"applications"}),
    # Lever documents 10 requests/s in bursts of 20; the kit paces its ~100-request FULL at 50/s.
    paced=RateLimit(50, 20),
)
