"""A rolling horizon: fix what a previous plan decided up to ``as_of``, re-plan the rest.

Everything here changes the *inputs* (the scenario), never the planner's model. From the scenario
``sc`` and the previous plan document ``prev`` (``fleetplan.plan/1`` of a scenario with the same
period length), :func:`fixed_scenario` writes the scenario of the periods after ``as_of``:

* **Horizon**: from the period after ``as_of`` to the end of ``sc``'s horizon (``sc`` may have been
  extended since). ``as_of`` must be a period of ``prev`` other than its last (InputError, exit 2).
* **Purchases** ordered up to ``as_of`` become ``existing`` hardware at their site, with
  ``purchased`` = the period they enter service. Existing hardware counts from that period (it
  may lie after the new horizon's start: lead times are kept) for its lifetime, and pays opex
  only: the capex is sunk. The re-plan's costs therefore leave it out; ``Fixed.sunk_capex_usd``
  says how much of it the previous plan carried in the re-planned periods.
* **Reservations** started up to ``as_of`` and still running after it become ``commitments`` of
  kind ``reservation``: ``count`` = instances, ``usd_per_hour`` = committed_usd / (instances x
  term periods x hours per period) (the plan's rate per instance-hour), ``ends`` = end_period.
  Each costs the same per period as before (count x rate x hours).
* **Onboarding**: providers the previous plan used up to ``as_of`` (allocations or reservations)
  join ``onboarded_providers``.
* **Workloads** whose window ended by ``as_of`` are dropped; windows that started before the new
  horizon start with it. Demand keeps its course: a growth rate continues from where it was (the
  base is scaled by (1 + g)^k, k the periods already run), ``per_period`` entries outside the
  new horizon are dropped, and a training or fine-tune run keeps the share of its tokens of the
  periods left (assumed to have progressed as planned).
* **Policies**: a horizon carbon budget keeps what the previous plan did not emit up to ``as_of``
  (clipped at 0); ``budgets_usd`` keeps the labels of the new horizon. Spend-share caps apply to
  the new horizon's spend alone (the fixed periods' spend is not counted against them).
* **Actuals** (optional, the audit's AI compute usage: ``month``, ``provider``, ``accelerator``,
  ``accelerator_hours``): see :func:`demand_factors`. Each still-running workload's demand
  (``peak_rps``, ``tokens_per_period``, ``per_period``, or a run's ``tokens``) is multiplied by its
  factor.

:func:`restrict_plan` turns ``prev`` into the plan document of the same periods *as the re-plan sees
them* (fixed reservations as commitments), so that ``diff_plans(restrict_plan(...), new)`` shows
only the changes the re-plan made. :func:`replan` runs the whole: transform, optimize (which
verifies), restrict, diff.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from fleetplan.audit.monitor import period_of_month
from fleetplan.errors import InputError
from fleetplan.load.references import check_references
from fleetplan.load.scenario import ScenarioError, scenario_catalog
from fleetplan.model.commitment import Commitment
from fleetplan.model.period import (
    PeriodLength,
    format_period,
    hours_per_period,
    parse_period,
    period_length_of,
    periods_per_year,
)
from fleetplan.model.plan import Plan
from fleetplan.model.scenario import Scenario
from fleetplan.model.site import crf, lifetime_periods
from fleetplan.optimize.planner import optimize
from fleetplan.report.diff import diff_plans
from fleetplan.report.json_export import plan_to_dict
from fleetplan.sizing.workloads import active_periods

__all__ = [
    "FACTOR_MAX",
    "FACTOR_MIN",
    "DemandFactor",
    "Fixed",
    "Replan",
    "demand_factors",
    "fixed_scenario",
    "replan",
    "restrict_plan",
]

FACTOR_MIN = 0.25
FACTOR_MAX = 4.0
"""Demand factors from actuals are clipped to [FACTOR_MIN, FACTOR_MAX]: one bad month should not
erase a workload or multiply it tenfold."""

_COMMITTED = "committed"
"""The pricing model and spend category of capacity run on an existing reservation (as the planner
reports it)."""


@dataclass(frozen=True)
class DemandFactor:
    """Actual against planned accelerator-hours of one (provider, accelerator) in the billed periods.

    ``planned_hours`` is prorated by the share of each period's months the bill covers; ``ratio``
    is actual / planned (None when nothing was planned there); ``factor`` the ratio clipped to
    [FACTOR_MIN, FACTOR_MAX]; ``workloads`` those the previous plan placed there.
    """

    provider: str
    accelerator: str
    periods: tuple[str, ...]
    planned_hours: float
    actual_hours: float
    ratio: float | None
    factor: float | None
    workloads: tuple[str, ...]


@dataclass(frozen=True)
class Fixed:
    """What :func:`fixed_scenario` took as decided, and how it changed the scenario."""

    as_of: str
    periods: tuple[str, ...]
    """The new horizon's labels."""
    purchases: tuple[dict[str, Any], ...]
    """site, server_type, servers, period_ordered, period_in_service of each purchase now existing."""
    reservations: tuple[dict[str, Any], ...]
    """The commitments written for reservations started up to ``as_of`` (commitment fields)."""
    onboarded: tuple[str, ...]
    """Providers added to ``onboarded_providers``."""
    dropped_workloads: tuple[str, ...]
    clipped_workloads: tuple[str, ...]
    carbon_emitted_tco2e: float
    """The previous plan's emissions up to ``as_of``."""
    carbon_budget_left_tco2e: float | None
    sunk_capex_usd: float
    """Capex of the fixed purchases the previous plan carried in the re-planned periods."""
    demand_factors: tuple[DemandFactor, ...] = ()
    workload_factors: Mapping[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready document (keys as the fields)."""
        out = asdict(self)
        out["workload_factors"] = dict(self.workload_factors)
        return out


@dataclass(frozen=True)
class Replan:
    """The result of :func:`replan`: the verified plan of the periods after ``as_of``, its diff
    against the previous plan's same periods (``fleetplan.diff/1``), what was fixed, and notes."""

    plan: Plan
    diff: dict[str, Any]
    fixed: Fixed
    notes: tuple[str, ...]
    scenario: Scenario
    previous: dict[str, Any]
    """The previous plan restricted to the new periods (:func:`restrict_plan`), the diff's ``old``."""


# --- periods ---------------------------------------------------------------------------------------


def _horizon(sc: Scenario, prev: Mapping[str, Any], as_of: str) -> tuple[list[str], list[str]]:
    """(previous plan's labels up to as_of, new horizon labels); InputError on a bad ``as_of``."""
    length = sc.horizon.period
    labels = [str(p) for p in prev.get("periods") or []]
    if not labels:
        raise InputError("the previous plan has no periods", path="periods")
    try:
        prev_length = period_length_of(labels[0])
    except ValueError as exc:
        raise InputError(str(exc), path="periods") from None
    if prev_length != length:
        raise InputError(f"the previous plan's periods are {prev_length}s, the scenario's {length}s", path="periods")
    try:
        at = parse_period(as_of, length)
    except ValueError as exc:
        raise InputError(str(exc), path="--as-of") from None
    ords = [parse_period(p, length) for p in labels]
    if at not in ords:
        raise InputError(f"{as_of} is not a period of the previous plan ({labels[0]}..{labels[-1]})", path="--as-of")
    if at == ords[-1]:
        raise InputError(f"{as_of} is the previous plan's last period: nothing is left to re-plan", path="--as-of")
    end = parse_period(sc.horizon.start, length) + sc.horizon.periods - 1
    if at >= end:
        raise InputError(f"the scenario's horizon ends at {format_period(end, length)}: nothing after {as_of}")
    done = [p for p, o in zip(labels, ords, strict=True) if o <= at]
    return done, [format_period(o, length) for o in range(at + 1, end + 1)]


def _ord(label: Any, length: PeriodLength) -> int:
    return parse_period(str(label), length)


# --- actuals -----------------------------------------------------------------------------------------


def demand_factors(
    prev: Mapping[str, Any], usage: pd.DataFrame, done: Sequence[str], length: PeriodLength
) -> list[DemandFactor]:
    """Actual against planned accelerator-hours per (provider, accelerator), periods ``done``.

    Rule: a period counts when the bill has usage in at least one of its months; its planned hours
    are prorated by months billed / months in the period. Only providers that appear in the bill
    are compared (a bill from one cloud says nothing about another) and only rented capacity
    (allocations without a site). A pair planned but absent from a provider's bill gets ratio 0
    (factor FACTOR_MIN); a pair billed but not planned is listed with ratio None and changes no
    workload (nothing in the plan says which workload it served).
    """
    if usage is None or usage.empty:
        return []
    months_per = 12 // periods_per_year(length)
    u = usage[["month", "provider", "accelerator", "accelerator_hours"]].copy()
    u["period"] = [period_of_month(str(m), length) for m in u["month"]]
    u = u[u["period"].isin(set(done))]
    if u.empty:
        return []
    share = (u.groupby("period")["month"].nunique() / months_per).clip(upper=1.0).to_dict()
    billed = set(u["provider"].astype(str))
    actual = u.groupby(["provider", "accelerator"])["accelerator_hours"].sum().to_dict()
    planned: dict[tuple[str, str], float] = {}
    placed: dict[tuple[str, str], set[str]] = {}
    for r in prev.get("allocations") or []:
        period, provider = str(r.get("period")), str(r.get("provider"))
        if period not in share or provider not in billed or r.get("site") is not None:
            continue
        key = (provider, str(r.get("accelerator")))
        planned[key] = planned.get(key, 0.0) + float(r.get("accelerator_hours") or 0.0) * share[period]
        placed.setdefault(key, set()).add(str(r.get("workload")))
    periods = tuple(sorted(share, key=lambda p: _ord(p, length)))
    out = []
    for key in sorted(set(planned) | set(actual)):
        p, a = planned.get(key, 0.0), float(actual.get(key, 0.0))
        ratio = a / p if p > 0 else None
        factor = None if ratio is None else min(max(ratio, FACTOR_MIN), FACTOR_MAX)
        out.append(DemandFactor(key[0], key[1], periods, p, a, ratio, factor, tuple(sorted(placed.get(key, ())))))
    return out


def _workload_factors(
    prev: Mapping[str, Any], factors: Sequence[DemandFactor], length: PeriodLength
) -> dict[str, float]:
    """Each workload's factor: its planned hours' weighted mean of the factors of the pairs it ran on
    in the billed periods (pairs without a factor do not count)."""
    by_pair = {(f.provider, f.accelerator): f for f in factors if f.factor is not None}
    if not by_pair:
        return {}
    periods = set(next(iter(by_pair.values())).periods)
    num: dict[str, float] = {}
    den: dict[str, float] = {}
    for r in prev.get("allocations") or []:
        f = by_pair.get((str(r.get("provider")), str(r.get("accelerator"))))
        if f is None or str(r.get("period")) not in periods or r.get("site") is not None:
            continue
        hours, w = float(r.get("accelerator_hours") or 0.0), str(r.get("workload"))
        num[w] = num.get(w, 0.0) + hours * (f.factor or 0.0)
        den[w] = den.get(w, 0.0) + hours
    return {w: num[w] / den[w] for w in sorted(den) if den[w] > 0}


# --- the scenario of the periods left ------------------------------------------------------------


def _name(*parts: Any, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_.:\-]", "-", "-".join(str(p) for p in parts))[:72] or "fixed"
    name, i = base, 2
    while name in taken:
        name, i = f"{base}-{i}", i + 1
    taken.add(name)
    return name


def _scale_demand(w: dict[str, Any], factor: float) -> None:
    demand = w.setdefault("demand", {})
    for key in ("peak_rps", "tokens_per_period"):
        if demand.get(key) is not None:
            demand[key] = demand[key] * factor
    if demand.get("per_period"):
        demand["per_period"] = {k: v * factor for k, v in demand["per_period"].items()}
    if w.get("kind") in ("train", "finetune") and w.get("tokens") is not None:
        w["tokens"] = w["tokens"] * factor


def fixed_scenario(
    sc: Scenario, prev: Mapping[str, Any], as_of: str, *, actuals: pd.DataFrame | None = None
) -> tuple[Scenario, Fixed]:
    """The scenario of the periods after ``as_of`` with the previous plan's decisions up to it fixed
    (rules in the module docstring), and what was fixed. Pure: no solve. Raises InputError on a bad
    ``as_of`` or previous plan, ScenarioError when the result does not validate (e.g. a purchase at a
    site the scenario no longer has)."""
    length = sc.horizon.period
    done, new = _horizon(sc, prev, as_of)
    at = _ord(as_of, length)
    H = hours_per_period(length)
    data = sc.model_dump(by_alias=True, exclude_none=True)
    data["horizon"] = {"start": new[0], "periods": len(new), "period": length}

    # purchases -> existing hardware, in service from their in-service period
    sites = {s["name"]: s for s in data.get("sites", [])}
    types = {t.name: t for t in sc.server_types}
    purchases, sunk = [], 0.0
    for i, r in enumerate(prev.get("purchases") or []):
        if _ord(r["period_ordered"], length) > at:
            continue
        site = sites.get(str(r["site"]))
        if site is None:
            raise InputError(f"site {r['site']!r} of a purchase is not in the scenario", path=["purchases", i, "site"])
        count = round(float(r["servers"]))
        if count < 1:
            continue
        site.setdefault("existing", []).append(
            {"server_type": r["server_type"], "count": count, "purchased": str(r["period_in_service"])}
        )
        purchases.append(
            {
                "site": r["site"],
                "server_type": r["server_type"],
                "servers": count,
                "period_ordered": str(r["period_ordered"]),
                "period_in_service": str(r["period_in_service"]),
            }
        )
        st = types.get(str(r["server_type"]))
        if st is not None and sc.objective.capex == "annualized":
            life = lifetime_periods(st, length)
            start = _ord(r["period_in_service"], length)
            covered = [o for o in range(start, start + life) if _ord(new[0], length) <= o <= _ord(new[-1], length)]
            per_period = crf(sc.discount_rate_per_year, st.lifetime_years) / periods_per_year(length)
            sunk += count * st.capex_usd * per_period * len(covered)

    # reservations -> commitments
    taken = {c.name for c in sc.commitments}
    reservations = []
    for r in prev.get("reservations") or []:
        if _ord(r["start_period"], length) > at or _ord(r["end_period"], length) <= at:
            continue
        instances, term = int(r["instances"]), int(r["term_periods"])
        if instances < 1 or term < 1:
            continue
        c = {
            "name": _name(r["provider"], r["instance_type"], r["pricing_model"], r["start_period"], taken=taken),
            "kind": "reservation",
            "provider": str(r["provider"]),
            "region": str(r["region"]),
            "instance_type": str(r["instance_type"]),
            "count": instances,
            "usd_per_hour": float(r["committed_usd"]) / (instances * term * H),
            "ends": str(r["end_period"]),
            "source": f"previous plan: {r['pricing_model']} from {r['start_period']}, fixed as of {as_of}",
        }
        Commitment.model_validate(c)
        reservations.append(c)
    data["commitments"] = [*data.get("commitments", []), *reservations]

    # onboarding
    used = {
        str(r["provider"])
        for r in prev.get("allocations") or []
        if r.get("provider") and _ord(r["period"], length) <= at
    } | {c["provider"] for c in reservations}
    onboarded = sorted(used - set(sc.onboarded_providers))
    data["onboarded_providers"] = [*sc.onboarded_providers, *onboarded]

    # workloads: drop the finished, clip and continue the running, scale by actuals
    factors = demand_factors(prev, actuals, done, length) if actuals is not None else []
    per_workload = _workload_factors(prev, factors, length)
    new_set = set(new)
    workloads, dropped, clipped = [], [], []
    for w, wd in zip(sc.workloads, data["workloads"], strict=True):
        active = active_periods(w, sc.horizon)
        if w.window.end is not None and _ord(w.window.end, length) <= at:
            dropped.append(w.name)
            continue
        ran = [p for p in active if _ord(p, length) <= at]
        if ran or (w.window.start is not None and _ord(w.window.start, length) <= at):
            clipped.append(w.name)
            window = wd.setdefault("window", {})
            window.pop("start", None)
            k = len(ran)
            demand = wd.setdefault("demand", {})
            g = w.demand.growth_per_period
            if g and k:
                for key in ("peak_rps", "tokens_per_period"):
                    if demand.get(key) is not None:
                        demand[key] = demand[key] * (1.0 + g) ** k
            if w.kind in ("train", "finetune") and w.tokens is not None and active:
                wd["tokens"] = w.tokens * (len(active) - k) / len(active)
        if wd.get("demand", {}).get("per_period"):
            wd["demand"]["per_period"] = {k: v for k, v in wd["demand"]["per_period"].items() if k in new_set}
        if w.name in per_workload:
            _scale_demand(wd, per_workload[w.name])
        workloads.append(wd)
    if not workloads:
        raise InputError(f"every workload's window ends by {as_of}: nothing is left to re-plan", path="--as-of")
    data["workloads"] = workloads

    # policies
    pol = data.setdefault("policy", {})
    emitted = math.fsum(
        float(r.get("co2e_t") or 0.0) for r in prev.get("costs") or [] if _ord(r["period"], length) <= at
    )
    left = None
    if sc.policy.carbon_budget_tco2e is not None:
        left = max(sc.policy.carbon_budget_tco2e - emitted, 0.0)
        pol["carbon_budget_tco2e"] = left
    if pol.get("budgets_usd"):
        pol["budgets_usd"] = {k: v for k, v in pol["budgets_usd"].items() if k in new_set}

    out = _validated(sc, data)
    fixed = Fixed(
        as_of=format_period(at, length),
        periods=tuple(new),
        purchases=tuple(purchases),
        reservations=tuple(reservations),
        onboarded=tuple(onboarded),
        dropped_workloads=tuple(dropped),
        clipped_workloads=tuple(clipped),
        carbon_emitted_tco2e=emitted,
        carbon_budget_left_tco2e=left,
        sunk_capex_usd=sunk,
        demand_factors=tuple(factors),
        workload_factors=per_workload,
    )
    return out, fixed


def _validated(sc: Scenario, data: dict[str, Any]) -> Scenario:
    """``data`` as a Scenario checked like a loaded one, on ``sc``'s catalog."""
    source = getattr(sc, "_source", None) or "<scenario>"
    try:
        out = Scenario.model_validate(data)
    except ValueError as exc:
        raise InputError(f"the re-planned scenario does not validate: {exc}", file=source) from None
    catalog = scenario_catalog(sc)
    issues = check_references(out, catalog)
    if issues:
        raise ScenarioError(
            [InputError(f"re-planned scenario: {message}", file=source, path=list(path)) for path, message in issues]
        )
    out._catalog = catalog  # type: ignore[attr-defined]
    out._source = source  # type: ignore[attr-defined]
    return out


# --- the previous plan, seen from as_of ----------------------------------------------------------


def _fixed_pool(fixed: Fixed) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    pools: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for c in fixed.reservations:
        pools.setdefault((c["provider"], c["region"], c["instance_type"]), []).append(c)
    return pools


def restrict_plan(
    prev: Mapping[str, Any], fixed: Fixed, *, length: PeriodLength, discount_rate_per_year: float
) -> dict[str, Any]:
    """``prev`` restricted to ``fixed.periods`` and written the way the re-plan sees those periods.

    Kept: rows of the re-planned periods (costs, allocations, the spend ledger, commitments,
    policies scoped to a kept period or not to a period); purchases and reservations decided after
    ``as_of``. The reservations ``fixed`` carries become ``commitments`` rows (committed_usd per
    period, available and used hours, utilization), their spend moves from ``reserved_usd`` to
    ``committed_usd`` and the allocations they ran take pricing model ``committed`` (when no
    reservation of the previous plan started after ``as_of`` shares their pool). Totals and the
    spend shares are recomputed; discounted figures are rebased to the new first period. Baselines,
    energy tables and abatement are left out (they describe the whole previous horizon). Pure.
    """
    keep = list(fixed.periods)
    kept = set(keep)
    at = _ord(fixed.as_of, length)
    labels = [str(p) for p in prev.get("periods") or []]
    ords = {p: _ord(p, length) for p in labels}
    first = min((ords[p] for p in labels if p in kept), default=at + 1)
    offset = first - min(ords.values(), default=first)
    rebase = (1.0 + discount_rate_per_year) ** (offset / periods_per_year(length))
    H = hours_per_period(length)
    pools = _fixed_pool(fixed)
    fixed_rows = {
        (r["provider"], r["region"], r["instance_type"], r["pricing_model"], r["start_period"])
        for r in prev.get("reservations") or []
        if _ord(r["start_period"], length) <= at < _ord(r["end_period"], length)
    }
    later = {
        (r["provider"], r["region"], r["instance_type"])
        for r in prev.get("reservations") or []
        if _ord(r["start_period"], length) > at
    }
    reservations = [r for r in prev.get("reservations") or [] if _ord(r["start_period"], length) > at]
    fixed_src = [
        r
        for r in prev.get("reservations") or []
        if (r["provider"], r["region"], r["instance_type"], r["pricing_model"], r["start_period"]) in fixed_rows
    ]

    allocations = []
    for r in prev.get("allocations") or []:
        if str(r.get("period")) not in kept:
            continue
        row = dict(r)
        pool = (row.get("provider"), row.get("region"), row.get("instance_type"))
        if str(row.get("pricing_model", "")).startswith("reserved") and pool in pools and pool not in later:
            row["pricing_model"] = _COMMITTED
        allocations.append(row)

    # per-period cost of each fixed reservation (same order as fixed.reservations)
    per_period = [float(r["committed_usd"]) / int(r["term_periods"]) for r in fixed_src]
    costs = []
    for r in prev.get("costs") or []:
        if str(r.get("period")) not in kept:
            continue
        row = dict(r)
        moved = math.fsum(
            usd
            for src, usd in zip(fixed_src, per_period, strict=True)
            if _ord(src["start_period"], length) <= ords[row["period"]] <= _ord(src["end_period"], length)
        )
        row["reserved_usd"] = float(row.get("reserved_usd") or 0.0) - moved
        row["committed_usd"] = float(row.get("committed_usd") or 0.0) + moved
        row["discounted_usd"] = float(row.get("discounted_usd") or 0.0) * rebase
        costs.append(row)

    ledger = []
    for r in prev.get("spend_by_period") or []:
        if str(r.get("period")) in kept:
            ledger.append(dict(r))
    for src, usd in zip(fixed_src, per_period, strict=True):
        for p in keep:
            if not _ord(src["start_period"], length) <= ords.get(p, -1) <= _ord(src["end_period"], length):
                continue
            for row in ledger:
                if (row.get("period"), row.get("provider"), row.get("pricing_model"), row.get("category")) == (
                    p,
                    src["provider"],
                    src["pricing_model"],
                    "reserved_usd",
                ):
                    row["usd"] = float(row["usd"]) - usd
                    vendor = row.get("vendor")
                    break
            else:
                vendor = ""
            ledger.append(
                {
                    "period": p,
                    "provider": src["provider"],
                    "vendor": vendor,
                    "pricing_model": _COMMITTED,
                    "category": "committed_usd",
                    "usd": usd,
                }
            )
    ledger = _merged_ledger(ledger)

    commitments = [dict(r) for r in prev.get("commitments") or [] if str(r.get("period")) in kept]
    for c, src in zip(fixed.reservations, fixed_src, strict=True):
        pool = (c["provider"], c["region"], c["instance_type"])
        available = float(src["accelerators"]) * H
        for p in keep:
            if ords.get(p, at + 10**6) > _ord(c["ends"], length):
                continue
            used = math.fsum(
                float(a.get("accelerator_hours") or 0.0)
                for a in allocations
                if a["period"] == p
                and (a.get("provider"), a.get("region"), a.get("instance_type")) == pool
                and a.get("pricing_model") in (_COMMITTED, src["pricing_model"])
            )
            used = min(used, available)
            commitments.append(
                {
                    "commitment": c["name"],
                    "kind": "reservation",
                    "provider": c["provider"],
                    "region": c["region"],
                    "instance_type": c["instance_type"],
                    "period": p,
                    "committed_usd": c["count"] * c["usd_per_hour"] * H,
                    "available_hours": available,
                    "used_hours": used,
                    "credit_limit_usd": None,
                    "credit_used_usd": None,
                    "utilization_pct": 100.0 * used / available if available else None,
                }
            )

    total = math.fsum(float(r.get("total_usd") or 0.0) for r in costs)
    out = {k: v for k, v in prev.items() if k not in ("baselines", "energy", "abatement")}
    out.update(
        periods=[p for p in labels if p in kept],
        costs=costs,
        allocations=allocations,
        spend_by_period=ledger,
        reservations=reservations,
        purchases=[r for r in prev.get("purchases") or [] if _ord(r["period_ordered"], length) > at],
        commitments=commitments,
        onboarded_providers=[p for p in prev.get("onboarded_providers") or [] if p not in set(fixed.onboarded)],
        dropped_workloads=[w for w in prev.get("dropped_workloads") or [] if w not in set(fixed.dropped_workloads)],
        policies=[
            r
            for r in prev.get("policies") or []
            if str(r.get("scope")) in kept or not _is_label(str(r.get("scope")), length)
        ],
        totals={
            "total_usd": total,
            "discounted_usd": math.fsum(float(r["discounted_usd"]) for r in costs),
            "energy_kwh": math.fsum(float(r.get("energy_kwh") or 0.0) for r in costs),
            "co2e_t": math.fsum(float(r.get("co2e_t") or 0.0) for r in costs),
        },
        notes=[*(prev.get("notes") or []), f"restricted to the periods after {fixed.as_of}"],
    )
    if ledger:
        for key, name in (("spend_by_provider", "provider"), ("spend_by_pricing_model", "pricing_model")):
            out[key] = _shares(ledger, name, total)
        out["spend_by_vendor"] = _shares(ledger, "vendor", total)
    return out


def _is_label(text: str, length: PeriodLength) -> bool:
    try:
        parse_period(text, length)
    except ValueError:
        return False
    return True


def _merged_ledger(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Ledger rows summed per key; rows that came to zero dropped."""
    keys = ("period", "provider", "vendor", "pricing_model", "category")
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r in rows:
        k = tuple(r.get(f) for f in keys)
        if k in out:
            out[k]["usd"] = float(out[k]["usd"]) + float(r["usd"])
        else:
            out[k] = dict(r)
    return [r for r in out.values() if abs(float(r["usd"])) > 1e-6]


def _shares(ledger: list[dict[str, Any]], key: str, total: float) -> dict[str, dict[str, float]]:
    spend: dict[str, float] = {}
    for r in ledger:
        name = str(r.get(key) or "")
        if name:
            spend[name] = spend.get(name, 0.0) + float(r["usd"])
    return {
        k: {"spend_usd": v, "share": v / total if total else 0.0}
        for k, v in sorted(spend.items(), key=lambda kv: -kv[1])
    }


# --- the whole re-plan ---------------------------------------------------------------------------


def _notes(fixed: Fixed) -> list[str]:
    notes = [
        f"fixed as of {fixed.as_of}: {len(fixed.purchases)} purchase(s) now existing hardware, "
        f"{len(fixed.reservations)} reservation(s) now commitments"
        + (f", onboarded {', '.join(fixed.onboarded)}" if fixed.onboarded else "")
        + f"; re-planned {fixed.periods[0]}..{fixed.periods[-1]}"
    ]
    if fixed.dropped_workloads:
        notes.append(f"finished by {fixed.as_of}, left out: {', '.join(fixed.dropped_workloads)}")
    if fixed.clipped_workloads:
        notes.append(f"running since before {fixed.periods[0]}, window clipped: {', '.join(fixed.clipped_workloads)}")
    if fixed.carbon_budget_left_tco2e is not None:
        notes.append(
            f"carbon budget left: {fixed.carbon_budget_left_tco2e:,.1f} tCO2e "
            f"({fixed.carbon_emitted_tco2e:,.1f} t emitted by the previous plan up to {fixed.as_of})"
        )
    if fixed.sunk_capex_usd > 0:
        notes.append(
            f"capex of the fixed purchases is sunk: the previous plan carried ${fixed.sunk_capex_usd:,.0f} of it in "
            "the re-planned periods, which the re-plan leaves out (it pays their opex)"
        )
    for f in fixed.demand_factors:
        if f.factor is None:
            notes.append(
                f"actuals: {f.provider}/{f.accelerator} billed {f.actual_hours:,.0f} accelerator-hours the plan did "
                "not place there; no workload changed"
            )
        else:
            clipped = "" if f.ratio == f.factor else f" (ratio {f.ratio:.2f}, clipped)"
            notes.append(
                f"actuals: {f.provider}/{f.accelerator} {f.actual_hours:,.0f} of {f.planned_hours:,.0f} planned "
                f"accelerator-hours in {', '.join(f.periods)}: factor {f.factor:.2f}{clipped} "
                f"for {', '.join(f.workloads) or 'no workload'}"
            )
    if fixed.workload_factors:
        notes.append("demand scaled: " + ", ".join(f"{w} x{v:.2f}" for w, v in sorted(fixed.workload_factors.items())))
    return notes


def replan(
    sc: Scenario,
    prev: Mapping[str, Any],
    as_of: str,
    *,
    actuals: pd.DataFrame | None = None,
    time_limit_s: float = 300.0,
    mip_rel_gap: float = 5e-3,
    baselines: bool = True,
    seed: int = 0,
    **optimize_options: Any,
) -> Replan:
    """Fix the previous plan ``prev`` up to ``as_of``, re-plan the rest of ``sc``'s horizon, diff.

    Returns a verified plan of the periods after ``as_of`` (the planner raises otherwise:
    InfeasibleError exit 1), its ``fleetplan.diff/1`` against :func:`restrict_plan` of ``prev``, what
    was fixed and notes. ``actuals`` is the audit's AI compute usage table
    (:attr:`fleetplan.audit.Audit.usage`). InputError (exit 2) on a bad ``as_of`` or previous plan.
    Extra keyword arguments go to :func:`fleetplan.optimize.optimize`.
    """
    new_sc, fixed = fixed_scenario(sc, prev, as_of, actuals=actuals)
    plan = optimize(
        new_sc, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap, baselines=baselines, seed=seed, **optimize_options
    )
    before = restrict_plan(prev, fixed, length=sc.horizon.period, discount_rate_per_year=sc.discount_rate_per_year)
    diff = diff_plans(before, plan_to_dict(plan))
    return Replan(plan=plan, diff=diff, fixed=fixed, notes=tuple(_notes(fixed)), scenario=new_sc, previous=before)
