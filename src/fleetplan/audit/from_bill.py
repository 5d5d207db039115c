"""From where you are: a scenario skeleton written from a bill, and the hindsight plan.

:func:`scenario_from_bill` turns an audited bill into a ``fleetplan.scenario/1`` document:

- ``onboarded_providers``: the catalog providers the bill shows AI compute on (no onboarding
  cost for them);
- ``commitments``: reservations and savings plans found in the bill (commitment rows with
  ``CommitmentDiscountStatus`` Used/Unused). A reservation's instance type and region are the ones
  its rows name; its count = committed instance-hours / hours observed; its rate = (used + unused
  amortized cost) / committed instance-hours. A savings plan's committed spend per hour = (used +
  unused) / hours observed; its discount = 1 - EffectiveCost / ListCost of the usage it covered.
  The end of the term comes from the purchase row's charge period when the bill has one, else
  it is assumed one year after the last billed month (the ``source`` says so);
- ``workloads``: one batch workload per (provider, accelerator) observed, restricted to that
  accelerator, whose tokens per period need the observed accelerator-hours (scaled to a full
  period) on it, for a reference 8B model (:data:`REFERENCE_MODEL_PARAMS`). Edit the model, kind
  and placement rules to what actually runs.

:func:`hindsight` plans the observed usage over the billed periods with the same planner and
compares its cost with what the bill says the AI compute cost (amortized).
"""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd
import yaml

from fleetplan.audit.analysis import Audit
from fleetplan.audit.focus import Bill
from fleetplan.audit.monitor import period_of_month
from fleetplan.catalog.hardware import resolve_accelerator
from fleetplan.model.period import format_period, hours_per_period, parse_period
from fleetplan.sizing import estimate_batch

__all__ = ["REFERENCE_MODEL_PARAMS", "bill_commitments", "hindsight", "scenario_from_bill", "scenario_yaml_from_bill"]

REFERENCE_MODEL_PARAMS = 8.0e9
"""The reference model of observed-usage workloads: 8B parameters (batch inference)."""

_REF_TOKENS = 1.0e12


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")[:60] or "x"


def _tokens_for_hours(accelerator: str, hours: float) -> float:
    """Tokens of the reference batch workload that need ``hours`` accelerator-hours on ``accelerator``."""
    est = estimate_batch(REFERENCE_MODEL_PARAMS, _REF_TOKENS, resolve_accelerator(accelerator))
    if not est.fits or not math.isfinite(est.accelerator_hours) or est.accelerator_hours <= 0:
        raise ValueError(f"the reference model does not run on {accelerator}")
    return hours / est.accelerator_hours * _REF_TOKENS


def _quarter_label(ts: object) -> str | None:
    if not isinstance(ts, str) or not ts:
        return None
    t = pd.Timestamp(ts) - pd.Timedelta(seconds=1)
    return period_of_month(t.strftime("%Y-%m"), "quarter")


