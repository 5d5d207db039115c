"""Serving: a per-replica roofline with continuous batching, KV-cache limits and tensor parallelism.

One replica = ``gpus`` accelerators of one type running the model with tensor parallelism. With
``B`` sequences in flight, ISL input and OSL output tokens per request:

    weights        W  = N_total · bytes(precision)
    KV per token   kv = 2 · layers · kv_heads · head_dim · kv_bytes(precision)
    KV budget         = 0.9 · (gpus · (memory − 2 GiB) − W)
    max batch   B_mem = KV budget / (kv · (ISL + OSL))
    decode step    t_d(B) = max((W + B · kv · c̄) / BW_eff,  B · (2·N_active + 4·L·d·c̄) / F_dec)
                            + t_tp(B)                              c̄ = ISL + OSL/2
    prefill        T_p = (2·N_active·ISL + 2·L·d·ISL²) / F_pre + TP traffic of ISL tokens
    tensor par.    t_tp(B) = 2·L · (α + 2·(g−1)/g · B·d·2 B / (link/2 · η_link))     (g > 1)
    per token      TPOT(B) = t_d(B) + (B / OSL) · T_p        (prefills interleaved with decode)
    first token    TTFT(B) = T_p + TPOT(B)
    throughput     output tokens/s = B / TPOT(B);  requests/s = that / OSL

``BW_eff = g · bandwidth · 0.8``; ``F_pre``/``F_dec`` = g · peak · 0.6 / 0.5 (see
:mod:`fleetplan.sizing.defaults`). The max-throughput point is the largest ``B`` the KV budget
and the scheduler cap (2048) allow; under SLOs, the largest ``B`` with ``TPOT(B) ≤ tpot`` and
``TTFT(B) ≤ ttft`` (closed form: every term is affine in ``B``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from fleetplan.model.accelerator import Accelerator
from fleetplan.model.workload import ModelSpec
from fleetplan.sizing import defaults as D
from fleetplan.sizing.defaults import SizingError
from fleetplan.sizing.training import as_model_spec

__all__ = [
    "SERVING_PRECISIONS",
    "ServingEstimate",
    "best_replica",
    "estimate_serving",
    "kv_cache_bytes_per_token",
    "min_replica_accelerators",
    "replicas_needed",
    "serving_memory_bytes",
]

SERVING_PRECISIONS: tuple[str, ...] = ("bf16", "fp16", "fp8", "int8", "int4")


@dataclass(frozen=True)
class ServingEstimate:
    """Throughput and latency of one serving replica (``gpus`` accelerators, tensor-parallel).

    ``output_tokens_per_s`` and ``requests_per_s`` are for the whole replica at ``max_batch``
    concurrent sequences: the max-throughput point, or the largest batch meeting the SLOs when
    they are given. ``fits`` is False (and throughput 0) when the model does not fit in memory or
    the SLOs cannot be met even at batch 1; ``reason`` says why.
    """

    accelerator: str
    gpus: int
    precision: str
    params: float
    active_params: float
    input_tokens: int
    output_tokens: int
    weights_gb: float
    kv_cache_bytes_per_token: float
    kv_cache_gb: float
    memory_gb_per_gpu: float
    max_batch_memory: int
    max_batch: int
    prefill_ms: float
    decode_step_ms: float
    ttft_ms: float
    tpot_ms: float
    output_tokens_per_s: float
    requests_per_s: float
    output_tokens_per_s_per_gpu: float
    bound: str
    calibration: float
    ttft_slo_ms: float | None = None
    tpot_slo_ms: float | None = None
    fits: bool = True
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (units in the key names)."""
        return asdict(self)


def _precision(precision: str) -> str:
    p = precision.lower()
    if p not in SERVING_PRECISIONS:
        raise SizingError(f"unknown precision {precision!r} (use one of {', '.join(SERVING_PRECISIONS)})")
    return p


def _shape(spec: ModelSpec) -> D.ModelShape:
    return D.model_shape(
        float(spec.active_params or spec.params),
        layers=spec.layers,
        hidden_size=spec.hidden_size,
        heads=spec.heads,
        kv_heads=spec.kv_heads,
        head_dim=spec.head_dim,
    )


def kv_cache_bytes_per_token(spec: ModelSpec, precision: str) -> float:
    """``2 · layers · kv_heads · head_dim · kv_bytes`` (keys and values, every layer)."""
    shape = _shape(spec)
    return 2.0 * shape.layers * shape.kv_heads * shape.head_dim * D.KV_CACHE_BYTES[_precision(precision)]


def serving_memory_bytes(spec: ModelSpec, precision: str, input_tokens: int, output_tokens: int) -> float:
    """Weights plus the KV cache of one full-length sequence (the least a replica must hold)."""
    p = _precision(precision)
    return spec.params * D.WEIGHT_BYTES[p] + kv_cache_bytes_per_token(spec, p) * (input_tokens + output_tokens)


