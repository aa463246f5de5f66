"""A 200 answer of the wrong shape -- a record missing its fields, a list where an object or a string
belongs, an object of another kind -- fails the run as SOURCE_ERROR with a message that names the
tool, the endpoint, the field and the record; no record is written from it (nor a half-empty one in
its place), and what earlier runs stored stays as it was. Lever and Ashby emulators over real HTTP,
on SQLite and PostgreSQL; every vendor example passes its declared shape."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from hirebridge import ids
from hirebridge.connectors.ashby import shapes as ashby_shapes
from hirebridge.connectors.framework.payloads import MappingError, check, mapped
from hirebridge.connectors.lever import shapes as lever_shapes
from hirebridge.store import sync_runs, tenancy
from hirebridge.store.db import read_tx, write_tx
from hirebridge.store.sync_runs import SyncRun, SyncState
from hirebridge.sync.engine import SyncEngine, SyncResult
from tests.emulators.ashby import AshbyEmulator
from tests.emulators.harness import serve
from tests.emulators.lever import LeverEmulator
from tests.emulators.scripted import Reply, Script
from tests.emulators.scripted import serve as serve_script
from tests.support import stored

FIXTURES = Path(__file__).parent / "fixtures"
FAST = {
    "requests_per_second": 5000,
    "burst": 5000,
    "timeout": 2.0,
    "retry_attempts": 2,
    "retry_base_delay": 0,
    "retry_max_delay": 0,
}

Json = dict[str, Any]


def _integration(engine: Engine, tool: str, api_key: str, base_url: str) -> str:
    with write_tx(engine) as conn:
        env = tenancy.get_or_create_environment(conn)
        return tenancy.create_integration(conn, env, tool, {"api_key": api_key, "base_url": base_url, **FAST}).id


def _run(engine: Engine, result: SyncResult) -> SyncRun:
    with read_tx(engine) as conn:
        run = sync_runs.get_run(conn, result.run_id)
    assert run is not None
    return run


def _failed_on_the_source(engine: Engine, result: SyncResult) -> str:
    run = _run(engine, result)
    assert run.state == SyncState.FAILED and run.error_code == "SOURCE_ERROR", run.error
    assert run.error is not None and run.error.startswith("MappingError: ")
    return run.error


def test_an_object_of_another_kind_is_refused_before_an_empty_record_is_written(engine: Engine) -> None:
    """Every listing answers `{"data": [{"id": "x"}]}`: it used to map to a user with every field
    empty (written), then end the run with `KeyError: 'text'` as an INTERNAL_ERROR."""
    script = Script(default=Reply(200, {"data": [{"id": "x"}], "hasNext": False}))
    with serve_script(script) as url:
        integration_id = _integration(engine, "lever", "lever-key", f"{url}/v1")
        result = SyncEngine(engine).run(integration_id)
    error = _failed_on_the_source(engine, result)
    assert error == "MappingError: lever /users: field 'name' is missing (record x)"
    assert stored(engine, "users", integration_id) == {}


def test_an_answer_without_its_record_list_is_an_error_not_an_empty_page(engine: Engine) -> None:
    """An error object sent with status 200 would otherwise read as "no records" (and a FULL run
    that reads nothing deletes everything)."""
    script = Script(default=Reply(200, {"code": "Maintenance", "message": "back soon"}))
    with serve_script(script) as url:
        integration_id = _integration(engine, "lever", "lever-key", f"{url}/v1")
        result = SyncEngine(engine).run(integration_id)
    assert _failed_on_the_source(engine, result) == "MappingError: lever /users: field 'data' is missing"
    script = Script(default=Reply(200, {"data": {"id": "u1", "name": "Ada", "email": None}, "hasNext": False}))
    with serve_script(script) as url:
        integration_id = _integration(engine, "lever", "lever-key", f"{url}/v1")
        result = SyncEngine(engine).run(integration_id)
    error = _failed_on_the_source(engine, result)
    assert error == "MappingError: lever /users: field 'data' is an object, expected a list"


# --- Lever ---------------------------------------------------------------------------------------


def _first_note(emu: LeverEmulator) -> tuple[str, Json]:
    oid = next(o for o in sorted(emu.children) if emu.children[o]["notes"])
    return oid, emu.children[oid]["notes"][0]


def _first_opportunity(emu: LeverEmulator) -> tuple[str, Json]:
    oid = sorted(emu.opportunities)[0]
    return oid, emu.opportunities[oid]


LeverBreak = Callable[[LeverEmulator], tuple[str, str, str, str]]


def _note_without_comments(emu: LeverEmulator) -> tuple[str, str, str, str]:
    oid, note = _first_note(emu)
    del note["fields"]
    return "notes", note["id"], f"/opportunities/{oid}/notes", "field 'fields' is missing"


def _note_title_a_list(emu: LeverEmulator) -> tuple[str, str, str, str]:
    oid, note = _first_note(emu)
    note["text"] = ["Note"]
    return "notes", note["id"], f"/opportunities/{oid}/notes", "field 'text' is a list, expected a string"


def _note_comment_not_an_object(emu: LeverEmulator) -> tuple[str, str, str, str]:
    oid, note = _first_note(emu)
    note["fields"] = ["a comment"]
    return "notes", note["id"], f"/opportunities/{oid}/notes", "field 'fields[0]' is a string, expected an object"


def _opportunity_missing_fields(emu: LeverEmulator) -> tuple[str, str, str, str]:
    oid, opportunity = _first_opportunity(emu)
    del opportunity["createdAt"]
    return "applications", oid, "/opportunities", "field 'createdAt' is missing"


def _list_where_an_object_belongs(emu: LeverEmulator) -> tuple[str, str, str, str]:
    oid, opportunity = _first_opportunity(emu)
    opportunity["urls"] = [opportunity["urls"]["show"]]
    return "applications", oid, "/opportunities", "field 'urls' is a list, expected an object"


@contextmanager
def _lever(engine: Engine) -> Iterator[tuple[LeverEmulator, str]]:
    emu = LeverEmulator(opportunities=20, rate=None)
    with emu.running() as url:
        yield emu, _integration(engine, "lever", emu.api_key, url)


@pytest.mark.parametrize(
    "breaks",
    [
        _note_without_comments,
        _note_title_a_list,
        _note_comment_not_an_object,
        _opportunity_missing_fields,
        _list_where_an_object_belongs,
    ],
)
def test_lever_a_record_of_the_wrong_shape_fails_the_run_and_is_never_written(
    engine: Engine, breaks: LeverBreak
) -> None:
    with _lever(engine) as (emu, integration_id):
        model, remote_id, endpoint, problem = breaks(emu)
        result = SyncEngine(engine).run(integration_id)
    error = _failed_on_the_source(engine, result)
    assert error == f"MappingError: lever {endpoint}: {problem} (record {remote_id})"
    assert ids.record_id(integration_id, model, remote_id) not in stored(engine, model, integration_id)


def test_lever_a_broken_record_keeps_the_last_good_data(engine: Engine) -> None:
    with _lever(engine) as (emu, integration_id):
        assert SyncEngine(engine).run(integration_id).state == SyncState.SUCCEEDED
        before = {model: stored(engine, model, integration_id) for model in ("notes", "applications")}
        oid, note = _first_note(emu)
        emu.children[oid]["notes"][0] = {k: v for k, v in note.items() if k != "fields"}
        result = SyncEngine(engine).run(integration_id)
    assert "field 'fields' is missing" in _failed_on_the_source(engine, result)
    # Nothing half-mapped replaced the note, and the failed FULL run deleted nothing.
    for model, rows in before.items():
        after = stored(engine, model, integration_id)
        assert {i: (r.data, r.remote_deleted_at) for i, r in after.items()} == {
            i: (r.data, r.remote_deleted_at) for i, r in rows.items()
        }


# --- Ashby ---------------------------------------------------------------------------------------


AshbyBreak = Callable[[AshbyEmulator], tuple[str, str, str, str]]


def _ashby_note_content_a_list(emu: AshbyEmulator) -> tuple[str, str, str, str]:
    candidate = sorted(emu.data["candidates"])[0]
    note = emu.add_note(candidate, "Strong signal")
    note["content"] = ["Strong signal"]
    return "notes", note["id"], "candidate.listNotes", "field 'content' is a list, expected a string"


def _ashby_application_without_status(emu: AshbyEmulator) -> tuple[str, str, str, str]:
    application_id = sorted(emu.data["applications"])[0]
    del emu.data["applications"][application_id]["status"]
    return "applications", application_id, "application.list", "field 'status' is missing"


def _ashby_job_location_a_list(emu: AshbyEmulator) -> tuple[str, str, str, str]:
    job_id = sorted(emu.data["jobs"])[0]
    job = emu.data["jobs"][job_id]
    job["location"] = [job.get("location")]
    return "jobs", job_id, "job.list", "field 'location' is a list, expected an object"


def _ashby_candidate_email_a_string(emu: AshbyEmulator) -> tuple[str, str, str, str]:
    candidate_id = sorted(emu.data["candidates"])[0]
    emu.data["candidates"][candidate_id]["emailAddresses"] = ["ada@example.com"]
    return (
        "candidates",
        candidate_id,
        "candidate.list",
        "field 'emailAddresses[0]' is a string, expected an object",
    )


@pytest.mark.parametrize(
    "breaks",
    [
        _ashby_note_content_a_list,
        _ashby_application_without_status,
        _ashby_job_location_a_list,
        _ashby_candidate_email_a_string,
    ],
)
def test_ashby_a_record_of_the_wrong_shape_fails_the_run_and_is_never_written(
    engine: Engine, breaks: AshbyBreak
) -> None:
    emu = AshbyEmulator(api_key="ashby-key", candidates=20, jobs=3, users=5)
    model, remote_id, endpoint, problem = breaks(emu)
    with serve(emu.app()) as url:
        integration_id = _integration(engine, "ashby", emu.api_key, url)
        result = SyncEngine(engine).run(integration_id)
    error = _failed_on_the_source(engine, result)
    assert error == f"MappingError: ashby /{endpoint}: {problem} (record {remote_id})"
    assert ids.record_id(integration_id, model, remote_id) not in stored(engine, model, integration_id)


# --- the declarations and the guard --------------------------------------------------------------


def _records(path: Path) -> list[Json]:
    body = json.loads(path.read_text())
    if isinstance(body, list):
        return body
    records = body.get("data", body.get("results"))
    return records if isinstance(records, list) else [records]


LEVER_FIXTURES = {
    "users": "/users",
    "tags": "/tags",
    "archive_reasons": "/archive_reasons",
    "stages": "/stages",
    "postings": "/postings",
    "opportunities": "/opportunities",
    "opportunity": "/opportunities",
    "interviews": "/opportunities/o1/interviews",
    "offers": "/opportunities/o1/offers",
    "notes": "/opportunities/o1/notes",
    "feedback": "/opportunities/o1/feedback",
    "files": "/opportunities/o1/files",
}


@pytest.mark.parametrize(("fixture", "path"), sorted(LEVER_FIXTURES.items()))
def test_every_lever_example_has_its_declared_shape(fixture: str, path: str) -> None:
    records = _records(FIXTURES / "lever" / f"{fixture}.json")
    assert records
    for record in records:
        check("lever", path, lever_shapes.for_path(path), record)


@pytest.mark.parametrize("endpoint", sorted(ashby_shapes.BY_ENDPOINT))
def test_every_ashby_example_has_its_declared_shape(endpoint: str) -> None:
    records = _records(FIXTURES / "ashby" / f"{endpoint}.json")
    assert records
    for record in records:
        check("ashby", endpoint, ashby_shapes.for_endpoint(endpoint), record)


def test_a_mapper_that_still_fails_is_reported_as_a_mapping_error_of_its_endpoint() -> None:
    def mapper(payload: Json) -> str:
        return str(payload["title"])

    with pytest.raises(MappingError) as missing:
        mapped("lever", "/postings", mapper, {"id": "p1"})
    assert str(missing.value) == "lever /postings: field 'title' is missing (record p1)"
    assert missing.value.code == "MAPPING_ERROR"

    def divides(payload: Json) -> float:
        return 1 / int(payload["count"])

    with pytest.raises(MappingError, match=r"lever /tags: could not be mapped \(ValueError: .*\) \(record t1\)"):
        mapped("lever", "/tags", divides, {"id": "t1", "count": "many"})


def test_a_shape_names_the_path_of_a_nested_field() -> None:
    shape = lever_shapes.POSTING
    posting = json.loads((FIXTURES / "lever" / "postings.json").read_text())["data"][0]
    posting["salaryRange"]["min"] = "forty thousand"
    with pytest.raises(MappingError) as failed:
        check("lever", "/postings", shape, posting)
    assert f"field 'salaryRange.min' is a string, expected a number (record {posting['id']})" in str(failed.value)
