"""The rules over input types, each written once: server kW, lifetime in periods, CRF, server spend,
own providers, minimum providers, reservation terms. Hand-checked values."""

from __future__ import annotations

from typing import Any

import pytest

from fleetplan.catalog.hardware import resolve_accelerator
from fleetplan.data.assumptions import DEFAULT_OWNED_SERVER_OVERHEAD
from fleetplan.model.base import RESERVED_MODELS, reservation_term_periods
from fleetplan.model.policy import Policy, min_providers
from fleetplan.model.scenario import Scenario, own_providers, server_spend
from fleetplan.model.site import ServerType, crf, lifetime_periods, server_kw
from fleetplan.model.workload import Workload

WORKLOAD = {"name": "w", "kind": "batch", "model": {"params": 8e9}, "demand": {"tokens_per_period": 1e10}}
SRV = {
    "name": "srv",
    "accelerator": "H100-SXM",
    "accelerators_per_server": 8,
    "capex_usd": 100_000,
    "lifetime_years": 1.4,
    "opex_usd_per_year": 8_000,
}


def scenario(**changes: Any) -> Scenario:
    doc = {"name": "rules", "horizon": {"start": "2027Q1", "periods": 8}, "workloads": [WORKLOAD], **changes}
    return Scenario.model_validate(doc)


def test_server_kw_is_peak_wall_power_at_the_site() -> None:
    st = ServerType.model_validate(SRV)
    h100 = resolve_accelerator("H100-SXM")
    assert st.power_overhead_factor == DEFAULT_OWNED_SERVER_OVERHEAD == 1.8
    assert server_kw(st, h100, 1.25) == pytest.approx(8 * 700 * 1.8 * 1.25 / 1000)


def test_lifetime_in_periods_rounds() -> None:
    st = ServerType.model_validate(SRV)  # 1.4 years
    assert lifetime_periods(st, "quarter") == 6  # 5.6 quarters
    assert lifetime_periods(st, "month") == 17  # 16.8 months
    assert lifetime_periods(st, "year") == 1


def test_capital_recovery_factor() -> None:
    assert crf(0.0, 5) == pytest.approx(0.2)
    assert crf(0.1, 1) == pytest.approx(1.1)
    # an annuity of crf over the years repays 1 at the rate
    r, n = 0.08, 5
    assert sum(crf(r, n) / (1 + r) ** k for k in range(1, n + 1)) == pytest.approx(1.0)


def test_server_spend_annualized_existing_and_salvage() -> None:
    st = ServerType.model_validate(SRV)
    annual = scenario(discount_rate_per_year=0.0, server_types=[SRV])
    # bought: 6 quarters in service from period 3, cut at the horizon (8 periods)
    spend = server_spend(annual, st, 2, in_service=3, ordered=1)
    assert [t for t, _ in spend] == [3, 4, 5, 6, 7]
    assert spend[0][1] == pytest.approx(2 * 8_000 / 4 + 2 * 100_000 / 1.4 / 4)
    # existing: from before the horizon, opex only (capex is sunk)
    assert server_spend(annual, st, 3, in_service=-4) == [(0, 3 * 8_000 / 4), (1, 3 * 8_000 / 4)]
    salvage = scenario(server_types=[SRV], objective={"capex": "salvage"})
    spend = server_spend(salvage, st, 2, in_service=3, ordered=1)
    assert spend[:-1] == [(t, 2 * 8_000 / 4) for t in range(3, 8)]
    assert spend[-1] == (1, 200_000)


def test_own_providers_with_and_without_sites() -> None:
    sc = scenario(
        providers=[{"name": "dc", "kind": "onprem"}, {"name": "cloud", "kind": "cloud"}],
        onboarded_providers=["aws"],
        sites=[
            {"name": "a", "provider": "dc", "country": "US", "power_capacity_kw": 10},
            {"name": "b", "provider": "onprem-reference", "country": "US", "power_capacity_kw": 10},
        ],
    )
    assert own_providers(sc) == {"dc", "aws"}
    # a site of a provider declared only in the catalog: usable in operations re-plans only
    assert own_providers(sc, include_sites=True) == {"dc", "aws", "onprem-reference"}


def test_minimum_providers() -> None:
    pol = Policy(min_providers_critical=3)
    assert min_providers(Workload.model_validate(WORKLOAD), pol) == 1
    assert min_providers(Workload.model_validate({**WORKLOAD, "criticality": "critical"}), pol) == 3
    assert min_providers(Workload.model_validate({**WORKLOAD, "min_providers": 2}), pol) == 2


def test_reservation_terms() -> None:
    assert RESERVED_MODELS == ("reserved_1y", "reserved_3y")
    assert reservation_term_periods("reserved_1y", "quarter") == 4
    assert reservation_term_periods("reserved_3y", "month") == 36
    assert reservation_term_periods("on_demand", "quarter") is None
