"""Contingency analysis: what breaks when a provider, region or chip vendor fails, and the cost.

For every provider, region (``provider/region``; owned sites are regions of their provider) and chip
vendor the plan uses, plus the scenario's declared ``risk.events``, the capacity is removed and the
plan is re-optimized for operations only (:mod:`fleetplan.risk.operations`: reservations and
purchases fixed, no onboarding, on-demand and spare capacity where eligible). Only the workloads
that lose capacity move; the others keep their placements and may give capacity up to more
critical work.

An event lasts ``duration_hours`` from the start of a period: whole periods, then a fraction
phi = remaining hours / hours per period of the last one. Within a period, costs and
accelerator-hours scale with time, so an event's figures are

    unserved accelerator-hours = sum_t phi_t x sum_w unserved_share[w,t] x hours[w,t]
    extra cost (USD)           = sum_t phi_t x (spend_t(event) - spend_t(plan))

Without a declared ``start`` the event is placed where it hurts most (worst case): the window with
the most unserved critical accelerator-hours, then the most unserved accelerator-hours, then the
highest extra cost. Extra cost can be negative: while a rented provider is down it is not paid, and
its work may move to capacity that is already paid for.

Each event's solves start from the plan as reproduced in operations mode and stop at the event
time limit; an event whose solves did not close their gap says so (``status`` ``time_limit``) and
carries the largest relative gap among them (``gap``): its figures are the best found, not proven.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from fleetplan.catalog.hardware import load_accelerators, resolve_accelerator
from fleetplan.errors import InputError, did_you_mean
from fleetplan.load.scenario import scenario_catalog
from fleetplan.model.period import parse_period
from fleetplan.model.plan import Plan
from fleetplan.model.risk import RiskEvent
from fleetplan.model.scenario import Scenario
from fleetplan.risk.operations import OpsModel, OpsResult, build_ops_model, region_label, worst_gap

__all__ = [
    "ContingencyReport",
    "Event",
    "EventImpact",
    "contingency_analysis",
    "plan_events",
    "resolve_event",
]

_TOL = 1e-6


@dataclass(frozen=True)
class Event:
    """Capacity lost together: any candidate matching one of the lists is unavailable."""

    name: str
    kind: str  # provider | region | vendor | declared
    providers: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()  # provider/region labels
    vendors: tuple[str, ...] = ()
    pricing_models: tuple[str, ...] = ()
    start: int | None = None  # period index; None = worst case
    duration_hours: float | None = None
    description: str = ""

    def lost(self, cand: pd.DataFrame) -> np.ndarray:
        """Boolean mask of the candidate rows this event takes away (in every period)."""
        m = np.zeros(len(cand), dtype=bool)
        if self.providers:
            m |= cand["provider"].isin(self.providers).to_numpy()
        if self.regions:
            labels = np.array([region_label(p, r) for p, r in zip(cand["provider"], cand["region"], strict=True)])
            m |= np.isin(labels, list(self.regions))
        if self.vendors:
            m |= cand["vendor"].isin(self.vendors).to_numpy()
        if self.pricing_models:
            m |= cand["pricing_model"].isin(self.pricing_models).to_numpy()
        return m


@dataclass
class EventImpact:
    """What one event does to the plan."""

    event: Event
    ok: bool
    status: str
    window: list[tuple[str, float]]  # (period, share of the period lost)
    unserved_accelerator_hours: float
    unserved_critical_accelerator_hours: float
    extra_cost_usd: float
    # workload, criticality, affected, unserved_accelerator_hours, max_unserved_share,
    # slo_at_risk, failover
    workloads: pd.DataFrame
    solve_time_s: float
    gap: float | None = None
    """The largest relative gap of the event's solves and its reference (0 when proven)."""

    @property
    def critical_unserved(self) -> list[str]:
        w = self.workloads
        return list(
            w.loc[
                (w["criticality"] == "critical") & (w["unserved_accelerator_hours"] > _TOL),
                "workload",
            ]
        )

    @property
    def slo_at_risk(self) -> list[str]:
        return list(self.workloads.loc[self.workloads["slo_at_risk"], "workload"])

    @property
    def affected(self) -> list[str]:
        return list(self.workloads.loc[self.workloads["affected"], "workload"])


