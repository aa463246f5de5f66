"""The conformance kit: every connector, against its emulator, on SQLite and PostgreSQL.

Each case drives the real sync engine and reads what it wrote through the real API, like a client:
a connector passes by declaring its emulator and its change scenarios (tests/conformance/targets/,
docs/connectors/README.md); nothing here knows how a connector works inside.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hirebridge.model import SyncKind
from hirebridge.store.sync_runs import SyncState
from hirebridge.store.tables import metadata
from tests.conformance.kit import (
    NO_CHANGES,
    REFRESH_GAP,
    Deletion,
    FaultOutcome,
    Key,
    RateLimit,
    Scenario,
    Target,
    VendorFault,
    View,
    diff_fields,
    expected_changes,
    keep_unsignalled,
    moment,
    secret_forms,
)
from tests.conformance.targets import TARGETS
from tests.conformance.world import DELTA, FULL, RETRY_ATTEMPTS, Backend, Connected, Served, connected
from tests.emulators.harness import Fault
from tests.support import API_PATHS, sdk_client

by_tool = pytest.mark.parametrize("target", TARGETS, ids=str)


def _delta_gap(target: Target[Any], scenario: Scenario[Any]) -> str | None:
    if scenario.delta_gap is not None:
        return scenario.delta_gap
    if scenario.refresh and target.child_refresh_runs is None:
        return REFRESH_GAP
    return None


def _scenario_cases() -> list[Any]:
    cases = []
    for target in TARGETS:
        for scenario in target.scenarios:
            for kind in (FULL, DELTA):
                gap = _delta_gap(target, scenario) if kind == DELTA else None
                marks = [pytest.mark.xfail(strict=True, raises=AssertionError, reason=gap)] if gap else []
                cases.append(pytest.param(target, scenario, kind, marks=marks, id=f"{target}-{scenario.name}-{kind}"))
    return cases


def _compare(got: dict[str, set[str]], want: dict[str, set[str]], what: str) -> list[str]:
    out = []
    for model in API_PATHS:
        g, w = got.get(model, set()), want.get(model, set())
        if g != w:
            unexpected, missing = sorted(g - w), sorted(w - g)
            out.append(
                f"{model}: {what} unexpected {unexpected[:4]} ({len(unexpected)}), "
                f"missing {missing[:4]} ({len(missing)})"
            )
    return out


def _changed_since(served: Served, since: str) -> dict[str, set[str]]:
    return {m: {r for r, i in items.items() if i["changed_at"] > since} for m, items in served.items()}


# --- a FULL run mirrors the source ---------------------------------------------------------------


@by_tool
def test_full_sync_serves_the_source(backend: Backend, target: Target[Any]) -> None:
    """Every model, every record (ids and remote ids), the view's fields, every file's bytes; every
    page contract-valid; models the source does not have are served empty."""
    with connected(target, backend) as world:
        view = world.snapshot()
        world.assert_serves(view)
        assert sum(len(records) for records in view.values()) > 50, "the kit's account is too small to say much"
        # The official SDK reads the same applications.
        with sdk_client(world.api) as sdk:
            page = sdk.ats.get_applications(page_size=250)
        assert page is not None
        assert {a.remote_id for a in page.result.data.results} == set(view["applications"])


@by_tool
def test_a_first_delta_without_state_reads_everything(backend: Backend, target: Target[Any]) -> None:
    with connected(target, backend, sync=False) as world:
        world.synced(DELTA)
        world.assert_serves(world.snapshot())


@by_tool
def test_syncs_without_source_changes_move_nothing(backend: Backend, target: Target[Any]) -> None:
    """A second FULL changes no served byte (`changed_at` included) and `updated_after` between the
    runs is empty everywhere; so is a DELTA that re-reads recent edits (an overlap window), and a
    FULL after it."""
    with connected(target, backend) as world:
        before = world.served(include_deleted="true")
        since = moment()
        world.synced(FULL)
        assert not _compare(world.surfaced(since), {}, "second FULL surfaced")
        assert world.served(include_deleted="true") == before

        target.scenarios[0].mutate(world.emulator)
        world.synced(DELTA)
        for kind in (DELTA, FULL):
            since = moment()
            world.synced(kind)
            assert not _compare(world.surfaced(since), {}, f"{kind} without a change surfaced")


# --- each change shows up exactly in updated_after ---------------------------------------------


@pytest.mark.parametrize(("target", "scenario", "kind"), _scenario_cases())
def test_a_change_surfaces_exactly_what_it_changed(
    backend: Backend, target: Target[Any], scenario: Scenario[Any], kind: SyncKind
) -> None:
    """After the change and one run of `kind` (for a child changed behind its parent: after at most
    `child_refresh_runs` DELTA runs), `updated_after` returns exactly the records changed and those
    Kombo's nested-change rules touch for them, `changed_at` moved exactly on the changed ones, and
    the API serves the source."""
    with connected(target, backend) as world:
        before = world.snapshot()
        declared = scenario.mutate(world.emulator) or NO_CHANGES
        after = world.snapshot()
        want = expected_changes(before, after, declared)
        assert want.updated, f"scenario {scenario.name!r} changed nothing the view shows"
        since = moment()
        runs = (target.child_refresh_runs or 1) if kind == DELTA and scenario.refresh else 1
        run = 0
        while run < runs:
            run += 1
            world.synced(kind)
            got = world.surfaced(since)
            if not _compare(got, want.updated, ""):
                break
        problems = _compare(got, want.updated, "updated_after:")
        served = world.served(include_deleted="true")
        problems += _compare(_changed_since(served, since), want.changed, "changed_at moved on")
        problems += world.problems(after, served)
        assert not problems, f"{target} {scenario.name!r} after {run} {kind} run(s):\n" + "\n".join(problems)


# --- deletions -----------------------------------------------------------------------------------


def _deletion_cases() -> list[Any]:
    return [pytest.param(t, d, id=f"{t}-{d.name}") for t in TARGETS for d in t.deletions]


@pytest.mark.parametrize(("target", "deletion"), _deletion_cases())
def test_deletions_by_feed_in_delta_and_by_absence_in_full(
    backend: Backend, target: Target[Any], deletion: Deletion[Any]
) -> None:
    """A DELTA run marks deleted what the vendor's deletion feed reports (nothing, without one) and
    surfaces at least that; the next FULL marks every record the source no longer holds
    `remote_deleted_at` (served with include_deleted only) and `updated_after` then holds exactly
    the removals and what they touch."""
    with connected(target, backend) as world:
        before = world.snapshot()
        declared = deletion.mutate(world.emulator) or NO_CHANGES
        after = world.snapshot()
        full = expected_changes(before, after, declared)
        assert full.removed, f"deletion {deletion.name!r} removed nothing"
        served_models = {(m, r) for m, r in full.removed if m in API_PATHS}
        signalled = {k for k in served_models if k[0] in target.deletion_feed}
        delta = expected_changes(before, keep_unsignalled(before, after, full.removed, target.deletion_feed), declared)
        since = moment()

        world.synced(DELTA)
        got = world.surfaced(since)
        for model in API_PATHS:
            lower, upper = delta.updated.get(model, set()), full.updated.get(model, set())
            assert lower <= got[model] <= upper, (
                f"{model}: a DELTA surfaced {sorted(got[model])}, expected at least {sorted(lower)} "
                f"and at most {sorted(upper)}"
            )
        deleted = world.deleted()
        assert signalled <= deleted, f"the vendor's deletion feed reported {sorted(signalled - deleted)}"

        world.synced(FULL)
        assert not _compare(world.surfaced(since), full.updated, "updated_after:")
        everything = world.served(include_deleted="true")
        assert served_models <= world.deleted(everything)
        live = world.served()
        assert not {(m, r) for m, items in live.items() for r in items} & served_models, "deleted records listed"
        world.assert_serves(after, everything)


# --- DELTA asks for much less than FULL ------------------------------------------------------------


def _delta_cost_cases() -> list[Any]:
    return [
        pytest.param(
            target,
            marks=[pytest.mark.xfail(strict=True, raises=AssertionError, reason=target.no_delta)]
            if target.no_delta
            else [],
            id=str(target),
        )
        for target in TARGETS
    ]


@pytest.mark.parametrize("target", _delta_cost_cases())
def test_a_delta_asks_far_less_than_a_full(backend: Backend, target: Target[Any]) -> None:
    with connected(target, backend) as world:
        target.scenarios[0].mutate(world.emulator)
        window = world.requests()
        world.synced(DELTA)
        delta, full = len(window), world.full_requests
        ratio = delta / full
        assert ratio <= 1 / 3, f"{target}: a DELTA after one change made {delta} requests, a FULL {full}: {ratio:.2f}"
        world.assert_serves(world.snapshot())


# --- faults ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FaultCase:
    name: str
    faults: tuple[Fault, ...]  # injected on each fault path (its `path` set by the kit)
    outcome: FaultOutcome
    body: bool = False  # a fault of the body (only on JSON endpoints)
    every_attempt: bool = False  # on one request chain (the parent listing) only

    def on(self, path: str) -> list[Fault]:
        return [Fault(f.kind, f.status, f.retry_after, f.delay, path) for f in self.faults]


FAULTS = (
    FaultCase("429 without Retry-After", (Fault("status", 429),), "retried"),
    FaultCase("429 with Retry-After", (Fault("status", 429, retry_after="1"),), "retried"),
    FaultCase("500", (Fault("status", 500),), "retried"),
    FaultCase("503", (Fault("status", 503),), "retried"),
    FaultCase("timeout", (Fault("slow", delay=1.0),), "retried"),  # the kit's client times out at 0.5 s
    FaultCase("connection reset", (Fault("reset"),), "retried"),
    FaultCase("truncated JSON", (Fault("truncate"),), "either", body=True),
    FaultCase("invalid JSON", (Fault("invalid_json"),), "either", body=True),
    FaultCase("503 on every attempt", (Fault("status", 503),) * RETRY_ATTEMPTS, "failed", every_attempt=True),
)


def _fault_cases() -> list[Any]:
    cases = [pytest.param(t, f, id=f"{t}-{f.name}") for t in TARGETS for f in FAULTS]
    cases += [pytest.param(t, v, id=f"{t}-{v.name}") for t in TARGETS for v in t.vendor_faults]
    return cases


def _whole_or_unchanged(world: Connected[Any], before: View, after: View, deleted_before: set[Key]) -> None:
    """After a failed run: nothing newly deleted, and every served record is its old or its new version."""
    served = world.served(include_deleted="true")
    assert world.deleted(served) == deleted_before, "a failed run deleted records"
    for model in API_PATHS:
        for remote_id, item in served[model].items():
            versions = [v[model][remote_id] for v in (before, after) if remote_id in v.get(model, {})]
            assert versions, f"{model} {remote_id} served, but the source never held it"
            assert any(not diff_fields(model, remote_id, item, v, world.integration_id) for v in versions), (
                f"{model} {remote_id} is neither its old nor its new version"
            )


@pytest.mark.parametrize(("target", "case"), _fault_cases())
def test_a_fault_is_retried_to_the_exact_state_or_fails_the_run_cleanly(
    backend: Backend, target: Target[Any], case: FaultCase | VendorFault[Any]
) -> None:
    """The run carries a change, an addition (with a file to download) and a deletion. A transient
    fault on a parent listing, a child listing and a download is retried and the run ends with the
    exact source state; a fault retrying cannot fix either is retried the same way or fails the run
    with nothing deleted and every record whole; a clean rerun converges."""
    with connected(target, backend) as world:
        before = world.snapshot()
        target.scenarios[0].mutate(world.emulator)
        target.deletions[0].mutate(world.emulator)
        after = world.snapshot()
        removed = {k for k in expected_changes(before, after, NO_CHANGES).removed if k[0] in API_PATHS}
        harness = world.running.harness
        deleted_before = world.deleted()
        if isinstance(case, VendorFault):
            runs: list[list[Fault]] = [[]]
        elif case.every_attempt:
            runs = [case.on(target.fault_paths[0])]
        elif case.outcome == "retried":
            paths = [*target.fault_paths, *([target.file_path] if target.file_path and not case.body else [])]
            runs = [[f for path in paths for f in case.on(path)]]
        else:
            paths = [*target.fault_paths, *([target.file_path] if target.file_path and not case.body else [])]
            runs = [case.on(path) for path in paths]
        for faults in runs:
            harness.faults.clear()
            used_before = harness.faults_injected
            if isinstance(case, VendorFault):
                case.inject(world.emulator)
            harness.inject(*faults)
            result = world.sync(FULL)
            used = harness.faults_injected - used_before
            if result.state == SyncState.SUCCEEDED:
                assert case.outcome != "failed", f"{case.name}: the run succeeded"
                assert used == len(faults), f"{len(faults) - used} of {len(faults)} faults never hit: {faults}"
                world.assert_serves(after)
                assert removed <= world.deleted()
                deleted_before = world.deleted()
            else:
                assert result.state == SyncState.FAILED, result
                assert case.outcome != "retried", f"{case.name} was not retried: {result.error}"
                assert isinstance(case, VendorFault) or used >= 1
                _whole_or_unchanged(world, before, after, deleted_before)
        harness.faults.clear()
        world.synced(FULL)
        world.assert_serves(after)
        assert removed <= world.deleted()


# --- credentials ---------------------------------------------------------------------------------


@by_tool
def test_rejected_credentials_fail_the_run_and_mark_the_integration_invalid(
    backend: Backend, target: Target[Any]
) -> None:
    with connected(target, backend) as world:
        served = world.served(include_deleted="true")
        target.revoke(world.emulator)
        window = world.requests()
        result = world.sync(FULL)
        assert result.state == SyncState.FAILED
        # A rejected credential is not retried (at most once more, with freshly fetched auth).
        assert len(window) <= 2, [f"{r.method} {r.path}" for r in window]
        details = world.integration_details()
        assert details["status"] == "INVALID"
        assert details["last_sync"]["error_code"] == "AUTHENTICATION_FAILED"
        # The last good data is still served, whole.
        assert world.served(include_deleted="true") == served

        target.restore(world.emulator)
        world.synced(FULL)
        assert world.integration_details()["status"] == "ACTIVE"


@by_tool
def test_secrets_are_never_stored_or_logged_in_the_clear(
    backend: Backend, target: Target[Any], caplog: pytest.LogCaptureFixture
) -> None:
    """After successful, failing (retries exhausted) and rejected runs: no form of a credential in
    any table (the integration row, runs and their errors, stream states, records), in the SQLite
    file, or in any log record."""
    caplog.set_level(logging.DEBUG)
    with connected(target, backend) as world:
        target.scenarios[0].mutate(world.emulator)
        world.synced(DELTA)
        world.running.harness.inject(*[Fault("status", 500, path=target.fault_paths[0])] * RETRY_ATTEMPTS)
        assert world.sync(FULL).state == SyncState.FAILED
        target.revoke(world.emulator)
        assert world.sync(FULL).state == SyncState.FAILED
        secrets = [world.config[name] for name in target.secrets]
        assert all(isinstance(s, str) and len(s) >= 8 for s in secrets), "the kit's secrets must be real strings"
        forms = {form for secret in secrets for form in secret_forms(secret)}

        dump: list[str] = []
        with backend.engine.connect() as conn:
            for table in metadata.sorted_tables:
                dump += [repr(tuple(row)) for row in conn.execute(select(table))]
        text = "\n".join(dump)
        files = b""
        if backend.engine.url.get_backend_name() == "sqlite" and backend.engine.url.database:
            path = Path(backend.engine.url.database)
            files = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
        logs = "\n".join(f"{r.getMessage()} {r.__dict__!r}" for r in caplog.records)
        assert caplog.records, "nothing was logged: the check would prove nothing"
        for form in sorted(forms):
            assert form not in text, f"a form of a secret ({form[:4]}...) is stored in the clear"
            assert form.encode() not in files, f"a form of a secret ({form[:4]}...) is in the database file"
            assert form not in logs, f"a form of a secret ({form[:4]}...) was logged"


# --- rate limits ---------------------------------------------------------------------------------


@pytest.mark.serial  # the exact meter judges arrival times (`make pytest`)
@by_tool
def test_a_full_run_stays_within_the_vendors_limit(backend: Backend, target: Target[Any]) -> None:
    """Client and meter at the same limit (`Target.paced`): the exact meter counts no request over
    it, and the run needed more requests than one burst (so the pacing was exercised)."""
    with connected(target, backend, limit=target.paced) as world:
        assert world.full_requests > 2 * target.paced.burst
        meter = world.running.harness.rate
        assert meter is not None and meter.violations == 0


@pytest.mark.serial  # needs a client fast enough to outrun the meter: a starved one may not (`make pytest`)
@by_tool
def test_the_vendors_own_429s_are_backed_off(backend: Backend, target: Target[Any]) -> None:
    """A client configured far faster than the vendor allows gets the vendor's 429s, backs off and
    still ends with the exact source state."""
    limit = RateLimit(100, 5)
    client = {"requests_per_second": 1000, "burst": 1000, "retry_attempts": 10, "retry_max_delay": 0.2}
    with connected(target, backend, limit=limit, client=client, metered=False) as world:
        meter = world.running.harness.rate
        assert meter is not None and meter.violations > 0
        world.assert_serves(world.snapshot())
