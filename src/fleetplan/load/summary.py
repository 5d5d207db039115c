"""What a valid scenario holds, as the ``fleetplan.validation/1`` document."""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args

from fleetplan.load.scenario import scenario_catalog
from fleetplan.model.scenario import Scenario
from fleetplan.model.workload import WorkloadKind

__all__ = ["VALIDATION_SCHEMA", "validation_summary"]

VALIDATION_SCHEMA = "fleetplan.validation/1"


def validation_summary(sc: Scenario, *, file: str | Path | None = None) -> dict[str, Any]:
    """The ``fleetplan.validation/1`` document of a scenario that loaded without problems: its
    periods, workloads per kind, owned sites, and the offerings and providers of its catalog.
    ``file`` is the path it was read from, as given (None when it did not come from a file)."""
    cat = scenario_catalog(sc)
    return {
        "schema": VALIDATION_SCHEMA,
        "file": None if file is None else str(file),
        "valid": True,
        "name": sc.name,
        "periods": sc.horizon.labels(),
        "workloads": len(sc.workloads),
        "workloads_by_kind": {k: sum(w.kind == k for w in sc.workloads) for k in get_args(WorkloadKind)},
        "sites": len(sc.sites),
        "offerings": len(cat.offerings),
        "providers": int(cat.offerings["provider"].nunique()),
    }
