"""The HTML report in a real headless Chromium, offline: it loads clean, draws every chart, escapes what it shows.

The contract these tests hold the report to: ``fleetplan report PLAN.json -o report.html`` (exit 0) and
``fleetplan.report.html.plan_report_html(plan_doc, *, risk=None, audit=None, compare=None) -> str`` write one
self-contained page; each chart is ``<figure class="chart" id="chart-<name>">`` holding an inline ``<svg>``, a
``<figcaption>`` (title with units) and a ``<table>`` of its numbers; there is no ``<script src=...>``, no
``<link href=http...>`` and no web font, and the file is at most 3 MB. The plan is the small bundled example
``carbon-budget.yaml``, planned by the CLI.

Hostile text reaches the page two ways. Workload names in a scenario must match
``[A-Za-z0-9][A-Za-z0-9_.:-]*``, so through the CLI it comes in the scenario's name (free text, copied into the
plan's ``scenario`` field); through the library it comes as a workload name written into the plan document, as a
hand-edited or foreign PLAN.json could carry. Either way the page must show it as text and run nothing.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from fleetplan.cli import main
from tests.browser import PageReport, is_blank

Load = Callable[[Path], PageReport]
HOSTILE = "<script>alert(1)</script>"
SCENARIO_NAME = f'{HOSTILE} Fabrikam & "Co"'
RENAMED_WORKLOAD = "nightly-batch"
MAX_BYTES = 3 * 1024 * 1024

# Markup that would make the page reach outside its file.
EXTERNAL = {
    "script with src": re.compile(r"<script\b[^>]*\bsrc\s*=", re.I),
    "remote link": re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']?\s*(?:https?:)?//", re.I),
    "web font": re.compile(r"@font-face", re.I),
    "css import": re.compile(r"@import\b", re.I),
    "remote css url": re.compile(r"url\(\s*[\"']?\s*(?:https?:)?//", re.I),
}


def renamed(value: Any, old: str, new: str) -> Any:
    """``value`` (a JSON document) with every string and key equal to ``old`` replaced by ``new``."""
    if isinstance(value, dict):
        return {(new if k == old else k): renamed(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [renamed(v, old, new) for v in value]
    return new if value == old else value


@pytest.fixture(scope="module")
def plan_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``fleetplan plan`` of carbon-budget.yaml renamed to a hostile scenario name: the plan JSON file."""
    folder = tmp_path_factory.mktemp("report")
    text = resources.files("fleetplan.data").joinpath("examples", "carbon-budget.yaml").read_text("utf-8")
    scenario = yaml.safe_load(text)
    scenario["name"] = SCENARIO_NAME
    assert RENAMED_WORKLOAD in {w["name"] for w in scenario["workloads"]}
    scenario_path = folder / "carbon-budget.yaml"
    scenario_path.write_text(yaml.safe_dump(scenario, sort_keys=False), "utf-8")
    out = folder / "plan.json"
    code = main(["plan", str(scenario_path), "--json", "--time-limit", "20", "-o", str(out)])
    assert code == 0
    doc = json.loads(out.read_text("utf-8"))
    assert doc["scenario"] == SCENARIO_NAME
    return out


@pytest.fixture(scope="module")
def cli_report(plan_path: Path) -> Path:
    """``fleetplan report PLAN.json -o report.html``: the HTML file."""
    out = plan_path.with_name("report.html")
    assert main(["report", str(plan_path), "-o", str(out)]) == 0
    return out


def library_html(plan_path: Path) -> str:
    """``plan_report_html`` of the plan with one workload renamed to the hostile text."""
    html = importlib.import_module("fleetplan.report.html")
    doc = renamed(json.loads(plan_path.read_text("utf-8")), RENAMED_WORKLOAD, HOSTILE)
    assert HOSTILE in json.dumps(doc)
    return html.plan_report_html(doc)


def assert_self_contained(html: str) -> None:
    assert len(html.encode("utf-8")) <= MAX_BYTES
    found = {name for name, pattern in EXTERNAL.items() if pattern.search(html)}
    assert found == set(), f"the page would reach outside its file: {sorted(found)}"
    assert HOSTILE not in html  # escaped wherever it is written, also inside any <script> or <style>


def assert_clean_in_browser(report: PageReport) -> None:
    assert report.requests == ()
    assert report.dialogs == ()
    assert report.errors == ()
    assert report.charts, "no figure.chart in the page"
    ids = [chart.id for chart in report.charts]
    assert len(set(ids)) == len(ids) and all(i.startswith("chart-") for i in ids), ids
    assert [c.id for c in report.charts if not c.drawn] == []
    assert [c.id for c in report.charts if not c.caption] == []
    assert [c.id for c in report.charts if not c.has_table] == []
    assert report.svg_count >= len(report.charts)
    assert not is_blank(report.screenshot)
    assert HOSTILE in report.text


def test_the_cli_report_is_self_contained(cli_report: Path) -> None:
    assert cli_report.stat().st_size <= MAX_BYTES
    assert_self_contained(cli_report.read_text("utf-8"))


def test_the_cli_report_loads_offline_and_draws_every_chart(cli_report: Path, load_offline: Load) -> None:
    report = load_offline(cli_report)
    assert_clean_in_browser(report)
    assert 'Fabrikam & "Co"' in report.text


def test_a_hostile_workload_name_in_the_plan_is_text(plan_path: Path, load_offline: Load, tmp_path: Path) -> None:
    html = library_html(plan_path)
    assert_self_contained(html)
    page = tmp_path / "report.html"
    page.write_text(html, "utf-8")
    report = load_offline(page)
    assert_clean_in_browser(report)
