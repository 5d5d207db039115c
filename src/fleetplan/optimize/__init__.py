"""The planner: candidates, sparse model (one function per constraint family), HiGHS, baselines.

:func:`optimize` returns a verified :class:`~fleetplan.model.plan.Plan` or raises; the verifier it
calls is :mod:`fleetplan.verify` (``verify_plan``, ``recompute_costs``).
"""

from fleetplan.optimize.explain import InfeasibleError
from fleetplan.optimize.planner import PlanTimings, VerificationError, optimize
from fleetplan.optimize.solver import Progress, SolverOptions

__all__ = [
    "InfeasibleError",
    "PlanTimings",
    "Progress",
    "SolverOptions",
    "VerificationError",
    "optimize",
]
