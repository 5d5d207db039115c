"""Solver backends: each commercial adapter's plan passes fleetplan's verifier and matches HiGHS's
optimum and LP bound; its statuses never call a time-limited result optimal; per-solve starts,
bounds, costs and integrality act as with HiGHS; the LP duals price the rows as HiGHS's do.

A backend's tests skip, with the reason, when its package is not installed or when a model is
larger than the licence found (the pip packages come with size-limited licences). Models here are
small: tiny scenarios of ``tests/scenarios.py`` and the knapsacks of ``test_solver.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

import fleetplan
from fleetplan.cli import main
from fleetplan.model.plan import SolveStatus
from fleetplan.model.scenario import Scenario
from fleetplan.optimize import optimize
from fleetplan.optimize.backends import OPTIONAL_SOLVERS, SolverUnavailableError, solver_from_name
from fleetplan.optimize.backends.copt import STATUS_OF_COPT
from fleetplan.optimize.backends.gurobi import STATUS_OF_GUROBI
from fleetplan.optimize.backends.xpress import STATUS_OF_XPRESS
from fleetplan.optimize.solver import HIGHS, OBJECTIVE_SCALE, Progress, Solver, SolverOptions
from fleetplan.optimize.sparse import SparseModel

from .conftest import BATCH_8B, OWN_SITE, MakeScenario, offering, own_server
from .test_solver import _hard_knapsack

BACKENDS = tuple(OPTIONAL_SOLVERS)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Solver:
    """Each commercial solver that is installed and licensed here; the others skip."""
    name = request.param
    pytest.importorskip(OPTIONAL_SOLVERS[name].package, reason=f"{name}: package not installed")
    try:
        return solver_from_name(name)
    except SolverUnavailableError as exc:
        pytest.skip(str(exc))


@contextmanager
def within_licence() -> Iterator[None]:
    """Skip (with the solver's message) when the model is larger than the licence allows."""
    try:
        yield
    except SolverUnavailableError as exc:
        pytest.skip(str(exc))


CHAT = {
    "name": "chat",
    "kind": "serve",
    "model": {"params": 8.0e9},
    "precision": "fp8",
    "demand": {"peak_rps": 3.3, "headroom": 0.0},
    "accelerators": ["H100-SXM"],
}


def _tiny(make_scenario: MakeScenario) -> Scenario:
    """Whole serving replicas, critical batch work on two providers, an owned site that may buy:
    a MIP whose LP bound is about 11 % below its optimum (32 columns, 49 rows)."""
    offs = [
        offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0),
        offering("beta", "b-east", "a100x8", "A100-80GB", 8, "on_demand", 24.0),
        offering("gamma", "g-fr", "a100x8", "A100-80GB", 8, "on_demand", 30.0),
        offering("alpha", "a-east", "h100x1", "H100-SXM", 1, "on_demand", 3.0),
        offering("beta", "b-east", "h100x1", "H100-SXM", 1, "on_demand", 2.8),
    ]
    return make_scenario(
        offs,
        workloads=[{**BATCH_8B, "criticality": "critical"}, CHAT],
        policy={"min_providers_critical": 2, "min_provider_share_critical": 0.25},
        sites=[OWN_SITE],
        server_types=[own_server(150_000)],
    )


def _close(a: float, b: float, rel: float) -> bool:
    return abs(a - b) <= rel * max(abs(a), abs(b), 1.0)


def test_plan_passes_the_verifier_and_matches_highs(backend: Solver, make_scenario: MakeScenario) -> None:
    sc = _tiny(make_scenario)
    ref = optimize(sc, baselines=False)
    with within_licence():
        plan = optimize(sc, solver=backend, baselines=False)
    assert plan.verification is not None and plan.verification.ok  # optimize() raises otherwise
    assert plan.solve.status == SolveStatus.OPTIMAL
    assert ref.lp_bound_usd is not None and ref.lp_bound_usd < 0.95 * ref.solve.objective_usd  # a real MIP
    assert _close(plan.solve.objective_usd, ref.solve.objective_usd, 5e-3)  # the planner's default gap
    assert _close(plan.total_usd, ref.total_usd, 5e-3)
    assert plan.lp_bound_usd is not None and _close(plan.lp_bound_usd, ref.lp_bound_usd, 1e-7)


