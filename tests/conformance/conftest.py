"""The kit's database and API server: one of each per backend (SQLite, PostgreSQL) and module.

Migrating a database and starting a server cost more than a kit case's own sync of its small
account, so the cases of a module share them; each case connects its own integration to its own
emulator, so no case sees another's data.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hirebridge.api.app import create_app
from hirebridge.store import migrate
from hirebridge.store.db import make_engine
from tests.conformance.world import Backend
from tests.conftest import _postgres_schema, serving


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("kit") / "hirebridge.db"
        yield from _backend("sqlite", f"sqlite:///{path}")
        return
    with _postgres_schema() as url:
        yield from _backend("postgresql", url)


def _backend(name: str, url: str) -> Iterator[Backend]:
    engine = make_engine(url)
    migrate.upgrade(engine)
    try:
        with serving(create_app(engine)) as server:
            yield Backend(name, engine, server)
    finally:
        engine.dispose()
