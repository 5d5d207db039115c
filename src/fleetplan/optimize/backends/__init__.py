"""Solver backends by name: HiGHS (the default) and optional Gurobi, COPT and FICO Xpress adapters.

``solver_from_name("gurobi")`` returns a :class:`~fleetplan.optimize.solver.Solver` for
``optimize(sc, solver=...)`` or ``fleetplan plan --solver gurobi``. Each commercial adapter takes
the model exactly as HiGHS does (rows equilibrated, costs in thousands of dollars), so the
planner's warm start reads their LP duals the same way, and maps its solver's statuses through
one table in which only a proven optimum is ``OPTIMAL``. Whatever the backend, the planner's plan
is checked by the independent verifier.

Importing this package imports no solver library: gurobipy, coptpy and xpress are imported when
a solver is named or runs. An unknown name, a package that is not installed, a missing licence
or a model larger than a size-limited licence raises :class:`SolverUnavailableError` (exit code 2)
with one line saying what to do. cuOpt has no adapter: it needs an NVIDIA GPU.
"""

from fleetplan.optimize.backends._common import SolverFailedError, SolverUnavailableError
from fleetplan.optimize.backends.copt import CoptSolver
from fleetplan.optimize.backends.gurobi import GurobiSolver
from fleetplan.optimize.backends.registry import OPTIONAL_SOLVERS, SOLVER_NAMES, solver_from_name
from fleetplan.optimize.backends.xpress import XpressSolver

__all__ = [
    "OPTIONAL_SOLVERS",
    "SOLVER_NAMES",
    "CoptSolver",
    "GurobiSolver",
    "SolverFailedError",
    "SolverUnavailableError",
    "XpressSolver",
    "solver_from_name",
]
