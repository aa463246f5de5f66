"""How far under a source's documented rate limit HireBridge paces its requests.

One rule for every limiter: the in-process token bucket of the connectors (`connectors.http`) and the
bucket shared across processes (`store.rate_limits`). Both receive the vendor's limit (a tool's
default or the integration's `requests_per_second`/`burst` settings) and pace at `under_limit` of it.
This module imports nothing of HireBridge, so connectors and the store can both use it.
"""

from __future__ import annotations

# How far under a source's documented limit the client paces itself. A bucket at exactly the limit
# sends request n at the very instant the server's own bucket earns its token; network and
# scheduling jitter then make some requests *arrive* a little early, the server counts them over the
# limit (a 429 and a back-off of up to seconds each), and a sync ends up slower than pacing below the
# limit from the start. 95% of the rate and one request less of burst leave the server a token of
# slack at all times for ~5% less throughput (Lever emulator at 200/s: 3-16 violations per FULL
# sync and 1.3-1.5x the minimum time before, none and 1.1x after; see docs/benchmarks.md).
PACING_MARGIN = 0.95
BURST_MARGIN = 1


def under_limit(rate: float, burst: int) -> tuple[float, int]:
    """The (rate, burst) to pace at for a source that allows `rate` requests/s in bursts of `burst`:
    PACING_MARGIN of the rate, BURST_MARGIN fewer in a burst, at least 1."""
    return rate * PACING_MARGIN, max(1, burst - BURST_MARGIN)
