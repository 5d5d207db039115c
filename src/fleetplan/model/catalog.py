"""Provider, Region, Offering and Catalog: what can be bought, where, at what price."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from fleetplan.model.base import InputModel, Name, NonNegFloat, PricingModel, ProviderKind

__all__ = ["Catalog", "Offering", "Provider", "Region"]


class Provider(InputModel):
    """A vendor of capacity: a cloud, a GPU cloud, the company's own data centers, a colo, an edge network.

    ``utilization`` and ``server_overhead`` (optional) override the power model's defaults for this
    provider's capacity (:mod:`fleetplan.energy.power`); owned servers keep their server type's
    overhead factor.
    """

    name: Name
    display_name: str | None = None
    kind: ProviderKind
    tags: list[str] = Field(default_factory=list)
    onboarding_cost_usd: NonNegFloat = 0.0
    utilization: float | None = Field(default=None, gt=0, le=1, description="average power / TDP")
    server_overhead: float | None = Field(default=None, ge=1.0, le=6.0, description="server / accelerator power")
    source: str | None = None


class Region(InputModel):
    """Where capacity sits: a cloud region (catalog) with its grid carbon intensity and PUE."""

    provider: Name
    name: Name
    display_name: str | None = None
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    latency_zone: str | None = None
    tags: list[str] = Field(default_factory=list)
    grid_kgco2e_per_kwh: NonNegFloat | None = None
    grid_source: str | None = None
    pue: float | None = Field(default=None, ge=1.0, le=3.0)
    pue_source: str | None = None


class Offering(BaseModel):
    """One buyable unit: provider x region x instance type x pricing model (a catalog row)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    provider: str
    region: str
    instance_type: str
    accelerator: str
    accelerator_count: int = Field(ge=1)
    pricing_model: PricingModel
    price_usd_per_hour: NonNegFloat
    capex_usd: NonNegFloat | None = None
    lifetime_years: float | None = Field(default=None, gt=0)
    lead_time_periods: float | None = Field(default=None, ge=0)
    availability_max_instances: float | None = Field(default=None, ge=0)
    spot_interruption_rate_per_hour: float | None = Field(default=None, ge=0)
    vcpus: float | None = None
    memory_gib: float | None = None
    price_date: str | None = None
    source: str

    @property
    def usd_per_accelerator_hour(self) -> float:
        """Hourly price divided by accelerators per instance."""
        return self.price_usd_per_hour / self.accelerator_count


@dataclass(frozen=True)
class Catalog:
    """The normalized catalog: three tables with the columns of :mod:`fleetplan.catalog.schema`.

    ``offerings`` gains a derived column ``usd_per_accelerator_hour`` and the provider ``kind`` and
    the accelerator ``vendor`` so that filters need no joins.
    """

    offerings: pd.DataFrame
    regions: pd.DataFrame
    providers: pd.DataFrame
    sources: tuple[str, ...] = field(default=())

    def __len__(self) -> int:
        return len(self.offerings)

    def offering(self, index: int) -> Offering:
        """Row ``index`` of the offerings table as a typed :class:`Offering`."""
        row = self.offerings.iloc[index]
        data = {k: (None if pd.isna(row[k]) else row[k]) for k in Offering.model_fields}
        return Offering.model_validate(data)
