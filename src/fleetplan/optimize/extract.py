"""Turn a solution vector into the plan's tables (allocations, purchases, reservations, costs)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fleetplan._format import money
from fleetplan.catalog.hardware import resolve_accelerator
from fleetplan.data.stacks import STACKS
from fleetplan.model.commitment import credit_limit_usd
from fleetplan.model.period import format_period, parse_period
from fleetplan.model.scenario import Scenario
from fleetplan.model.team import stack_for
from fleetplan.optimize.formulation import Formulation, Var
from fleetplan.optimize.pricing_pools import split_pool_amounts
from fleetplan.verify.checks import COST_CATEGORIES

__all__ = [
    "ALLOCATION_COLUMNS",
    "COMMITMENT_COLUMNS",
    "CREDIT_COLUMNS",
    "PURCHASE_COLUMNS",
    "RESERVATION_COLUMNS",
    "SKILLS_COLUMNS",
    "extract_tables",
]

ALLOCATION_COLUMNS = [
    "workload",
    "kind",
    "period",
    "provider",
    "region",
    "site",
    "server_type",
    "instance_type",
    "accelerator",
    "vendor",
    "pricing_model",
    "option_id",
    "replicas",
    "accelerator_hours",
    "coverage",
    "cost_usd",
    "energy_kwh",
    "co2e_t",
]

RESERVATION_COLUMNS = [
    "option_id",
    "provider",
    "region",
    "instance_type",
    "accelerator",
    "pricing_model",
    "start_period",
    "end_period",
    "term_periods",
    "instances",
    "accelerators",
    "in_horizon_usd",
    "committed_usd",
]

PURCHASE_COLUMNS = [
    "site",
    "provider",
    "server_type",
    "accelerator",
    "period_ordered",
    "period_in_service",
    "servers",
    "accelerators",
    "capex_usd",
    "power_kw",
]

COMMITMENT_COLUMNS = [
    "commitment",
    "kind",
    "provider",
    "region",
    "instance_type",
    "period",
    "committed_usd",
    "available_hours",
    "used_hours",
    "credit_limit_usd",
    "credit_used_usd",
    "utilization_pct",
]
"""One row per (existing commitment, period it covers). Reservations fill the hours (available:
count x accelerators x H), savings plans the credit (limit: C / (1 - discount)); ``utilization``
is 100 x used / available of either."""

SKILLS_COLUMNS = ["stack", "period", "ready_period", "cost_usd", "level_before", "accelerators", "note"]
"""One row per software stack the plan adopts: the period adoption starts (and its cost is paid),
the first period the stack may run production work (``ready_period``, None when after the
horizon), the team's level before, the accelerators of the plan that need it (``;``-separated)
and a one-line note."""

_TOL = 1e-6


def _block(f: Formulation, var: Var, x: np.ndarray) -> np.ndarray:
    b = f.model.columns[var]
    return x[b.start : b.start + b.size]


def _priced_rows(
    f: Formulation, x: np.ndarray, y: np.ndarray, options: pd.DataFrame
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Candidate-like rows with their amounts, pooled placements split by how they are paid.

    A pooled placement row (see :mod:`~fleetplan.optimize.pricing_pools`) becomes one row on
    demand and one per reservation it draws on, each with the share of the pool-period's hours
    that way of paying covers (the same share for every workload of the pool). Returns (rows,
    amount per row, on-demand hours per pool-period).
    """
    cand = f.cand
    pool = cand["pool"].to_numpy()
    plain = (pool < 0) & (y > _TOL)
    parts = [cand[plain]]
    amounts = [y[plain]]
    n_pp = len(f.pool_periods)
    od_hours = np.zeros(n_pp)
    if n_pp:
        pooled = np.flatnonzero((pool >= 0) & (y > _TOL))
        pp = pool[pooled]
        use = np.bincount(pp, weights=y[pooled] * cand["usage"].to_numpy()[pooled], minlength=n_pp)
        rho = _block(f, Var.DRAW, x)
        d_pp = f.pool_draws["pp"].to_numpy(dtype=np.int64)
        share_d, share_od, od_hours = split_pool_amounts(use, np.maximum(rho, 0.0), d_pp, n_pp)
        share_od = np.where(f.pool_periods["has_od"].to_numpy(dtype=bool), share_od, 0.0)
        head = cand.iloc[pooled]
        # on demand: the placement at its on-demand rate
        od_amt = y[pooled] * share_od[pp]
        rate = options.set_index("option_id")["usd_per_accelerator_hour"]
        od_rows = head.assign(
            pricing_model="on_demand",
            option_id=f.pool_periods["option_id"].to_numpy()[pp],
        )
        od_rows = od_rows.assign(
            cost_usd=od_rows["cost_usd"].to_numpy()
            + od_rows["usage"].to_numpy() * od_rows["option_id"].map(rate).to_numpy()
        )
        parts.append(od_rows[od_amt > _TOL])
        amounts.append(od_amt[od_amt > _TOL])
        # reservations: one row per (placement, reservation drawn on)
        by_pp = pd.DataFrame({"pos": np.arange(len(pooled)), "pp": pp})
        draws = f.pool_draws.assign(share=share_d).merge(by_pp, on="pp")
        r_amt = y[pooled][draws["pos"].to_numpy()] * draws["share"].to_numpy()
        pm = options.set_index("option_id")["pricing_model"]
        r_rows = head.iloc[draws["pos"].to_numpy()].assign(
            option_id=draws["option_id"].to_numpy(), pricing_model=draws["option_id"].map(pm).to_numpy()
        )
        keep = r_amt > _TOL
        parts.append(r_rows[keep])
        amounts.append(r_amt[keep])
    return pd.concat(parts, ignore_index=True), np.concatenate(amounts), od_hours


