"""fleetplan: plan a multi-vendor, hybrid AI compute portfolio.

>>> import fleetplan as fp
>>> sc = fp.load_scenario("scenario.yaml")   # doctest: +SKIP
"""

from fleetplan.errors import FleetplanError, InputError
from fleetplan.load.scenario import load_scenario
from fleetplan.report.json_export import plan_to_dict

__version__ = "0.1.0"

__all__ = ["FleetplanError", "InputError", "__version__", "load_scenario", "plan_to_dict"]
