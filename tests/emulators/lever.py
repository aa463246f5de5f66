"""A Lever API emulator (api.lever.co/v1) over real HTTP, for connector tests.

It holds a generated account (deterministic from a seed, shaped like the vendor's examples in
shared/fixtures/lever) and speaks Lever's protocol: Basic auth with the API key as username,
`limit` + opaque `offset` paging (`next`, `hasNext`), `updated_at_start`/`updated_at_end` in epoch
ms, `confidentiality` (confidential postings and opportunities stay hidden unless the request says
`confidentiality=all`), `expand=applications`, `GET /opportunities/deleted`, per-opportunity child
lists and file downloads, and its 429 when the request rate exceeds the key's limit (10/s, bursts of
20 by default). Tests change the account through the mutation methods; each bumps `updatedAt` the
way Lever does (a change to a contact or to an opportunity's child bumps the opportunity). Offers
carry the offer form's predefined fields as in the vendor's example, among them copies of the
posting's title and the contact's name that follow those records; whether a posting edit moves its
opportunities' `updatedAt` is not documented, so `edit_posting` can do either. Nor does Lever
document that a child's change moves its opportunity's `updatedAt`: `add_child`, `edit_child` and
`remove_child` take `touch_parent=False` to change a child behind its parent's back. Users, stages and
archive reasons can be edited too (`edit_user`, `rename_stage`, `rename_archive_reason`); `page_cap`
makes every listing page hold at most that many records (Lever may answer fewer than `limit`), so
small accounts page too.

Writes (Lever's documented write endpoints, each needing the same Basic auth): `POST /opportunities`
(create: `perform_as` required, the contact de-duplicated by email as Lever does), `PUT
/opportunities/:id/stage` and `/archived`, `POST /opportunities/:id/notes`, `POST
/opportunities/:id/files` (multipart `file`, at most 30 MB), `POST /opportunities/:id/addTags`,
`removeTags`, `addLinks`, `removeLinks`. A write checks its input the way Lever answers it (400
`{"code": "BadRequestError", "message": ...}`, 404 `ResourceNotFound` for an unknown opportunity) and
moves the opportunity's `updatedAt`, so later reads and syncs see it. `GET /opportunities/:id` and
`GET /postings/:id` read one record; the opportunity listing filters by `email` and `posting_id`.
"""

from __future__ import annotations

import base64
import copy
import email.parser
import email.policy
import hashlib
import hmac
import json
import random
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.emulators.harness import Emulator, RateMeter, WebhookSender, serve

Json = dict[str, Any]
BASE_MS = 1_704_067_200_000  # 2024-01-01: generated history lies well before any test's "now"
CHILD_KINDS = ("interviews", "offers", "notes", "feedback", "files", "resumes")
# How many children of each kind a generated opportunity gets (one is drawn from the list).
CHILD_COUNTS = {
    "interviews": [0, 1, 2, 3, 4],
    "offers": [0, 1, 1],
    "notes": [0, 1, 2, 3, 4],
    "feedback": [0, 1, 2, 3],
    "files": [0, 1, 1, 2],
    "resumes": [0, 1, 1],
}

STAGES = [
    ("fff60592-31dd-4ebe-ba8e-e7a397c30f8e", "New applicant"),
    ("51adb2bb-1e24-4135-9950-cb96e3886226", "New lead"),
    ("a42482ff-00ac-4cb2-a698-4b4436885b0c", "Recruiter Screen"),
    ("fe763d80-e612-4787-98bc-686679c6ac9b", "Phone Interview"),
    ("fbfb4473-38d2-4acf-943b-28cc0ed7ba87", "On-Site Interview"),
    ("e7c6f8eb-9239-46b8-8777-ef4215cc8a7d", "Background Check"),
    ("f48aad6f-91f7-4e87-b3f3-5e7a9207e54b", "Offer"),
]
REASONS = [
    ("63dd55b2-a99f-4e7b-985f-22c7bf80ab42", "Underqualified", "active", "non-hired"),
    ("41f98875-06c7-4cb1-b3d0-07f7ae192c0c", "Culture Fit", "active", "non-hired"),
    ("3274b963-c37c-4465-abeb-1113896e2aa3", "Withdrew", "active", "non-hired"),
    ("16308515-dc77-4aa7-b3af-96161b2b4e9b", "Hired", "active", "hired"),
    ("9b6f482e-0399-4ba4-9a2f-1e1d9e3da15b", "Position filled", "inactive", "non-hired"),
]
HIRED_REASON = REASONS[3][0]
TAGS = ["San Francisco", "Remote", "Full-time", "Referral", "Senior", "Engineering", "Sales", "Priority"]
FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Linus"]
LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Perlman"]
ORIGINS = {"agency", "applied", "internal", "referred", "sourced", "university"}
MAX_FILE_BYTES = 30 * 1024 * 1024  # Lever: "Files up to 30MB"
OFFER_STATUSES = ["draft", "approval-sent", "approved", "sent", "sent-manually", "opened", "denied", "signed"]


