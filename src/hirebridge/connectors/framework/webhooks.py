"""Upstream webhooks: what a connector that receives its vendor's webhooks declares.

A connector that does is a `Receiver`: its class declares `webhooks` (an `UpstreamWebhooks`: how the
vendor signs a request, how an event names the records it is about, and the setup text the docs and
`hirebridge tools show` give), and its instances `refetch` records by remote id through the
connector's runtime (credentials, the shared rate limiter, retries) with the same reads and mapping
its write actions read back with.

An event is never trusted for data: it only names records (`Ref`), and the refresh fetches them
(jobs/upstream.py). So a record the source no longer has (404, `*_not_found`) is deleted by what the
source says at fetch time, whatever the event said, and events that arrive out of order, twice, or
replayed cost a fetch and change nothing wrong.

The secret is the integration's `webhook_secret` credential (sealed like its API key). It may hold
several comma-separated secrets, any of which verifies: Lever gives each webhook its own signature
token, and a rotation keeps the old secret until the vendor sends with the new one.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable

import orjson

from hirebridge.model.records import Record

__all__ = [
    "Event",
    "Receiver",
    "Ref",
    "Refetched",
    "UpstreamWebhooks",
    "hmac_sha256_hex",
    "ident",
    "json_object",
    "secrets_of",
    "signed",
]


@dataclass(frozen=True, slots=True)
class Ref:
    """A record an event is about: its unified model and the source's id."""

    model: str
    remote_id: str


@dataclass(frozen=True, slots=True)
class Event:
    """A verified event: its name at the vendor (for logs) and the records to refetch (none for a
    ping or an event about records HireBridge does not refetch)."""

    name: str
    refs: tuple[Ref, ...] = ()


@dataclass(frozen=True, slots=True)
class Refetched:
    """What a refetch found: records to write back (referenced records first) and records the
    source no longer has (model, remote id)."""

    records: tuple[Record, ...] = ()
    deleted: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class UpstreamWebhooks:
    """A vendor's webhooks. `verify(headers, body, secret)`: whether the request is signed with
    `secret` (headers keyed in lower case, the raw body); `parse(body)`: the event of a verified
    body. `models`: what `refetch` fetches. `setup`: where the vendor's webhooks are configured."""

    verify: Callable[[Mapping[str, str], bytes, str], bool]
    parse: Callable[[bytes], Event]
    models: tuple[str, ...]
    setup: str
    events: tuple[str, ...] = field(default=())  # the vendor's events that name records to refetch
    # A header whose value the endpoint echoes in a 200 to an unsigned request carrying it: the
    # vendor's check that the URL is ready before it sends events (SmartRecruiters' `X-Hook-Secret`).
    # Nothing else is done with such a request. None: no handshake.
    handshake: str | None = None


@runtime_checkable
class Receiver(Protocol):
    """A connector that receives its vendor's webhooks."""

    webhooks: ClassVar[UpstreamWebhooks]

    async def refetch(self, refs: Sequence[Ref]) -> Refetched:
        """The records `refs` name as the source has them now; SourceError when it could not tell."""
        ...


def secrets_of(secret: str) -> list[bytes]:
    """The secrets a stored `webhook_secret` holds (comma-separated)."""
    return [part.strip().encode() for part in secret.split(",") if part.strip()]


def hmac_sha256_hex(key: bytes, message: bytes) -> str:
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def signed(secret: str, given: str | None, message: bytes) -> bool:
    """Whether `given` is the hex HMAC-SHA256 of `message` under one of the secrets in `secret`,
    compared in constant time. No secret or no signature never verifies."""
    if not given:
        return False
    given = given.strip().lower()
    return any(hmac.compare_digest(hmac_sha256_hex(key, message), given) for key in secrets_of(secret))


def signed_header(headers: Mapping[str, str], name: str, prefix: str, body: bytes, secret: str) -> bool:
    """Whether header `name` is `prefix` (any case) then the hex HMAC-SHA256 of the raw body: the form
    Ashby (`Ashby-Signature: sha256=…`) and Greenhouse (`Signature: sha256 …`) sign with."""
    given = headers.get(name, "")
    if not given.lower().startswith(prefix):
        return False
    return signed(secret, given[len(prefix) :], body)


def id_of(value: Any) -> str | None:
    """The `id` of an object in an event's payload, as `ident` gives it; None for anything else."""
    return ident(value.get("id")) if isinstance(value, dict) else None


def json_object(body: bytes) -> dict[str, Any] | None:
    """The body as a JSON object, or None."""
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return parsed if isinstance(parsed, dict) else None


def ident(value: Any) -> str | None:
    """A vendor's id as the string the streams map it to (Greenhouse ids are numbers)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    return value if isinstance(value, str) and value else None
