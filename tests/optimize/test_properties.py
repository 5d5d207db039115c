"""Random small scenarios: whatever the optimizer returns passes the independent verifier."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fleetplan.optimize import InfeasibleError, optimize
from fleetplan.optimize.solver import HighsSolver
from fleetplan.sizing import size_workloads
from fleetplan.verify import verify_plan

from .conftest import offering_rows, write_scenario

PLACES = [("alpha", "a-east"), ("alpha", "a-west"), ("beta", "b-east"), ("gamma", "g-fr")]
CHIPS = [("A100-80GB", 8), ("H100-SXM", 8), ("L40S", 4), ("MI300X", 8)]

offer_st = st.tuples(
    st.sampled_from(PLACES),
    st.sampled_from(CHIPS),
    st.sampled_from(["on_demand", "spot", "reserved_1y"]),
    st.floats(1.0, 60.0),
    st.one_of(st.none(), st.integers(1, 4)),
)

workload_st = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["batch", "serve", "train"]),
        "params": st.sampled_from([1e9, 8e9, 13e9]),
        "size": st.floats(0.1, 3.0),
        "critical": st.booleans(),
        "interruptible": st.booleans(),
        "growth": st.sampled_from([0.0, 0.1]),
    }
)


def _workload(i: int, w: dict) -> dict:
    base = {
        "name": f"w{i}",
        "kind": w["kind"],
        "model": {"params": w["params"]},
        "criticality": "critical" if w["critical"] else "medium",
        "interruptible": w["interruptible"],
    }
    if w["kind"] == "batch":
        base["demand"] = {"tokens_per_period": 1e10 * w["size"], "growth_per_period": w["growth"]}
    elif w["kind"] == "serve":
        base["demand"] = {"peak_rps": 2 * w["size"], "growth_per_period": w["growth"]}
    else:
        base["tokens"] = 5e10 * w["size"]
        base["window"] = {"start": "2027Q2", "end": "2027Q3"}
    return base


FEASIBLE_SHARE_MIN = 0.2
"""At least this share of the generated scenarios must be feasible, or the property has quietly
stopped testing plans (an infeasible scenario only checks that its explanation is not empty).
Measured over 60 seeds of 25 examples: median 0.76 (19 of 25), lowest 0.28 (7 of 25). Most
infeasible ones are critical workloads asked for two providers when the offers fit one. Examples in a
run are correlated, so the share varies a lot: a floor of one half would fail about one run in eight."""


ROLLOUT = {
    "pilot_periods": 1,
    "pilot_max_accelerators": 8,
    "max_growth_per_period": 2.0,
    "applies_to": ["vendor", "accelerator"],
}
"""The rollout policy of the scenarios with an odd number of own servers (derived, not drawn, so
that the derandomized draws stay the same): the chips no own server carries are piloted."""


TEAMS = {
    "cuda-shop": {"skills": {"cuda": "expert"}, "adoption": {"rocm": {"cost_usd": 20000, "lead_periods": 1}}},
    "rocm-basic": {"skills": {"cuda": "expert", "rocm": "basic"}},
}
"""Teams the generator draws (or none): MI300X offers need ROCm adopted first."""


def _solve_and_verify(offers, workloads, cap, n_minus_1, min_providers, own_servers, search, team=None) -> bool:
    """Build the scenario, optimize and re-verify it; True when it was feasible.

    ``search``: the plan comes from the neighbourhood search (as on big models) instead of
    branch-and-bound. ``team``: a key of :data:`TEAMS`, or None."""
    changes: dict = {
        "workloads": [_workload(i, w) for i, w in enumerate(workloads)],
        "policy": {"max_provider_share": cap, "n_minus_1": n_minus_1, "min_providers_critical": min_providers},
    }
    if own_servers % 2:
        changes["policy"]["rollout"] = ROLLOUT
    if team is not None:
        changes["team"] = TEAMS[team]
    if own_servers:
        changes["server_types"] = [
            {
                "name": "srv",
                "accelerator": "A100-80GB",
                "accelerators_per_server": 8,
                "capex_usd": 150000,
                "lead_time_periods": 1,
            }
        ]
        changes["sites"] = [
            {
                "name": "dc",
                "provider": "own",
                "country": "US",
                "latency_zone": "us-east",
                "power_capacity_kw": 60,
                "existing": [{"server_type": "srv", "count": own_servers, "purchased": "2026Q1"}],
                "buyable": ["srv"],
            }
        ]
    with tempfile.TemporaryDirectory() as tmp:
        sc = write_scenario(Path(tmp), offering_rows(offers), **changes)
        try:
            if search:
                plan = optimize(
                    sc, time_limit_s=3, baselines=True, solver=HighsSolver(large_mip_integers=0), engine="serial"
                )
            else:
                plan = optimize(sc, time_limit_s=20, baselines=True)
        except InfeasibleError as exc:
            assert exc.reasons  # an explanation, never an empty one
            return False
        # the planner verified already; check again independently and that totals add up
        assert verify_plan(sc, plan, size_workloads(sc)).ok
        assert abs(plan.costs["total_usd"].sum() - plan.total_usd) < 1e-6
        gap = plan.solve.gap
        assert plan.solve.status.value != "optimal" or (gap is not None and gap <= 0.005 + 1e-9)
        if search and plan.solve.dual_bound_usd is not None:
            # the bound the search reports is a true lower bound: at most the proven optimum
            exact = optimize(sc, time_limit_s=30, mip_rel_gap=1e-6, baselines=False, abatement=False)
            if exact.solve.status.value == "optimal":
                tol = 1e-6 * max(1.0, abs(exact.solve.objective_usd))
                assert plan.solve.dual_bound_usd <= exact.solve.objective_usd + tol
                assert plan.solve.objective_usd >= exact.solve.dual_bound_usd - tol
        for b in plan.baselines if not search else ():
            if b.total_usd is not None and not b.violations:
                # a baseline that breaks nothing cannot beat the optimum (beyond the proven gap)
                assert b.total_usd >= plan.total_usd * (1 - 0.006) - 1e-6
        return True


def test_optimizer_output_always_passes_the_verifier() -> None:
    """The property, and a count of how often it was tested on a plan at all: an infeasible
    scenario only checks that the explanation is not empty."""
    feasible: list[bool] = []

    # derandomized: the same 25 scenarios on every machine, so a red run is a regression, not luck
    # (test_share_cap_with_a_reserved_pool below is a case random draws once found)
    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
    @given(
        offers=st.lists(offer_st, min_size=1, max_size=8),
        workloads=st.lists(workload_st, min_size=1, max_size=3),
        cap=st.sampled_from([None, 0.6, 0.9]),
        n_minus_1=st.booleans(),
        min_providers=st.sampled_from([1, 2]),
        own_servers=st.integers(0, 3),
        search=st.booleans(),
        team=st.sampled_from([None, None, "cuda-shop", "rocm-basic"]),
    )
    def prop(**scenario) -> None:
        ok = _solve_and_verify(**scenario)
        feasible.append(ok)

    prop()
    share = sum(feasible) / len(feasible)
    assert share >= FEASIBLE_SHARE_MIN, (
        f"only {sum(feasible)} of {len(feasible)} generated scenarios were feasible "
        f"(at least {FEASIBLE_SHARE_MIN:.0%} expected): the generator has drifted"
    )


POOLED_ALPHA_AND_GAMMA = [
    (("alpha", "a-east"), ("A100-80GB", 8), "on_demand", 1.0, None),
    (("alpha", "a-east"), ("A100-80GB", 8), "reserved_1y", 41.0, None),
    (("gamma", "g-fr"), ("H100-SXM", 8), "on_demand", 2.0, None),
]
"""Found by random draws: alpha's instance is a pricing pool (on demand and a reservation costing
$0.36M over the horizon), gamma is cheaper per unit of work, and the plan is worth about $3."""

SMALL_BATCH = [
    {"kind": "batch", "params": 1e9, "size": 0.125, "critical": False, "interruptible": False, "growth": 0.0}
]


def _pooled_scenario(tmp: Path, cap: float):  # type: ignore[no-untyped-def]
    changes = {
        "workloads": [_workload(i, w) for i, w in enumerate(SMALL_BATCH)],
        "policy": {"max_provider_share": cap, "n_minus_1": False, "min_providers_critical": 1},
    }
    return write_scenario(tmp, offering_rows(POOLED_ALPHA_AND_GAMMA), **changes)


def test_share_cap_with_a_reserved_pool(tmp_path: Path) -> None:
    """The 90 % cap holds on a $3 plan although the model has a $0.36M reservation column.

    The share caps' rows were scaled by the costliest column, so the solver's 1e-6 tolerance was
    worth $0.36 there: gamma kept 100 % of spend. Now gamma holds 90 % (the cheaper provider at
    its cap) and alpha the rest, on demand."""
    sc = _pooled_scenario(tmp_path, 0.9)
    plan = optimize(sc, time_limit_s=20, baselines=False, abatement=False)
    assert verify_plan(sc, plan, size_workloads(sc)).ok
    by = plan.spend_by_owner["provider"]
    total = sum(by.values())
    assert set(by) == {"alpha", "gamma"}
    assert by["gamma"] / total == pytest.approx(0.9, abs=1e-4)  # the cheaper one, at its cap
    assert by["alpha"] / total == pytest.approx(0.1, abs=1e-4)
    assert plan.reservations.empty


def test_share_caps_too_tight_with_a_reserved_pool_are_explained(tmp_path: Path) -> None:
    """Two providers capped at 40 % each cannot hold 100 % of spend: an explained infeasibility.

    The explanation used to rebuild the model from the pooled candidate table, where alpha's
    on-demand price had moved to its pool's h columns: alpha had no column with spend and the
    share caps raised KeyError: 'alpha'."""
    sc = _pooled_scenario(tmp_path, 0.4)
    with pytest.raises(InfeasibleError) as exc:
        optimize(sc, time_limit_s=20, baselines=False, abatement=False)
    assert any("provider share cap" in r and "(40%) is too tight" in r for r in exc.value.reasons)
