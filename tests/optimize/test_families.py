"""Each constraint family on a small scenario whose optimal plan is known by hand."""

from __future__ import annotations

import math

import pytest

from fleetplan.model.period import hours_per_period
from fleetplan.optimize import optimize
from fleetplan.sizing import size_workloads

from .conftest import BATCH_8B, OWN_SITE, offering, own_server

H = hours_per_period("quarter")


def _need(sc, workload: str, accelerator: str) -> list[float]:
    sz = size_workloads(sc)
    rows = sz[(sz["workload"] == workload) & (sz["accelerator"] == accelerator)]
    return list(rows["accelerator_hours"]) if rows["kind"].iloc[0] != "serve" else list(rows["replicas"])


def test_cheapest_offering_wins_and_totals_are_exact(make_scenario) -> None:
    offs = [
        offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0),
        offering("beta", "b-east", "a100x8", "A100-80GB", 8, "on_demand", 20.0),
    ]
    sc = make_scenario(offs, workloads=[BATCH_8B])
    plan = optimize(sc, baselines=False)
    need = _need(sc, "batch-8b", "A100-80GB")
    assert set(plan.allocations["provider"]) == {"alpha"}
    assert plan.total_usd == pytest.approx(sum(need) * 16.0 / 8, rel=1e-6)
    assert plan.verification.ok


def test_buy_versus_rent_break_even(make_scenario) -> None:
    """One server (8 x A100) bought for capex C serves the whole demand; buy iff C/20 < rent per period."""
    site = OWN_SITE
    srv = own_server(100_000)
    probe = make_scenario(
        [offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0)],
        workloads=[BATCH_8B],
        sites=[site],
        server_types=[srv],
    )
    need = _need(probe, "batch-8b", "A100-80GB")[0]
    assert need < 8 * H  # one server is enough
    per_period_owned = 100_000 / 20  # annualized at 0 % over 5 years = C / 20 per quarter
    break_even = per_period_owned / need  # $ per accelerator-hour
    for factor, expect_buy in ((1.1, True), (0.9, False)):
        price = 8 * break_even * factor
        sc = make_scenario(
            [offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", price)],
            workloads=[BATCH_8B],
            sites=[site],
            server_types=[srv],
        )
        plan = optimize(sc, baselines=False)
        assert (len(plan.purchases) > 0) is expect_buy, factor
        expected = 4 * per_period_owned if expect_buy else 4 * need * price / 8
        assert plan.total_usd == pytest.approx(expected, rel=1e-6)


def test_reservation_pays_only_over_its_whole_term(make_scenario) -> None:
    """Demand in 2 of 4 quarters: a 1-year reservation is paid for all 4, whether used or not."""
    wl = {
        **BATCH_8B,
        "demand": {"tokens_per_period": 5.0e11, "per_period": {"2027Q1": 5.0e11, "2027Q2": 5.0e11}},
        "window": {"start": "2027Q1", "end": "2027Q2"},
    }
    probe = make_scenario([offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0)], workloads=[wl])
    need = _need(probe, "batch-8b", "A100-80GB")
    for reserved_price, expect_reserve in ((0.3 * 16.0, True), (0.7 * 16.0, False)):
        offs = [
            offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0),
            offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "reserved_1y", reserved_price),
        ]
        sc = make_scenario(offs, workloads=[wl])
        plan = optimize(sc, baselines=False)
        # brute force over whole reserved instances
        best = min(
            n * reserved_price * H * 4 + sum(max(0.0, h - n * 8 * H) * 16.0 / 8 for h in need) for n in range(0, 4)
        )
        assert plan.total_usd == pytest.approx(best, rel=1e-6)
        assert (len(plan.reservations) > 0) is expect_reserve


def test_provider_cap_forces_a_second_vendor(make_scenario) -> None:
    offs = [
        offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0),
        offering("beta", "b-east", "a100x8", "A100-80GB", 8, "on_demand", 24.0),
    ]
    sc = make_scenario(offs, workloads=[BATCH_8B], policy={"max_provider_share": 0.6})
    plan = optimize(sc, baselines=False)
    spend = plan.spend_by_owner["provider"]
    assert spend["alpha"] / plan.total_usd == pytest.approx(0.6, abs=1e-6)
    # hand solution: x + y = N hours, 2x = 0.6 (2x + 3y)  ->  x = 9N/13
    n = sum(_need(sc, "batch-8b", "A100-80GB"))
    assert plan.total_usd == pytest.approx(2 * (9 * n / 13) + 3 * (4 * n / 13), rel=1e-6)
    status = {(p.policy, p.scope): p for p in plan.policies}
    assert status[("provider_share", "alpha")].binding


