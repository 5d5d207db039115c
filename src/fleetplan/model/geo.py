"""Country groups used by residency rules (ISO 3166-1 alpha-2 codes)."""

from __future__ import annotations

__all__ = ["EEA_EXTRA", "EU_COUNTRIES", "EU_MEMBERS"]

EU_MEMBERS = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
    ]
)
"""The 27 EU member states."""

EEA_EXTRA = frozenset({"IS", "LI", "NO"})
"""EEA members outside the EU."""

EU_COUNTRIES = EU_MEMBERS | EEA_EXTRA
"""Countries whose placements carry the ``eu`` residency tag (EU plus EEA)."""
