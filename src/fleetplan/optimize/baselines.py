"""Baselines solved on the same scenario and shown beside every plan.

* single-provider on-demand: what most companies do today. Every workload on one provider's
  on-demand capacity; workloads that provider cannot host (e.g. on-prem-only) stay on the
  organization's existing servers. The cheapest provider that hosts all the rest is reported.
* greedy per-job brokering: what per-job brokers do. Workloads in start order, each alone on its
  cheapest eligible offering that still has capacity: existing owned servers first, then renting
  on-demand (or spot where tolerated); never buying or reserving. It ignores share caps, budgets
  and N-1; the verifier names every policy it breaks.
* LP relaxation bound: no plan can cost less (computed by the planner from the same model).
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import pandas as pd

from fleetplan.catalog.hardware import resolve_accelerator
from fleetplan.model.period import hours_per_period, parse_period
from fleetplan.model.plan import Baseline, Plan, SolveResult, SolveStatus
from fleetplan.model.scenario import Scenario, own_providers
from fleetplan.model.team import adoption_terms, stack_for
from fleetplan.optimize.extract import ALLOCATION_COLUMNS, PURCHASE_COLUMNS, RESERVATION_COLUMNS, SKILLS_COLUMNS
from fleetplan.optimize.formulation import owned_pools
from fleetplan.verify.checks import PlanCosts, recompute_costs, verify_plan

__all__ = ["greedy_baseline", "single_provider_baseline"]

_EMPTY_SOLVE = SolveResult(
    status=SolveStatus.OPTIMAL,
    termination="baseline",
    objective_usd=None,
    dual_bound_usd=None,
    gap=None,
    time_s=0.0,
    nodes=0,
    variables=0,
    constraints=0,
    integer_variables=0,
)


_ROW_SOURCE = {
    "workload": "workload",
    "kind": "wkind",
    "period": "period",
    "provider": "provider",
    "region": "region",
    "site": "site",
    "server_type": "server_type",
    "instance_type": "instance_type",
    "accelerator": "accelerator",
    "vendor": "vendor",
    "pricing_model": "pricing_model",
    "option_id": "option_id",
}
"""Allocation columns copied from the candidate row (allocation column -> candidate column)."""

_GANG_KINDS = ("train", "finetune")

_Pick = tuple[int, float]
"""A baseline's allocation before it becomes a row: (position in the candidate table, units)."""


class _Columns:
    """The candidate columns the baselines' sequential loops read, as lists by row position."""

    def __init__(self, cand: pd.DataFrame) -> None:
        self.site = cand["site"].tolist()
        self.server_type = cand["server_type"].tolist()
        self.t = cand["t_idx"].tolist()
        self.option = cand["option_id"].tolist()
        self.usage = cand["usage"].tolist()
        self.coverage = cand["coverage"].tolist()
        self.whole = cand["unit"].eq("replicas").to_numpy(dtype=bool, na_value=False).tolist()
        self.cost = cand["cost_usd"].to_numpy(dtype=float)
        self.cover = cand["coverage"].to_numpy(dtype=float)

    def amount(self, i: int, share: float) -> float:
        """Units of candidate ``i`` that cover ``share`` of its period's demand (whole replicas)."""
        units = share / self.coverage[i]
        return math.ceil(units - 1e-9) if self.whole[i] else units


def _groups(
    pos: np.ndarray, keys: tuple[np.ndarray, ...], sort_by: tuple[np.ndarray, ...] = ()
) -> dict[tuple[int, ...], list[int]]:
    """Positions ``pos`` of the candidate table grouped by the integer columns ``keys``: groups in
    ascending key order, each group's positions ordered by ``sort_by``, ties in table order."""
    if not len(pos):
        return {}
    order = np.lexsort(tuple(k[pos] for k in reversed((*keys, *sort_by))))
    p = pos[order]
    kv = np.stack([k[p] for k in keys], axis=1)
    starts = np.flatnonzero(np.r_[True, (kv[1:] != kv[:-1]).any(axis=1)])
    bounds = np.r_[starts, len(p)].tolist()
    plist = p.tolist()
    return {tuple(k): plist[a:b] for k, a, b in zip(kv[starts].tolist(), bounds[:-1], bounds[1:], strict=True)}


