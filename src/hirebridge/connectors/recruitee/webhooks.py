"""Recruitee's webhooks (Settings -> Apps and plugins -> Webhooks: a URL, the events, and a secret
Recruitee shows).

Unverified (integration notes only, docs/connectors/recruitee.md): Recruitee signs the raw body, the
header `X-Recruitee-Signature: <hex HMAC-SHA256(secret, body)>`; the body is `{"id", "event_type",
"event_subtype", "payload": {...}}` where a candidate event's `payload.candidate` has the candidate's
`id` and a placement's event its `payload.placement.id` (a stage change: `event_type`
`candidate_moved`, `event_subtype` `stage_changed`, with `payload.details.from_stage` / `to_stage`).
An event names the candidate; the refresh reads the candidate, with its placements, from the
candidates list. HireBridge requires the secret (without it any request could pass as Recruitee's).
"""

from __future__ import annotations

from collections.abc import Mapping

from hirebridge.connectors.framework.webhooks import Event, Ref, UpstreamWebhooks, id_of, json_object, signed

EVENTS = (
    "new_candidate",
    "candidate_moved",
    "candidate_assigned",
    "candidate_unassigned",
    "candidate_disqualified",
    "candidate_requalified",
    "candidate_deleted",
)
HEADER = "x-recruitee-signature"


def verify(headers: Mapping[str, str], body: bytes, secret: str) -> bool:
    return signed(secret, headers.get(HEADER), body)


def parse(body: bytes) -> Event:
    event = json_object(body) or {}
    name = str(event.get("event_type") or "unknown")
    payload = event.get("payload")
    if not isinstance(payload, dict) or name not in EVENTS:
        return Event(name)  # a test delivery, or an event about records HireBridge does not refetch
    refs: list[Ref] = []
    if placement := id_of(payload.get("placement")):
        refs.append(Ref("applications", placement))
    if candidate := id_of(payload.get("candidate")):
        refs.append(Ref("candidates", candidate))
    return Event(name, tuple(refs))


WEBHOOKS = UpstreamWebhooks(
    verify=verify,
    parse=parse,
    models=("applications", "candidates"),
    events=EVENTS,
    setup="Recruitee: Settings -> Apps and plugins -> Webhooks -> New webhook, with the URL and the candidate "
    "events; store the secret Recruitee shows as the webhook secret.",
)
