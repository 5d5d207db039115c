"""The sweep file: values, ranges, designs, special parameters and what each point's scenario is."""

from __future__ import annotations

from pathlib import Path

import pytest

from fleetplan.errors import InputError
from fleetplan.load import load_scenario, scenario_catalog
from fleetplan.model.scenario import Scenario
from fleetplan.sweep import load_sweep_text, point_scenario

EXAMPLE = Path(__file__).resolve().parents[2] / "src/fleetplan/data/examples/carbon-budget.yaml"


@pytest.fixture(scope="module")
def sc() -> Scenario:
    return load_scenario(EXAMPLE)


def test_a_range_includes_its_stop_and_a_grid_is_the_product(sc: Scenario) -> None:
    spec = load_sweep_text(
        "parameters:\n  objective.carbon_price_usd_per_tco2e: {range: [0, 200, 25]}\n"
        "  policy.n_minus_1: [false, true]\n",
        sc,
    )
    prices = spec.parameters[0].values
    assert prices == (0, 25, 50, 75, 100, 125, 150, 175, 200)
    assert len(spec.points) == 18 and [p.id for p in spec.points] == list(range(18))
    assert spec.points[1].values == {"objective.carbon_price_usd_per_tco2e": 0, "policy.n_minus_1": True}
    assert spec.base_id == 0  # the scenario's own values (price 0, no N-1) are the base


@pytest.mark.parametrize("design", ["latin_hypercube", "monte_carlo"])
def test_sampled_designs_are_reproducible_and_in_range(sc: Scenario, design: str) -> None:
    text = (
        f"design: {design}\nn: 20\nseed: 7\nparameters:\n"
        "  prices.provider.aws: {uniform: [0.7, 1.3]}\n"
        "  objective.carbon_price_usd_per_tco2e: {normal: [100, 40], clip: [0, 300]}\n"
        '  "growth.*": {lognormal: [0, 0.2]}\n'
        "  policy.n_minus_1: [false, true]\n"
    )
    a, b = load_sweep_text(text, sc), load_sweep_text(text, sc)
    assert a.points == b.points and len(a.points) == 20
    aws = [p.values["prices.provider.aws"] for p in a.points]
    assert all(0.7 <= v <= 1.3 for v in aws)
    assert all(0 <= p.values["objective.carbon_price_usd_per_tco2e"] <= 300 for p in a.points)
    if design == "latin_hypercube":  # one sample in each twentieth of the range
        assert sorted(int((v - 0.7) / 0.6 * 20) for v in aws) == list(range(20))


def test_one_at_a_time_moves_one_parameter_from_the_base(sc: Scenario) -> None:
    spec = load_sweep_text(
        "design: one_at_a_time\nparameters:\n  policy.max_provider_share: [0.5, 0.7, 1.0]\n"
        "  policy.carbon_budget_tco2e: [20, 25, 30]\nbase: {policy.max_provider_share: 0.7}\n",
        sc,
    )
    assert spec.points[0].values == {"policy.max_provider_share": 0.7, "policy.carbon_budget_tco2e": 25}
    assert len(spec.points) == 5


def test_a_point_changes_the_scenario_and_only_it(sc: Scenario) -> None:
    spec = load_sweep_text(
        "parameters:\n  prices: {provider: {aws: [0.5]}, accelerator: {H100: [2.0]}}\n"
        "  workloads.chat-us.demand.growth_per_period: [0.1]\n  shock: ['price:vast:30%']\n",
        sc,
    )
    names = [p.name for p in spec.parameters]
    assert names == [
        "prices.provider.aws",
        "prices.accelerator.H100",
        "workloads.chat-us.demand.growth_per_period",
        "shock",
    ]
    new = point_scenario(sc, spec.parameters, spec.points[0].values)
    before, after = scenario_catalog(sc).offerings, scenario_catalog(new).offerings
    ratio = after["price_usd_per_hour"] / before["price_usd_per_hour"]
    aws, h100 = before["provider"] == "aws", before["accelerator"] == "H100-SXM"
    vast_od = (before["provider"] == "vast") & before["pricing_model"].isin(["on_demand", "spot"])
    assert ratio[aws & ~h100].eq(0.5).all() and ratio[h100 & ~aws & ~vast_od].eq(2.0).all()
    assert ratio[vast_od & h100].round(9).eq(2.6).all()
    assert ratio[~aws & ~h100 & ~vast_od].eq(1.0).all()
    assert next(w for w in new.workloads if w.name == "chat-us").demand.growth_per_period == 0.1
    assert next(w for w in sc.workloads if w.name == "chat-us").demand.growth_per_period == 0.0  # the base is untouched


def test_a_path_that_does_not_exist_is_named(sc: Scenario) -> None:
    with pytest.raises(InputError, match=r"'policy\.max_provider' is not in the scenario model") as e:
        load_sweep_text("\nparameters:\n  policy.max_provider: [0.5]\n", sc, "s.yaml")
    assert e.value.line == 3
    with pytest.raises(InputError, match="no item 'chat-eu'"):
        load_sweep_text("parameters:\n  workloads.chat-eu.demand.growth_per_period: [0.1]\n", sc)


def test_demand_and_growth_multipliers(sc: Scenario) -> None:
    spec = load_sweep_text('parameters:\n  demand.chat-us: [1.5]\n  "growth.*": [2]\n', sc)
    new = point_scenario(sc, spec.parameters, spec.points[0].values)
    old_w = {w.name: w for w in sc.workloads}
    for w in new.workloads:
        if w.name == "chat-us":
            assert w.demand.peak_rps == 1.5 * old_w[w.name].demand.peak_rps
        else:
            assert w.demand == old_w[w.name].demand
