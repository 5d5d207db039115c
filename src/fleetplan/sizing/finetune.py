"""Fine-tuning: full (same as training), LoRA and QLoRA rules of thumb.

    full   6 · N FLOPs/token, 16 B/param (mixed-precision Adam)
    lora   4 · N FLOPs/token (no weight gradients of the frozen base), 2 B/param for the base
           + 16 B for each adapter parameter (0.5 % of the base), full activation
           checkpointing
    qlora  as LoRA, base in NF4 (0.52 B/param), MFU × 0.75 for dequantization

Sources are in :mod:`fleetplan.sizing.defaults` (Hu et al. 2021; Dettmers et al. 2023).
"""

from __future__ import annotations

from typing import Literal

from fleetplan.model.accelerator import Accelerator
from fleetplan.model.workload import ModelSpec
from fleetplan.sizing import defaults as D
from fleetplan.sizing.defaults import SizingError
from fleetplan.sizing.training import (
    TrainingEstimate,
    as_model_spec,
    check_training_precision,
    finish_training_estimate,
)

__all__ = ["FINETUNE_METHODS", "estimate_finetune", "finetune_bytes_per_param"]

FinetuneMethod = Literal["full", "lora", "qlora"]
FINETUNE_METHODS: tuple[str, ...] = ("full", "lora", "qlora")


def finetune_bytes_per_param(method: str) -> float:
    """Memory per base parameter for model state (weights, gradients, optimizer)."""
    adapter = D.LORA_ADAPTER_PARAM_SHARE * D.TRAINING_BYTES_PER_PARAM
    if method == "full":
        return D.TRAINING_BYTES_PER_PARAM
    if method == "lora":
        return 2.0 + adapter
    if method == "qlora":
        return D.QLORA_WEIGHT_BYTES_PER_PARAM + adapter
    raise SizingError(f"unknown fine-tuning method {method!r} (use one of {', '.join(FINETUNE_METHODS)})")


def estimate_finetune(
    model: ModelSpec | float,
    tokens: float,
    accelerator: Accelerator,
    *,
    method: str = "lora",
    active_params: float | None = None,
    precision: str = "bf16",
    mfu: float | None = None,
    goodput: float | None = None,
    gpus: int | None = None,
    window_hours: float | None = None,
) -> TrainingEstimate:
    """Fine-tuning ``model`` on ``tokens`` tokens with ``method`` (full, lora, qlora).

    An explicit ``mfu`` is used as given (the QLoRA slow-down applies to the default only).
    """
    spec = as_model_spec(model, active_params)
    bytes_per_param = finetune_bytes_per_param(method)
    flops_per_param_token = 6.0 if method == "full" else D.LORA_FLOPS_PER_PARAM_TOKEN
    factor = D.QLORA_SPEED_FACTOR if (method == "qlora" and mfu is None) else 1.0
    return finish_training_estimate(
        accelerator=accelerator,
        method=method,
        precision=check_training_precision(precision),
        spec=spec,
        tokens=tokens,
        flops_per_param_token=flops_per_param_token,
        bytes_per_param=bytes_per_param,
        mfu=mfu,
        goodput=goodput,
        mfu_factor=factor,
        gpus=gpus,
        window_hours=window_hours,
    )
