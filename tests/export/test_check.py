"""``fleetplan.export.check``: every exported file against the engines' own schemas (the shared copies
when present, the bundled ones always), and tampered files caught."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from fleetplan.export import check_export, export_plan, write_export
from fleetplan.export.check import crd_schema, kueue_schema, skypilot_schema

from .plans import NEW, OLD, critical_service_on_two_providers, example, reserved_with_slack

KINDS = {
    "ResourceFlavor": "kueue.x-k8s.io_resourceflavors.yaml",
    "ClusterQueue": "kueue.x-k8s.io_clusterqueues.yaml",
    "Cohort": "kueue.x-k8s.io_cohorts.yaml",
    "LocalQueue": "kueue.x-k8s.io_localqueues.yaml",
    "WorkloadPriorityClass": "kueue.x-k8s.io_workloadpriorityclasses.yaml",
}


def all_exports(engine: str) -> list[tuple[str, str]]:
    """(path, text) of every file the engine's export writes for both example plans (every period)
    and the hand-built plans."""
    out = []
    for doc in (example(NEW), example(OLD), critical_service_on_two_providers(), reserved_with_slack()):
        exp = export_plan(doc, engine, periods=doc["periods"], server_sizes={"hgx-a100": 8})
        out += [(p, t) for p, t in exp.files.items() if p.endswith((".yaml", ".yml"))]
    return out


def test_bundled_schemas_are_the_shared_copies(shared_data: Path) -> None:
    for name in ("task", "resources", "service"):
        shared = json.loads((shared_data / "engine-schemas" / "skypilot-0.14.1" / f"{name}.schema.json").read_text())
        assert skypilot_schema(name) == shared
    for kind, file in KINDS.items():
        assert kueue_schema(kind) == crd_schema((shared_data / "kueue-crds" / file).read_text())


def test_skypilot_files_validate_against_the_shared_schemas(shared_data: Path) -> None:
    folder = shared_data / "engine-schemas" / "skypilot-0.14.1"
    schemas = {n: json.loads((folder / f"{n}.schema.json").read_text()) for n in ("task", "resources", "service")}
    files = all_exports("skypilot")
    assert any("services/" in p for p, _ in files) and any("tasks/" in p for p, _ in files)
    for path, text in files:
        doc = yaml.safe_load(text)
        jsonschema.Draft7Validator(schemas["task"]).validate(doc)
        jsonschema.Draft7Validator(schemas["resources"]).validate(doc["resources"])
        if "service" in doc:
            jsonschema.Draft202012Validator(schemas["service"]).validate(doc["service"])
        clouds = set(schemas["resources"]["properties"]["cloud"]["case_insensitive_enum"])
        for entry in [doc["resources"], *doc["resources"].get("ordered", [])]:
            if "infra" in entry and entry["infra"] != "k8s":
                assert entry["infra"].split("/")[0] in clouds, path


def test_dstack_files_validate_against_the_shared_schema(shared_data: Path) -> None:
    schema = json.loads((shared_data / "engine-schemas" / "dstack-0.22.5" / "configuration.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    files = all_exports("dstack")
    assert {yaml.safe_load(t)["type"] for _, t in files} == {"fleet", "task", "service"}
    for path, text in files:
        errors = [e.message for e in validator.iter_errors(yaml.safe_load(text))]
        assert not errors, (path, errors[:3])


def test_kueue_files_validate_against_the_shared_crds(shared_data: Path) -> None:
    schemas = {k: crd_schema((shared_data / "kueue-crds" / f).read_text()) for k, f in KINDS.items()}
    seen = set()
    for _, text in all_exports("kueue"):
        for doc in yaml.safe_load_all(text):
            if doc is None:
                continue
            seen.add(doc["kind"])
            assert doc["apiVersion"] == "kueue.x-k8s.io/v1beta2"
            jsonschema.Draft202012Validator(schemas[doc["kind"]]).validate(doc)
    assert seen == set(KINDS)


def test_the_real_skypilot_parser_loads_the_files() -> None:
    sky = pytest.importorskip("sky")
    for _, text in all_exports("skypilot"):
        sky.Task.from_yaml_config(yaml.safe_load(text))


def test_the_real_dstack_parser_loads_the_files() -> None:
    pytest.importorskip("dstack")
    from dstack._internal.core.models.configurations import parse_apply_configuration

    for _, text in all_exports("dstack"):
        parse_apply_configuration(yaml.safe_load(text))


TAMPERS = [
    ("skypilot", "tasks/nightly-batch.yaml", "use_spot: false", "use_spot: maybe", "use_spot"),
    ("skypilot", "tasks/nightly-batch.yaml", "infra: vast/us", "infra: nowhere/us", "infra"),
    ("skypilot", "services/chat-us.yaml", "replicas: 6", "replicas: 6\n  mystery: 1", "mystery"),
    ("dstack", "fleets/vast-us-h100-sxm-on-demand.dstack.yml", "target: 0", "target: 9", "min <= target <= max"),
    ("dstack", "tasks/nightly-batch.dstack.yml", "gpu: H100:8", "gpu: eight H100s", "resources.gpu"),
    ("kueue", "cluster-queues.yaml", "cohortName:", "cohort:", "cohort"),
    ("kueue", "local-queues.yaml", "clusterQueue: chat-us", "clusterQueue: nobody", "has no ClusterQueue"),
    ("kueue", "cluster-queues.yaml", "nominalQuota: 6", "nominalQuota: six", "nominalQuota"),
]


@pytest.mark.parametrize(("engine", "rel", "old", "new", "message"), TAMPERS)
def test_a_tampered_file_fails_the_check(
    engine: str, rel: str, old: str, new: str, message: str, tmp_path: Path
) -> None:
    out = write_export(export_plan(example(), engine, periods=["2027Q2"]), tmp_path / "out")
    assert check_export(out).ok
    path = out / "2027Q2" / rel
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    result = check_export(out)
    assert not result.ok
    assert any(message in p for p in result.problems), result.problems
    assert result.edited == (f"2027Q2/{rel}",)


def test_filling_in_a_file_is_an_edit_not_a_problem(tmp_path: Path) -> None:
    out = write_export(export_plan(example(), "skypilot", periods=["2027Q2"]), tmp_path / "out")
    path = out / "2027Q2" / "tasks" / "nightly-batch.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["setup"] = "pip install -r requirements.txt"
    path.write_text(yaml.safe_dump(doc))
    result = check_export(out)
    assert result.ok and result.edited == ("2027Q2/tasks/nightly-batch.yaml",)


def test_a_missing_file_fails_the_check(tmp_path: Path) -> None:
    out = write_export(export_plan(example(), "kueue", periods=["2027Q2"]), tmp_path / "out")
    (out / "2027Q2" / "cohort.yaml").unlink()
    problems = check_export(out).problems
    assert "2027Q2/cohort.yaml: missing" in problems
    assert any("has no Cohort" in p for p in problems)
