"""A feasible starting plan from the LP relaxation: round, repair, complete.

Branch-and-bound on big scenarios can run out of time before it finds any plan; this gives it one
(and gives the planner a verified plan to fall back on). Steps:

1. **Anchor.** Servers to buy: the LP's, rounded down, then up one at a time while site power
   and space hold. Training runs: counted whole in every placement group the LP gives them, so
   room stays for each. Optional work is served where the LP serves at least half of it
   (``s``); a critical workload counts the ``m_w`` providers with the largest LP values (``q``;
   under N-1, every provider the LP uses), among those that can carry the minimum share.
2. **Whole replicas.** Replicas start at the LP's values rounded down. Every requirement row of
   a serving workload (coverage, diversity share and floor, N-1) is then met greedily: a row
   short by ``delta`` gets ``ceil(delta / a_ij)`` replicas of its cheapest column ``j`` (the price
   of one replica: on-demand hours where its pool has them, else its cost plus the LP duals of
   the shared rows it uses), within owned capacity and availability as the anchor leaves them.
   A row with no room left evicts movable replicas of other workloads from the capacity it
   needs, or moves batch work off it. Surplus replicas are then dropped, dearest first.
3. **Completion.** Providers that now host replicas are onboarded (``u``); the completion
   decides the others, and every software stack's adoption (``a``; a stack the LP adopts less
   than half of stays unadopted: no replicas in step 2, no work at all in the completion).
   With those and the replicas fixed, each training run in the group the LP favours
   (failing that, runs favoured on owned capacity free to choose), and at least the anchor's
   servers, a small MIP picks reservations and purchases (integer), training and batch
   amounts, on-demand hours and reserved draws.

The result is a full column vector that satisfies the model (checked by HiGHS), or ``None``
when a shared limit (availability, owned capacity, a share cap, a budget) rules the rounding out.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from fleetplan.catalog.hardware import resolve_accelerator
from fleetplan.model.plan import SolveStatus
from fleetplan.model.team import stack_for
from fleetplan.optimize.families import row, rows_of
from fleetplan.optimize.formulation import Formulation, Var
from fleetplan.optimize.solver import OBJECTIVE_SCALE, SolverOptions, solve

__all__ = ["WarmStart", "rounded_start"]

_log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]

_LOCAL_ROWS = rows_of(scope="workload")
"""Rows that tie one workload's own columns together (everything else is shared between workloads)."""
_CAPACITY_ROWS = rows_of(names=("owned_capacity", "availability"))
"""Per-pool limits the rounding keeps (budgets, share caps and carbon are left to the completion)."""
_SITE_ROWS = rows_of(names=("site_power_and_space",))
_N_MINUS_1_ROWS = rows_of(names=("n_minus_1",))
_DIVERSITY_SHARE = row("diversity_share")
_TOL = 1e-7
_MAX_PASSES = 200
_MAX_RETRIES = 5


@dataclass(frozen=True)
class _View:
    """The model's unscaled matrix, row bounds and column attributes, built once per start."""

    a: sp.csr_matrix
    lo: FloatArray
    up: FloatArray
    integer: npt.NDArray[np.bool_]
    upper: FloatArray

    @classmethod
    def of(cls, f: Formulation) -> _View:
        m = f.model
        lo, up = m.row_bounds(scaled=False)
        return cls(m.matrix(scaled=False).tocsr(), lo, up, m.col("integer"), m.col("upper"))


@dataclass(frozen=True)
class WarmStart:
    """A feasible column vector, its objective (USD) and the seconds it took."""

    x: FloatArray
    objective_usd: float
    time_s: float


def _block(f: Formulation, var: Var) -> npt.NDArray[np.int64]:
    blk = f.model.columns.get(var)
    return np.arange(blk.start, blk.start + blk.size) if blk is not None else np.zeros(0, dtype=np.int64)


def _row_mask(f: Formulation, names: tuple[str, ...]) -> npt.NDArray[np.bool_]:
    mask = np.zeros(f.model.n_rows, dtype=bool)
    for name in names:
        blk = f.model.rows.get(name)
        if blk is not None:
            mask[blk.start : blk.start + blk.size] = True
    return mask


