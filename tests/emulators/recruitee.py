"""A Recruitee API emulator: listings and the write endpoints over real HTTP, generated data, faults.

Speaks what the connector relies on (spec §4.7; docs.recruitee.com where the search corpus reaches
it, the rest marked in docs/connectors/recruitee.md as unverified): the API under `/c/<company_id>`
(an unknown company id: 404), `Authorization: Bearer <personal API token>` (anything else: 401).
Errors are `{"error": "<message>"}` (unverified: no recorded Recruitee error was reachable).

- `GET /candidates`: `{"candidates": [...]}`, newest first (the documented default `sort=by_date`),
  `limit` and `offset` (both absent: every candidate, as the docs say), `created_after`
  (`yyyy-mm-ddThh:mm[:ss]`, exclusive), `ids` (comma-separated), `offer_id`, `qualified` /
  `disqualified`. No updated filter: the docs list none. Each candidate carries its `placements` (one
  per job or talent pool it is assigned to: `stage_id`, `hired_at`, `disqualified_at`,
  `disqualify_reason`) and its tag names.
- `GET /candidates/:id`: `{"candidate": {...}, "references": [...]}`, the candidate with its
  profile fields (`fields`: `{id, name, kind, values}`, the values' keys by kind as in the docs'
  payloads for adding a field -- `text`, `flag`, `number`, `value`, `country_code`, language skills'
  `language_code` and `level`), which the list leaves out (unverified: the list's documented
  fields name none; the detail's field list is a third-party client's); the references are the
  admin who added the candidate. `GET /candidates/:id/notes` (`{"notes": [...]}`).
- `GET /offers`: `{"offers": [...]}`, jobs and talent pools (`kind`), one answer; `GET /offers/:id`:
  `{"offer": {...}}` with its `pipeline_template.stages` (the pipeline's stages, with ids).
- `GET /disqualify_reasons`, `GET /tags`: one answer each.
- `GET /memberships`: the company's team, `page` / `limit` (default 25); the admins (names,
  emails) in `references`, as a third-party client describes it (unverified).
- Writes: `POST /candidates` (`{"candidate": {...}, "offers": [id]}`: placed in each offer's first
  stage), `PATCH /placements/:id/change_stage` (`{"stage_id"}`), `PATCH /placements/:id/disqualify`
  (`{"disqualify_reason_id"}`), `POST /candidates/:id/notes` (`{"note": {"body"}}`).

Rate limit: Recruitee documents none. The emulator applies a fixed window of `window` requests per
`window_seconds` (default 100 per 10 s, a guess) answered with 429 and `Retry-After` only: no
`X-Rate-Limit-*` headers are invented. The harness's exact meter (`rate`, `burst`) applies on top.

Deletions: no deletion feed; a deleted candidate (with its placements, notes and profile fields), offer or note
disappears from the listings.

Data is deterministic from a seed. `edit`, `add_candidate`, `place`, `move`, `disqualify`, `hire`,
`add_note`, `set_field`, `delete` change it; a change moves the changed record's `updated_at` (a
profile field set moves none: whether Recruitee moves the candidate's is unknown). Webhooks
(`register_webhook`): a stage change, a disqualification and a candidate's deletion are sent, signed
as integration notes describe Recruitee's (unverified).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp

from tests.emulators.harness import Emulator, FixedWindowLimit, RateMeter, WebhookSender

Json = dict[str, Any]
DEFAULT_MEMBERSHIPS = 25
# Each offer's pipeline: (name, category). Recruitee's categories group stages (unverified names).
PIPELINE = (
    ("Applied", "apply"),
    ("Phone screen", "phone_screen"),
    ("Interview", "interview"),
    ("Offer", "offer"),
    ("Hired", "hire"),
)
REASONS = ("Not qualified", "Position filled", "Withdrew", "No show")
TAGS = ("backend", "senior", "referral")
_FIRST = ["Jasper", "Lotte", "Daan", "Sanne", "Bram", "Femke", "Ruben", "Iris", "Thijs", "Noor", "Milan"]
_LAST = ["de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "Bos"]
# (title, kind, status, remote)
_OFFERS = [
    ("Backend engineer", "job", "published", True),
    ("Account executive", "job", "published", False),
    ("Product designer", "job", "closed", False),
    ("Future engineers", "talent_pool", "published", False),
    ("Data analyst", "job", "draft", True),
]
_ROLES = ("admin", "recruiter", "hiring_manager")
_BASE = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _profile(n: int) -> list[tuple[str | None, str, list[Json]]]:
    """The generated candidate `n`'s profile fields: (name, kind, values), a few kinds of each."""
    fields: list[tuple[str | None, str, list[Json]]] = []
    if n % 2 == 0:
        fields.append(("Notice period", "single_line", [{"text": f"{n % 3 + 1} months"}]))
    if n % 3 == 0:
        fields.append(("Willing to relocate", "boolean", [{"flag": n % 2 == 0}]))
    if n % 4 == 1:  # the docs add an address without a name
        fields.append((None, "address", [{"text": f"Keizersgracht {300 + n}, 1016 EE Amsterdam, Netherlands"}]))
    if n % 5 == 2:
        skills = [{"language_code": "en", "level": "advanced"}, {"language_code": "nl", "level": "native"}]
        fields.append(("Languages", "language_skill", skills))
    if n % 6 == 1:
        fields.append(("Seniority", "dropdown", [{"value": "Senior" if n % 4 == 1 else "Medior"}]))
    if n % 7 == 0:
        fields.append(("Expected salary", "number", [{"number": str(50000 + 1000 * n)}]))
    return fields


