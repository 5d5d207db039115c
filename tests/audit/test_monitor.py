"""Plan against actuals: per (period, provider) variance, flags, the next review, old documents."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from fleetplan.audit import compare_plan, load_plan_document
from fleetplan.errors import InputError


def _doc(**extra: object) -> dict:
    doc = {
        "schema": "fleetplan.plan/1",
        "scenario": "s",
        "periods": ["2027Q1", "2027Q2", "2027Q3"],
        "allocations": [
            {"period": "2027Q1", "provider": "aws", "cost_usd": 900.0, "accelerator_hours": 100.0},
            {"period": "2027Q1", "provider": "nebius", "cost_usd": 500.0, "accelerator_hours": 200.0},
            {"period": "2027Q2", "provider": "aws", "cost_usd": 900.0, "accelerator_hours": 100.0},
        ],
        "spend_by_period": [
            {"period": "2027Q1", "provider": "aws", "category": "rented_usd", "usd": 900.0},
            {"period": "2027Q1", "provider": "aws", "category": "reserved_usd", "usd": 100.0},
            {"period": "2027Q1", "provider": "nebius", "category": "rented_usd", "usd": 500.0},
            {"period": "2027Q1", "provider": "dc", "category": "purchases_usd", "usd": 9e6},  # not on a bill
            {"period": "2027Q2", "provider": "aws", "category": "rented_usd", "usd": 900.0},
        ],
    }
    return doc | extra


def _usage(rows: list[tuple[str, str, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["month", "provider", "cost_usd", "accelerator_hours"])


def test_variance_flags_and_next_review() -> None:
    usage = _usage([("2027-01", "aws", 600.0, 60.0), ("2027-02", "aws", 500.0, 50.0), ("2027-02", "gcp", 50.0, 5.0)])
    m = compare_plan(_doc(), usage, threshold=0.1)
    rows = {(r["period"], r["provider"]): r for r in m["by_period_provider"]}
    assert m["periods_compared"] == ["2027Q1"] and m["next_review"] == "2027Q2"
    aws = rows[("2027Q1", "aws")]
    assert (aws["planned_usd"], aws["actual_usd"]) == (1000.0, 1100.0)  # rented + reserved; purchases left out
    assert aws["variance"] == pytest.approx(0.1) and not aws["flagged"]  # exactly at the threshold
    assert rows[("2027Q1", "nebius")]["variance"] == -1.0 and rows[("2027Q1", "nebius")]["flagged"]
    assert rows[("2027Q1", "gcp")]["variance"] is None and rows[("2027Q1", "gcp")]["flagged"]  # unplanned spend
    assert rows[("2027Q1", "aws")]["planned_accelerator_hours"] == 100.0
    assert ("2027Q1", "dc") not in rows


def test_a_review_cycle_moves_the_next_review() -> None:
    usage = _usage([("2027-01", "aws", 1000.0, 100.0)])
    assert compare_plan(_doc(), usage, review_cycle_periods=2)["next_review"] == "2027Q3"


def test_bill_outside_the_plan_is_named_not_compared() -> None:
    m = compare_plan(_doc(), _usage([("2026-11", "aws", 10.0, 1.0)]))
    assert m["periods_compared"] == [] and m["billed_periods_outside_plan"] == ["2026Q4"]


def test_documents_without_the_ledger_use_allocations_and_reservations() -> None:
    doc = _doc(
        reservations=[{"provider": "aws", "start_period": "2027Q1", "end_period": "2027Q2", "in_horizon_usd": 200.0}]
    )
    del doc["spend_by_period"]
    m = compare_plan(doc, _usage([("2027-01", "aws", 1000.0, 100.0)]))
    aws = next(r for r in m["by_period_provider"] if r["provider"] == "aws")
    assert aws["planned_usd"] == 1000.0  # 900 rented + 200 spread over two quarters


def test_load_plan_document_refuses_what_is_not_a_plan(tmp_path: Path) -> None:
    bad = tmp_path / "x.json"
    bad.write_text("{not json")
    with pytest.raises(InputError, match="not a JSON plan document"):
        load_plan_document(bad)
    bad.write_text(json.dumps({"schema": "fleetplan.plan/1", "periods": "2027Q1", "allocations": []}))
    with pytest.raises(InputError, match="periods"):
        load_plan_document(bad)
