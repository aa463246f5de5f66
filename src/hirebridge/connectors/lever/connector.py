"""Lever as declared streams: global lists first (users, tags, archive reasons, postings, stages), then
contacts and opportunities, then each opportunity's children.

Incremental sync: opportunities and postings are listed with `updated_at_start` (epoch ms) from the
last run's start minus an overlap (streams.UpdatedSince); a DELTA run also reads
`/opportunities/deleted` and reports those ids as `Deleted`. Children are read for the opportunities
the run listed plus, on a DELTA run, one part of the stored ones (a child can change without its
opportunity's `updatedAt` moving: Lever does not say it moves). A FULL run reads everything; the
engine judges deletions by absence.

Write actions (Kombo's, as Lever's opportunity endpoints) are in actions.py: `perform` hands them on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import timedelta
from typing import Any, ClassVar

from hirebridge.connectors.base import Checkpoint, StreamItem
from hirebridge.connectors.framework import (
    Auth,
    BasicKeyAuth,
    ConfigField,
    ConfigSchema,
    CustomStream,
    DeletionFeed,
    HttpConnector,
    MapContext,
    Parent,
    Request,
    RestStream,
    StreamRun,
    UpdatedSince,
    api_key,
    child_refresh,
    client_tunables,
    download,
    plain,
)
from hirebridge.connectors.framework.actions import ActionResult
from hirebridge.connectors.framework.config import webhook_secret
from hirebridge.connectors.framework.files import Downloads
from hirebridge.connectors.framework.payloads import Shape
from hirebridge.connectors.framework.streams import Declared, Json
from hirebridge.connectors.framework.webhooks import Ref, Refetched, UpstreamWebhooks
from hirebridge.connectors.lever import mapping, shapes
from hirebridge.connectors.lever.actions import ACTIONS, LeverWriter, refetch
from hirebridge.connectors.lever.coverage import COVERAGE
from hirebridge.connectors.lever.webhooks import WEBHOOKS
from hirebridge.model.actions import Action, ActionSupport
from hirebridge.model.records import Record

# Re-read this much before the last sync's start: clock skew between Lever's servers and ours, and
# writes Lever commits with an `updatedAt` slightly in the past.
UPDATED = UpdatedSince("updated_at_start", overlap=timedelta(minutes=5))
# Without `confidentiality=all` Lever silently leaves out confidential postings and opportunities.
CONFIDENTIAL = {"confidentiality": "all"}
# DELTA runs in which the children of every unchanged opportunity are read once (at the default
# 3-hour DELTA interval: within 18 hours, before the daily FULL). Each part costs 6 requests per
# opportunity in it (Lever's child lists have no change filter): 4 parts made a DELTA a third of a
# FULL's requests on small accounts; 6 keep it near a fifth.
REFRESH_PARTS = 6


def _opportunity_ref(opportunity: Json) -> Json:
    """What a child stream needs to know about an opportunity (listed, or stored as an application's
    `remote_data`)."""
    contact = opportunity.get("contact")
    return {
        "id": opportunity["id"],
        "contact": contact if isinstance(contact, str) else None,
        "posting": mapping.posting_of(opportunity),
    }


OPPORTUNITY = Parent("applications", keep=_opportunity_ref, refresh_parts=REFRESH_PARTS)


class LeverConnector(HttpConnector):
    tool: ClassVar[str] = "lever"
    label: ClassVar[str] = "Lever"
    connection_guide_url: ClassVar[str | None] = "https://hire.lever.co/developer/documentation#authentication"
    passthrough_apis: ClassVar[tuple[str, ...]] = ("v1",)
    coverage = COVERAGE
    config = ConfigSchema(
        [
            api_key(
                help="Settings -> Integrations and API -> API Credentials: read access to users, tags, archive "
                "reasons, stages, postings, opportunities (and deleted ones), interviews, offers, notes, feedback, "
                "files and resumes; confidential data access to sync confidential postings and candidates.",
                vendor_url="https://hire.lever.co/developer/documentation#authentication",
            ),
            ConfigField(
                "perform_as",
                label="Acting user ID",
                help="Optional: the Lever user write actions are made on behalf of (Lever's perform_as; it owns the "
                "opportunities HireBridge creates). Without it, creating an application is refused; other writes "
                "are made without one.",
                vendor_url="https://hire.lever.co/developer/documentation#create-an-opportunity",
            ),
            *client_tunables(
                base_url="https://api.lever.co/v1",
                requests_per_second=10,
                burst=20,
                base_url_help="https://api.sandbox.lever.co/v1 for Lever's sandbox.",
            ),
            child_refresh(REFRESH_PARTS),
            webhook_secret(
                help="Optional: the signature token Lever shows for each webhook (Settings -> Integrations and API -> "
                "Webhooks); several comma-separated when the events' tokens differ. Needed to receive Lever's "
                "webhooks (docs/upstream-webhooks.md).",
                vendor_url="https://hire.lever.co/developer/documentation#webhooks",
            ),
        ]
    )
    check_request = Request("GET", "/users", {"limit": 1})
    actions: ClassVar[Mapping[str, ActionSupport]] = ACTIONS
    webhooks: ClassVar[UpstreamWebhooks] = WEBHOOKS

    async def perform(self, action: Action) -> ActionResult:
        """Do `action` in Lever (actions.py); the records it changed, mapped as the streams map them."""
        return await LeverWriter(self.runtime, self.settings.get("perform_as")).perform(action)

    async def refetch(self, refs: Sequence[Ref]) -> Refetched:
        """The records an upstream webhook named, read as write actions read them back (actions.py)."""
        return await refetch(self.runtime, refs)

    def auth(self) -> Auth:
        return BasicKeyAuth(self.settings["api_key"])

    def shape(self, endpoint: str) -> Shape:
        return shapes.for_path(endpoint)

    def declare(self) -> Sequence[Declared]:
        child = OPPORTUNITY
        return [
            RestStream("users", "/users", plain(mapping.map_user), params={"includeDeactivated": "true"}),
            RestStream("tags", "/tags", plain(mapping.map_tag)),
            RestStream("rejection_reasons", "/archive_reasons", plain(mapping.map_rejection_reason)),
            RestStream("jobs", "/postings", plain(mapping.map_job), params=CONFIDENTIAL, incremental=UPDATED),
            # Every posting gets Lever's global stage list. Read whole each run: a new global stage
            # belongs to every posting, changed or not, and both lists are a few pages at most.
            RestStream("application_stages", "/postings", _stages, params=CONFIDENTIAL, prepare=_load_stages),
            CustomStream("candidates", _candidates),
            RestStream(
                "applications",
                "/opportunities",
                _application,
                params={**CONFIDENTIAL, "expand": "applications"},
                incremental=UPDATED,
                deletions=DeletionFeed("/opportunities/deleted", "deleted_at_start"),
                prepare=_load_archive_reasons,
            ),
            RestStream("interviews", "/opportunities/{id}/interviews", _interview, parent=child),
            RestStream("offers", "/opportunities/{id}/offers", _offer, parent=child),
            RestStream("notes", "/opportunities/{id}/notes", _note, parent=child),
            RestStream("scorecards", "/opportunities/{id}/feedback", _feedback, parent=child),
            RestStream("attachments", "/opportunities/{id}/files", _file, parent=child),
            RestStream("attachments", "/opportunities/{id}/resumes", _resume, name="resumes", parent=child),
        ]

    def fetch_attachment(self, remote_id: str) -> tuple[bytes, str]:
        """Download one file or resume; KeyError when Lever no longer has it."""
        opportunity_id, kind, file_id = mapping.parse_attachment_remote_id(remote_id)
        path = f"/opportunities/{opportunity_id}/{kind}/{file_id}/download"

        async def get(files: Downloads) -> tuple[bytes, str]:
            return await download(files.api, path, key=remote_id)

        return self.downloads().run(get)


async def _load_stages(run: StreamRun) -> dict[str, Any]:
    return {"stages": await run.all(Request("GET", "/stages"))}


async def _load_archive_reasons(run: StreamRun) -> dict[str, Any]:
    """Outcome and rejection reason need each archive reason's type and text."""
    return {"reasons": {r["id"]: r for r in await run.all(Request("GET", "/archive_reasons"))}}


