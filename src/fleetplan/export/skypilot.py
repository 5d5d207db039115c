"""SkyPilot files: one task YAML per job (train, fine-tune, batch) and one SkyServe service YAML per
online service, for one period of a plan.

Contract: :func:`skypilot_files` returns ``{relative path: YAML document}`` or raises InputError
naming an accelerator or provider SkyPilot does not know. Nothing is dropped: every workload with a
placement in the period gets a file.

- ``resources`` is pinned to the placement: ``infra: <cloud>/<region>`` (owned sites:
  ``infra: k8s``, the organization's Kubernetes), ``instance_type``, ``accelerators: NAME:N``,
  ``use_spot``, ``max_hourly_cost`` (the plan's price per node-hour, rounded up to the cent).
- A workload on more than one placement lists them under ``resources.ordered`` in failover order
  (:func:`fleetplan.export.placements.placements`); SkyPilot tries them in that order. ``any_of``
  would let SkyPilot pick by price and lose the plan's order, so it is not used.
- Spot placements carry ``job_recovery`` (strategy ``FAILOVER``, :data:`MAX_RESTARTS_ON_ERRORS`).
- A job's ``num_nodes`` is the first placement's node count; a service's replicas are the sum over
  its placements (the plan has one count per period, so min = max); with spot in the mix,
  ``replica_policy.base_ondemand_fallback_replicas`` keeps the planned non-spot replicas.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from fleetplan.export.names import dns_name, engine_name
from fleetplan.export.placements import TASK_KINDS, Placement

__all__ = ["MAX_RESTARTS_ON_ERRORS", "READINESS_PATH", "SERVICE_PORT", "skypilot_files"]

MAX_RESTARTS_ON_ERRORS = 3
"""Restarts of a managed spot job after a user-code error (preemptions are always recovered)."""
READINESS_PATH = "/health"
"""Placeholder readiness-probe path: replace it with the service's own."""
SERVICE_PORT = 8080
"""Placeholder port the service listens on."""


def _resources(p: Placement) -> dict[str, Any]:
    where = f"allocations[{p.workload}, {p.period}]"
    acc = engine_name("skypilot", "accelerator", p.accelerator, where=where)
    r: dict[str, Any] = {}
    if p.owned:
        r["infra"] = "k8s"
    else:
        cloud = engine_name("skypilot", "provider", p.provider, where=where)
        r["infra"] = f"{cloud}/{p.region}" if p.region else cloud
        if p.instance_type:
            r["instance_type"] = p.instance_type
    r["accelerators"] = f"{acc}:{p.per_node}"
    r["use_spot"] = p.spot
    if p.hourly_usd:
        r["max_hourly_cost"] = math.ceil(p.hourly_usd * 100 - 1e-9) / 100
    if p.spot:
        r["job_recovery"] = {"strategy": "FAILOVER", "max_restarts_on_errors": MAX_RESTARTS_ON_ERRORS}
    return r


def _pinned(ps: Sequence[Placement], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    entries = [_resources(p) for p in ps]
    if len(entries) == 1:
        return {**(extra or {}), **entries[0]}
    return {**(extra or {}), "ordered": entries}


def _run(p: Placement) -> str:
    return f"echo 'fill in: the command that runs {p.workload}'"


def task(ps: Sequence[Placement]) -> dict[str, Any]:
    """The task YAML of a job's placements (failover order)."""
    first = ps[0]
    return {
        "name": first.workload,
        "num_nodes": first.nodes,
        "resources": _pinned(ps),
        "envs": {"FLEETPLAN_WORKLOAD": first.workload, "FLEETPLAN_PERIOD": first.period},
        "setup": "echo 'fill in: install dependencies'",
        "run": _run(first),
    }


def service(ps: Sequence[Placement]) -> dict[str, Any]:
    """The SkyServe service YAML of a service's placements (failover order)."""
    first = ps[0]
    replicas = sum(p.replicas for p in ps)
    spec: dict[str, Any] = {"readiness_probe": {"path": READINESS_PATH, "initial_delay_seconds": 600}}
    if any(p.spot for p in ps):
        spec["replica_policy"] = {
            "min_replicas": replicas,
            "max_replicas": replicas,
            "base_ondemand_fallback_replicas": sum(p.replicas for p in ps if not p.spot),
        }
    else:
        spec["replicas"] = replicas
    return {
        "name": first.workload,
        "service": spec,
        "resources": _pinned(ps, {"ports": SERVICE_PORT}),
        "envs": {"FLEETPLAN_WORKLOAD": first.workload, "FLEETPLAN_PERIOD": first.period},
        "setup": "echo 'fill in: install the model server'",
        "run": _run(first),
    }


def skypilot_files(by_workload: dict[str, list[Placement]]) -> dict[str, dict[str, Any]]:
    """``{path: document}`` for one period's placements: ``tasks/<w>.yaml`` and ``services/<w>.yaml``."""
    out: dict[str, dict[str, Any]] = {}
    for w, ps in by_workload.items():
        if ps[0].kind in TASK_KINDS:
            out[f"tasks/{dns_name(w)}.yaml"] = task(ps)
        else:
            out[f"services/{dns_name(w)}.yaml"] = service(ps)
    return out
