"""The benchmark runner's arithmetic: time to a gap, met or missed, the marked RESULTS section.

Pure functions on synthetic traces and rows; no solve, no timing asserts.
"""

from __future__ import annotations

import sys
from types import ModuleType

import pytest


@pytest.fixture(scope="module")
def run(bench_script) -> ModuleType:
    return bench_script("run")


def P(run: ModuleType, t: float, gap: float | None, inc: float | None = 100.0, bound: float | None = None):
    return run.TracePoint(t, inc, bound, gap)


def test_time_to_each_gap_is_the_first_point_at_or_below_it(run: ModuleType) -> None:
    trace = [P(run, 3, 0.04), P(run, 1, 0.10), P(run, 9, 0.004)]  # order does not matter
    first, reached = run.time_to_gaps(trace)
    assert first == 1
    assert reached == {0.05: 3, 0.02: 9, 0.01: 9, 0.005: 9}


def test_bound_only_reports_are_not_plans_and_missing_gaps_come_from_incumbent_and_bound(run: ModuleType) -> None:
    trace = [
        P(run, 0.5, None, inc=None, bound=80.0),  # a bound, no incumbent yet
        P(run, 2.0, None, inc=100.0, bound=None),  # an incumbent, no bound: a plan of unknown gap
        P(run, 4.0, None, inc=100.0, bound=98.5),  # gap 1.5 % from the two
    ]
    first, reached = run.time_to_gaps(trace)
    assert first == 2.0
    assert reached == {0.05: 4.0, 0.02: 4.0, 0.01: None, 0.005: None}
    assert run.time_to_gaps([]) == (None, dict.fromkeys(run.GAP_LEVELS))


def test_final_plan_counts_once_verified_not_after_the_analyses_that_follow_it(run: ModuleType) -> None:
    row = {
        "events": [[1.0, 0.2, 120.0, 90.0, 0.25, 0], [2.0, 1.2, 110.0, 99.0, 0.1, 5]],
        "objective_usd": 100.0,
        "dual_bound_usd": 99.6,
        "gap": 0.004,
        "end_to_end_s": 20.0,
        "timings": {"solve_s": 4.0, "verify_s": 0.5, "baselines_s": 3.0, "abatement_s": 10.0},
    }
    trace = run.trace_of(row)
    assert [p.t_s for p in trace] == [1.0, 2.0, 7.0]
    first, reached = run.time_to_gaps(trace)
    assert first == 1.0 and reached[0.005] == 7.0 and reached[0.05] == 7.0
    # no plan and no incumbent: "no plan", a result; an incumbent without a verified plan is not one
    assert run.status_of({"events": [[1.0, 0.2, None, 90.0, None, 0]], "error": "stopped"}) == "no plan"
    stopped = {"events": [[1.0, 0.2, 120.0, 90.0, 0.25, 0]], "timed_out": True, "error": "stopped at 8 s"}
    assert run.status_of(stopped) == "stopped"
    assert run.note(stopped) == "stopped at 8 s; last reported gap 25.0 % (plan not extracted or verified)"
    assert run.status_of({**row, "verified": True, "status": "optimal"}) == "optimal"


def _row(seed: int | None, **kw) -> dict:
    base = {
        "scenario": "generated",
        "n": 1000,
        "periods": 12,
        "providers": 8,
        "seed": seed,
        "time_limit_s": 60.0,
        "verified": True,
        "status": "time_limit",
        "gap": 0.015,
        "objective_usd": 1e8,
        "end_to_end_s": 100.0,
        "peak_mib": 1500.0,
        "events": [],
    }
    return {**base, **kw}


def test_target_met_only_when_every_seed_meets_every_bound(run: ModuleType) -> None:
    t = next(t for t in run.TARGETS if t.n == 1000)
    rows = [_row(0), _row(1), _row(2)]
    assert run.evaluate(t, rows)[0] == "met"
    verdict, text = run.evaluate(t, [_row(0), _row(1, gap=0.025), _row(2, peak_mib=2100.0)])
    assert verdict == "missed"
    assert "seed 1" in text and "gap 2.50 % > 2.00 %" in text and "2,100 MiB > 2,048 MiB" in text
    assert run.evaluate(t, [_row(0), _row(1)])[0] == "not run"  # seed 2 missing: neither met nor missed
    assert run.evaluate(t, [_row(0), _row(1, gap=0.03)])[0] == "missed"
    unplanned = _row(2, verified=False, status=None, gap=None, objective_usd=None, end_to_end_s=None)
    unplanned["error"] = "stopped at --run-timeout 240 s after LP"
    verdict, text = run.evaluate(t, [_row(0), _row(1), unplanned])
    assert verdict == "missed" and "seed 2: no plan ✗ stopped at --run-timeout 240 s after LP" in text
    # another time limit, size or provider count is another scenario
    assert run.evaluate(t, [_row(s, time_limit_s=30.0) for s in range(3)])[0] == "not run"
    assert run.evaluate(t, [_row(s, providers=6) for s in range(3)])[0] == "not run"


