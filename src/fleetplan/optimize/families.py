"""The constraint families: one function of the build context each, and the registry.

Notation as in :mod:`fleetplan.optimize.formulation` (w workload, o option, t period, p provider,
i site, k server type or pricing pool). Every family is ``def family(ctx: Context) -> None``: it
returns early when the scenario does not switch it on, finds its columns in ``ctx.col`` and
appends its row blocks to ``ctx.m``. Its docstring states the math and ends with what it adds
(``Rows``), what switches it on (``Switch``), its :attr:`Family.scope` and whether operations
mode builds it (``Ops mode``).

:data:`FAMILIES` lists them in build order (the model's row order). Whatever needs to know a
family's nature (warm start: which rows are one workload's own; explain: which slacks exist;
operations mode: which families are built) asks the registry, so a new family is seen everywhere
once it is registered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from fleetplan.load.rollout import known_entities
from fleetplan.model.base import RESERVED_MODELS
from fleetplan.model.policy import ROLLOUT_KINDS, ROLLOUT_MIN_START
from fleetplan.optimize.context import Context, Var

__all__ = ["FAMILIES", "Family", "Scope", "column_owner", "family", "fixed_spend", "row", "rows_of", "slacks_of"]

Scope = Literal["workload", "shared"]


@dataclass(frozen=True)
class Family:
    """A registered constraint family.

    ``scope``: ``"workload"`` when each of its rows ties one workload's own columns together
    (its placements and its binaries), ``"shared"`` when a row couples several workloads or the
    investments they share. ``elastic_sign``: +1 for ``>=`` rows that an elastic slack raises,
    -1 for ``<=`` rows that a slack relaxes downward, 0 for rows never relaxed. ``in_operations``:
    built in operations mode. ``rows``: the row blocks it may append, in order. ``slacks``: the
    names of its elastic slack blocks (see :func:`~fleetplan.optimize.context.slack_block`).
    """

    name: str
    build: Callable[[Context], None]
    scope: Scope
    elastic_sign: int
    in_operations: bool
    rows: tuple[str, ...]
    slacks: tuple[str, ...] = ()


def _y0(ctx: Context) -> int:
    return ctx.col[Var.PLACEMENT].start


def _elastic(ctx: Context, slack: str, labels: list[dict[str, object]]) -> tuple[np.ndarray, np.ndarray]:
    """Slack columns of ``slack`` with the sign its family is registered with."""
    return ctx.slack(slack, labels, float(_SLACK_SIGN[slack]))


def _link(ctx: Context, name: str, mask: np.ndarray, binary: np.ndarray, binary_col: np.ndarray | None = None) -> None:
    """Aggregated big-M link: for every binary and period, the coverage it switches on

        sum_{o in group, t} coverage[w,o,t] * y[w,o,t] <= U * binary,
        U = max over the group's options of coverage x ub (1, or a little more with whole replicas).

    One row per (binary, period): tighter than one row per variable and much smaller. ``binary``
    gives, for each masked placement row, the id of its binary; ``binary_col[id]`` is that
    binary's column (without it, the ids are the columns).
    """
    cand = ctx.cand
    sub = cand[mask]
    if sub.empty:
        return
    key = binary.astype(np.int64) * (ctx.T + 1) + sub["t_idx"].to_numpy()
    uniq, row = np.unique(key, return_inverse=True)
    cov_ub = (sub["coverage"] * sub["ub"]).to_numpy()
    big = np.maximum(
        np.maximum.reduceat(
            cov_ub[np.argsort(row, kind="stable")], np.r_[0, np.flatnonzero(np.diff(np.sort(row))) + 1]
        ),
        1.0,
    )
    n = len(uniq)
    ids = uniq // (ctx.T + 1)
    ctx.m.add_rows(
        name,
        n,
        np.r_[row, np.arange(n)],
        np.r_[_y0(ctx) + np.flatnonzero(mask), ids if binary_col is None else binary_col[ids]],
        np.r_[sub["coverage"].to_numpy(), -big],
        upper=0.0,
    )


# --------------------------------------------------------------------------- workload families


def coverage(ctx: Context) -> None:
    """Demand coverage.  For every workload w and period t of its window:

        sum_o c[w,o,t] * y[w,o,t] >= 1                    (required workloads)
        sum_o c[w,o,t] * y[w,o,t] >= s[w]                 (optional workloads)
        sum_o coverage[w,o,t] * ub[w,o,t] * s[w] >= sum_o coverage[w,o,t] * y[w,o,t]   (optional)

    coverage = efficiency / need, so 1 means the period's demand is fully met. For whole
    replicas c = min(coverage, 1), else c = coverage: a replica that alone covers the demand
    counts as exactly 1, which leaves the whole-number solutions as they are (any y >= 1 of it
    meets the row either way) and cuts off fractions of one replica from the LP relaxation (a
    valid tightening: +14 % LP bound at N = 100, +7 % at N = 1,000). The third row (block
    ``coverage_served``) keeps a dropped optional workload off every option. In operations
    mode the unserved share joins the left side: + unserved[w,t], priced per row by
    ``Operations.unserved_usd`` (column block ``unserved``, added here).

    Rows: one per (w, t). Switch: always. Scope: workload. Ops mode: on (with unserved demand).
    """
    cand = ctx.cand
    T = ctx.T
    key = cand["w_idx"].to_numpy() * (T + 1) + cand["t_idx"].to_numpy()
    uniq, row = np.unique(key, return_inverse=True)
    rows = [row]
    cols = [_y0(ctx) + np.arange(len(cand))]
    cover = cand["coverage"].to_numpy()
    whole = cand["unit"].eq("replicas").to_numpy()
    vals = [np.where(whole, np.minimum(cover, 1.0), cover)]
    w_of_row = uniq // (T + 1)
    lower = np.ones(len(uniq))
    served = ctx.served
    opt_rows = np.array([i for i, w in enumerate(w_of_row) if int(w) in served], dtype=np.int64)
    _served_link(ctx, row, opt_rows, w_of_row, cover)
    if len(opt_rows):
        rows.append(opt_rows)
        cols.append(np.array([served[int(w_of_row[i])] for i in opt_rows]))
        vals.append(-np.ones(len(opt_rows)))
        lower[opt_rows] = 0.0
    ops = ctx.operations
    if ops is not None:
        t_of_row = (uniq % (T + 1)).astype(int)
        price = np.array(
            [
                ops.unserved_usd.get((int(w), int(t)), ops.unserved_penalty_usd)
                for w, t in zip(w_of_row, t_of_row, strict=True)
            ],
            dtype=float,
        )
        blk = ctx.m.add_columns(Var.UNSERVED, len(uniq), upper=1.0, cost=price)
        ctx.col[Var.UNSERVED] = blk
        ctx.unserved = pd.DataFrame(
            {"w_idx": w_of_row.astype(int), "t_idx": t_of_row, "col": blk.idx(np.arange(len(uniq)))}
        )
        rows.append(np.arange(len(uniq)))
        cols.append(blk.idx(np.arange(len(uniq))))
        vals.append(np.ones(len(uniq)))
    if ctx.elastic:
        labels = [{"w_idx": int(w), "t_idx": int(k % (T + 1))} for w, k in zip(w_of_row, uniq, strict=True)]
        sc_, sg = _elastic(ctx, "coverage", labels)
        rows.append(np.arange(len(uniq)))
        cols.append(sc_)
        vals.append(sg)
    ctx.m.add_rows("coverage", len(uniq), np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), lower=lower)


def _served_link(ctx: Context, row: np.ndarray, opt_rows: np.ndarray, w_of_row: np.ndarray, cover: np.ndarray) -> None:
    """sum_o coverage * y[w,o,t] <= (sum_o coverage * ub) * s[w] for optional workloads w."""
    if not len(opt_rows):
        return
    local = np.full(len(w_of_row), -1, dtype=np.int64)
    local[opt_rows] = np.arange(len(opt_rows))
    sel = local[row] >= 0
    ub = ctx.cand["ub"].to_numpy()
    big = np.bincount(local[row[sel]], weights=(cover * ub)[sel], minlength=len(opt_rows))
    s_cols = np.array([ctx.served[int(w_of_row[i])] for i in opt_rows], dtype=np.int64)
    ctx.m.add_rows(
        "coverage_served",
        len(opt_rows),
        np.r_[local[row[sel]], np.arange(len(opt_rows))],
        np.r_[_y0(ctx) + np.flatnonzero(sel), s_cols],
        np.r_[cover[sel], -np.maximum(big, 1.0)],
        upper=0.0,
    )


def single_placement(ctx: Context) -> None:
    """Training runs are placed whole: one provider-region and one accelerator type (gang).

        sum_g z[w,g] = 1   (or = s[w] if optional)
        sum_{o in g} coverage * y[w,o,t] <= U * z[w,g]      for every t (see _link)

    With ``Operations.relax_placement`` the first row is ``>=`` only: a run may migrate.

    Rows: placement_link, one per (z, t); placement_one, one per training run. Switch: a train or
    finetune workload among the candidates. Scope: workload. Ops mode: on (relaxable).
    """
    groups = ctx.groups
    if not len(groups):
        return
    cand = ctx.cand
    z = ctx.col[Var.GANG]
    gkey = groups.assign(g=np.arange(len(groups)))
    mask = cand["wkind"].isin(["train", "finetune"]).to_numpy()
    sub = cand[mask].merge(gkey, on=["w_idx", "provider", "region", "accelerator"], how="left")
    _link(ctx, "placement_link", mask, sub["g"].to_numpy(), z.idx(np.arange(len(groups))))
    ws = np.sort(groups["w_idx"].unique())
    w_pos = {int(w): i for i, w in enumerate(ws)}
    rows = [np.array([w_pos[int(w)] for w in groups["w_idx"]])]
    cols = [z.idx(np.arange(len(groups)))]
    vals = [np.ones(len(groups))]
    rhs = np.ones(len(ws))
    opt = [(w_pos[w], c) for w, c in ctx.served.items() if w in w_pos]
    if opt:
        rows.append(np.array([r for r, _ in opt]))
        cols.append(np.array([c for _, c in opt]))
        vals.append(-np.ones(len(opt)))
        rhs[[r for r, _ in opt]] = 0.0
    relax = ctx.operations is not None and ctx.operations.relax_placement
    ctx.m.add_rows(
        "placement_one",
        len(ws),
        np.concatenate(rows),
        np.concatenate(cols),
        np.concatenate(vals),
        lower=rhs,
        upper=np.full(len(ws), np.inf) if relax else rhs,
    )


def onboarding(ctx: Context) -> None:
    """Provider onboarding (diversification is not free): a provider not yet onboarded carries
    work only once onboarded.

        sum_{o in p} coverage * y[w,o,t] <= U * u[p]   (per workload and period; see _link)

    Rows: onboarding_link, one per (w, p, t). Switch: a candidate provider with an onboarding
    cost. Scope: workload. Ops mode: on (u fixed).
    """
    onboard = ctx.onboard
    if not len(onboard):
        return
    cand = ctx.cand
    pos = {p: i for i, p in enumerate(onboard["provider"])}
    ym = cand["provider"].isin(pos).to_numpy()
    # one binary id per (workload, provider); its column is the provider's u
    wp = cand.loc[ym, "w_idx"].to_numpy() * len(pos) + np.array(
        [pos[p] for p in cand.loc[ym, "provider"]], dtype=np.int64
    )
    uniq_wp, wp_id = np.unique(wp, return_inverse=True)
    _link(ctx, "onboarding_link", ym, wp_id, ctx.col[Var.ONBOARD].start + (uniq_wp % len(pos)))


def onboarding_reserved(ctx: Context) -> None:
    """Reservations need their provider onboarded:

        n[o,s] <= ub * u[p(o)]                          for providers not yet onboarded

    Rows: one per reservation column of such a provider. Switch: such a reservation column.
    Scope: shared. Ops mode: on (n and u fixed).
    """
    onboard, res = ctx.onboard, ctx.reservations
    if not len(onboard) or not len(res):
        return
    pos = {p: i for i, p in enumerate(onboard["provider"])}
    prov = ctx.options.set_index("option_id")["provider"]
    rp = res["option_id"].map(prov)
    rm = rp.isin(pos).to_numpy()
    if not rm.any():
        return
    nc = ctx.col[Var.RESERVE].start + np.flatnonzero(rm)
    n = len(nc)
    us = ctx.col[Var.ONBOARD].start + np.array([pos[p] for p in rp[rm]], dtype=np.int64)
    ctx.m.add_rows(
        "onboarding_reserved",
        n,
        np.r_[np.arange(n), np.arange(n)],
        np.r_[nc, us],
        np.r_[np.ones(n), -res.loc[rm, "ub"].to_numpy()],
        upper=0.0,
    )


def skills(ctx: Context) -> None:
    """Software stacks: work on an accelerator that needs stack k (CUDA, ROCm, XLA, Neuron,
    SynapseAI; :mod:`fleetplan.model.team`) runs in period t only if the team adopted k at least
    lead_k periods before. For every workload w, stack k the team must adopt and period t:

        sum_{o needs k} coverage * y[w,o,t] <= U * a[k, t - lead_k]        (t >= lead_k)
        sum_{o needs k} coverage * y[w,o,t] <= 0                           (t <  lead_k)

    U = max over the row's options of coverage x ub, at least 1 (as in onboarding's link). An
    adoption from before the horizon is not assumed: at level ``none`` or ``basic`` the first
    lead_k periods cannot use k. In elastic mode each row gets - 10 U x slack: a tenth of a unit
    lets the whole row run, so explain names the stack, not the demand left unmet.

    Rows: skills_link, one per (w, k, t) with a candidate needing k. Switch: a ``team`` and a
    candidate accelerator needing a stack the team is not expert in. Scope: workload. Ops mode:
    on (a fixed).
    """
    adopt = ctx.adoption
    if not len(adopt) or Var.ADOPTED not in ctx.col:
        return
    cand, T = ctx.cand, ctx.T
    stacks = list(dict.fromkeys(adopt["stack"]))
    k_pos = {k: i for i, k in enumerate(stacks)}
    lead = adopt.drop_duplicates("stack").set_index("stack")["lead"].reindex(stacks).to_numpy(dtype=np.int64)
    rs = ctx.row_stacks()
    mask = np.array([k in k_pos for k in rs], dtype=bool)
    if not mask.any():
        return
    sub = cand[mask]
    k_of = np.array([k_pos[k] for k in rs[mask]], dtype=np.int64)
    key = (sub["w_idx"].to_numpy(dtype=np.int64) * len(stacks) + k_of) * (T + 1) + sub["t_idx"].to_numpy()
    uniq, row = np.unique(key, return_inverse=True)
    n = len(uniq)
    cov = sub["coverage"].to_numpy(dtype=float)
    big = np.zeros(n)
    np.maximum.at(big, row, cov * sub["ub"].to_numpy(dtype=float))
    big = np.maximum(big, 1.0)
    r_t = uniq % (T + 1)
    r_k = (uniq // (T + 1)) % len(stacks)
    ready = r_t - lead[r_k]  # the period whose adoption makes t usable
    has = ready >= 0
    a_col = ctx.col[Var.ADOPTED].start + r_k * T + ready  # a is laid out stack by stack, t by t
    rows = [row, np.flatnonzero(has)]
    cols = [_y0(ctx) + np.flatnonzero(mask), a_col[has]]
    vals = [cov, -big[has]]
    if ctx.elastic:
        labels = [
            {"w_idx": int(u // (T + 1) // len(stacks)), "stack": stacks[int(k)], "t_idx": int(t)}
            for u, k, t in zip(uniq, r_k, r_t, strict=True)
        ]
        sc_, sg = _elastic(ctx, "skills", labels)
        rows.append(np.arange(n))
        cols.append(sc_)
        vals.append(sg * 10 * big)
    ctx.m.add_rows("skills_link", n, np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), upper=0.0)


def skills_order(ctx: Context) -> None:
    """Adoption is for good: a stack adopted by t - 1 is adopted by t.

        a[k,t-1] - a[k,t] <= 0                                            (t >= 1)

    With it, c_k (a[k,t] - a[k,t-1]) (the spend of ``_adoption_columns``) is the adoption cost,
    paid once, in the period adoption starts.

    Rows: one per (k, t >= 1). Switch: as skills. Scope: shared. Ops mode: on (a fixed).
    """
    adopt = ctx.adoption
    if not len(adopt) or Var.ADOPTED not in ctx.col:
        return
    t = adopt["t_idx"].to_numpy()
    later = np.flatnonzero(t >= 1)  # a[k,t] for t >= 1; a[k,t-1] is the column before it
    n = len(later)
    if not n:
        return
    a0 = ctx.col[Var.ADOPTED].start
    ctx.m.add_rows(
        "skills_order",
        n,
        np.r_[np.arange(n), np.arange(n)],
        np.r_[a0 + later - 1, a0 + later],
        np.r_[np.ones(n), -np.ones(n)],
        upper=0.0,
    )


def diversity(ctx: Context) -> None:
    """Minimum distinct providers for critical workloads.

        sum_{o in p} coverage * y[w,o,t] >= min_share * q[w,p]     for every t
        sum_p q[w,p] >= m_w                                        (m_w * s[w] if optional)

    (Clipping whole replicas' coefficients at min_share, as :func:`coverage` clips at 1, is valid
    too, but it kept HiGHS at the example's root for over 30 s instead of 183 nodes: not used.)
    min_share = policy.min_provider_share_critical: a counted provider carries real load. Other
    providers may carry smaller shares without counting (the policy asks for m_w providers that
    each carry min_share, not for every provider used to carry it).

    Rows: diversity_share, one per (q, t); diversity_count, one per workload. Switch: a workload
    needing two or more providers (min_providers, or policy.min_providers_critical). Scope:
    workload. Ops mode: off.
    """
    div, cand, T = ctx.diversity, ctx.cand, ctx.T
    if not len(div):
        return
    y0, q0 = _y0(ctx), ctx.col[Var.COUNTED].start
    min_share = ctx.sc.policy.min_provider_share_critical
    pos = {(int(w), p): i for i, (w, p) in enumerate(zip(div["w_idx"], div["provider"], strict=True))}
    keys = list(zip(cand["w_idx"].astype(int), cand["provider"], strict=True))
    sel = np.array([k in pos for k in keys])
    sub = cand[sel]
    qi = np.array([pos[k] for k, s in zip(keys, sel, strict=True) if s], dtype=np.int64)
    # share floor per (q, t)
    key = qi * (T + 1) + sub["t_idx"].to_numpy()
    uniq, row = np.unique(key, return_inverse=True)
    q_of = uniq // (T + 1)
    ctx.m.add_rows(
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
    for w, c in ctx.served.items():
        if w in w_pos:
            rows.append(np.array([w_pos[w]]))
            cols.append(np.array([c]))
            vals.append(np.array([-lower[w_pos[w]]]))
            lower[w_pos[w]] = 0.0
    if ctx.elastic:
        labels = [{"w_idx": int(w)} for w in ws]
        sc_, sg = _elastic(ctx, "diversity", labels)
        rows.append(np.arange(len(ws)))
        cols.append(sc_)
        vals.append(sg * 10)
    ctx.m.add_rows(
        "diversity_count", len(ws), np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), lower=lower
    )


def diversity_others(ctx: Context) -> None:
    """Valid inequality that tightens the diversity family's LP relaxation.

    The other counted providers carry at least min_share each, so for every (w, p, t):
        sum_{o not in p} coverage * y[w,o,t] + min_share * q[w,p] >= min_share * m_w
    (implied by the family for integer q; cuts off fractional q spread thinly over many providers),
    and for serving, a counted provider holds at least one whole replica:
        sum_{o in p} y[w,o,t] >= q[w,p]

    Rows: one per (q, t) of required workloads, then one per (q, t) of serving ones. Switch: as
    diversity, not in elastic mode. Scope: workload. Ops mode: off.
    """
    div, cand, T = ctx.diversity, ctx.cand, ctx.T
    if not len(div) or ctx.elastic:
        return
    y0, q0 = _y0(ctx), ctx.col[Var.COUNTED].start
    min_share = ctx.sc.policy.min_provider_share_critical
    keep = ~div["w_idx"].isin(list(ctx.served)).to_numpy()
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
        key = sel["i"].to_numpy(dtype=np.int64) * (T + 1) + sel["t_idx"].to_numpy(dtype=np.int64)
        uniq, row = np.unique(key, return_inverse=True)
        i_of = uniq // (T + 1)
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
        ctx.m.add_rows(
            "diversity_others",
            n_rows,
            np.concatenate(rows),
            np.concatenate(cols),
            np.concatenate(vals),
            lower=np.concatenate(lower),
        )


def onboarding_implied(ctx: Context) -> None:
    """Valid inequalities: a provider that counts for a critical workload, or hosts a training
    run, runs work there and so is onboarded.

        q[w,p] <= u[p]        z[w,g] <= u[p(g)]        for providers p not yet onboarded

    Implied for integer values by the onboarding link; in the LP relaxation they stop a fraction
    of an onboarding from paying for a whole counted provider or placement.

    Rows: one per such q, then one per such z. Switch: a candidate provider with an onboarding
    cost. Scope: workload. Ops mode: off.
    """
    onboard, div, groups = ctx.onboard, ctx.diversity, ctx.groups
    if not len(onboard):
        return
    u_of = pd.Series(ctx.col[Var.ONBOARD].start + np.arange(len(onboard)), index=onboard["provider"].to_numpy())
    cols = []
    if len(div):
        hit = div["provider"].isin(u_of.index).to_numpy()
        cols.append(
            (ctx.col[Var.COUNTED].start + np.flatnonzero(hit), u_of.reindex(div["provider"].to_numpy()[hit]).to_numpy())
        )
    if len(groups):
        hit = groups["provider"].isin(u_of.index).to_numpy()
        cols.append(
            (ctx.col[Var.GANG].start + np.flatnonzero(hit), u_of.reindex(groups["provider"].to_numpy()[hit]).to_numpy())
        )
    left = np.concatenate([c for c, _ in cols]) if cols else np.zeros(0, dtype=np.int64)
    if not len(left):
        return
    right = np.concatenate([u for _, u in cols]).astype(np.int64)
    n = len(left)
    ctx.m.add_rows(
        "onboarding_implied",
        n,
        np.r_[np.arange(n), np.arange(n)],
        np.r_[left, right],
        np.r_[np.ones(n), -np.ones(n)],
        upper=0.0,
    )


def n_minus_1(ctx: Context) -> None:
    """N-1 survivability: critical demand is still served with any one provider lost.

    For every critical workload w, provider p among its candidates, and period t:
        sum_{o not in p} coverage * y[w,o,t] >= 1        (>= s[w] if optional)

    Rows: one per (w, t, p). Switch: policy.n_minus_1 and a critical workload. Scope: workload.
    Ops mode: off.
    """
    if not ctx.sc.policy.n_minus_1:
        return
    cand, served = ctx.cand, ctx.served
    crit = [i for i, w in enumerate(ctx.sc.workloads) if w.criticality == "critical"]
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
    rows, cols, vals = [pairs["r"].to_numpy()], [_y0(ctx) + pairs["pos"].to_numpy()], [pairs["cov"].to_numpy()]
    lower = np.ones(r)
    opt = lost["w_idx"].isin(list(served)).to_numpy()
    if opt.any():
        rows.append(np.flatnonzero(opt))
        cols.append(np.array([served[int(w)] for w in lost["w_idx"].to_numpy()[opt]], dtype=np.int64))
        vals.append(-np.ones(int(opt.sum())))
        lower[opt] = 0.0
    if ctx.elastic:
        labels = [
            {"w_idx": int(w), "t_idx": int(t), "provider": p}
            for w, t, p in zip(lost["w_idx"], lost["t_idx"], lost["lost"], strict=True)
        ]
        sc_, sg = _elastic(ctx, "n_minus_1", labels)
        rows.append(np.arange(r))
        cols.append(sc_)
        vals.append(sg)
    ctx.m.add_rows("n_minus_1", r, np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), lower=lower)


# --------------------------------------------------------------------------- shared families


def availability(ctx: Context) -> None:
    """Availability caps.  For every capped option o and period t:

    sum_w usage[w,o,t] * y[w,o,t] + h[k,t] (o on demand of pool k) + rho[k,o,t] (o reserved)
        - sum_c e[c,t] (existing reservations of o's instance) <= avail[o] * H
    (pooled placement rows are counted through their pool's h and rho, not directly; the hours
    an existing reservation runs are the organization's own, not the market's on-demand supply).

    Rows: one per (capped option, t). Switch: an option with a finite availability. Scope: shared.
    Ops mode: on.
    """
    cand, avail, periods, draws, T = ctx.cand, ctx.avail, ctx.pool_periods, ctx.pool_draws, ctx.T
    direct = np.isfinite(cand["avail_accelerators"].to_numpy()) & (cand["pool"].to_numpy() < 0)
    parts = [
        pd.DataFrame(
            {
                "option_id": cand["option_id"].to_numpy()[direct],
                "t_idx": cand["t_idx"].to_numpy()[direct],
                "col": _y0(ctx) + np.flatnonzero(direct),
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
    ed = ctx.commitment_draws
    if len(ed):  # hours an existing reservation runs are not on demand: not under the cap
        parts.append(pd.DataFrame({"option_id": ed["option_id"], "t_idx": ed["t_idx"], "col": ed["col"], "coef": -1.0}))
    terms = pd.concat(parts, ignore_index=True)
    terms = terms[np.isfinite(terms["option_id"].map(avail).to_numpy(dtype=float))]
    if terms.empty:
        return
    key = terms["option_id"].to_numpy(dtype=np.int64) * (T + 1) + terms["t_idx"].to_numpy(dtype=np.int64)
    uniq, row = np.unique(key, return_inverse=True)
    upper = avail.reindex(uniq // (T + 1)).to_numpy(dtype=float) * ctx.H
    rows, cols, vals = [row], [terms["col"].to_numpy(dtype=np.int64)], [terms["coef"].to_numpy(dtype=float)]
    if ctx.elastic:
        labels = [{"option_id": int(k // (T + 1)), "t_idx": int(k % (T + 1))} for k in uniq]
        sc_, sg = _elastic(ctx, "availability", labels)
        rows.append(np.arange(len(uniq)))
        cols.append(sc_)
        vals.append(sg * ctx.H)
    ctx.m.add_rows(
        "availability", len(uniq), np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), upper=upper
    )


def pool_capacity(ctx: Context) -> None:
    """Pricing pools pay for their placements.  For every pool k and period t:

    sum_{w in k} usage[w,t] * y[w,k,t] - h[k,t] - sum_{r in S(k)} rho[k,r,t] = 0

    (an equality: hours are paid for exactly as used, so spend cannot be padded with idle
    on-demand hours to meet a share cap).

    Rows: one per (pool, t). Switch: pooled pricing (rows merged by ``pricing_pools``). Scope:
    shared. Ops mode: on (operations mode builds no pools).
    """
    cand, periods, draws = ctx.cand, ctx.pool_periods, ctx.pool_draws
    if not len(periods):
        return
    pooled = np.flatnonzero(cand["pool"].to_numpy() >= 0)
    pp = cand["pool"].to_numpy()[pooled]
    n = len(periods)
    ctx.m.add_rows(
        "pool_capacity",
        n,
        np.r_[pp, np.arange(n), draws["pp"].to_numpy(dtype=np.int64)],
        np.r_[_y0(ctx) + pooled, periods["col"].to_numpy(dtype=np.int64), draws["col"].to_numpy(dtype=np.int64)],
        np.r_[cand["usage"].to_numpy()[pooled], -np.ones(n), -np.ones(len(draws))],
        lower=0.0,
        upper=0.0,
    )


def reserved_capacity(ctx: Context) -> None:
    """Reserved capacity.  For every reserved option o and period t:

    sum_w usage[w,o,t] * y[w,o,t] + sum_k rho[k,o,t] <= count[o] * H * sum_{s <= t < s + term} n[o,s]

    Rows: one per (reserved option, t). Switch: a reservation column. Scope: shared. Ops mode: on
    (n fixed).
    """
    cand, res, periods, draws, T, H = ctx.cand, ctx.reservations, ctx.pool_periods, ctx.pool_draws, ctx.T, ctx.H
    if not len(res):
        return
    n0 = ctx.col[Var.RESERVE].start
    mask = (cand["pricing_model"].isin(RESERVED_MODELS) & (cand["pool"] < 0)).to_numpy()
    sub = cand[mask]
    oids = np.sort(res["option_id"].unique())
    o_pos = pd.Series(np.arange(len(oids)), index=oids)
    row_y = o_pos.reindex(sub["option_id"]).to_numpy(dtype=np.int64) * T + sub["t_idx"].to_numpy()
    count = ctx.options.set_index("option_id")["accelerator_count"]
    rows, cols, vals = [row_y], [_y0(ctx) + np.flatnonzero(mask)], [sub["usage"].to_numpy()]
    if len(draws):
        t_d = periods["t_idx"].to_numpy(dtype=np.int64)[draws["pp"].to_numpy(dtype=np.int64)]
        rows.append(o_pos.reindex(draws["option_id"]).to_numpy(dtype=np.int64) * T + t_d)
        cols.append(draws["col"].to_numpy(dtype=np.int64))
        vals.append(np.ones(len(draws)))
    for j, (oid, s0, term) in enumerate(zip(res["option_id"], res["start"], res["term"], strict=True)):
        ts = np.arange(s0, min(s0 + term, T))
        rows.append(int(o_pos[oid]) * T + ts)
        cols.append(np.full(len(ts), n0 + j))
        vals.append(np.full(len(ts), -float(count.loc[oid]) * H))
    ctx.m.add_rows(
        "reserved_capacity",
        len(oids) * T,
        np.concatenate(rows),
        np.concatenate(cols),
        np.concatenate(vals),
        upper=0.0,
    )


def _on_demand_terms(ctx: Context) -> pd.DataFrame:
    """Every column that buys on-demand hours: option_id, t_idx, provider, vendor, col, hours and
    usd per unit of the column (unpooled on-demand placements y, and the pools' h)."""
    cand, periods = ctx.cand, ctx.pool_periods
    od = np.flatnonzero(cand["pricing_model"].eq("on_demand").to_numpy() & (cand["pool"].to_numpy() < 0))
    usage = cand["usage"].to_numpy()[od]
    parts = [
        pd.DataFrame(
            {
                "option_id": cand["option_id"].to_numpy()[od],
                "t_idx": cand["t_idx"].to_numpy()[od],
                "provider": cand["provider"].to_numpy()[od],
                "vendor": cand["vendor"].to_numpy()[od],
                "col": _y0(ctx) + od,
                "hours": usage,
                "usd": usage * cand["usd_per_accelerator_hour"].to_numpy()[od],
            }
        )
    ]
    if len(periods):
        has = periods["has_od"].to_numpy(dtype=bool)
        by_option = ctx.options.set_index("option_id")
        parts.append(
            pd.DataFrame(
                {
                    "option_id": periods["option_id"].to_numpy()[has],
                    "t_idx": periods["t_idx"].to_numpy()[has],
                    "provider": periods["option_id"].map(by_option["provider"]).to_numpy()[has],
                    "vendor": periods["option_id"].map(by_option["vendor"]).to_numpy()[has],
                    "col": periods["col"].to_numpy()[has],
                    "hours": 1.0,
                    "usd": periods["usd_per_accelerator_hour"].to_numpy(dtype=float)[has],
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def existing_reservations(ctx: Context) -> None:
    """Existing reservations run on-demand hours of their instance.  For every instance o (its
    on-demand option) and period t covered by a reservation of it:

        sum_{c of o} e[c,t] - sum_w usage[w,o,t] * y[w,o,t] (on demand) - h[k,t] (pools of o) <= 0

    with 0 <= e[c,t] <= count_c x acc_o x H (column bounds). e has spend -rate_o: the hours it
    runs are paid by the commitment, whose count x usd_per_hour x H is a constant of every covered
    period, used or not. Workloads that may run o on demand (on-demand rows and pools of o) draw
    on it; its hours are not under o's availability cap (:func:`availability`).

    Rows: committed_use, one per (instance, t) with a reservation. Switch: scenario.commitments
    with a reservation covering a period of the horizon. Scope: shared. Ops mode: on.
    """
    ed = ctx.commitment_draws
    if not len(ed):
        return
    T = ctx.T
    terms = _on_demand_terms(ctx)
    key_e = ed["option_id"].to_numpy(dtype=np.int64) * (T + 1) + ed["t_idx"].to_numpy(dtype=np.int64)
    uniq, row_e = np.unique(key_e, return_inverse=True)
    pos = pd.Series(np.arange(len(uniq)), index=uniq)
    key_t = terms["option_id"].to_numpy(dtype=np.int64) * (T + 1) + terms["t_idx"].to_numpy(dtype=np.int64)
    hit = np.isin(key_t, uniq)
    ctx.m.add_rows(
        "committed_use",
        len(uniq),
        np.r_[row_e, pos.reindex(key_t[hit]).to_numpy(dtype=np.int64)],
        np.r_[ed["col"].to_numpy(dtype=np.int64), terms["col"].to_numpy(dtype=np.int64)[hit]],
        np.r_[np.ones(len(ed)), -terms["hours"].to_numpy(dtype=float)[hit]],
        upper=0.0,
    )


def savings_plans(ctx: Context) -> None:
    """Savings plans cover on-demand spend of their provider, vendor by vendor.  For every
    provider P, chip vendor v and period t with a credit column of a savings plan of P:

        sum_{c of P} sp[c,v,t] <= sum_{o of P, vendor v} (rate_o * usage * y[w,o,t] (on demand)
                                                          + rate_o * h[k,t])
                                  - sum_{c' reservation of P, vendor v} rate_o * e[c',t]
                                                                  (savings_plan_cover)
    and for every savings plan c and period t with two or more vendor columns:

        sum_v sp[c,v,t] <= C_c / (1 - d_c)                        (savings_plan_limit)

    with 0 <= sp[c,v,t] <= C_c / (1 - d_c) (column bounds), C_c = usd_per_hour x H the committed
    spend: it buys on-demand use worth C / (1 - d). sp has spend -1, owned by P and by v: the
    credit lowers the spend of the vendor whose use it pays, never below zero, so the chip vendor
    share caps see each vendor's net spend (a credit without a vendor sat in the unowned spend U
    and could push a vendor above 100 %). C_c is a constant of every covered period, used or not,
    with no vendor. Existing reservations apply first (what they run is not on-demand spend any
    more): a small objective weight on e (``RESERVATION_FIRST`` in
    :mod:`~fleetplan.optimize.formulation`) breaks the tie when the savings plan could cover it all.

    Rows: savings_plan_cover, one per (provider, vendor, t) with a credit column;
    savings_plan_limit, one per (savings plan, t) with several vendors. Switch: a savings plan
    among scenario.commitments covering a period of the horizon. Scope: shared. Ops mode: on.
    """
    cr = ctx.credits
    if not len(cr):
        return
    T = ctx.T
    # (provider, vendor) pairs as integer codes, then one key per (pair, t)
    pairs = sorted(set(zip(cr["provider"], cr["vendor"], strict=True)))
    pv_pos = {pv: i for i, pv in enumerate(pairs)}
    terms = _on_demand_terms(ctx)
    parts = [
        (cr["provider"].to_numpy(), cr["vendor"].to_numpy(), cr["t_idx"].to_numpy(), cr["col"].to_numpy(), 1.0),
        (
            terms["provider"].to_numpy(),
            terms["vendor"].to_numpy(),
            terms["t_idx"].to_numpy(),
            terms["col"].to_numpy(),
            -terms["usd"].to_numpy(),
        ),
    ]
    ed = ctx.commitment_draws
    if len(ed):
        parts.append(
            (
                ed["provider"].to_numpy(),
                ed["vendor"].to_numpy(),
                ed["t_idx"].to_numpy(),
                ed["col"].to_numpy(),
                ed["usd_per_accelerator_hour"].to_numpy(),
            )
        )

    def key_of(prov: np.ndarray, vendor: np.ndarray, t: np.ndarray) -> np.ndarray:
        code = np.array([pv_pos.get((p, v), -1) for p, v in zip(prov, vendor, strict=True)], dtype=np.int64)
        return np.where(code >= 0, code * (T + 1) + t.astype(np.int64), -1)

    uniq = np.unique(key_of(cr["provider"].to_numpy(), cr["vendor"].to_numpy(), cr["t_idx"].to_numpy()))
    pos = pd.Series(np.arange(len(uniq)), index=uniq)
    rows, cols, vals = [], [], []
    for prov, vendor, t, col, val in parts:
        key = key_of(prov, vendor, t)
        hit = np.isin(key, uniq)
        rows.append(pos.reindex(key[hit]).to_numpy(dtype=np.int64))
        cols.append(col[hit].astype(np.int64))
        vals.append(np.broadcast_to(np.asarray(val, dtype=float), key.shape)[hit])
    ctx.m.add_rows(
        "savings_plan_cover", len(uniq), np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), upper=0.0
    )
    per = cr.groupby(["commitment", "t_idx"], sort=True)
    shared = per["col"].transform("size").to_numpy() > 1
    if shared.any():
        sub = cr[shared]
        row = sub.groupby(["commitment", "t_idx"], sort=True).ngroup().to_numpy()
        n = int(row.max()) + 1
        limit = sub.groupby(["commitment", "t_idx"], sort=True)["limit_usd"].first().to_numpy(dtype=float)
        ctx.m.add_rows(
            "savings_plan_limit",
            n,
            row,
            sub["col"].to_numpy(dtype=np.int64),
            np.ones(len(sub)),
            upper=limit,
        )


def owned_capacity(ctx: Context) -> None:
    """Owned capacity = existing + purchases after lead time - retirements at end of life.

    For every pool (site i, server type k) and period t:
        sum_w usage[w,(i,k),t] * y <= per_server * H * (existing[i,k,t] + sum_{s: s+lead <= t < s+lead+life} b[i,k,s])

    Rows: one per (site, server type, t). Switch: a site. Scope: shared. Ops mode: on (b fixed).
    """
    if not len(ctx.pools):
        return
    cand, T, H = ctx.cand, ctx.T, ctx.H
    b0 = ctx.col[Var.BUY].start
    mask = cand["source"].eq("owned").to_numpy()
    pools = ctx.pools.reset_index(drop=True)
    pos = {(r.site, r.server_type): i for i, r in enumerate(pools.itertuples())}
    sub = cand[mask]
    row_y = (
        np.array([pos[(s, k)] for s, k in zip(sub["site"], sub["server_type"], strict=True)], dtype=np.int64) * T
        + sub["t_idx"].to_numpy()
    )
    rows, cols, vals = [row_y], [_y0(ctx) + np.flatnonzero(mask)], [sub["usage"].to_numpy()]
    for j, row in ctx.purchases.reset_index(drop=True).iterrows():
        pool = pools.loc[int(row["pool"])]
        ts = np.arange(int(row["service"]), min(int(row["service"]) + int(pool["life"]), T))
        rows.append(int(row["pool"]) * T + ts)
        cols.append(np.full(len(ts), b0 + j))
        vals.append(np.full(len(ts), -float(pool["per_server"]) * H))
    upper = np.concatenate([p["existing"] * p["per_server"] * H for _, p in pools.iterrows()])
    ctx.m.add_rows(
        "owned_capacity",
        len(pools) * T,
        np.concatenate(rows),
        np.concatenate(cols),
        np.concatenate(vals),
        upper=upper,
    )


def site_power_and_space(ctx: Context) -> None:
    """Site power and space, on installed servers (peak draw, not average).

    For every site i and period t:
        sum_k server_kw[i,k] * (existing[i,k,t] + active purchases) <= power_capacity_kw[i]
        sum_k rack_units[k]  * (existing[i,k,t] + active purchases) <= space_rack_units[i]
    server_kw = accelerators x TDP x power_overhead_factor x PUE / 1000.

    Rows: site_power, one per (site, t); site_space, one per (site, t) where any site states its
    space. Switch: a site. Scope: shared. Ops mode: on (b fixed).
    """
    if not len(ctx.pools):
        return
    T = ctx.T
    b0 = ctx.col[Var.BUY].start
    pools = ctx.pools.reset_index(drop=True)
    sites = list(dict.fromkeys(pools["site"]))
    s_pos = {s: i for i, s in enumerate(sites)}
    kw_used = np.zeros(len(sites) * T)
    ru_used = np.zeros(len(sites) * T)
    for _, p in pools.iterrows():
        sl = slice(s_pos[p["site"]] * T, (s_pos[p["site"]] + 1) * T)
        kw_used[sl] += p["existing"] * p["server_kw"]
        ru_used[sl] += p["existing"] * p["rack_units"]
    cap_kw = np.repeat(pools.drop_duplicates("site")["power_kw"].to_numpy(), T)
    space = pools.drop_duplicates("site")["space"].to_numpy()
    rows_p, cols_p, vals_p, rows_s, vals_s = [], [], [], [], []
    for j, row in ctx.purchases.reset_index(drop=True).iterrows():
        pool = pools.loc[int(row["pool"])]
        ts = np.arange(int(row["service"]), min(int(row["service"]) + int(pool["life"]), T))
        base = s_pos[pool["site"]] * T
        rows_p.append(base + ts)
        cols_p.append(np.full(len(ts), b0 + j))
        vals_p.append(np.full(len(ts), float(pool["server_kw"])))
        rows_s.append(base + ts)
        vals_s.append(np.full(len(ts), float(pool["rack_units"])))
    size = len(sites) * T
    cat = lambda x: np.concatenate(x) if x else np.zeros(0)  # noqa: E731
    # existing hardware above the envelope is the scenario's fact, not the plan's choice
    upper_p = np.maximum(cap_kw - kw_used, 0.0)
    ctx.m.add_rows("site_power", size, cat(rows_p), cat(cols_p), cat(vals_p), upper=upper_p)
    has_space = np.array([s is not None and not pd.isna(s) for s in space])
    if has_space.any():
        upper_s = np.repeat(np.where(has_space, np.nan_to_num(space.astype(float), nan=0.0), np.inf), T)
        ctx.m.add_rows(
            "site_space", size, cat(rows_s), cat(cols_p), cat(vals_s), upper=np.maximum(upper_s - ru_used, 0.0)
        )


def fixed_spend(
    pools: pd.DataFrame, T: int, attr: str = "provider", committed: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Constants per period and provider (or vendor): opex of existing servers (capex is sunk),
    plus the committed cost of existing commitments (``Context.committed``) when given; a savings
    plan has no vendor (column '' under ``attr='vendor'``)."""
    data: dict[str, np.ndarray] = {}
    for _, pool in pools.iterrows():
        data[pool[attr]] = data.get(pool[attr], np.zeros(T)) + pool["existing"] * pool["opex_per_period"]
    if committed is not None:
        for owner, t, usd in zip(committed[attr], committed["t_idx"], committed["usd"], strict=True):
            data.setdefault(str(owner), np.zeros(T))[int(t)] += float(usd)
    if not data:
        return pd.DataFrame(np.zeros((T, 0)))
    return pd.DataFrame(data)


def column_owner(ctx: Context, n_cols: int, attr: str) -> np.ndarray:
    """Provider (attr='provider') or chip vendor (attr='vendor') of each of the first ``n_cols``
    columns, '' if none: the builder records it as ``Context.owner`` once every column with spend
    exists, and share caps and operations re-plans attribute spend by it."""
    owner = np.full(n_cols, "", dtype=object)
    cols = ctx.col
    y = cols[Var.PLACEMENT]
    owner[y.start : y.start + y.size] = ctx.cand[attr].to_numpy()
    by_option = ctx.options.set_index("option_id")[attr]
    h = cols[Var.ON_DEMAND]
    if h.size:
        owner[h.start : h.start + h.size] = ctx.pool_periods["option_id"].map(by_option).to_numpy()
    for var, table in ((Var.COMMITTED, ctx.commitment_draws), (Var.CREDIT, ctx.credits)):
        if var in cols:
            blk = cols[var]
            owner[blk.start : blk.start + blk.size] = table[attr].to_numpy() if attr in table else ""
    n = cols[Var.RESERVE]
    if n.size:
        owner[n.start : n.start + n.size] = ctx.reservations["option_id"].map(by_option).to_numpy()
    bb = cols[Var.BUY]
    if bb.size:
        owner[bb.start : bb.start + bb.size] = (
            ctx.pools.reset_index(drop=True).loc[ctx.purchases["pool"].to_numpy(), attr].to_numpy()
        )
    u = cols[Var.ONBOARD]
    if u.size and attr == "provider":
        owner[u.start : u.start + u.size] = ctx.onboard["provider"].to_numpy()
    return owner


def share_caps(ctx: Context) -> None:
    """Spend-share caps per provider and per chip vendor, over the horizon.

    With spend_j column j's undiscounted horizon spend and F the fixed (existing) costs, one
    auxiliary variable per owner g carries its spend in units of s0 (a scale near the largest
    column's spend), and each cap is a short row over those aggregates:

        P_g = sum_{j: owner(j) = g} spend_j / s0 * x_j                       (share_spend_<attr>)
        P_p - cap_p * (sum_g P_g + U) <= (cap_p * F - F_p) / s0               (provider_share)

    U is the spend of columns without an owner. Equivalent to the dense form
    sum_j (1[owner(j) = p] - cap_p) spend_j x_j <= cap_p F - F_p, with about one nonzero per
    spend column instead of one per (column, cap). An owner with a cap but no column of nonzero
    spend (only fixed costs, say) has P_g = 0: its row keeps only -cap_p * (sum_g P_g + U).

    The scale s0 sets what the solver's absolute tolerance (1e-6 on a MIP's rows) means in
    dollars: about 1e-6 s0 per row. It is :func:`_share_scale`, the largest column's spend or, if
    that is far above it, a multiple of an estimate of the plan's own spend; the share_spend rows
    are not equilibrated (their largest coefficient may exceed 1:
    a column costing more than s0). Scaled by the largest column instead, a $0.4M reservation the
    plan never buys let a $3 plan hold 100 % of spend under a 90 % cap (1e-6 x 0.4M = $0.36,
    ten percent of the plan, hidden inside the tolerance).

    Rows: share_spend_provider and provider_share (one per capped provider), then the same for
    vendors; columns share_spend_provider / share_spend_vendor. Switch: policy.max_provider_share,
    provider_share_caps, max_chip_vendor_share or chip_vendor_share_caps below 1. Scope: shared.
    Ops mode: off.
    """
    pol = ctx.sc.policy
    spend = ctx.spend
    assert spend is not None
    total_spend = np.asarray(spend.sum(axis=0)).ravel()
    fixed_total = float(ctx.fixed.to_numpy().sum()) if ctx.fixed.size else 0.0
    nz = np.flatnonzero(total_spend)
    s0 = _share_scale(ctx, float(np.abs(total_spend).max(initial=1.0)), fixed_total)
    for attr, default, caps, fam, var in (
        ("provider", pol.max_provider_share, pol.provider_share_caps, "provider_share", Var.PROVIDER_SPEND),
        ("vendor", pol.max_chip_vendor_share, pol.chip_vendor_share_caps, "vendor_share", Var.VENDOR_SPEND),
    ):
        owner = ctx.owner[attr]
        fixed_by = fixed_spend(ctx.pools, ctx.T, attr, committed=ctx.committed)
        names = sorted({str(o) for o in owner if o} | {str(o) for o in fixed_by.columns if o})
        limits = {nm: caps.get(nm, default) for nm in names}
        limits = {k: v for k, v in limits.items() if v is not None and v < 1.0}
        if not limits:
            continue
        # aggregates: one column per owner, plus one for unowned spend (if any)
        own = owner[nz].astype(str)
        groups = sorted(set(own))
        g_pos = {g: i for i, g in enumerate(groups)}
        g_of = np.array([g_pos[o] for o in own], dtype=np.int64)
        agg = ctx.m.add_columns(var, len(groups), lower=-np.inf, upper=np.inf)
        ctx.col[var] = agg
        ctx.m.add_rows(
            var,
            len(groups),
            np.r_[g_of, np.arange(len(groups))],
            np.r_[nz, agg.idx(np.arange(len(groups)))],
            np.r_[total_spend[nz] / s0, -np.ones(len(groups))],
            lower=0.0,
            upper=0.0,
            equilibrate=False,
        )
        rows, cols, vals, upper, labels = [], [], [], [], []
        all_g = agg.idx(np.arange(len(groups)))
        for r, (nm, cap) in enumerate(sorted(limits.items())):
            coef = np.full(len(groups), -cap)
            if nm in g_pos:  # else P_nm = 0: no column of nonzero spend is nm's
                coef[g_pos[nm]] += 1.0
            rows.append(np.full(len(groups), r))
            cols.append(all_g)
            vals.append(coef)
            f_own = float(fixed_by[nm].sum()) if nm in fixed_by.columns else 0.0
            upper.append((cap * fixed_total - f_own) / s0)
            labels.append({"name": nm, "cap": cap})
        size = len(limits)
        if ctx.elastic:
            sc_, sg = _elastic(ctx, fam, [{**lab, "scale": s0} for lab in labels])
            rows.append(np.arange(size))
            cols.append(sc_)
            vals.append(sg)
        ctx.m.add_rows(
            fam, size, np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), upper=np.array(upper)
        )


SHARE_SCALE_HEADROOM = 10.0
"""The share caps' scale s0 is at most this many times the estimated plan spend (1e-6 s0 per row is
then at most 1e-5 of it, a tenth of the verifier's share tolerance)."""

SHARE_SCALE_RANGE = 1e6
"""The share caps' scale s0 is at least the largest column's spend over this: the share_spend rows
keep their coefficients within a range of 1e6 (the plan's dollars are then exact to about 1e-6 s0
per row unless the plan is over a million times smaller than its costliest column)."""


def _share_scale(ctx: Context, largest: float, fixed_total: float) -> float:
    """s0 of :func:`share_caps`: the largest column's horizon spend ``largest`` (the best scaled
    rows), unless that is more than ``SHARE_SCALE_HEADROOM`` times the estimated plan spend; then
    that multiple of the estimate (at least ``largest / SHARE_SCALE_RANGE``, and 1).

    The estimate: sum over the required workloads' coverage rows (w, t) of the cheapest spend per
    unit of coverage among their placements, plus the fixed costs F. A placement's spend is its
    own (``cost_usd``) plus, where its hours are paid elsewhere (a pricing pool's h or rho, or a
    reservation), usage x the option's rate per accelerator-hour (a reservation fully used). Not
    a bound: only its order of magnitude matters (the tolerance is 1e-6 s0, the verifier's 1e-4
    of the plan's spend). ``largest``: the largest column's horizon spend, the scale before.
    """
    cand = ctx.cand
    top = max(1.0, largest)
    if cand.empty:
        return top
    usage = cand["usage"].to_numpy(dtype=float)
    rate = np.nan_to_num(cand["usd_per_accelerator_hour"].to_numpy(dtype=float))
    paid_elsewhere = cand["pricing_model"].isin(RESERVED_MODELS).to_numpy() | (cand["pool"].to_numpy() >= 0)
    usd = cand["cost_usd"].to_numpy(dtype=float) + np.where(paid_elsewhere, usage * rate, 0.0)
    cover = cand["coverage"].to_numpy(dtype=float)
    cover = np.where(cand["unit"].eq("replicas").to_numpy(), np.minimum(cover, 1.0), cover)
    required = ~cand["w_idx"].isin(list(ctx.served)).to_numpy() & (cover > 0)
    per_unit = pd.DataFrame({"w": cand["w_idx"].to_numpy()[required], "t": cand["t_idx"].to_numpy()[required]}).assign(
        usd=usd[required] / cover[required]
    )
    estimate = float(per_unit.groupby(["w", "t"])["usd"].min().clip(lower=0.0).sum()) + max(fixed_total, 0.0)
    return float(np.clip(SHARE_SCALE_HEADROOM * estimate, max(1.0, largest / SHARE_SCALE_RANGE), top))


def budgets(ctx: Context) -> None:
    """Budgets per period:  sum_j spend[t,j] * x_j <= budget_t - F_t.

    Rows: one per period, in units of its budget. Switch: policy.budget_usd_per_period or
    budgets_usd. Scope: shared. Ops mode: off.
    """
    pol = ctx.sc.policy
    T = ctx.T
    labels = ctx.sc.horizon.labels()
    budget = np.array([pol.budgets_usd.get(lab, pol.budget_usd_per_period or np.inf) for lab in labels], dtype=float)
    if not np.isfinite(budget).any():
        return
    assert ctx.spend is not None
    f_t = ctx.fixed.to_numpy().sum(axis=1) if ctx.fixed.size else np.zeros(T)
    coo = ctx.spend.tocoo()
    rows, cols, vals = [coo.row], [coo.col], [coo.data]
    if ctx.elastic:
        sc_, sg = _elastic(ctx, "budget", [{"t_idx": t} for t in range(T)])
        rows.append(np.arange(T))
        cols.append(sc_)
        vals.append(sg * 1e6)
    # rows in units of each period's budget (well scaled); infinite budgets keep scale 1
    scale = np.where(np.isfinite(budget) & (budget > 0), budget, 1.0)
    r_all = np.concatenate(rows)
    ctx.m.add_rows(
        "budget", T, r_all, np.concatenate(cols), np.concatenate(vals) / scale[r_all], upper=(budget - f_t) / scale
    )


def carbon_budget(ctx: Context) -> None:
    """Carbon budgets:  sum tCO2e <= horizon budget;  sum_t tCO2e[t] <= per-period budget.

    Rows: carbon_horizon (one), carbon_period (one per period). Switch:
    policy.carbon_budget_tco2e, carbon_budget_tco2e_per_period. Scope: shared. Ops mode: off.
    """
    pol = ctx.sc.policy
    cand, T = ctx.cand, ctx.T
    co2 = cand["co2e_t"].to_numpy()
    cols = _y0(ctx) + np.arange(len(cand))
    if pol.carbon_budget_tco2e is not None:
        rows, cc, vals = [np.zeros(len(cand), dtype=np.int64)], [cols], [co2]
        if ctx.elastic:
            sc_, sg = _elastic(ctx, "carbon", [{"scope": "horizon"}])
            rows.append(np.array([0]))
            cc.append(sc_)
            vals.append(sg)
        ctx.m.add_rows(
            "carbon_horizon",
            1,
            np.concatenate(rows),
            np.concatenate(cc),
            np.concatenate(vals),
            upper=pol.carbon_budget_tco2e,
        )
    if pol.carbon_budget_tco2e_per_period is not None:
        rows, cc, vals = [cand["t_idx"].to_numpy()], [cols], [co2]
        if ctx.elastic:
            sc_, sg = _elastic(ctx, "carbon_period", [{"t_idx": t} for t in range(T)])
            rows.append(np.arange(T))
            cc.append(sc_)
            vals.append(sg)
        ctx.m.add_rows(
            "carbon_period",
            T,
            np.concatenate(rows),
            np.concatenate(cc),
            np.concatenate(vals),
            upper=pol.carbon_budget_tco2e_per_period,
        )


# --------------------------------------------------------------------------- rollout families

ROLLOUT_SLACK_UNIT = 1e3
"""Accelerators per unit of a rollout family's elastic slack: relaxing a pilot or a ramp by many
accelerators costs less than leaving demand unserved, so an explanation names the rollout rule."""


@dataclass(frozen=True)
class _RolloutTerms:
    """The new entities of a rollout policy and A[e,t] as terms over the placements."""

    entities: pd.DataFrame  # kind, entity; one row per new entity e (its position is e)
    pos: np.ndarray  # candidate row of each term
    e: np.ndarray  # entity of each term
    t: np.ndarray  # period of each term
    coef: np.ndarray  # usage / H: accelerators in service per unit of y
    big: np.ndarray  # E x T: M[e,t], the most A[e,t] can be (see _rollout_terms)
    big_critical: np.ndarray  # E x T: the same over critical workloads only
    critical: np.ndarray  # bool per term: the term's workload is critical


def _rollout_terms(ctx: Context) -> _RolloutTerms | None:
    """A[e,t] = sum_{(w,o) of e} usage[w,o,t] / H * y[w,o,t] for every new entity e (None: no
    rollout policy or nothing new among the candidates).

    M[e,t] = sum_w max_{o of e} usage[w,o,t] * ub[w,o,t] / H: each workload's whole demand on its
    largest option of e (one full cover, or its replicas for the whole demand), so a sound bound
    on A[e,t] for any plan that does not cover a workload more than once on one entity.
    """
    ro = ctx.sc.policy.rollout
    if ro is None:
        return None
    cand, T = ctx.cand, ctx.T
    known = known_entities(ctx.sc)
    kinds, names, pos, ent = [], [], [], []
    for kind in ROLLOUT_KINDS:
        if kind not in ro.applies_to:
            continue
        col = cand[kind].astype(str).to_numpy()
        for name in sorted(set(col) - known[kind]):
            hit = np.flatnonzero(col == name)
            pos.append(hit)
            ent.append(np.full(len(hit), len(names), dtype=np.int64))
            kinds.append(kind)
            names.append(name)
    if not names:
        return None
    p, e = np.concatenate(pos), np.concatenate(ent)
    t = cand["t_idx"].to_numpy(dtype=np.int64)[p]
    coef = cand["usage"].to_numpy(dtype=float)[p] / ctx.H
    most = coef * cand["ub"].to_numpy(dtype=float)[p]
    w = cand["w_idx"].to_numpy(dtype=np.int64)[p]
    crit = [i for i, wl in enumerate(ctx.sc.workloads) if wl.criticality == "critical"]
    critical = np.isin(w, np.array(crit, dtype=np.int64))
    per_w = pd.DataFrame({"e": e, "t": t, "w": w, "most": most, "crit": critical})
    per_w = per_w.groupby(["e", "t", "w"], sort=False).agg(most=("most", "max"), crit=("crit", "first")).reset_index()
    big = np.zeros((len(names), T))
    np.add.at(big, (per_w["e"].to_numpy(), per_w["t"].to_numpy()), per_w["most"].to_numpy())
    big_c = np.zeros((len(names), T))
    c = per_w[per_w["crit"]]
    np.add.at(big_c, (c["e"].to_numpy(), c["t"].to_numpy()), c["most"].to_numpy())
    entities = pd.DataFrame({"kind": kinds, "entity": names})
    return _RolloutTerms(entities, p, e, t, coef, big, big_c, critical)


def _rollout_starts_needed(ctx: Context, terms: _RolloutTerms) -> np.ndarray:
    """Which entities get start binaries: every one under a pilot cap; else the providers
    critical workloads may use, under the critical bar."""
    ro = ctx.sc.policy.rollout
    assert ro is not None
    if not ro.pilot_cap_missing:
        return np.ones(len(terms.entities), dtype=bool)
    if not ro.critical_after_pilot:
        return np.zeros(len(terms.entities), dtype=bool)
    return terms.entities["kind"].eq("provider").to_numpy() & (terms.big_critical.sum(axis=1) > 0)


def rollout_start(ctx: Context) -> None:
    """When the use of each new entity begins: monotone start binaries r[e,t] in {0,1}.

    With A[e,t] as in :func:`_rollout_terms` (accelerators in service: accelerator-hours / H), for
    every new entity e (a provider, chip vendor or accelerator new to the organization, see
    :func:`fleetplan.load.known_entities`) and period t:

        r[e,t-1] - r[e,t] <= 0                                  (begun stays begun; t >= 1)
        A[e,t] - M[e,t] * r[e,t] <= 0                           (used => begun)
        r[e,t] - r[e,t-1] - A[e,t] / delta <= 0                 (begins only where used; r[e,-1] = 0)

    delta = ``ROLLOUT_MIN_START`` accelerators: the first period of use is the period r turns on,
    which is where the verifier starts the pilot. (So a pilot carries at least delta, 22
    accelerator-hours a quarter, in its first period; and a pilot cap of 0 keeps e unused.)

    Rows: rollout_order, one per (e, t >= 1); rollout_use and rollout_begin, one per (e, t), for the
    entities with a pilot cap or the critical bar. Switch: policy.rollout and a new entity among the
    candidates. Scope: shared. Ops mode: off.
    """
    terms = _rollout_terms(ctx)
    if terms is None:
        return
    need = _rollout_starts_needed(ctx, terms)
    if not need.any():
        return
    T = ctx.T
    ids = np.flatnonzero(need)
    n = len(ids)
    r = ctx.col[Var.ROLLOUT_START] = ctx.m.add_columns(Var.ROLLOUT_START, n * T, upper=1.0, integer=True)
    slot = np.full(len(terms.entities), -1, dtype=np.int64)
    slot[ids] = np.arange(n)
    rc = r.start + (np.arange(n)[:, None] * T + np.arange(T)[None, :])  # n x T columns of r
    if T > 1:
        k = n * (T - 1)
        ctx.m.add_rows(
            "rollout_order",
            k,
            np.r_[np.arange(k), np.arange(k)],
            np.r_[rc[:, :-1].ravel(), rc[:, 1:].ravel()],
            np.r_[np.ones(k), -np.ones(k)],
            upper=0.0,
        )
    mine = slot[terms.e] >= 0
    row_a = slot[terms.e[mine]] * T + terms.t[mine]
    y_cols = _y0(ctx) + terms.pos[mine]
    ctx.m.add_rows(
        "rollout_use",
        n * T,
        np.r_[row_a, np.arange(n * T)],
        np.r_[y_cols, rc.ravel()],
        np.r_[terms.coef[mine], -np.maximum(terms.big[ids].ravel(), ROLLOUT_MIN_START)],
        upper=0.0,
    )
    prev = rc[:, :-1].ravel()
    prev_rows = (np.arange(n)[:, None] * T + np.arange(1, T)[None, :]).ravel()
    ctx.m.add_rows(
        "rollout_begin",
        n * T,
        np.r_[np.arange(n * T), prev_rows, row_a],
        np.r_[rc.ravel(), prev, y_cols],
        np.r_[np.ones(n * T), -np.ones(len(prev)), -terms.coef[mine] / ROLLOUT_MIN_START],
        upper=0.0,
    )


def _rollout_start_cols(ctx: Context, terms: _RolloutTerms) -> np.ndarray:
    """E x T: column of r[e,t], or -1 for an entity without start binaries."""
    T = ctx.T
    out = np.full((len(terms.entities), T), -1, dtype=np.int64)
    r = ctx.col.get(Var.ROLLOUT_START)
    if r is None:
        return out
    ids = np.flatnonzero(_rollout_starts_needed(ctx, terms))
    out[ids] = r.start + (np.arange(len(ids))[:, None] * T + np.arange(T)[None, :])
    return out


def _rollout_total(ctx: Context) -> np.ndarray:
    """Columns of Tot[t] (accelerators in service in t over every placement), added with their
    defining rows (block ``rollout_total``) on first use:  sum_{w,o} usage / H * y[w,o,t] - Tot[t] = 0."""
    blk = ctx.col.get(Var.ROLLOUT_TOTAL)
    if blk is None:
        T, cand = ctx.T, ctx.cand
        blk = ctx.col[Var.ROLLOUT_TOTAL] = ctx.m.add_columns(Var.ROLLOUT_TOTAL, T, upper=np.inf)
        ctx.m.add_rows(
            "rollout_total",
            T,
            np.r_[cand["t_idx"].to_numpy(dtype=np.int64), np.arange(T)],
            np.r_[_y0(ctx) + np.arange(len(cand)), blk.idx(np.arange(T))],
            np.r_[cand["usage"].to_numpy(dtype=float) / ctx.H, -np.ones(T)],
            lower=0.0,
            upper=0.0,
        )
    return blk.idx(np.arange(ctx.T))


def _rollout_caps(ctx: Context) -> list[tuple[str, float]]:
    """The pilot caps given: ("accelerators", N) and/or ("share", sigma)."""
    ro = ctx.sc.policy.rollout
    assert ro is not None
    caps: list[tuple[str, float]] = []
    if ro.pilot_max_accelerators is not None:
        caps.append(("accelerators", float(ro.pilot_max_accelerators)))
    if ro.pilot_max_share is not None:
        caps.append(("share", float(ro.pilot_max_share)))
    return caps


def rollout_pilot(ctx: Context) -> None:
    """Pilot caps: during its first P = pilot_periods periods of use, a new entity runs at most
    N = pilot_max_accelerators accelerators, and at most sigma = pilot_max_share of the period's.

        A[e,t] - M[e,t] * r[e,t-P] <= N                          (r[e,t-P] = 0 for t < P)
        A[e,t] - sigma * Tot[t] - M[e,t] * r[e,t-P] <= 0         (Tot: see _rollout_total)

    r[e,t-P] = 1 says e was in use P periods ago, so its pilot is over; before the horizon nothing
    new was in use. In elastic mode each row has a slack (in ROLLOUT_SLACK_UNIT accelerators).

    Rows: rollout_pilot, one per (e, t) and cap given; rollout_total, one per t with a share cap.
    Switch: policy.rollout.pilot_max_accelerators or pilot_max_share, and a new entity among the
    candidates. Scope: shared. Ops mode: off.
    """
    terms = _rollout_terms(ctx)
    if terms is None:
        return
    caps = _rollout_caps(ctx)
    if not caps:
        return
    ro = ctx.sc.policy.rollout
    assert ro is not None
    T, P = ctx.T, ro.pilot_periods
    E = len(terms.entities)
    rc = _rollout_start_cols(ctx, terms)
    rows, cols, vals, upper, labels = [], [], [], [], []
    y_cols = _y0(ctx) + terms.pos
    base = np.arange(E)[:, None] * T + np.arange(T)[None, :]  # E x T row offsets within one cap
    for i, (cap, value) in enumerate(caps):
        off = i * E * T
        rows.append(off + terms.e * T + terms.t)
        cols.append(y_cols)
        vals.append(terms.coef)
        late = np.arange(T) >= P
        if late.any():
            rows.append(off + base[:, late].ravel())
            cols.append(rc[:, np.flatnonzero(late) - P].ravel())
            vals.append(-terms.big[:, late].ravel())
        if cap == "share":
            tot = _rollout_total(ctx)
            rows.append(off + base.ravel())
            cols.append(np.tile(tot, E))
            vals.append(np.full(E * T, -value))
            upper.append(np.zeros(E * T))
        else:
            upper.append(np.full(E * T, value))
        labels += [
            {"kind": k, "entity": n, "t_idx": t, "cap": cap, "limit": value}
            for k, n in zip(terms.entities["kind"], terms.entities["entity"], strict=True)
            for t in range(T)
        ]
    size = len(caps) * E * T
    if ctx.elastic:
        sc_, sg = _elastic(ctx, "rollout_pilot", labels)
        rows.append(np.arange(size))
        cols.append(sc_)
        vals.append(sg * ROLLOUT_SLACK_UNIT)
    r_all, c_all, v_all = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    keep = c_all >= 0  # no start binary: the cap holds in every period
    ctx.m.add_rows("rollout_pilot", size, r_all[keep], c_all[keep], v_all[keep], upper=np.concatenate(upper))


def rollout_ramp(ctx: Context) -> None:
    """Growth ramps: after its pilot, a new entity's accelerators grow at most g = max_growth_per_
    period times per period, plus the pilot cap (N, or sigma * Tot[t]) as a floor:

        A[e,t] - g * A[e,t-1] <= N                  for t >= 1
        A[e,t] - g * A[e,t-1] - sigma * Tot[t] <= 0

    Stated for every period, not only after the pilot: before the first use A = 0 and during the
    pilot A[e,t] <= cap, so the rows hold there anyway; without binaries they keep the LP tight.
    At t = 0 nothing new ran before the horizon and the pilot cap already holds. The floor lets a
    move spread over periods (N, g N + N, g^2 N + g N + N, ...) and lets an entity whose use fell
    to zero start again at the pilot's size. In elastic mode each row has a slack (in ROLLOUT_SLACK_UNIT accelerators).

    Rows: rollout_ramp, one per (e, t >= 1) and cap given. Switch: policy.rollout.
    max_growth_per_period and a new entity among the candidates. Scope: shared. Ops mode: off.
    """
    terms = _rollout_terms(ctx)
    ro = ctx.sc.policy.rollout
    if terms is None or ro is None or ro.max_growth_per_period is None or ctx.T < 2:
        return
    T, g = ctx.T, float(ro.max_growth_per_period)
    E = len(terms.entities)
    caps = _rollout_caps(ctx)
    y_cols = _y0(ctx) + terms.pos
    rows, cols, vals, upper, labels = [], [], [], [], []
    per = E * (T - 1)
    for i, (cap, value) in enumerate(caps):
        off = i * per
        now = terms.t >= 1
        rows.append(off + terms.e[now] * (T - 1) + terms.t[now] - 1)
        cols.append(y_cols[now])
        vals.append(terms.coef[now])
        before = terms.t <= T - 2
        rows.append(off + terms.e[before] * (T - 1) + terms.t[before])
        cols.append(y_cols[before])
        vals.append(-g * terms.coef[before])
        if cap == "share":
            tot = _rollout_total(ctx)
            rows.append(off + np.arange(per))
            cols.append(np.tile(tot[1:], E))
            vals.append(np.full(per, -value))
            upper.append(np.zeros(per))
        else:
            upper.append(np.full(per, value))
        labels += [
            {"kind": k, "entity": n, "t_idx": t, "cap": cap, "limit": value, "growth": g}
            for k, n in zip(terms.entities["kind"], terms.entities["entity"], strict=True)
            for t in range(1, T)
        ]
    size = len(caps) * per
    if ctx.elastic:
        sc_, sg = _elastic(ctx, "rollout_ramp", labels)
        rows.append(np.arange(size))
        cols.append(sc_)
        vals.append(sg * ROLLOUT_SLACK_UNIT)
    ctx.m.add_rows(
        "rollout_ramp",
        size,
        np.concatenate(rows),
        np.concatenate(cols),
        np.concatenate(vals),
        upper=np.concatenate(upper),
    )


def rollout_critical(ctx: Context) -> None:
    """Critical workloads stay off a new provider during its pilot. For every new provider e and
    period t, over the critical workloads' placements on e:

        sum_{w critical, o of e} usage / H * y[w,o,t] - Mc[e,t] * r[e,t-P] <= 0    (r[e,t-P] = 0 for t < P)

    Mc as M over the critical workloads only. In elastic mode each row has a slack (in ROLLOUT_SLACK_UNIT accelerators).

    Rows: rollout_critical, one per (new provider, t) that critical workloads may use. Switch:
    policy.rollout.critical_after_pilot and a new provider among a critical workload's candidates.
    Scope: shared. Ops mode: off.
    """
    terms = _rollout_terms(ctx)
    ro = ctx.sc.policy.rollout
    if terms is None or ro is None or not ro.critical_after_pilot:
        return
    T, P = ctx.T, ro.pilot_periods
    ents = np.flatnonzero(terms.entities["kind"].eq("provider").to_numpy() & (terms.big_critical.sum(axis=1) > 0))
    if not len(ents):
        return
    slot = np.full(len(terms.entities), -1, dtype=np.int64)
    slot[ents] = np.arange(len(ents))
    mine = terms.critical & (slot[terms.e] >= 0)
    key = slot[terms.e[mine]] * T + terms.t[mine]
    uniq, row = np.unique(key, return_inverse=True)
    n = len(uniq)
    e_of, t_of = ents[uniq // T], uniq % T
    rc = _rollout_start_cols(ctx, terms)
    late = t_of >= P
    rows = [row, np.flatnonzero(late)]
    cols = [_y0(ctx) + terms.pos[mine], rc[e_of[late], t_of[late] - P]]
    vals = [terms.coef[mine], -terms.big_critical[e_of[late], t_of[late]]]
    if ctx.elastic:
        labels = [
            {"kind": "provider", "entity": terms.entities["entity"].iloc[int(e)], "t_idx": int(t)}
            for e, t in zip(e_of, t_of, strict=True)
        ]
        sc_, sg = _elastic(ctx, "rollout_critical", labels)
        rows.append(np.arange(n))
        cols.append(sc_)
        vals.append(sg * ROLLOUT_SLACK_UNIT)
    ctx.m.add_rows("rollout_critical", n, np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), upper=0.0)


# --------------------------------------------------------------------------- registry

FAMILIES: tuple[Family, ...] = (
    Family("coverage", coverage, "workload", +1, True, ("coverage_served", "coverage"), ("coverage",)),
    Family("availability", availability, "shared", -1, True, ("availability",), ("availability",)),
    Family("pool_capacity", pool_capacity, "shared", 0, True, ("pool_capacity",)),
    Family("reserved_capacity", reserved_capacity, "shared", 0, True, ("reserved_capacity",)),
    Family("existing_reservations", existing_reservations, "shared", 0, True, ("committed_use",)),
    Family("savings_plans", savings_plans, "shared", 0, True, ("savings_plan_cover", "savings_plan_limit")),
    Family("owned_capacity", owned_capacity, "shared", 0, True, ("owned_capacity",)),
    Family("site_power_and_space", site_power_and_space, "shared", 0, True, ("site_power", "site_space")),
    Family("single_placement", single_placement, "workload", 0, True, ("placement_link", "placement_one")),
    Family("onboarding", onboarding, "workload", 0, True, ("onboarding_link",)),
    Family("onboarding_reserved", onboarding_reserved, "shared", 0, True, ("onboarding_reserved",)),
    Family("skills", skills, "workload", -1, True, ("skills_link",), ("skills",)),
    Family("skills_order", skills_order, "shared", 0, True, ("skills_order",)),
    Family("diversity", diversity, "workload", +1, False, ("diversity_share", "diversity_count"), ("diversity",)),
    Family("diversity_others", diversity_others, "workload", 0, False, ("diversity_others",)),
    Family("onboarding_implied", onboarding_implied, "workload", 0, False, ("onboarding_implied",)),
    Family("n_minus_1", n_minus_1, "workload", +1, False, ("n_minus_1",), ("n_minus_1",)),
    Family(
        "share_caps",
        share_caps,
        "shared",
        -1,
        False,
        (Var.PROVIDER_SPEND.value, "provider_share", Var.VENDOR_SPEND.value, "vendor_share"),
        ("provider_share", "vendor_share"),
    ),
    Family("budgets", budgets, "shared", -1, False, ("budget",), ("budget",)),
    Family(
        "carbon_budget",
        carbon_budget,
        "shared",
        -1,
        False,
        ("carbon_horizon", "carbon_period"),
        ("carbon", "carbon_period"),
    ),
    Family("rollout_start", rollout_start, "shared", 0, False, ("rollout_order", "rollout_use", "rollout_begin")),
    Family("rollout_pilot", rollout_pilot, "shared", -1, False, ("rollout_total", "rollout_pilot"), ("rollout_pilot",)),
    Family("rollout_ramp", rollout_ramp, "shared", -1, False, ("rollout_ramp",), ("rollout_ramp",)),
    Family("rollout_critical", rollout_critical, "shared", -1, False, ("rollout_critical",), ("rollout_critical",)),
)
"""Every constraint family, in build order (the order of the model's rows)."""

_SLACK_SIGN = {s: f.elastic_sign for f in FAMILIES for s in f.slacks}


def family(name: str) -> Family:
    """The registered family called ``name`` (KeyError if there is none)."""
    for f in FAMILIES:
        if f.name == name:
            return f
    raise KeyError(name)


def rows_of(
    *, scope: Scope | None = None, names: Iterable[str] | None = None, families: Iterable[Family] = FAMILIES
) -> tuple[str, ...]:
    """Row blocks of the registered families (of one ``scope``, or of the families ``names``)."""
    wanted = None if names is None else set(names)
    if wanted is not None and (unknown := wanted - {f.name for f in families}):
        raise KeyError(f"no such families: {sorted(unknown)}")
    return tuple(
        r
        for f in families
        if (scope is None or f.scope == scope) and (wanted is None or f.name in wanted)
        for r in f.rows
    )


def row(name: str) -> str:
    """``name``, checked to be a row block some registered family appends (KeyError if none does)."""
    if name not in rows_of():
        raise KeyError(f"no registered family appends rows {name!r}")
    return name


def slacks_of(families: Iterable[Family] = FAMILIES) -> tuple[str, ...]:
    """Every elastic slack the families may add (see :func:`~fleetplan.optimize.context.slack_block`)."""
    return tuple(s for f in families for s in f.slacks)
