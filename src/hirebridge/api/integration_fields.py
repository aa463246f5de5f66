"""Kombo's integration-field endpoints: `GET /integrations/{id}/integration-fields` lists the fields
the syncs found in the integration's source payloads (model/integration_fields.py), `PATCH
/integrations/{id}/integration-fields/{field id}` switches one's passthrough into its model's records.
And its custom-field endpoints: `GET /integrations/{id}/custom-fields` lists the environment's custom
fields with what fills each for this integration, `PUT .../custom-fields/{custom field id}` maps one
to an integration field (store/custom_fields.py)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from hirebridge.api.body import json_object
from hirebridge.api.deps import caller_integration
from hirebridge.api.errors import input_invalid
from hirebridge.api.general import success
from hirebridge.api.listing import decode_cursor, encode_cursor, page_size_param
from hirebridge.model import ATS_MODELS
from hirebridge.store import custom_fields
from hirebridge.store import integration_fields as store
from hirebridge.store.custom_fields import Mapped, MappingRefused
from hirebridge.store.db import read_tx, write_tx
from hirebridge.store.integration_fields import IntegrationField
from hirebridge.store.tenancy import Integration

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 2000  # Kombo's limit for this listing (250 elsewhere)


def _wire(field: IntegrationField) -> dict[str, Any]:
    return {
        "id": field.id,
        "key": field.key,
        "model": ATS_MODELS[field.model][0],
        "type": field.type,
        "label": field.label,
        "is_passthrough_enabled": field.passthrough_enabled,
        "is_writable": False,  # always false in Kombo (a deprecated feature)
    }


def list_integration_fields(request: Request) -> Response:
    with read_tx(request.app.state.engine) as conn:
        integration = caller_integration(request, conn, request.path_params["integration_id"])
        page_size = DEFAULT_PAGE_SIZE
        if (text := request.query_params.get("page_size")) is not None:
            page_size = page_size_param(text, maximum=MAX_PAGE_SIZE)
        after = 0
        if (text := request.query_params.get("cursor")) is not None:
            after, _ = decode_cursor(text)
        fields = store.page(conn, integration.id, after, page_size + 1)
    next_cursor = encode_cursor(fields[page_size - 1].pk) if len(fields) > page_size else None
    # `next_cursor` is Kombo's deprecated name of `next`; both are sent.
    return success({"results": [_wire(f) for f in fields[:page_size]], "next": next_cursor, "next_cursor": next_cursor})


async def update_integration_field(request: Request) -> Response:
    # The caller first: no body is read for a client that may not send one (api/body.py).
    def caller() -> Integration:
        with read_tx(request.app.state.engine) as conn:
            return caller_integration(request, conn, request.path_params["integration_id"])

    integration = await run_in_threadpool(caller)
    body = await json_object(request, required=True)
    if "enable_passthrough" not in body or not isinstance(body["enable_passthrough"], bool | None):
        raise input_invalid('The body must be {"enable_passthrough": true}, false or null.')
    # null: Kombo's schema allows it; it switches passthrough off, the state of a field never switched on.
    enabled = body["enable_passthrough"] is True
    field_id = request.path_params["integration_field_id"]

    def update() -> IntegrationField | None:
        with write_tx(request.app.state.engine) as conn:
            return store.set_passthrough(conn, integration.id, field_id, enabled)

    field = await run_in_threadpool(update)
    if field is None:
        raise input_invalid(
            f"The integration '{integration.id}' has no integration field with the ID '{field_id}'.", status=404
        )
    return success(_wire(field))


CUSTOM_FIELDS_PAGE_SIZE = 100
CUSTOM_FIELDS_MAX_PAGE_SIZE = 250


def _custom_wire(mapped: Mapped) -> dict[str, Any]:
    target = mapped.integration_field
    return {
        "id": mapped.field.id,
        "key": mapped.field.key,
        "integration_field": None
        if target is None
        else {"id": target.id, "key": target.key, "type": target.type, "label": target.label},
        "model": ATS_MODELS[mapped.field.model][0],
        "label": mapped.field.label,
        "description": mapped.field.description,
    }


def list_custom_fields(request: Request) -> Response:
    with read_tx(request.app.state.engine) as conn:
        integration = caller_integration(request, conn, request.path_params["integration_id"])
        page_size = CUSTOM_FIELDS_PAGE_SIZE
        if (text := request.query_params.get("page_size")) is not None:
            page_size = page_size_param(text, maximum=CUSTOM_FIELDS_MAX_PAGE_SIZE)
        after = ""
        if (text := request.query_params.get("cursor")) is not None:
            after = _custom_cursor(text)
        fields = custom_fields.page(conn, integration.environment_id, integration.id, after, page_size + 1)
    next_cursor = _encode_custom_cursor(fields[page_size - 1].field.id) if len(fields) > page_size else None
    return success(
        {"results": [_custom_wire(f) for f in fields[:page_size]], "next": next_cursor, "next_cursor": next_cursor}
    )


def _encode_custom_cursor(field_id: str) -> str:
    return base64.urlsafe_b64encode(orjson.dumps({"after": field_id})).decode()


def _custom_cursor(text: str) -> str:
    try:
        after = orjson.loads(base64.urlsafe_b64decode(text.encode()))["after"]
    except (ValueError, TypeError, KeyError, binascii.Error):
        raise input_invalid("The parameter 'cursor' is not a cursor this endpoint returned.") from None
    if not isinstance(after, str):
        raise input_invalid("The parameter 'cursor' is not a cursor this endpoint returned.")
    return after


async def update_custom_field(request: Request) -> Response:
    def caller() -> Integration:
        with read_tx(request.app.state.engine) as conn:
            return caller_integration(request, conn, request.path_params["integration_id"])

    integration = await run_in_threadpool(caller)
    body = await json_object(request, required=True)
    target = body.get("integration_field_id", ...)
    if target is ... or not isinstance(target, str | None) or set(body) != {"integration_field_id"}:
        raise input_invalid('The body must be {"integration_field_id": "<integration field id>"} or null to unmap.')
    field_id = request.path_params["custom_field_id"]

    def update() -> Mapped | None:
        with write_tx(request.app.state.engine) as conn:
            return custom_fields.set_mapping(conn, integration.environment_id, integration.id, field_id, target)

    try:
        mapped = await run_in_threadpool(update)
    except MappingRefused as exc:
        raise input_invalid(str(exc)) from None
    if mapped is None:
        raise input_invalid(f"The environment has no custom field with the ID '{field_id}'.", status=404)
    return success(_custom_wire(mapped))