def extract_tables(sc: Scenario, f: Formulation, x: np.ndarray, options: pd.DataFrame) -> dict[str, object]:
    """Plan tables from solution ``x``; integers are rounded, tiny amounts dropped."""
    labels = sc.horizon.labels()
    cand = f.cand
    y = _block(f, Var.PLACEMENT, x).copy()
    serve = cand["unit"].eq("replicas").to_numpy()
    y[serve] = np.round(y[serve])
    rows, amount, od_hours = _priced_rows(f, x, y, options)
    a = rows
    alloc = pd.DataFrame(
        {
            "workload": a["workload"].to_numpy(),
            "kind": a["wkind"].to_numpy(),
            "period": a["period"].to_numpy(),
            "provider": a["provider"].to_numpy(),
            "region": a["region"].to_numpy(),
            "site": a["site"].to_numpy(),
            "server_type": a["server_type"].to_numpy(),
            "instance_type": a["instance_type"].to_numpy(),
            "accelerator": a["accelerator"].to_numpy(),
            "vendor": a["vendor"].to_numpy(),
            "pricing_model": a["pricing_model"].to_numpy(),
            "option_id": a["option_id"].to_numpy(),
            "replicas": np.where(a["unit"].eq("replicas").to_numpy(), amount, np.nan),
            "accelerator_hours": amount * a["usage"].to_numpy(),
            "coverage": amount * a["coverage"].to_numpy(),
            "cost_usd": amount * a["cost_usd"].to_numpy(),
            "energy_kwh": amount * a["energy_kwh"].to_numpy(),
            "co2e_t": amount * a["co2e_t"].to_numpy(),
        },
        columns=ALLOCATION_COLUMNS,
    )
    alloc["_t"] = a["t_idx"].to_numpy()
    alloc, e_used = _committed_rows(f, x, alloc, options)
    sp_used = _credits_used(f, x, alloc, options)
    alloc = alloc.sort_values(["workload", "_t", "provider", "region", "instance_type", "pricing_model"], kind="stable")
    alloc = alloc.drop(columns="_t").reset_index(drop=True)

    first = parse_period(sc.horizon.start, sc.horizon.period)
    opt = options.set_index("option_id")
    # reservations
    res_rows = []
    if len(f.reservations):
        n = np.round(_block(f, Var.RESERVE, x))
        for (_, r), count in zip(f.reservations.iterrows(), n, strict=True):
            if count < 0.5:
                continue
            o = opt.loc[int(r["option_id"])]
            res_rows.append(
                {
                    "option_id": int(r["option_id"]),
                    "provider": o["provider"],
                    "region": o["region"],
                    "instance_type": o["instance_type"],
                    "accelerator": o["accelerator"],
                    "pricing_model": o["pricing_model"],
                    "start_period": labels[int(r["start"])],
                    "end_period": format_period(first + int(r["start"]) + int(r["term"]) - 1, sc.horizon.period),
                    "term_periods": int(r["term"]),
                    "instances": int(count),
                    "accelerators": int(count) * int(o["accelerator_count"]),
                    "in_horizon_usd": float(
                        count * r["per_instance_usd"] * min(int(r["term"]), sc.horizon.periods - int(r["start"]))
                    ),
                    "committed_usd": float(count * r["per_instance_usd"] * int(r["term"])),
                }
            )
    reservations = pd.DataFrame(
        res_rows,
        columns=RESERVATION_COLUMNS,
    )
    # purchases
    buy_rows = []
    if len(f.purchases):
        bvals = np.round(_block(f, Var.BUY, x))
        pools = f.pools.reset_index(drop=True)
        for (_, r), count in zip(f.purchases.iterrows(), bvals, strict=True):
            if count < 0.5:
                continue
            pool = pools.loc[int(r["pool"])]
            buy_rows.append(
                {
                    "site": r["site"],
                    "provider": pool["provider"],
                    "server_type": r["server_type"],
                    "accelerator": pool["accelerator"],
                    "period_ordered": labels[int(r["order"])],
                    "period_in_service": labels[int(r["service"])],
                    "servers": int(count),
                    "accelerators": int(count) * int(pool["per_server"]),
                    "capex_usd": float(count * pool["capex_usd"]),
                    "power_kw": float(count * pool["server_kw"]),
                }
            )
    purchases = pd.DataFrame(
        buy_rows,
        columns=PURCHASE_COLUMNS,
    )
    # costs per period by category, from the spend matrix (solver side)
    x_r = x.copy()
    yb = f.model.columns[Var.PLACEMENT]
    x_r[yb.start : yb.start + yb.size] = y
    hb = f.model.columns[Var.ON_DEMAND]
    x_r[hb.start : hb.start + hb.size] = od_hours  # what the pools use, not a solver's slack
    for var, used in ((Var.COMMITTED, e_used), (Var.CREDIT, sp_used)):
        if var in f.model.columns:
            blk = f.model.columns[var]
            x_r[blk.start : blk.start + blk.size] = used
    for var in (Var.RESERVE, Var.BUY, Var.GANG, Var.ONBOARD, Var.COUNTED, Var.SERVED, Var.ADOPTED):
        if var not in f.model.columns:
            continue
        blk = f.model.columns[var]
        x_r[blk.start : blk.start + blk.size] = np.round(x_r[blk.start : blk.start + blk.size])
    S = f.spend
    cats = np.full(S.shape[1], "", dtype=object)
    pm = cand["pricing_model"].to_numpy()
    cats[yb.start : yb.start + yb.size] = np.where(pm == "owned", "owned_energy_usd", "rented_usd")
    for var, label in (
        (Var.COMMITTED, "rented_usd"),  # credits against on-demand rent
        (Var.CREDIT, "rented_usd"),
        (Var.ON_DEMAND, "rented_usd"),
        (Var.RESERVE, "reserved_usd"),
        (Var.BUY, "purchases_usd"),
        (Var.ONBOARD, "onboarding_usd"),
        (Var.ADOPTED, "skills_usd"),
    ):
        if var in f.model.columns:
            blk = f.model.columns[var]
            cats[blk.start : blk.start + blk.size] = label
    per_col = S.multiply(x_r[np.newaxis, :]).tocsc()
    costs = pd.DataFrame({"period": labels})
    for label in ("rented_usd", "reserved_usd", "owned_energy_usd", "purchases_usd", "onboarding_usd", "skills_usd"):
        mask = cats == label
        costs[label] = np.asarray(per_col[:, np.flatnonzero(mask)].sum(axis=1)).ravel() if mask.any() else 0.0
    fixed = f.fixed_spend.to_numpy().sum(axis=1) if f.fixed_spend.size else np.zeros(len(labels))
    committed = np.zeros(len(labels))
    if len(f.committed):
        np.add.at(committed, f.committed["t_idx"].to_numpy(dtype=np.int64), f.committed["usd"].to_numpy(dtype=float))
    costs["existing_opex_usd"] = fixed - committed
    costs["committed_usd"] = committed
    costs["total_usd"] = costs[list(COST_CATEGORIES)].sum(axis=1)
    costs["discounted_usd"] = costs["total_usd"] * f.discount
    t_of = {p: i for i, p in enumerate(labels)}
    e = alloc.groupby(alloc["period"].map(t_of))[["energy_kwh", "co2e_t"]].sum()
    costs["energy_kwh"] = e["energy_kwh"].reindex(range(len(labels))).fillna(0.0).to_numpy()
    costs["co2e_t"] = e["co2e_t"].reindex(range(len(labels))).fillna(0.0).to_numpy()

    onboarded = []
    if len(f.onboard):
        u = np.round(_block(f, Var.ONBOARD, x))
        onboarded = [p for p, v in zip(f.onboard["provider"], u, strict=True) if v > 0.5]
    dropped = []
    if len(f.optional):
        s = np.round(_block(f, Var.SERVED, x))
        dropped = [w for w, v in zip(f.optional["workload"], s, strict=True) if v < 0.5]
    return {
        "skills": _skills_table(sc, f, x, alloc),
        "commitments": _commitment_table(sc, f, e_used, sp_used),
        "credits": _credit_table(sc, f, sp_used),
        "allocations": alloc,
        "purchases": purchases,
        "reservations": reservations,
        "costs": costs,
        "onboarded": onboarded,
        "dropped": dropped,
    }


