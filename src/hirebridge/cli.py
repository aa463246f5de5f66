"""The `hirebridge` command. Every subcommand reads HIREBRIDGE_DATABASE_URL (default: ./hirebridge.db).

Output: what a command produces goes to stdout — JSON with `--json`, else plain lines that are never
wrapped — and progress, notices and errors go to stderr. With HIREBRIDGE_LOG_FORMAT=json everything
on stderr is a JSON line (notices and errors are log records then, usage errors included).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import socket
import sys
import tempfile
import threading
import time
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine

from hirebridge import crypto, netguard
from hirebridge.config import Settings, get_settings
from hirebridge.connectors.framework.errors import ConfigError
from hirebridge.connectors.registry import CONNECTORS, TOOLS, Tool
from hirebridge.jobs import Jobs
from hirebridge.logs import configure_logging
from hirebridge.model import SyncKind
from hirebridge.store import admins, custom_fields, events, migrate, sync_runs, tenancy, webhooks
from hirebridge.store.db import make_engine, read_tx, write_tx
from hirebridge.store.sync_runs import SyncRun, SyncState
from hirebridge.sync.engine import SyncEngine, SyncError
from hirebridge.timefmt import to_wire, utc_now
from hirebridge.version import __version__

log = logging.getLogger("hirebridge.cli")


class _Cli(typer.Typer):
    """The command group; sets up logging before any command runs, and in the JSON log format turns
    what click would print as plain text (usage errors, "Aborted!", a crash's traceback) into log records."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            settings = get_settings()
            configure_logging(settings.log_format, settings.log_level)
        except (ValidationError, ValueError) as exc:
            sys.stderr.write(f"hirebridge: invalid setting: {exc}\n")
            sys.exit(2)
        if settings.log_format != "json":
            return super().__call__(*args, **kwargs)
        try:
            result = super().__call__(*args, **{**kwargs, "standalone_mode": False})
        except typer.TyperException as exc:  # a usage error: unknown option, missing argument...
            code = getattr(exc, "exit_code", 2)
            message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
            log.error(message, extra={"exit_code": code})
            sys.exit(code)
        except typer.Abort:
            log.error("aborted")
            sys.exit(1)
        except Exception:
            log.exception("hirebridge failed")
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


def _typer(help_text: str) -> typer.Typer:
    # Plain tracebacks: typer's pretty ones print local variables, which may hold credentials.
    return _Cli(help=help_text, no_args_is_help=True, pretty_exceptions_enable=False)


app = _typer("HireBridge: a self-hosted unified ATS API, wire-compatible with Kombo.")
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
integrations_app = typer.Typer(help="Integrations (connected ATS accounts).", no_args_is_help=True)
sandbox_app = typer.Typer(help="The built-in sandbox ATS.", no_args_is_help=True)
secret_key_app = typer.Typer(help="The key that encrypts integration credentials.", no_args_is_help=True)
tools_app = typer.Typer(help="The tools HireBridge connects to, and what connecting one takes.", no_args_is_help=True)
admins_app = typer.Typer(help="Operators who sign in to the dashboard (/dashboard).", no_args_is_help=True)
custom_fields_app = typer.Typer(
    help="Custom fields: keys an environment defines for records' custom_fields.", no_args_is_help=True
)
webhooks_app = typer.Typer(
    help="Outgoing webhooks (Kombo's events, signed with the environment's secret).", no_args_is_help=True
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"hirebridge {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option("--version", help="Print HireBridge's version and exit.", callback=_print_version, is_eager=True),
    ] = False,
) -> None:
    del version  # handled by its callback, before any command


app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="api-keys")
app.add_typer(integrations_app, name="integrations")
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(secret_key_app, name="secret-key")
app.add_typer(tools_app, name="tools")
app.add_typer(admins_app, name="admins")
app.add_typer(custom_fields_app, name="custom-fields")
app.add_typer(webhooks_app, name="webhooks")

# stderr, for progress, notices and errors in the text log format; never wraps (a long error or
# path stays one line that can be copied).
console = Console(stderr=True, soft_wrap=True, highlight=False)
# The sandbox size `integrations create --tool sandbox` and `demo` use unless --applications says otherwise.
DEFAULT_DEMO_APPLICATIONS = 3000
DEMO_API_KEY_SUFFIX = ".api-key"
# The demo's dashboard login (admin "admin"), kept beside the database like its API key.
DEMO_ADMIN = "admin"
DEMO_ADMIN_PASSWORD_SUFFIX = ".admin-password"
MIN_PASSWORD_LENGTH = 10

