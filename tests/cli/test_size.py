"""``fleetplan size``: JSON contracts, exit codes and the human-readable tables."""

from __future__ import annotations

import json

import pytest

from .conftest import Fleetplan, Result


@pytest.fixture
def run(fleetplan: Fleetplan):
    def size(*args: str) -> Result:
        return fleetplan("size", *args)

    return size


def test_train_json_contract(run) -> None:
    r = run(
        "train",
        "--params",
        "70e9",
        "--tokens",
        "2e12",
        "--accelerator",
        "H100-80GB",
        "--gpus",
        "2048",
        "--json",
    )
    assert r.code == 0, r.stdout + r.stderr
    d = json.loads(r.stdout)
    for key in ("flops", "gpu_hours", "min_gpus", "wall_clock_days", "mfu"):
        assert key in d
    assert d["flops"] == pytest.approx(6 * 70e9 * 2e12)
    assert d["wall_clock_days"] == pytest.approx(d["gpu_hours"] / 2048 / 24)


def test_train_moe_fp8_mfu_override(run) -> None:
    r = run(
        "train",
        "--params",
        "70e9",
        "--active-params",
        "37e9",
        "--tokens",
        "2e12",
        "--accelerator",
        "H100-80GB",
        "--precision",
        "fp8",
        "--mfu",
        "0.4",
        "--json",
    )
    d = json.loads(r.stdout)
    assert d["mfu"] == 0.4 and d["precision"] == "fp8" and "wall_clock_days" not in d
    assert d["flops"] == pytest.approx(6 * 37e9 * 2e12)


def test_serve_json_contract(run) -> None:
    r = run(
        "serve",
        "--params",
        "70e9",
        "--accelerator",
        "H100-80GB",
        "--gpus",
        "4",
        "--precision",
        "fp8",
        "--input-tokens",
        "1000",
        "--output-tokens",
        "200",
        "--ttft-ms",
        "500",
        "--tpot-ms",
        "50",
        "--rps",
        "30",
        "--json",
    )
    assert r.code == 0, r.stdout + r.stderr
    d = json.loads(r.stdout)
    for key in ("output_tokens_per_s", "requests_per_s", "max_batch", "replicas_needed"):
        assert key in d
    assert d["replicas_needed"] >= 30 / d["requests_per_s"]
    assert d["tpot_ms"] <= 50


def test_serve_without_rps_has_no_replicas(run) -> None:
    r = run("serve", "--params", "8e9", "--accelerator", "L4", "--precision", "int4", "--json")
    d = json.loads(r.stdout)
    assert r.code == 0 and "replicas_needed" not in d and d["output_tokens_per_s"] > 0


def test_unknown_accelerator_exit_2_one_line(run) -> None:
    r = run("train", "--params", "7e9", "--tokens", "1e12", "--accelerator", "H1000")
    assert r.code == 2
    assert r.stdout == ""
    assert r.stderr == "fleetplan: error: unknown accelerator 'H1000' (did you mean 'H100'?)\n"


def test_bad_precision_exit_2(run) -> None:
    r = run(
        "train",
        "--params",
        "7e9",
        "--tokens",
        "1e12",
        "--accelerator",
        "H100",
        "--precision",
        "int4",
    )
    assert r.code == 2
    assert r.stderr == "fleetplan: error: precision 'int4' is not supported for training (use bf16 or fp8)\n"


def test_does_not_fit_exit_1(run) -> None:
    r = run("serve", "--params", "70e9", "--accelerator", "H100", "--gpus", "1", "--json")
    assert r.code == 1
    assert json.loads(r.stdout)["fits"] is False
    assert r.stderr.startswith("fleetplan: does not fit: needs ") and r.stderr.count("\n") == 1
    r = run("serve", "--params", "8e12", "--accelerator", "L4")
    assert (r.code, r.stdout) == (1, "")
    assert r.stderr == "fleetplan: error: a 8e+12-parameter model does not fit 64 x L4\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("train", "--params", "-7", "--tokens", "1e12"), "--params: Input should be greater than 0"),
        (("train", "--params", "7e9", "--tokens", "-1"), "--tokens must be positive"),
        (("batch", "--params", "8e9", "--tokens", "0"), "--tokens must be positive"),
        (("finetune", "--params", "8e9", "--tokens", "1e9", "--method", "x"), "unknown fine-tuning method 'x'"),
    ],
)
def test_bad_values_exit_2_one_line(run, args: tuple[str, ...], message: str) -> None:
    r = run(*args, "--accelerator", "L4")
    assert (r.code, r.stdout) == (2, "")
    assert r.stderr.startswith(f"fleetplan: error: {message}") and r.stderr.count("\n") == 1


def test_human_output_shows_assumptions(run) -> None:
    r = run("train", "--params", "7e9", "--tokens", "1e12", "--accelerator", "A100-80GB")
    assert r.code == 0 and "MFU" in r.stdout and "goodput" in r.stdout
    r = run("serve", "--params", "8e9", "--accelerator", "H100", "--precision", "fp8")
    assert r.code == 0 and "output tokens/s" in r.stdout and "assumes" in r.stdout


def test_finetune_and_batch(run) -> None:
    r = run(
        "finetune",
        "--params",
        "8e9",
        "--tokens",
        "1e9",
        "--accelerator",
        "A100-80GB",
        "--method",
        "qlora",
        "--json",
    )
    assert r.code == 0 and json.loads(r.stdout)["method"] == "qlora"
    r = run("batch", "--params", "8e9", "--tokens", "1e10", "--accelerator", "L4", "--json")
    assert r.code == 0 and json.loads(r.stdout)["accelerator_hours"] > 0