def test_training_run_is_never_split(make_scenario) -> None:
    """The cheapest region is capped below the run's size: the whole run moves, it does not split."""
    train = {
        "name": "pretrain",
        "kind": "train",
        "model": {"params": 7.0e9},
        "tokens": 2.0e12,
        "window": {"start": "2027Q1", "end": "2027Q1"},
        "accelerators": ["H100-SXM"],
    }
    probe = make_scenario([offering("alpha", "a-east", "h100x8", "H100-SXM", 8, "on_demand", 16.0)], workloads=[train])
    need = _need(probe, "pretrain", "H100-SXM")[0]
    assert need > 2 * 8 * H  # the run needs several 8-GPU instances for the quarter
    cap_instances = math.floor(need / (8 * H) / 2)  # room for about half the run
    offs = [
        offering(
            "alpha", "a-east", "h100x8", "H100-SXM", 8, "on_demand", 16.0, availability_max_instances=cap_instances
        ),
        offering("beta", "b-east", "h100x8", "H100-SXM", 8, "on_demand", 20.0),
    ]
    sc = make_scenario(offs, workloads=[train])
    plan = optimize(sc, baselines=False)
    assert set(plan.allocations["provider"]) == {"beta"}
    assert plan.total_usd == pytest.approx(need * 20.0 / 8, rel=1e-6)


def test_spot_only_for_interruptible_work_with_rework_overhead(make_scenario) -> None:
    offs = [
        offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0),
        offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "spot", 6.0, spot_interruption_rate_per_hour=0.01),
    ]
    strict = make_scenario(offs, workloads=[BATCH_8B])
    assert set(optimize(strict, baselines=False).allocations["pricing_model"]) == {"on_demand"}
    tolerant = make_scenario(offs, workloads=[{**BATCH_8B, "interruptible": True, "checkpoint_interval_hours": 1.0}])
    plan = optimize(tolerant, baselines=False)
    assert set(plan.allocations["pricing_model"]) == {"spot"}
    need = sum(_need(tolerant, "batch-8b", "A100-80GB"))
    efficiency = 1 / (1 + 0.01 * 1 * (0.5 + 0.25))
    assert plan.total_usd == pytest.approx(need / efficiency * 6.0 / 8, rel=1e-6)


def test_serving_replicas_are_whole(make_scenario) -> None:
    serve = {
        "name": "chat",
        "kind": "serve",
        "model": {"params": 8.0e9},
        "precision": "fp8",
        "demand": {"peak_rps": 3.3, "headroom": 0.0},
        "accelerators": ["H100-SXM"],
    }
    sc = make_scenario([offering("alpha", "a-east", "h100x1", "H100-SXM", 1, "on_demand", 3.0)], workloads=[serve])
    plan = optimize(sc, baselines=False)
    reps = plan.allocations["replicas"]
    assert (reps == reps.round()).all()
    need = _need(sc, "chat", "H100-SXM")
    assert list(reps) == [math.ceil(n - 1e-9) for n in need]


def test_optional_workload_dropped_when_it_does_not_pay(make_scenario) -> None:
    offs = [offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0)]
    probe = make_scenario(offs, workloads=[BATCH_8B])
    cost = optimize(probe, baselines=False).total_usd
    for value, dropped in ((0.5 * cost, True), (2 * cost, False)):
        sc = make_scenario(offs, workloads=[{**BATCH_8B, "optional": True, "value_usd": value}])
        plan = optimize(sc, baselines=False)
        assert (plan.dropped_workloads == ["batch-8b"]) is dropped
        assert plan.total_usd == pytest.approx(0.0 if dropped else cost, abs=1e-6)


def test_onboarding_cost_keeps_a_slightly_cheaper_new_vendor_out(make_scenario) -> None:
    offs = [
        offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0),
        offering("beta", "b-east", "a100x8", "A100-80GB", 8, "on_demand", 15.0),
    ]
    providers = [
        {"name": "alpha", "kind": "gpu_cloud"},
        {"name": "beta", "kind": "gpu_cloud", "onboarding_cost_usd": 1e7},
        {"name": "gamma", "kind": "cloud"},
        {"name": "own", "kind": "onprem"},
    ]
    sc = make_scenario(offs, workloads=[BATCH_8B], providers=providers, onboarded_providers=["alpha"])
    plan = optimize(sc, baselines=False)
    assert set(plan.allocations["provider"]) == {"alpha"} and plan.onboarded == []
    cheap = [*providers[:1], {"name": "beta", "kind": "gpu_cloud", "onboarding_cost_usd": 1.0}, *providers[2:]]
    plan = optimize(
        make_scenario(offs, workloads=[BATCH_8B], providers=cheap, onboarded_providers=["alpha"]), baselines=False
    )
    assert set(plan.allocations["provider"]) == {"beta"} and plan.onboarded == ["beta"]
    assert plan.costs["onboarding_usd"].sum() == pytest.approx(1.0)


def test_min_providers_for_critical_work(make_scenario) -> None:
    offs = [
        offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0),
        offering("beta", "b-east", "a100x8", "A100-80GB", 8, "on_demand", 24.0),
    ]
    sc = make_scenario(
        offs,
        workloads=[{**BATCH_8B, "criticality": "critical"}],
        policy={"min_providers_critical": 2, "min_provider_share_critical": 0.25},
    )
    plan = optimize(sc, baselines=False)
    share = plan.allocations.groupby("provider")["coverage"].sum() / 4
    assert share["beta"] == pytest.approx(0.25, abs=1e-6)
    assert share["alpha"] == pytest.approx(0.75, abs=1e-6)


