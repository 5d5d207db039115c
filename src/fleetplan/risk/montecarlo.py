"""Monte Carlo availability of a plan's critical services under random provider and region outages.

Model (per period of H hours, Delta = 1 / periods per year years):

* every provider and every region (``provider/region``; an owned site is a region of its provider)
  that carries critical work fails independently: the number of outages that start in the period
  is Poisson(rate x Delta), each starts at a uniform time and lasts an exponential time with the
  given mean, capped at H. An outage that runs past the end of the period wraps to its start
  (the period is treated as a circle), so each outage removes exactly min(duration, H) hours of the
  period and the downtime statistics do not depend on where the period boundaries fall;
* a placement (provider, region) is down while its provider or its region is down;
* there is no failover during an outage: the capacity that is already running is what serves
  (failing over takes time and the contingency analysis covers it). At each instant a critical
  workload is served up to the coverage of its placements that are up:

      unserved share(tau) = max(0, 1 - sum_{j up at tau} coverage_j)
      unserved accelerator-hours = hours(w, t) x integral of unserved share over the period / H

A service *meets its demand* in a period when it has no unserved time in it. The computation is
exact for this model (no time grid): each draw's outage intervals cut the period into segments in
which the set of failed entities is constant. Everything is vectorized over draws with NumPy.

Default outage rates (``DEFAULT_OUTAGES``) are fleetplan assumptions, clearly labelled as such,
chosen to be more pessimistic than the providers' service level agreements (AWS's EC2 region-level
SLA of 99.99 % monthly uptime allows about 53 minutes a year; the public record of post-incident
reports shows multi-hour regional outages at every large provider). Override them per provider,
region or provider kind in the scenario's ``risk.provider_outages`` / ``risk.region_outages``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from fleetplan.errors import InputError, did_you_mean
from fleetplan.load.scenario import scenario_catalog
from fleetplan.model.period import hours_per_period, periods_per_year
from fleetplan.model.plan import Plan
from fleetplan.model.risk import OutageRate
from fleetplan.model.scenario import Scenario
from fleetplan.risk.operations import region_label

__all__ = [
    "DEFAULT_OUTAGES",
    "MonteCarloResult",
    "check_outage_keys",
    "monte_carlo",
    "outage_rates",
]

DEFAULT_OUTAGES: dict[str, dict[str, OutageRate]] = {
    # kind: {"provider": whole-provider outage, "region": one region or site}
    "cloud": {
        "provider": OutageRate(outages_per_year=0.5, mean_duration_hours=4.0),
        "region": OutageRate(outages_per_year=1.0, mean_duration_hours=8.0),
    },
    "gpu_cloud": {
        "provider": OutageRate(outages_per_year=1.0, mean_duration_hours=8.0),
        "region": OutageRate(outages_per_year=2.0, mean_duration_hours=12.0),
    },
    "onprem": {
        "provider": OutageRate(outages_per_year=0.1, mean_duration_hours=8.0),
        "region": OutageRate(outages_per_year=0.5, mean_duration_hours=12.0),
    },
    "colo": {
        "provider": OutageRate(outages_per_year=0.1, mean_duration_hours=8.0),
        "region": OutageRate(outages_per_year=0.3, mean_duration_hours=8.0),
    },
    "edge": {
        "provider": OutageRate(outages_per_year=0.5, mean_duration_hours=4.0),
        "region": OutageRate(outages_per_year=1.0, mean_duration_hours=4.0),
    },
}
"""Assumptions (not measurements): outages started per year and mean duration in hours, by provider
kind. Hyperscaler (``cloud``): a whole-provider incident every two years (4 h), one regional
outage a year (8 h), i.e. about 99.9 % regional availability, below the 99.99 % region-level
SLA. GPU clouds
run fewer, younger regions with weaker or no SLAs: twice the regional rate and longer repairs. Owned
data centers (``onprem``/``colo``): a site outage every two to three years lasting half a day (power
or cooling events); a company-wide failure rarely. Edge networks: frequent but short failures.
Change them in the scenario (``risk.provider_outages``/``risk.region_outages``)."""


def _kind_of(sc: Scenario) -> dict[str, str]:
    cat = scenario_catalog(sc)
    kinds = dict(zip(cat.providers["provider"].astype(str), cat.providers["kind"].astype(str), strict=True))
    kinds.update({p.name: p.kind for p in sc.providers})
    return kinds


def check_outage_keys(sc: Scenario) -> None:
    """Raise :class:`InputError` for a ``risk.provider_outages``/``risk.region_outages`` key that
    names nothing: provider names or kinds, for regions also ``provider/region`` or sites."""
    cat = scenario_catalog(sc)
    kinds = set(DEFAULT_OUTAGES)
    providers = set(_kind_of(sc))
    regions = {region_label(p, g) for p, g in zip(cat.regions["provider"], cat.regions["region"], strict=True)}
    regions |= {region_label(p, g) for p, g in zip(cat.offerings["provider"], cat.offerings["region"], strict=True)}
    sites = {s.name for s in sc.sites} | {region_label(s.provider, s.name) for s in sc.sites}
    for section, known in (
        ("provider_outages", providers | kinds),
        (
            "region_outages",
            providers | kinds | regions | sites | {g.split("/", 1)[1] for g in regions},
        ),
    ):
        for key in getattr(sc.risk, section):
            if key not in known:
                raise InputError(
                    f"{key!r} is not a provider, provider kind"
                    + (", provider/region or site" if section == "region_outages" else "")
                    + did_you_mean(key, known),
                    file=getattr(sc, "_source", None),
                    path=["risk", section, key],
                )


def outage_rates(sc: Scenario, providers: list[str], regions: list[str]) -> pd.DataFrame:
    """Rate and mean duration of every entity, with where each value comes from.

    Provider keys: provider name, then provider kind, then the default of its kind.
    Region keys (``provider/region``): the label, the site name, the provider name, the provider
    kind, then the default of its kind.
    """
    kinds = _kind_of(sc)
    po, ro = sc.risk.provider_outages, sc.risk.region_outages
    rows = []
    for p in providers:
        kind = kinds.get(p, "cloud")
        for key, src in ((p, "scenario"), (kind, "scenario (kind)")):
            if key in po:
                rate, source = po[key], src
                break
        else:
            rate, source = (
                DEFAULT_OUTAGES.get(kind, DEFAULT_OUTAGES["cloud"])["provider"],
                f"default ({kind})",
            )
        rows.append(
            {
                "entity": p,
                "level": "provider",
                "provider": p,
                "kind": kind,
                "outages_per_year": rate.outages_per_year,
                "mean_duration_hours": rate.mean_duration_hours,
                "source": source,
            }
        )
    for g in regions:
        p, _, name = g.partition("/")
        kind = kinds.get(p, "cloud")
        for key, src in (
            (g, "scenario"),
            (name, "scenario"),
            (p, "scenario (provider)"),
            (kind, "scenario (kind)"),
        ):
            if key in ro:
                rate, source = ro[key], src
                break
        else:
            rate, source = (
                DEFAULT_OUTAGES.get(kind, DEFAULT_OUTAGES["cloud"])["region"],
                f"default ({kind})",
            )
        rows.append(
            {
                "entity": g,
                "level": "region",
                "provider": p,
                "kind": kind,
                "outages_per_year": rate.outages_per_year,
                "mean_duration_hours": rate.mean_duration_hours,
                "source": source,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "entity",
            "level",
            "provider",
            "kind",
            "outages_per_year",
            "mean_duration_hours",
            "source",
        ],
    )


@dataclass
class MonteCarloResult:
    """Distribution of unserved critical accelerator-hours over the horizon; per-service odds."""

    draws: int
    seed: int
    unserved: np.ndarray  # per draw: unserved critical accelerator-hours over the horizon
    # workload, p_meets_demand_horizon, p_meets_demand_per_period,
    # expected_unserved_accelerator_hours, demand_accelerator_hours, availability
    services: pd.DataFrame
    per_period: pd.DataFrame  # workload, period, p_meets_demand, expected_unserved_accelerator_hours
    rates: pd.DataFrame
    time_s: float

    @property
    def draws_per_s(self) -> float:
        return self.draws / self.time_s if self.time_s > 0 else float("inf")

    def summary(self) -> dict[str, float]:
        u = self.unserved
        return {
            "mean_unserved_critical_accelerator_hours": float(u.mean()) if len(u) else 0.0,
            "p50_unserved_critical_accelerator_hours": float(np.percentile(u, 50)) if len(u) else 0.0,
            "p95_unserved_critical_accelerator_hours": float(np.percentile(u, 95)) if len(u) else 0.0,
            "p99_unserved_critical_accelerator_hours": float(np.percentile(u, 99)) if len(u) else 0.0,
            "max_unserved_critical_accelerator_hours": float(u.max()) if len(u) else 0.0,
            "p_any_unserved_critical": float((u > 1e-9).mean()) if len(u) else 0.0,
        }


def _period_draws(rng: np.random.Generator, n: int, lam: np.ndarray, mean_d: np.ndarray, H: float):  # type: ignore[no-untyped-def]
    """Padded outage intervals for one period: entity (-1 = none), start, length; shape (n, A)."""
    counts = rng.poisson(lam, size=(n, len(lam)))
    per_draw = counts.sum(axis=1)
    a_max = int(per_draw.max(initial=0))
    ent = np.full((n, max(a_max, 1)), -1, dtype=np.int64)
    start = np.zeros((n, max(a_max, 1)))
    length = np.zeros((n, max(a_max, 1)))
    total = int(per_draw.sum())
    if total:
        e_flat = np.repeat(np.tile(np.arange(len(lam)), n), counts.ravel())
        d_flat = np.repeat(np.arange(n), per_draw)
        offsets = np.cumsum(per_draw) - per_draw
        pos = np.arange(total) - offsets[d_flat]
        ent[d_flat, pos] = e_flat
        start[d_flat, pos] = rng.uniform(0.0, H, size=total)
        length[d_flat, pos] = np.minimum(rng.exponential(mean_d[e_flat]), H)
    return ent, start, length


def _down_segments(ent: np.ndarray, start: np.ndarray, length: np.ndarray, n_ent: int, H: float):  # type: ignore[no-untyped-def]
    """Segments with a constant set of failed entities: lengths (n, S), down (n, S, E)."""
    end = start + length
    # wrap: [s, min(e, H)) and [0, max(e - H, 0))
    lo = np.concatenate([start, np.zeros_like(start)], axis=1)
    hi = np.concatenate([np.minimum(end, H), np.maximum(end - H, 0.0)], axis=1)
    seg_ent = np.concatenate([ent, ent], axis=1)
    n = ent.shape[0]
    edges = np.sort(np.concatenate([lo, hi, np.zeros((n, 1)), np.full((n, 1), H)], axis=1), axis=1)
    seg_len = np.diff(edges, axis=1)
    mid = (edges[:, 1:] + edges[:, :-1]) / 2
    inside = (lo[:, None, :] <= mid[:, :, None]) & (mid[:, :, None] < hi[:, None, :]) & (seg_ent[:, None, :] >= 0)
    onehot = (seg_ent[:, :, None] == np.arange(n_ent)[None, None, :]).astype(np.float32)
    down = np.matmul(inside.astype(np.float32), onehot) > 0
    return seg_len, down


def monte_carlo(
    sc: Scenario,
    plan: Plan,
    *,
    draws: int | None = None,
    seed: int | None = None,
    chunk: int = 4096,
) -> MonteCarloResult:
    """Sample outages ``draws`` times; measure the plan's critical services (module docstring)."""
    t_start = time.perf_counter()
    check_outage_keys(sc)
    n_draws = int(draws if draws is not None else sc.risk.monte_carlo_draws)
    seed = int(seed if seed is not None else sc.risk.seed)
    labels = sc.horizon.labels()
    H = hours_per_period(sc.horizon.period)
    dt_years = 1.0 / periods_per_year(sc.horizon.period)
    crit = [w.name for w in sc.workloads if w.criticality == "critical" and w.name not in plan.dropped_workloads]
    a = plan.allocations[plan.allocations["workload"].isin(crit)].copy()
    a["region_label"] = [region_label(p, r) for p, r in zip(a["provider"], a["region"], strict=True)]
    providers = sorted(set(a["provider"]))
    regions = sorted(set(a["region_label"]))
    rates = outage_rates(sc, providers, regions)
    lam = rates["outages_per_year"].to_numpy() * dt_years
    mean_d = rates["mean_duration_hours"].to_numpy()
    e_pos = {e: i for i, e in enumerate(rates["entity"])}
    rng = np.random.default_rng(seed)
    unserved_total = np.zeros(n_draws)
    meets_all = {w: np.ones(n_draws, dtype=bool) for w in crit}
    per_rows = []
    exp_unserved = dict.fromkeys(crit, 0.0)
    demand_hours = dict.fromkeys(crit, 0.0)
    for label in labels:
        at = a[a["period"] == label]
        if at.empty:
            continue
        places = at.groupby(["provider", "region_label"], sort=True).size().index.tolist()
        j_of = {pl: j for j, pl in enumerate(places)}
        ws = sorted(set(at["workload"]))
        w_of = {w: k for k, w in enumerate(ws)}
        C = np.zeros((len(places), len(ws)))
        for r in at.itertuples(index=False):
            C[j_of[(r.provider, r.region_label)], w_of[r.workload]] += float(r.coverage)
        g = at.groupby("workload")[["accelerator_hours", "coverage"]].sum()
        hours_full = np.array([g.loc[w, "accelerator_hours"] / max(g.loc[w, "coverage"], 1e-12) for w in ws])
        for w, h in zip(ws, hours_full, strict=True):
            demand_hours[w] += float(h)
        prov_idx = np.array([e_pos[p] for p, _ in places])
        reg_idx = np.array([e_pos[g_] for _, g_ in places])
        # only the entities of this period's placements can hurt
        rel = np.unique(np.r_[prov_idx, reg_idx])
        rel_pos = {int(e): i for i, e in enumerate(rel)}
        pj = np.array([rel_pos[int(e)] for e in prov_idx])
        rj = np.array([rel_pos[int(e)] for e in reg_idx])
        un_period = np.zeros((n_draws, len(ws)))
        for c0 in range(0, n_draws, chunk):
            n = min(chunk, n_draws - c0)
            ent, start, length = _period_draws(rng, n, lam[rel], mean_d[rel], H)
            hit = (ent >= 0).any(axis=1)
            if not hit.any():
                continue
            idx = np.flatnonzero(hit)
            seg_len, down = _down_segments(ent[idx], start[idx], length[idx], len(rel), H)
            up = ~(down[:, :, pj] | down[:, :, rj])  # (m, S, J)
            avail = up.astype(float) @ C  # (m, S, W)
            short = np.clip(1.0 - avail - 1e-9, 0.0, None)
            frac = np.einsum("ms,msw->mw", seg_len, short) / H
            un_period[c0 + idx] = frac * hours_full[None, :]
        for k, w in enumerate(ws):
            col = un_period[:, k]
            ok = col <= 1e-9
            meets_all[w] &= ok
            exp_unserved[w] += float(col.mean())
            per_rows.append(
                {
                    "workload": w,
                    "period": label,
                    "p_meets_demand": float(ok.mean()),
                    "expected_unserved_accelerator_hours": float(col.mean()),
                }
            )
        unserved_total += un_period.sum(axis=1)
    per_period = pd.DataFrame(
        per_rows,
        columns=["workload", "period", "p_meets_demand", "expected_unserved_accelerator_hours"],
    )
    services = []
    for w in crit:
        pp = per_period[per_period["workload"] == w]
        services.append(
            {
                "workload": w,
                "p_meets_demand_horizon": float(meets_all[w].mean()) if n_draws else 1.0,
                "p_meets_demand_per_period": float(pp["p_meets_demand"].mean()) if len(pp) else 1.0,
                "expected_unserved_accelerator_hours": exp_unserved[w],
                "demand_accelerator_hours": demand_hours[w],
                "availability": 1.0 - exp_unserved[w] / demand_hours[w] if demand_hours[w] > 0 else 1.0,
            }
        )
    svc = pd.DataFrame(
        services,
        columns=[
            "workload",
            "p_meets_demand_horizon",
            "p_meets_demand_per_period",
            "expected_unserved_accelerator_hours",
            "demand_accelerator_hours",
            "availability",
        ],
    )
    svc = svc.sort_values(["p_meets_demand_horizon", "workload"], kind="stable").reset_index(drop=True)
    return MonteCarloResult(
        draws=n_draws,
        seed=seed,
        unserved=unserved_total,
        services=svc,
        per_period=per_period,
        rates=rates,
        time_s=time.perf_counter() - t_start,
    )
