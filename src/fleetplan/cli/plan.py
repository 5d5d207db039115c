"""``fleetplan plan``: the cheapest verified plan of a scenario."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fleetplan._format import json_text, money
from fleetplan._io import write_text_atomic
from fleetplan.cli._console import emit_json, spinner, stdout

__all__ = ["plan"]


def plan(
    file: Annotated[Path, typer.Argument(help="scenario YAML")],
    as_json: Annotated[bool, typer.Option("--json", help="print the full plan as JSON (fleetplan.plan/1)")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="write the full plan JSON here")] = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="write the plan report here (.html, or .md for Markdown)")
    ] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", help="solver time limit, seconds")] = 300.0,
    gap: Annotated[
        float, typer.Option("--gap", help="relative optimality gap at which to stop (0.005 = 0.5 %)")
    ] = 5e-3,
    no_baselines: Annotated[bool, typer.Option("--no-baselines", help="skip the baseline comparisons")] = False,
    brief: Annotated[bool, typer.Option("--brief", help="summary only, no per-workload and policy tables")] = False,
    engine: Annotated[
        str | None,
        typer.Option(
            "--engine",
            help="where large models' neighbourhood search runs: local (processes, default), serial, "
            "dask://host:8786, ray://host:10001",
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="seed of the solver and the neighbourhood search", min=0)] = 0,
    solver: Annotated[
        str,
        typer.Option(
            "--solver",
            help="solver of the LP relaxation and branch-and-bound: highs (default), gurobi, copt or xpress "
            '(each installed with pip install "fleetplan[NAME]")',
        ),
    ] = "highs",
) -> None:
    """Plan the scenario: the cheapest verified plan over every period, with baselines.

    Exit code 1 when no plan satisfies the scenario (the conflicting requirements are named); 2 on
    bad input, including a solver that is unknown or not installed.
    """
    from fleetplan.cli._render_plan import render_plan
    from fleetplan.load import load_scenario
    from fleetplan.optimize import optimize, solver_from_name
    from fleetplan.report import plan_to_dict

    backend = solver_from_name(solver)
    sc = load_scenario(file)
    with spinner("solving …", enabled=not as_json) as update:
        stage = ["solving …"]

        def progress(p) -> None:  # type: ignore[no-untyped-def]
            if update is not None:
                gap_txt = f"{100 * p.gap:.2f} %" if p.gap is not None else "—"
                update(
                    f"{stage[0]} {p.time_s:.0f} s · best {money(p.incumbent_usd)} · "
                    f"bound {money(p.bound_usd)} · gap {gap_txt}"
                )

        def status(message: str) -> None:
            stage[0] = message
            if update is not None:
                update(message)

        result = optimize(
            sc,
            time_limit_s=time_limit,
            mip_rel_gap=gap,
            progress=progress,
            status=status,
            baselines=not no_baselines,
            engine=engine,
            seed=seed,
            solver=backend,
        )
    doc = plan_to_dict(result)
    if output is not None:
        write_text_atomic(output, json_text(doc))
    if report is not None:
        from fleetplan.cli.report import write_report

        write_report(doc, report)
    if as_json:
        emit_json(doc)
        return
    out = stdout()
    render_plan(out, result, detail=not brief)
    for path in (output, report):
        if path is not None:
            out.print(f"wrote [bold]{path}[/bold]")