def _dual_objective(model: SparseModel, duals: np.ndarray) -> float:
    """The LP's dual objective in USD from row duals in HiGHS's convention (reduced cost = scaled
    cost - A^T dual): each dual and reduced cost times the bound it presses on."""
    a = model.matrix()
    lo, up = model.row_bounds()
    cost = model.col("cost") * OBJECTIVE_SCALE
    reduced = cost - a.T @ duals
    value = 0.0
    for y, low, high in ((duals, lo, up), (reduced, model.col("lower"), model.col("upper"))):
        on = np.abs(y) > 1e-9
        side = np.where(y > 0, low, high)
        assert np.isfinite(side[on]).all(), "a dual presses on an infinite bound: wrong sign"
        value += float(y[on] @ side[on])
    return value / OBJECTIVE_SCALE


def _rows_of_every_kind() -> SparseModel:
    """min x + 3y + z  s.t.  2 <= x + y <= 4,  -1 <= x - y <= 1,  x - z = 1,  y + z <= 3, and a free
    row: z = x - 1 leaves 2x + 3y - 1, least at x = 1.5, y = 0.5 (value 3.5), where the first
    ranged row binds at its lower side and the second at its upper side."""
    model = SparseModel()
    model.add_columns("v", 3, cost=[1.0, 3.0, 1.0], lower=[0.0, 0.0, -5.0], upper=[10.0, 10.0, 5.0])
    model.add_rows("range_low", 1, [0, 0], [0, 1], [1.0, 1.0], lower=2.0, upper=4.0)
    model.add_rows("range_up", 1, [0, 0], [0, 1], [1.0, -1.0], lower=-1.0, upper=1.0)
    model.add_rows("equal", 1, [0, 0], [0, 2], [1.0, -1.0], lower=1.0, upper=1.0)
    model.add_rows("free", 1, [0, 0, 0], [0, 1, 2], [1.0, 1.0, 1.0])
    model.add_rows("at_most", 1, [0, 0], [1, 2], [1.0, 1.0], upper=3.0)
    return model


@pytest.mark.parametrize("case", ["knapsack", "tiny scenario", "rows of every kind"])
def test_lp_relaxation_matches_highs_and_its_duals_price_the_rows(
    backend: Solver, case: str, make_scenario: MakeScenario
) -> None:
    if case == "knapsack":
        model = _hard_knapsack(60, 8)
    elif case == "rows of every kind":
        model = _rows_of_every_kind()
    else:
        from fleetplan.optimize.formulation import build_model

        from .test_fingerprint import _inputs

        sc = _tiny(make_scenario)
        model = build_model(sc, *_inputs(sc)).model
    ref, _, _ = HIGHS.solve_relaxation(model)
    with within_licence():
        lp, x, duals = backend.solve_relaxation(model)
    assert lp.status == SolveStatus.OPTIMAL and lp.integer_variables == 0 and lp.gap == 0.0
    assert _close(lp.objective_usd, ref.objective_usd, 1e-7)
    assert x is not None and duals is not None and len(duals) == model.n_rows
    assert _close(_dual_objective(model, duals), lp.objective_usd, 1e-6)  # strong duality
    if case == "rows of every kind":
        assert lp.objective_usd == pytest.approx(3.5) and x[:2] == pytest.approx([1.5, 0.5])
        assert duals[0] > 1e-9 and duals[1] < -1e-9 and duals[3] == 0.0  # lower side, upper side, free


