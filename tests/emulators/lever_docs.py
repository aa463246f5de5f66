"""A second Lever v1 emulator, written only from Lever's API reference (shared/spec/source-ats-apis.md §4.2)
and the vendor's example payloads (tests/fixtures/lever/), independently of tests/emulators/lever.py and of
the connector, so that a misreading of Lever shared by those two cannot hide here.

What it speaks, as Lever documents it:
- HTTP Basic with the API key as username (password ignored; Lever says leave it blank); 401 otherwise.
- Lists answer `{"data": [...], "hasNext": bool, "next": <opaque token>}`; `limit` must be 1-100 (default
  100) and is honoured exactly; `offset` takes a `next` token back; a bad limit or token is a 400.
- `confidentiality` defaults to `non-confidential`: confidential postings and opportunities (and
  opportunities of confidential postings) only come with `confidentiality=all`.
- `/users` lists deactivated users only with `includeDeactivated=true`.
- `/opportunities`: `updated_at_start`/`updated_at_end`, `contact_id`, `expand=applications` (application
  objects instead of ids; other expands are accepted and ignored); `/opportunities/deleted` with
  `deleted_at_start`/`deleted_at_end`.
- Per opportunity: `/interviews /offers /notes /feedback /files /resumes` (paged like every list) and
  `/files/:id/download`, `/resumes/:id/download` (the bytes).
All timestamps are epoch milliseconds. Data: the fixtures, re-pointed so that ids refer to each other,
plus generated records shaped differently on purpose (one-word and many-part names, missing optional keys,
the legacy flat `archivedAt`/`archiveReason` next to the `archived` object, digit-string file times, notes
and feedback Lever reports as deleted, files in `error` state).
"""

from __future__ import annotations

import base64
import copy
import json
import threading
import time
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

Json = dict[str, Any]
FIXTURES = Path(__file__).parent.parent / "fixtures" / "lever"
CHILDREN = ("interviews", "offers", "notes", "feedback", "files", "resumes")
NAMES = ["Prince", "Mary Ann van der Berg", "Zoë Ångström", "Kai Oduya", "Björk", "Jean-Luc Picard-Smith"]
TAG_POOL = ["Referral", "Rehire", "Remote OK", "Full-time", "San Francisco", "Bilingual"]


def _fixture(name: str) -> Any:
    raw = json.loads((FIXTURES / f"{name}.json").read_text())
    return raw["data"] if isinstance(raw, dict) else raw  # files.json is printed as a bare array


def _uuid(kind: int, n: int) -> str:
    return f"{kind:08x}-0000-4000-8000-{n:012x}"


def now_ms() -> int:
    return int(time.time() * 1000)


