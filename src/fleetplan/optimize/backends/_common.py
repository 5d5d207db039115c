"""What every commercial adapter shares: the model as HiGHS sees it, progress reports, the result.

Every adapter is handed the same :class:`Problem`: rows equilibrated (``model.matrix()``) and costs
in thousands of dollars (:data:`OBJECTIVE_SCALE`), as :class:`~fleetplan.optimize.solver.HighsSolver`
passes them. The LP relaxation's row duals therefore mean the same whichever solver computed them
(reduced cost = scaled cost - A^T dual), which is what the rounded start prices columns with.

The objective reported is that of the values handed back (cost @ x), so a result never carries a
vector that is not its solution. A MIP stopped early keeps its incumbent as ``TIME_LIMIT``; an
LP stopped early has no solution (``NO_SOLUTION``): only an optimal relaxation is a bound.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from fleetplan.errors import FleetplanError, InputError
from fleetplan.model.plan import SolveResult, SolveStatus
from fleetplan.optimize.solver import (
    OBJECTIVE_SCALE,
    Bounds,
    Progress,
    SolverOptions,
    StatusPair,
    no_solution,
    relative_gap,
)
from fleetplan.optimize.sparse import SparseModel

__all__ = [
    "PROGRESS_EVERY_S",
    "Problem",
    "Reporter",
    "SolverFailedError",
    "SolverUnavailableError",
    "finite",
    "status_from",
]

FloatArray = npt.NDArray[np.float64]
StatusTable = Mapping[str, StatusPair]

PROGRESS_EVERY_S = 0.5
"""Progress is reported at most this often, besides every new incumbent (as with HiGHS)."""


class SolverUnavailableError(InputError):
    """The solver asked for cannot run here: unknown name, package not installed, no licence, or a
    model larger than its size-limited licence. Exit code 2, one line saying what to do."""


class SolverFailedError(FleetplanError):
    """The solver library raised an error of its own while solving. Exit code 1."""


def finite(x: float | None) -> float | None:
    """``x``, or None when it is missing, NaN or infinite (solvers use 1e20 to 1e101 for that)."""
    return None if x is None or math.isinf(x) or math.isnan(x) or abs(x) >= 1e30 else float(x)


def status_from(table: StatusTable, name: str, has_primal: bool) -> SolveStatus:
    """The :class:`SolveStatus` of a solver status ``name`` in ``table`` (status with a feasible
    solution, status without); a name not in the table is ``ERROR``."""
    with_primal, without = table.get(name, (SolveStatus.ERROR, SolveStatus.ERROR))
    return with_primal if has_primal else without


@dataclass(frozen=True)
class Problem:
    """One solve's model as every solver sees it, with this solve's bounds, costs and integrality.

    ``cost`` is in thousands of dollars, ``cost_usd`` in dollars; ``integer`` is all False when the
    relaxation is asked for; ``start`` is None for an LP.
    """

    a: sp.csc_matrix
    row_lo: FloatArray
    row_up: FloatArray
    col_lo: FloatArray
    col_up: FloatArray
    cost: FloatArray
    cost_usd: FloatArray
    integer: npt.NDArray[np.bool_]
    start: FloatArray | None

    @classmethod
    def of(
        cls,
        model: SparseModel,
        opts: SolverOptions,
        start: FloatArray | None,
        bounds: Bounds | None,
        cost: FloatArray | None,
        integer: npt.NDArray[np.bool_] | None,
    ) -> Problem:
        lo, up = model.row_bounds()
        cost_usd = model.col("cost") if cost is None else np.asarray(cost, dtype=float)
        col_lo, col_up = bounds if bounds is not None else (model.col("lower"), model.col("upper"))
        flags = model.col("integer") if integer is None else np.asarray(integer, dtype=bool)
        if opts.relax:
            flags = np.zeros(model.n_cols, dtype=bool)
        return cls(
            a=model.matrix(),
            row_lo=lo,
            row_up=up,
            col_lo=np.asarray(col_lo, dtype=float),
            col_up=np.asarray(col_up, dtype=float),
            cost=cost_usd * OBJECTIVE_SCALE,
            cost_usd=cost_usd,
            integer=flags,
            start=np.asarray(start, dtype=float) if start is not None and flags.any() else None,
        )

    @property
    def n_cols(self) -> int:
        return int(self.a.shape[1])

    @property
    def n_rows(self) -> int:
        return int(self.a.shape[0])

    @property
    def n_int(self) -> int:
        return int(self.integer.sum())

    def known_start(self) -> tuple[npt.NDArray[np.int64], FloatArray]:
        """The start's columns with a value (not NaN) and those values; empty without a start."""
        if self.start is None:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        known = np.flatnonzero(np.isfinite(self.start))
        return known, self.start[known]

    def one_sided_rows(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.str_], FloatArray]:
        """Rows as ``=``, ``>=`` and ``<=`` constraints, for solvers without ranged rows: the row
        each comes from, its sense (``=``, ``>``, ``<``) and right-hand side. A ranged row gives
        one ``>=`` and one ``<=`` (its dual is their sum); a free row gives none."""
        lo, up = self.row_lo, self.row_up
        eq = np.isfinite(lo) & (lo == up)
        ge = np.flatnonzero(np.isfinite(lo) & ~eq)
        le = np.flatnonzero(np.isfinite(up) & ~eq)
        eq = np.flatnonzero(eq)
        rows = np.concatenate([eq, ge, le])
        sense = np.array(["="] * len(eq) + [">"] * len(ge) + ["<"] * len(le), dtype="<U1")
        rhs = np.concatenate([lo[eq], lo[ge], up[le]])
        return rows, sense, rhs

    def result(
        self,
        model: SparseModel,
        *,
        status: SolveStatus,
        termination: str,
        x: FloatArray | None,
        bound: float | None,
        nodes: int,
        time_s: float,
    ) -> tuple[SolveResult, FloatArray | None]:
        """The typed result of a finished solve and the values it keeps (see the module docstring).

        ``bound`` is the solver's dual bound in thousands of dollars (MIP only; None, or an infinite
        or huge value, if unknown).
        """
        n_int = self.n_int
        if not n_int and status == SolveStatus.TIME_LIMIT:
            status = SolveStatus.NO_SOLUTION
        has_solution = status in (SolveStatus.OPTIMAL, SolveStatus.TIME_LIMIT)
        if has_solution and (x is None or len(x) != model.n_cols or not np.isfinite(x).all()):
            status, has_solution = SolveStatus.ERROR, False
        bound = finite(bound) if n_int else None
        bound_usd = None if bound is None else bound / OBJECTIVE_SCALE
        if not has_solution:
            empty = no_solution(
                status=status,
                termination=termination,
                time_s=time_s,
                dual_bound_usd=bound_usd,
                nodes=nodes,
                variables=model.n_cols,
                constraints=model.n_rows,
                integer_variables=n_int,
            )
            return empty, None
        assert x is not None
        objective = float(self.cost_usd @ x)
        if not n_int:
            bound_usd, gap = objective, 0.0
        elif bound_usd is None:
            gap = None
        elif abs(objective) < 1e-9:
            gap = abs(objective - bound_usd)
        else:
            gap = relative_gap(objective, bound_usd)
        result = SolveResult(
            status=status,
            termination=termination,
            objective_usd=objective,
            dual_bound_usd=bound_usd,
            gap=gap,
            time_s=time_s,
            nodes=nodes,
            variables=model.n_cols,
            constraints=model.n_rows,
            integer_variables=n_int,
        )
        return result, x


