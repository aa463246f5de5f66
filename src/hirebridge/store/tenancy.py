"""Environments, API keys and integrations. Functions take a connection; the caller owns the
transaction (rule: boundaries commit, repositories never do)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, bindparam, delete, insert, select, update

from hirebridge import crypto, ids
from hirebridge.store import events
from hirebridge.store.tables import api_keys, environments, integrations
from hirebridge.timefmt import utc_now

DEFAULT_ENVIRONMENT = "default"
API_KEY_PREFIX = "hb_"


@dataclass(frozen=True, slots=True)
class Environment:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Integration:
    id: str
    environment_id: str
    tool: str
    config: dict[str, Any]
    enabled: bool
    created_at: datetime
    first_sync_succeeded_at: datetime | None
    end_user_organization_name: str | None = None
    end_user_email: str | None = None
    end_user_origin_id: str | None = None
    credentials_invalid_at: datetime | None = None
    # Sealed (hirebridge.crypto); opened only by `connector_config`, never printed.
    sealed_credentials: str | None = field(default=None, repr=False)

    @property
    def status(self) -> str:
        """Kombo's integration status: INACTIVE when disabled, INVALID when the source rejected the credentials."""
        if not self.enabled:
            return "INACTIVE"
        return "INVALID" if self.credentials_invalid_at is not None else "ACTIVE"

    @property
    def setup_status(self) -> str:
        """Kombo's setup status: HireBridge has no setup flow, so COMPLETED once the first sync succeeded."""
        return "COMPLETED" if self.first_sync_succeeded_at is not None else "FINAL_SYNC_PENDING"

    def connector_config(self) -> dict[str, Any]:
        """Settings and opened credentials, for building this integration's connector."""
        if self.sealed_credentials is None:
            return dict(self.config)
        return {**self.config, **crypto.cipher().open(self.sealed_credentials)}


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def generate_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def get_or_create_environment(conn: Connection, name: str = DEFAULT_ENVIRONMENT) -> Environment:
    row = conn.execute(select(environments.c.id, environments.c.name).where(environments.c.name == name)).one_or_none()
    if row is not None:
        return Environment(row.id, row.name)
    env = Environment(ids.random_id(), name)
    conn.execute(insert(environments).values(id=env.id, name=env.name, created_at=utc_now()))
    return env


def get_environment(conn: Connection, environment_id: str) -> Environment | None:
    row = conn.execute(
        select(environments.c.id, environments.c.name).where(environments.c.id == environment_id)
    ).one_or_none()
    return None if row is None else Environment(row.id, row.name)


@dataclass(frozen=True, slots=True)
class ApiKey:
    """An API key as operators see it: never the key, its first characters."""

    id: str
    environment_id: str
    prefix: str
    created_at: datetime


def list_environments(conn: Connection) -> list[Environment]:
    rows = conn.execute(select(environments.c.id, environments.c.name).order_by(environments.c.name))
    return [Environment(row.id, row.name) for row in rows]


def list_api_keys(conn: Connection, environment: Environment) -> list[ApiKey]:
    rows = conn.execute(
        select(api_keys.c.id, api_keys.c.environment_id, api_keys.c.prefix, api_keys.c.created_at)
        .where(api_keys.c.environment_id == environment.id)
        .order_by(api_keys.c.created_at, api_keys.c.id)
    )
    return [ApiKey(row.id, row.environment_id, row.prefix, row.created_at) for row in rows]


def revoke_api_key(conn: Connection, key_id: str) -> bool:
    """Delete an API key: requests with it are refused from now on. False if there was none."""
    return bool(conn.execute(delete(api_keys).where(api_keys.c.id == key_id)).rowcount)


def create_api_key(conn: Connection, environment: Environment, key: str | None = None) -> str:
    """Store a key (the given one, or a new random one) for `environment`; returns the plaintext.

    Giving an existing key again is a no-op when it already belongs to this environment.
    """
    key = key or generate_api_key()
    if len(key) < 16:
        raise ValueError("an API key must be at least 16 characters long")
    key_hash = hash_api_key(key)
    owner = conn.execute(select(api_keys.c.environment_id).where(api_keys.c.key_hash == key_hash)).scalar()
    if owner is not None:
        if owner != environment.id:
            raise ValueError("this API key already belongs to another environment")
        return key
    conn.execute(
        insert(api_keys).values(
            id=ids.random_id(),
            environment_id=environment.id,
            key_hash=key_hash,
            prefix=key[:8],
            created_at=utc_now(),
        )
    )
    return key


