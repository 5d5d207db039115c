"""Marginal abatement: what the carbon policy costs per tonne it avoids.

When a scenario carries a carbon price or a carbon budget, the same scenario is planned again
without them (the cheapest plan, every other policy kept) and the two are compared:

    avoided_tco2e          = co2e(cheapest) - co2e(plan)
    extra_cost_usd         = spend(plan) - spend(cheapest)                (undiscounted, horizon)
    usd_per_tco2e_avoided  = extra_cost_usd / avoided_tco2e               (when avoided > 0)

The discounted variant (what the optimizer trades against the carbon price) is reported beside it.

No second solve when the scenario has no carbon price and every carbon budget has slack in the
plan (emissions below 99.9 % of the limit): a budget that does not bind has no marginal cost, so
the cheapest plan is taken to be this one. (In a mixed-integer model a slack budget can, rarely,
still have cut off a much dirtier plan; set a carbon price or tighten the budget to see it.)
Both plans are solved to the same relative MIP gap, so a cost difference smaller than that gap is
noise, and a negative one is reported as such, without a price per tonne.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from fleetplan.model.plan import Plan
from fleetplan.model.scenario import Scenario

__all__ = ["Abatement", "abatement", "budget_binds", "cheapest_scenario", "has_carbon_policy"]

_EPS_T = 1e-6
_BIND = 1e-3


@dataclass(frozen=True)
class Abatement:
    """The carbon-constrained plan against the cheapest plan of the same scenario."""

    policy: str
    cheapest_total_usd: float
    cheapest_discounted_usd: float
    cheapest_co2e_t: float
    plan_total_usd: float
    plan_discounted_usd: float
    plan_co2e_t: float
    avoided_tco2e: float
    extra_cost_usd: float
    extra_discounted_usd: float
    usd_per_tco2e_avoided: float | None
    discounted_usd_per_tco2e_avoided: float | None
    binding: bool
    resolved: bool = True
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in out.items()}


def has_carbon_policy(sc: Scenario) -> bool:
    """True when the scenario prices carbon or caps it (horizon or per period)."""
    pol = sc.policy
    return (
        sc.objective.carbon_price_usd_per_tco2e > 0
        or pol.carbon_budget_tco2e is not None
        or pol.carbon_budget_tco2e_per_period is not None
    )


def _describe(sc: Scenario) -> str:
    pol = sc.policy
    parts = []
    if pol.carbon_budget_tco2e is not None:
        parts.append(f"carbon budget {pol.carbon_budget_tco2e:,.1f} tCO2e over the horizon")
    if pol.carbon_budget_tco2e_per_period is not None:
        parts.append(f"carbon budget {pol.carbon_budget_tco2e_per_period:,.1f} tCO2e per period")
    if sc.objective.carbon_price_usd_per_tco2e > 0:
        parts.append(f"carbon price ${sc.objective.carbon_price_usd_per_tco2e:,.0f}/tCO2e")
    return "; ".join(parts)


def cheapest_scenario(sc: Scenario) -> Scenario:
    """A copy of ``sc`` without carbon price and carbon budgets (same catalog, same other rules)."""
    from fleetplan.load.scenario import scenario_catalog

    cat = scenario_catalog(sc)
    out = sc.model_copy(deep=True)
    out.objective.carbon_price_usd_per_tco2e = 0.0
    out.policy.carbon_budget_tco2e = None
    out.policy.carbon_budget_tco2e_per_period = None
    out._catalog = cat  # type: ignore[attr-defined]
    out._source = getattr(sc, "_source", None)  # type: ignore[attr-defined]
    return out


def budget_binds(sc: Scenario, plan: Plan) -> bool:
    """True when the plan's emissions reach 99.9 % of a carbon budget (horizon or any period)."""
    pol = sc.policy
    co2 = plan.costs["co2e_t"].to_numpy(dtype=float)
    if pol.carbon_budget_tco2e is not None and co2.sum() >= pol.carbon_budget_tco2e * (1 - _BIND) - 1e-9:
        return True
    per = pol.carbon_budget_tco2e_per_period
    return per is not None and bool((co2 >= per * (1 - _BIND) - 1e-9).any())


def abatement(sc: Scenario, plan: Plan, **optimize_kwargs: Any) -> Abatement | None:
    """Compare ``plan`` with the cheapest plan of ``sc`` without its carbon policy.

    Returns None when ``sc`` has no carbon price or budget. ``optimize_kwargs`` go to
    :func:`fleetplan.optimize.optimize` (baselines and the LP bound are skipped by default).
    """
    if not has_carbon_policy(sc):
        return None
    p_co2 = float(plan.costs["co2e_t"].sum())
    if sc.objective.carbon_price_usd_per_tco2e <= 0 and not budget_binds(sc, plan):
        return Abatement(
            policy=_describe(sc), cheapest_total_usd=plan.total_usd, cheapest_discounted_usd=plan.discounted_usd,
            cheapest_co2e_t=p_co2, plan_total_usd=plan.total_usd, plan_discounted_usd=plan.discounted_usd,
            plan_co2e_t=p_co2, avoided_tco2e=0.0, extra_cost_usd=0.0, extra_discounted_usd=0.0,
            usd_per_tco2e_avoided=None, discounted_usd_per_tco2e_avoided=None, binding=False, resolved=False,
            note="the carbon budget has slack in this plan, so it costs nothing at the margin (not re-solved)",
        )
    from fleetplan.optimize.planner import optimize

    kwargs: dict[str, Any] = {"baselines": False, "lp_bound": False, **optimize_kwargs}
    cheap = optimize(cheapest_scenario(sc), **kwargs)
    c_co2 = float(cheap.costs["co2e_t"].sum())
    avoided = c_co2 - p_co2
    extra = plan.total_usd - cheap.total_usd
    extra_d = plan.discounted_usd - cheap.discounted_usd
    binding = avoided > _EPS_T * max(1.0, c_co2) and extra_d >= 0
    if binding:
        note = (f"the carbon policy avoids {avoided:,.1f} tCO2e ({avoided / c_co2:.0%} of the cheapest plan's "
                f"emissions) for {extra:,.0f} USD more")
    elif avoided > _EPS_T * max(1.0, c_co2):
        note = "the cost difference is within the solver's gap: no price per tonne can be given"
    else:
        note = "the carbon policy does not change the plan's emissions: the cheapest plan already meets it"
    return Abatement(
        policy=_describe(sc),
        cheapest_total_usd=cheap.total_usd,
        cheapest_discounted_usd=cheap.discounted_usd,
        cheapest_co2e_t=c_co2,
        plan_total_usd=plan.total_usd,
        plan_discounted_usd=plan.discounted_usd,
        plan_co2e_t=p_co2,
        avoided_tco2e=avoided,
        extra_cost_usd=extra,
        extra_discounted_usd=extra_d,
        usd_per_tco2e_avoided=extra / avoided if binding else None,
        discounted_usd_per_tco2e_avoided=extra_d / avoided if binding else None,
        binding=binding,
        note=note,
    )
