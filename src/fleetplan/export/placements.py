"""What an export reads from a plan: periods, each workload's placements in failover order, and
the capacity that Kueue shares out.

Contract: every function reads a ``fleetplan.plan/1`` dict (as ``fleetplan plan --json`` writes it)
and never changes it. Amounts are derived from the plan's own figures. The catalog is used only for
two facts that the plan does not carry: how many accelerators an instance type has, and the list
price of reserved capacity. The plan reports a reservation's cost on the reservation, so a reserved
allocation's ``cost_usd`` is 0. An amount that cannot be derived raises InputError naming it.

Per placement (one allocation row) in a period of ``H`` hours:

    per_node     accelerators per node: the catalog's ``accelerator_count`` of the instance type,
                 else the plan's reservation (accelerators / instances); for a serving placement
                 without either, accelerator_hours / (replicas x H); for an owned server, the
                 server type's size when the caller knows it, else the chip's ``max_per_node``
    nodes        ceil(accelerator_hours / H / per_node): the average concurrency the plan pays for
                 (a training run that must finish sooner needs more)
    replicas     serving only: the plan's replicas, rounded to the nearest whole replica
    hourly_usd   price per node-hour: cost_usd / accelerator_hours x per_node when the plan pays
                 per hour, else the catalog's price of that instance type and pricing model;
                 None for owned hardware

Failover order of a workload's placements in a period: the order the risk analysis gives (its
failover targets, ``provider/region``, in order of first mention) when one is passed, then the
plan's own ranking: the placement that carries the most work first (replicas for a service,
accelerator-hours otherwise), ties in the plan's row order.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from fleetplan.catalog.builtin import builtin_offerings
from fleetplan.catalog.hardware import load_accelerators
from fleetplan.errors import InputError
from fleetplan.model.base import RESERVED_MODELS
from fleetplan.model.period import hours_per_period, parse_period, period_length_of

__all__ = [
    "TASK_KINDS",
    "Flavor",
    "Placement",
    "failover_order",
    "flavor_capacity",
    "placements",
    "select_periods",
]

TASK_KINDS = ("train", "finetune", "batch")
"""Workload kinds exported as jobs (tasks); ``serve`` becomes a service."""

_TOL = 1e-6


@dataclass(frozen=True)
class Placement:
    """One allocation row of the plan, with what an engine needs to launch it (see module docstring)."""

    workload: str
    kind: str
    period: str
    provider: str
    region: str | None
    site: str | None
    instance_type: str | None
    server_type: str | None
    accelerator: str
    pricing_model: str
    accelerator_hours: float
    plan_replicas: float | None
    per_node: int
    nodes: int
    hourly_usd: float | None

    @property
    def owned(self) -> bool:
        """Runs on hardware the organization owns (a site of the scenario)."""
        return self.pricing_model == "owned" or bool(self.site)

    @property
    def spot(self) -> bool:
        """Runs on spot (interruptible) capacity."""
        return self.pricing_model == "spot"

    @property
    def prepaid(self) -> bool:
        """Runs on capacity paid for whether used or not: owned, reserved or an existing commitment."""
        return self.owned or self.pricing_model in RESERVED_MODELS or self.pricing_model == "committed"

    @property
    def place(self) -> str:
        """``provider/region`` of a cloud placement, ``provider/site`` of an owned one."""
        return f"{self.provider}/{self.site or self.region}"

    @property
    def replicas(self) -> int:
        """Whole replicas of a service (0 for a task)."""
        return 0 if self.plan_replicas is None else max(1, math.ceil(self.plan_replicas - 1e-3))


@dataclass(frozen=True)
class Flavor:
    """Prepaid capacity of one accelerator type at one place in one period, as Kueue shares it.

    ``capacity`` accelerators: the plan's reservations active in the period (reserved), or the
    whole accelerators the plan runs there (owned, existing commitments: the plan document does not
    carry their installed size). ``use`` maps each workload to its average accelerators there.
    """

    accelerator: str
    provider: str
    place: str
    site: str | None
    region: str | None
    instance_type: str | None
    pricing: str
    capacity: int
    use: Mapping[str, float]


def select_periods(plan: Mapping[str, Any], period: str | None, all_periods: bool) -> list[str]:
    """The periods to export: ``period`` (one of the plan's), all of them, or by default the first."""
    periods = [str(p) for p in plan.get("periods") or []]
    if not periods:
        raise InputError("the plan has no periods", path="periods")
    if period is not None and all_periods:
        raise InputError("give --period or --all-periods, not both", path="--period")
    if all_periods:
        return periods
    if period is None:
        return periods[:1]
    if period not in periods:
        raise InputError(f"period {period!r} is not in the plan (periods {periods[0]}..{periods[-1]})", path="--period")
    return [period]


def period_hours(period: str) -> float:
    """Hours in a period label (``2027Q2`` -> 2190)."""
    try:
        return hours_per_period(period_length_of(period))
    except ValueError as exc:
        raise InputError(str(exc), path="periods") from exc


@lru_cache(maxsize=1)
def _catalog() -> tuple[dict[tuple[str, str, str], int], dict[tuple[str, str, str, str], float]]:
    off = builtin_offerings()
    counts: dict[tuple[str, str, str], int] = {}
    prices: dict[tuple[str, str, str, str], float] = {}
    for r in off[
        ["provider", "region", "instance_type", "pricing_model", "accelerator_count", "price_usd_per_hour"]
    ].itertuples(index=False):
        key = (str(r.provider), str(r.region), str(r.instance_type))
        if r.accelerator_count == r.accelerator_count:  # not NaN
            counts.setdefault(key, int(r.accelerator_count))
        if r.price_usd_per_hour == r.price_usd_per_hour:
            prices.setdefault((*key, str(r.pricing_model)), float(r.price_usd_per_hour))
    return counts, prices


def _num(row: Mapping[str, Any], key: str) -> float:
    v = row.get(key)
    return 0.0 if v is None else float(v)


def _per_node(a: Mapping[str, Any], hours: float, plan: Mapping[str, Any], server_sizes: Mapping[str, int]) -> int:
    counts, _ = _catalog()
    acc = str(a["accelerator"])
    if a.get("site") or a.get("pricing_model") == "owned":
        if a.get("server_type") in server_sizes:
            return int(server_sizes[str(a["server_type"])])
        chip = load_accelerators().get(acc)
        return chip.max_per_node if chip is not None else 8
    key = (str(a.get("provider")), str(a.get("region")), str(a.get("instance_type")))
    if key in counts:
        return counts[key]
    for r in plan.get("reservations") or []:
        if (r.get("provider"), r.get("region"), r.get("instance_type")) == key and r.get("instances"):
            return max(1, round(float(r["accelerators"]) / float(r["instances"])))
    replicas = a.get("replicas")
    if replicas:
        return max(1, round(_num(a, "accelerator_hours") / (float(replicas) * hours)))
    raise InputError(
        f"instance type {key[2]!r} of {key[0]}/{key[1]} is not in the bundled catalog: its accelerators per node "
        "are unknown",
        path="allocations",
    )


def _hourly(a: Mapping[str, Any], per_node: int) -> float | None:
    if a.get("site") or a.get("pricing_model") == "owned":
        return None
    hours, cost = _num(a, "accelerator_hours"), _num(a, "cost_usd")
    if hours > 0 and cost > 0:
        return cost / hours * per_node
    _, prices = _catalog()
    key = (str(a.get("provider")), str(a.get("region")), str(a.get("instance_type")), str(a.get("pricing_model")))
    return prices.get(key)


def failover_order(risk: Mapping[str, Any]) -> dict[str, list[str]]:
    """Each workload's failover targets (``provider/region``) in a ``fleetplan.risk/1`` document, in
    order of first mention over its contingency events (each event lists targets by coverage)."""
    out: dict[str, list[str]] = {}
    for event in (risk.get("contingency") or {}).get("events") or []:
        for w in event.get("workloads") or []:
            targets = out.setdefault(str(w.get("workload")), [])
            for step in str(w.get("failover") or "").split(";"):
                label = step.strip().split(" ")[0]
                if label and label not in targets:
                    targets.append(label)
    return out


def placements(
    plan: Mapping[str, Any],
    period: str,
    *,
    failover: Mapping[str, Sequence[str]] | None = None,
    server_sizes: Mapping[str, int] | None = None,
) -> dict[str, list[Placement]]:
    """Each workload's placements in ``period``, in failover order (see module docstring).

    ``server_sizes`` maps owned server types to accelerators per server (from the scenario).
    """
    hours = period_hours(period)
    sizes = dict(server_sizes or {})
    rows: dict[str, list[tuple[int, Placement]]] = {}
    for i, a in enumerate(plan.get("allocations") or []):
        if str(a.get("period")) != period or _num(a, "accelerator_hours") <= _TOL:
            continue
        for key in ("workload", "kind", "provider", "accelerator", "pricing_model"):
            if not a.get(key):
                raise InputError("missing", path=f"allocations[{i}].{key}")
        per_node = _per_node(a, hours, plan, sizes)
        p = Placement(
            workload=str(a["workload"]),
            kind=str(a["kind"]),
            period=period,
            provider=str(a["provider"]),
            region=a.get("region"),
            site=a.get("site"),
            instance_type=a.get("instance_type"),
            server_type=a.get("server_type"),
            accelerator=str(a["accelerator"]),
            pricing_model=str(a["pricing_model"]),
            accelerator_hours=_num(a, "accelerator_hours"),
            plan_replicas=None if a.get("replicas") is None else float(a["replicas"]),
            per_node=per_node,
            nodes=max(1, math.ceil(_num(a, "accelerator_hours") / hours / per_node - _TOL)),
            hourly_usd=_hourly(a, per_node),
        )
        rows.setdefault(p.workload, []).append((i, p))
    out: dict[str, list[Placement]] = {}
    for w, items in rows.items():
        ranked = list((failover or {}).get(w) or [])

        def key(item: tuple[int, Placement], ranked: list[str] = ranked) -> tuple[int, float, int]:
            i, p = item
            rank = ranked.index(p.place) if p.place in ranked else len(ranked)
            size = p.plan_replicas if p.plan_replicas is not None else p.accelerator_hours
            return rank, -size, i

        out[w] = [p for _, p in sorted(items, key=key)]
    return out


def _active(r: Mapping[str, Any], period: str) -> bool:
    length = period_length_of(period)
    try:
        t = parse_period(period, length)
        return parse_period(str(r["start_period"]), length) <= t <= parse_period(str(r["end_period"]), length)
    except (KeyError, ValueError):
        return False


def flavor_capacity(plan: Mapping[str, Any], period: str, by_workload: Mapping[str, list[Placement]]) -> list[Flavor]:
    """The prepaid flavors of ``period`` with capacity and use per workload (see :class:`Flavor`), in
    order of first use."""
    hours = period_hours(period)
    groups: dict[tuple[str, str], list[Placement]] = {}
    for ps in by_workload.values():
        for p in ps:
            if p.prepaid:
                groups.setdefault((p.accelerator, p.place), []).append(p)
    out = []
    for (acc, place), ps in groups.items():
        use: dict[str, float] = {}
        for p in ps:
            use[p.workload] = use.get(p.workload, 0.0) + p.accelerator_hours / hours
        first = ps[0]
        reserved = 0
        if first.pricing_model in RESERVED_MODELS:
            reserved = sum(
                int(r.get("accelerators") or 0)
                for r in plan.get("reservations") or []
                if (r.get("provider"), r.get("region"), r.get("accelerator")) == (first.provider, first.region, acc)
                and _active(r, period)
            )
        capacity = max(reserved, math.ceil(sum(use.values()) - _TOL))
        pricing = "owned" if first.owned else first.pricing_model
        out.append(
            Flavor(acc, first.provider, place, first.site, first.region, first.instance_type, pricing, capacity, use)
        )
    return out
