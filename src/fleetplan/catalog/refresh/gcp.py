"""Google Cloud Billing Catalog API: GPU, TPU, vCPU and memory SKUs composed into VM prices.

``/v1/services/{service}/skus`` is read for Compute Engine (``6F81-5844-456A``) and Cloud TPU
(``E000-3F24-B8AA``), following ``nextPageToken``. The API key is a query parameter taken from
the caller (the CLI reads it from an environment variable); it is never written or shown.

A SKU price is ``units + nanos / 1e9`` USD per usage unit (``h`` or ``GiBy.h``), from the first
tier that is not free. ``usageType`` OnDemand, Preemptible, Commit1Yr and Commit3Yr become
on_demand, spot, reserved_1y and reserved_3y. Each SKU is a *part*:

* an accelerator (GPU resource group, or a TPU SKU), named through :data:`ACCELERATOR_PATTERNS`;
  an accelerator SKU no pattern names is counted in ``unmapped``;
* a vCPU or memory price of a machine series (``A2 Instance Core``, ``N1 Predefined Instance
  Ram``, ``Commitment v1: G2 Cpu``, ...).

A VM price is composed per region and pricing model: accelerators x count + vCPU price x vCPUs +
GiB price x memory (the instance table gives the machine shape); a TPU slice is its chips' price.
A VM some but not all of whose parts are priced somewhere is counted as ``incomplete:<type>``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from fleetplan.catalog.hardware import resolve_accelerator
from fleetplan.catalog.refresh.http import Fetcher, SourceError, rebase
from fleetplan.catalog.refresh.records import PriceRecord, RefreshProblem, SourceResult, instance_table

__all__ = ["ACCELERATOR_PATTERNS", "DEFAULT_URL", "SERVICES", "fetch_gcp", "sku_price"]

DEFAULT_URL = "https://cloudbilling.googleapis.com"
SERVICES = {"compute": "6F81-5844-456A", "tpu": "E000-3F24-B8AA"}
"""Service ids: Compute Engine and Cloud TPU."""

ACCELERATOR_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"\bh200\b", "H200"),
    (r"\bh100\b", "H100-SXM"),
    (r"\bb200\b", "B200"),
    (r"\ba100 80gb\b", "A100-80GB"),
    (r"\ba100\b", "A100-40GB"),
    (r"\bl4\b", "L4"),
    (r"\bt4\b", "T4"),
    (r"\bv100\b", "V100"),
    (r"tpu[ -]?v5p", "TPU-v5p"),
    (r"tpu[ -]?v5 ?(?:e\b|lite)", "TPU-v5e"),
    (r"tpu[ -]?v6e|trillium", "TPU-v6e"),
    (r"tpu[ -]?v4\b", "TPU-v4"),
)
"""First match wins: (regular expression on the lower-case SKU description, accelerator name)."""

_USAGE = {"OnDemand": "on_demand", "Preemptible": "spot", "Commit1Yr": "reserved_1y", "Commit3Yr": "reserved_3y"}
_SERIES_PART = re.compile(
    r"^(?:Commitment v1: )?(?:Spot )?(?:Preemptible )?(?P<series>[A-Z]\d[A-Z]?) (?:Predefined )?(?:Instance )?"
    r"(?P<part>Core|Cpu|Ram)\b"
)
_OTHER_MODELS = re.compile(r"\b(DWS|Calendar|Flex|Workstation|Sole Tenancy|Custom|Extended)\b", re.IGNORECASE)
_UNITS = ("h", "GiBy.h")
_PAGE_SIZE = "5000"
_MAX_PAGES = 1000


def sku_price(sku: dict[str, Any]) -> float:
    """USD per usage unit of a SKU: ``units + nanos / 1e9`` of its first tier that is not free.

    Raises :class:`ValueError` when the SKU has no readable price.
    """
    info = sku.get("pricingInfo") or []
    if not info:
        raise ValueError("no pricingInfo")
    expression = info[-1].get("pricingExpression") or {}
    tiers = sorted(expression.get("tieredRates") or [], key=lambda t: float(t.get("startUsageAmount") or 0))
    if not tiers:
        raise ValueError("no tieredRates")
    prices = []
    for tier in tiers:
        money = tier.get("unitPrice") or {}
        if money.get("currencyCode", "USD") != "USD":
            raise ValueError(f"currency {money.get('currencyCode')!r} is not USD")
        prices.append(int(money.get("units") or 0) + int(money.get("nanos") or 0) / 1e9)
    return next((p for p in prices if p > 0), prices[0])


def _accelerator(description: str) -> str | None:
    low = description.lower()
    for pattern, name in ACCELERATOR_PATTERNS:
        if re.search(pattern, low):
            return resolve_accelerator(name).name
    return None


def _check_page(doc: Any) -> None:
    if not isinstance(doc, dict) or not isinstance(doc.get("skus", []), list):
        raise SourceError("malformed page: no 'skus' list")


def _skus(fetcher: Fetcher, base: str, service: str, api_key: str) -> Iterator[dict[str, Any]]:
    url = rebase(f"/v1/services/{service}/skus", base)
    token = ""
    for page in range(_MAX_PAGES):
        params = {"currencyCode": "USD", "pageSize": _PAGE_SIZE, "key": api_key}
        if token:
            params["pageToken"] = token
        doc = fetcher.get_json(url, params=params, label=f"gcp {service} (pages)", check=_check_page)
        yield from doc.get("skus", [])
        if fetcher.progress:
            fetcher.progress(f"gcp {service} (pages)", page + 1, None)
        token = str(doc.get("nextPageToken") or "")
        if not token:
            return
    raise SourceError(f"more than {_MAX_PAGES} pages", url=url)


def fetch_gcp(fetcher: Fetcher, regions: Sequence[str], *, api_key: str, base_url: str = DEFAULT_URL) -> SourceResult:
    """GPU VM and TPU prices of the GCP ``regions`` (such as ``us-central1``)."""
    if not api_key:
        raise SourceError("the Cloud Billing Catalog API needs an API key")
    wanted = set(regions)
    out = SourceResult()
    # (region, pricing model, "acc" | "cpu" | "ram", accelerator or series) -> (USD per unit, SKU id)
    parts: dict[tuple[str, str, str, str], tuple[float, str]] = {}
    sources: dict[str, str] = {}
    for name, service in SERVICES.items():
        url = rebase(f"/v1/services/{service}/skus", base_url)
        out.urls.append(url)
        for sku in _skus(fetcher, base_url, service, api_key):
            _part(sku, name, url, wanted, parts, sources, out)
    _compose(parts, sources, out)
    return out


def _part(
    sku: dict[str, Any],
    service: str,
    url: str,
    wanted: set[str],
    parts: dict[tuple[str, str, str, str], tuple[float, str]],
    sources: dict[str, str],
    out: SourceResult,
) -> None:
    sku_id = str(sku.get("skuId") or "")
    description = str(sku.get("description") or "")
    category = sku.get("category") or {}
    model = _USAGE.get(str(category.get("usageType")))
    if model is None:
        out.skipped[f"usage:{category.get('usageType')}"] += 1
        return
    if _OTHER_MODELS.search(description):
        out.skipped["other_vm_kind"] += 1
        return
    is_accelerator = service == "tpu" or category.get("resourceGroup") == "GPU" or " GPU" in description
    series = _SERIES_PART.match(description)
    if is_accelerator:
        accelerator = _accelerator(description)
        if accelerator is None:
            out.unmapped[f"gcp {description}"] += 1
            return
        key_kind, key_name = "acc", accelerator
    elif series:
        key_kind, key_name = ("ram" if series["part"] == "Ram" else "cpu"), series["series"]
    else:
        out.skipped["not_a_vm_part"] += 1
        return
    regions = [r for r in sku.get("serviceRegions") or [] if r in wanted]
    if not regions:
        out.skipped["other_region"] += 1
        return
    unit = ((sku.get("pricingInfo") or [{}])[-1].get("pricingExpression") or {}).get("usageUnit")
    if unit not in _UNITS:
        out.problems.append(RefreshProblem("gcp", sku_id, f"{description}: usage unit {unit!r} is not h or GiBy.h"))
        return
    try:
        price = sku_price(sku)
    except (ValueError, TypeError) as exc:
        out.problems.append(RefreshProblem("gcp", sku_id, f"{description}: {exc}"))
        return
    sources[sku_id] = url
    for region in regions:
        key = (region, model, key_kind, key_name)
        if key in parts and parts[key][1] != sku_id:
            out.problems.append(
                RefreshProblem("gcp", sku_id, f"{description}: second SKU for {'/'.join(key)} (kept {parts[key][1]})")
            )
            continue
        parts[key] = (price, sku_id)


def _compose(
    parts: dict[tuple[str, str, str, str], tuple[float, str]], sources: dict[str, str], out: SourceResult
) -> None:
    regions = sorted({k[0] for k in parts})
    models = sorted(set(_USAGE.values()))
    for (provider, instance), spec in sorted(instance_table().items()):
        if provider != "gcp":
            continue
        tpu = instance.startswith("tpu-")
        series = instance.split("-", 1)[0].upper()
        for region in regions:
            for model in models:
                needed = [("acc", spec.accelerator, float(spec.accelerator_count))]
                if not tpu:
                    needed += [("cpu", series, spec.vcpus or 0.0), ("ram", series, spec.memory_gib or 0.0)]
                found = [parts.get((region, model, kind, name)) for kind, name, _ in needed]
                if not any(found):
                    continue
                if not all(found):
                    out.skipped[f"incomplete:{instance}"] += 1
                    continue
                total = sum(f[0] * qty for f, (_, _, qty) in zip(found, needed, strict=True))  # type: ignore[index]
                ids = [f[1] for f in found]  # type: ignore[index]
                url = sources[ids[0]]
                out.records.append(
                    PriceRecord(
                        "gcp",
                        region,
                        instance,
                        model,
                        total,
                        url,
                        "+".join(ids),
                        "committed use" if model.startswith("reserved") else "",
                    )
                )
