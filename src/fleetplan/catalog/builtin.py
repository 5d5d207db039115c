"""The bundled default catalog (``data/offerings.csv``, ``regions.csv``, ``providers.csv``)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import pandas as pd

from fleetplan.catalog.schema import OFFERING_COLUMNS, PROVIDER_COLUMNS, REGION_COLUMNS

__all__ = ["builtin_offerings", "builtin_providers", "builtin_regions", "conform"]


def conform(df: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """Return ``df`` with exactly ``columns`` (missing ones added empty) in their declared dtypes."""
    out = pd.DataFrame(index=df.index)
    for name, dtype in columns.items():
        col = df[name] if name in df.columns else pd.Series([None] * len(df), index=df.index)
        if dtype == "string":
            out[name] = col.astype("string")
        elif dtype == "int64":
            out[name] = pd.to_numeric(col).astype("int64")
        else:
            out[name] = pd.to_numeric(col).astype("float64")
    return out.reset_index(drop=True)


def _read(name: str, columns: dict[str, str]) -> pd.DataFrame:
    with resources.files("fleetplan.data").joinpath(name).open("rb") as fh:
        df = pd.read_csv(fh, dtype=str, keep_default_na=False, na_values=[""])
    return conform(df, columns)


@lru_cache(maxsize=1)
def _offerings() -> pd.DataFrame:
    return _read("offerings.csv", OFFERING_COLUMNS)


@lru_cache(maxsize=1)
def _regions() -> pd.DataFrame:
    return _read("regions.csv", REGION_COLUMNS)


@lru_cache(maxsize=1)
def _providers() -> pd.DataFrame:
    return _read("providers.csv", PROVIDER_COLUMNS)


def builtin_offerings() -> pd.DataFrame:
    """A fresh copy of the default catalog's offerings table."""
    return _offerings().copy()


def builtin_regions() -> pd.DataFrame:
    """A fresh copy of the default catalog's regions table (grid intensity and PUE with sources)."""
    return _regions().copy()


def builtin_providers() -> pd.DataFrame:
    """A fresh copy of the default catalog's providers table."""
    return _providers().copy()
