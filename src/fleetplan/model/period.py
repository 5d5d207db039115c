"""Planning periods: labels such as ``2027Q1`` (quarter), ``2027-03`` (month) or ``2027`` (year)."""

from __future__ import annotations

import re
from typing import Literal

__all__ = ["PeriodLength", "hours_per_period", "parse_period", "period_labels", "period_length_of", "periods_per_year"]

PeriodLength = Literal["quarter", "month", "year"]

_QUARTER = re.compile(r"^(\d{4})[- ]?Q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_YEAR = re.compile(r"^(\d{4})$")

_PER_YEAR = {"quarter": 4, "month": 12, "year": 1}
HOURS_PER_YEAR = 8760.0


def periods_per_year(length: PeriodLength) -> int:
    """Number of periods of ``length`` in one year."""
    return _PER_YEAR[length]


def hours_per_period(length: PeriodLength) -> float:
    """Wall-clock hours in one period (365-day year: 2190 h per quarter)."""
    return HOURS_PER_YEAR / _PER_YEAR[length]


def parse_period(label: str, length: PeriodLength) -> int:
    """Return an ordinal (periods since year 0) for ``label``; raise ValueError when it is malformed.

    ``2027Q1`` for quarters, ``2027-01`` for months, ``2027`` for years. A year label is accepted for
    any length and means that year's first period.
    """
    text = str(label).strip()
    if length == "quarter" and (m := _QUARTER.match(text)):
        return int(m.group(1)) * 4 + int(m.group(2)) - 1
    if length == "month" and (m := _MONTH.match(text)):
        return int(m.group(1)) * 12 + int(m.group(2)) - 1
    if m := _YEAR.match(text):
        return int(m.group(1)) * _PER_YEAR[length]
    example = {"quarter": "2027Q1", "month": "2027-01", "year": "2027"}[length]
    raise ValueError(f"period {label!r} is not a {length} label like {example!r}")


def format_period(ordinal: int, length: PeriodLength) -> str:
    """Inverse of :func:`parse_period`."""
    if length == "quarter":
        return f"{ordinal // 4}Q{ordinal % 4 + 1}"
    if length == "month":
        return f"{ordinal // 12}-{ordinal % 12 + 1:02d}"
    return str(ordinal)


def period_labels(start: str, count: int, length: PeriodLength) -> list[str]:
    """The ``count`` consecutive period labels beginning at ``start``."""
    first = parse_period(start, length)
    return [format_period(first + i, length) for i in range(count)]


def period_length_of(label: str) -> PeriodLength:
    """The period length a label is written in (``2027Q1``, ``2027-03``, ``2027``)."""
    for length in ("quarter", "month", "year"):
        try:
            parse_period(label, length)  # type: ignore[arg-type]
        except ValueError:
            continue
        if length == "year" and len(str(label).strip()) != 4:
            continue
        return length  # type: ignore[return-value]
    raise ValueError(f"period {label!r} is not a quarter, month or year label")
