"""The power model: defaults, precedence of overrides, per-row energy and embodied emissions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fleetplan.energy import (
    DEFAULT_CLOUD_SERVER_OVERHEAD,
    DEFAULT_UTILIZATION,
    EMBODIED_KGCO2E_PER_ACCELERATOR_HOUR,
    FALLBACK_GRID_KGCO2E_PER_KWH,
    FALLBACK_PUE,
    embodied_kg_per_accelerator_hour,
    kwh_per_accelerator_hour,
    resolve_server_overhead,
    resolve_utilization,
    run_energy,
)
from fleetplan.energy.allocation import allocation_energy
from fleetplan.load.scenario import scenario_catalog
from fleetplan.model.catalog import Provider
from fleetplan.model.site import Site
from fleetplan.model.workload import Workload
from fleetplan.optimize.options import build_options

from .conftest import BATCH_8B, offering

SITE = {
    "name": "dc",
    "provider": "own",
    "country": "US",
    "latency_zone": "us-east",
    "power_capacity_kw": 100,
    "pue": 1.25,
    "electricity_usd_per_kwh": 0.0,
    "buyable": ["srv"],
}
SRV = {
    "name": "srv",
    "accelerator": "A100-80GB",
    "accelerators_per_server": 8,
    "capex_usd": 100_000,
    "lead_time_periods": 0,
    "lifetime_years": 5,
    "power_overhead_factor": 1.5,
}
OFFS = [
    offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0),
    offering("gamma", "g-fr", "a100x8", "A100-80GB", 8, "on_demand", 20.0),
]


def test_formula_and_defaults() -> None:
    assert float(kwh_per_accelerator_hour(700, 1.2, 1.3, 0.8)) == pytest.approx(700 * 0.8 * 1.3 * 1.2 / 1000)
    run = run_energy(1000.0, 400.0)
    assert run.energy_kwh == pytest.approx(
        1000 * 400 * DEFAULT_UTILIZATION * DEFAULT_CLOUD_SERVER_OVERHEAD * FALLBACK_PUE / 1000
    )
    assert run.co2e_t == pytest.approx(run.energy_kwh * FALLBACK_GRID_KGCO2E_PER_KWH / 1000)
    # BLOOM study: (150 kg per GPU + 2500 kg per 8-GPU server) over 6 years at 85 % use
    bloom = (150 + 2500 / 8) / (6 * 8760 * 0.85)
    assert abs(EMBODIED_KGCO2E_PER_ACCELERATOR_HOUR / bloom - 1) < 0.01


def test_utilization_precedence() -> None:
    w = Workload.model_validate({**BATCH_8B, "power_utilization": 0.5})
    site = Site.model_validate({**SITE, "utilization": 0.6})
    prov = Provider(name="own", kind="onprem", utilization=0.7, server_overhead=1.1)
    assert resolve_utilization(workload=w, site=site, provider=prov) == 0.5
    assert resolve_utilization(site=site, provider=prov) == 0.6
    assert resolve_utilization(provider=prov) == 0.7
    assert resolve_utilization() == DEFAULT_UTILIZATION
    assert resolve_server_overhead(prov) == 1.1
    assert resolve_server_overhead(None) == DEFAULT_CLOUD_SERVER_OVERHEAD


def test_overrides_reach_the_options(make_scenario) -> None:
    providers = [
        {"name": "alpha", "kind": "gpu_cloud", "utilization": 0.6, "server_overhead": 1.1},
        {"name": "beta", "kind": "gpu_cloud"},
        {"name": "gamma", "kind": "cloud"},
        {"name": "own", "kind": "onprem", "utilization": 0.9},
    ]
    sc = make_scenario(
        OFFS,
        workloads=[BATCH_8B],
        providers=providers,
        sites=[{**SITE, "utilization": 0.7}],
        server_types=[SRV],
    )
    opts = build_options(sc, scenario_catalog(sc)).set_index("provider")
    assert opts.loc["alpha", "kwh_per_accelerator_hour"] == pytest.approx(400 * 0.6 * 1.1 * 1.2 / 1000)
    assert opts.loc["gamma", "kwh_per_accelerator_hour"] == pytest.approx(
        400 * DEFAULT_UTILIZATION * DEFAULT_CLOUD_SERVER_OVERHEAD * 1.1 / 1000
    )
    # owned: the site's utilization beats its provider's; the server type's overhead applies
    assert opts.loc["own", "kwh_per_accelerator_hour"] == pytest.approx(400 * 0.7 * 1.5 * 1.25 / 1000)


def _rows() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "w_idx": [0, 1],
            "tdp_w": [700.0, 700.0],
            "pue": [1.2, 1.2],
            "server_overhead": [1.3, 1.3],
            "utilization": [0.8, 0.8],
            "kwh_per_accelerator_hour": [700 * 0.8 * 1.3 * 1.2 / 1000] * 2,
            "grid_kgco2e_per_kwh": [0.4, 0.4],
            "renewable_share": [0.0, 0.25],
        }
    )


def test_allocation_energy_workload_override_renewables_and_embodied(make_scenario) -> None:
    wls = [{**BATCH_8B, "name": "a", "power_utilization": 0.5}, {**BATCH_8B, "name": "b"}]
    sc = make_scenario(OFFS, workloads=wls)
    usage = np.array([100.0, 100.0])
    energy, co2 = allocation_energy(sc, _rows(), usage)
    assert energy[0] == pytest.approx(100 * 700 * 0.5 * 1.3 * 1.2 / 1000)  # workload's own utilization
    assert energy[1] == pytest.approx(100 * 700 * 0.8 * 1.3 * 1.2 / 1000)
    assert co2[1] == pytest.approx(energy[1] * 0.4 * 0.75 / 1000)  # market-based: 25 % contracted renewables
    assert embodied_kg_per_accelerator_hour(sc) == 0.0
    sc.objective.include_embodied = True
    _, co2_emb = allocation_energy(sc, _rows(), usage)
    assert co2_emb - co2 == pytest.approx(100 * EMBODIED_KGCO2E_PER_ACCELERATOR_HOUR / 1000 * np.ones(2))
    sc.objective.embodied_kgco2e_per_accelerator_hour = 0.02
    _, co2_own = allocation_energy(sc, _rows(), usage)
    assert co2_own - co2 == pytest.approx(100 * 0.02 / 1000 * np.ones(2))
