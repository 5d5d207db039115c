"""The plan report as one self-contained HTML file, or as Markdown.

Contract of :func:`plan_report_html`: one HTML document that opens offline — no script fetched, no
stylesheet or font fetched, no network request; every chart an inline ``<svg>`` inside
``<figure class="chart" id="chart-NAME">`` with a ``<figcaption>`` (title with units), a text
alternative (``role="img"`` and ``aria-label``) and a ``<table>`` of the numbers it draws.
Everything that comes from the scenario (names, descriptions) is escaped. Prints on A4/Letter
(one figure never split across pages). One inline script, allowed by its hash in the page's
Content-Security-Policy and nothing else, sorts a table when a header is clicked; without
JavaScript the page reads the same.
"""

from __future__ import annotations

import base64
import hashlib
import html
import math
from typing import Any

import pandas as pd

from fleetplan.report.charts import svg
from fleetplan.report.sections import Chart, Section, report_sections

__all__ = ["SCRIPT_SOURCE", "page_html", "plan_report_html", "plan_report_markdown"]

MAX_TABLE_ROWS = 400
"""Rows shown per table (the rest are counted); the JSON document has them all."""

_CSS = """
:root { color-scheme: light; }
body { font-family: Helvetica, Arial, sans-serif; margin: 2rem auto; max-width: 1100px; color: #111827;
       line-height: 1.45; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.25rem; margin-top: 2.2rem;
     border-bottom: 1px solid #e5e7eb; padding-bottom: .2rem; }
.sub { color: #4b5563; margin-top: 0; }
figure.chart { margin: 1.2rem 0; break-inside: avoid; page-break-inside: avoid; }
figure.chart svg { max-width: 100%; height: auto; }
figcaption { font-weight: 600; margin-bottom: .3rem; }
details { margin: .3rem 0 1rem; } summary { cursor: pointer; color: #374151; }
table { border-collapse: collapse; font-size: .82rem; margin: .4rem 0; }
th, td { border: 1px solid #e5e7eb; padding: .15rem .45rem; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f9fafb; }
ul.facts li { margin: .2rem 0; }
@media print { body { margin: 0; max-width: none; } details { display: block; } details > * { display: block; }
               h2 { break-after: avoid; } }
"""


_SORT_JS = """
document.querySelectorAll("table.sortable th").forEach(function (th, col) {
  th.title = "sort by this column";
  th.style.cursor = "pointer";
  th.addEventListener("click", function () {
    var body = th.closest("table").tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var up = th.dataset.order !== "up";
    th.dataset.order = up ? "up" : "down";
    function key(r) {
      var t = r.cells[th.cellIndex].textContent.replace(/,/g, "");
      var n = parseFloat(t);
      return isNaN(n) ? t : n;
    }
    rows.sort(function (a, b) {
      var x = key(a), y = key(b);
      var c = (typeof x === typeof y) ? (x < y ? -1 : x > y ? 1 : 0) : (typeof x === "number" ? -1 : 1);
      return up ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
"""
"""Click a column header to sort a table (the page reads the same without JavaScript)."""

_SORT_HASH = base64.b64encode(hashlib.sha256(_SORT_JS.encode()).digest()).decode()
"""The Content-Security-Policy hash that lets exactly this script run, and nothing else."""

SCRIPT_SOURCE = f"'sha256-{_SORT_HASH}'"
"""The report's one script as a Content-Security-Policy source: a server that serves the report
under its own policy adds it to ``script-src``."""


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _cell(value: object) -> tuple[str, bool]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—", False
    if isinstance(value, bool):
        return ("yes" if value else "no"), False
    if isinstance(value, int):
        return f"{value:,}", True
    if isinstance(value, float):
        return (f"{value:,.2f}" if abs(value) < 1e6 else f"{value:,.0f}"), True
    return str(value), False


