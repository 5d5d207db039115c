"""Synthetic inputs: ``generate_scenario`` (the YAML document), ``write_scenario`` (atomic), and
``generate_bill`` (a FOCUS billing export with its ground truth), ``write_bill_truth``."""

from fleetplan.generate.bill import (
    BILL_PROVIDERS,
    FOCUS_MANDATORY_COLUMNS,
    FOCUS_VERSIONS,
    focus_columns,
    generate_bill,
    write_bill_truth,
)
from fleetplan.generate.synthetic import (
    GenerateError,
    generate_scenario,
    scenario_yaml,
    write_scenario,
)

__all__ = [
    "BILL_PROVIDERS",
    "FOCUS_MANDATORY_COLUMNS",
    "FOCUS_VERSIONS",
    "GenerateError",
    "focus_columns",
    "generate_bill",
    "generate_scenario",
    "scenario_yaml",
    "write_bill_truth",
    "write_scenario",
]
