"""Power and energy accounting: accelerator-hours to kWh to kgCO2e.

energy_kwh = accelerator_hours x TDP_W x utilization x server_overhead x PUE / 1000
co2e_kg    = energy_kwh x grid_kgco2e_per_kwh x (1 - renewable_share)

Defaults (overridable per site and server type in the scenario):

* ``DEFAULT_UTILIZATION = 0.8``: average board power of a busy accelerator as a share of TDP. Large
  training jobs run close to TDP; Meta's Llama model cards count GPU-hours x full TDP. 0.8 is a
  middle value between that convention and measured inference draw (Patel et al., "Characterizing
  Power Management Opportunities for LLMs in the Cloud", ASPLOS 2024: inference rarely above 80 %).
* ``DEFAULT_CLOUD_SERVER_OVERHEAD = 1.3``: host CPUs, memory, NICs and fans on top of accelerators
  in a rented server (NVIDIA DGX H100: 10.2 kW peak for 5.6 kW of GPUs is 1.8 at peak; at typical
  host utilization the non-GPU share is far lower, hence 1.3).
* ``FALLBACK_PUE = 1.58``: Uptime Institute Global Data Center Survey 2023 average, for regions
  without a published value.
* ``FALLBACK_GRID_KGCO2E_PER_KWH = 0.475``: world average (IEA 2019 via CodeCarbon), for regions
  without a value.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = [
    "DEFAULT_CLOUD_SERVER_OVERHEAD",
    "DEFAULT_UTILIZATION",
    "FALLBACK_GRID_KGCO2E_PER_KWH",
    "FALLBACK_PUE",
    "kwh_per_accelerator_hour",
]

DEFAULT_UTILIZATION = 0.8
DEFAULT_CLOUD_SERVER_OVERHEAD = 1.3
FALLBACK_PUE = 1.58
FALLBACK_GRID_KGCO2E_PER_KWH = 0.475


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
