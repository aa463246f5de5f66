"""Request bodies (PUT /integrations/{id}/enabled, POST /force-sync): the caller is authenticated before
any of the body is read, and bodies are capped (HIREBRIDGE_MAX_BODY_BYTES, 1 MiB by default) with a 413
in Kombo's envelope -- by the declared Content-Length up front, and by counting a chunked body as it
arrives. A client without a key cannot make the server read (or buffer) its body.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hirebridge.api import server as api_server
from hirebridge.api.body import json_object
from hirebridge.api.errors import ApiError, handle_api_error
from hirebridge.api.limits import Limits
from hirebridge.config import get_settings
from tests.conftest import Server
from tests.support import World, synced_world

LIMIT = get_settings().max_body_bytes
CHUNK = b" " * 65536  # JSON whitespace: a valid start of a body, however long


@pytest.fixture
def world(engine: Engine, server: Server) -> World:
    return synced_world(engine, server, applications=3)


def body_endpoints(world: World) -> list[tuple[str, str]]:
    return [
        ("PUT", f"{world.server.base_url}/integrations/{world.integration_id}/enabled"),
        ("POST", f"{world.server.base_url}/force-sync"),
    ]


class Stream:
    """A chunked request body of `total` bytes that records how much of it the client sent."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        while self.sent < self.total:
            self.sent += len(CHUNK)
            yield CHUNK


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["status"] == "error" and body["error"]["code"] == code, body
    assert set(body["error"]) == {"code", "title", "message", "log_url"}


