"""The solver seam and its HiGHS adapter: one ``passModel`` call, typed result, honest status.

:class:`Solver` is what the planner needs from a solver (``optimize(sc, solver=...)``);
:class:`HighsSolver` is the default and :func:`solve` / :func:`solve_relaxation` call it. What
varies from one solve of a model to the next (column bounds, costs, integrality, a start) is an
argument, never a change to the model, so one built model can be solved many times, also at once.

A run stopped by the time limit with an incumbent is ``TIME_LIMIT``, never ``OPTIMAL``; the gap
reported is HiGHS's own (|primal - dual| / |primal|). Runs are deterministic: a fixed random seed
and a fixed thread count (2 by default, whatever the machine has; HiGHS's parallel tree search is
deterministic for a given count, and on the bundled example it is about 12 % faster than one).
Gurobi, COPT and Xpress adapters of the same protocol are in :mod:`fleetplan.optimize.backends`.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np
import numpy.typing as npt

from fleetplan.model.plan import SolveResult, SolveStatus
from fleetplan.optimize.sparse import SparseModel

__all__ = [
    "HIGHS",
    "INFEASIBLE_PAIR",
    "LARGE_MIP_INTEGERS",
    "OBJECTIVE_SCALE",
    "OPTIMAL_PAIR",
    "SOLVER_LOG_ENV",
    "STATUS_OF_HIGHS",
    "STOPPED_PAIR",
    "UNBOUNDED_PAIR",
    "HighsSolver",
    "Progress",
    "Solver",
    "SolverOptions",
    "StatusPair",
    "new_highs",
    "no_solution",
    "relative_gap",
    "solve",
    "solve_relaxation",
    "solver_log",
    "status_of",
    "stdout_silenced",
]

FloatArray = npt.NDArray[np.float64]
Bounds = tuple[FloatArray, FloatArray]

OBJECTIVE_SCALE = 1e-3
"""HiGHS sees the objective in thousands of dollars: keeps costs near the matrix's range."""


@dataclass(frozen=True)
class Progress:
    """A progress report from a running MIP solve."""

    time_s: float
    incumbent_usd: float | None
    bound_usd: float | None
    gap: float | None
    nodes: int


@dataclass(frozen=True)
class SolverOptions:
    """Time limit (s), relative MIP gap target, random seed, threads; ``relax`` drops integrality."""

    time_limit_s: float = 120.0
    mip_rel_gap: float = 1e-3
    seed: int = 0
    threads: int = 2
    relax: bool = False
    progress: Callable[[Progress], None] | None = None
    stop: Callable[[Progress], bool] | None = None
    """Asked at HiGHS's interrupt points (MIP only); ``True`` stops the solve with its incumbent."""
    parallel: str = "choose"
    """HiGHS's ``parallel`` option: "on" runs its parallel tree search (off unless asked)."""


_BANNER_SHOWN = False
_BANNER_LOCK = threading.Lock()
_STDOUT_LOCK = threading.Lock()
LARGE_MIP_INTEGERS = 50_000
"""Above this many free integer columns HiGHS runs without presolve (see ``solve``)."""
SOLVER_LOG_ENV = "FLEETPLAN_SOLVER_LOG"
"""Set this environment variable to see the solver's own log (every backend)."""


def solver_log() -> bool:
    """Whether the solver prints its own log (:data:`SOLVER_LOG_ENV` is set)."""
    return bool(os.environ.get(SOLVER_LOG_ENV))


@contextmanager
def stdout_silenced() -> Iterator[None]:
    """File descriptor 1 on /dev/null while the block runs: solver libraries print banners and
    licence notices from C, past ``sys.stdout``, and would break ``--json`` output."""
    with _STDOUT_LOCK:  # two threads redirecting fd 1 at once could leave it on /dev/null
        saved = os.dup(1)
        try:
            with open(os.devnull, "w") as devnull:
                os.dup2(devnull.fileno(), 1)
                yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


def new_highs():  # type: ignore[no-untyped-def]
    """Create a Highs instance without letting its one-time banner reach stdout (fd-level)."""
    global _BANNER_SHOWN
    import highspy

    with _BANNER_LOCK:
        if _BANNER_SHOWN:
            return highspy.Highs()
        with stdout_silenced():
            h = highspy.Highs()
        _BANNER_SHOWN = True
        return h


