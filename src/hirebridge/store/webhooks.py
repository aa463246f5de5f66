"""Outgoing webhooks' state: subscriptions, the environment's signing secret, deliveries and their
attempts, and issues. Events and their deliveries are recorded by store.events (in the transaction
of what they announce); hirebridge.webhooks sends them, through the functions below.

A delivery is PENDING until it SUCCEEDED or FAILED (gave up). A worker claims due ones: it writes a
claim token and moves `next_attempt_at` to the end of a lease, so a delivery claimed by a worker
that was killed is due again once the lease ran out (at least once: never lost, maybe sent twice --
receivers dedupe on the event id, as Kombo asks). Its result is recorded only while the claim is
still its own (`claim = token`): a worker that outlived its lease cannot overwrite a newer attempt.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Connection, delete, insert, select, update

from hirebridge import crypto, ids, netguard
from hirebridge.store import events, tenancy
from hirebridge.store.tables import (
    environments,
    issues,
    webhook_attempts,
    webhook_deliveries,
    webhook_events,
    webhook_subscriptions,
)
from hirebridge.timefmt import to_wire

PENDING, SUCCEEDED, FAILED = "PENDING", "SUCCEEDED", "FAILED"
OPEN, RESOLVED = "OPEN", "RESOLVED"
# The issue raised when a subscription is disabled for failing (subject: the subscription's id).
SUBSCRIPTION_DISABLED = "webhooks.subscription_disabled"
# What an attempt keeps of the receiver's answer.
EXCERPT_CHARS = 1024
_SECRET_FIELD = "webhook_secret"  # the key of the sealed mapping (crypto seals mappings)


class SubscriptionRefused(ValueError):
    """A subscription that cannot be created; the message says why."""


@dataclass(frozen=True, slots=True)
class Subscription:
    id: str
    environment_id: str
    url: str
    event_types: tuple[str, ...]
    enabled: bool
    disabled_reason: str | None
    created_at: datetime
    consecutive_failures: int
    failing_since: datetime | None


def _subscription(row: Any) -> Subscription:
    return Subscription(
        id=row.id,
        environment_id=row.environment_id,
        url=row.url,
        event_types=tuple(orjson.loads(row.event_types)),
        enabled=bool(row.enabled),
        disabled_reason=row.disabled_reason,
        created_at=row.created_at,
        consecutive_failures=row.consecutive_failures,
        failing_since=row.failing_since,
    )


def event_types(requested: Sequence[str] | None) -> tuple[str, ...]:
    """The event types a subscription gets: those requested (in EVENT_TYPES' order), or all of them."""
    if not requested:
        return events.EVENT_TYPES
    unknown = sorted(set(requested) - set(events.EVENT_TYPES))
    if unknown:
        raise SubscriptionRefused(f"unknown event type(s) {', '.join(unknown)}; known: {', '.join(events.EVENT_TYPES)}")
    return tuple(t for t in events.EVENT_TYPES if t in requested)


def create_subscription(
    conn: Connection, environment_id: str, url: str, types: Sequence[str] | None, now: datetime
) -> tuple[Subscription, str | None]:
    """A new enabled subscription, and the environment's webhook secret if this created it (it is
    never shown again: `rotate_secret` makes a new one). The URL must be http(s); whether its address
    may be reached is the caller's check (netguard, with the deployment's setting)."""
    try:
        netguard.http_host(url)
    except netguard.AddressRefused as exc:
        raise SubscriptionRefused(str(exc)) from None
    wanted = event_types(types)
    subscription_id = ids.random_id()
    conn.execute(
        insert(webhook_subscriptions).values(
            id=subscription_id,
            environment_id=environment_id,
            url=url,
            event_types=orjson.dumps(list(wanted)).decode(),
            enabled=True,
            disabled_reason=None,
            created_at=now,
            consecutive_failures=0,
            failing_since=None,
        )
    )
    secret = None
    sealed = conn.execute(select(environments.c.webhook_secret).where(environments.c.id == environment_id)).scalar()
    if sealed is None:
        secret = _store_new_secret(conn, environment_id)
    found = get_subscription(conn, subscription_id)
    assert found is not None
    return found, secret


def _store_new_secret(conn: Connection, environment_id: str) -> str:
    # 32 random bytes, url-safe: Kombo's secrets are opaque strings used as the HMAC key as is.
    secret = secrets.token_urlsafe(32)
    sealed = crypto.cipher().seal({_SECRET_FIELD: secret})
    conn.execute(update(environments).where(environments.c.id == environment_id).values(webhook_secret=sealed))
    return secret


def rotate_secret(conn: Connection, environment_id: str) -> str:
    """A new webhook secret for the environment (returned once); deliveries sign with it from now on."""
    return _store_new_secret(conn, environment_id)


def webhook_secret(conn: Connection, environment_id: str) -> str | None:
    """The environment's webhook secret, opened (None before its first subscription)."""
    sealed = conn.execute(select(environments.c.webhook_secret).where(environments.c.id == environment_id)).scalar()
    if sealed is None:
        return None
    return str(crypto.cipher().open(sealed)[_SECRET_FIELD])


def reseal_secrets(conn: Connection) -> int:
    """Re-encrypt every webhook secret with the first configured key (`hirebridge secret-key rotate`)."""
    cipher = crypto.cipher()
    rows = conn.execute(
        select(environments.c.id, environments.c.webhook_secret).where(environments.c.webhook_secret.is_not(None))
    ).all()
    for row in rows:
        conn.execute(
            update(environments)
            .where(environments.c.id == row.id)
            .values(webhook_secret=cipher.reseal(row.webhook_secret))
        )
    return len(rows)


def environment_names(conn: Connection) -> dict[str, str]:
    """Environment id -> name, for listing subscriptions by the name operators know."""
    return {row.id: row.name for row in conn.execute(select(environments.c.id, environments.c.name))}


def get_subscription(conn: Connection, subscription_id: str) -> Subscription | None:
    row = conn.execute(select(webhook_subscriptions).where(webhook_subscriptions.c.id == subscription_id)).one_or_none()
    return None if row is None else _subscription(row)


def list_subscriptions(conn: Connection, environment_id: str | None = None) -> list[Subscription]:
    query = select(webhook_subscriptions).order_by(webhook_subscriptions.c.created_at, webhook_subscriptions.c.id)
    if environment_id is not None:
        query = query.where(webhook_subscriptions.c.environment_id == environment_id)
    return [_subscription(row) for row in conn.execute(query)]


def delete_subscription(conn: Connection, subscription_id: str) -> bool:
    """Delete it with its deliveries and their attempts (ON DELETE CASCADE); False if there was none."""
    return (
        conn.execute(delete(webhook_subscriptions).where(webhook_subscriptions.c.id == subscription_id)).rowcount == 1
    )


def enable_subscription(conn: Connection, subscription_id: str, now: datetime) -> Subscription | None:
    """Enable it again: its failure count starts over, the deliveries that were waiting when it was
    disabled are due now (events of the time it was disabled were not recorded for it, as store.events
    records deliveries for enabled subscriptions only), and the issue its disabling raised is resolved."""
    conn.execute(
        update(webhook_subscriptions)
        .where(webhook_subscriptions.c.id == subscription_id)
        .values(enabled=True, disabled_reason=None, consecutive_failures=0, failing_since=None)
    )
    found = get_subscription(conn, subscription_id)
    if found is None:
        return None
    conn.execute(
        update(webhook_deliveries)
        .where(
            webhook_deliveries.c.subscription_id == subscription_id,
            webhook_deliveries.c.state == PENDING,
            webhook_deliveries.c.claim.is_(None),  # not one in flight (its sender records it)
        )
        .values(next_attempt_at=now)
    )
    resolve_issue(conn, found.environment_id, SUBSCRIPTION_DISABLED, subscription_id, now)
    return found


# --- deliveries ---


@dataclass(frozen=True, slots=True)
class Claimed:
    """A delivery a worker claimed: what to send where, and the token its result is recorded with."""

    id: str
    claim: str
    event_id: str
    event_type: str
    body: str
    url: str
    subscription_id: str
    environment_id: str
    attempts: int  # attempts before this one
    created_at: datetime  # of the delivery: the retry period counts from here


def claim_due(conn: Connection, now: datetime, limit: int, lease: timedelta) -> list[Claimed]:
    """Claim up to `limit` due PENDING deliveries of enabled subscriptions, oldest due first, for
    `lease`. Concurrent workers on PostgreSQL skip each other's rows (SKIP LOCKED); SQLite has one
    writer at a time anyway."""
    due = conn.execute(
        select(webhook_deliveries.c.id)
        .join(webhook_subscriptions, webhook_subscriptions.c.id == webhook_deliveries.c.subscription_id)
        .where(
            webhook_deliveries.c.state == PENDING,
            webhook_deliveries.c.next_attempt_at <= now,
            webhook_subscriptions.c.enabled.is_(True),
        )
        .order_by(webhook_deliveries.c.next_attempt_at, webhook_deliveries.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=webhook_deliveries)
    ).scalars()
    chosen = list(due)
    if not chosen:
        return []
    token = ids.random_id()
    conn.execute(
        update(webhook_deliveries)
        .where(webhook_deliveries.c.id.in_(chosen))
        .values(claim=token, next_attempt_at=now + lease)
    )
    rows = conn.execute(
        select(
            webhook_deliveries.c.id,
            webhook_deliveries.c.event_id,
            webhook_deliveries.c.subscription_id,
            webhook_deliveries.c.attempts,
            webhook_deliveries.c.created_at,
            webhook_events.c.type,
            webhook_events.c.body,
            webhook_subscriptions.c.url,
            webhook_subscriptions.c.environment_id,
        )
        .join(webhook_events, webhook_events.c.id == webhook_deliveries.c.event_id)
        .join(webhook_subscriptions, webhook_subscriptions.c.id == webhook_deliveries.c.subscription_id)
        .where(webhook_deliveries.c.id.in_(chosen))
        .order_by(webhook_deliveries.c.next_attempt_at, webhook_deliveries.c.id)
    )
    return [
        Claimed(
            id=row.id,
            claim=token,
            event_id=row.event_id,
            event_type=row.type,
            body=row.body,
            url=row.url,
            subscription_id=row.subscription_id,
            environment_id=row.environment_id,
            attempts=row.attempts,
            created_at=row.created_at,
        )
        for row in rows
    ]


def release(conn: Connection, claimed: Sequence[Claimed], now: datetime) -> None:
    """Give back claimed deliveries that were not sent (a lane stopping): due again at once, for any
    sender, instead of after their lease."""
    for delivery in claimed:
        conn.execute(
            update(webhook_deliveries)
            .where(webhook_deliveries.c.id == delivery.id, webhook_deliveries.c.claim == delivery.claim)
            .values(claim=None, next_attempt_at=now)
        )


def secrets_of(conn: Connection, environment_ids: Sequence[str]) -> dict[str, str]:
    """The opened webhook secrets of these environments (those that have one)."""
    found = {}
    for environment_id in sorted(set(environment_ids)):
        secret = webhook_secret(conn, environment_id)
        if secret is not None:
            found[environment_id] = secret
    return found


@dataclass(frozen=True, slots=True)
class Attempt:
    """One POST of a delivery: the receiver's status and answer, or why there was none."""

    attempted_at: datetime
    latency_ms: int
    status_code: int | None = None
    response_excerpt: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True, slots=True)