def raw_response(port: int, head: bytes, timeout: float = 10) -> tuple[bytes, bool]:
    """Send a request head (and no body), return (the response, whether the server then closed)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head)
        received = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                return received, False
            if not chunk:
                return received, True
            received += chunk


def port_of(world: World) -> int:
    return httpx.URL(world.server.base_url).port or 80


# --- authentication comes first ------------------------------------------------------------------


def test_a_keyless_streamed_body_is_401_and_not_read(world: World) -> None:
    for method, url in body_endpoints(world):
        for headers in ({}, {"Authorization": "Bearer not-a-key-not-a-key"}):
            body = Stream(256 << 20)
            response = httpx.request(method, url, content=body, headers=headers, timeout=60)
            assert_error(response, 401, "PLATFORM.AUTHENTICATION_INVALID")
            # The server answered and closed the connection; the client's writes stopped at what the
            # sockets' buffers held.
            assert body.sent < body.total // 4, (method, url, body.sent)


def test_a_keyless_request_declaring_a_huge_body_is_answered_without_waiting_for_it(world: World) -> None:
    for method, url in body_endpoints(world):
        path = httpx.URL(url).raw_path
        head = b"%s %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (
            method.encode(),
            path,
            1 << 30,
        )
        response, closed = raw_response(port_of(world), head)
        assert response.startswith(b"HTTP/1.1 401 "), response[:200]
        assert b"PLATFORM.AUTHENTICATION_INVALID" in response
        assert closed, "the server kept the connection to read a gigabyte nobody asked for"


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'{"value": "yes"}', b'{"type": "SOMETIMES"}', b"\xff"])
def test_a_malformed_body_without_a_key_is_401(world: World, body: bytes) -> None:
    for method, url in body_endpoints(world):
        response = httpx.request(method, url, content=body, headers={"X-Integration-Id": world.integration_id})
        assert_error(response, 401, "PLATFORM.AUTHENTICATION_INVALID")


def test_a_body_for_a_foreign_integration_is_404_before_it_is_read(world: World) -> None:
    """Authorization (whose integration) is decided before the body too."""
    url = f"{world.server.base_url}/integrations/26vafvWSRmbhNcxJYqjCzuJg/enabled"
    response = httpx.put(url, content=b"{not json", headers=world.headers())
    assert_error(response, 404, "PLATFORM.INTEGRATION_NOT_FOUND")


# --- the size limit ------------------------------------------------------------------------------


def test_a_declared_body_over_the_limit_is_413_before_it_is_read(world: World) -> None:
    for method, url in body_endpoints(world):
        path = httpx.URL(url).raw_path
        head = b"%s %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nX-Integration-Id: %s\r\n" % (
            method.encode(),
            path,
            world.tenant.api_key.encode(),
            world.integration_id.encode(),
        )
        response, closed = raw_response(port_of(world), head + b"Content-Length: %d\r\n\r\n" % (LIMIT + 1))
        assert response.startswith(b"HTTP/1.1 413 "), response[:200]
        assert b"application/json" in response and b"PLATFORM.INPUT_INVALID" in response
        assert closed


def test_bodies_over_the_limit_are_413_sent_whole_or_streamed(world: World) -> None:
    with httpx.Client(headers=world.headers(), timeout=60) as client:
        for method, url in body_endpoints(world):
            whole = client.request(method, url, content=b" " * (LIMIT + 1))
            assert_error(whole, 413, "PLATFORM.INPUT_INVALID")
            assert str(LIMIT) in whole.json()["error"]["message"]
            streamed = Stream(256 << 20)
            response = client.request(method, url, content=streamed)
            assert_error(response, 413, "PLATFORM.INPUT_INVALID")
            # Refused at the first chunk past the limit, then the connection closed.
            assert streamed.sent < streamed.total // 4, streamed.sent
            assert response.headers.get("connection") == "close"


def test_a_body_of_exactly_the_limit_is_read(world: World) -> None:
    url = body_endpoints(world)[0][1]
    body = b'{"value": true}'
    body += b" " * (LIMIT - len(body))
    assert len(body) == LIMIT
    with httpx.Client(headers=world.headers()) as client:
        assert client.put(url, content=body).status_code == 200
        streamed = client.put(url, content=iter([body[: LIMIT // 2], body[LIMIT // 2 :]]))
        assert streamed.status_code == 200, streamed.text


def test_small_refused_bodies_keep_the_connection(world: World) -> None:
    """A refused body within the limit is drained, not a reason to drop a keep-alive connection."""
    method, url = body_endpoints(world)[0]
    with httpx.Client(timeout=10) as client:
        first = client.request(method, url, content=b'{"value": true}')
        assert_error(first, 401, "PLATFORM.AUTHENTICATION_INVALID")
        assert first.headers.get("connection") != "close"
        port = first.extensions["network_stream"].get_extra_info("client_addr")[1]
        second = client.request(method, url, content=b'{"value": true}', headers=world.headers())
        assert second.status_code == 200
        assert second.extensions["network_stream"].get_extra_info("client_addr")[1] == port


# --- an endpoint may take larger bodies ----------------------------------------------------------


@pytest.fixture
def upload_server() -> Iterator[str]:
    """A stand-in for a future upload endpoint: it asks for 3x the default limit."""

    async def upload(request: Request) -> Response:
        body = await json_object(request, required=True, limit=3 * LIMIT)
        return JSONResponse({"size": len(body["data"])})

    async def small(request: Request) -> Response:
        body = await json_object(request, required=True)
        return JSONResponse({"size": len(body["data"])})

    app = Starlette(
        routes=[Route("/upload", upload, methods=["POST"]), Route("/small", small, methods=["POST"])],
        exception_handlers={ApiError: handle_api_error},
    )
    app.state.limits = Limits.of(get_settings())
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    uv = uvicorn.Server(api_server.config(app, lifespan="off"))
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uv.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    uv.should_exit = True
    thread.join(10)
    sock.close()


def test_an_endpoint_can_take_more_than_the_default(upload_server: str) -> None:
    payload = b'{"data": "' + b"a" * (2 * LIMIT) + b'"}'
    assert httpx.post(f"{upload_server}/upload", content=payload).json() == {"size": 2 * LIMIT}
    assert_error(httpx.post(f"{upload_server}/small", content=payload), 413, "PLATFORM.INPUT_INVALID")
    too_big = b'{"data": "' + b"a" * (3 * LIMIT) + b'"}'
    refused = httpx.post(f"{upload_server}/upload", content=too_big)
    assert_error(refused, 413, "PLATFORM.INPUT_INVALID")
    assert str(3 * LIMIT) in refused.json()["error"]["message"]


def test_a_keyless_client_waiting_for_100_continue_gets_401_instead(world: World) -> None:
    """The body is never asked for (no `100 Continue`); the connection closes, as the client may
    still send it or not."""
    method, url = body_endpoints(world)[1]
    head = b"%s %s HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 16\r\n\r\n" % (
        method.encode(),
        httpx.URL(url).raw_path,
    )
    response, closed = raw_response(port_of(world), head)
    assert response.startswith(b"HTTP/1.1 401 "), response[:200]
    assert b"100 Continue" not in response
    assert closed


def test_pipelined_requests_after_a_drained_body_are_answered(world: World) -> None:
    """A refused body within the limit is drained and the requests behind it on the connection are
    answered in order (also when reads split the heads anywhere)."""
    with socket.create_connection(("127.0.0.1", port_of(world)), timeout=10) as sock:
        sock.sendall(b"POST /v1/force-sync HTTP/1.1\r\nHost: x\r\nContent-")
        time.sleep(0.1)
        sock.sendall(b"Length: 150000\r\n\r\n" + b" " * 150_000 + b"GET /health HTTP/1.1\r\nHo")
        time.sleep(0.1)
        sock.sendall(b"st: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        received = b""
        while received.count(b"HTTP/1.1 ") < 3 or not received.endswith(b'{"status":"ok"}'):
            chunk = sock.recv(65536)
            assert chunk, received
            received += chunk
    statuses = re.findall(rb"HTTP/1\.1 (\d{3}) ", received)
    assert statuses == [b"401", b"200", b"200"], received
