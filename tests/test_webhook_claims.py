"""Claims of deliveries (store.webhooks): a lease that runs out makes a delivery due again, a result is
recorded only under the claim that sent it, and concurrent senders on PostgreSQL claim disjoint rows."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from hirebridge.store import events, migrate, webhooks
from hirebridge.store.db import make_engine, read_tx, write_tx
from hirebridge.timefmt import utc_now
from tests.conftest import make_tenant

POLICY = webhooks.FailurePolicy(failures=100, period=timedelta(hours=1))


def _events(engine: Engine, count: int) -> None:
    tenant = make_tenant(engine)
    with write_tx(engine) as conn:
        webhooks.create_subscription(conn, tenant.environment.id, "https://example.com/h", None, utc_now())
        for n in range(count):
            events.emit(conn, tenant.environment.id, events.SYNC_FINISHED, {"n": n})


def test_an_expired_lease_is_claimed_again_and_the_late_result_does_not_overwrite(engine: Engine) -> None:
    _events(engine, 1)
    with write_tx(engine) as conn:
        (first,) = webhooks.claim_due(conn, utc_now(), 10, timedelta(seconds=60))
    with write_tx(engine) as conn:
        assert webhooks.claim_due(conn, utc_now(), 10, timedelta(seconds=60)) == []  # leased
    # The sender died: its lease runs out (here: claimed again as if 61 s later).
    with write_tx(engine) as conn:
        (second,) = webhooks.claim_due(conn, utc_now() + timedelta(seconds=61), 10, timedelta(seconds=60))
    assert (second.id, second.event_id) == (first.id, first.event_id) and second.claim != first.claim
    failed = webhooks.Attempt(utc_now(), 5, status_code=502)
    with write_tx(engine) as conn:  # the first sender was only slow: its result comes late
        assert webhooks.record_attempt(conn, first, failed, utc_now(), POLICY, utc_now()) == webhooks.PENDING
    ok = webhooks.Attempt(utc_now(), 3, status_code=204)
    with write_tx(engine) as conn:
        assert webhooks.record_attempt(conn, second, ok, None, POLICY, utc_now()) == webhooks.SUCCEEDED
    with write_tx(engine) as conn:  # a result after the delivery succeeded changes nothing either
        assert webhooks.record_attempt(conn, first, failed, None, POLICY, utc_now()) == webhooks.SUCCEEDED
    with read_tx(engine) as conn:
        (delivery,) = webhooks.list_deliveries(conn)
        logged = webhooks.attempts_of(conn, [delivery.id])[delivery.id]
        (sub,) = webhooks.list_subscriptions(conn)
    assert (delivery.state, delivery.attempts) == (webhooks.SUCCEEDED, 1)
    assert [a.status_code for a in logged] == [502, 204, 502]  # every POST is in the log
    assert sub.consecutive_failures == 0  # only the claim's own result counts


def test_a_batch_records_successes_together_and_keeps_every_rule(engine: Engine) -> None:
    """record_attempts: successes under their claim are SUCCEEDED, a failure is retried (or given
    up), a success whose lease ran out and was claimed again leaves the newer claim alone; every
    POST is logged, and the subscription's failures in a row count only the claims' own results."""
    _events(engine, 4)
    now = utc_now()
    with write_tx(engine) as conn:
        first = webhooks.claim_due(conn, now, 4, timedelta(seconds=60))
    with write_tx(engine) as conn:  # the last one's lease runs out and another sender claims it
        (taken,) = webhooks.claim_due(conn, now + timedelta(seconds=61), 1, timedelta(seconds=60))
    late = next(d for d in first if d.id == taken.id)
    ok, failed = webhooks.Attempt(now, 3, status_code=200), webhooks.Attempt(now, 4, status_code=503)
    others = [d for d in first if d.id != taken.id]
    batch = [(others[0], ok, None), (others[1], failed, now + timedelta(seconds=30)), (others[2], failed, None)]
    with write_tx(engine) as conn:
        states = webhooks.record_attempts(conn, [*batch, (late, ok, None)], POLICY, now)
    assert states == [webhooks.SUCCEEDED, webhooks.PENDING, webhooks.FAILED, webhooks.PENDING]
    with read_tx(engine) as conn:
        found = {d.id: d for d in webhooks.list_deliveries(conn, limit=10)}
        logged = webhooks.attempts_of(conn, list(found))
        (sub,) = webhooks.list_subscriptions(conn)
    assert found[others[0].id].state == webhooks.SUCCEEDED and found[others[0].id].finished_at == now
    assert found[others[1].id].next_attempt_at == now + timedelta(seconds=30)
    assert found[others[2].id].state == webhooks.FAILED
    assert found[late.id].attempts == 0  # still the other sender's to record
    assert {i: [a.status_code for a in logged[i]] for i in found} == {
        others[0].id: [200],
        others[1].id: [503],
        others[2].id: [503],
        late.id: [200],
    }
    assert sub.consecutive_failures == 2


def test_concurrent_claims_on_postgresql_skip_each_others_rows(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    migrate.upgrade(engine)
    try:
        _events(engine, 10)
        now, lease = utc_now(), timedelta(seconds=60)
        with engine.connect() as first_conn, first_conn.begin():
            mine = webhooks.claim_due(first_conn, now, 6, lease)  # rows locked until this commits
            with write_tx(engine) as second_conn:
                theirs = webhooks.claim_due(second_conn, now, 10, lease)
        assert len(mine) == 6 and len(theirs) == 4
        assert not {d.id for d in mine} & {d.id for d in theirs}
    finally:
        engine.dispose()