def test_example_targets_read_the_best_known_objective(run: ModuleType) -> None:
    quick, proof = (t for t in run.TARGETS if t.scenario == "example")
    ex = {"scenario": "example", "seed": None, "verified": True, "status": "time_limit", "events": []}
    fast = {**ex, "time_limit_s": 10.0, "objective_usd": 1_060_000.0, "gap": 0.03}
    slow = {**ex, "time_limit_s": 60.0, "objective_usd": 1_050_357.0, "gap": 0.004, "status": "optimal"}
    best, source = run.best_known([fast, slow], None)
    assert best == 1_050_357.0 and "found" in source
    assert run.evaluate(quick, [fast, slow], best)[0] == "met"  # 0.92 % above
    assert run.evaluate(proof, [fast, slow], best)[0] == "met"
    best, source = run.best_known([fast], 1_040_000.0)  # a lower given objective wins, and says so
    assert best == 1_040_000.0 and "--best-known" in source
    verdict, text = run.evaluate(quick, [fast], best)
    assert verdict == "missed" and "1.92 % above the best known" in text
    assert run.evaluate(proof, [fast], best)[0] == "not run"
    assert run.evaluate(quick, [fast], None)[0] == "missed"  # nothing to compare with


def test_risk_target(run: ModuleType) -> None:
    t = next(t for t in run.TARGETS if t.scenario == "risk")
    ok = {"scenario": "risk", "wall_s": 75.0, "rc": 0}
    assert run.evaluate(t, [ok])[0] == "met"
    assert run.evaluate(t, [{**ok, "wall_s": 95.0}])[0] == "missed"
    assert run.evaluate(t, [{**ok, "rc": 1, "error": "exit code 1"}])[0] == "missed"
    assert run.evaluate(t, [])[0] == "not run"


def test_results_section_is_replaced_between_the_markers_only(run: ModuleType) -> None:
    history = "## History\n\nsession 5 measured things.\n"
    first = run.replace_section(f"# Scale benchmark results\n\n{history}", "## Status\n\nold\n")
    assert first.startswith("# Scale benchmark results\n\n" + run.MARK_START + "\n## Status\n\nold\n")
    assert first.endswith(history)
    second = run.replace_section(first, "## Status\n\nnew\n")
    assert "old" not in second and "new" in second and second.endswith(history)
    assert second.count(run.MARK_START) == second.count(run.MARK_END) == 1


def test_per_size_time_limits(run: ModuleType) -> None:
    assert run.parse_time_limits("60,5000=300", [1000, 5000]) == {1000: 60.0, 5000: 300.0}
    assert run.parse_time_limits("1_000=60", [1000]) == {1000: 60.0}
    with pytest.raises(SystemExit, match="no limit for N = 5000"):
        run.parse_time_limits("1000=60", [1000, 5000])
    assert run.parse_best_known(["example=1,050,357"]) == {"example": 1050357.0}


def test_run_process_stops_at_its_timeout_and_measures_its_own_memory(run: ModuleType) -> None:
    slow = run.run_process([sys.executable, "-c", "import time; time.sleep(30)"], 0.5)
    assert slow["timed_out"] and slow["wall_s"] < 30
    big = run.run_process([sys.executable, "-c", "b = bytearray(300 * 2**20); b[::4096] = b'x' * len(b[::4096])"], 60)
    assert big["rc"] == 0 and not big["timed_out"]
    if big["rss_mib"] is not None:
        assert big["rss_mib"] >= 300


def test_engine_is_passed_only_to_an_optimize_that_takes_it(run: ModuleType) -> None:
    if run.optimize_accepts("engine"):
        pytest.skip("this fleetplan's optimize() takes engine=")
    with pytest.raises(SystemExit, match="engine"):
        run.main(["--sizes", "", "--engine", "anything"])


def test_runs_measured_earlier_are_reported_with_add_json(run: ModuleType, tmp_path) -> None:
    """Runs saved with --json by separate invocations come back into one report (no solve here)."""
    import json

    row = {
        "scenario": "generated",
        "label": "N = 1,000, T = 12",
        "n": 1000,
        "periods": 12,
        "providers": 8,
        "seed": 0,
        "time_limit_s": 60.0,
        "timings": {"lp_bound_s": 20.0, "lns_s": 30.0},
        "events": [[40.0, 39.0, 110.0, 80.0, 0.2727, 0]],
        "status": "time_limit",
        "objective_usd": 110.0,
        "dual_bound_usd": 80.0,
        "gap": 0.2727,
        "verified": True,
        "end_to_end_s": 119.0,
        "wall_s": 121.0,
        "peak_mib": 1000.0,
        "rc": 0,
        "done": True,
        "error": None,
    }
    saved = tmp_path / "earlier.json"
    second = {**row, "seed": 1, "gap": 0.01, "events": [[30.0, 29.0, 101.0, 100.0, 0.01, 0]]}
    saved.write_text(json.dumps([row, second]))
    results = tmp_path / "RESULTS.md"
    results.write_text("# Scale benchmark results\n\n## History\n")
    args = ["--sizes", "", "--add-json", str(saved), "--figures", str(tmp_path / "fig"), "--results", str(results)]
    assert run.main([*args, "--write-results"]) == 0
    text = results.read_text()
    assert text.count("| N = 1,000, T = 12 | 0 | 60 |") == 1 and text.count("| N = 1,000, T = 12 | 1 | 60 |") == 1
    assert "27.3 %" in text and text.endswith("## History\n")
