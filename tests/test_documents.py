"""Served documents (model/documents.py): after every kind of change, each stored document is exactly
what a live render of the record gives, and a page with cleared documents is still served right."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

import orjson
from alembic import command
from sqlalchemy import Engine, inspect, select, update

from hirebridge.model import Application, ApplicationStage, Candidate, Interview, Job, JobStatus, Offer, SyncKind, Tag
from hirebridge.model.documents import EMBEDDED_FIELDS
from hirebridge.serving.ats.applications import LISTING
from hirebridge.store import migrate, tables
from hirebridge.store.db import read_tx, write_tx
from hirebridge.store.listing import render_columns
from hirebridge.store.sync_runs import SyncState
from hirebridge.store.tables import SYNCED_TABLES, applications
from hirebridge.sync.engine import SyncEngine
from tests.conftest import Server, create_sandbox, make_tenant
from tests.sources import MODELS, ScriptedSource, small_world
from tests.support import World, advance


def documents(engine: Engine, integration_id: str) -> dict[str, tuple[str | None, bytes]]:
    """remote id -> (stored document, live render) of every application, deleted ones too."""
    with read_tx(engine) as conn:
        columns = [*render_columns(applications), applications.c.doc]
        rows = conn.execute(
            select(*columns).where(applications.c.integration_id == integration_id).order_by(applications.c.pk)
        ).all()
        assert LISTING.render is not None
        live = LISTING.render(conn, rows)
    return {row.remote_id: (row.doc, document) for row, document in zip(rows, live, strict=True)}


def assert_fresh(engine: Engine, integration_id: str) -> dict[str, Any]:
    docs = documents(engine, integration_id)
    assert docs
    for remote_id, (stored, live) in docs.items():
        assert stored is not None, f"{remote_id}: document not rendered"
        assert stored.encode() == live, f"{remote_id}: stale document"
    served = {remote_id: orjson.loads(live) for remote_id, (_stored, live) in docs.items()}
    assert_embeds_are_the_records(engine, integration_id, served)
    return served


def views(engine: Engine, integration_id: str, model: str) -> dict[str, dict[str, Any]]:
    """id -> a live record of `model` as documents embed it, built here from its stored data (not
    from the view the write path stored with it); key order included (dicts keep it)."""
    table = SYNCED_TABLES[model]
    with read_tx(engine) as conn:
        rows = conn.execute(
            select(table.c.id, table.c.remote_id, table.c.data, table.c.embed)
            .where(table.c.integration_id == integration_id, table.c.remote_deleted_at.is_(None))
            .order_by(table.c.pk)
        ).all()
    found = {}
    for row in rows:
        data = orjson.loads(row.data)
        view = {"id": row.id, "remote_id": row.remote_id, **{name: data.get(name) for name in EMBEDDED_FIELDS[model]}}
        stored = orjson.loads(row.embed)
        assert list(stored.items()) == list(view.items()), f"{model} {row.remote_id}: stale stored view"
        found[row.id] = view
    return found


def assert_embeds_are_the_records(engine: Engine, integration_id: str, served: dict[str, Any]) -> None:
    """Every document embeds what its candidate (with tags), stage, job, interviews and offers are now."""
    candidates, stages, jobs, interviews, offers = (
        views(engine, integration_id, model)
        for model in ("candidates", "application_stages", "jobs", "interviews", "offers")
    )
    with read_tx(engine) as conn:
        tags = {
            row.id: {"id": row.id, "remote_id": row.remote_id, "name": orjson.loads(row.data)["name"]}
            for row in conn.execute(
                select(tables.tags.c.id, tables.tags.c.remote_id, tables.tags.c.data).where(
                    tables.tags.c.integration_id == integration_id, tables.tags.c.remote_deleted_at.is_(None)
                )
            )
        }
        tag_ids = {
            row.id: orjson.loads(row.links).get("tag_ids", [])
            for row in conn.execute(select(tables.candidates.c.id, tables.candidates.c.links))
        }
        children = {
            model: conn.execute(
                select(SYNCED_TABLES[model].c.id, SYNCED_TABLES[model].c.application_id).order_by(
                    SYNCED_TABLES[model].c.pk
                )
            ).all()
            for model in ("interviews", "offers")
        }
    for remote_id, document in served.items():
        if document["remote_deleted_at"] is not None:
            continue
        candidate = candidates.get(document["candidate_id"])
        expected = (
            None
            if candidate is None
            else {**candidate, "tags": [tags[t] for t in tag_ids[candidate["id"]] if t in tags]}
        )
        assert document["candidate"] == expected, remote_id
        assert document["current_stage"] == stages.get(document["current_stage_id"]), remote_id
        assert document["job"] == jobs.get(document["job_id"]), remote_id
        for model, pool in (("interviews", interviews), ("offers", offers)):
            wanted = [pool[c.id] for c in children[model] if c.application_id == document["id"] and c.id in pool]
            assert document[model] == wanted, f"{remote_id} {model}"


def run(engine: Engine, integration_id: str, src: ScriptedSource, kind: SyncKind = SyncKind.FULL) -> None:
    time.sleep(0.002)  # millisecond timestamps: keep runs apart
    result = SyncEngine(engine).run(integration_id, kind, connector=src)
    assert result.state == SyncState.SUCCEEDED, result.error


def test_every_embedded_change_re_renders_exactly_the_documents_that_embed_it(engine: Engine) -> None:
    integration_id = create_sandbox(engine, make_tenant(engine))
    src = small_world()
    run(engine, integration_id, src)
    before = assert_fresh(engine, integration_id)
    a1 = src.get(Application, "a1")
    changes: tuple[tuple[str, Callable[[], None]], ...] = (
        ("a tag renamed", lambda: src.put(Tag(remote_id="t1", name="Referral (internal)"))),
        ("the job renamed", lambda: src.put(Job(remote_id="j1", name="Backend Engineer II", status=JobStatus.OPEN))),
        (
            "a stage renamed",
            lambda: src.put(ApplicationStage(remote_id="s2", job_remote_id="j1", name="Onsite", index=1)),
        ),
        ("an interview added", lambda: src.put(Interview(remote_id="i9", application_remote_id="a2", title="Call"))),
        ("an interview removed", lambda: src.remove("interviews", "i1")),
        ("an offer changed", lambda: src.put(Offer(remote_id="o1", application_remote_id="a1", status="SENT"))),
        (
            "a candidate renamed",
            lambda: src.put(dataclasses.replace(src.get(Candidate, "c2"), first_name="Alan M.")),
        ),
        ("an application removed", lambda: src.remove("applications", "a1")),
        ("an application back", lambda: src.put(a1)),
        (
            "an application moved on",
            lambda: src.put(dataclasses.replace(src.get(Application, "a3"), current_stage_remote_id="s2")),
        ),
    )
    for what, change in changes:
        change()
        run(engine, integration_id, src)
        after = assert_fresh(engine, integration_id)
        assert after != before, what
        before = after
    assert before["a1"]["candidate"]["tags"][0]["name"] == "Referral (internal)"
    assert before["a2"]["job"]["name"] == "Backend Engineer II"
    assert before["a2"]["candidate"]["first_name"] == "Alan M."


def test_documents_follow_the_sandbox_through_every_kind_of_change(engine: Engine) -> None:
    integration_id = create_sandbox(engine, make_tenant(engine), applications=60)
    assert SyncEngine(engine).run(integration_id).state == SyncState.SUCCEEDED
    assert_fresh(engine, integration_id)
    for kind in (SyncKind.FULL, SyncKind.DELTA, SyncKind.FULL):
        advance(engine, integration_id)
        assert SyncEngine(engine).run(integration_id, kind).state == SyncState.SUCCEEDED
        assert_fresh(engine, integration_id)


def test_a_failed_run_leaves_no_document_it_made_stale_cleared(engine: Engine, server: Server) -> None:
    """The job page's transaction cleared its applications' documents and rendered them again before
    it committed: after the run fails, every document is stored and fresh."""
    tenant = make_tenant(engine)
    integration_id = create_sandbox(engine, tenant)
    world = World(server, tenant, integration_id)
    src = small_world()
    run(engine, integration_id, src)
    src.put(Job(remote_id="j1", name="Staff Engineer", status=JobStatus.OPEN))
    src.fail_after = 4  # the job page commits (clearing its applications' documents), then the source fails
    assert SyncEngine(engine).run(integration_id, connector=src).error is not None
    served = assert_fresh(engine, integration_id)
    assert {a["job"]["name"] for a in served.values()} == {"Staff Engineer"}
    assert world.walk("/ats/applications") == list(served.values())


def test_no_page_of_a_sync_commits_a_cleared_document_of_a_record_stored_before_it(engine: Engine) -> None:
    """After every committed page of a run that changes what documents embed (the job, a stage, a
    candidate, an interview, an application), the documents of the records stored before the run
    are all stored and fresh: a reader during the sync never gets one rendered live."""
    integration_id = create_sandbox(engine, make_tenant(engine))
    src = small_world()
    run(engine, integration_id, src)
    src.put(Job(remote_id="j1", name="Staff Engineer", status=JobStatus.OPEN))
    src.put(ApplicationStage(remote_id="s2", job_remote_id="j1", name="Onsite", index=1))
    src.put(dataclasses.replace(src.get(Candidate, "c2"), first_name="Alan M."))
    src.put(dataclasses.replace(src.get(Application, "a3"), current_stage_remote_id="s2"))
    src.put(Interview(remote_id="i9", application_remote_id="a2", title="Call"))
    src.remove("offers", "o1")
    checked: list[str] = []

    def after_page(model: str, _seen: int) -> None:
        assert_fresh(engine, integration_id)
        checked.append(model)

    result = SyncEngine(engine).run(integration_id, connector=src, progress=after_page)
    assert result.state == SyncState.SUCCEEDED, result.error
    assert {"jobs", "application_stages", "candidates", "applications", "interviews"} <= set(checked)
    served = assert_fresh(engine, integration_id)
    assert served["a1"]["job"]["name"] == "Staff Engineer"
    assert served["a3"]["current_stage"]["name"] == "Onsite"
    assert [i["title"] for i in served["a2"]["interviews"]] == ["Call"]
    assert served["a1"]["offers"] == []


def test_a_failed_run_serves_the_records_it_stored_first_live_until_the_next_run(
    engine: Engine, server: Server
) -> None:
    """The documents of records a run stored first wait for its render pass: after a run that failed
    before it, they are cleared and served live, byte for byte as they will be stored."""
    tenant = make_tenant(engine)
    integration_id = create_sandbox(engine, tenant)
    world = World(server, tenant, integration_id)
    src = small_world()
    run(engine, integration_id, src)
    src.put(dataclasses.replace(src.get(Application, "a2"), remote_id="a4"))
    # The applications page commits, then the source fails as the run reads interviews.
    src.fail_after = sum(len(src.records[m]) for m in MODELS[: MODELS.index("interviews")])
    assert SyncEngine(engine).run(integration_id, connector=src).error is not None
    docs = documents(engine, integration_id)
    assert {remote_id for remote_id, (stored, _live) in docs.items() if stored is None} == {"a4"}
    served = world.walk("/ats/applications")
    assert served == [orjson.loads(live) for _stored, live in docs.values()]

    src.fail_after = None
    run(engine, integration_id, src)
    fresh = assert_fresh(engine, integration_id)
    assert world.walk("/ats/applications") == list(fresh.values())


def test_records_stored_before_documents_existed_are_served_live(engine: Engine, server: Server) -> None:
    tenant = make_tenant(engine)
    integration_id = create_sandbox(engine, tenant, applications=30)
    assert SyncEngine(engine).run(integration_id).state == SyncState.SUCCEEDED
    world = World(server, tenant, integration_id)
    rendered = world.walk("/ats/applications", page_size=7)
    with write_tx(engine) as conn:  # as after the migration that added the column
        conn.execute(update(applications).values(doc=None))
    assert world.walk("/ats/applications", page_size=7) == rendered
    assert len(rendered) == len({a["id"] for a in rendered}) > 0


def test_a_page_mixing_stored_and_cleared_documents_serves_the_bytes_of_the_stored_page(
    engine: Engine, server: Server
) -> None:
    # Live renders read their rows with driver SQL (SQLite: datetimes as stored text) and splice the
    # stored fields; the render pass reads them through SQLAlchemy: the bytes must not tell them apart.
    tenant = make_tenant(engine)
    integration_id = create_sandbox(engine, tenant, applications=30)
    assert SyncEngine(engine).run(integration_id).state == SyncState.SUCCEEDED
    world = World(server, tenant, integration_id)

    def pages() -> list[bytes]:
        bodies, cursor = [], None
        while True:
            response = world.get("/ats/applications", {"page_size": 8, **({"cursor": cursor} if cursor else {})})
            assert response.status_code == 200, response.text
            bodies.append(response.content)
            cursor = response.json()["data"]["next"]
            if cursor is None:
                return bodies

    stored = pages()
    assert assert_fresh(engine, integration_id)
    with write_tx(engine) as conn:  # every other document cleared: each page mixes both kinds
        conn.execute(update(applications).where(applications.c.pk % 2 == 0).values(doc=None))
    assert pages() == stored
    with write_tx(engine) as conn:
        conn.execute(update(applications).values(doc=None))
    assert pages() == stored


def test_the_migration_gives_records_stored_before_it_their_embedded_views(engine: Engine, server: Server) -> None:
    tenant = make_tenant(engine)
    integration_id = create_sandbox(engine, tenant, applications=30)
    assert SyncEngine(engine).run(integration_id).state == SyncState.SUCCEEDED
    world = World(server, tenant, integration_id)
    rendered = world.walk("/ats/applications", page_size=9)
    config = migrate.alembic_config(engine)
    with engine.begin() as conn:  # back to the schema before views were stored, and up again
        config.attributes["connection"] = conn
        command.downgrade(config, "0015")
        assert "embed" not in {c["name"] for c in inspect(conn).get_columns("candidates")}
        command.upgrade(config, "head")
    with write_tx(engine) as conn:  # documents cleared: every page is rendered from the migrated views
        conn.execute(update(applications).values(doc=None))
    assert world.walk("/ats/applications", page_size=9) == rendered
    assert len(rendered) == 30
    for model in EMBEDDED_FIELDS:
        assert views(engine, integration_id, model), model
