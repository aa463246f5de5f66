"""The hosted connect page: where a customer, with only a link, connects their ATS (Kombo Connect).

`GET /connect?token=...` shows the tools (unless the link names one), then the tool's credential form,
generated from the connector's declared config schema (labels, help, the vendor's link; secrets as
password fields; the client tunables under "Advanced"). `POST /connect` checks the credentials with
the connector's `check()` before anything is stored; on success it creates the integration (or, for a
relink, stores the new credentials), uses up the link, queues the first sync, and shows an activation
token that the page also posts to the window that opened it (`window.opener` / `window.parent`), for the
API user's frontend to hand to its backend (GET /v1/connect/integration-by-token).

Server-rendered HTML with no script needed but that one message; no external assets. Forms are
protected by a double-submit CSRF token (a SameSite=Strict cookie that must equal the form's field),
on top of the link token itself. A secret entered is never written back into a page, a log or an error:
a refused form is shown again with the plain settings kept and the secret fields empty.
"""

from __future__ import annotations

import html
import logging
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from hirebridge import netguard
from hirebridge.api import pages
from hirebridge.api.body import read_body
from hirebridge.config import Settings
from hirebridge.connectors.registry import (
    TOOLS,
    ConfigError,
    CredentialsInvalid,
    SourceError,
    SourceUnavailable,
    Tool,
    check_connection,
)
from hirebridge.model import SyncKind
from hirebridge.store import connect, events, tenancy
from hirebridge.store.connect import ConnectLink, LinkUnusable
from hirebridge.store.db import read_tx, write_tx
from hirebridge.timefmt import utc_now

log = logging.getLogger(__name__)

CSRF_COOKIE = "hb_connect_csrf"
# A credential form is a few short fields.
FORM_LIMIT = 64 << 10


def _page(title: str, body: str, status: int = 200, csrf: str | None = None, scripts: bool = False) -> HTMLResponse:
    # Embeddable: an API user shows the flow in a frame or a popup of its own page.
    response = pages.page(title, body, status=status, scripts=scripts, frameable=True)
    if csrf is not None:
        response.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="strict", path="/connect")
    return response


def _refused(message: str, status: int = 400) -> HTMLResponse:
    return _page(
        "Link not usable",
        f'<h1>This link cannot be used</h1><p class="error" role="alert">{html.escape(message)}</p>',
        status,
    )


def _link(request: Request, token: str) -> ConnectLink:
    with read_tx(request.app.state.engine) as conn:
        return connect.usable_link(conn, token, utc_now())


def _tool_picker(token: str, link: ConnectLink) -> HTMLResponse:
    items = "".join(
        f'<li><a href="/connect?{html.escape(urlencode({"token": token, "tool": tool.id}))}">'
        f"{html.escape(tool.label)}</a></li>"
        for tool in sorted(TOOLS.values(), key=lambda t: t.label)
    )
    body = (
        f"<h1>Connect your ATS</h1><p>{html.escape(link.end_user_organization_name)}: choose the applicant tracking "
        f'system you use.</p><nav aria-label="Tools"><ul class="tools">{items}</ul></nav>'
    )
    return _page("Choose your ATS", body)


def _field_html(tool: Tool, name: str, values: dict[str, str], error_field: str | None) -> str:
    field = tool.config[name]
    kind = "password" if field.secret else ("url" if field.type == "url" else "text")
    if field.type in ("int", "float"):
        kind = "number"
    described = f"help-{name}"
    help_text = html.escape(field.help)
    if field.vendor_url:
        help_text += (
            f' <a href="{html.escape(field.vendor_url)}" target="_blank" rel="noopener noreferrer">Where to find it</a>'
        )
    value = "" if field.secret else values.get(name, "")
    if not value and field.default is not None and not field.secret and name not in values:
        value = str(field.default)
    attributes = [
        f'id="f-{name}"',
        f'name="{html.escape(name)}"',
        f'type="{kind}"',
        f'value="{html.escape(value)}"',
        f'aria-describedby="{described}"',
        'autocomplete="off"',
    ]
    if kind == "number":
        attributes.append('step="any"')
    if field.required:
        attributes.append("required")
    if error_field == name:
        attributes.append('aria-invalid="true"')
    label = html.escape(field.label or name) + ("" if field.required else " (optional)")
    return (
        f'<label for="f-{name}">{label}</label><input {" ".join(attributes)}>'
        f'<p class="help" id="{described}">{help_text}</p>'
    )


