"""The sandbox: a deterministic, generated ATS with a history.

`SandboxSource(seed, applications, step)` yields the same records for the same arguments, on any
machine, without storing anything. It serves two purposes: realistic data for development (every
enum value, answer type and edge case of Kombo's ATS models shows up), and a source whose changes
over time are known, so that the sync engine's change detection can be tested at scale.

How state is computed
- Tags, users, rejection reasons, jobs and their stages are static: a pure function of the seed and
  the entity's index. The first users and jobs ("starters") have fixed roles and statuses, so that
  even a small sandbox shows every value.
- Candidates and applications (with their interviews and offers) are *simulated*. An entity's state at
  step k is its initial state with its own events of steps 1..k applied. Its randomness comes from one
  `random.Random` seeded with (seed, kind, index) and drawn in a fixed order, so the draws for step s
  are the same whatever k is: a record whose entity had no event in a step comes out equal.
- Which event an entity has in a step comes from a low-discrepancy "roll" over all entities of its
  kind (`_event_roll`): each step has close to the expected number of every kind of event, instead of
  the wide spread of independent draws, so that small sandboxes still change in every way each step.
- Whether an entity exists at a step (born, deleted, restored) is a closed-form `_Lifespan` derived
  from a hash, so an application can tell whether its candidate exists without replaying the
  candidate. An entity only changes in steps it exists through, so a restored one comes back exactly
  as it was deleted. Accepted offers are never deleted; decided applications no longer change.
- Nothing is collected: each method streams entities in ascending remote-id order and holds one
  entity's state (a handful of interviews and offers at most) at a time, plus a small, bounded cache
  of job plans.

Time: the initial data was created during the year before `BASE_TIME`; step s happens in the first
hours of the day that starts at `BASE_TIME + s days`, so later steps always have later timestamps.
"""

from __future__ import annotations

import functools
import hashlib
import math
import random
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final, NamedTuple, TypeVar

from hirebridge.model.records import (
    Application,
    ApplicationStage,
    Candidate,
    EmailAddress,
    Interview,
    Job,
    Location,
    Offer,
    OfferStatus,
    Outcome,
    PhoneNumber,
    Record,
    RejectionReason,
    RoleType,
    ScreeningAnswer,
    ScreeningType,
    SocialMedia,
    SystemRole,
    Tag,
    User,
    UserStatus,
)

_T = TypeVar("_T")
_S = TypeVar("_S")

BASE_TIME: Final = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
# The simulation keeps time as whole seconds since BASE_TIME (`_Instant`): integer arithmetic is several
# times cheaper than datetime arithmetic, and whole seconds survive the wire's millisecond precision.
_Instant = int
_HOUR: Final = 3600
_DAY: Final = 24 * _HOUR
STEP_SECONDS: Final = _DAY  # step s starts at BASE_TIME + s days
_HISTORY: Final = 360 * _DAY  # the initial data was created during this span before BASE_TIME
_EVENT_WINDOW: Final = 8 * _HOUR  # a step's events happen within its first 8 hours
_BASE_EPOCH: Final = int(BASE_TIME.timestamp())
_BASE_ORDINAL: Final = BASE_TIME.toordinal()
_APP_URL: Final = "https://ats.sandbox.example"

# --------------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------------

TAG_NAMES: Final = (
    "High Potential",
    "Referral",
    "Remote",
    "Relocation",
    "Senior",
    "Junior",
    "Bilingual",
    "Silver Medalist",
    "Visa Required",
    "Diversity Hire",
    "Fast Track",
    "Do Not Contact",
)
REJECTION_REASONS: Final = (
    "Not qualified",
    "Position filled",
    "Salary expectations",
    "Withdrew application",
    "No show",
    "Culture add mismatch",
    "Failed assessment",
    "Location mismatch",
)
# Every name folds to a distinct ASCII slug (emails are built from slugs).
FIRST_NAMES: Final = (
    "Aarav", "Adaeze", "Alejandro", "Amélie", "Ana", "Anna", "Björn", "Camille", "Chloé", "Daniel",
    "Dmitri", "Elif", "Emma", "Fatima", "Felix", "Freya", "Giulia", "Hana", "Hélène", "Ibrahim",
    "Ingrid", "Isabella", "Jamal", "Javier", "Jonas", "José", "Julia", "Kenji", "Leila", "Liam",
    "Lucas", "Łukasz", "Maya", "Mei", "Mohammed", "Nadia", "Nia", "Noah", "Olga", "Omar", "Priya",
    "Rafael", "Renée", "Siobhán", "Sofia", "Søren", "Tariq", "Thomas", "Valentina", "Yusuf", "Zoë",
)  # fmt: skip
LAST_NAMES: Final = (
    "Adeyemi", "Andersen", "Bianchi", "Brown", "Çelik", "Chen", "Costa", "Doe", "Dubois",
    "Fernández", "García", "Hansen", "Ivanova", "Jansen", "Jørgensen", "Kim", "Kowalski", "Kumar",
    "Larsen", "Lee", "López", "Martin", "Müller", "Nakamura", "Nguyen", "Novak", "Nowak", "O'Brien",
    "Okafor", "Papadopoulos", "Patel", "Petrov", "Rossi", "Santos", "Schmidt", "Silva", "Smith",
    "Suzuki", "Takahashi", "Wang", "Weber", "Williams", "Öztürk", "Zhang", "Øberg",
)  # fmt: skip
_COMPANIES: Final = (
    "Northwind Labs",
    "Bluefin Logistics",
    "Kestrel Systems",
    "Orchard Health",
    "Tandem Finance",
    "Helix Bio",
)
_EMPLOYERS: Final = (
    "Brightline Analytics", "Nimbus Cloud", "Quarry Games", "Lumen Retail", "Atlas Mobility",
    "Granite Insurance", "Sable Media", "Vireo Energy", "Copperleaf Software", "Harbor Bank",
)  # fmt: skip
_CANDIDATE_TITLES: Final = (
    "Software Engineer", "Senior Software Engineer", "Data Analyst", "Product Manager",
    "UX Designer", "Account Manager", "Marketing Specialist", "Operations Manager",
    "Customer Support Lead", "Financial Analyst", "Student", "Consultant",
)  # fmt: skip
_SOURCES: Final = (
    "LinkedIn", "Referral", "Careers Page", "Indeed", "Agency", "Sourced", "Glassdoor", "Job Fair",
)  # fmt: skip
_PRIVATE_DOMAINS: Final = ("example.com", "example.org", "example.net", "mail.example")
_TEXT_SNIPPETS: Final = (
    "I love building products that people use every day.",
    "Your mission resonates with me and I want to grow with the team.",
    "A friend who works here recommended the culture.",
    "I am looking for more ownership and a bigger impact.",
)


@dataclass(frozen=True, slots=True)
class _Office:
    city: str
    state: str | None
    country: str  # ISO-2
    country_name: str
    zip_code: str
    street: str
    currency: str
    salary_factor: float  # local currency per EUR, scaled by local pay level
    phone_prefix: str
    area: Location = field(init=False)  # where a candidate lives
    address: Location = field(init=False)  # the office itself (jobs, on-site interviews)

    def __post_init__(self) -> None:
        # Built once: records share these (immutable) values instead of building one per record.
        raw = f"{self.city}, {self.country_name}"
        area = Location(city=self.city, country=self.country, raw=raw, state=self.state)
        address = Location(
            city=self.city,
            country=self.country,
            raw=f"{self.street}, {self.zip_code} {raw}",
            state=self.state,
            street_1=self.street,
            zip_code=self.zip_code,
        )
        object.__setattr__(self, "area", area)
        object.__setattr__(self, "address", address)


_OFFICES: Final = (
    _Office("Berlin", "Berlin", "DE", "Germany", "10115", "Invalidenstraße 117", "EUR", 1.0, "+49"),
    _Office("München", "Bayern", "DE", "Germany", "80331", "Sendlinger Straße 12", "EUR", 1.1, "+49"),
    _Office("London", "England", "GB", "United Kingdom", "EC2A 4NE", "1 Finsbury Avenue", "GBP", 0.95, "+44"),
    _Office("New York", "NY", "US", "United States", "10013", "120 Hudson Street", "USD", 1.5, "+1"),
    _Office("San Francisco", "CA", "US", "United States", "94105", "535 Mission Street", "USD", 1.7, "+1"),
    _Office("Toronto", "ON", "CA", "Canada", "M5V 2T6", "200 Wellington St W", "CAD", 1.6, "+1"),
    _Office("Paris", "Île-de-France", "FR", "France", "75002", "12 Rue de la Paix", "EUR", 0.95, "+33"),
    _Office(
        "Amsterdam", "Noord-Holland", "NL", "Netherlands", "1017 CE", "Herengracht 420", "EUR", 1.0, "+31"
    ),
    _Office("Barcelona", "Catalonia", "ES", "Spain", "08002", "Carrer de Ferran 24", "EUR", 0.7, "+34"),
    _Office("Lisbon", "Lisboa", "PT", "Portugal", "1100-148", "Rua Augusta 25", "EUR", 0.6, "+351"),
    _Office("Stockholm", None, "SE", "Sweden", "111 52", "Drottninggatan 33", "SEK", 11.0, "+46"),
    _Office("Zürich", "Zürich", "CH", "Switzerland", "8001", "Bahnhofstrasse 45", "CHF", 1.4, "+41"),
    _Office("Warsaw", "Masovia", "PL", "Poland", "00-001", "ul. Marszałkowska 10", "PLN", 2.6, "+48"),
    _Office("Singapore", None, "SG", "Singapore", "018956", "1 Marina Boulevard", "SGD", 1.3, "+65"),
    _Office("São Paulo", "SP", "BR", "Brazil", "01310-100", "Avenida Paulista 1000", "BRL", 2.2, "+55"),
)


