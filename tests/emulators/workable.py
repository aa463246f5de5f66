"""A Workable SPI v3 emulator: GET listings over real HTTP, generated data of any size, faults.

Speaks what the connector relies on (spec §4.4, the recorded answers in shared/fixtures/workable and
workable.readme.io): the API under `/spi/v3`, `Authorization: Bearer <token>` (anything else: 401
`{"error": "Not authorized"}`); listings `{"<kind>": [...], "paging": {"next": <absolute URL>}}`
sorted by id ascending, `limit` (default 50, at most 100) and `since_id` (inclusive: the next URL
carries the id of the next page's first record, as the recordings show; the request's filters are
kept), `paging` absent on the last page; `updated_after` / `created_after` (ISO 8601, inclusive) on
`/candidates` and `/jobs`; `/disqualification_reasons` a bare array; `/candidates/:id/offer` one
object, 404 `{"error": "Not found"}` for a candidate without an offer (as for an unknown id);
`/candidates/:id` `{"candidate": {...}}`, the list's fields plus the detail's own (tags, social
profiles, custom attributes: `_profile`).

Workable's rate limit is a fixed window: `window` requests per 10 seconds (10 for an account token),
with `X-Rate-Limit-Limit`, `-Remaining` and `-Reset` (epoch seconds of the next window) on every
answer and 429 past it; `window=None` leaves it out. The harness's exact meter (`rate`, `burst`) is
applied on top, as for every emulator (the kit's pacing case holds client and meter to one limit).

Deletions: Workable has no deletion feed and no `deleted` flag; a deleted candidate or event just
disappears from the listings (jobs are archived and stay listed with their `state`).

Data is deterministic from a seed and shaped like the recordings. `edit`, `add_candidate`,
`add_comment`, `move`, `disqualify`, `edit_detail`, `delete` change it; `edit`ing a stage renames it
in every job's pipeline without touching jobs or candidates, `add_comment(..., touch=False)` adds a
comment without moving its candidate's `updated_at` (Workable does not document that it does).
`vanished` candidates are listed but their detail answers 404 (deleted between the two reads).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp

from tests.emulators.harness import Emulator, FixedWindowLimit, RateMeter, WebhookSender

Json = dict[str, Any]
WINDOW_SECONDS = 10
DEFAULT_LIMIT = 50
MAX_LIMIT = 100

# The account's pipeline, as /stages answers it (shared/fixtures/workable/stages.json).
PIPELINE = (
    ("sourced", "Sourced", "sourced"),
    ("applied", "Applied", "applied"),
    ("phone-screen", "Phone Screen", "phone-screen"),
    ("assessment", "Assessment", "assessment"),
    ("interview", "Interview", "interview"),
    ("offer", "Offer", "offer"),
    ("hired", "Hired", "hired"),
)
REASONS = (
    ("Doesn't have required qualifications", False),
    ("Other candidates are more suitable", False),
    ("Unsuccessful interview", False),
    ("Withdrew / declined interview", True),
    ("Rejected offer", True),
)
_FIRST = ["Elvie", "Lennert", "Dorothy", "Natalie", "Eric", "Eduardo", "Alexia", "Ada", "Grace", "Alan", "Radia"]
_LAST = ["Schmidt", "Rossler", "Beal", "Sung", "Walton", "Vallente", "Middleton", "Lovelace", "Hopper", "Perlman"]
_JOBS = [
    ("Account Executive", "GB/09/AE", "published", "Sales", "London", "United Kingdom", "on_site"),
    ("Director of Finance", "US/4/HAM", "closed", "Finance", "New York", "United States", "hybrid"),
    ("Backend Engineer", "DE/2/BE", "published", None, "Berlin", "Germany", "remote"),
    ("Product Designer", "FR/1/PD", "draft", "Design", "Paris", "France", "on_site"),
]
_BASE = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


class Refused(Exception):
    """A write Workable refuses: its status and `error`."""

    def __init__(self, status: int, error: str) -> None:
        super().__init__(error)
        self.status, self.error = status, error


@dataclass
class WorkableEmulator(FixedWindowLimit):
    RESET_EPOCH: ClassVar[bool] = True  # Workable's Reset: the next window's epoch second
    token: str
    seed: int = 1
    candidates: int = 40
    jobs: int = 3
    members: int = 5
    rate: float | None = None  # the harness meter: requests/s tolerated (None: unlimited)
    burst: int = 10
    window: int | None = 10  # Workable's fixed window: requests per `window_seconds` (None: not applied)
    window_seconds: float = WINDOW_SECONDS
    window_refused: int = 0  # requests answered 429 because the window was spent
    subdomain: str = "kit"
    harness: Emulator = field(init=False)
    data: dict[str, dict[str, Json]] = field(init=False)
    # Comments and other activities per candidate, and the latest offer of each candidate that has one.
    activities: dict[str, dict[str, Json]] = field(init=False)
    offers: dict[str, Json] = field(init=False)
    # What only a candidate's detail (`GET /candidates/:id`) shows: tags, social profiles, custom attributes.
    profiles: dict[str, Json] = field(init=False)
    # Candidates deleted between a read of the list and the read of their detail: listed, detail 404.
    vanished: set[str] = field(default_factory=set)
    window_start: float = 0.0
    window_used: int = 0
    _lock: threading.RLock = field(default_factory=threading.RLock)
    # Workable's webhook subscriptions (`register_webhook`): sent after the changes below.
    webhooks: WebhookSender = field(default_factory=WebhookSender)
    _clock: datetime = field(default_factory=lambda: _BASE)
    _serial: int = 0

    def __post_init__(self) -> None:
        self.harness = Emulator(self.token, RateMeter(self.rate, self.burst) if self.rate else None)
        self.data = {kind: {} for kind in ("members", "reasons", "stages", "jobs", "candidates", "events")}
        self.activities = {}
        self.offers = {}
        self.profiles = {}
        self._generate(random.Random(self.seed))

    # --- ids and time -------------------------------------------------------------------------

    def _id(self, base: int, width: int) -> str:
        """Ascending hex ids of a fixed width (Workable's ids sort by creation)."""
        self._serial += 1
        return f"{base + self._serial * 7:0{width}x}"

    def _now(self) -> str:
        """A strictly increasing wall-clock time (seconds, as Workable's timestamps), for edits."""
        self._clock = max(self._clock + timedelta(seconds=1), datetime.now(UTC).replace(microsecond=0))
        return _iso(self._clock)

    # --- generation ---------------------------------------------------------------------------

    def _generate(self, rng: random.Random) -> None:
        for n in range(self.members):
            name = f"{_FIRST[(n + 3) % len(_FIRST)]} {_LAST[(n + 2) % len(_LAST)]}"
            member_id = self._id(0x1F3950, 6)
            self.data["members"][member_id] = {
                "id": member_id,
                "name": name,
                "headline": None,
                "email": f"{name.lower().replace(' ', '_')}@members.example.com",
                "role": "admin" if n == 0 else "simple",
                "type": "Member",
                "roles": ["ats.admin"] if n == 0 else ["ats.simple"],
                "active": n != self.members - 1,
                "collaboration_rules": [],
            }
        for position, (text, withdrew) in enumerate(REASONS, start=1):
            reason_id = self._id(0xB29C60, 6)
            self.data["reasons"][reason_id] = {
                "id": reason_id,
                "description": text,
                "candidate_withdrew": withdrew,
                "position": position,
            }
        for position, (slug, name, kind) in enumerate(PIPELINE, start=1):
            self.data["stages"][slug] = {
                "id": 5272268 + position,
                "identifier": f"{0x50779E + position:x}",
                "slug": slug,
                "name": name,
                "kind": kind,
                "position": position,
            }
        for n in range(self.jobs):
            self.add_job(n)
        shortcodes = sorted(self.data["jobs"])
        for n in range(self.candidates):
            candidate = self.add_candidate(rng, n, shortcodes[n % len(shortcodes)], generated=True)
            if n % 3 == 0:
                self.add_comment(candidate["id"], f"Comment {n}: a strong {candidate['headline'].lower()}", touch=False)
            if n % 2 == 0:
                self.add_event(rng, candidate["id"], cancelled=n % 8 == 0)
        self.add_event(rng, None)  # a meeting of no candidate: not an interview

    def add_job(self, n: int) -> Json:
        title, code, state, department, city, country, workplace = _JOBS[n % len(_JOBS)]
        job_id = self._id(0x5B5CE0, 6)
        shortcode = f"{0x9CD658E13E + n * 0x1111:010X}"
        created = _iso(_BASE - timedelta(days=60 - n))
        job = {
            "id": job_id,
            "title": title,
            "full_title": f"{title} - {code}",
            "shortcode": shortcode,
            "code": code,
            "state": state,
            "sample": False,
            "confidential": n == 1,
            "department": department,
            "department_hierarchy": [],
            "url": f"https://{self.subdomain}.workable.com/jobs/{5986327 + n}",
            "application_url": f"https://{self.subdomain}.workable.com/jobs/{5986327 + n}/candidates/new",
            "shortlink": f"https://apply.workable.com/j/{shortcode}",
            "workplace_type": workplace,
            "location": {
                "location_str": f"{city}, {country}",
                "country": country,
                "country_code": country[:2].upper(),
                "region": None,
                "region_code": None,
                "city": city,
                "zip_code": None,
                "telecommuting": workplace == "remote",
                "workplace_type": workplace,
            },
            "salary": {"salary_from": 60000 + n * 10000, "salary_to": 80000 + n * 10000, "salary_currency": "gbp"},
            "created_at": created,
            "updated_at": created,
            "keywords": None,
        }
        self.data["jobs"][shortcode] = job
        return job

    def add_candidate(self, rng: random.Random, n: int, shortcode: str, *, generated: bool = False) -> Json:
        first, last = _FIRST[n % len(_FIRST)], _LAST[(n // len(_FIRST) + n) % len(_LAST)]
        candidate_id = self._id(0x27270270, 8)
        job = self.data["jobs"][shortcode]
        slug = PIPELINE[n % len(PIPELINE)][0]
        stage = self.data["stages"][slug]
        created = _iso(_BASE + timedelta(hours=n)) if generated else self._now()
        disqualified = generated and n % 5 == 4
        reason = sorted(self.data["reasons"].values(), key=lambda r: r["position"])[n % len(REASONS)]
        offered = slug in ("offer", "hired")
        candidate = {
            "id": candidate_id,
            "name": f"{first} {last}",
            "firstname": first,
            "lastname": last,
            "headline": rng.choice(["Sales Executive", "Accountant", "Engineer", "Designer"]),
            "account": {"subdomain": self.subdomain, "name": self.subdomain.title()},
            "job": {"shortcode": shortcode, "title": job["title"]},
            "stage": stage["name"],
            "stage_kind": stage["kind"],
            "disqualified": disqualified,
            "withdrew": disqualified and reason["candidate_withdrew"],
            "anonymized": False,
            "disqualification_reason": reason["description"] if disqualified else None,
            "hired_at": created if slug == "hired" else None,
            "moved_to_offer_at": created if offered else None,
            "sourced": n % 4 == 0,
            "profile_url": f"https://{self.subdomain}.workable.com/backend/jobs/{job['id']}/candidates/{candidate_id}",
            "address": f"{n + 1} Dakota Glen, Jackelineburgh" if n % 3 else None,
            "phone": f"+1857990{n:04d}" if n % 2 else None,
            "email": f"{first.lower()}.{last.lower()}.{n}@samplecandidate.com",
            "domain": rng.choice(["twitter.com", "linkedin.com", None]),
            "outlet": None,
            "common_source": "twitter.com",
            "common_source_category": "Other",
            "created_at": created,
            "updated_at": created,
            "resume_metadata": None,
        }
        self.data["candidates"][candidate_id] = candidate
        self.profiles[candidate_id] = _profile(n, first, last)
        self.activities[candidate_id] = {}
        self._activity(candidate_id, "applied" if not candidate["sourced"] else "sourced", None, created)
        if offered:
            self.offers[candidate_id] = {
                "candidate": {"id": candidate_id, "location": "Manchester, United Kingdom", "name": candidate["name"]},
                "created_at": created,
                "state": "accepted" if slug == "hired" else "sent",
                "document_variables": [
                    {
                        "document_variable": {"name": "Start Date", "slug": "start_date"},
                        "value": {"body": "2026-09-01"},
                    },
                    {
                        "document_variable": {"name": "Salary", "slug": "salary"},
                        "value": {
                            "data": {
                                "amount": 5000 + n,
                                "frequency": "month",
                                "cached_value": f"£{5000 + n:,}.00 per month",
                                "currency_iso": "GBP",
                            }
                        },
                    },
                ],
                "documents": [{"name": "offer.pdf", "preview_url": "https://signature/offer.pdf", "kind": "offer"}],
            }
        return candidate

    def _activity(self, candidate_id: str, action: str, body: str | None, at: str, member: Json | None = None) -> Json:
        activity_id = self._id(0x90750000, 8)
        activity: Json = {
            "id": activity_id,
            "action": action,
            "stage_name": self.data["candidates"][candidate_id]["stage"],
            "created_at": at,
            "updated_at": at,
            "body": body,
        }
        if member is not None:
            activity["member"] = {"id": member["id"], "name": member["name"], "type": "Member"}
        self.activities[candidate_id][activity_id] = activity
        return activity

    def add_comment(self, candidate_id: str, body: str, *, touch: bool = True, member: Json | None = None) -> Json:
        """A comment (by the account's first member unless another is given); it moves its candidate's
        `updated_at` unless `touch=False`."""
        with self._lock:
            member = member or self.data["members"][sorted(self.data["members"])[0]]
            activity = self._activity(candidate_id, "comment", body, self._now(), member)
            if touch:
                self.data["candidates"][candidate_id]["updated_at"] = self._now()
            return activity

    def add_event(self, rng: random.Random, candidate_id: str | None, *, cancelled: bool = False) -> Json:
        event_id = self._id(0x10E0D90, 7)
        start = _BASE + timedelta(days=rng.randrange(1, 40), hours=rng.randrange(0, 8))
        candidate = self.data["candidates"].get(candidate_id or "")
        member = self.data["members"][sorted(self.data["members"])[rng.randrange(len(self.data["members"]))]]
        event: Json = {
            "id": event_id,
            "title": f"Call with {candidate['name']}" if candidate else "Hiring team sync",
            "description": "We will call you on your cell",
            "type": "CallEvent" if candidate else "MeetingEvent",
            "starts_at": start.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "ends_at": (start + timedelta(minutes=30)).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "cancelled": cancelled,
            "job": candidate["job"] if candidate else None,
            "members": [{"id": member["id"], "name": member["name"], "type": "Member", "status": "accepted"}],
        }
        if candidate:
            event["candidate"] = {"id": candidate["id"], "name": candidate["name"]}
        self.data["events"][event_id] = event
        return event

    # --- changes ------------------------------------------------------------------------------

    def edit(self, kind: str, record_id: str, **changes: Any) -> None:
        """Change a record; jobs and candidates get a new `updated_at`. A stage is the account's:
        renaming it renames it in every job's pipeline and on its candidates (their `stage` is its
        name), touching neither."""
        with self._lock:
            record = self.data[kind][record_id]
            record.update(changes)
            if kind == "stages" and "name" in changes:
                for candidate in self.data["candidates"].values():
                    if candidate["stage_kind"] == record["kind"]:
                        candidate["stage"] = record["name"]
            if "updated_at" in record:
                record["updated_at"] = self._now()

    def move(self, candidate_id: str, slug: str, *, member: Json | None = None) -> None:
        """What `POST /candidates/:id/move` does."""
        with self._lock:
            stage = self.data["stages"][slug]
            member = member or self.data["members"][sorted(self.data["members"])[0]]
            self._activity(candidate_id, slug, None, self._now(), member)
            changes: Json = {"stage": stage["name"], "stage_kind": stage["kind"]}
            if slug == "hired":
                changes["hired_at"] = self._now()
            self.edit("candidates", candidate_id, **changes)
            self.notify("candidate_moved", candidate_id)

    def disqualify(self, candidate_id: str, reason_id: str | None, *, withdrew: bool = False) -> None:
        """What `POST /candidates/:id/disqualify` does (a reason is optional)."""
        with self._lock:
            reason = self.data["reasons"][reason_id] if reason_id else None
            self.edit(
                "candidates",
                candidate_id,
                disqualified=True,
                withdrew=withdrew,
                disqualification_reason=reason["description"] if reason else None,
            )

    def edit_detail(self, candidate_id: str, **changes: Any) -> None:
        """Change what only the detail shows (`tags`, `social_profiles`, `custom_attributes`), as
        `PATCH /candidates/:id` and `update_custom_attribute_value` do; the candidate's `updated_at`
        moves (modelled: Workable does not document it)."""
        with self._lock:
            self.profiles[candidate_id].update(changes)
            self.edit("candidates", candidate_id)

    def edit_offer(self, candidate_id: str, **changes: Any) -> None:
        """An offer changed; its candidate is untouched."""
        with self._lock:
            self.offers[candidate_id].update(changes)

    def delete(self, kind: str, record_id: str) -> None:
        """Gone from every listing; a candidate's activities, offer and events go with it."""
        with self._lock:
            if kind == "candidates":
                self.notify("candidate_deleted", record_id)
            del self.data[kind][record_id]
            if kind == "candidates":
                self.activities.pop(record_id, None)
                self.offers.pop(record_id, None)
                self.profiles.pop(record_id, None)
                for event_id in [
                    e for e, x in self.data["events"].items() if (x.get("candidate") or {}).get("id") == record_id
                ]:
                    del self.data["events"][event_id]

    # --- webhooks --------------------------------------------------------------------------------

    def register_webhook(self, url: str, token: str) -> None:
        """A subscription to the candidate events, to `url`; Workable signs with the account's token."""
        self.webhooks.register(url, token)

    def detail(self, candidate_id: str) -> Json:
        """A candidate as `GET /candidates/:id` shows it (the list's fields and the detail's own)."""
        profile = json.loads(json.dumps(self.profiles[candidate_id]))  # a copy: answers never alias the data
        return {**self.data["candidates"][candidate_id], "disqualified_at": None, "answers": [], **profile}

    def notify(self, event: str, candidate_id: str) -> None:
        """Send an event with the candidate (its detail), signed `X-Workable-Signature: <hex HMAC-SHA256 of
        the body>`. The envelope (`event_type`, `fired_at`, `data`) is modelled: Workable's docs do not
        print one."""
        body = json.dumps(
            {
                "id": f"evt-{self._id(0xE0000, 6)}",
                "event_type": event,
                "fired_at": self._now(),
                "resource_type": "candidate",
                "data": self.detail(candidate_id),
            }
        ).encode()

        def sign(token: str) -> tuple[dict[str, str], bytes]:
            digest = hmac.new(token.encode(), body, hashlib.sha256).hexdigest()
            return {"Content-Type": "application/json", "X-Workable-Signature": digest}, body

        self.webhooks.send(sign)

    # --- the HTTP app ------------------------------------------------------------------------

    def app(self) -> ASGIApp:
        listings: list[tuple[str, Callable[[Request], Any]]] = [
            ("/members", lambda r: self._listing(r, "members", list(self.data["members"].values()))),
            ("/disqualification_reasons", self._reasons),
            ("/stages", lambda r: self._listing(r, "stages", self._pipeline())),
            ("/jobs", self._jobs),
            ("/jobs/{shortcode}/stages", self._job_stages),
            ("/candidates", self._candidates),
            ("/candidates/{id}", self._detail),
            ("/candidates/{id}/activities", self._activities),
            ("/candidates/{id}/offer", self._offer),
            ("/events", self._events),
        ]
        routes = [Route(path, self._endpoint(handler), methods=["GET"]) for path, handler in listings]
        writes: list[tuple[str, Callable[[Request, Any], Response]]] = [
            ("/jobs/{shortcode}/candidates", self._w_create),
            ("/candidates/{id}/move", self._w_move),
            ("/candidates/{id}/disqualify", self._w_disqualify),
            ("/candidates/{id}/comments", self._w_comment),
        ]
        routes += [Route(path, self._answering(handler), methods=["POST"]) for path, handler in writes]
        return self.harness.middleware(Starlette(routes=[Mount("/spi/v3", routes=routes)]), _rate_limited)

    def _endpoint(self, handler: Callable[[Request], Response]) -> Callable[[Request], Any]:
        return self._answering(lambda request, _body: handler(request))

    def _answering(self, handler: Callable[[Request, Any], Response]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            raw = await request.body()
            with self._lock:
                spent = self._spend()
                if request.headers.get("authorization") != f"Bearer {self.token}":
                    answer: Response = JSONResponse({"error": "Not authorized"}, 401)
                elif spent:
                    answer = JSONResponse({"error": "Rate limit exceeded"}, 429)
                else:
                    try:
                        body = json.loads(raw) if raw else None
                    except ValueError:
                        body = ValueError
                    if body is ValueError:
                        answer = JSONResponse({"error": "The request body is not valid JSON"}, 400)
                    else:
                        try:
                            answer = handler(request, body)
                        except Refused as refused:
                            answer = JSONResponse({"error": refused.error}, refused.status)
                answer.headers.update(self._window_headers())
                return answer

        return endpoint

    def _pipeline(self) -> list[Json]:
        return sorted(self.data["stages"].values(), key=lambda s: s["position"])

    def _listing(self, request: Request, key: str, records: list[Json]) -> Response:
        """One page by id: `since_id` inclusive, `paging.next` carrying the next page's first id."""
        query = request.query_params
        try:
            limit = min(int(query.get("limit") or DEFAULT_LIMIT), MAX_LIMIT)
        except ValueError:
            return JSONResponse({"error": "limit must be an integer"}, 400)
        ordered = sorted(records, key=lambda r: str(r.get("id")))
        since = query.get("since_id")
        if since:
            ordered = [r for r in ordered if str(r["id"]) >= since]
        page, rest = ordered[:limit], ordered[limit:]
        body: Json = {key: page}
        if rest:
            params = {k: v for k, v in query.items() if k not in ("since_id", "limit")}
            params.update(limit=str(limit), since_id=str(rest[0]["id"]))
            body["paging"] = {"next": f"{str(request.url).split('?')[0]}?{urlencode(params)}"}
        return JSONResponse(body)

    def _filtered(self, request: Request, records: Any) -> list[Json] | Response:
        out = list(records)
        for param, key in (("created_after", "created_at"), ("updated_after", "updated_at")):
            value = request.query_params.get(param)
            if value is None:
                continue
            bound = _parse(value)
            if bound is None:
                return JSONResponse({"error": f"{param} is not a valid date"}, 422)
            out = [r for r in out if (_parse(r[key]) or bound) >= bound]
        return out

    def _reasons(self, request: Request) -> Response:
        return JSONResponse(sorted(self.data["reasons"].values(), key=lambda r: r["position"]))

    def _job_stages(self, request: Request) -> Response:
        if request.path_params["shortcode"] not in self.data["jobs"]:
            return JSONResponse({"error": "Not found"}, 404)
        return JSONResponse({"stages": self._pipeline()})

    def _jobs(self, request: Request) -> Response:
        found = self._filtered(request, self.data["jobs"].values())
        if isinstance(found, Response):
            return found
        state = request.query_params.get("state")
        return self._listing(request, "jobs", [j for j in found if state is None or j["state"] == state])

    def _candidates(self, request: Request) -> Response:
        found = self._filtered(request, self.data["candidates"].values())
        if isinstance(found, Response):
            return found
        query = request.query_params
        if (shortcode := query.get("shortcode")) is not None:
            found = [c for c in found if c["job"]["shortcode"] == shortcode]
        if (email := query.get("email")) is not None:
            found = [c for c in found if c["email"] == email]
        if (slug := query.get("stage")) is not None:
            found = [c for c in found if self.data["stages"].get(slug, {}).get("name") == c["stage"]]
        return self._listing(request, "candidates", found)

    def _detail(self, request: Request) -> Response:
        if request.path_params["id"] in self.vanished:
            raise Refused(404, "Not found")
        return JSONResponse({"candidate": self.detail(self._candidate(request)["id"])})

    def _activities(self, request: Request) -> Response:
        activities = self.activities.get(request.path_params["id"])
        if activities is None:
            return JSONResponse({"error": "Not found"}, 404)
        actions = request.query_params.get("actions")
        wanted = set(actions.split(",")) if actions else None
        return self._listing(
            request, "activities", [a for a in activities.values() if wanted is None or a["action"] in wanted]
        )

    def _offer(self, request: Request) -> Response:
        offer = self.offers.get(request.path_params["id"])
        return JSONResponse(offer) if offer is not None else JSONResponse({"error": "Not found"}, 404)

    # --- writes (the endpoints of Workable's reference; the recordings' bodies) ------------------

    def _member(self, body: Json) -> Json:
        member = self.data["members"].get(str(body.get("member_id") or ""))
        if member is None:
            raise Refused(422, "member_id is missing or is not a member of the account")
        return member

    def _candidate(self, request: Request) -> Json:
        candidate = self.data["candidates"].get(request.path_params["id"])
        if candidate is None:
            raise Refused(404, "Not found")
        return candidate

    def _w_create(self, request: Request, given: Any) -> Response:
        """`POST /jobs/:shortcode/candidates {sourced, candidate}` -> 201 `{status, candidate}` (the detail)."""
        body = _object(given)
        shortcode = request.path_params["shortcode"]
        if shortcode not in self.data["jobs"]:
            raise Refused(404, "Not found")
        given = body.get("candidate")
        if not isinstance(given, dict) or not given.get("email") or not (given.get("name") or given.get("firstname")):
            raise Refused(422, "candidate needs a name and an email")
        sourced = bool(body.get("sourced", True))
        candidate = self.add_candidate(random.Random(self._serial), len(self.data["candidates"]), shortcode)
        stage = self.data["stages"]["sourced" if sourced else "applied"]
        self.offers.pop(candidate["id"], None)
        now = self._now()
        candidate.update(
            name=given.get("name") or f"{given.get('firstname', '')} {given.get('lastname', '')}".strip(),
            firstname=given.get("firstname"),
            lastname=given.get("lastname"),
            email=given["email"],
            phone=given.get("phone"),
            headline=given.get("headline"),
            address=None,
            domain=None,
            sourced=sourced,
            stage=stage["name"],
            stage_kind=stage["kind"],
            disqualified=False,
            withdrew=False,
            disqualification_reason=None,
            hired_at=None,
            moved_to_offer_at=None,
            created_at=now,
            updated_at=now,
        )
        self.notify("candidate_created", candidate["id"])
        return JSONResponse(
            {"status": "created", "candidate": {**self.detail(candidate["id"]), "resume_url": None}}, 201
        )

    def _w_move(self, request: Request, given: Any) -> Response:
        body = _object(given)
        candidate, member = self._candidate(request), self._member(body)
        slug = body.get("target_stage")
        if slug not in self.data["stages"]:
            raise Refused(422, f"target_stage {slug!r} is not a stage of the job")
        self.move(candidate["id"], str(slug), member=member)
        return Response(b"", 200)

    def _w_disqualify(self, request: Request, given: Any) -> Response:
        body = _object(given)
        candidate = self._candidate(request)
        self._member(body)
        reason = body.get("disqualify_reason_id")
        if reason is not None and reason not in self.data["reasons"]:
            raise Refused(422, f"disqualify_reason_id {reason!r} is not a disqualification reason")
        self.disqualify(candidate["id"], str(reason) if reason else None, withdrew=bool(body.get("withdrew")))
        return Response(b"", 200)

    def _w_comment(self, request: Request, given: Any) -> Response:
        body = _object(given)
        candidate, member = self._candidate(request), self._member(body)
        comment = body.get("comment")
        text = comment.get("body") if isinstance(comment, dict) else None
        if not isinstance(text, str) or not text:
            raise Refused(422, "comment.body is required")
        activity = self.add_comment(candidate["id"], text, member=member)
        return JSONResponse({"id": activity["id"]}, 201)

    def _events(self, request: Request) -> Response:
        events = list(self.data["events"].values())
        candidate = request.query_params.get("candidate_id")
        if candidate:
            events = [e for e in events if (e.get("candidate") or {}).get("id") == candidate]
        return self._listing(request, "events", events)


def _profile(n: int, first: str, last: str) -> Json:
    """The detail's own fields of the n-th candidate. Tags and social profiles as Workable's reference
    names them (`tags[]`; `social_profiles[] {type, name, username, url}`, as the update-candidate
    reference takes them); custom attributes modelled as
    `{key, label, type, value}` on the account's attribute definitions (`/custom_attributes`: id, label,
    type) and their update endpoint (`custom_attribute_key`, `value`): the reference does not print
    the detail's."""
    handle = f"{first}-{last}-{n}".lower()
    social = [
        {"type": "linkedin", "name": "LinkedIn", "username": handle, "url": f"https://www.linkedin.com/in/{handle}"}
    ]
    if n % 4 == 1:
        social.append({"type": "github", "name": "GitHub", "username": handle, "url": f"https://github.com/{handle}"})
    attributes: list[Json] = [
        {"key": "3b1e2c0a", "label": "Notice period (weeks)", "type": "numeric", "value": n % 9 + 1},
        {"key": "5d7f9a11", "label": "Work permit", "type": "boolean", "value": n % 2 == 0},
    ]
    if n % 3 == 0:
        attributes.append(
            {"key": "7a0c4e52", "label": "Preferred office", "type": "dropdown", "value": ["London", "Berlin"][n % 2]}
        )
    return {
        "tags": ["priority"] if n % 3 == 0 else [],
        "social_profiles": social if n % 2 else [],
        "custom_attributes": attributes,
    }


def _object(body: Any) -> Json:
    if not isinstance(body, dict):
        raise Refused(422, "The request body must be an object")
    return body


def _rate_limited() -> Response:
    return JSONResponse({"error": "Rate limit exceeded"}, 429)
