"""The verifier catches tampered plans; the plan JSON is complete and versioned."""

from __future__ import annotations

import json

import pytest

from fleetplan.optimize import optimize
from fleetplan.report import plan_to_dict
from fleetplan.sizing import size_workloads
from fleetplan.verify import verify_plan
from tests.scenarios import BATCH_8B, offering

OFFS = [
    offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0),
    offering("beta", "b-east", "a100x8", "A100-80GB", 8, "on_demand", 24.0),
]


@pytest.fixture
def solved(make_scenario):
    sc = make_scenario(OFFS, workloads=[BATCH_8B], policy={"max_provider_share": 0.7})
    return sc, optimize(sc)


def test_untouched_plan_verifies(solved) -> None:
    sc, plan = solved
    assert verify_plan(sc, plan, size_workloads(sc)).ok


def test_short_allocation_is_caught(solved) -> None:
    sc, plan = solved
    plan.allocations.loc[0, "accelerator_hours"] *= 0.5
    v = verify_plan(sc, plan, size_workloads(sc))
    assert not v.ok and any("covered" in x for x in v.violations)


def test_misreported_total_is_caught(solved) -> None:
    sc, plan = solved
    plan.costs.loc[1, "rented_usd"] += 100.0
    plan.costs.loc[1, "total_usd"] += 100.0
    v = verify_plan(sc, plan, size_workloads(sc))
    assert any("reported rented_usd for 2027Q2" in x for x in v.violations)


def test_share_cap_breach_is_caught(solved) -> None:
    sc, plan = solved
    plan.allocations["provider"] = "alpha"
    plan.allocations["region"] = "a-east"
    v = verify_plan(sc, plan, size_workloads(sc), check_totals=False)
    assert any("provider alpha holds 100.0% of spend, cap is 70%" in x for x in v.violations)


def test_plan_json_is_versioned_and_unit_explicit(solved) -> None:
    _, plan = solved
    doc = json.loads(json.dumps(plan_to_dict(plan)))
    assert doc["schema"] == "fleetplan.plan/1"
    assert doc["verification"]["ok"] is True
    assert doc["totals"]["total_usd"] == pytest.approx(plan.total_usd)
    assert {"workload", "period", "provider", "accelerator_hours", "cost_usd", "energy_kwh", "co2e_t"} <= set(
        doc["allocations"][0]
    )
    assert doc["spend_by_provider"]["alpha"]["share"] == pytest.approx(0.7, abs=1e-6)
    assert {b["name"] for b in doc["baselines"]} == {"single_provider_on_demand", "greedy"}
    greedy = next(b for b in doc["baselines"] if b["name"] == "greedy")
    assert greedy["violations"] and "provider alpha" in greedy["violations"][0]


def test_plan_is_deterministic(make_scenario) -> None:
    sc = make_scenario(
        OFFS,
        workloads=[BATCH_8B, {**BATCH_8B, "name": "b2", "criticality": "critical"}],
        policy={"max_provider_share": 0.7, "min_providers_critical": 2},
    )
    a = plan_to_dict(optimize(sc))
    b = plan_to_dict(optimize(sc))
    for doc in (a, b):
        doc["solver"].pop("time_s")
    assert a == b


def test_allocations_and_costs_convert_to_pandas(solved) -> None:
    _, plan = solved
    assert plan.allocations.groupby("provider")["cost_usd"].sum().sum() > 0
    assert list(plan.costs["period"]) == ["2027Q1", "2027Q2", "2027Q3", "2027Q4"]
