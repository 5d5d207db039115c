"""The one-minute summary of a plan, for the terminal (rich): ``fleetplan plan``."""

from __future__ import annotations

import pandas as pd
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from fleetplan._format import money
from fleetplan.model.plan import Plan, SolveStatus
from fleetplan.verify.accounting import spend_by
from fleetplan.verify.checks import COST_CATEGORIES

__all__ = ["render_plan"]


def _table(title: str, *columns: str, right: tuple[int, ...] = ()) -> Table:
    t = Table(title=title, title_justify="left", title_style="bold", header_style="bold dim", pad_edge=False)
    for i, c in enumerate(columns):
        t.add_column(c, justify="right" if i in right else "left")
    return t


def _headline(plan: Plan) -> Panel:
    s = plan.solve
    if s.status == SolveStatus.OPTIMAL:
        status = Text(f"optimal (proven gap {100 * (s.gap or 0):.2f} %)", style="green")
    else:
        status = Text(
            f"time limit reached: best plan found, proven gap {100 * (s.gap or 0):.2f} % (not proven optimal)",
            style="yellow",
        )
    ver = plan.verification
    vtext = (
        Text("verified: every rule re-checked independently", style="green")
        if ver and ver.ok
        else Text("NOT verified", style="bold red")
    )
    lp = plan.lp_bound_usd
    obj = s.objective_usd
    lines = [
        Text.assemble(
            ("Total spend ", "bold"),
            (money(plan.total_usd), "bold cyan"),
            f" over {len(plan.periods)} periods ({plan.periods[0]}..{plan.periods[-1]}); "
            f"discounted {money(plan.discounted_usd)}",
        ),
        Text(
            f"Energy {plan.costs['energy_kwh'].sum() / 1e3:,.0f} MWh · "
            f"emissions {plan.costs['co2e_t'].sum():,.1f} tCO2e"
        ),
        Text.assemble(
            "Solver: ", status, f" · {s.time_s:.1f} s · {s.variables:,} variables, {s.constraints:,} constraints"
        ),
        Text.assemble(vtext),
    ]
    if lp is not None and obj is not None and abs(obj) > 1e-9:
        lines.append(
            Text(
                f"LP relaxation bound {money(lp)}: the plan's objective {money(obj)} is within "
                f"{100 * (obj - lp) / abs(obj):.1f} % of it (integrality: whole replicas, servers, placements)"
            )
        )
    return Panel(Group(*lines), title=f"[bold]{plan.scenario_name}[/bold]", title_align="left")


_COST_HEADERS = {
    "rented_usd": "rented",
    "reserved_usd": "reserved",
    "owned_energy_usd": "owned energy",
    "purchases_usd": "purchases",
    "onboarding_usd": "onboarding",
    "skills_usd": "skills",
    "existing_opex_usd": "existing opex",
    "committed_usd": "committed",
}
"""The cost table's column per cost category (:data:`COST_CATEGORIES`)."""


def _costs(plan: Plan) -> Table:
    c = plan.costs
    # the skills column only when the plan adopts a software stack (a scenario with a team)
    cats = [k for k in COST_CATEGORIES if k in c and (k != "skills_usd" or c[k].abs().sum() > 0)]
    t = _table(
        "Cost per period",
        "period",
        *(_COST_HEADERS[k] for k in cats),
        "total",
        "tCO2e",
        right=tuple(range(1, len(cats) + 3)),
    )
    for r in c.to_dict("records"):
        t.add_row(r["period"], *(money(r[k]) for k in (*cats, "total_usd")), f"{r['co2e_t']:,.1f}")
    t.add_row(
        "total",
        *(money(c[k].sum()) for k in (*cats, "total_usd")),
        f"{c['co2e_t'].sum():,.1f}",
        style="bold",
    )
    return t


def _skills(plan: Plan) -> Table:
    """Software stacks: what the plan's chips need, the team's level, and each adoption."""
    t = _table("Skills", "stack", "team level", "accelerators", "first use", "adopt in", "ready", "cost", right=(6,))
    adopted = {str(r["stack"]): r for r in plan.skills.to_dict("records")} if len(plan.skills) else {}
    for r in plan.stacks_needed.to_dict("records"):
        a = adopted.get(str(r["stack"]))
        t.add_row(
            str(r["stack"]),
            str(r["level"]),
            str(r["accelerators"]).replace(";", ", "),
            str(r["first_period"]),
            "" if a is None else str(a["period"]),
            "" if a is None else str(a["ready_period"] or "after the horizon"),
            "" if a is None else money(float(a["cost_usd"])),
        )
    for k, a in adopted.items():  # adopted, but no allocation uses it (should not happen in an optimal plan)
        if k not in set(plan.stacks_needed.get("stack", [])):
            t.add_row(k, str(a["level_before"]), "", "", str(a["period"]), str(a["ready_period"]), money(a["cost_usd"]))
    return t


