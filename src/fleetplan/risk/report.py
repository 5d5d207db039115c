"""The ``fleetplan.risk/1`` JSON document of a risk report (the CLI renders it for terminals)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fleetplan._format import json_records, json_safe

if TYPE_CHECKING:
    from fleetplan.risk.analysis import RiskReport

__all__ = ["RISK_SCHEMA", "risk_to_dict"]

RISK_SCHEMA = "fleetplan.risk/1"


def risk_to_dict(r: RiskReport) -> dict[str, Any]:
    """The report as JSON-safe data; units in key names, money in the scenario currency."""
    conc = r.concentration
    cont = r.contingency
    events = []
    for i in cont.impacts:
        events.append(
            {
                "event": i.event.name,
                "kind": i.event.kind,
                "providers": list(i.event.providers),
                "regions": list(i.event.regions),
                "vendors": list(i.event.vendors),
                "pricing_models": list(i.event.pricing_models),
                "duration_hours": i.event.duration_hours or cont.duration_hours,
                "window": [{"period": p, "share_of_period": f} for p, f in i.window],
                "status": i.status,
                "unserved_accelerator_hours": i.unserved_accelerator_hours,
                "unserved_critical_accelerator_hours": i.unserved_critical_accelerator_hours,
                "extra_cost_usd": i.extra_cost_usd,
                "critical_unserved": i.critical_unserved,
                "slo_at_risk": i.slo_at_risk,
                "workloads": json_records(i.workloads),
                "solve_time_s": round(i.solve_time_s, 3),
                "gap": json_safe(i.gap),
            }
        )
    n1 = r.n_minus_1
    n1_doc = None
    if n1 is not None:
        bounds = n1.premium_bounds_usd
        n1_doc = {
            "status": n1.status,
            "message": n1.message,
            "plain_total_usd": json_safe(n1.plain_total_usd),
            "n_minus_1_total_usd": json_safe(n1.n_minus_1_total_usd),
            "premium_usd": json_safe(n1.premium_usd),
            "premium_share": json_safe(n1.premium_share),
            "plain_discounted_usd": json_safe(n1.plain_discounted_usd),
            "n_minus_1_discounted_usd": json_safe(n1.n_minus_1_discounted_usd),
            "critical_workloads": n1.critical_workloads,
            "verified": n1.verified,
            "solve_status": n1.solve_status,
            "premium_objective_usd": json_safe(n1.premium_objective_usd),
            "premium_bounds_usd": None if bounds is None else [json_safe(b) for b in bounds],
            "plain_gap": json_safe(n1.plain_plan.solve.gap) if n1.plain_plan is not None else None,
            "n_minus_1_gap": json_safe(n1.plan.solve.gap) if n1.plan is not None else None,
            "notes": n1.notes,
        }
    mc = r.monte_carlo
    return {
        "schema": RISK_SCHEMA,
        "scenario": r.scenario,
        "currency": r.plan.currency,
        "periods": list(r.plan.periods),
        "plan": {
            "total_usd": r.plan.total_usd,
            "discounted_usd": r.plan.discounted_usd,
            "status": r.plan.solve.status.value,
            "objective_usd": json_safe(r.plan.solve.objective_usd),
            "dual_bound_usd": json_safe(r.plan.solve.dual_bound_usd),
            "gap": json_safe(r.plan.solve.gap),
        },
        "concentration": {
            "index": json_records(conc.index),
            "shares": json_records(conc.shares),
            "highly_concentrated_hhi": 1800.0,
        },
        "contingency": {
            "duration_hours": cont.duration_hours,
            "events": events,
            "notes": cont.notes,
        },
        "n_minus_1": n1_doc,
        "shocks": [
            {
                "shock": s.name,
                "kind": s.kind,
                "mode": s.mode,
                "status": s.status,
                "total_usd_before": s.total_usd_before,
                "total_usd_after": json_safe(s.total_usd_after),
                "delta_usd": json_safe(s.delta_usd),
                "provider_shares_before": s.provider_shares_before,
                "provider_shares_after": s.provider_shares_after,
                "unserved_accelerator_hours": s.unserved_accelerator_hours,
                "unserved_critical_accelerator_hours": s.unserved_critical_accelerator_hours,
                "unserved_workloads": s.unserved_workloads,
                "note": s.note,
                "gap": json_safe(s.gap),
            }
            for s in r.shocks
        ],
        "monte_carlo": {
            "draws": mc.draws,
            "seed": mc.seed,
            "draws_per_s": round(mc.draws_per_s, 1),
            **mc.summary(),
            "services": json_records(mc.services),
            "per_period": json_records(mc.per_period),
            "outage_rates": json_records(mc.rates),
        },
        "runbooks": [{"workload": b.workload, "file": b.filename} for b in r.runbooks],
        "timings_s": {k: round(v, 3) for k, v in r.timings_s.items()},
        "notes": r.notes,
    }