def _stages(posting: Json, context: MapContext) -> list[Record]:
    return list(mapping.map_stages(posting["id"], context.lookups["stages"]))


def _application(opportunity: Json, context: MapContext) -> Record:
    return mapping.map_application(opportunity, context.lookups["reasons"])


def _interview(interview: Json, context: MapContext) -> Record:
    return mapping.map_interview(interview, context.parent["id"], context.parent["posting"])


def _offer(offer: Json, context: MapContext) -> Record:
    return mapping.map_offer(offer, context.parent["id"])


def _note(note: Json, context: MapContext) -> Record | None:
    return mapping.map_note(note, context.parent["id"], context.parent["contact"])


def _feedback(feedback: Json, context: MapContext) -> Record | None:
    return mapping.map_feedback(feedback, context.parent["id"], context.parent["contact"])


def _file(file: Json, context: MapContext) -> Record | None:
    return mapping.map_file(file, context.parent["id"], context.parent["contact"])


def _resume(resume: Json, context: MapContext) -> Record | None:
    return mapping.map_resume(resume, context.parent["id"], context.parent["contact"])


_CONTACT_KEYS = (
    "id",
    "contact",
    "name",
    "headline",
    "emails",
    "phones",
    "location",
    "isAnonymized",
    "tags",
    "sources",
    "links",
    "urls",
    "createdAt",
    "updatedAt",
    "confidentiality",
)


async def _candidates(run: StreamRun) -> AsyncIterator[StreamItem]:
    """Contacts, built from their opportunities (Lever has no contact list). A contact's tags are the
    union over all its opportunities, so a DELTA run re-reads every opportunity of each contact it saw
    change (`contact_id=`), never just the changed ones."""
    reading = run.read(Request("GET", "/opportunities", CONFIDENTIAL), UPDATED, run.state)
    candidate = plain(mapping.candidate_from_opportunities)
    if reading.full:
        # A contact's opportunities are not listed together: hold what a candidate needs of each
        # until the listing ends.
        by_contact: dict[str, list[Json]] = {}
        async for opportunity in reading.records():
            if isinstance(contact := opportunity.get("contact"), str):
                by_contact.setdefault(contact, []).append({k: opportunity.get(k) for k in _CONTACT_KEYS})
        for contact in sorted(by_contact):
            for record in run.map(candidate, by_contact[contact], "/opportunities"):
                yield record
    else:
        contacts = sorted({o["contact"] async for o in reading.records() if isinstance(o.get("contact"), str)})
        everything = [{"id": contact} for contact in contacts]
        of_contact = lambda c: Request("GET", "/opportunities", {**CONFIDENTIAL, "contact_id": c["id"]})  # noqa: E731
        async for _contact, endpoint, opportunities in run.fan_out(everything, of_contact):
            if opportunities:
                for record in run.map(candidate, opportunities, endpoint):
                    yield record
    if reading.state is not None:
        yield Checkpoint(reading.state)
