"""docs/api.md lists, per tool, the write actions and optional fields its connector declares: the
table between the markers is the one rendered here from the registry, so it cannot drift."""

from __future__ import annotations

from pathlib import Path

import pytest

from hirebridge.actions.requests import coverage
from hirebridge.connectors.registry import TOOLS

pytestmark = pytest.mark.fast

DOC = Path(__file__).resolve().parents[1] / "docs" / "api.md"
BEGIN = "<!-- write-actions:begin (tests/test_action_docs.py renders this) -->"
END = "<!-- write-actions:end -->"


def render() -> str:
    tools = list(TOOLS.values())
    lines = ["| Action | " + " | ".join(tool.label for tool in tools) + " |"]
    lines.append("| --- |" + " --- |" * len(tools))
    per_tool = [coverage(tool.actions) for tool in tools]
    for index, (action, label, _supported, _fields) in enumerate(per_tool[0]):
        cells = []
        for tool_coverage in per_tool:
            _, _, supported, fields = tool_coverage[index]
            if not supported:
                cells.append("—")
                continue
            missing = [name for name, ok in fields if not ok]
            cells.append("✔" if not missing else "✔ except " + ", ".join(f"`{name}`" for name in missing))
        lines.append(f"| {label} (`{action}`) | " + " | ".join(cells) + " |")
    notes = []
    for tool in tools:
        for action, support in tool.actions.items():
            if support.note:
                notes.append(f"- {tool.label}, `{action}`: {support.note}")
    return "\n".join([BEGIN, *lines, "", *notes, END])


def test_the_write_action_table_is_the_registrys() -> None:
    text = DOC.read_text()
    assert BEGIN in text and END in text, f"docs/api.md lacks the markers {BEGIN} ... {END}"
    current = text[text.index(BEGIN) : text.index(END) + len(END)]
    assert current == render(), "docs/api.md's write-action table is stale; replace it with:\n" + render()
