"""Energy, power and carbon accounting."""

from fleetplan.energy.power import (
    DEFAULT_CLOUD_SERVER_OVERHEAD,
    DEFAULT_UTILIZATION,
    FALLBACK_GRID_KGCO2E_PER_KWH,
    FALLBACK_PUE,
    kwh_per_accelerator_hour,
)

__all__ = [
    "DEFAULT_CLOUD_SERVER_OVERHEAD",
    "DEFAULT_UTILIZATION",
    "FALLBACK_GRID_KGCO2E_PER_KWH",
    "FALLBACK_PUE",
    "kwh_per_accelerator_hour",
]