def environment_for_key(conn: Connection, key: str) -> Environment | None:
    row = conn.execute(
        select(environments.c.id, environments.c.name)
        .join(api_keys, api_keys.c.environment_id == environments.c.id)
        .where(api_keys.c.key_hash == hash_api_key(key))
    ).one_or_none()
    return None if row is None else Environment(row.id, row.name)


def find_environment(conn: Connection, name: str) -> Environment | None:
    row = conn.execute(select(environments.c.id, environments.c.name).where(environments.c.name == name)).one_or_none()
    return None if row is None else Environment(row.id, row.name)


def _integration(row: Any) -> Integration:
    return Integration(
        id=row.id,
        environment_id=row.environment_id,
        tool=row.tool,
        config=orjson.loads(row.config),
        enabled=row.enabled,
        created_at=row.created_at,
        first_sync_succeeded_at=row.first_sync_succeeded_at,
        end_user_organization_name=row.end_user_organization_name,
        end_user_email=row.end_user_email,
        end_user_origin_id=row.end_user_origin_id,
        credentials_invalid_at=row.credentials_invalid_at,
        sealed_credentials=row.credentials,
    )


_INTEGRATION_COLUMNS = (
    integrations.c.id,
    integrations.c.environment_id,
    integrations.c.tool,
    integrations.c.config,
    integrations.c.enabled,
    integrations.c.created_at,
    integrations.c.first_sync_succeeded_at,
    integrations.c.end_user_organization_name,
    integrations.c.end_user_email,
    integrations.c.end_user_origin_id,
    integrations.c.credentials_invalid_at,
    integrations.c.credentials,
)


# Built once: every API request runs it, and a statement object built per call costs as much Python
# (construction, cache key) as the query's round trip.
_CALLER = (
    select(environments.c.id.label("env_id"), environments.c.name.label("env_name"), *_INTEGRATION_COLUMNS)
    .select_from(api_keys)
    .join(environments, api_keys.c.environment_id == environments.c.id)
    .outerjoin(
        integrations,
        (integrations.c.id == bindparam("integration_id")) & (integrations.c.environment_id == environments.c.id),
    )
    .where(api_keys.c.key_hash == bindparam("key_hash"))
)


def caller_and_integration(
    conn: Connection, key: str, integration_id: str
) -> tuple[Environment | None, Integration | None]:
    """The environment of API key `key` and, if it is in that environment, integration
    `integration_id`: one query for what every data request checks first."""
    row = conn.execute(_CALLER, {"key_hash": hash_api_key(key), "integration_id": integration_id}).one_or_none()
    if row is None:
        return None, None
    return Environment(row.env_id, row.env_name), None if row.id is None else _integration(row)


def create_integration(
    conn: Connection,
    environment: Environment,
    tool: str,
    config: dict[str, Any],
    organization_name: str | None = None,
    *,
    email: str | None = None,
    origin_id: str | None = None,
) -> Integration:
    """Record a new integration. Credentials in `config` (`crypto.SECRET_FIELDS`: api_key, tokens...)
    are split off and stored sealed; the rest are plain settings."""
    integration_id = ids.new_integration_id(tool)
    settings, secret = crypto.split_secrets(config)
    conn.execute(
        insert(integrations).values(
            id=integration_id,
            environment_id=environment.id,
            tool=tool,
            config=orjson.dumps(settings).decode(),
            credentials=crypto.cipher().seal(secret) if secret else None,
            enabled=True,
            created_at=utc_now(),
            end_user_organization_name=organization_name,
            end_user_email=email,
            end_user_origin_id=origin_id,
        )
    )
    found = get_integration(conn, integration_id)
    assert found is not None
    events.integration_created(conn, found)
    return found


def get_integration(conn: Connection, integration_id: str) -> Integration | None:
    row = conn.execute(select(*_INTEGRATION_COLUMNS).where(integrations.c.id == integration_id)).one_or_none()
    return None if row is None else _integration(row)


def list_integrations(conn: Connection, environment: Environment | None = None) -> list[Integration]:
    query = select(*_INTEGRATION_COLUMNS).order_by(integrations.c.created_at, integrations.c.id)
    if environment is not None:
        query = query.where(integrations.c.environment_id == environment.id)
    return [_integration(row) for row in conn.execute(query)]


