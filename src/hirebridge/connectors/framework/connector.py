"""`HttpConnector`: the base class of a connector declared on the framework.

A connector class says what it is -- `tool`, `label`, its `config` schema, its `coverage`, its
links -- and how to talk to the vendor: `auth()`, the default paginator and record path, the
vendor's headers, `answer_error` (an error hidden in a 2xx answer), `shape(endpoint)` (payloads.py),
the `check_request` that validates credentials, and `declare()`: its streams, parents first. The
registry reads the class; the sync engine builds an instance per run (`streams()`); anything else
may build one to `check()` credentials or download a file.

An instance is one sync run: it remembers what each parent stream read (for its children) and this
run's start (the high-water mark of `UpdatedSince`). Its `runtime` is what is not run-specific.
"""

from __future__ import annotations

import functools
import time
import weakref
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from hirebridge.connectors.base import FetchContext, Stream, StreamItem
from hirebridge.connectors.framework.auth import Auth
from hirebridge.connectors.framework.config import ConfigSchema
from hirebridge.connectors.framework.errors import SourceError
from hirebridge.connectors.framework.files import Downloads
from hirebridge.connectors.framework.http import SourceClient, run_async_iter
from hirebridge.connectors.framework.paging import OffsetToken, Paginator, Request
from hirebridge.connectors.framework.payloads import Shape
from hirebridge.connectors.framework.ratelimit import LOCAL, RateLimits
from hirebridge.connectors.framework.runtime import ConnectorRuntime
from hirebridge.connectors.framework.streams import Declared, Json, KeepFn, Parent, ParentRun, RestStream, run_stream
from hirebridge.model.coverage import Coverage

__all__ = ["HttpConnector"]


class HttpConnector(ABC):
    tool: ClassVar[str]
    label: ClassVar[str]
    config: ClassVar[ConfigSchema]
    coverage: ClassVar[Coverage]
    supports_delta: ClassVar[bool] = True
    connection_guide_url: ClassVar[str | None] = None
    # Kombo's `{api}` names of `POST /passthrough/{tool}/{api}` for this tool: each reaches `base_url`.
    passthrough_apis: ClassVar[tuple[str, ...]] = ()
    # The vendor's conventions, the defaults of every stream.
    paginator: Paginator = OffsetToken()
    records: str | None = "data"
    headers: ClassVar[Mapping[str, str]] = {}
    check_request: ClassVar[Request | None] = None

    def __init__(self, integration_id: str, config: Mapping[str, Any], limits: RateLimits | None = None) -> None:
        self.integration_id = integration_id
        self.settings = self.config.parse(config, tool=self.tool)
        self.runtime = ConnectorRuntime(
            tool=self.tool,
            integration_id=integration_id,
            settings=self.settings,
            auth=self.auth(),
            limits=limits or LOCAL,
            headers=self.headers,
            failure=self.answer_error,
            check_request=self.check_request,
        )
        # A connector is built for one sync run: this is that run's start, the high-water mark.
        self.started_ms = int(time.time() * 1000)
        self._declared = {stream.state_key: stream for stream in self.declare()}
        self._keeps: dict[str, list[KeepFn]] = {}
        for stream in self._declared.values():
            if isinstance(stream, RestStream) and stream.parent is not None:
                self._keeps.setdefault(stream.parent.stream, []).append(stream.parent.keep)
        self._parents: dict[str, ParentRun] = {}
        self._downloads: Downloads | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(integration_id={self.integration_id!r})"

    # --- what a connector declares ---------------------------------------------------------------

    @abstractmethod
    def auth(self) -> Auth:
        """How every request of this tool authenticates (computed per request)."""

    @abstractmethod
    def declare(self) -> Sequence[Declared]:
        """The tool's streams, parents before their children."""

    def shape(self, endpoint: str) -> Shape | None:
        """The declared shape of the records `endpoint` lists (None: only "an object" is checked)."""
        del endpoint
        return None

    @staticmethod
    def answer_error(client: SourceClient, endpoint: str, body: Any) -> SourceError | None:
        """The error a 2xx answer carries (an RPC API's `success: false`), or None. (A static method:
        the runtime holds it, and must not hold the connector.)"""
        del client, endpoint, body
        return None

    # --- the engine's view -----------------------------------------------------------------------

    def streams(self) -> list[Stream]:
        return [Stream(s.model, functools.partial(self._fetch, s), name=s.name) for s in self._declared.values()]

    def _fetch(self, stream: Declared, context: FetchContext) -> Iterable[StreamItem]:
        return run_async_iter(lambda: run_stream(self, stream, context))

    def check(self) -> None:
        """One cheap authenticated request (ConnectorRuntime.check)."""
        self.runtime.check()

    def downloads(self) -> Downloads:
        """The loop and clients of this connector's file downloads (files.py), closed with it."""
        if self._downloads is None:
            self._downloads = Downloads(self.runtime)
            weakref.finalize(self, self._downloads.close)
        return self._downloads

    # --- for the runner --------------------------------------------------------------------------

    def declared(self, name: str) -> Declared:
        return self._declared[name]

    def keep_for(self, name: str) -> KeepFn | None:
        """What the children of stream `name` keep of each of its records (merged), or None."""
        keeps = self._keeps.get(name)
        if not keeps:
            return None
        if len(keeps) == 1:
            return keeps[0]

        def merged(record: Json) -> Json:
            out: Json = {}
            for keep in keeps:
                out.update(keep(record))
            return out

        return merged

    def remember(self, name: str, run: ParentRun) -> None:
        self._parents[name] = run

    def parent_run(self, name: str) -> ParentRun | None:
        return self._parents.get(name)

    def refresh_parts(self, parent: Parent) -> int:
        """Into how many parts the stored parents are cut (the integration's `child_refresh_parts`,
        else the declaration's)."""
        configured = self.settings.get("child_refresh_parts")
        return parent.refresh_parts if configured is None else int(configured)
