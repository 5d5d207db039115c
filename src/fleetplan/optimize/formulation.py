"""The planning model: variables as tables, one function per constraint family.

Notation: w workload, o option, t period (T periods of H hours), p provider, v chip vendor,
i site, k server type. d_t = (1 + r)^(-t / periods_per_year) is the discount factor.

Variables (column blocks):
  y[w,o,t] >= 0   amount of option o used by w in t: replicas (integer, serving) or accelerator-hours
  h[k,t]   >= 0   on-demand accelerator-hours of pricing pool k (see ``pricing_pools``)
  rho[k,r,t] >= 0 accelerator-hours pool k draws from reservation r
  n[o,s]   >= 0   instances of reserved option o whose term starts in s (integer)
  b[i,k,s] >= 0   servers of type k ordered for site i in s, in service from s + lead (integer)
  z[w,g]   in {0,1}  gang placement of a training run on group g = (provider, region, accelerator)
  u[p]     in {0,1}  provider p onboarded (pays its onboarding cost)
  q[w,p]   in {0,1}  critical workload w counts provider p toward its diversity minimum
  s[w]     in {0,1}  optional workload w is served

Spend is a sparse matrix S (period x column, undiscounted USD) plus constants F_t (opex of
existing servers). The objective is sum_t d_t S_t x + carbon price x tCO2e - value of served
optional work (+ full reservation terms and salvage credits under ``capex: salvage``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from fleetplan.catalog.hardware import resolve_accelerator
from fleetplan.load.scenario import scenario_catalog
from fleetplan.model.period import hours_per_period, parse_period, periods_per_year
from fleetplan.model.scenario import Scenario
from fleetplan.optimize.pricing_pools import RESERVED_MODELS, pricing_pools
from fleetplan.optimize.sparse import SparseModel

__all__ = ["Formulation", "Operations", "build_model", "discount_factors", "owned_pools"]


def discount_factors(sc: Scenario) -> np.ndarray:
    """d_t = (1 + r)^(-t / periods_per_year) for t = 0..T-1."""
    ppy = periods_per_year(sc.horizon.period)
    t = np.arange(sc.horizon.periods)
    return (1.0 + sc.discount_rate_per_year) ** (-t / ppy)


def _crf(rate: float, years: float) -> float:
    """Capital recovery factor: the annual payment that repays 1 over ``years`` at ``rate``."""
    if rate <= 0:
        return 1.0 / years
    return rate / (1.0 - (1.0 + rate) ** (-years))


@dataclass(frozen=True)
class Operations:
    """Operations-only mode (contingency re-planning): investments are fixed, policies set aside.

    Reservations and purchases are fixed to the given amounts (zero where absent), only the given
    providers may be used (no onboarding mid-incident), share caps, budgets, carbon budgets,
    diversity and N-1 are not enforced, and unmet demand is allowed at ``unserved_penalty_usd`` per
    workload-period fully unserved (column block ``unserved``, one per coverage row).
    """

    reservations: dict[tuple[int, int], int]  # (option_id, start t) -> instances
    purchases: dict[tuple[str, str, int], int]  # (site, server_type, order t) -> servers
    onboarded: frozenset[str]
    unserved_penalty_usd: float = 1e9


@dataclass
class Formulation:
    """The built model plus the tables that map its columns back to the plan."""

    model: SparseModel
    cand: pd.DataFrame
    reservations: pd.DataFrame  # one row per n column: option_id, start t, term, instances ub
    purchases: pd.DataFrame  # one row per b column: site, server_type, order t, service t, ...
    pools: pd.DataFrame  # one row per (site, server_type): existing servers by period
    groups: pd.DataFrame  # one row per z column
    onboard: pd.DataFrame  # one row per u column
    diversity: pd.DataFrame  # one row per q column
    optional: pd.DataFrame  # one row per s column
    spend: sp.csr_matrix  # periods x columns, undiscounted USD
    fixed_spend: pd.DataFrame  # constants: period x provider, USD (existing server opex)
    co2: np.ndarray  # tCO2e per column
    discount: np.ndarray
    objective_extra: np.ndarray  # per column, added to discounted spend in the objective
    elastic: bool = False
    pool_periods: pd.DataFrame = field(default_factory=pd.DataFrame)
    """One row per (pricing pool, period): on-demand ``option_id``, ``t_idx``, ``col`` of its h."""
    pool_draws: pd.DataFrame = field(default_factory=pd.DataFrame)
    """One row per (pool-period, reservation): ``pp``, reserved ``option_id``, ``col`` of its rho."""
    slacks: pd.DataFrame = field(default_factory=pd.DataFrame)
    unserved: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Operations mode: one row per coverage row (w_idx, t_idx, col of its unserved share)."""


# --------------------------------------------------------------------------- owned pools


def owned_pools(sc: Scenario, first: int) -> pd.DataFrame:
    """Existing servers per (site, server type, period): in service while t < purchased + life."""
    types = {t.name: t for t in sc.server_types}
    ppy = periods_per_year(sc.horizon.period)
    T = sc.horizon.periods
    rows = []
    for site in sc.sites:
        names = list(dict.fromkeys([hw.server_type for hw in site.existing] + list(site.buyable)))
        for name in names:
            st = types[name]
            acc = resolve_accelerator(st.accelerator)
            existing = np.zeros(T)
            for hw in site.existing:
                if hw.server_type != name:
                    continue
                start = parse_period(hw.purchased, sc.horizon.period) - first
                end = start + round(st.lifetime_years * ppy)
                t = np.arange(T)
                existing += np.where((t >= start) & (t < end), hw.count, 0)
            rows.append(
                {
                    "site": site.name,
                    "provider": site.provider,
                    "server_type": name,
                    "accelerator": acc.name,
                    "vendor": acc.vendor,
                    "per_server": st.accelerators_per_server,
                    "server_kw": st.accelerators_per_server * acc.tdp_w * st.power_overhead_factor * site.pue / 1000.0,
                    "rack_units": st.rack_units,
                    "capex_usd": st.capex_usd,
                    "lead": st.lead_time_periods,
                    "life": round(st.lifetime_years * ppy),
                    "lifetime_years": st.lifetime_years,
                    "opex_per_period": st.opex_usd_per_year / ppy,
                    "buyable": name in site.buyable,
                    "power_kw": site.power_capacity_kw,
                    "space": site.space_rack_units,
                    "existing": existing,
                }
            )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- builder


class _Builder:
    def __init__(self, sc: Scenario, cand: pd.DataFrame, options: pd.DataFrame, *, elastic: bool) -> None:
        self.sc = sc
        self.cand = cand
        self.options = options
        self.elastic = elastic
        self.m = SparseModel()
        self.T = sc.horizon.periods
        self.H = hours_per_period(sc.horizon.period)
        self.ppy = periods_per_year(sc.horizon.period)
        self.first = parse_period(sc.horizon.start, sc.horizon.period)
        self.d = discount_factors(sc)
        self.spend_r: list[np.ndarray] = []
        self.spend_c: list[np.ndarray] = []
        self.spend_v: list[np.ndarray] = []
        self.extra: dict[int, float] = {}
        self.co2_parts: dict[str, np.ndarray] = {}
        self.slack_rows: list[dict[str, object]] = []
        self.penalty = 0.0
        self.operations: Operations | None = None
        self.unserved = pd.DataFrame(columns=["w_idx", "t_idx", "col"])
        self.buys = pd.DataFrame()
        self.avail = options.set_index("option_id")["avail_accelerators"]

    # helpers ---------------------------------------------------------------
    def spend(self, t: np.ndarray, col: np.ndarray, usd: np.ndarray) -> None:
        self.spend_r.append(np.asarray(t, dtype=np.int64))
        self.spend_c.append(np.asarray(col, dtype=np.int64))
        self.spend_v.append(np.asarray(usd, dtype=float))

    def slack(self, name: str, labels: list[dict[str, object]], sign: float) -> tuple[np.ndarray, np.ndarray]:
        """Elastic mode: one penalized slack column per row; returns (cols, coefficient sign)."""
        block = self.m.add_columns(f"slack_{name}", len(labels), cost=self.penalty)
        for lab in labels:
            self.slack_rows.append({"family": name, **lab})
        return block.idx(np.arange(len(labels))), np.full(len(labels), sign)


