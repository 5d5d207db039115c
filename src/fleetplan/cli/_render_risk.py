"""The risk report for the terminal (rich): ``fleetplan risk``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from fleetplan._format import money

if TYPE_CHECKING:
    from fleetplan.risk.analysis import RiskReport

__all__ = ["render_risk"]


def _table(title: str, *cols: str, right: tuple[int, ...] = ()) -> Table:
    t = Table(
        title=title,
        title_justify="left",
        title_style="bold",
        header_style="bold dim",
        pad_edge=False,
    )
    for i, c in enumerate(cols):
        t.add_column(c, justify="right" if i in right else "left")
    return t


def render_risk(console: Console, r: RiskReport, *, max_events: int | None = None) -> None:
    """Print concentration, contingencies, N-1 premium, shocks, Monte Carlo and runbooks."""
    plan = r.plan
    console.print(
        f"[bold]Risk of the plan for {r.scenario}[/bold]: {money(plan.total_usd)} over "
        f"{len(plan.periods)} periods "
        f"({plan.periods[0]}..{plan.periods[-1]}){_solve_note(plan.solve.status.value, plan.solve.gap)}"
    )
    conc = r.concentration
    t = _table(
        "Concentration over the horizon (HHI 0-10,000; above 1,800 is highly concentrated)",
        "dimension",
        "spend HHI",
        "top (spend share)",
        "capacity HHI",
        "top (capacity share)",
        right=(1, 3),
    )
    sp, cp = conc.horizon("spend"), conc.horizon("capacity")
    for _, s in sp.iterrows():
        c = cp[cp["dimension"] == s["dimension"]]
        c = c.iloc[0] if len(c) else None
        style = "red" if s["hhi"] > 1800 else ""
        t.add_row(
            str(s["dimension"]),
            f"[{style}]{s['hhi']:,.0f}[/{style}]" if style else f"{s['hhi']:,.0f}",
            f"{s['top']} ({s['top_share']:.0%})" if s["top"] else "—",
            f"{c['hhi']:,.0f}" if c is not None else "—",
            f"{c['top']} ({c['top_share']:.0%})" if c is not None and c["top"] else "—",
        )
    console.print(t)
    per = conc.index[
        (conc.index["measure"] == "spend")
        & (conc.index["dimension"] == "provider")
        & (conc.index["scope"] != "horizon")
    ]
    if len(per):
        console.print(
            "Provider spend HHI by period: "
            + ", ".join(f"{s} {h:,.0f}" for s, h in zip(per["scope"], per["hhi"], strict=True))
        )
    console.print()

    cont = r.contingency
    t = _table(
        f"Contingencies: each outage lasts {cont.duration_hours:,.0f} h, worst period, "
        "operations re-planned "
        "(sorted by impact)",
        "event",
        "window",
        "affected",
        "unserved acc-h",
        "critical unserved acc-h",
        "critical services hit",
        "SLO at risk",
        "extra cost",
        right=(2, 3, 4, 7),
    )
    shown = cont.impacts if max_events is None else cont.impacts[:max_events]
    for i in shown:
        crit = i.unserved_critical_accelerator_hours
        t.add_row(
            i.event.name,
            i.window[0][0] if i.window else "—",
            str(len(i.affected)),
            f"{i.unserved_accelerator_hours:,.0f}",
            f"[red]{crit:,.0f}[/red]" if crit > 1e-6 else "0",
            ", ".join(i.critical_unserved) or "—",
            ", ".join(i.slo_at_risk) or "—",
            (money(i.extra_cost_usd) + _gap_note(i.status, i.gap)) if i.ok else i.status,
        )
    console.print(t)
    if max_events is not None and len(cont.impacts) > max_events:
        console.print(f"… and {len(cont.impacts) - max_events} more events (see --json)")
    console.print()

    n1 = r.n_minus_1
    if n1 is not None:
        if n1.status == "ok" and n1.premium_usd is not None:
            share = f" ({n1.premium_share:+.1%})" if n1.premium_share is not None else ""
            console.print(
                f"[bold]N-1 premium[/bold]: {money(n1.premium_usd)}{share}: plain plan "
                f"{money(n1.plain_total_usd)}, "
                f"N-1 plan {money(n1.n_minus_1_total_usd)}; {n1.message}"
                + (
                    f" [yellow](N-1 solve: {n1.solve_status})[/yellow]"
                    if n1.solve_status not in (None, "optimal")
                    else ""
                )
            )
            bounds = n1.premium_bounds_usd
            if (
                bounds is not None
                and bounds[1] - bounds[0] >= 1.0
                and n1.plan is not None
                and n1.plain_plan is not None
            ):
                console.print(
                    f"  premium in the objective (discounted) {money(n1.premium_objective_usd)}, proven between "
                    f"{money(bounds[0])} and {money(bounds[1])} "
                    f"(plain plan gap {_pct(n1.plain_plan.solve.gap)}, N-1 plan gap {_pct(n1.plan.solve.gap)})"
                )
        else:
            console.print(f"[bold]N-1 premium[/bold]: [yellow]{n1.status}[/yellow]: {n1.message}")
        console.print()

    if r.shocks:
        t = _table(
            "Supply shocks (" + r.shocks[0].mode + ")",
            "shock",
            "spend change",
            "unserved acc-h",
            "critical unserved acc-h",
            "largest provider share before → after",
            "note",
            right=(1, 2, 3),
        )
        for s in r.shocks:
            top = next(iter(s.provider_shares_before.items()), None)
            after = s.provider_shares_after.get(top[0]) if top else None
            share = f"{top[0]} {top[1]:.0%} → {after:.0%}" if top and after is not None else "—"
            t.add_row(
                s.name,
                (money(s.delta_usd) + _gap_note(s.status, s.gap)) if s.delta_usd is not None else s.status,
                f"{s.unserved_accelerator_hours:,.0f}",
                f"{s.unserved_critical_accelerator_hours:,.0f}",
                share,
                s.note,
            )
        console.print(t)
        console.print()

    mc = r.monte_carlo
    summ = mc.summary()
    t = _table(
        f"Monte Carlo availability of critical services ({mc.draws:,} draws, seed {mc.seed}, "
        f"{mc.draws_per_s:,.0f} draws/s; no failover during an outage)",
        "workload",
        "P(meets demand, every period)",
        "P(meets demand, per period)",
        "expected unserved acc-h",
        "availability",
        right=(1, 2, 3, 4),
    )
    for s in mc.services.itertuples(index=False):
        t.add_row(
            s.workload,
            f"{s.p_meets_demand_horizon:.1%}",
            f"{s.p_meets_demand_per_period:.1%}",
            f"{s.expected_unserved_accelerator_hours:,.1f}",
            f"{s.availability:.4%}",
        )
    console.print(t)
    console.print(
        "Unserved critical accelerator-hours over the horizon: mean "
        f"{summ['mean_unserved_critical_accelerator_hours']:,.0f}, "
        f"p95 {summ['p95_unserved_critical_accelerator_hours']:,.0f}, p99 "
        f"{summ['p99_unserved_critical_accelerator_hours']:,.0f}"
    )
    if r.runbook_files:
        console.print(f"Runbooks written: {', '.join(r.runbook_files)}")
    elif r.runbooks:
        console.print(f"{len(r.runbooks)} runbooks ready (write them with --runbooks DIR)")
    for note in r.notes:
        console.print(f"[yellow]note[/yellow]: {note}")


def _pct(gap: float | None) -> str:
    return "unknown" if gap is None else f"{gap:.1%}"


def _solve_note(status: str, gap: float | None) -> str:
    """``; gap 4.9 % (time limit)`` after a plan's total: how far from optimal it may be."""
    return f"; gap {_pct(gap)}" + (" (time limit)" if status == "time_limit" else "")


def _gap_note(status: str, gap: float | None) -> str:
    """`` (gap 1.9 %)`` after a figure whose solves stopped at their time limit."""
    return "" if status == "optimal" else f" [yellow](gap {_pct(gap)})[/yellow]"
