"""Software stacks: every bundled accelerator needs exactly one, and the table carries its sources."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from fleetplan.data.stacks import STACKS, stack_of
from fleetplan.model.team import STACK_NAMES

DATA = Path(__file__).resolve().parents[2] / "src" / "fleetplan" / "data"


def test_every_bundled_accelerator_needs_exactly_one_stack() -> None:
    acc = pd.read_csv(DATA / "accelerators.csv")
    for r in acc.itertuples(index=False):
        needing = [s.stack for s in STACKS.values() if s.needed_by(r.vendor, r.family)]
        assert len(needing) == 1, (r.name, needing)
        assert stack_of(r.vendor, r.family) == needing[0]
    by_vendor = {r.vendor: stack_of(r.vendor, r.family) for r in acc.itertuples(index=False)}
    assert by_vendor == {"NVIDIA": "cuda", "AMD": "rocm", "Google": "xla", "AWS": "neuron", "Intel": "synapseai"}


def test_the_stack_table_is_the_scenarios_vocabulary_and_names_its_sources() -> None:
    table = pd.read_csv(DATA / "stacks.csv")
    assert tuple(table["stack"]) == STACK_NAMES == tuple(STACKS)
    assert table["source"].str.contains("https://").all()
    assert stack_of("Acme", "custom") is None
