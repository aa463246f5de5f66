"""Recruitee as declared streams: GET listings under `/c/<company_id>`, candidates paged by
`limit`/`offset`, every other listing in one answer (the team by `page`).

Recruitee documents no "updated since" filter on any listing we read (`/candidates` has
`created_after` only, which misses every change to an existing candidate or placement), so every
stream is read in full on every run and `supports_delta` is False: the scheduler runs FULL syncs
only, and a FULL sees deletions by absence. Applications are the candidates' `placements`, read from
the `/candidates` listing; that listing's rows are the parents of a candidate's detail (one request
each: the profile fields are on the detail only), from which the candidates stream builds each
candidate with its row, and of its notes. An offer's pipeline is read per offer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from hirebridge.connectors.framework import (
    Auth,
    BearerToken,
    ConfigField,
    ConfigSchema,
    HttpConnector,
    Parent,
    Request,
    RestStream,
    StreamRun,
    api_key,
    client_tunables,
    plain,
)
from hirebridge.connectors.framework.actions import ActionResult
from hirebridge.connectors.framework.config import webhook_secret
from hirebridge.connectors.framework.paging import ONE, NextUrl, Offset, PageNumber
from hirebridge.connectors.framework.payloads import Shape
from hirebridge.connectors.framework.streams import Declared, Json, MapContext
from hirebridge.connectors.framework.webhooks import Ref, Refetched, UpstreamWebhooks
from hirebridge.connectors.recruitee import actions as writes
from hirebridge.connectors.recruitee import mapping, shapes
from hirebridge.connectors.recruitee.coverage import COVERAGE
from hirebridge.connectors.recruitee.webhooks import WEBHOOKS
from hirebridge.model.actions import Action, ActionSupport
from hirebridge.model.records import Application, ApplicationStage, Candidate, Note, User

GUIDE = "https://docs.recruitee.com/reference/getting-started"
MAX_PAGE_SIZE = 100
# Listings Recruitee answers in one piece (no paging parameters documented): a "next" the body
# never holds ends them after the first page.
ONE_PAGE = NextUrl("next")
GONE = frozenset({404})  # a parent deleted since it was listed: no children, the next FULL deletes it


def _listed(candidate: Json) -> Json:
    """What a candidate's detail and notes need of its row in the list: the row without its
    placements (they are the applications'; kept for every candidate until the run ends)."""
    return {k: v for k, v in candidate.items() if k != "placements"}


def _offer_ref(offer: Json) -> Json:
    return {"id": offer["id"], "job": offer.get("kind") == mapping.JOB}


class RecruiteeConnector(HttpConnector):
    tool: ClassVar[str] = "recruitee"
    label: ClassVar[str] = "Recruitee"
    connection_guide_url: ClassVar[str | None] = GUIDE
    passthrough_apis: ClassVar[tuple[str, ...]] = ("api",)
    supports_delta: ClassVar[bool] = False  # no updated filter to read changes by (module docstring)
    coverage = COVERAGE
    config = ConfigSchema(
        [
            api_key(
                label="Personal API token",
                help="Settings -> Apps and plugins -> Personal API tokens. Tokens are per user: "
                "HireBridge reads (and writes) as that user, and sees what the user may see.",
                vendor_url=GUIDE,
            ),
            ConfigField(
                "company_id",
                required=True,
                label="Company ID",
                help="Shown beside the personal API tokens (Settings -> Apps and plugins); the company's "
                "subdomain works too.",
            ),
            # Recruitee publishes no rate limit: 2 requests/s in bursts of 4 is a conservative guess
            # (a 429 with Retry-After is honoured either way).
            *client_tunables(
                base_url="https://api.recruitee.com/c/{company_id}",
                requests_per_second=2,
                burst=4,
                base_url_help="Recruitee's API; {company_id} is replaced by the company ID.",
            ),
            ConfigField("page_size", "int", default=MAX_PAGE_SIZE, minimum=1, maximum=MAX_PAGE_SIZE, label="Page size"),
            webhook_secret(
                help="Optional: the secret of Recruitee's webhook (Settings -> Apps and plugins -> Webhooks); "
                "several comma-separated during a rotation. Needed to receive Recruitee's webhooks "
                "(docs/upstream-webhooks.md).",
            ),
        ]
    )
    records = None
    check_request = Request("GET", "/disqualify_reasons")
    # Write actions (actions.py): what Recruitee's API can do of Kombo's, and with which fields.
    actions: ClassVar[Mapping[str, ActionSupport]] = writes.SUPPORT
    webhooks: ClassVar[UpstreamWebhooks] = WEBHOOKS

    def auth(self) -> Auth:
        return BearerToken(self.settings["api_key"])

    def shape(self, endpoint: str) -> Shape:
        return shapes.for_path(endpoint)

    def declare(self) -> Sequence[Declared]:
        size = self.settings["page_size"]
        # Until an empty page: Recruitee documents no maximum `limit`; were it to cap one unannounced,
        # a short page would end a FULL early and delete every candidate after it.
        self.paginator = Offset(limit=size, until_empty=True)
        return [
            RestStream(
                "users",
                "/memberships",
                _membership,
                records="memberships",
                paginator=PageNumber(size=size, size_param="limit"),
            ),
            RestStream(
                "rejection_reasons",
                "/disqualify_reasons",
                plain(mapping.map_disqualify_reason),
                records="disqualify_reasons",
                paginator=ONE_PAGE,
            ),
            RestStream("tags", "/tags", plain(mapping.map_tag), records="tags", paginator=ONE_PAGE),
            RestStream("jobs", "/offers", plain(mapping.map_offer), records="offers", paginator=ONE_PAGE),
            RestStream(
                "application_stages",
                "/offers/{id}",
                _stage,
                records="offer.pipeline_template.stages",
                paginator=ONE_PAGE,
                parent=Parent("jobs", keep=_offer_ref, only=lambda offer: bool(offer.get("job")), absent=GONE),
            ),
            RestStream(
                "applications",
                "/candidates",
                _placements,
                records="candidates",
                prepare=_load_jobs_and_reasons,
            ),
            # A candidate is its row of the list above and its detail (the profile fields are there
            # only): one request per listed candidate, 4 at a time. A candidate deleted since it was
            # listed answers 404 and is none, as deleted (its applications, just read, go at the next FULL).
            RestStream(
                "candidates",
                "/candidates/{id}",
                _candidate,
                records=ONE,
                paginator=ONE_PAGE,
                prepare=_load_tags,
                parent=Parent("applications", keep=_listed, absent=GONE),
            ),
            RestStream(
                "notes",
                "/candidates/{id}/notes",
                _note,
                records="notes",
                paginator=ONE_PAGE,
                parent=Parent("applications", absent=GONE),
            ),
        ]

    async def perform(self, action: Action) -> ActionResult:
        return await writes.RecruiteeWriter(self.runtime, self.settings["page_size"]).perform(action)

    async def refetch(self, refs: Sequence[Ref]) -> Refetched:
        """The records an upstream webhook named, read as write actions read them back (actions.py)."""
        return await writes.refetch(self.runtime, refs)


def _membership(raw: Json, context: MapContext) -> User:
    references = context.page.get("references") if isinstance(context.page, dict) else None
    return mapping.map_membership(raw, references if isinstance(references, list) else [])


def _stage(raw: Json, context: MapContext) -> ApplicationStage:
    offer = context.page.get("offer") if isinstance(context.page, dict) else None
    stages = ((offer or {}).get("pipeline_template") or {}).get("stages") or [raw]
    return mapping.map_stage(str(context.parent["id"]), raw, stages)


def _candidate(raw: Json, context: MapContext) -> Candidate:
    """The detail's `candidate` with the candidate's row of the list (the kept parent)."""
    return mapping.map_candidate(context.parent, raw["candidate"], context.lookups["tag_ids"])


def _placements(raw: Json, context: MapContext) -> list[Application]:
    return list(mapping.map_placements(raw, context.lookups["jobs"], context.lookups["reasons"]))


def _note(raw: Json, context: MapContext) -> Note:
    return mapping.map_note(str(context.parent["id"]), raw)


async def _load_tags(run: StreamRun) -> dict[str, Any]:
    """A candidate names its tags; the tag records (and Kombo's links) need their ids."""
    tags = await run.all(Request("GET", "/tags"), records="tags", paginator=ONE_PAGE)
    return {"tag_ids": {t["name"]: str(t["id"]) for t in tags if t.get("name")}}


async def _load_jobs_and_reasons(run: StreamRun) -> dict[str, Any]:
    """Which offers are jobs (a placement in a talent pool is no application), and the disqualify
    reasons' names by id."""
    offers = await run.all(Request("GET", "/offers"), records="offers", paginator=ONE_PAGE)
    reasons = await run.all(Request("GET", "/disqualify_reasons"), records="disqualify_reasons", paginator=ONE_PAGE)
    return {
        "jobs": frozenset(str(o["id"]) for o in offers if o.get("kind") == mapping.JOB),
        "reasons": {str(r["id"]): r["name"] for r in reasons if r.get("name")},
    }
