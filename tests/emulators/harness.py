"""What every vendor emulator shares: a real socket on 127.0.0.1, a log of the requests it served,
fault injection, and a server-side rate-limit meter.

A vendor emulator (tests/emulators/lever.py, ashby.py) is a Starlette app built around an
`Emulator`: its routes speak the vendor's protocol; `Emulator.middleware` runs before them and
decides whether this request gets a fault instead of an answer, and meters the request rate the
way the vendor would, exactly (`RateMeter`: a violation is counted, and answered with the vendor's 429).
"""

from __future__ import annotations

import asyncio
import math
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, ClassVar, Literal

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
    method: str | None = None  # only requests of this method (a write, not the read of the same path)


@dataclass
class SeenRequest:
    method: str
    path: str
    query: dict[str, str]
    body: bytes
    at: int  # arrival: time.monotonic_ns() when the server took the request up
    limited: bool = False  # answered with the vendor's 429 by the rate meter


@dataclass
class RateMeter:
    """The vendor's documented limit, checked exactly against the arrival times the server logs.

    Lever documents a token bucket per API key: steady `rate` requests/s, bursts up to `burst`
    (shared/spec/source-ats-apis.md §4.2; Ashby publishes no general limit, §4.3, and its emulator
    applies the same rule with the numbers a test gives). A bucket that starts full admits requests
    arriving at t_1 <= ... <= t_n exactly when every window [t_i, t_j] of admitted arrivals holds at
    most `burst + rate * (t_j - t_i)` of them, both ends counted. `admit(at)` checks the request that
    arrives at `at` (integer nanoseconds) against every window that ends with it, in integer
    arithmetic: no tolerance and no rounding, so a violation is a request the vendor's bucket would
    have refused (with a 429), and 0 violations means the client never exceeded the limit. A refused
    request takes no token: it is part of no later window.
    """

    rate: float
    burst: int
    violations: int = 0
    admitted: list[int] = field(default_factory=list)  # arrival times (ns) of the admitted requests
    # min over the admitted requests i (0-based) of i * G - P * t_i, see `admit`.
    _tightest: int | None = field(default=None, repr=False)
    _last: int | None = field(default=None, repr=False)  # the latest arrival, admitted or not

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.burst < 1:
            raise ValueError(f"a rate limit needs rate > 0 and burst >= 1, got {self.rate}/s, {self.burst}")
        # rate = P / Q requests per second = P / G requests per nanosecond, exactly (the float's value).
        exact = Fraction(self.rate)
        self._p, self._g = exact.numerator, exact.denominator * 1_000_000_000

    def admit(self, at: int) -> bool:
        """Meter the request that arrives at `at` (ns, never earlier than the previous arrival)."""
        if self._last is not None and at < self._last:
            raise ValueError(f"arrivals must be metered in order: {at} < {self._last}")
        self._last = at
        n = len(self.admitted)
        # The window from admitted request i to this one holds n - i + 1 requests; it is within the
        # limit iff (n - i + 1 - burst) * G <= P * (at - t_i), that is iff
        #     (n + 1 - burst) * G - P * at  <=  i * G - P * t_i.
        # The right side does not depend on this request: the tightest window is the earlier
        # arrival with the smallest one, kept as requests are admitted. (The window of this request
        # alone holds 1 <= burst.)
        if self._tightest is not None and (n + 1 - self.burst) * self._g - self._p * at > self._tightest:
            self.violations += 1
            return False
        key = n * self._g - self._p * at
        self._tightest = key if self._tightest is None else min(self._tightest, key)
        self.admitted.append(at)
        return True


