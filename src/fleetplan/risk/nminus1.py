"""N-1 plans: what it costs to keep critical demand served after the loss of any one provider.

The optimizer's N-1 family (``policy.n_minus_1``, security-constrained like N-1 in power systems)
requires, for every critical workload w, every provider p among its candidates and every period t,

    sum_{o not of p} coverage[w,o,t] x y[w,o,t] >= 1

and the independent verifier re-checks it on the plan's allocations. The premium is the difference
between the N-1 plan and the plain plan, both optimal for the same scenario otherwise.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from fleetplan.errors import FleetplanError
from fleetplan.model.plan import Plan
from fleetplan.model.scenario import Scenario
from fleetplan.optimize import optimize
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
    """The plain plan against the N-1 plan: totals, premium and the verifier's verdict."""

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
    only the other one is solved here, by ``solver`` (default: HiGHS).
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
            progress=progress,
            solver=solver,
        )  # type: ignore[arg-type]

    try:
        plain = plan if plan is not None and not sc.policy.n_minus_1 else run(plain_sc)
    except FleetplanError as exc:
        return NMinus1Result(
            "failed",
            f"the plain plan failed: {exc}",
            None,
            None,
            critical_workloads=crit,
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
            crit,
            True,
            plain,
            plain,
            time.perf_counter() - t0,
            plain.solve.status.value,
        )
    try:
        n1 = plan if plan is not None and sc.policy.n_minus_1 else run(n1_sc)
    except FleetplanError as exc:
        kind = "infeasible" if type(exc).__name__ == "InfeasibleError" else "failed"
        return NMinus1Result(
            kind,
            f"no N-1 plan: {exc}",
            plain.total_usd,
            None,
            plain.discounted_usd,
            None,
            crit,
            False,
            None,
            plain,
            time.perf_counter() - t0,
        )
    verified = bool(
        n1.verification is not None and n1.verification.ok and any(c.startswith("N-1") for c in n1.verification.checks)
    )
    msg = (
        "critical demand stays served after the loss of any one provider (verified)"
        if verified
        else "N-1 plan not verified"
    )
    return NMinus1Result(
        "ok",
        msg,
        plain.total_usd,
        n1.total_usd,
        plain.discounted_usd,
        n1.discounted_usd,
        crit,
        verified,
        n1,
        plain,
        time.perf_counter() - t0,
        n1.solve.status.value,
    )