def _iso(value: datetime) -> str:
    """Recruitee's timestamps: microseconds and a `Z` (`2023-02-07T07:09:08.809894Z`)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status, headers=headers)


def _parse_after(value: str) -> datetime | None:
    """`created_after`: `yyyy-mm-ddThh:mm:ss`, seconds optional (the docs), read as UTC."""
    for pattern in ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"):
        try:
            return datetime.strptime(value, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def _flag(value: str | None) -> bool:
    return value in ("true", "1")


@dataclass
class RecruiteeEmulator(FixedWindowLimit):
    api_key: str
    company_id: str = "61234"
    seed: int = 1
    candidates: int = 40
    offers: int = 4
    admins: int = 4
    rate: float | None = None  # the harness meter: requests/s tolerated (None: unlimited)
    burst: int = 10
    window: int | None = 100  # requests per `window_seconds` (Recruitee publishes no number)
    window_seconds: float = 10
    window_refused: int = 0
    harness: Emulator = field(init=False)
    data: dict[str, dict[int, Json]] = field(init=False)
    window_start: float = 0.0
    window_used: int = 0
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _clock: datetime = field(default_factory=lambda: _BASE + timedelta(days=30))
    _serial: int = 5000
    # Recruitee's webhooks (`register_webhook`): sent after the changes below that Recruitee sends one for.
    webhooks: WebhookSender = field(default_factory=WebhookSender)

    def __post_init__(self) -> None:
        self.harness = Emulator(self.api_key, RateMeter(self.rate, self.burst) if self.rate else None)
        kinds = ("admins", "memberships", "disqualify_reasons", "tags", "offers", "stages")
        self.data = {kind: {} for kind in (*kinds, "candidates", "placements", "notes", "fields")}
        self._generate()

    # --- ids and time -------------------------------------------------------------------------

    def _id(self) -> int:
        self._serial += 1
        return self._serial

    def _now(self) -> str:
        """A strictly increasing time, for changes."""
        self._clock = max(self._clock + timedelta(seconds=1), datetime.now(UTC).replace(microsecond=0))
        return _iso(self._clock)

    # --- generation ---------------------------------------------------------------------------

    def _generate(self) -> None:
        rng = random.Random(self.seed)
        for n in range(self.admins):
            first, last = _FIRST[(n + 3) % len(_FIRST)], _LAST[(n + 1) % len(_LAST)]
            admin = self._id()
            email = f"{first.lower()}.{last.lower().replace(' ', '')}@example.com"
            self.data["admins"][admin] = {"id": admin, "first_name": first, "last_name": last, "email": email}
            membership = self._id()
            self.data["memberships"][membership] = {
                "id": membership,
                "admin_id": admin,
                "role": _ROLES[min(n, len(_ROLES) - 1)],
                "status": "inactive" if n == self.admins - 1 and n > 0 else "active",
            }
        for position, name in enumerate(REASONS):
            rid = self._id()
            self.data["disqualify_reasons"][rid] = {"id": rid, "name": name, "position": position}
        for name in TAGS:
            tid = self._id()
            self.data["tags"][tid] = {"id": tid, "name": name, "taggings_count": 0}
        for n in range(self.offers):
            self.add_offer(n)
        offers = sorted(self.data["offers"])
        reasons = sorted(self.data["disqualify_reasons"])
        for n in range(self.candidates):
            candidate = self.add_candidate(n, generated=True)
            placement = self.place(candidate, offers[n % len(offers)], stage=n % 4, generated=True)
            if n % 5 == 4:
                self.disqualify(placement, reasons[n % len(reasons)], touch=False)
            elif n % 9 == 8:
                self.hire(placement, touch=False)
            if n % 7 == 3:  # assigned to a second offer too
                self.place(candidate, offers[(n + 1) % len(offers)], stage=0, generated=True)
            if n % 3 == 0:
                self.add_note(candidate, f"Note {n}: good call, {rng.choice(['strong', 'solid', 'promising'])}")
            for label, kind, values in _profile(n):
                self.set_field(candidate, label, kind, values)

    def add_offer(self, n: int) -> int:
        title, kind, status, remote = _OFFERS[n % len(_OFFERS)]
        created = _iso(_BASE - timedelta(days=40 - n))
        oid = self._id()
        slug = title.lower().replace(" ", "-")
        self.data["offers"][oid] = {
            "id": oid,
            "kind": kind,
            "title": title,
            "status": status,
            "slug": slug,
            "department": "Engineering" if n % 2 == 0 else "Sales",
            "city": "Amsterdam",
            "country_code": "NL",
            "remote": remote,
            "employment_type_code": "fulltime" if n % 3 else "parttime",
            "careers_url": f"https://acme.recruitee.com/o/{slug}",
            "created_at": created,
            "updated_at": created,
            "pipeline_template_id": oid + 1,
        }
        for position, (name, category) in enumerate(PIPELINE):
            sid = self._id()
            self.data["stages"][sid] = {
                "id": sid,
                "offer_id": oid,
                "name": name,
                "position": position,
                "category": category,
            }
        return oid

    def add_candidate(self, n: int, *, generated: bool = False) -> int:
        first, last = _FIRST[n % len(_FIRST)], _LAST[(n // len(_FIRST) + n) % len(_LAST)]
        created = _iso(_BASE + timedelta(hours=n)) if generated else self._now()
        cid = self._id()
        self.data["candidates"][cid] = {
            "id": cid,
            "name": f"{first} {last}",
            "emails": [f"{first.lower()}.{n}@example.com"],
            "phones": [f"+3161{n:07d}"] if n % 2 else [],
            "sources": ["LinkedIn"] if n % 3 == 1 else [],
            "tags": [TAGS[n % len(TAGS)]] if n % 4 == 0 else [],
            "admin_id": min(self.data["admins"]),
            "created_at": created,
            "updated_at": created,
        }
        return cid

    def _stages_of(self, offer_id: int) -> list[Json]:
        return sorted(
            (s for s in self.data["stages"].values() if s["offer_id"] == offer_id), key=lambda s: s["position"]
        )

    def place(self, candidate_id: int, offer_id: int, *, stage: int = 0, generated: bool = False) -> int:
        """Assign the candidate to the offer, in its `stage`-th stage: a placement."""
        with self._lock:
            at = self.data["candidates"][candidate_id]["created_at"] if generated else self._now()
            pid = self._id()
            self.data["placements"][pid] = {
                "id": pid,
                "candidate_id": candidate_id,
                "offer_id": offer_id,
                "stage_id": self._stages_of(offer_id)[stage]["id"],
                "created_at": at,
                "updated_at": at,
                "hired_at": None,
                "hired_by_id": None,
                "disqualified_at": None,
                "disqualify_reason_id": None,
            }
            return pid

    def set_field(self, candidate_id: int, name: str | None, kind: str, values: list[Json]) -> int:
        """Set the candidate's profile field `name` (or, without a name, of `kind`) to `values`; the
        candidate's `updated_at` stays."""
        with self._lock:
            found = next(
                (
                    fid
                    for fid, f in self.data["fields"].items()
                    if f["candidate_id"] == candidate_id and (f["name"], f["kind"]) == (name, kind)
                ),
                None,
            )
            fid = self._id() if found is None else found
            self.data["fields"][fid] = {
                "id": fid,
                "candidate_id": candidate_id,
                "name": name,
                "kind": kind,
                "values": [dict(v) for v in values],
            }
            return fid

    def add_note(self, candidate_id: int, body: str, admin_id: int | None = None) -> int:
        with self._lock:
            at = self._now()
            nid = self._id()
            self.data["notes"][nid] = {
                "id": nid,
                "candidate_id": candidate_id,
                "admin_id": admin_id or min(self.data["admins"]),
                "body": body,
                "created_at": at,
                "updated_at": at,
            }
            return nid

    # --- webhooks -------------------------------------------------------------------------------

    def register_webhook(self, url: str, secret: str) -> None:
        self.webhooks.register(url, secret)

    def notify(self, event_type: str, subtype: str | None, candidate_id: int, placement_id: int | None = None) -> None:
        """Send Recruitee's webhook `{id, event_type, event_subtype, payload: {candidate, placement}}`,
        signed `X-Recruitee-Signature: <hex HMAC-SHA256 of the body>` (unverified, see the connector's docs)."""
        if not self.webhooks.targets:
            return  # nobody listens: no event (and no event id drawn)
        payload: Json = {"candidate": {"id": candidate_id}}
        if placement_id is not None:
            payload["placement"] = {"id": placement_id}
        body = json.dumps(
            {"id": self._id(), "event_type": event_type, "event_subtype": subtype, "payload": payload}
        ).encode()

        def sign(secret: str) -> tuple[dict[str, str], bytes]:
            return {"X-Recruitee-Signature": hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}, body

        self.webhooks.send(sign)

    # --- changes ------------------------------------------------------------------------------

    def edit(self, kind: str, record_id: int, **changes: Any) -> None:
        """Change fields; a record with an `updated_at` gets a new one."""
        with self._lock:
            record = self.data[kind][record_id]
            record.update(changes)
            if "updated_at" in record:
                record["updated_at"] = self._now()

    def move(self, placement_id: int, stage_id: int) -> None:
        with self._lock:
            self.edit("placements", placement_id, stage_id=stage_id)
            placement = self.data["placements"][placement_id]
            self.notify("candidate_moved", "stage_changed", placement["candidate_id"], placement_id)

    def disqualify(self, placement_id: int, reason_id: int | None, *, touch: bool = True) -> None:
        with self._lock:
            placement = self.data["placements"][placement_id]
            reason = self.data["disqualify_reasons"].get(reason_id) if reason_id is not None else None
            at = self._now() if touch else placement["created_at"]
            placement["disqualified_at"] = at
            placement["disqualify_reason_id"] = reason["id"] if reason else None
            if touch:
                placement["updated_at"] = at
                self.notify("candidate_disqualified", None, placement["candidate_id"], placement_id)

    def hire(self, placement_id: int, *, touch: bool = True) -> None:
        with self._lock:
            placement = self.data["placements"][placement_id]
            at = self._now() if touch else placement["created_at"]
            placement["stage_id"] = self._stages_of(placement["offer_id"])[-1]["id"]
            placement["hired_at"] = at
            placement["hired_by_id"] = min(self.data["admins"])
            if touch:
                placement["updated_at"] = at

    def delete(self, kind: str, record_id: int) -> None:
        """Gone from every listing; a candidate's placements and notes go with it, an offer's
        placements and stages with it."""
        with self._lock:
            del self.data[kind][record_id]
            if kind == "candidates":
                self.notify("candidate_deleted", None, record_id)
            owner = {"candidates": "candidate_id", "offers": "offer_id"}.get(kind)
            if owner is None:
                return
            for dependent in ("placements", "notes", "stages", "fields"):
                for rid in [r for r, x in self.data[dependent].items() if x.get(owner) == record_id]:
                    del self.data[dependent][rid]

    # --- the API's view ---------------------------------------------------------------------------

    def candidate_document(self, candidate_id: int) -> Json:
        candidate = dict(self.data["candidates"][candidate_id])
        candidate["placements"] = [
            self._placement_document(p)
            for _, p in sorted(self.data["placements"].items())
            if p["candidate_id"] == candidate_id
        ]
        return candidate

    def candidate_detail(self, candidate_id: int) -> Json:
        """`GET /candidates/:id`: the candidate with its profile fields, and the admin who added it."""
        candidate = self.candidate_document(candidate_id)
        candidate["fields"] = [
            {k: v for k, v in f.items() if k != "candidate_id"}
            for _, f in sorted(self.data["fields"].items())
            if f["candidate_id"] == candidate_id
        ]
        admin_id = candidate.get("admin_id")
        admin = self.data["admins"].get(admin_id) if isinstance(admin_id, int) else None
        return {"candidate": candidate, "references": [{"type": "Admin", **admin}] if admin else []}

    def _placement_document(self, placement: Json) -> Json:
        """A placement names its disqualify reason (`{id, name}`, the reason as it is now)."""
        document = dict(placement)
        reason = self.data["disqualify_reasons"].get(document.pop("disqualify_reason_id"))
        document["disqualify_reason"] = {"id": reason["id"], "name": reason["name"]} if reason else None
        return document

    def offer_document(self, offer_id: int, *, pipeline: bool) -> Json:
        offer = dict(self.data["offers"][offer_id])
        if pipeline:
            stages = [dict(s) for s in self._stages_of(offer_id)]
            offer["pipeline_template"] = {"id": offer["pipeline_template_id"], "stages": stages}
        return offer

    # --- the HTTP app ------------------------------------------------------------------------

    def app(self) -> ASGIApp:
        routes = [
            Route("/candidates", self._guarded(self._candidates), methods=["GET"]),
            Route("/candidates", self._guarded(self._create_candidate), methods=["POST"]),
            Route("/candidates/{id:int}", self._guarded(self._candidate), methods=["GET"]),
            Route("/candidates/{id:int}/notes", self._guarded(self._notes), methods=["GET"]),
            Route("/candidates/{id:int}/notes", self._guarded(self._create_note), methods=["POST"]),
            Route("/offers", self._guarded(self._offers), methods=["GET"]),
            Route("/offers/{id:int}", self._guarded(self._offer), methods=["GET"]),
            Route("/disqualify_reasons", self._guarded(self._plain("disqualify_reasons")), methods=["GET"]),
            Route("/tags", self._guarded(self._plain("tags")), methods=["GET"]),
            Route("/memberships", self._guarded(self._memberships), methods=["GET"]),
            Route("/placements/{id:int}/change_stage", self._guarded(self._change_stage), methods=["PATCH"]),
            Route("/placements/{id:int}/disqualify", self._guarded(self._disqualify), methods=["PATCH"]),
        ]
        return self.harness.middleware(Starlette(routes=[Mount("/c/{company}", routes=routes)]), _rate_limited)

    def _guarded(self, handler: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            body: Any = None
            if request.method in ("POST", "PATCH"):
                try:
                    body = await request.json()
                except ValueError:
                    return _error(400, "Invalid JSON")
            with self._lock:
                spent = self._spend()
                if request.headers.get("authorization") != f"Bearer {self.api_key}":
                    return _error(401, "Unauthorized")
                if spent:
                    return _error(429, "Too many requests", {"Retry-After": str(int(self.window_seconds))})
                if request.path_params["company"] != self.company_id:
                    return _error(404, "Company not found")
                answer: Response = handler(request, body)
                return answer

        return endpoint

    def _plain(self, kind: str) -> Any:
        def listing(request: Request, body: Any) -> Response:
            del request, body
            return JSONResponse({kind: [dict(r) for _, r in sorted(self.data[kind].items())]})

        return listing

    def _memberships(self, request: Request, body: Any) -> Response:
        del body
        try:
            page = max(int(request.query_params.get("page") or 1), 1)
            limit = max(int(request.query_params.get("limit") or DEFAULT_MEMBERSHIPS), 1)
        except ValueError:
            return _error(400, "page and limit must be integers")
        rows = [dict(m) for _, m in sorted(self.data["memberships"].items())][(page - 1) * limit : page * limit]
        admins = [{"type": "Admin", **self.data["admins"][m["admin_id"]]} for m in rows]
        return JSONResponse(
            {"memberships": rows, "references": admins, "meta": {"total": len(self.data["memberships"])}}
        )

    def _candidates(self, request: Request, body: Any) -> Response:
        del body
        query = request.query_params
        # by_date: newest first, ties by id (newest first too).
        found = sorted(self.data["candidates"].values(), key=lambda c: (c["created_at"], c["id"]), reverse=True)
        if (after := query.get("created_after")) is not None:
            bound = _parse_after(after)
            if bound is None:
                return _error(400, f"created_after: {after} is not a valid date")
            found = [c for c in found if c["created_at"] > _iso(bound)]
        if (listed := query.get("ids")) is not None:  # "List of IDs separated by comma"
            wanted = {part.strip() for part in listed.split(",")}
            found = [c for c in found if str(c["id"]) in wanted]
        placements = list(self.data["placements"].values())
        if (offer := query.get("offer_id")) is not None:
            ids = {p["candidate_id"] for p in placements if str(p["offer_id"]) == offer}
            found = [c for c in found if c["id"] in ids]
        if _flag(query.get("disqualified")):
            ids = {p["candidate_id"] for p in placements if p["disqualified_at"]}
            found = [c for c in found if c["id"] in ids]
        if _flag(query.get("qualified")):
            ids = {p["candidate_id"] for p in placements if not p["disqualified_at"]}
            found = [c for c in found if c["id"] in ids]
        try:
            offset = int(query["offset"]) if "offset" in query else 0
            limit = int(query["limit"]) if "limit" in query else None
        except ValueError:
            return _error(400, "limit and offset must be integers")
        page = found[offset:] if limit is None else found[offset : offset + limit]
        return JSONResponse({"candidates": [self.candidate_document(c["id"]) for c in page]})

    def _candidate(self, request: Request, body: Any) -> Response:
        del body
        cid = request.path_params["id"]
        if cid not in self.data["candidates"]:
            return _error(404, "Not found")
        return JSONResponse(self.candidate_detail(cid))

    def _notes(self, request: Request, body: Any) -> Response:
        del body
        cid = request.path_params["id"]
        if cid not in self.data["candidates"]:
            return _error(404, "Not found")
        notes = [dict(n) for _, n in sorted(self.data["notes"].items()) if n["candidate_id"] == cid]
        return JSONResponse({"notes": notes})

    def _offers(self, request: Request, body: Any) -> Response:
        del request, body
        return JSONResponse(
            {"offers": [self.offer_document(oid, pipeline=False) for oid in sorted(self.data["offers"])]}
        )

    def _offer(self, request: Request, body: Any) -> Response:
        del body
        oid = request.path_params["id"]
        if oid not in self.data["offers"]:
            return _error(404, "Not found")
        return JSONResponse({"offer": self.offer_document(oid, pipeline=True)})

    # --- writes -----------------------------------------------------------------------------------

    def _create_candidate(self, request: Request, body: Any) -> Response:
        del request
        candidate = body.get("candidate") if isinstance(body, dict) else None
        if not isinstance(candidate, dict) or not candidate.get("name"):
            return _error(422, "candidate.name can't be blank")
        offers = body.get("offers") or []
        if not isinstance(offers, list) or any(o not in self.data["offers"] for o in offers):
            return _error(422, "offers: unknown offer")
        cid = self._id()
        at = self._now()
        self.data["candidates"][cid] = {
            "id": cid,
            "name": candidate["name"],
            "emails": list(candidate.get("emails") or []),
            "phones": list(candidate.get("phones") or []),
            "sources": list(candidate.get("sources") or []),
            "tags": [],
            "admin_id": None,
            "created_at": at,
            "updated_at": at,
        }
        for offer in offers:
            self.place(cid, offer)
        return JSONResponse({"candidate": self.candidate_document(cid)}, 201)

    def _create_note(self, request: Request, body: Any) -> Response:
        cid = request.path_params["id"]
        if cid not in self.data["candidates"]:
            return _error(404, "Not found")
        note = body.get("note") if isinstance(body, dict) else None
        if not isinstance(note, dict) or not note.get("body"):
            return _error(422, "note.body can't be blank")
        nid = self.add_note(cid, note["body"])
        return JSONResponse({"note": dict(self.data["notes"][nid])}, 201)

    def _change_stage(self, request: Request, body: Any) -> Response:
        pid = request.path_params["id"]
        placement = self.data["placements"].get(pid)
        if placement is None:
            return _error(404, "Not found")
        stage = body.get("stage_id") if isinstance(body, dict) else None
        if not isinstance(stage, int) or stage not in {s["id"] for s in self._stages_of(placement["offer_id"])}:
            return _error(422, "stage_id: not a stage of this placement's offer")
        self.move(pid, stage)
        return JSONResponse({"placement": self._placement_document(placement)})

    def _disqualify(self, request: Request, body: Any) -> Response:
        pid = request.path_params["id"]
        if pid not in self.data["placements"]:
            return _error(404, "Not found")
        reason = body.get("disqualify_reason_id") if isinstance(body, dict) else None
        if reason is not None and reason not in self.data["disqualify_reasons"]:
            return _error(422, "disqualify_reason_id: unknown reason")
        self.disqualify(pid, reason)
        return JSONResponse({"placement": self._placement_document(self.data["placements"][pid])})


def _rate_limited() -> Response:
    return _error(429, "Too many requests", {"Retry-After": "1"})
