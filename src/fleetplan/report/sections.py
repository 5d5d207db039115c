"""What the plan report says: sections of headline facts, charts and the tables behind them.

Everything is read from the JSON documents (``fleetplan.plan/1``, and ``fleetplan.risk/1``,
``fleetplan.audit/1``, a second plan to compare with): a report can be rebuilt from files alone.
Each :class:`Chart` carries its Vega-Lite spec and the table of the numbers it draws; the HTML
and Markdown renderers (:mod:`fleetplan.report.html`) only lay them out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from fleetplan._format import money
from fleetplan.report import charts

__all__ = ["Chart", "Section", "report_sections"]


@dataclass
class Chart:
    """One picture: ``name`` (id), title with units, text alternative, spec, and its numbers."""

    name: str
    title: str
    alt: str
    spec: dict[str, Any]
    table: pd.DataFrame


@dataclass
class Section:
    title: str
    facts: list[str] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)


def _pct(x: float | None, digits: int = 1) -> str:
    return "—" if x is None else f"{100 * x:.{digits}f} %"


def _frame(records: Any) -> pd.DataFrame:
    return pd.DataFrame(records or [])


def _spend_rows(plan: dict[str, Any]) -> pd.DataFrame:
    """Spend per (period, provider, vendor, pricing model, category): the verifier's ledger when the
    document has it, else the per-period cost categories."""
    ledger = _frame(plan.get("spend_by_period"))
    if len(ledger):
        return ledger
    costs = _frame(plan.get("costs"))
    cats = [c for c in costs.columns if c.endswith("_usd") and c not in ("total_usd", "discounted_usd")]
    long = costs.melt(id_vars=["period"], value_vars=cats, var_name="category", value_name="usd")
    return long.assign(provider="", vendor="", pricing_model="")


def _headline(plan: dict[str, Any]) -> Section:
    t = plan["totals"]
    solver = plan.get("solver") or {}
    ver = plan.get("verification") or {}
    costs = _frame(plan.get("costs"))
    s = Section("Headline")
    s.facts.append(
        f"Total {money(t['total_usd'])} over {len(plan['periods'])} periods "
        f"({plan['periods'][0]}–{plan['periods'][-1]}); discounted {money(t.get('discounted_usd'))}."
    )
    gap = solver.get("gap")
    s.facts.append(
        f"Solver status {plan.get('status')}; proven gap {_pct(gap, 2)} (the plan costs at most that much more "
        f"than the cheapest possible). Verified by fleetplan's independent checker: {'yes' if ver.get('ok') else 'NO'}."
    )
    if len(costs):
        years = costs.assign(year=costs["period"].astype(str).str[:4]).groupby("year")["total_usd"].sum()
        s.facts.append("Per year: " + "; ".join(f"{y} {money(v)}" for y, v in years.items()) + ".")
    base = _frame(plan.get("baselines"))
    if len(base):
        rows = []
        for b in base.to_dict("records"):
            broken = "; ".join(b.get("violations") or []) or "none"
            rows.append(
                {
                    "baseline": b["name"],
                    "total_usd": b.get("total_usd"),
                    "savings_usd": b.get("savings_usd"),
                    "feasible": b.get("feasible"),
                    "policies it breaks": broken,
                }
            )
        s.tables.append(("Savings against each baseline (USD)", pd.DataFrame(rows)))
    for note in plan.get("notes") or []:
        s.facts.append(f"Note: {note}")
    return s


def _spend(plan: dict[str, Any]) -> Section:
    periods = list(plan["periods"])
    rows = _spend_rows(plan)
    s = Section("Spend per period")
    for key, label in (
        ("provider", "provider"),
        ("pricing_model", "pricing model"),
        ("vendor", "chip vendor"),
        ("category", "cost category"),
    ):
        if key not in rows or (rows[key].astype(str) == "").all():
            continue
        t = (
            rows.assign(**{key: rows[key].astype(str).replace("", "(none)")})
            .groupby(["period", key], as_index=False)["usd"]
            .sum()
        )
        t = t[t["usd"].abs() > 0.005]
        if t.empty:
            continue
        top = t.groupby(key)["usd"].sum().sort_values(ascending=False)
        s.charts.append(
            charts_stack(
                f"spend-{key.replace('_', '-')}",
                f"Spend per period by {label} (USD)",
                f"Stacked bars of spend per period by {label}; largest over the horizon: "
                + ", ".join(f"{k} {money(v)}" for k, v in top.head(3).items()),
                t,
                key,
                periods,
            )
        )
    return s


def charts_stack(name: str, title: str, alt: str, t: pd.DataFrame, key: str, periods: list[str]) -> Chart:
    spec = charts.stacked_bars(
        title,
        t.to_dict("records"),
        x="period",
        y="usd",
        color=key,
        x_title="period",
        y_title="USD",
        x_sort=periods,
    )
    table = t.pivot_table(index="period", columns=key, values="usd", aggfunc="sum", fill_value=0.0)
    table = table.reindex([p for p in periods if p in table.index]).reset_index()
    return Chart(name, title, alt, spec, table)


def _policies(plan: dict[str, Any]) -> Section:
    pol = _frame(plan.get("policies"))
    s = Section("Policies against their limits")
    if pol.empty:
        s.facts.append("The scenario sets no policy with a limit.")
        return s
    pol = pol[pol["limit"].notna() & (pol["limit"].astype(float) != 0)].copy()
    pol["use_of_limit"] = pol["value"].astype(float) / pol["limit"].astype(float)
    pol["label"] = pol["policy"].str.replace("_", " ") + " " + pol["scope"].astype(str)
    pol["status"] = pol["binding"].map({True: "binding", False: "slack"})
    pol.loc[~pol["satisfied"].astype(bool), "status"] = "broken"
    values = pol[["label", "use_of_limit", "status"]].to_dict("records")
    s.charts.append(
        Chart(
            "policies",
            "Share caps, budgets and carbon: use of each limit (1.0 = at the limit)",
            f"{len(pol)} policies; binding: {', '.join(pol.loc[pol['binding'], 'label']) or 'none'}",
            charts.bars(
                "Use of each policy limit",
                values,
                x="use_of_limit",
                y="label",
                x_title="value / limit",
                y_title="policy",
                color="status",
                rule=1.0,
            ),
            pol[["policy", "scope", "value", "limit", "unit", "binding", "satisfied"]].reset_index(drop=True),
        )
    )
    return s


_SOURCE = {
    "owned": "owned",
    "on_demand": "rented",
    "spot": "rented (spot)",
    "reserved_1y": "reserved",
    "reserved_3y": "reserved",
    "committed": "existing commitment",
}


def _capacity(plan: dict[str, Any]) -> Section:
    periods = list(plan["periods"])
    alloc = _frame(plan.get("allocations"))
    s = Section("Capacity in service and where each workload runs")
    if alloc.empty:
        return s
    alloc["source"] = alloc["pricing_model"].map(_SOURCE).fillna(alloc["pricing_model"])
    t = alloc.groupby(["period", "source"], as_index=False)["accelerator_hours"].sum()
    spec = charts.stacked_bars(
        "Accelerator-hours per period: owned, rented, reserved",
        t.to_dict("records"),
        x="period",
        y="accelerator_hours",
        color="source",
        x_title="period",
        y_title="accelerator-hours (demand served)",
        x_sort=periods,
        y_format=",.3s",
    )
    table = t.pivot_table(index="period", columns="source", values="accelerator_hours", fill_value=0.0)
    s.charts.append(
        Chart(
            "capacity",
            "Accelerator-hours per period by source (hours)",
            "Stacked bars of the accelerator-hours that serve demand, by owned, rented and reserved capacity",
            spec,
            table.reindex([p for p in periods if p in table.index]).reset_index(),
        )
    )
    main = (
        alloc.sort_values("accelerator_hours", ascending=False)
        .groupby(["workload", "period"], as_index=False)
        .agg(provider=("provider", "first"), accelerator=("accelerator", "first"), places=("provider", "size"))
    )
    main["label"] = main["accelerator"].astype(str) + main["places"].map(lambda n: f" +{n - 1}" if n > 1 else "")
    s.charts.append(
        Chart(
            "placement",
            "Where each workload runs, per period (main provider; +n = more placements)",
            f"Heat map of {main['workload'].nunique()} workloads over {len(periods)} periods, coloured by the "
            "provider carrying most of the workload's accelerator-hours",
            charts.heatmap(
                "Where each workload runs",
                main[["workload", "period", "provider", "label"]].to_dict("records"),
                x="period",
                y="workload",
                color="provider",
                text="label",
                x_title="period",
                y_title="workload",
                x_sort=periods,
            ),
            main.pivot_table(index="workload", columns="period", values="provider", aggfunc="first")
            .reindex(columns=[p for p in periods if p in set(main["period"])])
            .reset_index(),
        )
    )
    cols = [
        c
        for c in (
            "workload",
            "period",
            "provider",
            "region",
            "instance_type",
            "accelerator",
            "pricing_model",
            "replicas",
            "accelerator_hours",
            "cost_usd",
        )
        if c in alloc
    ]
    s.tables.append(("Allocations (every placement per period)", alloc[cols].reset_index(drop=True)))
    return s


def _investments(plan: dict[str, Any]) -> Section:
    periods = list(plan["periods"])
    s = Section("Purchases and reservations")
    items = []
    for p in plan.get("purchases") or []:
        label = f"buy {p['servers']} x {p['server_type']} at {p['site']}"
        items.append(
            {"item": label, "start": p["period_ordered"], "end": p["period_in_service"], "kind": "order → in service"}
        )
        items.append({"item": label, "start": p["period_in_service"], "end": periods[-1], "kind": "in service"})
    for r in plan.get("reservations") or []:
        label = f"reserve {r['instances']} x {r['instance_type']} ({r['provider']} {r['region']}, {r['pricing_model']})"
        end = r["end_period"] if r["end_period"] in periods else periods[-1]
        items.append({"item": label, "start": r["start_period"], "end": end, "kind": "reservation term"})
    if not items:
        s.facts.append(
            "The plan buys nothing and reserves nothing: all capacity is rented on demand or spot, or owned already."
        )
        return s
    s.charts.append(
        Chart(
            "investments",
            "Purchases and reservations on a timeline (periods)",
            f"{len(plan.get('purchases') or [])} purchases and {len(plan.get('reservations') or [])} reservations, "
            "from order or start to service and end of term (clipped to the horizon)",
            charts.timeline(
                "Purchases and reservations",
                items,
                start="start",
                end="end",
                y="item",
                color="kind",
                order=periods,
                x_title="period",
            ),
            pd.DataFrame(items),
        )
    )
    commitments = _frame(plan.get("commitments"))
    if len(commitments):
        s.tables.append(("Existing commitments per period", commitments))
    return s


def _roadmap(plan: dict[str, Any]) -> Section:
    from fleetplan.report.roadmap import roadmap

    r = roadmap(plan)
    s = Section(f"Roadmap and review gates (reviews every {r['review_cycle_periods']} period(s))")
    rollout = plan.get("rollout") or []
    if rollout:
        periods = list(plan["periods"])
        rows = [
            {
                "new": f"{e['kind']} {e['entity']}",
                "pilot": ", ".join(e.get("pilot_periods") or []) or "—",
                **{p: e["accelerators_by_period"].get(p, 0.0) for p in periods},
            }
            for e in rollout
        ]
        s.tables.append(("Rollout: accelerators in service of what is new to the organization", pd.DataFrame(rows)))
    stacks = _frame(plan.get("skills_adoption"))
    if len(stacks):
        s.tables.append(("Software stacks the plan adopts", stacks))
    s.tables.append(
        (
            "Phases",
            pd.DataFrame([{"period": p["period"], "action": a["text"]} for p in r["phases"] for a in p["actions"]]),
        )
    )
    s.tables.append(
        (
            "Review gates",
            pd.DataFrame(
                [
                    {"review": g["period"], "decides": d}
                    for g in r["review_gates"]
                    for d in (g["decisions"] or ["confirm the plan: nothing new is due"])
                ]
            ),
        )
    )
    return s


def _energy(plan: dict[str, Any]) -> Section:
    periods = list(plan["periods"])
    by = _frame((plan.get("energy") or {}).get("by_period"))
    s = Section("Energy, emissions and intensity")
    if by.empty:
        return s
    long = pd.concat(
        [
            by[["period"]].assign(measure="energy (MWh)", value=by["energy_kwh"] / 1000.0),
            by[["period"]].assign(measure="emissions (tCO2e)", value=by["co2e_t"]),
        ]
    )
    s.charts.append(
        Chart(
            "energy",
            "Energy (MWh) and emissions (tCO2e) per period",
            f"Energy {by['energy_kwh'].sum() / 1000:,.1f} MWh and {by['co2e_t'].sum():,.1f} tCO2e over the horizon",
            charts.layered_line(
                "Energy and emissions per period",
                long.to_dict("records"),
                x="period",
                y="value",
                series="measure",
                x_title="period",
                y_title="MWh or tCO2e",
                x_sort=periods,
            ),
            by[[c for c in ("period", "energy_kwh", "co2e_t", "kgco2e_per_kwh", "average_kw") if c in by]],
        )
    )
    ab = plan.get("abatement")
    if ab:
        s.facts.append(
            f"Abatement: {ab.get('note', '')}. Cheapest plan {money(ab.get('cheapest_total_usd'))} at "
            f"{ab.get('cheapest_co2e_t', 0):,.1f} tCO2e; this plan {money(ab.get('plan_total_usd'))} at "
            f"{ab.get('plan_co2e_t', 0):,.1f} tCO2e "
            f"({ab.get('usd_per_tco2e_avoided') or 0:,.0f} USD per tonne avoided)."
        )
        pts = [
            {"plan": "cheapest", "co2e_t": ab.get("cheapest_co2e_t"), "total_usd": ab.get("cheapest_total_usd")},
            {"plan": "this plan", "co2e_t": ab.get("plan_co2e_t"), "total_usd": ab.get("plan_total_usd")},
        ]
        spec = charts.layered_line(
            "Abatement: cost against emissions",
            pts,
            x="co2e_t",
            y="total_usd",
            series="plan",
            x_title="tCO2e",
            y_title="USD",
        )
        spec["encoding"]["x"]["type"] = "quantitative"
        s.charts.append(
            Chart(
                "abatement",
                "Abatement curve: total USD against tCO2e",
                "Two points: the cheapest plan and this plan",
                spec,
                pd.DataFrame(pts),
            )
        )
    return s


def _risk(risk: dict[str, Any], periods: list[str]) -> Section:
    s = Section("Risk")
    ev = _frame((risk.get("contingency") or {}).get("events"))
    if len(ev):
        impact = next((c for c in ("delta_usd", "extra_cost_usd", "cost_usd") if c in ev), None)
        label = next((c for c in ("event", "name", "scenario") if c in ev), ev.columns[0])
        if impact:
            t = ev[[label, impact]].rename(columns={label: "event", impact: "impact_usd"}).head(20)
            s.charts.append(
                Chart(
                    "contingency",
                    "Contingencies: cost impact of each event (USD)",
                    f"{len(ev)} events; largest impact {t['impact_usd'].max():,.0f} USD",
                    charts.bars(
                        "Contingency impact",
                        t.to_dict("records"),
                        x="impact_usd",
                        y="event",
                        x_title="USD",
                        y_title="event",
                        x_format="$,.3s",
                    ),
                    t,
                )
            )
        else:
            s.tables.append(("Contingency events", ev))
    idx = _frame((risk.get("concentration") or {}).get("index"))
    if len(idx) and {"scope", "hhi"} <= set(idx.columns):
        per = idx[idx["scope"].isin(periods)]
        if "measure" in per:
            per = per[per["measure"].eq("spend")]
        if len(per):
            series = "dimension" if "dimension" in per else "measure"
            t = per[["scope", series, "hhi"]].rename(columns={"scope": "period"})
            s.charts.append(
                Chart(
                    "hhi",
                    "Concentration (HHI, 0–10,000) of spend per period",
                    "HHI per period and dimension; above 1,800 is highly concentrated",
                    charts.layered_line(
                        "HHI per period",
                        t.to_dict("records"),
                        x="period",
                        y="hhi",
                        series=series,
                        x_title="period",
                        y_title="HHI",
                        x_sort=periods,
                        y_format=",.0f",
                    ),
                    t,
                )
            )
    n1 = risk.get("n_minus_1")
    if n1:
        s.facts.append(f"N−1 premium: {money(n1.get('premium_usd'))} ({n1.get('status', '')}).")
    mc = _frame((risk.get("monte_carlo") or {}).get("services"))
    if len(mc):
        odds = next((c for c in mc.columns if "prob" in c or "odds" in c or "availability" in c), None)
        name = next((c for c in ("workload", "service") if c in mc), mc.columns[0])
        if odds:
            t = mc[[name, odds]].rename(columns={name: "service", odds: "value"})
            s.charts.append(
                Chart(
                    "monte-carlo",
                    f"Monte Carlo per critical service ({odds.replace('_', ' ')})",
                    f"{len(t)} services",
                    charts.bars(
                        "Monte Carlo per service",
                        t.to_dict("records"),
                        x="value",
                        y="service",
                        x_title=odds.replace("_", " "),
                        y_title="service",
                        x_format=",.3f",
                    ),
                    t,
                )
            )
        else:
            s.tables.append(("Monte Carlo per service", mc))
    return s


def _audit(audit: dict[str, Any]) -> Section:
    s = Section("Actual spend (audit)")
    t = audit.get("totals") or {}
    s.facts.append(
        f"Billed period {audit.get('period', {}).get('start')} – {audit.get('period', {}).get('end')}: amortized "
        f"{money(t.get('amortized_usd'))}, cash {money(t.get('cash_usd'))}; "
        f"AI compute {money(t.get('ai_compute_amortized_usd'))}."
    )
    mon = audit.get("monitor")
    if mon and mon.get("by_period_provider"):
        rows = _frame(mon["by_period_provider"])
        long = pd.concat(
            [
                rows[["period", "provider"]].assign(kind="planned", usd=rows["planned_usd"]),
                rows[["period", "provider"]].assign(kind="actual", usd=rows["actual_usd"]),
            ]
        )
        long["bar"] = long["period"] + " " + long["provider"] + " " + long["kind"]
        s.charts.append(
            Chart(
                "actual-vs-planned",
                "Actual against planned cloud spend per period and provider (USD)",
                f"{int(rows['flagged'].sum())} lines over the {mon.get('threshold', 0.1):.0%} threshold",
                charts.bars(
                    "Actual vs planned",
                    long.to_dict("records"),
                    x="usd",
                    y="bar",
                    color="kind",
                    x_title="USD",
                    y_title="period, provider",
                    x_format="$,.3s",
                ),
                rows,
            )
        )
    else:
        prov = _frame((audit.get("spend") or {}).get("provider"))
        if len(prov):
            s.tables.append(("Spend per provider (USD)", prov))
    return s


def _place(items: list[dict[str, Any]]) -> str:
    return "; ".join(f"{i.get('provider')} {i.get('instance_type')} ({i.get('pricing_model')})" for i in items) or "—"


def _compare(compare: dict[str, Any], plan: dict[str, Any]) -> Section:
    """The changes against an earlier plan, from :func:`fleetplan.report.diff.diff_plans`."""
    from fleetplan.report.diff import diff_plans

    d = diff_plans(compare, plan)
    s = Section("Against the previous plan")
    t = d["total"]
    s.facts.append(
        f"Total {money(t['old_usd'])} → {money(t['new_usd'])} ({'+' if t['delta_usd'] >= 0 else '−'}"
        f"{money(abs(t['delta_usd']))}); previous plan: {d['old']['scenario']}, proven gap "
        f"{_pct(d['old'].get('gap'), 2)}, verified {'yes' if d['old'].get('verification_ok') else 'no'}."
    )
    per = _frame(d["periods"])
    if len(per):
        long = pd.concat(
            [
                per[["period"]].assign(plan="previous", usd=per["old_usd"]),
                per[["period"]].assign(plan="this", usd=per["new_usd"]),
            ]
        )
        long["bar"] = long["period"] + " " + long["plan"]
        s.charts.append(
            Chart(
                "compare-periods",
                "Spend per period, previous plan against this one (USD)",
                f"Total change {money(t['delta_usd'])}",
                charts.bars(
                    "Per period",
                    long.to_dict("records"),
                    x="usd",
                    y="bar",
                    color="plan",
                    x_title="USD",
                    y_title="period",
                    x_format="$,.3s",
                ),
                per,
            )
        )
    prov = _frame(d["by_provider"])
    if len(prov):
        prov = prov[prov["delta_usd"].abs() > 0.005]
    if len(prov):
        s.charts.append(
            Chart(
                "compare-providers",
                "Change in spend per provider against the previous plan (USD)",
                "Bars of the change in horizon spend per provider: "
                + ", ".join(f"{r.provider} {money(r.delta_usd)}" for r in prov.itertuples()),
                charts.bars(
                    "Change per provider",
                    prov.to_dict("records"),
                    x="delta_usd",
                    y="provider",
                    x_title="USD",
                    y_title="provider",
                    x_format="$,.3s",
                ),
                prov,
            )
        )
    moved = [w for w in d["workloads"] if w["status"] != "unchanged"]
    if moved:
        s.tables.append(
            (
                "Workloads that moved or changed",
                pd.DataFrame(
                    [
                        {
                            "workload": w["workload"],
                            "status": w["status"],
                            "periods": ", ".join(w.get("moved_periods") or []),
                            "from": _place(w.get("from") or []),
                            "to": _place(w.get("to") or []),
                            "delta_usd": w.get("delta_usd"),
                        }
                        for w in moved
                    ]
                ),
            )
        )
    for key in ("reservations", "purchases"):
        for change in ("added", "removed"):
            rows = d[key][change]
            if rows:
                s.tables.append((f"{key.capitalize()} {change}", pd.DataFrame(rows)))
    pol = d["policies"]
    changed = [r for r in pol["changed"] if r.get("binding") in ("slack_to_binding", "binding_to_slack")]
    if changed or pol["added"] or pol["removed"]:
        s.tables.append(
            (
                "Policies added, removed or changing between slack and binding",
                pd.DataFrame(
                    [{"change": "added", **r} for r in pol["added"]]
                    + [{"change": "removed", **r} for r in pol["removed"]]
                    + [
                        {"change": r["binding"], **{k: v for k, v in r.items() if k not in ("old", "new")}}
                        for r in changed
                    ]
                ),
            )
        )
    return s


def report_sections(
    plan: dict[str, Any],
    *,
    risk: dict[str, Any] | None = None,
    audit: dict[str, Any] | None = None,
    compare: dict[str, Any] | None = None,
) -> list[Section]:
    """The report's sections in reading order (see the module docstring)."""
    out = [
        _headline(plan),
        _spend(plan),
        _policies(plan),
        _capacity(plan),
        _investments(plan),
        _roadmap(plan),
        _energy(plan),
    ]
    if risk:
        out.append(_risk(risk, list(plan["periods"])))
    if audit:
        out.append(_audit(audit))
    if compare:
        out.append(_compare(compare, plan))
    return out
