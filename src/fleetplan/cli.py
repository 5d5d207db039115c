"""The ``fleetplan`` command: a thin Typer layer over the library stages.

Exit codes: 0 ok, 1 infeasible or a failed check, 2 bad input. Errors are one line on stderr,
never a traceback.
"""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from fleetplan.errors import FleetplanError, InputError

__all__ = ["app", "main"]

app = typer.Typer(
    name="fleetplan",
    help="Plan a multi-vendor, hybrid AI compute portfolio: what runs where, what to buy, reserve or rent, and when.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
catalog_app = typer.Typer(
    help="Browse and import the multi-vendor catalog of offerings.",
    invoke_without_command=True,
    pretty_exceptions_enable=False,
)
app.add_typer(catalog_app, name="catalog")

out = Console(soft_wrap=False)
if not out.is_terminal:
    out = Console(soft_wrap=False, width=140)  # pipes and files: wide enough for the plan tables
err = Console(stderr=True, soft_wrap=True)

EXAMPLE = "enterprise.yaml"


def _emit_json(payload: object) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, sort_keys=False, allow_nan=False) + "\n")


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="folder to create the example in")] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="overwrite an existing scenario.yaml")] = False,
) -> None:
    """Write a realistic example scenario (``scenario.yaml``) to DIRECTORY."""
    target = directory / "scenario.yaml"
    if target.exists() and not force:
        raise InputError("already exists; use --force to overwrite", file=str(target))
    text = resources.files("fleetplan.data").joinpath("examples", EXAMPLE).read_text("utf-8")
    directory.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".yaml.tmp")
    tmp.write_text(text, "utf-8")
    tmp.replace(target)
    out.print(f"wrote [bold]{target}[/bold]: Northwind Retail, 14 workloads over 8 quarters")
    out.print(f"next: [bold]fleetplan validate {target}[/bold]")


@app.command()
def validate(
    file: Annotated[Path, typer.Argument(help="scenario YAML")],
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """Check a scenario file: structure, units, names and references. Exit 2 on any problem."""
    from fleetplan.load import load_scenario, scenario_catalog

    sc = load_scenario(file)
    cat = scenario_catalog(sc)
    kinds = {k: sum(w.kind == k for w in sc.workloads) for k in ("train", "finetune", "batch", "serve")}
    summary = {
        "schema": "fleetplan.validation/1",
        "file": str(file),
        "valid": True,
        "name": sc.name,
        "periods": sc.horizon.labels(),
        "workloads": len(sc.workloads),
        "workloads_by_kind": kinds,
        "sites": len(sc.sites),
        "offerings": len(cat.offerings),
        "providers": int(cat.offerings["provider"].nunique()),
    }
    if as_json:
        _emit_json(summary)
        return
    labels = sc.horizon.labels()
    out.print(f"[green]ok[/green] {file}: [bold]{sc.name}[/bold]")
    out.print(
        f"  {len(sc.workloads)} workloads ({', '.join(f'{v} {k}' for k, v in kinds.items() if v)}), "
        f"{len(sc.sites)} owned sites, {len(labels)} periods {labels[0]}..{labels[-1]}"
    )
    out.print(f"  catalog: {summary['offerings']} offerings from {summary['providers']} providers")


def _write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temp file and rename: never half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, "utf-8")
    tmp.replace(path)


@app.command()
def plan(
    file: Annotated[Path, typer.Argument(help="scenario YAML")],
    as_json: Annotated[bool, typer.Option("--json", help="print the full plan as JSON (fleetplan.plan/1)")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="write the full plan JSON here")] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", help="solver time limit, seconds")] = 300.0,
    gap: Annotated[
        float, typer.Option("--gap", help="relative optimality gap at which to stop (0.005 = 0.5 %)")
    ] = 5e-3,
    no_baselines: Annotated[bool, typer.Option("--no-baselines", help="skip the baseline comparisons")] = False,
    brief: Annotated[bool, typer.Option("--brief", help="summary only, no per-workload and policy tables")] = False,
) -> None:
    """Plan the scenario: the cheapest verified plan over every period, with baselines.

    Exit code 1 when no plan satisfies the scenario (the conflicting requirements are named).
    """
    from fleetplan.load import load_scenario
    from fleetplan.optimize import optimize
    from fleetplan.report import plan_to_dict, render_plan, usd

    sc = load_scenario(file)
    status = None
    if err.is_terminal and not as_json:
        status = err.status("solving …")
        status.start()

    def progress(p) -> None:  # type: ignore[no-untyped-def]
        if status is not None:
            gap_txt = f"{100 * p.gap:.2f} %" if p.gap is not None else "—"
            status.update(
                f"solving … {p.time_s:.0f} s · best {usd(p.incumbent_usd)} · bound {usd(p.bound_usd)} · gap {gap_txt}"
            )

    try:
        result = optimize(sc, time_limit_s=time_limit, mip_rel_gap=gap, progress=progress, baselines=not no_baselines)
    finally:
        if status is not None:
            status.stop()
    doc = plan_to_dict(result)
    if output is not None:
        _write_atomic(output, json.dumps(doc, indent=2, allow_nan=False) + "\n")
    if as_json:
        _emit_json(doc)
        return
    render_plan(out, result, detail=not brief)
    if output is not None:
        out.print(f"wrote [bold]{output}[/bold]")


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
    from fleetplan.catalog.listing import filter_offerings, offerings_json, render_offerings

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
        _emit_json(offerings_json(rows))
        return
    render_offerings(out, rows, limit=limit, total=len(cat.offerings))


