"""Kombo's outgoing webhook events, recorded in the transaction of what they announce.

`emit` stores an event -- its exact JSON body, `{"id", "type", "data"}` as Kombo sends it -- and a
PENDING delivery for every enabled subscription of the environment that wants its type, in the
caller's transaction: an event exists if and only if what it announces was committed, and delivery
(`hirebridge.webhooks`, run by `jobs/`) never happens inside a request or a sync. With no subscriber
for a type nothing is written.

The triggers call the builders below: `integration_created`/`_deleted`/`_state_changed` (store.tenancy
and store.sync_runs, where the state changes), `sync_finished` (the sync engine, every outcome), and
`announce_changes`, which turns the change outbox (store.changes) into `data-changed` events: one per
integration per pass, naming every model (and `ats_join_*` connection) changed since the last one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Connection, insert, select

from hirebridge import ids
from hirebridge.model.changes import CONNECTIONS, kombo_model_name
from hirebridge.store import changes
from hirebridge.store.tables import integrations, webhook_deliveries, webhook_events, webhook_subscriptions
from hirebridge.timefmt import to_wire, utc_now

if TYPE_CHECKING:
    from hirebridge.store.tenancy import Integration

# Kombo's event types HireBridge sends (`connection-flow-failed` comes with the connect page).
DATA_CHANGED = "data-changed"
SYNC_FINISHED = "sync-finished"
INTEGRATION_CREATED = "integration-created"
INTEGRATION_DELETED = "integration-deleted"
INTEGRATION_STATE_CHANGED = "integration-state-changed"
ISSUE_STATUS_CHANGED = "issue-status-changed"
CONNECTION_FLOW_FAILED = "connection-flow-failed"
EVENT_TYPES = (
    DATA_CHANGED,
    SYNC_FINISHED,
    INTEGRATION_CREATED,
    INTEGRATION_DELETED,
    INTEGRATION_STATE_CHANGED,
    ISSUE_STATUS_CHANGED,
    CONNECTION_FLOW_FAILED,
)
CATEGORY = "ATS"
# The outbox cursor of `announce_changes` (a row of change_cursors, created by the migration).
ANNOUNCED = "data-changed"
# The most outbox rows one `announce_changes` pass reads; the next pass goes on from there.
ANNOUNCE_BATCH = 5_000


def subscribers(conn: Connection, environment_id: str, event_type: str) -> list[str]:
    """The enabled subscriptions of the environment that want `event_type`."""
    rows = conn.execute(
        select(webhook_subscriptions.c.id, webhook_subscriptions.c.event_types).where(
            webhook_subscriptions.c.environment_id == environment_id, webhook_subscriptions.c.enabled.is_(True)
        )
    )
    return [row.id for row in rows if event_type in orjson.loads(row.event_types)]


def emit(conn: Connection, environment_id: str, event_type: str, data: Mapping[str, Any]) -> str | None:
    """Record an event and its deliveries in `conn`'s transaction; its id, or None without subscribers."""
    subscriptions = subscribers(conn, environment_id, event_type)
    if not subscriptions:
        return None
    event_id = ids.random_id()
    now = utc_now()
    body = orjson.dumps({"id": event_id, "type": event_type, "data": data}).decode()
    conn.execute(
        insert(webhook_events).values(
            id=event_id, environment_id=environment_id, type=event_type, body=body, created_at=now
        )
    )
    conn.execute(
        insert(webhook_deliveries),
        [
            {
                "id": ids.random_id(),
                "event_id": event_id,
                "subscription_id": subscription,
                "state": "PENDING",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for subscription in subscriptions
        ],
    )
    return event_id


def end_user(integration: Integration) -> dict[str, Any]:
    """Kombo's `end_user` of an integration (organization_name is required: the id stands in)."""
    return {
        "organization_name": integration.end_user_organization_name or integration.id,
        "creator_email": integration.end_user_email,
        "origin_id": integration.end_user_origin_id,
    }


def integration_created(conn: Connection, integration: Integration) -> None:
    emit(
        conn,
        integration.environment_id,
        INTEGRATION_CREATED,
        {"id": integration.id, "tool": integration.tool, "category": CATEGORY, "end_user": end_user(integration)},
    )


def integration_deleted(conn: Connection, integration: Integration, now: datetime) -> None:
    emit(
        conn,
        integration.environment_id,
        INTEGRATION_DELETED,
        {
            "id": integration.id,
            "tool": integration.tool,
            "category": CATEGORY,
            "end_user": end_user(integration),
            "deleted_at": to_wire(now),
        },
    )


def integration_state_changed(conn: Connection, before: Integration, after: Integration, now: datetime) -> None:
    """`integration-state-changed` if Kombo's state or setup status of the integration moved."""
    if (before.status, before.setup_status) == (after.status, after.setup_status):
        return
    emit(
        conn,
        after.environment_id,
        INTEGRATION_STATE_CHANGED,
        {
            "integration_tool": after.tool,
            "integration_id": after.id,
            "integration_category": CATEGORY,
            "end_user": end_user(after),
            "qa_status": "PASSED",  # HireBridge runs no QA step
            "setup_status": after.setup_status,
            "state": after.status,
            "updated_at": to_wire(now),
        },
    )


def sync_finished(
    conn: Connection,
    integration: Integration,
    run_id: str,
    state: str,
    started_at: datetime | None,
    ended_at: datetime,
    log_url: str,
) -> None:
    """`sync-finished` for every outcome; `state` is Kombo's (SUCCEEDED, FAILED, CANCELLED,
    AUTHENTICATION_FAILED...). `log_url` is a required string in Kombo's payload; HireBridge has no log
    viewer, so it is empty (`hirebridge runs` shows the run named by `sync_id`)."""
    started = started_at or ended_at
    emit(
        conn,
        integration.environment_id,
        SYNC_FINISHED,
        {
            "sync_id": run_id,
            "sync_state": state,
            "sync_started_at": to_wire(started),
            "sync_ended_at": to_wire(ended_at),
            "sync_duration_seconds": int((ended_at - started).total_seconds()),
            "integration_id": integration.id,
            "integration_tool": integration.tool,
            "integration_category": CATEGORY,
            "end_user": end_user(integration),
            "log_url": log_url,
        },
    )


def connection_flow_failed(
    conn: Connection, environment_id: str, tool: str, end_user_data: dict[str, Any], log_url: str
) -> None:
    """`connection-flow-failed`: a customer's attempt to connect `tool` through a connect link failed."""
    emit(
        conn,
        environment_id,
        CONNECTION_FLOW_FAILED,
        {"integration_tool": tool, "integration_category": CATEGORY, "end_user": end_user_data, "log_url": log_url},
    )


def changed_model_names(entries: list[changes.Change]) -> list[str]:
    """`data-changed`'s `changed_models` names for outbox rows: each model, then its changed connections."""
    names: dict[str, None] = {}
    for entry in entries:
        names[kombo_model_name(entry.model)] = None
        connections = CONNECTIONS.get(entry.model)
        if entry.joins_changed and connections is not None:
            names.update(dict.fromkeys(connections.names))
    return list(names)


def announced_through(conn: Connection) -> int:
    """The newest outbox seq `announce_changes` has turned into events (0: none yet)."""
    return changes.cursor(conn, ANNOUNCED) or 0


def announce_changes(conn: Connection) -> int:
    """Turn the outbox rows committed since the last pass into `data-changed` events, one per
    integration (coalesced), and move the cursor past them, all in `conn`'s transaction; returns how
    many events it recorded. Concurrent passes queue on the cursor's row lock."""
    position = changes.cursor(conn, ANNOUNCED, lock=True) or 0
    entries = changes.after(conn, position, ANNOUNCE_BATCH)
    if not entries:
        return 0
    by_integration: dict[str, list[changes.Change]] = {}
    for entry in entries:
        by_integration.setdefault(entry.integration_id, []).append(entry)
    rows = conn.execute(
        select(integrations.c.id, integrations.c.environment_id, integrations.c.tool).where(
            integrations.c.id.in_(sorted(by_integration))
        )
    )
    emitted = 0
    for row in rows:
        data = {
            "integration_id": row.id,
            "integration_tool": row.tool,
            "integration_category": CATEGORY,
            "changed_models": [{"name": name} for name in changed_model_names(by_integration[row.id])],
        }
        if emit(conn, row.environment_id, DATA_CHANGED, data) is not None:
            emitted += 1
    changes.set_cursor(conn, ANNOUNCED, entries[-1].seq)
    return emitted
