"""Domain types: the inputs (pydantic v2) and the plain result data of a plan (``model.plan``).

The rules over these types (server kW, lifetime in periods, own providers, ...) are functions in
their modules (:mod:`fleetplan.model.site`, :mod:`fleetplan.model.scenario`, ...).
"""

from fleetplan.model.accelerator import Accelerator
from fleetplan.model.base import PRICING_MODELS, PROVIDER_KINDS, SENSITIVITIES
from fleetplan.model.catalog import Catalog, Offering, Provider, Region
from fleetplan.model.commitment import COMMITMENT_KINDS, Commitment
from fleetplan.model.period import hours_per_period, parse_period, period_labels
from fleetplan.model.plan import (
    PLAN_SCHEMA,
    Abatement,
    Baseline,
    Plan,
    PolicyStatus,
    SolveResult,
    SolveStatus,
    Verification,
)
from fleetplan.model.policy import Policy, ResidencyRule, Rollout
from fleetplan.model.risk import OutageRate, PriceShock, RiskEvent, RiskSettings, Shock, SpotCap, VendorDelay
from fleetplan.model.scenario import SCENARIO_SCHEMA, CatalogSource, Contact, Horizon, Objective, Scenario
from fleetplan.model.site import ExistingHardware, ServerType, Site
from fleetplan.model.workload import SLO, Demand, ModelSpec, Window, Workload

__all__ = [
    "COMMITMENT_KINDS",
    "PLAN_SCHEMA",
    "PRICING_MODELS",
    "PROVIDER_KINDS",
    "SCENARIO_SCHEMA",
    "SENSITIVITIES",
    "SLO",
    "Abatement",
    "Accelerator",
    "Baseline",
    "Catalog",
    "CatalogSource",
    "Commitment",
    "Contact",
    "Demand",
    "ExistingHardware",
    "Horizon",
    "ModelSpec",
    "Objective",
    "Offering",
    "OutageRate",
    "Plan",
    "Policy",
    "PolicyStatus",
    "PriceShock",
    "Provider",
    "Region",
    "ResidencyRule",
    "RiskEvent",
    "RiskSettings",
    "Rollout",
    "Scenario",
    "ServerType",
    "Shock",
    "Site",
    "SolveResult",
    "SolveStatus",
    "SpotCap",
    "VendorDelay",
    "Verification",
    "Window",
    "Workload",
    "hours_per_period",
    "parse_period",
    "period_labels",
]