def _committed_rows(
    f: Formulation, x: np.ndarray, alloc: pd.DataFrame, options: pd.DataFrame
) -> tuple[pd.DataFrame, np.ndarray]:
    """Split on-demand allocations by what existing reservations run (see ``existing_reservations``).

    In every (instance o, period t), the hours the reservations' e columns run, at most the
    on-demand hours used there, become ``committed`` rows: each on-demand row of o in t gives the
    same share, at its cost without o's rent. Returns the allocations and each e column's hours
    as used (scaled down where rounded replicas left fewer on-demand hours than e).
    """
    ed = f.commitment_draws
    if not len(ed):
        return alloc, np.zeros(0)
    e = np.maximum(_block(f, Var.COMMITTED, x), 0.0)
    key = pd.MultiIndex.from_arrays([ed["option_id"].to_numpy(), ed["t_idx"].to_numpy()])
    want = pd.Series(e, index=key).groupby(level=[0, 1]).sum()
    od = alloc["pricing_model"].eq("on_demand").to_numpy()
    a_key = pd.MultiIndex.from_arrays([alloc["option_id"].to_numpy(), alloc["_t"].to_numpy()])
    have = pd.Series(np.where(od, alloc["accelerator_hours"].to_numpy(), 0.0), index=a_key).groupby(level=[0, 1]).sum()
    got = np.minimum(want, have.reindex(want.index).fillna(0.0))
    scale_e = (got / want.where(want > 0, 1.0)).reindex(key).to_numpy()
    share = (got / have.reindex(got.index).where(lambda v: v > 0, 1.0)).reindex(a_key).fillna(0.0).to_numpy()
    share = np.where(od, share, 0.0)
    rate = alloc["option_id"].map(options.set_index("option_id")["usd_per_accelerator_hour"]).to_numpy(dtype=float)
    rent = np.where(od, alloc["accelerator_hours"].to_numpy() * np.nan_to_num(rate), 0.0)
    sel = share > _TOL
    committed = alloc[sel].copy()
    k = share[sel]
    for c in ("replicas", "accelerator_hours", "coverage", "energy_kwh", "co2e_t"):
        committed[c] = committed[c].to_numpy() * k
    committed["cost_usd"] = (alloc["cost_usd"].to_numpy()[sel] - rent[sel]) * k
    committed["pricing_model"] = "committed"
    rest = alloc.copy()
    for c in ("replicas", "accelerator_hours", "coverage", "cost_usd", "energy_kwh", "co2e_t"):
        rest[c] = rest[c].to_numpy() * (1.0 - share)
    rest = rest[~(sel & (share >= 1.0 - 1e-12))]
    return pd.concat([rest, committed], ignore_index=True), e * scale_e