@catalog_app.command("import")
def catalog_import(
    skypilot: Annotated[Path, typer.Option("--skypilot", help="SkyPilot catalog folder (e.g. ~/.sky/catalogs/v8)")],
    output: Annotated[Path, typer.Option("--output", "-o", help="catalog CSV to write")],
    strict: Annotated[bool, typer.Option("--strict", help="stop at the first malformed row (exit 2)")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable summary")] = False,
) -> None:
    """Import SkyPilot catalog CSVs into a fleetplan catalog CSV. Malformed rows are listed, never dropped silently."""
    from fleetplan.catalog.csvio import write_offerings_csv
    from fleetplan.catalog.skypilot import import_skypilot

    if not skypilot.exists():
        raise InputError("SkyPilot catalog folder not found", file=str(skypilot))
    result = import_skypilot(skypilot, strict=strict)
    write_offerings_csv(result.offerings, output)
    by_provider = result.offerings.groupby("provider").size().sort_index()
    summary = {
        "schema": "fleetplan.catalog_import/1",
        "output": str(output),
        "files": list(result.files),
        "offerings": len(result.offerings),
        "offerings_by_provider": {str(k): int(v) for k, v in by_provider.items()},
        "skipped": dict(sorted(result.skipped.items())),
        "problems": [p.one_line() for p in result.problems],
    }
    if as_json:
        _emit_json(summary)
        return
    for p in result.problems:
        err.print(f"[yellow]warning[/yellow]: {p.one_line()} (row skipped)", highlight=False)
    out.print(
        f"wrote [bold]{output}[/bold]: {len(result.offerings)} offerings from "
        f"{len(by_provider)} providers ({len(result.files)} files)"
    )
    if result.skipped:
        parts = ", ".join(f"{k}={v}" for k, v in sorted(result.skipped.items()))
        out.print(f"  rows left out on purpose: {parts}", highlight=False)
    if result.problems:
        out.print(
            f"  [yellow]{len(result.problems)} malformed rows skipped[/yellow] "
            "(listed above; --strict makes them fatal)"
        )


def _mount_optional() -> None:
    """Attach sub-apps of later stages when their modules are present."""
    try:
        from fleetplan.sizing.cli import size_app
    except ImportError:  # pragma: no cover - sizing ships with the package
        return
    app.add_typer(size_app, name="size")
    from fleetplan.risk.cli import risk_command

    app.command("risk")(risk_command)
    try:
        from fleetplan.generate.cli import generate_command
    except ImportError:  # pragma: no cover
        return
    app.command("generate")(generate_command)


_mount_optional()


def _report(exc: FleetplanError) -> int:
    errors = getattr(exc, "errors", None) or [exc]
    for e in errors[:50]:
        err.print(f"fleetplan: error: {e}", highlight=False, markup=False)
    if len(errors) > 50:
        err.print(f"fleetplan: … and {len(errors) - 50} more errors", highlight=False, markup=False)
    return exc.exit_code


def main(argv: list[str] | None = None) -> int:
    """Console entry point: run the app, turn fleetplan errors into one-line messages and exit codes.

    With ``argv`` given (tests, embedding) the exit code is returned instead of exiting.
    """
    code = 0
    try:
        rv = app(args=argv, standalone_mode=False)
        code = rv if isinstance(rv, int) else 0
    except FleetplanError as exc:
        code = _report(exc)
    except KeyboardInterrupt:
        err.print("fleetplan: interrupted")
        code = 130
    except Exception as exc:
        # Typer's (click's) own exceptions: usage errors, --help exits, aborts.
        name = type(exc).__name__
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):
            exc.show()
            code = int(exc.exit_code)
        elif name == "Exit":
            code = int(getattr(exc, "exit_code", 0))
        elif name == "Abort":
            err.print("fleetplan: aborted")
            code = 130
        else:
            raise
    if argv is not None:
        return code
    sys.exit(code)