def _decide_binaries(
    f: Formulation, x_lp: FloatArray, fixed: FloatArray, min_share: float, blocked: set[tuple[int, str]]
) -> None:
    """Fill ``fixed`` (NaN = free) for s and q from the anchor's values (step 1)."""
    if len(f.optional):
        cols = f.optional["col"].to_numpy()
        fixed[cols] = (x_lp[cols] >= 0.5).astype(float)
        dropped = f.optional.loc[fixed[cols] == 0.0, "w_idx"]
        y0 = f.model.columns[Var.PLACEMENT].start
        fixed[y0 + np.flatnonzero(f.cand["w_idx"].isin(dropped).to_numpy())] = 0.0  # runs nowhere
    if len(f.diversity):
        # a provider can count only if its options can carry the minimum share in every period
        c = f.cand
        y0 = f.model.columns[Var.PLACEMENT].start
        room = c["coverage"] * np.minimum(c["ub"], f.model.col("upper")[y0 : y0 + len(c)])
        most = room.groupby([c["w_idx"], c["provider"], c["t_idx"]]).sum().groupby(level=[0, 1]).min()
        d = f.diversity.assign(v=x_lp[f.diversity["col"].to_numpy()])
        able = pd.MultiIndex.from_arrays([d["w_idx"], d["provider"]]).map(most).to_numpy(dtype=float)
        d["able"] = (np.nan_to_num(able) >= min_share - 1e-9) & ~pd.Series(
            list(zip(d["w_idx"].astype(int), d["provider"], strict=True)), index=d.index
        ).isin(blocked)
        d = d.sort_values(["w_idx", "able", "v", "col"], ascending=[True, False, False, True])
        rank = d.groupby("w_idx").cumcount().to_numpy()
        need = d["min_providers"].to_numpy()
        if any(r in f.model.rows for r in _N_MINUS_1_ROWS):  # N-1 may need every provider the LP uses
            used = (d["able"] & (d["v"] > 1e-6)).groupby(d["w_idx"]).transform("sum").to_numpy()
            need = np.maximum(need, used)
        fixed[d["col"].to_numpy()] = (rank < need).astype(float)