def _credits_used(f: Formulation, x: np.ndarray, alloc: pd.DataFrame, options: pd.DataFrame) -> np.ndarray:
    """Each sp column's covered spend, scaled down where the provider's on-demand spend on the
    column's chip vendor in the period (after rounding replicas) is smaller than the credits (see
    ``savings_plans``)."""
    cr = f.credits
    if not len(cr):
        return np.zeros(0)
    sp_x = np.maximum(_block(f, Var.CREDIT, x), 0.0)
    od = alloc[alloc["pricing_model"].eq("on_demand")]
    rate = od["option_id"].map(options.set_index("option_id")["usd_per_accelerator_hour"]).to_numpy(dtype=float)
    spend = (
        pd.Series(od["accelerator_hours"].to_numpy() * rate)
        .groupby([od["provider"].to_numpy(), od["vendor"].to_numpy(), od["_t"].to_numpy()])
        .sum()
    )
    key = pd.MultiIndex.from_arrays([cr["provider"].to_numpy(), cr["vendor"].to_numpy(), cr["t_idx"].to_numpy()])
    want = pd.Series(sp_x, index=key).groupby(level=[0, 1, 2]).sum()
    got = np.minimum(want, spend.reindex(want.index).fillna(0.0))
    scale = (got / want.where(want > 0, 1.0)).reindex(key).to_numpy()
    return sp_x * scale


CREDIT_COLUMNS = ["commitment", "provider", "vendor", "period", "credit_used_usd"]
"""The plan's ``credits`` table: one row per (savings plan, chip vendor, period) with a credit."""


