"""Build a benchmark dataset in bulk: the rows a FULL sandbox sync would store, written without the
sync engine's per-page diffing.

Why not the sync engine: it reads the stored hashes, writes a page per transaction and touches related
records; at 1M applications that takes hours. The rows themselves are identical: they are made by
`hirebridge.sync.normalize.normalize` from the sandbox's unified records, with the same derived
columns as `sync.diff.write_page`. `python -m bench.dataset verify` proves it on a small size by
comparing a bulk-built store with a synced one, column by column.

Only the models the applications endpoint reads are built (applications and their candidates, tags,
jobs, stages, interviews, offers, plus the small catalogs); notes, scorecards and attachments are left
out because no benchmarked request reads them and they are half of the generation time.

Work is split over processes by contiguous ranges of application / candidate indices (the sandbox
computes each entity in closed form from its index). `pk` is derived from the index, so pages come in
the same order a sync would store them in (a sync assigns `pk` in stream order); the gaps this leaves
are allowed (`pk` is only ever-increasing, never dense).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import re
import sqlite3
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, insert, select, text

from hirebridge import ids
from hirebridge.connectors.sandbox.source import SandboxSource
from hirebridge.model.records import Record
from hirebridge.serving.documents import DOCUMENTED, render_stale
from hirebridge.store import migrate, sync_runs, tenancy
from hirebridge.store.db import make_engine, normalize_url, refresh_planner_statistics, write_tx
from hirebridge.store.records import _column_getters, _row_values
from hirebridge.store.sync_runs import SyncState
from hirebridge.store.tables import SYNCED_TABLES, metadata
from hirebridge.sync.normalize import normalize

ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = ROOT / "bench" / ".cache"
# Bump when the way this module builds rows changes (the cache key also covers the schema head and the
# code that decides the rows' content; not this file, so that editing the benchmark keeps the cache).
# 2: SQLite files carry the planner statistics a sync leaves (store.db.refresh_planner_statistics).
BUILD_VERSION = 2
# Source files whose change changes the rows: part of the cache key.
CONTENT_SOURCES = (
    "src/hirebridge/connectors/sandbox/source.py",
    "src/hirebridge/sync/normalize.py",
    "src/hirebridge/store/records.py",
    "src/hirebridge/store/tables.py",
    "src/hirebridge/model/records.py",
    "src/hirebridge/model/documents.py",
)
SMALL_MODELS = (
    "roles",
    "tags",
    "users",
    "rejection_reasons",
    "jobs",
    "application_stages",
    "job_postings",
    "screening_questions",
)
BIG_MODELS = ("candidates", "applications", "interviews", "offers")
# pk = index * stride + k keeps an application's interviews / offers in stream order.
INTERVIEW_STRIDE = 16
OFFER_STRIDE = 8
CHUNK_ROWS = 2000


@dataclass(frozen=True)
class Dataset:
    url: str
    integration_id: str
    applications: int
    counts: dict[str, int]
    build_seconds: float
    cached: bool


def _now() -> datetime:
    moment = datetime.now(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def schema_head() -> str:
    engine = create_engine("sqlite://")
    return migrate.head_revision(engine) or "none"


def cache_key(applications: int) -> str:
    digest = hashlib.sha256()
    for name in CONTENT_SOURCES:
        path = ROOT / name
        digest.update(path.read_bytes() if path.exists() else b"")
    return f"sqlite-{applications}-{schema_head()}-v{BUILD_VERSION}-{digest.hexdigest()[:12]}"


# --- row production (runs in worker processes) ------------------------------------------------------


def _values(model: str, record: Record, integration_id: str, run_id: str, now: datetime, pk: int) -> dict[str, Any]:
    table = SYNCED_TABLES[model]
    row = normalize(integration_id, record)
    values = _row_values(row, _column_getters(model, table), integration_id, run_id)
    values.update(pk=pk, changed_at=now, updated_at=now, remote_deleted_at=None)
    return values


def _big_rows(
    source: SandboxSource, part: tuple[int, int, int, int], integration_id: str, run_id: str, now: datetime
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Candidates [c0, c1) and applications [a0, a1) with their interviews and offers.

    One pass over the application states yields all three streams: the public `interviews()` and
    `offers()` recompute every application state, which would triple the work. The records are the same
    objects those methods yield (same private helpers, same order within a model)."""
    a0, a1, c0, c1 = part
    for index in range(c0, c1):
        candidate = source._candidate_state(index)
        if candidate is not None:
            yield "candidates", _values("candidates", candidate.record(), integration_id, run_id, now, index + 1)
    for index in range(a0, a1):
        state = source._application_state(index)
        if state is None:
            continue
        yield "applications", _values("applications", state.record(), integration_id, run_id, now, index + 1)
        k = 0
        for interview in state.interviews:
            if interview.life.alive(source.step):
                record = source._interview_record(state, interview)
                pk = index * INTERVIEW_STRIDE + k + 1
                yield "interviews", _values("interviews", record, integration_id, run_id, now, pk)
                k += 1
        k = 0
        for offer in state.offers:
            if offer.visible(source.step):
                pk = index * OFFER_STRIDE + k + 1
                yield "offers", _values("offers", offer.record(state.remote_id), integration_id, run_id, now, pk)
                k += 1


