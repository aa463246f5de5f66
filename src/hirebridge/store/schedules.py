"""What the scheduler (jobs/schedule.py) reads to decide which syncs are due."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Select, func, select

from hirebridge.store.tables import integrations, sync_runs


def schedulable_integrations(conn: Connection) -> Sequence[Row[Any]]:
    """Integrations the scheduler may queue syncs for -- enabled, and credentials not rejected by
    the source (they wait for new ones) -- with `id`, `tool`, `first_sync_succeeded_at` and their
    interval overrides `full_sync_interval_minutes` / `delta_sync_interval_minutes` (None: default)."""
    query: Select[Any] = select(
        integrations.c.id,
        integrations.c.tool,
        integrations.c.first_sync_succeeded_at,
        integrations.c.full_sync_interval_minutes,
        integrations.c.delta_sync_interval_minutes,
    ).where(integrations.c.enabled.is_(True), integrations.c.credentials_invalid_at.is_(None))
    return conn.execute(query).all()


def last_queued(conn: Connection) -> dict[tuple[str, str], datetime]:
    """(integration id, kind) -> when the latest run of that kind was queued (recorded)."""
    last = (
        select(sync_runs.c.integration_id, sync_runs.c.kind, func.max(sync_runs.c.created_at).label("at"))
        .group_by(sync_runs.c.integration_id, sync_runs.c.kind)
        .subquery()
    )
    return {
        (r.integration_id, r.kind): r.at for r in conn.execute(select(last.c.integration_id, last.c.kind, last.c.at))
    }