def _replicas(
    f: Formulation, v: _View, x_lp: FloatArray, fixed: FloatArray, price: FloatArray, limit: FloatArray
) -> tuple[npt.NDArray[np.int64], FloatArray] | set[tuple[int, str]]:
    """Whole replicas meeting every local row (step 2): (columns, values), or the (workload,
    provider) pairs whose diversity share could not be met (empty: no way found)."""
    m = f.model
    ycols = _block(f, Var.PLACEMENT)
    rep = ycols[v.integer[ycols]]
    if not len(rep):
        return rep, np.zeros(0)
    a, lo, up = v.a, v.lo, v.up
    local = _row_mask(f, _LOCAL_ROWS)
    is_rep = np.zeros(m.n_cols, dtype=bool)
    is_rep[rep] = True
    known = np.isfinite(fixed)
    # local rows whose columns are all replicas or already fixed: the greedy's rows
    free_other = a[:, ~(is_rep | known)]
    rows = np.flatnonzero(local & (np.diff(free_other.indptr) == 0) & (np.diff(a[:, rep].tocsr().indptr) > 0))
    sub = a[rows]
    const = sub[:, np.flatnonzero(known)] @ fixed[known]
    r_lo, r_up = lo[rows] - const, up[rows] - const
    ar = sub[:, rep].tocsc()  # rows x replica columns (all coefficients are positive)
    # a column switched off by a zero binary (a link row with rhs 0) stays at 0
    ub = limit[rep].copy()
    shut = ar[np.flatnonzero(r_up <= _TOL)].tocsc()
    ub[np.diff(shut.indptr) > 0] = 0.0
    # shared limits (owned capacity, availability): what the LP leaves for replicas there
    cap_m, cap, moving = _shared_caps(f, v, is_rep, rep, x_lp)
    y_lp = np.maximum(x_lp[rep], 0.0)
    base_ub = ub.copy()
    y = np.minimum(np.floor(y_lp + 1e-6), ub)
    over = cap_m @ y > cap + _TOL
    if over.any():  # even rounded down the LP overruns a shared limit there: start those empty
        in_over = np.diff(cap_m[np.flatnonzero(over)].tocsc().indptr) > 0
        y[in_over] = 0.0
    arr = ar.tocsr()
    cap_csc = cap_m.tocsc()
    # a replica column is movable if its workload-period has another open option
    wt = f.cand["w_idx"].to_numpy() * 10_000 + f.cand["t_idx"].to_numpy()
    key = wt[rep - ycols[0]]
    n_open = pd.Series(base_ub > 0).groupby(key).transform("sum").to_numpy()
    flexible = n_open > 1
    unit_price = np.maximum(price[rep], 1e-12)
    for _ in range(_MAX_PASSES):  # add: close every short row with its cheapest column
        act = ar @ y
        short = np.flatnonzero(act < r_lo - _TOL)
        if not len(short):
            break
        block = arr[short].tocoo()
        room = ub[block.col] - y[block.col]
        ok = (block.data > 0) & (room > 0)
        stuck = np.setdiff1d(np.arange(len(short)), block.row[ok])
        if len(stuck) and _release(arr[short[stuck]], cap_m, cap, moving, ub, base_ub):
            continue  # continuous work leaves room there (the completion places it elsewhere)
        deficit = r_lo[short[stuck]] - act[short[stuck]]
        if len(stuck) and _evict(arr[short[stuck]], deficit, cap_m, cap - cap_m @ y, y, ub, base_ub, ~flexible):
            continue  # replicas that can go elsewhere make room for rows that cannot
        if len(stuck) == len(short):
            return _blocked(f, rows[short], a, rep, ycols[0])
        cand = pd.DataFrame(
            {
                "row": block.row[ok],
                "col": block.col[ok],
                "need": np.ceil((r_lo[short][block.row[ok]] - act[short][block.row[ok]]) / block.data[ok] - 1e-9),
                "score": unit_price[block.col[ok]] / block.data[ok],
            }
        )
        cand["need"] = np.minimum(cand["need"].clip(lower=1.0), room[ok])
        pick = cand.sort_values(["row", "score", "col"]).drop_duplicates("row")
        # one increment per column per pass; under a shared limit, cheapest first while room lasts
        pick = pick.sort_values(["score", "col", "need"], ascending=[True, True, False]).drop_duplicates("col")
        cols, need = pick["col"].to_numpy(), pick["need"].to_numpy()
        left = cap - cap_m @ y
        room_cap = _cap_room(cap_csc, left, cols)
        full = room_cap < 1.0
        ub[cols[full]] = y[cols[full]]  # no room left under a shared limit: closed
        cols, need = cols[~full], np.minimum(need[~full], room_cap[~full])
        fits = _fits_together(cap_csc, left, cols, need)
        y[cols[fits]] += need[fits]
    else:
        _log.debug("replica rounding: rows still short after %d passes", _MAX_PASSES)
        return set()
    short = np.flatnonzero(ar @ y < r_lo - _TOL)
    if len(short):
        return _blocked(f, rows[short], a, rep, ycols[0])
    # drop: remove surplus replicas, dearest first, one per workload-period per pass
    lo_rows = np.isfinite(r_lo)
    for _ in range(_MAX_PASSES):
        slack = np.where(lo_rows, ar @ y - r_lo, np.inf)
        # a column may lose one replica if every row it sits in keeps its lower bound
        coo = ar.tocoo()
        blocked = np.zeros(len(y), dtype=bool)
        hit = slack[coo.row] < coo.data - _TOL
        blocked[coo.col[hit]] = True
        can = np.flatnonzero((y >= 1) & ~blocked)
        if not len(can):
            break
        d = pd.DataFrame({"col": can, "key": key[can], "cost": unit_price[can]})
        pick = d.sort_values(["key", "cost", "col"], ascending=[True, False, True]).drop_duplicates("key")
        y[pick["col"].to_numpy()] -= 1.0
    if (ar @ y > r_up + _TOL).any() or (ar @ y < r_lo - _TOL).any():
        _log.debug("replica rounding: %d link rows over their limit", int((ar @ y > r_up + _TOL).sum()))
        return set()
    return rep, y


