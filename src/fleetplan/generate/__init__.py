"""Synthetic scenarios: ``generate_scenario`` (the YAML document), ``write_scenario`` (atomic)."""

from fleetplan.generate.synthetic import (
    GenerateError,
    generate_scenario,
    scenario_yaml,
    write_scenario,
)

__all__ = ["GenerateError", "generate_scenario", "scenario_yaml", "write_scenario"]
