"""Infeasible scenarios of many kinds: each explanation names the conflicting requirement."""

from __future__ import annotations

from pathlib import Path

import pytest

from fleetplan.cli import main
from fleetplan.optimize import InfeasibleError, optimize

from .conftest import BATCH_8B, offering

ALPHA = [offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0)]
BOTH = [*ALPHA, offering("beta", "b-east", "a100x8", "A100-80GB", 8, "on_demand", 24.0)]
OWN_L4 = {
    "sites": [
        {
            "name": "dc",
            "provider": "own",
            "country": "US",
            "latency_zone": "us-east",
            "power_capacity_kw": 50,
            "existing": [{"server_type": "l4box", "count": 2, "purchased": "2026Q1"}],
        }
    ],
    "server_types": [{"name": "l4box", "accelerator": "L4", "accelerators_per_server": 1, "capex_usd": 9000}],
}

CASES = [
    ("budget", BOTH, {"workloads": [BATCH_8B], "policy": {"budgets_usd": {"2027Q2": 10.0}}}, "budget 2027Q2"),
    (
        "provider-cap",
        ALPHA,
        {"workloads": [BATCH_8B], "policy": {"max_provider_share": 0.5}},
        "share cap for alpha (50%) is too tight",
    ),
    (
        "chip-vendor-cap",
        BOTH,
        {"workloads": [BATCH_8B], "policy": {"max_chip_vendor_share": 0.4}},
        "chip vendor share cap for NVIDIA",
    ),
    (
        "regulated-nowhere",
        BOTH,
        {"workloads": [{**BATCH_8B, "sensitivity": "regulated"}]},
        "sensitivity `regulated` allows only",
    ),
    (
        "regulated-memory",
        BOTH,
        {
            "workloads": [
                {
                    "name": "fraud",
                    "kind": "serve",
                    "model": {"params": 70e9},
                    "demand": {"peak_rps": 2},
                    "sensitivity": "regulated",
                }
            ],
            **OWN_L4,
        },
        "workload fraud: memory fit",
    ),
    (
        "carbon-budget",
        BOTH,
        {"workloads": [BATCH_8B], "policy": {"carbon_budget_tco2e": 0.001}},
        "carbon budget (horizon) is short",
    ),
    (
        "min-providers",
        ALPHA,
        {"workloads": [{**BATCH_8B, "criticality": "critical"}], "policy": {"min_providers_critical": 2}},
        "critical workload batch-8b",
    ),
    (
        "n-minus-1",
        ALPHA,
        {"workloads": [{**BATCH_8B, "criticality": "critical"}], "policy": {"n_minus_1": True}},
        "N-1: without alpha",
    ),
    ("latency-zone", BOTH, {"workloads": [{**BATCH_8B, "latency_zones": ["eu-west"]}]}, "latency zones eu-west"),
    (
        "availability",
        [offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0, availability_max_instances=0.01)],
        {"workloads": [{**BATCH_8B, "demand": {"tokens_per_period": 5e11}}]},
        "alpha/a-east/a100x8 capped at",
    ),
    (
        "site-power",
        [],
        {
            "workloads": [
                {**BATCH_8B, "accelerators": ["L4"], "providers": ["own"], "demand": {"tokens_per_period": 5e12}}
            ],
            **OWN_L4,
        },
        "site dc limited to its servers and 50 kW",
    ),
]


@pytest.mark.parametrize(("case", "offs", "changes", "expected"), CASES, ids=[c[0] for c in CASES])
def test_infeasible_scenario_is_explained(make_scenario, case, offs, changes, expected) -> None:
    sc = make_scenario(offs or ALPHA, **changes)
    with pytest.raises(InfeasibleError) as info:
        optimize(sc, baselines=False)
    assert any(expected in r for r in info.value.reasons), info.value.reasons


def test_at_least_eight_kinds() -> None:
    assert len({c[0] for c in CASES}) >= 8


def test_cli_exits_1_and_names_the_conflict(make_scenario, tmp_path: Path, capsys) -> None:
    sc = make_scenario(BOTH, workloads=[BATCH_8B], policy={"budgets_usd": {"2027Q2": 10.0}})
    path = Path(sc._source)
    assert main(["plan", str(path)]) == 1
    err = capsys.readouterr().err
    assert "budget 2027Q2" in err and "Traceback" not in err
