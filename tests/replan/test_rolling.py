"""``fleetplan.replan``: a rolling horizon on the bundled carbon-budget example and a tiny scenario.

The example's plan is proven within 0.5 % in about a second, so a re-plan with nothing changed must
reproduce the previous plan's remaining periods: the same cost per period within the gap and the
same placements (its optimum is unique).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from fleetplan.errors import InputError
from fleetplan.load import load_scenario
from fleetplan.model.period import hours_per_period
from fleetplan.model.scenario import Scenario
from fleetplan.optimize import optimize
from fleetplan.replan import FACTOR_MAX, Replan, demand_factors, fixed_scenario, replan
from fleetplan.report import plan_to_dict
from fleetplan.sizing import size_workloads
from fleetplan.verify import verify_plan
from tests.scenarios import BATCH_8B, OWN_SITE, offering, own_server, write_scenario

EXAMPLE = Path(__file__).resolve().parents[2] / "src" / "fleetplan" / "data" / "examples" / "carbon-budget.yaml"
TIME_LIMIT_S = 20.0


@pytest.fixture(scope="module")
def example() -> Scenario:
    return load_scenario(EXAMPLE)


@pytest.fixture(scope="module")
def previous(example: Scenario) -> dict[str, Any]:
    return plan_to_dict(optimize(example, time_limit_s=TIME_LIMIT_S, baselines=False))


@pytest.fixture(scope="module")
def unchanged(example: Scenario, previous: dict[str, Any]) -> Replan:
    return replan(example, previous, "2027Q1", time_limit_s=TIME_LIMIT_S, baselines=False)


def test_nothing_changed_reproduces_the_remaining_periods(previous: dict[str, Any], unchanged: Replan) -> None:
    plan = unchanged.plan
    assert plan.periods == ["2027Q2", "2027Q3", "2027Q4"]
    gap = max(previous["solver"]["gap"], plan.solve.gap or 0.0) + 1e-6
    old = {r["period"]: r["total_usd"] for r in previous["costs"]}
    for row in plan.costs.itertuples():
        assert row.total_usd == pytest.approx(old[row.period], rel=gap)
    # the same placements: the diff moves, adds or removes nothing
    summary = unchanged.diff["summary"]
    assert summary["workloads_unchanged"] == 3
    assert summary["workloads_moved"] == summary["workloads_changed"] == 0
    assert summary["reservations_added"] == summary["reservations_removed"] == 0
    assert unchanged.diff["total"]["delta_usd"] == pytest.approx(0.0, abs=gap * unchanged.diff["total"]["old_usd"])
    assert unchanged.diff["commitments"] == {"added": [], "removed": [], "changed": []}


def test_the_q1_reservation_is_a_commitment_paid_in_later_periods(previous: dict[str, Any], unchanged: Replan) -> None:
    (res,) = [r for r in previous["reservations"] if r["start_period"] == "2027Q1"]
    (c,) = unchanged.scenario.commitments
    assert (c.kind, c.provider, c.region, c.instance_type, c.count, c.ends) == (
        "reservation",
        res["provider"],
        res["region"],
        res["instance_type"],
        res["instances"],
        res["end_period"],
    )
    H = hours_per_period("quarter")
    assert c.usd_per_hour == pytest.approx(res["committed_usd"] / (res["instances"] * res["term_periods"] * H))
    per_period = res["committed_usd"] / res["term_periods"]
    rows = unchanged.plan.commitments
    assert list(rows["period"]) == ["2027Q2", "2027Q3", "2027Q4"]
    assert rows["committed_usd"].tolist() == pytest.approx([per_period] * 3)
    assert unchanged.plan.costs["committed_usd"].tolist() == pytest.approx([per_period] * 3)
    # the new plan does not buy it again, and its capacity runs the workload that used it
    assert not (unchanged.plan.reservations["start_period"] == "2027Q1").any()
    assert rows["used_hours"].gt(0).all()


def test_a_reservation_started_at_as_of_is_used_not_bought_again(example: Scenario, previous: dict[str, Any]) -> None:
    # as of 2027Q2 both reservations are fixed; the re-plan runs on them and adds nothing
    result = replan(example, previous, "2027Q2", time_limit_s=TIME_LIMIT_S, baselines=False)
    assert len(result.scenario.commitments) == 2
    assert result.plan.reservations.empty
    assert result.plan.commitments["used_hours"].gt(0).all()
    gap = max(previous["solver"]["gap"], result.plan.solve.gap or 0.0) + 1e-6
    assert result.diff["total"]["delta_usd"] == pytest.approx(0.0, abs=gap * result.diff["total"]["old_usd"])
    assert result.diff["summary"]["workloads_moved"] == result.diff["summary"]["reservations_added"] == 0


def test_the_new_plan_passes_the_verifier(unchanged: Replan) -> None:
    assert unchanged.plan.verification is not None and unchanged.plan.verification.ok
    again = verify_plan(unchanged.scenario, unchanged.plan, size_workloads(unchanged.scenario))
    assert again.ok, again.violations


def test_the_carbon_budget_keeps_what_was_not_emitted(
    example: Scenario, previous: dict[str, Any], unchanged: Replan
) -> None:
    q1 = next(r["co2e_t"] for r in previous["costs"] if r["period"] == "2027Q1")
    assert unchanged.fixed.carbon_emitted_tco2e == pytest.approx(q1)
    assert unchanged.scenario.policy.carbon_budget_tco2e == pytest.approx(example.policy.carbon_budget_tco2e - q1)
    assert unchanged.plan.costs["co2e_t"].sum() <= unchanged.scenario.policy.carbon_budget_tco2e + 1e-6


@pytest.mark.parametrize(
    ("as_of", "message"),
    [("2026Q4", "not a period of the previous plan"), ("2027Q4", "last period"), ("2027-03", "not a quarter")],
)
def test_as_of_outside_the_plan_is_bad_input(
    example: Scenario, previous: dict[str, Any], as_of: str, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        fixed_scenario(example, previous, as_of)


def test_finished_workloads_are_dropped_and_training_keeps_its_share(
    example: Scenario, previous: dict[str, Any]
) -> None:
    sc, fixed = fixed_scenario(example, previous, "2027Q2")
    assert fixed.dropped_workloads == ("support-finetune",)  # its window was 2027Q2
    assert [w.name for w in sc.workloads] == ["nightly-batch", "chat-us"]
    assert sc.horizon.start == "2027Q3" and sc.horizon.periods == 2


def _usage(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["month", "provider", "accelerator", "accelerator_hours"])


def test_actuals_at_double_the_planned_hours_scale_demand_up(example: Scenario, previous: dict[str, Any]) -> None:
    aws_q1 = [a for a in previous["allocations"] if a["provider"] == "aws" and a["period"] == "2027Q1"]
    planned = sum(a["accelerator_hours"] for a in aws_q1)
    (acc,) = {a["accelerator"] for a in aws_q1}
    users = {a["workload"] for a in aws_q1}
    usage = _usage([(m, "aws", acc, 2 * planned / 3) for m in ("2027-01", "2027-02", "2027-03")])
    (f,) = demand_factors(previous, usage, ["2027Q1"], "quarter")
    assert (f.provider, f.accelerator, f.periods) == ("aws", acc, ("2027Q1",))
    assert f.ratio == pytest.approx(2.0) and f.factor == pytest.approx(2.0)
    sc, fixed = fixed_scenario(example, previous, "2027Q1", actuals=usage)
    assert fixed.workload_factors == pytest.approx({w: 2.0 for w in users})
    before = {w.name: w for w in example.workloads}
    for w in sc.workloads:
        if w.name in users and w.demand.peak_rps is not None:
            assert w.demand.peak_rps == pytest.approx(2 * before[w.name].demand.peak_rps)
        elif w.name not in users:
            assert w.demand == before[w.name].demand


def test_actuals_factor_is_clipped_and_prorated(example: Scenario, previous: dict[str, Any]) -> None:
    aws_q1 = [a for a in previous["allocations"] if a["provider"] == "aws" and a["period"] == "2027Q1"]
    planned = sum(a["accelerator_hours"] for a in aws_q1)
    acc = aws_q1[0]["accelerator"]
    # one month billed of three: a third of the quarter's hours planned; ten times that is clipped
    (f,) = demand_factors(previous, _usage([("2027-02", "aws", acc, 10 * planned / 3)]), ["2027Q1"], "quarter")
    assert f.planned_hours == pytest.approx(planned / 3)
    assert f.ratio == pytest.approx(10.0) and f.factor == FACTOR_MAX
    # providers the bill does not show are not compared; billed but unplanned pairs change nothing
    (g,) = demand_factors(previous, _usage([("2027-02", "aws", "T4", 5.0)]), ["2027Q1"], "quarter")[1:]
    assert g.accelerator == "T4" and g.ratio is None and g.factor is None


# --- purchases: existing hardware in service later --------------------------------------------------


@pytest.fixture(scope="module")
def owned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Scenario, dict[str, Any]]:
    server = {**own_server(60_000), "lead_time_periods": 1}
    sc = write_scenario(
        tmp_path_factory.mktemp("owned"),
        [offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 40.0)],
        sites=[OWN_SITE],
        server_types=[server],
        workloads=[{**BATCH_8B, "demand": {"tokens_per_period": 2e12}}],  # four servers' worth
    )
    return sc, plan_to_dict(optimize(sc, time_limit_s=TIME_LIMIT_S, baselines=False))


def test_a_purchase_becomes_existing_hardware_in_service_later(owned: tuple[Scenario, dict[str, Any]]) -> None:
    sc, prev = owned
    (buy,) = prev["purchases"]
    assert (buy["period_ordered"], buy["period_in_service"]) == ("2027Q1", "2027Q2")
    new_sc, fixed = fixed_scenario(sc, prev, "2027Q1")
    (hw,) = new_sc.sites[0].existing
    assert (hw.server_type, hw.count, hw.purchased) == ("srv", round(buy["servers"]), "2027Q2")
    assert fixed.purchases[0]["period_in_service"] == "2027Q2"
    # ordered in 2027Q1 (fixed), in service from 2027Q2 (the new horizon's first period) on
    result = replan(sc, prev, "2027Q1", time_limit_s=TIME_LIMIT_S, baselines=False)
    assert result.plan.verification is not None and result.plan.verification.ok
    assert result.plan.purchases.empty  # the servers it needs are the ones already ordered
    assert result.plan.costs["purchases_usd"].sum() == 0.0  # capex sunk
    assert result.fixed.sunk_capex_usd > 0
    assert result.diff["purchases"]["removed"] == []  # the restricted previous plan no longer lists it


def test_json_of_fixed_is_serializable(unchanged: Replan) -> None:
    doc = unchanged.fixed.to_dict()
    assert json.loads(json.dumps(doc))["reservations"][0]["kind"] == "reservation"


def test_existing_hardware_counts_from_its_in_service_period(owned: tuple[Scenario, dict[str, Any]]) -> None:
    sc, prev = owned
    late = {**prev, "purchases": [{**prev["purchases"][0], "period_in_service": "2027Q3"}]}
    result = replan(sc, late, "2027Q1", time_limit_s=TIME_LIMIT_S, baselines=False)
    assert result.plan.verification is not None and result.plan.verification.ok
    a = result.plan.allocations
    owned_hours = a[a["site"].eq("dc")].groupby("period")["accelerator_hours"].sum()
    assert "2027Q2" not in owned_hours.index  # not in service yet: rented (or bought anew)
    assert owned_hours.get("2027Q3", 0.0) > 0 and owned_hours.get("2027Q4", 0.0) > 0
