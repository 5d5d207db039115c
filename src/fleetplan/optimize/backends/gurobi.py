"""The Gurobi adapter (``pip install "fleetplan[gurobi]"``): gurobipy's matrix API, one model per solve.

Gurobi has no ranged rows: a row with two finite sides is passed as a ``>=`` and a ``<=`` row and
its dual is the sum of theirs. Every solve gets its own environment (Gurobi's are not shared
between threads), started quietly. ``options.parallel`` is HiGHS's and is not used here; the
seed and thread count are Gurobi's ``Seed`` and ``Threads``. gurobipy is imported only when a
Gurobi solve runs or is checked.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from fleetplan.model.plan import SolveResult, SolveStatus
from fleetplan.optimize.backends._common import (
    Problem,
    ProblemSolver,
    Reporter,
    SolverFailedError,
    SolverUnavailableError,
    status_from,
)
from fleetplan.optimize.solver import (
    INFEASIBLE_PAIR,
    OPTIMAL_PAIR,
    STOPPED_PAIR,
    UNBOUNDED_PAIR,
    SolverOptions,
    StatusPair,
    solver_log,
)
from fleetplan.optimize.sparse import SparseModel

__all__ = ["STATUS_OF_GUROBI", "GurobiSolver"]

FloatArray = npt.NDArray[np.float64]

STATUS_OF_GUROBI: Mapping[str, StatusPair] = {
    # GRB.Status name: (status with a feasible solution, status without one)
    "OPTIMAL": OPTIMAL_PAIR,
    "INFEASIBLE": INFEASIBLE_PAIR,
    "INF_OR_UNBD": INFEASIBLE_PAIR,
    "UNBOUNDED": UNBOUNDED_PAIR,
    "TIME_LIMIT": STOPPED_PAIR,
    "INTERRUPTED": STOPPED_PAIR,
    "ITERATION_LIMIT": STOPPED_PAIR,
    "NODE_LIMIT": STOPPED_PAIR,
    "SOLUTION_LIMIT": STOPPED_PAIR,
    "WORK_LIMIT": STOPPED_PAIR,
    "MEM_LIMIT": STOPPED_PAIR,
    "USER_OBJ_LIMIT": STOPPED_PAIR,
    "SUBOPTIMAL": STOPPED_PAIR,
}
"""Gurobi status -> :class:`SolveStatus`. Only ``OPTIMAL`` (proven within ``MIPGap``) is optimal;
a run stopped early is ``TIME_LIMIT`` with an incumbent, else ``NO_SOLUTION``; any status not
listed is ``ERROR``."""

_SIZE_LIMIT_EXCEEDED = 10010
"""gurobipy's error number for a model larger than the size-limited (pip) licence allows."""


def _env(gp: Any) -> Any:
    """A started, quiet Gurobi environment (no licence banner unless the solver log is on)."""
    env = gp.Env(empty=True)
    env.setParam("OutputFlag", int(solver_log()))
    env.start()
    return env


