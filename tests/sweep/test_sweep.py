"""``fleetplan sweep``: the same table on every engine, resume, infeasible points, the Pareto front.

One 2 x 3 grid of the carbon-budget example (provider cap x carbon budget, a few seconds per
point at most) is planned once serially and compared with local processes and a real Dask
cluster on loopback (Ray when installed).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fleetplan.cli import main
from fleetplan.load import load_scenario
from fleetplan.model.scenario import Scenario
from fleetplan.parallel import DaskExecutor, ProcessExecutor, SerialExecutor
from fleetplan.sweep import SweepResult, SweepSpec, load_sweep_text, pareto_front, run_sweep, summarize
from fleetplan.sweep.run import PLANS, TABLE

EXAMPLE = Path(__file__).resolve().parents[2] / "src/fleetplan/data/examples/carbon-budget.yaml"
GRID = """\
design: grid
parameters:
  policy.max_provider_share: [0.6, 1.0]
  policy:
    carbon_budget_tco2e: [15, 25, 40]
base: {policy.max_provider_share: 1.0}
"""
TIME_LIMIT_S = 30.0
"""Generous: each point ends at its gap in a second or two; the limit only guards a loaded machine."""
TIMING = {"seconds", "gap"}
"""Figures of the solve's trace, not of the plan: the gap proven depends on when the anytime
planner's stages ended (the plans, their costs and decisions do not)."""

try:
    import distributed
except ImportError:
    distributed = None
try:
    import ray
except ImportError:
    ray = None


@pytest.fixture(scope="module")
def sc() -> Scenario:
    return load_scenario(EXAMPLE)


@pytest.fixture(scope="module")
def spec(sc: Scenario) -> SweepSpec:
    return load_sweep_text(GRID, sc, "sweep.yaml")


def _run(sc: Scenario, spec: SweepSpec, out: Path, ex: Any, *, pictures: bool = False, **kw: Any) -> SweepResult:
    return run_sweep(
        sc,
        spec,
        out,
        ex,
        time_limit_s=TIME_LIMIT_S,
        finalize=lambda r: summarize(r, spec, sc.name, pictures=pictures),
        **kw,
    )


@pytest.fixture(scope="module")
def serial(sc: Scenario, spec: SweepSpec, tmp_path_factory: pytest.TempPathFactory) -> SweepResult:
    with SerialExecutor() as ex:
        return _run(sc, spec, tmp_path_factory.mktemp("serial"), ex, pictures=True)


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    cols = [c for c in a.columns if c not in TIMING]
    pd.testing.assert_frame_equal(a[cols], b[cols], check_exact=False, rtol=1e-9)


def test_every_point_is_planned_verified_and_within_its_policies(serial: SweepResult) -> None:
    t = serial.table
    assert list(t["point_id"]) == list(range(6))
    assert t["verified"].all() and (t["status"] == "optimal").all()
    assert (t["top_provider_share"] <= t["policy.max_provider_share"] + 1e-6).all()
    assert (t["co2e_t"] <= t["policy.carbon_budget_tco2e"] + 1e-6).all()
    assert t["total_usd"].nunique() > 1


def test_an_infeasible_point_is_explained_and_the_sweep_goes_on(sc: Scenario, tmp_path: Path) -> None:
    spec = load_sweep_text(
        "parameters:\n  policy.max_provider_share: [0.4]\n  policy.carbon_budget_tco2e: [15, 40]\n", sc
    )
    with SerialExecutor() as ex:
        got = _run(sc, spec, tmp_path, ex)
    t = got.table
    assert list(t["status"]) == ["infeasible", "optimal"]
    assert "provider share cap for nebius (40%) is too tight" in t["message"].iloc[0]
    doc = json.loads((tmp_path / "sweep.json").read_text())
    assert doc["complete"] and doc["status_counts"] == {"infeasible": 1, "optimal": 1}


def test_the_outputs_are_written(serial: SweepResult) -> None:
    out = serial.out
    for name in (
        "points.csv",
        "points.parquet",
        "plans.jsonl",
        "index.html",
        "pareto-emissions.svg",
        "pareto-emissions.png",
        "tornado.svg",
        "decisions.png",
    ):
        assert (out / name).stat().st_size > 0, name
    doc = json.loads((out / "sweep.json").read_text())
    assert doc["schema"] == "fleetplan.sweep/1" and doc["complete"] and doc["points_done"] == 6
    assert [p["point_id"] for p in doc["points"]] == list(range(6))
    assert doc["status_counts"] == {"optimal": 6}
    assert {s["parameter"] for s in doc["tornado"]} == {"policy.max_provider_share", "policy.carbon_budget_tco2e"}
    assert any(d["robust"] for d in doc["decisions"])
    parquet = pd.read_parquet(out / "points.parquet") if _has_pyarrow() else None
    if parquet is not None:
        assert len(parquet) == 6


def _has_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def test_local_processes_give_the_same_table(
    sc: Scenario, spec: SweepSpec, serial: SweepResult, tmp_path: Path
) -> None:
    with ProcessExecutor(workers=2) as ex:
        local = _run(sc, spec, tmp_path, ex)
    _same(serial.table, local.table)
    assert local.plans.keys() == serial.plans.keys()
    assert all(local.plans[i]["decisions"] == serial.plans[i]["decisions"] for i in serial.plans)


