"""A Greenhouse Harvest v3 emulator over real HTTP, for connector tests.

What it speaks (docs/connectors/greenhouse.md says where each rule comes from):
- `POST /token` (auth.greenhouse.io's): HTTP Basic `client_id:client_secret`, form `grant_type=client_credentials`,
  optional `sub` (a user id) -> `{access_token, token_type: "Bearer", expires_in, expires_at}`. Tokens live
  `token_ttl` seconds; an unknown or expired bearer token gets 401, a token without a resource's scope 403.
- `GET /v3/<resource>` for every resource the mapping reads (RESOURCES): a bare JSON array, ordered by id, paged by
  a `Link: <...?cursor=...>; rel="next"` header. `per_page` (1-500, default 100) and filters go on the first request
  only: a request with `cursor` and any other parameter, an unknown or expired cursor, a bad `per_page` or filter, or
  an unknown parameter answers 422. Filters: `ids` and the parent-id filters (comma lists of at most 50),
  `created_at`/`updated_at` (and a few more dates) as `op|ISO time`, chainable (`gte|t1|lt|t2`), ops gte/gt/lte/lt,
  and each resource's booleans and enums. Deleted records are never listed.
- Harvest's rate limit: at most `rate_limit` requests to /v3 in any `window` seconds (a rolling window; default 50
  per 10 s, v1's documented window -- v3 publishes none). Every /v3 answer carries `X-RateLimit-Limit`,
  `X-RateLimit-Remaining` and `X-RateLimit-Reset` (Unix seconds, rounded up, when the oldest counted request leaves
  the window: at Remaining 0, when a request is admitted again); a request over the limit is a violation and gets
  429 with `Retry-After` (seconds) and `X-RateLimit-Reset` only, as v1 documented.
- Attachment `url`s: a signed link (expires after `url_ttl`, default 7 days) that redirects (302) to a pre-signed
  storage URL serving the bytes; neither needs the bearer token, the storage URL refuses one.

Data is generated from a seed (any size: `applications=N`), with realistic relations and custom fields. Tests change
it through the mutation methods; each stamps `updated_at` on what it changes, and child changes leave the parent's
`updated_at` alone unless `touch_parent=True` (no vendor documents that a parent moves with its children).
The harness (tests/emulators/harness.py) adds the request log, fault injection and an optional extra rate meter.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import math
import mimetypes
import random
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import parse_qs, quote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tests.emulators.harness import Emulator, RateMeter, WebhookSender, serve

Json = dict[str, Any]
FilterKind = Literal["ids", "bool", "enum", "date", "str"]
BASE = datetime(2024, 1, 1, tzinfo=UTC)  # generated history lies before this, well before any test's "now"
MAX_IDS = 50  # ids and parent-id filters take at most 50 values


@dataclass(frozen=True)
class Filter:
    kind: FilterKind
    field: str  # the record field it tests
    values: tuple[str, ...] = ()  # enum values


def _ids(field: str) -> Filter:
    return Filter("ids", field)


def _bool(field: str) -> Filter:
    return Filter("bool", field)


def _date(field: str) -> Filter:
    return Filter("date", field)


def _enum(field: str, *values: str) -> Filter:
    return Filter("enum", field, values)


# Per resource, the filters beyond `ids`, `created_at` and `updated_at`. `special` ones are handled in `_select`.
RESOURCES: dict[str, dict[str, Filter]] = {
    "users": {"deactivated": _bool("deactivated"), "primary_email": Filter("str", "primary_email"),
              "show_service_accounts": Filter("bool", "special")},
    "departments": {},
    "offices": {},
    "sources": {},
    "custom_fields": {"field_type": Filter("str", "field_type"), "active": _bool("active"),
                      "name_key": Filter("str", "name_key")},
    "custom_field_options": {"custom_field_ids": _ids("custom_field_id"), "active": _bool("active")},
    "candidate_tags": {},
    "rejection_reasons": {"include_defaults": Filter("bool", "special")},
    "jobs": {"status": _enum("status", "open", "closed", "draft"), "confidential": _bool("confidential"),
             "opened_at": _date("opened_at"), "closed_at": _date("closed_at")},
    "job_interview_stages": {"job_ids": _ids("job_id"), "active": _bool("active")},
    "job_interviews": {"job_ids": _ids("job_id"), "job_interview_stage_ids": _ids("job_interview_stage_id"),
                       "active": _bool("active")},
    "interview_kits": {"job_ids": _ids("job_id"), "job_interview_ids": _ids("job_interview_id")},
    "openings": {"job_ids": _ids("job_id"), "open": _bool("open")},
    "job_posts": {"job_ids": _ids("job_id"), "active": Filter("bool", "special"), "live": _bool("live"),
                  "internal": _bool("internal")},
    "job_hiring_managers": {"job_ids": _ids("job_id"), "user_ids": _ids("user_id")},
    "job_owners": {"job_ids": _ids("job_id"), "user_ids": _ids("user_id"),
                   "type": _enum("type", "recruiter", "coordinator", "sourcer")},
    "candidates": {"email": Filter("str", "special"), "tag": Filter("str", "special"),
                   "last_activity_at": _date("last_activity_at")},
    "applied_candidate_tags": {"candidate_ids": _ids("candidate_id"), "candidate_tag_ids": _ids("candidate_tag_id")},
    "applications": {"candidate_ids": _ids("candidate_id"), "job_ids": _ids("job_id"),
                     "job_post_ids": _ids("job_post_id"), "source_ids": _ids("source_id"),
                     "stage_ids": _ids("stage_id"),
                     "prospective_job_ids": _ids("prospective_job_ids"), "prospect": _bool("prospect"),
                     "status": _enum("status", "active", "rejected", "hired", "converted"),
                     "last_activity_at": _date("last_activity_at")},
    "application_stages": {"application_ids": _ids("application_id"),
                           "job_interview_stage_ids": _ids("job_interview_stage_id"), "current": _bool("current")},
    "rejection_details": {"application_ids": _ids("application_id"),
                          "rejection_reason_ids": _ids("rejection_reason_id")},
    "interviews": {"application_ids": _ids("application_id"), "job_ids": _ids("job_id"),
                   "job_interview_ids": _ids("job_interview_id"),
                   "status": _enum("status", "to_be_scheduled", "scheduled", "awaiting_feedback", "complete",
                                   "skipped", "collect_feedback", "to_be_sent", "sent", "received")},
    "interviewers": {"interview_ids": _ids("interview_id"), "user_ids": _ids("user_id"),
                     "scorecard_ids": _ids("scorecard_id")},
    "scorecards": {"application_ids": _ids("application_id"), "interviewer_ids": _ids("interviewer_id"),
                   "status": _enum("status", "draft", "complete"), "submitted_at": _date("submitted_at")},
    "scorecard_questions": {"interview_kit_ids": _ids("interview_kit_id"), "active": _bool("active")},
    "scorecard_question_options": {"scorecard_question_ids": _ids("scorecard_question_id")},
    "scorecard_question_answers": {"scorecard_ids": _ids("scorecard_id"),
                                   "scorecard_question_ids": _ids("scorecard_question_id")},
    "scorecard_question_answer_options": {"scorecard_question_answer_ids": _ids("scorecard_question_answer_id")},
    "offers": {"application_ids": _ids("application_id"), "job_ids": _ids("job_id"),
               "candidate_ids": _ids("candidate_id"), "current_only": Filter("bool", "special"),
               "status": _enum("status", "Created", "Accepted", "Rejected", "Deprecated")},
    "notes": {"candidate_ids": _ids("candidate_id"), "application_ids": _ids("application_id"),
              "user_ids": _ids("user_id"),
              "type": _enum("type", "NOTE", "EMAIL", "ACTIVITY", "INTERVIEW", "FEEDBACK", "TOUCHPOINT", "FOLLOW_UP"),
              "visibility": _enum("visibility", "publicly_visible", "privately_visible", "admin_only_visible")},
    "attachments": {"application_ids": _ids("application_id"), "candidate_ids": _ids("candidate_id"),
                    "type": _enum("type", "resume", "cover_letter", "take_home_test", "offer_packet", "offer_letter",
                                  "signed_offer_letter", "other", "form_attachment")},
}  # fmt: skip
# Deleting a record deletes the records that hang off it (Greenhouse lists no orphans).
CHILDREN: dict[str, tuple[tuple[str, str], ...]] = {
    "candidates": (("applications", "candidate_id"), ("applied_candidate_tags", "candidate_id"),
                   ("notes", "candidate_id"), ("attachments", "candidate_id")),
    "applications": (("application_stages", "application_id"), ("interviews", "application_id"),
                     ("scorecards", "application_id"), ("offers", "application_id"), ("attachments", "application_id"),
                     ("notes", "application_id"), ("rejection_details", "application_id")),
    "interviews": (("interviewers", "interview_id"),),
    "scorecards": (("scorecard_question_answers", "scorecard_id"),),
    "scorecard_question_answers": (("scorecard_question_answer_options", "scorecard_question_answer_id"),),
    "jobs": (("job_interview_stages", "job_id"), ("job_interviews", "job_id"), ("interview_kits", "job_id"),
             ("openings", "job_id"), ("job_posts", "job_id"), ("job_hiring_managers", "job_id"),
             ("job_owners", "job_id")),
    "candidate_tags": (("applied_candidate_tags", "candidate_tag_id"),),
}  # fmt: skip

FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Linus", "Margaret", "Tim"]
LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Perlman", "Hamilton"]
COMPANIES = ["Initech", "Globex", "Hooli", "Umbrella", None]
JOB_NAMES = ["Backend Engineer", "Frontend Engineer", "Data Scientist", "Account Executive", "Recruiter", "Designer"]
STAGES = ["Application Review", "Phone Screen", "Onsite", "Offer"]
SLOTS = {"Phone Screen": ["Recruiter Phone Screen"], "Onsite": ["Technical Interview", "Values Interview"]}
TAGS = ["Senior", "Referral", "Remote", "Priority", "Do Not Contact", "Returning"]
SOURCES = [("LinkedIn (Prospecting)", "Prospecting"), ("Referral", "Referral"), ("Indeed", "Third-party boards"),
           ("Company Website", "Company marketing"), ("Career Fair", "In person event")]  # fmt: skip
REASONS = [("Lacking skill(s)/qualification(s)", "WE_REJECTED_THEM", False),
           ("Took another offer", "THEY_REJECTED_US", False), ("Not a culture add", "WE_REJECTED_THEM", False),
           ("Spam", "NONE_SPECIFIED", False), ("Other (default)", "NONE_SPECIFIED", True)]  # fmt: skip
REASON_TYPES = {"WE_REJECTED_THEM": (1, "We rejected them"), "THEY_REJECTED_US": (2, "They rejected us"),
                "NONE_SPECIFIED": (3, "None specified")}  # fmt: skip


def iso(at: datetime) -> str:
    """v3's timestamp form: UTC with milliseconds and `Z`."""
    at = at.astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


