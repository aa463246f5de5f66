"""A request head over the limits -- a long URL (`ids` with 10,000 values, a 100 KB query), large or many
header fields, or a head that never ends -- and a request that is not HTTP at all get Kombo's JSON error
envelope (414 / 431 / 400, `PLATFORM.INPUT_INVALID`), never uvicorn's plain-text 400, and are refused
as soon as the bytes show it, without buffering the rest.

Through the real server (`server` fixture: uvicorn with HireBridge's protocol, as `hirebridge serve`
runs it), with raw bytes over a socket and with httpx; and under uvicorn's own protocol, where the
app's `RequestLimits` middleware applies the same limits.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import uvicorn
from sqlalchemy import Engine

from hirebridge import ids
from hirebridge.api import server as api_server
from hirebridge.api.app import create_app
from hirebridge.config import get_settings
from tests.conftest import Server
from tests.support import World, synced_world

SETTINGS = get_settings()
MAX_URL = SETTINGS.max_url_bytes
MAX_HEADER = SETTINGS.max_header_bytes


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    closed: bool  # the server closed the connection after it

    def error(self) -> dict[str, Any]:
        """The Kombo error envelope of the reply (asserting it is one)."""
        assert self.headers.get("content-type") == "application/json", (self.status, self.headers, self.body[:200])
        envelope = orjson.loads(self.body)
        assert envelope["status"] == "error", envelope
        assert set(envelope["error"]) == {"code", "title", "message", "log_url"}, envelope
        assert envelope["error"]["code"] == "PLATFORM.INPUT_INVALID", envelope
        assert envelope["error"]["title"] and envelope["error"]["message"] and envelope["error"]["log_url"] is None
        error: dict[str, Any] = envelope["error"]
        return error


@dataclass
class Sent:
    bytes: int = 0


def exchange(port: int, data: bytes | Iterator[bytes], sent: Sent | None = None, timeout: float = 15) -> Reply:
    """Send `data` (bytes, or pieces sent one by one) over a fresh connection while reading the reply:
    one response, parsed by hand (no HTTP client smooths anything over)."""
    sent = sent or Sent()
    pieces = iter([data]) if isinstance(data, bytes) else data
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)

    def send() -> None:
        try:
            for piece in pieces:
                sock.sendall(piece)
                sent.bytes += len(piece)
        except OSError:  # the server refused and closed
            pass

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    received = b""
    closed = False
    try:
        while True:
            head, sep, rest = received.partition(b"\r\n\r\n")
            if sep:
                length = next(
                    (
                        int(line.split(b":", 1)[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    None,
                )
                if length is not None and len(rest) >= length:
                    break
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            received += chunk
        if not closed:  # was the connection closed after the response?
            sock.settimeout(2)
            try:
                closed = sock.recv(1) == b""
            except ConnectionResetError:
                closed = True
            except TimeoutError:
                closed = False
    finally:
        sock.close()
        sender.join(10)
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 "), f"no HTTP response: {received[:200]!r}"
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, value in (line.split(":", 1) for line in lines)}
    return Reply(int(status_line.split(" ")[1]), headers, body, closed)


def get(target: str, *headers: str) -> bytes:
    return ("\r\n".join([f"GET {target} HTTP/1.1", "Host: hirebridge", *headers]) + "\r\n\r\n").encode()


def port_of(server: Server) -> int:
    return httpx.URL(server.base_url).port or 80


def many_ids(count: int) -> list[str]:
    return [ids.random_id() for _ in range(count)]


# --- the request target: 414 ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "/v1/ats/applications?ids=" + ",".join(many_ids(10_000)),
        "/v1/ats/applications?remote_ids=" + "x" * 100_000,
        "/health?" + "q" * (MAX_URL - len("/health?") + 1),  # one byte over
        "/v1/ats/jobs?" + "a" * 70_000,  # past what httptools itself can parse (65535)
        "/" + "p" * 1_000_000,
    ],
    ids=["10k-ids", "100kB-query", "limit+1", "70kB", "1MB-path"],
)
def test_an_over_long_url_is_414_in_the_envelope(server: Server, target: str) -> None:
    reply = exchange(port_of(server), get(target))
    assert reply.status == 414, (reply.status, reply.body[:200])
    assert str(MAX_URL) in reply.error()["message"]
    assert reply.closed


def test_a_url_of_exactly_the_limit_reaches_the_app(server: Server) -> None:
    target = "/health?" + "q" * (MAX_URL - len("/health?"))
    assert len(target) == MAX_URL
    reply = exchange(port_of(server), get(target))
    assert reply.status == 200 and orjson.loads(reply.body) == {"status": "ok"}


def test_ids_within_the_limit_reach_the_listing(world: World) -> None:
    """1,000 ids (25 kB) are under the URL limit: the listing answers (404 naming the unknown ids)."""
    unknown = many_ids(1_000)
    response = world.get("/ats/applications", {"ids": ",".join(unknown)})
    assert response.status_code == 404, response.text
    assert unknown[-1] in response.json()["error"]["message"]


def test_httpx_sees_414_for_too_many_ids(world: World) -> None:
    # 2,000 ids (50 kB): httpx itself refuses to send a query over 64 kB, such as 10,000 ids.
    response = world.get("/ats/applications", {"ids": ",".join(many_ids(2_000))})
    assert response.status_code == 414
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"]["code"] == "PLATFORM.INPUT_INVALID"


# --- header fields: 431 --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        ["X-Big: " + "a" * 100_000],
        ["X-Big: " + "a" * 1_000_000],
        [f"X-{i}: a" for i in range(20_000)],
        ["Authorization: Bearer " + "k" * (MAX_HEADER + 1)],
    ],
    ids=["100kB", "1MB", "20k-fields", "huge-key"],
)
def test_over_large_header_fields_are_431_in_the_envelope(server: Server, headers: list[str]) -> None:
    reply = exchange(port_of(server), get("/v1/check-api-key", *headers))
    assert reply.status == 431, (reply.status, reply.body[:200])
    assert str(MAX_HEADER) in reply.error()["message"]


def test_header_fields_of_exactly_the_limit_reach_the_app(server: Server) -> None:
    # Counted as name + value + 4 (": " and CRLF), the Host field included.
    host = len("Host") + len("hirebridge") + 4
    pad = MAX_HEADER - host - len("X-Pad") - 4
    reply = exchange(port_of(server), get("/health", "X-Pad: " + "a" * pad))
    assert reply.status == 200, (reply.status, reply.body[:200])
    over = exchange(port_of(server), get("/health", "X-Pad: " + "a" * (pad + 1)))
    assert over.status == 431


def test_httpx_sees_431_for_a_huge_header(world: World) -> None:
    url = f"{world.server.base_url}/ats/applications"
    response = httpx.get(url, headers=world.headers(**{"X-Big": "a" * 100_000}))
    assert response.status_code == 431
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"]["code"] == "PLATFORM.INPUT_INVALID"


def test_a_header_field_that_never_ends_is_refused_while_it_arrives(server: Server) -> None:
    """A field streamed in small pieces is refused once the bytes pass the limits, not buffered to
    its end (there is none: the client would send 64 MB)."""
    total = 64 << 20

    def pieces() -> Iterator[bytes]:
        yield b"GET /v1/check-api-key HTTP/1.1\r\nHost: hirebridge\r\nX-Endless: "
        for _ in range(total // 16384):
            yield b"a" * 16384

    sent = Sent()
    reply = exchange(port_of(server), pieces(), sent)
    assert reply.status == 431, (reply.status, reply.body[:200])
    reply.error()
    assert reply.closed
    assert sent.bytes < total // 4, sent.bytes


def test_a_request_line_that_never_ends_is_refused_while_it_arrives(server: Server) -> None:
    total = 64 << 20

    def pieces() -> Iterator[bytes]:
        yield b"GET /health?"
        for _ in range(total // 16384):
            yield b"q" * 16384

    sent = Sent()
    reply = exchange(port_of(server), pieces(), sent)
    assert reply.status == 414
    reply.error()
    assert sent.bytes < total // 4, sent.bytes


# --- not HTTP: 400 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"GARBAGE\r\n\r\n",
        b"GET /health HTTP/1.1\r\nHost: hirebridge\r\nBad Header Name: x\r\n\r\n",
        b"GET /health HTTP/1.1\r\nHost: hirebridge\r\nContent-Length: ten\r\n\r\n",
        b"GET /he alth HTTP/1.1\r\nHost: hirebridge\r\n\r\n",
    ],
    ids=["garbage", "bad-field-name", "bad-content-length", "space-in-target"],
)
def test_a_malformed_request_is_400_in_the_envelope(server: Server, data: bytes) -> None:
    reply = exchange(port_of(server), data)
    assert reply.status == 400, (reply.status, reply.body[:200])
    reply.error()
    assert reply.closed


# --- `hirebridge serve` runs the same protocol, in one process and in several -------------------


@pytest.mark.parametrize("workers", [1, 2])
def test_hirebridge_serve_answers_with_the_envelope(tmp_path: Path, workers: int) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    env = {
        **os.environ,
        "HIREBRIDGE_DATABASE_URL": f"sqlite:///{tmp_path / 'hirebridge.db'}",
        "HIREBRIDGE_MAX_URL_BYTES": "2048",  # the setting reaches every server process
    }
    command = [sys.executable, "-m", "hirebridge.cli", "serve", "--port", str(port), "--workers", str(workers)]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            try:
                if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "serve did not start"
            time.sleep(0.2)
        # Several connections: with workers, more than one process answers.
        for _ in range(4):
            long_url = exchange(port, get("/health?" + "q" * 3000))
            assert long_url.status == 414 and "2048" in long_url.error()["message"]
            assert exchange(port, get("/health", "X-Big: " + "a" * 100_000)).status == 431
            garbage = exchange(port, b"GARBAGE\r\n\r\n")
            assert garbage.status == 400
            garbage.error()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)


# --- the same limits in the app, under uvicorn's own protocol -------------------------------------


@pytest.fixture
def plain_uvicorn(engine: Engine) -> Iterator[int]:
    """The app under uvicorn's h11 protocol, told to accept any head: only the app's middleware
    stands between an oversized head and the endpoints (as under a server HireBridge did not start)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = api_server.config(create_app(engine), http="h11", h11_max_incomplete_event_size=64 << 20, lifespan="off")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uv.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.01)
    yield sock.getsockname()[1]
    uv.should_exit = True
    thread.join(10)
    sock.close()


def test_the_app_applies_the_limits_under_any_server(plain_uvicorn: int) -> None:
    base = f"http://127.0.0.1:{plain_uvicorn}"
    with httpx.Client() as client:
        long_url = client.get(f"{base}/health", params={"q": "a" * MAX_URL})
        assert long_url.status_code == 414
        assert long_url.json()["error"]["code"] == "PLATFORM.INPUT_INVALID"
        big_header = client.get(f"{base}/health", headers={"X-Big": "a" * MAX_HEADER})
        assert big_header.status_code == 431
        assert big_header.json()["error"]["code"] == "PLATFORM.INPUT_INVALID"
        assert client.get(f"{base}/health").status_code == 200


@pytest.fixture
def world(engine: Engine, server: Server) -> World:
    return synced_world(engine, server, applications=1)
