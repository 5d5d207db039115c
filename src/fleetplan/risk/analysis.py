"""``analyze_risk``: every risk view of one plan, together (what ``fleetplan risk`` prints).

The plan is solved once; everything after it starts from it. Contingencies and operations-mode
shocks re-solve one operations model of the plan (investments fixed), starting from the plan as
reproduced there and sharing reference solves. The N-1 premium solves only the other plan,
starting from this one (repaired into an N-1 plan, :mod:`fleetplan.risk.nminus1`). No baselines
and no abatement are computed: the risk report shows neither.

An auxiliary analysis that fails or runs out of time (the N-1 re-plan, a shock) is reported beside
the others (its own status, and ``RiskReport.notes``); it never costs the plan or the other views.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from fleetplan.model.plan import Plan
from fleetplan.model.risk import Shock
from fleetplan.model.scenario import Scenario
from fleetplan.optimize import optimize, solver_from_name
from fleetplan.optimize.solver import Solver
from fleetplan.risk.concentration import Concentration, concentration
from fleetplan.risk.contingency import ContingencyReport, contingency_analysis
from fleetplan.risk.montecarlo import MonteCarloResult, monte_carlo
from fleetplan.risk.nminus1 import NMinus1Result, n_minus_1_premium
from fleetplan.risk.operations import OpsModel, build_ops_model
from fleetplan.risk.runbooks import Runbook, runbooks
from fleetplan.risk.shocks import ShockImpact, default_shocks, shock_impact, validate_shock
from fleetplan.sizing import size_workloads

__all__ = ["RiskReport", "analyze_risk"]


@dataclass
class RiskReport:
    """Concentration, contingencies, N-1 premium, shocks, Monte Carlo and runbooks of one plan.

    Its JSON document is :func:`fleetplan.risk.risk_to_dict`."""

    scenario: str
    plan: Plan
    concentration: Concentration
    contingency: ContingencyReport
    n_minus_1: NMinus1Result | None
    shocks: list[ShockImpact]
    monte_carlo: MonteCarloResult
    runbooks: list[Runbook]
    timings_s: dict[str, float] = field(default_factory=dict)
    runbook_files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Auxiliary analyses that failed or ran out of time; everything else in the report stands."""


def analyze_risk(
    sc: Scenario,
    plan: Plan | None = None,
    *,
    time_limit_s: float = 25.0,
    mip_rel_gap: float = 5e-3,
    event_time_limit_s: float = 3.0,
    duration_hours: float | None = None,
    n_minus_1: bool | None = None,
    shocks: list[Shock] | None = None,
    shock_mode: str = "operations",
    draws: int | None = None,
    seed: int | None = None,
    status: Callable[[str], None] | None = None,
    solver: Solver | str | None = None,
) -> RiskReport:
    """Plan ``sc`` (unless ``plan`` is given) and run every risk analysis on the plan.

    ``time_limit_s`` bounds each plan (the plan and its N-1 counterpart, or a shock re-planned),
    ``event_time_limit_s`` each operations solve of a contingency or shock; every figure keeps
    the gap its solve reached. ``n_minus_1`` defaults to the scenario's
    ``risk.n_minus_1_premium``; ``shocks`` to the scenario's ``risk.shocks`` or, when it declares
    none, :func:`default_shocks`. ``solver`` (a :class:`~fleetplan.optimize.solver.Solver` or a
    name, as for ``optimize``) runs every plan and operations re-solve (default: HiGHS).
    """
    if isinstance(solver, str):
        solver = solver_from_name(solver)
    say = status or (lambda _m: None)
    timings: dict[str, float] = {}
    declared = list(sc.risk.shocks) if shocks is None else list(shocks)
    for i, s in enumerate(declared):
        validate_shock(sc, s, f"risk.shocks[{i}]" if shocks is None else f"--shock[{i}]")
    t = time.perf_counter()
    if plan is None:
        say("planning …")
        plan = optimize(
            sc,
            time_limit_s=time_limit_s,
            mip_rel_gap=mip_rel_gap,
            baselines=False,
            lp_bound=False,
            abatement=False,
            solver=solver,
        )
    timings["plan_s"] = time.perf_counter() - t

    t = time.perf_counter()
    conc = concentration(sc, plan)
    timings["concentration_s"] = time.perf_counter() - t

    t = time.perf_counter()
    sizing = size_workloads(sc)
    om: OpsModel = build_ops_model(sc, plan, time_limit_s=event_time_limit_s, sizing=sizing, solver=solver)

    def progress(i: int, n: int, name: str) -> None:
        say(f"contingency {i}/{n}: {name} …")

    cont = contingency_analysis(sc, plan, duration_hours=duration_hours, ops=om, progress=progress)
    timings["contingency_s"] = time.perf_counter() - t

    t = time.perf_counter()
    impacts = []
    todo = declared if declared else default_shocks(sc, plan)
    for i, shock in enumerate(todo):
        say(f"shock {i + 1}/{len(todo)} …")
        impacts.append(
            shock_impact(
                sc,
                plan,
                shock,
                mode=shock_mode,
                time_limit_s=event_time_limit_s if shock_mode == "operations" else time_limit_s,
                sizing=sizing,
                base=om,
                solver=solver,
            )
        )
    timings["shocks_s"] = time.perf_counter() - t

    t = time.perf_counter()
    say("Monte Carlo …")
    mc = monte_carlo(sc, plan, draws=draws, seed=seed)
    timings["monte_carlo_s"] = time.perf_counter() - t

    n1 = None
    want_n1 = sc.risk.n_minus_1_premium if n_minus_1 is None else n_minus_1
    if want_n1:
        t = time.perf_counter()
        say("planning with N-1 …")
        n1 = n_minus_1_premium(sc, plan, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap, solver=solver)
        timings["n_minus_1_s"] = time.perf_counter() - t

    t = time.perf_counter()
    books = runbooks(sc, om, cont)
    timings["runbooks_s"] = time.perf_counter() - t

    notes = list(cont.notes)
    if n1 is not None and n1.status != "ok":
        notes.append(f"N-1 premium not computed ({n1.status}): {n1.message}")
    for imp in impacts:
        if imp.total_usd_after is None:
            notes.append(f"shock {imp.name} not measured ({imp.status})" + (f": {imp.note}" if imp.note else ""))
    return RiskReport(
        sc.name,
        plan,
        conc,
        cont,
        n1,
        impacts,
        mc,
        books,
        timings_s=timings,
        notes=notes,
    )