def _form(
    token: str,
    tool: Tool,
    csrf: str,
    *,
    relink: bool,
    values: dict[str, str] | None = None,
    error: str | None = None,
    error_field: str | None = None,
) -> HTMLResponse:
    values = values or {}
    names = [f.name for f in tool.config.fields if not (relink and not f.secret)]
    main_fields = [n for n in names if not tool.config[n].advanced]
    advanced = [n for n in names if tool.config[n].advanced]
    fields = "".join(_field_html(tool, n, values, error_field) for n in main_fields)
    if advanced:
        fields += (
            "<details><summary>Advanced</summary>"
            + "".join(_field_html(tool, n, values, error_field) for n in advanced)
            + "</details>"
        )
    alert = f'<div class="error" role="alert" id="error">{html.escape(error)}</div>' if error else ""
    guide = ""
    if tool.connection_guide_url:
        guide = (
            f'<p><a href="{html.escape(tool.connection_guide_url)}" target="_blank" rel="noopener noreferrer">'
            f"How to create credentials in {html.escape(tool.label)}</a></p>"
        )
    what = "Reconnect" if relink else "Connect"
    body = (
        f"<h1>{what} {html.escape(tool.label)}</h1>{alert}{guide}"
        '<form method="post" action="/connect">'
        f'<input type="hidden" name="token" value="{html.escape(token)}">'
        f'<input type="hidden" name="tool" value="{html.escape(tool.id)}">'
        f'<input type="hidden" name="csrf" value="{html.escape(csrf)}">'
        f'{fields}<button type="submit">{what}</button></form>'
    )
    return _page(f"{what} {tool.label}", body, 400 if error else 200, csrf)


async def connect_page(request: Request) -> Response:
    token = request.query_params.get("token", "")
    try:
        link = await run_in_threadpool(_link, request, token)
    except LinkUnusable as exc:
        return _refused(str(exc))
    chosen = link.integration_tool or request.query_params.get("tool")
    if chosen is None:
        return _tool_picker(token, link)
    if chosen not in TOOLS:
        return _refused(f"Unknown tool '{chosen}'.", 404)
    csrf = request.cookies.get(CSRF_COOKIE) or pages.new_csrf()
    return _form(token, TOOLS[chosen], csrf, relink=link.relink_integration_id is not None)


def _problem(exc: Exception, tool: Tool) -> tuple[str, str | None]:
    """What the customer is told (never the secret, never the source's raw answer) and the field at fault."""
    if isinstance(exc, ConfigError):
        return str(exc), exc.field
    if isinstance(exc, CredentialsInvalid):
        return (
            f"{tool.label} did not accept these credentials (wrong key, or a key without the permissions "
            "HireBridge needs). Check them and try again.",
            None,
        )
    if isinstance(exc, SourceUnavailable):
        return f"{tool.label} could not be reached. Check the address under Advanced, or try again later.", None
    return f"{tool.label} answered in a way HireBridge could not use. Try again, or contact support.", None


def vendor_domain(default_url: str) -> str:
    """The domain a tool's API URL may move within (a sandbox or regional host of the vendor's): the
    default's host without its first label (`api.lever.co` -> `lever.co`; `{subdomain}.workable.com`
    -> `workable.com`), or the host itself when that would leave a bare suffix (`example.com`)."""
    host = urlsplit(default_url).hostname or ""
    labels = [label for label in host.split(".") if "{" not in label]
    if len(labels) == len(host.split(".")) and len(labels) > 2:
        labels = labels[1:]
    return ".".join(labels)


def _vendor_addresses_only(tool: Tool, entered: dict[str, str], config: dict[str, Any]) -> None:
    """ConfigError on the field unless every URL the customer entered is on its vendor's own domain
    and resolves to public addresses. Whoever holds a link could otherwise have HireBridge send the
    credentials, and every sync after, to the deployment's own network (cloud metadata, internal
    services) or to a name of their own that they later point there (DNS rebinding at sync time)."""
    for name, value in entered.items():
        field = tool.config[name]
        if field.type != "url" or value == field.default:  # the form's own default: the vendor's API
            continue
        url = str(config[name])
        domain = vendor_domain(str(field.default))
        host = urlsplit(url).hostname or ""
        if not domain or (host != domain and not host.endswith(f".{domain}")):
            raise ConfigError(
                f"{field.title()} must be an address under {domain}, {tool.label}'s own domain.", field=name
            )
        try:
            netguard.check(url, allow_private=False)
        except netguard.AddressRefused as exc:
            raise ConfigError(f"{field.title()} must be a public address ({exc}).", field=name) from None


