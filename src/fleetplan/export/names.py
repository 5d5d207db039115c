"""fleetplan's accelerator and provider names in each engine's words (``data/engine_names.csv``).

Contract: :func:`engine_name` returns the engine's name or raises InputError naming the
accelerator or provider the engine does not know; it never guesses. Each row of the table cites
where the engine's name comes from.
"""

from __future__ import annotations

import csv
import io
import re
from functools import lru_cache
from importlib import resources
from typing import Literal

from fleetplan.errors import InputError

__all__ = ["ENGINES", "Engine", "dns_name", "engine_name", "engine_names"]

Engine = Literal["skypilot", "dstack", "kueue"]
ENGINES: tuple[Engine, ...] = ("skypilot", "dstack", "kueue")


@lru_cache(maxsize=1)
def engine_names() -> dict[tuple[str, str], dict[str, str]]:
    """``(kind, fleetplan name) -> {engine: name}``; kind is ``accelerator`` or ``provider``; an
    empty name means the engine does not know it."""
    text = resources.files("fleetplan.data").joinpath("engine_names.csv").read_text("utf-8")
    out: dict[tuple[str, str], dict[str, str]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        out[(row["kind"], row["name"])] = {e: (row.get(e) or "").strip() for e in ENGINES}
    return out


def engine_name(engine: Engine, kind: Literal["accelerator", "provider"], name: str, *, where: str = "") -> str:
    """The engine's name for fleetplan's accelerator or provider ``name`` (see module docstring)."""
    found = engine_names().get((kind, name), {}).get(engine, "")
    if not found:
        raise InputError(
            f"{engine} has no name for the {kind} {name!r} (known to fleetplan's engine table: "
            f"{', '.join(sorted(n for (k, n), e in engine_names().items() if k == kind and e.get(engine)))}); "
            f"export the placements on {name!r} with another engine or add a row to data/engine_names.csv",
            path=where or None,
        )
    return found


def dns_name(*parts: str) -> str:
    """A Kubernetes object name (DNS-1123 label, at most 63 characters) and file stem made of
    ``parts``: lower case, runs of other characters as ``-``."""
    text = "-".join(str(p) for p in parts if p)
    name = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:63].strip("-")
    return name or "x"
