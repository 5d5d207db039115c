"""The engine name table agrees with the facts it rests on: fleetplan's accelerators and providers,
SkyPilot's accelerator aliases and cloud names, dstack's backends."""

from __future__ import annotations

from fleetplan.catalog.builtin import builtin_providers
from fleetplan.catalog.hardware import load_accelerators, resolve_accelerator
from fleetplan.export.check import skypilot_schema
from fleetplan.export.names import engine_names


def test_every_row_names_a_fleetplan_accelerator_or_provider() -> None:
    providers = set(builtin_providers()["provider"])
    for kind, name in engine_names():
        assert name in (load_accelerators() if kind == "accelerator" else providers), (kind, name)


def test_skypilot_accelerator_names_resolve_to_the_same_chip() -> None:
    import csv
    from importlib import resources

    rows = csv.DictReader(resources.files("fleetplan.data").joinpath("engine_names.csv").open(encoding="utf-8"))
    for row in rows:
        if row["kind"] == "accelerator" and row["skypilot"] and "skypilot" not in row["uncertain_fields"]:
            assert resolve_accelerator(row["skypilot"]).name == row["name"], row["name"]


def test_skypilot_clouds_are_in_its_schema() -> None:
    clouds = set(skypilot_schema("resources")["properties"]["cloud"]["case_insensitive_enum"])
    names = {e["skypilot"] for (k, _), e in engine_names().items() if k == "provider" and e["skypilot"]}
    assert names <= clouds
