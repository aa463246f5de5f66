"""`updated_after` returns what changed and nothing else, against the vendors' emulators over HTTP.

Kombo's nested-change table decides which related changes surface a record: a job's change never
surfaces its applications, and a change of one application surfaces its candidate but not (through
the candidate) the candidate's other applications. Two syncs with no change in between surface
nothing on any endpoint, whichever kinds of run they are.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine

from hirebridge import ids
from hirebridge.connectors.lever import mapping
from hirebridge.model import SyncKind
from hirebridge.store import tenancy
from hirebridge.store.db import write_tx
from hirebridge.store.sync_runs import SyncState
from hirebridge.sync.engine import SyncEngine
from hirebridge.timefmt import to_wire, utc_now
from tests.conftest import Server, create_sandbox, make_tenant
from tests.emulators.ashby import AshbyEmulator
from tests.emulators.harness import serve
from tests.emulators.lever import LeverEmulator
from tests.lever_world import Setup, lever, world
from tests.support import API_PATHS, World


def moment() -> str:
    """A time strictly between what was synced before and what is synced after."""
    time.sleep(0.005)
    since = to_wire(utc_now())
    time.sleep(0.005)
    assert since is not None
    return since


def surfaced(w: World, since: str) -> dict[str, set[str]]:
    """model -> remote ids `updated_after=since` returns (deleted records included), every endpoint."""
    return {
        model: {r["remote_id"] for r in w.walk(path, updated_after=since, include_deleted="true", page_size=250)}
        for model, path in API_PATHS.items()
    }


def nothing_but(**expected: set[str]) -> dict[str, set[str]]:
    return {model: expected.get(model, set()) for model in API_PATHS}


def synced(s: Setup, kind: SyncKind) -> None:
    result = s.sync(kind)
    assert result.state == SyncState.SUCCEEDED, result.error


def postings_apps(emu: LeverEmulator, posting: str) -> set[str]:
    return {oid for oid, a in emu.applications.items() if a["posting"] == posting}


def siblings(emu: LeverEmulator, oids: set[str]) -> set[str]:
    """The other opportunities of the contacts of `oids`."""
    contacts = {emu.opportunities[o]["contact"] for o in oids}
    return {o for o, opp in emu.opportunities.items() if opp["contact"] in contacts} - oids


def renamed_posting(emu: LeverEmulator) -> str:
    """A posting with an offer on one of its opportunities, and a contact of one of its
    opportunities with another opportunity on another posting: the cases a rename could leak to."""
    for posting in sorted(emu.postings):
        apps = postings_apps(emu, posting)
        if any(emu.children[o]["offers"] for o in apps) and siblings(emu, apps) - apps:
            return posting
    raise AssertionError("the generated account has no such posting")


# --- a job change surfaces the job only ------------------------------------------------------------


@pytest.mark.parametrize("kind", [SyncKind.FULL, SyncKind.DELTA])
@pytest.mark.parametrize("touch_opportunities", [False, True], ids=["posting-only", "opportunities-touched"])
def test_a_posting_rename_surfaces_the_job_and_not_its_applications(
    engine: Engine, server: Server, kind: SyncKind, touch_opportunities: bool
) -> None:
    with lever(engine, opportunities=60) as s:
        synced(s, SyncKind.FULL)
        emu, w = s.emu, world(s, server)
        posting = renamed_posting(emu)
        apps = postings_apps(emu, posting)
        since = moment()
        emu.edit_posting(posting, text="Renamed posting", touch_opportunities=touch_opportunities)
        synced(s, kind)

        got = surfaced(w, since)
        if not touch_opportunities:
            # Only the job changed: its offers' copies of its title are not the offers' own data.
            assert got == nothing_but(jobs={posting})
        else:
            # Lever says the posting's opportunities changed (their updatedAt, the applications'
            # remote_updated_at, moved): those applications, and per Kombo's table their candidates,
            # interviews and offers -- but never another application of the same person.
            contacts = {emu.opportunities[o]["contact"] for o in apps}
            interviews = {i["id"] for o in apps for i in emu.children[o]["interviews"]}
            offers = {i["id"] for o in apps for i in emu.children[o]["offers"]}
            assert got == nothing_but(
                jobs={posting}, applications=apps, candidates=contacts, interviews=interviews, offers=offers
            )
            assert not got["applications"] & siblings(emu, apps)
        # The applications' served documents embed the job under its new name all the same.
        served = w.walk("/ats/applications", job_ids=ids.record_id(s.integration_id, "jobs", posting), page_size=250)
        assert {a["remote_id"] for a in served} == apps
        assert {a["job"]["name"] for a in served} == {"Renamed posting"}


# --- a change of one application surfaces its candidate, not the candidate's other applications ---


def person_with_two_applications(emu: LeverEmulator) -> tuple[str, str]:
    """(an opportunity, another opportunity of the same contact), both on postings and pending."""
    for oid in sorted(emu.opportunities):
        opp = emu.opportunities[oid]
        others = siblings(emu, {oid})
        if others and emu.applications[oid]["posting"] and not opp.get("archived") and "archivedAt" not in opp:
            return oid, sorted(others)[0]
    raise AssertionError("the generated account has no contact with two opportunities")


@pytest.mark.parametrize("kind", [SyncKind.FULL, SyncKind.DELTA])
def test_a_stage_move_surfaces_its_candidate_but_not_the_candidates_other_application(
    engine: Engine, server: Server, kind: SyncKind
) -> None:
    with lever(engine, opportunities=60) as s:
        synced(s, SyncKind.FULL)
        emu, w = s.emu, world(s, server)
        moved, other = person_with_two_applications(emu)
        contact = emu.opportunities[moved]["contact"]
        before = {a["remote_id"]: a for a in w.walk("/ats/applications", page_size=250)}
        since = moment()
        current = emu.opportunities[moved]["stage"]
        emu.edit_opportunity(moved, stage=next(st["id"] for st in emu.stages() if st["id"] != current))
        synced(s, kind)

        got = surfaced(w, since)
        interviews = {i["id"] for i in emu.children[moved]["interviews"]}
        offers = {i["id"] for i in emu.children[moved]["offers"]}
        assert got == nothing_but(applications={moved}, candidates={contact}, interviews=interviews, offers=offers)
        after = {a["remote_id"]: a for a in w.walk("/ats/applications", page_size=250)}
        assert after[other] == before[other]  # nothing of the other application changed, embeds included
        assert after[moved]["current_stage"] != before[moved]["current_stage"]


def test_a_candidate_does_not_follow_whichever_of_its_opportunities_changed_last() -> None:
    """The candidate built from a contact's opportunities is the same whichever of them was updated
    last: the contact's fields are shared, the rest is taken from its first opportunity."""
    emu = LeverEmulator(seed=3, opportunities=40)
    moved, other = person_with_two_applications(emu)
    contact = emu.opportunities[moved]["contact"]

    def candidate() -> Any:
        return mapping.candidate_from_opportunities(
            [emu.render_opportunity(o) for o in emu.opportunities if emu.opportunities[o]["contact"] == contact]
        )

    emu.edit_opportunity(other, links=["https://example.org/other"])
    emu.edit_opportunity(moved, links=["https://example.org/moved"])
    before = candidate()
    emu.add_child(other, "notes")  # now `other` is the newest
    assert candidate() == before
    emu.add_child(moved, "notes")
    assert candidate() == before


