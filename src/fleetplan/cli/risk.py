"""``fleetplan risk FILE``: concentration, contingencies, N-1, shocks, Monte Carlo, runbooks.

Errors are fleetplan errors (InputError exit 2, FleetplanError exit 1) that ``main`` reports.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fleetplan.cli._console import RISK_WIDTH, emit_json, spinner, stdout
from fleetplan.errors import InputError

__all__ = ["risk"]


def risk(
    file: Annotated[Path, typer.Argument(help="scenario YAML")],
    as_json: Annotated[
        bool, typer.Option("--json", help="print the whole risk report as JSON (fleetplan.risk/1)")
    ] = False,
    runbooks: Annotated[
        Path | None,
        typer.Option(
            "--runbooks",
            help="write one Markdown runbook per critical workload to DIR",
            metavar="DIR",
        ),
    ] = None,
    time_limit: Annotated[
        float,
        typer.Option("--time-limit", help="solver time limit per plan (the plan, its N-1 counterpart), seconds"),
    ] = 25.0,
    gap: Annotated[float, typer.Option("--gap", help="relative optimality gap of the plans (0.005 = 0.5 %)")] = 5e-3,
    event_time_limit: Annotated[
        float,
        typer.Option("--event-time-limit", help="solver time limit per re-solve of a contingency or shock, seconds"),
    ] = 3.0,
    duration: Annotated[
        float | None,
        typer.Option(
            "--duration",
            help="hours each contingency lasts (default: risk.contingency_duration_hours, 168)",
        ),
    ] = None,
    no_n_minus_1: Annotated[bool, typer.Option("--no-n-minus-1", help="skip the N-1 plan and its premium")] = False,
    shock: Annotated[
        list[str] | None,
        typer.Option(
            "--shock",
            help="vendor_delay:VENDOR:PERIODS, price:PROVIDER:INCREASE or spot_cap:SHARE[:PROVIDERS] (repeatable)",
        ),
    ] = None,
    replan_shocks: Annotated[
        bool,
        typer.Option(
            "--replan-shocks",
            help="re-plan each shock from scratch (slow) instead of re-running operations",
        ),
    ] = False,
    draws: Annotated[
        int | None,
        typer.Option("--draws", help="Monte Carlo draws (default: risk.monte_carlo_draws)", min=100),
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Monte Carlo seed (default: risk.seed)", min=0)] = None,
    solver: Annotated[
        str,
        typer.Option(
            "--solver",
            help="solver of every plan and re-solve: highs (default), gurobi, copt or xpress "
            '(each installed with pip install "fleetplan[NAME]")',
        ),
    ] = "highs",
) -> None:
    """Stress-test the plan: concentration, contingencies, N-1, shocks, Monte Carlo, runbooks.

    Every figure comes with the gap its solve reached within its time limit. Exit code 1 when the
    scenario has no feasible plan, 2 on bad input; an N-1 re-plan or a shock that fails is
    reported beside the rest, not as an error.
    """
    from fleetplan.cli._render_risk import render_risk
    from fleetplan.load import load_scenario
    from fleetplan.optimize import solver_from_name
    from fleetplan.risk.analysis import analyze_risk
    from fleetplan.risk.report import risk_to_dict
    from fleetplan.risk.runbooks import write_runbooks
    from fleetplan.risk.shocks import parse_shock

    if duration is not None and duration <= 0:
        raise InputError("must be a positive number of hours", path="--duration")
    if runbooks is not None and runbooks.exists() and not runbooks.is_dir():
        raise InputError("exists and is not a directory", file=str(runbooks), path="--runbooks")
    shocks = [parse_shock(s) for s in shock] if shock else None
    backend = solver_from_name(solver)
    sc = load_scenario(file)
    with spinner("risk analysis …") as update:
        report = analyze_risk(
            sc,
            time_limit_s=time_limit,
            mip_rel_gap=gap,
            event_time_limit_s=event_time_limit,
            duration_hours=duration,
            n_minus_1=False if no_n_minus_1 else None,
            shocks=shocks,
            shock_mode="replan" if replan_shocks else "operations",
            draws=draws,
            seed=seed,
            status=update,
            solver=backend,
        )
    if runbooks is not None:
        report.runbook_files = write_runbooks(runbooks, sc, report.runbooks)
    if as_json:
        emit_json(risk_to_dict(report))
        return
    render_risk(stdout(RISK_WIDTH), report)
