"""Capacity options: every place a workload could run, as one table.

Two sources feed it: catalog offerings (rent or reserve) and owned pools (one per site and server
type that the site has or may buy). Catalog rows priced ``owned`` are reference purchase prices,
not places: owned capacity is planned through the scenario's sites.

Columns: option_id, source (catalog|owned), provider, kind, region, site, server_type,
instance_type, accelerator, vendor, accelerator_count, memory_gb, tdp_w, pricing_model,
usd_per_accelerator_hour, avail_accelerators (inf = no cap), spot_rate_per_hour, term_periods,
country, latency_zone, tags (frozenset), grid_kgco2e_per_kwh, pue, renewable_share,
utilization, server_overhead, kwh_per_accelerator_hour, electricity_usd_per_kwh.

Power model per option (:mod:`fleetplan.energy.power`): utilization = the site's, else the
provider's, else the default; server overhead = the provider's (rented) or the server type's
(owned). A workload's own ``power_utilization`` is applied per candidate row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fleetplan.catalog.hardware import load_accelerators, resolve_accelerator
from fleetplan.data.assumptions import DEFAULT_SPOT_RATE_PER_HOUR, FALLBACK_GRID_KGCO2E_PER_KWH, FALLBACK_PUE
from fleetplan.energy.power import kwh_per_accelerator_hour, resolve_server_overhead, resolve_utilization
from fleetplan.model.base import RESERVED_MODELS, reservation_term_periods
from fleetplan.model.catalog import Catalog
from fleetplan.model.geo import EU_COUNTRIES
from fleetplan.model.scenario import Scenario

__all__ = ["build_options"]


def _tags(*parts: object) -> frozenset[str]:
    out: set[str] = set()
    for p in parts:
        if p is None or p is pd.NA or (isinstance(p, float) and np.isnan(p)):
            continue
        if isinstance(p, str):
            out.update(t.strip().lower() for t in p.split(";") if t.strip())
        else:
            out.update(str(t).lower() for t in p)  # type: ignore[union-attr]
    return frozenset(out)


def _catalog_options(sc: Scenario, cat: Catalog) -> pd.DataFrame:
    off = cat.offerings
    off = off[off["pricing_model"] != "owned"].copy()
    if off.empty:
        return off
    regions = cat.regions.set_index(["provider", "region"])
    providers = cat.providers.set_index("provider")
    key = pd.MultiIndex.from_arrays([off["provider"], off["region"]])
    reg = regions.reindex(key)
    acc = load_accelerators()
    off["source"] = "catalog"
    off["site"] = pd.NA
    off["server_type"] = pd.NA
    off["memory_gb"] = off["accelerator"].map({k: a.memory_gb for k, a in acc.items()})
    off["tdp_w"] = off["accelerator"].map({k: a.tdp_w for k, a in acc.items()})
    off["avail_accelerators"] = (off["availability_max_instances"] * off["accelerator_count"]).fillna(np.inf)
    off["spot_rate_per_hour"] = np.where(
        off["pricing_model"] == "spot",
        off["spot_interruption_rate_per_hour"].fillna(DEFAULT_SPOT_RATE_PER_HOUR),
        0.0,
    )
    term = {pm: reservation_term_periods(pm, sc.horizon.period) for pm in RESERVED_MODELS}
    off["term_periods"] = off["pricing_model"].map(term).fillna(0)
    off["country"] = reg["country"].to_numpy()
    off["latency_zone"] = reg["latency_zone"].to_numpy()
    ptags = off["provider"].map(providers["tags"])
    off["tags"] = [
        _tags(a, b, ["eu"] if c in EU_COUNTRIES else [])
        for a, b, c in zip(ptags, reg["tags"].to_numpy(), off["country"], strict=True)
    ]
    off["grid_kgco2e_per_kwh"] = reg["grid_kgco2e_per_kwh"].fillna(FALLBACK_GRID_KGCO2E_PER_KWH).to_numpy()
    off["pue"] = reg["pue"].fillna(FALLBACK_PUE).to_numpy()
    off["renewable_share"] = 0.0
    prov = {p.name: p for p in sc.providers}
    off["utilization"] = off["provider"].map(lambda p: resolve_utilization(provider=prov.get(p))).astype(float)
    off["server_overhead"] = off["provider"].map(lambda p: resolve_server_overhead(prov.get(p))).astype(float)
    off["kwh_per_accelerator_hour"] = kwh_per_accelerator_hour(
        off["tdp_w"], off["pue"], off["server_overhead"], off["utilization"]
    )
    off["electricity_usd_per_kwh"] = 0.0
    return off


def _owned_options(sc: Scenario) -> pd.DataFrame:
    types = {t.name: t for t in sc.server_types}
    provider_tags = {p.name: p.tags for p in sc.providers}
    providers = {p.name: p for p in sc.providers}
    rows = []
    for site in sc.sites:
        names = list(dict.fromkeys([hw.server_type for hw in site.existing] + list(site.buyable)))
        for name in names:
            st = types[name]
            acc = resolve_accelerator(st.accelerator)
            util = resolve_utilization(site=site, provider=providers.get(site.provider))
            rows.append(
                {
                    "source": "owned",
                    "provider": site.provider,
                    "region": site.name,
                    "site": site.name,
                    "server_type": name,
                    "instance_type": name,
                    "accelerator": acc.name,
                    "vendor": acc.vendor,
                    "accelerator_count": st.accelerators_per_server,
                    "memory_gb": acc.memory_gb,
                    "tdp_w": acc.tdp_w,
                    "pricing_model": "owned",
                    "price_usd_per_hour": 0.0,
                    "usd_per_accelerator_hour": 0.0,
                    "avail_accelerators": np.inf,
                    "spot_rate_per_hour": 0.0,
                    "term_periods": 0,
                    "country": site.country,
                    "latency_zone": site.latency_zone,
                    "tags": _tags(
                        site.tags, provider_tags.get(site.provider, []), ["eu"] if site.country in EU_COUNTRIES else []
                    ),
                    "grid_kgco2e_per_kwh": (
                        site.grid_kgco2e_per_kwh
                        if site.grid_kgco2e_per_kwh is not None
                        else FALLBACK_GRID_KGCO2E_PER_KWH
                    ),
                    "pue": site.pue,
                    "renewable_share": site.renewable_share,
                    "utilization": util,
                    "server_overhead": st.power_overhead_factor,
                    "kwh_per_accelerator_hour": float(
                        kwh_per_accelerator_hour(acc.tdp_w, site.pue, st.power_overhead_factor, util)
                    ),
                    "electricity_usd_per_kwh": site.electricity_usd_per_kwh,
                    "price_date": None,
                    "source_ref": "scenario",
                }
            )
    return pd.DataFrame(rows)


def build_options(sc: Scenario, cat: Catalog) -> pd.DataFrame:
    """All capacity options of ``sc`` (catalog offerings, then owned pools), with a stable ``option_id``."""
    providers = cat.providers.set_index("provider")["kind"].to_dict()
    providers.update({p.name: p.kind for p in sc.providers})
    parts = [p for p in (_catalog_options(sc, cat), _owned_options(sc)) if len(p)]
    df = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if df.empty:
        return df
    df["kind"] = df["provider"].map(providers).astype("string")
    df["vendor"] = df["accelerator"].map({k: a.vendor for k, a in load_accelerators().items()})
    df["option_id"] = np.arange(len(df), dtype=np.int64)
    cols = [
        "option_id",
        "source",
        "provider",
        "kind",
        "region",
        "site",
        "server_type",
        "instance_type",
        "accelerator",
        "vendor",
        "accelerator_count",
        "memory_gb",
        "tdp_w",
        "pricing_model",
        "usd_per_accelerator_hour",
        "avail_accelerators",
        "spot_rate_per_hour",
        "term_periods",
        "country",
        "latency_zone",
        "tags",
        "grid_kgco2e_per_kwh",
        "pue",
        "renewable_share",
        "utilization",
        "server_overhead",
        "kwh_per_accelerator_hour",
        "electricity_usd_per_kwh",
    ]
    return df[cols].reset_index(drop=True)
