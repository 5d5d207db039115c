"""Risk: concentration, contingency analysis, N-1 premium, supply shocks, Monte Carlo, runbooks.

>>> from fleetplan.risk import analyze_risk
>>> report = analyze_risk(sc)            # doctest: +SKIP
>>> report.contingency.table()           # doctest: +SKIP

Each analysis is also a function of its own; the operations model they re-solve
(:mod:`fleetplan.risk.operations`) and their helpers stay in their modules. See ``docs/risk.md``
for the models and their assumptions.
"""

from fleetplan.risk.analysis import RiskReport, analyze_risk
from fleetplan.risk.concentration import Concentration, concentration
from fleetplan.risk.contingency import ContingencyReport, Event, EventImpact, contingency_analysis
from fleetplan.risk.montecarlo import DEFAULT_OUTAGES, MonteCarloResult, monte_carlo
from fleetplan.risk.nminus1 import NMinus1Result, n_minus_1_premium
from fleetplan.risk.report import RISK_SCHEMA, risk_to_dict
from fleetplan.risk.runbooks import Runbook, runbooks, write_runbooks
from fleetplan.risk.shocks import ShockImpact, default_shocks, parse_shock, shock_impact

__all__ = [
    "DEFAULT_OUTAGES",
    "RISK_SCHEMA",
    "Concentration",
    "ContingencyReport",
    "Event",
    "EventImpact",
    "MonteCarloResult",
    "NMinus1Result",
    "RiskReport",
    "Runbook",
    "ShockImpact",
    "analyze_risk",
    "concentration",
    "contingency_analysis",
    "default_shocks",
    "monte_carlo",
    "n_minus_1_premium",
    "parse_shock",
    "risk_to_dict",
    "runbooks",
    "shock_impact",
    "write_runbooks",
]
