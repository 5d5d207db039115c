"""The rollout families, hand-checked on tiny scenarios: pilots before scale, growth ramps, the
critical bar, and the explanation when a pilot cannot be met.

alpha (onboarded) rents A100 at $16/h per 8 GPUs; delta (new to the organization, no onboarding
cost) at $10/h: without a rollout policy everything runs on delta. The batch workload needs
1.0e12 tokens a quarter, 13.22 A100 in service (28,950 accelerator-hours a quarter).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from fleetplan.load import ScenarioError, known_entities
from fleetplan.model.period import hours_per_period
from fleetplan.model.plan import Plan
from fleetplan.model.scenario import Scenario
from fleetplan.optimize import InfeasibleError, optimize
from fleetplan.optimize.formulation import build_model
from fleetplan.verify.rollout import rollout_usage

from .conftest import BASE, BATCH_8B, MakeScenario, offering
from .test_fingerprint import _inputs

H = hours_per_period("quarter")
ALPHA = offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0)
DELTA_OFFER = offering("delta", "d-east", "a100x8", "A100-80GB", 8, "on_demand", 10.0)
DELTA = {"name": "delta", "kind": "gpu_cloud", "tags": ["us"]}
DELTA_REGION = {
    "provider": "delta",
    "name": "d-east",
    "country": "US",
    "latency_zone": "us-east",
    "grid_kgco2e_per_kwh": 0.4,
    "pue": 1.2,
}
BIG = {**BATCH_8B, "demand": {"tokens_per_period": 1.0e12}}
NEED = 13.22  # accelerators in service for BIG's whole demand (rounded)


def _make(
    make: MakeScenario, rollout: dict[str, Any] | None, workloads: list[dict[str, Any]] | None = None
) -> Scenario:
    policy = {} if rollout is None else {"rollout": {"applies_to": ["provider"], **rollout}}
    return make(
        [ALPHA, DELTA_OFFER],
        providers=[*BASE["providers"], DELTA],
        regions=[*BASE["regions"], DELTA_REGION],
        workloads=workloads or [BIG],
        policy=policy,
    )


def _on(plan: Plan, provider: str, workload: str | None = None) -> list[float]:
    """Accelerators in service on ``provider`` per period (of ``workload``, or of all)."""
    a = plan.allocations
    a = a[a["provider"] == provider]
    if workload is not None:
        a = a[a["workload"] == workload]
    per = a.groupby("period")["accelerator_hours"].sum() / H
    return [round(float(per.get(p, 0.0)), 2) for p in plan.periods]


def _solve(sc: Scenario) -> Plan:
    plan = optimize(sc, baselines=False, abatement=False)
    assert plan.verification is not None and plan.verification.ok
    return plan


def test_known_entities_are_the_organizations_own(make_scenario: MakeScenario) -> None:
    sc = _make(make_scenario, {"pilot_max_accelerators": 4, "known_vendors": ["AMD"]})
    known = known_entities(sc)
    assert {"alpha", "beta", "gamma", "own"} <= known["provider"] and "delta" not in known["provider"]
    assert known["vendor"] == {"AMD"}  # no existing hardware or commitment: only what the policy lists
    assert known["accelerator"] == frozenset()


def test_a_pilot_cap_forces_the_first_quarter_elsewhere(make_scenario: MakeScenario) -> None:
    plan = _solve(_make(make_scenario, {"pilot_periods": 1, "pilot_max_accelerators": 4}))
    assert _on(plan, "delta") == [4.0, NEED, NEED, NEED]
    assert _on(plan, "alpha") == [round(NEED - 4.0, 2), 0.0, 0.0, 0.0]
    # the cost of the pilot: 4 accelerators instead of 13.22 on delta in 2027Q1, the rest on alpha
    free = _solve(_make(make_scenario, None))
    extra = (NEED - 4.0) * H * (16.0 - 10.0) / 8
    assert plan.total_usd - free.total_usd == pytest.approx(extra, rel=2e-3)
    status = {(p.policy, p.scope): p for p in plan.policies}
    assert status[("rollout_pilot", "provider delta")].binding
    assert list(plan.rollout["phase"]) == ["pilot", "scale", "scale", "scale"]


def test_a_ramp_spreads_a_move_over_three_quarters(make_scenario: MakeScenario) -> None:
    """Pilot of one quarter at 2 accelerators, then x2 + 2: 2, 6, 14 >= 13.22."""
    rollout = {"pilot_periods": 1, "pilot_max_accelerators": 2, "max_growth_per_period": 2.0}
    plan = _solve(_make(make_scenario, rollout))
    assert _on(plan, "delta") == [2.0, 6.0, NEED, NEED]
    status = {(p.policy, p.scope): p for p in plan.policies}
    ramp = status[("rollout_ramp", "provider delta")]
    assert ramp.binding and ramp.limit == 2.0 and ramp.value == pytest.approx(2.0)


def test_a_share_cap_and_ramp(make_scenario: MakeScenario) -> None:
    """A pilot of two quarters at 25 % of the period's accelerators (3.30), then x1.5 + 25 %."""
    rollout = {"pilot_periods": 2, "pilot_max_share": 0.25, "max_growth_per_period": 1.5}
    plan = _solve(_make(make_scenario, rollout))
    q = NEED / 4
    assert _on(plan, "delta") == pytest.approx([q, q, 1.5 * q + q, NEED], abs=0.01)


