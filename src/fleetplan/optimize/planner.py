"""``optimize(scenario)``: size -> candidates -> model -> HiGHS -> plan -> verify -> baselines.

Contract: returns a verified :class:`Plan` or raises. Bad input raises :class:`InputError`/
:class:`SizingError` (exit 2); a scenario with no feasible plan raises :class:`InfeasibleError`
with the conflicting requirements (exit 1); a plan the verifier rejects raises
:class:`VerificationError` (exit 1): it is never shown as if it were good.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from fleetplan.energy.abatement import abatement as marginal_abatement
from fleetplan.energy.abatement import cheapest_scenario, has_carbon_policy
from fleetplan.energy.plan_tables import energy_tables
from fleetplan.errors import FleetplanError
from fleetplan.load.scenario import scenario_catalog
from fleetplan.model.plan import Plan, SolveResult, SolveStatus
from fleetplan.model.scenario import Scenario
from fleetplan.optimize.baselines import greedy_baseline, single_provider_baseline
from fleetplan.optimize.candidates import CandidateError, build_candidates
from fleetplan.optimize.explain import InfeasibleError, explain_infeasible
from fleetplan.optimize.extract import extract_tables
from fleetplan.optimize.formulation import build_model
from fleetplan.optimize.options import build_options
from fleetplan.optimize.solver import (
    HIGHS,
    LARGE_MIP_INTEGERS,
    Progress,
    Solver,
    SolverOptions,
    no_solution,
    relative_gap,
)
from fleetplan.optimize.warm_start import WarmStart, rounded_start
from fleetplan.sizing import size_workloads
from fleetplan.verify.accounting import policy_status
from fleetplan.verify.checks import recompute_costs, verify_plan

__all__ = ["PlanTimings", "VerificationError", "optimize"]


_ROOT_TIME_FACTOR = 2.5
"""Branch-and-bound runs only if its time exceeds this many LP solves (its root LP and cuts)."""


def _tighter_bound(result: SolveResult, lp_usd: float | None) -> SolveResult:
    """A time-limited result whose dual bound is below the LP relaxation's (branch-and-bound
    stopped before its root LP finished) reports the LP bound and the gap to it instead."""
    if lp_usd is None or result.objective_usd is None:
        return result
    if result.dual_bound_usd is not None and result.dual_bound_usd >= lp_usd:
        return result
    return replace(result, dual_bound_usd=lp_usd, gap=relative_gap(result.objective_usd, lp_usd))


def _from_start(mip: SolveResult, start: WarmStart, lp_usd: float | None) -> SolveResult:
    """The result to report when the rounded start is the plan: a time-limited incumbent whose
    bound is the better of branch-and-bound's and the LP relaxation's."""
    as_start = replace(
        mip,
        status=SolveStatus.TIME_LIMIT,
        termination=f"{mip.termination}; plan from the rounded LP start",
        objective_usd=start.objective_usd,
        dual_bound_usd=mip.dual_bound_usd,
        gap=None if mip.dual_bound_usd is None else relative_gap(start.objective_usd, mip.dual_bound_usd),
    )
    return _tighter_bound(as_start, lp_usd)


class VerificationError(FleetplanError):
    """The independent verifier rejected a plan. Exit code 1."""

    exit_code = 1

    def __init__(self, violations: tuple[str, ...]) -> None:
        self.violations = violations
        shown = "; ".join(violations[:5]) + (f"; and {len(violations) - 5} more" if len(violations) > 5 else "")
        super().__init__(f"plan failed verification: {shown}")


@dataclass
class PlanTimings:
    """Seconds spent per stage (for benchmarks and ``--verbose``)."""

    sizing_s: float = 0.0
    candidates_s: float = 0.0
    build_s: float = 0.0
    solve_s: float = 0.0
    lp_bound_s: float = 0.0
    warm_start_s: float = 0.0
    verify_s: float = 0.0
    baselines_s: float = 0.0
    abatement_s: float = 0.0


def optimize(
    sc: Scenario,
    *,
    time_limit_s: float = 300.0,
    mip_rel_gap: float = 5e-3,
    progress: Callable[[Progress], None] | None = None,
    baselines: bool = True,
    lp_bound: bool = True,
    prune: bool = True,
    timings: PlanTimings | None = None,
    abatement: bool = True,
    warm_start: bool = True,
    solver: Solver | None = None,
) -> Plan:
    """The cheapest plan that satisfies every policy of ``sc`` over every period, verified.

    With a carbon price or budget in ``sc`` (and ``abatement``), the scenario is solved a second
    time without them to report the marginal abatement cost (``plan.abatement``).

    ``time_limit_s`` covers the LP relaxation, the rounded start (``warm_start``, at most a
    third of it) and branch-and-bound (the rest, and at least a tenth). Branch-and-bound is
    skipped when the rest is shorter than 2.5 LP solves (it would not finish its root). If it
    finds nothing better in time, the rounded start is the plan, its gap measured against the
    LP bound.

    ``solver`` solves the LP relaxation and runs branch-and-bound (default: HiGHS); the rounded
    start's completion, the infeasibility explanation and the abatement solve use HiGHS.
    """
    solver = HIGHS if solver is None else solver
    tm = timings or PlanTimings()
    t0 = time.perf_counter()
    sizing = size_workloads(sc)
    tm.sizing_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    cat = scenario_catalog(sc)
    options = build_options(sc, cat)
    try:
        cands = build_candidates(sc, options, sizing, prune=prune)
    except CandidateError as exc:
        raise InfeasibleError(exc.reasons) from None
    cand = cands.table
    tm.candidates_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    f = build_model(sc, cand, options)
    tm.build_s = time.perf_counter() - t0

    # the LP relaxation first: its bound is reported, and a rounded copy of it starts the MIP
    t0 = time.perf_counter()
    lp_result, x_lp, duals = solver.solve_relaxation(f.model, SolverOptions(time_limit_s=time_limit_s))
    tm.lp_bound_s = time.perf_counter() - t0
    if lp_result.status in (SolveStatus.INFEASIBLE, SolveStatus.UNBOUNDED):
        raise InfeasibleError(explain_infeasible(sc, cand, options))
    if lp_result.status != SolveStatus.OPTIMAL:  # branch-and-bound starts with this same LP
        raise FleetplanError(
            f"the LP relaxation ({f.model.n_cols:,} variables) did not finish within the {time_limit_s:g} s "
            "time limit, so no plan was found; raise --time-limit"
        )
    lp_usd = lp_result.objective_usd
    lp_value = lp_usd if lp_bound else None
    start = None
    if warm_start and x_lp is not None:
        t0 = time.perf_counter()
        start = rounded_start(
            f, x_lp, duals, min_share=sc.policy.min_provider_share_critical, time_limit_s=time_limit_s / 3
        )
        tm.warm_start_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    spent = tm.lp_bound_s + tm.warm_start_s
    mip_limit = max(time_limit_s - spent, 0.1 * time_limit_s)
    n_free_int = int((f.model.col("integer") & (f.model.col("upper") > f.model.col("lower"))).sum())
    if start is not None and mip_limit < _ROOT_TIME_FACTOR * tm.lp_bound_s:
        # branch-and-bound would not get past its root LP (and HiGHS overruns its limit there
        # on big models): the rounded plan stands, measured against the LP bound
        result = no_solution(
            termination="no time left for branch-and-bound",
            time_s=0.0,
            variables=f.model.n_cols,
            constraints=f.model.n_rows,
            integer_variables=int(f.model.col("integer").sum()),
        )
        x = None
    else:
        result, x = solver.solve(
            f.model,
            SolverOptions(time_limit_s=mip_limit, mip_rel_gap=mip_rel_gap, progress=progress),
            # on big models HiGHS's own heuristics find nothing in time: give it the start; on
            # smaller ones it does better alone (N = 100: 17 % gap alone, 23 % started)
            start=start.x if start is not None and n_free_int > LARGE_MIP_INTEGERS else None,
        )
    tm.solve_s = time.perf_counter() - t0
    if start is not None and (x is None or (result.objective_usd or np.inf) > start.objective_usd + 1e-6):
        result, x = _from_start(result, start, lp_usd), start.x
    elif result.status == SolveStatus.TIME_LIMIT and x is not None:
        result = _tighter_bound(result, lp_usd)
    # the time shown is the whole solve: LP relaxation, rounded start and branch-and-bound
    result = replace(result, time_s=tm.lp_bound_s + tm.warm_start_s + tm.solve_s)
    if result.status in (SolveStatus.INFEASIBLE, SolveStatus.UNBOUNDED) or x is None:
        if result.status == SolveStatus.NO_SOLUTION:
            raise FleetplanError(f"no feasible plan found within the {time_limit_s:g} s time limit; raise --time-limit")
        raise InfeasibleError(explain_infeasible(sc, cand, options))

    tables = extract_tables(sc, f, x, options)
    plan = Plan(
        scenario_name=sc.name,
        periods=sc.horizon.labels(),
        currency=sc.currency,
        allocations=tables["allocations"],  # type: ignore[arg-type]
        purchases=tables["purchases"],  # type: ignore[arg-type]
        reservations=tables["reservations"],  # type: ignore[arg-type]
        costs=tables["costs"],  # type: ignore[arg-type]
        onboarded=tables["onboarded"],  # type: ignore[arg-type]
        dropped_workloads=tables["dropped"],  # type: ignore[arg-type]
        solve=result,
        lp_bound_usd=lp_value,
    )
    co2 = float(plan.costs["co2e_t"].sum())
    value = float(
        sum((w.value_usd or 0.0) for w in sc.workloads if w.optional and w.name not in plan.dropped_workloads)
    )
    plan.objective_breakdown = {
        "discounted_spend_usd": float(plan.costs["discounted_usd"].sum()),
        "carbon_cost_usd": co2 * sc.objective.carbon_price_usd_per_tco2e,
        "value_of_optional_work_usd": value,
        "objective_usd": float(result.objective_usd or np.nan),
    }

    t0 = time.perf_counter()
    plan.verification = verify_plan(sc, plan, sizing)
    tm.verify_s = time.perf_counter() - t0
    if not plan.verification.ok:
        raise VerificationError(plan.verification.violations)
    verified = recompute_costs(sc, plan)
    plan.policies = policy_status(sc, plan, verified)
    plan.spend_by_owner = {"provider": verified.by_provider, "vendor": verified.by_vendor}
    plan.energy = energy_tables(sc, plan)
    if abatement and has_carbon_policy(sc):  # the cheapest plan without the carbon policy: a second solve
        t0 = time.perf_counter()
        cheapest = optimize(
            cheapest_scenario(sc),
            time_limit_s=time_limit_s,
            mip_rel_gap=mip_rel_gap,
            prune=prune,
            baselines=False,
            lp_bound=False,
        )
        plan.abatement = marginal_abatement(sc, plan, cheapest)
        tm.abatement_s = time.perf_counter() - t0

    if baselines:
        t0 = time.perf_counter()
        single, _ = single_provider_baseline(sc, cand, sizing)
        greedy, _ = greedy_baseline(sc, cand, sizing)
        plan.baselines = [single, greedy]
        tm.baselines_s = time.perf_counter() - t0
    return plan
