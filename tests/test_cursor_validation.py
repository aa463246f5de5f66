"""A forged or damaged `cursor` is a client error on every listing: 400 PLATFORM.INPUT_INVALID, and
the keep-alive connection it came on goes on serving -- never a 500 that drops the connection.

Cursors are opaque to clients, but a client can decode and re-encode one (base64url of a JSON
object); the server must reject whatever it did not issue that it cannot answer, on both databases.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from hirebridge.api.app import LISTINGS
from tests.conftest import Server
from tests.support import World, synced_world

UPDATED_AFTER = "2000-01-01T00:00:00.000Z"


def forge(payload: Any) -> str:
    # The stdlib encoder: orjson refuses integers beyond 64 bits, which a forger need not.
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


# Cursors of a plain walk (no `updated_after`).
BAD_PLAIN = {
    "pk beyond 64 bits": forge({"pk": 2**63}),
    "pk far beyond 64 bits": forge({"pk": 10**30}),
    "negative pk": forge({"pk": -1}),
    "pk as text": forge({"pk": "1"}),
    "pk as float": forge({"pk": 1.0}),
    "pk as bool": forge({"pk": True}),
    "pk missing": forge({}),
    "unknown key": forge({"pk": 1, "x": 1}),
    "updated_after kind": forge({"pk": 1, "u": "2024-01-01T00:00:00+00:00"}),
    "not an object": forge([1]),
    "JSON null": forge(None),
    "not JSON": base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    "not base64url": "a+b/c===",
    "empty": "",
    "oversized": forge({"pk": 1, "pad": "x" * 2000}),
}

# Cursors of an `updated_after` walk.
BAD_UPDATED_AFTER = {
    "u past year 9999 in UTC": forge({"pk": 1, "u": "9999-12-31T23:59:59-05:00"}),
    "u before year 1 in UTC": forge({"pk": 1, "u": "0001-01-01T00:00:00+05:00"}),
    "pk beyond 64 bits": forge({"pk": 2**63, "u": "2024-01-01T00:00:00+00:00"}),
    "negative pk": forge({"pk": -5, "u": "2024-01-01T00:00:00+00:00"}),
    "naive u": forge({"pk": 1, "u": "2024-01-01T00:00:00"}),
    "date-only u": forge({"pk": 1, "u": "2024-01-01"}),
    "u not a time": forge({"pk": 1, "u": "yesterday"}),
    "u as number": forge({"pk": 1, "u": 1700000000}),
    "u null": forge({"pk": 1, "u": None}),
    "plain kind": forge({"pk": 1}),
    "unknown key": forge({"pk": 1, "u": "2024-01-01T00:00:00+00:00", "x": 1}),
}

# At the edges of what is valid: answered (with an empty page), which proves both databases bind them.
GOOD_PLAIN = [forge({"pk": 0}), forge({"pk": 2**63 - 1})]
GOOD_UPDATED_AFTER = [
    forge({"pk": 2**63 - 1, "u": "9999-12-31T23:59:59.999999+00:00"}),
    forge({"pk": 0, "u": "9999-12-31T18:59:59-05:00"}),
    forge({"pk": 0, "u": "0001-01-01T05:00:00+05:00"}),
]


@pytest.fixture
def world(engine: Engine, server: Server) -> World:
    return synced_world(engine, server, applications=3)


def client_port(response: httpx.Response) -> int:
    """The local port of the connection that carried `response`."""
    port: int = response.extensions["network_stream"].get_extra_info("client_addr")[1]
    return port


def assert_input_invalid(response: httpx.Response, where: str) -> None:
    assert response.status_code == 400, f"{where}: {response.status_code} {response.text}"
    assert response.headers["content-type"] == "application/json", where
    body = response.json()
    assert body["status"] == "error", where
    assert body["error"]["code"] == "PLATFORM.INPUT_INVALID", where
    assert "cursor" in body["error"]["message"], where
    assert "close" not in response.headers.get("connection", ""), where


@pytest.mark.parametrize("path", sorted(LISTINGS))
def test_forged_cursors_are_400_and_keep_the_connection(world: World, path: str) -> None:
    url = f"{world.server.base_url}/ats/{path}"
    with httpx.Client(headers=world.headers()) as client:
        first = client.get(url)
        assert first.status_code == 200, first.text
        port = client_port(first)
        cases: list[tuple[str, str, dict[str, str]]] = [(name, cursor, {}) for name, cursor in BAD_PLAIN.items()]
        cases += [(name, cursor, {"updated_after": UPDATED_AFTER}) for name, cursor in BAD_UPDATED_AFTER.items()]
        for name, cursor, params in cases:
            where = f"{path}, {name}, {'updated_after' if params else 'plain'} walk"
            assert_input_invalid(client.get(url, params={"cursor": cursor, **params}), where)
            # The same connection answers the next request.
            after = client.get(url, params=params)
            assert after.status_code == 200, f"{where}: next request {after.status_code}"
            assert client_port(after) == port, f"{where}: the connection was dropped"


@pytest.mark.parametrize("path", sorted(LISTINGS))
def test_cursors_at_the_edges_of_the_range_are_answered(world: World, path: str) -> None:
    url = f"{world.server.base_url}/ats/{path}"
    with httpx.Client(headers=world.headers()) as client:
        for cursor in GOOD_PLAIN:
            page = client.get(url, params={"cursor": cursor})
            assert page.status_code == 200, f"{path} {cursor}: {page.text}"
        for cursor in GOOD_UPDATED_AFTER:
            page = client.get(url, params={"cursor": cursor, "updated_after": UPDATED_AFTER})
            assert page.status_code == 200, f"{path} {cursor}: {page.text}"
        # pk 2**63 - 1 is past every row; the far-future cursors are past every change.
        last = client.get(url, params={"cursor": GOOD_PLAIN[1]}).json()["data"]
        assert last == {"next": None, "results": []}
        late = client.get(url, params={"cursor": GOOD_UPDATED_AFTER[0], "updated_after": UPDATED_AFTER})
        assert late.json()["data"] == {"next": None, "results": []}


def test_issued_cursors_still_walk_both_kinds(world: World) -> None:
    """The validation accepts every cursor the server issues (plain and `updated_after` walks)."""
    url = f"{world.server.base_url}/ats/applications"
    walks: list[dict[str, str]] = [{}, {"updated_after": UPDATED_AFTER}]
    for params in walks:
        seen: list[str] = []
        cursor = None
        with httpx.Client(headers=world.headers()) as client:
            while True:
                query = {"page_size": "1", **params, **({"cursor": cursor} if cursor else {})}
                page = client.get(url, params=query)
                assert page.status_code == 200, page.text
                data = page.json()["data"]
                seen += [r["id"] for r in data["results"]]
                cursor = data["next"]
                if cursor is None:
                    break
        assert len(seen) == len(set(seen)) >= 3, params