def _writer_engine(url: str) -> Engine:
    """A worker's private connection for one bulk load. On SQLite without fsyncs: a crash mid-build
    leaves a file the cache never adopts (it is renamed into place only when complete)."""
    engine = create_engine(normalize_url(url))
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.execute("PRAGMA synchronous=OFF")
            dbapi_conn.execute("PRAGMA cache_size=-200000")

    return engine


def _copy_pg(engine: Engine, batches: dict[str, list[dict[str, Any]]]) -> None:
    """COPY is several times faster than INSERT on PostgreSQL; naive UTC datetimes are what UtcDateTime binds."""
    with engine.begin() as conn:
        raw: Any = conn.connection.dbapi_connection  # psycopg's Connection: cursor().copy()
        with raw.cursor() as cur:
            for model, rows in batches.items():
                if not rows:
                    continue
                columns = list(rows[0])
                sql = f"COPY {model} ({', '.join(columns)}) FROM STDIN"
                with cur.copy(sql) as copy:
                    for row in rows:
                        copy.write_row([_pg_value(row[c]) for c in columns])


def _pg_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _insert(engine: Engine, batches: dict[str, list[dict[str, Any]]]) -> None:
    if engine.dialect.name == "postgresql":
        _copy_pg(engine, batches)
        return
    # The DB-API executemany with SQLAlchemy's own bind processors (so datetimes are stored exactly as
    # the app stores them), without Core's per-row statement machinery: about 3x faster.
    with engine.begin() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        cur = raw.cursor()
        for model, rows in batches.items():
            if not rows:
                continue
            table = SYNCED_TABLES[model]
            columns = list(rows[0])
            procs = [_memo(table.c[c].type._cached_bind_processor(engine.dialect)) for c in columns]
            sql = f"INSERT INTO {model} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            cur.executemany(sql, [[p(r[c]) for p, c in zip(procs, columns, strict=True)] for r in rows])


def _identity(value: Any) -> Any:
    return value


def _memo(proc: Any) -> Any:
    """A bind processor that remembers its results: every row of a build shares one `now`."""
    if proc is None:
        return _identity
    seen: dict[Any, Any] = {}

    def process(value: Any) -> Any:
        if value is None:
            return None
        if (out := seen.get(value)) is None:
            out = seen[value] = proc(value)
        return out

    return process


def _worker(args: tuple[str, str, int, tuple[int, int, int, int], str, datetime]) -> dict[str, int]:
    """Produce one range's rows and write them to `url` (the final PostgreSQL database, or a private
    SQLite shard file that the parent merges: SQLite has one writer)."""
    url, integration_id, applications, part, run_id, now = args
    source = SandboxSource(seed=integration_id, applications=applications, step=0)
    engine = _writer_engine(url)
    if engine.dialect.name == "sqlite" and not Path(url.split("///", 1)[1]).exists():  # a new shard file
        metadata.create_all(engine, tables=[SYNCED_TABLES[m] for m in BIG_MODELS])
    counts = dict.fromkeys(BIG_MODELS, 0)
    batches: dict[str, list[dict[str, Any]]] = {m: [] for m in BIG_MODELS}
    pending = 0
    for model, values in _big_rows(source, part, integration_id, run_id, now):
        batches[model].append(values)
        counts[model] += 1
        pending += 1
        if pending >= CHUNK_ROWS * 4:
            _insert(engine, batches)
            batches = {m: [] for m in BIG_MODELS}
            pending = 0
    _insert(engine, batches)
    engine.dispose()
    return counts