class FailurePolicy:
    """When a subscription whose attempts keep failing is disabled: `failures` failed attempts in a
    row, the first of them at least `period` ago."""

    failures: int
    period: timedelta


def record_attempt(
    conn: Connection,
    delivery: Claimed,
    attempt: Attempt,
    retry_at: datetime | None,
    policy: FailurePolicy,
    now: datetime,
) -> str:
    """Log the attempt and move the delivery on: SUCCEEDED on a 2xx, else PENDING again until
    `retry_at` or (None) FAILED. Counts the attempt for or against the subscription, and disables it
    (with an issue) when its failures reach the policy's bounds. Returns the delivery's new state
    (or its state as another worker left it, if this claim was lost to an expired lease)."""
    if attempt.ok:
        state, values = SUCCEEDED, {"next_attempt_at": None, "finished_at": now}
    elif retry_at is None:
        state, values = FAILED, {"next_attempt_at": None, "finished_at": now}
    else:
        state, values = PENDING, {"next_attempt_at": retry_at}
    moved = conn.execute(
        update(webhook_deliveries)
        .where(webhook_deliveries.c.id == delivery.id, webhook_deliveries.c.claim == delivery.claim)
        .values(state=state, claim=None, attempts=webhook_deliveries.c.attempts + 1, **values)
    ).rowcount
    current = state
    if moved != 1:
        found = conn.execute(
            select(webhook_deliveries.c.state).where(webhook_deliveries.c.id == delivery.id).with_for_update()
        ).scalar()
        if found is None:
            return FAILED  # deleted with its subscription meanwhile: nothing to log it against
        current = str(found)
    # Logged even when the claim was lost (the lease ran out, another sender took it): it was sent.
    conn.execute(insert(webhook_attempts).values(_attempt_row(delivery, attempt)))
    if moved != 1:
        return current
    _count(conn, delivery.subscription_id, attempt, policy, now)
    return state


