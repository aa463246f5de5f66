"""The Lever connector against a second, independent Lever emulator (tests/emulators/lever_docs.py), built
from Lever's API reference and example payloads rather than by the connector's authors: a FULL sync
serves every record as Lever's docs say it should be read, and DELTA runs pick up a stage move, a
deletion, and a note added behind its opportunity (within the documented bound of 6 DELTA runs)."""

from __future__ import annotations

import base64
import html
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from hirebridge.model import SyncKind
from hirebridge.store import tenancy
from hirebridge.store.db import write_tx
from hirebridge.store.sync_runs import SyncState
from hirebridge.sync.engine import SyncEngine
from tests.conftest import Server, make_tenant
from tests.emulators.harness import serve
from tests.emulators.lever_docs import LeverDocs, now_ms
from tests.support import World

KEY = "lever-docs-key"
# Generous client limits: this is about reading Lever right, not about pacing.
CONFIG = {"api_key": KEY, "requests_per_second": 5000, "burst": 5000, "timeout": 5.0, "retry_attempts": 2}
CHILD_REFRESH_PARTS = 6  # docs/connectors/lever.md: a child changed behind its opportunity shows within 6 DELTA runs


@contextmanager
def lever_account(engine: Engine, server: Server) -> Iterator[tuple[LeverDocs, World]]:
    lever = LeverDocs(KEY)
    with serve(lever.app()) as url:
        tenant = make_tenant(engine)
        with write_tx(engine) as conn:
            config = {**CONFIG, "base_url": url}
            integration_id = tenancy.create_integration(conn, tenant.environment, "lever", config).id
        yield lever, World(server, tenant, integration_id)


def sync(engine: Engine, world: World, kind: SyncKind = SyncKind.FULL) -> None:
    result = SyncEngine(engine).run(world.integration_id, kind)
    assert result.state == SyncState.SUCCEEDED, f"{kind} run {result.state}: {result.error}"


