"""Marginal abatement: what the carbon policy costs per tonne it avoids.

When a scenario carries a carbon price or a carbon budget, the same scenario is planned again
without them (the cheapest plan, every other policy kept) and the two are compared:

    avoided_tco2e          = co2e(cheapest) - co2e(plan)
    extra_cost_usd         = spend(plan) - spend(cheapest)                (undiscounted, horizon)
    usd_per_tco2e_avoided  = extra_cost_usd / avoided_tco2e               (when avoided > 0)

The discounted variant (what the optimizer trades against the carbon price) is reported beside it.

Both plans are solved to the same relative MIP gap; when the cost difference is smaller than the
two solves' gaps together, ``within_gap`` is set and the price per tonne is not significant. A
negative difference (the "cheapest" plan found costs more) gives no price per tonne.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from fleetplan._format import json_safe
from fleetplan.model.plan import Plan
from fleetplan.model.scenario import Scenario

__all__ = ["Abatement", "abatement", "cheapest_scenario", "has_carbon_policy"]

_EPS_T = 1e-6


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
    within_gap: bool = False
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return json_safe(asdict(self))


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


def abatement(sc: Scenario, plan: Plan, **optimize_kwargs: Any) -> Abatement | None:
    """Compare ``plan`` with the cheapest plan of ``sc`` without its carbon policy.

    Returns None when ``sc`` has no carbon price or budget. ``optimize_kwargs`` go to
    :func:`fleetplan.optimize.optimize` (baselines and the LP bound are skipped by default).
    """
    if not has_carbon_policy(sc):
        return None
    p_co2 = float(plan.costs["co2e_t"].sum())
    from fleetplan.optimize.planner import optimize

    kwargs: dict[str, Any] = {"baselines": False, "lp_bound": False, **optimize_kwargs}
    cheap = optimize(cheapest_scenario(sc), **kwargs)
    c_co2 = float(cheap.costs["co2e_t"].sum())
    avoided = c_co2 - p_co2
    extra = plan.total_usd - cheap.total_usd
    extra_d = plan.discounted_usd - cheap.discounted_usd
    binding = avoided > _EPS_T * max(1.0, c_co2)
    priced = binding and extra_d > 0
    noise = sum(abs(r.solve.gap or 0.0) * abs(r.solve.objective_usd or 0.0) for r in (plan, cheap))
    within_gap = abs(extra_d) <= noise
    if priced:
        note = (
            f"the carbon policy avoids {avoided:,.1f} tCO2e ({avoided / c_co2:.0%} of the "
            f"cheapest plan's emissions) for {extra:,.0f} USD more"
        )
        if within_gap:
            note += "; within the solvers' gap, so the price per tonne is not significant"
    elif binding:
        note = "emissions differ but cost does not measurably (solver gap): no price per tonne"
    else:
        note = "the carbon policy does not change emissions: the cheapest plan already meets it"
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
        usd_per_tco2e_avoided=extra / avoided if priced else None,
        discounted_usd_per_tco2e_avoided=extra_d / avoided if priced else None,
        binding=binding,
        within_gap=within_gap,
        note=note,
    )
