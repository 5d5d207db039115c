"""``fleetplan init`` and ``fleetplan validate``: start a scenario file, check one."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from fleetplan._io import write_text_atomic
from fleetplan.cli._console import emit_json, stdout
from fleetplan.errors import InputError

__all__ = ["EXAMPLE", "init", "validate"]

EXAMPLE = "enterprise.yaml"
"""The bundled example ``fleetplan init`` writes."""


def init(
    directory: Annotated[Path, typer.Argument(help="folder to create the example in")] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="overwrite an existing scenario.yaml")] = False,
) -> None:
    """Write a realistic example scenario (``scenario.yaml``) to DIRECTORY."""
    target = directory / "scenario.yaml"
    if target.exists() and not force:
        raise InputError("already exists; use --force to overwrite", file=str(target))
    text = resources.files("fleetplan.data").joinpath("examples", EXAMPLE).read_text("utf-8")
    write_text_atomic(target, text)
    out = stdout()
    out.print(f"wrote [bold]{target}[/bold]: Northwind Retail, 14 workloads over 8 quarters")
    out.print(f"next: [bold]fleetplan validate {target}[/bold]")


def validate(
    file: Annotated[Path, typer.Argument(help="scenario YAML")],
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """Check a scenario file: structure, units, names and references. Exit 2 on any problem."""
    from fleetplan.load import load_scenario, validation_summary

    summary = validation_summary(load_scenario(file), file=file)
    if as_json:
        emit_json(summary)
        return
    out = stdout()
    labels = summary["periods"]
    kinds = summary["workloads_by_kind"]
    out.print(f"[green]ok[/green] {file}: [bold]{summary['name']}[/bold]")
    out.print(
        f"  {summary['workloads']} workloads ({', '.join(f'{v} {k}' for k, v in kinds.items() if v)}), "
        f"{summary['sites']} owned sites, {len(labels)} periods {labels[0]}..{labels[-1]}"
    )
    out.print(f"  catalog: {summary['offerings']} offerings from {summary['providers']} providers")
