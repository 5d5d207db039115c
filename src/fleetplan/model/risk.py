"""The scenario's optional ``risk:`` section: outage rates, events, supply shocks, N-1 premium.

Everything has a default, so a scenario without a ``risk:`` section gets a full risk analysis:

```yaml
risk:
  contingency_duration_hours: 168        # how long each contingency event lasts (one week)
  provider_outages:                      # keys: provider name or provider kind
    aws: {outages_per_year: 0.5, mean_duration_hours: 4}
    gpu_cloud: {outages_per_year: 1.5, mean_duration_hours: 10}
  region_outages:                        # keys: provider/region, site, provider or kind
    aws/us-east-1: {outages_per_year: 1.5, mean_duration_hours: 6}
  events:                                # declared contingencies (beside the automatic ones)
    - {name: nvidia-recall, vendors: [nvidia], duration_hours: 720}
    - {name: storm, regions: [aws/us-east-1, dc-ashburn], start: 2027Q3, duration_hours: 48}
  shocks:                                # supply shocks applied to the plan
    - {kind: vendor_delay, vendor: nvidia, periods: 2}
    - {kind: price, provider: aws, increase: 0.3}
    - {kind: spot_cap, share: 0.5}
  n_minus_1_premium: true                # also plan with policy.n_minus_1 and report the premium
  monte_carlo_draws: 10000
  seed: 0
```
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from fleetplan.model.base import (
    InputModel,
    Name,
    NonNegFloat,
    PeriodLabel,
    PosFloat,
    PricingModel,
    Share,
)

__all__ = [
    "OutageRate",
    "PriceShock",
    "RiskEvent",
    "RiskSettings",
    "Shock",
    "SpotCap",
    "VendorDelay",
]


class OutageRate(InputModel):
    """How often a provider or region fails (outages per year) and for how long (mean hours).

    Monte Carlo draws the number of outages in a period from a Poisson law with mean
    ``outages_per_year x years per period`` and each duration from an exponential law with mean
    ``mean_duration_hours`` (capped at the period).
    """

    outages_per_year: NonNegFloat = Field(le=1000)
    mean_duration_hours: PosFloat = Field(le=1e9)


class RiskEvent(InputModel):
    """A declared contingency: the listed capacity is lost for ``duration_hours`` from ``start``.

    ``regions`` are ``provider/region`` pairs or owned site names. Without ``start`` the event is
    placed at the period where it hurts most (worst case).
    """

    name: Name
    description: str = ""
    providers: list[Name] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list)
    vendors: list[str] = Field(default_factory=list)
    pricing_models: list[PricingModel] = Field(default_factory=list)
    start: PeriodLabel | None = None
    duration_hours: PosFloat | None = Field(default=None, le=1e6)

    @model_validator(mode="after")
    def _something_lost(self) -> RiskEvent:
        if not (self.providers or self.regions or self.vendors or self.pricing_models):
            raise ValueError("an event must name at least one of providers, regions, vendors, pricing_models")
        return self


class VendorDelay(InputModel):
    """A chip vendor's deliveries slip by ``periods``: owned servers with its chips arrive later."""

    kind: Literal["vendor_delay"]
    vendor: str = Field(min_length=1, max_length=80)
    periods: int = Field(ge=1, le=40)
    name: Name | None = None


class PriceShock(InputModel):
    """A provider's prices rise by ``increase`` (0.3 = +30 %), for the listed pricing models."""

    kind: Literal["price"]
    provider: Name
    increase: float = Field(gt=-1.0, le=100.0, allow_inf_nan=False)
    pricing_models: list[PricingModel] = Field(default_factory=lambda: ["on_demand", "spot"])
    name: Name | None = None


class SpotCap(InputModel):
    """Spot capacity shrinks to ``share`` of what the plan uses (0 = no spot at all)."""

    kind: Literal["spot_cap"]
    share: Share
    providers: list[Name] | None = None
    name: Name | None = None


Shock = Annotated[VendorDelay | PriceShock | SpotCap, Field(discriminator="kind")]


class RiskSettings(InputModel):
    """Inputs of the risk analysis (all optional; see the module docstring)."""

    contingency_duration_hours: PosFloat = Field(default=168.0, le=1e6)
    provider_outages: dict[str, OutageRate] = Field(default_factory=dict)
    region_outages: dict[str, OutageRate] = Field(default_factory=dict)
    events: list[RiskEvent] = Field(default_factory=list)
    shocks: list[Shock] = Field(default_factory=list)
    n_minus_1_premium: bool = True
    monte_carlo_draws: int = Field(default=10_000, ge=100, le=10_000_000)
    seed: int = Field(default=0, ge=0)