@pytest.fixture(scope="module")
def dask_address() -> Iterator[str]:
    if distributed is None:
        pytest.skip("distributed is not installed (pip install 'fleetplan[dask]')")
    with distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
    ) as cluster:
        yield cluster.scheduler_address


def test_a_dask_cluster_gives_the_same_table(
    sc: Scenario, spec: SweepSpec, serial: SweepResult, dask_address: str, tmp_path: Path
) -> None:
    with DaskExecutor(dask_address) as ex:
        got = _run(sc, spec, tmp_path, ex)
    _same(serial.table, got.table)


@pytest.mark.skipif(ray is None, reason="ray is not installed (pip install 'fleetplan[ray]')")
def test_ray_gives_the_same_table(sc: Scenario, spec: SweepSpec, serial: SweepResult, tmp_path: Path) -> None:
    from fleetplan.parallel import RayExecutor

    with RayExecutor("local") as ex:
        got = _run(sc, spec, tmp_path, ex)
    _same(serial.table, got.table)


def test_resume_repeats_no_finished_point(sc: Scenario, spec: SweepSpec, serial: SweepResult, tmp_path: Path) -> None:
    """A killed run: four rows written, the fifth torn mid-line. Resume plans only points 4 and 5."""
    out = tmp_path / "sweep"
    shutil.copytree(serial.out, out)
    lines = (out / TABLE).read_text().splitlines(keepends=True)
    (out / TABLE).write_text("".join(lines[:5]) + lines[5][:12])  # header, points 0-3, half of point 4
    with SerialExecutor() as ex:
        with pytest.raises(Exception, match="--resume"):
            _run(sc, spec, out, ex)
        seen: list[int] = []
        got = _run(sc, spec, out, ex, resume=True, progress=lambda d, t, row: seen.append(row["point_id"]))
    assert seen == [4, 5]
    assert got.skipped == 4 and got.planned_now == 2
    _same(serial.table, got.table)
    kept = got.table.set_index("point_id")["seconds"]
    assert (kept.loc[:3] == serial.table.set_index("point_id")["seconds"].loc[:3]).all()  # rows 0-3 untouched
    assert sorted(json.loads(x)["point_id"] for x in (out / PLANS).read_text().splitlines()) == [0, 1, 2, 3, 4, 4, 5, 5]


def test_resume_refuses_another_sweep(sc: Scenario, serial: SweepResult, tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    shutil.copytree(serial.out, out)
    other = load_sweep_text("parameters:\n  policy.max_provider_share: [0.5]\n", sc)
    with SerialExecutor() as ex, pytest.raises(Exception, match="another scenario or sweep file"):
        run_sweep(sc, other, out, ex, resume=True)


# The Pareto front ----------------------------------------------------------------------------------


def _brute_force(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    n = len(x)
    return np.array(
        [not any(x[j] <= x[i] and y[j] <= y[i] and (x[j] < x[i] or y[j] < y[i]) for j in range(n)) for i in range(n)],
        dtype=bool,
    )


small = st.integers(0, 6).map(float)  # many ties


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(small | st.floats(-1e6, 1e6), small | st.floats(-1e6, 1e6)), max_size=40))
def test_the_pareto_front_equals_brute_force(points: list[tuple[float, float]]) -> None:
    x = np.array([p[0] for p in points], dtype=float)
    y = np.array([p[1] for p in points], dtype=float)
    assert (pareto_front(x, y) == _brute_force(x, y)).all()


def test_the_pareto_front_of_the_grid(serial: SweepResult) -> None:
    doc = json.loads((serial.out / "sweep.json").read_text())
    ok = serial.table
    cost, co2 = ok["total_usd"].round(2).to_numpy(), ok["co2e_t"].round(9).to_numpy()  # as reported
    want = ok["point_id"][_brute_force(cost, co2)]
    assert doc["pareto"]["pareto-emissions"] == [int(i) for i in want]


# The CLI ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("parameters:\n  policy.max_provider_shar: [0.5]\n", 2, "is not in the scenario model"),
        ("parameters:\n  policy.max_provider_share: [0.5, 1.7]\n", 2, "less than or equal to 1"),
        ("design: grid\nparameters:\n  policy.max_provider_share: {uniform: [0.4, 0.9]}\n", 3, "latin_hypercube"),
        ("design: lhs\nparameters:\n  policy.n_minus_1: [true]\n", 1, "is not a design"),
        ("parameters:\n  policy.n_minus_1: [true, false\n", 3, "malformed YAML"),
        ("parameters:\n  prices:\n    provider:\n      awz: [0.8]\n", 4, "did you mean 'aws'"),
        ("parameters:\n  shock: [none, 'spot_cap:0.5']\n", 2, "spot_cap"),
        ("parameters:\n  policy.n_minus_1: [true]\nseeds: 3\n", 3, "unknown key 'seeds'"),
    ],
)
def test_a_bad_sweep_file_names_its_line_and_exits_2(
    text: str, line: int, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "sweep.yaml"
    f.write_text(text)
    code = main(["sweep", str(EXAMPLE), "--spec", str(f), "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert f"sweep.yaml:{line}:" in err and message in err, err
