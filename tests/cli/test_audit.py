"""``fleetplan audit``: exit codes, one-line errors, JSON, files written only on success."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Fleetplan

SAMPLE = Path("focus", "focus-sample-data-1.0", "focus_sample.csv")


def test_audit_prints_the_picture_and_writes_json(fleetplan: Fleetplan, shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "audit.json"
    r = fleetplan("audit", shared_data / SAMPLE, "-o", out)
    assert r.code == 0, r.stderr
    assert "Spend per provider" in r.stdout and "FOCUS 1.0" in r.stdout
    doc = json.loads(out.read_text())
    assert doc["schema"] == "fleetplan.audit/1"
    assert doc["totals"]["cash_usd"] == 20.52 and doc["totals"]["amortized_usd"] == 14.98
    r = fleetplan("audit", shared_data / SAMPLE, "--json")
    assert r.code == 0 and json.loads(r.stdout)["totals"] == doc["totals"]


def test_a_bill_missing_columns_is_one_line_exit_2_and_writes_nothing(fleetplan: Fleetplan, tmp_path: Path) -> None:
    bill = tmp_path / "bill.csv"
    bill.write_text("BilledCost,EffectiveCost\n1,1\n")
    out = tmp_path / "audit.json"
    r = fleetplan("audit", bill, "-o", out)
    assert r.code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{bill}:1" in lines[0] and "missing mandatory columns" in lines[0]
    assert "Traceback" not in r.stderr and not out.exists()


def test_strict_makes_a_bad_row_fatal(fleetplan: Fleetplan, shared_data: Path, tmp_path: Path) -> None:
    text = (shared_data / SAMPLE).read_text(encoding="utf-8").splitlines()
    text[5] = text[5].replace('"Usage"', '"Refund"', 1)
    bill = tmp_path / "bill.csv"
    bill.write_text("\n".join(text) + "\n")
    assert fleetplan("audit", bill, "--json").code == 0
    r = fleetplan("audit", bill, "--strict")
    assert r.code == 2 and f"{bill}:6" in r.stderr and "ChargeCategory" in r.stderr


def test_a_plan_file_that_is_not_a_plan_is_exit_2(fleetplan: Fleetplan, shared_data: Path, tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text('{"schema": "something/1"}')
    r = fleetplan("audit", shared_data / SAMPLE, "--plan", plan)
    assert r.code == 2 and "fleetplan.plan/1" in r.stderr


def test_to_scenario_and_hindsight_from_the_command(fleetplan: Fleetplan, tmp_path: Path) -> None:
    from fleetplan.generate import generate_bill

    bill = tmp_path / "bill.parquet"
    generate_bill(bill, rows=400, providers=["aws"], months=1, start="2027-01", seed=11)
    skeleton = tmp_path / "from-bill.yaml"
    example = Path(__file__).resolve().parents[2] / "src" / "fleetplan" / "data" / "examples" / "carbon-budget.yaml"
    r = fleetplan("audit", bill, "--to-scenario", skeleton, "--scenario", example, "--hindsight-time-limit", "20")
    assert r.code == 0, r.stderr
    assert "Hindsight" in r.stdout and skeleton.exists()
    assert fleetplan("validate", skeleton).code == 0
