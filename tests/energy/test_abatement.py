"""Marginal abatement: the carbon-constrained plan against the cheapest plan of its scenario."""

from __future__ import annotations

import time
from importlib import resources

import pytest

from fleetplan.energy import abatement, cheapest_scenario, has_carbon_policy
from fleetplan.load import load_scenario
from fleetplan.optimize import optimize

from .conftest import BATCH_8B, offering

OFFS = [
    offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0),
    offering("alpha", "a-west", "a100x8", "A100-80GB", 8, "on_demand", 18.0),
]


def test_budget_abatement_cost_is_exact(make_scenario) -> None:
    free = optimize(make_scenario(OFFS, workloads=[BATCH_8B]), baselines=False, lp_bound=False)
    assert free.abatement is None  # no carbon policy: no second solve
    co2_free = float(free.costs["co2e_t"].sum())
    sc = make_scenario(OFFS, workloads=[BATCH_8B], policy={"carbon_budget_tco2e": co2_free / 2})
    assert has_carbon_policy(sc)
    plan = optimize(sc, baselines=False, lp_bound=False)
    a = plan.abatement
    assert a is not None and a.binding
    assert a.cheapest_co2e_t == pytest.approx(co2_free, rel=1e-6)
    assert a.cheapest_total_usd == pytest.approx(free.total_usd, rel=1e-6)
    assert a.plan_co2e_t == pytest.approx(co2_free / 2, rel=1e-6)
    assert a.avoided_tco2e > 0 and a.extra_cost_usd > 0
    # moving one accelerator-hour east -> west costs $0.25 and avoids (0.4 - 0.1) x kWh per hour
    kwh_per_h = 400 * 0.8 * 1.3 * 1.2 / 1000
    assert a.usd_per_tco2e_avoided == pytest.approx(0.25 / (0.3 * kwh_per_h / 1000), rel=1e-6)
    assert a.usd_per_tco2e_avoided == pytest.approx(a.extra_cost_usd / a.avoided_tco2e)
    doc = plan.to_dict()["abatement"]
    assert doc["usd_per_tco2e_avoided"] == pytest.approx(a.usd_per_tco2e_avoided)
    assert "carbon budget" in doc["policy"] and doc["within_gap"] is False
    assert optimize(sc, baselines=False, lp_bound=False, abatement=False).abatement is None


def test_carbon_price_and_slack_budget(make_scenario) -> None:
    price = make_scenario(OFFS, workloads=[BATCH_8B], objective={"carbon_price_usd_per_tco2e": 5000})
    plan = optimize(price, baselines=False, lp_bound=False)
    assert set(plan.allocations["region"]) == {"a-west"}  # $5,000/t beats the $0.25/h premium
    assert plan.abatement is not None and plan.abatement.binding
    assert plan.abatement.usd_per_tco2e_avoided < 5000
    slack = make_scenario(OFFS, workloads=[BATCH_8B], policy={"carbon_budget_tco2e": 1e6})
    a = abatement(slack, optimize(slack, baselines=False, lp_bound=False))
    assert a is not None and not a.binding and a.usd_per_tco2e_avoided is None
    cheap = cheapest_scenario(slack)
    assert not has_carbon_policy(cheap) and slack.policy.carbon_budget_tco2e == 1e6


def test_carbon_budget_example_moves_work_to_a_low_carbon_region(tmp_path) -> None:
    text = resources.files("fleetplan.data").joinpath("examples", "carbon-budget.yaml").read_text("utf-8")
    path = tmp_path / "carbon-budget.yaml"
    path.write_text(text, "utf-8")
    sc = load_scenario(path)
    t0 = time.perf_counter()
    plan = optimize(sc, baselines=False, lp_bound=False)
    assert time.perf_counter() - t0 < 20  # about 1 s here; generous for slow CI machines
    a = plan.abatement
    assert a is not None and a.binding
    assert a.plan_co2e_t < a.cheapest_co2e_t
    assert a.plan_co2e_t <= sc.policy.carbon_budget_tco2e * (1 + 1e-6)
    assert a.usd_per_tco2e_avoided is not None and a.usd_per_tco2e_avoided > 0
    batch = plan.allocations[plan.allocations["workload"] == "nightly-batch"]
    nordic = batch[batch["region"] == "eu-north1"]["accelerator_hours"].sum()
    assert nordic > 0.5 * batch["accelerator_hours"].sum()
