"""The planner: candidates, sparse model (one function per constraint family), HiGHS or another
solver backend (:func:`solver_from_name`), baselines.

:func:`optimize` returns a verified :class:`~fleetplan.model.plan.Plan` or raises; the verifier it
calls is :mod:`fleetplan.verify` (``verify_plan``, ``recompute_costs``).
"""

from fleetplan.optimize.backends import SOLVER_NAMES, SolverUnavailableError, solver_from_name
from fleetplan.optimize.explain import InfeasibleError
from fleetplan.optimize.planner import PlanTimings, VerificationError, optimize
from fleetplan.optimize.solver import Progress, SolverOptions

__all__ = [
    "SOLVER_NAMES",
    "InfeasibleError",
    "PlanTimings",
    "Progress",
    "SolverOptions",
    "SolverUnavailableError",
    "VerificationError",
    "optimize",
    "solver_from_name",
]
