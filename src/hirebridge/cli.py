"""The `hirebridge` command. Every subcommand reads HIREBRIDGE_DATABASE_URL (default: ./hirebridge.db)."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine

from hirebridge import crypto
from hirebridge.config import get_settings
from hirebridge.connectors.base import SyncKind
from hirebridge.connectors.registry import CONNECTORS, TOOLS
from hirebridge.connectors.settings import ConfigError
from hirebridge.jobs import Jobs
from hirebridge.logs import configure_logging
from hirebridge.store import migrate, tenancy
from hirebridge.store.db import make_engine, read_tx, write_tx
from hirebridge.store.sync_runs import SyncState
from hirebridge.sync.engine import SyncEngine, SyncError

app = typer.Typer(help="HireBridge: a self-hosted unified ATS API, wire-compatible with Kombo.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
integrations_app = typer.Typer(help="Integrations (connected ATS accounts).", no_args_is_help=True)
sandbox_app = typer.Typer(help="The built-in sandbox ATS.", no_args_is_help=True)
secret_key_app = typer.Typer(help="The key that encrypts integration credentials.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="api-keys")
app.add_typer(integrations_app, name="integrations")
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(secret_key_app, name="secret-key")

console = Console(stderr=True)
DEFAULT_DEMO_APPLICATIONS = 3000

HostOption = Annotated[str, typer.Option(help="Interface to listen on.")]
PortOption = Annotated[int, typer.Option(help="Port to listen on.")]
EnvironmentOption = Annotated[str, typer.Option("--environment", help="Environment name (created on first use).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]


def _require_secret_key() -> None:
    """Refuse to run without HIREBRIDGE_SECRET_KEY (only the demo may): credentials are never stored in the clear."""
    try:
        crypto.configure(get_settings().secret_key)
        crypto.cipher()
    except (crypto.SecretKeyMissing, ValueError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


def _engine(*, upgrade: bool = False, secrets: bool = True) -> Engine:
    if secrets:
        _require_secret_key()
    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level)
    engine = make_engine(settings.database_url)
    if upgrade:
        migrate.upgrade(engine)
    return engine


def _print_json(payload: object) -> None:
    sys.stdout.write(json.dumps(payload) + "\n")


def _run_sync(engine: Engine, integration_id: str, kind: SyncKind) -> bool:
    """Run a sync in the foreground with a progress display; True when it succeeded."""
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task(f"{kind.value.lower()} sync of {integration_id}", total=None)

        def on_page(model: str, written: int) -> None:
            progress.update(task, description=f"{kind.value.lower()} sync: {model} {written:,}")

        try:
            result = SyncEngine(engine).run(integration_id, kind, progress=on_page)
        except SyncError as exc:
            console.print(f"[red]{exc}[/red]")
            return False
        progress.update(task, description=f"{kind.value.lower()} sync {result.state.lower()}")
    totals = {k: sum(v[k] for v in result.stats.values()) for k in ("inserted", "updated", "deleted", "unchanged")}
    console.print(f"run {result.run_id}: {result.state} " + ", ".join(f"{k} {v:,}" for k, v in totals.items()))
    if result.error:
        console.print(f"[red]{result.error}[/red]")
    return result.state == SyncState.SUCCEEDED


def _serve(engine: Engine, host: str, port: int, workers: int = 1) -> None:
    from hirebridge.api import server
    from hirebridge.api.app import create_app

    # uvicorn with HireBridge's protocol and options (api/server.py), in both paths.
    # Embedded mode: queued syncs (POST /v1/force-sync) run in a worker thread of each API process;
    # distributed mode (HIREBRIDGE_WORKER_MODE): `hirebridge worker` processes run them (Jobs.for_process).
    if workers == 1:
        server.run(create_app(engine, run_worker=True), host=host, port=port)
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
    engine = _engine(upgrade=True, secrets=False)
    if engine.dialect.name == "postgresql":
        from hirebridge.jobs import distributed

        if distributed.apply_schema(distributed.conninfo(get_settings().database_url)):
            console.print("created the task queue's tables (procrastinate)")
    console.print(f"database at revision {migrate.current_revision(engine)}")


@app.command()
def serve(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    workers: Annotated[
        int, typer.Option(min=1, help="API processes; more than one share the port, /metrics aggregates them.")
    ] = 1,
) -> None:
    """Serve the API (applies migrations first)."""
    _serve(_engine(upgrade=True), host, port, workers)


@keys_app.command("create")
def api_keys_create(
    key: Annotated[str | None, typer.Option(help="Use this key instead of a generated one.")] = None,
    environment: EnvironmentOption = tenancy.DEFAULT_ENVIRONMENT,
    as_json: JsonOption = False,
) -> None:
    """Create an API key. The key is shown once; only its hash is stored."""
    engine = _engine(upgrade=True, secrets=False)
    with write_tx(engine) as conn:
        env = tenancy.get_or_create_environment(conn, environment)
        try:
            plain = tenancy.create_api_key(conn, env, key)
        except ValueError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from None
    if as_json:
        _print_json({"key": plain, "environment_id": env.id, "environment": env.name})
    else:
        console.print(f"API key for environment '{env.name}' (shown once): [bold]{plain}[/bold]")


def _pairs(values: list[str], what: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values:
        name, sep, content = value.partition("=")
        if not sep or not name:
            console.print(f"[red]--{what} takes NAME=VALUE, got {value!r}[/red]")
            raise typer.Exit(2)
        pairs[name.strip()] = content
    return pairs


@integrations_app.command("create")
def integrations_create(
    tool: Annotated[str, typer.Option(help=f"Tool: one of {', '.join(sorted(CONNECTORS))}.")],
    credential: Annotated[
        list[str] | None,
        typer.Option(help="A credential as NAME=VALUE, e.g. api_key=KEY (repeatable). Stored encrypted."),
    ] = None,
    base_url: Annotated[
        str | None, typer.Option(help="The tool's API base URL (default: the vendor's public API).")
    ] = None,
    setting: Annotated[
        list[str] | None,
        typer.Option(help="A connector setting as NAME=VALUE, e.g. requests_per_second=5 (repeatable)."),
    ] = None,
    applications: Annotated[int | None, typer.Option(help="Sandbox only: number of applications.")] = None,
    organization: Annotated[str | None, typer.Option(help="The customer's organization name.")] = None,
    sync_now: Annotated[bool, typer.Option("--sync/--no-sync", help="Queue the first FULL sync now.")] = True,
    environment: EnvironmentOption = tenancy.DEFAULT_ENVIRONMENT,
    as_json: JsonOption = False,
) -> None:
    """Create an integration (no sync yet: run `hirebridge sync <id>`)."""
    if tool not in CONNECTORS:
        console.print(f"[red]unknown tool '{tool}'; known: {', '.join(sorted(CONNECTORS))}[/red]")
        raise typer.Exit(2)
    config: dict[str, object] = {}
    if tool == "sandbox":
        config = {"applications": applications or DEFAULT_DEMO_APPLICATIONS, "step": 0}
    config.update(_pairs(setting or [], "setting"))
    if base_url:
        config["base_url"] = base_url
    secrets = _pairs(credential or [], "credential")
    unknown = set(secrets) - crypto.SECRET_FIELDS
    if unknown:
        known = ", ".join(sorted(crypto.SECRET_FIELDS))
        console.print(f"[red]unknown credential {', '.join(sorted(unknown))}; known: {known}[/red]")
        raise typer.Exit(2)
    config.update(secrets)
    try:  # building the connector validates the configuration before anything is stored
        TOOLS[tool].factory("validation", config)
    except (ConfigError, ValueError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    engine = _engine(upgrade=True)
    with write_tx(engine) as conn:
        env = tenancy.get_or_create_environment(conn, environment)
        integration = tenancy.create_integration(conn, env, tool, config, organization_name=organization)
    if sync_now:  # the first sync starts at once (run by `serve`'s worker or by `hirebridge worker`s)
        jobs = Jobs.for_process(engine, run_worker=False)
        try:
            jobs.enqueue_sync(integration.id, SyncKind.FULL)
        finally:
            jobs.stop()
    if as_json:
        _print_json({"id": integration.id, "tool": tool, "environment_id": env.id})
    else:
        console.print(f"created integration [bold]{integration.id}[/bold]")


@integrations_app.command("list")
def integrations_list(as_json: JsonOption = False) -> None:
    """List integrations of all environments."""
    engine = _engine(upgrade=True, secrets=False)
    with read_tx(engine) as conn:
        found = tenancy.list_integrations(conn)
    rows = [
        {
            "id": i.id,
            "tool": i.tool,
            "environment_id": i.environment_id,
            "enabled": i.enabled,
            "status": i.status,
            "first_sync_succeeded_at": i.first_sync_succeeded_at.isoformat() if i.first_sync_succeeded_at else None,
        }
        for i in found
    ]
    if as_json:
        _print_json(rows)
        return
    for row in rows:
        console.print(f"{row['id']}  tool={row['tool']}  first sync: {row['first_sync_succeeded_at'] or 'pending'}")


@app.command()
def sync(
    integration_id: Annotated[str, typer.Argument(help="The integration to sync.")],
    kind: Annotated[SyncKind, typer.Option(case_sensitive=False, help="FULL detects deletions.")] = SyncKind.FULL,
    enqueue: Annotated[
        bool, typer.Option("--enqueue", help="Queue it for the workers instead of running it here.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Sync an integration now, in the foreground (or queue it with --enqueue). Exits non-zero when the sync fails."""
    engine = _engine(upgrade=True)
    if enqueue:
        with read_tx(engine) as conn:
            if tenancy.get_integration(conn, integration_id) is None:
                console.print(f"[red]integration {integration_id} not found[/red]")
                raise typer.Exit(2)
        jobs = Jobs.for_process(engine, run_worker=False)
        try:
            queued = jobs.enqueue_sync(integration_id, kind)
        finally:
            jobs.stop()
        if as_json:
            _print_json({"sync_id": queued.run_id, "type": kind.value, "already_queued": queued.already_queued})
        else:
            state = "already queued" if queued.already_queued else "queued"
            console.print(f"{kind.value.lower()} sync {queued.run_id} {state}")
        return
    if not _run_sync(engine, integration_id, kind):
        raise typer.Exit(1)


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(min=1, help="Syncs this process runs at once (threads).")] = 2,
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve this worker's Prometheus metrics on this port (/metrics).")
    ] = None,
) -> None:
    """Run queued and scheduled syncs (distributed mode, PostgreSQL; start any number, on any machine).

    SIGTERM/SIGINT: running syncs finish their current page, are recorded CANCELLED and queued again.
    """
    from hirebridge.jobs import distributed

    settings = get_settings()
    engine = _engine()
    try:
        url = distributed.conninfo(settings.database_url)
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    # Workers never migrate on their own (several starting at once would race): `db upgrade` does it once.
    if not migrate.is_current(engine) or not distributed.schema_present(url):
        console.print("[red]the database schema is not current: run `hirebridge db upgrade` first[/red]")
        raise typer.Exit(2)
    if metrics_port is not None:  # syncs, records written, source calls and retries of this process
        import prometheus_client

        # All interfaces: Prometheus scrapes workers from another machine.
        prometheus_client.start_http_server(metrics_port, addr="0.0.0.0")
    console.print(f"worker started (concurrency {concurrency}); stop with SIGTERM or Ctrl-C")
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
    engine = _engine(upgrade=True, secrets=False)
    with write_tx(engine) as conn:
        if tenancy.get_integration(conn, integration_id) is None:
            console.print(f"[red]integration {integration_id} not found[/red]")
            raise typer.Exit(2)
        tenancy.set_schedule(conn, integration_id, full_every, delta_every)
    console.print(f"schedule of {integration_id} updated")


