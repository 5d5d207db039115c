"""Owned sites (data centers, colo cages, edge networks), their hardware and what can be bought."""

from __future__ import annotations

from pydantic import Field

from fleetplan.model.base import InputModel, Name, NonNegFloat, PeriodLabel, PosFloat, Share

__all__ = ["ExistingHardware", "ServerType", "Site"]


class ServerType(InputModel):
    """A server that can be bought: accelerators per server, capex, lead time and lifetime.

    ``power_overhead_factor`` multiplies accelerator TDP to give server peak wall power (CPUs, memory,
    NICs, fans); the default 1.8 is NVIDIA DGX H100: 10.2 kW maximum system power for
    8 x 700 W GPUs (DGX H100 datasheet).
    """

    name: Name
    accelerator: str
    accelerators_per_server: int = Field(ge=1, le=64)
    capex_usd: NonNegFloat
    lead_time_periods: int = Field(default=2, ge=0, le=40)
    lifetime_years: PosFloat = 5.0
    power_overhead_factor: float = Field(default=1.8, ge=1.0, le=6.0)
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
    accounting at this site (default :data:`fleetplan.energy.power.DEFAULT_UTILIZATION`); it does
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
