"""Outgoing webhooks, Kombo's: events recorded by store.events are POSTed to the environment's
subscriptions, signed (`X-Kombo-Signature`), retried with backoff, logged per attempt
(docs/webhooks.md). `jobs/` runs `deliver_due` in its own lane, never behind a sync.
"""

from __future__ import annotations

from hirebridge.webhooks.delivery import deliver_due, deliver_due_async, new_client, retry_delay
from hirebridge.webhooks.signing import SIGNATURE_HEADER, signature, verify

__all__ = [
    "SIGNATURE_HEADER",
    "deliver_due",
    "deliver_due_async",
    "new_client",
    "retry_delay",
    "signature",
    "verify",
]
