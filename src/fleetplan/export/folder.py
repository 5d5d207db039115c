"""An export folder: the engine's files per period, a ``README.md`` and a manifest, written at once.

Layout::

    README.md                 what each file is, what to fill in, the plan's periods and checksum
    fleetplan-export.json     the manifest (schema ``fleetplan.export/1``): engine, plan file and
                              SHA-256, periods, every file with its kind and SHA-256 as exported
    <period>/...              the engine's files for that period

Contract: :func:`export_plan` is pure (a plan dict in, an :class:`Export` value out) and raises
InputError for what the engine cannot express; :func:`write_export` writes a complete folder or
nothing: the files go to a temporary folder beside the target, which is then renamed over it. An
existing target is replaced only when it is an earlier export (it holds a manifest).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from fleetplan._io import write_text_atomic
from fleetplan.errors import InputError
from fleetplan.export.dstack import dstack_files
from fleetplan.export.kueue import API_VERSION, NAMESPACE, kueue_files
from fleetplan.export.names import ENGINES, dns_name
from fleetplan.export.placements import Placement, flavor_capacity, placements
from fleetplan.export.skypilot import READINESS_PATH, skypilot_files

__all__ = ["EXPORT_SCHEMA", "MANIFEST", "Export", "export_plan", "file_kind", "write_export"]

EXPORT_SCHEMA = "fleetplan.export/1"
MANIFEST = "fleetplan-export.json"


@dataclass(frozen=True)
class Export:
    """A rendered export: ``files`` maps each relative path to its text (README and manifest too)."""

    engine: str
    periods: tuple[str, ...]
    files: Mapping[str, str]
    notes: tuple[str, ...]


def file_kind(engine: str, path: str) -> str:
    """The kind of an exported file from its path: ``skypilot-task``, ``dstack-fleet``, ``kueue``..."""
    if engine == "kueue":
        return "kueue"
    folder = path.split("/")[-2] if "/" in path else ""
    return f"{engine}-{ {'tasks': 'task', 'services': 'service', 'fleets': 'fleet'}.get(folder, 'other') }"


def _yaml(doc: Any, header: Sequence[str]) -> str:
    head = "".join(f"# {line}\n" for line in header)
    if isinstance(doc, list):
        return head + yaml.safe_dump_all(doc, sort_keys=False, allow_unicode=True)
    return head + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def _split_note(ps: Sequence[Placement]) -> list[str]:
    if len(ps) < 2:
        return []
    total = sum(p.accelerator_hours for p in ps) or 1.0
    parts = ", ".join(f"{p.place} {p.pricing_model} {p.accelerator_hours / total:.0%}" for p in ps)
    return [f"the plan spreads this work over {len(ps)} placements ({parts});", "listed in failover order."]


def _headers(engine: str, by_workload: Mapping[str, list[Placement]], path: str, source: str, doc: Any) -> list[str]:
    head = [f"fleetplan export ({engine}), {source}"]
    stem = path.split("/")[-1].split(".")[0]
    ps = next((v for w, v in by_workload.items() if dns_name(w) == stem), [])
    head += _split_note(ps)
    if engine == "skypilot" and ps:
        head.append("fill in: setup and run" + (", the readiness probe path and port" if "service" in doc else ""))
        if any(p.owned for p in ps):
            head.append("owned site: `infra: k8s` is the organization's cluster; use k8s/<context> to pick one")
        if any(p.pricing_model.startswith("reserved") for p in ps):
            head.append("reserved capacity: let SkyPilot use it (for AWS: prioritize_reservations in its config)")
        if len(ps) > 1 and "service" not in doc:
            head.append("num_nodes is the first placement's; SkyPilot runs one placement at a time")
    if engine == "dstack" and isinstance(doc, dict):
        if "ssh_config" in doc:
            head.append("owned site: replace the fill-in hosts, user and identity_file")
        elif doc.get("type") == "fleet" and "reserved" in str(doc.get("name")):
            head.append("reserved capacity: add `reservation: <id>` (AWS, GCP) from the provider's console")
        elif doc.get("type") != "fleet":
            head.append("fill in: image and commands; dstack picks among the fleets by price, not by their order")
    return head


def export_plan(
    plan: Mapping[str, Any],
    engine: str,
    *,
    periods: Sequence[str],
    criticality: Mapping[str, str] | None = None,
    failover: Mapping[str, Sequence[str]] | None = None,
    server_sizes: Mapping[str, int] | None = None,
    plan_file: str = "plan.json",
    plan_sha256: str = "",
) -> Export:
    """The ``engine``'s files for ``periods`` of ``plan`` with README and manifest (module docstring).

    ``criticality`` (workload -> low|medium|high|critical) and ``server_sizes`` come from the
    scenario when the caller has one; ``failover`` (workload -> ``provider/region`` in order) from
    the risk analysis (:func:`fleetplan.export.placements.failover_order`).
    """
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}; one of {', '.join(ENGINES)}", path="--to")
    docs: dict[str, Any] = {}
    headers: dict[str, list[str]] = {}
    notes: list[str] = []
    rented: dict[str, list[str]] = {}
    source = f"plan {plan_file} sha256 {plan_sha256[:12]}" if plan_sha256 else f"plan {plan_file}"
    for period in periods:
        by_workload = placements(plan, period, failover=failover, server_sizes=server_sizes)
        if engine == "skypilot":
            files: Mapping[str, Any] = skypilot_files(by_workload)
        elif engine == "dstack":
            files = dstack_files(dict(plan), by_workload)
        else:
            flavors = flavor_capacity(plan, period, by_workload)
            files = kueue_files(
                flavors, organization=str(plan.get("scenario") or "fleetplan"), criticality=criticality or {}
            )
            for w, ps in by_workload.items():
                for p in ps:
                    if not p.prepaid:
                        rented.setdefault(period, []).append(f"{w} on {p.place} {p.pricing_model}")
            if not flavors:
                notes.append(f"{period}: the plan has no owned or reserved capacity, so no queue has quota")
        if not by_workload:
            notes.append(f"{period}: the plan places no workload")
        seen: set[str] = set()
        for rel, doc in files.items():
            path = f"{period}/{rel}"
            if path in seen or path in docs:
                raise InputError(f"two workloads export to the same file {path}; rename one", path="allocations")
            seen.add(path)
            docs[path] = doc
            headers[path] = _headers(engine, by_workload, rel, f"{source}, period {period}", doc)
    texts = {p: _yaml(d, headers[p]) for p, d in docs.items()}
    crit_source = "scenario" if criticality is not None else "default (medium: the plan does not carry criticality)"
    manifest = {
        "schema": EXPORT_SCHEMA,
        "engine": engine,
        "plan": {"file": plan_file, "sha256": plan_sha256, "scenario": plan.get("scenario")},
        "periods": list(periods),
        "criticality": crit_source if engine == "kueue" else None,
        "failover": "risk analysis" if failover else "plan (most work first)",
        "files": [
            {"path": p, "kind": file_kind(engine, p), "sha256": hashlib.sha256(t.encode()).hexdigest()}
            for p, t in texts.items()
        ],
    }
    for period, items in rented.items():
        notes.append(f"{period}: rented, not a Kueue quota (run with SkyPilot or dstack): " + "; ".join(items))
    readme = _readme(plan, engine, periods, texts, notes, plan_file, plan_sha256, crit_source, bool(failover))
    all_files = {"README.md": readme, MANIFEST: json.dumps(manifest, indent=2) + "\n", **texts}
    return Export(engine, tuple(periods), all_files, tuple(notes))


_WHAT = {
    "skypilot-task": "SkyPilot task (`sky jobs launch FILE`)",
    "skypilot-service": "SkyServe service (`sky serve up FILE`)",
    "dstack-fleet": "dstack fleet (`dstack apply -f FILE`)",
    "dstack-task": "dstack task (`dstack apply -f FILE`)",
    "dstack-service": "dstack service (`dstack apply -f FILE`)",
}

_FILL = {
    "skypilot": [
        "cloud credentials for each `infra` (`sky check`)",
        "`setup` and `run` of every task and service (placeholders echo what to fill in), and `workdir` or "
        "`file_mounts` for the code",
        f"each service's readiness probe `path` (placeholder `{READINESS_PATH}`) and port",
        "owned sites: the Kubernetes context (`infra: k8s/<context>`)",
    ],
    "dstack": [
        "backend credentials on the dstack server",
        "`image` and `commands` of every task and service",
        "reserved fleets: `reservation:` with the provider's reservation id",
        "owned sites: the SSH hosts, user and key of the SSH fleet",
    ],
    "kueue": [
        f"the LocalQueues' namespace (`{NAMESPACE}` here): one per team",
        "node labels on the nodes (`fleetplan.io/accelerator`, `fleetplan.io/site`) or change the flavors' "
        "`nodeLabels` to the labels the cluster already has",
        "cpu and memory: the queues cover accelerators only; add quotas or set Kueue's "
        "`resources.excludeResourcePrefixes`",
        "jobs: label them `kueue.x-k8s.io/queue-name: <workload>` and "
        "`kueue.x-k8s.io/priority-class: fleetplan-<criticality>`",
    ],
}


def _readme(
    plan: Mapping[str, Any],
    engine: str,
    periods: Sequence[str],
    texts: Mapping[str, str],
    notes: Sequence[str],
    plan_file: str,
    plan_sha256: str,
    crit_source: str,
    failover: bool,
) -> str:
    lines = [
        f"# {engine} export of the plan for {plan.get('scenario') or 'a scenario'}",
        "",
        f"- plan file: `{plan_file}`",
        f"- plan SHA-256: `{plan_sha256 or 'not given'}`",
        f"- period{'s' if len(periods) > 1 else ''}: {', '.join(periods)} (one folder each)",
        "- failover order: " + ("from the risk analysis" if failover else "the plan's (the most work first)"),
    ]
    if engine == "kueue":
        lines.append(f"- criticality: {crit_source}; API `{API_VERSION}`")
    lines += ["", "Check the folder after editing: `fleetplan export --check DIR`.", "", "## Files", ""]
    lines += ["| file | what |", "| --- | --- |"]
    lines.append(f"| `{MANIFEST}` | manifest: engine, plan checksum, periods, each file's checksum as exported |")
    for p in texts:
        kind = file_kind(engine, p)
        what = (
            _WHAT.get(kind)
            or f"Kueue {p.split('/')[-1].removesuffix('.yaml').replace('-', ' ')} (`kubectl apply -f FILE`)"
        )
        lines.append(f"| `{p}` | {what} |")
    lines += ["", "## Fill in", ""]
    lines += [f"- {item}" for item in _FILL[engine]]
    if notes:
        lines += ["", "## Notes", ""]
        lines += [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def write_export(export: Export, out_dir: str | Path) -> Path:
    """Write ``export`` into ``out_dir`` whole, or leave ``out_dir`` as it was (module docstring)."""
    target = Path(out_dir)
    for rel in export.files:
        if Path(rel).is_absolute() or ".." in Path(rel).parts:
            raise ValueError(f"export file {rel!r} lies outside the folder")
    if target.exists() and (not target.is_dir() or (any(target.iterdir()) and not (target / MANIFEST).is_file())):
        raise InputError("exists and is not an earlier export; choose an empty or new folder", file=str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    old = target.with_name(f".{target.name}.{secrets.token_hex(4)}.old")
    try:
        tmp.mkdir()
        for rel, text in export.files.items():
            write_text_atomic(tmp / rel, text)
        if target.exists():
            os.replace(target, old)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            shutil.rmtree(tmp)
        if old.exists() and not target.exists():
            os.replace(old, target)
        raise
    with contextlib.suppress(OSError):
        shutil.rmtree(old)
    return target
