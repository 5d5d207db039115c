"""The roadmap: phases per period from a plan document, and review gates on the plan's cycle."""

from __future__ import annotations

import json
from pathlib import Path

from fleetplan.report.roadmap import roadmap

DATA = Path(__file__).resolve().parent / "data"
H = 2190.0  # hours of a quarter


def _doc() -> dict:
    return {
        "schema": "fleetplan.plan/1",
        "scenario": "s",
        "periods": ["2027Q1", "2027Q2", "2027Q3", "2027Q4"],
        "review_cycle_periods": 2,
        "allocations": [
            {
                "period": "2027Q1",
                "provider": "aws",
                "accelerator": "H100-SXM",
                "accelerator_hours": 8 * H,
                "cost_usd": 1.0,
            },
            {
                "period": "2027Q2",
                "provider": "aws",
                "accelerator": "H100-SXM",
                "accelerator_hours": 16 * H,
                "cost_usd": 2.0,
            },
            {
                "period": "2027Q2",
                "provider": "oci",
                "accelerator": "MI300X",
                "accelerator_hours": 8 * H,
                "cost_usd": 5.0,
            },
            {
                "period": "2027Q3",
                "provider": "oci",
                "accelerator": "MI300X",
                "accelerator_hours": 4 * H,
                "cost_usd": 3.0,
            },
        ],
        "purchases": [
            {
                "site": "dc",
                "server_type": "hgx",
                "servers": 2,
                "accelerators": 16,
                "accelerator": "H100-SXM",
                "period_ordered": "2027Q1",
                "period_in_service": "2027Q3",
                "capex_usd": 600000.0,
            }
        ],
        "reservations": [
            {
                "provider": "aws",
                "region": "us-east-1",
                "instance_type": "p5.48xlarge",
                "pricing_model": "reserved_1y",
                "instances": 1,
                "start_period": "2027Q1",
                "end_period": "2027Q3",
                "committed_usd": 1e5,
            }
        ],
        "spend_by_period": [{"period": "2027Q2", "provider": "oci", "category": "onboarding_usd", "usd": 40000.0}],
    }


def test_phases_name_each_change_in_its_period() -> None:
    r = roadmap(_doc())
    kinds = {p["period"]: [a["kind"] for a in p["actions"]] for p in r["phases"]}
    assert kinds["2027Q1"] == ["run", "order", "reservation_start"]
    assert kinds["2027Q2"] == ["onboard", "scale_up", "pilot"]  # x2 on aws; MI300X is new on oci
    assert kinds["2027Q3"] == ["scale_down", "wind_down", "in_service", "reservation_end"]
    assert kinds["2027Q4"] == ["wind_down"]
    pilot = next(a for a in r["phases"][1]["actions"] if a["kind"] == "pilot")
    assert pilot["accelerators"] == 8.0 and pilot["cost_usd"] == 5.0


def test_review_gates_follow_the_cycle_and_list_go_no_go() -> None:
    r = roadmap(_doc())
    assert [g["period"] for g in r["review_gates"]] == ["2027Q1", "2027Q3"]
    first = r["review_gates"][0]["decisions"]
    assert any(d.startswith("go/no-go on the MI300X pilot on oci: planned 8.0 accelerators") for d in first)
    assert roadmap(_doc(), review_cycle_periods=1)["review_cycle_periods"] == 1


def test_roadmap_of_the_example_plan_is_complete() -> None:
    doc = json.loads((DATA / "new.plan.json").read_text())
    r = roadmap(doc)
    assert [p["period"] for p in r["phases"]] == doc["periods"]
    starts = [a for p in r["phases"] for a in p["actions"] if a["kind"] == "reservation_start"]
    assert len(starts) == len(doc["reservations"])


def test_rollout_pilots_and_stack_adoption_are_phases_and_decisions() -> None:
    doc = _doc()
    doc["rollout"] = [
        {
            "kind": "provider",
            "entity": "oci",
            "first_period": "2027Q2",
            "pilot_periods": ["2027Q2", "2027Q3"],
            "accelerators_by_period": {"2027Q2": 8.0, "2027Q3": 4.0},
        }
    ]
    doc["skills_adoption"] = [{"stack": "rocm", "period": "2027Q1", "note": "for MI300X from 2027Q2"}]
    r = roadmap(doc)
    kinds = {p["period"]: [a["kind"] for a in p["actions"]] for p in r["phases"]}
    assert "rollout_pilot" in kinds["2027Q2"] and "rollout_scale" in kinds["2027Q4"]
    assert "adopt_stack" in kinds["2027Q1"]
    first_gate = r["review_gates"][0]["decisions"]
    assert any(d.startswith("adopt rocm") for d in first_gate)
    assert any("rollout pilot of provider oci (2027Q2–2027Q3): at most 8.0 accelerators" in d for d in first_gate)
