"""Lever's webhooks (Settings -> Integrations and API -> Webhooks, or `POST /webhooks`).

Lever signs the event, not the request: the JSON body carries `token` (random per request),
`triggeredAt` (epoch ms) and `signature`, the hex HMAC-SHA256 of `token + triggeredAt` under the
webhook's signature token (Lever shows one per webhook). The body's `event` names what happened and
`data` the records: `opportunityId` (an application; `candidateId` is its legacy name, the same id)
and `contactId` (the person, Kombo's candidate). Which events name which ids is in
docs/upstream-webhooks.md; an event without them (or an unknown one) refetches nothing.

Since only `token + triggeredAt` is signed, the `event` and `data` of a request are not covered by
the signature: a captured request could be replayed with other ids. It can only make HireBridge
refetch records (the data always comes from Lever's API), so this is harmless, and is said in the
docs.
"""

from __future__ import annotations

from collections.abc import Mapping

from hirebridge.connectors.framework.webhooks import Event, Ref, UpstreamWebhooks, ident, json_object, signed

EVENTS = (
    "applicationCreated",
    "candidateStageChange",
    "candidateArchiveChange",
    "candidateHired",
    "candidateDeleted",
    "interviewCreated",
    "interviewUpdated",
    "interviewDeleted",
    "contactCreated",
    "contactUpdated",
)


def verify(headers: Mapping[str, str], body: bytes, secret: str) -> bool:
    del headers  # Lever's signature is in the body
    event = json_object(body)
    if event is None:
        return False
    token, triggered = event.get("token"), event.get("triggeredAt")
    if not isinstance(token, str) or isinstance(triggered, bool) or not isinstance(triggered, int | str):
        return False
    signature = event.get("signature")
    return signed(secret, signature if isinstance(signature, str) else None, f"{token}{triggered}".encode())


def parse(body: bytes) -> Event:
    event = json_object(body) or {}
    name = str(event.get("event") or "unknown")
    data = event.get("data")
    if not isinstance(data, dict) or name not in EVENTS:
        return Event(name)
    refs: list[Ref] = []
    if opportunity := ident(data.get("opportunityId")) or ident(data.get("candidateId")):
        refs.append(Ref("applications", opportunity))
    if contact := ident(data.get("contactId")):
        refs.append(Ref("candidates", contact))
    return Event(name, tuple(refs))


WEBHOOKS = UpstreamWebhooks(
    verify=verify,
    parse=parse,
    models=("applications", "candidates"),
    events=EVENTS,
    setup="Lever: Settings -> Integrations and API -> Webhooks; enable the events, each with the URL; store each "
    "event's signature token as the webhook secret (comma-separated when they differ).",
)
