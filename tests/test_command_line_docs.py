"""The README's command list and the commands' --help say what the command line does."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from hirebridge.cli import DEFAULT_DEMO_APPLICATIONS, app
from tests.commands import hb

REPO = Path(__file__).resolve().parents[1]


def _cli_commands() -> dict[str, set[str]]:
    """Every leaf command ("integrations create") with its long options (--help aside)."""
    found: dict[str, set[str]] = {}

    def walk(command: object, path: list[str]) -> None:
        children = getattr(command, "commands", None)
        if children:
            for name, child in children.items():
                walk(child, [*path, name])
            return
        options: set[str] = set()
        for param in getattr(command, "params", []):
            options.update(o for o in [*param.opts, *param.secondary_opts] if o.startswith("--"))
        found[" ".join(path)] = options - {"--help"}

    walk(typer.main.get_command(app), [])
    return found


def _readme_commands() -> dict[str, set[str]]:
    """The README's "The command line" block: one command per line (indented lines continue it)."""
    text = (REPO / "README.md").read_text()
    block = text.split("## The command line", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    found: dict[str, set[str]] = {}
    current = ""
    for line in block.splitlines():
        line = line.split("#", 1)[0]
        if line.startswith("hirebridge "):
            words = line.split()[1:]
            current = " ".join(w for w in words[:2] if re.fullmatch(r"[a-z][a-z-]*", w))
            found[current] = set()
        found[current] |= set(re.findall(r"--[a-z][a-z-]*", line))
    return found


def test_the_readme_lists_every_command_with_every_option() -> None:
    assert _readme_commands() == _cli_commands()


def test_help_matches_behaviour(database_url: str) -> None:
    wide = {"COLUMNS": "200"}
    create = hb(database_url, "integrations", "create", "--help", env=wide).stdout
    assert "queue its first FULL sync" in create and "no sync yet" not in create
    assert f"(default {DEFAULT_DEMO_APPLICATIONS})" in create
    sync = hb(database_url, "sync", "--help", env=wide).stdout
    assert "<full|delta>" in sync and "[default: full]" in sync  # choices and default spelled alike
    assert "FULL" not in sync.split("--kind", 1)[1].split("\n", 1)[0]
    # The documented default is what the command does; both spellings are accepted.
    created = hb(database_url, "integrations", "create", "--tool", "sandbox", "--applications", "20", "--no-sync")
    integration_id = created.stdout.split()[-1]
    assert "FULL sync" in hb(database_url, "sync", integration_id).stdout
    assert "DELTA sync" in hb(database_url, "sync", integration_id, "--kind", "DELTA").stdout


def test_the_sandbox_docs_state_the_command_lines_default_size() -> None:
    sandbox = (REPO / "docs" / "connectors" / "sandbox.md").read_text()
    assert f"`applications` = {DEFAULT_DEMO_APPLICATIONS}" in sandbox
    assert "default 2000, `--applications N`" not in sandbox
