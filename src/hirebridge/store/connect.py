"""Kombo Connect links: created by an API user's backend, used once by its customer to connect a tool.

Two secrets per link, both stored as sha256 hashes only (like API keys: long random strings, so a
fast hash is as safe as a slow one):
- the link token, in the URL handed to the customer (`/connect?token=...`): single-use, expiring;
- the activation token, made when the customer completes the flow and handed to their browser; the
  API user's backend exchanges it for the integration (GET /v1/connect/integration-by-token), so a
  customer can never make the backend adopt another customer's integration id.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update

from hirebridge import ids
from hirebridge.store.tables import connect_links
from hirebridge.store.tenancy import Environment


class LinkUnusable(Exception):
    """The link cannot be used (any more): unknown, expired, or already used."""


@dataclass(frozen=True, slots=True)
class ConnectLink:
    id: str
    environment_id: str
    link_type: str
    language: str
    integration_tool: str | None
    end_user_email: str | None
    end_user_organization_name: str
    end_user_origin_id: str | None
    relink_integration_id: str | None
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    integration_id: str | None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _link(row: Any) -> ConnectLink:
    return ConnectLink(
        id=row.id,
        environment_id=row.environment_id,
        link_type=row.link_type,
        language=row.language,
        integration_tool=row.integration_tool,
        end_user_email=row.end_user_email,
        end_user_organization_name=row.end_user_organization_name,
        end_user_origin_id=row.end_user_origin_id,
        relink_integration_id=row.relink_integration_id,
        created_at=row.created_at,
        expires_at=row.expires_at,
        used_at=row.used_at,
        integration_id=row.integration_id,
    )


def create_link(
    conn: Connection,
    environment: Environment,
    *,
    now: datetime,
    lifetime: timedelta,
    link_type: str,
    language: str,
    organization_name: str,
    email: str | None,
    origin_id: str | None = None,
    tool: str | None = None,
    relink_integration_id: str | None = None,
) -> str:
    """Record a link; returns its token (shown once: only the hash is kept)."""
    token = secrets.token_urlsafe(32)
    conn.execute(
        insert(connect_links).values(
            id=ids.random_id(),
            token_hash=_hash(token),
            environment_id=environment.id,
            link_type=link_type,
            language=language,
            integration_tool=tool,
            end_user_email=email,
            end_user_organization_name=organization_name,
            end_user_origin_id=origin_id,
            relink_integration_id=relink_integration_id,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return token


def usable_link(conn: Connection, token: str, now: datetime) -> ConnectLink:
    """The link of `token` if it can still be used; else LinkUnusable saying why (for the customer)."""
    row = conn.execute(select(connect_links).where(connect_links.c.token_hash == _hash(token))).one_or_none()
    if row is None:
        raise LinkUnusable("This link is not valid. Ask for a new one.")
    link = _link(row)
    if link.used_at is not None:
        raise LinkUnusable("This link has already been used. Ask for a new one.")
    if link.expires_at <= now:
        raise LinkUnusable("This link has expired. Ask for a new one.")
    return link


def complete(conn: Connection, link: ConnectLink, integration_id: str, now: datetime, lifetime: timedelta) -> str:
    """Mark the link used by the integration it created (or relinked); returns the activation token.
    Atomic: of two submissions of one link, the second raises LinkUnusable (and its transaction,
    with the integration it created, rolls back)."""
    token = secrets.token_urlsafe(32)
    used = conn.execute(
        update(connect_links)
        .where(connect_links.c.id == link.id, connect_links.c.used_at.is_(None))
        .values(
            used_at=now,
            integration_id=integration_id,
            activation_token_hash=_hash(token),
            activation_expires_at=now + lifetime,
        )
    )
    if used.rowcount != 1:
        raise LinkUnusable("This link has already been used. Ask for a new one.")
    return token


def activated_integration(conn: Connection, environment_id: str, token: str, now: datetime) -> str | None:
    """The integration an activation token stands for, in the caller's environment and while valid."""
    row = conn.execute(
        select(connect_links.c.integration_id, connect_links.c.activation_expires_at).where(
            connect_links.c.activation_token_hash == _hash(token),
            connect_links.c.environment_id == environment_id,
        )
    ).one_or_none()
    if row is None or row.integration_id is None or row.activation_expires_at <= now:
        return None
    return str(row.integration_id)
