"""The rollout policy, checked from the plan's allocations: pilots, ramps and the critical bar.

For every entity new to the organization (:func:`fleetplan.load.known_entities`, of a kind in
``policy.rollout.applies_to``) the verifier recomputes A[e,t], its accelerators in service (the
accelerator-hours of its allocations / hours of the period; an allocation's vendor from the
hardware facts, not from the plan), finds its first period of use (A >= half of
:data:`~fleetplan.model.policy.ROLLOUT_MIN_START`, 0.005 accelerators), and checks, with P = pilot_periods:

    pilot     t in [first, first + P):  A[e,t] <= N  and  A[e,t] <= sigma x A[t]
    ramp      t >= first + P:           A[e,t] <= g x A[e,t-1] + min(N, sigma x A[t])
    critical  t in [first, first + P):  no critical workload on new provider e (under 0.005 accelerators)

(A[t]: every allocation's accelerators in t.) It never reads the optimizer's tables.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from fleetplan.catalog.hardware import resolve_accelerator
from fleetplan.load.rollout import known_entities
from fleetplan.model.period import hours_per_period
from fleetplan.model.plan import Plan, PolicyStatus
from fleetplan.model.policy import ROLLOUT_KINDS, ROLLOUT_MIN_START
from fleetplan.model.scenario import Scenario

__all__ = ["ROLLOUT_CHECKS", "ROLLOUT_COLUMNS", "check_rollout", "rollout_status", "rollout_usage"]

ROLLOUT_CHECKS = (
    "rollout pilots: a new provider, vendor or accelerator within the pilot cap in its first periods of use",
    "rollout ramps: a new entity's accelerators grow at most max_growth_per_period per period plus the pilot cap",
    "rollout: no critical workload on a new provider during its pilot",
)
"""What :func:`check_rollout` checks, in order (pilot caps, growth ramp, critical bar)."""

ROLLOUT_COLUMNS = ("kind", "entity", "period", "accelerators", "critical_accelerators", "phase")
"""One row per (new entity, period) of :func:`rollout_usage`; ``phase`` is ``before`` (not yet in
use), ``pilot`` or ``scale``."""

_TOL = 1e-6
_USE = ROLLOUT_MIN_START / 2
"""Accelerators from which a period counts as one of use (and a critical workload as present)."""
_BIND = 1e-3


def rollout_usage(sc: Scenario, plan: Plan) -> pd.DataFrame:
    """A[e,t] for every new entity the plan uses, every period (see module docstring); empty
    without a rollout policy."""
    ro = sc.policy.rollout
    if ro is None or plan.allocations.empty:
        return pd.DataFrame(columns=list(ROLLOUT_COLUMNS))
    labels = sc.horizon.labels()
    H = hours_per_period(sc.horizon.period)
    known = known_entities(sc)
    critical = {w.name for w in sc.workloads if w.criticality == "critical"}
    use: dict[tuple[str, str], np.ndarray] = defaultdict(lambda: np.zeros(len(labels)))
    crit: dict[tuple[str, str], np.ndarray] = defaultdict(lambda: np.zeros(len(labels)))
    t_of = {p: i for i, p in enumerate(labels)}
    for wname, period, provider, accelerator, hours in zip(
        plan.allocations["workload"],
        plan.allocations["period"],
        plan.allocations["provider"],
        plan.allocations["accelerator"],
        plan.allocations["accelerator_hours"],
        strict=True,
    ):
        acc = resolve_accelerator(str(accelerator))
        t = t_of[period]
        for kind, name in zip(ROLLOUT_KINDS, (str(provider), acc.vendor, acc.name), strict=True):
            if kind in ro.applies_to and name not in known[kind]:
                use[(kind, name)][t] += float(hours) / H
                if wname in critical:
                    crit[(kind, name)][t] += float(hours) / H
    rows = []
    for kind, name in sorted(use, key=lambda k: (ROLLOUT_KINDS.index(k[0]), k[1])):
        a = use[(kind, name)]
        first = _first_use(a)
        if first is None:
            continue
        for t, label in enumerate(labels):
            phase = "before" if t < first else "pilot" if t < first + ro.pilot_periods else "scale"
            rows.append((kind, name, label, float(a[t]), float(crit[(kind, name)][t]), phase))
    return pd.DataFrame(rows, columns=list(ROLLOUT_COLUMNS))


def _first_use(a: np.ndarray) -> int | None:
    hit = np.flatnonzero(a >= _USE)
    return int(hit[0]) if len(hit) else None


def _totals(sc: Scenario, plan: Plan) -> np.ndarray:
    """A[t]: every allocation's accelerators in service per period."""
    labels = sc.horizon.labels()
    H = hours_per_period(sc.horizon.period)
    out = np.zeros(len(labels))
    t_of = {p: i for i, p in enumerate(labels)}
    for period, hours in zip(plan.allocations["period"], plan.allocations["accelerator_hours"], strict=True):
        out[t_of[period]] += float(hours) / H
    return out


