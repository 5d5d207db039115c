"""Power and energy accounting: accelerator-hours to kWh to kgCO2e.

energy_kwh = accelerator_hours x TDP_W x utilization x server_overhead x PUE / 1000
co2e_kg    = energy_kwh x grid_kgco2e_per_kwh x (1 - renewable_share)
             (+ accelerator_hours x embodied_kgco2e_per_accelerator_hour, when the scenario asks)

Defaults, each overridable in the scenario (see :func:`resolve_utilization` for precedence):

* ``DEFAULT_UTILIZATION = 0.8``: average board power of a busy accelerator as a share of TDP. Large
  training jobs run close to TDP; Meta's Llama model cards count GPU-hours x full TDP. 0.8 is a
  middle value between that convention and measured inference draw (Patel et al., "Characterizing
  Power Management Opportunities for LLMs in the Cloud", ASPLOS 2024: inference rarely above 80 %).
  Overrides: ``workloads[].power_utilization`` > ``sites[].utilization`` (owned capacity) >
  ``providers[].utilization`` > this default.
* ``DEFAULT_CLOUD_SERVER_OVERHEAD = 1.3``: host CPUs, memory, NICs and fans on top of accelerators
  in a rented server (NVIDIA DGX H100: 10.2 kW peak for 5.6 kW of GPUs is 1.8 at peak; at typical
  host utilization the non-GPU share is far lower, hence 1.3). Override per provider with
  ``providers[].server_overhead``. Owned servers use their server type's ``power_overhead_factor``
  (default 1.8, the DGX H100 peak ratio), which is also what the site power limit is checked with.
* ``FALLBACK_PUE = 1.58``: Uptime Institute Global Data Center Survey 2023 average, for regions
  without a published value.
* ``FALLBACK_GRID_KGCO2E_PER_KWH = 0.475``: world average (IEA 2019 via CodeCarbon), for regions
  without a value.
* ``EMBODIED_KGCO2E_PER_ACCELERATOR_HOUR = 0.0104``: manufacturing emissions amortized per
  accelerator-hour, from the BLOOM study (Luccioni, Viguier, Ligozat, "Estimating the Carbon
  Footprint of BLOOM", JMLR 24(253), 2023, section 4.1): 2,500 kgCO2e per 8-GPU server and
  150 kgCO2e per GPU, 6-year replacement, 85 % average use: (150 + 2500 / 8) / (6 x 8760 h x
  0.85) = 0.0104 kg per GPU-hour (the paper's 11.2 t for 1.08 M GPU-hours). Cloud Carbon
  Footprint's method gives a similar figure: 4,677 kgCO2e for an AWS p4d.24xlarge (8 x A100)
  over its 4-year lifespan is 0.0167 kg per GPU-hour at full use. Off unless
  ``objective.include_embodied`` is true.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from fleetplan.model.catalog import Provider
    from fleetplan.model.scenario import Scenario
    from fleetplan.model.site import Site
    from fleetplan.model.workload import Workload

__all__ = [
    "DEFAULT_CLOUD_SERVER_OVERHEAD",
    "DEFAULT_UTILIZATION",
    "EMBODIED_KGCO2E_PER_ACCELERATOR_HOUR",
    "FALLBACK_GRID_KGCO2E_PER_KWH",
    "FALLBACK_PUE",
    "RunEnergy",
    "embodied_kg_per_accelerator_hour",
    "kwh_per_accelerator_hour",
    "resolve_server_overhead",
    "resolve_utilization",
    "run_energy",
]

DEFAULT_UTILIZATION = 0.8
DEFAULT_CLOUD_SERVER_OVERHEAD = 1.3
FALLBACK_PUE = 1.58
FALLBACK_GRID_KGCO2E_PER_KWH = 0.475
EMBODIED_KGCO2E_PER_ACCELERATOR_HOUR = 0.0104


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