def _nest(groups: dict[tuple[int, ...], list[int]]) -> dict[tuple[int, ...], dict[int, list[int]]]:
    """``groups`` split on their last key: per leading keys, the positions per last key (ascending)."""
    out: dict[tuple[int, ...], dict[int, list[int]]] = defaultdict(dict)
    for (*lead, last), grp in groups.items():
        out[tuple(lead)][last] = grp
    return out


def _per_cover(cand: pd.DataFrame) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return cand["cost_usd"].to_numpy(dtype=float) / cand["coverage"].to_numpy(dtype=float)


def _rows(cand: pd.DataFrame, picks: list[_Pick]) -> list[dict[str, object]]:
    """Allocation rows of ``picks``, in order."""
    sub = cand.iloc[[i for i, _ in picks]]
    fixed = {col: sub[src].tolist() for col, src in _ROW_SOURCE.items()}
    serve = sub["unit"].eq("replicas").to_numpy(dtype=bool, na_value=False).tolist()
    per_unit = {col: sub[col].tolist() for col in ("usage", "coverage", "cost_usd", "energy_kwh", "co2e_t")}
    rows = []
    for k, (_, amount) in enumerate(picks):
        row = {col: values[k] for col, values in fixed.items()}
        row.update(
            replicas=amount if serve[k] else np.nan,
            accelerator_hours=amount * per_unit["usage"][k],
            coverage=amount * per_unit["coverage"][k],
            cost_usd=amount * per_unit["cost_usd"][k],
            energy_kwh=amount * per_unit["energy_kwh"][k],
            co2e_t=amount * per_unit["co2e_t"][k],
        )
        rows.append(row)
    return rows


def _plan_from(sc: Scenario, cand: pd.DataFrame, picks: list[_Pick]) -> tuple[Plan, PlanCosts]:
    """The baseline plan of ``picks`` with its recomputed costs (``plan.costs`` is their per-period table)."""
    alloc = pd.DataFrame(_rows(cand, picks), columns=ALLOCATION_COLUMNS)
    empty_p = pd.DataFrame(columns=PURCHASE_COLUMNS)
    empty_r = pd.DataFrame(columns=RESERVATION_COLUMNS)
    plan = Plan(
        sc.name, sc.horizon.labels(), sc.currency, alloc, empty_p, empty_r, pd.DataFrame(), [], [], _EMPTY_SOLVE
    )
    plan.onboarded = sorted(set(alloc["provider"]) - own_providers(sc))
    plan.skills = _first_period_adoptions(sc, alloc)
    costs = recompute_costs(sc, plan)
    plan.costs = costs.by_period
    return plan, costs


def _first_period_adoptions(sc: Scenario, alloc: pd.DataFrame) -> pd.DataFrame:
    """A baseline adopts every software stack its allocations use that the team must adopt, in
    the first period (it pays for them; it ignores their lead time, which its verification then
    reports)."""
    terms = adoption_terms(sc.team, sc.horizon.period)
    if not terms or not len(alloc):
        return pd.DataFrame(columns=SKILLS_COLUMNS)
    labels = sc.horizon.labels()
    of = {a: stack_for(resolve_accelerator(a)) for a in alloc["accelerator"].astype(str).unique()}
    rows = []
    for k in sorted({of[a] for a in of} & set(terms)):  # type: ignore[type-var]
        tm = terms[str(k)]
        accs = sorted(a for a, s in of.items() if s == k)
        ready = labels[tm.lead_periods] if tm.lead_periods < len(labels) else None
        rows.append(
            {
                "stack": k,
                "period": labels[0],
                "ready_period": ready,
                "cost_usd": tm.cost_usd,
                "level_before": tm.level,
                "accelerators": ";".join(accs),
                "note": "baseline: adopted in the first period, lead time ignored",
            }
        )
    return pd.DataFrame(rows, columns=SKILLS_COLUMNS)


