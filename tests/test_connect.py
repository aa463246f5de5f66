"""Kombo Connect over HTTP: the link endpoints through the official SDK, and the hosted page's whole flow
against the Lever emulator -- a good key creates the integration and queues its sync, a bad one shows an
error and creates nothing, a link works once -- on both databases. (In a real browser:
tests/test_connect_browser.py.)"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import orjson
import pytest
from kombo import Kombo, models
from kombo.errors import KomboGeneralError
from sqlalchemy import Engine, insert, select

from hirebridge import ids
from hirebridge.api.app import create_app
from hirebridge.api.connect_page import vendor_domain
from hirebridge.config import Settings
from hirebridge.connectors.registry import TOOLS
from hirebridge.store import connect, events, sync_runs, tenancy
from hirebridge.store.db import read_tx, write_tx
from hirebridge.store.tables import webhook_events, webhook_subscriptions
from hirebridge.timefmt import utc_now
from tests.conftest import Server, Tenant, make_tenant, serving
from tests.contract import validate
from tests.emulators.lever import LeverEmulator

KEY = "connect-test-lever-key"


@dataclass(frozen=True)
class Flow:
    server: Server
    tenant: Tenant
    lever_url: str
    emulator: LeverEmulator

    @property
    def root(self) -> str:
        return self.server.base_url.removesuffix("/v1")

    def sdk(self) -> Kombo:
        return Kombo(api_key=self.tenant.api_key, server_url=self.server.base_url)

    def api(self, method: str, path: str, body: Any = None) -> httpx.Response:
        return httpx.request(
            method,
            f"{self.server.base_url}{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.tenant.api_key}"},
        )


@pytest.fixture
def flow(engine: Engine, server: Server) -> Iterator[Flow]:
    tenant = make_tenant(engine)
    with write_tx(engine) as conn:  # a subscriber, so the flow's events are recorded
        conn.execute(
            insert(webhook_subscriptions).values(
                id=ids.random_id(),
                environment_id=tenant.environment.id,
                url="http://127.0.0.1:9/hooks",
                event_types=orjson.dumps(list(events.EVENT_TYPES)).decode(),
                enabled=True,
                created_at=utc_now(),
            )
        )
    emulator = LeverEmulator(seed=3, opportunities=3, api_key=KEY, rate=None)
    with emulator.running() as url:
        yield Flow(server, tenant, url, emulator)


def token_of(link: str) -> str:
    assert link.startswith("http://127.0.0.1:8000/connect?token=")  # HIREBRIDGE_PUBLIC_URL's default
    return parse_qs(urlparse(link).query)["token"][0]


def create_link(flow: Flow, **extra: Any) -> str:
    response = flow.sdk().connect.create_connection_link(
        end_user_email="it@acme.example",
        end_user_organization_name="Acme Corp",
        end_user_origin_id="acme-42",
        integration_category="ATS",
        **extra,
    )
    return token_of(response.data.link)


class Browser:
    """A client that keeps cookies, like a browser (httpx.Client)."""

    def __init__(self, flow: Flow) -> None:
        self.flow = flow
        self.client = httpx.Client(base_url=flow.root)

    def open(self, token: str, tool: str | None = None) -> httpx.Response:
        params = {"token": token, **({"tool": tool} if tool else {})}
        return self.client.get("/connect", params=params)

    def submit(self, page: httpx.Response, values: dict[str, str]) -> httpx.Response:
        hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.text))
        return self.client.post("/connect", data={**hidden, **values})


def recorded(engine: Engine, event_type: str) -> list[dict[str, Any]]:
    with read_tx(engine) as conn:
        rows = conn.execute(select(webhook_events.c.body).where(webhook_events.c.type == event_type)).scalars()
        return [orjson.loads(body) for body in rows]


def integrations_of(engine: Engine, tenant: Tenant) -> list[tenancy.Integration]:
    with read_tx(engine) as conn:
        return tenancy.list_integrations(conn, tenant.environment)


def test_a_customer_connects_lever_with_a_link(engine: Engine, flow: Flow) -> None:
    token = create_link(flow)
    browser = Browser(flow)
    picker = browser.open(token)
    assert picker.status_code == 200 and "Choose your ATS" in picker.text and "Lever" in picker.text
    form = browser.open(token, "lever")
    assert form.status_code == 200 and 'type="password"' in form.text and 'name="api_key"' in form.text
    done = browser.submit(form, {"api_key": KEY, "base_url": flow.lever_url})
    assert done.status_code == 200, done.text
    assert "Lever is connected" in done.text and KEY not in done.text
    activation = re.search(r'<code id="activation-token">([\w-]+)</code>', done.text)
    assert activation is not None

    [integration] = integrations_of(engine, flow.tenant)
    assert (integration.tool, integration.end_user_organization_name) == ("lever", "Acme Corp")
    assert (integration.end_user_email, integration.end_user_origin_id) == ("it@acme.example", "acme-42")
    assert integration.connector_config()["api_key"] == KEY  # stored sealed, opened here
    with read_tx(engine) as conn:
        [run] = sync_runs.list_runs(conn, integration.id)
    assert (run.kind, run.state) == ("FULL", "QUEUED")  # the first sync is queued at once

    # The API user's backend exchanges the activation token for the integration.
    exchanged = flow.sdk().connect.get_integration_by_token(token=activation.group(1))
    assert exchanged.data.id == integration.id and exchanged.data.tool == "lever"
    assert exchanged.data.end_user_origin_id == "acme-42"
    assert exchanged.data.setup_status == "FINAL_SYNC_PENDING"
    activated = flow.api("POST", "/connect/activate-integration", {"token": activation.group(1)})
    assert activated.status_code == 200 and activated.json()["data"]["id"] == integration.id
    validate("/connect/activate-integration", activated.json(), method="post")
    [created] = recorded(engine, events.INTEGRATION_CREATED)
    models.IntegrationCreatedWebhookPayload.model_validate(created)
    assert created["data"]["end_user"] == {
        "organization_name": "Acme Corp",
        "creator_email": "it@acme.example",
        "origin_id": "acme-42",
    }

    # The link worked once.
    again = browser.open(token)
    assert again.status_code == 400 and "already been used" in again.text


def test_a_wrong_key_is_shown_and_nothing_is_created(engine: Engine, flow: Flow) -> None:
    token = create_link(flow, integration_tool="lever")
    browser = Browser(flow)
    form = browser.open(token)  # the link names the tool: straight to its form
    assert "Connect Lever" in form.text
    refused = browser.submit(form, {"api_key": "wrong-key-do-not-echo", "base_url": flow.lever_url})
    assert refused.status_code == 400
    assert "did not accept these credentials" in refused.text
    assert "wrong-key-do-not-echo" not in refused.text  # a secret is never written back
    assert flow.lever_url in refused.text  # a plain setting is kept
    assert integrations_of(engine, flow.tenant) == []
    [failed] = recorded(engine, events.CONNECTION_FLOW_FAILED)
    models.ConnectionFlowFailedWebhookPayload.model_validate(failed)
    assert failed["data"]["integration_tool"] == "lever"
    # The customer corrects the key: the same link still works.
    done = browser.submit(refused, {"api_key": KEY, "base_url": flow.lever_url})
    assert done.status_code == 200 and len(integrations_of(engine, flow.tenant)) == 1


def test_an_unreachable_source_and_a_malformed_setting_are_explained(flow: Flow) -> None:
    token = create_link(flow, integration_tool="lever")
    browser = Browser(flow)
    form = browser.open(token)
    unreachable = browser.submit(form, {"api_key": KEY, "base_url": "http://127.0.0.1:9/v1"})
    assert unreachable.status_code == 400 and "could not be reached" in unreachable.text
    malformed = browser.submit(form, {"api_key": KEY, "base_url": "not a url"})
    assert malformed.status_code == 400 and 'aria-invalid="true"' in malformed.text


@contextmanager
def connect_page_as_deployed(engine: Engine, flow: Flow) -> Iterator[tuple[Browser, str]]:
    """The connect page with the default `connect_any_api_url=False` (the suite's own server allows
    any URL, for its emulators): a browser and a link for Lever."""
    with serving(create_app(engine, settings=Settings(connect_any_api_url=False))) as server:
        closed = Flow(server, flow.tenant, flow.lever_url, flow.emulator)
        yield Browser(closed), create_link(closed, integration_tool="lever")


@pytest.mark.parametrize(
    "address",
    [
        "{lever}",  # the emulator, on loopback
        "http://10.0.0.7/v1",
        "http://169.254.169.254/latest/meta-data",
        "http://localhost:8080/v1",
        "https://attacker.example/v1",  # a name of the customer's own, which they could point anywhere later
        "https://lever.co.attacker.example/v1",
        "https://notlever.co/v1",
    ],
)
def test_the_connect_page_takes_an_api_url_only_on_the_vendors_own_domain(
    engine: Engine, flow: Flow, address: str
) -> None:
    """Whoever holds a link may fill the API URL under Advanced: it is refused on its field, before
    anything is sent there, unless it is on the vendor's domain (the emulator sees nothing)."""
    with connect_page_as_deployed(engine, flow) as (browser, token):
        form = browser.open(token)
        refused = browser.submit(form, {"api_key": KEY, "base_url": address.format(lever=flow.lever_url)})
        assert refused.status_code == 400
        refusal = "API base URL (base_url) must be an address under lever.co, Lever&#x27;s own domain."
        assert refusal in refused.text, refused.text
        assert re.search(r'name="base_url"[^>]*aria-invalid="true"', refused.text), refused.text
        assert flow.emulator.requests == [] and integrations_of(engine, flow.tenant) == []
        # The form's default address is the vendor's own API, sent back as it was: not judged (no lookup).
        assert 'value="https://api.lever.co/v1"' in form.text


