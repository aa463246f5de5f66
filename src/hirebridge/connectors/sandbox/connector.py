"""The sandbox as a connector: one stream per model, in reference order."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, ClassVar

from hirebridge.connectors.base import FetchContext, Stream
from hirebridge.connectors.framework.actions import ActionResult
from hirebridge.connectors.framework.config import ConfigField, ConfigSchema
from hirebridge.connectors.framework.ratelimit import RateLimits
from hirebridge.connectors.sandbox.actions import ACTIONS, SandboxWriter
from hirebridge.connectors.sandbox.coverage import COVERAGE
from hirebridge.connectors.sandbox.journal import Journal
from hirebridge.connectors.sandbox.source import SandboxSource
from hirebridge.model.actions import Action, ActionSupport
from hirebridge.model.coverage import Coverage
from hirebridge.model.records import Record

DEFAULT_APPLICATIONS = 2000
JOURNAL = "journal"  # the configuration key the action service appends write actions to


class SandboxConnector:
    """Serves a `SandboxSource` seeded with the integration id (no credentials, no network)."""

    tool: ClassVar[str] = "sandbox"
    label: ClassVar[str] = "HireBridge Sandbox"
    coverage: ClassVar[Coverage] = COVERAGE
    supports_delta: ClassVar[bool] = False
    connection_guide_url: ClassVar[str | None] = None
    passthrough_apis: ClassVar[tuple[str, ...]] = ()  # no source API to pass through to
    actions: ClassVar[Mapping[str, ActionSupport]] = ACTIONS
    config: ClassVar[ConfigSchema] = ConfigSchema(
        [
            ConfigField(
                "applications",
                "int",
                default=DEFAULT_APPLICATIONS,
                minimum=0,
                label="Applications",
                help="How many applications the generated ATS holds (its other records scale with it).",
            ),
            ConfigField(
                "step",
                "int",
                default=0,
                minimum=0,
                label="Step",
                help="The point in the sandbox's history: each step changes, adds and deletes some records.",
            ),
        ]
    )

    def __init__(self, integration_id: str, config: Mapping[str, Any], limits: RateLimits | None = None) -> None:
        del limits  # nothing to pace: the source is generated in-process
        self.integration_id = integration_id
        settings = self.config.parse(config, tool=self.tool)
        # The write actions done to it (not a setting a person enters: the action service appends it).
        journal = Journal(config.get(JOURNAL) or ())
        self.source = SandboxSource(integration_id, settings["applications"], settings["step"], journal)

    def streams(self) -> list[Stream]:
        return [Stream(model, _fetcher(method)) for model, method in self.source.record_methods().items()]

    def check(self) -> None:
        """Nothing to check: the sandbox has no credentials and no network."""

    async def perform(self, action: Action) -> ActionResult:
        """Do `action` to the sandbox (actions.py): its journal entry and the records it changes."""
        return SandboxWriter(self.source).perform(action)

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