class LeverEmulator:
    """The account's data plus the HTTP app serving it. Use `with emulator.running() as url:`."""

    def __init__(
        self,
        *,
        seed: int = 1,
        opportunities: int = 50,
        api_key: str = "lever-test-key",
        rate: float | None = 10,
        burst: int = 20,
        page_cap: int | None = None,
    ) -> None:
        self.api_key = api_key
        self.page_cap = page_cap
        self.emulator = Emulator(api_key, RateMeter(rate, burst) if rate else None)
        # Lever's webhooks (`register_webhook`): sent after the changes below that Lever sends one for.
        self.webhooks = WebhookSender()
        self._lock = threading.RLock()
        self._clock = 0
        self._rng = random.Random(seed)
        self._serial = 0
        self.users: dict[str, Json] = {}
        self.postings: dict[str, Json] = {}
        self.contacts: dict[str, Json] = {}
        self.opportunities: dict[str, Json] = {}
        self.applications: dict[str, Json] = {}  # by opportunity id
        self.children: dict[str, dict[str, list[Json]]] = {}
        self.deleted: list[Json] = []
        self.uploads: dict[str, tuple[bytes, str]] = {}  # file id -> (bytes, content type) of uploaded files
        # The account's pipeline stages and archive reasons (Lever's global lists), editable.
        self.stage_list: list[Json] = [{"id": i, "text": t} for i, t in STAGES]
        self.reasons: list[Json] = [{"id": i, "text": t, "status": s, "type": ty} for i, t, s, ty in REASONS]
        self._generate(opportunities)
        routes = [
            Route("/v1/opportunities", self._create_opportunity, methods=["POST"]),
            Route("/v1/opportunities/{opportunity}/stage", self._put_stage, methods=["PUT"]),
            Route("/v1/opportunities/{opportunity}/archived", self._put_archived, methods=["PUT"]),
            Route("/v1/opportunities/{opportunity}/notes", self._create_note, methods=["POST"]),
            Route("/v1/opportunities/{opportunity}/files", self._upload_file, methods=["POST"]),
            Route("/v1/opportunities/{opportunity}/{verb}", self._update_list_field, methods=["POST"]),
            Route("/v1/users", self._list_users),
            Route("/v1/tags", self._list_tags),
            Route("/v1/archive_reasons", self._list_reasons),
            Route("/v1/stages", self._list_stages),
            Route("/v1/postings", self._list_postings),
            Route("/v1/opportunities", self._list_opportunities),
            Route("/v1/opportunities/deleted", self._list_deleted),
            Route("/v1/opportunities/{opportunity}", self._get_opportunity),
            Route("/v1/postings/{posting}", self._get_posting),
            Route("/v1/contacts/{contact}", self._get_contact),
            Route("/v1/opportunities/{opportunity}/{kind}", self._list_children),
            Route("/v1/opportunities/{opportunity}/{kind}/{file}/download", self._download),
        ]
        self.app = self.emulator.middleware(Starlette(routes=routes), _rate_limited)

    # --- the harness, re-exported ----------------------------------------------------------------

    @contextmanager
    def running(self) -> Iterator[str]:
        """Serve on 127.0.0.1; yields the base URL a connector's `base_url` takes."""
        with serve(self.app) as url:
            yield f"{url}/v1"

    @property
    def requests(self) -> list[Any]:
        return self.emulator.requests

    def requests_to(self, suffix: str) -> list[Any]:
        return self.emulator.requests_to(suffix)

    @property
    def violations(self) -> int:
        return self.emulator.rate.violations if self.emulator.rate is not None else 0

    # --- generation ------------------------------------------------------------------------------

    def _id(self) -> str:
        """UUID-shaped and deterministic (from the seed's generator)."""
        self._serial += 1
        h = f"{self._rng.getrandbits(96):024x}{self._serial:08x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"

    def _past(self) -> int:
        return BASE_MS - self._rng.randrange(1, 400 * 86_400_000)

    def now_ms(self) -> int:
        """A strictly increasing wall-clock epoch ms, for `updatedAt` of test edits."""
        with self._lock:
            self._clock = max(self._clock + 1, int(time.time() * 1000))
            return self._clock

    def _generate(self, count: int) -> None:
        rng = self._rng
        for n in range(max(3, count // 8)):
            uid = self._id()
            first, last = FIRST[n % len(FIRST)], LAST[n % len(LAST)]
            self.users[uid] = {
                "id": uid,
                "name": f"{first} {last}",
                "username": first.lower(),
                "email": f"{first.lower()}.{n}@example.com",
                "createdAt": self._past(),
                "deactivatedAt": self._past() if n % 7 == 6 else None,
                "externalDirectoryId": str(1000 + n),
                "accessRole": ["super admin", "admin", "team member", "limited team member", "interviewer"][n % 5],
                "photo": None,
                "linkedContactIds": None,
                "jobTitle": "Recruiter",
                "managerId": None,
            }
        user_ids = list(self.users)
        for n in range(max(2, count // 8)):
            self.add_posting(
                confidential=n % 7 == 3,
                state=["published", "published", "internal", "closed", "draft"][n % 5],
                _created=self._past(),
                _user=rng.choice(user_ids),
            )
        for n in range(count):
            # Every fifth opportunity belongs to an earlier contact: one person, two pipelines.
            contact = rng.choice(list(self.contacts)) if n % 5 == 4 and self.contacts else None
            opp = self.add_opportunity(contact=contact, _generated=True)
            for kind in CHILD_KINDS:
                for _ in range(rng.choice(CHILD_COUNTS[kind])):
                    self._add_child(opp, kind, generated=True)

    def add_posting(
        self, *, confidential: bool = False, state: str = "published", _created: int | None = None, _user: str = ""
    ) -> str:
        with self._lock:
            pid = self._id()
            created = _created if _created is not None else self.now_ms()
            user = _user or next(iter(self.users))
            n = len(self.postings)
            self.postings[pid] = {
                "id": pid,
                "text": f"{['Backend', 'Frontend', 'Data', 'Sales', 'Support'][n % 5]} Engineer {n}",
                "createdAt": created,
                "updatedAt": created,
                "user": user,
                "owner": user,
                "hiringManager": list(self.users)[n % len(self.users)],
                "confidentiality": "confidential" if confidential else "non-confidential",
                "categories": {
                    "team": ["Platform", "Growth", "Sales"][n % 3],
                    "department": "Engineering",
                    "location": ["San Francisco", "Berlin", "Remote"][n % 3],
                    "allLocations": ["San Francisco"],
                    "commitment": ["Full-time", "Part-time", "Contract", "Internship"][n % 4],
                    "level": ["Senior", "Junior", None][n % 3],
                },
                "content": {
                    "description": "About the role",
                    "descriptionHtml": f"<div>About role {n}</div>",
                    "lists": [{"text": "Requirements", "content": "<li>Curiosity</li>"}],
                    "closing": "",
                    "closingHtml": "",
                },
                "country": ["US", "DE", None][n % 3],
                "tags": [],
                "state": state,
                "distributionChannels": [["internal", "public"], ["internal"], []][n % 3],
                "reqCode": f"REQ-{n}" if n % 2 == 0 else None,
                "requisitionCodes": [],
                "salaryRange": {"min": 40000 + n, "max": 60000 + n, "currency": "USD", "interval": "per-year-salary"},
                "urls": {
                    "show": f"https://jobs.lever.co/example/{pid}",
                    "apply": f"https://jobs.lever.co/example/{pid}/apply",
                },
                "workplaceType": ["remote", "hybrid", "onsite", "unspecified"][n % 4],
            }
            return pid

    def add_opportunity(
        self, *, contact: str | None = None, posting: str | None = None, _generated: bool = False
    ) -> str:
        """A new opportunity (a new contact unless one is given); generated ones carry past dates."""
        with self._lock:
            rng = self._rng
            n = len(self.opportunities)
            if contact is None:
                contact = self._id()
                first, last = rng.choice(FIRST), rng.choice(LAST)
                self.contacts[contact] = {
                    "id": contact,
                    "name": f"{first} {last}",
                    "headline": rng.choice(["Acme Inc", "Initech", "", "Globex"]),
                    "isAnonymized": False,
                    "location": rng.choice(["Oakland", "Berlin", None]),
                    "emails": [f"{first.lower()}.{n}@example.org"] + ([f"{last.lower()}@work.example"] * (n % 2)),
                    "phones": [{"type": "mobile", "value": f"+1 555 01{n:04d}"}] if n % 3 else [],
                }
            oid = self._id()
            created = self._past() if _generated else self.now_ms()
            public_postings = [p for p in self.postings]
            if posting is None and n % 13 != 12:  # every 13th is a general lead without a posting
                posting = public_postings[n % len(public_postings)]
            archived: Json | None = None
            legacy = False
            if _generated and n % 4 == 3:
                reason = REASONS[n % len(REASONS)][0]
                archived = {"archivedAt": created + 86_400_000, "reason": reason}
                legacy = n % 8 == 7  # some in the flat legacy shape the docs' examples use
            user_ids = list(self.users)
            opp: Json = {
                "id": oid,
                "contact": contact,
                "links": [f"https://linkedin.example/in/{oid[:8]}"] if n % 2 else [],
                "createdAt": created,
                "updatedAt": created,
                "lastInteractionAt": created,
                "lastAdvancedAt": created,
                "snoozedUntil": None,
                "stage": STAGES[n % len(STAGES)][0],
                "stageChanges": [],
                "confidentiality": "confidential" if n % 11 == 5 else "non-confidential",
                "owner": user_ids[n % len(user_ids)],
                "followers": [],
                "tags": sorted(rng.sample(TAGS, rng.randrange(0, 4))),
                "sources": [rng.choice(["LinkedIn", "Referral", "Job site"])],
                "origin": rng.choice(["applied", "sourced", "referred"]),
                "sourcedBy": None,
                "resume": None,
                "urls": {"list": "https://hire.lever.co/candidates", "show": f"https://hire.lever.co/candidates/{oid}"},
                "dataProtection": None,
                "isAnonymized": False,
            }
            if legacy and archived is not None:
                opp["archivedAt"], opp["archiveReason"] = archived["archivedAt"], archived["reason"]
            else:
                opp["archived"] = archived
            self.opportunities[oid] = opp
            self.applications[oid] = {
                "id": self._id(),
                "opportunityId": oid,
                "candidateId": oid,
                "createdAt": created,
                "type": "posting" if posting else "user",
                "posting": posting,
                "user": None,
                "customQuestions": self._form(n) if posting and n % 3 == 0 else None,
            }
            self.children[oid] = {kind: [] for kind in CHILD_KINDS}
            return oid

    def _form(self, n: int) -> list[Json]:
        """A posting's application form as the candidate answered it (like the docs' example)."""
        langs = ["python", "go", "rust"]
        fields = [
            {"type": "multiple-select", "text": "Languages?", "description": "", "required": False,
             "options": [{"text": x} for x in langs], "value": langs[: 1 + n % 3]},
            {"type": "text", "text": "Why us?", "description": "", "required": True, "value": f"Reason {n}"},
            {"type": "dropdown", "text": "Notice period", "options": [{"text": "1 month"}, {"text": "3 months"}],
             "value": "1 month"},
            {"type": "file-upload", "text": "Portfolio", "value": {"id": self._id(), "name": "p.pdf"}},
        ]  # fmt: skip
        return [{"type": "posting", "text": "Application", "description": "", "fields": fields}]

    def _add_child(self, oid: str, kind: str, *, generated: bool = False) -> Json:
        rng = self._rng
        opp = self.opportunities[oid]
        at = opp["createdAt"] + rng.randrange(1, 30 * 86_400_000) if generated else self.now_ms()
        cid = self._id()
        users = list(self.users)
        item: Json
        if kind == "interviews":
            user = rng.choice(users)
            item = {
                "id": cid,
                "panel": self._id(),
                "subject": f"Interview {cid[:6]}",
                "note": "",
                "interviewers": [{"id": user, "email": self.users[user]["email"], "name": self.users[user]["name"]}],
                "timezone": "America/Los_Angeles",
                "createdAt": at,
                "date": at + 86_400_000,
                "duration": rng.choice([30, 45, 60]),
                "location": rng.choice(["Zoom", "https://meet.example/abc", "Office"]),
                "feedbackTemplate": None,
                "feedbackForms": [],
                "user": user,
                "stage": opp["stage"],
                "canceledAt": at if rng.random() < 0.2 else None,
                "postings": [],
            }
        elif kind == "offers":
            status, creator = rng.choice(OFFER_STATUSES), rng.choice(users)
            posting = self.applications[oid]["posting"]
            # The offer form's predefined fields (as in the vendor's example), the posting's and the
            # contact's among them: `_copy_to_offers` keeps those copies in step with their records.
            item = {
                "id": cid,
                "createdAt": at,
                "status": status,
                "creator": creator,
                "fields": [
                    {"text": "Job posting", "identifier": "job_posting", "value": posting},
                    {"text": "Job title", "identifier": "job_title",
                     "value": self.postings[posting]["text"] if posting else None},
                    {"text": "Candidate name", "identifier": "candidate_name",
                     "value": self.contacts[opp["contact"]]["name"]},
                    {"text": "Offered compensation amount", "identifier": "salary_amount",
                     "value": rng.randrange(50, 150) * 1000},
                    {"text": "Compensation currency", "identifier": "compensation_currency", "value": "USD"},
                    {"text": "Type of earnings", "identifier": "salary_interval", "value": "per-year-salary"},
                    {"text": "Anticipated start date", "identifier": "anticipated_start_date",
                     "value": at + 9 * 86_400_000},
                ],
                "sentDocument": None,
                "signedDocument": None,
            }  # fmt: skip
        elif kind == "notes":
            item = {
                "id": cid,
                "text": "Note",
                "fields": [{"type": "note", "text": "Comment", "value": f"Note {cid[:6]} <ok>", "createdAt": at}],
                "user": rng.choice(users),
                "secret": rng.random() < 0.3,
                "completedAt": at,
                "createdAt": at,
                "deletedAt": at if rng.random() < 0.15 else None,
            }
        elif kind == "feedback":
            item = {
                "id": cid,
                "type": "interview",
                "text": "On-site interview",
                "fields": [
                    {"id": self._id(), "type": "score", "text": "Rating", "required": True, "value": "3 - Hire",
                     "options": [{"text": "4 - Strong Hire"}, {"text": "3 - Hire"}, {"text": "2 - No Hire"}]},
                    {"id": self._id(), "type": "textarea", "text": "Notes", "required": False, "value": "Solid"},
                ],
                # Interview feedback names its interview (the opportunity's latest, when it has one).
                "interview": next((i["id"] for i in reversed(self.children[oid]["interviews"])), None),
                "user": rng.choice(users),
                "createdAt": at,
                "updatedAt": at,
                "completedAt": at,
                "deletedAt": None,
            }  # fmt: skip
        elif kind == "files":
            ext = rng.choice([".pdf", ".png", ".txt"])
            item = {
                "id": cid,
                "downloadUrl": f"https://hire.lever.co/candidates/{oid}/files/{cid}/download",
                "ext": ext,
                "name": f"file-{cid[:6]}{ext}",
                "uploadedAt": str(at),  # the docs' example sends strings here
                "status": "error" if rng.random() < 0.1 else "processed",
                "size": "1000",
            }
        else:  # resumes
            item = {
                "id": cid,
                "createdAt": at,
                "file": {"name": f"cv-{cid[:6]}.pdf", "ext": ".pdf", "uploadedAt": at, "status": "processed",
                         "size": 1000, "downloadUrl": f"https://hire.lever.co/candidates/{oid}/resumes/{cid}/download"},
                "parsedData": {"positions": [], "schools": []},
            }  # fmt: skip
        self.children[oid][kind].append(item)
        return item

    # --- what the API shows ----------------------------------------------------------------------

    def render_opportunity(self, oid: str, *, expand: bool = True) -> Json:
        """An opportunity as `GET /opportunities` sends it (contact fields embedded)."""
        opp = self.opportunities[oid]
        contact = self.contacts[opp["contact"]]
        out = {
            "id": oid,
            **{k: contact[k] for k in ("name", "headline", "emails", "phones", "location")},
            **{k: v for k, v in opp.items() if k != "id"},
        }
        application = self.applications[oid]
        out["applications"] = [copy.deepcopy(application) if expand else application["id"]]
        return copy.deepcopy(out)

    def archive_reasons(self) -> list[Json]:
        with self._lock:
            return copy.deepcopy(self.reasons)

    def stages(self) -> list[Json]:
        with self._lock:
            return copy.deepcopy(self.stage_list)

    def tags(self) -> list[Json]:
        counts: dict[str, int] = {}
        for opp in self.opportunities.values():
            for tag in opp["tags"]:
                counts[tag] = counts.get(tag, 0) + 1
        return [{"text": t, "count": c} for t, c in sorted(counts.items())]

    def file_content(self, kind: str, file_id: str) -> bytes:
        return f"lever {kind} {file_id}\n".encode()

    # --- webhooks --------------------------------------------------------------------------------

    def register_webhook(self, url: str, signature_token: str) -> None:
        """A webhook for every event, to `url`, signed with `signature_token`."""
        self.webhooks.register(url, signature_token)

    def notify(self, event: str, oid: str | None = None, *, contact: str | None = None) -> None:
        """Send Lever's webhook `event` about opportunity `oid` (and its contact): the body carries
        `token`, `triggeredAt` and `signature` = hex HMAC-SHA256(signature token, token + triggeredAt)."""
        data: Json = {}
        if oid is not None:
            data.update(opportunityId=oid, candidateId=oid)
            contact = contact or self.opportunities.get(oid, {}).get("contact")
        if contact is not None:
            data["contactId"] = contact
        triggered = self.now_ms()

        def sign(secret: str) -> tuple[dict[str, str], bytes]:
            token = secrets.token_hex(20)
            signature = hmac.new(secret.encode(), f"{token}{triggered}".encode(), hashlib.sha256).hexdigest()
            body = {"triggeredAt": triggered, "event": event, "token": token, "signature": signature, "data": data}
            return {}, json.dumps(body).encode()

        self.webhooks.send(sign)

    # --- mutations (each bumps updatedAt like Lever) -----------------------------------------------

    def edit_opportunity(self, oid: str, **changes: Any) -> None:
        with self._lock:
            self.opportunities[oid].update(changes)
            self.opportunities[oid]["updatedAt"] = self.now_ms()
            if "stage" in changes:
                self.notify("candidateStageChange", oid)

    def archive(self, oid: str, reason: str | None) -> None:
        with self._lock:
            opp = self.opportunities[oid]
            opp.pop("archivedAt", None)
            opp.pop("archiveReason", None)
            opp["archived"] = {"archivedAt": self.now_ms(), "reason": reason} if reason else None
            opp["updatedAt"] = self.now_ms()
            self.notify("candidateArchiveChange", oid)

    def edit_contact(self, contact: str, **changes: Any) -> None:
        """Contact data is shown on every opportunity of the contact: all of them count as updated."""
        with self._lock:
            self.contacts[contact].update(changes)
            for oid, opp in self.opportunities.items():
                if opp["contact"] == contact:
                    opp["updatedAt"] = self.now_ms()
                    self._copy_to_offers(oid, "candidate_name", self.contacts[contact]["name"])
            self.notify("contactUpdated", contact=contact)

    def edit_posting(self, pid: str, *, touch_opportunities: bool = False, **changes: Any) -> None:
        """A posting edit; the offers made for it show its new title (their `job_title` field).
        Whether Lever also moves the `updatedAt` of the posting's opportunities is not documented:
        `touch_opportunities` does (a connector must be right either way)."""
        with self._lock:
            self.postings[pid].update(changes)
            self.postings[pid]["updatedAt"] = self.now_ms()
            for oid, application in self.applications.items():
                if application["posting"] == pid:
                    self._copy_to_offers(oid, "job_title", self.postings[pid]["text"])
                    if touch_opportunities:
                        self.opportunities[oid]["updatedAt"] = self.now_ms()

    def _copy_to_offers(self, oid: str, identifier: str, value: Any) -> None:
        """An opportunity's offers repeat some of its posting's and contact's data in predefined form
        fields (the vendor's example: `job_title`, `candidate_name`); they follow those records."""
        for offer in self.children[oid]["offers"]:
            for field in offer["fields"]:
                if field["identifier"] == identifier:
                    field["value"] = value

    def add_child(self, oid: str, kind: str, *, touch_parent: bool = True) -> Json:
        with self._lock:
            item = self._add_child(oid, kind)
            if touch_parent:
                self.opportunities[oid]["updatedAt"] = self.now_ms()
            return item

    def edit_child(self, oid: str, kind: str, child_id: str, *, touch_parent: bool = True, **changes: Any) -> Json:
        """Change one child's fields (and its own `updatedAt`, for the kinds that carry one); with
        `touch_parent=False` the opportunity's `updatedAt` stays where it was."""
        with self._lock:
            item = next(i for i in self.children[oid][kind] if i["id"] == child_id)
            item.update(changes)
            if "updatedAt" in item:
                item["updatedAt"] = self.now_ms()
            if touch_parent:
                self.opportunities[oid]["updatedAt"] = self.now_ms()
            return item

    def remove_child(self, oid: str, kind: str, index: int = 0, *, touch_parent: bool = True) -> Json:
        with self._lock:
            item = self.children[oid][kind].pop(index)
            if touch_parent:
                self.opportunities[oid]["updatedAt"] = self.now_ms()
            return item

    def edit_user(self, uid: str, **changes: Any) -> None:
        """Users have no `updatedAt` in Lever's list: the list is read whole."""
        with self._lock:
            self.users[uid].update(changes)

    def rename_stage(self, stage_id: str, text: str) -> None:
        """A pipeline stage renamed: Lever's stages are global, so every posting's pipeline shows it."""
        with self._lock:
            next(s for s in self.stage_list if s["id"] == stage_id)["text"] = text

    def rename_archive_reason(self, reason_id: str, text: str) -> None:
        """Lever does not move the `updatedAt` of the opportunities archived with the reason."""
        with self._lock:
            next(r for r in self.reasons if r["id"] == reason_id)["text"] = text

    def delete_opportunity(self, oid: str) -> None:
        """Gone from every list; listed in `/opportunities/deleted`. A contact left without
        opportunities is gone too (Lever has no contact without one)."""
        with self._lock:
            opp = self.opportunities.pop(oid)
            del self.applications[oid], self.children[oid]
            self.deleted.append({"id": oid, "deletedAt": self.now_ms(), "deletedBy": next(iter(self.users))})
            if not any(o["contact"] == opp["contact"] for o in self.opportunities.values()):
                del self.contacts[opp["contact"]]
            self.notify("candidateDeleted", oid, contact=opp["contact"])

    # --- HTTP ------------------------------------------------------------------------------------

    def _authorized(self, request: Request) -> bool:
        expected = "Basic " + base64.b64encode(f"{self.api_key}:".encode()).decode()
        return request.headers.get("authorization") == expected

    def _page(self, request: Request, records: list[Json], *, keyset: bool = True) -> Response:
        """Lever paging: `limit` (1-100) and an opaque `offset` token naming where the last page ended.
        Record lists page by id (keyset: records added meanwhile never shift a page); ordered lists
        (stages: pipeline order) keep their order and page by position."""
        if not self._authorized(request):
            return JSONResponse({"code": "UnauthorizedError", "message": "Invalid API key"}, 401)
        try:
            limit = int(request.query_params.get("limit", "100"))
        except ValueError:
            return JSONResponse({"code": "BadRequestError", "message": "limit must be a number"}, 400)
        if not 1 <= limit <= 100:
            return JSONResponse({"code": "BadRequestError", "message": "limit must be 1..100"}, 400)
        if self.page_cap is not None:
            limit = min(limit, self.page_cap)
        keys = (
            [str(r.get("id") or r.get("text") or "") for r in records]
            if keyset
            else [f"{i:09d}" for i in range(len(records))]
        )
        pairs = (
            sorted(zip(keys, records, strict=True), key=lambda p: p[0])
            if keyset
            else list(zip(keys, records, strict=True))
        )
        if (token := request.query_params.get("offset")) is not None:
            try:
                after = base64.urlsafe_b64decode(token.encode()).decode()
            except ValueError:
                return JSONResponse({"code": "BadRequestError", "message": "invalid offset"}, 400)
            pairs = [p for p in pairs if p[0] > after]
        page, more = pairs[:limit], len(pairs) > limit
        body: Json = {"data": [r for _, r in page], "hasNext": more}
        if more:
            body["next"] = base64.urlsafe_b64encode(page[-1][0].encode()).decode()
        return JSONResponse(body)

    @staticmethod
    def _ms_filter(request: Request, records: list[Json], field: str, prefix: str) -> list[Json] | None:
        """`<prefix>_start`/`<prefix>_end` (epoch ms, inclusive start, exclusive end); None if malformed."""
        try:
            start = int(request.query_params.get(f"{prefix}_start", 0))
            end = int(request.query_params.get(f"{prefix}_end", 2**62))
        except ValueError:
            return None
        return [r for r in records if start <= (r.get(field) or 0) < end]

    @staticmethod
    def _visible(request: Request, records: list[Json]) -> list[Json]:
        if request.query_params.get("confidentiality") == "all":
            return records
        return [r for r in records if r.get("confidentiality") != "confidential"]

    async def _list_users(self, request: Request) -> Response:
        with self._lock:
            users = [copy.deepcopy(u) for u in self.users.values()]
        if request.query_params.get("includeDeactivated") != "true":
            users = [u for u in users if u["deactivatedAt"] is None]
        return self._page(request, users)

    async def _list_tags(self, request: Request) -> Response:
        with self._lock:
            return self._page(request, self.tags())

    async def _list_reasons(self, request: Request) -> Response:
        return self._page(request, self.archive_reasons(), keyset=False)

    async def _list_stages(self, request: Request) -> Response:
        return self._page(request, self.stages(), keyset=False)

    async def _list_postings(self, request: Request) -> Response:
        with self._lock:
            postings = self._visible(request, [copy.deepcopy(p) for p in self.postings.values()])
        if (state := request.query_params.get("state")) is not None:
            postings = [p for p in postings if p["state"] == state]
        filtered = self._ms_filter(request, postings, "updatedAt", "updated_at")
        if filtered is None:
            return JSONResponse({"code": "BadRequestError", "message": "bad updated_at"}, 400)
        return self._page(request, filtered)

    async def _list_opportunities(self, request: Request) -> Response:
        expand = "applications" in request.query_params.getlist("expand")
        with self._lock:
            opps = [self.render_opportunity(oid, expand=expand) for oid in self.opportunities]
            posting_of = {oid: a["posting"] for oid, a in self.applications.items()}
        opps = self._visible(request, opps)
        if (contact := request.query_params.get("contact_id")) is not None:
            opps = [o for o in opps if o["contact"] == contact]
        if emails := {e.lower() for e in request.query_params.getlist("email")}:
            opps = [o for o in opps if emails & {e.lower() for e in o["emails"]}]
        if postings := set(request.query_params.getlist("posting_id")):
            opps = [o for o in opps if posting_of[o["id"]] in postings]
        filtered = self._ms_filter(request, opps, "updatedAt", "updated_at")
        if filtered is None:
            return JSONResponse({"code": "BadRequestError", "message": "bad updated_at"}, 400)
        return self._page(request, filtered)

    async def _list_deleted(self, request: Request) -> Response:
        with self._lock:
            deleted = copy.deepcopy(self.deleted)
        filtered = self._ms_filter(request, deleted, "deletedAt", "deleted_at")
        if filtered is None:
            return JSONResponse({"code": "BadRequestError", "message": "bad deleted_at"}, 400)
        return self._page(request, filtered)

    async def _get_contact(self, request: Request) -> Response:
        if not self._authorized(request):
            return JSONResponse({"code": "UnauthorizedError", "message": "Invalid API key"}, 401)
        with self._lock:
            contact = copy.deepcopy(self.contacts.get(request.path_params["contact"]))
        if contact is None:
            return _not_found("contacts", request.path_params["contact"])
        contact["location"] = {"name": contact["location"]} if contact["location"] else None
        return JSONResponse({"data": contact})

    async def _list_children(self, request: Request) -> Response:
        oid, kind = request.path_params["opportunity"], request.path_params["kind"]
        if kind not in CHILD_KINDS:
            return _not_found(kind, oid)
        with self._lock:
            children = copy.deepcopy(self.children.get(oid, {}).get(kind))
        if children is None and self._authorized(request):
            return _not_found("opportunities", oid)
        return self._page(request, children or [])  # answers 401 first when the key is wrong

    async def _download(self, request: Request) -> Response:
        if not self._authorized(request):
            return JSONResponse({"code": "UnauthorizedError", "message": "Invalid API key"}, 401)
        oid, kind, file_id = (request.path_params[k] for k in ("opportunity", "kind", "file"))
        with self._lock:
            items = self.children.get(oid, {}).get(kind) if kind in ("files", "resumes") else None
            found = next((i for i in items or [] if i["id"] == file_id), None)
        if found is None:
            return _not_found(kind, file_id)
        if file_id in self.uploads:
            content, media = self.uploads[file_id]
            return Response(content, media_type=media)
        name = found["name"] if kind == "files" else found["file"]["name"]
        media = {"pdf": "application/pdf", "png": "image/png"}.get(name.rsplit(".", 1)[-1], "text/plain")
        return Response(self.file_content(kind, file_id), media_type=media)

    # --- writes ----------------------------------------------------------------------------------

    def _performer(self, request: Request, *, required: bool) -> str | Response | None:
        """The `perform_as` user: an active user of the account; Lever requires one on create."""
        user = request.query_params.get("perform_as")
        if not user:
            return _bad_request("Missing required parameter: perform_as") if required else None
        found = self.users.get(user)
        if found is None or found["deactivatedAt"] is not None:
            return _bad_request(f"perform_as: {user} is not an active user")
        return user

    def _target(self, request: Request) -> str | Response:
        """The opportunity a write names (401 before 404, as for reads)."""
        if not self._authorized(request):
            return _unauthorized()
        oid = request.path_params["opportunity"]
        return oid if oid in self.opportunities else _not_found("opportunities", oid)

    async def _get_opportunity(self, request: Request) -> Response:
        if not self._authorized(request):
            return _unauthorized()
        oid = request.path_params["opportunity"]
        with self._lock:
            if oid not in self.opportunities:
                return _not_found("opportunities", oid)
            return JSONResponse(
                {"data": self.render_opportunity(oid, expand="applications" in request.query_params.getlist("expand"))}
            )

    async def _get_posting(self, request: Request) -> Response:
        if not self._authorized(request):
            return _unauthorized()
        with self._lock:
            posting = copy.deepcopy(self.postings.get(request.path_params["posting"]))
        if posting is None:
            return _not_found("postings", request.path_params["posting"])
        return JSONResponse({"data": posting})

    async def _create_opportunity(self, request: Request) -> Response:
        if not self._authorized(request):
            return _unauthorized()
        body = await _json_body(request)
        if isinstance(body, Response):
            return body
        with self._lock:
            performer = self._performer(request, required=True)
            if not isinstance(performer, str):
                return performer or _bad_request("Missing required parameter: perform_as")
            problem = self._creation_problem(body)
            if problem is not None:
                return _bad_request(problem)
            oid = self.create_opportunity(body, performer)
            return JSONResponse({"data": self.render_opportunity(oid, expand=False)}, 201)

    def _creation_problem(self, body: Json) -> str | None:
        """What Lever would refuse in a create request's body, or None."""
        for key in ("name", "headline", "location", "origin", "stage", "owner", "contact"):
            if body.get(key) is not None and not isinstance(body[key], str):
                return f"{key} must be a string"
        for key in ("emails", "links", "tags", "sources", "postings", "followers"):
            value = body.get(key)
            if value is not None and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
                return f"{key} must be an array of strings"
        phones = body.get("phones")
        if phones is not None and (
            not isinstance(phones, list)
            or not all(isinstance(p, dict) and isinstance(p.get("value"), str) for p in phones)
        ):
            return "phones must be an array of {value, type} objects"
        if not body.get("name") and not body.get("emails") and not body.get("contact"):
            return "An opportunity needs a name, an email or a contact"
        postings = body.get("postings") or []
        if len(postings) > 1:
            return "Only one posting may be specified per opportunity"
        if postings and postings[0] not in self.postings:
            return f"Posting {postings[0]} was not found"
        if body.get("stage") is not None and body["stage"] not in {s["id"] for s in self.stage_list}:
            return f"Stage {body['stage']} was not found"
        if body.get("origin") is not None and body["origin"] not in ORIGINS:
            return f"origin must be one of {', '.join(sorted(ORIGINS))}"
        if body.get("owner") is not None and body["owner"] not in self.users:
            return f"owner: user {body['owner']} was not found"
        if body.get("contact") is not None and body["contact"] not in self.contacts:
            return f"Contact {body['contact']} was not found"
        return None

    def create_opportunity(self, body: Json, performer: str) -> str:
        """A new opportunity from a create request. Lever de-duplicates the person: an email that a
        contact already has puts the opportunity on that contact (whose own fields stay as they were)."""
        with self._lock:
            emails = list(dict.fromkeys(body.get("emails") or []))
            wanted = {e.lower() for e in emails}
            contact = body.get("contact") or next(
                (cid for cid, c in self.contacts.items() if wanted & {e.lower() for e in c["emails"]}), None
            )
            if contact is None:
                contact = self._id()
                self.contacts[contact] = {
                    "id": contact,
                    "name": body.get("name") or "",
                    "headline": body.get("headline") or "",
                    "isAnonymized": False,
                    "location": body.get("location"),
                    "emails": emails,
                    "phones": [{k: p[k] for k in ("type", "value") if k in p} for p in body.get("phones") or []],
                }
            oid, now = self._id(), self.now_ms()
            posting = next(iter(body.get("postings") or []), None)
            origin = body.get("origin") or "sourced"
            stage = body.get("stage") or STAGES[0 if origin == "applied" else 1][0]
            owner = body.get("owner") or performer
            confidential = posting is not None and self.postings[posting]["confidentiality"] == "confidential"
            self.opportunities[oid] = {
                "id": oid,
                "contact": contact,
                "links": list(dict.fromkeys(body.get("links") or [])),
                "createdAt": now,
                "updatedAt": now,
                "lastInteractionAt": now,
                "lastAdvancedAt": now,
                "snoozedUntil": None,
                "stage": stage,
                "stageChanges": [{"toStageId": stage, "toStageIndex": self._stage_index(stage), "userId": performer,
                                  "updatedAt": now}],
                "confidentiality": "confidential" if confidential else "non-confidential",
                "owner": owner,
                "followers": list(dict.fromkeys([owner, *(body.get("followers") or [])])),
                "tags": list(dict.fromkeys(body.get("tags") or [])),
                "sources": list(dict.fromkeys(body.get("sources") or [])),
                "origin": origin,
                "sourcedBy": performer if origin == "sourced" else None,
                "resume": None,
                "urls": {"list": "https://hire.lever.co/candidates", "show": f"https://hire.lever.co/candidates/{oid}"},
                "dataProtection": None,
                "isAnonymized": False,
                "archived": None,
            }  # fmt: skip
            self.applications[oid] = {
                "id": self._id(),
                "opportunityId": oid,
                "candidateId": oid,
                "createdAt": now,
                "type": "user",
                "posting": posting,
                "user": performer,
                "customQuestions": None,
            }
            self.children[oid] = {kind: [] for kind in CHILD_KINDS}
            self.notify("applicationCreated", oid)
            return oid

    def _stage_index(self, stage: str) -> int:
        return next(i for i, s in enumerate(self.stage_list) if s["id"] == stage)

    async def _put_stage(self, request: Request) -> Response:
        oid = self._target(request)
        if isinstance(oid, Response):
            return oid
        body = await _json_body(request)
        if isinstance(body, Response):
            return body
        with self._lock:
            performer = self._performer(request, required=False)
            if isinstance(performer, Response):
                return performer
            stage = body.get("stage")
            if not isinstance(stage, str) or stage not in {s["id"] for s in self.stage_list}:
                return _bad_request(f"Stage {stage} was not found" if isinstance(stage, str) else "stage is required")
            now = self.now_ms()
            opp = self.opportunities[oid]
            change = {"toStageId": stage, "toStageIndex": self._stage_index(stage), "userId": performer,
                      "updatedAt": now}  # fmt: skip
            opp.update(stage=stage, lastAdvancedAt=now, updatedAt=now, stageChanges=[*opp["stageChanges"], change])
            self.notify("candidateStageChange", oid)
            return JSONResponse({"data": self.render_opportunity(oid, expand=False)})

    async def _put_archived(self, request: Request) -> Response:
        oid = self._target(request)
        if isinstance(oid, Response):
            return oid
        body = await _json_body(request)
        if isinstance(body, Response):
            return body
        with self._lock:
            performer = self._performer(request, required=False)
            if isinstance(performer, Response):
                return performer
            if "reason" not in body:
                return _bad_request("reason is required (null to unarchive)")
            reason = body["reason"]
            if reason is not None and reason not in {r["id"] for r in self.reasons}:
                return _bad_request(f"Archive reason {reason} was not found")
            self.archive(oid, reason)
            return JSONResponse({"data": self.render_opportunity(oid, expand=False)})

    async def _create_note(self, request: Request) -> Response:
        oid = self._target(request)
        if isinstance(oid, Response):
            return oid
        body = await _json_body(request)
        if isinstance(body, Response):
            return body
        with self._lock:
            performer = self._performer(request, required=False)
            if isinstance(performer, Response):
                return performer
            value = body.get("value")
            if not isinstance(value, str) or not value.strip():
                return _bad_request("value is required")
            if body.get("secret") is not None and not isinstance(body["secret"], bool):
                return _bad_request("secret must be a boolean")
            now = self.now_ms()
            note = {
                "id": self._id(),
                "text": "Note",
                "fields": [{"type": "note", "text": "Comment", "value": value, "createdAt": now}],
                "user": performer or next(iter(self.users)),
                "secret": bool(body.get("secret")),
                "completedAt": now,
                "createdAt": now,
                "deletedAt": None,
            }
            self.children[oid]["notes"].append(note)
            self.opportunities[oid]["updatedAt"] = now
            return JSONResponse({"data": {"noteId": note["id"]}}, 201)

    async def _upload_file(self, request: Request) -> Response:
        oid = self._target(request)
        if isinstance(oid, Response):
            return oid
        with self._lock:
            performer = self._performer(request, required=False)
        if isinstance(performer, Response):
            return performer
        body = await request.body()
        if len(body) > MAX_FILE_BYTES + 64 * 1024:
            return _bad_request("File is larger than 30MB")
        part = _multipart_file(request.headers.get("content-type", ""), body)
        if part is None:
            return _bad_request("file is required (multipart/form-data)")
        name, media, content = part
        if len(content) > MAX_FILE_BYTES:
            return _bad_request("File is larger than 30MB")
        with self._lock:
            fid, now = self._id(), self.now_ms()
            ext = f".{name.rsplit('.', 1)[-1]}" if "." in name else ""
            item = {
                "id": fid,
                "downloadUrl": f"https://hire.lever.co/candidates/{oid}/files/{fid}/download",
                "ext": ext,
                "name": name,
                "uploadedAt": str(now),
                "status": "processed",
                "size": str(len(content)),
            }
            self.uploads[fid] = (content, media)
            self.children[oid]["files"].append(item)
            self.opportunities[oid]["updatedAt"] = now
            return JSONResponse({"data": copy.deepcopy(item)}, 201)

    async def _update_list_field(self, request: Request) -> Response:
        """`addTags`/`removeTags` (`{"tags": [...]}`), `addLinks`/`removeLinks` (`{"links": [...]}`)."""
        verbs = {"addTags": ("tags", True), "removeTags": ("tags", False), "addLinks": ("links", True),
                 "removeLinks": ("links", False)}  # fmt: skip
        verb = request.path_params["verb"]
        if verb not in verbs:
            return JSONResponse({"code": "MethodNotAllowed", "message": f"POST {verb} is not allowed"}, 405)
        oid = self._target(request)
        if isinstance(oid, Response):
            return oid
        body = await _json_body(request)
        if isinstance(body, Response):
            return body
        key, adding = verbs[verb]
        values = body.get(key)
        if not isinstance(values, list) or not values or not all(isinstance(v, str) and v.strip() for v in values):
            return _bad_request(f"{key} must be a non-empty array of strings")
        with self._lock:
            performer = self._performer(request, required=False)
            if isinstance(performer, Response):
                return performer
            opp = self.opportunities[oid]
            current = list(opp[key])
            changed = list(dict.fromkeys([*current, *values])) if adding else [v for v in current if v not in values]
            opp[key] = changed
            opp["updatedAt"] = self.now_ms()
            return JSONResponse({"data": self.render_opportunity(oid, expand=False)})


def _bad_request(message: str) -> Response:
    return JSONResponse({"code": "BadRequestError", "message": message}, 400)


def _unauthorized() -> Response:
    return JSONResponse({"code": "UnauthorizedError", "message": "Invalid API key"}, 401)


async def _json_body(request: Request) -> Json | Response:
    try:
        body = json.loads(await request.body() or b"null")
    except ValueError:
        return _bad_request("Request body is not valid JSON")
    return body if isinstance(body, dict) else _bad_request("Request body must be a JSON object")


def _multipart_file(content_type: str, body: bytes) -> tuple[str, str, bytes] | None:
    """(file name, content type, bytes) of the form's `file` part, or None (stdlib parser: the
    emulator needs no multipart package)."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    if not message.is_multipart():
        return None
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == "file":
            data = part.get_payload(decode=True)
            name = part.get_filename() or "file"
            return name, part.get_content_type(), data if isinstance(data, bytes) else b""
    return None


def _not_found(kind: str, remote_id: str) -> Response:
    return JSONResponse({"code": "ResourceNotFound", "message": f"{kind} {remote_id} was not found"}, 404)


def _rate_limited() -> Response:
    return JSONResponse({"code": "TooManyRequests", "message": "Rate limit exceeded"}, 429)