class LeverDocs:
    """The state of one Lever account; tests change it through `move_stage`, `add_note`, `delete`."""

    def __init__(self, api_key: str, generated: int = 140) -> None:
        self.api_key = api_key
        self.lock = threading.Lock()
        self.queries: list[tuple[str, dict[str, str]]] = []
        self.users: list[Json] = _fixture("users")
        for n, (name, role) in enumerate([("Monica Geller", "interviewer"), ("Gunther", "limited team member")]):
            self.users.append({"id": _uuid(1, n), "name": name, "username": name.split()[0].lower(),
                               "email": f"{name.split()[0].lower()}@example.com", "createdAt": 1478035107621,
                               "deactivatedAt": None, "accessRole": role})  # fmt: skip
        uid = [u["id"] for u in self.users]
        for n in range(105):  # enough people for two pages of `/users`; nobody refers to them
            self.users.append({"id": _uuid(1, 100 + n), "name": NAMES[n % len(NAMES)], "email": f"staff{n}@example.org",
                               "createdAt": 1478035107621 + n, "accessRole": "team member",
                               "deactivatedAt": 1500000000000 if n % 10 == 0 else None})  # fmt: skip
        self.archive_reasons: list[Json] = _fixture("archive_reasons")
        self.stages: list[Json] = _fixture("stages")
        self.postings: list[Json] = _fixture("postings")
        for p in self.postings:
            p.update(user=uid[1], owner=uid[1], hiringManager=uid[2])
        self.postings.append({"id": _uuid(2, 0), "text": "Head of Security", "createdAt": 1690000000000,
                              "updatedAt": 1690000000000, "user": uid[1], "owner": uid[1], "hiringManager": uid[1],
                              "confidentiality": "confidential", "categories": {"team": "Security"}, "tags": [],
                              "state": "published", "distributionChannels": ["internal"], "urls": {}})  # fmt: skip
        self.postings.append({"id": _uuid(2, 1), "text": "Barista", "createdAt": 1690000000001,
                              "updatedAt": 1690000000001, "state": "closed", "categories": {}})  # fmt: skip
        self.opportunities: dict[str, Json] = {}
        self.applications: dict[str, Json] = {}
        self.children: dict[str, dict[str, list[Json]]] = {}
        self.contents: dict[tuple[str, str, str], bytes] = {}
        self.deleted: list[Json] = []
        self._fixture_opportunities(uid)
        for i in range(generated):
            self._generated_opportunity(i, uid)

    # -- data -------------------------------------------------------------------------------------
    def _attach(self, opp: Json, posting: str | None, template: Json | None = None) -> None:
        self.children[opp["id"]] = {kind: [] for kind in CHILDREN}
        self.opportunities[opp["id"]] = opp
        if posting is None:
            opp["applications"] = []
            return
        app_id = _uuid(4, len(self.applications))
        application = copy.deepcopy(template) if template else {"type": "posting", "customQuestions": None}
        application.update(id=app_id, opportunityId=opp["id"], candidateId=opp["id"], posting=posting,
                           createdAt=opp["createdAt"])  # fmt: skip
        self.applications[app_id] = application
        opp["applications"] = [app_id]
        if any(p["id"] == posting and p.get("confidentiality") == "confidential" for p in self.postings):
            opp["confidentiality"] = "confidential"

    def _file(self, opp_id: str, kind: str, n: int, name: str, uploaded: Any) -> Json:
        fid = _uuid(5 if kind == "files" else 6, len(self.contents) * 100 + n)
        self.contents[(opp_id, kind, fid)] = f"%PDF-1.4 {kind} {name} of {opp_id}".encode()
        return {"id": fid, "downloadUrl": f"https://hire.lever.co/candidates/{opp_id}/{kind}/{fid}/download",
                "ext": "." + name.rsplit(".", 1)[-1], "name": name, "uploadedAt": uploaded,
                "status": "processed", "size": 42}  # fmt: skip

    def _fixture_opportunities(self, uid: list[str]) -> None:
        opps = _fixture("opportunities")
        template = _fixture("applications")[1]  # a `posting` application with answered questions
        for n, opp in enumerate(opps):
            opp.update(owner=uid[n % len(uid)], followers=uid[:2], stage=self.stages[n + 2]["id"])
            opp.pop("stageChanges", None)
            self._attach(opp, self.postings[n % 2]["id"], template if n == 0 else None)
        shane = opps[0]["id"]  # a hire: archived (object shape) with the `hired` reason, offer signed
        shane_opp = self.opportunities[shane]
        shane_opp.update(archived={"archivedAt": 1417600000000, "reason": self.archive_reasons[5]["id"]})
        kids = self.children[shane]
        interview = _fixture("interviews")[0]
        interview.update(interviewers=[{**interview["interviewers"][0], "id": uid[1]}], user=uid[1],
                         stage=shane_opp["stage"], postings=[self.postings[0]["id"]])  # fmt: skip
        kids["interviews"].append(interview)
        kids["offers"] = _fixture("offers")
        kids["notes"] = _fixture("notes")  # Lever reports it deleted (`deletedAt`)
        kids["feedback"] = _fixture("feedback")  # deleted too; a live copy follows
        live = copy.deepcopy(kids["feedback"][0])
        live.update(id=_uuid(7, 0), interview=interview["id"], user=uid[1], deletedAt=None)
        kids["feedback"].append(live)
        for f in _fixture("files"):  # digit-string times, one file in `error` state (no bytes)
            if f["status"] == "processed":
                self.contents[(shane, "files", f["id"])] = f"bytes of {f['name']}".encode()
            kids["files"].append(f)

    def _generated_opportunity(self, i: int, uid: list[str]) -> None:
        created = 1700000000000 + i * 3_600_000
        name = NAMES[i % len(NAMES)] if i % 3 else f"Person{i} Example"
        opp: Json = {"id": _uuid(3, i), "name": name, "contact": _uuid(8, i - 1 if i % 5 == 4 else i),
                     "createdAt": created, "updatedAt": created + 60_000, "stage": self.stages[i % 7]["id"],
                     "owner": uid[i % len(uid)], "tags": [TAG_POOL[i % 6], TAG_POOL[(i * 7) % 6]],
                     "sources": ["LinkedIn"] if i % 2 else [], "origin": "applied", "isAnonymized": False}  # fmt: skip
        if i % 5 == 4:  # a second opportunity of the previous person: same contact data
            prev = self.opportunities[_uuid(3, i - 1)]
            opp.update({k: prev[k] for k in ("name", "emails", "phones", "headline") if k in prev})
        else:
            if i % 4:
                local = name.split()[0].lower().encode("ascii", "ignore").decode() or "x"
                opp["emails"] = [f"{local}{i}@example.org"] + ([f"alt{i}@example.net"] if i % 4 == 2 else [])
            if i % 3 == 1:
                opp["phones"] = [{"type": "mobile", "value": f"+1 555 01{i:02d}"}]
            if i % 2:
                opp["headline"] = f"Company {i}"
        reason = self.archive_reasons[i % len(self.archive_reasons)]
        if i % 6 == 1:
            opp["archived"] = {"archivedAt": created + 86_400_000, "reason": reason["id"]}
        elif i % 6 == 3:  # the flat shape of the docs' examples
            opp.update(archivedAt=created + 86_400_000, archiveReason=reason["id"])
        elif i % 6 == 5:
            opp["archived"] = None
        posting = None if i % 9 == 8 else self.postings[i % len(self.postings)]["id"]
        self._attach(opp, posting)
        kids = self.children[opp["id"]]
        if i % 3 == 0:
            kids["interviews"].append({"id": _uuid(9, i), "subject": f"Screen {i}", "date": created + 7_200_000,
                                       "duration": 45, "interviewers": [{"id": uid[2], "name": "Monica Geller"}],
                                       "createdAt": created, "canceledAt": None, "stage": opp["stage"],
                                       "location": "https://meet.example.com/x"})  # fmt: skip
        for n in range(130 if i == 0 else 1 if i % 4 == 0 else 0):  # the first has two pages of notes
            kids["notes"].append({"id": _uuid(10, i * 1000 + n), "text": "Note", "user": uid[1], "secret": i % 8 == 0,
                                  "fields": [{"type": "note", "text": "Comment", "value": f"Spoke with {name}",
                                              "createdAt": created + 1000, "user": uid[1]}],
                                  "createdAt": created + 1000, "deletedAt": None})  # fmt: skip
        if i % 7 == 0:
            kids["files"].append(self._file(opp["id"], "files", 0, f"portfolio-{i}.pdf", str(created)))
        if i % 2 == 0:
            resume = self._file(opp["id"], "resumes", 1, f"cv-{i}.pdf", created)
            kids["resumes"].append({"id": resume.pop("id"), "createdAt": created, "file": resume,
                                    "parsedData": {"positions": [], "schools": []}})  # fmt: skip

    # -- changes tests make -----------------------------------------------------------------------
    def move_stage(self, opp_id: str, stage_id: str) -> None:
        with self.lock:
            at = now_ms()
            self.opportunities[opp_id].update(stage=stage_id, updatedAt=at, lastAdvancedAt=at)

    def add_note(self, opp_id: str, text: str) -> str:
        """A note added behind the opportunity: Lever does not say it moves `updatedAt`, so it doesn't."""
        with self.lock:
            note_id = _uuid(11, len(self.children[opp_id]["notes"]) + 1000 * len(self.opportunities))
            self.children[opp_id]["notes"].append({"id": note_id, "text": "Note", "user": self.users[1]["id"],
                "secret": False, "createdAt": now_ms(), "deletedAt": None,
                "fields": [{"type": "note", "text": "Comment", "value": text, "createdAt": now_ms()}]})  # fmt: skip
            return note_id

    def delete(self, opp_id: str) -> None:
        with self.lock:
            del self.opportunities[opp_id]
            self.deleted.append({"id": opp_id, "deletedAt": now_ms(), "deletedBy": self.users[1]["id"]})

    # -- what a client sees -----------------------------------------------------------------------
    def confidential(self, opp: Json) -> bool:
        return bool(opp.get("confidentiality") == "confidential")

    def visible_opportunities(self) -> list[Json]:
        """What `GET /opportunities?confidentiality=all` lists."""
        return sorted(self.opportunities.values(), key=lambda o: (o["createdAt"], o["id"]))

    def posting_of(self, opp: Json) -> str | None:
        return self.applications[opp["applications"][0]]["posting"] if opp["applications"] else None

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/{kind:str}", self._list), Route("/opportunities/deleted", self._deleted),
            Route("/opportunities/{opp:str}/{kind:str}", self._children),
            Route("/opportunities/{opp:str}/{kind:str}/{fid:str}/download", self._download),
        ])  # fmt: skip

    async def _guard(self, request: Request) -> Response | None:
        self.queries.append((request.url.path, dict(request.query_params)))
        header = request.headers.get("authorization", "")
        try:
            user = base64.b64decode(header.removeprefix("Basic ")).decode().split(":", 1)[0]
        except ValueError:
            user = ""
        if not header.startswith("Basic ") or user != self.api_key:
            return _error(401, "UnauthorizedError", "Invalid API key")
        return None

    async def _list(self, request: Request) -> Response:
        if (denied := await self._guard(request)) is not None:
            return denied
        q = request.query_params
        all_data = q.get("confidentiality") == "all"
        kind = request.path_params["kind"]
        with self.lock:
            if kind == "users":
                items = [u for u in self.users if q.get("includeDeactivated") == "true" or not u.get("deactivatedAt")]
            elif kind == "tags":
                counts: dict[str, int] = {}
                for o in self.opportunities.values():
                    for t in o.get("tags", []):
                        counts[t] = counts.get(t, 0) + 1
                items = [{"text": t, "count": c} for t, c in sorted(counts.items())]
            elif kind in ("archive_reasons", "stages"):
                items = list(getattr(self, kind))
            elif kind == "postings":
                start, end = _ms(q.get("updated_at_start")), _ms(q.get("updated_at_end"))
                items = [p for p in self.postings if (all_data or p.get("confidentiality") != "confidential")
                         and _within(p.get("updatedAt"), start, end)]  # fmt: skip
            elif kind == "opportunities":
                expand = {e for v in q.getlist("expand") for e in v.split(",")}
                start, end = _ms(q.get("updated_at_start")), _ms(q.get("updated_at_end"))
                items = []
                for o in self.visible_opportunities():
                    if (not all_data and self.confidential(o)) or not _within(o.get("updatedAt"), start, end):
                        continue
                    if "contact_id" in q and o["contact"] != q["contact_id"]:
                        continue
                    o = copy.deepcopy(o)
                    if "applications" in expand:
                        o["applications"] = [copy.deepcopy(self.applications[a]) for a in o["applications"]]
                    items.append(o)
            else:
                return _error(404, "NotFoundError", f"No such resource: {kind}")
            try:
                return _page(request, items)
            except _Bad as exc:
                return _error(400, "BadRequestError", str(exc))

    async def _deleted(self, request: Request) -> Response:
        if (denied := await self._guard(request)) is not None:
            return denied
        start, end = _ms(request.query_params.get("deleted_at_start")), _ms(request.query_params.get("deleted_at_end"))
        with self.lock:
            try:
                return _page(request, [d for d in self.deleted if _within(d["deletedAt"], start, end)])
            except _Bad as exc:
                return _error(400, "BadRequestError", str(exc))

    async def _children(self, request: Request) -> Response:
        if (denied := await self._guard(request)) is not None:
            return denied
        opp, kind = request.path_params["opp"], request.path_params["kind"]
        with self.lock:
            if opp not in self.opportunities or kind not in CHILDREN:
                return _error(404, "NotFoundError", "Not found")
            try:
                return _page(request, copy.deepcopy(self.children[opp][kind]))
            except _Bad as exc:
                return _error(400, "BadRequestError", str(exc))

    async def _download(self, request: Request) -> Response:
        if (denied := await self._guard(request)) is not None:
            return denied
        key = (request.path_params["opp"], request.path_params["kind"], request.path_params["fid"])
        with self.lock:
            content = self.contents.get(key) if key[0] in self.opportunities else None
        if content is None:
            return _error(404, "NotFoundError", "File not found")
        return Response(content, media_type="application/octet-stream")


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status)


def _ms(value: str | None) -> int | None:
    return int(value) if value is not None else None


class _Bad(Exception):
    pass


def _page(request: Request, items: list[Json]) -> JSONResponse:
    try:
        limit = int(request.query_params.get("limit", "100"))
        start = 0
        if "offset" in request.query_params:
            start = int(base64.urlsafe_b64decode(request.query_params["offset"].encode()).decode().split(":")[1])
    except (ValueError, IndexError) as exc:
        raise _Bad("Invalid limit or offset") from exc
    if not 1 <= limit <= 100:
        raise _Bad("limit must be between 1 and 100")
    body: Json = {"data": items[start : start + limit], "hasNext": start + limit < len(items)}
    if body["hasNext"]:
        body["next"] = base64.urlsafe_b64encode(f"pos:{start + limit}".encode()).decode()
    return JSONResponse(body)


def _within(value: Any, start: int | None, end: int | None) -> bool:
    if start is None and end is None:
        return True
    if value is None:
        return False
    return (start is None or int(value) >= start) and (end is None or int(value) <= end)
