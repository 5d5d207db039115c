"""The solver adapter applies its time limit and gap, and never calls a time-limited result optimal."""

from __future__ import annotations

import numpy as np

from fleetplan.model.plan import SolveStatus
from fleetplan.optimize.solver import STATUS_OF_HIGHS, HighsSolver, SolverOptions, no_solution, solve, status_of
from fleetplan.optimize.sparse import SparseModel


def _hard_knapsack(n: int = 400, m: int = 30, seed: int = 7) -> SparseModel:
    """A multi-dimensional covering problem with general integers: slow to prove optimal."""
    rng = np.random.default_rng(seed)
    model = SparseModel()
    model.add_columns("x", n, cost=rng.uniform(10, 100, n), upper=10, integer=True)
    a = rng.uniform(1, 50, (m, n)) * (rng.random((m, n)) < 0.3)
    r, c = np.nonzero(a)
    model.add_rows("cover", m, r, c, a[r, c], lower=rng.uniform(500, 2000, m) + 0.5)
    return model


def test_time_limited_result_is_not_called_optimal() -> None:
    result, _x = solve(_hard_knapsack(), SolverOptions(time_limit_s=0.05, mip_rel_gap=0.0))
    assert result.time_s < 5
    if result.status == SolveStatus.OPTIMAL:  # solved within 0.05 s after all: must then be exact
        assert result.gap is not None and result.gap <= 1e-9
    else:
        assert result.status in (SolveStatus.TIME_LIMIT, SolveStatus.NO_SOLUTION)
        assert result.termination != "Optimal"


def test_gap_option_is_applied() -> None:
    loose, _ = solve(_hard_knapsack(120, 10), SolverOptions(time_limit_s=60, mip_rel_gap=0.05))
    assert loose.status == SolveStatus.OPTIMAL
    assert loose.gap is not None and loose.gap <= 0.05 + 1e-9
    assert loose.dual_bound_usd <= loose.objective_usd + 1e-6


def test_deterministic_for_same_input() -> None:
    a, xa = solve(_hard_knapsack(60, 8), SolverOptions(time_limit_s=30, mip_rel_gap=1e-3))
    b, xb = solve(_hard_knapsack(60, 8), SolverOptions(time_limit_s=30, mip_rel_gap=1e-3))
    assert a.objective_usd == b.objective_usd and np.array_equal(xa, xb)


def test_lp_relaxation_bounds_the_mip() -> None:
    mip, _ = solve(_hard_knapsack(60, 8), SolverOptions(time_limit_s=30, mip_rel_gap=1e-3))
    lp, _ = solve(_hard_knapsack(60, 8), SolverOptions(relax=True))
    assert lp.integer_variables == 0 and lp.objective_usd <= mip.objective_usd + 1e-6


def test_big_models_skip_presolve_and_still_solve_exactly() -> None:
    """Without presolve (the path for 50k+ integers) the same optimum is found and proven."""
    with_presolve, _ = solve(_hard_knapsack(60, 8), SolverOptions(time_limit_s=30, mip_rel_gap=1e-6))
    small_is_big = HighsSolver(large_mip_integers=0)
    without, _ = small_is_big.solve(_hard_knapsack(60, 8), SolverOptions(time_limit_s=30, mip_rel_gap=1e-6))
    assert without.status == SolveStatus.OPTIMAL
    assert abs(without.objective_usd - with_presolve.objective_usd) <= 1e-6 * abs(with_presolve.objective_usd)


def test_start_point_is_used_or_ignored_never_trusted() -> None:
    """A feasible start is accepted as an incumbent; an infeasible one changes nothing."""
    model = _hard_knapsack(60, 8)
    ref, x = solve(model, SolverOptions(time_limit_s=30, mip_rel_gap=1e-6))
    good, _ = solve(model, SolverOptions(time_limit_s=30, mip_rel_gap=1e-6), start=x)
    bad, _ = solve(model, SolverOptions(time_limit_s=30, mip_rel_gap=1e-6), start=np.zeros_like(x))
    for r in (good, bad):
        assert r.status == SolveStatus.OPTIMAL
        assert abs(r.objective_usd - ref.objective_usd) <= 1e-6 * abs(ref.objective_usd)


def test_highs_statuses_map_through_one_table() -> None:
    """Every status named in the table is one of HiGHS's; a run stopped early is TIME_LIMIT only
    with an incumbent; anything else is ERROR."""
    import highspy

    for name in STATUS_OF_HIGHS:
        assert hasattr(highspy.HighsModelStatus, name), name
    assert status_of("kOptimal", False) == SolveStatus.OPTIMAL
    for stopped in ("kTimeLimit", "kIterationLimit", "kInterrupt", "kSolutionLimit"):
        assert status_of(stopped, True) == SolveStatus.TIME_LIMIT
        assert status_of(stopped, False) == SolveStatus.NO_SOLUTION
    assert status_of("kUnboundedOrInfeasible", False) == SolveStatus.INFEASIBLE
    assert status_of("kUnbounded", False) == SolveStatus.UNBOUNDED
    assert status_of("kModelEmpty", True) == SolveStatus.ERROR


def test_costs_and_bounds_are_per_solve_and_leave_the_model_unchanged() -> None:
    model = _hard_knapsack(60, 8)
    cost, upper = model.col("cost"), model.col("upper")
    ref, _ = solve(model, SolverOptions(time_limit_s=30, mip_rel_gap=1e-6))
    doubled, _ = solve(model, SolverOptions(time_limit_s=30, mip_rel_gap=1e-6), cost=2 * cost)
    assert abs(doubled.objective_usd - 2 * ref.objective_usd) <= 1e-6 * abs(ref.objective_usd)
    capped, _ = solve(model, SolverOptions(time_limit_s=30), bounds=(model.col("lower"), np.minimum(upper, 0.0)))
    assert capped.status == SolveStatus.INFEASIBLE  # nothing may be used: the cover rows fail
    assert np.array_equal(model.col("cost"), cost) and np.array_equal(model.col("upper"), upper)
    again, _ = solve(model, SolverOptions(time_limit_s=30, mip_rel_gap=1e-6))
    assert again.objective_usd == ref.objective_usd


def test_a_result_without_a_solution_is_built_by_keyword() -> None:
    r = no_solution(termination="Time limit reached", time_s=1.5, variables=3)
    assert r.status == SolveStatus.NO_SOLUTION and not r.has_solution
    assert r.objective_usd is None and r.gap is None and r.time_s == 1.5 and r.variables == 3


def test_rows_added_without_equilibration_keep_their_scale() -> None:
    """``equilibrate=False`` rows reach the solver as given; the others have largest coefficient 1."""
    model = SparseModel()
    model.add_columns("x", 2)
    model.add_rows("eq", 1, [0, 0], [0, 1], [4.0, -2.0], upper=8.0)
    model.add_rows("kept", 1, [0, 0], [0, 1], [1e5, -1.0], lower=0.0, upper=0.0, equilibrate=False)
    assert model.row_scale().tolist() == [4.0, 1.0]
    assert model.matrix().toarray().tolist() == [[1.0, -0.5], [1e5, -1.0]]
    assert model.row_bounds()[1].tolist() == [2.0, 0.0]