@dataclass
class ContingencyReport:
    """Every event's impact, sorted by impact (worst first)."""

    duration_hours: float
    impacts: list[EventImpact]
    baseline_spend_usd: np.ndarray
    time_s: float = 0.0
    notes: list[str] = field(default_factory=list)

    def table(self) -> pd.DataFrame:
        """One row per event: the contingency table."""
        rows = []
        for i in self.impacts:
            rows.append(
                {
                    "event": i.event.name,
                    "kind": i.event.kind,
                    "window": _window_text(i.window),
                    "duration_hours": i.event.duration_hours or self.duration_hours,
                    "affected_workloads": len(i.affected),
                    "unserved_accelerator_hours": i.unserved_accelerator_hours,
                    "unserved_critical_accelerator_hours": i.unserved_critical_accelerator_hours,
                    "critical_unserved": ", ".join(i.critical_unserved),
                    "slo_at_risk": ", ".join(i.slo_at_risk),
                    "extra_cost_usd": i.extra_cost_usd,
                    "status": i.status,
                    "gap": i.gap,
                }
            )
        return pd.DataFrame(rows)


def _window_text(window: list[tuple[str, float]]) -> str:
    if not window:
        return ""
    first, last = window[0][0], window[-1][0]
    return first if first == last else f"{first}..{last}"


def plan_events(sc: Scenario, plan: Plan, duration_hours: float) -> list[Event]:
    """One event per provider, region and chip vendor the plan uses (any table of the plan)."""
    a, r, b = plan.allocations, plan.reservations, plan.purchases
    providers = sorted(set(a["provider"]) | set(r["provider"]) | set(b["provider"]))
    regions = sorted(
        {region_label(p, g) for p, g in zip(a["provider"], a["region"], strict=True)}
        | {region_label(p, g) for p, g in zip(r["provider"], r["region"], strict=True)}
        | {region_label(p, s) for p, s in zip(b["provider"], b["site"], strict=True)}
    )
    vendors = sorted(
        set(a["vendor"])
        | {resolve_accelerator(x).vendor for x in r["accelerator"]}
        | {resolve_accelerator(x).vendor for x in b["accelerator"]}
    )
    out = [Event(f"provider {p}", "provider", providers=(p,), duration_hours=duration_hours) for p in providers]
    out += [Event(f"region {g}", "region", regions=(g,), duration_hours=duration_hours) for g in regions]
    out += [Event(f"vendor {v}", "vendor", vendors=(v,), duration_hours=duration_hours) for v in vendors]
    return out


def resolve_event(sc: Scenario, ev: RiskEvent, index: int, default_hours: float) -> Event:
    """A declared ``risk.events[index]``, names checked and made canonical (else InputError)."""
    cat = scenario_catalog(sc)
    file = getattr(sc, "_source", None)
    base: list[str | int] = ["risk", "events", index]

    def bad(path: list[str | int], message: str) -> InputError:
        return InputError(message, file=file, path=[*base, *path])

    providers = set(cat.providers["provider"].astype(str)) | {p.name for p in sc.providers}
    for j, p in enumerate(ev.providers):
        if p not in providers:
            raise bad(["providers", j], f"unknown provider {p!r}{did_you_mean(p, providers)}")
    regions = {region_label(p, g) for p, g in zip(cat.regions["provider"], cat.regions["region"], strict=True)}
    regions |= {region_label(p, g) for p, g in zip(cat.offerings["provider"], cat.offerings["region"], strict=True)}
    sites = {s.name: region_label(s.provider, s.name) for s in sc.sites}
    regions |= set(sites.values())
    canon_regions = []
    for j, g in enumerate(ev.regions):
        if g in sites:
            canon_regions.append(sites[g])
        elif g in regions:
            canon_regions.append(g)
        else:
            raise bad(
                ["regions", j],
                f"unknown region {g!r} (write provider/region or a site name){did_you_mean(g, regions | set(sites))}",
            )
    vendors = {a.vendor.lower(): a.vendor for a in load_accelerators().values()}
    canon_vendors = []
    for j, v in enumerate(ev.vendors):
        if v.lower() not in vendors:
            raise bad(["vendors", j], f"unknown chip vendor {v!r}{did_you_mean(v, vendors.values())}")
        canon_vendors.append(vendors[v.lower()])
    start = None
    if ev.start is not None:
        labels = sc.horizon.labels()
        try:
            t = parse_period(ev.start, sc.horizon.period) - parse_period(labels[0], sc.horizon.period)
        except ValueError as exc:
            raise bad(["start"], str(exc)) from None
        if not 0 <= t < len(labels):
            raise bad(["start"], f"{ev.start!r} is not a period of the horizon")
        start = t
    return Event(
        ev.name,
        "declared",
        providers=tuple(ev.providers),
        regions=tuple(canon_regions),
        vendors=tuple(canon_vendors),
        pricing_models=tuple(ev.pricing_models),
        start=start,
        duration_hours=ev.duration_hours or default_hours,
        description=ev.description,
    )


