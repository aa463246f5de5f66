"""The operator dashboard (`/dashboard`): integrations, their sync runs and why a run failed, and the
buttons an operator needs (sync now, enable or disable, a relink link), behind a login.

Admins are created with `hirebridge admins create` (`hirebridge demo` makes one and prints its login).
A login starts a session (store/admins.py): an HttpOnly, SameSite=Lax cookie, Secure when the page was
served over https; every form posts the session's CSRF token, checked before anything changes. Pages
are server-rendered (api/pages.py): no script, no external asset, never framed.

An operator finds why a sync failed in two clicks at most: the integrations list shows each one's last
run (linked), and a run's page shows its error code, message and per-model counts.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import parse_qsl, quote, urlencode

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from hirebridge.api import pages
from hirebridge.api.body import read_body
from hirebridge.api.connect import link_lifetime, link_url
from hirebridge.api.errors import ApiError
from hirebridge.api.listing import LISTINGS, page_json
from hirebridge.api.pages import esc
from hirebridge.config import Settings
from hirebridge.connectors.registry import TOOLS
from hirebridge.model import SyncKind
from hirebridge.store import admins, connect, request_log, sync_runs, tenancy, webhooks
from hirebridge.store.admins import Session
from hirebridge.store.db import read_tx, write_tx
from hirebridge.store.sync_runs import SyncRun
from hirebridge.timefmt import to_wire, utc_now

log = logging.getLogger(__name__)

SESSION_COOKIE = "hb_session"
LOGIN_CSRF_COOKIE = "hb_login_csrf"
FORM_LIMIT = 16 << 10
RUNS_SHOWN = 50
ACTIONS = ("sync", "enable", "disable", "relink")


class _LoginRequired(Exception):
    pass


def _form(raw: bytes) -> dict[str, str]:
    return dict(parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True))


def _current(request: Request) -> Session | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    with read_tx(request.app.state.engine) as conn:
        return admins.session(conn, token, utc_now())


async def _session(request: Request) -> Session:
    found = await run_in_threadpool(_current, request)
    if found is None:
        raise _LoginRequired
    return found


def _to_login() -> Response:
    return RedirectResponse("/dashboard/login", status_code=303)


def _shell(session: Session, title: str, body: str, status: int = 200) -> Response:
    nav = (
        '<nav class="top" aria-label="Dashboard"><a href="/dashboard">Integrations</a>'
        '<a href="/dashboard/environments">Environments and API keys</a>'
        '<a href="/dashboard/webhooks">Webhooks</a>'
        f"<span>Signed in as {esc(session.username)}</span>"
        '<form method="post" action="/dashboard/logout">'
        f'<input type="hidden" name="csrf" value="{esc(session.csrf)}">'
        '<button class="small" type="submit">Sign out</button></form></nav>'
    )
    return pages.page(title, nav + body, status=status, wide=True)


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


# ---- login ----


async def login_page(request: Request, error: str | None = None, status: int = 200) -> Response:
    csrf = request.cookies.get(LOGIN_CSRF_COOKIE) or pages.new_csrf()
    alert = f'<p class="error" role="alert">{esc(error)}</p>' if error else ""
    body = (
        f"<h1>HireBridge dashboard</h1>{alert}"
        '<form method="post" action="/dashboard/login">'
        f'<input type="hidden" name="csrf" value="{esc(csrf)}">'
        '<label for="username">Username</label><input id="username" name="username" autocomplete="username" required>'
        '<label for="password">Password</label>'
        '<input id="password" name="password" type="password" autocomplete="current-password" required>'
        '<button type="submit">Sign in</button></form>'
    )
    response = pages.page("Sign in", body, status=status)
    response.set_cookie(
        LOGIN_CSRF_COOKIE, csrf, httponly=True, samesite="strict", secure=_secure(request), path="/dashboard"
    )
    return response


async def login(request: Request) -> Response:
    form = _form(await read_body(request, limit=FORM_LIMIT))
    if not pages.csrf_matches(request, LOGIN_CSRF_COOKIE, form.get("csrf", "")):
        return await login_page(request, "The form expired. Sign in again.", 403)
    settings: Settings = request.app.state.settings
    username = form.get("username", "")

    def start() -> str | None:
        with write_tx(request.app.state.engine) as conn:
            admin_id = admins.authenticate(conn, username, form.get("password", ""))
            if admin_id is None:
                return None
            return admins.start_session(conn, admin_id, utc_now(), timedelta(hours=settings.dashboard_session_hours))

    token = await run_in_threadpool(start)
    if token is None:
        log.info("dashboard: refused a sign-in as %r", username)
        return await login_page(request, "Wrong username or password.", 401)
    log.info("dashboard: %r signed in", username)
    response = RedirectResponse("/dashboard", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.dashboard_session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path="/dashboard",
    )
    return response


async def logout(request: Request) -> Response:
    form = _form(await read_body(request, limit=FORM_LIMIT))
    try:
        session = await _session(request)
    except _LoginRequired:
        return _to_login()
    if form.get("csrf") != session.csrf:
        return pages.page(
            "Refused", '<p class="error" role="alert">The form expired. Go back and retry.</p>', status=403
        )

    def end() -> None:
        with write_tx(request.app.state.engine) as conn:
            admins.end_session(conn, request.cookies.get(SESSION_COOKIE, ""))

    await run_in_threadpool(end)
    response = _to_login()
    response.delete_cookie(SESSION_COOKIE, path="/dashboard")
    return response


# ---- pages ----


def _duration(run: SyncRun) -> str:
    if run.started_at is None or run.ended_at is None:
        return ""
    return f"{(run.ended_at - run.started_at).total_seconds():.1f} s"


def _records(run: SyncRun) -> int:
    return sum(v.get("inserted", 0) + v.get("updated", 0) + v.get("unchanged", 0) for v in run.stats.values())


def _run_link(run: SyncRun | None) -> str:
    if run is None:
        return "never"
    code = f" ({esc(run.error_code)})" if run.error_code else ""
    return (
        f'<a href="/dashboard/runs/{esc(run.id)}" class="state-{esc(run.state)}">{esc(run.state)}{code}</a> '
        f"{esc(to_wire(run.ended_at or run.created_at))}"
    )


async def home(request: Request) -> Response:
    try:
        session = await _session(request)
    except _LoginRequired:
        return _to_login()

    def load() -> list[tuple[tenancy.Integration, str, SyncRun | None]]:
        with read_tx(request.app.state.engine) as conn:
            names = {}
            rows = []
            for integration in tenancy.list_integrations(conn):
                if integration.environment_id not in names:
                    env = tenancy.get_environment(conn, integration.environment_id)
                    names[integration.environment_id] = env.name if env else integration.environment_id
                last = sync_runs.recent_runs(conn, integration.id, limit=1)
                rows.append((integration, names[integration.environment_id], last[0] if last else None))
            return rows

    rows = await run_in_threadpool(load)
    table_rows = "".join(
        "<tr>"
        f'<td><a href="/dashboard/integrations/{quote(i.id, safe="")}">{esc(i.id)}</a></td>'
        f"<td>{esc(TOOLS[i.tool].label if i.tool in TOOLS else i.tool)}</td><td>{esc(env)}</td>"
        f"<td>{esc(i.end_user_organization_name or '')}</td>"
        f'<td class="state-{esc(i.status)}">{esc(i.status)}</td><td>{esc(i.setup_status)}</td>'
        f"<td>{_run_link(run)}</td></tr>"
        for i, env, run in rows
    )
    body = "<h1>Integrations</h1>" + (
        "<table><caption class=help>Every integration of every environment; the last run links to its details."
        "</caption><thead><tr><th scope=col>Integration</th><th scope=col>Tool</th><th scope=col>Environment"
        "</th><th scope=col>Organization</th><th scope=col>Status</th><th scope=col>Setup</th>"
        f"<th scope=col>Last sync</th></tr></thead><tbody>{table_rows}</tbody></table>"
        if rows
        else "<p>No integrations yet: create one with <code>hirebridge integrations create</code> or a "
        "connect link.</p>"
    )
    return _shell(session, "Integrations", body)


def _button(session: Session, action: str, label: str, *, danger: bool = False) -> str:
    return (
        f'<form class="inline" method="post" action="{esc(action)}">'
        f'<input type="hidden" name="csrf" value="{esc(session.csrf)}">'
        f'<button class="small{" danger" if danger else ""}" type="submit">{esc(label)}</button></form> '
    )


async def integration_page(request: Request, notice: str | None = None) -> Response:
    try:
        session = await _session(request)
    except _LoginRequired:
        return _to_login()
    integration_id = request.path_params["integration_id"]

    def load() -> tuple[tenancy.Integration | None, list[SyncRun]]:
        with read_tx(request.app.state.engine) as conn:
            integration = tenancy.get_integration(conn, integration_id)
            return integration, sync_runs.recent_runs(conn, integration_id, limit=RUNS_SHOWN)

    integration, runs = await run_in_threadpool(load)
    if integration is None:
        return _shell(session, "Not found", '<p class="error" role="alert">No such integration.</p>', 404)
    base = f"/dashboard/integrations/{quote(integration.id, safe='')}"
    actions = (
        _button(session, f"{base}/sync", "Sync now")
        + _button(
            session,
            f"{base}/{'disable' if integration.enabled else 'enable'}",
            "Disable" if integration.enabled else "Enable",
        )
        + _button(session, f"{base}/relink", "Create a relink link")
        + f'<a href="{base}/data/applications">Browse its data</a> '
        + f'<a href="{base}/delete">Delete…</a>'
    )
    run_rows = "".join(
        "<tr>"
        f'<td><a href="/dashboard/runs/{esc(r.id)}">{esc(to_wire(r.created_at))}</a></td><td>{esc(r.kind)}</td>'
        f'<td class="state-{esc(r.state)}">{esc(r.state)}</td><td>{esc(_duration(r))}</td><td>{_records(r)}</td>'
        f"<td>{esc(r.error_code or '')}</td><td>{esc((r.error or '')[:160])}</td></tr>"
        for r in runs
    )
    alert = f'<p class="ok" role="status">{notice}</p>' if notice else ""
    body = (
        f"<h1>{esc(integration.id)}</h1>{alert}<dl>"
        f"<dt>Tool</dt><dd>{esc(integration.tool)}</dd>"
        f"<dt>Organization</dt><dd>{esc(integration.end_user_organization_name or '')}</dd>"
        f'<dt>Status</dt><dd class="state-{esc(integration.status)}">{esc(integration.status)}</dd>'
        f"<dt>Setup</dt><dd>{esc(integration.setup_status)}</dd>"
        f"<dt>Created</dt><dd>{esc(to_wire(integration.created_at))}</dd></dl>"
        f"<p>{actions}</p><h2>Sync runs</h2>"
        + (
            "<table><thead><tr><th scope=col>Queued</th><th scope=col>Kind</th><th scope=col>State</th>"
            "<th scope=col>Duration</th><th scope=col>Records</th><th scope=col>Error code</th>"
            f"<th scope=col>Error</th></tr></thead><tbody id=runs>{run_rows}</tbody></table>"
            if runs
            else "<p>No runs yet.</p>"
        )
    )
    return _shell(session, integration.id, body)


async def run_page(request: Request) -> Response:
    try:
        session = await _session(request)
    except _LoginRequired:
        return _to_login()

    def load() -> SyncRun | None:
        with read_tx(request.app.state.engine) as conn:
            return sync_runs.get_run(conn, request.path_params["run_id"])

    run = await run_in_threadpool(load)
    if run is None:
        return _shell(session, "Not found", '<p class="error" role="alert">No such run.</p>', 404)
    stats = "".join(
        f"<tr><td>{esc(model)}</td>"
        + "".join(f"<td>{counts.get(k, 0)}</td>" for k in ("inserted", "updated", "unchanged", "deleted"))
        + "</tr>"
        for model, counts in sorted(run.stats.items())
    )
    error = ""
    if run.error:
        error = (
            f'<h2>Why it failed</h2><p class="error" role="alert"><strong>{esc(run.error_code)}</strong>: '
            f"{esc(run.error)}</p>"
        )
    integration_link = f"/dashboard/integrations/{quote(run.integration_id, safe='')}"
    body = (
        f"<h1>Sync run {esc(run.id)}</h1>"
        f'<p><a href="{esc(integration_link)}">Back to {esc(run.integration_id)}</a></p><dl>'
        f"<dt>Kind</dt><dd>{esc(run.kind)}</dd>"
        f'<dt>State</dt><dd class="state-{esc(run.state)}">{esc(run.state)}</dd>'
        f"<dt>Queued</dt><dd>{esc(to_wire(run.created_at))}</dd>"
        f"<dt>Started</dt><dd>{esc(to_wire(run.started_at))}</dd>"
        f"<dt>Ended</dt><dd>{esc(to_wire(run.ended_at))}</dd>"
        f"<dt>Duration</dt><dd>{esc(_duration(run))}</dd>"
        f"<dt>Records</dt><dd>{_records(run)}</dd>"
        f"<dt>Ran on</dt><dd>{esc(run.executor or '')}</dd></dl>{error}"
        + (
            "<h2>Records per model</h2><table><thead><tr><th scope=col>Model</th><th scope=col>Inserted</th>"
            "<th scope=col>Updated</th><th scope=col>Unchanged</th><th scope=col>Deleted</th></tr></thead>"
            f"<tbody>{stats}</tbody></table>"
            if stats
            else ""
        )
    )
    return _shell(session, f"Run {run.id}", body)


# ---- actions ----


async def _checked(request: Request) -> Session | Response:
    """The session of a form post whose CSRF token is the session's; else the response to send."""
    return await _checked_form(request, _form(await read_body(request, limit=FORM_LIMIT)))


