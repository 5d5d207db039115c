"""Plan and the other results: plain data, kept separate from the input types.

This module is a leaf: it imports nothing from fleetplan above :mod:`fleetplan.model`. The JSON
document of a plan is :func:`fleetplan.report.plan_to_dict`; spend summaries are in
:mod:`fleetplan.verify.accounting`.

Tables are pandas DataFrames with units in column names:

allocations   one row per (workload, capacity option, period) with a positive amount:
              workload, kind, period, provider, region, site, server_type, instance_type,
              accelerator, vendor, pricing_model, option_id, replicas, accelerator_hours,
              coverage (share of the period's demand it covers), cost_usd, energy_kwh, co2e_t
purchases     site, server_type, accelerator, period_ordered, period_in_service, servers, capex_usd
reservations  option_id, provider, region, instance_type, accelerator, pricing_model,
              start_period, end_period, instances, term_periods, committed_usd
costs         one row per period: rented_usd, reserved_usd, owned_energy_usd, purchases_usd,
              onboarding_usd, skills_usd, existing_opex_usd, committed_usd, total_usd, discounted_usd,
              energy_kwh, co2e_t
commitments   one row per (existing commitment, period it covers): commitment, kind, provider,
              region, instance_type, period, committed_usd, available_hours, used_hours
              (reservations), credit_limit_usd, credit_used_usd (savings plans: the sum over
              chip vendors), utilization_pct
credits       one row per (savings plan, chip vendor, period) with a credit: commitment, provider,
              vendor, period, credit_used_usd (the on-demand spend of that vendor it covers)
skills        one row per software stack the plan adopts: stack, period (adoption starts, cost
              paid), ready_period (first production use), cost_usd, level_before, accelerators
              (``;``-separated), note
stacks_needed one row per software stack the plan's allocations use (with a ``team`` only):
              stack, level, accelerators, first_period, adopted_period, gap (the team was not
              expert and adopts it)

An allocation run by an existing reservation has pricing model ``committed`` (its cost_usd is
energy only; the commitment's committed_usd carries the rent, used or not).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from fleetplan._format import json_safe

__all__ = [
    "PLAN_SCHEMA",
    "Abatement",
    "Baseline",
    "Plan",
    "PolicyStatus",
    "Solution",
    "SolveResult",
    "SolveStatus",
    "Verification",
]

PLAN_SCHEMA = "fleetplan.plan/1"


class SolveStatus(str, Enum):
    """What the solver proved."""

    OPTIMAL = "optimal"  # proven within the requested gap
    TIME_LIMIT = "time_limit"  # stopped by the time limit with an incumbent: not proven optimal
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    NO_SOLUTION = "no_solution"  # stopped before any feasible plan was found
    ERROR = "error"


@dataclass(frozen=True)
class SolveResult:
    """The solver adapter's typed result (objective and bound in the objective's units, USD)."""

    status: SolveStatus
    termination: str
    objective_usd: float | None
    dual_bound_usd: float | None
    gap: float | None
    time_s: float
    nodes: int
    variables: int
    constraints: int
    integer_variables: int

    @property
    def has_solution(self) -> bool:
        return self.status in (SolveStatus.OPTIMAL, SolveStatus.TIME_LIMIT)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "termination": self.termination,
            "objective_usd": _clean(self.objective_usd),
            "dual_bound_usd": _clean(self.dual_bound_usd),
            "gap": _clean(self.gap),
            "time_s": round(self.time_s, 3),
            "nodes": self.nodes,
            "variables": self.variables,
            "constraints": self.constraints,
            "integer_variables": self.integer_variables,
        }


@dataclass(frozen=True)
class PolicyStatus:
    """One policy's use in a plan: its limit, the plan's value, and whether it binds."""

    policy: str
    scope: str
    limit: float
    value: float
    unit: str
    binding: bool
    satisfied: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "scope": self.scope,
            "limit": _clean(self.limit),
            "value": _clean(self.value),
            "unit": self.unit,
            "binding": self.binding,
            "satisfied": self.satisfied,
        }


@dataclass(frozen=True)
class Verification:
    """The independent checker's verdict: every violated rule, and what was checked."""

    ok: bool
    checks: tuple[str, ...]
    violations: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "checks": list(self.checks), "violations": list(self.violations)}


