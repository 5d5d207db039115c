"""Team skills: a software stack the team lacks is adopted (one-off cost, lead time) before use.

Hand-checked on the tiny catalog: batch-8b costs $c_nv a quarter on A100 and $c_amd on MI300X
(each probed alone, without a team). A CUDA-only team pays X for ROCm and may run MI300X only
``lead`` periods after adoption starts, so over T periods the choice is between

    T x c_nv                                 (stay on NVIDIA)
    lead x c_nv + (T - lead) x c_amd + X     (adopt ROCm in the first period)

and the plan must cost the smaller of the two.
"""

from __future__ import annotations

from typing import Any

import pytest

from fleetplan.errors import InputError
from fleetplan.model.team import adoption_terms
from fleetplan.optimize import optimize
from fleetplan.optimize.explain import InfeasibleError
from tests.optimize.test_fingerprint import _built
from tests.scenarios import BATCH_8B, offering

A100 = offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0)
MI300X = offering("alpha", "a-east", "mi300x8", "MI300X", 8, "on_demand", 12.0)
EITHER = {**BATCH_8B, "accelerators": ["A100-80GB", "MI300X"]}
CUDA_SHOP = {"skills": {"cuda": "expert", "rocm": "none"}}


def _per_period(make_scenario: Any, accelerator: str) -> float:
    """What batch-8b costs a quarter on ``accelerator`` alone (no team, 4 periods)."""
    plan = optimize(
        make_scenario([A100, MI300X], workloads=[{**BATCH_8B, "accelerators": [accelerator]}]), baselines=False
    )
    return plan.total_usd / 4


def _team(cost_usd: float, lead: int) -> dict[str, Any]:
    return {**CUDA_SHOP, "adoption": {"rocm": {"cost_usd": cost_usd, "lead_periods": lead}}}


def test_rocm_adoption_makes_nvidia_win_over_a_short_horizon_and_pays_off_over_a_long_one(make_scenario) -> None:
    c_nv, c_amd = _per_period(make_scenario, "A100-80GB"), _per_period(make_scenario, "MI300X")
    assert c_amd < c_nv  # MI300X is the cheaper chip for this work
    X = 2.5 * (c_nv - c_amd)  # pays off after 2.5 quarters on MI300X
    for periods, adopts in ((3, False), (6, True)):
        sc = make_scenario(
            [A100, MI300X], workloads=[EITHER], team=_team(X, 1), horizon={"start": "2027Q1", "periods": periods}
        )
        plan = optimize(sc, baselines=False)
        stay, move = periods * c_nv, c_nv + (periods - 1) * c_amd + X
        assert (move < stay) is adopts
        assert plan.total_usd == pytest.approx(min(stay, move), rel=1e-6)
        if not adopts:
            assert set(plan.allocations["accelerator"]) == {"A100-80GB"} and plan.skills.empty
            assert plan.costs["skills_usd"].sum() == 0.0
            continue
        assert plan.skills[["stack", "period", "ready_period", "level_before"]].to_dict("records") == [
            {"stack": "rocm", "period": "2027Q1", "ready_period": "2027Q2", "level_before": "none"}
        ]
        assert plan.skills["cost_usd"].tolist() == [pytest.approx(X)]
        assert plan.costs["skills_usd"].tolist() == pytest.approx([X] + [0.0] * (periods - 1))
        first = plan.allocations.groupby("accelerator")["period"].min().to_dict()
        assert first == {"A100-80GB": "2027Q1", "MI300X": "2027Q2"}
        needed = plan.stacks_needed.set_index("stack")
        assert needed.loc["rocm", "gap"] and not needed.loc["cuda", "gap"]
        assert needed.loc["rocm", "first_period"] == "2027Q2" and needed.loc["rocm", "adopted_period"] == "2027Q1"


def test_a_bigger_workload_pays_for_the_adoption_over_the_same_horizon(make_scenario) -> None:
    c_nv, c_amd = _per_period(make_scenario, "A100-80GB"), _per_period(make_scenario, "MI300X")
    X = 2.5 * (c_nv - c_amd)
    for scale, adopts in ((1.0, False), (2.0, True)):
        w = {**EITHER, "demand": {"tokens_per_period": 2.0e10 * scale}}
        sc = make_scenario([A100, MI300X], workloads=[w], team=_team(X, 1), horizon={"start": "2027Q1", "periods": 3})
        plan = optimize(sc, baselines=False)
        assert (not plan.skills.empty) is adopts


