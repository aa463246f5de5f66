"""The shared source client and paginators over real HTTP against a scripted server."""

from __future__ import annotations

import asyncio
import functools
import logging
import socket
import threading
import time
from typing import Any

import pytest

from hirebridge.connectors.framework.auth import BasicKeyAuth
from hirebridge.connectors.framework.errors import (
    CredentialsInvalid,
    PagingLoop,
    RequestRejected,
    RpcError,
    SourceUnavailable,
)
from hirebridge.connectors.framework.http import (
    RetryPolicy,
    SourceClient,
    redact,
    retry_after_seconds,
    run_async_iter,
)
from hirebridge.connectors.framework.paging import OffsetToken, Request, RpcCursor, pages, rpc_failure
from hirebridge.connectors.framework.ratelimit import LocalBucket as TokenBucket
from tests.emulators.scripted import Reply, Script, serve

KEY = "secret-api-key-123"


class Sleeps:
    """Records the waits the client asks for instead of waiting (no wall-clock in tests)."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def client(base_url: str, sleeps: Sleeps | None = None, **kwargs: Any) -> SourceClient:
    return SourceClient(
        base_url, BasicKeyAuth(KEY), tool="test", sleep=sleeps or Sleeps(), retry=RetryPolicy(attempts=4), **kwargs
    )


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def _get(c: SourceClient, path: str = "/x") -> Any:
    try:
        return await c.json("GET", path)
    finally:
        await c.aclose()


def test_retries_429_honouring_retry_after_then_succeeds() -> None:
    script = Script().then(Reply(429, {"e": 1}, headers={"Retry-After": "7"}), Reply(503), Reply(200, {"ok": True}))
    sleeps = Sleeps()
    with serve(script) as url:
        assert run(_get(client(url, sleeps))) == {"ok": True}
    assert len(script.seen) == 3
    assert sleeps.calls[0] == 7  # the server's word, not our backoff
    assert 0 <= sleeps.calls[1] <= 1.0  # full jitter on attempt 1: uniform(0, 0.5 * 2)
    assert script.seen[0]["authorization"] == "Basic c2VjcmV0LWFwaS1rZXktMTIzOg=="  # key as username, empty password


def test_a_429_with_retry_after_holds_every_user_of_the_limiter() -> None:
    """The limiter is shared by every client of the integration: after a 429 with `Retry-After: 2`
    none of them sends for 2 seconds -- here the retry itself waits on the limiter, since the client's
    own (recorded) sleep does not move the limiter's clock."""
    now = [0.0]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    bucket = TokenBucket(rate=10, burst=5, clock=lambda: now[0], sleep=sleep)
    script = Script().then(Reply(429, headers={"Retry-After": "2"}), Reply(200, {"ok": True}))
    with serve(script) as url:
        assert run(_get(client(url, limiter=bucket))) == {"ok": True}
    assert len(script.seen) == 2 and abs(sum(waits) - 2.0) < 1e-6


class CountingLimiter:
    """A limiter that admits everything and counts the requests it was asked for."""

    def __init__(self) -> None:
        self.acquired = 0
        self.penalties: list[float] = []

    async def acquire(self) -> None:
        self.acquired += 1

    async def penalize(self, seconds: float) -> None:
        self.penalties.append(seconds)


def test_each_hop_of_a_followed_redirect_goes_through_the_limiter() -> None:
    """A link that redirects to the file is two requests to the vendor: both are paced."""
    limiter = CountingLimiter()
    script = Script().then(Reply(302, headers={"Location": "/file"}), Reply(200, {"ok": True}))
    with serve(script) as url:
        assert run(_get(client(url, limiter=limiter, follow_redirects=True), "/link")) == {"ok": True}
    assert [s["path"] for s in script.seen] == ["/link", "/file"]
    assert limiter.acquired == 2


