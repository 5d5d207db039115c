"""One tamper per verifier check: an optimized plan passes, a minimally edited copy is caught.

Each case solves a tiny scenario in which the rule is active, confirms the verifier passes the plan,
edits the plan's tables so that exactly that rule is broken, and asserts that the verifier names the
rule. ``also`` lists the knock-on violations a tamper cannot avoid (an allocation moved to a
hardware type with no sized demand also leaves that demand uncovered); any other violation fails
the test, so a tamper stays minimal. Totals are only checked by the ``totals`` cases: every other
tamper changes spend, energy or carbon on purpose.

=====================================================================  =================================
verifier check                                                          tamper cases
=====================================================================  =================================
eligibility: accelerator, pricing model, spot, provider, site,          ineligible-accelerator,
residency, latency zone                                                 pricing-model-not-allowed,
                                                                        spot-on-non-interruptible,
                                                                        provider-not-allowed,
                                                                        excluded-provider, site-not-allowed,
                                                                        sensitivity-rule, outside-residency,
                                                                        latency-zone
coverage: every active workload-period fully served (or the optional    short-allocation, unknown-workload,
workload dropped)                                                       offering-not-in-catalog,
                                                                        accelerator-not-the-offerings,
                                                                        no-sized-demand, required-dropped,
                                                                        dropped-but-allocated,
                                                                        replica-larger-than-instance,
                                                                        fractional-replicas,
                                                                        replica-hours-mismatch
availability caps per offering and period                               availability-cap
reserved capacity covers use; reservations pay their whole term        reservation-overuse,
                                                                        reservation-term,
                                                                        reservation-unknown-offering
owned capacity = existing + purchases after lead time - retirements    owned-overuse, owned-unknown-pool,
                                                                        used-after-retirement,
                                                                        purchase-before-lead-time,
                                                                        purchase-not-buyable
site power (kW, installed peak and average draw) and space (rack       installed-power, average-draw,
units)                                                                  rack-space
training runs placed whole: one provider-region, one accelerator type  split-training-run
provider and chip-vendor spend-share caps                               provider-share-cap,
                                                                        chip-vendor-share-cap
minimum distinct providers for critical workloads                       diversity
N-1: critical demand served with any one provider lost                  n-minus-1
budgets per period                                                      budget, budget-override
carbon budgets                                                          carbon-budget-horizon,
                                                                        carbon-budget-period
onboarding: every newly used provider with an onboarding cost is       onboarding-dropped,
paid for                                                                onboarding-never-paid
existing reservations run at most count x accelerators x hours per     commitment-overdraw
period
savings plans cover at most C / (1 - discount) and the provider's      savings-plan-over-limit,
on-demand spend, vendor by vendor                                       savings-plan-over-spend,
                                                                        savings-plan-split,
                                                                        savings-plan-over-vendor
existing commitments: committed cost in every period they cover        commitment-cost-dropped
rollout pilots: a new provider, vendor or accelerator within the       rollout-pilot-cap
pilot cap in its first periods of use
rollout ramps: a new entity's accelerators grow at most                 rollout-ramp-jump
max_growth_per_period per period plus the pilot cap
rollout: no critical workload on a new provider during its pilot        rollout-critical-in-pilot
software stacks: every stack the allocations use is adopted at least    stack-used-before-ready,
its lead time before                                                    stack-never-adopted
software stacks: every adoption is paid at its recomputed cost in the   adoption-cost-dropped
period it starts
reported totals match the recomputation (cost per period and           reported-cost, reported-energy,
category, energy, carbon)                                               reported-carbon,
                                                                        reported-committed-cost,
                                                                        reported-skills-cost
=====================================================================  =================================

``test_every_declared_check_has_a_tamper`` fails when the verifier declares a check that no case
here tampers with (or a case names a check the verifier no longer declares).
"""

from __future__ import annotations

import ast
import copy
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from fleetplan.model.period import hours_per_period
from fleetplan.model.plan import Plan
from fleetplan.model.scenario import Scenario
from fleetplan.optimize import optimize
from fleetplan.sizing import size_workloads
from fleetplan.verify import verify_plan
from fleetplan.verify.checks import COMMITMENT_CHECKS, SKILLS_CHECKS
from fleetplan.verify.rollout import ROLLOUT_CHECKS
from tests.scenarios import BASE, BATCH_8B, offering, write_scenario

H = hours_per_period("quarter")

ELIGIBILITY = "eligibility: accelerator, pricing model, spot, provider, site, residency, latency zone"
COVERAGE = "coverage: every active workload-period fully served (or the optional workload dropped)"
AVAILABILITY = "availability caps per offering and period"
RESERVED = "reserved capacity covers use; reservations pay their whole term"
OWNED = "owned capacity = existing + purchases after lead time - retirements"
SITE = "site power (kW, installed peak and average draw) and space (rack units)"
TRAINING = "training runs placed whole: one provider-region, one accelerator type"
SHARES = "provider and chip-vendor spend-share caps"
DIVERSITY = "minimum distinct providers for critical workloads"
N_MINUS_1 = "N-1: critical demand served with any one provider lost"
BUDGETS = "budgets per period"
CARBON = "carbon budgets"
ONBOARDING = "onboarding: every newly used provider with an onboarding cost is paid for"
COMMITTED_HOURS, SAVINGS, COMMITTED_COST = COMMITMENT_CHECKS
PILOT, RAMP, CRITICAL_PILOT = ROLLOUT_CHECKS
STACK_USE, STACK_COST = SKILLS_CHECKS
TOTALS = "reported totals match the recomputation (cost per period and category, energy, carbon)"

# --------------------------------------------------------------------------- scenarios

