"""A plan's energy and carbon, tabulated: by workload, provider, region and period; site power.

Every figure comes from the plan's allocations (energy_kwh, co2e_t per row, already verified) and
the scenario's sites and server types:

    average_kw            = energy_kwh / hours in the span (period, or whole horizon)
    embodied_co2e_t       = accelerator_hours x embodied kg per accelerator-hour / 1000
                            (0 unless ``objective.include_embodied``)
    operational_co2e_t    = co2e_t - embodied_co2e_t
    kgco2e_per_kwh        = operational_co2e_t x 1000 / energy_kwh   (effective grid intensity,
                            renewable supply included)
    tco2e_per_musd        = co2e_t / (total spend / 1e6)
    site installed_kw     = servers in service x server_kw (accelerators x TDP x overhead x PUE
                            / 1000, peak; :func:`installed_kw`)
    site average_kw       = energy of the site's allocations / hours in the period
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fleetplan.catalog.hardware import resolve_accelerator
from fleetplan.energy.power import embodied_kg_per_accelerator_hour
from fleetplan.model.period import hours_per_period, parse_period
from fleetplan.model.plan import Plan
from fleetplan.model.scenario import Scenario
from fleetplan.model.site import Site, lifetime_periods, server_kw

__all__ = ["ENERGY_TABLES", "energy_tables", "installed_kw", "site_power"]

ENERGY_TABLES = ("summary", "by_workload", "by_provider", "by_region", "by_period", "site_power")
_SUMS = ["accelerator_hours", "energy_kwh", "co2e_t", "embodied_co2e_t", "cost_usd"]


def _group(a: pd.DataFrame, keys: list[str], hours: float) -> pd.DataFrame:
    if a.empty:
        return pd.DataFrame(columns=[*keys, *_SUMS, "average_kw", "kgco2e_per_kwh", "share_of_co2e"])
    g = a.groupby(keys, sort=True, dropna=False)[_SUMS].sum().reset_index()
    g["average_kw"] = g["energy_kwh"] / hours
    operational = g["co2e_t"] - g["embodied_co2e_t"]
    g["kgco2e_per_kwh"] = np.where(
        g["energy_kwh"] > 0, 1000 * operational / g["energy_kwh"].where(g["energy_kwh"] > 0, 1), 0.0
    )
    total = float(g["co2e_t"].sum())
    g["share_of_co2e"] = g["co2e_t"] / total if total > 0 else 0.0
    return g


def installed_kw(sc: Scenario, plan: Plan, site: Site) -> np.ndarray:
    """Peak draw of the servers installed at ``site``, per period (kW): its existing servers and the
    plan's purchases while in service (:func:`~fleetplan.model.site.lifetime_periods`), each at
    :func:`~fleetplan.model.site.server_kw`."""
    labels = sc.horizon.labels()
    T = len(labels)
    first = parse_period(sc.horizon.start, sc.horizon.period)
    t_of = {p: i for i, p in enumerate(labels)}
    types = {t.name: t for t in sc.server_types}

    def one_kw(name: str) -> float:
        st = types[name]
        return server_kw(st, resolve_accelerator(st.accelerator), site.pue)

    def life(name: str) -> int:
        return lifetime_periods(types[name], sc.horizon.period)

    t = np.arange(T)
    installed = np.zeros(T)
    for hw in site.existing:
        start = parse_period(hw.purchased, sc.horizon.period) - first
        end = start + life(hw.server_type)
        installed += np.where((t >= start) & (t < end), hw.count * one_kw(hw.server_type), 0.0)
    buys = plan.purchases[plan.purchases["site"] == site.name] if len(plan.purchases) else plan.purchases
    for r in buys.itertuples(index=False):
        start = t_of[r.period_in_service]
        end = start + life(r.server_type)
        installed += np.where((t >= start) & (t < end), r.servers * one_kw(r.server_type), 0.0)
    return installed


def site_power(sc: Scenario, plan: Plan) -> pd.DataFrame:
    """Per owned site and period: capacity, installed peak and average draw (kW), headroom."""
    labels = sc.horizon.labels()
    T = len(labels)
    H = hours_per_period(sc.horizon.period)
    t_of = {p: i for i, p in enumerate(labels)}
    rows = []
    a = plan.allocations
    for site in sc.sites:
        installed = installed_kw(sc, plan, site)
        energy = np.zeros(T)
        if len(a):
            here = a[a["site"] == site.name]
            for p, e in here.groupby("period")["energy_kwh"].sum().items():
                energy[t_of[p]] += e
        for i, label in enumerate(labels):
            rows.append(
                {
                    "site": site.name,
                    "period": label,
                    "capacity_kw": site.power_capacity_kw,
                    "installed_kw": installed[i],
                    "average_kw": energy[i] / H,
                    "headroom_kw": site.power_capacity_kw - installed[i],
                    "energy_kwh": energy[i],
                }
            )
    cols = [
        "site",
        "period",
        "capacity_kw",
        "installed_kw",
        "average_kw",
        "headroom_kw",
        "energy_kwh",
    ]
    return pd.DataFrame(rows, columns=cols)


def energy_tables(sc: Scenario, plan: Plan) -> dict[str, pd.DataFrame]:
    """The plan's energy and carbon tables (:data:`ENERGY_TABLES`); ``summary`` has one row."""
    H = hours_per_period(sc.horizon.period)
    T = len(plan.periods)
    emb = embodied_kg_per_accelerator_hour(sc)
    a = plan.allocations.copy()
    a["embodied_co2e_t"] = a["accelerator_hours"].astype(float) * emb / 1000.0 if len(a) else 0.0
    out: dict[str, pd.DataFrame] = {
        "by_workload": _group(a, ["workload"], H * T),
        "by_provider": _group(a, ["provider"], H * T),
        "by_region": _group(a, ["provider", "region"], H * T),
    }
    per = _group(a, ["period"], H)
    per = (
        pd.DataFrame({"period": plan.periods})
        .merge(per, on="period", how="left")
        .fillna({c: 0.0 for c in per.columns if c != "period"})
    )
    out["by_period"] = per
    sites = site_power(sc, plan)
    out["site_power"] = sites
    energy = float(a["energy_kwh"].sum()) if len(a) else 0.0
    co2 = float(a["co2e_t"].sum()) if len(a) else 0.0
    embodied = float(a["embodied_co2e_t"].sum()) if len(a) else 0.0
    total_usd = plan.total_usd
    out["summary"] = pd.DataFrame(
        [
            {
                "accelerator_hours": float(a["accelerator_hours"].sum()) if len(a) else 0.0,
                "energy_kwh": energy,
                "co2e_t": co2,
                "operational_co2e_t": co2 - embodied,
                "embodied_co2e_t": embodied,
                "embodied_included": bool(sc.objective.include_embodied),
                "kgco2e_per_kwh": 1000 * (co2 - embodied) / energy if energy > 0 else None,
                "tco2e_per_musd": co2 / (total_usd / 1e6) if total_usd > 0 else None,
                "average_kw": energy / (H * T) if T else 0.0,
                "peak_site_installed_kw": float(sites["installed_kw"].max()) if len(sites) else None,
                "carbon_price_usd_per_tco2e": sc.objective.carbon_price_usd_per_tco2e,
                "carbon_cost_usd": co2 * sc.objective.carbon_price_usd_per_tco2e,
            }
        ]
    )
    return out