@pytest.fixture(scope="module")
def example() -> tuple[SparseModel, float]:
    """The bundled example's model and its LP relaxation's value with HiGHS."""
    from fleetplan.optimize.formulation import build_model

    from .test_fingerprint import _example, _inputs

    sc = _example()
    model = build_model(sc, *_inputs(sc)).model
    ref, _, _ = HIGHS.solve_relaxation(model)
    return model, ref.objective_usd


def test_example_lp_relaxation_matches_highs_or_the_licence_says_why(
    backend: Solver, example: tuple[SparseModel, float]
) -> None:
    """The bundled example (8.8k columns) is larger than most pip packages' licences allow: then
    the adapter's error names the licence and the test skips with it."""
    model, ref_usd = example
    try:
        lp, _, duals = backend.solve_relaxation(model)
    except SolverUnavailableError as exc:
        assert "licence" in str(exc) and f"{model.n_cols:,} variables" in str(exc)
        pytest.skip(str(exc))
    assert lp.status == SolveStatus.OPTIMAL and _close(lp.objective_usd, ref_usd, 1e-7)
    assert duals is not None and _close(_dual_objective(model, duals), lp.objective_usd, 1e-6)


def test_time_limited_result_is_never_called_optimal(backend: Solver) -> None:
    """0.2 s on a knapsack that takes seconds to prove: stopped with an incumbent, or without."""
    with within_licence():
        result, x = backend.solve(_hard_knapsack(), SolverOptions(time_limit_s=0.2, mip_rel_gap=0.0))
    assert result.time_s < 5
    assert result.status in (SolveStatus.TIME_LIMIT, SolveStatus.NO_SOLUTION), result.termination
    if result.status == SolveStatus.TIME_LIMIT:
        assert x is not None and result.gap is not None and result.gap > 0
        assert result.dual_bound_usd <= result.objective_usd + 1e-6


def test_mip_matches_highs_with_start_costs_bounds_and_integrality(backend: Solver) -> None:
    model = _hard_knapsack(60, 8)
    cost, upper = model.col("cost"), model.col("upper")
    opts = SolverOptions(time_limit_s=30, mip_rel_gap=1e-6)
    ref, x_ref = HIGHS.solve(model, opts)
    with within_licence():
        plain, x = backend.solve(model, opts)
        good, _ = backend.solve(model, opts, start=x_ref)
        bad, _ = backend.solve(model, opts, start=np.zeros_like(x_ref))
        partial, _ = backend.solve(model, opts, start=np.where(np.arange(len(x_ref)) % 2 == 0, x_ref, np.nan))
        doubled, _ = backend.solve(model, opts, cost=2 * cost)
        capped, _ = backend.solve(model, opts, bounds=(model.col("lower"), np.minimum(upper, 0.0)))
        relaxed, _ = backend.solve(model, opts, integer=np.zeros(model.n_cols, dtype=bool))
    lp, _, _ = HIGHS.solve_relaxation(model)
    for r in (plain, good, bad, partial):
        assert r.status == SolveStatus.OPTIMAL
        assert _close(r.objective_usd, ref.objective_usd, 1e-5)  # each within its 1e-6 gap (+ tolerances)
    assert x is not None and _close(float(cost @ x), plain.objective_usd, 1e-12)  # the values' objective
    assert _close(doubled.objective_usd, 2 * ref.objective_usd, 1e-5)
    assert capped.status == SolveStatus.INFEASIBLE  # nothing may be used: the cover rows fail
    assert relaxed.integer_variables == 0 and _close(relaxed.objective_usd, lp.objective_usd, 1e-7)
    assert np.array_equal(model.col("cost"), cost) and np.array_equal(model.col("upper"), upper)


