"""``optimize(scenario)``: size -> candidates -> model -> anytime solve -> plan -> verify -> baselines.

Contract: returns a verified :class:`Plan` or raises. Bad input raises :class:`InputError`/
:class:`SizingError` (exit 2); a scenario with no feasible plan raises :class:`InfeasibleError`
with the conflicting requirements (exit 1); a plan the verifier rejects raises
:class:`VerificationError` (exit 1): it is never shown as if it were good.

Auxiliary figures (the abatement's second solve, the baselines) never cost the plan: one that
fails or runs out of time is left out, and ``plan.notes`` says which and why.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from fleetplan.energy.abatement import abatement as marginal_abatement
from fleetplan.energy.abatement import cheapest_scenario, has_carbon_policy
from fleetplan.energy.plan_tables import energy_tables
from fleetplan.errors import FleetplanError
from fleetplan.load.scenario import scenario_catalog
from fleetplan.model.commitment import covered_periods
from fleetplan.model.plan import Plan, Solution, SolveStatus
from fleetplan.model.scenario import Scenario
from fleetplan.optimize.anytime import FIRST_PLAN_GRACE_S, solve_anytime
from fleetplan.optimize.backends import solver_from_name
from fleetplan.optimize.baselines import greedy_baseline, single_provider_baseline
from fleetplan.optimize.candidates import CandidateError, build_candidates
from fleetplan.optimize.explain import InfeasibleError, explain_infeasible
from fleetplan.optimize.extract import extract_tables
from fleetplan.optimize.formulation import Formulation, build_model
from fleetplan.optimize.options import build_options
from fleetplan.optimize.solver import Progress, Solver
from fleetplan.parallel import executor_from_spec, parse_engine
from fleetplan.sizing import size_workloads
from fleetplan.verify.accounting import period_spend, policy_status, stacks_needed
from fleetplan.verify.checks import recompute_costs, verify_plan
from fleetplan.verify.rollout import rollout_usage

__all__ = ["PlanTimings", "VerificationError", "optimize"]


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
    lns_s: float = 0.0
    repair_s: float = 0.0
    verify_s: float = 0.0
    baselines_s: float = 0.0
    abatement_s: float = 0.0


ABATEMENT_TIME_SHARE = 0.5
"""The abatement's second solve gets this share of the plan's time limit (it starts from the plan)."""


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
    solver: Solver | str | None = None,
    engine: object = None,
    start: Plan | None = None,
    seed: int = 0,
    parallel: str = "choose",
    first_plan_grace_s: float = FIRST_PLAN_GRACE_S,
    status: Callable[[str], None] | None = None,
) -> Plan:
    """The cheapest plan that satisfies every policy of ``sc`` over every period, verified.

    The solve is anytime (:mod:`fleetplan.optimize.anytime`): within ``time_limit_s`` the LP
    relaxation, a plan rounded from it, then branch-and-bound (models it can handle) or parallel
    neighbourhood search on ``engine`` (an executor or a spec such as ``"local"``, ``"serial"``,
    ``"dask://host:8786"``; default: local processes). The best plan found is returned with its
    proven gap. A scenario that has a plan never ends without one: without any plan at the limit
    the solve goes on until its first (for up to ``first_plan_grace_s``; an auxiliary solve that
    must end at its limit passes 0 and gets a :class:`FleetplanError` instead). ``start`` is an
    earlier plan of a model with the same columns (the same scenario's candidates), used as a
    first plan when it is feasible and repaired when it breaks rows of this model (the plain
    plan under an N-1 policy: the workloads of the broken rows are re-placed, the others kept);
    ``plan.notes`` says which.

    With a carbon price or budget in ``sc`` (and ``abatement``), the cheapest plan without them is
    solved too, from this plan, to report the marginal abatement cost (``plan.abatement``); when
    the plan leaves the carbon budget slack and carbon has no price, that second solve is skipped.

    ``solver`` solves the LP relaxation and runs branch-and-bound: a :class:`Solver` or a name
    (``"highs"``, the default; ``"gurobi"``, ``"copt"``, ``"xpress"``: see
    :mod:`fleetplan.optimize.backends`). The rounded start and neighbourhood search use HiGHS
    whatever it is, and every plan passes the same verifier. ``status`` hears the name of each
    stage as it starts (sizing, model, LP relaxation, first plan, search, verification, ...).
    """
    say = status or (lambda _m: None)
    if engine is None or isinstance(engine, str):
        parse_engine(engine)  # a bad spec is bad input before any work
    if isinstance(solver, str):
        solver = solver_from_name(solver)
    tm = timings or PlanTimings()
    say(f"sizing {len(sc.workloads):,} workloads …")
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

    say(f"building the model ({len(cand):,} placement options) …")
    t0 = time.perf_counter()
    f = build_model(sc, cand, options)
    tm.build_s = time.perf_counter() - t0

    with _Engine(engine) as executor:
        plan = _plan(
            sc,
            f,
            cand,
            options,
            sizing,
            tm,
            time_limit_s=time_limit_s,
            mip_rel_gap=mip_rel_gap,
            progress=progress,
            warm_start=warm_start,
            solver=solver,
            executor=executor,
            start=start,
            seed=seed,
            parallel=parallel,
            first_plan_grace_s=first_plan_grace_s,
            status=say,
        )
        if not lp_bound:
            plan.lp_bound_usd = None
        if abatement and has_carbon_policy(sc):
            say("abatement: the cheapest plan without the carbon policy …")
            t0 = time.perf_counter()
            _add_abatement(
                sc,
                plan,
                cand,
                options,
                sizing,
                time_limit_s=ABATEMENT_TIME_SHARE * time_limit_s,
                mip_rel_gap=mip_rel_gap,
                solver=solver,
                executor=executor,
                seed=seed,
            )
            tm.abatement_s = time.perf_counter() - t0

    if baselines:
        say("baselines …")
        t0 = time.perf_counter()
        for name, baseline in (("single provider", single_provider_baseline), ("greedy", greedy_baseline)):
            try:
                plan.baselines.append(baseline(sc, cand, sizing)[0])
            except FleetplanError as exc:  # a comparison, never a reason to lose the plan
                plan.notes.append(f"baseline {name} not computed: {exc}")
        tm.baselines_s = time.perf_counter() - t0
    return plan


class _Engine:
    """The executor for neighbourhood search, named by ``engine``; its workers start only when the
    search first needs them and stop when the plan's solves are done."""

    def __init__(self, engine: object) -> None:
        self.engine = engine
        self.made: Any = None

    def _get(self) -> Any:
        if self.engine is not None and not isinstance(self.engine, str):
            return self.engine
        if self.made is None:
            self.made = executor_from_spec(self.engine, None)
        return self.made

    @property
    def workers(self) -> int:
        return int(self._get().workers)

    def scatter(self, obj: Any) -> Any:
        return self._get().scatter(obj)

    def map(self, fn: Callable[..., Any], items: Any, **kw: Any) -> Any:
        return self._get().map(fn, items, **kw)

    def close(self) -> None:
        if self.made is not None:
            self.made.close()
            self.made = None

    def __enter__(self) -> _Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _layout(f: Formulation) -> tuple[tuple[str, int], ...]:
    return tuple((name, block.size) for name, block in f.model.columns.items())


def _plan(
    sc: Scenario,
    f: Formulation,
    cand: pd.DataFrame,
    options: pd.DataFrame,
    sizing: pd.DataFrame,
    tm: PlanTimings,
    *,
    time_limit_s: float,
    mip_rel_gap: float,
    progress: Callable[[Progress], None] | None,
    warm_start: bool,
    solver: Solver | None,
    executor: _Engine,
    start: Plan | None,
    seed: int,
    parallel: str,
    first_plan_grace_s: float = FIRST_PLAN_GRACE_S,
    status: Callable[[str], None] | None = None,
) -> Plan:
    """Solve ``f`` (anytime), then extract, verify and summarize the plan.

    ``cand``: the candidate table ``f`` was built from. An infeasible model is explained from it,
    not from ``f.cand``, whose pooled rows have handed their on-demand price to the pools' h
    columns (a model rebuilt from them would run those hours for free, with no reservations).
    """
    x0 = None
    if start is not None and start.solution is not None and start.solution.layout == _layout(f):
        x0 = start.solution.values
    t0 = time.perf_counter()
    solved = solve_anytime(
        f,
        time_limit_s=time_limit_s,
        mip_rel_gap=mip_rel_gap,
        min_share=sc.policy.min_provider_share_critical,
        warm_start=warm_start,
        start=x0,
        executor=executor,
        progress=progress,
        seed=seed,
        solver=solver,
        parallel=parallel,
        first_plan_grace_s=first_plan_grace_s,
        status=status,
    )
    st = solved.stages_s
    tm.lp_bound_s, tm.warm_start_s = st.get("lp_s", 0.0), st.get("start_s", 0.0)
    tm.solve_s, tm.lns_s, tm.repair_s = st.get("mip_s", 0.0), st.get("lns_s", 0.0), st.get("repair_s", 0.0)
    result, x = solved.result, solved.x
    if result.status in (SolveStatus.INFEASIBLE, SolveStatus.UNBOUNDED) or x is None:
        if result.status == SolveStatus.NO_SOLUTION:
            raise FleetplanError(f"no feasible plan found ({result.termination}, {time.perf_counter() - t0:.0f} s)")
        raise InfeasibleError(explain_infeasible(sc, cand, options))

    if status is not None:
        status("verifying the plan …")
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
        commitments=tables["commitments"],  # type: ignore[arg-type]
        credits=tables["credits"],  # type: ignore[arg-type]
        skills=tables["skills"],  # type: ignore[arg-type]
        solve=result,
        lp_bound_usd=solved.lp_usd,
        solution=Solution(values=np.asarray(x, dtype=float), layout=_layout(f)),
    )
    plan.notes.extend(_expired_commitments(sc))
    if start is not None and x0 is None:
        plan.notes.append("the start plan given belongs to another model; solved without it")
    elif start is not None:
        plan.notes.append(_START_NOTES[solved.start_use])
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
    verified = recompute_costs(sc, plan)
    plan.verification = verify_plan(sc, plan, sizing, costs=verified)
    tm.verify_s = time.perf_counter() - t0
    if not plan.verification.ok:
        raise VerificationError(plan.verification.violations)
    plan.policies = policy_status(sc, plan, verified)
    plan.rollout = rollout_usage(sc, plan)
    plan.stacks_needed = stacks_needed(sc, plan)
    plan.spend_by_owner = {"provider": verified.by_provider, "vendor": verified.by_vendor}
    plan.spend_by_period = period_spend(verified)
    plan.review_cycle_periods = sc.review_cycle_periods
    plan.energy = energy_tables(sc, plan)
    return plan


