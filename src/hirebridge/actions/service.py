"""Performing a write action: once, at the source, through the integration's connector, and its result
written back so the read API shows it at once.

1. **Recorded first** (`store/actions.py`): a PENDING row, committed before the source is called --
   the audit record of who (API key prefix), what, which integration and record, and later the
   outcome and duration; and, with an `Idempotency-Key`, the claim on that key. A repeat of a
   finished request answers what the first one answered (`Idempotent-Replayed: true`); a repeat
   while the first is still running, or with another request under the same key, is 409.
2. **Performed** by the connector (`registry.perform`), through the integration's shared rate
   limiter: a write waits for its turn like a sync's requests, never breaking the source's limit.
   A create is never sent twice: the source client does not repeat a POST, and a POST that got no
   answer (OutcomeUnknown) is answered 504 PLATFORM.TASK_TIMED_OUT and remembered as UNKNOWN, so an
   idempotent repeat does not send it again either.
3. **Written back** (`sync/writeback.py`) with the response, in one transaction: the records the
   connector returned go through the sync engine's write path, and the response is rendered from
   the stored rows, so its ids are the ones later reads return. If that transaction fails, the
   action has still happened at the source: the answer is 500 saying so (and is what a repeat gets),
   and the next sync stores the result -- the source holds one record, HireBridge never a second.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import orjson
from sqlalchemy import Connection, Engine
from starlette.concurrency import run_in_threadpool

from hirebridge.config import Settings
from hirebridge.connectors.registry import (
    ActionFailed,
    ActionResult,
    ConfigError,
    CredentialsInvalid,
    OutcomeUnknown,
    SourceError,
    SourceUnavailable,
    perform,
)
from hirebridge.crypto import CredentialsUnreadable
from hirebridge.model.actions import Action
from hirebridge.serving.errors import error_body
from hirebridge.store import actions as store
from hirebridge.store import tenancy
from hirebridge.store.db import write_tx
from hirebridge.store.rate_limits import DatabaseRateLimits
from hirebridge.store.tenancy import Integration
from hirebridge.sync.writeback import write_back
from hirebridge.timefmt import utc_now

log = logging.getLogger(__name__)

JOURNAL = "journal"

# Renders the success response's `data` from the stored rows, in the write-back's transaction.
Responder = Callable[[Connection, ActionResult], Any]


@dataclass(frozen=True, slots=True)
class ActionCall:
    """Who asks for which action, and how to tell a repeat of the request."""

    environment_id: str
    api_key_prefix: str
    integration: Integration
    action: str
    target_id: str | None
    idempotency_key: str | None
    request_hash: str


@dataclass(frozen=True, slots=True)
class Outcome:
    status: int
    body: bytes
    replayed: bool = False


def envelope(data: Any, warnings: tuple[str, ...] = ()) -> bytes:
    return orjson.dumps({"status": "success", "data": data, "warnings": [{"message": w} for w in warnings]})


def error_envelope(failure: ActionFailed) -> bytes:
    return error_body(failure.status, failure.code, failure.message)


class _InFlight:
    """Actions of each integration running in this process, against `limit` (Kombo's 30)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def enter(self, integration_id: str, limit: int) -> int:
        count = self.counts.get(integration_id, 0)
        if count >= limit:
            raise ActionFailed(
                429,
                "PLATFORM.CONCURRENCY_LIMIT_EXCEEDED",
                f"{limit} actions of this integration are already running; retry with backoff.",
            )
        self.counts[integration_id] = count + 1
        return limit - count - 1

    def leave(self, integration_id: str) -> None:
        self.counts[integration_id] -= 1
        if not self.counts[integration_id]:
            del self.counts[integration_id]


IN_FLIGHT = _InFlight()


def _failure_of(exc: Exception) -> tuple[ActionFailed, str]:
    """What a failed perform answers, and the state it leaves the action in."""
    if isinstance(exc, ActionFailed):
        return exc, store.FAILED
    if isinstance(exc, OutcomeUnknown):
        message = (
            f"The source did not answer in time, so the action may or may not have been performed: {exc}. "
            "Check the source (or the next sync's data) before trying again."
        )
        return ActionFailed(504, "PLATFORM.TASK_TIMED_OUT", message), store.UNKNOWN
    if isinstance(exc, CredentialsInvalid):
        message = f"The source rejected the integration's credentials: {exc}"
        return ActionFailed(403, "INTEGRATION.AUTHENTICATION_INVALID", message), store.FAILED
    if isinstance(exc, SourceUnavailable):
        if exc.status == 429:
            return ActionFailed(429, "REMOTE.RATE_LIMIT_EXCEEDED", f"The source kept throttling: {exc}"), store.FAILED
        return ActionFailed(503, "REMOTE.SERVICE_UNAVAILABLE", f"The source could not be reached: {exc}"), store.FAILED
    if isinstance(exc, SourceError):
        return ActionFailed(502, "REMOTE.UNKNOWN_HTTP_ERROR", f"The source failed: {exc}"), store.FAILED
    if isinstance(exc, ConfigError | CredentialsUnreadable):
        message = "The integration's configuration or stored credentials cannot be used."
        return ActionFailed(500, "PLATFORM.UNKNOWN_ERROR", message), store.FAILED
    raise exc


async def execute(
    engine: Engine,
    settings: Settings,
    call: ActionCall,
    action: Action,
    respond: Responder,
    warnings: tuple[str, ...] = (),
) -> Outcome:
    """Perform `action` for `call` once and answer it (see the module's description); `warnings`
    are the request's own, said with the connector's in the response."""
    started = time.monotonic()
    integration = call.integration

    def begin() -> tuple[str, store.ActionRow | None]:
        new = store.NewAction(
            environment_id=call.environment_id,
            integration_id=integration.id,
            api_key_prefix=call.api_key_prefix,
            action=call.action,
            target_id=call.target_id,
            idempotency_key=call.idempotency_key,
            request_hash=call.request_hash,
        )
        with write_tx(engine) as conn:
            return store.begin(conn, new, utc_now(), timedelta(hours=settings.action_idempotency_hours))

    action_id, known = await run_in_threadpool(begin)
    if known is not None:
        return _repeat(call, known)

    def finish(state: str, status: int, body: bytes, code: str | None, invalid_credentials: bool = False) -> None:
        with write_tx(engine) as conn:
            now = utc_now()
            store.finish(conn, action_id, state, status, body.decode(), code, now, _ms(started))
            if invalid_credentials:  # as a sync does: the API reports the integration INVALID
                tenancy.set_credentials_invalid(conn, integration.id, now)

    def forget() -> None:
        with write_tx(engine) as conn:
            store.forget(conn, action_id)

    try:
        IN_FLIGHT.enter(integration.id, settings.action_concurrency_limit)
    except ActionFailed as busy:
        # Nothing was sent: the key stays free for the retry the 429 asks for.
        await run_in_threadpool(forget)
        _audit(call, action_id, "REFUSED", busy.status, busy.code, started)
        raise
    try:
        config = integration.connector_config()
        result = await perform(integration.tool, integration.id, config, DatabaseRateLimits(engine), action)
    except Exception as exc:
        try:
            failure, state = _failure_of(exc)
        except Exception:
            unknown = ActionFailed(500, "PLATFORM.UNKNOWN_ERROR", "An unexpected error occurred. It has been logged.")
            await run_in_threadpool(finish, store.FAILED, 500, error_envelope(unknown), unknown.code)
            raise
        body = error_envelope(failure)
        invalid = failure.code == "INTEGRATION.AUTHENTICATION_INVALID"
        await run_in_threadpool(finish, state, failure.status, body, failure.code, invalid)
        _audit(call, action_id, state, failure.status, failure.code, started)
        return Outcome(failure.status, body)
    finally:
        IN_FLIGHT.leave(integration.id)

    if result.journal is not None:
        # A source whose state HireBridge keeps (the sandbox) performs the action when this commits,
        # apart from the write-back, as a remote source's answer is apart from it.
        def journal() -> None:
            with write_tx(engine) as conn:
                tenancy.append_to_config(conn, integration.id, JOURNAL, dict(result.journal or {}))

        await run_in_threadpool(journal)

    def store_result() -> bytes:
        with write_tx(engine) as conn:
            now = utc_now()
            write_back(conn, integration.id, result.records, now, result.deleted)
            body = envelope(respond(conn, result), (*warnings, *result.warnings))
            store.finish(conn, action_id, store.SUCCEEDED, 200, body.decode(), None, now, _ms(started))
            return body

    try:
        body = await run_in_threadpool(store_result)
    except Exception:
        log.exception("action %s: performed at the source, but writing its result back failed", action_id)
        failure = ActionFailed(
            500,
            "PLATFORM.UNKNOWN_ERROR",
            "The action was performed at the source, but HireBridge could not store its result; the next "
            "sync will show it. Do not repeat the action.",
        )
        body = error_envelope(failure)
        await run_in_threadpool(finish, store.SUCCEEDED, 500, body, failure.code)
        _audit(call, action_id, store.SUCCEEDED, 500, failure.code, started)
        return Outcome(500, body)
    _audit(call, action_id, store.SUCCEEDED, 200, None, started)
    return Outcome(200, body)


def _repeat(call: ActionCall, known: store.ActionRow) -> Outcome:
    if known.request_hash != call.request_hash or known.integration_id != call.integration.id:
        raise ActionFailed(
            409,
            "PLATFORM.INPUT_INVALID",
            f"The Idempotency-Key '{call.idempotency_key}' was already used for a different request; "
            "use a new key for a new request.",
        )
    if known.state == store.PENDING or known.response is None or known.status_code is None:
        raise ActionFailed(
            409,
            "PLATFORM.INPUT_INVALID",
            f"A request with the Idempotency-Key '{call.idempotency_key}' is still being processed; "
            "retry it later to get its result.",
        )
    log.info(
        "action %s repeated: answered with its first result",
        call.action,
        extra={"integration_id": call.integration.id, "action_id": known.id, "status": known.status_code},
    )
    return Outcome(known.status_code, known.response.encode(), replayed=True)


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _audit(call: ActionCall, action_id: str, state: str, status: int, code: str | None, started: float) -> None:
    """The log line of an action: who, what, where, outcome -- never the body or a candidate's data."""
    log.info(
        "action %s on %s: %s",
        call.action,
        call.integration.id,
        state.lower(),
        extra={
            "action_id": action_id,
            "action": call.action,
            "integration_id": call.integration.id,
            "api_key_prefix": call.api_key_prefix,
            "target_id": call.target_id,
            "status": status,
            "error_code": code,
            "duration_ms": _ms(started),
        },
    )
