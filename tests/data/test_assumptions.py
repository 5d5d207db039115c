"""The planning assumptions: one table, each row bound to one constant that every user imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd

from fleetplan.data import assumptions

SRC = Path(__file__).resolve().parents[2] / "src" / "fleetplan"


def test_every_assumption_is_one_constant_of_its_name() -> None:
    table = pd.read_csv(SRC / "data" / "assumptions.csv")
    assert table["name"].is_unique
    assert (table["unit"].str.strip() != "").all()
    constants = {k: v for k, v in vars(assumptions).items() if k.isupper() and isinstance(v, float)}
    assert set(constants) == {n.upper() for n in table["name"]}
    for row in table.itertuples(index=False):
        assert constants[row.name.upper()] == float(row.value)
        assert assumptions.ASSUMPTIONS[row.name].source == row.source


def test_no_module_writes_an_assumption_again() -> None:
    """An assumption is imported, never assigned a second time under its name."""
    names = {n.upper() for n in assumptions.ASSUMPTIONS}
    again = []
    for path in sorted(SRC.rglob("*.py")):
        if path == SRC / "data" / "assumptions.py":
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                where = f"{path.relative_to(SRC)}:{node.lineno}"
                again += [f"{where} {t.id}" for t in targets if isinstance(t, ast.Name) and t.id in names]
    assert not again, again
