"""The configuration every API-key connector reads, and the HTTP client it builds from it.

An integration's (decrypted) config holds `api_key` and, optionally, `base_url` (tests and
emulators point it at 127.0.0.1; it defaults to the vendor's public API) and overrides of the
vendor's rate limit and of the client's timeout/retries for customers with other contracts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hirebridge.connectors.http import Auth, RetryPolicy, SourceClient, TokenBucket


class ConfigError(ValueError):
    """The integration's configuration cannot work (missing key, malformed value)."""


def _number(config: Mapping[str, Any], key: str, default: float, *, minimum: float) -> float:
    value = config.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ConfigError(f"setting {key!r} must be a number, got {value!r}")
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(f"setting {key!r} must be a number, got {value!r}") from None
    if number < minimum:
        raise ConfigError(f"setting {key!r} must be at least {minimum}, got {number}")
    return number


@dataclass(frozen=True)
class ApiKeySettings:
    tool: str
    api_key: str
    base_url: str
    requests_per_second: float
    burst: int
    timeout: float
    retry: RetryPolicy
    # One bucket per integration, shared by every stream and child request of a sync; it paces a
    # little under `requests_per_second`/`burst` (the source's limit), see http.PACING_MARGIN.
    bucket: TokenBucket = field(compare=False, repr=False)

    @classmethod
    def parse(
        cls,
        tool: str,
        config: Mapping[str, Any],
        *,
        default_base_url: str,
        requests_per_second: float,
        burst: int,
    ) -> ApiKeySettings:
        api_key = config.get("api_key")
        if not isinstance(api_key, str) or not api_key.strip():
            raise ConfigError(f"a {tool} integration needs an 'api_key' credential")
        base_url = config.get("base_url") or default_base_url
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise ConfigError(f"'base_url' must be an http(s) URL, got {base_url!r}")
        rate = _number(config, "requests_per_second", requests_per_second, minimum=0.01)
        burst_size = int(_number(config, "burst", burst, minimum=1))
        defaults = RetryPolicy()
        retry = RetryPolicy(
            attempts=int(_number(config, "retry_attempts", defaults.attempts, minimum=1)),
            base_delay=_number(config, "retry_base_delay", defaults.base_delay, minimum=0),
            max_delay=_number(config, "retry_max_delay", defaults.max_delay, minimum=0),
        )
        return cls(
            tool=tool,
            api_key=api_key.strip(),
            base_url=base_url.rstrip("/"),
            requests_per_second=rate,
            burst=burst_size,
            timeout=_number(config, "timeout", 30.0, minimum=0.01),
            retry=retry,
            bucket=TokenBucket.under_limit(rate, burst_size),
        )

    def __repr__(self) -> str:  # the dataclass repr would print the key
        return f"ApiKeySettings(tool={self.tool!r}, base_url={self.base_url!r}, api_key=***)"

    def client(self, auth: Auth, *, max_concurrency: int = 4) -> SourceClient:
        """A client for one stream run. httpx clients belong to an event loop, and each stream runs
        on its own (`run_async_iter`): make one per run, close it when the run ends."""
        return SourceClient(
            self.base_url,
            auth,
            tool=self.tool,
            rate_limit=self.bucket,
            retry=self.retry,
            timeout=self.timeout,
            max_concurrency=max_concurrency,
        )
