"""Column schemas of the catalog tables (offerings, regions, providers).

The catalog is three tables. Every loader (bundled default, SkyPilot import, user CSV) produces
these exact columns; the optimizer only ever sees them.

offerings: one buyable unit (provider x region x instance type x pricing model)
    provider, region, instance_type         identifiers
    accelerator                             canonical accelerator name (see catalog.hardware)
    accelerator_count                       accelerators per instance (int >= 1)
    pricing_model                           on_demand | spot | reserved_1y | reserved_3y | owned
    price_usd_per_hour                      whole instance, all accelerators; for ``owned`` the
                                            operating cost excluding power (support, space)
    capex_usd                               purchase price per instance (owned only)
    lifetime_years                          depreciation life (owned only)
    lead_time_periods                       periods from order to service (owned only)
    availability_max_instances              cap on concurrent instances, blank = not limited
    spot_interruption_rate_per_hour         expected interruptions per instance-hour (spot only)
    vcpus, memory_gib                       host facts, may be blank
    price_date                              ISO date the price was read (YYYY-MM-DD or YYYY-MM)
    source                                  where the price comes from (URL or document)
"""

from __future__ import annotations

__all__ = ["OFFERING_COLUMNS", "PROVIDER_COLUMNS", "REGION_COLUMNS"]

OFFERING_COLUMNS: dict[str, str] = {
    "provider": "string",
    "region": "string",
    "instance_type": "string",
    "accelerator": "string",
    "accelerator_count": "int64",
    "pricing_model": "string",
    "price_usd_per_hour": "float64",
    "capex_usd": "float64",
    "lifetime_years": "float64",
    "lead_time_periods": "float64",
    "availability_max_instances": "float64",
    "spot_interruption_rate_per_hour": "float64",
    "vcpus": "float64",
    "memory_gib": "float64",
    "price_date": "string",
    "source": "string",
}

REGION_COLUMNS: dict[str, str] = {
    "provider": "string",
    "region": "string",
    "display_name": "string",
    "country": "string",
    "latency_zone": "string",
    "tags": "string",
    "grid_kgco2e_per_kwh": "float64",
    "grid_source": "string",
    "pue": "float64",
    "pue_source": "string",
}

PROVIDER_COLUMNS: dict[str, str] = {
    "provider": "string",
    "display_name": "string",
    "kind": "string",
    "tags": "string",
    "onboarding_cost_usd": "float64",
    "url": "string",
    "source": "string",
}
