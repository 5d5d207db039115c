"""``fleetplan replan``: terminal notes and diff, ``--json``, ``-o``, ``--actuals`` from a FOCUS CSV,
and ``--as-of`` outside the previous plan (exit 2, one line)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from fleetplan.audit.focus import MANDATORY

from .conftest import Fleetplan

EXAMPLE = Path(__file__).resolve().parents[2] / "src" / "fleetplan" / "data" / "examples" / "carbon-budget.yaml"


@pytest.fixture(scope="module")
def previous(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from fleetplan.cli import main

    path = tmp_path_factory.mktemp("replan") / "prev.json"
    assert main(["plan", str(EXAMPLE), "--time-limit", "20", "--no-baselines", "-o", str(path), "--json"]) == 0
    return path


@pytest.mark.parametrize("as_of", ["2026Q4", "2027Q4", "next-week"])
def test_as_of_outside_the_plan_is_one_line_exit_2(fleetplan: Fleetplan, previous: Path, as_of: str) -> None:
    res = fleetplan("replan", EXAMPLE, "--plan", previous, "--as-of", as_of)
    assert res.code == 2
    assert res.stderr.startswith("fleetplan: error: ") and len(res.stderr.strip().splitlines()) == 1
    assert "--as-of" in res.stderr and "Traceback" not in res.stderr


def test_not_a_plan_document_is_exit_2(fleetplan: Fleetplan, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": "something/1"}')
    res = fleetplan("replan", EXAMPLE, "--plan", bad, "--as-of", "2027Q1")
    assert res.code == 2 and "bad.json" in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_terminal_json_and_output(fleetplan: Fleetplan, previous: Path, tmp_path: Path) -> None:
    res = fleetplan("replan", EXAMPLE, "--plan", previous, "--as-of", "2027Q1", "--time-limit", "20", "--no-baselines")
    assert res.code == 0, res.stderr
    assert res.stdout.startswith("fixed as of 2027Q1: 0 purchase(s) now existing hardware, 1 reservation(s)")
    assert "Against the previous plan, 2027Q2..2027Q4" in res.stdout and "No workload moved." in res.stdout
    out = tmp_path / "new.json"
    res = fleetplan(
        "replan", EXAMPLE, "--plan", previous, "--as-of", "2027Q1", "--time-limit", "20", "--no-baselines", "--json",
        "-o", out,
    )  # fmt: skip
    assert res.code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert set(doc) == {"plan", "diff", "fixed", "notes"}
    assert doc["plan"]["schema"] == "fleetplan.plan/1" and doc["diff"]["schema"] == "fleetplan.diff/1"
    assert doc["plan"]["periods"] == ["2027Q2", "2027Q3", "2027Q4"] and doc["plan"]["verification"]["ok"]
    assert doc["fixed"]["as_of"] == "2027Q1" and len(doc["fixed"]["reservations"]) == 1
    assert json.loads(out.read_text()) == doc["plan"]


def _focus_csv(path: Path, instance: str, hours_per_month: float) -> Path:
    """A FOCUS 1.2 bill of one aws instance type, three months of 2027Q1 (mandatory columns and usage)."""
    header = [*MANDATORY, "ConsumedQuantity", "ConsumedUnit", "RegionId", "PricingCategory", "x_InstanceType"]
    rows = []
    for month, end in (("2027-01", "2027-02"), ("2027-02", "2027-03"), ("2027-03", "2027-04")):
        row = dict.fromkeys(MANDATORY, "")
        row.update(
            BilledCost="100", EffectiveCost="100", ListCost="100", ContractedCost="100",
            BillingAccountId="acct", BillingAccountName="acct", BillingCurrency="USD",
            BillingPeriodStart=f"{month}-01T00:00:00Z", BillingPeriodEnd=f"{end}-01T00:00:00Z",
            ChargePeriodStart=f"{month}-01T00:00:00Z", ChargePeriodEnd=f"{end}-01T00:00:00Z",
            ChargeCategory="Usage", ChargeDescription=instance, InvoiceIssuerName="AWS",
            PricingQuantity=str(hours_per_month), PricingUnit="Hours", ProviderName="AWS",
            PublisherName="AWS", ServiceCategory="Compute", ServiceName="Amazon EC2",
        )  # fmt: skip
        row.update(
            ConsumedQuantity=str(hours_per_month), ConsumedUnit="Hours", RegionId="us-east-1",
            PricingCategory="Committed", x_InstanceType=instance,
        )  # fmt: skip
        rows.append(row)
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_actuals_at_double_the_plan_scale_demand_up(fleetplan: Fleetplan, previous: Path, tmp_path: Path) -> None:
    prev = json.loads(previous.read_text())
    aws = [a for a in prev["allocations"] if a["provider"] == "aws" and a["period"] == "2027Q1"]
    (instance,) = {a["instance_type"] for a in aws}
    instance_hours = sum(a["accelerator_hours"] for a in aws)  # one accelerator per instance (g6e.xlarge)
    bill = _focus_csv(tmp_path / "bill.csv", instance, 2 * instance_hours / 3)
    res = fleetplan(
        "replan", EXAMPLE, "--plan", previous, "--as-of", "2027Q1", "--actuals", bill,
        "--time-limit", "20", "--no-baselines", "--json",
    )  # fmt: skip
    assert res.code == 0, res.stderr
    doc = json.loads(res.stdout)
    (f,) = doc["fixed"]["demand_factors"]
    assert f["provider"] == "aws" and f["factor"] == pytest.approx(2.0)
    assert doc["fixed"]["workload_factors"] == pytest.approx({a["workload"]: 2.0 for a in aws})
    assert doc["plan"]["verification"]["ok"]
    grown = next(w for w in doc["diff"]["workloads"] if w["workload"] == aws[0]["workload"])
    assert grown["status"] in ("changed", "moved")
    assert any("factor 2.00" in n for n in doc["notes"])
