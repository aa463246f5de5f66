"""Retries depend on the method, over real HTTP against a scripted server: a request that is safe to
repeat (GET, PUT, DELETE, or one sent with `idempotent=True`) is retried; a POST or PATCH that changes
something is sent once, and when it may have reached the source without an answer saying what
happened it is `OutcomeUnknown` -- unless nothing reached the source (a refused connection) or the
source refused it unread (429)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from hirebridge.connectors.framework.auth import BasicKeyAuth
from hirebridge.connectors.framework.errors import OutcomeUnknown, SourceUnavailable
from hirebridge.connectors.framework.http import RetryPolicy, SourceClient
from tests.emulators.scripted import Reply, Script, serve
from tests.emulators.unreachable import closed_port


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


async def _send(url: str, method: str, sleeps: Sleeps | None = None, **kwargs: Any) -> Any:
    client = SourceClient(
        url, BasicKeyAuth("retry-test-key"), tool="test", retry=RetryPolicy(attempts=3), sleep=sleeps or Sleeps()
    )
    try:
        return await client.json(method, "/things", timeout=0.3, **kwargs)
    finally:
        await client.aclose()


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_idempotent_methods_are_retried_on_5xx(method: str) -> None:
    script = Script().then(Reply(503), Reply(200, {"ok": True}))
    with serve(script) as url:
        assert asyncio.run(_send(url, method)) == {"ok": True}
    assert [seen["method"] for seen in script.seen] == [method, method]


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_a_write_is_sent_once_and_a_5xx_leaves_its_outcome_unknown(method: str) -> None:
    script = Script().then(Reply(503, {"message": "busy"}), Reply(200, {"ok": True}))
    with serve(script) as url, pytest.raises(OutcomeUnknown) as unknown:
        asyncio.run(_send(url, method, json={"name": "Ada"}))
    assert len(script.seen) == 1
    message = str(unknown.value)
    assert (
        f"{method} {url}/things" in message and "HTTP 503" in message and "may or may not have taken effect" in message
    )
    assert not isinstance(unknown.value, SourceUnavailable)  # a run reports SOURCE_ERROR, never "try again later"


def test_a_write_that_times_out_after_it_was_sent_is_outcome_unknown() -> None:
    script = Script().then(Reply(200, {"late": True}, delay=1.0), Reply(200, {"ok": True}))
    with serve(script) as url, pytest.raises(OutcomeUnknown, match="timed out waiting for the answer"):
        asyncio.run(_send(url, "POST", json={"name": "Ada"}))
    assert len(script.seen) == 1


def test_a_write_with_an_idempotency_key_is_retried() -> None:
    script = Script().then(Reply(500), Reply(200, {"late": True}, delay=1.0), Reply(201, {"id": "c1"}))
    with serve(script) as url:
        answer = asyncio.run(_send(url, "POST", json={"name": "Ada"}, idempotent=True))
    assert answer == {"id": "c1"} and len(script.seen) == 3
    assert all(seen["json"] == {"name": "Ada"} for seen in script.seen)


def test_a_write_refused_unread_with_429_is_retried() -> None:
    script = Script().then(Reply(429, headers={"Retry-After": "2"}), Reply(201, {"id": "c1"}))
    sleeps = Sleeps()
    with serve(script) as url:
        assert asyncio.run(_send(url, "POST", sleeps, json={"name": "Ada"})) == {"id": "c1"}
    assert len(script.seen) == 2 and sleeps.calls == [2.0]


def test_a_write_that_could_not_connect_is_retried() -> None:
    """A refused connection: nothing reached the source, so sending again cannot do it twice."""
    sleeps = Sleeps()
    with pytest.raises(SourceUnavailable, match=r"connection refused.* after 3 attempts"):
        asyncio.run(_send(f"http://127.0.0.1:{closed_port()}", "POST", sleeps, json={"name": "Ada"}))
    assert len(sleeps.calls) == 2
