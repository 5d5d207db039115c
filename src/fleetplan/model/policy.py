"""Organization-wide policy: shares, diversity, budgets, carbon, residency, pricing models."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

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

__all__ = ["ROLLOUT_KINDS", "ROLLOUT_MIN_START", "Policy", "ResidencyRule", "Rollout", "RolloutKind", "min_providers"]


class ResidencyRule(InputModel):
    """Where data of one sensitivity may go.

    A placement is allowed when its provider kind is in ``kinds`` or the provider/region carries one
    of ``tags``; and, when ``countries`` is given, its country is listed.
    """

    kinds: list[ProviderKind] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    countries: list[str] | None = None


RolloutKind = Literal["provider", "vendor", "accelerator"]
ROLLOUT_KINDS: tuple[RolloutKind, ...] = ("provider", "vendor", "accelerator")
"""What can be new to the organization, and so piloted before it is scaled."""
ROLLOUT_MIN_START = 1e-2
"""Accelerators in service (average over the period) that make a period one of use for the
rollout rules: the planner's first period of use carries at least this much (its start binary
turns on only where there is use), and the verifier counts a period as one of use, and a critical
workload as present, from half of it (solver tolerances leave tiny amounts elsewhere)."""


class Rollout(InputModel):
    """Roll out in phases: what is new to the organization starts as a pilot, then grows on a ramp.

    For every entity e new to the organization (a provider, chip vendor or accelerator of a kind in
    ``applies_to``; see :func:`fleetplan.load.known_entities`) let A[e,t] be its accelerators in
    service in period t (its placements' accelerator-hours / hours of the period). The pilot is the
    first ``pilot_periods`` periods from the first period e is used:

        pilot:    A[e,t] <= pilot_max_accelerators  and  A[e,t] <= pilot_max_share x A[t]
                  (A[t]: every placement's accelerators in t)
        ramp:     A[e,t] <= max_growth_per_period x A[e,t-1] + the pilot cap (after the pilot)
        critical: no critical workload runs on a provider during its pilot

    The math and defaults are in docs/rollout.md.
    """

    pilot_periods: int = Field(default=2, ge=1, le=24)
    pilot_max_accelerators: NonNegFloat | None = None
    pilot_max_share: Share | None = None
    max_growth_per_period: float | None = Field(default=None, ge=1.0, le=1000.0, allow_inf_nan=False)
    critical_after_pilot: bool = True
    applies_to: list[RolloutKind] = Field(default_factory=lambda: ["provider", "vendor"], min_length=1)
    known_vendors: list[str] = Field(default_factory=list)
    known_accelerators: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _has_a_floor(self) -> Rollout:
        if self.max_growth_per_period is not None and self.pilot_cap_missing:
            raise ValueError(
                "max_growth_per_period needs pilot_max_accelerators or pilot_max_share (the pilot cap is the "
                "ramp's floor)"
            )
        return self

    @property
    def pilot_cap_missing(self) -> bool:
        """Neither pilot cap is given (the pilot then bars only critical workloads)."""
        return self.pilot_max_accelerators is None and self.pilot_max_share is None


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
    rollout:           pilots before scale and growth ramps for what is new (:class:`Rollout`)
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
    rollout: Rollout | None = None


def min_providers(w: Workload, policy: Policy) -> int:
    """Distinct providers ``w`` must run on: its own ``min_providers``, else the policy's
    ``min_providers_critical`` for a critical workload, else 1."""
    return w.min_providers or (policy.min_providers_critical if w.criticality == "critical" else 1)
