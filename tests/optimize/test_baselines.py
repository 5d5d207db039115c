"""The baselines shown beside every plan, on small scenarios checkable by hand.

Greedy per-job brokering: existing servers first, availability caps shared in start order,
training runs placed whole. Single provider on demand: the provider that hosts every workload,
the cheapest of them. A property: the greedy never rents beyond an availability cap.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fleetplan.load.scenario import scenario_catalog
from fleetplan.model.period import hours_per_period
from fleetplan.model.plan import Baseline, Plan
from fleetplan.model.scenario import Scenario
from fleetplan.optimize.baselines import greedy_baseline, single_provider_baseline
from fleetplan.optimize.candidates import CandidateError, build_candidates
from fleetplan.optimize.options import build_options
from fleetplan.sizing import size_workloads

from .conftest import BATCH_8B, OWN_SITE, offering, offering_rows, own_server, write_scenario

H = hours_per_period("quarter")
SERVER_HOURS = 8 * H
"""Accelerator-hours of one 8-GPU server or instance in a quarter."""


def _inputs(sc: Scenario) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The candidate table and sizing the planner hands the baselines."""
    sizing = size_workloads(sc)
    options = build_options(sc, scenario_catalog(sc))
    return build_candidates(sc, options, sizing, prune=True).table, sizing


def _greedy(sc: Scenario) -> tuple[Baseline, Plan]:
    cand, sizing = _inputs(sc)
    baseline, plan = greedy_baseline(sc, cand, sizing)
    assert plan is not None
    return baseline, plan


def _need(sc: Scenario, workload: str) -> list[float]:
    sz = size_workloads(sc)
    return list(sz.loc[sz["workload"] == workload, "accelerator_hours"])


def _batch(name: str, servers: float, probe: Scenario, **extra: object) -> dict:
    """BATCH_8B scaled to need about ``servers`` 8 x A100 servers in each quarter (sizing is linear
    in tokens; ``probe`` is a scenario that sizes BATCH_8B)."""
    tokens = BATCH_8B["demand"]["tokens_per_period"] * servers * SERVER_HOURS / _need(probe, "batch-8b")[0]
    return {**BATCH_8B, "name": name, "demand": {"tokens_per_period": tokens}, **extra}


def _hours(plan: Plan, **where: str) -> pd.Series:
    """Accelerator-hours per period of the allocations matching ``where``."""
    a = plan.allocations
    for column, value in where.items():
        a = a[a[column] == value]
    return a.groupby("period")["accelerator_hours"].sum()


A100_ALPHA = offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0)
A100_BETA = offering("beta", "b-east", "a100x8", "A100-80GB", 8, "on_demand", 20.0)


def _site(servers: int, **extra: object) -> dict:
    return {**OWN_SITE, "existing": [{"server_type": "srv", "count": servers, "purchased": "2026Q1"}], **extra}


def test_greedy_fills_existing_servers_first_even_when_renting_is_cheaper(make_scenario) -> None:
    """1.5 servers of demand, 1 existing server whose electricity costs far more than renting:
    the server is full every quarter and only the rest is rented."""
    probe = make_scenario([A100_ALPHA], workloads=[BATCH_8B])
    sc = make_scenario(
        [A100_ALPHA],
        workloads=[_batch("batch", 1.5, probe)],
        sites=[_site(1, electricity_usd_per_kwh=100.0)],
        server_types=[own_server(100_000)],
    )
    need = _need(sc, "batch")
    baseline, plan = _greedy(sc)
    owned = _hours(plan, pricing_model="owned")
    rented = _hours(plan, provider="alpha")
    assert list(owned) == pytest.approx([SERVER_HOURS] * 4, rel=1e-9)
    assert list(rented) == pytest.approx([n - SERVER_HOURS for n in need], rel=1e-9)
    assert baseline.detail == ""  # everything placed
    assert baseline.total_usd == pytest.approx(float(plan.costs["total_usd"].sum()), rel=1e-12)


def test_greedy_respects_availability_caps_in_start_order(make_scenario) -> None:
    """alpha (cheapest) is capped at one instance. "late" is listed first but starts in Q2, so
    "early" takes alpha first; "late" gets what is left of it and rents the rest on beta."""
    capped = {**A100_ALPHA, "availability_max_instances": 1}
    probe = make_scenario([A100_ALPHA], workloads=[BATCH_8B])
    late = _batch("late", 0.75, probe, window={"start": "2027Q2", "end": "2027Q4"})
    sc = make_scenario([capped, A100_BETA], workloads=[late, _batch("early", 0.75, probe)])
    baseline, plan = _greedy(sc)
    early_need, late_need = _need(sc, "early"), _need(sc, "late")
    assert list(_hours(plan, workload="early", provider="alpha")) == pytest.approx(early_need, rel=1e-9)
    late_alpha = _hours(plan, workload="late", provider="alpha")
    late_beta = _hours(plan, workload="late", provider="beta")
    assert list(late_alpha.index) == ["2027Q2", "2027Q3", "2027Q4"]
    assert list(late_alpha + _hours(plan, workload="early", provider="alpha").loc[late_alpha.index]) == pytest.approx(
        [SERVER_HOURS] * 3, rel=1e-9
    )
    assert list(late_alpha + late_beta) == pytest.approx(late_need, rel=1e-9)
    assert not [v for v in baseline.violations if "availability cap" in v]


