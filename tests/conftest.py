"""Shared fixtures: a fresh migrated database per test, on SQLite and on PostgreSQL.

PostgreSQL: HIREBRIDGE_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test). Each
test gets its own schema, dropped afterwards. When PostgreSQL is unreachable the PostgreSQL variants
skip -- unless HIREBRIDGE_REQUIRE_POSTGRES=1 (set by .ci/run), which turns that into a failure.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import uvicorn
from cryptography.fernet import Fernet
from sqlalchemy import Engine, create_engine, event, text
from xdist.scheduler import LoadFileScheduling

# Integration credentials are sealed with this key in every test (and in the CLI subprocesses tests
# start, which inherit the environment); set before any settings are read.
os.environ.setdefault("HIREBRIDGE_SECRET_KEY", Fernet.generate_key().decode())
# The vendor emulators listen on loopback, and the connect page's tests enter their address.
os.environ.setdefault("HIREBRIDGE_CONNECT_ANY_API_URL", "true")
# The in-process settings' database (which the cipher looks for a key file beside) must not be the
# checkout's: after `make demo` there, its `hirebridge.db.secret-key` would conflict with the key above
# and fail every test that seals a credential. Tests name their own databases; this one is never used.
os.environ.setdefault("HIREBRIDGE_DATABASE_URL", f"sqlite:///{tempfile.mkdtemp(prefix='hb-settings-')}/unused.db")

from hirebridge.api import server as api_server
from hirebridge.api.app import create_app
from hirebridge.store import migrate, tenancy
from hirebridge.store.db import make_engine, normalize_url, write_tx

POSTGRES_URL = os.environ.get("HIREBRIDGE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("HIREBRIDGE_REQUIRE_POSTGRES") == "1"


def _postgres_problem() -> str | None:
    try:
        probe = create_engine(normalize_url(POSTGRES_URL))
        with probe.connect() as conn:
            conn.execute(text("select 1"))
        probe.dispose()
    except Exception as exc:
        return f"PostgreSQL at {POSTGRES_URL} is not reachable: {exc.__class__.__name__}: {exc}"
    return None


_PG_PROBLEM: list[str | None] = []

# Every schema a test creates and drops leaves its tables' rows dead in PostgreSQL's system catalogs,
# and catalog lookups slow down with them. Where autovacuum is off (this machine's and CI's server) they
# pile up: after one suite run pg_attribute held 1M dead rows (218 MB) and a PostgreSQL test file took
# 51 s instead of 31 s. So each process vacuums the catalogs that churn every VACUUM_EVERY schemas it
# dropped (a plain VACUUM: no lock that DDL of other processes would wait on).
VACUUM_EVERY = 20
_CHURNED_CATALOGS = ", ".join(
    f"pg_catalog.{name}"
    for name in (
        "pg_attribute",
        "pg_class",
        "pg_depend",
        "pg_type",
        "pg_constraint",
        "pg_index",
        "pg_trigger",
        "pg_attrdef",
        "pg_sequence",
        "pg_namespace",
        "pg_statistic",
    )
)
_dropped_schemas = [0]


def _vacuum_catalogs_now_and_then(admin: Engine) -> None:
    _dropped_schemas[0] += 1
    if _dropped_schemas[0] % VACUUM_EVERY:
        return
    with admin.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(f"VACUUM {_CHURNED_CATALOGS}")


@contextmanager
def _postgres_schema() -> Iterator[str]:
    """A URL whose connections live in a fresh schema of the test database (dropped afterwards)."""
    if not _PG_PROBLEM:
        _PG_PROBLEM.append(_postgres_problem())
    if _PG_PROBLEM[0] is not None:
        if REQUIRE_POSTGRES:
            pytest.fail(f"HIREBRIDGE_REQUIRE_POSTGRES=1 but {_PG_PROBLEM[0]}")
        pytest.skip(_PG_PROBLEM[0])
    schema = f"t_{secrets.token_hex(6)}"
    admin = create_engine(normalize_url(POSTGRES_URL))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        _vacuum_catalogs_now_and_then(admin)
        admin.dispose()


class _FilesAndKitCells(LoadFileScheduling):  # type: ignore[misc]  # pytest-xdist ships no type hints
    """`--dist loadfile` (`make pytest`): one worker runs a whole file, so a module's shared fixtures are
    set up once -- except the conformance kit, a fifth of the suite in one file, whose cases go by
    backend and tool (their ids start `[sqlite-lever`): cells that run side by side, each still sharing
    its backend's database and server (tests/conformance/conftest.py). xdist's own way to group by
    marker (`--dist loadgroup`) renames node ids, which pytest 9.2 no longer lets a plugin do."""

    def _split_scope(self, nodeid: str) -> str:
        scope: str = super()._split_scope(nodeid)
        if scope.startswith("tests/conformance/") and "[" in nodeid:
            backend, tool = nodeid.split("[", 1)[1].rstrip("]").split("-")[:2]
            scope += f"[{backend}-{tool}]"
        return scope


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> LoadFileScheduling | None:
    return _FilesAndKitCells(config, log) if config.getvalue("dist") == "loadfile" else None


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hirebridge.db'}"
        return
    with _postgres_schema() as url:
        yield url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """For tests of what only exists on PostgreSQL (the distributed mode)."""
    with _postgres_schema() as url:
        yield url


# A migrated database per test, without running the migrations per test: they are run once per test
# process, into a template -- a SQLite file each test copies, or the statements they sent to PostgreSQL,
# recorded and replayed into each test's schema (its search_path). Every migration still runs, in order,
# exactly as `hirebridge db upgrade` runs them; tests/test_migrations.py checks them on their own.
# (Running them per test cost ~1.3 s of CPU each, a third of the suite's.)
_SQLITE_TEMPLATE: list[Path] = []
_POSTGRES_STATEMENTS: list[tuple[str, Any, bool]] = []


def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not _SQLITE_TEMPLATE:
        path = tmp_path_factory.mktemp("template") / "hirebridge.db"
        template = make_engine(f"sqlite:///{path}")
        migrate.upgrade(template)
        with template.begin() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the file itself
        template.dispose()
        _SQLITE_TEMPLATE.append(path)
    return _SQLITE_TEMPLATE[0]


def _postgres_migration_statements() -> list[tuple[str, Any, bool]]:
    """The statements `migrate.upgrade` sends to an empty schema, recorded once (in a schema of its own)."""
    if not _POSTGRES_STATEMENTS:
        with _postgres_schema() as url:
            recorder = make_engine(url)

            def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, many: bool) -> None:
                _POSTGRES_STATEMENTS.append((statement, parameters, many))

            event.listen(recorder, "before_cursor_execute", record)
            migrate.upgrade(recorder)
            recorder.dispose()
    return _POSTGRES_STATEMENTS


def _migrated(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The schema at the newest migration, in the (empty) database of `database_url`."""
    if database_url.startswith("sqlite:///"):
        shutil.copyfile(_sqlite_template(tmp_path_factory), database_url.removeprefix("sqlite:///"))
        return
    statements = _postgres_migration_statements()
    target = make_engine(database_url)
    with target.begin() as conn:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        for statement, parameters, many in statements:
            if many:
                cursor.executemany(statement, parameters)
            else:
                cursor.execute(statement, parameters)
    target.dispose()


