"""Software stacks and the accelerators that need them, read once from ``stacks.csv``.

Each row of ``stacks.csv`` (``stack,display_name,vendor,families,source``) is one stack: the
accelerators of ``vendor`` (of the listed architecture ``families``, separated by ``;``, or of
every family when the column is empty) need it in production. Vendor and family are the columns
of ``accelerators.csv``; ``tests/data`` checks that every bundled accelerator needs exactly one
stack. An accelerator of a vendor no row names needs none.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType

__all__ = ["STACKS", "Stack", "stack_of"]


@dataclass(frozen=True)
class Stack:
    """One row of ``stacks.csv``: a software stack and the chips that need it."""

    stack: str
    display_name: str
    vendor: str
    families: frozenset[str]  # empty: every family of the vendor
    source: str

    def needed_by(self, vendor: str, family: str) -> bool:
        """True when an accelerator of ``vendor`` and architecture ``family`` needs this stack."""
        return vendor.lower() == self.vendor.lower() and (not self.families or family.lower() in self.families)


def _read() -> Mapping[str, Stack]:
    text = resources.files("fleetplan.data").joinpath("stacks.csv").read_text("utf-8")
    out = {}
    for r in csv.DictReader(io.StringIO(text)):
        fams = frozenset(f.strip().lower() for f in r["families"].split(";") if f.strip())
        out[r["stack"]] = Stack(r["stack"], r["display_name"], r["vendor"], fams, r["source"])
    return MappingProxyType(out)


STACKS: Mapping[str, Stack] = _read()
"""Every software stack by its key (``cuda``, ``rocm``, ``xla``, ``neuron``, ``synapseai``), in table order."""


def stack_of(vendor: str, family: str) -> str | None:
    """The key of the stack an accelerator of ``vendor`` and ``family`` needs (None: none known)."""
    for s in STACKS.values():
        if s.needed_by(vendor, family):
            return s.stack
    return None
