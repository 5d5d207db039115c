"""``fleetplan export``: write a folder, check it, and the exit codes of a failed check and bad input."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .conftest import Fleetplan

DATA = Path(__file__).resolve().parents[1] / "report" / "data"
NEW = DATA / "new.plan.json"


def test_export_then_check(fleetplan: Fleetplan, tmp_path: Path) -> None:
    out = tmp_path / "sky"
    res = fleetplan("export", NEW, "--to", "skypilot", "--all-periods", "-o", out)
    assert res.code == 0, res.stderr
    assert "wrote" in res.stderr and res.stdout == ""
    manifest = json.loads((out / "fleetplan-export.json").read_text())
    assert manifest["plan"]["sha256"] == hashlib.sha256(NEW.read_bytes()).hexdigest()
    assert manifest["periods"] == ["2027Q1", "2027Q2", "2027Q3", "2027Q4"]
    assert (out / "2027Q4" / "services" / "chat-us.yaml").is_file()
    res = fleetplan("export", "--check", out)
    assert res.code == 0 and "all files valid" in res.stderr


def test_a_tampered_file_fails_the_check_with_exit_1(fleetplan: Fleetplan, tmp_path: Path) -> None:
    out = tmp_path / "kueue"
    assert fleetplan("export", NEW, "--to", "kueue", "--period", "2027Q2", "-o", out).code == 0
    path = out / "2027Q2" / "cluster-queues.yaml"
    path.write_text(path.read_text().replace("queueingStrategy: BestEffortFIFO", "queueingStrategy: Whenever"))
    res = fleetplan("export", "--check", out)
    assert res.code == 1
    assert "2027Q2/cluster-queues.yaml[0] ClusterQueue: spec.queueingStrategy" in res.stderr
    assert "edited since the export" in res.stderr


def test_bad_input_exits_2(fleetplan: Fleetplan, tmp_path: Path) -> None:
    res = fleetplan("export", "--check", tmp_path)
    assert res.code == 2 and "not an export folder" in res.stderr
    res = fleetplan("export", NEW, "--to", "slurm", "-o", tmp_path / "x")
    assert res.code == 2 and "unknown engine 'slurm'" in res.stderr
    res = fleetplan("export", NEW, "--to", "dstack", "--period", "2031Q1", "-o", tmp_path / "x")
    assert res.code == 2 and "2031Q1" in res.stderr
    res = fleetplan("export", NEW, "--to", "dstack")
    assert res.code == 2 and "give PLAN, --to and -o" in res.stderr
    assert not (tmp_path / "x").exists()
    assert res.stderr.count("\n") == 1  # one line, no traceback


def test_scenario_gives_criticality(fleetplan: Fleetplan, tmp_path: Path) -> None:
    from importlib import resources

    example = tmp_path / "carbon-budget.yaml"
    example.write_text(resources.files("fleetplan.data").joinpath("examples", "carbon-budget.yaml").read_text())
    out = tmp_path / "k"
    res = fleetplan("export", NEW, "--to", "kueue", "--scenario", example, "-o", out)
    assert res.code == 0, res.stderr
    assert json.loads((out / "fleetplan-export.json").read_text())["criticality"] == "scenario"
