"""The planning model: variables as tables, one function per constraint family.

Notation: w workload, o option, t period (T periods of H hours), p provider, v chip vendor,
i site, k server type. d_t = (1 + r)^(-t / periods_per_year) is the discount factor.

Variables (column blocks, named by :class:`~fleetplan.optimize.context.Var`):
  y[w,o,t] >= 0   amount of option o used by w in t: replicas (integer, serving) or accelerator-hours
  h[k,t]   >= 0   on-demand accelerator-hours of pricing pool k (see ``pricing_pools``)
  rho[k,r,t] >= 0 accelerator-hours pool k draws from reservation r
  e[c,t]   >= 0   accelerator-hours existing reservation c runs in t, <= count_c x acc_c x H
  sp[c,v,t] >= 0  on-demand spend (USD) of chip vendor v savings plan c covers in t; together at
                  most C_c / (1 - discount_c)
  n[o,s]   >= 0   instances of reserved option o whose term starts in s (integer)
  b[i,k,s] >= 0   servers of type k ordered for site i in s, in service from s + lead (integer)
  z[w,g]   in {0,1}  gang placement of a training run on group g = (provider, region, accelerator)
  u[p]     in {0,1}  provider p onboarded (pays its onboarding cost)
  q[w,p]   in {0,1}  critical workload w counts provider p toward its diversity minimum
  s[w]     in {0,1}  optional workload w is served
  a[k,t]   in {0,1}  software stack k adopted by period t (monotone; only with a ``team``): pays
                     the stack's adoption cost in the period it starts, c_k (a[k,t] - a[k,t-1])

Spend is a sparse matrix S (period x column, undiscounted USD) plus constants F_t (opex of
existing servers, and the committed cost of every existing commitment in every period it covers,
used or not: count x usd_per_hour x H for a reservation, C = usd_per_hour x H for a savings plan).
The objective is sum_t d_t S_t x + carbon price x tCO2e - value of served optional work (+ full
reservation terms and salvage credits under ``capex: salvage``); the constants F_t are in the
plan's costs, budgets and share caps, not in the matrix objective (they move no decision).

Existing commitments (``scenario.commitments``) are credits against on-demand spend: e[c,t] has
spend -rate_o per accelerator-hour (the on-demand rate of c's instance o, whose hours it runs at
no rental cost) and sp[c,v,t] has spend -1, owned by c's provider and by chip vendor v (so no
vendor's net spend goes below zero and the vendor shares stay in [0, 1]; the committed fee C has no
vendor: it is unowned spend of the vendor share caps). The families ``existing_reservations``
and ``savings_plans`` keep the credits within the on-demand use they pay for. Stated against
on-demand hours rather than as a pool source, they read the same in operations mode, which
builds no pools.

The constraint families live in :mod:`fleetplan.optimize.families`, one function of the build
context (:class:`~fleetplan.optimize.context.Context`) each; :func:`build_model` defines the
columns, then builds every family of the registry ``FAMILIES`` in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from fleetplan.catalog.hardware import resolve_accelerator
from fleetplan.load.scenario import scenario_catalog
from fleetplan.model.base import RESERVED_MODELS
from fleetplan.model.commitment import committed_usd_per_period, covered_periods, credit_limit_usd
from fleetplan.model.period import hours_per_period, parse_period, periods_per_year
from fleetplan.model.policy import min_providers
from fleetplan.model.scenario import Scenario, own_providers
from fleetplan.model.site import crf, lifetime_periods, server_kw
from fleetplan.model.team import adoption_terms
from fleetplan.optimize.context import Context, Operations, Var
from fleetplan.optimize.families import FAMILIES, column_owner, fixed_spend
from fleetplan.optimize.pricing_pools import pricing_pools
from fleetplan.optimize.sparse import SparseModel

__all__ = ["FAMILIES", "Context", "Formulation", "Operations", "Var", "build_model", "discount_factors", "owned_pools"]


def discount_factors(sc: Scenario) -> np.ndarray:
    """d_t = (1 + r)^(-t / periods_per_year) for t = 0..T-1."""
    ppy = periods_per_year(sc.horizon.period)
    t = np.arange(sc.horizon.periods)
    return (1.0 + sc.discount_rate_per_year) ** (-t / ppy)


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
    fixed_spend: pd.DataFrame  # constants: period x provider, USD (existing server opex, commitments)
    co2: np.ndarray  # tCO2e per column
    discount: np.ndarray
    objective_extra: np.ndarray  # per column, added to discounted spend in the objective
    elastic: bool = False
    pool_periods: pd.DataFrame = field(default_factory=pd.DataFrame)
    """One row per (pricing pool, period): on-demand ``option_id``, ``t_idx``, ``col`` of its h."""
    pool_draws: pd.DataFrame = field(default_factory=pd.DataFrame)
    """One row per (pool-period, reservation): ``pp``, reserved ``option_id``, ``col`` of its rho."""
    commitment_draws: pd.DataFrame = field(default_factory=pd.DataFrame)
    """One row per e column (``Context.commitment_draws``) with its ``col``."""
    credits: pd.DataFrame = field(default_factory=pd.DataFrame)
    """One row per sp column (``Context.credits``) with its ``col``."""
    committed: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Constants: one row per (commitment, covered period) with its ``usd`` (``Context.committed``);
    included in ``fixed_spend``."""
    slacks: pd.DataFrame = field(default_factory=pd.DataFrame)
    unserved: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Operations mode: one row per coverage row (w_idx, t_idx, col of its unserved share)."""
    owner: dict[str, np.ndarray] = field(default_factory=dict)
    """``provider`` and ``vendor`` of every column with spend ('' for none; ``Context.owner``)."""
    adoption: pd.DataFrame = field(default_factory=pd.DataFrame)
    """One row per a column (``Context.adoption``) with its ``col``; empty without a ``team``."""


# --------------------------------------------------------------------------- owned pools


def owned_pools(sc: Scenario, first: int) -> pd.DataFrame:
    """Existing servers per (site, server type, period): in service while t < purchased + life.

    One row per pool with the server type's facts as the model uses them: ``server_kw``
    (:func:`~fleetplan.model.site.server_kw`), ``life`` in periods
    (:func:`~fleetplan.model.site.lifetime_periods`), opex per period.
    """
    types = {t.name: t for t in sc.server_types}
    ppy = periods_per_year(sc.horizon.period)
    T = sc.horizon.periods
    rows = []
    for site in sc.sites:
        names = list(dict.fromkeys([hw.server_type for hw in site.existing] + list(site.buyable)))
        for name in names:
            st = types[name]
            acc = resolve_accelerator(st.accelerator)
            life = lifetime_periods(st, sc.horizon.period)
            existing = np.zeros(T)
            for hw in site.existing:
                if hw.server_type != name:
                    continue
                start = parse_period(hw.purchased, sc.horizon.period) - first
                end = start + life
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
                    "server_kw": server_kw(st, acc, site.pue),
                    "rack_units": st.rack_units,
                    "capex_usd": st.capex_usd,
                    "lead": st.lead_time_periods,
                    "life": life,
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
    (its callers address candidate rows directly) and builds only the families registered with
    ``in_operations``; everything it changes is an input (:class:`Operations`). With ``elastic``
    every family with slacks gets a penalized slack per row (see ``explain``).
    """
    pp = pricing_pools(cand, options, merge=pool_pricing and operations is None)
    # availability as the candidate table states it (callers may have edited it)
    avail = cand.drop_duplicates("option_id").set_index("option_id")["avail_accelerators"]
    ctx = Context(
        sc=sc,
        cand=pp.table,
        options=options,
        m=SparseModel(),
        avail=avail.combine_first(options.set_index("option_id")["avail_accelerators"]),
        T=sc.horizon.periods,
        H=hours_per_period(sc.horizon.period),
        ppy=periods_per_year(sc.horizon.period),
        first=parse_period(sc.horizon.start, sc.horizon.period),
        d=discount_factors(sc),
        elastic=elastic,
        operations=operations,
    )
    _define_columns(ctx, pp.periods, pp.draws)
    for fam in FAMILIES:
        if operations is None or fam.in_operations:
            fam.build(ctx)
    return _finish(ctx)


