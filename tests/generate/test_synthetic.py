"""Synthetic scenarios: deterministic per seed, valid, every policy family present, sizes right."""

from __future__ import annotations

from pathlib import Path

import pytest

from fleetplan.generate import GenerateError, generate_scenario, scenario_yaml, write_scenario
from fleetplan.load import load_scenario, scenario_catalog
from fleetplan.model.base import is_name


@pytest.fixture(scope="module")
def doc() -> dict:
    return generate_scenario(60, 8, 4, seed=7)


def test_deterministic_per_seed(doc: dict) -> None:
    again = generate_scenario(60, 8, 4, seed=7)
    assert scenario_yaml(again) == scenario_yaml(doc)
    other = generate_scenario(60, 8, 4, seed=8)
    assert scenario_yaml(other) != scenario_yaml(doc)


def test_sizes(doc: dict) -> None:
    assert len(doc["workloads"]) == 60
    assert doc["horizon"]["periods"] == 4
    assert len(doc["catalog"]["providers"]) == 8
    assert {"aws", "azure", "gcp"} <= set(doc["catalog"]["providers"])
    small = generate_scenario(5, 2, 1, seed=0)
    assert len(small["workloads"]) == 5 and small["catalog"]["providers"] == ["aws", "azure"]


def test_valid_and_loads(tmp_path: Path, doc: dict) -> None:
    path = write_scenario(doc, tmp_path / "sub" / "scenario.yaml", command="fleetplan generate ...")
    assert not list(path.parent.glob("*.tmp"))
    sc = load_scenario(path)
    assert len(sc.workloads) == 60
    assert all(is_name(w.name) for w in sc.workloads)
    cat = scenario_catalog(sc)
    assert set(cat.offerings["provider"]) <= set(doc["catalog"]["providers"]) | {
        "acme-dc",
        "acme-stores",
    }


def test_realistic_mix(doc: dict) -> None:
    big = generate_scenario(400, 8, 12, seed=1)
    ws = big["workloads"]
    kinds = {k: sum(w["kind"] == k for w in ws) for k in ("serve", "batch", "finetune", "train")}
    assert all(v > 0 for v in kinds.values()), kinds
    assert any(w.get("sensitivity") == "regulated" for w in ws)
    assert any(w.get("criticality") == "critical" for w in ws)
    assert any(w.get("optional") and w.get("value_usd") for w in ws)
    assert any(w.get("interruptible") for w in ws)
    assert any(w.get("latency_zones") for w in ws)
    assert any("active_params" in w["model"] for w in ws)  # MoE
    assert any(w["demand"].get("growth_per_period", 0) > 0 for w in ws if w["kind"] == "serve")
    params = [w["model"]["params"] for w in ws]
    assert min(params) < 2e9 and max(params) > 3e11
    assert any(w.get("sites") for w in ws)  # edge serving on owned store boxes


def test_every_policy_family_active(doc: dict) -> None:
    pol = doc["policy"]
    assert pol["max_provider_share"] < 1 and pol["provider_share_caps"]
    assert pol["max_chip_vendor_share"] < 1 and pol["chip_vendor_share_caps"]
    assert pol["min_providers_critical"] >= 2 and pol["n_minus_1"] is True
    assert pol["budget_usd_per_period"] > 0 and pol["budgets_usd"]
    assert pol["carbon_budget_tco2e"] > 0 and pol["carbon_budget_tco2e_per_period"] > 0
    assert "regulated" in pol["residency"] and pol["excluded_providers"]
    sites = doc["sites"]
    assert all(s["power_capacity_kw"] > 0 and s["existing"] for s in sites)
    assert {s["provider"] for s in sites} == {"acme-dc", "acme-stores"}


def test_bad_arguments() -> None:
    with pytest.raises(GenerateError):
        generate_scenario(0, 8, 12)
    with pytest.raises(GenerateError):
        generate_scenario(10, 99, 12)
    with pytest.raises(GenerateError):
        generate_scenario(10, 8, 0)


def test_regulated_work_runs_from_the_first_period(tmp_path: Path, doc: dict) -> None:
    """Regulated work may run only on owned servers, and purchases arrive after their lead time:
    some server installed in the first period must fit every regulated workload."""
    from fleetplan.sizing import size_workloads

    sc = load_scenario(write_scenario(doc, tmp_path / "s.yaml"))
    first = sc.horizon.labels()[0]
    types = {t.name: t.accelerator for t in sc.server_types}
    onprem = {p.name for p in sc.providers if p.kind == "onprem"}
    dc_sites = [s for s in sc.sites if s.provider in onprem]
    installed = {types[e.server_type] for s in dc_sites for e in s.existing if e.purchased <= first}
    sizing = size_workloads(sc)
    fits = sizing[sizing["fits"]].groupby("workload")["accelerator"].agg(set)
    regulated = [w.name for w in sc.workloads if w.sensitivity == "regulated"]
    assert regulated
    for name in regulated:
        assert fits[name] & installed, name


def test_sites_install_h100s_for_regulated_work_the_a100s_cannot_run() -> None:
    from fleetplan.generate.synthetic import _sites

    us = _sites(1.0, 40.0, 10.0, regulated_a100=16.0, h100_only=24.0)[0]
    assert {"server_type": "hgx-h100", "count": 5, "purchased": "2026Q2"} in us["existing"]
    h100_kw = 8 * 0.7 * 1.8 * 1.4
    a100_kw = 8 * 0.4 * 2.0 * 1.4
    assert us["power_capacity_kw"] >= 5 * h100_kw + us["existing"][0]["count"] * a100_kw
    assert all(e["server_type"] != "hgx-h100" for e in _sites(1.0, 40.0, 10.0, 16.0)[0]["existing"])


def test_a_small_portfolio_is_feasible_with_its_onboarding_paid_in_the_first_quarter(tmp_path: Path) -> None:
    """Every provider not yet onboarded is paid for in the first period; the first budget leaves
    room for it (this 15-workload portfolio had no feasible plan, short by $1,587 in 2027Q1)."""
    from fleetplan.optimize import optimize

    doc = generate_scenario(15, 6, 8, seed=0)
    sc = load_scenario(write_scenario(doc, tmp_path / "s.yaml"))
    plan = optimize(sc, time_limit_s=60, baselines=False, abatement=False)
    assert plan.verification.ok
    first = sc.horizon.labels()[0]
    assert plan.costs["onboarding_usd"].iloc[0] > 0
    assert plan.costs["total_usd"].iloc[0] <= doc["policy"]["budgets_usd"][first]
