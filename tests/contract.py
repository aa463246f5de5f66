"""Validate response bodies against Kombo's published OpenAPI document (tests/spec/, a copy of
shared/spec/kombo-openapi-ats.json)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).parent / "spec" / "kombo-openapi-ats.json"
ROOT = "urn:kombo-openapi"


@cache
def _spec() -> dict[str, Any]:
    return json.loads(SPEC_PATH.read_text())


@cache
def _registry() -> Registry:  # type: ignore[type-arg]
    return Registry().with_resource(ROOT, Resource(contents=_spec(), specification=DRAFT202012))


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
    validator = Draft202012Validator(
        schema, registry=_registry(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    validator.validate(body)