def test_a_critical_workload_stays_off_a_provider_during_its_pilot(make_scenario: MakeScenario) -> None:
    """The batch work pilots delta from 2027Q1; the critical workload may follow only in 2027Q3."""
    crit = {**BATCH_8B, "name": "critical-8b", "criticality": "critical"}
    plan = _solve(_make(make_scenario, {"pilot_periods": 2, "critical_after_pilot": True}, [BIG, crit]))
    assert _on(plan, "delta", "batch-8b") == [NEED] * 4
    on_delta = _on(plan, "delta", "critical-8b")
    assert on_delta[:2] == [0.0, 0.0] and min(on_delta[2:]) > 0
    assert min(_on(plan, "alpha", "critical-8b")[:2]) > 0
    status = {(p.policy, p.scope): p for p in plan.policies}
    assert status[("rollout_critical", "provider delta")].binding


def test_a_critical_workload_alone_never_pilots_a_provider(make_scenario: MakeScenario) -> None:
    crit = {**BATCH_8B, "name": "critical-8b", "criticality": "critical"}
    plan = _solve(_make(make_scenario, {"pilot_periods": 1}, [crit]))
    assert _on(plan, "delta") == [0.0] * 4


def test_rollout_absent_or_idle_changes_nothing(make_scenario: MakeScenario) -> None:
    """No rollout: the model of today (the fingerprints of tests/optimize/test_fingerprint.py are
    unchanged). A rollout policy with nothing new adds no rows and the same plan."""
    free = _make(make_scenario, None)
    idle = make_scenario(
        [ALPHA], workloads=[BIG], policy={"rollout": {"pilot_max_accelerators": 1, "known_vendors": ["NVIDIA"]}}
    )
    base = make_scenario([ALPHA], workloads=[BIG])
    for sc in (free, idle, base):
        cand, options = _inputs(sc)
        m = build_model(sc, cand, options).model
        assert not [r for r in m.rows if r.startswith("rollout")]
    assert _solve(idle).total_usd == pytest.approx(_solve(base).total_usd, rel=1e-9)
    assert rollout_usage(free, _solve(free)).empty


def test_a_pilot_cap_that_cannot_be_met_is_explained(make_scenario: MakeScenario) -> None:
    only_delta = {**BIG, "providers": ["delta"]}
    sc = _make(make_scenario, {"pilot_periods": 1, "pilot_max_accelerators": 4}, [only_delta])
    with pytest.raises(InfeasibleError) as err:
        optimize(sc, baselines=False, abatement=False)
    assert any(
        "the rollout pilot of provider delta caps it at 4 accelerators in 2027Q1" in r for r in err.value.reasons
    ), err.value.reasons


def test_a_ramp_that_cannot_be_met_is_explained(make_scenario: MakeScenario) -> None:
    only_delta = {**BIG, "providers": ["delta"], "window": {"start": "2027Q2", "end": "2027Q4"}}
    pilot = {**BIG, "name": "pilot-work", "demand": {"tokens_per_period": 1.0e11}, "providers": ["delta"]}
    rollout = {"pilot_periods": 1, "pilot_max_accelerators": 2, "max_growth_per_period": 2.0}
    sc = _make(make_scenario, rollout, [only_delta, pilot])
    with pytest.raises(InfeasibleError) as err:
        optimize(sc, baselines=False, abatement=False)
    assert any("the rollout ramp of provider delta (x2 per period + 2)" in r for r in err.value.reasons), (
        err.value.reasons
    )


def test_rollout_input_errors_are_located(make_scenario: MakeScenario) -> None:
    with pytest.raises(ScenarioError) as err:
        _make(make_scenario, {"max_growth_per_period": 2.0})
    assert "policy.rollout" in str(err.value) and "pilot_max_accelerators or pilot_max_share" in str(err.value)
    with pytest.raises(ScenarioError) as err:
        _make(make_scenario, {"pilot_max_accelerators": 4, "applies_to": ["region"]})
    assert "policy.rollout.applies_to" in str(err.value)


def test_rollout_table_in_the_plan_document(make_scenario: MakeScenario) -> None:
    from fleetplan.report import plan_to_dict

    plan = _solve(_make(make_scenario, {"pilot_periods": 2, "pilot_max_accelerators": 4}))
    doc = plan_to_dict(plan)["rollout"]
    assert [(d["kind"], d["entity"], d["first_period"], d["pilot_periods"]) for d in doc] == [
        ("provider", "delta", "2027Q1", ["2027Q1", "2027Q2"])
    ]
    assert doc[0]["accelerators_by_period"]["2027Q1"] == pytest.approx(4.0)
    assert isinstance(plan.rollout, pd.DataFrame)
