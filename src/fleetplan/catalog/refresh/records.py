"""Normalized price records, the instance table, and the step from records to offerings.

Every source turns its price list into :class:`PriceRecord` values: one price per (provider,
region, instance type, pricing model, commitment), in USD per instance-hour. Commitment prices
quoted for a whole term are divided by the hours of the term here (:func:`term_hourly`), once.

Contract of :func:`to_offerings`: for each (provider, region, instance type, pricing model) the
cheapest record allowed by ``commitments`` becomes one offering row, its ``source`` naming the
URL, the SKU id and which commitment it is. A commitment price that is not below the on-demand
price of the same instance is not trusted: it becomes a :class:`RefreshProblem` instead of a row.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import pandas as pd

from fleetplan.catalog.hardware import resolve_accelerator
from fleetplan.catalog.schema import OFFERING_COLUMNS

__all__ = [
    "COMMITMENTS",
    "HOURS_PER_YEAR",
    "InstanceSpec",
    "PriceRecord",
    "RefreshProblem",
    "SourceResult",
    "instance_table",
    "term_hourly",
    "to_offerings",
]

HOURS_PER_YEAR = 8760
"""Hours in a commitment year: 365 days, as AWS (a 1-year term is 31,536,000 s) and Azure count them."""

COMMITMENTS = ("cheapest", "reservation", "savings_plan")
"""Which commitment prices may fill ``reserved_1y``/``reserved_3y``: the cheapest of any, or one kind."""


def term_hourly(term_price_usd: float, years: int, hourly_usd: float = 0.0) -> float:
    """Effective USD per hour of a commitment: ``hourly_usd + term_price_usd / (years x 8760 h)``.

    Azure's reservation ``unitPrice`` is the whole term (``hourly_usd`` 0); an AWS partial-upfront
    reservation is an upfront fee plus an hourly rate; an all-upfront one is the fee alone.
    """
    if years not in (1, 3):
        raise ValueError(f"commitment term {years!r} is not 1 or 3 years")
    return hourly_usd + term_price_usd / (years * HOURS_PER_YEAR)


@dataclass(frozen=True)
class InstanceSpec:
    """One row of ``data/instance_accelerators.csv``: what an instance type carries."""

    provider: str
    instance_type: str
    accelerator: str
    accelerator_count: int
    vcpus: float | None
    memory_gib: float | None


@lru_cache(maxsize=1)
def instance_table() -> dict[tuple[str, str], InstanceSpec]:
    """The bundled instance -> accelerator table keyed by (provider, instance type).

    Accelerator names go through the catalog's aliases, so the table may use any alias.
    """
    with resources.files("fleetplan.data").joinpath("instance_accelerators.csv").open("rb") as fh:
        frame = pd.read_csv(fh, dtype={"provider": str, "instance_type": str, "accelerator": str})
    out: dict[tuple[str, str], InstanceSpec] = {}
    for row in frame.to_dict("records"):
        spec = InstanceSpec(
            provider=row["provider"],
            instance_type=row["instance_type"],
            accelerator=resolve_accelerator(row["accelerator"]).name,
            accelerator_count=int(row["accelerator_count"]),
            vcpus=None if pd.isna(row["vcpus"]) else float(row["vcpus"]),
            memory_gib=None if pd.isna(row["memory_gib"]) else float(row["memory_gib"]),
        )
        out[(spec.provider, spec.instance_type)] = spec
    return out


@dataclass(frozen=True)
class PriceRecord:
    """One price from a price list, USD per instance-hour.

    ``pricing_model`` is on_demand, spot, reserved_1y or reserved_3y; ``commitment`` says which
    kind of commitment a reserved price is (``"reservation, all upfront"``, ``"savings plan, no
    upfront"``) and is empty otherwise.
    """

    provider: str
    region: str
    instance_type: str
    pricing_model: str
    price_usd_per_hour: float
    url: str
    sku: str
    commitment: str = ""

    @property
    def kind(self) -> str:
        """``reservation``, ``savings_plan`` or empty."""
        if not self.commitment:
            return ""
        return "savings_plan" if self.commitment.startswith("savings plan") else "reservation"


@dataclass(frozen=True)
class RefreshProblem:
    """A price that could not be read or was not trusted; listed, never silently dropped."""

    source: str
    sku: str
    message: str

    def one_line(self) -> str:
        """``source: sku: message``."""
        return f"{self.source}: {self.sku}: {self.message}" if self.sku else f"{self.source}: {self.message}"


@dataclass
class SourceResult:
    """What one source produced: records, problems, rows left out by reason, unmapped SKUs."""

    records: list[PriceRecord] = field(default_factory=list)
    problems: list[RefreshProblem] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    unmapped: Counter[str] = field(default_factory=Counter)
    urls: list[str] = field(default_factory=list)


def _source_text(rec: PriceRecord) -> str:
    what = f" ({rec.commitment})" if rec.commitment else ""
    return f"{rec.url} sku {rec.sku}{what}"


def to_offerings(
    records: list[PriceRecord], *, price_date: str, commitments: str = "cheapest"
) -> tuple[pd.DataFrame, list[RefreshProblem]]:
    """Offering rows (the ``OFFERING_COLUMNS``) from ``records``, and the prices not trusted.

    See the module docstring for the contract. Rows are sorted by provider, region, instance
    type and pricing model; accelerator facts come from :func:`instance_table`.
    """
    if commitments not in COMMITMENTS:
        raise ValueError(f"commitments {commitments!r} is not one of {', '.join(COMMITMENTS)}")
    table = instance_table()
    on_demand: dict[tuple[str, str, str], float] = {}
    for rec in records:
        if rec.pricing_model == "on_demand":
            key = (rec.provider, rec.region, rec.instance_type)
            on_demand[key] = min(on_demand.get(key, math.inf), rec.price_usd_per_hour)
    best: dict[tuple[str, str, str, str], PriceRecord] = {}
    problems: list[RefreshProblem] = []
    for rec in records:
        if rec.kind and commitments != "cheapest" and rec.kind != commitments:
            continue
        if rec.kind:
            od = on_demand.get((rec.provider, rec.region, rec.instance_type))
            if od is not None and rec.price_usd_per_hour >= od:
                problems.append(
                    RefreshProblem(
                        rec.provider,
                        rec.sku,
                        f"{rec.region} {rec.instance_type} {rec.pricing_model} ({rec.commitment}) "
                        f"${rec.price_usd_per_hour:.4f}/h is not below on-demand ${od:.4f}/h; left out",
                    )
                )
                continue
        key = (rec.provider, rec.region, rec.instance_type, rec.pricing_model)
        if key not in best or rec.price_usd_per_hour < best[key].price_usd_per_hour:
            best[key] = rec
    rows = []
    for key in sorted(best):
        rec = best[key]
        spec = table[(rec.provider, rec.instance_type)]
        rows.append(
            {
                "provider": rec.provider,
                "region": rec.region,
                "instance_type": rec.instance_type,
                "accelerator": spec.accelerator,
                "accelerator_count": spec.accelerator_count,
                "pricing_model": rec.pricing_model,
                "price_usd_per_hour": rec.price_usd_per_hour,
                "vcpus": spec.vcpus,
                "memory_gib": spec.memory_gib,
                "price_date": price_date,
                "source": _source_text(rec),
            }
        )
    frame = pd.DataFrame(rows, columns=list(OFFERING_COLUMNS))
    frame = frame.astype({c: t for c, t in OFFERING_COLUMNS.items() if t != "int64"})
    frame["accelerator_count"] = frame["accelerator_count"].astype("int64")
    return frame[list(OFFERING_COLUMNS)], problems
