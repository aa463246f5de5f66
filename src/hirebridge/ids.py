"""Kombo-style identifiers: 24 characters of the Bitcoin base58 alphabet.

Record ids are *derived*, not stored-then-looked-up: the same (integration, model, remote id) always
gives the same id, so a connector's references (an application's job, a candidate's tags) resolve
without a query, and ids stay stable across syncs and re-imports.
"""

from __future__ import annotations

import hashlib
import secrets

BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
ID_LENGTH = 24
_ALPHABET_SET = frozenset(BASE58_ALPHABET)


def _base58(data: bytes, length: int) -> str:
    # Encode from the least significant end: every one of the 24 characters is then uniformly
    # distributed (the leading digits of a plain big-endian encoding are not).
    number = int.from_bytes(data, "big")
    out = []
    for _ in range(length):
        number, rem = divmod(number, 58)
        out.append(BASE58_ALPHABET[rem])
    return "".join(out)


def record_id(integration_id: str, model: str, remote_id: str) -> str:
    """The stable id of the record `remote_id` of `model` in `integration_id`."""
    digest = hashlib.sha256(f"{integration_id}\x1f{model}\x1f{remote_id}".encode()).digest()
    return _base58(digest, ID_LENGTH)


def random_id() -> str:
    """A fresh random id (environments, sync runs, the random part of integration ids)."""
    return _base58(secrets.token_bytes(32), ID_LENGTH)


def new_integration_id(tool: str) -> str:
    return f"{tool}:{random_id()}"


def is_well_formed(value: str) -> bool:
    """True when `value` has the shape of a Kombo id (24 base58 characters)."""
    return len(value) == ID_LENGTH and set(value) <= _ALPHABET_SET
