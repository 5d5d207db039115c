"""``fleetplan export PLAN.json --to skypilot|dstack|kueue -o DIR`` and ``fleetplan export --check DIR``.

Exit codes: 0 written (or the folder passes the check); 1 the check found problems in the folder's
files (a failed check); 2 bad input: the plan, scenario or risk file, an accelerator or provider the
engine has no name for, or a ``--check`` folder without a readable manifest. The output folder is
written whole or not at all.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Any

import typer

from fleetplan._io import read_json_document
from fleetplan.audit.monitor import load_plan_document
from fleetplan.cli._console import echo
from fleetplan.errors import InputError
from fleetplan.export import check_export, export_plan, failover_order, select_periods, write_export

__all__ = ["export"]


def _risk(path: Path) -> dict[str, Any]:
    return read_json_document(
        path, "fleetplan.risk/1", what="risk", option="--risk", hint="; write one with `fleetplan risk --json`"
    )


def _check(folder: Path) -> int:
    result = check_export(folder)
    for rel in result.edited:
        echo(f"note: {rel} was edited since the export", err=True)
    for problem in result.problems:
        echo(f"fleetplan: check: {problem}", err=True)
    if result.ok:
        echo(f"{folder}: all files valid", err=True)
        return 0
    echo(f"{folder}: {len(result.problems)} problems", err=True)
    return 1


def export(
    plan: Annotated[Path | None, typer.Argument(help="plan JSON (fleetplan plan --json)")] = None,
    to: Annotated[str | None, typer.Option("--to", help="skypilot, dstack or kueue")] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="the folder to write")] = None,
    period: Annotated[str | None, typer.Option("--period", help="the period to export (default: the first)")] = None,
    all_periods: Annotated[bool, typer.Option("--all-periods", help="one sub-folder per plan period")] = False,
    scenario: Annotated[
        Path | None, typer.Option("--scenario", help="the scenario: criticality and owned server sizes")
    ] = None,
    risk: Annotated[
        Path | None, typer.Option("--risk", help="risk JSON: failover order (fleetplan risk --json)")
    ] = None,
    check: Annotated[Path | None, typer.Option("--check", help="re-validate an export folder instead")] = None,
) -> int:
    """Turn a plan into the files SkyPilot, dstack or Kueue take, with a README; or check a folder."""
    if check is not None:
        return _check(check)
    if plan is None or to is None or output is None:
        raise InputError("give PLAN, --to and -o (or --check DIR)", path="export")
    doc = load_plan_document(plan)
    digest = hashlib.sha256(plan.read_bytes()).hexdigest()
    criticality = server_sizes = None
    if scenario is not None:
        from fleetplan.load import load_scenario

        sc = load_scenario(scenario)
        criticality = {w.name: w.criticality for w in sc.workloads}
        server_sizes = {st.name: st.accelerators_per_server for st in sc.server_types}
    result = export_plan(
        doc,
        to,
        periods=select_periods(doc, period, all_periods),
        criticality=criticality,
        failover=failover_order(_risk(risk)) if risk else None,
        server_sizes=server_sizes,
        plan_file=plan.name,
        plan_sha256=digest,
    )
    folder = write_export(result, output)
    for note in result.notes:
        echo(f"note: {note}", err=True)
    echo(f"wrote {folder} ({len(result.files)} files, {to}, {', '.join(result.periods)})", err=True)
    return 0
