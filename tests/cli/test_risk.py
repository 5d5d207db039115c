"""``fleetplan risk``: the JSON document, runbooks, the terminal report and bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

from .conftest import BATCH_8B, Fleetplan, MakeScenario, offering

CRITICAL = {**BATCH_8B, "criticality": "critical"}
CONTACTS = [
    {"tier": 2, "name": "Head of platform", "email": "head@example.com"},
    {"tier": 1, "name": "On-call", "role": "SRE", "phone": "+1 555 0100"},
]


def _scenario(make_scenario: MakeScenario, tmp_path: Path, price: float = 16.0) -> Path:
    offs = [
        offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", price),
        offering("beta", "b-east", "a100x8", "A100-80GB", 8, "on_demand", 1.5 * price),
    ]
    make_scenario(offs, workloads=[CRITICAL], contacts=CONTACTS)
    return next(tmp_path.glob("s*/scenario.yaml"))


def test_risk_command_json_and_runbooks(make_scenario: MakeScenario, tmp_path: Path, fleetplan: Fleetplan) -> None:
    scenario = _scenario(make_scenario, tmp_path)
    res = fleetplan("risk", scenario, "--json", "--draws", "500", "--runbooks", tmp_path / "rb")
    assert res.code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["schema"] == "fleetplan.risk/1"
    events = {e["event"] for e in doc["contingency"]["events"]}
    assert {"provider alpha", "region alpha/a-east", "vendor NVIDIA"} <= events
    assert doc["n_minus_1"]["status"] == "ok" and doc["n_minus_1"]["verified"] is True
    assert doc["n_minus_1"]["premium_usd"] > 0
    assert doc["monte_carlo"]["draws"] == 500
    assert {"index", "shares"} <= set(doc["concentration"])
    assert doc["runbooks"] == [{"workload": "batch-8b", "file": "batch-8b.md"}]
    assert (tmp_path / "rb" / "batch-8b.md").exists()

    res = fleetplan("risk", scenario, "--no-n-minus-1", "--draws", "500")
    assert res.code == 0, res.stderr
    assert "Contingencies" in res.stdout and "provider alpha" in res.stdout and "Monte Carlo" in res.stdout

    res = fleetplan("risk", scenario, "--shock", "price:nobody:0.3")
    assert (res.code, res.stdout) == (2, "")
    assert "unknown provider 'nobody'" in res.stderr and res.stderr.count("\n") == 1
    assert fleetplan("risk", tmp_path / "missing.yaml").code == 2
    res = fleetplan("risk", scenario, "--duration", "-1")
    assert (res.code, res.stderr) == (2, "fleetplan: error: --duration: must be a positive number of hours\n")


def test_risk_prints_billions_like_plan(make_scenario: MakeScenario, tmp_path: Path, fleetplan: Fleetplan) -> None:
    """Money in the risk report uses the plan's formatter: $1.50B, never $1,500.00M."""
    scenario = _scenario(make_scenario, tmp_path, price=6.4e6)
    res = fleetplan("risk", scenario, "--draws", "100")
    assert res.code == 0, res.stderr
    headline = res.stdout.splitlines()[0]
    assert re.search(r": \$\d{1,3}\.\d\dB over ", headline), headline
    billions = r"\$\d{1,3}\.\d\dB"
    assert re.search(rf"N-1 premium: \$\d{{1,3}}\.\d\d[MB] .*plain plan {billions}, N-1 plan {billions}", res.stdout)
    assert not re.search(r"\$\d{1,3}(,\d{3})+\.\d\dM", res.stdout)