A100_EAST = offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0)
A100_WEST = offering("alpha", "a-west", "a100x8", "A100-80GB", 8, "on_demand", 18.0)
A100_BETA = offering("beta", "b-east", "a100x8", "A100-80GB", 8, "on_demand", 24.0)
A100_GAMMA = offering("gamma", "g-fr", "a100x8", "A100-80GB", 8, "on_demand", 30.0)
BIG_BATCH = {**BATCH_8B, "demand": {"tokens_per_period": 1.0e12}}
"""About 29,000 A100-hours a quarter: more than one 8-GPU instance or server (17,520 h)."""

DELTA = {"name": "delta", "kind": "gpu_cloud", "tags": ["us"]}
DELTA_REGION = {
    "provider": "delta",
    "name": "d-east",
    "country": "US",
    "latency_zone": "us-east",
    "grid_kgco2e_per_kwh": 0.4,
    "pue": 1.2,
}

SRV = {
    "name": "srv",
    "accelerator": "A100-80GB",
    "accelerators_per_server": 8,
    "capex_usd": 100_000,
    "lead_time_periods": 1,
    "lifetime_years": 5,
}
"""8 x A100, 8 rack units, 8 x 400 W x 1.8 = 5.76 kW at PUE 1.0."""
TALL = {
    "name": "tall",
    "accelerator": "T4",
    "accelerators_per_server": 1,
    "capex_usd": 1_000_000,
    "lead_time_periods": 0,
    "rack_units": 40,
}
"""One T4 in 40 rack units: 0.126 kW, much space."""


def _site(name: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "provider": "own",
        "country": "US",
        "latency_zone": "us-east",
        "pue": 1.0,
        "electricity_usd_per_kwh": 0.0,
        **extra,
    }


Make = Callable[..., Scenario]


def _places(make: Make) -> Scenario:
    """Nine small batch workloads, each restricted in one way, plus a capped cheap offering."""
    offs = [
        offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0, availability_max_instances=1),
        offering("alpha", "a-east", "h100x8", "H100-SXM", 8, "on_demand", 40.0),
        offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "spot", 6.0, spot_interruption_rate_per_hour=0.01),
        A100_WEST,
        A100_BETA,
        A100_GAMMA,
        offering("delta", "d-east", "a100x8", "A100-80GB", 8, "on_demand", 10.0),
    ]
    w = BATCH_8B
    return make(
        offs,
        providers=[*BASE["providers"], DELTA],
        regions=[*BASE["regions"], DELTA_REGION],
        onboarded_providers=["alpha", "beta", "gamma", "delta"],
        workloads=[
            {**w, "name": "acc", "accelerators": ["A100-80GB"]},
            {**w, "name": "pm", "interruptible": True, "pricing_models": ["on_demand"]},
            {**w, "name": "nospot"},
            {**w, "name": "prov", "providers": ["alpha"]},
            {**w, "name": "sens", "sensitivity": "confidential"},
            {**w, "name": "res", "residency": ["US"]},
            {**w, "name": "lat", "latency_zones": ["us-east"]},
            {**w, "name": "opt", "optional": True, "value_usd": 1.0e9},
            {**w, "name": "flex", "accelerators": ["A100-80GB", "H100-SXM"]},
        ],
        policy={"excluded_providers": ["delta"], "residency": {"confidential": {"tags": ["eu"]}}},
    )


def _owned(make: Make) -> Scenario:
    """Site dc: two servers in service, room for about half a server more. Site dc2: one server
    that retires after 2027Q2."""
    dc = _site(
        "dc",
        power_capacity_kw=15,
        space_rack_units=24,
        existing=[{"server_type": "srv", "count": 2, "purchased": "2026Q1"}],
        buyable=["srv", "tall"],
    )
    dc2 = _site("dc2", power_capacity_kw=100, existing=[{"server_type": "srv", "count": 1, "purchased": "2022Q3"}])
    return make(
        [A100_EAST],
        workloads=[{**BATCH_8B, "name": "anywhere"}, {**BATCH_8B, "name": "dc2-only", "sites": ["dc2"]}],
        sites=[dc, dc2],
        server_types=[SRV, TALL, {**SRV, "name": "srv2"}],
    )


def _buy(make: Make) -> Scenario:
    """Demand beyond rented prices: servers are bought in 2027Q1, in service from 2027Q2."""
    dc = _site("dc", power_capacity_kw=100, buyable=["srv"])
    return make([A100_EAST], workloads=[BIG_BATCH], sites=[dc], server_types=[SRV, TALL])


def _reserved(make: Make) -> Scenario:
    offs = [A100_EAST, offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "reserved_1y", 6.0)]
    return make(offs, workloads=[BIG_BATCH])


def _train(make: Make) -> Scenario:
    run = {
        "name": "pretrain",
        "kind": "train",
        "model": {"params": 1.0e9},
        "tokens": 1.0e11,
        "window": {"start": "2027Q2", "end": "2027Q3"},
        "accelerators": ["A100-80GB"],
    }
    return make([A100_EAST, A100_BETA], workloads=[run])


def _serve(make: Make) -> Scenario:
    """A 70B model in bf16 needs four H100 per replica (weights and KV cache): it runs on 8-GPU
    instances, not 1-GPU ones."""
    chat = {
        "name": "chat",
        "kind": "serve",
        "model": {"params": 7.0e10},
        "demand": {"peak_rps": 2.0},
        "accelerators": ["H100-SXM"],
    }
    offs = [
        offering("alpha", "a-east", "h100x8", "H100-SXM", 8, "on_demand", 40.0),
        offering("alpha", "a-east", "h100x1", "H100-SXM", 1, "on_demand", 4.0),
    ]
    return make(offs, workloads=[chat])


def _provider_share(make: Make) -> Scenario:
    return make([A100_EAST, A100_BETA], workloads=[BATCH_8B], policy={"max_provider_share": 0.7})


