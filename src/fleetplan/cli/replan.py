"""``fleetplan replan SCENARIO --plan PREVIOUS.json --as-of PERIOD``: a rolling horizon.

The previous plan's decisions up to and including ``--as-of`` are fixed (purchases as existing
hardware, reservations as commitments, providers used as onboarded); the periods after it are
re-planned, optionally with demand re-estimated from billing exports (``--actuals``), and the new
plan is shown with its diff against the previous plan's same periods. Exit code 0 with a verified
plan; 1 when the periods left have no plan; 2 on bad input (``--as-of`` outside the previous plan
or at its end, a file that is not a plan document, a bad bill).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fleetplan._format import json_text
from fleetplan._io import write_text_atomic
from fleetplan.cli._console import emit_json, spinner, stdout

__all__ = ["replan"]


def replan(
    file: Annotated[Path, typer.Argument(help="scenario YAML (its horizon's end is the re-plan's end)")],
    previous: Annotated[Path, typer.Option("--plan", help="the previous plan (fleetplan.plan/1 JSON)")],
    as_of: Annotated[
        str, typer.Option("--as-of", help="last period whose decisions are taken, e.g. 2027Q2; the rest is re-planned")
    ],
    actuals: Annotated[
        list[Path] | None,
        typer.Option("--actuals", help="FOCUS billing export(s) up to --as-of: re-estimate demand from them"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help='print {"plan", "diff", "fixed", "notes"} as JSON')] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="write the new plan JSON here")] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", help="solver time limit, seconds")] = 300.0,
    gap: Annotated[
        float, typer.Option("--gap", help="relative optimality gap at which to stop (0.005 = 0.5 %)")
    ] = 5e-3,
    no_baselines: Annotated[bool, typer.Option("--no-baselines", help="skip the baseline comparisons")] = False,
    seed: Annotated[int, typer.Option("--seed", help="seed of the solver and the neighbourhood search", min=0)] = 0,
) -> None:
    """Re-plan from where you are: fix the previous plan up to --as-of, re-optimize the rest, show the diff."""
    from fleetplan.audit import analyze_bill, load_plan_document, read_bills
    from fleetplan.cli._render_diff import render_diff
    from fleetplan.cli._render_plan import render_plan
    from fleetplan.load import load_scenario, scenario_catalog
    from fleetplan.replan import replan as run_replan
    from fleetplan.report import plan_to_dict

    sc = load_scenario(file)
    doc = load_plan_document(previous)
    usage = None
    if actuals:
        with spinner("reading bills …", enabled=not as_json), read_bills(actuals) as bill:
            cat = scenario_catalog(sc)
            usage = analyze_bill(bill, offerings=cat.offerings, regions=cat.regions, tags=[]).usage
    with spinner("re-planning …", enabled=not as_json):
        result = run_replan(
            sc,
            doc,
            as_of,
            actuals=usage,
            time_limit_s=time_limit,
            mip_rel_gap=gap,
            baselines=not no_baselines,
            seed=seed,
        )
    plan_doc = plan_to_dict(result.plan)
    if output is not None:
        write_text_atomic(output, json_text(plan_doc))
    if as_json:
        emit_json({"plan": plan_doc, "diff": result.diff, "fixed": result.fixed.to_dict(), "notes": list(result.notes)})
        return
    out = stdout()
    for note in result.notes:
        out.print(note, highlight=False, markup=False)
    out.print()
    render_plan(out, result.plan, detail=False)
    out.print()
    out.print(f"[bold]Against the previous plan, {result.fixed.periods[0]}..{result.fixed.periods[-1]}[/bold]")
    render_diff(out, result.diff)
    if output is not None:
        out.print(f"wrote [bold]{output}[/bold]")
