"""Personio recruiting as declared streams: the v2 API (`/v2/recruiting/...`) read with an OAuth2
client-credentials token, GET listings paged by `_meta.links.next` cursors, `updated_at.gt` on
applications (documented), candidates and jobs (assumed, docs/connectors/personio.md). Applications come
newest first, which a FULL listing has to make up for (`_applications`).

Stages are the stages of each job's recruiting category (`/v2/recruiting/categories`), so a job's
pipeline needs every job and every category: both are read in full on every run (they are few).
Writes go to the v1 recruiting API, which takes another credential (actions.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import timedelta
from functools import partial
from typing import ClassVar

from hirebridge.connectors.base import Checkpoint, StreamItem
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
    client_tunables,
    iso8601,
    plain,
    shared_client_credentials,
)
from hirebridge.connectors.framework.actions import ActionResult
from hirebridge.connectors.framework.payloads import Shape
from hirebridge.connectors.framework.streams import Declared, Json, MapContext
from hirebridge.connectors.personio import actions as writes
from hirebridge.connectors.personio import mapping, shapes
from hirebridge.connectors.personio.coverage import COVERAGE
from hirebridge.model.actions import Action, ActionSupport
from hirebridge.model.records import Record

MAX_PAGE_SIZE = 200
TOKEN_PATH = "/v2/auth/token"
GUIDE = "https://developer.personio.de/reference/post_v2-auth-token"
UPDATED = UpdatedSince("updated_at.gt", iso8601, overlap=timedelta(minutes=5))


class PersonioConnector(HttpConnector):
    tool: ClassVar[str] = "personio"
    label: ClassVar[str] = "Personio"
    connection_guide_url: ClassVar[str | None] = GUIDE
    passthrough_apis: ClassVar[tuple[str, ...]] = ("v2",)
    coverage = COVERAGE
    config = ConfigSchema(
        [
            ConfigField(
                "client_id",
                required=True,
                label="Client ID",
                help="Settings -> Integrations -> API credentials -> Create credentials, with the scope "
                "personio:recruiting:read.",
                vendor_url=GUIDE,
            ),
            ConfigField("client_secret", secret=True, required=True, label="Client secret", vendor_url=GUIDE),
            ConfigField(
                "company_id",
                label="Company ID",
                help="Optional: the Company ID shown with the Recruiting API key, the X-Company-ID the v1 "
                "recruiting API (creating applications) requires.",
            ),
            ConfigField(
                "recruiting_token",
                secret=True,
                label="Recruiting API token",
                help="Optional: the access token of Settings -> Integrations -> API credentials -> Recruiting API key, "
                "which creating applications through the v1 recruiting API takes; reads do not need it.",
            ),
            ConfigField("partner_id", label="Partner ID", help="Optional: the X-Personio-Partner-ID header."),
            ConfigField("app_id", label="App ID", help="Optional: the X-Personio-App-ID header."),
            # Personio publishes no limit for the v2 recruiting API (v1: 2000 requests / minute per IP).
            *client_tunables(base_url="https://api.personio.de", requests_per_second=10, burst=10),
            ConfigField("page_size", "int", default=100, minimum=1, maximum=MAX_PAGE_SIZE, label="Page size"),
        ]
    )
    records = "_data"
    check_request = Request("GET", "/v2/recruiting/jobs", {"limit": 1})
    # Write actions (actions.py): the one write Personio's recruiting API has.
    actions: ClassVar[Mapping[str, ActionSupport]] = writes.SUPPORT

    def auth(self) -> Auth:
        # Shared by the connectors this process builds with these credentials: one token for them all.
        return shared_client_credentials(
            self.settings["base_url"].rstrip("/") + TOKEN_PATH,
            self.settings["client_id"],
            self.settings["client_secret"],
            client_auth="form",
        )

    def shape(self, endpoint: str) -> Shape:
        return shapes.for_path(endpoint)

    def declare(self) -> Sequence[Declared]:
        self.paginator = NextUrl("_meta.links.next.href", limit=self.settings["page_size"])
        return [
            RestStream("jobs", "/v2/recruiting/jobs", plain(mapping.map_job), incremental=UPDATED),
            CustomStream("application_stages", _stages),
            RestStream("candidates", "/v2/recruiting/candidates", plain(mapping.map_candidate), incremental=UPDATED),
            CustomStream("applications", _applications),
        ]

    async def perform(self, action: Action) -> ActionResult:
        return await writes.PersonioWriter(self.runtime, self.settings).perform(action)


async def _applications(run: StreamRun) -> AsyncIterator[StreamItem]:
    """Applications, newest first (Personio's documented order). An application updated while a FULL
    lists them moves ahead of the cursor, so the listing may never show it, and a FULL would mark it
    deleted; a FULL therefore reads the applications updated since its start (less the overlap) once
    more after the listing and adds those the listing missed (only those: the engine takes a record
    once per run; one it saw in an older version is the next DELTA's). A DELTA's misses of this kind
    are the next DELTA's too: they were updated after this run started."""
    path = "/v2/recruiting/applications"
    mapper = plain(mapping.map_application)
    reading = run.read(Request("GET", path), UPDATED, run.state, endpoint=path)
    seen: set[str] = set()
    async for page in reading.pages():
        for raw in page.records:
            seen.add(str(raw["id"]))
            for record in run.map(mapper, raw, path):
                yield record
    if reading.full:
        since = run.started_ms - int(UPDATED.overlap.total_seconds() * 1000)
        async for raw in run.records(Request("GET", path, {UPDATED.param: UPDATED.format(since)}), endpoint=path):
            if str(raw["id"]) not in seen:
                seen.add(str(raw["id"]))
                for record in run.map(mapper, raw, path):
                    yield record
    if reading.state is not None:
        yield Checkpoint(reading.state)


async def _stages(run: StreamRun) -> AsyncIterator[StreamItem]:
    """Every job's stages: its category's, each at its place in the category's list."""
    categories = {
        str(c["id"]): c["stages"]
        for c in await run.all(Request("GET", "/v2/recruiting/categories"), endpoint="/v2/recruiting/categories")
    }
    for job in await run.all(Request("GET", "/v2/recruiting/jobs"), endpoint="/v2/recruiting/jobs"):
        category = (job.get("category") or {}).get("id")
        for index, stage in enumerate(categories.get(str(category), [])):
            for record in run.map(partial(_stage, str(job["id"]), index), stage, "/v2/recruiting/categories"):
                yield record


def _stage(job_id: str, index: int, raw: Json, context: MapContext) -> Record:
    return mapping.map_stage(job_id, raw, index)
