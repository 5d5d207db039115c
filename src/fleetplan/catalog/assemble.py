"""Assemble the catalog a scenario uses: bundled default + SkyPilot import + user CSVs + scenario entries.

Later sources override earlier ones on the same key (provider, region, instance type, pricing
model), so a user's CSV can correct a bundled price. The result always has the schema columns plus
three derived ones: ``usd_per_accelerator_hour``, provider ``kind`` and accelerator ``vendor``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from fleetplan.catalog.builtin import builtin_offerings, builtin_providers, builtin_regions, conform
from fleetplan.catalog.csvio import read_offerings_csv
from fleetplan.catalog.hardware import accelerator_table
from fleetplan.catalog.schema import OFFERING_COLUMNS, PROVIDER_COLUMNS, REGION_COLUMNS
from fleetplan.catalog.skypilot import import_skypilot
from fleetplan.model.catalog import Catalog, Provider, Region

__all__ = ["OFFERING_KEY", "build_catalog", "finalize_catalog"]

OFFERING_KEY = ["provider", "region", "instance_type", "pricing_model"]


def _provider_rows(providers: Iterable[Provider]) -> pd.DataFrame:
    rows = [
        {
            "provider": p.name,
            "display_name": p.display_name or p.name,
            "kind": p.kind,
            "tags": ";".join(p.tags),
            "onboarding_cost_usd": p.onboarding_cost_usd,
            "source": p.source or "scenario",
        }
        for p in providers
    ]
    return conform(pd.DataFrame(rows), PROVIDER_COLUMNS)


def _region_rows(regions: Iterable[Region]) -> pd.DataFrame:
    rows = [
        {
            "provider": r.provider,
            "region": r.name,
            "display_name": r.display_name or r.name,
            "country": r.country,
            "latency_zone": r.latency_zone,
            "tags": ";".join(r.tags),
            "grid_kgco2e_per_kwh": r.grid_kgco2e_per_kwh,
            "grid_source": r.grid_source or ("scenario" if r.grid_kgco2e_per_kwh is not None else None),
            "pue": r.pue,
            "pue_source": r.pue_source or ("scenario" if r.pue is not None else None),
        }
        for r in regions
    ]
    return conform(pd.DataFrame(rows), REGION_COLUMNS)


def _stack(frames: Sequence[pd.DataFrame], key: list[str], columns: dict[str, str]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return conform(pd.DataFrame(columns=list(columns)), columns)
    df = pd.concat(frames, ignore_index=True)
    return df.drop_duplicates(subset=key, keep="last").reset_index(drop=True)


def finalize_catalog(
    offerings: pd.DataFrame, regions: pd.DataFrame, providers: pd.DataFrame, sources: Sequence[str] = ()
) -> Catalog:
    """Sort deterministically, add derived columns and regions/providers implied by offerings."""
    offerings = conform(offerings, OFFERING_COLUMNS)
    known_regions = set(zip(regions["provider"], regions["region"], strict=True))
    missing = (
        offerings.loc[:, ["provider", "region"]]
        .drop_duplicates()
        .loc[lambda d: [k not in known_regions for k in zip(d["provider"], d["region"], strict=True)]]
    )
    if len(missing):
        regions = pd.concat([regions, conform(missing, REGION_COLUMNS)], ignore_index=True)
    known_providers = set(providers["provider"])
    extra = sorted(set(offerings["provider"]) - known_providers)
    if extra:
        providers = pd.concat(
            [
                providers,
                conform(
                    pd.DataFrame({"provider": extra, "kind": "gpu_cloud", "source": "imported catalog"}),
                    PROVIDER_COLUMNS,
                ),
            ],
            ignore_index=True,
        )
    acc = accelerator_table().set_index("name")["vendor"]
    kinds = providers.set_index("provider")["kind"]
    offerings = offerings.sort_values(OFFERING_KEY, kind="stable").reset_index(drop=True)
    offerings["usd_per_accelerator_hour"] = offerings["price_usd_per_hour"] / offerings["accelerator_count"]
    offerings["kind"] = offerings["provider"].map(kinds).astype("string")
    offerings["vendor"] = offerings["accelerator"].map(acc).astype("string")
    regions = regions.sort_values(["provider", "region"], kind="stable").reset_index(drop=True)
    providers = providers.sort_values("provider", kind="stable").reset_index(drop=True)
    return Catalog(offerings=offerings, regions=regions, providers=providers, sources=tuple(sources))


def build_catalog(
    *,
    builtin: bool = True,
    skypilot: str | Path | None = None,
    files: Sequence[str | Path] = (),
    providers: Iterable[Provider] = (),
    regions: Iterable[Region] = (),
    keep_providers: Sequence[str] | None = None,
) -> Catalog:
    """Merge the catalog sources in order (builtin, SkyPilot, CSV files, scenario entries)."""
    off: list[pd.DataFrame] = []
    reg: list[pd.DataFrame] = []
    prov: list[pd.DataFrame] = []
    sources: list[str] = []
    if builtin:
        off.append(builtin_offerings())
        reg.append(builtin_regions())
        prov.append(builtin_providers())
        sources.append("builtin")
    if skypilot is not None:
        imported = import_skypilot(skypilot)
        off.append(imported.offerings)
        reg.append(imported.regions)
        sources.append(f"skypilot:{skypilot}")
    for f in files:
        off.append(read_offerings_csv(f))
        sources.append(f"csv:{f}")
    prov.append(_provider_rows(providers))
    reg.append(_region_rows(regions))
    offerings = _stack(off, OFFERING_KEY, OFFERING_COLUMNS)
    region_df = _stack(reg, ["provider", "region"], REGION_COLUMNS)
    provider_df = _stack(prov, ["provider"], PROVIDER_COLUMNS)
    if keep_providers is not None:
        keep = set(keep_providers)
        offerings = offerings[offerings["provider"].isin(keep)]
    return finalize_catalog(offerings, region_df, provider_df, sources)