def _kv_budget(spec: ModelSpec, accelerator: Accelerator, gpus: int, precision: str) -> float:
    total = gpus * (D.memory_bytes(accelerator) - D.RUNTIME_RESERVE_GB * D.GIB)
    return D.KV_MEMORY_FRACTION * (total - spec.params * D.WEIGHT_BYTES[precision])


def min_replica_accelerators(
    model: ModelSpec | float,
    accelerator: Accelerator,
    precision: str,
    input_tokens: int,
    output_tokens: int,
    *,
    limit: int = D.MAX_ACCELERATORS_PER_REPLICA,
) -> int | None:
    """Smallest placement size (1, 2, 4, 8, whole nodes … ≤ ``limit``) that holds the weights and
    one full sequence of KV cache; None when even ``limit`` accelerators are too small."""
    spec = as_model_spec(model)
    p = _precision(precision)
    need = kv_cache_bytes_per_token(spec, p) * (input_tokens + output_tokens)
    for size in D.placement_sizes(accelerator, limit):
        if _kv_budget(spec, accelerator, size, p) >= need:
            return size
    return None


def estimate_serving(
    model: ModelSpec | float,
    accelerator: Accelerator,
    *,
    gpus: int = 1,
    precision: str = "bf16",
    input_tokens: int = 1000,
    output_tokens: int = 200,
    ttft_ms: float | None = None,
    tpot_ms: float | None = None,
    active_params: float | None = None,
    max_batch: int = D.MAX_BATCH,
) -> ServingEstimate:
    """Per-replica serving throughput (see the module docstring for the model)."""
    spec = as_model_spec(model, active_params)
    p = _precision(precision)
    if gpus < 1:
        raise SizingError(f"gpus must be at least 1, got {gpus}")
    if input_tokens < 1 or output_tokens < 1:
        raise SizingError("input and output tokens must be at least 1")
    shape = _shape(spec)
    active = float(spec.active_params or spec.params)
    isl, osl = float(input_tokens), float(output_tokens)
    cal = D.serving_calibration(accelerator)

    weights = spec.params * D.WEIGHT_BYTES[p]
    kv_tok = kv_cache_bytes_per_token(spec, p)
    budget = _kv_budget(spec, accelerator, gpus, p)
    b_mem = int(max(0.0, budget) // (kv_tok * (isl + osl)))

    peak = accelerator.peak_tflops(D.compute_precision(p)) * 1e12 * gpus
    bw = accelerator.memory_bandwidth_tbps * 1e12 * gpus * D.BANDWIDTH_EFFICIENCY
    d_attn = shape.heads * shape.head_dim
    ctx_avg = isl + osl / 2.0

    # Decode step time, affine pieces in the batch size B. Linear layers (GEMMs) stream the
    # weights once per step and run B tokens through them: max(weights/BW, flops/F). Attention
    # then reads each sequence's KV cache: a separate, memory-bound kernel, so its time adds.
    gemm_mem0 = weights / bw
    gemm_cmp1 = 2.0 * active / (peak * D.DECODE_COMPUTE_EFFICIENCY)
    attn1 = max(
        kv_tok * ctx_avg / bw,
        4.0 * shape.layers * d_attn * ctx_avg / (peak * D.DECODE_COMPUTE_EFFICIENCY),
    )
    tp0 = tp1 = tp_prefill = 0.0
    if gpus > 1:
        link = (accelerator.interconnect_gb_s or D.DEFAULT_INTERCONNECT_GB_S) * 1e9 / 2.0
        link *= D.INTERCONNECT_EFFICIENCY
        per_token = 2.0 * shape.layers * 2.0 * (gpus - 1) / gpus * shape.hidden_size * 2.0 / link
        tp0 = 2.0 * shape.layers * D.COLLECTIVE_LATENCY_S
        tp1 = per_token
        tp_prefill = per_token * isl
    prefill_s = (2.0 * active * isl + 2.0 * shape.layers * d_attn * isl**2) / (
        peak * D.PREFILL_COMPUTE_EFFICIENCY
    ) + tp_prefill
    gemm_mem0, gemm_cmp1, attn1, tp0, tp1, prefill_s = (
        x / cal for x in (gemm_mem0, gemm_cmp1, attn1, tp0, tp1, prefill_s)
    )
    interleave = prefill_s / osl  # prefill time per in-flight sequence per decode step

    def decode_step(b: float) -> float:
        return max(gemm_mem0, gemm_cmp1 * b) + attn1 * b + tp0 + tp1 * b

    def tpot(b: float) -> float:
        return decode_step(b) + interleave * b

    reason = ""
    cap = min(b_mem, int(max_batch))
    if b_mem < 1:
        need_gb = serving_memory_bytes(spec, p, input_tokens, output_tokens) / D.GIB
        have_gb = gpus * (accelerator.memory_gb - D.RUNTIME_RESERVE_GB) * D.KV_MEMORY_FRACTION
        reason = (
            f"does not fit: needs {need_gb:,.1f} GB (weights {weights / D.GIB:,.1f} GB + KV "
            "cache of one "
            f"sequence) but {gpus} x {accelerator.name} leave {have_gb:,.1f} GB"
        )
    slo_cap = math.inf
    if not reason and (ttft_ms is not None or tpot_ms is not None):
        limit = math.inf
        if tpot_ms is not None:
            limit = tpot_ms / 1e3
        if ttft_ms is not None:
            limit = min(limit, ttft_ms / 1e3 - prefill_s)
        slope = attn1 + tp1 + interleave
        slo_cap = min((limit - gemm_mem0 - tp0) / slope, (limit - tp0) / (slope + gemm_cmp1))
        if slo_cap < 1:
            parts = []
            if ttft_ms is not None:
                parts.append(f"TTFT {1e3 * (prefill_s + tpot(1)):,.0f} ms vs SLO {ttft_ms:g} ms")
            if tpot_ms is not None:
                parts.append(f"TPOT {1e3 * tpot(1):,.1f} ms vs SLO {tpot_ms:g} ms")
            reason = "SLO not met even at batch 1: " + "; ".join(parts)
    batch = 0 if reason else int(min(cap, math.floor(min(slo_cap, cap) + 1e-9)))
    if batch >= 1:
        step = tpot(batch)
        out_tps = batch / step
        decode = decode_step(batch)
        parts = {
            "prefill": interleave * batch,
            "compute": gemm_cmp1 * batch,
            "memory": max(gemm_mem0, gemm_cmp1 * batch) + attn1 * batch - gemm_cmp1 * batch,
            "interconnect": tp0 + tp1 * batch,
        }
        if gemm_cmp1 * batch < gemm_mem0:
            parts["compute"] = 0.0
            parts["memory"] = gemm_mem0 + attn1 * batch
        bound = max(parts, key=lambda k: parts[k])
    else:
        step = tpot(1)
        decode = step - interleave
        out_tps = 0.0
        bound = "memory" if b_mem < 1 else "latency"
    return ServingEstimate(
        accelerator=accelerator.name,
        gpus=int(gpus),
        precision=p,
        params=float(spec.params),
        active_params=active,
        input_tokens=int(input_tokens),
        output_tokens=int(output_tokens),
        weights_gb=weights / D.GIB,
        kv_cache_bytes_per_token=kv_tok,
        kv_cache_gb=max(0.0, budget) / D.GIB,
        memory_gb_per_gpu=accelerator.memory_gb,
        max_batch_memory=max(0, min(b_mem, int(max_batch))),
        max_batch=batch,
        prefill_ms=prefill_s * 1e3,
        decode_step_ms=decode * 1e3,
        ttft_ms=(prefill_s + step) * 1e3,
        tpot_ms=step * 1e3,
        output_tokens_per_s=out_tps,
        requests_per_s=out_tps / osl,
        output_tokens_per_s_per_gpu=out_tps / gpus,
        bound=bound,
        calibration=cal,
        ttft_slo_ms=ttft_ms,
        tpot_slo_ms=tpot_ms,
        fits=not reason,
        reason=reason,
    )


def replicas_needed(peak_rps: float, estimate: ServingEstimate, *, headroom: float = 0.0) -> float:
    """Replicas (fractional) to serve ``peak_rps`` with a ``headroom`` share of spare capacity."""
    if estimate.requests_per_s <= 0:
        return math.inf
    return peak_rps * (1.0 + headroom) / estimate.requests_per_s


def best_replica(
    model: ModelSpec | float,
    accelerator: Accelerator,
    *,
    precision: str = "bf16",
    input_tokens: int = 1000,
    output_tokens: int = 200,
    ttft_ms: float | None = None,
    tpot_ms: float | None = None,
    limit: int = D.MAX_ACCELERATORS_PER_REPLICA,
) -> tuple[int | None, ServingEstimate | None]:
    """The memory floor and the replica size with the most requests/s per accelerator.

    Candidates are the placement sizes from the smallest that fits up to one node (or the floor
    when it is larger). Returns ``(min_accelerators, best estimate)``; the estimate is the
    smallest-replica one (not fitting, with its reason) when no size meets the SLOs, and both are
    None when the model fits no replica of at most ``limit`` accelerators.
    """
    spec = as_model_spec(model)
    floor = min_replica_accelerators(spec, accelerator, precision, input_tokens, output_tokens, limit=limit)
    if floor is None:
        return None, None
    top = max(floor, accelerator.max_per_node)
    sizes = [s for s in D.placement_sizes(accelerator, limit) if floor <= s <= top]
    best: ServingEstimate | None = None
    first: ServingEstimate | None = None
    for size in sizes:
        est = estimate_serving(
            spec,
            accelerator,
            gpus=size,
            precision=precision,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            ttft_ms=ttft_ms,
            tpot_ms=tpot_ms,
        )
        first = first or est
        if est.fits and (best is None or est.requests_per_s / size > best.requests_per_s / best.gpus * 1.0001):
            best = est
    return floor, best or first