def _cap_room(cap_csc: sp.csc_matrix, left: FloatArray, cols: npt.NDArray[np.int64]) -> FloatArray:
    """Whole units each column in ``cols`` can still add under every shared limit it sits in."""
    sub = cap_csc[:, cols]
    out = np.full(len(cols), np.inf)
    has = np.diff(sub.indptr) > 0
    if not has.any():
        return out
    per = np.floor(left[sub.indices] / np.maximum(sub.data, 1e-12) + 1e-9)
    starts = sub.indptr[:-1][has]
    out[has] = np.minimum.reduceat(per, starts)
    return out


def _fits_together(
    cap_csc: sp.csc_matrix, left: FloatArray, cols: npt.NDArray[np.int64], need: FloatArray
) -> npt.NDArray[np.bool_]:
    """Which increments (in priority order) fit together: under each shared limit, the running
    total of the increments before and including one must stay within what is left."""
    sub = cap_csc[:, cols].tocoo()
    ok = np.ones(len(cols), dtype=bool)
    if not sub.nnz:
        return ok
    order = np.lexsort((sub.col, sub.row))  # by limit, then priority
    rows, pos = sub.row[order], sub.col[order]
    use = sub.data[order] * need[pos]
    start = np.r_[0, np.flatnonzero(rows[1:] != rows[:-1]) + 1]
    total = np.cumsum(use)
    before = np.repeat(total[start] - use[start], np.diff(np.r_[start, len(use)]))
    ok[pos[total - before > left[rows] + _TOL]] = False
    return ok


def _evict(
    stuck_rows: sp.csr_matrix,
    deficit: FloatArray,
    cap_m: sp.csr_matrix,
    left: FloatArray,
    y: FloatArray,
    ub: FloatArray,
    base_ub: FloatArray,
    keep: npt.NDArray[np.bool_],
) -> bool:
    """Free shared capacity for rows stuck on it (short by ``deficit``). Under each shared limit
    the stuck rows' columns sit in, other movable replica columns (not in ``keep``) are emptied
    and closed for good, smallest holdings first, until the limit has room for the cheapest way
    (in that limit's units) to close one stuck row; the stuck rows' columns reopen. False when
    there is nothing to evict."""
    coo = stuck_rows.tocoo()
    ok = (coo.data > 0) & (base_ub[coo.col] > 0)
    if not ok.any():
        return False
    units = np.ceil(deficit[coo.row[ok]] / coo.data[ok] - 1e-9)  # replicas of that column to close it
    cols = coo.col[ok]
    sub = cap_m[:, cols].tocoo()  # shared limits x (stuck row, column) pairs
    if not sub.nnz:
        return False
    want = pd.Series(sub.data * units[sub.col]).groupby(sub.row).min()  # room each limit needs
    lim = want.index.to_numpy()
    short = np.maximum(want.to_numpy() - left[lim], 0.0)
    mine = np.zeros(len(y), dtype=bool)
    mine[cols] = True
    movable = ~mine & ~keep & (y > 0)
    hold = cap_m[lim].tocoo()
    m_ok = movable[hold.col]
    if not m_ok.any():
        return False
    v = pd.DataFrame({"lim": hold.row[m_ok], "col": hold.col[m_ok], "use": hold.data[m_ok] * y[hold.col[m_ok]]})
    v = v.sort_values(["lim", "use", "col"])
    before = v.groupby("lim")["use"].cumsum().to_numpy() - v["use"].to_numpy()
    victims = v.loc[before < short[v["lim"].to_numpy()] - _TOL, "col"].unique()
    if not len(victims):  # room came free meanwhile: reopen the stuck columns, if closed
        reopen = mine & (ub < base_ub)
        ub[reopen] = base_ub[reopen]
        return bool(reopen.any())
    y[victims] = 0.0
    ub[victims] = 0.0
    base_ub[victims] = 0.0  # evicted for good
    ub[mine] = base_ub[mine]
    return True