@sandbox_app.command("advance")
def sandbox_advance(
    integration_id: Annotated[str, typer.Argument(help="A sandbox integration.")],
    steps: Annotated[int, typer.Option(min=1, help="How many steps to move the source forward.")] = 1,
) -> None:
    """Move the sandbox ATS's data forward: new, changed and deleted records for the next sync."""
    engine = _engine(upgrade=True, secrets=False)
    with write_tx(engine) as conn:
        integration = tenancy.get_integration(conn, integration_id)
        if integration is None or integration.tool != "sandbox":
            console.print(f"[red]{integration_id} is not a sandbox integration[/red]")
            raise typer.Exit(2)
        config = dict(integration.config)
        config["step"] = int(config.get("step", 0)) + steps
        tenancy.update_integration_config(conn, integration_id, config)
    console.print(f"sandbox {integration_id} is now at step {config['step']}; run `hirebridge sync` to pick it up")


@secret_key_app.command("generate")
def secret_key_generate() -> None:
    """Print a new key for HIREBRIDGE_SECRET_KEY."""
    sys.stdout.write(crypto.generate_key() + "\n")


@secret_key_app.command("rotate")
def secret_key_rotate() -> None:
    """Re-encrypt all stored credentials with the first key of HIREBRIDGE_SECRET_KEY (put the new key first,
    keep the old one after it until this has run)."""
    engine = _engine(upgrade=True)
    with write_tx(engine) as conn:
        count = tenancy.reseal_all_credentials(conn)
    console.print(f"re-encrypted the credentials of {count} integration(s) with the first key")


