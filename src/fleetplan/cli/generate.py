"""``fleetplan generate``: write a realistic synthetic scenario (for benchmarks and trials)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fleetplan.cli._console import echo
from fleetplan.errors import InputError

__all__ = ["generate"]


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
