"""Shared base classes and small value types for the domain model."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from fleetplan.model.period import PeriodLength, periods_per_year

__all__ = [
    "CRITICALITIES",
    "OWN_PROVIDER_KINDS",
    "PRICING_MODELS",
    "PROVIDER_KINDS",
    "RESERVATION_TERM_YEARS",
    "RESERVED_MODELS",
    "SENSITIVITIES",
    "Criticality",
    "InputModel",
    "Name",
    "NonNegFloat",
    "PeriodLabel",
    "PosFloat",
    "PricingModel",
    "ProviderKind",
    "Sensitivity",
    "Share",
    "reservation_term_periods",
]

PricingModel = Literal["on_demand", "spot", "reserved_1y", "reserved_3y", "owned"]
PRICING_MODELS: tuple[str, ...] = ("on_demand", "spot", "reserved_1y", "reserved_3y", "owned")
RESERVATION_TERM_YEARS: Mapping[str, int] = MappingProxyType({"reserved_1y": 1, "reserved_3y": 3})
"""The term of each reserved pricing model, in years: a reservation is paid for all of it."""
RESERVED_MODELS: tuple[str, ...] = tuple(RESERVATION_TERM_YEARS)

ProviderKind = Literal["cloud", "gpu_cloud", "onprem", "colo", "edge"]
PROVIDER_KINDS: tuple[str, ...] = ("cloud", "gpu_cloud", "onprem", "colo", "edge")
OWN_PROVIDER_KINDS: tuple[str, ...] = ("onprem", "colo", "edge")
"""Kinds of the company's own providers: what owned sites belong to (no onboarding when declared)."""

Sensitivity = Literal["public", "internal", "confidential", "regulated"]
SENSITIVITIES: tuple[str, ...] = ("public", "internal", "confidential", "regulated")

Criticality = Literal["low", "medium", "high", "critical"]
CRITICALITIES: tuple[str, ...] = ("low", "medium", "high", "critical")

_NAME_RE = r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,79}$"
Name = Annotated[str, Field(pattern=_NAME_RE, description="identifier: letters, digits, _ . : -")]
PosFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNegFloat = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


def _label_text(value: object) -> object:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


PeriodLabel = Annotated[str, BeforeValidator(_label_text), Field(max_length=16)]
"""A period label such as ``2027Q1``; a bare year written as a YAML number is accepted as text."""


class InputModel(BaseModel):
    """Base for every input type: unknown keys are errors, values are validated on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)


def reservation_term_periods(pricing_model: str, period: PeriodLength) -> int | None:
    """Periods of a reservation under ``pricing_model`` (None when it is not a reservation)."""
    years = RESERVATION_TERM_YEARS.get(pricing_model)
    return None if years is None else years * periods_per_year(period)


def is_name(text: str) -> bool:
    """True when ``text`` is a valid identifier for providers, regions, sites and workloads."""
    return re.match(_NAME_RE, text) is not None