def test_greedy_names_what_it_cannot_place(make_scenario) -> None:
    """The only offering is capped below the demand: the greedy rents the cap and says so."""
    capped = {**A100_ALPHA, "availability_max_instances": 1}
    probe = make_scenario([A100_ALPHA], workloads=[BATCH_8B])
    sc = make_scenario([capped], workloads=[_batch("big", 1.5, probe)])
    baseline, plan = _greedy(sc)
    assert list(_hours(plan)) == pytest.approx([SERVER_HOURS] * 4, rel=1e-9)
    assert baseline.detail == "could not place: big"
    assert not baseline.feasible
    assert any("demand only" in v for v in baseline.violations)


TRAIN = {
    "name": "pretrain",
    "kind": "train",
    "model": {"params": 7.0e9},
    "tokens": 2.0e12,
    "window": {"start": "2027Q1", "end": "2027Q2"},
    "accelerators": ["A100-80GB"],
}


def test_greedy_places_a_training_run_whole(make_scenario) -> None:
    """Existing servers too few for the run: it is not split onto them, it moves whole to the
    cheapest rental that covers its window, one offering for every period."""
    west = offering("alpha", "a-west", "a100x8", "A100-80GB", 8, "on_demand", 17.0)
    sc = make_scenario(
        [A100_ALPHA, west, A100_BETA], workloads=[TRAIN], sites=[_site(1)], server_types=[own_server(100_000)]
    )
    need = _need(sc, "pretrain")
    assert min(need) > 2 * SERVER_HOURS  # more than the one existing server
    baseline, plan = _greedy(sc)
    a = plan.allocations
    assert set(zip(a["provider"], a["region"], a["instance_type"], strict=True)) == {("alpha", "a-east", "a100x8")}
    assert list(a.groupby("period")["coverage"].sum()) == pytest.approx([1.0, 1.0], rel=1e-9)
    assert not [v for v in baseline.violations if "split" in v]