@dataclass(frozen=True)
class GurobiSolver(ProblemSolver):
    """The Gurobi adapter (see the module docstring)."""

    name: ClassVar[str] = "gurobi"
    package: ClassVar[str] = "gurobipy"

    def check(self) -> None:
        """Raise :class:`SolverUnavailableError` unless gurobipy imports and a licence starts."""
        try:
            import gurobipy as gp
        except ImportError:
            raise SolverUnavailableError(
                f'solver {self.name!r} needs the {self.package} package: pip install "fleetplan[gurobi]"'
            ) from None
        try:
            _env(gp).dispose()
        except gp.GurobiError as exc:
            raise SolverUnavailableError(f"solver {self.name!r} has no usable licence: {exc}") from None

    def _solve(
        self, model: SparseModel, opts: SolverOptions, p: Problem, *, duals: bool
    ) -> tuple[SolveResult, FloatArray | None, FloatArray | None]:
        import gurobipy as gp
        from gurobipy import GRB

        status_name = {getattr(GRB.Status, n): n for n in dir(GRB.Status) if not n.startswith("_")}
        try:
            with _env(gp) as env, gp.Model(env=env) as m:
                inf = GRB.INFINITY
                x = m.addMVar(
                    p.n_cols,
                    lb=np.clip(p.col_lo, -inf, inf),
                    ub=np.clip(p.col_up, -inf, inf),
                    obj=p.cost,
                    vtype=np.where(p.integer, GRB.INTEGER, GRB.CONTINUOUS),
                )
                rows, sense, rhs = p.one_sided_rows()
                constrs = m.addMConstr(p.a.tocsr()[rows], x, sense, rhs) if len(rows) else None
                m.Params.TimeLimit = float(opts.time_limit_s)
                m.Params.MIPGap = float(opts.mip_rel_gap)
                m.Params.Seed = int(opts.seed)
                m.Params.Threads = int(opts.threads)
                known, values = p.known_start()
                if len(known):
                    begin = np.full(p.n_cols, GRB.UNDEFINED)
                    begin[known] = values
                    x.Start = begin
                report = Reporter(opts)
                t0 = time.perf_counter()
                if report.active and p.n_int:
                    m.optimize(_callback(report))
                else:
                    m.optimize()
                elapsed = time.perf_counter() - t0
                name = status_name.get(m.Status, str(m.Status))
                has_primal = m.SolCount > 0
                status = status_from(STATUS_OF_GUROBI, name, has_primal)
                values_out = np.asarray(x.X, dtype=float) if has_primal else None
                bound = _attr(gp, m, "ObjBound") if p.n_int else None
                nodes = int(m.NodeCount) if p.n_int else 0
                row_dual = None
                if duals and status == SolveStatus.OPTIMAL:
                    row_dual = np.zeros(p.n_rows)
                    if constrs is not None:
                        np.add.at(row_dual, rows, np.asarray(constrs.Pi, dtype=float))
        except gp.GurobiError as exc:
            if getattr(exc, "errno", None) == _SIZE_LIMIT_EXCEEDED:
                raise SolverUnavailableError(
                    f"solver {self.name!r}: the model ({model.n_cols:,} variables, {model.n_rows:,} constraints) "
                    "is too large for Gurobi's size-limited licence; use a full licence or the default solver highs"
                ) from None
            raise SolverFailedError(f"solver {self.name!r} failed: {exc}") from None
        result, kept = p.result(
            model, status=status, termination=name, x=values_out, bound=bound, nodes=nodes, time_s=elapsed
        )
        return result, kept, row_dual if kept is not None else None


def _attr(gp: Any, m: Any, name: str) -> float | None:
    """A model attribute, or None when Gurobi has none (e.g. no bound after an early stop)."""
    try:
        return float(getattr(m, name))
    except (gp.GurobiError, AttributeError):
        return None


def _callback(report: Reporter) -> Any:
    """A Gurobi callback that reports progress and stops the solve when ``report`` says so."""
    from gurobipy import GRB

    cb = GRB.Callback

    def callback(model: Any, where: int) -> None:
        if where == cb.MIP:
            inc, bnd, nodes, improved = (
                model.cbGet(cb.MIP_OBJBST),
                model.cbGet(cb.MIP_OBJBND),
                model.cbGet(cb.MIP_NODCNT),
                False,
            )
        elif where == cb.MIPSOL:  # the new solution is not yet counted in the best objective
            inc, bnd, nodes, improved = (
                min(model.cbGet(cb.MIPSOL_OBJ), model.cbGet(cb.MIPSOL_OBJBST)),
                model.cbGet(cb.MIPSOL_OBJBND),
                model.cbGet(cb.MIPSOL_NODCNT),
                True,
            )
        else:
            return
        if report(inc, bnd, int(nodes), improved=improved):
            model.terminate()

    return callback
