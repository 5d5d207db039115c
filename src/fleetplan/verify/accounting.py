"""Summaries of a plan: spend by owner, policy status (binding or slack).

:func:`policy_status` reads the verifier's cost ledger (:func:`~fleetplan.verify.recompute_costs`).
:func:`spend_by` sums the plan's own tables (the optimizer's figures, which the verifier has
matched to 1e-5): the ``fleetplan.plan/1`` spend by pricing model comes from it.
"""

from __future__ import annotations

import pandas as pd

from fleetplan.catalog.hardware import resolve_accelerator
from fleetplan.energy.plan_tables import installed_kw
from fleetplan.model.plan import Plan, PolicyStatus
from fleetplan.model.policy import min_providers
from fleetplan.model.scenario import Scenario
from fleetplan.model.site import server_kw
from fleetplan.model.team import adoption_terms, stack_for
from fleetplan.verify.checks import COVER_TOL, SHARE_TOL, PlanCosts, recompute_costs
from fleetplan.verify.rollout import rollout_status

__all__ = [
    "SPEND_KEYS",
    "STACKS_NEEDED_COLUMNS",
    "counted_providers",
    "period_spend",
    "policy_status",
    "spend_by",
    "stacks_needed",
]

_BIND = 1e-3
_COMMITTED_AS = {"reservation": "committed", "savings_plan": "savings_plan"}
"""The pricing model under which an existing commitment's spend is reported."""


SPEND_KEYS = ("period", "provider", "vendor", "pricing_model", "category")
"""The columns of :func:`period_spend`'s table, besides ``usd``."""


def period_spend(costs: PlanCosts) -> pd.DataFrame:
    """The verifier's ledger summed per (period, provider, vendor, pricing model, category): what
    the plan pays, where and how, period by period (``usd``; missing owners are empty strings)."""
    ledger = costs.ledger
    if ledger.empty:
        return pd.DataFrame(columns=[*SPEND_KEYS, "usd"])
    keys = ledger[list(SPEND_KEYS)].astype(object).where(ledger[list(SPEND_KEYS)].notna(), "").astype(str)
    table = keys.assign(usd=ledger["usd"].astype(float)).groupby(list(SPEND_KEYS), sort=False, as_index=False)["usd"]
    return table.sum()


def spend_by(plan: Plan, column: str) -> pd.Series:
    """Horizon spend (USD) by ``provider``, ``vendor``, ``pricing_model`` or ``workload``.

    Allocations carry their marginal cost; reservations, purchases, onboarding, existing opex and
    existing commitments (their committed cost less the savings plans' credit) are added to
    ``provider``/``pricing_model`` groupings where they belong (not to ``workload``).
    """
    parts = [plan.allocations.groupby(column)["cost_usd"].sum()] if len(plan.allocations) else []
    if column in ("provider", "pricing_model") and len(plan.reservations):
        key = plan.reservations[column]
        parts.append(plan.reservations.groupby(key)["in_horizon_usd"].sum())
    cm = plan.commitments
    if column in ("provider", "pricing_model") and len(cm):
        # existing commitments: committed cost, less the on-demand spend savings plans cover
        net = cm["committed_usd"] - cm["credit_used_usd"].fillna(0.0)
        key = cm["provider"] if column == "provider" else cm["kind"].map(_COMMITTED_AS)
        parts.append(net.groupby(key.to_numpy()).sum())
    if column == "pricing_model" and len(plan.purchases):
        owned = plan.costs["purchases_usd"].sum() + plan.costs["existing_opex_usd"].sum()
        parts.append(pd.Series({"owned": owned}))
    out = pd.concat(parts).groupby(level=0).sum() if parts else pd.Series(dtype=float)
    return out.sort_values(ascending=False)


def counted_providers(alloc: pd.DataFrame, min_share: float) -> int:
    """Providers that carry at least ``min_share`` of one workload's demand in every period it
    runs (``alloc``: that workload's allocations). Providers with smaller shares do not count."""
    if alloc.empty:
        return 0
    share = alloc.pivot_table(index="period", columns="provider", values="coverage", aggfunc="sum", fill_value=0.0)
    return int((share >= min_share - COVER_TOL).all(axis=0).sum())


