"""Shared scenarios: small hand-checkable ones with their own tiny catalog (named reference scenarios
'tiny-*'), written and loaded by ``write_scenario`` or the ``make_scenario`` fixture.

A test package that uses the fixture imports it into its ``conftest.py``.
"""

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


OWN_SITE: dict[str, Any] = {
    "name": "dc",
    "provider": "own",
    "country": "US",
    "latency_zone": "us-east",
    "power_capacity_kw": 100,
    "pue": 1.0,
    "electricity_usd_per_kwh": 0.0,
    "buyable": ["srv"],
}
"""An owned site with free electricity that may buy ``own_server`` servers."""


def own_server(capex_usd: float) -> dict[str, Any]:
    """An 8 x A100 server with no lead time, 5-year life and no opex."""
    return {
        "name": "srv",
        "accelerator": "A100-80GB",
        "accelerators_per_server": 8,
        "capex_usd": capex_usd,
        "lead_time_periods": 0,
        "lifetime_years": 5,
        "opex_usd_per_year": 0,
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


def offering_rows(offers: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Catalog rows from drawn offers ``((provider, region), (chip, count), pricing, price,
    max_instances or None)``; a later duplicate of an instance and pricing model replaces an earlier
    one. Spot rows get a 1 %/h interruption rate."""
    rows: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for (prov, region), (chip, count), pm, price, avail in offers:
        key = (prov, region, f"{chip.lower()}x{count}", pm)
        rows[key] = offering(
            prov,
            region,
            key[2],
            chip,
            count,
            pm,
            price,
            availability_max_instances="" if avail is None else avail,
            spot_interruption_rate_per_hour=0.01 if pm == "spot" else "",
        )
    return list(rows.values())


MakeScenario = Callable[..., Scenario]


def write_scenario(folder: Path, offerings: list[dict[str, Any]], **changes: Any) -> Scenario:
    """Write a scenario (BASE updated with ``changes``) and its offerings CSV into ``folder``; load it."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "offerings.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(OFFERING_COLUMNS))
        writer.writeheader()
        writer.writerows(offerings)
    doc = {**BASE, **changes}
    (folder / "scenario.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    return load_scenario(folder / "scenario.yaml")


@pytest.fixture
def make_scenario(tmp_path: Path) -> MakeScenario:
    """Write a scenario (BASE updated with ``changes``) and its offerings CSV; load it."""
    counter = [0]

    def make(offerings: list[dict[str, Any]], **changes: Any) -> Scenario:
        counter[0] += 1
        return write_scenario(tmp_path / f"s{counter[0]}", offerings, **changes)

    return make