def _fill_owned(col: _Columns, grp: list[int], remaining: float, cap: dict, picks: list[_Pick]) -> float:
    """Cover ``remaining`` of a workload-period on existing servers (whole replicas); returns what is left."""
    for i in grp:
        if remaining <= 1e-9:
            break
        key = (col.site[i], col.server_type[i], col.t[i])
        usage = col.usage[i]
        units = min(col.amount(i, remaining), cap.get(key, 0.0) / usage)
        if col.whole[i]:
            units = math.floor(units + 1e-9)
        if units <= 0:
            continue
        cap[key] -= units * usage
        remaining -= units * col.coverage[i]
        picks.append((i, units))
    return remaining


def _existing_capacity(sc: Scenario) -> dict[tuple[str, str, int], float]:
    """Accelerator-hours of existing servers per (site, server type, period)."""
    pools = owned_pools(sc, parse_period(sc.horizon.start, sc.horizon.period))
    H = hours_per_period(sc.horizon.period)
    cap: dict[tuple[str, str, int], float] = {}
    for p in pools.itertuples(index=False):
        for t, n in enumerate(p.existing):
            cap[(p.site, p.server_type, t)] = float(n * p.per_server * H)
    return cap


def _start_order(cand: pd.DataFrame) -> list[int]:
    first_t = cand.groupby("w_idx")["t_idx"].min()
    return sorted(first_t.index, key=lambda w: (int(first_t[w]), int(w)))


def greedy_baseline(sc: Scenario, cand: pd.DataFrame, sizing: pd.DataFrame) -> tuple[Baseline, Plan | None]:
    """Per-job brokering (see module docstring).

    One sort groups the candidates by workload and period (rentals cheapest per unit of coverage
    first); the capacity bookkeeping then runs in start order over plain lists and dicts.
    """
    col = _Columns(cand)
    w_idx = cand["w_idx"].to_numpy()
    t_idx = cand["t_idx"].to_numpy()
    option = cand["option_id"].to_numpy()
    is_rent = cand["pricing_model"].isin(["on_demand", "spot"]).to_numpy(dtype=bool, na_value=False)
    is_owned = cand["source"].eq("owned").to_numpy(dtype=bool, na_value=False)
    gang_w = np.array([w.kind in _GANG_KINDS for w in sc.workloads], dtype=bool)
    gang = gang_w[w_idx]
    rent_wt = _nest(_groups(np.flatnonzero(is_rent & ~gang), (w_idx, t_idx), (_per_cover(cand),)))
    owned_wt = _nest(_groups(np.flatnonzero(is_owned & ~gang), (w_idx, t_idx)))
    gang_owned = _groups(np.flatnonzero(is_owned & gang), (w_idx,))
    gang_rent = _nest(_groups(np.flatnonzero(is_rent & gang), (w_idx, option)))

    cap = _existing_capacity(sc)
    H = hours_per_period(sc.horizon.period)
    avail: dict[tuple[int, int], float] = defaultdict(lambda: math.inf)
    first = cand.loc[is_rent, ["option_id", "avail_accelerators"]].drop_duplicates("option_id")
    for oid, a in zip(first["option_id"].tolist(), first["avail_accelerators"].tolist(), strict=True):
        if np.isfinite(a):
            for t in range(sc.horizon.periods):
                avail[(int(oid), t)] = float(a) * H
    picks: list[_Pick] = []
    unplaced: list[str] = []
    for wi in _start_order(cand):
        w = sc.workloads[wi]
        if w.kind in _GANG_KINDS:
            if not _gang(col, gang_owned.get((wi,), []), gang_rent.get((wi,), {}), cap, picks):
                unplaced.append(w.name)
            continue
        mine_owned = owned_wt.get((wi,), {})
        for t, grp in rent_wt.get((wi,), {}).items():
            remaining = _fill_owned(col, mine_owned.get(t, []), 1.0, cap, picks)
            for i in grp:
                if remaining <= 1e-9:
                    break
                key2 = (col.option[i], t)
                usage = col.usage[i]
                wanted = col.amount(i, remaining)
                units = min(wanted, avail[key2] / usage)
                if col.whole[i]:
                    units = math.floor(units + 1e-9) if units < wanted else units
                if units <= 0:
                    continue
                avail[key2] -= units * usage
                picks.append((i, units))
                remaining -= units * col.coverage[i]
            if remaining > 1e-6 and w.name not in unplaced:
                unplaced.append(w.name)
        if (wi,) not in rent_wt:  # owned-only workload
            for grp in mine_owned.values():
                remaining = _fill_owned(col, grp, 1.0, cap, picks)
                if remaining > 1e-6 and w.name not in unplaced:
                    unplaced.append(w.name)
    plan, costs = _plan_from(sc, cand, picks)
    ver = verify_plan(sc, plan, sizing, check_totals=False, costs=costs)
    detail = f"could not place: {', '.join(unplaced)}" if unplaced else ""
    return (
        Baseline(
            "greedy",
            "per-job brokering: each workload alone on its cheapest eligible offering, existing servers first, "
            "renting only",
            float(plan.costs["total_usd"].sum()),
            ver.ok,
            ver.violations,
            detail,
        ),
        plan,
    )


