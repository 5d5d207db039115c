"""The CLI is one package: only ``fleetplan.cli`` imports typer or rich, and only its ``main``
turns errors into exit codes. Imports inside functions count."""

from __future__ import annotations

import ast
from pathlib import Path

import fleetplan

PACKAGE = Path(fleetplan.__file__).parent
CLI = PACKAGE / "cli"
TERMINAL_LIBRARIES = {"typer", "rich", "click"}


def _modules(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def _imported(path: Path) -> set[str]:
    """Top-level names of every module ``path`` imports, at any depth of the file."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_cli_imports_typer_or_rich() -> None:
    outside = [p for p in _modules(PACKAGE) if CLI not in p.parents]
    assert len(outside) > 50
    offenders = {
        str(p.relative_to(PACKAGE)): sorted(_imported(p) & TERMINAL_LIBRARIES)
        for p in outside
        if _imported(p) & TERMINAL_LIBRARIES
    }
    assert offenders == {}


def test_the_check_sees_imports_inside_functions(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from rich.table import Table\n    import typer.testing\n")
    assert _imported(module) == {"rich", "typer"}
    assert {"typer", "rich"} <= set().union(*(_imported(p) for p in _modules(CLI)))


def _exits(path: Path) -> list[str]:
    """``typer.Exit``, ``sys.exit`` and ``except ...Error`` handlers that pick an exit code."""
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Attribute) and node.attr in ("Exit", "exit") and isinstance(node.value, ast.Name):
            if node.value.id in ("typer", "sys"):
                found.append(f"{node.value.id}.{node.attr}")
        elif isinstance(node, ast.ExceptHandler) and node.type is not None:
            caught = ast.unparse(node.type)
            if "FleetplanError" in caught:
                found.append(f"except {caught}")
    return found


def test_main_is_the_only_error_to_exit_code_mapping() -> None:
    commands = {str(p.relative_to(CLI)): _exits(p) for p in _modules(CLI) if p.name != "__init__.py"}
    assert {name: found for name, found in commands.items() if found} == {}
    assert _exits(CLI / "__init__.py")  # main holds it