async def _checked_form(request: Request, form: dict[str, str]) -> Session | Response:
    try:
        session = await _session(request)
    except _LoginRequired:
        return _to_login()
    if form.get("csrf") != session.csrf:
        return _shell(session, "Refused", '<p class="error" role="alert">The form expired. Go back and retry.</p>', 403)
    return session


async def integration_action(request: Request) -> Response:
    checked = await _checked(request)
    if isinstance(checked, Response):
        return checked
    integration_id, action = request.path_params["integration_id"], request.path_params["action"]
    if action not in ACTIONS:
        return _shell(checked, "Not found", '<p class="error" role="alert">No such action.</p>', 404)
    settings: Settings = request.app.state.settings
    engine = request.app.state.engine

    def act() -> str | None:
        with write_tx(engine) as conn:
            integration = tenancy.get_integration(conn, integration_id)
            if integration is None:
                return None
            if action in ("enable", "disable"):
                tenancy.set_enabled(conn, integration_id, action == "enable")
                return f"Integration {action}d."
            if action == "relink":
                environment = tenancy.get_environment(conn, integration.environment_id)
                assert environment is not None
                token = connect.create_link(
                    conn,
                    environment,
                    now=utc_now(),
                    lifetime=link_lifetime(settings, "MAGIC_LINK"),
                    link_type="MAGIC_LINK",
                    language="en",
                    organization_name=integration.end_user_organization_name or integration.id,
                    email=integration.end_user_email,
                    origin_id=integration.end_user_origin_id,
                    tool=integration.tool,
                    relink_integration_id=integration.id,
                )
                url = link_url(settings, token)
                return f"Relink link (shown once; send it to the customer): <code>{esc(url)}</code>"
        return "sync"

    outcome = await run_in_threadpool(act)
    if outcome is None:
        return _shell(checked, "Not found", '<p class="error" role="alert">No such integration.</p>', 404)
    if outcome == "sync":
        queued = await run_in_threadpool(request.app.state.jobs.enqueue_sync, integration_id, SyncKind.FULL)
        outcome = "A FULL sync is " + ("already queued or running." if queued.already_queued else "queued.")
    log.info("dashboard: %r: %s of %s", checked.username, action, integration_id)
    return await integration_page(request, outcome)