def _caps(sc: Scenario, total: np.ndarray) -> np.ndarray:
    """The pilot cap per period: min(N, sigma x A[t]) of the caps given (inf without one)."""
    ro = sc.policy.rollout
    assert ro is not None
    cap = np.full(len(total), np.inf)
    if ro.pilot_max_accelerators is not None:
        cap = np.minimum(cap, ro.pilot_max_accelerators)
    if ro.pilot_max_share is not None:
        cap = np.minimum(cap, ro.pilot_max_share * total)
    return cap


def check_rollout(sc: Scenario, plan: Plan, checks: list[str], v: list[str]) -> None:
    """Append the rollout checks to ``checks`` and every broken rule to ``v`` (no policy: nothing)."""
    ro = sc.policy.rollout
    if ro is None:
        return
    pilot_check, ramp_check, critical_check = ROLLOUT_CHECKS
    checks.append(pilot_check)
    if ro.max_growth_per_period is not None:
        checks.append(ramp_check)
    if ro.critical_after_pilot:
        checks.append(critical_check)
    usage = rollout_usage(sc, plan)
    if usage.empty:
        return
    total = _totals(sc, plan)
    cap = _caps(sc, total)
    labels = sc.horizon.labels()
    for (kind, name), g in usage.groupby(["kind", "entity"], sort=False):
        a = g["accelerators"].to_numpy()
        phase = g["phase"].to_numpy()
        for t in np.flatnonzero(phase == "pilot"):
            if a[t] > cap[t] * (1 + 1e-5) + _TOL:
                v.append(
                    f"rollout pilot of {kind} {name} {labels[t]}: {a[t]:,.2f} accelerators in service, the pilot "
                    f"allows {cap[t]:,.2f}"
                )
            if ro.critical_after_pilot and kind == "provider" and g["critical_accelerators"].iloc[t] >= _USE:
                v.append(
                    f"rollout pilot of provider {name} {labels[t]}: critical workloads run there "
                    f"({g['critical_accelerators'].iloc[t]:,.2f} accelerators) during its pilot"
                )
        if ro.max_growth_per_period is not None:
            gr = ro.max_growth_per_period
            for t in np.flatnonzero(phase == "scale"):
                allowed = gr * a[t - 1] + cap[t]
                if a[t] > allowed * (1 + 1e-5) + _TOL:
                    v.append(
                        f"rollout ramp of {kind} {name} {labels[t]}: {a[t]:,.2f} accelerators after "
                        f"{a[t - 1]:,.2f}, the ramp allows {allowed:,.2f} (x{gr:g} + {cap[t]:,.2f})"
                    )


def rollout_status(sc: Scenario, plan: Plan) -> list[PolicyStatus]:
    """The rollout rules of every new entity the plan uses, binding or slack (within 0.1 %).

    ``rollout_pilot``: the most accelerators in a pilot period against the pilot cap (the share of
    the period's accelerators, unit ``share``, when the cap is a share only).
    ``rollout_ramp``: the largest growth after the pilot beyond g times the period before,
    max(0, A[e,t] - g x A[e,t-1]), against the floor. ``rollout_critical``: critical accelerators
    on a new provider during its pilot (limit 0); binding when critical workloads run there in the
    first period after the pilot.
    """
    ro = sc.policy.rollout
    usage = rollout_usage(sc, plan)
    if ro is None or usage.empty:
        return []
    total = _totals(sc, plan)
    cap = _caps(sc, total)
    share_only = ro.pilot_max_accelerators is None and ro.pilot_max_share is not None
    out: list[PolicyStatus] = []

    def add(policy: str, scope: str, limit: float, value: float, unit: str, binding: bool | None = None) -> None:
        bind = value >= limit * (1 - _BIND) - 1e-9 if binding is None else binding
        ok = value <= limit * (1 + 1e-5) + _TOL
        out.append(PolicyStatus(policy, scope, float(limit), float(value), unit, bool(bind), bool(ok)))

    for (kind, name), g in usage.groupby(["kind", "entity"], sort=False):
        scope = f"{kind} {name}"
        a = g["accelerators"].to_numpy()
        pilot = np.flatnonzero(g["phase"].to_numpy() == "pilot")
        scale = np.flatnonzero(g["phase"].to_numpy() == "scale")
        if not ro.pilot_cap_missing:
            if share_only:
                shares = a[pilot] / np.maximum(total[pilot], 1e-12)
                add("rollout_pilot", scope, float(ro.pilot_max_share or 0.0), float(shares.max()), "share")
            else:
                slack = cap[pilot] - a[pilot]
                i = int(np.argmin(slack))
                add("rollout_pilot", scope, float(cap[pilot][i]), float(a[pilot][i]), "accelerators")
        if ro.max_growth_per_period is not None and len(scale):
            extra = a[scale] - ro.max_growth_per_period * a[scale - 1]
            i = int(np.argmax(extra - cap[scale]))
            add("rollout_ramp", scope, float(cap[scale][i]), max(float(extra[i]), 0.0), "accelerators")
        if ro.critical_after_pilot and kind == "provider":
            crit = g["critical_accelerators"].to_numpy()
            after = int(pilot[-1]) + 1
            held = after < len(crit) and crit[after] >= _USE
            add("rollout_critical", scope, 0.0, float(crit[pilot].sum()), "accelerators", binding=held)
    return out
