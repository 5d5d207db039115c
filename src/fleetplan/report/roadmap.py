"""The plan as a roadmap: what happens in each period, and the review gates that decide it.

Contract of :func:`roadmap`: read from a ``fleetplan.plan/1`` document alone, one phase per
period with its actions, in this order:

- ``onboard``: the first period a provider carries work, when the plan pays its onboarding then;
- ``pilot``: the first period an accelerator runs on a provider (its average accelerators in
  service and spend that period);
- ``scale_up`` / ``scale_down``: the average accelerators of a (provider, accelerator) grow by at
  least :data:`SCALE_STEP` (x1.5) or shrink below 1 / x1.5 of the period before;
- ``wind_down``: a (provider, accelerator) in use in the period before and not in this one;
- ``order``: a purchase order, placed ``lead_time`` before service; ``in_service``: servers
  entering service;
- ``reservation_start`` and ``reservation_end`` (a term ending inside the horizon: renew or let
  it expire);
- ``rollout_pilot`` / ``rollout_scale``: under a rollout policy, a new provider, vendor or
  accelerator's pilot (its periods and accelerators in service, from the plan's ``rollout``) and
  the period it may grow from;
- ``adopt_stack``: a software stack adopted by the plan (its ``skills_adoption``).

Average accelerators in service = accelerator-hours / hours of the period. Review gates fall on
the first period and every ``review_cycle_periods`` after it; each gate lists the decisions due
before the next gate: pilots to start or confirm (go/no-go with the accelerators and dollars
planned), orders to place, reservations to start or renew.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandas as pd

from fleetplan._format import money
from fleetplan.model.period import hours_per_period, period_length_of

__all__ = ["ROADMAP_SCHEMA", "SCALE_STEP", "roadmap"]

ROADMAP_SCHEMA = "fleetplan.roadmap/1"
_DECISIONS = (
    "pilot",
    "rollout_pilot",
    "rollout_scale",
    "order",
    "reservation_start",
    "reservation_end",
    "adopt_stack",
    "onboard",
)
"""The actions a review gate decides."""

SCALE_STEP = 1.5
"""Growth (or shrink) factor of a provider's accelerators in service that counts as a scale-up."""


def _usage(doc: dict[str, Any]) -> pd.DataFrame:
    alloc = pd.DataFrame(doc.get("allocations") or [])
    if alloc.empty:
        return pd.DataFrame(columns=["period", "provider", "accelerator", "accelerators", "cost_usd"])
    hours = hours_per_period(period_length_of(doc["periods"][0]))
    g = alloc.groupby(["period", "provider", "accelerator"], as_index=False)[["accelerator_hours", "cost_usd"]].sum()
    g["accelerators"] = g["accelerator_hours"] / hours
    return g


def _onboarding_periods(doc: dict[str, Any]) -> dict[str, str]:
    ledger = pd.DataFrame(doc.get("spend_by_period") or [])
    if ledger.empty or "category" not in ledger:
        return {}
    paid = ledger[(ledger["category"] == "onboarding_usd") & (ledger["usd"] > 0)]
    return {str(p): str(t) for p, t in zip(paid["provider"], paid["period"], strict=True)}