def _gang(col: _Columns, owned: list[int], rent: dict[int, list[int]], cap: dict, picks: list[_Pick]) -> bool:
    """Place a training run whole: existing servers if they hold it in every period, else the cheapest rental.

    ``owned``: the run's owned candidates in table order; ``rent``: its rental candidates per
    option, options ascending.
    """
    pools: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i in owned:
        site, st = col.site[i], col.server_type[i]
        if isinstance(site, str) and isinstance(st, str):
            pools[(site, st)].append(i)
    for site, st in sorted(pools):
        grp = pools[(site, st)]
        need: dict[int, float] = {}
        for i in grp:
            need.setdefault(col.t[i], col.usage[i] / col.coverage[i])
        if all(cap.get((site, st, t), 0.0) >= h for t, h in need.items()):
            for i in grp:
                units = col.amount(i, 1.0)
                cap[(site, st, col.t[i])] -= units * col.usage[i]
                picks.append((i, units))
            return True
    if not rent:
        return False
    options = list(rent)
    periods = [len({col.t[i] for i in rent[o]}) for o in options]
    full = [o for o, n in zip(options, periods, strict=True) if n == max(periods)]
    total = np.array([_sum_per_cover(col, rent[o]) for o in full])
    best = full[int(np.argsort(total, kind="stable")[0])]
    picks.extend((i, col.amount(i, 1.0)) for i in rent[best])
    return True


