"""A Teamtailor API emulator: JSON:API listings over real HTTP, generated data of any size, faults.

Speaks what the connector relies on (spec §4.5, the recorded answers in shared/fixtures/teamtailor and
docs.teamtailor.com): the API under `/v1`; `Authorization: Token token=<key>` (anything else: 401) and an
`X-Api-Version` header (missing: 406), errors as JSON:API `{"errors": [{"status", "title", "detail"}]}`;
documents `{data: [{id, type, links, attributes (kebab-case), relationships}], included, meta
{record-count, page-count}, links {first, next, last}}`, records sorted by id, `page[size]` (default 10,
at most 30) and `page[number]`, `links.next` an absolute URL that keeps the request's filters and
include, absent on the last page. `include=a,b.c` puts the related resources in `included` and, as
JSON:API servers built on jsonapi-resources do, gives a relationship its linkage (`data`) only when it
is included: otherwise a relationship has `links` only.

Filters: `filter[updated-at][from]` (ISO 8601, inclusive) on `/candidates` and `/job-applications`;
`filter[email]` on `/candidates`; `filter[status]` on `/jobs`, which lists only published jobs unless
asked for another status or `all`. `GET /<type>/<id>` shows one resource, with `include` as a listing.

Writes (the write actions): `POST /candidates`, `POST /job-applications`, `PATCH /job-applications/:id`
(stage, rejected-at, reject-reason) and `POST /notes`, as JSON:API documents under
`application/vnd.api+json` (else 415). A type or key the resource does not take is 400 (`Param not
allowed`, as jsonapi-resources answers); a failed validation is 422 with `errors[{status, title, detail:
"<field> - <message>", source.pointer}]`. Modelled beyond the docs: a second application of a candidate
to one job and an application to an archived job are refused (422), a stage must be of the
application's job.

Rate limit: a fixed window of `window` requests per 10 seconds (Teamtailor: 50), `X-Rate-Limit-Limit`,
`-Remaining` and `-Reset` (seconds until the window ends) on every answer and 429 past it;
`window=None` leaves it out. The harness's exact meter (`rate`, `burst`) applies on top.

Deletions: Teamtailor has no deletion feed; a deleted resource disappears from the listings (a deleted
candidate with its job applications, notes and custom field values).

Data is deterministic. `edit`, `add_candidate`, `apply`, `move`, `reject`, `add_note`, `set_custom`,
`delete` change it; only the changed resource gets a new `updated-at` (a note or a custom field value
does not touch its candidate: Teamtailor does not document that it does).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp

from tests.emulators.harness import Emulator, FixedWindowLimit, RateMeter, WebhookSender

Json = dict[str, Any]
WINDOW_SECONDS = 10
DEFAULT_SIZE = 10
MAX_SIZE = 30
API_VERSION = "20240404"
JSONAPI = "application/vnd.api+json"

# The pipeline every generated job gets: (name, stage-type).
PIPELINE = (
    ("Inbox", "Inbox"),
    ("Screening", "In process"),
    ("Interview", "In process"),
    ("Offer", "In process"),
    ("Hired", "Hired"),
)
REASONS = (("Not a fit", True), ("Position filled", True), ("Accepted another offer", False))
CUSTOM_FIELDS = (
    ("notice-period", "Notice period", "CustomField::Text"),
    ("available-from", "Available from", "CustomField::Date"),
)
_FIRST = ["John", "Erik", "Richard", "Anna", "Maja", "Oskar", "Elsa", "Hugo", "Alice", "Nils", "Saga"]
_LAST = ["Doe", "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson"]
_JOBS = [
    ("Marketing manager", "published", "none"),
    ("Backend developer", "published", "fully"),
    ("Sales lead", "archived", "hybrid"),
    ("Designer", "draft", "temporary"),
]
_ROLES = ("admin", "recruitment_admin", "user")
_BASE = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)


def _iso(value: datetime) -> str:
    """Teamtailor's timestamps: milliseconds and an offset (`2017-01-18T21:04:56.178+01:00`)."""
    return value.isoformat(timespec="milliseconds")