def _credit_table(sc: Scenario, f: Formulation, sp_used: np.ndarray) -> pd.DataFrame:
    """The plan's ``credits`` table (:data:`CREDIT_COLUMNS`): each savings plan's credit by the
    chip vendor whose on-demand spend it covers (their sum is the commitments table's
    ``credit_used_usd``)."""
    cr = f.credits
    if not len(cr):
        return pd.DataFrame(columns=CREDIT_COLUMNS)
    labels = sc.horizon.labels()
    out = cr.assign(credit_used_usd=sp_used, period=[labels[int(t)] for t in cr["t_idx"]])
    out = out[out["credit_used_usd"] > _TOL]
    return out[CREDIT_COLUMNS].reset_index(drop=True)


def _commitment_table(sc: Scenario, f: Formulation, e_used: np.ndarray, sp_used: np.ndarray) -> pd.DataFrame:
    """The plan's ``commitments`` table (:data:`COMMITMENT_COLUMNS`)."""
    if not len(f.committed):
        return pd.DataFrame(columns=COMMITMENT_COLUMNS)
    labels = sc.horizon.labels()
    by_name = {c.name: c for c in sc.commitments}
    ed = f.commitment_draws.assign(used=e_used) if len(f.commitment_draws) else None
    cr = f.credits.assign(used=sp_used) if len(f.credits) else None
    rows = []
    for r in f.committed.itertuples(index=False):
        c = by_name[r.commitment]
        avail = used = limit = credit = np.nan
        if c.kind == "reservation" and ed is not None:
            hit = ed[(ed["commitment"] == c.name) & (ed["t_idx"] == r.t_idx)]
            if len(hit):
                avail, used = float(hit["hours"].sum()), float(hit["used"].sum())
        elif c.kind == "savings_plan":  # one credit per vendor: their sum, within the plan's limit
            limit, credit = credit_limit_usd(c, sc.horizon.period), 0.0
            if cr is not None:
                hit = cr[(cr["commitment"] == c.name) & (cr["t_idx"] == r.t_idx)]
                credit = float(hit["used"].sum())
        top, got = (avail, used) if c.kind == "reservation" else (limit, credit)
        rows.append(
            {
                "commitment": c.name,
                "kind": c.kind,
                "provider": c.provider,
                "region": c.region,
                "instance_type": c.instance_type,
                "period": labels[int(r.t_idx)],
                "committed_usd": float(r.usd),
                "available_hours": avail,
                "used_hours": used,
                "credit_limit_usd": limit,
                "credit_used_usd": credit,
                "utilization_pct": 100 * got / top if top > 0 else (np.nan if np.isnan(top) else 0.0),
            }
        )
    return pd.DataFrame(rows, columns=COMMITMENT_COLUMNS)


def _skills_table(sc: Scenario, f: Formulation, x: np.ndarray, alloc: pd.DataFrame) -> pd.DataFrame:
    """The plan's ``skills`` table (:data:`SKILLS_COLUMNS`): every stack whose a[k,t] turns 1,
    adopted from the first such t."""
    ad = f.adoption
    if not len(ad) or Var.ADOPTED not in f.model.columns:
        return pd.DataFrame(columns=SKILLS_COLUMNS)
    labels = sc.horizon.labels()
    on = ad.assign(v=np.round(_block(f, Var.ADOPTED, x)))
    on = on[on["v"] > 0.5].sort_values(["stack", "t_idx"]).drop_duplicates("stack")
    rows = []
    acc_stack = pd.Series(
        {a: stack_for(resolve_accelerator(a)) for a in alloc["accelerator"].astype(str).unique()}, dtype=object
    )
    for r in on.itertuples(index=False):
        start, lead = int(r.t_idx), int(r.lead)
        ready = labels[start + lead] if start + lead < len(labels) else None
        mine = alloc[alloc["accelerator"].astype(str).map(acc_stack).eq(r.stack)]
        accs = sorted(mine["accelerator"].astype(str).unique())
        first = mine["period"].map({p: i for i, p in enumerate(labels)}).min() if len(mine) else None
        name = STACKS[r.stack].display_name
        use = f"for {', '.join(accs)} from {labels[int(first)]}" if first is not None else "unused in the horizon"
        rows.append(
            {
                "stack": r.stack,
                "period": labels[start],
                "ready_period": ready,
                "cost_usd": float(r.cost_usd),
                "level_before": r.level,
                "accelerators": ";".join(accs),
                "note": f"{name} from level {r.level}: {money(float(r.cost_usd))}, {lead} period(s) to production; "
                + use,
            }
        )
    return pd.DataFrame(rows, columns=SKILLS_COLUMNS)
