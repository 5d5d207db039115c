"""``fleetplan diff``: the terminal summary, the JSON document, ``-o`` and bad files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .conftest import Fleetplan

DATA = Path(__file__).resolve().parents[1] / "report" / "data"
OLD, NEW, GOLDEN = DATA / "old.plan.json", DATA / "new.plan.json", DATA / "golden.diff.json"


def test_terminal_summary(fleetplan: Fleetplan) -> None:
    res = fleetplan("diff", OLD, NEW)
    assert res.code == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0].startswith("Total $195.6k → $202.5k (+$6,833, +3.5 %)")
    assert lines[1].startswith("old: Fabrikam 2027 without a carbon budget · optimal · gap 0.00 % · verified")
    assert lines[2].startswith("new: Fabrikam carbon budget 2027 · optimal · gap 0.17 % · verified")
    for heading in ("By period", "By provider", "Moved workloads (1)", "Investments", "Policies"):
        assert heading in res.stdout
    assert "nightly-batch" in res.stdout and "carbon_budget" in res.stdout and "+ added" in res.stdout
    assert res.stderr == ""


def test_identical_plans(fleetplan: Fleetplan) -> None:
    res = fleetplan("diff", NEW, NEW)
    assert res.code == 0, res.stderr
    assert res.stdout.startswith("Total $202.5k → $202.5k ($0, 0 %)")
    assert "No workload moved." in res.stdout
    assert "No investment added, removed or changed." in res.stdout
    assert "No policy changed binding or satisfied status." in res.stdout


def test_json_and_output_file(fleetplan: Fleetplan, tmp_path: Path) -> None:
    golden = GOLDEN.read_text(encoding="utf-8")
    res = fleetplan("diff", OLD, NEW, "--json")
    assert res.code == 0, res.stderr
    assert json.loads(res.stdout)["schema"] == "fleetplan.diff/1"
    assert res.stdout == golden
    out = tmp_path / "sub" / "diff.json"
    res = fleetplan("diff", OLD, NEW, "-o", out)
    assert res.code == 0 and res.stdout.rstrip().endswith(f"wrote {out}")
    assert out.read_text(encoding="utf-8") == golden
    assert [p.name for p in out.parent.iterdir()] == ["diff.json"]  # no temporary file left


def _moved_plans(n: int) -> tuple[dict[str, Any], dict[str, Any]]:
    def plan(provider: str) -> dict[str, Any]:
        rows = [
            {
                "workload": f"w{i:02d}",
                "period": "2027Q1",
                "provider": provider,
                "pricing_model": "on_demand",
                "cost_usd": i,
            }
            for i in range(n)
        ]
        return {"schema": "fleetplan.plan/1", "periods": ["2027Q1"], "allocations": rows}

    return plan("alpha"), plan("beta")


def test_moved_workloads_beyond_the_top_20_are_counted(fleetplan: Fleetplan, tmp_path: Path) -> None:
    for doc, name in zip(_moved_plans(23), ("old.json", "new.json"), strict=True):
        (tmp_path / name).write_text(json.dumps(doc), encoding="utf-8")
    res = fleetplan("diff", tmp_path / "old.json", tmp_path / "new.json")
    assert res.code == 0, res.stderr
    assert "Moved workloads (23)" in res.stdout and "… 3 more (see --json)" in res.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read file"),
        ("{not json", "not a JSON plan document"),
        ('{"schema": "fleetplan.risk/1"}', "schema: not a fleetplan plan document"),
        (
            '{"schema": "fleetplan.plan/1", "periods": [], "allocations": [{"cost_usd": "lots"}]}',
            "allocations[0].cost_usd: not a number: 'lots'",
        ),
    ],
)
def test_a_bad_file_is_one_line_and_exit_2(
    fleetplan: Fleetplan, tmp_path: Path, content: str | None, message: str
) -> None:
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_text(content, encoding="utf-8")
    for args in ((OLD, bad), (bad, OLD)):
        res = fleetplan("diff", *args)
        assert (res.code, res.stdout) == (2, "")
        assert res.stderr.startswith(f"fleetplan: error: {bad}") and message in res.stderr, res.stderr
        assert res.stderr.count("\n") == 1
