"""CI-sized smoke run of the scale benchmark: N = 100 plans end to end to a verified plan.

Asserts correctness only (a verified plan, sane figures), never time: speed is measured by
``benchmarks/run.py``, not asserted in tests. One period keeps the run small.
"""

from __future__ import annotations

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


def test_table_renders(bench_script) -> None:
    mod = bench_script("run")
    row = {
        "n": 100,
        "periods": 1,
        "variables": 10,
        "integer_variables": 4,
        "constraints": 5,
        "status": "optimal",
        "verified": True,
        "gap": 0.004,
        "lp_distance": 0.01,
        "end_to_end_s": 3.0,
        "peak_mib": 300.0,
        "total_usd": 100.0,
        "timings": {"sizing_s": 0.1, "candidates_s": 0.2, "build_s": 0.3, "solve_s": 1.0},
        "baselines": {"greedy": {"total_usd": 120.0, "feasible": False}},
        "wall_s": 4.0,
    }
    text = mod.table(
        [
            row,
            {
                "n": 5000,
                "periods": 12,
                "timings": {"sizing_s": 2.0},
                "error": "stopped",
                "wall_s": 9,
            },
        ]
    )
    assert "| 100 | 1 | 10 (4) |" in text and "+20.0 % ✗" in text and "0.40 %" in text
    assert "stopped" in text
