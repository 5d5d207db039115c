"""CI-sized smoke run of the scale benchmark: N = 100 plans end to end to a verified plan.

Asserts correctness only (a verified plan, sane figures), never time: speed is measured by
``benchmarks/run.py``, not asserted in tests. One period keeps the run small.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from fleetplan.generate import generate_scenario, write_scenario
from fleetplan.load import load_scenario
from fleetplan.optimize import PlanTimings, optimize


@pytest.fixture(scope="module")
def scenario_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    doc = generate_scenario(100, 8, 1, seed=0)
    return write_scenario(doc, tmp_path_factory.mktemp("bench") / "scenario-100.yaml")


def test_smoke_plan_is_verified(scenario_path: Path) -> None:
    sc = load_scenario(scenario_path)
    tm = PlanTimings()
    plan = optimize(sc, time_limit_s=20, timings=tm)
    assert plan.verification is not None and plan.verification.ok, plan.verification
    assert plan.solve.has_solution
    assert plan.solve.objective_usd is not None and plan.lp_bound_usd is not None
    assert plan.lp_bound_usd <= plan.solve.objective_usd * (1 + 1e-6)
    assert plan.solve.dual_bound_usd is None or plan.solve.dual_bound_usd <= plan.solve.objective_usd * (1 + 1e-6)
    assert plan.total_usd > 0
    assert {b.name for b in plan.baselines} == {"single_provider_on_demand", "greedy"}
    assert tm.build_s > 0 and tm.solve_s > 0
    served = set(plan.allocations["workload"]) | set(plan.dropped_workloads)
    assert served == {w.name for w in sc.workloads}


def test_runner_end_to_end_on_a_tiny_scenario(bench_script, tmp_path: Path, capsys) -> None:
    """``benchmarks/run.py`` plans a 15-workload scenario in a child process and reports it."""
    mod = bench_script("run")
    results = tmp_path / "RESULTS.md"
    results.write_text("# Scale benchmark results\n\n## History\n\nearlier rounds.\n", "utf-8")
    figures = tmp_path / "figures"
    raw = tmp_path / "runs.json"
    common = ["--periods", "4", "--seeds", "0", "--figures", str(figures), "--results", str(results)]
    argv = ["--sizes", "15", "--time-limit", "5", "--json", str(raw), "--write-results", *common]
    assert mod.main(argv) == 0
    out = capsys.readouterr().out
    head = next(line for line in out.splitlines() if line.startswith("| scenario | seed | time limit s"))
    for column in ("first plan s", "to 5 % s", "to 2 % s", "to 1 % s", "to 0.5 % s", "final gap", "status"):
        assert f"| {column} |" in head
    for column in ("verified", "end-to-end s", "peak MiB"):
        assert f"| {column} |" in head
    assert "| N = 15, T = 4 | 0 | 5 |" in out
    assert "| scenario | target | result | measured |" in out and "| not run |" in out
    assert "| MIP |" in out and "| sizing |" in out  # stage seconds, read from PlanTimings
    (row,) = json.loads(raw.read_text("utf-8"))
    assert row["done"] and row["peak_mib"] > 0 and "solve_s" in row["timings"]
    if row["verified"]:  # this scenario plans; a planner regression shows here as an error row
        first, reached = mod.time_to_gaps(mod.trace_of(row))
        assert first is not None and first <= row["end_to_end_s"]
        assert (reached[0.005] is not None) == (row["gap"] <= 0.005)
    else:
        assert row["error"], row
    text = results.read_text("utf-8")
    assert text.startswith("# Scale benchmark results\n\n" + mod.MARK_START)
    assert text.endswith("## History\n\nearlier rounds.\n") and "| N = 15, T = 4 | 0 | 5 |" in text
    charts = importlib.util.find_spec("altair") and importlib.util.find_spec("vl_convert")
    assert (figures / "gap-n15-t4.svg").exists() == bool(charts and row["verified"])

    # stopped before it had a plan: still a row, "no plan", with why
    assert mod.main(["--sizes", "15", "--time-limit", "5", "--run-timeout", "0.5", *common]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("| N = 15, T = 4 | 0 |"))
    assert "| no plan | no |" in line and "stopped at --run-timeout 0.5 s" in line
