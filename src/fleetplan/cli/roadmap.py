"""``fleetplan roadmap PLAN.json``: the plan as phases per period, with review gates.

Errors are fleetplan errors (InputError exit 2) that ``main`` reports.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from fleetplan.cli._console import emit_json, stdout
from fleetplan.errors import InputError

__all__ = ["roadmap", "roadmap_markdown"]


def roadmap_markdown(doc: dict[str, Any]) -> str:
    """The roadmap as Markdown: one section per period, then the review gates."""
    lines = [f"# Roadmap: {doc.get('scenario')}", "", f"Reviews every {doc['review_cycle_periods']} period(s).", ""]
    for phase in doc["phases"]:
        lines.append(f"## {phase['period']}")
        lines += [f"- {a['text']}" for a in phase["actions"]] or ["- (no change)"]
        lines.append("")
    lines += ["## Review gates", ""]
    for g in doc["review_gates"]:
        lines.append(f"### {g['period']} (covers {', '.join(g['covers'])})")
        lines += [f"- {d}" for d in g["decisions"]] or ["- confirm the plan: nothing new is due"]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def roadmap(
    plan: Annotated[Path, typer.Argument(help="plan JSON (fleetplan plan --json)")],
    as_json: Annotated[bool, typer.Option("--json", help="print the roadmap as JSON (fleetplan.roadmap/1)")] = False,
    fmt: Annotated[str, typer.Option("--format", help="text (default) or md")] = "text",
    review_cycle: Annotated[
        int | None, typer.Option("--review-cycle", help="periods between reviews (default: the plan's)", min=1, max=12)
    ] = None,
) -> None:
    """The plan as phases per period (pilots, scale-ups, onboarding, orders, reservations, wind-downs)
    and review gates with what each decides."""
    from rich.table import Table

    from fleetplan.audit.monitor import load_plan_document
    from fleetplan.report.roadmap import roadmap as build

    if fmt not in ("text", "md"):
        raise InputError("must be text or md", path="--format")
    doc = build(load_plan_document(plan), review_cycle_periods=review_cycle)
    if as_json:
        emit_json(doc)
        return
    if fmt == "md":
        typer.echo(roadmap_markdown(doc), nl=False)
        return
    out = stdout()
    out.print(f"[bold]Roadmap of {doc['scenario']}[/bold]: reviews every {doc['review_cycle_periods']} period(s)")
    t = Table(title="Phases", title_justify="left", title_style="bold", header_style="bold dim", pad_edge=False)
    t.add_column("period")
    t.add_column("actions")
    for phase in doc["phases"]:
        t.add_row(phase["period"], "\n".join(a["text"] for a in phase["actions"]) or "—")
    out.print(t)
    g = Table(title="Review gates", title_justify="left", title_style="bold", header_style="bold dim", pad_edge=False)
    g.add_column("review")
    g.add_column("decides")
    for gate in doc["review_gates"]:
        g.add_row(gate["period"], "\n".join(gate["decisions"]) or "confirm the plan: nothing new is due")
    out.print(g)