# ---- environments and API keys ----


async def environments_page(request: Request, notice: str | None = None, status: int = 200) -> Response:
    try:
        session = await _session(request)
    except _LoginRequired:
        return _to_login()

    def load() -> list[tuple[tenancy.Environment, list[tenancy.ApiKey]]]:
        with read_tx(request.app.state.engine) as conn:
            return [(env, tenancy.list_api_keys(conn, env)) for env in tenancy.list_environments(conn)]

    listed = await run_in_threadpool(load)
    sections = []
    for env, keys in listed:
        rows = "".join(
            f"<tr><td><code>{esc(k.prefix)}…</code></td><td>{esc(to_wire(k.created_at))}</td>"
            f"<td>{_button(session, f'/dashboard/api-keys/{k.id}/revoke', 'Revoke', danger=True)}</td></tr>"
            for k in keys
        )
        keys_table = (
            "<table><thead><tr><th scope=col>API key</th><th scope=col>Created</th><th scope=col></th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
            if keys
            else "<p>No API keys.</p>"
        )
        sections.append(
            f"<h2>{esc(env.name)}</h2><p class=help>Environment id <code>{esc(env.id)}</code></p>{keys_table}"
            f"<p>{_button(session, f'/dashboard/environments/{env.id}/api-keys', 'Create an API key')}</p>"
        )
    alert = ""
    if notice:
        kind, role = ("error", "alert") if status >= 400 else ("ok", "status")
        alert = f'<p class="{kind}" role="{role}">{notice}</p>'
    body = (
        f"<h1>Environments and API keys</h1>{alert}{''.join(sections)}"
        '<h2>New environment</h2><form method="post" action="/dashboard/environments">'
        f'<input type="hidden" name="csrf" value="{esc(session.csrf)}">'
        '<label for="env-name">Name</label><input id="env-name" name="name" required maxlength="100">'
        '<button type="submit">Create the environment</button></form>'
    )
    return _shell(session, "Environments", body, status)


