"""The write actions' body models (actions/bodies.py) are Kombo's request schemas: the same fields,
the same required ones, all the way down -- checked against the OpenAPI document, so a field Kombo
adds or a typo here fails a test rather than a client's request."""

from __future__ import annotations

from typing import Any, get_args, get_origin

import pytest
from pydantic import BaseModel

from hirebridge.actions.requests import SPECS
from hirebridge.model import actions as a
from tests.contract import _spec

pytestmark = pytest.mark.fast

# action -> (OpenAPI path, method)
OPERATIONS = {
    a.CREATE_APPLICATION: ("/ats/jobs/{job_id}/applications", "post"),
    a.CREATE_CANDIDATE: ("/ats/candidates", "post"),
    a.MOVE_APPLICATION_STAGE: ("/ats/applications/{application_id}/stage", "put"),
    a.REJECT_APPLICATION: ("/ats/applications/{application_id}/reject", "post"),
    a.ADD_APPLICATION_NOTE: ("/ats/applications/{application_id}/notes", "post"),
    a.ADD_APPLICATION_ATTACHMENT: ("/ats/applications/{application_id}/attachments", "post"),
    a.ADD_CANDIDATE_ATTACHMENT: ("/ats/candidates/{candidate_id}/attachments", "post"),
    a.ADD_APPLICATION_RESULT_LINK: ("/ats/applications/{application_id}/result-links", "post"),
    a.ADD_CANDIDATE_RESULT_LINK: ("/ats/candidates/{candidate_id}/result-links", "post"),
    a.ADD_CANDIDATE_TAG: ("/ats/candidates/{candidate_id}/tags", "post"),
    a.REMOVE_CANDIDATE_TAG: ("/ats/candidates/{candidate_id}/tags", "delete"),
    a.CREATE_INTERVIEW: ("/ats/applications/{application_id}/interviews", "post"),
    a.UPDATE_INTERVIEW: ("/ats/applications/{application_id}/interviews", "patch"),
}


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    spec = _spec()
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    for key in ("allOf", "anyOf", "oneOf"):
        if key in node:
            objects = [_resolve(part) for part in node[key] if _resolve(part).get("properties")]
            if len(objects) == 1:
                return objects[0]
    return node


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds (directly, in a list, or optional)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) is not None or get_args(annotation):
        for arg in get_args(annotation):
            found = _model_of(arg)
            if found is not None:
                return found
    return None


def _compare(model: type[BaseModel], schema: dict[str, Any], where: str) -> list[str]:
    schema = _resolve(schema)
    if schema.get("type") == "array" or "items" in schema:
        schema = _resolve(schema["items"])
    properties: dict[str, Any] = schema.get("properties", {})
    problems = []
    if set(model.model_fields) != set(properties):
        problems.append(f"{where}: fields {sorted(model.model_fields)} != schema {sorted(properties)}")
    required = {name for name, field in model.model_fields.items() if field.is_required()}
    if required != set(schema.get("required", [])):
        problems.append(f"{where}: required {sorted(required)} != schema {sorted(schema.get('required', []))}")
    for name, field in model.model_fields.items():
        nested = _model_of(field.annotation)
        if nested is not None and name in properties and name != "remote_fields":
            problems += _compare(nested, properties[name], f"{where}.{name}")
    return problems


@pytest.mark.parametrize("action", sorted(OPERATIONS))
def test_the_body_model_is_kombos_request_schema(action: str) -> None:
    path, method = OPERATIONS[action]
    schema = _spec()["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    assert _compare(SPECS[action].body, schema, action) == []


def test_every_write_endpoint_of_the_schema_has_an_action() -> None:
    documented = {
        (path, method)
        for path, operations in _spec()["paths"].items()
        if path.startswith("/ats/")
        for method in operations
        if method in ("post", "put", "patch", "delete")
    }
    assert documented == {*OPERATIONS.values(), ("/ats/import-tracked-application", "post")}
