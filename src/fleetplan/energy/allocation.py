"""Energy and emissions per candidate row (workload x option x period), for the optimizer.

    kWh per accelerator-hour = TDP x utilization x server overhead x PUE / 1000
        utilization = the workload's ``power_utilization`` when set, else the option's
        (site, then provider, then default; see :func:`fleetplan.energy.power.resolve_utilization`)
    energy_kwh = usage x kWh per accelerator-hour
    co2e_t     = (energy_kwh x grid x (1 - renewable share) + usage x embodied kg) / 1000

``usage`` is accelerator-hours per unit of the decision variable. Embodied kg per accelerator-hour
is 0 unless the scenario sets ``objective.include_embodied``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from fleetplan.energy.power import embodied_kg_per_accelerator_hour, kwh_per_accelerator_hour
from fleetplan.model.scenario import Scenario

__all__ = ["allocation_energy"]


def allocation_energy(
    sc: Scenario, rows: pd.DataFrame, usage: npt.ArrayLike
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """``(energy_kwh, co2e_t)`` for ``usage`` accelerator-hours on each row of ``rows``.

    ``rows`` carries the option columns of :func:`fleetplan.optimize.options.build_options`
    (``tdp_w``, ``pue``, ``server_overhead``, ``utilization``, ``kwh_per_accelerator_hour``,
    ``grid_kgco2e_per_kwh``, ``renewable_share``) and ``w_idx``, the workload's index in ``sc``.
    """
    use = np.asarray(usage, dtype=float)
    kwh = rows["kwh_per_accelerator_hour"].to_numpy(dtype=float)
    w_util = {i: w.power_utilization for i, w in enumerate(sc.workloads) if w.power_utilization is not None}
    if w_util:
        util = rows["w_idx"].map(w_util).to_numpy(dtype=float)
        given = ~np.isnan(util)
        if given.any():
            own = kwh_per_accelerator_hour(
                rows["tdp_w"].to_numpy(dtype=float),
                rows["pue"].to_numpy(dtype=float),
                rows["server_overhead"].to_numpy(dtype=float),
                np.where(given, util, 1.0),
            )
            kwh = np.where(given, own, kwh)
    energy = use * kwh
    grid = rows["grid_kgco2e_per_kwh"].to_numpy(dtype=float)
    renewable = rows["renewable_share"].to_numpy(dtype=float)
    co2e_t = (energy * grid * (1.0 - renewable) + use * embodied_kg_per_accelerator_hour(sc)) / 1000.0
    return energy, co2e_t
