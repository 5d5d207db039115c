"""Concentration, supply shocks, runbooks and the ``risk`` command on tiny scenarios."""

from __future__ import annotations

from pathlib import Path

import pytest

from fleetplan.errors import FleetplanError
from fleetplan.model.period import hours_per_period
from fleetplan.model.risk import PriceShock, SpotCap, VendorDelay
from fleetplan.optimize import optimize
from fleetplan.risk import concentration, contingency_analysis, parse_shock, runbooks, shock_impact, write_runbooks
from fleetplan.risk.concentration import hhi
from fleetplan.risk.operations import build_ops_model
from fleetplan.sizing import size_workloads

from .conftest import BATCH_8B, OWN_SITE, offering, own_server

H = hours_per_period("quarter")
CRITICAL = {**BATCH_8B, "criticality": "critical"}
CONTACTS = [
    {"tier": 2, "name": "Head of platform", "email": "head@example.com"},
    {"tier": 1, "name": "On-call", "role": "SRE", "phone": "+1 555 0100"},
]


def _need(sc) -> float:
    sz = size_workloads(sc)
    return float(sz[(sz["workload"] == "batch-8b") & (sz["accelerator"] == "A100-80GB")]["accelerator_hours"].sum())


def test_hhi() -> None:
    assert hhi([1.0]) == pytest.approx(10_000)
    assert hhi([1, 1, 1, 1]) == pytest.approx(2_500)
    assert hhi([0.6, 0.4]) == pytest.approx(5_200)
    assert hhi([]) == 0.0


def test_concentration_of_a_capped_plan(make_scenario) -> None:
    offs = [
        offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0),
        offering("beta", "b-east", "a100x8", "A100-80GB", 8, "on_demand", 24.0),
    ]
    sc = make_scenario(offs, workloads=[BATCH_8B], policy={"max_provider_share": 0.6})
    plan = optimize(sc, baselines=False)
    c = concentration(sc, plan)
    idx = c.index.set_index(["measure", "dimension", "scope"])
    assert idx.loc[("spend", "provider", "horizon"), "hhi"] == pytest.approx(5_200, rel=1e-6)
    assert idx.loc[("spend", "provider", "horizon"), "top"] == "alpha"
    assert idx.loc[("spend", "vendor", "horizon"), "hhi"] == pytest.approx(10_000)
    # capacity: x = 9N/13 hours on alpha, 4N/13 on beta
    assert idx.loc[("capacity", "provider", "horizon"), "hhi"] == pytest.approx(10_000 * (81 + 16) / 169, rel=1e-6)
    shares = c.shares[
        (c.shares["measure"] == "spend") & (c.shares["dimension"] == "region") & (c.shares["scope"] == "horizon")
    ]
    assert dict(zip(shares["name"], shares["share"], strict=True)) == pytest.approx(
        {"alpha/a-east": 0.6, "beta/b-east": 0.4}
    )
    assert set(c.index["scope"]) == {"2027Q1", "2027Q2", "2027Q3", "2027Q4", "horizon"}


def test_price_shock_moves_work_to_the_next_cheapest_provider(make_scenario) -> None:
    offs = [
        offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0),
        offering("beta", "b-east", "a100x8", "A100-80GB", 8, "on_demand", 24.0),
    ]
    sc = make_scenario(offs, workloads=[BATCH_8B])
    plan = optimize(sc, baselines=False)
    n = _need(sc)
    up = shock_impact(sc, plan, PriceShock(kind="price", provider="alpha", increase=1.0))
    assert up.delta_usd == pytest.approx(n * (24 - 16) / 8, rel=1e-6)  # $32 on alpha: beta ($24) is cheaper
    assert up.provider_shares_before == pytest.approx({"alpha": 1.0})
    assert up.provider_shares_after == pytest.approx({"beta": 1.0})
    small = shock_impact(sc, plan, PriceShock(kind="price", provider="alpha", increase=0.25))
    assert small.delta_usd == pytest.approx(n * 4 / 8, rel=1e-6)  # $20 on alpha still beats beta
    replan = shock_impact(sc, plan, PriceShock(kind="price", provider="alpha", increase=1.0), mode="replan")
    assert replan.total_usd_after == pytest.approx(n * 24 / 8, rel=1e-6)


