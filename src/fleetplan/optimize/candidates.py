"""Candidates: for each workload, the capacity options it may use, per period, with coefficients.

Eligibility (decided here, before the model):
  accelerator in the workload's allow-list; pricing model allowed by workload and policy;
  spot only for interruptible workloads; provider allowed and not excluded; owned sites allowed;
  residency by sensitivity (policy rule: provider kind or tag, optional countries) and by the
  workload's own residency list (countries or tags); latency zone; memory fit from sizing (a
  serving replica must fit in one instance or server).

Pruning (safe): within one workload, options of the same provider, accelerator and pricing model
with no availability cap are interchangeable for every policy except carbon; only the cheapest
survives, or the cost/carbon Pareto front when carbon is priced or budgeted. Capped and owned
options are never pruned.

Coefficients per unit of the decision variable (a replica held for the whole period for serving;
otherwise a "full cover": the need / efficiency accelerator-hours that meet the whole period's
demand on that option, so amounts are shares and coefficients stay well scaled):
  coverage     share of the period's demand one unit covers = efficiency / need
  usage        accelerator-hours one unit occupies (k x hours_per_period for a replica)
  cost_usd     marginal spend: rented price, or electricity for owned capacity (reserved: 0)
  energy_kwh   facility energy;  co2e_t = energy x grid x (1 - renewable share) / 1000
Spot efficiency = 1 / (1 + rate x instances x (checkpoint interval / 2 + restart hours)), with the
restart hours of :data:`fleetplan.data.assumptions.SPOT_RESTART_HOURS`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from fleetplan.catalog.hardware import resolve_accelerator
from fleetplan.data.assumptions import SPOT_RESTART_HOURS
from fleetplan.energy.allocation import allocation_energy
from fleetplan.errors import FleetplanError
from fleetplan.model.base import RESERVED_MODELS
from fleetplan.model.period import hours_per_period
from fleetplan.model.scenario import Scenario
from fleetplan.model.workload import Workload

__all__ = ["CandidateError", "Candidates", "build_candidates"]


class CandidateError(FleetplanError):
    """A workload has nowhere to run; the message says which requirement removed the last option."""

    exit_code = 1

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__("; ".join(reasons))


@dataclass(frozen=True)
class Candidates:
    """The candidate table (one row per workload x option x period) and what was pruned."""

    table: pd.DataFrame
    pruned: int
    considered: int


def _allowed_accelerators(w: Workload) -> set[str] | None:
    if w.accelerators is None:
        return None
    return {resolve_accelerator(a).name for a in w.accelerators}


def _filters(sc: Scenario, w: Workload, opts: pd.DataFrame) -> list[tuple[str, np.ndarray]]:
    """(description, mask) for every eligibility rule, in the order they are explained."""
    out: list[tuple[str, np.ndarray]] = []
    accs = _allowed_accelerators(w)
    if accs is not None:
        out.append((f"accelerators limited to {', '.join(sorted(accs))}", opts["accelerator"].isin(accs).to_numpy()))
    models = set(sc.policy.allowed_pricing_models)
    if w.pricing_models is not None:
        models &= set(w.pricing_models)
    if not w.interruptible:
        models.discard("spot")
    out.append((f"pricing models {', '.join(sorted(models))}", opts["pricing_model"].isin(models).to_numpy()))
    if w.providers is not None:
        out.append((f"providers limited to {', '.join(w.providers)}", opts["provider"].isin(w.providers).to_numpy()))
    if sc.policy.excluded_providers:
        out.append(("excluded providers", ~opts["provider"].isin(sc.policy.excluded_providers).to_numpy()))
    if w.sites is not None:
        owned = opts["source"].eq("owned").to_numpy()
        out.append((f"owned sites limited to {', '.join(w.sites)}", ~owned | opts["site"].isin(w.sites).to_numpy()))
    rule = sc.policy.residency.get(w.sensitivity)
    if rule is not None:
        kinds = set(rule.kinds)
        tags = {t.lower() for t in rule.tags}
        ok = opts["kind"].isin(kinds).to_numpy() | np.array([bool(t & tags) for t in opts["tags"]], dtype=bool)
        what = " or ".join(
            [f"kind {'/'.join(sorted(kinds))}"] * bool(kinds) + [f"tag {'/'.join(sorted(tags))}"] * bool(tags)
        )
        if rule.countries is not None:
            ok &= opts["country"].isin(rule.countries).to_numpy()
            what += f" in {', '.join(rule.countries)}"
        out.append((f"sensitivity `{w.sensitivity}` allows only {what}", ok))
    if w.residency is not None:
        countries = {r for r in w.residency if len(r) == 2 and r.isupper()}
        tags = {r.lower() for r in w.residency} - {c.lower() for c in countries}
        ok = opts["country"].isin(countries).to_numpy() | np.array([bool(t & tags) for t in opts["tags"]], dtype=bool)
        out.append((f"residency {', '.join(w.residency)}", ok))
    if w.latency_zones is not None:
        out.append(
            (f"latency zones {', '.join(w.latency_zones)}", opts["latency_zone"].isin(w.latency_zones).to_numpy())
        )
    return out


def _eligible(sc: Scenario, w: Workload, opts: pd.DataFrame) -> tuple[np.ndarray, str | None]:
    mask = np.ones(len(opts), dtype=bool)
    for text, m in _filters(sc, w, opts):
        new = mask & m
        if not new.any():
            return (
                new,
                f"workload {w.name}: {text}, and none of the {int(mask.sum())} options left by the other "
                "requirements qualifies",
            )
        mask = new
    return mask, None


def _pareto_keep(group: pd.DataFrame, carbon: bool) -> pd.Index:
    if not carbon:
        return group.index[[int(np.argmin(group["unit_cost"].to_numpy()))]]
    g = group.sort_values(["unit_cost", "unit_co2"], kind="stable")
    best = np.minimum.accumulate(g["unit_co2"].to_numpy())
    keep = np.r_[True, g["unit_co2"].to_numpy()[1:] < best[:-1] - 1e-12]
    return g.index[keep]


def build_candidates(sc: Scenario, options: pd.DataFrame, sizing: pd.DataFrame, *, prune: bool = True) -> Candidates:
    """The candidate table for ``sc`` (see module docstring); raises :class:`CandidateError` with reasons."""
    labels = sc.horizon.labels()
    t_index = {p: i for i, p in enumerate(labels)}
    hours = hours_per_period(sc.horizon.period)
    carbon = sc.objective.carbon_price_usd_per_tco2e > 0 or (
        sc.policy.carbon_budget_tco2e is not None or sc.policy.carbon_budget_tco2e_per_period is not None
    )
    reasons: list[str] = []
    fits = sizing[sizing["fits"]]
    # accelerators per replica by (workload, accelerator), as a dense lookup over option accelerators
    acc_codes, acc_names = pd.factorize(options["accelerator"])
    acc_pos = {a: i for i, a in enumerate(acc_names)}
    per_acc = fits.drop_duplicates(["workload", "accelerator"])
    k_of: dict[str, np.ndarray] = {}
    for wname, acc, k in zip(
        per_acc["workload"], per_acc["accelerator"], per_acc["accelerators_per_replica"], strict=True
    ):
        vec = k_of.setdefault(str(wname), np.full(len(acc_names), np.nan))
        if acc in acc_pos:
            vec[acc_pos[acc]] = float(k)
    count = options["accelerator_count"].to_numpy(dtype=float)
    idx_parts: list[np.ndarray] = []
    w_parts: list[np.ndarray] = []
    k_parts: list[np.ndarray] = []
    for wi, w in enumerate(sc.workloads):
        mask, reason = _eligible(sc, w, options)
        if reason:
            reasons.append(reason)
            continue
        if w.name not in k_of:
            continue  # sizing already explained that it fits nowhere
        idx = np.flatnonzero(mask)
        k = k_of[w.name][acc_codes[idx]]
        ok = ~np.isnan(k)
        if w.kind == "serve":
            ok &= np.nan_to_num(k, nan=np.inf) <= count[idx]
        if not ok.any():
            sized = fits[fits["workload"] == w.name].drop_duplicates("accelerator")
            need = ", ".join(
                f"{a} x{int(n)}" for a, n in zip(sized["accelerator"], sized["accelerators_per_replica"], strict=True)
            )
            have = sorted(set(options["accelerator"].to_numpy()[idx]))
            reasons.append(
                f"workload {w.name}: memory fit: it needs {need} per placement, but its eligible options "
                f"offer only {', '.join(have) or 'nothing'}"
                + (" with too few accelerators per instance" if w.kind == "serve" else "")
            )
            continue
        idx_parts.append(idx[ok])
        w_parts.append(np.full(int(ok.sum()), wi, dtype=np.int64))
        k_parts.append(k[ok])
    if reasons:
        raise CandidateError(reasons)
    if not idx_parts:
        return Candidates(pd.DataFrame(), 0, 0)
    w_idx = np.concatenate(w_parts)
    pair = options.iloc[np.concatenate(idx_parts)].reset_index(drop=True)
    names = np.array([w.name for w in sc.workloads], dtype=object)
    kinds = np.array([w.kind for w in sc.workloads], dtype=object)
    pair = pair.assign(workload=names[w_idx], w_idx=w_idx, wkind=kinds[w_idx], k=np.concatenate(k_parts))
    # per period: join sizing needs
    need_col = np.where(sizing["kind"].eq("serve"), sizing["replicas"], sizing["accelerator_hours"])
    needs = sizing.assign(need=need_col)[["workload", "accelerator", "period", "need"]]
    needs = needs[needs["need"] > 0]
    df = pair.merge(needs, on=["workload", "accelerator"], how="inner")
    df["t_idx"] = df["period"].map(t_index).astype(np.int64)
    is_serve = df["wkind"].eq("serve").to_numpy()
    ckpt = df["w_idx"].map({i: w.checkpoint_interval_hours for i, w in enumerate(sc.workloads)}).to_numpy()
    instances = np.ceil(df["k"].to_numpy() / df["accelerator_count"].to_numpy())
    eff = 1.0 / (1.0 + df["spot_rate_per_hour"].to_numpy() * np.maximum(instances, 1) * (ckpt / 2 + SPOT_RESTART_HOURS))
    df["eff"] = eff
    # unit of the decision variable: a replica (serving), or a "full cover" = need / efficiency
    # accelerator-hours (everything else), so that coefficients stay near 1 (good scaling)
    df["unit"] = np.where(is_serve, "replicas", "full_cover")
    full = df["need"].to_numpy() / eff
    usage = np.where(is_serve, df["k"].to_numpy() * hours, full)
    df["usage"] = usage
    df["coverage"] = np.where(is_serve, eff / df["need"].to_numpy(), 1.0)
    price = np.where(df["pricing_model"].isin(RESERVED_MODELS), 0.0, df["usd_per_accelerator_hour"])
    energy, co2e_t = allocation_energy(sc, df, usage)
    df["energy_kwh"] = energy
    df["cost_usd"] = usage * price + energy * df["electricity_usd_per_kwh"].to_numpy()
    df["co2e_t"] = co2e_t
    df["ub"] = np.where(is_serve, np.ceil(full - 1e-9), 1.0)
    considered = len(df)
    if prune:
        df = _prune(df, carbon, keep=_committed_options(sc, options))
    df = df.sort_values(["w_idx", "t_idx", "option_id"], kind="stable").reset_index(drop=True)
    return Candidates(df, considered - len(df), considered)


def _dominated(
    cpc: np.ndarray, cpu: np.ndarray, cov: np.ndarray, co2: np.ndarray, capped: np.ndarray, integer: bool, carbon: bool
) -> np.ndarray:
    """Which rows (options, periods in columns) some other row dominates, ties to the lower index.

    j dominates i when, in every period, j costs no more per unit of coverage, j is not capped,
    and (carbon counted) j emits no more per unit of coverage; for whole replicas j must also cover
    at least as much per replica at no higher cost per replica.
    """
    n = len(cpc)
    eps = 1e-9
    le = lambda a: np.all(a[np.newaxis, :, :] <= a[:, np.newaxis, :] * (1 + 1e-12) + eps, axis=2)  # noqa: E731
    better = le(cpc)  # better[i, j]: j no worse than i in cost per coverage
    if integer:
        better &= le(cpu) & np.all(cov[np.newaxis, :, :] >= cov[:, np.newaxis, :] * (1 - 1e-12) - eps, axis=2)
    if carbon:
        better &= le(co2)
    better &= ~capped[np.newaxis, :]
    np.fill_diagonal(better, False)
    strictly = ~better.T  # i not equally good as j in return
    idx = np.arange(n)
    tie_ok = strictly | (idx[np.newaxis, :] < idx[:, np.newaxis])
    return np.any(better & tie_ok, axis=1)


def _committed_options(sc: Scenario, options: pd.DataFrame) -> set[int]:
    """Options of the instances an existing reservation (``scenario.commitments``) covers: the
    reservation runs work through them at no rental cost, which the pruning's prices do not see."""
    keys = {
        (c.provider, c.region, c.instance_type)
        for c in getattr(sc, "commitments", None) or []
        if c.kind == "reservation"
    }
    if not keys or options.empty:
        return set()
    hit = [k in keys for k in zip(options["provider"], options["region"], options["instance_type"], strict=True)]
    return set(options.loc[hit, "option_id"].astype(int).tolist())