def _commitments(plan: Plan) -> Table:
    """Existing commitments: what each covers per period and how much of it the plan uses."""
    t = _table(
        "Existing commitments", "commitment", "period", "committed", "available", "used", "use", right=(2, 3, 4, 5)
    )
    for r in plan.commitments.itertuples(index=False):
        if r.kind == "reservation":
            have, used = f"{r.available_hours:,.0f} h", f"{r.used_hours:,.0f} h"
        else:
            have, used = money(r.credit_limit_usd), money(r.credit_used_usd)
        pct = "" if pd.isna(r.utilization_pct) else f"{r.utilization_pct:.0f} %"
        t.add_row(str(r.commitment), str(r.period), money(r.committed_usd), have, used, pct)
    return t


def _shares(plan: Plan, key: str, title: str) -> Table:
    data = pd.Series(plan.spend_by_owner.get(key, {}), dtype=float).sort_values(ascending=False)
    t = _table(title, key, "spend", "share", right=(1, 2))
    total = plan.total_usd or 1.0
    for name, v in data.items():
        if v > 0.5:
            t.add_row(str(name), money(v), f"{100 * v / total:.1f} %")
    return t


def _pricing(plan: Plan) -> Table:
    t = _table("Spend by pricing model", "pricing model", "spend", right=(1,))
    for name, v in spend_by(plan, "pricing_model").items():
        t.add_row(str(name), money(v))
    return t


def _workloads(plan: Plan) -> Table:
    t = _table(
        "Where each workload runs", "workload", "kind", "placements (share of its spend or demand)", "cost", right=(3,)
    )
    a = plan.allocations
    for w, grp in a.groupby("workload", sort=True):
        cov = grp.groupby(["provider", "accelerator", "pricing_model"])["coverage"].sum()
        cov = cov / cov.sum()
        parts = [f"{p} {acc} {pm} {100 * s:.0f}%" for (p, acc, pm), s in cov.sort_values(ascending=False).items()]
        t.add_row(
            str(w),
            str(grp["kind"].iloc[0]),
            "; ".join(parts[:4]) + (" …" if len(parts) > 4 else ""),
            money(grp["cost_usd"].sum()),
        )
    for w in plan.dropped_workloads:
        t.add_row(w, "", Text("dropped: its value does not pay for it", style="yellow"), "")
    return t


def _buys(plan: Plan) -> list[Table]:
    out = []
    if len(plan.purchases):
        t = _table(
            "Buy",
            "order in",
            "in service",
            "site",
            "server type",
            "servers",
            "accelerators",
            "capex",
            "kW",
            right=(4, 5, 6, 7),
        )
        for r in plan.purchases.itertuples(index=False):
            t.add_row(
                r.period_ordered,
                r.period_in_service,
                r.site,
                r.server_type,
                str(r.servers),
                f"{r.accelerators} x {r.accelerator}",
                money(r.capex_usd),
                f"{r.power_kw:,.1f}",
            )
        out.append(t)
    if len(plan.reservations):
        t = _table(
            "Reserve", "start", "end", "provider", "region", "instance", "instances", "term", "committed", right=(5, 7)
        )
        for r in plan.reservations.itertuples(index=False):
            t.add_row(
                r.start_period,
                r.end_period,
                r.provider,
                r.region,
                r.instance_type,
                str(r.instances),
                r.pricing_model.replace("reserved_", ""),
                money(r.committed_usd),
            )
        out.append(t)
    return out


def _baselines(plan: Plan) -> Table:
    t = _table("Compared with", "baseline", "total", "plan saves", "policies it breaks", right=(1, 2))
    for b in plan.baselines:
        if b.total_usd is None:
            t.add_row(b.name, "—", "—", b.detail)
            continue
        save = b.total_usd - plan.total_usd
        pct = f" ({100 * save / b.total_usd:.0f} %)" if b.total_usd else ""
        broken = (
            "none"
            if not b.violations
            else f"{len(b.violations)}: " + "; ".join(b.violations[:3]) + (" …" if len(b.violations) > 3 else "")
        )
        name = b.name + (f" ({b.detail})" if b.name.startswith("single") and b.detail else "")
        t.add_row(name, money(b.total_usd), money(save) + pct, broken)
    return t


def _policies(plan: Plan) -> Table:
    t = _table("Policies", "policy", "scope", "limit", "plan", "status", right=(2, 3))
    for p in plan.policies:
        fmt = (
            (lambda v: f"{100 * v:.1f} %")
            if p.unit == "share"
            else (money if p.unit == "usd" else (lambda v: f"{v:,.1f}"))
        )
        status = Text("binding", style="yellow") if p.binding else Text("slack", style="dim")
        if not p.satisfied:
            status = Text("VIOLATED", style="bold red")
        t.add_row(p.policy, p.scope, fmt(p.limit), fmt(p.value), status)
    return t


