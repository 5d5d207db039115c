"""Owned sites (data centers, colo cages, edge networks), their hardware and what can be bought."""

from __future__ import annotations

from pydantic import Field

from fleetplan.data.assumptions import DEFAULT_OWNED_SERVER_OVERHEAD
from fleetplan.model.accelerator import Accelerator
from fleetplan.model.base import InputModel, Name, NonNegFloat, PeriodLabel, PosFloat, Share
from fleetplan.model.period import PeriodLength, periods_per_year

__all__ = ["ExistingHardware", "ServerType", "Site", "crf", "lifetime_periods", "server_kw"]


class ServerType(InputModel):
    """A server that can be bought: accelerators per server, capex, lead time and lifetime.

    ``power_overhead_factor`` multiplies accelerator TDP to give server peak wall power (CPUs, memory,
    NICs, fans); the default is the assumption ``default_owned_server_overhead``
    (``fleetplan/data/assumptions.csv``: NVIDIA DGX H100, 10.2 kW maximum system power for
    8 x 700 W GPUs). Power, lifetime and capex rules: :func:`server_kw`, :func:`lifetime_periods`,
    :func:`crf`.
    """

    name: Name
    accelerator: str
    accelerators_per_server: int = Field(ge=1, le=64)
    capex_usd: NonNegFloat
    lead_time_periods: int = Field(default=2, ge=0, le=40)
    lifetime_years: PosFloat = 5.0
    power_overhead_factor: float = Field(default=DEFAULT_OWNED_SERVER_OVERHEAD, ge=1.0, le=6.0)
    rack_units: int = Field(default=8, ge=1, le=48)
    opex_usd_per_year: NonNegFloat = 0.0
    source: str | None = None


class ExistingHardware(InputModel):
    """Servers already installed at a site: ``count`` of ``server_type`` bought in period ``purchased``."""

    server_type: Name
    count: int = Field(ge=1, le=1_000_000)
    purchased: PeriodLabel = Field(description="period label (e.g. 2024Q2) or year the servers went into service")


class Site(InputModel):
    """An owned or leased location with a power envelope.

    Power: sum over servers of accelerators x TDP x power_overhead_factor x PUE <= power_capacity_kw.
    Space: sum over servers of rack_units <= space_rack_units (when given).
    ``utilization`` (optional) is the average accelerator power as a share of TDP for energy
    accounting at this site (default :data:`fleetplan.data.assumptions.DEFAULT_UTILIZATION`); it does
    not change the power limit, which is checked on peak draw.
    """

    name: Name
    provider: Name
    country: str = Field(pattern=r"^[A-Z]{2}$")
    latency_zone: str | None = None
    tags: list[str] = Field(default_factory=list)
    power_capacity_kw: PosFloat
    space_rack_units: int | None = Field(default=None, ge=1)
    pue: float = Field(default=1.5, ge=1.0, le=3.0)
    electricity_usd_per_kwh: NonNegFloat = 0.12
    grid_kgco2e_per_kwh: NonNegFloat | None = None
    renewable_share: Share = 0.0
    utilization: float | None = Field(default=None, gt=0, le=1, description="average power / TDP")
    existing: list[ExistingHardware] = Field(default_factory=list)
    buyable: list[Name] = Field(default_factory=list, description="server types that may be bought here")


def server_kw(st: ServerType, acc: Accelerator, pue: float) -> float:
    """Peak facility power of one server of type ``st`` at a site of ``pue`` (kW):

        accelerators_per_server x TDP x power_overhead_factor x PUE / 1000

    ``acc`` is the server type's accelerator (``resolve_accelerator(st.accelerator)``). Site power
    limits are checked on this peak, installed draw, not on average use.
    """
    return st.accelerators_per_server * acc.tdp_w * st.power_overhead_factor * pue / 1000.0


def lifetime_periods(st: ServerType, period: PeriodLength) -> int:
    """Periods a server of type ``st`` stays in service: ``lifetime_years`` x periods per year,
    rounded. A server in service from period s retires at s + this."""
    return round(st.lifetime_years * periods_per_year(period))


def crf(rate: float, years: float) -> float:
    """Capital recovery factor: the annual payment that repays 1 over ``years`` at ``rate``
    (1 / years without discounting). Annualized server capex is capex x crf(r, lifetime_years)."""
    if rate <= 0:
        return 1.0 / years
    return rate / (1.0 - (1.0 + rate) ** (-years))
