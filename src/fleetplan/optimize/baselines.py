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

from fleetplan.model.period import hours_per_period, parse_period
from fleetplan.model.plan import Baseline, Plan, SolveResult, SolveStatus
from fleetplan.model.scenario import Scenario, own_providers
from fleetplan.optimize.extract import ALLOCATION_COLUMNS, PURCHASE_COLUMNS, RESERVATION_COLUMNS
from fleetplan.optimize.formulation import owned_pools
from fleetplan.verify.checks import recompute_costs, verify_plan

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


def _plan_from(sc: Scenario, rows: list[dict[str, object]], name: str) -> Plan:
    alloc = pd.DataFrame(rows, columns=ALLOCATION_COLUMNS)
    empty_p = pd.DataFrame(columns=PURCHASE_COLUMNS)
    empty_r = pd.DataFrame(columns=RESERVATION_COLUMNS)
    plan = Plan(
        sc.name, sc.horizon.labels(), sc.currency, alloc, empty_p, empty_r, pd.DataFrame(), [], [], _EMPTY_SOLVE
    )
    plan.onboarded = sorted(set(alloc["provider"]) - own_providers(sc))
    plan.costs = recompute_costs(sc, plan).by_period
    return plan


def _row(c: pd.Series, amount: float) -> dict[str, object]:
    serve = c["unit"] == "replicas"
    return {
        "workload": c["workload"],
        "kind": c["wkind"],
        "period": c["period"],
        "provider": c["provider"],
        "region": c["region"],
        "site": c["site"],
        "server_type": c["server_type"],
        "instance_type": c["instance_type"],
        "accelerator": c["accelerator"],
        "vendor": c["vendor"],
        "pricing_model": c["pricing_model"],
        "option_id": c["option_id"],
        "replicas": amount if serve else np.nan,
        "accelerator_hours": amount * c["usage"],
        "coverage": amount * c["coverage"],
        "cost_usd": amount * c["cost_usd"],
        "energy_kwh": amount * c["energy_kwh"],
        "co2e_t": amount * c["co2e_t"],
    }


def _amount_for(c: pd.Series, share: float) -> float:
    """Units of candidate ``c`` that cover ``share`` of its period's demand (whole replicas)."""
    units = share / c["coverage"]
    return math.ceil(units - 1e-9) if c["unit"] == "replicas" else units


def _fill_owned(grp: pd.DataFrame, remaining: float, cap: dict, rows: list) -> float:
    """Cover ``remaining`` of a workload-period on existing servers (whole replicas); returns what is left."""
    for _, c in grp.iterrows():
        if remaining <= 1e-9:
            break
        key = (c["site"], c["server_type"], int(c["t_idx"]))
        units = min(_amount_for(c, remaining), cap.get(key, 0.0) / c["usage"])
        if c["unit"] == "replicas":
            units = math.floor(units + 1e-9)
        if units <= 0:
            continue
        cap[key] -= units * c["usage"]
        remaining -= units * c["coverage"]
        rows.append(_row(c, units))
    return remaining


def _existing_capacity(sc: Scenario) -> dict[tuple[str, str, int], float]:
    """Accelerator-hours of existing servers per (site, server type, period)."""
    pools = owned_pools(sc, parse_period(sc.horizon.start, sc.horizon.period))
    H = hours_per_period(sc.horizon.period)
    cap: dict[tuple[str, str, int], float] = {}
    for _, p in pools.iterrows():
        for t, n in enumerate(p["existing"]):
            cap[(p["site"], p["server_type"], t)] = float(n * p["per_server"] * H)
    return cap


def _start_order(sc: Scenario, cand: pd.DataFrame) -> list[int]:
    first_t = cand.groupby("w_idx")["t_idx"].min()
    return sorted(first_t.index, key=lambda w: (int(first_t[w]), int(w)))


def greedy_baseline(sc: Scenario, cand: pd.DataFrame, sizing: pd.DataFrame) -> tuple[Baseline, Plan | None]:
    """Per-job brokering (see module docstring)."""
    rent = cand[cand["pricing_model"].isin(["on_demand", "spot"])]
    owned = cand[cand["source"].eq("owned")]
    cap = _existing_capacity(sc)
    H = hours_per_period(sc.horizon.period)
    avail: dict[tuple[int, int], float] = defaultdict(lambda: math.inf)
    for oid, a in rent.drop_duplicates("option_id").set_index("option_id")["avail_accelerators"].items():
        if np.isfinite(a):
            for t in range(sc.horizon.periods):
                avail[(int(oid), t)] = float(a) * H
    rows: list[dict[str, object]] = []
    unplaced: list[str] = []
    for wi in _start_order(sc, cand):
        w = sc.workloads[wi]
        mine_owned = owned[owned["w_idx"] == wi]
        mine_rent = rent[rent["w_idx"] == wi].assign(per_cover=lambda d: d["cost_usd"] / d["coverage"])
        if w.kind in ("train", "finetune"):
            placed = _greedy_gang(mine_owned, mine_rent, cap, rows)
            if not placed:
                unplaced.append(w.name)
            continue
        for t, grp in mine_rent.groupby("t_idx"):
            remaining = 1.0
            remaining = _fill_owned(mine_owned[mine_owned["t_idx"] == t], remaining, cap, rows)
            for _, c in grp.sort_values("per_cover", kind="stable").iterrows():
                if remaining <= 1e-9:
                    break
                key2 = (int(c["option_id"]), int(t))
                units = min(_amount_for(c, remaining), avail[key2] / c["usage"])
                if c["unit"] == "replicas":
                    units = math.floor(units + 1e-9) if units < _amount_for(c, remaining) else units
                if units <= 0:
                    continue
                avail[key2] -= units * c["usage"]
                rows.append(_row(c, units))
                remaining -= units * c["coverage"]
            if remaining > 1e-6 and w.name not in unplaced:
                unplaced.append(w.name)
        if mine_rent.empty:  # owned-only workload
            for _, grp in mine_owned.groupby("t_idx"):
                remaining = _fill_owned(grp, 1.0, cap, rows)
                if remaining > 1e-6 and w.name not in unplaced:
                    unplaced.append(w.name)
    plan = _plan_from(sc, rows, "greedy")
    ver = verify_plan(sc, plan, sizing, check_totals=False)
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


