"""Training and fine-tuning estimators: FLOPs, GPU-hours, MFU defaults, memory floor."""

from __future__ import annotations

import math

import pytest

from fleetplan.catalog.hardware import resolve_accelerator
from fleetplan.model.workload import ModelSpec
from fleetplan.sizing import SizingError, estimate_training
from fleetplan.sizing.defaults import default_mfu, model_shape, placement_sizes, round_to_placement
from fleetplan.sizing.training import training_flops

H100 = resolve_accelerator("H100-SXM")
A100 = resolve_accelerator("A100-80GB")


def test_flops_is_six_n_d_without_architecture() -> None:
    assert training_flops(7e9, 1e12) == pytest.approx(6 * 7e9 * 1e12)


def test_attention_term_when_architecture_given() -> None:
    base = training_flops(7e9, 1e12)
    full = training_flops(7e9, 1e12, layers=32, hidden_size=4096, context_tokens=4096)
    assert full == pytest.approx(base + 12 * 32 * 4096 * 4096 * 1e12)


def test_gpu_hours_units_consistent() -> None:
    est = estimate_training(70e9, 2e12, H100, mfu=0.4, goodput=0.9)
    seconds = est.flops / (989e12 * 0.4 * 0.9)
    assert est.gpu_hours == pytest.approx(seconds / 3600)
    assert est.flops == pytest.approx(6 * 70e9 * 2e12)


def test_moe_uses_active_params_for_compute_and_total_for_memory() -> None:
    dense = estimate_training(37e9, 1e12, H100)
    moe = estimate_training(671e9, 1e12, H100, active_params=37e9)
    assert moe.flops == pytest.approx(dense.flops)
    assert moe.gpu_hours == pytest.approx(dense.gpu_hours)
    assert moe.min_gpus > dense.min_gpus


def test_wall_clock_with_gpus() -> None:
    est = estimate_training(70e9, 2e12, H100, gpus=2048)
    assert est.wall_clock_days == pytest.approx(est.gpu_hours / 2048 / 24)
    assert estimate_training(70e9, 2e12, H100).wall_clock_days is None


def test_too_few_gpus_does_not_fit() -> None:
    est = estimate_training(70e9, 2e12, H100, gpus=2)
    assert not est.fits and "training needs" in est.reason


def test_memory_floor_is_a_placement_size() -> None:
    est = estimate_training(70e9, 2e12, H100)
    # 16 B/param x 70e9 = 1.12 TB -> 16 H100 (two nodes)
    assert est.min_gpus == 16
    assert estimate_training(1e9, 1e10, H100).min_gpus == 1


def test_window_gives_concurrent_gpus() -> None:
    est = estimate_training(7e9, 1e12, H100, window_hours=2190)
    assert est.concurrent_gpus == pytest.approx(max(est.min_gpus, est.gpu_hours / 2190))


def test_mfu_defaults_follow_scale_and_generation() -> None:
    small, large = default_mfu(H100, "bf16", 4096), default_mfu(H100, "bf16", 16384)
    assert small < large
    assert large == pytest.approx(0.40)  # Llama 3 405B reference
    assert default_mfu(A100, "bf16", 4096) > small  # higher FLOP/byte ratio hurts Hopper more
    fp8 = default_mfu(H100, "fp8", 16384)
    assert fp8 < large  # quoted against the (2x) FP8 peak
    assert fp8 * H100.peak_tflops("fp8") > large * H100.peak_tflops("bf16")


def test_fp8_on_chip_without_fp8_is_bf16_speed() -> None:
    bf16 = estimate_training(7e9, 1e12, A100)
    fp8 = estimate_training(7e9, 1e12, A100, precision="fp8")
    assert fp8.gpu_hours == pytest.approx(bf16.gpu_hours)


def test_mfu_override() -> None:
    est = estimate_training(ModelSpec(params=7e9), 1e12, H100, mfu=0.5)
    assert est.mfu == 0.5


def test_bad_precision_and_tokens() -> None:
    with pytest.raises(SizingError):
        estimate_training(7e9, 1e12, H100, precision="int4")
    with pytest.raises(SizingError):
        estimate_training(7e9, 0, H100)


def test_result_to_dict_has_units() -> None:
    d = estimate_training(7e9, 1e12, H100).to_dict()
    for key in ("flops", "gpu_hours", "min_gpus", "mfu", "goodput", "memory_gb_per_gpu"):
        assert key in d
    assert math.isfinite(d["gpu_hours"])


def test_shape_table() -> None:
    s = model_shape(70.6e9)
    assert (s.layers, s.hidden_size, s.kv_heads, s.head_dim) == (80, 8192, 8, 128)
    assert model_shape(8.03e9).hidden_size == 4096
    given = model_shape(7e9, layers=10, hidden_size=1024, kv_heads=2)
    assert (given.layers, given.hidden_size, given.kv_heads) == (10, 1024, 2)
    assert model_shape(5e12).hidden_size > model_shape(1e12).hidden_size


def test_placement_sizes() -> None:
    assert placement_sizes(H100, 32) == [1, 2, 4, 8, 16, 24, 32]
    assert round_to_placement(3, H100) == 4
    assert round_to_placement(9, H100) == 16
    assert round_to_placement(0.2, H100) == 1
