"""Reports as data: the versioned ``fleetplan.plan/1`` JSON document (the CLI renders plans for terminals)."""

from fleetplan.report.json_export import plan_to_dict

__all__ = ["plan_to_dict"]
