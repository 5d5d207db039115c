"""``diff_plans``: the golden diff of two plans of the carbon-budget example, and hand-made plan documents."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest

from fleetplan._format import json_text
from fleetplan.errors import InputError
from fleetplan.report import DIFF_SCHEMA, diff_plans

DATA = Path(__file__).resolve().parent / "data"
GOLDEN = DATA / "golden.diff.json"


def _load(name: str) -> dict[str, Any]:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def _alloc(workload: str, period: str, provider: str, *, cost: float = 100.0, hours: float = 10.0, **kw: Any) -> dict:
    row = {
        "workload": workload,
        "period": period,
        "provider": provider,
        "region": f"{provider}-east",
        "site": None,
        "server_type": None,
        "instance_type": "a100x8",
        "accelerator": "A100-80GB",
        "pricing_model": "on_demand",
        "option_id": 1,
        "accelerator_hours": hours,
        "cost_usd": cost,
    }
    return {**row, **kw}


def _reservation(provider: str, start: str, instances: int = 1, **kw: Any) -> dict:
    row = {
        "option_id": 7,
        "provider": provider,
        "region": f"{provider}-east",
        "instance_type": "a100x8",
        "accelerator": "A100-80GB",
        "pricing_model": "reserved_1y",
        "start_period": start,
        "end_period": "2028Q1",
        "term_periods": 4,
        "instances": instances,
        "accelerators": 8 * instances,
        "in_horizon_usd": 1000.0 * instances,
        "committed_usd": 1000.0 * instances,
    }
    return {**row, **kw}


def _policy(value: float, *, binding: bool, limit: float = 0.6, satisfied: bool = True) -> dict:
    return {
        "policy": "provider_share",
        "scope": "alpha",
        "limit": limit,
        "value": value,
        "unit": "share",
        "binding": binding,
        "satisfied": satisfied,
    }


def _plan(allocations: list[dict], **sections: Any) -> dict[str, Any]:
    """A minimal plan document: totals, costs and spend by provider follow from the allocations."""
    periods = sections.pop("periods", ["2027Q1", "2027Q2"])
    allocations = copy.deepcopy(allocations)
    total = sum(a["cost_usd"] for a in allocations)
    by_provider: dict[str, float] = {}
    for a in allocations:
        by_provider[a["provider"]] = by_provider.get(a["provider"], 0.0) + a["cost_usd"]
    doc = {
        "schema": "fleetplan.plan/1",
        "scenario": "toy",
        "currency": "USD",
        "periods": periods,
        "status": "optimal",
        "totals": {"total_usd": total, "discounted_usd": total},
        "solver": {"gap": 0.0},
        "verification": {"ok": True, "checks": [], "violations": []},
        "costs": [
            {"period": p, "total_usd": sum(a["cost_usd"] for a in allocations if a["period"] == p)} for p in periods
        ],
        "spend_by_provider": {k: {"spend_usd": v, "share": v / total} for k, v in by_provider.items()},
        "allocations": allocations,
    }
    doc.update(sections)
    return doc


BASE = [_alloc("batch", "2027Q1", "alpha"), _alloc("batch", "2027Q2", "alpha"), _alloc("chat", "2027Q1", "beta")]


# --- golden ---------------------------------------------------------------------------------------


def test_golden_diff_of_the_carbon_budget_example() -> None:
    """The diff of the example without and with its carbon budget is the committed golden file.

    Refresh after a deliberate change: ``FLEETPLAN_UPDATE_GOLDEN=1 pytest tests/report/test_diff.py``
    (``data/make_fixtures.py`` solves the two plans again)."""
    doc = diff_plans(_load("old.plan.json"), _load("new.plan.json"))
    text = json_text(doc)
    if os.environ.get("FLEETPLAN_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(text, encoding="utf-8")
    assert json.loads(text) == json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert text == GOLDEN.read_text(encoding="utf-8")  # byte for byte: ordering is deterministic


def test_golden_diff_tells_the_carbon_budget_story() -> None:
    """Adding the budget costs more, moves the batch job to a reserved Finnish region and adds the policy."""
    doc = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert doc["schema"] == DIFF_SCHEMA
    total = doc["total"]
    assert total["delta_usd"] == pytest.approx(total["new_usd"] - total["old_usd"]) and total["delta_usd"] > 0
    assert sum(p["delta_usd"] for p in doc["periods"]) == pytest.approx(total["delta_usd"])
    (moved,) = [w for w in doc["workloads"] if w["moved"]]
    assert moved["workload"] == "nightly-batch"
    assert {p["provider"] for p in moved["from"]} == {"vast"}
    assert "nebius" in {p["provider"] for p in moved["to"]}
    assert [r["provider"] for r in doc["reservations"]["added"]] == ["nebius"]
    assert [p["policy"] for p in doc["policies"]["added"]] == ["carbon_budget"]
    assert [r["provider"] for r in doc["by_provider"]] == sorted(r["provider"] for r in doc["by_provider"])
    assert doc["old"]["verification_ok"] is True and doc["new"]["verification_ok"] is True


# --- hand-made documents --------------------------------------------------------------------------


def _all_deltas(doc: Any) -> list[float]:
    if isinstance(doc, dict):
        return [v for k, v in doc.items() if k == "delta_usd"] + [d for v in doc.values() for d in _all_deltas(v)]
    if isinstance(doc, list):
        return [d for v in doc for d in _all_deltas(v)]
    return []


@pytest.mark.parametrize("which", ["hand-made", "example"])
def test_identical_plans_change_nothing(which: str) -> None:
    plan = (
        _plan(BASE, reservations=[_reservation("alpha", "2027Q1")]) if which == "hand-made" else _load("new.plan.json")
    )
    doc = diff_plans(plan, copy.deepcopy(plan))
    deltas = _all_deltas(doc)
    assert deltas and set(deltas) == {0.0}
    assert doc["total"]["delta_pct"] == 0.0
    assert {w["status"] for w in doc["workloads"]} == {"unchanged"}
    assert not any(w["moved"] or w["from"] or w["to"] for w in doc["workloads"])
    for section in ("purchases", "reservations", "commitments", "policies"):
        assert doc[section] == {"added": [], "removed": [], "changed": []}
    assert doc["onboarding"]["added"] == doc["onboarding"]["removed"] == []
    assert all(v == 0 for k, v in doc["summary"].items() if not k.endswith("unchanged"))


def test_a_moved_workload_shows_where_from_and_where_to() -> None:
    new = [*BASE[:1], _alloc("batch", "2027Q2", "beta", cost=80.0), BASE[2]]
    doc = diff_plans(_plan(BASE), _plan(new))
    batch, chat = doc["workloads"]
    assert (batch["workload"], batch["status"], batch["moved"]) == ("batch", "moved", True)
    assert batch["moved_periods"] == ["2027Q2"]
    assert [p["provider"] for p in batch["from"]] == ["alpha"]
    assert [p["provider"] for p in batch["to"]] == ["beta"]
    assert (batch["old_usd"], batch["new_usd"], batch["delta_usd"]) == (200.0, 180.0, -20.0)
    assert batch["delta_pct"] == pytest.approx(-10.0)
    q1, q2 = batch["periods"]
    assert not q1["moved"] and q2["moved"]
    assert q2["old"][0]["provider"] == "alpha" and q2["new"][0]["provider"] == "beta"
    assert "option_id" not in q2["new"][0]
    assert chat["status"] == "unchanged"
    assert doc["summary"]["workloads_moved"] == 1
    assert [(r["provider"], r["delta_usd"]) for r in doc["by_provider"]] == [("alpha", -100.0), ("beta", 80.0)]
    assert [(p["period"], p["delta_usd"]) for p in doc["periods"]] == [("2027Q1", 0.0), ("2027Q2", -20.0)]


def test_added_removed_and_resized_workloads() -> None:
    new = [_alloc("batch", "2027Q1", "alpha", hours=12.0), BASE[1], _alloc("train", "2027Q2", "alpha")]
    doc = diff_plans(_plan(BASE, dropped_workloads=[]), _plan(new, dropped_workloads=["chat"]))
    status = {w["workload"]: w["status"] for w in doc["workloads"]}
    assert status == {"batch": "changed", "chat": "removed", "train": "added"}
    assert doc["dropped_workloads"] == {"old": [], "new": ["chat"], "added": ["chat"], "removed": []}
    train = next(w for w in doc["workloads"] if w["workload"] == "train")
    assert (train["old_usd"], train["new_usd"], train["delta_pct"]) == (0.0, 100.0, None)


def test_a_reservation_added_removed_and_changed() -> None:
    old = _plan(BASE, reservations=[_reservation("alpha", "2027Q1"), _reservation("beta", "2027Q1")])
    new = _plan(BASE, reservations=[_reservation("alpha", "2027Q1", 2), _reservation("gamma", "2027Q2")])
    res = diff_plans(old, new)["reservations"]
    assert [r["provider"] for r in res["added"]] == ["gamma"]
    assert [r["provider"] for r in res["removed"]] == ["beta"]
    (changed,) = res["changed"]
    assert changed["provider"] == "alpha" and changed["start_period"] == "2027Q1"
    assert changed["changed"] == ["instances", "accelerators", "in_horizon_usd", "committed_usd"]
    assert (changed["old"]["instances"], changed["new"]["instances"]) == (1, 2)


def test_rows_sharing_a_key_are_added_up_and_noise_is_no_change() -> None:
    old = _plan(BASE, reservations=[_reservation("alpha", "2027Q1"), _reservation("alpha", "2027Q1", option_id=9)])
    new = _plan(BASE, reservations=[_reservation("alpha", "2027Q1", 2, in_horizon_usd=2000.0 + 1e-9)])
    assert diff_plans(old, new)["reservations"] == {"added": [], "removed": [], "changed": []}


def test_purchases_onboarding_and_commitments() -> None:
    buy = {
        "site": "dc1",
        "server_type": "hgx",
        "accelerator": "H100-SXM",
        "period_ordered": "2027Q1",
        "period_in_service": "2027Q2",
        "servers": 2,
        "capex_usd": 500.0,
    }
    use = {"commitment": "ri-1", "kind": "reservation", "period": "2027Q1", "used_hours": 10.0, "utilization_pct": 50.0}
    old = _plan(BASE, purchases=[buy], onboarded_providers=["beta"])
    new = _plan(
        BASE,
        purchases=[{**buy, "servers": 3, "capex_usd": 750.0}],
        onboarded_providers=["gamma"],
        commitments=[use],
    )
    doc = diff_plans(old, new)
    (bought,) = doc["purchases"]["changed"]
    assert bought["changed"] == ["servers", "capex_usd"] and bought["site"] == "dc1"
    assert doc["onboarding"] == {"old": ["beta"], "new": ["gamma"], "added": ["gamma"], "removed": ["beta"]}
    assert [c["commitment"] for c in doc["commitments"]["added"]] == ["ri-1"]
    assert doc["summary"]["providers_onboarded_added"] == 1


def test_a_policy_turning_binding() -> None:
    old = _plan(BASE, policies=[_policy(0.4, binding=False)])
    new = _plan(BASE, policies=[_policy(0.6, binding=True)])
    (pol,) = diff_plans(old, new)["policies"]["changed"]
    assert pol["binding"] == "slack_to_binding" and pol["satisfied_changed"] is False
    assert pol["old"] == {"limit": 0.6, "value": 0.4, "binding": False, "satisfied": True}
    assert pol["new"]["value"] == 0.6
    back = diff_plans(new, old)["policies"]["changed"][0]
    assert back["binding"] == "binding_to_slack"
    broken = diff_plans(old, _plan(BASE, policies=[_policy(0.7, binding=False, satisfied=False)]))
    assert broken["policies"]["changed"][0]["satisfied_changed"] is True
    same = diff_plans(old, _plan(BASE, policies=[_policy(0.5, binding=False)]))
    assert same["policies"]["changed"] == []


def test_missing_sections_count_as_empty() -> None:
    """An older or trimmed plan document (no commitments, policies, spend or costs) still compares."""
    bare = {"schema": "fleetplan.plan/1", "periods": ["2027Q1"], "allocations": []}
    full = _plan(
        BASE,
        reservations=[_reservation("alpha", "2027Q1")],
        policies=[_policy(0.6, binding=True)],
        commitments=[{"commitment": "ri-1", "period": "2027Q1"}],
        onboarded_providers=["alpha"],
    )
    doc = diff_plans(bare, full)
    assert doc["old"]["total_usd"] == 0.0 and doc["old"]["gap"] is None and doc["old"]["verification_ok"] is None
    assert doc["total"]["delta_pct"] is None and doc["total"]["delta_usd"] == 300.0
    assert [p["period"] for p in doc["periods"]] == ["2027Q1", "2027Q2"]
    assert {w["status"] for w in doc["workloads"]} == {"added"}
    assert len(doc["reservations"]["added"]) == len(doc["policies"]["added"]) == len(doc["commitments"]["added"]) == 1
    assert diff_plans(full, bare)["summary"]["workloads_removed"] == 2
    assert diff_plans({}, {})["workloads"] == []
    json_text(doc)  # strict JSON


def test_inputs_are_not_modified() -> None:
    old = _plan(BASE, reservations=[_reservation("alpha", "2027Q1"), _reservation("alpha", "2027Q1")])
    new = _plan(BASE[:2])
    before = copy.deepcopy((old, new))
    diff_plans(old, new)
    assert (old, new) == before


@pytest.mark.parametrize(
    ("side", "edit", "message"),
    [
        ("old", lambda d: d["allocations"][0].update(cost_usd="lots"), "old.allocations[0].cost_usd: not a number"),
        ("new", lambda d: d.update(reservations={"a": 1}), "new.reservations: not a list"),
        ("new", lambda d: d.update(spend_by_provider=[1]), "new.spend_by_provider: not an object"),
        ("old", lambda d: d["policies"].__setitem__(0, "x"), "old.policies[0]: not an object"),
    ],
)
def test_a_value_of_the_wrong_type_is_located(side: str, edit: Any, message: str) -> None:
    docs = {"old": _plan(BASE, policies=[_policy(0.4, binding=False)]), "new": _plan(BASE)}
    edit(docs[side])
    with pytest.raises(InputError) as exc:
        diff_plans(docs["old"], docs["new"])
    assert str(exc.value).startswith(message)
