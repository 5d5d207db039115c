"""The plan report: self-contained, escaped, and its charts draw the plan's own numbers."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from fleetplan.load import load_scenario_text
from fleetplan.optimize.planner import optimize
from fleetplan.report import plan_to_dict
from fleetplan.report.html import plan_report_html, plan_report_markdown
from fleetplan.report.sections import report_sections

HOSTILE = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def plan_doc() -> dict:
    text = resources.files("fleetplan.data").joinpath("examples", "carbon-budget.yaml").read_text("utf-8")
    text = text.replace("name: Fabrikam carbon budget 2027", f"name: '{HOSTILE} & Fabrikam'")
    sc = load_scenario_text(text, file="carbon-budget.yaml")
    return plan_to_dict(optimize(sc, time_limit_s=20))


def _charts(doc: dict) -> dict:
    return {c.name: c for s in report_sections(doc) for c in s.charts}


def test_the_page_fetches_nothing_and_escapes_the_scenarios_text(plan_doc: dict) -> None:
    page = plan_report_html(plan_doc)
    assert HOSTILE not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Fabrikam" in page
    scripts = re.findall(r"<script([^>]*)>", page, flags=re.I)
    assert scripts == [""]  # one inline script (table sorting), no src, allowed by its CSP hash only
    assert "script-src 'sha256-" in page and "<link" not in page.lower() and "@import" not in page
    urls = set(re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", page))
    assert urls == set()
    assert set(re.findall(r"https?://[^\"'\s>]+", page)) <= {
        "http://www.w3.org/2000/svg",
        "http://www.w3.org/1999/xlink",
    }
    assert len(page.encode()) < 3 * 2**20


def test_every_chart_is_an_inline_svg_with_caption_text_alternative_and_table(plan_doc: dict) -> None:
    page = plan_report_html(plan_doc)
    figures = re.findall(r'<figure class="chart" id="chart-([a-z0-9-]+)">(.*?)</figure>', page, flags=re.S)
    names = [n for n, _ in figures]
    assert {"spend-provider", "spend-pricing-model", "spend-vendor", "capacity", "placement", "energy"} <= set(names)
    for _, body in figures:
        assert "<figcaption>" in body and '<svg role="img" aria-label="' in body and '<table class="sortable">' in body
        assert "<path" in body or "<rect" in body  # something is drawn


def test_chart_data_equals_the_plans_figures(plan_doc: dict) -> None:
    charts = _charts(plan_doc)
    by_provider = charts["spend-provider"].table.drop(columns="period").sum()
    for provider, share in plan_doc["spend_by_provider"].items():
        assert by_provider[provider] == pytest.approx(share["spend_usd"], rel=1e-9)
    per_period = charts["spend-provider"].table.set_index("period").sum(axis=1)
    costs = pd.DataFrame(plan_doc["costs"]).set_index("period")["total_usd"]
    assert per_period.to_dict() == pytest.approx(costs.to_dict(), rel=1e-9)
    hours = charts["capacity"].table.drop(columns="period").to_numpy().sum()
    assert hours == pytest.approx(sum(a["accelerator_hours"] for a in plan_doc["allocations"]), rel=1e-9)
    energy = charts["energy"].table
    assert energy["co2e_t"].sum() == pytest.approx(plan_doc["totals"]["co2e_t"], rel=1e-9)


def test_markdown_has_the_same_numbers_as_tables(plan_doc: dict) -> None:
    md = plan_report_markdown(plan_doc)
    assert md.startswith("# &lt;script&gt;alert(1)&lt;/script&gt; &amp; Fabrikam\n")
    assert "## Spend per period" in md and "| period |" in md
    for s in report_sections(plan_doc):
        for c in s.charts:
            assert c.title in md


def test_report_command_writes_html_and_markdown(plan_doc: dict, tmp_path: Path) -> None:
    import json

    from fleetplan.cli import main

    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(plan_doc))
    assert main(["report", str(plan), "-o", str(tmp_path / "r.html")]) == 0
    assert main(["report", str(plan), "-o", str(tmp_path / "r.md")]) == 0
    assert (tmp_path / "r.html").read_text().startswith("<!DOCTYPE html>")
    assert (tmp_path / "r.md").read_text().startswith("# ")
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": "fleetplan.risk/1"}')
    assert main(["report", str(bad), "-o", str(tmp_path / "x.html")]) == 2
    assert not (tmp_path / "x.html").exists()