def _define_columns(ctx: Context, periods: pd.DataFrame, draws: pd.DataFrame) -> None:
    """Every column block of the model but the unserved, slack and share aggregates (which their
    families add), with bounds, integrality and spend; the tables that map them back."""
    sc, cand, m, ops = ctx.sc, ctx.cand, ctx.m, ctx.operations
    col = ctx.col
    ctx.pools = owned_pools(sc, ctx.first)

    is_int = cand["unit"].eq("replicas").to_numpy()
    y = col[Var.PLACEMENT] = m.add_columns(Var.PLACEMENT, len(cand), upper=cand["ub"].to_numpy(), integer=is_int)
    ctx.add_spend(cand["t_idx"].to_numpy(), y.idx(np.arange(len(cand))), cand["cost_usd"].to_numpy())
    has_od = periods["has_od"].to_numpy(dtype=bool)
    h = col[Var.ON_DEMAND] = m.add_columns(Var.ON_DEMAND, len(periods), upper=np.where(has_od, np.inf, 0.0))
    if has_od.any():
        ctx.add_spend(
            periods["t_idx"].to_numpy()[has_od],
            h.idx(np.flatnonzero(has_od)),
            periods["usd_per_accelerator_hour"].to_numpy()[has_od],
        )
    rho = col[Var.DRAW] = m.add_columns(Var.DRAW, len(draws))
    ctx.pool_periods = periods.assign(col=h.idx(np.arange(len(periods))))
    ctx.pool_draws = draws.assign(col=rho.idx(np.arange(len(draws))))
    _commitment_columns(ctx)

    res = ctx.reservations = _reservation_columns(ctx)
    pinned = _pinned_reservations(ops, res) if ops is not None and len(res) else None
    bounds = _bounds(res["ub"].to_numpy() if len(res) else 0.0, pinned)
    n = col[Var.RESERVE] = m.add_columns(Var.RESERVE, len(res), **bounds, integer=True)
    if len(res):
        _reservation_spend(ctx, n.start)

    buys = ctx.purchases = _purchase_columns(ctx)
    pinned = _pinned_purchases(ops, buys) if ops is not None and len(buys) else None
    bounds = _bounds(buys["ub"].to_numpy() if len(buys) else 0.0, pinned)
    bcol = col[Var.BUY] = m.add_columns(Var.BUY, len(buys), **bounds, integer=True)
    if len(buys):
        _purchase_spend(ctx, bcol.start)

    ctx.groups = _placement_groups(cand)
    col[Var.GANG] = m.add_columns(Var.GANG, len(ctx.groups), upper=1.0, integer=True)

    onboard = ctx.onboard = _onboarding_table(sc, cand)
    pinned = _pinned_onboarding(ops, onboard) if ops is not None and len(onboard) else None
    u = col[Var.ONBOARD] = m.add_columns(Var.ONBOARD, len(onboard), **_bounds(1.0, pinned), integer=True)
    if len(onboard):
        ctx.add_spend(
            np.zeros(len(onboard), dtype=np.int64), u.idx(np.arange(len(onboard))), onboard["cost_usd"].to_numpy()
        )

    _adoption_columns(ctx)

    ctx.diversity = _diversity_table(sc, cand)
    col[Var.COUNTED] = m.add_columns(Var.COUNTED, len(ctx.diversity), upper=1.0, integer=True)

    optional = ctx.optional = pd.DataFrame(
        [
            {"w_idx": i, "workload": w.name, "value_usd": w.value_usd or 0.0}
            for i, w in enumerate(sc.workloads)
            if w.optional
        ]
    )
    kept = _kept_optional(ops, optional) if ops is not None and len(optional) else None
    s = col[Var.SERVED] = m.add_columns(
        Var.SERVED,
        len(optional),
        **_bounds(1.0, kept),
        integer=True,
        cost=-(optional["value_usd"].to_numpy() if len(optional) else 0.0),
    )
    ctx.served = {int(w): s.start + i for i, w in enumerate(optional["w_idx"])} if len(optional) else {}

    # elastic penalty: larger than any plausible plan cost
    ctx.penalty = 1e3 * max(1.0, float((cand["cost_usd"] * cand["ub"]).sum()))
    # every column with spend exists now: the shared families read the whole matrix
    ctx.spend = ctx.spend_matrix(m.n_cols)
    ctx.fixed = fixed_spend(ctx.pools, ctx.T, committed=ctx.committed)
    ctx.owner = {attr: column_owner(ctx, m.n_cols, attr) for attr in ("provider", "vendor")}


