"""What a connector is, as the sync engine sees it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, Protocol, runtime_checkable

from hirebridge.model.records import Record


class SyncKind(StrEnum):
    FULL = "FULL"
    DELTA = "DELTA"


@dataclass(frozen=True, slots=True)
class Stream:
    """One kind of record and how to fetch it.

    Streams run in the order the connector lists them; list a record's references before it (jobs
    before stages before applications) so the sync engine writes parents first.
    """

    model: str
    fetch: Callable[[SyncKind], Iterable[Record]]


class Connector(Protocol):
    tool: ClassVar[str]

    def streams(self) -> list[Stream]: ...


@runtime_checkable
class AttachmentFetcher(Protocol):
    """A connector that can download attachment files (the sync engine stores their bytes)."""

    def fetch_attachment(self, remote_id: str) -> tuple[bytes, str]:
        """The file's bytes and MIME type; KeyError when the source no longer has it."""
        ...


class ConnectorFactory(Protocol):
    """Builds a connector for one integration from its id and its (decrypted) configuration."""

    def __call__(self, integration_id: str, config: Mapping[str, Any]) -> Connector: ...
