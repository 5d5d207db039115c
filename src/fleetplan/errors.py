"""Error types that the CLI turns into one-line messages and exit codes."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

__all__ = [
    "FleetplanError",
    "InputError",
    "UnknownNameError",
    "did_you_mean",
    "format_path",
]


class FleetplanError(Exception):
    """Base class for errors fleetplan reports to users without a traceback."""

    exit_code = 1


class InputError(FleetplanError):
    """Bad input: names the file, the field path and (for YAML) the line. Exit code 2."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        path: Sequence[str | int] | str | None = None,
        line: int | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.path = path if isinstance(path, str) or path is None else format_path(path)
        self.line = line
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """``file:line: path: message`` with the parts that are known."""
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "")
        elif self.line:
            where = f"line {self.line}"
        parts = [p for p in (where, self.path) if p]
        return ": ".join([*parts, self.message]) if parts else self.message


class UnknownNameError(ValueError):
    """A name (accelerator, provider, region, site…) that does not resolve."""

    def __init__(self, kind: str, name: str, known: Iterable[str]) -> None:
        self.kind = kind
        self.name = name
        hint = did_you_mean(name, known)
        super().__init__(f"unknown {kind} {name!r}{hint}")


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """A ``" (did you mean 'x'?)"`` suffix for the closest known name, or an empty string."""
    known = list(known)
    lowered = {k.lower(): k for k in known}
    match = difflib.get_close_matches(str(name).lower(), list(lowered), n=1, cutoff=0.6)
    return f" (did you mean {lowered[match[0]]!r}?)" if match else ""


def format_path(loc: Sequence[str | int]) -> str:
    """``('workloads', 3, 'demand', 'peak_rps')`` -> ``workloads[3].demand.peak_rps``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
