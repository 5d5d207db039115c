"""Accelerator facts: the bundled table and name resolution through aliases."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

import pandas as pd

from fleetplan.errors import UnknownNameError
from fleetplan.model.accelerator import Accelerator

__all__ = ["accelerator_table", "load_accelerators", "normalize_name", "resolve_accelerator"]

_NUMERIC = (
    "bf16_tflops",
    "fp8_tflops",
    "int8_tops",
    "memory_gb",
    "memory_bandwidth_tbps",
    "tdp_w",
    "interconnect_gb_s",
    "approx_price_usd",
)


def normalize_name(name: str) -> str:
    """Case- and punctuation-insensitive key: ``'H100 SXM-80GB'`` -> ``'h100sxm80gb'``."""
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


@lru_cache(maxsize=1)
def accelerator_table() -> pd.DataFrame:
    """The bundled accelerator facts (``data/accelerators.csv``), one row per accelerator."""
    with resources.files("fleetplan.data").joinpath("accelerators.csv").open("rb") as fh:
        return pd.read_csv(fh, keep_default_na=True)


@lru_cache(maxsize=1)
def load_accelerators() -> dict[str, Accelerator]:
    """All bundled accelerators keyed by canonical name, in table order."""
    out: dict[str, Accelerator] = {}
    for row in accelerator_table().to_dict("records"):
        rec = {k: (None if pd.isna(v) else v) for k, v in row.items()}
        for key in _NUMERIC:
            if rec.get(key) is not None:
                rec[key] = float(rec[key])
        rec["max_per_node"] = int(rec.get("max_per_node") or 8)
        if rec.get("release_year") is not None:
            rec["release_year"] = int(rec["release_year"])
        rec["aliases"] = tuple(a.strip() for a in str(rec.get("aliases") or "").split(";") if a.strip())
        rec["uncertain_fields"] = tuple(
            a.strip() for a in str(rec.get("uncertain_fields") or "").split(";") if a.strip()
        )
        acc = Accelerator.model_validate(rec)
        out[acc.name] = acc
    return out


@lru_cache(maxsize=1)
def _alias_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for acc in load_accelerators().values():
        for alias in (acc.name, *acc.aliases):
            index.setdefault(normalize_name(alias), acc.name)
    return index


def resolve_accelerator(name: str) -> Accelerator:
    """The accelerator called ``name`` (canonical name or any alias, case-insensitive).

    Raises :class:`UnknownNameError` with a "did you mean" hint when nothing matches.
    """
    canonical = _alias_index().get(normalize_name(name))
    if canonical is None:
        raise UnknownNameError("accelerator", name, load_accelerators().keys())
    return load_accelerators()[canonical]
