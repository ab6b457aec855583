"""Imports run one way only: sources -> readers -> normalise -> store -> analysis -> outputs -> cli/web.

Every module of the package is parsed (not imported) and every ``import`` in it is read,
including those inside functions and under ``TYPE_CHECKING``: an import hidden in a function
still ties the two modules together. A module may import from its own layer or any layer
below; an import from a layer above fails, and so does any cycle between modules.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = "crime_outcomes"
SOURCE = Path(__file__).resolve().parents[1] / "src" / PACKAGE

LAYERS: list[tuple[str, tuple[str, ...]]] = [
    # (layer, the modules or packages in it, as dotted names below crime_outcomes)
    ("base", ("errors", "settings", "version", "faults")),
    ("sources", ("sources",)),
    ("readers", ("readers",)),
    ("normalise", ("normalise",)),
    ("store", ("store",)),
    ("text", ("text",)),  # shared text helpers: they apply the readers' strip_unsafe
    ("analysis", ("analysis",)),
    ("outputs", ("outputs",)),
    ("api", ("", "pipeline", "sample")),  # "" is the package itself: crime_outcomes/__init__.py, the public API
    ("web", ("web",)),
    ("cli", ("cli", "__main__")),
    ("testing", ("testing",)),  # fixtures for tests; nothing in the package may use them
]


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([root.name, *parts])


def modules(root: Path) -> dict[str, Path]:
    return {module_name(p, root): p for p in sorted(root.rglob("*.py"))}


def imports(path: Path, name: str, known: set[str]) -> Iterator[tuple[str, int]]:
    """(module imported, line) for every import of the package in one file, wherever it sits."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                yield (sub if sub in known else base), node.lineno


def layer_of(module: str, root_name: str) -> int:
    rest = module.removeprefix(root_name).removeprefix(".")
    best: tuple[int, int] | None = None  # (length of the match, layer)
    for index, (_, members) in enumerate(LAYERS):
        for member in members:
            if rest == member or (member and rest.startswith(member + ".")):
                if best is None or len(member) > best[0]:
                    best = (len(member), index)
    if best is None:
        raise AssertionError(f"{module} is in no layer: add it to LAYERS in {__file__}")
    return best[1]


def graph(root: Path) -> dict[str, dict[str, int]]:
    """Module -> {module of the package it imports: first line}."""
    found = modules(root)
    known = set(found)
    edges: dict[str, dict[str, int]] = {}
    for name, path in found.items():
        out = edges.setdefault(name, {})
        for target, line in imports(path, name, known):
            if (target == root.name or target.startswith(root.name + ".")) and target != name:
                out.setdefault(target, line)
    return edges


def upward(root: Path) -> list[str]:
    """Each import from a higher layer than the importer's."""
    out = []
    for name, targets in graph(root).items():
        mine = layer_of(name, root.name)
        for target, line in sorted(targets.items()):
            theirs = layer_of(target, root.name)
            if theirs > mine:
                out.append(f"{name} (line {line}, layer {LAYERS[mine][0]}) imports {target} (layer {LAYERS[theirs][0]})")
    return out


def cycles(root: Path) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    edges = graph(root)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return sorted(found)


# ------------------------------------------------------------------------------ the package


def test_every_import_runs_down_the_layers() -> None:
    problems = upward(SOURCE)
    assert not problems, "imports against the flow:\n" + "\n".join(problems)


def test_no_import_cycles() -> None:
    found = cycles(SOURCE)
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


# ------------------------------------------------------------------------------ the checker


def _write(root: Path, files: dict[str, str]) -> Path:
    pkg = root / PACKAGE
    for rel, text in files.items():
        path = pkg / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return pkg


def test_checker_finds_an_upward_import_even_inside_a_function(tmp_path: Path) -> None:
    pkg = _write(
        tmp_path,
        {
            "__init__.py": "",
            "store/__init__.py": "",
            "analysis/__init__.py": "",
            "analysis/story.py": "from crime_outcomes.store import x\n",
            "store/store.py": "def f():\n    from crime_outcomes.analysis import story\n",
        },
    )
    assert upward(pkg) == ["crime_outcomes.store.store (line 2, layer store) imports crime_outcomes.analysis.story (layer analysis)"]


def test_checker_finds_a_cycle_within_a_layer(tmp_path: Path) -> None:
    pkg = _write(
        tmp_path,
        {
            "__init__.py": "",
            "analysis/__init__.py": "",
            "analysis/story.py": "from crime_outcomes.analysis.lines import build\n",
            "analysis/lines.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from crime_outcomes.analysis.story import Story\n",
            "analysis/stats.py": "from . import story\n",
        },
    )
    assert upward(pkg) == []
    assert cycles(pkg) == [["crime_outcomes.analysis.lines", "crime_outcomes.analysis.story"]]


def test_checker_refuses_a_module_in_no_layer(tmp_path: Path) -> None:
    pkg = _write(tmp_path, {"__init__.py": "", "plugins.py": ""})
    with pytest.raises(AssertionError, match="crime_outcomes.plugins is in no layer"):
        upward(pkg)
