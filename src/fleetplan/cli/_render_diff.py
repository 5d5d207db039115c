"""The diff of two plans for the terminal (rich): ``fleetplan diff``.

Renders a ``fleetplan.diff/1`` document (:func:`fleetplan.report.diff_plans`); every figure shown
is in it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from fleetplan._format import money

__all__ = ["MAX_MOVED", "render_diff"]

MAX_MOVED = 20
"""Moved workloads listed, largest cost change first; beyond this, a count."""


def _table(title: str, *cols: str, right: tuple[int, ...] = ()) -> Table:
    t = Table(title=title, title_justify="left", title_style="bold", header_style="bold dim", pad_edge=False)
    for i, c in enumerate(cols):
        t.add_column(c, justify="right" if i in right else "left")
    return t


def _signed(usd: float) -> str:
    """``+$6.83k``, ``-$98.3k``, ``$0``."""
    return money(usd) if usd <= 0 else "+" + money(usd)


def _pct(row: Mapping[str, Any]) -> str:
    """``+3.5 %``; ``0 %`` without change; ``new`` when the old figure is zero."""
    if not row["delta_usd"]:
        return "0 %"
    return "new" if row["delta_pct"] is None else f"{row['delta_pct']:+.1f} %"


def _colored(usd: float) -> str:
    """A cost change: red when it costs more, green when less."""
    text = _signed(usd)
    return f"[red]{text}[/red]" if usd > 0 else f"[green]{text}[/green]" if usd < 0 else text


def _arrow(row: Mapping[str, Any]) -> str:
    """``$195.6k → $202.5k (+$6.83k, +3.5 %)``."""
    return f"{money(row['old_usd'])} → {money(row['new_usd'])} ({_colored(row['delta_usd'])}, {_pct(row)})"


def _plan_line(side: str, p: Mapping[str, Any]) -> str:
    gap = "gap —" if p.get("gap") is None else f"gap {100 * p['gap']:.2f} %"
    ok = p.get("verification_ok")
    verified = (
        "[green]verified[/green]" if ok else "[yellow]not verified[/yellow]" if ok is None else "[red]FAILED[/red]"
    )
    return f"{side}: {escape(str(p.get('scenario')))} · {p.get('status')} · {gap} · {verified}"


def _placement(p: Mapping[str, Any]) -> str:
    where = " ".join(str(p[k]) for k in ("provider", "region") if p.get(k)) or str(p.get("site") or "—")
    what = p.get("instance_type") or p.get("server_type") or p.get("accelerator") or ""
    return f"{where} {what} ({p.get('pricing_model')})"


def _places(places: Sequence[Mapping[str, Any]]) -> str:
    return " + ".join(escape(_placement(p)) for p in places) or "—"


def _change_rows(t: Table, rows: Sequence[Mapping[str, Any]], name: str, *, shares: bool = False) -> None:
    for r in rows:
        cells = [
            escape(str(r[name])),
            money(r["old_usd"]),
            money(r["new_usd"]),
            _colored(r["delta_usd"]),
            _pct(r),
        ]
        if shares:
            cells.append(f"{r['old_share'] or 0:.0%} → {r['new_share'] or 0:.0%}")
        t.add_row(*cells)


def _mix_line(title: str, rows: Sequence[Mapping[str, Any]], name: str) -> str | None:
    changed = [r for r in rows if r["delta_usd"]]
    if not changed:
        return None
    return f"[bold]{title}[/bold]: " + ", ".join(f"{escape(str(r[name]))} {_colored(r['delta_usd'])}" for r in changed)


def _investments(doc: Mapping[str, Any]) -> Table | None:
    t = _table("Investments", "", "kind", "what", "when", "amount", right=(4,))
    marks = {
        "added": "[green]+ added[/green]",
        "removed": "[red]- removed[/red]",
        "changed": "[yellow]~ changed[/yellow]",
    }
    for change, mark in marks.items():
        for r in doc.get("reservations", {}).get(change, []):
            row = r["new"] if change == "changed" else r
            what = f"{r['provider']} {r['region']} {r['instance_type']} ({r['pricing_model']}) x{row.get('instances')}"
            if change == "changed":
                what += f" (was x{r['old'].get('instances')}; {', '.join(r['changed'])})"
            when = f"{r['start_period']}..{row.get('end_period')}"
            t.add_row(mark, "reservation", escape(what), when, money(row.get("committed_usd")))
        for r in doc.get("purchases", {}).get(change, []):
            row = r["new"] if change == "changed" else r
            what = f"{r['site']} {r['server_type']} x{row.get('servers')}"
            if change == "changed":
                what += f" (was x{r['old'].get('servers')}; {', '.join(r['changed'])})"
            t.add_row(mark, "purchase", escape(what), str(r["period_ordered"]), money(row.get("capex_usd")))
        if change != "changed":
            for name in doc.get("onboarding", {}).get(change, []):
                t.add_row(mark, "onboarding", escape(str(name)), "", "")
    return t if t.row_count else None


def _policies(doc: Mapping[str, Any]) -> Table | None:
    t = _table("Policies", "policy", "scope", "change", "before (value / limit)", "after (value / limit)")
    pol = doc.get("policies", {})

    def vl(p: Mapping[str, Any] | None) -> str:
        if not p:
            return "—"
        state = ("binding" if p["binding"] else "slack") + ("" if p["satisfied"] else ", [red]violated[/red]")
        return f"{_num(p['value'])} / {_num(p['limit'])} ({state})"

    for p in pol.get("changed", []):
        change = p["binding"].replace("_to_", " → ") + (", satisfied changed" if p["satisfied_changed"] else "")
        t.add_row(escape(p["policy"]), escape(p["scope"]), change, vl(p["old"]), vl(p["new"]))
    for p in pol.get("added", []):
        t.add_row(escape(p["policy"]), escape(p["scope"]), "[green]added[/green]", "—", vl(p))
    for p in pol.get("removed", []):
        t.add_row(escape(p["policy"]), escape(p["scope"]), "[red]removed[/red]", vl(p), "—")
    return t if t.row_count else None


def _num(x: float | None) -> str:
    return "—" if x is None else f"{x:,.4g}"


def render_diff(console: Console, doc: Mapping[str, Any], *, max_moved: int = MAX_MOVED) -> None:
    """Print a ``fleetplan.diff/1`` document: headline, periods, providers, moved workloads,
    investments, policies, and both plans' status, gap and verification."""
    old, new = doc["old"], doc["new"]
    console.print(f"[bold]Total[/bold] {_arrow(doc['total'])} · discounted {_arrow(doc['discounted'])}")
    console.print(_plan_line("old", old), highlight=False)
    console.print(_plan_line("new", new), highlight=False)
    console.print()

    t = _table("By period", "period", "old", "new", "change", "%", right=(1, 2, 3, 4))
    _change_rows(t, doc["periods"], "period")
    console.print(t)
    t = _table("By provider", "provider", "old", "new", "change", "%", "share", right=(1, 2, 3, 4))
    _change_rows(t, sorted(doc["by_provider"], key=lambda r: -abs(r["delta_usd"])), "provider", shares=True)
    console.print(t)
    for line in (
        _mix_line("By pricing model", doc["by_pricing_model"], "pricing_model"),
        _mix_line("By chip vendor", doc["by_vendor"], "vendor"),
    ):
        if line:
            console.print(line)
    console.print()

    workloads = doc["workloads"]
    moved = sorted((w for w in workloads if w["moved"]), key=lambda w: (-abs(w["delta_usd"]), w["workload"]))
    if moved:
        t = _table(f"Moved workloads ({len(moved)})", "workload", "periods", "from", "to", "cost change", right=(4,))
        for w in moved[:max_moved]:
            periods = w["moved_periods"]
            span = periods[0] if len(periods) == 1 else f"{periods[0]}..{periods[-1]} ({len(periods)})"
            t.add_row(escape(w["workload"]), span, _places(w["from"]), _places(w["to"]), _colored(w["delta_usd"]))
        console.print(t)
        if len(moved) > max_moved:
            console.print(f"… {len(moved) - max_moved} more (see --json)")
    else:
        console.print("No workload moved.")
    for status in ("added", "removed"):
        names = [w["workload"] for w in workloads if w["status"] == status]
        if names:
            console.print(f"Workloads {status}: {escape(', '.join(names))}")
    changed = sum(1 for w in workloads if w["status"] == "changed")
    if changed:
        console.print(f"{changed} workloads kept their placements with other amounts or costs")
    dropped = doc.get("dropped_workloads", {})
    if dropped.get("added"):
        console.print(f"[yellow]Newly dropped[/yellow]: {escape(', '.join(dropped['added']))}")
    if dropped.get("removed"):
        console.print(f"No longer dropped: {escape(', '.join(dropped['removed']))}")
    console.print()

    inv = _investments(doc)
    console.print(inv if inv is not None else "No investment added, removed or changed.")
    com = doc.get("commitments", {})
    n_com = sum(len(com.get(k, [])) for k in ("added", "removed", "changed"))
    if n_com:
        console.print(f"Existing commitments: {n_com} (commitment, period) rows differ (see --json)")
    pol = _policies(doc)
    console.print(pol if pol is not None else "No policy changed binding or satisfied status.")