@pytest.fixture
def engine(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    _migrated(database_url, tmp_path_factory)
    eng = make_engine(database_url)
    assert migrate.is_current(eng)  # the template is the newest schema
    yield eng
    eng.dispose()


@dataclass(frozen=True)
class Tenant:
    environment: tenancy.Environment
    api_key: str


def make_tenant(engine: Engine, name: str = "default") -> Tenant:
    with write_tx(engine) as conn:
        env = tenancy.get_or_create_environment(conn, name)
        key = tenancy.create_api_key(conn, env)
    return Tenant(env, key)


def create_sandbox(engine: Engine, tenant: Tenant, applications: int = 60) -> str:
    with write_tx(engine) as conn:
        return tenancy.create_integration(
            conn, tenant.environment, "sandbox", {"applications": applications, "step": 0}
        ).id


@dataclass(frozen=True)
class Server:
    base_url: str  # e.g. http://127.0.0.1:PORT/v1


@contextmanager
def serving(app: Any, *, lifespan: str = "off") -> Iterator[Server]:
    """`app` on a real socket (uvicorn in a thread), with the uvicorn options `hirebridge serve` uses
    (api/server.py), so tests speak HTTP like a client to what production runs."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    uv = uvicorn.Server(api_server.config(app, lifespan=lifespan))
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("test server did not start")
        time.sleep(0.01)
    try:
        yield Server(f"http://127.0.0.1:{port}/v1")
    finally:
        uv.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def server(engine: Engine) -> Iterator[Server]:
    """The real API on a real socket."""
    with serving(create_app(engine)) as running:
        yield running
