"""Kombo-style identifiers: 24 characters of the Bitcoin base58 alphabet.

Record ids are *derived*, not stored-then-looked-up: the same (integration, model, remote id) always
gives the same id, so a connector's references (an application's job, a candidate's tags) resolve
without a query, and ids stay stable across syncs and re-imports.
"""

from __future__ import annotations

import functools
import hashlib
import secrets

BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
ID_LENGTH = 24
_ALPHABET_SET = frozenset(BASE58_ALPHABET)
# Two base58 digits at a time, least significant first: index d0 + 58 * d1 -> alphabet[d0] + alphabet[d1].
_PAIRS = tuple(BASE58_ALPHABET[i % 58] + BASE58_ALPHABET[i // 58] for i in range(58 * 58))
# Record ids recur within a sync (every application names its job, stage and candidate): keep the
# most recent ones. ~250 bytes an entry, so this bounds the cache to a few MB.
RECORD_ID_CACHE_SIZE = 16_384


def _base58(data: bytes, length: int) -> str:
    # Encode from the least significant end: every one of the 24 characters is then uniformly
    # distributed (the leading digits of a plain big-endian encoding are not). Only the low
    # `length` digits are kept, so reduce modulo 58**length first and peel two digits per division.
    number = int.from_bytes(data, "big") % 58**length
    out = []
    for _ in range(length // 2):
        number, rem = divmod(number, 58 * 58)
        out.append(_PAIRS[rem])
    if length % 2:
        out.append(BASE58_ALPHABET[number % 58])
    return "".join(out)


@functools.lru_cache(maxsize=RECORD_ID_CACHE_SIZE)
def record_id(integration_id: str, model: str, remote_id: str) -> str:
    """The stable id of the record `remote_id` of `model` in `integration_id` (a pure function, cached)."""
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
