"""Large-neighbourhood search: better plans from a feasible one, one small sub-MIP at a time.

Given a feasible column vector ``x`` of the planning model, a *neighbourhood* frees a subset F of
the columns and fixes every other column at its value in ``x``. What is left is a small MIP:

    min  c_F x_F   s.t.   lo_R - A_{R,~F} x_~F  <=  A_{R,F} x_F  <=  up_R - A_{R,~F} x_~F,
                          l_F <= x_F <= u_F,  x_j integer for integer j in F

over the rows R that touch F (the others are unchanged and still hold). ``x_F`` itself is
feasible for it, so it is handed to HiGHS as a start and the sub-MIP can only improve on it. The
master keeps a result only after checking it against every row of the full model.

Neighbourhoods (chosen by a seeded generator, so a run is reproducible):

- *workloads*: every column of ``k`` random workloads (replicas, gang placement, counted
  providers, served flag) plus every continuous shared column (on-demand hours, reserved draws,
  share-spend helpers): moves those workloads between options, providers and pricing.
- *commitments*: every shared column (reservations, purchases, onboarding, on-demand hours,
  draws) with all placements fixed: a lot-sizing problem that right-sizes reservations and
  purchases to the placements (the rounded start rounds them up).
- *provider*: every column of the workloads that use one provider (at most ``k`` of them), plus
  that provider's reservations and onboarding and the continuous shared columns.

Each round runs one neighbourhood per worker of the executor, all from the same incumbent, and
keeps the best improvement (ties broken by submission order): results depend on the seed and the
number of rounds, not on which worker ran what. A sub-MIP stopped by its own time limit returns
its best point so far, which is still feasible.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from fleetplan.optimize.solver import new_highs
from fleetplan.parallel import Executor

__all__ = ["LnsResult", "LnsStep", "MipArrays", "improve"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

FEASIBILITY_TOL = 1e-6
"""Row and bound tolerance (scaled rows, largest coefficient 1) for accepting a sub-MIP's point."""


@dataclass(frozen=True)
class MipArrays:
    """A MIP as HiGHS sees it (rows equilibrated, objective scaled), plus who owns each column.

    ``owner[j]`` is the workload index of column j (its placements, gang, counted-provider and
    served columns) or -1 for a shared column; ``provider[j]`` an integer code of the provider a
    column belongs to, or -1; ``always_free`` marks helper columns every neighbourhood frees.
    """

    a_csc: sp.csc_matrix
    a_csr: sp.csr_matrix
    row_lo: FloatArray
    row_up: FloatArray
    cost: FloatArray
    col_lo: FloatArray
    col_up: FloatArray
    integer: npt.NDArray[np.bool_]
    owner: IntArray
    provider: IntArray
    always_free: npt.NDArray[np.bool_]

    @property
    def n_cols(self) -> int:
        return int(self.a_csc.shape[1])

    def objective(self, x: FloatArray) -> float:
        return float(self.cost @ x)

    def violation(self, x: FloatArray) -> float:
        """Largest violation of a row, a bound or integrality (0 for a feasible point)."""
        r = self.a_csr @ x
        worst = max(
            float(np.max(self.row_lo - r, initial=0.0)),
            float(np.max(r - self.row_up, initial=0.0)),
            float(np.max(self.col_lo - x, initial=0.0)),
            float(np.max(x - self.col_up, initial=0.0)),
        )
        xi = x[self.integer]
        return max(worst, float(np.max(np.abs(xi - np.round(xi)), initial=0.0)))


@dataclass(frozen=True)
class LnsStep:
    """One round: when it ended, the incumbent after it, and which neighbourhood improved it."""

    time_s: float
    objective: float
    improved_by: str | None


@dataclass
class LnsResult:
    x: FloatArray
    objective: float
    rounds: int = 0
    improvements: int = 0
    history: list[LnsStep] = field(default_factory=list)


