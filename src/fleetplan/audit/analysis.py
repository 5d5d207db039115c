"""The as-is picture of a bill: where the money goes, what AI compute it buys, at what price.

Every figure is a DuckDB aggregate over the table ``bill`` (see :mod:`fleetplan.audit.focus`);
only small results come back as pandas frames.

Definitions (FOCUS semantics, specification v1.2):

- *cash* spend is ``BilledCost`` (the invoice); *amortized* spend is ``EffectiveCost`` (commitment
  purchases spread over the hours they cover; unused commitment hours carry the waste);
  *list* spend is ``ListCost``.
- accelerator-hours of a usage row = quantity in hours x accelerators per unit billed, where the
  quantity is ``ConsumedQuantity`` (``PricingQuantity`` when no consumed quantity is given) and
  the unit says hours; rows whose commitment status is ``Unused`` are no usage.
- effective price per accelerator-hour = EffectiveCost / accelerator-hours per (provider,
  accelerator, pricing category); compared with the catalog's cheapest offering of the same
  accelerator at the same pricing model (on demand for Standard, spot for Dynamic, the cheaper
  reservation for Committed) on the same provider and on any provider.
- commitment utilization = EffectiveCost of ``Used`` rows / (``Used`` + ``Unused``); coverage =
  EffectiveCost of committed usage / EffectiveCost of all compute usage; effective savings rate =
  (ListCost - EffectiveCost) / ListCost over usage rows.
- concentration: shares and HHI (``fleetplan.risk``'s measure) of amortized spend per provider,
  and of AI compute spend per chip vendor.
- energy of AI compute = accelerator-hours x TDP x utilization x server overhead x PUE (the
  planner's power model and defaults); emissions = energy x the region's grid factor (catalog
  regions; the planner's fallbacks where the region is unknown).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from fleetplan.audit.focus import Bill
from fleetplan.audit.instances import canonical_provider, match_texts
from fleetplan.catalog.builtin import builtin_offerings, builtin_regions
from fleetplan.catalog.hardware import accelerator_table
from fleetplan.energy import (
    DEFAULT_CLOUD_SERVER_OVERHEAD,
    DEFAULT_UTILIZATION,
    FALLBACK_GRID_KGCO2E_PER_KWH,
    FALLBACK_PUE,
    kwh_per_accelerator_hour,
)
from fleetplan.risk.concentration import hhi

__all__ = ["AUDIT_SCHEMA", "Audit", "analyze_bill"]

AUDIT_SCHEMA = "fleetplan.audit/1"

_HOURS = "lower(coalesce({u}, '')) IN ('hour', 'hours', 'hrs', 'hr', 'h') OR lower(coalesce({u}, '')) LIKE '%hour%'"
_COMPUTE = "ServiceCategory IN ('Compute', 'AI and Machine Learning')"
_PRICING_TO_CATALOG = {"Standard": ("on_demand",), "Dynamic": ("spot",), "Committed": ("reserved_1y", "reserved_3y")}
MATCH_TEXT = "concat_ws(' | ', x_InstanceType, SkuMeter, ChargeDescription, ResourceType)"
"""The text of a bill row that names its instance type or accelerator (:mod:`.instances` matches it)."""
MAX_LISTED = 25
"""Rows listed in the unmapped-compute table (the rest are counted)."""


@dataclass
class Audit:
    """The as-is picture (all money in USD, amortized = EffectiveCost unless the name says cash)."""

    files: list[dict[str, Any]]
    period_start: str | None
    period_end: str | None
    totals: dict[str, float]
    spend: dict[str, pd.DataFrame]  # by month, provider, service_category, region, pricing_category, ...
    accelerators: pd.DataFrame  # provider, accelerator, vendor, pricing_category, accelerator_hours, cost
    prices: pd.DataFrame  # effective price per accelerator-hour against the catalog
    unmapped: pd.DataFrame  # compute usage that names no known instance or accelerator
    unmapped_totals: dict[str, float]
    commitments: pd.DataFrame
    commitment_totals: dict[str, float | None]
    concentration: dict[str, Any]
    energy: pd.DataFrame
    energy_totals: dict[str, float]
    problems: list[dict[str, Any]]
    problem_count: int
    quality: list[str]
    usage: pd.DataFrame  # month, quarter, provider, region, accelerator, instance_type, pricing, hours, cost
    notes: list[str] = field(default_factory=list)
    monitor: dict[str, Any] | None = None
    hindsight: dict[str, Any] | None = None


def _f(x: object) -> float:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if np.isnan(v) else v


def _register_providers(bill: Bill) -> None:
    names = [r[0] for r in bill.con.execute("SELECT DISTINCT ProviderName FROM bill").fetchall()]
    frame = pd.DataFrame({"ProviderName": names, "provider": [canonical_provider(n) for n in names]})
    bill.con.register("_providers_df", frame)
    bill.con.execute("CREATE OR REPLACE TEMP TABLE providers AS SELECT * FROM _providers_df")
    bill.con.unregister("_providers_df")
    bill.con.execute(
        "CREATE OR REPLACE TEMP VIEW b AS SELECT bill.*, coalesce(p.provider, 'unknown') AS provider, "
        "strftime(ChargePeriodStart, '%Y-%m') AS month, "
        "CAST(year(ChargePeriodStart) AS VARCHAR) || 'Q' || CAST(quarter(ChargePeriodStart) AS VARCHAR) AS quarter, "
        f"{MATCH_TEXT} AS match_text "
        "FROM bill LEFT JOIN providers p ON bill.ProviderName IS NOT DISTINCT FROM p.ProviderName"
    )


def _match_compute(bill: Bill, offerings: pd.DataFrame) -> None:
    """Table ``matched``: accelerator of each distinct compute text (see :mod:`.instances`)."""
    texts = bill.sql(
        f"SELECT DISTINCT provider, match_text AS text FROM b WHERE ChargeCategory = 'Usage' AND {_COMPUTE}"
    )
    matched = (
        match_texts(texts, offerings)
        if len(texts)
        else texts.assign(
            instance_type=pd.Series(dtype=object),
            accelerator=pd.Series(dtype=object),
            accelerators_per_unit=pd.Series(dtype="Int64"),
        )
    )
    bill.con.register("_matched_df", matched)
    bill.con.execute("CREATE OR REPLACE TEMP TABLE matched AS SELECT * FROM _matched_df")
    bill.con.unregister("_matched_df")
    hours_c = _HOURS.format(u="ConsumedUnit")
    hours_p = _HOURS.format(u="PricingUnit")
    bill.con.execute(
        f"""CREATE OR REPLACE TEMP TABLE usage AS
        SELECT b.month, b.quarter, b.provider, coalesce(b.RegionId, 'unknown') AS region, m.accelerator,
               m.instance_type, coalesce(b.PricingCategory, 'Other') AS pricing_category,
               sum(CASE WHEN coalesce(b.CommitmentDiscountStatus, '') = 'Unused' THEN 0
                        WHEN b.ConsumedQuantity IS NOT NULL AND ({hours_c}) THEN b.ConsumedQuantity
                        WHEN b.ConsumedQuantity IS NULL AND ({hours_p}) THEN b.PricingQuantity
                        ELSE 0 END * m.accelerators_per_unit)::DOUBLE AS accelerator_hours,
               sum(CASE WHEN coalesce(b.CommitmentDiscountStatus, '') = 'Unused' THEN 0
                        WHEN b.ConsumedQuantity IS NOT NULL AND ({hours_c}) THEN b.ConsumedQuantity
                        WHEN b.ConsumedQuantity IS NULL AND ({hours_p}) THEN b.PricingQuantity
                        ELSE 0 END)::DOUBLE AS instance_hours,
               sum(b.EffectiveCost)::DOUBLE AS cost_usd, sum(b.BilledCost)::DOUBLE AS billed_usd,
               sum(b.ListCost)::DOUBLE AS list_usd
        FROM b JOIN matched m ON b.provider = m.provider
             AND b.match_text = m.text
        WHERE b.ChargeCategory = 'Usage' AND m.accelerator IS NOT NULL
        GROUP BY ALL"""
    )


def _spend_by(bill: Bill, expr: str, name: str) -> pd.DataFrame:
    return bill.sql(
        f"SELECT coalesce(CAST({expr} AS VARCHAR), '(none)') AS {name}, "
        "round(sum(EffectiveCost), 2)::DOUBLE AS amortized_usd, round(sum(BilledCost), 2)::DOUBLE AS cash_usd, "
        "round(sum(ListCost), 2)::DOUBLE AS list_usd, count(*) AS rows "
        f"FROM b GROUP BY 1 ORDER BY amortized_usd DESC, 1"
    )


def _tag_keys(bill: Bill, limit: int = 2) -> list[str]:
    rows = bill.con.execute(
        "SELECT Tags FROM bill WHERE Tags IS NOT NULL AND Tags LIKE '{%' USING SAMPLE 5000 ROWS"
    ).fetchall()
    counts: dict[str, int] = {}
    for (text,) in rows:
        try:
            obj = json.loads(text)
        except (TypeError, ValueError):
            continue
        if isinstance(obj, dict):
            for k in obj:
                counts[str(k)] = counts.get(str(k), 0) + 1
    return [k for k, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]


def _prices(usage: pd.DataFrame, offerings: pd.DataFrame) -> pd.DataFrame:
    paid = (
        usage.groupby(["provider", "accelerator", "pricing_category"], as_index=False)[
            ["accelerator_hours", "cost_usd"]
        ]
        .sum()
        .query("accelerator_hours > 0")
    )
    if paid.empty:
        return paid.assign(paid_usd_per_accelerator_hour=[], catalog_same_provider_usd_per_accelerator_hour=[])
    off = offerings[offerings["pricing_model"].ne("owned")].copy()
    off["usd_per_accelerator_hour"] = off["price_usd_per_hour"] / off["accelerator_count"]
    rows = []
    for r in paid.itertuples(index=False):
        models = _PRICING_TO_CATALOG.get(r.pricing_category, ("on_demand",))
        same_acc = off[off["accelerator"].eq(r.accelerator) & off["pricing_model"].isin(models)]
        mine = same_acc[same_acc["provider"].eq(r.provider)]
        best_mine = mine.nsmallest(1, "usd_per_accelerator_hour")
        best_any = same_acc.nsmallest(1, "usd_per_accelerator_hour")
        paid_rate = r.cost_usd / r.accelerator_hours
        rows.append(
            {
                "provider": r.provider,
                "accelerator": r.accelerator,
                "pricing_category": r.pricing_category,
                "accelerator_hours": r.accelerator_hours,
                "cost_usd": r.cost_usd,
                "paid_usd_per_accelerator_hour": paid_rate,
                "catalog_same_provider_usd_per_accelerator_hour": (
                    float(best_mine["usd_per_accelerator_hour"].iloc[0]) if len(best_mine) else None
                ),
                "catalog_best_usd_per_accelerator_hour": (
                    float(best_any["usd_per_accelerator_hour"].iloc[0]) if len(best_any) else None
                ),
                "catalog_best_offering": (
                    "{provider} {region} {instance_type} ({pricing_model})".format(**best_any.iloc[0].to_dict())
                    if len(best_any)
                    else None
                ),
                "catalog_best_source": str(best_any["source"].iloc[0]) if len(best_any) else None,
                "excess_over_best_usd": (
                    max(0.0, (paid_rate - float(best_any["usd_per_accelerator_hour"].iloc[0])) * r.accelerator_hours)
                    if len(best_any)
                    else None
                ),
            }
        )
    return pd.DataFrame(rows).sort_values("cost_usd", ascending=False, ignore_index=True)


def _commitments(bill: Bill) -> tuple[pd.DataFrame, dict[str, float | None]]:
    per = bill.sql(
        """SELECT CommitmentDiscountId AS id, any_value(provider) AS provider,
                  any_value(CommitmentDiscountType) AS type, any_value(CommitmentDiscountCategory) AS category,
                  any_value(CommitmentDiscountName) AS name,
                  sum(EffectiveCost) FILTER (CommitmentDiscountStatus = 'Used')::DOUBLE AS used_usd,
                  sum(EffectiveCost) FILTER (CommitmentDiscountStatus = 'Unused')::DOUBLE AS unused_usd,
                  sum(BilledCost) FILTER (ChargeCategory = 'Purchase')::DOUBLE AS purchased_cash_usd,
                  min(ChargePeriodStart) FILTER (ChargeCategory = 'Usage') AS first_usage,
                  max(ChargePeriodEnd) FILTER (ChargeCategory = 'Usage') AS last_usage,
                  max(ChargePeriodEnd) FILTER (ChargeCategory = 'Purchase' AND ChargeFrequency = 'One-Time')
                      AS purchase_covers_until
           FROM b WHERE CommitmentDiscountId IS NOT NULL GROUP BY CommitmentDiscountId ORDER BY 1"""
    )
    if len(per):
        per[["used_usd", "unused_usd", "purchased_cash_usd"]] = per[
            ["used_usd", "unused_usd", "purchased_cash_usd"]
        ].fillna(0.0)
        denom = per["used_usd"] + per["unused_usd"]
        per["utilization"] = np.where(denom > 0, per["used_usd"] / denom.where(denom > 0, 1.0), np.nan)
        for c in ("first_usage", "last_usage", "purchase_covers_until"):
            per[c] = per[c].map(lambda v: None if pd.isna(v) else pd.Timestamp(v).strftime("%Y-%m-%dT%H:%M:%SZ"))
    row = bill.con.execute(
        f"""SELECT sum(EffectiveCost) FILTER (CommitmentDiscountStatus = 'Used')::DOUBLE,
                  sum(EffectiveCost) FILTER (CommitmentDiscountStatus = 'Unused')::DOUBLE,
                  sum(EffectiveCost) FILTER (ChargeCategory = 'Usage' AND {_COMPUTE}
                                            AND coalesce(CommitmentDiscountStatus, '') <> 'Unused')::DOUBLE,
                  sum(EffectiveCost) FILTER (ChargeCategory = 'Usage' AND {_COMPUTE}
                                            AND CommitmentDiscountStatus = 'Used')::DOUBLE,
                  sum(ListCost) FILTER (ChargeCategory = 'Usage')::DOUBLE,
                  sum(EffectiveCost) FILTER (ChargeCategory = 'Usage')::DOUBLE
           FROM b"""
    ).fetchone()
    used, unused, compute, covered, list_u, eff_u = (_f(x) for x in row or (0,) * 6)
    totals: dict[str, float | None] = {
        "used_usd": used,
        "unused_usd": unused,
        "utilization": used / (used + unused) if used + unused > 0 else None,
        "compute_coverage": covered / compute if compute > 0 else None,
        "effective_savings_rate": (list_u - eff_u) / list_u if list_u > 0 else None,
        "savings_vs_list_usd": list_u - eff_u,
    }
    return per, totals


def _energy(usage: pd.DataFrame, regions: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, float], list[str]]:
    notes: list[str] = []
    if usage.empty:
        return pd.DataFrame(), {"energy_kwh": 0.0, "co2e_t": 0.0, "accelerator_hours": 0.0}, notes
    acc = accelerator_table().set_index("name")
    e = usage.groupby(["provider", "region", "accelerator"], as_index=False)["accelerator_hours"].sum()
    reg = regions.set_index(["provider", "region"])[["grid_kgco2e_per_kwh", "pue"]]
    idx = pd.MultiIndex.from_frame(e[["provider", "region"]])
    found = reg.reindex(idx)
    e["grid_kgco2e_per_kwh"] = found["grid_kgco2e_per_kwh"].to_numpy()
    e["pue"] = found["pue"].to_numpy()
    unknown = e["grid_kgco2e_per_kwh"].isna()
    if unknown.any():
        notes.append(
            f"{int(unknown.sum())} (provider, region) pairs not in the catalog's regions; their energy uses the "
            f"planner's fallbacks (grid {FALLBACK_GRID_KGCO2E_PER_KWH} kgCO2e/kWh, PUE {FALLBACK_PUE})"
        )
    e["grid_kgco2e_per_kwh"] = e["grid_kgco2e_per_kwh"].fillna(FALLBACK_GRID_KGCO2E_PER_KWH).astype(float)
    e["pue"] = e["pue"].fillna(FALLBACK_PUE).astype(float)
    e["tdp_w"] = acc["tdp_w"].reindex(e["accelerator"]).to_numpy(dtype=float)
    e["energy_kwh"] = (
        kwh_per_accelerator_hour(
            e["tdp_w"].to_numpy(), e["pue"].to_numpy(), DEFAULT_CLOUD_SERVER_OVERHEAD, DEFAULT_UTILIZATION
        )
        * e["accelerator_hours"].to_numpy()
    )
    e["co2e_t"] = e["energy_kwh"] * e["grid_kgco2e_per_kwh"] / 1000.0
    totals = {
        "accelerator_hours": float(e["accelerator_hours"].sum()),
        "energy_kwh": float(e["energy_kwh"].sum()),
        "co2e_t": float(e["co2e_t"].sum()),
    }
    return e.sort_values("co2e_t", ascending=False, ignore_index=True), totals, notes


def _shares(frame: pd.DataFrame, key: str, value: str) -> dict[str, Any]:
    if frame.empty:
        return {"shares": {}, "hhi": 0.0}
    s = frame.groupby(key)[value].sum().clip(lower=0.0)
    total = float(s.sum())
    shares = (s / total).sort_values(ascending=False) if total > 0 else s * 0.0
    return {"shares": {str(k): float(v) for k, v in shares.items()}, "hhi": hhi(s.to_numpy())}


def analyze_bill(
    bill: Bill,
    *,
    offerings: pd.DataFrame | None = None,
    regions: pd.DataFrame | None = None,
    tags: list[str] | None = None,
) -> Audit:
    """The as-is picture of ``bill`` (see the module docstring for each figure's definition).

    ``offerings``/``regions`` default to the bundled catalog; ``tags`` are the tag keys to break
    spend down by (default: the two most frequent keys in a sample of rows).
    """
    offerings = builtin_offerings() if offerings is None else offerings
    regions = builtin_regions() if regions is None else regions
    _register_providers(bill)
    _match_compute(bill, offerings)
    totals_row = bill.con.execute(
        "SELECT sum(BilledCost)::DECIMAL(38,2), sum(EffectiveCost)::DECIMAL(38,2), sum(ListCost)::DECIMAL(38,2), "
        "sum(ContractedCost)::DECIMAL(38,2), count(*), min(BillingPeriodStart), max(BillingPeriodEnd) FROM bill"
    ).fetchone()
    assert totals_row is not None
    totals = {
        "cash_usd": _f(totals_row[0]),
        "amortized_usd": _f(totals_row[1]),
        "list_usd": _f(totals_row[2]),
        "contracted_usd": _f(totals_row[3]),
        "rows": int(totals_row[4]),
    }
    start = None if totals_row[5] is None else pd.Timestamp(totals_row[5]).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = None if totals_row[6] is None else pd.Timestamp(totals_row[6]).strftime("%Y-%m-%dT%H:%M:%SZ")
    spend = {
        "month": _spend_by(bill, "month", "month").sort_values("month", ignore_index=True),
        "provider": _spend_by(bill, "provider", "provider"),
        "service_category": _spend_by(bill, "ServiceCategory", "service_category"),
        "charge_category": _spend_by(bill, "ChargeCategory", "charge_category"),
        "region": _spend_by(bill, "RegionId", "region"),
        "pricing_category": _spend_by(bill, "PricingCategory", "pricing_category"),
        "sub_account": _spend_by(bill, "coalesce(SubAccountName, SubAccountId)", "sub_account"),
    }
    for key in tags if tags is not None else _tag_keys(bill):
        safe = key.replace("'", "''").replace('"', '\\"')
        spend[f"tag:{key}"] = _spend_by(bill, f"json_extract_string(TRY_CAST(Tags AS JSON), '$.\"{safe}\"')", "value")
    usage = bill.sql("SELECT * FROM usage ORDER BY month, provider, accelerator")
    vendor = accelerator_table().set_index("name")["vendor"]
    usage["vendor"] = vendor.reindex(usage["accelerator"]).to_numpy()
    accelerators = (
        usage.groupby(["provider", "accelerator", "vendor", "pricing_category"], as_index=False)[
            ["accelerator_hours", "cost_usd", "billed_usd", "list_usd"]
        ]
        .sum()
        .sort_values("cost_usd", ascending=False, ignore_index=True)
    )
    unmapped_all = bill.sql(
        f"""SELECT b.provider, coalesce(b.ChargeDescription, b.SkuMeter, b.SkuId, '(no description)') AS description,
                   sum(b.EffectiveCost)::DOUBLE AS cost_usd, count(*) AS rows
            FROM b LEFT JOIN matched m ON b.provider = m.provider
                 AND b.match_text = m.text
            WHERE b.ChargeCategory = 'Usage' AND {_COMPUTE} AND m.accelerator IS NULL
            GROUP BY ALL ORDER BY cost_usd DESC, description"""
    )
    commitments, commitment_totals = _commitments(bill)
    energy, energy_totals, notes = _energy(usage, regions)
    provider_spend = spend["provider"].rename(columns={"provider": "key"})
    concentration = {
        "provider": _shares(provider_spend, "key", "amortized_usd"),
        "ai_provider": _shares(usage, "provider", "cost_usd"),
        "chip_vendor": _shares(usage, "vendor", "cost_usd"),
    }
    return Audit(
        files=[f.__dict__ | {"rows": f.rows} for f in bill.files],
        period_start=start,
        period_end=end,
        totals=totals
        | {
            "ai_compute_amortized_usd": float(usage["cost_usd"].sum()),
            "ai_compute_cash_usd": float(usage["billed_usd"].sum()),
            "accelerator_hours": float(usage["accelerator_hours"].sum()),
        },
        spend=spend,
        accelerators=accelerators,
        prices=_prices(usage, offerings),
        unmapped=unmapped_all.head(MAX_LISTED),
        unmapped_totals={"rows": int(unmapped_all["rows"].sum()), "cost_usd": float(unmapped_all["cost_usd"].sum())},
        commitments=commitments,
        commitment_totals=commitment_totals,
        concentration=concentration,
        energy=energy,
        energy_totals=energy_totals,
        problems=[p.__dict__ for p in bill.problems],
        problem_count=bill.problem_count,
        quality=list(bill.quality),
        usage=usage,
        notes=notes,
    )