def _greedy_gang(owned: pd.DataFrame, rent: pd.DataFrame, cap: dict, rows: list) -> bool:
    """Place a training run whole: existing servers if they hold it in every period, else the cheapest rental."""
    for (site, st), grp in owned.groupby(["site", "server_type"], sort=True):
        need = {int(t): float(g["usage"].iloc[0] / g["coverage"].iloc[0]) for t, g in grp.groupby("t_idx")}
        if all(cap.get((site, st, t), 0.0) >= h for t, h in need.items()):
            for _, c in grp.iterrows():
                units = _amount_for(c, 1.0)
                cap[(site, st, int(c["t_idx"]))] -= units * c["usage"]
                rows.append(_row(c, units))
            return True
    if rent.empty:
        return False
    total = rent.groupby("option_id").apply(
        lambda g: float((g["cost_usd"] / g["coverage"]).sum()), include_groups=False
    )
    periods = rent.groupby("option_id")["t_idx"].nunique()
    full = periods[periods == periods.max()].index
    best = total.loc[full].sort_values(kind="stable").index[0]
    for _, c in rent[rent["option_id"] == best].iterrows():
        rows.append(_row(c, _amount_for(c, 1.0)))
    return True


def single_provider_baseline(sc: Scenario, cand: pd.DataFrame, sizing: pd.DataFrame) -> tuple[Baseline, Plan | None]:
    """Cheapest single provider, on-demand only (see module docstring)."""
    od = cand[cand["pricing_model"].eq("on_demand")]
    owned = cand[cand["source"].eq("owned")]
    everyone = set(cand["w_idx"])
    owned_ok = set(owned["w_idx"])
    hosts = []
    for p, grp in od.groupby("provider"):
        # p hosts what it can; the rest must fit on the organization's own servers
        if everyone <= set(grp["w_idx"]) | owned_ok:
            hosts.append(p)
    if not hosts:
        return Baseline(
            "single_provider_on_demand",
            "one provider, on-demand only",
            None,
            False,
            (),
            "no single provider (with the existing owned servers) can host every workload",
        ), None
    hostable_by = od.groupby("w_idx")["provider"].nunique().reindex(sorted(everyone)).fillna(0).astype(int).to_dict()
    best: tuple[tuple[bool, int, float], str, Plan] | None = None
    best_fallback = 0
    for p in sorted(hosts):
        rows: list[dict[str, object]] = []
        mine = od[od["provider"] == p].assign(per_cover=lambda d: d["cost_usd"] / d["coverage"])
        for wi, wgrp in mine.groupby("w_idx"):
            if sc.workloads[int(wi)].kind in ("train", "finetune"):
                _greedy_gang(owned.iloc[0:0], wgrp, {}, rows)
                continue
            for _, grp in wgrp.groupby("t_idx"):
                c = grp.sort_values("per_cover", kind="stable").iloc[0]
                rows.append(_row(c, _amount_for(c, 1.0)))
        cap = _existing_capacity(sc)
        short = False
        fallback = 0
        owned_only = sorted(everyone - set(mine["w_idx"]))
        for wi in owned_only:
            for t, grp in owned[owned["w_idx"] == wi].groupby("t_idx"):
                remaining = _fill_owned(grp, 1.0, cap, rows)
                if remaining > 1e-6:  # own servers full or retired: cheapest eligible on-demand anywhere
                    alt = od[(od["w_idx"] == wi) & (od["t_idx"] == t)]
                    if len(alt):
                        c = alt.assign(pc=alt["cost_usd"] / alt["coverage"]).sort_values("pc", kind="stable").iloc[0]
                        units = _amount_for(c, remaining)
                        rows.append(_row(c, units))
                        remaining -= units * c["coverage"]
                        fallback += 1
                short = short or remaining > 1e-6
        plan = _plan_from(sc, rows, f"single:{p}")
        total = float(plan.costs["total_usd"].sum())
        # providers that place everything come first, then those that host the most themselves
        # (a workload moved off p that many other providers could host counts against p)
        rank = (short, sum(hostable_by[w] for w in owned_only), total)
        if best is None or rank < best[0]:
            best = (rank, p, plan)
            best_fallback = fallback
    assert best is not None
    (_, _, total), provider, plan = best
    owned_only = sorted(everyone - set(od.loc[od["provider"] == provider, "w_idx"]))
    ver = verify_plan(sc, plan, sizing, check_totals=False)
    kept = f"; {len(owned_only)} workload(s) stay on existing owned servers" if owned_only else ""
    if best_fallback:
        kept += f" ({best_fallback} workload-periods rented elsewhere where those servers are full or retired)"
    return (
        Baseline(
            "single_provider_on_demand",
            f"everything {provider} can host on its on-demand capacity (of {len(hosts)} candidate providers, the one "
            f"hosting the most, then cheapest){kept}",
            total,
            ver.ok,
            ver.violations,
            provider,
        ),
        plan,
    )