def test_progress_reports_incumbent_and_bound_and_stop_ends_the_solve(backend: Solver) -> None:
    seen: list[Progress] = []
    with within_licence():
        result, _ = backend.solve(_hard_knapsack(), SolverOptions(time_limit_s=1.0, progress=seen.append))
    reports = [p for p in seen if p.incumbent_usd is not None and p.bound_usd is not None]
    assert reports, seen
    assert all(p.bound_usd <= p.incumbent_usd + 1e-6 and p.gap is not None for p in reports)
    assert min(p.incumbent_usd for p in reports) >= result.objective_usd * (1 - 1e-6)  # none beats the result

    def first_plan(p: Progress) -> bool:
        return p.incumbent_usd is not None

    with within_licence():
        stopped, x = backend.solve(_hard_knapsack(), SolverOptions(time_limit_s=20, mip_rel_gap=0.0, stop=first_plan))
    assert stopped.time_s < 10  # stopped at its first plan, long before the limit
    assert stopped.status == SolveStatus.TIME_LIMIT and x is not None


@pytest.mark.parametrize(
    ("table", "optimal"),
    [(STATUS_OF_GUROBI, "OPTIMAL"), (STATUS_OF_COPT, "OPTIMAL"), (STATUS_OF_XPRESS, "COMPLETED/OPTIMAL")],
    ids=BACKENDS,
)
def test_only_a_proven_optimum_maps_to_optimal(table: dict[str, tuple[SolveStatus, SolveStatus]], optimal: str) -> None:
    assert [name for name, statuses in table.items() if SolveStatus.OPTIMAL in statuses] == [optimal]
    for name, (with_plan, without) in table.items():
        if with_plan == SolveStatus.TIME_LIMIT:
            assert without == SolveStatus.NO_SOLUTION, name


@pytest.mark.parametrize("name", BACKENDS)
def test_status_tables_name_the_packages_statuses(name: str) -> None:
    module = pytest.importorskip(OPTIONAL_SOLVERS[name].package, reason=f"{name}: package not installed")
    if name == "gurobi":
        assert set(STATUS_OF_GUROBI) <= set(dir(module.GRB.Status))
    elif name == "copt":
        assert set(STATUS_OF_COPT) <= set(dir(module.COPT))
    else:
        for pair in STATUS_OF_XPRESS:
            solve, sol = pair.split("/")
            assert hasattr(module.SolveStatus, solve) and hasattr(module.SolStatus, sol), pair


def test_unknown_unsupported_and_missing_solvers_say_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    assert solver_from_name(None) is HIGHS and solver_from_name("HiGHS") is HIGHS
    with pytest.raises(SolverUnavailableError, match=r"unknown solver 'gurobii' \(did you mean 'gurobi'\?\)") as exc:
        solver_from_name("gurobii")
    assert exc.value.exit_code == 2
    with pytest.raises(SolverUnavailableError, match="NVIDIA GPU"):
        solver_from_name("cuopt")
    for name, solver in OPTIONAL_SOLVERS.items():
        monkeypatch.setitem(sys.modules, solver.package, None)  # the import fails as if not installed
        with pytest.raises(SolverUnavailableError) as exc:
            solver_from_name(name)
        assert str(exc.value) == f'solver {name!r} needs the {solver.package} package: pip install "fleetplan[{name}]"'


def test_cli_unknown_solver_exits_2_with_one_line(
    make_scenario: MakeScenario, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_scenario([offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0)], workloads=[BATCH_8B])
    scenario = next(tmp_path.glob("*/scenario.yaml"))
    capsys.readouterr()
    code = main(["plan", str(scenario), "--solver", "bogus"])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.startswith("fleetplan: error: unknown solver 'bogus'") and err.count("\n") == 1, err


def test_importing_fleetplan_imports_no_solver_library() -> None:
    src = str(Path(fleetplan.__file__).resolve().parents[1])
    code = (
        "import sys, fleetplan, fleetplan.optimize, fleetplan.optimize.backends, fleetplan.cli; "
        "print(sorted(m for m in ('gurobipy', 'coptpy', 'xpress') if m in sys.modules))"
    )
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": src}
    )
    assert res.stdout.strip() == "[]"
