"""FOCUS (FinOps Open Cost and Usage Specification) column facts, in one place.

Source: FOCUS specification, ``FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec``, one file per column
under ``specification/columns/`` ("Feature level", "Introduced (version)"), tags v1.0, v1.1 and
v1.2; licence CC-BY-4.0. The bill reader (:mod:`fleetplan.audit.focus`) and the synthetic bill
generator (:mod:`fleetplan.generate.bill`) both read them from here.
"""

from __future__ import annotations

__all__ = ["COLUMNS_1_0", "INTRODUCED", "MANDATORY"]

COLUMNS_1_0: tuple[str, ...] = (
    "AvailabilityZone",
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "CommitmentDiscountCategory",
    "CommitmentDiscountId",
    "CommitmentDiscountName",
    "CommitmentDiscountStatus",
    "CommitmentDiscountType",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "InvoiceIssuerName",
    "ListCost",
    "ListUnitPrice",
    "PricingCategory",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "RegionId",
    "RegionName",
    "ResourceId",
    "ResourceName",
    "ResourceType",
    "ServiceCategory",
    "ServiceName",
    "SkuId",
    "SkuPriceId",
    "SubAccountId",
    "SubAccountName",
    "Tags",
)
"""The 43 columns of FOCUS 1.0, in alphabetical order (FOCUS specification v1.0)."""

MANDATORY: tuple[str, ...] = (
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "ContractedCost",
    "EffectiveCost",
    "InvoiceIssuerName",
    "ListCost",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "ServiceCategory",
    "ServiceName",
)
"""The 21 columns FOCUS 1.2 marks Mandatory (all present since 1.0). Source: FOCUS specification
v1.2, ``specification/columns/*.md``, "Feature level" of each column."""

INTRODUCED: dict[str, tuple[str, ...]] = {
    "1.1": (
        "CapacityReservationId",
        "CapacityReservationStatus",
        "CommitmentDiscountQuantity",
        "CommitmentDiscountUnit",
        "ServiceSubcategory",
        "SkuMeter",
        "SkuPriceDetails",
    ),
    "1.2": (
        "BillingAccountType",
        "InvoiceId",
        "PricingCurrency",
        "PricingCurrencyContractedUnitPrice",
        "PricingCurrencyEffectiveCost",
        "PricingCurrencyListUnitPrice",
        "SubAccountType",
    ),
}
"""Columns each FOCUS version added (FOCUS specification, "Introduced (version)" of each column)."""