async def create_environment(request: Request) -> Response:
    form = _form(await read_body(request, limit=FORM_LIMIT))
    checked = await _checked_form(request, form)
    if isinstance(checked, Response):
        return checked
    name = form.get("name", "").strip()
    if not name or len(name) > 100:
        return await environments_page(request, "An environment needs a name of 1 to 100 characters.", 400)

    def create() -> None:
        with write_tx(request.app.state.engine) as conn:
            tenancy.get_or_create_environment(conn, name)

    await run_in_threadpool(create)
    log.info("dashboard: %r created environment %r", checked.username, name)
    return await environments_page(request, f"Environment {esc(name)} is there.")


async def create_api_key(request: Request) -> Response:
    checked = await _checked(request)
    if isinstance(checked, Response):
        return checked
    environment_id = request.path_params["environment_id"]

    def create() -> str | None:
        with write_tx(request.app.state.engine) as conn:
            environment = tenancy.get_environment(conn, environment_id)
            return None if environment is None else tenancy.create_api_key(conn, environment)

    key = await run_in_threadpool(create)
    if key is None:
        return await environments_page(request, "No such environment.", 404)
    log.info("dashboard: %r created an API key %s… in %s", checked.username, key[:8], environment_id)
    return await environments_page(
        request, f'New API key (shown once: copy it now): <code id="new-api-key">{esc(key)}</code>'
    )


