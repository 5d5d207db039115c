"""Azure Retail Prices API: virtual machine prices per region (public, no key).

One query per region: ``serviceName eq 'Virtual Machines' and armRegionName eq '<region>'``
(filter values are case-sensitive), API version ``2023-01-01-preview`` for savings-plan prices.
Pages of 100 items are followed by ``NextPageLink``; when a full page comes without one (a known
service incident) the next page is asked for with ``$skip``; an empty page ends the list.

Items become prices as follows, each left-out item counted by reason in ``skipped``:

* non-primary meter regions, Windows and Cloud Services products, DevTest and Low Priority meters,
  zero prices and non-N-series (no accelerator) sizes are left out;
* an N-series size missing from the instance table is counted in ``unmapped``;
* ``Consumption`` is on-demand, or spot when ``skuName`` ends in " Spot"; its ``savingsPlan``
  entries are hourly savings-plan prices for 1 and 3 years;
* ``Reservation`` ``unitPrice`` is the price of the **whole term** although ``unitOfMeasure``
  says "1 Hour": it is divided by the term's hours (the documented B16als v2 example: 3,478 USD
  for one year is 0.397 USD/h against 0.673 USD/h on demand).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from fleetplan.catalog.refresh.http import Fetcher, SourceError, rebase
from fleetplan.catalog.refresh.records import PriceRecord, RefreshProblem, SourceResult, instance_table, term_hourly

__all__ = ["API_VERSION", "DEFAULT_URL", "PAGE_SIZE", "fetch_azure"]

DEFAULT_URL = "https://prices.azure.com/api/retail/prices"
API_VERSION = "2023-01-01-preview"
PAGE_SIZE = 100
"""Items per page the API returns; a full page without a next link triggers the ``$skip`` fallback."""
_MAX_PAGES = 5000
_TERMS = {"1 Year": 1, "3 Years": 3}
_EXCLUDED_PRODUCT = re.compile(r" Windows|Cloud Services|CloudServices")
_GPU_SIZE = re.compile(r"^Standard_N")


def _check_page(doc: Any) -> None:
    if not isinstance(doc, dict) or not isinstance(doc.get("Items"), list):
        raise SourceError("malformed page: no 'Items' list")
    if any(not isinstance(item, dict) for item in doc["Items"]):
        raise SourceError("malformed page: an item is not an object")


def _pages(fetcher: Fetcher, base: str, region: str, page_size: int) -> Any:
    """Every item of one region, page by page (see the module docstring for the paging rules)."""
    params = {
        "api-version": API_VERSION,
        "$filter": f"serviceName eq 'Virtual Machines' and armRegionName eq '{region}'",
    }
    url: str | None = None
    seen_links: set[str] = set()
    count = 0
    label = f"azure {region} (pages)"
    for page in range(_MAX_PAGES):
        try:
            if url is None:
                doc = fetcher.get_json(
                    base,
                    params=params if count == 0 else {**params, "$skip": str(count)},
                    label=label,
                    check=_check_page,
                )
            else:
                doc = fetcher.get_json(url, label=label, check=_check_page)
        except SourceError as exc:
            raise SourceError(f"{exc.message} (region {region}, page {page + 1})", url=exc.url) from exc
        items = doc["Items"]
        yield from items
        count += len(items)
        if fetcher.progress:
            fetcher.progress(label, page + 1, None)
        if not items:
            return
        link = doc.get("NextPageLink")
        if link:
            url = rebase(link, base)
            if url in seen_links:
                raise SourceError(f"NextPageLink repeats itself (region {region})", url=url)
            seen_links.add(url)
        elif len(items) >= page_size:
            url = None  # the NextPageLink incident: ask for the next page by $skip
        else:
            return
    raise SourceError(f"more than {_MAX_PAGES} pages for region {region}", url=base)


def _number(item: dict[str, Any], name: str) -> float | None:
    value = item.get(name)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def fetch_azure(
    fetcher: Fetcher, regions: Sequence[str], *, base_url: str = DEFAULT_URL, page_size: int = PAGE_SIZE
) -> SourceResult:
    """Accelerator VM prices of the Azure ``regions`` (ARM names such as ``eastus``).

    ``page_size`` is the service's page length, which decides when a page without a next link is full.
    """
    table = instance_table()
    out = SourceResult()
    for region in regions:
        out.urls.append(base_url)
        for item in _pages(fetcher, base_url, region, page_size):
            _item(item, region, base_url, table, out)
    return out


def _item(item: dict[str, Any], region: str, url: str, table: dict, out: SourceResult) -> None:
    sku_id = str(item.get("skuId") or item.get("meterId") or "")
    size = str(item.get("armSkuName") or "")
    sku_name = str(item.get("skuName") or "")
    kind = item.get("type")
    if item.get("isPrimaryMeterRegion") is False:
        out.skipped["non_primary_meter"] += 1
        return
    if _EXCLUDED_PRODUCT.search(str(item.get("productName") or "")):
        out.skipped["windows_or_cloud_services"] += 1
        return
    if kind == "DevTestConsumption":
        out.skipped["dev_test"] += 1
        return
    if sku_name.endswith(" Low Priority"):
        out.skipped["low_priority"] += 1
        return
    if not _GPU_SIZE.match(size):
        out.skipped["no_accelerator"] += 1
        return
    price = _number(item, "unitPrice")
    if price is None:
        out.problems.append(
            RefreshProblem("azure", sku_id, f"{size}: unitPrice {item.get('unitPrice')!r} is not a number")
        )
        return
    if price <= 0:
        out.skipped["zero_price"] += 1
        return
    if item.get("currencyCode", "USD") != "USD":
        out.problems.append(RefreshProblem("azure", sku_id, f"currency {item.get('currencyCode')!r} is not USD"))
        return
    if item.get("unitOfMeasure") != "1 Hour":
        out.problems.append(RefreshProblem("azure", sku_id, f"unit {item.get('unitOfMeasure')!r} is not '1 Hour'"))
        return
    if ("azure", size) not in table:
        out.unmapped[f"azure {size}"] += 1
        return
    item_region = str(item.get("armRegionName") or region)

    def record(model: str, usd_per_hour: float, commitment: str = "") -> None:
        out.records.append(PriceRecord("azure", item_region, size, model, usd_per_hour, url, sku_id, commitment))

    if kind == "Consumption":
        record("spot" if sku_name.endswith(" Spot") else "on_demand", price)
        if sku_name.endswith(" Spot"):
            return
        for plan in item.get("savingsPlan") or []:
            years = _TERMS.get(str(plan.get("term")))
            rate = _number(plan, "unitPrice")
            if years is None or rate is None:
                out.problems.append(RefreshProblem("azure", sku_id, f"savings plan entry not understood: {plan!r}"))
                continue
            record(f"reserved_{years}y", rate, "savings plan")
    elif kind == "Reservation":
        years = _TERMS.get(str(item.get("reservationTerm")))
        if years is None:
            out.problems.append(RefreshProblem("azure", sku_id, f"reservation term {item.get('reservationTerm')!r}"))
            return
        record(f"reserved_{years}y", term_hourly(price, years), "reservation")
    else:
        out.skipped[f"price_type:{kind}"] += 1