def test_first_use_waits_for_the_default_lead_time(make_scenario) -> None:
    sc = make_scenario([A100, MI300X], workloads=[EITHER], team=CUDA_SHOP, horizon={"start": "2027Q1", "periods": 8})
    terms = adoption_terms(sc.team, "quarter")["rocm"]
    assert (terms.level, terms.lead_periods) == ("none", 2)  # 6 months from none: two quarters
    plan = optimize(sc, baselines=False)
    # $200,000 of adoption is far above what MI300X saves here: the plan stays on NVIDIA
    assert plan.skills.empty and set(plan.allocations["accelerator"]) == {"A100-80GB"}
    cheap = make_scenario(
        [A100, MI300X], workloads=[EITHER], team=_team(1.0, 2), horizon={"start": "2027Q1", "periods": 8}
    )
    plan = optimize(cheap, baselines=False)
    assert plan.skills[["period", "ready_period"]].to_dict("records") == [
        {"period": "2027Q1", "ready_period": "2027Q3"}
    ]
    amd = plan.allocations[plan.allocations["accelerator"] == "MI300X"]
    assert sorted(set(amd["period"]))[0] == "2027Q3"
    assert set(plan.allocations.loc[plan.allocations["period"] < "2027Q3", "accelerator"]) == {"A100-80GB"}


def test_months_of_lead_become_whole_periods() -> None:
    from fleetplan.model.team import Team

    team = Team(skills={"cuda": "expert", "xla": "basic"})
    assert {k: t.lead_periods for k, t in adoption_terms(team, "month").items()} == {
        "rocm": 6,
        "xla": 3,
        "neuron": 6,
        "synapseai": 6,
    }
    assert adoption_terms(team, "year")["xla"].lead_periods == 1
    assert adoption_terms(team, "quarter")["xla"].cost_usd == pytest.approx(
        0.5 * adoption_terms(team, "quarter")["rocm"].cost_usd
    )
    assert adoption_terms(None, "quarter") == {}


def test_without_a_team_or_with_an_expert_team_the_model_and_plan_are_unchanged(make_scenario) -> None:
    none = make_scenario([A100, MI300X], workloads=[EITHER])
    experts = make_scenario(
        [A100, MI300X],
        workloads=[EITHER],
        team={"skills": {k: "expert" for k in ("cuda", "rocm", "xla", "neuron", "synapseai")}},
    )
    assert _built(none) == _built(experts)
    a, b = optimize(none, baselines=False), optimize(experts, baselines=False)
    assert a.total_usd == b.total_usd and a.allocations.equals(b.allocations)
    assert a.skills.empty and a.stacks_needed.empty and not b.stacks_needed["gap"].any()


def test_explain_names_the_stack_no_adopted_stack_can_run_in_time(make_scenario) -> None:
    amd_only = {**BATCH_8B, "accelerators": ["MI300X"]}
    sc = make_scenario([A100, MI300X], workloads=[amd_only], team=CUDA_SHOP)
    with pytest.raises(InfeasibleError) as err:
        optimize(sc, baselines=False)
    reasons = err.value.reasons
    assert any(
        "batch-8b in 2027Q1: accelerator MI300X needs ROCm, which the team (level none) can use no earlier than 2027Q3"
        in r
        for r in reasons
    ), reasons
    assert not any(r.startswith("workload batch-8b: only") for r in reasons), reasons


@pytest.mark.parametrize(
    ("team", "where"),
    [
        ({"skills": {"cuda": "guru"}}, "team.skills.cuda"),
        ({"skills": {"opencl": "expert"}}, "team.skills.opencl"),
        ({"skills": {"cuda": "expert"}, "adoption": {"cuda": {"cost_usd": 1}}}, "team"),
        ({"skills": {"rocm": "none"}, "adoption": {"rocm": {"lead_periods": -1}}}, "team.adoption.rocm.lead_periods"),
    ],
)
def test_bad_team_input_is_a_located_error(make_scenario, team: dict[str, Any], where: str) -> None:
    with pytest.raises(InputError) as err:
        make_scenario([A100], workloads=[BATCH_8B], team=team)
    assert where in str(err.value)


def test_operations_mode_keeps_the_plans_adoption(make_scenario) -> None:
    from fleetplan.optimize.context import Var
    from fleetplan.risk.operations import build_ops_model

    sc = make_scenario(
        [A100, MI300X], workloads=[EITHER], team=_team(1.0, 1), horizon={"start": "2027Q1", "periods": 4}
    )
    plan = optimize(sc, baselines=False)
    assert plan.skills["period"].tolist() == ["2027Q1"]
    om = build_ops_model(sc, plan)
    blk = om.f.model.columns[Var.ADOPTED]
    lo, up = (
        om.f.model.col("lower")[blk.start : blk.start + blk.size],
        om.f.model.col("upper")[blk.start : blk.start + blk.size],
    )
    assert lo.tolist() == up.tolist() == [1.0, 1.0, 1.0, 1.0]
