"""Which bill rows are AI compute: instance types and accelerator SKUs matched against the catalog.

A bill does not say "8 x H100"; it names an instance type (``p5.48xlarge``,
``Standard_ND96isr_H100_v5``, ``a3-highgpu-8g``) in a custom column or in the charge description,
or bills accelerators by themselves (Google's "Nvidia H100 80GB GPU running in Americas"). This
module matches those texts against the catalog's instance types and the accelerator table's
names and aliases. It never guesses: a compute row that matches nothing is reported unmapped.

Contract of :func:`match_texts`: for each distinct (provider, text) it returns the instance type,
the accelerator and the accelerators per unit billed, or nothing. Matching is case-insensitive on
whole tokens; the longest instance type wins; an accelerator name counts only in a text that
also says GPU or TPU (one accelerator per unit billed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from fleetplan.catalog.hardware import accelerator_table

__all__ = ["PROVIDER_ALIASES", "InstanceMatch", "canonical_provider", "match_texts"]

PROVIDER_ALIASES: dict[str, str] = {
    "aws": "aws",
    "amazon web services": "aws",
    "amazon web services, inc.": "aws",
    "amazon": "aws",
    "microsoft": "azure",
    "azure": "azure",
    "microsoft azure": "azure",
    "google": "gcp",
    "google cloud": "gcp",
    "gcp": "gcp",
    "google cloud platform": "gcp",
    "oracle": "oci",
    "oracle cloud infrastructure": "oci",
    "oci": "oci",
}
"""FOCUS ``ProviderName`` values (as the four hyperscalers write them) -> catalog provider ids."""


def canonical_provider(name: str | None) -> str:
    """The catalog id of a bill's provider name; other names are lower-cased and slugged."""
    if name is None:
        return "unknown"
    key = str(name).strip().lower()
    if key in PROVIDER_ALIASES:
        return PROVIDER_ALIASES[key]
    return re.sub(r"[^a-z0-9]+", "-", key).strip("-") or "unknown"


@dataclass(frozen=True)
class InstanceMatch:
    instance_type: str | None
    accelerator: str
    accelerators_per_unit: int


def _variants(provider: str, instance_type: str) -> list[str]:
    """Spellings of one instance type seen in bills (Azure drops ``Standard_`` and underscores)."""
    out = [instance_type]
    if provider == "azure" and instance_type.lower().startswith("standard_"):
        short = instance_type[len("Standard_") :]
        out += [short, short.replace("_", " ")]
    return out


@lru_cache(maxsize=8)
def _instance_index(offerings_key: int, table: tuple[tuple[str, str, str, int], ...]) -> dict[str, object]:
    by_provider: dict[str, dict[str, tuple[str, str, int]]] = {}
    for provider, itype, acc, count in table:
        for v in _variants(provider, itype):
            by_provider.setdefault(provider, {})[v.lower()] = (itype, acc, count)
    patterns = {}
    for provider, names in by_provider.items():
        alts = sorted(names, key=len, reverse=True)
        patterns[provider] = re.compile(
            r"(?<![\w.+-])(" + "|".join(re.escape(a) for a in alts) + r")(?![\w+-]|\.\w)", re.IGNORECASE
        )
    return {"names": by_provider, "patterns": patterns}


@lru_cache(maxsize=1)
def _accelerator_pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    acc = accelerator_table()
    names: dict[str, str] = {}
    for name, aliases in zip(acc["name"], acc["aliases"].fillna(""), strict=True):
        for a in [name, *[x.strip() for x in str(aliases).split(";") if x.strip()]]:
            names[a.lower()] = name
            names[a.lower().replace("-", " ")] = name
    alts = sorted(names, key=len, reverse=True)
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(a) for a in alts) + r")(?![\w-])", re.IGNORECASE), names


_ACCEL_WORD = re.compile(r"\b(gpu|tpu)s?\b", re.IGNORECASE)


def match_texts(texts: pd.DataFrame, offerings: pd.DataFrame) -> pd.DataFrame:
    """Match ``texts`` (columns ``provider``, ``text``) against ``offerings``' instance types.

    Returns ``texts`` with ``instance_type``, ``accelerator`` and ``accelerators_per_unit`` (null
    where nothing matched).
    """
    table = tuple(
        sorted(
            {
                (str(p), str(i), str(a), int(c))
                for p, i, a, c in zip(
                    offerings["provider"],
                    offerings["instance_type"],
                    offerings["accelerator"],
                    offerings["accelerator_count"],
                    strict=True,
                )
                if isinstance(i, str) and i
            }
        )
    )
    index = _instance_index(hash(table), table)
    patterns: dict[str, re.Pattern[str]] = index["patterns"]  # type: ignore[assignment]
    names: dict[str, dict[str, tuple[str, str, int]]] = index["names"]  # type: ignore[assignment]
    acc_pattern, acc_names = _accelerator_pattern()
    out_i, out_a, out_n = [], [], []
    for provider, text in zip(texts["provider"], texts["text"], strict=True):
        hit: tuple[str | None, str, int] | None = None
        text = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)
        pat = patterns.get(provider)
        if pat is not None and text:
            found = [m.group(1) for m in pat.finditer(text)]
            if found:
                best = max(found, key=len)
                hit = names[provider][best.lower()]
        if hit is None and text and _ACCEL_WORD.search(text):
            found = [m.group(1) for m in acc_pattern.finditer(text)]
            if found:
                hit = (None, acc_names[max(found, key=len).lower()], 1)
        out_i.append(hit[0] if hit else None)
        out_a.append(hit[1] if hit else None)
        out_n.append(hit[2] if hit else None)
    return texts.assign(instance_type=out_i, accelerator=out_a, accelerators_per_unit=pd.array(out_n, dtype="Int64"))
