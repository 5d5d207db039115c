"""Explain infeasibility in the user's terms via an elastic re-solve.

The same model is rebuilt with a penalized slack on every soft-able family (those registered with
slacks in ``FAMILIES``: coverage, availability, diversity, N-1, share caps, budgets, carbon, rollout
pilots, ramps and the critical bar). The
slacks the re-solve has to use are the conflict: "budget 2027Q3 is short by $1.2M", "provider cap
aws 50% would have to be 63%", ... Each slack has its sentence in ``_REASONS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from fleetplan.catalog.hardware import resolve_accelerator
from fleetplan.data.stacks import STACKS
from fleetplan.errors import FleetplanError
from fleetplan.model.policy import min_providers
from fleetplan.model.scenario import Scenario
from fleetplan.model.team import adoption_terms, stack_for
from fleetplan.optimize.context import slack_block
from fleetplan.optimize.families import ROLLOUT_SLACK_UNIT
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
    total_spend = float(np.asarray(f.spend.sum(axis=0)).ravel() @ x) + float(
        f.fixed_spend.to_numpy().sum() if f.fixed_spend.size else 0
    )
    facts = _Facts(sc, sc.horizon.labels(), total_spend, options, cand)
    reasons: list[str] = []
    offset: dict[str, int] = {}  # slack rows are in column order within each slack block
    for _, s in f.slacks.iterrows():
        i = offset.get(s["family"], 0)
        offset[s["family"]] = i + 1
        val = float(x[f.model.columns[slack_block(s["family"])].start + i])
        if val <= 1e-6:
            continue
        reasons.append(_describe(facts, s, val))
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


@dataclass(frozen=True)
class _Facts:
    """What the sentences draw on besides the slack row and its value."""

    sc: Scenario
    labels: list[str]
    total_spend: float
    options: pd.DataFrame
    cand: pd.DataFrame


_Why = Callable[[_Facts, pd.Series, float], str]


def _coverage(k: _Facts, s: pd.Series, val: float) -> str:
    w = k.sc.workloads[int(s["w_idx"])]
    return (
        f"workload {w.name}: only {max(0.0, 1 - val):.0%} of its {k.labels[int(s['t_idx'])]} demand can be met "
        f"within the other requirements{_capacity_note(k.sc, k.cand, int(s['w_idx']))}"
    )


def _budget(k: _Facts, s: pd.Series, val: float) -> str:
    t = int(s["t_idx"])
    pol = k.sc.policy
    budget = pol.budgets_usd.get(k.labels[t], pol.budget_usd_per_period)
    return f"budget {k.labels[t]} (${budget:,.0f}) is short by ${val * 1e6:,.0f}"


def _share(k: _Facts, s: pd.Series, val: float) -> str:
    what = "provider" if s["family"] == "provider_share" else "chip vendor"
    need = float(s["cap"]) + val * float(s["scale"]) / max(k.total_spend, 1.0)
    return (
        f"{what} share cap for {s['name']} ({float(s['cap']):.0%}) is too tight: the plan needs about "
        f"{min(need, 1.0):.0%}"
    )


def _diversity(k: _Facts, s: pd.Series, val: float) -> str:
    w = k.sc.workloads[int(s["w_idx"])]
    m = min_providers(w, k.sc.policy)
    return (
        f"critical workload {w.name}: policy asks for {m} providers each carrying at least "
        f"{k.sc.policy.min_provider_share_critical:.0%}, but fewer can host it"
    )


def _n_minus_1(k: _Facts, s: pd.Series, val: float) -> str:
    w = k.sc.workloads[int(s["w_idx"])]
    return (
        f"N-1: without {s['provider']}, workload {w.name} can keep only {max(0.0, 1 - val):.0%} of its "
        f"{k.labels[int(s['t_idx'])]} demand"
    )


def _availability(k: _Facts, s: pd.Series, val: float) -> str:
    o = k.options.set_index("option_id").loc[int(s["option_id"])]
    return (
        f"availability of {o['provider']}/{o['region']}/{o['instance_type']} ({o['pricing_model']}) in "
        f"{k.labels[int(s['t_idx'])]} is short by {val:,.0f} accelerators"
    )


def _carbon(k: _Facts, s: pd.Series, val: float) -> str:
    scope = "horizon" if s["family"] == "carbon" else k.labels[int(s["t_idx"])]
    return f"carbon budget ({scope}) is short by {val:,.1f} tCO2e"


def _rollout_pilot(k: _Facts, s: pd.Series, val: float) -> str:
    val *= ROLLOUT_SLACK_UNIT
    limit = float(s["limit"])
    cap = f"{limit:,.0f} accelerators" if s["cap"] == "accelerators" else f"{limit:.0%} of the period's accelerators"
    return (
        f"the rollout pilot of {s['kind']} {s['entity']} caps it at {cap} in {k.labels[int(s['t_idx'])]}: "
        f"the plan needs about {val:,.1f} accelerators more there"
    )


def _rollout_ramp(k: _Facts, s: pd.Series, val: float) -> str:
    val *= ROLLOUT_SLACK_UNIT
    limit = float(s["limit"])
    floor = f"{limit:,.0f}" if s["cap"] == "accelerators" else f"{limit:.0%} of the period's accelerators"
    return (
        f"the rollout ramp of {s['kind']} {s['entity']} (x{float(s['growth']):g} per period + {floor}) is short by "
        f"{val:,.1f} accelerators in {k.labels[int(s['t_idx'])]}"
    )


def _rollout_critical(k: _Facts, s: pd.Series, val: float) -> str:
    val *= ROLLOUT_SLACK_UNIT
    return (
        f"critical workloads need provider {s['entity']} during its rollout pilot in {k.labels[int(s['t_idx'])]} "
        f"({val:,.1f} accelerators)"
    )


def _skills(k: _Facts, s: pd.Series, val: float) -> str:
    w = k.sc.workloads[int(s["w_idx"])]
    t = int(s["t_idx"])
    terms = adoption_terms(k.sc.team, k.sc.horizon.period)[str(s["stack"])]
    mine = k.cand[(k.cand["w_idx"] == int(s["w_idx"])) & (k.cand["t_idx"] == t)]
    accs = sorted({a for a in mine["accelerator"].astype(str) if stack_for(resolve_accelerator(a)) == terms.stack})
    name = STACKS[terms.stack].display_name
    head = f"workload {w.name} in {k.labels[t]}: accelerator {', '.join(accs)} needs {name}"
    if t < terms.lead_periods:
        ready = k.labels[terms.lead_periods] if terms.lead_periods < len(k.labels) else "after the horizon"
        return (
            f"{head}, which the team (level {terms.level}) can use no earlier than {ready} "
            f"({terms.lead_periods} period(s) of adoption)"
        )
    return f"{head}, whose adoption (${terms.cost_usd:,.0f}) does not fit the other requirements"


_REASONS: dict[str, _Why] = {
    "coverage": _coverage,
    "availability": _availability,
    "diversity": _diversity,
    "n_minus_1": _n_minus_1,
    "provider_share": _share,
    "vendor_share": _share,
    "budget": _budget,
    "carbon": _carbon,
    "carbon_period": _carbon,
    "rollout_pilot": _rollout_pilot,
    "rollout_ramp": _rollout_ramp,
    "rollout_critical": _rollout_critical,
    "skills": _skills,
}
"""The sentence for each elastic slack of the registered families (a test checks none is missing)."""


def _describe(k: _Facts, s: pd.Series, val: float) -> str:
    why = _REASONS.get(s["family"])
    if why is None:
        return f"{s['family']}: relaxed by {val:g}"
    return why(k, s, val)
