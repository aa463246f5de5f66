"""`check()`: a connector validates its credentials with one cheap request, outside any sync -- against
each vendor's emulator: a good key passes, a refused one is CredentialsInvalid saying so, a source
that cannot be reached is SourceUnavailable naming the URL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest

from hirebridge.connectors.framework.errors import CredentialsInvalid, SourceUnavailable
from hirebridge.connectors.registry import check_connection
from tests.emulators.ashby import AshbyEmulator
from tests.emulators.harness import Emulator, serve
from tests.emulators.lever import LeverEmulator
from tests.emulators.unreachable import closed_port

KEY = "check-test-key"


@contextmanager
def _lever() -> Iterator[tuple[str, Emulator]]:
    emulator = LeverEmulator(seed=2, opportunities=3, api_key=KEY, rate=None)
    with emulator.running() as url:
        yield url, emulator.emulator


@contextmanager
def _ashby() -> Iterator[tuple[str, Emulator]]:
    emulator = AshbyEmulator(KEY, seed=2, candidates=3, jobs=1)
    with serve(emulator.app()) as url:
        yield url, emulator.harness


SOURCES: dict[str, tuple[Callable[[], AbstractContextManager[tuple[str, Emulator]]], str, str]] = {
    # tool: (emulator, the check request's path, its method)
    "lever": (_lever, "/v1/users", "GET"),
    "ashby": (_ashby, "/user.list", "POST"),
}


@pytest.mark.parametrize("tool", sorted(SOURCES))
def test_a_good_key_passes_with_one_request(tool: str) -> None:
    running, path, method = SOURCES[tool]
    with running() as (url, emulator):
        check_connection(tool, {"api_key": KEY, "base_url": url})
    assert [(r.method, r.path) for r in emulator.requests] == [(method, path)]


@pytest.mark.parametrize("tool", sorted(SOURCES))
def test_a_refused_key_is_credentials_invalid(tool: str) -> None:
    running, _path, method = SOURCES[tool]
    with running() as (url, emulator), pytest.raises(CredentialsInvalid) as refused:
        check_connection(tool, {"api_key": "a-revoked-key", "base_url": url})
    message = str(refused.value)
    assert (
        f"{tool} rejected the credentials (401) on {method} {url}" in message and "invalid api key" in message.lower()
    )
    assert "a-revoked-key" not in message
    assert len(emulator.requests) == 1  # a refusal is not retried


@pytest.mark.parametrize("tool", sorted(SOURCES))
def test_a_closed_port_is_source_unavailable_naming_the_url(tool: str) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(SourceUnavailable) as unreachable:
        check_connection(tool, {"api_key": KEY, "base_url": url, "retry_base_delay": 0})
    message = str(unreachable.value)
    assert url in message and "connection refused" in message and "after 2 attempts" in message


def test_the_sandbox_has_nothing_to_check() -> None:
    check_connection("sandbox", {})
