"""Default assumptions of the sizing models, each with its published source.

Everything a sizing estimate assumes and that is not a fact of the accelerator or of the workload
lives here, so the docs (``docs/sizing.md``) and the code cannot drift apart. Every figure can be
overridden per workload (``mfu``, ``goodput``) or per call.

Units are in the names: ``_bytes``, ``_gb`` (binary GiB, see :data:`GIB`), ``_s``, ``_ms``.
"""

from __future__ import annotations

import bisect
import functools
import math
from dataclasses import dataclass

from fleetplan.errors import FleetplanError
from fleetplan.model.accelerator import Accelerator

__all__ = [
    "ACTIVATION_BYTES_PER_TOKEN_HIDDEN_LAYER",
    "BANDWIDTH_EFFICIENCY",
    "COLLECTIVE_LATENCY_S",
    "DECODE_COMPUTE_EFFICIENCY",
    "DEFAULT_CONTEXT_TOKENS",
    "DEFAULT_GOODPUT",
    "DEFAULT_INTERCONNECT_GB_S",
    "FP8_TRAINING_SPEEDUP",
    "GIB",
    "INTERCONNECT_EFFICIENCY",
    "KV_CACHE_BYTES",
    "KV_MEMORY_FRACTION",
    "LORA_ADAPTER_PARAM_SHARE",
    "LORA_FLOPS_PER_PARAM_TOKEN",
    "MAX_ACCELERATORS_PER_REPLICA",
    "MAX_BATCH",
    "MFU_OVERHEAD_K",
    "MFU_REFERENCES",
    "PREFILL_COMPUTE_EFFICIENCY",
    "QLORA_SPEED_FACTOR",
    "QLORA_WEIGHT_BYTES_PER_PARAM",
    "RUNTIME_RESERVE_GB",
    "SERVING_CALIBRATION",
    "SHAPES",
    "TRAINING_BYTES_PER_PARAM",
    "TRAINING_MEMORY_FRACTION",
    "WEIGHT_BYTES",
    "MfuReference",
    "ModelShape",
    "SizingError",
    "compute_precision",
    "default_goodput",
    "default_mfu",
    "family_key",
    "memory_bytes",
    "model_shape",
    "placement_sizes",
    "round_to_placement",
    "serving_calibration",
]


class SizingError(FleetplanError):
    """A workload cannot be sized: it fits no allowed accelerator, or its inputs are unusable.

    Defined here (the module every sizing module imports) and exported as
    ``fleetplan.sizing.SizingError``. Exit code 2 (bad input).
    """

    exit_code = 2


GIB = float(2**30)
"""Bytes per GB of accelerator memory. Vendors quote HBM capacity in binary units: an "80 GB"
H100 reports 81,559 MiB in ``nvidia-smi``; so ``memory_gb`` is read as GiB."""

# --------------------------------------------------------------------------------------------
# Model shape: dense-transformer architecture by size, when the workload gives none.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelShape:
    """Transformer shape used by the estimators (``hidden_size`` = heads x head_dim)."""

    layers: int
    hidden_size: int
    heads: int
    kv_heads: int
    head_dim: int


# (params, layers, hidden_size, heads, source). Modern defaults: grouped-query attention with
# 8 KV heads and head_dim 128 from 8B up (Llama 3 / Mistral / Qwen 2.5 shapes); smaller sizes
# keep their published KV heads. A model with multi-head attention should give ``kv_heads``.
SHAPES: tuple[tuple[float, int, int, int, int, str], ...] = (
    (1.25e8, 12, 768, 12, 12, "GPT-3 Small (Brown et al. 2020, Table 2.1)"),
    (3.5e8, 24, 1024, 16, 16, "GPT-3 Medium (Brown et al. 2020)"),
    (1.24e9, 16, 2048, 32, 8, "Llama 3.2 1B config"),
    (3.21e9, 28, 3072, 24, 8, "Llama 3.2 3B config"),
    (8.03e9, 32, 4096, 32, 8, "Llama 3.1 8B config"),
    (1.3e10, 40, 5120, 40, 8, "Llama 2 13B depth/width (GQA-8 assumed)"),
    (3.4e10, 48, 8192, 64, 8, "Code Llama 34B config"),
    (7.06e10, 80, 8192, 64, 8, "Llama 3.1 70B config"),
    (1.75e11, 96, 12288, 96, 8, "GPT-3 175B depth/width (GQA-8 assumed)"),
    (4.05e11, 126, 16384, 128, 8, "Llama 3.1 405B config"),
    (1.0e12, 128, 25600, 160, 8, "Megatron-LM 1T (Narayanan et al. 2021) width (GQA-8 assumed)"),
)


