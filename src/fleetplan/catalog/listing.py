"""Filter and sort offerings, and their ``fleetplan.catalog/1`` document (``fleetplan catalog``)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from fleetplan._format import json_safe
from fleetplan.catalog.hardware import resolve_accelerator
from fleetplan.errors import InputError, UnknownNameError, did_you_mean
from fleetplan.model.base import PRICING_MODELS, PROVIDER_KINDS

__all__ = ["SORT_KEYS", "filter_offerings", "offerings_json"]

SORT_KEYS = ("usd_per_accelerator_hour", "price_usd_per_hour", "provider", "accelerator")


def _check(values: Sequence[str] | None, allowed: Sequence[str], what: str) -> list[str] | None:
    if not values:
        return None
    lowered = {a.lower(): a for a in allowed}
    out = []
    for v in values:
        if v.lower() not in lowered:
            raise InputError(f"unknown {what} {v!r}{did_you_mean(v, allowed)}", path=f"--{what.replace(' ', '-')}")
        out.append(lowered[v.lower()])
    return out


def filter_offerings(
    offerings: pd.DataFrame,
    *,
    accelerators: Sequence[str] | None = None,
    providers: Sequence[str] | None = None,
    regions: Sequence[str] | None = None,
    pricing_models: Sequence[str] | None = None,
    kinds: Sequence[str] | None = None,
    vendors: Sequence[str] | None = None,
    sort: str = "usd_per_accelerator_hour",
) -> pd.DataFrame:
    """Rows of ``offerings`` matching every given filter, sorted by ``sort`` then by key.

    Accelerator names resolve through aliases (``H100-80GB`` finds ``H100-SXM``); other filters are
    case-insensitive; a value that matches nothing known is an :class:`InputError`.
    """
    mask = pd.Series(True, index=offerings.index)
    if accelerators:
        names = []
        for a in accelerators:
            try:
                names.append(resolve_accelerator(a).name)
            except UnknownNameError as exc:
                raise InputError(str(exc), path="--accelerator") from None
        mask &= offerings["accelerator"].isin(names)
    if providers:
        names = _check(providers, sorted(set(offerings["provider"].dropna())), "provider")
        mask &= offerings["provider"].isin(names)
    if regions:
        names = _check(regions, sorted(set(offerings["region"].dropna())), "region")
        mask &= offerings["region"].isin(names)
    if pricing_models:
        mask &= offerings["pricing_model"].isin(_check(pricing_models, PRICING_MODELS, "pricing model"))
    if kinds:
        mask &= offerings["kind"].isin(_check(kinds, PROVIDER_KINDS, "kind"))
    if vendors:
        names = _check(vendors, sorted(set(offerings["vendor"].dropna())), "vendor")
        mask &= offerings["vendor"].isin(names)
    if sort not in SORT_KEYS:
        raise InputError(f"cannot sort by {sort!r}; choose one of {', '.join(SORT_KEYS)}", path="--sort")
    keys = [sort, "provider", "region", "instance_type", "pricing_model"]
    keys = list(dict.fromkeys(keys))
    return offerings[mask].sort_values(keys, kind="stable").reset_index(drop=True)


def offerings_json(rows: pd.DataFrame) -> dict[str, object]:
    """``fleetplan.catalog/1`` JSON: counts and every row with units in key names and its source."""
    records = []
    for rec in rows.to_dict("records"):
        item: dict[str, object] = {}
        for k, v in rec.items():
            if isinstance(v, (float, int)) and not isinstance(v, bool):
                item[k] = json_safe(float(v))
            elif v is None or v is pd.NA:
                item[k] = None
            else:
                item[k] = v
        item["accelerator_count"] = int(rec["accelerator_count"])
        records.append(item)
    return {
        "schema": "fleetplan.catalog/1",
        "currency": "USD",
        "offerings_count": len(rows),
        "providers_count": int(rows["provider"].nunique()),
        "accelerators_count": int(rows["accelerator"].nunique()),
        "offerings": records,
    }
