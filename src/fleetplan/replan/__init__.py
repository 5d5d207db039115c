"""Rolling horizon: fix a previous plan's decisions up to a period, re-plan the rest, show the diff.

A layer of its own above ``audit`` (it reads bills' usage through :mod:`fleetplan.audit`, runs
:mod:`fleetplan.optimize` and diffs with :mod:`fleetplan.report`), below the top-level API and the
CLI. It changes the scenario, never the planner's model: see :mod:`fleetplan.replan.rolling`.
"""

from fleetplan.replan.rolling import (
    FACTOR_MAX,
    FACTOR_MIN,
    DemandFactor,
    Fixed,
    Replan,
    demand_factors,
    fixed_scenario,
    replan,
    restrict_plan,
)

__all__ = [
    "FACTOR_MAX",
    "FACTOR_MIN",
    "DemandFactor",
    "Fixed",
    "Replan",
    "demand_factors",
    "fixed_scenario",
    "replan",
    "restrict_plan",
]
