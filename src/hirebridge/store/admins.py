"""Dashboard operators and their sessions.

Passwords are hashed with scrypt (hashlib; a memory-hard KDF, salted per admin): an operator's password
may be short and reused, unlike an API key. A session token is long and random, so its sha256 is
enough; each session carries the CSRF token its forms must send back.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from hirebridge import ids
from hirebridge.store.tables import admin_sessions, admins

# scrypt's cost: 2^14 x 8 x 128 bytes = 16 MiB and ~50 ms per check (OWASP's minimum for scrypt).
_N, _R, _P = 1 << 14, 8, 1
# Checked against when the username is unknown, so a refusal takes as long either way.
_DUMMY = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + base64.b64encode(bytes(32)).decode()


class AdminExists(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Session:
    admin_id: str
    username: str
    csrf: str


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=64 << 20, dklen=32)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = _derive(password, salt, _N, _R, _P)
    return f"scrypt${_N}${_R}${_P}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def password_matches(stored: str, password: str) -> bool:
    _scheme, n, r, p, salt, digest = stored.split("$")
    derived = _derive(password, base64.b64decode(salt), int(n), int(r), int(p))
    return hmac.compare_digest(derived, base64.b64decode(digest))


def create_admin(conn: Connection, username: str, password: str, now: datetime) -> str:
    try:
        with conn.begin_nested():
            conn.execute(
                insert(admins).values(
                    id=ids.random_id(), username=username, password_hash=hash_password(password), created_at=now
                )
            )
    except IntegrityError:
        raise AdminExists(f"an admin named {username!r} exists already") from None
    return username


def set_password(conn: Connection, username: str, password: str) -> bool:
    """Change an admin's password and end their sessions; False if there is no such admin."""
    row = conn.execute(select(admins.c.id).where(admins.c.username == username)).one_or_none()
    if row is None:
        return False
    conn.execute(update(admins).where(admins.c.id == row.id).values(password_hash=hash_password(password)))
    conn.execute(delete(admin_sessions).where(admin_sessions.c.admin_id == row.id))
    return True


def authenticate(conn: Connection, username: str, password: str) -> str | None:
    """The admin's id if the password is theirs."""
    row = conn.execute(select(admins.c.id, admins.c.password_hash).where(admins.c.username == username)).one_or_none()
    if row is None:
        password_matches(_DUMMY, password)
        return None
    return str(row.id) if password_matches(row.password_hash, password) else None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(conn: Connection, admin_id: str, now: datetime, lifetime: timedelta) -> str:
    """A new session for the admin; its token (for the cookie)."""
    token = secrets.token_urlsafe(32)
    conn.execute(
        insert(admin_sessions).values(
            token_hash=_hash(token),
            admin_id=admin_id,
            csrf=secrets.token_urlsafe(24),
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return token


def session(conn: Connection, token: str, now: datetime) -> Session | None:
    row = conn.execute(
        select(admin_sessions.c.admin_id, admin_sessions.c.csrf, admin_sessions.c.expires_at, admins.c.username)
        .join(admins, admins.c.id == admin_sessions.c.admin_id)
        .where(admin_sessions.c.token_hash == _hash(token))
    ).one_or_none()
    if row is None or row.expires_at <= now:
        return None
    return Session(row.admin_id, row.username, row.csrf)


def end_session(conn: Connection, token: str) -> None:
    conn.execute(delete(admin_sessions).where(admin_sessions.c.token_hash == _hash(token)))
