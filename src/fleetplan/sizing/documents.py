"""The ``fleetplan.size.<kind>/1`` documents of ``fleetplan size``: one estimate as JSON data."""

from __future__ import annotations

import math
from typing import Any, Protocol

from fleetplan._format import json_safe
from fleetplan.sizing.serving import ServingEstimate, replicas_needed

__all__ = ["serving_document", "size_document"]


class _Estimate(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


def size_document(kind: str, estimate: _Estimate, **extra: Any) -> dict[str, Any]:
    """``fleetplan.size.<kind>/1``: the estimate's figures then ``extra`` ones, units in the key
    names. Figures that do not apply (None) are left out; NaN and infinity become null."""
    doc = {"schema": f"fleetplan.size.{kind}/1", **estimate.to_dict(), **extra}
    return {k: json_safe(v) for k, v in doc.items() if v is not None}


def serving_document(estimate: ServingEstimate, *, rps: float | None = None, headroom: float = 0.0) -> dict[str, Any]:
    """``fleetplan.size.serve/1``; with a peak ``rps``, also the replicas and accelerators needed
    (whole replicas, with a ``headroom`` share of spare capacity) and the fractional count."""
    extra: dict[str, Any] = {}
    if rps is not None:
        exact = replicas_needed(rps, estimate, headroom=headroom)
        whole = math.ceil(exact - 1e-9) if math.isfinite(exact) else None
        extra = {
            "rps": rps,
            "headroom": headroom,
            "replicas_needed": whole,
            "replicas_needed_exact": exact,
            "accelerators_needed": whole * estimate.gpus if whole is not None else None,
        }
    return size_document("serve", estimate, **extra)
