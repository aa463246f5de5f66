"""Greenhouse Harvest v3 as declared streams.

v3 is normalized: what one unified record needs lives in resources of their own (a job's posts and
hiring team, an application's stage history, a scorecard's answers). Those models are `Joined`
streams (framework/joined.py): their own listing, related rows listed per batch of records by
`<parent>_ids=` filters, and small dictionaries read whole. Every listing filters on
`updated_at=gte|<last run's start - 5 min>` in a DELTA run -- the related ones too, so a new
interviewer or a chosen answer rebuilds its record although the record's own `updated_at` stayed:
no child is assumed to move its parent. Paging follows `Link: rel="next"` verbatim (the cursor must
be the only parameter). Auth: OAuth2 client credentials, a bearer token fetched, cached and
refreshed per integration. Write actions: actions.py. docs/connectors/greenhouse.md has the rules and
where they come from.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import timedelta
from functools import partial
from typing import Any, ClassVar

from hirebridge.connectors.base import Checkpoint, StreamItem
from hirebridge.connectors.framework import (
    Auth,
    ConfigField,
    ConfigSchema,
    CredentialsInvalid,
    CustomStream,
    HttpConnector,
    LinkHeader,
    Request,
    RequestRejected,
    RestStream,
    SourceError,
    StreamRun,
    UpdatedSince,
    client_tunables,
    download,
    operator,
    plain,
    shared_client_credentials,
)
from hirebridge.connectors.framework.actions import ActionResult
from hirebridge.connectors.framework.config import webhook_secret
from hirebridge.connectors.framework.files import Downloads
from hirebridge.connectors.framework.joined import Joined, Lookup, Related, chunks, key_of
from hirebridge.connectors.framework.payloads import Shape
from hirebridge.connectors.framework.ratelimit import RateLimits
from hirebridge.connectors.framework.streams import Declared, Json
from hirebridge.connectors.framework.webhooks import Ref, Refetched, UpstreamWebhooks
from hirebridge.connectors.greenhouse import actions as writes
from hirebridge.connectors.greenhouse import mapping, shapes
from hirebridge.connectors.greenhouse.coverage import COVERAGE
from hirebridge.connectors.greenhouse.webhooks import WEBHOOKS
from hirebridge.model.actions import Action, ActionSupport
from hirebridge.model.records import Record, Scorecard

GUIDE = "https://harvestdocs.greenhouse.io/docs/authentication"
UPDATED = UpdatedSince("updated_at", format=operator("gte|{}"), overlap=timedelta(minutes=5))
MAX_PAGE_SIZE = 500
IDS = 50  # Harvest's id and parent-id filters take at most 50 values
MAX_LINKS = 100_000  # signed links kept for the run's downloads (~200 bytes each); beyond, files are re-listed
DEFAULTS = {"include_defaults": "true"}  # Greenhouse's built-in rejection reasons too
INACTIVE = {"active": "false"}


def _by_job(path: str, **params: Any) -> Related:
    return Related(path, by="job_ids", link="job_id", params=params)


def _job(row: Json, rows: Mapping[str, list[Json]], lookups: Mapping[str, Any], *, app_url: str) -> Record:
    return mapping.map_job(
        row,
        departments=lookups["departments"],
        offices=lookups["offices"],
        hiring_managers=rows["hiring_managers"],
        owners=rows["owners"],
        posts=rows["posts"] + rows["old_posts"],
        openings=rows["openings"],
        app_url=app_url,
    )


def _candidate(row: Json, rows: Mapping[str, list[Json]], lookups: Mapping[str, Any], *, app_url: str) -> Record:
    return mapping.map_candidate(
        row,
        applied_tags=rows["applied_tags"],
        tags=lookups["tags"],
        source=mapping.candidate_source(rows["applications"], lookups["sources"]),
        app_url=app_url,
    )


def _application(row: Json, rows: Mapping[str, list[Json]], lookups: Mapping[str, Any], *, app_url: str) -> Record:
    return mapping.map_application(
        row, rejection_reasons=lookups["reasons"], stage_history=rows["stages"], app_url=app_url
    )


def _interview(row: Json, rows: Mapping[str, list[Json]], lookups: Mapping[str, Any]) -> Record:
    return mapping.map_interview(row, interviewers=rows["interviewers"], job_interviews=lookups["slots"])


def _scorecard(row: Json, rows: Mapping[str, list[Json]], lookups: Mapping[str, Any]) -> Scorecard | None:
    """Only the questions of the scorecard's kit (and their options) are handed to the mapping: it
    orders every question it is given."""
    questions = {str(q["id"]): q for q in lookups["questions"].get(key_of(row.get("interview_kit_id")) or "", [])}
    application = next(iter(rows["application"]), {})
    return mapping.map_scorecard(
        row,
        candidate_remote_id=key_of(application.get("candidate_id")),
        interview_remote_id=mapping.scorecard_interviews(rows["seat"]).get(str(row["id"])),
        questions=questions,
        answers=rows["answers"],
        question_options=[o for q in questions for o in lookups["options"].get(q, [])],
        answer_options=rows["chosen"],
    )


def joined(app_url: str) -> list[Joined]:
    """The joined models; `app_url` is the Greenhouse UI host their `remote_url` links point into."""
    return [
        Joined(
            "jobs",
            "/jobs",
            partial(_job, app_url=app_url),
            UPDATED,
            related={
                "posts": _by_job("/job_posts"),
                "old_posts": _by_job("/job_posts", **INACTIVE),
                "openings": _by_job("/openings"),
                "hiring_managers": _by_job("/job_hiring_managers"),
                "owners": _by_job("/job_owners"),
            },
            lookups={"departments": Lookup("/departments"), "offices": Lookup("/offices")},
        ),
        Joined(
            "candidates",
            "/candidates",
            partial(_candidate, app_url=app_url),
            UPDATED,
            related={
                "applied_tags": Related("/applied_candidate_tags", by="candidate_ids", link="candidate_id"),
                # A new application can change the candidate's source (the earliest one's).
                "applications": Related("/applications", by="candidate_ids", link="candidate_id"),
            },
            lookups={"tags": Lookup("/candidate_tags"), "sources": Lookup("/sources")},
        ),
        Joined(
            "applications",
            "/applications",
            partial(_application, app_url=app_url),
            UPDATED,
            related={"stages": Related("/application_stages", by="application_ids", link="application_id")},
            lookups={"reasons": Lookup("/rejection_reasons", DEFAULTS)},
        ),
        Joined(
            "interviews",
            "/interviews",
            _interview,
            UPDATED,
            related={"interviewers": Related("/interviewers", by="interview_ids", link="interview_id")},
            lookups={"slots": Lookup("/job_interviews")},
        ),
        Joined(
            "scorecards",
            "/scorecards",
            _scorecard,
            UPDATED,
            related={
                "seat": Related("/interviewers", by="scorecard_ids", link="scorecard_id"),
                "answers": Related("/scorecard_question_answers", by="scorecard_ids", link="scorecard_id"),
                # Written with their answers: a change shows as the answer's.
                "chosen": Related(
                    "/scorecard_question_answer_options",
                    by="scorecard_question_answer_ids",
                    link="scorecard_question_answer_id",
                    through="answers",
                    watch=False,
                ),
                # Its candidate: an application never changes candidate.
                "application": Related("/applications", by="ids", link="id", key="application_id", watch=False),
            },
            lookups={
                "questions": Lookup("/scorecard_questions", group="interview_kit_id"),
                "options": Lookup("/scorecard_question_options", group="scorecard_question_id"),
            },
        ),
    ]


class GreenhouseConnector(HttpConnector):
    tool: ClassVar[str] = "greenhouse"
    label: ClassVar[str] = "Greenhouse"
    connection_guide_url: ClassVar[str | None] = GUIDE
    passthrough_apis: ClassVar[tuple[str, ...]] = ("harvestv3",)
    coverage = COVERAGE
    config = ConfigSchema(
        [
            ConfigField(
                "client_id",
                required=True,
                label="Client ID",
                help="Configure -> Dev Center -> API Credentials -> Create new API credentials -> Harvest V3 (OAuth); "
                "grant the harvest:<resource>:list scopes docs/connectors/greenhouse.md lists.",
                vendor_url=GUIDE,
            ),
            ConfigField("client_secret", secret=True, required=True, label="Client secret", vendor_url=GUIDE),
            ConfigField(
                "sub",
                label="Acting user ID",
                help="Optional: the Greenhouse user (a Site Admin) the calls act as; default: the credential's own.",
            ),
            ConfigField("token_url", "url", default="https://auth.greenhouse.io/token", label="Token URL"),
            ConfigField(
                "app_url",
                "url",
                default=mapping.APP_URL,
                label="Greenhouse web app URL",
                help="Where records' remote_url links point: the host your Greenhouse account is opened on "
                "(another one for an account in Greenhouse's EU data centre).",
            ),
            # Harvest's window is rolling (50 requests per 10 s in v1's documentation; v3 publishes none):
            # a bucket may hold at most `burst + rate * 10 s` <= 50, hence a small burst.
            *client_tunables(base_url="https://harvest.greenhouse.io/v3", requests_per_second=4.5, burst=5),
            ConfigField("page_size", "int", default=MAX_PAGE_SIZE, minimum=1, maximum=MAX_PAGE_SIZE, label="Page size"),
            webhook_secret(
                help="Optional: the secret key of Greenhouse's web hooks (Configure -> Dev Center -> Web Hooks), the "
                "same on each; several comma-separated during a rotation. Needed to receive Greenhouse's web hooks "
                "(docs/upstream-webhooks.md).",
                vendor_url="https://developers.greenhouse.io/webhooks.html",
            ),
        ]
    )
    records = None  # every v3 list is a bare JSON array
    actions: ClassVar[Mapping[str, ActionSupport]] = writes.SUPPORT
    webhooks: ClassVar[UpstreamWebhooks] = WEBHOOKS

    def __init__(self, integration_id: str, config: Mapping[str, Any], limits: RateLimits | None = None) -> None:
        self._links: dict[str, str] = {}  # attachment id -> the signed link this run listed
        self._joined: dict[str, Joined] = {}
        super().__init__(integration_id, config, limits)

    check_request = Request("GET", "/users", {"per_page": 1})

    def auth(self) -> Auth:
        sub = self.settings.get("sub")
        # Shared by the connectors this process builds with these credentials: one token for them all.
        return shared_client_credentials(
            self.settings["token_url"],
            self.settings["client_id"],
            self.settings["client_secret"],
            extra_form={"sub": str(sub)} if sub else None,
        )

    def shape(self, endpoint: str) -> Shape:
        return shapes.for_path(endpoint)

    def declare(self) -> Sequence[Declared]:
        self.paginator = LinkHeader(limit=self.settings["page_size"])
        self._joined = {j.model: j for j in joined(self.settings["app_url"].rstrip("/"))}
        jobs, candidates, applications, interviews, scorecards = (j.stream() for j in self._joined.values())
        listing = partial(RestStream, incremental=UPDATED)
        return [
            listing("users", "/users", plain(mapping.map_user), params={"show_service_accounts": "true"}),
            CustomStream("roles", _roles),
            listing("tags", "/candidate_tags", plain(mapping.map_tag)),
            listing("rejection_reasons", "/rejection_reasons", plain(mapping.map_rejection_reason), params=DEFAULTS),
            jobs,
            CustomStream("application_stages", _stages),
            listing("job_postings", "/job_posts", plain(mapping.map_job_post)),
            # Unpublished and deleted posts are listed only with active=false.
            listing("job_postings", "/job_posts", plain(mapping.map_job_post), params=INACTIVE, name="old_posts"),
            candidates,
            applications,
            interviews,
            scorecards,
            listing("offers", "/offers", plain(mapping.map_offer), params={"current_only": "true"}),
            listing("notes", "/notes", plain(mapping.map_note), params={"type": "NOTE"}),
            listing("attachments", "/attachments", plain(self.attachment)),
        ]

    def joined_spec(self, model: str) -> Joined:
        """The declaration of a joined model (a write action reads its records back with it)."""
        return self._joined[model]

    async def perform(self, action: Action) -> ActionResult:
        """A write action (actions.py)."""
        return await writes.perform(self, action)

    async def refetch(self, refs: Sequence[Ref]) -> Refetched:
        """The records an upstream webhook named, read back as write actions read them (actions.py)."""
        return await writes.refetch(self, refs)

    def attachment(self, row: Json) -> Record:
        # The signed `url` changes with every listing (it expires): kept in remote_data, it would make
        # every FULL "change" every attachment. This run's downloads use the one just listed.
        url = row.get("url")
        if isinstance(url, str) and url and len(self._links) < MAX_LINKS:
            self._links[str(row["id"])] = url
        return mapping.map_attachment({k: v for k, v in row.items() if k != "url"})

    def fetch_attachment(self, remote_id: str) -> tuple[bytes, str]:
        """Follow the attachment's signed link (to the storage host, without our token): the one this
        run listed (valid 7 days), else -- or when it no longer answers -- a fresh one, listing the
        attachment again (a Harvest request each: 10,000 files re-listed are 37 minutes of quota)."""
        listed = self._links.pop(remote_id, None)

        async def get(files: Downloads) -> tuple[bytes, str]:
            if listed is not None:
                try:
                    return await download(files.storage, listed, key=remote_id)
                except (KeyError, CredentialsInvalid, RequestRejected):
                    pass  # expired or revoked (the storage host's 403 is no verdict on our credentials)
            rows = await files.api.json("GET", "/attachments", params={"ids": remote_id})
            row = next((r for r in rows if isinstance(r, dict) and str(r.get("id")) == remote_id), None)
            if row is None:
                raise KeyError(remote_id)
            url = row.get("url")
            if not isinstance(url, str) or not url:
                raise SourceError(f"greenhouse listed attachment {remote_id} without a url")
            return await download(files.storage, url, key=remote_id)

        return self.downloads().run(get)


async def _roles(run: StreamRun) -> AsyncIterator[StreamItem]:
    """The roles v3 knows are fixed (Site Admin and the hiring-team places): no request."""
    for role in mapping.roles():
        yield role


async def _stages(run: StreamRun) -> AsyncIterator[StreamItem]:
    """Each job's interview stages, positioned within the job: a DELTA re-reads every stage of a job
    one of whose stages changed (a new stage moves the others' index)."""
    since = run.since(UPDATED, run.state)
    listing = Request("GET", "/job_interview_stages")
    if since is None:
        rows = await run.all(listing)
    else:
        changed = listing.with_params(updated_at=UPDATED.format(since))
        jobs = sorted({job async for row in run.records(changed) if (job := key_of(row.get("job_id")))})
        requests = [listing.with_params(job_ids=",".join(ids)) for ids in chunks(jobs, IDS)]
        rows = [row for found in await run.client.bounded([partial(run.all, r) for r in requests]) for row in found]
    for record in run.map(plain(mapping.map_stages), rows, listing.url):
        yield record
    yield Checkpoint({"since": run.started_ms})
