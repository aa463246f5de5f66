"""The connect page in a real headless Chromium: a person with only the link connects a Lever (emulator)
account end to end -- mouse and keyboard alone -- and the page that opened the flow receives the
activation token. Screenshots of each step go to build/screenshots/."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlparse

import pytest
from kombo import Kombo
from sqlalchemy import Engine

from hirebridge.api.app import create_app
from hirebridge.jobs.embedded import EmbeddedWorker
from hirebridge.store import connect, migrate, tenancy
from hirebridge.store.db import make_engine, read_tx, write_tx
from hirebridge.timefmt import utc_now
from tests.browser import browser, page, screenshot
from tests.conftest import Tenant, make_tenant, serving
from tests.emulators.lever import LeverEmulator

if TYPE_CHECKING:
    from playwright.sync_api import Page

__all__ = ["browser", "page"]  # fixtures

KEY = "browser-lever-key"


@dataclass(frozen=True)
class Site:
    engine: Engine
    root: str  # http://127.0.0.1:PORT
    tenant: Tenant
    lever_url: str

    def sdk(self) -> Kombo:
        return Kombo(api_key=self.tenant.api_key, server_url=f"{self.root}/v1")

    def link(self, **extra: str) -> str:
        """A connect link, as the API user's backend creates it, pointed at this server."""
        made = self.sdk().connect.create_connection_link(
            end_user_email="it@acme.example",
            end_user_organization_name="Acme Corp",
            integration_category="ATS",
            **extra,  # type: ignore[arg-type]
        )
        token = parse_qs(urlparse(made.data.link).query)["token"][0]
        return f"{self.root}/connect?token={token}"

    def integrations(self) -> list[tenancy.Integration]:
        with read_tx(self.engine) as conn:
            return tenancy.list_integrations(conn, self.tenant.environment)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    # One database is enough here: the flow's storage is tested on both in tests/test_connect.py.
    engine = make_engine(f"sqlite:///{tmp_path / 'hirebridge.db'}")
    migrate.upgrade(engine)
    tenant = make_tenant(engine)
    emulator = LeverEmulator(seed=4, opportunities=3, api_key=KEY, rate=None)
    with emulator.running() as lever_url, serving(create_app(engine)) as server:
        yield Site(engine, server.base_url.removesuffix("/v1"), tenant, lever_url)
    engine.dispose()


def test_a_person_connects_lever_with_only_the_link(site: Site, page: Page) -> None:
    page.goto(site.link())
    screenshot(page, "connect-1-choose-tool")
    page.get_by_role("link", name="Lever").click()
    page.get_by_label("API key").fill("not-the-key")
    page.get_by_text("Advanced").click()
    page.get_by_label("API base URL (optional)").fill(site.lever_url)
    page.get_by_role("button", name="Connect").click()
    alert = page.get_by_role("alert")
    assert "Lever did not accept these credentials" in alert.inner_text()
    assert "not-the-key" not in page.content()
    screenshot(page, "connect-2-wrong-key")
    assert site.integrations() == []

    page.get_by_label("API key").fill(KEY)
    page.get_by_role("button", name="Connect").click()
    assert page.get_by_role("heading").inner_text() == "Lever is connected"
    screenshot(page, "connect-3-connected")
    [integration] = site.integrations()
    assert (integration.tool, integration.end_user_organization_name) == ("lever", "Acme Corp")

    # The queued first sync runs (here: the embedded worker's pass, in a thread of its own: Playwright's
    # event loop holds this one), and the data is served.
    ran: list[int] = []
    worker = threading.Thread(target=lambda: ran.append(EmbeddedWorker(site.engine).run_pending()))
    worker.start()
    worker.join(120)
    assert ran == [1]
    applications = Kombo(
        api_key=site.tenant.api_key, integration_id=integration.id, server_url=f"{site.root}/v1"
    ).ats.get_applications()
    assert applications is not None and len(applications.result.data.results) > 0


def test_the_opening_page_receives_the_activation_token(site: Site, page: Page) -> None:
    link = site.link(integration_tool="lever")
    page.goto(f"{site.root}/health")  # same origin as nothing in particular: a stand-in for the user's app
    page.evaluate("window.addEventListener('message', e => { window.received = e.data; })")
    with page.expect_popup() as opened:
        page.evaluate("url => window.open(url)", link)
    popup = opened.value
    popup.get_by_label("API key").fill(KEY)
    popup.get_by_text("Advanced").click()
    popup.get_by_label("API base URL (optional)").fill(site.lever_url)
    popup.get_by_role("button", name="Connect").click()
    shown = popup.locator("#activation-token").inner_text()
    page.wait_for_function("() => window.received !== undefined")
    received = page.evaluate("window.received")
    assert received == {"type": "hirebridge-connect", "status": "success", "activationToken": shown}
    exchanged = site.sdk().connect.get_integration_by_token(token=shown)
    assert exchanged.data.id == site.integrations()[0].id


def test_the_form_works_from_the_keyboard_alone(site: Site, page: Page) -> None:
    page.goto(site.link())
    tabs = 0
    while page.evaluate("document.activeElement.textContent") != "Lever":
        page.keyboard.press("Tab")
        tabs += 1
        assert tabs < 10, "the Lever link is not reachable with Tab"
    # The focused element is outlined (the focus style), so a keyboard user sees where they are.
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    page.wait_for_selector("#f-api_key")

    def tab_to(selector: str) -> None:
        for _ in range(20):
            if page.evaluate("s => document.activeElement === document.querySelector(s)", selector):
                return
            page.keyboard.press("Tab")
        raise AssertionError(f"{selector} is not reachable with Tab")

    tab_to("#f-api_key")
    page.keyboard.type(KEY)
    tab_to("summary")
    page.keyboard.press("Enter")  # opens Advanced
    tab_to("#f-base_url")
    page.keyboard.press("Control+A")
    page.keyboard.type(site.lever_url)
    page.keyboard.press("Enter")  # submits the form
    page.wait_for_selector("#activation-token")
    screenshot(page, "connect-4-keyboard")
    assert len(site.integrations()) == 1


def test_a_used_or_expired_link_is_refused_in_the_browser(site: Site, page: Page) -> None:
    link = site.link(integration_tool="lever")
    page.goto(link)
    page.get_by_label("API key").fill(KEY)
    page.get_by_text("Advanced").click()
    page.get_by_label("API base URL (optional)").fill(site.lever_url)
    page.get_by_role("button", name="Connect").click()
    page.wait_for_selector("#activation-token")
    page.goto(link)
    assert "already been used" in page.get_by_role("alert").inner_text()
    screenshot(page, "connect-5-used-link")
    page.goto(f"{site.root}/connect?token=made-up")
    assert "not valid" in page.get_by_role("alert").inner_text()
    with write_tx(site.engine) as conn:
        expired = connect.create_link(
            conn,
            site.tenant.environment,
            now=utc_now() - timedelta(hours=2),
            lifetime=timedelta(hours=1),
            link_type="EMBEDDED",
            language="en",
            organization_name="Acme Corp",
            email=None,
        )
    page.goto(f"{site.root}/connect?token={expired}")
    assert "expired" in page.get_by_role("alert").inner_text()
