"""Power and energy accounting: accelerator-hours to kWh to kgCO2e.

energy_kwh = accelerator_hours x TDP_W x utilization x server_overhead x PUE / 1000
co2e_kg    = energy_kwh x grid_kgco2e_per_kwh x (1 - renewable_share)
             (+ accelerator_hours x embodied_kgco2e_per_accelerator_hour, when the scenario asks)

Defaults, each overridable in the scenario, are planning assumptions with their sources in
``fleetplan/data/assumptions.csv`` (:mod:`fleetplan.data.assumptions`); this module imports them:

* ``DEFAULT_UTILIZATION``: average board power of a busy accelerator as a share of TDP.
  Overrides: ``workloads[].power_utilization`` > ``sites[].utilization`` (owned capacity) >
  ``providers[].utilization`` > this default (:func:`resolve_utilization`).
* ``DEFAULT_CLOUD_SERVER_OVERHEAD``: host CPUs, memory, NICs and fans on top of accelerators in a
  rented server; override per provider with ``providers[].server_overhead``. Owned servers use
  their server type's ``power_overhead_factor`` (default ``DEFAULT_OWNED_SERVER_OVERHEAD``, the
  DGX H100 peak ratio), which is also what the site power limit is checked with.
* ``FALLBACK_PUE`` and ``FALLBACK_GRID_KGCO2E_PER_KWH``: for regions without a published value.
* ``EMBODIED_KGCO2E_PER_ACCELERATOR_HOUR``: manufacturing emissions amortized per
  accelerator-hour (BLOOM study). Off unless ``objective.include_embodied`` is true.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from fleetplan.data.assumptions import (
    DEFAULT_CLOUD_SERVER_OVERHEAD,
    DEFAULT_UTILIZATION,
    EMBODIED_KGCO2E_PER_ACCELERATOR_HOUR,
    FALLBACK_GRID_KGCO2E_PER_KWH,
    FALLBACK_PUE,
)

if TYPE_CHECKING:
    from fleetplan.model.catalog import Provider
    from fleetplan.model.scenario import Scenario
    from fleetplan.model.site import Site
    from fleetplan.model.workload import Workload

__all__ = [
    "RunEnergy",
    "embodied_kg_per_accelerator_hour",
    "kwh_per_accelerator_hour",
    "resolve_server_overhead",
    "resolve_utilization",
    "run_energy",
]


def kwh_per_accelerator_hour(
    tdp_w: npt.ArrayLike,
    pue: npt.ArrayLike,
    server_overhead: npt.ArrayLike = DEFAULT_CLOUD_SERVER_OVERHEAD,
    utilization: npt.ArrayLike = DEFAULT_UTILIZATION,
) -> npt.NDArray[np.float64]:
    """Facility energy (kWh) for one busy accelerator-hour, vectorized over its arguments."""
    return (
        np.asarray(tdp_w, dtype=float)
        * np.asarray(utilization, dtype=float)
        * np.asarray(server_overhead, dtype=float)
        * np.asarray(pue, dtype=float)
        / 1000.0
    )


def resolve_utilization(
    *,
    workload: Workload | None = None,
    site: Site | None = None,
    provider: Provider | None = None,
) -> float:
    """Average accelerator power as a share of TDP: the workload's ``power_utilization``, else the
    owned site's ``utilization``, else the provider's ``utilization``, else the default."""
    for value in (
        getattr(workload, "power_utilization", None),
        getattr(site, "utilization", None),
        getattr(provider, "utilization", None),
    ):
        if value is not None:
            return float(value)
    return DEFAULT_UTILIZATION


def resolve_server_overhead(provider: Provider | None = None) -> float:
    """Server overhead of rented capacity: the provider's ``server_overhead``, else the default."""
    value = getattr(provider, "server_overhead", None)
    return DEFAULT_CLOUD_SERVER_OVERHEAD if value is None else float(value)


def embodied_kg_per_accelerator_hour(sc: Scenario) -> float:
    """Embodied kgCO2e counted per accelerator-hour: 0 unless ``objective.include_embodied``."""
    obj = sc.objective
    if not obj.include_embodied:
        return 0.0
    value = obj.embodied_kgco2e_per_accelerator_hour
    return EMBODIED_KGCO2E_PER_ACCELERATOR_HOUR if value is None else float(value)


@dataclass(frozen=True)
class RunEnergy:
    """Energy and emissions of a run of ``accelerator_hours`` on one accelerator type."""

    accelerator_hours: float
    tdp_w: float
    power_utilization: float
    server_overhead: float
    pue: float
    grid_kgco2e_per_kwh: float
    energy_kwh: float
    co2e_t: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def run_energy(
    accelerator_hours: float,
    tdp_w: float,
    *,
    utilization: float = DEFAULT_UTILIZATION,
    server_overhead: float = DEFAULT_CLOUD_SERVER_OVERHEAD,
    pue: float = FALLBACK_PUE,
    grid_kgco2e_per_kwh: float = FALLBACK_GRID_KGCO2E_PER_KWH,
) -> RunEnergy:
    """Facility energy and location-based emissions of one run (defaults: planner fallbacks)."""
    kwh = float(kwh_per_accelerator_hour(tdp_w, pue, server_overhead, utilization)) * accelerator_hours
    return RunEnergy(
        accelerator_hours=float(accelerator_hours),
        tdp_w=float(tdp_w),
        power_utilization=float(utilization),
        server_overhead=float(server_overhead),
        pue=float(pue),
        grid_kgco2e_per_kwh=float(grid_kgco2e_per_kwh),
        energy_kwh=kwh,
        co2e_t=kwh * grid_kgco2e_per_kwh / 1000.0,
    )
