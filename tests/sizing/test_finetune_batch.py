"""LoRA / QLoRA fine-tuning rules of thumb and batch inference."""

from __future__ import annotations

import pytest

from fleetplan.catalog.hardware import resolve_accelerator
from fleetplan.model.workload import ModelSpec
from fleetplan.sizing import (
    SizingError,
    estimate_batch,
    estimate_finetune,
    estimate_serving,
    estimate_training,
)

H100 = resolve_accelerator("H100-SXM")
L40S = resolve_accelerator("L40S")


def test_full_finetune_equals_training() -> None:
    ft = estimate_finetune(8e9, 1e9, H100, method="full")
    tr = estimate_training(8e9, 1e9, H100)
    assert ft.gpu_hours == pytest.approx(tr.gpu_hours)
    assert ft.min_gpus == tr.min_gpus


def test_lora_is_two_thirds_of_full_flops() -> None:
    lora = estimate_finetune(8e9, 1e9, H100, method="lora")
    full = estimate_finetune(8e9, 1e9, H100, method="full")
    assert lora.flops == pytest.approx(full.flops * 4 / 6)
    assert lora.min_gpus <= full.min_gpus


def test_qlora_memory_and_speed() -> None:
    spec = ModelSpec(params=65e9, context_tokens=2048)
    qlora = estimate_finetune(spec, 1e8, L40S, method="qlora")
    lora = estimate_finetune(spec, 1e8, L40S, method="lora")
    assert qlora.min_gpus == 1  # QLoRA paper: 65B on one 48 GB GPU
    assert lora.min_gpus > 1
    assert qlora.gpu_hours > lora.gpu_hours


def test_unknown_method() -> None:
    with pytest.raises(SizingError):
        estimate_finetune(8e9, 1e9, H100, method="dora")


def test_batch_hours_from_max_throughput() -> None:
    est = estimate_batch(8e9, 1.2e10, H100, gpus=1, precision="fp8", input_tokens=1000, output_tokens=200)
    serve = estimate_serving(8e9, H100, gpus=1, precision="fp8", input_tokens=1000, output_tokens=200)
    requests = 1.2e10 / 1200
    assert est.requests == pytest.approx(requests)
    assert est.accelerator_hours == pytest.approx(requests / serve.requests_per_s / 3600)
    assert est.accelerator_hours == pytest.approx(est.replica_hours * est.gpus)


def test_batch_picks_replica_when_gpus_not_given() -> None:
    est = estimate_batch(70e9, 1e9, H100, precision="bf16")
    assert est.fits and est.gpus >= 2
    with pytest.raises(SizingError):
        estimate_batch(70e9, 0, H100)