def build_model(
    sc: Scenario,
    cand: pd.DataFrame,
    options: pd.DataFrame,
    *,
    elastic: bool = False,
    operations: Operations | None = None,
    pool_pricing: bool = True,
) -> Formulation:
    """Build every switched-on constraint family into one sparse model (see module docstring).

    With ``pool_pricing`` (default) each workload's reserved rows are merged into its on-demand
    row of the same instance (:mod:`fleetplan.optimize.pricing_pools`); ``Formulation.cand`` is
    then the merged table, one row per y column. Operations mode keeps one row per pricing model
    (its callers address candidate rows directly).
    """
    pp = pricing_pools(cand, options, merge=pool_pricing and operations is None)
    # availability as the candidate table states it (callers may have edited it)
    avail = cand.drop_duplicates("option_id").set_index("option_id")["avail_accelerators"]
    cand = pp.table
    b = _Builder(sc, cand, options, elastic=elastic)
    b.avail = avail.combine_first(options.set_index("option_id")["avail_accelerators"])
    b.operations = operations
    m = b.m
    T, _H, d = b.T, b.H, b.d
    pools = owned_pools(sc, b.first)

    # ---------------------------------------------------------------- columns
    is_int = cand["unit"].eq("replicas").to_numpy()
    y = m.add_columns("y", len(cand), upper=cand["ub"].to_numpy(), integer=is_int)
    b.spend(cand["t_idx"].to_numpy(), y.idx(np.arange(len(cand))), cand["cost_usd"].to_numpy())
    co2 = {"y": cand["co2e_t"].to_numpy()}
    has_od = pp.periods["has_od"].to_numpy(dtype=bool)
    hcol = m.add_columns("h", len(pp.periods), upper=np.where(has_od, np.inf, 0.0))
    if has_od.any():
        b.spend(
            pp.periods["t_idx"].to_numpy()[has_od],
            hcol.idx(np.flatnonzero(has_od)),
            pp.periods["usd_per_accelerator_hour"].to_numpy()[has_od],
        )
    rho = m.add_columns("rho", len(pp.draws))
    pool_periods = pp.periods.assign(col=hcol.idx(np.arange(len(pp.periods))))
    pool_draws = pp.draws.assign(col=rho.idx(np.arange(len(pp.draws))))

    res = _reservation_columns(b, cand, options, pool_periods, pool_draws)
    n = m.add_columns("n", len(res), upper=res["ub"].to_numpy() if len(res) else 0.0, integer=True)
    if len(res):
        _reservation_spend(b, res, n.start)

    buys = _purchase_columns(b, pools)
    b.buys = buys
    bcol = m.add_columns("b", len(buys), upper=buys["ub"].to_numpy() if len(buys) else 0.0, integer=True)
    if len(buys):
        _purchase_spend(b, pools, buys, bcol.start)

    groups = _placement_groups(sc, cand)
    z = m.add_columns("z", len(groups), upper=1.0, integer=True)

    onboard = _onboarding_table(sc, cand, options, res)
    u = m.add_columns("u", len(onboard), upper=1.0, integer=True)
    if len(onboard):
        b.spend(np.zeros(len(onboard), dtype=np.int64), u.idx(np.arange(len(onboard))), onboard["cost_usd"].to_numpy())

    div = _diversity_table(sc, cand)
    q = m.add_columns("q", len(div), upper=1.0, integer=True)

    optional = pd.DataFrame(
        [
            {"w_idx": i, "workload": w.name, "value_usd": w.value_usd or 0.0}
            for i, w in enumerate(sc.workloads)
            if w.optional
        ]
    )
    s = m.add_columns(
        "s", len(optional), upper=1.0, integer=True, cost=-(optional["value_usd"].to_numpy() if len(optional) else 0.0)
    )

    # elastic penalty: larger than any plausible plan cost
    b.penalty = 1e3 * max(1.0, float((cand["cost_usd"] * cand["ub"]).sum()))

    served = _served_index(sc, optional, s.start)
    if operations is not None:
        _fix_investments(b, operations, res, buys, onboard, n.start, bcol.start, u.start)
    # ---------------------------------------------------------------- families
    _coverage(b, cand, y.start, served)
    _availability(b, cand, y.start, pool_periods, pool_draws)
    if len(pool_periods):
        _pool_capacity(b, cand, pool_periods, pool_draws, y.start)
    if len(res):
        _reserved_capacity(b, cand, res, y.start, n.start, pool_periods, pool_draws)
    if len(pools):
        _owned_capacity(b, cand, pools, buys, y.start, bcol.start)
        _site_power_and_space(b, pools, buys, bcol.start)
    if len(groups):
        _single_placement(b, cand, groups, y.start, z.start, served)
    if len(onboard):
        _onboarding(b, cand, res, onboard, y.start, n.start, u.start)
    ops = operations is not None
    if len(div) and not ops:
        _diversity(b, cand, div, y.start, q.start, served)
    if len(onboard) and not ops:
        _onboarding_implied(b, onboard, u.start, div, q.start, groups, z.start)
    if sc.policy.n_minus_1 and not ops:
        _n_minus_1(b, cand, y.start, served)

    spend = sp.csr_matrix(
        (np.concatenate(b.spend_v), (np.concatenate(b.spend_r), np.concatenate(b.spend_c))),
        shape=(T, m.n_cols),
    )
    fixed = _fixed_spend(pools, T)
    co2_all = np.zeros(m.n_cols)
    co2_all[y.start : y.start + y.size] = co2["y"]
    if not ops:
        _share_caps(b, spend, fixed, options, cand, pools, res, onboard, pool_periods)
        _budgets(b, spend, fixed)
        _carbon_budget(b, cand, y.start)

    # objective: discounted spend + carbon price + extras (+ values already on s, penalties on slacks)
    objective = np.asarray(spend.T @ d).ravel()
    objective[y.start : y.start + y.size] += sc.objective.carbon_price_usd_per_tco2e * co2["y"]
    extra = np.zeros(m.n_cols)
    for col, val in b.extra.items():
        extra[col] += val
    base_cost = m.col("cost")
    # columns added after spend was built (slacks) keep their own cost
    total = np.zeros(m.n_cols)
    total[: len(objective)] = objective
    total += extra + base_cost
    _assign_costs(m, total)
    spend = sp.csr_matrix((spend.data, spend.indices, spend.indptr), shape=(T, m.n_cols))
    co2_full = np.zeros(m.n_cols)
    co2_full[: len(co2_all)] = co2_all
    return Formulation(
        model=m,
        cand=cand,
        reservations=res.assign(col=n.idx(np.arange(len(res)))) if len(res) else res,
        purchases=buys.assign(col=bcol.idx(np.arange(len(buys)))) if len(buys) else buys,
        pools=pools,
        groups=groups.assign(col=z.idx(np.arange(len(groups)))) if len(groups) else groups,
        onboard=onboard.assign(col=u.idx(np.arange(len(onboard)))) if len(onboard) else onboard,
        diversity=div.assign(col=q.idx(np.arange(len(div)))) if len(div) else div,
        optional=optional.assign(col=s.idx(np.arange(len(optional)))) if len(optional) else optional,
        spend=spend,
        fixed_spend=fixed,
        co2=co2_full,
        discount=d,
        objective_extra=extra,
        elastic=elastic,
        pool_periods=pool_periods,
        pool_draws=pool_draws,
        slacks=pd.DataFrame(b.slack_rows),
        unserved=b.unserved,
    )


