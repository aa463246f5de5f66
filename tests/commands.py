"""Running the `hirebridge` command as an operator would: real subprocesses on a real database."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO

import httpx

NO_KEY = "-"  # `key=NO_KEY`: run without HIREBRIDGE_SECRET_KEY


def environment(database_url: str, key: str | None = None, **extra: str) -> dict[str, str]:
    """The test process's environment for a command on `database_url`; `key` replaces the suite's
    HIREBRIDGE_SECRET_KEY (NO_KEY: none at all)."""
    env = {**os.environ, "HIREBRIDGE_DATABASE_URL": database_url, **extra}
    if key == NO_KEY:
        env.pop("HIREBRIDGE_SECRET_KEY", None)
    elif key is not None:
        env["HIREBRIDGE_SECRET_KEY"] = key
    return env


def hb(
    database_url: str,
    *args: str,
    check: bool = True,
    key: str | None = None,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `hirebridge ARGS` to its end; `check`: assert it exited 0."""
    result = subprocess.run(
        [sys.executable, "-m", "hirebridge.cli", *args],
        env={**environment(database_url, key), **(env or {})},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Running:
    """A long-running command (`serve`, `demo`, `worker`) whose output is collected as it comes."""

    def __init__(
        self,
        args: list[str],
        env: dict[str, str],
        cwd: Path | None = None,
        merge: bool = True,
        command: list[str] | None = None,
    ) -> None:
        """`command`: how to start hirebridge (default: this interpreter's `-m hirebridge.cli`)."""
        self.proc = subprocess.Popen(
            [*(command or [sys.executable, "-m", "hirebridge.cli"]), *args],
            env=env,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if merge else subprocess.PIPE,
            text=True,
        )
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._readers = [threading.Thread(target=self._read, args=(self.proc.stdout, self.stdout), daemon=True)]
        if not merge:
            self._readers.append(threading.Thread(target=self._read, args=(self.proc.stderr, self.stderr), daemon=True))
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream: IO[str] | None, into: list[str]) -> None:
        assert stream is not None
        for line in stream:
            into.append(line)

    @property
    def output(self) -> str:
        return "".join(self.stdout)

    def wait_for(self, check: str | None = None, url: str | None = None, timeout: float = 120) -> None:
        """Until `check` appears in the output or `url` answers; fails if the process ends first."""
        deadline = time.monotonic() + timeout
        while True:
            assert self.proc.poll() is None, f"exited {self.proc.returncode}:\n{self.output}{''.join(self.stderr)}"
            if check is not None and check in self.output:
                return
            if url is not None:
                try:
                    httpx.get(url, timeout=1, trust_env=False)
                    return
                except httpx.TransportError:
                    pass
            assert time.monotonic() < deadline, f"timed out waiting for {check or url}:\n{self.output}"
            time.sleep(0.1)

    def stop(self, sig: int = signal.SIGINT, expect: int | None = 0) -> int:
        """Send `sig` (Ctrl-C by default), wait for the end and for all output; the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.proc.wait(timeout=60)
        for reader in self._readers:
            reader.join(timeout=10)
        if expect is not None:
            assert code == expect, self.output + "".join(self.stderr)
        return code

    def finish(self, timeout: float = 120) -> int:
        """Wait for a process that ends by itself."""
        code = self.proc.wait(timeout=timeout)
        for reader in self._readers:
            reader.join(timeout=10)
        return code


def start_demo(database_url: str, cwd: Path, *args: str, port: int | None = None) -> tuple[Running, str]:
    """`hirebridge demo` without HIREBRIDGE_SECRET_KEY, until it says it is ready; it and its base URL."""
    port = port or free_port()
    demo = Running(["demo", "--port", str(port), *args], environment(database_url, NO_KEY), cwd=cwd)
    demo.wait_for("HireBridge demo is ready")
    return demo, f"http://127.0.0.1:{port}/v1"


def demo_api_key(output: str) -> str:
    found = re.search(r"API key:\s+(\S+)", output)
    assert found is not None, output
    return found.group(1)
