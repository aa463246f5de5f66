"""Integration credentials, encrypted at rest.

Credentials (API keys, OAuth tokens) are sealed with Fernet (AES-128-CBC + HMAC-SHA256, from the
`cryptography` package) before they reach the database, and opened only where a connector is built
for a sync. Nothing asks for a key until a credential is sealed or opened: a sandbox, which has no
credentials, is created, synced and served without one.

Where the key comes from, for every command and process alike:
1. `HIREBRIDGE_SECRET_KEY`: one key, or several comma-separated — the first seals, all of them open;
   that is how a key is rotated (add the new key in front, run `hirebridge secret-key rotate`, then
   drop the old one).
2. Else the database's key file, `<SQLite file>.secret-key` beside a SQLite database (for another
   database `hirebridge.secret-key` in the working directory). `hirebridge demo` writes it (mode 0600)
   when no key is set, so that a trial needs no set-up, and every later command on the same database
   finds it — no export needed.
3. Else there is no key, and sealing or opening a credential raises `SecretKeyMissing`: HireBridge
   does not store a customer's credentials in the clear.

A key file and a `HIREBRIDGE_SECRET_KEY` that does not hold its key contradict each other (typically:
the variable was exported after `hirebridge demo` had sealed credentials with the file's key):
`configure_for` refuses with `SecretKeyConflict`, naming the file, instead of failing later on
credentials it cannot open.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import make_url

from hirebridge.config import get_settings

# Config keys whose values are credentials: they are split off the integration's (plain) settings and sealed.
SECRET_FIELDS = frozenset(
    {
        "api_key",
        "access_token",
        "refresh_token",
        "client_secret",
        "password",
        "token",
        "private_key",
        "webhook_secret",
        "recruiting_token",  # Personio's v1 recruiting API token
    }
)
ENV_SOURCE = "HIREBRIDGE_SECRET_KEY"
KEY_FILE_SUFFIX = ".secret-key"


class CredentialsUnreadable(RuntimeError):
    """Stored credentials cannot be opened with the configured key(s) (key changed or lost)."""


class SecretKeyMissing(CredentialsUnreadable):
    """No key is configured: credentials can be neither sealed nor opened."""

    def __init__(self, key_file: Path | None = None) -> None:
        where = f" and there is no key file {key_file.resolve()}" if key_file is not None else ""
        super().__init__(
            f"HIREBRIDGE_SECRET_KEY is not set{where}: HireBridge encrypts integration credentials with it and "
            "will not store them in the clear. Generate one with `hirebridge secret-key generate` and set it in "
            "the environment of every HireBridge process (API and workers)."
        )


class SecretKeyConflict(RuntimeError):
    """HIREBRIDGE_SECRET_KEY is set but does not hold the key of the database's key file."""


def generate_key() -> str:
    return Fernet.generate_key().decode()


class Cipher:
    def __init__(self, keys: str, source: str = ENV_SOURCE) -> None:
        parts = [k.strip() for k in keys.split(",") if k.strip()]
        if not parts:
            raise SecretKeyMissing()
        self.source = source  # where the keys came from, for error messages
        self.keys = tuple(parts)
        try:
            self._fernet = MultiFernet([Fernet(k.encode()) for k in parts])
        except ValueError:
            raise ValueError(
                f"{source} must hold Fernet keys (32 url-safe base64-encoded bytes, comma-separated); "
                "generate one with `hirebridge secret-key generate`"
            ) from None

    def seal(self, credentials: Mapping[str, Any]) -> str:
        return self._fernet.encrypt(orjson.dumps(dict(credentials))).decode()

    def open(self, token: str) -> dict[str, Any]:
        try:
            opened: dict[str, Any] = orjson.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken:
            if self.source == ENV_SOURCE:
                hint = (
                    "was the key changed? keep the old key after the new one until `hirebridge secret-key rotate` "
                    "has run"
                )
            else:
                hint = "set HIREBRIDGE_SECRET_KEY to the key they were sealed with"
            raise CredentialsUnreadable(
                f"stored credentials cannot be decrypted with the key from {self.source} ({hint})"
            ) from None
        return opened

    def can_open(self, token: str) -> bool:
        try:
            self._fernet.decrypt(token.encode())
        except InvalidToken:
            return False
        return True

    def reseal(self, token: str) -> str:
        """The same credentials sealed with the first (newest) key."""
        return self._fernet.rotate(token.encode()).decode()


def split_secrets(config: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(plain settings, credentials) of a connector configuration."""
    plain = {k: v for k, v in config.items() if k not in SECRET_FIELDS}
    secret = {k: v for k, v in config.items() if k in SECRET_FIELDS}
    return plain, secret


def beside_database(database_url: str, suffix: str) -> Path:
    """A file that belongs to a database: `<file><suffix>` beside a SQLite file, else `hirebridge<suffix>`
    in the working directory (where `hirebridge demo` keeps its key files)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        database = Path(url.database)
        return database.with_name(database.name + suffix)
    return Path("hirebridge" + suffix)


def key_file(database_url: str) -> Path:
    """The database's key file (see the module docstring)."""
    return beside_database(database_url, KEY_FILE_SUFFIX)


def _read_key_file(path: Path) -> str:
    return path.read_text().strip()


def write_private_file(path: Path, text: str) -> None:
    """Write `text` to `path`, readable by its owner only (mode 0600 before any byte is written)."""
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(text + "\n")


_configured: Cipher | None = None


def configure(keys: str | None, source: str = ENV_SOURCE) -> None:
    """Set the process's cipher (tests call this; processes use `configure_for`)."""
    global _configured
    _configured = Cipher(keys, source) if keys else None


def configure_for(database_url: str, keys: str | None, *, create: bool = False) -> None:
    """Set the process's cipher for `database_url`: from `keys` (HIREBRIDGE_SECRET_KEY) if set, else
    from the database's key file — created first when `create` (the demo). Leaves no cipher when
    there is neither (sealing or opening then raises SecretKeyMissing).

    Raises SecretKeyConflict when `keys` is set but does not hold the key file's key, and ValueError
    when a key is malformed."""
    path = key_file(database_url)
    if keys:
        if path.exists():
            file_key = _read_key_file(path)
            if file_key not in [k.strip() for k in keys.split(",")]:
                raise SecretKeyConflict(
                    f"HIREBRIDGE_SECRET_KEY is set, but this database has its own key file, {path.resolve()} "
                    "(written by `hirebridge demo`; its credentials are sealed with that key), and "
                    "HIREBRIDGE_SECRET_KEY does not hold that key. "
                    "Either unset HIREBRIDGE_SECRET_KEY (every command finds the key file by itself), or move to "
                    "your key: `HIREBRIDGE_SECRET_KEY=<your key>,<the file's key> hirebridge secret-key rotate`, "
                    "then delete the file and keep only your key. If the file is left over from a database "
                    "that no longer exists, delete it."
                )
        configure(keys, ENV_SOURCE)
        return
    if not path.exists() and create:
        write_private_file(path, generate_key())
    if path.exists():
        configure(_read_key_file(path), f"the key file {path.resolve()}")
    else:
        configure(None)


def configured() -> Cipher | None:
    return _configured


def cipher() -> Cipher:
    """The process's cipher; found from the settings on first use, refused when there is no key."""
    if _configured is None:
        settings = get_settings()
        configure_for(settings.database_url, settings.secret_key)
        if _configured is None:
            raise SecretKeyMissing(key_file(settings.database_url))
    assert _configured is not None
    return _configured