# --------------------------------------------------------------------------- sub-problem


def restrict(data: MipArrays, free: IntArray, x: FloatArray, row_activity: FloatArray | None = None) -> dict[str, Any]:
    """The sub-MIP over columns ``free`` with every other column fixed at ``x`` (see module doc)."""
    sub_cols = data.a_csc[:, free]
    rows = np.unique(sub_cols.indices)
    sub = sub_cols[rows, :].tocsc()
    act = data.a_csr @ x if row_activity is None else row_activity
    shift = act[rows] - sub @ x[free]
    return {
        "a": sub,
        "row_lo": data.row_lo[rows] - shift,
        "row_up": data.row_up[rows] - shift,
        "cost": data.cost[free],
        "col_lo": data.col_lo[free],
        "col_up": data.col_up[free],
        "integer": data.integer[free],
        "start": x[free],
    }


def solve_sub_mip(sub: dict[str, Any], time_limit_s: float, seed: int = 0) -> FloatArray | None:
    """Solve one restricted sub-MIP with HiGHS from its start; its best point, or None."""
    import highspy

    h = new_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", 1e-4)
    h.setOptionValue("random_seed", int(seed))
    a: sp.csc_matrix = sub["a"]
    lp = highspy.HighsLp()
    lp.num_col_ = a.shape[1]
    lp.num_row_ = a.shape[0]
    lp.col_cost_ = sub["cost"]
    lp.col_lower_ = sub["col_lo"]
    lp.col_upper_ = sub["col_up"]
    lp.row_lower_ = sub["row_lo"]
    lp.row_upper_ = sub["row_up"]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = a.shape[1]
    lp.a_matrix_.num_row_ = a.shape[0]
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data.astype(float)
    integer = sub["integer"]
    if integer.any():
        lp.integrality_ = [highspy.HighsVarType.kInteger if f else highspy.HighsVarType.kContinuous for f in integer]
    h.passModel(lp)
    if integer.any():
        start = np.asarray(sub["start"], dtype=float)
        h.setSolution(len(start), np.arange(len(start), dtype=np.int32), start)
    h.run()
    if h.getInfo().primal_solution_status != 2:  # kSolutionStatusFeasible
        return None
    return np.asarray(h.getSolution().col_value, dtype=float)


def _work(data: MipArrays, task: tuple[IntArray, FloatArray, float, int]) -> FloatArray | None:
    """Executor task: restrict the scattered model (``data``) to one neighbourhood and solve it."""
    free, x, time_limit_s, seed = task
    return solve_sub_mip(restrict(data, free, x), time_limit_s, seed)


# --------------------------------------------------------------------------- neighbourhoods


DENSE_ROW = 2_000
"""Rows with more non-zeros than this (share caps, budgets, carbon) do not pull their columns into
a neighbourhood: every column is in them."""


def _expand(data: MipArrays, core: npt.NDArray[np.bool_]) -> IntArray:
    """``core`` plus the shared continuous columns one sparse row away from it (dense rows
    excepted) plus the columns that are always free (helpers such as share-spend totals)."""
    mask = core | data.always_free
    rows = np.unique(data.a_csc[:, np.flatnonzero(core)].indices)
    rows = rows[np.diff(data.a_csr.indptr)[rows] <= DENSE_ROW]
    if len(rows):
        near = np.unique(data.a_csr[rows].indices)
        near = near[(data.owner[near] < 0) & ~data.integer[near]]
        mask[near] = True
    return np.flatnonzero(mask)


