"""The team: its skill per software stack, and what adopting a stack costs and takes.

A scenario's ``team`` says how well the organization knows each software stack (``none``,
``basic`` or ``expert``). Using an accelerator in production needs its stack
(:data:`fleetplan.data.stacks.STACKS`: CUDA for NVIDIA, ROCm for AMD Instinct, XLA for TPUs,
Neuron for Trainium and Inferentia, SynapseAI for Gaudi). A stack the team is not expert in must
be *adopted* first: a one-off cost paid in the period the adoption starts, and a lead time of
whole periods before its first production use (:func:`adoption_terms`). A stack the ``skills``
map leaves out counts as ``none``. Without a ``team`` no stack needs adoption.

Defaults (:mod:`fleetplan.data.assumptions`, fleetplan estimates): from ``none``
``STACK_ADOPTION_USD_FROM_NONE`` and ``STACK_ADOPTION_MONTHS_FROM_NONE``; from ``basic``
``STACK_ADOPTION_USD_FROM_BASIC`` and ``STACK_ADOPTION_MONTHS_FROM_BASIC``; months are turned
into whole periods of the horizon, rounded up. ``team.adoption`` overrides either per stack.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from pydantic import Field, model_validator

from fleetplan.data.assumptions import (
    STACK_ADOPTION_MONTHS_FROM_BASIC,
    STACK_ADOPTION_MONTHS_FROM_NONE,
    STACK_ADOPTION_USD_FROM_BASIC,
    STACK_ADOPTION_USD_FROM_NONE,
)
from fleetplan.data.stacks import STACKS, stack_of
from fleetplan.model.accelerator import Accelerator
from fleetplan.model.base import InputModel, NonNegFloat
from fleetplan.model.period import PeriodLength, periods_per_year

__all__ = [
    "SKILL_LEVELS",
    "STACK_NAMES",
    "Adoption",
    "SkillLevel",
    "StackAdoption",
    "Team",
    "adoption_terms",
    "stack_for",
]

SkillLevel = Literal["none", "basic", "expert"]
SKILL_LEVELS: tuple[str, ...] = ("none", "basic", "expert")
StackName = Literal["cuda", "rocm", "xla", "neuron", "synapseai"]
STACK_NAMES: tuple[str, ...] = ("cuda", "rocm", "xla", "neuron", "synapseai")
"""The stacks a scenario may name (the keys of :data:`~fleetplan.data.stacks.STACKS`)."""


class Adoption(InputModel):
    """What adopting one stack costs and takes, overriding the defaults for the team's level."""

    cost_usd: NonNegFloat | None = None
    lead_periods: int | None = Field(default=None, ge=0, le=120)


class Team(InputModel):
    """The team's skill per software stack (unlisted stacks: ``none``) and optional overrides of
    the adoption defaults per stack (see the module docstring)."""

    skills: dict[StackName, SkillLevel] = Field(min_length=1)
    adoption: dict[StackName, Adoption] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _override_needs_adoption(self) -> Team:
        for stack in self.adoption:
            if self.level(stack) == "expert":
                raise ValueError(f"adoption.{stack}: the team is expert in {stack}, nothing to adopt")
        return self

    def level(self, stack: str) -> str:
        """The team's level in ``stack`` (``none`` where ``skills`` does not name it)."""
        return self.skills.get(stack, "none")  # type: ignore[call-overload]


@dataclass(frozen=True)
class StackAdoption:
    """The terms of adopting one stack: the team's level before, the one-off cost (USD, paid in
    the period adoption starts) and the whole periods from that start to the first production
    use (adoption starting in period s: usable from s + lead_periods)."""

    stack: str
    level: str
    cost_usd: float
    lead_periods: int


def adoption_terms(team: Team | None, period: PeriodLength) -> dict[str, StackAdoption]:
    """Every stack the team must adopt before using it (level ``none`` or ``basic``), with its
    terms for periods of length ``period``; empty without a team."""
    if team is None:
        return {}
    months = 12 / periods_per_year(period)
    out = {}
    for stack in STACKS:
        level = team.level(stack)
        if level == "expert":
            continue
        usd, lead_months = (
            (STACK_ADOPTION_USD_FROM_NONE, STACK_ADOPTION_MONTHS_FROM_NONE)
            if level == "none"
            else (STACK_ADOPTION_USD_FROM_BASIC, STACK_ADOPTION_MONTHS_FROM_BASIC)
        )
        given = team.adoption.get(stack)  # type: ignore[call-overload]
        lead = math.ceil(lead_months / months - 1e-9)
        if given is not None and given.cost_usd is not None:
            usd = given.cost_usd
        if given is not None and given.lead_periods is not None:
            lead = given.lead_periods
        out[stack] = StackAdoption(stack, level, float(usd), int(lead))
    return out


def stack_for(acc: Accelerator) -> str | None:
    """The stack accelerator ``acc`` needs in production (None: none known, e.g. a user's own chip
    of a vendor ``stacks.csv`` does not name)."""
    return stack_of(acc.vendor, acc.family)
