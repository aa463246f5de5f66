"""The sandbox: a deterministic, generated ATS with a history.

`SandboxSource(seed, applications, step)` yields the same records for the same arguments, on any
machine, without storing anything. It serves two purposes: realistic data for development (every
enum value, answer type and edge case of Kombo's ATS models shows up), and a source whose changes
over time are known, so that the sync engine's change detection can be tested at scale.

How state is computed
- Tags, rejection reasons and roles are static: a pure function of the seed. The first users and jobs
  ("starters") have fixed roles and statuses, so that even a small sandbox shows every value.
- Everything else has a history. An entity's state at step k is its initial state with its own events
  of steps 1..k applied. Its randomness comes from one `random.Random` seeded with (seed, kind, index)
  and drawn in a fixed order, so the draws for step s are the same whatever k is: a record whose
  entity had no event in a step comes out equal. Users (renamed, deactivated) and jobs (edited,
  opened, closed; their stages, postings, screening questions and hiring team) are replayed this
  way; so are candidates and applications (with their interviews and offers), and the notes of both.
- Which event an entity has in a step comes from a low-discrepancy "roll" over all entities of its
  kind (`_event_roll`): each step has close to the expected number of every kind of event, instead of
  the wide spread of independent draws, so that small sandboxes still change in every way each step.
- Whether an entity exists at a step (born, deleted, restored) is a closed-form `_Lifespan` derived
  from a hash, so an application can tell whether its candidate exists without replaying the
  candidate. An entity only changes in steps it exists through, so a restored one comes back exactly
  as it was deleted. Accepted offers are never deleted; decided applications no longer change.
- Applications only read a job's *initial* plan (plus when it opens or closes, in closed form), so a
  job edit does not ripple into thousands of application records.
- Attachments are closed-form too (when a file is uploaded or deleted follows from hashes and slices),
  so `attachment_content` finds one file from its remote id alone. Scorecards follow from interviews:
  one per interview that took place, once its interviewer has submitted it.
- Nothing is collected: each method streams entities in ascending remote-id order and holds one
  entity's state (a handful of interviews and offers at most) at a time, plus small, bounded caches
  of job plans and user roles.

Time: the initial data was created during the year before `BASE_TIME`; step s happens in the first
hours of the day that starts at `BASE_TIME + s days`, so later steps always have later timestamps.
"""

from __future__ import annotations

import functools
import hashlib
import math
import random
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final, Literal, NamedTuple, TypeVar