def _finish(ctx: Context) -> Formulation:
    """Objective (discounted spend + carbon price + extras + the columns' own costs) and the
    tables of the built model."""
    sc, m, cand, d = ctx.sc, ctx.m, ctx.cand, ctx.d
    assert ctx.spend is not None
    y = ctx.col[Var.PLACEMENT]
    co2_y = cand["co2e_t"].to_numpy()
    objective = np.asarray(ctx.spend.T @ d).ravel()
    objective[y.start : y.start + y.size] += sc.objective.carbon_price_usd_per_tco2e * co2_y
    extra = np.zeros(m.n_cols)
    for col, val in ctx.extra.items():
        extra[col] += val
    base_cost = m.col("cost")
    # columns added after the spend matrix (unserved, slacks, share aggregates) keep their own cost
    total = np.zeros(m.n_cols)
    total[: len(objective)] = objective
    total += extra + base_cost
    _assign_costs(m, total)
    spend = sp.csr_matrix((ctx.spend.data, ctx.spend.indices, ctx.spend.indptr), shape=(ctx.T, m.n_cols))
    co2 = np.zeros(m.n_cols)
    co2[y.start : y.start + y.size] = co2_y

    def with_cols(table: pd.DataFrame, var: Var) -> pd.DataFrame:
        return table.assign(col=ctx.col[var].idx(np.arange(len(table)))) if len(table) else table

    return Formulation(
        model=m,
        cand=cand,
        reservations=with_cols(ctx.reservations, Var.RESERVE),
        purchases=with_cols(ctx.purchases, Var.BUY),
        pools=ctx.pools,
        groups=with_cols(ctx.groups, Var.GANG),
        onboard=with_cols(ctx.onboard, Var.ONBOARD),
        diversity=with_cols(ctx.diversity, Var.COUNTED),
        optional=with_cols(ctx.optional, Var.SERVED),
        spend=spend,
        fixed_spend=ctx.fixed,
        co2=co2,
        discount=d,
        objective_extra=extra,
        elastic=ctx.elastic,
        pool_periods=ctx.pool_periods,
        pool_draws=ctx.pool_draws,
        commitment_draws=ctx.commitment_draws,
        credits=ctx.credits,
        committed=ctx.committed,
        slacks=pd.DataFrame(ctx.slack_rows),
        unserved=ctx.unserved,
        owner=ctx.owner,
        adoption=with_cols(ctx.adoption, Var.ADOPTED) if Var.ADOPTED in ctx.col else ctx.adoption,
    )


