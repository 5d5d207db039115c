"""The FICO Xpress adapter (``pip install "fleetplan[xpress]"``): ``loadMIP``/``loadLP``, one problem per solve.

Xpress takes ranged rows as they are (row type ``R``); free rows are kept (``N``) so that the
duals stay one per row. The status is the pair (solve status, solution status): only a completed
solve with an optimal solution is optimal. The community licence that comes with the pip package
is used when no other is found; its notice (a Python warning) is not shown. Seed and threads are
Xpress's ``randomseed`` and ``threads``; HiGHS's ``options.parallel`` is not used. xpress is
imported only when an Xpress solve runs or is checked.
"""

from __future__ import annotations

import time
import warnings
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

__all__ = ["STATUS_OF_XPRESS", "XpressSolver"]

FloatArray = npt.NDArray[np.float64]

STATUS_OF_XPRESS: Mapping[str, StatusPair] = {
    # "SOLVESTATUS/SOLSTATUS": (status with a feasible solution, status without one)
    "COMPLETED/OPTIMAL": OPTIMAL_PAIR,
    "COMPLETED/INFEASIBLE": INFEASIBLE_PAIR,
    "COMPLETED/UNBOUNDED": UNBOUNDED_PAIR,
    "COMPLETED/FEASIBLE": STOPPED_PAIR,
    "STOPPED/FEASIBLE": STOPPED_PAIR,
    "STOPPED/OPTIMAL": STOPPED_PAIR,
    "STOPPED/NOTFOUND": (SolveStatus.NO_SOLUTION, SolveStatus.NO_SOLUTION),
}
"""Xpress status -> :class:`SolveStatus`. Only ``COMPLETED/OPTIMAL`` (proven within ``miprelstop``)
is optimal; a stopped solve is ``TIME_LIMIT`` with an incumbent, else ``NO_SOLUTION``; any pair
not listed (a ``FAILED`` solve …) is ``ERROR``."""

_SIZE_LIMIT_CODE = 120
"""Xpress's error number for a problem larger than the licence allows (community: 5000 rows and
columns together)."""


def _problem(xp: Any) -> Any:
    """A new, quiet Xpress problem (the community licence's notice is not shown)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", xp.LicenseWarning)
        p = xp.problem()
    p.controls.outputlog = int(solver_log())
    return p


def _error_code(exc: Exception) -> int | None:
    """The number of an Xpress error message such as ``?120 Error: Problem has too many rows``."""
    text = str(exc).lstrip("?")
    digits = text[: len(text) - len(text.lstrip("0123456789"))]
    return int(digits) if digits else None


@dataclass(frozen=True)
class XpressSolver(ProblemSolver):
    """The Xpress adapter (see the module docstring)."""

    name: ClassVar[str] = "xpress"
    package: ClassVar[str] = "xpress"

    def check(self) -> None:
        """Raise :class:`SolverUnavailableError` unless xpress imports and a licence is found."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import xpress as xp
        except ImportError:
            raise SolverUnavailableError(
                f'solver {self.name!r} needs the {self.package} package: pip install "fleetplan[xpress]"'
            ) from None
        try:
            _problem(xp)
        except (xp.InterfaceError, xp.SolverError, xp.ModelError, RuntimeError) as exc:
            raise SolverUnavailableError(f"solver {self.name!r} has no usable licence: {exc}") from None

    def _solve(
        self, model: SparseModel, opts: SolverOptions, p: Problem, *, duals: bool
    ) -> tuple[SolveResult, FloatArray | None, FloatArray | None]:
        import xpress as xp

        inf = xp.infinity
        lo, up = p.row_lo, p.row_up
        has_lo, has_up = np.isfinite(lo), np.isfinite(up)
        eq = has_lo & has_up & (lo == up)
        rowtype = np.select([eq, has_lo & has_up, has_lo, has_up], ["E", "R", "G", "L"], default="N")
        rhs = np.where(has_up, up, np.where(has_lo, lo, 0.0))
        rng = np.where(rowtype == "R", up - lo, 0.0)
        a = p.a
        try:
            prob = _problem(xp)
            prob.controls.keepnrows = 1
            matrix = {
                "rowtype": rowtype.tolist(),
                "rhs": rhs,
                "rng": rng,
                "objcoef": p.cost,
                "start": a.indptr.astype(np.int64),
                "collen": None,
                "rowind": a.indices.astype(np.int64),
                "rowcoef": a.data.astype(float),
                "lb": np.clip(p.col_lo, -inf, inf),
                "ub": np.clip(p.col_up, -inf, inf),
            }
            if p.n_int:
                ints = np.flatnonzero(p.integer)
                prob.loadMIP("fleetplan", **matrix, coltype=["I"] * len(ints), entind=ints)
            else:
                prob.loadLP("fleetplan", **matrix)
            prob.controls.timelimit = float(opts.time_limit_s)
            prob.controls.miprelstop = float(opts.mip_rel_gap)
            prob.controls.randomseed = int(opts.seed)
            prob.controls.threads = int(opts.threads)
            known, values = p.known_start()
            if len(known):
                prob.addMipSol(values, known, "start")
            report = Reporter(opts)
            if report.active and p.n_int:
                _subscribe(prob, report)
            t0 = time.perf_counter()
            solve_status, sol_status = prob.optimize()
            elapsed = time.perf_counter() - t0
            name = f"{solve_status.name}/{sol_status.name}"
            has_primal = sol_status in (xp.SolStatus.OPTIMAL, xp.SolStatus.FEASIBLE)
            status = status_from(STATUS_OF_XPRESS, name, has_primal)
            x = np.asarray(prob.getSolution(), dtype=float) if has_primal else None
            bound = float(prob.attributes.bestbound) if p.n_int else None
            nodes = int(prob.attributes.nodes) if p.n_int else 0
            row_dual = np.asarray(prob.getDuals(), dtype=float) if duals and status == SolveStatus.OPTIMAL else None
        except (xp.InterfaceError, xp.SolverError, xp.ModelError) as exc:
            if _error_code(exc) == _SIZE_LIMIT_CODE:
                raise SolverUnavailableError(
                    f"solver {self.name!r}: the model ({model.n_cols:,} variables, {model.n_rows:,} constraints) "
                    "is too large for the Xpress licence found (the community licence allows 5,000 rows and "
                    "columns); use a full licence or the default solver highs"
                ) from None
            raise SolverFailedError(f"solver {self.name!r} failed: {exc}") from None
        if row_dual is not None and len(row_dual) != p.n_rows:
            row_dual = None
        result, kept = p.result(model, status=status, termination=name, x=x, bound=bound, nodes=nodes, time_s=elapsed)
        return result, kept, row_dual if kept is not None else None


def _subscribe(prob: Any, report: Reporter) -> None:
    """Report progress at each new incumbent and at Xpress's time checks; stop when asked."""

    def figures(p: Any) -> tuple[float, float, int]:
        a = p.attributes
        return float(a.mipbestobjval), float(a.bestbound), int(a.nodes)

    def on_solution(p: Any, _data: Any) -> None:
        if report(*figures(p), improved=True):
            p.interrupt()

    def on_time_check(p: Any, _data: Any) -> None:
        if report(*figures(p)):
            p.interrupt()

    prob.addIntsolCallback(on_solution, None, 0)
    prob.addCheckTimeCallback(on_time_check, None, 0)
