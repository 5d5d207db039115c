"""The bound anatomy script: every relaxation it reports lies between the LP bound and the plan."""

from __future__ import annotations

import pytest

from fleetplan.generate import generate_scenario, write_scenario


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory, bench_script) -> list[dict]:
    path = write_scenario(generate_scenario(15, 6, 4, seed=0), tmp_path_factory.mktemp("bound") / "s.yaml")
    return bench_script("example_bound").measure(path, time_limit_s=10, mip_time_limit_s=60)


def test_every_solve_is_reported(rows: list[dict]) -> None:
    labels = [r["label"] for r in rows]
    assert labels[:3] == ["LP relaxation", "MIP to 0.5 %", "MIP to 0.5 %, optimum as start"]
    assert "LP, all but y fixed" in labels and "only {y} integer" in labels
    assert len(labels) == 3 + 2 + 6


def test_relaxations_lie_between_the_lp_bound_and_the_plan(rows: list[dict]) -> None:
    lp = rows[0]["objective_usd"]
    plan = rows[1]["objective_usd"]
    assert rows[1]["status"] == "optimal" and lp <= plan * (1 + 1e-9)
    tol = 1e-6 * abs(plan) + 1e-6
    # a plan handed as start is kept: the second proof never ends dearer
    assert rows[2]["objective_usd"] <= plan + tol
    for r in rows[3:]:
        # fixing families at the optimum or relaxing integrality never beats the LP nor exceeds the plan
        assert r["objective_usd"] is not None, r
        assert lp - tol <= r["objective_usd"], r
        if r["label"].startswith("LP"):
            assert r["objective_usd"] <= plan + tol, r
        else:
            assert r["bound_usd"] is None or r["bound_usd"] <= plan + tol, r
