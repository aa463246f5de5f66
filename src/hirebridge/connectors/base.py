"""What a connector is, as the sync engine sees it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from hirebridge.model.records import Record
from hirebridge.model.sync import SyncKind

if TYPE_CHECKING:
    from hirebridge.connectors.framework.ratelimit import RateLimits


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """Yielded by a stream between records: "everything before me is read; resume from `state`".

    The engine commits the records read so far and this state in one transaction, and hands the
    last committed state back to the stream's next run (`FetchContext.state`): an incremental cursor
    (a sync token, an updated-since high-water mark) can never get ahead of the data it covers.
    """

    state: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Deleted:
    """Yielded by a stream: the source reports that its record `remote_id` was deleted (a deletion
    feed such as Lever's `/opportunities/deleted`). The engine marks it `remote_deleted_at` in the
    transaction of the page it arrives with; a DELTA run learns about deletions only this way."""

    remote_id: str


StreamItem = Record | Checkpoint | Deleted


# Reads what the store holds of a model: (model, (i, k)) -> the stored `remote_data` of the
# integration's live records of that model whose pk % k == i, read lazily in pages.
StoredReader = Callable[[str, tuple[int, int]], Iterable[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class FetchContext:
    kind: SyncKind
    # The stream's last committed Checkpoint state for this integration, or None.
    state: dict[str, Any] | None
    # Given by the sync engine (connectors never import the store): see `stored`. Not part of what
    # a context is (two contexts of the same kind and state are equal).
    store_reader: StoredReader | None = field(default=None, compare=False, repr=False)

    def stored(self, model: str, part: tuple[int, int] = (0, 1)) -> Iterable[dict[str, Any]]:
        """The source payloads (`remote_data`) of this integration's live records of `model` in part
        `part = (i, k)`: those whose row number is i modulo k. A connector re-reads the children of
        one part of its stored parents per DELTA run, all of them in k runs (streams.Parent)."""
        index, parts = part
        if not 0 <= index < parts:
            raise ValueError(f"part {index} of {parts} does not exist")
        return () if self.store_reader is None else self.store_reader(model, part)


@dataclass(frozen=True, slots=True)
class Stream:
    """One kind of record and how to fetch it.

    Streams run in the order the connector lists them; list a record's references before it (jobs
    before stages before applications) so the sync engine writes parents first. `name` tells apart
    the states of several streams of one model (defaults to the model).
    """

    model: str
    fetch: Callable[[FetchContext], Iterable[StreamItem]]
    name: str | None = None

    @property
    def state_key(self) -> str:
        return self.name or self.model


class Connector(Protocol):
    """One integration's source, for one sync run: the engine builds a connector per run and runs its
    streams once each, in order, so a stream may reuse what an earlier stream of the same run read
    (a child stream reuses its parent stream's list)."""

    tool: ClassVar[str]

    def streams(self) -> list[Stream]: ...


@runtime_checkable
class Checkable(Protocol):
    """A connector that can validate its configuration against the source without a sync."""

    def check(self) -> None:
        """One cheap authenticated request: CredentialsInvalid when the source refuses the
        credentials, SourceUnavailable (naming the URL) when it cannot be reached."""
        ...


@runtime_checkable
class AttachmentFetcher(Protocol):
    """A connector that can download attachment files (the sync engine stores their bytes)."""

    def fetch_attachment(self, remote_id: str) -> tuple[bytes, str]:
        """The file's bytes and MIME type; KeyError when the source no longer has it."""
        ...


class ConnectorFactory(Protocol):
    """Builds a connector for one integration from its id, its (decrypted) configuration and the
    provider of rate limiters its requests go through (None: the process's own, `ratelimit.LOCAL`).
    Building one sends no request; a configuration that cannot work raises `ConfigError`."""

    def __call__(
        self, integration_id: str, config: Mapping[str, Any], limits: RateLimits | None = None
    ) -> Connector: ...
