"""Re-validate an export folder: every file against its engine's rules, offline.

What is checked, per file kind (the manifest, ``fleetplan-export.json``, names each file's kind):

- SkyPilot task and service YAML: the SkyPilot 0.14.1 JSON Schemas bundled in
  ``fleetplan/data/engine_schemas/`` (task; ``resources`` and each ``ordered``/``any_of`` entry;
  ``service``), with SkyPilot's ``case_insensitive_enum`` keyword enforced, plus the checks SkyPilot
  makes in Python: not both ``any_of`` and ``ordered``; ``min_replicas <= max_replicas``;
  ``target_qps_per_replica`` when they differ; ``accelerators`` as ``NAME:COUNT``.
- Kueue manifests: the ``v1beta2`` ``openAPIV3Schema`` of the bundled Kueue CRDs with every object
  closed (unknown fields are errors, as ``kubectl --validate=strict``), plus the CEL rule on
  ``borrowingLimit`` without a cohort, unique flavor and resource names, each flavor listing the
  group's covered resources, a resource in one group only, and the references between objects
  (flavors, cluster queues, cohorts).
- dstack configurations: structurally (dstack's own schema is MPL-2.0 and not bundled): the
  ``type``, known keys per type (the dstack 0.22.5 schema's property names), ``resources.gpu`` as
  ``NAME[:MEMORY]:COUNT``, ``nodes`` as a count or ``min <= target <= max``, ``spot_policy``,
  ``max_price > 0``, ``backends``, a service's ``port`` and ``replicas``, fleets that the tasks name.

Contract: :func:`check_export` returns the problems found (empty when the folder passes) and the
files edited since the export (a changed checksum is not a problem: users must fill in files). It
raises InputError when the folder is not an export folder (no readable manifest).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from fleetplan.errors import InputError
from fleetplan.export.folder import EXPORT_SCHEMA, MANIFEST

__all__ = ["CheckResult", "check_export", "check_file", "kueue_schema", "skypilot_schema"]

_SCHEMAS = "engine_schemas"
_GPU_SKYPILOT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*(:\d+(\.\d+)?)?$")
_GPU_DSTACK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*(:\d+(GB|MB|TB))?:\d+(\.\.\d*)?$")
_DSTACK_BACKENDS = frozenset(
    [
        "amddevcloud",
        "aws",
        "azure",
        "cloudrift",
        "crusoe",
        "cudo",
        "datacrunch",
        "daytona",
        "digitalocean",
        "dstack",
        "gcp",
        "hotaisle",
        "jarvislabs",
        "kubernetes",
        "lambda",
        "lium",
        "remote",
        "nebius",
        "oci",
        "runpod",
        "seeweb",
        "tensordock",
        "vastai",
        "verda",
        "vultr",
        "slurm",
    ]
)
_DSTACK_COMMON = frozenset(
    [
        "name",
        "type",
        "resources",
        "backends",
        "regions",
        "availability_zones",
        "instance_types",
        "spot_policy",
        "max_price",
        "reservation",
        "idle_duration",
        "retry",
        "tags",
        "env",
    ]
)
_DSTACK_RUN = _DSTACK_COMMON | frozenset(
    [
        "commands",
        "image",
        "python",
        "nvcc",
        "docker",
        "privileged",
        "entrypoint",
        "working_dir",
        "home_dir",
        "files",
        "repos",
        "setup",
        "shell",
        "user",
        "registry_auth",
        "fleets",
        "creation_policy",
        "max_duration",
        "stop_duration",
        "utilization_policy",
        "schedule",
        "priority",
        "volumes",
        "startup_order",
        "stop_criteria",
        "dstack",
        "single_branch",
        "backend_options",
    ]
)
_DSTACK_KEYS = {
    "fleet": _DSTACK_COMMON | frozenset(["nodes", "placement", "blocks", "ssh_config", "backend_options"]),
    "task": _DSTACK_RUN | frozenset(["nodes", "ports", "groups"]),
    "service": _DSTACK_RUN
    | frozenset(
        [
            "port",
            "replicas",
            "scaling",
            "model",
            "https",
            "auth",
            "gateway",
            "rate_limits",
            "probes",
            "strip_prefix",
            "groups",
        ]
    ),
}
_KUEUE_FILES = {
    "ResourceFlavor": "kueue.x-k8s.io_resourceflavors.yaml",
    "ClusterQueue": "kueue.x-k8s.io_clusterqueues.yaml",
    "Cohort": "kueue.x-k8s.io_cohorts.yaml",
    "LocalQueue": "kueue.x-k8s.io_localqueues.yaml",
    "WorkloadPriorityClass": "kueue.x-k8s.io_workloadpriorityclasses.yaml",
}
_KUEUE_API = "kueue.x-k8s.io/v1beta2"


@dataclass(frozen=True)
class CheckResult:
    """Problems (each ``path: message``) and the files whose checksum differs from the export."""

    problems: tuple[str, ...]
    edited: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """No problem found."""
        return not self.problems


def _data(*parts: str) -> str:
    return resources.files("fleetplan.data").joinpath(_SCHEMAS, *parts).read_text("utf-8")


def _case_insensitive_enum(validator: Any, allowed: Any, instance: Any, schema: Any) -> Iterator[Any]:
    if isinstance(instance, str) and instance.lower() not in {str(a).lower() for a in allowed}:
        yield jsonschema.ValidationError(f"{instance!r} is not one of {sorted(allowed)}")


_SkyValidator = jsonschema.validators.extend(
    jsonschema.Draft7Validator, {"case_insensitive_enum": _case_insensitive_enum}
)


@cache
def skypilot_schema(name: str) -> dict[str, Any]:
    """The bundled SkyPilot 0.14.1 schema ``task``, ``resources`` or ``service``."""
    return json.loads(_data("skypilot-0.14.1", f"{name}.schema.json"))


def _closed(schema: Any) -> Any:
    """A copy of an OpenAPI schema with every object that lists properties closed to unknown fields."""
    if isinstance(schema, list):
        return [_closed(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _closed(v) for k, v in schema.items()}
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


def crd_schema(text: str, version: str = "v1beta2") -> dict[str, Any]:
    """The closed ``openAPIV3Schema`` of ``version`` in a CRD's YAML text (apiVersion, kind and
    metadata left open, as the API server handles them)."""
    crd = yaml.safe_load(text)
    for v in crd["spec"]["versions"]:
        if v["name"] == version:
            schema = _closed(v["schema"]["openAPIV3Schema"])
            schema["properties"]["metadata"] = {"type": "object"}
            return schema
    raise KeyError(version)


@cache
def kueue_schema(kind: str) -> dict[str, Any]:
    """The bundled Kueue CRD schema of ``kind`` (v1beta2, closed; see :func:`crd_schema`)."""
    return crd_schema(_data("kueue", _KUEUE_FILES[kind]))


def _errors(validator: Any, doc: Any, where: str) -> list[str]:
    out = []
    for e in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path))):
        loc = ".".join(str(p) for p in e.absolute_path)
        out.append(f"{where}{': ' + loc if loc else ''}: {e.message}")
    return out


def _skypilot(doc: Any, where: str, *, schemas: Mapping[str, Any] | None = None) -> list[str]:
    get = schemas.__getitem__ if schemas else skypilot_schema
    if not isinstance(doc, dict):
        return [f"{where}: not a mapping"]
    bad = _errors(_SkyValidator(get("task")), doc, where)
    res = doc.get("resources")
    if isinstance(res, dict):
        bad += _errors(_SkyValidator(get("resources")), res, f"{where}: resources")
        if "any_of" in res and "ordered" in res:
            bad.append(f"{where}: resources: cannot specify both any_of and ordered")
        for i, entry in enumerate([res, *(res.get("ordered") or []), *(res.get("any_of") or [])]):
            acc = entry.get("accelerators") if isinstance(entry, dict) else None
            if isinstance(acc, str) and not _GPU_SKYPILOT.match(acc):
                bad.append(f"{where}: resources[{i}].accelerators: {acc!r} is not NAME:COUNT")
    svc = doc.get("service")
    if isinstance(svc, dict):
        bad += _errors(_SkyValidator(get("service")), svc, f"{where}: service")
        rp = svc.get("replica_policy")
        if isinstance(rp, dict):
            lo, hi = rp.get("min_replicas"), rp.get("max_replicas")
            if isinstance(lo, int) and isinstance(hi, int):
                if hi < lo:
                    bad.append(f"{where}: service.replica_policy: max_replicas {hi} < min_replicas {lo}")
                elif hi != lo and "target_qps_per_replica" not in rp:
                    bad.append(f"{where}: service.replica_policy: target_qps_per_replica is needed when min != max")
    return bad


def _dstack(doc: Any, where: str) -> list[str]:
    if not isinstance(doc, dict):
        return [f"{where}: not a mapping"]
    kind = doc.get("type")
    if kind not in _DSTACK_KEYS:
        return [f"{where}: type: {kind!r} is not one of fleet, task, service"]
    bad = [f"{where}: {k}: unknown field for a {kind}" for k in doc if k not in _DSTACK_KEYS[kind]]
    if not isinstance(doc.get("name"), str) or not doc["name"]:
        bad.append(f"{where}: name: missing")
    gpu = (doc.get("resources") or {}).get("gpu") if isinstance(doc.get("resources"), dict) else None
    if gpu is not None and not (isinstance(gpu, str) and _GPU_DSTACK.match(gpu)):
        bad.append(f"{where}: resources.gpu: {gpu!r} is not NAME[:MEMORY]:COUNT")
    nodes = doc.get("nodes")
    if isinstance(nodes, dict):
        lo, tg, hi = nodes.get("min"), nodes.get("target"), nodes.get("max")
        if not all(isinstance(v, int) and v >= 0 for v in (lo, tg)) or (hi is not None and not isinstance(hi, int)):
            bad.append(f"{where}: nodes: min and target must be whole numbers")
        elif hi is not None and not lo <= tg <= hi:
            bad.append(f"{where}: nodes: needs min <= target <= max, got {lo}, {tg}, {hi}")
    elif nodes is not None and not (isinstance(nodes, int) and not isinstance(nodes, bool) and nodes >= 1):
        bad.append(f"{where}: nodes: {nodes!r} is not a positive whole number")
    if doc.get("spot_policy") not in (None, "spot", "on-demand", "auto"):
        bad.append(f"{where}: spot_policy: {doc['spot_policy']!r} is not spot, on-demand or auto")
    price = doc.get("max_price")
    if price is not None and not (isinstance(price, int | float) and not isinstance(price, bool) and price > 0):
        bad.append(f"{where}: max_price: {price!r} is not a positive number")
    for b in doc.get("backends") or []:
        if b not in _DSTACK_BACKENDS:
            bad.append(f"{where}: backends: {b!r} is not a dstack backend")
    if kind == "service":
        port = doc.get("port")
        if not (isinstance(port, int) and 0 < port <= 65535):
            bad.append(f"{where}: port: {port!r} is not a port number")
        reps = doc.get("replicas")
        if reps is not None and not (isinstance(reps, int) and reps >= 0):
            bad.append(f"{where}: replicas: {reps!r} is not a whole number")
    if kind == "fleet" and "ssh_config" in doc and not (doc["ssh_config"] or {}).get("hosts"):
        bad.append(f"{where}: ssh_config.hosts: missing")
    for key in ("commands", "fleets", "regions"):
        v = doc.get(key)
        if v is not None and not (isinstance(v, list) and all(isinstance(x, str) for x in v)):
            bad.append(f"{where}: {key}: not a list of strings")
    return bad


def _kueue_objects(docs: list[Any], where: str) -> list[str]:
    bad = []
    for i, doc in enumerate(docs):
        at = f"{where}[{i}]"
        if not isinstance(doc, dict):
            bad.append(f"{at}: not a mapping")
            continue
        kind = doc.get("kind")
        if kind not in _KUEUE_FILES:
            bad.append(f"{at}: kind: {kind!r} is not a Kueue kind fleetplan exports")
            continue
        if doc.get("apiVersion") != _KUEUE_API:
            bad.append(f"{at}: apiVersion: {doc.get('apiVersion')!r}, expected {_KUEUE_API}")
        if not ((doc.get("metadata") or {}).get("name")):
            bad.append(f"{at}: metadata.name: missing")
        bad += _errors(jsonschema.Draft202012Validator(kueue_schema(kind)), doc, f"{at} {kind}")
        if kind in ("ClusterQueue", "Cohort"):
            bad += _resource_groups(doc, at)
    return bad


def _resource_groups(doc: dict[str, Any], at: str) -> list[str]:
    spec = doc.get("spec") or {}
    bad, seen_res, seen_fl = [], set(), set()
    for g, group in enumerate(spec.get("resourceGroups") or []):
        covered = list(group.get("coveredResources") or [])
        for r in covered:
            if r in seen_res:
                bad.append(f"{at}: resourceGroups[{g}]: resource {r!r} is in more than one group")
            seen_res.add(r)
        for f, flavor in enumerate(group.get("flavors") or []):
            name = flavor.get("name")
            if name in seen_fl:
                bad.append(f"{at}: resourceGroups[{g}].flavors[{f}]: flavor {name!r} listed twice")
            seen_fl.add(name)
            names = [r.get("name") for r in flavor.get("resources") or []]
            if names != covered:
                bad.append(f"{at}: resourceGroups[{g}].flavors[{f}]: resources {names} must match coveredResources")
            for r in flavor.get("resources") or []:
                if "borrowingLimit" in r and not spec.get("cohortName") and doc.get("kind") == "ClusterQueue":
                    bad.append(f"{at}: borrowingLimit must be nil when cohort is empty")
    return bad


def _kueue_references(objects: list[tuple[str, dict[str, Any]]]) -> list[str]:
    names: dict[str, set[str]] = {}
    for _, d in objects:
        names.setdefault(str(d.get("kind")), set()).add(str((d.get("metadata") or {}).get("name")))
    bad = []
    for where, d in objects:
        spec = d.get("spec") or {}
        if d.get("kind") in ("ClusterQueue", "Cohort"):
            for group in spec.get("resourceGroups") or []:
                for fl in group.get("flavors") or []:
                    if fl.get("name") not in names.get("ResourceFlavor", set()):
                        bad.append(f"{where}: flavor {fl.get('name')!r} has no ResourceFlavor")
        if d.get("kind") == "ClusterQueue" and spec.get("cohortName") not in names.get("Cohort", set()):
            bad.append(f"{where}: cohortName {spec.get('cohortName')!r} has no Cohort")
        if d.get("kind") == "LocalQueue" and spec.get("clusterQueue") not in names.get("ClusterQueue", set()):
            bad.append(f"{where}: clusterQueue {spec.get('clusterQueue')!r} has no ClusterQueue")
    return bad


def check_file(kind: str, text: str, where: str) -> list[str]:
    """Problems in one exported file's ``text`` of ``kind`` (see module docstring)."""
    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        return [f"{where}: not YAML ({str(exc).splitlines()[0]})"]
    if kind == "kueue":
        return _kueue_objects(docs, where)
    if len(docs) != 1:
        return [f"{where}: expected one YAML document, found {len(docs)}"]
    if kind.startswith("skypilot-"):
        return _skypilot(docs[0], where)
    if kind.startswith("dstack-"):
        return _dstack(docs[0], where)
    return [f"{where}: unknown file kind {kind!r}"]