@dataclass(frozen=True, slots=True)
class _Role:
    title: str
    department: str
    category: str
    code: str
    salary: int  # mid-level yearly salary in EUR
    duty: str


_ROLES: Final = (
    _Role("Backend Engineer", "Engineering", "Technical", "ENG", 70000, "design and run our core APIs"),
    _Role("Frontend Engineer", "Engineering", "Technical", "ENG", 65000, "build a fast, accessible web app"),
    _Role("DevOps Engineer", "Engineering", "Technical", "ENG", 72000, "keep our platform reliable"),
    _Role("Data Scientist", "Data", "Technical", "DAT", 75000, "turn data into product decisions"),
    _Role("Product Manager", "Product", "Product", "PRD", 78000, "own a product area end to end"),
    _Role("Product Designer", "Design", "Creative", "DES", 62000, "shape how customers use our product"),
    _Role("Account Executive", "Sales", "Sales", "SAL", 60000, "win and grow key accounts"),
    _Role("Customer Success Manager", "Customer Success", "Operations", "CSM", 55000, "help customers"),
    _Role("Recruiter", "People", "Human Resources", "PPL", 52000, "hire the people who build the company"),
    _Role("Marketing Manager", "Marketing", "Marketing", "MKT", 60000, "run campaigns across channels"),
    _Role("Financial Analyst", "Finance", "Finance", "FIN", 58000, "plan and report our finances"),
    _Role("Warehouse Associate", "Logistics", "Operations", "LOG", 32000, "keep orders moving"),
)
_LEVELS: Final = (("Junior ", "Entry level", 0.75), ("", "Mid level", 1.0), ("Senior ", "Senior", 1.3))
_EMPLOYMENT_TYPES: Final = (
    ("FULL_TIME", 75),
    ("PART_TIME", 10),
    ("CONTRACT", 8),
    ("INTERNSHIP", 4),
    ("SEASONAL", 3),
)
_WEEKLY_HOURS: Final = {
    "FULL_TIME": 40.0,
    "PART_TIME": 20.0,
    "CONTRACT": 40.0,
    "INTERNSHIP": 30.0,
    "SEASONAL": 30.0,
}
_JOB_STATUSES: Final = (("OPEN", 60), ("CLOSED", 20), ("DRAFT", 10), ("ARCHIVED", 10))
_VISIBILITIES: Final = (("PUBLIC", 70), ("INTERNAL", 20), ("UNLISTED", 10))
_WORK_MODES: Final = (("ONSITE", 40), ("HYBRID", 45), ("REMOTE", 15))
# (status, visibility, employment type) of the first jobs of every sandbox: together they show every
# value, and the first two are open, so that every sandbox has pending applications.
_STARTER_JOBS: Final = (
    ("OPEN", "PUBLIC", "FULL_TIME"),
    ("OPEN", "INTERNAL", "PART_TIME"),
    ("CLOSED", "PUBLIC", "CONTRACT"),
    ("DRAFT", "UNLISTED", "INTERNSHIP"),
    ("ARCHIVED", "PUBLIC", "SEASONAL"),
)
# Which job statuses an application may have, by (created after step 0?, initial outcome): new ones go
# to open jobs; a pending one may sit on a job closed since (a stale pipeline), but not an archived one.
_JOB_STATUSES_FOR: Final[dict[tuple[bool, Outcome], frozenset[str]]] = {
    (True, "PENDING"): frozenset({"OPEN"}),
    (False, "PENDING"): frozenset({"OPEN", "CLOSED"}),
    (False, "HIRED"): frozenset({"OPEN", "CLOSED", "ARCHIVED"}),
    (False, "DECLINED"): frozenset({"OPEN", "CLOSED", "ARCHIVED"}),
}
_LEGACY_STARTER_JOB: Final = 2  # always has an INACTIVE legacy stage (some of its rejections sit in it)

# Pipelines: Applied, then a subset of the middle stages in this order, then Offer and Hired.
_MIDDLE_STAGES: Final = (
    "Phone Screen",
    "Recruiter Screen",
    "Technical Interview",
    "Take-home Assignment",
    "Onsite",
    "Team Interview",
    "Reference Check",
)
_INTERVIEW_STAGES: Final = frozenset(
    {"Phone Screen", "Recruiter Screen", "Technical Interview", "Onsite", "Team Interview"}
)
_LEGACY_STAGE: Final = "Legacy Screening"  # an archived (INACTIVE) stage that old applications still sit in


@dataclass(frozen=True, slots=True)
class _Question:
    key: str
    title: str
    type: ScreeningType
    options: tuple[str, ...] = ()
    number_range: tuple[int, int, int] = (0, 0, 1)  # NUMBER answers: low, high, step


# Ordered so that the types cycle: any 6 consecutive questions cover the six common types (UNKNOWN is
# the sandbox's "star rating" widget, which maps to no unified type; its answer is `{"raw": None}`).
_QUESTIONS: Final = (
    _Question("motivation", "Why do you want to join us?", "TEXT", _TEXT_SNIPPETS),
    _Question(
        "heard", "How did you hear about us?", "SINGLE_SELECT", ("LinkedIn", "Friend", "Job board", "Event")
    ),
    _Question(
        "languages",
        "Which languages do you speak fluently?",
        "MULTI_SELECT",
        ("English", "German", "French", "Spanish", "Portuguese", "Polish", "Mandarin"),
    ),
    _Question("visa", "Do you require visa sponsorship?", "BOOLEAN"),
    _Question(
        "experience",
        "How many years of professional experience do you have?",
        "NUMBER",
        number_range=(0, 25, 1),
    ),
    _Question("start", "What is your earliest possible start date?", "DATE"),
    _Question(
        "stack", "Which is your primary programming language?", "TEXT", ("Python", "TypeScript", "Go", "Java")
    ),
    _Question(
        "education",
        "What is your highest level of education?",
        "SINGLE_SELECT",
        ("High school", "Bachelor's degree", "Master's degree", "PhD"),
    ),
    _Question(
        "tools", "Which of these tools have you used?", "MULTI_SELECT", ("Jira", "Figma", "SQL", "Excel")
    ),
    _Question("relocate", "Are you willing to relocate?", "BOOLEAN"),
    _Question(
        "salary", "What are your yearly salary expectations?", "NUMBER", number_range=(30000, 150000, 5000)
    ),
    _Question("onsite", "When could you come to our office for an on-site interview?", "DATE"),
    _Question("english", "Rate your English skills", "UNKNOWN"),
)

_ROLE_CATALOG: Final[dict[RoleType, tuple[str, str]]] = {
    "ADMIN": ("role-admin", "Site Admin"),
    "RECRUITER": ("role-recruiter", "Recruiter"),
    "HIRING_MANAGER": ("role-hiring-manager", "Hiring Manager"),
    "INTERVIEWER": ("role-interviewer", "Interviewer"),
    "COORDINATOR": ("role-coordinator", "Recruiting Coordinator"),
    "SOURCER": ("role-sourcer", "Sourcer"),
}
# The first users of every sandbox: together they hold every role and status.
_STARTER_USERS: Final[tuple[tuple[tuple[RoleType, ...], UserStatus], ...]] = (
    (("ADMIN", "RECRUITER"), "ACTIVE"),
    (("RECRUITER", "SOURCER"), "ACTIVE"),
    (("HIRING_MANAGER", "INTERVIEWER"), "ACTIVE"),
    (("COORDINATOR",), "ACTIVE"),
    (("INTERVIEWER",), "INACTIVE"),
)
_USER_ROLES: Final[tuple[tuple[RoleType, int], ...]] = (
    ("INTERVIEWER", 40),
    ("HIRING_MANAGER", 20),
    ("RECRUITER", 15),
    ("COORDINATOR", 10),
    ("SOURCER", 8),
    ("ADMIN", 7),
)
_PENDING_OFFER_STATUSES: Final[tuple[OfferStatus, ...]] = ("DRAFT", "APPROVED", "SENT", "SENT")  # SENT 50%
_OPEN_OFFER_STATUSES: Final[frozenset[OfferStatus]] = frozenset(("DRAFT", "APPROVED", "SENT"))
_LOST_OFFER_STATUSES: Final[tuple[OfferStatus, ...]] = ("DECLINED", "ABANDONED")  # lost or withdrawn

