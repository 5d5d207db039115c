"""The risk analyses start from the plan already found, and an auxiliary solve that fails is a result.

Solvers are passed through ``solver=``: a spy that records HiGHS's calls, or a scripted one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pytest

from fleetplan.model.plan import Plan
from fleetplan.optimize import optimize
from fleetplan.optimize.solver import HIGHS, no_solution
from fleetplan.risk import analyze_risk, n_minus_1_premium
from fleetplan.risk.nminus1 import NMinus1Result
from fleetplan.risk.shocks import parse_shock
from tests.optimize.scripted import ScriptedSolver

from .conftest import BATCH_8B, offering

CRITICAL = {**BATCH_8B, "name": "chat-critical", "criticality": "critical"}
THREE_PROVIDERS = [
    offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0),
    offering("beta", "b-east", "a100x8", "A100-80GB", 8, "on_demand", 24.0),
    offering("gamma", "g-fr", "a100x8", "A100-80GB", 8, "on_demand", 30.0),
]


@dataclass
class SpySolver:
    """HiGHS, recording each call's method and keyword arguments."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def solve(self, model, options=None, **kw):  # type: ignore[no-untyped-def]
        self.calls.append(("solve", kw))
        return HIGHS.solve(model, options, **kw)

    def solve_relaxation(self, model, options=None):  # type: ignore[no-untyped-def]
        self.calls.append(("solve_relaxation", {}))
        return HIGHS.solve_relaxation(model, options)


def _scenario(make_scenario, **policy: Any):
    """A critical workload and a batch one on three providers; only the critical one is N-1."""
    return make_scenario(THREE_PROVIDERS, workloads=[CRITICAL, BATCH_8B], policy=policy)


def test_the_n_minus_1_plan_is_repaired_from_the_main_plan(make_scenario) -> None:
    """The plain plan breaks the N-1 rows; the re-plan's first solve holds every column outside
    the critical workload and the shared ones at the plain plan's values."""
    sc = _scenario(make_scenario)
    plain = optimize(sc, baselines=False)
    spy = SpySolver()
    res = n_minus_1_premium(sc, plain, solver=spy)
    assert res.status == "ok" and res.verified
    assert any("repaired" in n for n in res.notes), res.notes

    method, kw = spy.calls[0]
    assert method == "solve" and kw["bounds"] is not None
    lower, upper = kw["bounds"]
    held = lower == upper
    assert held.any() and not held.all()
    x = plain.solution.values
    assert np.allclose(lower[held], np.clip(x, lower, upper)[held])


def test_the_plain_plan_starts_from_a_given_n_minus_1_plan(make_scenario) -> None:
    """An N-1 plan is a plain plan as it is: with a solver that finds nothing, the plain plan is
    the N-1 plan itself, and no premium range is claimed without a bound."""
    sc = _scenario(make_scenario, n_minus_1=True)
    n1 = optimize(sc, baselines=False)
    nothing = ScriptedSolver(
        no_solution(termination="Time limit reached", time_s=1.0),  # the LP relaxation
        no_solution(termination="Time limit reached", time_s=1.0),  # branch-and-bound
    )
    res = n_minus_1_premium(sc, n1, solver=nothing)
    assert res.status == "ok"
    assert res.plain_plan is not None and res.plan is n1
    assert np.array_equal(res.plain_plan.solution.values, n1.solution.values)
    assert res.premium_usd == pytest.approx(0.0, abs=1e-6)
    assert res.premium_bounds_usd is None
    assert res.notes == ["started from the plan given (feasible here)"]


def test_a_failed_n_minus_1_re_plan_is_reported_beside_the_plan(make_scenario) -> None:
    """No N-1 plan within the limit: the result says why; in the risk report, an N-1 re-plan that
    cannot be made is a note beside everything else."""
    sc = _scenario(make_scenario)
    plain = optimize(sc, baselines=False)
    nothing = ScriptedSolver(
        no_solution(termination="Time limit reached", time_s=1.0),  # the repair of the plain plan
        no_solution(termination="Time limit reached", time_s=1.0),  # the LP relaxation
    )
    n1 = n_minus_1_premium(sc, plain, solver=nothing)
    assert n1.status == "failed" and n1.plan is None
    assert n1.plain_total_usd == pytest.approx(plain.total_usd)
    assert n1.premium_usd is None and n1.premium_bounds_usd is None
    assert "did not finish" in n1.message
    assert not nothing.results  # the script was used up: both solves were asked for

    # one provider only: no N-1 plan exists; the report stands and names the failure
    alone = make_scenario(THREE_PROVIDERS[:1], workloads=[CRITICAL, BATCH_8B])
    plan = optimize(alone, baselines=False)
    report = analyze_risk(alone, plan, draws=100, n_minus_1=True)
    assert report.plan is plan
    assert report.contingency.impacts and report.monte_carlo.draws == 100
    assert report.n_minus_1 is not None and report.n_minus_1.status != "ok"
    assert [n for n in report.notes if n.startswith("N-1 premium not computed")]


def test_an_infeasible_shock_re_plan_is_reported_beside_the_plan(make_scenario) -> None:
    """Spot capacity gone, re-planned: no plan exists; the shock says so, the report stands."""
    offs = [offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "spot", 8.0)]
    sc = make_scenario(offs, workloads=[{**BATCH_8B, "interruptible": True}])
    plan = optimize(sc, baselines=False)
    report = analyze_risk(sc, plan, draws=100, shocks=[parse_shock("spot_cap:0")], shock_mode="replan")
    (shock,) = report.shocks
    assert shock.status == "infeasible" and shock.total_usd_after is None
    assert any(n.startswith(f"shock {shock.name} not measured (infeasible)") for n in report.notes)


def _with_solve(plan: Plan, objective_usd: float, bound_usd: float) -> Plan:
    gap = (objective_usd - bound_usd) / objective_usd
    return replace(plan, solve=replace(plan.solve, objective_usd=objective_usd, dual_bound_usd=bound_usd, gap=gap))


def test_premium_bounds_come_from_both_plans_bounds(make_scenario) -> None:
    sc = _scenario(make_scenario)
    plain = optimize(sc, baselines=False)
    res = n_minus_1_premium(sc, plain)
    low, high = res.premium_bounds_usd
    assert low <= res.premium_objective_usd <= high
    assert high - low <= 2 * 5e-3 * res.plan.solve.objective_usd + 1e-6  # both within the 0.5 % gap

    # time-limited plans: plain 100 (bound 90), N-1 180 (bound 150)
    r = NMinus1Result(
        "ok",
        "",
        plain.total_usd,
        plain.total_usd,
        plan=_with_solve(plain, 180.0, 150.0),
        plain_plan=_with_solve(plain, 100.0, 90.0),
    )
    assert r.premium_objective_usd == pytest.approx(80.0)
    assert r.premium_bounds_usd == pytest.approx((150.0 - 100.0, 180.0 - 90.0))
