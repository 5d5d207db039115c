"""The sweep's pictures (the report's Vega-Lite stack): SVG and PNG files and one HTML page.

Pictures: Pareto fronts of cost against emissions and against the top provider's share
(dominated points grey), the tornado of one-at-a-time sensitivities around the base point
(grid and one_at_a_time designs), the distribution of cost (sampled designs) and the share of
points taking each decision (robust ones apart from those that flip).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from fleetplan._io import write_atomic, write_text_atomic
from fleetplan.report.charts import WIDTH, bars, svg
from fleetplan.report.html import page_html
from fleetplan.report.sections import Chart, Section
from fleetplan.sweep.analysis import ROBUST_SHARE, Decision, Sensitivity, cost_front, planned
from fleetplan.sweep.spec import SweepSpec

__all__ = ["PARETO_AXES", "sweep_charts", "sweep_page", "write_pictures"]

PARETO_AXES: tuple[tuple[str, str, str, str], ...] = (
    ("pareto-emissions", "co2e_t", "Emissions over the horizon (tCO2e)", ",.1f"),
    ("pareto-concentration", "top_provider_share", "Top provider's share of spend", ".0%"),
)
"""(name, metric, axis title, axis format) of each Pareto picture; cost is total_usd."""
_CONFIG = {"font": "Helvetica, Arial, sans-serif", "view": {"stroke": None}, "title": {"anchor": "start"}}


def _pareto(ok: pd.DataFrame, spec: SweepSpec, name: str, metric: str, title: str, fmt: str) -> Chart:
    front = cost_front(ok, metric)
    params = [p.name for p in spec.parameters]
    data = [
        {
            "point": int(r["point_id"]),
            "cost_usd": float(r["total_usd"]),
            metric: float(r[metric]),
            "front": "Pareto front" if f else "dominated",
            **{p: str(r[p]) for p in params},
        }
        for (_, r), f in zip(ok.iterrows(), front, strict=True)
    ]
    encoding: dict[str, Any] = {
        "x": {
            "field": metric,
            "type": "quantitative",
            "title": title,
            "axis": {"format": fmt},
            "scale": {"zero": False},
        },
        "y": {
            "field": "cost_usd",
            "type": "quantitative",
            "title": "Cost over the horizon (USD)",
            "axis": {"format": "$,.3s"},
            "scale": {"zero": False},
        },
    }
    vl = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": WIDTH,
        "height": 320,
        "data": {"values": data},
        "config": _CONFIG,
        "layer": [
            {
                "mark": {"type": "point", "filled": True, "size": 60},
                "encoding": {
                    **encoding,
                    "color": {
                        "field": "front",
                        "type": "nominal",
                        "title": None,
                        "scale": {"domain": ["Pareto front", "dominated"], "range": ["#2563eb", "#c7c9cf"]},
                    },
                    "order": {"field": "front", "sort": "descending"},  # front points drawn last, on top
                    "tooltip": [
                        {"field": "point"},
                        {"field": "cost_usd", "format": "$,.0f"},
                        {"field": metric},
                        *({"field": p} for p in params),
                    ],
                },
            },
            {
                "transform": [{"filter": "datum.front == 'Pareto front'"}],
                "mark": {"type": "line", "color": "#2563eb", "interpolate": "step-after"},
                "encoding": {**encoding, "order": {"field": metric, "type": "quantitative"}},
            },
        ],
    }
    table = pd.DataFrame(data).sort_values(["front", "cost_usd"], ascending=[False, True], kind="stable")
    on = int(front.sum())
    return Chart(
        name,
        f"Cost against {title[0].lower() + title[1:]}",
        f"{len(data)} planned points, {on} on the Pareto front (blue, no point is cheaper and lower on both); "
        "dominated points grey.",
        vl,
        table,
    )


def _tornado(sens: list[Sensitivity]) -> Chart:
    data = []
    for s in sens:
        data.append(
            {"parameter": s.parameter, "end": f"at {s.low_value}", "delta_usd": s.metric_at_low - s.base_metric}
        )
        data.append(
            {"parameter": s.parameter, "end": f"at {s.high_value}", "delta_usd": s.metric_at_high - s.base_metric}
        )
    vl = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": WIDTH,
        "height": max(100, 36 * len(sens) + 30),
        "data": {"values": data},
        "config": _CONFIG,
        "mark": {"type": "bar"},
        "encoding": {
            "y": {"field": "parameter", "type": "nominal", "title": None, "sort": [s.parameter for s in sens]},
            "x": {
                "field": "delta_usd",
                "type": "quantitative",
                "title": "Change in cost from the base point (USD)",
                "axis": {"format": "$,.3s"},
            },
            "color": {"field": "end", "type": "nominal", "title": "parameter value", "legend": None},
            "tooltip": [{"field": "parameter"}, {"field": "end"}, {"field": "delta_usd", "format": "$,.0f"}],
        },
    }
    base = sens[0].base_metric if sens else 0.0
    return Chart(
        "tornado",
        "Sensitivity of cost to each parameter alone (one at a time around the base point)",
        f"Each bar spans the cost change when one parameter moves over its values with the others at their base; "
        f"base cost ${base:,.0f}.",
        vl,
        pd.DataFrame([s.to_dict() for s in sens]),
    )


def _distribution(ok: pd.DataFrame) -> Chart:
    data = [{"cost_usd": float(v)} for v in ok["total_usd"]]
    vl = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": WIDTH,
        "height": 260,
        "data": {"values": data},
        "config": _CONFIG,
        "mark": {"type": "bar", "color": "#2563eb"},
        "encoding": {
            "x": {
                "field": "cost_usd",
                "bin": {"maxbins": 30},
                "type": "quantitative",
                "title": "Cost over the horizon (USD)",
                "axis": {"format": "$,.3s"},
            },
            "y": {"aggregate": "count", "type": "quantitative", "title": "points"},
        },
    }
    q = ok["total_usd"].quantile([0.05, 0.5, 0.95])
    return Chart(
        "cost-distribution",
        "Distribution of cost over the sampled futures",
        f"{len(data)} planned points: median ${q[0.5]:,.0f}, 5th-95th percentile ${q[0.05]:,.0f}-${q[0.95]:,.0f}.",
        vl,
        ok["total_usd"].describe(percentiles=[0.05, 0.5, 0.95]).rename("total_usd").reset_index(),
    )


def _decisions(decisions: list[Decision]) -> Chart:
    shown = decisions[:40]
    data = [{"decision": d.decision, "share": d.share, "kind": "robust" if d.robust else "flips"} for d in shown]
    spec = bars(
        "",
        data,
        x="share",
        y="decision",
        x_title="share of planned points taking the decision",
        y_title="",
        color="kind",
        rule=ROBUST_SHARE,
        x_format=".0%",
        by_value=False,
    )
    spec.pop("title", None)
    robust = sum(d.robust for d in decisions)
    return Chart(
        "decisions",
        "Robust decisions and those that flip",
        f"{robust} of {len(decisions)} decisions are taken in at least {ROBUST_SHARE:.0%} of the planned points "
        "(robust); the others flip with the parameters.",
        spec,
        pd.DataFrame([d.to_dict() for d in decisions]),
    )


def sweep_charts(
    table: pd.DataFrame, spec: SweepSpec, sens: list[Sensitivity], decisions: list[Decision]
) -> list[Chart]:
    """The pictures this sweep supports (none without a planned point)."""
    ok = planned(table)
    if ok.empty:
        return []
    charts = [_pareto(ok, spec, *axes) for axes in PARETO_AXES]
    if sens:
        charts.append(_tornado(sens))
    if spec.design in ("latin_hypercube", "monte_carlo"):
        charts.append(_distribution(ok))
    if decisions:
        charts.append(_decisions(decisions))
    return charts


def write_pictures(out: Path, charts: list[Chart], *, png: bool = True) -> list[str]:
    """``NAME.svg`` (and ``NAME.png``) per chart in ``out``; returns the file names written."""
    import vl_convert

    names = []
    for c in charts:
        vl = {**c.spec, "title": c.title}
        write_text_atomic(out / f"{c.name}.svg", svg(vl))
        names.append(f"{c.name}.svg")
        if png:
            write_atomic(out / f"{c.name}.png", vl_convert.vegalite_to_png(vl, scale=2))
            names.append(f"{c.name}.png")
    return names


def sweep_page(scenario: str, spec: SweepSpec, table: pd.DataFrame, charts: list[Chart], facts: list[str]) -> str:
    """``index.html``: the facts, every picture with its numbers, and the table of points."""
    sections = [
        Section("The sweep", facts=facts, charts=charts),
        Section("Points", tables=[("Every point", table)]),
    ]
    subtitle = f"Sweep by fleetplan · design {spec.design} · {len(spec.points)} points · {spec.file}"
    return page_html(f"{scenario}: what-ifs", subtitle, sections)
