"""Kueue manifests (``kueue.x-k8s.io/v1beta2``) that share one period's prepaid capacity: owned
sites, reservations and existing commitments. Rented on-demand and spot capacity is not a quota
and is left to SkyPilot or dstack (the folder README lists it).

Contract: :func:`kueue_files` returns ``{relative path: [documents]}`` (one multi-document YAML per
kind) or raises InputError naming an accelerator with no Kubernetes resource name.

- ``ResourceFlavor`` per accelerator type and place (:class:`~fleetplan.export.placements.Flavor`),
  with node labels: ``fleetplan.io/accelerator``, and ``fleetplan.io/site`` for an owned site, or the
  well-known ``topology.kubernetes.io/region`` and ``node.kubernetes.io/instance-type`` in a cloud.
- ``ClusterQueue`` per workload, in one ``Cohort`` for the organization. A workload's
  ``nominalQuota`` of a flavor is its average use there, in whole accelerators (largest remainders,
  never above the capacity). What the plan leaves unused (the slack: capacity - the queues' quotas)
  is the Cohort's own quota, and each queue of that flavor may borrow up to it
  (``borrowingLimit``). So per flavor, queue quotas + the cohort's quota = the plan's capacity.
- A ``LocalQueue`` per workload (namespace :data:`NAMESPACE`, to be replaced) and one
  ``WorkloadPriorityClass`` per criticality (:data:`PRIORITY`); the criticality of a workload comes
  from the scenario when one is given, else ``medium``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from fleetplan.export.names import dns_name, engine_name
from fleetplan.export.placements import Flavor

__all__ = ["API_VERSION", "NAMESPACE", "PRIORITY", "kueue_files", "quotas"]

API_VERSION = "kueue.x-k8s.io/v1beta2"
NAMESPACE = "default"
"""Namespace of the LocalQueues: replace it with each team's namespace."""
PRIORITY: Mapping[str, int] = {"critical": 1000, "high": 500, "medium": 100, "low": 10}
"""WorkloadPriorityClass value per criticality (higher preempts lower)."""


def quotas(f: Flavor) -> tuple[dict[str, int], int]:
    """Whole-accelerator quota per workload of flavor ``f`` and the slack (see module docstring)."""
    base = {w: math.floor(u + 1e-6) for w, u in f.use.items()}
    need = min(f.capacity, math.ceil(sum(f.use.values()) - 1e-6))
    extra = max(0, need - sum(base.values()))
    by_remainder = sorted(f.use, key=lambda w: (-(f.use[w] - base[w]), w))
    for w in by_remainder[:extra]:
        base[w] += 1
    return base, f.capacity - sum(base.values())


def _flavor_name(f: Flavor) -> str:
    return dns_name(f.accelerator, f.place.replace("/", "-"))


def _resource(f: Flavor) -> str:
    return engine_name("kueue", "accelerator", f.accelerator, where=f"allocations[{f.place}]")


def _flavor(f: Flavor) -> dict[str, Any]:
    labels = {"fleetplan.io/accelerator": dns_name(f.accelerator)}
    if f.site:
        labels["fleetplan.io/site"] = dns_name(f.site)
    else:
        if f.region:
            labels["topology.kubernetes.io/region"] = str(f.region)
        if f.instance_type:
            labels["node.kubernetes.io/instance-type"] = str(f.instance_type)
    return {
        "apiVersion": API_VERSION,
        "kind": "ResourceFlavor",
        "metadata": {"name": _flavor_name(f), "labels": {"fleetplan.io/pricing": dns_name(f.pricing)}},
        "spec": {"nodeLabels": labels},
    }


def _groups(entries: Sequence[tuple[Flavor, int, int | None]]) -> list[dict[str, Any]]:
    """Resource groups, one per Kubernetes resource name, from (flavor, quota, borrowing limit)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for f, quota, borrow in entries:
        res: dict[str, Any] = {"name": _resource(f), "nominalQuota": quota}
        if borrow:
            res["borrowingLimit"] = borrow
        groups.setdefault(_resource(f), []).append({"name": _flavor_name(f), "resources": [res]})
    return [{"coveredResources": [r], "flavors": fl} for r, fl in groups.items()]


def kueue_files(
    flavors: Sequence[Flavor],
    *,
    organization: str,
    criticality: Mapping[str, str],
) -> dict[str, list[dict[str, Any]]]:
    """``{path: documents}``: resource flavors, the cohort, cluster queues, local queues, priorities."""
    cohort = dns_name(organization) or "fleetplan"
    per_queue: dict[str, list[tuple[Flavor, int, int | None]]] = {}
    cohort_entries: list[tuple[Flavor, int, int | None]] = []
    for f in flavors:
        q, slack = quotas(f)
        for w in f.use:
            per_queue.setdefault(w, []).append((f, q[w], slack or None))
        if slack:
            cohort_entries.append((f, slack, None))
    cohort_doc: dict[str, Any] = {"apiVersion": API_VERSION, "kind": "Cohort", "metadata": {"name": cohort}, "spec": {}}
    if cohort_entries:
        cohort_doc["spec"]["resourceGroups"] = _groups(cohort_entries)
    queues, locals_ = [], []
    for w, entries in per_queue.items():
        name = dns_name(w)
        queues.append(
            {
                "apiVersion": API_VERSION,
                "kind": "ClusterQueue",
                "metadata": {
                    "name": name,
                    "labels": {"fleetplan.io/workload": name, "fleetplan.io/criticality": criticality.get(w, "medium")},
                },
                "spec": {
                    "cohortName": cohort,
                    "namespaceSelector": {},
                    "queueingStrategy": "BestEffortFIFO",
                    "resourceGroups": _groups(entries),
                },
            }
        )
        locals_.append(
            {
                "apiVersion": API_VERSION,
                "kind": "LocalQueue",
                "metadata": {"name": name, "namespace": NAMESPACE},
                "spec": {"clusterQueue": name},
            }
        )
    priorities = [
        {
            "apiVersion": API_VERSION,
            "kind": "WorkloadPriorityClass",
            "metadata": {"name": f"fleetplan-{c}"},
            "value": v,
            "description": f"fleetplan criticality {c}",
        }
        for c, v in PRIORITY.items()
    ]
    return {
        "resource-flavors.yaml": [_flavor(f) for f in flavors],
        "cohort.yaml": [cohort_doc],
        "cluster-queues.yaml": queues,
        "local-queues.yaml": locals_,
        "priority-classes.yaml": priorities,
    }