def record_attempts(
    conn: Connection,
    outcomes: Sequence[tuple[Claimed, Attempt, datetime | None]],
    policy: FailurePolicy,
    now: datetime,
) -> list[str]:
    """`record_attempt` for a batch of (delivery, attempt, retry_at); the new states, in order.

    Successes, nearly all of a lane's work, are recorded together: one UPDATE per claim batch, one
    INSERT of their attempts and one reset per subscription, instead of three statements each.
    Failures (and a success whose claim was lost) take `record_attempt`'s path one by one, after the
    successes: within one batch, attempts that ran concurrently have no order to keep."""
    states: dict[int, str] = {}
    claims: dict[str, list[str]] = {}
    for delivery, attempt, _ in outcomes:
        if attempt.ok:
            claims.setdefault(delivery.claim, []).append(delivery.id)
    moved: set[str] = set()
    for claim, delivery_ids in claims.items():
        moved.update(
            conn.execute(
                update(webhook_deliveries)
                .where(webhook_deliveries.c.claim == claim, webhook_deliveries.c.id.in_(delivery_ids))
                .values(
                    state=SUCCEEDED,
                    claim=None,
                    attempts=webhook_deliveries.c.attempts + 1,
                    next_attempt_at=None,
                    finished_at=now,
                )
                .returning(webhook_deliveries.c.id)
            ).scalars()
        )
    done = [(i, delivery, attempt) for i, (delivery, attempt, _) in enumerate(outcomes) if delivery.id in moved]
    if done:
        conn.execute(insert(webhook_attempts), [_attempt_row(delivery, attempt) for _, delivery, attempt in done])
        for subscription_id in sorted({delivery.subscription_id for _, delivery, _ in done}):
            _count(conn, subscription_id, done[0][2], policy, now)  # a success: the failures in a row end
        states.update((i, SUCCEEDED) for i, _, _ in done)
    for i, (delivery, attempt, retry) in enumerate(outcomes):
        if i not in states:
            states[i] = record_attempt(conn, delivery, attempt, retry, policy, now)
    return [states[i] for i in range(len(outcomes))]


