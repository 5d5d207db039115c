"""The anytime solve: a feasible plan fast, better plans as time goes on, a proven bound at every stop.

Within one time limit, on the built model:

1. **LP relaxation.** Its optimum is the first proven bound. If it does not finish in time and
   no plan is known, there is nothing to report and the solve fails with a clear message.
2. **First plan.** The best of a start handed in by the caller (a plan of the same model, e.g.
   the main plan when the abatement or an N-1 re-plan is solved) and the plan rounded from the
   LP (:func:`~fleetplan.optimize.warm_start.rounded_start`). A start that breaks rows of this
   model (the plain plan under an N-1 policy) is repaired first (:func:`repair_start`): the
   workloads of the broken rows and the shared columns are re-solved, everything else is held.
3. **Improvement.** Models up to :data:`LARGE_MIP_INTEGERS` free integers (or the solver's
   ``large_mip_integers``) go to HiGHS's
   branch-and-bound (which also raises the bound); bigger ones, where branch-and-bound would not
   finish its root, go to large-neighbourhood search (:mod:`fleetplan.optimize.lns`), whose
   sub-MIPs run in parallel on an executor.
4. **Report.** The best plan found, and the best proven bound: the larger of the LP's and
   branch-and-bound's. The gap is measured between them; a time-limited result is never
   labelled optimal.

Every incumbent and bound is recorded in ``trace`` (seconds since the solve began), which is what
``--progress`` shows and what the benchmarks draw.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from fleetplan.errors import FleetplanError
from fleetplan.model.plan import SolveResult, SolveStatus
from fleetplan.optimize.formulation import Formulation, Var
from fleetplan.optimize.lns import MipArrays, improve
from fleetplan.optimize.solver import (
    HIGHS,
    LARGE_MIP_INTEGERS,
    OBJECTIVE_SCALE,
    Progress,
    Solver,
    SolverOptions,
    relative_gap,
)
from fleetplan.optimize.warm_start import rounded_start

__all__ = ["AnytimeSolve", "mip_arrays", "repair_start", "solve_anytime"]

FloatArray = npt.NDArray[np.float64]

FIRST_PLAN_GRACE_S = 3600.0
"""Without any plan at the time limit, branch-and-bound goes on for up to this long to find one."""

REPAIR_TIME_SHARE = 0.12
"""Repairing a start that breaks rows of the model gets this share of the time limit (at least 1 s).

