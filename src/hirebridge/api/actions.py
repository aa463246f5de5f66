"""Kombo's ATS write endpoints (`POST /ats/jobs/{job_id}/applications`, `PUT
/ats/applications/{id}/stage`, ...) and the action metadata (`GET /ats/actions/{action}`).

Each endpoint is the same steps, in this order, so nothing goes out before everything is checked:
the caller and the integration (as every integration-scoped endpoint), the integration enabled, the
action available for its tool (the connector's declaration, `Tool.actions`), the body valid against
Kombo's schema (actions/bodies.py), every optional field given one the connector writes, files
decoded or downloaded, ids resolved (actions/requests.py) -- then actions/service.py performs it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from pydantic import BaseModel, ValidationError
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from hirebridge.actions import bodies, files, requests, service
from hirebridge.actions.requests import Context, Lookup, Spec
from hirebridge.api.body import json_object
from hirebridge.api.deps import api_key_prefix, caller_and_integration
from hirebridge.api.errors import ApiError, input_invalid
from hirebridge.config import Settings
from hirebridge.connectors.registry import TOOLS, ActionFailed, ActionResult
from hirebridge.model import actions as a
from hirebridge.store.db import read_tx
from hirebridge.store.tenancy import Environment, Integration

log = logging.getLogger(__name__)

Endpoint = Callable[[Request], Awaitable[Response]]
IDEMPOTENCY_KEY = "idempotency-key"
MAX_IDEMPOTENCY_KEY = 255


def _api_error(failure: ActionFailed) -> ApiError:
    return ApiError(failure.status, failure.code, failure.message)


async def _caller(request: Request) -> tuple[Environment, Integration]:
    engine = request.app.state.engine

    def load() -> tuple[Environment, Integration]:
        with read_tx(engine) as conn:
            return caller_and_integration(request, conn, request.headers.get("x-integration-id"))

    environment, integration = await run_in_threadpool(load)
    if not integration.enabled:
        raise ApiError(403, "INTEGRATION.INACTIVE", f"The integration '{integration.id}' is disabled.")
    return environment, integration


def _support(integration: Integration, action: str) -> a.ActionSupport:
    support = TOOLS[integration.tool].actions.get(action)
    if support is None:
        raise ApiError(
            400,
            "INTEGRATION.ACTION_NOT_AVAILABLE",
            f"The action {action} is not available for {TOOLS[integration.tool].label} integrations.",
        )
    return support


def _validated(model: type[BaseModel], raw: dict[str, Any]) -> Any:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise input_invalid(bodies.invalid_field(exc)) from None


def _idempotency_key(request: Request) -> str | None:
    key = request.headers.get(IDEMPOTENCY_KEY)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_IDEMPOTENCY_KEY:
        raise input_invalid(f"The Idempotency-Key header must be 1 to {MAX_IDEMPOTENCY_KEY} characters long.")
    return key


def _request_hash(action: str, path: str, raw: dict[str, Any]) -> str:
    canonical = orjson.dumps({"action": action, "path": path, "body": raw}, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


async def _files(body: BaseModel, settings: Settings) -> dict[str, a.FileUpload]:
    rules = files.FileRules(settings.action_max_file_bytes, settings.action_download_private_urls)
    given = requests.files_of(body)
    try:
        # Downloads of several `data_url`s overlap.
        loaded = await asyncio.gather(*(files.load(file, field, rules) for field, file in given))
    except files.FileRefused as exc:
        raise input_invalid(str(exc)) from None
    return {field: upload for (field, _), upload in zip(given, loaded, strict=True)}


async def _run(request: Request, spec: Spec, path_id: str | None) -> Response:
    engine = request.app.state.engine
    settings: Settings = request.app.state.settings
    environment, integration = await _caller(request)
    support = _support(integration, spec.action)
    label = TOOLS[integration.tool].label
    key = _idempotency_key(request)
    raw = await json_object(request, required=True, limit=settings.action_max_body_bytes)
    body = _validated(spec.body, raw)
    for name in requests.present(raw, spec.optional):
        if name not in support.fields:
            raise ApiError(
                400,
                "INTEGRATION.ACTION_NOT_AVAILABLE",
                f"The field '{name}' of {spec.action} is not supported for {label} integrations; leave it out.",
            )
    uploads = await _files(body, settings)
    for upload in uploads.values():
        if support.attachment_types and upload.type is not None and upload.type not in support.attachment_types:
            raise ApiError(
                400, "INTEGRATION.ACTION_NOT_AVAILABLE", f"{label} integrations take no {upload.type} attachments."
            )
        if support.max_file_size_bytes is not None and len(upload.data) > support.max_file_size_bytes:
            raise input_invalid(
                f"The file '{upload.name}' is larger than {label} accepts ({support.max_file_size_bytes} bytes)."
            )

    def prepare() -> tuple[a.Action, list[str]]:
        with read_tx(engine) as conn:
            context = Context(Lookup(conn, integration.id), path_id, uploads, environment.name, integration.tool)
            return spec.build(context, body), context.warnings

    try:
        action, warnings = await run_in_threadpool(prepare)
    except ActionFailed as failure:
        raise _api_error(failure) from None
    call = service.ActionCall(
        environment_id=environment.id,
        api_key_prefix=api_key_prefix(request),
        integration=integration,
        action=spec.action,
        target_id=path_id,
        idempotency_key=key,
        request_hash=_request_hash(spec.action, request.url.path, raw),
    )

    def respond(conn: Connection, result: ActionResult) -> Any:
        return spec.respond(conn, integration.id, action, result)

    try:
        outcome = await service.execute(engine, settings, call, action, respond, tuple(warnings))
    except ActionFailed as failure:
        raise _api_error(failure) from None
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else {}
    return Response(outcome.body, status_code=outcome.status, headers=headers, media_type="application/json")


def endpoint(action: str, path_param: str | None = None) -> Endpoint:
    """The endpoint of one write action (`path_param` names the record its path holds)."""
    spec = requests.SPECS[action]

    async def handle(request: Request) -> Response:
        return await _run(request, spec, request.path_params[path_param] if path_param else None)

    return handle


def _restrictions(support: a.ActionSupport, create: bool) -> dict[str, Any] | None:
    """`attachment_restrictions` of an action's metadata, from the connector's declaration."""
    if not support.attachment_types:
        return None
    types: dict[str, Any] = {}
    for kind in ("CV", "COVER_LETTER", "OTHER"):
        if kind not in support.attachment_types:
            types[kind] = {"is_supported": False}
            continue
        entry: dict[str, Any] = {"is_supported": True}
        if create:
            entry |= {"min_amount": None, "max_amount": None}
        entry |= {
            "max_file_size_bytes": support.max_file_size_bytes,
            "accepted_mime_types": list(support.accepted_mime_types) if support.accepted_mime_types else None,
        }
        types[kind] = entry
    restrictions: dict[str, Any] = {"types": types}
    if create:
        restrictions = {"total_size_bytes": None, **restrictions}
    return restrictions


async def action_metadata(request: Request) -> Response:
    """`GET /ats/actions/{action}`: what the integration's tool supports of the action."""
    action = request.path_params["action"]
    if action not in a.ACTIONS:
        raise ApiError(404, "PLATFORM.INPUT_INVALID", f"Unknown action '{action}'; known: {', '.join(a.ACTIONS)}.")
    _environment, integration = await _caller(request)
    support = _support(integration, action)
    create = action in (a.CREATE_APPLICATION, a.CREATE_CANDIDATE)
    data = {"attachment_restrictions": _restrictions(support, create)}
    return Response(orjson.dumps({"status": "success", "data": data}), media_type="application/json")
