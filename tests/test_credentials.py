"""Integration credentials: sealed at rest, never shown, and what happens when the source rejects them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, select

from hirebridge import crypto
from hirebridge.connectors.framework.errors import CredentialsInvalid
from hirebridge.model import SyncKind
from hirebridge.store import sync_runs, tenancy
from hirebridge.store.db import read_tx, write_tx
from hirebridge.store.sync_runs import SyncState
from hirebridge.store.tables import integrations
from hirebridge.sync.engine import SyncEngine
from tests.conftest import Server, make_tenant
from tests.sources import small_world
from tests.support import World, sdk_client

SECRET = "lever-live-key-do-not-print-0123"


@pytest.fixture
def fresh_key() -> Iterator[str]:
    """A process cipher of our own, restored afterwards."""
    previous = crypto.configured()
    key = Fernet.generate_key().decode()
    crypto.configure(key)
    yield key
    crypto._configured = previous


def _create(engine: Engine, config: dict[str, object]) -> tenancy.Integration:
    with write_tx(engine) as conn:
        env = tenancy.get_or_create_environment(conn)
        return tenancy.create_integration(conn, env, "lever", config)


def test_credentials_are_sealed_in_the_database_and_opened_only_for_the_connector(
    engine: Engine, fresh_key: str
) -> None:
    integration = _create(engine, {"api_key": SECRET, "base_url": "http://127.0.0.1:9"})
    with read_tx(engine) as conn:
        row = conn.execute(select(integrations).where(integrations.c.id == integration.id)).one()
    assert SECRET not in str(tuple(row))
    assert integration.config == {"base_url": "http://127.0.0.1:9"}
    assert SECRET not in repr(integration)
    assert integration.connector_config() == {"base_url": "http://127.0.0.1:9", "api_key": SECRET}
    # Credentials change only through the sealed path.
    with write_tx(engine) as conn, pytest.raises(ValueError, match="update_credentials"):
        tenancy.update_integration_config(conn, integration.id, {"api_key": "plain"})


def test_a_rotated_key_opens_old_credentials_and_reseals_them(engine: Engine, fresh_key: str) -> None:
    integration = _create(engine, {"api_key": SECRET})
    new_key = Fernet.generate_key().decode()
    crypto.configure(f"{new_key},{fresh_key}")  # the new key first, the old one kept to open
    with write_tx(engine) as conn:
        assert tenancy.reseal_all_credentials(conn) == 1
    crypto.configure(new_key)  # the old key is gone
    with read_tx(engine) as conn:
        found = tenancy.get_integration(conn, integration.id)
    assert found is not None and found.connector_config()["api_key"] == SECRET


def test_a_wrong_key_fails_the_run_clearly_and_touches_nothing(engine: Engine, fresh_key: str) -> None:
    integration = _create(engine, {"api_key": SECRET})
    crypto.configure(Fernet.generate_key().decode())
    result = SyncEngine(engine).run(integration.id)
    assert result.state == SyncState.FAILED and result.error is not None
    assert "cannot be decrypted" in result.error
    with read_tx(engine) as conn:
        run = sync_runs.get_run(conn, result.run_id)
    assert run is not None and run.error_code == "CONFIGURATION_ERROR"


def test_rejected_credentials_mark_the_integration_invalid_and_the_data_keeps_being_served(
    engine: Engine, server: Server
) -> None:
    tenant = make_tenant(engine)
    with write_tx(engine) as conn:
        integration = tenancy.create_integration(conn, tenant.environment, "sandbox", {"applications": 5, "step": 0})
    world = World(server, tenant, integration.id)
    src = small_world()
    assert SyncEngine(engine).run(integration.id, connector=src).state == SyncState.SUCCEEDED
    before = world.walk("/ats/applications")

    src.fail_after = 0
    src.failure = CredentialsInvalid("lever rejected the credentials (401)", 401)
    result = SyncEngine(engine).run(integration.id, SyncKind.FULL, connector=src)
    assert result.state == SyncState.FAILED
    with read_tx(engine) as conn:
        run = sync_runs.get_run(conn, result.run_id)
    assert run is not None and run.error_code == "AUTHENTICATION_FAILED"

    with sdk_client(world) as sdk:
        details = sdk.general.get_integration_details(integration_id=integration.id).data
        assert details.status == "INVALID"
    assert world.walk("/ats/applications") == before  # nothing deleted, the last good data served

    # New credentials (or a source that accepts them again) make it ACTIVE after the next good sync.
    src.fail_after = None
    assert SyncEngine(engine).run(integration.id, connector=src).state == SyncState.SUCCEEDED
    with sdk_client(world) as sdk:
        assert sdk.general.get_integration_details(integration_id=integration.id).data.status == "ACTIVE"


def test_storing_new_credentials_clears_invalid(engine: Engine, fresh_key: str) -> None:
    integration = _create(engine, {"api_key": SECRET})
    with write_tx(engine) as conn:
        tenancy.set_credentials_invalid(conn, integration.id, integration.created_at)
        assert (found := tenancy.get_integration(conn, integration.id)) is not None and found.status == "INVALID"
        tenancy.update_credentials(conn, integration.id, {"api_key": "a-new-key-0123456789"})
        found = tenancy.get_integration(conn, integration.id)
    assert found is not None and found.status == "ACTIVE"
    assert found.connector_config()["api_key"] == "a-new-key-0123456789"
