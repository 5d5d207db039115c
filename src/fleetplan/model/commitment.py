"""Existing commitments: reservations and savings plans already signed (found in the bills).

A plan starts from them. Both are paid in every period they cover, used or not, through the
period ``ends`` (inclusive); periods after it are not covered. What each gives the plan:

- ``reservation``: ``count`` instances of ``instance_type`` in ``provider``/``region``, at
  ``usd_per_hour`` per instance-hour. Its capacity, count x accelerators per instance x hours
  per period, runs the on-demand placements of that instance at no rental cost.
- ``savings_plan``: ``usd_per_hour`` of committed spend on ``provider``. It buys on-demand use
  of that provider worth committed / (1 - ``discount``) per hour: that much of the provider's
  on-demand spend in the period is covered.

The rules over them (:func:`committed_usd_per_period`, :func:`covered_periods`,
:func:`credit_limit_usd`) are shared by the planner and the verifier.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from fleetplan.model.base import InputModel, Name, PeriodLabel, PosFloat
from fleetplan.model.period import PeriodLength, hours_per_period, parse_period

__all__ = [
    "COMMITMENT_KINDS",
    "Commitment",
    "CommitmentKind",
    "committed_usd_per_period",
    "covered_periods",
    "credit_limit_usd",
]

CommitmentKind = Literal["reservation", "savings_plan"]
COMMITMENT_KINDS: tuple[str, ...] = ("reservation", "savings_plan")


class Commitment(InputModel):
    """A reservation or savings plan already signed (see module docstring)."""

    name: Name
    kind: CommitmentKind
    provider: Name
    region: Name | None = None
    instance_type: str | None = Field(default=None, min_length=1, max_length=120)
    count: int = Field(default=0, ge=0, le=1_000_000)
    usd_per_hour: PosFloat
    discount: float | None = Field(default=None, gt=0, lt=1, allow_inf_nan=False)
    ends: PeriodLabel
    source: str = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _fields_of_kind(self) -> Commitment:
        if self.kind == "reservation":
            missing = [f for f in ("region", "instance_type") if getattr(self, f) is None]
            if missing:
                raise ValueError(f"a reservation needs {' and '.join(missing)}")
            if self.discount is not None:
                raise ValueError("discount applies to savings plans; a reservation states usd_per_hour per instance")
        else:
            if self.discount is None:
                raise ValueError("a savings plan needs discount (share off on-demand prices, 0 < d < 1)")
            extra = [f for f in ("region", "instance_type") if getattr(self, f) is not None]
            if extra or self.count:
                raise ValueError(
                    "a savings plan covers a provider's on-demand spend: no region, instance_type or count"
                )
        return self


def covered_periods(c: Commitment, start: str, periods: int, period: PeriodLength) -> list[int]:
    """Indices t of the horizon (``start``, ``periods`` of ``period``) that ``c`` covers: t <= ends."""
    last = parse_period(c.ends, period) - parse_period(start, period)
    return list(range(min(last + 1, periods))) if last >= 0 else []


def committed_usd_per_period(c: Commitment, period: PeriodLength) -> float:
    """What ``c`` costs in every period it covers, used or not: a reservation's
    count x usd_per_hour x H, a savings plan's usd_per_hour x H (H hours per period)."""
    hours = hours_per_period(period)
    return (c.count if c.kind == "reservation" else 1) * c.usd_per_hour * hours


def credit_limit_usd(c: Commitment, period: PeriodLength) -> float:
    """A savings plan's most on-demand spend covered per period: C / (1 - discount), C the committed spend."""
    if c.kind != "savings_plan" or c.discount is None:
        return 0.0
    return committed_usd_per_period(c, period) / (1.0 - c.discount)
