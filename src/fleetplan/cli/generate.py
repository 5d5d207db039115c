"""``fleetplan generate`` and ``generate-bill``: a realistic synthetic scenario or FOCUS bill (benchmarks, tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fleetplan.cli._console import echo
from fleetplan.errors import InputError

__all__ = ["generate", "generate_bill"]


def generate(
    output: Annotated[Path, typer.Option("--output", "-o", help="scenario YAML to write")],
    workloads: Annotated[int, typer.Option("--workloads", "-n", help="number of workloads (1-100,000)")] = 100,
    providers: Annotated[int, typer.Option("--providers", "-p", help="builtin catalog providers to use")] = 8,
    periods: Annotated[int, typer.Option("--periods", "-t", help="quarters in the horizon")] = 12,
    seed: Annotated[int, typer.Option("--seed", "-s", help="random seed: same seed, same scenario")] = 0,
) -> None:
    """Write a synthetic scenario: a realistic mix of training, fine-tuning, batch and serving
    workloads with every policy family active; deterministic per seed. Exit 2 on bad arguments."""
    from fleetplan.generate.synthetic import GenerateError, generate_scenario, write_scenario

    try:
        doc = generate_scenario(workloads, providers, periods, seed)
    except GenerateError as exc:
        raise InputError(str(exc)) from None
    command = (
        f"fleetplan generate --workloads {workloads} --providers {providers} --periods {periods} "
        f"--seed {seed} -o {output.name}"
    )
    write_scenario(doc, output, command=command)
    kinds: dict[str, int] = {}
    for w in doc["workloads"]:
        kinds[w["kind"]] = kinds.get(w["kind"], 0) + 1
    mix = ", ".join(f"{kinds[k]} {k}" for k in ("serve", "batch", "finetune", "train") if k in kinds)
    echo(
        f"wrote {output}: {workloads} workloads ({mix}) over {periods} quarters, "
        f"{len(doc['catalog']['providers'])} catalog providers + {len(doc['sites'])} owned sites"
    )


def generate_bill(
    output: Annotated[Path, typer.Option("--output", "-o", help="bill to write: .csv, .csv.gz or .parquet")],
    rows: Annotated[int, typer.Option("--rows", "-n", help="rows to write, exactly")] = 10_000,
    providers: Annotated[
        str, typer.Option("--providers", "-p", help="comma-separated: aws, azure, gcp, oci")
    ] = "aws,azure,gcp,oci",
    start: Annotated[str, typer.Option("--start", help="first month, YYYY-MM")] = "2026-07",
    months: Annotated[int, typer.Option("--months", "-m", help="whole months covered")] = 3,
    seed: Annotated[int, typer.Option("--seed", "-s", help="random seed: same seed, same bytes")] = 0,
    version: Annotated[str, typer.Option("--version", help="FOCUS column set: 1.2, 1.1 or 1.0")] = "1.2",
    truth: Annotated[
        Path | None, typer.Option("--truth", help="also write the ground truth (JSON) the generator knows")
    ] = None,
    quirks: Annotated[
        bool, typer.Option("--quirks", help="CSV only: NULL literals, 'YYYY-MM-DD HH:MM:SS', BOM, CRLF, ...")
    ] = False,
) -> None:
    """Write a synthetic FOCUS billing export of a multi-cloud AI organization (GPU on demand,
    spot and reserved, CPU, storage, network, credits, tax) and optionally its ground truth;
    deterministic per seed. Exit 2 on bad arguments."""
    from fleetplan._format import money
    from fleetplan.generate.bill import generate_bill as make_bill
    from fleetplan.generate.bill import write_bill_truth
    from fleetplan.generate.synthetic import GenerateError

    names = tuple(p.strip() for p in providers.split(",") if p.strip())
    try:
        doc = make_bill(
            output, rows=rows, providers=names, start=start, months=months, seed=seed, version=version, quirks=quirks
        )
    except GenerateError as exc:
        raise InputError(str(exc)) from None
    if truth is not None:
        write_bill_truth(doc, truth)
    totals = doc["totals"]
    echo(
        f"wrote {output}: {rows:,} rows, FOCUS {version}, {len(names)} providers, {months} months from {start} "
        f"({doc['granularity']}); billed {money(totals['billed_cost_usd'])}, "
        f"effective {money(totals['effective_cost_usd'])}, AI {doc['ai_share_of_effective_cost']:.0%} of effective"
        + (f"; truth in {truth}" if truth is not None else "")
    )
