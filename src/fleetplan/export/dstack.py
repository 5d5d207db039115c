"""dstack files: one fleet per planned place and offering, one task or service per workload, for one
period of a plan.

Contract: :func:`dstack_files` returns ``{relative path: document}`` or raises InputError naming an
accelerator or provider dstack does not know. Every workload with a placement gets a file.

- ``fleets/<provider>-<region>-<accelerator>-<pricing>.dstack.yml`` per (provider, region or site,
  instance type, pricing model): ``backends``, ``regions``, ``resources.gpu: NAME:N``,
  ``spot_policy`` (spot or on-demand), ``max_price`` (the plan's price per node-hour). Reserved and
  owned capacity is kept up (``nodes`` = the planned nodes, or the reservation's instances);
  rented capacity scales from 0 to the planned nodes. Owned sites become SSH fleets whose hosts the
  user fills in. A reservation's id is not in the plan: the file's header says where to put it.
- ``tasks/<w>.dstack.yml`` and ``services/<w>.dstack.yml`` name their fleets in failover order;
  dstack picks among them by price, not by order (the header says so). A service's ``replicas``
  is the sum over its placements.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from fleetplan.export.names import dns_name, engine_name
from fleetplan.export.placements import TASK_KINDS, Placement

__all__ = ["SERVICE_PORT", "dstack_files"]

SERVICE_PORT = 8080
"""Placeholder port the service listens on."""


def _gpu(p: Placement) -> str:
    name = engine_name("dstack", "accelerator", p.accelerator, where=f"allocations[{p.workload}, {p.period}]")
    return f"{name}:{p.per_node}"


def _fleet_name(p: Placement) -> str:
    return dns_name(p.provider, p.site or p.region or "", p.accelerator, p.pricing_model)


def _price(ps: Sequence[Placement]) -> float | None:
    prices = [p.hourly_usd for p in ps if p.hourly_usd]
    return math.ceil(max(prices) * 100 - 1e-9) / 100 if prices else None


def _reservation_instances(plan: dict[str, Any], p: Placement) -> int:
    return sum(
        int(r.get("instances") or 0)
        for r in plan.get("reservations") or []
        if (r.get("provider"), r.get("region"), r.get("instance_type"), r.get("pricing_model"))
        == (p.provider, p.region, p.instance_type, p.pricing_model)
    )


def fleet(plan: dict[str, Any], ps: Sequence[Placement]) -> dict[str, Any]:
    """The fleet configuration of the placements ``ps`` sharing one place and offering."""
    first = ps[0]
    nodes = sum(p.replicas if p.kind not in TASK_KINDS else p.nodes for p in ps)
    doc: dict[str, Any] = {"type": "fleet", "name": _fleet_name(first)}
    if first.owned:
        doc["ssh_config"] = {
            "user": "fill-in-user",
            "identity_file": "~/.ssh/fill-in-key",
            "hosts": [f"fill-in-{first.site}-host-{i + 1}" for i in range(nodes)],
        }
        doc["resources"] = {"gpu": _gpu(first)}
        return doc
    where = f"allocations[{first.workload}, {first.period}]"
    doc["backends"] = [engine_name("dstack", "provider", first.provider, where=where)]
    if first.region:
        doc["regions"] = [first.region]
    if first.prepaid:
        doc["nodes"] = max(nodes, _reservation_instances(plan, first))
    else:
        doc["nodes"] = {"min": 0, "target": 0, "max": nodes}
    doc["resources"] = {"gpu": _gpu(first)}
    doc["spot_policy"] = "spot" if first.spot else "on-demand"
    price = _price(ps)
    if price:
        doc["max_price"] = price
    return doc


def _run(ps: Sequence[Placement]) -> dict[str, Any]:
    first = ps[0]
    doc: dict[str, Any] = {
        "name": dns_name(first.workload),
        "fleets": list(dict.fromkeys(_fleet_name(p) for p in ps)),
        "resources": {"gpu": _gpu(first)},
        "env": {"FLEETPLAN_WORKLOAD": first.workload, "FLEETPLAN_PERIOD": first.period},
        "commands": [f"echo 'fill in: the command that runs {first.workload}'"],
    }
    spots = {p.spot for p in ps}
    doc["spot_policy"] = "auto" if len(spots) > 1 else ("spot" if True in spots else "on-demand")
    price = _price(ps)
    if price:
        doc["max_price"] = price
    return doc


def task(ps: Sequence[Placement]) -> dict[str, Any]:
    """The task configuration of a job's placements (failover order)."""
    return {"type": "task", **_run(ps), "nodes": ps[0].nodes}


def service(ps: Sequence[Placement]) -> dict[str, Any]:
    """The service configuration of a service's placements (failover order)."""
    return {"type": "service", **_run(ps), "port": SERVICE_PORT, "replicas": sum(p.replicas for p in ps)}


def dstack_files(plan: dict[str, Any], by_workload: dict[str, list[Placement]]) -> dict[str, dict[str, Any]]:
    """``{path: document}`` for one period: ``fleets/``, ``tasks/`` and ``services/`` configurations."""
    out: dict[str, dict[str, Any]] = {}
    groups: dict[str, list[Placement]] = {}
    for w, ps in by_workload.items():
        for p in ps:
            groups.setdefault(_fleet_name(p), []).append(p)
        if ps[0].kind in TASK_KINDS:
            out[f"tasks/{dns_name(w)}.dstack.yml"] = task(ps)
        else:
            out[f"services/{dns_name(w)}.dstack.yml"] = service(ps)
    for name, ps in groups.items():
        out[f"fleets/{name}.dstack.yml"] = fleet(plan, ps)
    return dict(sorted(out.items()))
