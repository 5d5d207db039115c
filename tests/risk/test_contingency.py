"""Contingency analysis and N-1 on tiny scenarios whose answers are known by hand."""

from __future__ import annotations

import math

import pytest

from fleetplan.errors import InputError
from fleetplan.model.period import hours_per_period
from fleetplan.optimize import optimize
from fleetplan.risk import contingency_analysis, n_minus_1_premium
from fleetplan.risk.contingency import Event
from fleetplan.sizing import size_workloads
from fleetplan.verify import verify_plan

from .conftest import BATCH_8B, offering

H = hours_per_period("quarter")
CRITICAL = {**BATCH_8B, "criticality": "critical"}


def _need_hours(sc) -> float:
    sz = size_workloads(sc)
    rows = sz[(sz["workload"] == "batch-8b") & (sz["accelerator"] == "A100-80GB")]
    hours = rows["accelerator_hours"].to_numpy()
    assert hours.max() == pytest.approx(hours.min())  # no growth: the same need every period
    return float(hours[0])


def _two_provider_scenario(make_scenario, cap_share: float):
    """Critical batch on alpha (75 %) and beta (25 %, min-provider rule); beta capped at
    ``cap_share`` of the demand, so that losing alpha leaves 1 - cap_share of it unserved."""
    probe = make_scenario(
        [offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0)],
        workloads=[CRITICAL],
    )
    need = _need_hours(probe)
    cap_instances = cap_share * need / (8 * H)
    offs = [
        offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0),
        offering(
            "beta",
            "b-east",
            "a100x8",
            "A100-80GB",
            8,
            "on_demand",
            24.0,
            availability_max_instances=cap_instances,
        ),
    ]
    sc = make_scenario(
        offs,
        workloads=[CRITICAL],
        policy={"min_providers_critical": 2, "min_provider_share_critical": 0.25},
    )
    return sc, need


def test_losing_a_provider_leaves_a_known_unserved_amount(make_scenario) -> None:
    sc, need = _two_provider_scenario(make_scenario, cap_share=0.4)
    plan = optimize(sc, baselines=False)
    shares = plan.allocations.groupby("provider")["coverage"].sum() / 4
    assert shares["alpha"] == pytest.approx(0.75, abs=1e-6) and shares["beta"] == pytest.approx(0.25, abs=1e-6)

    # a whole period without alpha: beta can carry only 40 % of the demand
    whole = Event("alpha down 2027Q2", "declared", providers=("alpha",), start=1, duration_hours=H)
    rep = contingency_analysis(sc, plan, automatic=False, events=[whole])
    imp = rep.impacts[0]
    assert imp.window == [("2027Q2", pytest.approx(1.0))]
    assert imp.unserved_accelerator_hours == pytest.approx(0.6 * need, rel=1e-6)
    assert imp.unserved_critical_accelerator_hours == pytest.approx(0.6 * need, rel=1e-6)
    assert imp.critical_unserved == ["batch-8b"]
    # spend: 40 % on beta at $3/acc-h instead of all on alpha at $2/acc-h (unserved is not paid)
    assert imp.extra_cost_usd == pytest.approx(need * (0.4 * 24 / 8 - 16 / 8), rel=1e-6)

    # automatic events: every provider, region and chip vendor; a 168 h outage scales linearly
    rep = contingency_analysis(sc, plan, duration_hours=168.0)
    names = {i.event.name for i in rep.impacts}
    assert names == {
        "provider alpha",
        "provider beta",
        "region alpha/a-east",
        "region beta/b-east",
        "vendor NVIDIA",
    }
    by = {i.event.name: i for i in rep.impacts}
    assert by["provider alpha"].unserved_critical_accelerator_hours == pytest.approx(168 / H * 0.6 * need, rel=1e-6)
    assert by["provider beta"].unserved_accelerator_hours == pytest.approx(0.0, abs=1e-6)  # alpha is uncapped
    assert by["vendor NVIDIA"].unserved_accelerator_hours == pytest.approx(168 / H * need, rel=1e-6)
    # sorted by impact: the vendor loss (everything) first, then alpha, then the harmless ones
    assert [i.event.name for i in rep.impacts][:3] == [
        "vendor NVIDIA",
        "provider alpha",
        "region alpha/a-east",
    ]
    table = rep.table()
    assert list(table["event"]) == [i.event.name for i in rep.impacts]