def test_greedy_runs_training_on_existing_servers_that_hold_it(make_scenario) -> None:
    probe = make_scenario([A100_ALPHA], workloads=[TRAIN])
    servers = int(max(_need(probe, "pretrain")) // SERVER_HOURS) + 1
    sc = make_scenario(
        [A100_ALPHA],
        workloads=[TRAIN],
        sites=[_site(servers, power_capacity_kw=10_000)],
        server_types=[own_server(100_000)],
    )
    _, plan = _greedy(sc)
    assert set(plan.allocations["pricing_model"]) == {"owned"}
    assert list(plan.allocations["accelerator_hours"]) == pytest.approx(_need(sc, "pretrain"), rel=1e-9)


def _single(sc: Scenario) -> tuple[Baseline, Plan | None]:
    cand, sizing = _inputs(sc)
    return single_provider_baseline(sc, cand, sizing)


def test_single_provider_is_the_cheapest_that_hosts_everything(make_scenario) -> None:
    sc = make_scenario([A100_ALPHA, A100_BETA], workloads=[BATCH_8B])
    baseline, plan = _single(sc)
    assert plan is not None
    assert baseline.detail == "alpha"
    assert set(plan.allocations["provider"]) == {"alpha"}
    assert set(plan.allocations["pricing_model"]) == {"on_demand"}
    assert baseline.total_usd == pytest.approx(sum(_need(sc, "batch-8b")) * 16.0 / 8, rel=1e-9)


def test_single_provider_skips_a_cheaper_one_that_cannot_host_everything(make_scenario) -> None:
    only_beta = {**BATCH_8B, "name": "beta-only", "providers": ["beta"]}
    sc = make_scenario([A100_ALPHA, A100_BETA], workloads=[BATCH_8B, only_beta])
    baseline, plan = _single(sc)
    assert plan is not None
    assert baseline.detail == "beta"
    assert set(plan.allocations["provider"]) == {"beta"}
    assert "of 1 candidate providers" in baseline.description


def test_single_provider_without_a_host_is_reported_not_planned(make_scenario) -> None:
    workloads = [{**BATCH_8B, "name": f"{p}-only", "providers": [p]} for p in ("alpha", "beta")]
    sc = make_scenario([A100_ALPHA, A100_BETA], workloads=workloads)
    baseline, plan = _single(sc)
    assert plan is None
    assert baseline.total_usd is None and not baseline.feasible
    assert baseline.detail.startswith("no single provider")


def test_single_provider_keeps_on_prem_work_on_existing_servers(make_scenario) -> None:
    on_prem = {**BATCH_8B, "name": "on-prem", "providers": ["own"]}
    sc = make_scenario(
        [A100_ALPHA, A100_BETA],
        workloads=[BATCH_8B, on_prem],
        sites=[_site(1)],
        server_types=[own_server(100_000)],
    )
    baseline, plan = _single(sc)
    assert plan is not None and baseline.detail == "alpha"
    placed = plan.allocations.groupby("workload")["pricing_model"].agg(set).to_dict()
    assert placed == {"batch-8b": {"on_demand"}, "on-prem": {"owned"}}
    assert "1 workload(s) stay on existing owned servers" in baseline.description


# --- property: the greedy never rents beyond an availability cap --------------------------------

PLACES = [("alpha", "a-east"), ("alpha", "a-west"), ("beta", "b-east")]
CHIPS = [("A100-80GB", 8), ("H100-SXM", 8), ("L40S", 4)]

offer_st = st.tuples(
    st.sampled_from(PLACES),
    st.sampled_from(CHIPS),
    st.sampled_from(["on_demand", "spot"]),
    st.floats(1.0, 60.0),
    st.one_of(st.none(), st.integers(0, 3)),
)
workload_st = st.tuples(
    st.sampled_from(["batch", "serve"]),
    st.floats(0.5, 100.0),
    st.booleans(),
    st.sampled_from(["2027Q1", "2027Q2", "2027Q3"]),
)


def _random_scenario(folder: Path, offers: list, workloads: list, servers: int) -> Scenario:
    specs = []
    for i, (kind, size, interruptible, start) in enumerate(workloads):
        w = {
            "name": f"w{i}",
            "kind": kind,
            "model": {"params": 8e9},
            "interruptible": interruptible,
            "window": {"start": start, "end": "2027Q4"},
        }
        w["demand"] = {"tokens_per_period": 1e11 * size} if kind == "batch" else {"peak_rps": 2 * size}
        specs.append(w)
    changes: dict = {"workloads": specs}
    if servers:
        changes.update(sites=[_site(servers)], server_types=[own_server(100_000)])
    return write_scenario(folder, offering_rows(offers), **changes)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    offers=st.lists(offer_st, min_size=1, max_size=5),
    workloads=st.lists(workload_st, min_size=1, max_size=4),
    servers=st.integers(0, 1),
)
def test_greedy_never_exceeds_an_availability_cap(offers: list, workloads: list, servers: int) -> None:
    """Batch and serving work (training rentals are placed whole, caps aside): rented hours per
    offering and quarter stay within the cap, owned hours within the existing servers, and every
    workload the greedy does not name as unplaced is fully covered."""
    with tempfile.TemporaryDirectory() as tmp:
        sc = _random_scenario(Path(tmp), offers, workloads, servers)
        try:
            cand, sizing = _inputs(sc)
        except CandidateError:  # no eligible capacity for some workload: nothing to test
            return
        baseline, plan = greedy_baseline(sc, cand, sizing)
    assert plan is not None
    a = plan.allocations
    caps = {(p, r, i, pm): avail for (p, r), (c, n), pm, _, avail in offers for i in [f"{c.lower()}x{n}"]}
    limit = {k: v * int(k[2].rsplit("x", 1)[1]) * H for k, v in caps.items() if v is not None}
    rented = a[a["pricing_model"] != "owned"]
    used = rented.groupby(["provider", "region", "instance_type", "pricing_model", "period"])["accelerator_hours"].sum()
    for (p, r, i, pm, _period), hours in used.items():
        assert hours <= limit.get((p, r, i, pm), float("inf")) * (1 + 1e-9) + 1e-9
    owned = a[a["pricing_model"] == "owned"].groupby("period")["accelerator_hours"].sum()
    assert (owned <= servers * SERVER_HOURS * (1 + 1e-9)).all()
    assert not [v for v in baseline.violations if "availability cap" in v or "servers in service" in v]
    unplaced = set(baseline.detail.removeprefix("could not place: ").split(", ")) if baseline.detail else set()
    covered = a.groupby(["workload", "period"])["coverage"].sum()
    active = sizing[sizing["fits"]].groupby(["workload", "period"]).size().index
    for w, period in active:
        if w not in unplaced:
            assert covered.get((w, period), 0.0) >= 1 - 1e-6, (w, period)
