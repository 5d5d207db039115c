"""AWS Price List bulk offer files: EC2 on-demand and reserved prices, Compute Savings Plans.

Per region, ``/offers/v1.0/aws/AmazonEC2/current/region_index.json`` names the region's offer
file; it is read as CSV (5 metadata lines, then a header; streamed, never held whole) or JSON.
Only Linux, shared-tenancy, ``Used`` capacity rows without pre-installed software count.

* ``OnDemand`` terms give on-demand prices. Spot prices are not in the offer files (they need
  credentials and the EC2 API), so a refresh has no AWS spot rows.
* ``Reserved`` terms (1yr/3yr; standard and convertible; no, partial and all upfront) give one
  effective hourly price each: the hourly rate plus the upfront fee spread over the term's hours.
* ``/savingsPlan/v1.0/aws/AWSComputeSavingsPlan/current/region_index.json`` names the region's
  savings-plan file, whose rates are already per hour for each on-demand SKU they discount.

Accelerator instances (a GPU count, a GPU or ML-ASIC instance family, or a ``p``/``g``/``trn``/
``inf``/``dl`` type) missing from the instance table are counted in ``unmapped``.
"""

from __future__ import annotations

import csv
import json
import re
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fleetplan.catalog.refresh.http import Fetcher, SourceError, rebase
from fleetplan.catalog.refresh.records import PriceRecord, RefreshProblem, SourceResult, instance_table, term_hourly

__all__ = ["DEFAULT_URL", "EC2_INDEX", "PREAMBLE_LINES", "SAVINGS_PLAN_INDEX", "fetch_aws"]

DEFAULT_URL = "https://pricing.us-east-1.amazonaws.com"
EC2_INDEX = "/offers/v1.0/aws/AmazonEC2/current/region_index.json"
SAVINGS_PLAN_INDEX = "/savingsPlan/v1.0/aws/AWSComputeSavingsPlan/current/region_index.json"
PREAMBLE_LINES = 5
"""Metadata lines (format version, disclaimer, publication date, version, offer code) before the CSV header."""

_ACCELERATOR_FAMILIES = ("GPU instance", "Machine Learning ASIC Instances")
_ACCELERATOR_TYPE = re.compile(r"^(p\d|g\d|trn\d|inf\d|dl\d)")
_TERM_YEARS = {"1yr": 1, "3yr": 3, "1 yr": 1, "3 yr": 3}


@dataclass(frozen=True)
class _Row:
    """One price dimension of the offer file, whichever format it came in."""

    sku: str
    term_type: str
    offer_term: str
    unit: str
    price: str
    currency: str
    lease: str
    purchase_option: str
    offering_class: str
    instance_type: str
    region: str
    product_family: str
    instance_family: str
    gpu: str
    os: str
    tenancy: str
    capacity: str
    software: str


_CSV_COLUMNS = {
    "sku": "SKU",
    "term_type": "TermType",
    "offer_term": "OfferTermCode",
    "unit": "Unit",
    "price": "PricePerUnit",
    "currency": "Currency",
    "lease": "LeaseContractLength",
    "purchase_option": "PurchaseOption",
    "offering_class": "OfferingClass",
    "instance_type": "Instance Type",
    "region": "Region Code",
    "product_family": "Product Family",
    "instance_family": "Instance Family",
    "gpu": "GPU",
    "os": "Operating System",
    "tenancy": "Tenancy",
    "capacity": "CapacityStatus",
    "software": "Pre Installed S/W",
}
_REQUIRED_CSV = ("SKU", "TermType", "OfferTermCode", "Unit", "PricePerUnit", "Instance Type", "Operating System")


def _csv_rows(path: Path, url: str, region: str) -> Iterator[_Row]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for _ in range(PREAMBLE_LINES):
            if not fh.readline():
                raise SourceError("malformed offer file: shorter than its 5 metadata lines", url=url)
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            raise SourceError("malformed offer file: no header after the 5 metadata lines", url=url)
        index = {name: i for i, name in enumerate(header)}
        missing = [c for c in _REQUIRED_CSV if c not in index]
        if missing:
            raise SourceError(f"malformed offer file: missing column {missing[0]!r}", url=url)
        where = {field: index.get(column) for field, column in _CSV_COLUMNS.items()}
        try:
            for fields in reader:
                if len(fields) != len(header):
                    raise SourceError(
                        f"malformed offer file: line {reader.line_num + PREAMBLE_LINES} has {len(fields)} "
                        f"fields, the header {len(header)}",
                        url=url,
                    )
                values = {f: (fields[i] if i is not None else "") for f, i in where.items()}
                values["region"] = values["region"] or region
                yield _Row(**values)
        except csv.Error as exc:
            raise SourceError(f"malformed offer file: {exc}", url=url) from exc


