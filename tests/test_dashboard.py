"""The operator dashboard over HTTP, on both databases: sign-in (and its refusals), sessions and CSRF,
pages showing real integrations and runs, and the actions (sync now, disable/enable, a relink link).
(In a real browser: tests/test_dashboard_browser.py.)"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import Engine

from hirebridge.model import SyncKind
from hirebridge.store import admins, sync_runs, tenancy
from hirebridge.store.db import read_tx, write_tx
from hirebridge.store.sync_runs import SyncState
from hirebridge.sync.engine import SyncEngine
from hirebridge.timefmt import utc_now
from tests.commands import environment, hb
from tests.conftest import Server, create_sandbox, make_tenant
from tests.emulators.lever import LeverEmulator

PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class Dash:
    engine: Engine
    root: str
    api_key: str
    sandbox: str  # a synced sandbox integration
    broken: str  # a Lever integration whose key the source refuses: its sync failed

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.root)

    def signed_in(self) -> httpx.Client:
        client = self.client()
        page = client.get("/dashboard/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf is not None
        done = client.post("/dashboard/login", data={"csrf": csrf.group(1), "username": "ops", "password": PASSWORD})
        assert done.status_code == 303 and done.headers["location"] == "/dashboard"
        return client


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


@pytest.fixture
def dash(engine: Engine, server: Server) -> Iterator[Dash]:
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
        yield Dash(engine, server.base_url.removesuffix("/v1"), tenant.api_key, sandbox, broken)


def test_pages_need_a_sign_in(dash: Dash) -> None:
    client = dash.client()
    for path in ("/dashboard", f"/dashboard/integrations/{dash.sandbox}", "/dashboard/runs/x"):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["location"] == "/dashboard/login", path


def test_wrong_passwords_and_forged_forms_are_refused(dash: Dash) -> None:
    client = dash.client()
    csrf = csrf_of(client.get("/dashboard/login"))
    wrong = client.post("/dashboard/login", data={"csrf": csrf, "username": "ops", "password": "guess"})
    assert wrong.status_code == 401 and "Wrong username or password" in wrong.text
    nobody = client.post("/dashboard/login", data={"csrf": csrf, "username": "eve", "password": PASSWORD})
    assert nobody.status_code == 401 and "Wrong username or password" in nobody.text  # the same answer
    forged = httpx.post(  # from another site: no cookie to match the form's token
        f"{dash.root}/dashboard/login", data={"csrf": csrf, "username": "ops", "password": PASSWORD}
    )
    assert forged.status_code == 403 and "hb_session" not in forged.cookies


def test_the_session_cookie_is_locked_down(dash: Dash) -> None:
    client = dash.client()
    csrf = csrf_of(client.get("/dashboard/login"))
    done = client.post("/dashboard/login", data={"csrf": csrf, "username": "ops", "password": PASSWORD})
    cookie = done.headers["set-cookie"]
    assert "hb_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Path=/dashboard" in cookie


def test_the_home_page_lists_integrations_with_their_last_run(dash: Dash) -> None:
    home = dash.signed_in().get("/dashboard")
    assert home.status_code == 200
    assert dash.sandbox in home.text and dash.broken in home.text and "Globex" in home.text
    assert "FAILED (AUTHENTICATION_FAILED)" in home.text and "INVALID" in home.text
    assert home.headers["content-security-policy"].endswith("frame-ancestors 'none'")


def test_a_failed_run_says_why(dash: Dash) -> None:
    client = dash.signed_in()
    with read_tx(dash.engine) as conn:
        [run] = sync_runs.list_runs(conn, dash.broken)
    page = client.get(f"/dashboard/runs/{run.id}")
    assert page.status_code == 200
    assert "Why it failed" in page.text and "AUTHENTICATION_FAILED" in page.text
    assert "a-revoked-key" not in page.text  # errors are stored redacted
    assert run.error is not None and run.error[:40] in page.text.replace("&#x27;", "'")


def test_sync_now_disable_enable_and_relink(dash: Dash) -> None:
    client = dash.signed_in()
    path = f"/dashboard/integrations/{quote(dash.sandbox, safe='')}"
    page = client.get(path)
    csrf = csrf_of(page)
    queued = client.post(f"{path}/sync", data={"csrf": csrf})
    assert queued.status_code == 200 and "A FULL sync is queued." in queued.text
    with read_tx(dash.engine) as conn:
        runs = sync_runs.list_runs(conn, dash.sandbox)
    assert [(r.kind, r.state) for r in runs][-1] == (SyncKind.FULL, SyncState.QUEUED)
    assert "QUEUED" in queued.text  # the run list shows it

    disabled = client.post(f"{path}/disable", data={"csrf": csrf})
    assert "Integration disabled." in disabled.text and "INACTIVE" in disabled.text
    client.post(f"{path}/enable", data={"csrf": csrf})
    with read_tx(dash.engine) as conn:
        integration = tenancy.get_integration(conn, dash.sandbox)
    assert integration is not None and integration.enabled

    relink = client.post(f"{path}/relink", data={"csrf": csrf})
    link = re.search(r"<code>(http://[^<]+)</code>", relink.text)
    assert link is not None
    token = link.group(1).split("token=", 1)[1]
    form = httpx.get(f"{dash.root}/connect", params={"token": token})
    assert form.status_code == 200 and "Reconnect" in form.text


def test_actions_need_the_sessions_csrf_token(dash: Dash) -> None:
    client = dash.signed_in()
    path = f"/dashboard/integrations/{quote(dash.sandbox, safe='')}"
    refused = client.post(f"{path}/disable", data={"csrf": "not-it"})
    assert refused.status_code == 403
    with read_tx(dash.engine) as conn:
        integration = tenancy.get_integration(conn, dash.sandbox)
    assert integration is not None and integration.enabled


def test_sign_out_ends_the_session(dash: Dash) -> None:
    client = dash.signed_in()
    page = client.get("/dashboard")
    out = client.post("/dashboard/logout", data={"csrf": csrf_of(page)})
    assert out.status_code == 303
    stale = httpx.get(f"{dash.root}/dashboard", cookies={"hb_session": "anything"})
    assert stale.status_code == 303
    assert client.get("/dashboard").status_code == 303


def test_a_password_change_ends_sessions(dash: Dash) -> None:
    client = dash.signed_in()
    with write_tx(dash.engine) as conn:
        assert admins.set_password(conn, "ops", "another long password")
    assert client.get("/dashboard").status_code == 303


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # a subprocess per command: SQLite alone
def test_admins_are_made_and_changed_from_the_command_line(engine: Engine, database_url: str) -> None:
    made = hb(database_url, "admins", "create", "alice")
    password = made.stdout.strip().rsplit(" ", 1)[1]  # "...; password (shown once): <password>"
    with read_tx(engine) as conn:
        assert admins.authenticate(conn, "alice", password) is not None
    again = hb(database_url, "admins", "create", "alice", check=False)
    assert again.returncode == 2 and "exists already" in again.stderr
    short = subprocess.run(
        [sys.executable, "-m", "hirebridge.cli", "admins", "set-password", "alice", "--password-stdin"],
        input="short\n",
        env=environment(database_url),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert short.returncode == 2 and "at least 10 characters" in short.stderr
    changed = subprocess.run(
        [sys.executable, "-m", "hirebridge.cli", "admins", "set-password", "alice", "--password-stdin"],
        input="a brand new password\n",
        env=environment(database_url),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert changed.returncode == 0 and "a brand new password" not in changed.stdout  # not echoed
    with read_tx(engine) as conn:
        assert admins.authenticate(conn, "alice", "a brand new password") is not None
        assert admins.authenticate(conn, "alice", password) is None


def test_api_keys_are_created_once_shown_and_revoked(dash: Dash) -> None:
    client = dash.signed_in()
    page = client.get("/dashboard/environments")
    assert page.status_code == 200 and "default" in page.text
    csrf = csrf_of(page)
    made = client.post("/dashboard/environments", data={"csrf": csrf, "name": "staging"})
    assert "Environment staging is there." in made.text and "<h2>staging</h2>" in made.text
    with read_tx(dash.engine) as conn:
        staging = next(e for e in tenancy.list_environments(conn) if e.name == "staging")
    created = client.post(f"/dashboard/environments/{staging.id}/api-keys", data={"csrf": csrf})
    key = re.search(r'<code id="new-api-key">([^<]+)</code>', created.text)
    assert key is not None
    api = f"{dash.root}/v1/check-api-key"
    answer = httpx.get(api, headers={"Authorization": f"Bearer {key.group(1)}"})
    assert answer.status_code == 200 and answer.json()["data"]["environment_id"] == staging.id
    shown_again = client.get("/dashboard/environments")
    assert key.group(1) not in shown_again.text and f"{key.group(1)[:8]}…" in shown_again.text
    with read_tx(dash.engine) as conn:
        [listed] = tenancy.list_api_keys(conn, staging)
    revoked = client.post(f"/dashboard/api-keys/{listed.id}/revoke", data={"csrf": csrf})
    assert "API key revoked" in revoked.text
    assert httpx.get(api, headers={"Authorization": f"Bearer {key.group(1)}"}).status_code == 401


def test_the_data_explorer_shows_what_the_api_serves(dash: Dash) -> None:
    client = dash.signed_in()
    base = f"/dashboard/integrations/{quote(dash.sandbox, safe='')}/data"
    page = client.get(f"{base}/applications", params={"page_size": "2"})
    assert page.status_code == 200
    api = httpx.get(
        f"{dash.root}/v1/ats/applications",
        params={"page_size": "2"},
        headers={"Authorization": f"Bearer {dash.api_key}", "X-Integration-Id": dash.sandbox},
    ).json()["data"]
    shown = re.findall(r"<tr><td><code>([^<]+)</code>", page.text)
    assert shown == [r["id"] for r in api["results"]]  # the page the API serves, in its order
    nxt = re.search(r'<a href="([^"]+)">Next page</a>', page.text)
    assert nxt is not None and "cursor=" in nxt.group(1)
    second = client.get(nxt.group(1).replace("&amp;", "&"))
    assert re.findall(r"<tr><td><code>([^<]+)</code>", second.text)[0] not in shown
    refused = client.get(f"{base}/applications", params={"updated_after": "yesterday"})
    assert refused.status_code == 400 and "PLATFORM.INPUT_INVALID" in refused.text
    jobs = client.get(f"{base}/jobs", params={"statuses": "OPEN"})
    assert jobs.status_code == 200 and "records on this page" in jobs.text


def test_an_api_errors_log_url_opens_its_page(dash: Dash) -> None:
    refused = httpx.get(
        f"{dash.root}/v1/ats/applications",
        params={"page_size": "0", "email": "x@y.example"},
        headers={"Authorization": f"Bearer {dash.api_key}", "X-Integration-Id": dash.sandbox},
    )
    assert refused.status_code == 400
    log_url = refused.json()["error"]["log_url"]
    assert log_url.startswith("http://127.0.0.1:8000/dashboard/requests/")  # HIREBRIDGE_PUBLIC_URL's default
    path = log_url.removeprefix("http://127.0.0.1:8000")
    assert dash.client().get(path).status_code == 303  # operators only
    page = dash.signed_in().get(path)
    assert page.status_code == 200
    assert "GET /v1/ats/applications?page_size=0&amp;email=x%40y.example" in page.text
    assert "PLATFORM.INPUT_INVALID" in page.text and "page_size" in page.text
    assert dash.sandbox in page.text and dash.api_key[:8] in page.text and dash.api_key not in page.text
    unauthenticated = httpx.get(f"{dash.root}/v1/ats/applications", headers={"Authorization": "Bearer nope"})
    assert unauthenticated.json()["error"]["log_url"] is None  # anyone could fill the log


def test_deleting_an_integration_is_confirmed_first(dash: Dash) -> None:
    client = dash.signed_in()
    path = f"/dashboard/integrations/{quote(dash.broken, safe='')}"
    assert f'href="{path}/delete"' in client.get(path).text
    confirm = client.get(f"{path}/delete")
    assert confirm.status_code == 200 and "cannot be undone" in confirm.text
    with read_tx(dash.engine) as conn:
        assert tenancy.get_integration(conn, dash.broken) is not None  # asking deletes nothing
    done = client.post(f"{path}/delete", data={"csrf": csrf_of(confirm)})
    assert done.status_code == 303 and done.headers["location"] == "/dashboard"
    with read_tx(dash.engine) as conn:
        assert tenancy.get_integration(conn, dash.broken) is None
    assert dash.broken not in client.get("/dashboard").text


def test_webhook_subscriptions_and_deliveries(dash: Dash) -> None:
    from sqlalchemy import update

    from hirebridge.store import webhooks
    from hirebridge.store.tables import webhook_subscriptions

    with write_tx(dash.engine) as conn:
        [env] = [e for e in tenancy.list_environments(conn) if e.name == "default"]
        subscription, _secret = webhooks.create_subscription(conn, env.id, "http://127.0.0.1:9/hooks", None, utc_now())
        tenancy.set_enabled(conn, dash.sandbox, False)  # an event: integration-state-changed
        conn.execute(
            update(webhook_subscriptions)
            .where(webhook_subscriptions.c.id == subscription.id)
            .values(enabled=False, disabled_reason="failing for 24 hours")
        )
    client = dash.signed_in()
    page = client.get("/dashboard/webhooks")
    assert page.status_code == 200
    assert "http://127.0.0.1:9/hooks" in page.text and "disabled: failing for 24 hours" in page.text
    [delivery] = re.findall(r"<tr><td><code>(\w{24})</code></td><td>[^<]+</td><td>integration-state-changed", page.text)
    assert "PENDING" in page.text
    replayed = client.post(f"/dashboard/webhooks/deliveries/{delivery}/replay", data={"csrf": csrf_of(page)})
    assert "Replayed as delivery" in replayed.text
    with read_tx(dash.engine) as conn:
        assert len(webhooks.list_deliveries(conn, subscription_id=subscription.id)) == 2
    enabled = client.post(f"/dashboard/webhooks/{subscription.id}/enable", data={"csrf": csrf_of(page)})
    assert "Subscription enabled" in enabled.text
    with read_tx(dash.engine) as conn:
        found = webhooks.get_subscription(conn, subscription.id)
    assert found is not None and found.enabled
    assert "No deliveries." in client.get("/dashboard/webhooks", params={"failed": "1"}).text
