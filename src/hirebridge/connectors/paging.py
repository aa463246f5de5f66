"""Paginators for the paging styles of source APIs. Each yields `Page`s: the raw records of one
response and the state to resume after it (what the sync engine checkpoints with that page).

A page is checked before it is yielded: the answer must be an object with its record list, and,
given the endpoint's `Shape`, every record must match it (connectors/payloads.py). An answer without
its record list is an error, never an empty page: a FULL run that read one would delete everything.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from hirebridge.connectors.http import SourceClient, SourceError
from hirebridge.connectors.payloads import MappingError, Shape, check, describe


@dataclass(frozen=True, slots=True)
class Page:
    records: list[dict[str, Any]]
    # Present on the last page when the API hands out a token for the next incremental run.
    sync_token: str | None = None


class PagingLoop(SourceError):
    """The API returned the same continuation token twice: following it would never end."""


def _guard(seen: set[str], token: str, client: SourceClient) -> None:
    if token in seen:
        raise PagingLoop(f"{client.tool} returned the continuation token {client.redact(token[:20])!r} twice")
    seen.add(token)


def _page_records(
    client: SourceClient, endpoint: str, body: Any, key: str, shape: Shape | None
) -> list[dict[str, Any]]:
    """The records of one answer, each checked against `shape` (or at least an object)."""
    if not isinstance(body, dict):
        raise MappingError(client.tool, endpoint, f"the answer is {describe(body)}, expected an object")
    records = body.get(key)
    if not isinstance(records, list):
        problem = "is missing" if key not in body else f"is {describe(records)}, expected a list"
        raise MappingError(client.tool, endpoint, problem, field=key)
    every = shape or Shape()
    return [check(client.tool, endpoint, every, record) for record in records]


async def offset_token_pages(
    client: SourceClient, path: str, params: dict[str, Any], *, limit: int = 100, shape: Shape | None = None
) -> AsyncIterator[Page]:
    """`?limit=&offset=<token>`; body `{"data": [...], "hasNext": bool, "next": "<token>"}` (Lever)."""
    seen: set[str] = set()
    query = {**params, "limit": limit}
    while True:
        body = await client.json("GET", path, params=query)
        yield Page(_page_records(client, path, body, "data", shape))
        if not body.get("hasNext"):
            return
        token = body.get("next")
        if not token or not isinstance(token, str):
            raise SourceError(f"{client.tool}: hasNext without a next token on {path}")
        _guard(seen, token, client)
        query = {**params, "limit": limit, "offset": token}


class RpcError(SourceError):
    """An RPC API's `success: false` answer (often sent with HTTP 200)."""


def rpc_failure(client: SourceClient, endpoint: str, answer: Any) -> RpcError | None:
    """The error of an RPC answer that says `success: false` (None if it succeeded); the source's
    message is quoted as a short redacted excerpt."""
    if not isinstance(answer, dict):
        raise MappingError(client.tool, endpoint, f"the answer is {describe(answer)}, expected an object")
    if answer.get("success", False):
        return None
    info = answer.get("errorInfo")
    info = info if isinstance(info, dict) else {}
    errors = answer.get("errors")
    code = info.get("code") or (errors[0] if isinstance(errors, list) and errors else None)
    code = client.redact.excerpt(str(code), 100) if code is not None else None
    message = info.get("message") or code
    return RpcError(f"{client.tool} {endpoint}: {client.redact.excerpt(str(message))}", code=code)


async def rpc_cursor_pages(
    client: SourceClient, endpoint: str, body: dict[str, Any], *, limit: int = 100, shape: Shape | None = None
) -> AsyncIterator[Page]:
    """POST `{limit, cursor}` -> `{success, results, moreDataAvailable, nextCursor, syncToken}` (Ashby)."""
    seen: set[str] = set()
    request = {**body, "limit": limit}
    while True:
        answer = await client.json("POST", endpoint, json=request)
        if (failure := rpc_failure(client, endpoint, answer)) is not None:
            raise failure
        more = bool(answer.get("moreDataAvailable"))
        token = answer.get("syncToken")
        records = _page_records(client, endpoint, answer, "results", shape)
        yield Page(records, None if more or not isinstance(token, str) else token)
        if not more:
            return
        cursor = answer.get("nextCursor")
        if not cursor or not isinstance(cursor, str):
            raise SourceError(f"{client.tool}: moreDataAvailable without nextCursor on {endpoint}")
        _guard(seen, cursor, client)
        request = {**body, "limit": limit, "cursor": cursor}