HostOption = Annotated[str, typer.Option(help="Interface to listen on.")]
PortOption = Annotated[int, typer.Option(help="Port to listen on.")]
EnvironmentOption = Annotated[str, typer.Option("--environment", help="Environment name (created on first use).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]
CredentialOption = Annotated[
    list[str] | None,
    typer.Option(
        help="A credential as NAME=VALUE, e.g. api_key=KEY (repeatable; `hirebridge tools show TOOL` lists them). "
        "Stored encrypted."
    ),
]
SettingOption = Annotated[
    list[str] | None,
    typer.Option(
        help="A connector setting as NAME=VALUE, e.g. requests_per_second=5 (repeatable; `hirebridge tools show "
        "TOOL` lists them)."
    ),
]
BaseUrlOption = Annotated[
    str | None, typer.Option(help="The tool's API base URL (default: the vendor's public API); --setting base_url=URL.")
]


class Kind(StrEnum):
    """Sync kinds as the command line spells them."""

    full = "full"
    delta = "delta"


def _json_logs() -> bool:
    return get_settings().log_format == "json"


def _out(text: str) -> None:
    """A line of the command's output (stdout), as is: no wrapping, no markup."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _note(message: str) -> None:
    """Progress or a notice (stderr; a log record in the JSON log format)."""
    if _json_logs():
        log.info(message)
    else:
        console.print(message, markup=False)


def _warn(message: str) -> None:
    if _json_logs():
        log.warning(message)
    else:
        console.print(message, style="yellow", markup=False)


def _fail(message: str, code: int = 2) -> NoReturn:
    """Report an error on stderr and exit with `code` (2: the command cannot run; 1: it ran and failed)."""
    if _json_logs():
        log.error(message, extra={"exit_code": code})
    else:
        console.print(message, style="red", markup=False)
    raise typer.Exit(code)


def _table(headers: list[str], rows: list[list[str]]) -> None:
    """Aligned columns on stdout, one line per row whatever the terminal's width."""
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]
    for line in [headers, *rows]:
        _out("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())


def _secrets(settings: Settings, *, create: bool = False) -> None:
    """Find the key that seals credentials (HIREBRIDGE_SECRET_KEY or the database's key file, see
    hirebridge.crypto); no key is fine until a credential must be sealed or opened."""
    try:
        crypto.configure_for(settings.database_url, settings.secret_key, create=create)
    except (crypto.SecretKeyConflict, ValueError) as exc:
        _fail(str(exc))


def _engine(*, upgrade: bool = True) -> Engine:
    engine = make_engine(get_settings().database_url)
    if upgrade:
        migrate.upgrade(engine)
    return engine


def _check_stored_credentials(engine: Engine, *, all_required: bool = False) -> None:
    """Refuse to start when stored credentials cannot be opened: no key at all, or a key that opens
    none of them (the wrong key). Some unreadable among readable ones is a warning — their syncs fail
    with CONFIGURATION_ERROR — unless `all_required`."""
    with read_tx(engine) as conn:
        sealed = [(i.id, i.sealed_credentials) for i in tenancy.list_integrations(conn) if i.sealed_credentials]
    if not sealed:
        return
    named = ", ".join(integration_id for integration_id, _ in sealed[:5]) + (", …" if len(sealed) > 5 else "")
    try:
        cipher = crypto.cipher()
    except crypto.SecretKeyMissing as exc:
        _fail(f"{exc} The database holds the credentials of {len(sealed)} integration(s): {named}.")
    unreadable = [integration_id for integration_id, token in sealed if not cipher.can_open(token)]
    if not unreadable:
        return
    if len(unreadable) == len(sealed) or all_required:
        _fail(
            f"the key from {cipher.source} cannot decrypt the stored credentials of {len(unreadable)} of "
            f"{len(sealed)} integration(s) ({', '.join(unreadable[:5])}): set HIREBRIDGE_SECRET_KEY to the key "
            "they were sealed with (during a rotation: the new key, then the old one)."
        )
    for integration_id in unreadable:
        _warn(
            f"the credentials of {integration_id} cannot be decrypted with the key from {cipher.source}: "
            "its syncs fail with CONFIGURATION_ERROR until they are stored again"
        )


def _written(run: SyncRun) -> int:
    return sum(counts.get(op, 0) for counts in run.stats.values() for op in ("inserted", "updated", "deleted"))


def _duration(run: SyncRun) -> float | None:
    if run.started_at is None or run.ended_at is None:
        return None
    return round((run.ended_at - run.started_at).total_seconds(), 3)


def _run_json(run: SyncRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "integration_id": run.integration_id,
        "kind": run.kind,
        "state": str(run.state),
        "created_at": to_wire(run.created_at),
        "started_at": to_wire(run.started_at),
        "finished_at": to_wire(run.ended_at),
        "duration_seconds": _duration(run),
        "records_written": _written(run),
        "stats": run.stats,
        "error_code": run.error_code,
        "error": run.error,
        "executor": run.executor,
    }


def _human_time(value: datetime | None) -> str:
    return "-" if value is None else f"{value:%Y-%m-%d %H:%M:%S}"


def _human_duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    return f"{minutes // 60}h{minutes % 60:02d}m"


def _human_error(run: SyncRun, limit: int = 200) -> str:
    if run.error_code is None and run.error is None:
        return ""
    text = " ".join(f"{run.error_code or ''}: {run.error or ''}".split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _run_sync(engine: Engine, integration_id: str, kind: SyncKind) -> SyncRun:
    """Run a sync in the foreground (a progress display on an interactive stderr); the recorded run.
    Exits 1 when the sync cannot start (another run holds the integration)."""
    label = f"{kind.value.lower()} sync of {integration_id}"
    try:
        if _json_logs() or not console.is_terminal:  # the engine logs its start and end
            result = SyncEngine(engine).run(integration_id, kind)
        else:
            with Progress(
                SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console
            ) as progress:
                task = progress.add_task(label, total=None)

                def on_page(model: str, written: int) -> None:
                    progress.update(task, description=f"{kind.value.lower()} sync: {model} {written:,}")

                result = SyncEngine(engine).run(integration_id, kind, progress=on_page)
                progress.update(task, description=f"{kind.value.lower()} sync {result.state.lower()}")
    except SyncError as exc:
        _fail(str(exc), 1)
    with read_tx(engine) as conn:
        run = sync_runs.get_run(conn, result.run_id)
    assert run is not None
    return run


def _run_summary(run: SyncRun) -> str:
    totals = {k: sum(v.get(k, 0) for v in run.stats.values()) for k in ("inserted", "updated", "deleted", "unchanged")}
    counts = ", ".join(f"{k} {v:,}" for k, v in totals.items())
    took = _human_duration(_duration(run))
    return f"run {run.id}: {run.kind} sync of {run.integration_id} {run.state} in {took}: {counts}"


def _print_json(payload: object) -> None:
    sys.stdout.write(json.dumps(payload) + "\n")


def _serve(engine: Engine, host: str, port: int, workers: int = 1, settings: Settings | None = None) -> None:
    from hirebridge.api import server
    from hirebridge.api.app import create_app

    # Links HireBridge hands out (connect links, webhooks' log_url) point at where it is served, unless
    # HIREBRIDGE_PUBLIC_URL says otherwise (a proxy in front). Set in the environment: --workers
    # processes read their settings from it.
    if not os.environ.get("HIREBRIDGE_PUBLIC_URL"):
        shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        os.environ["HIREBRIDGE_PUBLIC_URL"] = f"http://{shown}:{port}"
        get_settings.cache_clear()
    # uvicorn with HireBridge's protocol and options (api/server.py), in both paths.
    # Embedded mode: queued syncs (POST /v1/force-sync) run in a worker thread of each API process;
    # distributed mode (HIREBRIDGE_WORKER_MODE): `hirebridge worker` processes run them (Jobs.for_process).
    if workers == 1:
        server.run(create_app(engine, run_worker=True, settings=settings), host=host, port=port)
        return
    # N processes, each building its own engine from the settings (hirebridge.api.asgi); migrations were
    # applied once, here, before they start. Their metrics go to files in one directory so that any
    # process's /metrics answers for all of them; it must be set before they import prometheus_client.
    engine.dispose()
    metrics_dir = None
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        metrics_dir = tempfile.mkdtemp(prefix="hirebridge-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    try:
        server.run("hirebridge.api.asgi:create", factory=True, workers=workers, host=host, port=port)
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all schema migrations (on PostgreSQL also the task queue's tables, for `hirebridge worker`)."""
    engine = _engine()
    if engine.dialect.name == "postgresql":
        from hirebridge.jobs import distributed

        if distributed.apply_schema(distributed.conninfo(get_settings().database_url)):
            _note("created the task queue's tables (procrastinate)")
    _out(f"database at revision {migrate.current_revision(engine)}")


@app.command()
def serve(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    workers: Annotated[
        int, typer.Option(min=1, help="API processes; more than one share the port, /metrics aggregates them.")
    ] = 1,
) -> None:
    """Serve the API (applies migrations first). In the embedded worker mode (the default) it also runs
    queued and scheduled syncs; in the distributed mode `hirebridge worker`s do."""
    _secrets(get_settings())
    engine = _engine()
    _check_stored_credentials(engine)
    _serve(engine, host, port, workers)


@keys_app.command("create")
def api_keys_create(
    key: Annotated[str | None, typer.Option(help="Use this key instead of a generated one.")] = None,
    environment: EnvironmentOption = tenancy.DEFAULT_ENVIRONMENT,
    as_json: JsonOption = False,
) -> None:
    """Create an API key. The key is shown once; only its hash is stored."""
    engine = _engine()
    with write_tx(engine) as conn:
        env = tenancy.get_or_create_environment(conn, environment)
        try:
            plain = tenancy.create_api_key(conn, env, key)
        except ValueError as exc:
            _fail(str(exc))
    if as_json:
        _print_json({"key": plain, "environment_id": env.id, "environment": env.name})
    else:
        _out(f"API key for environment '{env.name}' (shown once): {plain}")


def _pairs(values: list[str], what: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values:
        name, sep, content = value.partition("=")
        if not sep or not name:
            _fail(f"--{what} takes NAME=VALUE, got {value!r}")
        pairs[name.strip()] = content
    return pairs


def _known_tool(tool: str) -> None:
    if tool not in TOOLS:
        _fail(f"unknown tool '{tool}'; known: {', '.join(sorted(TOOLS))}")


def _tool_config(
    tool: str, settings: dict[str, str], credentials: dict[str, str], stored: dict[str, Any] | None = None
) -> dict[str, Any]:
    """What to store of the --setting and --credential values given for `tool`, checked against its
    declared schema (`hirebridge tools show`; on top of `stored` when an integration is changed), each
    as its field's type. Exits 2 naming the field, before anything is stored."""
    schema = TOOLS[tool].config
    for name in settings:
        if name in schema and schema[name].secret:
            _fail(f"{schema[name].title()} is a credential of {tool}: pass it as --credential {name}=VALUE")
    for name in credentials:
        if name in schema and not schema[name].secret:
            _fail(f"{schema[name].title()} is a setting of {tool}, not a credential: pass it as --setting {name}=VALUE")
    try:
        return schema.validate({**settings, **credentials}, tool=tool, stored=stored)
    except ConfigError as exc:
        _fail(f"{exc}; see `hirebridge tools show {tool}`")


def _check_buildable(tool: str, config: dict[str, Any]) -> None:
    """Build the connector once: it may refuse what the schema alone cannot see (e.g. its auth)."""
    try:
        TOOLS[tool].factory("validation", config)
    except (ConfigError, ValueError) as exc:
        _fail(str(exc))


def _credential_key(settings: Settings) -> None:
    """Exit 2 unless a key to seal credentials with is configured."""
    _secrets(settings)
    try:
        crypto.cipher()
    except crypto.SecretKeyMissing as exc:
        _fail(str(exc))


@integrations_app.command("create")
def integrations_create(
    tool: Annotated[str, typer.Option(help=f"The tool to connect: {', '.join(sorted(CONNECTORS))}.")],
    credential: CredentialOption = None,
    base_url: BaseUrlOption = None,
    setting: SettingOption = None,
    applications: Annotated[
        int | None,
        typer.Option(min=1, help=f"Sandbox only: number of applications (default {DEFAULT_DEMO_APPLICATIONS})."),
    ] = None,
    organization: Annotated[
        str | None, typer.Option(help="The customer's organization name (`end_user.organization_name`).")
    ] = None,
    sync_now: Annotated[
        bool,
        typer.Option(
            "--sync/--no-sync",
            help="Queue the first FULL sync (run by `serve` or a `worker`; `hirebridge sync <id>` runs it here).",
        ),
    ] = True,
    environment: EnvironmentOption = tenancy.DEFAULT_ENVIRONMENT,
    as_json: JsonOption = False,
) -> None:
    """Create an integration and queue its first FULL sync (--no-sync: queue nothing).

    The sync is not run here: `hirebridge serve` (embedded mode) or a `hirebridge worker` runs it, or
    run it in the foreground with `hirebridge sync <id>`. Credentials need a key (HIREBRIDGE_SECRET_KEY,
    or the key file `hirebridge demo` keeps beside the database); a sandbox needs none.
    """
    settings = get_settings()
    _known_tool(tool)
    given: dict[str, str] = {}
    if tool == "sandbox":
        given = {"applications": str(applications or DEFAULT_DEMO_APPLICATIONS), "step": "0"}
    elif applications is not None:
        _fail("--applications is for the sandbox only")
    given.update(_pairs(setting or [], "setting"))
    if base_url:
        given["base_url"] = base_url
    secrets = _pairs(credential or [], "credential")
    # Checked against the tool's schema and built once, before anything is stored.
    config = _tool_config(tool, given, secrets)
    _check_buildable(tool, config)
    if secrets:
        _credential_key(settings)
    engine = _engine()
    with write_tx(engine) as conn:
        env = tenancy.get_or_create_environment(conn, environment)
        integration = tenancy.create_integration(conn, env, tool, config, organization_name=organization)
    if sync_now:
        jobs = Jobs.for_process(engine, run_worker=False)
        try:
            jobs.enqueue_sync(integration.id, SyncKind.FULL)
        finally:
            jobs.stop()
    if as_json:
        _print_json({"id": integration.id, "tool": tool, "environment_id": env.id})
    else:
        _out(f"created integration {integration.id}")
    if sync_now:
        _note(
            f"its first FULL sync is queued: `hirebridge serve` or a worker runs it; "
            f"`hirebridge sync {integration.id}` runs it now"
        )


@integrations_app.command("update")
def integrations_update(
    integration_id: Annotated[str, typer.Argument(help="The integration.")],
    credential: CredentialOption = None,
    base_url: BaseUrlOption = None,
    setting: SettingOption = None,
) -> None:
    """Change an integration's settings or credentials (NAME= puts a setting back to its default).

    New credentials replace the rejected ones of an INVALID integration: it is scheduled again. The
    result is checked like `integrations create` checks, before anything is stored."""
    settings = get_settings()
    given = _pairs(setting or [], "setting")
    if base_url:
        given["base_url"] = base_url
    secrets = _pairs(credential or [], "credential")
    if not given and not secrets:
        _fail("nothing to change: pass --setting, --credential or --base-url")
    engine = _engine()
    with read_tx(engine) as conn:
        integration = tenancy.get_integration(conn, integration_id)
    if integration is None:
        _fail(f"integration {integration_id} not found")
    stored = dict(integration.config)
    if integration.sealed_credentials is not None:
        _secrets(settings)
        try:
            stored.update(crypto.cipher().open(integration.sealed_credentials))
        except crypto.CredentialsUnreadable as exc:
            _fail(f"cannot update {integration_id}: {exc}")
    changed = _tool_config(integration.tool, given, secrets, stored)
    config = {name: value for name, value in stored.items() if name not in given and name not in secrets}
    config.update(changed)
    _check_buildable(integration.tool, config)
    if secrets:
        _credential_key(settings)
    plain, sealed = crypto.split_secrets(config)
    with write_tx(engine) as conn:
        tenancy.update_integration_config(conn, integration_id, plain)
        if secrets:
            tenancy.update_credentials(conn, integration_id, sealed)
    _note(f"integration {integration_id} updated: {', '.join(sorted({*given, *secrets}))}")


def _setup(integration: tenancy.Integration, last: SyncRun | None) -> str:
    """COMPLETED once a sync succeeded; before that PENDING, or how the last attempt ended (FAILED, CANCELLED)."""
    if integration.first_sync_succeeded_at is not None:
        return "COMPLETED"
    return "PENDING" if last is None else str(last.state)


@integrations_app.command("list")
def integrations_list(as_json: JsonOption = False) -> None:
    """List integrations of all environments, with their last finished sync."""
    engine = _engine()
    with read_tx(engine) as conn:
        found = [(i, sync_runs.last_finished_run(conn, i.id)) for i in tenancy.list_integrations(conn)]
    if as_json:
        _print_json(
            [
                {
                    "id": i.id,
                    "tool": i.tool,
                    "environment_id": i.environment_id,
                    "organization_name": i.end_user_organization_name,
                    "enabled": i.enabled,
                    "status": i.status,
                    # Kombo's value, as GET /v1/integrations/{id} has it (last_run tells a failure apart).
                    "setup_status": i.setup_status,
                    "first_sync_succeeded_at": to_wire(i.first_sync_succeeded_at),
                    "last_run": None if last is None else _run_json(last),
                }
                for i, last in found
            ]
        )
        return
    if not found:
        _note("no integrations yet: `hirebridge integrations create --tool sandbox`")
        return
    rows = [
        [
            i.id,
            i.status,
            _setup(i, last),
            "-" if last is None else f"{last.state} {_human_time(last.ended_at)} {last.error_code or ''}".strip(),
            i.end_user_organization_name or "",
        ]
        for i, last in found
    ]
    _table(["INTEGRATION", "STATUS", "SETUP", "LAST RUN (UTC)", "ORGANIZATION"], rows)


@app.command()
def sync(
    integration_id: Annotated[str, typer.Argument(help="The integration to sync.")],
    kind: Annotated[
        Kind, typer.Option(case_sensitive=False, help="full detects deletions; delta fetches changes only.")
    ] = Kind.full,
    enqueue: Annotated[
        bool, typer.Option("--enqueue", help="Queue it for `serve` or the workers instead of running it here.")
    ] = False,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print the run (like `hirebridge runs --json`) or the queued sync as JSON."),
    ] = False,
) -> None:
    """Sync an integration now, in the foreground (or queue it with --enqueue). Exits non-zero when the sync
    fails or cannot run."""
    sync_kind = SyncKind(kind.value.upper())
    settings = get_settings()
    engine = _engine()
    with read_tx(engine) as conn:
        integration = tenancy.get_integration(conn, integration_id)
    if integration is None:
        _fail(f"integration {integration_id} not found")
    if enqueue:
        jobs = Jobs.for_process(engine, run_worker=False)
        try:
            queued = jobs.enqueue_sync(integration_id, sync_kind)
        finally:
            jobs.stop()
        if as_json:
            _print_json({"sync_id": queued.run_id, "type": sync_kind.value, "already_queued": queued.already_queued})
        else:
            _out(f"{kind.value} sync {queued.run_id} {'already queued' if queued.already_queued else 'queued'}")
        return
    if integration.sealed_credentials is not None:  # open them before a run is recorded
        _secrets(settings)
        try:
            crypto.cipher().open(integration.sealed_credentials)
        except crypto.CredentialsUnreadable as exc:
            _fail(f"cannot sync {integration_id}: {exc}")
    run = _run_sync(engine, integration_id, sync_kind)
    if as_json:
        _print_json(_run_json(run))
    else:
        _out(_run_summary(run))
    if run.state != SyncState.SUCCEEDED:
        _fail(f"{run.error_code}: {run.error}", 1)


@app.command()
def runs(
    integration_id: Annotated[
        str | None, typer.Argument(help="Only this integration's runs (default: all integrations).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many runs, newest first.")] = 20,
    as_json: JsonOption = False,
) -> None:
    """Sync runs, newest first: kind, state, times, records written, error code and message."""
    engine = _engine()
    with read_tx(engine) as conn:
        if integration_id is not None and tenancy.get_integration(conn, integration_id) is None:
            _fail(f"integration {integration_id} not found")
        found = sync_runs.recent_runs(conn, integration_id, limit)
    if as_json:
        _print_json([_run_json(run) for run in found])
        return
    if not found:
        _note("no sync runs yet")
        return
    now = utc_now()
    rows = []
    for run in found:
        duration = _duration(run)
        if duration is None and run.started_at is not None and run.state == SyncState.RUNNING:
            duration = (now - run.started_at).total_seconds()
        row = [run.id, run.kind, str(run.state), _human_time(run.started_at), _human_time(run.ended_at)]
        row += [_human_duration(duration), f"{_written(run):,}", _human_error(run)]
        rows.append(row if integration_id else [run.id, run.integration_id, *row[1:]])
    headers = ["RUN", "KIND", "STATE", "STARTED (UTC)", "FINISHED (UTC)", "DURATION", "WRITTEN", "ERROR"]
    _table(headers if integration_id else ["RUN", "INTEGRATION", *headers[1:]], rows)


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(min=1, help="Syncs this process runs at once (threads).")] = 2,
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve this worker's Prometheus metrics on this port (/metrics).")
    ] = None,
) -> None:
    """Run queued and scheduled syncs (distributed mode, PostgreSQL; start any number, on any machine).

    Needs a current schema (`hirebridge db upgrade`; workers never migrate). SIGTERM/SIGINT: running
    syncs finish their current page, are recorded CANCELLED and queued again.
    """
    from hirebridge.jobs import distributed

    settings = get_settings()
    try:
        url = distributed.conninfo(settings.database_url)
    except ValueError as exc:
        _fail(str(exc))
    _secrets(settings)
    # Workers never migrate on their own (several starting at once would race): `db upgrade` does it once.
    engine = _engine(upgrade=False)
    if not migrate.is_current(engine) or not distributed.schema_present(url):
        _fail("the database schema is not current: run `hirebridge db upgrade` first")
    _check_stored_credentials(engine)
    if metrics_port is not None:  # syncs, records written, source calls and retries of this process
        import prometheus_client

        # All interfaces: Prometheus scrapes workers from another machine.
        prometheus_client.start_http_server(metrics_port, addr="0.0.0.0")
    _note(f"worker started (concurrency {concurrency}); stop with SIGTERM or Ctrl-C")
    distributed.run_worker(engine, url, concurrency, settings)


@integrations_app.command("schedule")
def integrations_schedule(
    integration_id: Annotated[str, typer.Argument(help="The integration.")],
    full_every: Annotated[
        int | None, typer.Option(min=0, help="Minutes between FULL syncs (0 = the global default).")
    ] = None,
    delta_every: Annotated[
        int | None, typer.Option(min=0, help="Minutes between DELTA syncs (0 = the global default).")
    ] = None,
) -> None:
    """Override an integration's sync schedule."""
    engine = _engine()
    with write_tx(engine) as conn:
        if tenancy.get_integration(conn, integration_id) is None:
            _fail(f"integration {integration_id} not found")
        tenancy.set_schedule(conn, integration_id, full_every, delta_every)
    _note(f"schedule of {integration_id} updated")


@integrations_app.command("set-webhook-secret")
def integrations_set_webhook_secret(
    integration_id: Annotated[str, typer.Argument(help="The integration.")],
    secret: Annotated[
        str | None,
        typer.Option(help="The secret (else read from stdin; several comma-separated for Lever's per-event tokens)."),
    ] = None,
    generate: Annotated[
        bool, typer.Option("--generate", help="Generate a secret, store it and show it once (Ashby, Greenhouse).")
    ] = False,
    clear: Annotated[
        bool, typer.Option("--clear", help="Remove the secret: the vendor's webhooks are refused.")
    ] = False,
) -> None:
    """Store the secret the vendor signs its webhooks for this integration with (docs/upstream-webhooks.md).

    The vendor sends them to POST <HireBridge URL>/webhooks/upstream/<integration id>. The secret is
    sealed with the integration's credentials; it is read from stdin unless --secret or --generate."""
    settings = get_settings()
    if sum((secret is not None, generate, clear)) > 1:
        _fail("pass one of --secret, --generate and --clear")
    engine = _engine()
    with read_tx(engine) as conn:
        integration = tenancy.get_integration(conn, integration_id)
    if integration is None:
        _fail(f"integration {integration_id} not found")
    if TOOLS[integration.tool].webhooks is None:
        _fail(f"{TOOLS[integration.tool].label} sends no webhooks HireBridge receives")
    value: str | None = None
    if generate:
        import secrets

        value = secrets.token_hex(32)
    elif not clear:
        value = (secret if secret is not None else sys.stdin.read()).strip()
        if not value:
            _fail("no secret given: pass --secret, pipe it on stdin, or --generate one")
    _credential_key(settings)
    with write_tx(engine) as conn:
        tenancy.set_credential(conn, integration_id, "webhook_secret", value)
    if generate:
        _out(f"webhook secret of {integration_id} (shown once; enter it at the vendor): {value}")
    _note(
        f"webhook secret of {integration_id} {'removed' if clear else 'stored'}; the vendor sends to "
        f"POST <HireBridge URL>/webhooks/upstream/{integration_id}"
    )


@sandbox_app.command("advance")
def sandbox_advance(
    integration_id: Annotated[str, typer.Argument(help="A sandbox integration.")],
    steps: Annotated[int, typer.Option(min=1, help="How many steps to move the source forward.")] = 1,
) -> None:
    """Move the sandbox ATS's data forward: new, changed and deleted records for the next sync."""
    engine = _engine()
    with write_tx(engine) as conn:
        integration = tenancy.get_integration(conn, integration_id)
        if integration is None or integration.tool != "sandbox":
            _fail(f"{integration_id} is not a sandbox integration")
        step = TOOLS["sandbox"].config.parse(integration.config, tool="sandbox")["step"] + steps
        config = {**integration.config, "step": step}
        tenancy.update_integration_config(conn, integration_id, config)
    _note(f"sandbox {integration_id} is now at step {config['step']}; run `hirebridge sync` to pick it up")


def _tool_json(tool: Tool) -> dict[str, Any]:
    """A tool and its configuration schema, as `GET /v1/tools/ats` lists it (never a value)."""
    return {
        "id": tool.id,
        "label": tool.label,
        "connection_guide_url": tool.connection_guide_url,
        "supports_delta": tool.supports_delta,
        "config_schema": tool.config.describe(),
    }


@tools_app.command("list")
def tools_list(as_json: JsonOption = False) -> None:
    """The tools HireBridge has connectors for."""
    if as_json:
        _print_json([_tool_json(tool) for tool in TOOLS.values()])
        return
    rows = [[t.id, t.label, "yes" if t.supports_delta else "no", t.connection_guide_url or ""] for t in TOOLS.values()]
    _table(["TOOL", "LABEL", "DELTA", "CONNECTION GUIDE"], rows)


@tools_app.command("show")
def tools_show(
    tool_id: Annotated[str, typer.Argument(metavar="TOOL", help="The tool, e.g. lever.")],
    as_json: JsonOption = False,
) -> None:
    """What connecting a tool takes: its configuration fields, their types, which are required, their
    defaults, which are credentials, what each means and where the vendor explains it."""
    _known_tool(tool_id)
    tool = TOOLS[tool_id]
    if as_json:
        _print_json(_tool_json(tool))
        return
    _out(f"{tool.label} ({tool.id})" + (f": {tool.connection_guide_url}" if tool.connection_guide_url else ""))
    for field in tool.config.fields:
        traits = [field.type, "required" if field.required else "optional"]
        if field.default is not None and not field.secret:
            traits.append(f"default {field.default}")
        if field.minimum is not None:
            traits.append(f"min {field.minimum:g}")
        if field.maximum is not None:
            traits.append(f"max {field.maximum:g}")
        how = f"--credential {field.name}=VALUE, stored encrypted" if field.secret else f"--setting {field.name}=VALUE"
        _out("")
        _out(f"{field.name}  {', '.join(traits)}  ({how})")
        _out(f"  {field.label or field.name}" + (f": {field.help}" if field.help else ""))
        if field.vendor_url:
            _out(f"  {field.vendor_url}")
    if tool.webhooks is not None:  # docs/upstream-webhooks.md
        _out("")
        _out("webhooks  POST <HireBridge URL>/webhooks/upstream/<integration id>  (integrations set-webhook-secret)")
        _out(f"  {tool.webhooks.setup}")
        _out(f"  events: {', '.join(tool.webhooks.events)}")


@secret_key_app.command("generate")
def secret_key_generate() -> None:
    """Print a new key for HIREBRIDGE_SECRET_KEY."""
    sys.stdout.write(crypto.generate_key() + "\n")


@secret_key_app.command("rotate")
def secret_key_rotate() -> None:
    """Re-encrypt all stored credentials with the first key of HIREBRIDGE_SECRET_KEY (put the new key first,
    keep the old one after it until this has run; to leave the demo's key file, put its key second)."""
    settings = get_settings()
    if not settings.secret_key:
        _fail("set HIREBRIDGE_SECRET_KEY to the new key followed by the current one: NEW,OLD")
    _secrets(settings)
    engine = _engine()
    _check_stored_credentials(engine, all_required=True)
    with write_tx(engine) as conn:
        count = tenancy.reseal_all_credentials(conn)
        secrets_count = webhooks.reseal_secrets(conn)
    _note(
        f"re-encrypted the credentials of {count} integration(s) and {secrets_count} webhook secret(s) "
        "with the first key"
    )
    key_file = crypto.key_file(settings.database_url)
    cipher = crypto.configured()
    if key_file.exists() and cipher is not None and key_file.read_text().strip() != cipher.keys[0]:
        _note(f"the key file {key_file.resolve()} is no longer needed: delete it, keep HIREBRIDGE_SECRET_KEY")


def _reserve_port(host: str, port: int) -> socket.socket:
    """Listen on (host, port) now, so that a busy port fails the demo before it sets anything up."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except OSError as exc:
        _fail(f"cannot listen on {host}:{port}: {exc}")
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn: TIME_WAIT leftovers are no obstacle
    try:
        sock.bind(address)
        sock.listen()
    except OSError as exc:
        sock.close()
        _fail(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}. Is another server (an earlier demo?) using "
            f"the port? Stop it, or choose another port: `hirebridge demo --port {port + 1}` "
            f"(`make demo PORT={port + 1}`)."
        )
    return sock


def _announce_when_serving(host: str, port: int, text: str) -> None:
    """Print `text` once the API answers on (host, port): "ready" only when it is."""
    import http.client

    target = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)

    def wait() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            connection = http.client.HTTPConnection(target, port, timeout=2)
            try:
                connection.request("GET", "/health")
                if connection.getresponse().status == 200:
                    _out(text)
                    return
            except OSError:
                pass
            finally:
                connection.close()
            time.sleep(0.1)

    threading.Thread(target=wait, name="demo-ready", daemon=True).start()


def _password(from_stdin: bool) -> tuple[str, bool]:
    """The password to set: read from stdin, or generated (then True: it must be shown)."""
    if not from_stdin:
        return secrets.token_urlsafe(12), True
    password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < MIN_PASSWORD_LENGTH:
        _fail(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return password, False


PasswordStdinOption = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the password from stdin's first line (default: generate one)."),
]


@admins_app.command("create")
def admins_create(
    username: Annotated[str, typer.Argument(help="The name to sign in with.")],
    password_stdin: PasswordStdinOption = False,
) -> None:
    """Create a dashboard admin. A generated password is shown once; only its scrypt hash is stored."""
    password, generated = _password(password_stdin)
    engine = _engine()
    try:
        with write_tx(engine) as conn:
            admins.create_admin(conn, username, password, utc_now())
    except admins.AdminExists as exc:
        _fail(f"{exc}; change its password with `hirebridge admins set-password {username}`")
    _out(f"admin '{username}' created" + (f"; password (shown once): {password}" if generated else ""))


@admins_app.command("set-password")
def admins_set_password(
    username: Annotated[str, typer.Argument(help="The admin.")],
    password_stdin: PasswordStdinOption = False,
) -> None:
    """Give an admin a new password (their sessions end)."""
    password, generated = _password(password_stdin)
    with write_tx(_engine()) as conn:
        if not admins.set_password(conn, username, password):
            _fail(f"no admin named '{username}'")
    _out(f"password of '{username}' changed" + (f" (shown once): {password}" if generated else ""))


@custom_fields_app.command("create")
def custom_fields_create(
    model: Annotated[str, typer.Option(help="applications, candidates, jobs or offers.")],
    key: Annotated[str, typer.Option(help="The key in the records' custom_fields, e.g. tshirt_size.")],
    label: Annotated[str | None, typer.Option(help="A label for people.")] = None,
    description: Annotated[str | None, typer.Option(help="What it holds.")] = None,
    environment: EnvironmentOption = tenancy.DEFAULT_ENVIRONMENT,
    as_json: JsonOption = False,
) -> None:
    """Define a custom field; each integration maps it to one of its fields (PUT
    /v1/integrations/{id}/custom-fields/{custom field id}) to fill it."""
    engine = _engine()
    try:
        with write_tx(engine) as conn:
            env = tenancy.get_or_create_environment(conn, environment)
            field = custom_fields.create(conn, env.id, model, key, utc_now(), label, description)
    except ValueError as exc:
        _fail(str(exc))
    if as_json:
        _print_json({"id": field.id, "model": field.model, "key": field.key, "environment": environment})
    else:
        _out(f"custom field {field.id}: {field.model}.{field.key} in environment '{environment}'")


@custom_fields_app.command("list")
def custom_fields_list(
    environment: EnvironmentOption = tenancy.DEFAULT_ENVIRONMENT, as_json: JsonOption = False
) -> None:
    """The environment's custom fields."""
    with read_tx(_engine()) as conn:
        env = tenancy.get_or_create_environment(conn, environment)
        fields = custom_fields.of_environment(conn, env.id)
    if as_json:
        _print_json([{"id": f.id, "model": f.model, "key": f.key, "label": f.label} for f in fields])
        return
    for f in fields:
        _out(f"{f.id}\t{f.model}\t{f.key}\t{f.label or ''}")


@custom_fields_app.command("delete")
def custom_fields_delete(field_id: Annotated[str, typer.Argument(help="The custom field's id.")]) -> None:
    """Delete a custom field and every integration's mapping of it."""
    with write_tx(_engine()) as conn:
        deleted = custom_fields.delete_field(conn, field_id)
    if deleted is None:
        _fail(f"no custom field {field_id}")
    _out(f"deleted custom field {field_id} ({deleted.model}.{deleted.key})")


def _demo_admin(engine: Engine, password_path: Path) -> str:
    """The demo's dashboard password for admin `DEMO_ADMIN`: the one kept in `password_path` if it
    still signs in, else a new one (the admin created or its password reset), kept there."""
    saved = password_path.read_text().strip() if password_path.exists() else None
    with write_tx(engine) as conn:
        if saved and admins.authenticate(conn, DEMO_ADMIN, saved) is not None:
            return saved
        password = secrets.token_urlsafe(12)
        if not admins.set_password(conn, DEMO_ADMIN, password):
            admins.create_admin(conn, DEMO_ADMIN, password, utc_now())
    crypto.write_private_file(password_path, password)
    return password


def _demo_api_key(engine: Engine, key_path: Path, given: str | None, new: bool) -> tuple[tenancy.Environment, str]:
    """The demo's API key: `given`; else the one the last demo on this database kept in `key_path` (0600)
    if it still opens the default environment; else (or with `new`) a new one, kept there."""
    saved = key_path.read_text().strip() if key_path.exists() else None
    with write_tx(engine) as conn:
        env = tenancy.get_or_create_environment(conn)
        if given is None and not new and saved and tenancy.environment_for_key(conn, saved) == env:
            return env, saved
        try:
            key = tenancy.create_api_key(conn, env, given)
        except ValueError as exc:
            _fail(str(exc))
    if key != saved:
        crypto.write_private_file(key_path, key)
    return env, key


@app.command()
def demo(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    api_key: Annotated[
        str | None, typer.Option(help="Use this API key (default: the previous demo's, else a new one).")
    ] = None,
    new_api_key: Annotated[
        bool, typer.Option("--new-api-key", help="Create a new API key instead of reusing the previous demo's.")
    ] = False,
    applications: Annotated[int, typer.Option(min=1, help="Size of the sandbox.")] = DEFAULT_DEMO_APPLICATIONS,
) -> None:
    """Set up a sandbox integration with realistic data, sync it, and serve the API.

    Fails at once if the port is taken. Idempotent: a re-run reuses the environment, the sandbox of the
    same size (synced once) and the API key, which is kept beside the database file
    (`<database file>.api-key`, mode 0600; for PostgreSQL `hirebridge.api-key` in the working
    directory). Without HIREBRIDGE_SECRET_KEY it keeps a generated key the same way
    (`<database file>.secret-key`), which every other command on that database finds by itself.
    """
    settings = get_settings()
    reserved = _reserve_port(host, port)  # before anything is set up or printed
    try:
        _secrets(settings, create=True)
        engine = _engine()
        _check_stored_credentials(engine)
        key_path = crypto.beside_database(settings.database_url, DEMO_API_KEY_SUFFIX)
        env, key = _demo_api_key(engine, key_path, api_key, new_api_key)
        admin_path = crypto.beside_database(settings.database_url, DEMO_ADMIN_PASSWORD_SUFFIX)
        admin_password = _demo_admin(engine, admin_path)
        with write_tx(engine) as conn:
            integration = next(
                (
                    i
                    for i in tenancy.list_integrations(conn, env)
                    if i.tool == "sandbox"
                    and TOOLS["sandbox"].config.parse(i.config, tool="sandbox")["applications"] == applications
                ),
                None,
            ) or tenancy.create_integration(conn, env, "sandbox", {"applications": applications, "step": 0})
        if integration.first_sync_succeeded_at is None:
            run = _run_sync(engine, integration.id, SyncKind.FULL)
            if run.state != SyncState.SUCCEEDED:
                _fail(f"the demo's sync failed: {run.error_code}: {run.error}", 1)
    finally:
        reserved.close()  # uvicorn binds it next
    base = f"http://{host}:{port}/v1"
    _announce_when_serving(
        host,
        port,
        "\nHireBridge demo is ready\n"
        f"  API key:        {key}  (kept in {key_path}; --new-api-key for another)\n"
        f"  Integration id: {integration.id}\n\n"
        f"  curl -H 'Authorization: Bearer {key}' -H 'X-Integration-Id: {integration.id}' \\\n"
        f"       '{base}/ats/applications?page_size=2'\n\n"
        f"  Dashboard:      http://{host}:{port}/dashboard  (sign in as {DEMO_ADMIN} / {admin_password};\n"
        f"                  kept in {admin_path})\n\n"
        "  Every other command finds this database's keys by itself, e.g. `hirebridge runs`.\n",
    )
    # A trial's webhook receiver runs on the same machine: the demo may deliver to loopback and
    # private addresses (a deployment may not, unless HIREBRIDGE_WEBHOOK_ALLOW_PRIVATE_URLS).
    _serve(engine, host, port, settings=settings.model_copy(update={"webhook_allow_private_urls": True}))


# --- outgoing webhooks ---


def _subscription_json(sub: webhooks.Subscription, environment: str) -> dict[str, Any]:
    return {
        "id": sub.id,
        "environment": environment,
        "url": sub.url,
        "event_types": list(sub.event_types),
        "enabled": sub.enabled,
        "disabled_reason": sub.disabled_reason,
        "created_at": to_wire(sub.created_at),
    }


@webhooks_app.command("create")
def webhooks_create(
    url: Annotated[str, typer.Option(help="Where events are POSTed (http or https).")],
    environment: EnvironmentOption = tenancy.DEFAULT_ENVIRONMENT,
    event_types: Annotated[
        str | None,
        typer.Option("--events", help="Comma-separated event types (default: all), e.g. data-changed,sync-finished."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Subscribe URL to the environment's events. The environment's first subscription generates its
    webhook secret, printed this once (`rotate-secret` makes a new one). The URL must resolve to a
    public address unless HIREBRIDGE_WEBHOOK_ALLOW_PRIVATE_URLS=true."""
    settings = get_settings()
    _credential_key(settings)  # the secret is stored encrypted
    try:
        netguard.check(url, settings.webhook_allow_private_urls)
    except netguard.AddressRefused as exc:
        _fail(f"refused: {exc} (HIREBRIDGE_WEBHOOK_ALLOW_PRIVATE_URLS=true allows private addresses)")
    types = [t.strip() for t in event_types.split(",") if t.strip()] if event_types else None
    engine = _engine()
    try:
        with write_tx(engine) as conn:
            env = tenancy.get_or_create_environment(conn, environment)
            sub, secret = webhooks.create_subscription(conn, env.id, url, types, utc_now())
    except webhooks.SubscriptionRefused as exc:
        _fail(str(exc))
    if as_json:
        _print_json({**_subscription_json(sub, environment), "secret": secret})
        return
    _out(f"subscription {sub.id}: {url} ({', '.join(sub.event_types)})")
    if secret is not None:
        _out(f"webhook secret of environment {environment} (shown once; verify X-Kombo-Signature with it): {secret}")


@webhooks_app.command("list")
def webhooks_list(as_json: JsonOption = False) -> None:
    """Subscriptions of every environment: URL, event types, enabled or why disabled."""
    engine = _engine()
    with read_tx(engine) as conn:
        names = webhooks.environment_names(conn)
        found = webhooks.list_subscriptions(conn)
    if as_json:
        _print_json([_subscription_json(sub, names.get(sub.environment_id, "")) for sub in found])
        return
    if not found:
        _note("no webhook subscriptions")
        return
    rows = [
        [
            sub.id,
            names.get(sub.environment_id, ""),
            "enabled" if sub.enabled else f"DISABLED: {sub.disabled_reason or ''}",
            sub.url,
            ",".join(sub.event_types) if sub.event_types != events.EVENT_TYPES else "all",
        ]
        for sub in found
    ]
    _table(["SUBSCRIPTION", "ENVIRONMENT", "STATE", "URL", "EVENTS"], rows)


@webhooks_app.command("delete")
def webhooks_delete(subscription_id: Annotated[str, typer.Argument(help="The subscription's id.")]) -> None:
    """Delete a subscription with its pending and past deliveries."""
    engine = _engine()
    with write_tx(engine) as conn:
        deleted = webhooks.delete_subscription(conn, subscription_id)
    if not deleted:
        _fail(f"webhook subscription {subscription_id} not found")
    _out(f"deleted subscription {subscription_id}")


@webhooks_app.command("enable")
def webhooks_enable(subscription_id: Annotated[str, typer.Argument(help="The subscription's id.")]) -> None:
    """Enable a subscription disabled for failing: the deliveries kept for it are due now, and its issue
    is resolved (`issue-status-changed`)."""
    engine = _engine()
    with write_tx(engine) as conn:
        found = webhooks.enable_subscription(conn, subscription_id, utc_now())
    if found is None:
        _fail(f"webhook subscription {subscription_id} not found")
    _out(f"enabled subscription {subscription_id}")


@webhooks_app.command("rotate-secret")
def webhooks_rotate_secret(environment: EnvironmentOption = tenancy.DEFAULT_ENVIRONMENT) -> None:
    """Generate a new webhook secret for the environment and print it (once). Deliveries from now on
    are signed with it; receivers must be given it."""
    settings = get_settings()
    _credential_key(settings)
    engine = _engine()
    with write_tx(engine) as conn:
        env = tenancy.find_environment(conn, environment)
        if env is None:
            _fail(f"environment {environment} not found")
        secret = webhooks.rotate_secret(conn, env.id)
    _out(f"new webhook secret of environment {environment} (shown once): {secret}")


def _delivery_json(delivery: webhooks.Delivery, attempts: list[webhooks.AttemptRecord]) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "event_id": delivery.event_id,
        "event_type": delivery.event_type,
        "subscription_id": delivery.subscription_id,
        "url": delivery.url,
        "state": delivery.state,
        "attempts": [
            {
                "attempted_at": to_wire(a.attempted_at),
                "status_code": a.status_code,
                "latency_ms": a.latency_ms,
                "response_excerpt": a.response_excerpt,
                "error": a.error,
            }
            for a in attempts
        ],
        "next_attempt_at": to_wire(delivery.next_attempt_at) if delivery.state == webhooks.PENDING else None,
        "created_at": to_wire(delivery.created_at),
        "finished_at": to_wire(delivery.finished_at),
    }


@webhooks_app.command("deliveries")
def webhooks_deliveries(
    failed: Annotated[bool, typer.Option("--failed", help="Only deliveries that gave up (FAILED).")] = False,
    limit: Annotated[int, typer.Option(min=1, help="How many, newest first.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """Deliveries, newest first: event, subscription, state, attempts and the last answer."""
    engine = _engine()
    with read_tx(engine) as conn:
        found = webhooks.list_deliveries(conn, failed=failed, limit=limit)
        attempts = webhooks.attempts_of(conn, [d.id for d in found])
    if as_json:
        _print_json([_delivery_json(d, attempts[d.id]) for d in found])
        return
    if not found:
        _note("no failed deliveries" if failed else "no deliveries yet")
        return
    rows = []
    for d in found:
        last = attempts[d.id][-1] if attempts[d.id] else None
        answer = "" if last is None else (last.error or f"HTTP {last.status_code}")
        rows.append(
            [d.id, d.event_type, d.subscription_id, d.state, str(d.attempts), _human_time(d.created_at), answer[:120]]
        )
    _table(["DELIVERY", "EVENT", "SUBSCRIPTION", "STATE", "ATTEMPTS", "CREATED (UTC)", "LAST ANSWER"], rows)


@webhooks_app.command("replay")
def webhooks_replay(delivery_id: Annotated[str, typer.Argument(help="The delivery to send again.")]) -> None:
    """Send a delivery's event again to its subscription (a new delivery, due now; same event id)."""
    engine = _engine()
    with write_tx(engine) as conn:
        new_id = webhooks.replay(conn, delivery_id, utc_now())
    if new_id is None:
        _fail(f"delivery {delivery_id} not found")
    _out(f"delivery {new_id} queued (replay of {delivery_id})")


if __name__ == "__main__":
    app()