StatusPair = tuple[SolveStatus, SolveStatus]
"""A solver status's (status with a feasible primal solution, status without one)."""
OPTIMAL_PAIR: StatusPair = (SolveStatus.OPTIMAL, SolveStatus.OPTIMAL)
INFEASIBLE_PAIR: StatusPair = (SolveStatus.INFEASIBLE, SolveStatus.INFEASIBLE)
UNBOUNDED_PAIR: StatusPair = (SolveStatus.UNBOUNDED, SolveStatus.UNBOUNDED)
STOPPED_PAIR: StatusPair = (SolveStatus.TIME_LIMIT, SolveStatus.NO_SOLUTION)
"""A run stopped early: ``TIME_LIMIT`` with an incumbent, ``NO_SOLUTION`` without."""

STATUS_OF_HIGHS: Mapping[str, StatusPair] = {
    # HighsModelStatus name: (status with a feasible primal solution, status without one)
    "kOptimal": OPTIMAL_PAIR,
    "kInfeasible": INFEASIBLE_PAIR,
    "kUnboundedOrInfeasible": INFEASIBLE_PAIR,
    "kUnbounded": UNBOUNDED_PAIR,
    "kTimeLimit": STOPPED_PAIR,
    "kIterationLimit": STOPPED_PAIR,
    "kInterrupt": STOPPED_PAIR,
    "kSolutionLimit": STOPPED_PAIR,
}
"""HiGHS model status -> :class:`SolveStatus`. A run stopped early is ``TIME_LIMIT`` only with an
incumbent, else ``NO_SOLUTION``; any status not listed is ``ERROR``."""


def status_of(model_status: str, has_primal: bool) -> SolveStatus:
    """The :class:`SolveStatus` of a HiGHS model status (by name, e.g. ``"kTimeLimit"``)."""
    with_primal, without = STATUS_OF_HIGHS.get(model_status, (SolveStatus.ERROR, SolveStatus.ERROR))
    return with_primal if has_primal else without


def no_solution(
    *,
    termination: str,
    time_s: float,
    status: SolveStatus = SolveStatus.NO_SOLUTION,
    dual_bound_usd: float | None = None,
    nodes: int = 0,
    variables: int = 0,
    constraints: int = 0,
    integer_variables: int = 0,
) -> SolveResult:
    """A :class:`SolveResult` without a solution (no objective, no gap), by keyword."""
    return SolveResult(
        status=status,
        termination=termination,
        objective_usd=None,
        dual_bound_usd=dual_bound_usd,
        gap=None,
        time_s=time_s,
        nodes=nodes,
        variables=variables,
        constraints=constraints,
        integer_variables=integer_variables,
    )


class Solver(Protocol):
    """What the planner asks of a solver: a MIP (or LP) solve and an LP relaxation with duals.

    Neither may change ``model``: per-solve changes are the keyword arguments.
    """

    def solve(
        self,
        model: SparseModel,
        options: SolverOptions | None = None,
        *,
        start: FloatArray | None = None,
        bounds: Bounds | None = None,
        cost: FloatArray | None = None,
        integer: npt.NDArray[np.bool_] | None = None,
    ) -> tuple[SolveResult, FloatArray | None]: ...

    def solve_relaxation(
        self, model: SparseModel, options: SolverOptions | None = None
    ) -> tuple[SolveResult, FloatArray | None, FloatArray | None]: ...


@dataclass(frozen=True)
class HighsSolver:
    """The HiGHS adapter (see the module docstring); ``large_mip_integers``: above this many free
    integer columns, presolve is off and the anytime solve searches neighbourhoods instead of
    branching."""

    large_mip_integers: int = LARGE_MIP_INTEGERS
    root_time_factor: float = 2.5
    """The anytime solve runs branch-and-bound only with time for this many LP solves left (its
    root LP and cuts); otherwise the rounded plan stands."""

    def solve(
        self,
        model: SparseModel,
        options: SolverOptions | None = None,
        *,
        start: FloatArray | None = None,
        bounds: Bounds | None = None,
        cost: FloatArray | None = None,
        integer: npt.NDArray[np.bool_] | None = None,
    ) -> tuple[SolveResult, FloatArray | None]:
        """See :func:`solve`."""
        result, x, _ = _solve(
            model, options or SolverOptions(), start, bounds, cost, integer, duals=False, large=self.large_mip_integers
        )
        return result, x

    def solve_relaxation(
        self, model: SparseModel, options: SolverOptions | None = None
    ) -> tuple[SolveResult, FloatArray | None, FloatArray | None]:
        """See :func:`solve_relaxation`."""
        opts = replace(options or SolverOptions(), relax=True)
        return _solve(model, opts, None, None, None, None, duals=True, large=self.large_mip_integers)