def _sum_per_cover(col: _Columns, grp: list[int]) -> float:
    """Cost per unit of coverage summed over ``grp`` (NaN counts as 0), summed as pandas sums a column."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.nansum(col.cost[grp] / col.cover[grp]))


def single_provider_baseline(sc: Scenario, cand: pd.DataFrame, sizing: pd.DataFrame) -> tuple[Baseline, Plan | None]:
    """Cheapest single provider, on-demand only (see module docstring)."""
    w_idx = cand["w_idx"].to_numpy()
    is_od = cand["pricing_model"].eq("on_demand").to_numpy(dtype=bool, na_value=False)
    is_owned = cand["source"].eq("owned").to_numpy(dtype=bool, na_value=False)
    everyone = set(w_idx.tolist())
    owned_ok = set(w_idx[is_owned].tolist())
    pairs = cand.loc[is_od, ["provider", "w_idx"]].dropna(subset=["provider"]).drop_duplicates()
    hosted: dict[str, set[int]] = defaultdict(set)
    for p, wi in zip(pairs["provider"].tolist(), pairs["w_idx"].tolist(), strict=True):
        hosted[p].add(wi)
    # p hosts what it can; the rest must fit on the organization's own servers
    hosts = [p for p in sorted(hosted) if everyone <= hosted[p] | owned_ok]
    if not hosts:
        return Baseline(
            "single_provider_on_demand",
            "one provider, on-demand only",
            None,
            False,
            (),
            "no single provider (with the existing owned servers) can host every workload",
        ), None
    hostable_by = {wi: sum(wi in ws for ws in hosted.values()) for wi in sorted(everyone)}

    col = _Columns(cand)
    t_idx = cand["t_idx"].to_numpy()
    option = cand["option_id"].to_numpy()
    provider = np.full(len(cand), -1)
    for k, p in enumerate(hosts):
        provider[cand["provider"].eq(p).to_numpy(dtype=bool, na_value=False)] = k
    gang = np.array([w.kind in _GANG_KINDS for w in sc.workloads], dtype=bool)[w_idx]
    per_cover = _per_cover(cand)
    od_pos = np.flatnonzero(is_od)
    cheapest = _groups(od_pos, (w_idx, t_idx), (per_cover,))  # any provider
    mine = _nest(_groups(np.flatnonzero(is_od & (provider >= 0) & ~gang), (provider, w_idx, t_idx), (per_cover,)))
    mine_gang = _nest(_groups(np.flatnonzero(is_od & (provider >= 0) & gang), (provider, w_idx, option)))
    owned_wt = _nest(_groups(np.flatnonzero(is_owned), (w_idx, t_idx)))

    best: tuple[tuple[bool, int, float], str, Plan, PlanCosts] | None = None
    best_fallback = 0
    for k, p in enumerate(hosts):
        picks: list[_Pick] = []
        for wi in sorted(hosted[p]):
            if sc.workloads[wi].kind in _GANG_KINDS:
                _gang(col, [], mine_gang.get((k, wi), {}), {}, picks)
                continue
            for grp in mine.get((k, wi), {}).values():
                picks.append((grp[0], col.amount(grp[0], 1.0)))
        cap = _existing_capacity(sc)
        short = False
        fallback = 0
        owned_only = sorted(everyone - hosted[p])
        for wi in owned_only:
            for t, grp in owned_wt.get((wi,), {}).items():
                remaining = _fill_owned(col, grp, 1.0, cap, picks)
                if remaining > 1e-6:  # own servers full or retired: cheapest eligible on-demand anywhere
                    alt = cheapest.get((wi, t))
                    if alt:
                        units = col.amount(alt[0], remaining)
                        picks.append((alt[0], units))
                        remaining -= units * col.coverage[alt[0]]
                        fallback += 1
                short = short or remaining > 1e-6
        plan, costs = _plan_from(sc, cand, picks)
        total = float(plan.costs["total_usd"].sum())
        # providers that place everything come first, then those that host the most themselves
        # (a workload moved off p that many other providers could host counts against p)
        rank = (short, sum(hostable_by[w] for w in owned_only), total)
        if best is None or rank < best[0]:
            best = (rank, p, plan, costs)
            best_fallback = fallback
    assert best is not None
    (_, _, total), provider_name, plan, costs = best
    owned_only = sorted(everyone - hosted[provider_name])
    ver = verify_plan(sc, plan, sizing, check_totals=False, costs=costs)
    kept = f"; {len(owned_only)} workload(s) stay on existing owned servers" if owned_only else ""
    if best_fallback:
        kept += f" ({best_fallback} workload-periods rented elsewhere where those servers are full or retired)"
    return (
        Baseline(
            "single_provider_on_demand",
            f"everything {provider_name} can host on its on-demand capacity (of {len(hosts)} candidate providers, "
            f"the one hosting the most, then cheapest){kept}",
            total,
            ver.ok,
            ver.violations,
            provider_name,
        ),
        plan,
    )
