"""Load and validate inputs: safe YAML with line numbers, typed scenario, reference checks.

:func:`load_scenario` reads a scenario file (every error one line with file, YAML line and field
path, all in one :class:`ScenarioError`); :func:`validation_summary` is ``fleetplan validate``'s
document.
"""

from fleetplan.load.rollout import known_entities
from fleetplan.load.scenario import ScenarioError, load_scenario, load_scenario_text, scenario_catalog
from fleetplan.load.summary import VALIDATION_SCHEMA, validation_summary
from fleetplan.load.yaml_safe import YamlLimits

__all__ = [
    "VALIDATION_SCHEMA",
    "ScenarioError",
    "YamlLimits",
    "known_entities",
    "load_scenario",
    "load_scenario_text",
    "scenario_catalog",
    "validation_summary",
]
