"""``fleetplan catalog`` (list offerings), ``catalog import`` (SkyPilot CSVs), ``catalog refresh``
(the providers' public price lists) and ``catalog diff`` (what changed between two catalog CSVs)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from fleetplan.cli._console import echo, emit_json, stderr, stdout
from fleetplan.errors import InputError

__all__ = ["catalog_app", "catalog_diff", "catalog_import", "catalog_list", "catalog_refresh"]

catalog_app = typer.Typer(
    help="Browse, import and refresh the multi-vendor catalog of offerings.",
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


def _cache_default() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "fleetplan" / "prices"


@contextmanager
def _progress_bar(enabled: bool) -> Iterator[Callable[[str, int, int | None], None] | None]:
    """A rich progress bar on standard error (a terminal only): one line per price list."""
    err = stderr()
    if not (enabled and err.is_terminal):
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,.0f}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )
    tasks: dict[str, Any] = {}

    def update(label: str, done: int, total: int | None) -> None:
        if label not in tasks:
            tasks[label] = bar.add_task(label, total=total)
        bar.update(tasks[label], completed=done, total=total)

    with bar:
        yield update


@catalog_app.command("refresh")
def catalog_refresh(
    output: Annotated[Path, typer.Option("--output", "-o", help="catalog CSV to write")],
    azure: Annotated[bool, typer.Option("--azure", help="Azure Retail Prices API (public)")] = False,
    aws: Annotated[bool, typer.Option("--aws", help="AWS Price List offer files (public)")] = False,
    gcp: Annotated[bool, typer.Option("--gcp", help="Google Cloud Billing Catalog API (needs --api-key-env)")] = False,
    regions: Annotated[
        list[str] | None,
        typer.Option(
            "--regions",
            "-r",
            help="regions, comma-separated or repeated; provider:region when unclear "
            "(default: the bundled catalog's regions of each source)",
        ),
    ] = None,
    api_key_env: Annotated[
        str | None, typer.Option("--api-key-env", help="environment variable holding the GCP API key")
    ] = None,
    azure_url: Annotated[
        str | None, typer.Option("--azure-url", envvar="FLEETPLAN_AZURE_PRICES_URL", help="Azure prices base URL")
    ] = None,
    aws_url: Annotated[
        str | None, typer.Option("--aws-url", envvar="FLEETPLAN_AWS_PRICES_URL", help="AWS offer files base URL")
    ] = None,
    gcp_url: Annotated[
        str | None, typer.Option("--gcp-url", envvar="FLEETPLAN_GCP_PRICES_URL", help="GCP Cloud Billing base URL")
    ] = None,
    aws_format: Annotated[str, typer.Option("--aws-format", help="csv (streamed) or json offer files")] = "csv",
    commitments: Annotated[
        str, typer.Option("--commitments", help="reserved rows from: cheapest, reservation, savings_plan")
    ] = "cheapest",
    cache_dir: Annotated[
        Path | None, typer.Option("--cache-dir", help="cache folder (one subfolder per fetch date)")
    ] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="fetch everything again, keep nothing")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="an unmapped SKU or unreadable price is an error")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable summary")] = False,
) -> None:
    """Refresh prices from the providers' public price lists into a catalog CSV (needs network access).

    Unmapped accelerator SKUs and unreadable prices are listed, never dropped silently.
    """
    from fleetplan.catalog.csvio import write_offerings_csv
    from fleetplan.catalog.refresh import Fetcher, refresh_catalog, refresh_summary, split_regions

    sources = [name for name, on in (("azure", azure), ("aws", aws), ("gcp", gcp)) if on]
    if not sources:
        raise InputError("choose at least one source: --azure, --aws or --gcp")
    key = None
    if gcp:
        if not api_key_env:
            raise InputError("--gcp needs --api-key-env VAR (the environment variable that holds the API key)")
        key = os.environ.get(api_key_env)
        if not key:
            raise InputError(f"environment variable {api_key_env} is not set or empty")
    per_source = split_regions(regions or [], sources)
    urls = {k: v for k, v in (("azure", azure_url), ("aws", aws_url), ("gcp", gcp_url)) if v}
    with _progress_bar(not as_json) as progress:
        fetcher = Fetcher(cache_dir=None if no_cache else (cache_dir or _cache_default()), progress=progress)
        try:
            result = refresh_catalog(
                fetcher,
                sources,
                regions=per_source,
                urls=urls,
                gcp_api_key=key,
                aws_format=aws_format,
                commitments=commitments,
                strict=strict,
            )
        finally:
            fetcher.close()
    write_offerings_csv(result.offerings, output)
    summary = refresh_summary(result, output)
    if as_json:
        emit_json(summary)
        return
    out, err = stdout(), stderr()
    for p in summary["problems"]:
        err.print(f"[yellow]warning[/yellow]: {p}", highlight=False)
    for name, n in summary["unmapped"].items():
        err.print(f"[yellow]unmapped[/yellow]: {name} ({n} SKUs; not in the instance table)", highlight=False)
    parts = ", ".join(f"{p} {sum(m.values())}" for p, m in summary["offerings_by_provider"].items())
    out.print(
        f"wrote [bold]{output}[/bold]: {summary['offerings']} offerings ({parts or 'none'}), "
        f"prices of {summary['price_date']}",
        highlight=False,
    )
    if summary["skipped"]:
        skipped = ", ".join(f"{k}={v}" for k, v in summary["skipped"].items())
        out.print(f"  left out on purpose: {skipped}", highlight=False)
    if summary["unmapped"]:
        out.print(
            f"  [yellow]{len(summary['unmapped'])} unmapped accelerator SKUs[/yellow] (listed above; "
            "add them to the instance table, --strict makes them fatal)"
        )
    if summary["problems"]:
        out.print(f"  [yellow]{len(summary['problems'])} prices left out[/yellow] (listed above)")


@catalog_app.command("diff")
def catalog_diff(
    old: Annotated[Path, typer.Argument(help="the earlier catalog CSV")],
    new: Annotated[Path, typer.Argument(help="the later catalog CSV")],
    as_json: Annotated[bool, typer.Option("--json", help="every difference as JSON")] = False,
) -> None:
    """Show offerings added, removed and re-priced between two catalog CSVs."""
    from fleetplan.catalog.csvio import read_offerings_csv
    from fleetplan.catalog.diff import catalog_diff_json, diff_offerings

    diff = diff_offerings(read_offerings_csv(old), read_offerings_csv(new))
    doc = catalog_diff_json(diff, str(old), str(new))
    if as_json:
        emit_json(doc)
        return

    def name(row: dict[str, Any]) -> str:
        return f"{row['provider']} {row['region']} {row['instance_type']} {row['pricing_model']}"

    for row in doc["removed"]:
        echo(f"- {name(row)}  ${row['price_usd_per_hour']:,.4f}/h")
    for row in doc["added"]:
        echo(f"+ {name(row)}  ${row['price_usd_per_hour']:,.4f}/h")
    for row in doc["changed"]:
        pct = f" ({row['delta_pct']:+.1f}%)" if row["delta_pct"] is not None else ""
        line = f"~ {name(row)}  ${row['old_price_usd_per_hour']:,.4f}/h -> ${row['new_price_usd_per_hour']:,.4f}/h{pct}"
        old_hw, new_hw = (
            (row["old_accelerator"], row["old_accelerator_count"]),
            (row["new_accelerator"], row["new_accelerator_count"]),
        )
        if old_hw != new_hw:
            line += (
                f"  [{row['old_accelerator_count']}x {row['old_accelerator']} -> "
                f"{row['new_accelerator_count']}x {row['new_accelerator']}]"
            )
        echo(line)
    s = doc["summary"]
    echo(f"{s['added']} added, {s['removed']} removed, {s['changed']} changed, {s['unchanged']} unchanged")
