"""N-1 plans: what it costs to keep critical demand served after the loss of any one provider.

The optimizer's N-1 family (``policy.n_minus_1``, security-constrained like N-1 in power systems)
requires, for every critical workload w, every provider p among its candidates and every period t,

    sum_{o not of p} coverage[w,o,t] x y[w,o,t] >= 1

and the independent verifier re-checks it on the plan's allocations. The premium is the difference
between the N-1 plan and the plain plan, both optimal (to their gaps) for the same scenario
otherwise. The plan already found is reused: the other one starts from it, and the premium
comes with the range that both plans' proven bounds allow.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from fleetplan.errors import FleetplanError
from fleetplan.model.plan import Plan
from fleetplan.model.scenario import Scenario
from fleetplan.optimize import InfeasibleError, optimize
from fleetplan.optimize.solver import Solver

__all__ = ["NMinus1Result", "n_minus_1_premium", "scenario_copy"]


def scenario_copy(sc: Scenario) -> Scenario:
    """A deep copy of ``sc`` that keeps its resolved catalog and source file."""
    copy = sc.model_copy(deep=True)
    copy._catalog = sc._catalog
    copy._source = sc._source
    return copy


@dataclass
class NMinus1Result:
    """The plain plan against the N-1 plan: totals, premium, its proven range and the verdict.

    ``premium_usd`` compares horizon spend (undiscounted), as the plans report it. Both plans are
    optimal only to their gaps, so the premium in objective terms (discounted spend, carbon
    price, value of optional work) is also given with the range it is proven to lie in:
    ``premium_bounds_usd`` = (N-1 bound - plain objective, N-1 objective - plain bound).
    """

    status: str  # ok | infeasible | failed
    message: str
    plain_total_usd: float | None
    n_minus_1_total_usd: float | None
    plain_discounted_usd: float | None = None
    n_minus_1_discounted_usd: float | None = None
    critical_workloads: list[str] = field(default_factory=list)
    verified: bool = False
    plan: Plan | None = None
    plain_plan: Plan | None = None
    time_s: float = 0.0
    solve_status: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def premium_usd(self) -> float | None:
        if self.plain_total_usd is None or self.n_minus_1_total_usd is None:
            return None
        return self.n_minus_1_total_usd - self.plain_total_usd

    @property
    def premium_share(self) -> float | None:
        p = self.premium_usd
        if p is None or not self.plain_total_usd:
            return None
        return p / self.plain_total_usd

    @property
    def premium_objective_usd(self) -> float | None:
        """N-1 objective - plain objective (the point estimate of the proven range)."""
        if self.plan is None or self.plain_plan is None:
            return None
        n1, plain = self.plan.solve.objective_usd, self.plain_plan.solve.objective_usd
        return None if n1 is None or plain is None else n1 - plain

    @property
    def premium_bounds_usd(self) -> tuple[float, float] | None:
        """(lower, upper): the objective premium's proven range, from both plans' bounds.

        The optimum of each plan lies between its proven bound and its objective, so the true
        premium lies between N-1 bound - plain objective and N-1 objective - plain bound.
        None when either plan has no bound."""
        if self.plan is None or self.plain_plan is None:
            return None
        n1, plain = self.plan.solve, self.plain_plan.solve
        if None in (n1.objective_usd, n1.dual_bound_usd, plain.objective_usd, plain.dual_bound_usd):
            return None
        n1_bound = min(n1.dual_bound_usd, n1.objective_usd)  # type: ignore[type-var]
        plain_bound = min(plain.dual_bound_usd, plain.objective_usd)  # type: ignore[type-var]
        return n1_bound - plain.objective_usd, n1.objective_usd - plain_bound  # type: ignore[operator]


def n_minus_1_premium(
    sc: Scenario,
    plan: Plan | None = None,
    *,
    time_limit_s: float = 120.0,
    mip_rel_gap: float = 5e-3,
    progress: Callable[[object], None] | None = None,
    solver: Solver | None = None,
) -> NMinus1Result:
    """Plan ``sc`` with and without ``policy.n_minus_1`` and report the premium.

    ``plan`` is the already-solved plan of ``sc`` as given (plain or N-1, following its policy);
    only the other one is solved here, to the same gap within ``time_limit_s``, starting from
    ``plan``: an N-1 plan is a plain plan as it is, and a plain plan is repaired into an N-1 plan
    by re-placing the critical workloads with every other placement kept
    (:func:`~fleetplan.optimize.anytime.repair_start`), then improved. A re-plan that fails or
    finds no plan within its limit is reported in the result (``status``, ``message``), never
    raised. ``solver`` is passed to :func:`~fleetplan.optimize.optimize`.
    """
    t0 = time.perf_counter()
    crit = [w.name for w in sc.workloads if w.criticality == "critical"]
    plain_sc = scenario_copy(sc)
    plain_sc.policy.n_minus_1 = False
    n1_sc = scenario_copy(sc)
    n1_sc.policy.n_minus_1 = True

    def run(s: Scenario) -> Plan:
        return optimize(
            s,
            time_limit_s=time_limit_s,
            mip_rel_gap=mip_rel_gap,
            baselines=False,
            lp_bound=False,
            abatement=False,
            progress=progress,  # type: ignore[arg-type]
            solver=solver,
            start=plan,
            first_plan_grace_s=0.0,
        )

    given_n1 = plan is not None and sc.policy.n_minus_1
    try:
        plain = plan if plan is not None and not given_n1 else run(plain_sc)
    except FleetplanError as exc:
        return NMinus1Result(
            "failed",
            f"no plain plan within {time_limit_s:g} s: {exc}",
            None,
            None,
            critical_workloads=crit,
            plan=plan if given_n1 else None,
            time_s=time.perf_counter() - t0,
        )
    if not crit:
        return NMinus1Result(
            "ok",
            "no critical workloads: N-1 adds nothing",
            plain.total_usd,
            plain.total_usd,
            plain.discounted_usd,
            plain.discounted_usd,
            critical_workloads=crit,
            verified=True,
            plan=plain,
            plain_plan=plain,
            time_s=time.perf_counter() - t0,
            solve_status=plain.solve.status.value,
        )
    try:
        n1 = plan if given_n1 else run(n1_sc)
    except FleetplanError as exc:
        kind = "infeasible" if isinstance(exc, InfeasibleError) else "failed"
        return NMinus1Result(
            kind,
            f"no N-1 plan: {exc}" if kind == "infeasible" else f"no N-1 plan within {time_limit_s:g} s: {exc}",
            plain.total_usd,
            None,
            plain.discounted_usd,
            None,
            critical_workloads=crit,
            plain_plan=plain,
            time_s=time.perf_counter() - t0,
        )
    assert n1 is not None
    verified = bool(
        n1.verification is not None and n1.verification.ok and any(c.startswith("N-1") for c in n1.verification.checks)
    )
    msg = (
        "critical demand stays served after the loss of any one provider (verified)"
        if verified
        else "N-1 plan not verified"
    )
    solved = plain if given_n1 else n1
    return NMinus1Result(
        "ok",
        msg,
        plain.total_usd,
        n1.total_usd,
        plain.discounted_usd,
        n1.discounted_usd,
        critical_workloads=crit,
        verified=verified,
        plan=n1,
        plain_plan=plain,
        time_s=time.perf_counter() - t0,
        solve_status=solved.solve.status.value,
        notes=list(solved.notes) if solved is not plan else [],
    )
