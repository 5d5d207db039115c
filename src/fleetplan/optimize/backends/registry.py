"""The registry of solver backends: names to adapters, checked when asked for (see the package)."""

from __future__ import annotations

from collections.abc import Mapping

from fleetplan.errors import did_you_mean
from fleetplan.optimize.backends._common import SolverUnavailableError
from fleetplan.optimize.backends.copt import CoptSolver
from fleetplan.optimize.backends.gurobi import GurobiSolver
from fleetplan.optimize.backends.xpress import XpressSolver
from fleetplan.optimize.solver import HIGHS, Solver

__all__ = ["OPTIONAL_SOLVERS", "SOLVER_NAMES", "solver_from_name"]

OPTIONAL_SOLVERS: Mapping[str, GurobiSolver | CoptSolver | XpressSolver] = {
    "gurobi": GurobiSolver(),
    "copt": CoptSolver(),
    "xpress": XpressSolver(),
}
"""The commercial adapters by name; each is installed as the extra of the same name."""

SOLVER_NAMES = ("highs", *OPTIONAL_SOLVERS)
"""Every name :func:`solver_from_name` accepts; ``highs`` is the default."""

_UNSUPPORTED = {
    "cuopt": "cuOpt needs an NVIDIA GPU and has no adapter in fleetplan",
}


def solver_from_name(name: str | None = None) -> Solver:
    """The solver called ``name`` (case-insensitive; None or ``"highs"``: HiGHS), checked to run here.

    Raises :class:`SolverUnavailableError` for an unknown or unsupported name, and for a
    commercial solver whose package is not installed or that finds no licence.
    """
    key = "highs" if name is None else str(name).strip().lower()
    choices = ", ".join(SOLVER_NAMES)
    if key == "highs":
        return HIGHS
    if key in _UNSUPPORTED:
        raise SolverUnavailableError(f"solver {key!r} is not supported: {_UNSUPPORTED[key]}; use one of {choices}")
    solver = OPTIONAL_SOLVERS.get(key)
    if solver is None:
        raise SolverUnavailableError(f"unknown solver {name!r}{did_you_mean(key, SOLVER_NAMES)}; use one of {choices}")
    solver.check()
    return solver
