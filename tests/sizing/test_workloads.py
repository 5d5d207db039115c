"""Scenario glue: one row per (workload, period, accelerator), fits and errors."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pytest

from fleetplan.catalog.hardware import load_accelerators, resolve_accelerator
from fleetplan.model import SLO, Demand, Horizon, ModelSpec, Scenario, Window, Workload
from fleetplan.sizing import (
    SIZING_COLUMNS,
    SizingError,
    estimate_serving,
    estimate_training,
    size_workloads,
)

HORIZON = Horizon(start="2027Q1", periods=4, period="quarter")


def scenario(*workloads: Workload) -> Scenario:
    return Scenario(name="t", horizon=HORIZON, workloads=list(workloads))


def test_training_spreads_hours_over_window() -> None:
    w = Workload(
        name="pt",
        kind="train",
        model=ModelSpec(params=7e9),
        tokens=1e12,
        window=Window(start="2027Q2", end="2027Q3"),
        accelerators=["H100", "A100-80GB"],
    )
    df = size_workloads(scenario(w))
    assert list(SIZING_COLUMNS) == list(df.columns)
    assert set(df["accelerator"]) == {"H100-SXM", "A100-80GB"}
    assert sorted(set(df["period"])) == ["2027Q2", "2027Q3"]
    h100 = df[df.accelerator == "H100-SXM"]
    total = estimate_training(7e9, 1e12, resolve_accelerator("H100-SXM"), window_hours=2 * 2190).gpu_hours
    assert h100["accelerator_hours"].sum() == pytest.approx(total)
    assert h100["accelerator_hours"].nunique() == 1
    assert h100["replicas"].isna().all() and h100["fits"].all()


def test_serving_replicas_growth_headroom_override() -> None:
    w = Workload(
        name="chat",
        kind="serve",
        model=ModelSpec(params=8e9),
        precision="fp8",
        demand=Demand(peak_rps=10, growth_per_period=0.1, headroom=0.25, per_period={"2027Q4": 50}),
        slo=SLO(ttft_ms=1000, tpot_ms=50),
        accelerators=["H100-SXM"],
    )
    df = size_workloads(scenario(w)).set_index("period")
    rps = np.array([10, 11, 12.1, 50]) * 1.25
    per_replica = df["requests_per_s_per_replica"].iloc[0]
    assert df["replicas"].to_numpy() == pytest.approx(rps / per_replica)
    gpus = int(df["accelerators_per_replica"].iloc[0])
    est = estimate_serving(8e9, resolve_accelerator("H100-SXM"), gpus=gpus, precision="fp8", ttft_ms=1000, tpot_ms=50)
    assert per_replica == pytest.approx(est.requests_per_s)
    assert df["accelerator_hours"].isna().all()


def test_batch_tokens_grow() -> None:
    w = Workload(
        name="b",
        kind="batch",
        model=ModelSpec(params=8e9),
        demand=Demand(tokens_per_period=1e10, growth_per_period=0.5),
        accelerators=["L4"],
    )
    df = size_workloads(scenario(w))
    hours = df["accelerator_hours"].to_numpy()
    assert hours[1] / hours[0] == pytest.approx(1.5)
    assert (df["min_accelerators"] >= 1).all()


def test_all_accelerators_when_no_allow_list() -> None:
    w = Workload(name="s", kind="serve", model=ModelSpec(params=1e9), demand=Demand(peak_rps=1))
    df = size_workloads(scenario(w))
    assert set(df["accelerator"]) == set(load_accelerators())
    assert len(df) == 4 * len(load_accelerators())


def test_partial_fit_keeps_rows() -> None:
    w = Workload(
        name="big",
        kind="serve",
        model=ModelSpec(params=405e9),
        demand=Demand(peak_rps=1),
        slo=SLO(ttft_ms=500),
        accelerators=["H100-SXM", "T4"],
    )
    df = size_workloads(scenario(w))
    fits = df.groupby("accelerator")["fits"].all()
    assert fits["H100-SXM"] and not fits["T4"]
    assert (df.loc[df.accelerator == "T4", "reason"] != "").all()


def test_fits_nowhere_names_workload() -> None:
    w = Workload(
        name="giant-chat",
        kind="serve",
        model=ModelSpec(params=2e12),
        demand=Demand(peak_rps=1),
        accelerators=["T4", "L4"],
    )
    with pytest.raises(SizingError, match="giant-chat") as info:
        size_workloads(scenario(w))
    assert "L4" in str(info.value) and "GB" in str(info.value)
    assert info.value.exit_code == 2


def test_unknown_accelerator_in_allow_list() -> None:
    w = Workload(name="x", kind="train", model=ModelSpec(params=1e9), tokens=1e9, accelerators=["H1000"])
    with pytest.raises(SizingError, match=r"'x'.*H1000"):
        size_workloads(scenario(w))


def test_missing_demand_is_an_error() -> None:
    w = Workload(name="nodemand", kind="serve", model=ModelSpec(params=1e9), accelerators=["L4"])
    with pytest.raises(SizingError, match="peak_rps"):
        size_workloads(scenario(w))


def test_inactive_workload_has_no_rows() -> None:
    w = Workload(
        name="later",
        kind="train",
        model=ModelSpec(params=1e9),
        tokens=1e9,
        window=Window(start="2030Q1"),
        accelerators=["L4"],
    )
    assert size_workloads(scenario(w)).empty


def test_example_scenario_sizes_everywhere() -> None:
    from fleetplan.load.scenario import load_scenario

    examples = resources.files("fleetplan.data").joinpath("examples")
    paths = [p for p in examples.iterdir() if p.name.endswith(".yaml")] if examples.is_dir() else []
    if not paths:
        pytest.skip("no bundled example scenario")
    for path in paths:
        with resources.as_file(path) as real:
            sc = load_scenario(real)
        df = size_workloads(sc)
        assert set(df["workload"]) == {w.name for w in sc.workloads}
        for w in sc.workloads:
            rows = df[df.workload == w.name]
            assert rows["fits"].any(), w.name
            ok = rows[rows.fits]
            col = "replicas" if w.kind == "serve" else "accelerator_hours"
            assert (ok[col] > 0).all() and np.isfinite(ok[col]).all(), w.name
