"""Property tests: monotonicity and unit consistency of the estimators."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fleetplan.model.accelerator import Accelerator
from fleetplan.sizing import estimate_serving, estimate_training


def chip(bandwidth_tbps: float = 3.35, memory_gb: float = 80.0, tflops: float = 989.0) -> Accelerator:
    return Accelerator(
        name="X1",
        vendor="Test",
        family="hopper",
        bf16_tflops=tflops,
        fp8_tflops=2 * tflops,
        memory_gb=memory_gb,
        memory_bandwidth_tbps=bandwidth_tbps,
        tdp_w=700,
        interconnect_gb_s=900,
        source="test",
    )


FAST = settings(max_examples=40, deadline=None)
params = st.floats(min_value=1e8, max_value=4e11)
tokens = st.floats(min_value=1e8, max_value=1e13)


@FAST
@given(params, tokens, st.floats(min_value=1.01, max_value=10))
def test_more_tokens_more_hours(n: float, d: float, k: float) -> None:
    acc = chip()
    a, b = estimate_training(n, d, acc), estimate_training(n, d * k, acc)
    assert b.gpu_hours > a.gpu_hours
    assert b.gpu_hours / a.gpu_hours == pytest.approx(k)


@FAST
@given(params, tokens)
def test_training_units(n: float, d: float) -> None:
    est = estimate_training(n, d, chip())
    assert est.gpu_hours * 3600 * est.peak_tflops * 1e12 * est.mfu * est.goodput == pytest.approx(est.flops)
    assert 0 < est.mfu < 1 and est.min_gpus >= 1


@FAST
@given(
    st.floats(min_value=1e9, max_value=3e10),
    st.floats(min_value=0.5, max_value=5),
    st.floats(min_value=1.05, max_value=3),
    st.integers(min_value=16, max_value=4000),
    st.integers(min_value=16, max_value=4000),
)
def test_more_bandwidth_more_decode_throughput(n: float, bw: float, k: float, isl: int, osl: int) -> None:
    slow = estimate_serving(n, chip(bw, memory_gb=192), precision="fp8", input_tokens=isl, output_tokens=osl)
    fast = estimate_serving(n, chip(bw * k, memory_gb=192), precision="fp8", input_tokens=isl, output_tokens=osl)
    assert fast.output_tokens_per_s >= slow.output_tokens_per_s * (1 - 1e-9)
    assert fast.decode_step_ms <= slow.decode_step_ms * (1 + 1e-9) or fast.max_batch != slow.max_batch


@FAST
@given(
    st.floats(min_value=1e9, max_value=7e10),
    st.floats(min_value=5, max_value=200),
    st.floats(min_value=0.1, max_value=0.95),
    st.sampled_from([1, 2, 4, 8]),
)
def test_tighter_slo_fewer_tokens(n: float, tpot: float, shrink: float, gpus: int) -> None:
    acc = chip()
    loose = estimate_serving(n, acc, gpus=gpus, precision="fp8", tpot_ms=tpot, ttft_ms=20 * tpot)
    tight = estimate_serving(n, acc, gpus=gpus, precision="fp8", tpot_ms=tpot * shrink, ttft_ms=20 * tpot * shrink)
    assert tight.output_tokens_per_s <= loose.output_tokens_per_s * (1 + 1e-9)
    if tight.fits:
        assert tight.tpot_ms <= tpot * shrink * (1 + 1e-9)


@FAST
@given(st.floats(min_value=1e9, max_value=7e10), st.integers(min_value=1, max_value=8000))
def test_serving_units(n: float, osl: int) -> None:
    est = estimate_serving(n, chip(), precision="fp8", output_tokens=osl)
    if est.fits:
        assert est.requests_per_s * osl == pytest.approx(est.output_tokens_per_s)
        assert est.output_tokens_per_s * est.tpot_ms / 1e3 == pytest.approx(est.max_batch)
        assert est.kv_cache_gb >= 0 and est.weights_gb == pytest.approx(n / 2**30)