async def revoke_api_key(request: Request) -> Response:
    checked = await _checked(request)
    if isinstance(checked, Response):
        return checked
    key_id = request.path_params["key_id"]

    def revoke() -> bool:
        with write_tx(request.app.state.engine) as conn:
            return tenancy.revoke_api_key(conn, key_id)

    if not await run_in_threadpool(revoke):
        return await environments_page(request, "No such API key.", 404)
    log.info("dashboard: %r revoked API key %s", checked.username, key_id)
    return await environments_page(request, "API key revoked: requests with it are refused from now on.")


# ---- data explorer ----

# The parameters every list endpoint takes, shown as the explorer's first fields.
_COMMON = ("ids", "remote_ids", "updated_after", "include_deleted", "page_size")


async def explorer(request: Request) -> Response:
    """Browse one model of an integration with the API's own parameters: the page the API would serve
    for them (the same validation and errors), as a table with each record's JSON."""
    try:
        session = await _session(request)
    except _LoginRequired:
        return _to_login()
    integration_id, path = request.path_params["integration_id"], request.path_params["path"]
    listing = LISTINGS.get(path)
    if listing is None:
        return _shell(session, "Not found", '<p class="error" role="alert">No such model.</p>', 404)

    def load() -> tuple[tenancy.Integration | None, bytes | ApiError]:
        with read_tx(request.app.state.engine) as conn:
            integration = tenancy.get_integration(conn, integration_id)
            if integration is None:
                return None, b""
            try:
                return integration, page_json(request, conn, listing, integration)
            except ApiError as exc:
                return integration, exc

    integration, outcome = await run_in_threadpool(load)
    if integration is None:
        return _shell(session, "Not found", '<p class="error" role="alert">No such integration.</p>', 404)
    base = f"/dashboard/integrations/{quote(integration.id, safe='')}/data"
    models = " ".join(
        f'<a href="{base}/{esc(p)}"{" aria-current=page" if p == path else ""}>{esc(p)}</a>' for p in LISTINGS
    )
    names = [*_COMMON, *(f.name for f in listing.filters)]
    fields = "".join(
        f'<label for="q-{esc(n)}">{esc(n)}</label>'
        f'<input id="q-{esc(n)}" name="{esc(n)}" value="{esc(request.query_params.get(n, ""))}">'
        for n in names
    )
    form = f'<form method="get" action="{base}/{esc(path)}">{fields}<button type="submit">Show</button></form>'
    if isinstance(outcome, ApiError):
        results = f'<p class="error" role="alert">{esc(outcome.code)}: {esc(outcome.message)}</p>'
        status = outcome.status
    else:
        data = orjson.loads(outcome)["data"]
        rows = "".join(
            f"<tr><td><code>{esc(r.get('id'))}</code></td><td>{esc(r.get('remote_id'))}</td>"
            f"<td>{esc(r.get('changed_at'))}</td><td>{esc(r.get('remote_deleted_at') or '')}</td>"
            f"<td><details><summary>JSON</summary><pre>{esc(orjson.dumps(r, option=orjson.OPT_INDENT_2).decode())}"
            "</pre></details></td></tr>"
            for r in data["results"]
        )
        more = ""
        if data["next"]:
            query = {k: v for k, v in request.query_params.items() if v and k != "cursor"}
            more = (
                f'<p><a href="{base}/{esc(path)}?{esc(urlencode({**query, "cursor": data["next"]}))}">Next page</a></p>'
            )
        results = (
            f"<p>{len(data['results'])} records on this page.</p><table><thead><tr><th scope=col>id</th>"
            "<th scope=col>remote_id</th><th scope=col>changed_at</th><th scope=col>remote_deleted_at</th>"
            f"<th scope=col>Record</th></tr></thead><tbody id=records>{rows}</tbody></table>{more}"
        )
        status = 200
    body = (
        f'<h1>{esc(path)} of {esc(integration.id)}</h1><p><a href="/dashboard/integrations/'
        f'{quote(integration.id, safe="")}">Back to the integration</a></p>'
        f'<nav aria-label="Models"><p>{models}</p></nav>'
        f"<details><summary>Filters (the API's parameters)</summary>{form}</details>{results}"
    )
    return _shell(session, f"{path} of {integration.id}", body, status)