def update_integration_config(conn: Connection, integration_id: str, config: dict[str, Any]) -> None:
    """Replace the plain settings (credentials are changed with `update_credentials` only)."""
    settings, secret = crypto.split_secrets(config)
    if secret:
        raise ValueError(f"credentials ({', '.join(sorted(secret))}) go through update_credentials, sealed")
    conn.execute(
        update(integrations).where(integrations.c.id == integration_id).values(config=orjson.dumps(settings).decode())
    )


def update_credentials(conn: Connection, integration_id: str, credentials: dict[str, Any]) -> None:
    """Store new credentials (sealed); the integration is no longer considered INVALID."""
    _update_state(conn, integration_id, credentials=crypto.cipher().seal(credentials), credentials_invalid_at=None)


def set_credential(conn: Connection, integration_id: str, name: str, value: str | None) -> None:
    """Set (or remove, None) one credential beside the others (e.g. `webhook_secret`), sealed with
    them. Unlike `update_credentials` this says nothing about the source's verdict on the API key:
    an INVALID integration stays INVALID."""
    row = conn.execute(select(integrations.c.credentials).where(integrations.c.id == integration_id)).one()
    cipher = crypto.cipher()
    credentials = cipher.open(row.credentials) if row.credentials else {}
    if value is None:
        credentials.pop(name, None)
    else:
        credentials[name] = value
    sealed = cipher.seal(credentials) if credentials else None
    conn.execute(update(integrations).where(integrations.c.id == integration_id).values(credentials=sealed))


def set_credentials_invalid(conn: Connection, integration_id: str, when: datetime | None) -> None:
    """Mark (a time) or clear (None) "the source rejected this integration's credentials"."""
    _update_state(conn, integration_id, credentials_invalid_at=when)


def _update_state(conn: Connection, integration_id: str, **values: Any) -> None:
    """Update the integration's row; if that moved its Kombo state (ACTIVE, INVALID, INACTIVE) or
    setup status, `integration-state-changed` goes out with the same commit."""
    before = get_integration(conn, integration_id)
    conn.execute(update(integrations).where(integrations.c.id == integration_id).values(**values))
    after = get_integration(conn, integration_id)
    if before is not None and after is not None:
        events.integration_state_changed(conn, before, after, utc_now())


def reseal_all_credentials(conn: Connection) -> int:
    """Re-encrypt every stored credential with the first configured key (key rotation)."""
    cipher = crypto.cipher()
    rows = conn.execute(
        select(integrations.c.id, integrations.c.credentials).where(integrations.c.credentials.is_not(None))
    )
    count = 0
    for row in rows.all():
        conn.execute(
            update(integrations).where(integrations.c.id == row.id).values(credentials=cipher.reseal(row.credentials))
        )
        count += 1
    return count


def set_schedule(conn: Connection, integration_id: str, full_minutes: int | None, delta_minutes: int | None) -> None:
    """Override the sync intervals (None: leave as is; 0: back to the global default)."""
    values: dict[str, int | None] = {}
    if full_minutes is not None:
        values["full_sync_interval_minutes"] = full_minutes or None
    if delta_minutes is not None:
        values["delta_sync_interval_minutes"] = delta_minutes or None
    if values:
        conn.execute(update(integrations).where(integrations.c.id == integration_id).values(**values))


def set_enabled(conn: Connection, integration_id: str, enabled: bool) -> None:
    _update_state(conn, integration_id, enabled=enabled)


def delete_integration(conn: Connection, integration_id: str) -> None:
    """Delete the integration; its synced data, runs and files go with it (ON DELETE CASCADE)."""
    integration = get_integration(conn, integration_id)
    conn.execute(delete(integrations).where(integrations.c.id == integration_id))
    if integration is not None:
        events.integration_deleted(conn, integration, utc_now())


def append_to_config(conn: Connection, integration_id: str, key: str, entry: dict[str, Any]) -> None:
    """Append `entry` to the list the integration's plain settings hold under `key`, read and written
    under the row's lock, so concurrent appends (two sandbox write actions) both land."""
    row = conn.execute(
        select(integrations.c.config).where(integrations.c.id == integration_id).with_for_update()
    ).one_or_none()
    if row is None:
        return
    config = orjson.loads(row.config)
    config[key] = [*config.get(key, []), entry]
    conn.execute(
        update(integrations).where(integrations.c.id == integration_id).values(config=orjson.dumps(config).decode())
    )
