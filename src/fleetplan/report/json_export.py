"""``fleetplan.plan/1`` JSON: a versioned, unit-explicit document of a plan."""

from __future__ import annotations

from typing import Any

import pandas as pd

from fleetplan._format import json_records, json_safe
from fleetplan.model.plan import PLAN_SCHEMA, Plan
from fleetplan.verify.accounting import spend_by

__all__ = ["plan_to_dict"]


def _shares(series: pd.Series, total: float | None = None) -> dict[str, dict[str, float]]:
    total = float(series.sum()) if total is None else total
    return {str(k): {"spend_usd": float(v), "share": (float(v) / total if total else 0.0)} for k, v in series.items()}


def _energy(plan: Plan) -> dict[str, Any] | None:
    """The plan's energy tables: ``summary`` as one object, the others as lists of rows."""
    if not plan.energy:
        return None
    out: dict[str, Any] = {}
    for name, df in plan.energy.items():
        rows = json_records(df)
        out[name] = (rows[0] if rows else {}) if name == "summary" else rows
    return out


def _rollout(plan: Plan) -> list[dict[str, Any]]:
    """Per new entity: its kind, first period of use, pilot periods and accelerators per period."""
    r = plan.rollout
    if r is None or r.empty:
        return []
    out = []
    for (kind, entity), g in r.groupby(["kind", "entity"], sort=False):
        used = g[g["phase"] != "before"]
        out.append(
            {
                "kind": str(kind),
                "entity": str(entity),
                "first_period": str(used["period"].iloc[0]) if len(used) else None,
                "pilot_periods": [str(p) for p in g.loc[g["phase"] == "pilot", "period"]],
                "accelerators_by_period": {
                    str(p): float(a) for p, a in zip(g["period"], g["accelerators"], strict=True)
                },
                "critical_accelerators_by_period": {
                    str(p): float(a) for p, a in zip(g["period"], g["critical_accelerators"], strict=True)
                },
            }
        )
    return out


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """Everything in the plan: allocations per workload x option x period, purchases, reservations,
    existing commitments per period (available, used, utilization_pct) and savings plans' credits
    by chip vendor, costs per period, shares,
    policies, baselines, verification and the solver's proof."""
    total = plan.total_usd
    lp = plan.lp_bound_usd
    obj = plan.solve.objective_usd
    return {
        "schema": PLAN_SCHEMA,
        "scenario": plan.scenario_name,
        "currency": plan.currency,
        "periods": list(plan.periods),
        "review_cycle_periods": plan.review_cycle_periods,
        "status": plan.solve.status.value,
        "totals": {
            "total_usd": total,
            "discounted_usd": plan.discounted_usd,
            "energy_kwh": float(plan.costs["energy_kwh"].sum()),
            "co2e_t": float(plan.costs["co2e_t"].sum()),
            "objective_usd": json_safe(obj),
            "lp_relaxation_bound_usd": json_safe(lp),
            "gap_to_lp_bound": (
                json_safe((obj - lp) / abs(obj)) if obj is not None and lp is not None and abs(obj) > 1e-9 else None
            ),
            **{k: json_safe(v) for k, v in plan.objective_breakdown.items()},
        },
        "solver": plan.solve.to_dict(),
        "verification": plan.verification.to_dict() if plan.verification else None,
        "costs": json_records(plan.costs),
        "spend_by_provider": _shares(
            pd.Series(plan.spend_by_owner.get("provider", {}), dtype=float).sort_values(ascending=False), plan.total_usd
        ),
        "spend_by_pricing_model": _shares(spend_by(plan, "pricing_model")),
        "spend_by_vendor": _shares(
            pd.Series(plan.spend_by_owner.get("vendor", {}), dtype=float).sort_values(ascending=False), plan.total_usd
        ),
        "spend_by_period": json_records(plan.spend_by_period),
        "allocations": json_records(plan.allocations),
        "purchases": json_records(plan.purchases),
        "reservations": json_records(plan.reservations),
        "commitments": json_records(plan.commitments),
        "credits": json_records(plan.credits),
        "onboarded_providers": list(plan.onboarded),
        "skills_adoption": json_records(plan.skills) if len(plan.skills) else [],
        "stacks_needed": json_records(plan.stacks_needed) if len(plan.stacks_needed) else [],
        "dropped_workloads": list(plan.dropped_workloads),
        "policies": [p.to_dict() for p in plan.policies],
        "rollout": _rollout(plan),
        "energy": _energy(plan),
        "abatement": plan.abatement.to_dict() if plan.abatement is not None else None,
        "notes": list(plan.notes),
        "baselines": [
            {
                **b.to_dict(),
                "savings_usd": (b.total_usd - total) if b.total_usd is not None else None,
            }
            for b in plan.baselines
        ],
    }
