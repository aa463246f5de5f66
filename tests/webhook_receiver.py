"""A webhook receiver on 127.0.0.1 for the tests: records every request (headers and raw body) and
answers as told -- 200, an error status, hang until released, or not listen at all (down)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        parsed: dict[str, Any] = orjson.loads(self.body)
        return parsed


class Receiver:
    """`status`: what to answer (200 by default); `fail_next`: answer this many requests with 500
    first; `hang`: hold each request until `release()` (or `hang_seconds`); `script`: the answers to
    the next requests, in order (a status, or "hang" for one request held `hang_seconds`)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.status = 200
        self.fail_next = 0
        self.hang = False
        self.hang_seconds = 60.0
        self.script: list[int | str] = []
        self.hanging = 0  # requests being held right now
        self._released = threading.Event()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.port = 0
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/kombo"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                del format, args

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver._lock:
                    receiver.received.append(Received(self.path, dict(self.headers.items()), body))
                    status = receiver.status
                    if receiver.fail_next > 0:
                        receiver.fail_next -= 1
                        status = 500
                    hang = receiver.hang
                    if receiver.script:
                        step = receiver.script.pop(0)
                        hang = hang or step == "hang"
                        status = step if isinstance(step, int) else status
                    if hang:
                        receiver.hanging += 1
                if hang:
                    receiver._released.wait(receiver.hang_seconds)
                    with receiver._lock:
                        receiver.hanging -= 1
                answer = b'{"ok": true}' if 200 <= status < 300 else b"receiver says no " * 200
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:
                    pass  # the sender gave up (timed out) first

        return Handler

    def start(self) -> None:
        """Listen (again, on the same port after `stop`)."""
        server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Stop listening: connections are refused until `start`."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def release(self) -> None:
        self.hang = False
        self._released.set()

    def of_type(self, event_type: str) -> list[dict[str, Any]]:
        return [r.json for r in list(self.received) if r.json["type"] == event_type]

    def event_ids(self) -> list[str]:
        return [r.json["id"] for r in list(self.received)]


@contextmanager
def receiving() -> Iterator[Receiver]:
    receiver = Receiver()
    try:
        yield receiver
    finally:
        receiver.release()
        receiver.stop()


def wait_for(
    what: str, check: Callable[[], bool], timeout: float = 60, step: Callable[[], object] | None = None
) -> None:
    """Until `check()`, calling `step()` (e.g. one delivery pass) or sleeping between looks."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        if step is not None:
            step()
        else:
            time.sleep(0.05)