HIGHS = HighsSolver()
"""The default solver."""


def relative_gap(objective_usd: float, bound_usd: float) -> float:
    """|objective - bound| / |objective|: HiGHS's definition, for gaps computed outside it."""
    return abs(objective_usd - bound_usd) / max(abs(objective_usd), 1e-9)


def _finite(x: float) -> float | None:
    return None if x is None or math.isinf(x) or math.isnan(x) or abs(x) >= 1e30 else float(x)


def solve(
    model: SparseModel,
    options: SolverOptions | None = None,
    *,
    start: FloatArray | None = None,
    bounds: Bounds | None = None,
    cost: FloatArray | None = None,
    integer: npt.NDArray[np.bool_] | None = None,
) -> tuple[SolveResult, FloatArray | None]:
    """Solve ``model`` with HiGHS; return the typed result and the column values (None without a
    solution).

    ``start`` (MIP only) is a starting point, one value per column, NaN where unknown: HiGHS fixes
    the integer columns given, completes the rest with a small sub-MIP, and keeps the result as
    its first incumbent if it is feasible (ignored otherwise). ``bounds`` replaces the column
    bounds (lower, upper), ``cost`` the objective coefficients (USD) and ``integer`` the
    integrality flags, for this solve only (e.g. to fix some columns, to price some differently,
    or to keep only some families integer); ``model`` itself is never changed.
    """
    return HIGHS.solve(model, options, start=start, bounds=bounds, cost=cost, integer=integer)


def solve_relaxation(
    model: SparseModel, options: SolverOptions | None = None
) -> tuple[SolveResult, FloatArray | None, FloatArray | None]:
    """The LP relaxation of ``model`` with HiGHS: result, column values and row duals.

    The duals belong to HiGHS's view of the model: rows divided by ``model.row_scale()`` and
    costs multiplied by :data:`OBJECTIVE_SCALE` (reduced cost = scaled cost - scaled A^T dual).
    """
    return HIGHS.solve_relaxation(model, options)