def _rollout(plan: Plan) -> Table:
    """Rollout: each new provider, vendor or accelerator's accelerators in service per period,
    pilot periods marked ``p``."""
    r = plan.rollout
    periods = list(plan.periods)
    t = _table("Rollout (accelerators in service; p = pilot)", "new", *periods, right=tuple(range(1, len(periods) + 1)))
    for (kind, entity), g in r.groupby(["kind", "entity"], sort=False):
        cells = []
        for a, phase in zip(g["accelerators"], g["phase"], strict=True):
            text = "" if phase == "before" else f"{a:,.1f}" + (" p" if phase == "pilot" else "")
            cells.append(Text(text, style="yellow") if phase == "pilot" else text)
        t.add_row(f"{kind} {entity}", *cells)
    return t


def _energy(plan: Plan) -> list[Table | Text]:
    """Energy and carbon: where the emissions are, site power, and the abatement cost."""
    out: list[Table | Text] = []
    if not plan.energy:
        return out
    s = plan.energy["summary"].iloc[0]
    intensity = "—" if s["kgco2e_per_kwh"] is None or pd.isna(s["kgco2e_per_kwh"]) else f"{s['kgco2e_per_kwh']:.3f}"
    per_musd = "—" if s["tco2e_per_musd"] is None or pd.isna(s["tco2e_per_musd"]) else f"{s['tco2e_per_musd']:,.1f}"
    t = _table(
        "Energy and carbon", "provider / region", "MWh", "avg kW", "tCO2e", "kgCO2e/kWh", "share", right=(1, 2, 3, 4, 5)
    )
    reg = plan.energy["by_region"].sort_values("co2e_t", ascending=False)
    for r in reg.head(8).itertuples(index=False):
        t.add_row(
            f"{r.provider} / {r.region}",
            f"{r.energy_kwh / 1e3:,.1f}",
            f"{r.average_kw:,.1f}",
            f"{r.co2e_t:,.1f}",
            f"{r.kgco2e_per_kwh:.3f}",
            f"{100 * r.share_of_co2e:.0f} %",
        )
    if len(reg) > 8:
        t.add_row(f"… {len(reg) - 8} more", "", "", "", "", "")
    t.add_row(
        "plan",
        f"{s['energy_kwh'] / 1e3:,.1f}",
        f"{s['average_kw']:,.1f}",
        f"{s['co2e_t']:,.1f}",
        intensity,
        "100 %",
        style="bold",
    )
    out.append(t)
    out.append(
        Text(f"  carbon intensity of the plan: {intensity} kgCO2e/kWh, {per_musd} tCO2e per $1M spent", style="dim")
    )
    if s["embodied_included"]:
        out.append(
            Text(
                f"  includes {s['embodied_co2e_t']:,.1f} tCO2e embodied (manufacturing, per accelerator-hour)",
                style="dim",
            )
        )
    sites = plan.energy["site_power"]
    if len(sites):
        st = _table(
            "Site power",
            "site",
            "capacity kW",
            "peak installed kW",
            "peak average kW",
            "min headroom kW",
            right=(1, 2, 3, 4),
        )
        for name, g in sites.groupby("site", sort=False):
            st.add_row(
                str(name),
                f"{g['capacity_kw'].iloc[0]:,.1f}",
                f"{g['installed_kw'].max():,.1f}",
                f"{g['average_kw'].max():,.1f}",
                f"{g['headroom_kw'].min():,.1f}",
            )
        out.append(st)
    a = plan.abatement
    if a is not None:
        if a.binding and a.usd_per_tco2e_avoided is not None:
            out.append(
                Text(
                    f"Abatement ({a.policy}): the cheapest plan emits {a.cheapest_co2e_t:,.1f} tCO2e for "
                    f"{money(a.cheapest_total_usd)}; this plan {a.plan_co2e_t:,.1f} tCO2e for "
                    f"{money(a.plan_total_usd)}: "
                    f"{a.avoided_tco2e:,.1f} t avoided at {money(a.usd_per_tco2e_avoided)}/tCO2e"
                    + (" (within the solvers' gap: not significant)" if a.within_gap else "")
                )
            )
        else:
            out.append(Text(f"Abatement ({a.policy}): {a.note}", style="dim"))
    return out


def render_plan(console: Console, plan: Plan, *, detail: bool = True) -> None:
    """Print the summary a leader reads in a minute, then the detail tables."""
    console.print(_headline(plan))
    console.print(_costs(plan))
    if len(plan.commitments):
        console.print(_commitments(plan))
    if len(plan.stacks_needed) or len(plan.skills):
        console.print(_skills(plan))
    grid = Table.grid(padding=(0, 4))
    grid.add_row(
        _shares(plan, "provider", "Spend by provider"), _pricing(plan), _shares(plan, "vendor", "Spend by chip vendor")
    )
    console.print(grid)
    for t in _buys(plan):
        console.print(t)
    if len(plan.rollout):
        console.print(_rollout(plan))
    for item in _energy(plan):
        console.print(item)
    if plan.baselines:
        console.print(_baselines(plan))
    if detail:
        console.print(_workloads(plan))
        console.print(_policies(plan))
    for note in plan.notes:
        console.print(f"[dim]note: {note}[/dim]")