JWT_HEADER = _b64(b'{"alg":"HS256","typ":"JWT"}')


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Invalid(Exception):
    """A request Harvest answers with 422 (`field`: the body field at fault, for a write)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFound(Exception):
    """A write to a record Harvest does not have: 404."""


@dataclass
class Token:
    expires_at: float  # time.time()
    sub: str | None


@dataclass
class HarvestRateLimit:
    """At most `limit` admitted requests in any `window` seconds; a request over it is a violation."""

    limit: int
    window: float
    violations: int = 0
    _admitted: deque[float] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def admit(self) -> tuple[bool, dict[str, str]]:
        """(admitted, the headers to answer with)."""
        with self._lock:
            now = time.monotonic()
            while self._admitted and self._admitted[0] <= now - self.window:
                self._admitted.popleft()
            admitted = len(self._admitted) < self.limit
            if admitted:
                self._admitted.append(now)
            else:
                self.violations += 1
            # Reset: when the oldest counted request leaves the window (at Remaining 0: when one is admitted again).
            wait = self._admitted[0] + self.window - now if self._admitted else 0.0
            reset = str(math.ceil(time.time() + wait))
            if not admitted:
                return False, {"Retry-After": str(max(1, math.ceil(wait))), "X-RateLimit-Reset": reset}
            remaining = self.limit - len(self._admitted)
            return True, {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(remaining),
                          "X-RateLimit-Reset": reset}  # fmt: skip


class GreenhouseEmulator:
    """The account's data plus the HTTP app serving it. Use `with emulator.running() as url:`; the token
    endpoint is `{url}/token`, the API `{url}/v3`."""

    def __init__(
        self,
        *,
        seed: int = 1,
        applications: int = 60,
        client_id: str = "gh-client-id",
        client_secret: str = "gh-client-secret",
        token_ttl: int = 3600,
        rate_limit: int | None = 50,
        window: float = 10.0,
        meter: RateMeter | None = None,
        url_ttl: float = 7 * 86_400,
        cursor_ttl: float | None = None,
        scopes: set[str] | None = None,
    ) -> None:
        self.client_id, self.client_secret = client_id, client_secret
        self.token_ttl, self.url_ttl, self.cursor_ttl = token_ttl, url_ttl, cursor_ttl
        self.scopes = scopes  # None: every harvest:<resource>:list scope
        self.limit = HarvestRateLimit(rate_limit, window) if rate_limit else None
        self.harness = Emulator(client_id, meter)
        self.data: dict[str, dict[int, Json]] = {name: {} for name in RESOURCES}
        self.tokens: dict[str, Token] = {}
        self.cursor_epoch = 0
        self._key = secrets.token_bytes(16)  # signs cursors, tokens and file links
        self._lock = threading.RLock()
        self._rng = random.Random(seed)
        self._serial = 10_000
        self._clock_ms = 0
        self.files: dict[int, bytes] = {}
        # Greenhouse's web hooks (`register_webhook`): sent after the changes below that it sends one for.
        self.webhooks = WebhookSender()
        self._generate(applications)
        routes = [
            Route("/token", self._token, methods=["POST"]),
            Route("/v3/{resource}", self._list, methods=["GET"]),
            Route("/v3/{resource}", self._create, methods=["POST"]),
            Route("/v3/applications/{record:int}/{verb}", self._application_verb, methods=["POST"]),
            Route("/v3/{resource}/{record:int}", self._remove, methods=["DELETE"]),
            Route("/attachment_files/{attachment}", self._file_link, methods=["GET"]),
            Route("/storage/{attachment}/{name}", self._storage, methods=["GET"]),
        ]
        self.app: ASGIApp = self.harness.middleware(self._rate_limited_app(Starlette(routes=routes)), _harness_429)

    # --- harness, re-exported --------------------------------------------------------------------

    @contextmanager
    def running(self) -> Iterator[str]:
        with serve(self.app) as url:
            yield url

    @property
    def requests(self) -> list[Any]:
        return self.harness.requests

    def requests_to(self, suffix: str) -> list[Any]:
        return self.harness.requests_to(suffix)

    @property
    def violations(self) -> int:
        meter = self.harness.rate.violations if self.harness.rate is not None else 0
        return meter + (self.limit.violations if self.limit else 0)

    def records(self, resource: str, **query: str) -> list[Json]:
        """What a listing of `resource` with these filters returns, in order (attachments without urls)."""
        with self._lock:
            return [self._render(resource, r) for r in self._visible(resource, query)]

    def record(self, resource: str, record_id: int) -> Json:
        with self._lock:
            return self._render(resource, self.data[resource][record_id])

    # --- time, ids ----------------------------------------------------------------------------------

    def now(self) -> str:
        """A strictly increasing wall-clock time (ms), for the `updated_at` of test changes."""
        with self._lock:
            self._clock_ms = max(self._clock_ms + 1, int(time.time() * 1000))
            return iso(datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=self._clock_ms))

    def _id(self) -> int:
        self._serial += 1 + self._rng.randrange(3)  # ids unique across resources, with gaps
        return self._serial

    def _past(self, days: float = 400) -> datetime:
        return BASE - timedelta(seconds=self._rng.randrange(1, int(days * 86_400)))

    def _put(self, resource: str, record: Json) -> Json:
        self.data[resource][record["id"]] = record
        return record

    # --- generation ---------------------------------------------------------------------------------

    def _generate(self, applications: int) -> None:
        rng = self._rng

        def stamp(at: datetime) -> Json:
            return {"created_at": iso(at), "updated_at": iso(at)}

        old = BASE - timedelta(days=800)
        for n in range(max(4, applications // 10)):
            service = n == max(4, applications // 10) - 1
            first, last = FIRST[n % len(FIRST)], LAST[n % len(LAST)]
            self._put("users", {
                "id": self._id(), "first_name": None if service else first, "last_name": None if service else last,
                "name": "Harvest Integration" if service else f"{first} {last}",
                "primary_email": "" if service else f"{first.lower()}.{n}@acme.example",
                "emails": [] if service else [f"{first.lower()}.{n}@acme.example"],
                "deactivated": n % 7 == 6, "site_admin": n == 0, "employee_id": None if service else f"E-{n}",
                "job_title": None, "agency_id": None, "department_ids": [], "office_ids": [],
                "linked_candidate_ids": [], "interviewer_tags": [], "custom_fields": {}, **stamp(self._past()),
            })  # fmt: skip
        staff = self._staff()
        eng = self._put("departments", {"id": self._id(), "name": "Engineering", "parent_id": None,
                                        "external_id": None, **stamp(old)})  # fmt: skip
        for name, parent in [("Platform", eng["id"]), ("Sales", None), ("People", None)]:
            self._put("departments", {"id": self._id(), "name": name, "parent_id": parent, "external_id": None,
                                      **stamp(old)})  # fmt: skip
        for name, location in [("San Francisco", "San Francisco, CA, United States"), ("Berlin", "Berlin, Germany"),
                               ("Remote (US)", None)]:  # fmt: skip
            self._put("offices", {"id": self._id(), "name": name, "location": location, "parent_id": None,
                                  "external_id": None, "primary_in_house_contact_user_id": staff[0],
                                  **stamp(old)})  # fmt: skip
        for key, name, ftype, vtype in [("employment_type", "Employment Type", "job", "single_select"),
                                        ("cost_center", "Cost Center", "job", "short_text"),
                                        ("preferred_pronouns", "Preferred Pronouns", "candidate", "short_text"),
                                        ("referral_notes", "Referral Notes", "application", "long_text"),
                                        ("base_salary", "Base Salary", "offer", "currency")]:  # fmt: skip
            fid = self._id()
            self._put("custom_fields", {"id": fid, "name": name, "name_key": key, "field_type": ftype,
                                        "value_type": vtype, "active": True, "private": False, "required": False,
                                        "internal_type": key if key == "employment_type" else None,
                                        "sort_order": 0, **stamp(old)})  # fmt: skip
            if vtype == "single_select":
                for order, option in enumerate(["Full-time", "Part-time", "Contract", "Intern"]):
                    self._put("custom_field_options", {"id": self._id(), "custom_field_id": fid, "name": option,
                                                       "external_id": None, "sort_order": order, "active": True,
                                                       **stamp(old)})  # fmt: skip
        for tag in TAGS:
            self._put("candidate_tags", {"id": self._id(), "name": tag, **stamp(old)})
        for source, strategy in SOURCES:
            self._put("sources", {"id": self._id(), "name": source,
                                  "type": {"id": 1 + SOURCES.index((source, strategy)), "name": strategy},
                                  **stamp(old)})  # fmt: skip
        for name, key, default in REASONS:
            type_id, type_name = REASON_TYPES[key]
            self._put("rejection_reasons", {"id": self._id(), "name": name,
                                            "type": {"id": type_id, "key": key, "name": type_name},
                                            "_default": default, **stamp(old)})  # fmt: skip
        for n in range(max(2, applications // 8)):
            self._add_job(n, staff)
        jobs = list(self.data["jobs"])
        for n in range(applications):
            candidate = None
            if n % 5 == 4 and self.data["candidates"]:  # one person, two applications
                candidate = rng.choice(list(self.data["candidates"]))
            if candidate is None:
                candidate = self._add_candidate(n)["id"]
            prospect = n % 15 == 14
            self._add_application(candidate, None if prospect else jobs[n % len(jobs)], n, staff)

    def _add_job(self, n: int, staff: list[int]) -> Json:
        created = self._past(600)
        status = ["open", "open", "open", "closed", "draft"][n % 5]
        departments, offices = list(self.data["departments"]), list(self.data["offices"])
        options = [o["name"] for o in self.data["custom_field_options"].values()]
        job = self._put("jobs", {
            "id": self._id(), "name": f"{JOB_NAMES[n % len(JOB_NAMES)]} {n}",
            "requisition_id": f"REQ-{n}" if n % 3 else None,
            "status": status, "confidential": n % 9 == 8, "department_id": departments[n % len(departments)],
            "office_ids": offices[: 1 + n % 2], "is_template": False, "copied_from_id": None,
            "notes": f"<p>Hiring plan {n}</p>",
            "opened_at": None if status == "draft" else iso(created + timedelta(days=3)),
            "closed_at": iso(created + timedelta(days=200)) if status == "closed" else None,
            "custom_fields": {
                "employment_type": {"name": "Employment Type", "type": "single_select",
                                    "value": options[n % len(options)]},
                "cost_center": {"name": "Cost Center", "type": "short_text", "value": f"CC-{100 + n}"},
            },
            "created_at": iso(created), "updated_at": iso(created + timedelta(days=5)),
        })  # fmt: skip
        jid = job["id"]
        stamp = {"created_at": iso(created), "updated_at": iso(created)}
        names = STAGES[:3] + (["Take Home Test"] if n % 4 == 1 else []) + STAGES[3:]
        for order, name in enumerate(names):
            stage = self._put("job_interview_stages", {"id": self._id(), "job_id": jid, "name": name,
                                                       "sort_order": order, "active": name != "Take Home Test",
                                                       **stamp})  # fmt: skip
            for slot_order, slot in enumerate(SLOTS.get(name, []), start=1):
                slot_id = self._id()
                self._put("job_interviews", {"id": slot_id, "job_id": jid, "job_interview_stage_id": stage["id"],
                                             "name": slot, "sort_order": slot_order, "active": True,
                                             "scheduling_type": "needs_scheduling", "duration": 45,
                                             "require_scorecard": True, "instructions": None, "summary": None,
                                             **stamp})  # fmt: skip
                kit = self._put("interview_kits", {"id": self._id(), "job_id": jid, "job_interview_id": slot_id,
                                                   "exercises": None, "anonymize_candidate": False,
                                                   "anonymize_resumes": False, **stamp})  # fmt: skip
                self._add_questions(kit["id"], stamp)
        for k in range(1 + n % 2):
            closed = status == "closed"
            self._put("openings", {"id": self._id(), "job_id": jid, "opening_id": f"REQ-{n}-{k}", "open": not closed,
                                   "opened_at": job["opened_at"], "closed_at": job["closed_at"], "application_id": None,
                                   "close_reason_id": None, "sort_order": k, "target_start_on": None,
                                   "custom_fields": {}, **stamp})  # fmt: skip
        for internal in [False, True][: 1 + n % 2]:
            post = self._id()
            self._put("job_posts", {
                "id": post, "job_id": jid, "title": job["name"] + (" (internal)" if internal else ""),
                "internal": internal, "live": status == "open", "active": True, "featured": False,
                "first_published_at": job["opened_at"], "language": "en", "job_board_id": 7 if internal else 5,
                "public_url": None if internal else f"https://job-boards.greenhouse.io/acme/jobs/{post}?gh_jid={post}",
                "content": f"<p>Join us as {job['name']}.</p>", "internal_content": None,
                "demographic_question_set_id": None, "questions": [], **stamp,
            })  # fmt: skip
        self._put("job_hiring_managers", {"id": self._id(), "job_id": jid, "user_id": staff[n % len(staff)], **stamp})
        owners = [("recruiter", staff[(n + 1) % len(staff)])] + ([("coordinator", staff[0])] if n % 2 else [])
        for kind, user in owners:
            self._put("job_owners", {"id": self._id(), "job_id": jid, "user_id": user, "type": kind,
                                     "responsible": True, **stamp})  # fmt: skip
        return job

    def _add_questions(self, kit: int, stamp: Json) -> None:
        for order, (text, kind) in enumerate([("<p>Summary of the conversation</p>", "text"),
                                              ("Would you hire them?", "yes_no"), ("Strongest area", "single_select"),
                                              ("<p>Ask about trade-offs.</p>", "instruction")]):  # fmt: skip
            question = self._put("scorecard_questions", {"id": self._id(), "interview_kit_id": kit, "question": text,
                                                         "answer_type": kind, "sort_order": order,
                                                         "required": kind == "yes_no", "active": True,
                                                         **stamp})  # fmt: skip
            if kind == "single_select":
                for option_order, name in enumerate(["Architecture", "Coding", "Communication"]):
                    self._put("scorecard_question_options", {"id": self._id(), "scorecard_question_id": question["id"],
                                                             "name": name, "sort_order": option_order,
                                                             **stamp})  # fmt: skip

    def _add_candidate(self, n: int, *, at: str | None = None) -> Json:
        rng = self._rng
        first, last = rng.choice(FIRST), rng.choice(LAST)
        created = at or iso(self._past())
        tags = sorted(rng.sample(list(self.data["candidate_tags"]), rng.randrange(0, 3)))
        candidate = self._put("candidates", {
            "id": self._id(), "first_name": first, "last_name": last, "preferred_name": None,
            "company": rng.choice(COMPANIES), "title": rng.choice(["Engineer", "Manager", None]),
            "private": n % 13 == 12, "can_email": True, "time_zone": None,
            "email_addresses": [{"value": f"{first.lower()}.{n}@mail.example", "type": "personal"}]
            + ([{"value": f"{last.lower()}.{n}@work.example", "type": "work"}] if n % 2 else []),
            "phone_numbers": [{"value": f"+1 555 01{n:04d}", "type": rng.choice(["mobile", "home", "work"])}]
            if n % 3 else [],
            "addresses": [{"value": f"{n} Main St, Springfield", "type": "home"}] if n % 4 == 0 else [],
            "website_addresses": [{"value": f"https://{last.lower()}{n}.example", "type": "portfolio"}]
            if n % 6 == 0 else [],
            "social_media_addresses": [{"value": f"https://www.linkedin.com/in/{first.lower()}{n}"}]
            if n % 2 == 0 else [],
            "tags": [self.data["candidate_tags"][t]["name"] for t in tags], "linked_user_ids": [],
            "custom_fields": {"preferred_pronouns": {"name": "Preferred Pronouns", "type": "short_text",
                                                     "value": rng.choice(["she/her", "he/him", "they/them", None])}},
            "last_activity_at": created, "created_at": created, "updated_at": created,
        })  # fmt: skip
        for tag in tags:
            self._put("applied_candidate_tags", {"id": self._id(), "candidate_id": candidate["id"],
                                                 "candidate_tag_id": tag, "created_at": created,
                                                 "updated_at": created})  # fmt: skip
        return candidate

    def _stages_of(self, job_id: int) -> list[Json]:
        stages = [s for s in self.data["job_interview_stages"].values() if s["job_id"] == job_id and s["active"]]
        return sorted(stages, key=lambda s: (s["sort_order"], s["id"]))

    def _add_application(self, candidate: int, job: int | None, n: int, staff: list[int]) -> Json:
        """A generated application with its history and children, dated in the past."""
        rng = self._rng
        created = max(self._past(300), datetime.fromisoformat(self.data["candidates"][candidate]["created_at"]))
        outcome = "rejected" if n % 8 == 3 else "hired" if n % 10 == 7 and job else "in_process"
        stages = self._stages_of(job) if job else []
        reach = len(stages) - 1 if outcome == "hired" else rng.randrange(len(stages)) if stages else -1
        app = self._new_application(candidate, job, n, staff, iso(created))
        at = created
        for index, stage in enumerate(stages[: reach + 1]):
            at += timedelta(days=rng.randrange(1, 6))
            self._enter_stage(app, stage, iso(at), touch=False)
            for slot in (s for s in self.data["job_interviews"].values() if s["job_interview_stage_id"] == stage["id"]):
                self._new_interview(app, slot, at, done=index < reach or outcome != "in_process", staff=staff)
        if outcome == "rejected":
            at += timedelta(days=1)
            reasons = list(self.data["rejection_reasons"])
            self._reject(app, reasons[n % len(reasons)], iso(at), staff[0])
        if outcome == "hired" or (stages and reach == len(stages) - 1):
            self._new_offer(app, "Created", iso(at), sent=outcome == "hired")
            if outcome == "hired":
                self._new_offer(app, "Accepted", iso(at + timedelta(days=2)), sent=True)
                self._terminal(app, "hired", iso(at + timedelta(days=3)))
        for k in range(rng.choice([0, 1, 1, 2])):
            kind = ["NOTE", "NOTE", "EMAIL", "ACTIVITY"][(n + k) % 4]
            self._new_note(candidate, app["id"], f"Note {k} on application {app['id']}.\nSecond line <ok>.",
                           kind=kind, visibility=["publicly_visible", "privately_visible"][k % 2],
                           user=staff[k % len(staff)], at=iso(created + timedelta(hours=k + 1)))  # fmt: skip
        if job:
            self._new_attachment(app, f"resume_{app['id']}.pdf", "resume", iso(created))
            if n % 3 == 1:
                self._new_attachment(app, f"cover_letter_{app['id']}.docx", "cover_letter", iso(created))
        app["updated_at"] = max(app["updated_at"], iso(at))
        return app

    # --- building blocks (no clock of their own: callers pass times) ------------------------------------

    def _new_application(self, candidate: int, job: int | None, n: int, staff: list[int], at: str) -> Json:
        posts = [p["id"] for p in self.data["job_posts"].values() if p["job_id"] == job and not p["internal"]]
        return self._put("applications", {
            "id": self._id(), "candidate_id": candidate, "job_id": job, "job_post_id": posts[0] if posts else None,
            "job_interview_stage_id": None, "stage_id": None, "stage_name": None, "status": "in_process",
            "prospect": job is None, "prospective_job_ids": [] if job else [next(iter(self.data["jobs"]))],
            "rejected_at": None, "rejection_reason_id": None,
            "source_id": self._rng.choice(list(self.data["sources"])) if n % 6 else None, "referrer_id": None,
            "recruiter_id": staff[n % len(staff)] if job else None, "coordinator_id": None, "agency_note_id": None,
            "needs_decision": False, "location_address": None,
            "answers": [{"question": "Why do you want to work here?", "answer": f"Reason {n}"}] if n % 3 == 0 else [],
            "custom_fields": {"referral_notes": {"name": "Referral Notes", "type": "long_text",
                                                 "value": f"Referred by {FIRST[n % 12]}" if n % 4 == 0 else None}},
            "last_activity_at": at, "created_at": at, "updated_at": at,
        })  # fmt: skip

    def _staff(self) -> list[int]:
        return [u["id"] for u in self.data["users"].values() if u["primary_email"] and not u["deactivated"]]

    def _enter_stage(self, app: Json, stage: Json, at: str, *, touch: bool) -> None:
        for row in self.data["application_stages"].values():
            if row["application_id"] == app["id"] and row["current"]:
                row.update(current=False, exited_at=at, updated_at=at)
        row = self._put("application_stages", {"id": self._id(), "application_id": app["id"],
                                                "job_interview_stage_id": stage["id"], "current": True,
                                                "entered_at": at, "exited_at": None, "days_in_stage": 0,
                                                "created_at": at, "updated_at": at})  # fmt: skip
        app.update(job_interview_stage_id=stage["id"], stage_id=row["id"], stage_name=stage["name"],
                   last_activity_at=at)  # fmt: skip
        if touch:
            app["updated_at"] = at

    def _terminal(self, app: Json, status: str, at: str) -> None:
        """Rejected and hired applications have no current stage in v3 (their history keeps it)."""
        app.update(status=status, job_interview_stage_id=None, stage_id=None, stage_name=None, updated_at=at,
                   last_activity_at=at)  # fmt: skip

    def _reject(self, app: Json, reason: int, at: str, user: int) -> Json:
        self._terminal(app, "rejected", at)
        app.update(rejected_at=at, rejection_reason_id=reason)
        return self._put("rejection_details", {
            "id": self._id(), "application_id": app["id"], "rejection_reason_id": reason, "rejected_by_id": user,
            "rejection_note_id": None, "rejected_at": at, "question_custom_fields": {}, "created_at": at,
            "updated_at": at,
        })  # fmt: skip

    def _new_interview(self, app: Json, slot: Json, at: datetime, *, done: bool, staff: list[int]) -> Json:
        rng = self._rng
        start = at + timedelta(hours=rng.randrange(1, 48))
        all_day = rng.random() < 0.1
        interview = self._put("interviews", {
            "id": self._id(), "application_id": app["id"], "job_id": app["job_id"], "job_interview_id": slot["id"],
            "status": "complete" if done else "scheduled",
            "starts_at": None if all_day else iso(start),
            "ends_at": None if all_day else iso(start + timedelta(minutes=45)),
            "all_day_start_on": start.date().isoformat() if all_day else None,
            "all_day_end_on": start.date().isoformat() if all_day else None,
            "location": rng.choice(["Room 1", "Berlin office", None]),
            "video_conferencing_url": rng.choice(["https://meet.example/abc", None]),
            "organizer_id": staff[0], "external_event_id": None, "scheduled_at": iso(at),
            "availability_received_at": None,
            "created_at": iso(at), "updated_at": iso(at),
        })  # fmt: skip
        kit = next((k["id"] for k in self.data["interview_kits"].values() if k["job_interview_id"] == slot["id"]), None)
        for user in rng.sample(staff, min(len(staff), rng.choice([1, 2]))):
            card = self._put("scorecards", {
                "id": self._id(), "application_id": app["id"], "interview_kit_id": kit, "interviewer_id": user,
                "submitter_id": None, "candidate_rating": "no_decision", "status": "draft",
                "interviewed_at": interview["starts_at"], "submitted_at": None, "notes": None, "notes_with_tags": None,
                "private_notes": None, "private_notes_with_tags": None, "public_notes": None,
                "public_notes_with_tags": None, "created_at": iso(at), "updated_at": iso(at),
            })  # fmt: skip
            email = next(iter(self.data["users"][user]["emails"]), None)
            self._put("interviewers", {"id": self._id(), "interview_id": interview["id"], "user_id": user,
                                       "email": email, "response_status": "accepted", "scorecard_id": card["id"],
                                       "created_at": iso(at), "updated_at": iso(at)})  # fmt: skip
            if done:
                rating = rng.choice(["strong_no", "no", "yes", "strong_yes"])
                self._submit(card, rating, iso(start + timedelta(hours=2)))
        return interview

    def _submit(self, card: Json, rating: str, at: str) -> None:
        card.update(status="complete", candidate_rating=rating, submitted_at=at, submitter_id=card["interviewer_id"],
                    notes=f"Rated {rating}.", notes_with_tags=f"Rated {rating}.", updated_at=at)  # fmt: skip
        kit = card["interview_kit_id"]
        for question in [q for q in self.data["scorecard_questions"].values() if q["interview_kit_id"] == kit]:
            if question["answer_type"] == "instruction":
                continue
            answer = self._put("scorecard_question_answers", {
                "id": self._id(), "scorecard_id": card["id"], "scorecard_question_id": question["id"],
                "answer": "Clear and structured." if question["answer_type"] == "text" else None,
                "boolean_value": rating in ("yes", "strong_yes") if question["answer_type"] == "yes_no" else None,
                "created_at": at, "updated_at": at,
            })  # fmt: skip
            if question["answer_type"] == "single_select":
                option = next(o for o in self.data["scorecard_question_options"].values()
                              if o["scorecard_question_id"] == question["id"])  # fmt: skip
                self._put("scorecard_question_answer_options", {
                    "id": self._id(), "scorecard_question_answer_id": answer["id"],
                    "scorecard_question_option_id": option["id"], "created_at": at, "updated_at": at,
                })  # fmt: skip

    def _new_offer(self, app: Json, status: str, at: str, *, sent: bool, **changes: Any) -> Json:
        previous = [o for o in self.data["offers"].values() if o["application_id"] == app["id"]]
        for old in previous:
            if old["status"] != "Deprecated":
                old.update(status="Deprecated", updated_at=at)
        openings = [o["id"] for o in self.data["openings"].values() if o["job_id"] == app["job_id"]]
        offer = self._put("offers", {
            "id": self._id(), "application_id": app["id"], "candidate_id": app["candidate_id"], "job_id": app["job_id"],
            "opening_id": openings[0] if openings else None, "version": len(previous) + 1, "status": status,
            "sent_on": at[:10] if sent else None, "starts_on": (BASE + timedelta(days=30)).date().isoformat(),
            "resolved_at": at if status in ("Accepted", "Rejected") else None,
            "custom_fields": {"base_salary": {"name": "Base Salary", "type": "currency",
                                              "value": {"amount": str(100_000 + 5_000 * len(previous)),
                                                        "unit": "USD"}}},
            "created_at": at, "updated_at": at,
        })  # fmt: skip
        offer.update(changes)
        return offer

    def _new_note(self, candidate: int, application: int | None, body: str, *, kind: str, visibility: str,
                  user: int | None, at: str) -> Json:  # fmt: skip
        return self._put("notes", {
            "id": self._id(), "candidate_id": candidate, "application_id": application, "user_id": user, "type": kind,
            "visibility": visibility, "subject": "Hello" if kind == "EMAIL" else None, "body": body,
            "body_with_tags": body, "email_from": None, "email_to": None, "email_cc": None,
            "email_attachment_file_names": None, "import_hash": None, "created_at": at, "updated_at": at,
        })  # fmt: skip

    def _new_attachment(self, app: Json, filename: str, kind: str, at: str) -> Json:
        attachment = self._put("attachments", {"id": self._id(), "application_id": app["id"],
                                               "candidate_id": app["candidate_id"], "filename": filename, "type": kind,
                                               "url": None, "created_at": at, "updated_at": at})  # fmt: skip
        self.files[attachment["id"]] = f"greenhouse {kind} {attachment['id']} {filename}\n".encode()
        return attachment

    def _touch(self, resource: str, record_id: int | None, at: str) -> None:
        if record_id is not None and record_id in self.data[resource]:
            self.data[resource][record_id]["updated_at"] = at

    # --- web hooks -------------------------------------------------------------------------------

    def register_webhook(self, url: str, secret_key: str) -> None:
        """A web hook for every event, to `url`, signed with `secret_key`."""
        self.webhooks.register(url, secret_key)

    def notify(self, action: str, payload: Json) -> None:
        """Send Greenhouse's web hook `{"action", "payload"}`, signed `Signature: sha256 <hex HMAC of the body>`."""
        body = json.dumps({"action": action, "payload": payload}).encode()

        def sign(secret: str) -> tuple[dict[str, str], bytes]:
            digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            return {"Signature": f"sha256 {digest}"}, body

        self.webhooks.send(sign)

    def _application_changed(self, action: str, application_id: int) -> None:
        app = self.data["applications"][application_id]
        candidate = self.data["candidates"].get(app["candidate_id"], {})
        application = {
            "id": application_id,
            "candidate": {"id": app["candidate_id"], "first_name": candidate.get("first_name")},
            "status": app["status"],
        }
        self.notify(action, {"application": application})

    # --- mutations for tests ------------------------------------------------------------------------------

    def edit(self, resource: str, record_id: int, **changes: Any) -> Json:
        """Change a record's fields; its `updated_at` moves (nothing else's)."""
        with self._lock:
            record = self.data[resource][record_id]
            record.update(changes)
            record["updated_at"] = self.now()
            if resource == "applications":
                self._application_changed("application_updated", record_id)
            elif resource == "candidates":
                self.notify("update_candidate", {"candidate": {"id": record_id}})
            return self._render(resource, record)

    def rename_job(self, job_id: int, name: str) -> Json:
        return self.edit("jobs", job_id, name=name)

    def add_application(self, *, candidate: int | None = None, job: int | None = None) -> Json:
        """A new application (of a new candidate unless one is given) in the job's first stage, created now."""
        with self._lock:
            at = self.now()
            if candidate is None:
                candidate = self._add_candidate(len(self.data["candidates"]), at=at)["id"]
            job = job if job is not None else next(iter(self.data["jobs"]))
            app = self._new_application(candidate, job, len(self.data["applications"]), self._staff(), at)
            self._enter_stage(app, self._stages_of(job)[0], at, touch=True)
            return self._render("applications", app)

    def move_application(self, application_id: int, stage_id: int) -> Json:
        """Into another stage of its job: a new current `application_stages` row; the application moves."""
        with self._lock:
            app = self.data["applications"][application_id]
            self._enter_stage(app, self.data["job_interview_stages"][stage_id], self.now(), touch=True)
            self._application_changed("candidate_stage_change", application_id)
            return self._render("applications", app)

    def reject_application(self, application_id: int, reason_id: int) -> Json:
        with self._lock:
            app = self.data["applications"][application_id]
            self._reject(app, reason_id, self.now(), next(iter(self.data["users"])))
            self._application_changed("reject_candidate", application_id)
            return self._render("applications", app)

    def hire_application(self, application_id: int) -> Json:
        """Hired: its current offer version is accepted (a change of the offer, not a new version)."""
        with self._lock:
            app = self.data["applications"][application_id]
            at = self.now()
            offers = [o for o in self.data["offers"].values() if o["application_id"] == application_id]
            if offers:
                max(offers, key=lambda o: o["version"]).update(status="Accepted", resolved_at=at, updated_at=at)
            self._terminal(app, "hired", at)
            return self._render("applications", app)

    def add_note(self, candidate_id: int, body: str, *, application_id: int | None = None, kind: str = "NOTE",
                 visibility: str = "publicly_visible", user_id: int | None = None,
                 touch_parent: bool = False) -> Json:  # fmt: skip
        with self._lock:
            at = self.now()
            note = self._new_note(candidate_id, application_id, body, kind=kind, visibility=visibility, user=user_id,
                                  at=at)  # fmt: skip
            if touch_parent:
                self._touch("applications", application_id, at) if application_id else self._touch(
                    "candidates", candidate_id, at
                )
            return self._render("notes", note)

    def add_interview(self, application_id: int, *, touch_parent: bool = False) -> Json:
        """A scheduled interview for a slot of the application's current stage (or the job's first slot),
        with its panel and their placeholder (draft) scorecards."""
        with self._lock:
            app = self.data["applications"][application_id]
            slots = [s for s in self.data["job_interviews"].values() if s["job_id"] == app["job_id"]]
            slot = next((s for s in slots if s["job_interview_stage_id"] == app["job_interview_stage_id"]), slots[0])
            at = self.now()
            interview = self._new_interview(app, slot, datetime.fromisoformat(at), done=False, staff=self._staff())
            for record in self._related(interview["id"]):
                record["created_at"] = record["updated_at"] = at
            if touch_parent:
                self._touch("applications", application_id, at)
            return self._render("interviews", interview)

    def _related(self, interview_id: int) -> list[Json]:
        rows = [self.data["interviews"][interview_id]]
        rows += [r for r in self.data["interviewers"].values() if r["interview_id"] == interview_id]
        cards = {r["scorecard_id"] for r in rows[1:]}
        return rows + [c for c in self.data["scorecards"].values() if c["id"] in cards]

    def submit_scorecard(self, scorecard_id: int, rating: str = "yes", *, touch_parent: bool = False) -> Json:
        """A placeholder scorecard becomes feedback (with answers to its kit's questions)."""
        with self._lock:
            card = self.data["scorecards"][scorecard_id]
            at = self.now()
            self._submit(card, rating, at)
            if touch_parent:
                self._touch("applications", card["application_id"], at)
            return self._render("scorecards", card)

    def add_offer_version(self, application_id: int, *, status: str = "Created", touch_parent: bool = False,
                          **changes: Any) -> Json:  # fmt: skip
        """A new offer version (the previous ones become Deprecated)."""
        with self._lock:
            app = self.data["applications"][application_id]
            at = self.now()
            offer = self._new_offer(app, status, at, sent=False, **changes)
            if touch_parent:
                self._touch("applications", application_id, at)
            return self._render("offers", offer)

    def add_attachment(self, application_id: int, filename: str, kind: str = "other", *,
                       touch_parent: bool = False) -> Json:  # fmt: skip
        with self._lock:
            at = self.now()
            attachment = self._new_attachment(self.data["applications"][application_id], filename, kind, at)
            if touch_parent:
                self._touch("applications", application_id, at)
            return self._render("attachments", attachment)

    def tag_candidate(self, candidate_id: int, tag_id: int, *, touch_parent: bool = False) -> Json:
        """Applies a tag: a new applied_candidate_tags row; the candidate's `tags` names change too, and
        its `updated_at` only with touch_parent."""
        with self._lock:
            at = self.now()
            row = self._put("applied_candidate_tags", {"id": self._id(), "candidate_id": candidate_id,
                                                       "candidate_tag_id": tag_id, "created_at": at,
                                                       "updated_at": at})  # fmt: skip
            self._retag(candidate_id)
            if touch_parent:
                self._touch("candidates", candidate_id, at)
            return self._render("applied_candidate_tags", row)

    def _retag(self, candidate_id: int) -> None:
        if candidate_id in self.data["candidates"]:
            ids = sorted(r["candidate_tag_id"] for r in self.data["applied_candidate_tags"].values()
                         if r["candidate_id"] == candidate_id)  # fmt: skip
            names = [self.data["candidate_tags"][i]["name"] for i in ids if i in self.data["candidate_tags"]]
            self.data["candidates"][candidate_id]["tags"] = names

    def delete(self, resource: str, record_id: int) -> None:
        """Gone from every listing, with what hangs off it (Greenhouse never lists deleted records)."""
        with self._lock:
            if resource == "applications" and record_id in self.data["applications"]:
                self.notify("delete_application", {"application": {"id": record_id}})
            elif resource == "candidates" and record_id in self.data["candidates"]:
                self.notify("delete_candidate", {"candidate": {"id": record_id}})
            record = self.data[resource].pop(record_id, None)
            if record is None:
                return
            for child, key in CHILDREN.get(resource, ()):
                for child_id in [i for i, r in self.data[child].items() if r.get(key) == record_id]:
                    self.delete(child, child_id)
            if resource == "applied_candidate_tags":
                self._retag(record["candidate_id"])
            elif resource == "candidate_tags":
                for candidate in self.data["candidates"]:
                    self._retag(candidate)
            elif resource == "attachments":
                self.files.pop(record_id, None)

    def expire_tokens(self) -> None:
        """Every issued token expires now (the next request with one gets 401)."""
        with self._lock:
            for token in self.tokens.values():
                token.expires_at = 0.0

    def invalidate_cursors(self) -> None:
        """Every cursor handed out so far becomes unknown (422)."""
        with self._lock:
            self.cursor_epoch += 1

    # --- HTTP: auth ---------------------------------------------------------------------------------------

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest()[:18])

    async def _token(self, request: Request) -> Response:
        header = request.headers.get("authorization", "")
        try:
            decoded = base64.b64decode(header.removeprefix("Basic "), validate=True).decode()
            client_id, _, secret = decoded.partition(":")
        except ValueError:
            client_id = secret = ""
        if not header.startswith("Basic ") or (client_id, secret) != (self.client_id, self.client_secret):
            return JSONResponse({"error": "invalid_client", "error_description": "client authentication failed"}, 401)
        form = {k: v[-1] for k, v in parse_qs((await request.body()).decode()).items()}
        if form.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, 400)
        sub = form.get("sub")
        if sub is not None and (not str(sub).isdigit() or int(str(sub)) not in self.data["users"]):
            return JSONResponse({"error": "invalid_request", "error_description": "sub is not a user id"}, 400)
        issued = time.time()
        claims = {"sub": sub, "iat": int(issued), "exp": int(issued + self.token_ttl), "jti": secrets.token_hex(8)}
        body = f"{JWT_HEADER}.{_b64(json.dumps(claims).encode())}"
        token = f"{body}.{self._sign(body)}"
        with self._lock:
            self.tokens[token] = Token(issued + self.token_ttl, None if sub is None else str(sub))
        expires = iso(datetime.fromtimestamp(issued + self.token_ttl, UTC))
        return JSONResponse({"access_token": token, "token_type": "Bearer", "expires_in": self.token_ttl,
                             "expires_at": expires})  # fmt: skip

    def _unauthorized(self, request: Request) -> Response | None:
        header = request.headers.get("authorization", "")
        token = self.tokens.get(header.removeprefix("Bearer ")) if header.startswith("Bearer ") else None
        if token is None or token.expires_at <= time.time():
            return JSONResponse({"message": "Invalid or expired access token"}, 401,
                                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})  # fmt: skip
        return None

    # --- HTTP: rate limit -------------------------------------------------------------------------------

    def _rate_limited_app(self, app: ASGIApp) -> ASGIApp:
        """Harvest's window on /v3 requests: headers on every answer, 429 over the limit."""
        limit = self.limit

        async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
            if limit is None or scope["type"] != "http" or not scope["path"].startswith("/v3/"):
                await app(scope, receive, send)
                return
            admitted, headers = limit.admit()
            if not admitted:
                await JSONResponse({"message": "Rate limit exceeded"}, 429, headers=headers)(scope, receive, send)
                return

            extra = [(k.lower().encode(), v.encode()) for k, v in headers.items()]

            async def with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message = {**message, "headers": [*message.get("headers", []), *extra]}
                await send(message)

            await app(scope, receive, with_headers)

        return wrapped

    # --- HTTP: lists ------------------------------------------------------------------------------------

    async def _list(self, request: Request) -> Response:
        resource = request.path_params["resource"]
        if resource not in RESOURCES:
            return JSONResponse({"message": f"No route for /v3/{resource}"}, 404)
        if (denied := self._unauthorized(request)) is not None:
            return denied
        if self.scopes is not None and f"harvest:{resource}:list" not in self.scopes:
            return JSONResponse({"message": f"Missing scope harvest:{resource}:list"}, 403)
        params = list(request.query_params.multi_items())
        try:
            with self._lock:
                query, after, per_page = self._query(resource, params)
                rows = [r for r in self._visible(resource, query) if r["id"] > after]
                page = [self._render(resource, r, base=str(request.base_url)) for r in rows[:per_page]]
        except Invalid as error:
            return JSONResponse({"message": "Validation error", "errors": [{"message": str(error)}]}, 422)
        headers = {}
        if len(rows) > per_page:
            cursor = self._cursor(resource, query, page[-1]["id"], per_page)
            headers["Link"] = f'<{request.base_url}v3/{resource}?cursor={quote(cursor)}>; rel="next"'
        return JSONResponse(page, headers=headers)

    def _query(self, resource: str, params: list[tuple[str, str]]) -> tuple[dict[str, str], int, int]:
        """(filters, last id of the previous page, page size) of a first request or a cursor."""
        names = [k for k, _ in params]
        if "cursor" in names:
            if names != ["cursor"]:
                raise Invalid("cursor must be the only query parameter")
            return self._uncursor(resource, params[0][1])
        if len(set(names)) != len(names):
            raise Invalid("a parameter is repeated")
        query = dict(params)
        per_page_text = query.pop("per_page", "100")
        if not per_page_text.isdigit() or not 1 <= int(per_page_text) <= 500:
            raise Invalid("per_page must be an integer from 1 to 500")
        allowed = {"ids", "created_at", "updated_at", *RESOURCES[resource]}
        if unknown := sorted(set(query) - allowed):
            raise Invalid(f"unknown parameter(s): {', '.join(unknown)}")
        self._visible(resource, query)  # validates every filter now, not on a later page
        return query, 0, int(per_page_text)

    def _cursor(self, resource: str, query: dict[str, str], after: int, per_page: int) -> str:
        payload = _b64(json.dumps({"r": resource, "q": query, "a": after, "n": per_page, "e": self.cursor_epoch,
                                   "t": time.time()}).encode())  # fmt: skip
        return f"{payload}.{self._sign(payload)}"

    def _uncursor(self, resource: str, cursor: str) -> tuple[dict[str, str], int, int]:
        payload, _, signature = cursor.partition(".")
        if not hmac.compare_digest(signature, self._sign(payload)):
            raise Invalid("unknown cursor")
        state = json.loads(_unb64(payload))
        if state["r"] != resource:
            raise Invalid("the cursor belongs to another resource")
        expired = self.cursor_ttl is not None and time.time() - state["t"] > self.cursor_ttl
        if state["e"] != self.cursor_epoch or expired:
            raise Invalid("expired cursor")
        return dict(state["q"]), int(state["a"]), int(state["n"])

    def _visible(self, resource: str, query: dict[str, str]) -> list[Json]:
        """The records a listing with `query` returns (validating it), in id order."""
        tests: list[Callable[[Json], bool]] = []
        for name, value in query.items():
            spec = Filter("ids", "id") if name == "ids" else RESOURCES[resource].get(name) or _date(name)
            tests.append(_test(name, spec, value))
        rows = [r for _, r in sorted(self.data[resource].items())]
        if resource == "users" and query.get("show_service_accounts") != "true":
            rows = [r for r in rows if r["primary_email"]]
        if resource == "rejection_reasons" and query.get("include_defaults") != "true":
            rows = [r for r in rows if not r["_default"]]
        if resource == "job_posts":
            rows = [r for r in rows if r["active"] == (query.get("active", "true") == "true")]
        if resource == "offers" and query.get("current_only") == "true":
            latest: dict[int, Json] = {}
            for offer in rows:
                held = latest.get(offer["application_id"])
                if held is None or offer["version"] > held["version"]:
                    latest[offer["application_id"]] = offer
            rows = [r for r in rows if latest[r["application_id"]] is r]
        if resource == "candidates" and (email := query.get("email")) is not None:
            rows = [r for r in rows if email.lower() in (e["value"].lower() for e in r["email_addresses"])]
        if resource == "candidates" and (tag := query.get("tag")) is not None:
            rows = [r for r in rows if tag in r["tags"]]
        return [r for r in rows if all(test(r) for test in tests)]

    def _render(self, resource: str, record: Json, *, base: str | None = None) -> Json:
        out = {k: copy.deepcopy(v) for k, v in record.items() if not k.startswith("_")}
        if resource == "attachments" and base is not None:
            expires = int(time.time() + self.url_ttl)
            link = f"{out['id']}:{expires}"
            out["url"] = f"{base}attachment_files/{out['id']}?expires={expires}&signature={self._sign(link)}"
        return out

    # --- HTTP: writes ---------------------------------------------------------------------------------
    # Harvest v3's write endpoints as harvestdocs.greenhouse.io's reference and WRITE Endpoint Migration
    # Guide describe them (docs/connectors/greenhouse.md, "Write actions", says which parts are
    # third-party or assumed). Validation errors are v1's documented 422 shape, `{"message": "Validation
    # error", "errors": [{"message", "field"}]}`; a write to an unknown record is a 404. The acting user
    # is the token's `sub`, else the credential's service account. A write stamps `updated_at` on what
    # it changes and, as the list endpoints, answers through the rate limit and the harness.

    async def _create(self, request: Request) -> Response:
        resource = request.path_params["resource"]
        handlers: dict[str, Callable[[Json, int], tuple[str, Json]]] = {
            "candidates": self._create_candidate,
            "applications": self._create_application,
            "notes": self._create_note,
            "attachments": self._create_attachment,
            "candidate_tags": self._create_tag,
            "applied_candidate_tags": self._apply_tag,
        }
        handler = handlers.get(resource)
        if handler is None:
            return JSONResponse({"message": f"No route for POST /v3/{resource}"}, 404)
        return await self._write(request, resource, "create", lambda body, user: handler(body, user), 201)

    async def _application_verb(self, request: Request) -> Response:
        verb, app_id = request.path_params["verb"], request.path_params["record"]
        handlers: dict[str, Callable[[int, Json, int], None]] = {"move": self._move, "reject": self._reject_verb}
        handler = handlers.get(verb)
        if handler is None:
            return JSONResponse({"message": f"No route for POST /v3/applications/{app_id}/{verb}"}, 404)
        return await self._write(request, "applications", "update", lambda body, user: handler(app_id, body, user), 204)

    async def _remove(self, request: Request) -> Response:
        resource, record_id = request.path_params["resource"], request.path_params["record"]
        if resource != "applied_candidate_tags":
            return JSONResponse({"message": f"No route for DELETE /v3/{resource}/{record_id}"}, 404)

        def remove(body: Json, user: int) -> None:
            if record_id not in self.data[resource]:
                raise NotFound
            self.delete(resource, record_id)

        return await self._write(request, resource, "delete", remove, 204, body_allowed=False)

    async def _write(
        self,
        request: Request,
        resource: str,
        verb: str,
        handler: Callable[[Json, int], tuple[str, Json] | None],
        status: int,
        *,
        body_allowed: bool = True,
    ) -> Response:
        if (denied := self._unauthorized(request)) is not None:
            return denied
        scope = f"harvest:{resource}:{verb}"
        if self.scopes is not None and scope not in self.scopes:
            return JSONResponse({"message": f"Missing scope {scope}"}, 403)
        raw = await request.body()
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            return JSONResponse({"message": "The request body is not valid JSON"}, 400)
        if not isinstance(body, dict) or (body and not body_allowed):
            return JSONResponse({"message": "The request body must be a JSON object"}, 400)
        try:
            with self._lock:
                done = handler(body, self._acting_user(request))
                answer = None if done is None else self._render(done[0], done[1], base=str(request.base_url))
        except Invalid as error:
            return JSONResponse({"message": "Validation error", "errors": [{"message": str(error),
                                                                           "field": error.field}]}, 422)  # fmt: skip
        except NotFound:
            return JSONResponse({"message": "Resource not found"}, 404)
        return Response(status_code=204) if answer is None else JSONResponse(answer, status)

    def _acting_user(self, request: Request) -> int:
        token = self.tokens[request.headers["authorization"].removeprefix("Bearer ")]
        if token.sub is not None:
            return int(token.sub)
        return int(next(u["id"] for u in self.data["users"].values() if not u["primary_email"]))  # service account

    def _create_candidate(self, body: Json, user: int) -> tuple[str, Json]:
        _known(body, "first_name", "last_name", "company", "title", "email_addresses", "phone_numbers", "addresses",
               "website_addresses", "social_media_addresses")  # fmt: skip
        first, last = _text(body, "first_name", required=True), _text(body, "last_name", required=True)
        emails = _typed(body, "email_addresses", ("personal", "work", "other"))
        for n, email in enumerate(emails):
            if "@" not in email["value"]:
                raise Invalid("is not a valid email address", f"email_addresses[{n}].value")
        at = self.now()
        candidate = self._put("candidates", {
            "id": self._id(), "first_name": first, "last_name": last, "preferred_name": None,
            "company": _text(body, "company"), "title": _text(body, "title"), "private": False, "can_email": True,
            "time_zone": None, "email_addresses": emails,
            "phone_numbers": _typed(body, "phone_numbers", ("mobile", "home", "work", "skype", "other")),
            "addresses": _typed(body, "addresses", ("home", "work", "other")),
            "website_addresses": _typed(body, "website_addresses", ("personal", "company", "portfolio", "blog",
                                                                    "other")),
            "social_media_addresses": _typed(body, "social_media_addresses", None),
            "tags": [], "linked_user_ids": [],
            "custom_fields": {"preferred_pronouns": {"name": "Preferred Pronouns", "type": "short_text",
                                                     "value": None}},
            "last_activity_at": at, "created_at": at, "updated_at": at,
        })  # fmt: skip
        return "candidates", candidate

    def _create_application(self, body: Json, user: int) -> tuple[str, Json]:
        _known(body, "candidate_id", "job_id", "initial_stage_id", "source_id", "referrer_id", "recruiter_id",
               "coordinator_id")  # fmt: skip
        candidate = self._existing(body, "candidate_id", "candidates", required=True)
        job = self._existing(body, "job_id", "jobs", required=True)
        assert candidate is not None and job is not None
        if self.data["jobs"][job]["status"] != "open":
            raise Invalid("The job is not open for applications", "job_id")
        if any(a["candidate_id"] == candidate and a["job_id"] == job and a["status"] != "converted"
               for a in self.data["applications"].values()):  # fmt: skip
            raise Invalid("The candidate has already applied to this job", "job_id")
        stages = self._stages_of(job)
        wanted = _integer(body, "initial_stage_id")
        chosen = [s for s in stages if wanted is None or s["id"] == wanted]
        if not chosen:
            raise Invalid("is not an active interview stage of the job", "initial_stage_id")
        stage = chosen[0]
        source = self._existing(body, "source_id", "sources")
        for key in ("referrer_id", "recruiter_id", "coordinator_id"):
            self._existing(body, key, "users")
        at = self.now()
        app = self._new_application(candidate, job, 1, self._staff(), at)
        app.update(source_id=source, referrer_id=body.get("referrer_id"), recruiter_id=body.get("recruiter_id"),
                   coordinator_id=body.get("coordinator_id"))  # fmt: skip
        self._enter_stage(app, stage, at, touch=True)
        return "applications", app

    def _move(self, app_id: int, body: Json, user: int) -> None:
        app = self.data["applications"].get(app_id) or _raise(NotFound())
        _known(body, "from_stage_id", "to_stage_id", "to_job_id", "email_from_user_id")
        source = _integer(body, "from_stage_id", required=True)
        if app["status"] != "in_process" or app["job_id"] is None:
            raise Invalid(f"An application that is {app['status']} cannot be moved", "from_stage_id")
        if source != app["job_interview_stage_id"]:
            raise Invalid("does not match the application's current stage", "from_stage_id")
        if body.get("to_job_id") is not None:
            raise Invalid("transfers to another job are not emulated", "to_job_id")
        self._existing(body, "email_from_user_id", "users")
        stages = self._stages_of(app["job_id"])
        target = _integer(body, "to_stage_id")
        if target is None:  # advance: the next stage
            position = next(i for i, s in enumerate(stages) if s["id"] == source)
            if position + 1 == len(stages):
                raise Invalid("The application is in the job's last stage", "to_stage_id")
            stage = stages[position + 1]
        else:
            chosen = [s for s in stages if s["id"] == target]
            if not chosen:
                raise Invalid("is not an active interview stage of the application's job", "to_stage_id")
            stage = chosen[0]
        self._enter_stage(app, stage, self.now(), touch=True)
        self._application_changed("candidate_stage_change", app_id)

    def _reject_verb(self, app_id: int, body: Json, user: int) -> None:
        app = self.data["applications"].get(app_id) or _raise(NotFound())
        _known(body, "rejection_reason_id", "notes", "rejection_email", "custom_fields")
        reason = self._existing(body, "rejection_reason_id", "rejection_reasons", required=True)
        assert reason is not None
        if app["status"] in ("rejected", "hired"):
            raise Invalid(f"An application that is {app['status']} cannot be rejected", "rejection_reason_id")
        if not isinstance(body.get("rejection_email", {}), dict):
            raise Invalid("must be an object", "rejection_email")
        notes = _text(body, "notes")
        at = self.now()
        details = self._reject(app, reason, at, user)
        if notes:  # the rejection note is a note of the application ❓(its type and visibility)
            note = self._new_note(app["candidate_id"], app_id, notes, kind="NOTE", visibility="publicly_visible",
                                  user=user, at=at)  # fmt: skip
            details["rejection_note_id"] = note["id"]
        self._application_changed("reject_candidate", app_id)

    def _create_note(self, body: Json, user: int) -> tuple[str, Json]:
        _known(body, "candidate_id", "application_id", "body", "visibility")
        candidate = self._existing(body, "candidate_id", "candidates", required=True)
        application = self._existing(body, "application_id", "applications")
        if application is not None and self.data["applications"][application]["candidate_id"] != candidate:
            raise Invalid("is not an application of the candidate", "application_id")
        text = _text(body, "body", required=True)
        visibility = body.get("visibility")
        if visibility not in VISIBILITY:
            raise Invalid(f"Must be one of: {', '.join(VISIBILITY)}", "visibility")
        assert candidate is not None and text is not None
        note = self._new_note(candidate, application, text, kind="NOTE", visibility=VISIBILITY[visibility], user=user,
                              at=self.now())  # fmt: skip
        return "notes", note

    def _create_attachment(self, body: Json, user: int) -> tuple[str, Json]:
        _known(body, "application_id", "filename", "type", "content", "url", "content_type", "visibility")
        application = self._existing(body, "application_id", "applications", required=True)
        assert application is not None
        filename = _text(body, "filename", required=True) or ""
        if filename.rsplit(".", 1)[-1].lower() in BLOCKED_EXTENSIONS or "." not in filename:
            raise Invalid("has an extension that is not allowed", "filename")
        kind = body.get("type")
        if kind not in RESOURCES["attachments"]["type"].values:
            raise Invalid(f"Must be one of: {', '.join(RESOURCES['attachments']['type'].values)}", "type")
        if ("content" in body) == ("url" in body):
            raise Invalid("Provide either content or url, not both", "content")
        if "url" in body:
            raise Invalid("the emulator downloads no url: send content", "url")
        try:
            content = base64.b64decode(str(body["content"]), validate=True)
        except ValueError:
            raise Invalid("is not valid base64", "content") from None
        if body.get("visibility") not in (None, "public", "admin_only", "private"):
            raise Invalid("Must be one of: public, admin_only, private", "visibility")
        at = self.now()
        app = self.data["applications"][application]
        if kind in ("resume", "cover_letter"):  # a new one replaces the old: reclassified as `other`
            for old in self.data["attachments"].values():
                if old["application_id"] == application and old["type"] == kind:
                    old.update(type="other", updated_at=at)
        attachment = self._new_attachment(app, filename, kind, at)
        self.files[attachment["id"]] = content
        return "attachments", attachment

    def _create_tag(self, body: Json, user: int) -> tuple[str, Json]:
        _known(body, "name")
        name = _text(body, "name", required=True) or ""
        if any(t["name"].lower() == name.lower() for t in self.data["candidate_tags"].values()):
            raise Invalid("has already been taken", "name")
        at = self.now()
        return "candidate_tags", self._put("candidate_tags", {"id": self._id(), "name": name, "created_at": at,
                                                              "updated_at": at})  # fmt: skip

    def _apply_tag(self, body: Json, user: int) -> tuple[str, Json]:
        _known(body, "candidate_id", "candidate_tag_id")
        candidate = self._existing(body, "candidate_id", "candidates", required=True)
        tag = self._existing(body, "candidate_tag_id", "candidate_tags", required=True)
        if any(r["candidate_id"] == candidate and r["candidate_tag_id"] == tag
               for r in self.data["applied_candidate_tags"].values()):  # fmt: skip
            raise Invalid("The candidate already has this tag", "candidate_tag_id")
        assert candidate is not None and tag is not None
        return "applied_candidate_tags", self.tag_candidate(candidate, tag)

    def _existing(self, body: Json, key: str, resource: str, *, required: bool = False) -> int | None:
        value = _integer(body, key, required=required)
        if value is not None and value not in self.data[resource]:
            raise Invalid(f"No {resource.rstrip('s').replace('_', ' ')} with id {value}", key)
        return value

    # --- HTTP: attachment files ---------------------------------------------------------------------------

    async def _file_link(self, request: Request) -> Response:
        """Greenhouse's link: checks signature and expiry, redirects to a short-lived storage URL."""
        attachment = int(request.path_params["attachment"])
        expires = request.query_params.get("expires", "0")
        if not hmac.compare_digest(request.query_params.get("signature", ""), self._sign(f"{attachment}:{expires}")):
            return JSONResponse({"message": "invalid signature"}, 403)
        if not expires.isdigit() or int(expires) < time.time():
            return JSONResponse({"message": "link expired"}, 403)
        with self._lock:
            record = self.data["attachments"].get(attachment)
        if record is None:
            return JSONResponse({"message": "not found"}, 404)
        token = self._sign(f"storage:{attachment}")
        return RedirectResponse(f"{request.base_url}storage/{attachment}/{quote(record['filename'])}?sig={token}", 302)

    async def _storage(self, request: Request) -> Response:
        # A pre-signed storage URL: no API credentials expected (storage services refuse a second auth).
        if "authorization" in request.headers:
            return Response(b"<Error>only one auth mechanism allowed</Error>", 400, media_type="application/xml")
        attachment = int(request.path_params["attachment"])
        if not hmac.compare_digest(request.query_params.get("sig", ""), self._sign(f"storage:{attachment}")):
            return Response(b"<Error>AccessDenied</Error>", 403, media_type="application/xml")
        content = self.files.get(attachment)
        if content is None:
            return Response(b"<Error>NoSuchKey</Error>", 404, media_type="application/xml")
        name = request.path_params["name"]
        media = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return Response(content, media_type=media)


