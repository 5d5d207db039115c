"""The bundled example scenario: validates, plans verified within 1 %, beats the baselines."""

from __future__ import annotations

import json

from fleetplan.cli import main


def test_example_validates(example_path, capsys) -> None:
    assert main(["validate", str(example_path)]) == 0
    assert "14 workloads" in capsys.readouterr().out


def test_example_plans_verified_and_beats_baselines(example_path, tmp_path, capsys) -> None:
    out = tmp_path / "plan.json"
    # a generous limit: the 1 % proof takes under a minute here, and CI machines may be slower
    assert main(["plan", str(example_path), "-o", str(out), "--brief", "--time-limit", "900", "--gap", "0.01"]) == 0
    doc = json.loads(out.read_text())
    assert doc["schema"] == "fleetplan.plan/1"
    assert doc["verification"]["ok"]
    assert doc["solver"]["status"] == "optimal" and doc["solver"]["gap"] <= 0.01
    total = doc["totals"]["total_usd"]
    for b in doc["baselines"]:
        # cheaper than each baseline, or the baseline breaks policies that the output names
        assert b["total_usd"] is None or b["total_usd"] > total or b["violations"], b
    single = next(b for b in doc["baselines"] if b["name"] == "single_provider_on_demand")
    assert single["total_usd"] > total
    printed = capsys.readouterr().out
    assert "verified" in printed and "Compared with" in printed
