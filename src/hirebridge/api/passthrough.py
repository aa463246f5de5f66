"""`POST /v1/passthrough/{tool}/{api}`: a request of the caller's own, sent to the integration's source
with its credentials, through its shared rate limiter, answered in Kombo's passthrough shape whatever
the source's status.

The caller and the integration are resolved like every integration-scoped endpoint's; `{tool}` must be
the integration's tool and `{api}` one of the tool's passthrough APIs (`Tool.passthrough_apis`); the
body is checked before anything is sent (400 `PLATFORM.INPUT_INVALID` naming the field). A 4xx/5xx
from the source -- a 401/403 included -- is the answer, not an error of ours: in particular it never
marks the integration INVALID (a forbidden endpoint says nothing about the key; a sync still does).
What goes out and what comes back is checked by `connectors/framework/passthrough.py`.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from hirebridge.api.body import json_object
from hirebridge.api.deps import caller_integration
from hirebridge.api.errors import ApiError, input_invalid
from hirebridge.connectors.registry import (
    METHODS,
    TOOLS,
    ConfigError,
    OutcomeUnknown,
    PassthroughRefused,
    PassthroughRequest,
    SourceError,
)
from hirebridge.connectors.registry import passthrough as pass_through
from hirebridge.crypto import CredentialsUnreadable
from hirebridge.store.db import read_tx
from hirebridge.store.rate_limits import DatabaseRateLimits
from hirebridge.store.tenancy import Integration

log = logging.getLogger(__name__)

_FIELDS = ("method", "path", "headers", "params", "data", "response_as_base64", "multipart_form_data", "api_options")


def _strings(body: dict[str, Any], name: str) -> dict[str, str]:
    """An optional map of strings (`headers`, `params`)."""
    value = body.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise input_invalid(f"The field '{name}' must be an object of strings.")
    for key, item in value.items():
        if not isinstance(item, str):
            raise input_invalid(f"The field '{name}.{key}' must be a string.")
    return value


def parse(body: dict[str, Any]) -> PassthroughRequest:
    """The request body as a PassthroughRequest, or 400 naming the field at fault."""
    for name in body:
        if name not in _FIELDS:
            raise input_invalid(f"Unknown field '{name}'; a passthrough body has {', '.join(_FIELDS)}.")
    method = body.get("method")
    if method not in METHODS:
        raise input_invalid(f"The field 'method' must be one of {', '.join(METHODS)}.")
    path = body.get("path")
    if not isinstance(path, str):
        raise input_invalid("The field 'path' is required: the path under the tool's API, as a string.")
    data = body.get("data")
    if data is not None and not isinstance(data, dict | list | str):
        raise input_invalid("The field 'data' must be an object or array (sent as JSON) or a string (sent as is).")
    as_base64 = body.get("response_as_base64")
    if as_base64 is not None and not isinstance(as_base64, bool):
        raise input_invalid("The field 'response_as_base64' must be a boolean.")
    if body.get("multipart_form_data"):
        raise input_invalid("The field 'multipart_form_data' is not supported by HireBridge; send 'data' instead.")
    options = body.get("api_options")
    if options is not None and not isinstance(options, dict):
        raise input_invalid("The field 'api_options' must be an object.")
    if options:
        raise input_invalid(f"The field 'api_options.{next(iter(options))}' is unknown: no tool has API options.")
    return PassthroughRequest(
        method=method,
        path=path,
        headers=_strings(body, "headers"),
        params=_strings(body, "params"),
        data=data,
        response_as_base64=bool(as_base64),
    )


def _check_target(integration: Integration, tool: str, api: str) -> None:
    """`{tool}/{api}` must name the integration's tool and one of its passthrough APIs."""
    if tool != integration.tool:
        raise input_invalid(
            f"The integration '{integration.id}' is a {integration.tool} integration, not {tool}: "
            f"use /passthrough/{integration.tool}/<api>."
        )
    apis = TOOLS[integration.tool].passthrough_apis
    if not apis:
        # Kombo's code for this would be INTEGRATION.ACTION_NOT_AVAILABLE, but the passthrough's
        # documented errors are the PLATFORM ones only (ErrorResponseGeneral).
        raise input_invalid(f"The tool '{tool}' has no API to pass requests through to.")
    if api not in apis:
        raise input_invalid(f"Unknown API '{api}' for {tool}; available: {', '.join(apis)}.")


async def passthrough(request: Request) -> Response:
    engine = request.app.state.engine

    # The caller first: no body is read for a client that may not send one (api/body.py).
    def caller() -> Integration:
        with read_tx(engine) as conn:
            return caller_integration(request, conn, request.headers.get("x-integration-id"))

    integration = await run_in_threadpool(caller)
    _check_target(integration, request.path_params["tool"], request.path_params["api"])
    if not integration.enabled:
        raise ApiError(403, "INTEGRATION.INACTIVE", f"The integration '{integration.id}' is disabled.")
    outgoing = parse(await json_object(request, required=True))
    try:
        config = integration.connector_config()
        answer = await pass_through(integration.tool, integration.id, config, DatabaseRateLimits(engine), outgoing)
    except PassthroughRefused as exc:
        raise input_invalid(str(exc)) from None
    except (ConfigError, CredentialsUnreadable) as exc:
        log.warning("passthrough: %s: configuration unusable: %s", integration.id, type(exc).__name__)
        raise ApiError(
            500, "PLATFORM.UNKNOWN_ERROR", "The integration's configuration or stored credentials cannot be used."
        ) from None
    except OutcomeUnknown as exc:  # a write that may have taken effect: never repeated for the caller
        raise ApiError(504, "PLATFORM.TASK_TIMED_OUT", str(exc)) from None
    except SourceError as exc:  # no answer came (messages are redacted by the source client)
        raise ApiError(502, "PLATFORM.UNKNOWN_ERROR", f"The source gave no answer: {exc}") from None
    log.info(
        "passthrough %s %s -> %s",
        outgoing.method,
        integration.tool,
        answer.status,
        extra={"integration_id": integration.id, "status": answer.status},
    )
    data = {"url": answer.url, "status": answer.status, "headers": answer.headers, "data": answer.data}
    return Response(orjson.dumps({"status": "success", "data": data, "warnings": []}), media_type="application/json")
