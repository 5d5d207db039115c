"""Turn a solution vector into the plan's tables (allocations, purchases, reservations, costs)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fleetplan.model.period import format_period, parse_period
from fleetplan.model.scenario import Scenario
from fleetplan.optimize.formulation import Formulation

__all__ = ["ALLOCATION_COLUMNS", "PURCHASE_COLUMNS", "RESERVATION_COLUMNS", "extract_tables"]

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

_TOL = 1e-6


def _block(f: Formulation, name: str, x: np.ndarray) -> np.ndarray:
    b = f.model.columns[name]
    return x[b.start : b.start + b.size]


def extract_tables(sc: Scenario, f: Formulation, x: np.ndarray, options: pd.DataFrame) -> dict[str, object]:
    """Plan tables from solution ``x``; integers are rounded, tiny amounts dropped."""
    labels = sc.horizon.labels()
    cand = f.cand
    y = _block(f, "y", x).copy()
    serve = cand["unit"].eq("replicas").to_numpy()
    y[serve] = np.round(y[serve])
    used = y > _TOL
    a = cand[used]
    amount = y[used]
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
            "replicas": np.where(serve[used], amount, np.nan),
            "accelerator_hours": amount * a["usage"].to_numpy(),
            "coverage": amount * a["coverage"].to_numpy(),
            "cost_usd": amount * a["cost_usd"].to_numpy(),
            "energy_kwh": amount * a["energy_kwh"].to_numpy(),
            "co2e_t": amount * a["co2e_t"].to_numpy(),
        },
        columns=ALLOCATION_COLUMNS,
    )
    alloc["_t"] = a["t_idx"].to_numpy()
    alloc = alloc.sort_values(["workload", "_t", "provider", "region", "instance_type", "pricing_model"], kind="stable")
    alloc = alloc.drop(columns="_t").reset_index(drop=True)

    first = parse_period(sc.horizon.start, sc.horizon.period)
    opt = options.set_index("option_id")
    # reservations
    res_rows = []
    if len(f.reservations):
        n = np.round(_block(f, "n", x))
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
        bvals = np.round(_block(f, "b", x))
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
    yb = f.model.columns["y"]
    x_r[yb.start : yb.start + yb.size] = y
    for name in ("n", "b", "z", "u", "q", "s"):
        blk = f.model.columns[name]
        x_r[blk.start : blk.start + blk.size] = np.round(x_r[blk.start : blk.start + blk.size])
    S = f.spend
    cats = np.full(S.shape[1], "", dtype=object)
    pm = cand["pricing_model"].to_numpy()
    cats[yb.start : yb.start + yb.size] = np.where(pm == "owned", "owned_energy_usd", "rented_usd")
    for name, label in (("n", "reserved_usd"), ("b", "purchases_usd"), ("u", "onboarding_usd")):
        blk = f.model.columns[name]
        cats[blk.start : blk.start + blk.size] = label
    per_col = S.multiply(x_r[np.newaxis, :]).tocsc()
    costs = pd.DataFrame({"period": labels})
    for label in ("rented_usd", "reserved_usd", "owned_energy_usd", "purchases_usd", "onboarding_usd"):
        mask = cats == label
        costs[label] = np.asarray(per_col[:, np.flatnonzero(mask)].sum(axis=1)).ravel() if mask.any() else 0.0
    fixed = f.fixed_spend.to_numpy().sum(axis=1) if f.fixed_spend.size else np.zeros(len(labels))
    costs["existing_opex_usd"] = fixed
    parts = ["rented_usd", "reserved_usd", "owned_energy_usd", "purchases_usd", "onboarding_usd", "existing_opex_usd"]
    costs["total_usd"] = costs[parts].sum(axis=1)
    costs["discounted_usd"] = costs["total_usd"] * f.discount
    t_of = {p: i for i, p in enumerate(labels)}
    e = alloc.groupby(alloc["period"].map(t_of))[["energy_kwh", "co2e_t"]].sum()
    costs["energy_kwh"] = e["energy_kwh"].reindex(range(len(labels))).fillna(0.0).to_numpy()
    costs["co2e_t"] = e["co2e_t"].reindex(range(len(labels))).fillna(0.0).to_numpy()

    onboarded = []
    if len(f.onboard):
        u = np.round(_block(f, "u", x))
        onboarded = [p for p, v in zip(f.onboard["provider"], u, strict=True) if v > 0.5]
    dropped = []
    if len(f.optional):
        s = np.round(_block(f, "s", x))
        dropped = [w for w, v in zip(f.optional["workload"], s, strict=True) if v < 0.5]
    return {
        "allocations": alloc,
        "purchases": purchases,
        "reservations": reservations,
        "costs": costs,
        "onboarded": onboarded,
        "dropped": dropped,
    }
