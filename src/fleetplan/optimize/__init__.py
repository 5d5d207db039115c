"""The planner: candidates, sparse model (one function per constraint family), HiGHS, baselines.

The verifier it calls lives in :mod:`fleetplan.verify`; ``verify_plan`` and ``recompute_costs``
are re-exported here for compatibility.
"""

from fleetplan.optimize.explain import InfeasibleError
from fleetplan.optimize.planner import PlanTimings, VerificationError, optimize
from fleetplan.optimize.solver import Progress, SolverOptions
from fleetplan.verify.checks import recompute_costs, verify_plan

__all__ = [
    "InfeasibleError",
    "PlanTimings",
    "Progress",
    "SolverOptions",
    "VerificationError",
    "optimize",
    "recompute_costs",
    "verify_plan",
]
