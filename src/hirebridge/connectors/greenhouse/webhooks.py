"""Greenhouse's web hooks (Configure -> Dev Center -> Web Hooks: one web hook per event, each with an
endpoint URL and a secret key).

Greenhouse signs the raw body: the header `Signature: sha256 <hex HMAC-SHA256(secret key, body)>`.
The body is `{"action": <event>, "payload": {...}}`; application events carry `payload.application`
(its `id`, and its candidate as `candidate.id` or `candidate_id`), candidate events
`payload.candidate.id`. Greenhouse sends `{"action": "ping", ...}` when a web hook is created: it is
answered 200 and refetches nothing. The payload of the deletion events (`delete_application`,
`delete_candidate`) is read the same way, with `application_id` / `candidate_id` at the top of the
payload also taken (docs/upstream-webhooks.md says what was verified and what inferred).
"""

from __future__ import annotations

from collections.abc import Mapping

from hirebridge.connectors.framework.webhooks import (
    Event,
    Ref,
    UpstreamWebhooks,
    id_of,
    ident,
    json_object,
    signed_header,
)

EVENTS = (
    "new_candidate_application",
    "application_updated",
    "candidate_stage_change",
    "reject_candidate",
    "unreject_candidate",
    "hire_candidate",
    "candidate_hired",  # the name some receivers' examples show for hire_candidate
    "update_candidate",
    "candidate_merged",
    "delete_application",
    "delete_candidate",
    "prospect_created",
)
PREFIX = "sha256 "


def verify(headers: Mapping[str, str], body: bytes, secret: str) -> bool:
    return signed_header(headers, "signature", PREFIX, body, secret)


def parse(body: bytes) -> Event:
    event = json_object(body) or {}
    name = str(event.get("action") or "unknown")
    payload = event.get("payload")
    if not isinstance(payload, dict) or name not in EVENTS:
        return Event(name)  # ping, or an event about records HireBridge does not refetch
    refs: list[Ref] = []
    application = payload.get("application")
    application = application if isinstance(application, dict) else {}
    for application_id in (id_of(application), ident(payload.get("application_id"))):
        if application_id:
            refs.append(Ref("applications", application_id))
    candidates = (
        id_of(application.get("candidate")),
        ident(application.get("candidate_id")),
        id_of(payload.get("candidate")),
        ident(payload.get("candidate_id")),
    )
    refs += [Ref("candidates", candidate_id) for candidate_id in candidates if candidate_id]
    return Event(name, tuple(dict.fromkeys(refs)))


WEBHOOKS = UpstreamWebhooks(
    verify=verify,
    parse=parse,
    models=("applications", "candidates"),
    events=EVENTS,
    setup="Greenhouse: Configure -> Dev Center -> Web Hooks -> Create new web hook, one per event, each with the "
    "URL and the same secret key (stored as the webhook secret).",
)