async def submit(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    engine = request.app.state.engine
    # The form is urlencoded (the page's own, no files): parsed here, within a small body limit.
    raw = await read_body(request, limit=FORM_LIMIT)
    given = dict(parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True))
    token, tool_id, csrf = given.pop("token", ""), given.pop("tool", ""), given.pop("csrf", "")
    if not pages.csrf_matches(request, CSRF_COOKIE, csrf):
        return _refused("The form expired or was not sent from this page. Open the link again.", 403)
    try:
        link = await run_in_threadpool(_link, request, token)
    except LinkUnusable as exc:
        return _refused(str(exc))
    if tool_id not in TOOLS or (link.integration_tool is not None and tool_id != link.integration_tool):
        return _refused("This link is for another tool.", 400)
    tool = TOOLS[tool_id]
    relink = link.relink_integration_id is not None
    entered = {k: v.strip() for k, v in given.items() if k in tool.config and v.strip()}
    plain = {k: v for k, v in entered.items() if not tool.config[k].secret}

    def stored_config() -> dict[str, Any] | None:
        if link.relink_integration_id is None:
            return None
        with read_tx(engine) as conn:
            integration = tenancy.get_integration(conn, link.relink_integration_id)
        return None if integration is None else integration.connector_config()

    try:
        stored = await run_in_threadpool(stored_config)
        if relink and stored is None:
            return _refused("The integration this link reconnects no longer exists.", 404)
        # What the customer entered, checked; on top of the stored configuration when relinking.
        config = {**(stored or {}), **tool.config.validate(entered, tool=tool.id, stored=stored)}
        if not settings.connect_any_api_url:
            await run_in_threadpool(_vendor_addresses_only, tool, entered, config)
        await run_in_threadpool(check_connection, tool.id, config)
    except (ConfigError, SourceError, ValueError) as exc:
        message, field = _problem(exc, tool)
        log.info("connect: %s credentials refused for link %s: %s", tool.id, link.id, type(exc).__name__)
        await run_in_threadpool(_flow_failed, request, link, tool.id, settings)
        return _form(token, tool, csrf, relink=relink, values=plain, error=message, error_field=field)

    def save() -> tuple[str, str]:
        now = utc_now()
        with write_tx(engine) as conn:
            if link.relink_integration_id is not None:
                secret = {k: v for k, v in config.items() if k in tool.config and tool.config[k].secret}
                tenancy.update_credentials(conn, link.relink_integration_id, secret)
                integration_id = link.relink_integration_id
            else:
                environment = tenancy.get_environment(conn, link.environment_id)
                if environment is None:
                    raise LinkUnusable("This link's environment no longer exists.")
                integration_id = tenancy.create_integration(
                    conn,
                    environment,
                    tool.id,
                    config,
                    link.end_user_organization_name,
                    email=link.end_user_email,
                    origin_id=link.end_user_origin_id,
                ).id
            activation = connect.complete(
                conn, link, integration_id, now, timedelta(minutes=settings.connect_activation_minutes)
            )
        return integration_id, activation

    try:
        integration_id, activation = await run_in_threadpool(save)
    except LinkUnusable as exc:
        return _refused(str(exc))
    await run_in_threadpool(request.app.state.jobs.enqueue_sync, integration_id, SyncKind.FULL)
    log.info("connect: link %s connected %s", link.id, integration_id)
    return _done(tool, activation, relink)


def _flow_failed(request: Request, link: ConnectLink, tool: str, settings: Settings) -> None:
    end_user = {
        "organization_name": link.end_user_organization_name,
        "creator_email": link.end_user_email,
        "origin_id": link.end_user_origin_id,
    }
    with write_tx(request.app.state.engine) as conn:
        events.connection_flow_failed(
            conn, link.environment_id, tool, end_user, f"{settings.public_url.rstrip('/')}/connect"
        )


def _done(tool: Tool, activation: str, relink: bool) -> HTMLResponse:
    what = "reconnected" if relink else "connected"
    # The activation token goes to the window that opened the flow (an API user's embedding page);
    # a person who followed a magic link just sees that it worked.
    script = (
        "<script>(function(){var m={type:'hirebridge-connect',status:'success',activationToken:"
        + _js_string(activation)
        + "};var t=window.opener||(window.parent!==window?window.parent:null);if(t){t.postMessage(m,'*');}})();"
        "</script>"
    )
    body = (
        f'<h1>{html.escape(tool.label)} is {what}</h1><p class="ok" role="status">'
        "HireBridge checked the credentials and saved them. The first sync has started. You can close this window.</p>"
        f'<p class="help">Activation token (for the application that sent you here): '
        f'<code id="activation-token">{html.escape(activation)}</code></p>{script}'
    )
    return _page(f"{tool.label} {what}", body, scripts=True)


def _js_string(value: str) -> str:
    """`value` as a JavaScript string literal (it is a URL-safe token: letters, digits, - and _)."""
    if not all(c.isalnum() or c in "-_" for c in value):
        raise ValueError("not a token")
    return f"'{value}'"
