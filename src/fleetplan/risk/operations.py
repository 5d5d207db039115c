"""Operations-only re-optimization of a plan: its investments fixed, some capacity taken away.

The plan's reservations (option, start period) and purchases (site, server type, order period) are
pinned, only providers the plan already uses or has onboarded may be used (no onboarding in the
middle of an incident), optional workloads the plan serves must still be served, and demand may go
unserved at a penalty (the ``unserved`` columns of
:class:`~fleetplan.optimize.formulation.Operations`).
Share caps, budgets, carbon budgets, diversity and N-1 are set aside: during an incident the job is
to keep services up at least cost.

Each solve is lexicographic:

1. minimize  spend + sum_{w,t} penalty_w x hours(w,t) x unserved[w,t]
   with penalty_w = ``UNSERVED_USD_PER_ACCELERATOR_HOUR`` (:mod:`fleetplan.data.assumptions`) x
   ``CRITICALITY_WEIGHT[criticality]``, so
   critical demand is served first and unserved accelerator-hours are as few as possible;
2. when demand is left unserved, fix the unserved shares and minimize spend alone, so that the
   reported cost is within the solver gap of the cheapest way to serve what can be served.

Everything the mode changes is an input of the build (:class:`~fleetplan.optimize.formulation.Operations`:
the pins, the optional work that stays served, the unserved prices, relaxed gang placement). Lost
capacity is a per-solve upper bound of zero on the lost candidate columns, and the second step's
prices are per-solve costs: the model is built once per plan, never changed, and may be re-solved
for many events, also at once.

Every solve may start from an earlier solution of the same model (``start``: the plan as
reproduced in operations mode), and a reference solve with nothing lost is solved once per set of
re-planned rows (:meth:`OpsModel.solve` keeps it), so that events and shocks that re-plan the same
workload-periods share it. A solve stopped by its time limit keeps its best solution and says so
(``status`` ``time_limit`` and its ``gap``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from fleetplan.data.assumptions import UNSERVED_USD_PER_ACCELERATOR_HOUR
from fleetplan.errors import FleetplanError
from fleetplan.load.scenario import scenario_catalog
from fleetplan.model.period import hours_per_period
from fleetplan.model.plan import Plan, SolveResult
from fleetplan.model.scenario import Scenario, own_providers
from fleetplan.optimize.candidates import CandidateError, build_candidates
from fleetplan.optimize.formulation import Formulation, Operations, Var, build_model
from fleetplan.optimize.options import build_options
from fleetplan.optimize.solver import HIGHS, Solver, SolverOptions
from fleetplan.sizing import size_workloads

__all__ = [
    "CRITICALITY_WEIGHT",
    "OpsModel",
    "OpsResult",
    "build_ops_model",
    "region_label",
    "worst_gap",
]

CRITICALITY_WEIGHT = {"low": 1.0, "medium": 3.0, "high": 10.0, "critical": 100.0}
"""Relative cost of unserved demand by criticality: critical demand is served first."""

_TOL = 1e-6


def worst_gap(*gaps: float | None) -> float | None:
    """The largest of the gaps of solves that together give one figure (None if none is known)."""
    known = [g for g in gaps if g is not None]
    return max(known) if known else None


def region_label(provider: object, region: object) -> str:
    """``provider/region``: the unique name of a cloud region or (region = site) an owned site."""
    return f"{provider}/{region}"


@dataclass(frozen=True)
class OpsResult:
    """One operations solve: spend per period (USD, undiscounted) and unserved share per (w, t)."""

    ok: bool
    status: str
    spend_usd: np.ndarray  # per period, including fixed costs of existing servers
    unserved: np.ndarray  # per coverage row of OpsModel.rows: share of the period's demand unserved
    y: np.ndarray | None  # candidate amounts (None when no solution)
    time_s: float
    gap: float | None
    x: np.ndarray | None = None  # every column's value


@dataclass
class OpsModel:
    """The operations model of one plan: built once, re-solved with different capacity removed."""

    sc: Scenario
    plan: Plan
    cand: pd.DataFrame
    f: Formulation
    rows: pd.DataFrame  # one row per coverage row: w_idx, t_idx, workload, criticality, hours_per_cover, col
    plan_y: np.ndarray  # the plan's amount on every candidate row
    options: pd.DataFrame
    onboarded: frozenset[str]
    labels: list[str]
    hours: float
    time_limit_s: float
    mip_rel_gap: float
    solver: Solver = HIGHS
    references: dict[bytes, OpsResult] = field(default_factory=dict, repr=False)
    """Solves with nothing lost, by the rows they re-plan (see :meth:`solve`)."""

    @property
    def periods(self) -> int:
        return len(self.labels)

    def _block(self, var: Var) -> slice:
        blk = self.f.model.columns[var]
        return slice(blk.start, blk.start + blk.size)

    def free_mask(self, lost: np.ndarray | None = None, affected: np.ndarray | None = None) -> np.ndarray:
        """Candidate rows that may be re-planned: every row of a workload-period that loses capacity
        the plan uses (``lost``) or that ``affected`` marks."""
        n = len(self.cand)
        lost = np.zeros(n, dtype=bool) if lost is None else np.asarray(lost, dtype=bool)
        free_rows = np.zeros(n, dtype=bool) if affected is None else np.asarray(affected, dtype=bool).copy()
        hit = lost & (self.plan_y > _TOL)
        if hit.any() or free_rows.any():
            key = self.cand["w_idx"].to_numpy() * (self.periods + 1) + self.cand["t_idx"].to_numpy()
            free_rows = np.isin(key, key[hit | free_rows])
        return free_rows

    def solve(
        self,
        lost: np.ndarray | None = None,
        free: np.ndarray | None = None,
        *,
        start: np.ndarray | None = None,
    ) -> OpsResult:
        """Solve with candidate rows ``lost`` (boolean mask over ``cand``) unavailable.

        Rows in ``free`` (default: :meth:`free_mask` of ``lost``) are re-planned freely; every
        other row keeps the plan's amount as an upper bound: its workload runs where the plan put it
        or gives capacity up (counted as unserved) so that more critical work can take it. The
        model is not changed: the bounds and costs of each step are arguments of the solve.

        ``start`` is a solution of this model (such as ``solve()``, the plan reproduced): its
        integer values, held within this solve's bounds (lost capacity at zero), seed the solve,
        and the solver completes the continuous columns (unserved shares among them); it changes
        how fast a solution is found, never the problem. A solve with nothing lost is kept by the
        rows it re-plans and returned again for the same rows (events and shocks that re-plan the
        same workload-periods share their reference).
        """
        m = self.f.model
        ys, us = self._block(Var.PLACEMENT), self._block(Var.UNSERVED)
        lower, upper = m.col("lower"), m.col("upper")
        n = len(self.cand)
        lost = np.zeros(n, dtype=bool) if lost is None else np.asarray(lost, dtype=bool)
        free_rows = self.free_mask(lost) if free is None else np.asarray(free, dtype=bool)
        key = None if lost.any() else free_rows.tobytes()
        if key is not None and key in self.references:
            return replace(self.references[key], time_s=0.0)
        y_up = upper[ys].copy()
        upper[ys] = np.where(lost, 0.0, np.where(free_rows, y_up, np.minimum(y_up, self.plan_y)))
        opts = SolverOptions(time_limit_s=self.time_limit_s, mip_rel_gap=self.mip_rel_gap)
        x0 = None
        if start is not None:
            integer = m.col("integer")
            x0 = np.clip(np.asarray(start, dtype=float), lower, upper)
            x0[~integer] = np.nan
        res, x = self.solver.solve(m, opts, bounds=(lower, upper), start=x0)
        total_time = res.time_s
        if x is None:
            return self._failed(res, total_time)
        status, gap = res.status.value, res.gap
        un = self._unserved(x)
        if (un > _TOL).any():
            # step 2: the unserved shares found, at no cost: the cheapest way to serve the rest
            # (step 1's solution is feasible here: it starts the solve)
            upper2 = upper.copy()
            upper2[us] = np.minimum(upper[us], un + 1e-7)
            cost2 = m.col("cost")
            cost2[us] = 0.0
            res2, x2 = self.solver.solve(m, opts, bounds=(lower, upper2), cost=cost2, start=x)
            total_time += res2.time_s
            if x2 is not None:
                x = x2
                un = self._unserved(x)
                # the shares come from step 1: a step stopped by its limit marks the result
                status = status if status != "optimal" else res2.status.value
                gap = worst_gap(gap, res2.gap)
        out = OpsResult(True, status, self._spend(x), un, self._y(x), total_time, gap, x)
        if key is not None:
            self.references[key] = out
        return out

    def _failed(self, res: SolveResult, t: float) -> OpsResult:
        return OpsResult(
            False,
            res.status.value,
            np.full(self.periods, np.nan),
            np.full(len(self.rows), np.nan),
            None,
            t,
            None,
        )

    def _unserved(self, x: np.ndarray) -> np.ndarray:
        return np.clip(x[self.rows["col"].to_numpy()], 0.0, 1.0)

    def _y(self, x: np.ndarray) -> np.ndarray:
        y = x[self._block(Var.PLACEMENT)].copy()
        serve = self.cand["unit"].eq("replicas").to_numpy()
        y[serve] = np.round(y[serve])
        return y

    def _whole(self, x: np.ndarray) -> np.ndarray:
        """``x`` with reservations, purchases and onboarding rounded to whole units."""
        xr = x.copy()
        for var in (Var.RESERVE, Var.BUY, Var.ONBOARD):
            blk = self._block(var)
            xr[blk] = np.round(xr[blk])
        return xr

    def _spend(self, x: np.ndarray) -> np.ndarray:
        xr = self._whole(x)
        spend = np.asarray(self.f.spend @ xr).ravel()
        fixed = self.f.fixed_spend.to_numpy().sum(axis=1) if self.f.fixed_spend.size else 0.0
        return spend + fixed

    def spend_by_provider(self, x: np.ndarray) -> dict[str, float]:
        """Horizon spend (USD, undiscounted) by provider of a solution (every column has one)."""
        f = self.f
        owner = f.owner["provider"]  # the columns with spend, as the builder attributes them
        xr = self._whole(x)
        per_col = np.asarray(f.spend.sum(axis=0)).ravel() * xr
        out: dict[str, float] = {}
        for o, v in zip(owner, per_col[: len(owner)], strict=True):
            if o and v:
                out[o] = out.get(o, 0.0) + float(v)
        if f.fixed_spend.size:
            for col in f.fixed_spend.columns:
                out[str(col)] = out.get(str(col), 0.0) + float(f.fixed_spend[col].sum())
        return out

    def allocation(self, y: np.ndarray) -> pd.DataFrame:
        """Candidate rows with a positive amount in ``y``: where each workload runs."""
        used = y > _TOL
        a = self.cand[used]
        return pd.DataFrame(
            {
                "workload": a["workload"].to_numpy(),
                "w_idx": a["w_idx"].to_numpy(),
                "t_idx": a["t_idx"].to_numpy(),
                "provider": a["provider"].to_numpy(),
                "region": a["region"].to_numpy(),
                "pricing_model": a["pricing_model"].to_numpy(),
                "accelerator": a["accelerator"].to_numpy(),
                "instance_type": a["instance_type"].to_numpy(),
                "coverage": y[used] * a["coverage"].to_numpy(),
                "accelerator_hours": y[used] * a["usage"].to_numpy(),
            }
        )


def _pins(sc: Scenario, plan: Plan, delay: dict[str, int] | None) -> tuple[dict, dict, frozenset[str]]:
    labels = sc.horizon.labels()
    t_of = {p: i for i, p in enumerate(labels)}
    res: dict[tuple[int, int], int] = {}
    for r in plan.reservations.itertuples(index=False):
        key = (int(r.option_id), t_of[r.start_period])
        res[key] = res.get(key, 0) + int(r.instances)
    buys: dict[tuple[str, str, int], int] = {}
    for r in plan.purchases.itertuples(index=False):
        shift = (delay or {}).get(str(r.server_type), 0)
        key = (str(r.site), str(r.server_type), t_of[r.period_ordered] + shift)
        buys[key] = buys.get(key, 0) + int(r.servers)
    used = set(plan.allocations["provider"]) | set(plan.reservations["provider"]) | set(plan.purchases["provider"])
    onboarded = frozenset(used | set(plan.onboarded) | set(sc.onboarded_providers))
    return res, buys, onboarded


def _adopted(sc: Scenario, plan: Plan) -> dict[str, int]:
    """Stack -> period index its adoption starts, from the plan's ``skills`` table."""
    if not len(plan.skills):
        return {}
    t_of = {p: i for i, p in enumerate(sc.horizon.labels())}
    return {str(r["stack"]): t_of[r["period"]] for r in plan.skills.to_dict("records") if r["period"] in t_of}


