"""What every vendor emulator shares: a real socket on 127.0.0.1, a log of the requests it served,
fault injection, and a server-side rate-limit meter.

A vendor emulator (tests/emulators/lever.py, ashby.py) is a Starlette app built around an
`Emulator`: its routes speak the vendor's protocol; `Emulator.middleware` runs before them and
decides whether this request gets a fault instead of an answer, and meters the request rate the
way the vendor would (a violation is counted, and answered with the vendor's 429).
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import uvicorn
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

FaultKind = Literal["status", "reset", "truncate", "slow", "invalid_json"]


@dataclass(frozen=True)
class Fault:
    """One injected misbehaviour, applied to one request instead of (or on top of) its real answer.

    - status: answer `status` (429, 500, 503...) with `retry_after` as the Retry-After header if given;
    - reset: start a response and drop the connection mid-body (the client sees the connection die);
    - truncate: the real answer, cut in half (invalid JSON with a 200 status);
    - invalid_json: a 200 whose body is not JSON at all;
    - slow: the real answer after `delay` seconds (longer than the client's timeout -> a timeout).
    """

    kind: FaultKind
    status: int = 503
    retry_after: str | None = None
    delay: float = 0.0
    path: str | None = None  # only requests whose path ends with this; None = the next request


@dataclass
class SeenRequest:
    method: str
    path: str
    query: dict[str, str]
    body: bytes
    at: float


@dataclass
class RateMeter:
    """The vendor's limit as a token bucket on the server side: a request finding no token is a violation."""

    rate: float
    burst: int
    violations: int = 0
    _tokens: float = 0.0
    _updated: float = 0.0

    def __post_init__(self) -> None:
        self._tokens = float(self.burst)
        self._updated = time.monotonic()

    def admit(self) -> bool:
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
        self._updated = now
        # Tolerance: the client's and our clocks sample at slightly different moments.
        if self._tokens >= 0.9:
            self._tokens = max(0.0, self._tokens - 1)
            return True
        self.violations += 1
        return False


@dataclass
class Emulator:
    """Shared state of one emulator instance: requests served, faults to inject, the rate meter."""

    api_key: str
    rate: RateMeter | None = None
    requests: list[SeenRequest] = field(default_factory=list)
    faults: deque[Fault] = field(default_factory=deque)
    faults_injected: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def inject(self, *faults: Fault) -> None:
        with self._lock:
            self.faults.extend(faults)

    def requests_to(self, suffix: str) -> list[SeenRequest]:
        return [r for r in self.requests if r.path.endswith(suffix)]

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for i, fault in enumerate(self.faults):
                if fault.path is None or path.endswith(fault.path):
                    del self.faults[i]
                    self.faults_injected += 1
                    return fault
        return None

    def middleware(self, app: ASGIApp, rate_limited: Callable[[], Response]) -> ASGIApp:
        """Wrap the vendor routes: log, meter, inject faults. `rate_limited` builds the vendor's 429."""
        emulator = self

        async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            request = Request(scope, receive)
            body = await request.body()
            emulator.requests.append(
                SeenRequest(request.method, request.url.path, dict(request.query_params), body, time.monotonic())
            )
            if emulator.rate is not None and not emulator.rate.admit():
                await rate_limited()(scope, receive, send)
                return
            fault = emulator._take_fault(request.url.path)

            async def replay() -> dict[str, Any]:
                return {"type": "http.request", "body": body, "more_body": False}

            if fault is None:
                await app(scope, replay, send)
            elif fault.kind == "status":
                retry_after = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
                await Response(b'{"message":"injected"}', fault.status, retry_after, "application/json")(
                    scope, receive, send
                )
            elif fault.kind == "invalid_json":
                await Response(b"<html>Bad Gateway</html>", 200, media_type="application/json")(scope, receive, send)
            elif fault.kind == "reset":
                await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"100000")]})
                await send({"type": "http.response.body", "body": b'{"data": [', "more_body": True})
                # Ending the app with the declared length unsent makes the server drop the connection.
            else:
                captured = await _capture(app, scope, replay)
                if fault.kind == "slow":
                    await asyncio.sleep(fault.delay)
                    await _send_captured(captured, send)
                else:  # truncate
                    status, headers, content = captured
                    content = content[: len(content) // 2]
                    headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
                    await _send_captured((status, headers, content), send)

        return wrapped


Captured = tuple[int, list[tuple[bytes, bytes]], bytes]


async def _capture(app: ASGIApp, scope: Scope, receive: Receive) -> Captured:
    parts: dict[str, Any] = {"status": 200, "headers": [], "body": b""}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            parts["status"] = message["status"]
            parts["headers"] = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            parts["body"] += message.get("body", b"")

    await app(scope, receive, send)
    return parts["status"], parts["headers"], parts["body"]


async def _send_captured(captured: Captured, send: Send) -> None:
    status, headers, content = captured
    headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
    headers.append((b"content-length", str(len(content)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": content})


@contextmanager
def serve(app: ASGIApp) -> Iterator[str]:
    """Run `app` on a free port of 127.0.0.1 in a thread; yields its base URL."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("emulator did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
