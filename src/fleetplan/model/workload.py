"""Workloads: what the organization runs (train, finetune, batch, serve) and its requirements."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from fleetplan.model.base import (
    Criticality,
    InputModel,
    Name,
    NonNegFloat,
    PeriodLabel,
    PosFloat,
    PricingModel,
    Sensitivity,
    Share,
)

__all__ = [
    "SLO",
    "Demand",
    "ModelSpec",
    "Precision",
    "Window",
    "Workload",
    "WorkloadKind",
]

WorkloadKind = Literal["train", "finetune", "batch", "serve"]
Precision = Literal["bf16", "fp16", "fp8", "int8", "int4"]


class ModelSpec(InputModel):
    """The model a workload trains or serves. Architecture fields sharpen the estimates when given."""

    params: PosFloat = Field(description="total parameters")
    active_params: PosFloat | None = Field(default=None, description="per-token active (MoE)")
    layers: int | None = Field(default=None, ge=1, le=1000)
    hidden_size: int | None = Field(default=None, ge=1)
    heads: int | None = Field(default=None, ge=1)
    kv_heads: int | None = Field(default=None, ge=1)
    head_dim: int | None = Field(default=None, ge=1)
    context_tokens: int | None = Field(default=None, ge=1, le=10_000_000)


class Window(InputModel):
    """When a workload runs: first and last period label (inclusive). Open ends mean the horizon's."""

    start: PeriodLabel | None = None
    end: PeriodLabel | None = None


class Demand(InputModel):
    """How much a workload asks for. Which fields apply depends on the workload kind.

    serve: ``peak_rps`` with request shape ``input_tokens``/``output_tokens``.
    batch: ``tokens_per_period`` (input + output tokens processed in each period).
    All kinds: ``growth_per_period`` compounds each period; ``per_period`` overrides by label.
    """

    peak_rps: PosFloat | None = None
    tokens_per_period: PosFloat | None = None
    input_tokens: int = Field(default=1000, ge=1, le=10_000_000)
    output_tokens: int = Field(default=200, ge=1, le=10_000_000)
    growth_per_period: float = Field(default=0.0, ge=-0.9, le=10.0, allow_inf_nan=False)
    headroom: float = Field(default=0.2, ge=0.0, le=10.0, description="extra serving capacity share")
    per_period: dict[PeriodLabel, PosFloat] = Field(default_factory=dict)


class SLO(InputModel):
    """Latency targets for serving: time to first token and time per output token."""

    ttft_ms: PosFloat | None = None
    tpot_ms: PosFloat | None = None


class Workload(InputModel):
    """Something the organization runs, with its placement requirements.

    ``interruptible`` allows spot capacity (with a rework overhead from the interruption rate and
    ``checkpoint_interval_hours``). ``optional`` workloads may be dropped when their ``value_usd``
    does not pay for them.
    """

    name: Name
    kind: WorkloadKind
    description: str = ""
    model: ModelSpec
    precision: Precision = "bf16"
    tokens: PosFloat | None = Field(default=None, description="training tokens (train, finetune)")
    method: Literal["full", "lora", "qlora"] = "full"
    window: Window = Field(default_factory=Window)
    demand: Demand = Field(default_factory=Demand)
    slo: SLO = Field(default_factory=SLO)
    accelerators: list[str] | None = Field(default=None, description="allowed accelerators")
    pricing_models: list[PricingModel] | None = None
    providers: list[Name] | None = Field(default=None, description="allowed providers")
    sites: list[Name] | None = Field(default=None, description="allowed owned sites")
    sensitivity: Sensitivity = "internal"
    residency: list[str] | None = Field(
        default=None, description="allowed country codes (US, DE) or region tags (eu, sovereign)"
    )
    latency_zones: list[str] | None = None
    criticality: Criticality = "medium"
    interruptible: bool = False
    checkpoint_interval_hours: PosFloat = 1.0
    gpus: int | None = Field(default=None, ge=1, le=1_000_000, description="fixed gang size (train)")
    mfu: float | None = Field(default=None, gt=0, le=1)
    goodput: float | None = Field(default=None, gt=0, le=1)
    power_utilization: float | None = Field(
        default=None, gt=0, le=1, description="average accelerator power / TDP while it runs (energy)"
    )
    optional: bool = False
    value_usd: NonNegFloat | None = Field(default=None, description="value if served (optional)")
    min_providers: int | None = Field(default=None, ge=1, le=20)
    max_share_per_provider: Share | None = None
