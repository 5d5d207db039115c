"""The audit for the terminal (rich): ``fleetplan audit``, read by a FinOps analyst in a minute."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from fleetplan._format import money

if TYPE_CHECKING:
    from fleetplan.audit.analysis import Audit

__all__ = ["render_audit"]

_TOP = 8


def _usd(x: float | None) -> str:
    if x is None:
        return "—"
    if abs(x) >= 1e4:
        return money(x)
    return f"{'-' if x < 0 else ''}${abs(x):,.2f}"


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.0%}"


def _table(title: str, *cols: str, right: tuple[int, ...] = ()) -> Table:
    t = Table(title=title, title_justify="left", title_style="bold", header_style="bold dim", pad_edge=False)
    for i, c in enumerate(cols):
        t.add_column(c, justify="right" if i in right else "left")
    return t


def render_audit(console: Console, a: Audit) -> None:
    """Headline, spend breakdowns, AI compute and prices, commitments, concentration, energy,
    data quality, and the comparison with a plan when there is one."""
    t = a.totals
    files = ", ".join(f"{f['path']} (FOCUS {f['focus_version']}, {f['rows']:,} rows)" for f in a.files)
    console.print(f"[bold]Audit of {len(a.files)} bill file{'s' if len(a.files) != 1 else ''}[/bold]: {files}")
    console.print(
        f"{a.period_start or '?'} .. {a.period_end or '?'}: amortized {_usd(t['amortized_usd'])}, "
        f"cash {_usd(t['cash_usd'])}, list {_usd(t['list_usd'])}; AI compute {_usd(t['ai_compute_amortized_usd'])} "
        f"amortized ({t['accelerator_hours']:,.0f} accelerator-hours)"
    )
    _spend(console, a)
    _ai(console, a)
    _commitments(console, a)
    _concentration(console, a)
    e = a.energy_totals
    if e.get("accelerator_hours"):
        console.print(
            f"[bold]Energy and emissions of AI compute[/bold] (estimate, planner's power model): "
            f"{e['energy_kwh']:,.0f} kWh, {e['co2e_t']:,.2f} tCO2e"
        )
    if a.monitor is not None:
        _monitor(console, a.monitor)
    if a.hindsight is not None:
        h = a.hindsight
        console.print(f"[bold]Hindsight[/bold]: {h.get('summary', '')}")
    _quality(console, a)


def _spend(console: Console, a: Audit) -> None:
    for key, title in (
        ("month", "Spend per month"),
        ("provider", "Spend per provider"),
        ("pricing_category", "Spend per pricing category"),
        ("service_category", "Spend per service category"),
    ):
        frame = a.spend.get(key)
        if frame is None or frame.empty:
            continue
        tbl = _table(title, key.replace("_", " "), "amortized", "cash", "list", "rows", right=(1, 2, 3, 4))
        for r in frame.head(_TOP).itertuples(index=False):
            tbl.add_row(str(r[0]), _usd(r.amortized_usd), _usd(r.cash_usd), _usd(r.list_usd), f"{r.rows:,}")
        if len(frame) > _TOP:
            tbl.add_row(f"… {len(frame) - _TOP} more", "", "", "", "")
        console.print(tbl)


def _ai(console: Console, a: Audit) -> None:
    if not a.prices.empty:
        tbl = _table(
            "AI compute: price paid per accelerator-hour against the catalog",
            "provider",
            "accelerator",
            "pricing",
            "acc-hours",
            "amortized",
            "paid $/h",
            "catalog same provider",
            "catalog best",
            "best offering",
            right=(3, 4, 5, 6, 7),
        )
        for r in a.prices.head(_TOP * 2).itertuples(index=False):
            tbl.add_row(
                r.provider,
                r.accelerator,
                r.pricing_category,
                f"{r.accelerator_hours:,.0f}",
                _usd(r.cost_usd),
                f"{r.paid_usd_per_accelerator_hour:,.2f}",
                "—"
                if r.catalog_same_provider_usd_per_accelerator_hour is None
                else f"{r.catalog_same_provider_usd_per_accelerator_hour:,.2f}",
                "—"
                if r.catalog_best_usd_per_accelerator_hour is None
                else f"{r.catalog_best_usd_per_accelerator_hour:,.2f}",
                r.catalog_best_offering or "—",
            )
        console.print(tbl)
    u = a.unmapped_totals
    if u["rows"]:
        console.print(
            f"Compute usage naming no known instance type or accelerator: {u['rows']:,} rows, {_usd(u['cost_usd'])} "
            "amortized (listed in --json under ai_compute.unmapped_compute; not guessed)"
        )


def _commitments(console: Console, a: Audit) -> None:
    c = a.commitment_totals
    if not len(a.commitments):
        return
    console.print(
        f"[bold]Commitments[/bold]: {len(a.commitments)}; utilization {_pct(c['utilization'])} "
        f"(unused {_usd(c['unused_usd'])}), compute coverage {_pct(c['compute_coverage'])}, "
        f"effective savings rate {_pct(c['effective_savings_rate'])}"
    )


def _concentration(console: Console, a: Audit) -> None:
    parts = []
    for key, label in (("provider", "spend per provider"), ("chip_vendor", "AI spend per chip vendor")):
        c: dict[str, Any] = a.concentration.get(key) or {}
        if c.get("shares"):
            top, share = next(iter(c["shares"].items()))
            parts.append(f"{label}: HHI {c['hhi']:,.0f} (top {top} {share:.0%})")
    if parts:
        console.print("[bold]Concentration[/bold]: " + "; ".join(parts) + " (above 1,800 is highly concentrated)")


def _monitor(console: Console, m: dict[str, Any]) -> None:
    rows = m.get("by_period_provider") or []
    tbl = _table(
        f"Plan against actuals (flagged: variance above {m['threshold']:.0%}; "
        f"next review {m.get('next_review') or '—'})",
        "period",
        "provider",
        "planned",
        "actual",
        "variance",
        "planned acc-h",
        "actual acc-h",
        "",
        right=(2, 3, 4, 5, 6),
    )
    for r in rows:
        tbl.add_row(
            r["period"],
            r["provider"],
            _usd(r["planned_usd"]),
            _usd(r["actual_usd"]),
            _pct(r["variance"]) if r["variance"] is not None else "new",
            f"{r['planned_accelerator_hours']:,.0f}",
            f"{r['actual_accelerator_hours']:,.0f}",
            "[red]flag[/red]" if r["flagged"] else "",
        )
    console.print(tbl)


def _quality(console: Console, a: Audit) -> None:
    if a.problem_count:
        console.print(
            f"[yellow]{a.problem_count:,} row{'s' if a.problem_count != 1 else ''} left out of every figure[/yellow] "
            "(bad values; --strict makes them fatal):"
        )
        for p in a.problems[:5]:
            where = p["file"] + (f":{p['line']}" if p["line"] else "")
            console.print(f"  {where}: {p['column'] + ': ' if p['column'] else ''}{p['message']}", markup=False)
        if a.problem_count > 5:
            console.print(f"  … {a.problem_count - 5:,} more in --json under data_quality.problems")
    for note in a.quality:
        console.print(f"note: {note}", markup=False)
    for note in a.notes:
        console.print(f"note: {note}", markup=False)