def _assign_costs(m: SparseModel, total: np.ndarray) -> None:
    """The builder's last step: every block's objective coefficients from one vector."""
    offset = 0
    for i, part in enumerate(m.cost):
        m.cost[i] = total[offset : offset + len(part)].copy()
        offset += len(part)


# --------------------------------------------------------------------------- operations inputs


def _bounds(upper: float | np.ndarray, pinned: np.ndarray | None) -> dict[str, float | np.ndarray]:
    """Column bounds: [0, upper], or fixed at ``pinned`` (operations mode)."""
    return {"lower": 0.0, "upper": upper} if pinned is None else {"lower": pinned, "upper": pinned}


def _pinned_reservations(ops: Operations, res: pd.DataFrame) -> np.ndarray:
    """Operations mode: the instances of every reservation column (0 where the plan has none)."""
    return np.array(
        [ops.reservations.get((int(o), int(t)), 0) for o, t in zip(res["option_id"], res["start"], strict=True)]
    ).astype(float)


def _pinned_purchases(ops: Operations, buys: pd.DataFrame) -> np.ndarray:
    """Operations mode: the servers of every purchase column (0 where the plan buys none)."""
    return np.array(
        [
            ops.purchases.get((si, st, int(t)), 0)
            for si, st, t in zip(buys["site"], buys["server_type"], buys["order"], strict=True)
        ]
    ).astype(float)