def _table_html(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{_esc(c)}</th>" for c in frame.columns)
    body = []
    for row in frame.head(MAX_TABLE_ROWS).itertuples(index=False):
        cells = []
        for v in row:
            text, num = _cell(v)
            cells.append(f'<td class="num">{_esc(text)}</td>' if num else f"<td>{_esc(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = (
        f'<p class="sub">… {len(frame) - MAX_TABLE_ROWS:,} more rows in the JSON document.</p>'
        if len(frame) > MAX_TABLE_ROWS
        else ""
    )
    return f'<table class="sortable"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>{more}'


def _figure_html(chart: Chart) -> str:
    picture = svg({k: v for k, v in chart.spec.items() if k != "title"})  # the figcaption is the title
    # the SVG is vl-convert's own markup (text in it is XML-escaped there); give it its text alternative
    picture = picture.replace("<svg ", f'<svg role="img" aria-label="{_esc(chart.alt)}" ', 1)
    return (
        f'<figure class="chart" id="chart-{_esc(chart.name)}">'
        f"<figcaption>{_esc(chart.title)}</figcaption>{picture}"
        f'<p class="sub">{_esc(chart.alt)}</p>'
        f"<details><summary>The numbers behind the chart</summary>{_table_html(chart.table)}</details>"
        "</figure>"
    )


def _section_html(s: Section) -> str:
    parts = [f"<section><h2>{_esc(s.title)}</h2>"]
    if s.facts:
        parts.append('<ul class="facts">' + "".join(f"<li>{_esc(f)}</li>" for f in s.facts) + "</ul>")
    parts += [_figure_html(c) for c in s.charts]
    for title, frame in s.tables:
        if len(frame) > 25:
            parts.append(
                f"<h3>{_esc(title)}</h3><details><summary>{len(frame):,} rows</summary>{_table_html(frame)}</details>"
            )
        elif len(frame):
            parts.append(f"<h3>{_esc(title)}</h3>{_table_html(frame)}")
    parts.append("</section>")
    return "".join(parts)


def plan_report_html(
    plan: dict[str, Any],
    *,
    risk: dict[str, Any] | None = None,
    audit: dict[str, Any] | None = None,
    compare: dict[str, Any] | None = None,
) -> str:
    """The report of a ``fleetplan.plan/1`` document (see the module docstring for the contract);
    ``compare`` is an earlier plan document to show the changes against."""
    sections = report_sections(plan, risk=risk, audit=audit, compare=compare)
    subtitle = (
        f"Plan report by fleetplan · periods {plan['periods'][0]}–{plan['periods'][-1]} · {plan.get('currency', 'USD')}"
    )
    return page_html(str(plan.get("scenario", "Plan")), subtitle, sections)


def page_html(heading: str, subtitle: str, sections: list[Section]) -> str:
    """A report page in the plan report's layout (same contract): ``heading``, a ``subtitle``
    line and the sections, all text escaped."""
    title = f"fleetplan: {heading}"
    head = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        f'img-src data:; script-src {SCRIPT_SOURCE}">'
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head><body>"
    )
    intro = f'<h1>{_esc(heading)}</h1><p class="sub">{_esc(subtitle)}</p>'
    body = "".join(_section_html(s) for s in sections)
    return head + intro + body + f"<script>{_SORT_JS}</script></body></html>\n"


def _md_escape(text: object) -> str:
    return html.escape(str(text), quote=False).replace("|", "\\|").replace("\n", " ")


def _table_md(frame: pd.DataFrame) -> str:
    cols = list(frame.columns)
    lines = ["| " + " | ".join(_md_escape(c) for c in cols) + " |", "|" + "---|" * len(cols)]
    for row in frame.head(MAX_TABLE_ROWS).itertuples(index=False):
        lines.append("| " + " | ".join(_md_escape(_cell(v)[0]) for v in row) + " |")
    if len(frame) > MAX_TABLE_ROWS:
        lines.append(f"\n… {len(frame) - MAX_TABLE_ROWS:,} more rows in the JSON document.")
    return "\n".join(lines)


def plan_report_markdown(
    plan: dict[str, Any],
    *,
    risk: dict[str, Any] | None = None,
    audit: dict[str, Any] | None = None,
    compare: dict[str, Any] | None = None,
) -> str:
    """The same report as Markdown: the facts, and each chart's numbers as a table (no pictures)."""
    out = [f"# {_md_escape(plan.get('scenario', 'Plan'))}", ""]
    for s in report_sections(plan, risk=risk, audit=audit, compare=compare):
        out += [f"## {_md_escape(s.title)}", ""]
        out += [f"- {_md_escape(f)}" for f in s.facts]
        if s.facts:
            out.append("")
        for c in s.charts:
            out += [f"### {_md_escape(c.title)}", "", f"_{_md_escape(c.alt)}_", "", _table_md(c.table), ""]
        for title, frame in s.tables:
            if len(frame):
                out += [f"### {_md_escape(title)}", "", _table_md(frame), ""]
    return "\n".join(out).rstrip() + "\n"
