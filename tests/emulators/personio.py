"""A Personio recruiting API emulator: the v2 reads, the v1 writes, OAuth2, faults, over real HTTP.

Speaks what the connector relies on (spec §4.8; developer.personio.de's v2 recruiting reference and
changelog; the v1 OpenAPI of github.com/personio/api-docs `personio-recruiting-api.yaml`):
- `POST /v2/auth/token`, form `client_id`, `client_secret`, `grant_type=client_credentials` ->
  `{access_token, token_type: "Bearer", expires_in, scope}`; wrong client: 401 `invalid_client`.
  A token carries the credential's scopes; a read without `personio:recruiting:read` is 403.
- `GET /v2/recruiting/{applications,candidates,jobs,categories}` (and `/{id}`, and
  `/applications/{id}/stage-transitions`, newest first): `{"_data": [...], "_meta": {"links":
  {"self": {"href"}, "next": {"href"}}}}`, `next` absent on the last page; `limit` 1-200 (default
  100, else 400); `cursor` opaque, carried by the next href with the request's filters; applications
  sorted by `updated_at`, newest first (documented), the others by id. `updated_at.gt` /
  `updated_at.lt` (strict, mutually exclusive: 400 with both) on applications (documented) and on
  candidates and jobs (assumed: the connector's docs say so); `candidate.email` on applications.
- v2 errors: `{"personio_trace_id", "timestamp", "errors": [{"title", "detail"}]}` (unverified shape).
- `POST /v1/recruiting/applications` (JSON) and `POST /v1/recruiting/applications/documents`
  (multipart `file`, 20 MB at most): `Authorization: Bearer <recruiting API token>` and
  `X-Company-ID` required (401 otherwise); errors `{"errors": [{"field", "errors": [{"reason",
  "context"}]}]}` with the OpenAPI's codes (`errors.applicant-already-exists`, ...). A created
  application appears in the v2 reads (its candidate found or created by email); its tags, files and
  custom attributes are kept but not served: the v2 reads return none of them (documented).

Rate limit: Personio publishes none for v2 recruiting (v1: 2000 requests / minute per IP). `window`
requests per `window_seconds` answered 429 with `Retry-After` past it (None: off); the harness's exact
meter (`rate`, `burst`) applies on top, as for every emulator.

Deletions: there is no deletion feed; a deleted candidate (with its applications) or job disappears
from the listings. Data is deterministic from a seed; `edit`, `move`, `add_candidate`, `apply`,
`delete` and `rename_stage` change it (a stage renamed in its category touches no job or application).
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import json
import random
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from tests.emulators.harness import Emulator, FixedWindowLimit, RateMeter

Json = dict[str, Any]
DEFAULT_LIMIT = 100
MAX_LIMIT = 200
MAX_FILE = 20 * 1024 * 1024
READ_SCOPE = "personio:recruiting:read"
SCOPES = f"{READ_SCOPE} personio:recruiting:write"
SYSTEM_PHASES = ("unassigned", "rejected", "withdrawn", "offer", "accepted")
FILE_CATEGORIES = frozenset({"cv", "cover-letter", "employment-reference", "certificate", "work-sample", "other"})
_EXTENSIONS = "pdf pptx xlsx docx doc xls ppt ods odt 7z gz rar zip bmp gif jpg png tif csv txt rtf mp4 3gp mov avi wmv"
EXTENSIONS = frozenset(_EXTENSIONS.split(" "))
SYSTEM_ATTRIBUTES = frozenset({"birthday", "gender", "location", "phone", "available_from", "salary_expectations"})
# A category's pipeline: system phases around its custom ones (Personio lists them in this order).
_CUSTOM = {
    "Engineering": ("Screening", "Technical interview", "Team interview"),
    "Sales": ("Phone screen", "Role play"),
}
_FIRST = ["Anna", "Lukas", "Mia", "Jonas", "Lea", "Finn", "Emma", "Paul", "Hanna", "Elias", "Sofia"]
_LAST = ["Schmidt", "Müller", "Weber", "Fischer", "Wagner", "Becker", "Hoffmann", "Koch", "Richter"]
_JOBS = [
    ("Backend Engineer", "Engineering", "Engineering", "Munich", "permanent", "ACTIVE"),
    ("Account Executive", "Sales", "Sales", "Berlin", "permanent", "ACTIVE"),
    ("Working Student Data", "Engineering", "Engineering", "Madrid", "intern", "ARCHIVED"),
    ("Sales Development Rep", "Sales", "Sales", "London", "permanent", "DRAFT"),
]
_BASE = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


class V1Refused(Exception):
    """A v1 write Personio refuses: its status and `{"errors": [...]}` items."""

    def __init__(self, status: int, field_name: str, reason: str, context: Json | None = None) -> None:
        super().__init__(reason)
        item: Json = {"reason": reason}
        if context:
            item["context"] = context
        self.status, self.body = status, {"errors": [{"field": field_name, "errors": [item]}]}


@dataclass
class PersonioEmulator(FixedWindowLimit):
    client_id: str
    client_secret: str
    seed: int = 1
    candidates: int = 40
    jobs: int = 3
    company_id: str = "41872"
    recruiting_token: str = "recruiting-api-token"
    scopes: str = SCOPES
    expires_in: int = 86400
    rate: float | None = None  # the harness meter: requests/s tolerated (None: unlimited)
    burst: int = 10
    window: int | None = None  # requests per `window_seconds` (None: no vendor window)
    window_seconds: float = 60.0
    window_refused: int = 0
    window_start: float = 0.0
    window_used: int = 0
    RESET_EPOCH: ClassVar[bool] = False
    harness: Emulator = field(init=False)
    data: dict[str, dict[str, Json]] = field(init=False)
    transitions: dict[str, list[Json]] = field(init=False)  # application id -> stages entered, oldest first
    tokens: dict[str, str] = field(default_factory=dict)  # issued token -> its scopes
    documents: dict[str, Json] = field(default_factory=dict)  # uploaded, not yet attached (uuid -> metadata)
    attached: dict[str, list[Json]] = field(default_factory=dict)  # application id -> files (not served)
    tags: dict[str, list[str]] = field(default_factory=dict)  # application id -> tags (not served)
    attributes: dict[str, list[Json]] = field(default_factory=dict)  # application id -> attributes (not served)
    custom_attributes: frozenset[str] = frozenset({"custom_attribute_7"})
    # Called after each page of `/v2/recruiting/applications` is answered (its number, from 1): a change
    # made while a client pages through the list.
    after_application_page: Callable[[int], None] | None = None
    application_pages: int = 0
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _clock: datetime = field(default_factory=lambda: _BASE)
    _serial: int = 0

    def __post_init__(self) -> None:
        # The harness's api_key is what the kit's secret scan looks for besides the config's secrets.
        self.harness = Emulator(self.client_secret, RateMeter(self.rate, self.burst) if self.rate else None)
        self.data = {kind: {} for kind in ("categories", "jobs", "candidates", "applications")}
        self.transitions = {}
        self._generate()

    # --- ids and time -------------------------------------------------------------------------

    def _id(self, base: int) -> str:
        self._serial += 1
        return str(base + self._serial)

    def _now(self) -> str:
        """A strictly increasing wall-clock time (seconds), for edits."""
        self._clock = max(self._clock + timedelta(seconds=1), datetime.now(UTC).replace(microsecond=0))
        return _iso(self._clock)

    # --- generation ---------------------------------------------------------------------------

    def _generate(self) -> None:
        rng = random.Random(self.seed)
        for name, custom in _CUSTOM.items():
            category_id = self._id(4100)
            stages: list[Json] = [{"id": None, "kind": "system", "name": "Unassigned", "type": "unassigned"}]
            stages += [{"id": self._id(88000), "kind": "custom", "name": n, "type": "custom"} for n in custom]
            stages += [
                {"id": None, "kind": "system", "name": label, "type": phase}
                for phase, label in (
                    ("offer", "Offer"),
                    ("accepted", "Accepted"),
                    ("rejected", "Rejected"),
                    ("withdrawn", "Withdrawn"),
                )
            ]
            self.data["categories"][category_id] = {"id": category_id, "name": name, "stages": stages}
        for n in range(self.jobs):
            self.add_job(n)
        job_ids = sorted(self.data["jobs"], key=int)
        for n in range(self.candidates):
            candidate = self.add_candidate(n, generated=True)
            self.apply(candidate["id"], job_ids[n % len(job_ids)], stage_index=n, generated=True)
            if rng.random() < 0.15:  # some apply to a second job
                self.apply(candidate["id"], job_ids[(n + 1) % len(job_ids)], stage_index=0, generated=True)

    def category_of(self, name: str) -> Json:
        return next(c for c in self.data["categories"].values() if c["name"] == name)

    def add_job(self, n: int) -> Json:
        title, department, category, office, employment, status = _JOBS[n % len(_JOBS)]
        job_id = self._id(1_200_000)
        created = _iso(_BASE - timedelta(days=60 - n))
        cat = self.category_of(category)
        job = {
            "id": job_id,
            "name": title,
            "status": status,
            "employment_type": employment,
            "department": {"id": self._id(700), "name": department},
            "office": {"id": self._id(300), "name": office},
            "category": {"id": cat["id"], "name": cat["name"]},
            "created_at": created,
            "updated_at": created,
        }
        self.data["jobs"][job_id] = job
        return job

    def add_candidate(self, n: int, *, generated: bool = False, email_address: str | None = None) -> Json:
        first, last = _FIRST[n % len(_FIRST)], _LAST[(n // len(_FIRST) + n) % len(_LAST)]
        candidate_id = self._id(9_000_000)
        created = _iso(_BASE + timedelta(hours=n)) if generated else self._now()
        candidate = {
            "id": candidate_id,
            "first_name": first,
            "last_name": last,
            "email": email_address or f"{first.lower()}.{last.lower()}.{n}@example.org".replace("ü", "ue"),
            "phone": f"+49 89 {n:06d}" if n % 2 else None,
            "location": "Munich, Germany" if n % 3 else None,
            "gender": ("female", "male", "diverse", "undefined")[n % 4],
            "birthday": None,
            "linkedin_profile": f"https://www.linkedin.com/in/{first.lower()}-{n}" if n % 4 == 1 else None,
            "available_from": "2026-07-01" if n % 5 == 0 else None,
            "salary_expectations": f"{60 + n}k EUR" if n % 6 == 0 else None,
            "created_at": created,
            "updated_at": created,
        }
        self.data["candidates"][candidate_id] = candidate
        return candidate

    def pipeline(self, job_id: str) -> list[Json]:
        category = self.data["categories"][self.data["jobs"][job_id]["category"]["id"]]
        return list(category["stages"])

    def apply(
        self,
        candidate_id: str,
        job_id: str,
        *,
        stage_index: int = 0,
        generated: bool = False,
        application_date: str | None = None,
        channel: Json | None = None,
    ) -> Json:
        """An application of a candidate to a job, in the stage at `stage_index` of its category
        (modulo the pipeline's length)."""
        with self._lock:
            application_id = self._id(5_000_000)
            candidate, job = self.data["candidates"][candidate_id], self.data["jobs"][job_id]
            pipeline = self.pipeline(job_id)
            stage = pipeline[stage_index % len(pipeline)]
            created = _iso(_BASE + timedelta(hours=int(application_id) % 1000)) if generated else self._now()
            application = {
                "id": application_id,
                "application_date": application_date or created[:10],
                "candidate": {"id": candidate_id, "email": candidate["email"]},
                "job": {"id": job_id, "name": job["name"]},
                "current_stage": dict(stage),
                "channel": channel or {"id": "11", "name": "Career page"},
                "is_anonymized": False,
                "created_at": created,
                "updated_at": created,
            }
            self.data["applications"][application_id] = application
            self.transitions[application_id] = []
            if stage_index % len(pipeline):
                self._enter(application_id, pipeline[0], created)
            self._enter(application_id, stage, created)
            return application

    def _enter(self, application_id: str, stage: Json, at: str) -> None:
        self.transitions[application_id].append({"stage": dict(stage), "entered_at": at})

    # --- changes ------------------------------------------------------------------------------

    def edit(self, kind: str, record_id: str, **changes: Any) -> None:
        """Change a job, candidate or application: a new `updated_at`."""
        with self._lock:
            record = self.data[kind][record_id]
            record.update(changes)
            record["updated_at"] = self._now()
            if kind == "jobs" and "name" in changes:  # applications name their job; they are not touched
                for application in self.data["applications"].values():
                    if application["job"]["id"] == record_id:
                        application["job"]["name"] = changes["name"]

    def move(self, application_id: str, phase: str) -> None:
        """Move an application to the stage of its category whose type (system) or name (custom) is
        `phase`; its `updated_at` moves."""
        with self._lock:
            application = self.data["applications"][application_id]
            stage = next(s for s in self.pipeline(application["job"]["id"]) if phase in (s["type"], s["name"]))
            self.edit("applications", application_id, current_stage=dict(stage))
            self._enter(application_id, stage, application["updated_at"])

    def rename_stage(self, category_id: str, old: str, new: str) -> None:
        """A custom stage renamed in its category: no job, candidate or application is touched, though
        the applications in it show the new name."""
        with self._lock:
            for stage in self.data["categories"][category_id]["stages"]:
                if stage["name"] == old:
                    stage["name"] = new
            for application in self.data["applications"].values():
                if application["current_stage"]["name"] == old:
                    application["current_stage"]["name"] = new

    def delete(self, kind: str, record_id: str) -> None:
        """Gone from every listing; a candidate's applications go with it."""
        with self._lock:
            del self.data[kind][record_id]
            if kind == "candidates":
                for application_id in [
                    a for a, x in self.data["applications"].items() if x["candidate"]["id"] == record_id
                ]:
                    del self.data["applications"][application_id]
                    self.transitions.pop(application_id, None)

    # --- the HTTP app ------------------------------------------------------------------------

    def app(self) -> ASGIApp:
        reads: list[tuple[str, Callable[[Request], Response]]] = [
            ("/v2/recruiting/applications", self._applications),
            ("/v2/recruiting/applications/{id}", lambda r: self._one(r, "applications")),
            ("/v2/recruiting/applications/{id}/stage-transitions", self._transitions),
            ("/v2/recruiting/candidates", lambda r: self._listing(r, self._filtered(r, "candidates"))),
            ("/v2/recruiting/candidates/{id}", lambda r: self._one(r, "candidates")),
            ("/v2/recruiting/jobs", lambda r: self._listing(r, self._filtered(r, "jobs"))),
            ("/v2/recruiting/jobs/{id}", lambda r: self._one(r, "jobs")),
            ("/v2/recruiting/categories", lambda r: self._listing(r, list(self.data["categories"].values()))),
            ("/v2/recruiting/categories/{id}", lambda r: self._one(r, "categories")),
        ]
        routes = [Route(path, self._v2(handler), methods=["GET"]) for path, handler in reads]
        routes += [
            Route("/v2/auth/token", self._token, methods=["POST"]),
            Route("/v1/recruiting/applications", self._v1(self._w_create), methods=["POST"]),
            Route("/v1/recruiting/applications/documents", self._v1(self._w_document), methods=["POST"]),
        ]
        return self.harness.middleware(Starlette(routes=routes), _rate_limited)

    def _window(self) -> Response | None:
        if not self._spend():
            return None
        retry = max(1, int(self.window_start + self.window_seconds - time.time() + 0.999))
        return _v2_error(429, "Too Many Requests", "Rate limit exceeded", {"Retry-After": str(retry)})

    async def _token(self, request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode()))
        with self._lock:
            if (limited := self._window()) is not None:
                return limited
            if form.get("grant_type") != "client_credentials":
                return JSONResponse({"error": "unsupported_grant_type"}, 400)
            if (form.get("client_id"), form.get("client_secret")) != (self.client_id, self.client_secret):
                return JSONResponse(
                    {"error": "invalid_client", "error_description": "Client authentication failed"}, 401
                )
            token = f"papi-{secrets.token_urlsafe(24)}"
            self.tokens[token] = self.scopes
            return JSONResponse(
                {"access_token": token, "token_type": "Bearer", "expires_in": self.expires_in, "scope": self.scopes}
            )

    def revoke(self) -> None:
        """Every token issued so far stops working (credentials rotated)."""
        with self._lock:
            self.tokens.clear()

    def _v2(self, handler: Callable[[Request], Response]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            with self._lock:
                if (limited := self._window()) is not None:
                    return limited
                token = request.headers.get("authorization", "").removeprefix("Bearer ")
                scopes = self.tokens.get(token)
                if scopes is None:
                    return _v2_error(401, "Unauthorized", "The access token is missing, invalid or expired.")
                if READ_SCOPE not in scopes.split():
                    return _v2_error(403, "Forbidden", f"The access token lacks the scope {READ_SCOPE}.")
                return handler(request)

        return endpoint

    def _listing(self, request: Request, records: list[Json] | Response, *, newest_first: bool = False) -> Response:
        """One page: keyset paging by (updated_at desc, id desc) for `newest_first`, else by id; the
        cursor is the last key served, opaque to the client."""
        if isinstance(records, Response):
            return records
        query = request.query_params
        try:
            limit = int(query.get("limit") or DEFAULT_LIMIT)
        except ValueError:
            limit = 0
        if not 1 <= limit <= MAX_LIMIT:
            return _v2_error(400, "Bad Request", f"limit must be between 1 and {MAX_LIMIT}.")

        def key(record: Json) -> list[Any]:
            return [record["updated_at"], int(record["id"])] if newest_first else [int(record["id"])]

        ordered = sorted(records, key=key, reverse=newest_first)
        if cursor := query.get("cursor"):
            try:
                after = json.loads(base64.urlsafe_b64decode(cursor.encode()))
            except ValueError:
                return _v2_error(400, "Bad Request", "The cursor is invalid.")
            ordered = [r for r in ordered if (key(r) < after if newest_first else key(r) > after)]
        page, rest = ordered[:limit], ordered[limit:]
        base = str(request.url).split("?")[0]
        links: Json = {"self": {"href": str(request.url)}}
        if rest:
            params = {k: v for k, v in query.items() if k not in ("cursor", "limit")}
            params.update(
                limit=str(limit), cursor=base64.urlsafe_b64encode(json.dumps(key(page[-1])).encode()).decode()
            )
            links["next"] = {"href": f"{base}?{urlencode(params)}"}
        return JSONResponse({"_data": page, "_meta": {"links": links}})

    def _filtered(self, request: Request, kind: str) -> list[Json] | Response:
        query = request.query_params
        out = list(self.data[kind].values())
        if "updated_at.gt" in query and "updated_at.lt" in query:
            return _v2_error(400, "Bad Request", "updated_at.gt and updated_at.lt are mutually exclusive.")
        for param, later in (("updated_at.gt", True), ("updated_at.lt", False)):
            if (value := query.get(param)) is None:
                continue
            bound = _parse(value)
            if bound is None:
                return _v2_error(400, "Bad Request", f"{param} must be an ISO 8601 date-time.")
            out = [r for r in out if ((at := _parse(r["updated_at"]) or bound) > bound if later else at < bound)]
        return out

    def _applications(self, request: Request) -> Response:
        found = self._filtered(request, "applications")
        if isinstance(found, list) and (address := request.query_params.get("candidate.email")) is not None:
            found = [a for a in found if a["candidate"]["email"] == address]
        answer = self._listing(request, found, newest_first=True)
        self.application_pages += 1
        if self.after_application_page is not None:
            self.after_application_page(self.application_pages)
        return answer

    def _one(self, request: Request, kind: str) -> Response:
        record = self.data[kind].get(request.path_params["id"])
        if record is None:
            return _v2_error(404, "Not Found", f"The {kind[:-1]} was not found.")
        return JSONResponse({"_data": record, "_meta": {"links": {"self": {"href": str(request.url)}}}})

    def _transitions(self, request: Request) -> Response:
        entered = self.transitions.get(request.path_params["id"])
        if entered is None:
            return _v2_error(404, "Not Found", "The application was not found.")
        # Served newest first (documented); the positions stand in for ids.
        numbered = [{"id": str(i + 1), **t, "updated_at": t["entered_at"]} for i, t in enumerate(entered)]
        return self._listing(request, list(reversed(numbered)))

    # --- the v1 write API ------------------------------------------------------------------------

    def _v1(self, handler: Callable[[Request, bytes], Response]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            raw = await request.body()
            with self._lock:
                if (limited := self._window()) is not None:
                    return limited
                if request.headers.get("authorization") != f"Bearer {self.recruiting_token}" or request.headers.get(
                    "x-company-id"
                ) != str(self.company_id):
                    return JSONResponse(
                        {
                            "errors": [
                                {
                                    "id": str(uuid.uuid4()),
                                    "status": "401",
                                    "title": "Unauthorized",
                                    "detail": "The API token and/or company id was not recognized.",
                                }
                            ]
                        },
                        401,
                    )
                try:
                    return handler(request, raw)
                except V1Refused as refused:
                    return JSONResponse(refused.body, refused.status)

        return endpoint

    def _w_document(self, request: Request, raw: bytes) -> Response:
        """`POST /v1/recruiting/applications/documents` (multipart `file`) -> its uuid and metadata."""
        if len(raw) > MAX_FILE + 64 * 1024:
            raise V1Refused(413, "file", "errors.file-too-big")
        part = _multipart_file(request.headers.get("content-type", ""), raw)
        if part is None:
            raise V1Refused(422, "file", "errors.attribute-validation.required-attribute")
        filename, mimetype, content = part
        extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
        if extension not in EXTENSIONS:
            raise V1Refused(422, "file", "errors.invalid-file-type", {"extension": extension})
        if len(content) > MAX_FILE:
            raise V1Refused(413, "file", "errors.file-too-big")
        document_id = str(uuid.uuid4())
        document: Json = {
            "uuid": document_id,
            "size": len(content),
            "mimetype": mimetype,
            "original_filename": filename,
            "extension": extension,
        }
        self.documents[document_id] = {**document, "content": content}
        return JSONResponse(document)

    def _w_create(self, request: Request, raw: bytes) -> Response:
        """`POST /v1/recruiting/applications` -> 201 with no body; the application is then in the v2 reads."""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise V1Refused(400, "body", "errors.attribute-validation.invalid-type")
        for name in ("first_name", "last_name", "email", "job_position_id"):
            if body.get(name) in (None, ""):
                raise V1Refused(400, name, "errors.attribute-validation.required-attribute")
        address = str(body["email"])
        if "@" not in address or "." not in address.rpartition("@")[2]:
            raise V1Refused(400, "email", "errors.attribute-validation.invalid-email-format")
        job = self.data["jobs"].get(str(body["job_position_id"]))
        if job is None or job["status"] != "ACTIVE":
            raise V1Refused(400, "job_position_id", "errors.job-position.not-published")
        if (given_date := body.get("application_date")) is not None:
            try:
                if date.fromisoformat(str(given_date)) > datetime.now(UTC).date():
                    raise V1Refused(400, "application_date", "errors.date-validation.date-in-the-future")
            except ValueError:
                raise V1Refused(400, "application_date", "errors.attribute-validation.invalid-date-format") from None
        stage_index = self._phase(job["id"], body.get("phase"))
        files = body.get("files") or []
        for n, item in enumerate(files):
            if not isinstance(item, dict) or item.get("uuid") not in self.documents:
                raise V1Refused(400, f"files[{n}].uuid", "errors.file-validation.file-not-exists")
            if item.get("category") not in FILE_CATEGORIES:
                raise V1Refused(400, f"files[{n}].category", "errors.file-validation.unknown-file-category")
        attributes = body.get("attributes") or []
        for n, attribute in enumerate(attributes):
            attribute_id: Any = attribute.get("id") if isinstance(attribute, dict) else None
            if attribute_id not in SYSTEM_ATTRIBUTES and attribute_id not in self.custom_attributes:
                raise V1Refused(400, f"attributes[{n}].id", "errors.attribute-validation.unknown", {"id": attribute_id})
        candidate = next((c for c in self.data["candidates"].values() if c["email"] == address), None)
        if candidate is not None and any(
            a["candidate"]["id"] == candidate["id"] and a["job"]["id"] == job["id"]
            for a in self.data["applications"].values()
        ):
            raise V1Refused(400, "email", "errors.applicant-already-exists")
        if candidate is None:
            candidate = self.add_candidate(len(self.data["candidates"]), email_address=address)
            candidate.update(phone=None, location=None, gender=None, linkedin_profile=None)
            candidate.update(available_from=None, salary_expectations=None)
        system = {a["id"]: a.get("value") for a in attributes if a["id"] in SYSTEM_ATTRIBUTES}
        candidate.update(first_name=body["first_name"], last_name=body["last_name"], **system)
        candidate["updated_at"] = self._now()
        application = self.apply(
            candidate["id"],
            job["id"],
            stage_index=stage_index,
            application_date=str(given_date) if given_date else None,
            channel={"id": str(body.get("recruiting_channel_id") or "api"), "name": "API"},
        )
        self.tags[application["id"]] = [str(t) for t in body.get("tags") or []]
        self.attached[application["id"]] = [
            {**self.documents.pop(item["uuid"]), "category": item["category"]} for item in files
        ]
        self.attributes[application["id"]] = [a for a in attributes if a["id"] not in SYSTEM_ATTRIBUTES]
        return Response(b"", 201)

    def _phase(self, job_id: str, phase: Any) -> int:
        """The pipeline index a given `phase` starts the application in: a system phase by its id, a
        custom one by its integer id; an unknown custom phase is `unassigned` (documented)."""
        pipeline = self.pipeline(job_id)
        if phase is None:
            return 0
        if not isinstance(phase, dict) or phase.get("type") not in ("system", "custom"):
            raise V1Refused(400, "phase", "errors.phase-validation.invalid-system-phase")
        if phase["type"] == "system":
            if phase.get("id") not in SYSTEM_PHASES:
                raise V1Refused(400, "phase.id", "errors.phase-validation.invalid-system-phase")
            return next(i for i, s in enumerate(pipeline) if s["type"] == phase["id"])
        return next((i for i, s in enumerate(pipeline) if s["id"] == str(phase.get("id"))), 0)


def _multipart_file(content_type: str, raw: bytes) -> tuple[str, str, bytes] | None:
    """The `file` part of a multipart/form-data body: (filename, content type, bytes)."""
    if not content_type.startswith("multipart/form-data"):
        return None
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + raw
    )
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == "file":
            payload = part.get_payload(decode=True)
            filename = part.get_filename() or "file"
            return filename, part.get_content_type(), payload if isinstance(payload, bytes) else b""
    return None


def _v2_error(status: int, title: str, detail: str, headers: dict[str, str] | None = None) -> Response:
    body = {
        "personio_trace_id": str(uuid.uuid4()),
        "timestamp": _iso(datetime.now(UTC)),
        "errors": [{"title": title, "detail": detail}],
    }
    return JSONResponse(body, status, headers)


def _rate_limited() -> Response:
    return _v2_error(429, "Too Many Requests", "Rate limit exceeded")
