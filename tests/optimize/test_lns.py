"""Large-neighbourhood search: feasible, never worse, the same on every engine; the planner's path to it."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from fleetplan.load import load_scenario
from fleetplan.optimize import optimize
from fleetplan.optimize.anytime import mip_arrays
from fleetplan.optimize.formulation import build_model
from fleetplan.optimize.lns import FEASIBILITY_TOL, improve
from fleetplan.optimize.solver import HighsSolver, SolverOptions
from fleetplan.optimize.warm_start import rounded_start
from fleetplan.parallel import ProcessExecutor, SerialExecutor
from fleetplan.sizing import size_workloads
from fleetplan.verify import verify_plan
from tests.optimize.test_fingerprint import _inputs

EXAMPLE = Path(__file__).resolve().parents[2] / "src" / "fleetplan" / "data" / "examples" / "enterprise.yaml"


@pytest.fixture(scope="module")
def example_start():  # type: ignore[no-untyped-def]
    """The example's model arrays and the plan rounded from its LP relaxation."""
    sc = load_scenario(EXAMPLE)
    cand, options = _inputs(sc)
    f = build_model(sc, cand, options)
    _, x_lp, duals = HighsSolver().solve_relaxation(f.model, SolverOptions(time_limit_s=60))
    ws = rounded_start(f, x_lp, duals, min_share=sc.policy.min_provider_share_critical, time_limit_s=30)
    assert ws is not None
    return mip_arrays(f), ws.x


def _run(data, x0, executor, **kw):  # type: ignore[no-untyped-def]
    return improve(
        data,
        x0,
        executor=executor,
        deadline_s=time.perf_counter() + 600,
        max_rounds=3,
        neighbourhoods_per_round=2,
        workloads_per_neighbourhood=3,
        sub_time_limit_s=60,
        seed=7,
        **kw,
    )


def test_search_keeps_the_plan_feasible_and_never_worse(example_start) -> None:  # type: ignore[no-untyped-def]
    data, x0 = example_start
    start_usd = data.objective(x0)
    steps = []
    with SerialExecutor() as ex:
        out = _run(data, x0, ex, progress=steps.append)
    assert out.rounds == 3 and len(steps) == 3
    assert data.violation(out.x) <= FEASIBILITY_TOL
    assert np.array_equal(out.x[data.integer], np.round(out.x[data.integer]))
    assert out.objective == pytest.approx(data.objective(out.x))
    assert out.objective <= start_usd
    # the history never goes up, and counts its improvements
    values = [s.objective for s in steps]
    assert values == sorted(values, reverse=True)
    assert out.improvements == sum(s.improved_by is not None for s in steps)


def test_the_same_search_gives_the_same_plan_on_every_engine(example_start) -> None:  # type: ignore[no-untyped-def]
    data, x0 = example_start
    with SerialExecutor() as ex:
        serial = _run(data, x0, ex)
    with ProcessExecutor(2) as ex:
        processes = _run(data, x0, ex)
    assert serial.objective == processes.objective
    assert np.array_equal(serial.x, processes.x)
    assert [s.improved_by for s in serial.history] == [s.improved_by for s in processes.history]


def test_search_stops_at_its_target(example_start) -> None:  # type: ignore[no-untyped-def]
    data, x0 = example_start
    with SerialExecutor() as ex:
        out = _run(data, x0, ex, stop_at=data.objective(x0) + 1.0)
    assert out.rounds == 0 and np.array_equal(out.x, x0)


def test_the_planner_takes_the_search_path_above_its_integer_limit_and_verifies_the_plan() -> None:
    """A solver whose branch-and-bound limit is 0 free integers sends the example to the search."""
    sc = load_scenario(EXAMPLE)
    plan = optimize(sc, time_limit_s=8, baselines=False, solver=HighsSolver(large_mip_integers=0), engine="serial")
    assert verify_plan(sc, plan, size_workloads(sc)).ok
    assert "neighbourhood search" in plan.solve.termination
    assert plan.solve.gap is not None and plan.solve.dual_bound_usd is not None
    # a time-limited search is never reported optimal unless its gap is proven
    assert plan.solve.status.value != "optimal" or plan.solve.gap <= 0.005 + 1e-9
