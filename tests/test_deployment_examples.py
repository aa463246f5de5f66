"""The deployment examples (docs/deployment.md) say what the code does. No container runtime runs here,
so what can be checked is checked: every `hirebridge` command line in the Dockerfile, compose.yaml and
the systemd units is one the CLI accepts; every HIREBRIDGE_* setting they name exists; the secret key
comes from the env file; long-running services have health checks; the image's final stage is slim,
runs as a non-root user and installs no build tools; systemd itself finds nothing wrong in the units."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from hirebridge.cli import app
from hirebridge.config import Settings

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
SETTINGS = {f"HIREBRIDGE_{name.upper()}" for name in Settings.model_fields}


def accepted(argv: list[str]) -> None:
    """Parse `hirebridge ARGV` as the CLI would (options, arguments, subcommands) without running it;
    typer.TyperException (a usage error) when it would be refused."""
    # typer ships its own click; its types are not public, hence Any.
    command: Any = typer.main.get_command(app)
    context = command.make_context("hirebridge", list(argv))
    while isinstance(command, typer.core.TyperGroup):
        rest = [*context._protected_args, *context.args]  # what the group leaves to its subcommand
        assert rest, f"{argv}: no command"
        name, found, rest = command.resolve_command(context, rest)
        assert found is not None, f"{argv}: no command {name}"
        command, context = found, found.make_context(name, rest, parent=context)


def test_the_parser_check_refuses_what_the_cli_refuses() -> None:
    accepted(["serve", "--host", "0.0.0.0", "--port", "8000"])
    for wrong in (["serve", "--hots", "x"], ["worker", "--concurrency", "0"], ["db", "upgrad"]):
        with pytest.raises(typer.TyperException):
            accepted(wrong)


def env_keys(path: Path) -> set[str]:
    return {line.split("=", 1)[0] for line in path.read_text().splitlines() if re.match(r"^[A-Z_]+=", line)}


def test_the_dockerfile_builds_a_slim_non_root_image_whose_entrypoint_is_the_cli() -> None:
    text = (REPO / "Dockerfile").read_text()
    stages = re.split(r"^FROM ", text, flags=re.M)[1:]
    final = stages[-1]
    assert final.startswith("python:3.11-slim")
    assert not re.search(r"apt-get|build-essential|gcc|pip install[^\n]* build\b", final), final
    user = re.search(r"^USER (\S+)", final, re.M)
    assert user is not None and user.group(1) not in ("root", "0")
    assert re.search(r"^ENTRYPOINT \[\"hirebridge\"\]$", final, re.M)
    cmd = re.search(r"^CMD (\[.*\])$", final, re.M)
    assert cmd is not None
    accepted(yaml.safe_load(cmd.group(1)))
    assert "/ready" in final  # the health check asks the API's readiness
    ignored = (REPO / ".dockerignore").read_text()
    copied = re.findall(r"^COPY (?!--from)(.+) \S+$", text, re.M)
    for name in " ".join(copied).split():  # what the build copies is let through .dockerignore
        assert f"!{name.rstrip('/')}" in ignored or f"!{name}" in ignored, name


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return loaded


def test_compose_runs_api_replicas_and_workers_on_postgresql_with_health_checks() -> None:
    services = compose()["services"]
    ours = {name: s for name, s in services.items() if s.get("image") == "hirebridge:latest"}
    assert set(ours) == {"migrate", "api", "worker"}
    for name, service in ours.items():
        accepted(service["command"])
        assert service["env_file"] == "hirebridge.env"
        environment = service["environment"]
        assert set(environment) <= SETTINGS, set(environment) - SETTINGS
        assert environment["HIREBRIDGE_WORKER_MODE"] == "distributed"
        assert (
            environment["HIREBRIDGE_DATABASE_URL"].startswith("postgresql://")
            and "@db:5432/" in environment["HIREBRIDGE_DATABASE_URL"]
        )
        assert "HIREBRIDGE_SECRET_KEY" not in environment  # from the env file, never inline
        if name != "migrate":
            assert service["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
            assert service["deploy"]["replicas"] >= 2
            assert service["healthcheck"]["test"][0] == "CMD"
    assert ours["api"]["command"][0] == "serve" and "/ready" in " ".join(ours["api"]["healthcheck"]["test"])
    worker = ours["worker"]["command"]
    assert worker[0] == "worker" and worker[worker.index("--metrics-port") + 1] in " ".join(
        ours["worker"]["healthcheck"]["test"]
    )
    assert ours["migrate"]["command"] == ["db", "upgrade"]
    assert services["db"]["healthcheck"]["test"][0] == "CMD-SHELL"
    example = env_keys(DEPLOY / "hirebridge.env.example")
    assert "HIREBRIDGE_SECRET_KEY" in example and "POSTGRES_PASSWORD" in example
    assert example - {"POSTGRES_PASSWORD"} <= SETTINGS


@pytest.mark.parametrize("unit", UNITS, ids=[u.name for u in UNITS])
def test_the_systemd_units_run_commands_the_cli_accepts(unit: Path) -> None:
    text = unit.read_text()
    start = re.search(r"^ExecStart=(.+)$", text, re.M)
    assert start is not None
    argv = shlex.split(start.group(1))
    assert argv[0] == "/opt/hirebridge/venv/bin/hirebridge"
    accepted(argv[1:])
    assert re.search(r"^User=hirebridge$", text, re.M) and "EnvironmentFile=/etc/hirebridge/hirebridge.env" in text


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_finds_nothing_wrong_in_the_units(tmp_path: Path) -> None:
    """`systemd-analyze verify` on copies whose executable and env file exist on this machine."""
    hirebridge = Path(sys.executable).parent / "hirebridge"
    env_file = tmp_path / "hirebridge.env"
    env_file.write_text("HIREBRIDGE_SECRET_KEY=x\n")
    copies = []
    for unit in UNITS:
        copy = tmp_path / unit.name
        copy.write_text(
            unit.read_text()
            .replace("/opt/hirebridge/venv/bin/hirebridge", str(hirebridge))
            .replace("/etc/hirebridge/hirebridge.env", str(env_file))
        )
        copies.append(str(copy))
    checked = subprocess.run(["systemd-analyze", "verify", *copies], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0 and not checked.stdout.strip() and not checked.stderr.strip(), checked.stderr