def _pinned_onboarding(ops: Operations, onboard: pd.DataFrame) -> np.ndarray:
    """Operations mode: 1 for the providers already onboarded, else 0 (none is onboarded mid-incident)."""
    return np.array([1 if p in ops.onboarded else 0 for p in onboard["provider"]]).astype(float)


def _kept_optional(ops: Operations, optional: pd.DataFrame) -> np.ndarray | None:
    """Operations mode: s fixed to 1 for the optional workloads that stay served, else 0 (None: free)."""
    if ops.served_optional is None:
        return None
    return np.array([1.0 if w in ops.served_optional else 0.0 for w in optional["workload"]])


# --------------------------------------------------------------------------- columns


def _reservation_columns(ctx: Context) -> pd.DataFrame:
    """One column per (reserved option some candidate or pool may use, start period)."""
    cand, options, periods, draws = ctx.cand, ctx.options, ctx.pool_periods, ctx.pool_draws
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
        per_inst = float(o["usd_per_accelerator_hour"]) * int(o["accelerator_count"]) * ctx.H
        ub = float(np.ceil(demand.loc[oid] / (int(o["accelerator_count"]) * ctx.H) + 1e-9))
        for st in range(ctx.T):
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


def _reservation_spend(ctx: Context, start: int) -> None:
    """Reserved instances are paid every period of their term, used or not.

    Spend in t for column (o, s): price_o x count_o x H for s <= t < s + term (within the horizon).
    Under ``capex: salvage`` the objective also carries the term's periods beyond the horizon.
    """
    res, T = ctx.reservations, ctx.T
    cols = start + np.arange(len(res))
    term = res["term"].to_numpy()
    s0 = res["start"].to_numpy()
    reps = np.minimum(term, T - s0)
    col = np.repeat(cols, reps)
    t = np.concatenate([np.arange(a, a + r) for a, r in zip(s0, reps, strict=True)]) if len(res) else np.zeros(0)
    ctx.add_spend(t, col, np.repeat(res["per_instance_usd"].to_numpy(), reps))
    if ctx.sc.objective.capex == "salvage":
        ppy = ctx.ppy
        r = ctx.sc.discount_rate_per_year
        for c, s, k, usd in zip(cols, s0, term, res["per_instance_usd"].to_numpy(), strict=True):
            tail = np.arange(T, s + k)
            if len(tail):
                ctx.extra[int(c)] = ctx.extra.get(int(c), 0.0) + float(usd * ((1 + r) ** (-tail / ppy)).sum())