def _attempt_row(delivery: Claimed, attempt: Attempt) -> dict[str, Any]:
    excerpt = attempt.response_excerpt
    return {
        "delivery_id": delivery.id,
        "attempted_at": attempt.attempted_at,
        "status_code": attempt.status_code,
        "latency_ms": attempt.latency_ms,
        "response_excerpt": None if excerpt is None else excerpt[:EXCERPT_CHARS],
        "error": attempt.error,
    }


def _count(conn: Connection, subscription_id: str, attempt: Attempt, policy: FailurePolicy, now: datetime) -> None:
    subs = webhook_subscriptions
    if attempt.ok:
        conn.execute(
            update(subs)
            .where(subs.c.id == subscription_id, subs.c.consecutive_failures != 0)
            .values(consecutive_failures=0, failing_since=None)
        )
        return
    conn.execute(
        update(subs).where(subs.c.id == subscription_id, subs.c.failing_since.is_(None)).values(failing_since=now)
    )
    conn.execute(
        update(subs).where(subs.c.id == subscription_id).values(consecutive_failures=subs.c.consecutive_failures + 1)
    )
    found = get_subscription(conn, subscription_id)
    if (
        found is None
        or not found.enabled
        or found.failing_since is None
        or found.consecutive_failures < policy.failures
        or now - found.failing_since < policy.period
    ):
        return
    reason = (
        f"{found.consecutive_failures} delivery attempts in a row failed since {to_wire(found.failing_since)} "
        f"(last: {attempt.error or f'HTTP {attempt.status_code}'})"
    )
    disabled = conn.execute(
        update(subs)
        .where(subs.c.id == subscription_id, subs.c.enabled.is_(True))
        .values(enabled=False, disabled_reason=reason)
    )
    if disabled.rowcount != 1:
        return  # another worker disabled it first, and raised the issue
    raise_issue(
        conn,
        found.environment_id,
        SUBSCRIPTION_DISABLED,
        subscription_id,
        title="Webhook subscription disabled",
        markdown_message=(
            f"The webhook subscription `{subscription_id}` to `{found.url}` was disabled: {reason}. "
            "Events that happen while it is disabled are not sent to it; the deliveries that were waiting "
            "resume when it is enabled again: fix the receiver, then run "
            f"`hirebridge webhooks enable {subscription_id}`."
        ),
        now=now,
    )