def _prune(df: pd.DataFrame, carbon: bool, keep: set[int] | frozenset[int] = frozenset()) -> pd.DataFrame:
    """Remove options that another option of the same provider, chip vendor and pricing model
    dominates for the same workload (see :func:`_dominated`); for training runs whole placement
    groups (region x accelerator) are compared, and only groups of rented capacity are dropped.
    Reserved options are compared across workloads (their capacity is shared), owned never; the
    options in ``keep`` (those an existing reservation runs on) never.
    """
    drop_keys: set[tuple[int, int]] = set()
    rented = (
        df["pricing_model"].isin(["on_demand", "spot"]).to_numpy() & ~df["wkind"].isin(["train", "finetune"]).to_numpy()
    )
    sub = df[rented]
    if len(sub):
        # one wide table (workload x option) x period, then numpy slices per group: no pandas per group
        wide = sub.pivot_table(
            index=["w_idx", "option_id"], columns="t_idx", values=["cost_usd", "coverage", "co2e_t"], aggfunc="first"
        )
        meta = sub.drop_duplicates(["w_idx", "option_id"]).set_index(["w_idx", "option_id"]).loc[wide.index]
        gid = meta.groupby(["w_idx", "provider", "vendor", "pricing_model"], sort=False).ngroup().to_numpy()
        order = np.argsort(gid, kind="stable")
        cost_all = wide["cost_usd"].to_numpy()[order]
        cov_all = wide["coverage"].to_numpy()[order]
        co2_all = wide["co2e_t"].to_numpy()[order]
        capped_all = np.isfinite(meta["avail_accelerators"].to_numpy()[order])
        integer_all = meta["unit"].eq("replicas").to_numpy()[order]
        keys = wide.index.to_numpy()[order]
        bounds = np.r_[0, np.flatnonzero(np.diff(gid[order])) + 1, len(order)]
        for a, z in itertools.pairwise(bounds):
            if z - a < 2:
                continue
            live = ~np.isnan(cost_all[a:z]).all(axis=0)  # the workload's own periods
            cost, cov, co2 = cost_all[a:z][:, live], cov_all[a:z][:, live], co2_all[a:z][:, live]
            if np.isnan(cost).any():
                continue  # options active in different periods: leave them
            dom = _dominated(cost / cov, cost, cov, co2 / cov, capped_all[a:z], bool(integer_all[a]), carbon)
            drop_keys.update((int(w), int(o)) for w, o in keys[a:z][dom])
    # training runs: drop rented-only placement groups that a same-provider, same-vendor group beats
    gang_df = df[df["wkind"].isin(["train", "finetune"])]
    drop_groups: set[tuple] = set()
    if gang_df["pricing_model"].isin(["on_demand", "spot"]).any():
        gkey = ["w_idx", "provider", "vendor", "region", "accelerator"]
        rented_only = gang_df["pricing_model"].isin(["on_demand", "spot"]).groupby([gang_df[c] for c in gkey]).all()
        rg = gang_df[gang_df["pricing_model"].isin(["on_demand", "spot"])]
        rg = rg.assign(
            cpc=rg["cost_usd"] / rg["coverage"],
            c2=rg["co2e_t"] / rg["coverage"],
            capped=np.isfinite(rg["avail_accelerators"].to_numpy()),
        )
        best = rg.groupby([*gkey, "t_idx"]).agg(cpc=("cpc", "min"), c2=("c2", "min"), capped=("capped", "any"))
        wide = best.reset_index().pivot_table(index=gkey, columns="t_idx", values=["cpc", "c2"], aggfunc="first")
        capped_g = best["capped"].groupby(level=list(range(len(gkey)))).any().reindex(wide.index).to_numpy()
        gid = wide.index.to_frame(index=False).groupby(["w_idx", "provider", "vendor"], sort=False).ngroup().to_numpy()
        order = np.argsort(gid, kind="stable")
        cpc_all, c2_all = wide["cpc"].to_numpy()[order], wide["c2"].to_numpy()[order]
        keys = wide.index.to_numpy()[order]
        cap_all = capped_g[order]
        bounds = np.r_[0, np.flatnonzero(np.diff(gid[order])) + 1, len(order)]
        for a, z in itertools.pairwise(bounds):
            if z - a < 2:
                continue
            live = ~np.isnan(cpc_all[a:z]).all(axis=0)
            cpc, c2 = cpc_all[a:z][:, live], c2_all[a:z][:, live]
            if np.isnan(cpc).any():
                continue
            dom = _dominated(cpc, cpc, np.ones_like(cpc), c2, cap_all[a:z], False, carbon)
            drop_groups.update(k for k, d in zip(keys[a:z], dom, strict=True) if d and rented_only.get(k, False))
        if drop_groups:
            gk = list(zip(*(gang_df[c] for c in gkey), strict=True))
            hit = np.array([k in drop_groups for k in gk])
            drop_keys.update(
                zip(
                    gang_df["w_idx"].to_numpy()[hit].astype(int).tolist(),
                    gang_df["option_id"].to_numpy()[hit].astype(int).tolist(),
                    strict=True,
                )
            )
    mask = np.array(
        [(int(w), int(o)) not in drop_keys or int(o) in keep for w, o in zip(df["w_idx"], df["option_id"], strict=True)]
    )
    df = df[mask]
    return _prune_reserved(df, carbon)


