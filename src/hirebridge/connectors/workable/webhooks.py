"""Workable's webhooks: subscriptions made with `POST /subscriptions {target, event, args}` (scope
`r_candidates`), one per event: `candidate_created`, `candidate_moved` and `candidate_deleted`.

Workable signs the raw body: the header `X-Workable-Signature` is the hex HMAC-SHA256 of the body, keyed
with the account's API token (or an OAuth application's secret): that token is stored as the webhook
secret (workable.readme.io, "Webhook Subscriptions"). The body carries the candidate "similar to the
candidate details endpoint"; its envelope the docs do not print, so the candidate's id is read where the
integrations that consume these webhooks read it -- `data.candidate.id`, `data.id`, `candidate.id`, or the
body's own `id` when the body is the candidate -- and the event's name from `event_type` (or `type`).
An event of another resource (`employee_*`) is acknowledged and refetches nothing.

A Workable candidate is a Kombo candidate and its one application (mapping.py): both are refetched.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hirebridge.connectors.framework.webhooks import Event, Ref, UpstreamWebhooks, id_of, json_object, signed

EVENTS = ("candidate_created", "candidate_moved", "candidate_deleted")
HEADER = "x-workable-signature"


def verify(headers: Mapping[str, str], body: bytes, secret: str) -> bool:
    return signed(secret, headers.get(HEADER), body)


def _candidate_id(event: dict[str, Any]) -> str | None:
    data = event.get("data")
    if isinstance(data, dict):
        return id_of(data.get("candidate")) or id_of(data)
    if isinstance(event.get("candidate"), dict):
        return id_of(event["candidate"])
    # The body is the candidate itself (the docs' "Workable will POST a Candidate object").
    return id_of(event) if "event_type" not in event and "type" not in event else None


def parse(body: bytes) -> Event:
    event = json_object(body) or {}
    named = event.get("event_type") or event.get("type")
    name = str(named) if named else "candidate"
    candidate = _candidate_id(event)
    if (named and name not in EVENTS) or candidate is None:
        return Event(name)
    return Event(name, (Ref("applications", candidate), Ref("candidates", candidate)))


WEBHOOKS = UpstreamWebhooks(
    verify=verify,
    parse=parse,
    models=("applications", "candidates"),
    events=EVENTS,
    setup="Workable: POST /subscriptions {target: <the URL>, event: candidate_created | candidate_moved | "
    "candidate_deleted} with the account's token, once per event; store that API token as the webhook secret "
    "(Workable signs with it).",
)