def _vendor_share(make: Make) -> Scenario:
    offs = [A100_EAST, offering("alpha", "a-east", "mi300x8", "MI300X", 8, "on_demand", 40.0)]
    work = {**BATCH_8B, "accelerators": ["A100-80GB", "MI300X"]}
    return make(offs, workloads=[work], policy={"max_chip_vendor_share": 0.7})


def _diversity(make: Make) -> Scenario:
    return make(
        [A100_EAST, A100_BETA],
        workloads=[{**BATCH_8B, "criticality": "critical"}],
        policy={"min_providers_critical": 2, "min_provider_share_critical": 0.25},
    )


def _n_minus_1(make: Make) -> Scenario:
    """Half the demand on each of three providers (see test_families)."""
    return make(
        [A100_EAST, A100_BETA, A100_GAMMA],
        workloads=[{**BATCH_8B, "criticality": "critical"}],
        policy={"n_minus_1": True},
    )


def _budget(make: Make) -> Scenario:
    """Budgets 20 % above the cheapest plan's spend (2027Q4: 10 %); the next provider costs 50 % more."""
    probe = make([A100_EAST], workloads=[BATCH_8B])
    usd = float(size_workloads(probe)["accelerator_hours"].iloc[0]) * 16.0 / 8
    policy = {"budget_usd_per_period": 1.2 * usd, "budgets_usd": {"2027Q4": 1.1 * usd}}
    return make([A100_EAST, A100_BETA], workloads=[BATCH_8B], policy=policy)


def _carbon(make: Make, key: str) -> Scenario:
    """Half the emissions of running everything in the cheaper, dirtier region: a binding budget."""
    dirty = optimize(make([A100_EAST], workloads=[BATCH_8B]), baselines=False, abatement=False)
    co2 = dirty.costs["co2e_t"]
    limit = 0.5 * (float(co2.sum()) if key == "carbon_budget_tco2e" else float(co2.max()))
    return make([A100_EAST, A100_WEST], workloads=[BATCH_8B], policy={key: limit})


def _onboarding(make: Make) -> Scenario:
    """beta is cheaper than alpha and costs $1 to onboard; gamma costs $10M."""
    providers = [
        {"name": "alpha", "kind": "gpu_cloud"},
        {"name": "beta", "kind": "gpu_cloud", "onboarding_cost_usd": 1.0},
        {"name": "gamma", "kind": "cloud", "onboarding_cost_usd": 1.0e7},
        {"name": "own", "kind": "onprem"},
    ]
    offs = [A100_EAST, offering("beta", "b-east", "a100x8", "A100-80GB", 8, "on_demand", 15.0), A100_GAMMA]
    return make(offs, workloads=[BATCH_8B], providers=providers, onboarded_providers=["alpha"])


def _commitments(make: Make) -> Scenario:
    """One a100x8 reserved on alpha through 2027Q2 ($10/h), a savings plan on alpha through
    2027Q3 ($5/h at 30 % off: $15,643 of on-demand use a quarter); the rest is alpha on demand."""
    commitments = [
        {
            "name": "r1",
            "kind": "reservation",
            "provider": "alpha",
            "region": "a-east",
            "instance_type": "a100x8",
            "count": 1,
            "usd_per_hour": 10.0,
            "ends": "2027Q2",
        },
        {
            "name": "s1",
            "kind": "savings_plan",
            "provider": "alpha",
            "usd_per_hour": 5.0,
            "discount": 0.3,
            "ends": "2027Q3",
        },
    ]
    return make([A100_EAST, A100_BETA], workloads=[BIG_BATCH], commitments=commitments)


def _rollout(make: Make) -> Scenario:
    """delta is new and cheapest: its pilot (2027Q1) holds 2 accelerators, then x2 + 2 (6 in
    2027Q2); the batch work moves there over three quarters. A small critical workload runs on alpha
    during the pilot."""
    offs = [A100_EAST, offering("delta", "d-east", "a100x8", "A100-80GB", 8, "on_demand", 10.0)]
    crit = {**BATCH_8B, "name": "critical-8b", "criticality": "critical"}
    rollout = {
        "pilot_periods": 1,
        "pilot_max_accelerators": 2,
        "max_growth_per_period": 2.0,
        "critical_after_pilot": True,
        "applies_to": ["provider"],
    }
    return make(
        offs,
        providers=[*BASE["providers"], DELTA],
        regions=[*BASE["regions"], DELTA_REGION],
        workloads=[BIG_BATCH, crit],
        policy={"rollout": rollout},
    )


def _skills(make: Make) -> Scenario:
    """A CUDA-only team; batch-8b may run on A100 ($1,158 a quarter) or MI300X ($225), and ROCm
    costs $2,000 with one period of lead: adopted in 2027Q1, MI300X from 2027Q2."""
    offs = [A100_EAST, offering("alpha", "a-east", "mi300x8", "MI300X", 8, "on_demand", 12.0)]
    team = {"skills": {"cuda": "expert"}, "adoption": {"rocm": {"cost_usd": 2000, "lead_periods": 1}}}
    return make(offs, workloads=[{**BATCH_8B, "accelerators": ["A100-80GB", "MI300X"]}], team=team)


SCENARIOS: dict[str, Callable[[Make], Scenario]] = {
    "commitments": _commitments,
    "places": _places,
    "owned": _owned,
    "buy": _buy,
    "reserved": _reserved,
    "train": _train,
    "serve": _serve,
    "provider_share": _provider_share,
    "vendor_share": _vendor_share,
    "diversity": _diversity,
    "n_minus_1": _n_minus_1,
    "budget": _budget,
    "carbon_horizon": lambda make: _carbon(make, "carbon_budget_tco2e"),
    "carbon_period": lambda make: _carbon(make, "carbon_budget_tco2e_per_period"),
    "onboarding": _onboarding,
    "rollout": _rollout,
    "skills": _skills,
}