def _neighbourhood(data: MipArrays, kind: str, rng: np.random.Generator, k: int) -> IntArray:
    owner, shared = data.owner, data.owner < 0
    if kind == "commitments":
        codes = np.unique(data.provider[shared & data.integer & (data.provider >= 0)])
        if len(codes) == 0:
            return _expand(data, shared & data.integer)
        chosen = rng.choice(codes, size=min(len(codes), max(1, len(codes) // 3)), replace=False)
        return _expand(data, shared & data.integer & np.isin(data.provider, chosen))
    workloads = np.unique(owner[owner >= 0])
    if kind == "provider":
        codes = np.unique(data.provider[data.provider >= 0])
        if len(codes):
            p = rng.choice(codes)
            users = np.unique(owner[(data.provider == p) & (owner >= 0)])
            if len(users) > k:
                users = rng.choice(users, size=k, replace=False)
            return _expand(data, np.isin(owner, users) | (shared & (data.provider == p)))
    chosen = rng.choice(workloads, size=min(k, len(workloads)), replace=False)
    return _expand(data, np.isin(owner, chosen))


_KINDS = ("commitments", "workloads", "workloads", "provider")


def improve(
    data: MipArrays,
    x0: FloatArray,
    *,
    executor: Executor,
    deadline_s: float,
    max_rounds: int | None = None,
    workloads_per_neighbourhood: int = 10,
    sub_time_limit_s: float = 2.0,
    seed: int = 0,
    neighbourhoods_per_round: int | None = None,
    stop_at: float = -np.inf,
    progress: Callable[[LnsStep], None] | None = None,
) -> LnsResult:
    """Improve the feasible point ``x0`` until ``deadline_s`` (``time.perf_counter()`` seconds),
    ``max_rounds``, or an objective at or below ``stop_at`` (e.g. the gap target); returns the
    best feasible point found (``x0`` if nothing better).

    Contract: every point returned satisfies every row, bound and integrality of ``data`` within
    :data:`FEASIBILITY_TOL`, and its objective is never above ``x0``'s. Each round solves
    ``neighbourhoods_per_round`` sub-MIPs (default: one per worker of ``executor``); with the same
    seed, count of rounds and neighbourhoods per round, and sub-MIPs that finish within their
    limit, the result is the same on every engine.
    """
    rng = np.random.default_rng(seed)
    x = np.asarray(x0, dtype=float).copy()
    best = data.objective(x)
    out = LnsResult(x=x, objective=best)
    handle = executor.scatter(data)
    n_workloads = int(data.owner.max(initial=-1)) + 1
    k = max(1, min(workloads_per_neighbourhood, n_workloads))
    round_no = 0
    t_start = time.perf_counter()
    per_round = max(1, neighbourhoods_per_round or executor.workers)
    while time.perf_counter() < deadline_s and (max_rounds is None or round_no < max_rounds) and best > stop_at:
        kinds = [_KINDS[(round_no * per_round + i) % len(_KINDS)] for i in range(per_round)]
        hoods = [_neighbourhood(data, kind, rng, k) for kind in kinds]
        left = deadline_s - time.perf_counter()
        limit = max(0.05, min(sub_time_limit_s, left))
        seeds = rng.integers(0, 2**31 - 1, size=len(hoods))
        tasks = [(free, x, limit, int(s)) for free, s in zip(hoods, seeds, strict=True)]
        results = list(executor.map(_work, tasks, shared=handle))
        round_no += 1
        winner, win_val, win_x = None, best, None
        for kind, free, xf in zip(kinds, hoods, results, strict=True):
            if xf is None:
                continue
            cand = x.copy()
            cand[free] = xf
            # integer columns exactly integral, then the full model's rows must hold
            cand[data.integer] = np.round(cand[data.integer])
            val = data.objective(cand)
            if val < win_val - 1e-9 * max(1.0, abs(win_val)) and data.violation(cand) <= FEASIBILITY_TOL:
                winner, win_val, win_x = kind, val, cand
        if win_x is not None:
            x, best = win_x, win_val
            out.improvements += 1
        step = LnsStep(time.perf_counter() - t_start, best, winner)
        out.history.append(step)
        if progress is not None:
            progress(step)
    out.x, out.objective, out.rounds = x, best, round_no
    return out