def _release(
    stuck_rows: sp.csr_matrix,
    cap_m: sp.csr_matrix,
    cap: FloatArray,
    moving: FloatArray,
    ub: FloatArray,
    base_ub: FloatArray,
) -> bool:
    """Give the stuck rows' shared limits the room continuous work holds there (once per limit)."""
    mine = np.zeros(len(ub), dtype=bool)
    mine[stuck_rows.indices] = True
    mine &= base_ub > 0
    touching = np.flatnonzero((cap_m[:, np.flatnonzero(mine)].getnnz(axis=1) > 0) & (moving > 0))
    if not len(touching):
        return False
    cap[touching] += moving[touching]
    moving[touching] = 0.0
    ub[mine] = base_ub[mine]
    return True


def _blocked(
    f: Formulation, short_rows: npt.NDArray[np.int64], a: sp.csr_matrix, rep: npt.NDArray[np.int64], y0: int
) -> set[tuple[int, str]]:
    """(workload, provider) pairs whose diversity share rows cannot be met: that provider cannot
    count for that workload. Empty when the rows left short are of another kind."""
    blk = f.model.rows.get(_DIVERSITY_SHARE)
    if blk is None:
        return set()
    share = short_rows[(short_rows >= blk.start) & (short_rows < blk.start + blk.size)]
    if not len(share):
        if _log.isEnabledFor(logging.DEBUG):
            kinds = {n for n, b in f.model.rows.items() for r in short_rows if b.start <= r < b.start + b.size}
            _log.debug("replica rounding: rows short with no room left: %s", sorted(kinds))
        return set()
    cols = a[share][:, rep].tocoo()
    c = f.cand.iloc[rep[cols.col] - y0]
    return set(zip(c["w_idx"].astype(int), c["provider"], strict=True))


def _shared_caps(
    f: Formulation, v: _View, is_rep: npt.NDArray[np.bool_], rep: npt.NDArray[np.int64], x_anchor: FloatArray
) -> tuple[sp.csr_matrix, FloatArray, FloatArray]:
    """Shared upper-limit rows that hold replicas: their replica coefficients, what is left for
    replicas once every other column sits at its anchor value (whole servers, whole training
    runs), and how much of that is batch work the completion may move elsewhere."""
    m = f.model
    caps = np.flatnonzero(_row_mask(f, _CAPACITY_ROWS) & np.isinf(v.lo) & np.isfinite(v.up))
    sub = v.a[caps]
    rep_part = sub[:, rep].tocsr()
    keep = np.diff(rep_part.indptr) > 0
    caps, sub, rep_part = caps[keep], sub[keep], rep_part[keep]
    other = np.where(is_rep, 0.0, x_anchor)
    # batch work may move; training runs keep their room, as does owned-only work
    y0 = m.columns[Var.PLACEMENT].start
    c = f.cand
    rents = c["w_idx"].map(c.loc[c["source"].ne("owned"), "w_idx"].value_counts()).fillna(0).to_numpy() > 0
    stays = np.zeros(m.n_cols, dtype=bool)
    stays[y0 : y0 + len(c)] = c["wkind"].isin(["train", "finetune"]).to_numpy() | ~rents
    moving = np.where(is_rep | v.integer | stays, 0.0, other)
    return rep_part, v.up[caps] - sub @ other, sub @ moving


