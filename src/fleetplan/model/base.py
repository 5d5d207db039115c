"""Shared base classes and small value types for the domain model."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

__all__ = [
    "CRITICALITIES",
    "PRICING_MODELS",
    "PROVIDER_KINDS",
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
]

PricingModel = Literal["on_demand", "spot", "reserved_1y", "reserved_3y", "owned"]
PRICING_MODELS: tuple[str, ...] = ("on_demand", "spot", "reserved_1y", "reserved_3y", "owned")

ProviderKind = Literal["cloud", "gpu_cloud", "onprem", "colo", "edge"]
PROVIDER_KINDS: tuple[str, ...] = ("cloud", "gpu_cloud", "onprem", "colo", "edge")

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


def is_name(text: str) -> bool:
    """True when ``text`` is a valid identifier for providers, regions, sites and workloads."""
    return re.match(_NAME_RE, text) is not None
