"""Existing commitments (``scenario.commitments``): hand-checkable plans, located input errors and
a property: whatever commitments a scenario holds, its plan is verified and pays them.

The scenario: one batch workload of about 29,000 A100-hours a quarter; alpha rents an 8 x A100
instance at $16/h on demand ($2 per accelerator-hour), beta at $24/h. One reserved instance holds
8 x 2,190 = 17,520 accelerator-hours a quarter.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fleetplan.load import ScenarioError
from fleetplan.model.period import hours_per_period
from fleetplan.optimize import optimize
from fleetplan.optimize.formulation import Var
from fleetplan.report import plan_to_dict
from fleetplan.verify.accounting import spend_by
from tests.scenarios import BATCH_8B, MakeScenario, offering

H = hours_per_period("quarter")
A100_EAST = offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0)
A100_BETA = offering("beta", "b-east", "a100x8", "A100-80GB", 8, "on_demand", 24.0)
BIG_BATCH = {**BATCH_8B, "demand": {"tokens_per_period": 1.0e12}}


def reservation(count: int = 1, usd_per_hour: float = 10.0, ends: str = "2027Q4", **extra: Any) -> dict[str, Any]:
    return {
        "name": "r1",
        "kind": "reservation",
        "provider": "alpha",
        "region": "a-east",
        "instance_type": "a100x8",
        "count": count,
        "usd_per_hour": usd_per_hour,
        "ends": ends,
        "source": "FOCUS bill, CommitmentDiscountId r-1",
        **extra,
    }


def savings_plan(usd_per_hour: float = 5.0, discount: float = 0.3, ends: str = "2027Q4") -> dict[str, Any]:
    return {
        "name": "s1",
        "kind": "savings_plan",
        "provider": "alpha",
        "usd_per_hour": usd_per_hour,
        "discount": discount,
        "ends": ends,
    }


def _plan(make: MakeScenario, commitments: list[dict[str, Any]], **kw: Any):  # type: ignore[no-untyped-def]
    sc = make([A100_EAST, A100_BETA], workloads=[BIG_BATCH], commitments=commitments, **kw)
    return sc, optimize(sc, baselines=False, abatement=False, time_limit_s=60)


def test_a_reservation_of_no_instances_changes_nothing(make_scenario: MakeScenario) -> None:
    _, plain = _plan(make_scenario, [])
    _, zero = _plan(make_scenario, [reservation(count=0)])
    assert zero.total_usd == pytest.approx(plain.total_usd, rel=1e-9)
    assert zero.verification is not None and zero.verification.ok
    assert (zero.commitments["used_hours"] == 0).all()


def test_a_reservation_of_the_rented_instance_is_used_and_lowers_the_cost(make_scenario: MakeScenario) -> None:
    _, plain = _plan(make_scenario, [])
    _, plan = _plan(make_scenario, [reservation(count=1, usd_per_hour=10.0)])
    # 17,520 h a quarter cost $10 x 2,190 instead of $2 x 17,520: $13,140 saved per quarter
    assert plan.total_usd == pytest.approx(plain.total_usd - 4 * (2.0 * 8 * H - 10.0 * H), rel=1e-6)
    assert plan.verification is not None and plan.verification.ok
    committed = plan.allocations[plan.allocations["pricing_model"] == "committed"]
    assert committed.groupby("period")["accelerator_hours"].sum().tolist() == pytest.approx([8 * H] * 4)
    assert (committed["cost_usd"] == 0).all()
    assert plan.commitments["utilization_pct"].tolist() == pytest.approx([100.0] * 4)
    assert plan.costs["committed_usd"].tolist() == pytest.approx([10.0 * H] * 4)


def test_committed_cost_is_paid_unused_and_in_totals_and_provider_spend(make_scenario: MakeScenario) -> None:
    """A reservation of an instance no workload may use (beta's) is paid every period it covers."""
    beta = reservation(count=2, usd_per_hour=3.0, ends="2027Q2", provider="beta", region="b-east")
    _, plain = _plan(make_scenario, [])
    _, plan = _plan(make_scenario, [beta], policy={"excluded_providers": ["beta"]})
    paid = 2 * 3.0 * H
    assert plan.costs["committed_usd"].tolist() == pytest.approx([paid, paid, 0.0, 0.0])
    assert plan.total_usd == pytest.approx(plain.total_usd + 2 * paid, rel=1e-9)
    assert plan.spend_by_owner["provider"]["beta"] == pytest.approx(2 * paid)
    assert spend_by(plan, "provider")["beta"] == pytest.approx(2 * paid)
    assert plan.commitments["utilization_pct"].tolist() == [0.0, 0.0]
    doc = plan_to_dict(plan)
    assert [r["period"] for r in doc["commitments"]] == ["2027Q1", "2027Q2"]
    assert doc["commitments"][0]["available_hours"] == pytest.approx(2 * 8 * H)


def test_a_commitment_counts_toward_the_provider_share_cap(make_scenario: MakeScenario) -> None:
    """alpha's committed $43,800 a quarter leaves it under a 60 % cap only with much work on beta."""
    cap = {"max_provider_share": 0.6}
    _, plain = _plan(make_scenario, [], policy=cap)
    _, plan = _plan(make_scenario, [reservation(count=2, usd_per_hour=10.0)], policy=cap)
    assert plan.verification is not None and plan.verification.ok
    share = plan.spend_by_owner["provider"]["alpha"] / plan.total_usd
    assert share == pytest.approx(0.6, abs=1e-3)
    assert plan.spend_by_owner["provider"]["beta"] > plain.spend_by_owner["provider"]["beta"] - 1e-6


def test_a_savings_plan_covers_on_demand_spend_up_to_its_limit(make_scenario: MakeScenario) -> None:
    _, plain = _plan(make_scenario, [])
    _, plan = _plan(make_scenario, [savings_plan(usd_per_hour=5.0, discount=0.3, ends="2027Q3")])
    committed, limit = 5.0 * H, 5.0 * H / 0.7
    assert plan.verification is not None and plan.verification.ok
    assert plan.commitments["credit_used_usd"].tolist() == pytest.approx([limit] * 3)
    # each covered quarter pays C and saves C / (1 - d): on-demand spend is reduced by at most that
    saved = plain.costs["rented_usd"] - plan.costs["rented_usd"]
    assert saved.tolist() == pytest.approx([limit] * 3 + [0.0])
    assert plan.total_usd == pytest.approx(plain.total_usd - 3 * (limit - committed), rel=1e-9)
    assert spend_by(plan, "pricing_model")["savings_plan"] == pytest.approx(3 * (committed - limit))


def test_a_savings_plan_larger_than_the_on_demand_spend_covers_only_that(make_scenario: MakeScenario) -> None:
    _, plain = _plan(make_scenario, [])
    _, plan = _plan(make_scenario, [savings_plan(usd_per_hour=100.0, discount=0.5)])
    od = float(plain.costs["rented_usd"].iloc[0])
    assert plan.commitments["credit_used_usd"].tolist() == pytest.approx([od] * 4)
    assert plan.costs["rented_usd"].tolist() == pytest.approx([0.0] * 4, abs=1e-6)
    assert plan.verification is not None and plan.verification.ok


def test_reservations_apply_before_savings_plans(make_scenario: MakeScenario) -> None:
    _, plan = _plan(make_scenario, [reservation(count=1), savings_plan(usd_per_hour=100.0, discount=0.5)])
    left = (28949.29 - 8 * H) * 2.0  # on-demand spend once the reservation ran its hours
    assert plan.commitments.query("kind == 'savings_plan'")["credit_used_usd"].tolist() == pytest.approx(
        [left] * 4, rel=1e-4
    )


def test_an_expired_commitment_is_accepted_with_a_note(make_scenario: MakeScenario) -> None:
    _, plain = _plan(make_scenario, [])
    _, plan = _plan(make_scenario, [reservation(ends="2026Q4")])
    assert plan.total_usd == pytest.approx(plain.total_usd)
    assert plan.commitments.empty
    assert any("commitment r1 ended 2026Q4, before the horizon starts" in n for n in plan.notes)


def test_operations_mode_builds_the_commitment_families(make_scenario: MakeScenario) -> None:
    from fleetplan.load import scenario_catalog
    from fleetplan.optimize.candidates import build_candidates
    from fleetplan.optimize.context import Operations
    from fleetplan.optimize.formulation import build_model
    from fleetplan.optimize.options import build_options
    from fleetplan.sizing import size_workloads

    sc = make_scenario([A100_EAST, A100_BETA], workloads=[BIG_BATCH], commitments=[reservation(), savings_plan()])
    options = build_options(sc, scenario_catalog(sc))
    cand = build_candidates(sc, options, size_workloads(sc)).table
    for kw in ({}, {"operations": Operations({}, {}, frozenset({"alpha", "beta"}))}):
        m = build_model(sc, cand, options, **kw).model
        assert {"committed_use", "savings_plan_cover"} <= set(m.rows)
        assert m.columns[Var.COMMITTED].size == 4 and m.columns[Var.CREDIT].size == 4


@pytest.mark.parametrize(
    ("commitment", "path", "message"),
    [
        (reservation(provider="alpah"), "commitments[0].provider", "unknown provider 'alpah' (did you mean 'alpha'?)"),
        (reservation(instance_type="a100x9"), "commitments[0].instance_type", "did you mean 'a100x8'?"),
        (reservation(region="a-wst"), "commitments[0].region", "unknown region of alpha 'a-wst'"),
        (reservation(ends="soon"), "commitments[0].ends", "'soon' is not a quarter label"),
        ({**reservation(), "discount": 0.2}, "commitments[0]", "discount applies to savings plans"),
        ({**savings_plan(), "discount": 1.5}, "commitments[0].discount", "less than 1"),
        ({k: v for k, v in reservation().items() if k != "region"}, "commitments[0]", "a reservation needs region"),
    ],
    ids=["provider", "instance", "region", "ends", "discount-on-reservation", "discount-range", "no-region"],
)
def test_bad_commitments_are_located_errors(
    make_scenario: MakeScenario, commitment: dict[str, Any], path: str, message: str
) -> None:
    with pytest.raises(ScenarioError) as info:
        make_scenario([A100_EAST, A100_BETA], workloads=[BIG_BATCH], commitments=[commitment])
    hits = [e for e in info.value.errors if e.path == path and message in e.message]
    assert hits, [(e.path, e.message) for e in info.value.errors]
    assert hits[0].line is not None and hits[0].file is not None


def test_duplicate_commitment_names_are_an_error(make_scenario: MakeScenario) -> None:
    with pytest.raises(ScenarioError, match="duplicate name 'r1'"):
        make_scenario([A100_EAST], workloads=[BIG_BATCH], commitments=[reservation(), reservation()])


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    count=st.integers(0, 3),
    rate=st.floats(1.0, 40.0),
    ends=st.sampled_from(["2026Q4", "2027Q1", "2027Q3", "2028Q2"]),
    sp=st.floats(0.0, 30.0),
    discount=st.floats(0.05, 0.6),
)
def test_plans_with_commitments_are_verified_and_pay_them(
    make_scenario: MakeScenario, count: int, rate: float, ends: str, sp: float, discount: float
) -> None:
    commitments = [reservation(count=count, usd_per_hour=rate, ends=ends)]
    if sp > 0.5:
        commitments.append(savings_plan(usd_per_hour=sp, discount=discount, ends=ends))
    _, plan = _plan(make_scenario, commitments)
    assert plan.verification is not None and plan.verification.ok
    committed = float(plan.commitments["committed_usd"].sum()) if len(plan.commitments) else 0.0
    assert plan.costs["committed_usd"].sum() == pytest.approx(committed)
    assert plan.total_usd >= committed - 1e-6


