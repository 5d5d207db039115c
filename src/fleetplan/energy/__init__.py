"""Energy, power and carbon accounting: the power model, per-allocation energy and emissions, a
plan's energy tables, marginal abatement cost, and validation against published figures."""

from fleetplan.data.assumptions import (
    DEFAULT_CLOUD_SERVER_OVERHEAD,
    DEFAULT_UTILIZATION,
    EMBODIED_KGCO2E_PER_ACCELERATOR_HOUR,
    FALLBACK_GRID_KGCO2E_PER_KWH,
    FALLBACK_PUE,
)
from fleetplan.energy.abatement import Abatement, abatement, cheapest_scenario, has_carbon_policy
from fleetplan.energy.plan_tables import ENERGY_TABLES, energy_tables, installed_kw, site_power
from fleetplan.energy.power import (
    RunEnergy,
    embodied_kg_per_accelerator_hour,
    kwh_per_accelerator_hour,
    resolve_server_overhead,
    resolve_utilization,
    run_energy,
)

__all__ = [
    "DEFAULT_CLOUD_SERVER_OVERHEAD",
    "DEFAULT_UTILIZATION",
    "EMBODIED_KGCO2E_PER_ACCELERATOR_HOUR",
    "ENERGY_TABLES",
    "FALLBACK_GRID_KGCO2E_PER_KWH",
    "FALLBACK_PUE",
    "Abatement",
    "RunEnergy",
    "abatement",
    "cheapest_scenario",
    "embodied_kg_per_accelerator_hour",
    "energy_tables",
    "has_carbon_policy",
    "installed_kw",
    "kwh_per_accelerator_hour",
    "resolve_server_overhead",
    "resolve_utilization",
    "run_energy",
    "site_power",
]