def _replica_prices(f: Formulation, x_lp: FloatArray, row_dual: FloatArray | None) -> tuple[FloatArray, FloatArray]:
    """The price of one more unit of each column, and how far the greedy may raise it.

    A placement in a pricing pool with on-demand hours pays those hours (exact). Elsewhere the
    LP's view: cost plus the duals of the shared rows it uses (owned capacity, reservations).
    A pool without on-demand hours lives on reservations, so its placements stay within the
    LP's amounts rounded up (one more reserved instance at most).
    """
    m = f.model
    cost = m.col("cost") * OBJECTIVE_SCALE
    price = cost.copy()
    if row_dual is not None:
        shared = ~_row_mask(f, _LOCAL_ROWS)
        price = cost - m.matrix().T @ np.where(shared, row_dual, 0.0)
    if len(f.onboard):  # a provider the LP does not onboard costs its onboarding too: keep it for last
        off = f.onboard.loc[x_lp[f.onboard["col"].to_numpy()] <= 1e-6, "provider"]
        y0 = m.columns[Var.PLACEMENT].start
        new_provider = y0 + np.flatnonzero(f.cand["provider"].isin(set(off)).to_numpy())
        price[new_provider] = np.abs(price[new_provider]) * 2.0 + 1e-9
    limit = m.col("upper").copy()
    new_stack = _unadopted_stack_rows(f, x_lp)
    if len(new_stack):  # a software stack the LP adopts less than half of: not adopted in the start
        limit[new_stack] = 0.0
    pool = f.cand["pool"].to_numpy() if "pool" in f.cand else np.full(len(f.cand), -1)
    pooled = np.flatnonzero(pool >= 0)
    if len(pooled) and len(f.pool_periods):
        y0 = m.columns[Var.PLACEMENT].start
        pp = f.pool_periods.iloc[pool[pooled]]
        od = pp["has_od"].to_numpy(dtype=bool)
        h_cost = cost[pp["col"].to_numpy()]
        usage = f.cand["usage"].to_numpy()[pooled]
        cols = y0 + pooled
        price[cols[od]] = cost[cols[od]] + usage[od] * h_cost[od]
        limit[cols[~od]] = np.ceil(np.maximum(x_lp[cols[~od]], 0.0) - 1e-6)
    return price, limit


def _unadopted_stack_rows(f: Formulation, x: FloatArray) -> npt.NDArray[np.int64]:
    """Placement columns on accelerators whose software stack ``x`` adopts less than half of (every
    a[k,t] of it below 0.5); empty without a ``team``."""
    ad = f.adoption
    if not len(ad) or "col" not in ad:
        return np.zeros(0, dtype=np.int64)
    level = pd.Series(x[ad["col"].to_numpy()]).groupby(ad["stack"].to_numpy()).max()
    off = set(level.index[level.to_numpy() < 0.5])
    if not off:
        return np.zeros(0, dtype=np.int64)
    stack = {a: stack_for(resolve_accelerator(a)) for a in f.cand["accelerator"].astype(str).unique()}
    rows = f.cand["accelerator"].astype(str).map(stack).isin(off).to_numpy()
    return f.model.columns[Var.PLACEMENT].start + np.flatnonzero(rows)


def _unadopted_stack_cols(f: Formulation, x: FloatArray) -> npt.NDArray[np.int64]:
    """The a[k,t] columns of the stacks ``x`` adopts less than half of."""
    ad = f.adoption
    if not len(ad) or "col" not in ad:
        return np.zeros(0, dtype=np.int64)
    level = pd.Series(x[ad["col"].to_numpy()]).groupby(ad["stack"].to_numpy()).transform("max").to_numpy()
    return ad["col"].to_numpy()[level < 0.5]


def rounded_start(
    f: Formulation,
    x_lp: FloatArray,
    row_dual: FloatArray | None,
    *,
    min_share: float = 0.0,
    time_limit_s: float = 30.0,
) -> WarmStart | None:
    """A feasible plan for ``f`` built from its LP relaxation (see the module docstring), or None.

    ``min_share`` is the scenario's ``policy.min_provider_share_critical``; ``time_limit_s``
    bounds the completion MIP.
    """
    t0 = time.perf_counter()
    m = f.model
    view = _View.of(f)
    anchor = _anchor(f, view, x_lp)
    price, limit = _replica_prices(f, anchor, row_dual)
    fixed = _round(f, view, anchor, price, limit, min_share)
    if fixed is None:
        return None
    lower, upper = m.col("lower").copy(), m.col("upper").copy()
    known = np.isfinite(fixed)
    lower[known] = upper[known] = fixed[known]
    off_rows, off_adopt = _unadopted_stack_rows(f, anchor), _unadopted_stack_cols(f, anchor)
    upper[off_rows] = upper[off_adopt] = 0.0  # and no other work on those stacks either
    buys = _block(f, Var.BUY)
    lower[buys] = anchor[buys]  # the servers the replicas count on (more may be bought)
    # each training run in its favourite group first (quick); if owned capacity cannot take
    # them there, runs the LP favours on owned capacity choose their group in the completion
    for owned_open in (False, True) if len(f.groups) else (False,):
        lo, up = lower.copy(), upper.copy()
        if len(f.groups):
            _place_runs(f, anchor, fixed, lo, up, owned_open)
        x = _complete(f, lo, up, time_limit_s - (time.perf_counter() - t0))
        if x is not None:
            return WarmStart(x=x, objective_usd=float(m.col("cost") @ x), time_s=time.perf_counter() - t0)
    return None


