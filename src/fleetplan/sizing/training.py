"""Training (pre-training and full fine-tuning): FLOPs -> accelerator-hours, and the memory floor.

    FLOPs        = 6 · N_active · D  (+ 12 · L · d · ctx · D when the architecture is given)
    GPU-hours    = FLOPs / (peak_tflops(precision) · 1e12 · MFU · goodput) / 3600
    memory floor = (16 B · N_total + 34 B · ctx · d · L) / (0.9 · device memory) -> placement size

The attention term is the PaLM convention (Chowdhery et al. 2022, appendix B) that MFU figures are
quoted against. Defaults and their sources live in :mod:`fleetplan.sizing.defaults`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from fleetplan.model.accelerator import Accelerator
from fleetplan.model.workload import ModelSpec
from fleetplan.sizing import defaults as D
from fleetplan.sizing.defaults import SizingError

__all__ = [
    "TrainingEstimate",
    "as_model_spec",
    "check_training_precision",
    "estimate_training",
    "finish_training_estimate",
    "min_accelerators",
    "training_flops",
    "training_memory_bytes",
]

_TRAIN_PRECISIONS = ("bf16", "fp16", "fp8")


@dataclass(frozen=True)
class TrainingEstimate:
    """Result of a training / fine-tuning estimate on one accelerator type.

    ``gpu_hours`` are accelerator-hours whatever the vendor; ``memory_gb_*`` are GiB.
    ``wall_clock_days`` is set when a gang size (``gpus``) is given; ``concurrent_gpus`` when a
    time window is given (accelerators needed to finish inside it, at least ``min_gpus``).
    """

    accelerator: str
    method: str
    precision: str
    params: float
    active_params: float
    tokens: float
    flops_per_token: float
    flops: float
    peak_tflops: float
    mfu: float
    goodput: float
    gpu_hours: float
    memory_gb_total: float
    memory_gb_per_gpu: float
    min_gpus: int
    hidden_size: int
    layers: int
    context_tokens: int
    gpus: int | None = None
    wall_clock_days: float | None = None
    window_hours: float | None = None
    concurrent_gpus: float | None = None
    fits: bool = True
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (units in the key names)."""
        return asdict(self)


def as_model_spec(model: ModelSpec | float, active_params: float | None = None) -> ModelSpec:
    """``model`` as a :class:`ModelSpec` (a bare number is total params)."""
    if isinstance(model, ModelSpec):
        if active_params is not None:
            return model.model_copy(update={"active_params": active_params})
        return model
    return ModelSpec(params=float(model), active_params=active_params)


def _active(spec: ModelSpec) -> float:
    return float(spec.active_params or spec.params)


def training_flops(
    active_params: float,
    tokens: float,
    *,
    layers: int | None = None,
    hidden_size: int | None = None,
    context_tokens: int | None = None,
    flops_per_param_token: float = 6.0,
) -> float:
    """Training FLOPs: ``c · N_active · D`` plus ``(c·2) · L · d · ctx · D`` attention when the
    architecture (layers, hidden size, context) is given; ``c = 6`` (forward + backward)."""
    per_token = flops_per_param_token * active_params
    if layers and hidden_size and context_tokens:
        per_token += 2.0 * flops_per_param_token * layers * hidden_size * context_tokens
    return per_token * tokens


def training_memory_bytes(
    params: float,
    shape: D.ModelShape,
    context_tokens: int,
    *,
    bytes_per_param: float = D.TRAINING_BYTES_PER_PARAM,
    full_checkpointing: bool = False,
) -> float:
    """Model state plus activations for a micro-batch of one sequence.

    Selective recomputation keeps ``34 · s · h`` bytes per layer (Korthikanti et al. 2022); full
    checkpointing (usual for LoRA/QLoRA) keeps each layer's 16-bit input (``2 · s · h``) plus one
    layer's activations while it is recomputed.
    """
    per_layer = D.ACTIVATION_BYTES_PER_TOKEN_HIDDEN_LAYER * context_tokens * shape.hidden_size
    if full_checkpointing:
        activations = 2.0 * context_tokens * shape.hidden_size * shape.layers + per_layer
    else:
        activations = per_layer * shape.layers
    return bytes_per_param * params + activations


def min_accelerators(total_bytes: float, accelerator: Accelerator, fraction: float) -> int:
    """Smallest placement size (1, 2, 4, 8 … whole nodes) whose memory holds ``total_bytes``."""
    usable = D.memory_bytes(accelerator) * fraction
    return D.round_to_placement(total_bytes / usable, accelerator)


def check_training_precision(precision: str) -> str:
    """The training precision to size with (fp16 sizes as bf16); SizingError for others."""
    p = precision.lower()
    if p not in _TRAIN_PRECISIONS:
        raise SizingError(f"precision {precision!r} is not supported for training (use bf16 or fp8)")
    return "bf16" if p == "fp16" else p


