"""Reports: terminal summary and versioned JSON."""

from fleetplan.report.json_export import plan_to_dict
from fleetplan.report.terminal import render_plan, usd

__all__ = ["plan_to_dict", "render_plan", "usd"]