# --------------------------------------------------------------------------------------------------
# Small pure helpers
# --------------------------------------------------------------------------------------------------


def _hash64(key: str) -> int:
    """A stable 64-bit hash of `key` (unlike `hash()`, the same in every process)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")


def _weighted(rng: random.Random, table: tuple[tuple[_T, int], ...]) -> _T:
    roll = rng.randrange(sum(weight for _, weight in table))
    for value, weight in table:
        if roll < weight:
            return value
        roll -= weight
    raise AssertionError("unreachable")


def _rid(prefix: str, index: int, width: int) -> str:
    """Remote ids are 1-based and zero-padded, so that string order is creation order."""
    return f"{prefix}_{index + 1:0{width}d}"


_ASCII_FALLBACK: Final = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss"})


@functools.lru_cache(maxsize=512)
def _slug(text: str) -> str:
    """Lowercase ASCII letters and digits only, for e-mails and URLs ("Łukasz" -> "lukasz")."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_ASCII_FALLBACK))
    return "".join(ch for ch in decomposed if ch.isascii() and ch.isalnum()).lower()


def _at(instant: _Instant) -> datetime:
    return BASE_TIME + timedelta(seconds=instant)


def _epoch_ms(instant: _Instant) -> int:
    """Raw payloads carry Unix epoch milliseconds, as many ATS APIs do."""
    return (_BASE_EPOCH + instant) * 1000


def _spread(index: int, count: int, unit: float) -> _Instant:
    """The creation time of initial entity `index` of `count`: spread over the history, in order,
    and at least a week before BASE_TIME."""
    return -_HISTORY + int(_HISTORY * 0.98 * (index + unit) / count)


def _event_time(step: int, rng: random.Random) -> _Instant:
    return step * STEP_SECONDS + rng.randrange(_EVENT_WINDOW)


def _between(start: _Instant, end: _Instant, rng: random.Random, low: float = 0.0) -> _Instant:
    """A time in [start + low * (end - start), end]."""
    return start + int((end - start) * rng.uniform(low, 1.0))


def _business_slot(day: _Instant, rng: random.Random) -> _Instant:
    """One of the 36 quarter hours from 8:00 to 16:45 UTC on the day of `day`."""
    midnight = day - (day + BASE_TIME.hour * _HOUR) % _DAY
    return midnight + 8 * _HOUR + rng.randrange(36) * 15 * 60


def _month_start_after(instant: _Instant) -> datetime:
    moment = _at(instant)
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return datetime(year, month, 1, tzinfo=UTC)


def _raw(kind: str, remote_id: str, **fields: Any) -> dict[str, Any]:
    """What the sandbox's own API returns for a record (kept as `remote_data`)."""
    return {"id": remote_id, "object": kind, "source": "sandbox", **fields}


