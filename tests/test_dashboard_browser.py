"""The dashboard in a real headless Chromium: an operator signs in, finds why a sync failed in two
clicks, syncs an integration from the UI and sees the run list move, and signs out. Screenshots go
to build/screenshots/."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from sqlalchemy import Engine

from hirebridge.api.app import create_app
from hirebridge.store import admins, migrate, tenancy, webhooks
from hirebridge.store.db import make_engine, write_tx
from hirebridge.store.sync_runs import SyncState
from hirebridge.sync.engine import SyncEngine
from hirebridge.timefmt import utc_now
from tests.browser import browser, page, screenshot
from tests.conftest import create_sandbox, make_tenant, serving
from tests.emulators.lever import LeverEmulator

if TYPE_CHECKING:
    from playwright.sync_api import Page

__all__ = ["browser", "page"]  # fixtures

PASSWORD = "a long operator password"


@dataclass(frozen=True)
class Site:
    engine: Engine
    root: str
    sandbox: str
    broken: str


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    engine = make_engine(f"sqlite:///{tmp_path / 'hirebridge.db'}")
    migrate.upgrade(engine)
    tenant = make_tenant(engine)
    sandbox = create_sandbox(engine, tenant, applications=5)
    assert SyncEngine(engine).run(sandbox).state == SyncState.SUCCEEDED
    emulator = LeverEmulator(seed=2, opportunities=2, api_key="the-real-key", rate=None)
    with emulator.running() as lever_url:
        with write_tx(engine) as conn:
            broken = tenancy.create_integration(
                conn, tenant.environment, "lever", {"api_key": "a-revoked-key", "base_url": lever_url}, "Globex"
            ).id
            admins.create_admin(conn, "ops", PASSWORD, utc_now())
        assert SyncEngine(engine).run(broken).state == SyncState.FAILED
        # With its worker, as `hirebridge serve` runs it: a sync queued from the UI runs.
        with serving(create_app(engine, run_worker=True), lifespan="on") as server:
            yield Site(engine, server.base_url.removesuffix("/v1"), sandbox, broken)
    engine.dispose()


def sign_in(page: Page, site: Site) -> None:
    page.goto(f"{site.root}/dashboard")  # redirected to the sign-in page
    page.get_by_label("Username").fill("ops")
    page.get_by_label("Password").fill(PASSWORD)
    screenshot(page, "dashboard-1-sign-in")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Integrations").wait_for()


def test_an_operator_finds_why_a_sync_failed_in_two_clicks(site: Site, page: Page) -> None:
    page.goto(f"{site.root}/dashboard")
    page.get_by_label("Username").fill("ops")
    page.get_by_label("Password").fill("not it")
    page.get_by_role("button", name="Sign in").click()
    assert "Wrong username or password" in page.get_by_role("alert").inner_text()
    sign_in(page, site)
    screenshot(page, "dashboard-2-integrations")
    page.get_by_role("link", name=site.broken).click()  # click 1
    screenshot(page, "dashboard-3-integration")
    page.locator("#runs a").first.click()  # click 2: the failed run
    reason = page.get_by_role("alert").inner_text()
    assert reason.startswith("AUTHENTICATION_FAILED:")
    screenshot(page, "dashboard-4-failed-run")


def test_sync_now_from_the_ui_updates_the_run_list(site: Site, page: Page) -> None:
    sign_in(page, site)
    page.get_by_role("link", name=site.sandbox).click()
    assert page.locator("#runs tr").count() == 1
    page.get_by_role("button", name="Sync now").click()
    assert "A FULL sync is queued." in page.get_by_role("status").inner_text()
    assert page.locator("#runs tr").count() == 2
    deadline = time.monotonic() + 60
    while "SUCCEEDED" not in page.locator("#runs tr").first.inner_text():  # newest first
        assert time.monotonic() < deadline, "the queued sync did not finish"
        page.wait_for_timeout(250)
        page.goto(page.url.replace("/sync", ""))
    screenshot(page, "dashboard-5-synced")


def test_sign_out(site: Site, page: Page) -> None:
    sign_in(page, site)
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="Sign in").wait_for()
    page.goto(f"{site.root}/dashboard")
    assert page.url.endswith("/dashboard/login")


def test_every_page_shows_real_data(site: Site, page: Page) -> None:
    sign_in(page, site)
    page.get_by_role("link", name="Environments and API keys").click()
    page.get_by_role("button", name="Create an API key").click()
    key = page.locator("#new-api-key").inner_text()
    assert key.startswith("hb_")
    screenshot(page, "dashboard-6-api-keys")

    # An API error with that key: its log_url opens the request's page.
    refused = httpx.get(
        f"{site.root}/v1/ats/jobs",
        params={"page_size": "9999"},
        headers={"Authorization": f"Bearer {key}", "X-Integration-Id": site.sandbox},
    ).json()
    page.goto(refused["error"]["log_url"].replace("http://127.0.0.1:8000", site.root))
    assert "PLATFORM.INPUT_INVALID" in page.get_by_role("alert").inner_text()
    assert "GET /v1/ats/jobs?page_size=9999" in page.content()
    screenshot(page, "dashboard-7-request")

    page.get_by_role("link", name=site.sandbox).click()
    page.get_by_role("link", name="Browse its data").click()
    assert page.locator("#records tr").count() > 0
    page.get_by_role("link", name="candidates").click()
    first = page.locator("#records tr").first
    first.get_by_text("JSON").click()
    assert '"first_name"' in first.inner_text()
    screenshot(page, "dashboard-8-explorer")

    with write_tx(site.engine) as conn:
        [env] = tenancy.list_environments(conn)
        webhooks.create_subscription(conn, env.id, "http://127.0.0.1:9/hooks", None, utc_now())
        tenancy.set_enabled(conn, site.sandbox, False)  # an event to deliver
    page.get_by_role("link", name="Webhooks").click()
    assert "http://127.0.0.1:9/hooks" in page.locator("#subscriptions").inner_text()
    assert "integration-state-changed" in page.locator("#deliveries").inner_text()
    screenshot(page, "dashboard-9-webhooks")

    page.goto(f"{site.root}/dashboard/integrations/{site.broken}")
    page.get_by_role("link", name="Delete…").click()
    page.get_by_role("button", name="Delete the integration").click()
    page.get_by_role("heading", name="Integrations").wait_for()
    assert site.broken not in page.content() and site.sandbox in page.content()