@dataclass(frozen=True, slots=True)
class Delivery:
    id: str
    event_id: str
    event_type: str
    subscription_id: str
    url: str
    state: str
    attempts: int
    next_attempt_at: datetime | None
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    delivery_id: str
    attempted_at: datetime
    status_code: int | None
    latency_ms: int
    response_excerpt: str | None
    error: str | None


def _delivery_query() -> Any:
    return (
        select(
            webhook_deliveries.c.id,
            webhook_deliveries.c.event_id,
            webhook_events.c.type,
            webhook_deliveries.c.subscription_id,
            webhook_subscriptions.c.url,
            webhook_deliveries.c.state,
            webhook_deliveries.c.attempts,
            webhook_deliveries.c.next_attempt_at,
            webhook_deliveries.c.created_at,
            webhook_deliveries.c.finished_at,
        )
        .join(webhook_events, webhook_events.c.id == webhook_deliveries.c.event_id)
        .join(webhook_subscriptions, webhook_subscriptions.c.id == webhook_deliveries.c.subscription_id)
    )


def _delivery(row: Any) -> Delivery:
    return Delivery(
        id=row.id,
        event_id=row.event_id,
        event_type=row.type,
        subscription_id=row.subscription_id,
        url=row.url,
        state=row.state,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        created_at=row.created_at,
        finished_at=row.finished_at,
    )


def list_deliveries(
    conn: Connection, *, failed: bool = False, limit: int = 50, subscription_id: str | None = None
) -> list[Delivery]:
    """Deliveries, newest first; `failed`: only those that gave up."""
    query = _delivery_query().order_by(webhook_deliveries.c.created_at.desc(), webhook_deliveries.c.id).limit(limit)
    if failed:
        query = query.where(webhook_deliveries.c.state == FAILED)
    if subscription_id is not None:
        query = query.where(webhook_deliveries.c.subscription_id == subscription_id)
    return [_delivery(row) for row in conn.execute(query)]


def get_delivery(conn: Connection, delivery_id: str) -> Delivery | None:
    row = conn.execute(_delivery_query().where(webhook_deliveries.c.id == delivery_id)).one_or_none()
    return None if row is None else _delivery(row)


def attempts_of(conn: Connection, delivery_ids: Sequence[str]) -> dict[str, list[AttemptRecord]]:
    """The attempts of these deliveries, oldest first."""
    rows = conn.execute(
        select(webhook_attempts)
        .where(webhook_attempts.c.delivery_id.in_(list(delivery_ids)))
        .order_by(webhook_attempts.c.pk)
    )
    found: dict[str, list[AttemptRecord]] = {delivery_id: [] for delivery_id in delivery_ids}
    for row in rows:
        found[row.delivery_id].append(
            AttemptRecord(
                row.delivery_id, row.attempted_at, row.status_code, row.latency_ms, row.response_excerpt, row.error
            )
        )
    return found


def event_body(conn: Connection, event_id: str) -> str | None:
    """An event's exact JSON body, as every delivery of it sends it."""
    return conn.execute(select(webhook_events.c.body).where(webhook_events.c.id == event_id)).scalar()