def _assign_costs(m: SparseModel, total: np.ndarray) -> None:
    offset = 0
    for i, part in enumerate(m.cost):
        m.cost[i] = total[offset : offset + len(part)].copy()
        offset += len(part)


def _fix_investments(
    b: _Builder,
    ops: Operations,
    res: pd.DataFrame,
    buys: pd.DataFrame,
    onboard: pd.DataFrame,
    n0: int,
    b0: int,
    u0: int,
) -> None:
    """Operations mode: pin reservations, purchases and onboarding (lower = upper = given amount)."""
    m = b.m

    def pin(name: str, values: np.ndarray) -> None:
        i = list(m.columns).index(name)
        m.lower[i] = values.astype(float)
        m.upper[i] = values.astype(float)

    if len(res):
        pin(
            "n",
            np.array(
                [ops.reservations.get((int(o), int(t)), 0) for o, t in zip(res["option_id"], res["start"], strict=True)]
            ),
        )
    if len(buys):
        pin(
            "b",
            np.array(
                [
                    ops.purchases.get((si, st, int(t)), 0)
                    for si, st, t in zip(buys["site"], buys["server_type"], buys["order"], strict=True)
                ]
            ),
        )
    if len(onboard):
        pin("u", np.array([1 if p in ops.onboarded else 0 for p in onboard["provider"]]))


def _served_index(sc: Scenario, optional: pd.DataFrame, s_start: int) -> dict[int, int]:
    """Workload index -> column of its served binary (optional workloads only)."""
    if optional.empty:
        return {}
    return {int(w): s_start + i for i, w in enumerate(optional["w_idx"])}


# --------------------------------------------------------------------------- columns


def _reservation_columns(
    b: _Builder, cand: pd.DataFrame, options: pd.DataFrame, periods: pd.DataFrame, draws: pd.DataFrame
) -> pd.DataFrame:
    """One column per (reserved option some candidate or pool may use, start period)."""
    rc = cand[cand["pricing_model"].isin(RESERVED_MODELS) & (cand["pool"] < 0)]
    # upper bound on instances: the most usage that could ask for the option in any period
    use = [pd.DataFrame({"option_id": rc["option_id"], "t_idx": rc["t_idx"], "amount": rc["usage"] * rc["ub"]})]
    if len(draws):
        pooled = cand[cand["pool"] >= 0]
        per_pp = np.bincount(
            pooled["pool"].to_numpy(), weights=(pooled["usage"] * pooled["ub"]).to_numpy(), minlength=len(periods)
        )
        pp = draws["pp"].to_numpy()
        use.append(
            pd.DataFrame(
                {
                    "option_id": draws["option_id"].to_numpy(),
                    "t_idx": periods["t_idx"].to_numpy()[pp],
                    "amount": per_pp[pp],
                }
            )
        )
    u = pd.concat(use, ignore_index=True)
    if u.empty:
        return pd.DataFrame(columns=["option_id", "start", "term", "per_instance_usd", "ub"])
    demand = u.groupby(["option_id", "t_idx"])["amount"].sum().groupby(level=0).max()
    opt = options.set_index("option_id")
    ids = np.sort(u["option_id"].unique())
    rows = []
    for oid in ids:
        o = opt.loc[oid]
        per_inst = float(o["usd_per_accelerator_hour"]) * int(o["accelerator_count"]) * b.H
        ub = float(np.ceil(demand.loc[oid] / (int(o["accelerator_count"]) * b.H) + 1e-9))
        for st in range(b.T):
            rows.append(
                {
                    "option_id": int(oid),
                    "start": st,
                    "term": int(o["term_periods"]),
                    "per_instance_usd": per_inst,
                    "ub": ub,
                }
            )
    return pd.DataFrame(rows)


def _reservation_spend(b: _Builder, res: pd.DataFrame, start: int) -> None:
    """Reserved instances are paid every period of their term, used or not.

    Spend in t for column (o, s): price_o x count_o x H for s <= t < s + term (within the horizon).
    Under ``capex: salvage`` the objective also carries the term's periods beyond the horizon.
    """
    cols = start + np.arange(len(res))
    term = res["term"].to_numpy()
    s0 = res["start"].to_numpy()
    reps = np.minimum(term, b.T - s0)
    col = np.repeat(cols, reps)
    t = np.concatenate([np.arange(a, a + r) for a, r in zip(s0, reps, strict=True)]) if len(res) else np.zeros(0)
    b.spend(t, col, np.repeat(res["per_instance_usd"].to_numpy(), reps))
    if b.sc.objective.capex == "salvage":
        ppy = b.ppy
        r = b.sc.discount_rate_per_year
        for c, s, k, usd in zip(cols, s0, term, res["per_instance_usd"].to_numpy(), strict=True):
            tail = np.arange(b.T, s + k)
            if len(tail):
                b.extra[int(c)] = b.extra.get(int(c), 0.0) + float(usd * ((1 + r) ** (-tail / ppy)).sum())


def _purchase_columns(b: _Builder, pools: pd.DataFrame) -> pd.DataFrame:
    """One column per (buyable pool, order period) whose servers arrive inside the horizon."""
    rows = []
    for pi, pool in pools.reset_index(drop=True).iterrows():
        if not pool["buyable"]:
            continue
        cap = pool["power_kw"] / pool["server_kw"] if pool["server_kw"] > 0 else 1e6
        if pool["space"] is not None and not pd.isna(pool["space"]):
            cap = min(cap, pool["space"] / pool["rack_units"])
        for s in range(b.T):
            if s + pool["lead"] > b.T - 1:
                break
            rows.append(
                {
                    "pool": pi,
                    "site": pool["site"],
                    "server_type": pool["server_type"],
                    "order": s,
                    "service": s + int(pool["lead"]),
                    "ub": float(np.floor(cap + 1e-9)),
                }
            )
    return pd.DataFrame(rows)