def _commitment_columns(ctx: Context) -> None:
    """Existing commitments: e columns (reservations), sp columns (savings plans), their credits
    as spend, and the committed constants (``Context.commitment_draws``, ``credits``, ``committed``).

    A reservation c of instance o covering t gets e[c,t] in [0, count x acc_o x H] with spend
    -rate_o; a savings plan c covering t gets sp[c,v,t] in [0, C / (1 - d)] with spend -1 for
    every chip vendor v among its provider's on-demand candidates in t (one credit per vendor,
    owned by it; their sum is bounded by ``savings_plans``). Both pay
    committed_usd_per_period in every covered t as a constant. The blocks exist only when the
    scenario has such columns, so a scenario without commitments builds the same model as before.
    """
    sc, m, H = ctx.sc, ctx.m, ctx.H
    hz = sc.horizon
    rented = ctx.options[ctx.options["source"].ne("owned")]
    od = rented[rented["pricing_model"].eq("on_demand")].drop_duplicates(["provider", "region", "instance_type"])
    od = od.set_index(["provider", "region", "instance_type"])
    any_pm = rented.drop_duplicates(["provider", "region", "instance_type"]).set_index(
        ["provider", "region", "instance_type"]
    )
    od_rows = ctx.cand[ctx.cand["pricing_model"].eq("on_demand")]
    od_vendors = od_rows.groupby(["provider", "t_idx"])["vendor"].agg(lambda v: sorted(set(v)))
    draws, credits, committed = [], [], []
    for c in sc.commitments:
        ts = covered_periods(c, hz.start, hz.periods, hz.period)
        usd = committed_usd_per_period(c, hz.period)
        key = (c.provider, c.region, c.instance_type)
        vendor = str(any_pm.loc[key, "vendor"]) if c.kind == "reservation" and key in any_pm.index else ""
        for t in ts:
            committed.append(
                {"commitment": c.name, "kind": c.kind, "provider": c.provider, "vendor": vendor, "t_idx": t, "usd": usd}
            )
            if c.kind == "savings_plan":
                limit = credit_limit_usd(c, hz.period)
                for v in od_vendors.get((c.provider, t), []):
                    credits.append(
                        {"commitment": c.name, "provider": c.provider, "vendor": v, "t_idx": t, "limit_usd": limit}
                    )
            elif key in od.index:
                o = od.loc[key]
                draws.append(
                    {
                        "commitment": c.name,
                        "option_id": int(o["option_id"]),
                        "t_idx": t,
                        "provider": c.provider,
                        "vendor": vendor,
                        "hours": c.count * int(o["accelerator_count"]) * H,
                        "usd_per_accelerator_hour": float(o["usd_per_accelerator_hour"]),
                    }
                )
    d_cols = ["commitment", "option_id", "t_idx", "provider", "vendor", "hours", "usd_per_accelerator_hour"]
    ctx.commitment_draws = pd.DataFrame(draws, columns=d_cols)
    ctx.credits = pd.DataFrame(credits, columns=["commitment", "provider", "vendor", "t_idx", "limit_usd"])
    ctx.committed = pd.DataFrame(committed, columns=["commitment", "kind", "provider", "vendor", "t_idx", "usd"])
    for var, table, upper, rate in (
        (Var.COMMITTED, ctx.commitment_draws, "hours", "usd_per_accelerator_hour"),
        (Var.CREDIT, ctx.credits, "limit_usd", None),
    ):
        if not len(table):
            continue
        blk = ctx.col[var] = m.add_columns(var, len(table), upper=table[upper].to_numpy(dtype=float))
        credit = -table[rate].to_numpy(dtype=float) if rate else -np.ones(len(table))
        ctx.add_spend(table["t_idx"].to_numpy(), blk.idx(np.arange(len(table))), credit)
        table["col"] = blk.idx(np.arange(len(table)))
    if len(ctx.commitment_draws):  # tie-break: reservations run their hours before savings plans cover any
        for col, rate in zip(
            ctx.commitment_draws["col"], ctx.commitment_draws["usd_per_accelerator_hour"], strict=True
        ):
            ctx.extra[int(col)] = ctx.extra.get(int(col), 0.0) - RESERVATION_FIRST * float(rate)


RESERVATION_FIRST = 1e-3
"""Objective weight (a share of the on-demand rate, not spend) that makes an existing reservation
run its hours before a savings plan covers them, as bills apply them; otherwise the two tie when
the savings plan could cover everything."""


def _purchase_columns(ctx: Context) -> pd.DataFrame:
    """One column per (buyable pool, order period) whose servers arrive inside the horizon."""
    rows = []
    for pi, pool in ctx.pools.reset_index(drop=True).iterrows():
        if not pool["buyable"]:
            continue
        cap = pool["power_kw"] / pool["server_kw"] if pool["server_kw"] > 0 else 1e6
        if pool["space"] is not None and not pd.isna(pool["space"]):
            cap = min(cap, pool["space"] / pool["rack_units"])
        for s in range(ctx.T):
            if s + pool["lead"] > ctx.T - 1:
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


def _purchase_spend(ctx: Context, start: int) -> None:
    """Purchased servers: capex and opex.

    annualized: capex x CRF(r, life) / periods_per_year in every in-service period in the horizon.
    salvage:    capex in the order period; the objective credits the straight-line remaining value
                at the horizon end, discounted. Opex per in-service period in both cases.
    """
    p = ctx.pools.reset_index(drop=True)
    T, ppy = ctx.T, ctx.ppy
    r = ctx.sc.discount_rate_per_year
    for j, row in ctx.purchases.reset_index(drop=True).iterrows():
        pool = p.loc[int(row["pool"])]
        col = start + j
        t_in = np.arange(int(row["service"]), min(int(row["service"]) + int(pool["life"]), T))
        opex = np.full(len(t_in), pool["opex_per_period"])
        if ctx.sc.objective.capex == "annualized":
            per_period = pool["capex_usd"] * crf(r, pool["lifetime_years"]) / ppy
            ctx.add_spend(t_in, np.full(len(t_in), col), opex + per_period)
        else:
            ctx.add_spend(t_in, np.full(len(t_in), col), opex)
            ctx.add_spend(np.array([int(row["order"])]), np.array([col]), np.array([pool["capex_usd"]]))
            used = (T - int(row["service"])) / pool["life"]
            salvage = pool["capex_usd"] * max(0.0, 1.0 - used)
            ctx.extra[col] = ctx.extra.get(col, 0.0) - salvage * (1 + r) ** (-T / ppy)


