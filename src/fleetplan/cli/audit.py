"""``fleetplan audit BILLING...``: where the money goes today, from FOCUS bills; a plan against actuals.

Errors are fleetplan errors (InputError exit 2) that ``main`` reports; nothing is written when
the audit fails (``-o`` and ``--to-scenario`` files are written atomically at the end).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fleetplan.cli._console import RISK_WIDTH, echo, emit_json, spinner, stdout
from fleetplan.errors import InputError

__all__ = ["audit"]


def audit(
    billing: Annotated[list[Path], typer.Argument(help="FOCUS exports: CSV, CSV.gz or Parquet files, or folders")],
    scenario: Annotated[
        Path | None,
        typer.Option("--scenario", help="scenario YAML: catalog to compare prices with, and the hindsight plan"),
    ] = None,
    plan: Annotated[
        Path | None, typer.Option("--plan", help="plan JSON (fleetplan plan --json): planned against actual")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the audit as JSON (fleetplan.audit/1)")] = False,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="write the audit JSON to this file")] = None,
    to_scenario: Annotated[
        Path | None,
        typer.Option("--to-scenario", help="write a scenario skeleton from the bill (providers, commitments, usage)"),
    ] = None,
    periods: Annotated[int, typer.Option("--periods", help="quarters of the --to-scenario horizon", min=1, max=40)] = 8,
    threshold: Annotated[
        float, typer.Option("--threshold", help="flag plan lines whose actual spend differs by more than this share")
    ] = 0.10,
    tag: Annotated[
        list[str] | None,
        typer.Option("--tag", help="break spend down by this tag key (repeatable; default: the two most frequent)"),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="a bad row is an error (exit 2), not a counted omission")
    ] = False,
    hindsight_time_limit: Annotated[
        float, typer.Option("--hindsight-time-limit", help="solver time limit of the hindsight plan, seconds")
    ] = 30.0,
) -> None:
    """Audit FOCUS billing exports: spend, AI compute and its prices, commitments, concentration,
    energy; with --plan, planned against actual; with --scenario, what the planner would have paid."""
    from fleetplan._format import json_text
    from fleetplan._io import write_text_atomic
    from fleetplan.audit import analyze_bill, audit_to_dict, compare_plan, hindsight, load_plan_document, read_bills
    from fleetplan.audit.from_bill import scenario_yaml_from_bill
    from fleetplan.cli._render_audit import render_audit

    if not 0 < threshold < 10:
        raise InputError("must be a share between 0 and 10 (0.1 = 10 %)", path="--threshold")
    sc = None
    if scenario is not None:
        from fleetplan.load import load_scenario, scenario_catalog

        sc = load_scenario(scenario)
    doc = load_plan_document(plan) if plan is not None else None
    with spinner("reading bills …") as update, read_bills(billing, strict=strict) as bill:
        if update:
            update("analyzing …")
        offerings = regions = None
        if sc is not None:
            cat = scenario_catalog(sc)
            offerings, regions = cat.offerings, cat.regions
        result = analyze_bill(bill, offerings=offerings, regions=regions, tags=tag)
        if doc is not None:
            result.monitor = compare_plan(
                doc, result.usage, threshold=threshold, review_cycle_periods=sc.review_cycle_periods if sc else 1
            )
        if sc is not None:
            if update:
                update("hindsight plan …")
            result.hindsight = hindsight(bill, result, sc, time_limit_s=hindsight_time_limit)
        scenario_text = None
        if to_scenario is not None:
            try:
                scenario_text, _ = scenario_yaml_from_bill(bill, result, periods=periods)
            except ValueError as exc:
                raise InputError(str(exc), path="--to-scenario") from exc
    data = audit_to_dict(result)
    if output is not None:
        write_text_atomic(output, json_text(data))
    if scenario_text is not None and to_scenario is not None:
        write_text_atomic(to_scenario, scenario_text)
    if as_json:
        emit_json(data)
        return
    render_audit(stdout(RISK_WIDTH), result)
    if output is not None:
        echo(f"wrote {output}", err=True)
    if to_scenario is not None:
        echo(f"wrote {to_scenario} (a skeleton: check it with `fleetplan validate {to_scenario}`)", err=True)
