"""Validate response bodies against Kombo's published OpenAPI document (tests/spec/, a copy of
shared/spec/kombo-openapi-ats.json)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).parent / "spec" / "kombo-openapi-ats.json"
ROOT = "urn:kombo-openapi"


@cache
def _spec() -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(SPEC_PATH.read_text())
    _allow_null_in_nullable_enums(spec)
    _open_integration_field_values(spec)
    return spec


def _allow_null_in_nullable_enums(node: Any) -> None:
    """Kombo's generator writes nullable enums as `{"type": ["string", "null"], "enum": [...]}` without
    `null` in the enum, which JSON Schema reads as "never null" although the field documents null as
    its default (e.g. a screening question's `category`) and the SDK models accept None. Read them as
    the nullable enums they are meant to be; nothing else in the document is changed."""
    if isinstance(node, dict):
        kinds = node.get("type")
        if (
            isinstance(kinds, list)
            and "null" in kinds
            and isinstance(node.get("enum"), list)
            and None not in node["enum"]
        ):
            node["enum"] = [*node["enum"], None]
        for value in node.values():
            _allow_null_in_nullable_enums(value)
    elif isinstance(node, list):
        for value in node:
            _allow_null_in_nullable_enums(value)


def _open_integration_field_values(node: Any) -> None:
    """Kombo's generator types `integration_fields[].value` as `null` although the field is
    documented as "the field's value" and its own examples hold strings ("Frank", "XL"): a
    passed-through field carries whatever the source sent. Read it as any JSON value."""
    if isinstance(node, dict):
        fields = node.get("integration_fields")
        if isinstance(fields, dict):
            item = fields.get("items", {})
            value = item.get("properties", {}).get("value") if isinstance(item, dict) else None
            if isinstance(value, dict) and value.get("type") == "null":
                del value["type"]
        for child in node.values():
            _open_integration_field_values(child)
    elif isinstance(node, list):
        for child in node:
            _open_integration_field_values(child)


@cache
def _registry() -> Registry[Any]:
    registry: Registry[Any] = Registry().with_resource(ROOT, DRAFT202012.create_resource(_spec()))
    return registry


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _response_pointer(path: str, method: str, status: int) -> str:
    responses = _spec()["paths"][path][method]["responses"]
    key = str(status) if str(status) in responses else "default"
    response = responses[key]
    base = f"/paths/{_escape(path)}/{method}/responses/{key}"
    if "$ref" in response:  # a shared response such as ErrorResponseGeneral
        base = response["$ref"].lstrip("#")
    return f"{base}/content/application~1json/schema"


def validate(path: str, body: Any, status: int = 200, method: str = "get") -> None:
    """Raise jsonschema.ValidationError unless `body` matches the documented response schema."""
    schema = {"$ref": f"{ROOT}#{_response_pointer(path, method, status)}"}
    validator = Draft202012Validator(schema, registry=_registry(), format_checker=Draft202012Validator.FORMAT_CHECKER)
    validator.validate(body)


def _close_open_enums(node: Any) -> Any:
    """Kombo's open enums are `anyOf: [{enum}, {type: string} (the source's string passed through),
    {type: null}]`; drop the pass-through branch."""
    if isinstance(node, dict):
        alternatives = node.get("anyOf")
        if isinstance(alternatives, list) and any("enum" in a for a in alternatives if isinstance(a, dict)):
            node["anyOf"] = [
                a for a in alternatives if not (a.get("type") == "string" and set(a) <= {"type", "description"})
            ]
        for value in node.values():
            _close_open_enums(value)
    elif isinstance(node, list):
        for value in node:
            _close_open_enums(value)
    return node


@cache
def _closed_registry() -> Registry[Any]:
    closed: dict[str, Any] = json.loads(SPEC_PATH.read_text())
    _allow_null_in_nullable_enums(closed)
    _open_integration_field_values(closed)
    _close_open_enums(closed)
    registry: Registry[Any] = Registry().with_resource(ROOT, DRAFT202012.create_resource(closed))
    return registry


def validate_closed(path: str, body: Any) -> None:
    """`validate`, with Kombo's open enums closed: a source whose values are all unified ones (the
    sandbox) must never need the pass-through of a raw string."""
    schema = {"$ref": f"{ROOT}#{_response_pointer(path, 'get', 200)}"}
    validator = Draft202012Validator(
        schema, registry=_closed_registry(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    validator.validate(body)


# SDK response models of the endpoints that Kombo's OpenAPI snapshot does not have yet.
_SDK_MODELS = {
    "/ats/notes": "GetAtsNotesPositiveResponse",
    "/ats/scorecards": "GetAtsScorecardsPositiveResponse",
    "/ats/attachments": "GetAtsAttachmentsPositiveResponse",
}


def validate_sdk(path: str, body: Any) -> None:
    """Validate with the official SDK's pydantic model, for endpoints newer than the OpenAPI file.

    The SDK's models accept missing keys, so also insist that every field it declares is present."""
    from kombo import models

    model = getattr(models, _SDK_MODELS[path])
    model.model_validate(body)
    item_model = model.model_fields["data"].annotation.model_fields["results"].annotation.__args__[0]
    for item in body["data"]["results"]:
        missing = {f.alias or name for name, f in item_model.model_fields.items()} - set(item)
        assert not missing, f"{path}: missing keys {missing}"
