"""Assess and monitor: FOCUS billing exports read (:func:`read_bills`), the as-is picture
(:func:`analyze_bill`), a plan against actuals (:func:`compare_plan`), a scenario written from the
bill (:func:`scenario_yaml_from_bill`) and the hindsight plan (:func:`hindsight`)."""

from fleetplan.audit.analysis import AUDIT_SCHEMA, Audit, analyze_bill
from fleetplan.audit.focus import Bill, BillFile, BillProblem, detect_version, read_bills
from fleetplan.audit.from_bill import hindsight, scenario_from_bill, scenario_yaml_from_bill
from fleetplan.audit.monitor import compare_plan, load_plan_document
from fleetplan.audit.report import audit_to_dict

__all__ = [
    "AUDIT_SCHEMA",
    "Audit",
    "Bill",
    "BillFile",
    "BillProblem",
    "analyze_bill",
    "audit_to_dict",
    "compare_plan",
    "detect_version",
    "hindsight",
    "load_plan_document",
    "read_bills",
    "scenario_from_bill",
    "scenario_yaml_from_bill",
]
