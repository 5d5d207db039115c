"""``catalog refresh``: recorded price-list responses replayed through ``httpx.MockTransport``.

The fixtures under ``data/refresh`` are written from the documented response shapes (Azure
Retail Prices envelope, AWS offer files with their 5 metadata lines, Cloud Billing Catalog SKUs
with ``units`` + ``nanos``). No test touches the network; the CLI test serves the same fixtures
from a loopback server through the ``--*-url`` overrides.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pandas as pd
import pytest
import yaml
from tests.scenarios import BASE

from fleetplan.catalog.csvio import read_offerings_csv, write_offerings_csv
from fleetplan.catalog.diff import diff_offerings
from fleetplan.catalog.hardware import resolve_accelerator
from fleetplan.catalog.refresh import (
    HOURS_PER_YEAR,
    Fetcher,
    SourceError,
    instance_table,
    refresh_catalog,
    split_regions,
    term_hourly,
)
from fleetplan.catalog.refresh.aws import fetch_aws
from fleetplan.catalog.refresh.azure import fetch_azure
from fleetplan.catalog.refresh.gcp import fetch_gcp, sku_price
from fleetplan.cli import main
from fleetplan.errors import InputError
from fleetplan.load import load_scenario
from fleetplan.optimize import optimize

DATA = Path(__file__).parent / "data" / "refresh"
KEY = "test-key-123"
TODAY = date(2026, 11, 15)

Route = Callable[[str, dict[str, list[str]]], tuple[int, bytes, dict[str, str]]]


def _file(name: str) -> tuple[int, bytes, dict[str, str]]:
    return 200, (DATA / name).read_bytes(), {}


def recorded(path: str, query: dict[str, list[str]]) -> tuple[int, bytes, dict[str, str]]:
    """The recorded answer to ``GET path?query``: (status, body, headers)."""
    aws_ec2 = "/offers/v1.0/aws/AmazonEC2/"
    aws_sp = "/savingsPlan/v1.0/aws/AWSComputeSavingsPlan/"
    if path == "/api/retail/prices":
        assert query["api-version"] == ["2023-01-01-preview"]
        assert query["$filter"] == ["serviceName eq 'Virtual Machines' and armRegionName eq 'eastus'"]
        return _file("azure_page2.json" if query.get("$skip") == ["3"] else "azure_page1.json")
    if path == aws_ec2 + "current/region_index.json":
        return _file("aws_region_index.json")
    if path == aws_ec2 + "20261101000000/us-east-1/index.csv":
        return _file("aws_us-east-1.csv")
    if path == aws_ec2 + "20261101000000/us-east-1/index.json":
        return _file("aws_us-east-1.json")
    if path == aws_sp + "current/region_index.json":
        return _file("aws_sp_region_index.json")
    if path == aws_sp + "20261101000000/us-east-1/index.json":
        return _file("aws_sp_us-east-1.json")
    if path.startswith("/v1/services/"):
        if query.get("key") != [KEY]:
            return 403, b'{"error": {"code": 403, "message": "API key not valid"}}', {}
        if path == "/v1/services/6F81-5844-456A/skus":
            return _file("gcp_compute_page2.json" if query.get("pageToken") == ["page-2"] else "gcp_compute_page1.json")
        if path == "/v1/services/E000-3F24-B8AA/skus":
            return _file("gcp_tpu.json")
    return 404, b"not recorded", {}


class Replay:
    """An ``httpx.MockTransport`` handler over a route; keeps every URL asked for."""

    def __init__(self, route: Route = recorded) -> None:
        self.route = route
        self.urls: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(str(request.url))
        status, body, headers = self.route(request.url.path, parse_qs(request.url.query.decode()))
        return httpx.Response(status, content=body, headers=headers)

    def fetcher(self, **kw: Any) -> Fetcher:
        client = httpx.Client(transport=httpx.MockTransport(self))
        kw.setdefault("sleep", lambda s: None)
        return Fetcher(client, fetch_date=TODAY, **kw)


def offering(frame: pd.DataFrame, provider: str, region: str, instance: str, model: str) -> pd.Series:
    hit = frame[
        (frame["provider"] == provider)
        & (frame["region"] == region)
        & (frame["instance_type"] == instance)
        & (frame["pricing_model"] == model)
    ]
    assert len(hit) == 1, f"{provider}/{region}/{instance}/{model}: {len(hit)} rows"
    return hit.iloc[0]


def price(records: list, instance: str, model: str, commitment: str = "") -> list[float]:
    return sorted(
        r.price_usd_per_hour
        for r in records
        if r.instance_type == instance and r.pricing_model == model and r.commitment.startswith(commitment)
    )


# --------------------------------------------------------------------------- conversions


def test_azure_reservation_term_price_matches_the_documented_example() -> None:
    """Azure's documented B16als v2 item: 0.673 USD/h consumption, savings plan 0.49129 (1 year),
    reservation 3,478 USD for 1 year. Read as a whole-term price it is 0.397 USD/h: below the
    savings plan (reservations discount more) and far below on-demand. Read as an hourly price it
    would be 5,000 times on-demand; read as a monthly price (730 h) still above on-demand."""
    hourly = term_hourly(3478.0, 1)
    assert hourly == pytest.approx(3478.0 / 8760) == pytest.approx(0.39703, abs=1e-5)
    assert hourly < 0.49129 < 0.673
    assert 3478.0 / 730 > 0.673
    assert term_hourly(1_100_000.0, 3) == pytest.approx(1_100_000.0 / (3 * HOURS_PER_YEAR))


def test_aws_upfront_options_become_effective_hourly() -> None:
    assert term_hourly(280_000.0, 1) == pytest.approx(31.9635, abs=1e-4)  # all upfront
    assert term_hourly(150_000.0, 1, 16.0) == pytest.approx(16.0 + 150_000 / 8760)  # partial upfront
    assert term_hourly(0.0, 1, 36.0) == 36.0  # no upfront
    with pytest.raises(ValueError):
        term_hourly(1.0, 2)


def test_gcp_units_plus_nanos_from_the_first_tier_that_is_not_free() -> None:
    def sku(*tiers: tuple[float, str, int]) -> dict[str, Any]:
        rates = [
            {"startUsageAmount": s, "unitPrice": {"currencyCode": "USD", "units": u, "nanos": n}} for s, u, n in tiers
        ]
        return {"pricingInfo": [{"pricingExpression": {"usageUnit": "h", "tieredRates": rates}}]}

    assert sku_price(sku((0, "11", 60_000_000))) == pytest.approx(11.06)
    assert sku_price(sku((1, "4", 500_000_000), (0, "0", 0))) == pytest.approx(4.5)
    assert sku_price(sku((0, "0", 0))) == 0.0
    with pytest.raises(ValueError):
        sku_price({"pricingInfo": []})


# --------------------------------------------------------------------------- the instance table


def test_every_instance_maps_to_a_known_accelerator() -> None:
    table = instance_table()
    assert table[("aws", "p5.48xlarge")].accelerator == "H100-SXM"
    assert table[("aws", "p4d.24xlarge")].accelerator == "A100-40GB"
    assert (table[("aws", "g5.48xlarge")].accelerator, table[("aws", "g5.48xlarge")].accelerator_count) == ("A10G", 8)
    assert table[("aws", "g6.xlarge")].accelerator == "L4"
    assert (table[("aws", "trn1.32xlarge")].accelerator, table[("aws", "trn1.32xlarge")].accelerator_count) == (
        "Trainium",
        16,
    )
    assert table[("aws", "inf2.48xlarge")].accelerator_count == 12
    assert table[("azure", "Standard_ND96isr_H100_v5")].accelerator == "H100-SXM"
    assert table[("azure", "Standard_ND96isr_MI300X_v5")].accelerator == "MI300X"
    assert table[("gcp", "a3-highgpu-8g")].vcpus == 208
    for spec in table.values():
        assert resolve_accelerator(spec.accelerator).name == spec.accelerator
        assert spec.accelerator_count >= 1


def test_bundled_hyperscaler_instances_are_all_in_the_table() -> None:
    """Every AWS, Azure and GCP instance type of the bundled catalog can be refreshed."""
    from fleetplan.catalog.builtin import builtin_offerings

    frame = builtin_offerings()
    table = instance_table()
    for row in frame[frame["provider"].isin(["aws", "azure", "gcp"])].itertuples():
        key = (row.provider, row.instance_type)
        assert key in table, key
        assert table[key].accelerator == row.accelerator, key
        assert table[key].accelerator_count == row.accelerator_count, key


# --------------------------------------------------------------------------- Azure


def test_azure_pages_by_next_link_and_reads_every_price_kind() -> None:
    replay = Replay()
    seen: list[tuple[str, int, int | None]] = []
    res = fetch_azure(replay.fetcher(progress=lambda *a: seen.append(a)), ["eastus"])
    assert len(replay.urls) == 2
    assert seen == [("azure eastus (pages)", 1, None), ("azure eastus (pages)", 2, None)]
    assert all(urlsplit(u).netloc == "prices.azure.com" for u in replay.urls)  # the next link, rebased
    assert "$skip=3" in replay.urls[1]
    h100 = "Standard_ND96isr_H100_v5"
    assert price(res.records, h100, "on_demand") == [98.32]
    assert price(res.records, h100, "spot") == [49.16]
    assert price(res.records, h100, "reserved_1y", "savings plan") == [70.0]
    assert price(res.records, h100, "reserved_3y", "savings plan") == [45.0]
    assert price(res.records, h100, "reserved_1y", "reservation") == [pytest.approx(534_000 / 8760)]
    assert price(res.records, h100, "reserved_3y", "reservation") == [pytest.approx(1_100_000 / 26280)]
    assert res.skipped == {
        "windows_or_cloud_services": 1,
        "no_accelerator": 1,
        "low_priority": 1,
        "non_primary_meter": 1,
    }
    assert dict(res.unmapped) == {"azure Standard_NC48_Future_v9": 1}
    assert not res.problems


def test_azure_pages_by_skip_when_a_full_page_has_no_next_link() -> None:
    def route(path: str, query: dict[str, list[str]]) -> tuple[int, bytes, dict[str, str]]:
        page = {None: "azure_page1.json", "3": "azure_page2.json"}.get((query.get("$skip") or [None])[0])
        doc = json.loads((DATA / page).read_bytes()) if page else {"Items": [], "NextPageLink": None, "Count": 0}
        doc["NextPageLink"] = None  # the documented incident: full pages without a next link
        return 200, json.dumps(doc).encode(), {}

    replay = Replay(route)
    res = fetch_azure(replay.fetcher(), ["eastus"], page_size=3)
    assert len(replay.urls) == 3  # page 1, $skip=3 (6 items: full), $skip=9 (empty: the end)
    assert "$skip=3" in replay.urls[1] and "$skip=9" in replay.urls[2]
    assert "$filter=serviceName%20eq%20'Virtual%20Machines'%20and%20armRegionName%20eq%20'eastus'" in replay.urls[0]
    assert price(res.records, "Standard_ND96isr_H100_v5", "reserved_3y", "reservation")


def test_azure_stops_at_an_empty_page() -> None:
    def route(path: str, query: dict[str, list[str]]) -> tuple[int, bytes, dict[str, str]]:
        doc = json.loads((DATA / "azure_page1.json").read_bytes())
        doc["NextPageLink"] = None
        if query.get("$skip"):
            doc["Items"] = []
        return 200, json.dumps(doc).encode(), {}

    replay = Replay(route)
    fetch_azure(replay.fetcher(), ["eastus"], page_size=3)
    assert len(replay.urls) == 2


def test_a_429_then_success_waits_as_told() -> None:
    calls: list[str] = []

    def route(path: str, query: dict[str, list[str]]) -> tuple[int, bytes, dict[str, str]]:
        calls.append(path)
        if len(calls) == 1:
            return 429, b"slow down", {"Retry-After": "7"}
        if len(calls) == 2:
            return 503, b"busy", {}
        return recorded(path, query)

    waits: list[float] = []
    replay = Replay(route)
    res = fetch_azure(replay.fetcher(sleep=waits.append, backoff_s=0.5), ["eastus"])
    assert waits == [7.0, 1.0]  # Retry-After, then the backoff of the second attempt
    assert price(res.records, "Standard_ND96isr_H100_v5", "on_demand") == [98.32]


def test_retries_give_up_with_a_clear_error() -> None:
    replay = Replay(lambda p, q: (500, b"down", {}))
    with pytest.raises(SourceError, match=r"gave up after 3 attempts \(last: HTTP 500\)"):
        fetch_azure(replay.fetcher(retries=2), ["eastus"])
    replay = Replay(lambda p, q: (404, b"", {}))
    with pytest.raises(SourceError, match="HTTP 404"):
        fetch_azure(replay.fetcher(), ["eastus"])


def test_a_malformed_page_is_a_clear_error_and_writes_nothing(tmp_path: Path) -> None:
    def route(path: str, query: dict[str, list[str]]) -> tuple[int, bytes, dict[str, str]]:
        if query.get("$skip"):
            return _file("azure_malformed.json")
        return recorded(path, query)

    out = tmp_path / "catalog.csv"
    out.write_text("previous catalog\n")
    cache = tmp_path / "cache"
    with pytest.raises(SourceError, match=r"malformed page: not JSON .*\(region eastus, page 2\)"):
        refresh_catalog(Replay(route).fetcher(cache_dir=cache), ["azure"], regions={"azure": ["eastus"]})
    assert out.read_text() == "previous catalog\n"
    cached = sorted(p.name for p in (cache / "2026-11-15").iterdir())
    assert len(cached) == 2  # page 1 (body + record); the malformed page is not kept
    with pytest.raises(SourceError, match="no 'Items' list"):
        fetch_azure(Replay(lambda p, q: (200, b'{"Items": 3}', {})).fetcher(), ["eastus"])


# --------------------------------------------------------------------------- AWS


@pytest.mark.parametrize("file_format", ["csv", "json"])
def test_aws_offer_file_on_demand_and_reserved(file_format: str) -> None:
    replay = Replay()
    res = fetch_aws(replay.fetcher(), ["us-east-1"], file_format=file_format)
    assert any(u.endswith(f"/us-east-1/index.{file_format}") for u in replay.urls)
    assert price(res.records, "p5.48xlarge", "on_demand") == [55.04]
    if file_format == "csv":
        assert price(res.records, "p5.48xlarge", "reserved_1y", "reservation") == pytest.approx(
            [280_000 / 8760, 16 + 150_000 / 8760, 36.0]
        )
        assert price(res.records, "p5.48xlarge", "reserved_3y", "reservation") == [pytest.approx(560_000 / 26280)]
        assert price(res.records, "g5.xlarge", "on_demand") == [1.006]
        assert dict(res.unmapped) == {"aws p9.48xlarge": 1}
        assert res.skipped["no_accelerator"] == 1 and res.skipped["not_linux_shared"] == 1
    else:
        assert price(res.records, "p5.48xlarge", "reserved_1y", "reservation") == [pytest.approx(280_000 / 8760)]
    # savings plans: Linux SKUs only (the Windows rate is not used)
    assert price(res.records, "p5.48xlarge", "reserved_1y", "savings plan") == [38.0]
    assert price(res.records, "p5.48xlarge", "reserved_3y", "savings plan") == [19.0]


def test_aws_csv_without_its_preamble_is_malformed() -> None:
    def route(path: str, query: dict[str, list[str]]) -> tuple[int, bytes, dict[str, str]]:
        if path.endswith(".csv"):
            lines = (DATA / "aws_us-east-1.csv").read_bytes().splitlines(keepends=True)
            return 200, b"".join(lines[5:]), {}
        return recorded(path, query)

    with pytest.raises(SourceError, match="malformed offer file: missing column 'SKU'"):
        fetch_aws(Replay(route).fetcher(), ["us-east-1"])


def test_aws_unknown_region_is_an_error() -> None:
    with pytest.raises(SourceError, match="'eu-west-9' is not in the EC2 region index"):
        fetch_aws(Replay().fetcher(), ["eu-west-9"])


# --------------------------------------------------------------------------- GCP


def test_gcp_composes_vm_prices_from_gpu_cpu_and_ram_skus() -> None:
    replay = Replay()
    res = fetch_gcp(replay.fetcher(), ["us-central1"], api_key=KEY)
    od = 8 * 11.06 + 208 * 0.0295 + 1872 * 0.00295
    assert price(res.records, "a3-highgpu-8g", "on_demand") == [pytest.approx(od)]
    assert price(res.records, "a3-highgpu-8g", "spot") == [pytest.approx(8 * 4.5 + 208 * 0.012 + 1872 * 0.0012)]
    assert price(res.records, "a3-highgpu-8g", "reserved_1y") == [pytest.approx(8 * 7 + 208 * 0.0186 + 1872 * 0.00186)]
    assert price(res.records, "tpu-v5e-8", "on_demand") == [pytest.approx(9.6)]
    assert price(res.records, "tpu-v5e-1", "reserved_1y") == [pytest.approx(0.84)]
    assert dict(res.unmapped) == {"gcp Nvidia Tesla P100 GPU running in Americas": 1}
    assert res.skipped["incomplete:g2-standard-4"] == 1  # an L4 price but no G2 vCPU/RAM price
    assert res.skipped["not_a_vm_part"] == 1
    assert not res.problems
    assert sum("pageToken=page-2" in u for u in replay.urls) == 1


def test_gcp_api_key_is_never_kept_or_shown(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    fetch_gcp(Replay().fetcher(cache_dir=cache), ["us-central1"], api_key=KEY)
    for path in cache.rglob("*"):
        assert KEY not in path.name
        if path.suffix == ".json":
            assert KEY not in path.read_text() and "key=%2A%2A%2A" in path.read_text()
    with pytest.raises(SourceError) as err:
        fetch_gcp(Replay().fetcher(), ["us-central1"], api_key="wrong-secret")
    assert "HTTP 403" in str(err.value) and "wrong-secret" not in str(err.value)


# --------------------------------------------------------------------------- the whole refresh


def _refresh(**kw: Any):
    regions = {"azure": ["eastus"], "aws": ["us-east-1"], "gcp": ["us-central1"]}
    return refresh_catalog(Replay().fetcher(), ["azure", "aws", "gcp"], regions=regions, gcp_api_key=KEY, **kw)


def test_refresh_picks_the_cheapest_commitment_and_says_which() -> None:
    res = _refresh()
    off = res.offerings
    assert res.price_date == "2026-11-15" and set(off["price_date"]) == {"2026-11-15"}
    p5_1y = offering(off, "aws", "us-east-1", "p5.48xlarge", "reserved_1y")
    assert p5_1y["price_usd_per_hour"] == pytest.approx(280_000 / 8760)  # all-upfront RI beats the 38.0 plan
    assert "reservation, standard, all upfront" in p5_1y["source"] and "P5SKU00000000001.6QCMYABX3D" in p5_1y["source"]
    p5_3y = offering(off, "aws", "us-east-1", "p5.48xlarge", "reserved_3y")
    assert p5_3y["price_usd_per_hour"] == 19.0 and "savings plan, compute, no upfront" in p5_3y["source"]
    nd = offering(off, "azure", "eastus", "Standard_ND96isr_H100_v5", "reserved_1y")
    assert nd["price_usd_per_hour"] == pytest.approx(534_000 / 8760)
    assert nd["source"].startswith("https://prices.azure.com/api/retail/prices sku DZH318Z0H100/0R1Y")
    a3 = offering(off, "gcp", "us-central1", "a3-highgpu-8g", "on_demand")
    assert (a3["accelerator"], a3["accelerator_count"], a3["vcpus"]) == ("H100-SXM", 8, 208)
    assert "0000-H100-0001+0000-A3CO-0001+0000-A3RA-0001" in a3["source"] and KEY not in a3["source"]
    assert not (off["source"].str.contains(KEY)).any()
    assert set(res.unmapped) == {
        "aws p9.48xlarge",
        "azure Standard_NC48_Future_v9",
        "gcp Nvidia Tesla P100 GPU running in Americas",
    }
    only_plans = _refresh(commitments="savings_plan").offerings
    assert offering(only_plans, "aws", "us-east-1", "p5.48xlarge", "reserved_1y")["price_usd_per_hour"] == 38.0
    assert not ((only_plans["provider"] == "gcp") & only_plans["pricing_model"].str.startswith("reserved")).any()


def test_strict_makes_unmapped_skus_an_error() -> None:
    with pytest.raises(InputError, match=r"3 accelerator SKUs are not in the instance table: aws p9\.48xlarge"):
        _refresh(strict=True)


def test_a_commitment_not_below_on_demand_is_not_trusted() -> None:
    def route(path: str, query: dict[str, list[str]]) -> tuple[int, bytes, dict[str, str]]:
        status, body, headers = recorded(path, query)
        if query.get("$skip"):  # a reservation price read as hourly: 534,000 USD/h
            body = body.replace(b'"reservationTerm": "1 Year"', b'"reservationTerm": "1 Year", "x": 0')
            doc = json.loads(body)
            doc["Items"][0]["unitPrice"] = 98.32 * 8760 * 1.5
            body = json.dumps(doc).encode()
        return status, body, headers

    res = refresh_catalog(Replay(route).fetcher(), ["azure"], regions={"azure": ["eastus"]})
    row = offering(res.offerings, "azure", "eastus", "Standard_ND96isr_H100_v5", "reserved_1y")
    assert row["price_usd_per_hour"] == 70.0  # the savings plan, not the untrusted reservation
    assert any("is not below on-demand" in p.message for p in res.problems)


def test_split_regions() -> None:
    got = split_regions(["eastus,us-east-1", "gcp:us-central1"], ["azure", "aws", "gcp"])
    assert got == {"azure": ("eastus",), "aws": ("us-east-1",), "gcp": ("us-central1",)}
    assert split_regions([], ["azure"])["azure"]  # the bundled catalog's Azure regions
    with pytest.raises(InputError, match="provider:region"):
        split_regions(["Somewhere Else"], ["aws"])


def test_refreshed_catalog_round_trips_and_plans_a_tiny_scenario(tmp_path: Path) -> None:
    res = _refresh()
    path = tmp_path / "refreshed.csv"
    write_offerings_csv(res.offerings, path)
    back = read_offerings_csv(path)
    assert len(back) == len(res.offerings)
    assert diff_offerings(res.offerings, back).changed.empty

    doc = {
        **BASE,
        "catalog": {"builtin": False, "files": ["refreshed.csv"]},
        "providers": [{"name": p, "kind": "cloud"} for p in ("aws", "azure", "gcp")],
        "regions": [
            {"provider": "aws", "name": "us-east-1", "country": "US", "latency_zone": "us-east"},
            {"provider": "azure", "name": "eastus", "country": "US", "latency_zone": "us-east"},
            {"provider": "gcp", "name": "us-central1", "country": "US", "latency_zone": "us-central"},
        ],
        "onboarded_providers": ["aws", "azure", "gcp"],
        "workloads": [
            {
                "name": "train",
                "kind": "batch",
                "model": {"params": 8.0e9},
                "demand": {"tokens_per_period": 2.0e10},
                "accelerators": ["H100-SXM"],
            }
        ],
    }
    (tmp_path / "scenario.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    plan = optimize(load_scenario(tmp_path / "scenario.yaml"), baselines=False, abatement=False)
    assert plan.verification is not None and plan.verification.ok
    assert math.isfinite(plan.total_usd) and plan.total_usd > 0


# --------------------------------------------------------------------------- the command


@pytest.fixture
def loopback() -> Any:
    """A recorded-response server on 127.0.0.1 serving :func:`recorded`; yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            status, body, headers = recorded(url.path, parse_qs(url.query))
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_cli_refresh_then_diff(
    loopback: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLEETPLAN_TEST_GCP_KEY", KEY)
    monkeypatch.setenv("FLEETPLAN_AWS_PRICES_URL", loopback)  # the environment variable stands in for --aws-url
    out = tmp_path / "new.csv"
    args = ["catalog", "refresh", "--azure", "--aws", "--gcp", "--api-key-env", "FLEETPLAN_TEST_GCP_KEY",
            "--regions", "eastus,us-east-1,us-central1", "--azure-url", loopback + "/api/retail/prices",
            "--gcp-url", loopback, "--cache-dir", tmp_path / "cache", "-o", out]  # fmt: skip
    code = main([str(a) for a in [*args, "--json"]])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    doc = json.loads(captured.out)
    assert doc["schema"] == "fleetplan.catalog_refresh/1"
    assert doc["offerings"] == len(read_offerings_csv(out))
    assert set(doc["offerings_by_provider"]) == {"aws", "azure", "gcp"}
    assert len(doc["unmapped"]) == 3 and KEY not in captured.out + captured.err
    assert main([str(a) for a in [*args, "--strict"]]) == 2

    old = tmp_path / "old.csv"
    frame = read_offerings_csv(out)
    frame = frame[frame["instance_type"] != "g5.xlarge"].copy()
    frame.loc[frame["instance_type"] == "p5.48xlarge", "price_usd_per_hour"] *= 1.25
    write_offerings_csv(frame, old)
    capsys.readouterr()
    assert main(["catalog", "diff", str(old), str(out)]) == 0
    text = capsys.readouterr().out
    assert "+ aws us-east-1 g5.xlarge on_demand  $1.0060/h" in text
    assert "~ aws us-east-1 p5.48xlarge on_demand  $68.8000/h -> $55.0400/h (-20.0%)" in text
    assert text.strip().splitlines()[-1].startswith("2 added, 0 removed, 3 changed")
    assert len(diff_offerings(read_offerings_csv(out), frame).removed) == 2
    assert main(["catalog", "diff", str(old), str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)["summary"]
    assert summary["added"] == 2 and summary["changed"] == 3


def test_cli_refresh_needs_a_source_and_a_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "refresh", "-o", str(tmp_path / "x.csv")]) == 2
    assert "choose at least one source" in capsys.readouterr().err
    assert main(["catalog", "refresh", "--gcp", "-o", str(tmp_path / "x.csv")]) == 2
    assert "--api-key-env" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()