def _placement_groups(cand: pd.DataFrame) -> pd.DataFrame:
    gang = cand[cand["wkind"].isin(["train", "finetune"])]
    if gang.empty:
        return pd.DataFrame(columns=["w_idx", "provider", "region", "accelerator"])
    return gang[["w_idx", "provider", "region", "accelerator"]].drop_duplicates().reset_index(drop=True)


def _onboarding_table(sc: Scenario, cand: pd.DataFrame) -> pd.DataFrame:
    own = own_providers(sc)
    cost = scenario_catalog(sc).providers.set_index("provider")["onboarding_cost_usd"].fillna(0.0)
    used = sorted(set(cand["provider"]) - own)
    rows = [{"provider": p, "cost_usd": float(cost.get(p, 0.0))} for p in used]
    return pd.DataFrame([r for r in rows if r["cost_usd"] > 0], columns=["provider", "cost_usd"])


def _adoption_columns(ctx: Context) -> None:
    """Software stacks to adopt: a[k,t] for every stack k the team must adopt
    (:func:`~fleetplan.model.team.adoption_terms`) that some candidate's accelerator needs, and
    every period t, with the one-off adoption cost c_k as spend

        spend_t = c_k (a[k,t] - a[k,t-1])      (a[k,-1] = 0),

    i.e. column a[k,t] spends +c_k in t and -c_k in t + 1: with a monotone (``skills_order``), the
    cost falls in the period adoption starts, once. Operations mode fixes a to the plan's
    adoption (``Operations.adopted``). Without a ``team`` no block is added, so the model is the
    one built before teams existed.
    """
    sc, T = ctx.sc, ctx.T
    terms = adoption_terms(sc.team, sc.horizon.period)
    used = set(ctx.row_stacks()) if terms else set()
    stacks = [k for k in terms if k in used]
    cols = ["stack", "t_idx", "level", "cost_usd", "lead"]
    ctx.adoption = pd.DataFrame(
        [
            {
                "stack": k,
                "t_idx": t,
                "level": terms[k].level,
                "cost_usd": terms[k].cost_usd,
                "lead": terms[k].lead_periods,
            }
            for k in stacks
            for t in range(T)
        ],
        columns=cols,
    )
    if not stacks:
        return
    adopt = ctx.adoption
    ops = ctx.operations
    pinned = None
    if ops is not None:
        start = adopt["stack"].map(lambda k: ops.adopted.get(k, T)).to_numpy()
        pinned = (adopt["t_idx"].to_numpy() >= start).astype(float)
    a = ctx.col[Var.ADOPTED] = ctx.m.add_columns(Var.ADOPTED, len(adopt), **_bounds(1.0, pinned), integer=True)
    idx = a.idx(np.arange(len(adopt)))
    t = adopt["t_idx"].to_numpy(dtype=np.int64)
    c = adopt["cost_usd"].to_numpy(dtype=float)
    nxt = t + 1 < T
    ctx.add_spend(np.r_[t, t[nxt] + 1], np.r_[idx, idx[nxt]], np.r_[c, -c[nxt]])


def _diversity_table(sc: Scenario, cand: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for wi, w in enumerate(sc.workloads):
        need = min_providers(w, sc.policy)
        if need <= 1:
            continue
        for p in sorted(set(cand.loc[cand["w_idx"] == wi, "provider"])):
            rows.append({"w_idx": wi, "workload": w.name, "provider": p, "min_providers": need})
    return pd.DataFrame(rows)
