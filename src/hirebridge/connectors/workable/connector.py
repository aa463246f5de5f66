"""Workable (SPI v3) as declared streams: GET listings paged by `paging.next` URLs, `updated_after`
on jobs and candidates, per-job stages and per-candidate details, comments and offers.

Workable's candidates are candidacies (one per person and job); each is a Kombo candidate and its one
application (mapping.py). Children of an unchanged job or candidate (its pipeline, its comments, its
offer) are re-read one part of the stored parents per DELTA run: Workable does not say that a
comment or an offer moves its candidate's `updated_at`. Events (interviews) and members have no
incremental filter and are read in full on every run; so are the disqualification reasons.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any, ClassVar

from hirebridge.connectors.framework import (
    Auth,
    BearerToken,
    ConfigField,
    ConfigSchema,
    Detail,
    HttpConnector,
    Parent,
    Request,
    RestStream,
    StreamRun,
    UpdatedSince,
    api_key,
    child_refresh,
    client_tunables,
    plain,
)
from hirebridge.connectors.framework.actions import ActionResult
from hirebridge.connectors.framework.config import webhook_secret
from hirebridge.connectors.framework.paging import ONE, NextUrl
from hirebridge.connectors.framework.payloads import Shape
from hirebridge.connectors.framework.streams import Declared, Json, MapContext, iso8601
from hirebridge.connectors.framework.webhooks import Ref, Refetched, UpstreamWebhooks
from hirebridge.connectors.workable import actions as writes
from hirebridge.connectors.workable import mapping, shapes
from hirebridge.connectors.workable.coverage import COVERAGE
from hirebridge.connectors.workable.webhooks import WEBHOOKS
from hirebridge.model.actions import Action, ActionSupport
from hirebridge.model.records import Record

MAX_PAGE_SIZE = 100
GUIDE = "https://workable.readme.io/reference/generate-an-access-token"
# DELTA runs in which the pipeline of every unchanged job and the comments and offer of every
# unchanged candidate are read once: within 18 hours at the default 3-hour DELTA interval (a child
# request per candidate at 1 request/s: a sixth of them per DELTA).
REFRESH_PARTS = 6
UPDATED = UpdatedSince("updated_after", iso8601, overlap=timedelta(minutes=5))
# A candidate has an offer once moved to the offer stage (`moved_to_offer_at`); asking for the
# offer of any other answers 404.
OFFER_KINDS = frozenset({"offer", "hired"})


def _candidate_ref(candidate: Json) -> Json:
    has_offer = bool(candidate.get("moved_to_offer_at")) or candidate.get("stage_kind") in OFFER_KINDS
    return {"id": candidate["id"], "offer": has_offer}


class WorkableConnector(HttpConnector):
    tool: ClassVar[str] = "workable"
    label: ClassVar[str] = "Workable"
    connection_guide_url: ClassVar[str | None] = GUIDE
    passthrough_apis: ClassVar[tuple[str, ...]] = ("spi",)
    coverage = COVERAGE
    config = ConfigSchema(
        [
            api_key(
                label="API access token",
                help="Settings -> Integrations -> Access token, with the scopes r_jobs and r_candidates.",
                vendor_url=GUIDE,
            ),
            ConfigField(
                "subdomain",
                required=True,
                label="Account subdomain",
                help="The <subdomain> of https://<subdomain>.workable.com, where the account's API lives.",
            ),
            # 10 requests per 10-second window for an account token (50 for OAuth and partner
            # tokens: raise both). Paced at 0.95/s in bursts of 1, no 10 s window ever holds more than 10.
            *client_tunables(
                base_url="https://{subdomain}.workable.com/spi/v3",
                requests_per_second=1,
                burst=2,
                base_url_help="Workable's API; {subdomain} is replaced by the account subdomain.",
            ),
            ConfigField("page_size", "int", default=MAX_PAGE_SIZE, minimum=1, maximum=MAX_PAGE_SIZE, label="Page size"),
            child_refresh(REFRESH_PARTS),
            ConfigField(
                "member_id",
                label="Acting member",
                help="Optional: the id of the Workable member (GET /members) that write actions are made as; "
                "Workable requires one to move, disqualify or comment on a candidate.",
            ),
            webhook_secret(
                help="Optional: Workable signs its webhooks with the account's API token (or an OAuth app's "
                "secret): store that here to receive them (POST /subscriptions; docs/upstream-webhooks.md).",
                vendor_url="https://workable.readme.io/reference/webhook-subscriptions",
            ),
        ]
    )
    records = None
    check_request = Request("GET", "/members", {"limit": 1})
    # Write actions (actions.py): what Workable's API can do of Kombo's, and with which fields.
    actions: ClassVar[Mapping[str, ActionSupport]] = writes.SUPPORT
    # Upstream webhooks (webhooks.py): the candidates an event names are refetched as write actions read them.
    webhooks: ClassVar[UpstreamWebhooks] = WEBHOOKS

    def auth(self) -> Auth:
        return BearerToken(self.settings["api_key"])

    def shape(self, endpoint: str) -> Shape:
        return shapes.for_path(endpoint)

    def declare(self) -> Sequence[Declared]:
        self.paginator = NextUrl("paging.next", limit=self.settings["page_size"])
        # A DELTA re-reads children of parents it did not list this time (REFRESH_PARTS); one deleted at
        # the source since answers 404 (Workable shows deletions only as absence): none here, and the
        # next FULL sync deletes it.
        gone = frozenset({404})
        # A candidate's children hang off its candidacy (`applications`, the same `/candidates` rows).
        candidates = Parent("applications", keep=_candidate_ref, refresh_parts=REFRESH_PARTS, absent=gone)
        return [
            RestStream("users", "/members", plain(mapping.map_member), records="members"),
            RestStream(
                "rejection_reasons",
                "/disqualification_reasons",
                plain(mapping.map_disqualification_reason),
                paginator=NextUrl("paging.next"),  # a bare array, one page
                records=None,
            ),
            RestStream("jobs", "/jobs", plain(mapping.map_job), records="jobs", incremental=UPDATED),
            RestStream(
                "application_stages",
                "/jobs/{id}/stages",
                _stages,
                records="stages",
                paginator=NextUrl("paging.next"),
                parent=Parent(
                    "jobs", keep=lambda job: {"id": job["shortcode"]}, refresh_parts=REFRESH_PARTS, absent=gone
                ),
            ),
            RestStream(
                "candidates",
                "/candidates",
                _candidate,
                records="candidates",
                incremental=UPDATED,
                # Each row's detail (`GET /candidates/:id`: social profiles, custom attributes), one request
                # per row, 4 at a time: a FULL reads every candidate's, a DELTA those of the candidates
                # changed since. A candidate deleted between its row and its detail (404) is none, not a
                # failed run; the next FULL deletes it.
                detail=Detail("/candidates/{id}", paginator=NextUrl("paging.next"), absent=gone),
            ),
            RestStream(
                "applications",
                "/candidates",
                _application,
                records="candidates",
                incremental=UPDATED,
                prepare=_load_stage_slugs,
            ),
            RestStream("interviews", "/events", plain(mapping.map_event), records="events"),
            RestStream(
                "notes",
                "/candidates/{id}/activities",
                lambda activity, context: mapping.map_comment(context.parent["id"], activity),
                records="activities",
                params={"actions": "comment"},
                parent=candidates,
            ),
            RestStream(
                "offers",
                "/candidates/{id}/offer",
                lambda offer, context: mapping.map_offer(context.parent["id"], offer),
                records=ONE,
                paginator=NextUrl("paging.next"),
                parent=Parent(
                    "applications",
                    keep=_candidate_ref,
                    refresh_parts=REFRESH_PARTS,
                    only=lambda candidate: bool(candidate.get("offer")),
                    absent=frozenset({404}),  # withdrawn since, or never sent
                ),
            ),
        ]

    async def perform(self, action: Action) -> ActionResult:
        return await writes.WorkableWriter(self.runtime, self.settings.get("member_id")).perform(action)

    async def refetch(self, refs: Sequence[Ref]) -> Refetched:
        """The records an upstream webhook named, read as write actions read them back (actions.py)."""
        return await writes.refetch(self.runtime, refs)


def _candidate(row: Json, context: MapContext) -> Record:
    """A candidate from its row of the list and its detail (`{"candidate": {...}}`)."""
    assert context.detail is not None
    return mapping.map_candidate(row, context.detail["candidate"])


async def _load_stage_slugs(run: StreamRun) -> dict[str, Any]:
    """A candidate names its stage by display name; its stage id needs the slug (`/stages`: the
    account's pipeline)."""
    stages = await run.all(Request("GET", "/stages"), records="stages", paginator=NextUrl("paging.next"))
    return {"slugs": {s["name"]: s["slug"] for s in stages if s.get("name")}}


def _stages(stage: Json, context: MapContext) -> Record:
    return mapping.map_stage(context.parent["id"], stage)


def _application(candidate: Json, context: MapContext) -> Record:
    return mapping.map_application(candidate, context.lookups["slugs"])
