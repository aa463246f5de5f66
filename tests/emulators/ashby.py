"""An Ashby API emulator: POST-RPC over real HTTP, generated data of any size, sync tokens, faults.

Speaks what the connector relies on (spec §4.3): Basic auth with the key as username; `POST
/<entity>.<verb>` with a JSON body `{limit, cursor, syncToken, ...}`; answers `{success, results,
moreDataAvailable, nextCursor, syncToken}`; errors as HTTP 200 `success: false` with `errorInfo.code`
(and the deprecated `errors`); 429 `rate_limit_exceeded` when the client outruns `rate`.

Incremental sync, as Ashby's guide describes it: the last page of a listing carries a `syncToken`;
a listing sent with it returns the records created or updated since (archived ones included, they
are updates), never deleted ones. Tokens are the change sequence number they were issued at.

Data is deterministic from a seed and shaped like the fixtures. Tests mutate it through `edit`,
`add_*`, `delete`, `archive_application`, `add_note`, each of which moves `updatedAt` and the change
sequence; `expire_tokens` / `delta_page_limit` / `invalidate_cursors` drive the recovery paths.
A note lives under its candidate (`candidate.listNotes`, no sync token): `edit("notes", ...)` changes
one without touching the candidate, and `add_note(..., touch_candidate=False)` adds one that way
(Ashby does not document that a note moves its candidate). `tokens_issued` logs every sync token
handed out, so a test can tell which one a client sends back.

Writes (the endpoints Ashby's OpenAPI documents, same auth, metered like reads): `candidate.create`,
`candidate.search`/`candidate.info`/`application.info`/`job.info`, `application.create`,
`application.changeStage` (an Archived stage needs an archive reason, other stages refuse one),
`candidate.createNote`, `candidateTag.create` (returns the existing tag of that title),
`candidate.addTag`/`candidate.removeTag` (removing a tag the candidate lacks succeeds unchanged),
`file.createFileUploadHandle` -> a multipart POST of the bytes to the pre-signed storage URL (no
API credentials) -> `candidate.uploadFile`/`candidate.uploadResume`, `interviewSchedule.create` and
`interviewSchedule.update` (of a schedule the API created), with `interview.list` (the shared
interviews an event's `interviewId` names).
A refusal is HTTP 200 `success: false` with `errorInfo {code, message}`; `denied` endpoints answer
403 `missing_endpoint_permission` (a key without the permission). Ashby documents no duplicate
check on `application.create` nor a refusal for a closed job, so the emulator has none either.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import hashlib
import hmac
import json
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from tests.emulators.harness import Emulator, RateMeter, WebhookSender

Json = dict[str, Any]

# Listings with a sync token, and those Ashby always answers in full.
SYNCED = {
    "user.list": "users",
    "candidateTag.list": "tags",
    "job.list": "jobs",
    "interviewPlan.list": "plans",
    "candidate.list": "candidates",
    "application.list": "applications",
    "interviewSchedule.list": "schedules",
    "offer.list": "offers",
}
UNSYNCED = {"archiveReason.list": "archive_reasons", "jobPosting.list": "postings", "interview.list": "interview_defs"}
# The organization's shared interviews (interview.list); an event scheduled without one is the default's.
DEFAULT_INTERVIEW = {"id": "int-default", "title": "Interview", "isArchived": False, "isDebrief": False, "jobId": None}
SHARED_INTERVIEWS = (
    DEFAULT_INTERVIEW,
    {"id": "int-tech", "title": "Technical Interview", "isArchived": False, "isDebrief": False, "jobId": None},
    {"id": "int-culture", "title": "Culture Fit", "isArchived": False, "isDebrief": False, "jobId": None},
)
# Endpoints answering one record (or a search) and the write endpoints (AshbyEmulator.write).
WRITES = (
    "candidate.info",
    "application.info",
    "job.info",
    "candidate.search",
    "candidate.create",
    "application.create",
    "application.changeStage",
    "candidate.createNote",
    "candidateTag.create",
    "candidate.addTag",
    "candidate.removeTag",
    "file.createFileUploadHandle",
    "candidate.uploadFile",
    "candidate.uploadResume",
    "interviewSchedule.create",
    "interviewSchedule.update",
)
KINDS = (*SYNCED.values(), *UNSYNCED.values(), "stages", "notes")

_FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Tim", "Margaret", "Linus"]
_LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Perlman", "Berners-Lee"]
_COMPANIES = ["Auction.com", "Initech", "Globex", "Hooli", "Umbrella", None]
_STAGES = [("Lead", "Lead"), ("Application Review", "PreInterviewScreen"), ("Onsite", "Active"), ("Offer", "Offer")]
_SCHEDULE_STATUSES = ["Scheduled", "Complete", "WaitingOnFeedback", "Cancelled", "NeedsScheduling"]
_OFFERS = [
    ("WaitingOnOfferCreation", "Created"),
    ("WaitingOnOfferApproval", "Pending"),
    ("WaitingOnCandidateResponse", "WaitingOnResponse"),
    ("CandidateAccepted", "Accepted"),
    ("CandidateRejected", "Declined"),
    ("OfferCancelled", "Cancelled"),
]


def _uuid(rng: random.Random) -> str:
    return "%08x-%04x-4%03x-%04x-%012x" % (  # noqa: UP031 -- a uuid4-shaped id from the seeded generator
        rng.getrandbits(32),
        rng.getrandbits(16),
        rng.getrandbits(12),
        rng.getrandbits(16) | 0x8000 & 0xBFFF,
        rng.getrandbits(48),
    )


@dataclass
class AshbyEmulator:
    api_key: str
    seed: int = 1
    candidates: int = 300
    jobs: int = 12
    users: int = 15
    rate: float | None = None  # requests/s the emulator tolerates (None: unlimited)
    burst: int = 20
    page_cap: int = 100  # Ashby's largest page
    # An incremental listing that would need more pages than this answers incremental_sync_too_large.
    delta_page_limit: int | None = None
    harness: Emulator = field(init=False)
    data: dict[str, dict[str, Json]] = field(init=False)
    versions: dict[str, dict[str, int]] = field(init=False)
    files: dict[str, tuple[str, bytes, str]] = field(init=False)  # handle -> (name, bytes, content type)
    seq: int = 0
    token_epoch: int = 0  # tokens of earlier epochs have expired
    cursor_failures: int = 0  # answer this many cursor requests with invalid_next_cursor
    # endpoint -> errorInfo.code: its next request answers HTTP 200 `success: false` with that code.
    rpc_failures: dict[str, str] = field(default_factory=dict)
    results_served: dict[str, int] = field(default_factory=dict)  # endpoint -> records returned
    tokens_issued: list[tuple[str, str]] = field(default_factory=list)  # (endpoint, syncToken), in order
    # Endpoints the key lacks the permission for: 403 `missing_endpoint_permission`.
    denied: set[str] = field(default_factory=set)
    # Pre-signed uploads handed out by file.createFileUploadHandle: storage key -> what was announced.
    uploads: dict[str, Json] = field(default_factory=dict)
    # Schedules created through the API: the only ones interviewSchedule.update changes.
    api_schedules: set[str] = field(default_factory=set)
    base_url: str = ""  # where the emulator is served (its pre-signed upload URLs point there)
    # Ashby's webhooks (`register_webhook`): sent after the changes below that Ashby sends one for.
    webhooks: WebhookSender = field(default_factory=WebhookSender)
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _clock: datetime = field(default_factory=lambda: datetime(2025, 1, 6, 9, 0, tzinfo=UTC))

    def __post_init__(self) -> None:
        self.harness = Emulator(self.api_key, RateMeter(self.rate, self.burst) if self.rate else None)
        self.data = {kind: {} for kind in KINDS}
        self.versions = {kind: {} for kind in KINDS}
        self.files = {}
        self._generate(random.Random(self.seed))
        for interview in SHARED_INTERVIEWS:
            self._put("interview_defs", dict(interview))
        # Ids of records the API creates: a generator of their own, so writes never shift generated data.
        self._write_rng = random.Random(self.seed * 7919 + 1)

    # --- time and change sequence -------------------------------------------------------------

    def _now(self) -> str:
        self._clock += timedelta(seconds=1)
        return self._clock.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def _touch(self, kind: str, record_id: str) -> None:
        self.seq += 1
        self.versions[kind][record_id] = self.seq
        record = self.data[kind][record_id]
        if "updatedAt" in record:
            record["updatedAt"] = self._now()

    def _put(self, kind: str, record: Json) -> Json:
        self.data[kind][record["id"]] = record
        self._touch(kind, record["id"])
        return record

    # --- generation ---------------------------------------------------------------------------

    def _generate(self, rng: random.Random) -> None:
        for n in range(self.users):
            self.add_user(rng, n)
        for title in ("Senior Candidate", "Referral", "Returning", "Do not contact", "Diversity Outreach"):
            self._put("tags", {"id": _uuid(rng), "title": title, "isArchived": title == "Returning"})
        for text, kind in (
            ("Too inexperienced", "RejectedByOrg"),
            ("Accepted another offer", "RejectedByCandidate"),
            ("Position closed", "Other"),
        ):
            self._put("archive_reasons", {"id": _uuid(rng), "text": text, "reasonType": kind, "isArchived": False})
        for n in range(self.jobs):
            self.add_job(rng, n)
        for n in range(self.candidates):
            candidate = self.add_candidate(rng, n)
            for job_id in rng.sample(sorted(self.data["jobs"]), rng.choice([1, 1, 1, 2])):
                self.add_application(rng, candidate["id"], job_id)
            for _ in range(rng.choice([0, 1, 1, 2])):
                self.add_note(candidate["id"], f"Note {rng.randint(1, 10**6)} on {candidate['name']}", rng=rng)

    def add_user(self, rng: random.Random, n: int) -> Json:
        first, last = _FIRST[n % len(_FIRST)], _LAST[(n * 7) % len(_LAST)]
        return self._put(
            "users",
            {
                "id": _uuid(rng),
                "firstName": first,
                "lastName": f"{last}{n}",
                "email": f"{first.lower()}.{last.lower()}{n}@example.com",
                "globalRole": rng.choice(["Organization Admin", "Elevated Access", "Limited Access"]),
                "isEnabled": n % 9 != 8,
                "updatedAt": "",
                "customFields": [],
            },
        )

    def add_job(self, rng: random.Random, n: int) -> Json:
        job_id, plan_id = _uuid(rng), _uuid(rng)
        self._put("plans", {"id": plan_id, "title": f"Plan {n}", "isArchived": False, "createdAt": self._now()})
        self.data["plans"][plan_id]["updatedAt"] = self.data["plans"][plan_id]["createdAt"]
        for order, (title, kind) in enumerate([*_STAGES, ("Hired", "Hired"), ("Archived", "Archived")]):
            stage_id = _uuid(rng)
            self._put(
                "stages",
                {
                    "id": stage_id,
                    "title": title,
                    "type": kind,
                    "orderInInterviewPlan": 1000 + order,
                    "interviewStageGroupId": None,
                    "interviewPlanId": plan_id,
                },
            )
        users = sorted(self.data["users"])
        job = self._put(
            "jobs",
            {
                "id": job_id,
                "title": f"Engineer {n}",
                "confidential": n % 5 == 4,
                "status": ["Open", "Open", "Closed", "Draft", "Archived"][n % 5],
                "employmentType": ["FullTime", "PartTime", "Contract", "Intern"][n % 4],
                "defaultInterviewPlanId": plan_id,
                "interviewPlanIds": [plan_id],
                "customFields": [{"id": "cf-team", "title": "Team", "value": f"Team {n % 3}"}],
                "jobPostingIds": [],
                "customRequisitionId": f"REQ-{n:03d}",
                "hiringTeam": [
                    {"userId": users[n % len(users)], "role": "Hiring Manager"},
                    {"userId": users[(n + 1) % len(users)], "role": "Recruiter"},
                ],
                "location": {
                    "id": "loc-sf",
                    "name": "Bay Area Office",
                    "address": {"postalAddress": {"addressCountry": "United States", "addressLocality": "SF"}},
                    "workplaceType": ["OnSite", "Remote", "Hybrid"][n % 3],
                },
                "compensation": {
                    "compensationTiers": [
                        {
                            "components": [
                                {
                                    "compensationType": "Salary",
                                    "interval": "1 YEAR",
                                    "currencyCode": "EUR",
                                    "minValue": 50000 + 1000 * n,
                                    "maxValue": 90000 + 1000 * n,
                                }
                            ]
                        }
                    ]
                },
                "createdAt": self._now(),
                "updatedAt": "",
                "openedAt": self._now(),
                "closedAt": "2025-01-05T17:00:00.000Z" if n % 5 in (2, 4) else None,  # closed and archived jobs
            },
        )
        if job["status"] == "Open":
            posting_id = _uuid(rng)
            job["jobPostingIds"] = [posting_id]
            self._put(
                "postings",
                {
                    "id": posting_id,
                    "title": job["title"],
                    "jobId": job_id,
                    "isListed": n % 2 == 0,
                    "externalLink": f"https://jobs.ashbyhq.com/acme/{posting_id}",
                    "updatedAt": "",
                },
            )
        return job

    def stage_ids(self, job_id: str) -> list[str]:
        plan_id = self.data["jobs"][job_id]["defaultInterviewPlanId"]
        stages = [s for s in self.data["stages"].values() if s["interviewPlanId"] == plan_id]
        return [s["id"] for s in sorted(stages, key=lambda s: s["orderInInterviewPlan"])]

    def add_candidate(self, rng: random.Random, n: int) -> Json:
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        email = f"{first.lower()}.{last.lower()}.{n}@example.org"
        candidate_id = _uuid(rng)
        handles = []
        for name, ctype in rng.sample(
            [("resume.pdf", "application/pdf"), ("portfolio.png", "image/png")], k=rng.choice([0, 1, 1, 2])
        ):
            handle = base64.urlsafe_b64encode(f'{{"file":"{candidate_id}/{name}"}}'.encode()).decode().rstrip("=")
            self.files[handle] = (name, f"{name} of {candidate_id}".encode(), ctype)
            handles.append({"id": _uuid(rng), "name": name, "handle": handle})
        resume = next((h for h in handles if h["name"] == "resume.pdf"), None)
        return self._put(
            "candidates",
            {
                "id": candidate_id,
                "createdAt": self._now(),
                "updatedAt": "",
                "name": f"{first} {last}",
                "primaryEmailAddress": {"value": email, "type": "Personal", "isPrimary": True},
                "emailAddresses": [{"value": email, "type": "Personal", "isPrimary": True}],
                "phoneNumbers": [{"value": f"+1 555 {n:07d}", "type": "Mobile", "isPrimary": True}] if n % 3 else [],
                "socialLinks": [{"url": f"https://linkedin.com/in/c{n}", "type": "LinkedIn"}] if n % 4 == 0 else [],
                "tagIds": rng.sample(sorted(self.data["tags"]), rng.choice([0, 0, 1, 2])),
                "position": rng.choice(["Software Engineer", "Designer", None]),
                "company": rng.choice(_COMPANIES),
                "school": None,
                "resumeFileHandle": resume,
                "fileHandles": handles,
                "customFields": [{"id": "cf-notice", "title": "Notice period", "value": f"{n % 4} months"}]
                if n % 2
                else [],
                "profileUrl": f"https://app.ashbyhq.com/candidates/{candidate_id}",
                "source": {"id": "src-1", "title": "Applied", "isArchived": False},
                "location": {
                    "id": "loc",
                    "locationSummary": "United States, California, San Francisco",
                    "locationComponents": [
                        {"type": "Country", "name": "United States"},
                        {"type": "City", "name": "SF"},
                    ],
                },
            },
        )

    def add_application(self, rng: random.Random, candidate_id: str, job_id: str) -> Json:
        stages = self.stage_ids(job_id)
        status = rng.choice(["Active", "Active", "Active", "Lead", "Hired", "Archived"])
        stage = {"Hired": stages[-2], "Archived": stages[-1]}.get(status) or rng.choice(stages[:4])
        reasons = sorted(self.data["archive_reasons"])
        app = self._put(
            "applications",
            {
                "id": _uuid(rng),
                "createdAt": self._now(),
                "updatedAt": "",
                "status": status,
                "customFields": [{"id": "cf-priority", "title": "Priority", "value": "High"}]
                if status == "Active"
                else [],
                "candidateId": candidate_id,
                "currentInterviewStageId": stage,
                "archiveReasonId": rng.choice(reasons) if status == "Archived" else None,
                "archivedAt": self._now() if status == "Archived" else None,
                "jobId": job_id,
                "source": {"id": "src-1", "title": "Applied", "isArchived": False},
                "hiringTeam": [],
            },
        )
        if rng.random() < 0.5:
            self.add_schedule(rng, app["id"], stage)
        if status in ("Hired", "Active") and rng.random() < 0.3:
            offer_status, acceptance = rng.choice(_OFFERS) if status == "Active" else _OFFERS[3]
            self._put(
                "offers",
                {
                    "id": _uuid(rng),
                    "decidedAt": None,
                    "applicationId": app["id"],
                    "acceptanceStatus": acceptance,
                    "offerStatus": offer_status,
                    "latestVersion": {
                        "id": _uuid(rng),
                        "startDate": "2025-03-01",
                        "salary": {"currencyCode": "EUR", "value": 80000},
                        "createdAt": self._now(),
                        "customFields": [{"id": "cf-bonus", "title": "Signing bonus", "value": 5000}],
                        "approvalStatus": "Approved",
                    },
                },
            )
        return app

    def add_schedule(self, rng: random.Random, application_id: str, stage_id: str) -> Json:
        users = sorted(self.data["users"])
        schedule_id = _uuid(rng)
        events = []
        for _ in range(rng.choice([1, 1, 2, 3])):
            start = self._clock + timedelta(days=rng.randint(1, 30))
            events.append(
                {
                    "id": _uuid(rng),
                    "interviewScheduleId": schedule_id,
                    "interviewerUserIds": rng.sample(users, rng.choice([1, 2])),
                    "createdAt": self._now(),
                    "updatedAt": self._now(),
                    "startTime": start.isoformat().replace("+00:00", "Z"),
                    "endTime": (start + timedelta(hours=1)).isoformat().replace("+00:00", "Z"),
                    "location": rng.choice(["Google Meet", "Room 4", None]),
                    "meetingLink": f"https://meet.example.com/{schedule_id[:8]}",
                    "interview": {"id": "int-1", "title": rng.choice(["Technical Interview", "Culture Fit"])},
                }
            )
        return self._put(
            "schedules",
            {
                "id": schedule_id,
                "status": rng.choice(_SCHEDULE_STATUSES),
                "applicationId": application_id,
                "interviewStageId": stage_id,
                "createdAt": self._now(),
                "updatedAt": "",
                "interviewEvents": events,
            },
        )

    # --- webhooks --------------------------------------------------------------------------------

    def register_webhook(self, url: str, secret_token: str) -> None:
        """A webhook for every event type, to `url`, signed with `secret_token`."""
        self.webhooks.register(url, secret_token)

    def notify(self, action: str, data: Json) -> None:
        """Send Ashby's webhook `{"action", "data"}`, signed `Ashby-Signature: sha256=<hex HMAC of the body>`."""
        body = json.dumps({"action": action, "data": data}).encode()

        def sign(secret: str) -> tuple[dict[str, str], bytes]:
            digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            return {"Ashby-Signature": f"sha256={digest}"}, body

        self.webhooks.send(sign)

    def _application_changed(self, application_id: str, *actions: str) -> None:
        application = self.render("applications", self.data["applications"][application_id])
        for action in actions:
            self.notify(action, {"application": application})

    # --- mutations for tests --------------------------------------------------------------------

    def edit(self, kind: str, record_id: str, **changes: Any) -> None:
        with self._lock:
            self.data[kind][record_id].update(changes)
            self._touch(kind, record_id)
            if kind == "stages":  # editing a plan's stages is an update of the plan
                self._touch("plans", self.data[kind][record_id]["interviewPlanId"])
            if kind == "applications":
                self._application_changed(record_id, "applicationUpdate")

    def delete(self, kind: str, record_id: str) -> None:
        """Hard deletion: the record just disappears from every listing (no deletion feed)."""
        with self._lock:
            if kind == "candidates":
                self.notify("candidateDelete", {"candidate": {"id": record_id}})
            del self.data[kind][record_id]
            del self.versions[kind][record_id]
            # What goes with it in Ashby: a candidate's notes and applications, an application's
            # interview schedules and offers.
            children = {
                "candidates": (("notes", "candidateId"), ("applications", "candidateId")),
                "applications": (("schedules", "applicationId"), ("offers", "applicationId")),
            }
            for child_kind, key in children.get(kind, ()):
                for child_id in [i for i, child in self.data[child_kind].items() if child[key] == record_id]:
                    self.delete(child_kind, child_id)

    def archive_application(self, application_id: str) -> None:
        app = self.data["applications"][application_id]
        self.edit(
            "applications",
            application_id,
            status="Archived",
            archiveReasonId=sorted(self.data["archive_reasons"])[0],
            archivedAt=self._now(),
            currentInterviewStageId=self.stage_ids(app["jobId"])[-1],
        )

    def add_note(
        self, candidate_id: str, text: str, *, rng: random.Random | None = None, touch_candidate: bool = True
    ) -> Json:
        """A new note; it counts as an update of its candidate (so incremental syncs see it) unless
        `touch_candidate=False`."""
        with self._lock:
            note = self._put(
                "notes",
                {
                    "id": _uuid(rng or random.Random(self.seq)),
                    "candidateId": candidate_id,
                    "createdAt": self._now(),
                    "isPrivate": len(text) % 2 == 0,
                    "content": text,
                    "author": {"id": sorted(self.data["users"])[0]},
                },
            )
            if touch_candidate:
                self._touch("candidates", candidate_id)
            return note

    def expire_tokens(self) -> None:
        """Every sync token handed out so far now answers sync_token_expired."""
        self.token_epoch += 1

    def invalidate_cursors(self, count: int = 1) -> None:
        self.cursor_failures = count

    # --- writes: what Ashby's write endpoints do ------------------------------------------------

    @property
    def api_user(self) -> Json:
        """The user the API key acts as: author of its notes, scheduler of its interviews."""
        return self.data["users"][sorted(self.data["users"])[0]]

    def _new_id(self) -> str:
        return _uuid(self._write_rng)

    def _get(self, kind: str, record_id: Any, code: str) -> Json:
        record = self.data[kind].get(record_id) if isinstance(record_id, str) else None
        if record is None:
            raise Refused(code)
        return record

    def _stage(self, stage_id: Any, plan_id: str) -> Json:
        stage = self._get("stages", stage_id, "interview_stage_not_found")
        if stage["interviewPlanId"] != plan_id:
            raise Refused("interview_stage_not_found", "The interview stage is not in the application's interview plan")
        return stage

    def _place(self, app: Json, stage: Json, reason_id: Any) -> None:
        """Put an application in `stage`: its status follows the stage's type; only an Archived
        stage takes (and needs) an archive reason."""
        if stage["type"] == "Archived":
            if not reason_id:
                raise Refused("invalid_input", "Archive reason ID is required for archive stages")
            self._get("archive_reasons", reason_id, "archive_reason_not_found")
        elif reason_id:
            raise Refused("invalid_input", "Archive fields are not allowed for non-archive stages")
        app["currentInterviewStageId"] = stage["id"]
        app["status"] = {"Archived": "Archived", "Hired": "Hired", "Lead": "Lead"}.get(stage["type"], "Active")
        archived = stage["type"] == "Archived"
        app["archiveReasonId"] = reason_id if archived else None
        app["archivedAt"] = self._now() if archived else None

    def write(self, name: str, body: Json) -> Any:
        """The `results` of write (or single-record read) endpoint `name`; Refused for Ashby's
        `success: false` answers."""
        handler = getattr(self, "_w_" + name.replace(".", "_"))
        return handler(body)

    def _w_candidate_info(self, body: Json) -> Json:
        return self.render("candidates", self._get("candidates", body.get("id"), "candidate_not_found"))

    def _w_application_info(self, body: Json) -> Json:
        return self.render(
            "applications", self._get("applications", body.get("applicationId"), "application_not_found")
        )

    def _w_job_info(self, body: Json) -> Json:
        return self.render("jobs", self._get("jobs", body.get("id"), "job_not_found"))

    def _w_candidate_search(self, body: Json) -> list[Json]:
        wanted_email, wanted_name = body.get("email"), body.get("name")
        if not wanted_email and not wanted_name:
            raise Refused("invalid_input", "Provide an email or a name to search for")
        found = []
        for _id, candidate in sorted(self.data["candidates"].items()):
            emails = {
                e["value"].lower() for e in [candidate.get("primaryEmailAddress"), *candidate["emailAddresses"]] if e
            }
            if wanted_email and str(wanted_email).lower() not in emails:
                continue
            if wanted_name and str(wanted_name).lower() != candidate["name"].lower():
                continue
            found.append(self.render("candidates", candidate))
        return found[:100]

    def _w_candidate_create(self, body: Json) -> Json:
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise Refused("invalid_input", "name is required")
        links = []
        for key, kind in (("linkedInUrl", "LinkedIn"), ("githubUrl", "GitHub"), ("website", "Website")):
            url = body.get(key)
            if url is None:
                continue
            if not isinstance(url, str) or not url.startswith(("https://", "http://")):
                raise Refused("invalid_input", f"{key} must be a valid Url")
            links.append({"url": url, "type": kind})
        candidate_id = self._new_id()
        primary = {"value": body["email"], "type": "Personal", "isPrimary": True} if body.get("email") else None
        others = [{"value": e, "type": "Other", "isPrimary": False} for e in body.get("alternateEmailAddresses") or []]
        phone = (
            {"value": body["phoneNumber"], "type": "Personal", "isPrimary": True} if body.get("phoneNumber") else None
        )
        where = body.get("location") or {}
        parts = [
            (t, str(where[k]))
            for t, k in (("Country", "country"), ("Region", "region"), ("City", "city"))
            if where.get(k)
        ]
        return self.render(
            "candidates",
            self._put(
                "candidates",
                {
                    "id": candidate_id,
                    "createdAt": self._now(),
                    "updatedAt": "",
                    "name": name.strip(),
                    "primaryEmailAddress": primary,
                    "emailAddresses": [e for e in [primary, *others] if e],
                    "primaryPhoneNumber": phone,
                    "phoneNumbers": [phone] if phone else [],
                    "socialLinks": links,
                    "tagIds": [],
                    "position": None,
                    "company": None,
                    "school": None,
                    "resumeFileHandle": None,
                    "fileHandles": [],
                    "customFields": [],
                    "profileUrl": f"https://app.ashbyhq.com/candidates/{candidate_id}",
                    "source": None,
                    "location": {
                        "id": self._new_id(),
                        "locationSummary": ", ".join(v for _t, v in parts),
                        "locationComponents": [{"type": t, "name": v} for t, v in parts],
                    }
                    if parts
                    else None,
                },
            ),
        )

    def _w_application_create(self, body: Json) -> Json:
        candidate = self._get("candidates", body.get("candidateId"), "candidate_not_found")
        job = self._get("jobs", body.get("jobId"), "job_not_found")
        plan = job["defaultInterviewPlanId"]
        stages = [self.data["stages"][s] for s in self.stage_ids(job["id"])]
        wanted = body.get("interviewStageId")
        if wanted is None:
            stage = next(s for s in stages if s["type"] == "Lead")
        elif wanted == "FirstPreInterviewScreen":
            stage = next(s for s in stages if s["type"] == "PreInterviewScreen")
        else:
            stage = self._stage(wanted, plan)
        app: Json = {
            "id": self._new_id(),
            "createdAt": self._now(),
            "updatedAt": "",
            "status": "Lead",
            "customFields": [],
            "candidateId": candidate["id"],
            "currentInterviewStageId": stage["id"],
            "archiveReasonId": None,
            "archivedAt": None,
            "jobId": job["id"],
            "source": None,
            "hiringTeam": [],
        }
        self._place(app, stage, None)
        self._put("applications", app)
        self._touch("candidates", candidate["id"])  # its applicationIds changed
        return self.render("applications", app)

    def _w_application_changeStage(self, body: Json) -> Json:
        app = self._get("applications", body.get("applicationId"), "application_not_found")
        if not body.get("interviewStageId"):
            raise Refused("invalid_input", "interviewStageId is required")
        plan = self.data["jobs"][app["jobId"]]["defaultInterviewPlanId"]
        self._place(app, self._stage(body["interviewStageId"], plan), body.get("archiveReasonId"))
        self._touch("applications", app["id"])
        # Ashby's related webhooks: a stage change also sends applicationUpdate (same change).
        self._application_changed(app["id"], "candidateStageChange", "applicationUpdate")
        return self.render("applications", app)

    def _w_candidate_createNote(self, body: Json) -> Json:
        candidate = self._get("candidates", body.get("candidateId"), "candidate_not_found")
        note = body.get("note")
        if isinstance(note, dict):
            note = note.get("value") if note.get("type") in ("text/plain", "text/html") else None
        if not isinstance(note, str) or not note:
            raise Refused("invalid_input", "note is required")
        user = self.api_user
        author = {k: user[k] for k in ("id", "firstName", "lastName", "email")}
        created = self._put(
            "notes",
            {
                "id": self._new_id(),
                "candidateId": candidate["id"],
                "createdAt": self._now(),
                "isPrivate": bool(body.get("isPrivate", False)),
                "content": note,
                "author": author,
            },
        )
        return self.render("notes", created)

    def _w_candidateTag_create(self, body: Json) -> Json:
        title = body.get("title")
        if not isinstance(title, str) or not title.strip():
            raise Refused("invalid_input", "title is required")
        for tag in self.data["tags"].values():
            if tag["title"] == title:
                return tag
        return self._put("tags", {"id": self._new_id(), "title": title, "isArchived": False})

    def _tagging(self, body: Json) -> tuple[Json, str]:
        candidate = self._get("candidates", body.get("candidateId"), "candidate_not_found")
        return candidate, self._get("tags", body.get("tagId"), "tag_not_found")["id"]

    def _w_candidate_addTag(self, body: Json) -> Json:
        candidate, tag_id = self._tagging(body)
        if tag_id not in candidate["tagIds"]:
            candidate["tagIds"] = [*candidate["tagIds"], tag_id]
            self._touch("candidates", candidate["id"])
        return self.render("candidates", candidate)

    def _w_candidate_removeTag(self, body: Json) -> Json:
        candidate, tag_id = self._tagging(body)
        if tag_id in candidate["tagIds"]:
            candidate["tagIds"] = [t for t in candidate["tagIds"] if t != tag_id]
            self._touch("candidates", candidate["id"])
        return self.render("candidates", candidate)

    def _w_file_createFileUploadHandle(self, body: Json) -> Json:
        context, name = body.get("fileUploadContext"), body.get("filename")
        if context not in ("CandidateResume", "CandidateFiles", "ApplicationForm"):
            raise Refused(
                "invalid_input", "fileUploadContext must be CandidateResume, CandidateFiles or ApplicationForm"
            )
        if not name or not body.get("contentType") or not isinstance(body.get("contentLength"), int):
            raise Refused("invalid_input", "filename, contentType and contentLength are required")
        key = self._new_id()
        handle = base64.urlsafe_b64encode(f'{{"upload":"{key}"}}'.encode()).decode().rstrip("=")
        self.uploads[key] = {**body, "handle": handle, "content": None}
        return {"handle": handle, "url": f"{self.base_url}/storage/{key}", "fields": {"key": key, "policy": "p"}}

    def _uploaded(self, handle: Any, context: str) -> Json:
        upload = next((u for u in self.uploads.values() if u["handle"] == handle), None)
        if upload is None or upload["content"] is None or upload["fileUploadContext"] != context:
            raise Refused("invalid_file_handle", "The file handle is invalid, expired or was never uploaded")
        return upload

    def _attach(self, candidate: Json, upload: Json) -> Json:
        """The candidate's new file: a handle of its own (what file.info takes), not the upload's."""
        handle = base64.urlsafe_b64encode(f'{{"file":"{candidate["id"]}/{self._new_id()}"}}'.encode()).decode()
        self.files[handle.rstrip("=")] = (upload["filename"], upload["content"], upload["contentType"])
        entry = {"id": self._new_id(), "name": upload["filename"], "handle": handle.rstrip("=")}
        candidate["fileHandles"] = [*candidate["fileHandles"], entry]
        return entry

    def _w_candidate_uploadFile(self, body: Json) -> Json:
        candidate = self._get("candidates", body.get("candidateId"), "candidate_not_found")
        self._attach(candidate, self._uploaded(body.get("fileHandle"), "CandidateFiles"))
        self._touch("candidates", candidate["id"])
        return self.render("candidates", candidate)

    def _w_candidate_uploadResume(self, body: Json) -> Json:
        candidate = self._get("candidates", body.get("candidateId"), "candidate_not_found")
        candidate["resumeFileHandle"] = self._attach(
            candidate, self._uploaded(body.get("resumeHandle"), "CandidateResume")
        )
        self._touch("candidates", candidate["id"])
        return self.render("candidates", candidate)

    def _event(self, event: Any, schedule_id: str, event_id: str) -> Json:
        """An interview event from a request's `interviewEvents[]` item."""
        if not isinstance(event, dict):
            raise Refused("invalid_input", "An interview event must be an object")
        start, end = event.get("startTime"), event.get("endTime")
        if not isinstance(start, str) or not isinstance(end, str) or not event.get("interviewers"):
            raise Refused("invalid_input", "startTime, endTime and interviewers are required")
        if end <= start:
            raise Refused("invalid_input", "endTime must be after startTime")
        interview = self.data["interview_defs"].get(str(event.get("interviewId") or DEFAULT_INTERVIEW["id"]))
        if interview is None:
            raise Refused("interview_not_found")
        by_email = {u["email"]: u["id"] for u in self.data["users"].values()}
        users = []
        for interviewer in event["interviewers"]:
            if interviewer.get("email") not in by_email:
                raise Refused("user_not_found", f"No user with the email {interviewer.get('email')}")
            users.append(by_email[interviewer["email"]])
        now = self._now()
        return {
            "id": event_id,
            "interviewScheduleId": schedule_id,
            "interviewerUserIds": users,
            "createdAt": now,
            "updatedAt": now,
            "startTime": start,
            "endTime": end,
            "location": None,
            "meetingLink": None,
            "interview": {"id": interview["id"], "title": interview["title"]},
        }

    def _w_interviewSchedule_create(self, body: Json) -> Json:
        app = self._get("applications", body.get("applicationId"), "application_not_found")
        events = body.get("interviewEvents")
        if not isinstance(events, list) or not events:
            raise Refused("invalid_input", "interviewEvents is required")
        schedule_id = self._new_id()
        made = [self._event(event, schedule_id, self._new_id()) for event in events]
        self.api_schedules.add(schedule_id)
        return self._put(
            "schedules",
            {
                "id": schedule_id,
                "status": "Scheduled",
                "applicationId": app["id"],
                "interviewStageId": app["currentInterviewStageId"],
                "createdAt": self._now(),
                "updatedAt": "",
                "interviewEvents": made,
            },
        )

    def _w_interviewSchedule_update(self, body: Json) -> Json:
        schedule = self._get("schedules", body.get("interviewScheduleId"), "interview_schedule_not_found")
        if schedule["id"] not in self.api_schedules:
            raise Refused(
                "invalid_input", "Only interview schedules created using the API key making the request can be updated"
            )
        event = body.get("interviewEvent")
        if not isinstance(event, dict) or not event.get("interviewEventId"):
            raise Refused("invalid_input", "interviewEvent with an interviewEventId is required")
        events = schedule["interviewEvents"]
        index = next((i for i, e in enumerate(events) if e["id"] == event["interviewEventId"]), None)
        if index is None:
            raise Refused("interview_event_not_found")
        updated = self._event(event, schedule["id"], events[index]["id"])
        schedule["interviewEvents"] = [
            *events[:index],
            {**updated, "createdAt": events[index]["createdAt"]},
            *events[index + 1 :],
        ]
        self._touch("schedules", schedule["id"])
        return schedule

    async def _storage_upload(self, request: Request) -> Response:
        """The pre-signed POST of a file (S3-style form: the returned fields, then `file`)."""
        if "authorization" in request.headers:
            return Response(b"<Error>only one auth mechanism allowed</Error>", 400, media_type="application/xml")
        key = request.path_params["key"]
        form = _multipart(request.headers.get("content-type", ""), await request.body())
        with self._lock:
            upload = self.uploads.get(key)
            if upload is None or form.get("key") != key.encode() or "file" not in form:
                return Response(b"<Error>AccessDenied</Error>", 403, media_type="application/xml")
            content = form["file"]
            if len(content) != upload["contentLength"]:
                return Response(b"<Error>EntityTooLarge</Error>", 400, media_type="application/xml")
            upload["content"] = content
        return Response(status_code=204)

    # --- rendering: the payloads Ashby sends --------------------------------------------------

    def render(self, kind: str, record: Json) -> Json:
        if kind == "candidates":
            out = {k: v for k, v in record.items() if k != "tagIds"}
            out["tags"] = [self.data["tags"][t] for t in record["tagIds"] if t in self.data["tags"]]
            out["applicationIds"] = [
                a["id"] for a in self.data["applications"].values() if a["candidateId"] == record["id"]
            ]
            return out
        if kind == "notes":
            return {k: v for k, v in record.items() if k != "candidateId"}
        if kind == "applications":
            candidate = self.data["candidates"].get(record["candidateId"], {})
            job = self.data["jobs"].get(record["jobId"], {})
            stage = self.data["stages"].get(record["currentInterviewStageId"])
            reason = self.data["archive_reasons"].get(record["archiveReasonId"] or "")
            out = {k: v for k, v in record.items() if k not in ("candidateId", "jobId", "currentInterviewStageId")}
            out.pop("archiveReasonId")
            out["candidate"] = {
                "id": record["candidateId"],
                "name": candidate.get("name"),
                "primaryEmailAddress": candidate.get("primaryEmailAddress"),
            }
            out["job"] = {"id": record["jobId"], "title": job.get("title")}
            out["currentInterviewStage"] = stage
            out["archiveReason"] = reason
            return out
        return record

    def payloads(self, kind: str) -> list[Json]:
        """What a full listing of `kind` returns, in listing order."""
        return [self.render(kind, r) for _id, r in sorted(self.data[kind].items())]

    # --- the HTTP app ------------------------------------------------------------------------

    def app(self) -> ASGIApp:
        routes = [Route(f"/{name}", self._endpoint(name), methods=["POST"]) for name in (*SYNCED, *UNSYNCED)]
        routes += [
            Route("/interviewStage.list", self._endpoint("interviewStage.list"), methods=["POST"]),
            Route("/candidate.listNotes", self._endpoint("candidate.listNotes"), methods=["POST"]),
            Route("/file.info", self._file_info, methods=["POST"]),
            Route("/files/{handle}", self._download, methods=["GET"]),
            Route("/storage/{key}", self._storage_upload, methods=["POST"]),
        ]
        routes += [Route(f"/{name}", self._write_endpoint(name), methods=["POST"]) for name in WRITES]
        return self.harness.middleware(Starlette(routes=routes), _rate_limited)

    def _authorized(self, request: Request) -> bool:
        expected = "Basic " + base64.b64encode(f"{self.api_key}:".encode()).decode()
        return request.headers.get("authorization") == expected

    def _endpoint(self, name: str) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            if not self._authorized(request):
                return JSONResponse(
                    {"success": False, "errors": ["invalid_api_key"], "errorInfo": _info("invalid_api_key")}, 401
                )
            try:
                body = json.loads(await request.body() or b"{}")
            except ValueError:
                return _error("invalid_input")
            with self._lock:
                return self._list(name, body)

        return endpoint

    def _write_endpoint(self, name: str) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            if not self._authorized(request):
                return JSONResponse(
                    {"success": False, "errors": ["invalid_api_key"], "errorInfo": _info("invalid_api_key")}, 401
                )
            if name in self.denied:
                code = "missing_endpoint_permission"
                info = {**_info(code), "message": f"The API key lacks the permission {name} requires"}
                return JSONResponse({"success": False, "errors": [code], "errorInfo": info}, 403)
            try:
                body = json.loads(await request.body() or b"{}")
            except ValueError:
                return _error("invalid_input")
            if not isinstance(body, dict):
                return _error("invalid_input")
            with self._lock:
                if name in self.rpc_failures:
                    return _error(self.rpc_failures.pop(name))
                self.base_url = str(request.base_url).rstrip("/")
                try:
                    results = self.write(name, body)
                except Refused as refused:
                    return _error(refused.code, refused.message)
            return JSONResponse({"success": True, "results": results})

        return endpoint

    def _list(self, name: str, body: Json) -> Response:
        if name in self.rpc_failures:
            return _error(self.rpc_failures.pop(name))
        limit = min(int(body.get("limit") or self.page_cap), self.page_cap)
        since = 0
        if name in SYNCED and body.get("syncToken"):
            try:
                epoch, since = (int(part) for part in str(body["syncToken"]).removeprefix("st_").split("_"))
            except ValueError:
                return _error("sync_token_invalid")
            if epoch != self.token_epoch:
                return _error("sync_token_expired")
        records = self._select(name, body, since)
        if records is None:
            return _error("invalid_input")
        if since and self.delta_page_limit is not None and len(records) > self.delta_page_limit * limit:
            return _error("incremental_sync_too_large")
        offset = 0
        if body.get("cursor"):
            if self.cursor_failures > 0:
                self.cursor_failures -= 1
                return _error("invalid_next_cursor")
            try:
                offset = int(base64.urlsafe_b64decode(str(body["cursor"]).encode()).decode().split(":")[1])
            except (ValueError, IndexError):
                return _error("invalid_next_cursor")
        page = [self.render(kind, r) for kind, r in records[offset : offset + limit]]
        more = offset + limit < len(records)
        self.results_served[name] = self.results_served.get(name, 0) + len(page)
        answer: Json = {"success": True, "results": page, "moreDataAvailable": more}
        if more:
            answer["nextCursor"] = base64.urlsafe_b64encode(f"{name}:{offset + limit}".encode()).decode()
        elif name in SYNCED:
            answer["syncToken"] = f"st_{self.token_epoch}_{self.seq}"
            self.tokens_issued.append((name, answer["syncToken"]))
        return JSONResponse(answer)

    def _select(self, name: str, body: Json, since: int) -> list[tuple[str, Json]] | None:
        """The raw records a listing returns, in order, each with the kind to render it as."""
        if name == "interviewStage.list":
            plan = body.get("interviewPlanId")
            if not plan:
                return None
            return [("stages", s) for _i, s in sorted(self.data["stages"].items()) if s["interviewPlanId"] == plan]
        if name == "candidate.listNotes":
            candidate = body.get("candidateId")
            if not candidate:
                return None
            return [("notes", n) for _i, n in sorted(self.data["notes"].items()) if n["candidateId"] == candidate]
        kind = SYNCED.get(name) or UNSYNCED[name]
        versions = self.versions[kind]
        records = [(kind, r) for i, r in sorted(self.data[kind].items()) if versions[i] > since]
        if name == "user.list" and not body.get("includeDeactivated"):
            records = [(k, r) for k, r in records if r["isEnabled"]]
        return records

    async def _file_info(self, request: Request) -> Response:
        if not self._authorized(request):
            return JSONResponse({"success": False, "errorInfo": _info("invalid_api_key")}, 401)
        handle = json.loads(await request.body() or b"{}").get("fileHandle")
        if handle not in self.files:
            return _error("file_not_found")
        return JSONResponse({"success": True, "results": {"url": f"{request.base_url}files/{handle}?sig=x"}})

    async def _download(self, request: Request) -> Response:
        # Pre-signed storage URL: no API credentials expected (a storage service would refuse them).
        if "authorization" in request.headers:
            return Response(b"<Error>only one auth mechanism allowed</Error>", 400, media_type="application/xml")
        file = self.files.get(request.path_params["handle"])
        if file is None:
            return Response(b"<Error>NoSuchKey</Error>", 404, media_type="application/xml")
        return Response(file[1], media_type=file[2])


class Refused(Exception):
    """An Ashby `success: false` answer: `code` (errorInfo.code) and what its message says."""

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


def _info(code: str, message: str | None = None) -> Json:
    return {"code": code, "message": message or code.replace("_", " "), "requestId": "req-emulated"}


def _error(code: str, message: str | None = None) -> Response:
    return JSONResponse({"success": False, "errors": [code], "errorInfo": _info(code, message)})


def _multipart(content_type: str, body: bytes) -> dict[str, bytes]:
    """The fields of a multipart/form-data body, by name (the standard library's MIME parser)."""
    if not content_type.startswith("multipart/form-data"):
        return {}
    parsed = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    fields: dict[str, bytes] = {}
    for part in parsed.iter_parts() if parsed.is_multipart() else []:
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            fields[name] = payload
    return fields


def _rate_limited() -> Response:
    return JSONResponse(
        {"success": False, "errors": ["rate_limit_exceeded"], "errorInfo": _info("rate_limit_exceeded")}, 429
    )