def _prune_reserved(df: pd.DataFrame, carbon: bool) -> pd.DataFrame:
    """Drop a reserved option when another one of the same provider, pricing model, accelerator
    and instance size is no dearer, not capped, no dirtier, and open to every workload it serves."""
    res = df[df["pricing_model"].isin(RESERVED_MODELS)]
    if res.empty:
        return df
    info = res.groupby("option_id").agg(
        provider=("provider", "first"),
        pm=("pricing_model", "first"),
        acc=("accelerator", "first"),
        count=("accelerator_count", "first"),
        price=("usd_per_accelerator_hour", "first"),
        grid=("kwh_per_accelerator_hour", "first"),
        capped=("avail_accelerators", lambda a: bool(np.isfinite(a).any())),
        co2=("co2e_t", "sum"),
        use=("usage", "sum"),
    )
    users = res.groupby("option_id")["w_idx"].agg(frozenset)
    dropped: set[int] = set()
    for _, g in info.groupby(["provider", "pm", "acc", "count"], sort=False):
        if len(g) < 2:
            continue
        ids = g.index.to_numpy()
        for i in ids:
            for j in ids:
                if i == j or j in dropped or g.at[j, "capped"]:
                    continue
                cheaper = g.at[j, "price"] < g.at[i, "price"] or (g.at[j, "price"] == g.at[i, "price"] and j < i)
                cleaner = not carbon or g.at[j, "co2"] / max(g.at[j, "use"], 1e-12) <= g.at[i, "co2"] / max(
                    g.at[i, "use"], 1e-12
                )
                if cheaper and cleaner and users[i] <= users[j]:
                    dropped.add(int(i))
                    break
    return df[~df["option_id"].isin(dropped) | ~df["pricing_model"].isin(RESERVED_MODELS)]