def _json_rows(path: Path, url: str, region: str) -> Iterator[_Row]:
    try:
        doc = json.loads(path.read_bytes())
        products = doc["products"]
        terms = doc["terms"]
    except (ValueError, KeyError, TypeError) as exc:
        raise SourceError(f"malformed offer file: {exc}", url=url) from exc
    for term_type in ("OnDemand", "Reserved"):
        for sku, offers in (terms.get(term_type) or {}).items():
            attrs = (products.get(sku) or {}).get("attributes") or {}
            family = (products.get(sku) or {}).get("productFamily", "")
            for code, offer in offers.items():
                ta = offer.get("termAttributes") or {}
                for dim in (offer.get("priceDimensions") or {}).values():
                    yield _Row(
                        sku=sku,
                        term_type=term_type,
                        offer_term=str(offer.get("offerTermCode") or code),
                        unit=str(dim.get("unit", "")),
                        price=str((dim.get("pricePerUnit") or {}).get("USD", "")),
                        currency="USD" if "USD" in (dim.get("pricePerUnit") or {}) else "",
                        lease=str(ta.get("LeaseContractLength", "")),
                        purchase_option=str(ta.get("PurchaseOption", "")),
                        offering_class=str(ta.get("OfferingClass", "")),
                        instance_type=str(attrs.get("instanceType", "")),
                        region=str(attrs.get("regionCode") or region),
                        product_family=str(family),
                        instance_family=str(attrs.get("instanceFamily", "")),
                        gpu=str(attrs.get("gpu", "")),
                        os=str(attrs.get("operatingSystem", "")),
                        tenancy=str(attrs.get("tenancy", "")),
                        capacity=str(attrs.get("capacitystatus", "")),
                        software=str(attrs.get("preInstalledSw", "")),
                    )


def _is_accelerator(row: _Row) -> bool:
    gpu = row.gpu.strip()
    return (
        row.instance_family in _ACCELERATOR_FAMILIES
        or (gpu not in ("", "0") and gpu.replace(".", "", 1).isdigit())
        or bool(_ACCELERATOR_TYPE.match(row.instance_type))
    )


def _check_region_index(doc: Any) -> None:
    if not isinstance(doc, dict) or not isinstance(doc.get("regions"), dict | list):
        raise SourceError("malformed region index: no 'regions'")


def _region_urls(doc: dict[str, Any], key: str) -> dict[str, str]:
    regions = doc["regions"]
    entries = regions.values() if isinstance(regions, dict) else regions
    return {str(e.get("regionCode")): str(e.get(key)) for e in entries if isinstance(e, dict) and e.get(key)}


def fetch_aws(
    fetcher: Fetcher,
    regions: Sequence[str],
    *,
    base_url: str = DEFAULT_URL,
    file_format: str = "csv",
    savings_plans: bool = True,
) -> SourceResult:
    """On-demand, reserved and savings-plan prices of the AWS ``regions`` (codes such as ``us-east-1``)."""
    if file_format not in ("csv", "json"):
        raise ValueError(f"file_format {file_format!r} is not csv or json")
    out = SourceResult()
    index_url = rebase(EC2_INDEX, base_url)
    ec2 = _region_urls(fetcher.get_json(index_url, label="aws index", check=_check_region_index), "currentVersionUrl")
    sp_files: dict[str, str] = {}
    if savings_plans:
        sp_index = rebase(SAVINGS_PLAN_INDEX, base_url)
        sp_files = _region_urls(fetcher.get_json(sp_index, label="aws index", check=_check_region_index), "versionUrl")
    with tempfile.TemporaryDirectory(prefix="fleetplan-aws-") as tmp:
        for region in regions:
            if region not in ec2:
                raise SourceError(f"region {region!r} is not in the EC2 region index", url=index_url)
            url = rebase(ec2[region], base_url)
            if file_format == "csv":
                url = re.sub(r"\.json$", ".csv", url)
            out.urls.append(url)
            target = Path(tmp) / f"{region}.{file_format}"
            path = fetcher.download(url, target, label=f"aws {region} (bytes)")
            rows = _csv_rows(path, url, region) if file_format == "csv" else _json_rows(path, url, region)
            skus = _ec2_prices(rows, url, out)
            fetcher.keep(url, path)
            if region in sp_files:
                sp_url = rebase(sp_files[region], base_url)
                out.urls.append(sp_url)
                doc = fetcher.get_json(sp_url, label=f"aws {region} savings plans", check=_check_savings_plan)
                _savings_plans(doc, sp_url, skus, out)
            elif savings_plans:
                out.skipped[f"no_savings_plan_file:{region}"] += 1
    return out


