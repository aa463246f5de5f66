"""`X-Kombo-Signature`: unpadded base64url of HMAC-SHA256 of the raw body (spec notes §7)."""

from __future__ import annotations

import pytest

from hirebridge.webhooks import signature, verify

pytestmark = pytest.mark.fast

BODY = b'{"id":"FhghqjnCi9WuAoLT8Z75CFcs","type":"data-changed"}'
# Computed apart from HireBridge: printf '%s' BODY | openssl dgst -sha256 -hmac whsec-test-secret -binary
#   | base64 | tr '+/' '-_' | tr -d '='
EXPECTED = "GQD-qS0hHquYktfOMcYC-F4A4fdoRlGw43uZczdYmAU"


def test_the_signature_is_unpadded_base64url_hmac_sha256_of_the_raw_body() -> None:
    assert signature("whsec-test-secret", BODY) == EXPECTED
    assert verify("whsec-test-secret", BODY, EXPECTED)


def test_any_change_to_body_secret_or_header_fails_verification() -> None:
    assert not verify("whsec-test-secret", BODY + b" ", EXPECTED)  # re-serialized JSON is another body
    assert not verify("whsec-test-secret2", BODY, EXPECTED)
    assert not verify("whsec-test-secret", BODY, EXPECTED + "=")  # padded: not Kombo's form
    assert not verify("whsec-test-secret", BODY, EXPECTED.replace("-", "+"))  # standard base64: not Kombo's form
