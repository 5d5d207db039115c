"""``fleetplan report PLAN.json -o report.html``: the plan as a self-contained HTML page or Markdown.

Errors are fleetplan errors (InputError exit 2) that ``main`` reports; the output file is written
atomically, only when the report is complete.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from fleetplan.cli._console import echo
from fleetplan.errors import InputError

__all__ = ["report", "write_report"]


def _load(path: Path, schema: str, option: str) -> dict[str, Any]:
    from fleetplan._io import read_json_document

    return read_json_document(path, schema, what=schema.split(".")[1].split("/")[0], option=option)


def write_report(
    plan: dict[str, Any],
    output: Path,
    *,
    fmt: str | None = None,
    risk: dict[str, Any] | None = None,
    audit: dict[str, Any] | None = None,
    compare: dict[str, Any] | None = None,
) -> Path:
    """Write the report of ``plan`` to ``output`` as HTML or Markdown (``fmt``, else by suffix)."""
    from fleetplan._io import write_text_atomic
    from fleetplan.report.html import plan_report_html, plan_report_markdown

    kind = fmt or ("md" if output.suffix.lower() in (".md", ".markdown") else "html")
    if kind not in ("html", "md"):
        raise InputError("must be html or md", path="--format")
    render = plan_report_markdown if kind == "md" else plan_report_html
    return write_text_atomic(output, render(plan, risk=risk, audit=audit, compare=compare))


def report(
    plan: Annotated[Path, typer.Argument(help="plan JSON (fleetplan plan --json)")],
    output: Annotated[Path, typer.Option("-o", "--output", help="the report file (.html or .md)")],
    risk: Annotated[Path | None, typer.Option("--risk", help="risk JSON (fleetplan risk --json)")] = None,
    audit: Annotated[Path | None, typer.Option("--audit", help="audit JSON (fleetplan audit -o)")] = None,
    compare: Annotated[Path | None, typer.Option("--compare", help="an earlier plan JSON to show the changes")] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="html or md (default: from the file suffix)")] = None,
) -> None:
    """Write the plan report: headline, spend, policies, capacity, placements, purchases and
    reservations, energy; risk, audit and the comparison with an earlier plan when given."""
    doc = _load(plan, "fleetplan.plan/1", "PLAN")
    extra = {
        "risk": _load(risk, "fleetplan.risk/1", "--risk") if risk else None,
        "audit": _load(audit, "fleetplan.audit/1", "--audit") if audit else None,
        "compare": _load(compare, "fleetplan.plan/1", "--compare") if compare else None,
    }
    path = write_report(doc, output, fmt=fmt, **extra)
    echo(f"wrote {path}", err=True)