@dataclass(frozen=True)
class Solved:
    sc: Scenario
    plan: Plan
    sizing: pd.DataFrame


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Solved]:
    """Solve each scenario once per module; every caller gets its own copy of the plan to edit."""
    cache: dict[str, Solved] = {}

    def get(name: str) -> Solved:
        if name not in cache:
            folder = tmp_path_factory.mktemp(name)
            counter = [0]

            def make(offerings: list[dict[str, Any]], **changes: Any) -> Scenario:
                counter[0] += 1
                return write_scenario(Path(folder) / f"s{counter[0]}", offerings, **changes)

            sc = SCENARIOS[name](make)
            cache[name] = Solved(sc, optimize(sc, baselines=False, abatement=False), size_workloads(sc))
        s = cache[name]
        return Solved(s.sc, copy.deepcopy(s.plan), s.sizing)

    return get


# --------------------------------------------------------------------------- edits


def _row(plan: Plan, workload: str, period: str | None = None, **match: Any) -> int:
    """Index of the first allocation of ``workload`` (in ``period``, with ``match``ing columns)."""
    a = plan.allocations
    hit = a["workload"] == workload
    if period is not None:
        hit &= a["period"] == period
    for col, value in match.items():
        hit &= a[col] == value
    assert hit.any(), (workload, period, match)
    return int(a.index[hit][0])


def _set(plan: Plan, i: int, **values: Any) -> None:
    for col, value in values.items():
        plan.allocations.loc[i, col] = value


def _rent(plan: Plan, i: int, provider: str, region: str, instance: str, accelerator: str, pricing: str) -> None:
    """Move allocation ``i`` to a rented offering (off any owned site)."""
    _set(
        plan,
        i,
        provider=provider,
        region=region,
        instance_type=instance,
        accelerator=accelerator,
        pricing_model=pricing,
        site=pd.NA,
        server_type=pd.NA,
    )


def _own(plan: Plan, i: int, site: str, server_type: str = "srv") -> None:
    """Move allocation ``i`` to owned servers at ``site``."""
    _set(
        plan,
        i,
        provider="own",
        region=site,
        site=site,
        server_type=server_type,
        instance_type=server_type,
        pricing_model="owned",
    )


def _copy(plan: Plan, i: int, hours: float) -> int:
    """Add a copy of allocation ``i`` with ``hours``; return its index."""
    a = plan.allocations
    new = a.loc[[i]].copy()
    new["accelerator_hours"] = hours
    new.index = [a.index.max() + 1]
    plan.allocations = pd.concat([a, new])
    return int(new.index[0])


def _need(s: Solved, workload: str, accelerator: str, period: str) -> float:
    z = s.sizing
    row = z[(z["workload"] == workload) & (z["accelerator"] == accelerator) & (z["period"] == period)].iloc[0]
    return float(row["replicas"] if row["kind"] == "serve" else row["accelerator_hours"])


# eligibility


def t_ineligible_accelerator(s: Solved) -> None:
    _rent(s.plan, _row(s.plan, "acc"), "alpha", "a-east", "h100x8", "H100-SXM", "on_demand")


def t_pricing_model_not_allowed(s: Solved) -> None:
    i = _row(s.plan, "pm")
    _rent(s.plan, i, "alpha", "a-east", "a100x8", "A100-80GB", "spot")
    s.plan.allocations.loc[i, "accelerator_hours"] *= 2  # spot rework: keep the demand covered


def t_spot_on_non_interruptible(s: Solved) -> None:
    i = _row(s.plan, "nospot")
    _rent(s.plan, i, "alpha", "a-east", "a100x8", "A100-80GB", "spot")
    s.plan.allocations.loc[i, "accelerator_hours"] *= 2


def t_provider_not_allowed(s: Solved) -> None:
    _rent(s.plan, _row(s.plan, "prov"), "beta", "b-east", "a100x8", "A100-80GB", "on_demand")


def t_excluded_provider(s: Solved) -> None:
    _rent(s.plan, _row(s.plan, "nospot"), "delta", "d-east", "a100x8", "A100-80GB", "on_demand")


def t_site_not_allowed(s: Solved) -> None:
    _own(s.plan, _row(s.plan, "dc2-only", "2027Q1"), "dc")


def t_sensitivity_rule(s: Solved) -> None:
    _rent(s.plan, _row(s.plan, "sens"), "alpha", "a-west", "a100x8", "A100-80GB", "on_demand")


def t_outside_residency(s: Solved) -> None:
    _rent(s.plan, _row(s.plan, "res"), "gamma", "g-fr", "a100x8", "A100-80GB", "on_demand")


def t_latency_zone(s: Solved) -> None:
    _rent(s.plan, _row(s.plan, "lat"), "alpha", "a-west", "a100x8", "A100-80GB", "on_demand")


# coverage


def t_short_allocation(s: Solved) -> None:
    s.plan.allocations.loc[_row(s.plan, "nospot"), "accelerator_hours"] *= 0.5


def t_unknown_workload(s: Solved) -> None:
    _set(s.plan, _row(s.plan, "nospot"), workload="ghost")


def t_offering_not_in_catalog(s: Solved) -> None:
    _set(s.plan, _row(s.plan, "nospot"), instance_type="a100x16")


def t_accelerator_not_the_offerings(s: Solved) -> None:
    """H100-sized hours moved to an A100 instance, still labelled H100: the H100's smaller need
    would look covered."""
    _set(s.plan, _row(s.plan, "flex", instance_type="h100x8"), instance_type="a100x8")


def t_no_sized_demand(s: Solved) -> None:
    i = _row(s.plan, "pretrain", "2027Q2")
    j = _copy(s.plan, i, 1.0)
    _set(s.plan, j, period="2027Q1")  # outside the run's window


