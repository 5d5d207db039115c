"""Energy and carbon in plans: site power, renewables, overrides, embodied, tables, reports."""

from __future__ import annotations

import inspect
import io

import numpy as np
import pytest
from rich.console import Console

from fleetplan.cli._render_plan import render_plan
from fleetplan.energy import EMBODIED_KGCO2E_PER_ACCELERATOR_HOUR, ENERGY_TABLES, energy_tables
from fleetplan.model.period import hours_per_period
from fleetplan.optimize import candidates, optimize
from fleetplan.report import plan_to_dict
from fleetplan.sizing import size_workloads
from fleetplan.verify import recompute_costs, verify_plan

from .conftest import BATCH_8B, offering

H = hours_per_period("quarter")
WIRED = "allocation_energy" in inspect.getsource(candidates)
needs_wiring = pytest.mark.skipif(
    not WIRED, reason="candidates.py does not call fleetplan.energy.allocation_energy yet"
)

SRV = {
    "name": "srv",
    "accelerator": "H100-SXM",
    "accelerators_per_server": 8,
    "capex_usd": 1000,
    "lead_time_periods": 0,
    "lifetime_years": 5,
}
SERVER_KW = 8 * 700 * 1.8 * 1.25 / 1000  # 12.6 kW at the site's PUE
SITE = {
    "name": "dc",
    "provider": "own",
    "country": "US",
    "latency_zone": "us-east",
    "pue": 1.25,
    "electricity_usd_per_kwh": 0.0,
    "grid_kgco2e_per_kwh": 0.3,
    "buyable": ["srv"],
}
H100 = {**BATCH_8B, "accelerators": ["H100-SXM"]}
CLOUD = [offering("alpha", "a-east", "h100x8", "H100-SXM", 8, "on_demand", 40.0)]


def _plan(make_scenario, offs=CLOUD, **changes):
    return optimize(make_scenario(offs, **changes), baselines=False, lp_bound=False)


@pytest.mark.parametrize(
    ("capacity_servers", "existing", "demand"),
    [(1.01, 0, 2.0e10), (2.5, 0, 2.0e11), (3.2, 1, 4.0e11), (0.99, 0, 2.0e10), (4.0, 2, 8.0e11)],
)
def test_plan_never_draws_more_than_site_kw(make_scenario, capacity_servers, existing, demand) -> None:
    site = {**SITE, "power_capacity_kw": SERVER_KW * capacity_servers}
    if existing:
        site["existing"] = [{"server_type": "srv", "count": existing, "purchased": "2026Q4"}]
    wl = {**H100, "demand": {"tokens_per_period": demand}}
    sc = make_scenario(CLOUD, workloads=[wl], sites=[site], server_types=[SRV])
    plan = optimize(sc, baselines=False, lp_bound=False)
    power = plan.energy["site_power"]
    assert len(power) == sc.horizon.periods
    assert (power["installed_kw"] <= site["power_capacity_kw"] * (1 + 1e-9)).all()
    assert (power["average_kw"] <= power["installed_kw"] * (1 + 1e-9)).all()
    assert (power["headroom_kw"] >= -1e-9).all()
    # the verifier agrees, and would object to one more server
    assert verify_plan(sc, plan, size_workloads(sc)).ok
    extra = plan.purchases.copy()
    extra.loc[len(extra)] = {
        "site": "dc",
        "provider": "own",
        "server_type": "srv",
        "accelerator": "H100-SXM",
        "period_ordered": "2027Q1",
        "period_in_service": "2027Q1",
        "servers": int(np.floor(capacity_servers)) + 1,
        "accelerators": 8,
        "capex_usd": 1000.0,
        "power_kw": SERVER_KW,
    }
    plan.purchases = extra
    bad = verify_plan(sc, plan, size_workloads(sc), check_totals=False)
    assert not bad.ok and any("power capacity" in v for v in bad.violations)


def test_buying_is_blocked_when_the_site_is_full(make_scenario) -> None:
    """Two servers installed fill 2.2 servers' worth of power: no third one, the rest is rented."""
    site = {
        **SITE,
        "power_capacity_kw": SERVER_KW * 2.2,
        "existing": [{"server_type": "srv", "count": 2, "purchased": "2026Q4"}],
    }
    wl = {**H100, "demand": {"tokens_per_period": 5.0e12}}
    sc = make_scenario(CLOUD, workloads=[wl], sites=[site], server_types=[SRV])
    need = size_workloads(sc)
    assert need["accelerator_hours"].max() > 2 * 8 * H  # more than the two servers can do
    plan = optimize(sc, baselines=False, lp_bound=False)
    assert plan.purchases.empty
    assert "alpha" in set(plan.allocations["provider"])
    power = plan.energy["site_power"]
    assert power["installed_kw"].max() == pytest.approx(2 * SERVER_KW)
    status = {(p.policy, p.scope): p for p in plan.policies}
    assert status[("site_power", "dc")].binding


def _owned_only(make_scenario, **site_changes):
    site = {**SITE, "power_capacity_kw": 100.0, **site_changes}
    return _plan(make_scenario, [], workloads=[H100], sites=[site], server_types=[SRV])


def test_renewable_share_reduces_co2_exactly_by_the_share(make_scenario) -> None:
    base = _owned_only(make_scenario)
    green = _owned_only(make_scenario, renewable_share=0.4)
    assert green.costs["energy_kwh"].sum() == pytest.approx(base.costs["energy_kwh"].sum(), rel=1e-9)
    assert green.costs["co2e_t"].sum() == pytest.approx(0.6 * base.costs["co2e_t"].sum(), rel=1e-9)
    assert base.costs["co2e_t"].sum() == pytest.approx(base.costs["energy_kwh"].sum() * 0.3 / 1000, rel=1e-9)


