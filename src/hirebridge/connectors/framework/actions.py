"""Write actions at the source: what a connector that performs them declares and returns, and how a
source's refusal becomes one of Kombo's error codes.

A connector that writes is a `Writer`: it declares `actions` (model/actions.py `ActionSupport` per
action id) and performs one `Action` at a time with `perform`, returning the records the action
created or changed, built with the connector's own mapping from what the source answered (or read
back from it): the action service writes them with the sync engine's write path
(sync/writeback.py), so they are served at once exactly as the next sync will see them.

A refusal is an `ActionFailed` carrying Kombo's code (REMOTE.INPUT_INVALID with the source's own
message, ATS.APPLICATION_ALREADY_EXISTS, ...). `refusal()` classifies an HTTP answer the same way
for every connector; a connector passes the vendor's way of saying what was wrong (`message_of`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, runtime_checkable

import httpx
import orjson

from hirebridge.connectors.framework.errors import OutcomeUnknown
from hirebridge.connectors.framework.http import SourceClient
from hirebridge.model.actions import Action, ActionSupport
from hirebridge.model.records import Record

__all__ = [
    "ActionFailed",
    "ActionResult",
    "Writer",
    "refusal",
    "tool_fields",
    "write",
]


class ActionFailed(Exception):
    """The action was not performed; `code` is Kombo's (`REMOTE.INPUT_INVALID`, ...), `status` the
    HTTP status HireBridge answers with, `message` says why (the source's words where it gave some,
    redacted)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class ActionResult:
    """What an action did: `records` to write back (referenced records first: a candidate before its
    application), `deleted` records the source no longer has (model, remote id), `created` the record
    the response is about (model, remote id) for the actions that answer with one, `warnings` for the
    response's `warnings`, and `journal` an entry to append to the integration's `journal` setting when
    its source keeps its state there (the sandbox: its writes are replayed over the generated data)."""

    records: tuple[Record, ...] = ()
    deleted: tuple[tuple[str, str], ...] = ()
    created: tuple[str, str] | None = None
    warnings: tuple[str, ...] = ()
    journal: dict[str, Any] | None = None


@runtime_checkable
class Writer(Protocol):
    """A connector that performs write actions."""

    actions: ClassVar[Mapping[str, ActionSupport]]

    async def perform(self, action: Action) -> ActionResult:
        """Do `action` at the source and return what it changed; ActionFailed when the source
        refused it, SourceError when no usable answer came (OutcomeUnknown: it may have happened)."""
        ...


def _default_message(body: Any) -> str | None:
    if isinstance(body, dict):
        for key in ("message", "error", "errors", "detail"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
            if isinstance(value, list) and value:
                return "; ".join(
                    str(item.get("message", item)) if isinstance(item, dict) else str(item) for item in value
                )
    return None


def refusal(
    response: httpx.Response,
    redact: Callable[[str], str],
    message_of: Callable[[Any], str | None] = _default_message,
) -> ActionFailed | None:
    """The ActionFailed a source's answer means, or None for a success (2xx). `message_of` finds the
    vendor's explanation in the parsed body; the text is redacted before it is quoted."""
    status = response.status_code
    if status < 300:
        return None
    try:
        body: Any = orjson.loads(response.content) if response.content.strip() else None
    except orjson.JSONDecodeError:
        body = response.text[:500]
    said = message_of(body) if not isinstance(body, str) else body
    detail = redact(said or f"HTTP {status}")
    if status == 401:
        return ActionFailed(
            403, "INTEGRATION.AUTHENTICATION_INVALID", f"The source rejected the integration's credentials: {detail}"
        )
    if status == 403:
        return ActionFailed(
            403, "INTEGRATION.PERMISSION_MISSING", f"The integration's credentials lack a permission: {detail}"
        )
    if status == 429:
        return ActionFailed(429, "REMOTE.RATE_LIMIT_EXCEEDED", f"The source is throttling requests: {detail}")
    if status >= 500:
        return ActionFailed(503, "REMOTE.SERVICE_UNAVAILABLE", f"The source failed (HTTP {status}): {detail}")
    if status in (400, 404, 409, 422):
        return ActionFailed(400, "REMOTE.INPUT_INVALID", f"The source refused the input: {detail}")
    return ActionFailed(502, "REMOTE.UNKNOWN_HTTP_ERROR", f"The source answered HTTP {status}: {detail}")


async def write(
    client: SourceClient,
    method: str,
    path: str,
    *,
    idempotent: bool = False,
    message_of: Callable[[Any], str | None] = _default_message,
    refine: Callable[[httpx.Response, ActionFailed], ActionFailed] | None = None,
    **request: Any,
) -> Any:
    """One write to the source: its parsed answer (None when it is empty or not JSON). A refusal raises
    the ActionFailed `refusal` makes of it (`refine` may turn it into a semantic one, such as
    `ATS.APPLICATION_ALREADY_EXISTS`, from the vendor's body). A write that is not `idempotent` is sent
    once, and a 5xx answer to it raises OutcomeUnknown: it may have taken effect, and repeating it could
    do it twice. `request` goes to `send_raw` (`json`, `content`, `headers`, `files`)."""
    response = await client.send_raw(method, path, idempotent=idempotent, **request)
    failure = refusal(response, client.redact, message_of)
    if failure is not None:
        if not idempotent and response.status_code >= 500:
            raise OutcomeUnknown(
                f"{client.tool}: {method} {path}: HTTP {response.status_code}; it may or may not have taken effect "
                f"(not retried): {failure.message}",
                response.status_code,
            )
        raise refine(response, failure) if refine is not None else failure
    try:
        return orjson.loads(response.content) if response.content.strip() else None
    except orjson.JSONDecodeError:
        return None


def tool_fields(remote_fields: Mapping[str, Any], tool: str) -> Mapping[str, Any]:
    """Kombo's `remote_fields` are keyed by tool: `tool`'s part (empty when absent or not an object)."""
    fields = remote_fields.get(tool)
    return fields if isinstance(fields, Mapping) else {}