def _purchase_spend(b: _Builder, pools: pd.DataFrame, buys: pd.DataFrame, start: int) -> None:
    """Purchased servers: capex and opex.

    annualized: capex x CRF(r, life) / periods_per_year in every in-service period in the horizon.
    salvage:    capex in the order period; the objective credits the straight-line remaining value
                at the horizon end, discounted. Opex per in-service period in both cases.
    """
    p = pools.reset_index(drop=True)
    r = b.sc.discount_rate_per_year
    for j, row in buys.reset_index(drop=True).iterrows():
        pool = p.loc[int(row["pool"])]
        col = start + j
        t_in = np.arange(int(row["service"]), min(int(row["service"]) + int(pool["life"]), b.T))
        opex = np.full(len(t_in), pool["opex_per_period"])
        if b.sc.objective.capex == "annualized":
            per_period = pool["capex_usd"] * _crf(r, pool["lifetime_years"]) / b.ppy
            b.spend(t_in, np.full(len(t_in), col), opex + per_period)
        else:
            b.spend(t_in, np.full(len(t_in), col), opex)
            b.spend(np.array([int(row["order"])]), np.array([col]), np.array([pool["capex_usd"]]))
            used = (b.T - int(row["service"])) / pool["life"]
            salvage = pool["capex_usd"] * max(0.0, 1.0 - used)
            b.extra[col] = b.extra.get(col, 0.0) - salvage * (1 + r) ** (-b.T / b.ppy)


def _placement_groups(sc: Scenario, cand: pd.DataFrame) -> pd.DataFrame:
    gang = cand[cand["wkind"].isin(["train", "finetune"])]
    if gang.empty:
        return pd.DataFrame(columns=["w_idx", "provider", "region", "accelerator"])
    return gang[["w_idx", "provider", "region", "accelerator"]].drop_duplicates().reset_index(drop=True)


def _onboarding_table(sc: Scenario, cand: pd.DataFrame, options: pd.DataFrame, res: pd.DataFrame) -> pd.DataFrame:
    own = {p.name for p in sc.providers if p.kind in ("onprem", "colo", "edge")} | set(sc.onboarded_providers)
    cost = scenario_catalog(sc).providers.set_index("provider")["onboarding_cost_usd"].fillna(0.0)
    used = sorted(set(cand["provider"]) - own)
    rows = [{"provider": p, "cost_usd": float(cost.get(p, 0.0))} for p in used]
    return pd.DataFrame([r for r in rows if r["cost_usd"] > 0], columns=["provider", "cost_usd"])


def _diversity_table(sc: Scenario, cand: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for wi, w in enumerate(sc.workloads):
        need = w.min_providers or (sc.policy.min_providers_critical if w.criticality == "critical" else 1)
        if need <= 1:
            continue
        for p in sorted(set(cand.loc[cand["w_idx"] == wi, "provider"])):
            rows.append({"w_idx": wi, "workload": w.name, "provider": p, "min_providers": need})
    return pd.DataFrame(rows)


def _fixed_spend(pools: pd.DataFrame, T: int, attr: str = "provider") -> pd.DataFrame:
    """Constants: opex of existing servers per period and provider (or vendor); capex is sunk."""
    if pools.empty:
        return pd.DataFrame(np.zeros((T, 0)))
    data: dict[str, np.ndarray] = {}
    for _, pool in pools.iterrows():
        data[pool[attr]] = data.get(pool[attr], np.zeros(T)) + pool["existing"] * pool["opex_per_period"]
    return pd.DataFrame(data)


# --------------------------------------------------------------------------- families


def _coverage(b: _Builder, cand: pd.DataFrame, y0: int, served: dict[int, int]) -> None:
    """Demand coverage.  For every workload w and period t of its window:

        sum_o coverage[w,o,t] * y[w,o,t] >= 1            (required workloads)
        sum_o coverage[w,o,t] * y[w,o,t] >= s[w]         (optional workloads)

    coverage = efficiency / need, so 1 means the period's demand is fully met.
    """
    key = cand["w_idx"].to_numpy() * (b.T + 1) + cand["t_idx"].to_numpy()
    uniq, row = np.unique(key, return_inverse=True)
    rows = [row]
    cols = [y0 + np.arange(len(cand))]
    vals = [cand["coverage"].to_numpy()]
    w_of_row = uniq // (b.T + 1)
    lower = np.ones(len(uniq))
    opt_rows = np.array([i for i, w in enumerate(w_of_row) if int(w) in served], dtype=np.int64)
    if len(opt_rows):
        rows.append(opt_rows)
        cols.append(np.array([served[int(w_of_row[i])] for i in opt_rows]))
        vals.append(-np.ones(len(opt_rows)))
        lower[opt_rows] = 0.0
    if b.operations is not None:
        blk = b.m.add_columns("unserved", len(uniq), upper=1.0, cost=b.operations.unserved_penalty_usd)
        b.unserved = pd.DataFrame(
            {
                "w_idx": w_of_row.astype(int),
                "t_idx": (uniq % (b.T + 1)).astype(int),
                "col": blk.idx(np.arange(len(uniq))),
            }
        )
        rows.append(np.arange(len(uniq)))
        cols.append(blk.idx(np.arange(len(uniq))))
        vals.append(np.ones(len(uniq)))
    if b.elastic:
        labels = [{"w_idx": int(w), "t_idx": int(k % (b.T + 1))} for w, k in zip(w_of_row, uniq, strict=True)]
        sc_, sg = b.slack("coverage", labels, 1.0)
        rows.append(np.arange(len(uniq)))
        cols.append(sc_)
        vals.append(sg)
    b.m.add_rows("coverage", len(uniq), np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), lower=lower)


