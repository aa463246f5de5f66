"""`POST /webhooks/upstream/{integration_id}`: a vendor's webhook (Lever, Ashby, Greenhouse, SmartRecruiters)
about an integration's data (docs/upstream-webhooks.md). A tool's URL handshake (SmartRecruiters' `X-Hook-Secret`)
is answered by echoing its header, and nothing else is done with it.

No API key: the vendor's signature is the authentication, checked against the integration's
`webhook_secret` credential by the tool's declared webhooks (connectors/framework/webhooks.py). A
request that is not signed with it -- wrong or missing signature, no secret stored, an unknown
integration or a tool without webhooks, all answered alike so the answer tells nothing -- is 401 in
Kombo's envelope, logged, and never processed. A signed one records the records its event names
(store/upstream.py: one row per record, however many events name it), asks for the targeted refresh
(jobs/upstream.py) and is answered 200 at once: the fetch happens in the background.
"""

from __future__ import annotations

import logging

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from hirebridge.api.body import read_body
from hirebridge.api.errors import ApiError
from hirebridge.connectors.registry import HANDSHAKE_HEADERS, Event, upstream_event, upstream_handshake
from hirebridge.crypto import CredentialsUnreadable
from hirebridge.jobs import Jobs
from hirebridge.store import tenancy
from hirebridge.store import upstream as store
from hirebridge.store.db import read_tx, write_tx
from hirebridge.timefmt import utc_now

log = logging.getLogger(__name__)


def _unsigned() -> ApiError:
    return ApiError(
        401,
        "PLATFORM.AUTHENTICATION_INVALID",
        "The request is not signed with this integration's webhook secret.",
    )


def _verify(request: Request, integration_id: str, body: bytes) -> tuple[str, Event] | None:
    """The integration's tool and the event, if the request is signed with its webhook secret."""
    with read_tx(request.app.state.engine) as conn:
        integration = tenancy.get_integration(conn, integration_id)
    if integration is None:
        log.warning("upstream webhook for an unknown integration refused", extra={"integration_id": integration_id})
        return None
    try:
        secret = integration.connector_config().get("webhook_secret")
    except CredentialsUnreadable:
        log.exception("upstream webhook refused: the credentials of %s cannot be opened", integration_id)
        return None
    headers = {name.lower(): value for name, value in request.headers.items()}
    event = upstream_event(integration.tool, headers, body, secret if isinstance(secret, str) else None)
    if event is None:
        reason = "no webhook secret is stored" if not secret else "bad or missing signature"
        log.warning(
            "upstream webhook refused: %s",
            reason,
            extra={"integration_id": integration_id, "tool": integration.tool},
        )
        return None
    if not integration.enabled:
        return integration.tool, Event(event.name)  # acknowledged, not refreshed: a disabled integration is not read
    return integration.tool, event


def _handshake(request: Request, integration_id: str) -> dict[str, str] | None:
    """The answer's headers if the request is its tool's webhook handshake (SmartRecruiters checks the
    URL by asking for its `X-Hook-Secret` back before it sends events): echoed, nothing processed.
    Only for an existing integration of a tool that declares one."""
    if not HANDSHAKE_HEADERS.intersection(name.lower() for name in request.headers):
        return None  # no vendor's handshake header: every signed event skips this lookup
    with read_tx(request.app.state.engine) as conn:
        integration = tenancy.get_integration(conn, integration_id)
    if integration is None:
        return None
    headers = {name.lower(): value for name, value in request.headers.items()}
    echo = upstream_handshake(integration.tool, headers)
    if echo is not None:
        log.info("upstream webhook handshake answered", extra={"integration_id": integration_id})
    return echo


async def receive(request: Request) -> Response:
    integration_id = request.path_params["integration_id"]
    body = await read_body(request)
    echo = await run_in_threadpool(_handshake, request, integration_id)
    if echo is not None:
        return Response(b"", 200, headers=echo)
    verified = await run_in_threadpool(_verify, request, integration_id, body)
    if verified is None:
        raise _unsigned()
    tool, event = verified

    def record() -> int:
        with write_tx(request.app.state.engine) as conn:
            return store.record(conn, integration_id, [(ref.model, ref.remote_id) for ref in event.refs], utc_now())

    recorded = await run_in_threadpool(record) if event.refs else 0
    if recorded:
        jobs: Jobs = request.app.state.jobs
        await run_in_threadpool(jobs.refresh_upstream, integration_id)
    log.info(
        "upstream webhook %s accepted",
        event.name,
        extra={"integration_id": integration_id, "tool": tool, "records": recorded},
    )
    payload = {"status": "success", "data": {"event": event.name, "records": recorded}}
    return Response(orjson.dumps(payload), media_type="application/json")
