"""Pricing pools: merging on-demand and reserved rows changes the model's size, never its answer."""

from __future__ import annotations

import numpy as np
import pytest

from fleetplan.load.scenario import scenario_catalog
from fleetplan.optimize import optimize
from fleetplan.optimize.candidates import build_candidates
from fleetplan.optimize.formulation import build_model
from fleetplan.optimize.options import build_options
from fleetplan.optimize.pricing_pools import pricing_pools, split_pool_amounts
from fleetplan.optimize.solver import SolverOptions, solve
from fleetplan.sizing import size_workloads
from tests.scenarios import BATCH_8B, offering

CHAT = {
    "name": "chat",
    "kind": "serve",
    "model": {"params": 8.0e9},
    "precision": "fp8",
    "demand": {"peak_rps": 300.0, "headroom": 0.0, "growth_per_period": 0.2},
    "accelerators": ["H100-SXM"],
}


def _offers() -> list[dict]:
    return [
        offering("alpha", "a-east", "h100x8", "H100-SXM", 8, "on_demand", 24.0),
        offering("alpha", "a-east", "h100x8", "H100-SXM", 8, "reserved_1y", 14.0),
        offering("alpha", "a-east", "h100x8", "H100-SXM", 8, "reserved_3y", 10.0),
        offering("beta", "b-east", "h100x8", "H100-SXM", 8, "on_demand", 26.0),
        offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0),
        offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "reserved_1y", 9.0),
    ]


def _models(sc):
    sizing = size_workloads(sc)
    options = build_options(sc, scenario_catalog(sc))
    cand = build_candidates(sc, options, sizing).table
    return cand, options, build_model(sc, cand, options), build_model(sc, cand, options, pool_pricing=False)


def test_pooled_and_per_row_pricing_have_the_same_optimum(make_scenario) -> None:
    sc = make_scenario(_offers(), workloads=[CHAT, BATCH_8B], horizon={"start": "2027Q1", "periods": 8})
    cand, _options, pooled, rows = _models(sc)
    # the reserved copies are gone: fewer placement rows and fewer whole-replica variables
    assert len(pooled.cand) < len(rows.cand) == len(cand)
    assert pooled.model.col("integer").sum() < rows.model.col("integer").sum()
    for relax in (True, False):
        a, _ = solve(pooled.model, SolverOptions(relax=relax, mip_rel_gap=1e-9))
        b, _ = solve(rows.model, SolverOptions(relax=relax, mip_rel_gap=1e-9))
        assert a.objective_usd == pytest.approx(b.objective_usd, rel=1e-7)


def test_pool_rows_keep_usage_and_pay_energy_only(make_scenario) -> None:
    sc = make_scenario(_offers(), workloads=[CHAT])
    sizing = size_workloads(sc)
    options = build_options(sc, scenario_catalog(sc))
    cand = build_candidates(sc, options, sizing).table
    pp = pricing_pools(cand, options)
    pooled = pp.table[pp.table["pool"] >= 0]
    assert len(pooled) and set(pooled["pricing_model"]) == {"on_demand"}
    # each pooled row draws on both reservations of its instance, and only those
    draws = pp.draws.merge(pp.periods[["pp", "option_id"]], on="pp", suffixes=("", "_od"))
    inst = options.set_index("option_id")["instance_type"]
    assert (draws["option_id"].map(inst) == draws["option_id_od"].map(inst)).all()
    assert draws.groupby("pp").size().eq(2).all()
    assert np.allclose(pooled["cost_usd"], pooled["energy_kwh"] * pooled["electricity_usd_per_kwh"])


def test_split_of_replicas_between_reservation_and_on_demand_verifies(make_scenario) -> None:
    """Growing serving demand: a 3-year reservation covers the base, on demand the growth."""
    sc = make_scenario(_offers(), workloads=[CHAT], horizon={"start": "2027Q1", "periods": 8})
    plan = optimize(sc, baselines=False)
    assert plan.verification.ok
    a = plan.allocations
    assert {"reserved_3y", "on_demand"} <= set(a["pricing_model"])
    per_placement = a.groupby(["period", "provider", "region", "instance_type"])["replicas"].sum()
    assert np.allclose(per_placement, per_placement.round())
    # some period pays one placement both ways
    ways = a.groupby(["period", "instance_type"])["pricing_model"].nunique()
    assert (ways > 1).any()
    # reserved hours never exceed the reserved accelerators, period by period
    hours = 8760 / 4
    labels = sc.horizon.labels()
    active = np.zeros(len(labels))
    for r in plan.reservations.itertuples():
        s0 = labels.index(r.start_period)
        active[s0 : s0 + r.term_periods] += r.accelerators
    used = a[a["pricing_model"].str.startswith("reserved")].groupby("period")["accelerator_hours"].sum()
    for t, lab in enumerate(labels):
        assert used.get(lab, 0.0) <= active[t] * hours * (1 + 1e-9)


def test_split_pool_amounts_shares() -> None:
    use = np.array([100.0, 50.0, 0.0])
    rho = np.array([60.0, 80.0, 10.0])  # pp 0 draws 60, pp 1 draws 80 (more than it uses), pp 2 idle
    share_d, share_od, od_hours = split_pool_amounts(use, rho, np.array([0, 1, 2]), 3)
    assert share_d.tolist() == pytest.approx([0.6, 1.0, 0.0])
    assert share_od.tolist() == pytest.approx([0.4, 0.0, 0.0])
    assert od_hours.tolist() == pytest.approx([40.0, 0.0, 0.0])
