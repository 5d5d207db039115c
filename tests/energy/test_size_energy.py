"""``fleetplan size train`` reports energy and emissions with stated defaults."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from fleetplan.energy import (
    DEFAULT_CLOUD_SERVER_OVERHEAD,
    DEFAULT_UTILIZATION,
    FALLBACK_GRID_KGCO2E_PER_KWH,
    FALLBACK_PUE,
)
from fleetplan.sizing.cli import size_app

app = typer.Typer()
app.add_typer(size_app, name="size")


@app.callback()
def _root() -> None:
    """test root"""


runner = CliRunner()
ARGS = ["size", "train", "--params", "7e9", "--tokens", "2e12", "--accelerator", "A100-80GB"]


def test_train_json_energy_with_defaults() -> None:
    r = runner.invoke(app, [*ARGS, "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    factor = DEFAULT_UTILIZATION * DEFAULT_CLOUD_SERVER_OVERHEAD * FALLBACK_PUE
    assert d["energy_kwh"] == pytest.approx(d["gpu_hours"] * 400 * factor / 1000)
    assert d["co2e_t"] == pytest.approx(d["energy_kwh"] * FALLBACK_GRID_KGCO2E_PER_KWH / 1000)
    assert d["tdp_w"] == 400 and d["pue"] == FALLBACK_PUE
    assert d["grid_kgco2e_per_kwh"] == FALLBACK_GRID_KGCO2E_PER_KWH
    assert d["power_utilization"] == DEFAULT_UTILIZATION and d["server_overhead"] == DEFAULT_CLOUD_SERVER_OVERHEAD


def test_train_json_energy_with_options() -> None:
    r = runner.invoke(
        app,
        [
            *ARGS,
            "--json",
            "--pue",
            "1.1",
            "--grid-kgco2e-per-kwh",
            "0.05",
            "--utilization",
            "1",
            "--server-overhead",
            "1",
        ],
    )
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["energy_kwh"] == pytest.approx(d["gpu_hours"] * 400 * 1.1 / 1000)
    assert d["co2e_t"] == pytest.approx(d["energy_kwh"] * 0.05 / 1000)


def test_train_human_output_states_the_defaults() -> None:
    r = runner.invoke(app, ARGS)
    assert r.exit_code == 0, r.output
    flat = " ".join(r.stdout.split())
    assert "energy (kWh)" in flat and "emissions (tCO2e)" in flat
    assert f"PUE {FALLBACK_PUE:g}" in flat and f"grid {FALLBACK_GRID_KGCO2E_PER_KWH:g} kgCO2e/kWh" in flat


def test_bad_pue_is_rejected() -> None:
    r = runner.invoke(app, [*ARGS, "--pue", "0.5"])
    assert r.exit_code == 2
