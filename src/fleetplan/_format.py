"""Formatting shared by every output: compact money for people, JSON-safe values for machines.

A leaf module: it imports nothing from fleetplan, so any layer may use it.

>>> money(950), money(12_345), money(1.5e6), money(1.5e9)
('$950', '$12.3k', '$1.50M', '$1.50B')
>>> json_safe({"gap": float("nan"), "n": [1, float("inf")]})
{'gap': None, 'n': [1, None]}
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["json_records", "json_safe", "json_text", "money"]


def money(usd: float | None) -> str:
    """Compact dollars: ``$789``, ``$45.6k``, ``$1.23M``, ``$4.56B``; ``—`` when unknown."""
    if usd is None:
        return "—"
    a = abs(usd)
    sign = "-" if usd < 0 else ""
    if a >= 1e9:
        return f"{sign}${a / 1e9:,.2f}B"
    if a >= 1e6:
        return f"{sign}${a / 1e6:,.2f}M"
    if a >= 1e4:
        return f"{sign}${a / 1e3:,.1f}k"
    return f"{sign}${a:,.0f}"


def json_safe(value: Any) -> Any:
    """``value`` as plain JSON data: NaN and ±inf become ``None``, as do ``pd.NA`` and ``NaT``;
    numpy scalars and arrays become Python numbers and lists; mappings, lists and tuples are
    converted item by item (tuples become lists). Anything else is returned unchanged."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float):  # numpy's float64 too
        return float(value) if math.isfinite(value) else None
    if isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, np.ndarray):
        return [json_safe(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return json_safe(value.item())
    if isinstance(value, Mapping):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def json_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``df`` as JSON-safe dicts, one per row, columns in order."""
    return [{k: json_safe(v) for k, v in row.items()} for row in df.to_dict("records")]


def json_text(doc: Any) -> str:
    """The JSON text fleetplan writes and prints: two-space indent, keys in order, strict (no NaN)."""
    return json.dumps(doc, indent=2, allow_nan=False) + "\n"