def test_a_spent_rate_limit_window_holds_every_user_of_the_limiter_until_its_reset() -> None:
    """`X-RateLimit-Remaining: 0` on a success: the window is spent (maybe by another client of the
    same key), so the limiter is held until `X-RateLimit-Reset` -- Unix seconds, or seconds from now."""
    limiter = CountingLimiter()
    reset_at = str(int(time.time()) + 3)
    script = Script().then(
        Reply(200, {"a": 1}, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset_at}),
        Reply(200, {"b": 2}, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "2"}),
        Reply(200, {"c": 3}, headers={"X-RateLimit-Remaining": "5", "X-RateLimit-Reset": "2"}),
    )
    with serve(script) as url:
        for _ in range(3):
            run(
                _get(
                    SourceClient(url, BasicKeyAuth(KEY), tool="test", limiter=limiter, retry=RetryPolicy(max_delay=10))
                )
            )
    assert len(limiter.penalties) == 2
    assert 1 < limiter.penalties[0] <= 3 and limiter.penalties[1] == 2


def test_timeouts_are_retried_and_exhaustion_is_source_unavailable() -> None:
    script = Script().then(Reply(200, {"late": True}, delay=1.0), Reply(200, {"ok": True}))
    with serve(script) as url:
        assert run(_get(client(url, timeout=0.2))) == {"ok": True}
    script = Script(default=Reply(502))
    with serve(script) as url, pytest.raises(SourceUnavailable, match="HTTP 502 after 4 attempts"):
        run(_get(client(url)))
    assert len(script.seen) == 4


def test_connection_errors_are_retried() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    sleeps = Sleeps()
    with pytest.raises(SourceUnavailable, match="connection refused"):
        run(_get(client(url, sleeps)))
    assert len(sleeps.calls) == 3


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, CredentialsInvalid), (403, CredentialsInvalid), (404, RequestRejected), (422, RequestRejected)],
)
def test_other_4xx_are_fatal_at_once(status: int, error: type[Exception]) -> None:
    script = Script(default=Reply(status, {"message": "no"}))
    with serve(script) as url, pytest.raises(error):
        run(_get(client(url)))
    assert len(script.seen) == 1


def test_a_body_that_is_not_json_is_an_error() -> None:
    script = Script(default=Reply(200, raw=b'{"data": [1, 2'))
    with serve(script) as url, pytest.raises(SourceUnavailable, match="not JSON"):
        run(_get(client(url)))


def test_secrets_never_reach_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    assert redact("https://x.test/a?api_key=abc&limit=5") == "https://x.test/a?api_key=***&limit=5"
    caplog.set_level(logging.DEBUG, logger="hirebridge.connectors.framework.http")
    script = Script().then(Reply(500), Reply(200, {}))
    with serve(script) as url:
        run(_get(client(url), f"/x?api_key={KEY}&page=2"))
    assert caplog.records and all(KEY not in r.getMessage() for r in caplog.records)
    assert KEY not in repr(BasicKeyAuth(KEY))


@pytest.mark.fast
def test_retry_after_parsing() -> None:
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date in the past: no wait


@pytest.mark.fast
def test_token_bucket_allows_the_burst_then_the_rate() -> None:
    now = [0.0]
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    bucket = TokenBucket(rate=10, burst=20, clock=lambda: now[0], sleep=fake_sleep)

    async def take(n: int) -> None:
        for _ in range(n):
            await bucket.acquire()

    asyncio.run(take(50))
    # 20 at once, then 30 more at 10/s: three seconds of waiting in all.
    assert waits[:1] and abs(sum(waits) - 3.0) < 1e-6 and abs(now[0] - 3.0) < 1e-6


def test_child_requests_run_with_bounded_concurrency() -> None:
    script = Script(default=Reply(200, {"ok": True}, delay=0.05))

    async def fan_out(url: str) -> list[Any]:
        c = client(url, max_concurrency=3)
        try:
            return await c.bounded([functools.partial(c.json, "GET", f"/child/{i}") for i in range(12)])
        finally:
            await c.aclose()

    with serve(script) as url:
        assert run(fan_out(url)) == [{"ok": True}] * 12
    assert script.max_in_flight == 3