VISIBILITY = {"public": "publicly_visible", "private": "privately_visible", "admin_only": "admin_only_visible"}
# The organization's blocklisted extensions (each account has its own list; these are examples).
BLOCKED_EXTENSIONS = frozenset({"exe", "bat", "sh", "js", "html"})


def _raise(error: Exception) -> Any:
    raise error


def _known(body: Json, *keys: str) -> None:
    if unknown := sorted(set(body) - set(keys)):
        raise Invalid("is not a known field", unknown[0])


def _integer(body: Json, key: str, *, required: bool = False) -> int | None:
    value = body.get(key)
    if value is None:
        if required:
            raise Invalid("is required", key)
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid("must be an integer", key)
    return value


def _text(body: Json, key: str, *, required: bool = False) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise Invalid("must be a string", key)
    if required and not (value or "").strip():
        raise Invalid("can't be blank", key)
    return value


def _typed(body: Json, key: str, types: tuple[str, ...] | None) -> list[Json]:
    """A list of `{value, type}` (`{value}` when `types` is None)."""
    value = body.get(key, [])
    if not isinstance(value, list):
        raise Invalid("must be an array", key)
    out: list[Json] = []
    for n, item in enumerate(value):
        if not isinstance(item, dict) or not isinstance(item.get("value"), str) or not item["value"].strip():
            raise Invalid("can't be blank", f"{key}[{n}].value")
        if types is None:
            out.append({"value": item["value"]})
            continue
        if item.get("type") not in types:
            raise Invalid(f"Must be one of: {', '.join(types)}", f"{key}[{n}].type")
        out.append({"value": item["value"], "type": item["type"]})
    return out


