"""The one place the CLI makes consoles, prints JSON and plain lines, and shows a spinner.

Standard output is for results (tables, JSON); standard error for progress, warnings and errors.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console

from fleetplan._format import json_text

__all__ = ["PLAN_WIDTH", "RISK_WIDTH", "SIZE_WIDTH", "echo", "emit_json", "spinner", "stderr", "stdout"]

# Columns of standard output when it is a pipe or a file (a terminal's own width applies otherwise).
PLAN_WIDTH: int | None = 140
"""``plan``, ``catalog``, ``init``, ``validate``: wide enough for the plan and catalog tables."""
RISK_WIDTH: int | None = 160
"""``risk``: its contingency table is wider."""
SIZE_WIDTH: int | None = None
"""``size``: rich's default (the ``COLUMNS`` variable, else 80)."""


def stdout(pipe_width: int | None = PLAN_WIDTH) -> Console:
    """A console on standard output: the terminal's width, or ``pipe_width`` columns when output
    goes to a pipe or file (None: rich's default, the ``COLUMNS`` variable or 80)."""
    out = Console(soft_wrap=False)
    if pipe_width is not None and not out.is_terminal:
        out = Console(soft_wrap=False, width=pipe_width)
    return out


def stderr() -> Console:
    """A console on standard error (lines are never wrapped)."""
    return Console(stderr=True, soft_wrap=True)


def echo(line: str, *, err: bool = False) -> None:
    """Print one line as it is: no markup, no wrapping."""
    stream = sys.stderr if err else sys.stdout
    stream.write(line + "\n")
    stream.flush()


def emit_json(doc: Any) -> None:
    """Print a JSON document on standard output (strict: NaN or infinity is an error, not output)."""
    sys.stdout.write(json_text(doc))


@contextmanager
def spinner(message: str, *, enabled: bool = True) -> Iterator[Callable[[str], None] | None]:
    """A spinner on standard error while the block runs, when standard error is a terminal and
    ``enabled``. Yields a function that replaces its message, or None when there is no spinner."""
    err = stderr()
    if not (enabled and err.is_terminal):
        yield None
        return
    status = err.status(message)
    status.start()
    try:
        yield status.update
    finally:
        status.stop()
