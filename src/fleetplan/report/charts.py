"""Vega-Lite chart specs and their SVG: the pictures of the plan report.

Each function returns a plain Vega-Lite (v5) specification with its data inline; :func:`svg`
renders one to a standalone SVG string with ``vl-convert`` (no browser, no network, no
JavaScript in the result). Specs are small dicts so that the report stays testable: the chart's
data is the table printed beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["bars", "heatmap", "layered_line", "stacked_bars", "svg", "timeline"]

_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
_CONFIG: dict[str, Any] = {
    "font": "Helvetica, Arial, sans-serif",
    "view": {"stroke": None},
    "axis": {"labelFontSize": 11, "titleFontSize": 12, "gridColor": "#e5e7eb"},
    "legend": {"labelFontSize": 11, "titleFontSize": 12, "labelLimit": 220},
    "title": {"fontSize": 14, "anchor": "start"},
}
WIDTH = 640


def _spec(title: str, values: Sequence[dict[str, Any]], **body: Any) -> dict[str, Any]:
    return {
        "$schema": _SCHEMA,
        "title": title,
        "width": body.pop("width", WIDTH),
        "height": body.pop("height", 260),
        "data": {"values": list(values)},
        "config": _CONFIG,
        **body,
    }


def stacked_bars(
    title: str,
    values: Sequence[dict[str, Any]],
    *,
    x: str,
    y: str,
    color: str,
    x_title: str,
    y_title: str,
    x_sort: Sequence[str] | None = None,
    y_format: str = "$,.3s",
) -> dict[str, Any]:
    """Bars per ``x`` stacked by ``color`` (e.g. spend per period by provider)."""
    return _spec(
        title,
        values,
        mark={"type": "bar"},
        encoding={
            "x": {"field": x, "type": "ordinal", "title": x_title, "sort": list(x_sort) if x_sort else "ascending"},
            "y": {
                "field": y,
                "type": "quantitative",
                "title": y_title,
                "aggregate": "sum",
                "axis": {"format": y_format},
            },
            "color": {"field": color, "type": "nominal", "title": color.replace("_", " ")},
            "tooltip": [
                {"field": x, "type": "ordinal"},
                {"field": color, "type": "nominal"},
                {"field": y, "type": "quantitative", "aggregate": "sum", "format": y_format},
            ],
        },
    )


def bars(
    title: str,
    values: Sequence[dict[str, Any]],
    *,
    x: str,
    y: str,
    x_title: str,
    y_title: str,
    color: str | None = None,
    rule: float | None = None,
    x_format: str = ",.2f",
    height: int | None = None,
    by_value: bool = True,
) -> dict[str, Any]:
    """Horizontal bars of ``x`` per ``y`` (sorted by value unless ``by_value`` is false: then in
    data order), with an optional reference line at ``x = rule`` (e.g. 100 % of a policy limit)."""
    bar: dict[str, Any] = {
        "mark": {"type": "bar"},
        "encoding": {
            "y": {"field": y, "type": "nominal", "title": y_title, "sort": "-x" if by_value else None},
            "x": {"field": x, "type": "quantitative", "title": x_title, "axis": {"format": x_format}},
            "tooltip": [{"field": y, "type": "nominal"}, {"field": x, "type": "quantitative", "format": x_format}],
        },
    }
    if color:
        bar["encoding"]["color"] = {"field": color, "type": "nominal", "title": color.replace("_", " ")}
    h = height or max(120, 22 * len(values) + 40)
    if rule is None:
        return _spec(title, values, height=h, **bar)
    return _spec(
        title,
        values,
        height=h,
        layer=[
            bar,
            {"mark": {"type": "rule", "color": "#b91c1c", "strokeDash": [4, 3]}, "encoding": {"x": {"datum": rule}}},
        ],
    )


def heatmap(
    title: str,
    values: Sequence[dict[str, Any]],
    *,
    x: str,
    y: str,
    color: str,
    text: str | None,
    x_title: str,
    y_title: str,
    x_sort: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Cells per (``x``, ``y``) coloured by the nominal ``color`` (e.g. where each workload runs)."""
    rows = len({str(v[y]) for v in values}) or 1
    layers: list[dict[str, Any]] = [
        {
            "mark": {"type": "rect", "stroke": "white"},
            "encoding": {"color": {"field": color, "type": "nominal", "title": color.replace("_", " ")}},
        }
    ]
    if text:
        layers.append(
            {"mark": {"type": "text", "fontSize": 9, "color": "#111827"}, "encoding": {"text": {"field": text}}}
        )
    return _spec(
        title,
        values,
        height=max(120, 20 * rows),
        encoding={
            "x": {"field": x, "type": "ordinal", "title": x_title, "sort": list(x_sort) if x_sort else "ascending"},
            "y": {"field": y, "type": "nominal", "title": y_title},
            "tooltip": [{"field": y}, {"field": x}, {"field": color}, *([{"field": text}] if text else [])],
        },
        layer=layers,
    )


def timeline(
    title: str,
    values: Sequence[dict[str, Any]],
    *,
    start: str,
    end: str,
    y: str,
    color: str,
    order: Sequence[str],
    x_title: str,
) -> dict[str, Any]:
    """Bars from ``start`` to ``end`` (period labels, ``order`` gives their sequence) per ``y``."""
    index = {p: i for i, p in enumerate(order)}
    data = [{**v, "_s": index.get(str(v[start]), 0), "_e": index.get(str(v[end]), len(order) - 1) + 1} for v in values]
    return _spec(
        title,
        data,
        height=max(100, 22 * len(data) + 30),
        mark={"type": "bar", "cornerRadius": 2},
        encoding={
            "y": {"field": y, "type": "nominal", "title": None, "sort": None},
            "x": {
                "field": "_s",
                "type": "quantitative",
                "title": x_title,
                "scale": {"domain": [0, len(order)]},
                "axis": {
                    "values": list(range(len(order))),
                    "labelExpr": "[" + ",".join(f"'{p}'" for p in order) + "][datum.value]",
                },
            },
            "x2": {"field": "_e"},
            "color": {"field": color, "type": "nominal", "title": color.replace("_", " ")},
            "tooltip": [{"field": y}, {"field": start}, {"field": end}, {"field": color}],
        },
    )


def layered_line(
    title: str,
    values: Sequence[dict[str, Any]],
    *,
    x: str,
    y: str,
    series: str,
    x_title: str,
    y_title: str,
    x_sort: Sequence[str] | None = None,
    y_format: str = ",.3s",
) -> dict[str, Any]:
    """One line per ``series`` over ``x`` (e.g. energy and emissions per period)."""
    return _spec(
        title,
        values,
        mark={"type": "line", "point": True},
        encoding={
            "x": {"field": x, "type": "ordinal", "title": x_title, "sort": list(x_sort) if x_sort else "ascending"},
            "y": {"field": y, "type": "quantitative", "title": y_title, "axis": {"format": y_format}},
            "color": {"field": series, "type": "nominal", "title": None},
            "tooltip": [{"field": x}, {"field": series}, {"field": y, "type": "quantitative", "format": y_format}],
        },
    )


def svg(spec: dict[str, Any]) -> str:
    """The chart as a standalone SVG string (vl-convert; fonts by name, nothing fetched)."""
    import vl_convert

    return vl_convert.vegalite_to_svg(spec)
