"""Personio, as the conformance kit sees it: its emulator (tests/emulators/personio.py), what its
account holds in the API's terms, and the changes an account goes through.

The expected view is written from Personio's documented semantics, not from the connector's
mapping: a job's pipeline is its recruiting category's stages, in the category's order (a system
phase, which has no id, known by its type); an application in a `rejected` or `withdrawn` phase is
DECLINED, one in `accepted` HIRED; a candidate is a person, with one application per job. The v2
reads have no users, notes, interviews, offers, tags, files or custom attributes: those models serve
nothing. Personio has no deletion feed: a deleted candidate (and its applications) just disappears.
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
    wire_iso,
)
from tests.emulators.harness import serve
from tests.emulators.personio import PersonioEmulator

CLIENT_ID = "personio-kit-client"
SECRET = "personio-kit-secret"
Json = dict[str, Any]
JOB_STATUS = {"ACTIVE": "OPEN", "DRAFT": "DRAFT", "ARCHIVED": "ARCHIVED"}
OUTCOME = {"rejected": "DECLINED", "withdrawn": "DECLINED", "accepted": "HIRED"}
CANDIDATE_ATTRIBUTES = ("gender", "birthday", "available_from", "salary_expectations")


@contextmanager
def start(limit: RateLimit) -> Iterator[Running[PersonioEmulator]]:
    # 50 candidates (~57 applications), 3 jobs of two categories: ~130 records.
    emu = PersonioEmulator(CLIENT_ID, SECRET, seed=7, candidates=50, jobs=3, rate=limit.rate, burst=limit.burst)
    with serve(emu.app()) as url:
        yield Running(emu, url, emu.harness)


def config(running: Running[PersonioEmulator]) -> dict[str, Any]:
    # Pages of 5: every listing of the kit's account pages.
    return {"client_id": CLIENT_ID, "client_secret": SECRET, "base_url": running.url, "page_size": 5}


# --- the account in the API's terms ---------------------------------------------------------------


def _key(stage: Json) -> str:
    return str(stage["id"]) if stage["id"] is not None else str(stage["type"])


def snapshot(emu: PersonioEmulator) -> View:
    data = emu.data
    view: View = {"jobs": {}, "application_stages": {}}
    for job_id, job in data["jobs"].items():
        pipeline = emu.pipeline(job_id)
        view["jobs"][job_id] = {
            "name": job["name"],
            "status": JOB_STATUS[job["status"]],
            "category": job["category"]["name"],
            "remote_updated_at": wire_iso(job["updated_at"]),
            "stages": Embedded(frozenset(f"{job_id}:{_key(s)}" for s in pipeline)),
        }
        for index, stage in enumerate(pipeline):
            view["application_stages"][f"{job_id}:{_key(stage)}"] = {
                "name": stage["name"],
                "job_id": Ref("jobs", job_id),
                "index": index,
            }
    view["candidates"] = {
        cid: {
            "first_name": c["first_name"],
            "last_name": c["last_name"],
            "email_addresses": Pluck("email_address", (c["email"],)),
            "phone_numbers": Pluck("phone_number", (c["phone"],) if c["phone"] else ()),
            "custom_fields": {k: c[k] for k in CANDIDATE_ATTRIBUTES if c.get(k)},
            "remote_updated_at": wire_iso(c["updated_at"]),
        }
        for cid, c in data["candidates"].items()
    }
    view["applications"] = {
        aid: {
            "candidate_id": Ref("candidates", a["candidate"]["id"]),
            "job_id": Ref("jobs", a["job"]["id"]),
            "current_stage_id": Ref("application_stages", f"{a['job']['id']}:{_key(a['current_stage'])}"),
            "outcome": OUTCOME.get(a["current_stage"]["type"], "PENDING"),
            "remote_updated_at": wire_iso(a["updated_at"]),
        }
        for aid, a in data["applications"].items()
    }
    return view


# --- the changes ----------------------------------------------------------------------------------


def _pending(emu: PersonioEmulator) -> list[str]:
    """Applications in a custom or the unassigned stage, oldest first."""
    return [
        aid
        for aid, a in sorted(emu.data["applications"].items(), key=lambda item: int(item[0]))
        if a["current_stage"]["type"] in ("custom", "unassigned")
    ]


def _first(emu: PersonioEmulator, kind: str) -> str:
    return min(emu.data[kind], key=int)


def new_candidate(emu: PersonioEmulator) -> Changes:
    """A candidate applying to an open job (the v2 reads return no files: no attachment)."""
    candidate = emu.add_candidate(1000)
    job = next(j for j, x in sorted(emu.data["jobs"].items()) if x["status"] == "ACTIVE")
    emu.apply(candidate["id"], job)
    return NO_CHANGES


def moved(emu: PersonioEmulator) -> Changes:
    application = emu.data["applications"][_pending(emu)[0]]
    custom = [s for s in emu.pipeline(application["job"]["id"]) if s["type"] == "custom"]
    target = custom[1] if application["current_stage"]["id"] == custom[0]["id"] else custom[0]
    emu.move(application["id"], target["name"])
    return NO_CHANGES


def rejected(emu: PersonioEmulator) -> Changes:
    emu.move(_pending(emu)[1], "rejected")
    return NO_CHANGES


def hired(emu: PersonioEmulator) -> Changes:
    emu.move(_pending(emu)[2], "accepted")
    return NO_CHANGES


def candidate_renamed(emu: PersonioEmulator) -> Changes:
    emu.edit("candidates", sorted(emu.data["candidates"], key=int)[2], first_name="Renamed")
    return NO_CHANGES


def job_renamed(emu: PersonioEmulator) -> Changes:
    emu.edit("jobs", _first(emu, "jobs"), name="Renamed Job")
    return NO_CHANGES


def job_archived(emu: PersonioEmulator) -> Changes:
    emu.edit("jobs", _first(emu, "jobs"), status="ARCHIVED")
    return NO_CHANGES


def stage_renamed(emu: PersonioEmulator) -> Changes:
    category = _first(emu, "categories")
    custom = next(s for s in emu.data["categories"][category]["stages"] if s["type"] == "custom")
    emu.rename_stage(category, custom["name"], "First call")
    return NO_CHANGES


def candidate_deleted(emu: PersonioEmulator) -> Changes:
    """A candidate with two applications: they go with it."""
    counts: dict[str, int] = {}
    for application in emu.data["applications"].values():
        counts[application["candidate"]["id"]] = counts.get(application["candidate"]["id"], 0) + 1
    emu.delete("candidates", min((c for c, n in counts.items() if n > 1), key=int))
    return NO_CHANGES


def application_deleted(emu: PersonioEmulator) -> Changes:
    emu.delete("applications", _first(emu, "applications"))
    return NO_CHANGES


def _revoke(emu: PersonioEmulator) -> None:
    emu.client_secret = "revoked-secret"
    emu.revoke()  # tokens issued so far stop working too


PERSONIO: Target[PersonioEmulator] = Target(
    tool="personio",
    start=start,
    config=config,
    secrets=("client_secret",),
    snapshot=snapshot,
    scenarios=(
        Scenario("new candidate applying to a job", new_candidate),
        Scenario("application moved to another stage", moved),
        Scenario("application rejected", rejected),
        Scenario("application hired", hired),
        Scenario("candidate renamed", candidate_renamed),
        Scenario("job renamed", job_renamed),
        Scenario("job archived", job_archived),
        Scenario("stage renamed in its category", stage_renamed),
    ),
    deletions=(
        Deletion("candidate deleted with its applications", candidate_deleted),
        Deletion("application deleted", application_deleted),
    ),
    revoke=_revoke,
    restore=lambda emu: setattr(emu, "client_secret", SECRET),
    fault_paths=("/v2/recruiting/applications", "/v2/recruiting/candidates"),
)