def _availability(b: _Builder, cand: pd.DataFrame, y0: int, periods: pd.DataFrame, draws: pd.DataFrame) -> None:
    """Availability caps.  For every capped option o and period t:

    sum_w usage[w,o,t] * y[w,o,t] + h[k,t] (o on demand of pool k) + rho[k,o,t] (o reserved) <= avail[o] * H
    (pooled placement rows are counted through their pool's h and rho, not directly).
    """
    avail = b.avail
    direct = np.isfinite(cand["avail_accelerators"].to_numpy()) & (cand["pool"].to_numpy() < 0)
    parts = [
        pd.DataFrame(
            {
                "option_id": cand["option_id"].to_numpy()[direct],
                "t_idx": cand["t_idx"].to_numpy()[direct],
                "col": y0 + np.flatnonzero(direct),
                "coef": cand["usage"].to_numpy()[direct],
            }
        )
    ]
    if len(periods):
        parts.append(
            pd.DataFrame(
                {"option_id": periods["option_id"], "t_idx": periods["t_idx"], "col": periods["col"], "coef": 1.0}
            )
        )
    if len(draws):
        parts.append(
            pd.DataFrame(
                {
                    "option_id": draws["option_id"].to_numpy(),
                    "t_idx": periods["t_idx"].to_numpy()[draws["pp"].to_numpy()],
                    "col": draws["col"].to_numpy(),
                    "coef": 1.0,
                }
            )
        )
    terms = pd.concat(parts, ignore_index=True)
    terms = terms[np.isfinite(terms["option_id"].map(avail).to_numpy(dtype=float))]
    if terms.empty:
        return
    key = terms["option_id"].to_numpy(dtype=np.int64) * (b.T + 1) + terms["t_idx"].to_numpy(dtype=np.int64)
    uniq, row = np.unique(key, return_inverse=True)
    upper = avail.reindex(uniq // (b.T + 1)).to_numpy(dtype=float) * b.H
    rows, cols, vals = [row], [terms["col"].to_numpy(dtype=np.int64)], [terms["coef"].to_numpy(dtype=float)]
    if b.elastic:
        labels = [{"option_id": int(k // (b.T + 1)), "t_idx": int(k % (b.T + 1))} for k in uniq]
        sc_, sg = b.slack("availability", labels, -1.0)
        rows.append(np.arange(len(uniq)))
        cols.append(sc_)
        vals.append(sg * b.H)
    b.m.add_rows(
        "availability", len(uniq), np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), upper=upper
    )


def _pool_capacity(b: _Builder, cand: pd.DataFrame, periods: pd.DataFrame, draws: pd.DataFrame, y0: int) -> None:
    """Pricing pools pay for their placements.  For every pool k and period t:

    sum_{w in k} usage[w,t] * y[w,k,t] - h[k,t] - sum_{r in S(k)} rho[k,r,t] = 0

    (an equality: hours are paid for exactly as used, so spend cannot be padded with idle
    on-demand hours to meet a share cap).
    """
    pooled = np.flatnonzero(cand["pool"].to_numpy() >= 0)
    pp = cand["pool"].to_numpy()[pooled]
    n = len(periods)
    b.m.add_rows(
        "pool_capacity",
        n,
        np.r_[pp, np.arange(n), draws["pp"].to_numpy(dtype=np.int64)],
        np.r_[y0 + pooled, periods["col"].to_numpy(dtype=np.int64), draws["col"].to_numpy(dtype=np.int64)],
        np.r_[cand["usage"].to_numpy()[pooled], -np.ones(n), -np.ones(len(draws))],
        lower=0.0,
        upper=0.0,
    )


def _reserved_capacity(
    b: _Builder, cand: pd.DataFrame, res: pd.DataFrame, y0: int, n0: int, periods: pd.DataFrame, draws: pd.DataFrame
) -> None:
    """Reserved capacity.  For every reserved option o and period t:

    sum_w usage[w,o,t] * y[w,o,t] + sum_k rho[k,o,t] <= count[o] * H * sum_{s <= t < s + term} n[o,s]
    """
    mask = (cand["pricing_model"].isin(RESERVED_MODELS) & (cand["pool"] < 0)).to_numpy()
    sub = cand[mask]
    oids = np.sort(res["option_id"].unique())
    o_pos = pd.Series(np.arange(len(oids)), index=oids)
    row_y = o_pos.reindex(sub["option_id"]).to_numpy(dtype=np.int64) * b.T + sub["t_idx"].to_numpy()
    count = b.options.set_index("option_id")["accelerator_count"]
    rows, cols, vals = [row_y], [y0 + np.flatnonzero(mask)], [sub["usage"].to_numpy()]
    if len(draws):
        t_d = periods["t_idx"].to_numpy(dtype=np.int64)[draws["pp"].to_numpy(dtype=np.int64)]
        rows.append(o_pos.reindex(draws["option_id"]).to_numpy(dtype=np.int64) * b.T + t_d)
        cols.append(draws["col"].to_numpy(dtype=np.int64))
        vals.append(np.ones(len(draws)))
    for j, (oid, s0, term) in enumerate(zip(res["option_id"], res["start"], res["term"], strict=True)):
        ts = np.arange(s0, min(s0 + term, b.T))
        rows.append(int(o_pos[oid]) * b.T + ts)
        cols.append(np.full(len(ts), n0 + j))
        vals.append(np.full(len(ts), -float(count.loc[oid]) * b.H))
    b.m.add_rows(
        "reserved_capacity",
        len(oids) * b.T,
        np.concatenate(rows),
        np.concatenate(cols),
        np.concatenate(vals),
        upper=0.0,
    )


def _owned_capacity(b: _Builder, cand: pd.DataFrame, pools: pd.DataFrame, buys: pd.DataFrame, y0: int, b0: int) -> None:
    """Owned capacity = existing + purchases after lead time - retirements at end of life.

    For every pool (site i, server type k) and period t:
        sum_w usage[w,(i,k),t] * y <= per_server * H * (existing[i,k,t] + sum_{s: s+lead <= t < s+lead+life} b[i,k,s])
    """
    mask = cand["source"].eq("owned").to_numpy()
    pools = pools.reset_index(drop=True)
    pos = {(r.site, r.server_type): i for i, r in enumerate(pools.itertuples())}
    sub = cand[mask]
    row_y = (
        np.array([pos[(s, k)] for s, k in zip(sub["site"], sub["server_type"], strict=True)], dtype=np.int64) * b.T
        + sub["t_idx"].to_numpy()
    )
    rows, cols, vals = [row_y], [y0 + np.flatnonzero(mask)], [sub["usage"].to_numpy()]
    for j, row in buys.reset_index(drop=True).iterrows():
        pool = pools.loc[int(row["pool"])]
        ts = np.arange(int(row["service"]), min(int(row["service"]) + int(pool["life"]), b.T))
        rows.append(int(row["pool"]) * b.T + ts)
        cols.append(np.full(len(ts), b0 + j))
        vals.append(np.full(len(ts), -float(pool["per_server"]) * b.H))
    upper = np.concatenate([p["existing"] * p["per_server"] * b.H for _, p in pools.iterrows()])
    b.m.add_rows(
        "owned_capacity",
        len(pools) * b.T,
        np.concatenate(rows),
        np.concatenate(cols),
        np.concatenate(vals),
        upper=upper,
    )


def _site_power_and_space(b: _Builder, pools: pd.DataFrame, buys: pd.DataFrame, b0: int) -> None:
    """Site power and space, on installed servers (peak draw, not average).

    For every site i and period t:
        sum_k server_kw[i,k] * (existing[i,k,t] + active purchases) <= power_capacity_kw[i]
        sum_k rack_units[k]  * (existing[i,k,t] + active purchases) <= space_rack_units[i]
    server_kw = accelerators x TDP x power_overhead_factor x PUE / 1000.
    """
    pools = pools.reset_index(drop=True)
    sites = list(dict.fromkeys(pools["site"]))
    s_pos = {s: i for i, s in enumerate(sites)}
    kw_used = np.zeros(len(sites) * b.T)
    ru_used = np.zeros(len(sites) * b.T)
    for _, p in pools.iterrows():
        sl = slice(s_pos[p["site"]] * b.T, (s_pos[p["site"]] + 1) * b.T)
        kw_used[sl] += p["existing"] * p["server_kw"]
        ru_used[sl] += p["existing"] * p["rack_units"]
    cap_kw = np.repeat(pools.drop_duplicates("site")["power_kw"].to_numpy(), b.T)
    space = pools.drop_duplicates("site")["space"].to_numpy()
    rows_p, cols_p, vals_p, rows_s, vals_s = [], [], [], [], []
    for j, row in buys.reset_index(drop=True).iterrows():
        pool = pools.loc[int(row["pool"])]
        ts = np.arange(int(row["service"]), min(int(row["service"]) + int(pool["life"]), b.T))
        base = s_pos[pool["site"]] * b.T
        rows_p.append(base + ts)
        cols_p.append(np.full(len(ts), b0 + j))
        vals_p.append(np.full(len(ts), float(pool["server_kw"])))
        rows_s.append(base + ts)
        vals_s.append(np.full(len(ts), float(pool["rack_units"])))
    size = len(sites) * b.T
    cat = lambda x: np.concatenate(x) if x else np.zeros(0)  # noqa: E731
    # existing hardware above the envelope is the scenario's fact, not the plan's choice
    upper_p = np.maximum(cap_kw - kw_used, 0.0)
    b.m.add_rows("site_power", size, cat(rows_p), cat(cols_p), cat(vals_p), upper=upper_p)
    has_space = np.array([s is not None and not pd.isna(s) for s in space])
    if has_space.any():
        upper_s = np.repeat(np.where(has_space, np.nan_to_num(space.astype(float), nan=0.0), np.inf), b.T)
        b.m.add_rows(
            "site_space", size, cat(rows_s), cat(cols_p), cat(vals_s), upper=np.maximum(upper_s - ru_used, 0.0)
        )


def _link(b: _Builder, name: str, cand: pd.DataFrame, mask: np.ndarray, binary_col: np.ndarray, y0: int) -> None:
    """Aggregated big-M link: for every binary and period, the coverage it switches on

        sum_{o in group, t} coverage[w,o,t] * y[w,o,t] <= U * binary,
        U = max over the group's options of coverage x ub (1, or a little more with whole replicas).

    One row per (binary, period): tighter than one row per variable and much smaller.
    """
    sub = cand[mask]
    if sub.empty:
        return
    key = binary_col.astype(np.int64) * (b.T + 1) + sub["t_idx"].to_numpy()
    uniq, row = np.unique(key, return_inverse=True)
    cov_ub = (sub["coverage"] * sub["ub"]).to_numpy()
    big = np.maximum(
        np.maximum.reduceat(
            cov_ub[np.argsort(row, kind="stable")], np.r_[0, np.flatnonzero(np.diff(np.sort(row))) + 1]
        ),
        1.0,
    )
    n = len(uniq)
    b.m.add_rows(
        name,
        n,
        np.r_[row, np.arange(n)],
        np.r_[y0 + np.flatnonzero(mask), uniq // (b.T + 1)],
        np.r_[sub["coverage"].to_numpy(), -big],
        upper=0.0,
    )


def _single_placement(
    b: _Builder, cand: pd.DataFrame, groups: pd.DataFrame, y0: int, z0: int, served: dict[int, int]
) -> None:
    """Training runs are placed whole: one provider-region and one accelerator type (gang).

    sum_g z[w,g] = 1   (or = s[w] if optional)
    sum_{o in g} coverage * y[w,o,t] <= U * z[w,g]      for every t (see _link)
    """
    gkey = groups.assign(g=np.arange(len(groups)))
    mask = cand["wkind"].isin(["train", "finetune"]).to_numpy()
    sub = cand[mask].merge(gkey, on=["w_idx", "provider", "region", "accelerator"], how="left")
    _link(b, "placement_link", cand, mask, z0 + sub["g"].to_numpy(), y0)
    ws = np.sort(groups["w_idx"].unique())
    w_pos = {int(w): i for i, w in enumerate(ws)}
    rows = [np.array([w_pos[int(w)] for w in groups["w_idx"]])]
    cols = [z0 + np.arange(len(groups))]
    vals = [np.ones(len(groups))]
    rhs = np.ones(len(ws))
    opt = [(w_pos[w], c) for w, c in served.items() if w in w_pos]
    if opt:
        rows.append(np.array([r for r, _ in opt]))
        cols.append(np.array([c for _, c in opt]))
        vals.append(-np.ones(len(opt)))
        rhs[[r for r, _ in opt]] = 0.0
    b.m.add_rows(
        "placement_one", len(ws), np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), lower=rhs, upper=rhs
    )


def _onboarding(
    b: _Builder, cand: pd.DataFrame, res: pd.DataFrame, onboard: pd.DataFrame, y0: int, n0: int, u0: int
) -> None:
    """Provider onboarding (diversification is not free).

    sum_{o in p} coverage * y[w,o,t] <= U * u[p]   (per workload and period; see _link)
    n[o,s] <= ub * u[p(o)]                          for providers not yet onboarded
    """
    pos = {p: i for i, p in enumerate(onboard["provider"])}
    ym = cand["provider"].isin(pos).to_numpy()
    # y side, aggregated per (workload, provider, period)
    wp = cand.loc[ym, "w_idx"].to_numpy() * len(pos) + np.array(
        [pos[p] for p in cand.loc[ym, "provider"]], dtype=np.int64
    )
    uniq_wp, wp_id = np.unique(wp, return_inverse=True)
    link_rows = b.m.n_rows
    _link(b, "onboarding_link", cand, ym, wp_id, y0)
    # map each (workload, provider) binary id to its provider's u: append u coefficients
    blk = b.m.rows["onboarding_link"]
    assert blk.start == link_rows
    # the link used wp_id as a placeholder column; replace it by the provider's u column
    last = len(b.m._c) - 1
    cols = b.m._c[last]
    n_y = int(ym.sum())
    cols[n_y:] = u0 + (uniq_wp[cols[n_y:]] % len(pos))
    if len(res):
        prov = b.options.set_index("option_id")["provider"]
        rp = res["option_id"].map(prov)
        rm = rp.isin(pos).to_numpy()
        if rm.any():
            nc = n0 + np.flatnonzero(rm)
            n = len(nc)
            us = u0 + np.array([pos[p] for p in rp[rm]], dtype=np.int64)
            b.m.add_rows(
                "onboarding_reserved",
                n,
                np.r_[np.arange(n), np.arange(n)],
                np.r_[nc, us],
                np.r_[np.ones(n), -res.loc[rm, "ub"].to_numpy()],
                upper=0.0,
            )


def _onboarding_implied(
    b: _Builder, onboard: pd.DataFrame, u0: int, div: pd.DataFrame, q0: int, groups: pd.DataFrame, z0: int
) -> None:
    """Valid inequalities: a provider that counts for a critical workload, or hosts a training
    run, runs work there and so is onboarded.

        q[w,p] <= u[p]        z[w,g] <= u[p(g)]        for providers p not yet onboarded

    Implied for integer values by the onboarding link; in the LP relaxation they stop a fraction
    of an onboarding from paying for a whole counted provider or placement.
    """
    u_of = pd.Series(u0 + np.arange(len(onboard)), index=onboard["provider"].to_numpy())
    cols = []
    if len(div):
        hit = div["provider"].isin(u_of.index).to_numpy()
        cols.append((q0 + np.flatnonzero(hit), u_of.reindex(div["provider"].to_numpy()[hit]).to_numpy()))
    if len(groups):
        hit = groups["provider"].isin(u_of.index).to_numpy()
        cols.append((z0 + np.flatnonzero(hit), u_of.reindex(groups["provider"].to_numpy()[hit]).to_numpy()))
    left = np.concatenate([c for c, _ in cols]) if cols else np.zeros(0, dtype=np.int64)
    if not len(left):
        return
    right = np.concatenate([u for _, u in cols]).astype(np.int64)
    n = len(left)
    b.m.add_rows(
        "onboarding_implied",
        n,
        np.r_[np.arange(n), np.arange(n)],
        np.r_[left, right],
        np.r_[np.ones(n), -np.ones(n)],
        upper=0.0,
    )


def _diversity(b: _Builder, cand: pd.DataFrame, div: pd.DataFrame, y0: int, q0: int, served: dict[int, int]) -> None:
    """Minimum distinct providers for critical workloads.

        sum_{o in p} coverage * y[w,o,t] >= min_share * q[w,p]     for every t
        sum_p q[w,p] >= m_w                                        (m_w * s[w] if optional)
    min_share = policy.min_provider_share_critical: a counted provider carries real load. Other
    providers may carry smaller shares without counting (the policy asks for m_w providers that
    each carry min_share, not for every provider used to carry it).
    """
    min_share = b.sc.policy.min_provider_share_critical
    pos = {(int(w), p): i for i, (w, p) in enumerate(zip(div["w_idx"], div["provider"], strict=True))}
    keys = list(zip(cand["w_idx"].astype(int), cand["provider"], strict=True))
    sel = np.array([k in pos for k in keys])
    sub = cand[sel]
    qi = np.array([pos[k] for k, s in zip(keys, sel, strict=True) if s], dtype=np.int64)
    # share floor per (q, t)
    key = qi * (b.T + 1) + sub["t_idx"].to_numpy()
    uniq, row = np.unique(key, return_inverse=True)
    q_of = uniq // (b.T + 1)
    b.m.add_rows(
        "diversity_share",
        len(uniq),
        np.r_[row, np.arange(len(uniq))],
        np.r_[y0 + np.flatnonzero(sel), q0 + q_of],
        np.r_[sub["coverage"].to_numpy(), -np.full(len(uniq), min_share)],
        lower=0.0,
    )
    ws = np.sort(div["w_idx"].unique())
    w_pos = {int(w): i for i, w in enumerate(ws)}
    need = div.drop_duplicates("w_idx").set_index("w_idx")["min_providers"]
    rows = [np.array([w_pos[int(w)] for w in div["w_idx"]])]
    cols = [q0 + np.arange(len(div))]
    vals = [np.ones(len(div))]
    lower = need.reindex(ws).to_numpy().astype(float)
    for w, c in served.items():
        if w in w_pos:
            rows.append(np.array([w_pos[w]]))
            cols.append(np.array([c]))
            vals.append(np.array([-lower[w_pos[w]]]))
            lower[w_pos[w]] = 0.0
    if b.elastic:
        labels = [{"w_idx": int(w)} for w in ws]
        sc_, sg = b.slack("diversity", labels, 1.0)
        rows.append(np.arange(len(ws)))
        cols.append(sc_)
        vals.append(sg * 10)
    b.m.add_rows(
        "diversity_count", len(ws), np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), lower=lower
    )
    if not b.elastic:
        _diversity_others(b, cand, div, y0, q0, served, min_share)


def _diversity_others(
    b: _Builder, cand: pd.DataFrame, div: pd.DataFrame, y0: int, q0: int, served: dict[int, int], min_share: float
) -> None:
    """Valid inequality that tightens the diversity family's LP relaxation.

    The other counted providers carry at least min_share each, so for every (w, p, t):
        sum_{o not in p} coverage * y[w,o,t] + min_share * q[w,p] >= min_share * m_w
    (implied by the family for integer q; cuts off fractional q spread thinly over many providers),
    and for serving, a counted provider holds at least one whole replica:
        sum_{o in p} y[w,o,t] >= q[w,p]
    """
    keep = ~div["w_idx"].isin(list(served)).to_numpy()
    d = pd.DataFrame(
        {"i": np.flatnonzero(keep), "w_idx": div["w_idx"].to_numpy()[keep], "p": div["provider"].to_numpy()[keep]}
    )
    d["m"] = div["min_providers"].to_numpy(dtype=float)[keep]
    rows_c = pd.DataFrame(
        {
            "pos": np.arange(len(cand)),
            "w_idx": cand["w_idx"].to_numpy(),
            "t_idx": cand["t_idx"].to_numpy(),
            "provider": cand["provider"].to_numpy(),
            "cov": cand["coverage"].to_numpy(),
            "rep": cand["unit"].eq("replicas").to_numpy(),
        }
    )
    rows_c = rows_c[rows_c["w_idx"].isin(d["w_idx"])]
    pairs = rows_c.merge(d, on="w_idx")
    rows, cols, vals, lower = [], [], [], []
    n_rows = 0
    for own, coef_col in ((False, "cov"), (True, None)):
        sel = pairs[(pairs["provider"] == pairs["p"]) == own]
        if own:
            sel = sel[sel["rep"]]
        if sel.empty:
            continue
        key = sel["i"].to_numpy(dtype=np.int64) * (b.T + 1) + sel["t_idx"].to_numpy(dtype=np.int64)
        uniq, row = np.unique(key, return_inverse=True)
        i_of = uniq // (b.T + 1)
        rows += [n_rows + row, n_rows + np.arange(len(uniq))]
        cols += [y0 + sel["pos"].to_numpy(), q0 + i_of]
        if own:  # a counted provider runs at least one whole replica in every period
            vals += [np.ones(len(sel)), -np.ones(len(uniq))]
            lower.append(np.zeros(len(uniq)))
        else:  # the other counted providers carry at least min_share each
            vals += [sel[coef_col].to_numpy(), np.full(len(uniq), min_share)]
            m_of = pd.Series(d["m"].to_numpy(), index=d["i"].to_numpy()).reindex(i_of).to_numpy()
            lower.append(min_share * m_of)
        n_rows += len(uniq)
    if n_rows:
        b.m.add_rows(
            "diversity_others",
            n_rows,
            np.concatenate(rows),
            np.concatenate(cols),
            np.concatenate(vals),
            lower=np.concatenate(lower),
        )


def _n_minus_1(b: _Builder, cand: pd.DataFrame, y0: int, served: dict[int, int]) -> None:
    """N-1 survivability: critical demand is still served with any one provider lost.

    For every critical workload w, provider p among its candidates, and period t:
        sum_{o not in p} coverage * y[w,o,t] >= 1        (>= s[w] if optional)
    """
    crit = [i for i, w in enumerate(b.sc.workloads) if w.criticality == "critical"]
    sub = cand[cand["w_idx"].isin(crit)]
    if sub.empty:
        return
    rows_c = pd.DataFrame(
        {
            "pos": sub.index.to_numpy(),
            "w_idx": sub["w_idx"].to_numpy(),
            "t_idx": sub["t_idx"].to_numpy(),
            "provider": sub["provider"].to_numpy(),
            "cov": sub["coverage"].to_numpy(),
        }
    )
    # one row per (w, t, p) for every provider p among the (w, t) candidates, sorted
    lost = rows_c[["w_idx", "t_idx", "provider"]].drop_duplicates().sort_values(["w_idx", "t_idx", "provider"])
    lost = lost.rename(columns={"provider": "lost"}).reset_index(drop=True)
    lost["r"] = np.arange(len(lost))
    pairs = rows_c.merge(lost, on=["w_idx", "t_idx"])
    pairs = pairs[pairs["provider"] != pairs["lost"]]
    r = len(lost)
    rows, cols, vals = [pairs["r"].to_numpy()], [y0 + pairs["pos"].to_numpy()], [pairs["cov"].to_numpy()]
    lower = np.ones(r)
    opt = lost["w_idx"].isin(list(served)).to_numpy()
    if opt.any():
        rows.append(np.flatnonzero(opt))
        cols.append(np.array([served[int(w)] for w in lost["w_idx"].to_numpy()[opt]], dtype=np.int64))
        vals.append(-np.ones(int(opt.sum())))
        lower[opt] = 0.0
    if b.elastic:
        labels = [
            {"w_idx": int(w), "t_idx": int(t), "provider": p}
            for w, t, p in zip(lost["w_idx"], lost["t_idx"], lost["lost"], strict=True)
        ]
        sc_, sg = b.slack("n_minus_1", labels, 1.0)
        rows.append(np.arange(r))
        cols.append(sc_)
        vals.append(sg)
    b.m.add_rows("n_minus_1", r, np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), lower=lower)


def _column_owner(
    b: _Builder,
    n_cols: int,
    cand: pd.DataFrame,
    pools: pd.DataFrame,
    res: pd.DataFrame,
    onboard: pd.DataFrame,
    attr: str,
    pool_periods: pd.DataFrame,
) -> np.ndarray:
    """Provider (attr='provider') or chip vendor (attr='vendor') of every spend column, '' if none."""
    owner = np.full(n_cols, "", dtype=object)
    m = b.m
    y = m.columns["y"]
    owner[y.start : y.start + y.size] = cand[attr].to_numpy()
    h = m.columns["h"]
    if h.size:
        owner[h.start : h.start + h.size] = (
            pool_periods["option_id"].map(b.options.set_index("option_id")[attr]).to_numpy()
        )
    n = m.columns["n"]
    if n.size:
        o = b.options.set_index("option_id")[attr]
        owner[n.start : n.start + n.size] = res["option_id"].map(o).to_numpy()
    bb = m.columns["b"]
    if bb.size:
        owner[bb.start : bb.start + bb.size] = (
            pools.reset_index(drop=True).loc[b.buys["pool"].to_numpy(), attr].to_numpy()
        )
    u = m.columns["u"]
    if u.size and attr == "provider":
        owner[u.start : u.start + u.size] = onboard["provider"].to_numpy()
    return owner


def _share_caps(
    b: _Builder,
    spend: sp.csr_matrix,
    fixed: pd.DataFrame,
    options: pd.DataFrame,
    cand: pd.DataFrame,
    pools: pd.DataFrame,
    res: pd.DataFrame,
    onboard: pd.DataFrame,
    pool_periods: pd.DataFrame,
) -> None:
    """Spend-share caps per provider and per chip vendor, over the horizon.

    With spend_j column j's undiscounted horizon spend and F the fixed (existing) costs, one
    auxiliary variable per owner g carries its spend in units of s0 (a scale near the largest
    column's spend), and each cap is a short row over those aggregates:

        P_g = sum_{j: owner(j) = g} spend_j / s0 * x_j                       (share_spend_<attr>)
        P_p - cap_p * (sum_g P_g + U) <= (cap_p * F - F_p) / s0               (provider_share)

    U is the spend of columns without an owner. Equivalent to the dense form
    sum_j (1[owner(j) = p] - cap_p) spend_j x_j <= cap_p F - F_p, with about one nonzero per
    spend column instead of one per (column, cap).
    """
    pol = b.sc.policy
    total_spend = np.asarray(spend.sum(axis=0)).ravel()
    fixed_total = float(fixed.to_numpy().sum()) if fixed.size else 0.0
    nz = np.flatnonzero(total_spend)
    s0 = max(1.0, float(np.abs(total_spend).max(initial=1.0)))
    for attr, default, caps, fam in (
        ("provider", pol.max_provider_share, pol.provider_share_caps, "provider_share"),
        ("vendor", pol.max_chip_vendor_share, pol.chip_vendor_share_caps, "vendor_share"),
    ):
        owner = _column_owner(b, spend.shape[1], cand, pools, res, onboard, attr, pool_periods)
        fixed_by = _fixed_spend(pools, b.T, attr)
        names = sorted({str(o) for o in owner if o})
        limits = {nm: caps.get(nm, default) for nm in names}
        limits = {k: v for k, v in limits.items() if v is not None and v < 1.0}
        if not limits:
            continue
        # aggregates: one column per owner, plus one for unowned spend (if any)
        own = owner[nz].astype(str)
        groups = sorted(set(own))
        g_pos = {g: i for i, g in enumerate(groups)}
        g_of = np.array([g_pos[o] for o in own], dtype=np.int64)
        agg = b.m.add_columns(f"share_spend_{attr}", len(groups), lower=-np.inf, upper=np.inf)
        b.m.add_rows(
            f"share_spend_{attr}",
            len(groups),
            np.r_[g_of, np.arange(len(groups))],
            np.r_[nz, agg.idx(np.arange(len(groups)))],
            np.r_[total_spend[nz] / s0, -np.ones(len(groups))],
            lower=0.0,
            upper=0.0,
        )
        rows, cols, vals, upper, labels = [], [], [], [], []
        all_g = agg.idx(np.arange(len(groups)))
        for r, (nm, cap) in enumerate(sorted(limits.items())):
            coef = np.full(len(groups), -cap)
            coef[g_pos[nm]] += 1.0
            rows.append(np.full(len(groups), r))
            cols.append(all_g)
            vals.append(coef)
            f_own = float(fixed_by[nm].sum()) if nm in fixed_by.columns else 0.0
            upper.append((cap * fixed_total - f_own) / s0)
            labels.append({"name": nm, "cap": cap})
        size = len(limits)
        if b.elastic:
            sc_, sg = b.slack(fam, [{**lab, "scale": s0} for lab in labels], -1.0)
            rows.append(np.arange(size))
            cols.append(sc_)
            vals.append(sg)
        b.m.add_rows(fam, size, np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), upper=np.array(upper))


