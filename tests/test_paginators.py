"""Each paginator over real HTTP against a scripted server: what it sends for the first and the next
pages, when it stops, and that a continuation handed out twice is a PagingLoop, never an endless read.
LinkHeader and NextUrl follow the URL the source gave verbatim (Greenhouse v3 answers 422 to a cursor
URL with any other parameter)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from hirebridge.connectors.framework.auth import NoAuth
from hirebridge.connectors.framework.errors import MappingError, PagingError, PagingLoop
from hirebridge.connectors.framework.http import SourceClient
from hirebridge.connectors.framework.paging import (
    CursorInBody,
    LinkHeader,
    NextUrl,
    Offset,
    OffsetToken,
    PageNumber,
    Paginator,
    Request,
    RpcCursor,
    pages,
)
from tests.emulators.scripted import Reply, Script, serve


def read(url: str, request: Request, paginator: Paginator, records: str | None = "data") -> list[Any]:
    """The ids of every record of the listing."""

    async def go() -> list[Any]:
        client = SourceClient(url, NoAuth(), tool="test")
        try:
            return [r["id"] async for page in pages(client, request, paginator, records=records) for r in page.records]
        finally:
            await client.aclose()

    return asyncio.run(go())


def page(*ids: int, **extra: Any) -> dict[str, Any]:
    return {"data": [{"id": i} for i in ids], **extra}


def test_offset_token_sends_limit_then_the_token_until_has_next_is_false() -> None:
    script = Script().then(Reply(200, page(1, 2, hasNext=True, next="tok-a")), Reply(200, page(3, hasNext=False)))
    with serve(script) as url:
        assert read(url, Request("GET", "/opportunities", {"tag": "x"}), OffsetToken(limit=2)) == [1, 2, 3]
    assert [s["query"] for s in script.seen] == [
        {"tag": "x", "limit": "2"},
        {"tag": "x", "limit": "2", "offset": "tok-a"},
    ]


def test_offset_token_without_a_token_is_an_error() -> None:
    with serve(Script().then(Reply(200, page(1, hasNext=True)))) as url, pytest.raises(PagingError, match="hasNext"):
        read(url, Request("GET", "/postings"), OffsetToken())


def test_cursor_in_body_sends_the_cursor_back_with_the_first_parameters() -> None:
    script = Script().then(
        Reply(200, page(1, meta={"next_cursor": "c1"})), Reply(200, page(2, meta={"next_cursor": None}))
    )
    with serve(script) as url:
        assert read(url, Request("GET", "/candidates", {"q": "a"}), CursorInBody("meta.next_cursor", limit=50)) == [
            1,
            2,
        ]
    assert [s["query"] for s in script.seen] == [{"q": "a", "limit": "50"}, {"q": "a", "limit": "50", "cursor": "c1"}]


def test_link_header_follows_the_next_url_verbatim() -> None:
    script = Script()
    with serve(script) as url:
        cursor = "eyJpZCI6IDQyfQ%3D%3D"  # percent-encoded base64, as Greenhouse sends it
        script.then(
            Reply(200, [{"id": 1}], headers={"Link": f'<{url}/v3/candidates?cursor={cursor}>; rel="next"'}),
            Reply(
                200, [{"id": 2}], headers={"Link": f'<{url}/v3/candidates?cursor=second>; rel="next", <x>; rel="prev"'}
            ),
            Reply(200, [{"id": 3}]),  # no Link: the last page
        )
        first = Request("GET", "/v3/candidates", {"updated_at": "gte|2024-01-01T00:00:00.000Z"})
        assert read(url, first, LinkHeader(limit=500), records=None) == [1, 2, 3]
    assert script.seen[0]["query"] == {"updated_at": "gte|2024-01-01T00:00:00.000Z", "per_page": "500"}
    # The cursor URLs exactly as handed out: no per_page, no filter, nothing re-encoded.
    assert [s["raw_query"] for s in script.seen[1:]] == [f"cursor={cursor}", "cursor=second"]
    assert [s["path"] for s in script.seen] == ["/v3/candidates"] * 3


def test_next_url_in_the_body_is_followed_verbatim_and_may_be_relative() -> None:
    script = Script().then(
        Reply(200, page(1, paging={"next": "/spi/v3/candidates?since_id=7&limit=2"})),
        Reply(200, page(2, paging={"next": None})),
    )
    with serve(script) as url:
        assert read(url, Request("GET", "/spi/v3/candidates", {"limit": 2}), NextUrl("paging.next")) == [1, 2]
    assert script.seen[1]["raw_query"] == "since_id=7&limit=2"


def test_rpc_cursor_posts_limit_and_cursor_until_no_more_data() -> None:
    script = Script().then(
        Reply(200, {"results": [{"id": "a"}], "moreDataAvailable": True, "nextCursor": "c1"}),
        Reply(200, {"results": [{"id": "b"}], "moreDataAvailable": False, "syncToken": "s9"}),
    )
    with serve(script) as url:
        listing = Request("POST", "/candidate.list", json={"syncToken": "old"})
        assert read(url, listing, RpcCursor(limit=10), records="results") == ["a", "b"]
    assert [s["json"] for s in script.seen] == [
        {"syncToken": "old", "limit": 10},
        {"syncToken": "old", "limit": 10, "cursor": "c1"},
    ]


def test_page_number_stops_at_an_empty_page_or_the_page_count() -> None:
    script = Script().then(Reply(200, page(1, 2)), Reply(200, page(3)), Reply(200, page()))
    with serve(script) as url:
        assert read(url, Request("GET", "/jobs"), PageNumber(size=2)) == [1, 2, 3]
    assert [s["query"] for s in script.seen] == [{"page": str(n), "per_page": "2"} for n in (1, 2, 3)]
    counted = Script().then(Reply(200, page(1, meta={"pages": 2})), Reply(200, page(2, meta={"pages": 2})))
    with serve(counted) as url:
        assert read(url, Request("GET", "/jobs"), PageNumber(total_pages="meta.pages")) == [1, 2]
    assert len(counted.seen) == 2


def test_offset_stops_at_a_short_page() -> None:
    script = Script().then(Reply(200, page(1, 2)), Reply(200, page(3)))
    with serve(script) as url:
        assert read(url, Request("GET", "/offers"), Offset(limit=2)) == [1, 2, 3]
    assert [s["query"] for s in script.seen] == [{"limit": "2", "offset": "0"}, {"limit": "2", "offset": "2"}]


def test_offset_until_empty_reads_past_a_short_page() -> None:
    """A source that answers fewer records than asked for (a cap it does not announce) is read on
    from the records it gave, to the first empty page."""
    script = Script().then(Reply(200, page(1, 2)), Reply(200, page(3)), Reply(200, page()))
    with serve(script) as url:
        assert read(url, Request("GET", "/candidates"), Offset(limit=3, until_empty=True)) == [1, 2, 3]
    assert [s["query"]["offset"] for s in script.seen] == ["0", "2", "3"]


def _looping(paginator: Paginator, url: str) -> tuple[Reply, Request]:
    """A reply that hands out the same continuation every time, for `paginator`."""
    body: dict[str, Any] = {
        "data": [{"id": 1}],
        "results": [{"id": 1}],
        "hasNext": True,
        "next": "same",
        "meta": {"next_cursor": "same"},
        "paging": {"next": f"{url}/items?page=same"},
        "moreDataAvailable": True,
        "nextCursor": "same",
    }
    headers = {"Link": f'<{url}/items?cursor=same>; rel="next"'}
    method = "POST" if isinstance(paginator, RpcCursor) else "GET"
    return Reply(200, body, headers=headers), Request(method, "/items")


@pytest.mark.parametrize(
    "paginator",
    [OffsetToken(), CursorInBody("meta.next_cursor"), LinkHeader(), NextUrl("paging.next"), RpcCursor()],
    ids=lambda p: type(p).__name__,
)
def test_a_continuation_handed_out_twice_is_a_loop(paginator: Paginator) -> None:
    script = Script()
    with serve(script) as url:
        script.default, request = _looping(paginator, url)
        records = "results" if isinstance(paginator, RpcCursor) else "data"
        with pytest.raises(PagingLoop, match="the same next page twice"):
            read(url, request, paginator, records=records)
    assert len(script.seen) == 2  # the first page, the one continuation; its repeat is never sent


def test_an_answer_without_its_record_list_is_an_error_not_an_empty_page() -> None:
    script = Script().then(Reply(200, {"paging": {"next": None}}))
    with serve(script) as url, pytest.raises(MappingError, match=r"field 'items\.list' is missing"):
        read(url, Request("GET", "/things"), NextUrl("paging.next"), records="items.list")
