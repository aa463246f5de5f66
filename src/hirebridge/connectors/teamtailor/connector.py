"""Teamtailor (JSON:API, https://api.teamtailor.com/v1) as declared streams: GET listings paged by
`links.next`, `filter[updated-at][from]` on candidates and job applications, relationships resolved
from the linkage and the `included` resources of each page (`include=`).

Users, reject reasons, jobs, stages and notes have no documented updated-at filter and are read in
full on every run (they are few; notes are a candidate's). Jobs are listed with `filter[status]=all`:
without it Teamtailor lists published jobs only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import timedelta
from functools import partial
from typing import ClassVar

from hirebridge.connectors.base import StreamItem
from hirebridge.connectors.framework import (
    Auth,
    ConfigField,
    ConfigSchema,
    CustomStream,
    HttpConnector,
    NextUrl,
    Request,
    RestStream,
    StreamRun,
    UpdatedSince,
    api_key,
    client_tunables,
    iso8601,
    plain,
)
from hirebridge.connectors.framework.actions import ActionResult
from hirebridge.connectors.framework.auth import StaticAuth
from hirebridge.connectors.framework.config import webhook_secret
from hirebridge.connectors.framework.payloads import Shape
from hirebridge.connectors.framework.streams import Declared, Json, MapContext
from hirebridge.connectors.framework.webhooks import Ref, Refetched, UpstreamWebhooks
from hirebridge.connectors.teamtailor import actions as writes
from hirebridge.connectors.teamtailor import mapping, shapes
from hirebridge.connectors.teamtailor.coverage import COVERAGE
from hirebridge.connectors.teamtailor.webhooks import WEBHOOKS
from hirebridge.model.actions import Action, ActionSupport
from hirebridge.model.records import Record

MAX_PAGE_SIZE = 30
API_VERSION = "20240404"
GUIDE = "https://docs.teamtailor.com/#authentication"
UPDATED = UpdatedSince("filter[updated-at][from]", iso8601, overlap=timedelta(minutes=5))


def _row_order(stage: Json) -> float:
    order = (stage.get("attributes") or {}).get("row-order")
    return float(order) if isinstance(order, int | float) and not isinstance(order, bool) else float("inf")


class TeamtailorConnector(HttpConnector):
    tool: ClassVar[str] = "teamtailor"
    label: ClassVar[str] = "Teamtailor"
    connection_guide_url: ClassVar[str | None] = GUIDE
    passthrough_apis: ClassVar[tuple[str, ...]] = ("v1",)
    coverage = COVERAGE
    config = ConfigSchema(
        [
            api_key(
                label="API key",
                help="Settings -> Integrations -> API keys: an Admin key with read access "
                "(candidates and job applications need Admin scope).",
                vendor_url=GUIDE,
            ),
            ConfigField(
                "api_version",
                default=API_VERSION,
                label="API version",
                help="The X-Api-Version header Teamtailor requires on every request (a date).",
            ),
            # 50 requests per 10-second window per key. Paced at 95% of 4.5/s in bursts of 4, no
            # 10 s window holds more than 47.
            *client_tunables(
                base_url="https://api.teamtailor.com/v1",
                requests_per_second=4.5,
                burst=5,
                base_url_help="Teamtailor's API (North America: https://api.na.teamtailor.com/v1).",
            ),
            ConfigField("page_size", "int", default=MAX_PAGE_SIZE, minimum=1, maximum=MAX_PAGE_SIZE, label="Page size"),
            ConfigField(
                "user_id",
                label="Acting user",
                help="Optional: the id of the Teamtailor user (GET /users) that notes are written as; Teamtailor "
                "requires one on every note. Write actions need an Admin key with read/write access.",
            ),
            webhook_secret(
                help="Optional: the signature key of Teamtailor's webhook (Settings -> Integrations -> Webhooks); "
                "several comma-separated during a rotation. Needed to receive Teamtailor's webhooks "
                "(docs/upstream-webhooks.md).",
                vendor_url="https://partner.teamtailor.com/company_webhooks",
            ),
        ]
    )
    records = "data"
    check_request = Request("GET", "/users", {"page[size]": 1})
    # Write actions (actions.py): what Teamtailor's API can do of Kombo's, and with which fields.
    actions: ClassVar[Mapping[str, ActionSupport]] = writes.SUPPORT
    # Upstream webhooks (webhooks.py): the records an event names are refetched as write actions read them.
    webhooks: ClassVar[UpstreamWebhooks] = WEBHOOKS

    def auth(self) -> Auth:
        return StaticAuth(
            {"Authorization": f"Token token={self.settings['api_key']}", "X-Api-Version": self.settings["api_version"]}
        )

    def shape(self, endpoint: str) -> Shape:
        return shapes.for_path(endpoint)

    def declare(self) -> Sequence[Declared]:
        self.paginator = NextUrl("links.next", limit=self.settings["page_size"], limit_param="page[size]")
        return [
            RestStream("users", "/users", plain(mapping.map_user)),
            RestStream("rejection_reasons", "/reject-reasons", plain(mapping.map_reject_reason)),
            RestStream("jobs", "/jobs", plain(mapping.map_job), params={"filter[status]": "all"}),
            CustomStream("application_stages", _stages),
            RestStream(
                "candidates",
                "/candidates",
                _candidate,
                params={"include": "custom-field-values.custom-field"},
                incremental=UPDATED,
            ),
            RestStream(
                "applications",
                "/job-applications",
                _application,
                params={"include": "candidate,job,stage,reject-reason"},
                incremental=UPDATED,
            ),
            RestStream("notes", "/notes", plain(mapping.map_note), params={"include": "candidate,user"}),
        ]

    async def perform(self, action: Action) -> ActionResult:
        return await writes.TeamtailorWriter(self.runtime, self.settings.get("user_id")).perform(action)

    async def refetch(self, refs: Sequence[Ref]) -> Refetched:
        """The records an upstream webhook named, read as write actions read them back (actions.py)."""
        return await writes.refetch(self.runtime, refs)


async def _stages(run: StreamRun) -> AsyncIterator[StreamItem]:
    """Every job's stages, each with its place in its job's pipeline: a stage's index needs its
    job's other stages, which may be on other pages of the listing."""
    stages = await run.all(Request("GET", "/stages", {"include": "job"}), endpoint="/stages")
    by_job: dict[str | None, list[Json]] = defaultdict(list)
    for stage in stages:
        by_job[mapping.linked(stage, "job")].append(stage)
    for pipeline in by_job.values():
        for index, stage in enumerate(sorted(pipeline, key=_row_order)):
            for record in run.map(partial(_stage, index), stage, "/stages"):
                yield record


def _stage(index: int, raw: Json, context: MapContext) -> Record:
    return mapping.map_stage(raw, index)


def _candidate(raw: Json, context: MapContext) -> Record:
    return mapping.map_candidate(raw, context.page)


def _application(raw: Json, context: MapContext) -> Record:
    return mapping.map_application(raw, context.page)
