"""Paginators for the paging styles of source APIs. Each yields `Page`s: the raw records of one
response and the state to resume after it (what the sync engine checkpoints with that page)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from hirebridge.connectors.http import SourceClient, SourceError


@dataclass(frozen=True, slots=True)
class Page:
    records: list[dict[str, Any]]
    # Present on the last page when the API hands out a token for the next incremental run.
    sync_token: str | None = None


class PagingLoop(SourceError):
    """The API returned the same continuation token twice: following it would never end."""


def _guard(seen: set[str], token: str, tool: str) -> None:
    if token in seen:
        raise PagingLoop(f"{tool} returned the continuation token {token[:20]!r} twice")
    seen.add(token)


async def offset_token_pages(
    client: SourceClient, path: str, params: dict[str, Any], *, limit: int = 100
) -> AsyncIterator[Page]:
    """`?limit=&offset=<token>`; body `{"data": [...], "hasNext": bool, "next": "<token>"}` (Lever)."""
    seen: set[str] = set()
    query = {**params, "limit": limit}
    while True:
        body = await client.json("GET", path, params=query)
        yield Page(list(body.get("data", [])))
        if not body.get("hasNext"):
            return
        token = body.get("next")
        if not token:
            raise SourceError(f"{client.tool}: hasNext without a next token on {path}")
        _guard(seen, token, client.tool)
        query = {**params, "limit": limit, "offset": token}


class RpcError(SourceError):
    """An RPC API's `success: false` answer (often sent with HTTP 200)."""


async def rpc_cursor_pages(
    client: SourceClient, endpoint: str, body: dict[str, Any], *, limit: int = 100
) -> AsyncIterator[Page]:
    """POST `{limit, cursor}` -> `{success, results, moreDataAvailable, nextCursor, syncToken}` (Ashby)."""
    seen: set[str] = set()
    request = {**body, "limit": limit}
    while True:
        answer = await client.json("POST", endpoint, json=request)
        if not answer.get("success", False):
            info = answer.get("errorInfo") or {}
            code = info.get("code") or next(iter(answer.get("errors") or []), None)
            raise RpcError(f"{client.tool} {endpoint}: {info.get('message') or code}", code=code)
        more = bool(answer.get("moreDataAvailable"))
        yield Page(list(answer.get("results", [])), None if more else answer.get("syncToken"))
        if not more:
            return
        cursor = answer.get("nextCursor")
        if not cursor:
            raise SourceError(f"{client.tool}: moreDataAvailable without nextCursor on {endpoint}")
        _guard(seen, cursor, client.tool)
        request = {**body, "limit": limit, "cursor": cursor}