def replay(conn: Connection, delivery_id: str, now: datetime) -> str | None:
    """A new PENDING delivery of the same event to the same subscription, due now; its id (None: no
    such delivery). The event keeps its id: a receiver that deduplicates sees the same event again."""
    found = get_delivery(conn, delivery_id)
    if found is None:
        return None
    new_id = ids.random_id()
    conn.execute(
        insert(webhook_deliveries).values(
            id=new_id,
            event_id=found.event_id,
            subscription_id=found.subscription_id,
            state=PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )
    return new_id


def prune(conn: Connection, before: datetime, batch: int) -> tuple[int, int]:
    """Delete up to `batch` deliveries that ended (SUCCEEDED or FAILED) before `before`, with their
    attempts (the foreign key cascades), and up to `batch` events made before it that no delivery is
    left of (a replay of a pruned delivery keeps its event). Pending deliveries are never pruned.
    Returns (deliveries, events) deleted; a full batch means more may be left."""
    d, e = webhook_deliveries.c, webhook_events.c
    # (correlate(None): a subquery on the table being deleted from must still read that table.)
    ended = select(d.id).where(d.finished_at < before).limit(batch).correlate(None)
    deliveries = conn.execute(delete(webhook_deliveries).where(d.id.in_(ended))).rowcount
    left = select(webhook_deliveries.c.id).where(d.event_id == e.id)
    orphans = select(e.id).where(e.created_at < before, ~left.exists()).limit(batch).correlate(None)
    events = conn.execute(delete(webhook_events).where(e.id.in_(orphans))).rowcount
    return int(deliveries), int(events)


# --- issues ---


@dataclass(frozen=True, slots=True)
class Issue:
    id: str
    environment_id: str
    integration_id: str | None
    type: str
    subject: str
    title: str
    status: str
    markdown_message: str
    first_observed_at: datetime
    resolved_at: datetime | None


def _issue(row: Any) -> Issue:
    return Issue(
        id=row.id,
        environment_id=row.environment_id,
        integration_id=row.integration_id,
        type=row.type,
        subject=row.subject,
        title=row.title,
        status=row.status,
        markdown_message=row.markdown_message,
        first_observed_at=row.first_observed_at,
        resolved_at=row.resolved_at,
    )


def open_issue(conn: Connection, environment_id: str, issue_type: str, subject: str) -> Issue | None:
    row = conn.execute(
        select(issues).where(
            issues.c.environment_id == environment_id,
            issues.c.type == issue_type,
            issues.c.subject == subject,
            issues.c.status == OPEN,
        )
    ).first()
    return None if row is None else _issue(row)


def list_issues(conn: Connection, environment_id: str | None = None) -> list[Issue]:
    query = select(issues).order_by(issues.c.first_observed_at, issues.c.id)
    if environment_id is not None:
        query = query.where(issues.c.environment_id == environment_id)
    return [_issue(row) for row in conn.execute(query)]


def raise_issue(
    conn: Connection,
    environment_id: str,
    issue_type: str,
    subject: str,
    *,
    title: str,
    markdown_message: str,
    now: datetime,
    integration_id: str | None = None,
) -> Issue | None:
    """Open an issue and announce it (`issue-status-changed`, change `raised`); None if one of this
    type and subject is open already (one episode at a time)."""
    if open_issue(conn, environment_id, issue_type, subject) is not None:
        return None
    issue = Issue(
        ids.random_id(), environment_id, integration_id, issue_type, subject, title, OPEN, markdown_message, now, None
    )
    conn.execute(
        insert(issues).values(
            id=issue.id,
            environment_id=environment_id,
            integration_id=integration_id,
            type=issue_type,
            subject=subject,
            title=title,
            status=OPEN,
            markdown_message=markdown_message,
            first_observed_at=now,
            resolved_at=None,
        )
    )
    _announce(conn, issue, "raised")
    return issue


def resolve_issue(conn: Connection, environment_id: str, issue_type: str, subject: str, now: datetime) -> Issue | None:
    """Resolve the open issue of this type and subject and announce it (change `resolved`); None if
    none was open."""
    found = open_issue(conn, environment_id, issue_type, subject)
    if found is None:
        return None
    conn.execute(update(issues).where(issues.c.id == found.id).values(status=RESOLVED, resolved_at=now))
    resolved = replace(found, status=RESOLVED, resolved_at=now)
    _announce(conn, resolved, "resolved")
    return resolved


def _announce(conn: Connection, issue: Issue, change: str) -> None:
    integration = None if issue.integration_id is None else tenancy.get_integration(conn, issue.integration_id)
    events.emit(
        conn,
        issue.environment_id,
        events.ISSUE_STATUS_CHANGED,
        {
            "change": change,
            "issue": {
                "id": issue.id,
                "type": issue.type,
                "title": issue.title,
                "status": issue.status,
                "markdown_message": issue.markdown_message,
                "first_observed_at": to_wire(issue.first_observed_at),
                "resolved_at": to_wire(issue.resolved_at),
            },
            "integration": None
            if integration is None
            else {
                "id": integration.id,
                "tool": integration.tool,
                "category": events.CATEGORY,
                "end_user": events.end_user(integration),
            },
        },
    )
