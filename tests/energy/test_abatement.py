"""Marginal abatement: the carbon-constrained plan against the cheapest plan of its scenario."""

from __future__ import annotations

import time
from importlib import resources

import pandas as pd
import pytest

from fleetplan.energy import abatement, cheapest_scenario, has_carbon_policy
from fleetplan.load import load_scenario
from fleetplan.model.plan import Plan, SolveResult, SolveStatus
from fleetplan.optimize import optimize
from fleetplan.report import plan_to_dict

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
    doc = plan_to_dict(plan)["abatement"]
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
    cheap = cheapest_scenario(slack)
    assert not has_carbon_policy(cheap) and slack.policy.carbon_budget_tco2e == 1e6
    plan = optimize(slack, baselines=False, lp_bound=False)
    assert plan.abatement is not None and not plan.abatement.binding
    a = abatement(slack, plan, optimize(cheap, baselines=False, lp_bound=False))
    assert a == plan.abatement and a.usd_per_tco2e_avoided is None


def _plan(total_usd: float, discounted_usd: float, co2e_t: float, gap: float = 0.0) -> Plan:
    """A synthetic plan: two periods of equal cost and emissions, nothing else."""
    costs = pd.DataFrame(
        {
            "period": ["2027Q1", "2027Q2"],
            "total_usd": [total_usd / 2] * 2,
            "discounted_usd": [discounted_usd / 2] * 2,
            "co2e_t": [co2e_t / 2] * 2,
        }
    )
    solve = SolveResult(
        status=SolveStatus.OPTIMAL,
        termination="synthetic",
        objective_usd=discounted_usd,
        dual_bound_usd=None,
        gap=gap,
        time_s=0.0,
        nodes=0,
        variables=0,
        constraints=0,
        integer_variables=0,
    )
    empty = pd.DataFrame()
    return Plan("synthetic", ["2027Q1", "2027Q2"], "USD", empty, empty, empty, costs, [], [], solve)


def test_abatement_is_a_pure_comparison_of_two_plans(make_scenario) -> None:
    sc = make_scenario(OFFS, workloads=[BATCH_8B], policy={"carbon_budget_tco2e": 50.0})
    cheapest = _plan(1000.0, 900.0, 100.0)
    a = abatement(sc, _plan(1200.0, 1050.0, 40.0), cheapest)
    assert a.binding and not a.within_gap
    assert (a.avoided_tco2e, a.extra_cost_usd, a.extra_discounted_usd) == (60.0, 200.0, 150.0)
    assert a.usd_per_tco2e_avoided == pytest.approx(200 / 60)
    assert a.discounted_usd_per_tco2e_avoided == pytest.approx(150 / 60)
    assert (a.cheapest_total_usd, a.cheapest_co2e_t, a.plan_total_usd, a.plan_co2e_t) == (1000, 100, 1200, 40)
    assert a.policy == "carbon budget 50.0 tCO2e over the horizon"
    assert a.note == "the carbon policy avoids 60.0 tCO2e (60% of the cheapest plan's emissions) for 200 USD more"
    # the two solves' gaps (10 % of 1,050 + 10 % of 900 = 195 USD) swallow the 150 USD difference
    noisy = abatement(sc, _plan(1200.0, 1050.0, 40.0, gap=0.1), _plan(1000.0, 900.0, 100.0, gap=0.1))
    assert noisy.within_gap and noisy.usd_per_tco2e_avoided == pytest.approx(200 / 60)
    assert noisy.note.endswith("within the solvers' gap, so the price per tonne is not significant")
    same = abatement(sc, _plan(1000.0, 900.0, 100.0), cheapest)
    assert not same.binding and same.usd_per_tco2e_avoided is None and same.avoided_tco2e == 0
    assert same.note.startswith("the carbon policy does not change emissions")
    free = abatement(sc, _plan(1000.0, 900.0, 40.0), cheapest)
    assert free.binding and free.usd_per_tco2e_avoided is None and free.discounted_usd_per_tco2e_avoided is None
    assert free.note.startswith("emissions differ but cost does not measurably")
    assert abatement(sc, _plan(1200.0, 1050.0, 40.0), cheapest) == a  # no state, no solve


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
