"""Settings, read from the environment (prefix HIREBRIDGE_)."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HIREBRIDGE_", extra="ignore")

    # SQLite file in the working directory by default; `postgresql://user@host/db` for PostgreSQL.
    database_url: str = "sqlite:///hirebridge.db"
    log_format: Literal["text", "json"] = "text"
    log_level: str = "INFO"
    # Where clients reach this HireBridge: the base of the links it sends out (a webhook's `log_url`).
    public_url: str = "http://127.0.0.1:8000"
    # Kombo Connect links (api/connect.py): EMBEDDED ones are valid this long (Kombo: 1 hour), MAGIC_LINK
    # ones this many days (Kombo: 1 year); the activation token a completed flow hands out, this long.
    connect_link_minutes: int = Field(default=60, ge=1)
    connect_magic_link_days: int = Field(default=365, ge=1)
    connect_activation_minutes: int = Field(default=60, ge=1)
    # An API URL the customer enters on the connect page (under Advanced) must be on the vendor's own
    # domain and resolve to public addresses, unless this is set: the page is open to whoever holds a
    # link, and HireBridge sends the credentials there, then every sync (api/connect_page.py). Operators
    # set any URL through the API or CLI.
    connect_any_api_url: bool = False
    # How long API requests answered with an error are kept for their dashboard page (log_url).
    request_log_days: int = Field(default=30, ge=1)
    # How long a dashboard sign-in lasts.
    dashboard_session_hours: int = Field(default=12, ge=1)
    # Who executes queued syncs. embedded: every API process runs a worker thread (`hirebridge serve`,
    # `demo`); distributed: the API processes run no worker; `hirebridge worker` processes do.
    worker_mode: Literal["embedded", "distributed"] = "embedded"
    # Rows a sync writes per transaction: a page is the unit that becomes visible at once.
    sync_page_size: int = 500
    # A sync holds its integration's lock this long without progress before another may take over
    # (the holder is presumed dead).
    sync_lock_seconds: int = 300
    # Default sync schedule (minutes); each integration may override both. DELTA only for tools
    # that support it. The first FULL sync of a new integration is due at once.
    full_sync_interval_minutes: int = 24 * 60
    delta_sync_interval_minutes: int = 3 * 60
    # How often the scheduler looks for due syncs and for runs whose worker died.
    scheduler_tick_seconds: int = 60
    # How long the change outbox keeps what changed (GET /v1/changes reads it; data-changed webhooks
    # are built from it): older rows are pruned by the scheduler's tick, once announced.
    change_retention_days: int = Field(default=14, ge=1)
    # Fernet key(s) sealing integration credentials (hirebridge.crypto); comma-separated to rotate.
    # Required by every command but `hirebridge demo`.
    secret_key: str | None = None
    # Request size limits of the API (api/limits.py; api/server.py enforces them before the app runs).
    # A request body over `max_body_bytes` is 413 -- the default for every endpoint; one that takes
    # more (e.g. a file upload) names its own limit. A request target (path and query) over
    # `max_url_bytes` is 414: at most 65535, the longest URL httptools parses. Header fields over
    # `max_header_bytes` (names, values and 4 bytes a field) are 431.
    max_body_bytes: int = Field(default=1 << 20, ge=1)
    max_url_bytes: int = Field(default=32 << 10, ge=1024, le=65535)
    max_header_bytes: int = Field(default=64 << 10, ge=1024)
    # Write actions (actions/service.py). A file given to an action (base64 `data` or a `data_url`) is
    # at most `action_max_file_bytes`; an action's body at most `action_max_body_bytes` (room for the
    # base64 of a few files). `data_url` downloads go to public addresses only unless
    # `action_download_private_urls` (tests, demos). An `Idempotency-Key` is remembered for
    # `action_idempotency_hours`. At most `action_concurrency_limit` actions of one integration run at
    # once in a process (more: 429 PLATFORM.CONCURRENCY_LIMIT_EXCEEDED, as Kombo's 30).
    action_max_file_bytes: int = Field(default=10 << 20, ge=1)
    action_max_body_bytes: int = Field(default=30 << 20, ge=1)
    action_download_private_urls: bool = False
    action_idempotency_hours: int = Field(default=24, ge=1)
    action_concurrency_limit: int = Field(default=30, ge=1)
    # Upstream webhooks (docs/upstream-webhooks.md): the targeted refresh fetches at most
    # `upstream_refresh_batch` records per transaction, and retries an integration whose refresh failed
    # after `upstream_retry_seconds` (also how often the embedded lane looks for records left waiting).
    upstream_refresh_batch: int = Field(default=100, ge=1)
    upstream_retry_seconds: float = Field(default=30.0, gt=0)
    # Outgoing webhooks (hirebridge.webhooks; docs/webhooks.md). Subscription URLs and every delivery's
    # resolved address must be public unless `webhook_allow_private_urls` (tests, the demo). The
    # delivery lane looks for due deliveries every `webhook_poll_seconds`, sends at most
    # `webhook_concurrency` at once, each attempt given `webhook_timeout_seconds`; a claimed delivery
    # whose process died is claimed again after `webhook_lease_seconds` (keep it above twice the
    # timeout: a delivery claimed ahead waits up to one timeout for a slot, then gets its own).
    # A failed attempt is retried after a random delay in [0, min(max_delay, base * 2^(n-1))] (full
    # jitter) until `webhook_retry_period_seconds` after the event, then the delivery FAILS. A
    # subscription whose attempts failed `webhook_disable_after_failures` times in a row over at least
    # `webhook_disable_after_seconds` is disabled, with an issue. Deliveries that ended (SUCCEEDED or
    # FAILED) more than `webhook_retention_days` ago are pruned with their attempts, and events that
    # no delivery is left of with them, by the scheduler's tick.
    webhook_allow_private_urls: bool = False
    webhook_poll_seconds: float = Field(default=0.5, gt=0)
    webhook_concurrency: int = Field(default=16, ge=1)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_lease_seconds: float = Field(default=60.0, gt=0)
    webhook_retry_base_seconds: float = Field(default=10.0, gt=0)
    webhook_retry_max_delay_seconds: float = Field(default=3600.0, gt=0)
    webhook_retry_period_seconds: float = Field(default=3 * 24 * 3600.0, ge=0)
    webhook_disable_after_failures: int = Field(default=20, ge=1)
    webhook_disable_after_seconds: float = Field(default=24 * 3600.0, ge=0)
    webhook_retention_days: int = Field(default=30, ge=1)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
