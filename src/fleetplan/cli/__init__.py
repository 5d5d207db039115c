"""The ``fleetplan`` command: a thin Typer layer over the library stages.

Each command has the same shape: options, a library call, printing, an exit code. One module per
command group (``scenario``: init and validate; ``plan``; ``risk``; ``generate``; ``catalog``;
``size``; ``audit``; ``report``; ``diff``; ``roadmap``; ``replan``; ``serve``; ``export``;
``sweep``); consoles, JSON output and the spinner live in ``_console``; the terminal renderings of
plans, risk reports, plan diffs and offerings in ``_render_*``. Only this package imports typer or rich.

Exit codes: 0 ok, 1 infeasible or a failed check, 2 bad input. Errors are one line on stderr,
never a traceback; :func:`main` is the one place that turns errors into exit codes.
"""

from __future__ import annotations

import sys

import typer

from fleetplan import errors
from fleetplan.cli import (
    _console,
    audit,
    catalog,
    diff,
    export,
    generate,
    plan,
    replan,
    report,
    risk,
    roadmap,
    scenario,
    serve,
    size,
    sweep,
)

__all__ = ["MAX_ERRORS", "app", "main"]

app = typer.Typer(
    name="fleetplan",
    help="Plan a multi-vendor, hybrid AI compute portfolio: what runs where, what to buy, reserve or rent, and when.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command()(scenario.init)
app.command()(scenario.validate)
app.command()(plan.plan)
app.command("risk")(risk.risk)
app.command("generate")(generate.generate)
app.command("generate-bill")(generate.generate_bill)
app.command("audit")(audit.audit)
app.command("report")(report.report)
app.command("diff")(diff.diff)
app.command("roadmap")(roadmap.roadmap)
app.command("replan")(replan.replan)
app.command("serve")(serve.serve)
app.command("export")(export.export)
app.command("sweep")(sweep.sweep)
app.add_typer(catalog.catalog_app, name="catalog")
app.add_typer(size.size_app, name="size")

MAX_ERRORS = 50
"""Errors listed one per line; beyond this, a count."""


def _report(exc: errors.FleetplanError) -> int:
    err = _console.stderr()
    errors = getattr(exc, "errors", None) or [exc]
    for e in errors[:MAX_ERRORS]:
        err.print(f"fleetplan: error: {e}", highlight=False, markup=False)
    if len(errors) > MAX_ERRORS:
        err.print(f"fleetplan: … and {len(errors) - MAX_ERRORS} more errors", highlight=False, markup=False)
    return exc.exit_code


def main(argv: list[str] | None = None) -> int:
    """Console entry point: run the app, turn fleetplan errors into one-line messages and exit codes.

    A command's integer return value is its exit code (``fleetplan size`` returns 1 when the
    workload does not fit). With ``argv`` given (tests, embedding) the exit code is returned
    instead of exiting.
    """
    code = 0
    try:
        rv = app(args=argv, standalone_mode=False)
        code = rv if isinstance(rv, int) else 0
    except errors.FleetplanError as exc:
        code = _report(exc)
    except KeyboardInterrupt:
        _console.stderr().print("fleetplan: interrupted")
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
            _console.stderr().print("fleetplan: aborted")
            code = 130
        else:
            raise
    if argv is not None:
        return code
    sys.exit(code)
