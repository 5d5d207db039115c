"""The offerings table for the terminal (rich): ``fleetplan catalog``."""

from __future__ import annotations

import pandas as pd
from rich.console import Console
from rich.table import Table

__all__ = ["render_offerings"]


def render_offerings(console: Console, rows: pd.DataFrame, *, limit: int | None, total: int) -> None:
    """A rich table of ``rows`` (first ``limit``), cheapest accelerator-hour first."""
    shown = rows if limit is None else rows.head(limit)
    table = Table(
        title=f"{len(rows)} of {total} offerings · {rows['provider'].nunique()} providers",
        title_justify="left",
        header_style="bold",
    )
    for col, justify in (
        ("accelerator", "left"),
        ("count", "right"),
        ("provider", "left"),
        ("kind", "left"),
        ("region", "left"),
        ("instance type", "left"),
        ("pricing", "left"),
        ("$/h", "right"),
        ("$/accel-h", "right"),
        ("price date", "left"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for r in shown.itertuples(index=False):
        capex = None if pd.isna(r.capex_usd) else float(r.capex_usd)
        price = f"{r.price_usd_per_hour:,.2f}" + (f" +capex {capex:,.0f}" if capex else "")
        table.add_row(
            str(r.accelerator),
            str(r.accelerator_count),
            str(r.provider),
            str(r.kind) if r.kind is not pd.NA else "",
            str(r.region),
            str(r.instance_type),
            str(r.pricing_model),
            price,
            f"{r.usd_per_accelerator_hour:,.3f}",
            "" if r.price_date is pd.NA else str(r.price_date),
        )
    console.print(table)
    if limit is not None and len(rows) > limit:
        console.print(f"… {len(rows) - limit} more rows (raise --limit, or use --json for all with sources)")
