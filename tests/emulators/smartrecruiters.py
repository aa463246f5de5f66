"""A SmartRecruiters Customer API emulator: the listings and per-application reads the connector
uses, over real HTTP, generated data of any size, faults.

Speaks what SmartRecruiters documents (developers.smartrecruiters.com: "Rate Limiting", "Pagination",
"Error Handling", the Candidates API's "Search candidates"; spec §4.6) and, where the docs could not be
read in full, what the spec says (docs/connectors/smartrecruiters.md lists which is which):

- `X-SmartToken: <key>` on every request; anything else is 401 in SmartRecruiters' error shape
  `{"message": ..., "errors": [{"code": ..., "message": ...}]}`;
- listings `{"limit", "nextPageId", "totalFound", "content": [...]}`: `limit` (default 10, at most 100,
  more is 400) and `pageId` (the previous page's `nextPageId`; absent on the last page), in id order.
  `GET /candidates` takes `updatedAfter` (ISO 8601, inclusive on `updatedOn`), `q` and `jobId`; `GET /jobs` and
  `GET /user-api/v201804/users` page the same way;
- a candidate's applications: `primaryAssignment` / `secondaryAssignments` of the listing name the jobs,
  `GET /candidates/{id}/jobs/{jobId}` is the application (`status`, `subStatus`, `reasonOfRejection`,
  `reasonOfWithdrawal`, `startsOn`, `source`, `url`), 404 when the candidate has no application to
  that job; `GET /candidates/{id}/jobs/{jobId}/status/history` its status changes;
- a candidate's custom fields: `GET /candidates/{id}/properties` answers `{"content": [...]}`, every
  candidate property of the company (`id`, `label`, `type`) with the candidate's `value` when it has one
  (TEXT a string, BOOLEAN, NUMBER, CURRENCY `{"code", "value"}`, SINGLE_SELECT the chosen value
  `{"id", "label"}`: the value types are those of SmartRecruiters' "Add/update candidate properties
  values" reference; the GET answer's field names are modelled on it and its generated clients,
  unverified), 404 for an unknown candidate;
- `/configuration/rejection-reasons`, `/configuration/withdrawal-reasons`, `/configuration/hiring-processes`
  (the sub-statuses of IN_REVIEW, INTERVIEW and OFFERED: the configurable stages) as `{"content": [...]}`;
- the rate limits: 10 requests per second per key (`window`, a fixed one-second window; `window=None`
  leaves it out) and **1 request in flight for `GET /candidates`** (8 for the rest), with
  `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Concurrent-Limit` and
  `X-RateLimit-Concurrent-Remaining` on every answer and 429 past either. `candidates_latency` keeps a
  `GET /candidates` in flight that long, so a second one sent meanwhile meets the concurrency limit
  (`concurrent_refused` counts them);
- writes: `POST /jobs/{jobId}/candidates` (a new candidate applying to a job: 201 with the candidate),
  `PUT /candidates/{id}/jobs/{jobId}/status` (`status`, `subStatus`; `reason` for REJECTED/WITHDRAWN:
  an id of the matching reason list): 204.

Deletions: SmartRecruiters has no deletion feed; a deleted candidate disappears from the listing and its
applications and properties answer 404. Jobs are never deleted (they are CANCELLED). A status change does not move the
candidate's `updatedOn` here, nor does a property's value (`set_property`): SmartRecruiters does
not document that they do.

Webhooks: a status change and a created application are sent to the registered subscriptions
(`webhooks`), signed with the subscription's secret key as SmartRecruiters signs them.

Data is deterministic from a seed. `edit`, `add_candidate`, `set_status`, `set_property`, `delete`
change it.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import random
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from tests.emulators.harness import Emulator, FixedWindowLimit, RateMeter, WebhookSender

Json = dict[str, Any]
DEFAULT_LIMIT = 10
MAX_LIMIT = 100
CONCURRENCY = 8
CANDIDATES_CONCURRENCY = 1
USERS_PATH = "/user-api/v201804/users"
STATUSES = ("LEAD", "NEW", "IN_REVIEW", "INTERVIEW", "OFFERED", "HIRED", "REJECTED", "WITHDRAWN", "TRANSFERRED")
# The account's hiring process: the sub-statuses of the statuses that have them.
SUB_STATUSES: dict[str, list[str]] = {
    "IN_REVIEW": ["Screening", "Assessment"],
    "INTERVIEW": ["First interview", "Final interview"],
    "OFFERED": ["Offer drafted", "Offer sent"],
}
REJECTION_REASONS = ("Lacks required skills", "Position filled", "Failed assessment")
WITHDRAWAL_REASONS = ("Accepted another offer", "Salary expectations")
# The company's candidate properties (id, label, type), and a SINGLE_SELECT's values.
PROPERTIES = (
    ("c1a7e0d2-0b1f-4c55-9f6e-2d1a5e7b9c01", "Notice period", "TEXT"),
    ("c1a7e0d2-0b1f-4c55-9f6e-2d1a5e7b9c02", "Willing to relocate", "BOOLEAN"),
    ("c1a7e0d2-0b1f-4c55-9f6e-2d1a5e7b9c03", "Seniority", "SINGLE_SELECT"),
    ("c1a7e0d2-0b1f-4c55-9f6e-2d1a5e7b9c04", "Expected salary", "CURRENCY"),
)
SENIORITY = (("f6fe768f-0001", "Junior"), ("f6fe768f-0002", "Mid"), ("f6fe768f-0003", "Senior"))
_FIRST = ["Witold", "Aleksandra", "Dorothy", "Natalie", "Eric", "Eduardo", "Alexia", "Ada", "Grace", "Alan", "Radia"]
_LAST = ["Pulawski", "Nowak", "Beal", "Sung", "Walton", "Vallente", "Middleton", "Lovelace", "Hopper", "Perlman"]
_JOBS = [
    ("Java Developer", "REF-JD-1", "SOURCING", "PUBLIC", "Engineering", "Krakow", "Poland", "pl"),
    ("Account Manager", "REF-AM-2", "FILLED", "NOT_PUBLISHED", "Sales", "London", "United Kingdom", "gb"),
    ("Data Analyst", "REF-DA-3", "CREATED", "INTERNAL", None, "Berlin", "Germany", "de"),
    ("Office Manager", "REF-OM-4", "CANCELLED", "NOT_PUBLISHED", "Operations", "Paris", "France", "fr"),
]
# A generated candidate's application status, by its index.
_CYCLE = ("NEW", "IN_REVIEW", "INTERVIEW", "OFFERED", "HIRED", "REJECTED", "IN_REVIEW", "WITHDRAWN", "LEAD")
_BASE = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    """SmartRecruiters' error body."""
    return JSONResponse({"message": message, "errors": [{"code": code, "message": message}]}, status, headers)


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class SmartRecruitersEmulator(FixedWindowLimit):
    token: str
    seed: int = 1
    candidates: int = 40
    jobs: int = 3
    users: int = 5
    rate: float | None = None  # the harness meter: requests/s tolerated (None: unlimited)
    burst: int = 10
    window: int | None = 10  # SmartRecruiters' 10 requests per second (None: not applied)
    window_seconds: float = 1.0
    window_refused: int = 0
    candidates_latency: float = 0.0  # seconds a GET /candidates stays in flight
    concurrent_refused: int = 0  # GET /candidates answered 429 for the concurrency limit
    candidates_in_flight_max: int = 0
    harness: Emulator = field(init=False)
    webhooks: WebhookSender = field(default_factory=WebhookSender)
    data: dict[str, dict[str, Json]] = field(init=False)
    # Applications by (candidate id, job id); their status history.
    applications: dict[tuple[str, str], Json] = field(init=False)
    history: dict[tuple[str, str], list[Json]] = field(init=False)
    # Candidate property values by candidate id and property id.
    properties: dict[str, dict[str, Any]] = field(init=False)
    window_start: float = 0.0
    window_used: int = 0
    _candidates_in_flight: int = 0
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _clock: datetime = field(default_factory=lambda: _BASE)
    _serial: int = 0

    def __post_init__(self) -> None:
        self.harness = Emulator(self.token, RateMeter(self.rate, self.burst) if self.rate else None)
        kinds = ("users", "rejection_reasons", "withdrawal_reasons", "hiring_processes", "jobs", "candidates")
        self.data = {kind: {} for kind in kinds}
        self.applications = {}
        self.history = {}
        self.properties = {}
        self._generate(random.Random(self.seed))

    # --- ids and time -------------------------------------------------------------------------

    def _id(self) -> str:
        """24-hex ids that sort by creation (SmartRecruiters' ids look like MongoDB object ids)."""
        self._serial += 1
        return f"{0x5F0C1A2B3C4D5E6F70000000 + self._serial * 0x1D3:024x}"

    def _now(self) -> str:
        """A strictly increasing wall-clock time, for edits."""
        self._clock = max(self._clock + timedelta(milliseconds=1), datetime.now(UTC))
        return _iso(self._clock)

    # --- generation ---------------------------------------------------------------------------

    def _generate(self, rng: random.Random) -> None:
        for n in range(self.users):
            first, last = _FIRST[(n + 3) % len(_FIRST)], _LAST[(n + 2) % len(_LAST)]
            user_id = self._id()
            self.data["users"][user_id] = {
                "id": user_id,
                "email": f"{first.lower()}.{last.lower()}@company.example.com",
                "firstName": first,
                "lastName": last,
                "systemRole": {"id": "ADMINISTRATOR" if n == 0 else "EMPLOYEE"},
                "active": n != self.users - 1,
                "updatedOn": _iso(_BASE - timedelta(days=90 - n)),
            }
        for kind, labels in (("rejection_reasons", REJECTION_REASONS), ("withdrawal_reasons", WITHDRAWAL_REASONS)):
            for label in labels:
                reason_id = self._id()
                self.data[kind][reason_id] = {"id": reason_id, "label": label}
        process_id = self._id()
        self.data["hiring_processes"][process_id] = {
            "id": process_id,
            "name": "Default hiring process",
            "active": True,
            "subStatuses": {status: list(subs) for status, subs in SUB_STATUSES.items()},
        }
        for n in range(self.jobs):
            self.add_job(n)
        job_ids = sorted(self.data["jobs"])
        for n in range(self.candidates):
            primary = job_ids[n % len(job_ids)]
            candidate = self.add_candidate(rng, n, primary, generated=True)
            if n % 4 == 1 and len(job_ids) > 1:  # some apply to a second job
                self._apply(candidate, job_ids[(n + 1) % len(job_ids)], "NEW", None, candidate["createdOn"])

    def add_job(self, n: int) -> Json:
        title, ref, status, posting, department, city, country, code = _JOBS[n % len(_JOBS)]
        job_id = self._id()
        created = _iso(_BASE - timedelta(days=60 - n))
        job: Json = {
            "id": job_id,
            "title": title,
            "refNumber": ref,
            "createdOn": created,
            "updatedOn": created,
            "lastActivityOn": created,
            "department": {"id": f"dep-{department.lower()}", "label": department} if department else None,
            "location": {
                "country": country,
                "countryCode": code,
                "region": None,
                "city": city,
                "remote": n % 3 == 2,
            },
            "status": status,
            "postingStatus": posting,
            "language": {"code": "en", "label": "English"},
            "actions": {"details": {"url": f"https://api.smartrecruiters.com/jobs/{job_id}", "method": "GET"}},
        }
        self.data["jobs"][job_id] = job
        return job

    def add_candidate(self, rng: random.Random, n: int, job_id: str, *, generated: bool = False) -> Json:
        first, last = _FIRST[n % len(_FIRST)], _LAST[(n // len(_FIRST) + n) % len(_LAST)]
        candidate_id = self._id()
        created = _iso(_BASE + timedelta(hours=n)) if generated else self._now()
        candidate: Json = {
            "id": candidate_id,
            "internal": n % 9 == 8,
            "firstName": first,
            "lastName": last,
            "email": f"{first.lower()}.{last.lower()}.{n}@candidates.example.com",
            "phoneNumber": f"+48123{n:06d}" if n % 2 else None,
            "createdOn": created,
            "updatedOn": created,
            "location": {"country": "Poland", "countryCode": "pl", "region": None, "city": "Krakow"} if n % 3 else None,
            "averageRating": rng.choice([0, 3, 4, 5]),
            "tags": ["java"] if n % 5 == 0 else [],
            "primaryAssignment": None,
            "secondaryAssignments": [],
            "actions": {
                "details": {"url": f"https://api.smartrecruiters.com/candidates/{candidate_id}", "method": "GET"}
            },
        }
        self.data["candidates"][candidate_id] = candidate
        self.properties[candidate_id] = self._property_values(n) if generated else {}
        status = _CYCLE[n % len(_CYCLE)] if generated else "NEW"
        sub = SUB_STATUSES[status][n % 2] if status in SUB_STATUSES else None
        self._apply(candidate, job_id, status, sub, created)
        if generated and status in ("REJECTED", "WITHDRAWN"):
            kind = "rejection_reasons" if status == "REJECTED" else "withdrawal_reasons"
            reasons = sorted(self.data[kind])
            self._reason(candidate_id, job_id, status, reasons[n % len(reasons)])
        return candidate

    @staticmethod
    def _property_values(n: int) -> dict[str, Any]:
        """A generated candidate's property values: some set, some not (every third has none)."""
        if n % 3 == 2:
            return {}
        notice, relocate, seniority, salary = (p[0] for p in PROPERTIES)
        values: dict[str, Any] = {notice: f"{n % 4 + 1} months", seniority: SENIORITY[n % len(SENIORITY)][0]}
        if n % 2:
            values[relocate] = n % 4 == 1
            values[salary] = {"code": "EUR", "value": 50000 + 1000 * n}
        return values

    def set_property(self, cid: str, property_id: str, value: Any) -> None:
        """What `PUT /candidates/{id}/properties/{propertyId}` does (None resets it); the candidate's
        `updatedOn` does not move."""
        with self._lock:
            if value is None:
                self.properties[cid].pop(property_id, None)
            else:
                self.properties[cid][property_id] = value

    def _apply(self, candidate: Json, job_id: str, status: str, sub: str | None, at: str) -> None:
        cid = candidate["id"]
        job = self.data["jobs"][job_id]
        self.applications[(cid, job_id)] = {
            "status": status,
            "subStatus": sub,
            "startsOn": None,
            "source": "LinkedIn" if len(self.applications) % 2 else "Career site",
            "reasonOfRejection": None,
            "reasonOfWithdrawal": None,
            "actions": {},
            "url": f"https://www.smartrecruiters.com/app/people/candidates/{cid}/jobs/{job_id}",
        }
        self.history[(cid, job_id)] = [{"changedOn": at, "status": status, "subStatus": sub}]
        assignment = {"job": {"id": job_id, "title": job["title"]}, "status": status, "subStatus": sub}
        if candidate["primaryAssignment"] is None:
            candidate["primaryAssignment"] = assignment
        else:
            candidate["secondaryAssignments"].append(assignment)

    def _reason(self, cid: str, job_id: str, status: str, reason_id: str) -> None:
        kind = "rejection_reasons" if status == "REJECTED" else "withdrawal_reasons"
        key = "reasonOfRejection" if status == "REJECTED" else "reasonOfWithdrawal"
        # The reason itself, not a copy: a reason renamed shows on its applications (as the API
        # names it by its current label), which are not touched.
        self.applications[(cid, job_id)][key] = self.data[kind][reason_id]

    # --- changes ------------------------------------------------------------------------------

    def edit(self, kind: str, record_id: str, **changes: Any) -> None:
        """Change a record; candidates, jobs and users get a new `updatedOn`. Renaming a job renames it
        in its candidates' assignments without touching them."""
        with self._lock:
            record = self.data[kind][record_id]
            record.update(changes)
            if "updatedOn" in record:
                record["updatedOn"] = self._now()
            if kind == "jobs" and "title" in changes:
                for candidate in self.data["candidates"].values():
                    for assignment in self._assignments(candidate):
                        if assignment["job"]["id"] == record_id:
                            assignment["job"]["title"] = changes["title"]

    def rename_sub_status(self, status: str, old: str, new: str) -> None:
        """The hiring process changes: applications in that sub-status follow, candidates untouched."""
        with self._lock:
            for process in self.data["hiring_processes"].values():
                subs = process["subStatuses"][status]
                subs[subs.index(old)] = new
            for (cid, job_id), application in self.applications.items():
                if application["status"] == status and application["subStatus"] == old:
                    application["subStatus"] = new
                    self._assignment(cid, job_id)["subStatus"] = new

    def set_status(self, cid: str, job_id: str, status: str, sub: str | None = None, reason: str | None = None) -> None:
        """What `PUT /candidates/{id}/jobs/{jobId}/status` does: the application's status (and the
        listing's assignment) change, with a history entry; the candidate's `updatedOn` does not."""
        with self._lock:
            application = self.applications[(cid, job_id)]
            application.update(status=status, subStatus=sub, reasonOfRejection=None, reasonOfWithdrawal=None)
            if reason is not None:
                self._reason(cid, job_id, status, reason)
            assignment = self._assignment(cid, job_id)
            assignment.update(status=status, subStatus=sub)
            self.history[(cid, job_id)].append({"changedOn": self._now(), "status": status, "subStatus": sub})
        self.notify("application.status.updated", cid, job_id)

    def notify(self, event: str, cid: str, job_id: str) -> None:
        """Send the subscriptions' callback `{"job_id", "candidate_id"}`, signed as SmartRecruiters signs:
        `smartrecruiters-signature: v1=<hex HMAC-SHA256 of timestamp.body.event-id.event-name.event-version.link>`."""
        body = json.dumps({"job_id": job_id, "candidate_id": cid}, separators=(",", ":")).encode()
        self._serial += 1
        headers = {
            "smartrecruiters-timestamp": str(int(datetime.now(UTC).timestamp())),
            "event-id": f"evt-{self._serial}",
            "event-name": event,
            "event-version": "v201910",
            "link": f"<https://api.smartrecruiters.com/candidates/{cid}/jobs/{job_id}>; rel=self",
        }
        signed = [headers["smartrecruiters-timestamp"].encode(), body]
        signed += [headers[k].encode() for k in ("event-id", "event-name", "event-version", "link")]

        def sign(secret: str) -> tuple[dict[str, str], bytes]:
            digest = hmac.new(secret.encode(), b".".join(signed), hashlib.sha256).hexdigest()
            return {**headers, "smartrecruiters-signature": f"v1={digest}"}, body

        self.webhooks.send(sign)

    def delete(self, kind: str, record_id: str) -> None:
        """Gone from every listing; a candidate's applications go with it."""
        with self._lock:
            del self.data[kind][record_id]
            if kind == "candidates":
                del self.properties[record_id]
                for key in [k for k in self.applications if k[0] == record_id]:
                    del self.applications[key]
                    del self.history[key]

    def _assignments(self, candidate: Json) -> list[Json]:
        primary = candidate.get("primaryAssignment")
        return ([primary] if primary else []) + list(candidate.get("secondaryAssignments") or [])

    def _assignment(self, cid: str, job_id: str) -> Json:
        return next(a for a in self._assignments(self.data["candidates"][cid]) if a["job"]["id"] == job_id)

    # --- the HTTP app ------------------------------------------------------------------------

    def app(self) -> ASGIApp:
        gets: list[tuple[str, Callable[[Request], Response]]] = [
            (USERS_PATH, lambda r: self._listing(r, list(self.data["users"].values()))),
            ("/configuration/rejection-reasons", lambda r: self._config(self.data["rejection_reasons"])),
            ("/configuration/withdrawal-reasons", lambda r: self._config(self.data["withdrawal_reasons"])),
            ("/configuration/hiring-processes", lambda r: self._config(self.data["hiring_processes"])),
            ("/jobs", lambda r: self._listing(r, list(self.data["jobs"].values()))),
            ("/candidates/{id}/properties", self._properties),
            ("/candidates/{id}/jobs/{job}", self._application),
            ("/candidates/{id}/jobs/{job}/status/history", self._history),
        ]
        routes = [Route(path, self._endpoint(handler), methods=["GET"]) for path, handler in gets]
        routes.append(Route("/candidates", self._candidates_endpoint, methods=["GET"]))
        routes.append(Route("/jobs/{job}/candidates", self._endpoint(self._w_create, body=True), methods=["POST"]))
        routes.append(
            Route("/candidates/{id}/jobs/{job}/status", self._endpoint(self._w_status, body=True), methods=["PUT"])
        )
        return self.harness.middleware(Starlette(routes=routes), _rate_limited)

    def _headers(self, concurrent_limit: int, in_flight: int) -> dict[str, str]:
        headers = {
            "X-RateLimit-Concurrent-Limit": str(concurrent_limit),
            "X-RateLimit-Concurrent-Remaining": str(max(0, concurrent_limit - in_flight)),
        }
        if self.window is not None:
            headers["X-RateLimit-Limit"] = str(self.window)
            headers["X-RateLimit-Remaining"] = str(max(0, self.window - self.window_used))
        return headers

    def _admit(self, request: Request) -> Response | None:
        """Auth and the per-second window (under the lock): an error answer, or None to go on."""
        if request.headers.get("x-smarttoken") != self.token:
            return error(401, "UNAUTHORIZED", "Invalid or missing X-SmartToken")
        if self._spend():
            return error(429, "RATE_LIMIT_EXCEEDED", "API rate limit exceeded")
        return None

    def _endpoint(
        self, handler: Callable[..., Response], *, body: bool = False
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            raw = await request.body()
            # Answered synchronously under the lock: these never overlap here, so SmartRecruiters' 8
            # in flight for them cannot be exceeded (the connector's fan-out sends at most 4 anyway).
            with self._lock:
                answer = self._admit(request)
                if answer is None:
                    try:
                        if body:
                            try:
                                given = json.loads(raw) if raw else None
                            except ValueError:
                                raise Refused(400, "INVALID_JSON", "The request body is not valid JSON") from None
                            answer = handler(request, given)
                        else:
                            answer = handler(request)
                    except Refused as refused:
                        answer = error(refused.status, refused.code, refused.message)
                answer.headers.update(self._headers(CONCURRENCY, 1))
                return answer

        return endpoint

    async def _candidates_endpoint(self, request: Request) -> Response:
        """`GET /candidates`: at most one in flight per key; a second one meanwhile is 429."""
        with self._lock:
            self._candidates_in_flight += 1
            in_flight = self._candidates_in_flight
            self.candidates_in_flight_max = max(self.candidates_in_flight_max, in_flight)
        try:
            with self._lock:
                answer = self._admit(request)
                if answer is None and in_flight > CANDIDATES_CONCURRENCY:
                    self.concurrent_refused += 1
                    answer = error(429, "CONCURRENT_LIMIT_EXCEEDED", "Too many concurrent requests to GET /candidates")
            if answer is None:
                if self.candidates_latency:
                    await asyncio.sleep(self.candidates_latency)
                with self._lock:
                    answer = self._candidates(request)
            answer.headers.update(self._headers(CANDIDATES_CONCURRENCY, in_flight))
            return answer
        finally:
            with self._lock:
                self._candidates_in_flight -= 1

    def _listing(self, request: Request, records: list[Json]) -> Response:
        """One page in id order: `pageId` is the id of the page's first record (opaque to clients),
        `nextPageId` the next page's, absent on the last page."""
        query = request.query_params
        try:
            limit = int(query.get("limit") or DEFAULT_LIMIT)
        except ValueError:
            return error(400, "INVALID_PARAMETER", "limit must be an integer")
        if not 1 <= limit <= MAX_LIMIT:
            return error(400, "INVALID_PARAMETER", f"limit must be between 1 and {MAX_LIMIT}")
        ordered = sorted(records, key=lambda r: str(r["id"]))
        page_id = query.get("pageId")
        if page_id:
            ordered = [r for r in ordered if str(r["id"]) >= page_id]
        page, rest = ordered[:limit], ordered[limit:]
        body: Json = {"limit": limit, "totalFound": len(records), "content": page}
        if rest:
            body["nextPageId"] = str(rest[0]["id"])
        return JSONResponse(body)

    def _config(self, records: dict[str, Json]) -> Response:
        return JSONResponse({"totalFound": len(records), "content": list(records.values())})

    def _candidates(self, request: Request) -> Response:
        found = list(self.data["candidates"].values())
        value = request.query_params.get("updatedAfter")
        if value is not None:
            bound = _parse(value)
            if bound is None:
                return error(400, "INVALID_PARAMETER", "updatedAfter is not an ISO 8601 date-time")
            found = [c for c in found if (_parse(c["updatedOn"]) or bound) >= bound]
        # `q`: a keyword search of names and email (case-insensitive); `jobId` (repeatable): candidates
        # assigned to one of those jobs.
        if q := (request.query_params.get("q") or "").lower():
            found = [
                c for c in found if any(q in str(c.get(k) or "").lower() for k in ("firstName", "lastName", "email"))
            ]
        if jobs := request.query_params.getlist("jobId"):
            found = [c for c in found if any(a["job"]["id"] in jobs for a in self._assignments(c))]
        return self._listing(request, found)

    def _key(self, request: Request) -> tuple[str, str]:
        key = (request.path_params["id"], request.path_params["job"])
        if key not in self.applications:
            raise Refused(404, "NOT_FOUND", "Candidate application not found")
        return key

    def _properties(self, request: Request) -> Response:
        values = self.properties.get(request.path_params["id"])
        if values is None:
            raise Refused(404, "NOT_FOUND", "Candidate not found")
        content = []
        for property_id, label, kind in PROPERTIES:
            entry: Json = {"id": property_id, "label": label, "type": kind}
            if property_id in values:
                value = values[property_id]
                # A SINGLE_SELECT is set by its value's id and read back as the value.
                entry["value"] = {"id": value, "label": dict(SENIORITY)[value]} if kind == "SINGLE_SELECT" else value
            content.append(entry)
        return JSONResponse({"content": content})

    def _application(self, request: Request) -> Response:
        return JSONResponse(self.applications[self._key(request)])

    def _history(self, request: Request) -> Response:
        entries = self.history[self._key(request)]
        return JSONResponse({"totalFound": len(entries), "content": entries})

    # --- writes -------------------------------------------------------------------------------

    def _w_create(self, request: Request, given: Any) -> Response:
        """`POST /jobs/{jobId}/candidates`: a new candidate applying to the job, status NEW."""
        job_id = request.path_params["job"]
        if job_id not in self.data["jobs"]:
            raise Refused(404, "NOT_FOUND", "Job not found")
        if not isinstance(given, dict) or not given.get("firstName") or not given.get("lastName"):
            raise Refused(400, "INVALID_BODY", "firstName and lastName are required")
        if not given.get("email"):
            raise Refused(400, "INVALID_BODY", "email is required")
        candidate = self.add_candidate(random.Random(self._serial), len(self.data["candidates"]), job_id)
        location = given.get("location") if isinstance(given.get("location"), dict) else None
        candidate.update(
            firstName=given["firstName"],
            lastName=given["lastName"],
            email=given["email"],
            phoneNumber=given.get("phoneNumber"),
            location=location,
            averageRating=0,
            internal=False,
        )
        self.notify("application.created", candidate["id"], job_id)
        return JSONResponse(candidate, 201)

    def _w_status(self, request: Request, given: Any) -> Response:
        cid, job_id = self._key(request)
        if not isinstance(given, dict) or given.get("status") not in STATUSES:
            raise Refused(400, "INVALID_STATUS", f"status must be one of {', '.join(STATUSES)}")
        status, sub, reason = given["status"], given.get("subStatus"), given.get("reason")
        process = next(iter(self.data["hiring_processes"].values()))
        subs = process["subStatuses"].get(status)
        if sub is not None and (not subs or sub not in subs):
            raise Refused(400, "INVALID_SUB_STATUS", f"{sub!r} is not a sub-status of {status}")
        if status in ("REJECTED", "WITHDRAWN"):
            kind = "rejection_reasons" if status == "REJECTED" else "withdrawal_reasons"
            if reason is not None and reason not in self.data[kind]:
                raise Refused(400, "INVALID_REASON", f"{reason!r} is not a {kind.replace('_', ' ')[:-1]}")
        elif reason is not None:
            raise Refused(400, "INVALID_REASON", "a reason is for REJECTED and WITHDRAWN only")
        self.set_status(cid, job_id, status, sub, reason)
        return Response(b"", 204)


def _rate_limited() -> Response:
    return error(429, "RATE_LIMIT_EXCEEDED", "API rate limit exceeded")