def build_ops_model(
    sc: Scenario,
    plan: Plan,
    *,
    time_limit_s: float = 30.0,
    mip_rel_gap: float = 1e-3,
    sizing: pd.DataFrame | None = None,
    transform: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    delay_server_types: dict[str, int] | None = None,
    solver: Solver | None = None,
) -> OpsModel:
    """Build the operations model of ``plan`` (see module docstring).

    ``transform`` may edit the candidate table (prices, availability caps) before the model is
    built; ``delay_server_types`` shifts the plan's orders of the named server types by a number of
    periods (a purchase whose servers would arrive after the horizon is lost). ``solver`` runs
    every re-solve (default: HiGHS).
    """
    sizing = size_workloads(sc) if sizing is None else sizing
    options = build_options(sc, scenario_catalog(sc))
    try:
        cand = build_candidates(sc, options, sizing, prune=False).table
    except CandidateError as exc:  # the plan exists, so this only happens with an edited scenario
        raise FleetplanError(f"risk analysis: {exc}") from None
    dropped = set(plan.dropped_workloads)
    cand = cand[~cand["workload"].isin(dropped)].reset_index(drop=True)
    if transform is not None:
        cand = transform(cand).reset_index(drop=True)
    res, buys, onboarded = _pins(sc, plan, delay_server_types)
    # one coverage row per (workload, period) among the candidates: what leaving it unserved costs
    info = cand[["w_idx", "t_idx"]].drop_duplicates().sort_values(["w_idx", "t_idx"]).reset_index(drop=True)
    info["workload"] = [sc.workloads[int(w)].name for w in info["w_idx"]]
    info["criticality"] = [sc.workloads[int(w)].criticality for w in info["w_idx"]]
    info["hours_per_cover"] = _hours_per_cover(plan, cand, info, sc.horizon.labels())
    # unserved penalty per accelerator-hour, weighted by criticality
    weight = info["criticality"].map(CRITICALITY_WEIGHT).to_numpy()
    price = UNSERVED_USD_PER_ACCELERATOR_HOUR * weight * np.maximum(info["hours_per_cover"].to_numpy(), 1.0)
    ops = Operations(
        reservations=res,
        purchases=buys,
        onboarded=onboarded,
        unserved_usd={(int(w), int(t)): float(p) for w, t, p in zip(info["w_idx"], info["t_idx"], price, strict=True)},
        # optional workloads the plan serves stay served (or count as unserved)
        served_optional=frozenset(w.name for w in sc.workloads if w.optional and w.name not in dropped),
        # gang placement is not enforced mid-incident: a training run may migrate while capacity is lost
        relax_placement=True,
        # software stacks: the plan's adoptions hold (none is adopted mid-incident)
        adopted=_adopted(sc, plan),
    )
    f = build_model(sc, cand, options, operations=ops)
    rows = f.unserved.merge(info, on=["w_idx", "t_idx"], how="left", validate="one_to_one")
    return OpsModel(
        sc=sc,
        plan=plan,
        cand=cand,
        f=f,
        rows=rows.reset_index(drop=True),
        plan_y=_plan_amounts(sc, plan, cand),
        options=options,
        onboarded=_usable_providers(sc, onboarded),
        labels=sc.horizon.labels(),
        hours=hours_per_period(sc.horizon.period),
        time_limit_s=time_limit_s,
        mip_rel_gap=mip_rel_gap,
        solver=HIGHS if solver is None else solver,
    )


