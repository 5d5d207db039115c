"""The ``fleetplan`` command as a whole: exit codes, one-line errors, init, validate, catalog, plan."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fleetplan.load import load_scenario, validation_summary

from .conftest import BATCH_8B, Fleetplan, MakeScenario, offering


def test_no_arguments_shows_help_and_exits_2(fleetplan: Fleetplan) -> None:
    res = fleetplan()
    assert res.code == 2 and "Usage:" in res.stdout and "Commands" in res.stdout


def test_usage_errors_exit_2(fleetplan: Fleetplan) -> None:
    res = fleetplan("bogus")
    assert res.code == 2 and "No such command 'bogus'" in res.stderr
    res = fleetplan("plan")
    assert res.code == 2 and "Missing argument" in res.stderr


def test_help_exits_0(fleetplan: Fleetplan) -> None:
    res = fleetplan("--help")
    assert res.code == 0
    for command in ("init", "validate", "plan", "risk", "generate", "catalog", "size"):
        assert command in res.stdout


def test_bad_input_is_one_line_exit_2(fleetplan: Fleetplan, tmp_path: Path) -> None:
    res = fleetplan("validate", tmp_path / "nope.yaml")
    assert (res.code, res.stdout) == (2, "")
    assert res.stderr == f"fleetplan: error: {tmp_path / 'nope.yaml'}: file not found\n"


def test_init_then_validate(fleetplan: Fleetplan, tmp_path: Path) -> None:
    folder = tmp_path / "new"
    res = fleetplan("init", folder)
    target = folder / "scenario.yaml"
    assert res.code == 0 and target.exists()
    assert res.stdout.splitlines() == [
        f"wrote {target}: Northwind Retail, 14 workloads over 8 quarters",
        f"next: fleetplan validate {target}",
    ]
    res = fleetplan("init", folder)
    assert (res.code, res.stderr) == (2, f"fleetplan: error: {target}: already exists; use --force to overwrite\n")
    assert fleetplan("init", folder, "--force").code == 0
    assert sorted(p.name for p in folder.iterdir()) == ["scenario.yaml"]  # no temporary file left

    res = fleetplan("validate", target)
    assert res.code == 0
    assert res.stdout.splitlines()[0] == f"ok {target}: Northwind Retail AI portfolio 2027-2028"
    res = fleetplan("validate", target, "--json")
    assert res.code == 0
    assert json.loads(res.stdout) == validation_summary(load_scenario(target), file=target)


def test_validation_summary(tmp_path: Path, minimal_text: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(minimal_text)
    doc = validation_summary(load_scenario(path), file=path)
    assert list(doc) == [
        "schema",
        "file",
        "valid",
        "name",
        "periods",
        "workloads",
        "workloads_by_kind",
        "sites",
        "offerings",
        "providers",
    ]
    assert doc["schema"] == "fleetplan.validation/1" and doc["file"] == str(path)
    assert doc["periods"] == ["2027Q1", "2027Q2", "2027Q3", "2027Q4"]
    assert doc["workloads_by_kind"] == {"train": 1, "finetune": 0, "batch": 0, "serve": 1}
    assert doc["sites"] == 1 and doc["offerings"] > 0 and doc["providers"] > 0


def test_catalog(fleetplan: Fleetplan) -> None:
    res = fleetplan("catalog", "-a", "H100", "--json")
    assert res.code == 0
    doc = json.loads(res.stdout)
    assert doc["schema"] == "fleetplan.catalog/1" and doc["offerings_count"] == len(doc["offerings"]) > 0
    res = fleetplan("catalog", "-a", "H100", "-n", "3")
    assert res.code == 0 and "more rows" in res.stdout
    res = fleetplan("catalog", "-p", "nope")
    assert (res.code, res.stderr) == (2, "fleetplan: error: --provider: unknown provider 'nope'\n")


HEADER = "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,Price,Region,GpuInfo,SpotPrice"


def test_catalog_import(fleetplan: Fleetplan, tmp_path: Path) -> None:
    sky = tmp_path / "sky" / "lambda"
    sky.mkdir(parents=True)
    (sky / "vms.csv").write_text(f"{HEADER}\nnew,H100,1,8,32,2.0,us-east-1,,\nbad,H100,1,8,32,abc,us-east-1,,\n")
    out = tmp_path / "out" / "catalog.csv"
    res = fleetplan("catalog", "import", "--skypilot", tmp_path / "sky", "-o", out, "--json")
    assert res.code == 0 and out.exists()
    doc = json.loads(res.stdout)
    assert doc["schema"] == "fleetplan.catalog_import/1" and doc["offerings"] == 1
    assert doc["offerings_by_provider"] == {"lambda": 1} and len(doc["problems"]) == 1
    res = fleetplan("catalog", "import", "--skypilot", tmp_path / "sky", "-o", out)
    assert res.code == 0
    assert res.stderr == f"warning: {doc['problems'][0]} (row skipped)\n"
    assert res.stdout.startswith(f"wrote {out}: 1 offerings from 1 providers (1 files)")
    res = fleetplan("catalog", "import", "--skypilot", tmp_path / "sky", "-o", out, "--strict")
    assert res.code == 2 and res.stderr.startswith("fleetplan: error: ")


def test_plan_json_and_output_file(make_scenario: MakeScenario, tmp_path: Path, fleetplan: Fleetplan) -> None:
    make_scenario([offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0)], workloads=[BATCH_8B])
    scenario = next(tmp_path.glob("s*/scenario.yaml"))
    out = tmp_path / "plans" / "plan.json"
    res = fleetplan("plan", scenario, "--json", "-o", out)
    assert res.code == 0, res.stderr
    assert out.read_text("utf-8") == res.stdout  # one document, printed and written alike
    doc = json.loads(res.stdout)
    assert doc["schema"] == "fleetplan.plan/1" and doc["status"] == "optimal"
    res = fleetplan("plan", scenario, "--brief")
    assert res.code == 0
    assert "Total spend $" in res.stdout and "verified" in res.stdout


def test_python_dash_m(tmp_path: Path) -> None:
    res = subprocess.run(
        [sys.executable, "-m", "fleetplan", "validate", str(tmp_path / "missing.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 2
    assert res.stderr == f"fleetplan: error: {tmp_path / 'missing.yaml'}: file not found\n"


@pytest.mark.parametrize("command", ["size", "catalog"])
def test_groups_have_help(fleetplan: Fleetplan, command: str) -> None:
    assert fleetplan(command, "--help").code == 0


def test_a_bad_engine_is_bad_input_before_any_solve(fleetplan: Fleetplan, example_path: Path, monkeypatch) -> None:
    from fleetplan.optimize import planner

    def no_model(*args: object, **kwargs: object) -> None:
        raise AssertionError("the model was built before the engine was checked")

    monkeypatch.setattr(planner, "build_model", no_model)
    for spec, words in (("bogus", "unknown engine 'bogus'"), ("dask://", "expected HOST:PORT")):
        res = fleetplan("plan", example_path, "--engine", spec)
        assert res.code == 2 and res.stdout == "", res
        assert words in res.stderr and res.stderr.count("\n") == 1
