"""The rounded LP start: a plan that satisfies the model, and the planner's fallback to it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from fleetplan.load import load_scenario
from fleetplan.load.scenario import scenario_catalog
from fleetplan.model.plan import SolveStatus
from fleetplan.optimize import optimize
from fleetplan.optimize.candidates import build_candidates
from fleetplan.optimize.formulation import Formulation, Var, build_model
from fleetplan.optimize.options import build_options
from fleetplan.optimize.solver import HIGHS, HighsSolver, SolverOptions, no_solution, solve, solve_relaxation
from fleetplan.optimize.warm_start import rounded_start
from fleetplan.sizing import size_workloads
from fleetplan.verify import verify_plan
from tests.optimize.scripted import ScriptedSolver
from tests.scenarios import BATCH_8B, OWN_SITE, offering, own_server

EXAMPLE = Path(__file__).resolve().parents[2] / "src" / "fleetplan" / "data" / "examples" / "enterprise.yaml"

CHAT = {
    "name": "chat",
    "kind": "serve",
    "model": {"params": 8.0e9},
    "precision": "fp8",
    "demand": {"peak_rps": 250.0, "headroom": 0.0, "growth_per_period": 0.15},
    "criticality": "critical",
}


def _offers() -> list[dict]:
    return [
        offering("alpha", "a-east", "h100x8", "H100-SXM", 8, "on_demand", 24.0),
        offering("alpha", "a-east", "h100x8", "H100-SXM", 8, "reserved_1y", 15.0),
        offering("beta", "b-east", "h100x8", "H100-SXM", 8, "on_demand", 26.0),
        offering("beta", "b-east", "h100x1", "H100-SXM", 1, "on_demand", 3.4),
        offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0),
    ]


def _built(sc) -> tuple[Formulation, np.ndarray, np.ndarray]:
    options = build_options(sc, scenario_catalog(sc))
    cand = build_candidates(sc, options, size_workloads(sc)).table
    f = build_model(sc, cand, options)
    lp, x, duals = solve_relaxation(f.model)
    assert lp.status == SolveStatus.OPTIMAL
    return f, x, duals


def _satisfies(f: Formulation, x: np.ndarray) -> bool:
    m = f.model
    a = m.matrix(scaled=False)
    lo, up = m.row_bounds(scaled=False)
    act = a @ x
    tol = 1e-6 * np.maximum(1.0, np.abs(np.r_[lo[np.isfinite(lo)], up[np.isfinite(up)]]).max())
    integer = m.col("integer")
    return bool(
        (act >= lo - tol).all()
        and (act <= up + tol).all()
        and (x >= m.col("lower") - 1e-9).all()
        and (x <= m.col("upper") + 1e-9).all()
        and np.allclose(x[integer], np.round(x[integer]), atol=1e-6)
    )


def _scenario(make_scenario):
    return make_scenario(
        _offers(),
        workloads=[CHAT, BATCH_8B],
        horizon={"start": "2027Q1", "periods": 4},
        policy={"min_providers_critical": 2, "min_provider_share_critical": 0.25, "n_minus_1": True},
        server_types=[own_server(120_000)],
        sites=[{**OWN_SITE, "existing": [{"server_type": "srv", "count": 1, "purchased": "2026Q1"}]}],
    )


def test_the_start_satisfies_every_row_and_costs_at_least_the_lp(make_scenario) -> None:
    sc = _scenario(make_scenario)
    f, x_lp, duals = _built(sc)
    start = rounded_start(f, x_lp, duals, min_share=sc.policy.min_provider_share_critical)
    assert start is not None
    assert _satisfies(f, start.x)
    assert start.objective_usd == pytest.approx(float(f.model.col("cost") @ start.x))
    assert start.objective_usd >= float(f.model.col("cost") @ x_lp) - 1e-6
    # a critical service keeps two providers with whole replicas on each, every period
    y0 = f.model.columns[Var.PLACEMENT].start
    c = f.cand.assign(y=start.x[y0 : y0 + len(f.cand)])
    chat = c[(c["workload"] == "chat") & (c["y"] > 0)]
    assert chat.groupby("t_idx")["provider"].nunique().min() >= 2


def test_the_example_gets_a_start_and_the_mip_keeps_or_beats_it() -> None:
    sc = load_scenario(EXAMPLE)
    f, x_lp, duals = _built(sc)
    start = rounded_start(f, x_lp, duals, min_share=sc.policy.min_provider_share_critical)
    assert start is not None and _satisfies(f, start.x)
    res, x = solve(f.model, SolverOptions(time_limit_s=5), start=start.x)
    assert x is not None and res.objective_usd <= start.objective_usd + 1e-6


def test_the_planner_falls_back_to_the_start_when_branch_and_bound_finds_nothing(make_scenario) -> None:
    sc = _scenario(make_scenario)
    options = build_options(sc, scenario_catalog(sc))
    f = build_model(sc, build_candidates(sc, options, size_workloads(sc)).table, options)
    # the planner's own LP relaxation (same model), then branch-and-bound out of time with nothing
    nothing = no_solution(termination="Time limit reached", time_s=0.1, dual_bound_usd=1.0)
    solver = ScriptedSolver(solve_relaxation(f.model), nothing)
    plan = optimize(sc, baselines=False, solver=solver)
    assert [name for name, _ in solver.calls] == ["solve_relaxation", "solve"]
    assert plan.solve.status == SolveStatus.TIME_LIMIT
    assert "rounded LP start" in plan.solve.termination
    assert plan.solve.dual_bound_usd == pytest.approx(plan.lp_bound_usd)
    assert 0.0 <= plan.solve.gap < 1.0
    assert verify_plan(sc, plan, size_workloads(sc)).ok


def test_a_start_never_replaces_the_reported_solution(make_scenario) -> None:
    """HiGHS may solve a small MIP in presolve and hand back the start's values: the adapter
    re-solves rather than return a vector that is not the solution it reports."""
    offers = [
        offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 1.0),
        offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "reserved_1y", 1.0),
    ]
    sc = make_scenario(offers, workloads=[BATCH_8B])
    f, x_lp, duals = _built(sc)
    start = rounded_start(f, x_lp, duals)
    assert start is not None
    res, x = solve(f.model, SolverOptions(), start=start.x)
    assert x is not None
    assert float(f.model.col("cost") @ x) == pytest.approx(res.objective_usd, rel=1e-6)
    assert res.objective_usd <= start.objective_usd + 1e-6


class _WeakBound:
    """HiGHS, but branch-and-bound reports a time limit with a useless bound (10 USD)."""

    def solve_relaxation(self, model, options=None):  # type: ignore[no-untyped-def]
        return HIGHS.solve_relaxation(model, options)

    def solve(self, model, options=None, **kw):  # type: ignore[no-untyped-def]
        result, x = HIGHS.solve(model, options, **kw)
        return replace(result, status=SolveStatus.TIME_LIMIT, dual_bound_usd=10.0, gap=0.9), x


def test_a_time_limited_plan_reports_the_lp_bound_when_branch_and_bound_has_a_weaker_one(make_scenario) -> None:
    sc = _scenario(make_scenario)
    plan = optimize(sc, baselines=False, solver=_WeakBound())
    assert plan.verification.ok and plan.lp_bound_usd is not None
    assert plan.solve.dual_bound_usd == pytest.approx(plan.lp_bound_usd)
    assert plan.solve.gap == pytest.approx((plan.solve.objective_usd - plan.lp_bound_usd) / plan.solve.objective_usd)


def test_without_time_for_a_root_lp_the_rounded_plan_stands(make_scenario) -> None:
    sc = _scenario(make_scenario)
    plan = optimize(sc, baselines=False, solver=HighsSolver(root_time_factor=1e12))  # never enough time
    assert "plan from rounded LP start" in plan.solve.termination
    assert plan.solve.status in (SolveStatus.TIME_LIMIT, SolveStatus.OPTIMAL) and plan.verification.ok
    assert plan.solve.dual_bound_usd == pytest.approx(plan.lp_bound_usd)


def test_a_plan_is_found_even_when_the_time_limit_is_far_too_short(make_scenario) -> None:
    """A scenario that has a plan never ends without one: the first plan is waited for."""
    sc = _scenario(make_scenario)
    plan = optimize(sc, time_limit_s=1e-3, baselines=False)
    assert plan.verification.ok and plan.solve.has_solution


def test_an_lp_that_never_finishes_stops_the_plan_with_a_clear_error(make_scenario) -> None:
    from fleetplan.errors import FleetplanError

    sc = _scenario(make_scenario)
    solver = ScriptedSolver(no_solution(termination="Time limit reached", time_s=9.0, variables=1, constraints=1))
    with pytest.raises(FleetplanError, match=r"LP relaxation .* did not finish within"):
        optimize(sc, time_limit_s=5, baselines=False, solver=solver)
    assert [name for name, _ in solver.calls] == ["solve_relaxation"]  # branch-and-bound is not attempted


def test_eviction_frees_only_the_room_a_stuck_row_needs_smallest_holdings_first() -> None:
    """A stuck row needs 2 units of a full shared limit: the two smallest movable holdings go
    (1 + 2 units), the big one stays, and the stuck column reopens."""
    from scipy import sparse

    from fleetplan.optimize.warm_start import _evict

    # columns 0-2: other workloads' replicas under the limit; column 3: the stuck row's own
    cap_m = sparse.csr_matrix(np.array([[1.0, 1.0, 1.0, 1.0]]))
    stuck = sparse.csr_matrix(np.array([[0.0, 0.0, 0.0, 0.5]]))  # one replica covers 0.5
    y = np.array([5.0, 1.0, 2.0, 0.0])
    ub = np.array([9.0, 9.0, 9.0, 0.0])  # column 3 closed: no room left
    base_ub = np.array([9.0, 9.0, 9.0, 4.0])
    keep = np.zeros(4, dtype=bool)
    assert _evict(stuck, np.array([1.0]), cap_m, np.array([0.0]), y, ub, base_ub, keep)
    assert y.tolist() == [5.0, 0.0, 0.0, 0.0]
    assert ub.tolist() == [9.0, 0.0, 0.0, 4.0] and base_ub[1:3].tolist() == [0.0, 0.0]


def test_the_planner_names_each_stage_as_it_starts(make_scenario) -> None:
    """Long solves show where they are: ``status`` hears each stage, in order."""
    sc = _scenario(make_scenario)
    heard: list[str] = []
    optimize(sc, status=heard.append)
    firsts = ["sizing", "building the model", "LP relaxation", "rounding", "branch-and-bound", "verifying", "baselines"]
    at = [next(i for i, m in enumerate(heard) if m.startswith(word)) for word in firsts]
    assert at == sorted(at), heard