class FixedWindowLimit:
    """A vendor's fixed request window (Workable, Teamtailor): at most `window` requests per
    `window_seconds`, counted from window boundaries, answered with `X-Rate-Limit-*` headers and 429
    past it. For emulator dataclasses that declare these fields; `window=None` leaves it out.
    `RESET_EPOCH`: `X-Rate-Limit-Reset` is the next window's epoch second (else: seconds left)."""

    window: int | None
    window_seconds: float
    window_start: float
    window_used: int
    window_refused: int  # requests answered 429 because the window was spent
    RESET_EPOCH: ClassVar[bool] = False

    def _spend(self) -> bool:
        """Count this request in the current window; True when the window is spent."""
        if self.window is None:
            return False
        now = time.time()
        if now >= self.window_start + self.window_seconds:
            self.window_start, self.window_used = now - now % self.window_seconds, 0
        self.window_used += 1
        if self.window_used > self.window:
            self.window_refused += 1
            return True
        return False

    def _window_headers(self) -> dict[str, str]:
        if self.window is None:
            return {}
        end = self.window_start + self.window_seconds
        return {
            "X-Rate-Limit-Limit": str(self.window),
            "X-Rate-Limit-Remaining": str(max(0, self.window - self.window_used)),
            "X-Rate-Limit-Reset": str(math.ceil(end if self.RESET_EPOCH else end - time.time())),
        }


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

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for i, fault in enumerate(self.faults):
                if (fault.path is None or path.endswith(fault.path)) and fault.method in (None, method):
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
            # Arrival: taken and metered before anything awaits, so requests are metered in the order
            # the server took them up (one event loop) and a slow body cannot make one look later.
            at = time.monotonic_ns()
            limited = emulator.rate is not None and not emulator.rate.admit(at)
            request = Request(scope, receive)
            body = await request.body()
            emulator.requests.append(
                SeenRequest(request.method, request.url.path, dict(request.query_params), body, at, limited)
            )
            if limited:
                await rate_limited()(scope, receive, send)
                return
            fault = emulator._take_fault(request.method, request.url.path)

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


# (secret) -> (headers, body): how a vendor signs one event for one registered webhook.
Signer = Callable[[str], tuple[dict[str, str], bytes]]


@dataclass(frozen=True)
class Delivery:
    url: str
    body: bytes
    status: int | None  # the receiver's answer; None when the request failed
    error: str | None = None


class WebhookSender:
    """A vendor's outgoing webhooks: URLs registered with their secrets (`register`), and events sent
    to each of them after the change that caused them (`send`), as the vendors do: from a thread of
    their own, one at a time in the order of the changes, never inside the request that made the
    change. `deliveries` holds what each receiver answered; `wait` blocks until `count` are in."""

    def __init__(self) -> None:
        self.targets: list[tuple[str, str]] = []
        self.deliveries: list[Delivery] = []
        self._queue: deque[tuple[str, dict[str, str], bytes]] = deque()
        self._ready = threading.Condition()
        self._thread: threading.Thread | None = None

    def register(self, url: str, secret: str) -> None:
        self.targets.append((url, secret))

    def send(self, sign: Signer) -> None:
        """Queue the event `sign` builds, once per registered webhook (signed with its secret)."""
        if not self.targets:
            return
        with self._ready:
            for url, secret in self.targets:
                headers, body = sign(secret)
                self._queue.append((url, headers, body))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="emulator-webhooks", daemon=True)
                self._thread.start()
            self._ready.notify_all()

    def wait(self, count: int, timeout: float = 60.0) -> list[Delivery]:
        """The first `count` deliveries, once made (TimeoutError if they are not within `timeout`)."""
        deadline = time.monotonic() + timeout
        with self._ready:
            while len(self.deliveries) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(self.deliveries)} of {count} webhooks delivered")
                self._ready.wait(left)
            return self.deliveries[:count]

    def _run(self) -> None:
        import httpx

        with httpx.Client(timeout=10.0) as client:
            while True:
                with self._ready:
                    while not self._queue:
                        self._ready.wait()
                    url, headers, body = self._queue.popleft()
                try:
                    answer = client.post(url, content=body, headers={"Content-Type": "application/json", **headers})
                    delivery = Delivery(url, body, answer.status_code)
                except httpx.HTTPError as exc:
                    delivery = Delivery(url, body, None, repr(exc))
                with self._ready:
                    self.deliveries.append(delivery)
                    self._ready.notify_all()


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