On the bundled example's N-1 re-plan (1,499 free integers once the other workloads are held),
3 s give a feasible N-1 plan 4 % above the best one found in 120 s; the plan rounded from the LP
is 29 % above it."""

ROOT_TIME_FACTOR = 2.5
"""Branch-and-bound runs only if its time exceeds this many LP solves (its root LP and cuts); a
solver may say otherwise with a ``root_time_factor`` attribute."""


@dataclass
class AnytimeSolve:
    """The outcome of :func:`solve_anytime`: the result, its column values and how it got there."""

    result: SolveResult
    x: FloatArray | None
    lp_usd: float | None
    stages_s: dict[str, float] = field(default_factory=dict)
    trace: list[Progress] = field(default_factory=list)
    method: str = ""
    start_use: str = ""
    """What became of the caller's start: "" (none given), "feasible", "repaired" (see
    :func:`repair_start`) or "rejected" (broken and not repaired in time)."""


def mip_arrays(f: Formulation) -> MipArrays:
    """The model as HiGHS sees it, with the workload and provider each column belongs to."""
    m = f.model
    a = m.matrix()
    lo, up = m.row_bounds()
    owner = np.full(m.n_cols, -1, dtype=np.int64)
    y = m.columns[Var.PLACEMENT]
    owner[y.start : y.start + y.size] = f.cand["w_idx"].to_numpy()
    for table in (f.groups, f.diversity, f.optional):
        if len(table):
            owner[table["col"].to_numpy()] = table["w_idx"].to_numpy()
    provider = np.full(m.n_cols, -1, dtype=np.int64)
    names = sorted(set(f.cand["provider"]) | set(f.onboard["provider"] if len(f.onboard) else []))
    code = {p: i for i, p in enumerate(names)}
    provider[y.start : y.start + y.size] = f.cand["provider"].map(code).to_numpy()
    if len(f.onboard):
        provider[f.onboard["col"].to_numpy()] = f.onboard["provider"].map(code).to_numpy()
    if len(f.reservations):
        of = f.cand.drop_duplicates("option_id").set_index("option_id")["provider"]
        prov = f.reservations["option_id"].map(of).map(code)
        provider[f.reservations["col"].to_numpy()] = prov.fillna(-1).to_numpy(dtype=np.int64)
    # helper columns (share-spend totals, unserved shares, slacks) are free in every neighbourhood
    decisions = {Var.PLACEMENT, Var.ON_DEMAND, Var.DRAW, Var.RESERVE, Var.BUY, Var.GANG, Var.ONBOARD}
    decisions |= {Var.COUNTED, Var.SERVED}
    always_free = np.zeros(m.n_cols, dtype=bool)
    for name, block in m.columns.items():
        if name not in decisions:
            always_free[block.start : block.start + block.size] = True
    return MipArrays(
        a_csc=a,
        a_csr=a.tocsr(),
        row_lo=lo,
        row_up=up,
        cost=m.col("cost") * OBJECTIVE_SCALE,
        col_lo=m.col("lower"),
        col_up=m.col("upper"),
        integer=m.col("integer"),
        owner=owner,
        provider=provider,
        always_free=always_free,
    )


def repair_start(
    f: Formulation,
    data: MipArrays,
    x: FloatArray,
    *,
    solver: Solver,
    time_limit_s: float,
    mip_rel_gap: float,
    seed: int = 0,
    parallel: str = "choose",
) -> FloatArray | None:
    """A feasible point of ``f`` near ``x``, which breaks some of its rows; None if none is found.

    The columns of the workloads that appear in a broken row, and every shared column
    (reservations, purchases, onboarding, pooled hours), are solved again; every other column
    is held at its value in ``x`` through the solve's bounds (the model is not changed). For the
    plain plan under an N-1 policy that re-places the critical workloads and buys what they need,
    while every other workload keeps its placement.
    """
    m = f.model
    lo, up = m.col("lower"), m.col("upper")
    xc = np.clip(np.asarray(x, dtype=float), lo, up)
    xc[data.integer] = np.round(xc[data.integer])
    r = data.a_csr @ xc
    broken = np.flatnonzero((data.row_lo - r > 1e-6) | (r - data.row_up > 1e-6))
    cols = np.unique(data.a_csr[broken].indices)
    workloads = np.unique(data.owner[cols][data.owner[cols] >= 0])
    free = (data.owner < 0) | np.isin(data.owner, workloads)
    opts = SolverOptions(time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap, seed=seed, parallel=parallel)
    _result, xr = solver.solve(m, opts, bounds=(np.where(free, lo, xc), np.where(free, up, xc)))
    if xr is None:
        return None
    xr = np.asarray(xr, dtype=float).copy()
    xr[data.integer] = np.round(xr[data.integer])
    return xr if data.violation(xr) <= 1e-6 else None


def _incumbent(result: SolveResult, objective_usd: float, bound_usd: float | None, note: str) -> SolveResult:
    return replace(
        result,
        status=SolveStatus.TIME_LIMIT,
        termination=note,
        objective_usd=objective_usd,
        dual_bound_usd=bound_usd,
        gap=None if bound_usd is None else relative_gap(objective_usd, bound_usd),
    )


def solve_anytime(
    f: Formulation,
    *,
    time_limit_s: float,
    mip_rel_gap: float = 5e-3,
    min_share: float = 0.0,
    warm_start: bool = True,
    start: FloatArray | None = None,
    executor: Any = None,
    progress: Callable[[Progress], None] | None = None,
    seed: int = 0,
    solver: Solver | None = None,
    parallel: str = "choose",
    first_plan_grace_s: float = FIRST_PLAN_GRACE_S,
    status: Callable[[str], None] | None = None,
) -> AnytimeSolve:
    """Solve ``f`` within ``time_limit_s`` (see module docstring).

    ``start`` is a point of this same model: used if it is feasible, else repaired
    (:func:`repair_start`) within :data:`REPAIR_TIME_SHARE` of the limit, else ignored; what
    became of it is ``start_use``. Without any plan at the limit the solve goes on for up to
    ``first_plan_grace_s`` to find one (0 for an auxiliary solve that must end at its limit).
    ``executor`` runs the large-neighbourhood search (default: the local process executor);
    ``solver`` the repair, the LP relaxation and branch-and-bound (default: HiGHS); ``status``
    hears each stage's name as it starts. Raises
    :class:`FleetplanError` only when no plan at all is known at the limit.
    """
    solver = HIGHS if solver is None else solver
    say = status or (lambda _m: None)
    t0 = time.perf_counter()
    deadline = t0 + time_limit_s
    m = f.model
    out = AnytimeSolve(result=_empty_result(f), x=None, lp_usd=None)
    trace = out.trace

    def note(incumbent: float | None, bound: float | None, nodes: int = 0) -> None:
        gap = None if incumbent is None or bound is None else relative_gap(incumbent, bound)
        p = Progress(time.perf_counter() - t0, incumbent, bound, gap, nodes)
        trace.append(p)
        if progress is not None:
            progress(p)

    data: MipArrays | None = None
    best_x: FloatArray | None = None
    best_usd = np.inf
    if start is not None:
        data = mip_arrays(f)
        x = np.asarray(start, dtype=float)
        out.start_use = "rejected"
        if len(x) == m.n_cols and data.violation(x) <= 1e-6:
            out.start_use = "feasible"
        elif len(x) == m.n_cols:
            say("repairing the start …")
            t = time.perf_counter()
            limit = min(max(REPAIR_TIME_SHARE * time_limit_s, 1.0), time_limit_s)
            repaired = repair_start(
                f, data, x, solver=solver, time_limit_s=limit, mip_rel_gap=mip_rel_gap, seed=seed, parallel=parallel
            )
            out.stages_s["repair_s"] = time.perf_counter() - t
            if repaired is not None:
                x, out.start_use = repaired, "repaired"
        if out.start_use != "rejected":
            best_x, best_usd = x.copy(), data.objective(x) / OBJECTIVE_SCALE
            note(best_usd, None)
            out.method = "start" if out.start_use == "feasible" else "repaired start"

    # 1. the LP relaxation: the first bound
    say(f"LP relaxation ({m.n_cols:,} variables, {m.n_rows:,} constraints) …")
    t = time.perf_counter()
    # without a plan the LP relaxation is the way to one: it gets the time it needs
    lp_limit = max(deadline - t, 0.1) if best_x is not None else max(deadline - t, first_plan_grace_s, 0.1)
    lp_result, x_lp, duals = solver.solve_relaxation(m, SolverOptions(time_limit_s=lp_limit))
    out.stages_s["lp_s"] = time.perf_counter() - t
    if lp_result.status in (SolveStatus.INFEASIBLE, SolveStatus.UNBOUNDED):
        out.result = lp_result
        return out
    lp_usd = lp_result.objective_usd if lp_result.status == SolveStatus.OPTIMAL else None
    out.lp_usd = lp_usd
    if lp_usd is None and best_x is None:
        raise FleetplanError(
            f"the LP relaxation ({m.n_cols:,} variables) did not finish within {lp_limit:g} s, so no plan was found"
        )
    note(None if best_x is None else best_usd, lp_usd)

    # 2. the plan rounded from the LP; without any plan at the limit, the rounding gets the time
    # it needs (a scenario that has a plan never ends without one)
    if warm_start and x_lp is not None and (time.perf_counter() < deadline or best_x is None):
        say("rounding the LP relaxation to a first plan …")
        t = time.perf_counter()
        limits = [max(time_limit_s / 3, 1.0)]
        if best_x is None and first_plan_grace_s > 0:
            limits.append(max(10 * limits[0], 120.0))
        for limit in limits:
            ws = rounded_start(f, x_lp, duals, min_share=min_share, time_limit_s=limit)
            if ws is not None:
                break
        out.stages_s["start_s"] = time.perf_counter() - t
        if ws is not None and ws.objective_usd < best_usd - 1e-6:
            best_x, best_usd = ws.x, ws.objective_usd
            out.method = "rounded LP start"
            note(best_usd, lp_usd)

    # 3. improvement: branch-and-bound on models it can handle, else neighbourhood search
    free_int = int((m.col("integer") & (m.col("upper") > m.col("lower"))).sum())
    large = int(getattr(solver, "large_mip_integers", LARGE_MIP_INTEGERS))
    root_factor = float(getattr(solver, "root_time_factor", ROOT_TIME_FACTOR))
    left = deadline - time.perf_counter()
    bound = lp_usd
    result = _empty_result(f)
    if free_int <= large or best_x is None:
        if left >= root_factor * out.stages_s.get("lp_s", 0.0) or best_x is None:
            say("branch-and-bound …")
            t = time.perf_counter()
            offset = t - t0

            def relay(p: Progress) -> None:
                shifted = replace(p, time_s=p.time_s + offset)
                trace.append(shifted)
                if progress is not None:
                    progress(shifted)

            # without any plan yet, branch-and-bound runs past the limit until its first plan
            limit = max(left, 0.1) if best_x is not None else max(left, first_plan_grace_s, 0.1)

            def first_plan_late(p: Progress) -> bool:
                return p.incumbent_usd is not None and time.perf_counter() > deadline

            result, x = solver.solve(
                m,
                SolverOptions(
                    time_limit_s=limit,
                    mip_rel_gap=mip_rel_gap,
                    progress=relay,
                    seed=seed,
                    stop=first_plan_late,
                    parallel=parallel,
                ),
                # on big models HiGHS's own heuristics find nothing in time: give it the start; on
                # smaller ones it does better alone (N = 100: 17 % gap alone, 23 % started)
                start=best_x if best_x is not None and free_int > large else None,
            )
            out.stages_s["mip_s"] = time.perf_counter() - t
            if result.dual_bound_usd is not None and (bound is None or result.dual_bound_usd > bound):
                bound = result.dual_bound_usd
            if x is not None and result.objective_usd is not None and result.objective_usd < best_usd - 1e-6:
                best_x, best_usd = x, result.objective_usd
                out.method = "branch-and-bound"
            if result.status == SolveStatus.INFEASIBLE:
                out.result = result
                return out
    elif left > 0.5:
        say("neighbourhood search …")
        t = time.perf_counter()
        data = data or mip_arrays(f)
        owned = executor is None
        ex = executor if executor is not None else _default_executor()
        try:

            def step(s: Any) -> None:
                if s.improved_by is not None:
                    note(s.objective / OBJECTIVE_SCALE, bound)

            # stop once the plan is within the gap of the bound
            target = -np.inf if bound is None or bound <= 0 else bound / (1 - mip_rel_gap) * OBJECTIVE_SCALE
            lns = improve(data, best_x, executor=ex, deadline_s=deadline, seed=seed, stop_at=target, progress=step)
        finally:
            if owned:
                ex.close()
        out.stages_s["lns_s"] = time.perf_counter() - t
        if lns.objective / OBJECTIVE_SCALE < best_usd - 1e-6:
            best_x, best_usd = lns.x, lns.objective / OBJECTIVE_SCALE
            out.method = f"{out.method} + neighbourhood search ({lns.improvements} of {lns.rounds} rounds improved)"

    elapsed = time.perf_counter() - t0
    if best_x is None:
        out.result = replace(result, time_s=elapsed)
        return out
    gap = None if bound is None else relative_gap(best_usd, bound)
    proven = gap is not None and gap <= mip_rel_gap + 1e-12
    if out.method == "branch-and-bound" and result.status == SolveStatus.OPTIMAL:
        final = result
    elif proven:
        final = replace(
            _incumbent(result, best_usd, bound, f"gap reached; plan from {out.method}"),
            status=SolveStatus.OPTIMAL,
            gap=gap,
        )
    else:
        final = _incumbent(result, best_usd, bound, f"time limit reached; plan from {out.method}")
    out.result = replace(final, time_s=elapsed)
    out.x = best_x
    return out


def _empty_result(f: Formulation) -> SolveResult:
    m = f.model
    return SolveResult(
        status=SolveStatus.NO_SOLUTION,
        termination="not solved",
        objective_usd=None,
        dual_bound_usd=None,
        gap=None,
        time_s=0.0,
        nodes=0,
        variables=m.n_cols,
        constraints=m.n_rows,
        integer_variables=int(m.col("integer").sum()),
    )


def _default_executor() -> Any:
    from fleetplan.parallel import executor_from_spec

    return executor_from_spec(None, None)
