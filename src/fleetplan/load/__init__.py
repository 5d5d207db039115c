"""Load and validate inputs: safe YAML with line numbers, typed scenario, reference checks."""

from fleetplan.load.scenario import (
    ScenarioError,
    load_scenario,
    load_scenario_text,
    parse_scenario,
    scenario_catalog,
)
from fleetplan.load.summary import VALIDATION_SCHEMA, validation_summary
from fleetplan.load.yaml_safe import LineMap, YamlLimits, parse_yaml_text, read_yaml

__all__ = [
    "VALIDATION_SCHEMA",
    "LineMap",
    "ScenarioError",
    "YamlLimits",
    "load_scenario",
    "load_scenario_text",
    "parse_scenario",
    "parse_yaml_text",
    "read_yaml",
    "scenario_catalog",
    "validation_summary",
]