# --- orchestration ------------------------------------------------------------------------------------


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in `url` if it does not exist (benchmarks own theirs)."""
    if url.startswith("sqlite"):
        return
    from sqlalchemy.engine import make_url

    target = make_url(normalize_url(url))
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}).first()
        if exists is None:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def _reset_database(url: str) -> None:
    """An empty database at `url`: SQLite file removed; PostgreSQL schema `public` recreated."""
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    ensure_database(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def build(url: str, applications: int, workers: int | None = None, log: Any = print) -> Dataset:
    """Build the dataset at `url` (emptied first) and return what was built."""
    started = time.perf_counter()
    sqlite = url.startswith("sqlite")
    if workers is None:
        # SQLite has one writer: parallel shards must be merged afterwards, which only pays where cores
        # are really free (BENCH_WORKERS). PostgreSQL takes parallel COPYs.
        workers = int(os.environ.get("BENCH_WORKERS") or (1 if sqlite else len(os.sched_getaffinity(0))))
    _reset_database(url)
    engine = make_engine(url)
    migrate.upgrade(engine)
    now = _now()
    run_id = ids.random_id()
    with write_tx(engine) as conn:
        env = tenancy.get_or_create_environment(conn)
        integration = tenancy.create_integration(conn, env, "sandbox", {"applications": applications, "step": 0})
        sync_runs.create_run(conn, run_id, integration.id, "FULL", SyncState.RUNNING, now)
    integration_id = integration.id
    source = SandboxSource(seed=integration_id, applications=applications, step=0)
    counts: dict[str, int] = {}
    # Catalogs are small: one process, sequential pk like a sync.
    with write_tx(engine) as conn:
        for model in SMALL_MODELS:
            method = source.record_methods()[model]
            rows = [_values(model, r, integration_id, run_id, now, i + 1) for i, r in enumerate(method())]
            if rows:
                conn.execute(insert(SYNCED_TABLES[model]), rows)
            counts[model] = len(rows)
    app_end = source._application_end()
    cand_end = source.initial_candidates  # step 0: no candidates brought by later applications
    shards = 1 if workers == 1 else workers * 4  # several per worker so the last one does not run alone
    parts = [
        (app_end * i // shards, app_end * (i + 1) // shards, cand_end * i // shards, cand_end * (i + 1) // shards)
        for i in range(shards)
    ]
    sharded = sqlite and shards > 1
    shard_dir = CACHE_DIR / f"shards-{os.getpid()}"
    if sharded:
        shard_dir.mkdir(parents=True, exist_ok=True)
    targets = [f"sqlite:///{shard_dir}/{i}.db" if sharded else url for i in range(shards)]
    log(f"dataset: {applications:,} applications, {shards} shards on {workers} processes")
    jobs = [(targets[i], integration_id, applications, parts[i], run_id, now) for i in range(shards)]
    if shards == 1:
        results = [_worker(jobs[0])]
    else:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = list(pool.imap_unordered(_worker, jobs))
    for result in results:
        for model, n in result.items():
            counts[model] = counts.get(model, 0) + n
    if sharded:
        _merge_shards(url, [Path(t.split("///", 1)[1]) for t in targets])
        shard_dir.rmdir()
    rendered = time.perf_counter()
    if sqlite or workers == 1:
        render_documents(engine, integration_id)
    else:
        _render_parallel(engine, url, integration_id, workers)
    log(f"served documents rendered in {time.perf_counter() - rendered:.1f}s")
    with write_tx(engine) as conn:
        if not sqlite:
            for model in (*SMALL_MODELS, *BIG_MODELS):
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{model}', 'pk'), (SELECT max(pk) FROM {model}))")
                )
        stats = {m: {"inserted": n, "updated": 0, "deleted": 0, "unchanged": 0} for m, n in counts.items()}
        sync_runs.finish_run(conn, run_id, SyncState.SUCCEEDED, stats, now)
        sync_runs.mark_first_sync(conn, integration_id, now)
    if sqlite:
        refresh_planner_statistics(engine)  # what the sync engine does after a run
    else:
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    engine.dispose()
    seconds = time.perf_counter() - started
    log(f"dataset built in {seconds:.1f}s: " + ", ".join(f"{m} {n:,}" for m, n in counts.items() if n))
    return Dataset(url, integration_id, applications, counts, seconds, cached=False)


def _merge_shards(url: str, shard_files: list[Path]) -> None:
    """Copy the shards into the real store in pk order, in one transaction (SQLite's native bulk path)."""
    path = url.split("///", 1)[1]
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-400000")
    for i, shard in enumerate(shard_files):
        conn.execute(f"ATTACH DATABASE '{shard}' AS s{i}")
    conn.execute("BEGIN")
    for model in BIG_MODELS:
        union = " UNION ALL ".join(f"SELECT * FROM s{i}.{model}" for i in range(len(shard_files)))
        conn.execute(f"INSERT INTO main.{model} SELECT * FROM ({union}) ORDER BY pk")
    conn.execute("COMMIT")
    for i in range(len(shard_files)):
        conn.execute(f"DETACH DATABASE s{i}")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("ANALYZE")
    conn.close()
    for shard in shard_files:
        shard.unlink()


def describe(url: str) -> Dataset:
    """The dataset already at `url` (one sandbox integration)."""
    engine = make_engine(url)
    with engine.connect() as conn:
        integration_id, config = conn.execute(text("SELECT id, config FROM integrations")).one()
        counts = {
            m: conn.execute(select(func.count()).select_from(SYNCED_TABLES[m])).scalar_one()
            for m in (*SMALL_MODELS, *BIG_MODELS)
        }
    engine.dispose()
    return Dataset(url, integration_id, json.loads(config)["applications"], counts, 0.0, cached=True)


def cached_sqlite(applications: int, work_path: Path, log: Any = print) -> Dataset:
    """A SQLite dataset at `work_path`: copied from the cache (built there first if missing)."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    key = cache_key(applications)
    cached = CACHE_DIR / f"{key}.db"
    built: Dataset | None = None
    if not cached.exists():
        for old in CACHE_DIR.glob(f"sqlite-{applications}-*.db"):  # stale versions of this size
            old.unlink()
        tmp = CACHE_DIR / f"{key}.building.db"
        built = build(f"sqlite:///{tmp}", applications, log=log)
        tmp.rename(cached)
    started = time.perf_counter()
    for suffix in ("", "-wal", "-shm"):
        Path(str(work_path) + suffix).unlink(missing_ok=True)
    # The benchmark changes 1% of the rows: it works on a copy so the cache stays pristine.
    _copy_file(cached, work_path)
    dataset = describe(f"sqlite:///{work_path}")
    copy_seconds = time.perf_counter() - started
    if built is not None:
        return Dataset(dataset.url, dataset.integration_id, applications, dataset.counts, built.build_seconds, False)
    log(f"dataset: reused {cached.name} (copied in {copy_seconds:.1f}s)")
    return Dataset(dataset.url, dataset.integration_id, applications, dataset.counts, copy_seconds, True)


def _copy_file(src: Path, dst: Path) -> None:
    try:  # a reflink (copy-on-write) where the filesystem has them: instant
        import fcntl

        with src.open("rb") as fin, dst.open("wb") as fout:
            fcntl.ioctl(fout.fileno(), 0x40049409, fin.fileno())  # FICLONE
        return
    except OSError:
        pass
    import shutil

    shutil.copyfile(src, dst)


# --- verification: bulk rows == synced rows ---------------------------------------------------------


def render_documents(engine: Engine, integration_id: str, pk_range: tuple[int, int] | None = None) -> None:
    """What a sync's render pass does (serving/documents.py), a large batch per transaction."""
    low, high = pk_range or (0, None)
    for model in DOCUMENTED:
        after: int | None = low
        while after is not None:
            with write_tx(engine) as conn:
                after = render_stale(conn, model, integration_id, 2000, after, high)


def _render_range(args: tuple[str, str, tuple[int, int]]) -> None:
    url, integration_id, pk_range = args
    engine = make_engine(url)
    render_documents(engine, integration_id, pk_range)
    engine.dispose()


def _render_parallel(engine: Engine, url: str, integration_id: str, workers: int) -> None:
    """The render pass split by pk range over `workers` processes (PostgreSQL: one writer each), the
    same serializer as a sync's: at 1M applications one process took ~25 min on 2 vCPUs."""
    for model in DOCUMENTED:
        with engine.connect() as conn:
            high = conn.execute(select(func.max(SYNCED_TABLES[model].c.pk))).scalar() or 0
        parts = workers * 4
        ranges = [(high * i // parts, high * (i + 1) // parts) for i in range(parts)]
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            list(pool.imap_unordered(_render_range, [(url, integration_id, r) for r in ranges]))


def verify(url_bulk: str, url_sync: str, applications: int) -> list[str]:
    """Build `applications` both ways (SQLite files) and list every difference in stored columns."""
    from hirebridge.sync.engine import SyncEngine

    bulk = build(url_bulk, applications, workers=2)
    # Same integration id = same seed = same records: start from a copy of the bulk store, emptied.
    _reset_database(url_sync)
    _copy_file(Path(url_bulk.split("///", 1)[1]), Path(url_sync.split("///", 1)[1]))
    engine = make_engine(url_sync)
    with write_tx(engine) as conn:
        for model in SYNCED_TABLES:
            conn.execute(text(f"DELETE FROM {model}"))
        conn.execute(text("DELETE FROM sync_runs"))
        conn.execute(text("UPDATE integrations SET first_sync_succeeded_at = NULL"))
    SyncEngine(engine).run(bulk.integration_id)
    engine.dispose()
    problems: list[str] = []
    compared = ["id", "integration_id", "remote_id", "data", "links", "remote_data", "content_hash", "row_hash"]
    compared_extra: dict[str, list[str]] = {}
    for model in (*SMALL_MODELS, *BIG_MODELS):
        table = SYNCED_TABLES[model]
        compared_extra[model] = [
            c.name
            for c in table.columns
            # doc holds changed_at, a time: compared separately below, with the times masked.
            if c.name
            not in set(compared) | {"pk", "changed_at", "updated_at", "remote_deleted_at", "seen_run_id", "doc"}
        ]
    for model, extra in compared_extra.items():
        cols = ", ".join([*compared, *extra])
        a = _rows(url_bulk, f"SELECT {cols} FROM {model} ORDER BY pk")
        b = _rows(url_sync, f"SELECT {cols} FROM {model} ORDER BY pk")
        if a != b:
            problems.append(
                f"{model}: bulk {len(a)} rows, sync {len(b)} rows, first difference at "
                f"{next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))}"
            )
    # Served documents: identical but for the times they show (each build stamps its own).
    stamp = re.compile(r'"(changed_at|remote_deleted_at)":"[^"]*"')
    docs = [
        [stamp.sub("", doc or "<missing>") for (doc,) in _rows(url, "SELECT doc FROM applications ORDER BY pk")]
        for url in (url_bulk, url_sync)
    ]
    if docs[0] != docs[1]:
        problems.append("applications: served documents differ")
    return problems


def _rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(text(sql))]
    engine.dispose()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dataset", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build a dataset at --url")
    b.add_argument("--url", required=True)
    b.add_argument("--applications", type=int, required=True)
    b.add_argument("--workers", type=int, default=None)
    v = sub.add_parser("verify", help="bulk-built rows == synced rows, on a small size")
    v.add_argument("--applications", type=int, default=300)
    v.add_argument("--url-bulk", default="sqlite:///bench/.cache/verify-bulk.db")
    v.add_argument("--url-sync", default="sqlite:///bench/.cache/verify-sync.db")
    args = parser.parse_args(argv)
    if args.command == "build":
        build(args.url, args.applications, args.workers)
        return 0
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    problems = verify(args.url_bulk, args.url_sync, args.applications)
    for p in problems:
        print("DIFFERENT:", p)
    print("identical" if not problems else f"{len(problems)} models differ")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
