"""Concentration of a plan: shares and Herfindahl-Hirschman index (HHI) of spend and capacity.

For each dimension (provider, chip vendor, region, pricing model) and each period (and the whole
horizon):

    share_k = x_k / sum_j x_j          HHI = 10 000 x sum_k share_k^2   (0 .. 10 000)

with x = spend (USD) or capacity (accelerator-hours the plan runs). ``equivalent_suppliers`` is
10 000 / HHI: the number of equal-sized suppliers with the same concentration. The US DOJ/FTC merger
guidelines (2023) call a market with HHI above 1 800 highly concentrated; 10 000 is a single
supplier.

Spend is the run-rate spend of the plan: rented capacity (allocations), reservations over their
term (in the horizon), owned energy, purchased servers (annualized capex or capex at order under
``capex: salvage``, plus opex) and existing servers' opex, the last two as the verifier's ledger
counts them (:func:`~fleetplan.model.scenario.server_spend`). One-off onboarding costs are left
out (they are not exposure to a supplier). Regions of owned capacity are site names.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from fleetplan.catalog.hardware import resolve_accelerator
from fleetplan.model.period import parse_period
from fleetplan.model.plan import Plan
from fleetplan.model.scenario import Scenario, server_spend

__all__ = [
    "DIMENSIONS",
    "HIGHLY_CONCENTRATED_HHI",
    "Concentration",
    "concentration",
    "hhi",
    "spend_table",
]

DIMENSIONS: tuple[str, ...] = ("provider", "vendor", "region", "pricing_model")
HIGHLY_CONCENTRATED_HHI = 1800.0
"""US DOJ/FTC Merger Guidelines (2023), section 2.1: HHI above 1,800 is highly concentrated."""

_HORIZON = "horizon"


def hhi(values: pd.Series | np.ndarray) -> float:
    """Herfindahl-Hirschman index (0..10 000) of non-negative amounts; 0 when they sum to zero."""
    x = np.clip(np.asarray(values, dtype=float), 0.0, None)
    total = x.sum()
    if total <= 0:
        return 0.0
    s = x / total
    return float(10_000.0 * np.sum(s * s))


def spend_table(sc: Scenario, plan: Plan) -> pd.DataFrame:
    """One row per (period, provider, region, vendor, pricing model) with the plan's spend (USD)."""
    labels = sc.horizon.labels()
    T = len(labels)
    t_of = {p: i for i, p in enumerate(labels)}
    first = parse_period(sc.horizon.start, sc.horizon.period)
    rows: list[dict[str, object]] = []

    def add(t: int, provider: str, region: str, vendor: str, pm: str, usd: float) -> None:
        if 0 <= t < T and usd:
            rows.append(
                {
                    "period": labels[t],
                    "provider": provider,
                    "region": region,
                    "vendor": vendor,
                    "pricing_model": pm,
                    "spend_usd": float(usd),
                }
            )

    a = plan.allocations
    if len(a):
        g = a.groupby(["period", "provider", "region", "vendor", "pricing_model"], sort=False)["cost_usd"].sum()
        for (period, prov, reg, ven, pm), usd in g.items():
            add(t_of[period], prov, f"{prov}/{reg}", ven, pm, usd)
    for r in plan.reservations.itertuples(index=False):
        s = t_of[r.start_period]
        per_period = float(r.committed_usd) / max(int(r.term_periods), 1)
        vendor = resolve_accelerator(r.accelerator).vendor
        for t in range(s, min(s + int(r.term_periods), T)):
            add(t, r.provider, f"{r.provider}/{r.region}", vendor, r.pricing_model, per_period)
    types = {t.name: t for t in sc.server_types}
    for r in plan.purchases.itertuples(index=False):
        st = types[r.server_type]
        vendor = resolve_accelerator(st.accelerator).vendor
        t_in, t_order = t_of[r.period_in_service], t_of[r.period_ordered]
        for t, usd in server_spend(sc, st, r.servers, in_service=t_in, ordered=t_order):
            add(t, r.provider, f"{r.provider}/{r.site}", vendor, "owned", usd)
    for site in sc.sites:
        for hw in site.existing:
            st = types[hw.server_type]
            vendor = resolve_accelerator(st.accelerator).vendor
            start = parse_period(hw.purchased, sc.horizon.period) - first
            for t, usd in server_spend(sc, st, hw.count, in_service=start):
                add(t, site.provider, f"{site.provider}/{site.name}", vendor, "owned", usd)
    cols = ["period", "provider", "region", "vendor", "pricing_model", "spend_usd"]
    return pd.DataFrame(rows, columns=cols)


@dataclass(frozen=True)
class Concentration:
    """Shares and HHI per (measure, dimension, scope).

    ``shares``: measure (spend|capacity), dimension, scope (period label or 'horizon'), name,
    amount (USD or accelerator-hours), share.  ``index``: measure, dimension, scope, hhi,
    equivalent_suppliers, top, top_share.
    """

    shares: pd.DataFrame
    index: pd.DataFrame

    def horizon(self, measure: str = "spend") -> pd.DataFrame:
        """The horizon-wide index rows of one measure, in :data:`DIMENSIONS` order."""
        df = self.index[(self.index["measure"] == measure) & (self.index["scope"] == _HORIZON)]
        order = {d: i for i, d in enumerate(DIMENSIONS)}
        return df.sort_values("dimension", key=lambda s: s.map(order)).reset_index(drop=True)


def concentration(sc: Scenario, plan: Plan) -> Concentration:
    """Shares and HHI of spend and capacity by provider, chip vendor, region and pricing model."""
    spend = spend_table(sc, plan)
    cap = plan.allocations.rename(columns={"accelerator_hours": "amount"})
    cap = cap.assign(region=cap["provider"].astype(str) + "/" + cap["region"].astype(str))
    spend = spend.rename(columns={"spend_usd": "amount"})
    labels = sc.horizon.labels()
    share_rows: list[dict[str, object]] = []
    index_rows: list[dict[str, object]] = []
    for measure, df in (("spend", spend), ("capacity", cap)):
        for dim in DIMENSIONS:
            by = df.groupby([dim, "period"])["amount"].sum() if len(df) else pd.Series(dtype=float)
            scopes: list[tuple[str, pd.Series]] = []
            for label in labels:
                part = (
                    by.xs(label, level="period")
                    if len(by) and label in by.index.get_level_values("period")
                    else pd.Series(dtype=float)
                )
                scopes.append((label, part))
            scopes.append((_HORIZON, by.groupby(level=0).sum() if len(by) else pd.Series(dtype=float)))
            for scope, series in scopes:
                series = series[series > 0].sort_index()
                total = float(series.sum())
                ranked = series.sort_values(ascending=False, kind="stable")
                for name, amount in ranked.items():
                    share_rows.append(
                        {
                            "measure": measure,
                            "dimension": dim,
                            "scope": scope,
                            "name": str(name),
                            "amount": float(amount),
                            "share": float(amount) / total if total else 0.0,
                        }
                    )
                h = hhi(series.to_numpy())
                index_rows.append(
                    {
                        "measure": measure,
                        "dimension": dim,
                        "scope": scope,
                        "hhi": h,
                        "equivalent_suppliers": 10_000.0 / h if h > 0 else 0.0,
                        "top": str(ranked.index[0]) if len(ranked) else None,
                        "top_share": float(ranked.iloc[0]) / total if len(ranked) and total else 0.0,
                        "total": total,
                    }
                )
    return Concentration(pd.DataFrame(share_rows), pd.DataFrame(index_rows))
