"""The conformance kit's vocabulary: what a connector declares (`Target`), what the source holds in
the API's terms (`View`), and the expectations the kit derives from them.

Everything here is black-box: a target speaks about its emulator and about what Kombo's API must
serve; the kit drives the real sync engine and reads the real API. Nothing here (or in a target)
imports a connector's code, so a connector can be rewritten underneath and still be held to the
same checks.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import quote

from hirebridge import ids
from hirebridge.model.changes import propagations_from
from hirebridge.timefmt import to_wire, utc_now
from tests.emulators.harness import Emulator

E = TypeVar("E")

# --- values of the expected API view ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ref:
    """A reference field (`candidate_id`, `job_id`...): served as the Kombo id of (model, remote id)."""

    model: str
    remote_id: str


@dataclass(frozen=True, slots=True)
class Pluck:
    """A list of objects, compared by one key of each, in order (`email_addresses` by `email_address`)."""

    key: str
    values: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Embedded:
    """Child records the API shows inside this one (a job's `stages`, `job_postings`), by remote id.
    Not the record's own data: a change here is the child's, not the parent's."""

    remote_ids: frozenset[str]


@dataclass(frozen=True, slots=True)
class FileBytes:
    """An attachment's file: served by `GET /ats/candidates/{id}/attachments` (as a data URL)."""

    content: bytes


Fields = dict[str, Any]
# model -> remote id -> API field -> expected value (plain JSON, or one of the markers above).
View = dict[str, dict[str, Fields]]
Key = tuple[str, str]  # (model, remote id)

# Fields a view may carry that the listing does not serve (the kit needs them for Kombo's
# nested-change rules, model/changes.py): a stage's job and position.
NOT_SERVED: dict[str, frozenset[str]] = {"application_stages": frozenset({"job_id", "index"})}


def wire_ms(epoch_ms: int | str | None) -> str | None:
    """Epoch milliseconds as the API renders a datetime."""
    if epoch_ms is None or epoch_ms == "":
        return None
    return to_wire(datetime.fromtimestamp(int(epoch_ms) / 1000, UTC))


def wire_iso(value: str | None) -> str | None:
    """An ISO 8601 timestamp as the API renders it."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return to_wire(parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC))


def split_name(name: str) -> tuple[str, str]:
    """`First Last` as (first_name, last_name), the way every tool's people are named in the emulators."""
    first, _, last = name.partition(" ")
    return first, last


# --- what a connector declares --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RateLimit:
    rate: float  # requests per second
    burst: int


@dataclass(frozen=True)
class Running(Generic[E]):
    """A started emulator: its state (to mutate and to snapshot), the base URL a connector's
    `base_url` takes, and the harness (request log, fault queue, rate meter)."""

    emulator: E
    url: str
    harness: Emulator


@dataclass(frozen=True)
class Changes:
    """What a mutation changed that the view cannot show: records whose own fields changed in a way
    the view's fields do not capture (`own`), records of which only links changed (`links`: their
    `updated_at` moves, their `changed_at` does not, no nested-change rule fires). Additions,
    removals and changes of the view's fields are found by comparing snapshots."""

    own: frozenset[Key] = frozenset()
    links: frozenset[Key] = frozenset()


NO_CHANGES = Changes()


@dataclass(frozen=True)
class Scenario(Generic[E]):
    """One kind of source change. `mutate` changes the emulator and returns what the view cannot
    show (or None). `refresh`: a child changed without its parent; a DELTA sees it only by re-reading
    children of unchanged parents (bounded by `Target.child_refresh_runs`). `delta_gap`: why a DELTA
    does not see this change today (its DELTA case is then a strict xfail that flips when fixed)."""

    name: str
    mutate: Callable[[E], Changes | None]
    refresh: bool = False
    delta_gap: str | None = None


@dataclass(frozen=True)
class Deletion(Generic[E]):
    """Records removed from the source (and what else the removal changed, as in `Scenario`)."""

    name: str
    mutate: Callable[[E], Changes | None]


FaultOutcome = Literal["retried", "failed", "either"]


@dataclass(frozen=True)
class VendorFault(Generic[E]):
    """A misbehaviour of the vendor's own kind (Ashby's `success: false`), injected into the emulator."""

    name: str
    inject: Callable[[E], None]
    outcome: FaultOutcome = "either"


REFRESH_GAP = "this connector re-reads the children of unchanged parents only in FULL runs (no child_refresh_runs)"


@dataclass(frozen=True)
class Target(Generic[E]):
    """What a connector declares to be held to the conformance kit (docs/connectors/README.md)."""

    tool: str
    # Start the emulator with small data, its rate meter at `limit`; yields it running.
    start: Callable[[RateLimit], AbstractContextManager[Running[E]]]
    # The integration's configuration for it: base_url, credentials, anything vendor-specific. The
    # kit adds the client tunables (requests_per_second, burst, timeout, retry_*).
    config: Callable[[Running[E]], dict[str, Any]]
    # Names of the configuration fields that are secrets (never stored or logged in the clear).
    secrets: tuple[str, ...]
    # What the source holds, as the API must serve it.
    snapshot: Callable[[E], View]
    scenarios: tuple[Scenario[E], ...]
    deletions: tuple[Deletion[E], ...]
    # Make the emulator refuse the credentials the integration holds (a revoked key) / accept them again.
    revoke: Callable[[E], None]
    restore: Callable[[E], None]
    # Paths (suffixes) of JSON endpoints where the kit injects faults: a parent listing (requested
    # by one request chain at a time), a child listing, and the call behind a file download if that
    # answers JSON; `file_path`: a download answering the file's bytes, where only faults of the
    # transport are injected (a cut or foreign body is a valid file as far as anyone can tell).
    # The first change scenario must add a file, so that a FULL after it downloads one.
    fault_paths: tuple[str, ...]
    file_path: str | None = None
    # Models whose deletions the vendor reports to a DELTA run (a deletion feed); others are
    # judged deleted only by their absence from a FULL run.
    deletion_feed: frozenset[str] = frozenset()
    # DELTA runs after which a child changed behind its unchanged parent is read (the framework's
    # rotating refresh); None: only a FULL reads it.
    child_refresh_runs: int | None = None
    # The limit the pacing case holds the connector to, on both sides (client and meter).
    paced: RateLimit = RateLimit(50, 10)
    vendor_faults: tuple[VendorFault[E], ...] = ()
    # Why a DELTA of this vendor reads as much as a FULL (no incremental filter at all): its "DELTA
    # asks far less" case is then a strict xfail that flips when the vendor gains one. None: it must.
    no_delta: str | None = None

    def __str__(self) -> str:
        return self.tool


# --- expectations -------------------------------------------------------------------------------


def own_fields(fields: Fields) -> Fields:
    """A record's own data in the view: what changes its `changed_at` when it changes."""
    return {k: v for k, v in fields.items() if not isinstance(v, Embedded | FileBytes)}


def _key_of(view: View, model: str, remote_id: str, name: str) -> Ref | None:
    if name == "id":
        return Ref(model, remote_id)
    record = view.get(model, {}).get(remote_id)
    if record is None:
        return None
    if name not in record:
        raise AssertionError(f"the view of {model} must carry {name!r}: a nested-change rule reads it")
    value = record[name]
    assert value is None or isinstance(value, Ref), f"{model}.{name} must be a Ref, got {value!r}"
    return value


def _holders(before: View, after: View, model: str, key_field: str, key: Ref) -> set[Key]:
    """The records of `model` (in either state) whose `key_field` is `key`."""
    if key_field == "id":
        if key.model == model and any(key.remote_id in v.get(model, {}) for v in (before, after)):
            return {(model, key.remote_id)}
        return set()
    return {
        (model, remote_id)
        for view in (before, after)
        for remote_id, record in view.get(model, {}).items()
        if record.get(key_field) == key
    }


@dataclass(frozen=True)
class Expected:
    updated: dict[str, set[str]]  # model -> remote ids `updated_after` must return
    changed: dict[str, set[str]]  # model -> remote ids whose `changed_at` moves
    added: set[Key]
    removed: set[Key]


def expected_changes(before: View, after: View, declared: Changes) -> Expected:
    """Which records `updated_after` returns after the source went from `before` to `after`:
    the records added, removed or changed, and those Kombo's nested-change rules (model/changes.py)
    touch for them -- one step, never through a touched record."""
    models = set(before) | set(after)
    added = {(m, r) for m in models for r in after.get(m, {}) if r not in before.get(m, {})}
    removed = {(m, r) for m in models for r in before.get(m, {}) if r not in after.get(m, {})}
    own = set(declared.own) | {
        (m, r)
        for m in models
        for r, fields in after.get(m, {}).items()
        if r in before.get(m, {}) and own_fields(before[m][r]) != own_fields(fields)
    }
    updated = added | removed | own | set(declared.links)
    for model, remote_id in added | removed | own:
        new_or_gone = (model, remote_id) in added | removed
        for rule in propagations_from(model):
            old = _key_of(before, model, remote_id, rule.source_key)
            new = _key_of(after, model, remote_id, rule.source_key)
            if not (new_or_gone or old != new or (rule.linked and (model, remote_id) in own)):
                continue
            for key in {old, new} - {None}:
                assert key is not None
                updated |= _holders(before, after, rule.target, rule.target_key, key)
    changed = added | removed | own
    return Expected(_by_model(updated), _by_model(changed), added, removed)


def _by_model(keys: set[Key]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for model, remote_id in keys:
        out.setdefault(model, set()).add(remote_id)
    return out


def keep_unsignalled(before: View, after: View, removed: set[Key], feed: frozenset[str]) -> View:
    """The source as a DELTA run sees it: removals the vendor does not report (no deletion feed for
    their model) are still there."""
    out = {m: dict(records) for m, records in after.items()}
    for model, remote_id in removed:
        if model not in feed:
            out.setdefault(model, {})[remote_id] = before[model][remote_id]
    return out


def resolve(value: Any, integration_id: str) -> Any:
    """A view value as the API serves it."""
    if isinstance(value, Ref):
        return ids.record_id(integration_id, value.model, value.remote_id)
    if isinstance(value, list | tuple):
        return [resolve(v, integration_id) for v in value]
    return value


def served_value(item: Mapping[str, Any], name: str, expected: Any) -> Any:
    """The served counterpart of a view field (markers read the part of the field they describe)."""
    value = item.get(name, "<missing>")
    if isinstance(expected, Pluck):
        return Pluck(expected.key, tuple(v.get(expected.key) for v in value or []))
    if isinstance(expected, Embedded):
        return Embedded(frozenset(v["remote_id"] for v in value or []))
    return value


def diff_fields(model: str, remote_id: str, item: Mapping[str, Any], fields: Fields, integration_id: str) -> list[str]:
    """Field-by-field differences between a served item and its view ('' when equal)."""
    problems = []
    for name, expected in fields.items():
        if isinstance(expected, FileBytes) or name in NOT_SERVED.get(model, ()):
            continue
        want = expected if isinstance(expected, Pluck | Embedded) else resolve(expected, integration_id)
        got = served_value(item, name, expected)
        if got != want:
            problems.append(f"{model} {remote_id}: {name} is {got!r}, the source says {want!r}")
    return problems


# --- small helpers --------------------------------------------------------------------------------


def moment() -> str:
    """A time strictly between what was written before and what is written after."""
    time.sleep(0.005)
    since = to_wire(utc_now())
    time.sleep(0.005)
    assert since is not None
    return since


def secret_forms(secret: str) -> set[str]:
    """The forms a credential can leak in: as is, URL-escaped, and in Basic auth headers."""
    forms = {secret, quote(secret, safe="")}
    for raw in (f"{secret}:", f":{secret}", secret):
        forms.add(base64.b64encode(raw.encode()).decode())
    return forms


@dataclass
class RequestWindow:
    """The emulator's requests from a point on (what one run asked)."""

    harness: Emulator
    start: int = field(default=0)

    @classmethod
    def open(cls, harness: Emulator) -> RequestWindow:
        return cls(harness, len(harness.requests))

    def __len__(self) -> int:
        return len(self.harness.requests) - self.start

    def __iter__(self) -> Iterator[Any]:
        return iter(self.harness.requests[self.start :])