# --- two syncs without a change in between surface nothing ----------------------------------------

Sync = Callable[[SyncKind], None]


def assert_quiet_after_each(w: World, sync: Sync) -> None:
    """After a first FULL: FULL -> FULL, FULL -> DELTA and DELTA -> DELTA with no source change
    surface nothing on any endpoint."""
    sync(SyncKind.FULL)
    for kind in (SyncKind.FULL, SyncKind.DELTA, SyncKind.DELTA):
        since = moment()
        sync(kind)
        assert surfaced(w, since) == nothing_but(), kind


def test_lever_resyncs_without_a_change_surface_nothing(engine: Engine, server: Server) -> None:
    with lever(engine, opportunities=60) as s:
        emu = s.emu
        # Recent edits, so DELTA runs re-read them in their overlap window (and map them again).
        posting = renamed_posting(emu)
        emu.edit_posting(posting, text="Renamed posting", touch_opportunities=True)
        moved, _ = person_with_two_applications(emu)
        emu.edit_contact(emu.opportunities[moved]["contact"], name="Renamed Person")
        emu.add_child(moved, "offers")
        assert_quiet_after_each(world(s, server), lambda kind: synced(s, kind))


@contextmanager
def ashby(engine: Engine, server: Server) -> Iterator[tuple[AshbyEmulator, World]]:
    key = "ashby-test-key"
    emulator = AshbyEmulator(key, seed=5, candidates=40, jobs=4, rate=800.0, burst=100)
    with serve(emulator.app()) as url:
        tenant = make_tenant(engine)
        config = {"api_key": key, "base_url": url, "requests_per_second": 500, "burst": 50, "page_size": 10}
        with write_tx(engine) as conn:
            integration = tenancy.create_integration(conn, tenant.environment, "ashby", config)
        yield emulator, World(server, tenant, integration.id)