def test_spot_cap_and_vendor_delay(make_scenario) -> None:
    wl = {**BATCH_8B, "interruptible": True}
    offs = [
        offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0),
        offering(
            "alpha",
            "a-east",
            "a100x8",
            "A100-80GB",
            8,
            "spot",
            6.0,
            spot_interruption_rate_per_hour=0.0,
        ),
    ]
    sc = make_scenario(offs, workloads=[wl])
    plan = optimize(sc, baselines=False)
    assert set(plan.allocations["pricing_model"]) == {"spot"}
    n = _need(sc)
    half = shock_impact(sc, plan, SpotCap(kind="spot_cap", share=0.5))
    assert half.delta_usd == pytest.approx(0.5 * n * (16 - 6) / 8, rel=1e-6)
    assert half.unserved_accelerator_hours == pytest.approx(0.0, abs=1e-6)
    none = shock_impact(sc, plan, VendorDelay(kind="vendor_delay", vendor="amd", periods=1))
    assert none.delta_usd == pytest.approx(0.0, abs=1e-6) and "buys no" in none.note

    # owned servers (lead time 0) that arrive a period late: the first period is rented instead
    site = OWN_SITE
    srv = own_server(10_000)
    owned = make_scenario(
        [offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0)],
        workloads=[BATCH_8B],
        sites=[site],
        server_types=[srv],
    )
    plan = optimize(owned, baselines=False)
    assert plan.purchases["period_ordered"].tolist() == ["2027Q1"]
    late = shock_impact(owned, plan, VendorDelay(kind="vendor_delay", vendor="NVIDIA", periods=1))
    per_period = _need(owned) / 4
    # one period rented on alpha; one period less of annualized capex (10,000 / 20 per quarter)
    assert late.delta_usd == pytest.approx(per_period * 16 / 8 - 10_000 / 20, rel=1e-6)
    assert late.unserved_accelerator_hours == pytest.approx(0.0, abs=1e-6)


def test_parse_shock() -> None:
    assert parse_shock("price:aws:30%").increase == pytest.approx(0.3)
    assert parse_shock("vendor_delay:nvidia:2").periods == 2
    assert parse_shock("spot_cap:0.5:aws,gcp").providers == ["aws", "gcp"]
    with pytest.raises(FleetplanError) as exc:
        parse_shock("price:aws")
    assert exc.value.exit_code == 2


def test_runbooks_are_written_atomically_with_contacts_and_review_date(make_scenario, tmp_path: Path) -> None:
    offs = [
        offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0),
        offering("beta", "b-east", "a100x8", "A100-80GB", 8, "on_demand", 24.0),
    ]
    sc = make_scenario(
        offs,
        workloads=[CRITICAL, {**BATCH_8B, "name": "other"}],
        contacts=CONTACTS,
        review_cycle_periods=2,
    )
    plan = optimize(sc, baselines=False)
    om = build_ops_model(sc, plan)
    rep = contingency_analysis(sc, plan, ops=om)
    books = runbooks(sc, om, rep)
    assert [b.workload for b in books] == ["batch-8b"]
    md = books[0].markdown
    assert "# Runbook: batch-8b" in md
    assert "next review:** 2027Q3" in md.replace("next review: **", "next review:** ") and "2027-07-01" in md
    assert md.index("On-call") < md.index("Head of platform")  # tier 1 first
    assert "provider alpha down:** fully served by failover to beta/b-east on_demand 100%" in md
    assert "| 1 | alpha/a-east (already running here) | a100x8 | A100-80GB | on_demand | no cap listed | 100%+ |" in md
    assert "| 2 | beta/b-east | a100x8 | A100-80GB | on_demand | no cap listed | 100%+ |" in md
    files = write_runbooks(tmp_path / "books", sc, books)
    assert files == ["batch-8b.md", "README.md"]
    assert sorted(p.name for p in (tmp_path / "books").iterdir()) == ["README.md", "batch-8b.md"]
    assert (tmp_path / "books" / "batch-8b.md").read_text("utf-8") == md