# ---- an API request's error (where an error envelope's log_url points) ----


async def request_page(request: Request) -> Response:
    try:
        session = await _session(request)
    except _LoginRequired:
        return _to_login()

    def load() -> request_log.RequestError | None:
        with read_tx(request.app.state.engine) as conn:
            return request_log.get(conn, request.path_params["error_id"])

    found = await run_in_threadpool(load)
    if found is None:
        return _shell(
            session,
            "Not found",
            '<p class="error" role="alert">No such request (kept for 30 days by default).</p>',
            404,
        )
    target = found.path + (f"?{found.query}" if found.query else "")
    integration = ""
    if found.integration_id:
        integration = (
            f'<a href="/dashboard/integrations/{quote(found.integration_id, safe="")}">{esc(found.integration_id)}</a>'
        )
    body = (
        f"<h1>Request {esc(found.id)}</h1><dl>"
        f"<dt>At</dt><dd>{esc(to_wire(found.at))}</dd>"
        f"<dt>Request</dt><dd><code>{esc(found.method)} {esc(target)}</code></dd>"
        f"<dt>Integration</dt><dd>{integration or 'none sent'}</dd>"
        f"<dt>API key</dt><dd><code>{esc(found.api_key_prefix or '')}…</code></dd>"
        f"<dt>Answer</dt><dd>{found.status}</dd></dl>"
        f'<p class="error" role="alert"><strong>{esc(found.code)}</strong>: {esc(found.message)}</p>'
    )
    return _shell(session, f"Request {found.id}", body)