def test_ashby_resyncs_without_a_change_surface_nothing(engine: Engine, server: Server) -> None:
    with ashby(engine, server) as (emulator, w):

        def sync(kind: SyncKind) -> None:
            result = SyncEngine(engine).run(w.integration_id, kind)
            assert result.state == SyncState.SUCCEEDED, result.error

        sync(SyncKind.FULL)
        # Recent edits, so the next runs have something to read again.
        emulator.edit("candidates", sorted(emulator.data["candidates"])[0], name="Renamed Person")
        emulator.edit("jobs", sorted(emulator.data["jobs"])[0], title="Renamed Job")
        assert_quiet_after_each(w, sync)


def test_sandbox_resyncs_without_a_change_surface_nothing(engine: Engine, server: Server) -> None:
    tenant = make_tenant(engine)
    w = World(server, tenant, create_sandbox(engine, tenant, applications=80))

    def sync(kind: SyncKind) -> None:
        result = SyncEngine(engine).run(w.integration_id, kind)
        assert result.state == SyncState.SUCCEEDED, result.error

    assert_quiet_after_each(w, sync)


def test_emulator_offers_repeat_their_postings_title_and_their_contacts_name() -> None:
    """The emulator's offers carry Lever's predefined offer-form fields (the vendor's example), whose
    copies of the posting's title and the contact's name follow those records."""
    emu = LeverEmulator(seed=3, opportunities=40)
    oid = next(o for o in sorted(emu.opportunities) if emu.children[o]["offers"] and emu.applications[o]["posting"])
    posting, contact = emu.applications[oid]["posting"], emu.opportunities[oid]["contact"]

    def fields() -> dict[str, Any]:
        return {f["identifier"]: f["value"] for f in emu.children[oid]["offers"][0]["fields"]}

    assert fields()["job_posting"] == posting and fields()["job_title"] == emu.postings[posting]["text"]
    updated = emu.opportunities[oid]["updatedAt"]
    emu.edit_posting(posting, text="Renamed posting")
    assert fields()["job_title"] == "Renamed posting"
    assert emu.opportunities[oid]["updatedAt"] == updated  # touch_opportunities=False
    emu.edit_posting(posting, text="Renamed again", touch_opportunities=True)
    assert emu.opportunities[oid]["updatedAt"] > updated
    emu.edit_contact(contact, name="Renamed Person")
    assert fields()["candidate_name"] == "Renamed Person"