@dataclass(frozen=True)
class Baseline:
    """A comparison plan solved on the same scenario."""

    name: str
    description: str
    total_usd: float | None
    feasible: bool
    violations: tuple[str, ...] = ()
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "total_usd": _clean(self.total_usd),
            "feasible": self.feasible,
            "violations": list(self.violations),
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Abatement:
    """The carbon-constrained plan against the cheapest plan of the same scenario
    (:func:`fleetplan.energy.abatement`)."""

    policy: str
    cheapest_total_usd: float
    cheapest_discounted_usd: float
    cheapest_co2e_t: float
    plan_total_usd: float
    plan_discounted_usd: float
    plan_co2e_t: float
    avoided_tco2e: float
    extra_cost_usd: float
    extra_discounted_usd: float
    usd_per_tco2e_avoided: float | None
    discounted_usd_per_tco2e_avoided: float | None
    binding: bool
    within_gap: bool = False
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return json_safe(asdict(self))


@dataclass(frozen=True)
class Solution:
    """Column values of a solved model and the layout they belong to: ``layout`` is the model's
    column blocks as (name, size) pairs; a start is used only by a model of the same layout."""

    values: npt.NDArray[np.float64]
    layout: tuple[tuple[str, int], ...]


@dataclass
class Plan:
    """What runs where, what is bought and reserved, when; with costs, energy, carbon and proofs."""

    scenario_name: str
    periods: list[str]
    currency: str
    allocations: pd.DataFrame
    purchases: pd.DataFrame
    reservations: pd.DataFrame
    costs: pd.DataFrame
    onboarded: list[str]
    dropped_workloads: list[str]
    solve: SolveResult
    lp_bound_usd: float | None = None
    policies: list[PolicyStatus] = field(default_factory=list)
    baselines: list[Baseline] = field(default_factory=list)
    verification: Verification | None = None
    objective_breakdown: dict[str, float] = field(default_factory=dict)
    spend_by_owner: dict[str, dict[str, float]] = field(default_factory=dict)
    """Verified horizon spend (USD) keyed by 'provider' and 'vendor', everything included."""
    review_cycle_periods: int = 1
    """How often the plan is reviewed (the scenario's ``review_cycle_periods``): the roadmap's gates."""
    spend_by_period: pd.DataFrame = field(default_factory=pd.DataFrame)
    """The verifier's ledger per period, provider, vendor, pricing model and cost category
    (``usd``): the numbers behind every per-period spend chart and the plan-against-actual
    comparison."""
    energy: dict[str, pd.DataFrame] = field(default_factory=dict)
    """Energy and carbon tables (:func:`fleetplan.energy.energy_tables`): summary, by_workload,
    by_provider, by_region, by_period, site_power."""
    abatement: Abatement | None = None
    """Cheapest plan versus this one when the scenario has a carbon price or budget."""
    notes: list[str] = field(default_factory=list)
    """What the plan's figures do not show: an auxiliary figure (abatement, a baseline) that was
    not computed and why, a start that was ignored. Never a reason to doubt the plan itself."""
    commitments: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Existing commitments by period: available, used, utilization (see module docstring)."""
    credits: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Savings plans' credits by chip vendor and period (see module docstring)."""
    rollout: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Under a rollout policy, every new provider, vendor or accelerator the plan uses, per period:
    kind, entity, period, accelerators (in service: accelerator-hours / hours), critical_accelerators,
    phase (before, pilot, scale), as the verifier recomputes them (:func:`fleetplan.verify.rollout.rollout_usage`)."""
    skills: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Software stacks the plan adopts (see module docstring); empty without a ``team``."""
    stacks_needed: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Software stacks the plan's allocations use and the team's level in each (see module
    docstring); empty without a ``team``."""
    solution: Solution | None = None
    """The model's column values behind this plan (not exported): a warm start for re-plans of
    the same model, such as the abatement's or an N-1 variant's."""

    @property
    def total_usd(self) -> float:
        """Undiscounted spend over the horizon."""
        return float(self.costs["total_usd"].sum()) if len(self.costs) else 0.0

    @property
    def discounted_usd(self) -> float:
        return float(self.costs["discounted_usd"].sum()) if len(self.costs) else 0.0


def _clean(v: float | None) -> float | None:
    """A float for JSON (NaN and ±inf as None)."""
    return None if v is None else json_safe(float(v))