def test_a_provider_below_the_minimum_share_may_carry_work_without_counting(make_scenario) -> None:
    """Diversity asks for m providers that each carry the minimum share, not that every provider
    used carries it: a capped provider too small to count still takes the work it has room for."""
    big = {**BATCH_8B, "criticality": "critical", "demand": {"tokens_per_period": 1.0e13}}
    probe = make_scenario([offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0)], workloads=[big])
    need = _need(probe, "batch-8b", "A100-80GB")
    cap_a, cap_g = 8, 2  # instances: alpha about half the demand, gamma well under a quarter
    assert all(cap_g * 8 * H < 0.25 * n and (cap_a + cap_g) * 8 * H < 0.75 * n for n in need)
    offs = [
        offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0, availability_max_instances=cap_a),
        offering("gamma", "g-east", "a100x8", "A100-80GB", 8, "on_demand", 18.0, availability_max_instances=cap_g),
        offering("beta", "b-east", "a100x8", "A100-80GB", 8, "on_demand", 24.0),
    ]
    sc = make_scenario(offs, workloads=[big], policy={"min_providers_critical": 2, "min_provider_share_critical": 0.25})
    plan = optimize(sc, baselines=False)
    # alpha and gamma full, beta (counted with alpha) the rest
    want = sum(cap_a * H * 16.0 + cap_g * H * 18.0 + (n - (cap_a + cap_g) * 8 * H) * 24.0 / 8 for n in need)
    assert plan.total_usd == pytest.approx(want, rel=1e-6)
    status = [p for p in plan.policies if p.policy == "min_providers"]
    assert [(p.scope, p.value) for p in status] == [("batch-8b", 2.0)]  # gamma does not count


def test_n_minus_1_keeps_critical_demand_up_without_any_one_provider(make_scenario) -> None:
    offs = [
        offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0),
        offering("beta", "b-east", "a100x8", "A100-80GB", 8, "on_demand", 24.0),
        offering("gamma", "g-fr", "a100x8", "A100-80GB", 8, "on_demand", 30.0),
    ]
    sc = make_scenario(offs, workloads=[{**BATCH_8B, "criticality": "critical"}], policy={"n_minus_1": True})
    plan = optimize(sc, baselines=False)
    for period, grp in plan.allocations.groupby("period"):
        for provider in grp["provider"].unique():
            assert grp.loc[grp["provider"] != provider, "coverage"].sum() >= 1 - 1e-6, (period, provider)
    # min 16a + 24b + 30c  s.t. a+b >= 1, a+c >= 1, b+c >= 1: half on each of the three (35) beats
    # full cover on the two cheapest (40)
    n = sum(_need(sc, "batch-8b", "A100-80GB"))
    assert plan.total_usd == pytest.approx(n * (16 + 24 + 30) / 2 / 8, rel=1e-6)


def test_site_power_blocks_buying_when_full(make_scenario) -> None:
    srv = {
        "name": "srv",
        "accelerator": "H100-SXM",
        "accelerators_per_server": 8,
        "capex_usd": 1000,
        "lead_time_periods": 0,
        "lifetime_years": 5,
    }
    site = {
        "name": "dc",
        "provider": "own",
        "country": "US",
        "latency_zone": "us-east",
        "pue": 1.25,
        "electricity_usd_per_kwh": 0.0,
        "buyable": ["srv"],
    }
    server_kw = 8 * 700 * 1.8 * 1.25 / 1000  # 12.6 kW
    wl = {**BATCH_8B, "accelerators": ["H100-SXM"]}
    offs = [offering("alpha", "a-east", "h100x8", "H100-SXM", 8, "on_demand", 40.0)]
    roomy = optimize(
        make_scenario(
            offs, workloads=[wl], sites=[{**site, "power_capacity_kw": server_kw * 1.01}], server_types=[srv]
        ),
        baselines=False,
    )
    assert roomy.purchases["servers"].sum() >= 1
    full = optimize(
        make_scenario(
            offs, workloads=[wl], sites=[{**site, "power_capacity_kw": server_kw * 0.99}], server_types=[srv]
        ),
        baselines=False,
    )
    assert full.purchases.empty and set(full.allocations["provider"]) == {"alpha"}


def test_budget_and_carbon_budget_shape_the_plan(make_scenario) -> None:
    offs = [
        offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0),
        offering("alpha", "a-west", "a100x8", "A100-80GB", 8, "on_demand", 18.0),
    ]
    free = optimize(make_scenario(offs, workloads=[BATCH_8B]), baselines=False)
    assert set(free.allocations["region"]) == {"a-east"}
    co2_east = float(free.costs["co2e_t"].sum())
    capped = optimize(
        make_scenario(offs, workloads=[BATCH_8B], policy={"carbon_budget_tco2e": co2_east / 2}), baselines=False
    )
    assert capped.costs["co2e_t"].sum() <= co2_east / 2 * (1 + 1e-6)
    assert "a-west" in set(capped.allocations["region"])
    status = {(p.policy, p.scope): p for p in capped.policies}
    assert status[("carbon_budget", "horizon")].binding