def _favourites(f: Formulation, x: FloatArray) -> pd.DataFrame:
    """Each training run's placement group with the largest value in ``x`` (first column on ties)."""
    g = f.groups.assign(v=x[f.groups["col"].to_numpy()])
    return g.sort_values(["w_idx", "v", "col"], ascending=[True, False, True]).drop_duplicates("w_idx")


def _place_runs(
    f: Formulation, anchor: FloatArray, fixed: FloatArray, lower: FloatArray, upper: FloatArray, owned_open: bool
) -> None:
    """Fix each served training run's placement to the group the anchor favours (with
    ``owned_open``, only runs whose favourite is on rented capacity)."""
    g = f.groups
    best = _favourites(f, anchor)
    if owned_open and len(f.pools):
        best = best[~best["provider"].isin(set(f.pools["provider"]))]
    if len(f.optional):
        off = f.optional.loc[fixed[f.optional["col"].to_numpy()] == 0.0, "w_idx"]
        best = best[~best["w_idx"].isin(off)]
    mine = g["w_idx"].isin(best["w_idx"]).to_numpy()
    zc = g["col"].to_numpy()
    lower[zc[mine]] = upper[zc[mine]] = 0.0
    lower[best["col"].to_numpy()] = upper[best["col"].to_numpy()] = 1.0


def _complete(f: Formulation, lower: FloatArray, upper: FloatArray, time_limit_s: float) -> FloatArray | None:
    """Step 3: reservations fractional first (a lot-sizing MIP over terms is slow), then
    rounded (see _round_reservations) and fixed with everything else integer; the full MIP if
    that fails."""
    if time_limit_s <= 0:
        return None
    m = f.model
    t0 = time.perf_counter()
    opts = SolverOptions(time_limit_s=time_limit_s, mip_rel_gap=5e-2)
    res_cols = _block(f, Var.RESERVE)
    integer = m.col("integer")
    if len(res_cols):
        integer = integer.copy()
        integer[res_cols] = False
        res, x = solve(m, opts, bounds=(lower, upper), integer=integer)
        if x is not None:
            lo2, up2 = lower.copy(), upper.copy()
            ints = m.col("integer")
            lo2[ints] = up2[ints] = np.round(x[ints])
            lo2[res_cols] = up2[res_cols] = _round_reservations(f, x[res_cols], upper[res_cols])
            left = max(1.0, time_limit_s - (time.perf_counter() - t0))
            res, x2 = solve(m, replace(opts, time_limit_s=left, relax=True), bounds=(lo2, up2))
            if x2 is not None and res.status == SolveStatus.OPTIMAL:
                return x2
        _log.debug("warm start: completion with rounded reservations %s", res.termination)
    left = max(1.0, time_limit_s - (time.perf_counter() - t0))
    res, x = solve(m, replace(opts, time_limit_s=left), bounds=(lower, upper))
    if x is None or res.status not in (SolveStatus.OPTIMAL, SolveStatus.TIME_LIMIT):
        _log.debug("warm start: completion MIP %s", res.termination)
        return None
    return x


def _round_reservations(f: Formulation, n: FloatArray, ub: FloatArray) -> FloatArray:
    """Whole reserved instances: rounded down where every pool-period the reservation serves
    can buy the rest on demand, up where it cannot."""
    res = f.reservations.reset_index(drop=True)
    pp = f.pool_periods.set_index("pp")["has_od"]
    od_all = f.pool_draws.assign(od=f.pool_draws["pp"].map(pp)).groupby("option_id")["od"].all()
    down = res["option_id"].map(od_all).eq(True).to_numpy()
    return np.minimum(np.where(down, np.floor(n + 1e-6), np.ceil(n - 1e-6)), ub)


