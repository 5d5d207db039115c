"""Scenario: every input to one planning question."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field, PrivateAttr

from fleetplan.model.base import OWN_PROVIDER_KINDS, InputModel, Name, NonNegFloat, PeriodLabel, Share
from fleetplan.model.catalog import Provider, Region
from fleetplan.model.commitment import Commitment
from fleetplan.model.period import PeriodLength, period_labels, periods_per_year
from fleetplan.model.policy import Policy
from fleetplan.model.risk import RiskSettings
from fleetplan.model.site import ServerType, Site, crf, lifetime_periods
from fleetplan.model.team import Team
from fleetplan.model.workload import Workload

__all__ = [
    "SCENARIO_SCHEMA",
    "CatalogSource",
    "Contact",
    "Horizon",
    "Objective",
    "Scenario",
    "own_providers",
    "server_spend",
]

SCENARIO_SCHEMA = "fleetplan.scenario/1"


class Horizon(InputModel):
    """``periods`` consecutive periods of length ``period`` starting at ``start`` (e.g. 2027Q1)."""

    start: PeriodLabel
    periods: int = Field(ge=1, le=120)
    period: PeriodLength = "quarter"

    def labels(self) -> list[str]:
        """Period labels in order, e.g. ``['2027Q1', '2027Q2', …]``."""
        return period_labels(self.start, self.periods, self.period)


class CatalogSource(InputModel):
    """Which offerings the scenario may use. Paths are relative to the scenario file."""

    builtin: bool = True
    skypilot: str | None = None
    files: list[str] = Field(default_factory=list)
    providers: list[Name] | None = Field(default=None, description="keep only these providers")


class Objective(InputModel):
    """What the plan minimizes: discounted cost + carbon price x tCO2e − value of optional work.

    ``include_embodied`` adds manufacturing emissions per accelerator-hour to every tCO2e figure
    (carbon price, carbon budgets, reports); ``embodied_kgco2e_per_accelerator_hour`` overrides the
    default (:data:`fleetplan.data.assumptions.EMBODIED_KGCO2E_PER_ACCELERATOR_HOUR`, BLOOM study).
    """

    carbon_price_usd_per_tco2e: NonNegFloat = 0.0
    include_embodied: bool = False
    embodied_kgco2e_per_accelerator_hour: NonNegFloat | None = None
    capex: Literal["annualized", "salvage"] = "annualized"


class Contact(InputModel):
    """An escalation contact for runbooks."""

    tier: int = Field(ge=1, le=9)
    name: str
    role: str | None = None
    email: str | None = None
    phone: str | None = None


class Scenario(InputModel):
    """All inputs together: one scenario answers one question."""

    model_config = ConfigDict(populate_by_name=True)

    schema_: Literal["fleetplan.scenario/1"] = Field(default=SCENARIO_SCHEMA, alias="schema")
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    currency: Literal["USD"] = "USD"
    horizon: Horizon
    discount_rate_per_year: Share = 0.08
    review_cycle_periods: int = Field(default=1, ge=1, le=12)
    catalog: CatalogSource = Field(default_factory=CatalogSource)
    providers: list[Provider] = Field(default_factory=list)
    regions: list[Region] = Field(default_factory=list)
    onboarded_providers: list[Name] = Field(default_factory=list)
    server_types: list[ServerType] = Field(default_factory=list)
    sites: list[Site] = Field(default_factory=list)
    commitments: list[Commitment] = Field(default_factory=list)
    """Reservations and savings plans already signed: paid whether used or not (:mod:`fleetplan.model.commitment`)."""
    workloads: list[Workload] = Field(min_length=1, max_length=100_000)
    policy: Policy = Field(default_factory=Policy)
    objective: Objective = Field(default_factory=Objective)
    contacts: list[Contact] = Field(default_factory=list)
    risk: RiskSettings = Field(default_factory=RiskSettings)
    team: Team | None = None
    """The team's skill per software stack; stacks it lacks must be adopted before use
    (:mod:`fleetplan.model.team`). None: no stack needs adoption."""

    _catalog: Any = PrivateAttr(default=None)
    _source: str | None = PrivateAttr(default=None)

    def period_labels(self) -> list[str]:
        """The horizon's period labels in order."""
        return self.horizon.labels()


def own_providers(sc: Scenario, *, include_sites: bool = False) -> frozenset[str]:
    """Providers the plan may use without paying onboarding: the scenario's own providers (kind
    onprem, colo or edge among ``sc.providers``) and ``onboarded_providers``.

    ``include_sites`` adds the provider of every site. The two differ when a site belongs to a
    provider declared only in the catalog (e.g. the bundled ``onprem-reference``): the planner,
    its baselines and the verifier charge that provider's onboarding (``include_sites=False``),
    while operations re-plans (``fleetplan.risk``) treat it as usable (``include_sites=True``).
    """
    own = {p.name for p in sc.providers if p.kind in OWN_PROVIDER_KINDS} | set(sc.onboarded_providers)
    if include_sites:
        own |= {s.provider for s in sc.sites}
    return frozenset(own)


def server_spend(
    sc: Scenario, st: ServerType, servers: float, *, in_service: int, ordered: int | None = None
) -> list[tuple[int, float]]:
    """What ``servers`` servers of type ``st`` cost in the horizon: (period index, USD) pairs.

    In service from period index ``in_service`` (negative: before the horizon) for
    :func:`~fleetplan.model.site.lifetime_periods`, they pay ``opex_usd_per_year`` / periods per
    year in each of those periods inside the horizon. Bought servers (``ordered``: the order
    period's index) also pay capex: with ``objective.capex: annualized``,
    capex x :func:`~fleetplan.model.site.crf` (discount rate, lifetime_years) / periods per year
    in the same periods; with ``salvage``, the whole capex in the order period (the last pair).
    Existing servers (``ordered`` None) pay opex only: their capex is sunk.
    """
    ppy = periods_per_year(sc.horizon.period)
    life = lifetime_periods(st, sc.horizon.period)
    annualized = ordered is not None and sc.objective.capex == "annualized"
    factor = crf(sc.discount_rate_per_year, st.lifetime_years) if annualized else 0.0
    out = []
    for t in range(max(in_service, 0), min(in_service + life, sc.horizon.periods)):
        usd = servers * st.opex_usd_per_year / ppy
        if annualized:
            usd += servers * st.capex_usd * factor / ppy
        out.append((t, usd))
    if ordered is not None and sc.objective.capex == "salvage":
        out.append((ordered, servers * st.capex_usd))
    return out
