"""Domain types (pydantic v2). Inputs live here; plan outputs get their own types."""

from fleetplan.model.accelerator import Accelerator
from fleetplan.model.base import PRICING_MODELS, PROVIDER_KINDS, SENSITIVITIES
from fleetplan.model.catalog import Catalog, Offering, Provider, Region
from fleetplan.model.period import hours_per_period, parse_period, period_labels
from fleetplan.model.policy import Policy, ResidencyRule
from fleetplan.model.scenario import SCENARIO_SCHEMA, CatalogSource, Contact, Horizon, Objective, Scenario
from fleetplan.model.site import ExistingHardware, ServerType, Site
from fleetplan.model.workload import SLO, Demand, ModelSpec, Window, Workload

__all__ = [
    "PRICING_MODELS",
    "PROVIDER_KINDS",
    "SCENARIO_SCHEMA",
    "SENSITIVITIES",
    "SLO",
    "Accelerator",
    "Catalog",
    "CatalogSource",
    "Contact",
    "Demand",
    "ExistingHardware",
    "Horizon",
    "ModelSpec",
    "Objective",
    "Offering",
    "Policy",
    "Provider",
    "Region",
    "ResidencyRule",
    "Scenario",
    "ServerType",
    "Site",
    "Window",
    "Workload",
    "hours_per_period",
    "parse_period",
    "period_labels",
]
