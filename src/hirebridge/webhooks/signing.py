"""`X-Kombo-Signature`: the unpadded base64url of HMAC-SHA256(key = the environment's webhook
secret, message = the raw request body), as Kombo signs (spec notes §7). docs/webhooks.md gives the
receiver's side; `verify` is the same check."""

from __future__ import annotations

import base64
import hashlib
import hmac

SIGNATURE_HEADER = "X-Kombo-Signature"


def signature(secret: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def verify(secret: str, body: bytes, header: str) -> bool:
    """Whether `header` is the signature of `body` (constant-time comparison)."""
    return hmac.compare_digest(signature(secret, body), header)
