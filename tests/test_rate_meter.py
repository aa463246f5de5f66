"""The emulators' rate meter is exact, and HireBridge's client paces within it.

The meter (tests/emulators/harness.py `RateMeter`) applies the vendor's documented rule -- Lever: a
token bucket per key, steady 10 requests/s, bursts up to 20 -- to the arrival times the server logs,
with no tolerance, so the sync tests' "0 violations" means the client never exceeded the limit. These
tests drive it with exact synthetic arrival times (integer nanoseconds), never with sleeps.
"""

from __future__ import annotations

import asyncio
import random
from fractions import Fraction

import pytest

from hirebridge.connectors.framework.ratelimit import LocalBucket as TokenBucket
from tests.emulators.harness import RateMeter

pytestmark = pytest.mark.fast  # pure: no database, subprocess or socket

SECOND = 1_000_000_000  # ns
LEVER_RATE, LEVER_BURST = 10, 20


def arrivals_of_a_greedy_client(rate: Fraction, burst: int, count: int) -> list[int]:
    """When a client that sends as fast as a bucket of `rate`/s and `burst` allows sends its requests:
    the burst at once, then one every 1/rate s (rounded up to the nanosecond: never early)."""
    interval = Fraction(SECOND) / rate
    return [0 if n < burst else -(-((n - burst + 1) * interval) // 1) for n in range(count)]


def meter(arrivals: list[int], rate: float = LEVER_RATE, burst: int = LEVER_BURST) -> RateMeter:
    metered = RateMeter(rate, burst)
    for at in arrivals:
        metered.admit(at)
    return metered


def test_a_client_exactly_at_the_limit_has_no_violation() -> None:
    # The whole burst at once, then exactly 10/s for 100 s.
    at_the_limit = arrivals_of_a_greedy_client(Fraction(LEVER_RATE), LEVER_BURST, 1020)
    assert at_the_limit[20:23] == [SECOND // 10, 2 * SECOND // 10, 3 * SECOND // 10]
    assert meter(at_the_limit).violations == 0
    # Evenly spaced at exactly 10/s from the start, without using the burst.
    assert meter([n * SECOND // 10 for n in range(1000)]).violations == 0
    # Idle for a while, then a full burst again: the bucket refilled.
    assert meter([*at_the_limit, *[at_the_limit[-1] + 2 * SECOND] * LEVER_BURST]).violations == 0


def test_one_nanosecond_early_is_a_violation() -> None:
    at_the_limit = arrivals_of_a_greedy_client(Fraction(LEVER_RATE), LEVER_BURST, 100)
    assert meter([*at_the_limit[:-1], at_the_limit[-1] - 1]).violations == 1
    assert meter([0] * (LEVER_BURST + 1)).violations == 1  # one more than the burst


def test_a_client_5_percent_over_the_limit_violates() -> None:
    over = Fraction(LEVER_RATE) * Fraction(105, 100)
    # Sending as fast as a bucket of 10.5/s with bursts of 20: the first request after the burst is
    # already one too many (the old meter forgave it, and every one after it: 0 violations).
    greedy = meter(arrivals_of_a_greedy_client(over, LEVER_BURST, 1070))
    assert greedy.violations > 0
    # Evenly spaced at 10.5/s for 100 s: the burst absorbs the excess for a while (request n finds
    # 20 - n/21 tokens), then the vendor refuses what goes beyond 20 + 10/s * t: at least 0.5/s *
    # 100 s - 20 requests. The first refused is request 400, which finds 0.95 of a token.
    steady = [-(-n * SECOND * 100 // 1050) for n in range(1050)]
    metered = RateMeter(LEVER_RATE, LEVER_BURST)
    verdicts = [metered.admit(at) for at in steady]
    assert verdicts.index(False) == 400
    assert metered.violations >= 50 - LEVER_BURST


def literal_verdicts(arrivals: list[int], rate: Fraction, burst: int) -> list[bool]:
    """The documented rule counted window by window: a request is admitted when, for every earlier
    admitted request, the admitted requests from that one to it number at most burst + rate * span."""
    admitted: list[int] = []
    verdicts = []
    for at in arrivals:
        ok = all(
            len(admitted) - i + 1 <= burst + rate * Fraction(at - start, SECOND) for i, start in enumerate(admitted)
        )
        verdicts.append(ok)
        if ok:
            admitted.append(at)
    return verdicts


@pytest.mark.parametrize("seed", range(6))
def test_the_meter_agrees_with_a_count_of_every_window(seed: int) -> None:
    rng = random.Random(seed)
    rate, burst = rng.choice([(10.0, 20), (2.5, 3), (200.0, 20), (0.2, 1)])
    mean_gap = SECOND / rate
    arrivals, at = [], 0
    for _ in range(300):  # bursts, pauses and everything between, around the limit
        at += rng.choice([0, 0, int(rng.uniform(0, 2) * mean_gap), int(rng.expovariate(1) * mean_gap)])
        arrivals.append(at)
    metered = RateMeter(rate, burst)
    verdicts = [metered.admit(at) for at in arrivals]
    assert verdicts == literal_verdicts(arrivals, Fraction(rate), burst)
    assert 0 < metered.violations < len(arrivals)  # the sequence did test both answers
    with pytest.raises(ValueError):
        metered.admit(arrivals[-1] - 1)  # arrivals are metered in order


def departures(rate: float, burst: int, count: int, *, margin: bool = True) -> list[float]:
    """When HireBridge's client lets `count` requests go to a source that allows `rate`/s in bursts of
    `burst`, on a fake clock: with its pacing margin (the rate-limit providers build buckets with
    `TokenBucket.under_limit`) or, to compare, pacing at the limit itself."""
    now = [0.0]

    async def fake_sleep(seconds: float) -> None:
        now[0] += seconds

    paced = TokenBucket.under_limit(rate, burst) if margin else TokenBucket(rate, burst)
    bucket = TokenBucket(paced.rate, paced.burst, clock=lambda: now[0], sleep=fake_sleep)
    sent: list[float] = []

    async def send_all() -> None:
        for _ in range(count):
            await bucket.acquire()
            sent.append(now[0])

    asyncio.run(send_all())
    return sent


def arriving(sent: list[float], jitter: float, rng: random.Random) -> list[int]:
    """Arrival times (ns, in the order they arrive) of requests sent at `sent` after a transit delay
    of 0 to `jitter` seconds each."""
    return sorted(round((t + rng.uniform(0, jitter)) * SECOND) for t in sent)


@pytest.mark.parametrize(
    ("rate", "burst", "jitter"),
    [
        (LEVER_RATE, LEVER_BURST, 0.9 / LEVER_RATE),
        (200.0, 20, 0.9 / 200),  # the benchmark's Lever
        (800.0, 100, 0.9 / 800),
        (1.0, 1, 0.05),  # no burst to spare: only the rate's margin, 5% of the interval
    ],
)
def test_the_client_stays_within_the_exact_meter_despite_transit_jitter(rate: float, burst: int, jitter: float) -> None:
    """Requests reach the server after varying delays, which bunch some of them up; the client's
    margin (connectors.framework.ratelimit PACING_MARGIN, BURST_MARGIN) absorbs a spread of up to `jitter` seconds:
    a request of burst to spare, or 5% of the interval when the source allows no burst."""
    rng = random.Random(7)
    sent = departures(rate, burst, 3000)
    assert meter([round(t * SECOND) for t in sent], rate, burst).violations == 0
    for _ in range(5):
        assert meter(arriving(sent, jitter, rng), rate, burst).violations == 0


def test_pacing_at_the_limit_itself_would_trip_the_meter() -> None:
    """What the margin is for: the same transit jitter on a client pacing at Lever's limit itself."""
    at_the_limit = departures(LEVER_RATE, LEVER_BURST, 3000, margin=False)
    assert meter([round(t * SECOND) for t in at_the_limit]).violations == 0
    assert meter(arriving(at_the_limit, 0.9 / LEVER_RATE, random.Random(7))).violations > 0
