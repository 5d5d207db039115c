"""``fleetplan.export``: placements pinned, failover order, Kueue quotas, unknown names, the folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from fleetplan.errors import InputError
from fleetplan.export import check_export, export_plan, failover_order, select_periods, write_export
from fleetplan.export.folder import MANIFEST
from fleetplan.export.placements import flavor_capacity, placements

from .plans import alloc, critical_service_on_two_providers, example, plan, reserved_with_slack


def docs(export, suffix: str) -> list:
    """The YAML documents of the export's files whose path ends in ``suffix``."""
    out = []
    for path, text in export.files.items():
        if path.endswith(suffix):
            out += [d for d in yaml.safe_load_all(text) if d is not None]
    return out


def test_skypilot_task_is_pinned_to_the_planned_placement() -> None:
    exp = export_plan(example(), "skypilot", periods=["2027Q2"])
    task = docs(exp, "tasks/support-finetune.yaml")[0]
    assert task["resources"] == {
        "infra": "vast/se",
        "instance_type": "8x-Tesla_V100-32-65536",
        "accelerators": "V100:8",
        "use_spot": False,
        "max_hourly_cost": 0.85,  # 688.34 USD / 6478.5 accelerator-hours x 8, rounded up to the cent
    }
    batch = docs(exp, "tasks/nightly-batch.yaml")[0]
    # nebius reserved carries 86 % of the work: first; vast on demand after
    assert [r["infra"] for r in batch["resources"]["ordered"]] == ["nebius/eu-north1", "vast/us"]
    assert batch["resources"]["ordered"][0]["accelerators"] == "H100:8"
    service = docs(exp, "services/chat-us.yaml")[0]
    assert service["service"]["replicas"] == 6
    assert service["resources"]["accelerators"] == "L40S:1"


def test_a_critical_service_on_two_providers_fails_over_in_the_plans_order() -> None:
    exp = export_plan(critical_service_on_two_providers(), "skypilot", periods=["2027Q1"])
    svc = docs(exp, "services/chat.yaml")[0]
    ordered = svc["resources"]["ordered"]
    assert [r["infra"] for r in ordered] == ["aws/us-east-1", "gcp/us-central1"]  # 4 replicas, then 2
    assert [r["use_spot"] for r in ordered] == [False, True]
    assert "job_recovery" in ordered[1] and "job_recovery" not in ordered[0]
    assert ordered[0]["max_hourly_cost"] == 6.0 and ordered[1]["max_hourly_cost"] == 3.0
    assert svc["service"]["replica_policy"] == {
        "min_replicas": 6,
        "max_replicas": 6,
        "base_ondemand_fallback_replicas": 4,
    }


def test_the_risk_analysis_failover_order_comes_first() -> None:
    risk = {
        "schema": "fleetplan.risk/1",
        "contingency": {
            "events": [
                {
                    "workloads": [
                        {"workload": "chat", "failover": "gcp/us-central1 spot 70%; aws/us-east-1 on_demand 30%"}
                    ]
                }
            ]
        },
    }
    order = failover_order(risk)
    assert order == {"chat": ["gcp/us-central1", "aws/us-east-1"]}
    exp = export_plan(critical_service_on_two_providers(), "skypilot", periods=["2027Q1"], failover=order)
    svc = docs(exp, "services/chat.yaml")[0]
    assert [r["infra"] for r in svc["resources"]["ordered"]] == ["gcp/us-central1", "aws/us-east-1"]
    assert json.loads(exp.files[MANIFEST])["failover"] == "risk analysis"


def test_kueue_quotas_sum_to_the_plans_capacity() -> None:
    doc = reserved_with_slack()
    exp = export_plan(doc, "kueue", periods=["2027Q1"])
    quota: dict[str, int] = {}
    borrow: dict[tuple[str, str], int] = {}
    for obj in docs(exp, "cluster-queues.yaml") + docs(exp, "cohort.yaml"):
        for group in obj["spec"].get("resourceGroups", []):
            for fl in group["flavors"]:
                for r in fl["resources"]:
                    quota[fl["name"]] = quota.get(fl["name"], 0) + r["nominalQuota"]
                    if "borrowingLimit" in r:
                        borrow[(obj["metadata"]["name"], fl["name"])] = r["borrowingLimit"]
    # 16 reserved H100s (the reservation), 5 owned A100s (what the plan runs there)
    assert quota == {"h100-sxm-nebius-eu-north1": 16, "a100-80gb-own-dc-dc1": 5}
    capacity = {f.accelerator: f.capacity for f in flavor_capacity(doc, "2027Q1", placements(doc, "2027Q1"))}
    assert capacity == {"H100-SXM": 16, "A100-80GB": 5}
    # pretrain 8 + evals 1.5 -> 2 (largest remainder) = 10; 6 spare H100s are the cohort's and borrowable
    cohort = docs(exp, "cohort.yaml")[0]
    assert cohort["spec"]["resourceGroups"][0]["flavors"][0]["resources"][0]["nominalQuota"] == 6
    assert borrow == {("pretrain", "h100-sxm-nebius-eu-north1"): 6, ("evals", "h100-sxm-nebius-eu-north1"): 6}
    flavors = {f["metadata"]["name"]: f["spec"]["nodeLabels"] for f in docs(exp, "resource-flavors.yaml")}
    assert flavors["a100-80gb-own-dc-dc1"]["fleetplan.io/site"] == "dc1"


