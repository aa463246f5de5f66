"""The layers of HireBridge import in one direction (docs/architecture.md, "Layers").

Every module under src/hirebridge is parsed (not imported) and its `hirebridge` imports -- at module
level, inside functions and under TYPE_CHECKING alike -- become edges between *parts*: a package
(`sync`, `store`, ...) or a top-level module (`config`, `cli`, ...). The rule is the table below;
the tests fail naming each import that breaks it, with its file and line.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.fast  # pure: reads source files only

SRC = Path(__file__).resolve().parents[1] / "src" / "hirebridge"

# Small modules every layer may use; they import only each other.
FOUNDATION = frozenset({"config", "crypto", "ids", "logs", "netguard", "observability", "pacing", "timefmt", "version"})

# part -> the parts it may import (besides itself and FOUNDATION). Lower layers first:
#   model <- connectors <- sync <- jobs <- api / cli, with store and serving below sync.
ALLOWED: dict[str, frozenset[str]] = {
    "model": frozenset(),
    "connectors": frozenset({"model"}),
    "store": frozenset({"model"}),
    "serving": frozenset({"model", "store"}),
    "sync": frozenset({"model", "connectors", "store", "serving"}),
    # Outgoing webhooks: delivery of what store/ recorded; run by jobs, managed by the CLI.
    "webhooks": frozenset({"model", "store"}),
    "jobs": frozenset({"model", "connectors", "store", "serving", "sync", "webhooks"}),
    "actions": frozenset({"model", "connectors", "store", "serving", "sync"}),
    "api": frozenset({"model", "connectors", "store", "serving", "sync", "jobs", "actions", "webhooks"}),
    "cli": frozenset({"model", "connectors", "store", "serving", "sync", "jobs", "api", "actions", "webhooks"}),
}
# (importer, imported part) -> the only modules of that part it may import: the API reaches
# connectors only through the registry (GET /tools, coverage of filters).
ONLY_THROUGH: dict[tuple[str, str], frozenset[str]] = {
    ("api", "connectors"): frozenset({"hirebridge.connectors.registry"}),
    ("actions", "connectors"): frozenset({"hirebridge.connectors.registry"}),
}
# SQL is built in store/ only: elsewhere, sqlalchemy is imported for these types and helpers alone.
SQLALCHEMY_OUTSIDE_STORE = frozenset({"Connection", "Engine", "Row", "make_url", "exc", "IntegrityError"})


@dataclass(frozen=True, slots=True)
class Import:
    path: Path  # the importing file
    line: int
    importer: str  # its module name
    module: str  # the imported module (or a name imported from a package)
    names: tuple[str, ...] = ()  # `from module import names`

    def where(self) -> str:
        return f"{self.path.relative_to(SRC.parent)}:{self.line}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> Iterator[Import]:
    importer = module_name(path)
    package = importer if path.name == "__init__.py" else importer.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(path, node.lineno, importer, alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the importing package
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = tuple(alias.name for alias in node.names)
            if base == "hirebridge":  # `from hirebridge import crypto, ids`: each name is a module
                for name in names:
                    yield Import(path, node.lineno, importer, f"hirebridge.{name}")
            else:
                yield Import(path, node.lineno, importer, base, names)


def part_of(module: str) -> str | None:
    """The part a hirebridge module belongs to (None: not ours, or the package root)."""
    parts = module.split(".")
    if parts[0] != "hirebridge" or len(parts) < 2:
        return None
    return parts[1]


def all_imports() -> list[Import]:
    return [i for path in sorted(SRC.rglob("*.py")) for i in imports(path)]


def violations(found: list[Import]) -> list[str]:
    """Every import that breaks the rule, as `file:line: importer -> module (why)`."""
    known = set(ALLOWED) | FOUNDATION
    broken = []
    for imp in found:
        source, target = part_of(imp.importer), part_of(imp.module)
        if source is None or target is None or source == target:
            continue
        edge = f"{imp.where()}: {imp.importer} -> {imp.module}"
        if source not in known:
            broken.append(f"{edge} (the part '{source}' is not in the table: add it to ALLOWED or FOUNDATION)")
        elif target == "cli":
            broken.append(f"{edge} (nothing imports the CLI)")
        elif source in FOUNDATION:
            if target not in FOUNDATION:
                broken.append(f"{edge} (foundation modules import only each other)")
        elif target in FOUNDATION:
            continue
        elif target not in ALLOWED[source]:
            broken.append(f"{edge} ({source} may import only {', '.join(sorted(ALLOWED[source])) or 'foundation'})")
        elif (only := ONLY_THROUGH.get((source, target))) is not None and imp.module not in only:
            broken.append(f"{edge} ({source} reaches {target} only through {', '.join(sorted(only))})")
    return broken


def cycles(found: list[Import]) -> list[list[str]]:
    """The cycles of the graph of parts (each once, as a closed path)."""
    graph: dict[str, set[str]] = {}
    for imp in found:
        source, target = part_of(imp.importer), part_of(imp.module)
        if source is not None and target is not None and source != target:
            graph.setdefault(source, set()).add(target)
    result: list[list[str]] = []
    seen: set[frozenset[str]] = set()

    def visit(start: str, node: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if nxt == start:
                key = frozenset(path)
                if key not in seen:
                    seen.add(key)
                    result.append([*path, start])
            elif nxt not in path and nxt > start:  # each cycle is found from its smallest part
                visit(start, nxt, [*path, nxt])

    for start in sorted(graph):
        visit(start, start, [start])
    return result


def test_the_rule_itself_has_no_cycle() -> None:
    """The table is a partial order: a layer never allows, even through others, an import of itself."""
    for part in ALLOWED:
        reachable, todo = set(), list(ALLOWED[part])
        while todo:
            nxt = todo.pop()
            if nxt not in reachable:
                reachable.add(nxt)
                todo.extend(ALLOWED.get(nxt, ()))
        assert part not in reachable, part


def test_every_part_is_in_the_table() -> None:
    parts = {p.stem if p.is_file() else p.name for p in SRC.iterdir() if p.suffix == ".py" or p.is_dir()}
    parts -= {"__init__", "__pycache__"}
    assert parts <= set(ALLOWED) | FOUNDATION, sorted(parts - set(ALLOWED) - FOUNDATION)


def test_no_import_goes_up_or_sideways() -> None:
    broken = violations(all_imports())
    assert not broken, "imports that break the layering:\n" + "\n".join(broken)


def test_no_cycle_between_parts() -> None:
    found = cycles(all_imports())
    assert not found, "import cycles between parts:\n" + "\n".join(" -> ".join(c) for c in found)


def test_sql_is_built_in_store_only() -> None:
    """Outside store/, sqlalchemy provides the types a connection travels with, never statements."""
    broken = [
        f"{imp.where()}: from {imp.module} import {', '.join(sorted(extra))}"
        for imp in all_imports()
        if part_of(imp.importer) != "store"
        and (imp.module == "sqlalchemy" or imp.module.startswith("sqlalchemy."))
        and (extra := set(imp.names or (imp.module,)) - SQLALCHEMY_OUTSIDE_STORE - {"sqlalchemy.exc"})
    ]
    assert not broken, "SQL built outside store/:\n" + "\n".join(broken)


def test_the_checks_can_fail() -> None:
    """The checker itself: an upward import, an import of the CLI, a connector internal reached from
    the API and a cycle are each reported."""
    path = SRC / "store" / "records.py"
    fake = [
        Import(path, 1, "hirebridge.store.records", "hirebridge.sync.normalize", ("Row",)),
        Import(path, 2, "hirebridge.store.records", "hirebridge.cli"),
        Import(SRC / "api" / "x.py", 3, "hirebridge.api.x", "hirebridge.connectors.http"),
        Import(SRC / "sync" / "x.py", 4, "hirebridge.sync.x", "hirebridge.store.records"),
    ]
    assert len(violations(fake)) == 3
    assert cycles(fake) == [["store", "sync", "store"]]
