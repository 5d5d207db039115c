"""The formulation keeps vectorized copies of the owned-server rules on purpose (one block of spend
per column family, not a call per server and period); they agree with the rules over input types
that the verifier and the risk views use (:func:`fleetplan.model.scenario.server_spend`,
:func:`fleetplan.model.site.server_kw`, :func:`fleetplan.model.site.lifetime_periods`)."""

from __future__ import annotations

import numpy as np
import pytest

from fleetplan.catalog.hardware import resolve_accelerator
from fleetplan.load.scenario import scenario_catalog
from fleetplan.model.period import parse_period
from fleetplan.model.scenario import server_spend
from fleetplan.model.site import lifetime_periods, server_kw
from fleetplan.optimize.candidates import build_candidates
from fleetplan.optimize.context import Var
from fleetplan.optimize.formulation import build_model
from fleetplan.optimize.options import build_options
from fleetplan.sizing import size_workloads

from .conftest import BATCH_8B, OWN_SITE, offering, own_server

OFFS = [offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0)]
SRV = {**own_server(120_000), "opex_usd_per_year": 9_000, "lead_time_periods": 1, "lifetime_years": 1.4}


@pytest.mark.parametrize("capex", ["annualized", "salvage"])
def test_server_spend_and_power_agree_with_the_rules(make_scenario, capex: str) -> None:
    sc = make_scenario(
        OFFS,
        horizon={"start": "2027Q1", "periods": 8},
        discount_rate_per_year=0.07,
        workloads=[BATCH_8B],
        server_types=[SRV],
        sites=[{**OWN_SITE, "pue": 1.3, "existing": [{"server_type": "srv", "count": 3, "purchased": "2026Q3"}]}],
        objective={"capex": capex},
    )
    options = build_options(sc, scenario_catalog(sc))
    f = build_model(sc, options=options, cand=build_candidates(sc, options, size_workloads(sc)).table)
    st = sc.server_types[0]
    T = sc.horizon.periods

    def dense(pairs: list[tuple[int, float]]) -> np.ndarray:
        out = np.zeros(T)
        for t, usd in pairs:
            out[t] += usd
        return out

    # purchases: the spend matrix column of one server ordered in s, in service from s + lead
    spend = f.spend.tocsc()
    b = f.model.columns[Var.BUY]
    assert len(f.purchases) > 0
    for j, row in f.purchases.reset_index(drop=True).iterrows():
        col = spend[:, b.start + j].toarray().ravel()
        want = dense(server_spend(sc, st, 1, in_service=int(row["service"]), ordered=int(row["order"])))
        assert col == pytest.approx(want, rel=1e-12)  # salvage credits are objective terms, not spend
    # existing servers: the constants of fixed spend
    start = parse_period("2026Q3", "quarter") - parse_period("2027Q1", "quarter")
    existing = dense(server_spend(sc, st, 3, in_service=start))
    assert f.fixed_spend.to_numpy().sum(axis=1) == pytest.approx(existing, rel=1e-12)
    # the pool's power and life, as the site power rows use them
    pool = f.pools.iloc[0]
    assert pool["server_kw"] == server_kw(st, resolve_accelerator(st.accelerator), 1.3)
    assert pool["life"] == lifetime_periods(st, "quarter")