# ---- deleting an integration (asked for, then confirmed) ----


async def delete_page(request: Request) -> Response:
    try:
        session = await _session(request)
    except _LoginRequired:
        return _to_login()
    integration_id = request.path_params["integration_id"]

    def load() -> tenancy.Integration | None:
        with read_tx(request.app.state.engine) as conn:
            return tenancy.get_integration(conn, integration_id)

    integration = await run_in_threadpool(load)
    if integration is None:
        return _shell(session, "Not found", '<p class="error" role="alert">No such integration.</p>', 404)
    base = f"/dashboard/integrations/{quote(integration.id, safe='')}"
    body = (
        f"<h1>Delete {esc(integration.id)}?</h1>"
        f"<p>Its synced data, runs and files are deleted at once, its API reads answer 404 from then on, and "
        f"<code>integration-deleted</code> goes to the webhook subscribers. The customer's "
        f"{esc(TOOLS[integration.tool].label if integration.tool in TOOLS else integration.tool)} account is not "
        "touched. This cannot be undone.</p>"
        f'<form method="post" action="{base}/delete"><input type="hidden" name="csrf" value="{esc(session.csrf)}">'
        '<button class="danger" type="submit">Delete the integration</button></form>'
        f'<p><a href="{base}">Keep it</a></p>'
    )
    return _shell(session, f"Delete {integration.id}", body)


async def delete_integration(request: Request) -> Response:
    checked = await _checked(request)
    if isinstance(checked, Response):
        return checked
    integration_id = request.path_params["integration_id"]

    def delete() -> None:
        with write_tx(request.app.state.engine) as conn:
            tenancy.delete_integration(conn, integration_id)

    await run_in_threadpool(delete)
    log.info("dashboard: %r deleted %s", checked.username, integration_id)
    return RedirectResponse("/dashboard", status_code=303)


# ---- outgoing webhooks: subscriptions and deliveries ----

DELIVERIES_SHOWN = 50