def _solve(
    model: SparseModel,
    opts: SolverOptions,
    start: FloatArray | None,
    bounds: Bounds | None,
    cost_override: FloatArray | None,
    integer_override: npt.NDArray[np.bool_] | None,
    *,
    duals: bool,
    large: int,
) -> tuple[SolveResult, FloatArray | None, FloatArray | None]:
    import highspy

    h = new_highs()
    h.setOptionValue("output_flag", solver_log())
    h.setOptionValue("time_limit", float(opts.time_limit_s))
    h.setOptionValue("mip_rel_gap", float(opts.mip_rel_gap))
    h.setOptionValue("random_seed", int(opts.seed))
    h.setOptionValue("threads", int(opts.threads))
    h.setOptionValue("parallel", opts.parallel)
    h.setOptionValue("presolve", "on")  # (off above LARGE_MIP_INTEGERS, below)

    a = model.matrix()
    lo, up = model.row_bounds()
    integer = model.col("integer") if integer_override is None else np.asarray(integer_override, dtype=bool)
    lp = highspy.HighsLp()
    lp.num_col_ = model.n_cols
    lp.num_row_ = model.n_rows
    cost = model.col("cost") if cost_override is None else np.asarray(cost_override, dtype=float)
    scale = OBJECTIVE_SCALE
    lp.col_cost_ = cost * scale
    lp.col_lower_, lp.col_upper_ = bounds if bounds is not None else (model.col("lower"), model.col("upper"))
    lp.row_lower_ = lo
    lp.row_upper_ = up
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = model.n_cols
    lp.a_matrix_.num_row_ = model.n_rows
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data.astype(float)
    n_int = 0 if opts.relax else int(integer.sum())
    free_int = int((integer & (np.asarray(lp.col_upper_) > np.asarray(lp.col_lower_))).sum()) if n_int else 0
    if free_int > large:
        # HiGHS's MIP presolve checks neither the time limit nor an interrupt while it runs: on
        # 115k integers it ran 277 s past a 60 s limit (minutes more without probing). Big
        # models go straight to the root LP, which honours the limit.
        h.setOptionValue("presolve", "off")
    if n_int:
        lp.integrality_ = [highspy.HighsVarType.kInteger if f else highspy.HighsVarType.kContinuous for f in integer]
    h.passModel(lp)
    if start is not None and n_int:
        known = np.flatnonzero(np.isfinite(start))
        if len(known):
            h.setSolution(len(known), known.astype(np.int32), np.asarray(start, dtype=float)[known])

    if (opts.progress is not None or opts.stop is not None) and n_int:
        last = [0.0]

        def _report(event) -> Progress:  # type: ignore[no-untyped-def]
            out = event.data_out
            inc, bnd = _finite(out.mip_primal_bound), _finite(out.mip_dual_bound)
            return Progress(
                float(out.running_time),
                inc / scale if inc is not None else None,
                bnd / scale if bnd is not None else None,
                _finite(out.mip_gap),
                int(out.mip_node_count),
            )

        def _on_progress(event) -> None:  # type: ignore[no-untyped-def]
            now = float(event.data_out.running_time)
            if opts.progress is None or now - last[0] < 0.5:
                return
            last[0] = now
            opts.progress(_report(event))

        def _on_interrupt(event) -> None:  # type: ignore[no-untyped-def]
            _on_progress(event)
            if opts.stop is not None and opts.stop(_report(event)):
                event.interrupt()

        h.cbMipInterrupt.subscribe(_on_interrupt)
        h.cbMipImprovingSolution.subscribe(_on_progress)

    t0 = time.perf_counter()
    h.run()
    elapsed = time.perf_counter() - t0
    status = h.getModelStatus()
    info = h.getInfo()
    name = h.modelStatusToString(status)
    has_primal = info.primal_solution_status == 2  # kSolutionStatusFeasible
    st = status_of(status.name, has_primal)
    objective = _finite(info.objective_function_value) if st in (SolveStatus.OPTIMAL, SolveStatus.TIME_LIMIT) else None
    if n_int:
        bound = _finite(info.mip_dual_bound)
        gap = _finite(info.mip_gap) if objective is not None else None
        nodes = int(info.mip_node_count)
    else:
        bound = objective if st == SolveStatus.OPTIMAL else None
        gap = 0.0 if st == SolveStatus.OPTIMAL else None
        nodes = 0
    if objective is not None:
        objective /= scale
    if bound is not None:
        bound /= scale
    if gap is not None and objective is not None and bound is not None and abs(objective) < 1e-9:
        gap = abs(objective - bound)
    sol = h.getSolution()
    values = np.asarray(sol.col_value, dtype=float) if objective is not None else None
    # HiGHS can report an objective that is not the values' (seen with a start: an optimum
    # found in presolve with the start's values handed back, or a time limit before the root
    # LP). Never return a vector that is not the reported solution.
    if start is not None and values is not None and objective is not None:
        value_usd = float(cost @ values)
        if abs(value_usd - objective) > 1e-6 * max(1.0, abs(objective)):
            if st == SolveStatus.OPTIMAL:
                return _solve(model, opts, None, bounds, cost_override, integer_override, duals=duals, large=large)
            objective = value_usd  # the incumbent handed back is what is reported
            if bound is not None:
                gap = relative_gap(objective, bound)
    row_dual = np.asarray(sol.row_dual, dtype=float) if duals and objective is not None and sol.dual_valid else None
    result = SolveResult(
        status=st,
        termination=name,
        objective_usd=objective,
        dual_bound_usd=bound,
        gap=gap,
        time_s=elapsed,
        nodes=nodes,
        variables=model.n_cols,
        constraints=model.n_rows,
        integer_variables=n_int,
    )
    return result, values, row_dual
