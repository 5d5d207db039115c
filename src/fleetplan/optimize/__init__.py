"""The planner: candidates, sparse model (one function per constraint family), HiGHS, verifier, baselines."""

from fleetplan.optimize.explain import InfeasibleError
from fleetplan.optimize.planner import PlanTimings, VerificationError, optimize
from fleetplan.optimize.solver import Progress, SolverOptions
from fleetplan.optimize.verify import recompute_costs, verify_plan

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
