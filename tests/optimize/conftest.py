"""Small hand-checkable scenarios with their own tiny catalog (named reference scenarios 'tiny-*')."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from fleetplan.catalog.schema import OFFERING_COLUMNS
from fleetplan.load import load_scenario
from fleetplan.model.scenario import Scenario

BASE: dict[str, Any] = {
    "schema": "fleetplan.scenario/1",
    "name": "tiny",
    "horizon": {"start": "2027Q1", "periods": 4},
    "discount_rate_per_year": 0.0,
    "catalog": {"builtin": False, "files": ["offerings.csv"]},
    "providers": [
        {"name": "alpha", "kind": "gpu_cloud", "tags": ["us"]},
        {"name": "beta", "kind": "gpu_cloud", "tags": ["us"]},
        {"name": "gamma", "kind": "cloud", "tags": ["eu"]},
        {"name": "own", "kind": "onprem"},
    ],
    "regions": [
        {
            "provider": "alpha",
            "name": "a-east",
            "country": "US",
            "latency_zone": "us-east",
            "grid_kgco2e_per_kwh": 0.4,
            "pue": 1.2,
        },
        {
            "provider": "alpha",
            "name": "a-west",
            "country": "US",
            "latency_zone": "us-west",
            "grid_kgco2e_per_kwh": 0.1,
            "pue": 1.2,
        },
        {
            "provider": "beta",
            "name": "b-east",
            "country": "US",
            "latency_zone": "us-east",
            "grid_kgco2e_per_kwh": 0.4,
            "pue": 1.2,
        },
        {
            "provider": "gamma",
            "name": "g-fr",
            "country": "FR",
            "latency_zone": "eu-west",
            "grid_kgco2e_per_kwh": 0.05,
            "pue": 1.1,
        },
    ],
    "onboarded_providers": ["alpha", "beta", "gamma"],
    "workloads": [],
}

BATCH_8B = {
    "name": "batch-8b",
    "kind": "batch",
    "model": {"params": 8.0e9},
    "demand": {"tokens_per_period": 2.0e10},
    "accelerators": ["A100-80GB"],
}


def offering(
    provider: str, region: str, instance: str, accelerator: str, count: int, pricing: str, price: float, **extra: Any
) -> dict[str, Any]:
    row = {c: "" for c in OFFERING_COLUMNS}
    row.update(
        provider=provider,
        region=region,
        instance_type=instance,
        accelerator=accelerator,
        accelerator_count=count,
        pricing_model=pricing,
        price_usd_per_hour=price,
        price_date="2026-11",
        source="test fixture",
    )
    row.update({k: v for k, v in extra.items()})
    return row


MakeScenario = Callable[..., Scenario]


@pytest.fixture
def make_scenario(tmp_path: Path) -> MakeScenario:
    """Write a scenario (BASE updated with ``changes``) and its offerings CSV; load it."""
    counter = [0]

    def make(offerings: list[dict[str, Any]], **changes: Any) -> Scenario:
        counter[0] += 1
        folder = tmp_path / f"s{counter[0]}"
        folder.mkdir()
        with (folder / "offerings.csv").open("w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(OFFERING_COLUMNS))
            writer.writeheader()
            writer.writerows(offerings)
        doc = {**BASE, **changes}
        (folder / "scenario.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
        return load_scenario(folder / "scenario.yaml")

    return make