def roadmap(doc: dict[str, Any], *, review_cycle_periods: int | None = None) -> dict[str, Any]:
    """The ``fleetplan.roadmap/1`` document of a plan (see the module docstring)."""
    periods = [str(p) for p in doc["periods"]]
    cycle = int(review_cycle_periods or doc.get("review_cycle_periods") or 1)
    actions: dict[str, list[dict[str, Any]]] = defaultdict(list)
    onboard_at = _onboarding_periods(doc)
    usage = _usage(doc)
    prev: dict[tuple[str, str], float] = {}
    for t in periods:
        now = usage[usage["period"] == t]
        cur = {(r.provider, r.accelerator): float(r.accelerators) for r in now.itertuples()}
        cost = {(r.provider, r.accelerator): float(r.cost_usd) for r in now.itertuples()}
        for prov in sorted(p for p, at in onboard_at.items() if at == t):
            actions[t].append({"kind": "onboard", "provider": prov, "text": f"onboard {prov} (the plan pays it now)"})
        for key in sorted(cur):
            n, before = cur[key], prev.get(key)
            label = f"{key[1]} on {key[0]}"
            if before is None:
                actions[t].append(
                    {
                        "kind": "pilot" if t != periods[0] else "run",
                        "provider": key[0],
                        "accelerator": key[1],
                        "accelerators": n,
                        "cost_usd": cost[key],
                        "text": f"{'start' if t != periods[0] else 'run'} {label}: {n:,.1f} accelerators, "
                        f"{money(cost[key])} marginal spend",
                    }
                )
            elif before > 0 and n >= SCALE_STEP * before:
                actions[t].append(
                    {
                        "kind": "scale_up",
                        "provider": key[0],
                        "accelerator": key[1],
                        "accelerators": n,
                        "from_accelerators": before,
                        "text": f"scale up {label}: {before:,.1f} → {n:,.1f} accelerators",
                    }
                )
            elif n * SCALE_STEP <= before:
                actions[t].append(
                    {
                        "kind": "scale_down",
                        "provider": key[0],
                        "accelerator": key[1],
                        "accelerators": n,
                        "from_accelerators": before,
                        "text": f"scale down {label}: {before:,.1f} → {n:,.1f} accelerators",
                    }
                )
        for key in sorted(set(prev) - set(cur)):
            actions[t].append(
                {
                    "kind": "wind_down",
                    "provider": key[0],
                    "accelerator": key[1],
                    "from_accelerators": prev[key],
                    "text": f"wind down {key[1]} on {key[0]} ({prev[key]:,.1f} accelerators before)",
                }
            )
        prev = cur
    for p in doc.get("purchases") or []:
        what = f"{p['servers']} x {p['server_type']} ({p['accelerators']} {p['accelerator']}) for {p['site']}"
        actions[p["period_ordered"]].append(
            {
                "kind": "order",
                "site": p["site"],
                "capex_usd": p.get("capex_usd"),
                "text": f"order {what}, {money(p.get('capex_usd'))}; in service {p['period_in_service']}",
            }
        )
        if p["period_in_service"] in periods:
            actions[p["period_in_service"]].append(
                {"kind": "in_service", "site": p["site"], "text": f"bring {what} into service"}
            )
    for r in doc.get("reservations") or []:
        what = f"{r['instances']} x {r['instance_type']} ({r['provider']} {r['region']}, {r['pricing_model']})"
        actions[r["start_period"]].append(
            {
                "kind": "reservation_start",
                "provider": r["provider"],
                "committed_usd": r.get("committed_usd"),
                "text": f"reserve {what}: {money(r.get('committed_usd'))} committed until {r['end_period']}",
            }
        )
        if r["end_period"] in periods and r["end_period"] != periods[-1]:
            actions[r["end_period"]].append(
                {
                    "kind": "reservation_end",
                    "provider": r["provider"],
                    "text": f"reservation of {what} ends: renew or let it expire",
                }
            )
    for r in doc.get("rollout") or []:
        pilot = r.get("pilot_periods") or []
        if not pilot:
            continue
        peak = max((r["accelerators_by_period"].get(p, 0.0) for p in pilot), default=0.0)
        actions[pilot[0]].append(
            {
                "kind": "rollout_pilot",
                "entity": r["entity"],
                "entity_kind": r["kind"],
                "pilot_periods": pilot,
                "accelerators": peak,
                "text": f"rollout pilot of {r['kind']} {r['entity']} ({pilot[0]}–{pilot[-1]}): at most "
                f"{peak:,.1f} accelerators in service; it scales after {pilot[-1]} if the review says go",
            }
        )
        after = periods.index(pilot[-1]) + 1 if pilot[-1] in periods else len(periods)
        if after < len(periods):
            actions[periods[after]].append(
                {
                    "kind": "rollout_scale",
                    "entity": r["entity"],
                    "entity_kind": r["kind"],
                    "text": f"{r['kind']} {r['entity']} leaves its pilot: the ramp allows growth from here",
                }
            )
    for s in doc.get("skills_adoption") or []:
        actions[s["period"]].append(
            {"kind": "adopt_stack", **s, "text": f"adopt {s.get('stack')}: {s.get('note', '')}"}
        )
    phases = [{"period": t, "actions": actions.get(t, [])} for t in periods]
    gates = []
    for i in range(0, len(periods), cycle):
        window = periods[i : i + cycle]
        due = [a for t in window for a in actions.get(t, []) if a["kind"] in _DECISIONS]
        decisions = []
        for a in due:
            if a["kind"] == "pilot":
                decisions.append(
                    f"go/no-go on the {a['accelerator']} pilot on {a['provider']}: planned {a['accelerators']:,.1f} "
                    f"accelerators, {money(a['cost_usd'])} marginal spend in its first period"
                )
            else:
                decisions.append(a["text"])
        gates.append({"period": window[0], "covers": window, "decisions": decisions})
    return {
        "schema": ROADMAP_SCHEMA,
        "scenario": doc.get("scenario"),
        "periods": periods,
        "review_cycle_periods": cycle,
        "phases": phases,
        "review_gates": gates,
    }
