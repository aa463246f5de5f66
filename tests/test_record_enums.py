"""Every enum-valued field of the unified records is typed with exactly the values Kombo enumerates.

The test walks every record dataclass (and the value objects inside them) next to Kombo's schema
for it -- the OpenAPI document, or the official SDK's models for the endpoints newer than it -- and
fails when a field whose schema has an `enum` (or a tagged union's `const`s) is typed plain `str`,
when its type's values differ from the schema's, or when an open enum (Kombo passes the source's own
string through when no unified value fits) is not typed `<Enum> | Raw` (or a closed one is). A field
that is not in Kombo's schema must be listed in NOT_IN_SCHEMA, so a new field cannot slip past.

And the sandbox, whose values are all unified ones, is served valid against the schema with its open
enums closed (no pass-through strings): "ONSITE" for ON_SITE was such a string.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Iterator
from enum import StrEnum
from functools import cache
from typing import Any

import pytest
from sqlalchemy import Engine

from hirebridge.connectors.sandbox.source import SandboxSource
from hirebridge.model import records
from hirebridge.model.records import ALL_RECORD_TYPES, LINKS, Raw, Record, RemoteWorkStatus, wire_name
from tests.conftest import Server
from tests.contract import SPEC_PATH, validate, validate_closed
from tests.support import synced_world

Json = dict[str, Any]

# Where each record is served: a listing of the OpenAPI document, an embedded list of one, or an
# endpoint only the SDK has (notes, scorecards, attachments).
OPENAPI_ITEMS: dict[type[Record], tuple[str, tuple[str, ...]]] = {
    records.Application: ("/ats/applications", ()),
    records.Candidate: ("/ats/candidates", ()),
    records.Job: ("/ats/jobs", ()),
    records.ApplicationStage: ("/ats/jobs", ("stages",)),
    records.JobPosting: ("/ats/jobs", ("job_postings",)),
    records.ScreeningQuestion: ("/ats/jobs", ("screening_questions",)),
    records.User: ("/ats/users", ()),
    records.Role: ("/ats/roles", ()),
    records.Offer: ("/ats/offers", ()),
    records.RejectionReason: ("/ats/rejection-reasons", ()),
    records.Interview: ("/ats/interviews", ()),
    records.Tag: ("/ats/tags", ()),
}
SDK_ITEMS: dict[type[Record], str] = {
    records.Note: "GetAtsNotesPositiveResponse",
    records.Scorecard: "GetAtsScorecardsPositiveResponse",
    records.Attachment: "GetAtsAttachmentsPositiveResponse",
}
# Fields served under another path than their name.
ALIASES: dict[tuple[type, str], tuple[str, ...]] = {
    (records.ScreeningAnswer, "type"): ("question", "type"),
    (records.ScreeningAnswer, "question_title"): ("question", "title"),
    (records.ScreeningAnswer, "question_remote_id"): ("question", "remote_id"),
    (records.Candidate, "tag_remote_ids"): ("tags",),
    (records.Interview, "user_remote_ids"): ("users",),
}
# Fields Kombo's schema does not have where the record is served (internal references, HireBridge's
# additions); each is checked by hand to hold no enum of Kombo's.
NOT_IN_SCHEMA: set[tuple[type, str]] = {
    (records.ApplicationStage, "job_remote_id"),  # internal: the job the stage belongs to
    (records.JobPosting, "job_remote_id"),  # internal: the job the posting belongs to
    (records.ScreeningQuestion, "job_remote_id"),  # internal: the job that asks the question
    (records.ApplicationStage, "status"),  # served in a job's stages; not in Kombo's schema
    (records.ApplicationStage, "custom_fields"),
    (records.Attachment, "content_type"),  # served with the file's bytes
    (records.HiringTeamMember, "user_remote_id"),  # served as the user's own fields
    (records.QuestionFormat, "wire_keys"),
}


@cache
def _openapi() -> Json:
    spec: Json = json.loads(SPEC_PATH.read_text())
    return spec


def _resolve(node: Any, defs: Json) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if ref.startswith("#/components/schemas/"):
            node = _openapi()["components"]["schemas"][ref.rsplit("/", 1)[1]]
        else:
            node = defs[ref.rsplit("/", 1)[1]]
    return node


def _alternatives(node: Any, defs: Json) -> Iterator[Json]:
    """The node and every alternative of its anyOf/oneOf, resolved, recursively."""
    node = _resolve(node, defs)
    if not isinstance(node, dict):
        return
    yield node
    for alt in [*node.get("anyOf", ()), *node.get("oneOf", ())]:
        yield from _alternatives(alt, defs)


def _items(node: Any, defs: Json) -> list[Json]:
    """An array's item schemas (alternatives included), or the node's own alternatives."""
    found = [alt for alt in _alternatives(node, defs) if "items" in alt]
    if not found:
        return list(_alternatives(node, defs))
    return [a for alt in found for a in _alternatives(alt["items"], defs)]


def _property(node: Any, path: tuple[str, ...], defs: Json) -> list[Json] | None:
    """The schemas of the property at `path` over every alternative of `node`; None when absent."""
    current = _items(node, defs)
    for key in path:
        found = [_resolve(alt["properties"][key], defs) for alt in current if key in alt.get("properties", {})]
        if not found:
            return None
        current = [a for f in found for a in _items(f, defs)]
    return current


def _schema_values(schemas: list[Json], defs: Json) -> tuple[set[str], bool]:
    """(the enum/const values a property documents, whether it also passes arbitrary strings)."""
    values: set[str] = set()
    passthrough = False
    for schema in schemas:
        for alt in _alternatives(schema, defs):
            if "enum" in alt:
                values.update(v for v in alt["enum"] if v is not None)
            elif "const" in alt:
                values.add(alt["const"])
            elif alt.get("type") == "string" and not alt.get("format"):
                passthrough = True
    return values, passthrough and bool(values)


class FieldType(typing.NamedTuple):
    values: set[str]  # the string values its Literal / StrEnum members allow
    plain_str: bool
    raw: bool  # admits a passed-through source string (`Raw`)
    nested: list[type]  # dataclasses inside it


def _field_type(hint: Any) -> FieldType:
    out = FieldType(set(), False, False, [])
    pending = [hint]
    while pending:
        tp = pending.pop()
        origin = typing.get_origin(tp)
        if origin in (typing.Union, types.UnionType, tuple, list):
            pending.extend(a for a in typing.get_args(tp) if a is not Ellipsis)
        elif origin is typing.Literal:
            out.values.update(str(a) for a in typing.get_args(tp))
        elif tp is Raw:
            out = out._replace(raw=True)
        elif tp is str:
            out = out._replace(plain_str=True)
        elif isinstance(tp, type) and issubclass(tp, StrEnum):
            out.values.update(member.value for member in tp)
        elif isinstance(tp, type) and dataclasses.is_dataclass(tp):
            out.nested.append(tp)
    return out


def _served_name(cls: type, f: dataclasses.Field[Any]) -> tuple[str, ...]:
    if (cls, f.name) in ALIASES:
        return ALIASES[(cls, f.name)]
    return (f.name if LINKS in f.metadata else wire_name(f.name),)


def _check(cls: type, schema: Any, defs: Json, where: str, checked: dict[str, Any], problems: list[str]) -> None:
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if f.name in ("remote_id", "remote_data"):
            continue
        name = f"{where}.{f.name}"
        found = _property(schema, _served_name(cls, f), defs)
        if found is None:
            if (cls, f.name) not in NOT_IN_SCHEMA:
                problems.append(f"{name}: not in Kombo's schema and not listed in NOT_IN_SCHEMA")
            continue
        documented, open_enum = _schema_values(found, defs)
        typed = _field_type(hints[f.name])
        checked[name] = (documented, open_enum)
        if documented:
            if typed.plain_str or not typed.values:
                problems.append(f"{name}: the schema enumerates {sorted(documented)} but the field is typed plain str")
            elif not typed.values <= documented:
                problems.append(f"{name}: values {sorted(typed.values - documented)} are not in the schema")
            elif typed.values != documented and len(typed.values) > 1:  # a single value is a constant
                problems.append(f"{name}: missing the schema's values {sorted(documented - typed.values)}")
            if open_enum != typed.raw:
                kind = "open (source strings pass through)" if open_enum else "closed"
                problems.append(
                    f"{name}: the schema's enum is {kind} but the field {'lacks' if open_enum else 'has'} Raw"
                )
        for nested in typed.nested:
            _check(nested, {"anyOf": found}, defs, f"{name}[{nested.__name__}]", checked, problems)


def _record_schemas() -> Iterator[tuple[type[Record], Any, Json]]:
    for cls, (path, inner) in OPENAPI_ITEMS.items():
        response = _openapi()["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        item = _property(response, ("data", "results"), {})
        assert item is not None
        schemas: Any = {"anyOf": item}
        if inner:
            schemas = {"anyOf": _property(schemas, inner, {})}
        yield cls, schemas, {}
    from kombo import models

    for cls, model_name in SDK_ITEMS.items():
        sdk_schema = getattr(models, model_name).model_json_schema()
        item = _property(sdk_schema, ("data", "results"), sdk_schema["$defs"])
        assert item is not None
        yield cls, {"anyOf": item}, sdk_schema["$defs"]


def test_every_enum_field_is_typed_with_the_schemas_values() -> None:
    assert {*OPENAPI_ITEMS, *SDK_ITEMS} == set(ALL_RECORD_TYPES), "place every record type next to its schema"
    checked: dict[str, Any] = {}
    problems: list[str] = []
    for cls, schema, defs in _record_schemas():
        _check(cls, schema, defs, cls.__name__, checked, problems)
    assert not problems, "\n".join(problems)
    # The walk reached the enums it exists for (it is not vacuous).
    enums = {name for name, (values, _open) in checked.items() if values}
    assert {
        "Job.remote_work_status",
        "Job.salary_period",
        "Job.employment_type",
        "Job.hiring_team[HiringTeamMember].hiring_team_roles",
        "ScreeningQuestion.format[QuestionFormat].display_type",
        "Application.screening_question_answers[ScreeningAnswer].type",
        "Scorecard.responses[ScorecardResponse].type",
        "Attachment.type",
        "Offer.status",
    } <= enums, sorted(enums)
    assert checked["Job.remote_work_status"] == ({"REMOTE", "HYBRID", "TEMPORARY", "ON_SITE"}, True)


def test_the_sandbox_shows_every_remote_work_status() -> None:
    jobs = list(SandboxSource("enums", applications=200, step=0).jobs())
    assert {job.remote_work_status for job in jobs} == set(RemoteWorkStatus)


def test_the_sandbox_serves_remote_work_status_on_site_valid_against_the_schema(engine: Engine, server: Server) -> None:
    world = synced_world(engine, server, applications=60)
    jobs: list[Json] = []
    cursor = None
    while True:
        response = world.get("/ats/jobs", {"page_size": 50, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        body = response.json()
        validate_closed("/ats/jobs", body)  # every open enum holds a unified value
        jobs.extend(body["data"]["results"])
        if (cursor := body["data"]["next"]) is None:
            break
    statuses = {job["remote_work_status"] for job in jobs}
    assert RemoteWorkStatus.ON_SITE in statuses
    assert statuses <= {*RemoteWorkStatus, None}
    # The closed check can fail: the old sandbox's "ONSITE" is only valid as a pass-through string.
    page = {"status": "success", "data": {"next": None, "results": [{**jobs[0], "remote_work_status": "ONSITE"}]}}
    validate("/ats/jobs", page)
    with pytest.raises(Exception, match="'ONSITE' is not valid"):  # jsonschema's ValidationError
        validate_closed("/ats/jobs", page)
