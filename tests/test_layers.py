"""The package layers: no import cycle, no import upward, no import of another module's ``_name``.

Every ``import`` statement under ``src/fleetplan`` counts, wherever it is: at module top, inside a
function, or under ``if TYPE_CHECKING``. A lazy import hides a dependency from the reader but not
from this test.

Layers, highest first; a module may import its own layer and the layers below it:

    cli > fleetplan (the top-level API) > serve > sweep > replan > export > audit > risk | report | generate
        > optimize > verify | energy > sizing > load > catalog > model > errors | data | top-level _helpers

Any module named ``cli`` (``fleetplan/cli.py``, ``fleetplan/sizing/cli.py``, ``fleetplan/cli/...``)
and ``fleetplan.__main__`` are the CLI layer. A new package must be placed in ``LAYERS``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
ROOT = "fleetplan"

LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors", "data", "parallel", "_helpers"),
    ("model",),
    ("catalog",),
    ("load",),
    ("sizing",),
    ("verify", "energy"),
    ("optimize",),
    ("risk", "report", "generate"),
    ("audit",),
    ("export",),
    ("replan",),
    ("sweep",),
    ("serve",),
    ("api",),
    ("cli",),
)
"""Lowest first. ``api`` is the package ``fleetplan`` itself; ``_helpers`` are top-level modules
named ``fleetplan._*``."""

RANK = {name: i for i, names in enumerate(LAYERS) for name in names}


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    line: int
    names: tuple[str, ...]  # the names a ``from ... import`` takes (empty for ``import x``)


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted((SRC / ROOT).rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _is_package(module: str) -> bool:
    return MODULES[module].name == "__init__.py"


def _resolve(module: str, node: ast.ImportFrom) -> str:
    """The absolute module a ``from`` import reads from (relative imports resolved)."""
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    if not _is_package(module):
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _edges(module: str) -> list[Edge]:
    tree = ast.parse(MODULES[module].read_text("utf-8"), filename=str(MODULES[module]))
    out: list[Edge] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == ROOT or alias.name.startswith(ROOT + "."):
                    out.append(Edge(module, alias.name, node.lineno, ()))
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, node)
            if not (base == ROOT or base.startswith(ROOT + ".")):
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if sub in MODULES:  # ``from package import submodule``
                    out.append(Edge(module, sub, node.lineno, ()))
                else:
                    out.append(Edge(module, base, node.lineno, (alias.name,)))
    return out


EDGES = [e for m in MODULES for e in _edges(m)]


def layer_of(module: str) -> str:
    parts = module.split(".")
    if "cli" in parts[1:] or module == f"{ROOT}.__main__":
        return "cli"
    if module == ROOT:
        return "api"
    top = parts[1]
    if top.startswith("_") and len(parts) == 2:
        return "_helpers"
    return top


def test_the_import_graph_is_read() -> None:
    assert f"{ROOT}.model.plan" in MODULES and f"{ROOT}.optimize.planner" in MODULES
    targets = {(e.source, e.target) for e in EDGES}
    assert (f"{ROOT}.optimize.planner", f"{ROOT}.model.plan") in targets
    assert all(e.target in MODULES for e in EDGES), [e for e in EDGES if e.target not in MODULES]


def test_every_package_has_a_layer() -> None:
    unplaced = sorted({layer_of(m) for m in MODULES} - set(RANK))
    assert not unplaced, f"place these packages in LAYERS of tests/test_layers.py: {unplaced}"


def _cycles() -> list[tuple[list[Edge], set[str]]]:
    """One cycle per strongly connected component of the module graph (Tarjan), as edges, with
    the component's modules."""
    graph: dict[str, list[Edge]] = {m: [] for m in MODULES}
    for e in EDGES:
        if e.target != e.source:
            graph[e.source].append(e)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(v: str) -> None:  # recursion depth is bounded by the number of modules
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for e in graph[v]:
            if e.target not in index:
                visit(e.target)
                low[v] = min(low[v], low[e.target])
            elif e.target in on_stack:
                low[v] = min(low[v], index[e.target])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                components.append(comp)

    for m in sorted(MODULES):
        if m not in index:
            visit(m)
    cycles = []
    for comp in components:  # the shortest way from the first module back to itself
        start = min(comp)
        paths: dict[str, list[Edge]] = {start: []}
        frontier = [start]
        found = None
        while frontier and found is None:
            nxt = []
            for v in frontier:
                for e in sorted(graph[v], key=lambda e: e.target):
                    if e.target == start:
                        found = [*paths[v], e]
                        break
                    if e.target in comp and e.target not in paths:
                        paths[e.target] = [*paths[v], e]
                        nxt.append(e.target)
                if found:
                    break
            frontier = nxt
        cycles.append((found or [], comp))
    return cycles


def _where(e: Edge) -> str:
    return f"{MODULES[e.source].relative_to(SRC)}:{e.line}"


def test_no_import_cycles() -> None:
    shown = [
        " -> ".join([c[0].source] + [f"{e.target} ({_where(e)})" for e in c])
        + f"; {len(comp)} modules in one cycle: {', '.join(sorted(comp))}"
        for c, comp in _cycles()
    ]
    assert not shown, "import cycles (imports inside functions count):\n" + "\n".join(shown)


def test_no_package_imports_a_higher_layer() -> None:
    bad = [
        f"{_where(e)}: {e.source} ({layer_of(e.source)}) imports {e.target} ({layer_of(e.target)})"
        for e in EDGES
        if RANK.get(layer_of(e.target), -1) > RANK.get(layer_of(e.source), -1)
    ]
    assert not bad, (
        "imports against the layers " + " > ".join("|".join(g) for g in LAYERS[::-1]) + ":\n" + ("\n".join(bad))
    )


def test_verify_never_imports_the_optimizer() -> None:
    bad = [_where(e) for e in EDGES if layer_of(e.source) == "verify" and layer_of(e.target) == "optimize"]
    assert not bad


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_no_module_imports_another_modules_private_names() -> None:
    bad = []
    for e in EDGES:
        bad += [f"{_where(e)}: {e.source} imports {e.target}.{n}" for n in e.names if _private(n)]
        # a private module may be imported within its package; a top-level ``fleetplan._x`` by all
        parts = e.target.split(".")
        for i, part in enumerate(parts[2:], start=2):
            package = ".".join(parts[:i])
            if _private(part) and not (e.source == package or e.source.startswith(package + ".")):
                bad.append(f"{_where(e)}: {e.source} imports {e.target}, private to {package}")
    assert not bad, "imports of another module's private names:\n" + "\n".join(bad)