def policy_status(sc: Scenario, plan: Plan, costs: PlanCosts | None = None) -> list[PolicyStatus]:
    """Every active policy with its limit, the plan's value and whether it binds (within 0.1 %)."""
    pol = sc.policy
    costs = costs or recompute_costs(sc, plan)
    total = float(costs.by_period["total_usd"].sum())
    out: list[PolicyStatus] = []

    def add(policy: str, scope: str, limit: float, value: float, unit: str) -> None:
        binding = value >= limit * (1 - _BIND) - 1e-9
        tol = SHARE_TOL if unit == "share" else limit * 1e-5 + 1e-6
        out.append(PolicyStatus(policy, scope, float(limit), float(value), unit, binding, value <= limit + tol))

    for name, usd in sorted(costs.by_provider.items()):
        cap = pol.provider_share_caps.get(name, pol.max_provider_share)
        if cap is not None and total > 0:
            add("provider_share", name, cap, usd / total, "share")
    for name, usd in sorted(costs.by_vendor.items()):
        cap = pol.chip_vendor_share_caps.get(name, pol.max_chip_vendor_share)
        if cap is not None and total > 0:
            add("chip_vendor_share", name, cap, usd / total, "share")
    for t, label in enumerate(sc.horizon.labels()):
        budget = pol.budgets_usd.get(label, pol.budget_usd_per_period)
        if budget is not None:
            add("budget", label, budget, float(costs.by_period["total_usd"].iloc[t]), "usd")
    co2 = costs.by_period["co2e_t"]
    if pol.carbon_budget_tco2e is not None:
        add("carbon_budget", "horizon", pol.carbon_budget_tco2e, float(co2.sum()), "tco2e")
    if pol.carbon_budget_tco2e_per_period is not None:
        for label, value in zip(sc.horizon.labels(), co2, strict=True):
            add("carbon_budget", label, pol.carbon_budget_tco2e_per_period, float(value), "tco2e")
    alloc = plan.allocations
    for w in sc.workloads:
        m = min_providers(w, pol)
        if m > 1 and w.name not in plan.dropped_workloads:
            n = counted_providers(alloc[alloc["workload"] == w.name], pol.min_provider_share_critical)
            out.append(PolicyStatus("min_providers", w.name, float(m), float(n), "providers", n <= m, n >= m))
    types = {t.name: t for t in sc.server_types}
    for site in sc.sites:
        kw = installed_kw(sc, plan, site)
        peak = float(kw.max()) if len(kw) else 0.0
        kws = (server_kw(types[n], resolve_accelerator(types[n].accelerator), site.pue) for n in site.buyable)
        smallest = min(kws, default=float("inf"))
        headroom = site.power_capacity_kw - peak
        out.append(
            PolicyStatus(
                "site_power",
                site.name,
                site.power_capacity_kw,
                peak,
                "kw",
                headroom < smallest,
                peak <= site.power_capacity_kw * (1 + 1e-6),
            )
        )
    out.extend(rollout_status(sc, plan))
    return out


STACKS_NEEDED_COLUMNS = ("stack", "level", "accelerators", "first_period", "adopted_period", "ready_period", "gap")
"""The columns of :func:`stacks_needed`."""


def stacks_needed(sc: Scenario, plan: Plan) -> pd.DataFrame:
    """Every software stack the plan's allocations use, with the team's level in it: the
    accelerators that need it (``;``-separated), the first period it runs, and for a gap (a level
    below ``expert``) the period its adoption starts and the first period it is ready (from
    ``plan.skills``). Empty without a ``team``: no stack needs adoption then."""
    if sc.team is None or not len(plan.allocations):
        return pd.DataFrame(columns=list(STACKS_NEEDED_COLUMNS))
    labels = sc.horizon.labels()
    t_of = {p: i for i, p in enumerate(labels)}
    terms = adoption_terms(sc.team, sc.horizon.period)
    alloc = plan.allocations
    of = {a: stack_for(resolve_accelerator(a)) for a in alloc["accelerator"].astype(str).unique()}
    stack = alloc["accelerator"].astype(str).map(of)
    adopted = {str(r["stack"]): r for r in plan.skills.to_dict("records")} if len(plan.skills) else {}
    rows = []
    for k, grp in alloc[stack.notna()].groupby(stack[stack.notna()], sort=True):
        first = min(t_of[p] for p in grp["period"])
        a = adopted.get(str(k), {})
        rows.append(
            {
                "stack": k,
                "level": sc.team.level(str(k)),
                "accelerators": ";".join(sorted(grp["accelerator"].astype(str).unique())),
                "first_period": labels[first],
                "adopted_period": a.get("period"),
                "ready_period": a.get("ready_period"),
                "gap": str(k) in terms,
            }
        )
    return pd.DataFrame(rows, columns=list(STACKS_NEEDED_COLUMNS))