def t_required_dropped(s: Solved) -> None:
    a = s.plan.allocations
    s.plan.allocations = a[a["workload"] != "nospot"]
    s.plan.dropped_workloads = ["nospot"]


def t_dropped_but_allocated(s: Solved) -> None:
    s.plan.dropped_workloads = ["opt"]


def t_replica_larger_than_instance(s: Solved) -> None:
    _set(s.plan, _row(s.plan, "chat"), instance_type="h100x1")


def t_fractional_replicas(s: Solved) -> None:
    i = _row(s.plan, "chat")
    a = s.plan.allocations
    per_replica = a.loc[i, "accelerator_hours"] / a.loc[i, "replicas"]
    _set(s.plan, i, replicas=a.loc[i, "replicas"] + 0.5)
    _set(s.plan, i, accelerator_hours=per_replica * a.loc[i, "replicas"])


def t_replica_hours_mismatch(s: Solved) -> None:
    s.plan.allocations.loc[_row(s.plan, "chat"), "accelerator_hours"] *= 1.1


# capacity


def t_availability_cap(s: Solved) -> None:
    i = _row(s.plan, "nospot", provider="alpha", region="a-east", pricing_model="on_demand")
    s.plan.allocations.loc[i, "accelerator_hours"] = 1.5 * 8 * H  # the cap is one 8-GPU instance


def t_reservation_overuse(s: Solved) -> None:
    assert (s.plan.reservations["instances"] >= 1).all()
    s.plan.reservations.loc[s.plan.reservations.index[0], "instances"] -= 1


def t_reservation_term(s: Solved) -> None:
    s.plan.reservations.loc[s.plan.reservations.index[0], "term_periods"] = 8


def t_reservation_unknown_offering(s: Solved) -> None:
    r = s.plan.reservations
    extra = r.iloc[[0]].copy()
    extra["instance_type"] = "a100x16"
    s.plan.reservations = pd.concat([r, extra], ignore_index=True)


def t_owned_overuse(s: Solved) -> None:
    i = _row(s.plan, "anywhere", "2027Q1")
    assert s.plan.allocations.loc[i, "pricing_model"] == "owned"
    # more than dc's two servers or dc2's one; average draw 11.5 kW stays under dc's 15 kW
    s.plan.allocations.loc[i, "accelerator_hours"] = 2.5 * 8 * H


def t_owned_unknown_pool(s: Solved) -> None:
    """Owned hours at a site from a server type it neither has nor may buy: no capacity at all."""
    i = _row(s.plan, "dc2-only", "2027Q1")
    _own(s.plan, i, "dc2", "srv2")
    _set(s.plan, i, accelerator_hours=4 * H)


def t_used_after_retirement(s: Solved) -> None:
    _own(s.plan, _row(s.plan, "dc2-only", "2027Q3"), "dc2")


def t_purchase_before_lead_time(s: Solved) -> None:
    p = s.plan.purchases
    p.loc[p.index[0], "period_in_service"] = p.loc[p.index[0], "period_ordered"]


def t_purchase_not_buyable(s: Solved) -> None:
    p = s.plan.purchases
    p.loc[p.index[0], "server_type"] = "tall"


def _add_purchase(s: Solved, server_type: str, servers: int) -> None:
    row = {
        "site": "dc",
        "provider": "own",
        "server_type": server_type,
        "accelerator": "T4" if server_type == "tall" else "A100-80GB",
        "period_ordered": "2027Q1",
        "period_in_service": "2027Q1" if server_type == "tall" else "2027Q2",
        "servers": servers,
    }
    s.plan.purchases = pd.concat([s.plan.purchases, pd.DataFrame([row])], ignore_index=True)


def t_installed_power(s: Solved) -> None:
    _add_purchase(s, "srv", 1)  # 3 x 5.76 kW > 15 kW; 24 rack units fit exactly


def t_average_draw(s: Solved) -> None:
    s.plan.allocations.loc[_row(s.plan, "anywhere", "2027Q1"), "accelerator_hours"] = 100 * 8 * H


def t_rack_space(s: Solved) -> None:
    _add_purchase(s, "tall", 1)  # 16 + 40 rack units > 24; 0.13 kW more


# placement and policies


def t_split_training_run(s: Solved) -> None:
    _rent(s.plan, _row(s.plan, "pretrain", "2027Q3"), "beta", "b-east", "a100x8", "A100-80GB", "on_demand")


def t_provider_share_cap(s: Solved) -> None:
    for i in s.plan.allocations.index[s.plan.allocations["provider"] == "beta"]:
        _rent(s.plan, int(i), "alpha", "a-east", "a100x8", "A100-80GB", "on_demand")


def t_chip_vendor_share_cap(s: Solved) -> None:
    a = s.plan.allocations
    for i in a.index[a["accelerator"] == "MI300X"]:
        period = a.loc[i, "period"]
        covered = a.loc[i, "accelerator_hours"] / _need(s, "batch-8b", "MI300X", period)
        _rent(s.plan, int(i), "alpha", "a-east", "a100x8", "A100-80GB", "on_demand")
        _set(s.plan, int(i), accelerator_hours=covered * _need(s, "batch-8b", "A100-80GB", period))


def t_diversity(s: Solved) -> None:
    t_provider_share_cap(s)


def t_n_minus_1(s: Solved) -> None:
    _rent(
        s.plan,
        _row(s.plan, "batch-8b", "2027Q1", provider="gamma"),
        "alpha",
        "a-east",
        "a100x8",
        "A100-80GB",
        "on_demand",
    )


def t_budget(s: Solved) -> None:
    _rent(s.plan, _row(s.plan, "batch-8b", "2027Q2"), "beta", "b-east", "a100x8", "A100-80GB", "on_demand")


