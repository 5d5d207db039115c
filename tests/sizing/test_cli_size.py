"""``fleetplan size`` through typer's CliRunner, mounted the way the main CLI mounts it."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from fleetplan.sizing.cli import size_app

app = typer.Typer()
app.add_typer(size_app, name="size")


@app.callback()
def _root() -> None:
    """test root"""


runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, ["size", *args])


def test_train_json_contract() -> None:
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
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    for key in ("flops", "gpu_hours", "min_gpus", "wall_clock_days", "mfu"):
        assert key in d
    assert d["flops"] == pytest.approx(6 * 70e9 * 2e12)
    assert d["wall_clock_days"] == pytest.approx(d["gpu_hours"] / 2048 / 24)


def test_train_moe_fp8_mfu_override() -> None:
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


def test_serve_json_contract() -> None:
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
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    for key in ("output_tokens_per_s", "requests_per_s", "max_batch", "replicas_needed"):
        assert key in d
    assert d["replicas_needed"] >= 30 / d["requests_per_s"]
    assert d["tpot_ms"] <= 50


def test_serve_without_rps_has_no_replicas() -> None:
    r = run("serve", "--params", "8e9", "--accelerator", "L4", "--precision", "int4", "--json")
    d = json.loads(r.stdout)
    assert r.exit_code == 0 and "replicas_needed" not in d and d["output_tokens_per_s"] > 0


def test_unknown_accelerator_exit_2_one_line() -> None:
    r = run("train", "--params", "7e9", "--tokens", "1e12", "--accelerator", "H1000")
    assert r.exit_code == 2
    lines = [x for x in r.output.splitlines() if x.strip()]
    assert lines == ["fleetplan: error: unknown accelerator 'H1000' (did you mean 'H100'?)"]
    assert "Traceback" not in r.output


def test_bad_precision_exit_2() -> None:
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
    assert r.exit_code == 2 and "fleetplan: error:" in r.output


def test_does_not_fit_exit_1() -> None:
    r = run("serve", "--params", "70e9", "--accelerator", "H100", "--gpus", "1", "--json")
    assert r.exit_code == 1
    assert json.loads(r.stdout)["fits"] is False


def test_human_output_shows_assumptions() -> None:
    r = run("train", "--params", "7e9", "--tokens", "1e12", "--accelerator", "A100-80GB")
    assert r.exit_code == 0 and "MFU" in r.output and "goodput" in r.output
    r = run("serve", "--params", "8e9", "--accelerator", "H100", "--precision", "fp8")
    assert r.exit_code == 0 and "output tokens/s" in r.output and "assumes" in r.output


def test_finetune_and_batch() -> None:
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
    assert r.exit_code == 0 and json.loads(r.stdout)["method"] == "qlora"
    r = run("batch", "--params", "8e9", "--tokens", "1e10", "--accelerator", "L4", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["accelerator_hours"] > 0