def test_kueue_priority_classes_follow_criticality_from_the_scenario() -> None:
    doc = reserved_with_slack()
    exp = export_plan(doc, "kueue", periods=["2027Q1"], criticality={"pretrain": "critical"})
    labels = {
        q["metadata"]["name"]: q["metadata"]["labels"]["fleetplan.io/criticality"]
        for q in docs(exp, "cluster-queues.yaml")
    }
    assert labels == {"pretrain": "critical", "evals": "medium"}
    assert json.loads(exp.files[MANIFEST])["criticality"] == "scenario"
    default = export_plan(doc, "kueue", periods=["2027Q1"])
    assert "default (medium" in default.files["README.md"]


def test_owned_placements_are_exported_not_dropped() -> None:
    doc = reserved_with_slack()
    sky = docs(export_plan(doc, "skypilot", periods=["2027Q1"], server_sizes={"hgx-a100": 8}), "tasks/evals.yaml")[0]
    infras = [r["infra"] for r in sky["resources"]["ordered"]]
    assert "k8s" in infras
    fleets = docs(export_plan(doc, "dstack", periods=["2027Q1"]), "own-dc-dc1-a100-80gb-owned.dstack.yml")
    assert fleets and fleets[0]["ssh_config"]["hosts"]


@pytest.mark.parametrize("engine", ["skypilot", "dstack"])
def test_an_accelerator_the_engine_does_not_know_is_named(engine: str) -> None:
    doc = plan(alloc("tpu-job", "train", "gcp", "us-central1", "TPU-v5e", "on_demand", instance_type="tpu-v5e-8"))
    with pytest.raises(InputError, match=rf"{engine} has no name for the accelerator 'TPU-v5e'"):
        export_plan(doc, engine, periods=["2027Q1"])


def test_an_unknown_accelerator_is_named_for_kueue_too() -> None:
    doc = plan(alloc("x", "train", "own-dc", "dc1", "X9000", "owned", site="dc1", server_type="box"))
    with pytest.raises(InputError, match="kueue has no name for the accelerator 'X9000'"):
        export_plan(doc, "kueue", periods=["2027Q1"])


def test_a_provider_the_engine_does_not_know_is_named() -> None:
    doc = plan(
        alloc("j", "train", "coreweave", "us-east-04", "H100-SXM", "on_demand", instance_type="gd-8xh100ib-i128")
    )
    with pytest.raises(InputError, match="skypilot has no name for the provider 'coreweave'"):
        export_plan(doc, "skypilot", periods=["2027Q1"])


def test_periods() -> None:
    doc = example()
    assert select_periods(doc, None, False) == ["2027Q1"]
    assert select_periods(doc, None, True) == doc["periods"]
    assert select_periods(doc, "2027Q3", False) == ["2027Q3"]
    with pytest.raises(InputError, match="not in the plan"):
        select_periods(doc, "2030Q1", False)
    with pytest.raises(InputError, match="not both"):
        select_periods(doc, "2027Q1", True)


def test_the_folder_is_written_whole_or_not_at_all(tmp_path: Path) -> None:
    exp = export_plan(example(), "dstack", periods=["2027Q1", "2027Q2"], plan_sha256="0" * 64)
    out = write_export(exp, tmp_path / "out")
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["periods"] == ["2027Q1", "2027Q2"] and manifest["plan"]["sha256"] == "0" * 64
    assert {f["path"] for f in manifest["files"]} | {"README.md", MANIFEST} == {
        str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()
    }
    readme = (out / "README.md").read_text()
    assert "0" * 64 in readme and "2027Q1, 2027Q2" in readme and "## Fill in" in readme
    # an earlier export is replaced; a folder of other files is refused and left alone
    again = write_export(export_plan(example(), "kueue", periods=["2027Q2"]), out)
    assert json.loads((again / MANIFEST).read_text())["engine"] == "kueue"
    assert not (out / "2027Q1").exists()
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep")
    with pytest.raises(InputError, match="not an earlier export"):
        write_export(exp, other)
    assert [p.name for p in other.iterdir()] == ["notes.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary folder left


def test_a_failure_while_writing_leaves_nothing(tmp_path: Path) -> None:
    exp = export_plan(example(), "skypilot", periods=["2027Q1"])
    bad = type(exp)(exp.engine, exp.periods, {**exp.files, "zz/last.yaml": 1}, exp.notes)  # type: ignore[dict-item]
    with pytest.raises(TypeError):  # the last file fails after the others were written
        write_export(bad, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []
    escape = type(exp)(exp.engine, exp.periods, {"../x.yaml": "a: 1"}, exp.notes)
    with pytest.raises(ValueError, match="outside"):
        write_export(escape, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("engine", ["skypilot", "dstack", "kueue"])
@pytest.mark.parametrize("which", ["new", "old"])
def test_the_examples_exports_for_every_period_pass_the_bundled_checks(engine: str, which: str, tmp_path: Path) -> None:
    from .plans import NEW, OLD

    doc = example(NEW if which == "new" else OLD)
    out = write_export(export_plan(doc, engine, periods=doc["periods"]), tmp_path / engine)
    result = check_export(out)
    assert result.ok, result.problems
    assert result.edited == ()
