"""Monitor: a plan's spend and accelerator-hours against what the bill says happened.

Planned cloud spend per (period, provider) is read from the plan document (``fleetplan.plan/1``):
its ``spend_by_period`` (the verifier's ledger) in the categories a cloud bill carries (rented,
reserved, existing commitments); for older documents without it, rented allocations'
``cost_usd`` plus each reservation's in-horizon cost spread evenly over the periods it covers.
Owned hardware, onboarding and purchases are not on a cloud bill and are left out. Planned
accelerator-hours are the allocations' ``accelerator_hours``. Actual figures are the bill's AI
compute (amortized) per plan period and provider. Only plan periods the bill covers are
compared; each row's variance is (actual - planned) / planned, flagged above ``threshold``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from fleetplan._io import read_json_document
from fleetplan.errors import InputError
from fleetplan.model.period import PeriodLength, format_period, parse_period, period_length_of

__all__ = ["DEFAULT_THRESHOLD", "compare_plan", "load_plan_document", "period_of_month"]

DEFAULT_THRESHOLD = 0.10
"""Variance above which a (period, provider) line is flagged: 10 %."""


def load_plan_document(path: str | Path) -> dict[str, Any]:
    """A ``fleetplan.plan/1`` JSON document; InputError naming the file when it is not one."""
    doc = read_json_document(path, "fleetplan.plan/1", what="plan", hint="; write one with `fleetplan plan --json`")
    for key in ("periods", "allocations"):
        if not isinstance(doc.get(key), list):
            raise InputError("missing or not a list", file=str(path), path=key)
    return doc


def period_of_month(month: str, length: PeriodLength) -> str:
    """The period label (``length``) containing calendar month ``YYYY-MM``."""
    ordinal = parse_period(month, "month")
    year, m = divmod(ordinal, 12)
    if length == "month":
        return month
    if length == "quarter":
        return format_period(year * 4 + m // 3, "quarter")
    return str(year)


CLOUD_CATEGORIES = ("rented_usd", "reserved_usd", "committed_usd")
"""Cost categories of the plan's ledger that appear on a cloud bill."""


def _planned(doc: dict[str, Any]) -> pd.DataFrame:
    periods = [str(p) for p in doc["periods"]]
    alloc = pd.DataFrame(doc["allocations"])
    ledger = pd.DataFrame(doc.get("spend_by_period") or [])
    if len(ledger):  # the verifier's ledger per period (plan documents since it was added)
        cloud = ledger[ledger["category"].isin(CLOUD_CATEGORIES) & ledger["provider"].ne("")]
        usd = cloud.groupby(["period", "provider"])["usd"].sum().rename("planned_usd")
        hours = (
            alloc.groupby(["period", "provider"])["accelerator_hours"].sum()
            if len(alloc)
            else pd.Series(dtype=float, name="accelerator_hours")
        ).rename("planned_accelerator_hours")
        both = pd.concat([usd, hours], axis=1).fillna(0.0).reset_index()
        return both.rename(columns={"level_0": "period", "level_1": "provider"})
    rows: list[dict[str, Any]] = []
    if len(alloc):
        alloc = alloc[alloc["provider"].notna()]
        g = alloc.groupby(["period", "provider"], as_index=False)[["cost_usd", "accelerator_hours"]].sum()
        rows += g.rename(columns={"cost_usd": "planned_usd", "accelerator_hours": "planned_accelerator_hours"}).to_dict(
            "records"
        )
    index = {p: i for i, p in enumerate(periods)}
    for r in doc.get("reservations") or []:
        start = index.get(str(r.get("start_period")))
        if start is None:
            continue
        end = index.get(str(r.get("end_period")), len(periods) - 1)
        covered = periods[start : end + 1]
        if not covered:
            continue
        per = float(r.get("in_horizon_usd") or 0.0) / len(covered)
        rows += [
            {"period": p, "provider": r["provider"], "planned_usd": per, "planned_accelerator_hours": 0.0}
            for p in covered
        ]
    frame = pd.DataFrame(rows, columns=["period", "provider", "planned_usd", "planned_accelerator_hours"])
    return frame.groupby(["period", "provider"], as_index=False).sum()


def compare_plan(
    doc: dict[str, Any],
    usage: pd.DataFrame,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    review_cycle_periods: int = 1,
) -> dict[str, Any]:
    """Planned against actual per (period, provider) for the plan periods the bill covers.

    ``usage`` is the audit's AI compute table (``month``, ``provider``, ``cost_usd``,
    ``accelerator_hours``). Returns ``by_period_provider`` records, totals and ``next_review``.
    """
    periods = [str(p) for p in doc["periods"]]
    if not periods:
        raise InputError("the plan has no periods", path="periods")
    length = period_length_of(periods[0])
    planned = _planned(doc)
    actual = usage.assign(period=[period_of_month(m, length) for m in usage["month"]]) if len(usage) else usage
    if len(actual):
        actual = actual.groupby(["period", "provider"], as_index=False)[["cost_usd", "accelerator_hours"]].sum()
        actual = actual.rename(columns={"cost_usd": "actual_usd", "accelerator_hours": "actual_accelerator_hours"})
    else:
        actual = pd.DataFrame(columns=["period", "provider", "actual_usd", "actual_accelerator_hours"])
    billed = sorted(set(actual["period"]))
    compared = [p for p in periods if p in billed]
    both = planned[planned["period"].isin(compared)].merge(
        actual[actual["period"].isin(compared)], how="outer", on=["period", "provider"]
    )
    both = both.fillna(
        {"planned_usd": 0.0, "actual_usd": 0.0, "planned_accelerator_hours": 0.0, "actual_accelerator_hours": 0.0}
    )
    var = [(a - p) / p if p > 0 else None for a, p in zip(both["actual_usd"], both["planned_usd"], strict=True)]
    both["variance"] = var
    both["flagged"] = [
        (v is None and a > 0) or (v is not None and abs(v) > threshold + 1e-9)
        for v, a in zip(var, both["actual_usd"], strict=True)
    ]
    both["order"] = both["period"].map({p: i for i, p in enumerate(periods)})
    both = both.sort_values(["order", "planned_usd"], ascending=[True, False]).drop(columns="order")
    outside = sorted(set(billed) - set(periods))
    next_review = None
    if compared:
        last = parse_period(compared[-1], length)
        first = parse_period(periods[0], length)
        k = (last - first) // review_cycle_periods + 1
        next_review = format_period(first + k * review_cycle_periods, length)
    return {
        "threshold": threshold,
        "plan_scenario": doc.get("scenario"),
        "periods_compared": compared,
        "billed_periods_outside_plan": outside,
        "next_review": next_review,
        "planned_usd": float(both["planned_usd"].sum()),
        "actual_usd": float(both["actual_usd"].sum()),
        "flagged": int(both["flagged"].sum()),
        "by_period_provider": [
            {**r, "variance": None if pd.isna(r["variance"]) else float(r["variance"])} for r in both.to_dict("records")
        ],
        "definition": "planned = the plan's rented, reserved and committed spend (cloud bill items only); "
        "actual = the bill's AI compute, amortized",
    }
