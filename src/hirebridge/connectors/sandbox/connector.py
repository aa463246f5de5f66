"""The sandbox as a connector: one stream per model, in reference order."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, ClassVar

from hirebridge.connectors.base import FetchContext, Stream
from hirebridge.connectors.sandbox.source import SandboxSource
from hirebridge.model.records import Record

DEFAULT_APPLICATIONS = 2000


def _int_setting(config: Mapping[str, Any], key: str, default: int) -> int:
    """A non-negative integer setting; accepts ints and digit strings (configs may come from JSON forms)."""
    value = config.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"sandbox setting {key!r} must be an integer, got {value!r}")
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"sandbox setting {key!r} must be an integer, got {value!r}") from None
    if number < 0:
        raise ValueError(f"sandbox setting {key!r} must not be negative, got {number}")
    return number


class SandboxConnector:
    """Serves a `SandboxSource` seeded with the integration id.

    Config: `applications` (size, default 2000) and `step` (point in the sandbox's history, default 0).
    """

    tool: ClassVar[str] = "sandbox"

    def __init__(self, integration_id: str, config: Mapping[str, Any]) -> None:
        self.integration_id = integration_id
        self.source = SandboxSource(
            seed=integration_id,
            applications=_int_setting(config, "applications", DEFAULT_APPLICATIONS),
            step=_int_setting(config, "step", 0),
        )

    def streams(self) -> list[Stream]:
        return [Stream(model, _fetcher(method)) for model, method in self.source.record_methods().items()]

    def fetch_attachment(self, remote_id: str) -> tuple[bytes, str]:
        """The bytes and MIME type of one of the sandbox's files (generated, never stored); KeyError if
        the sandbox has no such file at its step."""
        return self.source.attachment_content(remote_id)


def _fetcher(method: Callable[[], Iterator[Record]]) -> Callable[[FetchContext], Iterable[Record]]:
    """The sandbox has no change feed: a DELTA sync reads everything, like a FULL one."""

    def fetch(context: FetchContext) -> Iterable[Record]:
        del context
        return method()

    return fetch