@app.command()
def demo(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    api_key: Annotated[str | None, typer.Option(help="Use this API key (else a new one is printed).")] = None,
    applications: Annotated[int, typer.Option(help="Size of the sandbox.")] = DEFAULT_DEMO_APPLICATIONS,
) -> None:
    """Set up a sandbox integration with realistic data, sync it, and serve the API."""
    settings = get_settings()
    if not settings.secret_key:
        # A trial needs no set-up: keep a generated key beside the SQLite file (or in the working
        # directory for another database); see hirebridge.crypto.
        url = settings.database_url
        data_file = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else Path("hirebridge")
        crypto.configure(crypto.demo_key(data_file))
    engine = _engine(upgrade=True, secrets=crypto.configured() is None)
    with write_tx(engine) as conn:
        env = tenancy.get_or_create_environment(conn)
        key = tenancy.create_api_key(conn, env, api_key)
        integration = next(
            (
                i
                for i in tenancy.list_integrations(conn, env)
                if i.tool == "sandbox" and i.config.get("applications") == applications
            ),
            None,
        ) or tenancy.create_integration(conn, env, "sandbox", {"applications": applications, "step": 0})
    if integration.first_sync_succeeded_at is None and not _run_sync(engine, integration.id, SyncKind.FULL):
        raise typer.Exit(1)
    base = f"http://{host}:{port}/v1"
    console.print(
        "\n[bold]HireBridge demo is ready[/bold]\n"
        f"  API key:        {key}\n"
        f"  Integration id: {integration.id}\n\n"
        f"  curl -H 'Authorization: Bearer {key}' -H 'X-Integration-Id: {integration.id}' \\\n"
        f"       '{base}/ats/applications?page_size=2'\n",
        soft_wrap=True,  # a copy-pasteable curl line: never wrap it at the terminal width
    )
    _serve(engine, host, port)


if __name__ == "__main__":
    app()
