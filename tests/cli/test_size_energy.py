"""``fleetplan size train`` reports energy and emissions with stated defaults."""

from __future__ import annotations

import json

import pytest

from fleetplan.energy import (
    DEFAULT_CLOUD_SERVER_OVERHEAD,
    DEFAULT_UTILIZATION,
    FALLBACK_GRID_KGCO2E_PER_KWH,
    FALLBACK_PUE,
)

from .conftest import Fleetplan

ARGS = ["size", "train", "--params", "7e9", "--tokens", "2e12", "--accelerator", "A100-80GB"]


def test_train_json_energy_with_defaults(fleetplan: Fleetplan) -> None:
    r = fleetplan(*ARGS, "--json")
    assert r.code == 0, r.stderr
    d = json.loads(r.stdout)
    factor = DEFAULT_UTILIZATION * DEFAULT_CLOUD_SERVER_OVERHEAD * FALLBACK_PUE
    assert d["energy_kwh"] == pytest.approx(d["gpu_hours"] * 400 * factor / 1000)
    assert d["co2e_t"] == pytest.approx(d["energy_kwh"] * FALLBACK_GRID_KGCO2E_PER_KWH / 1000)
    assert d["tdp_w"] == 400 and d["pue"] == FALLBACK_PUE
    assert d["grid_kgco2e_per_kwh"] == FALLBACK_GRID_KGCO2E_PER_KWH
    assert d["power_utilization"] == DEFAULT_UTILIZATION and d["server_overhead"] == DEFAULT_CLOUD_SERVER_OVERHEAD


def test_train_json_energy_with_options(fleetplan: Fleetplan) -> None:
    r = fleetplan(
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
    )
    assert r.code == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["energy_kwh"] == pytest.approx(d["gpu_hours"] * 400 * 1.1 / 1000)
    assert d["co2e_t"] == pytest.approx(d["energy_kwh"] * 0.05 / 1000)


def test_train_human_output_states_the_defaults(fleetplan: Fleetplan) -> None:
    r = fleetplan(*ARGS)
    assert r.code == 0, r.stderr
    flat = " ".join(r.stdout.split())
    assert "energy (kWh)" in flat and "emissions (tCO2e)" in flat
    assert f"PUE {FALLBACK_PUE:g}" in flat and f"grid {FALLBACK_GRID_KGCO2E_PER_KWH:g} kgCO2e/kWh" in flat


def test_bad_pue_is_rejected(fleetplan: Fleetplan) -> None:
    r = fleetplan(*ARGS, "--pue", "0.5")
    assert r.code == 2