def bill_commitments(bill: Bill, audit: Audit, catalog_providers: set[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """Commitments of the bill in the scenario's ``commitments:`` form, and notes on those skipped."""
    notes: list[str] = []
    if audit.commitments.empty:
        return [], notes
    rows = bill.sql(
        """SELECT b.CommitmentDiscountId AS id, m.instance_type, coalesce(b.RegionId, '') AS region,
                  sum(coalesce(b.ConsumedQuantity, b.PricingQuantity))::DOUBLE AS hours,
                  sum(b.ListCost) FILTER (b.CommitmentDiscountStatus = 'Used')::DOUBLE AS list_used,
                  sum(b.EffectiveCost) FILTER (b.CommitmentDiscountStatus = 'Used')::DOUBLE AS eff_used,
                  epoch(max(b.ChargePeriodEnd) - min(b.ChargePeriodStart)) / 3600.0 AS window_h
           FROM b LEFT JOIN matched m ON b.provider = m.provider
                AND b.match_text = m.text
           WHERE b.CommitmentDiscountStatus IN ('Used', 'Unused') AND b.ChargeCategory = 'Usage'
           GROUP BY ALL"""
    )
    last_month = (
        audit.period_end and (pd.Timestamp(audit.period_end) - pd.Timedelta(seconds=1)).strftime("%Y-%m")
    ) or None
    out: list[dict[str, Any]] = []
    for c in audit.commitments.to_dict("records"):
        mine = rows[rows["id"].eq(c["id"])]
        paid = float(c["used_usd"] or 0.0) + float(c["unused_usd"] or 0.0)
        if mine.empty or paid <= 0:
            notes.append(f"commitment {c['id']}: no Used/Unused usage rows in the bill; left out")
            continue
        window_h = float(mine["window_h"].max() or 0.0)
        ends = _quarter_label(c.get("purchase_covers_until"))
        source = f"FOCUS bill, CommitmentDiscountId {c['id']}"
        if ends is None and last_month:
            ends = format_period(parse_period(period_of_month(last_month, "quarter"), "quarter") + 4, "quarter")
            source += "; term end not in the bill: assumed one year after the last billed month (check the contract)"
        provider = str(c["provider"])
        if provider not in catalog_providers:
            notes.append(f"commitment {c['id']}: provider {provider} is not in the catalog; left out")
            continue
        is_spend = str(c.get("category") or "") == "Spend" or "saving" in str(c.get("type") or "").lower()
        name = f"{provider}-{len(out) + 1}"
        if is_spend:
            list_used = float(mine["list_used"].fillna(0).sum())
            eff_used = float(mine["eff_used"].fillna(0).sum())
            if window_h <= 0 or list_used <= 0 or not 0 < 1 - eff_used / list_used < 1:
                notes.append(f"commitment {c['id']}: savings plan without usage to measure its discount; left out")
                continue
            out.append(
                {
                    "name": name,
                    "kind": "savings_plan",
                    "provider": provider,
                    "usd_per_hour": round(paid / window_h, 4),
                    "discount": round(1 - eff_used / list_used, 4),
                    "ends": ends,
                    "source": source,
                }
            )
            continue
        typed = mine[mine["instance_type"].notna()]
        if typed.empty or window_h <= 0:
            notes.append(f"commitment {c['id']}: its rows name no instance type of the catalog; left out")
            continue
        top = typed.sort_values("hours", ascending=False).iloc[0]
        name = f"{provider}-{_slug(str(top['instance_type']))}-{len(out) + 1}"
        hours = float(typed["hours"].sum())
        count = max(1, round(hours / window_h))
        out.append(
            {
                "name": name,
                "kind": "reservation",
                "provider": provider,
                "region": str(top["region"]),
                "instance_type": str(top["instance_type"]),
                "count": int(count),
                "usd_per_hour": round(paid / (count * window_h), 4),
                "ends": ends,
                "source": source,
            }
        )
    return out, notes


def _observed_workloads(
    audit: Audit, *, per_period: list[str] | None, hours_scale: float
) -> tuple[list[dict[str, Any]], list[str]]:
    notes: list[str] = []
    u = audit.usage
    if u.empty:
        return [], notes
    u = u.assign(quarter_label=[period_of_month(m, "quarter") for m in u["month"]])
    out = []
    for (provider, acc), g in u.groupby(["provider", "accelerator"], sort=True):
        hours = float(g["accelerator_hours"].sum())
        if hours <= 0:
            continue
        try:
            tokens = _tokens_for_hours(str(acc), hours * hours_scale)
        except (ValueError, LookupError) as exc:
            notes.append(f"{provider} {acc}: {exc}; not a workload")
            continue
        w: dict[str, Any] = {
            "name": f"observed-{_slug(provider)}-{_slug(acc)}",
            "kind": "batch",
            "description": f"observed in the bill: {hours:,.0f} {acc} accelerator-hours on {provider}",
            "model": {"params": REFERENCE_MODEL_PARAMS},
            "demand": {"tokens_per_period": float(f"{tokens:.6g}")},
            "accelerators": [str(acc)],
        }
        if per_period is not None:
            by_q = g.groupby("quarter_label")["accelerator_hours"].sum()
            w["demand"] = {
                "tokens_per_period": float(f"{max(tokens, 1.0):.6g}"),
                "per_period": {
                    q: float(f"{_tokens_for_hours(str(acc), float(h)):.6g}")
                    for q, h in by_q.items()
                    if h > 0 and q in per_period
                },
            }
            w["window"] = {"start": min(w["demand"]["per_period"]), "end": max(w["demand"]["per_period"])}
        out.append(w)
    return out, notes


def scenario_from_bill(
    bill: Bill,
    audit: Audit,
    *,
    periods: int = 8,
    catalog_providers: set[str] | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """A scenario skeleton planning forward from the bill (see the module docstring) and notes."""
    from fleetplan.catalog.builtin import builtin_offerings

    providers = catalog_providers or set(builtin_offerings()["provider"])
    if not audit.period_end:
        raise ValueError("the bill has no rows")
    last = (pd.Timestamp(audit.period_end) - pd.Timedelta(seconds=1)).strftime("%Y-%m")
    start = format_period(parse_period(period_of_month(last, "quarter"), "quarter") + 1, "quarter")
    span_h = (pd.Timestamp(audit.period_end) - pd.Timestamp(audit.period_start)).total_seconds() / 3600.0
    scale = hours_per_period("quarter") / span_h if span_h > 0 else 1.0
    workloads, notes = _observed_workloads(audit, per_period=None, hours_scale=scale)
    commitments, c_notes = bill_commitments(bill, audit, providers)
    seen = sorted({w["name"].split("-")[1] for w in workloads} & providers) if workloads else []
    seen = sorted(set(audit.usage["provider"]) & providers) if len(audit.usage) else seen
    doc: dict[str, Any] = {
        "schema": "fleetplan.scenario/1",
        "name": f"From the bill {audit.period_start[:10]} .. {audit.period_end[:10]}",
        "description": "Written by fleetplan audit --to-scenario: onboarded providers, existing commitments and the "
        "observed accelerator usage as baseline workloads. Edit the workloads to what actually runs.",
        "currency": "USD",
        "horizon": {"start": start, "periods": periods, "period": "quarter"},
        "catalog": {"builtin": True},
        "onboarded_providers": seen,
    }
    if commitments:
        doc["commitments"] = commitments
    doc["workloads"] = workloads
    return doc, notes + c_notes


def scenario_yaml_from_bill(bill: Bill, audit: Audit, *, periods: int = 8) -> tuple[str, list[str]]:
    """:func:`scenario_from_bill` as YAML text with a header comment."""
    doc, notes = scenario_from_bill(bill, audit, periods=periods)
    if not doc["workloads"]:
        raise ValueError("the bill shows no AI compute that maps to the catalog: no workloads to write")
    head = (
        "# Written by `fleetplan audit --to-scenario` from a FOCUS bill.\n"
        "# Observed usage became batch workloads of a reference 8B model sized to the observed\n"
        "# accelerator-hours; edit kinds, models and placement rules to what actually runs.\n"
    )
    head += "".join(f"# note: {n}\n" for n in notes)
    return head + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100), notes


_SCENARIO_BUDGETS = ("budget_usd_per_period", "budgets_usd", "carbon_budget_tco2e", "carbon_budget_tco2e_per_period")
"""Policies of a scenario that are amounts for its own workloads: hindsight leaves them out."""


def _observed_capacity(base: Any, audit: Audit) -> Any:
    """The base scenario's catalog with the availability caps lifted on the instances the bill
    shows in use: the organization got that capacity, so hindsight may use it again."""
    from fleetplan.load.scenario import scenario_catalog
    from fleetplan.model.catalog import Catalog

    cat = scenario_catalog(base)
    seen = set(zip(audit.usage["provider"], audit.usage["instance_type"].fillna(""), strict=True))
    off = cat.offerings.copy()
    hit = [(p, i) in seen for p, i in zip(off["provider"], off["instance_type"], strict=True)]
    off.loc[hit, "availability_max_instances"] = float("nan")
    return Catalog(off, cat.regions, cat.providers, cat.sources)


def hindsight(
    bill: Bill,
    audit: Audit,
    base: Any,
    *,
    time_limit_s: float = 30.0,
) -> dict[str, Any]:
    """What the planner would have spent on the observed AI compute over the billed quarters.

    ``base`` is a :class:`~fleetplan.model.scenario.Scenario` whose catalog, providers, sites,
    policy and objective are kept; its horizon and workloads are replaced by the billed quarters
    and the observed usage, and the instances the bill shows in use lose their availability caps
    (the capacity was there). Never raises for a failed plan: the result says why instead.
    """
    from fleetplan.errors import FleetplanError
    from fleetplan.optimize.planner import optimize

    if audit.usage.empty:
        return {"status": "skipped", "summary": "no AI compute in the bill to re-plan"}
    quarters = sorted({period_of_month(m, "quarter") for m in audit.usage["month"]})
    first, last = parse_period(quarters[0], "quarter"), parse_period(quarters[-1], "quarter")
    labels = [format_period(o, "quarter") for o in range(first, last + 1)]
    workloads, notes = _observed_workloads(audit, per_period=labels, hours_scale=1.0)
    data = base.model_dump(by_alias=True, exclude_none=True)
    data["horizon"] = {"start": labels[0], "periods": len(labels), "period": "quarter"}
    data["workloads"] = workloads
    data.pop("commitments", None)
    pol = data.setdefault("policy", {})
    dropped = [k for k in _SCENARIO_BUDGETS if pol.get(k)]
    for k in _SCENARIO_BUDGETS:
        pol.pop(k, None)
    if dropped:
        notes.append(
            "the scenario's " + ", ".join(dropped) + " were written for its own workloads and periods; "
            "the hindsight plan does without them (share caps, residency and the rest are kept)"
        )
    actual = float(
        audit.usage[audit.usage["month"].map(lambda m: period_of_month(m, "quarter")).isin(labels)]["cost_usd"].sum()
    )
    try:
        sc = type(base).model_validate(data)
        sc._catalog = _observed_capacity(base, audit)
        plan = optimize(sc, time_limit_s=time_limit_s, baselines=False, abatement=False)
    except (FleetplanError, ValueError) as exc:
        return {"status": "failed", "summary": f"no hindsight plan: {exc}", "actual_usd": actual, "notes": notes}
    planned = float(plan.total_usd)
    return {
        "status": str(plan.solve.status.value),
        "periods": labels,
        "actual_usd": actual,
        "hindsight_plan_usd": planned,
        "hindsight_savings_usd": actual - planned,
        "gap": plan.solve.gap,
        "verified": bool(plan.verification.ok) if plan.verification is not None else False,
        "summary": (
            f"the planner would have run the same accelerator-hours ({', '.join(labels)}) for ${planned:,.0f} "
            f"against ${actual:,.0f} billed (amortized): {'saving' if actual >= planned else 'costing'} "
            f"${abs(actual - planned):,.0f} (plan gap {100 * (plan.solve.gap or 0):.1f} %; the usage is planned as "
            "batch work that may run anywhere in its quarter, so for services this is a lower estimate)"
        ),
        "notes": notes,
    }
