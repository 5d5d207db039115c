"""``fleetplan sweep SCENARIO --spec SWEEP -o DIR``: plan every point of a grid or sample of what-ifs.

Errors are fleetplan errors (InputError exit 2) that ``main`` reports; Ctrl-C keeps the points
finished so far (exit 130; ``--resume`` continues).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from fleetplan.cli._console import stderr, stdout

__all__ = ["sweep"]


def sweep(
    file: Annotated[Path, typer.Argument(help="scenario YAML")],
    spec_file: Annotated[Path, typer.Option("--spec", help="sweep file: parameters, values, design")],
    output: Annotated[Path, typer.Option("--output", "-o", help="folder for the table, pictures and sweep.json")],
    engine: Annotated[
        str | None,
        typer.Option(
            "--engine", help="where points run: local (processes, default), serial, dask://host:8786, ray://host:10001"
        ),
    ] = None,
    workers: Annotated[int | None, typer.Option("--workers", help="points planned at once (default: all CPUs)")] = None,
    time_limit: Annotated[
        float | None,
        typer.Option("--time-limit", help="solver time limit per point, seconds (default: the sweep file's, else 10)"),
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="keep the points already in the folder, plan the rest")
    ] = False,
    no_pictures: Annotated[
        bool, typer.Option("--no-pictures", help="skip the SVG/PNG pictures and index.html")
    ] = False,
) -> int:
    """Plan the scenario at every point of the sweep file; write points.csv/.parquet, sweep.json,
    the Pareto, tornado and decision pictures and index.html.

    A point without a plan is recorded with its reason and does not stop the sweep. Exit code 2 on
    bad input (the sweep file's errors name its line); 130 when interrupted (partial results kept).
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from fleetplan.load import load_scenario
    from fleetplan.parallel import executor_from_spec, parse_engine
    from fleetplan.sweep import load_sweep, run_sweep, summarize

    parse_engine(engine, workers)
    sc = load_scenario(file)
    spec = load_sweep(spec_file, sc)
    limit = time_limit if time_limit is not None else spec.time_limit_s or 10.0
    err = stderr()
    bar = Progress(
        TextColumn("sweep"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeRemainingColumn(),
        console=err,
        disable=not err.is_terminal,
    )
    counts: dict[str, int] = {}

    def progress(done: int, total: int, row: dict[str, Any]) -> None:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
        bar.update(task, completed=done, total=total, description=" ".join(f"{k} {v}" for k, v in counts.items()))

    with bar:
        task = bar.add_task("", total=len(spec.points))
        with executor_from_spec(engine, workers) as ex:
            try:
                result = run_sweep(
                    sc,
                    spec,
                    output,
                    ex,
                    time_limit_s=limit,
                    resume=resume,
                    progress=progress,
                    finalize=lambda r: summarize(r, spec, sc.name, pictures=not no_pictures),
                )
            except KeyboardInterrupt:
                bar.stop()
                err.print(f"fleetplan: interrupted; the points finished are in {output} (rerun with --resume)")
                return 130
    out = stdout()
    by = result.table["status"].value_counts().to_dict() if len(result.table) else {}
    out.print(
        f"{result.total} points ({result.skipped} kept from before, {result.planned_now} planned now): "
        + ", ".join(f"{v} {k}" for k, v in sorted(by.items()))
    )
    out.print(f"wrote [bold]{output}[/bold] (points.csv, sweep.json, index.html)")
    return 0