def _windows(T: int, hours: float, duration: float) -> list[list[tuple[int, float]]]:
    """For each start period: the (period, fraction) pairs an event of ``duration`` hours covers."""
    out = []
    for s in range(T):
        left = duration
        w = []
        t = s
        while left > 1e-9 and t < T:
            frac = min(1.0, left / hours)
            w.append((t, frac))
            left -= frac * hours
            t += 1
        out.append(w)
    return out


def evaluate_event(om: OpsModel, event: Event, base: OpsResult) -> EventImpact:
    """Solve ``event`` on the operations model and measure it against the plan (``base``)."""
    T = om.periods
    duration = event.duration_hours or om.sc.risk.contingency_duration_hours
    windows = _windows(T, om.hours, duration)
    candidates = [windows[event.start]] if event.start is not None else windows
    lost_any = event.lost(om.cand)
    if event.start is not None:
        periods = [t for t, _ in windows[event.start]]
        lost_any &= om.cand["t_idx"].isin(periods).to_numpy()
    touched = lost_any & (om.plan_y > _TOL)
    if touched.any():
        free = om.free_mask(lost_any)
        # both solves start from the plan as reproduced (``base``)
        res = om.solve(lost_any, free, start=base.x)
        # reference: the same workload-periods re-planned with nothing lost, so that the extra
        # cost is the event's alone (operations mode sets policies aside, which can save money)
        ref = om.solve(None, free, start=base.x)
        if not ref.ok:
            ref = base
    else:
        res = ref = base
    rows = om.rows
    crit = (rows["criticality"] == "critical").to_numpy()
    ok = res.ok
    un = np.nan_to_num(res.unserved) if ok else np.zeros(len(rows))
    hours = un * rows["hours_per_cover"].to_numpy()
    hours[hours < 1e-6] = 0.0
    t_idx = rows["t_idx"].to_numpy()
    per_t = np.bincount(t_idx, weights=hours, minlength=T)
    per_t_crit = np.bincount(t_idx, weights=hours * crit, minlength=T)
    extra_t = (res.spend_usd - ref.spend_usd) if ok else np.zeros(T)

    def score(w: list[tuple[int, float]]) -> tuple[float, float, float]:
        return (
            sum(f * per_t_crit[t] for t, f in w),
            sum(f * per_t[t] for t, f in w),
            sum(f * extra_t[t] for t, f in w),
        )

    best = max(candidates, key=lambda w: tuple(round(v, 6) for v in score(w))) if candidates else []
    crit_h, all_h, extra = score(best)
    frac = {t: f for t, f in best}
    affected_wt = set()
    if touched.any():
        for w, t in zip(om.cand.loc[touched, "w_idx"], om.cand.loc[touched, "t_idx"], strict=True):
            if int(t) in frac:
                affected_wt.add((int(w), int(t)))
    wl = _workload_table(om, res, hours, un, frac, affected_wt)
    labels = om.labels
    stopped = [r.status for r in (res, ref) if r.status != "optimal"]
    return EventImpact(
        event=event,
        ok=ok,
        status=(stopped[0] if stopped else res.status) if ok else f"no solution ({res.status})",
        window=[(labels[t], f) for t, f in best],
        unserved_accelerator_hours=float(all_h),
        unserved_critical_accelerator_hours=float(crit_h),
        extra_cost_usd=float(extra),
        workloads=wl,
        solve_time_s=(res.time_s + ref.time_s) if res is not base else 0.0,
        gap=worst_gap(res.gap, ref.gap) if ok else None,
    )