def _anchor(f: Formulation, v: _View, x_lp: FloatArray) -> FloatArray:
    """Step 1: the LP point with whole servers and whole training runs.

    Purchases are the LP's rounded down, then rounded up one at a time (largest fraction first)
    while every site's power and space still hold. A training run is counted whole in each group
    the LP gives it (or its favourite, if none): the rounding keeps room for it in any of them.
    """
    x = x_lp.copy()
    buys = _block(f, Var.BUY)
    if len(buys):
        x[buys] = np.floor(np.maximum(x_lp[buys], 0.0) + 1e-6)
        limits = np.flatnonzero(_row_mask(f, _SITE_ROWS))
        sub, up = v.a[limits], v.up
        frac = x_lp[buys] - x[buys]
        for j in buys[np.argsort(-frac, kind="stable")]:
            if x_lp[j] - x[j] <= 1e-6:
                break
            x[j] += 1.0
            if (sub @ x > up[limits] + 1e-6).any():
                x[j] -= 1.0
    if len(f.groups):
        x = _whole_runs(f, x)
    return x


def _whole_runs(f: Formulation, x: FloatArray) -> FloatArray:
    """Training amounts scaled to the whole run in every group the LP uses (see _anchor)."""
    m = f.model
    y0 = m.columns[Var.PLACEMENT].start
    c = f.cand.reset_index(drop=True)
    train = c.index[c["wkind"].isin(["train", "finetune"])]
    if not len(train):
        return x
    keys = ["w_idx", "provider", "region", "accelerator"]
    g = f.groups.assign(v=x[f.groups["col"].to_numpy()])
    chosen = pd.concat([g.loc[g["v"] > 1e-6, keys], _favourites(f, x)[keys]]).drop_duplicates()
    sub = c.loc[train, [*keys, "t_idx", "coverage"]].reset_index().merge(chosen, on=keys, how="left", indicator=True)
    cols = y0 + sub["index"].to_numpy()
    inside = sub["_merge"].eq("both").to_numpy()
    out = x.copy()
    out[cols[~inside]] = 0.0
    sub = sub[inside].assign(col=cols[inside], v=np.maximum(x[cols[inside]], 0.0))
    per = [*keys, "t_idx"]
    got = (sub["coverage"] * sub["v"]).groupby([sub[k] for k in per]).transform("sum").to_numpy()
    out[sub["col"].to_numpy()] = np.where(got > 1e-9, sub["v"].to_numpy() / np.maximum(got, 1e-9), 0.0)
    none = sub[got <= 1e-9]
    if len(none):
        top = none.sort_values([*per, "coverage"], ascending=[True] * len(per) + [False]).drop_duplicates(per)
        out[top["col"].to_numpy()] = 1.0 / top["coverage"].to_numpy()
    return out


def _round(
    f: Formulation, v: _View, anchor: FloatArray, price: FloatArray, limit: FloatArray, min_share: float
) -> FloatArray | None:
    """Steps 1 and 2: fixed values (NaN = left to the completion MIP), or None."""
    m = f.model
    blocked: set[tuple[int, str]] = set()
    relaxed = False
    for _ in range(_MAX_RETRIES):
        fixed = np.full(m.n_cols, np.nan)
        _decide_binaries(f, anchor, fixed, min_share, blocked)
        reps = _replicas(f, v, anchor, fixed, price, limit)
        if not isinstance(reps, set):
            break
        if not reps or reps <= blocked:
            if relaxed:
                return None
            limit, relaxed = v.upper, True  # no way within the LP's reservations: let them grow
            continue
        blocked |= reps
    else:
        return None
    cols, vals = reps
    fixed[cols] = vals
    # onboarded: every provider now hosting replicas; the completion decides the others
    if len(f.onboard):
        ucols = f.onboard["col"].to_numpy()
        used = f.cand["provider"].to_numpy()[cols - m.columns[Var.PLACEMENT].start][vals > 0] if len(cols) else []
        fixed[ucols[f.onboard["provider"].isin(set(used)).to_numpy()]] = 1.0
    return fixed