def _hours_per_cover(plan: Plan, cand: pd.DataFrame, rows: pd.DataFrame, labels: list[str]) -> np.ndarray:
    """Accelerator-hours that serve a whole (workload, period): the plan's own ratio where it runs,
    else the smallest over the workload's candidates."""
    a = plan.allocations
    t_of = {p: i for i, p in enumerate(labels)}
    ratio: dict[tuple[str, int], float] = {}
    if len(a):
        g = a.groupby(["workload", "period"])[["accelerator_hours", "coverage"]].sum()
        for (w, p), r in g.iterrows():
            if r["coverage"] > _TOL:
                ratio[(str(w), t_of[p])] = float(r["accelerator_hours"] / r["coverage"])
    per = (cand["usage"] / cand["coverage"]).groupby([cand["workload"], cand["t_idx"]]).min()
    out = []
    for w, t in zip(rows["workload"], rows["t_idx"], strict=True):
        v = ratio.get((w, int(t)))
        if v is None:
            v = float(per.get((w, int(t)), 0.0))
        out.append(v)
    return np.asarray(out, dtype=float)


def _plan_amounts(sc: Scenario, plan: Plan, cand: pd.DataFrame) -> np.ndarray:
    """The plan's value of every candidate column: replicas (serving) or full covers."""
    t_of = {p: i for i, p in enumerate(sc.horizon.labels())}
    w_of = {w.name: i for i, w in enumerate(sc.workloads)}
    pos = {
        (int(w), int(t), int(o)): i
        for i, (w, t, o) in enumerate(zip(cand["w_idx"], cand["t_idx"], cand["option_id"], strict=True))
    }
    y = np.zeros(len(cand))
    cov = cand["coverage"].to_numpy()
    for r in plan.allocations.itertuples(index=False):
        i = pos.get((w_of[r.workload], t_of[r.period], int(r.option_id)))
        if i is None:
            raise FleetplanError(
                f"risk analysis: the plan runs {r.workload} on option {r.option_id}, which the "
                "scenario no longer offers; re-plan first"
            )
        y[i] += float(r.replicas) if r.kind == "serve" else float(r.coverage) / cov[i]
    return y


def _usable_providers(sc: Scenario, onboarded: frozenset[str]) -> frozenset[str]:
    """Providers usable without onboarding: the plan's, the onboarded ones and the company's own,
    counting every site's provider as the company's own (``include_sites``)."""
    return frozenset(onboarded | own_providers(sc, include_sites=True))
