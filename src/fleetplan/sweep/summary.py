"""The analysis a finished sweep adds to ``sweep.json``, and its pictures and page on disk."""

from __future__ import annotations

from typing import Any

from fleetplan._io import write_text_atomic
from fleetplan.sweep.analysis import cost_front, planned, robust_decisions, tornado
from fleetplan.sweep.pictures import PARETO_AXES, sweep_charts, sweep_page, write_pictures
from fleetplan.sweep.run import SweepResult
from fleetplan.sweep.spec import SweepSpec

__all__ = ["summarize"]


def summarize(result: SweepResult, spec: SweepSpec, scenario: str, *, pictures: bool = True) -> dict[str, Any]:
    """Pareto fronts (point ids), tornado, decisions and counts by status; with ``pictures``, the
    SVG/PNG files and ``index.html`` are written to ``result.out`` and listed under ``files``."""
    table = result.table
    ok = planned(table)
    fronts = {}
    for name, metric, _title, _fmt in PARETO_AXES:
        mask = cost_front(ok, metric) if len(ok) else []
        fronts[name] = [int(i) for i, m in zip(ok["point_id"], mask, strict=True) if m]
    sens = tornado(table, spec)
    decisions = robust_decisions(table, result.plans, spec.parameters)
    status = table["status"].value_counts().sort_index().to_dict() if len(table) else {}
    doc: dict[str, Any] = {
        "status_counts": {str(k): int(v) for k, v in status.items()},
        "pareto": fronts,
        "tornado": [s.to_dict() for s in sens],
        "decisions": [d.to_dict() for d in decisions],
        "files": [],
    }
    if pictures:
        charts = sweep_charts(table, spec, sens, decisions)
        files = write_pictures(result.out, charts)
        facts = [f"{k}: {v} point(s)" for k, v in doc["status_counts"].items()]
        for _, r in table[~table["status"].isin(("optimal", "time_limit"))].head(10).iterrows():
            facts.append(f"point {int(r['point_id'])} ({r['status']}): {r['message']}")
        robust = [d.decision for d in decisions if d.robust]
        if robust:
            facts.append("robust decisions: " + "; ".join(robust[:8]) + ("; …" if len(robust) > 8 else ""))
        write_text_atomic(result.out / "index.html", sweep_page(scenario, spec, table, charts, facts))
        doc["files"] = [*files, "index.html"]
    return doc