def _parse(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _error(status: int, title: str, detail: str | None = None) -> JSONResponse:
    error: Json = {"status": str(status), "title": title}
    if detail:
        error["detail"] = detail
    return JSONResponse({"errors": [error]}, status, media_type=JSONAPI)


@dataclass
class Resource:
    """One JSON:API resource: its attributes and its relationships (name -> (type, id), a list of
    them for a to-many one, or None)."""

    type: str
    id: str
    attributes: Json
    relationships: dict[str, Any] = field(default_factory=dict)


# The relationships each type lists (links always; linkage when included).
RELATIONSHIPS = {
    "users": ("department", "location"),
    "reject-reasons": ("job-applications",),
    "jobs": ("department", "location", "user", "stages", "candidates"),
    "stages": ("job", "job-applications"),
    "candidates": ("job-applications", "custom-field-values", "activities"),
    "job-applications": ("candidate", "job", "stage", "reject-reason"),
    "notes": ("candidate", "user"),
    "custom-fields": (),
    "custom-field-values": ("custom-field", "owner"),
}


@dataclass
class TeamtailorEmulator(FixedWindowLimit):
    api_key: str
    seed: int = 1
    candidates: int = 40
    jobs: int = 3
    users: int = 5
    rate: float | None = None  # the harness meter: requests/s tolerated (None: unlimited)
    burst: int = 10
    window: int | None = 50  # Teamtailor's fixed window: requests per `window_seconds` (None: not applied)
    window_seconds: float = WINDOW_SECONDS
    window_refused: int = 0
    harness: Emulator = field(init=False)
    data: dict[str, dict[str, Resource]] = field(init=False)
    window_start: float = 0.0
    window_used: int = 0
    _lock: threading.RLock = field(default_factory=threading.RLock)
    # Teamtailor's company webhooks (`register_webhook`): sent after the changes below.
    webhooks: WebhookSender = field(default_factory=WebhookSender)
    _clock: datetime = field(default_factory=lambda: _BASE)
    _serial: int = 1000

    def __post_init__(self) -> None:
        self.harness = Emulator(self.api_key, RateMeter(self.rate, self.burst) if self.rate else None)
        self.data = {kind: {} for kind in RELATIONSHIPS}
        self._generate()

    # --- ids and time -------------------------------------------------------------------------

    def _id(self) -> str:
        """Numeric ids as strings, ascending with creation (Teamtailor's)."""
        self._serial += 1
        return str(self._serial)

    def _now(self) -> str:
        """A strictly increasing wall-clock time, for edits."""
        self._clock = max(self._clock + timedelta(seconds=1), datetime.now(UTC).replace(microsecond=0))
        return _iso(self._clock)

    def _put(self, kind: str, attributes: Json, **relationships: Any) -> Resource:
        resource = Resource(kind, self._id(), attributes, relationships)
        self.data[kind][resource.id] = resource
        return resource

    # --- generation ---------------------------------------------------------------------------

    def _generate(self) -> None:
        for n in range(self.users):
            name = f"{_FIRST[(n + 1) % len(_FIRST)]} {_LAST[(n + 2) % len(_LAST)]}"
            self._put(
                "users",
                {
                    "name": name,
                    "email": f"{name.lower().replace(' ', '.')}@example.com",
                    "login-email": f"{name.lower().replace(' ', '.')}@example.com",
                    "role": _ROLES[min(n, len(_ROLES) - 1)],
                    "title": "Recruiter",
                    "visible": True,
                    "hide-email": False,
                },
            )
        for reason, by_company in REASONS:
            self._put("reject-reasons", {"reason": reason, "rejected-by-company": by_company})
        for api_name, name, kind in CUSTOM_FIELDS:
            self._put(
                "custom-fields", {"api-name": api_name, "name": name, "field-type": kind, "owner-type": "Candidate"}
            )
        for n in range(self.jobs):
            self.add_job(n)
        jobs = sorted(self.data["jobs"], key=int)
        for n in range(self.candidates):
            candidate = self.add_candidate(n, generated=True)
            application = self.apply(candidate.id, jobs[n % len(jobs)], stage=n % len(PIPELINE), generated=True)
            if n % 5 == 4:
                self.reject(application.id, sorted(self.data["reject-reasons"], key=int)[n % len(REASONS)], touch=False)
            if n % 7 == 3:  # a second application, to another job
                self.apply(candidate.id, jobs[(n + 1) % len(jobs)], stage=0, generated=True)
            if n % 2 == 0:
                self.set_custom(candidate.id, "notice-period", f"{n % 3 + 1} months")
            if n % 6 == 0:
                self.add_note(candidate.id, f"Note {n}: called, sounds promising")

    def add_job(self, n: int) -> Resource:
        title, status, remote = _JOBS[n % len(_JOBS)]
        created = _iso(_BASE - timedelta(days=60 - n))
        job = self._put(
            "jobs",
            {
                "title": title,
                "body": f"<p>{title}: join us.</p>",
                "pitch": "Become part of something great!",
                "status": "open" if status == "published" else status,
                "human-status": status,
                "remote-status": remote,
                "tags": ["Ruby"],
                "created-at": created,
                "updated-at": created,
            },
            user=("users", sorted(self.data["users"], key=int)[0]),
        )
        for position, (name, kind) in enumerate(PIPELINE):
            self._put(
                "stages",
                {
                    "name": name,
                    "stage-type": kind,
                    # Teamtailor orders stages by `row-order`, a sparse sort key (negative ones too).
                    "row-order": (position - 1) * 4194304,
                    "created-at": created,
                    "updated-at": created,
                },
                job=("jobs", job.id),
            )
        return job

    def add_candidate(self, n: int, *, generated: bool = False) -> Resource:
        first, last = _FIRST[n % len(_FIRST)], _LAST[(n // len(_FIRST) + n) % len(_LAST)]
        created = _iso(_BASE + timedelta(hours=n)) if generated else self._now()
        return self._put(
            "candidates",
            {
                "first-name": first,
                "last-name": last,
                "email": f"{first.lower()}.{last.lower()}.{n}@example.com",
                "phone": f"+46700{n:05d}" if n % 2 else "",
                "pitch": "I like turtles" if n % 3 == 0 else None,
                "linkedin-url": f"https://www.linkedin.com/in/{first.lower()}{n}" if n % 4 == 0 else None,
                "referring-site": "LinkedIn" if n % 3 == 1 else None,
                "sourced": n % 4 == 0,
                "internal": False,
                "tags": ["backend"] if n % 5 == 0 else [],
                "created-at": created,
                "updated-at": created,
            },
        )

    def _stages_of(self, job_id: str) -> list[Resource]:
        stages = [s for s in self.data["stages"].values() if s.relationships["job"][1] == job_id]
        return sorted(stages, key=lambda s: s.attributes["row-order"])

    def apply(self, candidate_id: str, job_id: str, *, stage: int = 0, generated: bool = False) -> Resource:
        """A job application of the candidate to the job, in the job's `stage`-th stage."""
        with self._lock:
            at = self.data["candidates"][candidate_id].attributes["created-at"] if generated else self._now()
            application = self._put(
                "job-applications",
                {
                    "cover-letter": None,
                    "sourced": False,
                    "rejected-at": None,
                    "changed-stage-at": at,
                    "created-at": at,
                    "updated-at": at,
                },
                candidate=("candidates", candidate_id),
                job=("jobs", job_id),
                stage=("stages", self._stages_of(job_id)[stage].id),
                **{"reject-reason": None},
            )
            if not generated:
                self.notify("create", application)
            return application

    def add_note(self, candidate_id: str, text: str, user: str | None = None) -> Resource:
        with self._lock:
            at = self._now()
            user = user or sorted(self.data["users"], key=int)[0]
            return self._put(
                "notes",
                {"note": text, "private-note": False, "created-at": at, "updated-at": at},
                candidate=("candidates", candidate_id),
                user=("users", user),
            )

    def set_custom(self, candidate_id: str, api_name: str, value: Any) -> Resource:
        """Set (or change) a candidate's value of a custom field; the candidate is untouched."""
        with self._lock:
            custom = next(f for f in self.data["custom-fields"].values() if f.attributes["api-name"] == api_name)
            for existing in self.data["custom-field-values"].values():
                if existing.relationships["owner"] == ("candidates", candidate_id) and existing.relationships[
                    "custom-field"
                ] == ("custom-fields", custom.id):
                    existing.attributes["value"] = value
                    return existing
            return self._put(
                "custom-field-values",
                {"field-type": custom.attributes["field-type"], "value": value},
                **{"custom-field": ("custom-fields", custom.id), "owner": ("candidates", candidate_id)},
            )

    # --- changes ------------------------------------------------------------------------------

    def edit(self, kind: str, resource_id: str, **changes: Any) -> None:
        """Change attributes (kebab-case keys); a resource with an `updated-at` gets a new one."""
        with self._lock:
            resource = self.data[kind][resource_id]
            resource.attributes.update(changes)
            if "updated-at" in resource.attributes:
                resource.attributes["updated-at"] = self._now()
            self.notify("update", resource)

    def move(self, application_id: str, stage_id: str) -> None:
        with self._lock:
            self.data["job-applications"][application_id].relationships["stage"] = ("stages", stage_id)
            now = self._now()
            self.edit("job-applications", application_id, **{"changed-stage-at": now})

    def reject(self, application_id: str, reason_id: str | None, *, touch: bool = True) -> None:
        with self._lock:
            application = self.data["job-applications"][application_id]
            application.relationships["reject-reason"] = ("reject-reasons", reason_id) if reason_id else None
            at = self._now() if touch else application.attributes["created-at"]
            application.attributes["rejected-at"] = at
            if touch:
                self.edit("job-applications", application_id)

    def delete(self, kind: str, resource_id: str) -> None:
        """Gone from every listing; a candidate's applications, notes and custom field values go with it."""
        with self._lock:
            self.notify("destroy", self.data[kind].pop(resource_id))
            if kind == "candidates":
                for dependent, link in (
                    ("job-applications", "candidate"),
                    ("notes", "candidate"),
                    ("custom-field-values", "owner"),
                ):
                    for rid in [
                        r for r, x in self.data[dependent].items() if x.relationships[link] == (kind, resource_id)
                    ]:
                        self.notify("destroy", self.data[dependent].pop(rid))

    # --- webhooks ------------------------------------------------------------------------------

    def register_webhook(self, url: str, signature_key: str) -> None:
        """A company webhook for the candidate and job application events, to `url`."""
        self.webhooks.register(url, signature_key)

    def notify(self, action: str, resource: Resource) -> None:
        """Send `{"payload": {event_name, data}, "signature"}` for a candidate's or job application's
        change: the signature the base64 of the hex HMAC-SHA256 of the payload's JSON (as sent)."""
        name = {"candidates": "candidate", "job-applications": "job_application"}.get(resource.type)
        if name is None:
            return
        data = {"id": resource.id, "type": resource.type, "attributes": dict(resource.attributes)}
        payload = json.dumps({"event_name": f"{name}.{action}", "data": data}, separators=(",", ":")).encode()

        def sign(key: str) -> tuple[dict[str, str], bytes]:
            digest = hmac.new(key.encode(), payload, hashlib.sha256).hexdigest()
            signature = base64.b64encode(digest.encode()).decode()
            return {
                "Content-Type": "application/json"
            }, b'{"payload":' + payload + b',"signature":"' + signature.encode() + b'"}'

        self.webhooks.send(sign)

    # --- the HTTP app ------------------------------------------------------------------------

    def app(self) -> ASGIApp:
        routes = [Route(f"/{kind}", self._answering(self._lister(kind)), methods=["GET"]) for kind in RELATIONSHIPS]
        routes += [
            Route(f"/{kind}/{{id}}", self._answering(self._shower(kind)), methods=["GET"]) for kind in RELATIONSHIPS
        ]
        writes: list[tuple[str, str, Callable[[Request, Json], Response]]] = [
            ("POST", "/candidates", self._w_candidate),
            ("POST", "/job-applications", self._w_application),
            ("PATCH", "/job-applications/{id}", self._w_update_application),
            ("POST", "/notes", self._w_note),
        ]
        routes += [
            Route(path, self._answering(self._writing(handler)), methods=[method]) for method, path, handler in writes
        ]
        return self.harness.middleware(Starlette(routes=[Mount("/v1", routes=routes)]), _rate_limited)

    def _answering(self, handler: Callable[[Request, bytes], Response]) -> Callable[[Request], Any]:
        """Auth, the version header and the rate limit, then `handler` (under the lock)."""

        async def endpoint(request: Request) -> Response:
            raw = await request.body()
            with self._lock:
                spent = self._spend()
                if request.headers.get("authorization") != f"Token token={self.api_key}":
                    answer: Response = _error(401, "Unauthorized", "The API key is missing or not valid")
                elif not request.headers.get("x-api-version"):
                    answer = _error(406, "Not Acceptable", "The X-Api-Version header is required")
                elif spent:
                    answer = _error(429, "Too Many Requests")
                else:
                    try:
                        answer = handler(request, raw)
                    except Refused as refused:
                        answer = refused.response()
                answer.headers.update(self._window_headers())
                return answer

        return endpoint

    def _lister(self, kind: str) -> Callable[[Request, bytes], Response]:
        return lambda request, _raw: self._listing(request, kind)

    def _shower(self, kind: str) -> Callable[[Request, bytes], Response]:
        """`GET /<type>/<id>`: the resource as a listing shows it, with its `include`s."""

        def show(request: Request, _raw: bytes) -> Response:
            resource = self.data[kind].get(request.path_params["id"])
            if resource is None:
                raise Refused(
                    404, "Record not found", f"The record identified by {request.path_params['id']} could not be found."
                )
            includes = self._includes(request, kind)
            included: dict[tuple[str, str], Json] = {}
            body: Json = {"data": self._document(resource, includes, included)}
            if includes:
                body["included"] = list(included.values())
            return JSONResponse(body, media_type=JSONAPI)

        return show

    def _includes(self, request: Request, kind: str) -> list[list[str]]:
        includes = [path.split(".") for path in request.query_params.get("include", "").split(",") if path]
        for path in includes:
            if path[0] not in RELATIONSHIPS[kind]:
                raise Refused(400, "Invalid include", f"{path[0]} is not a relationship of {kind}")
        return includes

    def _filtered(self, request: Request, kind: str) -> list[Resource] | Response:
        query = request.query_params
        found = sorted(self.data[kind].values(), key=lambda r: int(r.id))
        since = query.get("filter[updated-at][from]")
        if since is not None:
            if kind not in ("candidates", "job-applications"):
                return _error(400, "Invalid filter", f"updated-at is not a filter of {kind}")
            bound = _parse(since)
            if bound is None:
                return _error(400, "Invalid filter value", f"{since} is not a valid date")
            found = [r for r in found if (_parse(r.attributes["updated-at"]) or bound) >= bound]
        email = query.get("filter[email]")
        if email is not None:
            if kind != "candidates":
                return _error(400, "Invalid filter", f"email is not a filter of {kind}")
            found = [r for r in found if str(r.attributes.get("email") or "").lower() == email.lower()]
        if kind == "jobs":
            status = query.get("filter[status]", "published")
            found = [j for j in found if status == "all" or j.attributes["human-status"] == status]
        return found

    def _listing(self, request: Request, kind: str) -> Response:
        query = request.query_params
        try:
            size = min(int(query.get("page[size]") or DEFAULT_SIZE), MAX_SIZE)
            number = max(int(query.get("page[number]") or 1), 1)
        except ValueError:
            return _error(400, "Invalid page", "page[size] and page[number] must be integers")
        found = self._filtered(request, kind)
        if isinstance(found, Response):
            return found
        includes = self._includes(request, kind)
        page = found[(number - 1) * size : number * size]
        count = max(1, math.ceil(len(found) / size))
        included: dict[tuple[str, str], Json] = {}
        data = [self._document(r, includes, included) for r in page]
        base = str(request.url).split("?")[0]

        def link(n: int) -> str:
            params = {k: v for k, v in query.items() if not k.startswith("page[")}
            return f"{base}?{urlencode({**params, 'page[number]': n, 'page[size]': size})}"

        links = {"first": link(1), "last": link(count)}
        if number < count:
            links["next"] = link(number + 1)
        body: Json = {"data": data, "meta": {"record-count": len(found), "page-count": count}, "links": links}
        if includes:
            body["included"] = list(included.values())
        return JSONResponse(body, media_type=JSONAPI)

    def _document(self, resource: Resource, includes: list[list[str]], included: dict[tuple[str, str], Json]) -> Json:
        """A resource as JSON:API shows it; the resources `includes` name go into `included`."""
        base = f"http://api.teamtailor.test/v1/{resource.type}/{resource.id}"
        relationships: Json = {}
        for name in RELATIONSHIPS[resource.type]:
            entry: Json = {"links": {"self": f"{base}/relationships/{name}", "related": f"{base}/{name}"}}
            nested = [path[1:] for path in includes if path[0] == name]
            if nested:
                linked = self._linked(resource, name)
                refs = linked if isinstance(linked, list) else [linked] if linked else []
                entry["data"] = (
                    [{"type": t, "id": i} for t, i in refs]
                    if isinstance(linked, list)
                    else ({"type": linked[0], "id": linked[1]} if linked else None)
                )
                for rtype, rid in refs:
                    target = self.data[rtype].get(rid)
                    if target is not None and (rtype, rid) not in included:
                        included[(rtype, rid)] = {}  # reserved first: a cycle ends here
                        included[(rtype, rid)] = self._document(target, [p for p in nested if p], included)
            relationships[name] = entry
        links = {"self": base}
        if resource.type == "jobs":  # the job's page on the career site, as the recordings show
            slug = resource.attributes["title"].lower().replace(" ", "-")
            links["careersite-job-url"] = f"https://career.example.com/jobs/{resource.id}-{slug}"
        return {
            "id": resource.id,
            "type": resource.type,
            "links": links,
            "attributes": dict(resource.attributes),
            "relationships": relationships,
        }

    def _linked(self, resource: Resource, name: str) -> Any:
        """A relationship's target(s): stored on the resource, or the to-many ones found by their back link."""
        if name in resource.relationships:
            return resource.relationships[name]
        back = {
            ("candidates", "custom-field-values"): ("custom-field-values", "owner"),
            ("candidates", "job-applications"): ("job-applications", "candidate"),
            ("jobs", "stages"): ("stages", "job"),
        }.get((resource.type, name))
        if back is None:
            return [] if name.endswith("s") else None
        kind, link = back
        return [
            (kind, r.id)
            for r in sorted(self.data[kind].values(), key=lambda r: int(r.id))
            if r.relationships[link] == (resource.type, resource.id)
        ]

    # --- writes (docs.teamtailor.com's create/update sections; the recorded bodies in fixtures/teamtailor/write) --

    def _writing(self, handler: Callable[[Request, Json], Response]) -> Callable[[Request, bytes], Response]:
        """A JSON:API write: the media type, a parseable body and its `data` object, as Teamtailor checks them."""

        def write(request: Request, raw: bytes) -> Response:
            media = request.headers.get("content-type", "").split(";")[0].strip()
            if media != JSONAPI:
                raise Refused(
                    415,
                    "Unsupported media type",
                    f"All requests that create or update must use the '{JSONAPI}' Content-Type.",
                )
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                raise Refused(400, "Bad Request", "The request body is not valid JSON") from None
            data = body.get("data") if isinstance(body, dict) else None
            if not isinstance(data, dict):
                raise Refused(400, "Missing Parameter", "The required parameter, data, is missing.")
            return handler(request, data)

        return write

    def _typed(self, data: Json, kind: str) -> tuple[Json, Json]:
        """The write's attributes and relationships; a wrong `type`, or an attribute or relationship the
        resource does not take, refused as jsonapi-resources refuses it."""
        if data.get("type") != kind:
            raise Refused(400, "Invalid resource", f"{data.get('type')} is not a valid resource.")
        attributes, relationships = data.get("attributes") or {}, data.get("relationships") or {}
        if not isinstance(attributes, dict) or not isinstance(relationships, dict):
            raise Refused(400, "Bad Request", "attributes and relationships must be objects")
        allowed = WRITABLE[kind]
        for name in [*attributes, *relationships]:
            if name not in allowed:
                raise Refused(400, "Param not allowed", f"{name} is not allowed.")
        return attributes, relationships

    def _related(self, relationships: Json, name: str, kind: str, *, required: bool = True) -> str | None:
        """The id a to-one relationship of the write points at, which must exist."""
        entry = relationships.get(name)
        linkage = entry.get("data") if isinstance(entry, dict) else None
        if linkage is None:
            if required:
                raise Invalid(name, "must exist", relationship=True)
            return None
        if not isinstance(linkage, dict) or linkage.get("id") is None or linkage.get("type", kind) != kind:
            raise Refused(400, "Invalid linkage", f"{name} must be {{data: {{type: {kind}, id}}}}")
        related = str(linkage["id"])
        if related not in self.data[kind]:
            raise Invalid(name, "must exist", relationship=True)
        return related

    def _answer(self, resource: Resource, status: int) -> Response:
        return JSONResponse({"data": self._document(resource, [], {})}, status, media_type=JSONAPI)

    def _w_candidate(self, request: Request, data: Json) -> Response:
        """`POST /candidates`: `email` required unless `sourced`, unique in the company unless `merge`
        (which updates the existing candidate instead)."""
        attributes, _ = self._typed(data, "candidates")
        email = attributes.get("email")
        if not email and not attributes.get("sourced"):
            raise Invalid("email", "can't be blank")
        given = {k: v for k, v in attributes.items() if k != "merge"}
        same = next(
            (
                c
                for c in self.data["candidates"].values()
                if email and str(c.attributes["email"]).lower() == email.lower()
            ),
            None,
        )
        if same is not None:
            if not attributes.get("merge"):
                raise Invalid("email", "has already been taken")
            self.edit("candidates", same.id, **given)
            return self._answer(same, 200)
        now = self._now()
        defaults: Json = {"phone": None, "pitch": None, "linkedin-url": None, "referring-site": None, "sourced": False}
        candidate = self._put(
            "candidates",
            {**defaults, "internal": False, "tags": [], **given, "created-at": now, "updated-at": now},
        )
        self.notify("create", candidate)
        return self._answer(candidate, 201)

    def _w_application(self, request: Request, data: Json) -> Response:
        """`POST /job-applications`: a candidate and a job (not archived), once per candidate and job; it
        starts in the job's first stage."""
        attributes, relationships = self._typed(data, "job-applications")
        candidate = self._related(relationships, "candidate", "candidates")
        job = self._related(relationships, "job", "jobs")
        assert candidate is not None and job is not None
        if self.data["jobs"][job].attributes["human-status"] == "archived":
            raise Invalid("job", "is archived", relationship=True)
        for existing in self.data["job-applications"].values():
            if existing.relationships["candidate"] == ("candidates", candidate) and existing.relationships["job"] == (
                "jobs",
                job,
            ):
                raise Invalid("candidate", "has already applied to this job", relationship=True)
        application = self.apply(candidate, job)
        application.attributes.update({k: v for k, v in attributes.items() if k in ("cover-letter", "sourced")})
        return self._answer(application, 201)

    def _w_update_application(self, request: Request, data: Json) -> Response:
        """`PATCH /job-applications/:id`: `stage` (one of the job's), `rejected-at` (a time, or null to
        un-reject) and `reject-reason`."""
        application = self.data["job-applications"].get(request.path_params["id"])
        if application is None:
            raise Refused(
                404, "Record not found", f"The record identified by {request.path_params['id']} could not be found."
            )
        if str(data.get("id")) != application.id:
            raise Refused(400, "Key is not included in URL", f"The URL does not support the key {data.get('id')}")
        attributes, relationships = self._typed(data, "job-applications")
        if "rejected-at" in attributes and attributes["rejected-at"] is not None:
            at = _parse(str(attributes["rejected-at"]))
            if at is None:
                raise Invalid("rejected-at", "is not a valid date")
            attributes["rejected-at"] = _iso(at)
        stage = self._related(relationships, "stage", "stages", required=False) if "stage" in relationships else None
        job = application.relationships["job"]
        if stage is not None and self.data["stages"][stage].relationships["job"] != job:
            raise Invalid("stage", "must be a stage of the job application's job", relationship=True)
        reason = (
            self._related(relationships, "reject-reason", "reject-reasons", required=False)
            if "reject-reason" in relationships
            else None
        )
        if stage is not None:
            self.move(application.id, stage)
        if "reject-reason" in relationships:
            application.relationships["reject-reason"] = ("reject-reasons", reason) if reason else None
        self.edit("job-applications", application.id, **attributes)
        return self._answer(application, 200)

    def _w_note(self, request: Request, data: Json) -> Response:
        """`POST /notes`: the text, the candidate and the user who writes it."""
        attributes, relationships = self._typed(data, "notes")
        text = attributes.get("note")
        if not isinstance(text, str) or not text.strip():
            raise Invalid("note", "can't be blank")
        candidate = self._related(relationships, "candidate", "candidates")
        user = self._related(relationships, "user", "users")
        assert candidate is not None
        return self._answer(self.add_note(candidate, text, user), 201)


class Refused(Exception):
    """An answer in Teamtailor's error shape."""

    def __init__(self, status: int, title: str, detail: str | None = None, pointer: str | None = None) -> None:
        super().__init__(title)
        self.status, self.title, self.detail, self.pointer = status, title, detail, pointer

    def response(self) -> Response:
        error: Json = {"status": str(self.status), "title": self.title}
        if self.detail:
            error["detail"] = self.detail
        if self.pointer:
            error["source"] = {"pointer": self.pointer}
        return JSONResponse({"errors": [error]}, self.status, media_type=JSONAPI)


class Invalid(Refused):
    """A validation failure: 422 with the attribute's (or relationship's) message and pointer, as
    Rails' validations read in Teamtailor's answers (`email - has already been taken`)."""

    def __init__(self, name: str, message: str, *, relationship: bool = False) -> None:
        where = "relationships" if relationship else "attributes"
        super().__init__(422, message, f"{name} - {message}", f"/data/{where}/{name}")


# What each written type takes (attributes and relationships), as its create/update sections list them.
WRITABLE = {
    "candidates": frozenset(
        {"first-name", "last-name", "email", "phone", "pitch", "resume", "sourced", "tags", "merge", "linkedin-url"}
        | {"unsubscribed", "set-consent-expiration"}
    ),
    "job-applications": frozenset(
        {"cover-letter", "sourced", "rejected-at", "send-user-notifications", "send-default-reply"}
        | {"candidate", "job", "stage", "reject-reason"}
    ),
    "notes": frozenset({"note", "private-note", "candidate", "user"}),
}


def _rate_limited() -> Response:
    return _error(429, "Too Many Requests")