def t_budget_override(s: Solved) -> None:
    s.plan.allocations.loc[_row(s.plan, "batch-8b", "2027Q4"), "accelerator_hours"] *= 1.15


def t_carbon_budget(s: Solved) -> None:
    _rent(
        s.plan,
        _row(s.plan, "batch-8b", "2027Q1", region="a-west"),
        "alpha",
        "a-east",
        "a100x8",
        "A100-80GB",
        "on_demand",
    )


def t_onboarding_dropped(s: Solved) -> None:
    assert s.plan.onboarded == ["beta"]
    s.plan.onboarded = []


def t_onboarding_never_paid(s: Solved) -> None:
    _rent(s.plan, _row(s.plan, "batch-8b", "2027Q1"), "gamma", "g-fr", "a100x8", "A100-80GB", "on_demand")


# existing commitments


def _commitment_row(plan: Plan, name: str, period: str) -> int:
    c = plan.commitments
    hit = (c["commitment"] == name) & (c["period"] == period)
    assert hit.any(), (name, period)
    return int(c.index[hit][0])


def t_commitment_overdraw(s: Solved) -> None:
    i = _row(s.plan, "batch-8b", "2027Q1", pricing_model="committed")
    s.plan.allocations.loc[i, "accelerator_hours"] *= 1.5


def _credit_row(plan: Plan, name: str, period: str) -> int:
    c = plan.credits
    hit = (c["commitment"] == name) & (c["period"] == period)
    assert hit.sum() == 1, (name, period)  # one chip vendor (NVIDIA) here
    return int(c.index[hit][0])


def t_savings_plan_over_limit(s: Solved) -> None:
    """Over-crediting, consistently: the savings plan's credit and its split by vendor."""
    s.plan.commitments.loc[_commitment_row(s.plan, "s1", "2027Q1"), "credit_used_usd"] *= 1.1
    s.plan.credits.loc[_credit_row(s.plan, "s1", "2027Q1"), "credit_used_usd"] *= 1.1


def t_savings_plan_split(s: Solved) -> None:
    """The credits by vendor no longer add up to the savings plan's credit."""
    s.plan.credits.loc[_credit_row(s.plan, "s1", "2027Q1"), "credit_used_usd"] *= 0.5


def t_savings_plan_over_vendor(s: Solved) -> None:
    """The credit moved to a chip vendor the provider runs nothing of on demand."""
    s.plan.credits.loc[_credit_row(s.plan, "s1", "2027Q1"), "vendor"] = "AMD"


def t_savings_plan_over_spend(s: Solved) -> None:
    i = _row(s.plan, "batch-8b", "2027Q1", pricing_model="on_demand")
    _rent(s.plan, i, "beta", "b-east", "a100x8", "A100-80GB", "on_demand")


def t_commitment_cost_dropped(s: Solved) -> None:
    s.plan.commitments = s.plan.commitments.drop(index=_commitment_row(s.plan, "r1", "2027Q2"))


def t_reported_committed_cost(s: Solved) -> None:
    s.plan.costs.loc[0, "committed_usd"] -= 21_900.0


# rollout


def _move(s: Solved, workload: str, period: str, source: str, target: str, hours: float) -> None:
    """Move ``hours`` of ``workload`` in ``period`` from provider ``source`` to ``target`` (same A100
    instance type, on demand): coverage stays whole."""
    regions = {"alpha": "a-east", "delta": "d-east"}
    i = _row(s.plan, workload, period, provider=source)
    s.plan.allocations.loc[i, "accelerator_hours"] -= hours
    a = s.plan.allocations
    hit = (a["workload"] == workload) & (a["period"] == period) & (a["provider"] == target)
    if hit.any():
        s.plan.allocations.loc[a.index[hit][0], "accelerator_hours"] += hours
    else:
        j = _copy(s.plan, i, hours)
        _rent(s.plan, j, target, regions[target], "a100x8", "A100-80GB", "on_demand")


def t_rollout_pilot_cap(s: Solved) -> None:
    _move(s, "batch-8b", "2027Q1", "alpha", "delta", 1.0 * H)  # 3 accelerators in the pilot, cap 2


def t_rollout_ramp_jump(s: Solved) -> None:
    _move(s, "batch-8b", "2027Q2", "alpha", "delta", 2.0 * H)  # 8 after 2: the ramp allows 6


def t_rollout_critical_in_pilot(s: Solved) -> None:
    a = s.plan.allocations
    hours = float(a.loc[_row(s.plan, "critical-8b", "2027Q1", provider="alpha"), "accelerator_hours"])
    _move(s, "critical-8b", "2027Q1", "alpha", "delta", hours)
    _move(s, "batch-8b", "2027Q1", "delta", "alpha", hours)  # delta's pilot stays within its cap


# software stacks


def t_stack_used_before_ready(s: Solved) -> None:
    assert list(s.plan.skills["period"]) == ["2027Q1"]
    s.plan.skills.loc[0, "period"] = "2027Q2"


def t_stack_never_adopted(s: Solved) -> None:
    s.plan.skills = s.plan.skills.iloc[0:0]


def t_adoption_cost_dropped(s: Solved) -> None:
    s.plan.skills.loc[0, "cost_usd"] = 0.0


def t_reported_skills_cost(s: Solved) -> None:
    assert s.plan.costs.loc[0, "skills_usd"] == pytest.approx(2000.0)
    s.plan.costs.loc[0, "skills_usd"] = 0.0


# totals


def t_reported_cost(s: Solved) -> None:
    s.plan.costs.loc[1, "rented_usd"] += 100.0


def t_reported_energy(s: Solved) -> None:
    s.plan.costs.loc[2, "energy_kwh"] *= 0.9


def t_reported_carbon(s: Solved) -> None:
    s.plan.costs.loc[3, "co2e_t"] *= 1.1