def _ec2_prices(rows: Iterator[_Row], url: str, out: SourceResult) -> dict[str, tuple[str, str]]:
    """Add on-demand and reserved records; returns ``{on-demand SKU: (region, instance type)}``."""
    table = instance_table()
    skus: dict[str, tuple[str, str]] = {}
    reserved: dict[tuple[str, str], dict[str, Any]] = {}
    unmapped_skus: set[str] = set()
    for row in rows:
        if row.term_type not in ("OnDemand", "Reserved"):
            continue
        if row.product_family and row.product_family != "Compute Instance":
            continue
        if (row.os, row.tenancy, row.capacity or "Used", row.software or "NA") != ("Linux", "Shared", "Used", "NA"):
            out.skipped["not_linux_shared"] += 1
            continue
        if ("aws", row.instance_type) not in table:
            if _is_accelerator(row):
                if row.sku not in unmapped_skus:
                    unmapped_skus.add(row.sku)
                    out.unmapped[f"aws {row.instance_type}"] += 1
            else:
                out.skipped["no_accelerator"] += 1
            continue
        try:
            price = float(row.price)
        except ValueError:
            out.problems.append(RefreshProblem("aws", row.sku, f"{row.instance_type}: price {row.price!r}"))
            continue
        if row.currency and row.currency != "USD":
            out.problems.append(RefreshProblem("aws", row.sku, f"currency {row.currency!r} is not USD"))
            continue
        if row.term_type == "OnDemand":
            if row.unit != "Hrs":
                continue
            skus[row.sku] = (row.region, row.instance_type)
            if price <= 0:
                out.skipped["zero_price"] += 1
                continue
            out.records.append(PriceRecord("aws", row.region, row.instance_type, "on_demand", price, url, row.sku))
            continue
        entry = reserved.setdefault((row.sku, row.offer_term), {"row": row, "hourly": 0.0, "upfront": 0.0})
        if row.unit == "Hrs":
            entry["hourly"] += price
        elif row.unit == "Quantity":
            entry["upfront"] += price
    for (sku, term), entry in reserved.items():
        row = entry["row"]
        years = _TERM_YEARS.get(row.lease)
        if years is None:
            out.problems.append(RefreshProblem("aws", f"{sku}.{term}", f"lease {row.lease!r} is not 1yr or 3yr"))
            continue
        hourly = term_hourly(entry["upfront"], years, entry["hourly"])
        what = f"reservation, {row.offering_class or 'standard'}, {row.purchase_option.lower()}"
        out.records.append(
            PriceRecord("aws", row.region, row.instance_type, f"reserved_{years}y", hourly, url, f"{sku}.{term}", what)
        )
    return skus


def _check_savings_plan(doc: Any) -> None:
    if not isinstance(doc, dict) or not isinstance((doc.get("terms") or {}).get("savingsPlan"), list):
        raise SourceError("malformed savings-plan file: no 'terms.savingsPlan' list")


def _savings_plans(doc: dict[str, Any], url: str, skus: dict[str, tuple[str, str]], out: SourceResult) -> None:
    for plan in doc["terms"]["savingsPlan"]:
        length = plan.get("leaseContractLength") or {}
        years = length.get("duration") if str(length.get("unit", "year")).lower().startswith("year") else None
        description = str(plan.get("description", ""))
        upfront = next((o for o in ("No Upfront", "Partial Upfront", "All Upfront") if o in description), "")
        if years not in (1, 3):
            out.problems.append(RefreshProblem("aws", str(plan.get("sku")), f"savings plan term {length!r}"))
            continue
        for rate in plan.get("rates") or []:
            target = skus.get(str(rate.get("discountedSku")))
            if target is None:
                continue  # a SKU this refresh does not price (another OS, tenancy or instance)
            value = (rate.get("discountedRate") or {}).get("price")
            try:
                hourly = float(value)
            except (TypeError, ValueError):
                out.problems.append(RefreshProblem("aws", str(plan.get("sku")), f"savings plan rate {value!r}"))
                continue
            if rate.get("unit", "Hrs") != "Hrs":
                continue
            region, instance = target
            sku = f"{plan.get('sku')}/{rate.get('discountedSku')}"
            what = f"savings plan, compute, {upfront.lower() or 'upfront unknown'}"
            out.records.append(PriceRecord("aws", region, instance, f"reserved_{years}y", hourly, url, sku, what))
