"""The independent verifier and the one cost ledger of a plan; plan summaries over it.

It re-checks a plan from the scenario, its catalog and the sizing alone, and imports nothing from
:mod:`fleetplan.optimize` (the optimizer calls it, never the reverse).
"""

from fleetplan.verify.accounting import policy_status, spend_by
from fleetplan.verify.checks import COST_CATEGORIES, LEDGER_COLUMNS, PlanCosts, recompute_costs, verify_plan

__all__ = [
    "COST_CATEGORIES",
    "LEDGER_COLUMNS",
    "PlanCosts",
    "policy_status",
    "recompute_costs",
    "spend_by",
    "verify_plan",
]