def test_a_savings_plan_credit_larger_than_its_fee_keeps_vendor_shares_within_one(
    make_scenario: MakeScenario,
) -> None:
    """Credit C / (1 - d) = 2 C exceeds the fee C: the credit is NVIDIA's (the vendor whose
    on-demand spend it covers), the fee is nobody's. NVIDIA's share is (od - 2C) / (od - C) < 1,
    the fee's C / (od - C), and the two sum to 1 (it was od / (od - C): 107 % and more when the
    credit had no vendor)."""
    _, plan = _plan(make_scenario, [savings_plan(usd_per_hour=5.0, discount=0.5)])
    fee, credit = 5.0 * H, 5.0 * H / 0.5
    assert plan.verification is not None and plan.verification.ok
    assert plan.commitments["credit_used_usd"].tolist() == pytest.approx([credit] * 4)
    assert plan.credits[["vendor", "credit_used_usd"]].to_numpy().tolist() == [["NVIDIA", pytest.approx(credit)]] * 4
    total = plan.total_usd
    shares = {v: usd / total for v, usd in plan.spend_by_owner["vendor"].items()}
    assert set(shares) == {"NVIDIA"}
    assert 0.0 <= shares["NVIDIA"] <= 1.0
    assert shares["NVIDIA"] + 4 * fee / total == pytest.approx(1.0, abs=1e-9)
    od = float(plan.allocations["cost_usd"].sum())  # on-demand spend before the credit
    assert shares["NVIDIA"] == pytest.approx((od - 4 * credit) / (od - 4 * credit + 4 * fee), rel=1e-9)
    assert plan_to_dict(plan)["credits"][0]["vendor"] == "NVIDIA"


