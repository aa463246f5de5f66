"""SmartRecruiters (Customer API, https://api.smartrecruiters.com) as declared streams: listings paged
by `limit` + `pageId` (the previous page's `nextPageId`), `updatedAfter` on candidates, one read of
each listed candidate's properties (`/candidates/{id}/properties`: its custom fields, which the listing
lacks), one application read per candidate and job (`/candidates/{id}/jobs/{jobId}`).

`GET /candidates` allows **one request in flight per key** (8 for other endpoints). The connector keeps
to it by construction: the engine reads streams one after another, a listing's pages one after another,
and the only streams that list `/candidates` (candidates, and applications when it has to read its
parents itself) never overlap; the per-candidate and per-application reads fan out (4 at a time) over
`/candidates/{id}/properties` and `/candidates/{id}/jobs/{jobId}`, other endpoints, while no listing
page is in flight. A 429 (a request made with the same key elsewhere
meanwhile) is retried with backoff like any other.

Users, jobs, the hiring process and the reason lists have no documented incremental filter and are read
in full on every run (they are few). A DELTA run reads the properties of the candidates it lists (the
changed ones); a property changed without the candidate's `updatedOn` moving (SmartRecruiters does not
say whether it moves) shows at the next FULL run. An application changed behind its candidate (SmartRecruiters does
not document that a status change moves the candidate's `updatedOn`) is re-read within REFRESH_PARTS
DELTA runs, like every child of an unchanged parent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import timedelta
from functools import partial
from typing import Any, ClassVar

from hirebridge.connectors.base import StreamItem
from hirebridge.connectors.framework import (
    Auth,
    ConfigField,
    ConfigSchema,
    CustomStream,
    Detail,
    HeaderKey,
    HttpConnector,
    Parent,
    Request,
    RestStream,
    StreamRun,
    UpdatedSince,
    api_key,
    child_refresh,
    client_tunables,
    iso8601,
    plain,
)
from hirebridge.connectors.framework.actions import ActionResult
from hirebridge.connectors.framework.config import webhook_secret
from hirebridge.connectors.framework.paging import ONE, CursorInBody
from hirebridge.connectors.framework.payloads import Shape
from hirebridge.connectors.framework.streams import Declared, Json, MapContext
from hirebridge.connectors.framework.webhooks import Ref, Refetched, UpstreamWebhooks
from hirebridge.connectors.smartrecruiters import actions as writes
from hirebridge.connectors.smartrecruiters import mapping, shapes
from hirebridge.connectors.smartrecruiters.coverage import COVERAGE
from hirebridge.connectors.smartrecruiters.webhooks import WEBHOOKS
from hirebridge.model.actions import Action, ActionSupport
from hirebridge.model.records import Record

MAX_PAGE_SIZE = 100
GUIDE = "https://developers.smartrecruiters.com/docs/authentication-api-key"
USERS = "/user-api/v201804/users"
HIRING_PROCESSES = "/configuration/hiring-processes"
# DELTA runs in which the applications of every unchanged candidate are read once: within 18 hours at
# the default 3-hour DELTA interval.
REFRESH_PARTS = 6
UPDATED = UpdatedSince("updatedAfter", iso8601, overlap=timedelta(minutes=5))


def _candidate_ref(candidate: Json) -> Json:
    """What an application read needs of its candidate: the jobs it is assigned to."""
    return {"id": candidate["id"], "jobs": [a["job"]["id"] for a in mapping.assignments(candidate)]}


def _applications_of(kept: Json) -> Sequence[Json]:
    return [{"id": kept["id"], "job": job} for job in kept.get("jobs") or []]


class SmartRecruitersConnector(HttpConnector):
    tool: ClassVar[str] = "smartrecruiters"
    label: ClassVar[str] = "SmartRecruiters"
    connection_guide_url: ClassVar[str | None] = GUIDE
    passthrough_apis: ClassVar[tuple[str, ...]] = ("api",)
    coverage = COVERAGE
    config = ConfigSchema(
        [
            api_key(
                label="API key",
                help="Credential Manager -> New Credential -> API Key (an administrator's; sent as X-SmartToken). "
                "It acts as that user, with full access to the company's data.",
                vendor_url=GUIDE,
            ),
            # 10 requests per second per key. Paced at 95% of 6/s in bursts of 3, no one-second window
            # holds more than 9.
            *client_tunables(
                base_url="https://api.smartrecruiters.com",
                requests_per_second=6,
                burst=4,
                base_url_help="SmartRecruiters' Customer API; change it only for a proxy or an emulator.",
            ),
            ConfigField("page_size", "int", default=MAX_PAGE_SIZE, minimum=1, maximum=MAX_PAGE_SIZE, label="Page size"),
            child_refresh(REFRESH_PARTS),
            webhook_secret(
                help="Optional: the secret key of the webhook subscription (POST /webhooks-api/v201907/subscriptions/"
                "{id}/secret-key); several comma-separated while keys rotate. Needed to receive SmartRecruiters' "
                "webhooks (docs/upstream-webhooks.md).",
                vendor_url="https://developers.smartrecruiters.com/docs/webhooks-security",
            ),
        ]
    )
    records = "content"
    check_request = Request("GET", USERS, {"limit": 1})
    # Write actions (actions.py): what SmartRecruiters' API can do of Kombo's, and with which fields.
    actions: ClassVar[Mapping[str, ActionSupport]] = writes.SUPPORT
    # Upstream webhooks (webhooks.py): the applications an event names are refetched.
    webhooks: ClassVar[UpstreamWebhooks] = WEBHOOKS

    def auth(self) -> Auth:
        return HeaderKey("X-SmartToken", self.settings["api_key"])

    def shape(self, endpoint: str) -> Shape:
        return shapes.for_path(endpoint)

    def declare(self) -> Sequence[Declared]:
        self.paginator = CursorInBody("nextPageId", param="pageId", limit=self.settings["page_size"])
        one_page = CursorInBody("nextPageId", param="pageId")  # the configuration lists: no `limit`
        return [
            RestStream("users", USERS, plain(mapping.map_user)),
            RestStream(
                "rejection_reasons",
                "/configuration/rejection-reasons",
                plain(partial(mapping.map_reason, mapping.REJECTION_PREFIX)),
                paginator=one_page,
            ),
            RestStream(
                "rejection_reasons",
                "/configuration/withdrawal-reasons",
                plain(partial(mapping.map_reason, mapping.WITHDRAWAL_PREFIX)),
                paginator=one_page,
                name="withdrawal_reasons",
            ),
            RestStream("jobs", "/jobs", plain(mapping.map_job)),
            CustomStream("application_stages", _stages),
            RestStream(
                "candidates",
                "/candidates",
                _candidate,
                incremental=UPDATED,
                # Its custom fields; 404: deleted since it was listed, so not stored (the next FULL
                # sync deletes it).
                detail=Detail("/candidates/{id}/properties", paginator=one_page, absent=frozenset({404})),
            ),
            RestStream(
                "applications",
                "/candidates/{id}/jobs/{job}",
                _application,
                records=ONE,
                paginator=one_page,
                prepare=_load_pipeline,
                parent=Parent(
                    "candidates",
                    keep=_candidate_ref,
                    each=_applications_of,
                    refresh_parts=REFRESH_PARTS,
                    # Removed from the job (or the candidate deleted) since it was listed: none here,
                    # and the next FULL sync deletes it.
                    absent=frozenset({404}),
                ),
            ),
        ]

    async def perform(self, action: Action) -> ActionResult:
        return await writes.SmartRecruitersWriter(self.runtime).perform(action)

    async def refetch(self, refs: Sequence[Ref]) -> Refetched:
        """The records an upstream webhook named, read as write actions read them back (actions.py)."""
        return await writes.refetch(self.runtime, refs)


async def _hiring_process(run: StreamRun) -> Json | None:
    processes = await run.all(Request("GET", HIRING_PROCESSES), paginator=CursorInBody("nextPageId", param="pageId"))
    return mapping.hiring_process(processes)


async def _load_pipeline(run: StreamRun) -> Mapping[str, Any]:
    return {"pipeline": mapping.pipeline(await _hiring_process(run))}


async def _stages(run: StreamRun) -> AsyncIterator[StreamItem]:
    """Every job's pipeline: the hiring process's stages, one set per job (Kombo's stages are a job's)."""
    process = await _hiring_process(run)
    async for job in run.records(Request("GET", "/jobs"), endpoint="/jobs"):
        for record in run.map(lambda raw, _context: mapping.map_stages(raw["id"], process), job, "/jobs"):
            yield record


def _candidate(raw: Json, context: MapContext) -> Record:
    return mapping.map_candidate(raw, context.detail)


def _application(raw: Json, context: MapContext) -> Record:
    owner = context.parent
    return mapping.map_application(owner["id"], owner["job"], raw, context.lookups["pipeline"])
