"""SmartRecruiters' webhooks (Webhooks API: `POST /webhooks-api/v201907/subscriptions` with the callback URL
and the events, `PUT .../subscriptions/{id}/activation`, `POST .../subscriptions/{id}/secret-key`).

Activation is a handshake: SmartRecruiters POSTs to the URL with an `X-Hook-Secret` header and expects it
echoed in a 200 within 20 seconds (`HANDSHAKE`; the endpoint answers it without processing anything).
Every notification is then signed with the subscription's secret key: `smartrecruiters-signature:
v1=<hex>;v1=<hex>...` (one per active key and scheme), v1 being the hex HMAC-SHA256 of
`<smartrecruiters-timestamp>.<body>.<event-id>.<event-name>.<event-version>.<link>` (headers; an absent
one is empty). `tests/test_upstream_webhook_formats.py` checks this against the worked example of
SmartRecruiters' reference. An application event's body names `candidate_id` and `job_id`: the
application `<candidate id>:<job id>` is refetched (with its candidate, as write actions read back).
"""

from __future__ import annotations

from collections.abc import Mapping

from hirebridge.connectors.framework.webhooks import Event, Ref, UpstreamWebhooks, ident, json_object, signed

EVENTS = ("application.created", "application.status.updated")
HANDSHAKE = "x-hook-secret"
SIGNED_HEADERS = ("event-id", "event-name", "event-version", "link")


def verify(headers: Mapping[str, str], body: bytes, secret: str) -> bool:
    timestamp = headers.get("smartrecruiters-timestamp")
    if not timestamp:
        return False
    message = b".".join([timestamp.encode(), body, *(headers.get(name, "").encode() for name in SIGNED_HEADERS)])
    given = [part.strip() for part in headers.get("smartrecruiters-signature", "").split(";")]
    return any(signed(secret, part[3:], message) for part in given if part[:3].lower() == "v1=")


def parse(body: bytes) -> Event:
    """The body names the application; the event's name is a header, not in the body: the body's
    fields say which records to refetch, whatever the event."""
    event = json_object(body) or {}
    candidate, job = ident(event.get("candidate_id")), ident(event.get("job_id"))
    if candidate is None or job is None:
        return Event("unknown")  # an event about records HireBridge does not refetch
    return Event("application", (Ref("applications", f"{candidate}:{job}"),))


WEBHOOKS = UpstreamWebhooks(
    verify=verify,
    parse=parse,
    models=("applications",),
    events=EVENTS,
    setup="SmartRecruiters: POST /webhooks-api/v201907/subscriptions {callbackUrl: the URL, events: "
    "[application.created, application.status.updated]}, then POST .../subscriptions/{id}/secret-key (stored as "
    "the webhook secret) and PUT .../subscriptions/{id}/activation (HireBridge answers the X-Hook-Secret handshake).",
    handshake=HANDSHAKE,
)
