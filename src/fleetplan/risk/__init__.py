"""Risk: concentration, contingency analysis, N-1 premium, supply shocks, Monte Carlo, runbooks.

>>> from fleetplan.risk import analyze_risk
>>> report = analyze_risk(sc)            # doctest: +SKIP
>>> report.contingency.table()           # doctest: +SKIP

See ``docs/risk.md`` for the models and their assumptions.
"""

from fleetplan.risk.analysis import RiskReport, analyze_risk
from fleetplan.risk.concentration import Concentration, concentration, hhi, spend_table
from fleetplan.risk.contingency import (
    ContingencyReport,
    Event,
    EventImpact,
    contingency_analysis,
    plan_events,
)
from fleetplan.risk.montecarlo import DEFAULT_OUTAGES, MonteCarloResult, monte_carlo, outage_rates
from fleetplan.risk.nminus1 import NMinus1Result, n_minus_1_premium, scenario_copy
from fleetplan.risk.operations import OpsModel, OpsResult, build_ops_model
from fleetplan.risk.report import RISK_SCHEMA, risk_to_dict
from fleetplan.risk.runbooks import Runbook, runbooks, write_runbooks
from fleetplan.risk.shocks import (
    ShockImpact,
    apply_shock,
    default_shocks,
    parse_shock,
    shock_impact,
)

__all__ = [
    "DEFAULT_OUTAGES",
    "RISK_SCHEMA",
    "Concentration",
    "ContingencyReport",
    "Event",
    "EventImpact",
    "MonteCarloResult",
    "NMinus1Result",
    "OpsModel",
    "OpsResult",
    "RiskReport",
    "Runbook",
    "ShockImpact",
    "analyze_risk",
    "apply_shock",
    "build_ops_model",
    "concentration",
    "contingency_analysis",
    "default_shocks",
    "hhi",
    "monte_carlo",
    "n_minus_1_premium",
    "outage_rates",
    "parse_shock",
    "plan_events",
    "risk_to_dict",
    "runbooks",
    "scenario_copy",
    "shock_impact",
    "spend_table",
    "write_runbooks",
]
