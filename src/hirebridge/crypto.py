"""Integration credentials, encrypted at rest.

Credentials (API keys, OAuth tokens) are sealed with Fernet (AES-128-CBC + HMAC-SHA256, from the
`cryptography` package) under `HIREBRIDGE_SECRET_KEY` before they reach the database, and opened
only where a connector is built for a sync. The setting may hold several comma-separated keys: the
first seals, all of them open — that is how a key is rotated (add the new key in front, run
`hirebridge secret-key rotate`, then drop the old one).

Only `hirebridge demo` may run without a configured key: it keeps a generated one in a file next to
its SQLite database, because a throw-away trial should not need set-up. Everything else refuses to
start (`SecretKeyMissing`) rather than store a customer's credentials in the clear.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from hirebridge.config import get_settings

# Config keys whose values are credentials: they are split off the integration's (plain) settings and sealed.
SECRET_FIELDS = frozenset(
    {"api_key", "access_token", "refresh_token", "client_secret", "password", "token", "private_key"}
)


class SecretKeyMissing(RuntimeError):
    def __init__(self) -> None:
        super().__init__(
            "HIREBRIDGE_SECRET_KEY is not set: HireBridge encrypts integration credentials with it and will not "
            "store them in the clear. Generate one with `hirebridge secret-key generate` and set it in the "
            "environment of every HireBridge process (API and workers)."
        )


class CredentialsUnreadable(RuntimeError):
    """Stored credentials cannot be opened with the configured key(s) (key changed or lost)."""


def generate_key() -> str:
    return Fernet.generate_key().decode()


class Cipher:
    def __init__(self, keys: str) -> None:
        parts = [k.strip() for k in keys.split(",") if k.strip()]
        if not parts:
            raise SecretKeyMissing()
        try:
            self._fernet = MultiFernet([Fernet(k.encode()) for k in parts])
        except ValueError:
            raise ValueError(
                "HIREBRIDGE_SECRET_KEY must be Fernet keys (32 url-safe base64-encoded bytes, comma-separated); "
                "generate one with `hirebridge secret-key generate`"
            ) from None

    def seal(self, credentials: Mapping[str, Any]) -> str:
        return self._fernet.encrypt(orjson.dumps(dict(credentials))).decode()

    def open(self, token: str) -> dict[str, Any]:
        try:
            opened: dict[str, Any] = orjson.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken:
            raise CredentialsUnreadable(
                "stored credentials cannot be decrypted with HIREBRIDGE_SECRET_KEY (was the key changed? keep the old "
                "key after the new one until `hirebridge secret-key rotate` has run)"
            ) from None
        return opened

    def reseal(self, token: str) -> str:
        """The same credentials sealed with the first (newest) key."""
        return self._fernet.rotate(token.encode()).decode()


def split_secrets(config: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(plain settings, credentials) of a connector configuration."""
    plain = {k: v for k, v in config.items() if k not in SECRET_FIELDS}
    secret = {k: v for k, v in config.items() if k in SECRET_FIELDS}
    return plain, secret


_configured: Cipher | None = None


def configure(keys: str | None) -> None:
    """Set the process's cipher (from settings at start-up; tests and the demo call this)."""
    global _configured
    _configured = Cipher(keys) if keys else None


def configured() -> Cipher | None:
    return _configured


def cipher() -> Cipher:
    """The process's cipher; refuses when no key is configured."""
    if _configured is None:
        keys = get_settings().secret_key
        if not keys:
            raise SecretKeyMissing()
        configure(keys)
    assert _configured is not None
    return _configured


def demo_key(database_file: Path) -> str:
    """The demo's key: kept beside its SQLite file (mode 0600) so credentials survive a restart."""
    path = database_file.with_name(database_file.name + ".secret-key")
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(generate_key())
    return path.read_text().strip()
