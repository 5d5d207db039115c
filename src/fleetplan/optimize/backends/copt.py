"""The COPT adapter (``pip install "fleetplan[copt]"``): coptpy's ``loadMatrix``, one model per solve.

COPT takes ranged rows as they are (lower and upper side). Its environment is made once per
process, quietly: making one prints licence notices from C, which would break ``--json``
output. COPT has no random-seed parameter (it is deterministic for a given thread count), so
``options.seed`` is not used, nor HiGHS's ``options.parallel``. coptpy is imported only when a COPT
solve runs or is checked.
"""

from __future__ import annotations

import threading
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
    stdout_silenced,
)
from fleetplan.optimize.sparse import SparseModel

__all__ = ["STATUS_OF_COPT", "CoptSolver"]

FloatArray = npt.NDArray[np.float64]

STATUS_OF_COPT: Mapping[str, StatusPair] = {
    # COPT status name: (status with a feasible solution, status without one)
    "OPTIMAL": OPTIMAL_PAIR,
    "INFEASIBLE": INFEASIBLE_PAIR,
    "INF_OR_UNB": INFEASIBLE_PAIR,
    "UNBOUNDED": UNBOUNDED_PAIR,
    "TIMEOUT": STOPPED_PAIR,
    "INTERRUPTED": STOPPED_PAIR,
    "NODELIMIT": STOPPED_PAIR,
    "ITERLIMIT": STOPPED_PAIR,
    "IMPRECISE": STOPPED_PAIR,
}
"""COPT status -> :class:`SolveStatus`. Only ``OPTIMAL`` (proven within ``RelGap``) is optimal; a
run stopped early (or solved imprecisely) is ``TIME_LIMIT`` with an incumbent, else
``NO_SOLUTION``; any status not listed (``NUMERICAL``, ``UNFINISHED`` …) is ``ERROR``."""

_LICENSE_RETCODE = 4
"""coptpy's return code for a licence error: with the size-limited licence, a model too large."""

_ENV: list[Any] = []
_ENV_LOCK = threading.Lock()


def _env() -> Any:
    """The process's COPT environment, made once without its banner and licence notices."""
    import coptpy as cp

    with _ENV_LOCK:
        if not _ENV:
            config = cp.EnvrConfig()
            config.set("nobanner", "1")
            with stdout_silenced():
                _ENV.append(cp.Envr(config))
        return _ENV[0]


@dataclass(frozen=True)
class CoptSolver(ProblemSolver):
    """The COPT adapter (see the module docstring)."""

    name: ClassVar[str] = "copt"
    package: ClassVar[str] = "coptpy"

    def check(self) -> None:
        """Raise :class:`SolverUnavailableError` unless coptpy imports and its environment starts."""
        try:
            import coptpy as cp
        except ImportError:
            raise SolverUnavailableError(
                f'solver {self.name!r} needs the {self.package} package: pip install "fleetplan[copt]"'
            ) from None
        try:
            _env()
        except cp.CoptError as exc:
            raise SolverUnavailableError(f"solver {self.name!r} has no usable licence: {exc.message}") from None

    def _solve(
        self, model: SparseModel, opts: SolverOptions, p: Problem, *, duals: bool
    ) -> tuple[SolveResult, FloatArray | None, FloatArray | None]:
        import coptpy as cp
        from coptpy import COPT

        status_name = {getattr(COPT, n): n for n in ("UNSTARTED", *STATUS_OF_COPT, "NUMERICAL", "UNFINISHED")}
        inf = COPT.INFINITY
        m = _env().createModel("fleetplan")
        try:
            log = int(solver_log())
            m.setParam("Logging", log)
            m.setParam("LogToConsole", log)
            m.loadMatrix(
                p.cost,
                p.a,
                np.clip(p.row_lo, -inf, inf),
                np.clip(p.row_up, -inf, inf),
                np.clip(p.col_lo, -inf, inf),
                np.clip(p.col_up, -inf, inf),
                "".join(np.where(p.integer, COPT.INTEGER, COPT.CONTINUOUS)),
            )
            m.setParam("TimeLimit", float(opts.time_limit_s))
            m.setParam("RelGap", float(opts.mip_rel_gap))
            m.setParam("Threads", int(opts.threads))
            known, values = p.known_start()
            if len(known):
                columns = m.getVars()
                m.setMipStart([columns[int(j)] for j in known], values.tolist())
                m.loadMipStart()
            report = Reporter(opts)
            if report.active and p.n_int:
                callback = _callback(report)
                m.setCallback(callback, COPT.CBCONTEXT_MIPSOL | COPT.CBCONTEXT_MIPNODE)
            t0 = time.perf_counter()
            m.solve()
            elapsed = time.perf_counter() - t0
            name = status_name.get(m.status, str(m.status))
            has_primal = bool(m.getAttr("HasMipSol" if p.n_int else "HasLpSol"))
            status = status_from(STATUS_OF_COPT, name, has_primal)
            x = np.asarray(m.getValues(), dtype=float) if has_primal else None
            bound = float(m.getAttr("BestBnd")) if p.n_int else None
            nodes = int(m.getAttr("NodeCnt")) if p.n_int else 0
            row_dual = np.asarray(m.getDuals(), dtype=float) if duals and status == SolveStatus.OPTIMAL else None
        except cp.CoptError as exc:
            if exc.retcode == _LICENSE_RETCODE:
                raise SolverUnavailableError(
                    f"solver {self.name!r}: the COPT licence found refused the model ({model.n_cols:,} variables, "
                    f"{model.n_rows:,} constraints; the size-limited licence takes only small models); use a full "
                    "licence or the default solver highs"
                ) from None
            raise SolverFailedError(f"solver {self.name!r} failed: {exc.message}") from None
        finally:
            m.dispose()
        result, kept = p.result(model, status=status, termination=name, x=x, bound=bound, nodes=nodes, time_s=elapsed)
        return result, kept, row_dual if kept is not None else None


def _callback(report: Reporter) -> Any:
    """A COPT callback that reports progress and stops the solve when ``report`` says so."""
    import coptpy as cp
    from coptpy import COPT

    class Callback(cp.CallbackBase):  # type: ignore[misc]
        def callback(self) -> None:
            improved = self.where() == COPT.CBCONTEXT_MIPSOL
            inc = float(self.getInfo(COPT.CBInfo.BestObj))
            if improved:
                inc = min(inc, float(self.getInfo(COPT.CBInfo.MipCandObj)))
            stop = report(inc, float(self.getInfo(COPT.CBInfo.BestBnd)), 0, improved=improved)
            # a candidate is not yet the incumbent: stopping now would lose it; the next node stops
            if stop and not improved:
                self.interrupt()

    return Callback()
