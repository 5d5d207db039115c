"""``fleetplan diff OLD.json NEW.json``: what changes from one plan document to another.

Both files are ``fleetplan.plan/1`` documents (``fleetplan plan --json`` or ``-o``). Exit code 0
whenever the two can be compared, whatever changed; 2 (one line naming the file) when one is not a
plan document.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fleetplan._format import json_text
from fleetplan._io import write_text_atomic
from fleetplan.cli._console import emit_json, stdout
from fleetplan.errors import InputError

__all__ = ["diff"]


def diff(
    old: Annotated[Path, typer.Argument(help="the plan before (fleetplan.plan/1 JSON)")],
    new: Annotated[Path, typer.Argument(help="the plan after (fleetplan.plan/1 JSON)")],
    as_json: Annotated[bool, typer.Option("--json", help="print the whole diff as JSON (fleetplan.diff/1)")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="write the diff JSON here")] = None,
) -> None:
    """Compare two plans: cost by period, provider, pricing model and vendor; moved workloads;
    investments, onboarding and commitments added or removed; policies turning binding or slack."""
    from fleetplan.audit.monitor import load_plan_document
    from fleetplan.cli._render_diff import render_diff
    from fleetplan.report import diff_plans

    before, after = load_plan_document(old), load_plan_document(new)
    try:
        doc = diff_plans(before, after)
    except InputError as exc:  # the library names the side ("old.costs[2]..."); the user knows files
        side, _, rest = (exc.path or "").partition(".")
        raise InputError(exc.message, file=str(old if side == "old" else new), path=rest or None) from exc
    if output is not None:
        write_text_atomic(output, json_text(doc))
    if as_json:
        emit_json(doc)
        return
    out = stdout()
    render_diff(out, doc)
    if output is not None:
        out.print(f"wrote [bold]{output}[/bold]")
