"""Settings, read from the environment (prefix HIREBRIDGE_)."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HIREBRIDGE_", extra="ignore")

    # SQLite file in the working directory by default; `postgresql://user@host/db` for PostgreSQL.
    database_url: str = "sqlite:///hirebridge.db"
    log_format: Literal["text", "json"] = "text"
    log_level: str = "INFO"
    # Rows a sync writes per transaction: a page is the unit that becomes visible at once.
    sync_page_size: int = 500
    # A sync holds its integration's lock this long without progress before another may take over
    # (the holder is presumed dead).
    sync_lock_seconds: int = 300
    # Fernet key(s) sealing integration credentials (hirebridge.crypto); comma-separated to rotate.
    # Required by every command but `hirebridge demo`.
    secret_key: str | None = None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
