"""Reports as data: the versioned ``fleetplan.plan/1`` JSON document of a plan and the
``fleetplan.diff/1`` document comparing two (the CLI renders them for terminals)."""

from fleetplan.report.diff import DIFF_SCHEMA, diff_plans
from fleetplan.report.json_export import plan_to_dict

__all__ = ["DIFF_SCHEMA", "diff_plans", "plan_to_dict"]
