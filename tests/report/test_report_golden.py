"""The Markdown report of the committed example plans is the golden file, number for number.

Refresh after a deliberate change: ``FLEETPLAN_UPDATE_GOLDEN=1 pytest tests/report/test_report_golden.py``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from fleetplan.report.html import plan_report_markdown

DATA = Path(__file__).resolve().parent / "data"
GOLDEN = DATA / "golden.report.md"


def test_golden_markdown_report_of_the_example_against_the_plan_without_its_budget() -> None:
    new = json.loads((DATA / "new.plan.json").read_text())
    old = json.loads((DATA / "old.plan.json").read_text())
    text = plan_report_markdown(new, compare=old)
    if os.environ.get("FLEETPLAN_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")
    compared = text.split("## Against the previous plan")[1]
    assert "| nightly-batch | moved |" in compared and "| nebius | 0.00 | 105,120.00 |" in compared
