"""Paginators: how to ask for the next page of a listing, one class per paging style.

A paginator is declared once per stream and holds no state of a run: `first(request)` adds what the
first request needs (a page size), `next(request, response)` builds the request for the following
page from the one just answered (None: that was the last page). `pages()` drives one: it sends each
request, checks the answer (below), hands out the page, and stops with `PagingLoop` when a request
repeats -- a continuation token, cursor or next URL the source handed out twice would never end.

Every page is checked before it is handed out: the answer must be an object with its record list
(or, with `records=None`, be the list), and, given the endpoint's `Shape`, every record must match it
(payloads.py). An answer without its record list is an error, never an empty page: a FULL run that
read one would delete everything.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import httpx
import orjson

from hirebridge.connectors.framework.errors import (
    MappingError,
    PagingError,
    PagingLoop,
    RpcError,
    SourceError,
)
from hirebridge.connectors.framework.http import SourceClient
from hirebridge.connectors.framework.payloads import Shape, check, describe

Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Request:
    """One request of a listing. `url` is a path under the client's base URL, or an absolute URL a
    source handed out (sent verbatim: with `params` empty nothing is added to its query)."""

    method: str = "GET"
    url: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    json: Any = None

    def with_params(self, **params: Any) -> Request:
        return replace(self, params={**self.params, **params})

    def with_json(self, **fields: Any) -> Request:
        return replace(self, json={**(self.json or {}), **fields})

    def key(self) -> bytes:
        """What tells two requests apart (for loop detection)."""
        return orjson.dumps(
            [self.method, self.url, dict(self.params), self.json], option=orjson.OPT_SORT_KEYS, default=str
        )


@dataclass(frozen=True, slots=True)
class Response:
    """An answered page: the HTTP response, its parsed body and the records it holds (checked)."""

    http: httpx.Response
    body: Any
    records: list[Json]


class Paginator(Protocol):
    def first(self, request: Request) -> Request:
        """The first request of a listing (with its page size etc.)."""
        ...

    def next(self, request: Request, response: Response) -> Request | None:
        """The request for the page after `response` (an answer to `request`); None after the last."""
        ...


def dig(body: Any, path: str) -> Any:
    """The value at a dotted path of a JSON body (`paging.next`, `meta.cursor`), None when absent."""
    value = body
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _token(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


@dataclass(frozen=True, slots=True)
class OffsetToken:
    """`?limit=<n>&offset=<token>`, the token the body's `next` names while `hasNext` (Lever)."""

    limit: int = 100
    limit_param: str = "limit"
    offset_param: str = "offset"
    more: str = "hasNext"
    token: str = "next"

    def first(self, request: Request) -> Request:
        return request.with_params(**{self.limit_param: self.limit})

    def next(self, request: Request, response: Response) -> Request | None:
        if not dig(response.body, self.more):
            return None
        if (token := _token(dig(response.body, self.token))) is None:
            raise PagingError(f"{self.more} without a {self.token} token")
        return request.with_params(**{self.offset_param: token})


@dataclass(frozen=True, slots=True)
class CursorInBody:
    """A cursor at a body path (`meta.next_cursor`), sent back as a query parameter with the first
    request's others; no cursor (or `more` false, if given) ends the listing."""

    cursor: str
    param: str = "cursor"
    more: str | None = None
    limit: int | None = None
    limit_param: str = "limit"

    def first(self, request: Request) -> Request:
        return request if self.limit is None else request.with_params(**{self.limit_param: self.limit})

    def next(self, request: Request, response: Response) -> Request | None:
        if self.more is not None and not dig(response.body, self.more):
            return None
        cursor = _token(dig(response.body, self.cursor))
        return None if cursor is None else request.with_params(**{self.param: cursor})


def _follow(request: Request, response: Response, url: str) -> Request:
    """The request for a next-page URL a source handed out: that URL verbatim (made absolute against
    the answered one), with no parameter of ours added and no body."""
    return Request(request.method, str(response.http.request.url.join(url)))


@dataclass(frozen=True, slots=True)
class LinkHeader:
    """`Link: <url>; rel="next"` (Greenhouse Harvest v3, GitHub): the next URL is followed verbatim.
    The page size and filters go on the first request only: Harvest v3 answers 422 to a cursor URL
    that carries any other parameter."""

    limit: int | None = None
    limit_param: str = "per_page"

    def first(self, request: Request) -> Request:
        return request if self.limit is None else request.with_params(**{self.limit_param: self.limit})

    def next(self, request: Request, response: Response) -> Request | None:
        url = response.http.links.get("next", {}).get("url")
        return None if not url else _follow(request, response, url)


@dataclass(frozen=True, slots=True)
class NextUrl:
    """A next-page URL at a body path (Workable `paging.next`, Teamtailor `links.next`), followed
    verbatim; absent or null on the last page."""

    path: str
    limit: int | None = None
    limit_param: str = "limit"

    def first(self, request: Request) -> Request:
        return request if self.limit is None else request.with_params(**{self.limit_param: self.limit})

    def next(self, request: Request, response: Response) -> Request | None:
        url = _token(dig(response.body, self.path))
        return None if url is None else _follow(request, response, url)


@dataclass(frozen=True, slots=True)
class RpcCursor:
    """POST `{..., limit, cursor}` -> `{results, moreDataAvailable, nextCursor}` (Ashby); the last
    page carries a `syncToken` for incremental reads (streams.SyncToken reads it)."""

    limit: int = 100
    more: str = "moreDataAvailable"
    cursor: str = "nextCursor"

    def first(self, request: Request) -> Request:
        return request.with_json(limit=self.limit)

    def next(self, request: Request, response: Response) -> Request | None:
        if not dig(response.body, self.more):
            return None
        if (cursor := _token(dig(response.body, self.cursor))) is None:
            raise PagingError(f"{self.more} without {self.cursor}")
        return request.with_json(cursor=cursor)