class ProblemSolver:
    """The two calls of the :class:`~fleetplan.optimize.solver.Solver` protocol, over one
    ``_solve(model, options, problem, duals=...)`` that each backend writes."""

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
        """See :func:`fleetplan.optimize.solver.solve`."""
        opts = options or SolverOptions()
        result, x, _ = self._solve(model, opts, Problem.of(model, opts, start, bounds, cost, integer), duals=False)
        return result, x

    def solve_relaxation(
        self, model: SparseModel, options: SolverOptions | None = None
    ) -> tuple[SolveResult, FloatArray | None, FloatArray | None]:
        """See :func:`fleetplan.optimize.solver.solve_relaxation`."""
        opts = replace(options or SolverOptions(), relax=True)
        return self._solve(model, opts, Problem.of(model, opts, None, None, None, None), duals=True)

    def _solve(
        self, model: SparseModel, opts: SolverOptions, p: Problem, *, duals: bool
    ) -> tuple[SolveResult, FloatArray | None, FloatArray | None]:
        raise NotImplementedError


class Reporter:
    """Turns a solver's callback figures (thousands of dollars) into :class:`Progress` for
    ``options.progress``, and asks ``options.stop``. ``active`` is False when neither is set."""

    def __init__(self, opts: SolverOptions) -> None:
        self.opts = opts
        self.active = opts.progress is not None or opts.stop is not None
        self._last = -math.inf
        self._best = math.inf
        self._t0 = time.perf_counter()

    def __call__(self, incumbent: float | None, bound: float | None, nodes: int, *, improved: bool = False) -> bool:
        """Report (if due, or ``improved`` beats every incumbent reported) and return whether the
        solve should stop."""
        now = time.perf_counter() - self._t0
        inc, bnd = finite(incumbent), finite(bound)
        improved = improved and inc is not None and inc < self._best
        if inc is not None:
            self._best = min(self._best, inc)
        inc_usd = None if inc is None else inc / OBJECTIVE_SCALE
        bnd_usd = None if bnd is None else bnd / OBJECTIVE_SCALE
        gap = None if inc_usd is None or bnd_usd is None else relative_gap(inc_usd, bnd_usd)
        p = Progress(now, inc_usd, bnd_usd, gap, int(nodes))
        if self.opts.progress is not None and (improved or now - self._last >= PROGRESS_EVERY_S):
            self._last = now
            self.opts.progress(p)
        return self.opts.stop is not None and bool(self.opts.stop(p))
