"""Compare two offering catalogs: added, removed and re-priced offerings (Infracost-style).

Offerings are matched on (provider, region, instance type, pricing model). An offering in both
is *changed* when its price differs by more than :data:`PRICE_TOLERANCE_USD`, or its accelerator
or accelerator count differs; the other offerings in both are counted as unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

__all__ = ["CATALOG_DIFF_SCHEMA", "PRICE_TOLERANCE_USD", "CatalogDiff", "catalog_diff_json", "diff_offerings"]

CATALOG_DIFF_SCHEMA = "fleetplan.catalog_diff/1"
PRICE_TOLERANCE_USD = 1e-9
"""Prices closer than this (USD per hour) are equal: a CSV round trip is exact, so this only absorbs float noise."""
_KEY = ["provider", "region", "instance_type", "pricing_model"]


@dataclass(frozen=True)
class CatalogDiff:
    """The result of :func:`diff_offerings`: frames sorted by the key.

    ``added`` and ``removed`` have the key, accelerator, accelerator_count and price_usd_per_hour;
    ``changed`` has the key and old_/new_ price, accelerator and count, plus delta_usd_per_hour
    and delta_pct (blank when the old price was 0).
    """

    added: pd.DataFrame
    removed: pd.DataFrame
    changed: pd.DataFrame
    unchanged: int


def diff_offerings(old: pd.DataFrame, new: pd.DataFrame) -> CatalogDiff:
    """Compare offering frames (the ``OFFERING_COLUMNS`` format); see the module docstring."""
    cols = ["accelerator", "accelerator_count", "price_usd_per_hour"]
    a = old[_KEY + cols].drop_duplicates(_KEY, keep="last")
    b = new[_KEY + cols].drop_duplicates(_KEY, keep="last")
    merged = a.merge(b, on=_KEY, how="outer", suffixes=("_old", "_new"), indicator=True)
    merged = merged.sort_values(_KEY, kind="stable").reset_index(drop=True)

    def side(which: str, suffix: str) -> pd.DataFrame:
        part = merged[merged["_merge"] == which]
        return (
            part[_KEY + [c + suffix for c in cols]]
            .rename(columns=lambda c: c.removesuffix(suffix))
            .reset_index(drop=True)
        )

    both = merged[merged["_merge"] == "both"]
    price_moved = (both["price_usd_per_hour_new"] - both["price_usd_per_hour_old"]).abs() > PRICE_TOLERANCE_USD
    hardware = (both["accelerator_old"] != both["accelerator_new"]) | (
        both["accelerator_count_old"] != both["accelerator_count_new"]
    )
    moved = both[price_moved | hardware]
    changed = pd.DataFrame(
        {
            **{k: moved[k] for k in _KEY},
            "old_price_usd_per_hour": moved["price_usd_per_hour_old"],
            "new_price_usd_per_hour": moved["price_usd_per_hour_new"],
            "delta_usd_per_hour": moved["price_usd_per_hour_new"] - moved["price_usd_per_hour_old"],
            "delta_pct": (
                moved["price_usd_per_hour_new"]
                / moved["price_usd_per_hour_old"].where(moved["price_usd_per_hour_old"] > 0)
                - 1
            )
            * 100,
            "old_accelerator": moved["accelerator_old"],
            "new_accelerator": moved["accelerator_new"],
            "old_accelerator_count": moved["accelerator_count_old"],
            "new_accelerator_count": moved["accelerator_count_new"],
        }
    ).reset_index(drop=True)
    return CatalogDiff(
        added=side("right_only", "_new"),
        removed=side("left_only", "_old"),
        changed=changed,
        unchanged=int(len(both) - len(moved)),
    )


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict("records"):
        out.append({k: (None if pd.isna(v) else (v.item() if hasattr(v, "item") else v)) for k, v in row.items()})
    return out


def catalog_diff_json(diff: CatalogDiff, old: str, new: str) -> dict[str, Any]:
    """The ``fleetplan.catalog_diff/1`` document of ``diff`` between files ``old`` and ``new``."""
    return {
        "schema": CATALOG_DIFF_SCHEMA,
        "old": old,
        "new": new,
        "summary": {
            "added": len(diff.added),
            "removed": len(diff.removed),
            "changed": len(diff.changed),
            "unchanged": diff.unchanged,
        },
        "added": _records(diff.added),
        "removed": _records(diff.removed),
        "changed": _records(diff.changed),
    }