def test_n_minus_1_plan_survives_the_loss_of_any_provider(make_scenario) -> None:
    offs = [
        offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0),
        offering("beta", "b-east", "a100x8", "A100-80GB", 8, "on_demand", 24.0),
        offering("gamma", "g-fr", "a100x8", "A100-80GB", 8, "on_demand", 30.0),
    ]
    sc = make_scenario(offs, workloads=[CRITICAL])
    plain = optimize(sc, baselines=False)
    res = n_minus_1_premium(sc, plain)
    assert res.status == "ok" and res.verified
    n1 = res.plan
    assert n1 is not None and n1.verification.ok
    assert any(c.startswith("N-1") for c in n1.verification.checks)
    need = _need_hours(sc)
    # hand solution (see the optimizer's N-1 test): half the demand on each of the three providers
    assert res.n_minus_1_total_usd == pytest.approx(4 * need * (16 + 24 + 30) / 2 / 8, rel=1e-6)
    assert res.plain_total_usd == pytest.approx(4 * need * 16 / 8, rel=1e-6)
    assert res.premium_usd == pytest.approx(res.n_minus_1_total_usd - res.plain_total_usd)
    assert res.premium_share == pytest.approx((70 / 2 - 16) / 16, rel=1e-6)

    # remove each provider's allocations: the verifier still finds every period covered
    sizing = size_workloads(sc)
    for provider in sorted(set(n1.allocations["provider"])):
        survivor = _without(n1, provider)
        v = verify_plan(sc, survivor, sizing, check_totals=False)
        assert not [x for x in v.violations if "covered" in x], (provider, v.violations)
    # the plain plan does not survive losing alpha
    v = verify_plan(sc, _without(plain, "alpha"), sizing, check_totals=False)
    assert any("covered" in x for x in v.violations)


def _without(plan, provider: str):
    import copy

    out = copy.copy(plan)
    out.allocations = plan.allocations[plan.allocations["provider"] != provider].reset_index(drop=True)
    return out


def test_declared_event_names_are_checked(make_scenario) -> None:
    offs = [offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0)]
    sc = make_scenario(
        offs,
        workloads=[CRITICAL],
        risk={"events": [{"name": "storm", "regions": ["alpha/nowhere"]}]},
    )
    plan = optimize(sc, baselines=False)
    with pytest.raises(InputError) as exc:
        contingency_analysis(sc, plan)
    assert "risk.events[0].regions[0]" in str(exc.value)
    ok = make_scenario(
        offs,
        workloads=[CRITICAL],
        risk={
            "events": [
                {
                    "name": "storm",
                    "regions": ["alpha/a-east"],
                    "vendors": ["nvidia"],
                    "start": "2027Q3",
                    "duration_hours": 48,
                }
            ]
        },
    )
    rep = contingency_analysis(ok, plan, automatic=False)
    imp = rep.impacts[0]
    assert imp.event.vendors == ("NVIDIA",) and imp.window[0][0] == "2027Q3"
    assert imp.unserved_accelerator_hours == pytest.approx(48 / H * _need_hours(ok), rel=1e-6)
    assert math.isfinite(imp.extra_cost_usd)


def test_event_without_any_loss_is_rejected(make_scenario) -> None:
    offs = [offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0)]
    with pytest.raises(InputError):
        make_scenario(offs, workloads=[CRITICAL], risk={"events": [{"name": "nothing"}]})
