"""Teamtailor's company webhooks (Settings -> Integrations -> Webhooks, once Teamtailor has enabled the
feature for the company; each webhook shows its generated signature key).

The body is `{"payload": {"event_name": "<resource>.<action>", "data": {id, type, attributes}},
"signature": "<base64>"}` (partner.teamtailor.com/company_webhooks). The events HireBridge refetches
for are `candidate.create|update|destroy` and `job_application.create|update|destroy` (`data.id` with
`data.type` `candidates` / `job-applications`); `job.*` and the others are acknowledged and refetch
nothing. A destroy is refetched like the rest: the source's 404 then says the record is gone.

The signature is in the body, next to the payload it signs. The docs' example decodes to 64 hex digits:
the base64 of a hex HMAC-SHA256. What exactly is hashed the reachable part of the docs does not say;
HireBridge takes it to be the `payload` as sent -- the raw bytes between `{"payload":` and
`,"signature":` when the body is laid out so, else the payload's compact JSON -- under the signature
key (docs/upstream-webhooks.md says this is inferred). Since the signature covers the payload, a
tampered event does not verify.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping

import orjson

from hirebridge.connectors.framework.webhooks import Event, Ref, UpstreamWebhooks, ident, json_object, signed

EVENTS = (
    "candidate.create",
    "candidate.update",
    "candidate.destroy",
    "job_application.create",
    "job_application.update",
    "job_application.destroy",
)
MODELS = {"candidates": "candidates", "job-applications": "applications"}
_HEAD, _TAIL = b'{"payload":', b',"signature":'


def signed_messages(body: bytes, payload: object) -> list[bytes]:
    """What the signature may be over: the payload's raw bytes, as sent, and its compact JSON."""
    messages = [orjson.dumps(payload)]
    stripped = body.strip()
    if stripped.startswith(_HEAD) and _TAIL in stripped:
        raw = stripped[len(_HEAD) : stripped.rindex(_TAIL)].strip()
        if raw not in messages:
            messages.insert(0, raw)
    return messages


def verify(headers: Mapping[str, str], body: bytes, secret: str) -> bool:
    del headers  # Teamtailor's signature is in the body
    event = json_object(body)
    if event is None or not isinstance(event.get("payload"), dict) or not isinstance(event.get("signature"), str):
        return False
    try:
        given = base64.b64decode(event["signature"], validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return any(signed(secret, given, message) for message in signed_messages(body, event["payload"]))


def parse(body: bytes) -> Event:
    payload = (json_object(body) or {}).get("payload")
    payload = payload if isinstance(payload, dict) else {}
    name = str(payload.get("event_name") or "unknown")
    data = payload.get("data")
    if name not in EVENTS or not isinstance(data, dict):
        return Event(name)
    model, remote_id = MODELS.get(str(data.get("type"))), ident(data.get("id"))
    return Event(name, (Ref(model, remote_id),) if model and remote_id else ())


WEBHOOKS = UpstreamWebhooks(
    verify=verify,
    parse=parse,
    models=("applications", "candidates"),
    events=EVENTS,
    setup="Teamtailor: Settings -> Integrations -> Webhooks -> New webhook (Teamtailor enables the feature on "
    "request) with the URL and the candidate and job application events; store its signature key as the "
    "webhook secret.",
)
