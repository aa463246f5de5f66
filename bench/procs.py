"""Server subprocesses: start on a free port, wait until they answer, measure their memory, stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def hirebridge(*args: str, url: str) -> str:
    """Run the `hirebridge` CLI against `url`; its stdout."""
    done = subprocess.run(
        [str(BIN / "hirebridge"), *args], env=server_env(url), capture_output=True, text=True, check=True
    )
    return done.stdout


def ensure_secret_key() -> None:
    """HireBridge refuses to start without a key for sealing credentials: a throwaway one per run (the
    benchmark stores no credentials that outlive it)."""
    if not os.environ.get("HIREBRIDGE_SECRET_KEY"):
        out = subprocess.run([str(BIN / "hirebridge"), "secret-key", "generate"], capture_output=True, text=True)
        lines = out.stdout.strip().splitlines()
        if out.returncode == 0 and lines:
            os.environ["HIREBRIDGE_SECRET_KEY"] = lines[-1].strip()


def server_env(url: str) -> dict[str, str]:
    ensure_secret_key()
    env = dict(os.environ)
    env.update(HIREBRIDGE_DATABASE_URL=url, HIREBRIDGE_LOG_LEVEL="WARNING", PYTHONPATH=str(ROOT))
    return env


def serve_supports_workers() -> bool:
    """`hirebridge serve --workers` is being added (issue 6 notes): use it only where it exists."""
    out = subprocess.run([str(BIN / "hirebridge"), "serve", "--help"], capture_output=True, text=True).stdout
    return "--workers" in out


class Server:
    """A server subprocess on 127.0.0.1:`port`; `probe` is a path that answers once it is up."""

    def __init__(self, argv: Sequence[str], url: str, port: int, probe: str = "/v1/check-api-key") -> None:
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        # Own process group: stop() reaches uvicorn's worker processes too, and nothing else.
        self.proc = subprocess.Popen(
            list(argv), env=server_env(url), cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server {argv} exited with {self.proc.returncode}")
            try:
                httpx.get(self.base + probe, timeout=1.0)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"server {argv} did not answer within 60s") from None
                time.sleep(0.1)

    def rss_bytes(self) -> int:
        """Resident memory of the server and all its descendants (uvicorn workers)."""
        return sum(self.rss_by_process().values())

    def rss_by_process(self) -> dict[int, int]:
        """Resident memory of each process of the server: the target is per API process."""
        return {pid: _rss(pid) for pid in _tree(self.proc.pid)}

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _tree(pid: int) -> list[int]:
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            found.extend(_tree(int(child)))
    return found


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0