def test_site_and_provider_overrides_change_energy_exactly(make_scenario) -> None:
    base = _owned_only(make_scenario)
    low = _owned_only(make_scenario, utilization=0.4)  # default 0.8
    assert low.costs["energy_kwh"].sum() == pytest.approx(0.5 * base.costs["energy_kwh"].sum(), rel=1e-9)
    hours = base.allocations["accelerator_hours"].sum()
    assert base.costs["energy_kwh"].sum() == pytest.approx(hours * 700 * 0.8 * 1.8 * 1.25 / 1000, rel=1e-9)
    providers = [
        {"name": "alpha", "kind": "gpu_cloud", "utilization": 0.5, "server_overhead": 1.2},
        {"name": "beta", "kind": "gpu_cloud"},
        {"name": "gamma", "kind": "cloud"},
        {"name": "own", "kind": "onprem"},
    ]
    cloud = _plan(make_scenario, workloads=[H100], providers=providers)
    hours = cloud.allocations["accelerator_hours"].sum()
    assert cloud.costs["energy_kwh"].sum() == pytest.approx(hours * 700 * 0.5 * 1.2 * 1.2 / 1000, rel=1e-9)
    assert cloud.verification.ok


def test_verifier_counts_embodied_when_switched_on(make_scenario) -> None:
    sc = make_scenario(CLOUD, workloads=[H100])
    plan = optimize(sc, baselines=False, lp_bound=False)
    off = recompute_costs(sc, plan).by_period["co2e_t"].sum()
    sc.objective.include_embodied = True
    on = recompute_costs(sc, plan).by_period["co2e_t"].sum()
    hours = plan.allocations["accelerator_hours"].sum()
    assert on - off == pytest.approx(hours * EMBODIED_KGCO2E_PER_ACCELERATOR_HOUR / 1000, rel=1e-9)
    tables = energy_tables(sc, plan)
    assert tables["summary"]["embodied_co2e_t"].iloc[0] == pytest.approx(on - off, rel=1e-9)


@needs_wiring
def test_embodied_on_adds_per_accelerator_hour_in_plans(make_scenario) -> None:
    off = _plan(make_scenario, workloads=[H100])
    on = _plan(make_scenario, workloads=[H100], objective={"include_embodied": True})
    hours = on.allocations["accelerator_hours"].sum()
    assert on.costs["co2e_t"].sum() - off.costs["co2e_t"].sum() == pytest.approx(
        hours * EMBODIED_KGCO2E_PER_ACCELERATOR_HOUR / 1000, rel=1e-6
    )
    assert on.energy["summary"]["embodied_co2e_t"].iloc[0] == pytest.approx(
        hours * EMBODIED_KGCO2E_PER_ACCELERATOR_HOUR / 1000, rel=1e-9
    )
    assert on.verification.ok


@needs_wiring
def test_workload_power_utilization_in_plans(make_scenario) -> None:
    base = _plan(make_scenario, workloads=[H100])
    low = _plan(make_scenario, workloads=[{**H100, "power_utilization": 0.4}])
    assert low.costs["energy_kwh"].sum() == pytest.approx(0.5 * base.costs["energy_kwh"].sum(), rel=1e-9)
    assert low.verification.ok


def test_energy_tables_add_up(make_scenario) -> None:
    site = {**SITE, "power_capacity_kw": SERVER_KW * 1.5}
    wl2 = {**BATCH_8B, "name": "batch-b", "accelerators": ["A100-80GB"]}
    offs = [*CLOUD, offering("gamma", "g-fr", "a100x8", "A100-80GB", 8, "on_demand", 16.0)]
    plan = _plan(make_scenario, offs, workloads=[H100, wl2], sites=[site], server_types=[SRV])
    t = plan.energy
    assert set(t) == set(ENERGY_TABLES)
    total_kwh = plan.costs["energy_kwh"].sum()
    total_t = plan.costs["co2e_t"].sum()
    for name in ("by_workload", "by_provider", "by_region", "by_period"):
        assert t[name]["energy_kwh"].sum() == pytest.approx(total_kwh, rel=1e-9), name
        assert t[name]["co2e_t"].sum() == pytest.approx(total_t, rel=1e-9), name
    s = t["summary"].iloc[0]
    assert s["kgco2e_per_kwh"] == pytest.approx(1000 * total_t / total_kwh)
    assert s["tco2e_per_musd"] == pytest.approx(total_t / (plan.total_usd / 1e6))
    assert s["average_kw"] == pytest.approx(total_kwh / (4 * H))
    assert list(t["by_period"]["period"]) == plan.periods
    reg = t["by_region"].set_index(["provider", "region"])
    assert reg.loc[("gamma", "g-fr"), "kgco2e_per_kwh"] == pytest.approx(0.05)

    doc = plan_to_dict(plan)
    assert doc["energy"]["summary"]["energy_kwh"] == pytest.approx(total_kwh)
    assert {"workload", "energy_kwh", "co2e_t", "average_kw"} <= set(doc["energy"]["by_workload"][0])
    assert {"site", "period", "capacity_kw", "installed_kw", "average_kw"} <= set(doc["energy"]["site_power"][0])
    assert doc["abatement"] is None
    out = io.StringIO()
    render_plan(Console(file=out, width=160), plan)
    text = out.getvalue()
    assert "Energy and carbon" in text and "Site power" in text and "kgCO2e/kWh" in text