def _budgets(b: _Builder, spend: sp.csr_matrix, fixed: pd.DataFrame) -> None:
    """Budgets per period:  sum_j spend[t,j] * x_j <= budget_t - F_t."""
    pol = b.sc.policy
    labels = b.sc.horizon.labels()
    budget = np.array([pol.budgets_usd.get(lab, pol.budget_usd_per_period or np.inf) for lab in labels], dtype=float)
    if not np.isfinite(budget).any():
        return
    f_t = fixed.to_numpy().sum(axis=1) if fixed.size else np.zeros(b.T)
    coo = spend.tocoo()
    rows, cols, vals = [coo.row], [coo.col], [coo.data]
    if b.elastic:
        sc_, sg = b.slack("budget", [{"t_idx": t} for t in range(b.T)], -1.0)
        rows.append(np.arange(b.T))
        cols.append(sc_)
        vals.append(sg * 1e6)
    # rows in units of each period's budget (well scaled); infinite budgets keep scale 1
    scale = np.where(np.isfinite(budget) & (budget > 0), budget, 1.0)
    r_all = np.concatenate(rows)
    b.m.add_rows(
        "budget", b.T, r_all, np.concatenate(cols), np.concatenate(vals) / scale[r_all], upper=(budget - f_t) / scale
    )


