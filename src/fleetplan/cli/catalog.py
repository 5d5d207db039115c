"""``fleetplan catalog`` (list offerings) and ``fleetplan catalog import`` (SkyPilot CSVs)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fleetplan.cli._console import emit_json, stderr, stdout
from fleetplan.errors import InputError

__all__ = ["catalog_app", "catalog_import", "catalog_list"]

catalog_app = typer.Typer(
    help="Browse and import the multi-vendor catalog of offerings.",
    invoke_without_command=True,
    pretty_exceptions_enable=False,
)


@catalog_app.callback()
def catalog_list(
    ctx: typer.Context,
    accelerator: Annotated[
        list[str] | None, typer.Option("--accelerator", "-a", help="accelerator name or alias (repeatable)")
    ] = None,
    provider: Annotated[list[str] | None, typer.Option("--provider", "-p", help="provider (repeatable)")] = None,
    region: Annotated[list[str] | None, typer.Option("--region", "-r", help="region (repeatable)")] = None,
    pricing_model: Annotated[
        list[str] | None, typer.Option("--pricing-model", "-m", help="on_demand, spot, reserved_1y, reserved_3y, owned")
    ] = None,
    kind: Annotated[list[str] | None, typer.Option("--kind", "-k", help="cloud, gpu_cloud, onprem, colo, edge")] = None,
    vendor: Annotated[
        list[str] | None, typer.Option("--vendor", help="chip vendor: NVIDIA, AMD, Google, AWS, Intel")
    ] = None,
    skypilot: Annotated[
        Path | None, typer.Option("--skypilot", help="list a SkyPilot catalog folder instead of the bundled one")
    ] = None,
    scenario: Annotated[Path | None, typer.Option("--scenario", help="list the catalog a scenario resolves to")] = None,
    sort: Annotated[
        str, typer.Option("--sort", help="usd_per_accelerator_hour, price_usd_per_hour, provider, accelerator")
    ] = "usd_per_accelerator_hour",
    limit: Annotated[int | None, typer.Option("--limit", "-n", help="show at most N rows (table only)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="every matching row with its source")] = False,
) -> None:
    """List offerings, cheapest accelerator-hour first (like SkyPilot's GPU listing)."""
    if ctx.invoked_subcommand is not None:
        return
    from fleetplan.catalog.assemble import build_catalog
    from fleetplan.catalog.listing import filter_offerings, offerings_json
    from fleetplan.cli._render_catalog import render_offerings

    if scenario is not None:
        from fleetplan.load import load_scenario, scenario_catalog

        cat = scenario_catalog(load_scenario(scenario))
    elif skypilot is not None:
        cat = build_catalog(builtin=False, skypilot=skypilot)
    else:
        cat = build_catalog()
    rows = filter_offerings(
        cat.offerings,
        accelerators=accelerator,
        providers=provider,
        regions=region,
        pricing_models=pricing_model,
        kinds=kind,
        vendors=vendor,
        sort=sort,
    )
    if as_json:
        emit_json(offerings_json(rows))
        return
    render_offerings(stdout(), rows, limit=limit, total=len(cat.offerings))


@catalog_app.command("import")
def catalog_import(
    skypilot: Annotated[Path, typer.Option("--skypilot", help="SkyPilot catalog folder (e.g. ~/.sky/catalogs/v8)")],
    output: Annotated[Path, typer.Option("--output", "-o", help="catalog CSV to write")],
    strict: Annotated[bool, typer.Option("--strict", help="stop at the first malformed row (exit 2)")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable summary")] = False,
) -> None:
    """Import SkyPilot catalog CSVs into a fleetplan catalog CSV. Malformed rows are listed, never dropped silently."""
    from fleetplan.catalog.csvio import write_offerings_csv
    from fleetplan.catalog.skypilot import import_skypilot, import_summary

    if not skypilot.exists():
        raise InputError("SkyPilot catalog folder not found", file=str(skypilot))
    result = import_skypilot(skypilot, strict=strict)
    write_offerings_csv(result.offerings, output)
    summary = import_summary(result, output)
    if as_json:
        emit_json(summary)
        return
    out, err = stdout(), stderr()
    for p in summary["problems"]:
        err.print(f"[yellow]warning[/yellow]: {p} (row skipped)", highlight=False)
    out.print(
        f"wrote [bold]{output}[/bold]: {summary['offerings']} offerings from "
        f"{len(summary['offerings_by_provider'])} providers ({len(summary['files'])} files)"
    )
    if summary["skipped"]:
        parts = ", ".join(f"{k}={v}" for k, v in summary["skipped"].items())
        out.print(f"  rows left out on purpose: {parts}", highlight=False)
    if summary["problems"]:
        out.print(
            f"  [yellow]{len(summary['problems'])} malformed rows skipped[/yellow] "
            "(listed above; --strict makes them fatal)"
        )
