"""``fleetplan generate``: writes the scenario it reports, the same one per seed; bad arguments exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from .conftest import Fleetplan


def test_generate(tmp_path: Path, fleetplan: Fleetplan) -> None:
    out = tmp_path / "s.yaml"
    args = ["generate", "--workloads", "20", "--providers", "5", "--periods", "2", "--seed", "3", "-o"]
    res = fleetplan(*args, out)
    assert res.code == 0, res.stderr
    assert res.stdout.startswith(f"wrote {out}: 20 workloads (")
    data = yaml.safe_load(out.read_text())
    assert len(data["workloads"]) == 20 and data["horizon"]["periods"] == 2
    assert fleetplan(*args, tmp_path / "t.yaml").code == 0
    assert (tmp_path / "t.yaml").read_text().split("\n", 2)[2] == out.read_text().split("\n", 2)[2]
    bad = fleetplan("generate", "--workloads", "0", "-o", tmp_path / "x.yaml")
    assert (bad.code, bad.stdout) == (2, "")
    assert bad.stderr == "fleetplan: error: --workloads must be between 1 and 100,000, got 0\n"
    assert not (tmp_path / "x.yaml").exists()


def test_generate_bill(tmp_path: Path, fleetplan: Fleetplan) -> None:
    out, truth = tmp_path / "bill.csv.gz", tmp_path / "truth.json"
    res = fleetplan(
        "generate-bill", "--rows", "600", "--providers", "aws,oci", "--months", "1", "-o", out, "--truth", truth
    )
    assert res.code == 0, res.stderr
    assert res.stdout.startswith(f"wrote {out}: 600 rows, FOCUS 1.2, 2 providers, 1 months from 2026-07")
    doc = json.loads(truth.read_text())
    assert doc["rows"] == 600 and doc["providers"] == ["aws", "oci"] and doc["format"] == "csv.gz"
    bad = fleetplan("generate-bill", "--providers", "aws,vast", "-o", tmp_path / "x.csv")
    assert (bad.code, bad.stdout) == (2, "")
    assert bad.stderr == "fleetplan: error: --providers: unknown provider 'vast' (choose from aws, azure, gcp, oci)\n"
    assert not (tmp_path / "x.csv").exists()
