"""Pricing pools: how an instance's hours are paid is decided per pool, not per workload.

The candidate table has one row per (workload, offering, period), so a workload that may run on
an instance on demand or under a 1- or 3-year reservation has three rows that differ only in
price. Kept apart, they triple the placement variables (and the whole replicas among them) and
leave the solver to choose, workload by workload, which identical machine is paid which way.

Here those rows become one *placement* row whose hours are paid from its pool: for pool
k = (instance p, reserved offerings S the workload may use, on demand allowed or not) and
period t

    sum_{w in k} usage[w,t] * y[w,t]  =  h[k,t] + sum_{r in S} rho[k,r,t]

with h the on-demand accelerator-hours (priced at p's on-demand rate; only where the workload's
on-demand row is a candidate) and rho the hours drawn from reservation r (whose capacity rows
bound them). The placement row is the on-demand row when there is one, else the first reserved
row; it keeps only its energy cost. Nothing is lost: usage and coverage of the rows merged are
identical, only the price differed, and the split is a pool decision in either model.

Contract of :func:`pricing_pools`: ``table`` keeps the input's columns plus ``pool`` (index
into ``periods``, -1 for rows paid as before); ``periods`` has one row per (pool, t): ``pp``,
the on-demand ``option_id`` of the instance, ``t_idx``, ``has_od`` and
``usd_per_accelerator_hour``; ``draws`` has one row per (pool-period, reserved option) with
``pp`` and ``option_id``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from fleetplan.model.base import RESERVED_MODELS

__all__ = ["PricingPools", "pricing_pools", "split_pool_amounts"]

_INSTANCE = ["provider", "region", "instance_type", "accelerator_count"]


@dataclass(frozen=True)
class PricingPools:
    """The placement table and the pools that pay for it (see module docstring)."""

    table: pd.DataFrame
    periods: pd.DataFrame  # pp, option_id (on demand), t_idx, has_od, usd_per_accelerator_hour
    draws: pd.DataFrame  # one per (pp, reserved option): pp, option_id


def _empty(cand: pd.DataFrame) -> PricingPools:
    return PricingPools(
        cand.assign(pool=np.full(len(cand), -1, dtype=np.int64)),
        pd.DataFrame(columns=["pp", "option_id", "t_idx", "has_od", "usd_per_accelerator_hour"]),
        pd.DataFrame(columns=["pp", "option_id"]),
    )


def pricing_pools(cand: pd.DataFrame, options: pd.DataFrame, *, merge: bool = True) -> PricingPools:
    """Merge each workload's rows of one instance and period into one placement row.

    With ``merge=False`` every row stays as it is (``pool`` = -1, no pools).
    """
    pm = cand["pricing_model"].to_numpy()
    is_res = np.isin(pm, RESERVED_MODELS)
    if not merge or not is_res.any():
        return _empty(cand)
    rented = options[options["source"].ne("owned")]
    od_of = (
        rented[rented["pricing_model"].isin(RESERVED_MODELS)]
        .merge(rented[rented["pricing_model"].eq("on_demand")], on=_INSTANCE, suffixes=("", "_od"))
        .set_index("option_id")["option_id_od"]
    )
    res_pos = np.flatnonzero(is_res)
    sib = cand["option_id"].to_numpy()[res_pos]
    sib = pd.Series(sib).map(od_of).to_numpy(dtype=float)
    ok = np.isfinite(sib)
    res_pos, sib = res_pos[ok], sib[ok].astype(np.int64)
    if not len(res_pos):
        return _empty(cand)
    res = pd.DataFrame(
        {
            "row": res_pos,
            "w_idx": cand["w_idx"].to_numpy()[res_pos],
            "t_idx": cand["t_idx"].to_numpy()[res_pos],
            "inst": sib,
            "option_id": cand["option_id"].to_numpy()[res_pos],
        }
    ).sort_values(["w_idx", "t_idx", "inst", "option_id"], kind="stable")
    grp = res.groupby(["w_idx", "t_idx", "inst"], sort=False)
    # the reserved set as one integer: option ids (sorted) as digits in base max_id + 1
    base = int(res["option_id"].max()) + 1
    rank = grp.cumcount().to_numpy()
    if (rank.max() + 1) * np.log2(base) > 62:
        raise ValueError("pricing_pools: too many reserved offerings per instance")
    res["digit"] = res["option_id"].to_numpy(dtype=np.int64) * base ** rank.astype(np.int64)
    rset = grp["digit"].sum().rename("rset")
    first_res = grp["row"].first().rename("first")
    groups = pd.concat([rset, first_res], axis=1).reset_index()
    od_rows = pd.DataFrame(
        {
            "od_row": np.flatnonzero(pm == "on_demand"),
            "w_idx": cand["w_idx"].to_numpy()[pm == "on_demand"],
            "t_idx": cand["t_idx"].to_numpy()[pm == "on_demand"],
            "inst": cand["option_id"].to_numpy()[pm == "on_demand"],
        }
    )
    groups = groups.merge(od_rows, on=["w_idx", "t_idx", "inst"], how="left")
    has_od = groups["od_row"].notna().to_numpy()
    # the placement row: the on-demand row if the workload may use it, else its first reserved row
    head = np.where(has_od, groups["od_row"].fillna(-1).to_numpy(), groups["first"].to_numpy()).astype(np.int64)
    groups["head"] = head
    groups["has_od"] = has_od
    drop = np.setdiff1d(res["row"].to_numpy(), head)
    keep = np.ones(len(cand), dtype=bool)
    keep[drop] = False
    periods = (
        groups[["inst", "rset", "has_od", "t_idx"]]
        .drop_duplicates()
        .sort_values(["inst", "rset", "has_od", "t_idx"])
        .reset_index(drop=True)
    )
    periods["pp"] = np.arange(len(periods))
    pp_of = groups.merge(periods, on=["inst", "rset", "has_od", "t_idx"], how="left")["pp"].to_numpy()
    pool = np.full(len(cand), -1, dtype=np.int64)
    pool[head] = pp_of
    cost = cand["cost_usd"].to_numpy().copy()
    od_head = head[has_od]
    # the placement pays energy only; its hours are paid through h (on demand) or reservations
    cost[od_head] -= cand["usage"].to_numpy()[od_head] * cand["usd_per_accelerator_hour"].to_numpy()[od_head]
    table = cand.assign(pool=pool, cost_usd=cost)[keep].reset_index(drop=True)
    rate = options.set_index("option_id")["usd_per_accelerator_hour"]
    periods["option_id"] = periods["inst"]
    periods["usd_per_accelerator_hour"] = np.where(
        periods["has_od"].to_numpy(bool), periods["inst"].map(rate).to_numpy(dtype=float), np.nan
    )
    # draws: the reserved options of each pool-period, read from the rows that formed it
    res_pp = res.merge(groups[["w_idx", "t_idx", "inst", "rset", "has_od"]], on=["w_idx", "t_idx", "inst"])
    res_pp = res_pp.merge(periods[["inst", "rset", "has_od", "t_idx", "pp"]], on=["inst", "rset", "has_od", "t_idx"])
    draws = (
        res_pp[["pp", "option_id"]]
        .drop_duplicates()
        .sort_values(["pp", "option_id"])
        .astype({"pp": np.int64, "option_id": np.int64})
        .reset_index(drop=True)
    )
    return PricingPools(table, periods[["pp", "option_id", "t_idx", "has_od", "usd_per_accelerator_hour"]], draws)


def split_pool_amounts(usage: np.ndarray, rho: np.ndarray, pp_of_draw: np.ndarray, n_pp: int) -> tuple[np.ndarray, ...]:
    """Share of each pool-period's hours paid by each reservation draw, and on demand.

    ``usage`` is the pool-periods' used accelerator-hours. Reservation draws beyond use are
    scaled down; the rest is on demand. Returns (share per draw, on-demand share per pool-period,
    on-demand hours per pool-period).
    """
    drawn = np.bincount(pp_of_draw, weights=rho, minlength=n_pp)
    scale = np.where(drawn > usage, usage / np.where(drawn > 0, drawn, 1.0), 1.0)
    used_draw = rho * scale[pp_of_draw]
    safe = np.where(usage > 0, usage, 1.0)
    share_draw = np.where(usage[pp_of_draw] > 0, used_draw / safe[pp_of_draw], 0.0)
    od_hours = np.maximum(usage - np.minimum(drawn, usage), 0.0)
    share_od = np.where(usage > 0, od_hours / safe, 0.0)
    return share_draw, share_od, od_hours
