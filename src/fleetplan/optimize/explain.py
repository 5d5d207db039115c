"""Explain infeasibility in the user's terms via an elastic re-solve.

The same model is rebuilt with a penalized slack on every soft-able family (coverage, availability,
diversity, N-1, share caps, budgets, carbon). The slacks the re-solve has to use are the conflict:
"budget 2027Q3 is short by $1.2M", "provider cap aws 50% would have to be 63%", ...
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fleetplan.errors import FleetplanError
from fleetplan.model.scenario import Scenario
from fleetplan.optimize.formulation import build_model
from fleetplan.optimize.solver import SolverOptions, solve

__all__ = ["InfeasibleError", "explain_infeasible"]


class InfeasibleError(FleetplanError):
    """No plan satisfies every requirement; ``reasons`` name the conflicting ones. Exit code 1."""

    exit_code = 1

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__("no plan satisfies every requirement: " + "; ".join(reasons))


def explain_infeasible(
    sc: Scenario, cand: pd.DataFrame, options: pd.DataFrame, time_limit_s: float = 30.0
) -> list[str]:
    """Reasons (one per conflicting requirement) found by the elastic re-solve."""
    f = build_model(sc, cand, options, elastic=True)
    _, x = solve(f.model, SolverOptions(time_limit_s=time_limit_s, mip_rel_gap=1e-2))
    if x is None:
        _result, x = solve(f.model, SolverOptions(time_limit_s=time_limit_s, relax=True))
    if x is None or f.slacks.empty:
        return ["the model has no solution even with every policy relaxed (check owned capacity and power)"]
    labels = sc.horizon.labels()
    total_spend = float(np.asarray(f.spend.sum(axis=0)).ravel() @ x) + float(
        f.fixed_spend.to_numpy().sum() if f.fixed_spend.size else 0
    )
    reasons: list[str] = []
    start = {name: blk for name, blk in f.model.columns.items() if name.startswith("slack_")}
    offset = {name: 0 for name in start}
    for _, s in f.slacks.iterrows():
        blk = start[f"slack_{s['family']}"]
        val = float(x[blk.start + offset[f"slack_{s['family']}"]])
        offset[f"slack_{s['family']}"] += 1
        if val <= 1e-6:
            continue
        reasons.append(_describe(sc, s, val, labels, total_spend, options, cand))
    return list(dict.fromkeys(reasons)) or [
        "the requirements conflict only through integrality (whole replicas, servers)"
    ]


def _capacity_note(sc: Scenario, cand: pd.DataFrame, w_idx: int) -> str:
    """What limits a workload's eligible capacity: availability caps, owned servers and site power."""
    mine = cand[cand["w_idx"] == w_idx].drop_duplicates("option_id")
    notes = []
    capped = mine[np.isfinite(mine["avail_accelerators"])]
    if len(capped) == len(mine[mine["source"] == "catalog"]) and len(capped):
        notes += [
            f"{r.provider}/{r.region}/{r.instance_type} capped at {r.avail_accelerators:g} accelerators"
            for r in capped.itertuples()
        ][:3]
    sites = {x.name: x for x in sc.sites}
    for r in mine[mine["source"] == "owned"].drop_duplicates("site").itertuples():
        site = sites[r.site]
        notes.append(f"site {site.name} limited to its servers and {site.power_capacity_kw:g} kW")
    return f" (eligible capacity: {'; '.join(notes)})" if notes else ""


def _describe(
    sc: Scenario, s: pd.Series, val: float, labels: list[str], total: float, options: pd.DataFrame, cand: pd.DataFrame
) -> str:
    fam = s["family"]
    if fam == "coverage":
        w = sc.workloads[int(s["w_idx"])]
        return (
            f"workload {w.name}: only {max(0.0, 1 - val):.0%} of its {labels[int(s['t_idx'])]} demand can be met "
            f"within the other requirements{_capacity_note(sc, cand, int(s['w_idx']))}"
        )
    if fam == "budget":
        t = int(s["t_idx"])
        pol = sc.policy
        budget = pol.budgets_usd.get(labels[t], pol.budget_usd_per_period)
        return f"budget {labels[t]} (${budget:,.0f}) is short by ${val * 1e6:,.0f}"
    if fam in ("provider_share", "vendor_share"):
        what = "provider" if fam == "provider_share" else "chip vendor"
        need = float(s["cap"]) + val * float(s["scale"]) / max(total, 1.0)
        return (
            f"{what} share cap for {s['name']} ({float(s['cap']):.0%}) is too tight: the plan needs about "
            f"{min(need, 1.0):.0%}"
        )
    if fam == "diversity":
        w = sc.workloads[int(s["w_idx"])]
        m = w.min_providers or sc.policy.min_providers_critical
        return (
            f"critical workload {w.name}: policy asks for {m} providers each carrying at least "
            f"{sc.policy.min_provider_share_critical:.0%}, but fewer can host it"
        )
    if fam == "n_minus_1":
        w = sc.workloads[int(s["w_idx"])]
        return (
            f"N-1: without {s['provider']}, workload {w.name} can keep only {max(0.0, 1 - val):.0%} of its "
            f"{labels[int(s['t_idx'])]} demand"
        )
    if fam == "availability":
        o = options.set_index("option_id").loc[int(s["option_id"])]
        return (
            f"availability of {o['provider']}/{o['region']}/{o['instance_type']} ({o['pricing_model']}) in "
            f"{labels[int(s['t_idx'])]} is short by {val:,.0f} accelerators"
        )
    if fam in ("carbon", "carbon_period"):
        scope = "horizon" if fam == "carbon" else labels[int(s["t_idx"])]
        return f"carbon budget ({scope}) is short by {val:,.1f} tCO2e"
    return f"{fam}: relaxed by {val:g}"
