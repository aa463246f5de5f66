"""General (non-ATS) endpoints: API key check, integrations, tools, force-sync."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from hirebridge.actions.requests import coverage as action_coverage
from hirebridge.api.body import json_object
from hirebridge.api.deps import authenticate, caller_integration
from hirebridge.api.errors import ApiError, input_invalid
from hirebridge.connectors.registry import TOOLS, Tool
from hirebridge.model import ATS_MODELS, SyncKind
from hirebridge.model.coverage import CoverageStatus
from hirebridge.store import events, sync_runs, tenancy
from hirebridge.store.db import read_tx, write_tx
from hirebridge.store.tenancy import Integration
from hirebridge.timefmt import to_wire


def success(data: Any) -> Response:
    return Response(orjson.dumps({"status": "success", "data": data}), media_type="application/json")


def check_api_key(request: Request) -> Response:
    with read_tx(request.app.state.engine) as conn:
        environment = authenticate(request, conn)
    # Kombo's `customer_id` is the deprecated name of `environment_id`; both are sent.
    return success({"environment_id": environment.id, "customer_id": environment.id})


def _coverage(tool: Tool, *, integration: bool) -> list[dict[str, Any]]:
    """Kombo's read-model coverage list, from the tool's declared coverage; an integration's adds
    its (fixed) scope settings and what is available to it."""
    models = []
    for model, (model_id, label) in ATS_MODELS.items():
        declared = tool.coverage.models[model]
        entry: dict[str, Any] = {"id": model_id, "label": label, "coverage_status": declared.status.value}
        if integration:
            entry.update(_scope(declared.status))
        entry["fields"] = [
            {"id": name, "coverage_status": status.value, **(_scope(status) if integration else {})}
            for name, status in declared.fields.items()
        ]
        models.append(entry)
    return models


def _write_actions(tool: Tool, *, integration: bool) -> list[dict[str, Any]]:
    """Kombo's write-action coverage list, from the connector's declaration (`Tool.actions`)."""

    def status(supported: bool) -> CoverageStatus:
        return CoverageStatus.SUPPORTED if supported else CoverageStatus.UNSUPPORTED

    entries = []
    for action, label, supported, fields in action_coverage(tool.actions):
        entry: dict[str, Any] = {"id": action, "label": label, "coverage_status": status(supported).value}
        if integration:
            entry.update(_scope(status(supported)))
        entry["fields"] = [
            {"id": name, "coverage_status": status(ok).value, **(_scope(status(ok)) if integration else {})}
            for name, ok in fields
        ]
        entries.append(entry)
    return entries


def _scope(status: CoverageStatus) -> dict[str, Any]:
    # HireBridge has one implicit scope config: everything enabled, nothing opted out.
    return {
        "is_available": status == CoverageStatus.SUPPORTED,
        "scope_config_setting": "ENABLED",
        "opted_out_by_customer": False,
    }


def _integration_details(integration: Integration) -> dict[str, Any]:
    tool = TOOLS[integration.tool]
    return {
        "id": integration.id,
        "tool": {
            "id": tool.id,
            "label": tool.label,
            "internal_label": None,
            "logo_url": tool.icon_url(),
            "icon_url": tool.icon_url(),
        },
        "category": "ATS",
        "status": integration.status,
        "setup_status": integration.setup_status,
        "end_user": events.end_user(integration),
        # HireBridge has one implicit scope config per environment: every model enabled.
        "scope_config": {"id": integration.environment_id, "name": "Default"},
        "data_expired_at": None,
        "created_at": to_wire(integration.created_at),
        "beta": False,
        "read_models": _coverage(tool, integration=True),
        "write_actions": _write_actions(tool, integration=True),
    }


def _own_integration(request: Request, integration_id: str) -> Integration:
    with read_tx(request.app.state.engine) as conn:
        return caller_integration(request, conn, integration_id)


def _last_sync(run: sync_runs.SyncRun | None) -> dict[str, Any] | None:
    """The integration's last finished run, in the names of Kombo's `sync-finished` webhook (a
    HireBridge addition to the integration details: Kombo's `setup_status` cannot say "the first
    sync failed")."""
    if run is None:
        return None
    state = str(run.state)
    if run.error_code == "AUTHENTICATION_FAILED":  # a sync_state of Kombo's own
        state = run.error_code
    duration = None
    if run.started_at is not None and run.ended_at is not None:
        duration = int((run.ended_at - run.started_at).total_seconds())
    return {
        "sync_id": run.id,
        "sync_type": run.kind,
        "sync_state": state,
        "sync_started_at": to_wire(run.started_at),
        "sync_ended_at": to_wire(run.ended_at),
        "sync_duration_seconds": duration,
        "error_code": run.error_code,
    }


def get_integration(request: Request) -> Response:
    with read_tx(request.app.state.engine) as conn:
        integration = caller_integration(request, conn, request.path_params["integration_id"])
        last = sync_runs.last_finished_run(conn, integration.id)
    return success({**_integration_details(integration), "last_sync": _last_sync(last)})


def delete_integration(request: Request) -> Response:
    integration = _own_integration(request, request.path_params["integration_id"])
    with write_tx(request.app.state.engine) as conn:
        tenancy.delete_integration(conn, integration.id)
    return success({})


async def set_integration_enabled(request: Request) -> Response:
    # The caller first: no body is read for a client that may not send one (api/body.py).
    integration = await run_in_threadpool(_own_integration, request, request.path_params["integration_id"])
    body = await json_object(request, required=True)
    value = body.get("value")
    if not isinstance(value, bool):
        raise input_invalid('The body must be {"value": true} or {"value": false}.')

    def update() -> None:
        with write_tx(request.app.state.engine) as conn:
            tenancy.set_enabled(conn, integration.id, value)

    await run_in_threadpool(update)
    return success({})


def get_tools(request: Request) -> Response:
    category = request.path_params["category"]
    with read_tx(request.app.state.engine) as conn:
        authenticate(request, conn)
    if category not in ("hris", "ats", "assessment", "lms"):
        raise input_invalid(f"Unknown tool category '{category}'; use one of hris, ats, assessment, lms.")
    tools = (
        []
        if category != "ats"
        else [
            {
                "id": tool.id,
                "label": tool.label,
                "internal_label": None,
                "assets": {
                    "logo_url": tool.icon_url(),
                    "icon_url": tool.icon_url(),
                    "icon_black_url": tool.icon_url(),
                },
                "paid_api_details_markdown": None,
                "fast_track_details_markdown": None,
                "partner_only_details_markdown": None,
                "connection_guide_url": tool.connection_guide_url,
                "coverage": {
                    "read_models": _coverage(tool, integration=False),
                    "write_actions": _write_actions(tool, integration=False),
                    "features": [],
                },
                # A HireBridge addition (Kombo's schema allows extra keys): what connecting the tool takes,
                # for a connect page; secrets are flagged, no value is ever included.
                "config_schema": tool.config.describe(),
            }
            for tool in TOOLS.values()
        ]
    )
    return success({"tools": tools})


async def force_sync(request: Request) -> Response:
    # The caller first: no body is read for a client that may not send one (api/body.py).
    def caller() -> Integration:
        with read_tx(request.app.state.engine) as conn:
            return caller_integration(request, conn, request.headers.get("x-integration-id"))

    integration = await run_in_threadpool(caller)
    body = await json_object(request, required=False)
    kind_text = body.get("type", SyncKind.FULL.value)
    if kind_text not in (SyncKind.FULL.value, SyncKind.DELTA.value):
        raise input_invalid("The field 'type' must be 'FULL' or 'DELTA'.")
    kind = SyncKind(kind_text)
    if not integration.enabled:
        raise ApiError(403, "INTEGRATION.INACTIVE", f"The integration '{integration.id}' is disabled.")

    def enqueue() -> dict[str, Any]:
        queued = request.app.state.jobs.enqueue_sync(integration.id, kind)
        return {"already_queued": queued.already_queued, "sync_id": queued.run_id, "type": kind.value}

    return success(await run_in_threadpool(enqueue))
