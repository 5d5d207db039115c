"""fleetplan: plan a multi-vendor, hybrid AI compute portfolio.

>>> import fleetplan as fp
>>> sc = fp.load_scenario("scenario.yaml")   # doctest: +SKIP
>>> plan = fp.optimize(sc)                   # doctest: +SKIP
>>> fp.plan_to_dict(plan)["totals"]          # doctest: +SKIP

The top level offers what users call; each subpackage's ``__all__`` lists its analyses, their
result types and report functions (``fleetplan.energy``, ``fleetplan.risk``, ``fleetplan.sizing``,
``fleetplan.verify``, ...).
"""

from fleetplan.errors import FleetplanError, InputError
from fleetplan.load.scenario import load_scenario
from fleetplan.model.plan import Plan
from fleetplan.model.scenario import Scenario
from fleetplan.optimize.planner import optimize
from fleetplan.report.json_export import plan_to_dict
from fleetplan.risk.analysis import analyze_risk
from fleetplan.risk.report import risk_to_dict
from fleetplan.sizing.workloads import size_workloads

__version__ = "0.1.0"

__all__ = [
    "FleetplanError",
    "InputError",
    "Plan",
    "Scenario",
    "__version__",
    "analyze_risk",
    "load_scenario",
    "optimize",
    "plan_to_dict",
    "risk_to_dict",
    "size_workloads",
]