# --------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    id: str
    check: str
    scenario: str
    tamper: Callable[[Solved], None]
    expect: str
    also: tuple[str, ...] = ()


UNCOVERED = "covered"  # "workload w: 2027Q1 demand only 0.0% covered"
NO_DEMAND = "where it has no sized demand"
NO_SERVERS = "servers in service give"

CASES = [
    # eligibility
    Case(
        "ineligible-accelerator",
        ELIGIBILITY,
        "places",
        t_ineligible_accelerator,
        "accelerator H100-SXM is not allowed",
        also=(NO_DEMAND, UNCOVERED),
    ),
    Case("pricing-model-not-allowed", ELIGIBILITY, "places", t_pricing_model_not_allowed, "pricing model not allowed"),
    Case(
        "spot-on-non-interruptible",
        ELIGIBILITY,
        "places",
        t_spot_on_non_interruptible,
        "spot for a workload that does not tolerate interruption",
    ),
    Case(
        "provider-not-allowed", ELIGIBILITY, "places", t_provider_not_allowed, "provider not allowed for this workload"
    ),
    Case("excluded-provider", ELIGIBILITY, "places", t_excluded_provider, "provider excluded by policy"),
    Case("site-not-allowed", ELIGIBILITY, "owned", t_site_not_allowed, "site not allowed for this workload"),
    Case(
        "sensitivity-rule",
        ELIGIBILITY,
        "places",
        t_sensitivity_rule,
        "sensitivity confidential does not allow this placement",
    ),
    Case("outside-residency", ELIGIBILITY, "places", t_outside_residency, "outside residency US"),
    Case("latency-zone", ELIGIBILITY, "places", t_latency_zone, "latency zone us-west not in us-east"),
    # coverage
    Case("short-allocation", COVERAGE, "places", t_short_allocation, "demand only 50.0% covered"),
    Case("unknown-workload", COVERAGE, "places", t_unknown_workload, "unknown workload 'ghost'", also=(UNCOVERED,)),
    Case(
        "offering-not-in-catalog",
        COVERAGE,
        "places",
        t_offering_not_in_catalog,
        "offering alpha/a-east/a100x16 (on_demand) is not in the catalog",
        also=(UNCOVERED,),
    ),
    Case(
        "accelerator-not-the-offerings",
        COVERAGE,
        "places",
        t_accelerator_not_the_offerings,
        "a100x8 carries A100-80GB, not H100-SXM",
        also=(UNCOVERED,),
    ),
    Case("no-sized-demand", COVERAGE, "train", t_no_sized_demand, "runs in 2027Q1 on A100-80GB, where it has no sized"),
    Case("required-dropped", COVERAGE, "places", t_required_dropped, "workload nospot is required but was dropped"),
    Case("dropped-but-allocated", COVERAGE, "places", t_dropped_but_allocated, "workload opt is dropped but still has"),
    Case(
        "replica-larger-than-instance",
        COVERAGE,
        "serve",
        t_replica_larger_than_instance,
        "a replica needs 4 x H100-SXM but h100x1 has 1",
    ),
    Case("fractional-replicas", COVERAGE, "serve", t_fractional_replicas, "is not a whole number"),
    Case("replica-hours-mismatch", COVERAGE, "serve", t_replica_hours_mismatch, "!= replicas x 4 x 2190 h"),
    # capacity
    Case("availability-cap", AVAILABILITY, "places", t_availability_cap, "availability cap is 17,520"),
    Case("reservation-overuse", RESERVED, "reserved", t_reservation_overuse, "are reserved"),
    Case("reservation-term", RESERVED, "reserved", t_reservation_term, "term 8 periods, expected 4"),
    Case(
        "reservation-unknown-offering",
        RESERVED,
        "reserved",
        t_reservation_unknown_offering,
        "reservation of unknown offering alpha/a100x16",
    ),
    Case("owned-overuse", OWNED, "owned", t_owned_overuse, NO_SERVERS),
    Case("owned-unknown-pool", OWNED, "owned", t_owned_unknown_pool, "srv2 used 8,760 accelerator-hours, 0 servers"),
    Case("used-after-retirement", OWNED, "owned", t_used_after_retirement, "2027Q3: srv used"),
    Case(
        "purchase-before-lead-time",
        OWNED,
        "buy",
        t_purchase_before_lead_time,
        "in service 2027Q1, lead time says 2027Q2",
        also=(NO_SERVERS,),
    ),
    Case(
        "purchase-not-buyable",
        OWNED,
        "buy",
        t_purchase_not_buyable,
        "purchase of tall at dc: not buyable there",
        also=(NO_SERVERS,),
    ),
    Case("installed-power", SITE, "owned", t_installed_power, "installed servers draw 17.3 kW, power capacity is 15.0"),
    Case("average-draw", SITE, "owned", t_average_draw, "exceeds the power capacity", also=(NO_SERVERS,)),
    Case("rack-space", SITE, "owned", t_rack_space, "56 rack units installed, space is 24"),
    # placement and policies
    Case("split-training-run", TRAINING, "train", t_split_training_run, "training run pretrain is split across 2"),
    Case("provider-share-cap", SHARES, "provider_share", t_provider_share_cap, "provider alpha holds 100.0% of spend"),
    Case(
        "chip-vendor-share-cap",
        SHARES,
        "vendor_share",
        t_chip_vendor_share_cap,
        "chip vendor NVIDIA holds 100.0% of spend, cap is 70%",
    ),
    Case("diversity", DIVERSITY, "diversity", t_diversity, "runs on 1 provider(s) carrying at least 25% each"),
    Case("n-minus-1", N_MINUS_1, "n_minus_1", t_n_minus_1, "N-1: losing alpha leaves batch-8b 2027Q1"),
    Case("budget", BUDGETS, "budget", t_budget, "budget 2027Q2 exceeded"),
    Case("budget-override", BUDGETS, "budget", t_budget_override, "budget 2027Q4 exceeded"),
    Case("carbon-budget-horizon", CARBON, "carbon_horizon", t_carbon_budget, "carbon budget exceeded"),
    Case("carbon-budget-period", CARBON, "carbon_period", t_carbon_budget, "carbon budget 2027Q"),
    Case(
        "onboarding-dropped", ONBOARDING, "onboarding", t_onboarding_dropped, "provider beta is used but its onboarding"
    ),
    Case(
        "onboarding-never-paid",
        ONBOARDING,
        "onboarding",
        t_onboarding_never_paid,
        "provider gamma is used but its onboarding ($10,000,000)",
    ),
    # existing commitments
    Case(
        "commitment-overdraw",
        COMMITTED_HOURS,
        "commitments",
        t_commitment_overdraw,
        "alpha/a-east/a100x8 2027Q1: allocations run 26,280 accelerator-hours on existing reservations (r1), which "
        "hold 17,520",
    ),
    Case("savings-plan-over-limit", SAVINGS, "commitments", t_savings_plan_over_limit, "s1 2027Q1: covers $17,207"),
    Case(
        "savings-plan-over-spend",
        SAVINGS,
        "commitments",
        t_savings_plan_over_spend,
        "savings plans of alpha 2027Q1: cover $15,643 but the plan's on-demand spend there is $0",
        also=("cover $15,643 of NVIDIA on-demand spend, which is $0",),
    ),
    Case(
        "savings-plan-split",
        SAVINGS,
        "commitments",
        t_savings_plan_split,
        "savings plan s1 2027Q1: credits by chip vendor sum to $7,821.43, the commitments table says $15,642.86",
    ),
    Case(
        "savings-plan-over-vendor",
        SAVINGS,
        "commitments",
        t_savings_plan_over_vendor,
        "savings plans of alpha 2027Q1: cover $15,643 of AMD on-demand spend, which is $0",
    ),
    Case(
        "commitment-cost-dropped",
        COMMITTED_COST,
        "commitments",
        t_commitment_cost_dropped,
        "commitment r1: its committed cost for 2027Q2 ($21,900) is not in the plan",
    ),
    # rollout
    Case("rollout-pilot-cap", PILOT, "rollout", t_rollout_pilot_cap, "rollout pilot of provider delta 2027Q1: 3.00"),
    Case(
        "rollout-ramp-jump",
        RAMP,
        "rollout",
        t_rollout_ramp_jump,
        "rollout ramp of provider delta 2027Q2: 8.00 accelerators after 2.00, the ramp allows 6.00",
    ),
    Case(
        "rollout-critical-in-pilot",
        CRITICAL_PILOT,
        "rollout",
        t_rollout_critical_in_pilot,
        "rollout pilot of provider delta 2027Q1: critical workloads run there",
    ),
    # software stacks
    Case(
        "stack-used-before-ready",
        STACK_USE,
        "skills",
        t_stack_used_before_ready,
        "stack rocm runs MI300X in 2027Q2, before it is ready (2027Q3: adopted from 2027Q2",
    ),
    Case(
        "stack-never-adopted",
        STACK_USE,
        "skills",
        t_stack_never_adopted,
        "stack rocm (team level none) runs MI300X from 2027Q2, but the plan does not adopt it",
    ),
    Case(
        "adoption-cost-dropped",
        STACK_COST,
        "skills",
        t_adoption_cost_dropped,
        "adoption of stack rocm in 2027Q1: cost $0, recomputed $2,000 (team level none)",
    ),
    Case("reported-skills-cost", TOTALS, "skills", t_reported_skills_cost, "reported skills_usd for 2027Q1"),
    # totals
    Case("reported-committed-cost", TOTALS, "commitments", t_reported_committed_cost, "reported committed_usd"),
    Case("reported-cost", TOTALS, "places", t_reported_cost, "reported rented_usd for 2027Q2"),
    Case("reported-energy", TOTALS, "places", t_reported_energy, "reported energy_kwh for 2027Q3"),
    Case("reported-carbon", TOTALS, "places", t_reported_carbon, "reported co2e_t for 2027Q4"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_tampered_plan_is_caught(solved: Callable[[str], Solved], case: Case) -> None:
    s = solved(case.scenario)
    totals = case.check == TOTALS
    before = verify_plan(s.sc, s.plan, s.sizing)
    assert before.ok, before.violations
    assert case.check in before.checks
    case.tamper(s)
    v = verify_plan(s.sc, s.plan, s.sizing, check_totals=totals)
    assert not v.ok
    assert any(case.expect in x for x in v.violations), v.violations
    allowed = (case.expect, *case.also)
    assert all(any(a in x for a in allowed) for x in v.violations), v.violations


def _checks_in_source() -> set[str]:
    """Every literal ``checks.append("...")`` in the verifier's module, conditional ones included."""
    tree = ast.parse(inspect.getsource(inspect.getmodule(verify_plan)))
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "append"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "checks"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }


def test_every_declared_check_has_a_tamper(solved: Callable[[str], Solved]) -> None:
    declared = _checks_in_source()
    for name in SCENARIOS:
        s = solved(name)
        declared |= set(verify_plan(s.sc, s.plan, s.sizing).checks)
    tampered = {c.check for c in CASES}
    assert declared - tampered == set(), "checks without a tamper case"
    assert tampered - declared == set(), "tamper cases for checks the verifier no longer declares"


def test_the_coverage_table_lists_every_case() -> None:
    doc = __doc__ or ""
    assert [c.id for c in CASES if c.id not in doc] == []
    assert len({c.id for c in CASES}) == len(CASES)
