"""Small plan documents built by hand for the export tests, and the committed example plans."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1] / "report" / "data"
NEW, OLD = DATA / "new.plan.json", DATA / "old.plan.json"
QUARTER_H = 2190.0


def example(path: Path = NEW) -> dict[str, Any]:
    """A committed plan of the carbon-budget example (four quarters of 2027)."""
    return json.loads(path.read_text("utf-8"))


def alloc(
    workload: str, kind: str, provider: str, region: str | None, accelerator: str, pricing: str, **kw: Any
) -> dict:
    """One allocation row; ``accelerators`` (average in use) sets accelerator_hours over a quarter."""
    accelerators = kw.pop("accelerators", 8)
    row = {
        "workload": workload,
        "kind": kind,
        "period": "2027Q1",
        "provider": provider,
        "region": region,
        "site": None,
        "server_type": None,
        "instance_type": None,
        "accelerator": accelerator,
        "vendor": "NVIDIA",
        "pricing_model": pricing,
        "option_id": 1,
        "replicas": None,
        "accelerator_hours": accelerators * QUARTER_H,
        "coverage": 1.0,
        "cost_usd": 0.0,
    }
    row.update(kw)
    return row


def plan(*allocations: dict, reservations: list[dict] | None = None) -> dict[str, Any]:
    """A one-quarter plan document holding ``allocations``."""
    return {
        "schema": "fleetplan.plan/1",
        "scenario": "Contoso inference",
        "currency": "USD",
        "periods": ["2027Q1"],
        "allocations": list(allocations),
        "reservations": reservations or [],
        "purchases": [],
        "commitments": [],
    }


def critical_service_on_two_providers() -> dict[str, Any]:
    """A service: 4 replicas on AWS (on demand), 2 on GCP (spot), one H100 each."""
    return plan(
        alloc(
            "chat",
            "serve",
            "gcp",
            "us-central1",
            "H100-SXM",
            "spot",
            replicas=2.0,
            accelerators=2,
            instance_type="a3-highgpu-1g",
            cost_usd=2 * QUARTER_H * 3.0,
        ),
        alloc(
            "chat",
            "serve",
            "aws",
            "us-east-1",
            "H100-SXM",
            "on_demand",
            replicas=4.0,
            accelerators=4,
            instance_type="p5.4xlarge",
            cost_usd=4 * QUARTER_H * 6.0,
        ),
    )


def reserved_with_slack() -> dict[str, Any]:
    """16 reserved H100s in nebius/eu-north1 of which two workloads use 9.5 on average, plus an
    owned site running 5 A100s."""
    res = {
        "option_id": 7,
        "provider": "nebius",
        "region": "eu-north1",
        "instance_type": "gpu-h100-sxm_8gpu-128vcpu-1600gb",
        "accelerator": "H100-SXM",
        "pricing_model": "reserved_1y",
        "start_period": "2027Q1",
        "end_period": "2027Q4",
        "term_periods": 4,
        "instances": 2,
        "accelerators": 16,
    }
    return plan(
        alloc(
            "pretrain",
            "train",
            "nebius",
            "eu-north1",
            "H100-SXM",
            "reserved_1y",
            accelerators=8,
            instance_type="gpu-h100-sxm_8gpu-128vcpu-1600gb",
        ),
        alloc(
            "evals",
            "batch",
            "nebius",
            "eu-north1",
            "H100-SXM",
            "reserved_1y",
            accelerators=1.5,
            instance_type="gpu-h100-sxm_8gpu-128vcpu-1600gb",
        ),
        alloc(
            "evals", "batch", "own-dc", "dc1", "A100-80GB", "owned", accelerators=5, site="dc1", server_type="hgx-a100"
        ),
        reservations=[res],
    )