def test_a_vendor_host_that_resolves_to_a_private_address_is_refused(
    engine: Engine, flow: Flow, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        if host == "api.eu.lever.co":  # a vendor's name answering a private address (misconfigured DNS)
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("10.9.8.7", 443))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with connect_page_as_deployed(engine, flow) as (browser, token):
        refused = browser.submit(browser.open(token), {"api_key": KEY, "base_url": "https://api.eu.lever.co/v1"})
        assert refused.status_code == 400
        assert "must be a public address (api.eu.lever.co resolves to a private" in refused.text, refused.text
        assert integrations_of(engine, flow.tenant) == []


@pytest.mark.parametrize("tool", sorted(t for t in TOOLS if "base_url" in TOOLS[t].config))
def test_every_tools_api_url_may_move_only_within_its_vendors_domain(tool: str) -> None:
    default = str(TOOLS[tool].config["base_url"].default)
    domain = vendor_domain(default)
    assert domain.count(".") >= 1, domain  # never a bare suffix such as "com"
    assert (urlparse(default).hostname or "").endswith(domain)


def test_a_vendor_domain_is_the_default_host_without_its_first_label() -> None:
    assert {vendor_domain("https://api.lever.co/v1"), vendor_domain("https://{subdomain}.workable.com/spi/v3")} == {
        "lever.co",
        "workable.com",
    }
    assert vendor_domain("https://example.com/api") == "example.com"


