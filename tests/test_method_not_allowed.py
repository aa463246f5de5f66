"""405 Method Not Allowed names the methods the path does allow (RFC 9110 section 15.5.6: `Allow`),
across every route of the path -- not only the first one the router tried -- in Kombo's envelope."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import Engine

from tests.conftest import Server, make_tenant

ID = "26vafvWSRmbhNcxJYqjCzuJg"  # well formed; 405 is decided before any lookup


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("POST", "/v1/ats/applications", {"GET", "HEAD"}),
        # The listing and the (legacy) create-candidate action.
        ("DELETE", "/v1/ats/candidates", {"GET", "HEAD", "POST"}),
        # Two routes share this path (GET and DELETE): both count.
        ("PUT", f"/v1/integrations/{ID}", {"DELETE", "GET", "HEAD"}),
        ("POST", f"/v1/integrations/{ID}", {"DELETE", "GET", "HEAD"}),
        ("GET", f"/v1/integrations/{ID}/enabled", {"PUT"}),
        ("GET", "/v1/force-sync", {"POST"}),
        ("OPTIONS", "/v1/force-sync", {"POST"}),
        ("PATCH", f"/v1/ats/applications/{ID}/attachments", {"GET", "HEAD", "POST"}),
        ("GET", f"/v1/ats/applications/{ID}/stage", {"PUT"}),
        ("PUT", f"/v1/ats/candidates/{ID}/tags", {"DELETE", "POST"}),
        ("POST", "/v1/check-api-key", {"GET", "HEAD"}),
        ("POST", "/health", {"GET", "HEAD"}),
    ],
)
def test_405_carries_allow(server: Server, engine: Engine, method: str, path: str, allowed: set[str]) -> None:
    origin = server.base_url.removesuffix("/v1")
    tenant = make_tenant(engine)
    response = httpx.request(method, f"{origin}{path}", headers={"Authorization": f"Bearer {tenant.api_key}"})
    assert response.status_code == 405, response.text
    assert "allow" in response.headers, dict(response.headers)
    assert {m.strip() for m in response.headers["allow"].split(",")} == allowed
    body = response.json()
    assert body["status"] == "error" and body["error"]["code"] == "PLATFORM.INPUT_INVALID"
    assert method in body["error"]["message"]


def test_allowed_methods_are_answered_not_405(server: Server, engine: Engine) -> None:
    """Each method an `Allow` names is routed (whatever the answer, never 405)."""
    tenant = make_tenant(engine)
    headers = {"Authorization": f"Bearer {tenant.api_key}", "X-Integration-Id": ID}
    origin = server.base_url.removesuffix("/v1")
    with httpx.Client(headers=headers) as client:
        refused = client.put(f"{origin}/v1/integrations/{ID}")
        for method in refused.headers["allow"].split(","):
            answer = client.request(method.strip(), f"{origin}/v1/integrations/{ID}")
            assert answer.status_code != 405, method
