"""The ``fleetplan.audit/1`` JSON document of an :class:`~fleetplan.audit.analysis.Audit`.

Keys carry their units (``_usd``, ``_kwh``, ``_t``, ``_hours``); shares are fractions (0..1);
tables are lists of records; nothing is NaN (missing figures are null).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from fleetplan.audit.analysis import AUDIT_SCHEMA, Audit

__all__ = ["audit_to_dict", "records"]


def _clean(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            return _clean(value.item())
        except (TypeError, ValueError):
            return value
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def records(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
    """A frame as JSON-safe records (NaN and NA become null)."""
    if frame is None or frame.empty:
        return []
    return [_clean(r) for r in frame.astype(object).where(frame.notna(), None).to_dict("records")]


def audit_to_dict(a: Audit) -> dict[str, Any]:
    """The audit as a ``fleetplan.audit/1`` document."""
    doc: dict[str, Any] = {
        "schema": AUDIT_SCHEMA,
        "files": _clean(a.files),
        "period": {"start": a.period_start, "end": a.period_end},
        "totals": _clean(a.totals),
        "spend": {k: records(v) for k, v in a.spend.items()},
        "ai_compute": {
            "by_accelerator": records(a.accelerators),
            "prices": records(a.prices),
            "by_month": records(a.usage),
            "unmapped_compute": {**_clean(a.unmapped_totals), "top": records(a.unmapped)},
        },
        "commitments": {"totals": _clean(a.commitment_totals), "items": records(a.commitments)},
        "concentration": _clean(a.concentration),
        "energy": {"totals": _clean(a.energy_totals), "by_region": records(a.energy)},
        "data_quality": {
            "rows_left_out": a.problem_count,
            "problems": _clean(a.problems),
            "notes": list(a.quality),
        },
        "notes": list(a.notes),
    }
    if a.monitor is not None:
        doc["monitor"] = _clean(a.monitor)
    if a.hindsight is not None:
        doc["hindsight"] = _clean(a.hindsight)
    return doc
