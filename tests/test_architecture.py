"""The floors hold (docs/architecture.md, docs/plugins.md): a plugin imports from portal/ only
what portal.contracts.PLUGIN_IMPORTS allows, and no two packages of portal/ import each other,
directly or around a loop. Both read the source with ``ast``: nothing is imported."""
from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from portal.contracts import PLUGIN_IMPORTS

ROOT = Path(__file__).resolve().parent.parent
PORTAL = ROOT / "portal"
PLUGINS = ROOT / "plugins"


# --- the plugin boundary -----------------------------------------------------------------------

def _portal(module: str) -> bool:
    return module == "portal" or module.startswith("portal.")


def _allows(module: str, name: str | None) -> bool:
    """Whether a plugin may import ``name`` from ``module`` (``name`` None: the module itself)."""
    if module in PLUGIN_IMPORTS:
        names = PLUGIN_IMPORTS[module]
        return names is None or (name is not None and name in names)
    # `from portal import contracts` imports the module portal.contracts.
    return name is not None and PLUGIN_IMPORTS.get(f"{module}.{name}", ()) is None


def forbidden_imports(source: str, filename: str = "<source>") -> list[str]:
    """Every import of ``portal`` or ``portal.*`` in ``source`` that PLUGIN_IMPORTS does not allow,
    as ``file:line: what``; imports inside functions count too."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            found += [f"{filename}:{node.lineno}: import {a.name}" for a in node.names
                      if _portal(a.name) and not _allows(a.name, None)]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and _portal(node.module or ""):
            found += [f"{filename}:{node.lineno}: from {node.module} import {a.name}" for a in node.names
                      if not (a.name == "*" and node.module in PLUGIN_IMPORTS and PLUGIN_IMPORTS[node.module] is None)
                      and not _allows(node.module, a.name)]
    return found


def test_plugins_import_only_what_the_contract_allows():
    files = sorted(PLUGINS.rglob("*.py"))
    assert len(files) > 10  # the built-in plugins were found
    found = [f for path in files for f in forbidden_imports(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))]
    assert found == [], "plugins import core modules that portal.contracts.PLUGIN_IMPORTS does not allow:\n" + "\n".join(found)


def test_the_boundary_check_catches_a_plugin_that_imports_a_core_module():
    source = '''
from portal.contracts import CreditType, Score
from portal.hookspecs import hookimpl
from portal import contracts
from portal.models import SmsCode
from portal.models import Person
import portal.credits.records
from portal import models


def score():
    from portal.accounts import services
'''
    assert forbidden_imports(source, "bad.py") == [
        "bad.py:5: from portal.models import SmsCode",  # the core keeps the SMS codes (LoginServices)
        "bad.py:6: from portal.models import Person",
        "bad.py:7: import portal.credits.records",
        "bad.py:8: from portal import models",
        "bad.py:12: from portal.accounts import services",
    ]


# --- no import loop between packages ---------------------------------------------------------

def _package_of(module: str) -> str | None:
    """The package of portal/ a module belongs to: ``portal.credits.records`` → ``portal.credits``;
    ``portal`` itself is the app factory's package (portal/__init__.py)."""
    if not _portal(module):
        return None
    parts = module.split(".")
    return ".".join(parts[:2])


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> Iterator[tuple[str, int]]:
    """The modules a file imports (absolute names), with the line, inside functions too."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                # `from portal import events` imports the module portal.events when there is one.
                candidate = f"{base}.{alias.name}"
                yield (candidate if _is_module(candidate) else base), node.lineno


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def import_graph() -> dict[str, dict[str, str]]:
    """package → {package it imports: where (the first import found, ``file:line``)}."""
    graph: dict[str, dict[str, str]] = defaultdict(dict)
    for path in sorted(PORTAL.rglob("*.py")):
        source = _package_of(_module_name(path))
        for module, line in _imports(path):
            target = _package_of(module)
            if target is not None and target != source:
                graph[source].setdefault(target, f"{path.relative_to(ROOT)}:{line}")
    return graph


def cycles(graph: dict[str, dict[str, str]]) -> list[list[str]]:
    """The loops between packages: for each group of packages that reach each other (Tarjan's
    strongly connected components of two or more), the shortest loop through each member, as
    the list of packages along it with the first repeated at the end; each loop once."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    found: dict[frozenset[tuple[str, str]], list[str]] = {}
    for group in groups:
        for start in sorted(group):
            cycle = _shortest_cycle(graph, group, start)
            found.setdefault(frozenset(zip(cycle, cycle[1:], strict=False)), cycle)
    return list(found.values())


def _shortest_cycle(graph: dict[str, dict[str, str]], group: set[str], start: str) -> list[str]:
    # Breadth-first from start back to start, within the group.
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for target in sorted(graph[node]):
            if target == start:
                return paths[node] + [start]
            if target in group and target not in paths:
                paths[target] = paths[node] + [target]
                queue.append(target)
    raise AssertionError("every member of a strongly connected group is on a loop")


def describe(graph: dict[str, dict[str, str]], cycle: list[str]) -> str:
    return " → ".join(cycle) + "".join(f"\n    {a} → {b} at {graph[a][b]}" for a, b in zip(cycle, cycle[1:], strict=False))


def test_no_import_loop_between_portal_packages():
    graph = import_graph()
    assert "portal.credits" in graph and "portal.models" in graph["portal.credits"]  # the graph was built
    found = cycles(graph)
    assert found == [], "import loops between packages of portal/:\n" + "\n".join(describe(graph, c) for c in found)


def test_the_cycle_check_finds_a_loop_and_names_it():
    graph = {"portal.a": {"portal.b": "portal/a/x.py:3"}, "portal.b": {"portal.c": "portal/b/y.py:4"},
             "portal.c": {"portal.a": "portal/c/z.py:5", "portal.models": "portal/c/z.py:6"}, "portal.models": {}}
    (cycle,) = cycles(graph)
    assert cycle == ["portal.a", "portal.b", "portal.c", "portal.a"]
    assert describe(graph, cycle).splitlines()[0] == "portal.a → portal.b → portal.c → portal.a"
    assert cycles({"portal.a": {"portal.models": "portal/a/x.py:1"}, "portal.models": {}}) == []
