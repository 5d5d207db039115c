"""Planning assumptions: the defaults the models fall back to, read once from ``assumptions.csv``.

Each row of ``assumptions.csv`` (``name,value,unit,source``) is one assumption; this module binds
it to a constant named like the row in capitals, and every module that needs the value imports
that constant (the power model, the candidate builder, the verifier, operations re-plans). The
sources are in the table's ``source`` column; ``SOURCES.md`` gives the background. A scenario
overrides most of them (``workloads[].power_utilization``, ``providers[].server_overhead``,
``regions[].pue``, ...): these are the values used where it says nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType

__all__ = [
    "ASSUMPTIONS",
    "DEFAULT_CLOUD_SERVER_OVERHEAD",
    "DEFAULT_OWNED_SERVER_OVERHEAD",
    "DEFAULT_SPOT_RATE_PER_HOUR",
    "DEFAULT_UTILIZATION",
    "EMBODIED_KGCO2E_PER_ACCELERATOR_HOUR",
    "FALLBACK_GRID_KGCO2E_PER_KWH",
    "FALLBACK_PUE",
    "SPOT_RESTART_HOURS",
    "STACK_ADOPTION_MONTHS_FROM_BASIC",
    "STACK_ADOPTION_MONTHS_FROM_NONE",
    "STACK_ADOPTION_USD_FROM_BASIC",
    "STACK_ADOPTION_USD_FROM_NONE",
    "UNSERVED_USD_PER_ACCELERATOR_HOUR",
    "Assumption",
]


@dataclass(frozen=True)
class Assumption:
    """One row of ``assumptions.csv``."""

    name: str
    value: float
    unit: str
    source: str


def _read() -> Mapping[str, Assumption]:
    text = resources.files("fleetplan.data").joinpath("assumptions.csv").read_text("utf-8")
    rows = csv.DictReader(io.StringIO(text))
    table = {r["name"]: Assumption(r["name"], float(r["value"]), r["unit"], r["source"]) for r in rows}
    return MappingProxyType(table)


ASSUMPTIONS: Mapping[str, Assumption] = _read()
"""Every assumption by name, in table order."""

DEFAULT_UTILIZATION: float = ASSUMPTIONS["default_utilization"].value
"""Average accelerator power as a share of TDP (energy accounting, not the site power limit)."""

DEFAULT_CLOUD_SERVER_OVERHEAD: float = ASSUMPTIONS["default_cloud_server_overhead"].value
"""Server power over accelerator power of rented capacity."""

DEFAULT_OWNED_SERVER_OVERHEAD: float = ASSUMPTIONS["default_owned_server_overhead"].value
"""Server power over accelerator power of an owned server type (its ``power_overhead_factor``)."""

FALLBACK_PUE: float = ASSUMPTIONS["fallback_pue"].value
"""PUE of a region that publishes none."""

FALLBACK_GRID_KGCO2E_PER_KWH: float = ASSUMPTIONS["fallback_grid_kgco2e_per_kwh"].value
"""Grid intensity of a region or site without a value."""

EMBODIED_KGCO2E_PER_ACCELERATOR_HOUR: float = ASSUMPTIONS["embodied_kgco2e_per_accelerator_hour"].value
"""Manufacturing emissions per accelerator-hour, counted when ``objective.include_embodied``."""

DEFAULT_SPOT_RATE_PER_HOUR: float = ASSUMPTIONS["default_spot_rate_per_hour"].value
"""Spot interruptions per instance-hour where the catalog gives none."""

SPOT_RESTART_HOURS: float = ASSUMPTIONS["spot_restart_hours"].value
"""Hours lost to rescheduling and restoring a checkpoint after a spot interruption."""

UNSERVED_USD_PER_ACCELERATOR_HOUR: float = ASSUMPTIONS["unserved_usd_per_accelerator_hour"].value
"""Penalty of an unserved accelerator-hour in incident re-plans, before the criticality weight."""

STACK_ADOPTION_USD_FROM_NONE: float = ASSUMPTIONS["stack_adoption_usd_from_none"].value
"""One-off cost of adopting a software stack the team has never run (skill level ``none``)."""

STACK_ADOPTION_MONTHS_FROM_NONE: float = ASSUMPTIONS["stack_adoption_months_from_none"].value
"""Months from the start of an adoption from level ``none`` to the stack's first production use."""

STACK_ADOPTION_USD_FROM_BASIC: float = ASSUMPTIONS["stack_adoption_usd_from_basic"].value
"""One-off cost of adopting a software stack the team knows at level ``basic``."""

STACK_ADOPTION_MONTHS_FROM_BASIC: float = ASSUMPTIONS["stack_adoption_months_from_basic"].value
"""Months from the start of an adoption from level ``basic`` to the stack's first production use."""
