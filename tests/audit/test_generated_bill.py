"""The audit against a generated bill whose truth is known by construction, and the round trip
bill -> scenario (with its existing commitments) -> verified plan."""

from __future__ import annotations

from pathlib import Path

import pytest

from fleetplan.audit import analyze_bill, read_bills, scenario_yaml_from_bill
from fleetplan.generate import generate_bill
from fleetplan.load import load_scenario_text


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    path = tmp_path_factory.mktemp("bill") / "bill.csv.gz"
    truth = generate_bill(path, rows=6000, providers=["aws", "azure", "gcp", "oci"], months=2, seed=3)
    return path, truth


def test_accelerator_hours_and_money_equal_the_generators_truth(generated: tuple[Path, dict]) -> None:
    path, truth = generated
    with read_bills([path]) as bill:
        a = analyze_bill(bill)
    assert a.totals["cash_usd"] == truth["totals"]["billed_cost_usd"]
    assert a.totals["amortized_usd"] == truth["totals"]["effective_cost_usd"]
    assert a.totals["list_usd"] == truth["totals"]["list_cost_usd"]
    got = a.accelerators.groupby(["provider", "accelerator"])["accelerator_hours"].sum().to_dict()
    want = {(p, acc): h for p, d in truth["accelerator_hours"].items() for acc, h in d.items()}
    assert got.keys() == want.keys()
    for key, hours in want.items():
        assert got[key] == pytest.approx(hours, abs=1e-6)
    assert a.totals["ai_compute_amortized_usd"] == pytest.approx(truth["ai_effective_cost_usd"], abs=0.01)
    for c in truth["commitments"]:
        row = a.commitments.set_index("id").loc[c["id"]]
        assert row["utilization"] == pytest.approx(c["used_hours"] / (c["used_hours"] + c["unused_hours"]), abs=1e-9)
    assert a.unmapped_totals["rows"] > 0  # CPU VMs are listed, not guessed


def test_quirks_read_the_same_as_a_clean_bill(tmp_path: Path) -> None:
    clean = generate_bill(tmp_path / "clean.csv", rows=1500, months=1, seed=5)
    generate_bill(tmp_path / "quirky.csv", rows=1500, months=1, seed=5, quirks=True)
    for name in ("clean.csv", "quirky.csv"):
        with read_bills([tmp_path / name]) as bill:
            a = analyze_bill(bill)
        assert a.problem_count == 0
        assert a.totals["cash_usd"] == clean["totals"]["billed_cost_usd"]


def test_round_trip_bill_to_scenario_to_a_verified_plan_with_its_commitments(tmp_path: Path) -> None:
    from fleetplan.optimize.planner import optimize

    path = tmp_path / "bill.csv"
    truth = generate_bill(path, rows=400, providers=["aws"], months=1, seed=11)
    with read_bills([path]) as bill:
        text, _ = scenario_yaml_from_bill(bill, analyze_bill(bill), periods=2)
    sc = load_scenario_text(text, file="from-bill.yaml")
    assert {c.provider for c in sc.commitments} == {"aws"}
    assert len(sc.commitments) == len(truth["commitments"])
    sc.workloads = sc.workloads[:3]
    plan = optimize(sc, time_limit_s=20, baselines=False, abatement=False)
    assert plan.verification is not None and plan.verification.ok
    assert float(plan.costs["committed_usd"].sum()) > 0  # what was signed is paid in the plan


def test_hindsight_plans_the_observed_usage_and_never_fails_the_audit(tmp_path: Path) -> None:
    from fleetplan.audit import hindsight
    from fleetplan.load import load_scenario

    example = Path(__file__).resolve().parents[2] / "src" / "fleetplan" / "data" / "examples" / "carbon-budget.yaml"
    path = tmp_path / "bill.csv"
    generate_bill(path, rows=400, providers=["aws"], months=1, start="2027-01", seed=11)
    base = load_scenario(example)
    with read_bills([path]) as bill:
        a = analyze_bill(bill)
        h = hindsight(bill, a, base, time_limit_s=20)
    assert h["status"] in ("optimal", "time_limit") and h["verified"] is True
    assert h["periods"] == ["2027Q1"] and h["actual_usd"] == pytest.approx(a.totals["ai_compute_amortized_usd"])
    assert h["hindsight_plan_usd"] > 0 and h["hindsight_savings_usd"] == pytest.approx(
        h["actual_usd"] - h["hindsight_plan_usd"]
    )
    assert any("carbon_budget_tco2e" in n for n in h["notes"])  # the example's own carbon budget is left out
    # a base scenario that cannot host the usage reports why instead of failing
    base.policy.excluded_providers = ["aws"]
    with read_bills([path]) as bill:
        h = hindsight(bill, analyze_bill(bill), base, time_limit_s=5)
    assert h["status"] == "failed" and h["summary"].startswith("no hindsight plan")
