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

Coefficients per unit of the decision variable (a replica held for the whole period for serving,
an accelerator-hour otherwise):
  coverage     share of the period's demand one unit covers = efficiency / need
  usage        accelerator-hours one unit occupies (k x hours_per_period for a replica)
  cost_usd     marginal spend: rented price, or electricity for owned capacity (reserved: 0)
  energy_kwh   facility energy;  co2e_t = energy x grid x (1 - renewable share) / 1000
Spot efficiency = 1 / (1 + rate x instances x (checkpoint interval / 2 + restart hours)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from fleetplan.catalog.hardware import resolve_accelerator
from fleetplan.errors import FleetplanError
from fleetplan.model.period import hours_per_period
from fleetplan.model.scenario import Scenario
from fleetplan.model.workload import Workload

__all__ = ["RESTART_HOURS", "CandidateError", "Candidates", "build_candidates"]

RESTART_HOURS = 0.25
"""Time to reschedule and restore from checkpoint after a spot interruption (assumption)."""


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
        out.append((f"latency zones {', '.join(w.latency_zones)}", opts["latency_zone"].isin(w.latency_zones).to_numpy()))
    return out


def _eligible(sc: Scenario, w: Workload, opts: pd.DataFrame) -> tuple[np.ndarray, str | None]:
    mask = np.ones(len(opts), dtype=bool)
    for text, m in _filters(sc, w, opts):
        new = mask & m
        if not new.any():
            return new, f"workload {w.name}: {text}, and none of the {int(mask.sum())} options left by the other requirements qualifies"
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
    pairs: list[pd.DataFrame] = []
    fits = sizing[sizing["fits"]]
    for wi, w in enumerate(sc.workloads):
        mask, reason = _eligible(sc, w, options)
        if reason:
            reasons.append(reason)
            continue
        opts = options[mask]
        sz = fits[fits["workload"] == w.name]
        if sz.empty:
            continue  # sizing already explained that it fits nowhere
        per_acc = sz.drop_duplicates("accelerator").set_index("accelerator")["accelerators_per_replica"]
        k = opts["accelerator"].map(per_acc)
        ok = k.notna().to_numpy().copy()
        if w.kind == "serve":
            ok &= (k.fillna(np.inf) <= opts["accelerator_count"]).to_numpy()
        if not ok.any():
            sized = sz.drop_duplicates("accelerator")
            need = ", ".join(
                f"{a} x{int(n)}" for a, n in zip(sized["accelerator"], sized["accelerators_per_replica"], strict=True)
            )
            have = sorted(set(opts["accelerator"]))
            reasons.append(
                f"workload {w.name}: memory fit: it needs {need} per placement, but its eligible options "
                f"offer only {', '.join(have) or 'nothing'}"
                + (" with too few accelerators per instance" if w.kind == "serve" else "")
            )
            continue
        pair = opts[ok].assign(workload=w.name, w_idx=wi, wkind=w.kind, k=k[ok].to_numpy())
        pairs.append(pair)
    if reasons:
        raise CandidateError(reasons)
    if not pairs:
        return Candidates(pd.DataFrame(), 0, 0)
    pair = pd.concat(pairs, ignore_index=True)
    # per period: join sizing needs
    need_col = np.where(sizing["kind"].eq("serve"), sizing["replicas"], sizing["accelerator_hours"])
    needs = sizing.assign(need=need_col)[["workload", "accelerator", "period", "need"]]
    needs = needs[needs["need"] > 0]
    df = pair.merge(needs, on=["workload", "accelerator"], how="inner")
    df["t_idx"] = df["period"].map(t_index).astype(np.int64)
    is_serve = df["wkind"].eq("serve").to_numpy()
    ckpt = df["w_idx"].map({i: w.checkpoint_interval_hours for i, w in enumerate(sc.workloads)}).to_numpy()
    instances = np.ceil(df["k"].to_numpy() / df["accelerator_count"].to_numpy())
    eff = 1.0 / (1.0 + df["spot_rate_per_hour"].to_numpy() * np.maximum(instances, 1) * (ckpt / 2 + RESTART_HOURS))
    df["eff"] = eff
    df["unit"] = np.where(is_serve, "replicas", "accelerator_hours")
    usage = np.where(is_serve, df["k"].to_numpy() * hours, 1.0)
    df["usage"] = usage
    df["coverage"] = eff / df["need"].to_numpy()
    price = np.where(df["pricing_model"].isin(["reserved_1y", "reserved_3y"]), 0.0, df["usd_per_accelerator_hour"])
    energy = usage * df["kwh_per_accelerator_hour"].to_numpy()
    df["energy_kwh"] = energy
    df["cost_usd"] = usage * price + energy * df["electricity_usd_per_kwh"].to_numpy()
    df["co2e_t"] = energy * df["grid_kgco2e_per_kwh"].to_numpy() * (1 - df["renewable_share"].to_numpy()) / 1000.0
    ub = df["need"].to_numpy() / eff
    df["ub"] = np.where(is_serve, np.ceil(ub - 1e-9), ub)
    considered = len(df)
    if prune:
        df = _prune(df, carbon)
    df = df.sort_values(["w_idx", "t_idx", "option_id"], kind="stable").reset_index(drop=True)
    return Candidates(df, considered - len(df), considered)


def _prune(df: pd.DataFrame, carbon: bool) -> pd.DataFrame:
    # unit cost per unit of coverage, aggregated over the periods (same option for all periods)
    lifetime = df.groupby(["w_idx", "option_id"], sort=False).agg(
        unit_cost=("cost_usd", "sum"), unit_co2=("co2e_t", "sum"), cov=("coverage", "sum")
    )
    lifetime["unit_cost"] /= lifetime["cov"]
    lifetime["unit_co2"] /= lifetime["cov"]
    first = df.drop_duplicates(["w_idx", "option_id"]).set_index(["w_idx", "option_id"])
    info = first[["provider", "accelerator", "pricing_model", "source", "avail_accelerators"]].join(lifetime)
    prunable = info["source"].eq("catalog") & np.isinf(info["avail_accelerators"]) & ~info[
        "pricing_model"
    ].isin(["reserved_1y", "reserved_3y"])
    keep = set(info.index[~prunable])
    cand = info[prunable].reset_index()
    for _, group in cand.groupby(["w_idx", "provider", "accelerator", "pricing_model"], sort=False):
        for idx in _pareto_keep(group, carbon):
            keep.add((int(group.at[idx, "w_idx"]), int(group.at[idx, "option_id"])))
    key = list(zip(df["w_idx"], df["option_id"], strict=True))
    return df[[k in keep for k in key]]