def _expired_commitments(sc: Scenario) -> list[str]:
    """A note per commitment that ended before the horizon: accepted (bills list old ones), unused."""
    hz = sc.horizon
    return [
        f"commitment {c.name} ended {c.ends}, before the horizon starts ({hz.start}): it covers no period"
        for c in sc.commitments
        if not covered_periods(c, hz.start, hz.periods, hz.period)
    ]


_START_NOTES = {
    "feasible": "started from the plan given (feasible here)",
    "repaired": "started from the plan given, repaired: the workloads of the rows it breaks re-placed, the rest kept",
    "rejected": "the plan given breaks rows of this model and was not repaired in time; solved without it",
}


CARBON_SLACK_HEADROOM = 0.10
"""A carbon budget counts as slack (no abatement solve) when the plan emits at most 90 % of it."""


def _carbon_binds(plan: Plan) -> bool:
    """Whether a carbon budget may shape the plan: the plan's emissions are within 10 % of it.

    A budget the plan meets with less headroom than that may still be what kept it from a
    cheaper, dirtier plan (the plan is optimal only to its gap), so the cheapest plan is solved.
    """
    return any(p.value >= p.limit * (1 - CARBON_SLACK_HEADROOM) for p in plan.policies if p.policy.startswith("carbon"))


def _add_abatement(
    sc: Scenario,
    plan: Plan,
    cand: pd.DataFrame,
    options: pd.DataFrame,
    sizing: pd.DataFrame,
    *,
    time_limit_s: float,
    mip_rel_gap: float,
    solver: Solver | None,
    executor: _Engine,
    seed: int,
) -> None:
    """``plan.abatement``: this plan against the cheapest plan without the carbon policy.

    The cheapest plan is solved on the same candidates, from this plan (feasible there: only
    carbon rows and prices are gone), so it always has a plan to compare. With no carbon price
    and a carbon budget the plan leaves slack, the plan itself is the cheapest one found and no
    second solve runs. A failure is noted in ``plan.notes``, never raised.
    """
    cheap_sc = cheapest_scenario(sc)
    if sc.objective.carbon_price_usd_per_tco2e <= 0 and not _carbon_binds(plan):
        plan.abatement = marginal_abatement(sc, plan, plan)
        plan.notes.append("carbon budget slack in the plan: the cheapest plan is the plan itself (no second solve)")
        return
    try:
        f = build_model(cheap_sc, cand, options)
        cheapest = _plan(
            cheap_sc,
            f,
            cand,
            options,
            sizing,
            PlanTimings(),
            time_limit_s=time_limit_s,
            mip_rel_gap=mip_rel_gap,
            progress=None,
            warm_start=False,
            solver=solver,
            executor=executor,
            start=plan,
            seed=seed,
            parallel="choose",
        )
    except FleetplanError as exc:
        plan.notes.append(f"abatement not computed: the cheapest plan's solve failed ({exc})")
        return
    plan.abatement = marginal_abatement(sc, plan, cheapest)