def _workload_table(
    om: OpsModel,
    res: OpsResult,
    hours: np.ndarray,
    un: np.ndarray,
    frac: dict[int, float],
    affected_wt: set[tuple[int, int]],
) -> pd.DataFrame:
    sc = om.sc
    rows = om.rows
    alloc = om.allocation(res.y) if res.y is not None else None
    out = []
    for wi, w in enumerate(sc.workloads):
        sel = (rows["w_idx"] == wi).to_numpy()
        in_win = sel & np.isin(rows["t_idx"].to_numpy(), list(frac))
        f = np.array([frac.get(int(t), 0.0) for t in rows["t_idx"].to_numpy()[in_win]])
        uh = float((hours[in_win] * f).sum())
        mx = float(un[in_win].max()) if in_win.any() else 0.0
        affected = any((wi, t) in affected_wt for t in frac)
        if not affected and uh <= _TOL:
            continue
        failover = ""
        if alloc is not None and affected:
            t0 = min(t for t in frac if (wi, t) in affected_wt)
            a = alloc[(alloc["w_idx"] == wi) & (alloc["t_idx"] == t0)]
            g = (
                a.groupby(["provider", "region", "pricing_model"], sort=False)["coverage"]
                .sum()
                .sort_values(ascending=False)
            )
            failover = "; ".join(f"{region_label(p, r)} {pm} {c:.0%}" for (p, r, pm), c in g.items() if c > 1e-4)
        has_slo = w.kind == "serve" and (w.slo.ttft_ms is not None or w.slo.tpot_ms is not None)
        out.append(
            {
                "workload": w.name,
                "kind": w.kind,
                "criticality": w.criticality,
                "affected": affected,
                "unserved_accelerator_hours": uh,
                "max_unserved_share": mx,
                "slo_at_risk": bool(has_slo and mx > 1e-4),
                "failover": failover,
            }
        )
    cols = [
        "workload",
        "kind",
        "criticality",
        "affected",
        "unserved_accelerator_hours",
        "max_unserved_share",
        "slo_at_risk",
        "failover",
    ]
    df = pd.DataFrame(out, columns=cols)
    return df.sort_values(
        ["unserved_accelerator_hours", "workload"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)


def contingency_analysis(
    sc: Scenario,
    plan: Plan,
    *,
    duration_hours: float | None = None,
    automatic: bool = True,
    declared: bool = True,
    events: list[Event] | None = None,
    time_limit_s: float = 30.0,
    mip_rel_gap: float = 1e-3,
    progress: Callable[[int, int, str], None] | None = None,
    ops: OpsModel | None = None,
) -> ContingencyReport:
    """Impact on ``plan`` of losing each provider, region and chip vendor (and declared events)."""
    import time

    t0 = time.perf_counter()
    hours = duration_hours or sc.risk.contingency_duration_hours
    todo: list[Event] = []
    if automatic:
        todo += plan_events(sc, plan, hours)
    if declared:
        todo += [resolve_event(sc, ev, i, hours) for i, ev in enumerate(sc.risk.events)]
    todo += list(events or [])
    om = ops or build_ops_model(sc, plan, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap)
    base = om.solve()
    notes = []
    if not base.ok:
        notes.append(f"the plan could not be reproduced in operations mode ({base.status})")
    impacts = []
    for i, ev in enumerate(todo):
        if progress is not None:
            progress(i, len(todo), ev.name)
        impacts.append(evaluate_event(om, ev, base))
    if progress is not None:
        progress(len(todo), len(todo), "done")
    impacts.sort(
        key=lambda x: (
            -round(x.unserved_critical_accelerator_hours, 6),
            -round(x.unserved_accelerator_hours, 6),
            -round(x.extra_cost_usd, 2),
            x.event.name,
        )
    )
    return ContingencyReport(
        duration_hours=hours,
        impacts=impacts,
        baseline_spend_usd=base.spend_usd,
        time_s=time.perf_counter() - t0,
        notes=notes,
    )