_LOG_SHAPE_PARAMS = [math.log(row[0]) for row in SHAPES]


@functools.lru_cache(maxsize=8192)  # pure; sizing a portfolio asks for the same shapes many times
def model_shape(
    params: float,
    *,
    layers: int | None = None,
    hidden_size: int | None = None,
    heads: int | None = None,
    kv_heads: int | None = None,
    head_dim: int | None = None,
) -> ModelShape:
    """The transformer shape of a model with ``params`` (active) parameters.

    Given fields win; missing ones are interpolated log-linearly in params between the rows of
    :data:`SHAPES` (and extrapolated along the first or last segment).
    """
    logp = math.log(max(float(params), 1.0))
    xs = _LOG_SHAPE_PARAMS
    i = min(max(bisect.bisect_left(xs, logp) - 1, 0), len(SHAPES) - 2)
    lo, hi = SHAPES[i], SHAPES[i + 1]
    t = (logp - xs[i]) / (xs[i + 1] - xs[i])

    def interp(a: float, b: float) -> float:
        return math.exp(math.log(a) + t * (math.log(b) - math.log(a)))

    d_default = interp(lo[2], hi[2])
    l_default = interp(lo[1], hi[1])
    if head_dim is None:
        head_dim = hidden_size // heads if (hidden_size and heads) else (64 if d_default < 1500 else 128)
    if hidden_size is None:
        hidden_size = heads * head_dim if heads else max(head_dim, round(d_default / head_dim) * head_dim)
    if heads is None:
        heads = max(1, hidden_size // head_dim)
    if layers is None:
        layers = max(1, round(l_default))
    if kv_heads is None:
        kv_heads = heads if params < 1e9 else min(8, heads)
    return ModelShape(int(layers), int(hidden_size), int(heads), int(kv_heads), int(head_dim))


# --------------------------------------------------------------------------------------------
# Training: MFU, goodput, memory.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MfuReference:
    """A published BF16 model-FLOPs utilization at a reference hidden size."""

    mfu: float
    hidden_size: int
    source: str


MFU_REFERENCES: dict[str, MfuReference] = {
    "ampere": MfuReference(
        0.542,
        20480,
        "Korthikanti et al. 2022 (arXiv:2205.05198): 530B GPT on 2,240 A100, 54.2 % MFU",
    ),
    "hopper": MfuReference(
        0.40,
        16384,
        "Llama 3 Herd paper (arXiv:2407.21783) Table 4: 405B on 8-16k H100, BF16 MFU 38-43 %",
    ),
    "blackwell": MfuReference(
        0.40,
        16384,
        "assumption: no large-scale public MFU yet; Hopper's reference (Llama 3) carried over",
    ),
    "tpu": MfuReference(
        0.462,
        18432,
        "PaLM (Chowdhery et al. 2022, arXiv:2204.02311): 540B on 6,144 TPU v4, 46.2 % MFU",
    ),
}
MFU_DEFAULT_REFERENCE = MfuReference(
    0.35,
    16384,
    "assumption: accelerators without a published large-scale MFU (less mature software stacks)",
)

MFU_OVERHEAD_K = 20.0
"""Shape of MFU versus model width: ``MFU(d) ∝ 1 / (1 + K · (peak FLOP/s ÷ memory B/s) / d)``.

Non-matmul work (norms, activations, attention softmax, communication, pipeline bubbles) grows
with ``d`` while matmul work grows with ``d²``, and it runs at memory speed, so its share grows with
the chip's FLOP-per-byte ratio. ``K = 20`` reproduces the A100 MFU-versus-width scaling that
Megatron-LM publishes for its benchmark runs (README MFU table, method of Korthikanti et al. 2022:
22B 41.5 %, 175B 51.4 %, 530B 56.0 %, 1T 56.3 %) within about 2 points. It is not fitted to the
validation set."""

DEFAULT_GOODPUT = 0.90
"""Share of wall-clock GPU time that advances training (restarts, failures, checkpointing and
evaluation excluded): Llama 3 Herd paper, section 3.3.4: "higher than 90 % effective training
time" over a 54-day snapshot at 16k H100."""

FP8_TRAINING_SPEEDUP = 1.3
"""End-to-end FP8 speed-up over BF16 on chips whose FP8 peak is twice BF16. Published large runs
get 1.3-1.5x rather than 2x (e.g. NVIDIA Transformer Engine / NeMo benchmarks; DeepSeek-V3,
arXiv:2412.19437, trained in FP8 at an implied ~33 % of BF16 peak). MFU quoted against the FP8
peak is therefore ``bf16_mfu × speedup ÷ (fp8_peak ÷ bf16_peak)``."""

TRAINING_BYTES_PER_PARAM = 16.0
"""Mixed-precision Adam: 2 (bf16 weights) + 2 (grads) + 12 (fp32 master, m, v) bytes per
parameter (Rajbhandari et al. 2020, ZeRO, section 3.1)."""

ACTIVATION_BYTES_PER_TOKEN_HIDDEN_LAYER = 34.0
"""Activation memory with selective recomputation: 34 · s · b · h bytes per layer
(Korthikanti et al. 2022, eq. 2 without the attention-score term)."""

TRAINING_MEMORY_FRACTION = 0.90
"""Share of device memory usable for model state and activations (rest: framework, buffers)."""

DEFAULT_CONTEXT_TOKENS = 4096
"""Training sequence length assumed when the workload gives none."""

LORA_FLOPS_PER_PARAM_TOKEN = 4.0
"""LoRA needs the forward (2N) and the backward pass through activations (2N) but no weight
gradients (2N) of the frozen base: 4 · N FLOPs per token instead of 6 · N (Hu et al. 2021 report
~25 % higher throughput than full fine-tuning for GPT-3 175B)."""

LORA_ADAPTER_PARAM_SHARE = 0.005
"""Trainable adapter parameters as a share of the base: rank 16 on all linear layers of a Llama
70B is ~0.3 %, rank 64 (the QLoRA paper's setting) ~1.2 %. Each costs 16 B (weights, grads,
Adam)."""

QLORA_WEIGHT_BYTES_PER_PARAM = 0.52
"""NF4 base weights with double-quantized constants: 4.127 bits per parameter (Dettmers et al.
2023, QLoRA, section 3); a 65B model then fine-tunes on one 48 GB GPU as the paper reports."""

QLORA_SPEED_FACTOR = 0.75
"""Rule of thumb: dequantizing NF4 weights on every matmul makes QLoRA ~25-40 % slower than LoRA
at the same FLOPs (community benchmarks, e.g. Hugging Face PEFT docs). Multiplies MFU."""


def family_key(accelerator: Accelerator) -> str:
    """Normalized family of ``accelerator`` (``'hopper'``, ``'ampere'``, ``'tpu'``…)."""
    fam = accelerator.family.lower().strip()
    for key in ("hopper", "ampere", "blackwell", "tpu", "cdna", "ada", "turing", "volta", "gaudi"):
        if fam.startswith(key):
            return key
    if "trainium" in fam or "inferentia" in fam or "neuron" in fam:
        return "neuron"
    return fam


def _flops_per_byte(accelerator: Accelerator, precision: str = "bf16") -> float:
    return accelerator.peak_tflops(precision) * 1e12 / (accelerator.memory_bandwidth_tbps * 1e12)


def default_mfu(accelerator: Accelerator, precision: str, hidden_size: float) -> float:
    """Default model-FLOPs utilization for training on ``accelerator`` (against its peak at
    ``precision``) for a model of width ``hidden_size``.

    ``MFU = ref.mfu · (1 + K·R/ref.d) / (1 + K·R/d)`` with ``R`` the chip's BF16 FLOP-per-byte
    ratio, ``ref`` the family's published large-model MFU (:data:`MFU_REFERENCES`) and ``K`` from
    :data:`MFU_OVERHEAD_K`; then scaled for FP8 (:data:`FP8_TRAINING_SPEEDUP`).
    """
    ref = MFU_REFERENCES.get(family_key(accelerator), MFU_DEFAULT_REFERENCE)
    r = _flops_per_byte(accelerator, "bf16")
    mfu = ref.mfu * (1 + MFU_OVERHEAD_K * r / ref.hidden_size) / (1 + MFU_OVERHEAD_K * r / hidden_size)
    if precision.lower() == "fp8":
        ratio = accelerator.peak_tflops("fp8") / accelerator.peak_tflops("bf16")
        mfu *= min(FP8_TRAINING_SPEEDUP, ratio) / ratio
    return float(min(mfu, 0.75))


def default_goodput(accelerator: Accelerator | None = None) -> float:
    """Default goodput (:data:`DEFAULT_GOODPUT`); the same for every accelerator for now."""
    return DEFAULT_GOODPUT


# --------------------------------------------------------------------------------------------
# Serving: roofline efficiencies, memory, interconnect.
# --------------------------------------------------------------------------------------------

WEIGHT_BYTES: dict[str, float] = {"bf16": 2.0, "fp16": 2.0, "fp8": 1.0, "int8": 1.0, "int4": 0.5}
"""Bytes per weight by serving precision (int4 = weight-only, AWQ/GPTQ style)."""

KV_CACHE_BYTES: dict[str, float] = {"bf16": 2.0, "fp16": 2.0, "fp8": 1.0, "int8": 1.0, "int4": 2.0}
"""Bytes per KV-cache element: FP8/INT8 deployments quantize the KV cache too (TensorRT-LLM and
vLLM FP8 KV cache); weight-only int4 keeps a 16-bit cache."""

PREFILL_COMPUTE_EFFICIENCY = 0.60
"""Achieved share of dense peak in prefill (large GEMMs; FP8 GEMMs on H100 reach ~70 % of peak in
cuBLAS benchmarks, minus attention and non-GEMM work)."""

DECODE_COMPUTE_EFFICIENCY = 0.50
"""Achieved share of dense peak in batched decode when it is compute-bound (skinny GEMMs)."""

BANDWIDTH_EFFICIENCY = 0.80
"""Achieved share of peak HBM bandwidth when streaming weights and KV cache (~80-90 % in memory
bandwidth microbenchmarks on A100/H100)."""

INTERCONNECT_EFFICIENCY = 0.70
"""Achieved share of the per-direction scale-up bandwidth in all-reduce (nccl-tests bus bandwidth
on NVLink is ~70-80 % of the link peak)."""

COLLECTIVE_LATENCY_S = 10e-6
"""Fixed latency per all-reduce (small-message NCCL all-reduce on NVLink is ~10-20 µs)."""

DEFAULT_INTERCONNECT_GB_S = 64.0
"""Scale-up bandwidth (bidirectional, GB/s) assumed for cards without a published figure: PCIe
Gen4 x16."""

RUNTIME_RESERVE_GB = 2.0
"""Per-accelerator memory held by the runtime (context, activations, workspaces)."""

KV_MEMORY_FRACTION = 0.90
"""Share of the memory left after weights and reserve that the KV cache gets (TensorRT-LLM's
``kv_cache_free_gpu_mem_fraction`` default 0.9)."""

MAX_BATCH = 2048
"""Scheduler cap on concurrent sequences per replica (TensorRT-LLM ``max_batch_size`` build
default)."""

MAX_ACCELERATORS_PER_REPLICA = 64
"""Largest serving replica considered (8 nodes of 8); bigger models need expert/pipeline setups
that are out of this model's scope."""

SERVING_CALIBRATION: dict[str, tuple[float, str]] = {}
"""At most one throughput factor per accelerator family, with the validation rows that motivated
it. Empty: the first-principles model meets the validation targets without one."""


def serving_calibration(accelerator: Accelerator) -> float:
    """Throughput calibration factor for ``accelerator``'s family (1.0 when none)."""
    entry = SERVING_CALIBRATION.get(family_key(accelerator))
    return entry[0] if entry else 1.0


def compute_precision(precision: str) -> str:
    """Precision the matmuls run at: weight-only int4 computes in 16 bit (W4A16)."""
    p = precision.lower()
    return "bf16" if p in ("int4", "fp16") else p


def memory_bytes(accelerator: Accelerator) -> float:
    """Device memory in bytes (``memory_gb`` read as GiB, see :data:`GIB`)."""
    return accelerator.memory_gb * GIB


def placement_sizes(accelerator: Accelerator, limit: int) -> list[int]:
    """Allowed accelerator counts per placement: 1, 2, 4 … up to ``max_per_node``, then whole
    nodes (2, 3, 4 … × ``max_per_node``), up to ``limit``."""
    node = max(1, accelerator.max_per_node)
    sizes = [1]
    while sizes[-1] * 2 <= node:
        sizes.append(sizes[-1] * 2)
    if sizes[-1] != node:
        sizes.append(node)
    k = 2
    while node * k <= limit:
        sizes.append(node * k)
        k += 1
    return [s for s in sizes if s <= max(limit, 1)]


def round_to_placement(count: float, accelerator: Accelerator) -> int:
    """Smallest allowed placement size (see :func:`placement_sizes`) holding ``count`` devices."""
    need = max(1, math.ceil(count - 1e-9))
    node = max(1, accelerator.max_per_node)
    if need <= node:
        size = 1
        while size < need:
            size *= 2
        return min(size, node) if size <= node else node
    return node * math.ceil(need / node)