def _parse_time(text: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as error:
        raise Invalid(f"invalid time {text!r}") from error
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


_OPS: dict[str, Callable[[datetime, datetime], bool]] = {
    "gte": lambda a, b: a >= b,
    "gt": lambda a, b: a > b,
    "lte": lambda a, b: a <= b,
    "lt": lambda a, b: a < b,
}


def _test(name: str, spec: Filter, value: str) -> Callable[[Json], bool]:
    """A filter's test on a record; Invalid (422) when the value does not parse."""
    if spec.field == "special":
        if spec.kind == "bool" and value not in ("true", "false"):
            raise Invalid(f"{name} must be true or false")
        return lambda record: True  # applied in _visible
    if spec.kind == "ids":
        parts = value.split(",")
        if not all(p.strip().isdigit() for p in parts) or len(parts) > MAX_IDS:
            raise Invalid(f"{name} takes up to {MAX_IDS} comma-separated integer ids")
        wanted = {int(p) for p in parts}

        def has(record: Json) -> bool:
            held = record.get(spec.field)
            return bool(set(held) & wanted) if isinstance(held, list) else held in wanted

        return has
    if spec.kind == "bool":
        if value not in ("true", "false"):
            raise Invalid(f"{name} must be true or false")
        return lambda record: record.get(spec.field) is (value == "true")
    if spec.kind == "enum":
        if value not in spec.values:
            raise Invalid(f"{name} must be one of {', '.join(spec.values)}")
        wanted_value = "in_process" if (spec.field, value) == ("status", "active") else value
        return lambda record: record.get(spec.field) == wanted_value
    if spec.kind == "str":
        return lambda record: record.get(spec.field) == value
    # A date: `op|time`, chainable (`gte|t1|lt|t2`).
    parts = value.split("|")
    if len(parts) % 2 or not parts[0]:
        raise Invalid(f"{name} must be op|time pairs (gte, gt, lte, lt)")
    bounds = []
    for op, text in zip(parts[::2], parts[1::2], strict=True):
        if op not in _OPS:
            raise Invalid(f"{name}: unknown operator {op!r}")
        bounds.append((_OPS[op], _parse_time(text)))

    def within(record: Json) -> bool:
        held = record.get(spec.field)
        if not held:
            return False
        at = _parse_time(held)
        return all(compare(at, bound) for compare, bound in bounds)

    return within


def _harness_429() -> Response:
    """The harness meter's 429 (only with an extra `meter`): Harvest's shape."""
    return JSONResponse({"message": "Rate limit exceeded"}, 429, headers={"Retry-After": "1"})