from hirebridge.connectors.sandbox.journal import APP_URL, Journal, raw
from hirebridge.model.records import (
    Application,
    ApplicationStage,
    Attachment,
    Candidate,
    DisplayType,
    EmailAddress,
    EmploymentType,
    HiringTeamMember,
    HiringTeamRole,
    Interview,
    Job,
    JobPosting,
    JobRole,
    JobStatus,
    JobVisibility,
    Location,
    Note,
    Offer,
    OfferStatus,
    Outcome,
    PhoneNumber,
    QuestionFormat,
    QuestionOption,
    Record,
    RejectionReason,
    RemoteWorkStatus,
    Role,
    RoleType,
    SalaryPeriod,
    Scorecard,
    ScorecardResponse,
    ScreeningAnswer,
    ScreeningQuestion,
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
_APP_URL: Final = APP_URL

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
    _Office("Amsterdam", "Noord-Holland", "NL", "Netherlands", "1017 CE", "Herengracht 420", "EUR", 1.0, "+31"),
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
    (EmploymentType.FULL_TIME, 75),
    (EmploymentType.PART_TIME, 10),
    (EmploymentType.CONTRACT, 8),
    (EmploymentType.INTERNSHIP, 4),
    (EmploymentType.SEASONAL, 3),
)
_WEEKLY_HOURS: Final = {
    EmploymentType.FULL_TIME: 40.0,
    EmploymentType.PART_TIME: 20.0,
    EmploymentType.CONTRACT: 40.0,
    EmploymentType.INTERNSHIP: 30.0,
    EmploymentType.SEASONAL: 30.0,
}
_JOB_STATUSES: Final = (
    (JobStatus.OPEN, 60),
    (JobStatus.CLOSED, 20),
    (JobStatus.DRAFT, 10),
    (JobStatus.ARCHIVED, 10),
)
_VISIBILITIES: Final = ((JobVisibility.PUBLIC, 70), (JobVisibility.INTERNAL, 20), (JobVisibility.UNLISTED, 10))
_WORK_MODES: Final = (
    (RemoteWorkStatus.ON_SITE, 40),
    (RemoteWorkStatus.HYBRID, 45),
    (RemoteWorkStatus.REMOTE, 15),
)
# (status, visibility, employment type) of the first jobs of every sandbox: together they show every
# value, and the first two are open, so that every sandbox has pending applications.
_STARTER_JOBS: Final = (
    (JobStatus.OPEN, JobVisibility.PUBLIC, EmploymentType.FULL_TIME),
    (JobStatus.OPEN, JobVisibility.INTERNAL, EmploymentType.PART_TIME),
    (JobStatus.CLOSED, JobVisibility.PUBLIC, EmploymentType.CONTRACT),
    (JobStatus.DRAFT, JobVisibility.UNLISTED, EmploymentType.INTERNSHIP),
    (JobStatus.ARCHIVED, JobVisibility.PUBLIC, EmploymentType.SEASONAL),
)
# The salaries of the first two starter jobs: one amount, a range.
_STARTER_SALARIES: Final[dict[int, Literal["amount", "range"]]] = {0: "amount", 1: "range"}
# The starter jobs' remote work statuses: the first three sandbox jobs (the smallest sandbox has
# three) are on site, hybrid and remote.
_STARTER_WORK_MODES: Final = (
    RemoteWorkStatus.ON_SITE,
    RemoteWorkStatus.HYBRID,
    RemoteWorkStatus.REMOTE,
    RemoteWorkStatus.TEMPORARY,
    RemoteWorkStatus.ON_SITE,
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


QuestionCategory = Literal["EEO", "DEMOGRAPHIC"]
PostingStatus = Literal["ACTIVE", "INACTIVE", "DRAFT"]
PostingVisibility = Literal["PUBLIC", "INTERNAL", "UNLISTED"]
AttachmentType = Literal["CV", "COVER_LETTER", "OTHER"]
ResponseType = Literal["TEXT", "SINGLE_SELECT", "MULTI_SELECT", "BOOLEAN", "NUMBER", "DATE"]
_SELECT_FORMATS: Final = frozenset({"SINGLE_SELECT", "MULTI_SELECT"})


@dataclass(frozen=True, slots=True)
class _Question:
    key: str
    title: str
    type: ScreeningType  # of its answers in applications (only `_QUESTIONS` are answered there)
    options: tuple[str, ...] = ()  # select options; for TEXT, sample answers
    number_range: tuple[int, int, int] = (0, 0, 1)  # NUMBER answers: low, high, step
    form: QuestionFormat | None = None  # the format without options: their ids depend on the job
    description: str | None = None
    category: QuestionCategory | None = None
    # Shown only if the question `key` (on the same job) was answered with one of these option names
    # (or booleans, after a BOOLEAN question).
    precondition: tuple[str, tuple[str, ...] | tuple[bool, ...]] | None = None
    required: bool | None = None  # of the extra questions; an answered question's is drawn per job

    def format(self, remote_id: str) -> QuestionFormat | None:
        """The format of this question as asked with `remote_id`; options get ids of their own."""
        if self.form is None or self.form.type not in _SELECT_FORMATS:
            return self.form
        return replace(
            self.form,
            options=tuple(QuestionOption(self.option_id(remote_id, name), name) for name in self.options),
        )

    def option_id(self, remote_id: str, name: str) -> str:
        """The remote id of option `name` of this question as asked with `remote_id`."""
        return f"{remote_id}-o{self.options.index(name)}"


def _form(kind: Any, **keys: Any) -> QuestionFormat:
    return QuestionFormat(type=kind, **keys)


# Ordered so that the types cycle: any 6 consecutive questions cover the six common types (UNKNOWN is
# the sandbox's "star rating" widget, which maps to no unified type or format; its answer is
# `{"raw": None}`).
_QUESTIONS: Final = (
    _Question(
        "motivation",
        "Why do you want to join us?",
        "TEXT",
        _TEXT_SNIPPETS,
        form=_form("TEXT", display_type=DisplayType.MULTI_LINE, max_length=2000),
    ),
    _Question(
        "heard",
        "How did you hear about us?",
        "SINGLE_SELECT",
        ("LinkedIn", "Friend", "Job board", "Event"),
        form=_form("SINGLE_SELECT", display_type=DisplayType.DROPDOWN),
    ),
    _Question(
        "languages",
        "Which languages do you speak fluently?",
        "MULTI_SELECT",
        ("English", "German", "French", "Spanish", "Portuguese", "Polish", "Mandarin"),
        form=_form("MULTI_SELECT"),
    ),
    _Question("visa", "Do you require visa sponsorship?", "BOOLEAN", form=_form("BOOLEAN")),
    _Question(
        "experience",
        "How many years of professional experience do you have?",
        "NUMBER",
        number_range=(0, 25, 1),
        form=_form("NUMBER", display_type=DisplayType.FIELD, min=0.0, max=50.0),
    ),
    _Question("start", "What is your earliest possible start date?", "DATE", form=_form("DATE")),
    _Question(
        "stack",
        "Which is your primary programming language?",
        "TEXT",
        ("Python", "TypeScript", "Go", "Java"),
        form=_form("TEXT", display_type=DisplayType.SINGLE_LINE, max_length=100),
    ),
    _Question(
        "education",
        "What is your highest level of education?",
        "SINGLE_SELECT",
        ("High school", "Bachelor's degree", "Master's degree", "PhD"),
        form=_form("SINGLE_SELECT", display_type=DisplayType.RADIO),
    ),
    _Question(
        "tools",
        "Which of these tools have you used?",
        "MULTI_SELECT",
        ("Jira", "Figma", "SQL", "Excel"),
        form=_form("MULTI_SELECT"),
    ),
    _Question("relocate", "Are you willing to relocate?", "BOOLEAN", form=_form("BOOLEAN")),
    _Question(
        "salary",
        "What are your yearly salary expectations?",
        "NUMBER",
        number_range=(30000, 150000, 5000),
        form=_form("NUMBER", display_type=DisplayType.SLIDER, min=30000.0, max=150000.0),
        description="Gross, in the job's currency.",
    ),
    _Question("onsite", "When could you come to our office for an on-site interview?", "DATE", form=_form("DATE")),
    _Question("english", "Rate your English skills", "UNKNOWN"),
)
_VOLUNTARY: Final = "Voluntary. Your answer is kept apart from your application and never affects it."
# Questions that applications' answers never show: uploads, information blocks, equal-opportunity data
# (kept apart by law) and follow-ups. `type` is irrelevant for them (they are never answered).
_EXTRA_QUESTIONS: Final = (
    _Question(
        "privacy",
        "How we handle your data",
        "UNKNOWN",
        form=_form("INFORMATION"),
        description="We keep your application for six months, then delete it unless you agree otherwise.",
    ),
    _Question(
        "contact_email",
        "Which e-mail address should we use to contact you?",
        "UNKNOWN",
        form=_form("TEXT", display_type=DisplayType.EMAIL, max_length=254),
        required=True,
    ),
    _Question(
        "portfolio",
        "Link to your portfolio or GitHub profile",
        "UNKNOWN",
        form=_form("TEXT", display_type=DisplayType.URL, max_length=500),
        required=False,
    ),
    _Question(
        "resume",
        "Please upload your CV",
        "UNKNOWN",
        form=_form(
            "FILE",
            accepted_mime_types=(
                "application/pdf",
                "application/msword",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ),
            max_file_size_bytes=10 * 2**20,
        ),
        required=True,
    ),
    _Question(
        "work_sample",
        "Upload a work sample",
        "UNKNOWN",
        form=_form(
            "FILE", accepted_mime_types=("application/pdf", "image/png", "image/jpeg"), max_file_size_bytes=20 * 2**20
        ),
        required=False,
    ),
    _Question(
        "veteran",
        "Are you a protected veteran?",
        "UNKNOWN",
        ("I am a protected veteran", "I am not a protected veteran", "I prefer not to say"),
        form=_form("SINGLE_SELECT", display_type=DisplayType.RADIO),
        description=_VOLUNTARY,
        category="EEO",
        required=False,
    ),
    _Question(
        "disability",
        "Do you have a disability?",
        "UNKNOWN",
        ("Yes", "No", "I prefer not to say"),
        form=_form("SINGLE_SELECT", display_type=DisplayType.DROPDOWN),
        description=_VOLUNTARY,
        category="EEO",
        required=False,
    ),
    _Question(
        "gender",
        "How do you describe your gender?",
        "UNKNOWN",
        ("Woman", "Man", "Non-binary", "I prefer to self-describe", "I prefer not to say"),
        form=_form("SINGLE_SELECT", display_type=DisplayType.DROPDOWN),
        description=_VOLUNTARY,
        category="DEMOGRAPHIC",
        required=False,
    ),
    _Question(
        "visa_details",
        "Which visa or work permit would you need?",
        "UNKNOWN",
        form=_form("TEXT", display_type=DisplayType.SINGLE_LINE, max_length=200),
        precondition=("visa", (True,)),
        required=True,
    ),
    _Question(
        "referrer",
        "Who referred you?",
        "UNKNOWN",
        form=_form("TEXT", display_type=DisplayType.SINGLE_LINE, max_length=100),
        precondition=("heard", ("Friend",)),
        required=False,
    ),
    _Question(
        "german_level",
        "How good is your German?",
        "UNKNOWN",
        ("Basic (A1-A2)", "Independent (B1-B2)", "Proficient (C1-C2)"),
        form=_form("SINGLE_SELECT", display_type=DisplayType.RADIO),
        precondition=("languages", ("German",)),
        required=True,
    ),
)

_QUESTIONS_BY_KEY: Final = {question.key: question for question in (*_QUESTIONS, *_EXTRA_QUESTIONS)}

_ROLE_CATALOG: Final[dict[RoleType, tuple[str, str]]] = {
    "ADMIN": ("role-admin", "Site Admin"),
    "RECRUITER": ("role-recruiter", "Recruiter"),
    "HIRING_MANAGER": ("role-hiring-manager", "Hiring Manager"),
    "INTERVIEWER": ("role-interviewer", "Interviewer"),
    "COORDINATOR": ("role-coordinator", "Recruiting Coordinator"),
    "SOURCER": ("role-sourcer", "Sourcer"),
}
_SYSTEM_ROLES: Final = {kind: SystemRole(*_ROLE_CATALOG[kind], unified_type=kind) for kind in _ROLE_CATALOG}
# Roles on a job's hiring team, by key. "APPROVER" is the sandbox's own role: it maps to no unified type.
_JOB_ROLES: Final[dict[str, JobRole]] = {
    "HIRING_MANAGER": JobRole("job-role-hiring-manager", "Hiring Manager", "HIRING_MANAGER"),
    "RECRUITER": JobRole("job-role-recruiter", "Recruiter", "RECRUITER"),
    "COORDINATOR": JobRole("job-role-coordinator", "Coordinator", "COORDINATOR"),
    "SOURCER": JobRole("job-role-sourcer", "Sourcer", "SOURCER"),
    "INTERVIEWER": JobRole("job-role-interviewer", "Interviewer", "INTERVIEWER"),
    "APPROVER": JobRole("job-role-approver", "Headcount Approver", None),
}
_TEAM_HELPERS: Final = ("INTERVIEWER", "INTERVIEWER", "COORDINATOR", "SOURCER")  # roles beyond the first two
# Hiring teams of the two open starter jobs, by member (the first is the job's contact): together they
# hold every job role.
_STARTER_TEAMS: Final = (
    (("RECRUITER",), ("HIRING_MANAGER", "APPROVER"), ("COORDINATOR",)),
    (("RECRUITER",), ("HIRING_MANAGER",), ("SOURCER",), ("INTERVIEWER",)),
)
# The first users of every sandbox: together they hold every role and status.
_STARTER_USERS: Final[tuple[tuple[tuple[RoleType, ...], UserStatus], ...]] = (
    (("ADMIN", "RECRUITER"), "ACTIVE"),
    (("RECRUITER", "SOURCER"), "ACTIVE"),
    (("HIRING_MANAGER", "INTERVIEWER"), "ACTIVE"),
    (("COORDINATOR",), "ACTIVE"),
    (("INTERVIEWER",), "INACTIVE"),
)
_STARTER_RECRUITERS: Final = (0, 1)
_USER_ROLES: Final[tuple[tuple[RoleType, int], ...]] = (
    ("INTERVIEWER", 40),
    ("HIRING_MANAGER", 20),
    ("RECRUITER", 15),
    ("COORDINATOR", 10),
    ("SOURCER", 8),
    ("ADMIN", 7),
)
_STAGE_RENAMES: Final = (
    ("Applied", "New"),
    ("Phone Screen", "Phone Interview"),
    ("Recruiter Screen", "Recruiter Call"),
    ("Technical Interview", "Technical Assessment"),
    ("Take-home Assignment", "Case Study"),
    ("Onsite", "Final Interview"),
    ("Team Interview", "Team Fit"),
    ("Reference Check", "References"),
    ("Legacy Screening", "Old Screening"),
    ("Offer", "Offer Extended"),
    ("Hired", "Hire"),
)
# A renamed stage toggles between its two names.
_STAGE_ALIASES: Final = {**dict(_STAGE_RENAMES), **{alias: name for name, alias in _STAGE_RENAMES}}
_NAME_SUFFIX: Final = " (m/f/d)"  # a job edit toggles it, as many European job titles carry it
_BENEFITS: Final = "<ul><li>30 days of paid leave</li><li>Learning budget</li><li>Flexible hours</li></ul>"
_POSTING_STATUS: Final[dict[str, PostingStatus]] = {
    "OPEN": "ACTIVE",
    "DRAFT": "DRAFT",
    "CLOSED": "INACTIVE",
    "ARCHIVED": "INACTIVE",
}
_POSTING_VISIBILITY: Final[dict[str, PostingVisibility]] = {
    "PUBLIC": "PUBLIC",
    "INTERNAL": "INTERNAL",
    "UNLISTED": "UNLISTED",
}
# (visibility, status) of the postings of the starter jobs: together they show every value, and the
# archived starter has none.
_STARTER_POSTINGS: Final[tuple[tuple[tuple[PostingVisibility, PostingStatus], ...], ...]] = (
    (("PUBLIC", "ACTIVE"), ("INTERNAL", "ACTIVE")),
    (("INTERNAL", "ACTIVE"), ("UNLISTED", "INACTIVE")),
    (("PUBLIC", "INACTIVE"),),
    (("UNLISTED", "DRAFT"),),
    (),
)
_POSTED: Final[dict[PostingVisibility, str]] = {
    "PUBLIC": "on our careers site",
    "INTERNAL": "for employees",
    "UNLISTED": "by invitation",
}
_MAX_POSTINGS: Final = 10  # then an addition changes a posting instead (ids have two digits)
_FILLED: Final = "<p><em>This position is no longer open.</em></p>"
_NOTE_TEXTS: Final = (
    ("Phone screen summary", "<p>Good call. Strong on <b>fundamentals</b>, wants to grow into a lead role.</p>"),
    (None, "<p>Asked to reschedule, <i>prefers mornings</i>.</p>"),
    ("Reference check", "<p>Two references called:</p><ul><li>Reliable</li><li>Great with customers</li></ul>"),
    ("Salary discussion", "<p>Expectations are <b>within budget</b>.</p>"),
    ("Hiring manager", "<p>Wants to fast-track this one &mdash; see the interview feedback.</p>"),
    (None, "<p>Sent the take-home assignment, due in one week.</p>"),
)
_CANDIDATE_NOTE_TEXTS: Final = (
    ("Talent pool", "<p>Keep in mind for future <b>senior</b> roles.</p>"),
    (None, "<p>Met at a meetup; interested in <i>remote</i> positions.</p>"),
    ("Do not contact before Q3", "<p>Candidate asked us to get back in a few months.</p>"),
)
_SYSTEM_NOTES: Final = (
    "<p>Application received via the careers page.</p>",
    "<p>Automatic e-mail <i>We received your application</i> sent.</p>",
    "<p>Profile imported from LinkedIn.</p>",
)
_NOTE_UPDATES: Final = (
    "<p><em>Update:</em> spoke again, still interested.</p>",
    "<p><em>Update:</em> availability changed to next month.</p>",
    "<p><em>Update:</em> shared with the hiring manager.</p>",
)
_MAX_NOTES: Final = 12
_IS_PRIVATE: Final[tuple[tuple[bool | None, int], ...]] = ((False, 60), (True, 25), (None, 15))


class _Criterion(NamedTuple):
    """A question of the sandbox's interview scorecard (one rubric for all interviews)."""

    remote_id: str | None  # None: the overall rating, which the sandbox keeps outside the rubric
    label: str
    type: ResponseType
    description: str | None = None
    required: bool = False
    options: tuple[dict[str, Any], ...] = ()

    def response(self, answer: Any) -> ScorecardResponse:
        return ScorecardResponse(
            self.remote_id, self.label, self.type, answer, self.description, self.required, self.options
        )


def _choices(prefix: str, *labels: str) -> tuple[dict[str, Any], ...]:
    return tuple({"remote_id": f"{prefix}-o{n}", "label": label} for n, label in enumerate(labels))


_RUBRIC: Final = (
    _Criterion(
        "sc-recommendation",
        "Overall recommendation",
        "SINGLE_SELECT",
        "Your hiring decision for this candidate.",
        True,
        _choices("sc-recommendation", "Strong no", "No", "Yes", "Strong yes"),
    ),
    _Criterion(None, "Overall rating", "NUMBER"),
    _Criterion("sc-technical", "Technical skills", "NUMBER", "From 1 (weak) to 5 (excellent).", True),
    _Criterion("sc-strengths", "Strengths", "TEXT"),
    _Criterion(
        "sc-probe",
        "Areas to probe further",
        "MULTI_SELECT",
        None,
        False,
        _choices("sc-probe", "Communication", "Problem solving", "Ownership", "Domain knowledge"),
    ),
    _Criterion("sc-team", "Would you enjoy working with this person?", "BOOLEAN", None, True),
    _Criterion("sc-follow-up", "Suggested follow-up date", "DATE", "Leave empty if none is needed."),
)
_STRENGTHS: Final = (
    "Clear communicator, structured answers.",
    "Deep knowledge of the domain.",
    "Asked great questions about the team.",
    "Pragmatic, ships things.",
)
# Files: (kind, file name pattern, share of text files). {name} is the candidate's name, joined by "_".
_FileKind = tuple[AttachmentType, str, float]
_CV: Final[_FileKind] = ("CV", "{name}_CV", 0.15)
_COVER_LETTER: Final[_FileKind] = ("COVER_LETTER", "Cover_Letter_{name}", 0.4)
_PORTFOLIO: Final[_FileKind] = ("OTHER", "{name}_Portfolio", 0.0)
_LATER_FILES: Final[tuple[_FileKind, ...]] = (
    ("OTHER", "References_{name}", 0.5),
    ("CV", "{name}_CV_updated", 0.0),
    ("OTHER", "Certificate_{name}", 0.0),
    ("OTHER", "Work_Sample_{name}", 0.5),
)
_MAX_FILES: Final = 10
_FILE_ID: Final = re.compile(r"(app|cand)_(\d{8})-f(\d{2})")
_FILE_TITLES: Final[dict[AttachmentType, str]] = {
    "CV": "Curriculum Vitae",
    "COVER_LETTER": "Cover Letter",
    "OTHER": "Document",
}
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


def _rid_index(remote_id: str) -> int:
    """The index that `_rid` made `remote_id` from."""
    return int(remote_id.rpartition("_")[2]) - 1


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


_raw = raw  # what the sandbox's own API returns for a record (journal.py builds written ones alike)


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


def _random_user_roles(rng: random.Random) -> tuple[RoleType, ...]:
    """Roles of a user beyond the starters: one main role, often plus interviewing."""
    primary = _weighted(rng, _USER_ROLES)
    if primary != "INTERVIEWER" and rng.random() < 0.4:
        return (primary, "INTERVIEWER")
    return (primary,)


def _random_user_status(rng: random.Random) -> UserStatus:
    return "INACTIVE" if rng.random() < 0.1 else "ACTIVE"


def _always(step: int) -> bool:
    """Users and jobs exist at every step."""
    del step
    return True


def _is_information(question: _Question) -> bool:
    return question.form is not None and question.form.type == "INFORMATION"


def _fits(question: _Question, keys: set[str]) -> bool:
    """Can `question` be asked on a job asking `keys`? (A follow-up needs the question it follows.)"""
    return question.key not in keys and (question.precondition is None or question.precondition[0] in keys)


def _pdf_text(text: str) -> bytes:
    """`text` as a PDF literal string body in WinAnsi (cp1252): other characters fold to ASCII
    ("Łukasz" -> "Lukasz"), and the string delimiters are escaped."""
    encoded = bytearray()
    for ch in text:
        try:
            encoded += ch.encode("cp1252")
        except UnicodeEncodeError:
            folded = unicodedata.normalize("NFKD", ch.translate(_ASCII_FALLBACK))
            encoded += folded.encode("ascii", "ignore")
    return bytes(encoded).replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _pdf(lines: tuple[str, ...]) -> bytes:
    """A minimal valid one-page PDF showing `lines` in Helvetica (a few hundred bytes). Built by hand,
    with exact cross-reference offsets, so that any reader opens it without a repair pass."""
    text = b" ".join(b"(%s) Tj T*" % _pdf_text(line) for line in lines)
    content = b"BT /F1 14 Tf 18 TL 72 770 Td " + text + b" ET"
    objects = (
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
    )
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF" % (len(objects) + 1, xref)
    return bytes(pdf)


def _score(criterion: _Criterion, ended_at: _Instant, rng: random.Random) -> Any:
    """An answer of the criterion's type (Kombo's shapes); an optional one is skipped a third of the time."""
    if not criterion.required and rng.random() < 0.3:
        return None
    kind = criterion.type
    if kind == "SINGLE_SELECT":
        return dict(rng.choice(criterion.options))
    if kind == "MULTI_SELECT":
        picked = sorted(rng.sample(range(len(criterion.options)), rng.randint(1, 2)))
        return [dict(criterion.options[option]) for option in picked]
    if kind == "NUMBER":
        return rng.randint(1, 5)
    if kind == "BOOLEAN":
        return rng.random() < 0.7
    if kind == "DATE":
        return date.fromordinal(_BASE_ORDINAL + (ended_at + rng.randint(3, 14) * _DAY) // _DAY).isoformat()
    return rng.choice(_STRENGTHS)


class _Member(NamedTuple):
    """A place on a job's hiring team: a user and the keys of their `_JOB_ROLES`."""

    user: int
    roles: tuple[str, ...]


def _work_mode(index: int, rng: random.Random) -> RemoteWorkStatus:
    """A job's remote work status: drawn for every job (so that the draws after it stay the same),
    fixed for the starter jobs."""
    drawn = _weighted(rng, _WORK_MODES)
    return _STARTER_WORK_MODES[index] if index < len(_STARTER_WORK_MODES) else drawn


def _team_role(kind: RoleType | None) -> HiringTeamRole | None:
    """A job role's place on the hiring team (ADMIN is a system role only)."""
    return None if kind is None or kind == "ADMIN" else kind


def _hiring_team(team: list[_Member]) -> tuple[HiringTeamMember, ...]:
    """The hiring team as the job shows it: by user."""
    return tuple(
        HiringTeamMember(
            _rid("usr", member.user, 6),
            hiring_team_roles=tuple(
                kind
                for kind in (_team_role(_JOB_ROLES[role].unified_type) for role in member.roles)
                if kind is not None
            ),
            job_roles=tuple(_JOB_ROLES[role] for role in member.roles),
        )
        for member in sorted(team)
    )


def _job_raw(remote_id: str, name: str, status: str, city: str) -> dict[str, Any]:
    return _raw("job", remote_id, title=name, state=status.lower(), office=city)


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


# With the alphas used here, n >= 3 rolls of a step leave no gap wider than 2.16 / n (checked for
# n < 2000), so a rate of `_SURE` / n gives every step at least one event of its kind.
_SURE: Final = 2.2


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
    user_edit: float  # a user's last name or status changes
    job_status: float  # a (non-starter) draft job opens, an open one closes
    job_edit: float  # a job's name or description is edited
    hiring_team: float  # a member joins or leaves a job's hiring team
    stage_rename: float
    posting_change: float  # a posting's status (or, on a job that is not open, its text) changes
    posting_add: float
    question_change: float  # a screening question is added to a job, or one is edited
    note_add: float  # per application; an edit when the roll falls in the next slice
    note_edit: float
    candidate_note: float  # a note on the candidate alone is added
    note_deletion: float
    file_add: float  # a candidate uploads another file
    file_deletion: float
    advance: float = 0.15  # a pending application moves to the next stage
    follow_up: float = 0.05  # an extra interview in the current interview stage
    cancel: float = 0.2  # an upcoming interview is canceled ...
    reschedule: float = 0.6  # ... and replaced by a new one
    offer_step: float = 0.75  # the open offer moves DRAFT -> APPROVED -> SENT -> answered
    accept: float = 0.75  # a sent offer is accepted (else declined)

    @staticmethod
    def for_size(applications: int, candidates: int, jobs: int, users: int) -> _Rates:
        # Populations: about half the applications are pending, interviews are about two per
        # application, deletable (not accepted) offers about one per eight applications, notes about
        # 1.5 per application, deletable files (not CVs) about one per three candidates.
        def sure(rate: float, population: float) -> float:
            return _floored(rate, population, events=_SURE, cap=0.75)

        return _Rates(
            reject=_floored(0.04, applications * 0.5, events=2.5, cap=0.1),
            candidate_edit=_floored(0.03, candidates, events=10, cap=0.2),  # 4 kinds of edit
            tag_change=_floored(0.03, candidates, events=3, cap=0.1),
            candidate_deletion=_floored(0.004, candidates, events=3, cap=0.04),
            application_deletion=_floored(0.005, applications, events=3, cap=0.04),
            interview_deletion=_floored(0.005, applications * 2, events=5, cap=0.05),
            offer_deletion=_floored(0.02, applications * 0.12, events=5, cap=0.05),
            user_edit=sure(0.01, users),
            job_status=_floored(0.02, jobs, events=1.0, cap=0.15),
            job_edit=sure(0.02, jobs),
            hiring_team=sure(0.02, jobs),
            stage_rename=sure(0.005, jobs),
            posting_change=sure(0.02, jobs),
            posting_add=sure(0.01, jobs),
            question_change=sure(0.01, jobs),
            note_add=_floored(0.03, applications, events=_SURE, cap=0.2),
            note_edit=_floored(0.01, applications, events=_SURE, cap=0.2),
            candidate_note=_floored(0.005, candidates, events=_SURE, cap=0.1),
            note_deletion=_floored(0.005, applications * 1.5, events=3, cap=0.05),
            file_add=_floored(0.005, candidates, events=3, cap=0.1),
            file_deletion=_floored(0.005, candidates * 0.3, events=3, cap=0.05),
        )


# --------------------------------------------------------------------------------------------------
# Per-entity state
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _JobPlan:
    """A job as its applications see it: its initial record, pipeline and questions, and when it opens
    or closes. Never its later edits, so that editing a job does not change its applications."""

    index: int
    record: Job  # at step 0
    opened_at: _Instant | None  # when a draft is published (if by `SandboxSource.step`)
    closed_at: _Instant | None  # when it closed or closes (if by `SandboxSource.step`)
    office: _Office
    stage_names: tuple[str, ...]  # by stage index
    active: tuple[int, ...]  # stage indices of the pipeline, in order
    legacy_index: int | None
    interview_positions: tuple[int, ...]  # pipeline positions of the interview stages
    questions: tuple[tuple[str, _Question], ...]  # (question remote id, question), the answered ones

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
        kind of application allows? (The status it had then; a job that is no longer open only if it
        closed later.)"""
        status = self.record.status
        if self.opened_at is not None and self.opened_at <= applied_at:
            status = JobStatus.OPEN
        if status not in statuses:
            return False
        return self.closed_at is None or self.closed_at > applied_at


@dataclass(slots=True)
class _PostingState:
    remote_id: str
    title: str
    description_html: str
    status: PostingStatus
    visibility: PostingVisibility
    url: str | None
    filled_note: bool = False  # a "no longer open" line at the end of the description

    def record(self, job_remote_id: str) -> JobPosting:
        html = self.description_html + (_FILLED if self.filled_note else "")
        return JobPosting(
            remote_id=self.remote_id,
            remote_data=_raw("posting", self.remote_id, job_id=job_remote_id, state=self.status.lower()),
            job_remote_id=job_remote_id,
            title=self.title,
            description_html=html,
            status=self.status,
            visibility=self.visibility,
            url=self.url,
        )


@dataclass(slots=True)
class _QuestionState:
    question: _Question
    index: int
    required: bool | None

    def record(self, job_remote_id: str) -> ScreeningQuestion:
        question = self.question
        remote_id = f"{job_remote_id}-q-{question.key}"
        precondition_id: str | None = None
        precondition_options: tuple[str, ...] | tuple[bool, ...] | None = None
        if question.precondition is not None:
            key, values = question.precondition
            precondition_id = f"{job_remote_id}-q-{key}"
            precondition_options = values  # booleans, after a BOOLEAN question ...
            if not any(isinstance(value, bool) for value in values):  # ... else the options' remote ids
                parent = _QUESTIONS_BY_KEY[key]
                precondition_options = tuple(parent.option_id(precondition_id, str(value)) for value in values)
        return ScreeningQuestion(
            remote_id=remote_id,
            remote_data=_raw("question", remote_id, job_id=job_remote_id, label=question.title),
            job_remote_id=job_remote_id,
            title=question.title,
            description=question.description,
            format=question.format(remote_id),
            category=question.category,
            index=self.index,
            required=self.required,
            precondition_question_remote_id=precondition_id,
            precondition_options=precondition_options,
        )


@dataclass(slots=True)
class _JobState:
    """A job at some step: what its edits change, on top of its plan."""

    plan: _JobPlan
    name: str
    description: str
    status: JobStatus
    opened_at: _Instant | None
    closed_at: _Instant | None
    updated_at: _Instant
    public_url: str
    team: list[_Member]  # in joining order: the contact, the hiring manager, then the others
    stage_names: list[str]
    postings: list[_PostingState]
    questions: list[_QuestionState]  # by index

    def record(self) -> Job:
        base = self.plan.record
        return replace(
            base,
            remote_data=_job_raw(base.remote_id, self.name, self.status, self.plan.office.city),
            name=self.name,
            description=self.description,
            status=self.status,
            post_url=self.public_url if base.visibility == "PUBLIC" and self.status != "DRAFT" else None,
            opened_at=None if self.opened_at is None else _at(self.opened_at),
            closed_at=None if self.closed_at is None else _at(self.closed_at),
            remote_updated_at=_at(self.updated_at),
            hiring_team=_hiring_team(self.team),
        )

    def touch(self, moment: _Instant) -> None:
        self.updated_at = max(self.updated_at, moment)


@dataclass(slots=True)
class _UserState:
    number: int
    remote_id: str
    first_name: str
    last_name: str
    email: str
    status: UserStatus
    roles: tuple[SystemRole, ...]

    def record(self) -> User:
        return User(
            remote_id=self.remote_id,
            remote_data=_raw(
                "user",
                self.remote_id,
                email=self.email,
                active=self.status == "ACTIVE",
                name=f"{self.first_name} {self.last_name}",
            ),
            first_name=self.first_name,
            last_name=self.last_name,
            email=self.email,
            status=self.status,
            system_roles=self.roles,
        )


@dataclass(slots=True)
class _NoteState:
    remote_id: str
    author: int | None  # a user; None for the system's own notes
    title: str | None
    content_html: str
    is_private: bool | None
    created_at: _Instant
    updated_at: _Instant
    life: _Lifespan

    def record(self, candidate_remote_id: str, application_remote_id: str | None) -> Note:
        return Note(
            remote_id=self.remote_id,
            remote_data=_raw(
                "note",
                self.remote_id,
                candidate_id=candidate_remote_id,
                updated_at=_epoch_ms(self.updated_at),
            ),
            candidate_remote_id=candidate_remote_id,
            application_remote_id=application_remote_id,
            author_remote_id=None if self.author is None else _rid("usr", self.author, 6),
            title=self.title,
            content_html=self.content_html,
            is_private=self.is_private,
            remote_created_at=_at(self.created_at),
            remote_updated_at=_at(self.updated_at),
        )


class _InterviewDetails(NamedTuple):
    users: list[int]  # interviewers; the first leads
    on_site: bool  # else by video (when there is a URL) or phone
    video_url: str | None
    duration: int  # seconds


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

    def remote_id(self, application_remote_id: str) -> str:
        return f"{application_remote_id}-i{self.number:02d}"

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
                stage_id=self.job.stage_remote_id(stage_index),  # not its name: stages get renamed
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


def _candidate_name(rng: random.Random) -> tuple[str, str]:
    """A candidate's name as created: the first draws of its random stream (files need it too)."""
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


def _both_alive(first: _Lifespan, second: _Lifespan) -> Callable[[int], bool]:
    """An application is present when it and its candidate are."""
    return lambda step: first.alive(step) and second.alive(step)


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
# Job edits (the source's own methods add postings and change hiring teams: they need its settings)
# --------------------------------------------------------------------------------------------------


def _edit_job(state: _JobState, moment: _Instant, rng: random.Random) -> None:
    """The name gains or loses "(m/f/d)", or the description its list of benefits."""
    if rng.random() < 0.5:
        base = state.name.removesuffix(_NAME_SUFFIX)
        state.name = base if base != state.name else base + _NAME_SUFFIX
    else:
        base = state.description.removesuffix(_BENEFITS)
        state.description = base if base != state.description else base + _BENEFITS
    state.touch(moment)


def _rename_stage(state: _JobState, moment: _Instant, rng: random.Random) -> None:
    """A stage takes its other name. A stage is a record of its own: the job does not change."""
    del moment
    stage = rng.randrange(len(state.stage_names))
    state.stage_names[stage] = _STAGE_ALIASES[state.stage_names[stage]]


def _change_questions(state: _JobState, moment: _Instant, rng: random.Random) -> None:
    """An extra question is added at the end of the form, or (once none fits) one becomes required or
    optional. Titles never change: applications' answers carry them."""
    del moment
    keys = {question.question.key for question in state.questions}
    addable = [question for question in _EXTRA_QUESTIONS if _fits(question, keys)]
    if addable:
        question = rng.choice(addable)
        state.questions.append(_QuestionState(question, len(state.questions), question.required))
        return
    edited = rng.choice([question for question in state.questions if question.required is not None])
    edited.required = not edited.required


# --------------------------------------------------------------------------------------------------
# The source
# --------------------------------------------------------------------------------------------------

_OPEN_STARTERS: Final = 2  # the first starter jobs are open and ask every type of question
_USER_CACHE_SIZE: Final = 4096  # roles of users, to find recruiters for jobs' contacts
# Kinds of event rolled per entity with `_event_roll`, each from a phase of its own.
_EVENT_KINDS: Final = (
    "user",
    "job-status",
    "job-edit",
    "hiring-team",
    "stage-rename",
    "posting-change",
    "posting-add",
    "question",
    "application-notes",
    "candidate-notes",
)
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
_JOB_ALPHA: Final = _CANDIDATE_ALPHA  # job events, over jobs (each kind from a phase of its own)
_USER_ALPHA: Final = _APPLICATION_ALPHA  # user events, over users


class SandboxSource:
    """A deterministic generated ATS: `applications` initial applications, seen at `step` of its history.

    Every method streams records in ascending remote-id order, and the same arguments give equal
    records. Going from step k to k+1 adds applications (and candidates); moves, rejects and hires
    applications; schedules and cancels interviews; moves offers; edits candidates and their tags; and
    deletes (and sometimes restores, a few steps later) candidates, applications, interviews and offers.
    It also renames and deactivates users; edits, opens and closes jobs, renames their stages, changes
    their hiring teams, adds and changes their postings, adds and edits their screening questions; adds,
    edits and deletes notes; adds scorecards as interviews take place; and adds and deletes files.
    """

    def __init__(self, seed: str, applications: int, step: int = 0, journal: Journal | None = None) -> None:
        if applications < 0 or step < 0:
            raise ValueError("applications and step must not be negative")
        self.seed = seed
        # What write actions did to this sandbox (journal.py), applied to every record it yields.
        self.journal = journal or Journal()
        self.initial_applications = applications
        self.step = step
        self.user_count = max(5, applications // 200)
        self.job_count = max(3, applications // 40)
        self.initial_candidates = max(1, (applications * 9 + 9) // 10)  # ceil(0.9 * applications)
        # New applications per step; at least 5, which about offsets a small sandbox's deletions.
        self.growth_per_step = max(5, applications // 50)
        self._rates = _Rates.for_size(applications, self.initial_candidates, self.job_count, self.user_count)
        self._now: _Instant = step * STEP_SECONDS + _EVENT_WINDOW  # when this step's events are over
        self._company = _COMPANIES[_hash64(f"{seed}\x1fcompany") % len(_COMPANIES)]
        self._domain = f"{_slug(self._company)}.example"
        self._outcome_phase = _hash64(f"{seed}\x1foutcome-phase") / 2**64
        self._candidate_phase = _hash64(f"{seed}\x1fcandidate-events") / 2**64
        self._application_phase = _hash64(f"{seed}\x1fapplication-events") / 2**64
        self._phases = {kind: _hash64(f"{seed}\x1f{kind}-events") / 2**64 for kind in _EVENT_KINDS}
        self._deletion_plans = {
            "candidates": self._deletion_plan("candidates", _CANDIDATE_DELETION_ALPHA, self._rates.candidate_deletion),
            "applications": self._deletion_plan(
                "applications", _APPLICATION_DELETION_ALPHA, self._rates.application_deletion
            ),
            "files": self._deletion_plan("files", _CANDIDATE_ALPHA, self._rates.file_add),
        }
        self._name_shift = _hash64(f"{seed}\x1fnames")
        self._job_plan: Callable[[int], _JobPlan] = functools.lru_cache(maxsize=_JOB_CACHE_SIZE)(self._plan_job)
        self._user_roles: Callable[[int], tuple[RoleType, ...]] = functools.lru_cache(maxsize=_USER_CACHE_SIZE)(
            self._initial_user_roles
        )
        rates = self._rates
        # A job's events besides opening and closing, in the order they apply within a step.
        self._job_events: tuple[tuple[str, float, Callable[[_JobState, _Instant, random.Random], None]], ...] = (
            ("job-edit", rates.job_edit, _edit_job),
            ("hiring-team", rates.hiring_team, self._change_hiring_team),
            ("stage-rename", rates.stage_rename, _rename_stage),
            ("posting-change", rates.posting_change, self._change_posting),
            ("posting-add", rates.posting_add, self._add_posting),
            ("question", rates.question_change, _change_questions),
        )

    def __repr__(self) -> str:
        return f"SandboxSource(seed={self.seed!r}, applications={self.initial_applications}, step={self.step})"

    def at_step(self, step: int) -> SandboxSource:
        """The same sandbox at another point of its history (with the same writes)."""
        return SandboxSource(self.seed, self.initial_applications, step, self.journal)

    # ---- public streams -----------------------------------------------------------------------------

    def record_methods(self) -> dict[str, Callable[[], Iterator[Record]]]:
        """Each model and the method that yields it, referenced models first."""
        written = self.journal

        def overlaid(model: str, method: Callable[[], Iterator[Record]]) -> Callable[[], Iterator[Record]]:
            return lambda: written.overlay(model, method())

        methods: dict[str, Callable[[], Iterator[Record]]] = {
            Role.MODEL: self.roles,
            Tag.MODEL: self.tags,
            User.MODEL: self.users,
            RejectionReason.MODEL: self.rejection_reasons,
            Job.MODEL: self.jobs,
            ApplicationStage.MODEL: self.application_stages,
            JobPosting.MODEL: self.job_postings,
            ScreeningQuestion.MODEL: self.screening_questions,
            Candidate.MODEL: self.candidates,
            Application.MODEL: self.applications,
            Interview.MODEL: self.interviews,
            Offer.MODEL: self.offers,
            Note.MODEL: self.notes,
            Scorecard.MODEL: self.scorecards,
            Attachment.MODEL: self.attachments,
        }
        if not written:
            return methods
        return {model: overlaid(model, method) for model, method in methods.items()}

    def record(self, model: str, remote_id: str) -> Record | None:
        """One record as a sync would read it now (written state included), found by its remote id
        without generating the others; None if the sandbox has no such live record. For the models
        write actions change: candidates, applications, tags, interviews, notes and files."""
        created = self.journal.created_record(model, remote_id)
        if created is not None:
            return created
        found: Record | None = None
        try:
            if model == Candidate.MODEL and remote_id.startswith("cand_"):
                candidate = self._candidate_state(_rid_index(remote_id))
                found = None if candidate is None else candidate.record()
            elif model == Application.MODEL and remote_id.startswith("app_"):
                application = self._application_state(_rid_index(remote_id))
                found = None if application is None else application.record()
            elif model == Interview.MODEL and "-i" in remote_id:
                owner = self._application_state(_rid_index(remote_id.rpartition("-i")[0]))
                if owner is not None:
                    for interview in owner.interviews:
                        if interview.remote_id(owner.remote_id) == remote_id and interview.life.alive(self.step):
                            found = self._interview_record(owner, interview)
            elif model == Tag.MODEL:
                found = next((tag for tag in self.tags() if tag.remote_id == remote_id), None)
        except ValueError:  # not an id this sandbox makes
            return None
        return None if found is None else self.journal.patched(found)

    def counts(self) -> dict[str, int]:
        """How many records each method yields (by iterating them all)."""
        return {model: sum(1 for _ in method()) for model, method in self.record_methods().items()}

    def roles(self) -> Iterator[Role]:
        """The system roles that users hold and the job roles of hiring teams (one of them custom)."""
        catalog: list[SystemRole | JobRole] = [*_SYSTEM_ROLES.values(), *_JOB_ROLES.values()]
        for role in sorted(catalog, key=lambda role: role.remote_id or ""):
            remote_id = role.remote_id or ""  # every role of the catalog has one
            yield Role(
                remote_id=remote_id,
                remote_data=_raw("role", remote_id, label=role.remote_label, scope=role.scope.lower()),
                remote_label=role.remote_label,
                scope=role.scope,
                unified_type=role.unified_type,
            )

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
            yield self._user_state(index).record()

    def jobs(self) -> Iterator[Job]:
        for state in self._job_states():
            yield state.record()

    def application_stages(self) -> Iterator[ApplicationStage]:
        for state in self._job_states():
            plan = state.plan
            for stage_index, name in enumerate(state.stage_names):
                remote_id = plan.stage_remote_id(stage_index)
                yield ApplicationStage(
                    remote_id=remote_id,
                    remote_data=_raw("stage", remote_id, job_id=plan.remote_id, label=name),
                    job_remote_id=plan.remote_id,
                    name=name,
                    index=stage_index,
                    status="INACTIVE" if stage_index == plan.legacy_index else "ACTIVE",
                )

    def job_postings(self) -> Iterator[JobPosting]:
        for state in self._job_states():
            for posting in state.postings:
                yield posting.record(state.plan.remote_id)

    def screening_questions(self) -> Iterator[ScreeningQuestion]:
        for state in self._job_states():
            for question in sorted(state.questions, key=lambda question: question.question.key):
                yield question.record(state.plan.remote_id)

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

    def notes(self) -> Iterator[Note]:
        """Notes on applications, then notes on candidates alone ("app_..." < "cand_...")."""
        for index in range(self._application_end()):
            identity, candidate = self._application_identity(index)
            if identity.life.alive(self.step) and candidate.life.alive(self.step):
                yield from self._notes(
                    "application-notes",
                    identity,
                    self._application_created_at(identity, candidate),
                    _both_alive(identity.life, candidate.life),
                    _rid("cand", candidate.number, 8),
                    _rid("app", identity.number, 8),
                )
        for index in self._candidate_indices():
            identity = self._candidate_identity(index)
            if identity.life.alive(self.step):
                yield from self._notes(
                    "candidate-notes",
                    identity,
                    self._created_at(identity, self.initial_candidates),
                    identity.life.alive,
                    _rid("cand", index, 8),
                    None,
                )

    def scorecards(self) -> Iterator[Scorecard]:
        """One per interview that took place (ended, not canceled), once its author submitted it."""
        for state in self._application_states():
            for interview in state.interviews:
                if interview.canceled or not interview.life.alive(self.step):
                    continue
                scorecard = self._scorecard(state, interview)
                if scorecard is not None:
                    yield scorecard

    def attachments(self) -> Iterator[Attachment]:
        """Files filed under applications (cover letters), then candidates' files."""
        for index in range(self._application_end()):
            yield from self._application_files(index)
        for index in self._candidate_indices():
            yield from self._candidate_files(index)

    def attachment_content(self, remote_id: str) -> tuple[bytes, str]:
        """The bytes and content type of one file of this sandbox at this step, found from its remote
        id alone: a one-page PDF or UTF-8 text naming the candidate -- or, for a file a write action
        added, the bytes it was given. KeyError if there is no such file."""
        written = self.journal.files.get(remote_id)
        if written is not None:
            return written
        match = _FILE_ID.fullmatch(remote_id)
        if match is None:
            raise KeyError(remote_id)
        owner, number = match.group(1), int(match.group(2)) - 1
        if owner == "app":
            files = self._application_files(number) if 0 <= number < self._application_end() else iter(())
        else:
            files = self._candidate_files(number) if self._candidate_exists(number) else iter(())
        for attachment in files:
            if attachment.remote_id == remote_id:
                return self._file_content(attachment)
        raise KeyError(remote_id)

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

    # ---- users --------------------------------------------------------------------------------------

    def _replay(
        self,
        kind: str,
        index: int,
        create: Callable[[random.Random], _S],
        advance: Callable[[_S, int, random.Random], bool],
    ) -> _S:
        """The state at `self.step` of a user or job: they exist at every step."""
        state = self._simulate(kind, index, 0, _always, create, advance)
        assert state is not None
        return state

    def _user_state(self, index: int) -> _UserState:
        return self._replay("users", index, functools.partial(self._new_user, index), self._advance_user)

    def _initial_user_roles(self, index: int, rng: random.Random | None = None) -> tuple[RoleType, ...]:
        """A user's system roles (they never change): the first draws of the user's random stream."""
        if index < len(_STARTER_USERS):
            return _STARTER_USERS[index][0]
        return _random_user_roles(rng or self._rng("users", index))

    def _new_user(self, index: int, rng: random.Random) -> _UserState:
        first, last, cycle = self._person_name(index)
        roles = self._initial_user_roles(index, rng)
        status = _STARTER_USERS[index][1] if index < len(_STARTER_USERS) else _random_user_status(rng)
        return _UserState(
            number=index,
            remote_id=_rid("usr", index, 6),
            first_name=first,
            last_name=last,
            # The address stays when the name changes, as in most companies.
            email=f"{_slug(first)}.{_slug(last)}{cycle or ''}@{self._domain}",
            status=status,
            roles=tuple(_SYSTEM_ROLES[role] for role in roles),
        )

    def _advance_user(self, state: _UserState, step: int, rng: random.Random) -> bool:
        """A user may change their last name or be (de)activated; users never settle."""
        roll = self._event_roll(self._phases["user"], _USER_ALPHA, state.number, step)
        if roll < self._rates.user_edit / 2:
            state.last_name = rng.choice([name for name in LAST_NAMES if name != state.last_name])
        elif roll < self._rates.user_edit:
            state.status = "INACTIVE" if state.status == "ACTIVE" else "ACTIVE"
        return True

    # ---- jobs ---------------------------------------------------------------------------------------

    def _job_states(self) -> Iterator[_JobState]:
        for index in range(self.job_count):
            yield self._replay("jobs", index, functools.partial(self._new_job, index), self._advance_job)

    def _plan_job(self, index: int) -> _JobPlan:
        return self._new_job(index, self._rng("jobs", index)).plan

    def _status_event(self, index: int, step: int, status: JobStatus) -> tuple[JobStatus, _Instant] | None:
        """(new status, when) if job `index` with `status` opens (a draft) or closes (an open job) at
        `step`. Starter jobs keep their status. Closed form, so that a job's plan knows when the job
        opened and closed without replaying its other events; the time comes from the roll itself."""
        if index < len(_STARTER_JOBS) or status not in ("DRAFT", "OPEN"):
            return None
        roll, rate = self._event_roll(self._phases["job-status"], _JOB_ALPHA, index, step), self._rates.job_status
        if roll >= rate:
            return None
        new = JobStatus.OPEN if status == JobStatus.DRAFT else JobStatus.CLOSED
        return new, step * STEP_SECONDS + int(roll / rate * _EVENT_WINDOW)

    def _new_job(self, index: int, rng: random.Random) -> _JobState:
        """A job as created (its step-0 state), with the plan its applications use."""
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
        public_url = f"https://careers.{self._domain}/jobs/{index + 1}-{_slug(name)}"
        description = (
            f"<p>{self._company} is hiring a {name} to {role.duty}.</p>"
            f"<p>You will join the {role.department} team in {office.city}.</p>"
        )
        custom_fields: dict[str, Any] = {}
        if (rng.random() < 0.4) or index == 0:  # drawn for every job; the first job always has them
            custom_fields = {
                "cost_center": f"CC-{rng.randint(1000, 9999)}",
                "headcount": rng.randint(1, 3),
            }
        team = self._new_hiring_team(index, rng)
        updated_at = max(created_at, opened_at or created_at, closed_at or created_at) + rng.randint(0, 20) * _HOUR
        record = Job(
            remote_id=remote_id,
            remote_data=_job_raw(remote_id, name, status, office.city),
            name=name,
            job_code=f"{role.code}-{_at(created_at).year}-{index + 1:04d}",
            description=description,
            confidential=rng.random() < 0.05,
            weekly_hours=_WEEKLY_HOURS[employment],
            category=role.category,
            department=role.department,
            post_url=public_url if visibility == "PUBLIC" and status != "DRAFT" else None,
            experience_level=level,
            employment_type=employment,
            status=status,
            visibility=visibility,
            remote_work_status=_work_mode(index, rng),
            **self._salary(role.salary * pay, office, employment, rng, _STARTER_SALARIES.get(index)),
            location=office.address,
            custom_fields=custom_fields,
            remote_url=f"{_APP_URL}/jobs/{remote_id}",
            opened_at=None if opened_at is None else _at(opened_at),
            closed_at=None if closed_at is None else _at(closed_at),
            remote_created_at=_at(created_at),
            remote_updated_at=_at(updated_at),
            contact_remote_id=_rid("usr", team[0].user, 6),
            hiring_team=_hiring_team(team),
        )
        stage_names, legacy_index = self._pipeline(rng, force_legacy=index == _LEGACY_STARTER_JOB)
        start, count = rng.randrange(len(_QUESTIONS)), rng.randint(3, 6)
        if index < _OPEN_STARTERS:  # the two open starter jobs ask, between them, every type of question
            start, count = 6 * index, 7
        questions = [_QUESTIONS[(start + offset) % len(_QUESTIONS)] for offset in range(count)]
        active = tuple(i for i in range(len(stage_names)) if i != legacy_index)
        # When the job opens and closes during the steps up to this one: an application created at
        # some step needs no later ones.
        current, published_at, closes_at = status, None, closed_at
        for step in range(1, self.step + 1):
            change = self._status_event(index, step, current)
            if change is not None:
                current, moment = change
                published_at, closes_at = (moment, closes_at) if current == "OPEN" else (published_at, moment)
        plan = _JobPlan(
            index=index,
            record=record,
            opened_at=published_at,
            closed_at=closes_at,
            office=office,
            stage_names=stage_names,
            active=active,
            legacy_index=legacy_index,
            interview_positions=tuple(p for p, i in enumerate(active) if stage_names[i] in _INTERVIEW_STAGES),
            questions=tuple((f"{remote_id}-q-{question.key}", question) for question in questions),
        )
        state = _JobState(
            plan=plan,
            name=name,
            description=description,
            status=status,
            opened_at=opened_at,
            closed_at=closed_at,
            updated_at=updated_at,
            public_url=public_url,
            team=team,
            stage_names=list(stage_names),
            postings=[],
            questions=[],
        )
        self._new_questions(state, questions, rng)
        if index < len(_STARTER_POSTINGS):
            for posting_visibility, posting_status in _STARTER_POSTINGS[index]:
                self._add_posting(state, created_at, rng, posting_visibility, posting_status)
        else:
            for _ in range(_weighted(rng, ((0, 20), (1, 50), (2, 30)))):
                self._add_posting(state, created_at, rng)
        return state

    def _new_hiring_team(self, index: int, rng: random.Random) -> list[_Member]:
        """2-4 members, the job's contact (a user with the recruiter role) first, then a hiring manager."""
        places: tuple[tuple[str, ...], ...]
        if index < len(_STARTER_TEAMS):
            places = _STARTER_TEAMS[index]
            contact = _STARTER_RECRUITERS[index]
        else:
            manager = ("HIRING_MANAGER", "APPROVER") if rng.random() < 0.25 else ("HIRING_MANAGER",)
            helpers = [(rng.choice(_TEAM_HELPERS),) for _ in range(rng.randint(0, 2))]
            places = (("RECRUITER",), manager, *helpers)
            contact = self._recruiter(rng)
        users = [contact]
        while len(users) < min(len(places), self.user_count):
            user = rng.randrange(self.user_count)
            if user not in users:
                users.append(user)
        return [_Member(user, roles) for user, roles in zip(users, places, strict=False)]

    def _recruiter(self, rng: random.Random) -> int:
        """A user with the recruiter role: a few random users are tried, then a starter recruiter."""
        for _ in range(16):
            user = rng.randrange(self.user_count)
            if "RECRUITER" in self._user_roles(user):
                return user
        return rng.choice(_STARTER_RECRUITERS)

    def _new_questions(self, state: _JobState, questions: list[_Question], rng: random.Random) -> None:
        """The job's form: an information block (sometimes) first, the answered questions, then
        some extra ones (all that fit, on the starter jobs)."""
        keys = {question.key for question in questions}
        extras = [question for question in _EXTRA_QUESTIONS if _fits(question, keys)]
        if state.plan.index >= _OPEN_STARTERS:
            extras = [question for question in extras if rng.random() < 0.3]
        info = [question for question in extras if _is_information(question)]
        required = [rng.random() < 0.6 for _ in questions]
        for question, is_required in (
            *((question, question.required) for question in info),
            *zip(questions, required, strict=True),
            *((question, question.required) for question in extras if not _is_information(question)),
        ):
            state.questions.append(_QuestionState(question, len(state.questions), is_required))

    def _advance_job(self, state: _JobState, step: int, rng: random.Random) -> bool:
        """One step of a job: it may open or close, then each kind of event has its own roll (a small
        sandbox has few jobs, and each step should still show every kind). Jobs never settle."""
        moment = _event_time(step, rng)
        index = state.plan.index
        change = self._status_event(index, step, state.status)
        if change is not None:
            state.status, at = change
            if state.status == "OPEN":
                state.opened_at = at
            else:
                state.closed_at = at
            for posting in state.postings:
                if posting.status != "INACTIVE":
                    posting.status = _POSTING_STATUS[state.status]
            state.touch(at)
        for kind, rate, apply in self._job_events:
            if self._event_roll(self._phases[kind], _JOB_ALPHA, index, step) < rate:
                apply(state, moment, rng)
        return True

    def _change_hiring_team(self, state: _JobState, moment: _Instant, rng: random.Random) -> None:
        """A member joins (up to four, while there are users to add) or leaves (not the contact or the
        hiring manager). Team changes are links: they do not touch the job's `updated_at`."""
        del moment
        members = {member.user for member in state.team}
        if len(state.team) < min(4, self.user_count) and (len(state.team) <= 2 or rng.random() < 0.5):
            user = rng.randrange(self.user_count)
            while user in members:
                user = rng.randrange(self.user_count)
            state.team = [*state.team, _Member(user, (rng.choice(_TEAM_HELPERS),))]
        elif len(state.team) > 2:
            leaving = rng.randrange(2, len(state.team))
            state.team = state.team[:leaving] + state.team[leaving + 1 :]

    def _change_posting(self, state: _JobState, moment: _Instant, rng: random.Random) -> None:
        """On an open job, a posting goes live or offline; on another one, a note that the position is
        no longer open comes or goes. A job without postings gets one."""
        if not state.postings:
            self._add_posting(state, moment, rng)
            return
        posting = rng.choice(state.postings)
        if state.status == "OPEN":
            posting.status = "INACTIVE" if posting.status == "ACTIVE" else "ACTIVE"
        else:
            posting.filled_note = not posting.filled_note

    def _add_posting(
        self,
        state: _JobState,
        moment: _Instant,
        rng: random.Random,
        visibility: PostingVisibility | None = None,
        status: PostingStatus | None = None,
    ) -> None:
        """A new posting of the job (a change of one, once there are `_MAX_POSTINGS`): the first shows the job's
        visibility; public and unlisted ones have a URL. Its status follows the job's."""
        if len(state.postings) >= _MAX_POSTINGS:
            self._change_posting(state, moment, rng)
            return
        plan = state.plan
        shown: PostingVisibility = _POSTING_VISIBILITY[plan.record.visibility or "PUBLIC"]
        if visibility is not None:
            shown = visibility
        elif state.postings:  # the first posting shows the job's visibility, others vary
            shown = rng.choice(tuple(_POSTING_VISIBILITY.values()))
        if status is None:
            status = _POSTING_STATUS[state.status]
            if status == "ACTIVE" and rng.random() < 0.1:
                status = "INACTIVE"
        remote_id = f"{plan.remote_id}-p{len(state.postings):02d}"
        state.postings.append(
            _PostingState(
                remote_id=remote_id,
                title=state.name,
                description_html=(
                    f"<h2>{state.name}</h2><p>{plan.office.city}, posted {_POSTED[shown]}.</p>"
                    f"{state.description}{_BENEFITS}"
                ),
                status=status,
                visibility=shown,
                url=None if shown == "INTERNAL" else f"https://careers.{self._domain}/postings/{remote_id}",
            )
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
    def _salary(
        yearly_eur: float,
        office: _Office,
        employment: EmploymentType,
        rng: random.Random,
        shape: Literal["amount", "range"] | None = None,
    ) -> dict[str, Any]:
        """Salary fields: none (20%), or one amount or a range (`shape`, else drawn), per year, month
        or hour."""
        if rng.random() < 0.2 and shape is None:
            return {}
        yearly = yearly_eur * office.salary_factor
        if employment in ("PART_TIME", "SEASONAL", "CONTRACT"):
            period, amount = SalaryPeriod.HOUR, round(yearly / 1800 * 2) / 2
        elif rng.random() < 0.2:
            period, amount = SalaryPeriod.MONTH, float(round(yearly / 12, -2))
        else:
            period, amount = SalaryPeriod.YEAR, float(round(yearly, -3))
        fields: dict[str, Any] = {"salary_currency": office.currency, "salary_period": period}
        single = rng.random() < 0.5
        if single if shape is None else shape == "amount":
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
        first, last = _candidate_name(rng)
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
            tags=sorted(rng.sample(range(len(TAG_NAMES)), _weighted(rng, ((0, 40), (1, 35), (2, 15), (3, 10))))),
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
            edit = _CANDIDATE_EDITS[int((roll - rates.tag_change) / rates.candidate_edit * len(_CANDIDATE_EDITS))]
            edit(state, rng)
            state.updated_at = moment
        return True

    # ---- applications -------------------------------------------------------------------------------

    def _application_states(self) -> Iterator[_ApplicationState]:
        for index in range(self._application_end()):
            state = self._application_state(index)
            if state is not None:
                yield state

    def _application_identity(self, index: int) -> tuple[_Identity, _Identity]:
        """The identities of application `index` and of its candidate (closed form, no replay)."""
        born = self._birth_step(index)
        return self._identity("applications", index, born), self._candidate_identity(self._candidate_of(index))

    def _application_state(self, index: int) -> _ApplicationState | None:
        identity, candidate = self._application_identity(index)
        return self._simulate(
            "applications",
            index,
            identity.born,
            _both_alive(identity.life, candidate.life),
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

    def _choose_job(self, index: int, applied_at: _Instant, statuses: frozenset[str], rng: random.Random) -> _JobPlan:
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

    def _new_application(self, identity: _Identity, candidate: _Identity, rng: random.Random) -> _ApplicationState:
        created_at = self._application_created_at(identity, candidate)
        outcome = self._initial_outcome(identity.number) if identity.born == 0 else "PENDING"
        job = self._choose_job(identity.number, created_at, _JOB_STATUSES_FOR[identity.born > 0, outcome], rng)
        answers: tuple[ScreeningAnswer, ...] = ()
        if rng.random() < 0.75:
            answers = tuple(
                ScreeningAnswer(question_id, question.title, question.type, _answer(question, rng, created_at))
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
            # The current stage's interview is around now.
            day = rng.randint(-2, 5) * _DAY if position == state.position else entered(position) + stage_time // 2
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

    def _interview_details(self, rng: random.Random) -> _InterviewDetails:
        """Who and how, drawn from the interview's own stream (`random.Random(detail_seed)`): only
        records need them, so generating applications alone stays cheap."""
        users = rng.sample(range(self.user_count), rng.randint(1, 3))
        mode = rng.random()
        video_url = f"https://meet.sandbox.example/{rng.randint(10**9, 10**10 - 1)}" if 0.45 <= mode < 0.9 else None
        return _InterviewDetails(users, mode < 0.45, video_url, rng.choice((45, 60)) * 60)

    def _interview_record(self, state: _ApplicationState, interview: _InterviewState) -> Interview:
        """An interview's record; its details come from its own seed (see `_InterviewState`)."""
        users, on_site, video_url, duration = self._interview_details(random.Random(interview.detail_seed))
        remote_id = interview.remote_id(state.remote_id)
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
            ending_at=_at(interview.starting_at + duration),
            canceled=interview.canceled,
            video_conferencing_url=video_url,
            location=state.job.office.address if on_site else None,
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

    def _cancel_interviews(self, state: _ApplicationState, step: int, moment: _Instant, rng: random.Random) -> None:
        for interview in tuple(state.interviews):
            if interview.upcoming(moment) and interview.life.steady(step) and rng.random() < self._rates.cancel:
                interview.cancel(moment)
                if rng.random() < self._rates.reschedule:
                    day = moment + rng.randint(2, 6) * _DAY
                    self._add_interview(state, step, moment, day, rng, interview.position)

    def _advance_stage(self, state: _ApplicationState, step: int, moment: _Instant, rng: random.Random) -> None:
        state.position += 1
        state.updated_at = moment
        if state.job.is_interview(state.position):
            self._add_interview(state, step, moment, moment + rng.randint(1, 4) * _DAY, rng, state.position)
        elif state.position == state.offer_position:
            self._add_offer(state, step, "DRAFT", moment, moment, rng)

    def _progress_offer(self, state: _ApplicationState, step: int, moment: _Instant, rng: random.Random) -> None:
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

    # ---- notes --------------------------------------------------------------------------------------

    def _notes(
        self,
        kind: str,
        owner: _Identity,
        created_at: _Instant,
        present: Callable[[int], bool],
        candidate_remote_id: str,
        application_remote_id: str | None,
    ) -> Iterator[Note]:
        """The notes of one application or candidate (`kind`), replayed from the owner's creation: a few
        before step 0, then per step (while the owner exists through it) maybe one note added or edited.
        Notes are deleted (and sometimes restored) by their own lifespans."""
        rng = self._rng(kind, owner.number)
        rates = self._rates
        on_application = application_remote_id is not None
        add, edit = (rates.note_add, rates.note_edit) if on_application else (rates.candidate_note, 0.0)
        alpha = _APPLICATION_ALPHA if on_application else _CANDIDATE_ALPHA
        prefix = f"{application_remote_id or candidate_remote_id}-n"
        notes: list[_NoteState] = []
        if owner.born == 0:
            initial = ((0, 35), (1, 30), (2, 20), (3, 15)) if on_application else ((0, 80), (1, 20))
            for _ in range(_weighted(rng, initial)):
                self._add_note(notes, prefix, 0, _between(created_at, 0, rng, low=0.1), on_application, rng)
        was_present = True
        for step in range(owner.born + 1, self.step + 1):
            is_present = present(step)
            roll = self._event_roll(self._phases[kind], alpha, owner.number, step)
            if was_present and is_present and roll < add + edit:
                moment = _event_time(step, rng)
                editable = [note for note in notes if note.author is not None and note.life.steady(step)]
                if roll >= add and editable:
                    note = rng.choice(editable)
                    note.content_html += rng.choice(_NOTE_UPDATES)
                    note.updated_at = moment
                elif len(notes) < _MAX_NOTES:
                    self._add_note(notes, prefix, step, moment, on_application, rng)
            was_present = is_present
        for note in notes:
            if note.life.alive(self.step):
                yield note.record(candidate_remote_id, application_remote_id)

    def _add_note(
        self,
        notes: list[_NoteState],
        prefix: str,
        step: int,
        moment: _Instant,
        on_application: bool,
        rng: random.Random,
    ) -> None:
        """A note by a user (sometimes untitled or private) or, on applications, by the system."""
        author: int | None = rng.randrange(self.user_count)
        is_private = _weighted(rng, _IS_PRIVATE)
        if on_application and rng.random() < 0.15:
            author, title, content, is_private = None, None, rng.choice(_SYSTEM_NOTES), None
        else:
            title, content = rng.choice(_NOTE_TEXTS if on_application else _CANDIDATE_NOTE_TEXTS)
        notes.append(
            _NoteState(
                remote_id=f"{prefix}{len(notes):02d}",
                author=author,
                title=title,
                content_html=content,
                is_private=is_private,
                created_at=moment,
                updated_at=moment,
                life=self._lifespan(rng.getrandbits(_LIFE_BITS), step, self._rates.note_deletion),
            )
        )

    # ---- scorecards ---------------------------------------------------------------------------------

    def _scorecard(self, state: _ApplicationState, interview: _InterviewState) -> Scorecard | None:
        """The scorecard of an interview, if it ended and its author (one of its interviewers)
        submitted it by the end of this step. It never changes after. Its draws continue the
        interview's detail stream."""
        rng = random.Random(interview.detail_seed)
        users, *_, duration = self._interview_details(rng)
        ended_at = interview.starting_at + duration
        submitted_at = ended_at + rng.randint(10, 48 * 60) * 60
        if submitted_at > self._now:
            return None
        interview_remote_id = interview.remote_id(state.remote_id)
        remote_id = f"{interview_remote_id}-sc"
        author = _rid("usr", rng.choice(users), 6)
        return Scorecard(
            remote_id=remote_id,
            remote_data=_raw("scorecard", remote_id, interview_id=interview_remote_id, submitted_by=author),
            candidate_remote_id=_rid("cand", state.candidate.number, 8),
            application_remote_id=state.remote_id,
            interview_remote_id=interview_remote_id,
            author_remote_id=author,
            responses=tuple(criterion.response(_score(criterion, ended_at, rng)) for criterion in _RUBRIC),
            remote_created_at=_at(submitted_at),
            remote_updated_at=_at(submitted_at),
        )

    # ---- attachments --------------------------------------------------------------------------------

    def _candidate_exists(self, candidate: int) -> bool:
        """Is `candidate` one of this sandbox's candidates by now (whether or not deleted)?"""
        if candidate < self.initial_candidates:
            return candidate >= 0
        application = self.initial_applications + candidate - self.initial_candidates
        return application < self._application_end() and self._candidate_of(application) == candidate

    def _application_files(self, index: int) -> Iterator[Attachment]:
        """An application's cover letter, if its candidate sent one (about a third do)."""
        identity, candidate = self._application_identity(index)
        if not (identity.life.alive(self.step) and candidate.life.alive(self.step)):
            return
        bits = _hash64(f"{self.seed}\x1ffiles\x1fapp\x1f{index}")
        if bits % 3 == 0:
            uploaded_at = self._application_created_at(identity, candidate) + 30
            yield self._file(_rid("app", index, 8), 0, candidate.number, index, _COVER_LETTER, uploaded_at, bits)

    def _candidate_files(self, candidate: int) -> Iterator[Attachment]:
        """A candidate's files: a CV (filed under their first application half the time, as if sent
        with it), a portfolio for some, then one more file every `1 / file_add` steps. All but the CV
        can be deleted (and sometimes come back)."""
        identity = self._candidate_identity(candidate)
        if not identity.life.alive(self.step):
            return
        owner = _rid("cand", candidate, 8)
        bits = _hash64(f"{self.seed}\x1ffiles\x1fcand\x1f{candidate}")
        created_at = self._created_at(identity, self.initial_candidates)
        # The first application of an initial candidate c is application c; a later candidate came with
        # the application that created them. (An empty sandbox's one candidate has none.)
        first_application: int | None = candidate
        if candidate >= self.initial_candidates:
            first_application = self.initial_applications + candidate - self.initial_candidates
        elif candidate >= self.initial_applications:
            first_application = None
        if first_application is None or not bits & 1:
            yield self._file(owner, 0, candidate, None, _CV, created_at + 60, bits)
        elif self._application_identity(first_application)[0].life.alive(self.step):
            # Sent with the first application, it is gone while that application is.
            yield self._file(owner, 0, candidate, first_application, _CV, created_at + 60, bits)
        uploads: list[tuple[int, _Instant, _FileKind]] = []
        if identity.born == 0 and bits >> 1 & 3 == 0:
            uploads.append((0, created_at + 120, _PORTFOLIO))
        # Like deletions (`_identity`): step s uploads for the candidates in slice (s - 1) mod n.
        phase, alpha, slices = self._deletion_plans["files"]
        step = identity.born + 1 + (int((phase + candidate * alpha) % 1.0 * slices) - identity.born) % slices
        while step <= self.step and len(uploads) < _MAX_FILES - 1:
            if identity.life.steady(step):
                later = _LATER_FILES[((bits >> 3) + len(uploads)) % len(_LATER_FILES)]
                uploads.append((step, step * STEP_SECONDS + (bits >> 8) % _EVENT_WINDOW, later))
            step += slices
        for number, (upload_step, uploaded_at, kind) in enumerate(uploads, 1):
            life = self._lifespan(_hash64(f"{owner}-f{number}\x1f{bits}"), upload_step, self._rates.file_deletion)
            if life.alive(self.step):
                yield self._file(owner, number, candidate, None, kind, uploaded_at, bits >> number)

    def _file(
        self,
        owner: str,
        number: int,
        candidate: int,
        application: int | None,
        kind: _FileKind,
        uploaded_at: _Instant,
        bits: int,
    ) -> Attachment:
        """A file's record; its name is the candidate's name as they were created."""
        file_type, pattern, text_share = kind
        first, last = _candidate_name(self._rng("candidates", candidate))
        is_text = (bits >> 16 & 0xFFFF) / 0x10000 < text_share
        name = pattern.format(name=f"{first}_{last}".replace(" ", "_"))
        remote_id = f"{owner}-f{number:02d}"
        file_name = f"{name}.{'txt' if is_text else 'pdf'}"
        return Attachment(
            remote_id=remote_id,
            remote_data=_raw("file", remote_id, filename=file_name, owner=owner),
            candidate_remote_id=_rid("cand", candidate, 8),
            application_remote_id=None if application is None else _rid("app", application, 8),
            type=file_type,
            file_name=file_name,
            content_type="text/plain" if is_text else "application/pdf",
            remote_created_at=_at(uploaded_at),
            remote_updated_at=_at(uploaded_at),
        )

    def _file_content(self, attachment: Attachment) -> tuple[bytes, str]:
        """A file's bytes: the candidate's name (as created), what the file is, and where it is from."""
        first, last = _candidate_name(self._rng("candidates", _rid_index(attachment.candidate_remote_id or "")))
        lines = (
            f"{first} {last}",
            _FILE_TITLES[attachment.type or "OTHER"],
            f"{self._company} - sandbox file {attachment.remote_id}",
        )
        if attachment.content_type == "application/pdf":
            return _pdf(lines), attachment.content_type
        return ("\n".join(lines) + "\n").encode(), "text/plain"