def _carbon_budget(b: _Builder, cand: pd.DataFrame, y0: int) -> None:
    """Carbon budgets:  sum tCO2e <= horizon budget;  sum_t tCO2e[t] <= per-period budget."""
    pol = b.sc.policy
    co2 = cand["co2e_t"].to_numpy()
    cols = y0 + np.arange(len(cand))
    if pol.carbon_budget_tco2e is not None:
        rows, cc, vals = [np.zeros(len(cand), dtype=np.int64)], [cols], [co2]
        if b.elastic:
            sc_, sg = b.slack("carbon", [{"scope": "horizon"}], -1.0)
            rows.append(np.array([0]))
            cc.append(sc_)
            vals.append(sg)
        b.m.add_rows(
            "carbon_horizon",
            1,
            np.concatenate(rows),
            np.concatenate(cc),
            np.concatenate(vals),
            upper=pol.carbon_budget_tco2e,
        )
    if pol.carbon_budget_tco2e_per_period is not None:
        rows, cc, vals = [cand["t_idx"].to_numpy()], [cols], [co2]
        if b.elastic:
            sc_, sg = b.slack("carbon_period", [{"t_idx": t} for t in range(b.T)], -1.0)
            rows.append(np.arange(b.T))
            cc.append(sc_)
            vals.append(sg)
        b.m.add_rows(
            "carbon_period",
            b.T,
            np.concatenate(rows),
            np.concatenate(cc),
            np.concatenate(vals),
            upper=pol.carbon_budget_tco2e_per_period,
        )