@dataclass(frozen=True, slots=True)
class PageNumber:
    """`?page=1,2,...` (and a page size): an empty page ends the listing, or the page count at
    `total_pages` in the body."""

    param: str = "page"
    start: int = 1
    size: int | None = None
    size_param: str = "per_page"
    total_pages: str | None = None

    def first(self, request: Request) -> Request:
        request = request.with_params(**{self.param: self.start})
        return request if self.size is None else request.with_params(**{self.size_param: self.size})

    def next(self, request: Request, response: Response) -> Request | None:
        page = int(request.params[self.param])
        total = dig(response.body, self.total_pages) if self.total_pages else None
        if not response.records or (isinstance(total, int) and page - self.start + 1 >= total):
            return None
        return request.with_params(**{self.param: page + 1})


@dataclass(frozen=True, slots=True)
class Offset:
    """`?limit=<n>&offset=<records so far>`: a short page ends the listing, or the count at `total`;
    with `until_empty`, only an empty page does (a source that may cap `limit` below the one asked
    for without saying so: a short page would end a FULL listing early, and its end deletes the rest)."""

    limit: int = 100
    limit_param: str = "limit"
    offset_param: str = "offset"
    total: str | None = None
    until_empty: bool = False

    def first(self, request: Request) -> Request:
        return request.with_params(**{self.limit_param: self.limit, self.offset_param: 0})

    def next(self, request: Request, response: Response) -> Request | None:
        offset = int(request.params[self.offset_param]) + len(response.records)
        total = dig(response.body, self.total) if self.total else None
        short = not response.records if self.until_empty else len(response.records) < self.limit
        if short or (isinstance(total, int) and offset >= total):
            return None
        return request.with_params(**{self.offset_param: offset})


# What a source says when an answer that looks like success is a failure (an RPC envelope's `success:
# false`): called with the client, the endpoint and the parsed body; None when all is well.
FailureCheck = Callable[[SourceClient, str, Any], SourceError | None]


def rpc_failure(client: SourceClient, endpoint: str, answer: Any) -> RpcError | None:
    """The error of an RPC answer that says `success: false` (None if it succeeded); the source's
    message is quoted as a short redacted excerpt (Ashby: `errorInfo {code, message}`, and the
    deprecated `errors`)."""
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


# `records` of an answer that is one record, not a list (Workable's `/candidates/:id/offer`).
ONE = "."


def page_records(tool: str, endpoint: str, body: Any, records: str | None, shape: Shape | None) -> list[Json]:
    """The records of one answer (at key `records`, the body itself when None, the body as the only
    record when `ONE`), each checked
    against `shape` (or at least an object)."""
    if records is None:
        found = body
        if not isinstance(found, list):
            raise MappingError(tool, endpoint, f"the answer is {describe(body)}, expected a list")
    elif records == ONE:
        if not isinstance(body, dict):
            raise MappingError(tool, endpoint, f"the answer is {describe(body)}, expected an object")
        found = [body]
    else:
        if not isinstance(body, dict):
            raise MappingError(tool, endpoint, f"the answer is {describe(body)}, expected an object")
        found = dig(body, records)
        if not isinstance(found, list):
            above, _, key = records.rpartition(".")
            holder = dig(body, above) if above else body
            gone = not isinstance(holder, dict) or key not in holder
            problem = "is missing" if gone else f"is {describe(found)}, expected a list"
            raise MappingError(tool, endpoint, problem, field=records)
    every = shape or Shape()
    return [check(tool, endpoint, every, record) for record in found]


async def fetch(
    client: SourceClient,
    request: Request,
    *,
    endpoint: str | None = None,
    records: str | None = "data",
    shape: Shape | None = None,
    failure: FailureCheck | None = None,
) -> Response:
    """Send one request of a listing (a read: retried whatever its method) and check its answer."""
    where = endpoint or request.url
    response = await client.request(
        request.method,
        request.url,
        params=dict(request.params) or None,
        json=request.json,
        idempotent=True,
    )
    try:
        body = response.json()
    except ValueError:
        raise client.not_json(request.method, response) from None
    if failure is not None and (problem := failure(client, where, body)) is not None:
        raise problem
    return Response(response, body, page_records(client.tool, where, body, records, shape))


async def pages(
    client: SourceClient,
    request: Request,
    paginator: Paginator,
    *,
    endpoint: str | None = None,
    records: str | None = "data",
    shape: Shape | None = None,
    failure: FailureCheck | None = None,
) -> AsyncIterator[Response]:
    """Every page of a listing, checked; `endpoint` names it in errors (default: the request's path)."""
    where = endpoint or request.url
    seen: set[bytes] = set()
    current: Request | None = paginator.first(request)
    while current is not None:
        key = current.key()
        if key in seen:
            again = client.redact(str(httpx.URL(current.url, params=dict(current.params) or None)))
            raise PagingLoop(f"{client.tool} {where}: the source handed out the same next page twice ({again})")
        seen.add(key)
        response = await fetch(client, current, endpoint=where, records=records, shape=shape, failure=failure)
        try:
            following = paginator.next(current, response)
        except PagingError as exc:
            raise PagingError(f"{client.tool}: {exc} on {where}") from None
        yield response
        current = following
