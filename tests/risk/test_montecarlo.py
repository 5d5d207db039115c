"""Monte Carlo availability against closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fleetplan.model.period import hours_per_period
from fleetplan.optimize import optimize
from fleetplan.risk import monte_carlo
from fleetplan.risk.montecarlo import outage_rates

from .conftest import BATCH_8B, offering

H = hours_per_period("quarter")
CRITICAL = {**BATCH_8B, "criticality": "critical"}
NO_REGION_OUTAGES = {"gpu_cloud": {"outages_per_year": 0.0, "mean_duration_hours": 1.0}}


def test_two_full_providers_fail_together_with_probability_p_squared(make_scenario) -> None:
    """N-1 puts the whole demand on alpha and again on beta; each provider is down for the whole
    period with probability p, independently: the service misses demand with probability p^2."""
    p = 0.3
    rate = -4 * math.log(1 - p)  # P(at least one outage in a quarter) = 1 - exp(-rate / 4) = p
    offs = [
        offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0),
        offering("beta", "b-east", "a100x8", "A100-80GB", 8, "on_demand", 24.0),
    ]
    sc = make_scenario(
        offs,
        workloads=[CRITICAL],
        policy={"n_minus_1": True},
        risk={
            "provider_outages": {"gpu_cloud": {"outages_per_year": rate, "mean_duration_hours": 1e8}},
            "region_outages": NO_REGION_OUTAGES,
        },
    )
    plan = optimize(sc, baselines=False)
    cover = plan.allocations.groupby(["period", "provider"])["coverage"].sum()
    assert (cover > 1 - 1e-6).all() and len(cover) == 8  # both providers carry all of it, every period
    draws = 20_000
    res = monte_carlo(sc, plan, draws=draws, seed=7)
    svc = res.services.set_index("workload").loc["batch-8b"]
    # per period: 4 x 20,000 Bernoulli trials of 1 - p^2
    q = 1 - p * p
    sd = math.sqrt(q * (1 - q) / (4 * draws))
    assert svc["p_meets_demand_per_period"] == pytest.approx(q, abs=5 * sd)
    sd_h = math.sqrt(q**4 * (1 - q**4) / draws)
    assert svc["p_meets_demand_horizon"] == pytest.approx(q**4, abs=5 * sd_h)
    # a failed period loses the whole period's demand: unserved = p^2 x demand in expectation
    demand = float(plan.allocations.groupby("period")["accelerator_hours"].sum().iloc[0]) / 2
    assert res.unserved.mean() == pytest.approx(4 * p * p * demand, rel=0.05)
    # deterministic: same seed, same draws
    again = monte_carlo(sc, plan, draws=draws, seed=7)
    assert np.array_equal(res.unserved, again.unserved)


def test_expected_downtime_matches_the_poisson_boolean_model(make_scenario) -> None:
    """One provider, outages Poisson(m) per period with exponential durations (mean d), wrapped
    on the period: a given instant is down with probability 1 - exp(-m E[min(D, H)] / H)."""
    m, d = 1.5, 150.0
    offs = [offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0)]
    sc = make_scenario(
        offs,
        workloads=[CRITICAL],
        risk={
            "provider_outages": {"alpha": {"outages_per_year": 4 * m, "mean_duration_hours": d}},
            "region_outages": NO_REGION_OUTAGES,
            "monte_carlo_draws": 20_000,
        },
    )
    plan = optimize(sc, baselines=False)
    res = monte_carlo(sc, plan)
    svc = res.services.set_index("workload").loc["batch-8b"]
    expected_down = 1 - math.exp(-m * d * (1 - math.exp(-H / d)) / H)
    assert 1 - svc["availability"] == pytest.approx(expected_down, rel=0.03)
    assert svc["p_meets_demand_per_period"] == pytest.approx(math.exp(-m), abs=0.01)  # no outage at all
    rates = res.rates.set_index("entity")
    assert rates.loc["alpha", "source"] == "scenario"
    assert rates.loc["alpha/a-east", "outages_per_year"] == 0.0
    assert res.draws_per_s > 0


def test_default_outage_rates_by_kind(make_scenario) -> None:
    offs = [offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0)]
    sc = make_scenario(offs, workloads=[CRITICAL])
    rates = outage_rates(sc, ["alpha", "gamma"], ["alpha/a-east", "gamma/g-fr"]).set_index("entity")
    assert rates.loc["alpha", "source"] == "default (gpu_cloud)"
    assert rates.loc["gamma/g-fr", "source"] == "default (cloud)"
    assert (rates["outages_per_year"] > 0).all() and (rates["mean_duration_hours"] > 0).all()


def test_unknown_outage_key_is_an_input_error(make_scenario) -> None:
    from fleetplan.errors import InputError

    offs = [offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0)]
    sc = make_scenario(
        offs,
        workloads=[CRITICAL],
        risk={"region_outages": {"alpha/nowhere": {"outages_per_year": 1, "mean_duration_hours": 2}}},
    )
    plan = optimize(sc, baselines=False)
    with pytest.raises(InputError) as exc:
        monte_carlo(sc, plan, draws=100)
    assert "risk.region_outages.alpha/nowhere" in str(exc.value)
