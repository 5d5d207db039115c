"""The README's library snippet runs as written (on a tiny scenario at ``demo/scenario.yaml``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.scenarios import BATCH_8B, offering, write_scenario

README = Path(__file__).resolve().parents[1] / "README.md"


def _library_snippet() -> str:
    text = README.read_text("utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    (snippet,) = [b for b in blocks if "import fleetplan as fp" in b]
    return snippet


def test_the_library_snippet_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    offers = [offering("alpha", "a-east", "a100x8", "A100-80GB", 8, "on_demand", 16.0)]
    write_scenario(tmp_path / "demo", offers, workloads=[BATCH_8B])
    monkeypatch.chdir(tmp_path)
    names: dict[str, object] = {}
    exec(compile(_library_snippet(), str(README), "exec"), names)
    doc = names["fp"].plan_to_dict(names["plan"])  # type: ignore[attr-defined]
    assert doc["verification"]["ok"] is True
    assert len(names["demand"]) > 0  # type: ignore[arg-type]