def check_export(folder: str | Path) -> CheckResult:
    """Validate every file the manifest of ``folder`` lists (see module docstring)."""
    root = Path(folder)
    try:
        manifest = json.loads((root / MANIFEST).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"not an export folder: no readable {MANIFEST}", file=str(root)) from exc
    if not isinstance(manifest, dict) or manifest.get("schema") != EXPORT_SCHEMA:
        raise InputError(f"not a {EXPORT_SCHEMA} manifest", file=str(root / MANIFEST))
    problems: list[str] = []
    edited: list[str] = []
    kueue: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for entry in manifest.get("files") or []:
        rel = str(entry.get("path"))
        path = root / rel
        if not path.is_file():
            problems.append(f"{rel}: missing")
            continue
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
            edited.append(rel)
        text = data.decode("utf-8", errors="replace")
        kind = str(entry.get("kind"))
        problems += check_file(kind, text, rel)
        if kind == "kueue":
            with_docs = [d for d in _safe_docs(text) if isinstance(d, dict)]
            kueue.setdefault(rel.split("/")[0], []).extend((rel, d) for d in with_docs)
    for objects in kueue.values():
        problems += _kueue_references(objects)
    return CheckResult(tuple(problems), tuple(edited))


def _safe_docs(text: str) -> list[Any]:
    try:
        return [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError:
        return []
