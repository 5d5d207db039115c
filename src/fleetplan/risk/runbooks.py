"""Runbooks: one Markdown contingency plan per critical workload.

Each runbook says where the service runs (the plan, for the current review cycle), what happens
when each provider it depends on fails (from the contingency analysis), the failover order with the
spare capacity behind each step, the escalation tiers and contacts declared in the scenario
(``contacts:``) and the date of the next review (``review_cycle_periods`` after the horizon start).

Spare capacity per option and period, in accelerators:
  reserved   instances under an active reservation x accelerators per instance - what the plan runs
  owned      servers in service x accelerators per server - what the plan runs
  rented     the catalog's availability cap - what the plan runs (unlimited without a cap)
Failover order: capacity already paid for (reserved, owned) first, then rented, each by price per
unit of demand covered; the workload's own eligibility rules (residency, latency zone,
accelerators, sensitivity) already apply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from fleetplan._io import write_text_atomic
from fleetplan.model.base import RESERVED_MODELS
from fleetplan.model.period import parse_period, periods_per_year
from fleetplan.model.scenario import Scenario
from fleetplan.model.site import lifetime_periods
from fleetplan.risk.contingency import ContingencyReport
from fleetplan.risk.operations import OpsModel, region_label

__all__ = [
    "Runbook",
    "period_start_date",
    "render_runbook",
    "runbooks",
    "spare_capacity",
    "write_runbooks",
]

_TOL = 1e-6


@dataclass(frozen=True)
class Runbook:
    """One rendered runbook: the workload, a safe file name and the Markdown text."""

    workload: str
    filename: str
    markdown: str


def period_start_date(label: str, length: str) -> date:
    """The first day of a period label (``2027Q2`` -> 2027-04-01)."""
    ordinal = parse_period(label, length)  # type: ignore[arg-type]
    ppy = periods_per_year(length)  # type: ignore[arg-type]
    year, k = divmod(ordinal, ppy)
    return date(year, 1 + k * (12 // ppy), 1)


def spare_capacity(om: OpsModel) -> pd.DataFrame:
    """Spare accelerators per (option, period) left by the plan (inf when there is no cap)."""
    sc, plan, cand = om.sc, om.plan, om.cand
    H = om.hours
    T = om.periods
    labels = om.labels
    t_of = {p: i for i, p in enumerate(labels)}
    opts = om.options.set_index("option_id")
    used = plan.allocations.groupby(["option_id", "period"])["accelerator_hours"].sum()
    ids = np.sort(cand["option_id"].unique())
    cap = {}
    for oid in ids:
        o = opts.loc[oid]
        pm = o["pricing_model"]
        if pm in ("on_demand", "spot"):
            v = float(o["avail_accelerators"])
            cap[int(oid)] = np.full(T, v)
        elif pm in RESERVED_MODELS:
            cap[int(oid)] = np.zeros(T)
        else:
            cap[int(oid)] = np.zeros(T)
    for r in plan.reservations.itertuples(index=False):
        s = t_of[r.start_period]
        if int(r.option_id) in cap:
            cap[int(r.option_id)][s : s + int(r.term_periods)] += float(r.accelerators)
    pools = om.f.pools.reset_index(drop=True)
    owned = {}
    for _, p in pools.iterrows():
        owned[(p["site"], p["server_type"])] = np.asarray(p["existing"], dtype=float) * float(p["per_server"])
    types = {t.name: t for t in sc.server_types}
    for r in plan.purchases.itertuples(index=False):
        st = types[r.server_type]
        s = t_of[r.period_in_service]
        life = lifetime_periods(st, sc.horizon.period)
        owned[(r.site, r.server_type)][s : min(s + life, T)] += float(r.accelerators)
    for oid in ids:
        o = opts.loc[oid]
        if o["pricing_model"] == "owned":
            cap[int(oid)] = owned.get((o["site"], o["server_type"]), np.zeros(T)).copy()
    rows = []
    for oid in ids:
        for t in range(T):
            u = float(used.get((int(oid), labels[t]), 0.0)) / H
            rows.append(
                {
                    "option_id": int(oid),
                    "t_idx": t,
                    "capacity_accelerators": cap[int(oid)][t],
                    "used_accelerators": u,
                    "spare_accelerators": max(cap[int(oid)][t] - u, 0.0),
                }
            )
    return pd.DataFrame(rows)


def _failover(om: OpsModel, spare: pd.DataFrame, wi: int, t: int, limit: int = 8) -> pd.DataFrame:
    """Ranked failover steps of workload ``wi`` in period ``t`` (one per place and pricing)."""
    c = om.cand[(om.cand["w_idx"] == wi) & (om.cand["t_idx"] == t)].copy()
    if c.empty:
        return c
    sp = spare[spare["t_idx"] == t].set_index("option_id")["spare_accelerators"]
    c["spare_accelerators"] = c["option_id"].map(sp).fillna(0.0).to_numpy()
    per_unit_acc = c["usage"].to_numpy() / om.hours  # accelerators one unit occupies
    c["spare_share"] = np.where(per_unit_acc > 0, c["spare_accelerators"] / per_unit_acc * c["coverage"], 0.0)
    c["usd_per_cover"] = c["cost_usd"] / c["coverage"]
    c["paid"] = c["pricing_model"].isin([*RESERVED_MODELS, "owned"])
    c["ready"] = c["provider"].isin(om.onboarded)
    c = c[c["spare_share"] > 1e-4]
    c = c.sort_values(
        ["paid", "ready", "usd_per_cover", "option_id"],
        ascending=[False, False, True, True],
        kind="stable",
    )
    c = c.drop_duplicates(["provider", "region", "pricing_model"])
    return c.head(limit)


def _fmt_usd(v: float) -> str:
    return f"${v:,.0f}"


def _impact_for(report: ContingencyReport | None, event_name: str, workload: str) -> str:
    if report is None:
        return "not analysed"
    for imp in report.impacts:
        if imp.event.name != event_name:
            continue
        w = imp.workloads[imp.workloads["workload"] == workload]
        if w.empty:
            return "not affected"
        r = w.iloc[0]
        hours = float(r["unserved_accelerator_hours"])
        where = r["failover"] or "nowhere eligible"
        if hours > _TOL:
            return (
                f"**{r['max_unserved_share']:.0%} of demand unserved** at worst "
                f"({hours:,.0f} accelerator-hours over {imp.event.duration_hours:,.0f} h, "
                f"{imp.window[0][0]}); "
                f"rest moves to {where}"
            )
        return f"fully served by failover to {where}"
    return "not analysed"


def render_runbook(
    sc: Scenario,
    om: OpsModel,
    spare: pd.DataFrame,
    wi: int,
    report: ContingencyReport | None = None,
) -> str:
    """The Markdown runbook of workload ``wi`` (see module docstring)."""
    w = sc.workloads[wi]
    plan = om.plan
    labels = om.labels
    cycle = sc.review_cycle_periods
    a = plan.allocations[plan.allocations["workload"] == w.name]
    active = [p for p in labels if p in set(a["period"])]
    t0 = labels.index(active[0]) if active else 0
    window = labels[t0 : t0 + cycle]
    review_idx = cycle
    review_label = (
        labels[review_idx] if review_idx < len(labels) else f"{labels[-1]} + {review_idx - len(labels) + 1} period(s)"
    )
    review_date = period_start_date(labels[review_idx], sc.horizon.period) if review_idx < len(labels) else None
    lines = [f"# Runbook: {w.name}", ""]
    lines += [
        f"*Scenario:* {sc.name}  ",
        f"*Criticality:* {w.criticality} · *kind:* {w.kind} · *sensitivity:* {w.sensitivity}  ",
    ]
    if w.description:
        lines += [f"*Service:* {w.description}  "]
    slo = [
        f"TTFT ≤ {w.slo.ttft_ms:g} ms" if w.slo.ttft_ms else "",
        f"TPOT ≤ {w.slo.tpot_ms:g} ms" if w.slo.tpot_ms else "",
    ]
    slo = [s for s in slo if s]
    if slo:
        lines += [f"*SLO:* {', '.join(slo)}  "]
    rules = []
    if w.residency:
        rules.append(f"residency {', '.join(w.residency)}")
    if w.latency_zones:
        rules.append(f"latency zones {', '.join(w.latency_zones)}")
    if w.accelerators:
        rules.append(f"accelerators {', '.join(w.accelerators)}")
    if rules:
        lines += [f"*Placement rules:* {'; '.join(rules)}  "]
    lines += [
        f"*Valid for:* {window[0]}..{window[-1]} · *next review:* {review_label}"
        + (f" ({review_date.isoformat()})" if review_date else ""),
        "",
    ]

    lines += [
        "## Where it runs",
        "",
        "| period | provider / region | instance | accelerator | pricing | amount | share of demand |",
        "| --- | --- | --- | --- | --- | ---: | ---: |",
    ]
    for r in a[a["period"].isin(window)].itertuples(index=False):
        amount = f"{r.replicas:.0f} replicas" if r.kind == "serve" else f"{r.accelerator_hours:,.0f} acc-h"
        lines.append(
            f"| {r.period} | {region_label(r.provider, r.region)} | {r.instance_type} | "
            f"{r.accelerator} | "
            f"{r.pricing_model} | {amount} | {r.coverage:.0%} |"
        )
    if a[a["period"].isin(window)].empty:
        lines.append("| — | not running in this cycle | | | | | |")
    lines.append("")

    providers = sorted(set(a.loc[a["period"].isin(window), "provider"]))
    regions = sorted(
        {
            region_label(p, g)
            for p, g in zip(
                a.loc[a["period"].isin(window), "provider"],
                a.loc[a["period"].isin(window), "region"],
                strict=True,
            )
        }
    )
    lines += [
        "## If a dependency fails",
        "",
        "From the contingency analysis (each outage lasting "
        f"{report.duration_hours if report else 0:,.0f} h, "
        "operations re-planned with the capacity already bought):",
        "",
    ]
    for p in providers:
        lines.append(f"- **provider {p} down:** {_impact_for(report, f'provider {p}', w.name)}")
    for g in regions:
        if g.split("/", 1)[0] in providers and len([x for x in regions if x.startswith(g.split("/", 1)[0] + "/")]) > 1:
            lines.append(f"- **region {g} down:** {_impact_for(report, f'region {g}', w.name)}")
    vendors = sorted(set(a.loc[a["period"].isin(window), "vendor"]))
    for v in vendors:
        lines.append(f"- **chip vendor {v} unavailable:** {_impact_for(report, f'vendor {v}', w.name)}")
    lines.append("")

    lines += [
        "## Failover order",
        "",
        f"Spare capacity in {labels[t0]} that this workload may use (its placement rules applied), "
        "already-paid capacity first, then onboarded providers:",
        "",
        "| step | provider / region | instance | accelerator | pricing | spare "
        "accelerators | covers | $ per period of full demand |",
        "| ---: | --- | --- | --- | --- | ---: | ---: | ---: |",
    ]
    steps = _failover(om, spare, wi, t0)
    current = set(
        zip(
            a.loc[a["period"] == labels[t0], "provider"],
            a.loc[a["period"] == labels[t0], "region"],
            strict=True,
        )
    )
    for k, r in enumerate(steps.itertuples(index=False), start=1):
        spare_txt = "no cap listed" if not np.isfinite(r.spare_accelerators) else f"{r.spare_accelerators:,.0f}"
        covers = "100%+" if not np.isfinite(r.spare_share) or r.spare_share >= 1 else f"{r.spare_share:.0%}"
        mark = " (already running here)" if (r.provider, r.region) in current else ""
        if not r.ready:
            mark += " (not onboarded yet)"
        lines.append(
            f"| {k} | {region_label(r.provider, r.region)}{mark} | {r.instance_type} | "
            f"{r.accelerator} | "
            f"{r.pricing_model} | {spare_txt} | {covers} | {_fmt_usd(r.usd_per_cover)} |"
        )
    if steps.empty:
        lines.append("| — | no spare eligible capacity: escalate at once | | | | | | |")
    lines += [
        "",
        "Rented capacity is subject to the provider's quota and stock at the time; request quota ahead.",
        "",
    ]

    lines += ["## Escalation", ""]
    contacts = sorted(sc.contacts, key=lambda c: (c.tier, c.name))
    if contacts:
        lines += ["| tier | name | role | email | phone |", "| ---: | --- | --- | --- | --- |"]
        for c in contacts:
            lines.append(f"| {c.tier} | {c.name} | {c.role or ''} | {c.email or ''} | {c.phone or ''} |")
        lines += [
            "",
            "Tier 1 is paged first; escalate one tier when a step above fails or demand stays unserved.",
        ]
    else:
        lines += ["No contacts are declared in the scenario: add a `contacts:` list (tier, name, role, email, phone)."]
    lines += [
        "",
        "## Review",
        "",
        f"Review this runbook every {cycle} period{'s' if cycle > 1 else ''} (the "
        "scenario's review cycle); "
        f"next review: **{review_label}**" + (f" ({review_date.isoformat()})." if review_date else "."),
        "",
    ]
    return "\n".join(lines)


def _filename(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.\-]", "_", name) + ".md"


def runbooks(sc: Scenario, om: OpsModel, report: ContingencyReport | None = None) -> list[Runbook]:
    """A runbook per critical workload the plan serves."""
    spare = spare_capacity(om)
    out = []
    for wi, w in enumerate(sc.workloads):
        if w.criticality != "critical" or w.name in om.plan.dropped_workloads:
            continue
        out.append(Runbook(w.name, _filename(w.name), render_runbook(sc, om, spare, wi, report)))
    return out


def _index(sc: Scenario, books: list[Runbook]) -> str:
    lines = [f"# Runbooks: {sc.name}", "", "One contingency runbook per critical workload.", ""]
    lines += [f"- [{b.workload}]({b.filename})" for b in books]
    if not books:
        lines.append("No critical workloads in this scenario.")
    return "\n".join(lines) + "\n"


def write_runbooks(directory: str | Path, sc: Scenario, books: list[Runbook]) -> list[str]:
    """Write the runbooks and an index (``README.md``) to ``directory``, each file atomically.

    Returns the file names written (relative to ``directory``).
    """
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    files = [(b.filename, b.markdown) for b in books] + [("README.md", _index(sc, books))]
    written = []
    for name, text in files:
        write_text_atomic(d / name, text)
        written.append(name)
    return written
