"""Serving roofline: memory fit, KV cache, batch limits, SLOs, tensor parallelism."""

from __future__ import annotations

import math

import pytest

from fleetplan.catalog.hardware import resolve_accelerator
from fleetplan.model.workload import ModelSpec
from fleetplan.sizing import SizingError, best_replica, estimate_serving, replicas_needed
from fleetplan.sizing.serving import kv_cache_bytes_per_token, min_replica_accelerators

H100 = resolve_accelerator("H100-SXM")
L4 = resolve_accelerator("L4")


def test_kv_cache_per_token() -> None:
    spec = ModelSpec(params=70.6e9, layers=80, kv_heads=8, head_dim=128)
    assert kv_cache_bytes_per_token(spec, "bf16") == 2 * 80 * 8 * 128 * 2
    assert kv_cache_bytes_per_token(spec, "fp8") == 2 * 80 * 8 * 128 * 1


def test_70b_bf16_does_not_fit_one_h100() -> None:
    est = estimate_serving(70e9, H100, gpus=1, precision="bf16")
    assert not est.fits and est.output_tokens_per_s == 0 and "does not fit" in est.reason
    assert min_replica_accelerators(70e9, H100, "bf16", 1000, 200) == 2


def test_throughput_fields_consistent() -> None:
    est = estimate_serving(8e9, H100, precision="fp8", input_tokens=1000, output_tokens=200)
    assert est.fits
    assert est.requests_per_s == pytest.approx(est.output_tokens_per_s / 200)
    assert est.output_tokens_per_s == pytest.approx(est.max_batch / (est.tpot_ms / 1e3))
    assert est.ttft_ms == pytest.approx(est.prefill_ms + est.tpot_ms)
    assert 1 <= est.max_batch <= est.max_batch_memory


def test_slos_are_met() -> None:
    est = estimate_serving(70e9, H100, gpus=4, precision="fp8", ttft_ms=500, tpot_ms=50)
    assert est.fits
    assert est.tpot_ms <= 50 + 1e-9 and est.ttft_ms <= 500 + 1e-9
    free = estimate_serving(70e9, H100, gpus=4, precision="fp8")
    assert est.output_tokens_per_s <= free.output_tokens_per_s


def test_impossible_slo() -> None:
    est = estimate_serving(70e9, H100, gpus=4, precision="fp8", input_tokens=20000, ttft_ms=10)
    assert not est.fits and "SLO" in est.reason and est.output_tokens_per_s == 0


def test_tensor_parallel_raises_replica_throughput() -> None:
    tp2 = estimate_serving(70e9, H100, gpus=2, precision="fp8")
    tp8 = estimate_serving(70e9, H100, gpus=8, precision="fp8")
    assert tp8.output_tokens_per_s > tp2.output_tokens_per_s
    assert tp8.output_tokens_per_s_per_gpu < 4 * tp2.output_tokens_per_s_per_gpu


def test_quantization_helps_decode() -> None:
    bf16 = estimate_serving(8e9, L4, precision="bf16", input_tokens=200, output_tokens=400)
    int4 = estimate_serving(8e9, L4, precision="int4", input_tokens=200, output_tokens=400)
    assert int4.weights_gb == pytest.approx(bf16.weights_gb / 4)
    assert int4.output_tokens_per_s > bf16.output_tokens_per_s


def test_replicas_needed() -> None:
    est = estimate_serving(8e9, H100, precision="fp8")
    assert replicas_needed(10 * est.requests_per_s, est, headroom=0.2) == pytest.approx(12.0)
    bad = estimate_serving(70e9, H100, gpus=1, precision="bf16")
    assert math.isinf(replicas_needed(1.0, bad))


def test_best_replica_picks_efficient_size() -> None:
    floor, est = best_replica(70e9, H100, precision="fp8")
    assert floor == 1 and est is not None and est.fits
    for g in (1, 2, 4, 8):
        other = estimate_serving(70e9, H100, gpus=g, precision="fp8")
        assert est.requests_per_s / est.gpus >= other.requests_per_s / g - 1e-9


def test_model_too_big_for_any_replica() -> None:
    assert best_replica(5e12, L4, precision="bf16") == (None, None)


def test_bad_inputs() -> None:
    with pytest.raises(SizingError):
        estimate_serving(8e9, H100, precision="fp4")
    with pytest.raises(SizingError):
        estimate_serving(8e9, H100, gpus=0)


def test_to_dict() -> None:
    d = estimate_serving(8e9, H100).to_dict()
    for key in ("output_tokens_per_s", "requests_per_s", "max_batch", "ttft_ms", "tpot_ms"):
        assert key in d