def iso(ms: int | str) -> str:
    value = int(ms)
    return datetime.fromtimestamp(value // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value % 1000:03d}Z"


def split(name: str) -> tuple[str, str | None]:
    first, _, last = name.partition(" ")
    return first, last or None


def by_remote(world: World, path: str, **params: Any) -> dict[str, dict[str, Any]]:
    return {r["remote_id"]: r for r in world.walk(path, **params)}


def test_a_full_sync_serves_lever_as_documented(engine: Engine, server: Server) -> None:
    with lever_account(engine, server) as (lever, world):
        sync(engine, world)
        for path, query in lever.queries:
            if path in ("/opportunities", "/postings"):
                assert query.get("confidentiality") == "all", (path, query)
        opps = {o["id"]: o for o in lever.visible_opportunities()}
        assert len([q for q, _ in lever.queries if q == "/opportunities"]) >= 2  # several pages were walked
        reasons = {r["id"]: r for r in lever.archive_reasons}
        stage_names = {s["id"]: s["text"] for s in lever.stages}

        users = by_remote(world, "/ats/users")
        assert set(users) == {u["id"] for u in lever.users}  # deactivated ones too
        for u in lever.users:
            first, last = split(u["name"])
            assert (users[u["id"]]["first_name"], users[u["id"]]["last_name"]) == (first, last)
            assert users[u["id"]]["email"] == u["email"]
            assert users[u["id"]]["status"] == ("INACTIVE" if u.get("deactivatedAt") else "ACTIVE")

        jobs = by_remote(world, "/ats/jobs")
        assert set(jobs) == {p["id"] for p in lever.postings}  # the confidential posting included
        for p in lever.postings:
            assert jobs[p["id"]]["name"] == p["text"]
            assert jobs[p["id"]]["confidential"] is (p.get("confidentiality") == "confidential")
            assert jobs[p["id"]]["status"] == {"published": "OPEN", "closed": "CLOSED"}[p["state"]]
        stages = {s["id"]: s for s in world.walk("/ats/application-stages")}
        job_remote = {j["id"]: j["remote_id"] for j in jobs.values()}
        job_stages = {j["id"]: {s["id"] for s in j["stages"]} for j in jobs.values()}

        all_tags = {t for o in opps.values() for t in o.get("tags", [])}
        assert {t["name"] for t in world.walk("/ats/tags")} == all_tags
        assert {r["name"] for r in world.walk("/ats/rejection-reasons")} == {r["text"] for r in lever.archive_reasons}

        candidates = by_remote(world, "/ats/candidates")
        assert set(candidates) == {o["contact"] for o in opps.values()}
        for contact, c in candidates.items():
            mine = [o for o in opps.values() if o["contact"] == contact]
            assert (c["first_name"], c["last_name"]) == split(mine[0]["name"])
            emails = {e for o in mine for e in o.get("emails", [])}
            assert {e["email_address"].lower() for e in c["email_addresses"]} == {e.lower() for e in emails}
            phones = {p["value"] for o in mine for p in o.get("phones", [])}
            assert {p["phone_number"] for p in c["phone_numbers"]} == phones
            assert {t["name"] for t in c["tags"]} == {t for o in mine for t in o.get("tags", [])}
            assert c["confidential"] is any(lever.confidential(o) for o in mine), contact
        candidate_remote = {c["id"]: c["remote_id"] for c in candidates.values()}

        applications = by_remote(world, "/ats/applications")
        assert set(applications) == set(opps)
        for opp_id, a in applications.items():
            opp = opps[opp_id]
            assert candidate_remote[a["candidate_id"]] == opp["contact"]
            assert a["remote_created_at"] == iso(opp["createdAt"]), opp_id
            assert a["remote_updated_at"] == (iso(opp["updatedAt"]) if "updatedAt" in opp else None), opp_id
            posting = lever.posting_of(opp)
            if posting is None:  # a general lead: no job, so no stage of one
                assert a["job_id"] is None, opp_id
            else:
                assert job_remote[a["job_id"]] == posting, opp_id
                assert stages[a["current_stage_id"]]["name"] == stage_names[opp["stage"]], opp_id
                assert a["current_stage_id"] in job_stages[a["job_id"]], opp_id
            archived = opp.get("archived") or {}
            reason_id = archived.get("reason") or opp.get("archiveReason")
            archived_at = archived.get("archivedAt") or opp.get("archivedAt")
            reason = reasons.get(reason_id) if reason_id else None
            outcome = {None: "PENDING", "hired": "HIRED", "non-hired": "DECLINED"}[reason["type"] if reason else None]
            assert a["outcome"] == outcome, opp_id
            if outcome == "DECLINED":
                assert reason is not None and archived_at is not None
                assert (a["rejection_reason_name"], a["rejected_at"]) == (reason["text"], iso(archived_at)), opp_id
            else:
                assert a["rejection_reason_name"] is None, opp_id
        assert {"PENDING", "HIRED", "DECLINED"} <= {a["outcome"] for a in applications.values()}

        kids = {
            kind: [(o, x) for o in opps for x in lever.children[o][kind]] for kind in lever.children[next(iter(opps))]
        }
        app_remote = {a["id"]: r for r, a in applications.items()}
        interviews = by_remote(world, "/ats/interviews")
        assert set(interviews) == {i["id"] for _, i in kids["interviews"]}
        user_remote = {u["id"]: r for r, u in users.items()}
        for opp_id, i in kids["interviews"]:
            served = interviews[i["id"]]
            assert app_remote[served["application_id"]] == opp_id
            assert served["title"] == i["subject"]
            assert served["starting_at"] == iso(i["date"])
            assert served["ending_at"] == iso(i["date"] + i["duration"] * 60_000)
            assert {user_remote[u["id"]] for u in served["users"]} == {x["id"] for x in i["interviewers"]}

        offers = by_remote(world, "/ats/offers")
        status = {"signed": "ACCEPTED", "draft": "DRAFT"}
        assert {r: o["status"] for r, o in offers.items()} == {o["id"]: status[o["status"]] for _, o in kids["offers"]}

        notes = by_remote(world, "/ats/notes")  # Lever marks deleted notes with `deletedAt`
        live_notes = {n["id"]: (o, n) for o, n in kids["notes"] if not n.get("deletedAt")}
        assert set(notes) == set(live_notes) and len(kids["notes"]) > len(live_notes)
        for remote, (opp_id, n) in live_notes.items():
            assert app_remote[notes[remote]["application_id"]] == opp_id
            assert n["fields"][0]["value"] in notes[remote]["content_html"]
            assert notes[remote]["is_private"] is n["secret"]

        scorecards = by_remote(world, "/ats/scorecards")
        assert set(scorecards) == {f["id"] for _, f in kids["feedback"] if not f.get("deletedAt")}

        for opp_id in opps:
            files = [f for f in lever.children[opp_id]["files"] if f["status"] == "processed"]
            resumes = [r["file"] for r in lever.children[opp_id]["resumes"]]
            if not files and not resumes:
                continue
            response = world.get(f"/ats/applications/{applications[opp_id]['id']}/attachments")
            assert response.status_code == 200, response.text
            body = response.json()["data"]["results"]
            got = {(x["file_name"], x["type"], _bytes(x["data_url"])) for x in body}
            expected = {(f["name"], "OTHER", lever.contents[(opp_id, "files", f["id"])]) for f in files}
            expected |= {
                (r["file"]["name"], "CV", lever.contents[(opp_id, "resumes", r["id"])])
                for r in lever.children[opp_id]["resumes"]
            }
            assert got == expected, opp_id


def _bytes(data_url: str) -> bytes:
    return base64.b64decode(data_url.split(",", 1)[1])


def test_delta_runs_pick_up_moves_deletions_and_notes_behind_their_opportunity(engine: Engine, server: Server) -> None:
    with lever_account(engine, server) as (lever, world):
        sync(engine, world)
        opps = lever.visible_opportunities()
        pending = [o for o in opps if lever.posting_of(o) and not (o.get("archived") or o.get("archivedAt"))]
        contacts = [o["contact"] for o in opps]
        alone = [o for o in pending if contacts.count(o["contact"]) == 1]  # its candidate goes with it
        moved, noted, gone = pending[3], pending[10], alone[12]
        target = next(s for s in lever.stages if s["id"] != moved["stage"])
        started = now_ms()
        lever.move_stage(moved["id"], target["id"])
        note_text = "Added behind the opportunity's back"
        note_id = lever.add_note(noted["id"], note_text)
        lever.delete(gone["id"])
        lever.queries.clear()

        sync(engine, world, SyncKind.DELTA)
        # Lever filters on epoch milliseconds: a window in seconds (or ISO) would list nothing or everything.
        since = [
            int(q["updated_at_start"]) for p, q in lever.queries if p == "/opportunities" and "updated_at_start" in q
        ]
        assert since and all(started - 24 * 3_600_000 < s <= started for s in since), since
        assert any(p == "/opportunities/deleted" for p, _ in lever.queries)
        application = world.walk("/ats/applications", remote_ids=moved["id"])[0]
        assert application["current_stage"]["name"] == target["text"]
        assert world.walk("/ats/applications", remote_ids=gone["id"]) == []
        deleted = world.walk("/ats/applications", remote_ids=gone["id"], include_deleted="true")
        assert deleted and deleted[0]["remote_deleted_at"] is not None

        runs = 1
        while note_id not in by_remote(world, "/ats/notes") and runs < CHILD_REFRESH_PARTS:
            sync(engine, world, SyncKind.DELTA)
            runs += 1
        notes = by_remote(world, "/ats/notes")
        assert note_id in notes, f"a note added behind its opportunity is still missing after {runs} DELTA runs"
        assert html.escape(note_text) in notes[note_id]["content_html"]

        # What DELTA leaves for FULL (docs/connectors/lever.md): the contact of a deleted opportunity.
        sync(engine, world)
        assert world.walk("/ats/candidates", remote_ids=gone["contact"]) == []
        assert note_id in by_remote(world, "/ats/notes")


def test_an_email_with_an_upper_case_domain_is_served_valid(engine: Engine, server: Server) -> None:
    with lever_account(engine, server) as (lever, world):
        opp = lever.visible_opportunities()[5]
        opp["emails"] = ["Kai.Oduya@Example.COM"]
        sync(engine, world)
        candidate = world.walk("/ats/candidates", remote_ids=opp["contact"])[0]  # validates the page
        assert [e["email_address"].lower() for e in candidate["email_addresses"]] == ["kai.oduya@example.com"]