def _answer(question: _Question, rng: random.Random, applied_at: _Instant) -> dict[str, Any]:
    """An answer holding exactly the key of the question's type, as in Kombo's union."""
    kind = question.type
    if kind == "TEXT":
        return {"content": rng.choice(question.options)}
    if kind == "SINGLE_SELECT":
        return {"choice": rng.choice(question.options)}
    if kind == "MULTI_SELECT":
        picked = rng.randint(1, 2 ** len(question.options) - 1)  # a non-empty subset, as a bit mask
        return {"choices": [option for bit, option in enumerate(question.options) if picked >> bit & 1]}
    if kind == "BOOLEAN":
        return {"checked": rng.random() < 0.3}
    if kind == "NUMBER":
        low, high, step = question.number_range
        return {"number": float(low + step * rng.randrange((high - low) // step + 1))}
    if kind == "DATE":
        day = date.fromordinal(_BASE_ORDINAL + (applied_at + rng.randint(7, 120) * _DAY) // _DAY)
        return {"date": f"{day.isoformat()}T00:00:00.000Z"}
    # UNKNOWN: Kombo's OpenAPI document types `raw` as null (its docs say "any"); null passes both.
    return {"raw": None}


def _random_user_roles(rng: random.Random) -> tuple[tuple[RoleType, ...], UserStatus]:
    """Roles and status of a user beyond the starters: one main role, often plus interviewing."""
    primary = _weighted(rng, _USER_ROLES)
    roles: tuple[RoleType, ...] = (primary,)
    if primary != "INTERVIEWER" and rng.random() < 0.4:
        roles = (primary, "INTERVIEWER")
    status: UserStatus = "INACTIVE" if rng.random() < 0.1 else "ACTIVE"
    return roles, status


# --------------------------------------------------------------------------------------------------
# Existence over time, event rates
# --------------------------------------------------------------------------------------------------

_RESTORE_SHARE: Final = 0.25  # share of deleted entities that come back, 2-4 steps later
_LIFE_BITS: Final = 50  # a lifespan uses the low 50 bits of its key


class _Lifespan(NamedTuple):
    """When an entity exists: from `born` on, except from `deleted` until `restored` (if ever).

    (Lifespans and identities are NamedTuples: they are built per entity, and tuples build fastest.)"""

    born: int
    deleted: int
    restored: int | None

    def steady(self, step: int) -> bool:
        """Exists after `step` and existed before it (or was born in it). Only then can the entity
        change in the step, so that a restored entity comes back exactly as it was deleted."""
        return self.alive(step) and (step == self.born or self.alive(step - 1))

    def alive(self, step: int) -> bool:
        if step < self.born:
            return False
        if step < self.deleted:
            return True
        return self.restored is not None and step >= self.restored

    @staticmethod
    def of(bits: int, born: int, deleted: int) -> _Lifespan:
        """Deleted at `deleted`; whether and when it comes back is decided by `bits` (a random number
        of at least `_LIFE_BITS` bits)."""
        u_restore = ((bits >> 24) & 0xFFFFFF) / 2**24
        restored = deleted + 2 + ((bits >> 48) & 3) % 3 if u_restore < _RESTORE_SHARE else None
        return _Lifespan(born, deleted, restored)

    @staticmethod
    def geometric(bits: int, born: int, rate: float) -> _Lifespan:
        """A lifespan with a per-step deletion probability `rate`, all decided by `bits`. A closed form
        (a geometric draw) rather than a per-step loop, so it costs the same at any step."""
        u_delete = ((bits & 0xFFFFFF) + 0.5) / 2**24
        return _Lifespan.of(bits, born, born + 1 + int(math.log(u_delete) / math.log1p(-rate)))


class _Identity(NamedTuple):
    """What a stable hash decides about a candidate or application without replaying it: its birth
    step, its lifespan and a uniform number in [0, 1) for its creation time."""

    number: int  # the entity's index
    born: int
    life: _Lifespan
    unit: float


def _floored(rate: float, population: float, events: float, cap: float) -> float:
    """`rate`, raised so that `population` entities see about `events` events per step, but at most
    `cap`: a small sandbox still changes every step, without being deleted away in a few steps."""
    return min(cap, max(rate, events / max(population, 1.0)))


@dataclass(frozen=True, slots=True)
class _Rates:
    """Per-step probabilities of each event, for one entity that can have it."""

    reject: float  # a pending application is rejected
    candidate_edit: float  # name, e-mail, phone or current job changes
    tag_change: float  # a tag is added or removed
    candidate_deletion: float
    application_deletion: float
    interview_deletion: float
    offer_deletion: float
    advance: float = 0.15  # a pending application moves to the next stage
    follow_up: float = 0.05  # an extra interview in the current interview stage
    cancel: float = 0.2  # an upcoming interview is canceled ...
    reschedule: float = 0.6  # ... and replaced by a new one
    offer_step: float = 0.75  # the open offer moves DRAFT -> APPROVED -> SENT -> answered
    accept: float = 0.75  # a sent offer is accepted (else declined)

    @staticmethod
    def for_size(applications: int, candidates: int) -> _Rates:
        # Populations: about half the applications are pending, interviews are about two per
        # application, deletable (not accepted) offers about one per eight applications.
        return _Rates(
            reject=_floored(0.04, applications * 0.5, events=2.5, cap=0.1),
            candidate_edit=_floored(0.03, candidates, events=10, cap=0.2),  # 4 kinds of edit
            tag_change=_floored(0.03, candidates, events=3, cap=0.1),
            candidate_deletion=_floored(0.004, candidates, events=3, cap=0.04),
            application_deletion=_floored(0.005, applications, events=3, cap=0.04),
            interview_deletion=_floored(0.005, applications * 2, events=5, cap=0.05),
            offer_deletion=_floored(0.02, applications * 0.12, events=5, cap=0.05),
        )


# --------------------------------------------------------------------------------------------------
# Per-entity state
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _JobPlan:
    """A job and what its applications need to know about it."""

    record: Job
    closed_at: _Instant | None
    office: _Office
    stage_names: tuple[str, ...]  # by stage index
    active: tuple[int, ...]  # stage indices of the pipeline, in order
    legacy_index: int | None
    interview_positions: tuple[int, ...]  # pipeline positions of the interview stages
    questions: tuple[tuple[str, _Question], ...]  # (question remote id, question)

    @property
    def remote_id(self) -> str:
        return self.record.remote_id

    @property
    def last_position(self) -> int:
        return len(self.active) - 1

    def stage_remote_id(self, stage_index: int) -> str:
        return f"{self.remote_id}-s{stage_index:02d}"

    def stage_name(self, position: int) -> str:
        return self.stage_names[self.active[position]]

    def is_interview(self, position: int) -> bool:
        return position in self.interview_positions

    def accepts(self, applied_at: _Instant, statuses: frozenset[str]) -> bool:
        """Could an application created at `applied_at` be on this job, given the job statuses its
        kind of application allows? (A job that is no longer open only if it closed later.)"""
        if self.record.status not in statuses:
            return False
        return self.closed_at is None or self.closed_at > applied_at


@dataclass(slots=True)
class _InterviewState:
    """An interview as the simulation needs it; who, where and how long is drawn only for its record,
    from `detail_seed`, so generating applications alone stays cheap."""

    number: int  # n-th interview of its application
    position: int  # pipeline position of its stage
    follow_up: bool
    starting_at: _Instant
    created_at: _Instant
    life: _Lifespan
    detail_seed: int
    updated_at: _Instant
    canceled: bool = False

    def upcoming(self, moment: _Instant) -> bool:
        return not self.canceled and self.starting_at > moment

    def cancel(self, moment: _Instant) -> None:
        self.canceled = True
        self.updated_at = moment


@dataclass(slots=True)
class _OfferState:
    remote_id: str
    status: OfferStatus
    start_date: datetime
    custom_fields: dict[str, Any]
    created_at: _Instant
    updated_at: _Instant
    life: _Lifespan

    def visible(self, step: int) -> bool:
        """Accepted offers are never deleted: a hired application always shows its accepted offer."""
        return self.status == "ACCEPTED" or self.life.alive(step)

    def move(self, status: OfferStatus, moment: _Instant) -> None:
        self.status = status
        self.updated_at = moment

    def record(self, application_remote_id: str) -> Offer:
        updated_at = _at(self.updated_at)
        return Offer(
            remote_id=self.remote_id,
            remote_data=_raw(
                "offer",
                self.remote_id,
                application_id=application_remote_id,
                state=self.status.lower(),
                updated_at=_epoch_ms(self.updated_at),
            ),
            application_remote_id=application_remote_id,
            status=self.status,
            employment_start_date=self.start_date,
            custom_fields=self.custom_fields,
            remote_created_at=_at(self.created_at),
            remote_updated_at=updated_at,
        )


@dataclass(slots=True)
class _ApplicationState:
    identity: _Identity
    candidate: _Identity
    remote_id: str
    job: _JobPlan
    created_at: _Instant
    custom_fields: dict[str, Any]
    answers: tuple[ScreeningAnswer, ...]
    updated_at: _Instant
    position: int = 0  # in the job's pipeline (`job.active`)
    in_legacy_stage: bool = False
    outcome: Outcome = "PENDING"
    rejection_reason: str | None = None
    rejected_at: _Instant | None = None
    interviews: list[_InterviewState] = field(default_factory=list)
    offers: list[_OfferState] = field(default_factory=list)

    @property
    def offer_position(self) -> int:
        return self.job.last_position - 1

    def open_offer(self, step: int) -> _OfferState | None:
        for offer in reversed(self.offers):
            if offer.status in _OPEN_OFFER_STATUSES and offer.life.steady(step):
                return offer
        return None

    def stage_index(self) -> int:
        if self.in_legacy_stage and self.job.legacy_index is not None:
            return self.job.legacy_index
        return self.job.active[self.position]

    def record(self) -> Application:
        stage_index = self.stage_index()
        candidate_remote_id = _rid("cand", self.candidate.number, 8)
        updated_at = _at(self.updated_at)
        return Application(
            remote_id=self.remote_id,
            remote_data=_raw(
                "application",
                self.remote_id,
                candidate_id=candidate_remote_id,
                job_id=self.job.remote_id,
                stage=self.job.stage_names[stage_index],
                state=self.outcome.lower(),
                updated_at=_epoch_ms(self.updated_at),
            ),
            candidate_remote_id=candidate_remote_id,
            job_remote_id=self.job.remote_id,
            current_stage_remote_id=self.job.stage_remote_id(stage_index),
            outcome=self.outcome,
            rejection_reason_name=self.rejection_reason,
            rejected_at=None if self.rejected_at is None else _at(self.rejected_at),
            custom_fields=self.custom_fields,
            remote_url=f"{_APP_URL}/applications/{self.remote_id}",
            screening_question_answers=self.answers,
            remote_created_at=_at(self.created_at),
            remote_updated_at=updated_at,
        )


@dataclass(slots=True)
class _CandidateState:
    number: int
    remote_id: str
    first_name: str
    last_name: str
    company: str | None
    title: str
    confidential: bool
    source: str
    office: _Office
    emails: list[EmailAddress]
    phones: list[PhoneNumber]
    social_media: tuple[SocialMedia, ...]
    tags: list[int]
    custom_fields: dict[str, Any]
    created_at: _Instant
    updated_at: _Instant

    def record(self) -> Candidate:
        updated_at = _at(self.updated_at)
        return Candidate(
            remote_id=self.remote_id,
            remote_data=_raw(
                "candidate",
                self.remote_id,
                name=f"{self.first_name} {self.last_name}",
                updated_at=_epoch_ms(self.updated_at),
            ),
            first_name=self.first_name,
            last_name=self.last_name,
            company=self.company,
            title=self.title,
            confidential=self.confidential,
            source=self.source,
            email_addresses=tuple(self.emails),
            phone_numbers=tuple(self.phones),
            social_media=self.social_media,
            location=self.office.area,
            custom_fields=self.custom_fields,
            remote_url=f"{_APP_URL}/candidates/{self.remote_id}",
            remote_created_at=_at(self.created_at),
            remote_updated_at=updated_at,
            tag_remote_ids=tuple(_rid("tag", tag, 2) for tag in self.tags),
        )


# --------------------------------------------------------------------------------------------------
# Candidate details and edits
# --------------------------------------------------------------------------------------------------


def _other_email(first: str, last: str, rng: random.Random) -> EmailAddress:
    local = f"{_slug(first)[0]}{_slug(last)}{rng.randint(10, 99)}"
    return EmailAddress(f"{local}@{rng.choice(_PRIVATE_DOMAINS)}", "OTHER")


def _phone(office: _Office, rng: random.Random, kind: str) -> PhoneNumber:
    return PhoneNumber(f"{office.phone_prefix} {rng.randint(100, 999)} {rng.randint(1000000, 9999999)}", kind)


def _social_media(first: str, last: str, rng: random.Random) -> tuple[SocialMedia, ...]:
    handle = f"{_slug(first)}-{_slug(last)}-{rng.randrange(16**4):04x}"
    profiles = {
        "GITHUB": f"https://github.com/{handle}",
        "LINKEDIN": f"https://www.linkedin.com/in/{handle}",
        "TWITTER": f"https://x.com/{handle}",
        "XING": f"https://www.xing.com/profile/{handle}",
    }
    kinds = sorted(rng.sample(tuple(profiles), _weighted(rng, ((0, 35), (1, 45), (2, 20)))))
    return tuple(SocialMedia(link=profiles[kind], type=kind, username=handle) for kind in kinds)


def _change_tags(state: _CandidateState, rng: random.Random) -> None:
    """Add a tag (up to three) or remove one. Tags are links: this does not touch `updated_at`."""
    if not state.tags or (len(state.tags) < 3 and rng.random() < 0.6):
        added = rng.choice([tag for tag in range(len(TAG_NAMES)) if tag not in state.tags])
        state.tags = sorted([*state.tags, added])
    else:
        removed = rng.choice(state.tags)
        state.tags = [tag for tag in state.tags if tag != removed]


def _rename(state: _CandidateState, rng: random.Random) -> None:
    state.last_name = rng.choice([name for name in LAST_NAMES if name != state.last_name])


def _edit_email(state: _CandidateState, rng: random.Random) -> None:
    """Add an address, or once there are three, replace the last one."""
    address = _other_email(state.first_name, state.last_name, rng)
    if len(state.emails) < 3:
        state.emails.append(address)
    else:
        state.emails[-1] = address


def _edit_phone(state: _CandidateState, rng: random.Random) -> None:
    if len(state.phones) < 2:
        state.phones.append(_phone(state.office, rng, "WORK" if state.phones else "MOBILE"))
    else:
        state.phones[0] = _phone(state.office, rng, state.phones[0].type or "MOBILE")


def _change_job(state: _CandidateState, rng: random.Random) -> None:
    state.company = rng.choice([name for name in _EMPLOYERS if name != state.company])
    state.title = rng.choice([title for title in _CANDIDATE_TITLES if title != state.title])


_CANDIDATE_EDITS: Final[tuple[Callable[[_CandidateState, random.Random], None], ...]] = (
    _rename,
    _edit_email,
    _edit_phone,
    _change_job,
)


# --------------------------------------------------------------------------------------------------
# The source
# --------------------------------------------------------------------------------------------------

_JOB_WINDOW: Final = 64  # an application picks among this many jobs near its own position in time ...
_JOB_CACHE_SIZE: Final = 512  # ... so a small cache of job plans serves all of them
# Share of a step's new applications (beyond its first two) that come from existing candidates.
_RETURNING_SHARE: Final = 0.25
_MAX_INTERVIEWS: Final = 20
_MAX_OFFERS: Final = 3
_INITIAL_INTERVIEWS: Final = 4
# Low-discrepancy ("Weyl") sequences: frac(phase + n * alpha) for an irrational alpha spreads any run of
# n evenly over [0, 1), unlike random draws. Used where a small sandbox must still show every case.
_GOLDEN: Final = (math.sqrt(5) - 1) / 2  # initial outcomes over applications; event rolls over steps
_CANDIDATE_ALPHA: Final = math.sqrt(2) - 1  # candidate events, over candidates
_APPLICATION_ALPHA: Final = math.sqrt(3) - 1  # application events, over applications
_CANDIDATE_DELETION_ALPHA: Final = (math.sqrt(10) - 2) / 2  # continued fraction [0; 1, 1, 2, 1, 1, 2, ...]
_APPLICATION_DELETION_ALPHA: Final = (math.sqrt(85) - 5) / 6  # continued fraction [0; 1, 2, 2, 1, 2, 2, ...]


class SandboxSource:
    """A deterministic generated ATS: `applications` initial applications, seen at `step` of its history.

    Every method streams records in ascending remote-id order, and the same arguments give equal
    records. Going from step k to k+1 adds applications (and candidates); moves, rejects and hires
    applications; schedules and cancels interviews; moves offers; edits candidates and their tags; and
    deletes (and sometimes restores, a few steps later) candidates, applications, interviews and offers.
    """

    def __init__(self, seed: str, applications: int, step: int = 0) -> None:
        if applications < 0 or step < 0:
            raise ValueError("applications and step must not be negative")
        self.seed = seed
        self.initial_applications = applications
        self.step = step
        self.user_count = max(5, applications // 200)
        self.job_count = max(3, applications // 40)
        self.initial_candidates = max(1, (applications * 9 + 9) // 10)  # ceil(0.9 * applications)
        # New applications per step; at least 5, which about offsets a small sandbox's deletions.
        self.growth_per_step = max(5, applications // 50)
        self._rates = _Rates.for_size(applications, self.initial_candidates)
        self._company = _COMPANIES[_hash64(f"{seed}\x1fcompany") % len(_COMPANIES)]
        self._domain = f"{_slug(self._company)}.example"
        self._outcome_phase = _hash64(f"{seed}\x1foutcome-phase") / 2**64
        self._candidate_phase = _hash64(f"{seed}\x1fcandidate-events") / 2**64
        self._application_phase = _hash64(f"{seed}\x1fapplication-events") / 2**64
        self._deletion_plans = {
            "candidates": self._deletion_plan(
                "candidates", _CANDIDATE_DELETION_ALPHA, self._rates.candidate_deletion
            ),
            "applications": self._deletion_plan(
                "applications", _APPLICATION_DELETION_ALPHA, self._rates.application_deletion
            ),
        }
        self._name_shift = _hash64(f"{seed}\x1fnames")
        self._job_plan: Callable[[int], _JobPlan] = functools.lru_cache(maxsize=_JOB_CACHE_SIZE)(
            self._plan_job
        )

    def __repr__(self) -> str:
        return (
            f"SandboxSource(seed={self.seed!r}, applications={self.initial_applications}, step={self.step})"
        )

    def at_step(self, step: int) -> SandboxSource:
        """The same sandbox at another point of its history."""
        return SandboxSource(self.seed, self.initial_applications, step)

    # ---- public streams -----------------------------------------------------------------------------

    def record_methods(self) -> dict[str, Callable[[], Iterator[Record]]]:
        """Each model and the method that yields it, referenced models first."""
        return {
            Tag.MODEL: self.tags,
            User.MODEL: self.users,
            RejectionReason.MODEL: self.rejection_reasons,
            Job.MODEL: self.jobs,
            ApplicationStage.MODEL: self.application_stages,
            Candidate.MODEL: self.candidates,
            Application.MODEL: self.applications,
            Interview.MODEL: self.interviews,
            Offer.MODEL: self.offers,
        }

    def counts(self) -> dict[str, int]:
        """How many records each method yields (by iterating them all)."""
        return {model: sum(1 for _ in method()) for model, method in self.record_methods().items()}

    def tags(self) -> Iterator[Tag]:
        for index, name in enumerate(TAG_NAMES):
            remote_id = _rid("tag", index, 2)
            yield Tag(remote_id=remote_id, remote_data=_raw("tag", remote_id, label=name), name=name)

    def rejection_reasons(self) -> Iterator[RejectionReason]:
        for index, name in enumerate(REJECTION_REASONS):
            remote_id = _rid("rej", index, 2)
            raw = _raw("rejection_reason", remote_id, label=name)
            yield RejectionReason(remote_id=remote_id, remote_data=raw, name=name)

    def users(self) -> Iterator[User]:
        for index in range(self.user_count):
            yield self._user(index)

    def jobs(self) -> Iterator[Job]:
        for index in range(self.job_count):
            yield self._plan_job(index).record

    def application_stages(self) -> Iterator[ApplicationStage]:
        for index in range(self.job_count):
            plan = self._plan_job(index)
            for stage_index, name in enumerate(plan.stage_names):
                remote_id = plan.stage_remote_id(stage_index)
                yield ApplicationStage(
                    remote_id=remote_id,
                    remote_data=_raw("stage", remote_id, job_id=plan.remote_id, label=name),
                    job_remote_id=plan.remote_id,
                    name=name,
                    index=stage_index,
                    status="INACTIVE" if stage_index == plan.legacy_index else "ACTIVE",
                )

    def candidates(self) -> Iterator[Candidate]:
        for index in self._candidate_indices():
            state = self._candidate_state(index)
            if state is not None:
                yield state.record()

    def applications(self) -> Iterator[Application]:
        for state in self._application_states():
            yield state.record()

    def interviews(self) -> Iterator[Interview]:
        for state in self._application_states():
            for interview in state.interviews:
                if interview.life.alive(self.step):
                    yield self._interview_record(state, interview)

    def offers(self) -> Iterator[Offer]:
        for state in self._application_states():
            for offer in state.offers:
                if offer.visible(self.step):
                    yield offer.record(state.remote_id)

    # ---- randomness, identity and time --------------------------------------------------------------

    def _rng(self, kind: str, index: int) -> random.Random:
        """The one random stream of an entity. Seeding costs ~5 µs, so it happens once per entity."""
        return random.Random(f"{self.seed}\x1f{kind}\x1f{index}")

    def _lifespan(self, bits: int, born: int, rate: float) -> _Lifespan:
        """The lifespan of an interview or offer (their deletions are plentiful: random will do)."""
        # Nothing can have happened to an entity born at the current step: skip the arithmetic.
        return _Lifespan(born, born + 1, None) if born >= self.step else _Lifespan.geometric(bits, born, rate)

    def _deletion_plan(self, kind: str, alpha: float, rate: float) -> tuple[float, float, int]:
        """(phase, alpha, slices): how `_identity` spreads the deletions of `kind` over the steps."""
        return _hash64(f"{self.seed}\x1f{kind}-deletions") / 2**64, alpha, max(1, round(1 / rate))

    def _identity(self, kind: str, index: int, born: int) -> _Identity:
        """A candidate's or application's identity, with its deletion step in closed form.

        A low-discrepancy sequence places the entities of a kind evenly on a circle cut into n = 1/rate
        slices; step s deletes the entities of slice (s - 1) mod n (an entity born later waits for its
        slice to come round). So every step deletes about rate * population of them (at least one once
        that exceeds about 2), and no entity's deletion depends on another's."""
        bits = _hash64(f"{self.seed}\x1f{kind}\x1f{index}")
        unit = (bits >> _LIFE_BITS) / 2 ** (64 - _LIFE_BITS)
        if born >= self.step:  # nothing can have happened to it yet: skip the arithmetic
            return _Identity(index, born, _Lifespan(born, born + 1, None), unit)
        phase, alpha, slices = self._deletion_plans[kind]
        slice_ = int((phase + index * alpha) % 1.0 * slices)
        deleted = born + 1 + (slice_ - born) % slices
        return _Identity(index, born, _Lifespan.of(bits, born, deleted), unit)

    @staticmethod
    def _event_roll(phase: float, alpha: float, index: int, step: int) -> float:
        """Which event (if any) entity `index` has at `step`: a number in [0, 1) to compare with the
        cumulated event rates. Within a step, the rolls of all entities form a low-discrepancy
        sequence, so every step has close to the expected number of each event (at least one once
        rate * population exceeds about 2). Each step turns all rolls by the golden ratio, which keeps
        the slices of successive steps apart: a one-time event (a rejection) keeps finding entities
        that have not had it yet."""
        return (phase + step * _GOLDEN + index * alpha) % 1.0

    def _simulate(
        self,
        kind: str,
        index: int,
        born: int,
        present: Callable[[int], bool],
        create: Callable[[random.Random], _S],
        advance: Callable[[_S, int, random.Random], bool],
    ) -> _S | None:
        """An entity's state at `self.step`: created at step `born`, then advanced through every later
        step that it was present before and after (so a restored entity comes back as it was deleted),
        until `advance` says it is settled. None if it is not present at `self.step`."""
        if not present(self.step):
            return None
        rng = self._rng(kind, index)
        state = create(rng)
        was_present = True
        for step in range(born + 1, self.step + 1):
            is_present = present(step)
            if was_present and is_present and not advance(state, step, rng):
                break
            was_present = is_present
        return state

    def _person_name(self, index: int) -> tuple[str, str, int]:
        """A distinct (first, last) name for each index below len(FIRST) * len(LAST); beyond that, the
        third element numbers the repetition. Users need distinct names: their e-mails derive from them."""
        firsts, lasts = len(FIRST_NAMES), len(LAST_NAMES)
        cycle, rest = divmod(index, firsts * lasts)
        first = (rest + self._name_shift) % firsts
        last = (rest // firsts + 7 * first + (self._name_shift >> 16)) % lasts
        return FIRST_NAMES[first], LAST_NAMES[last], cycle

    def _user_name(self, index: int) -> str:
        first, last, _ = self._person_name(index)
        return f"{first} {last}"

    def _birth_step(self, application: int) -> int:
        if application < self.initial_applications:
            return 0
        return 1 + (application - self.initial_applications) // self.growth_per_step

    def _application_end(self) -> int:
        return self.initial_applications + self.step * self.growth_per_step

    # ---- static entities ----------------------------------------------------------------------------

    def _user(self, index: int) -> User:
        rng = self._rng("users", index)
        first, last, cycle = self._person_name(index)
        role_types, status = _STARTER_USERS[index] if index < len(_STARTER_USERS) else _random_user_roles(rng)
        remote_id = _rid("usr", index, 6)
        email = f"{_slug(first)}.{_slug(last)}{cycle or ''}@{self._domain}"
        return User(
            remote_id=remote_id,
            remote_data=_raw("user", remote_id, email=email, active=status == "ACTIVE"),
            first_name=first,
            last_name=last,
            email=email,
            status=status,
            system_roles=tuple(SystemRole(*_ROLE_CATALOG[role], unified_type=role) for role in role_types),
        )

    def _plan_job(self, index: int) -> _JobPlan:
        rng = self._rng("jobs", index)
        role, office = rng.choice(_ROLES), rng.choice(_OFFICES)
        if index < len(_STARTER_JOBS):
            status, visibility, employment = _STARTER_JOBS[index]
        else:
            status, visibility = _weighted(rng, _JOB_STATUSES), _weighted(rng, _VISIBILITIES)
            employment = _weighted(rng, _EMPLOYMENT_TYPES)
        prefix, level, pay = ("", "Internship", 0.4) if employment == "INTERNSHIP" else rng.choice(_LEVELS)
        name = f"{prefix}{role.title}{' Intern' if employment == 'INTERNSHIP' else ''}"
        created_at, opened_at, closed_at = self._job_timeline(status, rng)
        remote_id = _rid("job", index, 6)
        post_url = f"https://careers.{self._domain}/jobs/{index + 1}-{_slug(name)}"
        custom_fields: dict[str, Any] = {}
        if rng.random() < 0.4:
            custom_fields = {
                "cost_center": f"CC-{rng.randint(1000, 9999)}",
                "headcount": rng.randint(1, 3),
            }
        hiring_team = sorted(rng.sample(range(self.user_count), rng.randint(2, 3)))
        record = Job(
            remote_id=remote_id,
            remote_data=_raw("job", remote_id, title=name, state=status.lower(), office=office.city),
            name=name,
            job_code=f"{role.code}-{_at(created_at).year}-{index + 1:04d}",
            description=(
                f"<p>{self._company} is hiring a {name} to {role.duty}.</p>"
                f"<p>You will join the {role.department} team in {office.city}.</p>"
            ),
            confidential=rng.random() < 0.05,
            weekly_hours=_WEEKLY_HOURS[employment],
            category=role.category,
            department=role.department,
            post_url=post_url if visibility == "PUBLIC" and status != "DRAFT" else None,
            experience_level=level,
            employment_type=employment,
            status=status,
            visibility=visibility,
            remote_work_status=_weighted(rng, _WORK_MODES),
            **self._salary(role.salary * pay, office, employment, rng),
            location=office.address,
            custom_fields=custom_fields,
            remote_url=f"{_APP_URL}/jobs/{remote_id}",
            opened_at=None if opened_at is None else _at(opened_at),
            closed_at=None if closed_at is None else _at(closed_at),
            remote_created_at=_at(created_at),
            remote_updated_at=_at(max(created_at, opened_at or created_at, closed_at or created_at))
            + timedelta(hours=rng.randint(0, 20)),
            hiring_team_remote_ids=tuple(_rid("usr", user, 6) for user in hiring_team),
        )
        stage_names, legacy_index = self._pipeline(rng, force_legacy=index == _LEGACY_STARTER_JOB)
        start, count = rng.randrange(len(_QUESTIONS)), rng.randint(3, 6)
        if index < 2:  # the two open starter jobs ask, between them, every type of question
            start, count = 6 * index, 7
        questions = [_QUESTIONS[(start + offset) % len(_QUESTIONS)] for offset in range(count)]
        active = tuple(i for i in range(len(stage_names)) if i != legacy_index)
        return _JobPlan(
            record=record,
            closed_at=closed_at,
            office=office,
            stage_names=stage_names,
            active=active,
            legacy_index=legacy_index,
            interview_positions=tuple(p for p, i in enumerate(active) if stage_names[i] in _INTERVIEW_STAGES),
            questions=tuple((f"{remote_id}-q-{question.key}", question) for question in questions),
        )

    @staticmethod
    def _job_timeline(status: str, rng: random.Random) -> tuple[_Instant, _Instant | None, _Instant | None]:
        """(created, opened, closed), consistent with the status; non-draft jobs predate all applications."""
        if status == "DRAFT":
            return -rng.randint(1, 30) * _DAY, None, None
        created_at = -_HISTORY - rng.randint(10, 200) * _DAY - rng.randrange(600) * 60
        opened_at = created_at + rng.randint(0, 7) * _DAY
        closed_days = {"CLOSED": (1, 45), "ARCHIVED": (45, 200)}.get(status)
        closed_at = None if closed_days is None else -rng.randint(*closed_days) * _DAY
        return created_at, opened_at, closed_at

    @staticmethod
    def _salary(yearly_eur: float, office: _Office, employment: str, rng: random.Random) -> dict[str, Any]:
        """Salary fields: none (20%), or one amount or a range, per year, month or hour."""
        if rng.random() < 0.2:
            return {}
        yearly = yearly_eur * office.salary_factor
        if employment in ("PART_TIME", "SEASONAL", "CONTRACT"):
            period, amount = "HOUR", round(yearly / 1800 * 2) / 2
        elif rng.random() < 0.2:
            period, amount = "MONTH", float(round(yearly / 12, -2))
        else:
            period, amount = "YEAR", float(round(yearly, -3))
        fields: dict[str, Any] = {"salary_currency": office.currency, "salary_period": period}
        if rng.random() < 0.5:
            fields["salary_amount"] = amount
        else:
            fields["salary_amount_from"] = round(amount * 0.9, 1)
            fields["salary_amount_to"] = round(amount * 1.1, 1)
        return fields

    @staticmethod
    def _pipeline(rng: random.Random, *, force_legacy: bool) -> tuple[tuple[str, ...], int | None]:
        """Stage names by index (5-10 stages), and the index of the INACTIVE legacy stage if there is one."""
        total = rng.randint(5, 10)
        legacy = rng.random() < 0.2 or force_legacy
        middle_count = total - 3 - (1 if legacy else 0)
        middle = [_MIDDLE_STAGES[i] for i in sorted(rng.sample(range(len(_MIDDLE_STAGES)), middle_count))]
        head = ["Applied", _LEGACY_STAGE] if legacy else ["Applied"]
        return (*head, *middle, "Offer", "Hired"), (1 if legacy else None)

    # ---- candidates ---------------------------------------------------------------------------------

    def _candidate_indices(self) -> Iterator[int]:
        """Initial candidates, then those that new applications brought, in creation order."""
        yield from range(self.initial_candidates)
        for application in range(self.initial_applications, self._application_end()):
            candidate = self._candidate_of(application)
            if candidate >= self.initial_candidates:
                yield candidate

    def _candidate_of(self, application: int) -> int:
        """Initial application a belongs to candidate a % C. Of each step's new applications, the
        first brings a new candidate, the second comes from an existing one, the others vary."""
        if application < self.initial_applications:
            return application % self.initial_candidates
        new_candidate = self.initial_candidates + application - self.initial_applications
        offset = (application - self.initial_applications) % self.growth_per_step
        returning = _hash64(f"{self.seed}\x1freturning\x1f{application}")
        if offset == 0 or (offset > 1 and returning / 2**64 >= _RETURNING_SHARE):
            return new_candidate
        born = self._birth_step(application)
        for probe in range(self.initial_candidates):  # the first existing candidate found
            candidate = (returning + probe) % self.initial_candidates
            if self._candidate_identity(candidate).life.alive(born):
                return candidate
        return new_candidate

    def _candidate_identity(self, candidate: int) -> _Identity:
        born = 0
        if candidate >= self.initial_candidates:
            born = self._birth_step(self.initial_applications + candidate - self.initial_candidates)
        return self._identity("candidates", candidate, born)

    @staticmethod
    def _created_at(identity: _Identity, count: int) -> _Instant:
        """Initial entities are spread over the history; later ones appear during their step."""
        if identity.born == 0:
            return _spread(identity.number, count, identity.unit)
        return identity.born * STEP_SECONDS + int(identity.unit * _EVENT_WINDOW)

    def _candidate_state(self, candidate: int) -> _CandidateState | None:
        identity = self._candidate_identity(candidate)
        return self._simulate(
            "candidates",
            candidate,
            identity.born,
            identity.life.alive,
            lambda rng: self._new_candidate(identity, rng),
            self._advance_candidate,
        )

    def _new_candidate(self, identity: _Identity, rng: random.Random) -> _CandidateState:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        name = f"{_slug(first)}.{_slug(last)}"
        company = rng.choice(_EMPLOYERS) if rng.random() < 0.85 else None
        office = rng.choice(_OFFICES)
        # The private address carries the candidate number: unique, like a real inbox.
        emails = [EmailAddress(f"{name}{identity.number + 1}@{rng.choice(_PRIVATE_DOMAINS)}", "PRIVATE")]
        if company is not None and rng.random() < 0.4:
            emails.append(EmailAddress(f"{name}@{_slug(company)}.example", "WORK"))
        if rng.random() < 0.15:
            emails.append(_other_email(first, last, rng))
        phone_count = _weighted(rng, ((0, 25), (1, 55), (2, 20)))
        created_at = self._created_at(identity, self.initial_candidates)
        updated_at = created_at
        if identity.born == 0:
            updated_at = _between(created_at, min(0, created_at + 30 * _DAY), rng)
        custom_fields: dict[str, Any] = {}
        if rng.random() < 0.3:
            custom_fields = {
                "notice_period_weeks": rng.choice((0, 2, 4, 8, 12)),
                "open_to_remote": rng.random() < 0.6,
            }
        return _CandidateState(
            number=identity.number,
            remote_id=_rid("cand", identity.number, 8),
            first_name=first,
            last_name=last,
            company=company,
            title=rng.choice(_CANDIDATE_TITLES),
            confidential=rng.random() < 0.03,
            source=rng.choice(_SOURCES),
            office=office,
            emails=emails,
            phones=[_phone(office, rng, kind) for kind in ("MOBILE", "HOME")[:phone_count]],
            social_media=_social_media(first, last, rng),
            tags=sorted(
                rng.sample(range(len(TAG_NAMES)), _weighted(rng, ((0, 40), (1, 35), (2, 15), (3, 10))))
            ),
            custom_fields=custom_fields,
            created_at=created_at,
            updated_at=updated_at,
        )

    def _advance_candidate(self, state: _CandidateState, step: int, rng: random.Random) -> bool:
        """One step of a candidate: maybe a tag change (links only), or maybe one field edit. A candidate
        never settles (returns True)."""
        moment = _event_time(step, rng)
        roll = self._event_roll(self._candidate_phase, _CANDIDATE_ALPHA, state.number, step)
        rates = self._rates
        if roll < rates.tag_change:
            _change_tags(state, rng)
        elif roll < rates.tag_change + rates.candidate_edit:
            # Each kind of edit gets its own slice of the roll, so each is evenly spread too.
            edit = _CANDIDATE_EDITS[
                int((roll - rates.tag_change) / rates.candidate_edit * len(_CANDIDATE_EDITS))
            ]
            edit(state, rng)
            state.updated_at = moment
        return True

    # ---- applications -------------------------------------------------------------------------------

    def _application_states(self) -> Iterator[_ApplicationState]:
        for index in range(self._application_end()):
            state = self._application_state(index)
            if state is not None:
                yield state

    def _application_state(self, index: int) -> _ApplicationState | None:
        born = self._birth_step(index)
        identity = self._identity("applications", index, born)
        candidate = self._candidate_identity(self._candidate_of(index))
        return self._simulate(
            "applications",
            index,
            born,
            lambda step: identity.life.alive(step) and candidate.life.alive(step),
            lambda rng: self._new_application(identity, candidate, rng),
            self._advance_application,
        )

    def _application_created_at(self, identity: _Identity, candidate: _Identity) -> _Instant:
        """Shortly after the candidate was created, unless the candidate applies again later."""
        if identity.number >= self.initial_candidates and (identity.born == 0 or candidate.born == 0):
            return self._created_at(identity, self.initial_applications)
        candidate_created_at = self._created_at(candidate, self.initial_candidates)
        return candidate_created_at + 120 + int(identity.unit * 4 * _HOUR)

    def _initial_outcome(self, index: int) -> Outcome:
        """Golden-ratio steps (a low-discrepancy sequence) rather than random draws: any 20 consecutive
        applications include every outcome (HIRED 12%, DECLINED 30%, PENDING 58%)."""
        roll = (self._outcome_phase + index * _GOLDEN) % 1.0
        return "HIRED" if roll < 0.12 else "DECLINED" if roll < 0.42 else "PENDING"

    def _choose_job(
        self, index: int, applied_at: _Instant, statuses: frozenset[str], rng: random.Random
    ) -> _JobPlan:
        """A job that accepts the application, near the application's position in the sandbox's
        history (jobs and applications both count up over time; new applications go to the latest
        jobs). Locality keeps the job-plan cache small: memory does not grow with the sandbox."""
        position = min(index, self.initial_applications) * self.job_count // max(self.initial_applications, 1)
        window = min(self.job_count, _JOB_WINDOW)
        start = max(0, min(position - window // 2, self.job_count - window)) + rng.randrange(window)
        for offset in range(self.job_count):
            plan = self._job_plan((start + offset) % self.job_count)
            if plan.accepts(applied_at, statuses):
                return plan
        return self._job_plan(0)  # a starter job: open

    def _new_application(
        self, identity: _Identity, candidate: _Identity, rng: random.Random
    ) -> _ApplicationState:
        created_at = self._application_created_at(identity, candidate)
        outcome = self._initial_outcome(identity.number) if identity.born == 0 else "PENDING"
        job = self._choose_job(
            identity.number, created_at, _JOB_STATUSES_FOR[identity.born > 0, outcome], rng
        )
        answers: tuple[ScreeningAnswer, ...] = ()
        if rng.random() < 0.75:
            answers = tuple(
                ScreeningAnswer(
                    question_id, question.title, question.type, _answer(question, rng, created_at)
                )
                for question_id, question in job.questions
            )
        custom_fields: dict[str, Any] = {}
        if rng.random() < 0.35:
            custom_fields = {
                "referral_bonus": rng.random() < 0.3,
                "priority": rng.choice(("high", "medium", "low")),
            }
        state = _ApplicationState(
            identity=identity,
            candidate=candidate,
            remote_id=_rid("app", identity.number, 8),
            job=job,
            created_at=created_at,
            custom_fields=custom_fields,
            answers=answers,
            updated_at=created_at,
        )
        if identity.born == 0:
            self._initial_history(state, outcome, rng)
        return state

    def _initial_history(self, state: _ApplicationState, outcome: Outcome, rng: random.Random) -> None:
        """What happened to an initial application before step 0: its stages, interviews and offers."""
        last = state.job.last_position
        decided_at = _between(state.created_at, 0, rng, low=0.2)
        state.position = last if outcome == "HIRED" else rng.randrange(last)
        state.updated_at = decided_at
        stage_time = (decided_at - state.created_at) // max(state.position, 1)

        def entered(position: int) -> _Instant:
            return state.created_at + position * stage_time

        reached = state.position + 1 if outcome == "PENDING" else state.position
        interviewed = [p for p in state.job.interview_positions if p < reached][-_INITIAL_INTERVIEWS:]
        for position in interviewed:
            if position == state.position:  # the current stage's interview: around now
                day = rng.randint(-2, 5) * _DAY
            else:
                day = entered(position) + stage_time // 2
            interview = self._add_interview(state, 0, entered(position), day, rng, position)
            if interview is not None and rng.random() < 0.08:
                interview.cancel((interview.created_at + interview.starting_at) // 2)
        if state.position >= state.offer_position:
            self._initial_offers(state, outcome, entered(state.offer_position), decided_at, rng)
        if outcome == "HIRED":
            state.outcome = "HIRED"
        elif outcome == "DECLINED":
            reason = "Salary expectations" if any(o.status == "DECLINED" for o in state.offers) else None
            self._reject(state, 0, decided_at, reason or rng.choice(REJECTION_REASONS))
            state.in_legacy_stage = state.job.legacy_index is not None and rng.random() < 0.2

    def _initial_offers(
        self,
        state: _ApplicationState,
        outcome: Outcome,
        offered_at: _Instant,
        decided_at: _Instant,
        rng: random.Random,
    ) -> None:
        """A hire has an ACCEPTED offer (sometimes after a DECLINED/ABANDONED one); a pending application
        at the offer stage has an open offer; a rejection there leaves a DECLINED or ABANDONED one."""
        middle = (offered_at + decided_at) // 2
        if outcome == "HIRED":
            if rng.random() < 0.25:
                self._add_offer(state, 0, rng.choice(_LOST_OFFER_STATUSES), offered_at, middle, rng)
            self._add_offer(state, 0, "ACCEPTED", middle, decided_at, rng)
        elif outcome == "PENDING":
            status = rng.choice(_PENDING_OFFER_STATUSES)
            self._add_offer(state, 0, status, offered_at, _between(offered_at, 0, rng), rng)
        else:
            self._add_offer(state, 0, rng.choice(_LOST_OFFER_STATUSES), offered_at, decided_at, rng)

    def _add_interview(
        self,
        state: _ApplicationState,
        step: int,
        created_at: _Instant,
        day: _Instant,
        rng: random.Random,
        position: int,
        follow_up: bool = False,
    ) -> _InterviewState | None:
        """Schedule an interview for the stage at `position` on `day` (None once there are many)."""
        if len(state.interviews) >= _MAX_INTERVIEWS:
            return None
        interview = _InterviewState(
            number=len(state.interviews),
            position=position,
            follow_up=follow_up,
            starting_at=max(_business_slot(day, rng), created_at + _HOUR),
            created_at=created_at,
            life=self._lifespan(rng.getrandbits(_LIFE_BITS), step, self._rates.interview_deletion),
            detail_seed=rng.getrandbits(64),
            updated_at=created_at,
        )
        state.interviews.append(interview)
        return interview

    def _interview_record(self, state: _ApplicationState, interview: _InterviewState) -> Interview:
        """An interview's record; its details come from its own seed (see `_InterviewState`)."""
        rng = random.Random(interview.detail_seed)
        users = rng.sample(range(self.user_count), rng.randint(1, 3))
        mode = rng.random()
        location = state.job.office.address if mode < 0.45 else None
        video_url = (
            f"https://meet.sandbox.example/{rng.randint(10**9, 10**10 - 1)}" if 0.45 <= mode < 0.9 else None
        )
        remote_id = f"{state.remote_id}-i{interview.number:02d}"
        title = f"{state.job.stage_name(interview.position)} with {self._user_name(users[0])}"
        starting_at, updated_at = _at(interview.starting_at), _at(interview.updated_at)
        return Interview(
            remote_id=remote_id,
            remote_data=_raw(
                "interview",
                remote_id,
                application_id=state.remote_id,
                state="canceled" if interview.canceled else "scheduled",
                updated_at=_epoch_ms(interview.updated_at),
            ),
            application_remote_id=state.remote_id,
            stage_remote_id=state.job.stage_remote_id(state.job.active[interview.position]),
            title=f"Follow-up: {title}" if interview.follow_up else title,
            starting_at=starting_at,
            ending_at=starting_at + timedelta(minutes=rng.choice((45, 60))),
            canceled=interview.canceled,
            video_conferencing_url=video_url,
            location=location,
            remote_created_at=_at(interview.created_at),
            remote_updated_at=updated_at,
            user_remote_ids=tuple(_rid("usr", user, 6) for user in sorted(users)),
        )

    def _add_offer(
        self,
        state: _ApplicationState,
        step: int,
        status: OfferStatus,
        created_at: _Instant,
        updated_at: _Instant,
        rng: random.Random,
    ) -> None:
        currency = state.job.record.salary_currency
        custom_fields: dict[str, Any] = {}
        if currency is not None:
            custom_fields = {"signing_bonus": rng.choice((0, 1000, 2500, 5000)), "currency": currency}
        state.offers.append(
            _OfferState(
                remote_id=f"{state.remote_id}-o{len(state.offers):02d}",
                status=status,
                start_date=_month_start_after(created_at + rng.randint(20, 60) * _DAY),
                custom_fields=custom_fields,
                created_at=created_at,
                updated_at=updated_at,
                life=self._lifespan(rng.getrandbits(_LIFE_BITS), step, self._rates.offer_deletion),
            )
        )

    def _advance_application(self, state: _ApplicationState, step: int, rng: random.Random) -> bool:
        """One step of a pending application: upcoming interviews may be canceled, then at most one of:
        rejection, offer progress (at the offer stage), a stage move, a follow-up interview. Returns
        whether it can still change: a decided application (with its interviews and offers) cannot."""
        if state.outcome != "PENDING":
            return False
        moment = _event_time(step, rng)
        rates = self._rates
        self._cancel_interviews(state, step, moment, rng)
        roll = self._event_roll(self._application_phase, _APPLICATION_ALPHA, state.identity.number, step)
        if roll < rates.reject:
            self._reject(state, step, moment, rng.choice(REJECTION_REASONS))
        elif state.position == state.offer_position:
            if roll < rates.reject + rates.offer_step:
                self._progress_offer(state, step, moment, rng)
        elif roll < rates.reject + rates.advance:
            self._advance_stage(state, step, moment, rng)
        elif roll < rates.reject + rates.advance + rates.follow_up and state.job.is_interview(state.position):
            day = moment + rng.randint(1, 4) * _DAY
            self._add_interview(state, step, moment, day, rng, state.position, follow_up=True)
        return state.outcome == "PENDING"

    def _cancel_interviews(
        self, state: _ApplicationState, step: int, moment: _Instant, rng: random.Random
    ) -> None:
        for interview in tuple(state.interviews):
            if (
                interview.upcoming(moment)
                and interview.life.steady(step)
                and rng.random() < self._rates.cancel
            ):
                interview.cancel(moment)
                if rng.random() < self._rates.reschedule:
                    day = moment + rng.randint(2, 6) * _DAY
                    self._add_interview(state, step, moment, day, rng, interview.position)

    def _advance_stage(
        self, state: _ApplicationState, step: int, moment: _Instant, rng: random.Random
    ) -> None:
        state.position += 1
        state.updated_at = moment
        if state.job.is_interview(state.position):
            self._add_interview(state, step, moment, moment + rng.randint(1, 4) * _DAY, rng, state.position)
        elif state.position == state.offer_position:
            self._add_offer(state, step, "DRAFT", moment, moment, rng)

    def _progress_offer(
        self, state: _ApplicationState, step: int, moment: _Instant, rng: random.Random
    ) -> None:
        """DRAFT -> APPROVED -> SENT -> ACCEPTED (a hire) or DECLINED (a new offer, or a rejection)."""
        offer = state.open_offer(step)
        if offer is None:
            if len(state.offers) < _MAX_OFFERS:
                self._add_offer(state, step, "DRAFT", moment, moment, rng)
            else:
                self._reject(state, step, moment, "Position filled")
        elif offer.status == "DRAFT":
            offer.move("APPROVED", moment)
        elif offer.status == "APPROVED":
            offer.move("SENT", moment)
        elif rng.random() < self._rates.accept:
            offer.move("ACCEPTED", moment)
            state.outcome, state.position, state.updated_at = "HIRED", state.job.last_position, moment
        else:
            offer.move("DECLINED", moment)
            if rng.random() < 0.5 and len(state.offers) < _MAX_OFFERS:
                self._add_offer(state, step, "DRAFT", moment, moment, rng)
            else:
                self._reject(state, step, moment, "Salary expectations")

    @staticmethod
    def _reject(state: _ApplicationState, step: int, moment: _Instant, reason: str) -> None:
        """Decline: open offers are abandoned and upcoming interviews canceled."""
        state.outcome, state.rejection_reason = "DECLINED", reason
        state.rejected_at = state.updated_at = moment
        for offer in state.offers:
            if offer.status in _OPEN_OFFER_STATUSES and offer.life.steady(step):
                offer.move("ABANDONED", moment)
        for interview in state.interviews:
            if interview.upcoming(moment) and interview.life.steady(step):
                interview.cancel(moment)