def finish_training_estimate(
    *,
    accelerator: Accelerator,
    method: str,
    precision: str,
    spec: ModelSpec,
    tokens: float,
    flops_per_param_token: float,
    bytes_per_param: float,
    mfu: float | None,
    goodput: float | None,
    mfu_factor: float,
    gpus: int | None,
    window_hours: float | None,
) -> TrainingEstimate:
    """The estimate of a training or fine-tuning run of ``tokens`` on ``accelerator``, given the
    method's FLOPs and memory per parameter (shared by :func:`estimate_training` and
    :func:`fleetplan.sizing.estimate_finetune`)."""
    if tokens <= 0 or not math.isfinite(tokens):
        raise SizingError(f"tokens must be a positive number, got {tokens!r}")
    active = _active(spec)
    shape = D.model_shape(
        active,
        layers=spec.layers,
        hidden_size=spec.hidden_size,
        heads=spec.heads,
        kv_heads=spec.kv_heads,
        head_dim=spec.head_dim,
    )
    context = int(spec.context_tokens or D.DEFAULT_CONTEXT_TOKENS)
    flops = training_flops(
        active,
        tokens,
        layers=spec.layers,
        hidden_size=spec.hidden_size,
        context_tokens=spec.context_tokens,
        flops_per_param_token=flops_per_param_token,
    )
    peak = accelerator.peak_tflops(precision)
    used_mfu = float(mfu) if mfu is not None else D.default_mfu(accelerator, precision, shape.hidden_size)
    used_mfu *= mfu_factor
    used_goodput = float(goodput) if goodput is not None else D.default_goodput(accelerator)
    gpu_hours = flops / (peak * 1e12 * used_mfu * used_goodput) / 3600.0
    total_bytes = training_memory_bytes(
        spec.params,
        shape,
        context,
        bytes_per_param=bytes_per_param,
        full_checkpointing=method != "full",
    )
    floor = min_accelerators(total_bytes, accelerator, D.TRAINING_MEMORY_FRACTION)
    fits, reason = True, ""
    wall_clock_days = None
    if gpus is not None:
        wall_clock_days = gpu_hours / gpus / 24.0
        if gpus < floor:
            fits = False
            reason = (
                f"{gpus} x {accelerator.name} hold {gpus * accelerator.memory_gb:,.0f} GB; "
                f"training needs {total_bytes / D.GIB:,.0f} GB (at least {floor} accelerators)"
            )
    concurrent = None
    if window_hours is not None and window_hours > 0:
        concurrent = max(float(floor), gpu_hours / window_hours)
    return TrainingEstimate(
        accelerator=accelerator.name,
        method=method,
        precision=precision,
        params=float(spec.params),
        active_params=active,
        tokens=float(tokens),
        flops_per_token=flops / tokens,
        flops=flops,
        peak_tflops=peak,
        mfu=used_mfu,
        goodput=used_goodput,
        gpu_hours=gpu_hours,
        memory_gb_total=total_bytes / D.GIB,
        memory_gb_per_gpu=accelerator.memory_gb,
        min_gpus=floor,
        hidden_size=shape.hidden_size,
        layers=shape.layers,
        context_tokens=context,
        gpus=gpus,
        wall_clock_days=wall_clock_days,
        window_hours=window_hours,
        concurrent_gpus=concurrent,
        fits=fits,
        reason=reason,
    )


def estimate_training(
    model: ModelSpec | float,
    tokens: float,
    accelerator: Accelerator,
    *,
    active_params: float | None = None,
    precision: str = "bf16",
    mfu: float | None = None,
    goodput: float | None = None,
    gpus: int | None = None,
    window_hours: float | None = None,
) -> TrainingEstimate:
    """Pre-training or full fine-tuning of ``model`` on ``tokens`` tokens on ``accelerator``.

    ``model`` is a :class:`ModelSpec` or total params. MoE: compute uses ``active_params``, memory
    the total. ``mfu``/``goodput`` override the defaults of :func:`defaults.default_mfu` /
    :data:`defaults.DEFAULT_GOODPUT`. ``gpus`` gives the gang size (-> ``wall_clock_days``);
    ``window_hours`` the time available (-> ``concurrent_gpus``).
    """
    spec = as_model_spec(model, active_params)
    return finish_training_estimate(
        accelerator=accelerator,
        method="full",
        precision=check_training_precision(precision),
        spec=spec,
        tokens=tokens,
        flops_per_param_token=6.0,
        bytes_per_param=D.TRAINING_BYTES_PER_PARAM,
        mfu=mfu,
        goodput=goodput,
        mfu_factor=1.0,
        gpus=gpus,
        window_hours=window_hours,
    )