def test_offset_token_pages_follow_next_until_has_next_is_false() -> None:
    script = Script().then(
        Reply(200, {"data": [{"id": 1}, {"id": 2}], "hasNext": True, "next": "tok-a"}),
        Reply(200, {"data": [{"id": 3}], "hasNext": False}),
    )
    with serve(script) as url:
        c = client(url)
        listing = Request("GET", "/v1/opportunities", {"confidentiality": "all"})
        answered = list(run_async_iter(lambda: pages(c, listing, OffsetToken())))
    assert [r["id"] for p in answered for r in p.records] == [1, 2, 3]
    assert script.seen[0]["query"] == {"confidentiality": "all", "limit": "100"}
    assert script.seen[1]["query"] == {"confidentiality": "all", "limit": "100", "offset": "tok-a"}


def test_a_repeated_token_is_a_loop() -> None:
    script = Script(default=Reply(200, {"data": [{"id": 1}], "hasNext": True, "next": "same"}))
    with serve(script) as url, pytest.raises(PagingLoop):
        c = client(url)
        list(run_async_iter(lambda: pages(c, Request("GET", "/v1/postings"), OffsetToken())))


def test_rpc_cursor_pages_check_success_and_return_the_sync_token() -> None:
    script = Script().then(
        Reply(200, {"success": True, "results": [{"id": "a"}], "moreDataAvailable": True, "nextCursor": "c1"}),
        Reply(200, {"success": True, "results": [{"id": "b"}], "moreDataAvailable": False, "syncToken": "s9"}),
    )
    with serve(script) as url:
        c = client(url)
        listing = Request("POST", "/application.list", json={"syncToken": "old"})
        answered = list(run_async_iter(lambda: pages(c, listing, RpcCursor(), records="results", failure=rpc_failure)))
    assert [p.body.get("syncToken") for p in answered] == [None, "s9"]
    assert script.seen[1]["json"] == {"syncToken": "old", "limit": 100, "cursor": "c1"}
    failing = Script(
        default=Reply(200, {"success": False, "errorInfo": {"code": "sync_token_expired", "message": "expired"}})
    )
    with serve(failing) as url, pytest.raises(RpcError) as raised:
        c = client(url)
        list(run_async_iter(lambda: pages(c, Request("POST", "/candidate.list"), RpcCursor(), failure=rpc_failure)))
    assert raised.value.code == "sync_token_expired"


@pytest.mark.fast
def test_run_async_iter_reads_ahead_of_its_consumer_up_to_its_limit() -> None:
    """While the engine writes a page the source keeps being read, but never more than `read_ahead`
    items ahead (memory stays bounded whatever the source's size)."""
    produced: list[int] = []

    async def source() -> Any:
        for n in range(50):
            produced.append(n)
            yield n

    items = run_async_iter(source, read_ahead=10)
    assert next(items) == 0
    # The consumer is "busy" now: the reader fills the queue (10) and holds one more item in hand.
    deadline = 2000
    while len(produced) < 12 and deadline:
        threading.Event().wait(0.005)
        deadline -= 1
    assert 11 <= len(produced) <= 12
    assert list(items) == list(range(1, 50))


@pytest.mark.fast
def test_run_async_iter_raises_the_sources_error_in_the_consumer_after_the_items_before_it() -> None:
    async def source() -> Any:
        yield 1
        yield 2
        raise SourceUnavailable("gone")

    items = run_async_iter(source)
    assert [next(items), next(items)] == [1, 2]
    with pytest.raises(SourceUnavailable, match="gone"):
        next(items)


@pytest.mark.fast
def test_closing_run_async_iter_cancels_the_reader_and_runs_the_sources_cleanup() -> None:
    """A run that stops (SIGTERM, a failed write) closes the stream: the reader stops at once, even
    in the middle of a wait on the source, and the source's clients are closed."""
    cleaned = threading.Event()

    async def source() -> Any:
        try:
            yield 1
            await asyncio.sleep(3600)  # a request that would take an hour
            yield 2
        finally:
            cleaned.set()

    items = run_async_iter(source)
    assert next(items) == 1
    readers = [t for t in threading.enumerate() if t.name == "source-reader"]
    items.close()
    assert cleaned.is_set()
    assert not any(t.is_alive() for t in readers)