def test_a_form_without_its_csrf_token_is_refused(engine: Engine, flow: Flow) -> None:
    token = create_link(flow, integration_tool="lever")
    Browser(flow).open(token)
    forged = httpx.post(  # another site posting the form: no cookie to match
        f"{flow.root}/connect",
        data={"token": token, "tool": "lever", "csrf": "guess", "api_key": KEY, "base_url": flow.lever_url},
    )
    assert forged.status_code == 403
    assert integrations_of(engine, flow.tenant) == []


def test_expired_and_unknown_links_are_refused(engine: Engine, flow: Flow) -> None:
    with write_tx(engine) as conn:
        expired = connect.create_link(
            conn,
            flow.tenant.environment,
            now=utc_now() - timedelta(hours=2),
            lifetime=timedelta(hours=1),
            link_type="EMBEDDED",
            language="en",
            organization_name="Acme Corp",
            email=None,
        )
    browser = Browser(flow)
    assert "expired" in browser.open(expired).text
    assert "not valid" in browser.open("no-such-token").text


def test_the_activation_token_is_bound_to_its_environment(engine: Engine, flow: Flow) -> None:
    token = create_link(flow, integration_tool="lever")
    browser = Browser(flow)
    done = browser.submit(browser.open(token), {"api_key": KEY, "base_url": flow.lever_url})
    activation = re.search(r'<code id="activation-token">([\w-]+)</code>', done.text)
    assert activation is not None
    other = make_tenant(engine, "other")
    response = httpx.get(
        f"{flow.server.base_url}/connect/integration-by-token/{activation.group(1)}",
        headers={"Authorization": f"Bearer {other.api_key}"},
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "PLATFORM.INTEGRATION_NOT_FOUND"


def test_relink_stores_new_credentials(engine: Engine, flow: Flow) -> None:
    token = create_link(flow, integration_tool="lever")
    browser = Browser(flow)
    browser.submit(browser.open(token), {"api_key": KEY, "base_url": flow.lever_url})
    [integration] = integrations_of(engine, flow.tenant)
    with write_tx(engine) as conn:  # the source rejected the old key
        tenancy.set_credentials_invalid(conn, integration.id, utc_now())
    flow.emulator.api_key = "rotated-key"  # the customer rotated it at Lever
    link = flow.sdk().general.create_reconnection_link(integration_id=integration.id).data.link
    form = browser.open(token_of(link))
    assert "Reconnect Lever" in form.text and 'name="base_url"' not in form.text  # credentials only
    done = browser.submit(form, {"api_key": "rotated-key"})
    assert done.status_code == 200, done.text
    [after] = integrations_of(engine, flow.tenant)
    assert after.id == integration.id and after.status == "ACTIVE"
    assert after.connector_config() == {**integration.connector_config(), "api_key": "rotated-key"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"end_user_organization_name": "Acme", "integration_category": "ATS"}, "'end_user_email' is required"),
        ({"end_user_email": "x", "end_user_organization_name": "Acme", "integration_category": "ATS"}, "email"),
        ({"end_user_email": "a@b.example", "end_user_organization_name": "Acme"}, "ATS tools only"),
        (
            {
                "end_user_email": "a@b.example",
                "end_user_organization_name": "A",
                "integration_category": "ATS",
                "integration_tool": "workday",
            },
            "not a tool HireBridge connects",
        ),
        (
            {
                "end_user_email": "a@b.example",
                "end_user_organization_name": "A",
                "integration_category": "ATS",
                "enable_field_mapping": True,
            },
            "'enable_field_mapping' is not supported",
        ),
        (
            {
                "end_user_email": "a@b.example",
                "end_user_organization_name": "A",
                "integration_category": "ATS",
                "colour": "blue",
            },
            "'colour' is not part of this request's schema",
        ),
    ],
)
def test_create_link_refuses_what_it_cannot_do(flow: Flow, body: dict[str, Any], message: str) -> None:
    response = flow.api("POST", "/connect/create-link", body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "PLATFORM.INPUT_INVALID" and message in error["message"]


def test_create_link_needs_an_api_key(flow: Flow) -> None:
    response = httpx.post(f"{flow.server.base_url}/connect/create-link", json={})
    assert response.status_code == 401


def test_a_magic_link_lives_a_year_and_an_embedded_one_an_hour(engine: Engine, flow: Flow) -> None:
    create_link(flow, link_type="MAGIC_LINK")
    create_link(flow)
    from hirebridge.store.tables import connect_links

    with read_tx(engine) as conn:
        rows = conn.execute(select(connect_links.c.link_type, connect_links.c.created_at, connect_links.c.expires_at))
        lifetimes = {row.link_type: row.expires_at - row.created_at for row in rows}
    assert lifetimes == {"MAGIC_LINK": timedelta(days=365), "EMBEDDED": timedelta(hours=1)}


def test_setup_link_says_there_is_no_setup_step(engine: Engine, flow: Flow) -> None:
    token = create_link(flow, integration_tool="lever")
    browser = Browser(flow)
    browser.submit(browser.open(token), {"api_key": KEY, "base_url": flow.lever_url})
    [integration] = integrations_of(engine, flow.tenant)
    with pytest.raises(KomboGeneralError) as refused:
        flow.sdk().general.create_setup_link(integration_id=integration.id, link_type="EMBEDDED")
    assert "no setup step" in str(refused.value) and refused.value.data.error.code == "PLATFORM.INPUT_INVALID"


def test_another_environments_integration_is_not_found(engine: Engine, flow: Flow) -> None:
    """Relink, setup-link and the custom-field endpoints resolve the integration in the caller's
    environment only: another environment's integration is 404, as if it did not exist."""
    token = create_link(flow, integration_tool="lever")
    browser = Browser(flow)
    browser.submit(browser.open(token), {"api_key": KEY, "base_url": flow.lever_url})
    [integration] = integrations_of(engine, flow.tenant)
    other = make_tenant(engine, "other")
    headers = {"Authorization": f"Bearer {other.api_key}"}
    base = f"{flow.server.base_url}/integrations/{integration.id}"
    for method, path, body in (
        ("POST", "/relink", {}),
        ("POST", "/setup-link", {"link_type": "EMBEDDED"}),
        ("GET", "/custom-fields", None),
        ("PUT", "/custom-fields/anything", {"integration_field_id": None}),
    ):
        response = httpx.request(method, f"{base}{path}", json=body, headers=headers)
        assert response.status_code == 404, (path, response.text)
        assert response.json()["error"]["code"] == "PLATFORM.INTEGRATION_NOT_FOUND", path