async def webhooks_page(request: Request, notice: str | None = None) -> Response:
    try:
        session = await _session(request)
    except _LoginRequired:
        return _to_login()
    failed_only = request.query_params.get("failed") == "1"

    def load() -> tuple[
        list[webhooks.Subscription],
        dict[str, str],
        list[webhooks.Delivery],
        dict[str, list[webhooks.AttemptRecord]],
    ]:
        with read_tx(request.app.state.engine) as conn:
            subscriptions = webhooks.list_subscriptions(conn)
            names = webhooks.environment_names(conn)
            deliveries = webhooks.list_deliveries(conn, failed=failed_only, limit=DELIVERIES_SHOWN)
            attempts = webhooks.attempts_of(conn, [d.id for d in deliveries])
        return subscriptions, names, deliveries, attempts

    subscriptions, names, deliveries, attempts = await run_in_threadpool(load)
    sub_rows = "".join(
        f"<tr><td><code>{esc(sub.id)}</code></td><td>{esc(names.get(sub.environment_id, sub.environment_id))}</td>"
        f"<td>{esc(sub.url)}</td><td>{esc(', '.join(sub.event_types))}</td>"
        f'<td class="state-{"ACTIVE" if sub.enabled else "FAILED"}">'
        f"{'enabled' if sub.enabled else 'disabled: ' + esc(sub.disabled_reason or '')}</td>"
        f"<td>{sub.consecutive_failures}</td>"
        f"<td>{'' if sub.enabled else _button(session, f'/dashboard/webhooks/{sub.id}/enable', 'Enable')}</td></tr>"
        for sub in subscriptions
    )

    def last(delivery_id: str) -> str:
        tried = attempts.get(delivery_id) or []
        if not tried:
            return ""
        a = tried[-1]
        answer = f"HTTP {a.status_code}" if a.status_code is not None else esc(a.error or "no answer")
        return f"{answer}, {a.latency_ms} ms"

    delivery_rows = "".join(
        f"<tr><td><code>{esc(d.id)}</code></td><td>{esc(to_wire(d.created_at))}</td><td>{esc(d.event_type)}</td>"
        f'<td>{esc(d.url)}</td><td class="state-{"SUCCEEDED" if d.state == "SUCCEEDED" else esc(d.state)}">'
        f"{esc(d.state)}</td><td>{d.attempts}</td><td>{last(d.id)}</td>"
        f"<td>{_button(session, f'/dashboard/webhooks/deliveries/{d.id}/replay', 'Replay')}</td></tr>"
        for d in deliveries
    )
    alert = f'<p class="ok" role="status">{notice}</p>' if notice else ""
    which = (
        '<a href="/dashboard/webhooks">All deliveries</a>'
        if failed_only
        else '<a href="/dashboard/webhooks?failed=1">Only failed deliveries</a>'
    )
    body = (
        f"<h1>Webhooks</h1>{alert}<h2>Subscriptions</h2>"
        + (
            "<table><thead><tr><th scope=col>Subscription</th><th scope=col>Environment</th><th scope=col>URL</th>"
            "<th scope=col>Events</th><th scope=col>State</th><th scope=col>Failures in a row</th>"
            f"<th scope=col></th></tr></thead><tbody id=subscriptions>{sub_rows}</tbody></table>"
            if subscriptions
            else "<p>No subscriptions: create one with <code>hirebridge webhooks create</code>.</p>"
        )
        + f"<h2>Deliveries</h2><p>{which}</p>"
        + (
            "<table><thead><tr><th scope=col>Delivery</th><th scope=col>Created</th><th scope=col>Event</th>"
            "<th scope=col>URL</th><th scope=col>State</th><th scope=col>Attempts</th><th scope=col>Last answer</th>"
            f"<th scope=col></th></tr></thead><tbody id=deliveries>{delivery_rows}</tbody></table>"
            if deliveries
            else "<p>No deliveries.</p>"
        )
    )
    return _shell(session, "Webhooks", body)


async def webhook_action(request: Request) -> Response:
    checked = await _checked(request)
    if isinstance(checked, Response):
        return checked

    def act() -> str | None:
        with write_tx(request.app.state.engine) as conn:
            if "delivery_id" in request.path_params:
                replayed = webhooks.replay(conn, request.path_params["delivery_id"], utc_now())
                return None if replayed is None else f"Replayed as delivery <code>{esc(replayed)}</code>."
            enabled = webhooks.enable_subscription(conn, request.path_params["subscription_id"], utc_now())
            return None if enabled is None else "Subscription enabled; its waiting deliveries are due now."

    notice = await run_in_threadpool(act)
    if notice is None:
        return _shell(checked, "Not found", '<p class="error" role="alert">Not found.</p>', 404)
    log.info("dashboard: %r: %s", checked.username, request.url.path)
    return await webhooks_page(request, notice)
