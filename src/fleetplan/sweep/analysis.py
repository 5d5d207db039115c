"""What a sweep's table says: Pareto fronts, one-at-a-time sensitivities, robust and flipping decisions.

Pure functions of the table (``points.csv`` rows) and each point's decisions; no solver.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from fleetplan.sweep.spec import Parameter, SweepSpec

__all__ = [
    "ROBUST_SHARE",
    "Decision",
    "Sensitivity",
    "cost_front",
    "pareto_front",
    "planned",
    "robust_decisions",
    "tornado",
]

ROBUST_SHARE = 0.9
"""A decision taken in at least this share of the planned points is robust."""
PLANNED = ("optimal", "time_limit")


def planned(table: pd.DataFrame) -> pd.DataFrame:
    """The rows with a verified plan."""
    if table.empty:
        return table
    ok = table["status"].isin(PLANNED) & table["verified"].astype(bool)
    return table[ok]


def pareto_front(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> np.ndarray:
    """Mask of the points no other point dominates, both objectives minimized.

    ``j`` dominates ``i`` when ``x_j <= x_i`` and ``y_j <= y_i`` with one of them strict; equal
    points do not dominate each other (both stay on the front). Exact: a sort by ``(x, y)`` and
    one pass keeping the lowest ``y`` seen at a smaller ``x`` (O(n log n)). NaN rows are off it.
    """
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    n = len(xs)
    mask = np.zeros(n, dtype=bool)
    ok = np.flatnonzero(~(np.isnan(xs) | np.isnan(ys)))
    order = ok[np.lexsort((ys[ok], xs[ok]))]
    best_y = np.inf  # lowest y among points of strictly smaller x
    i = 0
    while i < len(order):
        j = i
        while j < len(order) and xs[order[j]] == xs[order[i]]:
            j += 1
        group = order[i:j]  # same x, sorted by y: only the lowest y of the group can be undominated
        low = ys[group[0]]
        if low < best_y:
            mask[group[ys[group] == low]] = True
        best_y = min(best_y, low)
        i = j
    return mask


def cost_front(ok: pd.DataFrame, metric: str) -> np.ndarray:
    """Pareto mask of cost (``total_usd``) against ``metric`` over planned rows, on the figures as
    reported (cost to the cent, the metric to 9 decimals): plans equal but for floating-point
    noise in the last digits tie instead of dominating each other."""
    return pareto_front(ok["total_usd"].astype(float).round(2), ok[metric].astype(float).round(9))


@dataclass(frozen=True)
class Sensitivity:
    """One parameter moved alone from the base: the metric at its lowest and highest value."""

    parameter: str
    base_value: Any
    low_value: Any
    high_value: Any
    metric_at_low: float
    metric_at_high: float
    base_metric: float

    @property
    def swing(self) -> float:
        return abs(self.metric_at_high - self.metric_at_low)

    def to_dict(self) -> dict[str, Any]:
        return {
            "parameter": self.parameter,
            "base_value": self.base_value,
            "low_value": self.low_value,
            "high_value": self.high_value,
            "metric_at_low": self.metric_at_low,
            "metric_at_high": self.metric_at_high,
            "base_metric": self.base_metric,
            "swing": self.swing,
        }


def tornado(table: pd.DataFrame, spec: SweepSpec, metric: str = "total_usd") -> list[Sensitivity]:
    """One-at-a-time sensitivities of ``metric`` around the base point, largest swing first.

    For each parameter, the planned points equal to the base in every other parameter; the
    extremes of ``metric`` over them (the value of the parameter at each). Empty when the
    design has no base point (sampled designs) or the base point has no plan.
    """
    ok = planned(table)
    if spec.base_id is None or ok.empty or spec.base_id not in set(ok["point_id"]):
        return []
    base_row = ok[ok["point_id"] == spec.base_id].iloc[0]
    base_metric = float(base_row[metric])
    out = []
    for p in spec.parameters:
        others = [q for q in spec.parameters if q.name != p.name]
        sel = ok
        for q in others:
            sel = sel[sel[q.name].map(lambda v, b=q.base: _same(v, b))]
        if len(sel) < 2:
            continue
        lo, hi = sel.loc[sel[metric].idxmin()], sel.loc[sel[metric].idxmax()]
        out.append(
            Sensitivity(
                p.name,
                p.base,
                _plain(lo[p.name]),
                _plain(hi[p.name]),
                float(lo[metric]),
                float(hi[metric]),
                base_metric,
            )
        )
    return sorted(out, key=lambda s: (-s.swing, s.parameter))


def _same(v: Any, base: Any) -> bool:
    """A value read back from the CSV equals the parameter's base (numbers, booleans, text)."""
    if isinstance(base, bool) or isinstance(v, (bool, np.bool_)):
        return str(v).lower() == str(base).lower()
    if base is None:
        return v is None or (isinstance(v, float) and np.isnan(v)) or str(v).lower() in ("", "none")
    if isinstance(base, (int, float)):
        try:
            return bool(np.isclose(float(v), float(base), rtol=1e-12, atol=0.0))
        except (TypeError, ValueError):
            return False
    return str(v) == str(base)


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


@dataclass(frozen=True)
class Decision:
    """A decision and the share of planned points taking it; ``driver`` is the parameter whose
    values best separate the points that take it from those that do not (for flipping ones)."""

    decision: str
    share: float
    points: int
    robust: bool
    driver: str | None = None
    by_value: Mapping[str, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "share": self.share,
            "points": self.points,
            "robust": self.robust,
            "driver": self.driver,
            "share_by_driver_value": dict(self.by_value) if self.by_value else None,
        }


def robust_decisions(
    table: pd.DataFrame,
    plans: Mapping[int, Mapping[str, Any]],
    parameters: Sequence[Parameter],
    *,
    threshold: float = ROBUST_SHARE,
) -> list[Decision]:
    """Every decision taken in some planned point, with its share; robust when ``share >=
    threshold``. Sorted robust first, then by share (descending) and text."""
    ok = planned(table)
    ids = [int(i) for i in ok["point_id"]]
    if not ids:
        return []
    taken = {i: set(plans.get(i, {}).get("decisions", [])) for i in ids}
    names = sorted(set().union(*taken.values()))
    out = []
    for d in names:
        has = np.array([d in taken[i] for i in ids])
        share = float(has.mean())
        robust = share >= threshold
        driver, by_value = None, None
        if not robust:
            driver, by_value = _driver(ok, has, parameters)
        out.append(Decision(d, share, int(has.sum()), robust, driver, by_value))
    return sorted(out, key=lambda x: (not x.robust, -x.share, x.decision))


def _driver(ok: pd.DataFrame, has: np.ndarray, parameters: Sequence[Parameter]) -> tuple[str | None, dict[str, float]]:
    best: tuple[float, str | None, dict[str, float]] = (0.0, None, {})
    for p in parameters:
        col = ok[p.name].astype(str).to_numpy()
        values = sorted(set(col))
        if len(values) < 2 or len(values) > 12:  # a continuous sample: no per-value table
            continue
        by = {v: float(has[col == v].mean()) for v in values}
        spread = max(by.values()) - min(by.values())
        if spread > best[0]:
            best = (spread, p.name, by)
    return best[1], best[2]
