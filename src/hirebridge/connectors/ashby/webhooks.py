"""Ashby's webhooks (Admin -> Integrations -> Webhooks: one webhook per event type, each with a URL and
an optional secret token).

Ashby signs the raw body: the header `Ashby-Signature: sha256=<hex HMAC-SHA256(secret token, body)>`.
The body is `{"action": <event>, "data": {...}}`; an application event's `data.application` has the
application's `id` and its `candidate.id`, a candidate event's `data.candidate` its `id`. Ashby sends
`{"action": "ping"}` when a webhook is set up: it is answered 200 and refetches nothing. HireBridge
requires the secret token (without it any request could pass as Ashby's).
"""

from __future__ import annotations

from collections.abc import Mapping

from hirebridge.connectors.framework.webhooks import (
    Event,
    Ref,
    UpstreamWebhooks,
    id_of,
    json_object,
    signed_header,
)

EVENTS = (
    "applicationSubmit",
    "applicationUpdate",
    "candidateHire",
    "candidateStageChange",
    "candidateDelete",
    "candidateMerge",
)
PREFIX = "sha256="


def verify(headers: Mapping[str, str], body: bytes, secret: str) -> bool:
    return signed_header(headers, "ashby-signature", PREFIX, body, secret)


def parse(body: bytes) -> Event:
    event = json_object(body) or {}
    name = str(event.get("action") or "unknown")
    data = event.get("data")
    if not isinstance(data, dict) or name not in EVENTS:
        return Event(name)  # ping, or an event about records HireBridge does not refetch
    refs: list[Ref] = []
    application = data.get("application")
    if application_id := id_of(application):
        refs.append(Ref("applications", application_id))
    for candidate in (application.get("candidate") if isinstance(application, dict) else None, data.get("candidate")):
        if candidate_id := id_of(candidate):
            refs.append(Ref("candidates", candidate_id))
    return Event(name, tuple(dict.fromkeys(refs)))


WEBHOOKS = UpstreamWebhooks(
    verify=verify,
    parse=parse,
    models=("applications", "candidates"),
    events=EVENTS,
    setup="Ashby: Admin -> Integrations -> Webhooks -> New, one per event type, each with the URL and the same "
    "secret token (stored as the webhook secret).",
)