def test_a_vendor_share_cap_counts_the_credit_against_its_own_vendor(make_scenario: MakeScenario) -> None:
    """alpha runs A100 (NVIDIA) and MI300X (AMD) on demand; a savings plan's credit goes to the
    vendors whose use it covers, and an NVIDIA cap of 80 % holds in the model as the verifier
    counts it (net of NVIDIA's credit, fee unowned)."""
    mi300 = offering("alpha", "a-east", "mi300x8", "MI300X", 8, "on_demand", 20.0)
    batch = {**BIG_BATCH, "accelerators": ["A100-80GB", "MI300X"]}
    sc = make_scenario(
        [A100_EAST, A100_BETA, mi300],
        workloads=[batch],
        commitments=[savings_plan(usd_per_hour=5.0, discount=0.5)],
        policy={"chip_vendor_share_caps": {"NVIDIA": 0.8}},
    )
    plan = optimize(sc, baselines=False, abatement=False, time_limit_s=60)
    assert plan.verification is not None and plan.verification.ok
    total = plan.total_usd
    shares = {v: usd / total for v, usd in plan.spend_by_owner["vendor"].items()}
    assert shares["NVIDIA"] <= 0.8 + 1e-4
    assert all(0.0 <= s <= 1.0 for s in shares.values())
    fee = float(plan.commitments["committed_usd"].sum())
    assert sum(shares.values()) + fee / total == pytest.approx(1.0, abs=1e-9)
    by_period = plan.credits.groupby(["commitment", "period"])["credit_used_usd"].sum()
    listed = plan.commitments.set_index(["commitment", "period"])["credit_used_usd"]
    assert by_period.reindex(listed.index).fillna(0.0).tolist() == pytest.approx(listed.tolist())
