"""Organization-wide policy: shares, diversity, budgets, carbon, residency, pricing models."""

from __future__ import annotations

from pydantic import Field

from fleetplan.model.base import (
    PRICING_MODELS,
    InputModel,
    Name,
    NonNegFloat,
    PeriodLabel,
    PosFloat,
    PricingModel,
    ProviderKind,
    Sensitivity,
    Share,
)
from fleetplan.model.workload import Workload

__all__ = ["Policy", "ResidencyRule", "min_providers"]


class ResidencyRule(InputModel):
    """Where data of one sensitivity may go.

    A placement is allowed when its provider kind is in ``kinds`` or the provider/region carries one
    of ``tags``; and, when ``countries`` is given, its country is listed.
    """

    kinds: list[ProviderKind] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    countries: list[str] | None = None


def _default_residency() -> dict[str, ResidencyRule]:
    return {"regulated": ResidencyRule(kinds=["onprem", "colo"], tags=["sovereign"])}


class Policy(InputModel):
    """Rules the plan must satisfy. Shares are fractions of total spend over the horizon.

    provider share:    spend(p) <= max_provider_share x spend (and per-provider caps)
    chip-vendor share: spend(v) <= max_chip_vendor_share x spend
    diversity:         critical workloads run on >= min_providers_critical distinct providers
    N-1:               critical demand is still served with any one provider lost
    budgets:           spend(t) <= budget_usd_per_period (or budgets_usd[t])
    carbon:            emissions <= carbon_budget_tco2e (horizon) / per period
    """

    max_provider_share: Share | None = None
    provider_share_caps: dict[Name, Share] = Field(default_factory=dict)
    max_chip_vendor_share: Share | None = None
    chip_vendor_share_caps: dict[str, Share] = Field(default_factory=dict)
    min_providers_critical: int = Field(default=1, ge=1, le=10)
    min_provider_share_critical: Share = Field(
        default=0.2,
        gt=0,
        description="share of demand each counted provider must carry, every period (above 0: a counted "
        "provider carries real load)",
    )
    n_minus_1: bool = False
    budget_usd_per_period: PosFloat | None = None
    budgets_usd: dict[PeriodLabel, NonNegFloat] = Field(default_factory=dict)
    carbon_budget_tco2e: NonNegFloat | None = None
    carbon_budget_tco2e_per_period: NonNegFloat | None = None
    residency: dict[Sensitivity, ResidencyRule] = Field(default_factory=_default_residency)
    allowed_pricing_models: list[PricingModel] = Field(default_factory=lambda: list(PRICING_MODELS))
    excluded_providers: list[Name] = Field(default_factory=list)


def min_providers(w: Workload, policy: Policy) -> int:
    """Distinct providers ``w`` must run on: its own ``min_providers``, else the policy's
    ``min_providers_critical`` for a critical workload, else 1."""
    return w.min_providers or (policy.min_providers_critical if w.criticality == "critical" else 1)
